//! Collision (repeated-interaction) maps as sparse Kraus maps.
//!
//! A system of dimension d_s meets a fresh ancilla of dimension d_a in state ρ_A; they
//! interact through a unitary U on system ⊗ ancilla (system first, ancilla second in the
//! tensor order: basis index s·d_a + a), and the ancilla is discarded:
//!
//! Φ(ρ) = Tr_A[U (ρ ⊗ ρ_A) U†] = Σ_{i,a,b} (ρ_A)_{ab} U_{ia} ρ U_{ib}†,
//!
//! with the ancilla-resolved system operators U_{ia} = ⟨i|_A U |a⟩_A (d_s×d_s). Φ is
//! linear in ρ_A, so derivatives with respect to the ancilla state are exact
//! ([`CollisionMap::apply_component`]). Ref: `001_03396fee62d82789.txt` (micromaser
//! battery charged by a stream of qubits; the Jaynes–Cummings collision unitary
//! exp(−i g (a σ⁺ + a† σ⁻)) is block diagonal on the pairs {|n,e⟩, |n+1,g⟩}).
//!
//! # Cost
//!
//! A unitary with block structure (such as the Jaynes–Cummings one) gives sparse U_{ia}
//! and Kraus operators with O(d_s) entries each. One product K ρ K† then costs
//! O(nnz(K)·d_s), so one collision costs O(d_a·rank(ρ_A)·nnz(K)·d_s) = O(d_s²) for a
//! qubit stream, instead of the O((d_s d_a)³) of the dense definition.

use faer::{Accum, Side};

use crate::{c64, CsrMatrix, Error, Mat, MatMut, MatRef, Result};

/// Tolerance of the unitarity check of [`CollisionMap::new`]: max|U†U − I| ≤ this.
pub const UNITARITY_TOL: f64 = 1e-10;

/// Tolerance of the ancilla-state checks: max|ρ_A − ρ_A†|, |Tr ρ_A − 1| and the most
/// negative eigenvalue of ρ_A must not exceed it.
pub const ANCILLA_STATE_TOL: f64 = 1e-10;

/// Eigenvalues p_j ≤ this of the ancilla state contribute no Kraus operator in
/// [`CollisionMap::kraus`] (their weight √p_j ≤ 1e-7 would add at most p_j to any
/// entry of Φ(ρ)); negative rounding noise within [`ANCILLA_STATE_TOL`] is dropped too.
pub const KRAUS_WEIGHT_TOL: f64 = 1e-14;

/// A completely positive map ρ ↦ Σ_k K_k ρ K_k† with sparse Kraus operators.
#[derive(Debug, Clone)]
pub struct KrausMap {
    ops: Vec<CsrMatrix>,
    adjoints: Vec<CsrMatrix>,
    dim: usize,
}

impl KrausMap {
    /// A Kraus map from its operators, all d×d for one d.
    ///
    /// Fails on an empty list, a non-square or mismatched operator, or non-finite entries.
    /// Trace preservation is not required; see [`KrausMap::trace_preservation_error`].
    pub fn new(ops: Vec<CsrMatrix>) -> Result<Self> {
        let Some(first) = ops.first() else {
            return Err(Error::invalid(
                "ops",
                "an empty list",
                "at least one Kraus operator",
            ));
        };
        let dim = first.nrows();
        for (k, op) in ops.iter().enumerate() {
            if op.nrows() != dim || op.ncols() != dim {
                let found = if op.nrows() != dim {
                    op.nrows()
                } else {
                    op.ncols()
                };
                return Err(Error::DimensionMismatch {
                    context: format!("Kraus operator {k}"),
                    expected: dim,
                    found,
                });
            }
            if !op.is_finite() {
                return Err(Error::NonFinite {
                    context: format!("Kraus operator {k}"),
                });
            }
        }
        let adjoints = ops.iter().map(CsrMatrix::adjoint).collect();
        Ok(Self { ops, adjoints, dim })
    }

