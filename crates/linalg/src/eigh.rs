//! Hermitian eigen-decomposition with ascending eigenvalues, and the functions of a
//! Hermitian matrix it gives cheaply: `exp(−iHt)` for every `t`, `f(H)` for any `f`.
//!
//! The decomposition is faer's `self_adjoint_eigen`; this module adds input checks and
//! the propagation formulas
//!
//! ```text
//! H = V Λ V†,   exp(−iHt) ψ = V diag(e^{−iλ_k t}) V† ψ,   f(H) = V f(Λ) V†.
//! ```

use faer::{c64, Mat, MatRef, Side};

use crate::{check_square_finite, LinalgError};

/// Largest `max |H − H†|`, relative to `max |H|`, that [`eigh`] accepts as rounding.
pub const HERMITICITY_TOL: f64 = 1e-10;

/// Eigen-decomposition `H = V Λ V†` of a Hermitian matrix.
#[derive(Debug, Clone)]
pub struct HermitianEigen {
    /// Eigenvalues λ_k, in nondecreasing order.
    pub values: Vec<f64>,
    /// Orthonormal eigenvectors: column `k` belongs to `values[k]`.
    pub vectors: Mat<c64>,
}

/// Eigen-decomposition of the Hermitian matrix `h`.
///
/// The Hermitian part `(H + H†)/2` is decomposed, so rounding asymmetry of the input
/// does not matter; an asymmetry larger than [`HERMITICITY_TOL`]` · max|H|` is an error.
///
/// # Errors
/// [`LinalgError::DimensionMismatch`] if `h` is not square, [`LinalgError::NonFinite`]
/// if it holds NaN or infinities, [`LinalgError::NotHermitian`] as above, and
/// [`LinalgError::Decomposition`] if faer's eigensolver fails to converge.
pub fn eigh(h: MatRef<'_, c64>) -> Result<HermitianEigen, LinalgError> {
    const CONTEXT: &str = "eigh";
    let n = check_square_finite(h, CONTEXT)?;
    let error = hermiticity_error(h);
    if error > HERMITICITY_TOL * h.norm_max() {
        return Err(LinalgError::NotHermitian {
            context: CONTEXT,
            error,
        });
    }
    let hermitian_part = Mat::from_fn(n, n, |i, j| (h[(i, j)] + h[(j, i)].conj()) * 0.5);
    let evd = hermitian_part
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| LinalgError::Decomposition {
            context: CONTEXT,
            detail: format!("{e:?}"),
        })?;
    Ok(HermitianEigen {
        values: evd.S().column_vector().iter().map(|l| l.re).collect(),
        vectors: evd.U().to_owned(),
    })
}

/// [`eigh`] of a real symmetric matrix (the real arithmetic is several times faster than
/// the complex one), with the (real) eigenvectors returned as complex ones.
///
/// # Errors
/// As [`eigh`], with the asymmetry `max |H − Hᵀ|` checked against [`HERMITICITY_TOL`].
pub fn eigh_real(h: MatRef<'_, f64>) -> Result<HermitianEigen, LinalgError> {
    const CONTEXT: &str = "eigh_real";
    let n = h.nrows();
    if h.ncols() != n {
        return Err(LinalgError::DimensionMismatch {
            context: CONTEXT,
            expected: n,
            found: h.ncols(),
        });
    }
    let (mut error, mut scale) = (0.0_f64, 0.0_f64);
    for j in 0..n {
        for i in 0..n {
            let v = h[(i, j)];
            if !v.is_finite() {
                return Err(LinalgError::NonFinite { context: CONTEXT });
            }
            scale = scale.max(v.abs());
            error = error.max((v - h[(j, i)]).abs());
        }
    }
    if error > HERMITICITY_TOL * scale {
        return Err(LinalgError::NotHermitian {
            context: CONTEXT,
            error,
        });
    }
    let symmetric = Mat::from_fn(n, n, |i, j| 0.5 * (h[(i, j)] + h[(j, i)]));
    let evd =
        symmetric
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| LinalgError::Decomposition {
                context: CONTEXT,
                detail: format!("{e:?}"),
            })?;
    let u = evd.U();
    Ok(HermitianEigen {
        values: evd.S().column_vector().iter().copied().collect(),
        vectors: Mat::from_fn(n, n, |i, j| c64::new(u[(i, j)], 0.0)),
    })
}

