//! The training loop: episodes of the charging environment, transitions into the replay
//! buffer, one SAC update per step after `update_after`, a deterministic evaluation of
//! the policy every `evaluate_every` steps (the best evaluated protocol is the result),
//! CSV logs, a progress bar with the running return, and checkpoints written at episode
//! ends so that a killed run resumes where its last checkpoint left it, with the same
//! numbers as an uninterrupted run.
//!
//! A run directory holds `training.csv` (one row per episode), `evaluations.csv` (one row
//! per evaluation) and `checkpoint/` (`state.json`, the networks, the optimizers and the
//! replay buffer). A checkpoint is written to `checkpoint.new/` and renamed into place,
//! so a kill during the write leaves the previous one intact.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use qbattery::optimize::control::ControlProblem;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::agent::{Agent, Losses};
use crate::environment::Environment;
use crate::replay::{NStep, Replay};
use crate::settings::SacSettings;
use crate::{Error, Result};

/// What a training run needs besides its settings.
pub struct Task<'a> {
    /// The prepared control problem (the environment's dynamics).
    pub problem: &'a ControlProblem,
    /// [g_min, g_max].
    pub bounds: (f64, f64),
    /// The top-level penalty of the control objective.
    pub top_level: f64,
}

/// The outcome of [`train`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trained {
    /// The best protocol found: the deterministic policy's g_k at its best evaluation.
    pub values: Vec<f64>,
    /// Its objective J (the control objective, as GRAPE's) and E(τ).
    pub objective: f64,
    pub energy: f64,
    /// The training step of that evaluation.
    pub found_at_step: usize,
    /// Steps and episodes trained.
    pub steps: usize,
    pub episodes: usize,
    /// The step a resumed run started from (None: from scratch).
    pub resumed_from: Option<usize>,
    /// Seconds of this invocation (not counting the run before a resume).
    pub wall_seconds: f64,
    /// Seconds of training over every invocation that reached the final checkpoint (a
    /// killed invocation counts up to its last checkpoint).
    #[serde(default)]
    pub training_seconds: f64,
}

/// One row of `training.csv`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EpisodeRow {
    episode: usize,
    step: usize,
    /// The episode's undiscounted return.
    episode_return: f64,
    /// E(τ) and P(τ) reached.
    energy: f64,
    power: f64,
    alpha: f64,
    critic_loss: f64,
    actor_loss: f64,
    entropy: f64,
    target_entropy: f64,
    power_weight: f64,
}

/// One row of `evaluations.csv`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EvaluationRow {
    step: usize,
    objective: f64,
    energy: f64,
    power: f64,
    best_objective: f64,
}

/// Everything of a run besides the networks and the buffer: `checkpoint/state.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    settings: SacSettings,
    /// A fingerprint of the problem (block dimension, K, τ, bounds, penalty): a resume
    /// refuses a different problem.
    problem: String,
    step: usize,
    episode: usize,
    rng_seed: [u8; 32],
    rng_word_pos: u128,
    best: Option<Trained>,
    episodes_logged: usize,
    evaluations_logged: usize,
    last_losses: (f64, f64, f64, f64),
    running_return: f64,
    /// Seconds of training up to this checkpoint, over every invocation.
    #[serde(default)]
    training_seconds: f64,
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn fingerprint(task: &Task<'_>) -> String {
    let p = task.problem.protocol();
    format!(
        "block {}, open {}, K {}, τ {:?}, bounds {:?}, top_level {:?}",
        task.problem.dim(),
        task.problem.is_open(),
        p.steps,
        p.tau,
        task.bounds,
        task.top_level
    )
}

/// The deterministic policy played for one episode: its protocol, J, E(τ) and P(τ).
fn evaluate(
    agent: &Agent,
    task: &Task<'_>,
    settings: &SacSettings,
) -> Result<(Vec<f64>, f64, f64, f64)> {
    let mut env = Environment::new(
        task.problem,
        settings.observation,
        task.bounds,
        task.top_level,
    );
    let mut values = Vec::new();
    loop {
        let action = agent.act_deterministic(&env.observe());
        values.push(env.coupling(action));
        if env.step(action, 0, settings)?.0.done {
            break;
        }
    }
    let e = task.problem.evaluate(&values, false)?;
    Ok((values, e.objective, e.energy, e.power))
}

/// Keeps the first `rows` data rows of the CSV file at `path` (after its header), for a
/// resumed run to continue where its checkpoint was written.
fn truncate_csv(path: &Path, rows: usize) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
    let kept: Vec<&str> = text.lines().take(rows + 1).collect();
    let mut out = kept.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    std::fs::write(path, out).map_err(|e| io_error(path, e))
}

/// A CSV file appended row by row (with its header when new).
fn csv_appender(path: &Path, fresh: bool) -> Result<csv::Writer<File>> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    let has_header = !fresh
        && std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
    Ok(csv::WriterBuilder::new()
        .has_headers(!has_header)
        .from_writer(file))
}

