//! Optimal control of a scenario's drivable coupling (paper 000, Sec. III–IV): the
//! scenario's `[control]` table ([`ControlSpec`]), the search over piecewise protocols
//! ([`crate::optimize::control`]), and the check that makes the result trustworthy:
//! every start's optimum and the best constant protocol are re-evaluated at a larger
//! cutoff, and a relative change of E(τ) beyond `cutoff_tolerance` is a warning (an
//! optimizer of g(t) can score by pumping photons into the top Fock levels, where the
//! truncated dynamics is wrong).
//!
//! ```toml
//! model = "cavity_chain"        # and the model's own tables
//! [control]
//! method = "grape"              # gradient optimal control with exact gradients
//! drive = "coupling.g"          # the scenario key of the controlled coupling
//! tau = 20.0                    # the charging time τ
//! steps = 100                   # K equal steps, g_k constant on each
//! bounds = [0.0, 1.0]           # g_k ∈ [lower, upper]
//! check_cutoff = 30             # Fock levels of the re-evaluation (default 2× the run's)
//! cutoff_tolerance = 1e-3       # relative change of E(τ) that warns
//! constant_starts = [1.0]       # constant protocols to start from
//! protocol_starts = [[0.2, 1.0, …]]  # whole protocols (K values each) to start from
//! scan_points = 21              # constant protocols scanned; the best is a start
//! [control.objective]           # optimize::control::Weights: energy, mean_power, top_level
//! [control.optimizer]           # optimize::multistart::Options: seed, random_starts, search
//! ```

use std::time::Instant;

use crate::optimize::control::{ControlProblem, Evaluation, Protocol, Weights};
use crate::optimize::multistart::{self, StartKind};
use crate::optimize::StopReason;
use crate::scenario;
use crate::{Error, Result};

/// The optimization method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlMethod {
    /// Gradient optimal control: exact gradients, bounded L-BFGS-B, seeded multi-start.
    #[default]
    Grape,
    /// Soft actor-critic (paper 000, Appendix A), settings in `[control.sac]`: run by the
    /// `qbattery-rl` crate (the `qbattery` command's `sac` feature), on the problem that
    /// [`Prepared`] builds and checks.
    Sac,
}

/// A scenario's `[control]` table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlSpec {
    /// The method.
    #[serde(default)]
    pub method: ControlMethod,
    /// The scenario key of the controlled drive.
    pub drive: String,
    /// The charging time τ.
    pub tau: f64,
    /// The number of piecewise-constant steps K.
    pub steps: usize,
    /// [lower, upper] of every g_k (default [0, 1], the paper's).
    #[serde(default = "unit_interval")]
    pub bounds: [f64; 2],
    /// The objective.
    #[serde(default)]
    pub objective: Weights,
    /// Fock levels of the re-evaluation (default twice the run's).
    #[serde(default)]
    pub check_cutoff: Option<usize>,
    /// Relative change |E_check(τ) − E(τ)|/|E(τ)| above which a result is flagged
    /// (default 1e-3).
    #[serde(default = "default_cutoff_tolerance")]
    pub cutoff_tolerance: f64,
    /// Constant protocols to start from.
    #[serde(default)]
    pub constant_starts: Vec<f64>,
    /// Whole protocols to start from (K values each, within the bounds): a protocol
    /// found by another method (the soft actor-critic's, the paper's) refined by GRAPE.
    #[serde(default)]
    pub protocol_starts: Vec<Vec<f64>>,
    /// Constant protocols scanned over the bounds; the best one is a start (0: none;
    /// default 21).
    #[serde(default = "default_scan_points")]
    pub scan_points: usize,
    /// Multi-start settings of GRAPE (`grid_points` is ignored).
    #[serde(default)]
    pub optimizer: multistart::Options,
    /// The soft actor-critic's settings (`method = "sac"` only), read by `qbattery-rl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sac: Option<toml::Value>,
}

fn unit_interval() -> [f64; 2] {
    [0.0, 1.0]
}

fn default_cutoff_tolerance() -> f64 {
    1e-3
}

fn default_scan_points() -> usize {
    21
}

