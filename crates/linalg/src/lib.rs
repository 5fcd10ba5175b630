//! Linear algebra for qbattery: a thin layer over [faer] with the few pieces faer
//! lacks. Dense matrices are `faer::Mat<c64>`; sparse operators are [`CsrMatrix`].
//! Nothing physical lives here: no spins, no photons, only matrices.

pub mod eigh;
pub mod expm;
pub mod kron;
pub mod krylov;
pub mod partial;
pub mod sparse;

pub use faer::{c64, Mat, MatMut, MatRef};

/// Errors of the linear-algebra layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LinalgError {
    /// Shapes that must agree do not.
    #[error("dimension mismatch in {context}: expected {expected}, found {found}")]
    DimensionMismatch {
        /// The operation.
        context: &'static str,
        /// Required dimension.
        expected: usize,
        /// Given dimension.
        found: usize,
    },
    /// faer reported a failed decomposition.
    #[error("decomposition failed in {context}: {detail}")]
    Decomposition {
        /// The operation.
        context: &'static str,
        /// faer's message.
        detail: String,
    },
    /// An iterative method did not reach its tolerance.
    #[error("{context} did not converge after {steps} steps (residual {residual:.3e})")]
    NoConvergence {
        /// The method.
        context: &'static str,
        /// Steps taken.
        steps: usize,
        /// Last residual.
        residual: f64,
    },
}
