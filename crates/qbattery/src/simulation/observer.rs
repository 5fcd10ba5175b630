//! Observers: the metrics of a state on the run's subspace, computed on the fly from the
//! battery's reduced state (its eigen-decomposition taken once per sample and shared by
//! every spectral metric), and the truncation diagnostics of every boson mode.

use crate::error::{Error, Result, Warning};
use crate::metrics::populations::Eigenspaces;
use crate::metrics::spectrum::{hermitian_eigenvalues, DENSITY_TOL};
use crate::metrics::{energy, entropy, ergotropy, negativity, steering};
use crate::operators::opsum::OpSum;
use crate::sector::{Reduction, Subspace};
use crate::space::{Space, Subsystem};
use crate::{c64, Mat, MatRef};

use super::plan::Plan;
use super::problem::Problem;
use super::run::Run;
use super::settings::{Metric, OutputSettings};

/// The metrics of one state.
pub(crate) struct Sample {
    /// Stored energy E = Tr[H_B ρ_B] − E(0).
    pub(crate) energy: f64,
    /// One value per column of [`Observer::columns`].
    pub(crate) values: Vec<f64>,
    top_level: Vec<f64>,
    /// Reduced states of the modes; kept for the last sample only (see [`push_sample`]).
    modes: Vec<Mat<c64>>,
    /// The battery's reduced state ρ_B; kept for the last sample only.
    battery: Option<Mat<c64>>,
}

/// Appends `s`, dropping the mode and battery states of the sample before it: only the
/// final ones are reported.
pub(crate) fn push_sample(samples: &mut Vec<Sample>, s: Sample) {
    if let Some(prev) = samples.last_mut() {
        prev.modes.clear();
        prev.battery = None;
    }
    samples.push(s);
}

/// Relative tolerance grouping H_B's eigenvalues into eigenspaces.
const LEVEL_TOL: f64 = 1e-9;

/// Computes metrics from states on the run's subspace.
pub(crate) struct Observer<'a> {
    problem: &'a Problem,
    subspace: &'a Subspace,
    metrics: Vec<Metric>,
    /// Names of the columns other than energy and power, in the order of `Sample::values`.
    columns: Vec<String>,
    h_b: Mat<c64>,
    /// The lowest dim(ρ_B) battery levels, ascending (see `Battery::full_spectrum`).
    spectrum: Vec<f64>,
    /// Spread of the battery spectrum: the largest ergotropy a state can have.
    spread: f64,
    e0: f64,
    modes: Vec<(usize, usize)>,
    pair: Option<[usize; 2]>,
    entropy_sites: Vec<usize>,
    /// The sites of `output.ergotropy_of` with their local battery Hamiltonians.
    local_batteries: Vec<(usize, Mat<c64>)>,
    eigenspaces: Option<Eigenspaces>,
    cutoff_tolerance: f64,
    /// The partial traces the metrics take (battery, modes, single sites, the pair),
    /// prepared once.
    reductions: Vec<(Vec<usize>, Reduction)>,
}

/// The terms of H_B that act on the battery site `site` (a site of the problem) alone, as
/// a matrix on that site: its own battery Hamiltonian.
fn local_battery_hamiltonian(problem: &Problem, site: usize) -> Result<Mat<c64>> {
    let b = &problem.battery;
    let k = b
        .sites
        .iter()
        .position(|&s| s == site)
        .expect("planned: ergotropy sites are battery sites");
    let mut local = OpSum::new();
    for term in b.hamiltonian.terms() {
        if term.factors.iter().all(|(s, _)| *s == k) {
            let factors = term.factors.iter().map(|(_, op)| (0, op.clone())).collect();
            local.add(term.coeff, factors);
        }
    }
    let one = &b.space.sites()[k];
    let space = Space::new().with(one.name.clone(), one.subsystem)?;
    Ok(local.build(&Subspace::full(&space)?)?.to_dense())
}