impl ControlSpec {
    /// Reads the `[control]` table of a scenario; errors name the field.
    pub fn from_scenario(table: &toml::Table) -> Result<Self> {
        let Some(value) = table.get("control") else {
            return Err(Error::Scenario {
                message: "missing table `[control]` (method, drive, tau, steps, …)".into(),
            });
        };
        let spec: Self = serde_path_to_error::deserialize(value.clone()).map_err(|e| {
            let path = e.path().to_string();
            Error::Scenario {
                message: format!("control.{path}: {}", e.into_inner().message()),
            }
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks every field, naming it.
    pub fn validate(&self) -> Result<()> {
        self.protocol().validate()?;
        self.objective.validate()?;
        let [lo, hi] = self.bounds;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::invalid(
                "control.bounds",
                format!("[{lo}, {hi}]"),
                "finite with lower < upper",
            ));
        }
        if let Some((i, g)) = self
            .constant_starts
            .iter()
            .enumerate()
            .find(|(_, g)| !(lo..=hi).contains(*g))
        {
            return Err(Error::invalid(
                format!("control.constant_starts[{i}]"),
                g,
                format!("within the bounds [{lo}, {hi}]"),
            ));
        }
        for (i, p) in self.protocol_starts.iter().enumerate() {
            if p.len() != self.steps {
                return Err(Error::invalid(
                    format!("control.protocol_starts[{i}]"),
                    format!("{} values", p.len()),
                    format!("control.steps = {} values", self.steps),
                ));
            }
            if let Some((k, g)) = p.iter().enumerate().find(|(_, g)| !(lo..=hi).contains(*g)) {
                return Err(Error::invalid(
                    format!("control.protocol_starts[{i}][{k}]"),
                    g,
                    format!("within the bounds [{lo}, {hi}]"),
                ));
            }
        }
        if !(self.cutoff_tolerance.is_finite() && self.cutoff_tolerance > 0.0) {
            return Err(Error::invalid(
                "control.cutoff_tolerance",
                self.cutoff_tolerance,
                "finite and > 0",
            ));
        }
        if self.sac.is_some() && self.method != ControlMethod::Sac {
            return Err(Error::invalid(
                "control.sac",
                "a table",
                "given only with method = \"sac\"",
            ));
        }
        if self.method == ControlMethod::Grape
            && self.constant_starts.is_empty()
            && self.protocol_starts.is_empty()
            && self.scan_points == 0
            && self.optimizer.random_starts == 0
        {
            return Err(Error::invalid(
                "control",
                "no starts",
                "constant_starts, protocol_starts, scan_points > 0 or optimizer.random_starts > 0",
            ));
        }
        self.optimizer.search.validate()
    }

    /// τ and K.
    pub fn protocol(&self) -> Protocol {
        Protocol {
            tau: self.tau,
            steps: self.steps,
        }
    }

    /// The scenario without its `[control]` table and with the drive set to the piecewise
    /// protocol `values` on [0, τ] (the trajectory of a protocol, or a placeholder that
    /// makes the drive a term of the problem).
    pub fn scenario_with(&self, table: &toml::Table, values: &[f64]) -> Result<toml::Table> {
        let mut t = table.clone();
        t.remove("control");
        let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        scenario::apply_override(
            &mut t,
            &format!(
                "{}={{ values = [{}], until = {:?} }}",
                self.drive,
                list.join(", "),
                self.tau
            ),
        )?;
        Ok(t)
    }

    /// The model of `table` with the drive at the constant protocol midway between the
    /// bounds (what `info` describes, and what the control problem is built from).
    pub fn model(&self, table: &toml::Table) -> Result<Box<dyn crate::models::Model>> {
        let mid = 0.5 * (self.bounds[0] + self.bounds[1]);
        scenario::load_table(self.scenario_with(table, &vec![mid; self.steps])?)
    }

    /// The control problem of `table` at its cutoff, or at `levels` Fock levels.
    pub fn prepare(&self, table: &toml::Table, levels: Option<usize>) -> Result<ControlProblem> {
        self.model(table)?
            .control(&self.drive, self.protocol(), self.objective, levels)
    }
}

/// A protocol's numbers at the run's cutoff and at the check cutoff.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Checked {
    /// At the run's cutoff.
    pub run: Evaluation,
    /// At the check cutoff.
    pub check: Evaluation,
    /// |E_check(τ) − E(τ)| / |E(τ)|.
    pub relative_change: f64,
    /// Whether the relative change is within `cutoff_tolerance`.
    pub converged: bool,
}

