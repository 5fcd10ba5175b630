//! Stored energy, average power, and their maxima refined between grid points.
