//! `qbattery optimize SCENARIO [--set key=value]… [--out DIR]`: minimizes a model's loss
//! with the library's seeded multi-start L-BFGS-B and writes the optimum, every start's
//! search, the loss histories and the trajectory of the optimized protocol.
//!
//! A scenario with a `[control]` table (a model's own keys plus the control settings) is
//! optimal control of a drivable coupling: see [`crate::control`].
//!
//! Scenario file (TOML), for the micromaser's loss:
//!
//! ```toml
//! model = "micromaser"
//! [loss]          # qbattery::models::micromaser::LossParams (Eq. 11 of paper 001)
//! [optimizer]     # qbattery::optimize::multistart::Options (seed, starts, grid, search)
//! starts = [[0.3, 0.2]]   # optional given starts
//! [trajectory]    # the optimized protocol is simulated for `collisions` (default 10⁵)
//! ```

use std::path::Path;

use anyhow::{bail, Context, Result};
use qbattery::models::micromaser::{self, LossParams, StreamLoss};
use qbattery::optimize::multistart;
use serde::{Deserialize, Serialize};

use crate::output::{Provenance, RunDir};
use crate::plot::{line_plot, LinePlot, Series};
use crate::results::{write_run, Figures, Formats, Origin};

/// The scenario file of `qbattery optimize`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct OptimizeFile {
    /// The model whose loss is minimized: "micromaser".
    model: String,
    /// The loss and what it optimizes.
    loss: LossParams,
    /// Multi-start settings.
    #[serde(default)]
    optimizer: multistart::Options,
    /// Extra starts, one vector of parameters each.
    #[serde(default)]
    starts: Vec<Vec<f64>>,
    /// How the optimized protocol is simulated afterwards.
    #[serde(default)]
    trajectory: TrajectorySpec,
}

/// Simulation of the optimized protocol.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct TrajectorySpec {
    /// Collisions to simulate (the last batch repeats past the optimized n).
    collisions: usize,
    /// Points of the log-spaced grid.
    grid_points: usize,
    /// Warn when the top Fock level holds more than this.
    cutoff_tolerance: f64,
}

impl Default for TrajectorySpec {
    fn default() -> Self {
        Self {
            collisions: 100_000,
            grid_points: 200,
            cutoff_tolerance: 1e-6,
        }
    }
}

