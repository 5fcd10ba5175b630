//! `qbattery reproduce PAPER`: regenerates a paper's figures and tables.

pub mod micromaser;
