//! Adaptive explicit Runge–Kutta 5(4) integration with dense output at requested times.
//!
//! The method is Dormand–Prince 5(4) ("dopri5", Dormand & Prince 1980) in the form of
//! Hairer, Nørsett & Wanner, *Solving Ordinary Differential Equations I*, §II.4–II.6:
//! seven stages with the first-same-as-last property (six right-hand-side evaluations
//! per accepted step), local extrapolation (the 5th-order solution is propagated, the
//! embedded 4th-order one only estimates the error), a PI step-size controller, Hairer's
//! initial-step heuristic, and Shampine's 4th-order continuous extension, so the
//! solution is reported at user-requested times without stepping onto them.
//!
//! The state is a dense complex matrix ([`Mat<c64>`]): a ket is a one-column matrix,
//! a density matrix a square one. The error of a step is measured in the weighted RMS
//! norm over the complex entries y_i (each entry one component, |·| its modulus):
//!
//! ‖e‖ = √( (1/N) Σ_i (|e_i| / (atol + rtol · max(|y_i(t)|, |y_i(t+h)|)))² ),
//!
//! and a step is accepted when ‖e‖ ≤ 1.
//!
//! Discontinuities of the right-hand side (e.g. the edges of piecewise-constant
//! controls) are handled by `breakpoints`: the integrator lands exactly on each one,
//! never evaluates the right-hand side at or beyond it within a step that ends there
//! (the stage times of such a step are capped at the floating-point number just below
//! the breakpoint, so a control defined on half-open intervals [t_k, t_{k+1}) takes its
//! left value), and restarts there with a fresh derivative.

use crate::{c64, Error, Mat, MatMut, MatRef, Result};

/// Name of the method, as reported in [`SolverStats::method`].
pub const METHOD: &str = "dopri5";

/// Tolerances and limits of the adaptive integrator.
#[derive(Debug, Clone, PartialEq)]
pub struct OdeOptions {
    /// Relative tolerance (default 1e-6); finite, in [1e-14, 1].
    pub rtol: f64,
    /// Absolute tolerance (default 1e-8), in the units of the state's entries; finite, > 0.
    pub atol: f64,
    /// Largest number of attempted steps (accepted + rejected) before giving up with
    /// [`Error::NoConvergence`] (default 1 000 000); ≥ 1.
    pub max_steps: usize,
    /// First step size; `None` (default) chooses it by Hairer's heuristic. Finite, > 0.
    pub initial_step: Option<f64>,
    /// Upper bound on the step size; `None` (default): unbounded. Finite, > 0.
    pub max_step: Option<f64>,
}

impl Default for OdeOptions {
    fn default() -> Self {
        OdeOptions {
            rtol: 1e-6,
            atol: 1e-8,
            max_steps: 1_000_000,
            initial_step: None,
            max_step: None,
        }
    }
}

impl OdeOptions {
    /// Options with the given tolerances and the other fields at their defaults.
    pub fn with_tolerances(rtol: f64, atol: f64) -> Self {
        OdeOptions {
            rtol,
            atol,
            ..OdeOptions::default()
        }
    }

    /// Checks every field's range; the error names the offending field.
    pub fn validate(&self) -> Result<()> {
        if !(self.rtol.is_finite() && (1e-14..=1.0).contains(&self.rtol)) {
            return Err(Error::invalid("rtol", self.rtol, "finite, in [1e-14, 1]"));
        }
        if !(self.atol.is_finite() && self.atol > 0.0) {
            return Err(Error::invalid("atol", self.atol, "finite, > 0"));
        }
        if self.max_steps == 0 {
            return Err(Error::invalid("max_steps", self.max_steps, "≥ 1"));
        }
        if let Some(h) = self.initial_step {
            if !(h.is_finite() && h > 0.0) {
                return Err(Error::invalid("initial_step", h, "finite, > 0"));
            }
        }
        if let Some(h) = self.max_step {
            if !(h.is_finite() && h > 0.0) {
                return Err(Error::invalid("max_step", h, "finite, > 0"));
            }
        }
        Ok(())
    }
}

/// What the integrator did: carried in results so every output names its solver.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SolverStats {
    /// The method, e.g. [`METHOD`].
    pub method: &'static str,
    /// Accepted steps.
    pub steps: usize,
    /// Rejected steps.
    pub rejected: usize,
    /// Evaluations of the right-hand side.
    pub rhs_evals: usize,
    /// Relative tolerance used.
    pub rtol: f64,
    /// Absolute tolerance used.
    pub atol: f64,
}

