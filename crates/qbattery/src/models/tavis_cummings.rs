//! The Tavis–Cummings / Dicke battery: N two-level cells in one cavity mode.
//!
//! H = ω_c a†a + ω_a Σ_i σ⁺_iσ⁻_i + g Σ_i (a σ⁺_i + a† σ⁻_i) with the rotating-wave
//! approximation, or g Σ_i (a + a†)(σ⁺_i + σ⁻_i) without it (the Dicke battery of
//! Ferraro et al., PRL 120, 117702 (2018)); the cavity starts in |n⟩, the cells in their
//! ground state, and optionally loses photons to a bath at occupation n_th
//! (L = √(κ(n_th+1)) a, √(κ n_th) a†, as in Eq. (7) of 000_e3df25f406468476.txt).
//!
//! The cells are permutation symmetric and start symmetric, so by default they are one
//! collective spin j = N/2 in the Dicke basis (N + 1 states instead of 2^N). The battery
//! Hamiltonian H_B = ω_a Σ_i σ⁺_iσ⁻_i counts excited cells. Its spectrum on the full 2^N
//! space (level k with multiplicity C(N, k)) is what a global unitary on the cells can
//! reach, so the ergotropy is computed against that spectrum in both representations.
//!
//! Symmetry: with the RWA the excitation number (photons + excited cells) is conserved
//! (U(1)); without it, its parity (Z2). Closed runs are evolved in the one block the
//! initial state occupies.

use super::cavity::positive;
pub use super::cavity::Cavity;
use super::model::{Parameters, TimeEvolution};
use crate::error::{Error, Result};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::sector::Charge;
use crate::simulation::memory::dense_bytes;
use crate::simulation::{
    Battery, Drive, Estimate, OutputSettings, Problem, Progress, Run, SolverSettings, TimeGrid,
    Units,
};
use crate::space::{Space, Subsystem};
use crate::states::{basis, Factor, LocalState, ProductState};
use serde::{Deserialize, Serialize};

/// The cells (the battery).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cells {
    /// Number of two-level cells N (≥ 1).
    pub number: u32,
    /// Level splitting ω_a (> 0).
    pub omega: f64,
    /// How the cells are represented.
    #[serde(default)]
    pub representation: Representation,
}

/// Representation of the N cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Representation {
    /// One collective spin N/2 in the Dicke basis (N + 1 states).
    #[default]
    Dicke,
    /// N separate qubits (2^N states); the same physics, for checks.
    Qubits,
}

/// The cell–cavity coupling.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coupling {
    /// Coupling g per cell: a number, or a drive g(t) (see [`Drive`]).
    pub g: Drive,
    /// Rotating-wave approximation (drop a σ⁻ and a† σ⁺).
    #[serde(default = "yes")]
    pub rwa: bool,
}

fn yes() -> bool {
    true
}

/// A Tavis–Cummings battery scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The battery cells.
    pub cells: Cells,
    /// The charging cavity.
    pub cavity: Cavity,
    /// Their coupling.
    pub coupling: Coupling,
    /// Output times.
    pub time: TimeGrid,
    /// Integrator settings (open systems).
    #[serde(default)]
    pub solver: SolverSettings,
    /// Metrics and diagnostics to report.
    #[serde(default)]
    pub output: OutputSettings,
}

impl Params {
    /// Checks every field against its physical range.
    pub fn validate(&self) -> Result<()> {
        let c = &self.cells;
        if c.number == 0 {
            return Err(Error::invalid("cells.number", 0, "≥ 1"));
        }
        if c.representation == Representation::Qubits && c.number > 12 {
            return Err(Error::invalid(
                "cells.number",
                c.number,
                "≤ 12 with representation = \"qubits\" (use \"dicke\")",
            ));
        }
        positive("cells.omega", c.omega)?;
        self.cavity.validate()?;
        self.coupling.g.validate("coupling.g")?;
        self.time.validate()?;
        self.solver.validate()?;
        self.output.validate()
    }

