//! The common scenario tables of every time-evolution model: `[time]`, `[solver]` and
//! `[output]`, with their checks.

use crate::dynamics::ode::OdeOptions;
use crate::dynamics::steady::SteadyOptions;
use crate::error::{Error, Result};

/// Output times t_k = k · t_max / (steps − 1), k = 0 … steps − 1 (the `[time]` table).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeGrid {
    /// Last time (> 0).
    pub t_max: f64,
    /// Number of output times, including t = 0 (≥ 4: E_max and P_max are refined by the
    /// cubic through four samples).
    pub steps: usize,
}

/// Most output times a grid may have.
pub const MAX_TIME_STEPS: usize = 10_000_000;

impl TimeGrid {
    /// Checks `t_max` and `steps`.
    pub fn validate(&self) -> Result<()> {
        if !(self.t_max > 0.0 && self.t_max.is_finite()) {
            return Err(Error::invalid(
                "time.t_max",
                self.t_max,
                "a finite number > 0",
            ));
        }
        if !(4..=MAX_TIME_STEPS).contains(&self.steps) {
            return Err(Error::invalid(
                "time.steps",
                self.steps,
                "between 4 and 10⁷ (E_max and P_max are refined by the cubic through four samples)",
            ));
        }
        Ok(())
    }

    /// The output times.
    pub fn times(&self) -> Vec<f64> {
        (0..self.steps)
            .map(|k| self.t_max * k as f64 / (self.steps - 1) as f64)
            .collect()
    }
}

/// Settings of the solvers (the `[solver]` table): the adaptive Runge–Kutta integrator
/// (open systems and continuous drives) and the steady-state solver.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SolverSettings {
    /// Relative tolerance of the integrator.
    pub rtol: f64,
    /// Absolute tolerance of the integrator.
    pub atol: f64,
    /// Most integrator steps allowed.
    pub max_steps: usize,
    /// How the steady state is found (`[solver.steady]`: `method`, `null_tol`,
    /// `positivity_tol`), when `output.steady_state` asks for it.
    pub steady: SteadyOptions,
    /// Use the symmetries found in the problem beyond its charge sectors (a site
    /// permutation, a weak charge; see [`crate::simulation::symmetry`]). Default true;
    /// false evolves the whole charge subspace, to check a reduced run against it.
    pub symmetries: bool,
}

impl Default for SolverSettings {
    fn default() -> Self {
        Self {
            rtol: 1e-8,
            atol: 1e-10,
            max_steps: 10_000_000,
            steady: SteadyOptions::default(),
            symmetries: true,
        }
    }
}

impl SolverSettings {
    /// Checks the tolerances.
    pub fn validate(&self) -> Result<()> {
        self.ode_options().validate().map_err(|e| match e {
            Error::InvalidParameter {
                name,
                value,
                allowed,
            } => Error::InvalidParameter {
                name: format!("solver.{name}"),
                value,
                allowed,
            },
            other => other,
        })?;
        let s = &self.steady;
        if !(s.null_tol > 0.0 && s.null_tol < 1.0) {
            return Err(Error::invalid(
                "solver.steady.null_tol",
                s.null_tol,
                "in (0, 1)",
            ));
        }
        if !(s.positivity_tol >= 0.0 && s.positivity_tol.is_finite()) {
            return Err(Error::invalid(
                "solver.steady.positivity_tol",
                s.positivity_tol,
                "finite and ≥ 0",
            ));
        }
        Ok(())
    }

    /// The integrator's options.
    pub fn ode_options(&self) -> OdeOptions {
        OdeOptions {
            rtol: self.rtol,
            atol: self.atol,
            max_steps: self.max_steps,
            ..OdeOptions::default()
        }
    }
}

