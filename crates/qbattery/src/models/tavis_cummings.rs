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
use crate::error::{Error, Result};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::sector::Charge;
use crate::simulation::{
    self, Battery, OutputSettings, Problem, SolverSettings, TimeGrid, Trajectory,
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
    /// Coupling g per cell.
    pub g: f64,
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
        if !self.coupling.g.is_finite() {
            return Err(Error::invalid(
                "coupling.g",
                self.coupling.g,
                "a finite number",
            ));
        }
        self.time.validate()?;
        self.solver.validate()?;
        self.output.validate()
    }

    /// The problem: space (cavity first, then the cells), Hamiltonian, jumps, initial
    /// state, battery and conserved charge.
    pub fn problem(&self) -> Result<Problem> {
        self.validate()?;
        let (c, cav, g) = (&self.cells, &self.cavity, self.coupling.g);
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
        for &s in &cell_sites {
            h.add(c.omega, vec![(s, LocalOp::Number)]);
            h.add(g, vec![(0, LocalOp::Destroy), (s, LocalOp::SPlus)]);
            h.add(g, vec![(0, LocalOp::Create), (s, LocalOp::SMinus)]);
            if !self.coupling.rwa {
                h.add(g, vec![(0, LocalOp::Create), (s, LocalOp::SPlus)]);
                h.add(g, vec![(0, LocalOp::Destroy), (s, LocalOp::SMinus)]);
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
        let spectrum = (0..=n)
            .flat_map(|k| std::iter::repeat_n(c.omega * k as f64, binomial(n, k)))
            .collect();
        Ok(Problem {
            space,
            hamiltonian: h,
            jumps,
            initial,
            charge: Some(charge),
            battery: Battery {
                sites: cell_sites,
                space: battery_space,
                hamiltonian: h_b,
                full_spectrum: Some(spectrum),
            },
        })
    }
}

fn binomial(n: usize, k: usize) -> usize {
    (0..k).fold(1usize, |acc, i| acc * (n - i) / (i + 1))
}

/// Runs the scenario: energy, power and the requested metrics on the time grid.
pub fn simulate(p: &Params) -> Result<Trajectory> {
    simulate_with_progress(p, &mut |_| {})
}

/// [`simulate`] with a progress callback (see [`simulation::run_with_progress`]).
pub fn simulate_with_progress(p: &Params, progress: &mut dyn FnMut(usize)) -> Result<Trajectory> {
    simulation::run_with_progress(&p.problem()?, &p.time, &p.solver, &p.output, progress)
}
