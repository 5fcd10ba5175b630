//! Wigner function of a single boson mode on a phase-space grid.
//!
//! Convention (QuTiP's default, `g = √2`): `a = (x + i p)/√2`, so the vacuum has
//! `⟨x²⟩ = ⟨p²⟩ = 1/2` and `W(x, p) = e^{−x² − p²}/π`, normalised as `∫ W dx dp = 1`.
//! Ref: 001_03396fee62d82789.txt (Wigner functions of the micromaser battery).
//!
//! Method: with `α = (x + i p)/√2`, `z = 2α* = √2 (x − i p)` and `B = |z|² = 2(x² + p²)`,
//!
//! `W(x, p) = (1/π) Re Σ_{k ≥ 0} w_k Σ_n ρ_{n+k, n} (−1)^n √(n!/(n+k)!) z^k L_n^{(k)}(B) e^{−B/2}`,
//!
//! `w_0 = 1`, `w_k = 2` (Cahill and Glauber 1969; `ρ` Hermitian, its lower triangle is
//! read). Along each diagonal `k` the terms `h_n = (−1)^n √(n!/(n+k)!) |z|^k L_n^{(k)}(B) e^{−B/2}`
//! obey the three-term Laguerre recurrence
//! `√((n+1)(n+k+1)) h_{n+1} = (B − 2n − k − 1) h_n − √(n(n+k)) h_{n−1}`,
//! which needs no factorial; `|h_n| ≤ 1` (they are matrix elements of a displaced parity
//! operator), and the start `h_0 = |z|^k e^{−B/2}/√(k!)` is carried as a logarithm with a
//! running scale, so neither overflow nor premature underflow occurs for any cutoff or
//! grid. Cost `O(N²)` per grid point for an `N`-level mode (diagonals of `ρ` that vanish,
//! such as all off-diagonals of a Fock mixture, are skipped); grid rows run in parallel
//! on rayon's pool.

use super::spectrum::check_hermitian;
use crate::{c64, Error, Mat, MatRef, Result};
use rayon::prelude::*;

/// The Wigner function `W(x, p)` of the single-mode state `rho` (Fock basis
/// `|0⟩ … |N−1⟩`) on the grid `xvec × pvec`: entry `(i, j)` is `W(x_j, p_i)`, so rows
/// follow `pvec` and columns `xvec`, as QuTiP's `wigner(rho, xvec, pvec)`.
///
/// `rho` should be a density matrix (then `∫ W dx dp = Tr ρ = 1` and `|W| ≤ 1/π`); only
/// Hermiticity is required, so a trace-class operator such as `|m⟩⟨n| + |n⟩⟨m|` works too.
///
/// # Errors
/// [`Error::DimensionMismatch`] if `rho` is not square; [`Error::InvalidParameter`] if it
/// is not Hermitian or a grid coordinate is not finite; [`Error::NonFinite`] for
/// non-finite entries of `rho`.
pub fn wigner(rho: MatRef<c64>, xvec: &[f64], pvec: &[f64]) -> Result<Mat<f64>> {
    check_hermitian(rho, "rho")?;
    for (name, v) in [("xvec", xvec), ("pvec", pvec)] {
        if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::invalid(format!("{name}[{i}]"), x, "finite"));
        }
    }
    let series = Series::new(rho);
    let rows: Vec<Vec<f64>> = pvec
        .par_iter()
        .map(|&p| xvec.iter().map(|&x| series.at(x, p)).collect())
        .collect();
    Ok(Mat::from_fn(pvec.len(), xvec.len(), |i, j| rows[i][j]))
}

/// Beyond `B = 2(x² + p²) = 10¹⁵⁰` the Wigner function of any mode with fewer than 10⁶
/// levels vanishes to machine precision, and the recurrence could overflow.
const MAX_B: f64 = 1e150;

/// The state's diagonals, with the point-independent recurrence coefficients, shared by
/// all grid points.
struct Series {
    /// Every diagonal of `ρ` that is not identically zero.
    diagonals: Vec<Diagonal>,
}

/// Diagonal `k` of `ρ` and the coefficients of its recurrence, for `m = 1 … len − 1`:
/// `ĥ_m = ((B − lin_m) ĥ_{m−1} − back_m ĥ_{m−2}) · inv_m`.
struct Diagonal {
    k: usize,
    /// `ln √(k!)`.
    half_log_fact: f64,
    /// `[ρ_{k,0}, ρ_{k+1,1}, …]`.
    c: Vec<c64>,
    /// `2(m − 1) + k + 1`.
    lin: Vec<f64>,
    /// `√((m − 1)(m − 1 + k))`.
    back: Vec<f64>,
    /// `1/√(m (m + k))`.
    inv: Vec<f64>,
}

