//! Lindblad master equation with time-dependent Hamiltonians, integrated on the density matrix.