/// Largest entry of `|H − H†|`; zero exactly for a Hermitian matrix.
///
/// # Panics
/// If `h` is not square.
pub fn hermiticity_error(h: MatRef<'_, c64>) -> f64 {
    assert_eq!(
        h.nrows(),
        h.ncols(),
        "hermiticity_error needs a square matrix"
    );
    let n = h.nrows();
    (0..n)
        .flat_map(|j| (0..=j).map(move |i| (i, j)))
        .map(|(i, j)| (h[(i, j)] - h[(j, i)].conj()).norm())
        .fold(0.0, f64::max)
}

impl HermitianEigen {
    /// Dimension of the decomposed matrix.
    pub fn dim(&self) -> usize {
        self.values.len()
    }

    /// `exp(−iHt) ψ` for each column of `psi`, as `V diag(e^{−iλt}) (V† ψ)`: two
    /// products with `V`, the propagator is never formed. `t` in inverse units of `H`
    /// (ħ = 1); it must be finite.
    ///
    /// # Panics
    /// If `psi.nrows()` differs from [`Self::dim`].
    pub fn propagate(&self, psi: MatRef<'_, c64>, t: f64) -> Mat<c64> {
        assert_eq!(psi.nrows(), self.dim(), "propagate: state dimension");
        let mut coefficients = self.vectors.adjoint() * psi;
        for (k, &lambda) in self.values.iter().enumerate() {
            let phase = c64::cis(-lambda * t);
            for c in 0..coefficients.ncols() {
                coefficients[(k, c)] *= phase;
            }
        }
        &self.vectors * &coefficients
    }

    /// The propagator `exp(−iHt)`, unitary for finite `t`.
    pub fn unitary(&self, t: f64) -> Mat<c64> {
        self.func(|lambda| c64::cis(-lambda * t))
    }

