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
//! products, and 𝒥 a few sparse ones. 𝒮 is invertible when every eigenvalue of K decays
//! (Im λ < 0): every state is reached by some jump operator's L†L.

use faer::linalg::solvers::Solve;
use faer::Mat;

use super::NullMap;
use crate::{c64, CsrMatrix, Error, MatMut, MatRef, Result};

/// Φ = −𝒮⁻¹𝒥 (or Φ' = −𝒮^{-†}𝒥† when `adjoint`) on column-stacked vec(ρ).
#[derive(Debug)]
pub(super) struct JumpMap {
    d: usize,
    /// Eigenvectors V of K (columns).
    v: Mat<c64>,
    /// V⁻¹.
    w: Mat<c64>,
    /// −i(λ_i − λ̄_j): 𝒮 in the eigenbasis of K.
    denom: Mat<c64>,
    /// L_k (or L_k† for the adjoint map).
    ops: Vec<CsrMatrix>,
    adjoint: bool,
    null_tol: f64,
}

/// Smallest |λ_i − λ̄_j| relative to max |λ| for which 𝒮 counts as invertible.
const SINGULAR_REL: f64 = 1e-12;

impl JumpMap {
    /// The jump map of H and the jumps (each carrying its rate); `None` when 𝒮 is
    /// singular (a dark state). Eigenvalues μ with |μ − 1| ≤ `null_tol` count as null.
    pub(super) fn new(
        h: &CsrMatrix,
        jumps: &[CsrMatrix],
        adjoint: bool,
        null_tol: f64,
    ) -> Result<Option<Self>> {
        let d = h.nrows();
        let mut k = h.to_dense();
        for l in jumps {
            let ldl = l.adjoint().matmul(l)?.to_dense();
            for j in 0..d {
                for i in 0..d {
                    k[(i, j)] -= c64::new(0.0, 0.5) * ldl[(i, j)];
                }
            }
        }
        let evd = k.eigen().map_err(|e| Error::LinearAlgebra {
            context: "steady_state (eigen-decomposition of the effective Hamiltonian)".into(),
            detail: format!("{e:?}"),
        })?;
        let v = evd.U().to_owned();
        let lambda: Vec<c64> = (0..d).map(|i| evd.S()[i]).collect();
        let w = v.partial_piv_lu().solve(Mat::<c64>::identity(d, d));
        let scale = lambda.iter().map(|l| l.norm()).fold(1e-300, f64::max);
        let denom = Mat::from_fn(d, d, |i, j| {
            c64::new(0.0, -1.0) * (lambda[i] - lambda[j].conj())
        });
        // min_ij |λ_i − λ̄_j| = 2 min_k |Im λ_k| (|λ_i − λ̄_j| ≥ |Im λ_i| + |Im λ_j|, equal
        // at i = j): 𝒮 is singular exactly when some λ_k is real.
        let slowest = lambda
            .iter()
            .map(|l| l.im.abs())
            .fold(f64::INFINITY, f64::min);
        if 2.0 * slowest <= SINGULAR_REL * scale {
            return Ok(None);
        }
        let ops = if adjoint {
            jumps.iter().map(CsrMatrix::adjoint).collect()
        } else {
            jumps.to_vec()
        };
        Ok(Some(Self {
            d,
            v,
            w,
            denom,
            ops,
            adjoint,
            null_tol,
        }))
    }

    /// Φ(X) (or Φ'(X)) for one d×d matrix.
    fn map(&self, x: MatRef<'_, c64>) -> Mat<c64> {
        // 𝒥(X) = Σ M X M† with M = L (or L† for 𝒥†).
        let mut jx = Mat::<c64>::zeros(self.d, self.d);
        for m in &self.ops {
            let mx = sparse_dense(m, x);
            let b = sparse_dense(m, mx.adjoint().to_owned().as_ref());
            jx += b.adjoint();
        }
        let (v, w) = (&self.v, &self.w);
        let mut t = if self.adjoint {
            v.adjoint() * &jx * v
        } else {
            w * &jx * w.adjoint()
        };
        for j in 0..self.d {
            for i in 0..self.d {
                let den = if self.adjoint {
                    self.denom[(i, j)].conj()
                } else {
                    self.denom[(i, j)]
                };
                t[(i, j)] = -t[(i, j)] / den;
            }
        }
        if self.adjoint {
            w.adjoint() * &t * w
        } else {
            v * &t * v.adjoint()
        }
    }
}

/// A X for sparse A and dense X.
fn sparse_dense(a: &CsrMatrix, x: MatRef<'_, c64>) -> Mat<c64> {
    let mut out = Mat::<c64>::zeros(a.nrows(), x.ncols());
    for i in 0..a.nrows() {
        for (k, v) in a.row(i) {
            for j in 0..x.ncols() {
                out[(i, j)] += v * x[(k, j)];
            }
        }
    }
    out
}

impl NullMap for JumpMap {
    fn dim(&self) -> usize {
        self.d * self.d
    }

    fn apply_in_place(&self, mut x: MatMut<'_, c64>) {
        let d = self.d;
        for c in 0..x.ncols() {
            let m = Mat::from_fn(d, d, |i, j| x[(i + j * d, c)]);
            let y = self.map(m.as_ref());
            for j in 0..d {
                for i in 0..d {
                    x[(i + j * d, c)] = y[(i, j)];
                }
            }
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