// Dormand–Prince 5(4) tableau (Hairer–Nørsett–Wanner I, Table II.5.2).
const C2: f64 = 1.0 / 5.0;
const C3: f64 = 3.0 / 10.0;
const C4: f64 = 4.0 / 5.0;
const C5: f64 = 8.0 / 9.0;
const A21: f64 = 1.0 / 5.0;
const A31: f64 = 3.0 / 40.0;
const A32: f64 = 9.0 / 40.0;
const A41: f64 = 44.0 / 45.0;
const A42: f64 = -56.0 / 15.0;
const A43: f64 = 32.0 / 9.0;
const A51: f64 = 19372.0 / 6561.0;
const A52: f64 = -25360.0 / 2187.0;
const A53: f64 = 64448.0 / 6561.0;
const A54: f64 = -212.0 / 729.0;
const A61: f64 = 9017.0 / 3168.0;
const A62: f64 = -355.0 / 33.0;
const A63: f64 = 46732.0 / 5247.0;
const A64: f64 = 49.0 / 176.0;
const A65: f64 = -5103.0 / 18656.0;
// 5th-order weights (= the last row of A: FSAL); b2 = b7 = 0.
const B1: f64 = 35.0 / 384.0;
const B3: f64 = 500.0 / 1113.0;
const B4: f64 = 125.0 / 192.0;
const B5: f64 = -2187.0 / 6784.0;
const B6: f64 = 11.0 / 84.0;
// Error weights b − b̂ (b̂: the embedded 4th-order weights); e2 = 0.
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;
// Shampine's continuous extension (Hairer–Nørsett–Wanner I, §II.6, dense output of DOPRI5).
const D1: f64 = -12715105075.0 / 11282082432.0;
const D3: f64 = 87487479700.0 / 32700410799.0;
const D4: f64 = -10690763975.0 / 1880347072.0;
const D5: f64 = 701980252875.0 / 199316789632.0;
const D6: f64 = -1453857185.0 / 822651844.0;
const D7: f64 = 69997945.0 / 29380423.0;

// PI step-size controller (Hairer's DOPRI5 defaults).
const SAFETY: f64 = 0.9;
const BETA: f64 = 0.04;
const EXPO1: f64 = 0.2 - BETA * 0.75;
/// Largest step-size growth factor.
const GROW_MAX: f64 = 10.0;
/// Largest step-size reduction factor.
const SHRINK_MAX: f64 = 5.0;

/// Weights w_i(θ) of the continuous extension y(t + θh) = y + h Σ_i w_i(θ) k_i,
/// for the stages (1, 3, 4, 5, 6, 7).
///
/// It is Hairer's form y + θ(Δ + (1−θ)(hk₁ − Δ + θ(2Δ − hk₁ − hk₇ + (1−θ) h Σ d_i k_i)))
/// with Δ = y(t+h) − y = h Σ b_i k_i, expanded: w_i = θ²(3 − 2θ) b_i + θ(1−θ)² [i=1]
/// − θ²(1−θ) [i=7] + θ²(1−θ)² d_i.
fn dense_weights(theta: f64) -> [f64; 6] {
    let s = 1.0 - theta;
    let hermite = theta * theta * (3.0 - 2.0 * theta);
    let corr = theta * theta * s * s;
    [
        hermite * B1 + theta * s * s + corr * D1,
        hermite * B3 + corr * D3,
        hermite * B4 + corr * D4,
        hermite * B5 + corr * D5,
        hermite * B6 + corr * D6,
        -theta * theta * s + corr * D7,
    ]
}

/// The largest `f64` strictly below `x` (for finite `x`).
fn prev_float(x: f64) -> f64 {
    if x == 0.0 {
        -f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() - 1)
    } else {
        f64::from_bits(x.to_bits() + 1)
    }
}

/// out = base + h Σ_m coef[m] · ks[m], entrywise. All matrices owned and of one shape.
fn combine<const N: usize>(
    out: &mut Mat<c64>,
    base: &Mat<c64>,
    h: f64,
    coef: [f64; N],
    ks: [&Mat<c64>; N],
) {
    let hc: [f64; N] = std::array::from_fn(|m| h * coef[m]);
    // The widest SIMD instruction set of this CPU; the column kernel is inlined into a
    // copy compiled for it.
    let arch = pulp::Arch::new();
    for j in 0..out.ncols() {
        arch.dispatch(CombineCol {
            o: out.col_as_slice_mut(j),
            b: base.col_as_slice(j),
            hc,
            kc: std::array::from_fn(|m| ks[m].col_as_slice(j)),
        });
    }
}

/// One column of [`combine`], as a [`pulp::WithSimd`] operation.
struct CombineCol<'a, const N: usize> {
    o: &'a mut [c64],
    b: &'a [c64],
    hc: [f64; N],
    kc: [&'a [c64]; N],
}

impl<const N: usize> pulp::WithSimd for CombineCol<'_, N> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        combine_col(self.o, self.b, self.hc, self.kc);
    }
}

