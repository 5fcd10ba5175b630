//! Running a model: what a run is, independent of any model.
//!
//! Every time-evolution model turns its parameters into a [`Problem`] (space,
//! H(t) = H₀ + Σ_k f_k(t) H_k, jumps, initial state, battery, conserved charge) and
//! [`run()`] does the rest:
//! - [`plan()`]: the subspace (with a conserved charge, only the sectors the initial state
//!   occupies, closed, or can reach through the jump operators, open), the blocks, the
//!   method and a memory estimate, before anything large is allocated;
//! - the method, from what the problem is ([`Method`]): eigen-propagation of each block
//!   for a closed time-independent problem (exact at every time, so E_max and P_max are
//!   refined on the exact E(t)); Krylov propagation between the break points of
//!   piecewise-constant drives; adaptive Runge–Kutta for continuous drives and for the
//!   Lindblad equation of open systems;
//! - the observers: metrics from the battery's reduced state on the fly, truncation
//!   diagnostics of every boson mode, and the steady state when asked for.
//!
//! The result is a [`Run`], the one result type of every model (models with their own
//! engines, central spin and micromaser, fill the same type).
//!
//! Files: [`problem`], [`drive`], [`settings`], [`plan`](mod@plan), [`memory`],
//! `observer` (private), [`progress`], [`run`](mod@run), [`runner`], [`units`].

pub mod drive;
pub mod memory;
mod observer;
pub mod plan;
pub mod problem;
pub mod progress;
pub mod run;
pub mod runner;
pub mod settings;
pub mod symmetry;
pub mod units;

pub use drive::Drive;
pub use memory::Estimate;
pub use plan::{plan, Block, Method, Plan};
pub use problem::{Battery, DriveTerm, Problem};
pub use progress::{Progress, Silent};
pub use run::{CutoffCheck, RecordValue, Run, SteadyReport};
pub use runner::{control_block, run, run_planned, ControlBlock};
pub use settings::{Metric, OutputSettings, SolverSettings, TimeGrid};
pub use units::Units;
