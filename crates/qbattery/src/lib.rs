//! # qbattery
//!
//! Model, simulate and optimise quantum batteries.
//!
//! Conventions, used everywhere in this crate:
//! - units ħ = k_B = 1; complex `f64` throughout ([`c64`]);
//! - the tensor order of a product space is the order in which its subsystems are declared;
//! - entropies, negativities and steering quantities use base-2 logarithms;
//! - stored energy E(t) = Tr[H_B ρ_B(t)] − Tr[H_B ρ_B(0)], average power P(t) = E(t)/t.
//!
//! Layers: [`space`] and [`operators`] / [`states`] over `qbattery_linalg`;
//! [`dynamics`] and [`metrics`] over those; [`simulation`] runs problems; [`models`]
//! (one [`models::Model`] trait, one registry) turn parameters into problems or run
//! engines of their own; [`scenario`] reads scenario files into models; [`optimize`]
//! searches protocols.

#![forbid(unsafe_code)]

mod components;
pub mod dynamics;
pub mod error;
pub mod metrics;
pub mod models;
pub mod operators;
pub mod optimize;
pub mod permutation;
pub mod scenario;
pub mod sector;
pub mod simulation;
pub mod space;
pub mod states;

pub use error::{Error, Result, Warning};
pub use qbattery_linalg::{c64, row_major, sparse::CsrMatrix, Mat, MatMut, MatRef};
