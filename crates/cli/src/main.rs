//! The `qbattery` command.
//!
//! TEMPORARY wiring from the `micromaser` branch (the lead's main.rs replaces it): `optimize`,
//! `reproduce micromaser` and a `simulate` for micromaser scenarios only.

mod optimize;
#[allow(dead_code)]
mod output;
#[allow(dead_code, unused_imports)]
mod plot;
mod reproduce;
#[allow(dead_code)]
mod sweep;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "qbattery",
    version,
    about = "Model, simulate and optimize quantum batteries"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file (micromaser only in this temporary wiring).
    Simulate {
        scenario: PathBuf,
        #[arg(long, default_value = "runs/simulate")]
        out: PathBuf,
        #[arg(long = "set")]
        set: Vec<String>,
    },
    /// Minimize a model's loss described by a scenario file.
    Optimize {
        scenario: PathBuf,
        #[arg(long, default_value = "runs/optimize")]
        out: PathBuf,
        #[arg(long = "set")]
        set: Vec<String>,
    },
    /// Regenerate a paper's figures.
    Reproduce {
        paper: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Simulate { scenario, out, set } => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct File {
                model: String,
                params: qbattery::models::micromaser::Params,
            }
            let text = std::fs::read_to_string(&scenario)
                .with_context(|| format!("reading {}", scenario.display()))?;
            let mut doc: toml::Table = text
                .parse()
                .with_context(|| format!("parsing {}", scenario.display()))?;
            optimize::apply_overrides(&mut doc, &set)?;
            let file: File = toml::Value::Table(doc)
                .try_into()
                .with_context(|| format!("{}", scenario.display()))?;
            if file.model != "micromaser" {
                bail!("temporary wiring: only model = \"micromaser\"");
            }
            let t = qbattery::models::micromaser::simulate(&file.params)?;
            let dir = output::RunDir::create(&out)?;
            optimize::write_trajectory(&dir, "", &t)?;
            for w in &t.warnings {
                eprintln!("warning: {w}");
            }
            println!("{:#?}", t.scalars);
            Ok(())
        }
        Command::Optimize { scenario, out, set } => optimize::run(&scenario, &out, &set),
        Command::Reproduce { paper, out } => match paper.as_str() {
            "micromaser" => reproduce::micromaser::run(
                &out.unwrap_or_else(|| PathBuf::from("runs/reproduce/micromaser")),
            ),
            other => bail!("unknown paper {other:?}; available: micromaser"),
        },
    }
}
