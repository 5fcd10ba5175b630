//! Stored energy, average power, and their maxima refined between grid points.
//!
//! Conventions (crate docs, `DESIGN.md`): the stored energy is
//! `E(t) = Tr[H_B ρ_B(t)] − Tr[H_B ρ_B(0)]` (two calls of [`expectation`]), the average
//! power is `P(t) = E(t)/t`. Maxima of a sampled `E(t)` and `P(t)` are located between
//! grid points, either by local cubic interpolation of the samples ([`charging_maxima`])
//! or, when `E(t)` can be evaluated anywhere, by Brent's method on the exact function
//! ([`charging_maxima_exact`]).

use crate::{c64, Error, MatRef, Result};

/// `Re Tr[op ρ]`, the expectation value of the Hermitian `op` in the state `ρ`, in the
/// units of `op`.
///
/// Cost `O(d²)`: `Σ_ij op_ij ρ_ji`, no matrix product is formed. For Hermitian `op` and
/// `ρ` the trace is real; the imaginary part (round-off, or the anti-Hermitian part of
/// a non-Hermitian `op`) is dropped.
///
/// # Errors
/// [`Error::DimensionMismatch`] if the matrices are not square of the same size;
/// [`Error::NonFinite`] if the result is not finite.
pub fn expectation(rho: MatRef<c64>, op: MatRef<c64>) -> Result<f64> {
    let n = rho.nrows();
    for (name, m) in [("rho", rho), ("op", op)] {
        for found in [m.nrows(), m.ncols()] {
            if found != n {
                return Err(Error::DimensionMismatch {
                    context: format!("expectation: size of {name} (expected = rows of rho)"),
                    expected: n,
                    found,
                });
            }
        }
    }
    let mut acc = 0.0;
    for j in 0..n {
        for i in 0..n {
            acc += (op[(i, j)] * rho[(j, i)]).re;
        }
    }
    if !acc.is_finite() {
        return Err(Error::NonFinite {
            context: "expectation Tr[op ρ]".to_string(),
        });
    }
    Ok(acc)
}

/// Average power `P(t) = E(t)/t` at every sample, in units of energy per time.
///
/// At `t = 0` the ratio is undefined; this function returns `P(0) = 0`. That is the
/// limit `E'(0)` whenever the initial state commutes with the battery Hamiltonian (an
/// eigenstate or a thermal state of `H_B`, as in every charging protocol of the papers),
/// where `E(t) = O(t²)`. For an initial state with coherences in the eigenbasis of `H_B`,
/// `E'(0)` may differ from zero: evaluate `P` at `t > 0` only.
///
/// # Errors
/// [`Error::DimensionMismatch`] for slices of different lengths; [`Error::InvalidParameter`]
/// for a negative or non-finite time or a non-finite energy.
pub fn average_power(times: &[f64], energy: &[f64]) -> Result<Vec<f64>> {
    check_series(times, energy, 1)?;
    Ok(power_samples(times, energy))
}

fn power_samples(times: &[f64], energy: &[f64]) -> Vec<f64> {
    times
        .iter()
        .zip(energy)
        .map(|(&t, &e)| if t > 0.0 { e / t } else { 0.0 })
        .collect()
}

/// The largest stored energy and the largest average power of a charging curve, and
/// the times at which they occur.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ChargingMaxima {
    /// Largest stored energy `E_max` (units of `H_B`).
    pub e_max: f64,
    /// Time of `E_max`.
    pub t_e_max: f64,
    /// Largest average power `P_max = max_t E(t)/t`.
    pub p_max: f64,
    /// Time of `P_max`.
    pub t_p_max: f64,
}

