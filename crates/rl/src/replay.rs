//! The experience replay buffer D: the last `capacity` transitions (s, a, r, s′, done),
//! sampled uniformly in minibatches, and saved with a checkpoint; and the n-step
//! transitions that go into it.

use std::collections::VecDeque;
use std::io::{Read, Write};

use rand::Rng;

/// A ring of transitions in flat `f32` arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    capacity: usize,
    obs_dim: usize,
    /// Transitions stored so far (saturates at `capacity`).
    len: usize,
    /// Where the next one goes.
    next: usize,
    obs: Vec<f32>,
    action: Vec<f32>,
    reward: Vec<f32>,
    next_obs: Vec<f32>,
    done: Vec<f32>,
}

/// A minibatch, row-major: `obs` and `next_obs` are `[n, obs_dim]`, the rest `[n]`.
pub struct Batch {
    pub obs: Vec<f32>,
    pub action: Vec<f32>,
    pub reward: Vec<f32>,
    pub next_obs: Vec<f32>,
    pub done: Vec<f32>,
}

impl Replay {
    pub fn new(capacity: usize, obs_dim: usize) -> Self {
        Self {
            capacity,
            obs_dim,
            len: 0,
            next: 0,
            obs: vec![0.0; capacity * obs_dim],
            action: vec![0.0; capacity],
            reward: vec![0.0; capacity],
            next_obs: vec![0.0; capacity * obs_dim],
            done: vec![0.0; capacity],
        }
    }

    /// Transitions held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores a transition, overwriting the oldest when full.
    pub fn push(&mut self, obs: &[f32], action: f32, reward: f32, next_obs: &[f32], done: bool) {
        let (i, d) = (self.next, self.obs_dim);
        self.obs[i * d..(i + 1) * d].copy_from_slice(obs);
        self.next_obs[i * d..(i + 1) * d].copy_from_slice(next_obs);
        self.action[i] = action;
        self.reward[i] = reward;
        self.done[i] = if done { 1.0 } else { 0.0 };
        self.next = (self.next + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
    }

    /// `n` transitions drawn uniformly (with replacement).
    pub fn sample(&self, n: usize, rng: &mut impl Rng) -> Batch {
        let d = self.obs_dim;
        let mut b = Batch {
            obs: Vec::with_capacity(n * d),
            action: Vec::with_capacity(n),
            reward: Vec::with_capacity(n),
            next_obs: Vec::with_capacity(n * d),
            done: Vec::with_capacity(n),
        };
        for _ in 0..n {
            let i = rng.random_range(0..self.len);
            b.obs.extend_from_slice(&self.obs[i * d..(i + 1) * d]);
            b.next_obs
                .extend_from_slice(&self.next_obs[i * d..(i + 1) * d]);
            b.action.push(self.action[i]);
            b.reward.push(self.reward[i]);
            b.done.push(self.done[i]);
        }
        b
    }

    /// The buffer as bytes: a header of four u64 (capacity, obs_dim, len, next), then the
    /// arrays as little-endian f32.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        for v in [self.capacity, self.obs_dim, self.len, self.next] {
            out.write_all(&(v as u64).to_le_bytes())?;
        }
        for array in [
            &self.obs,
            &self.action,
            &self.reward,
            &self.next_obs,
            &self.done,
        ] {
            for x in array.iter() {
                out.write_all(&x.to_le_bytes())?;
            }
        }
        Ok(())
    }

    /// Reads what [`Replay::write`] wrote; an error when the sizes differ from
    /// (`capacity`, `obs_dim`).
    pub fn read(input: &mut impl Read, capacity: usize, obs_dim: usize) -> std::io::Result<Self> {
        let mut word = [0u8; 8];
        let mut header = [0usize; 4];
        for h in &mut header {
            input.read_exact(&mut word)?;
            *h = u64::from_le_bytes(word) as usize;
        }
        if header[0] != capacity || header[1] != obs_dim || header[2] > capacity {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "replay buffer of capacity {} and observation size {}, expected {capacity} and {obs_dim}",
                    header[0], header[1]
                ),
            ));
        }
        let mut r = Self::new(capacity, obs_dim);
        (r.len, r.next) = (header[2], header[3]);
        let mut bytes = [0u8; 4];
        for array in [
            &mut r.obs,
            &mut r.action,
            &mut r.reward,
            &mut r.next_obs,
            &mut r.done,
        ] {
            for x in array.iter_mut() {
                input.read_exact(&mut bytes)?;
                *x = f32::from_le_bytes(bytes);
            }
        }
        Ok(r)
    }
}

