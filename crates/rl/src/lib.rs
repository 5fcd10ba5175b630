//! Soft actor-critic search over the charging protocols of a qbattery control problem
//! (paper 000_e3df25f406468476, Sec. IV and Appendix A): an agent picks the coupling
//! g_k of each step of the protocol after seeing the battery's state, trained with the
//! paper's reward (ΔE moving to ΔP with a Fermi weight of the training step) and
//! hyperparameters (Table I, [`SacSettings::paper`]), or a laptop-sized preset
//! ([`SacSettings::fast`]).
//!
//! The environment is [`qbattery::optimize::control::Episode`]: the same prepared block
//! and step propagators as GRAPE, so the protocol found is scored by the same objective
//! and re-checked at a larger cutoff by the same code. Neural networks run on burn's
//! `flex` CPU backend, or on a GPU in a build with the `wgpu` feature
//! ([`backend`]); this crate is kept off the default build (burn takes minutes to
//! compile) and reached from the `qbattery` command through its `sac` feature.

pub mod agent;
pub mod backend;
pub mod environment;
pub mod network;
pub mod replay;
pub mod settings;
pub mod train;

use std::path::PathBuf;

pub use backend::Accelerator;
pub use settings::{Observation, SacSettings};
pub use train::{train, Task, Trained};

/// What can go wrong in a training run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The physics below (a bad control value, a failed step).
    #[error(transparent)]
    Physics(#[from] qbattery::Error),
    /// A setting out of range, or a run directory holding another run.
    #[error("{0}")]
    Settings(String),
    /// A checkpoint or log that could not be written or read.
    #[error("checkpoint {path}: {detail}")]
    Checkpoint { path: PathBuf, detail: String },
}

/// The crate's result.
pub type Result<T> = std::result::Result<T, Error>;
