//! The library's error and warning types.
//!
//! Errors stop a computation and carry the offending input. Warnings travel inside
//! results: numerical trouble (a truncation that is too small, a degenerate steady
//! state, a drifting trace) is reported there, never hidden.

use std::fmt;

/// Everything that can go wrong in the library.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter outside its allowed range, e.g. a negative thermal occupation.
    #[error("{name} = {value} is not allowed: must be {allowed}")]
    InvalidParameter {
        /// The parameter's name, as the user wrote it where possible.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// What would be allowed, e.g. "≥ 0".
        allowed: String,
    },
    /// Two objects whose dimensions must agree do not.
    #[error("dimension mismatch in {context}: expected {expected}, found {found}")]
    DimensionMismatch {
        /// Where the mismatch was found.
        context: String,
        /// The dimension that was required.
        expected: usize,
        /// The dimension that was given.
        found: usize,
    },
    /// An iterative method did not converge.
    #[error("{solver} did not converge after {steps} steps (residual {residual:.3e})")]
    NoConvergence {
        /// The method's name.
        solver: String,
        /// Steps or iterations taken.
        steps: usize,
        /// The last residual or error estimate.
        residual: f64,
    },
    /// A numerical result that is not finite (NaN or infinity).
    #[error("non-finite value in {context}")]
    NonFinite {
        /// Where it appeared.
        context: String,
    },
    /// A run that would need more memory than the limit (the machine's available memory
    /// or a user's cap), refused before anything large is allocated.
    #[error("this run needs about {needed} of memory, more than the {limit} allowed (largest part: {largest}); {suggestion}")]
    TooLarge {
        /// The estimate, formatted.
        needed: String,
        /// The limit, formatted.
        limit: String,
        /// The largest item of the estimate, formatted.
        largest: String,
        /// What to change.
        suggestion: String,
    },
    /// A scenario that can not be read: not TOML, an unknown model, a field of the wrong
    /// type or an unknown key (the message names the field's dotted path).
    #[error("{message}")]
    Scenario {
        /// What is wrong, naming the field.
        message: String,
    },
    /// A decomposition that faer reported as failed.
    #[error("linear algebra failure in {context}: {detail}")]
    LinearAlgebra {
        /// Where it happened.
        context: String,
        /// faer's description.
        detail: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(
        name: impl Into<String>,
        value: impl fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

impl From<qbattery_linalg::LinalgError> for Error {
    fn from(e: qbattery_linalg::LinalgError) -> Self {
        match e {
            qbattery_linalg::LinalgError::DimensionMismatch {
                context,
                expected,
                found,
            } => Error::DimensionMismatch {
                context: context.to_string(),
                expected,
                found,
            },
            qbattery_linalg::LinalgError::Decomposition { context, detail } => {
                Error::LinearAlgebra {
                    context: context.to_string(),
                    detail,
                }
            }
            qbattery_linalg::LinalgError::NoConvergence {
                context,
                steps,
                residual,
            } => Error::NoConvergence {
                solver: context.to_string(),
                steps,
                residual,
            },
            other => Error::LinearAlgebra {
                context: "linear algebra".into(),
                detail: other.to_string(),
            },
        }
    }
}

/// Result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Numerical trouble that does not stop a computation but must be reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// A truncated boson mode holds more than `tolerance` population in its top level(s).
    CutoffPopulation {
        /// The subsystem's name.
        mode: String,
        /// The largest population found in the top level(s) over the run.
        top_population: f64,
        /// The tolerance it exceeded.
        tolerance: f64,
    },
    /// The Liouvillian's null space has dimension > 1: the steady state depends on the initial state.
    DegenerateSteadyState {
        /// Dimension of the null space.
        dim: usize,
    },
    /// The trace of a density matrix drifted from 1 by more than a tolerance.
    TraceDrift {
        /// Largest |Tr ρ − 1| seen.
        drift: f64,
    },
    /// A ground state that is degenerate: the returned state is one of several.
    DegenerateGroundState {
        /// Number of (numerically) degenerate lowest eigenvalues.
        degeneracy: usize,
    },
    /// Free-form diagnostic for situations no variant covers yet.
    Other {
        /// The message.
        message: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::CutoffPopulation { mode, top_population, tolerance } => write!(
                f,
                "truncation of mode '{mode}' is too small: top-level population {top_population:.3e} exceeds {tolerance:.1e}; raise its cutoff"
            ),
            Warning::DegenerateSteadyState { dim } => write!(
                f,
                "the steady state is not unique (null space of dimension {dim}); the result is the steady state reached from the given initial state"
            ),
            Warning::TraceDrift { drift } => write!(f, "trace of ρ drifted by {drift:.3e}; tighten the tolerances"),
            Warning::DegenerateGroundState { degeneracy } => {
                write!(f, "ground state is {degeneracy}-fold degenerate; the returned state is one of them")
            }
            Warning::Other { message } => f.write_str(message),
        }
    }
}
