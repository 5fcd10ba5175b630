//! Local operators on a single subsystem: spin-j, qubit (Pauli), boson mode, collective Dicke spin.
