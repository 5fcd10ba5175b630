//! Running a model: the problem a model defines, the settings of a run, the runner that
//! picks the symmetry blocks and the dynamics, and the model-independent result.
//!
//! Every model turns its parameters into a [`Problem`] (space, Hamiltonian, jumps,
//! initial state, battery, conserved charge) and [`run`] does the rest:
//! - the subspace: with a conserved charge, only the sectors the initial state occupies
//!   (closed) or can reach through the jump operators (open) are built;
//! - the dynamics: a pure state without jumps is propagated exactly by the eigen-
//!   decomposition of each block (exact at every time, so E_max and P_max are refined
//!   on the exact E(t)); otherwise the Lindblad equation is integrated on the density
//!   matrix with an adaptive Runge–Kutta method;
//! - the metrics, computed on the fly from the battery's reduced state, and the
//!   truncation diagnostics of every boson mode.
//!
//! The result is a [`Trajectory`]; the command-line front end writes it as
//! `timeseries.csv`, `summary.json` and plots without knowing the model.

use crate::dynamics::hamiltonian::Hamiltonian;
use crate::dynamics::lindblad::Lindblad;
use crate::dynamics::ode::OdeOptions;
use crate::dynamics::schrodinger::EigenPropagator;
use crate::error::{Error, Result, Warning};
use crate::metrics::{energy, entropy, ergotropy, negativity};
use crate::operators::opsum::OpSum;
use crate::sector::{Charge, Subspace};
use crate::space::{Space, Subsystem};
use crate::states::ProductState;
use qbattery_linalg::{c64, Mat, MatRef};
use std::collections::BTreeMap;

/// The battery part of a problem.
#[derive(Debug, Clone)]
pub struct Battery {
    /// Its sites in the problem's space.
    pub sites: Vec<usize>,
    /// The same sites as a space of their own (site k of this space is `sites[k]`).
    pub space: Space,
    /// H_B on `space`.
    pub hamiltonian: OpSum,
    /// The spectrum of H_B on the battery's physical Hilbert space, with multiplicities,
    /// when `space` is a symmetry-reduced representation of it (e.g. N cells as one Dicke
    /// spin): ergotropy is computed against it. `None`: the eigenvalues of H_B on `space`.
    pub full_spectrum: Option<Vec<f64>>,
}

/// What a model defines; see the module documentation.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The product space, in tensor order.
    pub space: Space,
    /// The (time-independent) Hamiltonian.
    pub hamiltonian: OpSum,
    /// Lindblad jump operators, rates included (L = √γ J); empty for a closed system.
    pub jumps: Vec<OpSum>,
    /// The initial state.
    pub initial: ProductState,
    /// A charge that the Hamiltonian conserves, if any (checked when building).
    pub charge: Option<Charge>,
    /// The battery.
    pub battery: Battery,
}

/// Output times t_k = k · t_max / (steps − 1), k = 0 … steps − 1.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeGrid {
    /// Last time (> 0).
    pub t_max: f64,
    /// Number of output times, including t = 0 (≥ 2).
    pub steps: usize,
}

impl TimeGrid {
    /// Checks `t_max` and `steps`.
    pub fn validate(&self) -> Result<()> {
        if !(self.t_max > 0.0 && self.t_max.is_finite()) {
            return Err(Error::invalid(
                "time.t_max",
                self.t_max,
                "a finite number > 0",
            ));
        }
        if !(2..=10_000_000).contains(&self.steps) {
            return Err(Error::invalid(
                "time.steps",
                self.steps,
                "between 2 and 10⁷",
            ));
        }
        Ok(())
    }

    /// The output times.
    pub fn times(&self) -> Vec<f64> {
        (0..self.steps)
            .map(|k| self.t_max * k as f64 / (self.steps - 1) as f64)
            .collect()
    }
}

/// Settings of the adaptive integrator (open systems).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SolverSettings {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Most steps allowed.
    pub max_steps: usize,
}

