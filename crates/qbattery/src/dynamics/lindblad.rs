//! Lindblad master equation with time-dependent Hamiltonians, integrated on the density matrix.
//!
//! dρ/dt = −i[H(t), ρ] + Σ_k (L_k ρ L_k† − ½{L_k†L_k, ρ}),
//!
//! the form of Eqs. (6)–(7) of 000_e3df25f406468476.txt (ħ = 1). Rates live inside the
//! jump operators: a channel with rate γ_k and operator J_k is passed as L_k = √γ_k J_k
//! (e.g. the cavity of paper 000: L₁ = √(κ(n_th+1)) a, L₂ = √(κ n_th) a†). (Eq. (7) of
//! paper 000 prints "−a†ρa" where the Lindblad form, used here, has −a†aρ.)
//!
//! The generator is applied in matrix form, never as a dense Liouvillian:
//!
//! dρ/dt = −i(H_eff ρ − ρ H_eff†) + Σ_k L_k ρ L_k†,   H_eff = H − (i/2) Σ_k L_k†L_k.
//!
//! With ρ Hermitian, A = −i H_eff ρ gives −i(H_eff ρ − ρ H_eff†) = A + A†, so one sparse
//! product a step suffices: the right-hand side computes X = A† + ½ Σ_k L_k ρ L_k† column
//! by column (columns of ρ are combined with the conjugated entries of a row of H_eff, and
//! L_k ρ L_k† column i is L_k (ρ L_k†)[:, i]) and returns X + X†. Columns are processed in
//! parallel blocks (rayon) above [`PARALLEL_MIN_DIM`]. The result is Hermitian to the last
//! bit, and the trace is conserved up to rounding (Runge–Kutta methods preserve linear
//! invariants), so a drift of the trace signals numerical trouble and is reported.
//!
//! # Real generators
//!
//! When H₀, every drive operator and every jump operator are real matrices (the drive
//! coefficients are real functions), H_eff = H − (i/2)K with H and K = Σ L†L real, and
//! X[:, i] = i Σ_k H[i, k] ρ[:, k] − ½ Σ_k K[i, k] ρ[:, k] + ½ Σ_k L_k ρ L_k†[:, i]: every
//! sum has real weights on complex columns, two multiply-adds per entry instead of a
//! complex product's four. This is detected when the generator is built, and it halves
//! the arithmetic of the cavity–spin chain (paper 000), whose operators are real in the
//! product basis and in its reflection sectors.
//!
//! # Diagonal blocks (a weak symmetry)
//!
//! When H conserves a charge and each jump operator maps every block of it into one block
//! (cavity loss and gain flip the parity of photons + spin excitations), a block-diagonal
//! ρ stays block-diagonal. [`Lindblad::with_blocks`] then keeps the diagonal blocks only,
//! side by side in one matrix of (largest block) × d — the *stacked layout*: column j
//! holds, in its first rows, the entries of ρ in column j and the rows of j's block. The
//! off-diagonal blocks are never stored nor computed: about half the memory and the work
//! for two equal blocks. Without blocks the stacked layout is the d×d matrix itself.

use faer::prelude::*;

use super::hamiltonian::{Control, Hamiltonian, OperatorSum};
use super::ode::{self, OdeOptions, SolverStats};
use crate::{c64, CsrMatrix, Error, Mat, MatMut, MatRef, Result, Warning};

/// Dimension from which the right-hand side splits its columns over rayon's threads.
pub const PARALLEL_MIN_DIM: usize = 128;

/// Largest |Tr ρ(t) − 1| tolerated silently; beyond it [`Warning::TraceDrift`] is reported.
/// The exact generator conserves the trace and the integrator preserves it up to rounding,
/// so this does not scale with the tolerances.
pub const TRACE_DRIFT_TOL: f64 = 1e-6;

/// Tolerance on the initial state: |ρ₀ − ρ₀†| entries and |Tr ρ₀ − 1|.
pub const INITIAL_STATE_TOL: f64 = 1e-8;

const ZERO: c64 = c64 { re: 0.0, im: 0.0 };

/// The scalar of the kernel's weights: `c64` in general, `f64` for a real generator
/// (see the module documentation).
trait Weight: Copy + Send + Sync + std::fmt::Debug + std::ops::Mul<c64, Output = c64> {
    /// The coherent part's sum is multiplied by i at the end (real generators), instead of
    /// carrying the i in every weight.
    const COHERENT_TIMES_I: bool;
    /// The weight of the coherent part's entry z (of H_eff, or of H for a real generator).
    fn coherent(z: c64) -> Self;
    /// conj(z) as a weight.
    fn conj(z: c64) -> Self;
    /// z as a weight.
    fn of(z: c64) -> Self;
}

impl Weight for c64 {
    const COHERENT_TIMES_I: bool = false;
    fn coherent(z: c64) -> Self {
        c64::new(0.0, 1.0) * z.conj()
    }
    fn conj(z: c64) -> Self {
        z.conj()
    }
    fn of(z: c64) -> Self {
        z
    }
}

impl Weight for f64 {
    const COHERENT_TIMES_I: bool = true;
    fn coherent(z: c64) -> Self {
        z.re
    }
    fn conj(z: c64) -> Self {
        z.re
    }
    fn of(z: c64) -> Self {
        z.re
    }
}

/// A sparse operator with its values in the layout the kernels use.
#[derive(Debug, Clone)]
struct Jump<W> {
    pattern: OperatorSum,
    /// ½ L[a, q], row-major on `pattern`.
    half: Vec<W>,
    /// conj(L[i, k]), row-major on `pattern`.
    conj: Vec<W>,
    /// When no row has more than one entry (ladder operators, in any basis that keeps
    /// them one entry a row): each row's column, counted from the start of the source
    /// block, and ½ L there (0 and 0 for an empty row), so that ½ L tmp is a plain gather.
    single: Option<(Vec<usize>, Vec<W>)>,
}

/// The generator's matrices in the layout of the kernel, with weights of type `W`.
#[derive(Debug, Clone)]
struct Kernel<W> {
    /// The coherent part. Complex: H_eff's terms [H₀, K = Σ L†L, H_1, …, H_m], weights
    /// i·conj(H_eff[i, k]). Real: H's terms [H₀, H_1, …, H_m], weights H[i, k].
    coherent: OperatorSum,
    /// The coherent weights when H is constant.
    const_weights: Option<Vec<W>>,
    /// Real generators only: the pattern of K and −½K on it.
    decay: Option<(OperatorSum, Vec<W>)>,
    jumps: Vec<Jump<W>>,
}

