//! The multiple central-spin quantum battery of 004_5856515c11cfbeb7.txt (Peng, He, Chesi,
//! Lin, Guan, PRA 103, 052220 (2021)).
//!
//! N_B battery spins and N charger spins, both collective (Dicke basis), with
//! H = B S^z + h J^z + A(S⁺J⁻ + S⁻J⁺) + 2Δ S^z J^z (Eqs. 4–6). The excitation number
//! m + k is conserved, so only the blocks that the initial state touches are built and
//! diagonalized ([`charging`]); energies and powers are exact at every time, and their
//! maxima are certified and refined to machine precision ([`maxima`]).
//!
//! - [`model`]: the Hamiltonian, the space and the initial states;
//! - [`charging`]: block eigen-decomposition and E_B(t) with derivatives;
//! - [`maxima`]: certified E_max, P_max;
//! - [`closed_forms`]: the N_B = 1 solution, the resonant constant 0.7246, the
//!   Holstein–Primakoff limit;
//! - [`scaling`]: P_max sweeps and power-law fits ln P_max = α ln N_B + ln β.
//!
//! [`simulate`] runs one scenario ([`Params`]) into a [`Run`]; the registry reaches it
//! through [`Engine`] (its engine plugs in behind the common result type).

pub mod charging;
pub mod closed_forms;
pub mod maxima;
pub mod model;
pub mod scaling;

pub use charging::{Charging, EnergyJet};
pub use maxima::Maximum;
pub use model::{dicke_coefficient, CentralSpin, ChargerState, InitialState};

use super::model::{Description, Engine, Parameters};
use crate::error::{Result, Warning};
use crate::simulation::memory::dense_bytes;
use crate::simulation::{Estimate, Method, Progress, Run, TimeGrid, Units};

fn one() -> f64 {
    1.0
}

/// Scenario parameters of the central-spin battery (symbols of 004_5856515c11cfbeb7.txt).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// N_B, the number of battery (central) spin-1/2, ≥ 1.
    pub n_b: u32,
    /// N, the number of charger (bath) spin-1/2, ≥ 1.
    pub n: u32,
    /// B, the battery field: H_B = B S^z (non-zero). The energy unit of E_B and P_B.
    pub b: f64,
    /// h, the charger field: H_C = h J^z.
    pub h: f64,
    /// A, the flip-flop coupling A(S⁺J⁻ + S⁻J⁺); the paper sets A = 1 (default).
    #[serde(default = "one")]
    pub a: f64,
    /// Δ, the Ising anisotropy 2Δ S^z J^z (default 0).
    #[serde(default)]
    pub delta: f64,
    /// The initial state |m⟩_B ⊗ charger: `{ m = 0, charger = { kind = "dicke", k = 10 } }`
    /// or `charger = { kind = "coherent", theta = 0.5 }`.
    pub initial: InitialState,
    /// The output grid `[time]` (units 1/A when A = 1). E_max is the maximum over
    /// [0, t_max]; P_max is searched over all t > 0.
    pub time: TimeGrid,
}

impl Params {
    /// The model part of the parameters.
    pub fn model(&self) -> CentralSpin {
        CentralSpin {
            n_b: self.n_b,
            n: self.n,
            b: self.b,
            h: self.h,
            a: self.a,
            delta: self.delta,
        }
    }

    /// Checks every field; errors name the field and its allowed range.
    pub fn validate(&self) -> Result<()> {
        let model = self.model();
        model.validate()?;
        self.initial.validate(&model)?;
        self.time.validate()
    }

    /// Memory of the block eigen-decompositions, from the sizes alone: one block per
    /// charger level of the initial state, each of dimension ≤ min(N_B, N) + 1.
    fn memory(&self) -> Estimate {
        let (levels, _) = self.initial.charger_weights(self.n, charging::DROP_WEIGHT);
        let d = self.n_b.min(self.n) as usize + 1;
        let mut e = Estimate::default();
        e.add(
            "block eigen-decompositions",
            levels.len() as u64 * 3 * dense_bytes(d),
        );
        e
    }
}

impl Parameters for Params {
    const NAME: &'static str = "central_spin";
    const ABOUT: &'static str =
        "N_B battery spins charged by N bath spins, both collective (paper 004)";

    /// Named after energies in B (H_B = B S^z), times in 1/A (paper 004).
    fn units(&self) -> Units {
        Units::energy_and_rate(("B", self.b), ("A", self.a))
    }

    fn validate(&self) -> Result<()> {
        Params::validate(self)
    }
}

