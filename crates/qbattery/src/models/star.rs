//! The star network of 002_bb018326d195ff9c.txt, charged by fermionic reservoirs
//! (Eqs. 1, 6–12).
//!
//! N qubits, qubit 1 (the battery) at the centre:
//!
//! H_S = Σ_i ω₀ σ^z_i + J Σ_{i≥2} (σ⁺_1 σ⁻_i + σ⁻_1 σ⁺_i)   (Eq. 1; ω₀ σ^z, not ω₀σ^z/2),
//!
//! battery Hamiltonian H_QB = ω₀ σ^z_1, so the largest ergotropy is ℰ_max = 2ω₀ and the
//! normalized ergotropy W = ℰ/ℰ_max (Eq. 3). The reservoirs exchange particles at the
//! reservoir frequency ω (its own parameter: ω = γ in the paper's figures, apart from
//! ω₀ = 10γ), with the Fermi occupation n(ω) = 1/(e^{(ω−μ)/T} + 1) (the step function at
//! T = 0, ½ at ω = μ):
//!
//! - **collective** (Eqs. 6–8): one reservoir (μ, T); the double sums over i, j are the
//!   dissipators of the one collective operator Σ_i σ⁻_i, L₋ = √(γ[1 − n]) Σ_i σ⁻_i and
//!   L₊ = √(γ n) Σ_i σ⁺_i;
//! - **individual** (Eqs. 9–12): one reservoir (μ_i, T_i) per qubit,
//!   L₋,i = √(γ[1 − n_i]) σ⁻_i, L₊,i = √(γ n_i) σ⁺_i; the paper's case μ₁ = μ,
//!   μ_i = μ + Δμ (i ≥ 2), T_i = T, or any lists of μ_i and T_i.
//!
//! The initial state is a product of |g⟩ and |e⟩ (default all |g⟩, σ^z = −1 on |g⟩).
//!
//! Symmetry: H conserves the number of excitations, every jump shifts it by ±1, so it is
//! a weak U(1) symmetry and ρ stays block-diagonal in it. With the collective reservoir
//! the outer qubits enter H and the jumps only through their collective spin
//! S_out = Σ_{i≥2} σ_i/2, so when they all start in the same basis state (a state of the
//! symmetric subspace) they are represented exactly as one Dicke spin of j = (N − 1)/2
//! (`network.representation = "auto"`, the default): dimension 2N instead of 2^N. The
//! steady state is then the one reached from that initial state; the null space of the
//! whole space (dark states outside the symmetric subspace, e.g. the 1–2 singlet at N = 2)
//! is seen with `representation = "qubits"`.

use serde::{Deserialize, Serialize};

use super::cavity::{non_negative, positive};
use super::model::{Parameters, TimeEvolution};
use crate::error::{Error, Result, Warning};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::sector::Charge;
use crate::simulation::{Battery, Drive, OutputSettings, Problem, SolverSettings, TimeGrid, Units};
use crate::space::{Space, Subsystem};
use crate::states::{basis, Factor, LocalState, ProductState};

/// The most qubits a scenario may ask for (the Dicke representation holds thousands; the
/// memory guard stops a whole-space run that does not fit).
const MAX_QUBITS: usize = 1000;

/// How the outer qubits are represented.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Representation {
    /// One Dicke spin j = (N − 1)/2 when that is exact (collective reservoir, outer qubits
    /// starting alike), else every qubit.
    #[default]
    Auto,
    /// Every qubit on its own (2^N states).
    Qubits,
}

/// The network: the `[network]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Number of qubits N ≥ 2, the battery included.
    pub qubits: usize,
    /// Transition frequency ω₀ > 0 (H = Σ ω₀ σ^z).
    pub omega0: f64,
    /// Battery–charger coupling J: a number or a [`Drive`] J(t).
    pub j: Drive,
    /// The initial state: one letter per qubit, `g` or `e`, the battery first (default
    /// all `g`).
    #[serde(default)]
    pub initial: Option<String>,
    /// How the outer qubits are represented (default `auto`).
    #[serde(default)]
    pub representation: Representation,
}

/// Which reservoirs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservoirKind {
    /// One reservoir coupled to Σ_i σ⁻_i (Eqs. 6–8).
    #[default]
    Collective,
    /// One reservoir per qubit (Eqs. 9–12).
    Individual,
}

