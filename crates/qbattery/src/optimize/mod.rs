//! Optimisers: bounded quasi-Newton with exact gradients, multi-start.
