//! The runner: evolves a [`Problem`] by the method its [`Plan`] chose, samples the
//! observers on the time grid, and finds the steady state when asked.

use std::time::Instant;

use qbattery_linalg::krylov::KrylovOptions;

use crate::c64;
use crate::dynamics::hamiltonian::Hamiltonian;
use crate::dynamics::lindblad::Lindblad;
use crate::dynamics::schrodinger::{evolve_adaptive, evolve_piecewise, EigenPropagator};
use crate::dynamics::steady;
use crate::error::Result;
use crate::metrics::energy;
use crate::operators::opsum::OpSum;
use crate::permutation::PermutationSector;
use crate::sector::Subspace;
use crate::{CsrMatrix, Error, Mat, MatMut, MatRef};
use std::cell::Cell;

use super::observer::{push_sample, Observer, Sample};
use super::plan::{plan, Method, Plan};
use super::problem::Problem;
use super::progress::Progress;
use super::run::{Run, SteadyReport};
use super::settings::{OutputSettings, SolverSettings, TimeGrid};
use super::symmetry::{self, check_commutators};

/// Runs a problem on a time grid and reports the requested metrics (and the steady
/// state, when `output.steady_state`). The method is the plan's: see [`plan`].
pub fn run(
    problem: &Problem,
    grid: &TimeGrid,
    solver: &SolverSettings,
    output: &OutputSettings,
    progress: &mut dyn Progress,
) -> Result<Run> {
    grid.validate()?;
    solver.validate()?;
    output.validate()?;
    let plan = plan(problem, solver, output)?;
    run_planned(problem, &plan, grid, solver, output, u64::MAX, progress)
}

/// [`run`] with a plan already made and checked against `memory_limit` bytes; the items
/// the plan could only bound ([`super::Estimate::bounds`]) are checked against it once
/// their size is known.
pub fn run_planned(
    problem: &Problem,
    plan: &Plan,
    grid: &TimeGrid,
    solver: &SolverSettings,
    output: &OutputSettings,
    memory_limit: u64,
    progress: &mut dyn Progress,
) -> Result<Run> {
    let clock = Instant::now();
    let times = grid.times();
    let observer = Observer::new(problem, plan, output)?;
    let mut samples: Vec<Sample> = Vec::with_capacity(times.len());
    let mut run = Run::new("t", times.clone(), plan.method);
    run.record("subspace", plan.subspace.label());
    run.record("subspace_dim", plan.subspace.dim());
    run.record("full_dim", plan.full_dim);
    run.record("evolved_dim", plan.evolved_dim);
    if let Some(sym) = plan.reduction.describe() {
        run.record("symmetry", sym);
    }
    if plan.reduction.weak {
        run.record("weak_symmetry", "ρ block-diagonal in the charge");
    }
    run.record(
        "blocks",
        format!(
            "{:?}",
            plan.blocks.iter().map(|b| b.label()).collect::<Vec<_>>()
        ),
    );
    progress.start("time steps", times.len());
    let mut sampled = |samples: &mut Vec<Sample>, s: Sample| {
        push_sample(samples, s);
        progress.advance(samples.len());
    };
    let maxima = match plan.method {
        Method::EigenPropagation => {
            let psi0 = problem.initial.ket_on(&plan.subspace)?;
            let propagator = BlockPropagator::new(problem, plan, &psi0, &mut run)?;
            let states = propagator.states_at(&times);
            for k in 0..times.len() {
                let psi: Vec<c64> = states.col(k).iter().copied().collect();
                sampled(&mut samples, observer.observe_ket(&psi)?);
            }
            let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
            let energy_at = |t: f64| {
                observer
                    .energy_of_ket(&propagator.state_at(t))
                    .unwrap_or(f64::NAN)
            };
            energy::charging_maxima_exact(&times, &energies, energy_at)?
        }
        Method::KrylovPiecewise | Method::SchrodingerRk45 => {
            let reduced = Reduced::new(problem, plan)?;
            let h = reduced.hamiltonian(problem)?;
            let psi0 = reduced
                .basis
                .restrict_ket(&problem.initial.ket_on(&plan.subspace)?)?;
            let states = if plan.method == Method::KrylovPiecewise {
                let opts = KrylovOptions::default();
                run.record("krylov_tol", opts.tol);
                run.record("krylov_max_dim", opts.max_dim);
                evolve_piecewise(&h, &psi0, &times, &opts)?
            } else {
                let ev = evolve_adaptive(&h, &psi0, &times, &solver.ode_options())?;
                run.record("rtol", solver.rtol);
                run.record("atol", solver.atol);
                run.record("steps", ev.stats.steps);
                run.record("rejected_steps", ev.stats.rejected);
                ev.states
            };
            run.record("breakpoints", h.breakpoints().len());
            for psi in &states {
                sampled(
                    &mut samples,
                    observer.observe_ket(&reduced.basis.lift_ket(psi)?)?,
                );
            }
            reduced.record(&mut run);
            let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
            energy::charging_maxima(&times, &energies)?
        }
        Method::LindbladRk45 => {
            let reduced = Reduced::new(problem, plan)?;
            let sizes = reduced.block_sizes();
            run.record("density_blocks", format!("{sizes:?}"));
            let lindblad = Lindblad::with_blocks(
                reduced.hamiltonian(problem)?,
                reduced.jumps(problem)?,
                &sizes,
            )?;
            let rho0 = reduced.initial_density(problem)?;
            let report = lindblad.evolve_with(
                rho0.as_ref(),
                &times,
                &solver.ode_options(),
                |_, _, rho| {
                    let lifted = reduced.basis.lift_density(rho)?;
                    sampled(&mut samples, observer.observe_density(lifted.as_ref())?);
                    Ok(())
                },
            )?;
            reduced.record(&mut run);
            run.record("rtol", solver.rtol);
            run.record("atol", solver.atol);
            run.record("steps", report.stats.steps);
            run.record("rejected_steps", report.stats.rejected);
            run.record("rhs_evaluations", report.stats.rhs_evals);
            run.warnings.extend(report.warnings);
            let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
            energy::charging_maxima(&times, &energies)?
        }
        Method::CentralSpinBlocks | Method::LadderCollisions => {
            unreachable!("plan() chooses only the time-evolution methods")
        }
    };
    observer.finish(&times, samples, &mut run)?;
    for (k, v) in [
        ("e_max", maxima.e_max),
        ("t_e_max", maxima.t_e_max),
        ("p_max", maxima.p_max),
        ("t_p_max", maxima.t_p_max),
    ] {
        run.scalars.insert(k.into(), v);
    }
    if output.steady_state {
        run.steady_state = Some(steady_state(
            problem,
            plan,
            solver,
            memory_limit,
            &observer,
            &mut run,
        )?);
    }
    run.wall_seconds = clock.elapsed().as_secs_f64();
    Ok(run)
}