impl Series {
    fn new(rho: MatRef<c64>) -> Self {
        let n = rho.nrows();
        let mut diagonals = Vec::new();
        let mut half_log_fact = 0.0f64;
        for k in 0..n {
            if k > 0 {
                half_log_fact += 0.5 * (k as f64).ln();
            }
            let c: Vec<c64> = (0..n - k).map(|m| rho[(m + k, m)]).collect();
            if c.iter().all(|z| *z == c64::new(0.0, 0.0)) {
                continue;
            }
            let kf = k as f64;
            let prev = |m: usize| (m - 1) as f64;
            let lin = (0..c.len())
                .map(|m| {
                    if m == 0 {
                        0.0
                    } else {
                        2.0 * prev(m) + kf + 1.0
                    }
                })
                .collect();
            let back = (0..c.len())
                .map(|m| {
                    if m == 0 {
                        0.0
                    } else {
                        (prev(m) * (prev(m) + kf)).sqrt()
                    }
                })
                .collect();
            let inv = (0..c.len())
                .map(|m| {
                    if m == 0 {
                        0.0
                    } else {
                        1.0 / (m as f64 * (m as f64 + kf)).sqrt()
                    }
                })
                .collect();
            diagonals.push(Diagonal {
                k,
                half_log_fact,
                c,
                lin,
                back,
                inv,
            });
        }
        Self { diagonals }
    }

    /// `W(x, p)`: the series of the module docs, diagonal by diagonal.
    fn at(&self, x: f64, p: f64) -> f64 {
        let z = c64::new(x, -p) * std::f64::consts::SQRT_2;
        let b = z.norm_sqr();
        if b > MAX_B {
            // e^{−B/2} B^n is below the smallest f64 for any n < 10⁶: W = 0 to all digits.
            return 0.0;
        }
        let phase = if b > 0.0 {
            z / b.sqrt()
        } else {
            c64::new(1.0, 0.0)
        };
        let mut total = 0.0;
        for d in &self.diagonals {
            let log_h0 = if d.k == 0 {
                -0.5 * b
            } else if b == 0.0 {
                continue; // z^k = 0: only the main diagonal contributes at the origin.
            } else {
                d.k as f64 * 0.5 * b.ln() - 0.5 * b - d.half_log_fact
            };
            let sum = d.sum(b, log_h0);
            let weight = if d.k == 0 { 1.0 } else { 2.0 };
            total += weight * (phase.powi(d.k as i32) * sum).re;
        }
        total / std::f64::consts::PI
    }
}