/// Turns the steps of an episode into n-step transitions (s_k, a_k, Σ_{i<m} γ^i r_{k+i},
/// s_{k+m}, done) with m = n, or fewer at the episode's end, where the transition is
/// terminal and so needs no γ^m. With n = 1 every step goes into the buffer as it is.
#[derive(Debug, Clone)]
pub struct NStep {
    n: usize,
    discount: f64,
    /// The last steps (s, a, r) whose n-step transitions are not complete yet.
    pending: VecDeque<(Vec<f32>, f32, f64)>,
}

impl NStep {
    pub fn new(n: usize, discount: f64) -> Self {
        Self {
            n,
            discount,
            pending: VecDeque::with_capacity(n),
        }
    }

    /// Whether steps are waiting (never at an episode's end).
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Records the step (obs, action, reward) → next_obs and moves every transition it
    /// completes into `replay`.
    pub fn push(
        &mut self,
        replay: &mut Replay,
        step: (Vec<f32>, f32, f64),
        next_obs: &[f32],
        done: bool,
    ) {
        self.pending.push_back(step);
        while self.pending.len() == self.n || (done && !self.pending.is_empty()) {
            let sum = self
                .pending
                .iter()
                .rev()
                .fold(0.0, |sum, (_, _, r)| r + self.discount * sum);
            let (obs, action, _) = self.pending.pop_front().expect("a pending step");
            replay.push(&obs, action, sum as f32, next_obs, done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ring_sampling_and_round_trip() {
        let mut r = Replay::new(3, 2);
        for k in 0..5 {
            let x = k as f32;
            r.push(&[x, -x], x / 10.0, x, &[x + 1.0, 0.0], k == 4);
        }
        assert_eq!(r.len(), 3);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let b = r.sample(50, &mut rng);
        // Only the last three transitions (k = 2, 3, 4) survive, each consistent.
        for i in 0..50 {
            let k = b.reward[i];
            assert!((2.0..=4.0).contains(&k));
            assert_eq!(b.obs[2 * i..2 * i + 2], [k, -k]);
            assert_eq!(b.next_obs[2 * i], k + 1.0);
            assert_eq!(b.done[i], if k == 4.0 { 1.0 } else { 0.0 });
        }
        let mut bytes = Vec::new();
        r.write(&mut bytes).unwrap();
        assert_eq!(Replay::read(&mut bytes.as_slice(), 3, 2).unwrap(), r);
        assert!(Replay::read(&mut bytes.as_slice(), 4, 2).is_err());
    }

    /// A four-step episode in 3-step transitions with γ = 0.5 (rewards 1, 2, 4, 8): two
    /// full sums that bootstrap from s_3 and s_4, then the two terminal tails.
    #[test]
    fn n_step_transitions() {
        let mut r = Replay::new(10, 1);
        let mut n_step = NStep::new(3, 0.5);
        for k in 0..4 {
            let done = k == 3;
            n_step.push(
                &mut r,
                (vec![k as f32], k as f32, 2f64.powi(k)),
                &[k as f32 + 1.0],
                done,
            );
            assert_eq!(n_step.is_empty(), done);
        }
        assert_eq!(r.len(), 4);
        assert_eq!(r.obs[..4], [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(
            r.reward[..4],
            [1.0 + 1.0 + 1.0, 2.0 + 2.0 + 2.0, 4.0 + 4.0, 8.0]
        );
        assert_eq!(r.next_obs[..4], [3.0, 4.0, 4.0, 4.0]);
        assert_eq!(r.done[..4], [0.0, 1.0, 1.0, 1.0]);
        // n = 1 stores each step as it is.
        let mut one = Replay::new(10, 1);
        let mut n_step = NStep::new(1, 0.5);
        n_step.push(&mut one, (vec![0.0], 0.3, 0.7), &[1.0], false);
        assert!(n_step.is_empty());
        assert_eq!(
            (one.reward[0], one.next_obs[0], one.done[0]),
            (0.7, 1.0, 0.0)
        );
    }
}
