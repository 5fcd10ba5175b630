//! Time-dependent Hamiltonians H(t) = H₀ + Σ_k f_k(t) H_k with real controls f_k.
//!
//! A control is constant, piecewise constant (the charging protocols optimised in
//! 000_e3df25f406468476.txt and 001_03396fee62d82789.txt) or an arbitrary function of
//! time (the Field-QB drive of 003_0f93033296fe24a2.txt). The edges of piecewise controls
//! are the Hamiltonian's [`breakpoints`](Hamiltonian::breakpoints): solvers land on them
//! exactly instead of integrating across a jump.

use std::fmt;
use std::sync::Arc;

use crate::{c64, CsrMatrix, Error, Result};

/// Largest |H − H†| entry allowed, relative to the largest |H| entry (and at least absolute).
pub const HERMITICITY_TOL: f64 = 1e-10;

/// A real, time-dependent coefficient f(t) of a Hamiltonian term.
#[derive(Clone)]
pub enum Control {
    /// f(t) = value at all times.
    Constant(f64),
    /// f(t) = `values[k]` for t in [`edges[k]`, `edges[k + 1]`); extended constantly outside:
    /// `values[0]` before `edges[0]`, the last value from the last edge on.
    /// Needs `values.len() + 1 == edges.len()` ≥ 2, edges finite and strictly increasing,
    /// values finite (see [`Control::piecewise`]).
    Piecewise {
        /// Interval edges, strictly increasing.
        edges: Vec<f64>,
        /// The value on each interval.
        values: Vec<f64>,
    },
    /// f(t) given by a function; it should be smooth between the Hamiltonian's breakpoints
    /// (adaptive solvers assume it) and must return finite values.
    Function(Arc<dyn Fn(f64) -> f64 + Send + Sync>),
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Control::Constant(v) => f.debug_tuple("Constant").field(v).finish(),
            Control::Piecewise { edges, values } => f
                .debug_struct("Piecewise")
                .field("edges", edges)
                .field("values", values)
                .finish(),
            Control::Function(_) => f.write_str("Function(..)"),
        }
    }
}

impl Control {
    /// A checked piecewise-constant control (see [`Control::Piecewise`]).
    pub fn piecewise(edges: Vec<f64>, values: Vec<f64>) -> Result<Self> {
        let c = Control::Piecewise { edges, values };
        c.validate("control")?;
        Ok(c)
    }

    /// A control given by a function of time.
    pub fn function(f: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        Control::Function(Arc::new(f))
    }

