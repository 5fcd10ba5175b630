//! Certified global maxima of the stored energy ΔE_B(t) and the average power
//! P_B(t) = ΔE_B(t)/t (Eqs. 2–3 of 004_5856515c11cfbeb7.txt), refined to machine precision.
//!
//! Branch and bound on time cells. On a cell [a, b] the exact values ΔE, ΔE′, ΔE″ at both
//! ends and the bounds |ΔE‴| ≤ K₃, |ΔE″| ≤ K₂ of [`Charging::derivative_bound`] give a
//! rigorous upper bound of ΔE on the cell (Taylor expansion from each end over half the
//! cell, with the remainder bounded by K₃ s³/6 or K₂ s²/2), hence of P = ΔE/t. Cells whose
//! bound does not exceed the best value found (plus a relative gap of [`GAP`]) are
//! discarded; the others are split, and a cell where the objective's derivative changes
//! sign from + to − is first solved by safeguarded Newton iteration (ΔE′ = 0 for the energy,
//! t ΔE′ − ΔE = 0 for the power) and split at the root.
//!
//! The power is searched over all t > 0, not over a user grid: since ΔE(0) = ΔE′(0) = 0
//! (the battery starts in a Dicke state), P(t) ≤ K₂ t/2, and P(t) ≤ E_bound/t with
//! E_bound = [`Charging::energy_bound`] (= B·min(N_B − m, k) for a Dicke charger). So once a
//! power P* is known, any larger power lies in the window [2P*/K₂, E_bound/P*].

use super::charging::{Charging, EnergyJet};

/// Relative gap of the certificate: no time in the search window has an objective larger
/// than `value · (1 + GAP)` (plus round-off).
pub const GAP: f64 = 1e-10;

/// Relative size of round-off in objective values near a maximum.
const ROUND_OFF: f64 = 1e-13;

/// Cells of the initial grid of a search.
const WINDOW_CELLS: usize = 32;

/// Samples of the first scan for a lower bound of P_max, over [0, 4τ] with τ the time at
/// which the initial curvature alone would reach the energy bound.
const SCAN_POINTS: usize = 32;

/// Safety cap on the number of time evaluations of one search.
const MAX_EVALUATIONS: usize = 200_000;

/// A global maximum of ΔE_B or P_B, with its certificate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Maximum {
    /// Where it is attained.
    pub t: f64,
    /// The maximal value (energy or power).
    pub value: f64,
    /// The searched time window [t_lo, t_hi].
    pub window: (f64, f64),
    /// Upper bound on (sup over the window − value), relative to |value|: ≤ [`GAP`] when
    /// certified.
    pub gap: f64,
    /// Whether the branch and bound closed every cell (gap ≤ [`GAP`]).
    pub certified: bool,
    /// Number of time evaluations spent.
    pub evaluations: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Objective {
    Energy,
    Power,
}

impl Objective {
    fn value(self, j: &EnergyJet) -> f64 {
        match self {
            Objective::Energy => j.de,
            Objective::Power if j.t > 0.0 => j.de / j.t,
            Objective::Power => 0.0,
        }
    }

    /// A function with the sign of the objective's derivative, and its derivative.
    fn slope(self, j: &EnergyJet) -> (f64, f64) {
        match self {
            Objective::Energy => (j.d1, j.d2),
            Objective::Power => (j.t * j.d1 - j.de, j.t * j.d2),
        }
    }
}

/// max over s ∈ [0, h] of α + βs + γs²/2 + κs³/6 (κ ≥ 0).
fn cubic_max(alpha: f64, beta: f64, gamma: f64, kappa: f64, h: f64) -> f64 {
    let p = |s: f64| alpha + s * (beta + s * (gamma / 2.0 + s * kappa / 6.0));
    let mut best = p(0.0).max(p(h));
    let mut try_root = |s: f64| {
        if s > 0.0 && s < h {
            best = best.max(p(s));
        }
    };
    if kappa == 0.0 {
        if gamma != 0.0 {
            try_root(-beta / gamma);
        }
    } else {
        let disc = gamma * gamma - 2.0 * kappa * beta;
        if disc >= 0.0 {
            let r = disc.sqrt();
            try_root((-gamma + r) / kappa);
            try_root((-gamma - r) / kappa);
        }
    }
    best
}

impl Charging {
    /// Upper bound of ΔE_B(t) − slope·t on the cell between two evaluated times.
    fn tilted_energy_bound(&self, a: &EnergyJet, b: &EnergyJet, slope: f64) -> f64 {
        let h = (b.t - a.t) / 2.0;
        let (k2, k3) = (self.derivative_bound(2), self.derivative_bound(3));
        let (fa, fb) = (a.de - slope * a.t, b.de - slope * b.t);
        let (ga, gb) = (a.d1 - slope, b.d1 - slope);
        let left = cubic_max(fa, ga, a.d2, k3, h).min(cubic_max(fa, ga, k2, 0.0, h));
        let right = cubic_max(fb, -gb, b.d2, k3, h).min(cubic_max(fb, -gb, k2, 0.0, h));
        left.max(right)
    }

