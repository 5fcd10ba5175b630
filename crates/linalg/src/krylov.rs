//! Krylov approximations of exp(t A) v: Lanczos for Hermitian A, Arnoldi for general A.
