//! Time evolution: Schrödinger, Lindblad, steady states and collision (repeated-interaction) maps.

pub mod collision;
pub mod hamiltonian;
pub mod ladder;
pub mod lindblad;
pub mod ode;
pub mod schrodinger;
pub mod steady;
