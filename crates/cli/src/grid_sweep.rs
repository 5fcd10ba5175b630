//! `qbattery sweep SCENARIO --axis key=start:stop:n [--axis key=v1,v2,…] --out DIR`: a grid
//! over any scenario keys of any model, run through the registry, points in parallel,
//! each finished point appended to `DIR/checkpoint.jsonl` at once (so a sweep killed at any
//! moment, even by `kill -9`, resumes with no point lost, duplicated or recomputed); then
//! `sweep.csv` (the axes and every point's summary scalars, headers with units), `sweep.json` (axes, labels,
//! failures, provenance) and a line plot (1-D) or heatmap (2-D) of each scalar in `plots/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use qbattery::simulation::{memory, Silent, Units};
use serde::{Deserialize, Serialize};

use crate::output::{Provenance, RunDir};
use crate::plot::{heatmap, line_plot, Heatmap, LinePlot, Series};
use crate::sweep::{run_sweep_reporting, Report};

/// One axis of a sweep: a scenario key and its values (TOML literals).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    /// The dotted scenario key, e.g. `coupling.g`.
    pub key: String,
    /// The values, as written in a `--set key=value`.
    pub values: Vec<String>,
}

/// Most points in one sweep.
const MAX_POINTS: usize = 1_000_000;

impl Axis {
    /// Parses `key=start:stop:n` (n evenly spaced numbers, both ends included) or
    /// `key=v1,v2,…` (any TOML values, e.g. `coupling.kind=rabi,jaynes_cummings`).
    pub fn parse(text: &str) -> Result<Self> {
        let (key, spec) = text
            .split_once('=')
            .with_context(|| format!("--axis {text}: expected key=start:stop:n or key=v1,v2,…"))?;
        let key = key.trim().to_string();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            bail!("--axis {text}: the key must be a dotted path such as `coupling.g`");
        }
        let parts: Vec<&str> = spec.split(':').collect();
        let values = if parts.len() == 3 {
            let num = |s: &str, what: &str| -> Result<f64> {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .with_context(|| format!("--axis {text}: {what} `{s}` is not a finite number"))
            };
            let (a, b) = (num(parts[0], "start")?, num(parts[1], "stop")?);
            let n: usize = parts[2]
                .trim()
                .parse()
                .ok()
                .filter(|&n| n >= 1)
                .with_context(|| {
                    format!("--axis {text}: n `{}` must be a whole number ≥ 1", parts[2])
                })?;
            let integers = [parts[0], parts[1]]
                .iter()
                .all(|s| s.trim().parse::<i64>().is_ok());
            let step = if n > 1 { (b - a) / (n - 1) as f64 } else { 0.0 };
            if integers && n > 1 && (step.fract() != 0.0) {
                bail!("--axis {text}: integer ends with a non-integer step {step}; write the ends as decimals (e.g. {a:.1}) for a real axis");
            }
            (0..n)
                .map(|i| {
                    let v = a + step * i as f64;
                    if integers {
                        format!("{}", v.round() as i64)
                    } else {
                        format!("{v:?}")
                    }
                })
                .collect()
        } else {
            spec.split(',')
                .map(|v| v.trim().to_string())
                .collect::<Vec<_>>()
        };
        if values.iter().any(String::is_empty) {
            bail!("--axis {text}: an empty value");
        }
        Ok(Self { key, values })
    }

    /// Each value as a number for tables and plots (its position when it is not numeric).
    fn coordinates(&self) -> (Vec<f64>, bool) {
        let parsed: Vec<Option<f64>> = self
            .values
            .iter()
            .map(|v| match v.as_str() {
                "true" => Some(1.0),
                "false" => Some(0.0),
                _ => v.parse::<f64>().ok(),
            })
            .collect();
        if parsed.iter().all(Option::is_some) {
            (
                parsed
                    .into_iter()
                    .map(|v| v.expect("all numeric"))
                    .collect(),
                true,
            )
        } else {
            ((0..self.values.len()).map(|i| i as f64).collect(), false)
        }
    }
}