/// A figure of merit a run can report along the trajectory (an `output.metrics` entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Stored energy E(t) = Tr[H_B ρ_B(t)] − Tr[H_B ρ_B(0)].
    Energy,
    /// Average power P(t) = E(t)/t.
    Power,
    /// Ergotropy of ρ_B(t) (001 Eq. 10, 003 Eq. 2).
    Ergotropy,
    /// Ergotropy / the largest ergotropy any battery state has (002).
    NormalizedErgotropy,
    /// Ergotropy / stored energy (003 Eq. 3); 0 where nothing is stored.
    Efficiency,
    /// Tr ρ_B².
    Purity,
    /// Von Neumann entropy of ρ_B, base 2; of other subsystems with `output.entropy_of`.
    Entropy,
    /// Logarithmic negativity (base 2) between the battery and the rest.
    LogNegativity,
    /// Mean occupation ⟨a†a⟩ of each boson mode.
    Photons,
    /// Entropic steering I^{ab} of `output.pair` (003 Eq. 8; steerable when < 2).
    SteeringAb,
    /// Entropic steering I^{ba} of `output.pair`.
    SteeringBa,
    /// Wootters concurrence of `output.pair`.
    Concurrence,
    /// Populations of the eigenspaces of H_B, ascending in energy (000).
    EigenPopulations,
}

impl Metric {
    /// The metric's name in scenarios and column headers.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Energy => "energy",
            Metric::Power => "power",
            Metric::Ergotropy => "ergotropy",
            Metric::NormalizedErgotropy => "normalized_ergotropy",
            Metric::Efficiency => "efficiency",
            Metric::Purity => "purity",
            Metric::Entropy => "entropy",
            Metric::LogNegativity => "log_negativity",
            Metric::Photons => "photons",
            Metric::SteeringAb => "steering_ab",
            Metric::SteeringBa => "steering_ba",
            Metric::Concurrence => "concurrence",
            Metric::EigenPopulations => "eigen_populations",
        }
    }

    /// Whether the metric needs the two-qubit state of `output.pair`.
    pub fn needs_pair(self) -> bool {
        matches!(
            self,
            Metric::SteeringAb | Metric::SteeringBa | Metric::Concurrence
        )
    }
}

/// What a run reports (the `[output]` table).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSettings {
    /// Metrics to compute along the trajectory.
    pub metrics: Vec<Metric>,
    /// Largest acceptable population of a mode's top Fock level before a warning.
    pub cutoff_tolerance: f64,
    /// Also find the steady state of the open system (the Liouvillian's null space) and
    /// report every metric there.
    pub steady_state: bool,
    /// The two qubits (site names) whose steering and concurrence are reported; empty:
    /// the battery, when it is two qubits.
    pub pair: Vec<String>,
    /// Sites (names) whose own von Neumann entropy is reported as `entropy_<site>`.
    pub entropy_of: Vec<String>,
    /// Battery sites (names) whose own ergotropy is reported as `ergotropy_<site>` (with
    /// the `ergotropy` metric), against the terms of H_B that act on that site alone.
    pub ergotropy_of: Vec<String>,
    /// Repeat the run with the cavity cutoff raised to this many levels and report both
    /// values of every summary scalar (`cutoff_check`, see [`super::run::CutoffCheck`]).
    pub check_cutoff: Option<usize>,
}

impl Default for OutputSettings {
    fn default() -> Self {
        Self {
            metrics: vec![Metric::Energy, Metric::Power],
            cutoff_tolerance: 1e-6,
            steady_state: false,
            pair: Vec::new(),
            entropy_of: Vec::new(),
            ergotropy_of: Vec::new(),
            check_cutoff: None,
        }
    }
}

impl OutputSettings {
    /// Checks the tolerance and the shape of `pair` (the sites are checked against the
    /// space when the run is planned).
    pub fn validate(&self) -> Result<()> {
        if !(self.cutoff_tolerance > 0.0 && self.cutoff_tolerance < 1.0) {
            return Err(Error::invalid(
                "output.cutoff_tolerance",
                self.cutoff_tolerance,
                "in (0, 1)",
            ));
        }
        if !(self.pair.is_empty() || self.pair.len() == 2) {
            return Err(Error::invalid(
                "output.pair",
                format!("{:?}", self.pair),
                "two site names, e.g. [\"spin1\", \"spin2\"] (or empty: the battery)",
            ));
        }
        for (field, sites, metric) in [
            ("output.entropy_of", &self.entropy_of, Metric::Entropy),
            ("output.ergotropy_of", &self.ergotropy_of, Metric::Ergotropy),
        ] {
            if !sites.is_empty() && !self.metrics.contains(&metric) {
                return Err(Error::invalid(
                    field,
                    format!("{sites:?}"),
                    format!(
                        "empty unless output.metrics has \"{}\" (the per-site values come with it)",
                        metric.name()
                    ),
                ));
            }
        }
        Ok(())
    }
}