/// Maxima of `E(t)` and `P(t) = E(t)/t` from samples, refined between grid points.
///
/// For each of `E` and `P` (with `P(0) = 0` as in [`average_power`]): find the best
/// sample `k`; on each of the intervals `[t_{k−1}, t_k]` and `[t_k, t_{k+1}]`, interpolate
/// the samples by the cubic through the four nearest points (two on each side of the
/// interval where the grid allows, one-sided at its ends) and maximise that cubic on
/// the interval. The grid may be non-uniform; it must be strictly increasing and start
/// at `t ≥ 0`. The maximum is over `[t_0, t_last]`: a maximum at an end of the window is
/// reported there.
///
/// Accuracy for a smooth curve sampled with step `h`: the interpolation error of the
/// cubic is at most `h⁴ max|f⁗| · 9/384` (interior intervals; `h⁴ max|f⁗| / 24` on the
/// first and last interval, where the stencil is one-sided), so the maximum value is accurate to `O(h⁴)`
/// (for `E = sin² t`, `h = 0.04`: ~5·10⁻⁷) and its time to `O(h³)`. When `E(t)` can be
/// evaluated at any time, [`charging_maxima_exact`] reaches machine precision.
///
/// # Errors
/// [`Error::InvalidParameter`] for fewer than 4 samples, a grid that is not strictly
/// increasing, a negative or non-finite time, or a non-finite energy;
/// [`Error::DimensionMismatch`] for slices of different lengths.
pub fn charging_maxima(times: &[f64], energy: &[f64]) -> Result<ChargingMaxima> {
    check_series(times, energy, 4)?;
    let power = power_samples(times, energy);
    let (t_e_max, e_max) = cubic_maximum(times, energy, argmax(energy));
    let (t_p_max, p_max) = cubic_maximum(times, &power, argmax(&power));
    Ok(ChargingMaxima {
        e_max,
        t_e_max,
        p_max,
        t_p_max,
    })
}

/// Maxima of `E(t)` and `P(t) = E(t)/t`, bracketed by the samples and refined on the
/// exact `energy_at(t)`.
///
/// The best sample `k` of each curve brackets its maximum in `[t_{k−1}, t_{k+1}]`
/// (clipped to the grid); [`refine_maximum`] then maximises `energy_at(t)` (or
/// `energy_at(t)/t`) there, to a relative precision of about `√ε ≈ 1.5·10⁻⁸` in time and
/// `ε` in value. The samples only locate the peak: they must resolve it (a narrower peak
/// between two samples is missed). Same grid conventions as [`charging_maxima`].
///
/// # Errors
/// As [`charging_maxima`], with at least 2 samples; [`Error::NonFinite`] if
/// `energy_at` returns a non-finite value at the optimum.
pub fn charging_maxima_exact(
    times: &[f64],
    energy: &[f64],
    mut energy_at: impl FnMut(f64) -> f64,
) -> Result<ChargingMaxima> {
    check_series(times, energy, 2)?;
    let tol = 1e-12 * times[times.len() - 1].max(1.0);
    let power = power_samples(times, energy);

    let k = argmax(energy);
    let (a, b) = bracket(times, k);
    let mut best_e = refine_maximum(&mut energy_at, a, b, tol);
    let at_k = energy_at(times[k]);
    if at_k > best_e.1 {
        best_e = (times[k], at_k);
    }

    let k = argmax(&power);
    let (a, b) = bracket(times, k);
    let mut power_at = |t: f64| if t > 0.0 { energy_at(t) / t } else { 0.0 };
    let mut best_p = refine_maximum(&mut power_at, a, b, tol);
    let at_k = power_at(times[k]);
    if at_k > best_p.1 {
        best_p = (times[k], at_k);
    }

    if !(best_e.1.is_finite() && best_p.1.is_finite()) {
        return Err(Error::NonFinite {
            context: "charging_maxima_exact: energy_at(t) near the maximum".to_string(),
        });
    }
    Ok(ChargingMaxima {
        e_max: best_e.1,
        t_e_max: best_e.0,
        p_max: best_p.1,
        t_p_max: best_p.0,
    })
}

