//! The charging environment (paper 000, Appendix A and Fig. 1): one episode is one
//! charging protocol of K steps; the action is the coupling g_k ∈ [g_min, g_max] of step
//! k, the observation is (E(t_k), P(t_k), t_k/τ) or the whole state, and the reward is
//!
//! r_k = (1 − w_P) [E(t_{k+1}) − E(t_k)] + w_P [P(t_{k+1}) − P(t_k)] − (λ_top/K) p_top(t_{k+1}),
//!
//! with w_P the Fermi weight of the training step ([`SacSettings::power_weight`]) and the
//! top-level penalty λ_top of the control objective (`control.objective.top_level`), so
//! that with w_P = 0 an episode's undiscounted return is the objective J that GRAPE
//! maximizes (E(τ) minus the mean top-level penalty).

use qbattery::optimize::control::{ControlProblem, Episode, StepOutcome};

use crate::settings::{Observation, SacSettings};
use crate::Result;

/// The environment over a prepared control problem.
pub struct Environment<'a> {
    problem: &'a ControlProblem,
    episode: Episode<'a>,
    observation: Observation,
    bounds: (f64, f64),
    top_level: f64,
}

impl<'a> Environment<'a> {
    /// `bounds` are [g_min, g_max]; `top_level` the penalty per unit of top-level
    /// population averaged over the steps.
    pub fn new(
        problem: &'a ControlProblem,
        observation: Observation,
        bounds: (f64, f64),
        top_level: f64,
    ) -> Self {
        Self {
            problem,
            episode: problem.episode(),
            observation,
            bounds,
            top_level,
        }
    }

    /// Starts a new episode from the initial state.
    pub fn reset(&mut self) {
        self.episode = self.problem.episode();
    }

    /// Whether the episode is at t = 0.
    pub fn at_start(&self) -> bool {
        self.episode.step_index() == 0
    }

    /// The length of the observation vector.
    pub fn observation_len(&self) -> usize {
        self.observe().len()
    }

    /// The observation at t_k.
    pub fn observe(&self) -> Vec<f32> {
        let o = self.episode.outcome();
        let fraction = self.episode.step_index() as f64 / self.episode.steps() as f64;
        let values = match self.observation {
            Observation::EnergyPower => vec![o.energy, o.power, fraction],
            Observation::State => {
                let mut v = self.episode.state_features();
                v.push(fraction);
                v
            }
        };
        values.into_iter().map(|x| x as f32).collect()
    }

    /// g for the squashed action a ∈ [−1, 1].
    pub fn coupling(&self, action: f64) -> f64 {
        let (lo, hi) = self.bounds;
        lo + 0.5 * (action.clamp(-1.0, 1.0) + 1.0) * (hi - lo)
    }

    /// Takes the action a ∈ [−1, 1] at training step `step`: the outcome at t_{k+1} and
    /// the reward.
    pub fn step(
        &mut self,
        action: f64,
        step: usize,
        settings: &SacSettings,
    ) -> Result<(StepOutcome, f64)> {
        let before = self.episode.outcome();
        let after = self.episode.step(self.coupling(action))?;
        let w = settings.power_weight(step);
        let k = self.episode.steps() as f64;
        let reward = (1.0 - w) * (after.energy - before.energy) + w * (after.power - before.power)
            - self.top_level / k * after.top_population;
        Ok((after, reward))
    }
}
