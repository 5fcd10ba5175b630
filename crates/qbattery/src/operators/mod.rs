//! Operators: local operators on one subsystem and sums of their tensor products.

pub mod local;
pub mod opsum;
