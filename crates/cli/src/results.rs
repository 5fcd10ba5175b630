//! The one writer of a [`Run`]: `timeseries.csv` (headers with units, e.g. `energy [ħω_a]`),
//! one PNG + SVG plot per series (axes with units), the final Fock populations and Wigner
//! function of every mode, and `summary.json` with the units, parameters, solver, steady
//! state, warnings and provenance that made it.

use anyhow::{Context, Result};
use qbattery::simulation::Run;

use crate::final_state::write_mode_state;
use crate::output::{Provenance, RunDir};
use crate::plot::{line_plot, LinePlot, Series};
use crate::scenario::Source;

/// What to write besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figures {
    /// A plot per series and the final mode states (a `simulate` run).
    All,
    /// Data only (many curves of a reproduction).
    None,
}

/// The data formats of a run's series and final state: CSV (`timeseries.csv`) and NumPy
/// (`timeseries.npz` with one array per column, `final_battery.npy` with ρ_B as complex128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    /// `timeseries.csv`.
    pub csv: bool,
    /// `timeseries.npz` and `final_battery.npy`.
    pub npy: bool,
}

impl Formats {
    /// CSV only.
    pub const CSV: Formats = Formats {
        csv: true,
        npy: false,
    };
}

/// What made a run, for its summary.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The model's parameters.
    pub parameters: &'a serde_json::Value,
    /// The scenario file and overrides, when the run came from one.
    pub source: Option<&'a Source>,
    /// The command, version and wall time.
    pub provenance: &'a Provenance,
}

/// Writes `run` under `dir/sub` (`sub` empty: `dir` itself): `timeseries.csv` and/or
/// `timeseries.npz` + `final_battery.npy` (by `formats`), `summary.json` and, with
/// [`Figures::All`], a plot per series and the final states of the modes. `title` heads the plots; `origin` goes into the summary.
pub fn write_run(
    dir: &RunDir,
    sub: &str,
    title: &str,
    run: &Run,
    origin: Origin<'_>,
    figures: Figures,
    formats: Formats,
) -> Result<()> {
    let prefix = if sub.is_empty() {
        String::new()
    } else {
        format!("{sub}/")
    };
    let units = &run.units;
    let headers: Vec<String> = std::iter::once(&run.grid_name)
        .chain(run.series.iter().map(|(n, _)| n))
        .map(|n| units.header(n))
        .collect();
    let mut columns: Vec<(&str, &[f64])> = vec![(headers[0].as_str(), &run.grid)];
    columns.extend(
        headers[1..]
            .iter()
            .zip(&run.series)
            .map(|(h, (_, v))| (h.as_str(), v.as_slice())),
    );
    if formats.csv {
        dir.write_csv(&format!("{prefix}timeseries.csv"), &columns)?;
    }
    if formats.npy {
        let arrays: Vec<(&str, &[f64])> = std::iter::once((run.grid_name.as_str(), &run.grid[..]))
            .chain(run.series.iter().map(|(n, v)| (n.as_str(), v.as_slice())))
            .collect();
        dir.write_npz(&format!("{prefix}timeseries.npz"), &arrays)?;
        if let Some(rho) = &run.final_battery {
            let n = rho.nrows();
            let data = qbattery::row_major(rho.as_ref());
            dir.write_npy(&format!("{prefix}final_battery.npy"), &[n, n], &data)?;
        }
    }
    if figures == Figures::All {
        for (name, values) in &run.series {
            let plot = LinePlot {
                title: format!("{title} — {}", name.replace('_', " ")),
                x_label: units.label(&run.grid_name),
                y_label: units.label(name),
                series: vec![Series::new(name.clone(), run.grid.clone(), values.clone())],
                log_x: false,
                log_y: false,
            };
            line_plot(&dir.path().join(format!("{prefix}{name}")), &plot)
                .with_context(|| format!("plotting {name}"))?;
        }
        for (mode, rho) in &run.final_modes {
            write_mode_state(
                dir,
                &format!("{prefix}final_{mode}"),
                &format!("{title} — {mode} at the end of the run"),
                rho.as_ref(),
            )
            .with_context(|| format!("final state of {mode}"))?;
        }
    }
    dir.write_json(&format!("{prefix}summary.json"), &summary_json(run, origin))?;
    Ok(())
}

/// The summary: scalars at the top level (`e_max`, …), `final` with the last value of
/// every series, `steady_state`, `units`, then parameters, scenario, solver, warnings and
/// provenance.
pub fn summary_json(run: &Run, origin: Origin<'_>) -> serde_json::Value {
    let provenance = origin.provenance;
    let mut summary = serde_json::Map::new();
    for (k, v) in &run.scalars {
        if !k.starts_with("final_") {
            summary.insert(k.clone(), serde_json::json!(v));
        }
    }
    let finals: serde_json::Map<String, serde_json::Value> = run
        .series
        .iter()
        .filter_map(|(n, v)| v.last().map(|x| (n.clone(), serde_json::json!(x))))
        .collect();
    summary.insert("final".into(), serde_json::Value::Object(finals));
    if let Some(s) = &run.steady_state {
        summary.insert("steady_state".into(), serde_json::json!(s));
    }
    if let Some(c) = &run.cutoff_check {
        summary.insert("cutoff_check".into(), serde_json::json!(c));
    }
    summary.insert("units".into(), units_json(run));
    summary.insert("parameters".into(), origin.parameters.clone());
    summary.insert("scenario".into(), serde_json::json!(origin.source));
    summary.insert("solver".into(), serde_json::json!(run.solver));
    summary.insert(
        "warnings".into(),
        serde_json::Value::Array(
            run.warnings
                .iter()
                .map(|w| serde_json::json!({"message": w.to_string(), "detail": w}))
                .collect(),
        ),
    );
    summary.insert(
        "package_version".into(),
        serde_json::json!(provenance.package_version),
    );
    summary.insert("run_seconds".into(), serde_json::json!(run.wall_seconds));
    summary.insert(
        "wall_seconds".into(),
        serde_json::json!(provenance.wall_seconds),
    );
    summary.insert("provenance".into(), serde_json::json!(provenance));
    serde_json::Value::Object(summary)
}

/// `units`: the model's energy, time and power units (and why they are not the paper's,
/// when they are not), and `of`: the unit of the grid, of every series and of every
/// top-level scalar that has one.
fn units_json(run: &Run) -> serde_json::Value {
    let units = &run.units;
    let names = std::iter::once(&run.grid_name)
        .chain(run.series.iter().map(|(n, _)| n))
        .chain(run.scalars.keys());
    let of: serde_json::Map<String, serde_json::Value> = names
        .filter_map(|n| units.of(n).map(|u| (n.clone(), serde_json::json!(u))))
        .collect();
    let mut value = serde_json::json!(units);
    value["of"] = serde_json::Value::Object(of);
    value
}
