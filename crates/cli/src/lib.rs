//! The front end of the `qbattery` command, as a library: scenario files, run
//! directories, plots, resumable sweeps and the commands built on them. No physics lives
//! here; the models and solvers are in the `qbattery` crate.

#![forbid(unsafe_code)]

pub mod control;
pub mod final_state;
pub mod grid_sweep;
#[cfg(feature = "mpi")]
pub mod mpi_sweep;
pub mod optimize;
pub mod output;
pub mod plot;
pub mod reproduce;
pub mod results;
pub mod sac;
pub mod scenario;
pub mod simulate;
pub mod sweep;