/// One start of the search.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StartOutcome {
    /// Where it came from.
    pub kind: StartKind,
    /// Its first value (constant starts: the constant).
    pub start: f64,
    /// Why its search stopped.
    pub stop: StopReason,
    /// Accepted iterations.
    pub iterations: usize,
    /// Evaluations of J and ∇J.
    pub evaluations: usize,
    /// The protocol it ended at.
    pub values: Vec<f64>,
    /// Its numbers at both cutoffs.
    pub result: Checked,
}

/// The outcome of [`optimize`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ControlOutcome {
    /// The settings.
    pub spec: ControlSpec,
    /// The step edges 0 … τ.
    pub edges: Vec<f64>,
    /// The best protocol g_k: the highest J among the starts whose E(τ) is converged in
    /// the cutoff, or the highest J of all when none is (then a warning says so).
    pub values: Vec<f64>,
    /// Index into `starts` of the best protocol.
    pub best: usize,
    /// Every start.
    pub starts: Vec<StartOutcome>,
    /// The constant protocols scanned: (g, J).
    pub scan: Vec<(f64, f64)>,
    /// The best constant protocol g and its numbers at both cutoffs.
    pub best_constant: (f64, Checked),
    /// [the run's cutoff, the check cutoff] in Fock levels.
    pub levels: [usize; 2],
    /// The dimension of the block evolved at the run's cutoff.
    pub block_dimension: usize,
    /// Warnings (unconverged cutoff, searches that did not converge).
    pub warnings: Vec<String>,
    /// Seconds spent.
    pub wall_seconds: f64,
}

impl ControlOutcome {
    /// The best start.
    pub fn best(&self) -> &StartOutcome {
        &self.starts[self.best]
    }
}

fn checked(
    run: &ControlProblem,
    check: &ControlProblem,
    values: &[f64],
    tolerance: f64,
) -> Result<Checked> {
    let a = run.evaluate(values, false)?;
    let b = check.evaluate(values, false)?;
    let relative_change = (b.energy - a.energy).abs() / a.energy.abs().max(f64::MIN_POSITIVE);
    Ok(Checked {
        converged: relative_change <= tolerance,
        relative_change,
        run: a,
        check: b,
    })
}

/// A scenario's control problem prepared at the run's cutoff and at the check cutoff:
/// what every method searches and how its result is checked.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The settings.
    pub spec: ControlSpec,
    /// The problem at the run's cutoff (the one searched).
    pub run: ControlProblem,
    /// The problem at the check cutoff.
    pub check: ControlProblem,
    /// [the run's cutoff, the check cutoff] in Fock levels.
    pub levels: [usize; 2],
}

impl Prepared {
    /// Reads the `[control]` table of `table` and prepares both problems; an error for a
    /// model without a boson mode or a check cutoff not above the run's.
    pub fn new(table: &toml::Table) -> Result<Self> {
        let spec = ControlSpec::from_scenario(table)?;
        let run = spec.prepare(table, None)?;
        let Some(levels) = run.levels() else {
            return Err(Error::invalid(
                "control",
                "a model without a boson mode",
                "a model with a cavity cutoff to check",
            ));
        };
        let check_levels = spec.check_cutoff.unwrap_or(2 * levels);
        if check_levels <= levels {
            return Err(Error::invalid(
                "control.check_cutoff",
                check_levels,
                format!("more than the run's cutoff ({levels} levels)"),
            ));
        }
        let check = spec.prepare(table, Some(check_levels))?;
        Ok(Self {
            spec,
            run,
            check,
            levels: [levels, check_levels],
        })
    }

    /// The protocol `values` evaluated at both cutoffs.
    pub fn checked(&self, values: &[f64]) -> Result<Checked> {
        checked(&self.run, &self.check, values, self.spec.cutoff_tolerance)
    }