/// A problem's operators for the control of one drive, on the evolved basis (its
/// reflection sector); a closed problem's further restricted to the weak-charge block that
/// holds the initial ket.
#[derive(Debug, Clone)]
pub struct ControlBlock {
    /// H₀ plus every constant drive.
    pub h0: CsrMatrix,
    /// The controlled drive's operator H_k (its control values are ignored).
    pub control: CsrMatrix,
    /// H_B ⊗ 1.
    pub energy: CsrMatrix,
    /// The given extra observable (e.g. a top-level projector), when one was given.
    pub top: Option<CsrMatrix>,
    /// The jump operators (empty: closed).
    pub jumps: Vec<CsrMatrix>,
    /// The initial ket of a closed problem.
    pub psi0: Option<Vec<c64>>,
    /// The initial density matrix.
    pub rho0: Mat<c64>,
    /// The weak charge of each basis state (all equal without one): ρ stays
    /// block-diagonal in it.
    pub labels: Vec<i64>,
}

/// The [`ControlBlock`] of `problem` (planned as `plan`) for its drive named `drive`, with
/// `extra` compressed alongside. Fails when the problem has no such drive or another
/// drive is not constant.
pub fn control_block(
    problem: &Problem,
    plan: &Plan,
    drive: &str,
    extra: Option<&OpSum>,
) -> Result<ControlBlock> {
    let Some(controlled) = problem.drives.iter().find(|d| d.name == drive) else {
        let names: Vec<&str> = problem.drives.iter().map(|d| d.name.as_str()).collect();
        return Err(Error::invalid(
            "control.drive",
            drive,
            format!(
                "a drive of the model given as a piecewise protocol (the problem's drives: {names:?})"
            ),
        ));
    };
    let mut static_h = problem.hamiltonian.clone();
    for d in problem.drives.iter().filter(|d| d.name != drive) {
        if !d.control.is_constant() {
            return Err(Error::invalid(
                d.name.as_str(),
                "a time-dependent drive",
                format!("constant while {drive} is controlled"),
            ));
        }
        static_h.extend(d.operator.scaled(d.control.value(0.0)));
    }
    let reduced = Reduced::new(problem, plan)?;
    let dim = reduced.labels.len();
    let psi = if problem.is_closed_pure() {
        Some(
            reduced
                .basis
                .restrict_ket(&problem.initial.ket_on(&plan.subspace)?)?,
        )
    } else {
        None
    };
    // A closed problem stays in the initial ket's weak-charge block.
    let keep: Vec<usize> = match &psi {
        Some(psi) => {
            let support: Vec<usize> = (0..dim).filter(|&i| psi[i].norm() > 0.0).collect();
            let label = support.first().map(|&i| reduced.labels[i]);
            if support.iter().any(|&i| Some(reduced.labels[i]) != label) {
                return Err(Error::invalid(
                    "initial state",
                    "a superposition of several charge blocks",
                    "one block of the weak charge for control",
                ));
            }
            (0..dim)
                .filter(|&i| Some(reduced.labels[i]) == label)
                .collect()
        }
        None => (0..dim).collect(),
    };
    let block = |op: &OpSum| -> Result<CsrMatrix> {
        let m = reduced.operator(op)?;
        reduced.check_weak(&m)?;
        Ok(m.submatrix(&keep, &keep))
    };
    let psi0 = psi.map(|p| keep.iter().map(|&i| p[i]).collect::<Vec<c64>>());
    let rho0 = match &psi0 {
        Some(p) => crate::states::ket_to_density(p),
        None => reduced.initial_density(problem)?,
    };
    Ok(ControlBlock {
        h0: block(&static_h)?,
        control: block(&controlled.operator)?,
        energy: block(&problem.battery.hamiltonian_in_problem())?,
        top: extra.map(block).transpose()?,
        jumps: problem
            .jumps
            .iter()
            .map(|j| Ok(reduced.operator(j)?.submatrix(&keep, &keep)))
            .collect::<Result<_>>()?,
        labels: keep.iter().map(|&i| reduced.labels[i]).collect(),
        psi0,
        rho0,
    })
}

