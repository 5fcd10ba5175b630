//! Exact charging dynamics from the eigen-decomposition of the symmetry blocks.
//!
//! The total excitation number q = m + k is conserved (Eq. 17 of
//! 004_5856515c11cfbeb7.txt couples |m, k⟩ to |m ± 1, k ∓ 1⟩ only), so H is block
//! diagonal. The initial state |m₀⟩ ⊗ Σ_k a_k|k⟩ puts the single basis state |m₀, k⟩ in
//! block q = m₀ + k with weight |a_k|²; the blocks do not interfere in any battery
//! observable. Each touched block (dimension ≤ min(N_B, N) + 1) is built on its
//! [`Subspace`] sector by [`OpSum::build`](crate::operators::opsum::OpSum::build), turned
//! into a real symmetric matrix (every matrix element of H is real in the Dicke basis) and
//! diagonalized once: H_q = V Λ Vᵀ. Then, with c = √w Vᵀ e_{m₀,k},
//!
//! ψ_q(t) = V (c ∘ e^{−iΛt}),  E_B(t) = Σ_q Σ_i o_i |ψ_{q,i}(t)|²,  o_i = B (m_i − N_B/2),
//!
//! and the first two time derivatives follow from V(Λc ∘ e^{−iΛt}) and V(Λ²c ∘ e^{−iΛt}).
//! Many times are evaluated at once as one matrix product V · \[columns\], so a dense grid
//! costs a few gemm calls.
//!
//! Derivative bounds for the certified maximum search ([`super::maxima`]): in the
//! eigenbasis E_B(t) = Σ_ij M_ij cos(ω_ij t), M = (c cᵀ) ∘ (Vᵀ O V), ω_ij = λ_i − λ_j, so
//! |E_B^{(r)}(t)| ≤ K_r = Σ_ij |M_ij| |ω_ij|^r for every t.

use super::model::{dicke_coefficient, CentralSpin, InitialState, MAX_BLOCK_DIM};
use crate::error::{Error, Result};
use crate::sector::Subspace;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par, Side};

/// Charger levels whose initial probability is below this are not built (their total
/// probability is recorded as [`Charging::dropped_weight`]; the energy error it causes is
/// at most that weight times the spread of B S^z).
pub const DROP_WEIGHT: f64 = 1e-18;

/// Number of times evaluated per matrix product (bounds the scratch memory to
/// 6 · d · CHUNK doubles).
const CHUNK: usize = 256;

/// Blocks up to this dimension are diagonalized by the tridiagonal QL iteration
/// ([`tridiagonal_eigen`]), larger ones by faer's `self_adjoint_eigen`: for the small blocks
/// of the paper's sweeps faer's dense path costs ~10× more.
const TRIDIAGONAL_MAX_DIM: usize = 64;

/// Eigenvalues (minus their mean) and eigenvectors of a real symmetric block. In the
/// sector's basis (ascending m) H is tridiagonal: H couples |m, k⟩ to |m ± 1, k ∓ 1⟩ only.
fn block_eigen(
    hq: &qbattery_linalg::sparse::CsrMatrix,
    d: usize,
    q: i64,
) -> Result<(Vec<f64>, Mat<f64>)> {
    let tridiagonal = hq.iter().all(|(i, j, _)| i.abs_diff(j) <= 1);
    let fail = |detail: String| Error::LinearAlgebra {
        context: format!("central-spin block q = {q} (dimension {d})"),
        detail,
    };
    let (mut lambda, v) = if tridiagonal && d <= TRIDIAGONAL_MAX_DIM {
        let mut diag: Vec<f64> = (0..d).map(|i| hq.get(i, i).re).collect();
        let mut off: Vec<f64> = (0..d)
            .map(|i| if i + 1 < d { hq.get(i, i + 1).re } else { 0.0 })
            .collect();
        let mut z = Mat::<f64>::identity(d, d);
        tridiagonal_eigen(&mut diag, &mut off, &mut z).map_err(fail)?;
        (diag, z)
    } else {
        let mut dense = Mat::<f64>::zeros(d, d);
        for (i, j, x) in hq.iter() {
            dense[(i, j)] = x.re;
        }
        let eig = dense
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| fail(format!("{e:?}")))?;
        let s = eig.S().column_vector();
        ((0..d).map(|i| s[i]).collect(), eig.U().to_owned())
    };
    let mean = lambda.iter().sum::<f64>() / d as f64;
    lambda.iter_mut().for_each(|l| *l -= mean);
    Ok((lambda, v))
}

