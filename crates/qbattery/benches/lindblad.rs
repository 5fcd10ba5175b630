//! Lindblad benchmarks on the open cavity–spin-1 chain battery of 000_e3df25f406468476.txt:
//! cavity with 14 Fock levels ⊗ 3 spin-1 sites (dimension 378),
//! H = a†a + Σ S^z_n + J Σ_n [(1+γ) S^x_n S^x_{n+1} + (1−γ) S^y_n S^y_{n+1} + Δ S^z_n S^z_{n+1}]
//!     + g Σ_n (S⁺_n + S⁻_n)(a + a†),
//! ω_a = ω_c = 1, J = −1, γ = 0.4, Δ = 1, g = 1; jumps √(κ(n_th+1)) a, √(κ n_th) a† with
//! κ = 0.5, n_th = 0.2; ρ₀ = |3⟩⟨3| ⊗ |G⟩⟨G|_B (ground state of H_B).
//!
//! Run: `cargo bench -p qbattery --bench lindblad`. The same problem from the command line
//! against QuTiP: `python3 scripts/bench_qutip.py --rust-cmd "target/release/qbattery simulate
//! examples/bench_chain.toml --out target/bench"`.

use std::sync::{Once, OnceLock};

use divan::Bencher;
use qbattery::dynamics::hamiltonian::Hamiltonian;
use qbattery::dynamics::lindblad::Lindblad;
use qbattery::dynamics::ode::OdeOptions;
use qbattery::models::cavity_chain::Params;
use qbattery::simulation::{self, Metric, OutputSettings, SolverSettings, TimeGrid};
use qbattery::{c64, Mat};

fn main() {
    divan::main();
}

/// The benchmark scenario: `examples/bench_chain.toml`.
fn params() -> Params {
    let mut p = Params::paper(
        2,
        -1.0,
        1.0,
        TimeGrid {
            t_max: 50.0,
            steps: 201,
        },
    );
    p.cavity.kappa = 0.5;
    p.cavity.n_th = 0.2;
    p.solver = SolverSettings {
        rtol: 1e-6,
        atol: 1e-8,
        ..SolverSettings::default()
    };
    p.output = OutputSettings {
        metrics: vec![Metric::Energy],
        cutoff_tolerance: 0.5,
        ..OutputSettings::default()
    };
    p
}

struct Model {
    lindblad: Lindblad,
    rho0: Mat<c64>,
    times: Vec<f64>,
    opts: OdeOptions,
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let p = params();
        let (problem, _) = p.problem().unwrap();
        let plan = simulation::plan(&problem, &p.solver, &p.output).unwrap();
        let h = problem.hamiltonian.build(&plan.subspace).unwrap();
        let jumps = problem
            .jumps
            .iter()
            .map(|j| j.build(&plan.subspace).unwrap())
            .collect();
        let lindblad = Lindblad::new(Hamiltonian::constant(h).unwrap(), jumps).unwrap();
        let rho0 = problem.initial.density_on(&plan.subspace).unwrap();
        Model {
            lindblad,
            rho0,
            times: p.time.times(),
            opts: OdeOptions::with_tolerances(1e-6, 1e-8),
        }
    })
}

/// One evaluation of dρ/dt (dimension 378) with the default rayon pool.
#[divan::bench]
fn rhs(bencher: Bencher) {
    let m = model();
    let mut ws = m.lindblad.workspace();
    let mut out = Mat::<c64>::zeros(m.rho0.nrows(), m.rho0.ncols());
    bencher.bench_local(|| m.lindblad.rhs(&mut ws, 0.0, m.rho0.as_ref(), out.as_mut()));
}

/// One evaluation of dρ/dt on a single thread.
#[divan::bench]
fn rhs_one_thread(bencher: Bencher) {
    let m = model();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut ws = m.lindblad.workspace();
    let mut out = Mat::<c64>::zeros(m.rho0.nrows(), m.rho0.ncols());
    bencher.bench_local(|| {
        pool.install(|| m.lindblad.rhs(&mut ws, 0.0, m.rho0.as_ref(), out.as_mut()))
    });
}

/// ρ(t) for t ∈ [0, 50] at 201 output times, rtol 1e-6, atol 1e-8, observables left to the caller.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn evolve_t50(bencher: Bencher) {
    let m = model();
    static REPORTED: Once = Once::new();
    bencher.bench_local(|| {
        let report = m
            .lindblad
            .evolve_with(m.rho0.as_ref(), &m.times, &m.opts, |_, _, _| Ok(()))
            .unwrap();
        REPORTED.call_once(|| {
            eprintln!(
                "evolve_t50: {:?}, warnings {:?}",
                report.stats, report.warnings
            )
        });
        divan::black_box(report)
    });
}

/// The whole scenario as `qbattery simulate` runs it: model, blocks, evolution, E(t), maxima.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn simulate_t50() -> f64 {
    let t = qbattery::models::cavity_chain::simulate(&params()).unwrap();
    t.scalars["e_max"]
}
