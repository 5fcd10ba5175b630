//! Optimisers: a bounded quasi-Newton method (L-BFGS-B semantics) over any objective with
//! a gradient, and seeded multi-start with a coarse grid start.
//!
//! Problem, solver and driver are separate: a model provides an [`Objective`] (value and
//! gradient, both in user units), [`lbfgsb::minimize`] runs one bounded search from one
//! start, and [`multistart::run`] runs many starts and reports which converged where and
//! why each one stopped ([`StopReason`]). [`control`] makes an [`Objective`] of a
//! problem's drive: piecewise-constant protocols with exact (adjoint) gradients.

pub mod control;
pub mod lbfgsb;
pub mod multistart;

use crate::{Error, Result};

/// A function to minimize, with its gradient.
///
/// `value_and_gradient` must return f(x) and write ∇f(x) into `grad` (same length as
/// `x`). Errors (invalid input, a failed simulation) stop the search that asked and are
/// reported in its [`Minimum`].
pub trait Objective {
    /// The number of parameters.
    fn dim(&self) -> usize;

    /// f(x), with ∇f(x) written into `grad`.
    fn value_and_gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<f64>;

    /// f(x) alone; the default computes and drops the gradient.
    fn value(&self, x: &[f64]) -> Result<f64> {
        let mut g = vec![0.0; x.len()];
        self.value_and_gradient(x, &mut g)
    }
}

/// A box lower ≤ x ≤ upper (finite bounds, lower ≤ upper componentwise).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bounds {
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds.
    pub upper: Vec<f64>,
}

impl Bounds {
    /// The box [lower, upper]; fails, naming the coordinate, on unequal lengths, non-finite
    /// bounds or lower > upper.
    pub fn new(lower: Vec<f64>, upper: Vec<f64>) -> Result<Self> {
        if lower.len() != upper.len() {
            return Err(Error::DimensionMismatch {
                context: "bounds (upper vs lower)".into(),
                expected: lower.len(),
                found: upper.len(),
            });
        }
        for (i, (&l, &u)) in lower.iter().zip(&upper).enumerate() {
            if !(l.is_finite() && u.is_finite() && l <= u) {
                return Err(Error::invalid(
                    format!("bounds[{i}]"),
                    format!("[{l}, {u}]"),
                    "finite with lower ≤ upper",
                ));
            }
        }
        Ok(Self { lower, upper })
    }

    /// The number of coordinates.
    pub fn dim(&self) -> usize {
        self.lower.len()
    }

    /// `x` projected into the box.
    pub fn project(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(self.lower.iter().zip(&self.upper))
            .map(|(&v, (&l, &u))| v.clamp(l, u))
            .collect()
    }

    /// The infinity norm of the projected gradient: max_i |P(x − g) − x|_i.
    pub fn projected_gradient_norm(&self, x: &[f64], g: &[f64]) -> f64 {
        x.iter()
            .zip(g)
            .zip(self.lower.iter().zip(&self.upper))
            .map(|((&xi, &gi), (&l, &u))| ((xi - gi).clamp(l, u) - xi).abs())
            .fold(0.0, f64::max)
    }
}

/// Why a search stopped.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopReason {
    /// The projected gradient fell below the tolerance (converged).
    ProjectedGradient,
    /// The relative reduction of f fell below its tolerance (converged).
    RelativeReduction,
    /// The iteration budget ran out (not converged).
    IterationLimit,
    /// The line search could not accept a step (often: gradient and value disagree, or
    /// the minimum is resolved to rounding).
    LineSearchFailed,
    /// No descent direction was found.
    NoDescentDirection,
    /// The objective failed or returned a non-finite value.
    ObjectiveFailed {
        /// The objective's error.
        message: String,
    },
}

impl StopReason {
    /// Whether the reason counts as convergence.
    pub fn converged(&self) -> bool {
        matches!(
            self,
            StopReason::ProjectedGradient | StopReason::RelativeReduction
        )
    }
}

/// The outcome of one bounded search.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Minimum {
    /// The start (projected into the box).
    pub start: Vec<f64>,
    /// The best point found.
    pub x: Vec<f64>,
    /// f at `x`.
    pub value: f64,
    /// Infinity norm of the projected gradient at `x`.
    pub projected_gradient: f64,
    /// Accepted iterations.
    pub iterations: usize,
    /// Objective evaluations (value and gradient together).
    pub evaluations: usize,
    /// f after each accepted iteration, starting with f(start).
    pub history: Vec<f64>,
    /// Why the search stopped.
    pub stop: StopReason,
}
