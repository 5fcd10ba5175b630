//! The one result type of every model: [`Run`].

use std::collections::BTreeMap;

use crate::error::Warning;
use crate::{c64, Mat};

use super::plan::Method;

/// What a run produced: series on a common grid (time, or collision number), summary
/// scalars, the steady state, warnings and the solver record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Run {
    /// Name of the grid variable, e.g. `"t"` or `"collisions"`.
    pub grid_name: String,
    /// The grid values.
    pub grid: Vec<f64>,
    /// `(name, values)` series of the same length as the grid, e.g. `("energy", …)`.
    pub series: Vec<(String, Vec<f64>)>,
    /// Scalar results, e.g. `e_max`, `t_e_max`, `p_max`, `t_p_max`, `final_energy`.
    pub scalars: BTreeMap<String, f64>,
    /// The method.
    pub method: Method,
    /// The solver and its settings, for the record (method, tolerances, blocks used,
    /// step counts, …).
    pub solver: BTreeMap<String, RecordValue>,
    /// The steady state, when asked for.
    pub steady_state: Option<SteadyReport>,
    /// Numerical trouble found along the way.
    pub warnings: Vec<Warning>,
    /// Wall time of the run in seconds.
    pub wall_seconds: f64,
    /// The reduced density matrix of each bosonic mode at the end of the run, by site
    /// name (Fock basis), for final-state figures (Fock populations, Wigner function).
    #[serde(skip)]
    pub final_modes: Vec<(String, Mat<c64>)>,
}

/// The steady state of an open run (`output.steady_state = true`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SteadyReport {
    /// E(∞) = Tr[H_B ρ_B,ss] − Tr[H_B ρ_B(0)].
    pub energy: f64,
    /// Every requested metric at the steady state (by column name; no power).
    pub metrics: BTreeMap<String, f64>,
    /// Dimension of the Liouvillian's null space (in the evolved subspace).
    pub null_space_dimension: usize,
    /// Whether the steady state is unique (null space of dimension 1); otherwise the
    /// reported one is the steady state reached from the scenario's initial state.
    pub unique: bool,
    /// ‖𝓛ρ_ss‖_F.
    pub residual: f64,
    /// The slowest nonzero decay rate of the Liouvillian, when it could be had.
    pub gap: Option<f64>,
    /// The null-space method: `dense-svd` or `sparse-lu`.
    pub method: String,
}

/// A value in a solver record: a number, a count, a string or a flag.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum RecordValue {
    /// A number.
    Number(f64),
    /// A count.
    Count(u64),
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
        RecordValue::Count(v as u64)
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

impl Run {
    /// An empty run on the grid `grid_name` made by `method` (recorded as `method`).
    pub fn new(grid_name: &str, grid: Vec<f64>, method: Method) -> Self {
        let mut run = Self {
            grid_name: grid_name.to_string(),
            grid,
            series: Vec::new(),
            scalars: BTreeMap::new(),
            method,
            solver: BTreeMap::new(),
            steady_state: None,
            warnings: Vec::new(),
            wall_seconds: 0.0,
            final_modes: Vec::new(),
        };
        run.record("method", method.name());
        run
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

    /// The summary scalars a sweep tabulates: every scalar, and `steady_<name>` for the
    /// steady-state energy and metrics.
    pub fn summary_scalars(&self) -> BTreeMap<String, f64> {
        let mut out = self.scalars.clone();
        if let Some(s) = &self.steady_state {
            out.insert("steady_energy".into(), s.energy);
            for (k, v) in &s.metrics {
                out.insert(format!("steady_{k}"), *v);
            }
            out.insert(
                "steady_null_space_dimension".into(),
                s.null_space_dimension as f64,
            );
        }
        out
    }
}
