//! Steady states of a Lindblad generator: null space, its dimension, and the state reached from an initial state.
//!
//! The generator is
//!
//! 𝓛ρ = −i[H, ρ] + Σ_k (L_k ρ L_k† − ½{L_k†L_k, ρ}),
//!
//! with a time-independent Hamiltonian `H` and jump operators `L_k` that carry their
//! rates (L_k = √γ_k J_k). A steady state solves 𝓛ρ = 0 with Tr ρ = 1 (ref.
//! `002_bb018326d195ff9c.txt`, steady states of the star-network Liouvillian;
//! `000_e3df25f406468476.txt`, open cavity–chain battery at long times).
//!
//! # Vectorisation
//!
//! Density matrices are column-stacked: vec(ρ)[i + j·d] = ρ_ij, so that
//! vec(A X B) = (Bᵀ ⊗ A) vec(X) and 𝓛 becomes a d²×d² sparse matrix ([`liouvillian`]).
//!
//! # Null space and degeneracy
//!
//! The null space of 𝓛 is always determined and its dimension reported
//! ([`SteadyState::null_dim`]). When it is one-dimensional the steady state is unique.
//! When it is larger (a strong symmetry, a dark state, a decoherence-free subspace),
//! the state reached from ρ₀ is the projection
//!
//! ρ_ss = Σ_k R_k Tr(J_k† ρ₀),
//!
//! where R_k span the right null space (𝓛R_k = 0), J_k the left one (𝓛†J_k = 0, the
//! conserved quantities) and Tr(J_i† R_k) = δ_ik. This is the limit of e^{𝓛t}ρ₀ because
//! the zero eigenvalue of a Lindbladian is semisimple (no Jordan blocks: e^{𝓛t} is a
//! contraction in trace norm for all t, which a Jordan block at 0 would contradict), so
//! the spectral projector onto ker 𝓛 along ran 𝓛 is R (J†R)⁻¹ J†. If 𝓛 also has purely
//! imaginary eigenvalues iω ≠ 0 (persistent oscillations), e^{𝓛t}ρ₀ does not converge
//! and the projection is its time average.
//!
//! # Methods
//!
//! - [`SteadyMethod::Dense`]: dense 𝓛 and its SVD; the null space is spanned by the
//!   singular vectors whose singular values are ≤ `null_tol`·σ_max (right vectors for
//!   R, left vectors for J). Cost O(d⁶): for d ≤ [`DENSE_MAX_DIM`].
//! - [`SteadyMethod::SparseDirect`]: one sparse LU of 𝓛_R − σ, where 𝓛_R is 𝓛 in the
//!   real coordinates of Hermitian matrices (Re ρ_ii, Re ρ_ij and Im ρ_ij for i < j; a
//!   real matrix because 𝓛 preserves Hermiticity, half the LU time of the complex 𝓛)
//!   and σ = 10⁻⁸‖𝓛‖_∞ > 0 lies in the resolvent set (the spectrum of a Lindbladian
//!   lies in Re λ ≤ 0). Block inverse iteration with that LU (a few sweeps: each
//!   separates the null space from a mode λ by |λ|/σ) gives a block whose span holds the
//!   null space; the singular values of 𝓛 on it count the null directions, those with
//!   ‖𝓛x‖ ≤ `null_tol`·‖𝓛‖_∞, and the block is doubled while all of it is null. A
//!   unique steady state is that null vector; a degenerate one is projected from ρ₀
//!   with left null vectors obtained the same way on 𝓛_Rᵀ (the same LU serves both).
//!
//! # Spectral gap
//!
//! [`SteadyState::gap`] is the slowest nonzero decay rate, min −Re λ over the eigenvalues
//! of 𝓛 outside the null space. The dense method takes it from all eigenvalues of the
//! dense 𝓛 (exact); the sparse method from a small block Krylov space of (𝓛 − σ)⁻¹ deflated of
//! the null space (the eigenvalues nearest 0 converge first), which is exact when the
//! slowest mode is among them and otherwise an upper bound.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::prelude::*;
use faer::sparse::linalg::lu::{factorize_symbolic_lu, LuRef, NumericLu, SymbolicLu};
use faer::sparse::{SparseColMat, Triplet};
use faer::{Accum, Conj, Scale, Side};

use crate::{c64, CsrMatrix, Error, Mat, MatMut, MatRef, Result, Warning};

mod jump_map;
pub(crate) mod layout;
mod reachable;

use jump_map::JumpMap;
use layout::Layout;
use reachable::ReachableBasis;
pub use reachable::REACHABLE_MAX_DIM;

/// Largest Hilbert-space dimension d for which [`SteadyMethod::Auto`] picks the dense
/// method. The SVD of the d²×d² Liouvillian costs O(d⁶) time and 16·d⁴ bytes; on one
/// loaded core a damped cavity took 0.2 s (dense) vs 0.04 s (sparse) at d = 20, 2.4 s vs
/// 0.05 s at d = 30 and 113 s vs 0.2 s at d = 50. The dense eigenvalues for
/// [`SteadyState::gap`] (also O(d⁶)) about triple the dense cost: at d = 20, 0.15 s SVD
/// plus 0.29 s eigenvalues. Above it, `Auto` picks the sparse method.
pub const DENSE_MAX_DIM: usize = 20;

/// Relative Hermiticity tolerance of the Hamiltonian: max|H − H†| ≤ this · max|H_ij|.
const HERMITICITY_TOL: f64 = 1e-10;

/// Tolerance on |Tr ρ₀ − 1| and on max|ρ₀ − ρ₀†| of an initial state.
const INITIAL_STATE_TOL: f64 = 1e-8;

/// Shift of the sparse method's LU, relative to ‖𝓛‖_∞: σ = this · ‖𝓛‖_∞. Far below
/// the slowest decay rates, so that each inverse-iteration sweep separates the null
/// space from the rest by the factor |λ|/σ.
const SHIFT_REL: f64 = 1e-8;

/// Columns of the first inverse-iteration block; doubled while every column is null.
const NULL_BLOCK: usize = 4;

/// Upper bound on the inverse-iteration sweeps of one block.
const MAX_SWEEPS: usize = 12;

/// Dimension of the block Krylov space of the gap estimate.
const GAP_KRYLOV_DIM: usize = 64;

/// Vectors added to the gap estimate's Krylov space per shift-invert solve.
const GAP_BLOCK: usize = 4;

/// Relative Ritz residual below which a Ritz value counts in the gap estimate.
const GAP_RITZ_TOL: f64 = 1e-6;

/// How the null space of the Liouvillian is found.
///
/// Serialised in snake_case: `"auto"`, `"dense"`, `"sparse_direct"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SteadyMethod {
    /// [`SteadyMethod::Dense`] for d ≤ [`DENSE_MAX_DIM`], [`SteadyMethod::SparseDirect`] above.
    #[default]
    Auto,
    /// SVD of the dense d²×d² Liouvillian.
    Dense,
    /// Sparse LU of the real form of 𝓛, block inverse iteration for the null space.
    SparseDirect,
    /// Krylov–Schur on the jump map Φ = −𝒮⁻¹𝒥 (the module `jump_map`): memory O(d²) only, no
    /// d²×d² factorisation, but its convergence slows where many Liouvillian modes are
    /// slow or weakly damped (the open spin-1 cavity chain at d = 162 took as long as
    /// the LU, 136 s, in 116 MB instead of 5.5 GB). It does not certify the null-space
    /// dimension: on the spin-1 chain's reflection sector with 10 Fock levels it found one
    /// steady state where the LU finds two (E(∞) 5.4346 instead of 5.4535 from the
    /// initial state), so every result carries a warning. Not picked by `auto`; it refuses
    /// a problem with a dark state (an undamped state between jumps).
    Iterative,
}

/// Options of [`steady_state`].
///
/// Serialised with the field names as keys (`method`, `null_tol`, `positivity_tol`, all
/// optional, unknown keys rejected), as in the snake_case TOML scenario files.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct SteadyOptions {
    /// Which method finds the null space.
    pub method: SteadyMethod,
    /// Relative null-space threshold: singular values ≤ `null_tol`·σ_max (dense) or
    /// eigenvalues |λ| ≤ `null_tol`·‖𝓛‖_∞ (sparse) count as zero. In (0, 1); default 1e-9.
    pub null_tol: f64,
    /// A steady state with an eigenvalue below −`positivity_tol` is reported in
    /// [`SteadyState::warnings`]. ≥ 0; default 1e-8.
    pub positivity_tol: f64,
    /// Solve on the subspace reachable from ρ₀ (module `reachable`: the smallest one
    /// holding ran ρ₀ and invariant under H, L_k, L_k†) when it is at most 90% of the
    /// space and the dimension d is at most [`REACHABLE_MAX_DIM`]; default true. The steady state reached from ρ₀ is the
    /// same; [`SteadyState::null_dim`] and [`SteadyState::gap`] are then those of the
    /// generator on that subspace (the steady states and decay rates ρ₀ can reach), and
    /// [`SteadyState::reachable_dim`] says its dimension.
    pub reachable: bool,
}

impl Default for SteadyOptions {
    fn default() -> Self {
        Self {
            method: SteadyMethod::Auto,
            null_tol: 1e-9,
            positivity_tol: 1e-8,
            reachable: true,
        }
    }
}

