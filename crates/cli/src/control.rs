//! `qbattery optimize SCENARIO` for a scenario with a `[control]` table: optimal control
//! of a drivable coupling ([`qbattery::models::control`]), written as `optimum.json`
//! (the protocol, E(τ), P(τ), its values at the check cutoff, the best constant protocol,
//! every start, warnings, settings and wall time), `starts.json`, the trajectory of the
//! optimized protocol and of the best constant one (`trajectory/`, `constant/`), and
//! plots of g(t) and of E(t) against the constant protocol.

use std::path::Path;

use anyhow::{Context, Result};
use qbattery::models::control::{self, Checked, ControlMethod, ControlOutcome, ControlSpec};
use qbattery::simulation::{memory, Run};
use serde::Serialize;

use crate::output::{Provenance, RunDir};
use crate::plot::{line_plot, LinePlot, Series};
use crate::results::{write_run, Figures, Formats, Origin};
use crate::simulate::Bar;

/// The summary written as `optimum.json`.
#[derive(Serialize)]
struct Optimum<'a> {
    method: &'a str,
    drive: &'a str,
    tau: f64,
    steps: usize,
    edges: &'a [f64],
    values: &'a [f64],
    /// E(τ) at the run's cutoff.
    energy: f64,
    /// P(τ) = E(τ)/τ.
    power: f64,
    objective: f64,
    top_population: f64,
    levels: usize,
    check: CheckSummary,
    best_constant: ConstantSummary,
    /// GRAPE: the index of the best start in `starts.json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    start_index: Option<usize>,
    /// SAC: the training run (steps, episodes, the step the protocol was found at).
    #[serde(skip_serializing_if = "Option::is_none")]
    training: Option<serde_json::Value>,
    block_dimension: usize,
    warnings: &'a [String],
    settings: &'a ControlSpec,
    wall_seconds: f64,
}

#[derive(Serialize)]
struct CheckSummary {
    levels: usize,
    energy: f64,
    power: f64,
    top_population: f64,
    relative_change: f64,
    converged: bool,
}

#[derive(Serialize)]
struct ConstantSummary {
    g: f64,
    objective: f64,
    energy: f64,
    energy_at_check: f64,
    converged: bool,
}

/// A protocol found by either method, with what the outputs report of it.
pub(crate) struct Found<'a> {
    pub(crate) method: &'static str,
    pub(crate) spec: &'a ControlSpec,
    pub(crate) edges: Vec<f64>,
    pub(crate) values: &'a [f64],
    pub(crate) result: &'a Checked,
    pub(crate) best_constant: &'a (f64, Checked),
    pub(crate) levels: [usize; 2],
    pub(crate) block_dimension: usize,
    pub(crate) start_index: Option<usize>,
    pub(crate) training: Option<serde_json::Value>,
    pub(crate) warnings: Vec<String>,
    pub(crate) wall_seconds: f64,
}

impl<'a> Found<'a> {
    fn grape(o: &'a ControlOutcome) -> Self {
        Self {
            method: "grape",
            spec: &o.spec,
            edges: o.edges.clone(),
            values: &o.values,
            result: &o.best().result,
            best_constant: &o.best_constant,
            levels: o.levels,
            block_dimension: o.block_dimension,
            start_index: Some(o.best),
            training: None,
            warnings: o.warnings.clone(),
            wall_seconds: o.wall_seconds,
        }
    }
}

/// Runs the control optimization of `table` (read from `source`) into `out`.
pub fn run(
    table: &toml::Table,
    source: &Path,
    out: &Path,
    max_memory: Option<u64>,
    mut prov: Provenance,
) -> Result<()> {
    eprintln!(
        "qbattery: optimizing the control of {} ({})",
        table
            .get("control")
            .and_then(|c| c.get("drive"))
            .and_then(|d| d.as_str())
            .unwrap_or("?"),
        source.display()
    );
    let method = ControlSpec::from_scenario(table)
        .with_context(|| format!("in {}", source.display()))?
        .method;
    let dir = RunDir::create(out)?;
    let grape;
    let sac;
    let found = match method {
        ControlMethod::Grape => {
            grape = control::optimize(table)
                .with_context(|| format!("optimizing {}", source.display()))?;
            dir.write_json("starts", &grape.starts)?;
            report_starts(&grape);
            Found::grape(&grape)
        }
        ControlMethod::Sac => {
            sac = crate::sac::search(table, &dir)
                .with_context(|| format!("optimizing {}", source.display()))?;
            sac.found()
        }
    };
    let spec = found.spec;
    let limit = memory::limit(max_memory);
    let trajectory = simulate(spec, table, found.values, limit)?;
    let constant = simulate(spec, table, &vec![found.best_constant.0; spec.steps], limit)?;
    prov.finish();
    for (sub, title, (run, params)) in [
        ("trajectory", "optimized protocol", &trajectory),
        ("constant", "best constant protocol", &constant),
    ] {
        let origin = Origin {
            parameters: params,
            source: None,
            provenance: &prov,
        };
        write_run(&dir, sub, title, run, origin, Figures::None, Formats::CSV)?;
    }
    write_summary(&dir, &found)?;
    plots(&dir, &found, &trajectory.0, &constant.0)?;
    dir.write_json("provenance", &prov)?;
    report(&found, &dir);
    Ok(())
}

