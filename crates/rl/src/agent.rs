//! The soft actor-critic agent (Haarnoja et al. 2018; paper 000, Eqs. A1–A6): a
//! squashed-Gaussian policy, twin Q-networks with Polyak-averaged targets (clipped double
//! Q-learning), and automatic tuning of the entropy coefficient α towards a target
//! entropy. All randomness (exploration noise, minibatches) comes from the caller's
//! seeded generator, so a run is reproducible and resumable.

use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::ModuleRecord;
use rand::Rng;
use rand_distr::StandardNormal;

use crate::network::{Actor, Temperature, TwinCritic};
use crate::replay::Batch;
use crate::settings::SacSettings;
use crate::{Error, Result};

/// The networks and their optimizers.
pub struct Agent {
    /// The training device (with autodiff) and the same device without it (acting).
    device: Device,
    inference: Device,
    actor: Actor,
    critic: TwinCritic,
    target: TwinCritic,
    temperature: Temperature,
    actor_optimizer: ModuleOptimizer,
    critic_optimizer: ModuleOptimizer,
    temperature_optimizer: ModuleOptimizer,
    learning_rate: f64,
    alpha_learning_rate: f64,
    /// γ^n: the discount of the bootstrapped value after an n-step transition.
    discount: f64,
    polyak: f64,
}

/// The losses of one update.
#[derive(Debug, Clone, Copy, Default)]
pub struct Losses {
    pub critic: f64,
    pub actor: f64,
    pub alpha: f64,
    /// −E[log π], the policy's entropy estimate on the minibatch.
    pub entropy: f64,
}

fn column(values: Vec<f32>, device: &Device) -> Tensor<2> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n, 1]), device)
}

fn matrix(values: Vec<f32>, cols: usize, device: &Device) -> Tensor<2> {
    let n = values.len() / cols;
    Tensor::from_data(TensorData::new(values, [n, cols]), device)
}

fn scalar(t: Tensor<1>) -> f64 {
    let v: Vec<f32> = t.into_data().try_to_vec::<f32>().expect("f32 data");
    f64::from(v[0])
}

fn normal(n: usize, rng: &mut impl Rng) -> Vec<f32> {
    (0..n).map(|_| rng.sample(StandardNormal)).collect()
}

/// The file names of a checkpoint's parts.
const PARTS: [&str; 7] = [
    "actor",
    "critic",
    "target",
    "temperature",
    "actor_optimizer",
    "critic_optimizer",
    "temperature_optimizer",
];

impl Agent {
    /// Fresh networks for observations of length `obs_dim`, initialised from `seed`, on
    /// `settings.device`; an error when that device is not built in or does not answer.
    pub fn new(obs_dim: usize, settings: &SacSettings) -> Result<Self> {
        let inference = settings.device.device()?;
        probe(&inference, settings)?;
        let device = inference.clone().autodiff();
        device.seed(settings.seed);
        let actor = Actor::new(obs_dim, &settings.hidden, &device);
        let critic = TwinCritic::new(obs_dim, &settings.hidden, &device);
        let target = critic.clone();
        Ok(Self {
            temperature: Temperature::new(settings.initial_alpha, &device),
            actor,
            critic,
            target,
            actor_optimizer: AdamConfig::new().init(),
            critic_optimizer: AdamConfig::new().init(),
            temperature_optimizer: AdamConfig::new().init(),
            learning_rate: settings.learning_rate,
            alpha_learning_rate: settings.alpha_learning_rate,
            discount: settings.discount.powi(settings.n_step as i32),
            polyak: settings.polyak,
            device,
            inference,
        })
    }

    /// α.
    pub fn alpha(&self) -> f64 {
        self.temperature.alpha()
    }

    /// An action a ∈ (−1, 1) drawn from π(·|obs).
    pub fn act(&self, obs: &[f32], rng: &mut impl Rng) -> f64 {
        let actor = self.actor.valid();
        let obs = matrix(obs.to_vec(), obs.len(), &self.inference);
        let noise = column(normal(1, rng), &self.inference);
        scalar(actor.sample(obs, noise).action.reshape([1]))
    }

    /// The deterministic action tanh μ(obs).
    pub fn act_deterministic(&self, obs: &[f32]) -> f64 {
        let actor = self.actor.valid();
        let obs = matrix(obs.to_vec(), obs.len(), &self.inference);
        scalar(actor.mean_action(obs).reshape([1]))
    }