struct Checkpoints {
    dir: PathBuf,
}

impl Checkpoints {
    fn current(&self) -> PathBuf {
        self.dir.join("checkpoint")
    }

    /// The checkpoint to resume from: `checkpoint/`, or `checkpoint.old/` when a kill
    /// came between the two renames of [`Checkpoints::write`].
    fn latest(&self) -> Option<PathBuf> {
        [self.current(), self.dir.join("checkpoint.old")]
            .into_iter()
            .find(|p| p.join("state.json").exists())
    }

    fn write(&self, state: &State, agent: &Agent, replay: &Replay) -> Result<()> {
        let fresh = self.dir.join("checkpoint.new");
        if fresh.exists() {
            std::fs::remove_dir_all(&fresh).map_err(|e| io_error(&fresh, e))?;
        }
        std::fs::create_dir_all(&fresh).map_err(|e| io_error(&fresh, e))?;
        agent.save(&fresh)?;
        let path = fresh.join("replay.bin");
        let mut out = BufWriter::new(File::create(&path).map_err(|e| io_error(&path, e))?);
        replay.write(&mut out).map_err(|e| io_error(&path, e))?;
        out.flush().map_err(|e| io_error(&path, e))?;
        drop(out);
        let path = fresh.join("state.json");
        let text = serde_json::to_string_pretty(state).expect("state serializes");
        std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
        let (current, old) = (self.current(), self.dir.join("checkpoint.old"));
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| io_error(&old, e))?;
        }
        if current.exists() {
            std::fs::rename(&current, &old).map_err(|e| io_error(&current, e))?;
        }
        std::fs::rename(&fresh, &current).map_err(|e| io_error(&fresh, e))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| io_error(&old, e))?;
        }
        Ok(())
    }

    fn read(
        &self,
        from: &Path,
        agent: Agent,
        obs_dim: usize,
        settings: &SacSettings,
    ) -> Result<(State, Agent, Replay)> {
        let path = from.join("state.json");
        let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
        let state: State = serde_json::from_str(&text).map_err(|e| io_error(&path, e))?;
        let agent = agent.load(from)?;
        let path = from.join("replay.bin");
        let mut input = BufReader::new(File::open(&path).map_err(|e| io_error(&path, e))?);
        let replay =
            Replay::read(&mut input, settings.buffer, obs_dim).map_err(|e| io_error(&path, e))?;
        Ok((state, agent, replay))
    }
}

