//! The `qbattery` command: run scenario files, inspect them, reproduce the papers.
//!
//! A thin binary over `qbattery_cli` (scenarios, writers, plots) and the `qbattery`
//! library (all the physics).

#![forbid(unsafe_code)]

use qbattery_cli::{grid_sweep, optimize, reproduce, results, simulate};

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Model, simulate and optimise quantum batteries.
#[derive(Debug, Parser)]
#[command(name = "qbattery", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario: writes timeseries.csv (or .npz), summary.json and a PNG + SVG plot per
    /// metric.
    Simulate {
        /// Scenario file (TOML); without it, the embedded Tavis–Cummings example runs.
        scenario: Option<PathBuf>,
        /// Output directory.
        #[arg(long, default_value = "out/simulate")]
        out: PathBuf,
        /// Override a scenario value by its dotted path, e.g. `--set coupling.g=0.3`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Memory a run may use (e.g. `8G`, `512M`); default: what the machine has available.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_memory: Option<u64>,
        /// Data formats, comma-separated: `csv` (timeseries.csv) and/or `npy`
        /// (timeseries.npz, one array per column, and final_battery.npy, ρ_B as complex128).
        #[arg(long, value_enum, value_delimiter = ',', default_value = "csv")]
        format: Vec<DataFormat>,
    },
    /// Describe a scenario: its space, dimension, symmetry blocks and a memory estimate.
    Info {
        /// Scenario file (TOML); without it, the embedded Tavis–Cummings example.
        scenario: Option<PathBuf>,
        /// Override a scenario value by its dotted path.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Memory a run may use (e.g. `8G`); default: what the machine has available.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_memory: Option<u64>,
    },
    /// Run a scenario on a grid of parameter values (any model, points in parallel,
    /// resumable): writes sweep.csv, sweep.json and a plot (1-D) or heatmap (2-D) per scalar.
    /// `--shard i/n` runs a share (job arrays); `sweep merge DIR… --out DIR` joins the shares.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Sweep {
        /// `merge`: join the shards of one sweep.
        #[command(subcommand)]
        merge: Option<SweepCommand>,
        /// Scenario file (TOML).
        #[arg(required = true)]
        scenario: Option<PathBuf>,
        /// An axis: `key=start:stop:n` (n evenly spaced values) or `key=v1,v2,…`; repeat for a
        /// grid, e.g. `--axis coupling.g=0.2:1.0:5 --axis chain.j=-1.0,0.0,1.0`.
        #[arg(long = "axis", value_name = "KEY=VALUES", required = true)]
        axes: Vec<String>,
        /// Run only share i of n (1 ≤ i ≤ n: the points k with k mod n = i − 1), e.g. from a
        /// Slurm job array; writes DIR/shard.json and the checkpoint for `sweep merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Output directory (its checkpoint.jsonl makes a rerun resume).
        #[arg(long, default_value = "out/sweep")]
        out: PathBuf,
        /// Override a scenario value at every point.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Memory the whole sweep may use (shared by the parallel points); default: available.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_memory: Option<u64>,
    },
    /// List the models a scenario can name.
    Models,
    /// Optimise a model's protocol from a scenario: micromaser qubit streams (paper 001, a
    /// `[loss]` table) or a drivable coupling g(t) by GRAPE (a `[control]` table, e.g. the
    /// cavity chain of paper 000); writes the optimum, every start and the optimised trajectory.
    Optimize {
        /// Optimisation scenario (TOML), e.g. `examples/micromaser_optimize.toml`.
        scenario: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "out/optimize")]
        out: PathBuf,
        /// Override a scenario value by its dotted path, e.g. `--set loss.lambda=100`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Memory each simulation may use (e.g. `8G`); default: what the machine has available.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_memory: Option<u64>,
    },
    /// Regenerate a paper's figures and tables as data, PNG/SVG plots and a markdown report.
    Reproduce {
        /// Which paper.
        paper: Paper,
        /// Output directory.
        #[arg(long, default_value = "out/reproduce")]
        out: PathBuf,
    },
}