impl Engine for Params {
    fn describe(&self, memory_limit: u64) -> Result<Description> {
        let model = self.model();
        let space = model.space()?;
        let memory = self.memory();
        let (blocks, notes) = if memory.total() <= memory_limit {
            let charging = Charging::new(&model, &self.initial)?;
            let (count, largest) = charging.blocks();
            let qs = charging.sector_charges();
            (
                vec![format!(
                    "{count} (charges {qs:?}), largest dimension {largest}"
                )],
                Vec::new(),
            )
        } else {
            (Vec::new(), vec!["blocks not built: too large".to_string()])
        };
        Ok(Description {
            model: Params::NAME,
            space: space.describe(),
            dimension: Some(space.dim()?),
            symmetry: model.charge()?.describe(),
            evolved_in: None,
            blocks,
            method: Some(Method::CentralSpinBlocks),
            method_detail: Some(
                "block eigen-decomposition, exact E(t); certified E_max, P_max".into(),
            ),
            memory,
            notes,
        })
    }

    fn run(&self, memory_limit: u64, _progress: &mut dyn Progress) -> Result<Run> {
        // Exact block maxima: well under a second even at N_B = 1000, N = 10⁴.
        self.memory().check(
            memory_limit,
            "use fewer spins (n_b, n) or pass --max-memory if the machine has more",
        )?;
        simulate(self)
    }
}

/// Runs the scenario: exact ΔE_B, P_B, E_B, ΔE_C and E_I on the output grid, and the
/// certified maxima.
///
/// Series: `energy` (ΔE_B = E_B(t) − E_B(0)), `power` (ΔE_B/t, 0 at t = 0, its limit),
/// `battery_energy` (E_B, Eq. 2), `charger_energy` (ΔE_C), `interaction_energy` (E_I = ⟨H_I⟩).
/// Scalars: `e_max`, `t_e_max` (over [0, t_max]), `p_max`, `t_p_max` (over all t > 0),
/// `e_bound` (the bound on ΔE_B), and the certificates' relative gaps.
pub fn simulate(p: &Params) -> Result<Run> {
    let clock = std::time::Instant::now();
    p.validate()?;
    let charging = Charging::new(&p.model(), &p.initial)?;
    let grid = p.time.times();
    let t_max = p.time.t_max;
    let jets = charging.jets(&grid);
    if jets.iter().any(|j| !j.de.is_finite()) {
        return Err(crate::Error::NonFinite {
            context: "central-spin battery energy".into(),
        });
    }
    let e_max = charging.max_energy(t_max, &jets);
    let p_max = charging.max_power();
    let de: Vec<f64> = jets.iter().map(|j| j.de).collect();
    let mut traj = Run::new("t", grid.clone(), Method::CentralSpinBlocks);
    traj.push_series(
        "power",
        jets.iter()
            .map(|j| if j.t > 0.0 { j.de / j.t } else { 0.0 })
            .collect(),
    );
    traj.push_series(
        "battery_energy",
        de.iter().map(|x| charging.initial_energy() + x).collect(),
    );
    traj.push_series(
        "charger_energy",
        de.iter()
            .map(|&x| charging.charger_energy_change(x))
            .collect(),
    );
    traj.push_series(
        "interaction_energy",
        de.iter().map(|&x| charging.interaction_energy(x)).collect(),
    );
    traj.series.insert(0, ("energy".to_string(), de));
    for (k, v) in [
        ("e_max", e_max.value),
        ("t_e_max", e_max.t),
        ("p_max", p_max.value),
        ("t_p_max", p_max.t),
        ("e_bound", charging.energy_bound()),
        ("e_max_gap", e_max.gap),
        ("p_max_gap", p_max.gap),
    ] {
        traj.scalars.insert(k.to_string(), v);
    }
    let (nblocks, dim) = charging.blocks();
    let qs = charging.sector_charges();
    traj.record(
        "method_detail",
        "exact: eigen-decomposition of the U(1) blocks m + k = q (tridiagonal QL for dimension ≤ 64, faer self_adjoint_eigen above)",
    );
    traj.record("blocks", nblocks);
    traj.record("block_dimension", dim);
    traj.record(
        "sector_charge",
        if qs.len() == 1 {
            qs[0].to_string()
        } else {
            format!("{}..={}", qs[0], qs[qs.len() - 1])
        },
    );
    traj.record("dropped_initial_weight", charging.dropped_weight());
    traj.record("p_max_window_lo", p_max.window.0);
    traj.record("p_max_window_hi", p_max.window.1);
    traj.record("maxima_relative_gap_target", maxima::GAP);
    traj.record("evaluations", e_max.evaluations + p_max.evaluations);
    for (name, m) in [("e_max", &e_max), ("p_max", &p_max)] {
        if !m.certified {
            traj.warnings.push(Warning::Other {
                message: format!(
                    "{name} is not certified: the search left a relative gap {:.2e} (target {:.0e})",
                    m.gap,
                    maxima::GAP
                ),
            });
        }
    }
    traj.wall_seconds = clock.elapsed().as_secs_f64();
    Ok(traj)
}
