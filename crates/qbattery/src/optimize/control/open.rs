//! GRAPE for an open system: piecewise-constant g_k, each step's propagator e^{𝓛_k δt}
//! applied by Krylov (Arnoldi) to the density matrix, and the exact gradient by the
//! adjoint (dual, Heisenberg-picture) sweep.
//!
//! With 𝓛_k ρ = −i[H₀ + g_k V, ρ] + Σ_j (L_j ρ L_j† − ½{L_j†L_j, ρ}), ρ_{k+1} =
//! e^{𝓛_k δt} ρ_k and J = Σ_k Tr[M_k ρ_k] (the same terms as the closed case), the adjoint
//! Λ_K = M_K, Λ_k = e^{𝓛_k† δt} Λ_{k+1} + M_k gives ∂J/∂g_k = Tr[Λ_{k+1} σ_k], where
//! σ_k = ∂e^{𝓛_k δt}/∂g_k ρ_k is the upper block of the exponential of the augmented
//! generator
//!
//! ```text
//! exp(δt [[𝓛_k, 𝓥], [0, 𝓛_k]]) (0, ρ_k) = (σ_k, ρ_{k+1}),   𝓥ρ = −i[V, ρ]
//! ```
//!
//! (C. F. Van Loan, IEEE Trans. Autom. Control 23, 395 (1978)), propagated in the forward
//! sweep alongside ρ. 𝓛₀ and 𝓥 are sparse superoperators on the entries of ρ that a weak
//! symmetry keeps (its diagonal blocks, [`Layout`]); 𝓛† is the conjugate transpose
//! (the Hilbert–Schmidt adjoint). The gradient is exact up to the Krylov tolerance (1e-12
//! per substep).

use qbattery_linalg::krylov::{expmv_general, KrylovOptions};
use qbattery_linalg::{c64, sparse::CsrMatrix, Mat};

use super::{Evaluation, Protocol, Terms};
use crate::dynamics::steady::layout::Layout;
use crate::dynamics::steady::liouvillian;
use crate::{Error, Result};

/// An open controlled problem: the superoperators 𝓛₀ (H₀ and the jumps) and 𝓥 (the
/// controlled term) on the kept entries, their adjoints, ρ(0) and the objective's terms.
#[derive(Debug, Clone)]
pub(super) struct OpenControl {
    l0: CsrMatrix,
    lv: CsrMatrix,
    l0_adjoint: CsrMatrix,
    lv_adjoint: CsrMatrix,
    /// ρ(0) on the kept entries.
    rho0: Vec<c64>,
    /// H_B and the top-level projector on the kept entries (Tr[Aρ] = ⟨vec A, vec ρ⟩).
    energy: Vec<c64>,
    top: Option<Vec<c64>>,
    terms: Terms,
    dim: usize,
    krylov: KrylovOptions,
}

fn dot(a: &[c64], b: &[c64]) -> c64 {
    a.iter().zip(b).map(|(x, y)| x.conj() * y).sum()
}

fn kept(layout: &Layout, m: &Mat<c64>) -> Vec<c64> {
    layout.vec(m.as_ref()).iter().copied().collect()
}

impl OpenControl {
    pub(super) fn new(
        h0: &CsrMatrix,
        v: &CsrMatrix,
        jumps: &[CsrMatrix],
        labels: &[i64],
        terms: Terms,
        rho0: &Mat<c64>,
    ) -> Result<Self> {
        let layout = Layout::new(labels);
        let l0 = layout.restrict(liouvillian(h0, jumps)?);
        let lv = layout.restrict(liouvillian(v, &[])?);
        let energy = kept(&layout, &terms.energy.to_dense());
        let top = terms.top.as_ref().map(|t| kept(&layout, &t.to_dense()));
        Ok(Self {
            l0_adjoint: l0.adjoint(),
            lv_adjoint: lv.adjoint(),
            l0,
            lv,
            rho0: kept(&layout, rho0),
            energy,
            top,
            terms,
            dim: h0.nrows(),
            krylov: KrylovOptions::default(),
        })
    }

    pub(super) fn dim(&self) -> usize {
        self.dim
    }

