//! Which entries of ρ the steady-state solvers keep: all d², or only the diagonal blocks
//! of a weak symmetry.
//!
//! A weak symmetry (a charge Q that the Hamiltonian conserves and each jump operator
//! shifts by a fixed amount, e.g. the parity of photons + spin excitations under cavity
//! loss, 000_e3df25f406468476.txt) keeps a density matrix that starts block-diagonal in Q
//! block-diagonal: 𝓛 maps the entries ρ_ij with Q_i = Q_j among themselves. The solvers
//! then work on those entries only, Σ_b d_b² unknowns instead of d².

use crate::{c64, CsrMatrix, Mat, MatRef};
use faer::{Col, ColRef};

/// The kept entries (i, j) of a d×d matrix, in column-stacked order.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    d: usize,
    /// The block label of each basis state.
    labels: Vec<i64>,
    /// Flat column-stacked indices i + j·d of the kept entries, ascending.
    kept: Vec<usize>,
    /// For every flat index: its position among the kept ones (`usize::MAX` if dropped).
    position: Vec<usize>,
}

impl Layout {
    /// The entries (i, j) with `labels[i] == labels[j]` (all of them for equal labels).
    pub(crate) fn new(labels: &[i64]) -> Self {
        let d = labels.len();
        let mut position = vec![usize::MAX; d * d];
        let mut kept = Vec::new();
        for j in 0..d {
            for i in 0..d {
                if labels[i] == labels[j] {
                    position[i + j * d] = kept.len();
                    kept.push(i + j * d);
                }
            }
        }
        Self {
            d,
            labels: labels.to_vec(),
            kept,
            position,
        }
    }

    /// The block label of each basis state.
    pub(super) fn labels(&self) -> &[i64] {
        &self.labels
    }

    /// The basis indices of each block, blocks in ascending label order.
    pub(super) fn blocks(&self) -> Vec<Vec<usize>> {
        let mut by_label: std::collections::BTreeMap<i64, Vec<usize>> = Default::default();
        for (i, &q) in self.labels.iter().enumerate() {
            by_label.entry(q).or_default().push(i);
        }
        by_label.into_values().collect()
    }

    /// The matrix dimension d.
    pub(super) fn d(&self) -> usize {
        self.d
    }

    /// The number of kept entries (unknowns).
    pub(crate) fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether every entry is kept.
    pub(super) fn is_full(&self) -> bool {
        self.kept.len() == self.d * self.d
    }

    /// Position of the diagonal entry (i, i).
    pub(super) fn diagonal(&self, i: usize) -> usize {
        self.position[i + i * self.d]
    }

    /// The superoperator restricted to the kept entries (rows and columns).
    pub(crate) fn restrict(&self, l: CsrMatrix) -> CsrMatrix {
        if self.is_full() {
            return l;
        }
        l.submatrix(&self.kept, &self.kept)
    }

    /// The kept entries of ρ.
    pub(crate) fn vec(&self, rho: MatRef<'_, c64>) -> Col<c64> {
        Col::from_fn(self.len(), |k| {
            let f = self.kept[k];
            rho[(f % self.d, f / self.d)]
        })
    }

    /// The d×d matrix with the kept entries from `x` and zeros elsewhere.
    pub(crate) fn unvec(&self, x: ColRef<'_, c64>) -> Mat<c64> {
        let mut m = Mat::<c64>::zeros(self.d, self.d);
        for (k, &f) in self.kept.iter().enumerate() {
            m[(f % self.d, f / self.d)] = x[k];
        }
        m
    }

    /// The real coordinates of a Hermitian matrix on the kept entries, as the map
    /// x = T y to the complex ones and its inverse: y at the position of a diagonal
    /// entry (i, i) is Re ρ_ii, at that of (i, j) with i < j Re ρ_ij, and at that of
    /// (j, i) Im ρ_ij. T is √2 times a unitary on each pair.
    pub(super) fn hermitian_coordinates(&self) -> (CsrMatrix, CsrMatrix) {
        let (half, i_unit) = (c64::new(0.5, 0.0), c64::new(0.0, 1.0));
        let mut t = Vec::new();
        let mut t_inv = Vec::new();
        for (k, &f) in self.kept.iter().enumerate() {
            let (i, j) = (f % self.d, f / self.d);
            if i == j {
                t.push((k, k, c64::new(1.0, 0.0)));
                t_inv.push((k, k, c64::new(1.0, 0.0)));
            } else if i < j {
                let l = self.position[j + i * self.d];
                // x_k = y_k + i y_l, x_l = y_k − i y_l
                t.extend([(k, k, c64::new(1.0, 0.0)), (k, l, i_unit)]);
                t.extend([(l, k, c64::new(1.0, 0.0)), (l, l, -i_unit)]);
                // y_k = (x_k + x_l)/2, y_l = (x_k − x_l)/(2i)
                t_inv.extend([(k, k, half), (k, l, half)]);
                t_inv.extend([(l, k, -half * i_unit), (l, l, half * i_unit)]);
            }
        }
        let n = self.len();
        (
            CsrMatrix::from_triplets(n, n, &t).expect("indices in range"),
            CsrMatrix::from_triplets(n, n, &t_inv).expect("indices in range"),
        )
    }
}