impl Diagonal {
    /// `Σ_m c_m h_m` with `h_0 = exp(log_h0)`, computed with a running scale:
    /// `h_m = ĥ_m · e^{log_scale}`, `ĥ` rescaled whenever it exceeds `10¹⁵⁰`.
    fn sum(&self, b: f64, log_h0: f64) -> c64 {
        const RESCALE: f64 = 1e150;
        let mut log_scale = log_h0;
        let mut scale = log_h0.exp(); // true |h_m| = |ĥ_m| · scale ≤ 1
        let (mut prev, mut cur) = (0.0f64, 1.0f64);
        let mut sum = self.c[0] * scale;
        for m in 1..self.c.len() {
            let next = ((b - self.lin[m]) * cur - self.back[m] * prev) * self.inv[m];
            (prev, cur) = (cur, next);
            if cur.abs() > RESCALE {
                prev /= RESCALE;
                cur /= RESCALE;
                log_scale += RESCALE.ln();
                scale = log_scale.exp();
            }
            sum += self.c[m] * (cur * scale);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::spectrum::testing::{diag, projector};
    use std::f64::consts::PI;

    /// L_n(x) = Σ_j C(n, j) (−x)^j / j! by the explicit sum (small n only).
    fn laguerre_explicit(n: usize, x: f64) -> f64 {
        let mut sum = 0.0;
        let mut binom = 1.0; // C(n, j)
        let mut fact = 1.0; // j!
        for j in 0..=n {
            if j > 0 {
                binom *= (n - j + 1) as f64 / j as f64;
                fact *= j as f64;
            }
            sum += binom * (-x).powi(j as i32) / fact;
        }
        sum
    }

    fn fock(n: usize, cutoff: usize) -> Mat<c64> {
        let mut p = vec![0.0; cutoff];
        p[n] = 1.0;
        diag(&p)
    }

    fn coherent(alpha: c64, cutoff: usize) -> Vec<c64> {
        let mut c = vec![c64::new((-0.5 * alpha.norm_sqr()).exp(), 0.0); cutoff];
        for n in 1..cutoff {
            c[n] = c[n - 1] * alpha / (n as f64).sqrt();
        }
        c
    }

    fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect()
    }

    #[test]
    fn fock_states_match_closed_form() {
        let xs = linspace(-3.0, 3.0, 13);
        let ps = linspace(-2.5, 2.0, 10);
        for n in [0, 1, 2, 5, 9] {
            let w = wigner(fock(n, 12).as_ref(), &xs, &ps).unwrap();
            for (i, &p) in ps.iter().enumerate() {
                for (j, &x) in xs.iter().enumerate() {
                    let r2 = x * x + p * p;
                    let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
                    let expected = sign / PI * (-r2).exp() * laguerre_explicit(n, 2.0 * r2);
                    assert!(
                        (w[(i, j)] - expected).abs() < 1e-13,
                        "n = {n}, x = {x}, p = {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn coherent_state_is_displaced_gaussian() {
        let alpha = c64::new(1.2, -0.7);
        let rho = projector(&coherent(alpha, 40));
        let (x0, p0) = (
            alpha.re * std::f64::consts::SQRT_2,
            alpha.im * std::f64::consts::SQRT_2,
        );
        let xs = linspace(-2.0, 4.0, 15);
        let ps = linspace(-3.5, 2.0, 12);
        let w = wigner(rho.as_ref(), &xs, &ps).unwrap();
        for (i, &p) in ps.iter().enumerate() {
            for (j, &x) in xs.iter().enumerate() {
                let expected = (-(x - x0).powi(2) - (p - p0).powi(2)).exp() / PI;
                assert!(
                    (w[(i, j)] - expected).abs() < 1e-12,
                    "x = {x}, p = {p}: {} vs {expected}",
                    w[(i, j)]
                );
            }
        }
    }

    #[test]
    fn cat_state_closed_form_and_grid_integral() {
        // Even cat |α⟩ + |−α⟩, α real, x0 = √2 α:
        // W = [e^{−(x−x0)²−p²} + e^{−(x+x0)²−p²} + 2 e^{−x²−p²} cos(2 x0 p)] / (2π (1 + e^{−2α²})).
        let alpha = 1.5;
        let plus = coherent(c64::new(alpha, 0.0), 40);
        let minus = coherent(c64::new(-alpha, 0.0), 40);
        let cat: Vec<c64> = plus.iter().zip(&minus).map(|(a, b)| a + b).collect();
        let rho = projector(&cat);
        let x0 = std::f64::consts::SQRT_2 * alpha;
        let norm = 2.0 * PI * (1.0 + (-2.0 * alpha * alpha).exp());
        let closed = |x: f64, p: f64| {
            ((-(x - x0).powi(2) - p * p).exp()
                + (-(x + x0).powi(2) - p * p).exp()
                + 2.0 * (-x * x - p * p).exp() * (2.0 * x0 * p).cos())
                / norm
        };
        let xs = linspace(-8.0, 8.0, 161);
        let w = wigner(rho.as_ref(), &xs, &xs).unwrap();
        let mut integral = 0.0;
        let mut most_negative = 0.0f64;
        for (i, &p) in xs.iter().enumerate() {
            for (j, &x) in xs.iter().enumerate() {
                assert!((w[(i, j)] - closed(x, p)).abs() < 1e-12, "x = {x}, p = {p}");
                integral += w[(i, j)] * 0.1 * 0.1;
                most_negative = most_negative.min(w[(i, j)]);
            }
        }
        assert!((integral - 1.0).abs() < 1e-10, "∫W = {integral}");
        assert!(
            most_negative < -0.15,
            "interference fringes are negative: {most_negative}"
        );
    }

    #[test]
    fn large_cutoff_and_far_grid_stay_finite() {
        // Fock |150⟩ in a 200-level space, and a point far outside every state's support.
        let rho = fock(150, 200);
        let xs = [0.0, 5.0, 17.0, 40.0, 1e3, 1e80, 1e200, f64::MAX];
        let w = wigner(rho.as_ref(), &xs, &[0.0, 3.0]).unwrap();
        for v in w
            .col_iter()
            .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
        {
            assert!(v.is_finite() && v.abs() <= 1.0 / PI + 1e-12, "{v}");
        }
        // |W_n(0, 0)| = 1/π for every Fock state.
        assert!((w[(0, 0)] - 1.0 / PI).abs() < 1e-10);
        for j in 4..xs.len() {
            assert_eq!(w[(0, j)], 0.0);
        }
        // A coherent state with |α|² = 100 in a 200-level space: still a Gaussian.
        let alpha = c64::new(7.0, 51.0f64.sqrt());
        let rho = projector(&coherent(alpha, 200));
        let (x0, p0) = (
            alpha.re * std::f64::consts::SQRT_2,
            alpha.im * std::f64::consts::SQRT_2,
        );
        let w = wigner(rho.as_ref(), &[x0, x0 + 0.5], &[p0]).unwrap();
        assert!((w[(0, 0)] - 1.0 / PI).abs() < 1e-9, "{}", w[(0, 0)]);
        assert!((w[(0, 1)] - (-0.25f64).exp() / PI).abs() < 1e-9);
    }

    #[test]
    fn bad_input_is_an_error() {
        let rho = fock(1, 3);
        assert!(matches!(
            wigner(rho.as_ref(), &[f64::NAN], &[0.0]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            wigner(Mat::<c64>::zeros(2, 3).as_ref(), &[0.0], &[0.0]),
            Err(Error::DimensionMismatch { .. })
        ));
        let not_herm = Mat::from_fn(2, 2, |i, j| c64::new(if i < j { 1.0 } else { 0.0 }, 0.0));
        assert!(wigner(not_herm.as_ref(), &[0.0], &[0.0]).is_err());
        assert_eq!(wigner(rho.as_ref(), &[], &[0.0]).unwrap().ncols(), 0);
    }
}