    /// y = (A₀ + g A_v) x.
    fn apply(a0: &CsrMatrix, av: &CsrMatrix, g: f64, x: &[c64], y: &mut [c64]) {
        a0.mul_vec(x, y);
        if g != 0.0 {
            let mut t = vec![c64::new(0.0, 0.0); x.len()];
            av.mul_vec(x, &mut t);
            for (yi, ti) in y.iter_mut().zip(t) {
                *yi += ti * g;
            }
        }
    }

    fn expmv(
        &self,
        matvec: impl FnMut(&[c64], &mut [c64]),
        x: &[c64],
        dt: f64,
    ) -> Result<Vec<c64>> {
        let (y, _) = expmv_general(matvec, x, c64::new(dt, 0.0), &self.krylov).map_err(|e| {
            Error::LinearAlgebra {
                context: "open GRAPE step".into(),
                detail: e.to_string(),
            }
        })?;
        Ok(y)
    }

    /// ρ(0) on the kept entries.
    pub(super) fn initial(&self) -> &[c64] {
        &self.rho0
    }

    /// ρ ← e^{(𝓛₀ + g𝓥)δt} ρ, one step at the constant value `g`.
    pub(super) fn step(&self, rho: &[c64], g: f64, dt: f64) -> Result<Vec<c64>> {
        self.expmv(|x, y| Self::apply(&self.l0, &self.lv, g, x, y), rho, dt)
    }

    /// (⟨H_B⟩, top-level population) of ρ on the kept entries.
    pub(super) fn observe(&self, rho: &[c64]) -> (f64, f64) {
        let top = self.top.as_ref().map_or(0.0, |t| dot(t, rho).re);
        (dot(&self.energy, rho).re, top)
    }

    /// vec M_k = a vec H_B + b vec T.
    fn source(&self, protocol: &Protocol, k: usize) -> Vec<c64> {
        let (a, b) = self.terms.coefficients(protocol, k);
        let mut m: Vec<c64> = self.energy.iter().map(|e| e * a).collect();
        if let Some(t) = &self.top {
            for (mi, ti) in m.iter_mut().zip(t) {
                *mi += ti * b;
            }
        }
        m
    }

    pub(super) fn evaluate(
        &self,
        protocol: &Protocol,
        g: &[f64],
        gradient: bool,
    ) -> Result<Evaluation> {
        let n = self.rho0.len();
        let dt = protocol.step();
        let mut rho = self.rho0.clone();
        let mut observed = Vec::with_capacity(g.len() + 1);
        observed.push(self.observe(&rho));
        let mut sigmas = Vec::with_capacity(if gradient { g.len() } else { 0 });
        for &gk in g {
            if gradient {
                // [σ; ρ] ↦ [𝓛σ + 𝓥ρ; 𝓛ρ].
                let mut x = vec![c64::new(0.0, 0.0); 2 * n];
                x[n..].copy_from_slice(&rho);
                let y = self.expmv(
                    |x, y| {
                        let (sig, r) = x.split_at(n);
                        let (ys, yr) = y.split_at_mut(n);
                        Self::apply(&self.l0, &self.lv, gk, sig, ys);
                        let mut vr = vec![c64::new(0.0, 0.0); n];
                        self.lv.mul_vec(r, &mut vr);
                        for (a, b) in ys.iter_mut().zip(vr) {
                            *a += b;
                        }
                        Self::apply(&self.l0, &self.lv, gk, r, yr);
                    },
                    &x,
                    dt,
                )?;
                sigmas.push(y[..n].to_vec());
                rho = y[n..].to_vec();
            } else {
                rho = self.step(&rho, gk, dt)?;
            }
            observed.push(self.observe(&rho));
        }
        let mut eval = self.terms.summarize(protocol, &observed);
        if !gradient {
            return Ok(eval);
        }
        let k_steps = g.len();
        let mut grad = vec![0.0; k_steps];
        let mut lambda = self.source(protocol, k_steps);
        for k in (0..k_steps).rev() {
            grad[k] = dot(&lambda, &sigmas[k]).re;
            if k > 0 {
                let gk = g[k];
                let mut back = self.expmv(
                    |x, y| Self::apply(&self.l0_adjoint, &self.lv_adjoint, gk, x, y),
                    &lambda,
                    dt,
                )?;
                for (b, s) in back.iter_mut().zip(self.source(protocol, k)) {
                    *b += s;
                }
                lambda = back;
            }
        }
        eval.gradient = Some(grad);
        Ok(eval)
    }
}