/// o = b + Σ_m hc[m] kc[m] on one column.
#[inline(always)]
fn combine_col<const N: usize>(o: &mut [c64], b: &[c64], hc: [f64; N], kc: [&[c64]; N]) {
    let n = o.len();
    let b = &b[..n];
    let kc: [&[c64]; N] = std::array::from_fn(|m| &kc[m][..n]);
    for i in 0..n {
        let mut acc = b[i];
        for m in 0..N {
            acc += kc[m][i] * hc[m];
        }
        o[i] = acc;
    }
}

/// Weighted RMS norm of h Σ_m coef[m] ks[m], weights atol + rtol · max(|y0_i|, |y1_i|).
#[allow(clippy::too_many_arguments)]
fn weighted_rms<const N: usize>(
    y0: &Mat<c64>,
    y1: &Mat<c64>,
    h: f64,
    coef: [f64; N],
    ks: [&Mat<c64>; N],
    rtol: f64,
    atol: f64,
) -> f64 {
    let hc: [f64; N] = std::array::from_fn(|m| h * coef[m]);
    let arch = pulp::Arch::new();
    let mut sum = 0.0;
    for j in 0..y0.ncols() {
        sum += arch.dispatch(RmsCol {
            a: y0.col_as_slice(j),
            b: y1.col_as_slice(j),
            hc,
            kc: std::array::from_fn(|m| ks[m].col_as_slice(j)),
            rtol,
            atol,
        });
    }
    (sum / (y0.nrows() * y0.ncols()).max(1) as f64).sqrt()
}

/// One column of [`weighted_rms`], as a [`pulp::WithSimd`] operation.
struct RmsCol<'a, const N: usize> {
    a: &'a [c64],
    b: &'a [c64],
    hc: [f64; N],
    kc: [&'a [c64]; N],
    rtol: f64,
    atol: f64,
}

impl<const N: usize> pulp::WithSimd for RmsCol<'_, N> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        rms_col(self.a, self.b, self.hc, self.kc, self.rtol, self.atol)
    }
}

/// Σ_i |Σ_m hc[m] kc[m][i]|² / (atol + rtol · max(|a_i|, |b_i|))² on one column.
#[inline(always)]
fn rms_col<const N: usize>(
    a: &[c64],
    b: &[c64],
    hc: [f64; N],
    kc: [&[c64]; N],
    rtol: f64,
    atol: f64,
) -> f64 {
    let n = a.len();
    let b = &b[..n];
    let kc: [&[c64]; N] = std::array::from_fn(|m| &kc[m][..n]);
    let mut sum = 0.0;
    for i in 0..n {
        let mut e = c64::new(0.0, 0.0);
        for m in 0..N {
            e += kc[m][i] * hc[m];
        }
        let scale = atol + rtol * a[i].norm_sqr().max(b[i].norm_sqr()).sqrt();
        sum += e.norm_sqr() / (scale * scale);
    }
    sum
}

fn is_finite(m: &Mat<c64>) -> bool {
    (0..m.ncols()).all(|j| {
        m.col_as_slice(j)
            .iter()
            .all(|z| z.re.is_finite() && z.im.is_finite())
    })
}

/// Workspace of one integration: the state, its successor and the stages. Allocated once.
struct Dopri5 {
    y: Mat<c64>,
    y_new: Mat<c64>,
    /// Argument of the stage evaluations, then the dense output.
    y_stage: Mat<c64>,
    k1: Mat<c64>,
    /// k2 during the stages, then k7 = f(t + h, y_new).
    k2: Mat<c64>,
    k3: Mat<c64>,
    k4: Mat<c64>,
    k5: Mat<c64>,
    k6: Mat<c64>,
    rhs_evals: usize,
}

impl Dopri5 {
    fn new(y0: MatRef<'_, c64>) -> Self {
        let (n, m) = (y0.nrows(), y0.ncols());
        let z = || Mat::<c64>::zeros(n, m);
        let mut y = z();
        y.copy_from(y0);
        Dopri5 {
            y,
            y_new: z(),
            y_stage: z(),
            k1: z(),
            k2: z(),
            k3: z(),
            k4: z(),
            k5: z(),
            k6: z(),
            rhs_evals: 0,
        }
    }

    /// k1 = f(t, y).
    fn eval_k1(&mut self, rhs: &mut impl FnMut(f64, MatRef<'_, c64>, MatMut<'_, c64>), t: f64) {
        rhs(t, self.y.as_ref(), self.k1.as_mut());
        self.rhs_evals += 1;
    }

