//! Structured collision kernel for a truncated mode meeting a qubit through an
//! excitation-conserving (ladder) unitary, at O(d²) per collision with ~8 real
//! multiply-adds per stored entry.
//!
//! The generic [`crate::dynamics::collision::CollisionMap`] stores the ancilla-resolved
//! blocks U_{ia} = ⟨i|_A U|a⟩_A as sparse matrices and applies Kraus operators K ρ K†. For
//! a unitary that conserves the excitation number n + σ⁺σ⁻ (Jaynes–Cummings type), every
//! block is a single diagonal (U_gg, U_ee) or a once-shifted diagonal (U_ge, U_eg):
//!
//! - ⟨n,g|U|n,g⟩ = a_n, ⟨n,e|U|n,e⟩ = b_n (real),
//! - ⟨n+1,g|U|n,e⟩ = ⟨n,e|U|n+1,g⟩ = −i s_n (s_n real),
//!
//! which for U = exp(−i θ (a σ⁺ + a† σ⁻)) gives a_n = cos(θ√n), b_n = cos(θ√(n+1)),
//! s_n = sin(θ√(n+1)). Ref: `001_03396fee62d82789.txt`, Eq. (4) (θ = g τ).
//!
//! # The real gauge
//!
//! For a qubit state ρ_q with a *real* coherence x = ⟨g|ρ_q|e⟩ (Eq. (2) of the paper, c
//! real), the map keeps ρ_{mn} = (−i)^{m−n} r_{mn} with r real symmetric: every phase
//! −i of a hop is absorbed by the diagonal similarity P = diag((−i)^n), which changes
//! neither populations, energy, purity nor the spectrum. In that gauge one collision is
//!
//! r'_{mn} = q (a_m a_n r_{mn} + s_m s_n r_{m+1,n+1})
//!         + (1−q) (b_m b_n r_{mn} + s_{m−1} s_{n−1} r_{m−1,n−1})
//!         + x (a_m s_{n−1} r_{m,n−1} + s_{m−1} a_n r_{m−1,n} − s_m b_n r_{m+1,n} − b_m s_n r_{m,n+1}),
//!
//! q = ⟨g|ρ_q|g⟩, with s_{−1} = 0. It is linear in (q, 1−q, x), so derivatives with
//! respect to the qubit state are exact: [`LadderCollision::apply_weighted`] applies the
//! three parts G (weight of q), E (weight of 1−q) and X (weight of x) with any weights.
//!
//! # Truncation edge
//!
//! The mode is truncated to levels 0..d−1 and the unitary is the exponential of the
//! *truncated* generator: |d−1, e⟩ has no partner |d, g⟩, so b_{d−1} = 1 and s_{d−1} = 0
//! (the top level with an excited qubit is left alone). The map stays exactly trace
//! preserving; population that would leave the space piles up in the top level, which
//! callers must watch (see `Warning::CutoffPopulation`).
//!
//! # Storage and band
//!
//! A [`GaugedState`] keeps the lower triangle of r and its band b (r_{mn} = 0 for
//! m − n > b). Coherences between distant levels decay fast (for the λ = 10 optimum of
//! Sec. III A at N_c = 150, |r_{mn}| < 1e-30 beyond m − n = 60 after 10⁵ collisions), so
//! entries below [`FLUSH_BELOW`] are flushed to 0 and the kernel only visits the band,
//! which grows by at most one diagonal per collision.

use crate::{c64, CsrMatrix, Error, Mat, Result};

/// Entries of magnitude below this are stored as 0. Far from the populated levels and
/// far from the diagonal the entries of r decay without bound; flushing them changes an
/// entry by less than 1e-14 of the rounding unit of a unit-trace state per collision,
/// keeps the arithmetic free of subnormal numbers (~100× slower on x86) and lets the
/// kernel skip the empty outer diagonals (see [`GaugedState::band`]).
pub const FLUSH_BELOW: f64 = 1e-30;

/// A real symmetric d×d matrix r in the real gauge ρ_{mn} = (−i)^{m−n} r_{mn} (module
/// documentation): a cavity state, or a derivative of one. Only the lower triangle is
/// stored (column-major d×d buffer, upper triangle unused); entries with m − n greater
/// than [`Self::band`] are 0.
#[derive(Debug, Clone, PartialEq)]
pub struct GaugedState {
    d: usize,
    data: Vec<f64>,
    band: usize,
}

