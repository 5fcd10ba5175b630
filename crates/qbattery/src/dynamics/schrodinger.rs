//! Closed-system dynamics: eigen-propagation, Krylov for piecewise-constant H, adaptive RK for H(t).
//!
//! i dψ/dt = H(t) ψ (ħ = 1). Three propagators, from exact to general:
//! - [`EigenPropagator`]: time-independent H, one dense eigen-decomposition, then
//!   ψ(t) = V e^{−iΛt} V† ψ₀ exactly at any time (the closed battery of
//!   000_e3df25f406468476.txt and 004_5856515c11cfbeb7.txt);
//! - [`evolve_piecewise`]: piecewise-constant H(t) (optimised protocols), Krylov
//!   exp(−iHΔt)ψ between consecutive event times, never forming a dense matrix;
//! - [`evolve_adaptive`]: any H(t) (e.g. the Field-QB drive of 003_0f93033296fe24a2.txt),
//!   adaptive Dormand–Prince 5(4) ([`ode::integrate`]).
//!
//! Every `evolve` takes ψ₀ as the state at `times[0]` and returns ψ at each requested time.

use faer::prelude::*;
use faer::Side;

use super::hamiltonian::{check_operator, Hamiltonian, OperatorSum, HERMITICITY_TOL};
use super::ode::{self, OdeOptions, SolverStats};
use crate::{c64, CsrMatrix, Error, Mat, MatRef, Result};
use qbattery_linalg::krylov::{expmv_hermitian, KrylovOptions};

/// Tolerance on the initial state's norm: |‖ψ₀‖ − 1|.
pub const INITIAL_STATE_TOL: f64 = 1e-8;

const ZERO: c64 = c64 { re: 0.0, im: 0.0 };

/// Exact propagation under a time-independent Hermitian H by its eigen-decomposition
/// H = V Λ V†: ψ(t) = V e^{−iΛt} V† ψ₀. Costs one dense decomposition (O(n³)), then
/// O(n²) per state.
#[derive(Debug, Clone)]
pub struct EigenPropagator {
    values: Vec<f64>,
    vectors: Mat<c64>,
}

impl EigenPropagator {
    /// Decomposes a sparse Hermitian H (checked: square, finite, Hermitian within
    /// [`HERMITICITY_TOL`] relative to its largest entry; errors name `h`).
    pub fn new(h: &CsrMatrix) -> Result<Self> {
        check_operator(h, "h")?;
        Self::decompose(h.to_dense().as_ref())
    }

    /// Decomposes a dense Hermitian H (checked as in [`EigenPropagator::new`]).
    pub fn from_dense(h: MatRef<'_, c64>) -> Result<Self> {
        if h.nrows() != h.ncols() {
            return Err(Error::DimensionMismatch {
                context: "h of the eigen-propagator (must be square: columns vs rows)".into(),
                expected: h.nrows(),
                found: h.ncols(),
            });
        }
        let n = h.nrows();
        let mut scale: f64 = 1.0;
        let mut err: f64 = 0.0;
        for j in 0..n {
            for i in 0..n {
                let z = h[(i, j)];
                if !(z.re.is_finite() && z.im.is_finite()) {
                    return Err(Error::NonFinite {
                        context: "h of the eigen-propagator".into(),
                    });
                }
                scale = scale.max(z.norm());
                err = err.max((z - h[(j, i)].conj()).norm());
            }
        }
        if err > HERMITICITY_TOL * scale {
            return Err(Error::invalid(
                "h",
                format!("an operator with |A − A†| = {err:.3e}"),
                format!("Hermitian (|A − A†| ≤ {HERMITICITY_TOL:.0e} · max(1, max |A_ij|))"),
            ));
        }
        Self::decompose(h)
    }