/// Runs the optimization described by `scenario_path` (with `overrides`) into `out`.
pub fn run(
    scenario_path: &Path,
    out: &Path,
    overrides: &[String],
    max_memory: Option<u64>,
) -> Result<()> {
    let mut prov = Provenance::start(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
    let text = crate::scenario::read(Some(scenario_path))?;
    let doc = qbattery::scenario::table(&text, overrides)
        .with_context(|| format!("in {}", scenario_path.display()))?;
    if doc.contains_key("control") {
        return crate::control::run(&doc, scenario_path, out, max_memory, prov);
    }
    let file: OptimizeFile = toml::Value::Table(doc)
        .try_into()
        .with_context(|| format!("{}: invalid optimize scenario", scenario_path.display()))?;
    if qbattery::models::registry::find(&file.model).is_none() {
        bail!(
            "{}: unknown model {:?}: one of {:?}",
            scenario_path.display(),
            file.model,
            qbattery::models::registry::names()
        );
    }
    if file.model != "micromaser" {
        bail!(
            "{}: model = {:?} has no loss to optimize yet; models with one: [\"micromaser\"] (Eq. 11 of paper 001)",
            scenario_path.display(),
            file.model
        );
    }
    let dir = RunDir::create(out)?;
    dir.write_json("scenario", &file)?;
    let loss = StreamLoss::new(file.loss.clone())
        .with_context(|| format!("{}: [loss]", scenario_path.display()))?;
    let report = optimize_micromaser(&loss, &file.starts, &file.optimizer)?;
    write_report(&dir, "", &loss, &report)?;
    let best = report.best();
    let p = micromaser::Params {
        levels: file.loss.levels,
        g: file.loss.g,
        stream: loss.stream(&best.x)?,
        collisions: micromaser::CollisionGrid {
            number: file.trajectory.collisions,
            grid_points: file.trajectory.grid_points,
            grid: Vec::new(),
        },
        output: micromaser::CollisionOutput {
            cutoff_tolerance: file.trajectory.cutoff_tolerance,
        },
        ..micromaser::Params::default()
    };
    let run = micromaser::run(&p).context("simulating the optimized protocol")?;
    prov.finish();
    let origin = Origin {
        parameters: &serde_json::to_value(&p)?,
        source: None,
        provenance: &prov,
    };
    write_run(
        &dir,
        "trajectory",
        "optimized protocol",
        &run.trajectory,
        origin,
        Figures::None,
        Formats::CSV,
    )?;
    for w in &run.trajectory.warnings {
        eprintln!("warning: {w}");
    }
    dir.write_json("provenance", &prov)?;
    for (i, s) in report.starts.iter().enumerate() {
        let m = &s.minimum;
        println!(
            "start {i} ({:?}) {:?} -> {:?}: loss {:.6}, {} iterations, stop: {:?}",
            s.kind, m.start, m.x, m.value, m.iterations, m.stop
        );
    }
    if !report.replaced.is_empty() {
        println!(
            "{} random start(s) stalled on a flat plateau after one step and were replaced by fresh seeded ones: {:?}",
            report.replaced.len(),
            report.replaced
        );
    }
    let best_parts = loss.evaluate(&best.x, None)?;
    let gain = best_parts.charging_gain();
    if gain.abs() < 1e-9 {
        eprintln!(
            "warning: the best search ended where the loss's charging term W_n (1 − c̄)(1 − q̄) is {gain:.1e} \
             (e.g. the flat corner c = q = 1, which a first step from a high-penalty start can reach); \
             add starts (optimizer.random_starts, optimizer.grid_points)"
        );
    }
    println!(
        "optimum x = {:?}, loss = {:.6}, W_n = {:.4}; outputs in {}",
        best.x,
        best.value,
        best_parts.ergotropy,
        dir.path().display()
    );
    Ok(())
}

/// Multi-start minimization of a micromaser loss (library call; no physics here).
pub fn optimize_micromaser(
    loss: &StreamLoss,
    starts: &[Vec<f64>],
    options: &multistart::Options,
) -> Result<multistart::Report> {
    Ok(multistart::run(loss, &loss.bounds(), starts, options)?)
}

/// Writes `<prefix>optimum.json` (best point, its loss parts, the stream), `<prefix>starts.json`
/// (every start) and `<prefix>loss_history.{csv,png,svg}`.
pub fn write_report(
    dir: &RunDir,
    prefix: &str,
    loss: &StreamLoss,
    report: &multistart::Report,
) -> Result<()> {
    #[derive(Serialize)]
    struct Optimum<'a> {
        x: &'a [f64],
        parts: micromaser::LossParts,
        stream: Vec<micromaser::Batch>,
        stop: &'a qbattery::optimize::StopReason,
        start_index: usize,
        grid_evaluations: usize,
        replaced_starts: &'a [Vec<f64>],
    }
    let best = report.best();
    let optimum = Optimum {
        x: &best.x,
        parts: loss.evaluate(&best.x, None)?,
        stream: loss.stream(&best.x)?,
        stop: &best.stop,
        start_index: report.best,
        grid_evaluations: report.grid_evaluations,
        replaced_starts: &report.replaced,
    };
    dir.write_json(&format!("{prefix}optimum"), &optimum)?;
    dir.write_json(&format!("{prefix}starts"), &report.starts)?;
    let len = report
        .starts
        .iter()
        .map(|s| s.minimum.history.len())
        .max()
        .unwrap_or(0);
    let iters: Vec<f64> = (0..len).map(|i| i as f64).collect();
    let cols: Vec<(String, Vec<f64>)> = report
        .starts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut h = s.minimum.history.clone();
            h.resize(len, f64::NAN);
            (format!("start_{i}_{:?}", s.kind).to_lowercase(), h)
        })
        .collect();
    let mut table: Vec<(&str, &[f64])> = vec![("iteration", &iters)];
    table.extend(cols.iter().map(|(n, v)| (n.as_str(), v.as_slice())));
    dir.write_csv(&format!("{prefix}loss_history"), &table)?;
    if len > 1 {
        let plot = LinePlot {
            title: format!("{prefix}loss history"),
            x_label: "iteration".into(),
            y_label: "loss (Eq. 11)".into(),
            series: cols
                .iter()
                .map(|(n, v)| Series::new(n.clone(), iters.clone(), v.clone()))
                .collect(),
            log_x: false,
            log_y: false,
        };
        line_plot(&dir.path().join(format!("{prefix}loss_history")), &plot)?;
    }
    Ok(())
}
