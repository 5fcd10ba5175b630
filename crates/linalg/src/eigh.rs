//! Hermitian eigen-decomposition with ascending eigenvalues.