/// A steady state and how it was obtained.
///
/// Serialises the diagnostics only; the density matrix is written by the output layer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SteadyState {
    /// The steady state ρ_ss: Hermitian, unit trace.
    #[serde(skip)]
    pub rho: Mat<c64>,
    /// Dimension of the null space of 𝓛 (1: unique steady state), on the reachable
    /// subspace when [`SteadyState::reachable_dim`] is given.
    pub null_dim: usize,
    /// The dimension of the subspace reachable from ρ₀ when the solve was done there
    /// (see [`SteadyOptions::reachable`]); `None` when it was done on the whole space.
    pub reachable_dim: Option<usize>,
    /// ‖𝓛ρ_ss‖_F, the Frobenius norm of the generator applied to the returned state.
    pub residual: f64,
    /// The method that produced it: `"dense-svd"` or `"sparse-lu"`.
    pub method: &'static str,
    /// Spectral gap of 𝓛: the slowest nonzero decay rate, min −Re λ over the eigenvalues
    /// λ of 𝓛 outside its null space (those not counted in [`SteadyState::null_dim`] by
    /// the `null_tol` threshold), in the units of `H` and the rates. It sets the
    /// relaxation time 1/gap: at long times a generic ρ(t) approaches its limit (the
    /// projection onto the null space) as e^{−gap·t}. Clamped at 0 against round-off;
    /// 0 when 𝓛 has purely imaginary nonzero eigenvalues (persistent oscillations, e.g.
    /// a closed system or a dark coherence between states of different energy). `None`
    /// when every eigenvalue lies in the null space (𝓛 = 0, or d = 1), and, for the
    /// sparse method, when its Krylov space converged no eigenvalue outside it.
    ///
    /// - Dense method: exact (to round-off), from all d² eigenvalues of the dense 𝓛;
    ///   the `null_dim` eigenvalues of smallest modulus are the null space.
    /// - Sparse method: an estimate from a 32-vector block Krylov space of (𝓛 − σ)⁻¹ deflated of
    ///   the null vectors: its converged Ritz values (relative residual ≤ 10⁻⁶) are the
    ///   eigenvalues nearest σ ≈ 0. It is the exact gap when the slowest mode is among
    ///   them, and otherwise an upper bound: a slower mode −g + iω with a large
    ///   frequency |ω| (farther from 0 than the eigenvalues found) is missed. Use the
    ///   dense method to confirm when that matters.
    pub gap: Option<f64>,
    /// Numerical trouble: a degenerate null space, a negative eigenvalue of ρ_ss.
    pub warnings: Vec<Warning>,
}

/// The Liouvillian superoperator 𝓛 as a sparse d²×d² matrix acting on column-stacked
/// vec(ρ) (vec(ρ)[i + j·d] = ρ_ij):
///
/// 𝓛 = −i (I ⊗ K) + i (K̄ ⊗ I) + Σ_k L̄_k ⊗ L_k,  K = H − (i/2) Σ_k L_k†L_k,
///
/// from vec(A X B) = (Bᵀ ⊗ A) vec(X); the bar is the entrywise complex conjugate.
///
/// Fails if `h` is not square, not Hermitian (relative 1e-10) or not finite, or if a
/// jump operator is not d×d or not finite.
pub fn liouvillian(h: &CsrMatrix, jumps: &[CsrMatrix]) -> Result<CsrMatrix> {
    let d = check_generator(h, jumps)?;
    let mut k = h.clone();
    for l in jumps {
        let ldl = l.adjoint().matmul(l)?;
        k = k.add_scaled(&ldl, c64::new(0.0, -0.5))?;
    }
    let id = CsrMatrix::identity(d);
    let k_conj = k.adjoint().transpose();
    let mut triplets: Vec<(usize, usize, c64)> = Vec::new();
    let mut push =
        |m: CsrMatrix, alpha: c64| triplets.extend(m.iter().map(|(i, j, v)| (i, j, alpha * v)));
    push(id.kron(&k), c64::new(0.0, -1.0));
    push(k_conj.kron(&id), c64::new(0.0, 1.0));
    for l in jumps {
        push(l.adjoint().transpose().kron(l), c64::new(1.0, 0.0));
    }
    Ok(CsrMatrix::from_triplets(d * d, d * d, &triplets)?)
}

/// The steady state of 𝓛ρ = −i[H, ρ] + Σ_k (L_k ρ L_k† − ½{L_k†L_k, ρ}) reached from
/// `rho0`, with the dimension of the null space of 𝓛 (see the module documentation for
/// the methods and the projection used when the null space is degenerate).
///
/// - Null space of dimension 1: the unique steady state; `rho0` is not needed (ignored).
/// - Dimension > 1 and `rho0` given: ρ_ss = Σ_k R_k Tr(J_k† ρ₀), with
///   [`Warning::DegenerateSteadyState`].
/// - Dimension > 1 and no `rho0`: an error, since the steady state is not unique.
///
/// The result is made exactly Hermitian with unit trace; its residual ‖𝓛ρ_ss‖_F is
/// reported, and an eigenvalue below −`positivity_tol` is reported as a warning.
///
/// Fails on invalid operators (see [`liouvillian`]), on a `rho0` that is not d×d,
/// finite, Hermitian and of unit trace (tolerance 1e-8), on invalid options, and when
/// no null vector is found (raise `null_tol`) or a factorisation fails.
pub fn steady_state(
    h: &CsrMatrix,
    jumps: &[CsrMatrix],
    rho0: Option<MatRef<'_, c64>>,
    opts: &SteadyOptions,
) -> Result<SteadyState> {
    steady_state_in_blocks(h, jumps, &vec![0; h.nrows()], rho0, opts)
}

/// [`steady_state`] for a generator with a weak symmetry: `labels[i]` is the charge of
/// basis state i, conserved by `h` and shifted by a fixed amount by each jump operator,
/// so that 𝓛 keeps a block-diagonal ρ block-diagonal. The solvers then work on the
/// entries ρ_ij with `labels[i] == labels[j]` only (Σ_b d_b² unknowns instead of d²), and
/// [`SteadyState::null_dim`] counts the steady states among block-diagonal matrices.
///
/// Fails, besides the failures of [`steady_state`], when `labels` has not one entry per
/// basis state, when `rho0` has a coherence between blocks (above 1e-12), or when the
/// generator does not keep the block structure (a jump that mixes blocks): the
/// residual ‖𝓛ρ_ss‖ is then computed on the full generator and checked.
pub fn steady_state_in_blocks(
    h: &CsrMatrix,
    jumps: &[CsrMatrix],
    labels: &[i64],
    rho0: Option<MatRef<'_, c64>>,
    opts: &SteadyOptions,
) -> Result<SteadyState> {
    steady_state_within(h, jumps, labels, rho0, opts, &|_, _| Ok(()))
}

/// [`steady_state_in_blocks`] that asks `budget(d, unknowns)` before the null-space solve
/// allocates anything large, with the Hilbert dimension d and the number of unknowns of
/// the problem it is about to solve (after the reduction to the reachable subspace): an
/// error from `budget` (a memory limit) is returned as it is.
pub fn steady_state_within(
    h: &CsrMatrix,
    jumps: &[CsrMatrix],
    labels: &[i64],
    rho0: Option<MatRef<'_, c64>>,
    opts: &SteadyOptions,
    budget: &dyn Fn(usize, usize) -> Result<()>,
) -> Result<SteadyState> {
    if !(opts.null_tol > 0.0 && opts.null_tol < 1.0) {
        return Err(Error::invalid("null_tol", opts.null_tol, "in (0, 1)"));
    }
    if !(opts.positivity_tol >= 0.0 && opts.positivity_tol.is_finite()) {
        return Err(Error::invalid(
            "positivity_tol",
            opts.positivity_tol,
            "finite and ≥ 0",
        ));
    }
    let full = liouvillian(h, jumps)?;
    let d = h.nrows();
    if labels.len() != d {
        return Err(Error::DimensionMismatch {
            context: "steady_state_in_blocks (one label per basis state)".into(),
            expected: d,
            found: labels.len(),
        });
    }
    let layout = Layout::new(labels);
    if let Some(r) = rho0 {
        check_initial_state(r, d)?;
        let off = (0..d)
            .flat_map(|j| (0..d).map(move |i| (i, j)))
            .filter(|&(i, j)| labels[i] != labels[j])
            .map(|(i, j)| r[(i, j)].norm())
            .fold(0.0, f64::max);
        if off > 1e-12 {
            return Err(Error::invalid(
                "rho0",
                format!("a coherence {off:.3e} between symmetry blocks"),
                "a block-diagonal initial state",
            ));
        }
    }
    if let (true, Some(r)) = (opts.reachable, rho0) {
        if let Some(basis) = ReachableBasis::find(h, jumps, labels, r)? {
            return reachable_steady(&basis, h, jumps, r, &full, opts, budget);
        }
    }
    budget(d, layout.len())?;
    let l = layout.restrict(full.clone());
    let method = match opts.method {
        SteadyMethod::Auto if d <= DENSE_MAX_DIM => SteadyMethod::Dense,
        SteadyMethod::Auto => SteadyMethod::SparseDirect,
        m => m,
    };
    let rho0_vec = rho0.map(|r| layout.vec(r));
    let mut warnings = Vec::new();
    let (x, null_dim, gap, name) = match method {
        SteadyMethod::Dense => {
            let (right, left, gap) = dense_null_space(&l, opts.null_tol)?;
            let k = right.ncols();
            let x = if k == 1 {
                right.col(0).to_owned()
            } else {
                project(right.as_ref(), left.as_ref(), require_rho0(rho0_vec.as_ref(), k)?)?
            };
            (x, k, gap, "dense-svd")
        }
        SteadyMethod::Iterative => match iterative_steady(h, jumps, &layout, rho0_vec.as_ref(), opts.null_tol)? {
            Some((x, k)) => (x, k, None, "jump-map-krylov"),
            None => {
                return Err(Error::LinearAlgebra {
                    context: "steady_state (iterative method)".into(),
                    detail: "the evolution between jumps does not decay on every state (a dark state: an eigenvalue of H − (i/2)ΣL†L is real), so the jump map is undefined; use solver.steady.method = \"sparse_direct\"".into(),
                })
            }
        },
        _ => {
            let (x, k, gap) = sparse_steady(&l, &layout, rho0_vec.as_ref(), opts.null_tol)?;
            (x, k, gap, "sparse-lu")
        }
    };
    if null_dim > 1 {
        warnings.push(Warning::DegenerateSteadyState { dim: null_dim });
    }
    if method == SteadyMethod::Iterative {
        warnings.push(Warning::Other {
            message: format!(
                "the iterative steady-state method does not certify the null-space dimension ({null_dim} found): a missed degenerate steady state gives a steady state, but not the one reached from the initial state; confirm with solver.steady.method = \"sparse_direct\" where memory allows"
            ),
        });
    }
    let rho = finish_state(x.as_ref(), &layout)?;
    let residual = apply_norm(&full, &rho);
    let min_eig = rho
        .self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| Error::LinearAlgebra {
            context: "steady_state (positivity check)".into(),
            detail: format!("{e:?}"),
        })?[0];
    if min_eig < -opts.positivity_tol {
        warnings.push(Warning::Other {
            message: format!(
                "steady state has a negative eigenvalue {min_eig:.3e} (below −{:.1e}); the null space may be ill-resolved: check the residual and null_tol",
                opts.positivity_tol
            ),
        });
    }
    Ok(SteadyState {
        rho,
        null_dim,
        reachable_dim: None,
        residual,
        method: name,
        gap,
        warnings,
    })
}

