//! The Field-QB of 003_0f93033296fe24a2.txt: two qubits charged by a classical field
//! (Eqs. 13–17).
//!
//! The battery Hamiltonian (Eq. 14, σ the Pauli matrices, Σ_{i≠j} over ordered pairs)
//!
//! H_b = (Δ/2) Σ_i σ^z_i + (g/4) Σ_{i≠j} (σ^x_i σ^x_j + σ^y_i σ^y_j + σ^z_i σ^z_j)
//!     = (Δ/2)(σ^z_1 + σ^z_2) + (g/2) σ_1·σ_2,
//!
//! and the charging field (Eq. 13) H_a(t) = (f(t)/2) Σ_i σ^x_i with f(t) = A cos ωt + B
//! (the harmonic A, the electrostatic B; any [`Drive`] is accepted). The paper leaves open
//! what acts during charging; both readings are offered (`field.hamiltonian`):
//!
//! - `drive` (default): H(t) = H_a(t) alone. Each qubit then rotates about x by
//!   2A₁(t), A₁ = ∫₀ᵗ f/2 = (Bt + (A/ω) sin ωt)/2, and from |gg⟩ the stored energy is
//!   E(t) = Δ(1 − cos 2A₁) (Eq. 17);
//! - `drive_and_battery`: H(t) = H_b + H_a(t).
//!
//! In both the state stays a product of two equal qubit states: the field is collective
//! and σ_1·σ_2 is constant (= 1) on the triplet that holds |gg⟩ and every collective
//! rotation of it. So the pair is never entangled (concurrence and one-qubit entropy 0)
//! and the entropic steering I^{ab} = I^{ba} stays ≥ 2 (not steerable), whatever the paper's
//! figures show; DESIGN.md, "Physics notes", 003.
//!
//! Stored energy E(t) = Tr[H_b ρ(t)] − Tr[H_b ρ(0)] (Eq. 1), ergotropy of the pair against
//! H_b (Eq. 2), initial state |gg⟩ (σ^z = −1 on |g⟩).

use serde::{Deserialize, Serialize};

use super::cavity::positive;
use super::model::{Parameters, TimeEvolution};
use crate::error::{Error, Result, Warning};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::simulation::{Battery, Drive, OutputSettings, Problem, SolverSettings, TimeGrid, Units};
use crate::space::{Space, Subsystem};
use crate::states::{basis, Factor, LocalState, ProductState};

/// The two qubits: the `[qubits]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qubits {
    /// Level splitting Δ > 0 (H_b ∋ (Δ/2) σ^z per qubit).
    pub delta: f64,
    /// Isotropic exchange g (H_b ∋ (g/2) σ_1·σ_2; default 0).
    #[serde(default)]
    pub g: f64,
}

/// What acts during charging.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charging {
    /// The field alone, H(t) = H_a(t) (the reading of Eq. 17's closed form).
    #[default]
    Drive,
    /// The field and the battery, H(t) = H_b + H_a(t).
    DriveAndBattery,
}

/// The charging field: the `[field]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// f(t) in H_a = (f/2) Σ σ^x: the paper's A cos ωt + B is `{ a = A, omega = ω, b = B }`.
    pub drive: Drive,
    /// What acts during charging (default `drive`).
    #[serde(default)]
    pub hamiltonian: Charging,
}

/// A Field-QB scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The qubits.
    pub qubits: Qubits,
    /// The charging field.
    pub field: Field,
    /// Output times.
    pub time: TimeGrid,
    /// Solver settings.
    #[serde(default)]
    pub solver: SolverSettings,
    /// Metrics and diagnostics.
    #[serde(default)]
    pub output: OutputSettings,
}

impl Params {
    /// The paper's setting: Δ = 1, g, the field A cos t + B (ω = 1), `hamiltonian`, outputs
    /// on t ∈ [0, 10] (501 samples).
    pub fn paper(a: f64, b: f64, g: f64, hamiltonian: Charging) -> Self {
        Self {
            qubits: Qubits { delta: 1.0, g },
            field: Field {
                drive: Drive::Harmonic {
                    a,
                    omega: 1.0,
                    phi: 0.0,
                    b,
                },
                hamiltonian,
            },
            time: TimeGrid {
                t_max: 10.0,
                steps: 501,
            },
            solver: SolverSettings::default(),
            output: OutputSettings::default(),
        }
    }

    /// The battery Hamiltonian H_b of Eq. 14.
    fn battery_hamiltonian(&self) -> OpSum {
        let q = &self.qubits;
        let mut h = OpSum::new();
        for s in 0..2 {
            h.add(q.delta / 2.0, vec![(s, LocalOp::PauliZ)]);
        }
        if q.g != 0.0 {
            for op in [LocalOp::PauliX, LocalOp::PauliY, LocalOp::PauliZ] {
                h.add(q.g / 2.0, vec![(0, op.clone()), (1, op)]);
            }
        }
        h
    }
}

impl Parameters for Params {
    const NAME: &'static str = "field_qb";
    const ABOUT: &'static str =
        "two exchange-coupled qubits charged by a classical field A cos ωt + B (paper 003)";

    /// Named after the qubits' splitting Δ (paper 003 sets Δ = ω = 1).
    fn units(&self) -> Units {
        Units::frequency("Δ", self.qubits.delta)
    }

    fn validate(&self) -> Result<()> {
        positive("qubits.delta", self.qubits.delta)?;
        if !self.qubits.g.is_finite() {
            return Err(Error::invalid("qubits.g", self.qubits.g, "a finite number"));
        }
        self.field.drive.validate("field.drive")?;
        self.time.validate()?;
        self.solver.validate()?;
        self.output.validate()
    }
}

impl TimeEvolution for Params {
    fn settings(&self) -> (&TimeGrid, &SolverSettings, &OutputSettings) {
        (&self.time, &self.solver, &self.output)
    }

    fn problem(&self) -> Result<(Problem, Vec<Warning>)> {
        let space = Space::new()
            .with("qubit1", Subsystem::QUBIT)?
            .with("qubit2", Subsystem::QUBIT)?;
        let h_b = self.battery_hamiltonian();
        let hamiltonian = match self.field.hamiltonian {
            Charging::Drive => OpSum::new(),
            Charging::DriveAndBattery => h_b.clone(),
        };
        let ground = |s: usize| -> Result<Factor> {
            Ok(Factor {
                sites: vec![s],
                state: LocalState::Ket(basis(2, 0)?),
            })
        };
        let initial = ProductState::new(&space, vec![ground(0)?, ground(1)?])?;
        let mut problem = Problem {
            space: space.clone(),
            hamiltonian,
            drives: Vec::new(),
            jumps: Vec::new(),
            initial,
            charge: None,
            battery: Battery {
                sites: vec![0, 1],
                space,
                hamiltonian: h_b,
                full_spectrum: None,
            },
        };
        let mut field = OpSum::new();
        for s in 0..2 {
            field.add(0.5, vec![(s, LocalOp::PauliX)]);
        }
        problem.add_drive("field.drive", &self.field.drive, field);
        Ok((problem, Vec::new()))
    }
}
