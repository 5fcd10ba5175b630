//! The one model API: every model is a [`Model`] — checked parameters that can
//! describe and run themselves — reached from a scenario through one registry
//! ([`super::registry`]). Front ends (the CLI, the Python module) dispatch through it
//! and never name a model.
//!
//! A model is its scenario parameters ([`Parameters`]: serde, `validate`) plus how they
//! run ([`Engine`]); validated, they are a [`Checked`] model, and that is a [`Model`].
//! Parameters whose physics is a [`Problem`] (space, H(t), jumps, initial state,
//! battery) implement [`TimeEvolution`] and get [`Engine`] from it: the runner picks the
//! symmetry blocks, the method, the steady state and the metrics. Models with engines
//! of their own (central spin's certified block maxima, micromaser's ladder kernel)
//! implement [`Engine`] directly and fill the same [`Run`].

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Result, Warning};
use crate::optimize::control::{ControlProblem, Protocol, Weights};
use crate::simulation::memory::human_bytes;
use crate::simulation::{
    self, Estimate, Method, OutputSettings, Problem, Progress, Run, SolverSettings, TimeGrid, Units,
};

/// A model with checked parameters, ready to describe and run.
pub trait Model: Send + Sync {
    /// The model's name in scenario files.
    fn name(&self) -> &'static str;
    /// The parameters that define this run (for results files), as JSON.
    fn parameters(&self) -> serde_json::Value;
    /// What a run would do: space, dimension, blocks, method and a memory estimate,
    /// computed without allocating more than `memory_limit` bytes (what would not fit is
    /// estimated, not built).
    fn describe(&self, memory_limit: u64) -> Result<Description>;
    /// Runs the model, reporting progress; refuses at once (an error with the estimate
    /// and what to change) a run whose memory estimate exceeds `memory_limit` bytes.
    fn run(&self, memory_limit: u64, progress: &mut dyn Progress) -> Result<Run>;
    /// The units of the model's numbers ([`Run::units`] of its runs).
    fn units(&self) -> Units;
    /// The problem prepared for optimal control of its drive `drive` (given in the
    /// scenario as a piecewise protocol) on `protocol` with the objective `weights`, at
    /// the model's cutoff or at `levels` Fock levels.
    fn control(
        &self,
        drive: &str,
        protocol: Protocol,
        weights: Weights,
        levels: Option<usize>,
    ) -> Result<ControlProblem>;
}

/// A model's scenario parameters (serde, unknown keys rejected); once validated they
/// become a [`Checked`] model.
pub trait Parameters: DeserializeOwned + Serialize + Send + Sync + 'static {
    /// The `model` key of a scenario.
    const NAME: &'static str;
    /// One line on what the model is.
    const ABOUT: &'static str;
    /// Checks every field once (errors name the field path and the allowed range).
    fn validate(&self) -> Result<()>;
    /// The units of the model's numbers, named after the parameter its paper sets to 1.
    fn units(&self) -> Units;
}

/// Parameters that passed their checks: what the models implement [`Model`] for.
#[derive(Debug, Clone)]
pub struct Checked<P>(P);

impl<P: Parameters> Checked<P> {
    /// Validates `params`.
    pub fn new(params: P) -> Result<Self> {
        params.validate()?;
        Ok(Self(params))
    }

    /// The parameters.
    pub fn params(&self) -> &P {
        &self.0
    }

    /// The parameters as JSON, for results files.
    pub fn parameters_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

/// What `qbattery info` prints: what a run would do, before it does it.
#[derive(Debug, Clone, Serialize)]
pub struct Description {
    /// The model's name.
    pub model: &'static str,
    /// The space, e.g. `cavity: mode(14) ⊗ spin1: spin-1 ⊗ …`.
    pub space: String,
    /// Dimension of the full space.
    pub dimension: Option<usize>,
    /// The symmetry used, e.g. `Z2 charge with weights [1, 1, 1, 1]`.
    pub symmetry: String,
    /// The subspace evolved and its dimension.
    pub evolved_in: Option<(String, usize)>,
    /// The blocks, e.g. `["Q=1: 189"]`.
    pub blocks: Vec<String>,
    /// The method (`None`: not planned, the problem was too large to build).
    pub method: Option<Method>,
    /// More on the method, when useful.
    pub method_detail: Option<String>,
    /// What the run will hold in memory.
    pub memory: Estimate,
    /// Warnings found while describing (e.g. a degenerate ground state), and estimates
    /// that stand in for what was too large to build.
    pub notes: Vec<String>,
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "model:      {}", self.model)?;
        writeln!(f, "space:      {}", self.space)?;
        if let Some(d) = self.dimension {
            writeln!(f, "dimension:  {d}")?;
        }
        writeln!(f, "symmetry:   {}", self.symmetry)?;
        if let Some((label, d)) = &self.evolved_in {
            writeln!(f, "evolved in: {label} (dimension {d})")?;
        }
        if !self.blocks.is_empty() {
            writeln!(f, "blocks:     {}", self.blocks.join(", "))?;
        }
        let method = self.method.map_or("(not planned)", Method::name);
        match &self.method_detail {
            Some(detail) => writeln!(f, "method:     {method} ({detail})")?,
            None => writeln!(f, "method:     {method}")?,
        }
        writeln!(f, "memory:     ~{}", human_bytes(self.memory.total()))?;
        for (what, bytes) in self.memory.items().iter().take(4) {
            writeln!(f, "            {:>10}  {what}", human_bytes(*bytes))?;
        }
        for (what, bytes) in &self.memory.bounds {
            writeln!(
                f,
                "          ≤ {:>10}  {what} (solved on the subspace reachable from the initial state: checked once its size is known)",
                human_bytes(*bytes)
            )?;
        }
        for n in &self.notes {
            writeln!(f, "note:       {n}")?;
        }
        Ok(())
    }
}

