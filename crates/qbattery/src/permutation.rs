//! Site permutations as a strong symmetry, and the bases of their eigenspaces.
//!
//! A permutation P of identical sites that is an involution (P² = 1) — the reflection
//! n ↔ N+1−n of the spin chain in 000_e3df25f406468476.txt, Eqs. (1)–(4) — acts on product
//! states by moving levels between sites. When it commutes with the Hamiltonian, every
//! drive and every jump operator (a *strong* symmetry), the eigenspaces P = +1 and
//! P = −1 never mix, for pure and for mixed states alike: a state that starts in one of
//! them is evolved there, at half the dimension.
//!
//! Within a [`Subspace`] closed under P (a charge sector, since P only moves levels of
//! sites with equal weights), the orbits of product states are {a} (a = Pa) or
//! {a, Pa}. The eigenspace of sign s has the orthonormal basis
//!
//! - |a⟩ for every fixed point a = Pa (s = +1 only),
//! - (|a⟩ + s|Pa⟩)/√2 for every pair a < Pa,
//!
//! the columns of the isometry V of a [`PermutationSector`]: an operator is compressed
//! as V†AV from its sparse matrix on the subspace, states are restricted (V†ψ) and lifted
//! back (Vψ_s, Vρ_sV†) for observation.

use crate::error::{Error, Result};
use crate::operators::opsum::OpSum;
use crate::sector::Subspace;
use crate::space::Space;
use crate::{c64, CsrMatrix, Mat, MatRef};
use std::collections::HashMap;

/// An involutive permutation of identical sites: site s ↦ `image[s]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SitePermutation {
    image: Vec<usize>,
    /// The moved sites' names, for descriptions.
    label: String,
}

impl SitePermutation {
    /// The reflection of `sites` (in the order given): `sites[k]` ↔ `sites[n−1−k]`. The
    /// sites must be distinct, of one space and of the same subsystem.
    pub fn reflection(space: &Space, sites: &[usize]) -> Result<Self> {
        let mut image: Vec<usize> = (0..space.len()).collect();
        let mut seen = vec![false; space.len()];
        for &s in sites {
            if s >= space.len() || std::mem::replace(&mut seen[s], true) {
                return Err(Error::invalid(
                    "reflected sites",
                    format!("{sites:?}"),
                    format!("distinct site indices below {}", space.len()),
                ));
            }
        }
        let first = sites.first().map(|&s| &space.sites()[s].subsystem);
        if sites
            .iter()
            .any(|&s| Some(&space.sites()[s].subsystem) != first)
        {
            return Err(Error::invalid(
                "reflected sites",
                format!("{sites:?}"),
                "sites of the same subsystem (same kind and dimension)",
            ));
        }
        let n = sites.len();
        for k in 0..n {
            image[sites[k]] = sites[n - 1 - k];
        }
        let name = |s: usize| space.sites()[s].name.clone();
        let label = match sites {
            [] => "identity".to_string(),
            [a, .., b] => format!(
                "reflection {}…{} ({} ↔ {})",
                name(*a),
                name(*b),
                name(*a),
                name(*b)
            ),
            [a] => format!("identity on {}", name(*a)),
        };
        Ok(Self { image, label })
    }

    /// The reflections a space offers: one per maximal run of two or more consecutive
    /// sites of the same subsystem (e.g. the chain sites spin1 … spinN after a cavity).
    pub fn candidates(space: &Space) -> Vec<Self> {
        let sites = space.sites();
        let mut out = Vec::new();
        let mut start = 0;
        for end in 1..=sites.len() {
            if end == sites.len() || sites[end].subsystem != sites[start].subsystem {
                if end - start >= 2 {
                    let run: Vec<usize> = (start..end).collect();
                    out.extend(Self::reflection(space, &run).ok());
                }
                start = end;
            }
        }
        out
    }

    /// Which site each site is moved to.
    pub fn image(&self) -> &[usize] {
        &self.image
    }

    /// A description such as `reflection spin1…spin3 (spin1 ↔ spin3)`.
    pub fn describe(&self) -> &str {
        &self.label
    }

    /// The levels of P|k⟩: site `image[s]` takes level k_s.
    pub fn permute_levels(&self, levels: &[usize]) -> Vec<usize> {
        let mut out = vec![0; levels.len()];
        for (s, &k) in levels.iter().enumerate() {
            out[self.image[s]] = k;
        }
        out
    }

