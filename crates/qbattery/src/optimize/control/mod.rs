//! Optimal control of a problem's drivable coupling: g(t) = g_k on K equal steps of
//! [0, τ], the objective's value and its exact gradient with respect to every g_k, and
//! the bounded multi-start search over the protocols (paper 000, Sec. III–IV: the
//! cavity–spin chain charged by a modulated coupling g(t) ∈ [0, 1]).
//!
//! A [`ControlProblem`] is prepared once from a [`Problem`] (its operators built and
//! compressed onto the initial state's symmetry block, as the runner does) and then
//! evaluated for thousands of protocols. The objective ([`Weights`]) rewards the stored
//! energy E(τ) = ⟨H_B⟩(τ) − ⟨H_B⟩(0) and the mean of the average power P(t_k) = E(t_k)/t_k
//! over the steps, and penalises the population of the top Fock level of every mode
//! (the cutoff trap: an optimizer of g(t) pumps photons into the top levels, where the
//! truncated dynamics is wrong; see [`Weights::top_level`]).
//!
//! Closed systems (`closed`: exact step propagators from eigen-decompositions, the
//! Daleckii–Krein derivative) and open ones (`open`: Krylov step propagators of the
//! Lindblad generator, the adjoint Lindblad sweep and the augmented-generator derivative).

mod closed;
mod episode;
mod open;

use qbattery_linalg::{c64, sparse::CsrMatrix};
use rayon::prelude::*;

use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::simulation::{Plan, Problem};
use crate::space::Subsystem;
use crate::{Error, Result};

use super::{multistart, Bounds, Objective};
use closed::ClosedControl;
pub use episode::{Episode, StepOutcome};
use open::OpenControl;

/// K equal steps over [0, τ].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// The charging time τ (> 0).
    pub tau: f64,
    /// The number of steps K (≥ 1).
    pub steps: usize,
}

impl Protocol {
    /// Checks τ > 0 and K ≥ 1, naming the field.
    pub fn validate(&self) -> Result<()> {
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return Err(Error::invalid("control.tau", self.tau, "finite and > 0"));
        }
        if self.steps == 0 {
            return Err(Error::invalid("control.steps", self.steps, "≥ 1"));
        }
        Ok(())
    }

    /// The step length τ/K.
    pub fn step(&self) -> f64 {
        self.tau / self.steps as f64
    }

    /// The K + 1 step edges 0, τ/K, …, τ.
    pub fn edges(&self) -> Vec<f64> {
        (0..=self.steps).map(|k| k as f64 * self.step()).collect()
    }
}

/// The objective J (maximized), with ψ_k the state at t_k = kτ/K:
///
/// J = `energy`·E(τ) + `mean_power`·(1/K) Σ_k E(t_k)/t_k − `top_level`·(1/K) Σ_k p_top(t_k),
///
/// where p_top is the population of the `top_levels` highest Fock levels, summed over the
/// modes.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Weight of the stored energy at τ (default 1).
    pub energy: f64,
    /// Weight of the average power E(t_k)/t_k averaged over the steps (default 0): it
    /// rewards protocols that charge early (the paper's second objective).
    pub mean_power: f64,
    /// Penalty per unit of top-level population averaged over the steps (≥ 0; default
    /// 100: a protocol that parks 1% of the population in the top levels loses 1 in J).
    /// Without it an optimizer of the cavity chain's g(t) at 14 levels scores by pumping
    /// photons into the top levels (E(τ) 3.18 there, 1.68 at 28 levels); with it the
    /// search finds protocols whose E(τ) is the same at 28, 42 and 56 levels.
    pub top_level: f64,
    /// How many of the highest Fock levels of each mode the penalty counts (≥ 1; default
    /// 3: a penalty on the last level alone is dodged by filling the ones below it).
    pub top_levels: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            energy: 1.0,
            mean_power: 0.0,
            top_level: 100.0,
            top_levels: 3,
        }
    }
}

