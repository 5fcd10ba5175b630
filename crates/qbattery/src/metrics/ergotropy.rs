//! Ergotropy, passive energy and their normalised forms.
//!
//! The ergotropy (Allahverdyan, Balian and Nieuwenhuizen 2004) is the largest energy a
//! cyclic unitary can extract from a state: `W = Tr[H_B ρ] − Tr[H_B ρ_passive]`, where the
//! passive state puts the state's eigenvalues `r_1 ≥ r_2 ≥ …` (descending) on the
//! battery's energy levels `ε_1 ≤ ε_2 ≤ …` (ascending). Ref:
//! 001_03396fee62d82789.txt, Eq. (10); 003_0f93033296fe24a2.txt, Eq. (2).

use super::spectrum::{check_same_dim, hermitian_eigenvalues};
use crate::{c64, Error, MatRef, Result};

/// Ergotropy `W = Tr[H_B ρ] − Σ_k r_k ε_k`, `r_k` the eigenvalues of `ρ` descending and
/// `ε_k` those of `H_B` ascending; units of `h_b`. Ref: 001_03396fee62d82789.txt, Eq. (10).
///
/// `W ≥ 0` for every Hermitian `ρ` (von Neumann's trace inequality); the round-off of
/// order `ε ‖H_B‖` that could make it slightly negative is clamped to 0. For a density
/// matrix, `W ≤ Tr[H_B ρ] − ε_min` with equality for pure states, and
/// `W ≤ ε_max − ε_min` ([`max_extractable_work`]). `ρ` need not be normalised (the
/// formula is linear in its spectrum).
///
/// # Errors
/// [`Error::DimensionMismatch`] if `rho` and `h_b` are not square of the same size;
/// [`Error::InvalidParameter`] if either is not Hermitian; [`Error::NonFinite`] for
/// non-finite entries; [`Error::LinearAlgebra`] if an eigen-decomposition fails.
pub fn ergotropy(rho: MatRef<c64>, h_b: MatRef<c64>) -> Result<f64> {
    let passive = passive_energy(rho, h_b)?;
    let energy = super::energy::expectation(rho, h_b)?;
    Ok((energy - passive).max(0.0))
}

/// Passive energy `Σ_k r_k ε_k` (eigenvalues of `ρ` descending, of `H_B` ascending): the
/// energy of the passive state unitarily reachable from `ρ`, the least energy any
/// unitary can leave in the battery. Units of `h_b`. Same errors as [`ergotropy`].
pub fn passive_energy(rho: MatRef<c64>, h_b: MatRef<c64>) -> Result<f64> {
    check_same_dim(
        h_b,
        rho,
        "passive_energy: size of rho (expected = size of h_b)",
    )?;
    let r = hermitian_eigenvalues(rho, "rho")?;
    let eps = hermitian_eigenvalues(h_b, "h_b")?;
    Ok(passive_energy_of_spectra(&r, &eps))
}

/// `Σ_k r_k↓ ε_k↑`: the passive energy from the state's eigenvalues `r` and the battery
/// levels `eps`, both ascending (r is paired in reverse; extra levels are unfilled).
pub fn passive_energy_of_spectra(r: &[f64], eps: &[f64]) -> f64 {
    r.iter().rev().zip(eps).map(|(r, e)| r * e).sum()
}

/// Ergotropy against an explicit battery spectrum: `W = Tr[H_B ρ] − Σ_k r_k ε_k` with
/// `ε_k` the ascending entries of `spectrum`, which lists the energy levels of the
/// battery's *physical* Hilbert space with their multiplicities.
///
/// Use it when `ρ` lives in a symmetry-reduced representation of the battery: N
/// identical cells kept in their symmetric (Dicke) subspace have N + 1 levels, but a
/// global unitary on the cells reaches all 2^N states, whose spectrum (level k with
/// multiplicity C(N, k)) is lower on average, so the passive state is less energetic and
/// the ergotropy larger than the reduced-space formula says. The passive state fills the
/// lowest `rank(ρ)` entries. Units of `h_b`.
///
/// # Errors
/// As [`ergotropy`]; [`Error::DimensionMismatch`] if `spectrum` has fewer entries than
/// `ρ` has rows.
pub fn ergotropy_with_spectrum(
    rho: MatRef<c64>,
    h_b: MatRef<c64>,
    spectrum: &[f64],
) -> Result<f64> {
    check_same_dim(
        h_b,
        rho,
        "ergotropy_with_spectrum: size of rho (expected = size of h_b)",
    )?;
    if spectrum.len() < rho.nrows() {
        return Err(Error::DimensionMismatch {
            context: "ergotropy_with_spectrum: spectrum length (expected ≥ size of rho)"
                .to_string(),
            expected: rho.nrows(),
            found: spectrum.len(),
        });
    }
    if spectrum.iter().any(|e| !e.is_finite()) {
        return Err(Error::NonFinite {
            context: "ergotropy_with_spectrum: spectrum".to_string(),
        });
    }
    let mut eps = spectrum.to_vec();
    eps.sort_by(f64::total_cmp);
    let r = hermitian_eigenvalues(rho, "rho")?;
    let passive = passive_energy_of_spectra(&r, &eps);
    let energy = super::energy::expectation(rho, h_b)?;
    Ok((energy - passive).max(0.0))
}