/// What to change when the steady state's solve does not fit.
const STEADY_MEMORY_ADVICE: &str = "try solver.steady.method = \"iterative\" (memory O(d²), slower), use a smaller space (a lower cutoff, fewer sites), or pass --max-memory if the machine has more";

/// The steady state reached from the initial state, in the evolved subspace, with every
/// requested metric there.
fn steady_state(
    problem: &Problem,
    plan: &Plan,
    solver: &SolverSettings,
    memory_limit: u64,
    observer: &Observer<'_>,
    run: &mut Run,
) -> Result<SteadyReport> {
    let reduced = Reduced::new(problem, plan)?;
    let h = reduced.operator(&problem.constant_hamiltonian())?;
    reduced.check_weak(&h)?;
    let rho0 = reduced.initial_density(problem)?;
    // The solve's own size, known after the reduction to the reachable subspace, with
    // what the plan holds besides it.
    let budget = |d: usize, unknowns: usize| {
        let mut memory = plan.memory.clone();
        memory.bounds.clear();
        memory.add(
            "steady state (Liouvillian null space)",
            super::memory::steady_state_bytes(d, unknowns, solver.steady.method),
        );
        memory.check(memory_limit, STEADY_MEMORY_ADVICE)
    };
    let ss = steady::steady_state_within(
        &h,
        &reduced.jumps(problem)?,
        &reduced.labels,
        Some(rho0.as_ref()),
        &solver.steady,
        &budget,
    )?;
    reduced.record(run);
    run.warnings.extend(ss.warnings.iter().cloned());
    let rho = reduced.basis.lift_density(ss.rho.as_ref())?;
    let sample = observer.observe_density(rho.as_ref())?;
    let mut metrics = std::collections::BTreeMap::new();
    metrics.insert("energy".to_string(), sample.energy);
    metrics.extend(observer.named_values(&sample));
    Ok(SteadyReport {
        energy: sample.energy,
        metrics,
        null_space_dimension: ss.null_dim,
        reachable_dimension: ss.reachable_dim,
        counted_in: null_space_scope(plan, ss.reachable_dim),
        unique: ss.null_dim == 1,
        residual: ss.residual,
        gap: ss.gap,
        method: ss.method.to_string(),
    })
}

