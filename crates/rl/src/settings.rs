//! The soft actor-critic's settings: the paper's Table I as the `paper` preset, a
//! `fast` preset for a laptop, and any field overridden from a scenario's
//! `[control.sac]` table.
//!
//! ```toml
//! [control.sac]
//! preset = "fast"          # or "paper" (Table I of 000_e3df25f406468476: 900k steps)
//! steps = 30000            # any field below overrides the preset's value
//! observation = "energy_power"
//! seed = 7
//! device = "auto"          # or "cpu", "wgpu" (see the backend module)
//! ```

use serde::{Deserialize, Serialize};

use crate::backend::Accelerator;
use crate::{Error, Result};

/// What the agent sees at t_k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    /// The paper's Fig. 1: (E(t_k), P(t_k)) and the elapsed fraction t_k/τ.
    EnergyPower,
    /// The whole state (the ket's or the density matrix's entries as real numbers) and
    /// t_k/τ: exact but long; for small blocks.
    State,
}

/// Every setting of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SacSettings {
    /// The preset the other fields started from (`"paper"` or `"fast"`).
    pub preset: String,
    /// Environment steps of training (Table I: 900k).
    pub steps: usize,
    /// Adam learning rate of the Q-networks and the policy (Table I: 0.001).
    pub learning_rate: f64,
    /// Adam learning rate of log α, the entropy coefficient (Table I: 0.003).
    pub alpha_learning_rate: f64,
    /// The initial entropy coefficient α.
    pub initial_alpha: f64,
    /// Discount factor γ (Table I: 0.993).
    pub discount: f64,
    /// Steps summed in the critic's target before it bootstraps: the target is
    /// Σ_{i<n} γ^i r_{k+i} plus γ^n (min Q_tar − α log π)(s_{k+n}), cut at the episode's
    /// end (1: the one-step target of the paper's Eq. A6). Longer sums carry the reward
    /// of a late step back to the coupling that caused it in fewer updates.
    #[serde(default = "one_step")]
    pub n_step: usize,
    /// Replay buffer size (Table I: 180k transitions).
    pub buffer: usize,
    /// Polyak coefficient β of the target networks: φ_tar ← β φ_tar + (1 − β) φ (Table
    /// I: 0.995; the paper's Eq. A5 prints the two weights the other way round, which
    /// with β = 0.995 would make the target follow the online network at once).
    pub polyak: f64,
    /// Units of the hidden layers (Table I: 512, 256).
    pub hidden: Vec<usize>,
    /// Steps with uniformly random actions before the policy acts (Table I: 5k).
    pub random_steps: usize,
    /// Steps before the first network update (Table I: 1k).
    pub update_after: usize,
    /// Minibatch size (Table I: 256).
    pub batch: usize,
    /// Target entropy at the start and at the end of its linear schedule (Table I: 0.7
    /// and −2.8 over 200k steps).
    pub entropy_start: f64,
    pub entropy_end: f64,
    pub entropy_steps: usize,
    /// Centre c_m and width c_w of the Fermi function of the training step that moves
    /// the reward's weight from ΔE to ΔP (Table I: 50k and 20k).
    pub fermi_center: f64,
    pub fermi_width: f64,
    /// What the agent sees.
    pub observation: Observation,
    /// Seed of every random choice (network initialisation, exploration, minibatches).
    pub seed: u64,
    /// Steps between deterministic evaluations of the policy (the best protocol so far is
    /// the best evaluated one).
    pub evaluate_every: usize,
    /// Steps between checkpoints (written at the next episode's end; 0: never).
    pub checkpoint_every: usize,
    /// Where the networks run (`"auto"`, `"cpu"`, `"wgpu"`): see
    /// [`crate::backend`]. A resumed run may change it.
    #[serde(default)]
    pub device: Accelerator,
}

fn one_step() -> usize {
    1
}

impl SacSettings {
    /// Table I of the paper.
    pub fn paper() -> Self {
        Self {
            preset: "paper".into(),
            steps: 900_000,
            learning_rate: 1e-3,
            alpha_learning_rate: 3e-3,
            initial_alpha: 1.0,
            discount: 0.993,
            n_step: 1,
            buffer: 180_000,
            polyak: 0.995,
            hidden: vec![512, 256],
            random_steps: 5_000,
            update_after: 1_000,
            batch: 256,
            entropy_start: 0.7,
            entropy_end: -2.8,
            entropy_steps: 200_000,
            fermi_center: 50_000.0,
            fermi_width: 20_000.0,
            observation: Observation::EnergyPower,
            seed: 1,
            evaluate_every: 5_000,
            checkpoint_every: 20_000,
            device: Accelerator::Auto,
        }
    }

    /// A laptop-sized run: small networks and minibatches, the schedules compressed to
    /// the shorter training.
    pub fn fast() -> Self {
        Self {
            preset: "fast".into(),
            steps: 20_000,
            buffer: 20_000,
            hidden: vec![64, 64],
            random_steps: 1_000,
            update_after: 500,
            batch: 64,
            entropy_steps: 10_000,
            fermi_center: 8_000.0,
            fermi_width: 2_000.0,
            evaluate_every: 500,
            checkpoint_every: 5_000,
            ..Self::paper()
        }
    }

