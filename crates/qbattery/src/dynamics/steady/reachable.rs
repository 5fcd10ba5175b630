//! The subspace an open evolution reaches from its initial state: a strong-symmetry
//! reduction that needs no symmetry to be named.
//!
//! Let V be the smallest subspace that contains the range of ρ₀ and is invariant under H
//! and every L_k and L_k† (the orbit of ran ρ₀ under the *-algebra they generate). The
//! generator maps operators supported on V (ρ = PρP, P the projector on V) to operators
//! supported on V: K = H − (i/2)Σ L_k†L_k and every L_k map V into V. So ρ(t) = e^{𝓛t}ρ₀
//! stays on V for all t, and, with an isometry W onto V, the evolution is exactly that of
//! the compressed generator H_V = W†HW, L_V = W†L_kW (LW = W·W†LW by invariance, so
//! W†L†LW = L_V†L_V). The steady state reached from ρ₀ is W ρ_V W† with ρ_V the one of
//! the compressed generator.
//!
//! P commutes with H and every L_k (V and V⊥ are invariant under a *-algebra): V lies in
//! one eigenspace of every strong symmetry on whose eigenspace ρ₀ lives. For paper 000's
//! cavity chain (000_e3df25f406468476.txt), whose spin-j ≥ 1 reflection sector holds
//! two steady states (a further conserved spin operator, `scripts/chain_commutant.py`),
//! V is the part of the sector the initial state |G⟩_B ⊗ |N⟩ reaches: for spin 1 the
//! spins' 15 of 18 reflection-symmetric states, for spin 3/2 28 of 40, times every Fock
//! level; its steady state is unique.
//!
//! V is found without growing a Krylov basis (whose new directions, reached through
//! small singular values, amplify round-off until V fills the space): P commutes with
//! every Hermitian X = Σ_k r_k X_k built from H, L_k + L_k† and i(L_k − L_k†), so for a
//! random such X with a simple spectrum V is spanned by eigenvectors of X. In X's
//! eigenbasis V is a set of coordinates: those connected, through the nonzero entries of
//! U†GU for the generators G, to the coordinates where ρ₀ has weight. The decisions are
//! made on entries of size O(1) against round-off O(dε), and the result is checked: the
//! defect ‖(1 − P)GP‖ of the final basis must be round-off, else no reduction is made.
//!
//! The basis of V is then split along the coordinates where V allows it (the connected
//! components of the pattern of P): for the chain one component per Fock level and spin
//! parity, so the compressed operators keep the sparsity of the cavity's ladder
//! operators, and each basis vector keeps the weak-symmetry label of its component.

use faer::Mat;

use super::random_block;
use crate::components::UnionFind;
use crate::{c64, CsrMatrix, MatRef, Result};

/// Largest dimension for which the reachable subspace is looked for: it costs one dense
/// eigendecomposition and two d×d products per generator (a second at d ≈ 1000), and a
/// steady state of a larger space (d² > 2·10⁶ unknowns) is out of reach of the direct
/// solver anyway.
pub const REACHABLE_MAX_DIM: usize = 1500;

/// Relative size (to the generator's norm) above which an entry of U†GU connects two
/// eigenvectors of X, and a weight of ρ₀ on an eigenvector counts.
const CONNECTION_TOL: f64 = 1e-8;

/// |P_ij| above which two coordinates are in one component of V.
const COMPONENT_TOL: f64 = 1e-9;

/// Largest relative invariance defect ‖(1 − P)GP‖_max/‖G‖ of an accepted basis.
const DEFECT_TOL: f64 = 1e-10;

/// A reduction is used only when V is at most this fraction of the space: a smaller gain
/// does not pay for the denser compressed operators.
const MAX_FRACTION: f64 = 0.9;

/// An isometry W (d×r, sparse: each column on one component) onto the reachable subspace,
/// with the weak-symmetry label of each column.
#[derive(Debug, Clone)]
pub(super) struct ReachableBasis {
    /// The columns of W, d×r.
    pub w: CsrMatrix,
    /// The label of each column (that of its component's coordinates).
    pub labels: Vec<i64>,
}

