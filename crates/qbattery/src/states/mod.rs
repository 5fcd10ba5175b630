//! States: kets and density matrices, basis/Fock/coherent/thermal/spin-coherent/product/
//! ground states, and their expansion onto a [`Subspace`].
//!
//! A ket is a `Vec<c64>` of amplitudes, a density matrix a dense `Mat<c64>`, both in the
//! basis of [`crate::space`] (level k = Fock number, or m + j for a spin).

use crate::error::{Error, Result, Warning};
use crate::sector::{Charge, Subspace};
use crate::space::Space;
use qbattery_linalg::{c64, Mat, MatRef};
use std::collections::BTreeSet;

const ZERO: c64 = c64 { re: 0.0, im: 0.0 };

/// The basis state |k⟩ of a `dim`-dimensional system.
pub fn basis(dim: usize, k: usize) -> Result<Vec<c64>> {
    if k >= dim {
        return Err(Error::invalid(
            "basis level",
            k,
            format!("< {dim} (the dimension)"),
        ));
    }
    let mut v = vec![ZERO; dim];
    v[k] = c64::new(1.0, 0.0);
    Ok(v)
}

/// The Fock state |n⟩ of a mode with `levels` Fock states; `n` must be below `levels`
/// (a cutoff below the initial photon number is an error, not a silent truncation).
pub fn fock(levels: usize, n: usize) -> Result<Vec<c64>> {
    if n >= levels {
        return Err(Error::invalid(
            "photon number",
            n,
            format!("< levels = {levels} (raise the cutoff)"),
        ));
    }
    basis(levels, n)
}

/// The coherent state |α⟩ = e^{−|α|²/2} Σ_n αⁿ/√n! |n⟩ truncated to `levels` states and
/// renormalised. Fails when the truncation discards more than `1e-6` of the norm.
pub fn coherent(levels: usize, alpha: c64) -> Result<Vec<c64>> {
    if levels == 0 {
        return Err(Error::invalid("levels", 0, "≥ 1"));
    }
    let mut v = Vec::with_capacity(levels);
    let mut amp = c64::new((-alpha.norm_sqr() / 2.0).exp(), 0.0);
    for n in 0..levels {
        if n > 0 {
            amp = amp * alpha / (n as f64).sqrt();
        }
        v.push(amp);
    }
    let kept: f64 = v.iter().map(|a| a.norm_sqr()).sum();
    if 1.0 - kept > 1e-6 {
        return Err(Error::invalid(
            "levels",
            levels,
            format!(
                "large enough for a coherent state with |α|² = {:.3} (it loses {:.2e} of its norm)",
                alpha.norm_sqr(),
                1.0 - kept
            ),
        ));
    }
    let norm = kept.sqrt();
    Ok(v.into_iter().map(|a| a / norm).collect())
}

/// The thermal state of a mode with mean occupation `n_th` ≥ 0, p_n ∝ (n_th/(1+n_th))ⁿ,
/// truncated to `levels` and renormalised.
pub fn thermal(levels: usize, n_th: f64) -> Result<Mat<c64>> {
    if !(n_th >= 0.0 && n_th.is_finite()) {
        return Err(Error::invalid("n_th", n_th, "a finite number ≥ 0"));
    }
    if levels == 0 {
        return Err(Error::invalid("levels", 0, "≥ 1"));
    }
    let ratio = n_th / (1.0 + n_th);
    let weights: Vec<f64> = (0..levels).map(|n| ratio.powi(n as i32)).collect();
    let total: f64 = weights.iter().sum();
    let mut rho = Mat::zeros(levels, levels);
    for (n, w) in weights.iter().enumerate() {
        rho[(n, n)] = c64::new(w / total, 0.0);
    }
    Ok(rho)
}

