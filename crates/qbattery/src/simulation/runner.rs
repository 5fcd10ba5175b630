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
use crate::sector::Subspace;

use super::observer::{push_sample, Observer, Sample};
use super::plan::{plan, Method, Plan};
use super::problem::Problem;
use super::progress::Progress;
use super::run::{Run, SteadyReport};
use super::settings::{OutputSettings, SolverSettings, TimeGrid};

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
    run_planned(problem, &plan, grid, solver, output, progress)
}

/// [`run`] with a plan already made (and checked against a memory limit).
pub fn run_planned(
    problem: &Problem,
    plan: &Plan,
    grid: &TimeGrid,
    solver: &SolverSettings,
    output: &OutputSettings,
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
    run.record(
        "blocks",
        format!(
            "{:?}",
            plan.blocks.iter().map(|b| b.dim).collect::<Vec<_>>()
        ),
    );
    progress.start("time steps", times.len());
    let mut sampled = |samples: &mut Vec<Sample>, s: Sample| {
        push_sample(samples, s);
        progress.advance(samples.len());
    };
    let maxima = match plan.method {
        Method::EigenPropagation => {
            let propagator = BlockPropagator::new(problem, plan)?;
            let psi0 = problem.initial.ket_on(&plan.subspace)?;
            for &t in &times {
                sampled(
                    &mut samples,
                    observer.observe_ket(&propagator.state_at(&psi0, t))?,
                );
            }
            let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
            let energy_at = |t: f64| {
                observer
                    .energy_of_ket(&propagator.state_at(&psi0, t))
                    .unwrap_or(f64::NAN)
            };
            energy::charging_maxima_exact(&times, &energies, energy_at)?
        }
        Method::KrylovPiecewise | Method::SchrodingerRk45 => {
            let h = hamiltonian(problem, &plan.subspace)?;
            let psi0 = problem.initial.ket_on(&plan.subspace)?;
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
                sampled(&mut samples, observer.observe_ket(psi)?);
            }
            let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
            energy::charging_maxima(&times, &energies)?
        }
        Method::LindbladRk45 => {
            let lindblad = Lindblad::new(
                hamiltonian(problem, &plan.subspace)?,
                jumps(problem, &plan.subspace)?,
            )?;
            let rho0 = problem.initial.density_on(&plan.subspace)?;
            let report = lindblad.evolve_with(
                rho0.as_ref(),
                &times,
                &solver.ode_options(),
                |_, _, rho| {
                    sampled(&mut samples, observer.observe_density(rho)?);
                    Ok(())
                },
            )?;
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
        run.steady_state = Some(steady_state(problem, plan, solver, &observer, &mut run)?);
    }
    run.wall_seconds = clock.elapsed().as_secs_f64();
    Ok(run)
}

/// H(t) on the subspace: H₀ and every drive term.
fn hamiltonian(problem: &Problem, subspace: &Subspace) -> Result<Hamiltonian> {
    let drives = problem
        .drives
        .iter()
        .map(|d| Ok((d.control.clone(), d.operator.build(subspace)?)))
        .collect::<Result<Vec<_>>>()?;
    Hamiltonian::new(problem.hamiltonian.build(subspace)?, drives)
}

fn jumps(problem: &Problem, subspace: &Subspace) -> Result<Vec<crate::CsrMatrix>> {
    problem.jumps.iter().map(|j| j.build(subspace)).collect()
}

/// The steady state reached from the initial state, in the evolved subspace, with every
/// requested metric there.
fn steady_state(
    problem: &Problem,
    plan: &Plan,
    solver: &SolverSettings,
    observer: &Observer<'_>,
    run: &mut Run,
) -> Result<SteadyReport> {
    let h = problem.constant_hamiltonian().build(&plan.subspace)?;
    let rho0 = problem.initial.density_on(&plan.subspace)?;
    let ss = steady::steady_state(
        &h,
        &jumps(problem, &plan.subspace)?,
        Some(rho0.as_ref()),
        &solver.steady,
    )?;
    run.warnings.extend(ss.warnings.iter().cloned());
    let sample = observer.observe_density(ss.rho.as_ref())?;
    let mut metrics = std::collections::BTreeMap::new();
    metrics.insert("energy".to_string(), sample.energy);
    metrics.extend(observer.named_values(&sample));
    Ok(SteadyReport {
        energy: sample.energy,
        metrics,
        null_space_dimension: ss.null_dim,
        unique: ss.null_dim == 1,
        residual: ss.residual,
        gap: ss.gap,
        method: ss.method.to_string(),
    })
}

/// Exact propagation of a pure state, block by block.
struct BlockPropagator {
    /// For each block: positions of its states in the run's subspace, and its propagator.
    blocks: Vec<(Vec<usize>, EigenPropagator)>,
    dim: usize,
}

impl BlockPropagator {
    fn new(problem: &Problem, plan: &Plan) -> Result<Self> {
        let h = problem.constant_hamiltonian();
        let mut blocks = Vec::new();
        for b in &plan.blocks {
            let block = match (b.charge, &problem.charge) {
                (Some(q), Some(charge)) => Subspace::sector(&problem.space, charge, q)?,
                _ => plan.subspace.clone(),
            };
            let positions = (0..block.dim())
                .map(|i| {
                    plan.subspace
                        .position(block.full_index(i))
                        .expect("blocks lie inside the subspace")
                })
                .collect();
            blocks.push((positions, EigenPropagator::new(&h.build(&block)?)?));
        }
        Ok(Self {
            blocks,
            dim: plan.subspace.dim(),
        })
    }

    fn state_at(&self, psi0: &[c64], t: f64) -> Vec<c64> {
        let mut psi = vec![c64::new(0.0, 0.0); self.dim];
        for (positions, prop) in &self.blocks {
            let local: Vec<c64> = positions.iter().map(|&p| psi0[p]).collect();
            let evolved = prop
                .state_at(&local, t)
                .expect("block dimensions agree by construction");
            for (&p, a) in positions.iter().zip(evolved) {
                psi[p] = a;
            }
        }
        psi
    }
}
