//! The symmetries a run uses beyond the charge sectors of its subspace, found from the
//! problem itself:
//!
//! - a **strong** site permutation P (the reflection of a chain, 000_e3df25f406468476.txt):
//!   one of [`SitePermutation::candidates`] that leaves H₀, every drive operator and every
//!   jump operator invariant (checked term by term, and again numerically on the built
//!   matrices, `check_commutators`). A pure initial state is split into its P = ±1 parts;
//!   each is evolved in its eigenspace, at half the dimension;
//! - a **weak** charge (open systems): the problem's charge, when H conserves it and every
//!   jump operator shifts it by one fixed amount (the parity under cavity loss a and gain
//!   a†). A block-diagonal initial state stays block-diagonal, and the steady-state solver
//!   keeps only the diagonal blocks (Σ_b d_b² unknowns instead of d²).

use crate::error::{Error, Result};
use crate::permutation::{PermutationSector, SitePermutation};
use crate::sector::{Charge, Subspace};
use crate::CsrMatrix;

use super::plan::Method;
use super::problem::Problem;

/// Relative size below which a part of the initial state counts as absent.
const ABSENT: f64 = 1e-14;

/// Relative size of ‖[P, A]‖ above which a symmetry found term by term is refused.
const COMMUTATOR_TOL: f64 = 1e-10;

/// The symmetries a run uses (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Reduction {
    /// The strong site permutation, if the problem has one and the initial state is pure.
    pub permutation: Option<SitePermutation>,
    /// The eigenvalues P = ±1 on which the initial state has weight.
    pub signs: Vec<i8>,
    /// Open systems: whether ρ is kept block-diagonal in the problem's charge.
    pub weak: bool,
}

impl Reduction {
    /// The sign of the one eigenspace evolved, when the initial state lies in one.
    pub fn sign(&self) -> Option<i8> {
        match (&self.permutation, self.signs.as_slice()) {
            (Some(_), [s]) => Some(*s),
            _ => None,
        }
    }

    /// A description such as `reflection spin1…spin3 (spin1 ↔ spin3), P = +1`.
    pub fn describe(&self) -> Option<String> {
        let p = self.permutation.as_ref()?;
        let signs: Vec<String> = self.signs.iter().map(|s| sign_label(*s)).collect();
        Some(format!("{}, P = {}", p.describe(), signs.join(" and ")))
    }
}

/// `+1` or `−1`.
pub(crate) fn sign_label(s: i8) -> String {
    if s > 0 { "+1" } else { "−1" }.to_string()
}

/// The symmetries of `problem` usable on `subspace` by `method`.
pub(crate) fn find(problem: &Problem, subspace: &Subspace, method: Method) -> Result<Reduction> {
    let open = method == Method::LindbladRk45;
    let mut reduction = Reduction {
        weak: open && weak_charge(problem)?,
        ..Reduction::default()
    };
    if !problem.initial.is_pure() {
        return Ok(reduction);
    }
    let operators = std::iter::once(&problem.hamiltonian)
        .chain(problem.drives.iter().map(|d| &d.operator))
        .chain(&problem.jumps);
    let ops: Vec<_> = operators.collect();
    let Some(p) = SitePermutation::candidates(&problem.space)
        .into_iter()
        .find(|p| ops.iter().all(|op| p.leaves_invariant(op)))
    else {
        return Ok(reduction);
    };
    let psi = problem.initial.ket_on(subspace)?;
    let image = p.positions(subspace)?;
    for s in [1i8, -1] {
        let weight: f64 = (0..psi.len())
            .map(|i| ((psi[i] + psi[image[i]] * f64::from(s)) * 0.5).norm_sqr())
            .sum();
        if weight > ABSENT {
            reduction.signs.push(s);
        }
    }
    // Eigen-propagation diagonalises each eigenspace apart; the other methods evolve one
    // eigenspace, so a state in both is evolved whole.
    if reduction.signs.len() == 1 || method == Method::EigenPropagation {
        reduction.permutation = Some(p);
    } else {
        reduction.signs.clear();
    }
    Ok(reduction)
}

/// Whether the problem's charge is weak: every jump operator shifts it by one amount
/// (the charge the Hamiltonian conserves), and the initial state has one charge value.
fn weak_charge(problem: &Problem) -> Result<bool> {
    let Some(charge) = &problem.charge else {
        return Ok(false);
    };
    for j in &problem.jumps {
        let shifts: std::collections::BTreeSet<i64> = j
            .charge_shifts(charge.weights(), &problem.space)?
            .into_iter()
            .map(|q| charge.modulus().map_or(q, |m| q.rem_euclid(m)))
            .collect();
        if shifts.len() != 1 {
            return Ok(false);
        }
    }
    Ok(problem.initial.charges(charge).len() == 1)
}

/// The basis a reduced run evolves in, within `subspace`: the eigenspace of the one sign
/// (or the subspace's own basis), grouped by the charge when it is weak.
pub(crate) fn evolved_basis(
    reduction: &Reduction,
    subspace: &Subspace,
    charge: Option<&Charge>,
) -> Result<PermutationSector> {
    let mut basis = match (&reduction.permutation, reduction.sign()) {
        (Some(p), Some(s)) => PermutationSector::new(subspace, p, s)?,
        _ => PermutationSector::whole(subspace.dim()),
    };
    if reduction.weak {
        if let Some(c) = charge {
            basis.sort_by(|i| c.of_levels(&subspace.levels(i)));
        }
    }
    Ok(basis)
}

/// The charge of each basis vector (of its first product state), the block labels of a
/// weak symmetry; all zero without one.
pub(crate) fn block_labels(
    reduction: &Reduction,
    basis: &PermutationSector,
    subspace: &Subspace,
    charge: Option<&Charge>,
) -> Vec<i64> {
    match (reduction.weak, charge) {
        (true, Some(c)) => basis
            .representatives()
            .iter()
            .map(|&i| c.of_levels(&subspace.levels(i)))
            .collect(),
        _ => vec![0; basis.dim()],
    }
}

/// The numerical check of a strong symmetry: max over the operators (built on
/// `subspace`) of ‖[P, A]‖_max, relative to ‖A‖_max; an error above 1e-10.
pub(crate) fn check_commutators(
    reduction: &Reduction,
    subspace: &Subspace,
    operators: &[&CsrMatrix],
) -> Result<Option<f64>> {
    let Some(p) = &reduction.permutation else {
        return Ok(None);
    };
    let mut worst: f64 = 0.0;
    for a in operators {
        let scale = a.iter().map(|(_, _, v)| v.norm()).fold(0.0, f64::max);
        if scale > 0.0 {
            worst = worst.max(p.commutator_norm(a, subspace)? / scale);
        }
    }
    if worst > COMMUTATOR_TOL {
        return Err(Error::LinearAlgebra {
            context: format!("symmetry {}", p.describe()),
            detail: format!(
                "it matched term by term but ‖[P, A]‖/‖A‖ = {worst:.3e} on the built operators"
            ),
        });
    }
    Ok(Some(worst))
}
