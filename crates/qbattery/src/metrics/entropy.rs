//! Purity and von Neumann entropy (base 2).

use super::spectrum::density_spectrum;
use crate::{c64, MatRef, Result};

/// Purity `Tr ρ² = Σ_ij |ρ_ij|²` (for Hermitian `ρ`), computed in `O(d²)` without forming
/// `ρ²`. In `[1/d, 1]` for a `d`-dimensional density matrix, 1 exactly for pure states.
/// Ref: 001_03396fee62d82789.txt and 003_0f93033296fe24a2.txt (purity of the battery).
pub fn purity(rho: MatRef<c64>) -> f64 {
    let mut acc = 0.0;
    for j in 0..rho.ncols() {
        for i in 0..rho.nrows() {
            acc += rho[(i, j)].norm_sqr();
        }
    }
    acc
}

/// Linear entropy `1 − Tr ρ²` (not rescaled by `d/(d − 1)`): 0 for pure states,
/// `1 − 1/d` for the maximally mixed state.
pub fn linear_entropy(rho: MatRef<c64>) -> f64 {
    1.0 - purity(rho)
}

/// Von Neumann entropy `S(ρ) = −Tr ρ log₂ ρ = −Σ_k λ_k log₂ λ_k`, in bits, with
/// `0 log 0 = 0`. In `[0, log₂ d]`. Ref: 003_0f93033296fe24a2.txt, Eq. (4).
///
/// Tolerances: `ρ` must be Hermitian (relative `10⁻⁸`), have unit trace and no eigenvalue
/// below `−10⁻⁶` (the `DENSITY_TOL` of the metrics); eigenvalues in `[−10⁻⁶, 0)`, the
/// round-off of an integrator, are set to 0.
///
/// # Errors
/// [`crate::Error::InvalidParameter`] if `ρ` is not a density matrix within those
/// tolerances; [`crate::Error::DimensionMismatch`] if it is not square;
/// [`crate::Error::NonFinite`] for non-finite entries.
pub fn von_neumann_entropy(rho: MatRef<c64>) -> Result<f64> {
    Ok(entropy_of_spectrum(&density_spectrum(rho, "rho")?))
}

/// `−Σ_k λ_k log₂ λ_k` of a density matrix's eigenvalues, with `0 log 0 = 0` and each
/// λ clamped to `[0, 1]` (round-off): the von Neumann entropy when the spectrum is
/// already known (e.g. shared with the ergotropy of the same state).
pub fn entropy_of_spectrum(eigenvalues: &[f64]) -> f64 {
    eigenvalues
        .iter()
        .map(|x| x.clamp(0.0, 1.0))
        .filter(|&x| x > 0.0)
        .map(|x| -x * x.log2())
        .sum::<f64>()
        .max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::spectrum::testing::{density_from_raw, diag, projector};
    use crate::{Error, Mat};
    use proptest::prelude::*;

    #[test]
    fn pure_and_maximally_mixed() {
        let psi = [
            c64::new(0.3, 0.1),
            c64::new(-0.5, 0.4),
            c64::new(0.2, -0.6),
            c64::new(0.1, 0.0),
        ];
        let rho = projector(&psi);
        assert!(von_neumann_entropy(rho.as_ref()).unwrap() < 1e-12);
        assert!((purity(rho.as_ref()) - 1.0).abs() < 1e-14);
        assert!(linear_entropy(rho.as_ref()).abs() < 1e-14);
        for d in [1, 2, 3, 5, 8] {
            let mixed = diag(&vec![1.0 / d as f64; d]);
            assert!(
                (von_neumann_entropy(mixed.as_ref()).unwrap() - (d as f64).log2()).abs() < 1e-13
            );
            assert!((purity(mixed.as_ref()) - 1.0 / d as f64).abs() < 1e-15);
        }
    }

    #[test]
    fn binary_entropy_and_clamping() {
        // Eq. (19) of 003: S = h((1 − r)/2) for the diagonal single-cell state.
        let p = 0.2f64;
        let h = -p * p.log2() - (1.0 - p) * (1.0 - p).log2();
        let rho = diag(&[p, 1.0 - p]);
        assert!((von_neumann_entropy(rho.as_ref()).unwrap() - h).abs() < 1e-15);
        // A tiny negative eigenvalue is clamped; a large one is an error.
        let almost = diag(&[1.0 + 1e-9, -1e-9]);
        assert!(von_neumann_entropy(almost.as_ref()).unwrap().abs() < 1e-12);
        let negative = diag(&[1.1, -0.1]);
        assert!(matches!(
            von_neumann_entropy(negative.as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
        let unnormalised = diag(&[0.5, 0.4]);
        assert!(matches!(
            von_neumann_entropy(unnormalised.as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            von_neumann_entropy(Mat::<c64>::zeros(2, 3).as_ref()),
            Err(Error::DimensionMismatch { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(20),
            ..ProptestConfig::default()
        })]

        #[test]
        fn entropy_and_purity_bounds(
            d in 1usize..7,
            rank in 1usize..7,
            raw in prop::collection::vec(-1.0f64..1.0, 2 * 49),
        ) {
            let rho = density_from_raw(d, rank, &raw);
            let s = von_neumann_entropy(rho.as_ref()).unwrap();
            let p = purity(rho.as_ref());
            let dd = d as f64;
            prop_assert!((0.0..=dd.log2() + 1e-12).contains(&s), "S = {s}");
            prop_assert!(p >= 1.0 / dd - 1e-12 && p <= 1.0 + 1e-12, "purity = {p}");
            // Rank bound S ≤ log₂ rank, and S ≥ −log₂ Tr ρ² (Rényi-2 ≤ von Neumann).
            prop_assert!(s <= (rank.min(d) as f64).log2() + 1e-9);
            prop_assert!(s >= -p.log2() - 1e-9);
        }
    }
}
