//! The multiple central-spin battery: space, Hamiltonian and initial states.
//!
//! Ref: 004_5856515c11cfbeb7.txt, Eqs. (4)–(7) and Appendix B. The battery is a collective
//! spin of `n_b` spin-1/2 (S = Σ s_i), the charger a collective spin of `n` spin-1/2
//! (J = Σ τ_j), both in the Dicke basis of [`crate::space`]: battery level m and charger
//! level k count excited spins, S^z = m − N_B/2, J^z = k − N/2 (the paper writes the
//! charger level as n).

use crate::error::{Error, Result};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::sector::Charge;
use crate::space::{Space, Subsystem};

/// Site index of the battery in [`CentralSpin::space`].
pub const BATTERY: usize = 0;
/// Site index of the charger in [`CentralSpin::space`].
pub const CHARGER: usize = 1;

/// Largest block dimension accepted: the block q = m + k has dimension
/// min(N_B, q) − max(0, q − N) + 1 ≤ min(N_B, N) + 1 and is diagonalized densely
/// (memory 8·d² bytes, time ∝ d³).
pub const MAX_BLOCK_DIM: usize = 8001;

/// H = B S^z + h J^z + A(S⁺J⁻ + S⁻J⁺) + 2Δ S^z J^z (Eqs. 4–6 of 004_5856515c11cfbeb7.txt).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CentralSpin {
    /// N_B, the number of battery (central) spins.
    pub n_b: u32,
    /// N, the number of charger (bath) spins.
    pub n: u32,
    /// B, the field on the battery spins (H_B = B S^z).
    pub b: f64,
    /// h, the field on the charger spins (H_C = h J^z).
    pub h: f64,
    /// A, the flip-flop coupling.
    pub a: f64,
    /// Δ, the Ising anisotropy (coefficient 2Δ of S^z J^z).
    pub delta: f64,
}

impl CentralSpin {
    /// Checks the sizes and couplings; errors name the field and its allowed range.
    pub fn validate(&self) -> Result<()> {
        if self.n_b == 0 {
            return Err(Error::invalid("n_b", self.n_b, "≥ 1 battery spin"));
        }
        if self.n == 0 {
            return Err(Error::invalid("n", self.n, "≥ 1 charger spin"));
        }
        if !self.b.is_finite() || self.b == 0.0 {
            return Err(Error::invalid(
                "b",
                self.b,
                "finite and non-zero (H_B = B S^z stores no energy otherwise)",
            ));
        }
        for (name, v) in [("h", self.h), ("a", self.a), ("delta", self.delta)] {
            if !v.is_finite() {
                return Err(Error::invalid(name, v, "a finite number"));
            }
        }
        Ok(())
    }

    /// Battery ⊗ charger: two Dicke ensembles, sites [`BATTERY`] and [`CHARGER`].
    pub fn space(&self) -> Result<Space> {
        Space::new()
            .with("battery", Subsystem::Dicke { n: self.n_b })?
            .with("charger", Subsystem::Dicke { n: self.n })
    }

    /// The conserved charge m + k (total number of excited spins): [H, S^z + J^z] = 0.
    pub fn charge(&self) -> Result<Charge> {
        Ok(Charge::excitations(&self.space()?))
    }

    /// The full Hamiltonian, Eqs. (4)–(6).
    pub fn hamiltonian(&self) -> OpSum {
        let mut h = self.battery_hamiltonian();
        h.add(self.h, vec![(CHARGER, LocalOp::Sz)]);
        h.extend(self.interaction());
        h
    }

    /// H_B = B S^z, Eq. (4).
    pub fn battery_hamiltonian(&self) -> OpSum {
        OpSum::term(self.b, vec![(BATTERY, LocalOp::Sz)])
    }

    /// H_I = A(S⁺J⁻ + S⁻J⁺) + 2Δ S^z J^z, Eq. (6).
    pub fn interaction(&self) -> OpSum {
        let mut h = OpSum::term(
            self.a,
            vec![(BATTERY, LocalOp::SPlus), (CHARGER, LocalOp::SMinus)],
        );
        h.add(
            self.a,
            vec![(BATTERY, LocalOp::SMinus), (CHARGER, LocalOp::SPlus)],
        );
        h.add(
            2.0 * self.delta,
            vec![(BATTERY, LocalOp::Sz), (CHARGER, LocalOp::Sz)],
        );
        h
    }
}

/// The charger's initial state.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChargerState {
    /// The Dicke (Fock) state |k⟩ with `k` excited charger spins, Eq. (7) (the paper's |n⟩).
    Dicke {
        /// Number of excited charger spins, 0 ≤ k ≤ N.
        k: u32,
    },
    /// The spin-coherent state with every charger spin at polar angle `theta` from +z:
    /// ⊗_j (cos(θ/2)|↑⟩ + e^{iφ} sin(θ/2)|↓⟩). Its Dicke amplitudes have weights
    /// C(N,k) cos²ᵏ(θ/2) sin²⁽ᴺ⁻ᵏ⁾(θ/2). The battery energy does not depend on the azimuth
    /// φ (the battery starts in a Dicke state, so the blocks m + k = q never interfere in
    /// ⟨S^z⟩), so φ is not a parameter.
    Coherent {
        /// Polar angle θ ∈ [0, π]; θ = 0 is all charger spins up, θ = π all down.
        theta: f64,
    },
}