impl Observer<'_> {
    /// Whether a mode's cutoff removes nothing from this run: closed dynamics in sectors of
    /// a conserved U(1) charge (non-negative weights) whose largest value is below the
    /// charge of the first level cut off (the Jaynes–Cummings coupling from |n⟩ ⊗ |g…g⟩
    /// with n + 1 levels). The top level may then hold any population without a warning.
    fn truncation_is_exact(&self, site: usize, levels: usize) -> bool {
        let Some(charge) = self.subspace.charge() else {
            return false;
        };
        if !self.problem.jumps.is_empty()
            || charge.modulus().is_some()
            || charge.weights().iter().any(|&w| w < 0)
        {
            return false;
        }
        let w = charge.weights()[site];
        let first_cut = w * i64::try_from(levels).unwrap_or(i64::MAX);
        w > 0
            && self
                .subspace
                .sector_values()
                .iter()
                .max()
                .is_some_and(|&q| q < first_cut)
    }
}

impl<'a> Observer<'a> {
    pub(crate) fn new(
        problem: &'a Problem,
        plan: &'a Plan,
        output: &OutputSettings,
    ) -> Result<Self> {
        let b = &problem.battery;
        let h_b = b.hamiltonian.build(&Subspace::full(&b.space)?)?.to_dense();
        let mut full = match &b.full_spectrum {
            Some(s) => s.clone(),
            None => hermitian_eigenvalues(h_b.as_ref(), "H_B")?,
        };
        full.sort_by(f64::total_cmp);
        let spread = (full[full.len() - 1] - full[0]).max(f64::MIN_POSITIVE);
        full.truncate(h_b.nrows());
        let modes: Vec<(usize, usize)> = problem
            .space
            .sites()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.subsystem {
                Subsystem::Mode { levels } => Some((i, levels)),
                _ => None,
            })
            .collect();
        let eigenspaces = if output.metrics.contains(&Metric::EigenPopulations) {
            Some(Eigenspaces::new(h_b.as_ref(), LEVEL_TOL)?)
        } else {
            None
        };
        let sites = problem.space.sites();
        let mut columns = Vec::new();
        for m in &output.metrics {
            match m {
                Metric::Energy | Metric::Power => {}
                Metric::Photons if modes.len() == 1 => columns.push("photons".to_string()),
                Metric::Photons => columns.extend(
                    modes
                        .iter()
                        .map(|&(s, _)| format!("photons_{}", sites[s].name)),
                ),
                Metric::Ergotropy => {
                    columns.push("ergotropy".into());
                    columns.extend(
                        plan.ergotropy_sites
                            .iter()
                            .map(|&s| format!("ergotropy_{}", sites[s].name)),
                    );
                }
                Metric::Entropy => {
                    columns.push("entropy".into());
                    columns.extend(
                        plan.entropy_sites
                            .iter()
                            .map(|&s| format!("entropy_{}", sites[s].name)),
                    );
                }
                Metric::EigenPopulations => columns.extend(
                    (0..eigenspaces.as_ref().map_or(0, |e| e.levels().len()))
                        .map(|k| format!("eigen_population_{k}")),
                ),
                other => columns.push(other.name().to_string()),
            }
        }
        let mut obs = Self {
            problem,
            subspace: &plan.subspace,
            metrics: output.metrics.clone(),
            columns,
            h_b,
            spectrum: full,
            spread,
            e0: 0.0,
            modes,
            pair: plan.pair,
            entropy_sites: plan.entropy_sites.clone(),
            local_batteries: plan
                .ergotropy_sites
                .iter()
                .map(|&s| Ok((s, local_battery_hamiltonian(problem, s)?)))
                .collect::<Result<_>>()?,
            eigenspaces,
            cutoff_tolerance: output.cutoff_tolerance,
            reductions: Vec::new(),
        };
        let subspace = &plan.subspace;
        let mut keeps: Vec<Vec<usize>> = vec![b.sites.clone()];
        keeps.extend(obs.modes.iter().map(|&(s, _)| vec![s]));
        keeps.extend(obs.local_batteries.iter().map(|&(s, _)| vec![s]));
        keeps.extend(obs.entropy_sites.iter().map(|&s| vec![s]));
        keeps.extend(obs.pair.map(|p| p.to_vec()));
        keeps.sort();
        keeps.dedup();
        obs.reductions = keeps
            .into_iter()
            .map(|k| Ok((k.clone(), subspace.reduction(&k)?)))
            .collect::<Result<_>>()?;
        let rho_b0 = if problem.initial.is_pure() {
            subspace.reduce_ket(&problem.initial.ket_on(subspace)?, &b.sites)?
        } else {
            subspace.reduce_density(problem.initial.density_on(subspace)?.as_ref(), &b.sites)?
        };
        obs.e0 = energy::expectation(rho_b0.as_ref(), obs.h_b.as_ref())?;
        Ok(obs)
    }

    /// The prepared partial trace onto `sites`, or a new one.
    fn reduction(&self, sites: &[usize]) -> Result<std::borrow::Cow<'_, Reduction>> {
        match self.reductions.iter().find(|(k, _)| k == sites) {
            Some((_, r)) => Ok(std::borrow::Cow::Borrowed(r)),
            None => Ok(std::borrow::Cow::Owned(self.subspace.reduction(sites)?)),
        }
    }

    /// The stored energy of a pure state (for the exact refinement of the maxima).
    pub(crate) fn energy_of_ket(&self, psi: &[c64]) -> Result<f64> {
        let rho_b = self.reduction(&self.problem.battery.sites)?.ket(psi)?;
        Ok(energy::expectation(rho_b.as_ref(), self.h_b.as_ref())? - self.e0)
    }

    pub(crate) fn observe_ket(&self, psi: &[c64]) -> Result<Sample> {
        let reduce = |sites: &[usize]| self.reduction(sites)?.ket(psi);
        // A pure state's log-negativity from its Schmidt values.
        let log_negativity = || {
            let blocks = self
                .subspace
                .schmidt_blocks(psi, &self.problem.battery.sites)?;
            negativity::log_negativity_of_pure(&blocks)
        };
        self.sample(&reduce, log_negativity)
    }

    pub(crate) fn observe_density(&self, rho: MatRef<'_, c64>) -> Result<Sample> {
        let reduce = |sites: &[usize]| self.reduction(sites)?.density(rho);
        let log_negativity = || {
            let full = self.subspace.embed_density(rho)?;
            negativity::log_negativity(
                full.as_ref(),
                &self.problem.space.dims(),
                &self.problem.battery.sites,
            )
        };
        self.sample(&reduce, log_negativity)
    }

    fn sample(
        &self,
        reduce: &dyn Fn(&[usize]) -> Result<Mat<c64>>,
        log_negativity: impl FnOnce() -> Result<f64>,
    ) -> Result<Sample> {
        let rho_b = reduce(&self.problem.battery.sites)?;
        let modes = self
            .modes
            .iter()
            .map(|&(s, _)| reduce(&[s]))
            .collect::<Result<Vec<_>>>()?;
        let absolute = energy::expectation(rho_b.as_ref(), self.h_b.as_ref())?;
        let e = absolute - self.e0;
        // ρ_B's spectrum, once, for every spectral metric.
        let spectral = self.metrics.iter().any(|m| {
            matches!(
                m,
                Metric::Ergotropy
                    | Metric::NormalizedErgotropy
                    | Metric::Efficiency
                    | Metric::Entropy
            )
        });
        let spectrum = if spectral {
            let r = hermitian_eigenvalues(rho_b.as_ref(), "ρ_B")?;
            if r.first().is_some_and(|&x| x < -DENSITY_TOL) {
                return Err(Error::invalid(
                    "smallest eigenvalue of ρ_B",
                    r[0],
                    format!(
                        "≥ −{DENSITY_TOL:.0e}: the solver lost positivity; tighten solver.rtol"
                    ),
                ));
            }
            r
        } else {
            Vec::new()
        };
        let ergotropy_now = || {
            (absolute - ergotropy::passive_energy_of_spectra(&spectrum, &self.spectrum)).max(0.0)
        };
        let mut values = Vec::with_capacity(self.columns.len());
        let mut log_negativity = Some(log_negativity);
        let mut pair_state: Option<Mat<c64>> = None;
        for m in &self.metrics {
            match m {
                Metric::Energy | Metric::Power => {}
                Metric::Ergotropy => {
                    values.push(ergotropy_now());
                    for (s, h) in &self.local_batteries {
                        values.push(ergotropy::ergotropy(reduce(&[*s])?.as_ref(), h.as_ref())?);
                    }
                }
                Metric::NormalizedErgotropy => values.push(ergotropy_now() / self.spread),
                Metric::Efficiency => {
                    let w = ergotropy_now();
                    // η = W/E, defined as 0 where nothing is stored (t = 0).
                    values.push(if e > 1e-12 * self.spread { w / e } else { 0.0 });
                }
                Metric::Purity => values.push(entropy::purity(rho_b.as_ref())),
                Metric::Entropy => {
                    values.push(entropy::entropy_of_spectrum(&spectrum));
                    for &s in &self.entropy_sites {
                        values.push(entropy::von_neumann_entropy(reduce(&[s])?.as_ref())?);
                    }
                }
                Metric::LogNegativity => {
                    values.push((log_negativity.take().expect("one log-negativity"))()?);
                }
                Metric::Photons => values.extend(
                    modes
                        .iter()
                        .map(|r| (0..r.nrows()).map(|n| n as f64 * r[(n, n)].re).sum::<f64>()),
                ),
                Metric::SteeringAb | Metric::SteeringBa | Metric::Concurrence => {
                    if pair_state.is_none() {
                        let [a, b] = self.pair.expect("planned: metrics with a pair have one");
                        pair_state = Some(reduce(&[a, b])?);
                    }
                    let rho2 = pair_state.as_ref().expect("just reduced").as_ref();
                    values.push(match m {
                        Metric::SteeringAb => steering::entropic_steering(rho2)?.i_ab,
                        Metric::SteeringBa => steering::entropic_steering(rho2)?.i_ba,
                        _ => steering::concurrence(rho2)?,
                    });
                }
                Metric::EigenPopulations => values.extend(
                    self.eigenspaces
                        .as_ref()
                        .expect("built when asked for")
                        .populations(rho_b.as_ref())?
                        .iter()
                        .map(|p| p.population),
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
            battery: Some(rho_b),
        })
    }

    /// The metrics of a state by column name (energy included, power excluded): what a
    /// steady state reports.
    pub(crate) fn named_values(&self, s: &Sample) -> Vec<(String, f64)> {
        self.columns
            .iter()
            .cloned()
            .zip(s.values.iter().copied())
            .collect()
    }

    /// Series, scalars and warnings into the run.
    pub(crate) fn finish(&self, times: &[f64], samples: Vec<Sample>, run: &mut Run) -> Result<()> {
        let energies: Vec<f64> = samples.iter().map(|s| s.energy).collect();
        let mut columns: Vec<(String, Vec<f64>)> = vec![("energy".into(), energies.clone())];
        if self.metrics.contains(&Metric::Power) {
            columns.push(("power".into(), energy::average_power(times, &energies)?));
        }
        for (k, name) in self.columns.iter().enumerate() {
            columns.push((name.clone(), samples.iter().map(|s| s.values[k]).collect()));
        }
        for (name, column) in columns {
            if let Some(last) = column.last() {
                run.scalars.insert(format!("final_{name}"), *last);
            }
            run.push_series(&name, column);
        }
        if let Some(e) = &self.eigenspaces {
            for (k, level) in e.levels().into_iter().enumerate() {
                run.scalars.insert(format!("eigen_level_{k}"), level);
            }
        }
        if let Some(last) = samples.last() {
            run.final_battery = last.battery.clone();
            run.final_modes = self
                .modes
                .iter()
                .zip(&last.modes)
                .map(|(&(site, _), rho)| {
                    (self.problem.space.sites()[site].name.clone(), rho.clone())
                })
                .collect();
        }
        for (i, &(site, levels)) in self.modes.iter().enumerate() {
            let worst = samples.iter().map(|s| s.top_level[i]).fold(0.0, f64::max);
            let name = &self.problem.space.sites()[site].name;
            run.scalars
                .insert(format!("top_level_population_{name}"), worst);
            if worst > self.cutoff_tolerance && !self.truncation_is_exact(site, levels) {
                run.warnings.push(Warning::CutoffPopulation {
                    mode: name.clone(),
                    top_population: worst,
                    tolerance: self.cutoff_tolerance,
                });
            }
        }
        if run
            .series
            .iter()
            .any(|(_, v)| v.iter().any(|x| !x.is_finite()))
        {
            return Err(Error::NonFinite {
                context: "a metric along the trajectory".into(),
            });
        }
        Ok(())
    }
}
