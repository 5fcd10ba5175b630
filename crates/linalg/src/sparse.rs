//! Compressed sparse row (CSR) complex operators and their products with dense matrices.
//!
//! [`CsrMatrix`] is the operator type of every Hamiltonian, jump operator and Kraus
//! operator in qbattery. Rows are sorted by column index and hold no explicit zeros
//! and no duplicates; every constructor establishes that invariant.

use crate::LinalgError;
use faer::prelude::ReborrowMut;
use faer::{c64, Accum, Mat, MatMut, MatRef};

/// A complex sparse matrix in compressed sparse row format.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    nrows: usize,
    ncols: usize,
    /// `indptr[i]..indptr[i + 1]` is the range of row `i` in `indices` and `values`.
    indptr: Vec<usize>,
    indices: Vec<usize>,
    values: Vec<c64>,
}

impl CsrMatrix {
    /// The `nrows × ncols` zero matrix.
    pub fn zeros(nrows: usize, ncols: usize) -> Self {
        Self {
            nrows,
            ncols,
            indptr: vec![0; nrows + 1],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Self {
        Self::diagonal(&vec![c64::new(1.0, 0.0); n])
    }

    /// A square diagonal matrix; zero entries are not stored.
    pub fn diagonal(diag: &[c64]) -> Self {
        let n = diag.len();
        let mut indptr = Vec::with_capacity(n + 1);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        indptr.push(0);
        for (i, &d) in diag.iter().enumerate() {
            if d != c64::new(0.0, 0.0) {
                indices.push(i);
                values.push(d);
            }
            indptr.push(indices.len());
        }
        Self {
            nrows: n,
            ncols: n,
            indptr,
            indices,
            values,
        }
    }

    /// Builds a matrix from `(row, col, value)` triplets in any order; duplicates are
    /// summed and exact zeros (after summation) dropped.
    ///
    /// Fails if an index is out of range.
    pub fn from_triplets(
        nrows: usize,
        ncols: usize,
        triplets: &[(usize, usize, c64)],
    ) -> Result<Self, LinalgError> {
        let mut counts = vec![0usize; nrows + 1];
        for &(i, j, _) in triplets {
            if i >= nrows {
                return Err(LinalgError::DimensionMismatch {
                    context: "CsrMatrix::from_triplets (row index)",
                    expected: nrows,
                    found: i,
                });
            }
            if j >= ncols {
                return Err(LinalgError::DimensionMismatch {
                    context: "CsrMatrix::from_triplets (column index)",
                    expected: ncols,
                    found: j,
                });
            }
            counts[i + 1] += 1;
        }
        for i in 0..nrows {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut entries = vec![(0usize, c64::new(0.0, 0.0)); triplets.len()];
        for &(i, j, v) in triplets {
            entries[next[i]] = (j, v);
            next[i] += 1;
        }
        let mut indptr = Vec::with_capacity(nrows + 1);
        let mut indices = Vec::with_capacity(triplets.len());
        let mut values = Vec::with_capacity(triplets.len());
        indptr.push(0);
        for i in 0..nrows {
            let row = &mut entries[counts[i]..counts[i + 1]];
            row.sort_unstable_by_key(|&(j, _)| j);
            let mut k = 0;
            while k < row.len() {
                let j = row[k].0;
                let mut v = c64::new(0.0, 0.0);
                while k < row.len() && row[k].0 == j {
                    v += row[k].1;
                    k += 1;
                }
                if v != c64::new(0.0, 0.0) {
                    indices.push(j);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Ok(Self {
            nrows,
            ncols,
            indptr,
            indices,
            values,
        })
    }

    /// Keeps the entries of a dense matrix whose modulus exceeds `tol`.
    pub fn from_dense(m: MatRef<'_, c64>, tol: f64) -> Self {
        let mut indptr = Vec::with_capacity(m.nrows() + 1);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        indptr.push(0);
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                let v = m[(i, j)];
                if v.norm() > tol {
                    indices.push(j);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Self {
            nrows: m.nrows(),
            ncols: m.ncols(),
            indptr,
            indices,
            values,
        }
    }

    /// The dense copy.
    pub fn to_dense(&self) -> Mat<c64> {
        let mut m = Mat::zeros(self.nrows, self.ncols);
        for (i, j, v) in self.iter() {
            m[(i, j)] = v;
        }
        m
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// The stored entries of row `i` as `(column, value)` pairs, columns ascending.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, c64)> + '_ {
        let range = self.indptr[i]..self.indptr[i + 1];
        self.indices[range.clone()]
            .iter()
            .copied()
            .zip(self.values[range].iter().copied())
    }

    /// All stored entries as `(row, column, value)`, row-major.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, c64)> + '_ {
        (0..self.nrows).flat_map(move |i| self.row(i).map(move |(j, v)| (i, j, v)))
    }

    /// The entry at `(i, j)` (zero when not stored).
    pub fn get(&self, i: usize, j: usize) -> c64 {
        let range = self.indptr[i]..self.indptr[i + 1];
        match self.indices[range.clone()].binary_search(&j) {
            Ok(k) => self.values[range.start + k],
            Err(_) => c64::new(0.0, 0.0),
        }
    }

    /// The conjugate transpose A†.
    pub fn adjoint(&self) -> Self {
        self.transpose_with(|v| v.conj())
    }

    /// The transpose Aᵀ.
    pub fn transpose(&self) -> Self {
        self.transpose_with(|v| v)
    }

    fn transpose_with(&self, f: impl Fn(c64) -> c64) -> Self {
        let mut counts = vec![0usize; self.ncols + 1];
        for &j in &self.indices {
            counts[j + 1] += 1;
        }
        for j in 0..self.ncols {
            counts[j + 1] += counts[j];
        }
        let mut next = counts.clone();
        let mut indices = vec![0; self.nnz()];
        let mut values = vec![c64::new(0.0, 0.0); self.nnz()];
        // Rows are visited in ascending order, so each transposed row comes out sorted.
        for (i, j, v) in self.iter() {
            indices[next[j]] = i;
            values[next[j]] = f(v);
            next[j] += 1;
        }
        Self {
            nrows: self.ncols,
            ncols: self.nrows,
            indptr: counts,
            indices,
            values,
        }
    }

    /// `alpha · A`.
    pub fn scale(&self, alpha: c64) -> Self {
        if alpha == c64::new(0.0, 0.0) {
            return Self::zeros(self.nrows, self.ncols);
        }
        let mut out = self.clone();
        out.values.iter_mut().for_each(|v| *v *= alpha);
        out
    }

    /// `A + alpha · B`.
    pub fn add_scaled(&self, other: &Self, alpha: c64) -> Result<Self, LinalgError> {
        self.check_same_shape(other, "CsrMatrix::add_scaled")?;
        let triplets: Vec<_> = self
            .iter()
            .chain(other.iter().map(|(i, j, v)| (i, j, alpha * v)))
            .collect();
        Self::from_triplets(self.nrows, self.ncols, &triplets)
    }

    /// The sparse product `A · B`.
    pub fn matmul(&self, other: &Self) -> Result<Self, LinalgError> {
        if self.ncols != other.nrows {
            return Err(LinalgError::DimensionMismatch {
                context: "CsrMatrix::matmul",
                expected: self.ncols,
                found: other.nrows,
            });
        }
        let mut indptr = Vec::with_capacity(self.nrows + 1);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        let mut acc = vec![c64::new(0.0, 0.0); other.ncols];
        let mut touched = vec![false; other.ncols];
        let mut cols = Vec::new();
        indptr.push(0);
        for i in 0..self.nrows {
            for (k, a) in self.row(i) {
                for (j, b) in other.row(k) {
                    if !touched[j] {
                        touched[j] = true;
                        cols.push(j);
                    }
                    acc[j] += a * b;
                }
            }
            cols.sort_unstable();
            for &j in &cols {
                if acc[j] != c64::new(0.0, 0.0) {
                    indices.push(j);
                    values.push(acc[j]);
                }
                acc[j] = c64::new(0.0, 0.0);
                touched[j] = false;
            }
            cols.clear();
            indptr.push(indices.len());
        }
        Ok(Self {
            nrows: self.nrows,
            ncols: other.ncols,
            indptr,
            indices,
            values,
        })
    }

    /// The Kronecker product `A ⊗ B` (A's index most significant).
    pub fn kron(&self, other: &Self) -> Self {
        let nrows = self.nrows * other.nrows;
        let ncols = self.ncols * other.ncols;
        let mut indptr = Vec::with_capacity(nrows + 1);
        let mut indices = Vec::with_capacity(self.nnz() * other.nnz());
        let mut values = Vec::with_capacity(self.nnz() * other.nnz());
        indptr.push(0);
        for i in 0..self.nrows {
            for k in 0..other.nrows {
                for (j, a) in self.row(i) {
                    for (l, b) in other.row(k) {
                        indices.push(j * other.ncols + l);
                        values.push(a * b);
                    }
                }
                indptr.push(indices.len());
            }
        }
        Self {
            nrows,
            ncols,
            indptr,
            indices,
            values,
        }
    }

    /// The trace Σ_i A_ii.
    pub fn trace(&self) -> c64 {
        (0..self.nrows.min(self.ncols))
            .map(|i| self.get(i, i))
            .sum()
    }

    /// Largest |A − A†| entry: zero (to rounding) for a Hermitian matrix.
    pub fn hermiticity_error(&self) -> f64 {
        if self.nrows != self.ncols {
            return f64::INFINITY;
        }
        let diff = self
            .add_scaled(&self.adjoint(), c64::new(-1.0, 0.0))
            .expect("square");
        diff.values.iter().map(|v| v.norm()).fold(0.0, f64::max)
    }

    /// Whether every stored entry is finite.
    pub fn is_finite(&self) -> bool {
        self.values
            .iter()
            .all(|v| v.re.is_finite() && v.im.is_finite())
    }

    /// The submatrix on the given rows and columns (in the given orders).
    pub fn submatrix(&self, rows: &[usize], cols: &[usize]) -> Self {
        let mut position = vec![usize::MAX; self.ncols];
        for (new, &old) in cols.iter().enumerate() {
            position[old] = new;
        }
        let mut triplets = Vec::new();
        for (new_i, &old_i) in rows.iter().enumerate() {
            for (j, v) in self.row(old_i) {
                if position[j] != usize::MAX {
                    triplets.push((new_i, position[j], v));
                }
            }
        }
        Self::from_triplets(rows.len(), cols.len(), &triplets)
            .expect("indices in range by construction")
    }

    /// `y = A x` for vectors.
    pub fn mul_vec(&self, x: &[c64], y: &mut [c64]) {
        assert_eq!(
            x.len(),
            self.ncols,
            "CsrMatrix::mul_vec: x has the wrong length"
        );
        assert_eq!(
            y.len(),
            self.nrows,
            "CsrMatrix::mul_vec: y has the wrong length"
        );
        for (i, yi) in y.iter_mut().enumerate() {
            *yi = self.row(i).map(|(j, v)| v * x[j]).sum();
        }
    }

    /// `out = alpha · A · X` (`Accum::Replace`) or `out += alpha · A · X` (`Accum::Add`).
    ///
    /// Panics on shape mismatch (an internal bug, not user input).
    pub fn mul_dense(
        &self,
        x: MatRef<'_, c64>,
        mut out: MatMut<'_, c64>,
        alpha: c64,
        accum: Accum,
    ) {
        assert_eq!(
            x.nrows(),
            self.ncols,
            "CsrMatrix::mul_dense: inner dimensions differ"
        );
        assert_eq!(
            (out.nrows(), out.ncols()),
            (self.nrows, x.ncols()),
            "CsrMatrix::mul_dense: output shape"
        );
        if let Accum::Replace = accum {
            out.fill(c64::new(0.0, 0.0));
        }
        // Column-major X and out: walk each column contiguously.
        for c in 0..x.ncols() {
            let xc = x.col(c);
            let mut oc = out.rb_mut().col_mut(c);
            for i in 0..self.nrows {
                let mut s = c64::new(0.0, 0.0);
                for (j, v) in self.row(i) {
                    s += v * xc[j];
                }
                oc[i] += alpha * s;
            }
        }
    }

    /// `out = alpha · X · A` (`Accum::Replace`) or `out += alpha · X · A` (`Accum::Add`).
    ///
    /// Panics on shape mismatch (an internal bug, not user input).
    pub fn dense_mul(
        &self,
        x: MatRef<'_, c64>,
        mut out: MatMut<'_, c64>,
        alpha: c64,
        accum: Accum,
    ) {
        assert_eq!(
            x.ncols(),
            self.nrows,
            "CsrMatrix::dense_mul: inner dimensions differ"
        );
        assert_eq!(
            (out.nrows(), out.ncols()),
            (x.nrows(), self.ncols),
            "CsrMatrix::dense_mul: output shape"
        );
        if let Accum::Replace = accum {
            out.fill(c64::new(0.0, 0.0));
        }
        // (X A)[:, j] = Σ_k X[:, k] A[k, j]: for each stored A[k, j], an axpy of column k into column j.
        for k in 0..self.nrows {
            let xk = x.col(k);
            for (j, v) in self.row(k) {
                let s = alpha * v;
                let mut oj = out.rb_mut().col_mut(j);
                for i in 0..x.nrows() {
                    oj[i] += s * xk[i];
                }
            }
        }
    }

    /// Re Tr[A ρ] for a dense ρ: the expectation value of a Hermitian A, in O(nnz).
    pub fn expectation(&self, rho: MatRef<'_, c64>) -> f64 {
        assert_eq!(
            (rho.nrows(), rho.ncols()),
            (self.ncols, self.nrows),
            "CsrMatrix::expectation: shape"
        );
        self.iter().map(|(i, j, v)| (v * rho[(j, i)]).re).sum()
    }

    fn check_same_shape(&self, other: &Self, context: &'static str) -> Result<(), LinalgError> {
        if self.nrows != other.nrows {
            return Err(LinalgError::DimensionMismatch {
                context,
                expected: self.nrows,
                found: other.nrows,
            });
        }
        if self.ncols != other.ncols {
            return Err(LinalgError::DimensionMismatch {
                context,
                expected: self.ncols,
                found: other.ncols,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    fn random_sparse(n: usize, m: usize, seed: u64) -> CsrMatrix {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let mut t = Vec::new();
        for i in 0..n {
            for j in 0..m {
                if next() < 0.3 {
                    t.push((i, j, c(next() - 0.5, next() - 0.5)));
                }
            }
        }
        CsrMatrix::from_triplets(n, m, &t).unwrap()
    }

    fn max_diff(a: MatRef<'_, c64>, b: MatRef<'_, c64>) -> f64 {
        let mut d = 0.0f64;
        for i in 0..a.nrows() {
            for j in 0..a.ncols() {
                d = d.max((a[(i, j)] - b[(i, j)]).norm());
            }
        }
        d
    }

    #[test]
    fn triplets_sum_duplicates_and_drop_zeros() {
        let m = CsrMatrix::from_triplets(
            2,
            2,
            &[
                (0, 1, c(1.0, 0.0)),
                (0, 1, c(2.0, 1.0)),
                (1, 0, c(1.0, 0.0)),
                (1, 0, c(-1.0, 0.0)),
            ],
        )
        .unwrap();
        assert_eq!(m.nnz(), 1);
        assert_eq!(m.get(0, 1), c(3.0, 1.0));
        assert_eq!(m.get(1, 0), c(0.0, 0.0));
        assert!(CsrMatrix::from_triplets(2, 2, &[(2, 0, c(1.0, 0.0))]).is_err());
    }

    #[test]
    fn products_match_dense() {
        let a = random_sparse(7, 5, 1);
        let b = random_sparse(5, 6, 2);
        let (ad, bd) = (a.to_dense(), b.to_dense());
        let ab = a.matmul(&b).unwrap().to_dense();
        assert!(max_diff(ab.as_ref(), (&ad * &bd).as_ref()) < 1e-14);

        let x = random_sparse(5, 3, 3).to_dense();
        let mut out = Mat::zeros(7, 3);
        a.mul_dense(x.as_ref(), out.as_mut(), c(0.5, -1.0), Accum::Replace);
        let expect = Mat::<c64>::from_fn(7, 3, |i, j| c(0.5, -1.0) * (&ad * &x)[(i, j)]);
        assert!(max_diff(out.as_ref(), expect.as_ref()) < 1e-14);
        a.mul_dense(x.as_ref(), out.as_mut(), c(0.5, -1.0), Accum::Add);
        let twice = Mat::<c64>::from_fn(7, 3, |i, j| c(2.0, 0.0) * expect[(i, j)]);
        assert!(max_diff(out.as_ref(), twice.as_ref()) < 1e-14);

        let y = random_sparse(4, 7, 4).to_dense();
        let mut out2 = Mat::zeros(4, 5);
        a.dense_mul(y.as_ref(), out2.as_mut(), c(1.0, 0.0), Accum::Replace);
        assert!(max_diff(out2.as_ref(), (&y * &ad).as_ref()) < 1e-14);

        let v: Vec<c64> = (0..5).map(|k| c(k as f64, 1.0)).collect();
        let mut w = vec![c(0.0, 0.0); 7];
        a.mul_vec(&v, &mut w);
        for (i, wi) in w.iter().enumerate() {
            let e: c64 = (0..5).map(|j| ad[(i, j)] * v[j]).sum();
            assert!((wi - e).norm() < 1e-14);
        }
    }

    #[test]
    fn kron_adjoint_submatrix_trace() {
        let a = random_sparse(3, 2, 5);
        let b = random_sparse(2, 4, 6);
        let k = a.kron(&b);
        for i in 0..3 {
            for j in 0..2 {
                for p in 0..2 {
                    for q in 0..4 {
                        assert_eq!(k.get(i * 2 + p, j * 4 + q), a.get(i, j) * b.get(p, q));
                    }
                }
            }
        }
        let h = random_sparse(5, 5, 7);
        let herm = h.add_scaled(&h.adjoint(), c(1.0, 0.0)).unwrap();
        assert!(herm.hermiticity_error() < 1e-15);
        assert!(h.hermiticity_error() > 1e-3);
        assert_eq!(h.transpose().transpose(), h);
        let sub = h.submatrix(&[4, 1], &[0, 3]);
        assert_eq!(sub.get(1, 1), h.get(1, 3));
        assert_eq!(sub.get(0, 0), h.get(4, 0));
        let tr: c64 = (0..5).map(|i| h.get(i, i)).sum();
        assert_eq!(h.trace(), tr);
        let rho = random_sparse(5, 5, 8).to_dense();
        let e: f64 = (0..5)
            .map(|i| (0..5).map(|j| herm.get(i, j) * rho[(j, i)]).sum::<c64>().re)
            .sum();
        assert!((herm.expectation(rho.as_ref()) - e).abs() < 1e-13);
    }
}
