//! Matrix exponential by scaling and squaring with a Padé approximant.
//!
//! Algorithm 2.3 of N. J. Higham, "The scaling and squaring method for the matrix
//! exponential revisited", SIAM J. Matrix Anal. Appl. 26, 1179 (2005): with
//! `‖A‖₁ ≤ θ_m` for m ∈ {3, 5, 7, 9} the diagonal Padé approximant `r_m(A)` is used
//! directly; otherwise `A` is scaled by `2^{−s}` so that `‖2^{−s}A‖₁ ≤ θ₁₃`, `r₁₃` is
//! evaluated and squared `s` times. The thresholds θ_m (Table 2.3 of the paper) bound
//! the backward error of `r_m` by the unit roundoff 2⁻⁵³.
//!
//! `r_m(A) = q_m(A)⁻¹ p_m(A)` with `p_m(A) = V + U`, `q_m(A) = V − U`, `U` odd and `V`
//! even in `A`; the linear system is solved with faer's partial-pivot LU.

use faer::linalg::solvers::Solve;
use faer::{c64, Mat, MatRef};

use crate::{check_square_finite, LinalgError};

/// Padé coefficients b₀ … b_m of `p_m(x) = Σ b_j x^j` (Higham 2005, Eq. (2.2) scaled to
/// integers, as in the paper's Algorithm 2.3), for m = 3, 5, 7, 9.
const PADE_LOW: [(f64, &[f64]); 4] = [
    (1.495585217958292e-2, &[120.0, 60.0, 12.0, 1.0]),
    (
        2.53939833006323e-1,
        &[30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0],
    ),
    (
        9.504178996162932e-1,
        &[
            17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0,
        ],
    ),
    (
        2.097847961257068e0,
        &[
            17643225600.0,
            8821612800.0,
            2075673600.0,
            302702400.0,
            30270240.0,
            2162160.0,
            110880.0,
            3960.0,
            90.0,
            1.0,
        ],
    ),
];

/// θ₁₃: the largest 1-norm for which `r₁₃` is used without further scaling.
const THETA_13: f64 = 5.371920351148152e0;

/// Padé coefficients b₀ … b₁₃ of `p₁₃`.
const PADE_13: [f64; 14] = [
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
];

/// `exp(A)` of a square complex matrix, to about unit roundoff in backward error
/// (Higham 2005, Algorithm 2.3; see the module docs).
///
/// # Errors
/// [`LinalgError::DimensionMismatch`] if `a` is not square; [`LinalgError::NonFinite`]
/// if `a` holds NaN or infinities, or if `exp(A)` overflows.
pub fn expm(a: MatRef<'_, c64>) -> Result<Mat<c64>, LinalgError> {
    let n = check_square_finite(a, "expm input")?;
    let norm = one_norm(a);

    let low_degree = PADE_LOW.iter().find(|(theta, _)| norm <= *theta);
    let (u, v, squarings) = match low_degree {
        Some((_, b)) => {
            let (u, v) = pade_low(a, b);
            (u, v, 0)
        }
        None => {
            // s = ⌈log₂(‖A‖₁/θ₁₃)⌉ ≥ 1; the scaling by a power of two is exact.
            let s = (norm / THETA_13).log2().ceil().max(0.0) as i32;
            let scale = c64::new(0.5_f64.powi(s), 0.0);
            let scaled = Mat::from_fn(n, n, |i, j| a[(i, j)] * scale);
            let (u, v) = pade_13(scaled.as_ref());
            (u, v, s)
        }
    };

    // r_m(A) = (V − U)⁻¹ (V + U).
    let q = &v - &u;
    let p = &v + &u;
    let mut r = q.partial_piv_lu().solve(&p);
    for _ in 0..squarings {
        r = &r * &r;
    }
    if !r.is_all_finite() {
        return Err(LinalgError::NonFinite {
            context: "expm result (overflow)",
        });
    }
    Ok(r)
}