    /// Checks the variant's invariants; errors name the control `name`.
    pub fn validate(&self, name: &str) -> Result<()> {
        match self {
            Control::Constant(v) if !v.is_finite() => Err(Error::invalid(name, v, "finite")),
            Control::Piecewise { edges, values } => {
                if edges.len() < 2 || values.len() + 1 != edges.len() {
                    return Err(Error::invalid(
                        format!("{name}.values"),
                        format!("{} values for {} edges", values.len(), edges.len()),
                        "one value per interval: values.len() + 1 == edges.len() ≥ 2",
                    ));
                }
                if let Some(e) = edges.iter().find(|e| !e.is_finite()) {
                    return Err(Error::invalid(format!("{name}.edges"), e, "finite"));
                }
                if let Some(k) = (1..edges.len()).find(|&k| edges[k] <= edges[k - 1]) {
                    return Err(Error::invalid(
                        format!("{name}.edges[{k}]"),
                        edges[k],
                        format!("> edges[{}] = {}", k - 1, edges[k - 1]),
                    ));
                }
                if let Some(k) = values.iter().position(|v| !v.is_finite()) {
                    return Err(Error::invalid(
                        format!("{name}.values[{k}]"),
                        values[k],
                        "finite",
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The value f(t).
    pub fn value(&self, t: f64) -> f64 {
        match self {
            Control::Constant(v) => *v,
            Control::Piecewise { edges, values } => {
                let k = edges.partition_point(|&e| e <= t);
                values[k.saturating_sub(1).min(values.len() - 1)]
            }
            Control::Function(f) => f(t),
        }
    }

    /// Times where f jumps: the interior edges of a piecewise control (none otherwise).
    pub fn breakpoints(&self) -> Vec<f64> {
        match self {
            Control::Piecewise { edges, .. } if edges.len() > 2 => {
                edges[1..edges.len() - 1].to_vec()
            }
            _ => Vec::new(),
        }
    }

    /// Whether f is constant in time.
    pub fn is_constant(&self) -> bool {
        match self {
            Control::Constant(_) => true,
            Control::Piecewise { values, .. } => values.windows(2).all(|w| w[0] == w[1]),
            Control::Function(_) => false,
        }
    }
}

/// H(t) = H₀ + Σ_k f_k(t) H_k, with Hermitian H₀, H_k and real controls f_k.
#[derive(Debug, Clone)]
pub struct Hamiltonian {
    /// The static part H₀.
    pub h0: CsrMatrix,
    /// The driven terms (f_k, H_k).
    pub drives: Vec<(Control, CsrMatrix)>,
}

impl Hamiltonian {
    /// A checked Hamiltonian (see [`Hamiltonian::validate`]).
    pub fn new(h0: CsrMatrix, drives: Vec<(Control, CsrMatrix)>) -> Result<Self> {
        let h = Hamiltonian { h0, drives };
        h.validate()?;
        Ok(h)
    }

    /// A checked time-independent Hamiltonian.
    pub fn constant(h0: CsrMatrix) -> Result<Self> {
        Self::new(h0, Vec::new())
    }

    /// Adds a checked driven term f(t) · op.
    pub fn with_drive(mut self, control: Control, op: CsrMatrix) -> Result<Self> {
        self.drives.push((control, op));
        self.validate()?;
        Ok(self)
    }

    /// Checks that H₀ is square, finite and Hermitian, that every H_k has H₀'s dimension
    /// and is finite and Hermitian (within [`HERMITICITY_TOL`] relative to its largest
    /// entry), and that every control is valid. Errors name the term: `h0`,
    /// `drives[k].operator`, `drives[k].control`.
    pub fn validate(&self) -> Result<()> {
        check_operator(&self.h0, "h0")?;
        let n = self.dim();
        for (k, (control, op)) in self.drives.iter().enumerate() {
            for found in [op.nrows(), op.ncols()] {
                if found != n {
                    return Err(Error::DimensionMismatch {
                        context: format!(
                            "drives[{k}].operator of the Hamiltonian (dimension of h0)"
                        ),
                        expected: n,
                        found,
                    });
                }
            }
            check_hermitian(op, &format!("drives[{k}].operator"))?;
            control.validate(&format!("drives[{k}].control"))?;
        }
        Ok(())
    }

    /// The Hilbert-space dimension.
    pub fn dim(&self) -> usize {
        self.h0.nrows()
    }

    /// H(t) as one sparse matrix.
    pub fn at(&self, t: f64) -> CsrMatrix {
        self.drives.iter().fold(self.h0.clone(), |acc, (f, op)| {
            acc.add_scaled(op, c64::new(f.value(t), 0.0))
                .expect("validated: equal dimensions")
        })
    }

    /// The sorted, distinct times where some control jumps.
    pub fn breakpoints(&self) -> Vec<f64> {
        let mut b: Vec<f64> = self
            .drives
            .iter()
            .flat_map(|(f, _)| f.breakpoints())
            .collect();
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    }

    /// Whether H does not depend on time.
    pub fn is_constant(&self) -> bool {
        self.drives.iter().all(|(f, _)| f.is_constant())
    }

    /// Whether H is constant between its breakpoints (no [`Control::Function`]).
    pub fn is_piecewise_constant(&self) -> bool {
        self.drives
            .iter()
            .all(|(f, _)| !matches!(f, Control::Function(_)))
    }
}

/// Checks that a Hamiltonian term `name` is square, finite and Hermitian within
/// [`HERMITICITY_TOL`] · max(1, max |A_ij|).
pub(crate) fn check_operator(op: &CsrMatrix, name: &str) -> Result<()> {
    if op.nrows() != op.ncols() {
        return Err(Error::DimensionMismatch {
            context: format!("{name} (must be square: columns vs rows)"),
            expected: op.nrows(),
            found: op.ncols(),
        });
    }
    check_hermitian(op, name)
}

fn check_hermitian(op: &CsrMatrix, name: &str) -> Result<()> {
    if !op.is_finite() {
        return Err(Error::NonFinite {
            context: name.to_string(),
        });
    }
    let scale = op.iter().map(|(_, _, v)| v.norm()).fold(1.0, f64::max);
    let err = op.hermiticity_error();
    if err > HERMITICITY_TOL * scale {
        return Err(Error::invalid(
            name,
            format!("an operator with |A − A†| = {err:.3e}"),
            format!("Hermitian (|A − A†| ≤ {HERMITICITY_TOL:.0e} · max(1, max |A_ij|))"),
        ));
    }
    Ok(())
}

/// A sum Σ_j c_j A_j of sparse square operators on the union of their sparsity patterns,
/// so that the coefficients can change (with time) without rebuilding the matrix.
#[derive(Debug, Clone)]
pub(crate) struct OperatorSum {
    /// Row `i` holds positions `indptr[i]..indptr[i + 1]` of `indices`.
    pub(crate) indptr: Vec<usize>,
    pub(crate) indices: Vec<usize>,
    /// Each term's values on the union pattern.
    terms: Vec<Vec<c64>>,
}

impl OperatorSum {
    /// The union pattern of `ops` (all `dim × dim`, checked by the caller).
    pub(crate) fn new(dim: usize, ops: &[&CsrMatrix]) -> Self {
        let mut indptr = Vec::with_capacity(dim + 1);
        let mut indices = Vec::new();
        indptr.push(0);
        let mut row = Vec::new();
        for i in 0..dim {
            row.clear();
            for op in ops {
                row.extend(op.row(i).map(|(j, _)| j));
            }
            row.sort_unstable();
            row.dedup();
            indices.extend_from_slice(&row);
            indptr.push(indices.len());
        }
        let terms = ops
            .iter()
            .map(|op| {
                let mut v = vec![c64::new(0.0, 0.0); indices.len()];
                for i in 0..dim {
                    let cols = &indices[indptr[i]..indptr[i + 1]];
                    for (j, x) in op.row(i) {
                        let p = cols.binary_search(&j).expect("j is in the union pattern");
                        v[indptr[i] + p] = x;
                    }
                }
                v
            })
            .collect();
        OperatorSum {
            indptr,
            indices,
            terms,
        }
    }

    /// Number of pattern entries.
    pub(crate) fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Number of terms.
    pub(crate) fn terms(&self) -> usize {
        self.terms.len()
    }

    /// out[p] = map(Σ_j coefs[j] · A_j[p]) on the pattern.
    pub(crate) fn fill<T>(&self, coefs: &[c64], out: &mut [T], map: impl Fn(c64) -> T) {
        debug_assert_eq!(coefs.len(), self.terms.len());
        for (p, o) in out.iter_mut().enumerate() {
            let mut s = c64::new(0.0, 0.0);
            for (c, v) in coefs.iter().zip(&self.terms) {
                s += c * v[p];
            }
            *o = map(s);
        }
    }

    /// y = M x for the matrix M with `values` on this pattern.
    pub(crate) fn mul_vec(&self, values: &[c64], x: &[c64], y: &mut [c64]) {
        for (i, yi) in y.iter_mut().enumerate() {
            let range = self.indptr[i]..self.indptr[i + 1];
            let mut s = c64::new(0.0, 0.0);
            for (&j, &v) in self.indices[range.clone()].iter().zip(&values[range]) {
                s += v * x[j];
            }
            *yi = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    fn sx() -> CsrMatrix {
        CsrMatrix::from_triplets(2, 2, &[(0, 1, c(1.0, 0.0)), (1, 0, c(1.0, 0.0))]).unwrap()
    }

    fn sz() -> CsrMatrix {
        CsrMatrix::diagonal(&[c(1.0, 0.0), c(-1.0, 0.0)])
    }

    #[test]
    fn piecewise_values_and_breakpoints() {
        let f = Control::piecewise(vec![0.0, 1.0, 2.5, 4.0], vec![3.0, -1.0, 2.0]).unwrap();
        for (t, v) in [
            (-1.0, 3.0),
            (0.0, 3.0),
            (0.999, 3.0),
            (1.0, -1.0),
            (2.4, -1.0),
            (2.5, 2.0),
            (4.0, 2.0),
            (9.0, 2.0),
        ] {
            assert_eq!(f.value(t), v, "t = {t}");
        }
        assert_eq!(f.breakpoints(), vec![1.0, 2.5]);
        assert!(!f.is_constant());
        assert!(Control::piecewise(vec![0.0, 1.0], vec![2.0])
            .unwrap()
            .is_constant());
        let g = Control::function(|t| t * t);
        assert_eq!(g.value(3.0), 9.0);
        assert!(g.breakpoints().is_empty() && !g.is_constant());
        assert_eq!(format!("{g:?}"), "Function(..)");
    }

    #[test]
    fn piecewise_validation_names_the_field() {
        let name = |r: Result<Control>| match r.unwrap_err() {
            Error::InvalidParameter { name, .. } => name,
            e => panic!("{e:?}"),
        };
        assert_eq!(
            name(Control::piecewise(vec![0.0, 1.0], vec![1.0, 2.0])),
            "control.values"
        );
        assert_eq!(
            name(Control::piecewise(vec![0.0], vec![])),
            "control.values"
        );
        assert_eq!(
            name(Control::piecewise(vec![0.0, 2.0, 1.0], vec![1.0, 2.0])),
            "control.edges[2]"
        );
        assert_eq!(
            name(Control::piecewise(vec![0.0, f64::NAN], vec![1.0])),
            "control.edges"
        );
        assert_eq!(
            name(Control::piecewise(vec![0.0, 1.0], vec![f64::INFINITY])),
            "control.values[0]"
        );
    }

    #[test]
    fn hamiltonian_sum_and_validation() {
        let f = Control::piecewise(vec![0.0, 1.0, 2.0], vec![0.5, -2.0]).unwrap();
        let h = Hamiltonian::constant(sz())
            .unwrap()
            .with_drive(f, sx())
            .unwrap();
        assert_eq!(h.dim(), 2);
        assert_eq!(h.breakpoints(), vec![1.0]);
        assert!(!h.is_constant() && h.is_piecewise_constant());
        let m = h.at(1.5);
        assert_eq!(m.get(0, 1), c(-2.0, 0.0));
        assert_eq!(m.get(1, 1), c(-1.0, 0.0));
        assert_eq!(h.at(0.2).get(1, 0), c(0.5, 0.0));

        let not_herm = CsrMatrix::from_triplets(2, 2, &[(0, 1, c(1.0, 0.0))]).unwrap();
        let e =
            Hamiltonian::new(sz(), vec![(Control::Constant(1.0), not_herm.clone())]).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { ref name, .. } if name == "drives[0].operator"),
            "{e:?}"
        );
        assert!(
            matches!(Hamiltonian::constant(not_herm).unwrap_err(), Error::InvalidParameter { name, .. } if name == "h0")
        );
        let big = CsrMatrix::identity(3);
        assert!(matches!(
            Hamiltonian::new(sz(), vec![(Control::Constant(1.0), big)]).unwrap_err(),
            Error::DimensionMismatch {
                expected: 2,
                found: 3,
                ..
            }
        ));
        let rect = CsrMatrix::zeros(2, 3);
        assert!(matches!(
            Hamiltonian::constant(rect).unwrap_err(),
            Error::DimensionMismatch { .. }
        ));
        let bad_control = Control::Piecewise {
            edges: vec![1.0, 0.0],
            values: vec![1.0],
        };
        let e = Hamiltonian::new(sz(), vec![(bad_control, sx())]).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { ref name, .. } if name == "drives[0].control.edges[1]"),
            "{e:?}"
        );
        let e = Hamiltonian::new(sz(), vec![(Control::Constant(f64::NAN), sx())]).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { ref name, .. } if name == "drives[0].control"),
            "{e:?}"
        );
        let nan = CsrMatrix::diagonal(&[c(f64::NAN, 0.0), c(0.0, 0.0)]);
        assert!(matches!(
            Hamiltonian::constant(nan).unwrap_err(),
            Error::NonFinite { .. }
        ));
        // Hermitian up to rounding is accepted.
        let near =
            CsrMatrix::from_triplets(2, 2, &[(0, 1, c(1.0, 1e-13)), (1, 0, c(1.0, 0.0))]).unwrap();
        assert!(Hamiltonian::constant(near).is_ok());
    }

    #[test]
    fn operator_sum_matches_sparse_sum() {
        let a = sx();
        let b = CsrMatrix::from_triplets(
            2,
            2,
            &[
                (0, 0, c(2.0, 0.0)),
                (0, 1, c(0.0, -1.0)),
                (1, 0, c(0.0, 1.0)),
            ],
        )
        .unwrap();
        let s = OperatorSum::new(2, &[&a, &b]);
        assert_eq!(s.nnz(), 3);
        let coefs = [c(0.5, 0.0), c(0.0, 2.0)];
        let mut vals = vec![c(0.0, 0.0); s.nnz()];
        s.fill(&coefs, &mut vals, |z| z);
        let dense = a
            .scale(coefs[0])
            .add_scaled(&b, coefs[1])
            .unwrap()
            .to_dense();
        let x = [c(1.0, -2.0), c(0.3, 0.7)];
        let mut y = [c(0.0, 0.0); 2];
        s.mul_vec(&vals, &x, &mut y);
        for i in 0..2 {
            let expect = dense[(i, 0)] * x[0] + dense[(i, 1)] * x[1];
            assert!((y[i] - expect).norm() < 1e-15);
        }
    }
}

/// Small hand-built operators shared by the dynamics tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::{c64, CsrMatrix, Mat, MatRef};

    pub(crate) fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    /// Annihilation operator of a mode with levels 0..n−1.
    pub(crate) fn destroy(n: usize) -> CsrMatrix {
        let t: Vec<_> = (1..n)
            .map(|k| (k - 1, k, c((k as f64).sqrt(), 0.0)))
            .collect();
        CsrMatrix::from_triplets(n, n, &t).unwrap()
    }

    /// Qubit σ⁻ = |g⟩⟨e| in the basis (|g⟩, |e⟩).
    pub(crate) fn sigma_minus() -> CsrMatrix {
        CsrMatrix::from_triplets(2, 2, &[(0, 1, c(1.0, 0.0))]).unwrap()
    }

    /// Pauli matrices in the basis (|g⟩, |e⟩): σz = diag(−1, 1).
    pub(crate) fn paulis() -> [CsrMatrix; 3] {
        let sm = sigma_minus();
        let sx = sm.add_scaled(&sm.adjoint(), c(1.0, 0.0)).unwrap();
        let sy = sm
            .scale(c(0.0, 1.0))
            .add_scaled(&sm.adjoint(), c(0.0, -1.0))
            .unwrap();
        let sz = CsrMatrix::diagonal(&[c(-1.0, 0.0), c(1.0, 0.0)]);
        [sx, sy, sz]
    }

    /// A random sparse Hermitian matrix (fixed seed), about `per_row` entries a row.
    pub(crate) fn random_hermitian(n: usize, per_row: usize, seed: u64) -> CsrMatrix {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut t = Vec::new();
        for i in 0..n {
            t.push((i, i, c(2.0 * next() - 1.0, 0.0)));
            for _ in 0..per_row / 2 {
                let j = (next() * n as f64) as usize % n;
                let v = c(next() - 0.5, next() - 0.5);
                t.push((i, j, v));
                t.push((j, i, v.conj()));
            }
        }
        CsrMatrix::from_triplets(n, n, &t).unwrap()
    }

    /// A random normalised ket (fixed seed).
    pub(crate) fn random_ket(n: usize, seed: u64) -> Vec<c64> {
        let mut s = seed ^ 0x9e3779b97f4a7c15;
        let mut next = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let v: Vec<c64> = (0..n).map(|_| c(next(), next())).collect();
        let norm = v.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        v.into_iter().map(|z| z / norm).collect()
    }

    /// |ψ⟩⟨ψ|.
    pub(crate) fn projector(psi: &[c64]) -> Mat<c64> {
        Mat::from_fn(psi.len(), psi.len(), |i, j| psi[i] * psi[j].conj())
    }

    /// Largest entry of |A − B|.
    pub(crate) fn max_diff(a: MatRef<'_, c64>, b: MatRef<'_, c64>) -> f64 {
        let mut m: f64 = 0.0;
        for j in 0..a.ncols() {
            for i in 0..a.nrows() {
                m = m.max((a[(i, j)] - b[(i, j)]).norm());
            }
        }
        m
    }
}
