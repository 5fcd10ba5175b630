//! The cavity–Heisenberg spin-j chain battery of 000_e3df25f406468476.txt, Eqs. (1)–(7).
//!
//! H = H_C + H_B + H_I with
//! - H_C = ω_c a†a (Eq. 2),
//! - H_B = ω_a Σ_n S^z_n + ω_a J Σ_n [(1+γ) S^x_n S^x_{n+1} + (1−γ) S^y_n S^y_{n+1} + Δ S^z_n S^z_{n+1}] (Eq. 3),
//! - H_I = g Σ_n (S⁺_n + S⁻_n)(a† + a) (Eq. 4, Rabi), or g Σ_n (a S⁺_n + a† S⁻_n) with the
//!   Jaynes–Cummings coupling (the two-qubit model of 003, see DESIGN.md).
//!
//! S are spin-j operators (S = σ/2 for j = 1/2). The initial state is |N photons⟩ ⊗ |G⟩_B,
//! |G⟩_B the ground state of H_B (Eq. 5); its degeneracy and gap are checked and reported.
//! `chain.initial = "down"` starts every spin in m = −j instead.
//!
//! The two-qubit cavity battery of 003_0f93033296fe24a2.txt (Eqs. 22–24) is this model with
//! N = 2, j = 1/2, the Jaynes–Cummings coupling g = ω_g and `initial = "down"` (|n, g, g⟩):
//! its H_b = (Δ/2) Σ σ^z + J₁(σ^x σ^x + σ^y σ^y) + J₂ σ^z σ^z, the pair counted once as in
//! the matrix of Eq. 24, is ω_a = Δ, J = 4J₁/Δ, γ = 0, Δ_chain = J₂/J₁ here (S = σ/2). The
//! Rabi coupling of Eq. 22 as printed is `coupling.kind = "rabi"`.
//! The open system damps the cavity only, at thermal occupation n_th (Eq. 7).
//!
//! Symmetry: the Rabi coupling and the anisotropic XY terms change the number of
//! excitations (photons + spin levels) by 0 or ±2, so its parity is conserved (Z2); with the
//! Jaynes–Cummings coupling and γ = 0 the number itself is (U(1)). Cavity loss and gain
//! shift it by ∓1, so for the open system it is a weak symmetry (ρ stays block-diagonal in
//! it). The reflection of the chain n ↔ N+1−n commutes with H and with the cavity's jumps (a
//! strong symmetry); the runner finds and uses both ([`crate::simulation::symmetry`]).

use super::cavity::positive;
pub use super::cavity::Cavity;
use super::model::{Parameters, TimeEvolution};
use crate::error::{Error, Result, Warning};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::sector::{Charge, Subspace};
use crate::simulation::memory::dense_bytes;
use crate::simulation::{
    Battery, Drive, Estimate, OutputSettings, Problem, Progress, Run, SolverSettings, TimeGrid,
    Units,
};
use crate::space::{Space, Subsystem};
use crate::states::{basis, ground_state, Factor, LocalState, ProductState};
use serde::{Deserialize, Serialize};

/// The spin chain (the battery).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    /// Number of sites N (≥ 1).
    pub sites: usize,
    /// Twice the spin: 1 for spin-1/2, 2 for spin-1, 3 for spin-3/2.
    pub two_j: u32,
    /// ω_a (> 0).
    pub omega: f64,
    /// Nearest-neighbour exchange J (in units of ω_a, as in Eq. 3).
    pub j: f64,
    /// XY anisotropy γ.
    pub gamma: f64,
    /// ZZ anisotropy Δ.
    pub delta: f64,
    /// The chain's initial state (default the ground state of H_B, Eq. 5).
    #[serde(default)]
    pub initial: ChainStart,
}

/// The chain's initial state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainStart {
    /// |G⟩_B, the ground state of H_B (Eq. 5 of paper 000).
    #[default]
    Ground,
    /// Every spin down, m = −j (|g…g⟩: the two-qubit cavity battery of paper 003, whose
    /// H_B ground state is not |gg⟩ when the exchange is antiferromagnetic).
    Down,
}

/// Which cavity–spin coupling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouplingKind {
    /// g (S⁺ + S⁻)(a† + a), Eq. (4).
    #[default]
    Rabi,
    /// g (a S⁺ + a† S⁻).
    JaynesCummings,
}

/// The coupling.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coupling {
    /// g: a number, or a drive g(t) (see [`Drive`]).
    pub g: Drive,
    /// Rabi (default) or Jaynes–Cummings.
    #[serde(default)]
    pub kind: CouplingKind,
}

