//! Krylov approximations of `exp(tA) v`: Lanczos for Hermitian `A`, Arnoldi for
//! general `A`, with automatic time sub-stepping. The operator is a matrix-free
//! matvec, so dense, sparse and structured operators all fit.
//!
//! # Method
//! From the current vector `w = β v₁` a Krylov basis `V_m = [v₁ … v_m]` is built,
//! `A V_m = V_m H_m + h_{m+1,m} v_{m+1} e_mᵀ`, and a substep of length `τ` is
//!
//! ```text
//! exp(τA) w ≈ β V_m exp(τ H_m) e₁
//! ```
//!
//! (Y. Saad, "Analysis of some Krylov subspace approximations to the matrix
//! exponential operator", SIAM J. Numer. Anal. 29, 209 (1992); M. Hochbruck and
//! C. Lubich, "On Krylov subspace approximations to the matrix exponential operator",
//! SIAM J. Numer. Anal. 34, 1911 (1997)). Its error is estimated a posteriori by the
//! leading term of Saad's expansion of the error (Saad 1992, Sec. 5),
//!
//! ```text
//! err(τ) = β |τ h_{m+1,m} e_mᵀ φ₁(τ H_m) e₁|,   φ₁(z) = (e^z − 1)/z,
//! ```
//!
//! read off, together with `exp(τ H_m) e₁`, from one exponential of the augmented
//! matrix `τ [[H_m, 0], [h_{m+1,m} e_mᵀ, 0]]` (Saad 1992, Sec. 5; R. B. Sidje,
//! "Expokit", ACM TOMS 24, 130 (1998)), computed by [`crate::expm::expm`]. The basis does not depend on
//! `τ`, so the longest substep that meets the tolerance is found on the small matrix
//! alone, without further matvecs. When `h_{m+1,m}` vanishes (happy breakdown) the
//! basis spans an invariant subspace and the step is exact for any `τ`.
//!
//! The remaining time is covered in as few substeps as the tolerance allows; the
//! last substep stops building its basis as soon as it can finish.

use faer::{c64, Mat};

use crate::expm::expm;
use crate::LinalgError;

/// Options of the Krylov propagators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KrylovOptions {
    /// Largest Krylov dimension `m` per substep (capped by the vector length); each
    /// basis vector costs one matvec and one stored vector. At least 1; below ~10 the
    /// substeps get very short (their error falls only like `τ^m`).
    pub max_dim: usize,
    /// Largest estimated error of one substep, relative to the norm of the vector it
    /// starts from. Must be positive and finite; values near the unit roundoff make
    /// the substeps very short.
    pub tol: f64,
}

impl Default for KrylovOptions {
    /// `max_dim = 30`, `tol = 1e-12`.
    fn default() -> Self {
        Self {
            max_dim: 30,
            tol: 1e-12,
        }
    }
}

/// What a Krylov propagation cost and how accurate it is believed to be.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct KrylovInfo {
    /// Number of substeps the time interval was split into.
    pub substeps: usize,
    /// Number of matvecs performed.
    pub matvecs: usize,
    /// Sum over substeps of the estimated local errors, in the units of `v` (absolute).
    /// For Hermitian `H` the propagation is unitary, local errors neither grow nor
    /// decay, and this sum estimates the global error; for general `A` later substeps
    /// may damp or amplify them.
    pub error_estimate: f64,
}

/// `exp(−i t H) v` for a Hermitian `H` given by its action, by the Lanczos process
/// (three-term recurrence; see the module docs for the method and its references).
///
/// `matvec(x, y)` must store `H x` in `y` (which is zero on entry). `t` is in inverse
/// units of `H` (ħ = 1).
///
/// # Errors
/// [`LinalgError::InvalidParameter`] for a bad option or a non-finite `t`;
/// [`LinalgError::NonFinite`] if `v` or a matvec result holds NaN or infinities;
/// [`LinalgError::NotHermitian`] if some `⟨x, H x⟩` is clearly not real (for instance
/// when the generator `−iH` is passed instead of `H`);
/// [`LinalgError::NoConvergence`] if no substep meets the tolerance, or if more than
/// [`MAX_SUBSTEPS`] substeps are needed (raise `max_dim` or loosen `tol`).
pub fn expmv_hermitian(
    matvec: impl FnMut(&[c64], &mut [c64]),
    v: &[c64],
    t: f64,
    opts: &KrylovOptions,
) -> Result<(Vec<c64>, KrylovInfo), LinalgError> {
    let problem = Problem {
        context: "expmv_hermitian",
        process: Process::Lanczos,
        time: c64::new(0.0, -t),
    };
    problem.propagate(matvec, v, opts)
}

