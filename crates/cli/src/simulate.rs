//! `qbattery simulate` and `qbattery info`: run a scenario and write its outputs, or
//! describe what a run would do.

use crate::final_state::write_mode_state;
use crate::output::{Provenance, RunDir};
use crate::plot::{line_plot, LinePlot, Series};
use crate::scenario::{self, Scenario};
use anyhow::{Context, Result};
use qbattery::simulation::{self, Trajectory};
use std::path::Path;

/// Runs a scenario and writes `timeseries.csv`, `summary.json`, one PNG + SVG plot per
/// series and, for each bosonic mode, its final Fock populations and Wigner function
/// (`final_<mode>_populations.*`, `final_<mode>_wigner.*`) into `out`.
pub fn simulate(path: Option<&Path>, overrides: &[String], out: &Path) -> Result<()> {
    let mut provenance =
        Provenance::start(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
    let (scenario, source) = scenario::load(path, overrides)?;
    eprintln!("qbattery: running {} ({})", scenario.model(), source.name());
    let trajectory = run(&scenario).with_context(|| format!("simulating {}", source.name()))?;
    provenance.finish();

    let dir = RunDir::create(out)?;
    let mut columns: Vec<(&str, &[f64])> = vec![(trajectory.grid_name.as_str(), &trajectory.grid)];
    columns.extend(
        trajectory
            .series
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice())),
    );
    dir.write_csv("timeseries.csv", &columns)?;
    for (name, values) in &trajectory.series {
        let plot = LinePlot {
            title: format!("{} — {}", scenario.model(), name.replace('_', " ")),
            x_label: trajectory.grid_name.clone(),
            y_label: name.replace('_', " "),
            series: vec![Series {
                label: name.clone(),
                x: trajectory.grid.clone(),
                y: values.clone(),
            }],
            log_x: false,
            log_y: false,
        };
        line_plot(&dir.path().join(name), &plot).with_context(|| format!("plotting {name}"))?;
    }
    for (mode, rho) in &trajectory.final_modes {
        write_mode_state(
            &dir,
            &format!("final_{mode}"),
            &format!("{} — {mode} at the end of the run", scenario.model()),
            rho.as_ref(),
        )
        .with_context(|| format!("final state of {mode}"))?;
    }
    let summary = summary_json(&scenario, &source, &trajectory, &provenance);
    dir.write_json("summary.json", &summary)?;

    for w in &trajectory.warnings {
        eprintln!("warning: {w}");
    }
    for key in ["e_max", "t_e_max", "p_max", "t_p_max"] {
        if let Some(v) = trajectory.scalars.get(key) {
            eprintln!("  {key:>8} = {v:.10}");
        }
    }
    eprintln!(
        "qbattery: wrote {} ({:.2} s)",
        dir.path().display(),
        provenance.wall_seconds
    );
    Ok(())
}

/// The library call behind a scenario, with a progress bar on long runs.
pub fn run(scenario: &Scenario) -> qbattery::Result<Trajectory> {
    use qbattery::models::{cavity_chain, central_spin, micromaser, tavis_cummings};
    match scenario {
        Scenario::TavisCummings(p) => with_bar("time steps", p.time.times().len(), |f| {
            tavis_cummings::simulate_with_progress(p, f)
        }),
        Scenario::CavityChain(p) => with_bar("time steps", p.time.times().len(), |f| {
            cavity_chain::simulate_with_progress(p, f)
        }),
        // Exact block maxima: well under a second even at N_B = 1000, N = 10⁴.
        Scenario::CentralSpin(p) => central_spin::simulate(p),
        Scenario::Micromaser(p) => with_bar("collisions", p.collisions, |f| {
            micromaser::run_with_progress(p, f).map(|r| r.trajectory)
        }),
    }
}

/// Runs `f` with a progress callback that drives a bar of `len` steps named `name`.
fn with_bar<T>(name: &str, len: usize, f: impl FnOnce(&mut dyn FnMut(usize)) -> T) -> T {
    let bar = crate::sweep::progress_bar(name, len, 0);
    let out = f(&mut |k| bar.set_position(k as u64));
    bar.finish_and_clear();
    out
}