/// Operator 1-norm `max_j Σ_i |a_ij|` (the largest column sum).
pub fn one_norm(a: MatRef<'_, c64>) -> f64 {
    (0..a.ncols())
        .map(|j| a.col(j).iter().map(|z| z.norm()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// `Σ_k c_k M_k + c_I · I` for square matrices `M_k` of dimension `n`.
fn linear_combination(n: usize, terms: &[(f64, MatRef<'_, c64>)], identity: f64) -> Mat<c64> {
    let mut out = Mat::from_fn(n, n, |i, j| {
        terms
            .iter()
            .map(|(coefficient, m)| m[(i, j)] * *coefficient)
            .sum()
    });
    for i in 0..n {
        out[(i, i)] += identity;
    }
    out
}

/// `(U, V)` for `r_m` with m = `b.len() − 1` ∈ {3, 5, 7, 9}:
/// `U = A Σ_k b_{2k+1} A^{2k}`, `V = Σ_k b_{2k} A^{2k}`.
fn pade_low(a: MatRef<'_, c64>, b: &[f64]) -> (Mat<c64>, Mat<c64>) {
    let n = a.nrows();
    let half = (b.len() - 1) / 2; // m = 2·half + 1
    let a2 = a * a;
    // Even powers A², A⁴, …, A^{m−1}.
    let mut evens = vec![a2];
    while evens.len() < half {
        let next = &evens[evens.len() - 1] * &evens[0];
        evens.push(next);
    }
    let odd_terms: Vec<_> = (1..=half)
        .map(|k| (b[2 * k + 1], evens[k - 1].as_ref()))
        .collect();
    let even_terms: Vec<_> = (1..=half)
        .map(|k| (b[2 * k], evens[k - 1].as_ref()))
        .collect();
    let u = a * linear_combination(n, &odd_terms, b[1]);
    let v = linear_combination(n, &even_terms, b[0]);
    (u, v)
}

/// `(U, V)` for `r₁₃`, with the paper's six-product evaluation (Higham 2005, Eq. (2.3)):
/// `U = A[A⁶(b₁₃A⁶ + b₁₁A⁴ + b₉A²) + b₇A⁶ + b₅A⁴ + b₃A² + b₁I]`,
/// `V = A⁶(b₁₂A⁶ + b₁₀A⁴ + b₈A²) + b₆A⁶ + b₄A⁴ + b₂A² + b₀I`.
fn pade_13(a: MatRef<'_, c64>) -> (Mat<c64>, Mat<c64>) {
    let n = a.nrows();
    let b = &PADE_13;
    let a2 = a * a;
    let a4 = &a2 * &a2;
    let a6 = &a4 * &a2;
    let (a2, a4, a6) = (a2.as_ref(), a4.as_ref(), a6.as_ref());
    let u_high = linear_combination(n, &[(b[13], a6), (b[11], a4), (b[9], a2)], 0.0);
    let u_low = linear_combination(n, &[(b[7], a6), (b[5], a4), (b[3], a2)], b[1]);
    let u = a * (&(a6 * &u_high) + &u_low);
    let v_high = linear_combination(n, &[(b[12], a6), (b[10], a4), (b[8], a2)], 0.0);
    let v_low = linear_combination(n, &[(b[6], a6), (b[4], a4), (b[2], a2)], b[0]);
    let v = &(a6 * &v_high) + &v_low;
    (u, v)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nalgebra::DMatrix;

    /// Deterministic pseudo-random numbers in [−1, 1) (SplitMix64), for reproducible
    /// test matrices without a `rand` dependency.
    pub(crate) struct SplitMix(u64);

    impl SplitMix {
        pub(crate) fn new(seed: u64) -> Self {
            Self(seed)
        }

        pub(crate) fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    /// `rows × cols` matrix with independent entries, real and imaginary parts uniform in
    /// [−scale, scale).
    pub(crate) fn random_matrix(rows: usize, cols: usize, scale: f64, seed: u64) -> Mat<c64> {
        let mut rng = SplitMix::new(seed);
        Mat::from_fn(rows, cols, |_, _| {
            c64::new(rng.uniform() * scale, rng.uniform() * scale)
        })
    }

    /// Exactly Hermitian `(G + G†)/2` of a random `G`.
    pub(crate) fn random_hermitian(n: usize, scale: f64, seed: u64) -> Mat<c64> {
        let g = random_matrix(n, n, scale, seed);
        Mat::from_fn(n, n, |i, j| (g[(i, j)] + g[(j, i)].conj()) * 0.5)
    }

    fn to_nalgebra(a: MatRef<'_, c64>) -> DMatrix<c64> {
        DMatrix::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)])
    }

    fn from_nalgebra(a: &DMatrix<c64>) -> Mat<c64> {
        Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)])
    }

    /// ‖X − Y‖₁ / ‖Y‖₁.
    fn relative_error(x: MatRef<'_, c64>, y: MatRef<'_, c64>) -> f64 {
        one_norm((&x.to_owned() - &y.to_owned()).as_ref()) / one_norm(y)
    }

    #[test]
    fn pade_coefficients_match_the_closed_form() {
        // b_j / b_0 = (2m − j)! m! / ((2m)! j! (m − j)!)  (Higham 2005, Eq. (2.2)).
        let factorial = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
        let tables = PADE_LOW.iter().map(|(_, b)| *b).chain([&PADE_13[..]]);
        for b in tables {
            let m = b.len() - 1;
            for (j, bj) in b.iter().enumerate() {
                let exact = factorial(2 * m - j) * factorial(m)
                    / (factorial(2 * m) * factorial(j) * factorial(m - j));
                let ratio = bj / b[0];
                assert!((ratio - exact).abs() <= 1e-14 * exact, "m = {m}, j = {j}");
            }
        }
    }

    #[test]
    fn scalar_exponentials_at_every_pade_degree() {
        // Moduli just below each θ_m, and large ones needing many squarings.
        let moduli = [1e-3, 0.0149, 0.25, 0.95, 2.09, 5.3, 40.0, 300.0];
        for r in moduli {
            for angle in [0.0, 0.7, 2.0, 3.1, -1.3] {
                let z = c64::from_polar(r, angle);
                let e = expm(faer::mat![[z]].as_ref()).unwrap()[(0, 0)];
                let rel = (e - z.exp()).norm() / z.exp().norm();
                // Conditioning of exp(z) in z is |z|: allow |z|·ε on top of roundoff.
                assert!(rel < 4e-15 * (1.0 + r), "z = {z}: relative error {rel:.2e}");
            }
        }
    }

    #[test]
    fn diagonal_matrix() {
        let d = [
            c64::new(-3.0, 0.5),
            c64::new(0.0, 0.0),
            c64::new(1.5, -7.0),
            c64::new(0.2, 0.2),
        ];
        let a = Mat::from_fn(4, 4, |i, j| if i == j { d[i] } else { c64::new(0.0, 0.0) });
        let e = expm(a.as_ref()).unwrap();
        for i in 0..4 {
            for j in 0..4 {
                let expected = if i == j {
                    d[i].exp()
                } else {
                    c64::new(0.0, 0.0)
                };
                assert!((e[(i, j)] - expected).norm() < 1e-14 * expected.norm().max(1.0));
            }
        }
    }

    #[test]
    fn matches_nalgebra_on_random_matrices() {
        // Entries of size `scale`/√n so that ‖A‖ ~ scale. Where `shift` is set, a diagonal
        // shift by the largest eigenvalue of the Hermitian part keeps exp(A) of order one
        // (‖e^A‖₂ ≤ 1) however large ‖A‖ is; otherwise exp(A) grows like e^{‖A‖}.
        for (n, scale, seed, shift) in [
            (1, 0.5, 1, false),
            (3, 1e-3, 2, false),
            (5, 0.1, 3, false),
            (10, 1.0, 4, false),
            (30, 1.0, 5, false),
            (8, 20.0, 6, false),
            (20, 3.0, 7, true),
            (40, 10.0, 8, true),
            (16, 100.0, 9, true),
            (12, 1000.0, 10, true),
        ] {
            let mut a = random_matrix(n, n, scale / (n as f64).sqrt(), seed);
            if shift {
                let hermitian_part =
                    Mat::from_fn(n, n, |i, j| (a[(i, j)] + a[(j, i)].conj()) * 0.5);
                let spectrum = crate::eigh::eigh(hermitian_part.as_ref()).unwrap().values;
                for i in 0..n {
                    a[(i, i)] -= spectrum[n - 1];
                }
            }
            let ours = expm(a.as_ref()).unwrap();
            let reference = from_nalgebra(&to_nalgebra(a.as_ref()).exp());
            let rel = relative_error(ours.as_ref(), reference.as_ref());
            // exp is about ‖A‖-conditioned. Observed: rel/max(‖A‖₁, 1) ≤ 5e-16 on these
            // cases (3e-13 at ‖A‖₁ ≈ 4e3).
            let tolerance = 5e-15 * one_norm(a.as_ref()).max(1.0);
            assert!(
                rel < tolerance,
                "n = {n}, scale = {scale}: {rel:.2e} ≥ {tolerance:.1e}"
            );
        }
    }

    #[test]
    fn exponential_of_skew_hermitian_is_unitary() {
        for (n, t) in [(8, 0.01), (30, 1.0), (50, 200.0)] {
            let h = random_hermitian(n, 1.0, n as u64);
            let a = Mat::from_fn(n, n, |i, j| h[(i, j)] * c64::new(0.0, -t));
            let u = expm(a.as_ref()).unwrap();
            let gram = u.adjoint() * &u;
            let err = (&gram - Mat::<c64>::identity(n, n)).norm_max();
            assert!(
                err < 1e-13 * (1.0 + t * h.norm_l2()),
                "n = {n}, t = {t}: {err:.2e}"
            );
        }
    }

    #[test]
    fn exp_a_times_exp_minus_a_is_identity() {
        for (n, scale, seed) in [(6, 0.1, 21), (25, 2.0, 22), (60, 5.0, 23)] {
            let a = random_matrix(n, n, scale / (n as f64).sqrt(), seed);
            let minus_a = Mat::from_fn(n, n, |i, j| -a[(i, j)]);
            let product = expm(a.as_ref()).unwrap() * expm(minus_a.as_ref()).unwrap();
            let err = (&product - Mat::<c64>::identity(n, n)).norm_max();
            assert!(err < 1e-13 * (1.0 + scale).powi(2), "n = {n}: {err:.2e}");
        }
    }

    #[test]
    fn zero_and_empty_matrices() {
        let zero = Mat::<c64>::zeros(3, 3);
        assert_eq!(expm(zero.as_ref()).unwrap(), Mat::<c64>::identity(3, 3));
        let empty = Mat::<c64>::zeros(0, 0);
        assert_eq!(expm(empty.as_ref()).unwrap().nrows(), 0);
    }

    #[test]
    fn errors() {
        let rect = Mat::<c64>::zeros(2, 3);
        assert!(matches!(
            expm(rect.as_ref()),
            Err(LinalgError::DimensionMismatch { .. })
        ));
        let mut a = random_matrix(3, 3, 1.0, 31);
        a[(2, 0)] = c64::new(0.0, f64::INFINITY);
        assert!(matches!(
            expm(a.as_ref()),
            Err(LinalgError::NonFinite { .. })
        ));
        let huge = Mat::from_fn(2, 2, |i, j| {
            c64::new(if i == j { 1000.0 } else { 0.0 }, 0.0)
        });
        assert!(matches!(
            expm(huge.as_ref()),
            Err(LinalgError::NonFinite { .. })
        ));
    }
}