/// Where a steady state's null space was counted: the charge sectors, the site-permutation
/// eigenspace, the weak blocks and the reachable subspace the solve was restricted to.
fn null_space_scope(plan: &Plan, reachable: Option<usize>) -> String {
    let mut parts = vec![if plan.subspace.dim() < plan.full_dim {
        format!(
            "the charge sectors the initial state reaches (dimension {} of {})",
            plan.subspace.dim(),
            plan.full_dim
        )
    } else {
        format!("the whole space (dimension {})", plan.full_dim)
    }];
    parts.extend(plan.reduction.describe());
    if plan.reduction.weak {
        parts.push("ρ block-diagonal in the charge".into());
    }
    if let Some(r) = reachable {
        parts.push(format!(
            "the subspace reachable from the initial state (dimension {r})"
        ));
    }
    parts.join("; ")
}

/// The evolved basis of a run (the eigenspace of a site permutation within the run's
/// subspace, grouped by a weak charge) and the operators compressed onto it, with the
/// numerical symmetry checks.
struct Reduced<'a> {
    plan: &'a Plan,
    basis: PermutationSector,
    /// The weak charge of each basis vector (all 0 without one).
    labels: Vec<i64>,
    /// The largest relative ‖[P, A]‖ over the operators built so far.
    commutator: Cell<Option<f64>>,
}

impl<'a> Reduced<'a> {
    fn new(problem: &Problem, plan: &'a Plan) -> Result<Self> {
        let charge = problem.charge.as_ref();
        let basis = symmetry::evolved_basis(&plan.reduction, &plan.subspace, charge)?;
        let labels = symmetry::block_labels(&plan.reduction, &basis, &plan.subspace, charge);
        Ok(Self {
            plan,
            basis,
            labels,
            commutator: Cell::new(None),
        })
    }

    /// An operator built on the run's subspace, checked against the permutation and
    /// compressed onto the evolved basis.
    fn operator(&self, op: &OpSum) -> Result<CsrMatrix> {
        let m = op.build(&self.plan.subspace)?;
        if let Some(c) = check_commutators(&self.plan.reduction, &self.plan.subspace, &[&m])? {
            self.commutator
                .set(Some(self.commutator.get().map_or(c, |w: f64| w.max(c))));
        }
        self.basis.compress(&m)
    }

    /// H(t): H₀ and every drive term, compressed.
    fn hamiltonian(&self, problem: &Problem) -> Result<Hamiltonian> {
        let h0 = self.operator(&problem.hamiltonian)?;
        self.check_weak(&h0)?;
        let drives = problem
            .drives
            .iter()
            .map(|d| {
                let m = self.operator(&d.operator)?;
                self.check_weak(&m)?;
                Ok((d.control.clone(), m))
            })
            .collect::<Result<Vec<_>>>()?;
        Hamiltonian::new(h0, drives)
    }

    /// The sizes of the consecutive blocks of equal label (the basis is sorted by them).
    fn block_sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = Vec::new();
        for (i, q) in self.labels.iter().enumerate() {
            if i > 0 && self.labels[i - 1] == *q {
                *sizes.last_mut().expect("a block is open") += 1;
            } else {
                sizes.push(1);
            }
        }
        sizes
    }

    fn jumps(&self, problem: &Problem) -> Result<Vec<CsrMatrix>> {
        problem.jumps.iter().map(|j| self.operator(j)).collect()
    }

    /// ρ(0) on the evolved basis.
    fn initial_density(&self, problem: &Problem) -> Result<Mat<crate::c64>> {
        if problem.initial.is_pure() {
            let psi = problem.initial.ket_on(&self.plan.subspace)?;
            return Ok(crate::states::ket_to_density(
                &self.basis.restrict_ket(&psi)?,
            ));
        }
        let rho = problem.initial.density_on(&self.plan.subspace)?;
        self.basis.restrict_density(rho.as_ref())
    }

    /// A weak charge must be conserved by the Hamiltonian: no entry between blocks.
    fn check_weak(&self, h: &CsrMatrix) -> Result<()> {
        if !self.plan.reduction.weak {
            return Ok(());
        }
        let scale = h.iter().map(|(_, _, v)| v.norm()).fold(0.0, f64::max);
        let leak = h
            .iter()
            .filter(|&(i, j, _)| self.labels[i] != self.labels[j])
            .map(|(_, _, v)| v.norm())
            .fold(0.0, f64::max);
        if leak > 1e-12 * scale.max(f64::MIN_POSITIVE) {
            return Err(Error::LinearAlgebra {
                context: "weak symmetry".into(),
                detail: format!("the Hamiltonian couples different charges ({leak:.3e}); the model's charge is not conserved"),
            });
        }
        Ok(())
    }

    fn record(&self, run: &mut Run) {
        if let Some(c) = self.commutator.get() {
            run.record("symmetry_commutator", c);
        }
    }
}

