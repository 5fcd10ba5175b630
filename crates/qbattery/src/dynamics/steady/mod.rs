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
//! - [`SteadyMethod::SparseDirect`]: sparse LU of 𝓛 − σ (σ > 0 real, in the resolvent
//!   set because the spectrum of a Lindbladian lies in Re λ ≤ 0); shift-invert
//!   Krylov–Schur (faer `partial_eigen`) on (𝓛 − σ)⁻¹, with deflation of the null
//!   vectors already found, counts the eigenvalues of 𝓛 with |λ| ≤ `null_tol`·‖𝓛‖_∞.
//!   A unique steady state is then solved for by sparse LU of 𝓛 with one row replaced
//!   by the trace condition; a degenerate one is projected from ρ₀ with right and left
//!   null vectors obtained the same way on 𝓛 and 𝓛† (the same LU serves both).
//!
//! # Spectral gap
//!
//! [`SteadyState::gap`] is the slowest nonzero decay rate, min −Re λ over the eigenvalues
//! of 𝓛 outside the null space. The dense method takes it from all eigenvalues of the
//! dense 𝓛 (exact); the sparse method from the nonzero eigenvalues that its
//! shift-invert Krylov runs found anyway (those nearest 0; no extra runs), which is exact
//! when the slowest mode is among them and otherwise an upper bound.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::solvers::SolveCore;
use faer::matrix_free::eigen::{partial_eigen, partial_eigen_scratch, PartialEigenParams};
use faer::matrix_free::LinOp;
use faer::prelude::*;
use faer::sparse::linalg::solvers::Lu;
use faer::sparse::{SparseColMat, Triplet};
use faer::{Conj, Side};

use crate::{c64, CsrMatrix, Error, Mat, MatMut, MatRef, Result, Warning};

mod jump_map;
mod layout;
use jump_map::JumpMap;
use layout::Layout;

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

/// Shift of the sparse method's shift-invert, relative to ‖𝓛‖_∞: σ = this · ‖𝓛‖_∞.
const SHIFT_REL: f64 = 1e-4;

/// Krylov–Schur residual tolerance, relative to the dominant eigenvalue 1/σ of (𝓛 − σ)⁻¹.
const KRYLOV_TOL_REL: f64 = 1e-10;

/// Eigenvalues requested from the first Krylov–Schur run of the sparse method; doubled
/// (up to [`KRYLOV_NEV_MAX`]) after a run whose eigenvalues were all zero.
const KRYLOV_NEV: usize = 6;

/// Upper bound on the eigenvalues requested from one Krylov–Schur run.
const KRYLOV_NEV_MAX: usize = 96;

/// Inverse-iteration sweeps that polish the sparse method's null vectors.
const POLISH_SWEEPS: usize = 2;

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
    /// Sparse LU, shift-invert Krylov–Schur for the null-space dimension.
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
}

