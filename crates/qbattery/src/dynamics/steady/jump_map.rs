//! The jump map of a Lindbladian, for steady states of large open systems without a
//! d²×d² factorisation.
//!
//! Split 𝓛 = 𝒮 + 𝒥 into the evolution between jumps, 𝒮(ρ) = −i(Kρ − ρK†) with the
//! effective Hamiltonian K = H − (i/2) Σ_k L_k†L_k, and the jumps, 𝒥(ρ) = Σ_k L_k ρ L_k†.
//! Then 𝓛ρ = 0 ⇔ ρ = Φ(ρ) with the jump map Φ = −𝒮⁻¹𝒥 (similar to the CPTP map of
//! the embedded jump chain, so its spectrum lies in the unit disc): the null vectors of
//! 𝓛 are exactly the eigenvectors of Φ for μ = 1, and those of 𝓛† the eigenvectors of
//! Φ' = −𝒮^{-†}𝒥† for μ = 1. Krylov–Schur on Φ finds them with d×d matrices only.
//!
//! 𝒮⁻¹ is applied in the eigenbasis of K = VΛV⁻¹: with X̃ = V⁻¹XV^{-†},
//! 𝒮(X) = V[−i(λ_i − λ̄_j) X̃_ij]V†, so 𝒮⁻¹ divides entrywise; it costs four dense d×d
//! products, and 𝒥 a few sparse ones. With a weak symmetry (ρ block-diagonal, see
//! `layout`) K is block-diagonal and 𝒮⁻¹ acts on each diagonal block with that block's
//! eigenvectors: for two equal blocks, a quarter of the dense work. 𝒮 is invertible when every eigenvalue of K decays
//! (Im λ < 0): every state is reached by some jump operator's L†L.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::solvers::Solve;
use faer::matrix_free::eigen::{partial_eigen, partial_eigen_scratch, PartialEigenParams};
use faer::matrix_free::LinOp;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, ColRef, Mat, Par};

use super::layout::Layout;
use crate::{c64, CsrMatrix, Error, MatMut, MatRef, Result};

/// Krylov–Schur residual tolerance (the map's eigenvalues lie in the unit disc).
const KRYLOV_TOL: f64 = 1e-12;

/// Eigenvalues requested from the first Krylov–Schur run; doubled (up to
/// [`KRYLOV_NEV_MAX`]) after a run whose eigenvalues were all null.
const KRYLOV_NEV: usize = 6;

/// Upper bound on the eigenvalues requested from one Krylov–Schur run.
const KRYLOV_NEV_MAX: usize = 96;

/// 𝒮 on one diagonal block of a weak symmetry (the whole matrix without one): K is
/// block-diagonal there, so 𝒮⁻¹ acts block by block.
#[derive(Debug)]
struct BlockInverse {
    /// The block's basis indices.
    indices: Vec<usize>,
    /// Eigenvectors V of the block of K (columns).
    v: Mat<c64>,
    /// V⁻¹.
    w: Mat<c64>,
    /// −i(λ_i − λ̄_j): 𝒮 in the eigenbasis of K.
    denom: Mat<c64>,
}

/// Φ = −𝒮⁻¹𝒥 (or Φ' = −𝒮^{-†}𝒥† when `adjoint`) on the kept entries of column-stacked
/// vec(ρ) (all of them, or the diagonal blocks of a weak symmetry, which Φ preserves).
#[derive(Debug)]
pub(super) struct JumpMap {
    d: usize,
    blocks: Vec<BlockInverse>,
    /// (M_k, M_k†) with M_k = L_k (or L_k† for the adjoint map).
    ops: Vec<(CsrMatrix, CsrMatrix)>,
    adjoint: bool,
    null_tol: f64,
    /// The entries of vec(ρ) the map acts on.
    layout: Layout,
}

/// Smallest |λ_i − λ̄_j| relative to max |λ| for which 𝒮 counts as invertible.
const SINGULAR_REL: f64 = 1e-12;