impl Default for SolverSettings {
    fn default() -> Self {
        Self {
            rtol: 1e-8,
            atol: 1e-10,
            max_steps: 10_000_000,
        }
    }
}

impl SolverSettings {
    /// Checks the tolerances.
    pub fn validate(&self) -> Result<()> {
        self.ode_options().validate().map_err(|e| match e {
            Error::InvalidParameter {
                name,
                value,
                allowed,
            } => Error::InvalidParameter {
                name: format!("solver.{name}"),
                value,
                allowed,
            },
            other => other,
        })
    }

    fn ode_options(&self) -> OdeOptions {
        OdeOptions {
            rtol: self.rtol,
            atol: self.atol,
            max_steps: self.max_steps,
            ..OdeOptions::default()
        }
    }
}

/// A figure of merit a run can report along the trajectory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Stored energy E(t) = Tr[H_B ρ_B(t)] − Tr[H_B ρ_B(0)].
    Energy,
    /// Average power P(t) = E(t)/t.
    Power,
    /// Ergotropy of ρ_B(t).
    Ergotropy,
    /// Ergotropy / the largest ergotropy any battery state has.
    NormalizedErgotropy,
    /// Ergotropy / stored energy (paper 003).
    Efficiency,
    /// Tr ρ_B².
    Purity,
    /// Von Neumann entropy of ρ_B, base 2.
    Entropy,
    /// Logarithmic negativity (base 2) between the battery and the rest.
    LogNegativity,
    /// Mean occupation ⟨a†a⟩ of each boson mode.
    Photons,
}

/// What a run reports.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSettings {
    /// Metrics to compute along the trajectory.
    pub metrics: Vec<Metric>,
    /// Largest acceptable population of a mode's top Fock level before a warning.
    pub cutoff_tolerance: f64,
}

impl Default for OutputSettings {
    fn default() -> Self {
        Self {
            metrics: vec![Metric::Energy, Metric::Power],
            cutoff_tolerance: 1e-6,
        }
    }
}

impl OutputSettings {
    /// Checks the tolerance.
    pub fn validate(&self) -> Result<()> {
        if !(self.cutoff_tolerance > 0.0 && self.cutoff_tolerance < 1.0) {
            return Err(Error::invalid(
                "output.cutoff_tolerance",
                self.cutoff_tolerance,
                "in (0, 1)",
            ));
        }
        Ok(())
    }
}

/// How a problem will be run: the subspace, its blocks and the method.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Dimension of the full space.
    pub full_dim: usize,
    /// The subspace that is evolved.
    pub subspace: Subspace,
    /// `(charge value, dimension)` of each block diagonalised separately (closed systems),
    /// or the single block of the open system.
    pub blocks: Vec<(Option<i64>, usize)>,
    /// `"eigen-propagation"` or `"lindblad-rk45"`.
    pub method: &'static str,
    /// Rough memory need of the run, in bytes.
    pub memory_bytes: usize,
}

/// Full dimension above which global metrics (log-negativity) are refused.
const MAX_FULL_DIM_FOR_GLOBAL_METRICS: usize = 4096;