/// Maximises `f` on `[a, b]` by Brent's method (golden-section search with parabolic
/// steps); returns `(t*, f(t*))`.
///
/// `tol` is the absolute tolerance in `t`; the method also stops at the relative
/// precision `√ε · |t|` (`≈ 1.5·10⁻⁸ |t|`), below which a smooth maximum is flat to
/// machine precision. Finds a local maximum: `f` should be unimodal on `[a, b]`. `f` is
/// evaluated only strictly inside `(a, b)`, so a maximum at an end is approached to
/// within the tolerance. The bounds may be given in either order; `a = b` returns
/// `(a, f(a))`. At most 200 evaluations.
pub fn refine_maximum(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol: f64) -> (f64, f64) {
    const GOLDEN: f64 = 0.381_966_011_250_105_1; // (3 − √5)/2
    let sqrt_eps = f64::EPSILON.sqrt();
    let (mut a, mut b) = if a <= b { (a, b) } else { (b, a) };
    if a == b {
        return (a, f(a));
    }
    let tol = if tol.is_finite() { tol.max(0.0) } else { 0.0 };
    // Minimise g = −f. x: best point, w: second best, v: previous w.
    let mut x = a + GOLDEN * (b - a);
    let (mut w, mut v) = (x, x);
    let mut gx = -f(x);
    let (mut gw, mut gv) = (gx, gx);
    let (mut d, mut e) = (0.0f64, 0.0f64);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let tol1 = sqrt_eps * x.abs() + tol / 3.0;
        let tol2 = 2.0 * tol1;
        if (x - m).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol1 {
            // Parabola through (x, gx), (w, gw), (v, gv).
            let r = (x - w) * (gx - gv);
            let mut q = (x - v) * (gx - gw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            } else {
                q = -q;
            }
            let e_prev = e;
            e = d;
            if p.abs() < (0.5 * q * e_prev).abs() && p > q * (a - x) && p < q * (b - x) {
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if x < m { tol1 } else { -tol1 };
                }
                golden = false;
            }
        }
        if golden {
            e = if x < m { b - x } else { a - x };
            d = GOLDEN * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else {
            x + tol1.copysign(d)
        };
        let gu = -f(u);
        if gu <= gx {
            if u < x {
                b = x;
            } else {
                a = x;
            }
            (v, gv, w, gw, x, gx) = (w, gw, x, gx, u, gu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if gu <= gw || w == x {
                (v, gv, w, gw) = (w, gw, u, gu);
            } else if gu <= gv || v == x || v == w {
                (v, gv) = (u, gu);
            }
        }
    }
    (x, -gx)
}

/// Checks a sampled curve: equal lengths, at least `min_len` samples, times finite,
/// `≥ 0` and strictly increasing, values finite.
fn check_series(times: &[f64], values: &[f64], min_len: usize) -> Result<()> {
    if times.len() != values.len() {
        return Err(Error::DimensionMismatch {
            context: "charging curve: number of energies (expected = number of times)".to_string(),
            expected: times.len(),
            found: values.len(),
        });
    }
    if times.len() < min_len {
        return Err(Error::invalid(
            "number of samples",
            times.len(),
            format!("≥ {min_len}"),
        ));
    }
    for (i, &t) in times.iter().enumerate() {
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::invalid(format!("times[{i}]"), t, "finite and ≥ 0"));
        }
        if i > 0 && t <= times[i - 1] {
            return Err(Error::invalid(
                format!("times[{i}]"),
                t,
                format!("> times[{}] = {}", i - 1, times[i - 1]),
            ));
        }
    }
    if let Some((i, e)) = values.iter().enumerate().find(|(_, e)| !e.is_finite()) {
        return Err(Error::invalid(format!("energy[{i}]"), e, "finite"));
    }
    Ok(())
}

/// Index of the first largest value (`values` finite and non-empty).
fn argmax(values: &[f64]) -> usize {
    let mut k = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[k] {
            k = i;
        }
    }
    k
}

/// `[t_{k−1}, t_{k+1}]`, clipped to the grid.
fn bracket(times: &[f64], k: usize) -> (f64, f64) {
    (
        times[k.saturating_sub(1)],
        times[(k + 1).min(times.len() - 1)],
    )
}

/// Maximum of the local cubic interpolant on the two intervals around sample `k`
/// (at least 4 samples).
fn cubic_maximum(times: &[f64], values: &[f64], k: usize) -> (f64, f64) {
    let n = times.len();
    let mut best = (times[k], values[k]);
    let intervals = [k.checked_sub(1), (k + 1 < n).then_some(k)];
    for i in intervals.into_iter().flatten() {
        // The four points nearest to [t_i, t_{i+1}].
        let s = i.saturating_sub(1).min(n - 4);
        let (ts, ys) = (&times[s..s + 4], &values[s..s + 4]);
        let cubic = |t: f64| lagrange(ts, ys, t);
        let (lo, hi) = (times[i], times[i + 1]);
        let tol = 1e-12 * (hi - lo);
        for cand in [
            refine_maximum(cubic, lo, hi, tol),
            (lo, values[i]),
            (hi, values[i + 1]),
        ] {
            if cand.1 > best.1 {
                best = cand;
            }
        }
    }
    best
}

