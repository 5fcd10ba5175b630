//! One bounded quasi-Newton search (L-BFGS-B: box constraints, projected search,
//! limited-memory BFGS model), through the pure-Rust `rcompat-lbfgsb` crate behind our
//! [`Objective`] trait so that the backend can be swapped.

use std::cell::RefCell;

use rcompat_lbfgsb::{
    optim_lbfgsb_with_gradient_observed, ArithmeticProfile, OptimControl, OptimEvent,
    TerminationReason,
};

use super::{Bounds, Minimum, Objective, StopReason};
use crate::{Error, Result};

/// Settings of one search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Maximum accepted iterations (≥ 1).
    pub max_iter: usize,
    /// Stop when the relative reduction of f falls below `factr`·ε_machine (SciPy's
    /// default 1e7 ≈ 2.2e-9 relative).
    pub factr: f64,
    /// Stop when the projected gradient's infinity norm falls below this (≥ 0).
    pub pgtol: f64,
    /// Correction pairs kept by the limited-memory model (≥ 1).
    pub memory: usize,
}

impl Default for Options {
    /// SciPy's L-BFGS-B defaults: maxiter 15000 (here 500), factr 1e7, pgtol 1e-5, m = 10.
    fn default() -> Self {
        Self {
            max_iter: 500,
            factr: 1e7,
            pgtol: 1e-5,
            memory: 10,
        }
    }
}

impl Options {
    /// Checks the ranges, naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.max_iter == 0 {
            return Err(Error::invalid("max_iter", self.max_iter, "≥ 1"));
        }
        if !(self.factr.is_finite() && self.factr >= 0.0) {
            return Err(Error::invalid("factr", self.factr, "finite and ≥ 0"));
        }
        if !(self.pgtol.is_finite() && self.pgtol >= 0.0) {
            return Err(Error::invalid("pgtol", self.pgtol, "finite and ≥ 0"));
        }
        if self.memory == 0 {
            return Err(Error::invalid("memory", self.memory, "≥ 1"));
        }
        Ok(())
    }
}

/// The last evaluation, shared by the value and gradient callbacks, and the best point.
struct Cache {
    x: Vec<f64>,
    value: f64,
    grad: Vec<f64>,
    best: Option<(Vec<f64>, f64, Vec<f64>)>,
    evaluations: usize,
    error: Option<Error>,
}