/// Decides the subspace and method for a problem (what `qbattery info` prints).
pub fn plan(problem: &Problem) -> Result<Plan> {
    let full_dim = problem.space.dim()?;
    let closed = problem.jumps.is_empty() && problem.initial.is_pure();
    let c = std::mem::size_of::<c64>();
    let Some(charge) = &problem.charge else {
        let subspace = Subspace::full(&problem.space)?;
        let d = subspace.dim();
        let (method, memory_bytes) = if closed {
            ("eigen-propagation", 3 * d * d * c)
        } else {
            ("lindblad-rk45", 12 * d * d * c)
        };
        return Ok(Plan {
            full_dim,
            subspace,
            blocks: vec![(None, d)],
            method,
            memory_bytes,
        });
    };
    let support = problem.initial.charges(charge);
    if closed {
        let subspace = Subspace::sectors(&problem.space, charge, &support)?;
        let mut blocks = Vec::new();
        for &q in subspace.sector_values() {
            blocks.push((Some(q), Subspace::sector(&problem.space, charge, q)?.dim()));
        }
        let memory_bytes = blocks.iter().map(|(_, d)| 3 * d * d * c).max().unwrap_or(0);
        return Ok(Plan {
            full_dim,
            subspace,
            blocks,
            method: "eigen-propagation",
            memory_bytes,
        });
    }
    let mut shifts = Vec::new();
    for j in &problem.jumps {
        shifts.extend(j.charge_shifts(charge.weights(), &problem.space)?);
    }
    let subspace = Subspace::reachable(&problem.space, charge, &support, &shifts)?;
    let d = subspace.dim();
    Ok(Plan {
        full_dim,
        blocks: vec![(None, d)],
        subspace,
        method: "lindblad-rk45",
        memory_bytes: 12 * d * d * c,
    })
}

/// Runs a problem on a time grid and reports the requested metrics.
pub fn run(
    problem: &Problem,
    grid: &TimeGrid,
    solver: &SolverSettings,
    output: &OutputSettings,
) -> Result<Trajectory> {
    run_with_progress(problem, grid, solver, output, &mut |_| {})
}

/// [`run`], calling `progress(i)` once the state at the `i`-th output time (1-based, of
/// `grid.times().len()`) is sampled (e.g. to advance a progress bar).
pub fn run_with_progress(
    problem: &Problem,
    grid: &TimeGrid,
    solver: &SolverSettings,
    output: &OutputSettings,
    progress: &mut dyn FnMut(usize),
) -> Result<Trajectory> {
    grid.validate()?;
    solver.validate()?;
    output.validate()?;
    let plan = plan(problem)?;
    if output.metrics.contains(&Metric::LogNegativity)
        && plan.full_dim > MAX_FULL_DIM_FOR_GLOBAL_METRICS
    {
        return Err(Error::invalid(
            "output.metrics",
            "log_negativity",
            format!(
                "only for full dimensions ≤ {MAX_FULL_DIM_FOR_GLOBAL_METRICS} (this space has {})",
                plan.full_dim
            ),
        ));
    }
    let times = grid.times();
    let observer = Observer::new(problem, &plan.subspace, output)?;
    let mut samples = Vec::with_capacity(times.len());
    let mut traj = Trajectory::new("t", times.clone());
    traj.record("method", plan.method);
    traj.record("subspace", plan.subspace.label());
    traj.record("subspace_dim", plan.subspace.dim());
    traj.record("full_dim", plan.full_dim);
    traj.record(
        "blocks",
        format!("{:?}", plan.blocks.iter().map(|b| b.1).collect::<Vec<_>>()),
    );

    let maxima = if plan.method == "eigen-propagation" {
        let propagator = BlockPropagator::new(problem, &plan)?;
        let psi0 = problem.initial.ket_on(&plan.subspace)?;
        for &t in &times {
            push_sample(
                &mut samples,
                observer.observe_ket(&propagator.state_at(&psi0, t))?,
            );
            progress(samples.len());
        }
        let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
        let energy_at = |t: f64| {
            observer
                .energy_of_ket(&propagator.state_at(&psi0, t))
                .unwrap_or(f64::NAN)
        };
        energy::charging_maxima_exact(&times, &energies, energy_at)?
    } else {
        let h = Hamiltonian::constant(problem.hamiltonian.build(&plan.subspace)?)?;
        let jumps = problem
            .jumps
            .iter()
            .map(|j| j.build(&plan.subspace))
            .collect::<Result<Vec<_>>>()?;
        let lindblad = Lindblad::new(h, jumps)?;
        let rho0 = problem.initial.density_on(&plan.subspace)?;
        let opts = solver.ode_options();
        let report = lindblad.evolve_with(rho0.as_ref(), &times, &opts, |_, _, rho| {
            push_sample(&mut samples, observer.observe_density(rho)?);
            progress(samples.len());
            Ok(())
        })?;
        traj.record("rtol", solver.rtol);
        traj.record("atol", solver.atol);
        traj.record("steps", report.stats.steps);
        traj.record("rejected_steps", report.stats.rejected);
        traj.record("rhs_evaluations", report.stats.rhs_evals);
        traj.warnings.extend(report.warnings);
        let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
        energy::charging_maxima(&times, &energies)?
    };
    observer.finish(&times, samples, maxima, &mut traj)?;
    Ok(traj)
}