    /// Upper bound on (sup of the objective on the cell − `best`) / |best|.
    fn cell_excess(&self, obj: Objective, a: &EnergyJet, b: &EnergyJet, best: f64) -> f64 {
        let scale = best.abs().max(f64::MIN_POSITIVE);
        match obj {
            Objective::Energy => {
                let ub = self.tilted_energy_bound(a, b, 0.0).min(self.energy_bound());
                (ub - best) / scale
            }
            Objective::Power => {
                // P ≤ K₂ t/2 and P ≤ E_bound/t on the cell, and P − best ≤ (ΔE − best·t)/t.
                let k2 = self.derivative_bound(2);
                let mut ub = (k2 * b.t / 2.0 - best) / scale;
                if a.t > 0.0 {
                    ub = ub.min((self.energy_bound() / a.t - best) / scale);
                    let tilted = self.tilted_energy_bound(a, b, best);
                    let t_div = if tilted >= 0.0 { a.t } else { b.t };
                    ub = ub.min(tilted / t_div / scale);
                }
                ub
            }
        }
    }

    /// Safeguarded Newton for the root of the objective's slope in (a, b), where the slope
    /// goes from + to −. Returns the last iterate (the root to machine precision: near a
    /// maximum the values of the iterates differ by round-off only, so they are not
    /// compared) and the number of evaluations.
    fn newton(&self, obj: Objective, a: &EnergyJet, b: &EnergyJet) -> (EnergyJet, usize) {
        let (mut lo, mut hi) = (a.t, b.t);
        let (sa, sb) = (obj.slope(a).0, obj.slope(b).0);
        let mut t = lo + (hi - lo) * sa / (sa - sb);
        let mut last = *a;
        let mut evals = 0;
        for _ in 0..100 {
            if !(t > lo && t < hi) {
                t = 0.5 * (lo + hi);
            }
            last = self.jets(&[t])[0];
            evals += 1;
            let (s, ds) = obj.slope(&last);
            if s > 0.0 {
                lo = t;
            } else {
                hi = t;
            }
            let next = if ds < 0.0 {
                t - s / ds
            } else {
                0.5 * (lo + hi)
            };
            let step = (next - t).abs();
            t = next;
            if step <= 4.0 * f64::EPSILON * t.abs() || hi - lo <= 4.0 * f64::EPSILON * hi {
                break;
            }
        }
        (last, evals)
    }

    /// Branch and bound from the sorted samples `grid` (at least two). Returns the maximum
    /// over [grid[0].t, grid.last().t].
    fn branch_and_bound(&self, obj: Objective, grid: Vec<EnergyJet>, mut evals: usize) -> Maximum {
        let window = (grid[0].t, grid[grid.len() - 1].t);
        let mut best = grid
            .iter()
            .copied()
            .max_by(|x, y| obj.value(x).total_cmp(&obj.value(y)))
            .expect("at least one sample");
        // (left end, right end, whether Newton already ran on this cell or an ancestor)
        let mut cells: Vec<(EnergyJet, EnergyJet, bool)> =
            grid.windows(2).map(|w| (w[0], w[1], false)).collect();
        let mut unresolved: f64 = 0.0;
        let mut best_is_root = false;
        while !cells.is_empty() && evals < MAX_EVALUATIONS {
            let mut live = Vec::with_capacity(cells.len());
            for (a, b, solved) in cells.drain(..) {
                let excess = self.cell_excess(obj, &a, &b, obj.value(&best));
                if excess <= GAP {
                    continue;
                }
                if b.t - a.t <= 8.0 * f64::EPSILON * b.t {
                    unresolved = unresolved.max(excess);
                    continue;
                }
                live.push((a, b, solved));
            }
            // Cells to keep as they are (false) or to bisect at their midpoint (true).
            let mut next: Vec<(EnergyJet, EnergyJet, bool, bool)> =
                Vec::with_capacity(2 * live.len());
            for (a, b, solved) in live {
                if !solved && obj.slope(&a).0 > 0.0 && obj.slope(&b).0 < 0.0 {
                    let (root, n) = self.newton(obj, &a, &b);
                    evals += n;
                    // A refined root wins over a sample that beats it by round-off only.
                    let bv = obj.value(&best);
                    if obj.value(&root) >= bv - ROUND_OFF * bv.abs() {
                        best = root;
                        best_is_root = true;
                    }
                    if root.t > a.t && root.t < b.t {
                        next.push((a, root, false, true));
                        next.push((root, b, false, true));
                        continue;
                    }
                }
                next.push((a, b, true, solved));
            }
            let mids: Vec<f64> = next
                .iter()
                .filter(|c| c.2)
                .map(|(a, b, _, _)| 0.5 * (a.t + b.t))
                .collect();
            let jets = self.jets(&mids);
            evals += jets.len();
            let mut mid_jets = jets.into_iter();
            cells = Vec::with_capacity(next.len() + mids.len());
            for (a, b, bisect, solved) in next {
                if bisect {
                    let j = mid_jets.next().expect("one jet per midpoint");
                    let bv = obj.value(&best);
                    let margin = if best_is_root {
                        ROUND_OFF * bv.abs()
                    } else {
                        0.0
                    };
                    if obj.value(&j) > bv + margin {
                        best = j;
                        best_is_root = false;
                    }
                    cells.push((a, j, solved));
                    cells.push((j, b, solved));
                } else {
                    cells.push((a, b, solved));
                }
            }
        }
        let bv = obj.value(&best);
        let mut gap = unresolved.max(0.0);
        for (a, b, _) in &cells {
            gap = gap.max(self.cell_excess(obj, a, b, bv));
        }
        Maximum {
            t: best.t,
            value: bv,
            window,
            gap,
            certified: gap <= GAP,
            evaluations: evals,
        }
    }