impl Default for SteadyOptions {
    fn default() -> Self {
        Self {
            method: SteadyMethod::Auto,
            null_tol: 1e-9,
            positivity_tol: 1e-8,
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
    /// Dimension of the null space of 𝓛 (1: unique steady state).
    pub null_dim: usize,
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
    /// sparse method, when the Krylov runs found no eigenvalue outside it.
    ///
    /// - Dense method: exact (to round-off), from all d² eigenvalues of the dense 𝓛;
    ///   the `null_dim` eigenvalues of smallest modulus are the null space.
    /// - Sparse method: an estimate from the eigenvalues that the shift-invert
    ///   Krylov–Schur runs of the null-space search found, i.e. those nearest the shift
    ///   σ ≈ 0 (a handful: the runs request 6 eigenvalues of (𝓛 − σ)⁻¹, more only when
    ///   all of them were zero). It is the exact gap when the slowest mode is among the
    ///   eigenvalues nearest 0, and otherwise an upper bound: a slower mode −g + iω
    ///   with a large frequency |ω| (farther from 0 than the eigenvalues found) is
    ///   missed. Use the dense method to confirm when that matters.
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
        residual,
        method: name,
        gap,
        warnings,
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

fn to_faer(l: &CsrMatrix, shift: f64) -> Result<SparseColMat<usize, c64>> {
    let n = l.nrows();
    let mut t: Vec<Triplet<usize, usize, c64>> =
        l.iter().map(|(i, j, v)| Triplet::new(i, j, v)).collect();
    t.extend((0..n).map(|i| Triplet::new(i, i, c64::new(-shift, 0.0))));
    SparseColMat::try_new_from_triplets(n, n, &t).map_err(|e| Error::LinearAlgebra {
        context: "steady_state (sparse assembly)".into(),
        detail: format!("{e:?}"),
    })
}

/// Sparse method: returns vec(ρ_ss) (not yet normalised), the null dimension and the gap
/// estimate of the Krylov runs (see [`krylov_null_space`]).
fn sparse_steady(
    l: &CsrMatrix,
    layout: &Layout,
    rho0: Option<&Col<c64>>,
    null_tol: f64,
) -> Result<(Col<c64>, usize, Option<f64>)> {
    let n = layout.len();
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
    let sigma = SHIFT_REL * scale;
    let lu = to_faer(l, sigma)?
        .sp_lu()
        .map_err(|e| Error::LinearAlgebra {
            context: "steady_state (sparse LU of 𝓛 − σ)".into(),
            detail: format!("{e:?}"),
        })?;
    let thresh = null_tol * scale;
    let map = |adjoint| ShiftInvert {
        lu: &lu,
        n,
        adjoint,
        sigma,
        thresh,
        scale,
    };
    let (right, gap) = krylov_null_space(&map(false))?;
    let k = right.ncols();
    if k == 0 {
        return Err(Error::LinearAlgebra {
            context: "steady_state (shift-invert Krylov–Schur)".into(),
            detail: "no eigenvalue of 𝓛 with |λ| ≤ null_tol·‖𝓛‖_∞; raise null_tol".into(),
        });
    }
    if k == 1 {
        return Ok((trace_row_solve(l, layout, scale)?, 1, gap));
    }
    let rho0 = require_rho0(rho0, k)?;
    // The eigenvalues of 𝓛† are the conjugates of those of 𝓛 (same real parts), so the
    // left runs' nonzero eigenvalues refine the same gap estimate.
    let (left, left_gap) = krylov_null_space(&map(true))?;
    let gap = min_gap(gap, left_gap);
    if left.ncols() != k {
        return Err(Error::LinearAlgebra {
            context: "steady_state (sparse null space)".into(),
            detail: format!(
                "found {k} right but {} left null vectors; adjust null_tol or use the dense method",
                left.ncols()
            ),
        });
    }
    let right = polish(&map(false), right);
    let left = polish(&map(true), left);
    Ok((project(right.as_ref(), left.as_ref(), rho0)?, k, gap))
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
    let (right, _) = krylov_null_space(&map)?;
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
    let (left, _) = krylov_null_space(&adjoint)?;
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

/// The smaller of two optional gap estimates.
fn min_gap(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Solves 𝓛x = 0 with row 0 (the ρ_00 equation) replaced by Tr ρ = 1. The rows of the
/// diagonal entries of 𝓛ρ sum to Tr 𝓛ρ = 0, so row 0 is redundant and the replaced
/// system is non-singular exactly when the steady state is unique.
fn trace_row_solve(l: &CsrMatrix, layout: &Layout, scale: f64) -> Result<Col<c64>> {
    let (n, d) = (layout.len(), layout.d());
    let mut t: Vec<Triplet<usize, usize, c64>> = l
        .iter()
        .filter(|&(i, _, _)| i != 0)
        .map(|(i, j, v)| Triplet::new(i, j, v))
        .collect();
    t.extend((0..d).map(|i| Triplet::new(0, layout.diagonal(i), c64::new(scale, 0.0))));
    let a = SparseColMat::try_new_from_triplets(n, n, &t).map_err(|e| Error::LinearAlgebra {
        context: "steady_state (sparse assembly)".into(),
        detail: format!("{e:?}"),
    })?;
    let lu = a.sp_lu().map_err(|e| Error::LinearAlgebra {
        context: "steady_state (sparse LU with the trace row)".into(),
        detail: format!("{e:?}"),
    })?;
    let mut b = Mat::<c64>::zeros(n, 1);
    b[(0, 0)] = c64::new(scale, 0.0);
    lu.solve_in_place_with_conj(Conj::No, b.as_mut());
    if !b
        .col(0)
        .iter()
        .all(|v| v.re.is_finite() && v.im.is_finite())
    {
        return Err(Error::NonFinite {
            context: "steady_state (sparse solve with the trace row)".into(),
        });
    }
    Ok(b.col(0).to_owned())
}

/// A linear map on vec(ρ) whose eigenvectors for some eigenvalues μ are the null vectors
/// of 𝓛 (or of 𝓛†): (𝓛 − σ)⁻¹ (μ = 1/(λ − σ)), or the jump map of [`jump_map`].
pub(crate) trait NullMap: Sync + std::fmt::Debug {
    /// Its dimension d².
    fn dim(&self) -> usize;
    /// out ← map(x), column by column.
    fn apply_in_place(&self, x: MatMut<'_, c64>);
    /// Whether the eigenvalue μ belongs to a null vector.
    fn is_null(&self, mu: c64) -> bool;
    /// −Re λ of 𝓛's eigenvalue behind a non-null μ, when the map tells it.
    fn decay_rate(&self, mu: c64) -> Option<f64>;
    /// The Krylov–Schur residual tolerance, relative to the map's scale.
    fn krylov_tol(&self) -> f64;
}

/// (𝓛 − σ)⁻¹ (or its adjoint (𝓛† − σ)⁻¹) by a sparse LU.
#[derive(Debug)]
struct ShiftInvert<'a> {
    lu: &'a Lu<usize, c64>,
    n: usize,
    adjoint: bool,
    sigma: f64,
    thresh: f64,
    scale: f64,
}

impl NullMap for ShiftInvert<'_> {
    fn dim(&self) -> usize {
        self.n
    }

    fn apply_in_place(&self, x: MatMut<'_, c64>) {
        if self.adjoint {
            self.lu.solve_transpose_in_place_with_conj(Conj::Yes, x);
        } else {
            self.lu.solve_in_place_with_conj(Conj::No, x);
        }
    }

    fn is_null(&self, mu: c64) -> bool {
        mu.norm() > 0.0 && (c64::new(self.sigma, 0.0) + mu.inv()).norm() <= self.thresh
    }

    fn decay_rate(&self, mu: c64) -> Option<f64> {
        if mu.norm() == 0.0 {
            return None;
        }
        let lam = c64::new(self.sigma, 0.0) + mu.inv();
        (lam.norm() > self.thresh && lam.norm() <= 2.0 * self.scale).then(|| (-lam.re).max(0.0))
    }

    fn krylov_tol(&self) -> f64 {
        KRYLOV_TOL_REL / self.sigma
    }
}

/// A [`NullMap`] compressed to the orthogonal complement of the columns of `deflate`
/// (orthonormal): P A P with P = I − QQ†. If span Q is an invariant subspace of A, the
/// spectrum of P A P is that of A on the complement (Schur deflation) plus zeros.
#[derive(Debug)]
struct Deflated<'a> {
    map: &'a dyn NullMap,
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

/// Orthonormal null vectors of 𝓛 (or 𝓛† when `adjoint`): repeated shift-invert
/// Krylov–Schur runs, each deflating the vectors found before, until a run finds no
/// further eigenvalue |λ| ≤ `thresh` (λ = σ + 1/μ for an eigenvalue μ of (𝓛 − σ)⁻¹).
/// A single Krylov sequence can miss copies of a repeated eigenvalue; the deflated
/// runs catch them.
///
/// Also returns the gap estimate min −Re λ (clamped at 0) over the converged eigenvalues
/// of all runs with |λ| > `thresh`, i.e. the nonzero eigenvalues nearest the shift that
/// the runs found; `None` if they found none. Eigenvalues with |λ| > 2·`scale` are
/// discarded: the spectrum lies in |λ| ≤ ‖𝓛‖_∞ = `scale`, and such a λ comes from a
/// near-zero μ of the deflated operator (its zeros on the deflated subspace).
fn krylov_null_space(map: &dyn NullMap) -> Result<(Mat<c64>, Option<f64>)> {
    let n = map.dim();
    let mut nev = KRYLOV_NEV.min(n);
    let params = PartialEigenParams::default();
    let mut q = Mat::<c64>::zeros(n, 0);
    let mut gap: Option<f64> = None;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut v0 = Col::<c64>::from_fn(n, |_| {
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
        };
        c64::new(next(), next())
    });
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
            map.krylov_tol(),
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
        let run_gap = vals[..converged]
            .iter()
            .filter_map(|&mu| map.decay_rate(mu))
            .reduce(f64::min);
        gap = min_gap(gap, run_gap);
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
    Ok((q, gap))
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

/// A few inverse-iteration sweeps x ← (𝓛 − σ)⁻¹x on every null vector: components
/// outside the null space shrink by |σ/(λ − σ)| < 1 each sweep.
fn polish(map: &ShiftInvert<'_>, mut x: Mat<c64>) -> Mat<c64> {
    for _ in 0..POLISH_SWEEPS {
        map.apply_in_place(x.as_mut());
        for j in 0..x.ncols() {
            let nrm = x.col(j).norm_l2();
            x.col_mut(j).iter_mut().for_each(|v| *v /= nrm);
        }
    }
    x
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

    fn opts(method: SteadyMethod) -> SteadyOptions {
        SteadyOptions {
            method,
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
        // the eigenvalues nearest 0 that the Krylov run finds (0, −κ, −2κ, …), so it
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
    /// d_idle = 5 (d² = 100) runs the sparse method's Krylov–Schur, with deflated restarts.
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