impl GaugedState {
    /// The zero matrix on `levels` levels.
    pub fn zeros(levels: usize) -> Self {
        Self {
            d: levels,
            data: vec![0.0; levels * levels],
            band: 0,
        }
    }

    /// The Fock state |n⟩⟨n|. Fails if n ≥ `levels`.
    pub fn fock(levels: usize, n: usize) -> Result<Self> {
        if n >= levels {
            return Err(Error::invalid("fock", n, format!("< levels = {levels}")));
        }
        let mut s = Self::zeros(levels);
        s.data[n * levels + n] = 1.0;
        Ok(s)
    }

    /// The gauged form r_{mn} = i^{m−n} ρ_{mn} of a density matrix whose gauged form is
    /// real (e.g. a diagonal state). Fails, naming `rho`, if an imaginary part above `tol`
    /// remains or ρ is not Hermitian to `tol`.
    pub fn from_density(rho: faer::MatRef<'_, c64>, tol: f64) -> Result<Self> {
        let d = rho.nrows();
        let phase = [
            c64::new(1.0, 0.0),
            c64::new(0.0, 1.0),
            c64::new(-1.0, 0.0),
            c64::new(0.0, -1.0),
        ];
        Self::from_lower("rho", d, rho.ncols(), |m, n| {
            let v = phase[(m + 4 * d - n) % 4] * rho[(m, n)];
            if v.im.abs() > tol || (rho[(m, n)] - rho[(n, m)].conj()).norm() > tol {
                return Err(Error::invalid(
                    "rho",
                    format!("gauged entry ({m},{n}) = {v}"),
                    "Hermitian and real in the gauge ρ_mn = (−i)^(m−n) r_mn",
                ));
            }
            Ok(v.re)
        })
    }

    /// The gauged state of a real symmetric matrix r. Fails, naming `r`, if r is not
    /// square and non-empty, or not symmetric to `tol`.
    pub fn from_symmetric(r: faer::MatRef<'_, f64>, tol: f64) -> Result<Self> {
        Self::from_lower("r", r.nrows(), r.ncols(), |m, n| {
            let asym = r[(m, n)] - r[(n, m)];
            if asym.abs() > tol {
                return Err(Error::invalid(
                    "r",
                    format!("r[({m},{n})] − r[({n},{m})] = {asym}"),
                    format!("symmetric to {tol}"),
                ));
            }
            Ok(r[(m, n)])
        })
    }

    /// The state whose lower-triangle entry (m, n), m ≥ n, is `entry(m, n)`, from a
    /// `rows`×`cols` input named `name` (which must be square and non-empty).
    fn from_lower(
        name: &str,
        rows: usize,
        cols: usize,
        mut entry: impl FnMut(usize, usize) -> Result<f64>,
    ) -> Result<Self> {
        if rows == 0 || rows != cols {
            return Err(Error::invalid(
                name,
                format!("{rows}×{cols}"),
                "square and non-empty",
            ));
        }
        let d = rows;
        let mut s = Self::zeros(d);
        for n in 0..d {
            for m in n..d {
                s.data[n * d + m] = flush(entry(m, n)?);
            }
        }
        s.band = s.outer_band(d - 1);
        Ok(s)
    }

    /// The number of levels d.
    pub fn levels(&self) -> usize {
        self.d
    }

    /// The band b: r_{mn} = 0 whenever |m − n| > b.
    pub fn band(&self) -> usize {
        self.band
    }

    /// r_{mn} (either triangle).
    pub fn get(&self, m: usize, n: usize) -> f64 {
        self.data[m.min(n) * self.d + m.max(n)]
    }

