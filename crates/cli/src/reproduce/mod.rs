//! `qbattery reproduce <paper>`: regenerate a paper's figures and tables.

pub mod cavity_chain;
pub mod central_spin;
pub mod micromaser;