/// The steady state reached from `rho0`, solved on its reachable subspace and lifted back;
/// its residual is taken on the whole generator `full`, which checks the reduction.
fn reachable_steady(
    basis: &ReachableBasis,
    h: &CsrMatrix,
    jumps: &[CsrMatrix],
    rho0: MatRef<'_, c64>,
    full: &CsrMatrix,
    opts: &SteadyOptions,
    budget: &dyn Fn(usize, usize) -> Result<()>,
) -> Result<SteadyState> {
    let jumps = jumps
        .iter()
        .map(|l| basis.compress(l))
        .collect::<Result<Vec<_>>>()?;
    let inner = steady_state_within(
        &basis.compress(h)?,
        &jumps,
        &basis.labels,
        Some(basis.restrict(rho0).as_ref()),
        &SteadyOptions {
            reachable: false,
            ..*opts
        },
        budget,
    )?;
    let rho = basis.lift(inner.rho.as_ref());
    Ok(SteadyState {
        residual: apply_norm(full, &rho),
        rho,
        reachable_dim: Some(basis.dim()),
        ..inner
    })
}

/// Checks H and the jumps; returns d.
fn check_generator(h: &CsrMatrix, jumps: &[CsrMatrix]) -> Result<usize> {
    let d = h.nrows();
    if h.ncols() != d {
        return Err(Error::DimensionMismatch {
            context: "Hamiltonian h (columns)".into(),
            expected: d,
            found: h.ncols(),
        });
    }
    if d == 0 {
        return Err(Error::invalid(
            "h",
            "a 0×0 matrix",
            "a non-empty square matrix",
        ));
    }
    if !h.is_finite() {
        return Err(Error::NonFinite {
            context: "Hamiltonian h".into(),
        });
    }
    let hmax = h.iter().map(|(_, _, v)| v.norm()).fold(0.0, f64::max);
    let herr = h.hermiticity_error();
    if herr > HERMITICITY_TOL * hmax {
        return Err(Error::invalid(
            "h",
            format!("max|H − H†| = {herr:.3e}"),
            "Hermitian",
        ));
    }
    for (k, l) in jumps.iter().enumerate() {
        if l.nrows() != d || l.ncols() != d {
            let found = if l.nrows() != d { l.nrows() } else { l.ncols() };
            return Err(Error::DimensionMismatch {
                context: format!("jump operator {k}"),
                expected: d,
                found,
            });
        }
        if !l.is_finite() {
            return Err(Error::NonFinite {
                context: format!("jump operator {k}"),
            });
        }
    }
    Ok(d)
}

fn check_initial_state(r: MatRef<'_, c64>, d: usize) -> Result<()> {
    if r.nrows() != d || r.ncols() != d {
        let found = if r.nrows() != d { r.nrows() } else { r.ncols() };
        return Err(Error::DimensionMismatch {
            context: "initial state rho0".into(),
            expected: d,
            found,
        });
    }
    let mut herm = 0.0f64;
    let mut tr = c64::new(0.0, 0.0);
    for j in 0..d {
        tr += r[(j, j)];
        for i in 0..d {
            let v = r[(i, j)];
            if !(v.re.is_finite() && v.im.is_finite()) {
                return Err(Error::NonFinite {
                    context: "initial state rho0".into(),
                });
            }
            herm = herm.max((v - r[(j, i)].conj()).norm());
        }
    }
    if herm > INITIAL_STATE_TOL {
        return Err(Error::invalid(
            "rho0",
            format!("max|ρ₀ − ρ₀†| = {herm:.3e}"),
            "Hermitian",
        ));
    }
    if (tr - c64::new(1.0, 0.0)).norm() > INITIAL_STATE_TOL {
        return Err(Error::invalid(
            "rho0",
            format!("Tr ρ₀ = {tr}"),
            "unit trace",
        ));
    }
    Ok(())
}

fn require_rho0(rho0: Option<&Col<c64>>, k: usize) -> Result<ColRef<'_, c64>> {
    rho0.map(|r| r.as_ref()).ok_or_else(|| {
        Error::invalid(
            "rho0",
            "None",
            format!("an initial state: the Liouvillian has a {k}-dimensional null space, so the steady state is not unique and depends on the initial state"),
        )
    })
}

/// Right and left null vectors (columns) of the dense Liouvillian from its SVD, and the
/// spectral gap from its eigenvalues (see [`dense_gap`]).
fn dense_null_space(l: &CsrMatrix, null_tol: f64) -> Result<(Mat<c64>, Mat<c64>, Option<f64>)> {
    let n = l.nrows();
    let dense = l.to_dense();
    let svd = dense.svd().map_err(|e| Error::LinearAlgebra {
        context: "steady_state (SVD of the Liouvillian)".into(),
        detail: format!("{e:?}"),
    })?;
    let s = svd.S().column_vector();
    let smax = s[0].re;
    let k = (0..n).filter(|&i| s[i].re <= null_tol * smax).count();
    if k == 0 {
        return Err(Error::LinearAlgebra {
            context: "steady_state (dense SVD)".into(),
            detail: format!(
                "no singular value of 𝓛 below null_tol·σ_max (smallest: {:.3e}·σ_max); raise null_tol",
                s[n - 1].re / smax
            ),
        });
    }
    let gap = dense_gap(dense.as_ref(), k)?;
    Ok((
        svd.V().get(.., n - k..).to_owned(),
        svd.U().get(.., n - k..).to_owned(),
        gap,
    ))
}

/// min −Re λ (clamped at 0) over the eigenvalues of the dense 𝓛 other than the `null_dim`
/// of smallest modulus (the null space, whose dimension the SVD threshold fixed: the zero
/// eigenvalue of a Lindbladian is semisimple, so its algebraic multiplicity is the null
/// dimension); `None` if there are no others.
fn dense_gap(l: MatRef<'_, c64>, null_dim: usize) -> Result<Option<f64>> {
    let mut eig = l.eigenvalues().map_err(|e| Error::LinearAlgebra {
        context: "steady_state (eigenvalues of the dense Liouvillian)".into(),
        detail: format!("{e:?}"),
    })?;
    eig.sort_by(|a, b| a.norm().total_cmp(&b.norm()));
    Ok(eig
        .iter()
        .skip(null_dim)
        .map(|z| -z.re)
        .reduce(f64::min)
        .map(|g| g.max(0.0)))
}

/// vec(ρ_ss) = R (J†R)⁻¹ J† vec(ρ₀): the spectral projection of ρ₀ onto ker 𝓛.
fn project(right: MatRef<'_, c64>, left: MatRef<'_, c64>, v0: ColRef<'_, c64>) -> Result<Col<c64>> {
    let gram = left.adjoint() * right;
    let coeffs = left.adjoint() * v0;
    let c = gram.partial_piv_lu().solve(&coeffs);
    let x = right * &c;
    if !x.iter().all(|v| v.re.is_finite() && v.im.is_finite()) {
        return Err(Error::LinearAlgebra {
            context: "steady_state (projection onto the null space)".into(),
            detail: "the left and right null vectors are not biorthogonalisable".into(),
        });
    }
    Ok(x)
}

/// Reshapes vec(ρ), normalises the trace and takes the Hermitian part.
fn finish_state(x: ColRef<'_, c64>, layout: &Layout) -> Result<Mat<c64>> {
    let d = layout.d();
    let tr: c64 = (0..d).map(|i| x[layout.diagonal(i)]).sum();
    let xmax = x.iter().map(|v| v.norm()).fold(0.0, f64::max);
    let normalisable =
        tr.norm() > 1e-12 * xmax * d as f64 && tr.re.is_finite() && tr.im.is_finite();
    if !normalisable {
        return Err(Error::LinearAlgebra {
            context: "steady_state".into(),
            detail: format!(
                "the null vector has trace {tr}, so it can not be normalised to a density matrix"
            ),
        });
    }
    // Normalise first, then take the Hermitian part: a null vector comes with an arbitrary
    // complex phase, which the division by its trace removes.
    let m = layout.unvec(x);
    let rho = Mat::<c64>::from_fn(d, d, |i, j| {
        (m[(i, j)] / tr + (m[(j, i)] / tr).conj()) * c64::new(0.5, 0.0)
    });
    Ok(rho)
}

/// ‖𝓛 vec(ρ)‖₂ = ‖𝓛ρ‖_F.
fn apply_norm(l: &CsrMatrix, rho: &Mat<c64>) -> f64 {
    let d = rho.nrows();
    let v: Vec<c64> = (0..d * d).map(|k| rho[(k % d, k / d)]).collect();
    let mut out = vec![c64::new(0.0, 0.0); d * d];
    l.mul_vec(&v, &mut out);
    out.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt()
}