    /// The matrix function `f(H) = V diag(f(λ_k)) V†`.
    pub fn func(&self, f: impl Fn(f64) -> c64) -> Mat<c64> {
        let n = self.dim();
        let scaled = Mat::from_fn(n, n, |i, k| self.vectors[(i, k)] * f(self.values[k]));
        &scaled * self.vectors.adjoint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expm::expm;
    use crate::expm::tests::{random_hermitian, random_matrix};

    /// The real path gives the spectrum of the complex one and eigenvectors that
    /// diagonalise the matrix; an asymmetric matrix is refused.
    #[test]
    fn real_symmetric_matches_the_complex_path() {
        let n = 9;
        let h = Mat::from_fn(n, n, |i, j| ((i * 7 + j * 7 + i * j) % 11) as f64 - 5.0);
        let complex = eigh(Mat::from_fn(n, n, |i, j| c64::new(h[(i, j)], 0.0)).as_ref()).unwrap();
        let real = eigh_real(h.as_ref()).unwrap();
        for (a, b) in real.values.iter().zip(&complex.values) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        let hc = Mat::from_fn(n, n, |i, j| c64::new(h[(i, j)], 0.0));
        let back = real.func(|l| c64::new(l, 0.0));
        assert!((&back - &hc).norm_max() < 1e-12);
        let mut asymmetric = h.clone();
        asymmetric[(0, 1)] += 1.0;
        assert!(eigh_real(asymmetric.as_ref()).is_err());
    }

    fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    #[test]
    fn pauli_y_spectrum_and_vectors() {
        let sy = faer::mat![[c(0.0, 0.0), c(0.0, -1.0)], [c(0.0, 1.0), c(0.0, 0.0)]];
        let e = eigh(sy.as_ref()).unwrap();
        assert!((e.values[0] + 1.0).abs() < 1e-15 && (e.values[1] - 1.0).abs() < 1e-15);
        for k in 0..2 {
            let v = e.vectors.col(k);
            let hv = &sy * v;
            let residual = (&hv - v * faer::Scale(c(e.values[k], 0.0))).norm_l2();
            assert!(residual < 1e-15, "k = {k}: {residual}");
        }
    }

    #[test]
    fn reconstructs_random_hermitian_matrices() {
        for (n, seed) in [(1, 1), (2, 2), (7, 3), (64, 4), (129, 5)] {
            let h = random_hermitian(n, 3.0, seed);
            let e = eigh(h.as_ref()).unwrap();
            assert!(e.values.windows(2).all(|w| w[0] <= w[1]), "ascending");
            let norm = h.norm_l2();
            let rebuilt = e.func(|l| c(l, 0.0));
            assert!((&rebuilt - &h).norm_l2() < 1e-13 * norm, "n = {n}");
            let gram = e.vectors.adjoint() * &e.vectors;
            let id = Mat::<c64>::identity(n, n);
            assert!((&gram - &id).norm_l2() < 1e-13, "n = {n}: V not unitary");
        }
    }

    #[test]
    fn propagation_agrees_with_expm_and_unitary() {
        let n = 40;
        let h = random_hermitian(n, 2.0, 11);
        let psi = random_matrix(n, 3, 1.0, 12);
        let e = eigh(h.as_ref()).unwrap();
        for t in [0.0, 0.3, -1.7, 25.0] {
            let reference = expm((&h * faer::Scale(c(0.0, -t))).as_ref()).unwrap();
            let u = e.unitary(t);
            let scale = 1.0 + t.abs() * h.norm_l2();
            assert!((&u - &reference).norm_l2() < 1e-13 * scale, "t = {t}");
            let direct = e.propagate(psi.as_ref(), t);
            let via_u = &u * &psi;
            assert!(
                (&direct - &via_u).norm_l2() < 1e-13 * psi.norm_l2(),
                "t = {t}"
            );
            for col in 0..psi.ncols() {
                let before = psi.col(col).norm_l2();
                let after = direct.col(col).norm_l2();
                assert!((before - after).abs() < 1e-13 * before, "norm, t = {t}");
            }
        }
    }

    #[test]
    fn func_exp_matches_expm_of_a_real_generator() {
        let h = random_hermitian(20, 1.0, 13);
        let e = eigh(h.as_ref()).unwrap();
        let via_eigen = e.func(|l| c(l.exp(), 0.0));
        let reference = expm(h.as_ref()).unwrap();
        assert!((&via_eigen - &reference).norm_l2() < 1e-12 * reference.norm_l2());
    }

    #[test]
    fn rejects_bad_input() {
        let rect = Mat::<c64>::zeros(2, 3);
        assert!(matches!(
            eigh(rect.as_ref()),
            Err(LinalgError::DimensionMismatch {
                expected: 2,
                found: 3,
                ..
            })
        ));
        let mut h = random_hermitian(4, 1.0, 14);
        h[(1, 2)] = c(f64::NAN, 0.0);
        assert!(matches!(
            eigh(h.as_ref()),
            Err(LinalgError::NonFinite { .. })
        ));
        let not_hermitian = faer::mat![[c(0.0, 0.0), c(1.0, 0.0)], [c(0.0, 0.0), c(0.0, 0.0)]];
        match eigh(not_hermitian.as_ref()) {
            Err(LinalgError::NotHermitian { error, .. }) => assert_eq!(error, 1.0),
            other => panic!("expected NotHermitian, got {other:?}"),
        }
    }

    #[test]
    fn hermiticity_error_measures_the_largest_asymmetry() {
        let mut h = random_hermitian(5, 1.0, 15);
        assert_eq!(hermiticity_error(h.as_ref()), 0.0);
        h[(3, 1)] += c(0.0, 0.25);
        assert!((hermiticity_error(h.as_ref()) - 0.25).abs() < 1e-15);
        h[(2, 2)] += c(0.0, 0.5); // a non-real diagonal is also non-Hermitian
        assert!((hermiticity_error(h.as_ref()) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn tiny_asymmetry_is_accepted_and_symmetrized() {
        let mut h = random_hermitian(6, 1.0, 16);
        h[(0, 5)] += c(1e-14, 0.0);
        let e = eigh(h.as_ref()).unwrap();
        let rebuilt = e.func(|l| c(l, 0.0));
        assert!((&rebuilt - &h).norm_max() < 1e-13);
    }
}