/// `ε_max − ε_min`, the spread of the spectrum of `h_b`: the largest ergotropy any
/// normalised state can have (reached by the top eigenstate). Units of `h_b`.
///
/// # Errors
/// As [`ergotropy`] for `h_b`; [`Error::DimensionMismatch`] for an empty matrix.
pub fn max_extractable_work(h_b: MatRef<c64>) -> Result<f64> {
    let eps = hermitian_eigenvalues(h_b, "h_b")?;
    match (eps.first(), eps.last()) {
        (Some(lo), Some(hi)) => Ok(hi - lo),
        _ => Err(Error::DimensionMismatch {
            context: "max_extractable_work: size of h_b (expected ≥ 1)".to_string(),
            expected: 1,
            found: 0,
        }),
    }
}

/// Normalised ergotropy `W / (ε_max − ε_min)`, in `[0, 1]` for a density matrix
/// (as plotted in 002_bb018326d195ff9c.txt).
///
/// # Errors
/// As [`ergotropy`]; [`Error::InvalidParameter`] if `h_b` is proportional to the identity
/// (no work can be stored: `ε_max − ε_min ≤ 10⁻¹⁴ · max|ε|`).
pub fn normalized_ergotropy(rho: MatRef<c64>, h_b: MatRef<c64>) -> Result<f64> {
    let w = ergotropy(rho, h_b)?;
    let eps = hermitian_eigenvalues(h_b, "h_b")?;
    let (lo, hi) = (eps[0], eps[eps.len() - 1]);
    let spread = hi - lo;
    if spread <= 1e-14 * lo.abs().max(hi.abs()) {
        return Err(Error::invalid(
            "h_b",
            format!("a Hamiltonian with ε_max − ε_min = {spread:.3e}"),
            "a non-degenerate spectrum (ε_max > ε_min)",
        ));
    }
    Ok(w / spread)
}