/// The spin-coherent state |θ, φ⟩: the lowest-weight state |j, −j⟩ rotated by θ about
/// y and φ about z, with amplitudes
/// ⟨j, m|θ, φ⟩ = √C(2j, k) cos(θ/2)^{2j−k} sin(θ/2)^k e^{−i(k−j)φ}, k = m + j.
/// θ = 0 is |j, −j⟩ (all spins down), θ = π is |j, +j⟩.
pub fn spin_coherent(two_j: u32, theta: f64, phi: f64) -> Result<Vec<c64>> {
    if !(theta.is_finite() && phi.is_finite()) {
        return Err(Error::invalid(
            "spin-coherent angles",
            format!("θ = {theta}, φ = {phi}"),
            "finite",
        ));
    }
    let n = two_j as usize;
    let (c, s) = ((theta / 2.0).cos(), (theta / 2.0).sin());
    let j = two_j as f64 / 2.0;
    // log-space binomials keep large j (10⁴ spins) finite.
    let ln_fact = |m: usize| (1..=m).map(|x| (x as f64).ln()).sum::<f64>();
    let ln_n = ln_fact(n);
    let mut ln_k = 0.0;
    let mut v = Vec::with_capacity(n + 1);
    for k in 0..=n {
        if k > 0 {
            ln_k += (k as f64).ln();
        }
        let ln_binom = ln_n - ln_k - ln_fact_diff(n, k);
        // x^0 = 1 even for x = 0 (the poles θ = 0, π).
        let ln_pow = |x: f64, p: usize| if p == 0 { 0.0 } else { p as f64 * x.abs().ln() };
        let sign = c.signum().powi((n - k) as i32) * s.signum().powi(k as i32);
        let mag = (0.5 * ln_binom + ln_pow(c, n - k) + ln_pow(s, k)).exp() * sign;
        v.push(c64::from_polar(mag, -(k as f64 - j) * phi));
    }
    Ok(v)
}

fn ln_fact_diff(n: usize, k: usize) -> f64 {
    (1..=n - k).map(|x| (x as f64).ln()).sum()
}

/// |ψ⟩⟨ψ|.
pub fn ket_to_density(psi: &[c64]) -> Mat<c64> {
    Mat::from_fn(psi.len(), psi.len(), |i, j| psi[i] * psi[j].conj())
}

/// The ket of a pure density matrix (its eigenvector of eigenvalue 1, with the global
/// phase chosen so that its largest amplitude is real and positive). An error when ρ is
/// not pure within `tol` (its largest eigenvalue below 1 − tol).
pub fn density_to_ket(rho: MatRef<'_, c64>, tol: f64) -> Result<Vec<c64>> {
    if rho.nrows() != rho.ncols() || rho.nrows() == 0 {
        return Err(Error::DimensionMismatch { context: "density_to_ket (square, non-empty)".into(), expected: rho.nrows(), found: rho.ncols() });
    }
    let eig = rho
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| Error::LinearAlgebra { context: "density_to_ket".into(), detail: format!("{e:?}") })?;
    let n = rho.nrows();
    let top = eig.S()[n - 1].re;
    if !(top >= 1.0 - tol) {
        return Err(Error::invalid("rho", format!("a mixed state (largest eigenvalue {top:.6})"), "a pure state to convert to a ket"));
    }
    let v: Vec<c64> = (0..n).map(|i| eig.U()[(i, n - 1)]).collect();
    let k = (0..n).max_by(|&a, &b| v[a].norm().total_cmp(&v[b].norm())).expect("non-empty");
    let phase = v[k].conj() / v[k].norm();
    Ok(v.into_iter().map(|a| a * phase).collect())
}

/// ⟨ψ|ψ⟩.
pub fn norm_sqr(psi: &[c64]) -> f64 {
    psi.iter().map(|a| a.norm_sqr()).sum()
}

/// The ground state of a Hermitian matrix, with its degeneracy and gap.
#[derive(Debug, Clone)]
pub struct GroundState {
    /// A normalised lowest eigenvector.
    pub ket: Vec<c64>,
    /// The lowest eigenvalue.
    pub energy: f64,
    /// How many eigenvalues lie within `tol` of the lowest (1 = non-degenerate).
    pub degeneracy: usize,
    /// Distance from the ground level to the next distinct level (∞ for a 1-level system).
    pub gap: f64,
    /// `DegenerateGroundState` when `degeneracy > 1`: the returned ket is one of several.
    pub warnings: Vec<Warning>,
}

/// The ground state of a Hermitian `h`; eigenvalues closer than `tol` count as degenerate.
pub fn ground_state(h: MatRef<'_, c64>, tol: f64) -> Result<GroundState> {
    if h.nrows() != h.ncols() || h.nrows() == 0 {
        return Err(Error::DimensionMismatch {
            context: "ground_state (square, non-empty)".into(),
            expected: h.nrows(),
            found: h.ncols(),
        });
    }
    let eig = h
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| Error::LinearAlgebra {
            context: "ground_state".into(),
            detail: format!("{e:?}"),
        })?;
    let values: Vec<f64> = (0..h.nrows()).map(|i| eig.S()[i].re).collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: "ground_state eigenvalues".into(),
        });
    }
    let e0 = values[0];
    let degeneracy = values.iter().take_while(|&&v| v - e0 <= tol).count();
    let gap = values.get(degeneracy).map_or(f64::INFINITY, |v| v - e0);
    let ket: Vec<c64> = (0..h.nrows()).map(|i| eig.U()[(i, 0)]).collect();
    let warnings = if degeneracy > 1 {
        vec![Warning::DegenerateGroundState { degeneracy }]
    } else {
        Vec::new()
    };
    Ok(GroundState {
        ket,
        energy: e0,
        degeneracy,
        gap,
        warnings,
    })
}