/// The summary: scalars at the top level (`e_max`, …, and `final` with the last value of
/// every series), then parameters, solver, warnings and provenance.
fn summary_json(
    scenario: &Scenario,
    source: &scenario::Source,
    t: &Trajectory,
    provenance: &Provenance,
) -> serde_json::Value {
    let mut summary = serde_json::Map::new();
    for (k, v) in &t.scalars {
        if !k.starts_with("final_") {
            summary.insert(k.clone(), serde_json::json!(v));
        }
    }
    let finals: serde_json::Map<String, serde_json::Value> = t
        .series
        .iter()
        .filter_map(|(n, v)| v.last().map(|x| (n.clone(), serde_json::json!(x))))
        .collect();
    summary.insert("final".into(), serde_json::Value::Object(finals));
    summary.insert(
        "parameters".into(),
        serde_json::to_value(scenario).unwrap_or(serde_json::Value::Null),
    );
    summary.insert(
        "scenario".into(),
        serde_json::to_value(source).unwrap_or(serde_json::Value::Null),
    );
    summary.insert(
        "solver".into(),
        serde_json::to_value(&t.solver).unwrap_or(serde_json::Value::Null),
    );
    summary.insert(
        "warnings".into(),
        serde_json::Value::Array(
            t.warnings
                .iter()
                .map(|w| serde_json::json!({"message": w.to_string(), "detail": w}))
                .collect(),
        ),
    );
    summary.insert(
        "package_version".into(),
        serde_json::json!(provenance.package_version),
    );
    summary.insert(
        "wall_seconds".into(),
        serde_json::json!(provenance.wall_seconds),
    );
    summary.insert(
        "provenance".into(),
        serde_json::to_value(provenance).unwrap_or(serde_json::Value::Null),
    );
    serde_json::Value::Object(summary)
}

/// Prints the space, its dimension, the blocks a run would use and a memory estimate.
pub fn info(path: Option<&Path>, overrides: &[String]) -> Result<()> {
    let (scenario, source) = scenario::load(path, overrides)?;
    let problem = match &scenario {
        Scenario::TavisCummings(p) => p.problem()?,
        Scenario::CavityChain(p) => {
            let (problem, warnings) = p.problem()?;
            for w in warnings {
                println!("warning:    {w}");
            }
            problem
        }
        Scenario::CentralSpin(p) => return central_spin_info(&source, p),
        Scenario::Micromaser(p) => {
            println!("scenario:   {}", source.name());
            println!("model:      micromaser");
            println!(
                "space:      cavity: mode({} levels), met by one fresh qubit per collision",
                p.levels
            );
            println!("method:     collision map on the cavity state, block-diagonal {{|n,e⟩, |n+1,g⟩}} unitary: O(N_c²) per collision");
            println!("memory:     ~{}", human_bytes(4 * p.levels * p.levels * 16));
            return Ok(());
        }
    };
    let plan = simulation::plan(&problem)?;
    println!("scenario:   {}", source.name());
    println!("model:      {}", scenario.model());
    println!("space:      {}", problem.space.describe());
    println!("dimension:  {}", plan.full_dim);
    match problem.charge.as_ref() {
        Some(c) => println!("symmetry:   {}", c.describe()),
        None => println!("symmetry:   none used"),
    }
    println!(
        "evolved in: {} (dimension {})",
        plan.subspace.label(),
        plan.subspace.dim()
    );
    let blocks: Vec<String> = plan
        .blocks
        .iter()
        .map(|(q, d)| q.map_or(format!("{d}"), |q| format!("Q={q}: {d}")))
        .collect();
    println!("blocks:     {}", blocks.join(", "));
    println!("method:     {}", plan.method);
    println!("memory:     ~{}", human_bytes(plan.memory_bytes));
    Ok(())
}

/// `info` for the central-spin model, which is solved block by block without a generic
/// `Problem`: the blocks are those of the conserved m + k the initial state occupies.
fn central_spin_info(
    source: &scenario::Source,
    p: &qbattery::models::central_spin::Params,
) -> Result<()> {
    let model = p.model();
    let space = model.space()?;
    let charging = qbattery::models::central_spin::Charging::new(&model, &p.initial)?;
    let (count, largest) = charging.blocks();
    println!("scenario:   {}", source.name());
    println!("model:      central_spin");
    println!("space:      {}", space.describe());
    println!("dimension:  {}", space.dim()?);
    println!("symmetry:   {}", model.charge()?.describe());
    println!(
        "blocks:     {count} (charges {:?}), largest dimension {largest}",
        charging.sector_charges()
    );
    println!("method:     block eigen-decomposition, exact E(t); certified E_max, P_max");
    println!(
        "memory:     ~{}",
        human_bytes(count * 3 * largest * largest * 16)
    );
    Ok(())
}

fn human_bytes(b: usize) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", units[u])
}
