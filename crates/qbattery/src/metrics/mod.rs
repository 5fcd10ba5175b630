//! Figures of merit, each a plain function of states and operators.

pub mod energy;
pub mod entropy;
pub mod ergotropy;
pub mod negativity;
pub mod populations;
pub mod steering;
pub mod wigner;

pub(crate) mod spectrum;
