//! Wigner function of a single boson mode on a phase-space grid.