impl ReachableBasis {
    /// The reachable subspace of ρ₀ under H and the jumps, when it is a proper subspace
    /// (at most [`MAX_FRACTION`] of the space) with a coordinate split whose components
    /// each carry one label and whose invariance is verified; `None` otherwise (no
    /// reduction: solve on the whole space).
    pub(super) fn find(
        h: &CsrMatrix,
        jumps: &[CsrMatrix],
        labels: &[i64],
        rho0: MatRef<'_, c64>,
    ) -> Result<Option<Self>> {
        let d = h.nrows();
        if d > REACHABLE_MAX_DIM {
            return Ok(None);
        }
        let generators = generators(h, jumps);
        let Some(q) = invariant_span(&generators, rho0)? else {
            return Ok(None);
        };
        if q.ncols() as f64 > MAX_FRACTION * d as f64 {
            return Ok(None);
        }
        let Some(basis) = split(q.as_ref(), labels) else {
            return Ok(None);
        };
        Ok((basis.defect(&generators) <= DEFECT_TOL).then_some(basis))
    }

    /// The dimension r of the reachable subspace.
    pub(super) fn dim(&self) -> usize {
        self.w.ncols()
    }

    /// W†AW, with entries below 10⁻¹⁴ of the largest dropped (round-off between
    /// components that A does not connect).
    pub(super) fn compress(&self, a: &CsrMatrix) -> Result<CsrMatrix> {
        let m = self.w.adjoint().matmul(&a.matmul(&self.w)?)?;
        let scale = m.iter().map(|(_, _, v)| v.norm()).fold(0.0, f64::max);
        let kept: Vec<_> = m
            .iter()
            .filter(|(_, _, v)| v.norm() > 1e-14 * scale)
            .collect();
        Ok(CsrMatrix::from_triplets(m.nrows(), m.ncols(), &kept)?)
    }

    /// W†ρW.
    pub(super) fn restrict(&self, rho: MatRef<'_, c64>) -> Mat<c64> {
        let w = self.w.to_dense();
        w.adjoint() * rho * &w
    }

    /// WρW†.
    pub(super) fn lift(&self, rho: MatRef<'_, c64>) -> Mat<c64> {
        let w = self.w.to_dense();
        &w * rho * w.adjoint()
    }

    /// max over the (unit-norm) generators of max|(1 − WW†)GW|.
    fn defect(&self, generators: &[CsrMatrix]) -> f64 {
        let w = self.w.to_dense();
        generators
            .iter()
            .map(|g| {
                let mut gw = Mat::<c64>::zeros(w.nrows(), w.ncols());
                g.mul_dense(
                    w.as_ref(),
                    gw.as_mut(),
                    c64::new(1.0, 0.0),
                    faer::Accum::Replace,
                );
                let rest = &gw - &w * (w.adjoint() * &gw);
                rest.norm_max()
            })
            .fold(0.0, f64::max)
    }
}

/// H, every L_k and every L_k†, each scaled to unit row-sum norm (the zero ones dropped).
fn generators(h: &CsrMatrix, jumps: &[CsrMatrix]) -> Vec<CsrMatrix> {
    std::iter::once(h.clone())
        .chain(jumps.iter().flat_map(|l| [l.clone(), l.adjoint()]))
        .filter_map(|g| {
            let scale = row_sum_norm(&g);
            (scale > 0.0).then(|| g.scale(c64::new(1.0 / scale, 0.0)))
        })
        .collect()
}

