//! The Tavis–Cummings / Dicke battery: N two-level cells in one cavity mode.