/// `exp(t A) v` for a general square `A` given by its action, by the Arnoldi process
/// (modified Gram–Schmidt with one reorthogonalization when cancellation is detected;
/// see the module docs for the method and its references).
///
/// `matvec(x, y)` must store `A x` in `y` (which is zero on entry). `t` may be complex.
/// For non-normal `A` the local errors can be amplified by later substeps, by at most
/// `‖exp(sA)‖` over the remaining time `s`.
///
/// # Errors
/// [`LinalgError::InvalidParameter`] for a bad option or a non-finite `t`;
/// [`LinalgError::NonFinite`] if `v` or a matvec result holds NaN or infinities, or the
/// result overflows; [`LinalgError::NoConvergence`] if no substep meets the tolerance,
/// or if more than [`MAX_SUBSTEPS`] substeps are needed (raise `max_dim` or loosen `tol`).
pub fn expmv_general(
    matvec: impl FnMut(&[c64], &mut [c64]),
    v: &[c64],
    t: c64,
    opts: &KrylovOptions,
) -> Result<(Vec<c64>, KrylovInfo), LinalgError> {
    let problem = Problem {
        context: "expmv_general",
        process: Process::Arnoldi,
        time: t,
    };
    problem.propagate(matvec, v, opts)
}

/// How each new Krylov vector is orthogonalized.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Process {
    /// Against the two previous vectors only: `H_m` is real symmetric tridiagonal.
    Lanczos,
    /// Against all previous vectors: `H_m` is upper Hessenberg.
    Arnoldi,
}

/// `exp(time · A) v`, A given by a matvec.
struct Problem {
    context: &'static str,
    process: Process,
    time: c64,
}

/// Check for an early finish every this many basis vectors.
const CHECK_EVERY: usize = 4;
/// Happy breakdown: `h_{j+1,j} ≤ BREAKDOWN · max_i ‖A v_i‖` counts as zero.
const BREAKDOWN: f64 = 4.0 * f64::EPSILON;
/// Largest step-size reductions tried on one basis before giving up.
const MAX_REJECTIONS: usize = 50;
/// Largest growth of the step size from one substep to the next.
const MAX_GROWTH: f64 = 5.0;
/// Safety factor of the step-size prediction.
const SAFETY: f64 = 0.9;
/// Most substeps one propagation may take (or be predicted to need).
pub const MAX_SUBSTEPS: usize = 100_000;

