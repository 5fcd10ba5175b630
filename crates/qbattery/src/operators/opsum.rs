//! Sums of products of local operators, built as sparse matrices on a space or a sector.
//!
//! An [`OpSum`] is a symbolic operator Σ_t c_t Π_f O_f (each O_f a [`LocalOp`] on one
//! site). It is materialised on a [`Subspace`] (the whole space, one symmetry sector or a
//! union of sectors) by applying every term to every basis state, so an operator is built
//! in a block without ever building the full space. Building in a sector also checks
//! that the operator conserves the sector's charge: amplitude that leaves the subspace
//! is an error, after cancellations between terms (e.g. the S⁺S⁺ parts of
//! S^xS^x + S^yS^y cancel).

use crate::error::{Error, Result};
use crate::operators::local::LocalOp;
use crate::sector::Subspace;
use qbattery_linalg::c64;
use qbattery_linalg::sparse::CsrMatrix;
use std::collections::HashMap;

/// One product c · O_1 O_2 … O_k of local operators; the rightmost factor acts first.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The coefficient c.
    pub coeff: c64,
    /// `(site, operator)` factors, multiplied left to right.
    pub factors: Vec<(usize, LocalOp)>,
}

/// A sum of [`Term`]s: a many-body operator in symbolic form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpSum {
    terms: Vec<Term>,
}

impl OpSum {
    /// The zero operator.
    pub fn new() -> Self {
        Self::default()
    }

    /// A single term `coeff · Π factors`.
    pub fn term(coeff: impl Into<c64>, factors: Vec<(usize, LocalOp)>) -> Self {
        let mut s = Self::new();
        s.add(coeff, factors);
        s
    }

    /// Adds `coeff · Π factors`; a zero coefficient adds nothing.
    pub fn add(&mut self, coeff: impl Into<c64>, factors: Vec<(usize, LocalOp)>) -> &mut Self {
        let coeff = coeff.into();
        if coeff != c64::new(0.0, 0.0) {
            self.terms.push(Term { coeff, factors });
        }
        self
    }

    /// Appends all terms of `other`.
    pub fn extend(&mut self, other: OpSum) -> &mut Self {
        self.terms.extend(other.terms);
        self
    }

    /// `alpha ·` this operator.
    pub fn scaled(&self, alpha: impl Into<c64>) -> Self {
        let alpha = alpha.into();
        let mut out = Self::new();
        for t in &self.terms {
            out.add(alpha * t.coeff, t.factors.clone());
        }
        out
    }

    /// The product `self · other`: every term of `self` times every term of `other`
    /// (the factors of `other` act first).
    pub fn product(&self, other: &OpSum) -> Self {
        let mut out = Self::new();
        for a in &self.terms {
            for b in &other.terms {
                let mut factors = a.factors.clone();
                factors.extend(b.factors.iter().cloned());
                out.add(a.coeff * b.coeff, factors);
            }
        }
        out
    }

