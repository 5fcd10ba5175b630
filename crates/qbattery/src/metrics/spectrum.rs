//! Input checks and Hermitian spectra shared by the metrics (private to `metrics`).
//!
//! Every metric validates its matrices here, so that bad input gives an [`Error`]
//! naming the argument instead of a panic or a silent NaN.

use crate::{c64, Error, Mat, MatRef, Result};

/// Hermiticity tolerance: `max |m_ij − conj(m_ji)| ≤ HERMITIAN_TOL · max(1, max |m_ij|)`.
pub(super) const HERMITIAN_TOL: f64 = 1e-8;

/// Density-matrix tolerance: `|Tr ρ − 1| ≤ DENSITY_TOL` and every eigenvalue `≥ −DENSITY_TOL`.
/// Eigenvalues in `[−DENSITY_TOL, 0)` are round-off or integrator error and are clamped to 0.
pub(crate) const DENSITY_TOL: f64 = 1e-6;

/// Checks that `m` is square, finite and Hermitian (within [`HERMITIAN_TOL`]).
pub(super) fn check_hermitian(m: MatRef<c64>, name: &str) -> Result<()> {
    if m.nrows() != m.ncols() {
        return Err(Error::DimensionMismatch {
            context: format!("{name} must be square (expected columns = rows)"),
            expected: m.nrows(),
            found: m.ncols(),
        });
    }
    let mut scale = 1.0f64;
    let mut dev = 0.0f64;
    for j in 0..m.ncols() {
        for i in j..m.nrows() {
            let (a, b) = (m[(i, j)], m[(j, i)]);
            if !(a.re.is_finite() && a.im.is_finite() && b.re.is_finite() && b.im.is_finite()) {
                return Err(Error::NonFinite {
                    context: format!("{name}[({i}, {j})]"),
                });
            }
            scale = scale.max(a.norm());
            dev = dev.max((a - b.conj()).norm());
        }
    }
    if dev > HERMITIAN_TOL * scale {
        return Err(Error::invalid(
            name,
            format!("a matrix with max |m − m†| = {dev:.3e}"),
            format!("Hermitian (to {HERMITIAN_TOL:.0e} relative)"),
        ));
    }
    Ok(())
}

/// Checks that `a` and `b` have the same size.
pub(super) fn check_same_dim(a: MatRef<c64>, b: MatRef<c64>, context: &str) -> Result<()> {
    if a.nrows() != b.nrows() {
        return Err(Error::DimensionMismatch {
            context: context.to_string(),
            expected: a.nrows(),
            found: b.nrows(),
        });
    }
    Ok(())
}

/// Checks [`check_hermitian`] and `|Tr ρ − 1| ≤ DENSITY_TOL`.
pub(super) fn check_density(rho: MatRef<c64>, name: &str) -> Result<()> {
    check_hermitian(rho, name)?;
    let tr: f64 = (0..rho.nrows()).map(|i| rho[(i, i)].re).sum();
    if (tr - 1.0).abs() > DENSITY_TOL {
        return Err(Error::invalid(
            format!("Tr {name}"),
            tr,
            format!("1 (to {DENSITY_TOL:.0e}): a normalised density matrix"),
        ));
    }
    Ok(())
}

/// Eigenvalues (ascending) of the Hermitian `m`, after [`check_hermitian`].
/// Only the lower triangle is read by the decomposition.
pub(crate) fn hermitian_eigenvalues(m: MatRef<c64>, name: &str) -> Result<Vec<f64>> {
    check_hermitian(m, name)?;
    m.self_adjoint_eigenvalues(faer::Side::Lower)
        .map_err(|e| Error::LinearAlgebra {
            context: format!("eigenvalues of {name}"),
            detail: format!("{e:?}"),
        })
}

/// Eigenvalues (ascending) and eigenvectors (columns) of the Hermitian `m`.
pub(super) fn hermitian_eigen(m: MatRef<c64>, name: &str) -> Result<(Vec<f64>, Mat<c64>)> {
    check_hermitian(m, name)?;
    let evd = m
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| Error::LinearAlgebra {
            context: format!("eigen-decomposition of {name}"),
            detail: format!("{e:?}"),
        })?;
    let values = (0..m.nrows()).map(|k| evd.S()[k].re).collect();
    Ok((values, evd.U().to_owned()))
}

/// The spectrum (ascending, every value in `[0, 1]`) of the density matrix `rho`, after
/// [`check_density`]; eigenvalues in `[−DENSITY_TOL, 0)` are clamped to 0, more negative
/// ones are an error (the matrix is not positive semidefinite).
pub(super) fn density_spectrum(rho: MatRef<c64>, name: &str) -> Result<Vec<f64>> {
    check_density(rho, name)?;
    let mut eig = hermitian_eigenvalues(rho, name)?;
    if let Some(&lowest) = eig.first() {
        if lowest < -DENSITY_TOL {
            return Err(Error::invalid(
                format!("smallest eigenvalue of {name}"),
                lowest,
                format!("≥ −{DENSITY_TOL:.0e}: a positive semidefinite density matrix"),
            ));
        }
    }
    for x in &mut eig {
        *x = x.clamp(0.0, 1.0);
    }
    Ok(eig)
}

/// Test helpers: random density matrices from raw numbers.
#[cfg(test)]
pub(crate) mod testing {
    use crate::{c64, Mat};

    /// `G G† / Tr(G G†)` with `G` a `d × rank` matrix read from `raw` (at least `2 d rank` numbers).
    pub(crate) fn density_from_raw(d: usize, rank: usize, raw: &[f64]) -> Mat<c64> {
        let g = Mat::from_fn(d, rank, |i, j| {
            c64::new(raw[2 * (i * rank + j)], raw[2 * (i * rank + j) + 1])
        });
        let rho = &g * g.adjoint();
        let tr: f64 = (0..d).map(|i| rho[(i, i)].re).sum();
        Mat::from_fn(d, d, |i, j| rho[(i, j)] / tr)
    }

    /// The projector `|ψ⟩⟨ψ|` of the normalised `psi`.
    pub(crate) fn projector(psi: &[c64]) -> Mat<c64> {
        let n2: f64 = psi.iter().map(|z| z.norm_sqr()).sum();
        Mat::from_fn(psi.len(), psi.len(), |i, j| psi[i] * psi[j].conj() / n2)
    }

    /// A diagonal matrix.
    pub(crate) fn diag(values: &[f64]) -> Mat<c64> {
        Mat::from_fn(values.len(), values.len(), |i, j| {
            c64::new(if i == j { values[i] } else { 0.0 }, 0.0)
        })
    }
}
