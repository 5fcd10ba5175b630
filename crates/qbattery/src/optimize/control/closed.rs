//! GRAPE for a closed system: piecewise-constant g_k on K equal steps, the exact
//! propagator of each step from the eigen-decomposition of H₀ + g_k V, and the exact
//! gradient of the objective by the adjoint (backward) sweep with the Daleckii–Krein
//! derivative of each step's propagator.
//!
//! With U_k = exp(−i(H₀ + g_k V)δt), ψ_k = U_k ψ_{k−1} and an objective
//! J = Σ_k ⟨ψ_k|M_k|ψ_k⟩ (M_k Hermitian: the stored-energy, power and top-level terms of
//! [`super::Weights`]), the adjoint state λ_K = M_K ψ_K, λ_{k−1} = U_k† λ_k + M_{k−1}ψ_{k−1}
//! gives ∂J/∂g_k = 2 Re ⟨λ_k| ∂U_k/∂g_k |ψ_{k−1}⟩, and with H = W diag(ε) W†
//!
//! ```text
//! ∂U/∂g = W (V' ∘ Γ) W†,   V' = W† V W,
//! Γ_mn = (e^{−iε_m δt} − e^{−iε_n δt}) / (ε_m − ε_n)  (m ≠ n),   −iδt e^{−iε_m δt}  (m = n),
//! ```
//!
//! written as −iδt e^{−i(ε_m+ε_n)δt/2} sinc((ε_m − ε_n)δt/2), which is exact and stable for
//! near-degenerate pairs.

use faer::{Accum, Col, ColRef, Mat, Par};
use qbattery_linalg::eigh::{eigh, eigh_real, HermitianEigen};
use qbattery_linalg::{c64, sparse::CsrMatrix};
use rayon::prelude::*;

use super::{Evaluation, Protocol, Terms};
use crate::{Error, Result};

/// A closed controlled problem on one block: H(t) = H₀ + g(t) V, the initial ket and the
/// observables of the objective, all dense on the block.
#[derive(Debug, Clone)]
pub(super) struct ClosedControl {
    h0: Mat<c64>,
    v: Mat<c64>,
    /// H₀ and V when both are real (as the cavity chain's are in the product basis): the
    /// steps are then decomposed in real arithmetic.
    real: Option<(Mat<f64>, Mat<f64>)>,
    terms: Terms,
    psi0: Vec<c64>,
}

