//! States: kets and density matrices, basis/Fock/coherent/thermal/product/ground states, reduced states.
