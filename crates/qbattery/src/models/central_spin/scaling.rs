//! Scaling laws of the maximum power: sweeps of P_max over (N_B, N) and the power-law fit
//! ln P_max = α ln N_B + ln β (Eqs. 18, B6–B7 of 004_5856515c11cfbeb7.txt).

use super::charging::Charging;
use super::model::{CentralSpin, InitialState};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Least-squares fit of ln y = α ln x + ln β, with the standard errors of ordinary least
/// squares (residual variance SSR/(n − 2)).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PowerLawFit {
    /// The exponent α.
    pub alpha: f64,
    /// Standard error of α.
    pub alpha_se: f64,
    /// The prefactor β = e^{ln β}.
    pub beta: f64,
    /// Standard error of β (delta method: β · se(ln β)).
    pub beta_se: f64,
    /// ln β.
    pub ln_beta: f64,
    /// Standard error of ln β.
    pub ln_beta_se: f64,
    /// Coefficient of determination of the log–log fit.
    pub r_squared: f64,
    /// Number of points.
    pub points: usize,
}

/// Fits ln y = α ln x + ln β by least squares.
///
/// Errors: slices of different lengths, fewer than 3 points (no standard error), a
/// non-positive or non-finite value, or all x equal.
pub fn fit_power_law(x: &[f64], y: &[f64]) -> Result<PowerLawFit> {
    if x.len() != y.len() {
        return Err(Error::DimensionMismatch {
            context: "fit_power_law (x and y)".into(),
            expected: x.len(),
            found: y.len(),
        });
    }
    let n = x.len();
    if n < 3 {
        return Err(Error::invalid(
            "fit points",
            n,
            "≥ 3 (two for the line, one for the error)",
        ));
    }
    if let Some(v) = x.iter().chain(y).find(|v| !(v.is_finite() && **v > 0.0)) {
        return Err(Error::invalid(
            "fit data",
            v,
            "finite and > 0 (log–log fit)",
        ));
    }
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = y.iter().map(|v| v.ln()).collect();
    let nf = n as f64;
    let (mx, my) = (lx.iter().sum::<f64>() / nf, ly.iter().sum::<f64>() / nf);
    let sxx: f64 = lx.iter().map(|v| (v - mx).powi(2)).sum();
    if sxx == 0.0 {
        return Err(Error::invalid(
            "fit x values",
            "all equal",
            "at least two distinct x",
        ));
    }
    let sxy: f64 = lx.iter().zip(&ly).map(|(a, b)| (a - mx) * (b - my)).sum();
    let syy: f64 = ly.iter().map(|v| (v - my).powi(2)).sum();
    let alpha = sxy / sxx;
    let ln_beta = my - alpha * mx;
    let ssr: f64 = lx
        .iter()
        .zip(&ly)
        .map(|(a, b)| (b - ln_beta - alpha * a).powi(2))
        .sum();
    let s2 = ssr / (nf - 2.0);
    let alpha_se = (s2 / sxx).sqrt();
    let ln_beta_se = (s2 * (1.0 / nf + mx * mx / sxx)).sqrt();
    let beta = ln_beta.exp();
    Ok(PowerLawFit {
        alpha,
        alpha_se,
        beta,
        beta_se: beta * ln_beta_se,
        ln_beta,
        ln_beta_se,
        r_squared: if syy > 0.0 { 1.0 - ssr / syy } else { 1.0 },
        points: n,
    })
}

/// One (N_B, N, initial state) point of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PowerPoint {
    /// N_B.
    pub n_b: u32,
    /// N.
    pub n: u32,
    /// Initial battery level m.
    pub m: u32,
    /// Initial charger level k (the paper's n).
    pub k: u32,
    /// P_max over t > 0.
    pub p_max: f64,
    /// Its time.
    pub t_p_max: f64,
    /// max ΔE_B over [0, `energy_window` · t_p_max].
    pub e_max: f64,
    /// Its time.
    pub t_e_max: f64,
    /// Whether both maxima are certified.
    pub certified: bool,
}

/// P_max and E_max of one model started in |m, k⟩. E_max is the maximum over
/// [0, `energy_window` · t_p_max] (the paper does not state its window; the reproduction
/// says which one it uses).
pub fn power_point(model: &CentralSpin, m: u32, k: u32, energy_window: f64) -> Result<PowerPoint> {
    if !(energy_window.is_finite() && energy_window > 0.0) {
        return Err(Error::invalid(
            "energy_window",
            energy_window,
            "finite and > 0",
        ));
    }
    let ch = Charging::new(model, &InitialState::dicke(m, k))?;
    let p = ch.max_power();
    let e = if p.t > 0.0 {
        ch.max_energy(energy_window * p.t, &[])
    } else {
        p
    };
    Ok(PowerPoint {
        n_b: model.n_b,
        n: model.n,
        m,
        k,
        p_max: p.value,
        t_p_max: p.t,
        e_max: e.value,
        t_e_max: e.t,
        certified: p.certified && e.certified,
    })
}