/// 𝓛 in the real coordinates of Hermitian matrices (see `Layout::hermitian_coordinates`):
/// 𝓛_R = T⁻¹𝓛T is real because 𝓛 maps Hermitian matrices to Hermitian ones. Fails when
/// an entry has an imaginary part above 1e-12·‖𝓛‖_∞ (not a Lindblad generator).
fn real_form(l: &CsrMatrix, t: &CsrMatrix, t_inv: &CsrMatrix, scale: f64) -> Result<CsrMatrix> {
    let product = t_inv
        .matmul(l)
        .and_then(|m| m.matmul(t))
        .map_err(|e| Error::LinearAlgebra {
            context: "steady_state (real form of 𝓛)".into(),
            detail: e.to_string(),
        })?;
    let imag = product
        .iter()
        .map(|(_, _, v)| v.im.abs())
        .fold(0.0, f64::max);
    if imag > 1e-12 * scale {
        return Err(Error::LinearAlgebra {
            context: "steady_state (real form of 𝓛)".into(),
            detail: format!(
                "𝓛 does not map Hermitian matrices to Hermitian ones (imaginary part {imag:.3e} in the Hermitian coordinates)"
            ),
        });
    }
    let entries: Vec<(usize, usize, c64)> = product
        .iter()
        .map(|(i, j, v)| (i, j, c64::new(v.re, 0.0)))
        .collect();
    CsrMatrix::from_triplets(l.nrows(), l.ncols(), &entries).map_err(|e| Error::LinearAlgebra {
        context: "steady_state (real form of 𝓛)".into(),
        detail: e.to_string(),
    })
}

/// A·v.
fn times(a: &CsrMatrix, v: ColRef<'_, c64>) -> Col<c64> {
    let mut out = Mat::<c64>::zeros(a.nrows(), 1);
    a.mul_dense(v.as_mat(), out.as_mut(), c64::new(1.0, 0.0), Accum::Replace);
    out.col(0).to_owned()
}

/// Below this many unknowns the sparse LU and its solves run on one thread: the spin-1/2
/// chain's steady state (3 528 unknowns) took 0.19 s sequential against 0.30 s with faer's
/// default threads on 2 cores, while the spin-1 chain's (31 752) used 1.8 cores.
const PARALLEL_LU_MIN_UNKNOWNS: usize = 10_000;

/// The sparse LU of a real matrix, with the parallelism chosen for its size.
struct RealLu {
    symbolic: SymbolicLu<usize>,
    numeric: NumericLu<usize, f64>,
    par: Par,
}

impl std::fmt::Debug for RealLu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealLu")
            .field("par", &self.par)
            .finish_non_exhaustive()
    }
}

impl RealLu {
    /// The LU of the real matrix `l` − σ.
    fn shifted(l: &CsrMatrix, sigma: f64) -> Result<Self> {
        let n = l.nrows();
        let mut t: Vec<Triplet<usize, usize, f64>> =
            l.iter().map(|(i, j, v)| Triplet::new(i, j, v.re)).collect();
        t.extend((0..n).map(|i| Triplet::new(i, i, -sigma)));
        let fail = |what: &str, e: String| Error::LinearAlgebra {
            context: format!("steady_state (sparse {what} of 𝓛 − σ)"),
            detail: e,
        };
        let a = SparseColMat::try_new_from_triplets(n, n, &t)
            .map_err(|e| fail("assembly", format!("{e:?}")))?;
        let par = if n < PARALLEL_LU_MIN_UNKNOWNS {
            Par::Seq
        } else {
            faer::get_global_parallelism()
        };
        let symbolic = factorize_symbolic_lu(a.symbolic(), Default::default())
            .map_err(|e| fail("LU ordering", format!("{e:?}")))?;
        let mut numeric = NumericLu::new();
        let scratch = symbolic.factorize_numeric_lu_scratch::<f64>(par, Default::default());
        symbolic
            .factorize_numeric_lu(
                &mut numeric,
                a.as_ref(),
                par,
                MemStack::new(&mut MemBuffer::new(scratch)),
                Default::default(),
            )
            .map_err(|e| fail("LU", format!("{e:?}")))?;
        Ok(Self {
            symbolic,
            numeric,
            par,
        })
    }

    /// x ← (𝓛_R − σ)⁻¹x, or (𝓛_Rᵀ − σ)⁻¹x when `transpose`.
    fn solve_in_place(&self, x: MatMut<'_, f64>, transpose: bool) {
        let lu = LuRef::new_unchecked(&self.symbolic, &self.numeric);
        let scratch = self
            .symbolic
            .solve_in_place_scratch::<f64>(x.ncols(), self.par);
        let mut buf = MemBuffer::new(scratch);
        let stack = MemStack::new(&mut buf);
        if transpose {
            lu.solve_transpose_in_place_with_conj(Conj::No, x, self.par, stack);
        } else {
            lu.solve_in_place_with_conj(Conj::No, x, self.par, stack);
        }
    }
}

/// Sparse method: returns vec(ρ_ss) (not yet normalised), the null dimension and the gap
/// estimate (see [`gap_estimate`]).
///
/// It works in the real coordinates of Hermitian matrices, on the real matrix 𝓛_R (half
/// the LU time of the complex 𝓛, measured on the spin-1 cavity chain: 33 s instead of 63
/// s for 31 752 unknowns), and one sparse LU of 𝓛_R − σ serves every step: block inverse
/// iteration for the right null space ([`null_space_by_inverse_iteration`]), the same on
/// 𝓛_Rᵀ for the left one when it is degenerate, and the Krylov space of the gap. 𝓛_R is
/// similar to 𝓛 (same eigenvalues), and T maps its null vectors to those of 𝓛.
fn sparse_steady(
    l: &CsrMatrix,
    layout: &Layout,
    rho0: Option<&Col<c64>>,
    null_tol: f64,
) -> Result<(Col<c64>, usize, Option<f64>)> {
    let n = l.nrows();
    let scale = (0..n)
        .map(|i| l.row(i).map(|(_, v)| v.norm()).sum::<f64>())
        .fold(0.0, f64::max);
    if scale == 0.0 {
        // 𝓛 = 0: every state is steady.
        return if n == 1 {
            Ok((Col::from_fn(1, |_| c64::new(1.0, 0.0)), 1, None))
        } else {
            Ok((require_rho0(rho0, n)?.to_owned(), n, None))
        };
    }
    let (t, t_inv) = layout.hermitian_coordinates();
    let l_real = real_form(l, &t, &t_inv, scale)?;
    let sigma = SHIFT_REL * scale;
    let lu = RealLu::shifted(&l_real, sigma)?;
    let thresh = null_tol * scale;
    let solve = |adjoint| ShiftInvert { lu: &lu, adjoint };
    let to_complex = |y: Col<c64>| times(&t, y.as_ref());
    let right = null_space_by_inverse_iteration(&solve(false), &l_real, thresh)?;
    let k = right.ncols();
    if k == 0 {
        return Err(Error::LinearAlgebra {
            context: "steady_state (sparse null space)".into(),
            detail:
                "no direction with ‖𝓛x‖ ≤ null_tol·‖𝓛‖_∞ after inverse iteration; raise null_tol"
                    .into(),
        });
    }
    let gap = gap_estimate(&solve(false), right.as_ref(), sigma, thresh, scale)?;
    if k == 1 {
        return Ok((to_complex(right.col(0).to_owned()), 1, gap));
    }
    let rho0 = require_rho0(rho0, k)?;
    let y0 = times(&t_inv, rho0);
    let left = null_space_by_inverse_iteration(&solve(true), &l_real.transpose(), thresh)?;
    if left.ncols() != k {
        return Err(Error::LinearAlgebra {
            context: "steady_state (sparse null space)".into(),
            detail: format!(
                "found {k} right but {} left null vectors; adjust null_tol or use the dense method",
                left.ncols()
            ),
        });
    }
    let y = project(right.as_ref(), left.as_ref(), y0.as_ref())?;
    Ok((to_complex(y), k, gap))
}

/// The steady state from the null vectors of the jump map ([`jump_map`]): the unique
/// one, or the projection of ρ₀ with the left null vectors of 𝓛; `None` when the jump
/// map is undefined (a dark state). Eigenvalues of Φ within `100 · null_tol` of 1 count
/// as null.
fn iterative_steady(
    h: &CsrMatrix,
    jumps: &[CsrMatrix],
    layout: &Layout,
    rho0: Option<&Col<c64>>,
    null_tol: f64,
) -> Result<Option<(Col<c64>, usize)>> {
    let tol = 100.0 * null_tol;
    let Some(map) = JumpMap::new(h, jumps, layout, false, tol)? else {
        return Ok(None);
    };
    let right = jump_map::krylov_null_space(&map)?;
    let k = right.ncols();
    if k == 0 {
        return Err(Error::LinearAlgebra {
            context: "steady_state (jump-map Krylov–Schur)".into(),
            detail: "no eigenvalue of the jump map within 100·null_tol of 1; raise null_tol".into(),
        });
    }
    if k == 1 {
        return Ok(Some((right.col(0).to_owned(), 1)));
    }
    let rho0 = require_rho0(rho0, k)?;
    let adjoint = JumpMap::new(h, jumps, layout, true, tol)?.expect("as invertible as the map");
    let left = jump_map::krylov_null_space(&adjoint)?;
    if left.ncols() != k {
        return Err(Error::LinearAlgebra {
            context: "steady_state (jump-map null space)".into(),
            detail: format!(
                "found {k} right but {} left null vectors; adjust null_tol",
                left.ncols()
            ),
        });
    }
    Ok(Some((project(right.as_ref(), left.as_ref(), rho0)?, k)))
}

/// x ← (𝓛_R − σ)⁻¹x (or (𝓛_Rᵀ − σ)⁻¹x) for every column, by the real sparse LU applied
/// to the real and the imaginary parts.
#[derive(Debug)]
struct ShiftInvert<'a> {
    lu: &'a RealLu,
    adjoint: bool,
}

impl ShiftInvert<'_> {
    fn apply_in_place(&self, mut x: MatMut<'_, c64>) {
        let (n, p) = (x.nrows(), x.ncols());
        let mut parts = Mat::<f64>::from_fn(n, 2 * p, |i, j| {
            if j < p {
                x[(i, j)].re
            } else {
                x[(i, j - p)].im
            }
        });
        self.lu.solve_in_place(parts.as_mut(), self.adjoint);
        for j in 0..p {
            for i in 0..n {
                x[(i, j)] = c64::new(parts[(i, j)], parts[(i, j + p)]);
            }
        }
    }
}

