//! The loss of Eq. (11) of `001_03396fee62d82789.txt` for streams of identical qubits and
//! batches, with its exact gradient by forward propagation of derivatives.

use super::{check_qubit, coherence, spectrum, Batch, Coupling};
use crate::dynamics::ladder::{GaugedState, LadderCollision, Weights};
use crate::optimize::{Bounds, Objective};
use crate::{Error, Result};

/// One batch of the loss: `count` qubits in (c, q); `free` is the index of c among the
/// parameters when the batch is optimized.
#[derive(Debug, Clone, Copy)]
struct Pair {
    count: usize,
    c: f64,
    q: f64,
    free: Option<usize>,
}
/// A batch of the loss of Eq. (11): `count` qubits, free (c, q) or fixed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LossBatch {
    /// Number of qubits (≥ 1).
    pub count: usize,
    /// Fixed (c, q) (not optimized); absent: (c, q) are parameters.
    #[serde(default)]
    pub fixed: Option<[f64; 2]>,
}

/// Parameters of the loss of Eq. (11).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LossParams {
    /// N_c (≥ 2).
    pub levels: usize,
    /// The coupling g (τ = 1).
    pub g: Coupling,
    /// The batches, in order (Fig. 1c); one batch = identical qubits (Fig. 1b).
    pub batches: Vec<LossBatch>,
    /// λ ≥ 0: weight of the stability penalty.
    pub lambda: f64,
    /// η: the penalty sums |E_k − E_{k−1}| over the last fraction η ∈ (0, 1] of collisions.
    pub eta: f64,
    /// Free q is bounded to [q_floor, 1 − q_floor] (the gradient of √(q(1−q)) diverges at 0 and 1).
    pub q_floor: f64,
}

impl Default for LossParams {
    /// Sec. III A at λ = 10: N_c = 120, g = π/√15.6, 1000 identical qubits, η = 20 %.
    fn default() -> Self {
        Self {
            levels: 120,
            g: Coupling::Chamber { big_q: 1, m: 15.6 },
            batches: vec![LossBatch {
                count: 1000,
                fixed: None,
            }],
            lambda: 10.0,
            eta: 0.2,
            q_floor: 1e-6,
        }
    }
}

/// The parts of the loss at one point.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LossParts {
    /// 𝓛 of Eq. (11).
    pub loss: f64,
    /// W_n: ergotropy after the last qubit.
    pub ergotropy: f64,
    /// E_n.
    pub energy: f64,
    /// Σ_{k∈η} |E_k − E_{k−1}| (without λ).
    pub penalty: f64,
    /// c̄: mean c over all qubits.
    pub mean_c: f64,
    /// q̄: mean q over all qubits.
    pub mean_q: f64,
}

impl LossParts {
    /// The numerator W_n (1 − c̄)(1 − q̄) of Eq. (11)'s charging term: 0 on a plateau
    /// where nothing is gained by charging (e.g. the corner c = q = 1).
    pub fn charging_gain(&self) -> f64 {
        self.ergotropy * (1.0 - self.mean_c) * (1.0 - self.mean_q)
    }
}

/// The loss of Eq. (11) as an [`Objective`] over the free (c, q) pairs, in batch order
/// (c₁, q₁, c₂, q₂, …):
///
/// 𝓛 = −W_n (1−c̄)(1−q̄) / (W_n + (1−c̄) + (1−q̄)) + λ Σ_{k∈η} |E_k − E_{k−1}|.
///
/// The gradient is exact: Φ is linear in (q, 1−q, x = c√(q(1−q))), so the derivative of
/// the state with respect to each parameter is carried forward with the state
/// (T_{k+1} = Φ(T_k) + ∂Φ/∂θ (ρ_k)), and ∂W = ∂E − Σ_k k v_kᵀ ∂ρ v_k through the
/// eigenvectors v_k of ρ_n (sorted by descending eigenvalue; exact where the spectrum
/// is non-degenerate).
#[derive(Debug, Clone)]
pub struct StreamLoss {
    params: LossParams,
    collision: LadderCollision,
    total: usize,
    window: usize,
}