/// The state of one group of sites.
#[derive(Debug, Clone)]
pub enum LocalState {
    /// A ket over the group's product basis (sites in the order given in the factor).
    Ket(Vec<c64>),
    /// A density matrix over the group's product basis.
    Density(Mat<c64>),
}

/// One factor of a product state: a state of a group of sites.
#[derive(Debug, Clone)]
pub struct Factor {
    /// The sites it covers, most significant first.
    pub sites: Vec<usize>,
    /// Its state.
    pub state: LocalState,
}

/// A product state ⊗_f ρ_f over groups of sites that cover the space exactly once,
/// e.g. |N⟩_cavity ⊗ |G⟩_chain. It is expanded directly onto any [`Subspace`] without
/// building the full space.
#[derive(Debug, Clone)]
pub struct ProductState {
    space: Space,
    factors: Vec<Factor>,
}

impl ProductState {
    /// Checks that the factors cover every site once, with matching dimensions, and are
    /// normalised (kets: ⟨ψ|ψ⟩ = 1, densities: trace 1 and Hermitian, to 1e-8).
    pub fn new(space: &Space, factors: Vec<Factor>) -> Result<Self> {
        let dims = space.dims();
        let mut covered = vec![false; dims.len()];
        for (fi, f) in factors.iter().enumerate() {
            let mut d = 1usize;
            for &s in &f.sites {
                if s >= dims.len() || std::mem::replace(&mut covered[s], true) {
                    return Err(Error::invalid(
                        format!("initial state factor {fi} sites"),
                        format!("{:?}", f.sites),
                        "distinct sites of the space, each in one factor",
                    ));
                }
                d *= dims[s];
            }
            let (n, ok) = match &f.state {
                LocalState::Ket(v) => (v.len(), (norm_sqr(v) - 1.0).abs() < 1e-8),
                LocalState::Density(m) => {
                    let tr: c64 = (0..m.nrows().min(m.ncols())).map(|i| m[(i, i)]).sum();
                    let herm = (0..m.nrows()).all(|i| {
                        (0..m.ncols()).all(|j| (m[(i, j)] - m[(j, i)].conj()).norm() < 1e-8)
                    });
                    (
                        m.nrows(),
                        m.nrows() == m.ncols() && (tr - 1.0).norm() < 1e-8 && herm,
                    )
                }
            };
            if n != d {
                return Err(Error::DimensionMismatch {
                    context: format!("initial state factor {fi} on sites {:?}", f.sites),
                    expected: d,
                    found: n,
                });
            }
            if !ok {
                return Err(Error::invalid(
                    format!("initial state factor {fi}"),
                    "not normalised",
                    "a unit-norm ket or a Hermitian density matrix of trace 1",
                ));
            }
        }
        if let Some(s) = covered.iter().position(|c| !c) {
            return Err(Error::invalid(
                "initial state",
                format!("site '{}' has no state", space.sites()[s].name),
                "every site covered by one factor",
            ));
        }
        Ok(Self {
            space: space.clone(),
            factors,
        })
    }

    /// Whether every factor is a ket.
    pub fn is_pure(&self) -> bool {
        self.factors
            .iter()
            .all(|f| matches!(f.state, LocalState::Ket(_)))
    }

    /// Index of a product basis state within factor `f`'s basis.
    fn factor_index(&self, f: &Factor, levels: &[usize]) -> usize {
        let dims = self.space.dims();
        f.sites.iter().fold(0, |acc, &s| acc * dims[s] + levels[s])
    }