/// A sweep point: every override that defines it (the base `--set`s, then the axes').
#[derive(Debug, Clone, Serialize)]
struct Point {
    set: Vec<String>,
}

/// What a point leaves in the checkpoint: its summary scalars (null for a non-finite one)
/// and its warnings.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PointResult {
    scalars: BTreeMap<String, Option<f64>>,
    warnings: Vec<String>,
}

/// One share of a sweep, for job arrays without MPI (`--shard i/n`, 1 ≤ i ≤ n): the points
/// whose index k (in the grid's order) has k mod n = i − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// i, from 1.
    pub index: usize,
    /// n.
    pub count: usize,
}

impl Shard {
    /// Parses `i/n` with 1 ≤ i ≤ n.
    pub fn parse(text: &str) -> Result<Self> {
        let parsed = text.split_once('/').and_then(|(i, n)| {
            Some(Self {
                index: i.trim().parse().ok()?,
                count: n.trim().parse().ok()?,
            })
        });
        match parsed {
            Some(s) if s.count >= 1 && (1..=s.count).contains(&s.index) => Ok(s),
            _ => bail!("--shard {text}: expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/8"),
        }
    }

    fn holds(&self, k: usize) -> bool {
        k % self.count == self.index - 1
    }
}

/// What a shard's directory records (`shard.json`) so that `sweep merge` can check that its
/// shards belong to one sweep and rebuild the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShardRecord {
    scenario: std::path::PathBuf,
    /// FNV-1a of the scenario's text: a scenario edited between the shards is refused.
    scenario_hash: String,
    axes: Vec<AxisRecord>,
    overrides: Vec<String>,
    shard: Shard,
}

/// An axis as recorded in `shard.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AxisRecord {
    key: String,
    values: Vec<String>,
}

/// Every point of the grid (axis 0 varying slowest), each read and checked before any runs,
/// and the units of their numbers.
fn grid(
    text: &str,
    scenario: &Path,
    axes: &[Axis],
    overrides: &[String],
) -> Result<(Vec<Point>, Units)> {
    if axes.is_empty() {
        bail!("a sweep needs at least one --axis key=start:stop:n or key=v1,v2,…");
    }
    if let Some(dup) = axes
        .iter()
        .enumerate()
        .find_map(|(i, a)| axes[..i].iter().any(|b| b.key == a.key).then_some(&a.key))
    {
        bail!("--axis {dup} is given twice");
    }
    let count = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .filter(|&n| n <= MAX_POINTS)
        .with_context(|| format!("the grid has more than {MAX_POINTS} points"))?;
    let mut points = Vec::with_capacity(count);
    let mut units: Option<Units> = None;
    for index in 0..count {
        let mut set = overrides.to_vec();
        let mut rest = index;
        for a in axes.iter().rev() {
            set.push(format!("{}={}", a.key, a.values[rest % a.values.len()]));
            rest /= a.values.len();
        }
        set[overrides.len()..].reverse();
        let model = qbattery::scenario::load(text, &set).with_context(|| {
            format!(
                "in {}, sweep point #{index} ({})",
                scenario.display(),
                set[overrides.len()..].join(" ")
            )
        })?;
        units = Some(match units {
            Some(u) if u != model.units() => Units {
                note: Some(
                    "the sweep varies the parameter the model's units are named after: \
                     numbers are in the unit u of the scenario's parameters"
                        .into(),
                ),
                ..Units::default()
            },
            Some(u) => u,
            None => model.units(),
        });
        points.push(Point { set });
    }
    Ok((points, units.unwrap_or_default()))
}

