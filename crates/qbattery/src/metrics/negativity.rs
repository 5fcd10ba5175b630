//! Logarithmic negativity (base 2) for any bipartition.
//!
//! For a state `ρ` on sites with dimensions `dims` and a set of sites `part` (one side of
//! the bipartition), `‖ρ^{T_part}‖₁` is the trace norm of the partial transpose. It is 1
//! for separable states and grows with entanglement (Vidal and Werner 2002). Ref:
//! 000_e3df25f406468476.txt (log-negativity of the cavity–chain battery).

use super::spectrum::{check_density, hermitian_eigenvalues};
use crate::components::UnionFind;
use crate::{c64, Mat, MatRef, Result};
use qbattery_linalg::partial::ptranspose;

/// Logarithmic negativity `E_N = log₂ ‖ρ^{T_part}‖₁`, in bits; `≥ 0`, 0 for separable
/// states (the converse holds for 2×2 and 2×3 systems only), `log₂ d` for a maximally
/// entangled state of two `d`-level systems.
///
/// The trace norm is `Σ|λ_k|` over the eigenvalues of the Hermitian `ρ^{T_part}`, divided
/// by `Tr ρ` so that a trace drift within the tolerance does not show up as
/// entanglement; round-off below 0 is clamped to 0. `part` may be either side and in any
/// order (the two sides give the same value).
///
/// # Errors
/// [`crate::Error::DimensionMismatch`] if `Π dims` is not the size of `rho` or a site is
/// out of range or repeated; [`crate::Error::InvalidParameter`] if `rho` is not
/// Hermitian with unit trace (tolerances of [`super::entropy::von_neumann_entropy`]).
pub fn log_negativity(rho: MatRef<c64>, dims: &[usize], part: &[usize]) -> Result<f64> {
    Ok(trace_norm_of_ptranspose(rho, dims, part)?.log2().max(0.0))
}

/// Negativity `N = (‖ρ^{T_part}‖₁ − 1)/2`, the sum of the magnitudes of the negative
/// eigenvalues of `ρ^{T_part}`; `≥ 0`, `(d − 1)/2` for a maximally entangled state of two
/// `d`-level systems. Same conventions and errors as [`log_negativity`].
pub fn negativity(rho: MatRef<c64>, dims: &[usize], part: &[usize]) -> Result<f64> {
    Ok(((trace_norm_of_ptranspose(rho, dims, part)? - 1.0) / 2.0).max(0.0))
}

/// Logarithmic negativity of a pure state from its Schmidt matrix (ψ reshaped to (one
/// side, other side)), given as independent blocks (e.g.
/// [`crate::sector::Subspace::schmidt_blocks`]; one block is the whole matrix):
/// `E_N = 2 log₂ Σ_k s_k` over the Schmidt (singular) values s_k of the normalised ψ,
/// since ‖(|ψ⟩⟨ψ|)^{T_A}‖₁ = (Σ_k s_k)². It equals [`log_negativity`] of |ψ⟩⟨ψ| at the
/// cost of SVDs of the blocks instead of the eigen-decomposition of the whole partial
/// transpose.
///
/// # Errors
/// [`crate::Error::InvalidParameter`] for a zero or non-finite state.
pub fn log_negativity_of_pure(blocks: &[Mat<c64>]) -> Result<f64> {
    let mut s = Vec::new();
    for m in blocks {
        s.extend(
            m.singular_values()
                .map_err(|e| crate::Error::LinearAlgebra {
                    context: "log-negativity (Schmidt values)".into(),
                    detail: format!("{e:?}"),
                })?,
        );
    }
    let norm = s.iter().map(|x| x * x).sum::<f64>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return Err(crate::Error::invalid(
            "Schmidt matrix",
            norm,
            "a nonzero, finite state",
        ));
    }
    let sum: f64 = s.iter().sum();
    Ok((2.0 * (sum / norm).log2()).max(0.0))
}

/// `‖ρ^{T_part}‖₁ / Tr ρ`, from the eigenvalues of each diagonal block of `ρ^{T_part}`
/// (see [`independent_blocks`]).
fn trace_norm_of_ptranspose(rho: MatRef<c64>, dims: &[usize], part: &[usize]) -> Result<f64> {
    check_density(rho, "rho")?;
    let pt = ptranspose(rho, dims, part)?;
    let (mut tr, mut norm) = (0.0, 0.0);
    for block in independent_blocks(pt.as_ref()) {
        let sub = Mat::from_fn(block.len(), block.len(), |i, j| pt[(block[i], block[j])]);
        let eig = hermitian_eigenvalues(sub.as_ref(), "partial transpose of rho")?;
        tr += eig.iter().sum::<f64>();
        norm += eig.iter().map(|x| x.abs()).sum::<f64>();
    }
    Ok(norm / tr)
}

