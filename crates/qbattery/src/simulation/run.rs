//! The one result type of every model: [`Run`].

use std::collections::BTreeMap;

use crate::error::Warning;
use crate::{c64, Mat};

use super::plan::Method;
use super::units::Units;

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
    /// The same run at a larger cutoff, when asked for (`output.check_cutoff`).
    pub cutoff_check: Option<CutoffCheck>,
    /// Numerical trouble found along the way.
    pub warnings: Vec<Warning>,
    /// Wall time of the run in seconds.
    pub wall_seconds: f64,
    /// The reduced density matrix of each bosonic mode at the end of the run, by site
    /// name (Fock basis), for final-state figures (Fock populations, Wigner function).
    #[serde(skip)]
    pub final_modes: Vec<(String, Mat<c64>)>,
    /// The battery's reduced density matrix ρ_B at the end of the run (in the product
    /// basis of the battery's sites, in their order), when the engine keeps it.
    #[serde(skip)]
    pub final_battery: Option<Mat<c64>>,
    /// The units of the grid, the series and the scalars (set from the model).
    pub units: Units,
}

/// Relative difference above which a scalar counts as not converged in the cutoff.
pub const CUTOFF_CHECK_REL: f64 = 1e-3;

/// A run repeated at a larger cutoff (`output.check_cutoff`): every summary scalar and
/// final value at both cutoffs, e.g. to show that the paper's 14 Fock levels hold the
/// first charging peak but not a long closed run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CutoffCheck {
    /// The run's cutoff (levels of the mode) and the larger one.
    pub levels: [usize; 2],
    /// `name: [at the run's cutoff, at the larger one]` for every summary scalar
    /// (`e_max`, `top_level_population_cavity`, `steady_*`, …) and `final_<series>`.
    pub scalars: BTreeMap<String, [f64; 2]>,
    /// The largest |a − b| / max(|a|, |b|, 1e-12) over them.
    pub max_relative_difference: f64,
    /// Whether every scalar agrees within [`CUTOFF_CHECK_REL`].
    pub converged: bool,
}

impl CutoffCheck {
    /// Compares `run` (at `levels[0]`) with `larger` (at `levels[1]`), adding a warning to
    /// `run` for each scalar that differs by more than [`CUTOFF_CHECK_REL`].
    pub fn attach(run: &mut Run, larger: &Run, levels: [usize; 2]) {
        let values = |r: &Run| {
            let mut v = r.summary_scalars();
            for (name, s) in &r.series {
                if let Some(&last) = s.last() {
                    v.insert(format!("final_{name}"), last);
                }
            }
            v
        };
        let (a, b) = (values(run), values(larger));
        let mut scalars = BTreeMap::new();
        let mut worst: f64 = 0.0;
        let mut moved = Vec::new();
        for (k, &x) in &a {
            let Some(&y) = b.get(k) else { continue };
            let rel = (x - y).abs() / x.abs().max(y.abs()).max(1e-12);
            // Top-level populations are expected to change: they are the diagnostic.
            if !k.starts_with("top_level_population") {
                worst = worst.max(rel);
                if rel > CUTOFF_CHECK_REL {
                    moved.push(format!("{k} {x:.6} → {y:.6}"));
                }
            }
            scalars.insert(k.clone(), [x, y]);
        }
        if !moved.is_empty() {
            run.warnings.push(Warning::Other {
                message: format!(
                    "not converged in the cutoff: at {} instead of {} levels {}",
                    levels[1],
                    levels[0],
                    moved.join(", ")
                ),
            });
        }
        run.cutoff_check = Some(CutoffCheck {
            levels,
            scalars,
            max_relative_difference: worst,
            converged: moved.is_empty(),
        });
    }
}

/// The steady state of an open run (`output.steady_state = true`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SteadyReport {
    /// E(∞) = Tr[H_B ρ_B,ss] − Tr[H_B ρ_B(0)].
    pub energy: f64,
    /// Every requested metric at the steady state (by column name; no power).
    pub metrics: BTreeMap<String, f64>,
    /// Dimension of the Liouvillian's null space (in the evolved subspace, or in the
    /// subspace reachable from the initial state when `reachable_dimension` is given).
    pub null_space_dimension: usize,
    /// The dimension of the subspace reachable from the initial state (invariant under H
    /// and the jumps) when the steady state was solved there; `None`: the whole evolved
    /// subspace.
    pub reachable_dimension: Option<usize>,
    /// Where the null space was counted, e.g. `the whole space (dimension 8); ρ
    /// block-diagonal in the charge`: a steady state unique there may be one of several of
    /// the whole space (another symmetry sector, a dark state the initial state does not
    /// reach).
    pub counted_in: String,
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
            cutoff_check: None,
            warnings: Vec::new(),
            wall_seconds: 0.0,
            final_modes: Vec::new(),
            final_battery: None,
            units: Units::default(),
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