    /// One gradient step of the critics, the actor and α on `batch`, then the targets'
    /// Polyak update.
    pub fn update(&mut self, batch: Batch, target_entropy: f64, rng: &mut impl Rng) -> Losses {
        let d = &self.device;
        let n = batch.reward.len();
        let obs_dim = batch.obs.len() / n;
        let obs = matrix(batch.obs, obs_dim, d);
        let next_obs = matrix(batch.next_obs, obs_dim, d);
        let action = column(batch.action, d);
        let reward = column(batch.reward, d);
        let not_done = column(batch.done, d).neg() + 1.0;
        let alpha = self.alpha();

        // Eq. A6: y = r + γ (1 − done) [min Q_tar(s′, a′) − α log π(a′|s′)], a′ ~ π(·|s′),
        // with r the discounted sum and γ^n in place of γ for n-step transitions.
        let next = self
            .actor
            .sample(next_obs.clone(), column(normal(n, rng), d));
        let soft = self.target.min(next_obs, next.action.detach())
            - next.log_prob.detach().mul_scalar(alpha);
        let y = (reward + not_done * soft.mul_scalar(self.discount)).detach();
        let (q1, q2) = self.critic.forward(obs.clone(), action);
        let critic_loss = (q1 - y.clone()).powi_scalar(2).mean() + (q2 - y).powi_scalar(2).mean();
        let critic_value = scalar(critic_loss.clone().detach());
        let grads = GradientsParams::from_grads(critic_loss.backward(), &self.critic);
        self.critic = self
            .critic_optimizer
            .step(self.learning_rate, self.critic.clone(), grads);

        // Eq. A3: minimise E[α log π(a|s) − min Q(s, a)], a ~ π(·|s) reparameterised.
        let new = self.actor.sample(obs.clone(), column(normal(n, rng), d));
        let q = self.critic.min(obs, new.action);
        let actor_loss = (new.log_prob.clone().mul_scalar(alpha) - q).mean();
        let actor_value = scalar(actor_loss.clone().detach());
        let grads = GradientsParams::from_grads(actor_loss.backward(), &self.actor);
        self.actor = self
            .actor_optimizer
            .step(self.learning_rate, self.actor.clone(), grads);

        // Eq. A4: minimise E[−log α (log π + H̄)].
        let log_prob = new.log_prob.detach();
        let entropy = -scalar(log_prob.clone().mean());
        let alpha_loss = (self.temperature.log_alpha().unsqueeze::<2>()
            * (log_prob + target_entropy).neg())
        .mean();
        let alpha_value = scalar(alpha_loss.clone().detach());
        let grads = GradientsParams::from_grads(alpha_loss.backward(), &self.temperature);
        self.temperature = self.temperature_optimizer.step(
            self.alpha_learning_rate,
            self.temperature.clone(),
            grads,
        );

        // Eq. A5 (with the weights the usual way round: see SacSettings::polyak).
        self.target = self.target.clone().polyak(&self.critic, self.polyak);
        Losses {
            critic: critic_value,
            actor: actor_value,
            alpha: alpha_value,
            entropy,
        }
    }

    /// Writes the networks and the optimizers' states into `dir` (burnpack files).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let records = [
            self.actor.clone().into_record().into_bytes(),
            self.critic.clone().into_record().into_bytes(),
            self.target.clone().into_record().into_bytes(),
            self.temperature.clone().into_record().into_bytes(),
            self.actor_optimizer.into_bytes(),
            self.critic_optimizer.into_bytes(),
            self.temperature_optimizer.into_bytes(),
        ];
        for (part, bytes) in PARTS.iter().zip(records) {
            let bytes = bytes.map_err(|e| checkpoint_error(dir, part, format!("{e:?}")))?;
            std::fs::write(dir.join(part), &*bytes)
                .map_err(|e| checkpoint_error(dir, part, e.to_string()))?;
        }
        Ok(())
    }

    /// Restores what [`Agent::save`] wrote into `dir`.
    pub fn load(mut self, dir: &Path) -> Result<Self> {
        self.actor = load_module(self.actor, dir, "actor")?;
        self.critic = load_module(self.critic, dir, "critic")?;
        self.target = load_module(self.target, dir, "target")?;
        self.temperature = load_module(self.temperature, dir, "temperature")?;
        self.actor_optimizer = load_optimizer(self.actor_optimizer, dir, "actor_optimizer")?;
        self.critic_optimizer = load_optimizer(self.critic_optimizer, dir, "critic_optimizer")?;
        self.temperature_optimizer =
            load_optimizer(self.temperature_optimizer, dir, "temperature_optimizer")?;
        Ok(self)
    }
}

/// One small computation on `device`: a GPU backend whose device is absent panics on its
/// first operation, which this turns into an error naming the setting.
fn probe(device: &Device, settings: &SacSettings) -> Result<()> {
    let device = device.clone();
    std::panic::catch_unwind(move || scalar(Tensor::<1>::ones([1], &device).sum()))
        .map(|_| ())
        .map_err(|panic| {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Error::Settings(format!(
                "control.sac.device = \"{}\": the device did not answer ({why}); use \"cpu\"",
                settings.device
            ))
        })
}

fn checkpoint_error(dir: &Path, part: &str, detail: String) -> Error {
    Error::Checkpoint {
        path: dir.join(part),
        detail,
    }
}

fn read_part(dir: &Path, part: &str) -> Result<burn::tensor::Bytes> {
    let bytes =
        std::fs::read(dir.join(part)).map_err(|e| checkpoint_error(dir, part, e.to_string()))?;
    Ok(burn::tensor::Bytes::from_bytes_vec(bytes))
}

fn load_module<M: Module>(module: M, dir: &Path, part: &str) -> Result<M> {
    let record = ModuleRecord::from_bytes(read_part(dir, part)?)
        .map_err(|e| checkpoint_error(dir, part, format!("{e:?}")))?;
    module
        .try_load_record(record)
        .map_err(|e| checkpoint_error(dir, part, format!("{e:?}")))
}

fn load_optimizer(optimizer: ModuleOptimizer, dir: &Path, part: &str) -> Result<ModuleOptimizer> {
    optimizer
        .from_bytes(read_part(dir, part)?)
        .map_err(|e| checkpoint_error(dir, part, format!("{e:?}")))
}