    /// The diagonal r_{nn} (the Fock populations, for a state).
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.d).map(|n| self.data[n * self.d + n]).collect()
    }

    /// Σ_n n r_{nn}: the energy Tr[a†a ρ] (ω = 1).
    pub fn energy(&self) -> f64 {
        (0..self.d)
            .map(|n| n as f64 * self.data[n * self.d + n])
            .sum()
    }

    /// Σ_{mn} r_{mn}²: the purity Tr ρ² (the gauge is unitary).
    pub fn purity(&self) -> f64 {
        let d = self.d;
        (0..d)
            .map(|n| {
                let col = &self.data[n * d + n..(n + 1) * d];
                col[0] * col[0] + 2.0 * col[1..].iter().map(|v| v * v).sum::<f64>()
            })
            .sum()
    }

    /// The full real symmetric matrix r.
    pub fn to_symmetric(&self) -> Mat<f64> {
        Mat::from_fn(self.d, self.d, |m, n| self.get(m, n))
    }

    /// The density matrix ρ_{mn} = (−i)^{m−n} r_{mn}.
    pub fn to_density(&self) -> Mat<c64> {
        let d = self.d;
        let phase = [
            c64::new(1.0, 0.0),
            c64::new(0.0, -1.0),
            c64::new(-1.0, 0.0),
            c64::new(0.0, 1.0),
        ];
        Mat::from_fn(d, d, |m, n| phase[(m + 4 * d - n) % 4] * self.get(m, n))
    }

    /// The largest k ≤ `from` such that the k-th subdiagonal holds a nonzero entry (0 if
    /// none does).
    fn outer_band(&self, from: usize) -> usize {
        let d = self.d;
        (1..=from.min(d - 1))
            .rev()
            .find(|&k| (0..d - k).any(|n| self.data[n * d + n + k] != 0.0))
            .unwrap_or(0)
    }
}

/// The ladder-structured collision with a qubit; see the module documentation.
#[derive(Debug, Clone)]
pub struct LadderCollision {
    d: usize,
    /// a_m = ⟨m,g|U|m,g⟩.
    a: Vec<f64>,
    /// b_m = ⟨m,e|U|m,e⟩.
    b: Vec<f64>,
    /// s_m, with ⟨m+1,g|U|m,e⟩ = −i s_m; s_{d−1} = 0.
    s: Vec<f64>,
    /// s_{m−1} at index m (s_{−1} = 0).
    s_prev: Vec<f64>,
}

/// Weights of the three parts of [`LadderCollision`]: Φ = `g`·G + `e`·E + `x`·X. A qubit
/// state (q, x) has weights (q, 1 − q, x).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Weight of G (qubit in |g⟩).
    pub g: f64,
    /// Weight of E (qubit in |e⟩).
    pub e: f64,
    /// Weight of X (qubit coherence, symmetrized).
    pub x: f64,
}

impl Weights {
    /// The weights of the qubit state with ground population `q` and real coherence `x`.
    pub fn qubit(q: f64, x: f64) -> Self {
        Self {
            g: q,
            e: 1.0 - q,
            x,
        }
    }
}

impl LadderCollision {
    /// The Jaynes–Cummings collision U = exp(−i θ (a σ⁺ + a† σ⁻)) on `levels` Fock levels,
    /// θ = g τ. Ref: `001_03396fee62d82789.txt`, Eq. (4).
    ///
    /// Fails if `levels` < 2 or θ is not finite.
    pub fn jaynes_cummings(levels: usize, theta: f64) -> Result<Self> {
        if levels < 2 {
            return Err(Error::invalid("levels", levels, "≥ 2"));
        }
        if !theta.is_finite() {
            return Err(Error::invalid("g", theta, "finite"));
        }
        let d = levels;
        let a = (0..d).map(|n| (theta * (n as f64).sqrt()).cos()).collect();
        let mut b: Vec<f64> = (0..d)
            .map(|n| (theta * ((n + 1) as f64).sqrt()).cos())
            .collect();
        let mut s: Vec<f64> = (0..d)
            .map(|n| (theta * ((n + 1) as f64).sqrt()).sin())
            .collect();
        b[d - 1] = 1.0;
        s[d - 1] = 0.0;
        let mut s_prev = vec![0.0; d];
        s_prev[1..].copy_from_slice(&s[..d - 1]);
        Ok(Self { d, a, b, s, s_prev })
    }

    /// The number of mode levels d.
    pub fn levels(&self) -> usize {
        self.d
    }

    /// |⟨n+1,g|U|n,e⟩| = |s_n|: the amplitude with which an excited qubit lifts |n⟩ to |n+1⟩.
    pub fn hop(&self, n: usize) -> f64 {
        self.s[n]
    }