/// Parameters whose physics is a [`Problem`] evolved in time by the common runner.
pub trait TimeEvolution: Parameters + Clone {
    /// The `[time]`, `[solver]` and `[output]` tables.
    fn settings(&self) -> (&TimeGrid, &SolverSettings, &OutputSettings);
    /// Memory needed to build the problem itself (e.g. a dense H_B diagonalised for a
    /// ground state), estimated from the parameters alone.
    fn preparation(&self) -> Estimate {
        Estimate::default()
    }
    /// The problem, with warnings found while building it.
    fn problem(&self) -> Result<(Problem, Vec<Warning>)>;
    /// The cavity cutoff (its number of levels) that `output.check_cutoff` raises, for
    /// models with one.
    fn cutoff_mut(&mut self) -> Option<&mut usize> {
        None
    }
    /// What to change when a run is too big.
    fn memory_advice(&self) -> &'static str {
        "use a smaller space (a lower cutoff, fewer sites), drop global metrics (log_negativity), for a steady state try solver.steady.method = \"iterative\" (memory O(d²), slower), or pass --max-memory if the machine has more"
    }
}

/// How checked parameters describe and run themselves: implemented by every
/// [`TimeEvolution`] model through the common runner, and directly by models with an
/// engine of their own. [`Checked`] parameters of an `Engine` are a [`Model`].
pub trait Engine: Parameters {
    /// See [`Model::describe`].
    fn describe(&self, memory_limit: u64) -> Result<Description>;
    /// See [`Model::run`].
    fn run(&self, memory_limit: u64, progress: &mut dyn Progress) -> Result<Run>;
    /// See [`Model::control`]; by default the model has nothing to control.
    fn control(
        &self,
        drive: &str,
        _protocol: Protocol,
        _weights: Weights,
        _levels: Option<usize>,
    ) -> Result<ControlProblem> {
        Err(crate::Error::invalid(
            "control.drive",
            drive,
            format!(
                "a drivable coupling of a model whose physics is a time-dependent Hamiltonian (model `{}` has its own engine)",
                Self::NAME
            ),
        ))
    }
}

impl<P: Engine> Model for Checked<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn parameters(&self) -> serde_json::Value {
        self.parameters_json()
    }

    fn describe(&self, memory_limit: u64) -> Result<Description> {
        Engine::describe(self.params(), memory_limit)
    }

    fn run(&self, memory_limit: u64, progress: &mut dyn Progress) -> Result<Run> {
        let mut run = Engine::run(self.params(), memory_limit, progress)?;
        run.units = self.params().units();
        Ok(run)
    }

    fn units(&self) -> Units {
        self.params().units()
    }

    fn control(
        &self,
        drive: &str,
        protocol: Protocol,
        weights: Weights,
        levels: Option<usize>,
    ) -> Result<ControlProblem> {
        Engine::control(self.params(), drive, protocol, weights, levels)
    }
}