impl<W: Weight> Kernel<W> {
    /// The kernel of H's `terms` (H₀ and the drives, each conserving the blocks), of
    /// K = Σ L†L and of the jump operators, each split by source block.
    fn new(terms: &[&CsrMatrix], k_sum: &CsrMatrix, jumps: &[CsrMatrix], blocks: &Blocks) -> Self {
        let n = k_sum.nrows();
        let (coherent, decay) = if W::COHERENT_TIMES_I {
            let decay = OperatorSum::new(n, &[k_sum]);
            let mut minus_half = vec![W::of(ZERO); decay.nnz()];
            decay.fill(&[c64::new(-0.5, 0.0)], &mut minus_half, W::of);
            (OperatorSum::new(n, terms), Some((decay, minus_half)))
        } else {
            let mut with_k = vec![terms[0], k_sum];
            with_k.extend(&terms[1..]);
            (OperatorSum::new(n, &with_k), None)
        };
        // Each jump kernel reads ρ's columns of one source block.
        let jumps = jumps
            .iter()
            .flat_map(|l| blocks.split_by_source(l))
            .map(|l| {
                let pattern = OperatorSum::new(n, &[&l]);
                let mut half = vec![W::of(ZERO); pattern.nnz()];
                let mut conj = vec![W::of(ZERO); pattern.nnz()];
                pattern.fill(&[c64::new(0.5, 0.0)], &mut half, W::of);
                pattern.fill(&[c64::new(1.0, 0.0)], &mut conj, W::conj);
                let rows = |a: usize| pattern.indptr[a]..pattern.indptr[a + 1];
                let single = (0..n).all(|a| rows(a).len() <= 1).then(|| {
                    let source = pattern.indices.first().map_or(0, |&k| blocks.start_of(k));
                    (0..n)
                        .map(|a| match rows(a).next() {
                            Some(p) => (pattern.indices[p] - source, half[p]),
                            None => (0, W::of(ZERO)),
                        })
                        .unzip()
                });
                Jump {
                    pattern,
                    half,
                    conj,
                    single,
                }
            })
            .collect();
        Kernel {
            coherent,
            const_weights: None,
            decay,
            jumps,
        }
    }

    /// The coefficients of the coherent terms at time t: [1, −i/2 (complex only), f_1(t), …].
    fn coefs_at(&self, drives: &[(Control, CsrMatrix)], t: f64) -> Vec<c64> {
        let mut c = vec![c64::new(1.0, 0.0)];
        if !W::COHERENT_TIMES_I {
            c.push(c64::new(0.0, -0.5));
        }
        c.extend(drives.iter().map(|(f, _)| c64::new(f.value(t), 0.0)));
        c
    }

    /// The coherent weights for the coefficients `coefs`.
    fn fill_weights(&self, coefs: &[c64], w: &mut [W]) {
        self.coherent.fill(coefs, w, W::coherent);
    }

    /// Number of coherent terms (the length of [`Kernel::coefs_at`]).
    fn coherent_terms(&self) -> usize {
        self.coherent.terms()
    }

    /// The coherent weights at time t: the constant ones, or `scratch` filled for t (with
    /// `coefs` as its coefficient buffer).
    fn weights_at<'w>(
        &'w self,
        drives: &[(Control, CsrMatrix)],
        t: f64,
        coefs: &mut [c64],
        scratch: &'w mut [W],
    ) -> &'w [W] {
        if let Some(w) = &self.const_weights {
            return w;
        }
        let skip = coefs.len() - drives.len();
        for (c, (f, _)) in coefs[skip..].iter_mut().zip(drives) {
            *c = c64::new(f.value(t), 0.0);
        }
        self.fill_weights(coefs, scratch);
        scratch
    }
}

/// The kernel of a generator, in the arithmetic its matrices allow.
#[derive(Debug, Clone)]
enum Arithmetic {
    Complex(Kernel<c64>),
    Real(Kernel<f64>),
}

/// Consecutive diagonal blocks of the basis (one block: the whole space).
#[derive(Debug, Clone)]
struct Blocks {
    /// First basis index of each block, and the dimension d at the end.
    starts: Vec<usize>,
    /// The block of each basis index.
    of: Vec<usize>,
}

impl Blocks {
    fn new(sizes: &[usize]) -> Self {
        let mut starts = vec![0];
        let mut of = Vec::new();
        for (b, &n) in sizes.iter().enumerate() {
            starts.push(starts[b] + n);
            of.extend(std::iter::repeat_n(b, n));
        }
        Self { starts, of }
    }

    fn count(&self) -> usize {
        self.starts.len() - 1
    }

    fn size(&self, b: usize) -> usize {
        self.starts[b + 1] - self.starts[b]
    }

    fn largest(&self) -> usize {
        (0..self.count()).map(|b| self.size(b)).max().unwrap_or(0)
    }

    /// Start of the block of basis index `i`.
    fn start_of(&self, i: usize) -> usize {
        self.starts[self.of[i]]
    }

    /// L as the sum of its parts L P_c acting on one block c each (L itself when it acts
    /// on one block).
    fn split_by_source(&self, l: &CsrMatrix) -> Vec<CsrMatrix> {
        let mut parts: std::collections::BTreeMap<usize, Vec<(usize, usize, c64)>> =
            Default::default();
        for (i, j, v) in l.iter() {
            parts.entry(self.of[j]).or_default().push((i, j, v));
        }
        if parts.len() <= 1 {
            return vec![l.clone()];
        }
        parts
            .values()
            .map(|t| {
                CsrMatrix::from_triplets(l.nrows(), l.ncols(), t)
                    .expect("indices of an existing matrix")
            })
            .collect()
    }
}

/// A Lindblad generator: Hamiltonian H(t) and jump operators L_k (rates included).
/// Build once, evolve many initial states.
#[derive(Debug, Clone)]
pub struct Lindblad {
    hamiltonian: Hamiltonian,
    jumps: Vec<CsrMatrix>,
    blocks: Blocks,
    kernel: Arithmetic,
    breakpoints: Vec<f64>,
}

/// Scratch space of [`Lindblad::rhs`], made by [`Lindblad::workspace`]; reuse it across calls.
#[derive(Debug, Clone)]
pub struct LindbladWorkspace {
    /// The coherent weights at the current time (empty when H is constant): complex or
    /// real, as the kernel's arithmetic.
    weights: Vec<c64>,
    real_weights: Vec<f64>,
    coefs: Vec<c64>,
    x: Mat<c64>,
    /// One column of scratch per parallel task.
    tmps: Vec<Vec<c64>>,
}

/// States at the requested times, with the solver's report.
#[derive(Debug, Clone)]
pub struct Evolution {
    /// The requested times.
    pub times: Vec<f64>,
    /// ρ(t) at each requested time.
    pub states: Vec<Mat<c64>>,
    /// What the integrator did.
    pub stats: SolverStats,
    /// Numerical trouble (e.g. [`Warning::TraceDrift`]).
    pub warnings: Vec<Warning>,
}

/// The report of [`Lindblad::evolve_with`], which hands states to an observer instead of storing them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EvolutionStats {
    /// What the integrator did.
    pub stats: SolverStats,
    /// Numerical trouble (e.g. [`Warning::TraceDrift`]).
    pub warnings: Vec<Warning>,
}

impl Lindblad {
    /// Checks and prepares the generator: the Hamiltonian is validated, and every jump
    /// operator must be square of the Hamiltonian's dimension and finite (errors name
    /// `jumps[k]`).
    pub fn new(hamiltonian: Hamiltonian, jumps: Vec<CsrMatrix>) -> Result<Self> {
        let n = hamiltonian.dim();
        Self::with_blocks(hamiltonian, jumps, &[n])
    }