impl Problem {
    fn propagate(
        &self,
        mut matvec: impl FnMut(&[c64], &mut [c64]),
        v: &[c64],
        opts: &KrylovOptions,
    ) -> Result<(Vec<c64>, KrylovInfo), LinalgError> {
        self.validate(v, opts)?;
        let mut info = KrylovInfo::default();
        let n = v.len();
        if n == 0 || self.time == c64::new(0.0, 0.0) || norm(v) == 0.0 {
            return Ok((v.to_vec(), info));
        }

        let mut krylov = Krylov::new(n, opts.max_dim.min(n), self.process);
        let mut w = v.to_vec();
        // Fractions of the total time: done so far, and the next substep's first guess.
        let mut done = 0.0;
        let mut guess = 1.0_f64;
        while done < 1.0 {
            let remaining = 1.0 - done;
            let target = guess.min(remaining);
            let beta = norm(&w);
            krylov.restart(&w, beta);

            // Only a finishing substep may stop short of `max_dim`: a longer basis buys
            // a longer step, cheaper per unit time than several short ones.
            let finishing = target == remaining;
            let mut step = None;
            while !krylov.is_complete() {
                krylov.extend(&mut matvec, self.context)?;
                info.matvecs += 1;
                if finishing && krylov.dim() % CHECK_EVERY == 0 && !krylov.is_complete() {
                    let (y, err) = krylov.evaluate(self.time * target);
                    if err <= opts.tol {
                        step = Some((target, y, err));
                        break;
                    }
                }
            }
            let (s, y, err) = match step {
                Some(found) => found,
                None => self.choose_step(&krylov, target, remaining, opts.tol, &info)?,
            };

            w = krylov.combine(&y, beta);
            if w.iter().any(|z| !z.is_finite()) {
                return Err(LinalgError::NonFinite {
                    context: "Krylov propagation result (overflow)",
                });
            }
            done = if s == remaining { 1.0 } else { done + s };
            let growth = if err > 0.0 {
                SAFETY * (opts.tol / err).powf(1.0 / krylov.dim() as f64)
            } else {
                MAX_GROWTH
            };
            guess = s * growth.min(MAX_GROWTH);
            info.substeps += 1;
            info.error_estimate += err * beta;
            // Give up early when the remaining time would need too many substeps.
            let predicted = (1.0 - done) / guess;
            if done < 1.0 && info.substeps as f64 + predicted > MAX_SUBSTEPS as f64 {
                return Err(LinalgError::NoConvergence {
                    context: self.context,
                    steps: info.substeps,
                    residual: err,
                });
            }
        }
        Ok((w, info))
    }

    /// Rejects invalid options, a non-finite time and a non-finite start vector.
    fn validate(&self, v: &[c64], opts: &KrylovOptions) -> Result<(), LinalgError> {
        if opts.max_dim == 0 {
            return Err(LinalgError::InvalidParameter {
                name: "KrylovOptions::max_dim",
                value: 0.0,
                allowed: "at least 1",
            });
        }
        if !(opts.tol > 0.0 && opts.tol.is_finite()) {
            return Err(LinalgError::InvalidParameter {
                name: "KrylovOptions::tol",
                value: opts.tol,
                allowed: "positive and finite",
            });
        }
        if !self.time.is_finite() {
            return Err(LinalgError::InvalidParameter {
                name: "t",
                value: self.time.norm(),
                allowed: "finite",
            });
        }
        if v.iter().any(|z| !z.is_finite()) {
            return Err(LinalgError::NonFinite {
                context: "Krylov start vector",
            });
        }
        Ok(())
    }

    /// The longest substep `s ≤ target` (a fraction of the total time) whose error
    /// estimate on the finished basis meets `tol`, found by shrinking `s` with the
    /// prediction `err ∝ s^m`; returns `(s, y, err)`.
    fn choose_step(
        &self,
        krylov: &Krylov,
        target: f64,
        remaining: f64,
        tol: f64,
        info: &KrylovInfo,
    ) -> Result<(f64, Vec<c64>, f64), LinalgError> {
        if krylov.exhausted {
            let (y, err) = krylov.evaluate(self.time * remaining);
            return if err == 0.0 {
                Ok((remaining, y, 0.0))
            } else {
                Err(LinalgError::NonFinite {
                    context: "Krylov propagation result (overflow)",
                })
            };
        }
        let order = krylov.dim() as f64;
        let mut s = target;
        let mut err = f64::INFINITY;
        for _ in 0..MAX_REJECTIONS {
            let (y, e) = krylov.evaluate(self.time * s);
            err = e;
            if err <= tol {
                return Ok((s, y, err));
            }
            s *= (SAFETY * (tol / err).powf(1.0 / order)).clamp(0.1, SAFETY);
        }
        Err(LinalgError::NoConvergence {
            context: self.context,
            steps: info.substeps,
            residual: err,
        })
    }
}