/// `qbattery sweep merge`.
#[derive(Debug, Subcommand)]
enum SweepCommand {
    /// Merge the shard directories of one sweep (`--shard i/n`, every i once) into the whole
    /// sweep's sweep.csv, sweep.json and plots, as one run would have written them.
    Merge {
        /// The shards' output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory of the merged sweep.
        #[arg(long, default_value = "out/sweep")]
        out: PathBuf,
    },
}

/// A data format of `simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DataFormat {
    /// timeseries.csv
    Csv,
    /// timeseries.npz and final_battery.npy, for `numpy.load`
    Npy,
}

/// The papers `reproduce` knows.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Paper {
    /// Cavity–spin-j chain battery (paper 000): Figs. 2, 3, 7–9, 12 and 13.
    CavityChain,
    /// Its optimal control (paper 000): Figs. 4–6 and 10–11 by GRAPE, cutoff-checked.
    CavityChainControl,
    /// Multiple central-spin battery (paper 004): Figs. 2–5, Table I, Eq. (31).
    CentralSpin,
    /// Micromaser battery (paper 001): Figs. 3–4 and the optimisations of Sec. III.
    Micromaser,
    /// Star network charged by fermionic reservoirs (paper 002): Figs. 2–6, the steady
    /// states' initial-state dependence, the approach in time.
    Star,
    /// Entanglement and steering batteries (paper 003): Figs. 1–5, the Field-QB and the
    /// two-qubit cavity battery, the paper's formulas against the computed values.
    Steering,
    /// Every reproduction above, each into its own directory, with an index README.md
    /// linking the reports and their wall times; fails if any of them fails.
    All,
}

impl Paper {
    /// The reproduction's name (its directory under `--out`); `None` for `all`.
    fn name(self) -> Option<&'static str> {
        Some(match self {
            Paper::CavityChain => "cavity-chain",
            Paper::CavityChainControl => "cavity-chain-control",
            Paper::CentralSpin => "central-spin",
            Paper::Micromaser => "micromaser",
            Paper::Star => "star",
            Paper::Steering => "steering",
            Paper::All => return None,
        })
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate {
            scenario,
            out,
            overrides,
            max_memory,
            format,
        } => {
            let formats = results::Formats {
                csv: format.contains(&DataFormat::Csv),
                npy: format.contains(&DataFormat::Npy),
            };
            simulate::simulate(scenario.as_deref(), &overrides, &out, max_memory, formats)
        }
        Command::Info {
            scenario,
            overrides,
            max_memory,
        } => simulate::info(scenario.as_deref(), &overrides, max_memory),
        Command::Sweep {
            merge: Some(SweepCommand::Merge { dirs, out }),
            ..
        } => grid_sweep::merge(&dirs, &out),
        Command::Sweep {
            merge: None,
            scenario,
            axes,
            shard,
            out,
            overrides,
            max_memory,
        } => {
            let scenario = scenario.expect("clap requires the scenario");
            let axes = axes
                .iter()
                .map(|a| grid_sweep::Axis::parse(a))
                .collect::<Result<Vec<_>>>()?;
            let shard = shard.as_deref().map(grid_sweep::Shard::parse).transpose()?;
            grid_sweep::run(&scenario, &axes, &overrides, &out, max_memory, shard, None)
        }
        Command::Models => {
            for e in qbattery::models::registry::MODELS {
                println!("{:<16} {}", e.name, e.about);
            }
            Ok(())
        }
        Command::Optimize {
            scenario,
            out,
            overrides,
            max_memory,
        } => optimize::run(&scenario, &out, &overrides, max_memory),
        Command::Reproduce { paper, out } => match paper.name() {
            None => reproduce::run_all(&out, reproduce::ALL),
            Some(name) => {
                let r = reproduce::find(name).expect("every paper has a reproduction");
                (r.run)(&out.join(name))
            }
        },
    }
}

fn parse_size(text: &str) -> std::result::Result<u64, String> {
    qbattery::simulation::memory::parse_bytes(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_paper_names_a_reproduction() {
        for p in Paper::value_variants() {
            if let Some(name) = p.name() {
                assert!(reproduce::find(name).is_some(), "{name}");
            }
        }
        assert_eq!(Paper::value_variants().len(), reproduce::ALL.len() + 1);
    }
}
