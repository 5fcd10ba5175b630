//! GRAPE benchmarks on the cavity–spin-1/2 chain of 000_e3df25f406468476.txt (N = 3,
//! J = −1, γ = 0.4, Δ = 1, 14 Fock levels, |G⟩_B ⊗ |3⟩): one evaluation of E(τ), and of
//! E(τ) with its exact gradient, closed for τ = 20, K = 100 piecewise-constant steps of g
//! (Fig. 4's setting; the block of the initial ket has dimension 42), and open for
//! κ = 0.5, n_th = 0.2, τ = 8, K = 40 (Fig. 10's; ρ in the reflection sector of dimension
//! 84, block-diagonal in the parity).
//!
//! Run: `cargo bench -p qbattery --bench control`. The whole optimization from the
//! command line: `qbattery optimize examples/cavity_chain_control.toml`.

use std::sync::OnceLock;

use divan::Bencher;
use qbattery::models::cavity_chain::Params;
use qbattery::optimize::control::{ControlProblem, Protocol, Weights};
use qbattery::simulation::{self, Drive, TimeGrid};

fn main() {
    divan::main();
}

/// The chain with g piecewise on `protocol`, open with (κ, n_th).
fn prepare(protocol: Protocol, (kappa, n_th): (f64, f64)) -> ControlProblem {
    let time = TimeGrid {
        t_max: protocol.tau,
        steps: 4,
    };
    let mut p = Params::paper(1, -1.0, 1.0, time);
    p.cavity.kappa = kappa;
    p.cavity.n_th = n_th;
    p.coupling.g = Drive::Piecewise {
        edges: protocol.edges(),
        values: vec![0.5; protocol.steps],
    };
    let (problem, _) = p.problem().unwrap();
    let plan = simulation::plan(&problem, &p.solver, &p.output).unwrap();
    ControlProblem::new(&problem, &plan, "coupling.g", protocol, Weights::default()).unwrap()
}

const CLOSED: Protocol = Protocol {
    tau: 20.0,
    steps: 100,
};
const OPEN: Protocol = Protocol {
    tau: 8.0,
    steps: 40,
};

fn closed() -> &'static ControlProblem {
    static PREPARED: OnceLock<ControlProblem> = OnceLock::new();
    PREPARED.get_or_init(|| prepare(CLOSED, (0.0, 0.0)))
}

fn open() -> &'static ControlProblem {
    static PREPARED: OnceLock<ControlProblem> = OnceLock::new();
    PREPARED.get_or_init(|| prepare(OPEN, (0.5, 0.2)))
}

fn protocol(steps: usize) -> Vec<f64> {
    (0..steps)
        .map(|k| 0.5 + 0.4 * (k as f64 * 0.3).sin())
        .collect()
}

#[divan::bench(sample_count = 20)]
fn closed_energy(bencher: Bencher) {
    let (c, g) = (closed(), protocol(CLOSED.steps));
    bencher.bench(|| c.evaluate(&g, false).unwrap().energy);
}

#[divan::bench(sample_count = 20)]
fn closed_energy_and_gradient(bencher: Bencher) {
    let (c, g) = (closed(), protocol(CLOSED.steps));
    bencher.bench(|| c.evaluate(&g, true).unwrap().gradient);
}

#[divan::bench(sample_count = 5)]
fn open_energy_and_gradient(bencher: Bencher) {
    let (c, g) = (open(), protocol(OPEN.steps));
    bencher.bench(|| c.evaluate(&g, true).unwrap().gradient);
}