/// Runs the sweep (or, with `shard`, its share: then `DIR/shard.json` and the checkpoint,
/// for `sweep merge`); see the module documentation. Progress goes to the terminal's bar,
/// or to `report` when given.
pub fn run(
    scenario: &Path,
    axes: &[Axis],
    overrides: &[String],
    out: &Path,
    max_memory: Option<u64>,
    shard: Option<Shard>,
    report: Option<Report<'_>>,
) -> Result<()> {
    let mut prov = Provenance::start(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
    let text = crate::scenario::read(Some(scenario))?;
    let (points, units) = grid(&text, scenario, axes, overrides)?;
    let count = points.len();
    let mine: Vec<Point> = match shard {
        Some(s) => points
            .iter()
            .enumerate()
            .filter(|(k, _)| s.holds(*k))
            .map(|(_, p)| p.clone())
            .collect(),
        None => points.clone(),
    };
    let checkpoint = out.join("checkpoint.jsonl");
    let Some(results) = run_points(&text, &mine, &checkpoint, max_memory, report)? else {
        return Ok(());
    };
    let dir = RunDir::create(out)?;
    prov.finish();
    if let Some(s) = shard {
        let record = ShardRecord {
            scenario: std::fs::canonicalize(scenario).unwrap_or_else(|_| scenario.to_path_buf()),
            scenario_hash: crate::sweep::key_of(&text)?,
            axes: axes
                .iter()
                .map(|a| AxisRecord {
                    key: a.key.clone(),
                    values: a.values.clone(),
                })
                .collect(),
            overrides: overrides.to_vec(),
            shard: s,
        };
        dir.write_json("shard.json", &record)?;
        eprintln!(
            "qbattery: shard {}/{} ({} of {count} points) written to {} ({:.2} s); \
             merge the shards with `qbattery sweep merge DIR… --out DIR`",
            s.index,
            s.count,
            mine.len(),
            dir.path().display(),
            prov.wall_seconds
        );
        return Ok(());
    }
    write_outputs(&dir, scenario, axes, &points, &results, &units, &prov)
}

/// Runs `points` resumably from `checkpoint`: on this machine's cores or, in a build with
/// the `mpi` feature started by `mpirun`, over the job's ranks (`crate::mpi_sweep`). `None`
/// on the ranks other than 0, which write nothing.
fn run_points(
    text: &str,
    points: &[Point],
    checkpoint: &Path,
    max_memory: Option<u64>,
    report: Option<Report<'_>>,
) -> Result<Option<Vec<PointResult>>> {
    #[cfg(feature = "mpi")]
    let ranks = crate::mpi_sweep::Ranks::init()?;
    // The ranks on one machine share its memory, and each runs `threads` points at once.
    #[cfg(feature = "mpi")]
    let sharing = ranks.as_ref().map_or(1, |r| r.on_node() as u64);
    #[cfg(not(feature = "mpi"))]
    let sharing = 1;
    let threads = rayon::current_num_threads().max(1) as u64;
    let limit = memory::limit(max_memory) / (threads * sharing);
    let evaluate = |p: &Point| {
        let model = qbattery::scenario::load(text, &p.set)?;
        let run = model.run(limit, &mut Silent)?;
        Ok(PointResult {
            scalars: run
                .summary_scalars()
                .into_iter()
                .map(|(k, v)| (k, v.is_finite().then_some(v)))
                .collect(),
            warnings: run.warnings.iter().map(|w| w.to_string()).collect(),
        })
    };
    #[cfg(feature = "mpi")]
    if let Some(ranks) = &ranks {
        return crate::mpi_sweep::run_sweep(ranks, "sweep", points, checkpoint, evaluate, report);
    }
    run_sweep_reporting("sweep", points, checkpoint, evaluate, report).map(Some)
}

/// Merges the shard directories `dirs` of one sweep (`--shard i/n`, every i once) into the
/// whole sweep's outputs in `out`, as a single run would have written them. Refuses shards
/// of different sweeps (scenario, its text, axes or overrides differ), a shard given twice
/// or missing, and a point without a result.
pub fn merge(dirs: &[std::path::PathBuf], out: &Path) -> Result<()> {
    let mut prov = Provenance::start(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
    let mut records = Vec::new();
    for d in dirs {
        let path = d.join("shard.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: not a shard directory (run `qbattery sweep … --shard i/n --out DIR`)",
                path.display()
            )
        })?;
        let record: ShardRecord =
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        records.push(record);
    }
    let Some(first) = records.first() else {
        bail!("sweep merge: no shard directories given");
    };
    for (d, r) in dirs.iter().zip(&records) {
        let same = r.scenario == first.scenario
            && r.scenario_hash == first.scenario_hash
            && r.axes == first.axes
            && r.overrides == first.overrides
            && r.shard.count == first.shard.count;
        if !same {
            bail!(
                "sweep merge: {} is a shard of another sweep than {} (scenario, its text, axes, overrides or shard count differ)",
                d.display(),
                dirs[0].display()
            );
        }
    }
    let n = first.shard.count;
    for i in 1..=n {
        let holders: Vec<String> = dirs
            .iter()
            .zip(&records)
            .filter(|(_, r)| r.shard.index == i)
            .map(|(d, _)| d.display().to_string())
            .collect();
        match holders.len() {
            1 => {}
            0 => bail!("sweep merge: shard {i}/{n} is missing"),
            _ => bail!(
                "sweep merge: shard {i}/{n} is given twice: {}",
                holders.join(", ")
            ),
        }
    }
    let text = crate::scenario::read(Some(&first.scenario))?;
    if crate::sweep::key_of(&text)? != first.scenario_hash {
        bail!(
            "sweep merge: {} changed since the shards ran",
            first.scenario.display()
        );
    }
    let axes: Vec<Axis> = first
        .axes
        .iter()
        .map(|a| Axis {
            key: a.key.clone(),
            values: a.values.clone(),
        })
        .collect();
    let (points, units) = grid(&text, &first.scenario, &axes, &first.overrides)?;
    let mut stored = std::collections::HashMap::new();
    for d in dirs {
        stored.extend(crate::sweep::stored_results(&d.join("checkpoint.jsonl"))?);
    }
    let mut results = Vec::with_capacity(points.len());
    for (k, p) in points.iter().enumerate() {
        let value = stored.remove(&crate::sweep::key_of(p)?).with_context(|| {
            format!(
                "sweep merge: point #{k} ({}) has no result in shard {}/{n}: rerun that shard",
                p.set[first.overrides.len()..].join(" "),
                k % n + 1
            )
        })?;
        results.push(serde_json::from_value::<PointResult>(value)?);
    }
    prov.finish();
    let dir = RunDir::create(out)?;
    write_outputs(
        &dir,
        &first.scenario,
        &axes,
        &points,
        &results,
        &units,
        &prov,
    )
}