    /// The dimension d of the space the map acts on.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The Kraus operators.
    pub fn ops(&self) -> &[CsrMatrix] {
        &self.ops
    }

    /// Φ(ρ) = Σ_k K_k ρ K_k†.
    ///
    /// Panics if `rho` is not d×d.
    pub fn apply(&self, rho: MatRef<'_, c64>) -> Mat<c64> {
        let mut out = Mat::zeros(self.dim, self.dim);
        let mut scratch = Mat::zeros(self.dim, self.dim);
        self.apply_into(rho, out.as_mut(), scratch.as_mut());
        out
    }

    /// `out` = Φ(ρ) = Σ_k K_k ρ K_k†, without allocating: `scratch` (d×d) holds K_k ρ.
    /// Cost O(Σ_k nnz(K_k)·d); both products walk the column-major matrices column by
    /// column. `out` must not alias `rho`.
    ///
    /// Panics if `rho`, `out` or `scratch` is not d×d.
    pub fn apply_into(
        &self,
        rho: MatRef<'_, c64>,
        mut out: MatMut<'_, c64>,
        mut scratch: MatMut<'_, c64>,
    ) {
        let d = self.dim;
        assert!(
            rho.nrows() == d && rho.ncols() == d,
            "KrausMap::apply_into: rho must be {d}×{d}"
        );
        assert!(
            out.nrows() == d && out.ncols() == d,
            "KrausMap::apply_into: out must be {d}×{d}"
        );
        assert!(
            scratch.nrows() == d && scratch.ncols() == d,
            "KrausMap::apply_into: scratch must be {d}×{d}"
        );
        out.fill(c64::new(0.0, 0.0));
        for (k, k_adj) in self.ops.iter().zip(&self.adjoints) {
            sandwich_add(k, k_adj, rho, out.as_mut(), scratch.as_mut());
        }
    }

    /// ‖Σ_k K_k†K_k − I‖_F: zero (to rounding) for a trace-preserving map.
    pub fn trace_preservation_error(&self) -> f64 {
        let mut triplets: Vec<(usize, usize, c64)> =
            (0..self.dim).map(|i| (i, i, c64::new(-1.0, 0.0))).collect();
        for (k, k_adj) in self.ops.iter().zip(&self.adjoints) {
            let kk = k_adj
                .matmul(k)
                .expect("Kraus operators are square of one dimension");
            triplets.extend(kk.iter());
        }
        let s = CsrMatrix::from_triplets(self.dim, self.dim, &triplets).expect("indices in range");
        s.iter().map(|(_, _, v)| v.norm_sqr()).sum::<f64>().sqrt()
    }
}

/// `out += A ρ B`, with `scratch` = A ρ: out += (A ρ) B by columns (B = K† or U_{ib}†).
fn sandwich_add(
    a: &CsrMatrix,
    b: &CsrMatrix,
    rho: MatRef<'_, c64>,
    out: MatMut<'_, c64>,
    mut scratch: MatMut<'_, c64>,
) {
    let one = c64::new(1.0, 0.0);
    a.mul_dense(rho, scratch.as_mut(), one, Accum::Replace);
    b.dense_mul(scratch.as_ref(), out, one, Accum::Add);
}

/// One collision Φ(ρ) = Tr_A[U (ρ ⊗ ρ_A) U†], stored as the ancilla-resolved system
/// operators U_{ia} = ⟨i|_A U |a⟩_A (sparse d_s×d_s each); see the module documentation.
#[derive(Debug, Clone)]
pub struct CollisionMap {
    d_sys: usize,
    d_anc: usize,
    /// U_{ia} at index i·d_anc + a.
    blocks: Vec<CsrMatrix>,
    /// U_{ia}† at index i·d_anc + a.
    block_adjoints: Vec<CsrMatrix>,
}