    fn decompose(h: MatRef<'_, c64>) -> Result<Self> {
        let eig = h
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| Error::LinearAlgebra {
                context: "eigen-decomposition of H".into(),
                detail: format!("{e:?}"),
            })?;
        let s = eig.S().column_vector();
        let values = (0..s.nrows()).map(|k| s[k].re).collect();
        Ok(EigenPropagator {
            values,
            vectors: eig.U().to_owned(),
        })
    }

    /// The Hilbert-space dimension.
    pub fn dim(&self) -> usize {
        self.values.len()
    }

    /// Eigenvalues of H, ascending.
    pub fn eigenvalues(&self) -> &[f64] {
        &self.values
    }

    /// Orthonormal eigenvectors of H (columns, in the order of the eigenvalues).
    pub fn eigenvectors(&self) -> MatRef<'_, c64> {
        self.vectors.as_ref()
    }

    /// ψ(t) = e^{−iHt} ψ₀ (ψ₀ checked: dimension, finite, unit norm within
    /// [`INITIAL_STATE_TOL`]); t may be any finite time, negative included.
    pub fn state_at(&self, psi0: &[c64], t: f64) -> Result<Vec<c64>> {
        check_ket(psi0, self.dim())?;
        if !t.is_finite() {
            return Err(Error::invalid("t", t, "finite"));
        }
        Ok(self.propagate_coefficients(&self.coefficients(psi0), t))
    }

    /// `ψ(times[i]) = exp(−iH (times[i] − times[0])) ψ₀` for every requested time (`times`
    /// non-empty, finite, non-decreasing).
    pub fn evolve(&self, psi0: &[c64], times: &[f64]) -> Result<Vec<Vec<c64>>> {
        check_ket(psi0, self.dim())?;
        ode::validate_times(times)?;
        let c = self.coefficients(psi0);
        Ok(times
            .iter()
            .map(|&t| self.propagate_coefficients(&c, t - times[0]))
            .collect())
    }

    /// V† ψ: the coefficients of ψ on the eigenvectors.
    pub(crate) fn coefficients(&self, psi: &[c64]) -> Vec<c64> {
        let v = &self.vectors;
        (0..self.dim())
            .map(|k| (0..self.dim()).map(|i| v[(i, k)].conj() * psi[i]).sum())
            .collect()
    }

    /// V e^{−iΛt} c.
    fn propagate_coefficients(&self, c: &[c64], t: f64) -> Vec<c64> {
        let n = self.dim();
        let mut psi = vec![ZERO; n];
        for (k, (&lambda, &ck)) in self.values.iter().zip(c).enumerate() {
            let a = c64::from_polar(1.0, -lambda * t) * ck;
            let vk = self.vectors.col(k);
            for (i, p) in psi.iter_mut().enumerate() {
                *p += vk[i] * a;
            }
        }
        psi
    }
}

/// Kets at the requested times from [`evolve_adaptive`], with the solver's report.
#[derive(Debug, Clone)]
pub struct KetEvolution {
    /// The requested times.
    pub times: Vec<f64>,
    /// ψ(t) at each requested time.
    pub states: Vec<Vec<c64>>,
    /// What the integrator did.
    pub stats: SolverStats,
}

/// Integrates i dψ/dt = H(t) ψ by adaptive Dormand–Prince 5(4) for any [`Hamiltonian`]
/// (continuous controls included), landing on its breakpoints. ψ₀ is the state at
/// `times[0]` (checked: dimension, finite, unit norm within [`INITIAL_STATE_TOL`]).
///
/// The norm is conserved only to the integration tolerance (the method is not
/// unitary); prefer [`EigenPropagator`] or [`evolve_piecewise`] where they apply.
pub fn evolve_adaptive(
    h: &Hamiltonian,
    psi0: &[c64],
    times: &[f64],
    opts: &OdeOptions,
) -> Result<KetEvolution> {
    h.validate()?;
    let n = h.dim();
    check_ket(psi0, n)?;
    let mut terms: Vec<&CsrMatrix> = vec![&h.h0];
    terms.extend(h.drives.iter().map(|(_, op)| op));
    let sum = OperatorSum::new(n, &terms);
    let minus_i = |z: c64| c64::new(z.im, -z.re);
    let mut coefs = vec![c64::new(1.0, 0.0); terms.len()];
    let mut values = vec![ZERO; sum.nnz()];
    sum.fill(&coefs, &mut values, minus_i);
    let constant = h.is_constant();
    if constant {
        for (c, (f, _)) in coefs[1..].iter_mut().zip(&h.drives) {
            *c = c64::new(f.value(0.0), 0.0);
        }
        sum.fill(&coefs, &mut values, minus_i);
    }
    let psi0 = Mat::<c64>::from_fn(n, 1, |i, _| psi0[i]);
    let mut states = Vec::with_capacity(times.len());
    let stats = ode::integrate(
        |t, psi, mut dpsi| {
            if !constant {
                for (c, (f, _)) in coefs[1..].iter_mut().zip(&h.drives) {
                    *c = c64::new(f.value(t), 0.0);
                }
                sum.fill(&coefs, &mut values, minus_i);
            }
            let x = psi
                .col(0)
                .try_as_col_major()
                .expect("owned column")
                .as_slice();
            let y = dpsi
                .rb_mut()
                .col_mut(0)
                .try_as_col_major_mut()
                .expect("owned column")
                .as_slice_mut();
            sum.mul_vec(&values, x, y);
        },
        psi0.as_ref(),
        times,
        &h.breakpoints(),
        opts,
        |_, _, psi| {
            states.push((0..n).map(|i| psi[(i, 0)]).collect());
            Ok(())
        },
    )?;
    Ok(KetEvolution {
        times: times.to_vec(),
        states,
        stats,
    })
}