    /// Whether P O P⁻¹ = O term by term: every term, with its sites relabelled and its
    /// factors on different sites put in site order (they commute), is matched by terms
    /// of O with the same total coefficient (relative tolerance 1e-12). A symbolic check,
    /// exact for operators written site by site (bond sums, site sums); an operator equal
    /// to its image only after algebra (S⁺S⁻ + S⁻S⁺ against 2(SˣSˣ + SʸSʸ)) is reported
    /// as not invariant, which only forgoes the symmetry.
    pub fn leaves_invariant(&self, op: &OpSum) -> bool {
        let canonical = |relabel: bool| {
            let mut sums: HashMap<String, c64> = HashMap::new();
            for t in op.terms() {
                let mut factors: Vec<_> = t
                    .factors
                    .iter()
                    .map(|(s, o)| (if relabel { self.image[*s] } else { *s }, o))
                    .collect();
                factors.sort_by_key(|(s, _)| *s);
                *sums.entry(format!("{factors:?}")).or_default() += t.coeff;
            }
            sums
        };
        let (a, b) = (canonical(false), canonical(true));
        let scale = a.values().map(|c| c.norm()).fold(0.0, f64::max);
        let tol = 1e-12 * scale.max(f64::MIN_POSITIVE);
        let zero = c64::new(0.0, 0.0);
        a.keys()
            .chain(b.keys())
            .all(|k| (a.get(k).unwrap_or(&zero) - b.get(k).unwrap_or(&zero)).norm() <= tol)
    }

    /// Position in `subspace` of P applied to each of its basis states; an error if the
    /// subspace is not closed under P.
    pub fn positions(&self, subspace: &Subspace) -> Result<Vec<usize>> {
        (0..subspace.dim())
            .map(|i| {
                subspace
                    .position_of_levels(&self.permute_levels(&subspace.levels(i)))
                    .ok_or_else(|| {
                        Error::invalid(
                            "site permutation",
                            self.describe(),
                            format!("a map of {} onto itself", subspace.label()),
                        )
                    })
            })
            .collect()
    }

    /// max |(P A P⁻¹ − A)_ij| = max |[P, A]_ij| for an operator's matrix on `subspace`:
    /// the numerical check of the symmetry (0 up to round-off when P is one).
    pub fn commutator_norm(&self, a: &CsrMatrix, subspace: &Subspace) -> Result<f64> {
        let p = self.positions(subspace)?;
        // P is an involution, so every entry of P A P⁻¹ is visited as the image of one of A.
        Ok(a.iter()
            .map(|(i, j, v)| (a.get(p[i], p[j]) - v).norm())
            .fold(0.0, f64::max))
    }
}

/// The basis of one eigenspace (P = `sign`) of a site permutation within a subspace, or
/// the subspace's own basis ([`PermutationSector::whole`]); see the module documentation.
/// Columns can be reordered ([`PermutationSector::sort_by`]) to group them into the
/// blocks of a weak symmetry.
#[derive(Debug, Clone)]
pub struct PermutationSector {
    parent_dim: usize,
    sign: Option<i8>,
    /// Column k of V: (position in the parent subspace, coefficient), one or two entries.
    columns: Vec<Vec<(usize, f64)>>,
}

impl PermutationSector {
    /// The eigenspace P = `sign` (±1) of `permutation` within `subspace`.
    pub fn new(subspace: &Subspace, permutation: &SitePermutation, sign: i8) -> Result<Self> {
        if sign != 1 && sign != -1 {
            return Err(Error::invalid("permutation sign", sign, "+1 or −1"));
        }
        let p = permutation.positions(subspace)?;
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let s = f64::from(sign);
        let columns = (0..p.len())
            .filter_map(|i| match p[i].cmp(&i) {
                std::cmp::Ordering::Equal => (sign == 1).then(|| vec![(i, 1.0)]),
                std::cmp::Ordering::Greater => Some(vec![(i, h), (p[i], s * h)]),
                std::cmp::Ordering::Less => None,
            })
            .collect();
        Ok(Self {
            parent_dim: p.len(),
            sign: Some(sign),
            columns,
        })
    }