    /// The terms.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Whether there is no term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Builds the matrix of this operator on `subspace` (rows and columns in the
    /// subspace's basis order).
    ///
    /// Errors: a site index outside the space, a local operator that does not fit its
    /// subsystem, or an operator that maps a basis state out of the subspace (it does
    /// not conserve the subspace's charge); the message names the offending state.
    pub fn build(&self, subspace: &Subspace) -> Result<CsrMatrix> {
        let space = subspace.space();
        // Each factor's matrix, transposed so that row k lists the images of level k.
        let mut columns: Vec<Vec<(usize, CsrMatrix)>> = Vec::with_capacity(self.terms.len());
        for t in &self.terms {
            let mut fs = Vec::with_capacity(t.factors.len());
            for (site, op) in t.factors.iter().rev() {
                let s = space.sites().get(*site).ok_or_else(|| {
                    Error::invalid("operator site index", site, format!("< {}", space.len()))
                })?;
                fs.push((*site, op.matrix(&s.subsystem)?.transpose()));
            }
            columns.push(fs);
        }
        let scale = self
            .terms
            .iter()
            .map(|t| t.coeff.norm())
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        let drop_tol = 1e-13 * scale;

        let mut triplets = Vec::new();
        let mut inside: HashMap<usize, c64> = HashMap::new();
        let mut outside: HashMap<Vec<usize>, c64> = HashMap::new();
        let mut current: Vec<(Vec<usize>, c64)> = Vec::new();
        let mut next: Vec<(Vec<usize>, c64)> = Vec::new();
        for col in 0..subspace.dim() {
            let levels = subspace.levels(col);
            inside.clear();
            outside.clear();
            for (t, fs) in self.terms.iter().zip(&columns) {
                current.clear();
                current.push((levels.clone(), t.coeff));
                for (site, m_t) in fs {
                    next.clear();
                    for (lv, amp) in &current {
                        for (to, v) in m_t.row(lv[*site]) {
                            let mut image = lv.clone();
                            image[*site] = to;
                            next.push((image, *amp * v));
                        }
                    }
                    std::mem::swap(&mut current, &mut next);
                }
                for (lv, amp) in current.drain(..) {
                    match subspace.position_of_levels(&lv) {
                        Some(row) => *inside.entry(row).or_default() += amp,
                        None => *outside.entry(lv).or_default() += amp,
                    }
                }
            }
            if let Some((lv, amp)) = outside.iter().find(|(_, a)| a.norm() > drop_tol) {
                return Err(Error::invalid(
                    "operator",
                    format!(
                        "maps basis state {levels:?} to {lv:?} with amplitude {:.3e}",
                        amp.norm()
                    ),
                    format!(
                        "to stay inside {} (the operator must conserve its charge)",
                        subspace.label()
                    ),
                ));
            }
            triplets.extend(
                inside
                    .iter()
                    .filter(|(_, a)| a.norm() > drop_tol)
                    .map(|(&row, &a)| (row, col, a)),
            );
        }
        Ok(CsrMatrix::from_triplets(
            subspace.dim(),
            subspace.dim(),
            &triplets,
        )?)
    }

    /// The possible changes of a per-site additive charge (levels weighted by
    /// `weights`) under each term, as a set: every level difference that a factor's
    /// matrix contains is combined. Used to find the sectors that jump operators can reach.
    pub fn charge_shifts(
        &self,
        subspace_weights: &[i64],
        space: &crate::space::Space,
    ) -> Result<Vec<i64>> {
        let mut all = std::collections::BTreeSet::new();
        for t in &self.terms {
            let mut shifts = std::collections::BTreeSet::from([0i64]);
            for (site, op) in &t.factors {
                let s = space.sites().get(*site).ok_or_else(|| {
                    Error::invalid("operator site index", site, format!("< {}", space.len()))
                })?;
                let m = op.matrix(&s.subsystem)?;
                let local: std::collections::BTreeSet<i64> = m
                    .iter()
                    .map(|(to, from, _)| (to as i64 - from as i64) * subspace_weights[*site])
                    .collect();
                shifts = shifts
                    .iter()
                    .flat_map(|a| local.iter().map(move |b| a + b))
                    .collect();
            }
            all.extend(shifts);
        }
        Ok(all.into_iter().collect())
    }
}

