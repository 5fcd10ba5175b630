//! Two-qubit entropic steering from joint outcome probabilities.
//!
//! Alice holds qubit `a` (site 0, the first tensor factor) and Bob qubit `b` (site 1).
//! Both measure the same Pauli `σ_i`; the joint outcome probabilities
//! `p(s_a, s_b) = Tr[ρ (P_i^{s_a} ⊗ P_i^{s_b})]`, `P_i^± = (I ± σ_i)/2`, give the
//! conditional Shannon entropy `H(σ_i^b | σ_i^a) = H(σ_i^a, σ_i^b) − H(σ_i^a)` (bits).
//! Every state with a local-hidden-state model obeys (003_0f93033296fe24a2.txt, Eq. (8);
//! Schneeloch et al., PRA 87, 062103 (2013))
//!
//! `I^{ab} = Σ_{i = x, y, z} H(σ_i^b | σ_i^a) ≥ 2`,
//!
//! so `I^{ab} < 2` certifies that Alice can steer Bob (a sufficient condition, not a
//! necessary one), and `I^{ba}` (roles exchanged) that Bob can steer Alice.
//!
//! Errata (`DESIGN.md`): the printed coefficients `n_i, s_i, c_i` of 003's Eq. (10) have
//! typos, and its Eqs. (11)–(12) are not the conditional entropies as printed; here the
//! entropies come from the joint probabilities, which need only the Pauli expectations
//! `⟨σ_i⊗I⟩`, `⟨I⊗σ_i⟩` and the diagonal correlations `⟨σ_i⊗σ_i⟩`.
//!
//! The module also gives Wootters' [`concurrence`], the entanglement of the same
//! two-qubit states.

use super::spectrum::{check_density, hermitian_eigen, DENSITY_TOL};
use crate::{c64, Error, Mat, MatRef, Result};

/// A Pauli operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Pauli {
    /// `σ_x`.
    X,
    /// `σ_y`.
    Y,
    /// `σ_z = |0⟩⟨0| − |1⟩⟨1|` (basis state 0 is the +1 eigenstate).
    Z,
}

impl Pauli {
    /// `[X, Y, Z]`.
    pub const ALL: [Pauli; 3] = [Pauli::X, Pauli::Y, Pauli::Z];

    /// The 2×2 matrix.
    pub fn matrix(self) -> Mat<c64> {
        let (o, one, i) = (c64::new(0.0, 0.0), c64::new(1.0, 0.0), c64::new(0.0, 1.0));
        let m = match self {
            Pauli::X => [[o, one], [one, o]],
            Pauli::Y => [[o, -i], [i, o]],
            Pauli::Z => [[one, o], [o, -one]],
        };
        Mat::from_fn(2, 2, |r, c| m[r][c])
    }
}

/// One party of a two-qubit state: `A` is qubit 0 (first tensor factor), `B` qubit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Party {
    /// Alice, qubit 0.
    A,
    /// Bob, qubit 1.
    B,
}

/// Single- and two-body Pauli expectations of a two-qubit state (index 0, 1, 2 = x, y, z).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PauliExpectations {
    /// `⟨σ_i ⊗ I⟩` (Alice's Bloch vector).
    pub a: [f64; 3],
    /// `⟨I ⊗ σ_i⟩` (Bob's Bloch vector).
    pub b: [f64; 3],
    /// `⟨σ_i ⊗ σ_j⟩` (the correlation matrix, row = Alice's Pauli).
    pub corr: [[f64; 3]; 3],
}

/// The Pauli expectations of the two-qubit density matrix `rho_2q` (4×4), so that
/// `ρ = ¼ (I⊗I + Σ a_i σ_i⊗I + Σ b_i I⊗σ_i + Σ_ij corr_ij σ_i⊗σ_j)`.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless `rho_2q` is 4×4; [`Error::InvalidParameter`] if it
/// is not Hermitian with unit trace; [`Error::NonFinite`] for non-finite entries.
pub fn pauli_expectations(rho_2q: MatRef<c64>) -> Result<PauliExpectations> {
    check_two_qubit(rho_2q)?;
    let id = Mat::<c64>::identity(2, 2);
    let mut out = PauliExpectations {
        a: [0.0; 3],
        b: [0.0; 3],
        corr: [[0.0; 3]; 3],
    };
    for (i, pi) in Pauli::ALL.iter().enumerate() {
        let si = pi.matrix();
        out.a[i] = trace_with_kron(rho_2q, &si, &id);
        out.b[i] = trace_with_kron(rho_2q, &id, &si);
        for (j, pj) in Pauli::ALL.iter().enumerate() {
            out.corr[i][j] = trace_with_kron(rho_2q, &si, &pj.matrix());
        }
    }
    Ok(out)
}

