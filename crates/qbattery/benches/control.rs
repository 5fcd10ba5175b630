//! GRAPE benchmarks on the closed cavity–spin-1/2 chain of 000_e3df25f406468476.txt
//! (Fig. 4's setting: N = 3, J = −1, γ = 0.4, Δ = 1, 14 Fock levels, |G⟩_B ⊗ |3⟩):
//! one evaluation of E(τ) and of E(τ) with its exact gradient for τ = 20, K = 100
//! piecewise-constant steps of g (the block of the initial state has dimension 42).
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

const TAU: f64 = 20.0;
const STEPS: usize = 100;

fn prepared() -> &'static ControlProblem {
    static PREPARED: OnceLock<ControlProblem> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let mut p = Params::paper(
            1,
            -1.0,
            1.0,
            TimeGrid {
                t_max: TAU,
                steps: 2,
            },
        );
        p.coupling.g = Drive::Piecewise {
            edges: Protocol {
                tau: TAU,
                steps: STEPS,
            }
            .edges(),
            values: vec![0.5; STEPS],
        };
        let (problem, _) = p.problem().unwrap();
        let plan = simulation::plan(&problem, &p.solver, &p.output).unwrap();
        let protocol = Protocol {
            tau: TAU,
            steps: STEPS,
        };
        ControlProblem::new(&problem, &plan, "coupling.g", protocol, Weights::default()).unwrap()
    })
}

fn protocol() -> Vec<f64> {
    (0..STEPS)
        .map(|k| 0.5 + 0.4 * (k as f64 * 0.3).sin())
        .collect()
}

#[divan::bench(sample_count = 20)]
fn energy_only(bencher: Bencher) {
    let (c, g) = (prepared(), protocol());
    bencher.bench(|| c.evaluate(&g, false).unwrap().energy);
}

#[divan::bench(sample_count = 20)]
fn energy_and_gradient(bencher: Bencher) {
    let (c, g) = (prepared(), protocol());
    bencher.bench(|| c.evaluate(&g, true).unwrap().gradient);
}
