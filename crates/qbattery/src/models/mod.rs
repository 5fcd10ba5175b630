//! Battery models: each turns parameters into a space, a Hamiltonian, dissipators,
//! an initial state and the battery Hamiltonian. No solver code lives here.

pub mod cavity;
pub mod cavity_chain;
pub mod central_spin;
pub mod micromaser;
pub mod tavis_cummings;