/// A Krylov basis and the projection of the operator onto it.
struct Krylov {
    process: Process,
    /// Basis vectors v₁, v₂, …; the one past `dim` is the next direction (if any).
    basis: Vec<Vec<c64>>,
    /// `H` entries: `h[(i, j)] = v_iᴴ A v_j`, of size `(max_dim + 1) × max_dim`.
    h: Mat<c64>,
    /// Number of columns of `h` filled, i.e. matvecs done on this basis.
    dim: usize,
    max_dim: usize,
    /// The basis spans an invariant subspace of `A` (or the whole space).
    exhausted: bool,
    /// Largest `‖A v_j‖` seen: the scale of the breakdown test.
    scale: f64,
    /// Scratch for the matvec output.
    work: Vec<c64>,
}

impl Krylov {
    fn new(n: usize, max_dim: usize, process: Process) -> Self {
        Self {
            process,
            basis: Vec::with_capacity(max_dim + 1),
            h: Mat::zeros(max_dim + 1, max_dim),
            dim: 0,
            max_dim,
            exhausted: false,
            scale: 0.0,
            work: vec![c64::new(0.0, 0.0); n],
        }
    }

    fn dim(&self) -> usize {
        self.dim
    }

    /// No further vector can (or may) be added.
    fn is_complete(&self) -> bool {
        self.exhausted || self.dim == self.max_dim
    }

    /// Starts a new basis from `w = β v₁` (β > 0).
    fn restart(&mut self, w: &[c64], beta: f64) {
        if self.basis.is_empty() {
            self.basis.push(vec![c64::new(0.0, 0.0); w.len()]);
        }
        for (b, x) in self.basis[0].iter_mut().zip(w) {
            *b = x / beta;
        }
        self.h.fill(c64::new(0.0, 0.0));
        self.dim = 0;
        self.exhausted = false;
        self.scale = 0.0;
    }

    /// Adds column `j = dim` of `H` and, unless the space is exhausted, `v_{j+2}`.
    fn extend(
        &mut self,
        matvec: &mut impl FnMut(&[c64], &mut [c64]),
        context: &'static str,
    ) -> Result<(), LinalgError> {
        let j = self.dim;
        let n = self.work.len();
        self.work.fill(c64::new(0.0, 0.0));
        matvec(&self.basis[j], &mut self.work);
        if self.work.iter().any(|z| !z.is_finite()) {
            return Err(LinalgError::NonFinite {
                context: "Krylov matvec output",
            });
        }
        let w = &mut self.work;
        let norm_aw = norm(w);
        self.scale = self.scale.max(norm_aw);

        match self.process {
            Process::Lanczos => {
                if j > 0 {
                    let beta = self.h[(j, j - 1)];
                    self.h[(j - 1, j)] = beta;
                    axpy(-beta, &self.basis[j - 1], w);
                }
                let alpha = dot(&self.basis[j], w);
                // ⟨v, Hv⟩ is real for Hermitian H, to rounding.
                if alpha.im.abs() > f64::EPSILON.sqrt() * norm_aw {
                    return Err(LinalgError::NotHermitian {
                        context,
                        error: alpha.im.abs(),
                    });
                }
                let alpha = c64::new(alpha.re, 0.0);
                axpy(-alpha, &self.basis[j], w);
                self.h[(j, j)] = alpha;
            }
            Process::Arnoldi => {
                let before = norm(w);
                gram_schmidt(&self.basis[..=j], w, &mut self.h, j);
                // Kahan–Parlett "twice is enough": repeat once after heavy cancellation.
                if norm(w) < 0.5 * before {
                    gram_schmidt(&self.basis[..=j], w, &mut self.h, j);
                }
            }
        }

        let residual = norm(w);
        self.h[(j + 1, j)] = c64::new(residual, 0.0);
        self.dim = j + 1;
        if residual <= BREAKDOWN * self.scale || self.dim == n {
            self.exhausted = true;
        } else if self.dim < self.max_dim {
            if self.basis.len() == self.dim {
                self.basis.push(vec![c64::new(0.0, 0.0); n]);
            }
            for (b, x) in self.basis[self.dim].iter_mut().zip(w.iter()) {
                *b = x / residual;
            }
        }
        Ok(())
    }