    /// The parent subspace's own basis (no permutation), V = I.
    pub fn whole(dim: usize) -> Self {
        Self {
            parent_dim: dim,
            sign: None,
            columns: (0..dim).map(|i| vec![(i, 1.0)]).collect(),
        }
    }

    /// Its dimension.
    pub fn dim(&self) -> usize {
        self.columns.len()
    }

    /// The sign of the eigenspace (`None` for [`PermutationSector::whole`]).
    pub fn sign(&self) -> Option<i8> {
        self.sign
    }

    /// Orders the columns by `key` of their first parent position (stable), e.g. by a
    /// charge to make the blocks of a weak symmetry contiguous.
    pub fn sort_by<K: Ord>(&mut self, key: impl Fn(usize) -> K) {
        self.columns.sort_by_cached_key(|c| key(c[0].0));
    }

    /// The first parent position of each column, in column order.
    pub fn representatives(&self) -> Vec<usize> {
        self.columns.iter().map(|c| c[0].0).collect()
    }

    /// For each parent position: (column, coefficient) of the column it belongs to.
    fn rows(&self) -> Vec<Option<(usize, f64)>> {
        let mut rows = vec![None; self.parent_dim];
        for (k, c) in self.columns.iter().enumerate() {
            for &(i, v) in c {
                rows[i] = Some((k, v));
            }
        }
        rows
    }

    /// V†AV, the operator compressed to the eigenspace (exact dynamics when A commutes
    /// with P).
    pub fn compress(&self, a: &CsrMatrix) -> Result<CsrMatrix> {
        self.check(a.nrows())?;
        let rows = self.rows();
        let triplets: Vec<(usize, usize, c64)> = a
            .iter()
            .filter_map(|(i, j, v)| match (rows[i], rows[j]) {
                (Some((k, ci)), Some((l, cj))) => Some((k, l, v * (ci * cj))),
                _ => None,
            })
            .collect();
        Ok(CsrMatrix::from_triplets(self.dim(), self.dim(), &triplets)?)
    }

    /// V†ψ for a ket on the parent subspace.
    pub fn restrict_ket(&self, psi: &[c64]) -> Result<Vec<c64>> {
        self.check(psi.len())?;
        Ok(self
            .columns
            .iter()
            .map(|c| c.iter().map(|&(i, v)| psi[i] * v).sum())
            .collect())
    }

    /// V†ρV for a density matrix on the parent subspace.
    pub fn restrict_density(&self, rho: MatRef<'_, c64>) -> Result<Mat<c64>> {
        self.check(rho.nrows())?;
        Ok(Mat::from_fn(self.dim(), self.dim(), |k, l| {
            let mut z = c64::new(0.0, 0.0);
            for &(i, a) in &self.columns[k] {
                for &(j, b) in &self.columns[l] {
                    z += rho[(i, j)] * (a * b);
                }
            }
            z
        }))
    }

    /// Vx: a ket of the eigenspace on the parent subspace.
    pub fn lift_ket(&self, x: &[c64]) -> Result<Vec<c64>> {
        self.check_sector(x.len())?;
        let mut psi = vec![c64::new(0.0, 0.0); self.parent_dim];
        for (c, &xk) in self.columns.iter().zip(x) {
            for &(i, v) in c {
                psi[i] += xk * v;
            }
        }
        Ok(psi)
    }

    /// VxV†: a density matrix of the eigenspace on the parent subspace.
    pub fn lift_density(&self, x: MatRef<'_, c64>) -> Result<Mat<c64>> {
        self.check_sector(x.nrows())?;
        let rows = self.rows();
        Ok(Mat::from_fn(
            self.parent_dim,
            self.parent_dim,
            |i, j| match (rows[i], rows[j]) {
                (Some((k, a)), Some((l, b))) => x[(k, l)] * (a * b),
                _ => c64::new(0.0, 0.0),
            },
        ))
    }

    fn check(&self, found: usize) -> Result<()> {
        if found != self.parent_dim {
            return Err(Error::DimensionMismatch {
                context: "PermutationSector (parent subspace)".into(),
                expected: self.parent_dim,
                found,
            });
        }
        Ok(())
    }