/// The fermionic reservoirs: the `[reservoir]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservoir {
    /// Collective (default) or individual.
    #[serde(default)]
    pub kind: ReservoirKind,
    /// Coupling rate γ ≥ 0 (the spectral density; 0: closed).
    pub gamma: f64,
    /// Reservoir frequency ω at which n(ω) is taken.
    pub omega: f64,
    /// Chemical potential μ (of qubit 1's reservoir when individual).
    pub mu: f64,
    /// Temperature T ≥ 0 (of every reservoir, unless `temperatures` is given).
    pub temperature: f64,
    /// Individual: μ_i = μ + Δμ for the outer qubits i ≥ 2 (default 0).
    #[serde(default)]
    pub delta_mu: f64,
    /// Individual: every μ_i, qubit 1 first (replaces `mu` and `delta_mu`).
    #[serde(default)]
    pub mus: Option<Vec<f64>>,
    /// Individual: every T_i, qubit 1 first (replaces `temperature`).
    #[serde(default)]
    pub temperatures: Option<Vec<f64>>,
}

/// The Fermi–Dirac occupation n(ω) = 1/(e^{(ω−μ)/T} + 1); at T = 0 the step function
/// (1 below μ, 0 above, ½ at ω = μ). Never NaN for finite arguments and T ≥ 0.
pub fn fermi(omega: f64, mu: f64, temperature: f64) -> f64 {
    let x = omega - mu;
    if x == 0.0 {
        return 0.5;
    }
    if temperature == 0.0 {
        return if x < 0.0 { 1.0 } else { 0.0 };
    }
    let y = x / temperature;
    if y > 0.0 {
        let e = (-y).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + y.exp())
    }
}

impl Reservoir {
    /// The (μ_i, T_i) of every qubit, qubit 1 first.
    pub fn baths(&self, qubits: usize) -> Vec<(f64, f64)> {
        (0..qubits)
            .map(|i| {
                let mu = match (&self.mus, i) {
                    (Some(m), _) => m[i],
                    (None, 0) => self.mu,
                    (None, _) => self.mu + self.delta_mu,
                };
                let t = self
                    .temperatures
                    .as_ref()
                    .map_or(self.temperature, |t| t[i]);
                (mu, t)
            })
            .collect()
    }

    fn validate(&self, qubits: usize) -> Result<()> {
        non_negative("reservoir.gamma", self.gamma)?;
        for (name, v) in [
            ("reservoir.omega", self.omega),
            ("reservoir.mu", self.mu),
            ("reservoir.delta_mu", self.delta_mu),
        ] {
            if !v.is_finite() {
                return Err(Error::invalid(name, v, "a finite number"));
            }
        }
        non_negative("reservoir.temperature", self.temperature)?;
        for (name, list) in [
            ("reservoir.mus", &self.mus),
            ("reservoir.temperatures", &self.temperatures),
        ] {
            let Some(list) = list else { continue };
            if self.kind == ReservoirKind::Collective {
                return Err(Error::invalid(
                    name,
                    format!("{list:?}"),
                    "only with reservoir.kind = \"individual\" (one reservoir has one μ and T)",
                ));
            }
            if list.len() != qubits {
                return Err(Error::invalid(
                    name,
                    format!("{} entries", list.len()),
                    format!("one per qubit: {qubits} entries, qubit 1 first"),
                ));
            }
            for (i, &v) in list.iter().enumerate() {
                let field = format!("{name}[{i}]");
                if name.ends_with("temperatures") {
                    non_negative(&field, v)?;
                } else if !v.is_finite() {
                    return Err(Error::invalid(field, v, "a finite number"));
                }
            }
        }
        if self.kind == ReservoirKind::Collective && self.delta_mu != 0.0 {
            return Err(Error::invalid(
                "reservoir.delta_mu",
                self.delta_mu,
                "0 with reservoir.kind = \"collective\" (one reservoir has one μ)",
            ));
        }
        Ok(())
    }
}