/// Joint probabilities `p[s_a][s_b]` of the outcomes of `σ_i` measured on both qubits,
/// index 0 for the outcome +1 and 1 for −1. Round-off below 0 (down to `−10⁻⁶`) is set
/// to 0.
///
/// # Errors
/// As [`pauli_expectations`]; [`Error::InvalidParameter`] if a probability is below
/// `−10⁻⁶` (`rho_2q` is not positive semidefinite).
pub fn joint_probabilities(rho_2q: MatRef<c64>, i: Pauli) -> Result<[[f64; 2]; 2]> {
    check_two_qubit(rho_2q)?;
    let s = i.matrix();
    let id = Mat::<c64>::identity(2, 2);
    let proj = |sign: f64| Mat::from_fn(2, 2, |r, c| (id[(r, c)] + s[(r, c)] * sign) * 0.5);
    let projectors = [proj(1.0), proj(-1.0)];
    let mut p = [[0.0; 2]; 2];
    for (sa, pa) in projectors.iter().enumerate() {
        for (sb, pb) in projectors.iter().enumerate() {
            let value = trace_with_kron(rho_2q, pa, pb);
            if value < -DENSITY_TOL {
                return Err(Error::invalid(
                    format!(
                        "p(s_a = {}, s_b = {}) for {i:?}",
                        1 - 2 * sa as i32,
                        1 - 2 * sb as i32
                    ),
                    value,
                    "≥ 0: rho must be positive semidefinite",
                ));
            }
            p[sa][sb] = value.max(0.0);
        }
    }
    Ok(p)
}

/// Conditional entropy `H(σ_i^{steered} | σ_i^{other})` in bits: the uncertainty left
/// about the steered party's outcome once the other party's outcome is known; in
/// `[0, 1]`. `steered = Party::B` gives the terms of `I^{ab}` (003, Eq. (8)).
///
/// # Errors
/// As [`joint_probabilities`].
pub fn conditional_entropy_pauli(rho_2q: MatRef<c64>, i: Pauli, steered: Party) -> Result<f64> {
    let p = joint_probabilities(rho_2q, i)?;
    let joint: f64 = p.iter().flatten().map(|&x| shannon_term(x)).sum();
    let marginal = match steered {
        Party::B => [p[0][0] + p[0][1], p[1][0] + p[1][1]],
        Party::A => [p[0][0] + p[1][0], p[0][1] + p[1][1]],
    };
    let given: f64 = marginal.iter().map(|&x| shannon_term(x)).sum();
    Ok((joint - given).clamp(0.0, 1.0))
}

/// The entropic steering quantities of a two-qubit state (bits).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Steering {
    /// `I^{ab} = Σ_i H(σ_i^b | σ_i^a)`: Alice (qubit 0) steers Bob when it is below 2.
    pub i_ab: f64,
    /// `I^{ba} = Σ_i H(σ_i^a | σ_i^b)`: Bob (qubit 1) steers Alice when it is below 2.
    pub i_ba: f64,
}

impl Steering {
    /// The bound of every local-hidden-state model: `I ≥ 2` (003, Eq. (8)).
    pub const LHS_BOUND: f64 = 2.0;

    /// `I^{ab} < 2`: Alice's measurements certifiably steer Bob's qubit.
    pub fn a_steers_b(&self) -> bool {
        self.i_ab < Self::LHS_BOUND
    }

    /// `I^{ba} < 2`: Bob's measurements certifiably steer Alice's qubit.
    pub fn b_steers_a(&self) -> bool {
        self.i_ba < Self::LHS_BOUND
    }
}