/// Eigen-decomposition of the real symmetric tridiagonal matrix with diagonal `diag` and
/// off-diagonal `off` (`off[i]` = H[i, i+1]; `off[d−1]` is ignored) by the implicit QL
/// iteration with Wilkinson shifts (Bowdler, Martin, Reinsch & Wilkinson, Numer. Math. 11,
/// 293 (1968)). On return `diag` holds the eigenvalues (unsorted) and the columns of `z`
/// (identity on entry) the orthonormal eigenvectors. Errors after 60 iterations on one
/// eigenvalue.
fn tridiagonal_eigen(
    diag: &mut [f64],
    off: &mut [f64],
    z: &mut Mat<f64>,
) -> std::result::Result<(), String> {
    let n = diag.len();
    if n == 0 {
        return Ok(());
    }
    off[n - 1] = 0.0;
    for l in 0..n {
        let mut iter = 0;
        loop {
            let mut m = l;
            while m + 1 < n {
                let dd = diag[m].abs() + diag[m + 1].abs();
                if off[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            iter += 1;
            if iter > 60 {
                return Err(format!("tridiagonal QL: no convergence for eigenvalue {l}"));
            }
            let mut g = (diag[l + 1] - diag[l]) / (2.0 * off[l]);
            let mut r = g.hypot(1.0);
            g = diag[m] - diag[l] + off[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0f64, 1.0f64, 0.0f64);
            let mut i = m;
            let mut deflated = false;
            while i > l {
                i -= 1;
                let f = s * off[i];
                let b = c * off[i];
                r = f.hypot(g);
                off[i + 1] = r;
                if r == 0.0 {
                    diag[i + 1] -= p;
                    off[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = diag[i + 1] - p;
                r = (diag[i] - g) * s + 2.0 * c * b;
                p = s * r;
                diag[i + 1] = g + p;
                g = c * r - b;
                for k in 0..n {
                    let zf = z[(k, i + 1)];
                    let zi = z[(k, i)];
                    z[(k, i + 1)] = s * zi + c * zf;
                    z[(k, i)] = c * zi - s * zf;
                }
            }
            if deflated {
                continue;
            }
            diag[l] -= p;
            off[l] = g;
            off[m] = 0.0;
        }
    }
    Ok(())
}

/// One symmetry block q = m + k, diagonalized.
#[derive(Debug, Clone)]
struct Block {
    /// The sector's charge q.
    q: i64,
    /// Eigenvalues minus their mean (a global phase only), in no particular order.
    lambda: Vec<f64>,
    /// Eigenvectors, columns, in the sector's basis order.
    v: Mat<f64>,
    /// Initial amplitudes in the eigenbasis, including √weight.
    c: Vec<f64>,
    /// Battery energy B (m_i − N_B/2) of each basis state minus E_B(0), so that
    /// Σ_i o_i |ψ_i(t)|² summed over blocks is ΔE_B(t).
    o: Vec<f64>,
}

/// E_B(t) and its first two derivatives at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyJet {
    /// The time t.
    pub t: f64,
    /// ΔE_B(t) = E_B(t) − E_B(0).
    pub de: f64,
    /// dE_B/dt.
    pub d1: f64,
    /// d²E_B/dt².
    pub d2: f64,
}

/// The charging dynamics of one model and initial state, exact at every time.
#[derive(Debug, Clone)]
pub struct Charging {
    model: CentralSpin,
    initial: InitialState,
    blocks: Vec<Block>,
    /// E_B(0) = B (m₀ − N_B/2); the block energies `o` are stored minus this.
    e0: f64,
    e_bound: f64,
    k: [f64; 4],
    dropped: f64,
    charger_mean: f64,
}

impl Charging {
    /// Builds and diagonalizes every block that the initial state touches.
    ///
    /// Errors: invalid model or initial state ([`Error::InvalidParameter`]), a failed
    /// eigen-decomposition ([`Error::LinearAlgebra`]).
    pub fn new(model: &CentralSpin, initial: &InitialState) -> Result<Self> {
        model.validate()?;
        initial.validate(model)?;
        let space = model.space()?;
        let charge = model.charge()?;
        let h = model.hamiltonian();
        let hb = model.battery_hamiltonian();
        let (levels, dropped) = initial.charger_weights(model.n, DROP_WEIGHT);
        let o_shift = model.b * (initial.m as f64 - model.n_b as f64 / 2.0);
        let mut blocks = Vec::with_capacity(levels.len());
        let mut e_bound = f64::NEG_INFINITY;
        let mut charger_mean = 0.0;
        let total: f64 = levels.iter().map(|(_, w)| w).sum();
        for &(k, w) in &levels {
            let w = w / total;
            charger_mean += w * k as f64;
            let q = initial.m as i64 + k as i64;
            let sector = Subspace::sector(&space, &charge, q)?;
            let d = sector.dim();
            if d > MAX_BLOCK_DIM {
                return Err(Error::invalid(
                    "block dimension",
                    d,
                    format!("≤ {MAX_BLOCK_DIM} (block q = {q}; reduce min(n_b, n))"),
                ));
            }
            let hq = h.build(&sector)?;
            let o: Vec<f64> = {
                let ob = hb.build(&sector)?;
                (0..d).map(|i| ob.get(i, i).re - o_shift).collect()
            };
            let start = sector
                .position_of_levels(&[initial.m as usize, k as usize])
                .expect("the initial basis state lies in its own sector");
            let (lambda, v) = block_eigen(&hq, d, q)?;
            let sw = w.sqrt();
            let c: Vec<f64> = (0..d).map(|i| sw * v[(start, i)]).collect();
            let hi = o.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            e_bound = e_bound.max(hi);
            blocks.push(Block { q, lambda, v, c, o });
        }
        let mut out = Self {
            model: *model,
            initial: *initial,
            blocks,
            e0: o_shift,
            e_bound: e_bound.max(0.0),
            k: [0.0; 4],
            dropped,
            charger_mean,
        };
        out.k = out.derivative_bounds();
        Ok(out)
    }

    /// K_r = Σ_q Σ_ij |M_ij| |ω_ij|^r, r = 0…3: bounds on |E_B^{(r)}(t)| for r ≥ 1 (and on
    /// the oscillating part for r = 0).
    fn derivative_bounds(&self) -> [f64; 4] {
        let mut k = [0.0; 4];
        for blk in &self.blocks {
            let d = blk.c.len();
            // W = diag(o) V, then Vᵀ W = Vᵀ O V.
            let w = Mat::from_fn(d, d, |i, j| blk.o[i] * blk.v[(i, j)]);
            let mut ovo = Mat::<f64>::zeros(d, d);
            matmul(
                ovo.as_mut(),
                Accum::Replace,
                blk.v.transpose(),
                w.as_ref(),
                1.0,
                Par::Seq,
            );
            for j in 0..d {
                for i in 0..d {
                    if i == j {
                        continue;
                    }
                    let m = (blk.c[i] * blk.c[j] * ovo[(i, j)]).abs();
                    let om = (blk.lambda[i] - blk.lambda[j]).abs();
                    k[0] += m;
                    k[1] += m * om;
                    k[2] += m * om * om;
                    k[3] += m * om * om * om;
                }
            }
        }
        k
    }

    /// The model.
    pub fn model(&self) -> &CentralSpin {
        &self.model
    }

    /// The initial state.
    pub fn initial(&self) -> &InitialState {
        &self.initial
    }

    /// E_B(0) = B (m₀ − N_B/2).
    pub fn initial_energy(&self) -> f64 {
        self.e0
    }

    /// An upper bound on ΔE_B(t) for all t: the largest battery energy in a touched block
    /// minus E_B(0), B·min(N_B − m₀, k) for B > 0 and a Dicke charger.
    pub fn energy_bound(&self) -> f64 {
        self.e_bound
    }

    /// Bounds K_r ≥ sup_t |d^r E_B/dt^r| for r = 1, 2, 3 (index r).
    pub fn derivative_bound(&self, r: usize) -> f64 {
        self.k[r]
    }

    /// Probability of the charger levels that were not built (≤ [`DROP_WEIGHT`] each).
    pub fn dropped_weight(&self) -> f64 {
        self.dropped
    }

    /// ⟨k⟩ of the initial charger state (over the kept levels).
    pub fn initial_charger_excitations(&self) -> f64 {
        self.charger_mean
    }

    /// Number of blocks and the largest block dimension.
    pub fn blocks(&self) -> (usize, usize) {
        (
            self.blocks.len(),
            self.blocks.iter().map(|b| b.c.len()).max().unwrap_or(0),
        )
    }

    /// The sector charges q = m + k of the blocks.
    pub fn sector_charges(&self) -> Vec<i64> {
        self.blocks.iter().map(|b| b.q).collect()
    }

    /// ΔE_B and its first two derivatives at every time in `times`.
    pub fn jets(&self, times: &[f64]) -> Vec<EnergyJet> {
        let mut out: Vec<EnergyJet> = times
            .iter()
            .map(|&t| EnergyJet {
                t,
                de: 0.0,
                d1: 0.0,
                d2: 0.0,
            })
            .collect();
        for blk in &self.blocks {
            let d = blk.c.len();
            for (chunk_t, chunk_out) in times.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
                let nt = chunk_t.len();
                // Columns per time: [c cos, c sin, λc cos, λc sin, λ²c cos, λ²c sin].
                let mut x = Mat::<f64>::zeros(d, 6 * nt);
                for (j, &t) in chunk_t.iter().enumerate() {
                    for i in 0..d {
                        let l = blk.lambda[i];
                        let (s, co) = (l * t).sin_cos();
                        let (a, b) = (blk.c[i] * co, blk.c[i] * s);
                        x[(i, 6 * j)] = a;
                        x[(i, 6 * j + 1)] = b;
                        x[(i, 6 * j + 2)] = l * a;
                        x[(i, 6 * j + 3)] = l * b;
                        x[(i, 6 * j + 4)] = l * l * a;
                        x[(i, 6 * j + 5)] = l * l * b;
                    }
                }
                let mut y = Mat::<f64>::zeros(d, 6 * nt);
                matmul(
                    y.as_mut(),
                    Accum::Replace,
                    blk.v.as_ref(),
                    x.as_ref(),
                    1.0,
                    Par::Seq,
                );
                for (j, jet) in chunk_out.iter_mut().enumerate() {
                    let (mut e, mut e1, mut e2) = (0.0, 0.0, 0.0);
                    for i in 0..d {
                        let o = blk.o[i];
                        let [y0, y1, y2, y3, y4, y5] = std::array::from_fn(|r| y[(i, 6 * j + r)]);
                        // ψ = Y0 − iY1, V(Λφ) = Y2 − iY3, V(Λ²φ) = Y4 − iY5.
                        e += o * (y0 * y0 + y1 * y1);
                        e1 += o * (y2 * y1 - y3 * y0);
                        e2 += o * (y2 * y2 + y3 * y3 - y4 * y0 - y5 * y1);
                    }
                    jet.de += e;
                    jet.d1 += 2.0 * e1;
                    jet.d2 += 2.0 * e2;
                }
            }
        }
        out
    }

    /// ΔE_B(t) at one time.
    pub fn energy(&self, t: f64) -> f64 {
        self.jets(&[t])[0].de
    }

    /// B Δ⟨m⟩ → the charger's energy change ΔE_C(t) = −(h/B) ΔE_B(t) (k decreases by what m
    /// gains).
    pub fn charger_energy_change(&self, de_b: f64) -> f64 {
        -self.model.h / self.model.b * de_b
    }

    /// The interaction energy E_I(t) = ⟨H_I⟩: E_I(0) minus what the battery and charger
    /// gained (H is conserved), E_I(0) = 2Δ (m₀ − N_B/2)(⟨k⟩ − N/2) (the flip-flop term has
    /// no expectation in a product state with a Dicke battery).
    pub fn interaction_energy(&self, de_b: f64) -> f64 {
        let m = &self.model;
        let e_i0 = 2.0
            * m.delta
            * (self.initial.m as f64 - m.n_b as f64 / 2.0)
            * (self.charger_mean - m.n as f64 / 2.0);
        e_i0 - de_b - self.charger_energy_change(de_b)
    }

    /// The Dicke coefficient of the first transition, A √(b_{N_B,m₀+1} b_{N,k}) for a Dicke
    /// charger: the natural frequency scale of the dynamics.
    pub fn initial_coupling(&self) -> f64 {
        let k = self.charger_mean.round().clamp(0.0, self.model.n as f64) as u32;
        let m = self.initial.m;
        if m >= self.model.n_b || k == 0 {
            return 0.0;
        }
        self.model.a.abs()
            * (dicke_coefficient(self.model.n_b, m + 1) * dicke_coefficient(self.model.n, k)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tridiagonal_ql_matches_faer() {
        for &n in &[1usize, 2, 5, 40, 150] {
            let diag: Vec<f64> = (0..n).map(|i| ((i * 7) % 11) as f64 * 0.3 - 1.0).collect();
            // include exact zeros (split matrices) and equal diagonals (degeneracy)
            let off: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 13 == 5 {
                        0.0
                    } else {
                        0.2 + (i as f64).sqrt()
                    }
                })
                .collect();
            let dense = Mat::<f64>::from_fn(n, n, |i, j| {
                if i == j {
                    diag[i]
                } else if j == i + 1 {
                    off[i]
                } else if i == j + 1 {
                    off[j]
                } else {
                    0.0
                }
            });
            let (mut d, mut e, mut z) = (diag.clone(), off.clone(), Mat::<f64>::identity(n, n));
            tridiagonal_eigen(&mut d, &mut e, &mut z).unwrap();
            let scale = dense.norm_max().max(1.0);
            // H z_i = λ_i z_i and Zᵀ Z = 1
            for i in 0..n {
                for r in 0..n {
                    let hz: f64 = (0..n).map(|k| dense[(r, k)] * z[(k, i)]).sum();
                    assert!((hz - d[i] * z[(r, i)]).abs() < 1e-12 * scale, "n {n}");
                }
                for j in 0..n {
                    let dot: f64 = (0..n).map(|k| z[(k, i)] * z[(k, j)]).sum();
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((dot - want).abs() < 1e-12, "n {n}");
                }
            }
            let mut ours = d.clone();
            ours.sort_by(f64::total_cmp);
            let faer_vals = dense.self_adjoint_eigenvalues(Side::Lower).unwrap();
            for (a, b) in ours.iter().zip(&faer_vals) {
                assert!((a - b).abs() < 1e-12 * scale);
            }
        }
    }
}