impl CollisionMap {
    /// Splits the unitary `u` on system ⊗ ancilla (dimension d_sys·d_anc, basis index
    /// s·d_anc + a) into the operators U_{ia}.
    ///
    /// Fails if a dimension is zero, `u` has the wrong shape or non-finite entries, or
    /// `u` is not unitary (max|U†U − I| > [`UNITARITY_TOL`]).
    pub fn new(u: &CsrMatrix, d_sys: usize, d_anc: usize) -> Result<Self> {
        if d_sys == 0 {
            return Err(Error::invalid("d_sys", d_sys, "≥ 1"));
        }
        if d_anc == 0 {
            return Err(Error::invalid("d_anc", d_anc, "≥ 1"));
        }
        let n = d_sys * d_anc;
        if u.nrows() != n || u.ncols() != n {
            let found = if u.nrows() != n { u.nrows() } else { u.ncols() };
            return Err(Error::DimensionMismatch {
                context: "collision unitary u (d_sys·d_anc)".into(),
                expected: n,
                found,
            });
        }
        if !u.is_finite() {
            return Err(Error::NonFinite {
                context: "collision unitary u".into(),
            });
        }
        let udu = u
            .adjoint()
            .matmul(u)?
            .add_scaled(&CsrMatrix::identity(n), c64::new(-1.0, 0.0))?;
        let err = udu.iter().map(|(_, _, v)| v.norm()).fold(0.0, f64::max);
        if err > UNITARITY_TOL {
            return Err(Error::invalid(
                "u",
                format!("max|U†U − I| = {err:.3e}"),
                format!("unitary (max|U†U − I| ≤ {UNITARITY_TOL:.0e})"),
            ));
        }
        let mut triplets: Vec<Vec<(usize, usize, c64)>> = vec![Vec::new(); d_anc * d_anc];
        for (r, col, v) in u.iter() {
            let (s, i) = (r / d_anc, r % d_anc);
            let (t, a) = (col / d_anc, col % d_anc);
            triplets[i * d_anc + a].push((s, t, v));
        }
        let blocks = triplets
            .iter()
            .map(|t| CsrMatrix::from_triplets(d_sys, d_sys, t))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let block_adjoints = blocks.iter().map(CsrMatrix::adjoint).collect();
        Ok(Self {
            d_sys,
            d_anc,
            blocks,
            block_adjoints,
        })
    }

    /// The system dimension d_s.
    pub fn d_sys(&self) -> usize {
        self.d_sys
    }

    /// The ancilla dimension d_a.
    pub fn d_anc(&self) -> usize {
        self.d_anc
    }

    /// The system operator U_{ia} = ⟨i|_A U |a⟩_A.
    ///
    /// Panics if `i` or `a` is ≥ d_a.
    pub fn block(&self, i: usize, a: usize) -> &CsrMatrix {
        assert!(
            i < self.d_anc && a < self.d_anc,
            "CollisionMap::block: ancilla index out of range"
        );
        &self.blocks[i * self.d_anc + a]
    }

    /// Φ(ρ) = Tr_A[U (ρ ⊗ ρ_A) U†], through the Kraus form of [`CollisionMap::kraus`].
    ///
    /// Fails if `rho` is not d_s×d_s or `rho_anc` is not a density matrix (see
    /// [`CollisionMap::kraus`]).
    pub fn apply(&self, rho: MatRef<'_, c64>, rho_anc: MatRef<'_, c64>) -> Result<Mat<c64>> {
        if rho.nrows() != self.d_sys || rho.ncols() != self.d_sys {
            let found = if rho.nrows() != self.d_sys {
                rho.nrows()
            } else {
                rho.ncols()
            };
            return Err(Error::DimensionMismatch {
                context: "system state rho".into(),
                expected: self.d_sys,
                found,
            });
        }
        Ok(self.kraus(rho_anc)?.apply(rho))
    }