/// A cavity–spin-chain scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The battery chain.
    pub chain: Chain,
    /// The charging cavity.
    pub cavity: Cavity,
    /// Their coupling.
    pub coupling: Coupling,
    /// Output times.
    pub time: TimeGrid,
    /// Integrator settings (open systems).
    #[serde(default)]
    pub solver: SolverSettings,
    /// Metrics and diagnostics.
    #[serde(default)]
    pub output: OutputSettings,
}

/// Relative tolerance under which two levels of H_B count as degenerate.
const DEGENERACY_TOL: f64 = 1e-9;

impl Params {
    /// The setting of the figures of 000_e3df25f406468476.txt: N = 3 sites of spin
    /// `two_j`/2, exchange `j` (in ω_a), γ = 0.4, Δ = 1, ω_a = ω_c = 1, a Rabi coupling `g`,
    /// 14 Fock levels with 3 photons, closed (set `cavity.kappa`, `cavity.n_th` for the open
    /// system), outputs `time`, default solver and output settings.
    pub fn paper(two_j: u32, j: f64, g: f64, time: TimeGrid) -> Self {
        Self {
            chain: Chain {
                sites: 3,
                two_j,
                omega: 1.0,
                j,
                gamma: 0.4,
                delta: 1.0,
                initial: ChainStart::Ground,
            },
            cavity: Cavity {
                omega: 1.0,
                levels: 14,
                photons: 3,
                kappa: 0.0,
                n_th: 0.0,
            },
            coupling: Coupling {
                g: g.into(),
                kind: CouplingKind::Rabi,
            },
            time,
            solver: SolverSettings::default(),
            output: OutputSettings::default(),
        }
    }

    /// The two-qubit cavity battery of 003_0f93033296fe24a2.txt (Eqs. 22–24; see the module
    /// documentation) at anisotropy J₂, with J₁ = Δ = ω_a = ω_g = 1: N = 2 qubits, the
    /// Jaynes–Cummings coupling, |7, g, g⟩ with 8 Fock levels (exact), outputs `time`.
    pub fn cavity_pair(j2: f64, time: TimeGrid) -> Self {
        let photons = 7;
        let mut p = Self::paper(1, 4.0, 1.0, time);
        p.chain.sites = 2;
        p.chain.gamma = 0.0;
        p.chain.delta = j2;
        p.chain.initial = ChainStart::Down;
        p.cavity.levels = photons + 1;
        p.cavity.photons = photons;
        p.coupling.kind = CouplingKind::JaynesCummings;
        p
    }

    /// Checks every field against its physical range.
    pub fn validate(&self) -> Result<()> {
        let c = &self.chain;
        if !(1..=12).contains(&c.sites) {
            return Err(Error::invalid("chain.sites", c.sites, "between 1 and 12"));
        }
        if !(1..=8).contains(&c.two_j) {
            return Err(Error::invalid(
                "chain.two_j",
                c.two_j,
                "between 1 (spin-1/2) and 8 (spin-4)",
            ));
        }
        positive("chain.omega", c.omega)?;
        for (name, v) in [
            ("chain.j", c.j),
            ("chain.gamma", c.gamma),
            ("chain.delta", c.delta),
        ] {
            if !v.is_finite() {
                return Err(Error::invalid(name, v, "a finite number"));
            }
        }
        self.coupling.g.validate("coupling.g")?;
        self.cavity.validate()?;
        self.time.validate()?;
        self.solver.validate()?;
        self.output.validate()
    }

    /// H_B of Eq. (3) on the chain's own space (sites 0 … N−1).
    pub fn battery_hamiltonian(&self) -> OpSum {
        chain_hamiltonian(&self.chain, 0)
    }