    /// [`Lindblad::new`] for a density matrix kept block-diagonal in the consecutive
    /// blocks of dimensions `sizes` (see the module documentation): H₀, every drive and
    /// Σ L†L must have no entry between two blocks, and each jump operator must map every
    /// block into a single block (errors name the operator).
    pub fn with_blocks(
        hamiltonian: Hamiltonian,
        jumps: Vec<CsrMatrix>,
        sizes: &[usize],
    ) -> Result<Self> {
        hamiltonian.validate()?;
        let n = hamiltonian.dim();
        if sizes.iter().sum::<usize>() != n || sizes.contains(&0) {
            return Err(Error::invalid(
                "Lindblad block sizes",
                format!("{sizes:?}"),
                format!("positive dimensions adding up to {n}"),
            ));
        }
        let blocks = Blocks::new(sizes);
        for (k, l) in jumps.iter().enumerate() {
            for found in [l.nrows(), l.ncols()] {
                if found != n {
                    return Err(Error::DimensionMismatch {
                        context: format!(
                            "jumps[{k}] of the Lindblad generator (Hamiltonian dimension)"
                        ),
                        expected: n,
                        found,
                    });
                }
            }
            if !l.is_finite() {
                return Err(Error::NonFinite {
                    context: format!("jumps[{k}] of the Lindblad generator"),
                });
            }
        }
        let mut k_sum = CsrMatrix::zeros(n, n);
        for l in &jumps {
            k_sum = k_sum.add_scaled(&l.adjoint().matmul(l)?, c64::new(1.0, 0.0))?;
        }
        let mut terms: Vec<&CsrMatrix> = vec![&hamiltonian.h0, &k_sum];
        terms.extend(hamiltonian.drives.iter().map(|(_, op)| op));
        for (name, op) in ["the Hamiltonian", "Σ L†L"].iter().zip(&terms) {
            if let Some((i, j, _)) = op.iter().find(|&(i, j, _)| blocks.of[i] != blocks.of[j]) {
                return Err(Error::invalid(
                    "Lindblad blocks",
                    format!("{name} couples basis states {i} and {j} of different blocks"),
                    "operators that conserve the blocks' charge",
                ));
            }
        }
        for (k, (_, op)) in hamiltonian.drives.iter().enumerate() {
            if op.iter().any(|(i, j, _)| blocks.of[i] != blocks.of[j]) {
                return Err(Error::invalid(
                    "Lindblad blocks",
                    format!("drive {k} couples different blocks"),
                    "operators that conserve the blocks' charge",
                ));
            }
        }
        for (k, l) in jumps.iter().enumerate() {
            let mut target = vec![None; blocks.count()];
            for (i, j, _) in l.iter() {
                let (to, from) = (blocks.of[i], blocks.of[j]);
                if *target[from].get_or_insert(to) != to {
                    return Err(Error::invalid(
                        format!("jumps[{k}]"),
                        format!("an operator mapping block {from} into several blocks"),
                        "each block mapped into one block (a fixed charge shift)",
                    ));
                }
            }
        }
        let is_real = |m: &CsrMatrix| m.iter().all(|(_, _, v)| v.im == 0.0);
        let h_terms: Vec<&CsrMatrix> = std::iter::once(&hamiltonian.h0)
            .chain(hamiltonian.drives.iter().map(|(_, op)| op))
            .collect();
        let constant = hamiltonian.is_constant();
        let drives = &hamiltonian.drives;
        let kernel = if h_terms.iter().all(|m| is_real(m)) && jumps.iter().all(is_real) {
            let mut k = Kernel::<f64>::new(&h_terms, &k_sum, &jumps, &blocks);
            if constant {
                let mut w = vec![0.0; k.coherent.nnz()];
                k.fill_weights(&k.coefs_at(drives, 0.0), &mut w);
                k.const_weights = Some(w);
            }
            Arithmetic::Real(k)
        } else {
            let mut k = Kernel::<c64>::new(&h_terms, &k_sum, &jumps, &blocks);
            if constant {
                let mut w = vec![ZERO; k.coherent.nnz()];
                k.fill_weights(&k.coefs_at(drives, 0.0), &mut w);
                k.const_weights = Some(w);
            }
            Arithmetic::Complex(k)
        };
        let breakpoints = hamiltonian.breakpoints();
        Ok(Lindblad {
            hamiltonian,
            jumps,
            blocks,
            kernel,
            breakpoints,
        })
    }

    /// The Hamiltonian.
    pub fn hamiltonian(&self) -> &Hamiltonian {
        &self.hamiltonian
    }

    /// The jump operators (rates included).
    pub fn jumps(&self) -> &[CsrMatrix] {
        &self.jumps
    }

    /// The Hilbert-space dimension.
    pub fn dim(&self) -> usize {
        self.hamiltonian.dim()
    }

    /// Rows of the stacked layout: the largest block (d without blocks).
    pub fn stacked_rows(&self) -> usize {
        self.blocks.largest()
    }

    /// ρ (d×d, block-diagonal) in the stacked layout.
    pub fn stack(&self, rho: MatRef<'_, c64>) -> Mat<c64> {
        let b = &self.blocks;
        Mat::from_fn(b.largest(), self.dim(), |r, j| {
            let (start, size) = (b.start_of(j), b.size(b.of[j]));
            if r < size {
                rho[(start + r, j)]
            } else {
                ZERO
            }
        })
    }

    /// The d×d block-diagonal matrix of a stacked one.
    pub fn unstack(&self, stacked: MatRef<'_, c64>) -> Mat<c64> {
        let b = &self.blocks;
        let n = self.dim();
        let mut rho = Mat::<c64>::zeros(n, n);
        for j in 0..n {
            let (start, size) = (b.start_of(j), b.size(b.of[j]));
            for r in 0..size {
                rho[(start + r, j)] = stacked[(r, j)];
            }
        }
        rho
    }

    /// Scratch space for [`Lindblad::rhs`].
    pub fn workspace(&self) -> LindbladWorkspace {
        let n = self.dim();
        let tasks = if n >= PARALLEL_MIN_DIM {
            (2 * rayon::current_num_threads()).clamp(1, n)
        } else {
            1
        };
        let drives = &self.hamiltonian.drives;
        let (mut weights, mut real_weights, coefs) = (
            Vec::new(),
            Vec::new(),
            match &self.kernel {
                Arithmetic::Complex(k) => k.coefs_at(drives, 0.0),
                Arithmetic::Real(k) => k.coefs_at(drives, 0.0),
            },
        );
        match &self.kernel {
            Arithmetic::Complex(k) if k.const_weights.is_none() => {
                weights = vec![ZERO; k.coherent.nnz()]
            }
            Arithmetic::Real(k) if k.const_weights.is_none() => {
                real_weights = vec![0.0; k.coherent.nnz()]
            }
            _ => {}
        }
        LindbladWorkspace {
            weights,
            real_weights,
            coefs,
            x: Mat::zeros(self.stacked_rows(), n),
            tmps: vec![vec![ZERO; n]; tasks],
        }
    }