    /// Σ_i U_{ia} ρ U_{ib}†: the derivative ∂Φ(ρ)/∂(ρ_A)_{ab}, so that
    /// Φ(ρ) = Σ_{ab} (ρ_A)_{ab} · `apply_component(ρ, a, b)`.
    ///
    /// Panics if `rho` is not d_s×d_s or `a`, `b` ≥ d_a.
    pub fn apply_component(&self, rho: MatRef<'_, c64>, a: usize, b: usize) -> Mat<c64> {
        let mut out = Mat::zeros(self.d_sys, self.d_sys);
        let mut scratch = Mat::zeros(self.d_sys, self.d_sys);
        self.apply_component_into(rho, a, b, out.as_mut(), scratch.as_mut(), Accum::Replace);
        out
    }

    /// `out` = (`Accum::Replace`) or `out` += (`Accum::Add`) Σ_i U_{ia} ρ U_{ib}†, without
    /// allocating; `scratch` (d_s×d_s) holds U_{ia} ρ. Cost O(Σ_i nnz(U_{ia})·d_s).
    ///
    /// Panics if `rho`, `out` or `scratch` is not d_s×d_s or `a`, `b` ≥ d_a.
    pub fn apply_component_into(
        &self,
        rho: MatRef<'_, c64>,
        a: usize,
        b: usize,
        mut out: MatMut<'_, c64>,
        mut scratch: MatMut<'_, c64>,
        accum: Accum,
    ) {
        let (d, da) = (self.d_sys, self.d_anc);
        assert!(
            a < da && b < da,
            "CollisionMap::apply_component: ancilla index out of range"
        );
        assert!(
            rho.nrows() == d && rho.ncols() == d,
            "CollisionMap::apply_component: rho must be {d}×{d}"
        );
        assert!(
            out.nrows() == d && out.ncols() == d,
            "CollisionMap::apply_component: out must be {d}×{d}"
        );
        assert!(
            scratch.nrows() == d && scratch.ncols() == d,
            "CollisionMap::apply_component: scratch must be {d}×{d}"
        );
        if let Accum::Replace = accum {
            out.fill(c64::new(0.0, 0.0));
        }
        for i in 0..da {
            sandwich_add(
                &self.blocks[i * da + a],
                &self.block_adjoints[i * da + b],
                rho,
                out.as_mut(),
                scratch.as_mut(),
            );
        }
    }

    /// The collision as a Kraus map for the ancilla state ρ_A = Σ_j p_j |φ_j⟩⟨φ_j|:
    /// K_{ij} = √p_j ⟨i|_A U |φ_j⟩_A = √p_j Σ_a (φ_j)_a U_{ia}, for the p_j above
    /// [`KRAUS_WEIGHT_TOL`] (d_a·rank(ρ_A) operators; a pure ancilla gives d_a).
    ///
    /// Fails, naming `rho_anc`, if it is not d_a×d_a, not finite, not Hermitian, not of
    /// unit trace or not positive semidefinite (tolerance [`ANCILLA_STATE_TOL`]).
    pub fn kraus(&self, rho_anc: MatRef<'_, c64>) -> Result<KrausMap> {
        let da = self.d_anc;
        let herm = check_ancilla_state(rho_anc, da)?;
        let eig = herm
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| Error::LinearAlgebra {
                context: "CollisionMap::kraus (eigen-decomposition of rho_anc)".into(),
                detail: format!("{e:?}"),
            })?;
        let p = eig.S().column_vector();
        let phi = eig.U();
        if p[0].re < -ANCILLA_STATE_TOL {
            return Err(Error::invalid(
                "rho_anc",
                format!("smallest eigenvalue {:.3e}", p[0].re),
                "positive semidefinite",
            ));
        }
        let mut ops = Vec::new();
        let mut triplets = Vec::new();
        for j in (0..da).filter(|&j| p[j].re > KRAUS_WEIGHT_TOL) {
            let w = p[j].re.sqrt();
            for i in 0..da {
                triplets.clear();
                for a in 0..da {
                    let coef = phi[(a, j)] * w;
                    triplets.extend(
                        self.blocks[i * da + a]
                            .iter()
                            .map(|(s, t, v)| (s, t, coef * v)),
                    );
                }
                let k = CsrMatrix::from_triplets(self.d_sys, self.d_sys, &triplets)?;
                if k.nnz() > 0 {
                    ops.push(k);
                }
            }
        }
        KrausMap::new(ops)
    }
}