/// The largest P = ΔE_B/t on the uniform grid t_i = i·dt, i = 1…⌈t_end/dt⌉, from |m, k⟩:
/// what a time-stepping calculation with step `dt` reports as P_max (a lower bound of the
/// true maximum; used to explain grid-limited published values). Returns (t_i, P).
pub fn grid_max_power(
    model: &CentralSpin,
    m: u32,
    k: u32,
    dt: f64,
    t_end: f64,
) -> Result<(f64, f64)> {
    if !(dt.is_finite() && dt > 0.0 && t_end.is_finite() && t_end >= dt) {
        return Err(Error::invalid(
            "dt, t_end",
            format!("{dt}, {t_end}"),
            "0 < dt ≤ t_end, finite",
        ));
    }
    let ch = Charging::new(model, &InitialState::dicke(m, k))?;
    let steps = (t_end / dt).ceil() as usize;
    let ts: Vec<f64> = (1..=steps).map(|i| i as f64 * dt).collect();
    Ok(ch
        .jets(&ts)
        .iter()
        .map(|j| (j.t, j.de / j.t))
        .fold(
            (0.0, f64::NEG_INFINITY),
            |a, b| if b.1 > a.1 { b } else { a },
        ))
}

/// [`power_point`] for every (N_B, N, m, k) in `points`, in parallel (rayon), calling
/// `progress` once per finished point (e.g. to advance a progress bar). The model's other
/// parameters come from `template`.
pub fn sweep(
    template: &CentralSpin,
    points: &[(u32, u32, u32, u32)],
    energy_window: f64,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<PowerPoint>> {
    points
        .par_iter()
        .map(|&(n_b, n, m, k)| {
            let model = CentralSpin {
                n_b,
                n,
                ..*template
            };
            let r = power_point(&model, m, k, energy_window);
            progress();
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_an_exact_power_law_and_its_errors() {
        let x: Vec<f64> = (1..=20).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.5 * v.powf(1.25)).collect();
        let f = fit_power_law(&x, &y).unwrap();
        assert!((f.alpha - 1.25).abs() < 1e-13 && (f.beta - 3.5).abs() < 1e-12);
        assert!(f.alpha_se < 1e-12 && (f.r_squared - 1.0).abs() < 1e-14);
        // Three points with known residuals: ln y = 0, 1, 1 at ln x = 0, 1, 2:
        // α = 1/2, ln β = 1/6, SSR = 1/6, s² = 1/6, Sxx = 2 → se(α) = √(1/12).
        let e = std::f64::consts::E;
        let f = fit_power_law(&[1.0, e, e * e], &[1.0, e, e]).unwrap();
        assert!((f.alpha - 0.5).abs() < 1e-14);
        assert!((f.ln_beta - 1.0 / 6.0).abs() < 1e-14);
        assert!((f.alpha_se - (1.0f64 / 12.0).sqrt()).abs() < 1e-14);
        // se(ln β) = √(s² (1/3 + 1/2)) = √(5/36)
        assert!((f.ln_beta_se - (5.0f64 / 36.0).sqrt()).abs() < 1e-14);
        assert!(fit_power_law(&[1.0, 2.0], &[1.0, 2.0]).is_err());
        assert!(fit_power_law(&[1.0, 2.0, 0.0], &[1.0, 2.0, 3.0]).is_err());
    }

    #[test]
    fn sweep_matches_single_points_and_counts_progress() {
        let template = CentralSpin {
            n_b: 1,
            n: 1,
            b: 1.0,
            h: 1.0,
            a: 1.0,
            delta: 0.0,
        };
        let pts = [(3, 5, 0, 5), (6, 2, 0, 2), (1, 4, 0, 2)];
        let count = std::sync::atomic::AtomicUsize::new(0);
        let res = sweep(&template, &pts, 3.0, &|| {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(count.into_inner(), 3);
        for (p, &(n_b, n, m, k)) in res.iter().zip(&pts) {
            let one = power_point(&CentralSpin { n_b, n, ..template }, m, k, 3.0).unwrap();
            assert_eq!(*p, one);
            assert!(p.certified && p.e_max <= (n_b.min(k)) as f64 + 1e-12);
        }
        // A grid maximum never exceeds the certified one and approaches it as dt → 0.
        let m = CentralSpin {
            n_b: 3,
            n: 5,
            ..template
        };
        let coarse = grid_max_power(&m, 0, 5, 0.01, 1.0).unwrap().1;
        let fine = grid_max_power(&m, 0, 5, 1e-5, 1.0).unwrap().1;
        assert!(coarse <= res[0].p_max && fine <= res[0].p_max);
        assert!(res[0].p_max - fine < 1e-8 * res[0].p_max && res[0].p_max - coarse > 1e-6);
        // N_B = 1, k = 2 of N = 4: the closed form P_max = κ √b_{4,2} = κ √6.
        let (_, kappa) = super::super::closed_forms::power_constant();
        assert!((res[2].p_max - kappa * 6f64.sqrt()).abs() < 1e-12);
    }
}