/// Exact propagation of a pure state, block by block.
struct BlockPropagator {
    /// For each block: positions of its states in the run's subspace, and its propagator.
    blocks: Vec<(Vec<usize>, EigenPropagator)>,
    dim: usize,
}

impl BlockPropagator {
    fn new(problem: &Problem, plan: &Plan) -> Result<Self> {
        let mut blocks = Vec::new();
        for &(q, _) in &plan.blocks {
            let block = match (q, &problem.charge) {
                (Some(q), Some(charge)) => Subspace::sector(&problem.space, charge, q)?,
                _ => plan.subspace.clone(),
            };
            let positions = (0..block.dim())
                .map(|i| {
                    plan.subspace
                        .position(block.full_index(i))
                        .expect("blocks lie inside the subspace")
                })
                .collect();
            blocks.push((
                positions,
                EigenPropagator::new(&problem.hamiltonian.build(&block)?)?,
            ));
        }
        Ok(Self {
            blocks,
            dim: plan.subspace.dim(),
        })
    }

    fn state_at(&self, psi0: &[c64], t: f64) -> Vec<c64> {
        let mut psi = vec![c64::new(0.0, 0.0); self.dim];
        for (positions, prop) in &self.blocks {
            let local: Vec<c64> = positions.iter().map(|&p| psi0[p]).collect();
            let evolved = prop
                .state_at(&local, t)
                .expect("block dimensions agree by construction");
            for (&p, a) in positions.iter().zip(evolved) {
                psi[p] = a;
            }
        }
        psi
    }
}

/// The metrics of one state.
struct Sample {
    energy: f64,
    values: Vec<f64>,
    top_level: Vec<f64>,
    /// Reduced states of the modes; kept for the last sample only (see [`push_sample`]).
    modes: Vec<Mat<c64>>,
}

/// Appends `s`, dropping the mode states of the sample before it: only the final ones
/// are reported.
fn push_sample(samples: &mut Vec<Sample>, s: Sample) {
    if let Some(prev) = samples.last_mut() {
        prev.modes.clear();
    }
    samples.push(s);
}

/// Computes metrics from states on the run's subspace.
struct Observer<'a> {
    problem: &'a Problem,
    subspace: &'a Subspace,
    metrics: Vec<Metric>,
    h_b: Mat<c64>,
    spectrum: Vec<f64>,
    /// Spread of the battery spectrum: the scale of its energies.
    scale: f64,
    e0: f64,
    modes: Vec<(usize, usize)>,
    cutoff_tolerance: f64,
}