    /// The problem: space (cavity first, then the cells), Hamiltonian, jumps, initial
    /// state, battery and conserved charge.
    pub fn problem(&self) -> Result<Problem> {
        self.validate()?;
        let (c, cav) = (&self.cells, &self.cavity);
        let mut space = Space::new().with("cavity", Subsystem::Mode { levels: cav.levels })?;
        let cell_sites: Vec<usize> = match c.representation {
            Representation::Dicke => {
                space = space.with("cells", Subsystem::Dicke { n: c.number })?;
                vec![1]
            }
            Representation::Qubits => {
                for i in 0..c.number {
                    space = space.with(format!("cell{}", i + 1), Subsystem::QUBIT)?;
                }
                (1..=c.number as usize).collect()
            }
        };
        // Σ_i σ⁺_i is the collective J⁺ on a Dicke site; either way one raising operator per site.
        let mut h = cav.hamiltonian(0);
        let mut coupling = OpSum::new();
        for &s in &cell_sites {
            h.add(c.omega, vec![(s, LocalOp::Number)]);
            coupling.add(1.0, vec![(0, LocalOp::Destroy), (s, LocalOp::SPlus)]);
            coupling.add(1.0, vec![(0, LocalOp::Create), (s, LocalOp::SMinus)]);
            if !self.coupling.rwa {
                coupling.add(1.0, vec![(0, LocalOp::Create), (s, LocalOp::SPlus)]);
                coupling.add(1.0, vec![(0, LocalOp::Destroy), (s, LocalOp::SMinus)]);
            }
        }
        let jumps = cav.jumps(0);
        let mut factors = vec![cav.initial_factor(0)?];
        for &s in &cell_sites {
            factors.push(Factor {
                sites: vec![s],
                state: LocalState::Ket(basis(space.dims()[s], 0)?),
            });
        }
        let initial = ProductState::new(&space, factors)?;
        let charge = if self.coupling.rwa {
            Charge::excitations(&space)
        } else {
            Charge::parity(&space)
        };

        // The battery on its own space: the same cell sites, re-indexed from 0.
        let mut battery_space = Space::new();
        let mut h_b = OpSum::new();
        for (k, &s) in cell_sites.iter().enumerate() {
            battery_space =
                battery_space.with(space.sites()[s].name.clone(), space.sites()[s].subsystem)?;
            h_b.add(c.omega, vec![(k, LocalOp::Number)]);
        }
        let n = c.number as usize;
        // The lowest n + 1 levels of the 2^N cell spectrum (level k with multiplicity
        // C(N, k)) are all the ergotropy of an (N+1)-dimensional ρ_B can use.
        let spectrum = (0..=n)
            .flat_map(|k| std::iter::repeat_n(c.omega * k as f64, binomial_capped(n, k, n + 1)))
            .take(n + 1)
            .collect();
        let mut problem = Problem {
            space,
            hamiltonian: h,
            drives: Vec::new(),
            jumps,
            initial,
            charge: Some(charge),
            battery: Battery {
                sites: cell_sites,
                space: battery_space,
                hamiltonian: h_b,
                full_spectrum: Some(spectrum),
            },
        };
        problem.add_drive("coupling.g", &self.coupling.g, coupling);
        Ok(problem)
    }
}

/// C(n, k), or `cap` when it is larger (no overflow for large n).
fn binomial_capped(n: usize, k: usize, cap: usize) -> usize {
    let mut acc: u128 = 1;
    for i in 0..k {
        acc = acc * (n - i) as u128 / (i + 1) as u128;
        if acc >= cap as u128 {
            return cap;
        }
    }
    acc as usize
}

impl Parameters for Params {
    const NAME: &'static str = "tavis_cummings";
    const ABOUT: &'static str =
        "N two-level cells charged by one cavity mode (Dicke basis or qubits; RWA or not)";

    /// Named after the cells' splitting ω_a.
    fn units(&self) -> Units {
        Units::frequency("ω_a", self.cells.omega)
    }

    fn validate(&self) -> Result<()> {
        Params::validate(self)
    }
}

impl TimeEvolution for Params {
    fn settings(&self) -> (&TimeGrid, &SolverSettings, &OutputSettings) {
        (&self.time, &self.solver, &self.output)
    }

    fn cutoff_mut(&mut self) -> Option<&mut usize> {
        Some(&mut self.cavity.levels)
    }

    fn preparation(&self) -> Estimate {
        let mut e = Estimate::default();
        let c = &self.cells;
        let d_b = match c.representation {
            Representation::Dicke => c.number as usize + 1,
            Representation::Qubits => 1 << c.number,
        };
        e.add("battery Hamiltonian (dense)", dense_bytes(d_b));
        e
    }

    fn problem(&self) -> Result<(Problem, Vec<crate::Warning>)> {
        Ok((Params::problem(self)?, Vec::new()))
    }
}

/// Runs the scenario: energy, power and the requested metrics on the time grid.
pub fn simulate(p: &Params) -> Result<Run> {
    simulate_with_progress(p, &mut crate::simulation::Silent)
}

/// [`simulate`] with progress reports, without a memory limit.
pub fn simulate_with_progress(p: &Params, progress: &mut dyn Progress) -> Result<Run> {
    super::model::run_params(p.clone(), progress)
}
