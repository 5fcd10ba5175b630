//! Hilbert spaces as ordered products of subsystems.
//!
//! A [`Space`] is a list of named sites, each a [`Subsystem`]. The tensor order is the
//! order of declaration: the first site is the most significant digit of a basis index
//! (the convention of `kron` and of QuTiP's `tensor`).
//!
//! **Basis convention.** Every subsystem's basis is labelled by an excitation number
//! `k = 0, 1, …, dim − 1`:
//! - a boson mode: the Fock state |k⟩;
//! - a spin j: |j, m⟩ with m = k − j, so k = 0 is the lowest weight state m = −j
//!   (the ground state of ω S^z). QuTiP's `jmat` orders the same states from m = +j
//!   down, i.e. QuTiP index = 2j − k;
//! - a collective (Dicke) spin of n spin-1/2: the symmetric Dicke state with k spins up,
//!   which is the spin-j state with j = n/2 and m = k − n/2.
//!
//! With this labelling the natural U(1) charge of every subsystem is its level `k`
//! (see [`crate::sector`]).

use crate::error::{Error, Result};

/// One factor of a product space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subsystem {
    /// A spin j = `two_j`/2 (two_j ≥ 1), dimension 2j + 1. A qubit is `two_j = 1`.
    Spin {
        /// Twice the spin quantum number, so that j is an exact half-integer.
        two_j: u32,
    },
    /// A boson mode truncated to `levels` Fock states |0⟩ … |levels − 1⟩.
    Mode {
        /// Number of Fock states kept (the cutoff is `levels − 1` photons).
        levels: usize,
    },
    /// The symmetric (Dicke) subspace of `n` spin-1/2: a collective spin j = n/2,
    /// dimension n + 1, labelled by the number of excited spins.
    Dicke {
        /// Number of spin-1/2 in the ensemble.
        n: u32,
    },
}

impl Subsystem {
    /// A qubit: spin-1/2 (operators S = σ/2; see [`crate::operators::local::LocalOp`]).
    pub const QUBIT: Subsystem = Subsystem::Spin { two_j: 1 };

    /// Dimension of the subsystem.
    pub fn dim(&self) -> usize {
        match *self {
            Subsystem::Spin { two_j } => two_j as usize + 1,
            Subsystem::Mode { levels } => levels,
            Subsystem::Dicke { n } => n as usize + 1,
        }
    }

    /// Twice the (collective) spin quantum number, for spins and Dicke ensembles.
    pub fn two_j(&self) -> Option<u32> {
        match *self {
            Subsystem::Spin { two_j } => Some(two_j),
            Subsystem::Dicke { n } => Some(n),
            Subsystem::Mode { .. } => None,
        }
    }

    /// Checks that the subsystem is well formed (non-zero dimension).
    pub fn validate(&self, name: &str) -> Result<()> {
        match *self {
            Subsystem::Spin { two_j: 0 } => Err(Error::invalid(
                format!("{name}.two_j"),
                0,
                "≥ 1 (spin j ≥ 1/2)",
            )),
            Subsystem::Mode { levels: 0 } => {
                Err(Error::invalid(format!("{name}.levels"), 0, "≥ 1"))
            }
            Subsystem::Dicke { n: 0 } => Err(Error::invalid(format!("{name}.n"), 0, "≥ 1")),
            _ => Ok(()),
        }
    }

    /// A short human-readable description, e.g. `spin-3/2` or `mode(14 levels)`.
    pub fn describe(&self) -> String {
        match *self {
            Subsystem::Spin { two_j } if two_j % 2 == 0 => format!("spin-{}", two_j / 2),
            Subsystem::Spin { two_j } => format!("spin-{two_j}/2"),
            Subsystem::Mode { levels } => format!("mode({levels} levels)"),
            Subsystem::Dicke { n } => format!("dicke({n} spins)"),
        }
    }
}