/// The basis indices of the connected components of the nonzero pattern of a square
/// matrix (entries exactly 0 are absent): a permutation makes it block-diagonal with these
/// blocks. A state block-diagonal in a conserved charge Q = q_A + q_B has a partial
/// transpose block-diagonal in q_A − q_B (for a parity, in Q itself), so the open cavity
/// chain's ρ^{T_cavity}, block-diagonal in the excitation parity, splits in two halves:
/// a quarter of the eigenvalue work.
fn independent_blocks(m: MatRef<c64>) -> Vec<Vec<usize>> {
    let n = m.nrows();
    let mut forest = UnionFind::new(n);
    for j in 0..n {
        for i in 0..j {
            if m[(i, j)] != c64::new(0.0, 0.0) || m[(j, i)] != c64::new(0.0, 0.0) {
                forest.join(i, j);
            }
        }
    }
    forest.groups(0..n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::spectrum::testing::{density_from_raw, diag, projector};
    use crate::Error;
    use proptest::prelude::*;

    fn kron(a: &Mat<c64>, b: &Mat<c64>) -> Mat<c64> {
        let (p, q) = (b.nrows(), b.ncols());
        Mat::from_fn(a.nrows() * p, a.ncols() * q, |i, j| {
            a[(i / p, j / q)] * b[(i % p, j % q)]
        })
    }

    /// `(1/√d) Σ_k |k⟩|k⟩`.
    fn max_entangled(d: usize) -> Mat<c64> {
        let psi: Vec<c64> = (0..d * d)
            .map(|i| c64::new(if i % (d + 1) == 0 { 1.0 } else { 0.0 }, 0.0))
            .collect();
        projector(&psi)
    }

    #[test]
    fn pure_states_from_schmidt_values_match_the_partial_transpose() {
        let (da, db) = (3usize, 4usize);
        let psi: Vec<c64> = (0..da * db)
            .map(|k| c64::new((k as f64 * 0.7).sin(), (k as f64 * 1.3).cos() * 0.5))
            .collect();
        let norm = psi.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        let psi: Vec<c64> = psi.iter().map(|z| z / norm).collect();
        let m = Mat::from_fn(da, db, |a, b| psi[a * db + b]);
        let direct = log_negativity(projector(&psi).as_ref(), &[da, db], &[0]).unwrap();
        let schmidt = log_negativity_of_pure(std::slice::from_ref(&m)).unwrap();
        assert!(direct > 0.5, "{direct}");
        assert!((direct - schmidt).abs() < 1e-13, "{direct} vs {schmidt}");
        // Unnormalised input is normalised; a product state has none.
        let scaled = Mat::from_fn(da, db, |a, b| m[(a, b)] * 3.0);
        assert!((log_negativity_of_pure(&[scaled]).unwrap() - schmidt).abs() < 1e-13);
        let product = Mat::from_fn(da, db, |a, b| {
            c64::new((a + 1) as f64 * (b + 2) as f64, 0.0)
        });
        assert!(log_negativity_of_pure(&[product]).unwrap() < 1e-13);
    }

    /// A mixture of two entangled states of opposite parity (a + b) mod 2 on a qubit ⊗
    /// 4-level system: its partial transpose splits into two blocks, and the block-wise
    /// trace norm equals the one from all eigenvalues of the whole partial transpose.
    #[test]
    fn parity_blocks_of_the_partial_transpose() {
        let (da, db) = (2usize, 4usize);
        let state = |parity: usize, phase: f64| -> Vec<c64> {
            let v: Vec<c64> = (0..da * db)
                .map(|k| {
                    if (k / db + k % db) % 2 == parity {
                        c64::new((k as f64 + phase).cos(), (0.3 * k as f64 * phase).sin())
                    } else {
                        c64::new(0.0, 0.0)
                    }
                })
                .collect();
            let norm = v.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
            v.iter().map(|z| z / norm).collect()
        };
        let (even, odd) = (projector(&state(0, 0.4)), projector(&state(1, 1.1)));
        let rho = Mat::from_fn(da * db, da * db, |i, j| {
            even[(i, j)] * 0.7 + odd[(i, j)] * 0.3
        });
        let pt = ptranspose(rho.as_ref(), &[da, db], &[1]).unwrap();
        let blocks = independent_blocks(pt.as_ref());
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        let eig = hermitian_eigenvalues(pt.as_ref(), "test").unwrap();
        let whole = eig.iter().map(|x| x.abs()).sum::<f64>().log2();
        let en = log_negativity(rho.as_ref(), &[da, db], &[1]).unwrap();
        assert!(en > 0.1, "{en}");
        assert!((en - whole).abs() < 1e-13, "{en} vs {whole}");
    }

    #[test]
    fn bell_and_qutrit_maximally_entangled() {
        for d in [2usize, 3, 4] {
            let rho = max_entangled(d);
            for part in [[0], [1]] {
                let en = log_negativity(rho.as_ref(), &[d, d], &part).unwrap();
                assert!((en - (d as f64).log2()).abs() < 1e-13, "d = {d}: {en}");
                let n = negativity(rho.as_ref(), &[d, d], &part).unwrap();
                assert!((n - (d as f64 - 1.0) / 2.0).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn product_states_have_none() {
        let a = projector(&[c64::new(0.6, 0.0), c64::new(0.0, 0.8)]);
        let b = diag(&[0.2, 0.5, 0.3]);
        let rho = kron(&a, &b);
        assert!(log_negativity(rho.as_ref(), &[2, 3], &[1]).unwrap() < 1e-14);
        assert!(negativity(rho.as_ref(), &[2, 3], &[0]).unwrap() < 1e-14);
    }

    #[test]
    fn werner_states_closed_form() {
        // ρ = p |Ψ⁻⟩⟨Ψ⁻| + (1 − p) I/4: the partial transpose has eigenvalues
        // (1 + p)/4 (×3) and (1 − 3p)/4: E_N = log₂((1 + 3p)/2) for p > 1/3, else 0.
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let singlet = projector(&[
            c64::new(0.0, 0.0),
            c64::new(s, 0.0),
            c64::new(-s, 0.0),
            c64::new(0.0, 0.0),
        ]);
        for p in [0.0, 0.2, 1.0 / 3.0, 0.5, 0.8, 1.0] {
            let rho = Mat::from_fn(4, 4, |i, j| {
                singlet[(i, j)] * p + c64::new(if i == j { (1.0 - p) / 4.0 } else { 0.0 }, 0.0)
            });
            let expected = if p > 1.0 / 3.0 {
                ((1.0 + 3.0 * p) / 2.0).log2()
            } else {
                0.0
            };
            let en = log_negativity(rho.as_ref(), &[2, 2], &[0]).unwrap();
            assert!((en - expected).abs() < 1e-13, "p = {p}: {en} vs {expected}");
            let n = negativity(rho.as_ref(), &[2, 2], &[1]).unwrap();
            assert!((n - ((3.0 * p - 1.0) / 4.0).max(0.0)).abs() < 1e-13);
        }
    }

    #[test]
    fn three_sites_bipartitions() {
        // Bell pair on sites 0 and 2, site 1 in |0⟩: entangled across {0} | {1, 2}, not across {1}.
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let mut psi = vec![c64::new(0.0, 0.0); 8];
        psi[0] = c64::new(s, 0.0); // |000⟩
        psi[5] = c64::new(s, 0.0); // |101⟩
        let rho = projector(&psi);
        assert!((log_negativity(rho.as_ref(), &[2, 2, 2], &[0]).unwrap() - 1.0).abs() < 1e-13);
        assert!((log_negativity(rho.as_ref(), &[2, 2, 2], &[2, 1]).unwrap() - 1.0).abs() < 1e-13);
        assert!(log_negativity(rho.as_ref(), &[2, 2, 2], &[1]).unwrap() < 1e-14);
    }

    #[test]
    fn bad_input_is_an_error() {
        let rho = max_entangled(2);
        assert!(matches!(
            log_negativity(rho.as_ref(), &[2, 3], &[0]),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            log_negativity(rho.as_ref(), &[2, 2], &[2]),
            Err(Error::DimensionMismatch { .. })
        ));
        let unnormalised = diag(&[1.0, 1.0, 0.0, 0.0]);
        assert!(matches!(
            negativity(unnormalised.as_ref(), &[2, 2], &[0]),
            Err(Error::InvalidParameter { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(30),
            ..ProptestConfig::default()
        })]

        #[test]
        fn log_negativity_bounds(
            da in 1usize..4,
            db in 1usize..4,
            rank in 1usize..10,
            raw in prop::collection::vec(-1.0f64..1.0, 2 * 81),
        ) {
            let d = da * db;
            let rho = density_from_raw(d, rank.min(d), &raw);
            let en = log_negativity(rho.as_ref(), &[da, db], &[0]).unwrap();
            prop_assert!(en >= 0.0);
            // E_N ≤ log₂ min(d_a, d_b), and both sides give the same value.
            prop_assert!(en <= (da.min(db) as f64).log2() + 1e-12, "E_N = {en}");
            let other = log_negativity(rho.as_ref(), &[da, db], &[1]).unwrap();
            prop_assert!((en - other).abs() < 1e-12);
        }
    }
}