impl StreamLoss {
    /// Checks `p` and prepares the collision kernel.
    pub fn new(p: LossParams) -> Result<Self> {
        if p.levels < 2 {
            return Err(Error::invalid("levels", p.levels, "≥ 2"));
        }
        p.g.validate("g")?;
        if p.batches.is_empty() {
            return Err(Error::invalid(
                "batches",
                "an empty list",
                "at least one batch",
            ));
        }
        for (i, b) in p.batches.iter().enumerate() {
            if b.count == 0 {
                return Err(Error::invalid(format!("batches[{i}].count"), 0, "≥ 1"));
            }
            if let Some([c, q]) = b.fixed {
                check_qubit(&format!("batches[{i}].fixed"), c, q)?;
            }
        }
        if !(p.lambda.is_finite() && p.lambda >= 0.0) {
            return Err(Error::invalid("lambda", p.lambda, "finite and ≥ 0"));
        }
        if !(p.eta > 0.0 && p.eta <= 1.0) {
            return Err(Error::invalid("eta", p.eta, "in (0, 1]"));
        }
        if !(p.q_floor > 0.0 && p.q_floor < 0.5) {
            return Err(Error::invalid("q_floor", p.q_floor, "in (0, 0.5)"));
        }
        let total: usize = p.batches.iter().map(|b| b.count).sum();
        let window = ((p.eta * total as f64).round() as usize).clamp(1, total);
        let collision = LadderCollision::jaynes_cummings(p.levels, p.g.value())?;
        Ok(Self {
            params: p,
            collision,
            total,
            window,
        })
    }

    /// The loss parameters.
    pub fn params(&self) -> &LossParams {
        &self.params
    }

    /// The number of collisions n.
    pub fn collisions(&self) -> usize {
        self.total
    }

    /// The box of the free parameters: c ∈ [0, 1], q ∈ [q_floor, 1 − q_floor].
    pub fn bounds(&self) -> Bounds {
        let free = self
            .params
            .batches
            .iter()
            .filter(|b| b.fixed.is_none())
            .count();
        let f = self.params.q_floor;
        let lower = (0..2 * free)
            .map(|i| if i % 2 == 0 { 0.0 } else { f })
            .collect();
        let upper = (0..2 * free)
            .map(|i| if i % 2 == 0 { 1.0 } else { 1.0 - f })
            .collect();
        Bounds::new(lower, upper).expect("q_floor < 0.5 makes the box valid")
    }

    /// The charging stream of the free parameters `x` as batches for [`Params::stream`](super::Params::stream),
    /// the last one repeating (to simulate past n, as Fig. 3 does).
    pub fn stream(&self, x: &[f64]) -> Result<Vec<Batch>> {
        let pairs = self.pairs(x)?;
        let last = pairs.len() - 1;
        Ok(pairs
            .iter()
            .enumerate()
            .map(|(i, p)| Batch {
                count: (i < last).then_some(p.count),
                c: p.c,
                q: p.q,
            })
            .collect())
    }

    /// (count, c, q, index of c among the parameters if free) per batch.
    fn pairs(&self, x: &[f64]) -> Result<Vec<Pair>> {
        let mut out = Vec::new();
        let mut k = 0;
        for (i, b) in self.params.batches.iter().enumerate() {
            match b.fixed {
                Some([c, q]) => out.push(Pair {
                    count: b.count,
                    c,
                    q,
                    free: None,
                }),
                None => {
                    if k + 2 > x.len() {
                        break;
                    }
                    check_qubit(&format!("batches[{i}]"), x[k], x[k + 1])?;
                    out.push(Pair {
                        count: b.count,
                        c: x[k],
                        q: x[k + 1],
                        free: Some(k),
                    });
                    k += 2;
                }
            }
        }
        if k != x.len() || out.len() != self.params.batches.len() {
            return Err(Error::DimensionMismatch {
                context: "loss parameters (c, q per free batch)".into(),
                expected: self.dim(),
                found: x.len(),
            });
        }
        Ok(out)
    }

