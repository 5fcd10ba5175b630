//! Battery models: each turns parameters into a space, a Hamiltonian, dissipators,
//! an initial state and the battery Hamiltonian. No solver code lives here.

pub mod micromaser;
pub mod tavis_cummings;