/// Efficiency `η = W / E`, the fraction of the stored energy that can be extracted as
/// work. Ref: 003_0f93033296fe24a2.txt, Eq. (3), with `ε(t)` the ergotropy and `E(t)`
/// the stored energy `Tr[H_B ρ_B(t)] − Tr[H_B ρ_B(0)]` (see [`super::energy`]).
///
/// For a battery that starts in its ground state `E = Tr[H_B ρ] − ε_min ≥ W`, so
/// `η ∈ [0, 1]`, with `η = 1` for pure states (003, Sec. V). Note that 003's Eq. (21)
/// divides the ergotropy of one cell by the energy of one cell (`E/2`): pass the
/// matching pair.
///
/// `η` is undefined where no energy is stored (`E = 0`, e.g. at `t = 0`, where `W = 0`
/// too): such samples are an error, which a caller of a time series should skip. Both
/// `W` and `E` carry absolute round-off of order `10⁻¹⁵ ‖H_B‖`, so `η` is meaningful only
/// where `E` is well above that.
///
/// # Errors
/// [`Error::InvalidParameter`] if `energy ≤ 0` or either argument is not finite.
pub fn efficiency(ergotropy: f64, energy: f64) -> Result<f64> {
    if !ergotropy.is_finite() {
        return Err(Error::invalid("ergotropy", ergotropy, "finite"));
    }
    if !(energy.is_finite() && energy > 0.0) {
        return Err(Error::invalid(
            "stored energy",
            energy,
            "finite and > 0 (η = W/E is undefined when nothing is stored)",
        ));
    }
    Ok(ergotropy / energy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::energy::expectation;
    use crate::metrics::spectrum::testing::{density_from_raw, diag, projector};
    use crate::Mat;
    use proptest::prelude::*;

    /// One excited cell out of two, kept in the symmetric subspace {|gg⟩, |S⟩, |ee⟩}: the
    /// state |S⟩ (energy ω) is passive there, but in the full 2-qubit space a unitary
    /// can rotate it to |gg⟩, so W = ω.
    #[test]
    fn ergotropy_against_the_full_spectrum_of_a_reduced_battery() {
        let h = diag(&[0.0, 1.0, 2.0]);
        let rho = diag(&[0.5, 0.5, 0.0]);
        // Reduced spectrum {0, 1, 2}: passive = 0.5·0 + 0.5·1 = 0.5 = energy → W = 0.
        assert!(ergotropy(rho.as_ref(), h.as_ref()).unwrap().abs() < 1e-15);
        // Full spectrum {0, 1, 1, 2} changes nothing for this rank-2 state...
        let w = ergotropy_with_spectrum(rho.as_ref(), h.as_ref(), &[0.0, 1.0, 1.0, 2.0]).unwrap();
        assert!(w.abs() < 1e-15);
        // ...but a pure |S⟩ has W = 1 against both.
        let s = diag(&[0.0, 1.0, 0.0]);
        assert!(
            (ergotropy_with_spectrum(s.as_ref(), h.as_ref(), &[0.0, 1.0, 1.0, 2.0]).unwrap() - 1.0)
                .abs()
                < 1e-15
        );
        // Three levels {1,1,0}-mixture: a rank-3 state in the reduced space reaches two
        // degenerate ω-levels in the full space, lowering the passive energy.
        let mixed = diag(&[0.2, 0.3, 0.5]);
        let reduced = ergotropy(mixed.as_ref(), h.as_ref()).unwrap();
        let full =
            ergotropy_with_spectrum(mixed.as_ref(), h.as_ref(), &[0.0, 1.0, 1.0, 2.0]).unwrap();
        // energy 1.3; reduced passive 0.5·0 + 0.3·1 + 0.2·2 = 0.7; full passive 0.5·0 + 0.3·1 + 0.2·1 = 0.5
        assert!(
            (reduced - 0.6).abs() < 1e-14 && (full - 0.8).abs() < 1e-14,
            "{reduced} {full}"
        );
        assert!(ergotropy_with_spectrum(mixed.as_ref(), h.as_ref(), &[0.0, 1.0]).is_err());
    }

    /// A fixed unitary on C³ (eigenvectors of a fixed Hermitian matrix).
    fn unitary3() -> Mat<c64> {
        let a = Mat::from_fn(3, 3, |i, j| {
            c64::new((i + 2 * j) as f64 * 0.3, (i as f64 - j as f64) * 0.7)
        });
        let h = Mat::from_fn(3, 3, |i, j| (a[(i, j)] + a[(j, i)].conj()) * 0.5);
        h.self_adjoint_eigen(faer::Side::Lower)
            .unwrap()
            .U()
            .to_owned()
    }

    fn rotate(u: &Mat<c64>, m: &Mat<c64>) -> Mat<c64> {
        u * m * u.adjoint()
    }

    #[test]
    fn thermal_states_are_passive() {
        let eps = [-1.0, 0.4, 2.5];
        let beta = 0.7f64;
        let z: f64 = eps.iter().map(|e| (-beta * e).exp()).sum();
        let p: Vec<f64> = eps.iter().map(|e| (-beta * e).exp() / z).collect();
        let (h, rho) = (diag(&eps), diag(&p));
        assert!(ergotropy(rho.as_ref(), h.as_ref()).unwrap() < 1e-14);
        // Same in a rotated basis: ρ = f(H) commutes with H and stays passive.
        let u = unitary3();
        let (hr, rhor) = (rotate(&u, &h), rotate(&u, &rho));
        assert!(ergotropy(rhor.as_ref(), hr.as_ref()).unwrap() < 1e-13);
        let e: f64 = eps.iter().zip(&p).map(|(e, p)| e * p).sum();
        assert!((passive_energy(rhor.as_ref(), hr.as_ref()).unwrap() - e).abs() < 1e-13);
    }

    #[test]
    fn pure_states_give_energy_above_ground() {
        let h = rotate(&unitary3(), &diag(&[-1.0, 0.4, 2.5]));
        let psi = [c64::new(0.3, 0.1), c64::new(-0.5, 0.4), c64::new(0.2, -0.6)];
        let rho = projector(&psi);
        let w = ergotropy(rho.as_ref(), h.as_ref()).unwrap();
        let e = expectation(rho.as_ref(), h.as_ref()).unwrap();
        assert!((w - (e + 1.0)).abs() < 1e-13);
        // Top eigenstate: W = ε_max − ε_min, normalised ergotropy 1.
        let top = projector(&[c64::new(0.0, 0.0), c64::new(0.0, 0.0), c64::new(1.0, 0.0)]);
        let hd = diag(&[-1.0, 0.4, 2.5]);
        assert!((ergotropy(top.as_ref(), hd.as_ref()).unwrap() - 3.5).abs() < 1e-14);
        assert!((max_extractable_work(hd.as_ref()).unwrap() - 3.5).abs() < 1e-14);
        assert!((normalized_ergotropy(top.as_ref(), hd.as_ref()).unwrap() - 1.0).abs() < 1e-14);
    }

    #[test]
    fn population_inverted_diagonal_states() {
        // Two levels 0, ω: W = ω max(0, p₁ − p₀).
        let h = diag(&[0.0, 2.0]);
        for p1 in [0.0, 0.3, 0.5, 0.8, 1.0] {
            let rho = diag(&[1.0 - p1, p1]);
            let w = ergotropy(rho.as_ref(), h.as_ref()).unwrap();
            assert!(
                (w - 2.0 * (2.0 * p1 - 1.0_f64).max(0.0)).abs() < 1e-15,
                "p1 = {p1}"
            );
        }
        // Three levels 0, 1, 3 with populations 0.1, 0.3, 0.6: E = 2.1, passive 0.6·0 + 0.3·1 + 0.1·3.
        let h = diag(&[0.0, 1.0, 3.0]);
        let rho = diag(&[0.1, 0.3, 0.6]);
        assert!((passive_energy(rho.as_ref(), h.as_ref()).unwrap() - 0.6).abs() < 1e-15);
        assert!((ergotropy(rho.as_ref(), h.as_ref()).unwrap() - 1.5).abs() < 1e-15);
        assert!((normalized_ergotropy(rho.as_ref(), h.as_ref()).unwrap() - 0.5).abs() < 1e-15);
    }

    #[test]
    fn efficiency_is_ratio_with_checked_energy() {
        assert_eq!(efficiency(0.5, 2.0).unwrap(), 0.25);
        assert!(matches!(
            efficiency(0.0, 0.0),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(efficiency(0.1, -1.0).is_err());
        assert!(efficiency(f64::NAN, 1.0).is_err());
        assert!(efficiency(0.1, f64::INFINITY).is_err());
    }

    #[test]
    fn bad_input_is_an_error() {
        let h2 = diag(&[0.0, 1.0]);
        let rho3 = diag(&[0.2, 0.3, 0.5]);
        assert!(matches!(
            ergotropy(rho3.as_ref(), h2.as_ref()),
            Err(Error::DimensionMismatch { .. })
        ));
        let not_herm = Mat::from_fn(2, 2, |i, j| c64::new(if i < j { 1.0 } else { 0.0 }, 0.0));
        assert!(matches!(
            ergotropy(not_herm.as_ref(), h2.as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
        let nan = diag(&[f64::NAN, 1.0]);
        assert!(matches!(
            ergotropy(h2.as_ref(), nan.as_ref()),
            Err(Error::NonFinite { .. })
        ));
        let flat = diag(&[1.0, 1.0]);
        assert!(matches!(
            normalized_ergotropy(h2.as_ref(), flat.as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(max_extractable_work(Mat::<c64>::zeros(0, 0).as_ref()).is_err());
        assert!(max_extractable_work(Mat::<c64>::zeros(2, 3).as_ref()).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(10),
            ..ProptestConfig::default()
        })]

        #[test]
        fn ergotropy_bounds(
            d in 2usize..6,
            rank in 1usize..6,
            raw in prop::collection::vec(-1.0f64..1.0, 2 * 36),
            hraw in prop::collection::vec(-2.0f64..2.0, 2 * 36),
        ) {
            let rho = density_from_raw(d, rank, &raw);
            let g = Mat::from_fn(d, d, |i, j| c64::new(hraw[2 * (i * d + j)], hraw[2 * (i * d + j) + 1]));
            let h = Mat::from_fn(d, d, |i, j| (g[(i, j)] + g[(j, i)].conj()) * 0.5);
            let eps = h.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
            let w = ergotropy(rho.as_ref(), h.as_ref()).unwrap();
            let e = expectation(rho.as_ref(), h.as_ref()).unwrap();
            let tol = 1e-12;
            prop_assert!(w >= 0.0);
            prop_assert!(w <= e - eps[0] + tol, "W = {w}, E − ε_min = {}", e - eps[0]);
            prop_assert!(w <= max_extractable_work(h.as_ref()).unwrap() + tol);
            let pe = passive_energy(rho.as_ref(), h.as_ref()).unwrap();
            prop_assert!(pe >= eps[0] - tol && pe <= e + tol);
            if rank == 1 {
                prop_assert!((w - (e - eps[0])).abs() < 1e-10, "pure state: W = {w}, E − ε_min = {}", e - eps[0]);
            }
        }
    }
}