impl Weights {
    /// Finite weights, the penalty ≥ 0, not all zero.
    pub fn validate(&self) -> Result<()> {
        for (name, w) in [
            ("objective.energy", self.energy),
            ("objective.mean_power", self.mean_power),
            ("objective.top_level", self.top_level),
        ] {
            if !w.is_finite() {
                return Err(Error::invalid(name, w, "finite"));
            }
        }
        if self.top_level < 0.0 {
            return Err(Error::invalid(
                "objective.top_level",
                self.top_level,
                "≥ 0 (a penalty)",
            ));
        }
        if self.top_levels == 0 {
            return Err(Error::invalid("objective.top_levels", 0, "≥ 1"));
        }
        if self.energy == 0.0 && self.mean_power == 0.0 {
            return Err(Error::invalid(
                "objective",
                "energy = mean_power = 0",
                "a nonzero weight on the energy or the power",
            ));
        }
        Ok(())
    }
}

/// One protocol's outcome.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// J (maximized).
    pub objective: f64,
    /// E(τ).
    pub energy: f64,
    /// P(τ) = E(τ)/τ.
    pub power: f64,
    /// E(t_k) for k = 0 … K.
    pub energies: Vec<f64>,
    /// The largest population of the top levels ([`Weights::top_levels`]) over the steps
    /// (summed over modes).
    pub top_population: f64,
    /// ∂J/∂g_k, when asked for.
    #[serde(skip)]
    pub gradient: Option<Vec<f64>>,
}

/// The observables of the objective on the evolved block and their weights.
#[derive(Debug, Clone)]
struct Terms {
    /// H_B ⊗ 1.
    energy: CsrMatrix,
    /// ⟨H_B⟩ at t = 0.
    e0: f64,
    /// The top-level projector, summed over modes (None: no mode).
    top: Option<CsrMatrix>,
    weights: Weights,
}

fn expectation(op: &CsrMatrix, psi: &[c64]) -> f64 {
    let mut y = vec![c64::new(0.0, 0.0); psi.len()];
    op.mul_vec(psi, &mut y);
    psi.iter().zip(&y).map(|(a, b)| (a.conj() * b).re).sum()
}

impl Terms {
    /// J and its series from ⟨H_B⟩ and the top-level population at t_0 … t_K.
    fn summarize(&self, protocol: &Protocol, energy_tops: &[(f64, f64)]) -> Evaluation {
        let k_steps = energy_tops.len() - 1;
        let energies: Vec<f64> = energy_tops.iter().map(|e| e.0 - self.e0).collect();
        let edges = protocol.edges();
        let w = &self.weights;
        let k = k_steps as f64;
        let mean_power: f64 = (1..=k_steps).map(|i| energies[i] / edges[i]).sum::<f64>() / k;
        let mean_top: f64 = energy_tops[1..].iter().map(|e| e.1).sum::<f64>() / k;
        let energy = energies[k_steps];
        Evaluation {
            objective: w.energy * energy + w.mean_power * mean_power - w.top_level * mean_top,
            energy,
            power: energy / protocol.tau,
            top_population: energy_tops.iter().map(|e| e.1).fold(0.0, f64::max),
            energies,
            gradient: None,
        }
    }

    /// (⟨H_B⟩, top-level population) of the ket ψ.
    fn observe_ket(&self, psi: &[c64]) -> (f64, f64) {
        let top = self.top.as_ref().map_or(0.0, |t| expectation(t, psi));
        (expectation(&self.energy, psi), top)
    }

    /// J and its series from the kets ψ_0 … ψ_K.
    fn evaluate_kets(&self, protocol: &Protocol, states: &[Vec<c64>]) -> Evaluation {
        let values: Vec<(f64, f64)> = states.iter().map(|s| self.observe_ket(s)).collect();
        self.summarize(protocol, &values)
    }