/// A star-network scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The qubits and their coupling.
    pub network: Network,
    /// The reservoirs.
    pub reservoir: Reservoir,
    /// Output times.
    pub time: TimeGrid,
    /// Solver settings.
    #[serde(default)]
    pub solver: SolverSettings,
    /// Metrics and diagnostics.
    #[serde(default)]
    pub output: OutputSettings,
}

impl Params {
    /// The setting of the paper's figures in units of γ: N qubits, ω₀ = 10, J = ω = γ = 1,
    /// the reservoir `kind` at μ, T (Δμ = 0), all qubits in |g⟩, outputs on γt ∈ [0, 10]
    /// (101 samples), default solver and output settings.
    pub fn paper(qubits: usize, kind: ReservoirKind, mu: f64, temperature: f64) -> Self {
        Self {
            network: Network {
                qubits,
                omega0: 10.0,
                j: 1.0.into(),
                initial: None,
                representation: Representation::Auto,
            },
            reservoir: Reservoir {
                kind,
                gamma: 1.0,
                omega: 1.0,
                mu,
                temperature,
                delta_mu: 0.0,
                mus: None,
                temperatures: None,
            },
            time: TimeGrid {
                t_max: 10.0,
                steps: 101,
            },
            solver: SolverSettings::default(),
            output: OutputSettings::default(),
        }
    }

    /// The initial level of every qubit (0 = |g⟩, 1 = |e⟩), the battery first.
    fn initial_levels(&self) -> Result<Vec<usize>> {
        let n = self.network.qubits;
        let Some(s) = &self.network.initial else {
            return Ok(vec![0; n]);
        };
        let levels: Option<Vec<usize>> = s
            .chars()
            .map(|c| match c {
                'g' => Some(0),
                'e' => Some(1),
                _ => None,
            })
            .collect();
        match levels {
            Some(l) if l.len() == n => Ok(l),
            _ => Err(Error::invalid(
                "network.initial",
                format!("{s:?}"),
                format!(
                    "{n} letters g or e, one per qubit, the battery first (e.g. \"e{}\")",
                    "g".repeat(n - 1)
                ),
            )),
        }
    }

    /// Whether the outer qubits are represented as one Dicke spin (see the module
    /// documentation).
    pub fn uses_dicke(&self) -> Result<bool> {
        let levels = self.initial_levels()?;
        Ok(self.network.representation == Representation::Auto
            && self.reservoir.kind == ReservoirKind::Collective
            && self.network.qubits > 2
            && levels[1..].iter().all(|&l| l == levels[1]))
    }
}

impl Parameters for Params {
    const NAME: &'static str = "star";
    const ABOUT: &'static str =
        "a central qubit battery in a star of qubits, charged by fermionic reservoirs (paper 002)";

    /// Named after the reservoir coupling γ (paper 002 plots against γt).
    fn units(&self) -> Units {
        Units::frequency("γ", self.reservoir.gamma)
    }

    fn validate(&self) -> Result<()> {
        let n = self.network.qubits;
        if !(2..=MAX_QUBITS).contains(&n) {
            return Err(Error::invalid(
                "network.qubits",
                n,
                format!("between 2 and {MAX_QUBITS} (the battery and at least one charger)"),
            ));
        }
        positive("network.omega0", self.network.omega0)?;
        self.network.j.validate("network.j")?;
        self.initial_levels()?;
        self.reservoir.validate(n)?;
        self.time.validate()?;
        self.solver.validate()?;
        self.output.validate()
    }
}

impl TimeEvolution for Params {
    fn settings(&self) -> (&TimeGrid, &SolverSettings, &OutputSettings) {
        (&self.time, &self.solver, &self.output)
    }