    /// The largest stored energy max ΔE_B(t) over t ∈ [0, t_end], certified, starting
    /// from the (sorted, evaluated) samples `grid` that span [0, t_end] — typically the
    /// output grid of a run; pass an empty slice to use 64 cells.
    pub fn max_energy(&self, t_end: f64, grid: &[EnergyJet]) -> Maximum {
        let grid = if grid.len() >= 2 {
            grid.to_vec()
        } else {
            let ts: Vec<f64> = (0..=WINDOW_CELLS)
                .map(|i| t_end * i as f64 / WINDOW_CELLS as f64)
                .collect();
            self.jets(&ts)
        };
        let n = grid.len();
        self.branch_and_bound(Objective::Energy, grid, n)
    }

    /// The largest average power max_{t>0} ΔE_B(t)/t, certified over the window that
    /// provably contains it (module docs). A battery that can not gain energy
    /// (E_bound ≤ 0 or no coupling) has P_max = 0, reported at t = 0 (the limit t → 0⁺).
    pub fn max_power(&self) -> Maximum {
        let e_bound = self.energy_bound();
        let k2 = self.derivative_bound(2);
        let zero = Maximum {
            t: 0.0,
            value: 0.0,
            window: (0.0, 0.0),
            gap: 0.0,
            certified: true,
            evaluations: 0,
        };
        if e_bound <= 0.0 || k2 <= 0.0 {
            return zero;
        }
        // Time for the initial curvature to reach the energy bound.
        let d2 = self.jets(&[0.0])[0].d2;
        let tau = (2.0 * e_bound / if d2 > 0.0 { d2 } else { k2 }).sqrt();
        let mut evals = 1;
        let mut scan_best: Option<EnergyJet> = None;
        let mut span = tau;
        for _ in 0..12 {
            let ts: Vec<f64> = (1..=SCAN_POINTS)
                .map(|i| 4.0 * span * i as f64 / SCAN_POINTS as f64)
                .collect();
            let jets = self.jets(&ts);
            evals += jets.len();
            for j in jets {
                if scan_best.is_none_or(|b| j.de / j.t > b.de / b.t) {
                    scan_best = Some(j);
                }
            }
            if scan_best.is_some_and(|b| b.de > 0.0) {
                break;
            }
            span *= 4.0;
        }
        let Some(best) = scan_best.filter(|b| b.de > 0.0) else {
            return Maximum {
                certified: false,
                gap: f64::INFINITY,
                evaluations: evals,
                ..zero
            };
        };
        let p_lower = best.de / best.t;
        let (t_lo, t_hi) = (2.0 * p_lower / k2, e_bound / p_lower);
        let mut ts: Vec<f64> = (0..=WINDOW_CELLS)
            .map(|i| t_lo + (t_hi - t_lo) * i as f64 / WINDOW_CELLS as f64)
            .filter(|&t| t != best.t)
            .collect();
        ts.retain(|&t| t > 0.0);
        let mut grid = self.jets(&ts);
        evals += grid.len();
        if best.t >= t_lo && best.t <= t_hi {
            grid.push(best);
            grid.sort_by(|x, y| x.t.total_cmp(&y.t));
        }
        self.branch_and_bound(Objective::Power, grid, evals)
    }
}
