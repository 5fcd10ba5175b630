//! Populations in an operator's eigenbasis and Fock populations.
//!
//! Ref: 000_e3df25f406468476.txt (populations of the battery's energy levels), and
//! 001_03396fee62d82789.txt (photon-number distribution of the micromaser battery).

use super::spectrum::{check_same_dim, hermitian_eigen};
use crate::{c64, Error, Mat, MatRef, Result};

/// Eigenvalues of the Hermitian `op` (ascending) and the populations `p_k = ⟨k|ρ|k⟩` of
/// its eigenvectors `|k⟩`.
///
/// Within a degenerate eigenspace the eigenvectors, and so the individual `p_k`, are
/// an arbitrary choice of the eigen-solver; only their sum over the eigenspace,
/// `Tr[P_λ ρ]`, is basis independent. Use [`populations_in_eigenspaces`] when `op` may
/// be degenerate (an `H_B` of identical cells always is).
///
/// # Errors
/// [`Error::DimensionMismatch`] if the matrices are not square of the same size;
/// [`Error::InvalidParameter`] if `op` is not Hermitian; [`Error::NonFinite`] for
/// non-finite entries.
pub fn populations_in_eigenbasis(
    rho: MatRef<c64>,
    op: MatRef<c64>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    check_same_dim(op, rho, "populations: size of rho (expected = size of op)")?;
    if rho.ncols() != rho.nrows() {
        return Err(Error::DimensionMismatch {
            context: "rho must be square (expected columns = rows)".to_string(),
            expected: rho.nrows(),
            found: rho.ncols(),
        });
    }
    let (values, u) = hermitian_eigen(op, "op")?;
    let rho_u = rho * &u;
    let pops = (0..u.ncols())
        .map(|k| {
            (0..u.nrows())
                .map(|i| (u[(i, k)].conj() * rho_u[(i, k)]).re)
                .sum::<f64>()
        })
        .collect::<Vec<f64>>();
    if let Some((k, p)) = pops.iter().enumerate().find(|(_, p)| !p.is_finite()) {
        return Err(Error::NonFinite {
            context: format!("population {k} ({p}) of rho"),
        });
    }
    Ok((values, pops))
}

/// The population of one eigenspace of an operator.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EigenspacePopulation {
    /// The eigenvalue: the mean of the (numerically) degenerate eigenvalues grouped here.
    pub eigenvalue: f64,
    /// The number of eigenvalues grouped here.
    pub degeneracy: usize,
    /// `Tr[P ρ]`, `P` the projector on the eigenspace.
    pub population: f64,
}

/// Populations of the eigenspaces of the Hermitian `op`, ascending in eigenvalue: the
/// basis-independent form of [`populations_in_eigenbasis`].
///
/// Consecutive eigenvalues (ascending) closer than `tol · max(1, max_k |λ_k|)` belong to
/// the same eigenspace (the grouping is transitive, so a chain of close eigenvalues is
/// one group); `1e-9` suits matrices built from exact parameters.
///
/// # Errors
/// As [`populations_in_eigenbasis`]; [`Error::InvalidParameter`] if `tol` is negative
/// or not finite.
pub fn populations_in_eigenspaces(
    rho: MatRef<c64>,
    op: MatRef<c64>,
    tol: f64,
) -> Result<Vec<EigenspacePopulation>> {
    Eigenspaces::new(op, tol)?.populations(rho)
}

/// The eigenspaces of a Hermitian operator, decomposed once, for the populations of many
/// states ([`populations_in_eigenspaces`] for one): e.g. H_B's levels along a trajectory.
#[derive(Debug, Clone)]
pub struct Eigenspaces {
    /// Eigenvectors (columns), eigenvalues ascending.
    vectors: Mat<c64>,
    /// Per eigenspace: its level (mean of the grouped eigenvalues) and its columns.
    groups: Vec<(f64, std::ops::Range<usize>)>,
}

impl Eigenspaces {
    /// Decomposes `op`, grouping consecutive eigenvalues closer than
    /// `tol · max(1, max_k |λ_k|)` (transitively) into one eigenspace.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `op` is not Hermitian or `tol` is negative or not
    /// finite; [`Error::NonFinite`] for non-finite entries.
    pub fn new(op: MatRef<c64>, tol: f64) -> Result<Self> {
        if !(tol.is_finite() && tol >= 0.0) {
            return Err(Error::invalid("tol", tol, "finite and ≥ 0"));
        }
        let (values, vectors) = hermitian_eigen(op, "op")?;
        let scale = values.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let mut groups: Vec<(f64, std::ops::Range<usize>)> = Vec::new();
        for (k, &v) in values.iter().enumerate() {
            match groups.last_mut() {
                Some((_, r)) if v - values[k - 1] <= tol * scale => r.end = k + 1,
                _ => groups.push((v, k..k + 1)),
            }
        }
        for (level, r) in &mut groups {
            *level = values[r.clone()].iter().sum::<f64>() / r.len() as f64;
        }
        Ok(Self { vectors, groups })
    }

    /// The levels, ascending.
    pub fn levels(&self) -> Vec<f64> {
        self.groups.iter().map(|g| g.0).collect()
    }