    /// The charge values on which the state has weight (its diagonal support), computed
    /// factor by factor as a sum set, without enumerating the full space.
    pub fn charges(&self, charge: &Charge) -> Vec<i64> {
        let dims = self.space.dims();
        let mut total = BTreeSet::from([0i64]);
        for f in &self.factors {
            let d: usize = f.sites.iter().map(|&s| dims[s]).product();
            let mut local = BTreeSet::new();
            for idx in 0..d {
                let weight = match &f.state {
                    LocalState::Ket(v) => v[idx].norm_sqr(),
                    LocalState::Density(m) => m[(idx, idx)].re,
                };
                if weight > 1e-14 {
                    let mut rest = idx;
                    let mut q = 0;
                    for &s in f.sites.iter().rev() {
                        q += charge.weights()[s] * (rest % dims[s]) as i64;
                        rest /= dims[s];
                    }
                    local.insert(q);
                }
            }
            total = total
                .iter()
                .flat_map(|a| local.iter().map(move |b| a + b))
                .collect();
        }
        let reduced: BTreeSet<i64> = total
            .into_iter()
            .map(|q| charge.modulus().map_or(q, |m| q.rem_euclid(m)))
            .collect();
        reduced.into_iter().collect()
    }

    /// The ket on `subspace` (an error for a mixed state, or when the subspace misses
    /// part of the state's weight).
    pub fn ket_on(&self, subspace: &Subspace) -> Result<Vec<c64>> {
        if !self.is_pure() {
            return Err(Error::invalid(
                "initial state",
                "mixed",
                "a pure product state for closed-system evolution; use the open solver",
            ));
        }
        let psi: Vec<c64> = (0..subspace.dim())
            .map(|i| {
                let lv = subspace.levels(i);
                self.factors
                    .iter()
                    .fold(c64::new(1.0, 0.0), |acc, f| match &f.state {
                        LocalState::Ket(v) => acc * v[self.factor_index(f, &lv)],
                        LocalState::Density(_) => unreachable!("checked pure above"),
                    })
            })
            .collect();
        self.check_captured(norm_sqr(&psi), subspace)?;
        Ok(psi)
    }

    /// The density matrix on `subspace`.
    pub fn density_on(&self, subspace: &Subspace) -> Result<Mat<c64>> {
        let levels: Vec<Vec<usize>> = (0..subspace.dim()).map(|i| subspace.levels(i)).collect();
        let idx: Vec<Vec<usize>> = levels
            .iter()
            .map(|lv| {
                self.factors
                    .iter()
                    .map(|f| self.factor_index(f, lv))
                    .collect()
            })
            .collect();
        let rho = Mat::from_fn(subspace.dim(), subspace.dim(), |i, j| {
            self.factors
                .iter()
                .enumerate()
                .fold(c64::new(1.0, 0.0), |acc, (fi, f)| {
                    let (a, b) = (idx[i][fi], idx[j][fi]);
                    acc * match &f.state {
                        LocalState::Ket(v) => v[a] * v[b].conj(),
                        LocalState::Density(m) => m[(a, b)],
                    }
                })
        });
        let tr: f64 = (0..rho.nrows()).map(|i| rho[(i, i)].re).sum();
        self.check_captured(tr, subspace)?;
        Ok(rho)
    }