    /// The settings of a `[control.sac]` table (None: the fast preset): its `preset`
    /// (default `"fast"`), then its other fields over the preset's. Errors name the field.
    pub fn from_table(table: Option<&toml::Value>) -> Result<Self> {
        let mut fields = match table {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t.clone(),
            Some(other) => {
                return Err(Error::Settings(format!(
                    "control.sac must be a table, not {}",
                    other.type_str()
                )))
            }
        };
        let base = match fields.get("preset").map(|p| p.as_str()) {
            None | Some(Some("fast")) => Self::fast(),
            Some(Some("paper")) => Self::paper(),
            Some(other) => {
                return Err(Error::Settings(format!(
                    "control.sac.preset = {} is not allowed: must be \"fast\" or \"paper\"",
                    other.map_or_else(|| fields["preset"].to_string(), |s| format!("{s:?}"))
                )))
            }
        };
        let mut merged = toml::Table::try_from(&base).expect("settings serialize to TOML");
        merged.extend(std::mem::take(&mut fields));
        let settings: Self =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                let path = e.path().to_string();
                Error::Settings(format!("control.sac.{path}: {}", e.into_inner().message()))
            })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every field, naming it and its allowed range.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, value: String, allowed: &str| {
            Err(Error::Settings(format!(
                "control.sac.{name} = {value} is not allowed: must be {allowed}"
            )))
        };
        for (name, v) in [
            ("steps", self.steps),
            ("buffer", self.buffer),
            ("batch", self.batch),
            ("evaluate_every", self.evaluate_every),
            ("entropy_steps", self.entropy_steps),
            ("n_step", self.n_step),
        ] {
            if v == 0 {
                return bad(name, v.to_string(), "≥ 1");
            }
        }
        if self.n_step > 1000 {
            return bad("n_step", self.n_step.to_string(), "between 1 and 1000");
        }
        if self.batch > self.buffer {
            return bad("batch", self.batch.to_string(), "≤ buffer");
        }
        if self.update_after < self.batch {
            return bad(
                "update_after",
                self.update_after.to_string(),
                "≥ batch (a minibatch needs that many transitions)",
            );
        }
        for (name, v) in [
            ("learning_rate", self.learning_rate),
            ("alpha_learning_rate", self.alpha_learning_rate),
            ("initial_alpha", self.initial_alpha),
            ("fermi_width", self.fermi_width),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(name, v.to_string(), "finite and > 0");
            }
        }
        for (name, v) in [("discount", self.discount), ("polyak", self.polyak)] {
            if !(0.0..1.0).contains(&v) {
                return bad(name, v.to_string(), "in [0, 1)");
            }
        }
        for (name, v) in [
            ("entropy_start", self.entropy_start),
            ("entropy_end", self.entropy_end),
            ("fermi_center", self.fermi_center),
        ] {
            if !v.is_finite() {
                return bad(name, v.to_string(), "finite");
            }
        }
        // A device this build lacks (its GPU, if any, is first touched by the agent).
        self.device.device()?;
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return bad(
                "hidden",
                format!("{:?}", self.hidden),
                "a non-empty list of layer widths ≥ 1",
            );
        }
        Ok(())
    }

    /// The target entropy at training step `step`: linear from `entropy_start` to
    /// `entropy_end` over `entropy_steps`, then constant.
    pub fn target_entropy(&self, step: usize) -> f64 {
        let x = (step as f64 / self.entropy_steps as f64).min(1.0);
        self.entropy_start + x * (self.entropy_end - self.entropy_start)
    }

    /// The weight of ΔP in the reward at training step `step` (that of ΔE is one minus
    /// it): the Fermi function 1/(1 + e^{−(step − c_m)/c_w}).
    pub fn power_weight(&self, step: usize) -> f64 {
        1.0 / (1.0 + (-(step as f64 - self.fermi_center) / self.fermi_width).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_overrides() {
        assert_eq!(SacSettings::from_table(None).unwrap(), SacSettings::fast());
        let t: toml::Value = toml::from_str("preset = \"paper\"\nsteps = 10\nseed = 3").unwrap();
        let s = SacSettings::from_table(Some(&t)).unwrap();
        assert_eq!((s.steps, s.seed, s.buffer), (10, 3, 180_000));
        assert_eq!(s.hidden, vec![512, 256]);
        assert_eq!(s.device, Accelerator::Auto);
        // The GPU backend is accepted when the build has it, else refused up front.
        let t: toml::Value = toml::from_str("device = \"wgpu\"").unwrap();
        match SacSettings::from_table(Some(&t)) {
            Ok(s) => assert!(cfg!(feature = "wgpu") && s.device == Accelerator::Wgpu),
            Err(e) => {
                assert!(!cfg!(feature = "wgpu") && e.to_string().contains("control.sac.device"))
            }
        }
        for (text, field) in [
            ("preset = \"slow\"", "preset"),
            ("stepz = 3", "stepz"),
            ("discount = 1.5", "discount"),
            ("batch = 0", "batch"),
            ("hidden = []", "hidden"),
            ("n_step = 0", "n_step"),
            ("n_step = 5000", "n_step"),
            ("observation = \"pixels\"", "observation"),
            ("device = \"gpu\"", "device"),
        ] {
            let t: toml::Value = toml::from_str(text).unwrap();
            let e = SacSettings::from_table(Some(&t)).unwrap_err().to_string();
            assert!(e.contains(field), "{text}: {e}");
        }
    }

    #[test]
    fn schedules() {
        let s = SacSettings::paper();
        assert_eq!(s.target_entropy(0), 0.7);
        assert!((s.target_entropy(100_000) - (0.7 - 1.75)).abs() < 1e-12);
        assert_eq!(s.target_entropy(900_000), -2.8);
        assert!((s.power_weight(50_000) - 0.5).abs() < 1e-15);
        assert!(s.power_weight(0) < 0.08 && s.power_weight(900_000) > 0.999);
    }
}