    fn problem(&self) -> Result<(Problem, Vec<Warning>)> {
        let (net, res) = (&self.network, &self.reservoir);
        let n = net.qubits;
        let levels = self.initial_levels()?;
        let dicke = self.uses_dicke()?;
        let mut space = Space::new().with("battery", Subsystem::QUBIT)?;
        let outer: Vec<usize> = if dicke {
            let two_j = u32::try_from(n - 1).expect("at most MAX_QUBITS");
            space = space.with("chargers", Subsystem::Spin { two_j })?;
            vec![1]
        } else {
            for i in 2..=n {
                space = space.with(format!("qubit{i}"), Subsystem::QUBIT)?;
            }
            (1..n).collect()
        };
        // ω₀ σ^z = 2ω₀ S^z on every qubit; on the Dicke spin 2ω₀ S^z_out = ω₀ Σ σ^z.
        let h_b = OpSum::term(2.0 * net.omega0, vec![(0, LocalOp::Sz)]);
        let mut h = OpSum::term(2.0 * net.omega0, vec![(0, LocalOp::Sz)]);
        let mut exchange = OpSum::new();
        for &s in &outer {
            h.add(2.0 * net.omega0, vec![(s, LocalOp::Sz)]);
            exchange.add(1.0, vec![(0, LocalOp::SPlus), (s, LocalOp::SMinus)]);
            exchange.add(1.0, vec![(0, LocalOp::SMinus), (s, LocalOp::SPlus)]);
        }
        let all: Vec<usize> = std::iter::once(0).chain(outer.iter().copied()).collect();
        let mut jumps = Vec::new();
        let mut push = |rate: f64, sites: &[usize], op: LocalOp| {
            if rate > 0.0 {
                let mut l = OpSum::new();
                for &s in sites {
                    l.add(rate.sqrt(), vec![(s, op.clone())]);
                }
                jumps.push(l);
            }
        };
        match res.kind {
            ReservoirKind::Collective => {
                let occ = fermi(res.omega, res.mu, res.temperature);
                push(res.gamma * (1.0 - occ), &all, LocalOp::SMinus);
                push(res.gamma * occ, &all, LocalOp::SPlus);
            }
            ReservoirKind::Individual => {
                for (s, (mu, t)) in res.baths(n).into_iter().enumerate() {
                    let occ = fermi(res.omega, mu, t);
                    push(res.gamma * (1.0 - occ), &[s], LocalOp::SMinus);
                    push(res.gamma * occ, &[s], LocalOp::SPlus);
                }
            }
        }
        let mut factors = vec![Factor {
            sites: vec![0],
            state: LocalState::Ket(basis(2, levels[0])?),
        }];
        if dicke {
            // All outer qubits alike: the Dicke state of m = ∓(N − 1)/2.
            factors.push(Factor {
                sites: vec![1],
                state: LocalState::Ket(basis(n, levels[1] * (n - 1))?),
            });
        } else {
            for (s, &l) in levels.iter().enumerate().skip(1) {
                factors.push(Factor {
                    sites: vec![s],
                    state: LocalState::Ket(basis(2, l)?),
                });
            }
        }
        let initial = ProductState::new(&space, factors)?;
        let battery_space = Space::new().with("battery", Subsystem::QUBIT)?;
        let mut problem = Problem {
            charge: Some(Charge::excitations(&space)),
            space,
            hamiltonian: h,
            drives: Vec::new(),
            jumps,
            initial,
            battery: Battery {
                sites: vec![0],
                space: battery_space,
                hamiltonian: h_b,
                full_spectrum: None,
            },
        };
        problem.add_drive("network.j", &net.j, exchange);
        Ok((problem, Vec::new()))
    }

    fn memory_advice(&self) -> &'static str {
        "use fewer qubits (network.qubits); with the collective reservoir and outer qubits starting alike, network.representation = \"auto\" holds them as one Dicke spin"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fermi_occupation_is_finite_and_has_the_step_at_zero_temperature() {
        assert_eq!(fermi(1.0, 2.0, 0.0), 1.0);
        assert_eq!(fermi(3.0, 2.0, 0.0), 0.0);
        assert_eq!(fermi(2.0, 2.0, 0.0), 0.5);
        assert_eq!(fermi(2.0, 2.0, 1.0), 0.5);
        assert!((fermi(1.0, 0.0, 1.0) - 1.0 / (1.0_f64.exp() + 1.0)).abs() < 1e-15);
        assert!((fermi(0.0, 1.0, 1.0) - 1.0 / ((-1.0_f64).exp() + 1.0)).abs() < 1e-15);
        for (w, mu, t) in [
            (1e6, 0.0, 1e-9),
            (-1e6, 0.0, 1e-9),
            (1.0, 1.0 + 1e-300, 1e-300),
        ] {
            let n = fermi(w, mu, t);
            assert!(n.is_finite() && (0.0..=1.0).contains(&n), "{n}");
        }
    }
}
