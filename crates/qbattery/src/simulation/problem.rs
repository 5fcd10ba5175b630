//! What a model defines: the space, H(t) = H₀ + Σ_k f_k(t) H_k, the jump operators, the
//! initial state, the battery and the conserved charge.

use crate::dynamics::hamiltonian::Control;
use crate::operators::opsum::OpSum;
use crate::sector::Charge;
use crate::space::Space;
use crate::states::ProductState;

use super::drive::Drive;

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
    /// spin): ergotropy is computed against it. Only its lowest `space.dim()` entries
    /// matter (the passive state of a state of that rank fills no more), so a model may
    /// list just those. `None`: the eigenvalues of H_B on `space`.
    pub full_spectrum: Option<Vec<f64>>,
}

impl Battery {
    /// H_B ⊗ 1 on the problem's space (the battery's sites mapped to theirs).
    pub fn hamiltonian_in_problem(&self) -> OpSum {
        let mut op = OpSum::new();
        for t in self.hamiltonian.terms() {
            op.add(
                t.coeff,
                t.factors
                    .iter()
                    .map(|(site, f)| (self.sites[*site], f.clone()))
                    .collect(),
            );
        }
        op
    }
}

/// One driven term f(t) · H_k of the Hamiltonian.
#[derive(Debug, Clone)]
pub struct DriveTerm {
    /// The scenario key of the drive, e.g. `coupling.g` (for messages and records).
    pub name: String,
    /// f(t).
    pub control: Control,
    /// H_k (Hermitian).
    pub operator: OpSum,
}

/// What a model defines; see the module documentation.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The product space, in tensor order.
    pub space: Space,
    /// The static Hamiltonian H₀.
    pub hamiltonian: OpSum,
    /// The driven terms f_k(t) H_k (empty for a time-independent problem).
    pub drives: Vec<DriveTerm>,
    /// Lindblad jump operators, rates included (L = √γ J); empty for a closed system.
    pub jumps: Vec<OpSum>,
    /// The initial state.
    pub initial: ProductState,
    /// A charge that H₀, every H_k conserve, if any (checked when building).
    pub charge: Option<Charge>,
    /// The battery.
    pub battery: Battery,
}

impl Problem {
    /// Adds `drive · operator` to the Hamiltonian under the scenario key `name`: folded
    /// into H₀ when the drive is a constant (so a constant coupling costs nothing), else a
    /// [`DriveTerm`].
    pub fn add_drive(&mut self, name: &str, drive: &Drive, operator: OpSum) {
        match drive.constant_value() {
            Some(v) => {
                self.hamiltonian.extend(operator.scaled(v));
            }
            None => self.drives.push(DriveTerm {
                name: name.to_string(),
                control: drive.control(),
                operator,
            }),
        }
    }

    /// Whether H depends on time.
    pub fn is_driven(&self) -> bool {
        self.drives.iter().any(|d| !d.control.is_constant())
    }

    /// Whether the problem is closed (no jumps) and starts in a pure state.
    pub fn is_closed_pure(&self) -> bool {
        self.jumps.is_empty() && self.initial.is_pure()
    }

    /// H₀ + Σ_k f_k(0) H_k as one operator sum: the Hamiltonian of a problem whose drives
    /// are all constant.
    pub fn constant_hamiltonian(&self) -> OpSum {
        let mut h = self.hamiltonian.clone();
        for d in &self.drives {
            h.extend(d.operator.scaled(d.control.value(0.0)));
        }
        h
    }
}