/// `I^{ab}` and `I^{ba}` of the two-qubit density matrix `rho_2q` (4×4, qubit `a` first),
/// each in `[0, 3]`: 0 for a Bell state, 3 for the maximally mixed state, 2 for `|00⟩`.
/// Ref: 003_0f93033296fe24a2.txt, Eqs. (8), (11), (12) (see the module's errata).
///
/// # Errors
/// As [`joint_probabilities`].
pub fn entropic_steering(rho_2q: MatRef<c64>) -> Result<Steering> {
    let mut out = Steering {
        i_ab: 0.0,
        i_ba: 0.0,
    };
    for i in Pauli::ALL {
        out.i_ab += conditional_entropy_pauli(rho_2q, i, Party::B)?;
        out.i_ba += conditional_entropy_pauli(rho_2q, i, Party::A)?;
    }
    Ok(out)
}

/// Wootters' concurrence of the two-qubit density matrix `rho_2q` (4×4, basis
/// `|00⟩, |01⟩, |10⟩, |11⟩`, qubit `a` first):
///
/// `C(ρ) = max(0, λ₁ − λ₂ − λ₃ − λ₄)`,
///
/// with `λ₁ ≥ … ≥ λ₄` the square roots of the eigenvalues of `ρ ρ̃`, where
/// `ρ̃ = (σ_y⊗σ_y) ρ* (σ_y⊗σ_y)` is the spin flip and `ρ*` the entrywise complex conjugate
/// (W. K. Wootters, PRL 80, 2245 (1998)). In `[0, 1]`: 0 exactly for separable states,
/// 1 for Bell states, `2|ab|` for `a|00⟩ + b|11⟩`, `max(0, (3p − 1)/2)` for the Werner
/// state `p|Φ⁺⟩⟨Φ⁺| + (1 − p) I/4`; invariant under local unitaries `U_a ⊗ U_b`.
///
/// Computed without the non-Hermitian `ρ ρ̃`: the `λ_i` are the singular values of
/// `√ρ √ρ̃`, where `√ρ̃ = (σ_y⊗σ_y) (√ρ)* (σ_y⊗σ_y)` (since `(√ρ √ρ̃)(√ρ √ρ̃)† = √ρ ρ̃ √ρ`,
/// similar to `ρ ρ̃`), and `√ρ` comes from the Hermitian eigendecomposition of `ρ` with
/// round-off eigenvalues in `[−10⁻⁶, 0)` set to 0.
///
/// Paper 003 (`003_0f93033296fe24a2.txt`) quantifies entanglement by the entropy of a
/// reduced state (its Eq. (4)), which is an entanglement measure for pure states only;
/// the concurrence complements it for the mixed two-qubit states that its steering
/// quantities ([`entropic_steering`]) are evaluated on.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless `rho_2q` is 4×4; [`Error::InvalidParameter`] if it
/// is not Hermitian with unit trace or has an eigenvalue below `−10⁻⁶` (not positive
/// semidefinite); [`Error::NonFinite`] for non-finite entries.
pub fn concurrence(rho_2q: MatRef<c64>) -> Result<f64> {
    check_two_qubit(rho_2q)?;
    let (eig, u) = hermitian_eigen(rho_2q, "rho")?;
    if eig[0] < -DENSITY_TOL {
        return Err(Error::invalid(
            "smallest eigenvalue of rho",
            eig[0],
            format!("≥ −{DENSITY_TOL:.0e}: a positive semidefinite density matrix"),
        ));
    }
    // √ρ = U diag(√max(e, 0)) U†.
    let root: Vec<f64> = eig.iter().map(|&e| e.max(0.0).sqrt()).collect();
    let sqrt_rho = Mat::from_fn(4, 4, |i, j| {
        (0..4)
            .map(|k| u[(i, k)] * u[(j, k)].conj() * root[k])
            .sum::<c64>()
    });
    // σ_y⊗σ_y = Σ_i s_i |i⟩⟨3 − i|, s = (−1, 1, 1, −1): (σ_y⊗σ_y) X* (σ_y⊗σ_y) has the
    // entries s_i s_j conj(X[3 − i, 3 − j]).
    let s = [-1.0, 1.0, 1.0, -1.0];
    let sqrt_flip = Mat::from_fn(4, 4, |i, j| sqrt_rho[(3 - i, 3 - j)].conj() * (s[i] * s[j]));
    let lambda = (&sqrt_rho * &sqrt_flip)
        .singular_values()
        .map_err(|e| Error::LinearAlgebra {
            context: "concurrence (singular values of √ρ √ρ̃)".to_string(),
            detail: format!("{e:?}"),
        })?;
    // Singular values come sorted in nonincreasing order.
    let c = lambda[0] - lambda[1] - lambda[2] - lambda[3];
    Ok(c.clamp(0.0, 1.0))
}