    /// The loss and its parts at `x`; with `grad`, also ∇𝓛 (exact, forward propagation).
    pub fn evaluate(&self, x: &[f64], grad: Option<&mut [f64]>) -> Result<LossParts> {
        let pairs = self.pairs(x)?;
        let d = self.params.levels;
        let np = x.len();
        let want = grad.is_some();
        let mut r = GaugedState::fock(d, 0)?;
        let mut next = GaugedState::zeros(d);
        // Tangents ∂r/∂x_j, allocated only if a gradient is wanted.
        let mut tan: Vec<GaugedState> = if want {
            vec![GaugedState::zeros(d); np]
        } else {
            Vec::new()
        };
        let mut tan_next = GaugedState::zeros(d);
        let mut active = vec![false; np];
        let first_in_window = self.total - self.window;
        let (mut penalty, mut e_prev) = (0.0, 0.0);
        let mut dpen = vec![0.0; np];
        let mut de_prev = vec![0.0; np];
        let mut k = 0usize;
        for &Pair { count, c, q, free } in &pairs {
            let w = Weights::qubit(q, coherence(c, q));
            let mut sources: Vec<(usize, Weights)> = Vec::new();
            if let (Some(j), true) = (free, want) {
                let s = (q * (1.0 - q)).sqrt();
                if s == 0.0 && c != 0.0 {
                    return Err(Error::invalid(
                        format!("q (parameter {})", j + 1),
                        q,
                        "in (0, 1) where c > 0: ∂x/∂q diverges at q ∈ {0, 1}",
                    ));
                }
                let x_q = if s == 0.0 {
                    0.0
                } else {
                    c * (1.0 - 2.0 * q) / (2.0 * s)
                };
                sources.push((
                    j,
                    Weights {
                        g: 0.0,
                        e: 0.0,
                        x: s,
                    },
                ));
                sources.push((
                    j + 1,
                    Weights {
                        g: 1.0,
                        e: -1.0,
                        x: x_q,
                    },
                ));
                active[j] = true;
                active[j + 1] = true;
            }
            for _ in 0..count {
                for t in 0..tan.len() {
                    if !active[t] {
                        continue;
                    }
                    self.collision
                        .apply_weighted(&tan[t], w, &mut tan_next, false);
                    if let Some(&(_, sw)) = sources.iter().find(|(j, _)| *j == t) {
                        self.collision.apply_weighted(&r, sw, &mut tan_next, true);
                    }
                    std::mem::swap(&mut tan[t], &mut tan_next);
                }
                self.collision.apply_weighted(&r, w, &mut next, false);
                std::mem::swap(&mut r, &mut next);
                k += 1;
                if k >= first_in_window {
                    let e = r.energy();
                    let de: Vec<f64> = tan.iter().map(GaugedState::energy).collect();
                    if k > first_in_window {
                        let sign = (e - e_prev).signum() * f64::from(e != e_prev);
                        penalty += (e - e_prev).abs();
                        for j in 0..de.len() {
                            dpen[j] += sign * (de[j] - de_prev[j]);
                        }
                    }
                    e_prev = e;
                    de_prev = de;
                }
            }
        }
        let n = self.total as f64;
        let mean_c = pairs.iter().map(|p| p.count as f64 * p.c).sum::<f64>() / n;
        let mean_q = pairs.iter().map(|p| p.count as f64 * p.q).sum::<f64>() / n;
        let energy = r.energy();
        let (vals, vecs) = spectrum(&r, want)?;
        let passive: f64 = (0..d).map(|i| i as f64 * vals[d - 1 - i]).sum();
        let w_n = energy - passive;
        let (a, b) = (1.0 - mean_c, 1.0 - mean_q);
        let s = w_n + a + b;
        if s.abs() < 1e-300 || !w_n.is_finite() {
            return Err(Error::NonFinite {
                context: "loss of Eq. (11) (W + (1−c̄) + (1−q̄) = 0)".into(),
            });
        }
        let lambda = self.params.lambda;
        let loss = -w_n * a * b / s + lambda * penalty;
        if let (Some(grad), Some(v)) = (grad, vecs) {
            let dl_dw = -a * b * (a + b) / (s * s);
            let dl_da = -w_n * b * (w_n + b) / (s * s);
            let dl_db = -w_n * a * (w_n + a) / (s * s);
            for pair in &pairs {
                let Some(j) = pair.free else { continue };
                let cnt = pair.count;
                for (p, dl_dmean) in [(j, dl_da), (j + 1, dl_db)] {
                    // ∂W = ∂E − Σ_i i · v_{(d−1−i)}ᵀ T v_{(d−1−i)}: the diagonal of Vᵀ T V.
                    let t = &tan[p];
                    let tv = t.to_symmetric() * &v;
                    let dpass: f64 = (1..d)
                        .map(|i| {
                            let k = d - 1 - i;
                            i as f64 * (0..d).map(|m| v[(m, k)] * tv[(m, k)]).sum::<f64>()
                        })
                        .sum();
                    let dw = t.energy() - dpass;
                    grad[p] = dl_dw * dw - dl_dmean * cnt as f64 / n + lambda * dpen[p];
                }
            }
        }
        let parts = LossParts {
            loss,
            ergotropy: w_n,
            energy,
            penalty,
            mean_c,
            mean_q,
        };
        if parts.loss.is_finite() {
            Ok(parts)
        } else {
            Err(Error::NonFinite {
                context: "loss of Eq. (11)".into(),
            })
        }
    }
}