impl JumpMap {
    /// The jump map of H and the jumps (each carrying its rate); `None` when 𝒮 is
    /// singular (a dark state). Eigenvalues μ with |μ − 1| ≤ `null_tol` count as null.
    /// Fails when K = H − (i/2) Σ L†L couples two blocks of `layout` (its labels are then
    /// not a weak symmetry).
    pub(super) fn new(
        h: &CsrMatrix,
        jumps: &[CsrMatrix],
        layout: &Layout,
        adjoint: bool,
        null_tol: f64,
    ) -> Result<Option<Self>> {
        let d = h.nrows();
        let mut k = h.clone();
        for l in jumps {
            k = k.add_scaled(&l.adjoint().matmul(l)?, c64::new(0.0, -0.5))?;
        }
        let labels = layout.labels();
        if let Some((i, j, _)) = k.iter().find(|&(i, j, _)| labels[i] != labels[j]) {
            return Err(Error::LinearAlgebra {
                context: "steady_state (weak symmetry)".into(),
                detail: format!(
                    "H − (i/2)ΣL†L couples basis states {i} and {j} of different blocks"
                ),
            });
        }
        let mut blocks = Vec::new();
        let (mut scale, mut slowest) = (1e-300f64, f64::INFINITY);
        for indices in layout.blocks() {
            let kb = k.submatrix(&indices, &indices).to_dense();
            let n = indices.len();
            let evd = kb.eigen().map_err(|e| Error::LinearAlgebra {
                context: "steady_state (eigen-decomposition of the effective Hamiltonian)".into(),
                detail: format!("{e:?}"),
            })?;
            let v = evd.U().to_owned();
            let lambda: Vec<c64> = (0..n).map(|i| evd.S()[i]).collect();
            let w = v.partial_piv_lu().solve(Mat::<c64>::identity(n, n));
            scale = lambda.iter().map(|l| l.norm()).fold(scale, f64::max);
            // min_ij |λ_i − λ̄_j| = 2 min_k |Im λ_k| (|λ_i − λ̄_j| ≥ |Im λ_i| + |Im λ_j|,
            // equal at i = j): 𝒮 is singular exactly when some λ_k is real.
            slowest = lambda.iter().map(|l| l.im.abs()).fold(slowest, f64::min);
            let denom = Mat::from_fn(n, n, |i, j| {
                c64::new(0.0, -1.0) * (lambda[i] - lambda[j].conj())
            });
            blocks.push(BlockInverse {
                indices,
                v,
                w,
                denom,
            });
        }
        if 2.0 * slowest <= SINGULAR_REL * scale {
            return Ok(None);
        }
        let ops = jumps
            .iter()
            .map(|l| {
                if adjoint {
                    (l.adjoint(), l.clone())
                } else {
                    (l.clone(), l.adjoint())
                }
            })
            .collect();
        Ok(Some(Self {
            d,
            blocks,
            ops,
            adjoint,
            null_tol,
            layout: layout.clone(),
        }))
    }

    /// Φ(X) (or Φ'(X)) for one d×d matrix, block-diagonal in the layout's blocks.
    fn map(&self, x: MatRef<'_, c64>) -> Mat<c64> {
        // 𝒥(X) = Σ M X M† with M = L (or L† for 𝒥†).
        let one = c64::new(1.0, 0.0);
        let mut jx = Mat::<c64>::zeros(self.d, self.d);
        let mut mx = Mat::<c64>::zeros(self.d, self.d);
        for (m, m_adj) in &self.ops {
            m.mul_dense(x, mx.as_mut(), one, Accum::Replace);
            m_adj.dense_mul(mx.as_ref(), jx.as_mut(), one, Accum::Add);
        }
        let mut out = Mat::<c64>::zeros(self.d, self.d);
        for b in &self.blocks {
            let idx = &b.indices;
            let y = Mat::from_fn(idx.len(), idx.len(), |i, j| jx[(idx[i], idx[j])]);
            let (v, w) = (&b.v, &b.w);
            let mut t = if self.adjoint {
                v.adjoint() * &y * v
            } else {
                w * &y * w.adjoint()
            };
            for j in 0..idx.len() {
                for i in 0..idx.len() {
                    let den = if self.adjoint {
                        b.denom[(i, j)].conj()
                    } else {
                        b.denom[(i, j)]
                    };
                    t[(i, j)] = -t[(i, j)] / den;
                }
            }
            let z = if self.adjoint {
                w.adjoint() * &t * w
            } else {
                v * &t * v.adjoint()
            };
            for j in 0..idx.len() {
                for i in 0..idx.len() {
                    out[(idx[i], idx[j])] = z[(i, j)];
                }
            }
        }
        out
    }
}

impl JumpMap {
    fn dim(&self) -> usize {
        self.layout.len()
    }

    fn apply_in_place(&self, mut x: MatMut<'_, c64>) {
        for c in 0..x.ncols() {
            let m = self.layout.unvec(x.rb().col(c));
            let y = self.layout.vec(self.map(m.as_ref()).as_ref());
            x.rb_mut().col_mut(c).copy_from(&y);
        }
    }

    fn is_null(&self, mu: c64) -> bool {
        (mu - c64::new(1.0, 0.0)).norm() <= self.null_tol
    }
}