/// An orthonormal basis (columns) of the smallest subspace containing ran ρ₀ and invariant
/// under the generators, from the eigenvectors of a random Hermitian combination X of them
/// (see the module documentation); `None` if X's eigendecomposition fails.
fn invariant_span(generators: &[CsrMatrix], rho0: MatRef<'_, c64>) -> Result<Option<Mat<c64>>> {
    let d = rho0.nrows();
    let weights = random_block(1, generators.len(), 0x5eed);
    let mut x = Mat::<c64>::zeros(d, d);
    for (k, g) in generators.iter().enumerate() {
        // (G + G†)/2 and (G − G†)/2i with independent weights: both Hermitian parts.
        let (a, b) = (1.0 + weights[(0, k)].re, 1.0 + weights[(0, k)].im);
        for (i, j, v) in g.iter() {
            let herm = c64::new(0.5 * a, 0.0) * v + c64::new(0.0, 0.5 * b) * v;
            x[(i, j)] += herm;
            x[(j, i)] += herm.conj();
        }
    }
    let Ok(eig) = x.self_adjoint_eigen(faer::Side::Lower) else {
        return Ok(None);
    };
    let u = eig.U();
    // Coordinates (eigenvectors) with weight in ρ₀.
    let rho_t = u.adjoint() * rho0 * u;
    let top = (0..d).map(|i| rho_t[(i, i)].re).fold(0.0, f64::max);
    let mut reached: Vec<bool> = (0..d)
        .map(|i| rho_t[(i, i)].re > CONNECTION_TOL * top)
        .collect();
    // Connections through any generator, grown until closed.
    let mut connected = vec![Vec::new(); d];
    for g in generators {
        let mut gu = Mat::<c64>::zeros(d, d);
        g.mul_dense(u, gu.as_mut(), c64::new(1.0, 0.0), faer::Accum::Replace);
        let gt = u.adjoint() * &gu;
        for j in 0..d {
            for i in 0..d {
                if i != j && gt[(i, j)].norm() > CONNECTION_TOL {
                    connected[j].push(i);
                }
            }
        }
    }
    let mut stack: Vec<usize> = (0..d).filter(|&i| reached[i]).collect();
    while let Some(j) = stack.pop() {
        for &i in &connected[j] {
            if !reached[i] {
                reached[i] = true;
                stack.push(i);
            }
        }
    }
    let kept: Vec<usize> = (0..d).filter(|&i| reached[i]).collect();
    Ok(Some(Mat::from_fn(d, kept.len(), |i, k| u[(i, kept[k])])))
}

/// The orthonormal basis q split along the connected components of the pattern of
/// P = qq†: an exact split (each component's block of P a projector) whose components
/// each carry one label, or `None`.
fn split(q: MatRef<'_, c64>, labels: &[i64]) -> Option<ReachableBasis> {
    let d = q.nrows();
    let p = q * q.adjoint();
    let mut forest = UnionFind::new(d);
    for j in 0..d {
        for i in 0..j {
            if p[(i, j)].norm() > COMPONENT_TOL {
                forest.join(i, j);
            }
        }
    }
    let components = forest.groups((0..d).filter(|&i| p[(i, i)].re > COMPONENT_TOL));
    let mut columns: Vec<(i64, Vec<(usize, c64)>)> = Vec::new();
    for coords in &components {
        let label = labels[coords[0]];
        if coords.iter().any(|&i| labels[i] != label) {
            return None;
        }
        let rows = Mat::<c64>::from_fn(coords.len(), q.ncols(), |a, k| q[(coords[a], k)]);
        let svd = rows.thin_svd().ok()?;
        let s = svd.S().column_vector();
        for k in 0..s.nrows() {
            let sk = s[k].re;
            if sk > 0.5 {
                if (1.0 - sk).abs() > 1e-6 {
                    return None;
                }
                let col = coords
                    .iter()
                    .enumerate()
                    .map(|(a, &i)| (i, svd.U()[(a, k)]))
                    .collect();
                columns.push((label, col));
            } else if sk > 1e-6 {
                return None;
            }
        }
    }
    if columns.len() != q.ncols() {
        return None;
    }
    // Grouped by label (stable: components stay in coordinate order within a label).
    columns.sort_by_key(|(label, _)| *label);
    let triplets: Vec<(usize, usize, c64)> = columns
        .iter()
        .enumerate()
        .flat_map(|(k, (_, col))| col.iter().map(move |&(i, v)| (i, k, v)))
        .collect();
    let w = CsrMatrix::from_triplets(d, columns.len(), &triplets).ok()?;
    Some(ReachableBasis {
        w,
        labels: columns.iter().map(|(label, _)| *label).collect(),
    })
}

/// max_i Σ_j |A_ij|, a bound on ‖A‖₂ for a Hermitian A and a scale for any.
fn row_sum_norm(a: &CsrMatrix) -> f64 {
    (0..a.nrows())
        .map(|i| a.row(i).map(|(_, v)| v.norm()).sum::<f64>())
        .fold(0.0, f64::max)
}