/// The interpolating polynomial through `(ts[j], ys[j])`, evaluated at `t`.
fn lagrange(ts: &[f64], ys: &[f64], t: f64) -> f64 {
    let mut sum = 0.0;
    for (j, (&tj, &yj)) in ts.iter().zip(ys).enumerate() {
        let mut w = yj;
        for (m, &tm) in ts.iter().enumerate() {
            if m != j {
                w *= (t - tm) / (tj - tm);
            }
        }
        sum += w;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::spectrum::testing::{diag, projector};

    fn grid(h: f64, t_end: f64) -> Vec<f64> {
        let n = (t_end / h).round() as usize;
        (0..=n).map(|i| i as f64 * h).collect()
    }

    /// The root of tan t = 2t in (1, 1.5) by Newton's method on sin t − 2t cos t.
    fn p_max_time() -> f64 {
        let mut t: f64 = 1.2;
        for _ in 0..50 {
            let g = t.sin() - 2.0 * t * t.cos();
            let dg = -t.cos() + 2.0 * t * t.sin();
            t -= g / dg;
        }
        t
    }

    #[test]
    fn expectation_is_trace_of_product() {
        let h = diag(&[-1.0, 0.5, 2.0]);
        let rho = diag(&[0.2, 0.3, 0.5]);
        assert!(
            (expectation(rho.as_ref(), h.as_ref()).unwrap() - (-0.2 + 0.15 + 1.0)).abs() < 1e-15
        );
        // σ_x in |+⟩ gives 1; in |0⟩ gives 0.
        let sx = crate::Mat::from_fn(2, 2, |i, j| c64::new(if i != j { 1.0 } else { 0.0 }, 0.0));
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let plus = projector(&[c64::new(s, 0.0), c64::new(s, 0.0)]);
        assert!((expectation(plus.as_ref(), sx.as_ref()).unwrap() - 1.0).abs() < 1e-15);
        let zero = diag(&[1.0, 0.0]);
        assert!(expectation(zero.as_ref(), sx.as_ref()).unwrap().abs() < 1e-15);
        assert!(matches!(
            expectation(zero.as_ref(), h.as_ref()),
            Err(Error::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn average_power_divides_and_sets_zero_at_origin() {
        let p = average_power(&[0.0, 0.5, 2.0], &[0.0, 1.0, 1.0]).unwrap();
        assert_eq!(p, vec![0.0, 2.0, 0.5]);
        assert!(average_power(&[0.0, 1.0], &[0.0]).is_err());
        assert!(average_power(&[-1.0, 1.0], &[0.0, 0.0]).is_err());
    }

    #[test]
    fn cubic_refinement_recovers_sin_squared_maximum() {
        // Interpolation bound: |max p − 1| ≤ h⁴ · max|f⁗| · 9/384 with f⁗ = −8 cos 2t.
        for h in [0.2, 0.1, 0.05, 0.04] {
            let t = grid(h, 3.0);
            let e: Vec<f64> = t.iter().map(|t| t.sin().powi(2)).collect();
            let m = charging_maxima(&t, &e).unwrap();
            let bound = h.powi(4) * 8.0 * 9.0 / 384.0;
            assert!(
                (m.e_max - 1.0).abs() <= bound,
                "h = {h}: e_max = {}",
                m.e_max
            );
            // Location: error in p' is O(h³), divided by |f''(π/2)| = 2.
            assert!(
                (m.t_e_max - std::f64::consts::FRAC_PI_2).abs() <= h.powi(3),
                "h = {h}: t = {}",
                m.t_e_max
            );
        }
        let t = grid(0.04, 3.0);
        let e: Vec<f64> = t.iter().map(|t| t.sin().powi(2)).collect();
        let m = charging_maxima(&t, &e).unwrap();
        assert!((m.e_max - 1.0).abs() < 1e-6);
        // The grid alone is off by ~h²: the refinement must beat it.
        let grid_best = e.iter().cloned().fold(f64::MIN, f64::max);
        assert!((m.e_max - 1.0).abs() < 0.01 * (grid_best - 1.0).abs());
    }

    #[test]
    fn cubic_refinement_recovers_power_maximum() {
        let t_star = p_max_time();
        let p_star = t_star.sin().powi(2) / t_star;
        assert!((t_star - 1.1656).abs() < 1e-4 && (p_star - 0.7246).abs() < 1e-4);
        let t = grid(0.04, 3.0);
        let e: Vec<f64> = t.iter().map(|t| t.sin().powi(2)).collect();
        let m = charging_maxima(&t, &e).unwrap();
        assert!((m.p_max - p_star).abs() < 1e-6, "p_max = {}", m.p_max);
        assert!((m.t_p_max - t_star).abs() < 1e-4, "t_p_max = {}", m.t_p_max);
    }

    #[test]
    fn cubic_refinement_on_nonuniform_grid_and_at_window_end() {
        // Non-uniform grid: t_i = 3 (i/n)^1.2.
        let n = 90;
        let t: Vec<f64> = (0..=n)
            .map(|i| 3.0 * (i as f64 / n as f64).powf(1.2))
            .collect();
        let e: Vec<f64> = t.iter().map(|t| t.sin().powi(2)).collect();
        let m = charging_maxima(&t, &e).unwrap();
        assert!((m.e_max - 1.0).abs() < 1e-6);
        // Monotone curve on the window: the maximum is at its end, not extrapolated.
        let t = grid(0.1, 1.0);
        let e: Vec<f64> = t.iter().map(|t| t.sin().powi(2)).collect();
        let m = charging_maxima(&t, &e).unwrap();
        assert_eq!(m.t_e_max, 1.0);
        assert_eq!(m.e_max, e[e.len() - 1]);
    }

    #[test]
    fn exact_refinement_reaches_machine_precision() {
        let t = grid(0.25, 3.0);
        let e: Vec<f64> = t.iter().map(|t| t.sin().powi(2)).collect();
        let m = charging_maxima_exact(&t, &e, |t| t.sin().powi(2)).unwrap();
        assert!((m.e_max - 1.0).abs() < 1e-10);
        assert!((m.t_e_max - std::f64::consts::FRAC_PI_2).abs() < 1e-7);
        let t_star = p_max_time();
        assert!((m.p_max - t_star.sin().powi(2) / t_star).abs() < 1e-10);
        assert!((m.t_p_max - t_star).abs() < 1e-7);
    }

    #[test]
    fn refine_maximum_finds_interior_and_end_maxima() {
        let (t, f) = refine_maximum(|t| -(t - 0.3).powi(2) + 2.0, 0.0, 1.0, 1e-12);
        assert!((t - 0.3).abs() < 1e-7 && (f - 2.0).abs() < 1e-14);
        let (t, f) = refine_maximum(|t| (t * 3.0).cos(), 2.0, -1.0, 1e-10);
        assert!(t.abs() < 1e-7 && (f - 1.0).abs() < 1e-14);
        // Increasing function: converges to the right end.
        let (t, _) = refine_maximum(|t| t, 0.0, 1.0, 1e-10);
        assert!((t - 1.0).abs() < 1e-7);
        assert_eq!(refine_maximum(|t| t * t, 2.0, 2.0, 1e-10), (2.0, 4.0));
    }

    #[test]
    fn bad_series_are_errors() {
        let t = [0.0, 0.1, 0.2, 0.3];
        let e = [0.0, 0.1, 0.2, 0.1];
        assert!(charging_maxima(&t, &e).is_ok());
        assert!(matches!(
            charging_maxima(&t, &e[..3]),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            charging_maxima(&[], &[]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            charging_maxima(&t[..3], &e[..3]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(charging_maxima(&t, &[0.0, f64::NAN, 0.2, 0.1]).is_err());
        assert!(charging_maxima(&[0.0, 0.1, f64::INFINITY, 0.3], &e).is_err());
        assert!(charging_maxima(&[0.0, 0.2, 0.1, 0.3], &e).is_err());
        assert!(charging_maxima(&[-0.1, 0.1, 0.2, 0.3], &e).is_err());
        assert!(matches!(
            charging_maxima_exact(&t, &e, |_| f64::NAN),
            Err(Error::NonFinite { .. })
        ));
        assert!(charging_maxima_exact(&[], &[], |t| t).is_err());
    }
}
