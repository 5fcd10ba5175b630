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

    /// ψ(times[i]) = e^{−iH(times[i] − times[0])} ψ₀ for every requested time (`times`
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

    /// V† ψ.
    fn coefficients(&self, psi: &[c64]) -> Vec<c64> {
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