    /// `(y, err)` for a substep `exp(τA)`: `y = exp(τ H_m) e₁` and the relative error
    /// estimate `|τ h_{m+1,m} e_mᵀ φ₁(τ H_m) e₁|` (zero on an exhausted basis), both
    /// from the exponential of the augmented matrix. If that exponential overflows the
    /// step is too long: `err = ∞`.
    fn evaluate(&self, tau: c64) -> (Vec<c64>, f64) {
        let m = self.dim;
        let coupling = if self.exhausted { 0.0 } else { 1.0 };
        let augmented = Mat::from_fn(m + 1, m + 1, |i, j| {
            if j >= m || i > j + 1 {
                c64::new(0.0, 0.0)
            } else if i == m {
                self.h[(i, j)] * tau * coupling
            } else {
                self.h[(i, j)] * tau
            }
        });
        match expm(augmented.as_ref()) {
            Ok(f) => {
                let y = (0..m).map(|i| f[(i, 0)]).collect();
                let err = if self.exhausted {
                    0.0
                } else {
                    f[(m, 0)].norm()
                };
                (y, err)
            }
            Err(_) => (vec![c64::new(0.0, 0.0); m], f64::INFINITY),
        }
    }

    /// `β Σ_k y_k v_k`.
    fn combine(&self, y: &[c64], beta: f64) -> Vec<c64> {
        let mut out = vec![c64::new(0.0, 0.0); self.work.len()];
        for (yk, vk) in y.iter().zip(&self.basis) {
            axpy(yk * beta, vk, &mut out);
        }
        out
    }
}

/// One modified Gram–Schmidt pass of `w` against `basis`, adding the coefficients to
/// column `j` of `h`.
fn gram_schmidt(basis: &[Vec<c64>], w: &mut [c64], h: &mut Mat<c64>, j: usize) {
    for (i, v) in basis.iter().enumerate() {
        let coefficient = dot(v, w);
        axpy(-coefficient, v, w);
        h[(i, j)] += coefficient;
    }
}

/// `xᴴ y`.
fn dot(x: &[c64], y: &[c64]) -> c64 {
    x.iter().zip(y).map(|(a, b)| a.conj() * b).sum()
}

/// Euclidean norm.
fn norm(x: &[c64]) -> f64 {
    x.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt()
}

