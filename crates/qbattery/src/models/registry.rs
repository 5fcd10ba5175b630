//! The registry: every model a scenario can name. Adding a model is one file (its
//! parameters implementing [`Parameters`]) and one line here.

use super::model::{load, Checked, Model, Parameters};
use super::{
    cavity_chain, central_spin, custom, driven_qubit, field_qb, micromaser, star, tavis_cummings,
};
use crate::error::Result;

/// A model a scenario can name.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The `model` key of a scenario.
    pub name: &'static str,
    /// One line on what it is.
    pub about: &'static str,
    /// Reads and checks its parameters from the scenario table (without `model`).
    pub load: fn(toml::Value) -> Result<Box<dyn Model>>,
}

impl Entry {
    /// The entry of the model whose parameters are `P`.
    pub const fn of<P: Parameters>() -> Self
    where
        Checked<P>: Model,
    {
        Self {
            name: P::NAME,
            about: P::ABOUT,
            load: load::<P>,
        }
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry").field("name", &self.name).finish()
    }
}

/// Every model, in the order `qbattery models` lists them.
pub const MODELS: &[Entry] = &[
    Entry::of::<tavis_cummings::Params>(),
    Entry::of::<cavity_chain::Params>(),
    Entry::of::<central_spin::Params>(),
    Entry::of::<micromaser::Params>(),
    Entry::of::<star::Params>(),
    Entry::of::<field_qb::Params>(),
    Entry::of::<driven_qubit::Params>(),
    Entry::of::<custom::Params>(),
];

/// The model called `name`.
pub fn find(name: &str) -> Option<&'static Entry> {
    MODELS.iter().find(|e| e.name == name)
}

/// The names of every model.
pub fn names() -> Vec<&'static str> {
    MODELS.iter().map(|e| e.name).collect()
}