    /// (a, b) with M_k = a H_B + b T_top: J = Σ_k ⟨M_k⟩(t_k), k ≥ 1.
    fn coefficients(&self, protocol: &Protocol, k: usize) -> (f64, f64) {
        let w = &self.weights;
        let kf = protocol.steps as f64;
        let t = k as f64 * protocol.step();
        let on_energy = w.mean_power / (kf * t) + if k == protocol.steps { w.energy } else { 0.0 };
        (on_energy, -w.top_level / kf)
    }

    /// M_k ψ_k: the derivative of J with respect to ⟨ψ_k| (k ≥ 1).
    fn weight_ket(&self, protocol: &Protocol, k: usize, psi: &[c64]) -> Vec<c64> {
        let (a, b) = self.coefficients(protocol, k);
        let mut out = vec![c64::new(0.0, 0.0); psi.len()];
        self.energy.mul_vec(psi, &mut out);
        for z in &mut out {
            *z *= a;
        }
        if let (Some(top), true) = (&self.top, b != 0.0) {
            let mut y = vec![c64::new(0.0, 0.0); psi.len()];
            top.mul_vec(psi, &mut y);
            for (z, yi) in out.iter_mut().zip(y) {
                *z += yi * b;
            }
        }
        out
    }
}

/// A problem prepared for optimal control of one of its drives.
#[derive(Debug, Clone)]
pub struct ControlProblem {
    protocol: Protocol,
    dynamics: Dynamics,
    levels: Option<usize>,
    /// ⟨H_B⟩ at t = 0.
    e0: f64,
}

/// How a protocol is evaluated.
#[derive(Debug, Clone)]
enum Dynamics {
    Closed(ClosedControl),
    Open(OpenControl),
}

impl ControlProblem {
    /// Prepares `problem` for the control of its drive `drive` (a scenario key, e.g.
    /// `coupling.g`, given as a piecewise protocol so that the problem holds it as a
    /// drive term) on `protocol`, with the objective `weights`. Every other drive must be
    /// constant. A problem with jumps is evolved as a density matrix, one without jumps
    /// from a pure initial state as a ket.
    pub fn new(
        problem: &Problem,
        plan: &Plan,
        drive: &str,
        protocol: Protocol,
        weights: Weights,
    ) -> Result<Self> {
        protocol.validate()?;
        weights.validate()?;
        if problem.jumps.is_empty() && !problem.initial.is_pure() {
            return Err(Error::invalid(
                "control",
                drive,
                "a pure initial state for a closed problem",
            ));
        }
        let top = top_level_projector(problem, weights.top_levels);
        let levels = problem
            .space
            .sites()
            .iter()
            .filter_map(|s| match s.subsystem {
                Subsystem::Mode { levels } => Some(levels),
                _ => None,
            })
            .max();
        let block = crate::simulation::control_block(problem, plan, drive, top.as_ref())?;
        let e0 = block
            .energy
            .iter()
            .map(|(i, j, a)| (a * block.rho0[(j, i)]).re)
            .sum();
        let terms = Terms {
            energy: block.energy,
            e0,
            top: block.top,
            weights,
        };
        let dynamics = match block.psi0 {
            Some(psi0) => {
                Dynamics::Closed(ClosedControl::new(&block.h0, &block.control, terms, psi0))
            }
            None => Dynamics::Open(OpenControl::new(
                &block.h0,
                &block.control,
                &block.jumps,
                &block.labels,
                terms,
                &block.rho0,
            )?),
        };
        Ok(Self {
            protocol,
            dynamics,
            levels,
            e0,
        })
    }

    /// The largest number of Fock levels of a mode (the cutoff), if the problem has one.
    pub fn levels(&self) -> Option<usize> {
        self.levels
    }

    /// The protocol's steps.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// The dimension of the block the state is evolved in.
    pub fn dim(&self) -> usize {
        match &self.dynamics {
            Dynamics::Closed(c) => c.dim(),
            Dynamics::Open(o) => o.dim(),
        }
    }

    /// Whether the problem is open (evolved as a density matrix).
    pub fn is_open(&self) -> bool {
        matches!(self.dynamics, Dynamics::Open(_))
    }

