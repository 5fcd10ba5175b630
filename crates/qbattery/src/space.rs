//! Hilbert spaces as ordered products of subsystems.