/// Trains a soft actor-critic agent on `task` as `settings` say, writing logs and
/// checkpoints into `dir`; resumes from `dir`'s checkpoint when it has one (with the same
/// settings and problem, else an error). `progress` shows a progress bar on standard
/// error (hidden when it is not a terminal).
pub fn train(
    task: &Task<'_>,
    settings: &SacSettings,
    dir: &Path,
    progress: bool,
) -> Result<Trained> {
    settings.validate()?;
    let clock = Instant::now();
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let checkpoints = Checkpoints {
        dir: dir.to_path_buf(),
    };
    let mut env = Environment::new(
        task.problem,
        settings.observation,
        task.bounds,
        task.top_level,
    );
    let obs_dim = env.observation_len();
    let agent = Agent::new(obs_dim, settings)?;
    let (training_csv, evaluations_csv) = (dir.join("training.csv"), dir.join("evaluations.csv"));
    let (mut state, mut agent, mut replay, resumed) = match checkpoints.latest() {
        Some(from) => {
            let (state, agent, replay) = checkpoints.read(&from, agent, obs_dim, settings)?;
            // A run may be continued to more steps or on another device; every other
            // setting must match.
            let same = SacSettings {
                steps: settings.steps,
                device: settings.device,
                ..state.settings.clone()
            };
            if same != *settings {
                return Err(Error::Settings(format!(
                    "{} holds a run with other settings ({}); use another --out directory or the same [control.sac]",
                    dir.display(),
                    serde_json::to_string(&state.settings).unwrap_or_default()
                )));
            }
            if state.problem != fingerprint(task) {
                return Err(Error::Settings(format!(
                    "{} holds a run of another problem ({}; this one: {})",
                    dir.display(),
                    state.problem,
                    fingerprint(task)
                )));
            }
            truncate_csv(&training_csv, state.episodes_logged)?;
            truncate_csv(&evaluations_csv, state.evaluations_logged)?;
            let resumed = Some(state.step);
            (state, agent, replay, resumed)
        }
        None => {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&settings.seed.to_le_bytes());
            let state = State {
                settings: settings.clone(),
                problem: fingerprint(task),
                step: 0,
                episode: 0,
                rng_seed: seed,
                rng_word_pos: 0,
                best: None,
                episodes_logged: 0,
                evaluations_logged: 0,
                last_losses: (f64::NAN, f64::NAN, f64::NAN, f64::NAN),
                running_return: f64::NAN,
                training_seconds: 0.0,
            };
            (state, agent, Replay::new(settings.buffer, obs_dim), None)
        }
    };
    state.settings = settings.clone();
    let seconds_before = state.training_seconds;
    let mut rng = ChaCha8Rng::from_seed(state.rng_seed);
    rng.set_word_pos(state.rng_word_pos);
    let mut episodes = csv_appender(&training_csv, resumed.is_none())?;
    let mut evaluations = csv_appender(&evaluations_csv, resumed.is_none())?;
    let bar = if progress {
        indicatif::ProgressBar::new(settings.steps as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} steps, {msg} (eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_position(state.step as u64);
    let mut last_checkpoint = state.step;
    env.reset();
    let mut episode_return = 0.0;
    let (critic, actor, alpha, entropy) = state.last_losses;
    let mut losses = Losses {
        critic,
        actor,
        alpha,
        entropy,
    };
    // Empty at an episode's end, so a checkpoint never holds a pending step.
    let mut n_step = NStep::new(settings.n_step, settings.discount);
    // Whole episodes: the last one ends at or after `settings.steps`.
    while state.step < settings.steps || !env.at_start() {
        let obs = env.observe();
        let action = if state.step < settings.random_steps {
            rand::Rng::random_range(&mut rng, -1.0..1.0)
        } else {
            agent.act(&obs, &mut rng)
        };
        let (outcome, reward) = env.step(action, state.step, settings)?;
        let next_obs = env.observe();
        n_step.push(
            &mut replay,
            (obs, action as f32, reward),
            &next_obs,
            outcome.done,
        );
        episode_return += reward;
        state.step += 1;
        if state.step >= settings.update_after {
            let batch = replay.sample(settings.batch, &mut rng);
            losses = agent.update(batch, settings.target_entropy(state.step), &mut rng);
            state.last_losses = (losses.critic, losses.actor, losses.alpha, losses.entropy);
        }
        if state.step % settings.evaluate_every == 0 {
            let (values, objective, energy, power) = evaluate(&agent, task, settings)?;
            let better = state.best.as_ref().is_none_or(|b| objective > b.objective);
            if better {
                state.best = Some(Trained {
                    values,
                    objective,
                    energy,
                    found_at_step: state.step,
                    steps: 0,
                    episodes: 0,
                    resumed_from: None,
                    wall_seconds: 0.0,
                    training_seconds: 0.0,
                });
            }
            let best_objective = state.best.as_ref().map_or(objective, |b| b.objective);
            evaluations
                .serialize(EvaluationRow {
                    step: state.step,
                    objective,
                    energy,
                    power,
                    best_objective,
                })
                .map_err(|e| io_error(&evaluations_csv, e))?;
            evaluations
                .flush()
                .map_err(|e| io_error(&evaluations_csv, e))?;
            state.evaluations_logged += 1;
        }
        bar.inc(1);
        if outcome.done {
            state.episode += 1;
            state.running_return = if state.running_return.is_finite() {
                0.95 * state.running_return + 0.05 * episode_return
            } else {
                episode_return
            };
            episodes
                .serialize(EpisodeRow {
                    episode: state.episode,
                    step: state.step,
                    episode_return,
                    energy: outcome.energy,
                    power: outcome.power,
                    alpha: agent.alpha(),
                    critic_loss: losses.critic,
                    actor_loss: losses.actor,
                    entropy: losses.entropy,
                    target_entropy: settings.target_entropy(state.step),
                    power_weight: settings.power_weight(state.step),
                })
                .map_err(|e| io_error(&training_csv, e))?;
            episodes.flush().map_err(|e| io_error(&training_csv, e))?;
            state.episodes_logged += 1;
            bar.set_message(format!(
                "episode {}, running return {:.4}",
                state.episode, state.running_return
            ));
            episode_return = 0.0;
            env.reset();
            let last = state.step >= settings.steps;
            let due = settings.checkpoint_every > 0
                && state.step - last_checkpoint >= settings.checkpoint_every;
            if due || last {
                debug_assert!(n_step.is_empty(), "a checkpoint with pending n-step steps");
                state.rng_word_pos = rng.get_word_pos();
                state.training_seconds = seconds_before + clock.elapsed().as_secs_f64();
                checkpoints.write(&state, &agent, &replay)?;
                last_checkpoint = state.step;
            }
        }
    }
    bar.finish_and_clear();
    let mut best = state.best.clone().ok_or_else(|| {
        Error::Settings(format!(
            "no evaluation in {} steps: lower control.sac.evaluate_every (now {})",
            settings.steps, settings.evaluate_every
        ))
    })?;
    best.steps = state.step;
    best.episodes = state.episode;
    best.resumed_from = resumed;
    best.wall_seconds = clock.elapsed().as_secs_f64();
    best.training_seconds = seconds_before + best.wall_seconds;
    Ok(best)
}