    /// The problem: space (cavity first, then sites 1 … N), Hamiltonian, jumps, initial
    /// state |photons⟩ ⊗ |G⟩_B and the conserved charge.
    pub fn problem(&self) -> Result<(Problem, Vec<Warning>)> {
        self.validate()?;
        let (c, cav) = (&self.chain, &self.cavity);
        let spin = Subsystem::Spin { two_j: c.two_j };
        let mut space = Space::new().with("cavity", Subsystem::Mode { levels: cav.levels })?;
        let mut battery_space = Space::new();
        for n in 1..=c.sites {
            space = space.with(format!("spin{n}"), spin)?;
            battery_space = battery_space.with(format!("spin{n}"), spin)?;
        }
        let mut h = cav.hamiltonian(0);
        h.extend(chain_hamiltonian(c, 1));
        let mut coupling = OpSum::new();
        for s in 1..=c.sites {
            let (up, down) = ((s, LocalOp::SPlus), (s, LocalOp::SMinus));
            coupling.add(1.0, vec![(0, LocalOp::Destroy), up.clone()]);
            coupling.add(1.0, vec![(0, LocalOp::Create), down.clone()]);
            if self.coupling.kind == CouplingKind::Rabi {
                coupling.add(1.0, vec![(0, LocalOp::Create), up]);
                coupling.add(1.0, vec![(0, LocalOp::Destroy), down]);
            }
        }
        let jumps = cav.jumps(0);
        let h_b = self.battery_hamiltonian();
        let mut factors = vec![cav.initial_factor(0)?];
        let warnings = match c.initial {
            ChainStart::Ground => {
                let h_b_dense = h_b.build(&Subspace::full(&battery_space)?)?.to_dense();
                let scale = h_b_dense.norm_max().max(1.0);
                let ground = ground_state(h_b_dense.as_ref(), DEGENERACY_TOL * scale)?;
                factors.push(Factor {
                    sites: (1..=c.sites).collect(),
                    state: LocalState::Ket(ground.ket),
                });
                ground.warnings
            }
            ChainStart::Down => {
                for s in 1..=c.sites {
                    factors.push(Factor {
                        sites: vec![s],
                        state: LocalState::Ket(basis(c.two_j as usize + 1, 0)?),
                    });
                }
                Vec::new()
            }
        };
        let initial = ProductState::new(&space, factors)?;
        let conserves_number = self.coupling.kind == CouplingKind::JaynesCummings && c.gamma == 0.0;
        let charge = if conserves_number {
            Charge::excitations(&space)
        } else {
            Charge::parity(&space)
        };
        let mut problem = Problem {
            space,
            hamiltonian: h,
            drives: Vec::new(),
            jumps,
            initial,
            charge: Some(charge),
            battery: Battery {
                sites: (1..=c.sites).collect(),
                space: battery_space,
                hamiltonian: h_b,
                full_spectrum: None,
            },
        };
        problem.add_drive("coupling.g", &self.coupling.g, coupling);
        Ok((problem, warnings))
    }
}

/// Eq. (3) on sites `first … first + N − 1`.
fn chain_hamiltonian(c: &Chain, first: usize) -> OpSum {
    let mut h = OpSum::new();
    for n in 0..c.sites {
        h.add(c.omega, vec![(first + n, LocalOp::Sz)]);
    }
    let coupling = c.omega * c.j;
    for n in 0..c.sites.saturating_sub(1) {
        let (a, b) = (first + n, first + n + 1);
        h.add(
            coupling * (1.0 + c.gamma),
            vec![(a, LocalOp::Sx), (b, LocalOp::Sx)],
        );
        h.add(
            coupling * (1.0 - c.gamma),
            vec![(a, LocalOp::Sy), (b, LocalOp::Sy)],
        );
        h.add(coupling * c.delta, vec![(a, LocalOp::Sz), (b, LocalOp::Sz)]);
    }
    h
}

impl Parameters for Params {
    const NAME: &'static str = "cavity_chain";
    const ABOUT: &'static str = "a cavity charging a Heisenberg spin-j chain (paper 000)";

    /// Named after the spins' splitting ω_a (paper 000 sets ω_a = ω_c = 1).
    fn units(&self) -> Units {
        Units::frequency("ω_a", self.chain.omega)
    }

    fn validate(&self) -> Result<()> {
        Params::validate(self)
    }
}

impl TimeEvolution for Params {
    fn settings(&self) -> (&TimeGrid, &SolverSettings, &OutputSettings) {
        (&self.time, &self.solver, &self.output)
    }

    fn cutoff_mut(&mut self) -> Option<&mut usize> {
        Some(&mut self.cavity.levels)
    }

    /// The ground state |G⟩_B comes from a dense diagonalisation of H_B: the matrix, its
    /// eigenvectors and the workspace.
    fn preparation(&self) -> Estimate {
        let c = &self.chain;
        let d_b = (c.two_j as usize + 1).saturating_pow(c.sites as u32);
        let mut e = Estimate::default();
        e.add("dense H_B for the ground state |G⟩_B", 3 * dense_bytes(d_b));
        e
    }

    fn problem(&self) -> Result<(Problem, Vec<Warning>)> {
        Params::problem(self)
    }

    fn memory_advice(&self) -> &'static str {
        "use fewer chain sites or a smaller spin (chain.sites, chain.two_j), a lower cavity cutoff (cavity.levels), drop log_negativity, for a steady state try solver.steady.method = \"iterative\" (memory O(d²), slower), or pass --max-memory if the machine has more"
    }
}

/// Runs the scenario; a degenerate ground state of H_B is reported as a warning.
pub fn simulate(p: &Params) -> Result<Run> {
    simulate_with_progress(p, &mut crate::simulation::Silent)
}

/// [`simulate`] with progress reports, without a memory limit.
pub fn simulate_with_progress(p: &Params, progress: &mut dyn Progress) -> Result<Run> {
    super::model::run_params(p.clone(), progress)
}