/// Checks an ancilla density matrix; returns its Hermitian part.
fn check_ancilla_state(r: MatRef<'_, c64>, da: usize) -> Result<Mat<c64>> {
    if r.nrows() != da || r.ncols() != da {
        let found = if r.nrows() != da {
            r.nrows()
        } else {
            r.ncols()
        };
        return Err(Error::DimensionMismatch {
            context: "ancilla state rho_anc".into(),
            expected: da,
            found,
        });
    }
    let mut herm = 0.0f64;
    let mut tr = c64::new(0.0, 0.0);
    for j in 0..da {
        tr += r[(j, j)];
        for i in 0..da {
            let v = r[(i, j)];
            if !(v.re.is_finite() && v.im.is_finite()) {
                return Err(Error::NonFinite {
                    context: "ancilla state rho_anc".into(),
                });
            }
            herm = herm.max((v - r[(j, i)].conj()).norm());
        }
    }
    if herm > ANCILLA_STATE_TOL {
        return Err(Error::invalid(
            "rho_anc",
            format!("max|ρ_A − ρ_A†| = {herm:.3e}"),
            "Hermitian",
        ));
    }
    if (tr - c64::new(1.0, 0.0)).norm() > ANCILLA_STATE_TOL {
        return Err(Error::invalid(
            "rho_anc",
            format!("Tr ρ_A = {tr}"),
            "unit trace",
        ));
    }
    Ok(Mat::from_fn(da, da, |i, j| {
        (r[(i, j)] + r[(j, i)].conj()) * c64::new(0.5, 0.0)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
        }
    }

    fn random_matrix(d: usize, seed: u64) -> Mat<c64> {
        let mut next = rng(seed);
        Mat::from_fn(d, d, |_, _| c(next(), next()))
    }

    /// A A† / Tr(A A†): a random full-rank density matrix.
    fn random_state(d: usize, seed: u64) -> Mat<c64> {
        let a = random_matrix(d, seed);
        let m = &a * a.adjoint();
        let tr: c64 = (0..d).map(|i| m[(i, i)]).sum();
        Mat::from_fn(d, d, |i, j| m[(i, j)] / tr)
    }

    /// exp(−i t H) for Hermitian H through faer's eigen-decomposition.
    fn unitary_of(h: &Mat<c64>, t: f64) -> Mat<c64> {
        let eig = h.self_adjoint_eigen(Side::Lower).unwrap();
        let (v, s) = (eig.U(), eig.S().column_vector());
        let phases = Mat::<c64>::from_fn(h.nrows(), h.nrows(), |i, j| {
            if i == j {
                c(0.0, -t * s[i].re).exp()
            } else {
                c(0.0, 0.0)
            }
        });
        v * &phases * v.adjoint()
    }

    fn random_unitary(n: usize, seed: u64) -> Mat<c64> {
        let a = random_matrix(n, seed);
        unitary_of(&(&a + a.adjoint()), 1.0)
    }

    /// Tr_A[U (ρ ⊗ ρ_A) U†] by explicit loops over the dense product space.
    fn dense_collision(u: &Mat<c64>, rho: &Mat<c64>, rho_anc: &Mat<c64>) -> Mat<c64> {
        let (ds, da) = (rho.nrows(), rho_anc.nrows());
        let joint = Mat::<c64>::from_fn(ds * da, ds * da, |r, q| {
            rho[(r / da, q / da)] * rho_anc[(r % da, q % da)]
        });
        let evolved = u * &joint * u.adjoint();
        let mut out = Mat::<c64>::zeros(ds, ds);
        for s in 0..ds {
            for t in 0..ds {
                for i in 0..da {
                    out[(s, t)] += evolved[(s * da + i, t * da + i)];
                }
            }
        }
        out
    }

    fn max_diff(a: MatRef<'_, c64>, b: MatRef<'_, c64>) -> f64 {
        let mut m = 0.0f64;
        for j in 0..a.ncols() {
            for i in 0..a.nrows() {
                m = m.max((a[(i, j)] - b[(i, j)]).norm());
            }
        }
        m
    }

    #[test]
    fn matches_dense_definition_on_random_unitaries() {
        for (ds, da, seed) in [(3, 2, 1), (4, 3, 2), (2, 4, 3), (1, 3, 4)] {
            let u = random_unitary(ds * da, seed);
            let map = CollisionMap::new(&CsrMatrix::from_dense(u.as_ref(), 0.0), ds, da).unwrap();
            let rho = random_state(ds, seed + 10);
            for rho_anc in [
                random_state(da, seed + 20),
                Mat::from_fn(da, da, |i, j| {
                    if i == 0 && j == 0 {
                        c(1.0, 0.0)
                    } else {
                        c(0.0, 0.0)
                    }
                }),
            ] {
                let expect = dense_collision(&u, &rho, &rho_anc);
                let got = map.apply(rho.as_ref(), rho_anc.as_ref()).unwrap();
                assert!(
                    max_diff(got.as_ref(), expect.as_ref()) < 1e-12,
                    "ds={ds} da={da}"
                );
                let kraus = map.kraus(rho_anc.as_ref()).unwrap();
                assert!(kraus.trace_preservation_error() < 1e-12, "ds={ds} da={da}");
                let tr: c64 = (0..ds).map(|i| got[(i, i)]).sum();
                assert!((tr - c(1.0, 0.0)).norm() < 1e-12);
            }
        }
    }

    #[test]
    fn linear_in_the_ancilla_state() {
        let (ds, da) = (3, 3);
        let u = random_unitary(ds * da, 7);
        let map = CollisionMap::new(&CsrMatrix::from_dense(u.as_ref(), 0.0), ds, da).unwrap();
        let rho = random_state(ds, 8);
        let rho_anc = random_state(da, 9);
        let mut sum = Mat::<c64>::zeros(ds, ds);
        let mut scratch = Mat::<c64>::zeros(ds, ds);
        for a in 0..da {
            for b in 0..da {
                let comp = map.apply_component(rho.as_ref(), a, b);
                sum += &comp * faer::Scale(rho_anc[(a, b)]);
                // The component is Σ_i U_ia ρ U_ib†, from the dense blocks.
                let direct = (0..da).fold(Mat::<c64>::zeros(ds, ds), |acc, i| {
                    let uia = map.block(i, a).to_dense();
                    let uib = map.block(i, b).to_dense();
                    acc + &uia * &rho * uib.adjoint()
                });
                assert!(max_diff(comp.as_ref(), direct.as_ref()) < 1e-13);
            }
        }
        let full = map.apply(rho.as_ref(), rho_anc.as_ref()).unwrap();
        assert!(max_diff(sum.as_ref(), full.as_ref()) < 1e-12);
        // Accumulating form gives the same sum.
        let mut acc = Mat::<c64>::zeros(ds, ds);
        for a in 0..da {
            map.apply_component_into(
                rho.as_ref(),
                a,
                a,
                acc.as_mut(),
                scratch.as_mut(),
                Accum::Add,
            );
        }
        let diag_sum = (0..da).fold(Mat::<c64>::zeros(ds, ds), |m, a| {
            m + map.apply_component(rho.as_ref(), a, a)
        });
        assert!(max_diff(acc.as_ref(), diag_sum.as_ref()) < 1e-13);
    }

    #[test]
    fn kraus_map_apply_into_and_trace_preservation() {
        let k1 =
            CsrMatrix::from_triplets(2, 2, &[(0, 0, c(1.0, 0.0)), (1, 1, c(0.6, 0.0))]).unwrap();
        let k2 = CsrMatrix::from_triplets(2, 2, &[(0, 1, c(0.8, 0.0))]).unwrap();
        // Amplitude damping with probability 0.64: trace preserving.
        let map = KrausMap::new(vec![k1.clone(), k2]).unwrap();
        assert!(map.trace_preservation_error() < 1e-15);
        let rho = random_state(2, 3);
        let mut out = Mat::zeros(2, 2);
        let mut scratch = Mat::zeros(2, 2);
        map.apply_into(rho.as_ref(), out.as_mut(), scratch.as_mut());
        let p_excited_after = rho[(1, 1)].re * 0.36;
        assert!((out[(1, 1)].re - p_excited_after).abs() < 1e-15);
        assert!((out[(0, 0)].re - (rho[(0, 0)].re + 0.64 * rho[(1, 1)].re)).abs() < 1e-15);
        assert!(max_diff(out.as_ref(), map.apply(rho.as_ref()).as_ref()) < 1e-16);
        // Dropping k2 breaks trace preservation: ‖diag(0, 0.36 − 1)‖ = 0.64.
        let lossy = KrausMap::new(vec![k1]).unwrap();
        assert!((lossy.trace_preservation_error() - 0.64).abs() < 1e-15);
        assert!(KrausMap::new(vec![]).is_err());
        assert!(KrausMap::new(vec![CsrMatrix::identity(2), CsrMatrix::identity(3)]).is_err());
    }

    #[test]
    fn rejects_invalid_unitary_and_ancilla_state() {
        let not_unitary =
            CsrMatrix::diagonal(&[c(1.0, 0.0), c(0.5, 0.0), c(1.0, 0.0), c(1.0, 0.0)]);
        let err = CollisionMap::new(&not_unitary, 2, 2).unwrap_err();
        assert!(err.to_string().contains("u ="), "{err}");
        assert!(CollisionMap::new(&CsrMatrix::identity(4), 3, 2).is_err());
        let map = CollisionMap::new(&CsrMatrix::identity(4), 2, 2).unwrap();
        let rho = random_state(2, 1);
        let bad_trace =
            Mat::<c64>::from_fn(2, 2, |i, j| if i == j { c(0.6, 0.0) } else { c(0.0, 0.0) });
        let non_psd =
            Mat::<c64>::from_fn(2, 2, |i, j| if i == j { c(0.5, 0.0) } else { c(0.8, 0.0) });
        let non_herm = Mat::<c64>::from_fn(2, 2, |i, j| {
            if i == j {
                c(0.5, 0.0)
            } else {
                c(0.1 * (i as f64), 0.0)
            }
        });
        for bad in [bad_trace, non_psd, non_herm, Mat::<c64>::identity(3, 3)] {
            let err = map.apply(rho.as_ref(), bad.as_ref()).unwrap_err();
            assert!(err.to_string().contains("rho_anc"), "{err}");
        }
        // The identity interaction leaves the system alone.
        let out = map
            .apply(rho.as_ref(), random_state(2, 2).as_ref())
            .unwrap();
        assert!(max_diff(out.as_ref(), rho.as_ref()) < 1e-15);
    }

    /// Jaynes–Cummings collision on cavity (cutoff n_c) ⊗ qubit, qubit basis (|g⟩, |e⟩):
    /// exp(−i g (a σ⁺ + a† σ⁻)) is cos(g√(n+1)) on |n,e⟩ and |n+1,g⟩ with
    /// −i sin(g√(n+1)) between them; |0,g⟩ and (truncation) |n_c−1,e⟩ are left alone.
    fn jc_unitary(n_c: usize, g: f64) -> CsrMatrix {
        let idx = |n: usize, q: usize| 2 * n + q;
        let mut t = vec![
            (idx(0, 0), idx(0, 0), c(1.0, 0.0)),
            (idx(n_c - 1, 1), idx(n_c - 1, 1), c(1.0, 0.0)),
        ];
        for n in 0..n_c - 1 {
            let theta = g * ((n + 1) as f64).sqrt();
            let (e, g1) = (idx(n, 1), idx(n + 1, 0));
            t.extend([
                (e, e, c(theta.cos(), 0.0)),
                (g1, g1, c(theta.cos(), 0.0)),
                (e, g1, c(0.0, -theta.sin())),
                (g1, e, c(0.0, -theta.sin())),
            ]);
        }
        CsrMatrix::from_triplets(2 * n_c, 2 * n_c, &t).unwrap()
    }

    #[test]
    fn jaynes_cummings_collision() {
        let (n_c, g) = (10, 0.37);
        let u = jc_unitary(n_c, g);
        // The block form equals exp(−i g (a σ⁺ + a† σ⁻)) of the truncated generator.
        let mut hjc = Mat::<c64>::zeros(2 * n_c, 2 * n_c);
        for n in 0..n_c - 1 {
            let s = ((n + 1) as f64).sqrt();
            hjc[(2 * n + 1, 2 * (n + 1))] = c(s, 0.0); // a σ⁺: |n+1,g⟩ → |n,e⟩
            hjc[(2 * (n + 1), 2 * n + 1)] = c(s, 0.0); // a† σ⁻
        }
        assert!(max_diff(u.to_dense().as_ref(), unitary_of(&hjc, g).as_ref()) < 1e-13);

        let map = CollisionMap::new(&u, n_c, 2).unwrap();
        let vacuum = Mat::<c64>::from_fn(n_c, n_c, |i, j| {
            if i == 0 && j == 0 {
                c(1.0, 0.0)
            } else {
                c(0.0, 0.0)
            }
        });
        let excited = Mat::<c64>::from_fn(2, 2, |i, j| {
            if i == 1 && j == 1 {
                c(1.0, 0.0)
            } else {
                c(0.0, 0.0)
            }
        });
        let out = map.apply(vacuum.as_ref(), excited.as_ref()).unwrap();
        assert!((out[(1, 1)].re - g.sin().powi(2)).abs() < 1e-14);
        assert!((out[(0, 0)].re - g.cos().powi(2)).abs() < 1e-14);
        // Each Kraus operator has O(n_c) entries.
        let kraus = map.kraus(excited.as_ref()).unwrap();
        assert!(kraus.ops().iter().all(|k| k.nnz() <= n_c));
        assert!(kraus.trace_preservation_error() < 1e-13);
        // Repeated collisions with the reusable kernel keep the trace.
        let (mut rho, mut next, mut scratch) =
            (vacuum.clone(), Mat::zeros(n_c, n_c), Mat::zeros(n_c, n_c));
        for _ in 0..50 {
            kraus.apply_into(rho.as_ref(), next.as_mut(), scratch.as_mut());
            std::mem::swap(&mut rho, &mut next);
        }
        let tr: c64 = (0..n_c).map(|i| rho[(i, i)]).sum();
        assert!((tr - c(1.0, 0.0)).norm() < 1e-12);
        assert!(
            max_diff(
                rho.as_ref(),
                dense_after(&u, &vacuum, &excited, 50).as_ref()
            ) < 1e-12
        );
    }

    fn dense_after(u: &CsrMatrix, rho: &Mat<c64>, rho_anc: &Mat<c64>, steps: usize) -> Mat<c64> {
        let ud = u.to_dense();
        (0..steps).fold(rho.clone(), |r, _| dense_collision(&ud, &r, rho_anc))
    }
}
