//! Steady states of a Lindblad generator: null space, its dimension, and the state reached from an initial state.
