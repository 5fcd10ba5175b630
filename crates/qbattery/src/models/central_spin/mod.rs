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
//! [`simulate`] runs one scenario ([`Params`]) into a [`Trajectory`].

pub mod charging;
pub mod closed_forms;
pub mod maxima;
pub mod model;
pub mod scaling;

pub use charging::{Charging, EnergyJet};
pub use maxima::Maximum;
pub use model::{dicke_coefficient, CentralSpin, ChargerState, InitialState};

use crate::error::{Error, Result, Warning};
use crate::simulation::Trajectory;

/// Largest number of output time steps.
pub const MAX_STEPS: usize = 10_000_000;

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
    /// End of the output time grid (> 0, units 1/A when A = 1). E_max is the maximum over
    /// [0, t_max]; P_max is searched over all t > 0.
    pub t_max: f64,
    /// Number of output intervals: the grid is t_i = i·t_max/steps, i = 0…steps.
    pub steps: usize,
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
        if !(self.t_max.is_finite() && self.t_max > 0.0) {
            return Err(Error::invalid("t_max", self.t_max, "finite and > 0"));
        }
        if self.steps == 0 || self.steps > MAX_STEPS {
            return Err(Error::invalid(
                "steps",
                self.steps,
                format!("1 ≤ steps ≤ {MAX_STEPS}"),
            ));
        }
        Ok(())
    }
}

/// Runs the scenario: exact ΔE_B, P_B, E_B, ΔE_C and E_I on the output grid, and the
/// certified maxima.
///
/// Series: `energy` (ΔE_B = E_B(t) − E_B(0)), `power` (ΔE_B/t, 0 at t = 0, its limit),
/// `battery_energy` (E_B, Eq. 2), `charger_energy` (ΔE_C), `interaction_energy` (E_I = ⟨H_I⟩).
/// Scalars: `e_max`, `t_e_max` (over [0, t_max]), `p_max`, `t_p_max` (over all t > 0),
/// `e_bound` (the bound on ΔE_B), and the certificates' relative gaps.
pub fn simulate(p: &Params) -> Result<Trajectory> {
    p.validate()?;
    let charging = Charging::new(&p.model(), &p.initial)?;
    let grid: Vec<f64> = (0..=p.steps)
        .map(|i| p.t_max * i as f64 / p.steps as f64)
        .collect();
    let jets = charging.jets(&grid);
    if jets.iter().any(|j| !j.de.is_finite()) {
        return Err(Error::NonFinite {
            context: "central-spin battery energy".into(),
        });
    }
    let e_max = charging.max_energy(p.t_max, &jets);
    let p_max = charging.max_power();
    let de: Vec<f64> = jets.iter().map(|j| j.de).collect();
    let mut traj = Trajectory::new("t", grid.clone());
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
        "method",
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
    Ok(traj)
}