impl<'a> Observer<'a> {
    fn new(problem: &'a Problem, subspace: &'a Subspace, output: &OutputSettings) -> Result<Self> {
        let b = &problem.battery;
        let h_b = b.hamiltonian.build(&Subspace::full(&b.space)?)?.to_dense();
        let mut spectrum = match &b.full_spectrum {
            Some(s) => s.clone(),
            None => {
                crate::metrics::populations::populations_in_eigenbasis(h_b.as_ref(), h_b.as_ref())?
                    .0
            }
        };
        spectrum.sort_by(f64::total_cmp);
        let modes = problem
            .space
            .sites()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.subsystem {
                Subsystem::Mode { levels } => Some((i, levels)),
                _ => None,
            })
            .collect();
        let scale = (spectrum[spectrum.len() - 1] - spectrum[0]).max(f64::MIN_POSITIVE);
        let mut obs = Self {
            problem,
            subspace,
            metrics: output.metrics.clone(),
            h_b,
            spectrum,
            scale,
            e0: 0.0,
            modes,
            cutoff_tolerance: output.cutoff_tolerance,
        };
        let rho_b0 = if problem.initial.is_pure() {
            subspace.reduce_ket(&problem.initial.ket_on(subspace)?, &b.sites)?
        } else {
            subspace.reduce_density(problem.initial.density_on(subspace)?.as_ref(), &b.sites)?
        };
        obs.e0 = energy::expectation(rho_b0.as_ref(), obs.h_b.as_ref())?;
        Ok(obs)
    }

    fn energy_of_ket(&self, psi: &[c64]) -> Result<f64> {
        let rho_b = self.subspace.reduce_ket(psi, &self.problem.battery.sites)?;
        Ok(energy::expectation(rho_b.as_ref(), self.h_b.as_ref())? - self.e0)
    }

    fn observe_ket(&self, psi: &[c64]) -> Result<Sample> {
        let rho_b = self.subspace.reduce_ket(psi, &self.problem.battery.sites)?;
        let modes = self
            .modes
            .iter()
            .map(|&(s, _)| self.subspace.reduce_ket(psi, &[s]))
            .collect::<Result<Vec<_>>>()?;
        let global = || -> Result<Mat<c64>> {
            Ok(crate::states::ket_to_density(
                &self.subspace.embed_ket(psi)?,
            ))
        };
        self.sample(rho_b.as_ref(), modes, global)
    }

    fn observe_density(&self, rho: MatRef<'_, c64>) -> Result<Sample> {
        let rho_b = self
            .subspace
            .reduce_density(rho, &self.problem.battery.sites)?;
        let modes = self
            .modes
            .iter()
            .map(|&(s, _)| self.subspace.reduce_density(rho, &[s]))
            .collect::<Result<Vec<_>>>()?;
        self.sample(rho_b.as_ref(), modes, || self.subspace.embed_density(rho))
    }

    fn sample(
        &self,
        rho_b: MatRef<'_, c64>,
        modes: Vec<Mat<c64>>,
        global: impl FnOnce() -> Result<Mat<c64>>,
    ) -> Result<Sample> {
        let e = energy::expectation(rho_b, self.h_b.as_ref())? - self.e0;
        let mut values = Vec::new();
        let mut global = Some(global);
        for m in &self.metrics {
            match m {
                Metric::Energy | Metric::Power => {}
                Metric::Ergotropy => values.push(ergotropy::ergotropy_with_spectrum(
                    rho_b,
                    self.h_b.as_ref(),
                    &self.spectrum,
                )?),
                Metric::NormalizedErgotropy => {
                    let w = ergotropy::ergotropy_with_spectrum(
                        rho_b,
                        self.h_b.as_ref(),
                        &self.spectrum,
                    )?;
                    values.push(w / self.scale);
                }
                Metric::Efficiency => {
                    let w = ergotropy::ergotropy_with_spectrum(
                        rho_b,
                        self.h_b.as_ref(),
                        &self.spectrum,
                    )?;
                    // η = W/E is undefined where nothing is stored (t = 0): NaN there, documented.
                    values.push(if e > 1e-12 * self.scale {
                        w / e
                    } else {
                        f64::NAN
                    });
                }
                Metric::Purity => values.push(entropy::purity(rho_b)),
                Metric::Entropy => values.push(entropy::von_neumann_entropy(rho_b)?),
                Metric::LogNegativity => {
                    let full = (global.take().expect("one global metric"))()?;
                    values.push(negativity::log_negativity(
                        full.as_ref(),
                        &self.problem.space.dims(),
                        &self.problem.battery.sites,
                    )?);
                }
                Metric::Photons => values.extend(
                    modes
                        .iter()
                        .map(|r| (0..r.nrows()).map(|n| n as f64 * r[(n, n)].re).sum::<f64>()),
                ),
            }
        }
        let top_level = modes
            .iter()
            .map(|r| r[(r.nrows() - 1, r.nrows() - 1)].re)
            .collect();
        Ok(Sample {
            energy: e,
            values,
            top_level,
            modes,
        })
    }

    /// Series, scalars and warnings into the trajectory.
    fn finish(
        &self,
        times: &[f64],
        samples: Vec<Sample>,
        maxima: energy::ChargingMaxima,
        traj: &mut Trajectory,
    ) -> Result<()> {
        let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
        let mut columns: Vec<(String, Vec<f64>)> = vec![("energy".into(), energies.clone())];
        if self.metrics.contains(&Metric::Power) {
            columns.push(("power".into(), energy::average_power(times, &energies)?));
        }
        let mut k = 0;
        for m in &self.metrics {
            let names: Vec<String> = match m {
                Metric::Energy | Metric::Power => continue,
                Metric::Photons if self.modes.len() == 1 => vec!["photons".into()],
                Metric::Photons => self
                    .modes
                    .iter()
                    .map(|&(s, _)| format!("photons_{}", self.problem.space.sites()[s].name))
                    .collect(),
                other => vec![serde_plain_name(other)],
            };
            for name in names {
                let column: Vec<f64> = samples.iter().map(|s| s.values[k]).collect();
                columns.push((name, column));
                k += 1;
            }
        }
        for (name, column) in columns {
            if let Some(last) = column.last() {
                traj.scalars.insert(format!("final_{name}"), *last);
            }
            traj.push_series(&name, column);
        }
        if let Some(last) = samples.last() {
            traj.final_modes = self
                .modes
                .iter()
                .zip(&last.modes)
                .map(|(&(site, _), rho)| {
                    (self.problem.space.sites()[site].name.clone(), rho.clone())
                })
                .collect();
        }
        traj.scalars.insert("e_max".into(), maxima.e_max);
        traj.scalars.insert("t_e_max".into(), maxima.t_e_max);
        traj.scalars.insert("p_max".into(), maxima.p_max);
        traj.scalars.insert("t_p_max".into(), maxima.t_p_max);
        for (i, &(site, _)) in self.modes.iter().enumerate() {
            let worst = samples.iter().map(|s| s.top_level[i]).fold(0.0, f64::max);
            let name = &self.problem.space.sites()[site].name;
            traj.scalars
                .insert(format!("top_level_population_{name}"), worst);
            if worst > self.cutoff_tolerance {
                traj.warnings.push(Warning::CutoffPopulation {
                    mode: name.clone(),
                    top_population: worst,
                    tolerance: self.cutoff_tolerance,
                });
            }
        }
        if traj
            .series
            .iter()
            .filter(|(n, _)| n != "efficiency")
            .any(|(_, v)| v.iter().any(|x| !x.is_finite()))
        {
            return Err(Error::NonFinite {
                context: "a metric along the trajectory".into(),
            });
        }
        Ok(())
    }
}

fn serde_plain_name(m: &Metric) -> String {
    match m {
        Metric::Energy => "energy",
        Metric::Power => "power",
        Metric::Ergotropy => "ergotropy",
        Metric::NormalizedErgotropy => "normalized_ergotropy",
        Metric::Efficiency => "efficiency",
        Metric::Purity => "purity",
        Metric::Entropy => "entropy",
        Metric::LogNegativity => "log_negativity",
        Metric::Photons => "photons",
    }
    .to_string()
}

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
    /// The reduced density matrix of each bosonic mode at the end of the run, by site
    /// name (Fock basis), for final-state figures (Fock populations, Wigner function).
    #[serde(skip)]
    pub final_modes: Vec<(String, Mat<c64>)>,
}

/// A value in a solver record: a number, a string or a flag (the library does not
/// depend on a JSON crate).
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