    /// The full unitary on mode ⊗ qubit (basis index 2n + σ, σ = 0 for g, 1 for e), in
    /// the original (not gauged) basis; for cross-checks with generic collision maps.
    pub fn unitary(&self) -> CsrMatrix {
        let idx = |n: usize, sigma: usize| 2 * n + sigma;
        let mut t = Vec::with_capacity(4 * self.d);
        for n in 0..self.d {
            t.push((idx(n, 0), idx(n, 0), c64::new(self.a[n], 0.0)));
            t.push((idx(n, 1), idx(n, 1), c64::new(self.b[n], 0.0)));
            if n + 1 < self.d {
                let hop = c64::new(0.0, -self.s[n]);
                t.push((idx(n + 1, 0), idx(n, 1), hop));
                t.push((idx(n, 1), idx(n + 1, 0), hop));
            }
        }
        CsrMatrix::from_triplets(2 * self.d, 2 * self.d, &t).expect("indices are in range")
    }

    /// `out` = Φ_w(r), or `out` += Φ_w(r) when `accumulate`; only the band of r widened by
    /// one diagonal is visited.
    ///
    /// Panics if `r` or `out` does not have d levels.
    pub fn apply_weighted(
        &self,
        r: &GaugedState,
        w: Weights,
        out: &mut GaugedState,
        accumulate: bool,
    ) {
        let d = self.d;
        assert!(
            r.d == d && out.d == d,
            "LadderCollision: states must have {d} levels"
        );
        // Φ_w(r) vanishes beyond the band of r plus one; entries of `out` there are
        // cleared (overwrite) or kept (accumulate).
        let reach = (r.band + 1).min(d - 1);
        let clear_to = if accumulate {
            reach
        } else {
            out.band.max(reach)
        };
        // The widest SIMD instruction set of this CPU (AVX-512, AVX2+FMA, or none): the
        // inlined kernel below is compiled once per set and vectorized by the compiler.
        pulp::Arch::new().dispatch(Kernel {
            lc: self,
            r: &r.data,
            w,
            out: &mut out.data,
            reach,
            clear_to,
            accumulate,
        });
        let widest = if accumulate {
            out.band.max(reach)
        } else {
            reach
        };
        out.band = out.outer_band(widest);
    }

    /// Φ(r) for the qubit state (q, x): `out` = q G(r) + (1 − q) E(r) + x X(r).
    pub fn apply(&self, r: &GaugedState, q: f64, x: f64, out: &mut GaugedState) {
        self.apply_weighted(r, Weights::qubit(q, x), out, false);
    }

    /// The body of [`Self::apply_weighted`] on the raw buffers: rows n..=n+`reach` of every
    /// column n are computed, rows up to n+`clear_to` beyond them are zeroed. Always
    /// inlined into [`Kernel::with_simd`].
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn kernel(
        &self,
        r: &[f64],
        w: Weights,
        out: &mut [f64],
        reach: usize,
        clear_to: usize,
        accumulate: bool,
    ) {
        let d = self.d;
        let (a, b, s, sp) = (&self.a[..], &self.b[..], &self.s[..], &self.s_prev[..]);
        for n in 0..d {
            let col = |j: usize| &r[j * d..(j + 1) * d];
            let rn = col(n);
            // Neighbour columns; where absent their coefficients are 0 (s_{−1} = s_{d−1} = 0).
            let rprev = if n > 0 { col(n - 1) } else { rn };
            let rnext = if n + 1 < d { col(n + 1) } else { rn };
            let snm1 = sp[n];
            let (ga, eb) = (w.g * a[n], w.e * b[n]);
            let (gs, es) = (w.g * s[n], w.e * snm1);
            let (xs_prev, xa, xb, xs) = (w.x * snm1, w.x * a[n], w.x * b[n], w.x * s[n]);
            // Entry (m, n), m ≥ n, with the two upper-triangle reads of the diagonal row
            // (r_{n,n+1} and r_{n−1,n}) taken from their mirror images.
            let entry = |m: usize| -> f64 {
                let sym = |i: usize, j: usize| r[i.min(j) * d + i.max(j)];
                let mut v = (a[m] * ga + b[m] * eb) * rn[m];
                if n > 0 {
                    v += a[m] * xs_prev * sym(m, n - 1);
                }
                if n + 1 < d {
                    v -= b[m] * xs * sym(m, n + 1);
                }
                if m + 1 < d {
                    v += s[m] * (gs * rnext[m + 1] - xb * rn[m + 1]);
                }
                if m > 0 {
                    v += sp[m] * (es * rprev[m - 1] + xa * sym(m - 1, n));
                }
                v
            };
            let out_col = &mut out[n * d..(n + 1) * d];
            // Rows n..end: the diagonal row and the last row d − 1 with bounds checks, the
            // rows in between (all in the lower triangle) in a loop the compiler vectorizes.
            let end = (n + reach + 1).min(d);
            store(&mut out_col[n], entry(n), accumulate);
            let (lo, hi) = (n + 1, end.min(d - 1));
            if lo < hi {
                let len = hi - lo;
                let (am, bm, sm, spm) = (&a[lo..hi], &b[lo..hi], &s[lo..hi], &sp[lo..hi]);
                let (r0, rup, rdn) = (&rn[lo..hi], &rn[lo + 1..hi + 1], &rn[lo - 1..hi - 1]);
                let (rp0, rpdn) = (&rprev[lo..hi], &rprev[lo - 1..hi - 1]);
                let (rx0, rxup) = (&rnext[lo..hi], &rnext[lo + 1..hi + 1]);
                let o = &mut out_col[lo..hi];
                for i in 0..len {
                    let v = am[i] * (ga * r0[i] + xs_prev * rp0[i])
                        + bm[i] * (eb * r0[i] - xs * rx0[i])
                        + sm[i] * (gs * rxup[i] - xb * rup[i])
                        + spm[i] * (es * rpdn[i] + xa * rdn[i]);
                    o[i] = flush(if accumulate { o[i] + v } else { v });
                }
            }
            if end == d && d - 1 > n {
                store(&mut out_col[d - 1], entry(d - 1), accumulate);
            }
            let clear_end = (n + clear_to + 1).min(d);
            if end < clear_end {
                out_col[end..clear_end].fill(0.0);
            }
        }
    }
}

