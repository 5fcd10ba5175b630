//! `method = "sac"` in a scenario's `[control]` table: the soft actor-critic of
//! `qbattery-rl` (paper 000, Appendix A) searches the protocol, which is then checked at
//! the larger cutoff and reported like a GRAPE optimum. Training logs, checkpoints and the
//! learning curve go to `OUT/sac/`; running the same command again on the same `--out`
//! resumes from the last checkpoint (after a kill, or with more `control.sac.steps`).
//!
//! Built only with the `sac` feature (burn takes minutes to compile):
//! `cargo build --release --features sac`.

use anyhow::Result;
#[cfg(feature = "sac")]
use qbattery::models::control::Checked;

use crate::control::Found;
use crate::output::RunDir;

/// A finished soft actor-critic search and its checks (none exists without the feature).
pub struct SacSearch {
    #[cfg(feature = "sac")]
    prepared: qbattery::models::control::Prepared,
    #[cfg(feature = "sac")]
    trained: qbattery_rl::Trained,
    #[cfg(feature = "sac")]
    result: Checked,
    #[cfg(feature = "sac")]
    best_constant: (f64, Checked),
    #[cfg(feature = "sac")]
    warnings: Vec<String>,
    #[cfg(feature = "sac")]
    wall_seconds: f64,
}

impl SacSearch {
    /// What the outputs report.
    pub(crate) fn found(&self) -> Found<'_> {
        self.view()
    }
}

#[cfg(not(feature = "sac"))]
impl SacSearch {
    fn view(&self) -> Found<'_> {
        unreachable!("no SacSearch exists without the sac feature")
    }

    /// Seconds of training over every invocation.
    pub(crate) fn training_seconds(&self) -> f64 {
        unreachable!("no SacSearch exists without the sac feature")
    }
}

/// Without the `sac` feature: an error that says how to build it.
#[cfg(not(feature = "sac"))]
pub fn search(_table: &toml::Table, _dir: &RunDir) -> Result<SacSearch> {
    anyhow::bail!(
        "control.method = \"sac\" needs the soft actor-critic, which this qbattery was built without: build it with `cargo build --release --features sac` (the Python module: `maturin build --release --features sac -m crates/python/Cargo.toml`; burn, about 12 minutes on 2 cores), or use method = \"grape\""
    )
}

#[cfg(feature = "sac")]
mod enabled {
    use super::*;
    use anyhow::Context;
    use qbattery::models::control::Prepared;
    use qbattery_rl::{train, SacSettings, Task};

    use crate::plot::{line_plot, LinePlot, Series};

    impl SacSearch {
        /// Seconds of training over every invocation (a resumed search counts the
        /// invocations before it).
        pub(crate) fn training_seconds(&self) -> f64 {
            self.trained.training_seconds
        }

        pub(super) fn view(&self) -> Found<'_> {
            Found {
                method: "sac",
                spec: &self.prepared.spec,
                edges: self.prepared.spec.protocol().edges(),
                values: &self.trained.values,
                result: &self.result,
                best_constant: &self.best_constant,
                levels: self.prepared.levels,
                block_dimension: self.prepared.run.dim(),
                start_index: None,
                training: Some(serde_json::to_value(&self.trained).expect("serializable")),
                warnings: self.warnings.clone(),
                wall_seconds: self.wall_seconds,
            }
        }
    }

    /// Trains on the scenario's control problem (resuming from `dir`/sac when it holds a
    /// checkpoint), checks the best protocol at the larger cutoff and plots the learning
    /// curve.
    pub fn search(table: &toml::Table, dir: &RunDir) -> Result<SacSearch> {
        let clock = std::time::Instant::now();
        let prepared = Prepared::new(table)?;
        let spec = &prepared.spec;
        let settings = SacSettings::from_table(spec.sac.as_ref())?;
        let task = Task {
            problem: &prepared.run,
            bounds: (spec.bounds[0], spec.bounds[1]),
            top_level: spec.objective.top_level,
        };
        let sac_dir = dir.path().join("sac");
        eprintln!(
            "qbattery: soft actor-critic, preset {:?}, {} steps of {} per episode, networks on {}, logs in {}",
            settings.preset,
            settings.steps,
            spec.steps,
            settings.device.resolved(),
            sac_dir.display()
        );
        let trained = train(&task, &settings, &sac_dir, true)?;
        if let Some(step) = trained.resumed_from {
            eprintln!("qbattery: resumed from the checkpoint at step {step}");
        }
        let result = prepared.checked(&trained.values)?;
        let best_constant = prepared.best_constant()?;
        let mut warnings = Vec::new();
        if !result.converged {
            warnings.push(format!(
                "the protocol found is not converged in the cutoff: E(τ) changes by {:.2e} (relative) between {} and {} levels, more than {}; its numbers are truncation artefacts (raise the cutoff or control.objective.top_level)",
                result.relative_change, prepared.levels[0], prepared.levels[1], spec.cutoff_tolerance
            ));
        }
        learning_curve(&sac_dir).context("plotting the learning curve")?;
        Ok(SacSearch {
            result,
            best_constant,
            warnings,
            wall_seconds: clock.elapsed().as_secs_f64(),
            trained,
            prepared,
        })
    }

    /// `learning_curve.png/svg`: the episodes' returns and the deterministic policy's
    /// objective at each evaluation, against the training step.
    fn learning_curve(dir: &std::path::Path) -> Result<()> {
        let column = |file: &str, x: &str, y: &str| -> Result<(Vec<f64>, Vec<f64>)> {
            let mut r = csv::Reader::from_path(dir.join(file))?;
            let h = r.headers()?.clone();
            let find = |name: &str| h.iter().position(|c| c == name).context(name.to_string());
            let (ix, iy) = (find(x)?, find(y)?);
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for rec in r.records() {
                let rec = rec?;
                xs.push(rec[ix].parse()?);
                ys.push(rec[iy].parse()?);
            }
            Ok((xs, ys))
        };
        let (x, y) = column("training.csv", "step", "episode_return")?;
        let (ex, ey) = column("evaluations.csv", "step", "objective")?;
        line_plot(
            &dir.join("learning_curve"),
            &LinePlot {
                title: "soft actor-critic training".into(),
                x_label: "training step".into(),
                y_label: "return / objective J".into(),
                series: vec![
                    Series::new("episode return".into(), x, y),
                    Series::new("deterministic policy's J".into(), ex, ey),
                ],
                log_x: false,
                log_y: false,
            },
        )?;
        Ok(())
    }
}

#[cfg(feature = "sac")]
pub use enabled::search;
