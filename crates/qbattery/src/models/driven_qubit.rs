//! A single driven qubit: the smallest battery, for tests and as the template of a model.
//!
//! H(t) = ω S^z + Ω(t) S^x (S = σ/2), battery H_B = ω S^z, initial state |g⟩ (S^z = −½),
//! optional decay at thermal occupation n_th: L = √(γ(n_th+1)) S⁻, √(γ n_th) S⁺.
//! With a constant Ω the excited population is the Rabi formula
//! P_e(t) = (Ω²/Ω_R²) sin²(Ω_R t/2), Ω_R = √(Ω² + ω²), so E(t) = ω P_e(t).

use serde::{Deserialize, Serialize};

use super::cavity::{non_negative, positive};
use super::model::{Parameters, TimeEvolution};
use crate::error::{Result, Warning};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::simulation::{Battery, Drive, OutputSettings, Problem, SolverSettings, TimeGrid, Units};
use crate::space::{Space, Subsystem};
use crate::states::{basis, Factor, LocalState, ProductState};

/// The qubit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qubit {
    /// Level splitting ω (> 0).
    pub omega: f64,
    /// The Rabi drive Ω(t) on S^x: a number or a [`Drive`].
    pub drive: Drive,
    /// Decay rate γ ≥ 0 (0: closed).
    #[serde(default)]
    pub gamma: f64,
    /// Thermal occupation n_th ≥ 0 of the bath.
    #[serde(default)]
    pub n_th: f64,
}

/// A driven-qubit scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The qubit.
    pub qubit: Qubit,
    /// Output times.
    pub time: TimeGrid,
    /// Solver settings.
    #[serde(default)]
    pub solver: SolverSettings,
    /// Metrics and diagnostics.
    #[serde(default)]
    pub output: OutputSettings,
}

impl Parameters for Params {
    const NAME: &'static str = "driven_qubit";
    const ABOUT: &'static str =
        "one qubit driven by Ω(t) S^x, optionally damped (a test and template model)";

    /// Named after the qubit's splitting ω.
    fn units(&self) -> Units {
        Units::frequency("ω", self.qubit.omega)
    }

    fn validate(&self) -> Result<()> {
        let q = &self.qubit;
        positive("qubit.omega", q.omega)?;
        q.drive.validate("qubit.drive")?;
        non_negative("qubit.gamma", q.gamma)?;
        non_negative("qubit.n_th", q.n_th)?;
        self.time.validate()?;
        self.solver.validate()?;
        self.output.validate()?;
        Ok(())
    }
}

impl TimeEvolution for Params {
    fn settings(&self) -> (&TimeGrid, &SolverSettings, &OutputSettings) {
        (&self.time, &self.solver, &self.output)
    }

    fn problem(&self) -> Result<(Problem, Vec<Warning>)> {
        let q = &self.qubit;
        let space = Space::new().with("qubit", Subsystem::QUBIT)?;
        let h_b = OpSum::term(q.omega, vec![(0, LocalOp::Sz)]);
        let mut jumps = Vec::new();
        if q.gamma > 0.0 {
            jumps.push(OpSum::term(
                (q.gamma * (q.n_th + 1.0)).sqrt(),
                vec![(0, LocalOp::SMinus)],
            ));
            if q.n_th > 0.0 {
                jumps.push(OpSum::term(
                    (q.gamma * q.n_th).sqrt(),
                    vec![(0, LocalOp::SPlus)],
                ));
            }
        }
        let initial = ProductState::new(
            &space,
            vec![Factor {
                sites: vec![0],
                state: LocalState::Ket(basis(2, 0)?),
            }],
        )?;
        let mut problem = Problem {
            space: space.clone(),
            hamiltonian: h_b.clone(),
            drives: Vec::new(),
            jumps,
            initial,
            charge: None,
            battery: Battery {
                sites: vec![0],
                space,
                hamiltonian: h_b,
                full_spectrum: None,
            },
        };
        problem.add_drive(
            "qubit.drive",
            &q.drive,
            OpSum::term(1.0, vec![(0, LocalOp::Sx)]),
        );
        Ok((problem, Vec::new()))
    }
}
