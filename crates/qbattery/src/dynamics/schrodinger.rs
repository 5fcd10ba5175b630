//! Closed-system dynamics: eigen-propagation, Krylov for piecewise-constant H, adaptive RK for H(t).