/// The jump map compressed to the orthogonal complement of the columns of `deflate`
/// (orthonormal): P A P with P = I − QQ†. If span Q is an invariant subspace of A, the
/// spectrum of P A P is that of A on the complement (Schur deflation) plus zeros.
#[derive(Debug)]
struct Deflated<'a> {
    map: &'a JumpMap,
    deflate: MatRef<'a, c64>,
}

impl Deflated<'_> {
    fn deflate_in_place(&self, mut x: MatMut<'_, c64>) {
        if self.deflate.ncols() > 0 {
            let c = self.deflate.adjoint() * x.rb();
            x -= self.deflate * &c;
        }
    }
}

impl LinOp<c64> for Deflated<'_> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }

    fn nrows(&self) -> usize {
        self.map.dim()
    }

    fn ncols(&self) -> usize {
        self.map.dim()
    }

    fn apply(
        &self,
        mut out: MatMut<'_, c64>,
        rhs: MatRef<'_, c64>,
        _par: Par,
        _stack: &mut MemStack,
    ) {
        out.copy_from(rhs);
        self.deflate_in_place(out.rb_mut());
        self.map.apply_in_place(out.rb_mut());
        self.deflate_in_place(out.rb_mut());
    }

    fn conj_apply(
        &self,
        mut out: MatMut<'_, c64>,
        rhs: MatRef<'_, c64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        let rhs_conj = rhs.conjugate().to_owned();
        self.apply(out.rb_mut(), rhs_conj.as_ref(), par, stack);
        for j in 0..out.ncols() {
            for i in 0..out.nrows() {
                out[(i, j)] = out[(i, j)].conj();
            }
        }
    }
}

/// Orthonormal eigenvectors of the jump map for μ = 1 (the null vectors of 𝓛, or of 𝓛†
/// for the adjoint map): repeated Krylov–Schur runs, each deflating the vectors found
/// before, until a run finds no further eigenvalue within the map's tolerance of 1.
/// A single Krylov sequence can miss copies of a repeated eigenvalue; the deflated runs
/// catch some of them, not all (see [`super::SteadyMethod::Iterative`]).
pub(super) fn krylov_null_space(map: &JumpMap) -> Result<Mat<c64>> {
    let n = map.dim();
    let mut nev = KRYLOV_NEV.min(n);
    let params = PartialEigenParams::default();
    let mut q = Mat::<c64>::zeros(n, 0);
    let mut v0 = super::random_block(n, 1, 0).col(0).to_owned();
    while q.ncols() < n {
        let op = Deflated {
            map,
            deflate: q.as_ref(),
        };
        if q.ncols() > 0 {
            let c = q.adjoint() * &v0;
            v0 -= &q * &c;
        }
        let mut buf = MemBuffer::new(partial_eigen_scratch(&op, nev, Par::Seq, params));
        let mut vecs = Mat::<c64>::zeros(n, nev);
        let mut vals = vec![c64::new(0.0, 0.0); nev];
        let info = partial_eigen(
            vecs.as_mut(),
            &mut vals,
            &op,
            v0.as_ref(),
            KRYLOV_TOL,
            Par::Seq,
            MemStack::new(&mut buf),
            params,
        );
        let converged = info.n_converged_eigen.min(nev);
        if converged == 0 {
            return Err(Error::LinearAlgebra {
                context: "steady_state (Krylov–Schur)".into(),
                detail: format!(
                    "no eigenvalue converged in {} restarts; use another solver.steady.method",
                    params.max_restarts
                ),
            });
        }
        let found: Vec<usize> = (0..converged).filter(|&j| map.is_null(vals[j])).collect();
        let before = q.ncols();
        if found.len() == nev {
            nev = (2 * nev).min(KRYLOV_NEV_MAX).min(n);
        }
        for j in found {
            q = append_orthonormal(q, vecs.col(j));
        }
        if q.ncols() == before {
            break;
        }
    }
    Ok(q)
}

/// Appends `v` to the orthonormal columns of `q` (two Gram–Schmidt passes); skips it if
/// it lies in their span.
fn append_orthonormal(q: Mat<c64>, v: ColRef<'_, c64>) -> Mat<c64> {
    let mut w = v.to_owned();
    let norm0 = w.norm_l2();
    for _ in 0..2 {
        let c = q.adjoint() * &w;
        w -= &q * &c;
    }
    let norm = w.norm_l2();
    let independent = norm > 1e-6 * norm0;
    if !independent {
        return q;
    }
    let k = q.ncols();
    Mat::from_fn(q.nrows(), k + 1, |i, j| {
        if j < k {
            q[(i, j)]
        } else {
            w[i] / c64::new(norm, 0.0)
        }
    })
}