/// An orthonormal basis of the null space of `l` (𝓛, or 𝓛† with the adjoint solve), by
/// block inverse iteration X ← orth((𝓛 − σ)⁻¹X) from a seeded random block of
/// [`NULL_BLOCK`] columns.
///
/// Each sweep multiplies the null components by 1/σ and those of an eigenvalue λ ≠ 0 by
/// 1/|λ − σ|, so with σ = [`SHIFT_REL`]·‖𝓛‖_∞ far below the slowest decay rate the block
/// holds the whole null space (up to its width) after a few sweeps. After each sweep
/// from the second, the singular values of 𝓛X are counted: the directions of span X with
/// ‖𝓛x‖ ≤ `thresh` are the null vectors (the dense method's criterion, with ‖𝓛‖_∞ in
/// place of σ_max). The sweeps stop when two consecutive counts agree; a block that is
/// null in every column may miss further null vectors, so it is doubled and swept again.
/// Fails when the count has not settled after [`MAX_SWEEPS`] (an eigenvalue too close to
/// the threshold to tell).
fn null_space_by_inverse_iteration(
    solve: &ShiftInvert<'_>,
    l: &CsrMatrix,
    thresh: f64,
) -> Result<Mat<c64>> {
    let n = l.nrows();
    let mut width = NULL_BLOCK.min(n);
    let mut x = orthonormal(random_block(n, width, 0x9e37_79b9_7f4a_7c15));
    loop {
        let mut counts: Vec<usize> = Vec::new();
        let mut null = Mat::<c64>::zeros(n, 0);
        for sweep in 1..=MAX_SWEEPS {
            solve.apply_in_place(x.as_mut());
            x = orthonormal(x);
            if sweep < 2 {
                continue;
            }
            let mut lx = Mat::<c64>::zeros(n, width);
            l.mul_dense(x.as_ref(), lx.as_mut(), c64::new(1.0, 0.0), Accum::Replace);
            let svd = lx.thin_svd().map_err(|e| Error::LinearAlgebra {
                context: "steady_state (SVD of 𝓛X)".into(),
                detail: format!("{e:?}"),
            })?;
            let s = svd.S().column_vector();
            let k = (0..width).filter(|&i| s[i].re <= thresh).count();
            null = &x * svd.V().get(.., width - k..);
            let settled = counts.last() == Some(&k);
            counts.push(k);
            if settled {
                break;
            }
        }
        let k = null.ncols();
        if counts.len() < 2 || counts[counts.len() - 2] != k {
            return Err(Error::LinearAlgebra {
                context: "steady_state (sparse null space)".into(),
                detail: format!(
                    "the null-space dimension did not settle in {MAX_SWEEPS} inverse-iteration sweeps (counts {counts:?}): an eigenvalue of 𝓛 lies near null_tol·‖𝓛‖_∞; change null_tol or use the dense method"
                ),
            });
        }
        if k < width || width == n {
            return Ok(null);
        }
        let wider = (2 * width).min(n);
        let fresh = random_block(n, wider - width, width as u64);
        x = orthonormal(Mat::from_fn(n, wider, |i, j| {
            if j < width {
                x[(i, j)]
            } else {
                fresh[(i, j - width)]
            }
        }));
        width = wider;
    }
}

/// The spectral gap (see [`SteadyState::gap`]) from a block Krylov space of
/// [`GAP_KRYLOV_DIM`] vectors, grown [`GAP_BLOCK`] at a time by (𝓛 − σ)⁻¹ restricted to
/// the orthogonal complement of the right null vectors `null` (Schur deflation: the
/// eigenvalues there are 1/(λ − σ) for the eigenvalues λ ≠ 0 of 𝓛). The largest, i.e.
/// the λ nearest 0, converge first. Rayleigh–Ritz on the space: the Ritz pairs (μ, x)
/// with ‖Ax − μx‖ ≤ [`GAP_RITZ_TOL`]·|μ| give min −Re λ. Exact when the slowest mode is
/// among them; otherwise an upper bound. `None` when none converged or the complement
/// is empty.
///
/// On the spin-1/2 cavity chain (3 528 unknowns) the 16 solves of 4 columns take as long
/// as the 32 single-column solves of a 32-step Arnoldi run (0.19 s; the supernodal solves
/// scale with the columns), so the space is twice as large at the same cost; the damped
/// cavity's gap (`damped_cavity_gap`) needs more than 32 block vectors.
fn gap_estimate(
    solve: &ShiftInvert<'_>,
    null: MatRef<'_, c64>,
    sigma: f64,
    thresh: f64,
    scale: f64,
) -> Result<Option<f64>> {
    let n = null.nrows();
    let dim_max = GAP_KRYLOV_DIM.min(n - null.ncols());
    if dim_max == 0 {
        return Ok(None);
    }
    // w ← w with its components along `null` and the first `j` basis vectors removed
    // (classical Gram–Schmidt, twice).
    let project_out = |basis: MatRef<'_, c64>, mut w: MatMut<'_, c64>| {
        for _ in 0..2 {
            let c = null.adjoint() * w.rb();
            w -= null * &c;
            let c = basis.adjoint() * w.rb();
            w -= basis * &c;
        }
    };
    let mut basis = Mat::<c64>::zeros(n, dim_max);
    let mut images = Mat::<c64>::zeros(n, dim_max);
    let mut block = random_block(n, GAP_BLOCK.min(dim_max), 0x2545_f491_4f6c_dd1d);
    project_out(basis.get(.., ..0), block.as_mut());
    let mut dim = 0;
    while dim < dim_max {
        let q = orthonormal(block);
        let b = q.ncols().min(dim_max - dim);
        basis.get_mut(.., dim..dim + b).copy_from(q.get(.., ..b));
        let mut w = q.get(.., ..b).to_owned();
        solve.apply_in_place(w.as_mut());
        let c = null.adjoint() * &w;
        w -= null * &c;
        images.get_mut(.., dim..dim + b).copy_from(&w);
        dim += b;
        let image_norm = w.norm_l2();
        project_out(basis.get(.., ..dim), w.as_mut());
        // An invariant subspace: the Krylov space is exhausted.
        if w.norm_l2() <= 1e-12 * image_norm {
            break;
        }
        block = w;
    }
    let (v, av) = (basis.get(.., ..dim), images.get(.., ..dim));
    let rayleigh = v.adjoint() * av;
    let evd = rayleigh.eigen().map_err(|e| Error::LinearAlgebra {
        context: "steady_state (Ritz values of the gap estimate)".into(),
        detail: format!("{e:?}"),
    })?;
    let ritz_vectors = v * evd.U();
    let residuals = av * evd.U();
    let gap = (0..dim)
        .filter_map(|i| {
            let mu = evd.S()[i];
            let x = ritz_vectors.col(i);
            let r = residuals.col(i) - x * Scale(mu);
            if mu.norm() == 0.0 || r.norm_l2() > GAP_RITZ_TOL * mu.norm() * x.norm_l2() {
                return None;
            }
            let lam = c64::new(sigma, 0.0) + mu.inv();
            (lam.norm() > thresh && lam.norm() <= 2.0 * scale).then(|| (-lam.re).max(0.0))
        })
        .reduce(f64::min);
    Ok(gap)
}

/// A thin orthonormal basis of the columns of `x` (Householder QR).
fn orthonormal(x: Mat<c64>) -> Mat<c64> {
    x.qr().compute_thin_Q()
}