    /// `Tr[P ρ]` for each eigenspace, ascending in level.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `rho` is not square of the operator's size;
    /// [`Error::NonFinite`] for a non-finite population.
    pub fn populations(&self, rho: MatRef<c64>) -> Result<Vec<EigenspacePopulation>> {
        let u = &self.vectors;
        check_same_dim(
            u.as_ref(),
            rho,
            "populations: size of rho (expected = size of op)",
        )?;
        if rho.ncols() != rho.nrows() {
            return Err(Error::DimensionMismatch {
                context: "rho must be square (expected columns = rows)".to_string(),
                expected: rho.nrows(),
                found: rho.ncols(),
            });
        }
        let rho_u = rho * u;
        let out: Vec<EigenspacePopulation> = self
            .groups
            .iter()
            .map(|(level, r)| EigenspacePopulation {
                eigenvalue: *level,
                degeneracy: r.len(),
                population: r
                    .clone()
                    .map(|k| {
                        (0..u.nrows())
                            .map(|i| (u[(i, k)].conj() * rho_u[(i, k)]).re)
                            .sum::<f64>()
                    })
                    .sum(),
            })
            .collect();
        if let Some((k, p)) = out
            .iter()
            .enumerate()
            .find(|(_, p)| !p.population.is_finite())
        {
            return Err(Error::NonFinite {
                context: format!("population of eigenspace {k} ({}) of rho", p.population),
            });
        }
        Ok(out)
    }
}

/// The real diagonal `⟨n|ρ|n⟩` of `ρ` in its own basis: the Fock (photon-number)
/// distribution when `ρ` is the state of a truncated boson mode, `n = 0, 1, …, N−1`.
/// The last entry is the top-level population that signals a too-small cutoff.
pub fn fock_populations(rho: MatRef<c64>) -> Vec<f64> {
    (0..rho.nrows().min(rho.ncols()))
        .map(|n| rho[(n, n)].re)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::spectrum::testing::{density_from_raw, diag, projector};
    use crate::Mat;

    /// σ_z ⊗ I + I ⊗ σ_z on two qubits: eigenvalues −2, 0 (twice), 2.
    fn two_spin_z() -> Mat<c64> {
        diag(&[2.0, 0.0, 0.0, -2.0])
    }

    #[test]
    fn diagonal_operator_gives_sorted_diagonal() {
        let rho = density_from_raw(
            4,
            4,
            &(0..32)
                .map(|i| ((i * 7 % 11) as f64 - 5.0) / 5.0)
                .collect::<Vec<_>>(),
        );
        let (values, pops) =
            populations_in_eigenbasis(rho.as_ref(), two_spin_z().as_ref()).unwrap();
        assert_eq!(values.len(), 4);
        assert!((values[0] + 2.0).abs() < 1e-15 && (values[3] - 2.0).abs() < 1e-15);
        assert!((pops[0] - rho[(3, 3)].re).abs() < 1e-14);
        assert!((pops[3] - rho[(0, 0)].re).abs() < 1e-14);
        assert!((pops.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        let groups = populations_in_eigenspaces(rho.as_ref(), two_spin_z().as_ref(), 1e-9).unwrap();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[1].degeneracy, 2);
        assert!(groups[1].eigenvalue.abs() < 1e-15);
        assert!((groups[1].population - (rho[(1, 1)].re + rho[(2, 2)].re)).abs() < 1e-14);
    }

    #[test]
    fn eigenbasis_of_sigma_x() {
        // |0⟩ has population 1/2 on each eigenvector of σ_x; |+⟩ has 1 on the +1 eigenvector.
        let sx = Mat::from_fn(2, 2, |i, j| c64::new(if i != j { 1.0 } else { 0.0 }, 0.0));
        let zero = diag(&[1.0, 0.0]);
        let (values, pops) = populations_in_eigenbasis(zero.as_ref(), sx.as_ref()).unwrap();
        assert!((values[0] + 1.0).abs() < 1e-15 && (values[1] - 1.0).abs() < 1e-15);
        assert!((pops[0] - 0.5).abs() < 1e-15 && (pops[1] - 0.5).abs() < 1e-15);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let plus = projector(&[c64::new(s, 0.0), c64::new(s, 0.0)]);
        let (_, pops) = populations_in_eigenbasis(plus.as_ref(), sx.as_ref()).unwrap();
        assert!(pops[0].abs() < 1e-15 && (pops[1] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn fock_populations_are_the_diagonal() {
        let rho = diag(&[0.5, 0.3, 0.2]);
        assert_eq!(fock_populations(rho.as_ref()), vec![0.5, 0.3, 0.2]);
        assert!(fock_populations(Mat::<c64>::zeros(0, 0).as_ref()).is_empty());
    }

    #[test]
    fn bad_input_is_an_error() {
        let rho = diag(&[0.5, 0.5]);
        assert!(matches!(
            populations_in_eigenbasis(rho.as_ref(), two_spin_z().as_ref()),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(populations_in_eigenspaces(rho.as_ref(), rho.as_ref(), -1.0).is_err());
        let not_herm = Mat::from_fn(2, 2, |i, j| c64::new(if i < j { 1.0 } else { 0.0 }, 0.0));
        assert!(matches!(
            populations_in_eigenbasis(rho.as_ref(), not_herm.as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
    }
}