    /// Writes dρ/dt at time t into `drho` (overwritten), both in the stacked layout
    /// ([`Lindblad::stacked_rows`] × d; d × d without blocks). `rho` must be Hermitian:
    /// only that case is computed correctly (see the module docs). No allocation when
    /// `rho` and `drho` have contiguous columns (as `Mat`s do).
    ///
    /// Panics if `rho` or `drho` has another shape, or `ws` was made by another generator
    /// (a caller's bug).
    pub fn rhs(
        &self,
        ws: &mut LindbladWorkspace,
        t: f64,
        rho: MatRef<'_, c64>,
        mut drho: MatMut<'_, c64>,
    ) {
        let (rows, n) = (self.stacked_rows(), self.dim());
        assert_eq!(
            (rho.nrows(), rho.ncols()),
            (rows, n),
            "Lindblad::rhs: rho must be in the stacked layout"
        );
        assert_eq!(
            (drho.nrows(), drho.ncols()),
            (rows, n),
            "Lindblad::rhs: drho must be in the stacked layout"
        );
        let drives = &self.hamiltonian.drives;
        let coefs_len = match &self.kernel {
            Arithmetic::Complex(k) => k.coherent_terms(),
            Arithmetic::Real(k) => k.coherent_terms(),
        };
        assert_eq!(
            (ws.x.nrows(), ws.x.ncols(), ws.coefs.len()),
            (rows, n, coefs_len),
            "Lindblad::rhs: the workspace belongs to another generator"
        );
        let LindbladWorkspace {
            weights,
            real_weights,
            coefs,
            x,
            tmps,
        } = ws;
        let rho_copy;
        let rho = if rho.try_as_col_major().is_some() {
            rho
        } else {
            rho_copy = rho.to_owned();
            rho_copy.as_ref()
        };
        // Phase 1: X = A† + ½ Σ L ρ L†, column blocks in parallel.
        match &self.kernel {
            Arithmetic::Complex(k) => {
                let w = k.weights_at(drives, t, coefs, weights);
                let columns = |first: usize, block: MatMut<'_, c64>, tmp: &mut Vec<c64>| {
                    x_columns(k, &self.blocks, w, rho, first, block, tmp)
                };
                for_column_blocks(x.as_mut(), 0, tmps, &columns);
            }
            Arithmetic::Real(k) => {
                let w = k.weights_at(drives, t, coefs, real_weights);
                let columns = |first: usize, block: MatMut<'_, c64>, tmp: &mut Vec<c64>| {
                    x_columns(k, &self.blocks, w, rho, first, block, tmp)
                };
                for_column_blocks(x.as_mut(), 0, tmps, &columns);
            }
        }
        // Phase 2: dρ = X + X†, block by block (rows below a block stay 0).
        let parts = tmps.len();
        let blocks = &self.blocks;
        let phase2 = |mut out: MatMut<'_, c64>| {
            for b in 0..blocks.count() {
                let (start, size) = (blocks.starts[b], blocks.size(b));
                let xb = x.as_ref().submatrix(0, start, size, size);
                hermitian_part(xb, out.rb_mut().submatrix_mut(0, start, size, size), parts);
                if size < rows {
                    out.rb_mut()
                        .submatrix_mut(size, start, rows - size, size)
                        .fill(ZERO);
                }
            }
        };
        if drho.rb_mut().try_as_col_major_mut().is_some() {
            phase2(drho);
        } else {
            let mut out = Mat::<c64>::zeros(rows, n);
            phase2(out.as_mut());
            drho.copy_from(&out);
        }
    }

    /// Evolves ρ₀ (given at `times[0]`) and stores ρ(t) at every requested time.
    ///
    /// ρ₀ must be `dim × dim`, finite, Hermitian and of unit trace within
    /// [`INITIAL_STATE_TOL`] (errors name `rho0`); its Hermitian part is evolved. `times`
    /// must be non-empty, finite and non-decreasing. The breakpoints of piecewise controls
    /// are landed on exactly. See [`ode::integrate`] for the integrator and its errors.
    pub fn evolve(
        &self,
        rho0: MatRef<'_, c64>,
        times: &[f64],
        opts: &OdeOptions,
    ) -> Result<Evolution> {
        let mut states = Vec::with_capacity(times.len());
        let report = self.evolve_with(rho0, times, opts, |_, _, rho| {
            states.push(rho.to_owned());
            Ok(())
        })?;
        Ok(Evolution {
            times: times.to_vec(),
            states,
            stats: report.stats,
            warnings: report.warnings,
        })
    }

    /// Like [`Lindblad::evolve`], but hands `observe(i, times[i], ρ(times[i]))` each state
    /// instead of storing it (for observables computed on the fly); an error from
    /// `observe` stops the evolution and is returned.
    pub fn evolve_with(
        &self,
        rho0: MatRef<'_, c64>,
        times: &[f64],
        opts: &OdeOptions,
        mut observe: impl FnMut(usize, f64, MatRef<'_, c64>) -> Result<()>,
    ) -> Result<EvolutionStats> {
        let rho0 = self.stack(self.checked_initial_state(rho0)?.as_ref());
        let mut ws = self.workspace();
        let mut drift: f64 = 0.0;
        let whole = self.blocks.count() == 1;
        let blocks = &self.blocks;
        let stats = ode::integrate(
            |t, rho, drho| self.rhs(&mut ws, t, rho, drho),
            rho0.as_ref(),
            times,
            &self.breakpoints,
            opts,
            |i, t, rho| {
                let tr: c64 = (0..rho.ncols())
                    .map(|k| rho[(k - blocks.start_of(k), k)])
                    .sum();
                drift = drift.max((tr - c64::new(1.0, 0.0)).norm());
                if whole {
                    observe(i, t, rho)
                } else {
                    observe(i, t, self.unstack(rho).as_ref())
                }
            },
        )?;
        let mut warnings = Vec::new();
        if drift > TRACE_DRIFT_TOL {
            warnings.push(Warning::TraceDrift { drift });
        }
        Ok(EvolutionStats { stats, warnings })
    }

    /// Checks ρ₀ and returns its Hermitian part (ρ₀ + ρ₀†)/2.
    fn checked_initial_state(&self, rho0: MatRef<'_, c64>) -> Result<Mat<c64>> {
        let n = self.dim();
        for found in [rho0.nrows(), rho0.ncols()] {
            if found != n {
                return Err(Error::DimensionMismatch {
                    context: "rho0 of the Lindblad evolution (Hamiltonian dimension)".into(),
                    expected: n,
                    found,
                });
            }
        }
        let mut herm_err: f64 = 0.0;
        let mut trace = ZERO;
        let mut finite = true;
        for j in 0..n {
            trace += rho0[(j, j)];
            for i in 0..n {
                let z = rho0[(i, j)];
                finite &= z.re.is_finite() && z.im.is_finite();
                herm_err = herm_err.max((z - rho0[(j, i)].conj()).norm());
            }
        }
        if !finite {
            return Err(Error::NonFinite {
                context: "rho0 of the Lindblad evolution".into(),
            });
        }
        let off_block = (0..n)
            .flat_map(|j| (0..n).map(move |i| (i, j)))
            .filter(|&(i, j)| self.blocks.of[i] != self.blocks.of[j])
            .map(|(i, j)| rho0[(i, j)].norm())
            .fold(0.0, f64::max);
        if off_block > INITIAL_STATE_TOL {
            return Err(Error::invalid(
                "rho0",
                format!("a matrix with a coherence {off_block:.3e} between blocks"),
                "block-diagonal in the generator's blocks",
            ));
        }
        if herm_err > INITIAL_STATE_TOL {
            return Err(Error::invalid(
                "rho0",
                format!("a matrix with |ρ − ρ†| = {herm_err:.3e}"),
                format!("Hermitian within {INITIAL_STATE_TOL:.0e}"),
            ));
        }
        if (trace - c64::new(1.0, 0.0)).norm() > INITIAL_STATE_TOL {
            return Err(Error::invalid(
                "rho0",
                format!("a matrix of trace {:.12}{:+.3e}i", trace.re, trace.im),
                format!("trace 1 within {INITIAL_STATE_TOL:.0e}"),
            ));
        }
        Ok(Mat::from_fn(n, n, |i, j| {
            (rho0[(i, j)] + rho0[(j, i)].conj()) * 0.5
        }))
    }
}

/// Columns `first..first + block.ncols()` of X = i ρ H_eff† + ½ Σ_k L_k ρ L_k†,
/// compiled for the widest SIMD instruction set of this CPU (picked at run time).
fn x_columns<W: Weight>(
    kernel: &Kernel<W>,
    blocks: &Blocks,
    weights: &[W],
    rho: MatRef<'_, c64>,
    first: usize,
    block: MatMut<'_, c64>,
    tmp: &mut [c64],
) {
    pulp::Arch::new().dispatch(XColumns {
        kernel,
        blocks,
        weights,
        rho,
        first,
        block,
        tmp,
    });
}