/// Integrates i dψ/dt = H(t) ψ for a piecewise-constant [`Hamiltonian`] (only
/// [`Control::Constant`](super::hamiltonian::Control::Constant) and [`Control::Piecewise`](super::hamiltonian::Control::Piecewise) controls) by Krylov propagation
/// exp(−iHΔt)ψ (Lanczos, [`expmv_hermitian`]) between consecutive event times (requested
/// times and breakpoints), never forming a dense matrix. ψ₀ is the state at `times[0]`
/// (checked: dimension, finite, unit norm within [`INITIAL_STATE_TOL`]); `times` must be
/// non-empty, finite and non-decreasing. Each Krylov step meets `opts.tol` relative to ‖ψ‖.
pub fn evolve_piecewise(
    h: &Hamiltonian,
    psi0: &[c64],
    times: &[f64],
    opts: &KrylovOptions,
) -> Result<Vec<Vec<c64>>> {
    h.validate()?;
    if !h.is_piecewise_constant() {
        return Err(Error::invalid(
            "h",
            "a Hamiltonian with a continuous control (Control::Function)",
            "piecewise constant (Constant or Piecewise controls); use evolve_adaptive",
        ));
    }
    let n = h.dim();
    check_ket(psi0, n)?;
    ode::validate_times(times)?;
    let mut terms: Vec<&CsrMatrix> = vec![&h.h0];
    terms.extend(h.drives.iter().map(|(_, op)| op));
    let sum = OperatorSum::new(n, &terms);
    let mut coefs = vec![c64::new(1.0, 0.0); terms.len()];
    let mut values = vec![ZERO; sum.nnz()];
    let t_last = times[times.len() - 1];
    let mut breaks = h
        .breakpoints()
        .into_iter()
        .filter(|&b| b > times[0] && b < t_last)
        .peekable();

    let mut psi = psi0.to_vec();
    let mut t = times[0];
    let mut states = Vec::with_capacity(times.len());
    for &target in times {
        // Cross every breakpoint before the target, then reach the target.
        loop {
            let next = match breaks.peek() {
                Some(&b) if b < target => b,
                _ => target,
            };
            if next > t {
                let mid = 0.5 * (t + next);
                for (c, (f, _)) in coefs[1..].iter_mut().zip(&h.drives) {
                    *c = c64::new(f.value(mid), 0.0);
                }
                sum.fill(&coefs, &mut values, |z| z);
                psi = expmv_hermitian(|x, y| sum.mul_vec(&values, x, y), &psi, next - t, opts)?.0;
                t = next;
            }
            if next == target {
                break;
            }
            breaks.next();
        }
        states.push(psi.clone());
    }
    Ok(states)
}

