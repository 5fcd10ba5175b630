//! The networks of the soft actor-critic: a squashed-Gaussian policy and a pair of
//! Q-networks, multilayer perceptrons with ReLU hidden layers (Table I: 512 and 256
//! units), and the learnable entropy coefficient.

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Bounds of the policy's log standard deviation (the usual SAC clamp).
const LOG_STD_MIN: f64 = -20.0;
const LOG_STD_MAX: f64 = 2.0;

/// log(2π)/2.
const HALF_LOG_TWO_PI: f64 = 0.918_938_533_204_672_8;

/// Linear layers with ReLU between them.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    /// Layers of widths `input` → `hidden[0]` → … → `output`.
    pub fn new(input: usize, hidden: &[usize], output: usize, device: &Device) -> Self {
        let mut widths = vec![input];
        widths.extend_from_slice(hidden);
        widths.push(output);
        let layers = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Self { layers }
    }

    /// The network on a batch `[n, input]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |h, (i, layer)| {
            let y = layer.forward(h);
            if i < last {
                relu(y)
            } else {
                y
            }
        })
    }

    /// self ← β self + (1 − β) other, parameter by parameter (Polyak averaging of a target
    /// network); the result is detached from any autodiff graph.
    pub fn polyak(self, other: &Self, beta: f64) -> Self {
        let layers = self
            .layers
            .into_iter()
            .zip(&other.layers)
            .map(|(mut t, o)| {
                let w = o.weight.val().detach();
                t.weight = t
                    .weight
                    .map(|x| x.detach().mul_scalar(beta) + w.mul_scalar(1.0 - beta));
                if let (Some(bt), Some(bo)) = (t.bias.take(), &o.bias) {
                    let b = bo.val().detach();
                    t.bias =
                        Some(bt.map(|x| x.detach().mul_scalar(beta) + b.mul_scalar(1.0 - beta)));
                }
                t
            })
            .collect();
        Self { layers }
    }
}

/// The policy π(a|s): a Gaussian in u, squashed by a = tanh(u) into (−1, 1).
#[derive(Module, Debug)]
pub struct Actor {
    net: Mlp,
}

/// Actions a = tanh(u) `[n, 1]` and their log-probabilities `[n, 1]`.
pub struct Sampled {
    pub action: Tensor<2>,
    pub log_prob: Tensor<2>,
}

impl Actor {
    pub fn new(observation: usize, hidden: &[usize], device: &Device) -> Self {
        Self {
            net: Mlp::new(observation, hidden, 2, device),
        }
    }

    fn mean_log_std(&self, obs: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let out = self.net.forward(obs);
        let mean = out.clone().narrow(1, 0, 1);
        let log_std = out.narrow(1, 1, 1).clamp(LOG_STD_MIN, LOG_STD_MAX);
        (mean, log_std)
    }

    /// Reparameterised samples u = μ + σ ε for the standard normal draws `noise` `[n, 1]`,
    /// a = tanh u, with log π(a|s) = log N(u; μ, σ) − log(1 − a² + 10⁻⁶).
    pub fn sample(&self, obs: Tensor<2>, noise: Tensor<2>) -> Sampled {
        let (mean, log_std) = self.mean_log_std(obs);
        let u = mean + log_std.clone().exp() * noise.clone();
        let action = u.tanh();
        let gaussian = noise.powi_scalar(2).mul_scalar(-0.5) - log_std - HALF_LOG_TWO_PI;
        let squash = (action.clone().powi_scalar(2).neg() + 1.0 + 1e-6).log();
        Sampled {
            log_prob: gaussian - squash,
            action,
        }
    }

    /// The deterministic action tanh μ(s).
    pub fn mean_action(&self, obs: Tensor<2>) -> Tensor<2> {
        self.mean_log_std(obs).0.tanh()
    }
}

/// Two Q-networks Q₁, Q₂ of (s, a) (clipped double Q-learning).
#[derive(Module, Debug)]
pub struct TwinCritic {
    q1: Mlp,
    q2: Mlp,
}

impl TwinCritic {
    pub fn new(observation: usize, hidden: &[usize], device: &Device) -> Self {
        Self {
            q1: Mlp::new(observation + 1, hidden, 1, device),
            q2: Mlp::new(observation + 1, hidden, 1, device),
        }
    }

    /// (Q₁(s, a), Q₂(s, a)), each `[n, 1]`.
    pub fn forward(&self, obs: Tensor<2>, action: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let x = Tensor::cat(vec![obs, action], 1);
        (self.q1.forward(x.clone()), self.q2.forward(x))
    }

    /// min(Q₁, Q₂).
    pub fn min(&self, obs: Tensor<2>, action: Tensor<2>) -> Tensor<2> {
        let (a, b) = self.forward(obs, action);
        a.min_pair(b)
    }

    /// Polyak averaging of a target pair towards `online`.
    pub fn polyak(self, online: &Self, beta: f64) -> Self {
        Self {
            q1: self.q1.polyak(&online.q1, beta),
            q2: self.q2.polyak(&online.q2, beta),
        }
    }
}

/// The entropy coefficient α = e^{log α}, learned (automatic entropy tuning).
#[derive(Module, Debug)]
pub struct Temperature {
    log_alpha: Param<Tensor<1>>,
}

impl Temperature {
    pub fn new(alpha: f64, device: &Device) -> Self {
        Self {
            log_alpha: Param::from_tensor(Tensor::from_data(
                TensorData::new(vec![alpha.ln() as f32], [1]),
                device,
            )),
        }
    }

    /// log α as a `[1]` tensor (with its gradient).
    pub fn log_alpha(&self) -> Tensor<1> {
        self.log_alpha.val()
    }

    /// α as a number.
    pub fn alpha(&self) -> f64 {
        let v: Vec<f32> = self
            .log_alpha
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 data");
        f64::from(v[0]).exp()
    }
}