/// One call of [`x_columns`], as a [`pulp::WithSimd`] operation.
struct XColumns<'a, W> {
    kernel: &'a Kernel<W>,
    blocks: &'a Blocks,
    weights: &'a [W],
    rho: MatRef<'a, c64>,
    first: usize,
    block: MatMut<'a, c64>,
    tmp: &'a mut [c64],
}

impl<W: Weight> pulp::WithSimd for XColumns<'_, W> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let XColumns {
            kernel,
            blocks,
            weights,
            rho,
            first,
            mut block,
            tmp,
        } = self;
        for c in 0..block.ncols() {
            let i = first + c;
            // Column i of X: the rows of i's block, at the top of the stacked column.
            let (start, size) = (blocks.start_of(i), blocks.size(blocks.of[i]));
            let col_all = col_mut(block.rb_mut(), c);
            col_all[size..].fill(ZERO);
            let out = &mut col_all[..size];
            out.fill(ZERO);
            // Column k of ρ restricted to its block's `rows` (the k of a row of H_eff are in
            // i's block, those of a row of a jump kernel in its one source block).
            let rho_col = |k: usize, rows: usize| &col(rho, k)[..rows];
            // Complex: X[:, i] = Σ_k i conj(H_eff[i, k]) ρ[:, k] = (i ρ H_eff†)[:, i].
            // Real: X[:, i] = i Σ_k H[i, k] ρ[:, k] − ½ Σ_k K[i, k] ρ[:, k].
            let coherent = &kernel.coherent;
            let row = coherent.indptr[i]..coherent.indptr[i + 1];
            let (ks, ws) = (&coherent.indices[row.clone()], &weights[row]);
            let mut quads = ks.chunks_exact(4).zip(ws.chunks_exact(4));
            for (k, w) in quads.by_ref() {
                axpy4(
                    out,
                    [w[0], w[1], w[2], w[3]],
                    [
                        rho_col(k[0], size),
                        rho_col(k[1], size),
                        rho_col(k[2], size),
                        rho_col(k[3], size),
                    ],
                );
            }
            let rest = ks.len() - ks.len() % 4;
            for (&k, &w) in ks[rest..].iter().zip(&ws[rest..]) {
                axpy(out, w, rho_col(k, size));
            }
            if W::COHERENT_TIMES_I {
                for o in out.iter_mut() {
                    *o = c64::new(-o.im, o.re);
                }
            }
            if let Some((decay, minus_half)) = &kernel.decay {
                let row = decay.indptr[i]..decay.indptr[i + 1];
                for (&k, &w) in decay.indices[row.clone()].iter().zip(&minus_half[row]) {
                    axpy(out, w, rho_col(k, size));
                }
            }
            for jump in &kernel.jumps {
                let pat = &jump.pattern;
                let row = pat.indptr[i]..pat.indptr[i + 1];
                if row.is_empty() {
                    continue;
                }
                // tmp = (ρ L†)[:, i] = Σ_k conj(L[i, k]) ρ[:, k], the k in one source
                // block (rows of that block); X[:, i] += ½ L tmp on the rows of i's block.
                let first = pat.indices[row.start];
                let (source, source_rows) = (blocks.start_of(first), blocks.size(blocks.of[first]));
                tmp.fill(ZERO);
                for p in row {
                    axpy(tmp, jump.conj[p], rho_col(pat.indices[p], source_rows));
                }
                if let Some((cols, halves)) = &jump.single {
                    let rows = start..start + size;
                    for ((o, &q), &h) in out.iter_mut().zip(&cols[rows.clone()]).zip(&halves[rows])
                    {
                        *o += h * tmp[q];
                    }
                    continue;
                }
                for (a, o) in out.iter_mut().enumerate() {
                    let a = start + a;
                    let mut s = ZERO;
                    for q in pat.indptr[a]..pat.indptr[a + 1] {
                        s += jump.half[q] * tmp[pat.indices[q] - source];
                    }
                    *o += s;
                }
            }
        }
    }
}

/// Column j of a column-major matrix as a slice.
fn col(m: MatRef<'_, c64>, j: usize) -> &[c64] {
    m.col(j)
        .try_as_col_major()
        .expect("column-major")
        .as_slice()
}

fn col_mut(m: MatMut<'_, c64>, j: usize) -> &mut [c64] {
    m.col_mut(j)
        .try_as_col_major_mut()
        .expect("column-major")
        .as_slice_mut()
}

/// y += Σ_m a[m] x[m], in one pass over y.
#[inline(always)]
fn axpy4<W: Weight>(y: &mut [c64], a: [W; 4], x: [&[c64]; 4]) {
    let n = y.len();
    let (x0, x1, x2, x3) = (&x[0][..n], &x[1][..n], &x[2][..n], &x[3][..n]);
    for i in 0..n {
        y[i] += a[0] * x0[i] + a[1] * x1[i] + a[2] * x2[i] + a[3] * x3[i];
    }
}

/// y += a x.
#[inline(always)]
fn axpy<W: Weight>(y: &mut [c64], a: W, x: &[c64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * *xi;
    }
}