/// The scenario simulated under the protocol `values` (t_max = τ, the scenario's samples),
/// with the model's parameters.
pub(crate) fn simulate(
    spec: &ControlSpec,
    table: &toml::Table,
    values: &[f64],
    limit: u64,
) -> Result<(Run, serde_json::Value)> {
    let mut t = spec.scenario_with(table, values)?;
    qbattery::scenario::apply_override(&mut t, &format!("time.t_max={:?}", spec.tau))?;
    let model = qbattery::scenario::load_table(t)?;
    let mut bar = Bar::default();
    let run = model
        .run(limit, &mut bar)
        .context("simulating the protocol")?;
    bar.finish();
    Ok((run, model.parameters()))
}

fn write_summary(dir: &RunDir, o: &Found<'_>) -> Result<()> {
    let r = o.result;
    let (g, c) = o.best_constant;
    let optimum = Optimum {
        method: o.method,
        drive: &o.spec.drive,
        tau: o.spec.tau,
        steps: o.spec.steps,
        edges: &o.edges,
        values: o.values,
        energy: r.run.energy,
        power: r.run.power,
        objective: r.run.objective,
        top_population: r.run.top_population,
        levels: o.levels[0],
        check: CheckSummary {
            levels: o.levels[1],
            energy: r.check.energy,
            power: r.check.power,
            top_population: r.check.top_population,
            relative_change: r.relative_change,
            converged: r.converged,
        },
        best_constant: ConstantSummary {
            g: *g,
            objective: c.run.objective,
            energy: c.run.energy,
            energy_at_check: c.check.energy,
            converged: c.converged,
        },
        start_index: o.start_index,
        training: o.training.clone(),
        block_dimension: o.block_dimension,
        warnings: &o.warnings,
        settings: o.spec,
        wall_seconds: o.wall_seconds,
    };
    dir.write_json("optimum", &optimum)?;
    Ok(())
}

fn plots(dir: &RunDir, o: &Found<'_>, optimized: &Run, constant: &Run) -> Result<()> {
    // g(t) as steps: each value drawn from its left edge to its right edge.
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (k, &g) in o.values.iter().enumerate() {
        x.extend([o.edges[k], o.edges[k + 1]]);
        y.extend([g, g]);
    }
    let units = &optimized.units;
    line_plot(
        &dir.path().join("protocol"),
        &LinePlot {
            title: format!("optimized {}", o.spec.drive),
            x_label: units.label("t"),
            y_label: format!("{} ({})", o.spec.drive, units.rate),
            series: vec![
                Series::new("optimized".into(), x.clone(), y),
                Series::new(
                    format!("best constant {:.3}", o.best_constant.0),
                    vec![0.0, o.spec.tau],
                    vec![o.best_constant.0; 2],
                ),
            ],
            log_x: false,
            log_y: false,
        },
    )?;
    let energy = |run: &Run| {
        run.series("energy")
            .map(<[f64]>::to_vec)
            .unwrap_or_default()
    };
    line_plot(
        &dir.path().join("energy"),
        &LinePlot {
            title: "stored energy under the optimized and the best constant protocol".into(),
            x_label: units.label("t"),
            y_label: units.label("energy"),
            series: vec![
                Series::new(
                    "optimized".into(),
                    optimized.grid.clone(),
                    energy(optimized),
                ),
                Series::new(
                    format!("constant g = {:.3}", o.best_constant.0),
                    constant.grid.clone(),
                    energy(constant),
                ),
            ],
            log_x: false,
            log_y: false,
        },
    )?;
    Ok(())
}

fn report_starts(o: &ControlOutcome) {
    for (i, s) in o.starts.iter().enumerate() {
        println!(
            "start {i} ({:?}, g₀ = {:.3}): E(τ) = {:.6} ({} levels), {:.6} ({} levels), {} iterations, stop: {:?}",
            s.kind,
            s.start,
            s.result.run.energy,
            o.levels[0],
            s.result.check.energy,
            o.levels[1],
            s.iterations,
            s.stop
        );
    }
}

fn report(o: &Found<'_>, dir: &RunDir) {
    for w in &o.warnings {
        eprintln!("warning: {w}");
    }
    let best = o.result;
    println!(
        "optimum ({}): E(τ) = {:.6}, P(τ) = {:.6} at {} levels; E(τ) = {:.6} at {} levels; best constant g = {:.3}: E(τ) = {:.6}; outputs in {}",
        o.method,
        best.run.energy,
        best.run.power,
        o.levels[0],
        best.check.energy,
        o.levels[1],
        o.best_constant.0,
        o.best_constant.1.run.energy,
        dir.path().display()
    );
}