    /// J(g) and its series; with ∇J when `gradient`.
    pub fn evaluate(&self, g: &[f64], gradient: bool) -> Result<Evaluation> {
        if g.len() != self.protocol.steps {
            return Err(Error::DimensionMismatch {
                context: "control values (one per step)".into(),
                expected: self.protocol.steps,
                found: g.len(),
            });
        }
        if let Some((k, v)) = g.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::invalid(format!("control[{k}]"), v, "finite"));
        }
        match &self.dynamics {
            Dynamics::Closed(c) => c.evaluate(&self.protocol, g, gradient),
            Dynamics::Open(o) => o.evaluate(&self.protocol, g, gradient),
        }
    }

    /// J of the constant protocols g at `points` equally spaced values of [lower, upper]
    /// (one point: the middle), in parallel: (g, J) pairs.
    pub fn scan_constant(
        &self,
        (lower, upper): (f64, f64),
        points: usize,
    ) -> Result<Vec<(f64, f64)>> {
        let k = self.protocol.steps;
        (0..points)
            .into_par_iter()
            .map(|i| {
                let g = if points == 1 {
                    0.5 * (lower + upper)
                } else {
                    lower + (upper - lower) * i as f64 / (points - 1) as f64
                };
                Ok((g, self.evaluate(&vec![g; k], false)?.objective))
            })
            .collect()
    }

    /// Maximizes J over the box `[lower, upper]^K` by seeded multi-start L-BFGS-B from the
    /// constant protocols `constant_starts`, the whole protocols `protocol_starts` (K
    /// values each), the best constant protocol of a scan of
    /// `scan_points` values in the box (0: none; not repeated when it is one of the
    /// constant starts) and `options.random_starts` random
    /// protocols (`options.grid_points` is ignored: a grid over K dimensions is not
    /// affordable). The report's values are −J.
    pub fn optimize(
        &self,
        (lower, upper): (f64, f64),
        constant_starts: &[f64],
        protocol_starts: &[Vec<f64>],
        scan_points: usize,
        options: &multistart::Options,
    ) -> Result<(multistart::Report, Vec<(f64, f64)>)> {
        let k = self.protocol.steps;
        let bounds = Bounds::new(vec![lower; k], vec![upper; k])?;
        let scan = self.scan_constant((lower, upper), scan_points)?;
        let mut given: Vec<Vec<f64>> = constant_starts.iter().map(|&g| vec![g; k]).collect();
        if let Some(&(best, _)) = scan.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            if !constant_starts.contains(&best) {
                given.push(vec![best; k]);
            }
        }
        given.extend(protocol_starts.iter().cloned());
        let options = multistart::Options {
            grid_points: 0,
            ..options.clone()
        };
        let report = multistart::run(&Negated(self), &bounds, &given, &options)?;
        Ok((report, scan))
    }
}

/// −J for the minimizer.
struct Negated<'a>(&'a ControlProblem);

impl Objective for Negated<'_> {
    fn dim(&self) -> usize {
        self.0.protocol.steps
    }

    fn value_and_gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        let e = self.0.evaluate(x, true)?;
        for (g, d) in grad.iter_mut().zip(e.gradient.unwrap_or_default()) {
            *g = -d;
        }
        Ok(-e.objective)
    }

    fn value(&self, x: &[f64]) -> Result<f64> {
        Ok(-self.0.evaluate(x, false)?.objective)
    }
}

/// Σ over the modes of the projector on their `band` highest Fock levels (None without
/// a mode).
fn top_level_projector(problem: &Problem, band: usize) -> Option<OpSum> {
    let mut op = OpSum::new();
    for (site, s) in problem.space.sites().iter().enumerate() {
        if let Subsystem::Mode { levels } = s.subsystem {
            for n in levels.saturating_sub(band)..levels {
                op.add(1.0, vec![(site, LocalOp::Transition { to: n, from: n })]);
            }
        }
    }
    (!op.is_empty()).then_some(op)
}

#[cfg(test)]
mod tests;
