//! The single-mode cavity that charges several of the batteries: its parameters, checks,
//! Hamiltonian, thermal damping and initial Fock state.
//!
//! Damping follows Eq. (7) of 000_e3df25f406468476.txt: L = √(κ(n_th+1)) a and
//! L = √(κ n_th) a† (the second omitted when n_th = 0).

use crate::error::{Error, Result};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::states::{fock, Factor, LocalState};
use serde::{Deserialize, Serialize};

/// A cavity mode: the `[cavity]` table of a scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cavity {
    /// Frequency ω_c (> 0).
    pub omega: f64,
    /// Fock states kept, |0⟩ … |levels − 1⟩; must exceed `photons`.
    pub levels: usize,
    /// Initial photon number n (the cavity starts in |n⟩).
    pub photons: usize,
    /// Loss rate κ ≥ 0 (0: closed system).
    #[serde(default)]
    pub kappa: f64,
    /// Thermal occupation n_th ≥ 0 of the cavity's bath.
    #[serde(default)]
    pub n_th: f64,
}

impl Cavity {
    /// Checks the ranges; errors name `cavity.<field>`.
    pub fn validate(&self) -> Result<()> {
        positive("cavity.omega", self.omega)?;
        if self.levels < 2 {
            return Err(Error::invalid("cavity.levels", self.levels, "≥ 2"));
        }
        if self.photons >= self.levels {
            return Err(Error::invalid(
                "cavity.photons",
                self.photons,
                format!("< cavity.levels = {} (raise the cutoff)", self.levels),
            ));
        }
        non_negative("cavity.kappa", self.kappa)?;
        non_negative("cavity.n_th", self.n_th)
    }

    /// ω_c a†a on `site`.
    pub fn hamiltonian(&self, site: usize) -> OpSum {
        OpSum::term(self.omega, vec![(site, LocalOp::Number)])
    }

    /// The thermal damping jump operators on `site` (none when κ = 0).
    pub fn jumps(&self, site: usize) -> Vec<OpSum> {
        let mut jumps = Vec::new();
        if self.kappa > 0.0 {
            jumps.push(OpSum::term(
                (self.kappa * (self.n_th + 1.0)).sqrt(),
                vec![(site, LocalOp::Destroy)],
            ));
            if self.n_th > 0.0 {
                jumps.push(OpSum::term(
                    (self.kappa * self.n_th).sqrt(),
                    vec![(site, LocalOp::Create)],
                ));
            }
        }
        jumps
    }

    /// The initial Fock state |photons⟩ as a factor of a product state on `site`.
    pub fn initial_factor(&self, site: usize) -> Result<Factor> {
        Ok(Factor {
            sites: vec![site],
            state: LocalState::Ket(fock(self.levels, self.photons)?),
        })
    }
}

/// `v` finite and > 0, else an error naming `name`.
pub(crate) fn positive(name: &str, v: f64) -> Result<()> {
    if !(v > 0.0 && v.is_finite()) {
        return Err(Error::invalid(name, v, "a finite number > 0"));
    }
    Ok(())
}

/// `v` finite and ≥ 0, else an error naming `name`.
pub(crate) fn non_negative(name: &str, v: f64) -> Result<()> {
    if !(v >= 0.0 && v.is_finite()) {
        return Err(Error::invalid(name, v, "a finite number ≥ 0"));
    }
    Ok(())
}