    /// Hairer's initial step-size guess (HNW I, §II.4, "starting step size"), using k1 = f(t, y).
    fn initial_step(
        &mut self,
        rhs: &mut impl FnMut(f64, MatRef<'_, c64>, MatMut<'_, c64>),
        t: f64,
        t_cap: f64,
        h_max: f64,
        opts: &OdeOptions,
    ) -> f64 {
        let (rtol, atol) = (opts.rtol, opts.atol);
        // ‖y‖ and ‖f‖ in the weighted norm with scale atol + rtol |y|.
        let dny = weighted_rms(&self.y, &self.y, 1.0, [1.0], [&self.y], rtol, atol);
        let dnf = weighted_rms(&self.y, &self.y, 1.0, [1.0], [&self.k1], rtol, atol);
        let mut h = if dny <= 1e-5 || dnf <= 1e-5 {
            1e-6
        } else {
            0.01 * dny / dnf
        };
        h = h.min(h_max);
        combine(&mut self.y_stage, &self.y, h, [1.0], [&self.k1]);
        rhs((t + h).min(t_cap), self.y_stage.as_ref(), self.k2.as_mut());
        self.rhs_evals += 1;
        let der2 = weighted_rms(
            &self.y,
            &self.y,
            1.0 / h,
            [1.0, -1.0],
            [&self.k2, &self.k1],
            rtol,
            atol,
        );
        let der12 = der2.max(dnf);
        let h1 = if der12 <= 1e-15 {
            (h * 1e-3).max(1e-6)
        } else {
            (0.01 / der12).powf(0.2)
        };
        (100.0 * h).min(h1).min(h_max)
    }

    /// One step of size h from (t, y) with k1 = f(t, y) given; stage times are capped at
    /// `t_cap`, the step's end time is `t_new`. Fills y_new and k7 (in `k2`) and returns the
    /// weighted RMS error estimate.
    fn step(
        &mut self,
        rhs: &mut impl FnMut(f64, MatRef<'_, c64>, MatMut<'_, c64>),
        t: f64,
        h: f64,
        t_new: f64,
        t_cap: f64,
        opts: &OdeOptions,
    ) -> f64 {
        let ts = |c: f64| (t + c * h).min(t_cap);
        let t_end = t_new.min(t_cap);
        let Dopri5 {
            y,
            y_new,
            y_stage,
            k1,
            k2,
            k3,
            k4,
            k5,
            k6,
            rhs_evals,
        } = self;
        combine(y_stage, y, h, [A21], [&*k1]);
        rhs(ts(C2), y_stage.as_ref(), k2.as_mut());
        combine(y_stage, y, h, [A31, A32], [&*k1, &*k2]);
        rhs(ts(C3), y_stage.as_ref(), k3.as_mut());
        combine(y_stage, y, h, [A41, A42, A43], [&*k1, &*k2, &*k3]);
        rhs(ts(C4), y_stage.as_ref(), k4.as_mut());
        combine(
            y_stage,
            y,
            h,
            [A51, A52, A53, A54],
            [&*k1, &*k2, &*k3, &*k4],
        );
        rhs(ts(C5), y_stage.as_ref(), k5.as_mut());
        combine(
            y_stage,
            y,
            h,
            [A61, A62, A63, A64, A65],
            [&*k1, &*k2, &*k3, &*k4, &*k5],
        );
        rhs(t_end, y_stage.as_ref(), k6.as_mut());
        combine(
            y_new,
            y,
            h,
            [B1, B3, B4, B5, B6],
            [&*k1, &*k3, &*k4, &*k5, &*k6],
        );
        // k7 overwrites k2, which no longer enters (b2 = e2 = d2 = 0).
        rhs(t_end, y_new.as_ref(), k2.as_mut());
        *rhs_evals += 6;
        weighted_rms(
            y,
            y_new,
            h,
            [E1, E3, E4, E5, E6, E7],
            [&*k1, &*k3, &*k4, &*k5, &*k6, &*k2],
            opts.rtol,
            opts.atol,
        )
    }

    /// Dense output at t + θh of the last (attempted) step, written into `y_stage`.
    fn interpolate(&mut self, theta: f64, h: f64) {
        let Dopri5 {
            y,
            y_stage,
            k1,
            k2,
            k3,
            k4,
            k5,
            k6,
            ..
        } = self;
        combine(
            y_stage,
            y,
            h,
            dense_weights(theta),
            [&*k1, &*k3, &*k4, &*k5, &*k6, &*k2],
        );
    }
}

