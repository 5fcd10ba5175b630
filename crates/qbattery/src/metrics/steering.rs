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

use super::spectrum::{check_density, DENSITY_TOL};
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
                context: "two-qubit steering: size of rho (expected 4×4)".to_string(),
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