/// The initial product state |m⟩_B ⊗ charger, Eq. (8).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct InitialState {
    /// Number of excited battery spins m (0 = empty battery), 0 ≤ m ≤ N_B.
    pub m: u32,
    /// The charger's state.
    pub charger: ChargerState,
}

impl InitialState {
    /// The paper's |m, n⟩: battery Dicke level `m`, charger Dicke level `k`.
    pub fn dicke(m: u32, k: u32) -> Self {
        Self {
            m,
            charger: ChargerState::Dicke { k },
        }
    }

    /// Checks the levels against the model's sizes.
    pub fn validate(&self, model: &CentralSpin) -> Result<()> {
        if self.m > model.n_b {
            return Err(Error::invalid(
                "initial.m",
                self.m,
                format!("0 ≤ m ≤ n_b = {}", model.n_b),
            ));
        }
        match self.charger {
            ChargerState::Dicke { k } if k > model.n => Err(Error::invalid(
                "initial.charger.k",
                k,
                format!("0 ≤ k ≤ n = {}", model.n),
            )),
            ChargerState::Coherent { theta } if !(0.0..=std::f64::consts::PI).contains(&theta) => {
                Err(Error::invalid("initial.charger.theta", theta, "in [0, π]"))
            }
            _ => Ok(()),
        }
    }

    /// The charger levels k with their probabilities |⟨k|charger⟩|², dropping levels whose
    /// probability is below `drop` (returns the total dropped probability too).
    pub fn charger_weights(&self, n: u32, drop: f64) -> (Vec<(u32, f64)>, f64) {
        match self.charger {
            ChargerState::Dicke { k } => (vec![(k, 1.0)], 0.0),
            ChargerState::Coherent { theta } => {
                let (c, s) = ((theta / 2.0).cos(), (theta / 2.0).sin());
                let (ln_c2, ln_s2) = (2.0 * c.abs().ln(), 2.0 * s.abs().ln());
                let mut ln_binom = 0.0; // ln C(n, k), updated in k
                let mut kept = Vec::new();
                let mut dropped = 0.0;
                for k in 0..=n {
                    if k > 0 {
                        ln_binom += ((n - k + 1) as f64 / k as f64).ln();
                    }
                    // 0·ln 0 = 0 for the extreme levels of θ = 0 or π.
                    let up = if k == 0 { 0.0 } else { k as f64 * ln_c2 };
                    let down = if k == n { 0.0 } else { (n - k) as f64 * ln_s2 };
                    let p = (ln_binom + up + down).exp();
                    if p >= drop {
                        kept.push((k, p));
                    } else {
                        dropped += p;
                    }
                }
                (kept, dropped)
            }
        }
    }
}

/// b_{N,k} = k(N − k + 1), so that J⁻|k⟩ = √b_{N,k} |k − 1⟩ (Eq. 7 of 004_5856515c11cfbeb7.txt).
pub fn dicke_coefficient(n: u32, k: u32) -> f64 {
    k as f64 * (n as f64 - k as f64 + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sector::Subspace;

    #[test]
    fn hamiltonian_matches_the_recurrence_of_eq_17() {
        let model = CentralSpin {
            n_b: 3,
            n: 4,
            b: 1.3,
            h: 0.7,
            a: 0.9,
            delta: 0.4,
        };
        let space = model.space().unwrap();
        let charge = model.charge().unwrap();
        let q = 4;
        let sector = Subspace::sector(&space, &charge, q).unwrap();
        let h = model.hamiltonian().build(&sector).unwrap().to_dense();
        for i in 0..sector.dim() {
            let lv = sector.levels(i);
            let (m, k) = (lv[0] as f64, lv[1] as f64);
            let (sz, jz) = (m - 1.5, k - 2.0);
            let w = model.b * sz + model.h * jz + 2.0 * model.delta * sz * jz;
            assert!((h[(i, i)].re - w).abs() < 1e-13);
            for j in 0..sector.dim() {
                let lj = sector.levels(j);
                if lj[0] == lv[0] + 1 {
                    // ⟨m+1, k−1| A S⁺J⁻ |m, k⟩ = A √(b_{N_B,m+1} b_{N,k})
                    let e = model.a
                        * (dicke_coefficient(3, lj[0] as u32) * dicke_coefficient(4, lv[1] as u32))
                            .sqrt();
                    assert!((h[(j, i)].re - e).abs() < 1e-13);
                }
            }
        }
    }

    #[test]
    fn coherent_weights_are_binomial() {
        let init = InitialState {
            m: 0,
            charger: ChargerState::Coherent { theta: 1.1 },
        };
        let (w, dropped) = init.charger_weights(7, 0.0);
        let p = (0.55f64).cos().powi(2);
        let binom = [1.0, 7.0, 21.0, 35.0, 35.0, 21.0, 7.0, 1.0];
        for (k, pk) in &w {
            let e = binom[*k as usize] * p.powi(*k as i32) * (1.0 - p).powi(7 - *k as i32);
            assert!((pk - e).abs() < 1e-14);
        }
        assert_eq!(dropped, 0.0);
        let all_up = InitialState {
            m: 0,
            charger: ChargerState::Coherent { theta: 0.0 },
        };
        let (w, _) = all_up.charger_weights(5, 1e-300);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, 5);
        assert!((w[0].1 - 1.0).abs() < 1e-15);
    }
}