/// A named site of a space.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Site {
    /// Unique name, used to address the site (e.g. `"cavity"`, `"spin2"`).
    pub name: String,
    /// What lives there.
    pub subsystem: Subsystem,
}

/// A product of subsystems in declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Space {
    sites: Vec<Site>,
}

impl Space {
    /// The empty space (dimension 1).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a site; names must be unique and the subsystem well formed.
    pub fn with(mut self, name: impl Into<String>, subsystem: Subsystem) -> Result<Self> {
        let name = name.into();
        subsystem.validate(&name)?;
        if self.sites.iter().any(|s| s.name == name) {
            return Err(Error::invalid(
                "site name",
                &name,
                "unique within the space",
            ));
        }
        self.sites.push(Site { name, subsystem });
        Ok(self)
    }

    /// The sites in tensor order.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.sites.len()
    }

    /// Whether the space has no sites.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// The position of the site called `name`.
    pub fn site(&self, name: &str) -> Result<usize> {
        self.sites
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| {
                let names: Vec<_> = self.sites.iter().map(|s| s.name.as_str()).collect();
                Error::invalid("site", name, format!("one of {names:?}"))
            })
    }

    /// Local dimensions in tensor order.
    pub fn dims(&self) -> Vec<usize> {
        self.sites.iter().map(|s| s.subsystem.dim()).collect()
    }

    /// Total dimension; an error if it overflows `usize`.
    pub fn dim(&self) -> Result<usize> {
        self.sites.iter().try_fold(1usize, |acc, s| {
            acc.checked_mul(s.subsystem.dim()).ok_or_else(|| {
                Error::invalid(
                    "space dimension",
                    "overflow",
                    "a product of dimensions that fits in memory",
                )
            })
        })
    }

    /// The flat basis index of a product state given by its local levels.
    pub fn index_of(&self, levels: &[usize]) -> usize {
        debug_assert_eq!(levels.len(), self.sites.len());
        levels
            .iter()
            .zip(&self.sites)
            .fold(0, |acc, (&k, s)| acc * s.subsystem.dim() + k)
    }

    /// The local levels of the product state with flat basis index `index`.
    pub fn levels_of(&self, mut index: usize) -> Vec<usize> {
        let mut levels = vec![0; self.sites.len()];
        for (slot, s) in levels.iter_mut().zip(&self.sites).rev() {
            let d = s.subsystem.dim();
            *slot = index % d;
            index /= d;
        }
        levels
    }

    /// One line per site, for `qbattery info`.
    pub fn describe(&self) -> String {
        self.sites
            .iter()
            .map(|s| format!("{}: {}", s.name, s.subsystem.describe()))
            .collect::<Vec<_>>()
            .join(" ⊗ ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_round_trip_in_declaration_order() {
        let space = Space::new()
            .with("cavity", Subsystem::Mode { levels: 4 })
            .unwrap()
            .with("s1", Subsystem::Spin { two_j: 2 })
            .unwrap()
            .with("q", Subsystem::QUBIT)
            .unwrap();
        assert_eq!(space.dims(), vec![4, 3, 2]);
        assert_eq!(space.dim().unwrap(), 24);
        // first site most significant
        assert_eq!(space.index_of(&[1, 0, 0]), 6);
        assert_eq!(space.index_of(&[0, 1, 1]), 3);
        for i in 0..24 {
            assert_eq!(space.index_of(&space.levels_of(i)), i);
        }
        assert_eq!(space.site("q").unwrap(), 2);
        assert!(space.site("nope").is_err());
    }

    #[test]
    fn rejects_bad_sites() {
        assert!(Space::new()
            .with("m", Subsystem::Mode { levels: 0 })
            .is_err());
        assert!(Space::new()
            .with("s", Subsystem::Spin { two_j: 0 })
            .is_err());
        let s = Space::new().with("a", Subsystem::QUBIT).unwrap();
        assert!(s.with("a", Subsystem::QUBIT).is_err());
        assert_eq!(Subsystem::Spin { two_j: 3 }.describe(), "spin-3/2");
    }
}