/// One call of [`LadderCollision::apply_weighted`], as a [`pulp::WithSimd`] operation.
struct Kernel<'a> {
    lc: &'a LadderCollision,
    r: &'a [f64],
    w: Weights,
    out: &'a mut [f64],
    reach: usize,
    clear_to: usize,
    accumulate: bool,
}

impl pulp::WithSimd for Kernel<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let Kernel {
            lc,
            r,
            w,
            out,
            reach,
            clear_to,
            accumulate,
        } = self;
        lc.kernel(r, w, out, reach, clear_to, accumulate);
    }
}

#[inline(always)]
fn store(slot: &mut f64, v: f64, accumulate: bool) {
    *slot = flush(if accumulate { *slot + v } else { v });
}

/// `v`, or 0 if |v| < [`FLUSH_BELOW`].
#[inline(always)]
fn flush(v: f64) -> f64 {
    if v.abs() < FLUSH_BELOW {
        0.0
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Side;

    /// The structured kernel and the engine's generic sparse collision map
    /// ([`crate::dynamics::collision::CollisionMap`]) give the same state after many
    /// collisions with a coherent qubit stream.
    #[test]
    fn agrees_with_the_generic_collision_map() {
        use crate::dynamics::collision::CollisionMap;
        let (d, theta) = (12, 0.7);
        let ladder = LadderCollision::jaynes_cummings(d, theta).unwrap();
        let generic = CollisionMap::new(&ladder.unitary(), d, 2).unwrap();
        let (q, c) = (0.3f64, 0.8f64);
        // Eq. (2): the qubit's coherence is c √(q(1 − q)).
        let x = c * (q * (1.0 - q)).sqrt();
        let rho_q = Mat::from_fn(2, 2, |i, j| c64::new([[q, x], [x, 1.0 - q]][i][j], 0.0));
        let mut r = GaugedState::fock(d, 0).unwrap();
        let mut rho = r.to_density();
        let mut next = GaugedState::zeros(d);
        for _ in 0..25 {
            ladder.apply(&r, q, x, &mut next);
            std::mem::swap(&mut r, &mut next);
            rho = generic.apply(rho.as_ref(), rho_q.as_ref()).unwrap();
        }
        let ours = r.to_density();
        let mut dev = 0.0f64;
        for i in 0..d {
            for j in 0..d {
                dev = dev.max((ours[(i, j)] - rho[(i, j)]).norm());
            }
        }
        assert!(dev < 1e-12, "max deviation {dev:e}");
    }

    fn c(re: f64, im: f64) -> c64 {
        c64::new(re, im)
    }

    /// Tr_q[U (ρ ⊗ ρ_q) U†] by dense matrices, qubit basis (g, e), index 2n + σ.
    fn dense_collision(u: &Mat<c64>, rho: &Mat<c64>, rho_q: &Mat<c64>) -> Mat<c64> {
        let d = rho.nrows();
        let joint = Mat::<c64>::from_fn(2 * d, 2 * d, |i, j| {
            rho[(i / 2, j / 2)] * rho_q[(i % 2, j % 2)]
        });
        let ev = u * &joint * u.adjoint();
        Mat::from_fn(d, d, |m, n| ev[(2 * m, 2 * n)] + ev[(2 * m + 1, 2 * n + 1)])
    }

    fn qubit(q: f64, cc: f64) -> (Mat<c64>, f64) {
        let x = cc * (q * (1.0 - q)).sqrt();
        (
            Mat::from_fn(2, 2, |i, j| match (i, j) {
                (0, 0) => c(q, 0.0),
                (1, 1) => c(1.0 - q, 0.0),
                _ => c(x, 0.0),
            }),
            x,
        )
    }

    fn max_diff(a: &Mat<c64>, b: &Mat<c64>) -> f64 {
        let mut m = 0.0f64;
        for j in 0..a.ncols() {
            for i in 0..a.nrows() {
                m = m.max((a[(i, j)] - b[(i, j)]).norm());
            }
        }
        m
    }

    /// exp(−i θ H) of the truncated generator H = a σ⁺ + a† σ⁻ by eigen-decomposition.
    fn jc_exp(d: usize, theta: f64) -> Mat<c64> {
        let mut h = Mat::<c64>::zeros(2 * d, 2 * d);
        for n in 0..d - 1 {
            let v = c(((n + 1) as f64).sqrt(), 0.0);
            h[(2 * n + 1, 2 * (n + 1))] = v;
            h[(2 * (n + 1), 2 * n + 1)] = v;
        }
        let eig = h.self_adjoint_eigen(Side::Lower).unwrap();
        let (v, s) = (eig.U(), eig.S().column_vector());
        let ph = Mat::<c64>::from_fn(2 * d, 2 * d, |i, j| {
            if i == j {
                c(0.0, -theta * s[i].re).exp()
            } else {
                c(0.0, 0.0)
            }
        });
        v * &ph * v.adjoint()
    }

    #[test]
    fn unitary_is_the_exponential_of_the_truncated_generator() {
        for (d, theta) in [(2, 0.3), (7, 0.795), (12, 2.1)] {
            let lc = LadderCollision::jaynes_cummings(d, theta).unwrap();
            assert!(
                max_diff(&lc.unitary().to_dense(), &jc_exp(d, theta)) < 1e-12,
                "d={d}"
            );
        }
    }

    #[test]
    fn matches_dense_partial_trace_over_many_collisions() {
        let (d, theta) = (9, 0.795);
        let lc = LadderCollision::jaynes_cummings(d, theta).unwrap();
        let u = lc.unitary().to_dense();
        for (q, cc) in [
            (0.3, 0.7),
            (0.0, 0.0),
            (0.145, 0.31),
            (1.0, 0.0),
            (0.5, 1.0),
        ] {
            let (rho_q, x) = qubit(q, cc);
            let mut rho = Mat::<c64>::from_fn(d, d, |i, j| {
                if i == 0 && j == 0 {
                    c(1.0, 0.0)
                } else {
                    c(0.0, 0.0)
                }
            });
            let mut r = GaugedState::from_density(rho.as_ref(), 0.0).unwrap();
            let mut next = GaugedState::zeros(d);
            for _ in 0..40 {
                rho = dense_collision(&u, &rho, &rho_q);
                lc.apply(&r, q, x, &mut next);
                std::mem::swap(&mut r, &mut next);
            }
            assert!(max_diff(&r.to_density(), &rho) < 1e-12, "q={q} c={cc}");
            let tr: f64 = r.diagonal().iter().sum();
            assert!((tr - 1.0).abs() < 1e-12);
        }
    }

    /// A random symmetric d×d matrix with entries in [−0.5, 0.5).
    fn random_symmetric(d: usize, seed: u64) -> Mat<f64> {
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
        };
        let mut r = Mat::<f64>::zeros(d, d);
        for n in 0..d {
            for m in n..d {
                let v = next();
                r[(m, n)] = v;
                r[(n, m)] = v;
            }
        }
        r
    }

    #[test]
    fn weighted_parts_add_up_and_accumulate() {
        let (d, theta) = (6, 1.3);
        let lc = LadderCollision::jaynes_cummings(d, theta).unwrap();
        let r = GaugedState::from_symmetric(random_symmetric(d, 12345).as_ref(), 0.0).unwrap();
        let parts: Vec<Mat<f64>> = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)]
            .iter()
            .map(|&(g, e, x)| {
                let mut o = GaugedState::zeros(d);
                lc.apply_weighted(&r, Weights { g, e, x }, &mut o, false);
                o.to_symmetric()
            })
            .collect();
        let w = Weights {
            g: 0.2,
            e: -1.7,
            x: 0.45,
        };
        let ones = Mat::<f64>::from_fn(d, d, |_, _| 1.0);
        let mut combined = GaugedState::from_symmetric(ones.as_ref(), 0.0).unwrap();
        lc.apply_weighted(&r, w, &mut combined, true);
        let combined = combined.to_symmetric();
        for n in 0..d {
            for m in 0..d {
                let expect =
                    1.0 + w.g * parts[0][(m, n)] + w.e * parts[1][(m, n)] + w.x * parts[2][(m, n)];
                assert!((combined[(m, n)] - expect).abs() < 1e-14);
            }
        }
        // The coherence part alone is traceless (it moves no population).
        let tr: f64 = (0..d).map(|i| parts[2][(i, i)]).sum();
        assert!(tr.abs() < 1e-14);
    }

    /// The band grows by one diagonal per collision from a Fock state, never exceeds d − 1,
    /// and an overwrite clears the wider band the output buffer held before.
    #[test]
    fn band_tracks_the_nonzero_diagonals() {
        let d = 8;
        let lc = LadderCollision::jaynes_cummings(d, 0.9).unwrap();
        let (q, x) = (0.3, 0.4);
        let mut r = GaugedState::fock(d, 2).unwrap();
        let mut next = GaugedState::zeros(d);
        for k in 1..=10 {
            lc.apply(&r, q, x, &mut next);
            std::mem::swap(&mut r, &mut next);
            assert_eq!(r.band(), k.min(d - 1), "collision {k}");
        }
        // Overwrite a full-band buffer with the image of a diagonal state (band 1).
        let mut out = r.clone();
        lc.apply(&GaugedState::fock(d, 3).unwrap(), q, x, &mut out);
        assert_eq!(out.band(), 1);
        let full = out.to_symmetric();
        for n in 0..d {
            for m in 0..d {
                if m.abs_diff(n) > 1 {
                    assert_eq!(full[(m, n)], 0.0);
                }
            }
        }
    }

    #[test]
    fn gauge_round_trip_and_rejection() {
        let r = Mat::<f64>::from_fn(2, 2, |i, j| if i == j { 0.5 } else { 0.2 });
        let s = GaugedState::from_symmetric(r.as_ref(), 0.0).unwrap();
        let rho = s.to_density();
        assert!((rho[(1, 0)] - c(0.0, -0.2)).norm() < 1e-16);
        assert_eq!(GaugedState::from_density(rho.as_ref(), 0.0).unwrap(), s);
        assert_eq!(s.to_symmetric(), r);
        assert!((s.purity() - 0.58).abs() < 1e-15);
        assert!((s.energy() - 0.5).abs() < 1e-15);
        let bad = Mat::<c64>::from_fn(2, 2, |i, j| if i == j { c(0.5, 0.0) } else { c(0.2, 0.0) });
        assert!(GaugedState::from_density(bad.as_ref(), 1e-12).is_err());
        let asym = Mat::<f64>::from_fn(2, 2, |i, j| (i + 2 * j) as f64);
        assert!(GaugedState::from_symmetric(asym.as_ref(), 1e-12).is_err());
        assert!(GaugedState::fock(3, 3).is_err());
        assert!(LadderCollision::jaynes_cummings(1, 0.5).is_err());
        assert!(LadderCollision::jaynes_cummings(4, f64::NAN).is_err());
    }
}