/// An n×p block of seeded uniform random entries in [−½, ½) + i[−½, ½).
pub(super) fn random_block(n: usize, p: usize, seed: u64) -> Mat<c64> {
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
    };
    Mat::from_fn(n, p, |_, _| c64::new(next(), next()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Scale;

    fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    fn sigma_minus() -> CsrMatrix {
        // basis (|e⟩, |g⟩): σ⁻ = |g⟩⟨e|
        CsrMatrix::from_triplets(2, 2, &[(1, 0, c(1.0, 0.0))]).unwrap()
    }

    fn sigma_z() -> CsrMatrix {
        CsrMatrix::diagonal(&[c(1.0, 0.0), c(-1.0, 0.0)])
    }

    fn sigma_x() -> CsrMatrix {
        CsrMatrix::from_triplets(2, 2, &[(0, 1, c(1.0, 0.0)), (1, 0, c(1.0, 0.0))]).unwrap()
    }

    fn annihilation(n: usize) -> CsrMatrix {
        let t: Vec<_> = (1..n)
            .map(|k| (k - 1, k, c((k as f64).sqrt(), 0.0)))
            .collect();
        CsrMatrix::from_triplets(n, n, &t).unwrap()
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

    /// The options of the whole-space solvers (the reachable-subspace reduction off, so
    /// that degenerate null spaces are seen whole).
    fn opts(method: SteadyMethod) -> SteadyOptions {
        SteadyOptions {
            method,
            reachable: false,
            ..SteadyOptions::default()
        }
    }

    /// 𝓛ρ from its definition with dense products, independent of the kron assembly.
    fn lindblad_dense(h: &Mat<c64>, jumps: &[Mat<c64>], rho: &Mat<c64>) -> Mat<c64> {
        let mut out = (h * rho - rho * h) * Scale(c(0.0, -1.0));
        for l in jumps {
            let ldl = l.adjoint() * l;
            let lrl = l * rho * l.adjoint();
            let anti = &ldl * rho + rho * &ldl;
            out += &lrl - &anti * Scale(c(0.5, 0.0));
        }
        out
    }

    fn random_matrix(d: usize, seed: u64) -> Mat<c64> {
        let mut s = seed;
        let mut next = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
        };
        Mat::from_fn(d, d, |_, _| c(next(), next()))
    }

    #[test]
    fn liouvillian_matches_definition() {
        let d = 4;
        let hr = random_matrix(d, 1);
        let h = &hr + hr.adjoint();
        let l1 = random_matrix(d, 2);
        let l2 = random_matrix(d, 3);
        let rho = random_matrix(d, 4);
        let lv = liouvillian(
            &CsrMatrix::from_dense(h.as_ref(), 0.0),
            &[
                CsrMatrix::from_dense(l1.as_ref(), 0.0),
                CsrMatrix::from_dense(l2.as_ref(), 0.0),
            ],
        )
        .unwrap();
        let v: Vec<c64> = (0..d * d).map(|k| rho[(k % d, k / d)]).collect();
        let mut out = vec![c(0.0, 0.0); d * d];
        lv.mul_vec(&v, &mut out);
        let got = Mat::<c64>::from_fn(d, d, |i, j| out[i + j * d]);
        let expect = lindblad_dense(&h, &[l1, l2], &rho);
        assert!(max_diff(got.as_ref(), expect.as_ref()) < 1e-12);
        // Trace preservation: vec(I)† 𝓛 = 0.
        for j in 0..d * d {
            let s: c64 = (0..d).map(|i| lv.get(i + i * d, j)).sum();
            assert!(s.norm() < 1e-12);
        }
    }

    #[test]
    fn rejects_bad_input() {
        let nonherm = CsrMatrix::from_triplets(2, 2, &[(0, 1, c(1.0, 0.0))]).unwrap();
        assert!(matches!(
            liouvillian(&nonherm, &[]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            liouvillian(&sigma_z(), &[annihilation(3)]),
            Err(Error::DimensionMismatch { .. })
        ));
        let bad_rho =
            Mat::<c64>::from_fn(2, 2, |i, j| if i == j { c(0.7, 0.0) } else { c(0.0, 0.0) });
        let err = steady_state(
            &sigma_z(),
            &[sigma_minus()],
            Some(bad_rho.as_ref()),
            &SteadyOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("rho0"), "{err}");
        let bad_opts = SteadyOptions {
            null_tol: 0.0,
            ..SteadyOptions::default()
        };
        assert!(steady_state(&sigma_z(), &[sigma_minus()], None, &bad_opts).is_err());
    }

    /// H = (Δ/2)σz + (Ω/2)σx, L = √γ σ⁻: Bloch-equation steady state
    /// x = −4ΔΩ/D, y = 2γΩ/D, z = −(4Δ² + γ²)/D, D = 4Δ² + γ² + 2Ω².
    #[test]
    fn driven_damped_qubit() {
        let (delta, omega, gamma) = (0.7f64, 1.3, 0.4f64);
        let h = sigma_z()
            .scale(c(delta / 2.0, 0.0))
            .add_scaled(&sigma_x(), c(omega / 2.0, 0.0))
            .unwrap();
        let jump = sigma_minus().scale(c(gamma.sqrt(), 0.0));
        let den = 4.0 * delta * delta + gamma * gamma + 2.0 * omega * omega;
        let (x, y, z) = (
            -4.0 * delta * omega / den,
            2.0 * gamma * omega / den,
            -(4.0 * delta * delta + gamma * gamma) / den,
        );
        // ρ = ½(I + xσx + yσy + zσz)
        let expect = Mat::<c64>::from_fn(2, 2, |i, j| match (i, j) {
            (0, 0) => c((1.0 + z) / 2.0, 0.0),
            (1, 1) => c((1.0 - z) / 2.0, 0.0),
            (0, 1) => c(x / 2.0, -y / 2.0),
            _ => c(x / 2.0, y / 2.0),
        });
        for method in [
            SteadyMethod::Dense,
            SteadyMethod::SparseDirect,
            SteadyMethod::Iterative,
            SteadyMethod::Auto,
        ] {
            let ss = steady_state(&h, std::slice::from_ref(&jump), None, &opts(method)).unwrap();
            assert_eq!(ss.null_dim, 1, "{method:?}");
            // Only the iterative method warns: it does not certify the null dimension.
            let expected = usize::from(method == SteadyMethod::Iterative);
            assert_eq!(ss.warnings.len(), expected, "{method:?}: {:?}", ss.warnings);
            assert!(ss.residual < 1e-12, "{method:?}: residual {}", ss.residual);
            assert!(
                max_diff(ss.rho.as_ref(), expect.as_ref()) < 1e-10,
                "{method:?}: {:?}",
                ss.rho
            );
        }
    }

    fn thermal_cavity(
        n: usize,
        omega: f64,
        kappa: f64,
        n_th: f64,
    ) -> (CsrMatrix, Vec<CsrMatrix>, Vec<f64>) {
        let a = annihilation(n);
        let h = a.adjoint().matmul(&a).unwrap().scale(c(omega, 0.0));
        let jumps = vec![
            a.scale(c((kappa * (n_th + 1.0)).sqrt(), 0.0)),
            a.adjoint().scale(c((kappa * n_th).sqrt(), 0.0)),
        ];
        // Detailed balance of the truncated birth–death chain: p_k ∝ (n_th/(n_th+1))^k.
        let r = n_th / (n_th + 1.0);
        let w: Vec<f64> = (0..n).map(|k| r.powi(k as i32)).collect();
        let z: f64 = w.iter().sum();
        (h, jumps, w.into_iter().map(|x| x / z).collect())
    }

    fn check_thermal(rho: &Mat<c64>, p: &[f64], tol: f64) {
        for i in 0..p.len() {
            for j in 0..p.len() {
                let e = if i == j { p[i] } else { 0.0 };
                assert!(
                    (rho[(i, j)] - c(e, 0.0)).norm() < tol,
                    "ρ[{i},{j}] = {} vs {e}",
                    rho[(i, j)]
                );
            }
        }
    }

    #[test]
    fn thermal_cavity_both_paths() {
        let (h, jumps, p) = thermal_cavity(12, 1.0, 0.3, 0.8);
        for method in [
            SteadyMethod::Dense,
            SteadyMethod::SparseDirect,
            SteadyMethod::Iterative,
        ] {
            let ss = steady_state(&h, &jumps, None, &opts(method)).unwrap();
            assert_eq!(ss.null_dim, 1, "{method:?}");
            assert!(ss.residual < 1e-11, "{method:?}: {}", ss.residual);
            check_thermal(&ss.rho, &p, 1e-10);
        }
    }

    #[test]
    fn auto_picks_sparse_above_threshold() {
        let (h, jumps, p) = thermal_cavity(DENSE_MAX_DIM + 5, 1.0, 0.5, 0.4);
        let ss = steady_state(&h, &jumps, None, &SteadyOptions::default()).unwrap();
        assert_eq!(ss.method, "sparse-lu");
        assert_eq!(ss.null_dim, 1);
        assert!(ss.residual < 1e-10, "{}", ss.residual);
        check_thermal(&ss.rho, &p, 1e-10);
    }

    /// A thermally damped cavity (5 levels) coupled symmetrically to two qubits by a Rabi
    /// coupling: swapping the qubits is a strong symmetry, so the null space is degenerate,
    /// yet every state decays between jumps (n_th > 0), so the jump map applies. The three
    /// methods agree on the null-space dimension and on the state reached from ρ₀.
    #[test]
    fn strong_symmetry_all_methods_agree() {
        let n = 5;
        let a = annihilation(n);
        let (id_c, id_q) = (CsrMatrix::identity(n), CsrMatrix::identity(2));
        let qubit = |op: &CsrMatrix, k: usize| {
            if k == 0 {
                id_c.kron(op).kron(&id_q)
            } else {
                id_c.kron(&id_q).kron(op)
            }
        };
        let x = a
            .add_scaled(&a.adjoint(), c(1.0, 0.0))
            .unwrap()
            .kron(&id_q)
            .kron(&id_q);
        let mut h = a.adjoint().matmul(&a).unwrap().kron(&id_q).kron(&id_q);
        for k in 0..2 {
            h = h
                .add_scaled(&qubit(&sigma_z(), k), c(0.5, 0.0))
                .unwrap()
                .add_scaled(&x.matmul(&qubit(&sigma_x(), k)).unwrap(), c(0.4, 0.0))
                .unwrap();
        }
        let big_a = a.kron(&id_q).kron(&id_q);
        let jumps = vec![
            big_a.scale(c((0.6f64 * 1.3).sqrt(), 0.0)),
            big_a.adjoint().scale(c((0.6f64 * 0.3).sqrt(), 0.0)),
        ];
        // |1 photon⟩ ⊗ (|e g⟩ + i|g g⟩)/√2: weight in both swap sectors.
        let mut psi = vec![c(0.0, 0.0); 4 * n];
        psi[4 + 1] = c(std::f64::consts::FRAC_1_SQRT_2, 0.0);
        psi[4 + 3] = c(0.0, std::f64::consts::FRAC_1_SQRT_2);
        let rho0 = projector(&psi);
        let dense =
            steady_state(&h, &jumps, Some(rho0.as_ref()), &opts(SteadyMethod::Dense)).unwrap();
        assert!(dense.null_dim >= 2, "{}", dense.null_dim);
        for method in [SteadyMethod::SparseDirect, SteadyMethod::Iterative] {
            let ss = steady_state(&h, &jumps, Some(rho0.as_ref()), &opts(method)).unwrap();
            assert_eq!(ss.null_dim, dense.null_dim, "{method:?}");
            assert!(ss.residual < 1e-9, "{method:?}: {}", ss.residual);
            let diff = max_diff(ss.rho.as_ref(), dense.rho.as_ref());
            assert!(diff < 1e-8, "{method:?}: {diff}");
        }
    }

    /// A dark state (an undamped eigenvector of H − (i/2)ΣL†L) makes the jump map
    /// undefined: the iterative method says so, and `auto` falls back to the sparse LU.
    #[test]
    fn iterative_method_refuses_dark_states() {
        let (h, l) = collective_decay(1.0, 1.0);
        let rho0 = projector(&[c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)]);
        let err = steady_state(
            &h,
            std::slice::from_ref(&l),
            Some(rho0.as_ref()),
            &opts(SteadyMethod::Iterative),
        )
        .unwrap_err();
        assert!(err.to_string().contains("sparse_direct"), "{err}");
    }

    /// Two qubits, basis index 2·q1 + q2 with |e⟩ = 0, |g⟩ = 1.
    fn collective_decay(omega: f64, gamma: f64) -> (CsrMatrix, CsrMatrix) {
        let id = CsrMatrix::identity(2);
        let sz = sigma_z()
            .kron(&id)
            .add_scaled(&id.kron(&sigma_z()), c(1.0, 0.0))
            .unwrap();
        let sm = sigma_minus()
            .kron(&id)
            .add_scaled(&id.kron(&sigma_minus()), c(1.0, 0.0))
            .unwrap();
        (
            sz.scale(c(omega / 2.0, 0.0)),
            sm.scale(c(gamma.sqrt(), 0.0)),
        )
    }

    fn projector(psi: &[c64]) -> Mat<c64> {
        Mat::from_fn(psi.len(), psi.len(), |i, j| psi[i] * psi[j].conj())
    }

    /// Classical RK4 on the dense master equation (independent of the kron assembly).
    fn integrate(
        h: &Mat<c64>,
        jumps: &[Mat<c64>],
        rho0: &Mat<c64>,
        t: f64,
        steps: usize,
    ) -> Mat<c64> {
        let dt = c(t / steps as f64, 0.0);
        let half = c(0.5, 0.0);
        let mut rho = rho0.clone();
        for _ in 0..steps {
            let k1 = lindblad_dense(h, jumps, &rho);
            let k2 = lindblad_dense(h, jumps, &(&rho + &k1 * Scale(dt * half)));
            let k3 = lindblad_dense(h, jumps, &(&rho + &k2 * Scale(dt * half)));
            let k4 = lindblad_dense(h, jumps, &(&rho + &k3 * Scale(dt)));
            rho += (&k1 + &k2 * Scale(c(2.0, 0.0)) + &k3 * Scale(c(2.0, 0.0)) + &k4)
                * Scale(dt * c(1.0 / 6.0, 0.0));
        }
        rho
    }

    #[test]
    fn collective_decay_has_a_dark_state() {
        let (h, l) = collective_decay(1.0, 1.0);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let singlet = [c(0.0, 0.0), c(s, 0.0), c(-s, 0.0), c(0.0, 0.0)];
        let ee = [c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)];
        let eg = [c(0.0, 0.0), c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)];
        let gg = projector(&[c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(1.0, 0.0)]);
        let ps = projector(&singlet);
        let from_eg = integrate(&h.to_dense(), &[l.to_dense()], &projector(&eg), 30.0, 6000);
        // Closed form: ⟨S|ρ|S⟩ is conserved and everything else decays to |gg⟩.
        let half = Mat::<c64>::from_fn(4, 4, |i, j| (ps[(i, j)] + gg[(i, j)]) * c(0.5, 0.0));
        assert!(
            max_diff(from_eg.as_ref(), half.as_ref()) < 1e-8,
            "RK4 reference disagrees with the closed form"
        );

        for method in [SteadyMethod::Dense, SteadyMethod::SparseDirect] {
            let o = opts(method);
            let err = steady_state(&h, std::slice::from_ref(&l), None, &o).unwrap_err();
            assert!(
                err.to_string().contains("2-dimensional null space"),
                "{method:?}: {err}"
            );
            let cases = [
                (projector(&ee), gg.clone()),
                (ps.clone(), ps.clone()),
                (projector(&eg), from_eg.clone()),
            ];
            for (rho0, expect) in cases {
                let ss =
                    steady_state(&h, std::slice::from_ref(&l), Some(rho0.as_ref()), &o).unwrap();
                assert_eq!(ss.null_dim, 2, "{method:?}");
                // The dark coherence |S⟩⟨gg| oscillates undamped at ω: eigenvalue −iω.
                let gap = ss.gap.unwrap();
                assert!((0.0..1e-9).contains(&gap), "{method:?}: gap {gap}");
                assert!(
                    ss.warnings
                        .contains(&Warning::DegenerateSteadyState { dim: 2 }),
                    "{method:?}"
                );
                assert_eq!(ss.warnings.len(), 1, "{method:?}: {:?}", ss.warnings);
                assert!(ss.residual < 1e-10, "{method:?}: {}", ss.residual);
                assert!(
                    max_diff(ss.rho.as_ref(), expect.as_ref()) < 1e-8,
                    "{method:?}: {:?}",
                    ss.rho
                );
            }
        }
    }

    /// The reachable-subspace reduction on collective decay: from |ee⟩ (or |eg⟩ + |ge⟩)
    /// the evolution stays in the triplet, where the steady state |gg⟩ is unique; from
    /// |eg⟩ it reaches everything (no reduction) and the degenerate projection is kept.
    /// Every method gives the whole-space answer.
    #[test]
    fn reachable_subspace_of_collective_decay() {
        let (h, l) = collective_decay(1.0, 1.0);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let ee = projector(&[c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)]);
        let plus = projector(&[c(0.0, 0.0), c(s, 0.0), c(s, 0.0), c(0.0, 0.0)]);
        let eg = projector(&[c(0.0, 0.0), c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)]);
        let gg = projector(&[c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(1.0, 0.0)]);
        for method in [SteadyMethod::Dense, SteadyMethod::SparseDirect] {
            let on = SteadyOptions {
                method,
                ..SteadyOptions::default()
            };
            for rho0 in [&ee, &plus] {
                let ss =
                    steady_state(&h, std::slice::from_ref(&l), Some(rho0.as_ref()), &on).unwrap();
                assert_eq!(ss.reachable_dim, Some(3), "{method:?}");
                assert_eq!(ss.null_dim, 1, "{method:?}");
                assert!(ss.warnings.is_empty(), "{method:?}: {:?}", ss.warnings);
                assert!(ss.residual < 1e-10, "{method:?}: {}", ss.residual);
                assert!(max_diff(ss.rho.as_ref(), gg.as_ref()) < 1e-10, "{method:?}");
                let whole = steady_state(
                    &h,
                    std::slice::from_ref(&l),
                    Some(rho0.as_ref()),
                    &opts(method),
                )
                .unwrap();
                assert_eq!(whole.null_dim, 2);
                assert!(max_diff(ss.rho.as_ref(), whole.rho.as_ref()) < 1e-10);
            }
            let ss = steady_state(&h, std::slice::from_ref(&l), Some(eg.as_ref()), &on).unwrap();
            assert_eq!(ss.reachable_dim, None, "{method:?}");
            assert_eq!(ss.null_dim, 2, "{method:?}");
        }
    }

    /// A reduced basis is an isometry onto an invariant subspace: W†W = 1, and
    /// (1 − WW†)GW = 0 for H and the jump.
    #[test]
    fn reachable_basis_is_an_invariant_isometry() {
        let (h, l) = collective_decay(0.7, 1.3);
        let ee = projector(&[c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)]);
        let basis = ReachableBasis::find(&h, std::slice::from_ref(&l), &[0; 4], ee.as_ref())
            .unwrap()
            .unwrap();
        let w = basis.w.to_dense();
        let gram = w.adjoint() * &w;
        assert!(max_diff(gram.as_ref(), Mat::<c64>::identity(3, 3).as_ref()) < 1e-12);
        for g in [&h, &l, &l.adjoint()] {
            let gw = g.to_dense() * &w;
            let rest = &gw - &w * (w.adjoint() * &gw);
            assert!(rest.norm_max() < 1e-12);
        }
    }

    /// Four qubits with collective decay: total-spin sectors j = 2, 1, 0 occur 1, 3 and 2
    /// times; each copy decays to its m = −j state and coherences between copies of one j
    /// survive, so dim ker 𝓛 = 1² + 3² + 2² = 14 (more than one Krylov–Schur run finds).
    #[test]
    fn four_qubit_collective_decay_null_space() {
        let id = CsrMatrix::identity(2);
        let embed = |op: &CsrMatrix, site: usize| {
            (0..4).fold(CsrMatrix::identity(1), |acc, k| {
                acc.kron(if k == site { op } else { &id })
            })
        };
        let mut sz = CsrMatrix::zeros(16, 16);
        let mut sm = CsrMatrix::zeros(16, 16);
        for site in 0..4 {
            sz = sz
                .add_scaled(&embed(&sigma_z(), site), c(0.5, 0.0))
                .unwrap();
            sm = sm
                .add_scaled(&embed(&sigma_minus(), site), c(1.0, 0.0))
                .unwrap();
        }
        let l = sm.scale(c(0.8f64.sqrt(), 0.0));
        // |e e g g⟩ plus a coherence with |e g e g⟩ (both in the two-excitation sector).
        let mut psi = vec![c(0.0, 0.0); 16];
        psi[0b0011] = c(0.8, 0.0);
        psi[0b0101] = c(0.0, 0.6);
        let rho0 = projector(&psi);
        let reference = integrate(&sz.to_dense(), &[l.to_dense()], &rho0, 40.0, 8000);
        for method in [SteadyMethod::Dense, SteadyMethod::SparseDirect] {
            let ss = steady_state(
                &sz,
                std::slice::from_ref(&l),
                Some(rho0.as_ref()),
                &opts(method),
            )
            .unwrap();
            assert_eq!(ss.null_dim, 14, "{method:?}");
            assert!(ss.residual < 1e-10, "{method:?}: {}", ss.residual);
            assert!(
                max_diff(ss.rho.as_ref(), reference.as_ref()) < 1e-7,
                "{method:?}: {}",
                max_diff(ss.rho.as_ref(), reference.as_ref())
            );
        }
    }

    /// Closed qubit, H = σx: ker 𝓛 = span{I, σx}; from |e⟩ the projection is the time
    /// average of the Rabi oscillation, I/2.
    #[test]
    fn closed_system_gives_the_time_average() {
        let rho0 = projector(&[c(1.0, 0.0), c(0.0, 0.0)]);
        let half = Mat::<c64>::from_fn(2, 2, |i, j| if i == j { c(0.5, 0.0) } else { c(0.0, 0.0) });
        for method in [SteadyMethod::Dense, SteadyMethod::SparseDirect] {
            let ss = steady_state(&sigma_x(), &[], Some(rho0.as_ref()), &opts(method)).unwrap();
            assert_eq!(ss.null_dim, 2, "{method:?}");
            // Eigenvalues 0, 0, ±2i: nothing decays.
            let gap = ss.gap.unwrap();
            assert!((0.0..1e-12).contains(&gap), "{method:?}: gap {gap}");
            assert!(
                max_diff(ss.rho.as_ref(), half.as_ref()) < 1e-12,
                "{method:?}: {:?}",
                ss.rho
            );
        }
    }

    #[test]
    fn options_from_snake_case() {
        let o: SteadyOptions =
            serde_json::from_str(r#"{"method": "sparse_direct", "null_tol": 1e-8}"#).unwrap();
        assert_eq!(o.method, SteadyMethod::SparseDirect);
        assert_eq!(o.null_tol, 1e-8);
        assert_eq!(o.positivity_tol, SteadyOptions::default().positivity_tol);
        let o: SteadyOptions =
            serde_json::from_str(r#"{"method": "dense", "positivity_tol": 0.0}"#).unwrap();
        assert_eq!(o.method, SteadyMethod::Dense);
        assert_eq!(o.positivity_tol, 0.0);
        let o: SteadyOptions = serde_json::from_str(r#"{"method": "auto"}"#).unwrap();
        assert_eq!(o, SteadyOptions::default());
        assert_eq!(
            serde_json::to_string(&SteadyMethod::SparseDirect).unwrap(),
            r#""sparse_direct""#
        );
        // The former kebab-case spellings are rejected.
        assert!(serde_json::from_str::<SteadyOptions>(r#"{"null-tol": 1e-8}"#).is_err());
        assert!(serde_json::from_str::<SteadyOptions>(r#"{"method": "sparse-direct"}"#).is_err());
        assert!(serde_json::from_str::<SteadyOptions>(r#"{"nul_tol": 1e-8}"#).is_err());
    }

    #[test]
    fn vanishing_generator_keeps_the_initial_state() {
        let h = CsrMatrix::zeros(2, 2);
        let rho0 = Mat::<c64>::from_fn(2, 2, |i, j| {
            if i == j {
                c(0.5, 0.0)
            } else {
                c(0.1, 0.2 * (i as f64 - j as f64))
            }
        });
        for method in [SteadyMethod::Dense, SteadyMethod::SparseDirect] {
            let ss = steady_state(&h, &[], Some(rho0.as_ref()), &opts(method)).unwrap();
            assert_eq!(ss.null_dim, 4);
            assert_eq!(ss.gap, None, "{method:?}: every eigenvalue is 0");
            assert!(max_diff(ss.rho.as_ref(), rho0.as_ref()) < 1e-14);
        }
    }

    /// Qubit at thermal occupation n: L₁ = √(γ(n+1)) σ⁻, L₂ = √(γn) σ⁺, H = (ω/2)σz.
    /// The eigenvalues of 𝓛 are 0, −Γ (populations) and −Γ/2 ± iω (coherences),
    /// Γ = γ(2n + 1), so the gap is Γ/2.
    fn thermal_qubit(omega: f64, gamma: f64, n: f64) -> (CsrMatrix, Vec<CsrMatrix>) {
        (
            sigma_z().scale(c(omega / 2.0, 0.0)),
            vec![
                sigma_minus().scale(c((gamma * (n + 1.0)).sqrt(), 0.0)),
                sigma_minus().adjoint().scale(c((gamma * n).sqrt(), 0.0)),
            ],
        )
    }

    #[test]
    fn thermal_qubit_gap_both_paths() {
        for (omega, gamma, n) in [(1.3, 0.7, 0.6), (0.2, 2.0, 0.0), (5.0, 0.1, 3.0)] {
            let (h, jumps) = thermal_qubit(omega, gamma, n);
            let big_gamma = gamma * (2.0 * n + 1.0);
            // The premise: the spectrum of 𝓛 is {0, −Γ, −Γ/2 ± iω}.
            let eig = liouvillian(&h, &jumps)
                .unwrap()
                .to_dense()
                .eigenvalues()
                .unwrap();
            for want in [
                c(0.0, 0.0),
                c(-big_gamma, 0.0),
                c(-big_gamma / 2.0, -omega),
                c(-big_gamma / 2.0, omega),
            ] {
                let dist = eig
                    .iter()
                    .map(|z| (z - want).norm())
                    .fold(f64::MAX, f64::min);
                assert!(dist < 1e-12, "{want} not in {eig:?}");
            }
            for method in [
                SteadyMethod::Dense,
                SteadyMethod::SparseDirect,
                SteadyMethod::Auto,
            ] {
                let ss = steady_state(&h, &jumps, None, &opts(method)).unwrap();
                assert_eq!(ss.null_dim, 1, "{method:?}");
                let gap = ss.gap.unwrap();
                assert!(
                    (gap - big_gamma / 2.0).abs() < 1e-9,
                    "{method:?}, (ω, γ, n) = ({omega}, {gamma}, {n}): gap {gap} vs Γ/2 = {}",
                    big_gamma / 2.0
                );
            }
        }
        let (h, jumps) = thermal_qubit(1.3, 0.7, 0.6);
        let ss = steady_state(&h, &jumps, None, &SteadyOptions::default()).unwrap();
        let json = serde_json::to_value(&ss).unwrap();
        assert!(
            (json["gap"].as_f64().unwrap() - 0.77).abs() < 1e-9,
            "{json}"
        );
    }

    /// Damped cavity at n_th = 0: 𝓛(|m⟩⟨n|) is [−iω(m − n) − κ(m + n)/2] |m⟩⟨n| plus
    /// κ√(mn) |m−1⟩⟨n−1|, triangular in the excitation numbers, and decay never leaves
    /// the kept levels, so the truncated 𝓛 has the eigenvalues −κ(m + n)/2 − iω(m − n):
    /// the slowest decay is κ/2, of the coherences |1⟩⟨0|, |0⟩⟨1|.
    #[test]
    fn damped_cavity_gap() {
        let kappa = 0.5;
        for omega in [0.4, 1.0] {
            let (h, jumps, _) = thermal_cavity(30, omega, kappa, 0.0);
            let ss = steady_state(&h, &jumps, None, &opts(SteadyMethod::SparseDirect)).unwrap();
            assert_eq!(ss.null_dim, 1);
            let gap = ss.gap.unwrap();
            assert!(
                (gap - kappa / 2.0).abs() < 1e-6,
                "ω = {omega}: gap {gap} vs κ/2 = {}",
                kappa / 2.0
            );
        }
        // The sparse estimate's limitation: at ω = 20 the coherences −κ/2 ∓ 20i lie beyond
        // the eigenvalues nearest 0 that the Krylov space finds (0, −κ, −2κ, …), so it
        // reports κ, an upper bound; the dense method gives the exact κ/2.
        let (h, jumps, _) = thermal_cavity(10, 20.0, kappa, 0.0);
        let dense = steady_state(&h, &jumps, None, &opts(SteadyMethod::Dense)).unwrap();
        let sparse = steady_state(&h, &jumps, None, &opts(SteadyMethod::SparseDirect)).unwrap();
        let (dense, sparse) = (dense.gap.unwrap(), sparse.gap.unwrap());
        assert!((dense - kappa / 2.0).abs() < 1e-9, "dense gap {dense}");
        assert!(sparse >= dense - 1e-9, "sparse {sparse} < dense {dense}");
        assert!((sparse - kappa).abs() < 1e-6, "sparse gap {sparse}");
    }

    /// Degenerate null spaces with a positive gap. A thermal qubit next to an idle
    /// d_idle-level system (H and jumps act on the qubit only): 𝓛 = 𝓛_q ⊗ id, so every
    /// eigenvalue of 𝓛_q is (d_idle²)-fold, dim ker 𝓛 = d_idle² and the gap is still Γ/2.
    /// d_idle = 5 (d² = 100, null dimension 25) makes the sparse method widen its block
    /// from 4 to 32 columns.
    /// And two qubits with collective decay and H = 0: the singlet, |gg⟩ and their
    /// coherences are dark (dim ker 𝓛 = 4) and everything else decays.
    #[test]
    fn degenerate_null_space_keeps_a_positive_gap() {
        let (omega, gamma, n) = (1.3, 0.7, 0.6);
        let (hq, jq) = thermal_qubit(omega, gamma, n);
        let half_gamma = gamma * (2.0 * n + 1.0) / 2.0;
        for d_idle in [2usize, 5] {
            let id = CsrMatrix::identity(d_idle);
            let h = hq.kron(&id);
            let jumps: Vec<CsrMatrix> = jq.iter().map(|l| l.kron(&id)).collect();
            let d = 2 * d_idle;
            let rho0 = Mat::<c64>::from_fn(d, d, |i, j| {
                if i == j {
                    c(1.0 / d as f64, 0.0)
                } else {
                    c(0.0, 0.0)
                }
            });
            for method in [SteadyMethod::Dense, SteadyMethod::SparseDirect] {
                let ss = steady_state(&h, &jumps, Some(rho0.as_ref()), &opts(method)).unwrap();
                assert_eq!(ss.null_dim, d_idle * d_idle, "{method:?}");
                let gap = ss.gap.unwrap();
                assert!(
                    gap.is_finite() && (gap - half_gamma).abs() < 1e-9,
                    "{method:?}, d_idle = {d_idle}: gap {gap} vs Γ/2 = {half_gamma}"
                );
            }
        }
        let (_, l) = collective_decay(1.0, 1.0);
        let h = CsrMatrix::zeros(4, 4);
        let rho0 = projector(&[c(0.0, 0.0), c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)]);
        let gaps: Vec<f64> = [SteadyMethod::Dense, SteadyMethod::SparseDirect]
            .into_iter()
            .map(|method| {
                let ss = steady_state(
                    &h,
                    std::slice::from_ref(&l),
                    Some(rho0.as_ref()),
                    &opts(method),
                )
                .unwrap();
                assert_eq!(ss.null_dim, 4, "{method:?}");
                ss.gap.unwrap()
            })
            .collect();
        assert!(gaps[0] > 0.1 && gaps[0].is_finite(), "{gaps:?}");
        assert!((gaps[0] - gaps[1]).abs() < 1e-9, "{gaps:?}");
    }
}
