//! A charging episode stepped one control value at a time: the environment of the
//! reinforcement-learning search of paper 000 (Appendix A), where an agent picks the
//! coupling g_k of step k after seeing the state reached at t_k = kτ/K.
//!
//! It evolves the same prepared block as [`ControlProblem::evaluate`] with the same step
//! propagators, so an episode played with the values g_0 … g_{K−1} reaches exactly the
//! E(t_k) of `evaluate(g)` (tested).

use qbattery_linalg::c64;

use super::{ControlProblem, Dynamics};
use crate::{Error, Result};

/// One episode of a [`ControlProblem`]: the state at t_k and its stored energy.
#[derive(Debug, Clone)]
pub struct Episode<'a> {
    problem: &'a ControlProblem,
    /// The ket (closed) or the kept entries of ρ (open) at t_k.
    state: Vec<c64>,
    /// Steps taken, k.
    k: usize,
    outcome: StepOutcome,
}

/// What an episode shows after a step (or at its start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOutcome {
    /// t_k.
    pub time: f64,
    /// E(t_k) = ⟨H_B⟩(t_k) − ⟨H_B⟩(0) (paper 000, Eq. 8).
    pub energy: f64,
    /// P(t_k) = E(t_k)/t_k (Eq. 9); 0 at t = 0.
    pub power: f64,
    /// The population of the top Fock levels at t_k (summed over modes), as counted by
    /// the objective's penalty.
    pub top_population: f64,
    /// Whether t_k = τ (the episode is over).
    pub done: bool,
}

impl ControlProblem {
    /// A new episode from the initial state at t = 0.
    pub fn episode(&self) -> Episode<'_> {
        let state = match &self.dynamics {
            Dynamics::Closed(c) => c.initial().to_vec(),
            Dynamics::Open(o) => o.initial().to_vec(),
        };
        let mut episode = Episode {
            problem: self,
            state,
            k: 0,
            outcome: StepOutcome {
                time: 0.0,
                energy: 0.0,
                power: 0.0,
                top_population: 0.0,
                done: false,
            },
        };
        episode.outcome = episode.observe();
        episode
    }
}

impl Episode<'_> {
    /// The protocol's step count K.
    pub fn steps(&self) -> usize {
        self.problem.protocol.steps
    }

    /// Steps taken so far, k.
    pub fn step_index(&self) -> usize {
        self.k
    }

    /// The outcome at t_k.
    pub fn outcome(&self) -> StepOutcome {
        self.outcome
    }

    /// The state at t_k as real numbers: the real parts, then the imaginary parts, of
    /// the ket (closed) or of the density matrix's kept entries (open), in the prepared
    /// block's basis. 2·dim numbers for a ket, 2·(kept entries) for ρ.
    pub fn state_features(&self) -> Vec<f64> {
        let re = self.state.iter().map(|z| z.re);
        let im = self.state.iter().map(|z| z.im);
        re.chain(im).collect()
    }

    /// Applies g for the step [t_k, t_{k+1}] and returns the outcome at t_{k+1}. An
    /// error after the last step, or for a non-finite g.
    pub fn step(&mut self, g: f64) -> Result<StepOutcome> {
        if self.outcome.done {
            return Err(Error::invalid(
                "episode step",
                self.k + 1,
                format!("at most the protocol's {} steps", self.steps()),
            ));
        }
        if !g.is_finite() {
            return Err(Error::invalid(format!("control[{}]", self.k), g, "finite"));
        }
        let dt = self.problem.protocol.step();
        self.state = match &self.problem.dynamics {
            Dynamics::Closed(c) => c.step(&self.state, g, dt)?,
            Dynamics::Open(o) => o.step(&self.state, g, dt)?,
        };
        self.k += 1;
        self.outcome = self.observe();
        Ok(self.outcome)
    }

    fn observe(&self) -> StepOutcome {
        let (expectation, top_population) = match &self.problem.dynamics {
            Dynamics::Closed(c) => c.observe(&self.state),
            Dynamics::Open(o) => o.observe(&self.state),
        };
        let energy = expectation - self.problem.e0;
        let time = self.k as f64 * self.problem.protocol.step();
        StepOutcome {
            time,
            energy,
            power: if self.k == 0 { 0.0 } else { energy / time },
            top_population,
            done: self.k == self.steps(),
        }
    }
}