    fn check_captured(&self, weight: f64, subspace: &Subspace) -> Result<()> {
        if (weight - 1.0).abs() > 1e-10 {
            return Err(Error::invalid(
                "initial state",
                format!(
                    "has weight {:.3e} outside {}",
                    1.0 - weight,
                    subspace.label()
                ),
                "inside the subspace it is evolved in",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::local::LocalOp;
    use crate::operators::opsum::OpSum;
    use crate::space::Subsystem;

    #[test]
    fn fock_coherent_thermal() {
        assert!(fock(3, 3).is_err());
        let a = c64::new(1.0, 0.5);
        let v = coherent(30, a).unwrap();
        assert!((norm_sqr(&v) - 1.0).abs() < 1e-12);
        // ⟨n⟩ = |α|²
        let n: f64 = v
            .iter()
            .enumerate()
            .map(|(k, x)| k as f64 * x.norm_sqr())
            .sum();
        assert!((n - a.norm_sqr()).abs() < 1e-10);
        assert!(coherent(3, c64::new(3.0, 0.0)).is_err());
        let t = thermal(60, 0.7).unwrap();
        let n: f64 = (0..60).map(|k| k as f64 * t[(k, k)].re).sum();
        assert!((n - 0.7).abs() < 1e-10);
        assert!(thermal(5, -0.1).is_err());
    }

    #[test]
    fn ket_density_round_trip() {
        let psi = coherent(12, c64::new(0.3, -0.8)).unwrap();
        let back = density_to_ket(ket_to_density(&psi).as_ref(), 1e-10).unwrap();
        // equal up to a global phase
        let overlap: c64 = psi.iter().zip(&back).map(|(a, b)| a.conj() * b).sum();
        assert!((overlap.norm() - 1.0).abs() < 1e-12);
        assert!(density_to_ket(thermal(4, 0.5).unwrap().as_ref(), 1e-10).is_err());
    }

    #[test]
    fn spin_coherent_has_the_right_polarisation() {
        for two_j in [1u32, 4, 9, 200] {
            let (theta, phi) = (1.1, 0.4);
            let v = spin_coherent(two_j, theta, phi).unwrap();
            assert!((norm_sqr(&v) - 1.0).abs() < 1e-10, "norm for 2j = {two_j}");
            let j = two_j as f64 / 2.0;
            let sz: f64 = v
                .iter()
                .enumerate()
                .map(|(k, x)| (k as f64 - j) * x.norm_sqr())
                .sum();
            // θ measured from the south pole: ⟨S^z⟩ = −j cos θ
            assert!(
                (sz + j * theta.cos()).abs() < 1e-9 * j.max(1.0),
                "2j = {two_j}: {sz}"
            );
        }
        let down = spin_coherent(2, 0.0, 0.0).unwrap();
        assert!((down[0].re - 1.0).abs() < 1e-15);
    }

    #[test]
    fn ground_state_reports_degeneracy_and_gap() {
        let space = Space::new()
            .with("a", Subsystem::QUBIT)
            .unwrap()
            .with("b", Subsystem::QUBIT)
            .unwrap();
        let full = Subspace::full(&space).unwrap();
        // Heisenberg coupling S_a·S_b: singlet ground state at −3/4, triplet at +1/4.
        let mut h = OpSum::new();
        for op in [LocalOp::Sx, LocalOp::Sy, LocalOp::Sz] {
            h.add(1.0, vec![(0, op.clone()), (1, op)]);
        }
        let g = ground_state(h.build(&full).unwrap().to_dense().as_ref(), 1e-10).unwrap();
        assert!((g.energy + 0.75).abs() < 1e-12);
        assert_eq!(g.degeneracy, 1);
        assert!((g.gap - 1.0).abs() < 1e-12);
        // Without coupling: fourfold degenerate zero.
        let z = ground_state(Mat::<c64>::zeros(4, 4).as_ref(), 1e-10).unwrap();
        assert_eq!(z.degeneracy, 4);
        assert!(!z.warnings.is_empty());
    }

    #[test]
    fn product_state_expands_onto_sectors() {
        let space = Space::new()
            .with("cavity", Subsystem::Mode { levels: 5 })
            .unwrap()
            .with("q1", Subsystem::QUBIT)
            .unwrap()
            .with("q2", Subsystem::QUBIT)
            .unwrap();
        let bell = vec![
            ZERO,
            c64::new(0.5f64.sqrt(), 0.0),
            c64::new(-(0.5f64.sqrt()), 0.0),
            ZERO,
        ];
        let state = ProductState::new(
            &space,
            vec![
                Factor {
                    sites: vec![0],
                    state: LocalState::Ket(fock(5, 2).unwrap()),
                },
                Factor {
                    sites: vec![1, 2],
                    state: LocalState::Ket(bell),
                },
            ],
        )
        .unwrap();
        let charge = Charge::excitations(&space);
        assert_eq!(state.charges(&charge), vec![3]);
        let sector = Subspace::sector(&space, &charge, 3).unwrap();
        let psi = state.ket_on(&sector).unwrap();
        assert!((norm_sqr(&psi) - 1.0).abs() < 1e-12);
        let rho = state.density_on(&sector).unwrap();
        let reduced = sector.reduce_density(rho.as_ref(), &[1, 2]).unwrap();
        assert!((reduced[(1, 2)].re + 0.5).abs() < 1e-12);
        // A sector that misses the state is an error.
        assert!(state
            .ket_on(&Subspace::sector(&space, &charge, 2).unwrap())
            .is_err());
        // Mixed factor: thermal cavity.
        let mixed = ProductState::new(
            &space,
            vec![
                Factor {
                    sites: vec![0],
                    state: LocalState::Density(thermal(5, 0.2).unwrap()),
                },
                Factor {
                    sites: vec![1, 2],
                    state: LocalState::Ket(basis(4, 0).unwrap()),
                },
            ],
        );
        let mixed = mixed.unwrap();
        assert!(!mixed.is_pure());
        assert_eq!(mixed.charges(&charge), vec![0, 1, 2, 3, 4]);
        assert!(mixed.ket_on(&sector).is_err());
    }
}
