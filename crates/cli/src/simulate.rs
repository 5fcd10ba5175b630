//! `qbattery simulate` and `qbattery info`: run a scenario and write its outputs, or
//! describe what a run would do. Model-agnostic: both go through the registry.

use anyhow::{Context, Result};
use indicatif::ProgressBar;
use qbattery::simulation::{memory, Progress};
use std::path::Path;

use crate::output::{Provenance, RunDir};
use crate::results::{write_run, Figures, Formats, Origin};
use crate::scenario;

/// Runs a scenario and writes `timeseries.csv`, `summary.json`, one PNG + SVG plot per
/// series and, for each bosonic mode, its final Fock populations and Wigner function
/// (`final_<mode>_populations.*`, `final_<mode>_wigner.*`) into `out`. A run whose memory
/// estimate exceeds `max_memory` (default: the machine's available memory) is refused
/// before it starts. `formats` chooses CSV and/or NumPy data files.
pub fn simulate(
    path: Option<&Path>,
    overrides: &[String],
    out: &Path,
    max_memory: Option<u64>,
    formats: Formats,
) -> Result<()> {
    let mut provenance =
        Provenance::start(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
    let (model, source) = scenario::load(path, overrides)?;
    eprintln!("qbattery: running {} ({})", model.name(), source.name());
    let mut bar = Bar::default();
    let run = model
        .run(memory::limit(max_memory), &mut bar)
        .with_context(|| format!("simulating {}", source.name()))?;
    bar.finish();
    provenance.finish();

    let dir = RunDir::create(out)?;
    let origin = Origin {
        parameters: &model.parameters(),
        source: Some(&source),
        provenance: &provenance,
    };
    write_run(&dir, "", model.name(), &run, origin, Figures::All, formats)?;
    for w in &run.warnings {
        eprintln!("warning: {w}");
    }
    for key in ["e_max", "t_e_max", "p_max", "t_p_max"] {
        if let Some(v) = run.scalars.get(key) {
            eprintln!("  {key:>8} = {v:.10}");
        }
    }
    if let Some(s) = &run.steady_state {
        eprintln!(
            "  steady state: E(∞) = {:.10}, null space dimension {}{}, residual {:.1e}{}\n    \
             counted in {}",
            s.energy,
            s.null_space_dimension,
            if s.unique {
                " (unique)"
            } else {
                " (the state reached from the initial one)"
            },
            s.residual,
            s.gap.map_or(String::new(), |g| format!(", gap {g:.6}")),
            s.counted_in,
        );
    }
    if let Some(c) = &run.cutoff_check {
        eprintln!(
            "  cutoff check: {} → {} levels, largest relative change {:.1e} ({})",
            c.levels[0],
            c.levels[1],
            c.max_relative_difference,
            if c.converged {
                "converged"
            } else {
                "NOT converged: see the warning"
            }
        );
    }
    eprintln!(
        "qbattery: wrote {} ({:.2} s)",
        dir.path().display(),
        provenance.wall_seconds
    );
    Ok(())
}

/// Prints the space, its dimension, the blocks a run would use, the method and a memory
/// estimate (itemised), and whether it fits `max_memory`.
pub fn info(path: Option<&Path>, overrides: &[String], max_memory: Option<u64>) -> Result<()> {
    let (model, source, control) = scenario::load_with_control(path, overrides)?;
    let limit = memory::limit(max_memory);
    let description = model
        .describe(limit)
        .with_context(|| format!("describing {}", source.name()))?;
    println!("scenario:   {}", source.name());
    print!("{description}");
    if let Some(c) = control {
        println!(
            "control:    {} of {} on {} steps over τ = {}, within [{}, {}], checked at {} Fock levels (run it with `qbattery optimize`)",
            format!("{:?}", c.method).to_lowercase(),
            c.drive,
            c.steps,
            c.tau,
            c.bounds[0],
            c.bounds[1],
            c.check_cutoff
                .map_or("twice the run's".to_string(), |l| l.to_string())
        );
    }
    if description.memory.total() > limit {
        println!(
            "fits:       no — more than the {} allowed; a run would be refused",
            memory::human_bytes(limit)
        );
    } else if let Some((what, bytes)) = description
        .memory
        .bounds
        .iter()
        .find(|(_, b)| description.memory.total() + b > limit)
    {
        println!(
            "fits:       yes, but the bound on the {what} ({}) is over the {} allowed: the run checks its actual size once known",
            memory::human_bytes(*bytes),
            memory::human_bytes(limit)
        );
    } else if limit < u64::MAX {
        println!("fits:       yes ({} allowed)", memory::human_bytes(limit));
    }
    Ok(())
}

/// A progress bar on stderr for a run (hidden off a terminal or under `CI=true`).
#[derive(Default)]
pub(crate) struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn start(&mut self, unit: &str, total: usize) {
        self.0 = Some(crate::sweep::progress_bar(unit, total, 0));
    }

    fn advance(&mut self, done: usize) {
        if let Some(b) = &self.0 {
            b.set_position(done as u64);
        }
    }
}

impl Bar {
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