impl ClosedControl {
    pub(super) fn new(h0: &CsrMatrix, v: &CsrMatrix, terms: Terms, psi0: Vec<c64>) -> Self {
        let (h0, v) = (h0.to_dense(), v.to_dense());
        let is_real = |m: &Mat<c64>| m.col_iter().all(|c| c.iter().all(|z| z.im == 0.0));
        let real_part = |m: &Mat<c64>| Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)].re);
        Self {
            real: (is_real(&h0) && is_real(&v)).then(|| (real_part(&h0), real_part(&v))),
            h0,
            v,
            terms,
            psi0,
        }
    }

    /// The dimension of the block.
    pub(super) fn dim(&self) -> usize {
        self.psi0.len()
    }

    /// The initial ket.
    pub(super) fn initial(&self) -> &[c64] {
        &self.psi0
    }

    /// ψ ← exp(−i(H₀ + g V)δt) ψ, one step at the constant value `g`.
    pub(super) fn step(&self, psi: &[c64], g: f64, dt: f64) -> Result<Vec<c64>> {
        let eigen = match &self.real {
            Some((h0, v)) => eigh_real((h0 + faer::Scale(g) * v).as_ref()),
            None => eigh((&self.h0 + faer::Scale(c64::new(g, 0.0)) * &self.v).as_ref()),
        }
        .map_err(|e| Error::LinearAlgebra {
            context: "control step propagator".into(),
            detail: e.to_string(),
        })?;
        Ok(propagate(&eigen, psi, dt))
    }

    /// (⟨H_B⟩, top-level population) of the ket ψ.
    pub(super) fn observe(&self, psi: &[c64]) -> (f64, f64) {
        self.terms.observe_ket(psi)
    }

    /// J(g), the series of E(t_k) and top-level populations, and ∇J when `gradient`.
    ///
    /// The steps' eigen-decompositions and the gradient's terms are independent across
    /// steps and computed in parallel; only the propagation of ψ and λ is sequential.
    pub(super) fn evaluate(
        &self,
        protocol: &Protocol,
        g: &[f64],
        gradient: bool,
    ) -> Result<Evaluation> {
        let dt = protocol.step();
        // One decomposition per distinct value (an optimum often sits on the bounds).
        let mut distinct: Vec<f64> = g.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let decomposed = distinct
            .par_iter()
            .map(|&gk| {
                let eigen = match &self.real {
                    Some((h0, v)) => eigh_real((h0 + faer::Scale(gk) * v).as_ref()),
                    None => eigh((&self.h0 + faer::Scale(c64::new(gk, 0.0)) * &self.v).as_ref()),
                };
                eigen.map_err(|e| Error::LinearAlgebra {
                    context: "GRAPE step propagator".into(),
                    detail: e.to_string(),
                })
            })
            .collect::<Result<Vec<HermitianEigen>>>()?;
        let eigens: Vec<&HermitianEigen> = g
            .iter()
            .map(|gk| {
                let i = distinct.partition_point(|d| d.total_cmp(gk).is_lt());
                &decomposed[i]
            })
            .collect();
        // states[k] enters step k; states[K] = ψ(τ).
        let mut states = Vec::with_capacity(g.len() + 1);
        states.push(self.psi0.clone());
        for eigen in &eigens {
            let next = propagate(eigen, states.last().expect("ψ₀ is there"), dt);
            states.push(next);
        }
        let mut eval = self.terms.evaluate_kets(protocol, &states);
        if !gradient {
            return Ok(eval);
        }
        // lambdas[k]: the adjoint state leaving step k.
        let k_steps = g.len();
        let mut lambdas = vec![Vec::new(); k_steps];
        let mut lambda = self.terms.weight_ket(protocol, k_steps, &states[k_steps]);
        for k in (0..k_steps).rev() {
            let mut back = propagate_adjoint(eigens[k], &lambda, dt);
            if k > 0 {
                let source = self.terms.weight_ket(protocol, k, &states[k]);
                for (l, s) in back.iter_mut().zip(source) {
                    *l += s;
                }
            }
            lambdas[k] = std::mem::replace(&mut lambda, back);
        }
        let grad = (0..k_steps)
            .into_par_iter()
            .map(|k| {
                2.0 * self
                    .derivative_overlap(eigens[k], &lambdas[k], &states[k], dt)
                    .re
            })
            .collect();
        eval.gradient = Some(grad);
        Ok(eval)
    }

    /// ⟨λ| ∂U/∂g |ψ⟩ for the propagator of a step with eigen-decomposition `eigen`, ψ the
    /// state entering it.
    fn derivative_overlap(
        &self,
        eigen: &HermitianEigen,
        lambda: &[c64],
        psi: &[c64],
        dt: f64,
    ) -> c64 {
        let w = &eigen.vectors;
        let eps = &eigen.values;
        let n = eps.len();
        let a = adjoint_apply(w, lambda);
        let b = adjoint_apply(w, psi);
        // V' = W† V W.
        let mut vw = Mat::<c64>::zeros(n, n);
        faer::linalg::matmul::matmul(
            vw.as_mut(),
            Accum::Replace,
            self.v.as_ref(),
            w.as_ref(),
            c64::new(1.0, 0.0),
            Par::Seq,
        );
        let mut vp = Mat::<c64>::zeros(n, n);
        faer::linalg::matmul::matmul(
            vp.as_mut(),
            Accum::Replace,
            w.adjoint(),
            vw.as_ref(),
            c64::new(1.0, 0.0),
            Par::Seq,
        );
        let phases: Vec<c64> = eps.iter().map(|&e| c64::from_polar(1.0, -e * dt)).collect();
        let mut sum = c64::new(0.0, 0.0);
        for col in 0..n {
            let bn = b[col];
            for row in 0..n {
                let gamma =
                    divided_difference((eps[row], phases[row]), (eps[col], phases[col]), dt);
                sum += a[row].conj() * vp[(row, col)] * gamma * bn;
            }
        }
        sum
    }
}

/// (e^{−iaδt} − e^{−ibδt})/(a − b) from the phases p = e^{−iaδt}, q = e^{−ibδt}; for
/// |a − b|δt below 1e-4 (where the difference loses digits) the equal form
/// −iδt e^{−i(a+b)δt/2} sinc((a − b)δt/2), and −iδt p at a = b.
fn divided_difference((a, p): (f64, c64), (b, q): (f64, c64), dt: f64) -> c64 {
    let half = 0.5 * (a - b) * dt;
    if half.abs() > 5e-5 {
        return (p - q) / (a - b);
    }
    let sinc = 1.0 - half * half / 6.0;
    c64::new(0.0, -dt) * c64::from_polar(1.0, -0.5 * (a + b) * dt) * sinc
}

/// W† x.
fn adjoint_apply(w: &Mat<c64>, x: &[c64]) -> Vec<c64> {
    let x = ColRef::from_slice(x);
    let y: Col<c64> = w.adjoint() * x;
    y.iter().copied().collect()
}

/// W diag(e^{∓iεδt}) W† x (`sign` −1: U, +1: U†).
fn apply_exp(eigen: &HermitianEigen, x: &[c64], dt: f64, sign: f64) -> Vec<c64> {
    let w = &eigen.vectors;
    let c: Col<c64> = Col::from_fn(w.ncols(), |k| {
        c64::from_polar(1.0, sign * eigen.values[k] * dt)
    })
    .iter()
    .zip(adjoint_apply(w, x))
    .map(|(p, ck)| p * ck)
    .collect();
    let y: Col<c64> = w * &c;
    y.iter().copied().collect()
}

fn propagate(eigen: &HermitianEigen, x: &[c64], dt: f64) -> Vec<c64> {
    apply_exp(eigen, x, dt, -1.0)
}

fn propagate_adjoint(eigen: &HermitianEigen, x: &[c64], dt: f64) -> Vec<c64> {
    apply_exp(eigen, x, dt, 1.0)
}
