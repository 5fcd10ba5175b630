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

use faer::linalg::solvers::Solve;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat};

use super::layout::Layout;
use super::NullMap;
use crate::{c64, CsrMatrix, Error, MatMut, MatRef, Result};

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

impl NullMap for JumpMap {
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

    fn decay_rate(&self, _mu: c64) -> Option<f64> {
        None
    }

    fn krylov_tol(&self) -> f64 {
        1e-12
    }
}
