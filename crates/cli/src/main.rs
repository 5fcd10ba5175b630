//! The `qbattery` command: run scenario files, inspect them, reproduce the papers.
//!
//! A thin binary over `qbattery_cli` (scenarios, writers, plots) and the `qbattery`
//! library (all the physics).

#![forbid(unsafe_code)]

use qbattery_cli::{optimize, reproduce, simulate};

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
    /// Run a scenario: writes timeseries.csv, summary.json and a PNG + SVG plot per metric.
    Simulate {
        /// Scenario file (TOML); without it, the embedded Tavis–Cummings example runs.
        scenario: Option<PathBuf>,
        /// Output directory.
        #[arg(long, default_value = "out/simulate")]
        out: PathBuf,
        /// Override a scenario value by its dotted path, e.g. `--set coupling.g=0.3`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
    },
    /// Describe a scenario: its space, dimension, symmetry blocks and a memory estimate.
    Info {
        /// Scenario file (TOML); without it, the embedded Tavis–Cummings example.
        scenario: Option<PathBuf>,
        /// Override a scenario value by its dotted path.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
    },
    /// Optimise a model's protocol from a scenario (micromaser qubit streams, paper 001): writes
    /// the optimum, each start's history and the optimised trajectory.
    Optimize {
        /// Optimisation scenario (TOML), e.g. `examples/micromaser_optimize.toml`.
        scenario: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "out/optimize")]
        out: PathBuf,
        /// Override a scenario value by its dotted path, e.g. `--set loss.lambda=100`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
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

/// The papers `reproduce` knows.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Paper {
    /// Multiple central-spin battery (paper 004): Figs. 2–5, Table I, Eq. (31).
    CentralSpin,
    /// Micromaser battery (paper 001): Figs. 3–4 and the optimisations of Sec. III.
    Micromaser,
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate {
            scenario,
            out,
            overrides,
        } => simulate::simulate(scenario.as_deref(), &overrides, &out),
        Command::Info {
            scenario,
            overrides,
        } => simulate::info(scenario.as_deref(), &overrides),
        Command::Optimize {
            scenario,
            out,
            overrides,
        } => optimize::run(&scenario, &out, &overrides),
        Command::Reproduce { paper, out } => match paper {
            Paper::CentralSpin => reproduce::central_spin::run(&out.join("central-spin")),
            Paper::Micromaser => reproduce::micromaser::run(&out.join("micromaser")),
        },
    }
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