impl Cache {
    fn eval<O: Objective + ?Sized>(&mut self, f: &O, x: &[f64]) {
        if self.evaluations > 0 && self.x == x {
            return;
        }
        self.x = x.to_vec();
        self.evaluations += 1;
        let mut g = vec![0.0; x.len()];
        match f.value_and_gradient(x, &mut g) {
            Ok(v) if v.is_finite() && g.iter().all(|gi| gi.is_finite()) => {
                self.value = v;
                if self.best.as_ref().is_none_or(|(_, bv, _)| v < *bv) {
                    self.best = Some((x.to_vec(), v, g.clone()));
                }
                self.grad = g;
            }
            Ok(_) => {
                self.fail(Error::NonFinite {
                    context: "objective value or gradient".into(),
                });
            }
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, e: Error) {
        self.value = f64::NAN;
        self.grad.iter_mut().for_each(|g| *g = f64::NAN);
        self.error.get_or_insert(e);
    }
}

/// Minimizes `f` in `bounds` from `start` (projected into the box).
///
/// Fails only on invalid input (dimensions, options); a failing objective or a search
/// that does not converge is reported in [`Minimum::stop`], with the best point seen.
pub fn minimize<O: Objective + ?Sized>(
    f: &O,
    bounds: &Bounds,
    start: &[f64],
    options: &Options,
) -> Result<Minimum> {
    options.validate()?;
    let n = f.dim();
    for (name, len) in [("start", start.len()), ("bounds", bounds.dim())] {
        if len != n {
            return Err(Error::DimensionMismatch {
                context: name.into(),
                expected: n,
                found: len,
            });
        }
    }
    let start = bounds.project(start);
    let cache = RefCell::new(Cache {
        x: Vec::new(),
        value: f64::NAN,
        grad: vec![0.0; n],
        best: None,
        evaluations: 0,
        error: None,
    });
    let mut control = OptimControl::default_for_dimension(n);
    control.maxit = options.max_iter;
    control.factr = options.factr;
    control.pgtol = options.pgtol;
    control.lmm = options.memory;
    let lib_bounds = rcompat_lbfgsb::Bounds::new(bounds.lower.clone(), bounds.upper.clone())
        .map_err(|e| Error::invalid("bounds", format!("{e}"), "accepted by L-BFGS-B"))?;
    let mut history = Vec::new();
    let mut reason = None;
    let outcome = optim_lbfgsb_with_gradient_observed(
        start.clone(),
        lib_bounds,
        |x| {
            let mut c = cache.borrow_mut();
            c.eval(f, x);
            c.value
        },
        |x| {
            let mut c = cache.borrow_mut();
            c.eval(f, x);
            c.grad.clone()
        },
        control,
        ArithmeticProfile::X86OpenBlas,
        |event| match event {
            OptimEvent::Started { value, .. } => history.push(value),
            OptimEvent::Accepted { value, .. } => history.push(value),
            OptimEvent::Finished { reason: r, .. } => reason = Some(r),
            _ => {}
        },
    );
    let cache = cache.into_inner();
    let stop = match (&outcome, cache.error) {
        (_, Some(e)) => StopReason::ObjectiveFailed {
            message: e.to_string(),
        },
        (Err(e), None) => StopReason::ObjectiveFailed {
            message: e.to_string(),
        },
        (Ok(_), None) => match reason {
            Some(TerminationReason::ProjectedGradient) | Some(TerminationReason::NothingToDo) => {
                StopReason::ProjectedGradient
            }
            Some(TerminationReason::RelativeReduction) => StopReason::RelativeReduction,
            Some(TerminationReason::IterationLimit) => StopReason::IterationLimit,
            Some(TerminationReason::AbnormalLineSearch) => StopReason::LineSearchFailed,
            Some(TerminationReason::NoDescentDirection) | None => StopReason::NoDescentDirection,
        },
    };
    let iterations = history.len().saturating_sub(1);
    let (x, value, grad) = match cache.best {
        Some(best) => best,
        None => (start.clone(), f64::NAN, vec![f64::NAN; n]),
    };
    let projected_gradient = bounds.projected_gradient_norm(&x, &grad);
    Ok(Minimum {
        start,
        x,
        value,
        projected_gradient,
        iterations,
        evaluations: cache.evaluations,
        history,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rosenbrock function (1 − x)² + 100 (y − x²)².
    struct Rosenbrock;
    impl Objective for Rosenbrock {
        fn dim(&self) -> usize {
            2
        }
        fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> Result<f64> {
            let (a, b) = (1.0 - x[0], x[1] - x[0] * x[0]);
            g[0] = -2.0 * a - 400.0 * x[0] * b;
            g[1] = 200.0 * b;
            Ok(a * a + 100.0 * b * b)
        }
    }

    #[test]
    fn rosenbrock_unconstrained_and_bounded() {
        let opts = Options {
            pgtol: 1e-10,
            factr: 10.0,
            ..Options::default()
        };
        let free = Bounds::new(vec![-5.0, -5.0], vec![5.0, 5.0]).unwrap();
        let m = minimize(&Rosenbrock, &free, &[-1.2, 1.0], &opts).unwrap();
        assert!(m.stop.converged(), "{:?}", m.stop);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{:?}",
            m.x
        );
        assert!(m.history.windows(2).all(|w| w[1] <= w[0]));
        // With x ≤ 0.5 the minimum sits on the bound: x = 0.5, y = 0.25 (f = 0.25), where
        // ∂f/∂x = −1 < 0 pushes against the bound and ∂f/∂y = 0.
        let boxed = Bounds::new(vec![-5.0, -5.0], vec![0.5, 5.0]).unwrap();
        let m = minimize(&Rosenbrock, &boxed, &[-1.2, 1.0], &opts).unwrap();
        assert!(
            (m.x[0] - 0.5).abs() < 1e-9 && (m.x[1] - 0.25).abs() < 1e-6,
            "{:?}",
            m.x
        );
        assert!((m.value - 0.25).abs() < 1e-9);
        assert!(m.projected_gradient < 1e-6);
    }

    struct Failing;
    impl Objective for Failing {
        fn dim(&self) -> usize {
            1
        }
        fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> Result<f64> {
            if x[0] < 0.5 {
                return Err(Error::invalid("x", x[0], "≥ 0.5"));
            }
            g[0] = 1.0;
            Ok(x[0])
        }
    }

    #[test]
    fn objective_failure_is_reported_not_hidden() {
        let b = Bounds::new(vec![0.0], vec![1.0]).unwrap();
        let m = minimize(&Failing, &b, &[0.9], &Options::default()).unwrap();
        assert!(
            matches!(m.stop, StopReason::ObjectiveFailed { .. }),
            "{:?}",
            m.stop
        );
        assert!(m.x[0] >= 0.5 && m.value.is_finite());
        assert!(minimize(&Failing, &b, &[0.9, 1.0], &Options::default()).is_err());
        let bad = Options {
            memory: 0,
            ..Options::default()
        };
        assert!(minimize(&Failing, &b, &[0.9], &bad)
            .unwrap_err()
            .to_string()
            .contains("memory"));
        assert!(Bounds::new(vec![1.0], vec![0.0]).is_err());
    }
}