/// Exact propagation of the initial pure state, block by block (charge sectors and, with
/// a site permutation, its eigenspaces in each): ψ(t) = Σ_b W_b (e^{−iΛ_b t} c_b), with
/// W_b the eigenvectors of block b lifted to the run's subspace and c_b the coefficients
/// of ψ₀ on them, so that all samples cost one dense matrix product per block that ψ₀
/// touches.
struct BlockPropagator {
    blocks: Vec<LiftedBlock>,
    dim: usize,
}

/// out = a·b on one thread: the same summation order in a sweep's worker as in a single
/// run, so that their numbers agree bit for bit.
fn sequential_product(out: MatMut<'_, c64>, a: MatRef<'_, c64>, b: MatRef<'_, c64>) {
    faer::linalg::matmul::matmul(
        out,
        faer::Accum::Replace,
        a,
        b,
        c64::new(1.0, 0.0),
        faer::Par::Seq,
    );
}

/// One block of [`BlockPropagator`] with a nonzero component of ψ₀.
struct LiftedBlock {
    /// Positions of the block's states in the run's subspace.
    positions: Vec<usize>,
    /// Its eigenvectors there (columns), on those positions.
    vectors: Mat<c64>,
    /// Their energies.
    energies: Vec<f64>,
    /// ψ₀'s coefficients on them.
    coefficients: Vec<c64>,
}

impl BlockPropagator {
    fn new(problem: &Problem, plan: &Plan, psi0: &[c64], run: &mut Run) -> Result<Self> {
        let h = problem.constant_hamiltonian();
        let mut blocks = Vec::new();
        let mut worst: Option<f64> = None;
        for b in &plan.blocks {
            let sector = match (b.charge, &problem.charge) {
                (Some(q), Some(charge)) => Subspace::sector(&problem.space, charge, q)?,
                _ => plan.subspace.clone(),
            };
            let positions: Vec<usize> = (0..sector.dim())
                .map(|i| {
                    plan.subspace
                        .position(sector.full_index(i))
                        .expect("blocks lie inside the subspace")
                })
                .collect();
            let basis = super::plan::block_basis(&sector, &plan.reduction, b.sign)?;
            let m = h.build(&sector)?;
            if let Some(c) = check_commutators(&plan.reduction, &sector, &[&m])? {
                worst = Some(worst.map_or(c, |w| w.max(c)));
            }
            let local: Vec<c64> = positions.iter().map(|&p| psi0[p]).collect();
            let x = basis.restrict_ket(&local)?;
            if x.iter().all(|z| *z == c64::new(0.0, 0.0)) {
                continue;
            }
            let prop = EigenPropagator::new(&basis.compress(&m)?)?;
            let v = prop.eigenvectors();
            let coefficients = prop.coefficients(&x);
            let mut vectors = Mat::<c64>::zeros(positions.len(), v.ncols());
            for k in 0..v.ncols() {
                let col: Vec<c64> = (0..v.nrows()).map(|i| v[(i, k)]).collect();
                for (i, z) in basis.lift_ket(&col)?.into_iter().enumerate() {
                    vectors[(i, k)] = z;
                }
            }
            blocks.push(LiftedBlock {
                positions,
                vectors,
                energies: prop.eigenvalues().to_vec(),
                coefficients,
            });
        }
        if let Some(c) = worst {
            run.record("symmetry_commutator", c);
        }
        Ok(Self {
            blocks,
            dim: plan.subspace.dim(),
        })
    }

    /// ψ(t) on the run's subspace for every time (columns): one matrix product per block.
    fn states_at(&self, times: &[f64]) -> Mat<c64> {
        let mut psi = Mat::<c64>::zeros(self.dim, times.len());
        for b in &self.blocks {
            let phases = Mat::<c64>::from_fn(b.energies.len(), times.len(), |k, i| {
                c64::from_polar(1.0, -b.energies[k] * times[i]) * b.coefficients[k]
            });
            let mut y = Mat::<c64>::zeros(b.positions.len(), times.len());
            sequential_product(y.as_mut(), b.vectors.as_ref(), phases.as_ref());
            for i in 0..times.len() {
                for (r, &p) in b.positions.iter().enumerate() {
                    psi[(p, i)] += y[(r, i)];
                }
            }
        }
        psi
    }

    /// ψ(t) on the run's subspace.
    fn state_at(&self, t: f64) -> Vec<c64> {
        self.states_at(&[t]).col(0).iter().copied().collect()
    }
}