/// Runs `kernel(first_column, block, scratch)` over `tmps.len()` column blocks of `m`,
/// in parallel (rayon) when there is more than one.
fn for_column_blocks<F>(m: MatMut<'_, c64>, first: usize, tmps: &mut [Vec<c64>], kernel: &F)
where
    F: Fn(usize, MatMut<'_, c64>, &mut Vec<c64>) + Sync,
{
    let parts = tmps.len();
    if parts <= 1 || m.ncols() <= 1 {
        kernel(first, m, &mut tmps[0]);
        return;
    }
    let left_parts = parts / 2;
    let left_cols = m.ncols() * left_parts / parts;
    let (left, right) = m.split_at_col_mut(left_cols);
    let (tl, tr) = tmps.split_at_mut(left_parts);
    rayon::join(
        || for_column_blocks(left, first, tl, kernel),
        || for_column_blocks(right, first + left_cols, tr, kernel),
    );
}

/// out = X + X† (out column-major), in `parts` parallel column blocks.
fn hermitian_part(x: MatRef<'_, c64>, out: MatMut<'_, c64>, parts: usize) {
    fn block(x: MatRef<'_, c64>, first: usize, mut out: MatMut<'_, c64>, parts: usize) {
        if parts > 1 && out.ncols() > 1 {
            let left_parts = parts / 2;
            let left_cols = out.ncols() * left_parts / parts;
            let (l, r) = out.split_at_col_mut(left_cols);
            rayon::join(
                || block(x, first, l, left_parts),
                || block(x, first + left_cols, r, parts - left_parts),
            );
            return;
        }
        // Tiles of TILE × TILE: the transposed tile X[J, I] is gathered (conjugated) from
        // contiguous column pieces into a small buffer, then added column by column.
        const TILE: usize = 16;
        let n = x.nrows();
        let w = out.ncols();
        let mut buf = [ZERO; TILE * TILE];
        for c0 in (0..w).step_by(TILE) {
            let c1 = (c0 + TILE).min(w);
            let (j0, j1) = (first + c0, first + c1);
            for i0 in (0..n).step_by(TILE) {
                let i1 = (i0 + TILE).min(n);
                // buf[(i − i0) · TILE + (j − j0)] = conj(X[j, i]).
                for i in i0..i1 {
                    let src = &col(x, i)[j0..j1];
                    let dst = &mut buf[(i - i0) * TILE..(i - i0) * TILE + (j1 - j0)];
                    for (d, s) in dst.iter_mut().zip(src) {
                        *d = s.conj();
                    }
                }
                for c in c0..c1 {
                    let jj = first + c - j0;
                    let xj = &col(x, first + c)[i0..i1];
                    let oj = &mut col_mut(out.rb_mut(), c)[i0..i1];
                    // out[i, j] = X[i, j] + conj(X[j, i]).
                    for (r, (o, xv)) in oj.iter_mut().zip(xj).enumerate() {
                        *o = xv + buf[r * TILE + jj];
                    }
                }
            }
        }
    }
    block(x, 0, out, parts);
}

#[cfg(test)]
mod tests {
    use super::super::hamiltonian::test_support::*;
    use super::super::hamiltonian::Control;
    use super::super::schrodinger::EigenPropagator;
    use super::*;
    use faer::Side;

    fn dense_rhs(h: &CsrMatrix, jumps: &[CsrMatrix], rho: &Mat<c64>) -> Mat<c64> {
        let hd = h.to_dense();
        let mi = c(0.0, -1.0);
        let mut out = (&hd * rho - rho * &hd) * Scale(mi);
        for l in jumps {
            let ld = l.to_dense();
            let ldl = ld.adjoint() * &ld;
            out += &ld * rho * ld.adjoint() - (&ldl * rho + rho * &ldl) * Scale(c(0.5, 0.0));
        }
        out
    }

    fn expect(op: &CsrMatrix, rho: MatRef<'_, c64>) -> f64 {
        op.expectation(rho)
    }

    #[test]
    fn rhs_matches_dense_formula() {
        // Small (sequential) and large (parallel column blocks), with a time-dependent drive.
        for &n in &[12, 2 * PARALLEL_MIN_DIM + 7] {
            let h0 = random_hermitian(n, 6, 1);
            let h1 = random_hermitian(n, 4, 2);
            let l1 = destroy(n).scale(c(0.7, 0.0));
            let l2 = random_hermitian(n, 2, 3).scale(c(0.0, 0.3));
            let drive = Control::function(|t| (2.0 * t).sin());
            let ham = Hamiltonian::new(h0, vec![(drive, h1)]).unwrap();
            let lind = Lindblad::new(ham.clone(), vec![l1.clone(), l2.clone()]).unwrap();
            let mut ws = lind.workspace();
            let psi = random_ket(n, 4);
            let phi = random_ket(n, 5);
            let rho = Mat::from_fn(n, n, |i, j| {
                0.6 * psi[i] * psi[j].conj() + 0.4 * phi[i] * phi[j].conj()
            });
            let t = 0.37;
            let mut drho = Mat::<c64>::from_fn(n, n, |_, _| c(f64::NAN, 0.0));
            lind.rhs(&mut ws, t, rho.as_ref(), drho.as_mut());
            let reference = dense_rhs(&ham.at(t), &[l1, l2], &rho);
            let err = max_diff(drho.as_ref(), reference.as_ref());
            assert!(err < 1e-13, "n = {n}: |rhs − dense| = {err}");
            // A transposed (row-major) output view takes the fallback path.
            let mut out_t = Mat::<c64>::zeros(n, n);
            lind.rhs(&mut ws, t, rho.as_ref(), out_t.as_mut().transpose_mut());
            assert!(max_diff(out_t.transpose(), reference.as_ref()) < 1e-13);
        }
    }

    /// The real part of a matrix's entries.
    fn real_part(m: &CsrMatrix) -> CsrMatrix {
        let t: Vec<_> = m.iter().map(|(i, j, v)| (i, j, c(v.re, 0.0))).collect();
        CsrMatrix::from_triplets(m.nrows(), m.ncols(), &t).unwrap()
    }

    /// Real operators take the real kernel (detected, not asked for). It matches the dense
    /// formula, and so does the complex kernel, which the same generator takes once a drive
    /// term with an imaginary entry (and a coefficient 0) is added.
    #[test]
    fn real_generator_matches_dense_formula_and_complex_kernel() {
        for &n in &[12, 2 * PARALLEL_MIN_DIM + 7] {
            let h0 = real_part(&random_hermitian(n, 6, 1));
            let h1 = real_part(&random_hermitian(n, 4, 2));
            // A ladder operator (one entry a row: the gather path) and a general real one.
            let l1 = destroy(n).scale(c(0.7, 0.0));
            let l2 = real_part(&random_hermitian(n, 4, 3)).scale(c(0.3, 0.0));
            let drive = Control::function(|t| (2.0 * t).sin());
            let ham = Hamiltonian::new(h0.clone(), vec![(drive.clone(), h1.clone())]).unwrap();
            let real = Lindblad::new(ham.clone(), vec![l1.clone(), l2.clone()]).unwrap();
            assert!(matches!(real.kernel, Arithmetic::Real(_)));
            // The same generator with an imaginary drive term of zero weight is complex.
            let zero_imag =
                CsrMatrix::from_triplets(n, n, &[(0, 1, c(0.0, 1.0)), (1, 0, c(0.0, -1.0))])
                    .unwrap();
            let ham_c = Hamiltonian::new(
                h0,
                vec![(drive, h1), (Control::function(|_| 0.0), zero_imag)],
            )
            .unwrap();
            let complex = Lindblad::new(ham_c, vec![l1.clone(), l2.clone()]).unwrap();
            assert!(matches!(complex.kernel, Arithmetic::Complex(_)));
            let psi = random_ket(n, 4);
            let phi = random_ket(n, 5);
            let rho = Mat::from_fn(n, n, |i, j| {
                0.6 * psi[i] * psi[j].conj() + 0.4 * phi[i] * phi[j].conj()
            });
            let t = 0.37;
            let reference = dense_rhs(&ham.at(t), &[l1, l2], &rho);
            for lind in [&real, &complex] {
                let mut ws = lind.workspace();
                let mut drho = Mat::<c64>::from_fn(n, n, |_, _| c(f64::NAN, 0.0));
                lind.rhs(&mut ws, t, rho.as_ref(), drho.as_mut());
                let err = max_diff(drho.as_ref(), reference.as_ref());
                assert!(err < 1e-13, "n = {n}: |rhs − dense| = {err}");
            }
        }
    }

    #[test]
    fn damped_cavity_relaxes_to_thermal_occupation() {
        // ⟨n⟩(t) = n_th + (n0 − n_th) e^{−κt} for L = √(κ(n_th+1)) a, √(κ n_th) a†.
        let (levels, kappa, n_th, n0) = (40, 0.7f64, 0.3f64, 3usize);
        let a = destroy(levels);
        let num = a.adjoint().matmul(&a).unwrap();
        let ham = Hamiltonian::constant(num.clone()).unwrap();
        let jumps = vec![
            a.scale(c((kappa * (n_th + 1.0)).sqrt(), 0.0)),
            a.adjoint().scale(c((kappa * n_th).sqrt(), 0.0)),
        ];
        let lind = Lindblad::new(ham, jumps).unwrap();
        let mut rho0 = Mat::<c64>::zeros(levels, levels);
        rho0[(n0, n0)] = c(1.0, 0.0);
        let times: Vec<f64> = (0..=40).map(|k| 0.25 * k as f64).collect();
        let ev = lind
            .evolve(
                rho0.as_ref(),
                &times,
                &OdeOptions::with_tolerances(1e-8, 1e-10),
            )
            .unwrap();
        assert!(ev.warnings.is_empty(), "{:?}", ev.warnings);
        for (t, rho) in ev.times.iter().zip(&ev.states) {
            let exact = n_th + (n0 as f64 - n_th) * (-kappa * t).exp();
            let got = expect(&num, rho.as_ref());
            assert!(
                (got - exact).abs() < 1e-7 * exact,
                "t = {t}: ⟨n⟩ = {got}, exact {exact}"
            );
        }
    }

    #[test]
    fn driven_qubit_reaches_bloch_steady_state() {
        // H = (Δ/2)σz + (Ω/2)σx, L = √γ σ⁻: optical Bloch steady state
        // ⟨σx⟩ = −4ΔΩ/D, ⟨σy⟩ = 2γΩ/D, ⟨σz⟩ = −(4Δ² + γ²)/D, D = 4Δ² + γ² + 2Ω².
        let (delta, omega, gamma) = (0.4, 1.3, 1.0f64);
        let [sx, sy, sz] = paulis();
        let h = sz
            .scale(c(delta / 2.0, 0.0))
            .add_scaled(&sx, c(omega / 2.0, 0.0))
            .unwrap();
        let lind = Lindblad::new(
            Hamiltonian::constant(h).unwrap(),
            vec![sigma_minus().scale(c(gamma.sqrt(), 0.0))],
        )
        .unwrap();
        let mut rho0 = Mat::<c64>::zeros(2, 2);
        rho0[(0, 0)] = c(1.0, 0.0);
        let ev = lind
            .evolve(
                rho0.as_ref(),
                &[0.0, 70.0],
                &OdeOptions::with_tolerances(1e-9, 1e-11),
            )
            .unwrap();
        let rho = ev.states[1].as_ref();
        let d = 4.0 * delta * delta + gamma * gamma + 2.0 * omega * omega;
        let exact = [
            -4.0 * delta * omega / d,
            2.0 * gamma * omega / d,
            -(4.0 * delta * delta + gamma * gamma) / d,
        ];
        for (op, e) in [sx, sy, sz].iter().zip(exact) {
            let got = expect(op, rho);
            assert!((got - e).abs() < 1e-8, "⟨σ⟩ = {got}, steady {e}");
        }
    }

    /// A qubit ⊗ mode with the Rabi coupling, loss and gain, in a basis sorted by the
    /// parity of (photons + excitation): the block evolution (off-diagonal blocks never
    /// stored) follows the full one, and bad blocks are refused.
    #[test]
    fn parity_blocks_follow_the_full_evolution() {
        let levels = 5;
        let a = destroy(levels).kron(&CsrMatrix::identity(2));
        let [sx, _, sz] = paulis();
        let x = a.add_scaled(&a.adjoint(), c(1.0, 0.0)).unwrap();
        let rabi = x.matmul(&CsrMatrix::identity(levels).kron(&sx)).unwrap();
        let szf = CsrMatrix::identity(levels).kron(&sz);
        let h0 = a
            .adjoint()
            .matmul(&a)
            .unwrap()
            .add_scaled(&szf, c(0.6, 0.0))
            .unwrap()
            .add_scaled(&rabi, c(0.4, 0.0))
            .unwrap();
        // Basis index n·2 + s (s = 0: σ_z = +1, excited); parity of n + (1 − s).
        let parity = |i: usize| (i / 2 + 1 - i % 2) % 2;
        let mut order: Vec<usize> = (0..2 * levels).collect();
        order.sort_by_key(|&i| parity(i));
        let sizes = [
            order.iter().filter(|&&i| parity(i) == 0).count(),
            order.iter().filter(|&&i| parity(i) == 1).count(),
        ];
        let sorted = |m: &CsrMatrix| m.submatrix(&order, &order);
        let jumps = [a.scale(c(0.5, 0.0)), a.adjoint().scale(c(0.2, 0.0))];
        let ham = || {
            Hamiltonian::new(
                sorted(&h0),
                vec![(Control::function(|t| 0.3 * t.sin()), sorted(&szf))],
            )
            .unwrap()
        };
        let jumps_sorted: Vec<CsrMatrix> = jumps.iter().map(sorted).collect();
        let full = Lindblad::new(ham(), jumps_sorted.clone()).unwrap();
        let blocked = Lindblad::with_blocks(ham(), jumps_sorted.clone(), &sizes).unwrap();
        assert_eq!(blocked.stacked_rows(), 5);
        // |2 photons⟩ ⊗ |e⟩: parity 0.
        let mut psi = vec![c(0.0, 0.0); 2 * levels];
        psi[order.iter().position(|&i| i == 4).unwrap()] = c(1.0, 0.0);
        let rho0 = projector(&psi);
        let times: Vec<f64> = (0..=20).map(|k| 0.4 * k as f64).collect();
        let opts = OdeOptions {
            rtol: 1e-12,
            atol: 1e-14,
            ..OdeOptions::default()
        };
        let a_states = full.evolve(rho0.as_ref(), &times, &opts).unwrap().states;
        let b_states = blocked.evolve(rho0.as_ref(), &times, &opts).unwrap().states;
        let mut worst: f64 = 0.0;
        for (x, y) in a_states.iter().zip(&b_states) {
            worst = worst.max((x - y).norm_max());
        }
        assert!(worst < 1e-9, "{worst:e}");
        // The stacked right-hand side is the full one's diagonal blocks.
        let mut ws = blocked.workspace();
        let mut d_stacked = Mat::<c64>::zeros(5, 2 * levels);
        let rho_mid = &a_states[10];
        blocked.rhs(
            &mut ws,
            0.7,
            blocked.stack(rho_mid.as_ref()).as_ref(),
            d_stacked.as_mut(),
        );
        let mut ws_full = full.workspace();
        let mut d_full = Mat::<c64>::zeros(2 * levels, 2 * levels);
        full.rhs(&mut ws_full, 0.7, rho_mid.as_ref(), d_full.as_mut());
        let back = blocked.unstack(d_stacked.as_ref());
        assert!(
            (&back - &blocked.unstack(blocked.stack(d_full.as_ref()).as_ref())).norm_max() < 1e-13
        );
        // A jump that leaves a block for two blocks, or a coherence between blocks, is refused.
        let mixed = sorted(&x.add_scaled(&szf, c(1.0, 0.0)).unwrap());
        assert!(Lindblad::with_blocks(ham(), vec![mixed], &sizes).is_err());
        assert!(Lindblad::with_blocks(ham(), jumps_sorted.clone(), &[3, 3]).is_err());
        let plus: Vec<c64> = (0..2 * levels)
            .map(|k| c(if k == 0 || k == 9 { 0.5f64.sqrt() } else { 0.0 }, 0.0))
            .collect();
        assert!(blocked
            .evolve(projector(&plus).as_ref(), &times, &opts)
            .is_err());
    }

    #[test]
    fn trace_hermiticity_and_positivity_are_preserved() {
        // Qubit ⊗ mode (6 levels) with a Jaynes–Cummings coupling, cavity loss and qubit dephasing.
        let levels = 6;
        let a = destroy(levels).kron(&CsrMatrix::identity(2));
        let [sx, _, sz] = paulis();
        let sm = CsrMatrix::identity(levels).kron(&sigma_minus());
        let szf = CsrMatrix::identity(levels).kron(&sz);
        let jc = a.matmul(&sm.adjoint()).unwrap();
        let h0 = a
            .adjoint()
            .matmul(&a)
            .unwrap()
            .add_scaled(&szf, c(0.5, 0.0))
            .unwrap()
            .add_scaled(
                &jc.add_scaled(&jc.adjoint(), c(1.0, 0.0)).unwrap(),
                c(0.8, 0.0),
            )
            .unwrap();
        let drive = CsrMatrix::identity(levels).kron(&sx);
        let ham =
            Hamiltonian::new(h0, vec![(Control::function(|t| 0.5 * t.cos()), drive)]).unwrap();
        let jumps = vec![a.scale(c(0.3, 0.0)), szf.scale(c(0.2, 0.0))];
        let lind = Lindblad::new(ham, jumps).unwrap();
        let rho0 = projector(&random_ket(2 * levels, 9));
        let times: Vec<f64> = (0..=30).map(|k| 0.5 * k as f64).collect();
        let mut count = 0;
        let report = lind
            .evolve_with(
                rho0.as_ref(),
                &times,
                &OdeOptions::default(),
                |_, _, rho| {
                    count += 1;
                    let n = rho.nrows();
                    let tr: c64 = (0..n).map(|k| rho[(k, k)]).sum();
                    assert!((tr - c(1.0, 0.0)).norm() < 1e-12, "trace {tr}");
                    for j in 0..n {
                        for i in 0..n {
                            assert_eq!(
                                rho[(i, j)],
                                rho[(j, i)].conj(),
                                "Hermiticity at ({i}, {j})"
                            );
                        }
                    }
                    let eig = rho.self_adjoint_eigen(Side::Lower).unwrap();
                    let min = eig.S().column_vector()[0].re;
                    assert!(min > -1e-10, "smallest eigenvalue {min}");
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(count, times.len());
        assert!(report.warnings.is_empty());
        assert!(report.stats.steps > 10 && report.stats.method == ode::METHOD);
    }

    #[test]
    fn piecewise_drive_matches_eigen_propagation_per_piece() {
        let n = 10;
        let h0 = random_hermitian(n, 4, 11);
        let h1 = random_hermitian(n, 4, 12);
        let edges = vec![0.0, 0.7, 1.1, 2.5];
        let values = vec![1.5, -0.8, 0.3];
        let control = Control::piecewise(edges.clone(), values.clone()).unwrap();
        let ham = Hamiltonian::new(h0.clone(), vec![(control, h1.clone())]).unwrap();
        let lind = Lindblad::new(ham, vec![]).unwrap();
        let psi0 = random_ket(n, 13);
        let times = [0.0, 0.35, 0.7, 1.0, 1.1, 2.0, 2.5, 3.0];
        let ev = lind
            .evolve(
                projector(&psi0).as_ref(),
                &times,
                &OdeOptions::with_tolerances(1e-10, 1e-12),
            )
            .unwrap();
        // Reference: exact propagation piece by piece (the last value holds after the last edge).
        let props: Vec<EigenPropagator> = values
            .iter()
            .map(|&v| EigenPropagator::new(&h0.add_scaled(&h1, c(v, 0.0)).unwrap()).unwrap())
            .collect();
        let exact_at = |t: f64| {
            let mut psi = psi0.clone();
            let mut t0 = 0.0;
            for (k, p) in props.iter().enumerate() {
                let end = if k + 1 < props.len() {
                    edges[k + 1]
                } else {
                    f64::INFINITY
                };
                let dt = t.min(end) - t0;
                if dt > 0.0 {
                    psi = p.state_at(&psi, dt).unwrap();
                }
                t0 = end;
                if t <= end {
                    break;
                }
            }
            projector(&psi)
        };
        for (t, rho) in times.iter().zip(&ev.states) {
            let err = max_diff(rho.as_ref(), exact_at(*t).as_ref());
            assert!(err < 1e-9, "t = {t}: error {err}");
        }
        // The edges were landed on: no step straddled a jump, so hardly any rejections.
        assert!(ev.stats.rejected <= 3, "{:?}", ev.stats);
    }

    #[test]
    fn rotating_drive_follows_rabi_formula() {
        // H(t) = (ω0/2)σz + (Ω/2)(cos ωt σx + sin ωt σy): from |g⟩,
        // P_e(t) = (Ω²/Ω_R²) sin²(Ω_R t / 2), Ω_R = √(Ω² + (ω0 − ω)²).
        let (w0, w, om) = (2.0, 1.8, 0.5);
        let [sx, sy, sz] = paulis();
        let ham = Hamiltonian::new(
            sz.scale(c(w0 / 2.0, 0.0)),
            vec![
                (Control::function(move |t| 0.5 * om * (w * t).cos()), sx),
                (Control::function(move |t| 0.5 * om * (w * t).sin()), sy),
            ],
        )
        .unwrap();
        let lind = Lindblad::new(ham, vec![]).unwrap();
        let mut rho0 = Mat::<c64>::zeros(2, 2);
        rho0[(0, 0)] = c(1.0, 0.0);
        let times: Vec<f64> = (0..=50).map(|k| 0.4 * k as f64).collect();
        let ev = lind
            .evolve(
                rho0.as_ref(),
                &times,
                &OdeOptions::with_tolerances(1e-10, 1e-12),
            )
            .unwrap();
        let rabi = (om * om + (w0 - w) * (w0 - w)).sqrt();
        for (t, rho) in times.iter().zip(&ev.states) {
            let exact = om * om / (rabi * rabi) * (0.5 * rabi * t).sin().powi(2);
            assert!(
                (rho[(1, 1)].re - exact).abs() < 2e-9,
                "t = {t}: {} vs {exact}",
                rho[(1, 1)].re
            );
        }
    }

    #[test]
    fn invalid_input_is_named() {
        let [sx, _, sz] = paulis();
        let lind = Lindblad::new(Hamiltonian::constant(sz).unwrap(), vec![sigma_minus()]).unwrap();
        let name = |r: Result<Evolution>| match r.unwrap_err() {
            Error::InvalidParameter { name, .. } => name,
            e => panic!("{e:?}"),
        };
        let o = OdeOptions::default();
        let not_herm = Mat::from_fn(2, 2, |i, j| {
            if (i, j) == (0, 1) {
                c(0.1, 0.0)
            } else {
                c(0.5 * (i == j) as u8 as f64, 0.0)
            }
        });
        assert_eq!(
            name(lind.evolve(not_herm.as_ref(), &[0.0, 1.0], &o)),
            "rho0"
        );
        let bad_trace = Mat::from_fn(2, 2, |i, j| c((i == j) as u8 as f64, 0.0));
        assert_eq!(
            name(lind.evolve(bad_trace.as_ref(), &[0.0, 1.0], &o)),
            "rho0"
        );
        let good = Mat::from_fn(2, 2, |i, j| c(0.5 * (i == j) as u8 as f64, 0.0));
        assert_eq!(
            name(lind.evolve(good.as_ref(), &[1.0, 0.0], &o)),
            "times[1]"
        );
        assert!(matches!(
            lind.evolve(Mat::<c64>::zeros(3, 3).as_ref(), &[0.0], &o)
                .unwrap_err(),
            Error::DimensionMismatch {
                expected: 2,
                found: 3,
                ..
            }
        ));
        let e = Lindblad::new(
            Hamiltonian::constant(sx).unwrap(),
            vec![sigma_minus(), CsrMatrix::identity(3)],
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::DimensionMismatch { ref context, .. } if context.starts_with("jumps[1]")),
            "{e:?}"
        );
    }
}