/// `y += α x`.
fn axpy(alpha: c64, x: &[c64], y: &mut [c64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eigh::eigh;
    use crate::expm::tests::{random_hermitian, random_matrix};
    use faer::MatRef;

    /// The matvec of a dense matrix.
    fn dense(a: MatRef<'_, c64>) -> impl FnMut(&[c64], &mut [c64]) + '_ {
        move |x, y| {
            for (i, yi) in y.iter_mut().enumerate() {
                *yi = (0..x.len()).map(|j| a[(i, j)] * x[j]).sum();
            }
        }
    }

    fn random_vector(n: usize, seed: u64) -> Vec<c64> {
        let m = random_matrix(n, 1, 1.0, seed);
        (0..n).map(|i| m[(i, 0)]).collect()
    }

    /// `exp(tA) v` through the dense exponential.
    fn reference(a: MatRef<'_, c64>, t: c64, v: &[c64]) -> Vec<c64> {
        let n = a.nrows();
        let e = expm(Mat::from_fn(n, n, |i, j| a[(i, j)] * t).as_ref()).unwrap();
        (0..n)
            .map(|i| (0..n).map(|j| e[(i, j)] * v[j]).sum())
            .collect()
    }

    fn distance(x: &[c64], y: &[c64]) -> f64 {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - b).norm_sqr())
            .sum::<f64>()
            .sqrt()
    }

    fn hermitian_case(n: usize, scale: f64, t: f64, seed: u64, opts: &KrylovOptions) -> KrylovInfo {
        let h = random_hermitian(n, scale, seed);
        let v = random_vector(n, seed + 1000);
        let (w, info) = expmv_hermitian(dense(h.as_ref()), &v, t, opts).unwrap();
        let exact = reference(h.as_ref(), c64::new(0.0, -t), &v);
        let beta = norm(&v);
        let err = distance(&w, &exact) / beta;
        // Substep errors add up (tol each, relative); the dense reference itself carries
        // ~ε‖tH‖ of rounding error.
        let allowed =
            10.0 * opts.tol * info.substeps as f64 + 1e-15 * (1.0 + t.abs() * h.norm_l2());
        assert!(
            err < allowed,
            "n = {n}, t = {t}: error {err:.2e} > {allowed:.2e}, {info:?}"
        );
        assert!(
            (norm(&w) - beta).abs() < allowed * beta,
            "norm not kept: {info:?}"
        );
        info
    }

    #[test]
    fn hermitian_small_step_finishes_in_one_substep() {
        let info = hermitian_case(100, 1.0 / 10.0, 1.0, 1, &KrylovOptions::default());
        assert_eq!(info.substeps, 1);
        assert!(info.matvecs < 30, "early finish expected: {info:?}");
    }

    #[test]
    fn hermitian_large_norm_needs_substeps() {
        // ‖H‖₂ ≈ 2·5 = 10, t = 30: t‖H‖ ≈ 300 is far beyond one 30-dimensional basis.
        let info = hermitian_case(300, 5.0 / 300f64.sqrt(), 30.0, 2, &KrylovOptions::default());
        assert!(info.substeps > 5, "{info:?}");
    }

    #[test]
    fn hermitian_small_bases_and_loose_tolerances() {
        for (max_dim, tol) in [(4, 1e-10), (8, 1e-8), (12, 1e-13), (50, 1e-6)] {
            let opts = KrylovOptions { max_dim, tol };
            hermitian_case(60, 1.0 / 60f64.sqrt(), 2.0, 3, &opts);
        }
    }

    #[test]
    fn general_matrices_with_complex_time() {
        for (n, scale, t, seed) in [
            (40, 1.0, c64::new(0.5, 0.0), 11),
            (120, 1.0, c64::new(1.0, -2.0), 12),
            (200, 3.0, c64::new(0.0, 10.0), 13),
        ] {
            let a = random_matrix(n, n, scale / (n as f64).sqrt(), seed);
            let v = random_vector(n, seed + 1000);
            let opts = KrylovOptions::default();
            let (w, info) = expmv_general(dense(a.as_ref()), &v, t, &opts).unwrap();
            let exact = reference(a.as_ref(), t, &v);
            let err = distance(&w, &exact) / norm(&exact);
            // Non-normal growth may amplify local errors: allow a factor 100.
            let allowed = 100.0 * opts.tol * info.substeps as f64;
            assert!(
                err < allowed,
                "n = {n}, t = {t}: {err:.2e} > {allowed:.2e}, {info:?}"
            );
        }
    }

    #[test]
    fn general_large_norm_with_decay() {
        // A dissipative generator (Hermitian part ≤ 0) of norm ~10², t = 2.
        let n = 150;
        let mut a = random_matrix(n, n, 30.0 / (n as f64).sqrt(), 21);
        let herm = Mat::from_fn(n, n, |i, j| (a[(i, j)] + a[(j, i)].conj()) * 0.5);
        let top = *eigh(herm.as_ref()).unwrap().values.last().unwrap();
        for i in 0..n {
            a[(i, i)] -= top;
        }
        let v = random_vector(n, 22);
        let t = c64::new(2.0, 0.0);
        let opts = KrylovOptions::default();
        let (w, info) = expmv_general(dense(a.as_ref()), &v, t, &opts).unwrap();
        assert!(info.substeps > 5, "{info:?}");
        let exact = reference(a.as_ref(), t, &v);
        let err = distance(&w, &exact) / norm(&exact);
        assert!(
            err < 10.0 * opts.tol * info.substeps as f64,
            "{err:.2e}, {info:?}"
        );
    }

    #[test]
    fn one_by_one() {
        let (w, info) = expmv_hermitian(
            |x, y| y[0] = x[0] * 2.5,
            &[c64::new(3.0, 4.0)],
            0.7,
            &Default::default(),
        )
        .unwrap();
        let exact = c64::new(3.0, 4.0) * c64::cis(-2.5 * 0.7);
        assert!((w[0] - exact).norm() < 1e-14);
        assert_eq!((info.substeps, info.matvecs), (1, 1));

        let z = c64::new(-0.3, 2.0);
        let t = c64::new(1.5, -0.5);
        let (w, _) = expmv_general(
            |x, y| y[0] = x[0] * z,
            &[c64::new(1.0, 0.0)],
            t,
            &Default::default(),
        )
        .unwrap();
        assert!((w[0] - (z * t).exp()).norm() < 1e-14 * (z * t).exp().norm());
    }

    #[test]
    fn exact_breakdown_on_invariant_subspaces() {
        // Diagonal H: e_k is an eigenvector; a sum of three e_k spans a 3-dim invariant
        // subspace. Both are propagated exactly with 1 and 3 matvecs.
        let n = 50;
        let d: Vec<f64> = (0..n).map(|k| (k as f64 - 20.0) * 0.37).collect();
        let diag = |x: &[c64], y: &mut [c64]| {
            for k in 0..x.len() {
                y[k] = x[k] * d[k];
            }
        };
        let t = 100.0; // long enough that a non-exact basis would need substeps
        let mut v = vec![c64::new(0.0, 0.0); n];
        v[7] = c64::new(0.6, -0.8);
        let (w, info) = expmv_hermitian(diag, &v, t, &Default::default()).unwrap();
        assert_eq!((info.substeps, info.matvecs), (1, 1));
        // The small exponential of phase |λt| ≈ 481 is accurate to ~ε|λt|.
        let err = (w[7] - v[7] * c64::cis(-d[7] * t)).norm();
        assert!(err < 4e-15 * (d[7] * t).abs(), "{err:.2e}");
        assert!(w
            .iter()
            .enumerate()
            .all(|(k, z)| k == 7 || *z == c64::new(0.0, 0.0)));

        let mut v = vec![c64::new(0.0, 0.0); n];
        for k in [3, 20, 41] {
            v[k] = c64::new(1.0, k as f64);
        }
        let (w, info) = expmv_general(diag, &v, c64::new(0.0, -t), &Default::default()).unwrap();
        assert_eq!((info.substeps, info.matvecs), (1, 3), "{info:?}");
        for k in [3, 20, 41] {
            let err = (w[k] - v[k] * c64::cis(-d[k] * t)).norm() / v[k].norm();
            assert!(
                err < 4e-15 * d.iter().map(|x| (x * t).abs()).fold(0.0, f64::max),
                "{err:.2e}"
            );
        }
    }

    #[test]
    fn numerical_eigenvector_is_cheap_and_accurate() {
        let n = 80;
        let h = random_hermitian(n, 1.0, 31);
        let e = eigh(h.as_ref()).unwrap();
        let k = 17;
        let v: Vec<c64> = (0..n).map(|i| e.vectors[(i, k)]).collect();
        let t = 50.0;
        let (w, info) = expmv_hermitian(dense(h.as_ref()), &v, t, &Default::default()).unwrap();
        let phase = c64::cis(-e.values[k] * t);
        let err = w
            .iter()
            .zip(&v)
            .map(|(a, b)| (a - b * phase).norm_sqr())
            .sum::<f64>()
            .sqrt();
        assert!(err < 1e-11, "{err:.2e}, {info:?}");
        assert!(info.matvecs <= 8, "{info:?}");
    }

    #[test]
    fn matrix_free_chain_forward_and_back() {
        // Tight-binding chain of 300 sites with a potential, as a matrix-free operator;
        // propagating by t and then by −t returns the start vector.
        let n = 300;
        let chain = |x: &[c64], y: &mut [c64]| {
            for i in 0..x.len() {
                y[i] = x[i] * (0.01 * i as f64);
                if i > 0 {
                    y[i] -= x[i - 1];
                }
                if i + 1 < x.len() {
                    y[i] -= x[i + 1];
                }
            }
        };
        let v = random_vector(n, 41);
        let opts = KrylovOptions::default();
        let (w, forward) = expmv_hermitian(chain, &v, 20.0, &opts).unwrap();
        let (back, backward) = expmv_hermitian(chain, &w, -20.0, &opts).unwrap();
        let steps = (forward.substeps + backward.substeps) as f64;
        assert!(distance(&back, &v) < 10.0 * opts.tol * steps * norm(&v));
        // The same through the dense eigen-decomposition.
        let dense_h = Mat::from_fn(n, n, |i, j| {
            let mut e = vec![c64::new(0.0, 0.0); n];
            let mut col = vec![c64::new(0.0, 0.0); n];
            e[j] = c64::new(1.0, 0.0);
            chain(&e, &mut col);
            col[i]
        });
        let psi = Mat::from_fn(n, 1, |i, _| v[i]);
        let exact = eigh(dense_h.as_ref())
            .unwrap()
            .propagate(psi.as_ref(), 20.0);
        let exact: Vec<c64> = (0..n).map(|i| exact[(i, 0)]).collect();
        assert!(distance(&w, &exact) < 10.0 * opts.tol * forward.substeps as f64 * norm(&v));
    }

    #[test]
    fn trivial_inputs_cost_nothing() {
        let never = |_: &[c64], _: &mut [c64]| panic!("no matvec expected");
        let v = random_vector(5, 51);
        let opts = KrylovOptions::default();
        let (w, info) = expmv_hermitian(never, &v, 0.0, &opts).unwrap();
        assert_eq!((w, info.matvecs), (v.clone(), 0));
        let zero = vec![c64::new(0.0, 0.0); 5];
        let (w, info) = expmv_general(never, &zero, c64::new(1.0, 0.0), &opts).unwrap();
        assert_eq!((w, info.matvecs), (zero, 0));
        let (w, _) = expmv_general(never, &[], c64::new(1.0, 0.0), &opts).unwrap();
        assert!(w.is_empty());
    }

    #[test]
    fn invalid_input_is_an_error() {
        let id = |x: &[c64], y: &mut [c64]| y.copy_from_slice(x);
        let v = random_vector(4, 61);
        let bad_dim = KrylovOptions {
            max_dim: 0,
            ..Default::default()
        };
        assert!(matches!(
            expmv_hermitian(id, &v, 1.0, &bad_dim),
            Err(LinalgError::InvalidParameter {
                name: "KrylovOptions::max_dim",
                ..
            })
        ));
        for tol in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let opts = KrylovOptions {
                tol,
                ..Default::default()
            };
            assert!(matches!(
                expmv_general(id, &v, c64::new(1.0, 0.0), &opts),
                Err(LinalgError::InvalidParameter {
                    name: "KrylovOptions::tol",
                    ..
                })
            ));
        }
        let opts = KrylovOptions::default();
        assert!(matches!(
            expmv_hermitian(id, &v, f64::NAN, &opts),
            Err(LinalgError::InvalidParameter { name: "t", .. })
        ));
        let mut nan_v = v.clone();
        nan_v[2] = c64::new(f64::NAN, 0.0);
        assert!(matches!(
            expmv_hermitian(id, &nan_v, 1.0, &opts),
            Err(LinalgError::NonFinite { .. })
        ));
        let nan_op = |_: &[c64], y: &mut [c64]| y[0] = c64::new(f64::NAN, 0.0);
        assert!(matches!(
            expmv_general(nan_op, &v, c64::new(1.0, 0.0), &opts),
            Err(LinalgError::NonFinite { .. })
        ));
        // Passing the generator −iH instead of H.
        let h = random_hermitian(4, 1.0, 62);
        let generator = |x: &[c64], y: &mut [c64]| {
            dense(h.as_ref())(x, y);
            y.iter_mut().for_each(|z| *z *= c64::new(0.0, -1.0));
        };
        assert!(matches!(
            expmv_hermitian(generator, &v, 1.0, &opts),
            Err(LinalgError::NotHermitian { .. })
        ));
        // A one-dimensional basis would need ~1e12 substeps at this tolerance.
        let tiny_basis = KrylovOptions {
            max_dim: 1,
            tol: 1e-12,
        };
        let g = random_hermitian(10, 1.0, 63);
        let v = random_vector(10, 64);
        assert!(matches!(
            expmv_hermitian(dense(g.as_ref()), &v, 1.0, &tiny_basis),
            Err(LinalgError::NoConvergence { steps: 1, .. })
        ));
    }
}