impl<T: TimeEvolution> Engine for T {
    fn describe(&self, memory_limit: u64) -> Result<Description> {
        let prep = self.preparation();
        if prep.total() > memory_limit {
            return Ok(Description {
                model: T::NAME,
                space: "(not built: too large)".into(),
                dimension: None,
                symmetry: "(not built)".into(),
                evolved_in: None,
                blocks: Vec::new(),
                method: None,
                method_detail: None,
                notes: vec![format!(
                    "building this problem alone needs ~{}: {}",
                    human_bytes(prep.total()),
                    self.memory_advice()
                )],
                memory: prep,
            });
        }
        let (problem, warnings) = self.problem()?;
        let (_, solver, output) = self.settings();
        let plan = simulation::plan(&problem, solver, output)?;
        let mut memory = prep;
        memory.parts.extend(plan.memory.parts.iter().cloned());
        memory.bounds.extend(plan.memory.bounds.iter().cloned());
        Ok(Description {
            model: T::NAME,
            space: problem.space.describe(),
            dimension: Some(plan.full_dim),
            symmetry: {
                let mut used: Vec<String> = problem.charge.iter().map(|c| c.describe()).collect();
                used.extend(plan.reduction.describe());
                if plan.reduction.weak {
                    used.push("ρ block-diagonal in the charge (weak)".into());
                }
                if used.is_empty() {
                    "none used".into()
                } else {
                    used.join("; ")
                }
            },
            evolved_in: Some((plan.subspace.label(), plan.subspace.dim())),
            blocks: plan.blocks.iter().map(|b| b.label()).collect(),
            method: Some(plan.method),
            method_detail: (!problem.drives.is_empty()).then(|| {
                let names: Vec<&str> = problem.drives.iter().map(|d| d.name.as_str()).collect();
                format!("driven: {}", names.join(", "))
            }),
            memory,
            notes: warnings.iter().map(|w| w.to_string()).collect(),
        })
    }

    fn run(&self, memory_limit: u64, progress: &mut dyn Progress) -> Result<Run> {
        let mut run = run_once(self, memory_limit, progress)?;
        let Some(levels) = self.settings().2.check_cutoff else {
            return Ok(run);
        };
        let mut larger = self.clone();
        let Some(now) = larger.cutoff_mut().map(|l| std::mem::replace(l, levels)) else {
            return Err(crate::Error::invalid(
                "output.check_cutoff",
                levels,
                format!("unset: model `{}` has no cavity cutoff", T::NAME),
            ));
        };
        if levels <= now {
            return Err(crate::Error::invalid(
                "output.check_cutoff",
                levels,
                format!("more than the cutoff of the run ({now} levels)"),
            ));
        }
        larger.validate()?;
        let check = run_once(&larger, memory_limit, progress)?;
        simulation::CutoffCheck::attach(&mut run, &check, [now, levels]);
        Ok(run)
    }

    fn control(
        &self,
        drive: &str,
        protocol: Protocol,
        weights: Weights,
        levels: Option<usize>,
    ) -> Result<ControlProblem> {
        let mut params = self.clone();
        if let Some(levels) = levels {
            let Some(cutoff) = params.cutoff_mut() else {
                return Err(crate::Error::invalid(
                    "control.check_cutoff",
                    levels,
                    format!("unset: model `{}` has no cavity cutoff", T::NAME),
                ));
            };
            *cutoff = levels;
            params.validate()?;
        }
        let (problem, _) = params.problem()?;
        let (_, solver, output) = params.settings();
        let plan = simulation::plan(&problem, solver, output)?;
        ControlProblem::new(&problem, &plan, drive, protocol, weights)
    }
}

/// One run of a [`TimeEvolution`] model, refused at once over `memory_limit`.
fn run_once<T: TimeEvolution>(
    params: &T,
    memory_limit: u64,
    progress: &mut dyn Progress,
) -> Result<Run> {
    let prep = params.preparation();
    prep.check(memory_limit, params.memory_advice())?;
    let (problem, warnings) = params.problem()?;
    let (grid, solver, output) = params.settings();
    let plan = simulation::plan(&problem, solver, output)?;
    let mut memory = prep;
    memory.parts.extend(plan.memory.parts.iter().cloned());
    memory.check(memory_limit, params.memory_advice())?;
    let mut run = simulation::run_planned(
        &problem,
        &plan,
        grid,
        solver,
        output,
        memory_limit,
        progress,
    )?;
    run.warnings.extend(warnings);
    Ok(run)
}

/// Validates `params` and runs them without a memory limit (for library callers that
/// hold typed parameters, e.g. tests).
pub fn run_params<P: Parameters>(params: P, progress: &mut dyn Progress) -> Result<Run>
where
    Checked<P>: Model,
{
    Checked::new(params)?.run(u64::MAX, progress)
}

/// Deserialises a model's parameters from a scenario table (errors carry the dotted
/// path of the field) and checks them.
pub(crate) fn load<P: Parameters>(value: toml::Value) -> Result<Box<dyn Model>>
where
    Checked<P>: Model,
{
    let params: P = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let detail = e.into_inner().message().to_string();
        crate::Error::Scenario {
            message: if path == "." {
                detail
            } else {
                format!("{path}: {detail}")
            },
        }
    })?;
    Ok(Box::new(Checked::new(params)?))
}