impl Objective for StreamLoss {
    fn dim(&self) -> usize {
        2 * self
            .params
            .batches
            .iter()
            .filter(|b| b.fixed.is_none())
            .count()
    }

    fn value_and_gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        self.evaluate(x, Some(grad)).map(|p| p.loss)
    }

    fn value(&self, x: &[f64]) -> Result<f64> {
        self.evaluate(x, None).map(|p| p.loss)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::micromaser::{simulate, Params};

    #[test]
    fn loss_gradient_matches_finite_differences() {
        let cases = [
            (
                vec![LossBatch {
                    count: 60,
                    fixed: None,
                }],
                vec![0.4, 0.2],
            ),
            (
                vec![
                    LossBatch {
                        count: 30,
                        fixed: Some([0.0, 0.0]),
                    },
                    LossBatch {
                        count: 25,
                        fixed: None,
                    },
                    LossBatch {
                        count: 25,
                        fixed: None,
                    },
                ],
                vec![0.3, 0.15, 0.6, 0.3],
            ),
        ];
        for (batches, x) in cases {
            let loss = StreamLoss::new(LossParams {
                levels: 30,
                batches,
                lambda: 3.0,
                eta: 0.3,
                ..LossParams::default()
            })
            .unwrap();
            let mut g = vec![0.0; x.len()];
            loss.value_and_gradient(&x, &mut g).unwrap();
            for j in 0..x.len() {
                let h = 1e-6;
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[j] += h;
                xm[j] -= h;
                let fd = (loss.value(&xp).unwrap() - loss.value(&xm).unwrap()) / (2.0 * h);
                assert!(
                    (g[j] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                    "param {j}: exact {} vs fd {fd}",
                    g[j]
                );
            }
        }
    }

    #[test]
    fn loss_parts_match_a_simulation() {
        let loss = StreamLoss::new(LossParams {
            levels: 30,
            batches: vec![LossBatch {
                count: 50,
                fixed: None,
            }],
            lambda: 2.0,
            eta: 0.2,
            ..LossParams::default()
        })
        .unwrap();
        let parts = loss.evaluate(&[0.5, 0.2], None).unwrap();
        let p = Params {
            levels: 30,
            stream: loss.stream(&[0.5, 0.2]).unwrap(),
            collisions: crate::models::micromaser::CollisionGrid {
                number: 50,
                grid_points: 2,
                grid: (40..=50).collect(),
            },
            ..Params::default()
        };
        let t = simulate(&p).unwrap();
        let e = t.series("energy").unwrap();
        let pen: f64 = e[1..].windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        assert!((parts.penalty - pen).abs() < 1e-12);
        assert!((parts.ergotropy - t.scalars["final_ergotropy"]).abs() < 1e-12);
        let (a, b, w) = (0.5, 0.8, parts.ergotropy);
        assert!((parts.loss - (-w * a * b / (w + a + b) + 2.0 * pen)).abs() < 1e-12);
        assert!(loss.evaluate(&[0.5], None).is_err());
        assert!(loss.evaluate(&[1.5, 0.2], None).is_err());
    }
}