impl std::ops::Add for OpSum {
    type Output = OpSum;
    fn add(mut self, rhs: OpSum) -> OpSum {
        self.extend(rhs);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sector::{Charge, Subspace};
    use crate::space::{Space, Subsystem};

    fn chain() -> Space {
        Space::new()
            .with("cavity", Subsystem::Mode { levels: 3 })
            .unwrap()
            .with("s1", Subsystem::Spin { two_j: 2 })
            .unwrap()
            .with("s2", Subsystem::QUBIT)
            .unwrap()
    }

    #[test]
    fn full_space_build_matches_kron() {
        let space = chain();
        let mut h = OpSum::term(0.7, vec![(0, LocalOp::Create), (1, LocalOp::SMinus)]);
        h.add(
            c64::new(0.0, 0.3),
            vec![(1, LocalOp::Sz), (2, LocalOp::PauliX)],
        );
        h.add(1.1, vec![(0, LocalOp::Number)]);
        let m = h
            .build(&Subspace::full(&space).unwrap())
            .unwrap()
            .to_dense();
        let d = |op: LocalOp, s: Subsystem| op.matrix(&s).unwrap();
        let (cav, s1, s2) = (
            Subsystem::Mode { levels: 3 },
            Subsystem::Spin { two_j: 2 },
            Subsystem::QUBIT,
        );
        let k3 = |a: CsrMatrix, b: CsrMatrix, c: CsrMatrix| a.kron(&b).kron(&c).to_dense();
        let t1 = k3(
            d(LocalOp::Create, cav),
            d(LocalOp::SMinus, s1),
            d(LocalOp::Identity, s2),
        );
        let t2 = k3(
            d(LocalOp::Identity, cav),
            d(LocalOp::Sz, s1),
            d(LocalOp::PauliX, s2),
        );
        let t3 = k3(
            d(LocalOp::Number, cav),
            d(LocalOp::Identity, s1),
            d(LocalOp::Identity, s2),
        );
        for i in 0..18 {
            for j in 0..18 {
                let e = c64::new(0.7, 0.0) * t1[(i, j)]
                    + c64::new(0.0, 0.3) * t2[(i, j)]
                    + c64::new(1.1, 0.0) * t3[(i, j)];
                assert!((m[(i, j)] - e).norm() < 1e-14, "({i},{j})");
            }
        }
    }

    #[test]
    fn same_site_factors_multiply_right_to_left() {
        let space = Space::new()
            .with("m", Subsystem::Mode { levels: 4 })
            .unwrap();
        let adag_a = OpSum::term(1.0, vec![(0, LocalOp::Create), (0, LocalOp::Destroy)])
            .build(&Subspace::full(&space).unwrap())
            .unwrap();
        let n = OpSum::term(1.0, vec![(0, LocalOp::Number)])
            .build(&Subspace::full(&space).unwrap())
            .unwrap();
        let diff = adag_a.add_scaled(&n, c64::new(-1.0, 0.0)).unwrap();
        assert!(diff.iter().all(|(_, _, v)| v.norm() < 1e-14));
        assert_eq!(n.get(3, 3).re, 3.0);
    }

    #[test]
    fn sector_build_matches_full_restriction_and_rejects_non_conserving() {
        let space = chain();
        let charge = Charge::excitations(&space);
        // XX chain coupling: the S+S+ parts of SxSx + SySy cancel, so it conserves charge.
        let mut h = OpSum::term(1.0, vec![(1, LocalOp::Sx), (2, LocalOp::Sx)]);
        h.add(1.0, vec![(1, LocalOp::Sy), (2, LocalOp::Sy)]);
        h.add(0.5, vec![(0, LocalOp::Destroy), (1, LocalOp::SPlus)]);
        h.add(0.5, vec![(0, LocalOp::Create), (1, LocalOp::SMinus)]);
        let full = Subspace::full(&space).unwrap();
        let hf = h.build(&full).unwrap();
        for q in 0..=5 {
            let sector = Subspace::sector(&space, &charge, q).unwrap();
            let hs = h.build(&sector).unwrap();
            let idx: Vec<usize> = (0..sector.dim())
                .map(|i| full.position_of_levels(&sector.levels(i)).unwrap())
                .collect();
            assert_eq!(
                hs.to_dense(),
                hf.submatrix(&idx, &idx).to_dense(),
                "sector {q}"
            );
        }
        let bad = OpSum::term(1.0, vec![(0, LocalOp::Destroy)]);
        let err = bad
            .build(&Subspace::sector(&space, &charge, 2).unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("conserve"), "{err}");
    }
}