/// Checks a ket: length `n`, finite, unit norm within [`INITIAL_STATE_TOL`] (errors name `psi0`).
fn check_ket(psi0: &[c64], n: usize) -> Result<()> {
    if psi0.len() != n {
        return Err(Error::DimensionMismatch {
            context: "psi0 (Hamiltonian dimension)".into(),
            expected: n,
            found: psi0.len(),
        });
    }
    if !psi0.iter().all(|z| z.re.is_finite() && z.im.is_finite()) {
        return Err(Error::NonFinite {
            context: "psi0".into(),
        });
    }
    let norm = psi0.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
    if (norm - 1.0).abs() > INITIAL_STATE_TOL {
        return Err(Error::invalid(
            "psi0",
            format!("a ket of norm {norm:.12}"),
            format!("norm 1 within {INITIAL_STATE_TOL:.0e}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::hamiltonian::test_support::*;
    use super::super::hamiltonian::Control;
    use super::*;

    /// Resonant Jaynes–Cummings model (RWA), cavity ⊗ qubit with the qubit basis (|g⟩, |e⟩):
    /// returns (H₀ = ω a†a + (ω/2)σz, V = a σ⁺ + a† σ⁻).
    fn jaynes_cummings(levels: usize, omega: f64) -> (CsrMatrix, CsrMatrix) {
        let a = destroy(levels).kron(&CsrMatrix::identity(2));
        let sm = CsrMatrix::identity(levels).kron(&sigma_minus());
        let [_, _, sz] = paulis();
        let h0 = a
            .adjoint()
            .matmul(&a)
            .unwrap()
            .scale(c(omega, 0.0))
            .add_scaled(&CsrMatrix::identity(levels).kron(&sz), c(omega / 2.0, 0.0))
            .unwrap();
        let v = a.matmul(&sm.adjoint()).unwrap();
        (h0, v.add_scaled(&v.adjoint(), c(1.0, 0.0)).unwrap())
    }

    /// |n, g⟩ and the excited-state population of a ket.
    fn fock_g(levels: usize, n: usize) -> Vec<c64> {
        let mut psi = vec![ZERO; 2 * levels];
        psi[2 * n] = c(1.0, 0.0);
        psi
    }

    fn excited(psi: &[c64]) -> f64 {
        psi.iter().skip(1).step_by(2).map(|z| z.norm_sqr()).sum()
    }

    fn norm(psi: &[c64]) -> f64 {
        psi.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt()
    }

    #[test]
    fn jaynes_cummings_rabi_oscillation() {
        // From |n, g⟩: P_e(t) = sin²(g √n t).
        let (levels, n, g, omega) = (8, 3, 0.5, 1.0);
        let (h0, v) = jaynes_cummings(levels, omega);
        let psi0 = fock_g(levels, n);
        let times: Vec<f64> = (0..=60).map(|k| 0.1 * k as f64).collect();
        let exact = |t: f64| (g * (n as f64).sqrt() * t).sin().powi(2);

        let prop = EigenPropagator::new(&h0.add_scaled(&v, c(g, 0.0)).unwrap()).unwrap();
        let eig = prop.evolve(&psi0, &times).unwrap();
        // Continuous control (constant in value, but taken through the time-dependent path).
        let ham = Hamiltonian::new(h0, vec![(Control::function(move |_| g), v)]).unwrap();
        let ada = evolve_adaptive(
            &ham,
            &psi0,
            &times,
            &OdeOptions::with_tolerances(1e-10, 1e-12),
        )
        .unwrap();
        assert!(ada.stats.steps > 0);
        // The same coupling as a piecewise control with (trivial) edges inside the run.
        let pieces = Control::piecewise(vec![0.0, 1.05, 2.0, 6.0], vec![g, g, g]).unwrap();
        let ham_pw =
            Hamiltonian::new(ham.h0.clone(), vec![(pieces, ham.drives[0].1.clone())]).unwrap();
        let kry = evolve_piecewise(&ham_pw, &psi0, &times, &KrylovOptions::default()).unwrap();
        for (k, &t) in times.iter().enumerate() {
            assert!(
                (excited(&eig[k]) - exact(t)).abs() < 1e-12,
                "eigen, t = {t}"
            );
            assert!((norm(&eig[k]) - 1.0).abs() < 1e-12, "eigen norm, t = {t}");
            assert!(
                (excited(&ada.states[k]) - exact(t)).abs() < 1e-8,
                "adaptive, t = {t}"
            );
            assert!(
                (norm(&ada.states[k]) - 1.0).abs() < 1e-8,
                "adaptive norm, t = {t}"
            );
            assert!(
                (excited(&kry[k]) - exact(t)).abs() < 1e-10,
                "Krylov, t = {t}"
            );
            assert!((norm(&kry[k]) - 1.0).abs() < 1e-10, "Krylov norm, t = {t}");
        }
    }

    #[test]
    fn eigen_propagation_composes_and_inverts() {
        let h = random_hermitian(12, 4, 21);
        let prop = EigenPropagator::new(&h).unwrap();
        let dense = EigenPropagator::from_dense(h.to_dense().as_ref()).unwrap();
        let psi = random_ket(12, 22);
        let a = prop
            .state_at(&prop.state_at(&psi, 0.8).unwrap(), 1.7)
            .unwrap();
        let b = dense.state_at(&psi, 2.5).unwrap();
        let back = prop.state_at(&b, -2.5).unwrap();
        for i in 0..12 {
            assert!((a[i] - b[i]).norm() < 1e-12);
            assert!((back[i] - psi[i]).norm() < 1e-12);
        }
        // H v_k = λ_k v_k with ascending λ.
        let (v, lam) = (prop.eigenvectors(), prop.eigenvalues());
        assert!(lam.windows(2).all(|w| w[0] <= w[1]));
        let hd = h.to_dense();
        let r = &hd * v
            - v * faer::Mat::from_fn(12, 12, |i, j| if i == j { c(lam[i], 0.0) } else { ZERO });
        assert!(max_diff(r.as_ref(), Mat::<c64>::zeros(12, 12).as_ref()) < 1e-12);
        // evolve: ψ₀ is the state at times[0].
        let ev = prop.evolve(&psi, &[1.0, 3.5]).unwrap();
        assert!(
            (0..12).all(|i| (ev[0][i] - psi[i]).norm() < 1e-14 && (ev[1][i] - b[i]).norm() < 1e-12)
        );
    }

    #[test]
    fn piecewise_krylov_matches_eigen_per_piece() {
        let n = 40;
        let h0 = random_hermitian(n, 6, 31);
        let h1 = random_hermitian(n, 4, 32);
        let edges = vec![0.5, 1.2, 1.3, 3.0];
        let values = vec![2.0, -1.0, 0.7];
        let ham = Hamiltonian::new(
            h0.clone(),
            vec![(
                Control::piecewise(edges.clone(), values.clone()).unwrap(),
                h1.clone(),
            )],
        )
        .unwrap();
        let psi0 = random_ket(n, 33);
        // Requested times before, on and between the edges, with a repeat.
        let times = [0.0, 0.5, 0.9, 1.25, 1.3, 1.3, 2.2, 3.0, 4.0];
        let got = evolve_piecewise(&ham, &psi0, &times, &KrylovOptions::default()).unwrap();
        // Reference: exact eigen-propagation piece by piece; the control holds values[0]
        // before the first edge and the last value after the last one.
        let prop = |v: f64| EigenPropagator::new(&h0.add_scaled(&h1, c(v, 0.0)).unwrap()).unwrap();
        let props: Vec<_> = values.iter().map(|&v| prop(v)).collect();
        let switch = [edges[1], edges[2]];
        let exact_at = |t: f64| {
            let (mut psi, mut t0) = (psi0.clone(), 0.0);
            for (k, p) in props.iter().enumerate() {
                let end = if k < switch.len() {
                    switch[k]
                } else {
                    f64::INFINITY
                };
                if t.min(end) > t0 {
                    psi = p.state_at(&psi, t.min(end) - t0).unwrap();
                }
                t0 = end;
                if t <= end {
                    break;
                }
            }
            psi
        };
        for (k, &t) in times.iter().enumerate() {
            let e = exact_at(t);
            let err = (0..n)
                .map(|i| (got[k][i] - e[i]).norm())
                .fold(0.0, f64::max);
            assert!(err < 1e-10, "t = {t}: error {err}");
        }
        // A continuous control is refused.
        let cont = Hamiltonian::new(h0, vec![(Control::function(|t| t), h1)]).unwrap();
        let e = evolve_piecewise(&cont, &psi0, &[0.0, 1.0], &KrylovOptions::default()).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { ref name, .. } if name == "h"),
            "{e:?}"
        );
    }

    #[test]
    fn invalid_input_is_named() {
        let h = random_hermitian(4, 2, 1);
        let prop = EigenPropagator::new(&h).unwrap();
        let name = |e: Error| match e {
            Error::InvalidParameter { name, .. } => name,
            e => panic!("{e:?}"),
        };
        let unnormalised = vec![c(1.0, 0.0), c(0.1, 0.0), ZERO, ZERO];
        assert_eq!(name(prop.state_at(&unnormalised, 1.0).unwrap_err()), "psi0");
        assert!(matches!(
            prop.evolve(&[c(1.0, 0.0)], &[0.0]).unwrap_err(),
            Error::DimensionMismatch { .. }
        ));
        assert_eq!(
            name(prop.state_at(&random_ket(4, 1), f64::NAN).unwrap_err()),
            "t"
        );
        let not_herm = CsrMatrix::from_triplets(2, 2, &[(0, 1, c(1.0, 0.0))]).unwrap();
        assert_eq!(name(EigenPropagator::new(&not_herm).unwrap_err()), "h");
        assert_eq!(
            name(EigenPropagator::from_dense(not_herm.to_dense().as_ref()).unwrap_err()),
            "h"
        );
        let ham = Hamiltonian::constant(h).unwrap();
        let e =
            evolve_adaptive(&ham, &unnormalised, &[0.0, 1.0], &OdeOptions::default()).unwrap_err();
        assert_eq!(name(e), "psi0");
    }
}