/// Integrates dy/dt = f(t, y) from `times[0]` to the last requested time by adaptive
/// Dormand–Prince 5(4), and calls `observe(i, times[i], y(times[i]))` for every requested
/// time, in order (the solution between steps comes from the method's 4th-order
/// continuous extension; see the module docs).
///
/// - `rhs(t, y, dy)` must overwrite all of `dy` with f(t, y).
/// - `y0` is the state at `times[0]`; its shape is the state's shape (a column for kets).
/// - `times` must be non-empty, finite and non-decreasing (repeats are allowed).
/// - `breakpoints` are times where f jumps (edges of piecewise controls); those inside
///   (`times[0]`, last time) are landed on exactly, and the integration restarts there; the
///   stages of a step that ends on one see f's value just before it. They must be finite;
///   order does not matter.
///
/// Errors: [`Error::InvalidParameter`] for bad options, times or breakpoints;
/// [`Error::NoConvergence`] when `opts.max_steps` attempted steps do not reach the end or
/// the step size underflows; [`Error::NonFinite`] when the state or its derivative stops
/// being finite; any error returned by `observe` stops the integration and is returned.
pub fn integrate(
    mut rhs: impl FnMut(f64, MatRef<'_, c64>, MatMut<'_, c64>),
    y0: MatRef<'_, c64>,
    times: &[f64],
    breakpoints: &[f64],
    opts: &OdeOptions,
    mut observe: impl FnMut(usize, f64, MatRef<'_, c64>) -> Result<()>,
) -> Result<SolverStats> {
    opts.validate()?;
    validate_times(times)?;
    if let Some(b) = breakpoints.iter().find(|b| !b.is_finite()) {
        return Err(Error::invalid("breakpoints", b, "finite"));
    }
    let t0 = times[0];
    let t_final = times[times.len() - 1];
    // Segment ends: the breakpoints inside (t0, t_final], then t_final unless it is one
    // (`final_is_break`); stages never reach past the floating-point number below a breakpoint.
    let mut stops: Vec<f64> = breakpoints
        .iter()
        .copied()
        .filter(|&b| b > t0 && b <= t_final)
        .collect();
    stops.sort_by(f64::total_cmp);
    stops.dedup();
    let final_is_break = stops.last() == Some(&t_final);
    if !final_is_break {
        stops.push(t_final);
    }

    let mut stats = SolverStats {
        method: METHOD,
        steps: 0,
        rejected: 0,
        rhs_evals: 0,
        rtol: opts.rtol,
        atol: opts.atol,
    };
    let mut w = Dopri5::new(y0);
    if !is_finite(&w.y) {
        return Err(Error::NonFinite {
            context: "initial state of the ODE integration".into(),
        });
    }
    let mut next = 0;
    while next < times.len() && times[next] == t0 {
        observe(next, t0, w.y.as_ref())?;
        next += 1;
    }
    if next == times.len() {
        return Ok(stats);
    }

    let h_max = opts.max_step.unwrap_or(f64::INFINITY);
    let mut stop = 0; // index into `stops` of the current segment's end
    let cap_of = |stop: usize| {
        if stop + 1 < stops.len() || final_is_break {
            prev_float(stops[stop])
        } else {
            f64::INFINITY
        }
    };
    let mut t = t0;
    w.eval_k1(&mut rhs, t);
    if !is_finite(&w.k1) {
        return Err(Error::NonFinite {
            context: format!("right-hand side of the ODE at t = {t}"),
        });
    }
    let mut h = match opts.initial_step {
        Some(h0) => h0.min(h_max),
        None => w.initial_step(&mut rhs, t, cap_of(stop), h_max, opts),
    };
    let mut fac_old: f64 = 1e-4;
    let mut last_rejected = false;
    let mut attempts = 0usize;
    let mut last_err = f64::NAN;

    loop {
        if attempts >= opts.max_steps {
            return Err(Error::NoConvergence {
                solver: METHOD.into(),
                steps: attempts,
                residual: last_err,
            });
        }
        let seg_end = stops[stop];
        let t_cap = cap_of(stop);
        h = h.min(h_max);
        let hits = seg_end - t <= (1.01 * h).min(h_max);
        let (h_step, t_new) = if hits {
            (seg_end - t, seg_end)
        } else {
            (h, t + h)
        };
        if h_step <= 8.0 * f64::EPSILON * t.abs().max(seg_end.abs()) && !hits {
            if !last_err.is_finite() && attempts > 0 {
                return Err(Error::NonFinite {
                    context: format!("ODE state near t = {t}"),
                });
            }
            return Err(Error::NoConvergence {
                solver: format!("{METHOD} (step size underflow at t = {t})"),
                steps: attempts,
                residual: last_err,
            });
        }
        attempts += 1;
        let err = w.step(&mut rhs, t, h_step, t_new, t_cap, opts);
        last_err = err;
        if !err.is_finite() {
            // Overflow or NaN: retry with a much smaller step; persistent failure ends in the
            // underflow check above.
            stats.rejected += 1;
            last_rejected = true;
            h = h_step / GROW_MAX;
            continue;
        }
        let fac11 = err.powf(EXPO1);
        if err <= 1.0 {
            stats.steps += 1;
            let mut fac = fac11 / fac_old.powf(BETA);
            fac = (fac / SAFETY).clamp(1.0 / GROW_MAX, SHRINK_MAX);
            let mut h_next = h_step / fac;
            if last_rejected {
                h_next = h_next.min(h_step);
            }
            fac_old = err.max(1e-4);
            last_rejected = false;
            // Requested times inside this step.
            while next < times.len() && times[next] <= t_new {
                let tr = times[next];
                if tr == t_new {
                    observe(next, tr, w.y_new.as_ref())?;
                } else {
                    w.interpolate((tr - t) / h_step, h_step);
                    observe(next, tr, w.y_stage.as_ref())?;
                }
                next += 1;
            }
            std::mem::swap(&mut w.y, &mut w.y_new);
            t = t_new;
            if hits {
                if next == times.len() {
                    break;
                }
                // A breakpoint: restart with the right-hand side's value after it, keeping
                // the step size the controller proposed before the step was shortened.
                stop += 1;
                w.eval_k1(&mut rhs, t);
                if !is_finite(&w.k1) {
                    return Err(Error::NonFinite {
                        context: format!("right-hand side of the ODE at t = {t}"),
                    });
                }
                h = h_next.max(h);
            } else {
                // First same as last: k1 of the next step is k7 of this one.
                std::mem::swap(&mut w.k1, &mut w.k2);
                h = h_next;
            }
        } else {
            stats.rejected += 1;
            last_rejected = true;
            h = h_step / (fac11 / SAFETY).min(SHRINK_MAX);
        }
    }
    stats.rhs_evals = w.rhs_evals;
    Ok(stats)
}

/// Checks that `times` is non-empty, finite and non-decreasing.
pub(crate) fn validate_times(times: &[f64]) -> Result<()> {
    if times.is_empty() {
        return Err(Error::invalid("times", "[]", "non-empty"));
    }
    if let Some(t) = times.iter().find(|t| !t.is_finite()) {
        return Err(Error::invalid("times", t, "finite"));
    }
    if let Some(k) = (1..times.len()).find(|&k| times[k] < times[k - 1]) {
        return Err(Error::invalid(
            format!("times[{k}]"),
            times[k],
            format!("≥ times[{}] = {}", k - 1, times[k - 1]),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    /// Integrates y' = λ y for a 3×2 state and returns the largest error relative to max |y|.
    fn linear_error(lambda: c64, rtol: f64, atol: f64, times: &[f64]) -> (f64, SolverStats) {
        let y0 = Mat::<c64>::from_fn(3, 2, |i, j| c(1.0 + i as f64, 0.5 * j as f64 - 0.3));
        let mut worst: f64 = 0.0;
        let stats = integrate(
            |_, y, mut dy| {
                for j in 0..y.ncols() {
                    for i in 0..y.nrows() {
                        dy[(i, j)] = lambda * y[(i, j)];
                    }
                }
            },
            y0.as_ref(),
            times,
            &[],
            &OdeOptions::with_tolerances(rtol, atol),
            |_, t, y| {
                let g = (lambda * t).exp();
                for j in 0..2 {
                    for i in 0..3 {
                        let exact = y0[(i, j)] * g;
                        worst =
                            worst.max((y[(i, j)] - exact).norm() / (y0[(i, j)].norm() * g.norm()));
                    }
                }
                Ok(())
            },
        )
        .unwrap();
        (worst, stats)
    }

    #[test]
    fn linear_global_error_scales_with_tolerance() {
        let lambda = c(-0.2, 3.0);
        let times: Vec<f64> = (0..=40).map(|k| 0.25 * k as f64).collect();
        let mut errs = Vec::new();
        for &tol in &[1e-4, 1e-6, 1e-8, 1e-10] {
            let (err, stats) = linear_error(lambda, tol, tol * 1e-3, &times);
            // Global error over ~5 periods stays within a modest multiple of the tolerance.
            assert!(err < 10.0 * tol, "tol {tol}: error {err}");
            assert!(
                err > 1e-3 * tol,
                "tol {tol}: error {err} suspiciously small"
            );
            assert_eq!(stats.rhs_evals, 6 * (stats.steps + stats.rejected) + 2);
            errs.push(err);
        }
        // Proportionality: each factor 100 in tolerance buys a factor ≥ 20 in accuracy.
        for w in errs.windows(2) {
            assert!(w[1] < w[0] / 20.0, "errors {errs:?}");
        }
    }

    #[test]
    fn continuous_extension_is_fourth_order() {
        // One step of y' = λy; the continuous extension's local error is O(h⁵).
        let lambda = c(0.7, 1.3);
        let errs: Vec<f64> = [0.2, 0.1, 0.05]
            .iter()
            .map(|&h| {
                let y0 = Mat::<c64>::from_fn(1, 1, |_, _| c(1.0, 0.0));
                let mut w = Dopri5::new(y0.as_ref());
                let mut f = |_: f64, y: MatRef<'_, c64>, mut dy: MatMut<'_, c64>| {
                    dy[(0, 0)] = lambda * y[(0, 0)]
                };
                w.eval_k1(&mut f, 0.0);
                w.step(&mut f, 0.0, h, h, f64::INFINITY, &OdeOptions::default());
                [0.2, 0.5, 0.8]
                    .iter()
                    .map(|&theta| {
                        w.interpolate(theta, h);
                        (w.y_stage[(0, 0)] - (lambda * theta * h).exp()).norm()
                    })
                    .fold(0.0, f64::max)
            })
            .collect();
        for p in errs.windows(2) {
            let order = (p[0] / p[1]).log2();
            assert!(
                (4.7..5.3).contains(&order),
                "local order {order}, errors {errs:?}"
            );
        }
    }

    #[test]
    fn dense_output_between_large_steps() {
        // Slowly decaying oscillation with outputs much denser than the steps.
        let lambda = c(-0.05, 1.0);
        let times: Vec<f64> = (0..=2000).map(|k| 0.01 * k as f64).collect();
        let (err, stats) = linear_error(lambda, 1e-8, 1e-11, &times);
        assert!(stats.steps < 400, "{stats:?}");
        assert!(err < 6e-8, "dense output error {err}");
    }

    #[test]
    fn harmonic_oscillator_energy() {
        let omega = 2.0;
        let y0 = Mat::<c64>::from_fn(2, 1, |i, _| c(if i == 0 { 1.0 } else { 0.0 }, 0.0));
        let times: Vec<f64> = (0..=100).map(|k| k as f64).collect();
        let mut worst_e: f64 = 0.0;
        let mut worst_x: f64 = 0.0;
        integrate(
            |_, y, mut dy| {
                dy[(0, 0)] = y[(1, 0)];
                dy[(1, 0)] = -omega * omega * y[(0, 0)];
            },
            y0.as_ref(),
            &times,
            &[],
            &OdeOptions::with_tolerances(1e-10, 1e-12),
            |_, t, y| {
                let (x, p) = (y[(0, 0)], y[(1, 0)]);
                let e = 0.5 * (p.norm_sqr() + omega * omega * x.norm_sqr());
                worst_e = worst_e.max((e - 0.5 * omega * omega).abs() / (0.5 * omega * omega));
                worst_x = worst_x.max((x - c((omega * t).cos(), 0.0)).norm());
                Ok(())
            },
        )
        .unwrap();
        assert!(worst_e < 2e-8, "energy drift {worst_e}");
        assert!(worst_x < 2e-8, "position error {worst_x}");
    }

    /// y' = a(t) y with a jumping at t = 1.3; exact solution piecewise exponential.
    fn jump_run(breakpoints: &[f64]) -> (f64, SolverStats) {
        let (t_b, a0, a1) = (1.3, c(-1.0, 2.0), c(0.5, -4.0));
        let a = move |t: f64| if t < t_b { a0 } else { a1 };
        let exact = move |t: f64| {
            if t < t_b {
                (a0 * t).exp()
            } else {
                (a0 * t_b).exp() * (a1 * (t - t_b)).exp()
            }
        };
        let y0 = Mat::<c64>::from_fn(1, 1, |_, _| c(1.0, 0.0));
        let times = [0.0, 0.7, 1.3, 2.0, 3.0];
        let mut worst: f64 = 0.0;
        let stats = integrate(
            |t, y, mut dy| dy[(0, 0)] = a(t) * y[(0, 0)],
            y0.as_ref(),
            &times,
            breakpoints,
            &OdeOptions::with_tolerances(1e-10, 1e-12),
            |_, t, y| {
                worst = worst.max((y[(0, 0)] - exact(t)).norm() / exact(t).norm());
                Ok(())
            },
        )
        .unwrap();
        (worst, stats)
    }

    #[test]
    fn breakpoint_handles_discontinuous_rhs() {
        let (err, stats) = jump_run(&[1.3, -5.0, 17.0]);
        assert!(err < 1e-8, "error {err}");
        // Landing on the jump with left-limit stages costs no rejections there.
        assert!(stats.rejected <= 1, "{stats:?}");
        // Without the breakpoint the controller has to grope for the jump.
        let (err_blind, blind) = jump_run(&[]);
        assert!(err_blind < 1e-6, "error {err_blind}");
        assert!(
            blind.rejected > stats.rejected + 2,
            "blind {blind:?} vs {stats:?}"
        );
    }

    #[test]
    fn invalid_input_is_rejected() {
        let y0 = Mat::<c64>::zeros(1, 1);
        let f = |_: f64, _: MatRef<'_, c64>, mut dy: MatMut<'_, c64>| dy[(0, 0)] = c(1.0, 0.0);
        let ok = |_: usize, _: f64, _: MatRef<'_, c64>| Ok(());
        let run = |times: &[f64], bps: &[f64], o: &OdeOptions| {
            integrate(f, y0.as_ref(), times, bps, o, ok)
        };
        let name = |e: Error| match e {
            Error::InvalidParameter { name, .. } => name,
            other => panic!("unexpected {other:?}"),
        };
        let d = OdeOptions::default();
        assert_eq!(
            name(
                run(
                    &[0.0, 1.0],
                    &[],
                    &OdeOptions {
                        rtol: 0.0,
                        ..d.clone()
                    }
                )
                .unwrap_err()
            ),
            "rtol"
        );
        assert_eq!(
            name(
                run(
                    &[0.0, 1.0],
                    &[],
                    &OdeOptions {
                        atol: -1.0,
                        ..d.clone()
                    }
                )
                .unwrap_err()
            ),
            "atol"
        );
        assert_eq!(
            name(
                run(
                    &[0.0, 1.0],
                    &[],
                    &OdeOptions {
                        max_steps: 0,
                        ..d.clone()
                    }
                )
                .unwrap_err()
            ),
            "max_steps"
        );
        assert_eq!(
            name(
                run(
                    &[0.0, 1.0],
                    &[],
                    &OdeOptions {
                        initial_step: Some(f64::NAN),
                        ..d.clone()
                    }
                )
                .unwrap_err()
            ),
            "initial_step"
        );
        assert_eq!(
            name(
                run(
                    &[0.0, 1.0],
                    &[],
                    &OdeOptions {
                        max_step: Some(0.0),
                        ..d.clone()
                    }
                )
                .unwrap_err()
            ),
            "max_step"
        );
        assert_eq!(name(run(&[], &[], &d).unwrap_err()), "times");
        assert_eq!(
            name(run(&[0.0, f64::INFINITY], &[], &d).unwrap_err()),
            "times"
        );
        assert_eq!(
            name(run(&[0.0, 2.0, 1.0], &[], &d).unwrap_err()),
            "times[2]"
        );
        assert_eq!(
            name(run(&[0.0, 1.0], &[f64::NAN], &d).unwrap_err()),
            "breakpoints"
        );
        // Repeated times are fine; y' = 1 is integrated exactly.
        let mut seen = Vec::new();
        integrate(
            f,
            y0.as_ref(),
            &[0.0, 0.0, 0.5, 0.5, 2.0],
            &[],
            &d,
            |i, t, y| {
                seen.push((i, t, y[(0, 0)].re));
                Ok(())
            },
        )
        .unwrap();
        let idx: Vec<usize> = seen.iter().map(|s| s.0).collect();
        assert_eq!(idx, vec![0, 1, 2, 3, 4]);
        for (_, t, y) in seen {
            assert!((y - t).abs() < 1e-12);
        }
    }

    #[test]
    fn failures_are_reported() {
        let y0 = Mat::<c64>::from_fn(1, 1, |_, _| c(1.0, 0.0));
        let ok = |_: usize, _: f64, _: MatRef<'_, c64>| Ok(());
        let decay = |_: f64, y: MatRef<'_, c64>, mut dy: MatMut<'_, c64>| dy[(0, 0)] = -y[(0, 0)];
        let few = OdeOptions {
            max_steps: 3,
            ..OdeOptions::default()
        };
        assert!(matches!(
            integrate(decay, y0.as_ref(), &[0.0, 100.0], &[], &few, ok),
            Err(Error::NoConvergence { steps: 3, .. })
        ));
        // A right-hand side that blows up at t = 0.5.
        let blow = |t: f64, _: MatRef<'_, c64>, mut dy: MatMut<'_, c64>| {
            dy[(0, 0)] = if t > 0.5 {
                c(f64::NAN, 0.0)
            } else {
                c(1.0, 0.0)
            };
        };
        let e = integrate(
            blow,
            y0.as_ref(),
            &[0.0, 1.0],
            &[],
            &OdeOptions::default(),
            ok,
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::NonFinite { .. } | Error::NoConvergence { .. }),
            "{e:?}"
        );
        let nan0 = Mat::<c64>::from_fn(1, 1, |_, _| c(f64::NAN, 0.0));
        assert!(matches!(
            integrate(
                decay,
                nan0.as_ref(),
                &[0.0, 1.0],
                &[],
                &OdeOptions::default(),
                ok
            ),
            Err(Error::NonFinite { .. })
        ));
        // An observer's error stops the run and comes back unchanged.
        let stop = |i: usize, _: f64, _: MatRef<'_, c64>| {
            if i == 2 {
                Err(Error::invalid("observer", i, "< 2"))
            } else {
                Ok(())
            }
        };
        let e = integrate(
            decay,
            y0.as_ref(),
            &[0.0, 1.0, 2.0, 3.0],
            &[],
            &OdeOptions::default(),
            stop,
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { ref name, .. } if name == "observer"),
            "{e:?}"
        );
    }
}