/// Writes the whole sweep's outputs (`sweep.csv`, plots, `sweep.json`) and reports on
/// stderr.
fn write_outputs(
    dir: &RunDir,
    scenario: &Path,
    axes: &[Axis],
    points: &[Point],
    results: &[PointResult],
    units: &Units,
    prov: &Provenance,
) -> Result<()> {
    let names: BTreeSet<&String> = results.iter().flat_map(|r| r.scalars.keys()).collect();
    let coords: Vec<(Vec<f64>, bool)> = axes.iter().map(Axis::coordinates).collect();
    // The coordinate of point i on axis k (axis 0 varies slowest).
    let strides: Vec<usize> = (0..axes.len())
        .map(|k| axes[k + 1..].iter().map(|a| a.values.len()).product())
        .collect();
    let at = |i: usize, k: usize| (i / strides[k]) % axes[k].values.len();
    let mut columns: Vec<(String, Vec<f64>)> = axes
        .iter()
        .enumerate()
        .map(|(k, a)| {
            (
                a.key.clone(),
                (0..points.len()).map(|i| coords[k].0[at(i, k)]).collect(),
            )
        })
        .collect();
    for name in &names {
        columns.push((
            units.header(name),
            results
                .iter()
                .map(|r| r.scalars.get(*name).copied().flatten().unwrap_or(f64::NAN))
                .collect(),
        ));
    }
    let table: Vec<(&str, &[f64])> = columns
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    dir.write_csv("sweep.csv", &table)?;
    let mut notes = Vec::new();
    let plottable = |k: usize| {
        coords[k].0.windows(2).all(|w| w[1] > w[0]) || coords[k].0.windows(2).all(|w| w[1] < w[0])
    };
    for (name, (_, z)) in names.iter().zip(&columns[axes.len()..]) {
        let stem = dir.path().join("plots").join(name.as_str());
        match axes.len() {
            1 => {
                line_plot(
                    &stem,
                    &LinePlot {
                        title: format!("{name} vs {}", axes[0].key),
                        x_label: axes[0].key.clone(),
                        y_label: units.label(name),
                        series: vec![Series::new((*name).clone(), coords[0].0.clone(), z.clone())],
                        log_x: false,
                        log_y: false,
                    },
                )
                .with_context(|| format!("plotting {name}"))?;
            }
            2 if plottable(0)
                && plottable(1)
                && axes[0].values.len() > 1
                && axes[1].values.len() > 1 =>
            {
                if z.iter().all(|v| !v.is_finite()) {
                    notes.push(format!("{name}: no finite value, not plotted"));
                    continue;
                }
                let (nx, ny) = (axes[0].values.len(), axes[1].values.len());
                let grid: Vec<Vec<f64>> = (0..ny)
                    .map(|iy| (0..nx).map(|ix| z[ix * ny + iy]).collect())
                    .collect();
                heatmap(
                    &stem,
                    &Heatmap {
                        title: name.to_string(),
                        x_label: axes[0].key.clone(),
                        y_label: axes[1].key.clone(),
                        z_label: units.label(name),
                        x: coords[0].0.clone(),
                        y: coords[1].0.clone(),
                        z: grid,
                    },
                )
                .with_context(|| format!("plotting {name}"))?;
            }
            _ => {
                notes.push(format!("{name}: not plotted (plots are drawn for 1-D sweeps and 2-D sweeps over monotonic axes with ≥ 2 values each)"));
            }
        }
    }
    let warnings: Vec<serde_json::Value> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.warnings.is_empty())
        .map(|(i, r)| serde_json::json!({ "point": i, "set": points[i].set, "warnings": r.warnings }))
        .collect();
    let labels: serde_json::Map<String, serde_json::Value> = axes
        .iter()
        .zip(&coords)
        .filter(|(_, c)| !c.1)
        .map(|(a, _)| (a.key.clone(), serde_json::json!(a.values)))
        .collect();
    dir.write_json(
        "sweep.json",
        &serde_json::json!({
            "scenario": scenario,
            "axes": axes,
            "points": points.len(),
            "axis_labels": labels,
            "units": units,
            "warnings": warnings,
            "notes": notes,
            "provenance": prov,
        }),
    )?;
    let count = points.len();
    let warned = results.iter().filter(|r| !r.warnings.is_empty()).count();
    if warned > 0 {
        eprintln!("warning: {warned} of {count} points have warnings (see sweep.json)");
    }
    eprintln!(
        "qbattery: sweep of {count} point{} written to {} ({:.2} s)",
        if count == 1 { "" } else { "s" },
        dir.path().display(),
        prov.wall_seconds
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_ranges_and_lists() {
        let a = Axis::parse("coupling.g=0.0:1.0:5").unwrap();
        assert_eq!(a.values, ["0.0", "0.25", "0.5", "0.75", "1.0"]);
        let b = Axis::parse("chain.sites=2:6:3").unwrap();
        assert_eq!(b.values, ["2", "4", "6"]);
        assert!(Axis::parse("chain.sites=2:5:3").is_err());
        let c = Axis::parse("coupling.kind=rabi,jaynes_cummings").unwrap();
        assert_eq!(c.coordinates(), (vec![0.0, 1.0], false));
        assert!(Axis::parse("g").is_err());
        assert!(Axis::parse("g=0:1:0").is_err());
        assert!(Axis::parse("g=a:1:3").is_err());
    }
}