/// `−x log₂ x`, with `0 log 0 = 0`.
fn shannon_term(x: f64) -> f64 {
    if x > 0.0 {
        -x * x.log2()
    } else {
        0.0
    }
}

fn check_two_qubit(rho: MatRef<c64>) -> Result<()> {
    for found in [rho.nrows(), rho.ncols()] {
        if found != 4 {
            return Err(Error::DimensionMismatch {
                context: "two-qubit state: size of rho (expected 4×4)".to_string(),
                expected: 4,
                found,
            });
        }
    }
    check_density(rho, "rho")
}

/// `Re Tr[ρ (x ⊗ y)]` for 2×2 `x`, `y`.
fn trace_with_kron(rho: MatRef<c64>, x: &Mat<c64>, y: &Mat<c64>) -> f64 {
    let mut acc = c64::new(0.0, 0.0);
    for r in 0..4 {
        for c in 0..4 {
            // (x ⊗ y)[c, r] multiplies ρ[r, c].
            acc += rho[(r, c)] * x[(c / 2, r / 2)] * y[(c % 2, r % 2)];
        }
    }
    acc.re
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::spectrum::testing::{density_from_raw, diag, projector};
    use proptest::prelude::*;

    fn h2(p: f64) -> f64 {
        shannon_term(p) + shannon_term(1.0 - p)
    }

    fn ket(re: [f64; 4]) -> Mat<c64> {
        projector(&re.map(|x| c64::new(x, 0.0)))
    }

    #[test]
    fn product_state_00() {
        let rho = ket([1.0, 0.0, 0.0, 0.0]);
        let z = conditional_entropy_pauli(rho.as_ref(), Pauli::Z, Party::B).unwrap();
        let x = conditional_entropy_pauli(rho.as_ref(), Pauli::X, Party::B).unwrap();
        let y = conditional_entropy_pauli(rho.as_ref(), Pauli::Y, Party::B).unwrap();
        assert!(z.abs() < 1e-15 && (x - 1.0).abs() < 1e-15 && (y - 1.0).abs() < 1e-15);
        let s = entropic_steering(rho.as_ref()).unwrap();
        assert!((s.i_ab - 2.0).abs() < 1e-14 && (s.i_ba - 2.0).abs() < 1e-14);
    }

    #[test]
    fn bell_and_maximally_mixed() {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        for bell in [
            [s, 0.0, 0.0, s],
            [s, 0.0, 0.0, -s],
            [0.0, s, s, 0.0],
            [0.0, s, -s, 0.0],
        ] {
            let st = entropic_steering(ket(bell).as_ref()).unwrap();
            assert!(
                st.i_ab.abs() < 1e-14 && st.i_ba.abs() < 1e-14,
                "{bell:?}: {st:?}"
            );
            assert!(st.a_steers_b() && st.b_steers_a());
        }
        let mixed = diag(&[0.25; 4]);
        let st = entropic_steering(mixed.as_ref()).unwrap();
        assert!((st.i_ab - 3.0).abs() < 1e-14 && (st.i_ba - 3.0).abs() < 1e-14);
        assert!(!st.a_steers_b() && !st.b_steers_a());
    }

    #[test]
    fn werner_states_closed_form() {
        // ρ = p |Ψ⁻⟩⟨Ψ⁻| + (1 − p) I/4: each conditional entropy is h((1 + p)/2).
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let singlet = ket([0.0, s, -s, 0.0]);
        for p in [0.0, 0.3, 0.6, 0.7, 0.95, 1.0] {
            let rho = Mat::from_fn(4, 4, |i, j| {
                singlet[(i, j)] * p + c64::new(if i == j { (1.0 - p) / 4.0 } else { 0.0 }, 0.0)
            });
            let st = entropic_steering(rho.as_ref()).unwrap();
            let expected = 3.0 * h2((1.0 + p) / 2.0);
            assert!(
                (st.i_ab - expected).abs() < 1e-13 && (st.i_ba - expected).abs() < 1e-13,
                "p = {p}"
            );
            // The entropic criterion detects Werner states for 3 h((1 + p)/2) < 2, p > 0.652.
            assert_eq!(st.a_steers_b(), p > 0.66);
        }
    }

    #[test]
    fn asymmetric_state_and_expectations() {
        // |0⟩ ⊗ |+⟩: a = z, b = x, corr_zx = 1.
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let rho = ket([s, s, 0.0, 0.0]);
        let e = pauli_expectations(rho.as_ref()).unwrap();
        let expect =
            |v: [f64; 3], w: [f64; 3]| v.iter().zip(&w).all(|(a, b)| (a - b).abs() < 1e-15);
        assert!(expect(e.a, [0.0, 0.0, 1.0]) && expect(e.b, [1.0, 0.0, 0.0]));
        assert!(
            expect(e.corr[2], [1.0, 0.0, 0.0])
                && expect(e.corr[0], [0.0; 3])
                && expect(e.corr[1], [0.0; 3])
        );
        // Bob's x outcome is certain: H(σ_x^b|σ_x^a) = 0, H(σ_x^a|σ_x^b) = 1.
        assert!(
            conditional_entropy_pauli(rho.as_ref(), Pauli::X, Party::B)
                .unwrap()
                .abs()
                < 1e-15
        );
        assert!(
            (conditional_entropy_pauli(rho.as_ref(), Pauli::X, Party::A).unwrap() - 1.0).abs()
                < 1e-15
        );
        // A mixed asymmetric state: a_z = 0.4, b = 0 → I^{ab} ≠ I^{ba}.
        let rho = diag(&[0.35, 0.35, 0.15, 0.15]);
        let st = entropic_steering(rho.as_ref()).unwrap();
        assert!((st.i_ab - 3.0).abs() < 1e-14);
        assert!((st.i_ba - (2.0 + h2(0.7))).abs() < 1e-14);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            entropic_steering(diag(&[0.5, 0.5]).as_ref()),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            entropic_steering(diag(&[0.5, 0.5, 0.5, 0.5]).as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
        let not_psd = diag(&[0.6, 0.6, 0.0, -0.2]);
        assert!(matches!(
            entropic_steering(not_psd.as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
    }

    fn cket(psi: [c64; 4]) -> Mat<c64> {
        projector(&psi)
    }

    fn kron2(x: &Mat<c64>, y: &Mat<c64>) -> Mat<c64> {
        Mat::from_fn(4, 4, |r, c| x[(r / 2, c / 2)] * y[(r % 2, c % 2)])
    }

    /// `e^{iφ} (cos θ I − i sin θ n·σ)` with the unit vector `n` from `(nx, ny, nz)`.
    fn su2(phi: f64, theta: f64, n: [f64; 3]) -> Mat<c64> {
        let norm = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        let mut u = Mat::<c64>::identity(2, 2) * faer::Scale(c64::new(theta.cos(), 0.0));
        for (p, ni) in Pauli::ALL.iter().zip(n) {
            u -= p.matrix() * faer::Scale(c64::new(0.0, theta.sin() * ni / norm));
        }
        u * faer::Scale(c64::new(phi.cos(), phi.sin()))
    }

    #[test]
    fn concurrence_of_bell_and_product_states() {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        for bell in [
            [s, 0.0, 0.0, s],
            [s, 0.0, 0.0, -s],
            [0.0, s, s, 0.0],
            [0.0, s, -s, 0.0],
        ] {
            let c = concurrence(ket(bell).as_ref()).unwrap();
            assert!((c - 1.0).abs() < 1e-12, "{bell:?}: {c}");
        }
        // A Bell state with complex phases, (|01⟩ + i|10⟩)/√2.
        let o = c64::new(0.0, 0.0);
        let c = concurrence(cket([o, c64::new(s, 0.0), c64::new(0.0, s), o]).as_ref()).unwrap();
        assert!((c - 1.0).abs() < 1e-12, "{c}");
        // Products: |00⟩, |0⟩⊗|+⟩, a mixed ρ_a ⊗ ρ_b, and I/4.
        let rho_a = density_from_raw(2, 2, &[0.3, -0.1, 0.5, 0.2, -0.4, 0.1, 0.2, 0.6]);
        let rho_b = density_from_raw(2, 1, &[0.7, 0.2, -0.3, 0.5]);
        for rho in [
            ket([1.0, 0.0, 0.0, 0.0]),
            ket([s, s, 0.0, 0.0]),
            kron2(&rho_a, &rho_b),
            diag(&[0.25; 4]),
        ] {
            let c = concurrence(rho.as_ref()).unwrap();
            assert!(c.abs() < 1e-12, "{c}");
        }
    }

    #[test]
    fn concurrence_of_werner_and_pure_states() {
        // ρ = p|Φ⁺⟩⟨Φ⁺| + (1 − p) I/4: C = max(0, (3p − 1)/2).
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let phi_plus = ket([s, 0.0, 0.0, s]);
        for p in [0.0, 0.2, 1.0 / 3.0, 0.4, 0.5, 0.8, 0.95, 1.0] {
            let rho = Mat::from_fn(4, 4, |i, j| {
                phi_plus[(i, j)] * p + c64::new(if i == j { (1.0 - p) / 4.0 } else { 0.0 }, 0.0)
            });
            let c = concurrence(rho.as_ref()).unwrap();
            let expected = ((3.0 * p - 1.0) / 2.0).max(0.0);
            assert!((c - expected).abs() < 1e-12, "p = {p}: {c} vs {expected}");
        }
        // a|00⟩ + b|11⟩ (complex a, b): C = 2|ab|.
        for (r, theta, phase) in [(0.1f64, 0.3f64, 0.0f64), (0.6, 1.1, 2.0), (0.9, -0.7, 0.4)] {
            let a = c64::new(r.sqrt() * theta.cos(), r.sqrt() * theta.sin());
            let b = c64::new(
                (1.0 - r).sqrt() * phase.cos(),
                (1.0 - r).sqrt() * phase.sin(),
            );
            let o = c64::new(0.0, 0.0);
            let c = concurrence(cket([a, o, o, b]).as_ref()).unwrap();
            let expected = 2.0 * (a * b).norm();
            assert!((c - expected).abs() < 1e-12, "{c} vs {expected}");
        }
    }

    #[test]
    fn concurrence_is_invariant_under_local_unitaries() {
        let raw: Vec<f64> = (0..32)
            .map(|k| ((k * 37 % 29) as f64 / 29.0) - 0.5)
            .collect();
        let rho = density_from_raw(4, 2, &raw);
        let c0 = concurrence(rho.as_ref()).unwrap();
        assert!(
            c0 > 0.05 && c0 < 0.95,
            "want a genuinely mixed entangled state: {c0}"
        );
        let ua = su2(0.3, 1.1, [0.2, -0.7, 0.4]);
        let ub = su2(-1.2, 2.3, [0.9, 0.1, -0.3]);
        let u = kron2(&ua, &ub);
        let turned = &u * &rho * u.adjoint();
        let c1 = concurrence(turned.as_ref()).unwrap();
        assert!((c1 - c0).abs() < 1e-12, "{c0} vs {c1}");
        // A non-local unitary (CNOT) changes it: the product |+⟩|0⟩ becomes |Φ⁺⟩.
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let plus0 = ket([s, 0.0, s, 0.0]);
        let cnot = Mat::from_fn(4, 4, |r, c| {
            let target = [0, 1, 3, 2][c];
            c64::new(if r == target { 1.0 } else { 0.0 }, 0.0)
        });
        assert!(concurrence(plus0.as_ref()).unwrap() < 1e-12);
        let bell = &cnot * &plus0 * cnot.adjoint();
        assert!((concurrence(bell.as_ref()).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn concurrence_rejects_bad_input() {
        assert!(matches!(
            concurrence(diag(&[0.5, 0.5]).as_ref()),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            concurrence(diag(&[0.5, 0.5, 0.5, 0.5]).as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            concurrence(diag(&[0.6, 0.6, 0.0, -0.2]).as_ref()),
            Err(Error::InvalidParameter { .. })
        ));
        let mut nan = diag(&[0.25; 4]);
        nan[(1, 2)] = c64::new(f64::NAN, 0.0);
        assert!(concurrence(nan.as_ref()).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(41),
            ..ProptestConfig::default()
        })]

        /// On random states: C ∈ [0, 1]; invariance under random local unitaries; for
        /// pure states C = 2|ψ₀₀ψ₁₁ − ψ₀₁ψ₁₀|; and C ≥ 2 max(0, −λ_min(ρ^{T_b})) = 2N
        /// (Verstraete et al., J. Phys. A 34, 10327 (2001)), with equality for pure states.
        #[test]
        fn concurrence_on_random_states(
            rank in 1usize..5,
            raw in prop::collection::vec(-1.0f64..1.0, 32),
            angles in prop::collection::vec(-3.0f64..3.0, 10),
        ) {
            let rho = density_from_raw(4, rank, &raw);
            let c = concurrence(rho.as_ref()).unwrap();
            prop_assert!((0.0..=1.0).contains(&c));
            let u = kron2(
                &su2(angles[0], angles[1], [angles[2], angles[3], angles[4]]),
                &su2(angles[5], angles[6], [angles[7], angles[8], angles[9]]),
            );
            let turned = &u * &rho * u.adjoint();
            let c_turned = concurrence(turned.as_ref()).unwrap();
            prop_assert!((c - c_turned).abs() < 1e-10, "{c} vs {c_turned}");
            let n = crate::metrics::negativity::negativity(rho.as_ref(), &[2, 2], &[1]).unwrap();
            prop_assert!(c >= 2.0 * n - 1e-10, "C = {c} < 2N = {}", 2.0 * n);
            if rank == 1 {
                let psi: Vec<c64> = (0..4).map(|i| c64::new(raw[2 * i], raw[2 * i + 1])).collect();
                let norm2: f64 = psi.iter().map(|z| z.norm_sqr()).sum();
                let pure = 2.0 * (psi[0] * psi[3] - psi[1] * psi[2]).norm() / norm2;
                prop_assert!((c - pure).abs() < 1e-10, "{c} vs {pure}");
                prop_assert!((c - 2.0 * n).abs() < 1e-10, "{c} vs 2N = {}", 2.0 * n);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(40),
            ..ProptestConfig::default()
        })]

        /// Joint probabilities from projectors agree with the Pauli expansion
        /// p(s_a, s_b) = (1 + s_a a_i + s_b b_i + s_a s_b corr_ii)/4, and the conditional
        /// entropy with the corrected closed form of 003's Eq. (11):
        /// H(B|A) = 1 + ½ Σ_± (1 ± n) log₂(1 ± n) − ¼ Σ q log₂ q.
        #[test]
        fn probabilities_match_pauli_expansion(
            rank in 1usize..5,
            raw in prop::collection::vec(-1.0f64..1.0, 32),
        ) {
            let rho = density_from_raw(4, rank, &raw);
            let e = pauli_expectations(rho.as_ref()).unwrap();
            let xlogx = |x: f64| if x > 0.0 { x * x.log2() } else { 0.0 };
            for (i, pauli) in Pauli::ALL.into_iter().enumerate() {
                let p = joint_probabilities(rho.as_ref(), pauli).unwrap();
                let mut closed = 1.0 + 0.5 * (xlogx(1.0 + e.a[i]) + xlogx(1.0 - e.a[i]));
                for (sa, &ssa) in [1.0, -1.0].iter().enumerate() {
                    for (sb, &ssb) in [1.0f64, -1.0].iter().enumerate() {
                        let q = 1.0 + ssa * e.a[i] + ssb * e.b[i] + ssa * ssb * e.corr[i][i];
                        prop_assert!((p[sa][sb] - q / 4.0).abs() < 1e-14);
                        closed -= 0.25 * xlogx(q);
                    }
                }
                let h = conditional_entropy_pauli(rho.as_ref(), pauli, Party::B).unwrap();
                prop_assert!((h - closed).abs() < 1e-12, "{pauli:?}: {h} vs {closed}");
            }
            let st = entropic_steering(rho.as_ref()).unwrap();
            prop_assert!((0.0..=3.0).contains(&st.i_ab) && (0.0..=3.0).contains(&st.i_ba));
        }
    }
}
