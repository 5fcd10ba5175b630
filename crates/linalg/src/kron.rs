//! Kronecker products of dense matrices.