    fn check_sector(&self, found: usize) -> Result<()> {
        if found != self.dim() {
            return Err(Error::DimensionMismatch {
                context: "PermutationSector (eigenspace)".into(),
                expected: self.dim(),
                found,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::local::LocalOp;
    use crate::space::Subsystem;

    fn chain(n: usize, two_j: u32) -> Space {
        let mut s = Space::new()
            .with("cavity", Subsystem::Mode { levels: 3 })
            .unwrap();
        for k in 1..=n {
            s = s
                .with(format!("spin{k}"), Subsystem::Spin { two_j })
                .unwrap();
        }
        s
    }

    fn heisenberg(n: usize, j: f64, field: &[f64]) -> OpSum {
        let mut h = OpSum::new();
        for (s, &b) in field.iter().enumerate() {
            h.add(b, vec![(s + 1, LocalOp::Sz)]);
            h.add(0.3, vec![(0, LocalOp::Destroy), (s + 1, LocalOp::SPlus)]);
            h.add(0.3, vec![(0, LocalOp::Create), (s + 1, LocalOp::SMinus)]);
        }
        for s in 1..n {
            h.add(j, vec![(s, LocalOp::Sx), (s + 1, LocalOp::Sx)]);
            h.add(j, vec![(s + 1, LocalOp::Sy), (s, LocalOp::Sy)]);
        }
        h
    }

    #[test]
    fn candidates_are_runs_of_identical_sites() {
        let space = chain(3, 2);
        let c = SitePermutation::candidates(&space);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].image(), &[0, 3, 2, 1]);
        assert_eq!(c[0].permute_levels(&[2, 0, 1, 2]), vec![2, 2, 1, 0]);
        assert!(SitePermutation::candidates(&chain(1, 1)).is_empty());
        assert!(SitePermutation::reflection(&space, &[0, 1]).is_err());
    }

    #[test]
    fn sectors_split_the_space_and_compress_exactly() {
        let space = chain(3, 2);
        let sub = Subspace::full(&space).unwrap();
        let p = &SitePermutation::candidates(&space)[0];
        let h_op = heisenberg(3, -0.7, &[1.0, 1.0, 1.0]);
        assert!(p.leaves_invariant(&h_op));
        let h = h_op.build(&sub).unwrap();
        assert!(p.commutator_norm(&h, &sub).unwrap() < 1e-14);
        let plus = PermutationSector::new(&sub, p, 1).unwrap();
        let minus = PermutationSector::new(&sub, p, -1).unwrap();
        // 27 chain states: 9 fixed (s1 = s3) and 9 pairs; times 3 cavity levels.
        assert_eq!((plus.dim(), minus.dim()), (3 * 18, 3 * 9));
        // The spectra of the two blocks together are the spectrum of H.
        let mut both: Vec<f64> = [&plus, &minus]
            .iter()
            .flat_map(|s| {
                let hs = s.compress(&h).unwrap().to_dense();
                crate::metrics::spectrum::hermitian_eigenvalues(hs.as_ref(), "H").unwrap()
            })
            .collect();
        both.sort_by(f64::total_cmp);
        let full =
            crate::metrics::spectrum::hermitian_eigenvalues(h.to_dense().as_ref(), "H").unwrap();
        for (a, b) in both.iter().zip(&full) {
            assert!((a - b).abs() < 1e-11, "{a} vs {b}");
        }
        // Restrict and lift are inverse on the eigenspace.
        let x: Vec<c64> = (0..plus.dim()).map(|k| c64::new(k as f64, 1.0)).collect();
        let back = plus.restrict_ket(&plus.lift_ket(&x).unwrap()).unwrap();
        assert!(back.iter().zip(&x).all(|(a, b)| (a - b).norm() < 1e-13));
        let rho = crate::states::ket_to_density(&x);
        let back = plus
            .restrict_density(plus.lift_density(rho.as_ref()).unwrap().as_ref())
            .unwrap();
        assert!((&back - &rho).norm_max() < 1e-12);
    }

    #[test]
    fn a_broken_symmetry_is_seen() {
        let space = chain(3, 1);
        let sub = Subspace::full(&space).unwrap();
        let p = &SitePermutation::candidates(&space)[0];
        let h_op = heisenberg(3, 1.0, &[1.0, 0.5, 0.9]);
        assert!(!p.leaves_invariant(&h_op));
        let h = h_op.build(&sub).unwrap();
        assert!(p.commutator_norm(&h, &sub).unwrap() > 0.05);
    }
}
