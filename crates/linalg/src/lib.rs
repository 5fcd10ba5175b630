//! Linear algebra for qbattery: a thin layer over [faer] with the few pieces faer
//! lacks. Dense matrices are `faer::Mat<c64>`; sparse operators are [`CsrMatrix`].
//! Nothing physical lives here: no spins, no photons, only matrices.

#![forbid(unsafe_code)]

pub mod eigh;
pub mod expm;
pub mod kron;
pub mod krylov;
pub mod partial;
pub mod sparse;

pub use faer::{c64, Mat, MatMut, MatRef};

/// The entries of `m` in row-major (C) order, as NumPy stores a 2-D array.
pub fn row_major<T: Copy>(m: MatRef<'_, T>) -> Vec<T> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}

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
    /// An input (or a result, after overflow) holds NaN or an infinity.
    #[error("non-finite value (NaN or infinity) in {context}")]
    NonFinite {
        /// The operation and the offending quantity.
        context: &'static str,
    },
    /// A matrix that must be Hermitian is not, beyond rounding.
    #[error("{context}: matrix is not Hermitian (max |H - H^dagger| = {error:.3e})")]
    NotHermitian {
        /// The operation.
        context: &'static str,
        /// The largest entry of |H − H†|.
        error: f64,
    },
    /// A parameter lies outside its allowed range.
    #[error("invalid parameter {name} = {value}: must be {allowed}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
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

/// Checks that `a` is square with finite entries; returns its dimension.
pub(crate) fn check_square_finite(
    a: MatRef<'_, c64>,
    context: &'static str,
) -> Result<usize, LinalgError> {
    if a.nrows() != a.ncols() {
        return Err(LinalgError::DimensionMismatch {
            context,
            expected: a.nrows(),
            found: a.ncols(),
        });
    }
    if !a.is_all_finite() {
        return Err(LinalgError::NonFinite { context });
    }
    Ok(a.nrows())
}
