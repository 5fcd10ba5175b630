//! The result of running a model: named series over a grid, scalar results, and diagnostics.
//!
//! Every model's `simulate` returns a [`Trajectory`]. The command-line front end writes it
//! as `timeseries.csv` (the grid and every series), `summary.json` (scalars, solver,
//! warnings) and one plot per series, without knowing anything about the model.

use crate::error::Warning;
use std::collections::BTreeMap;

/// Named series sampled on a common grid (time, or collision number), plus scalars.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Trajectory {
    /// Name of the grid variable, e.g. `"t"` or `"collisions"`.
    pub grid_name: String,
    /// The grid values.
    pub grid: Vec<f64>,
    /// `(name, values)` series of the same length as the grid, e.g. `("energy", …)`.
    pub series: Vec<(String, Vec<f64>)>,
    /// Scalar results, e.g. `e_max`, `t_e_max`, `p_max`, `t_p_max`.
    pub scalars: BTreeMap<String, f64>,
    /// The solver and its settings, for the record (method, tolerances, blocks used, …).
    pub solver: BTreeMap<String, RecordValue>,
    /// Numerical trouble found along the way.
    pub warnings: Vec<Warning>,
}

/// A value in a solver record: a number, a string or a flag (the library does not
/// depend on a JSON crate).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum RecordValue {
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// A boolean.
    Flag(bool),
}

impl From<f64> for RecordValue {
    fn from(v: f64) -> Self {
        RecordValue::Number(v)
    }
}
impl From<usize> for RecordValue {
    fn from(v: usize) -> Self {
        RecordValue::Number(v as f64)
    }
}
impl From<&str> for RecordValue {
    fn from(v: &str) -> Self {
        RecordValue::Text(v.to_string())
    }
}
impl From<String> for RecordValue {
    fn from(v: String) -> Self {
        RecordValue::Text(v)
    }
}
impl From<bool> for RecordValue {
    fn from(v: bool) -> Self {
        RecordValue::Flag(v)
    }
}

impl Trajectory {
    /// An empty trajectory on the grid `grid_name`.
    pub fn new(grid_name: &str, grid: Vec<f64>) -> Self {
        Self {
            grid_name: grid_name.to_string(),
            grid,
            ..Self::default()
        }
    }

    /// Adds a series; panics if its length differs from the grid's (an internal bug).
    pub fn push_series(&mut self, name: &str, values: Vec<f64>) {
        assert_eq!(
            values.len(),
            self.grid.len(),
            "series '{name}' has the wrong length"
        );
        self.series.push((name.to_string(), values));
    }

    /// The series called `name`.
    pub fn series(&self, name: &str) -> Option<&[f64]> {
        self.series
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Records a solver setting.
    pub fn record(&mut self, key: &str, value: impl Into<RecordValue>) {
        self.solver.insert(key.to_string(), value.into());
    }
}
