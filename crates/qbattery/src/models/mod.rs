//! Battery models behind one [`Model`] trait and one [`registry`]: each turns checked
//! parameters into a [`Problem`](crate::simulation::Problem) for the common runner, or
//! runs an engine of its own, and returns the common [`Run`](crate::simulation::Run).
//! No solver code lives here.
//!
//! A model may also implement [`crate::optimize::Objective`] for a loss of its own
//! (the micromaser's Eq. 11): optimize knows objectives, not models.

pub mod cavity;
pub mod cavity_chain;
pub mod central_spin;
pub mod control;
pub mod custom;
pub mod driven_qubit;
pub mod field_qb;
pub mod micromaser;
pub mod model;
pub mod registry;
pub mod star;
pub mod tavis_cummings;

pub use model::{Checked, Description, Engine, Model, Parameters, TimeEvolution};