    /// The best of `scan_points` constant protocols over the bounds, with its numbers at
    /// both cutoffs (with no scan: the first constant start, else the upper bound).
    pub fn best_constant(&self) -> Result<(f64, Checked)> {
        let [lo, hi] = self.spec.bounds;
        let scan = self.run.scan_constant((lo, hi), self.spec.scan_points)?;
        let g = best_of_scan(&scan, &self.spec);
        let c = self.checked(&vec![g; self.spec.steps])?;
        Ok((g, c))
    }
}

/// The best constant protocol of a scan (with no scan: the first constant start, else the
/// upper bound).
fn best_of_scan(scan: &[(f64, f64)], spec: &ControlSpec) -> f64 {
    scan.iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|s| s.0)
        .or_else(|| spec.constant_starts.first().copied())
        .unwrap_or(spec.bounds[1])
}

/// Optimizes the drive of the scenario `table` by GRAPE as its `[control]` table says,
/// and checks every optimum at the larger cutoff (`method = "sac"` is run by
/// `qbattery-rl` on [`Prepared`]).
pub fn optimize(table: &toml::Table) -> Result<ControlOutcome> {
    let clock = Instant::now();
    let Prepared {
        spec,
        run,
        check,
        levels: [levels, check_levels],
    } = Prepared::new(table)?;
    if spec.method != ControlMethod::Grape {
        return Err(Error::invalid(
            "control.method",
            "\"sac\"",
            "\"grape\" here: the soft actor-critic is run by qbattery-rl (the qbattery command built with --features sac)",
        ));
    }
    let [lo, hi] = spec.bounds;
    let (report, scan) = run.optimize(
        (lo, hi),
        &spec.constant_starts,
        &spec.protocol_starts,
        spec.scan_points,
        &spec.optimizer,
    )?;
    let tol = spec.cutoff_tolerance;
    let starts = report
        .starts
        .iter()
        .map(|s| {
            let m = &s.minimum;
            Ok(StartOutcome {
                kind: s.kind,
                start: m.start.first().copied().unwrap_or(f64::NAN),
                stop: m.stop.clone(),
                iterations: m.iterations,
                evaluations: m.evaluations,
                values: m.x.clone(),
                result: checked(&run, &check, &m.x, tol)?,
            })
        })
        .collect::<Result<Vec<StartOutcome>>>()?;
    let mut warnings = Vec::new();
    let by_objective = |ok: &dyn Fn(&StartOutcome) -> bool| {
        starts
            .iter()
            .enumerate()
            .filter(|(_, s)| ok(s) && s.result.run.objective.is_finite())
            .max_by(|a, b| {
                a.1.result
                    .run
                    .objective
                    .total_cmp(&b.1.result.run.objective)
            })
            .map(|(i, _)| i)
    };
    let best = match by_objective(&|s| s.result.converged) {
        Some(i) => i,
        None => {
            warnings.push(format!(
                "no optimum is converged in the cutoff: E(τ) changes by more than {tol} between {levels} and {check_levels} levels for every start; the best one's numbers are truncation artefacts (raise the cutoff or control.objective.top_level)"
            ));
            by_objective(&|_| true).ok_or_else(|| Error::LinearAlgebra {
                context: "control".into(),
                detail: "no start reached a finite objective".into(),
            })?
        }
    };
    let unconverged = starts.iter().filter(|s| !s.stop.converged()).count();
    if unconverged > 0 {
        warnings.push(format!(
            "{unconverged} of {} searches stopped before converging (see starts[].stop)",
            starts.len()
        ));
    }
    let g_const = best_of_scan(&scan, &spec);
    let best_constant = (
        g_const,
        checked(&run, &check, &vec![g_const; spec.steps], tol)?,
    );
    Ok(ControlOutcome {
        edges: spec.protocol().edges(),
        values: starts[best].values.clone(),
        best,
        starts,
        scan,
        best_constant,
        levels: [levels, check_levels],
        block_dimension: run.dim(),
        warnings,
        wall_seconds: clock.elapsed().as_secs_f64(),
        spec,
    })
}
