//! Symmetry sectors: conserved diagonal charges (U(1), Z2) that split a space into blocks.
//!
//! A [`Charge`] assigns to every product basis state the integer Q = Σ_s w_s k_s (k_s the
//! level of site s, see [`crate::space`]), taken modulo `m` for a Z_m charge. The total
//! excitation number of a cavity–spin system is the U(1) charge with all weights 1; the
//! parity of (photons + spin excitations), conserved by the Rabi coupling, is its Z2
//! reduction.
//!
//! A [`Subspace`] is a list of product basis states: the whole space, one sector, or a
//! union of sectors. Operators are built directly on it ([`crate::operators::opsum::OpSum::build`]),
//! states are expanded onto it ([`crate::states::ProductState`]), and reduced states and
//! embeddings into the full space are computed from it. Nothing of the full space is
//! ever built for a sector, so a block of dimension 1001 in a space of 10⁷ costs what
//! the block costs.

use crate::components::UnionFind;
use crate::error::{Error, Result};
use crate::space::Space;
use qbattery_linalg::{c64, Mat, MatRef};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A conserved diagonal charge Q = Σ_s w_s k_s (mod `modulus` when given).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Charge {
    weights: Vec<i64>,
    modulus: Option<i64>,
}

impl Charge {
    /// The U(1) total excitation number Σ_s k_s (photons + spin excitations).
    pub fn excitations(space: &Space) -> Self {
        Self {
            weights: vec![1; space.len()],
            modulus: None,
        }
    }

    /// The Z2 parity (Σ_s k_s) mod 2.
    pub fn parity(space: &Space) -> Self {
        Self {
            weights: vec![1; space.len()],
            modulus: Some(2),
        }
    }

    /// A general charge Σ_s w_s k_s, optionally modulo `modulus` (≥ 2).
    pub fn weighted(space: &Space, weights: Vec<i64>, modulus: Option<i64>) -> Result<Self> {
        if weights.len() != space.len() {
            return Err(Error::DimensionMismatch {
                context: "Charge::weighted (one weight per site)".into(),
                expected: space.len(),
                found: weights.len(),
            });
        }
        if let Some(m) = modulus {
            if m < 2 {
                return Err(Error::invalid("charge modulus", m, "≥ 2"));
            }
        }
        Ok(Self { weights, modulus })
    }

    /// The per-site weights.
    pub fn weights(&self) -> &[i64] {
        &self.weights
    }

    /// The modulus (None for a U(1) charge).
    pub fn modulus(&self) -> Option<i64> {
        self.modulus
    }

    /// The charge of a product state.
    pub fn of_levels(&self, levels: &[usize]) -> i64 {
        self.reduce(
            levels
                .iter()
                .zip(&self.weights)
                .map(|(&k, &w)| w * k as i64)
                .sum(),
        )
    }

    fn reduce(&self, q: i64) -> i64 {
        match self.modulus {
            Some(m) => q.rem_euclid(m),
            None => q,
        }
    }

    /// All values the charge takes on `space`, ascending.
    pub fn values(&self, space: &Space) -> Vec<i64> {
        if let Some(m) = self.modulus {
            return (0..m).collect();
        }
        let (lo, hi) = self.range(space);
        (lo..=hi).collect()
    }

    /// Smallest and largest value of an unreduced charge on `space`.
    fn range(&self, space: &Space) -> (i64, i64) {
        space
            .dims()
            .iter()
            .zip(&self.weights)
            .fold((0, 0), |(lo, hi), (&d, &w)| {
                let top = w * (d as i64 - 1);
                (lo + top.min(0), hi + top.max(0))
            })
    }

    /// Short description, e.g. `U(1) excitations` or `Z2 parity`.
    pub fn describe(&self) -> String {
        match self.modulus {
            None => format!("U(1) charge with weights {:?}", self.weights),
            Some(m) => format!("Z{m} charge with weights {:?}", self.weights),
        }
    }
}

/// A set of product basis states of a [`Space`], in ascending flat-index order.
#[derive(Debug, Clone)]
pub struct Subspace {
    space: Space,
    /// Flat indices in the full space, ascending.
    indices: Vec<usize>,
    /// Which sectors it is made of, with their charge (empty for the full space).
    sectors: Vec<i64>,
    charge: Option<Charge>,
}

impl Subspace {
    /// The whole space.
    pub fn full(space: &Space) -> Result<Self> {
        let dim = space.dim()?;
        Ok(Self {
            space: space.clone(),
            indices: (0..dim).collect(),
            sectors: Vec::new(),
            charge: None,
        })
    }

    /// The sector where `charge` takes the value `q`.
    pub fn sector(space: &Space, charge: &Charge, q: i64) -> Result<Self> {
        Self::sectors(space, charge, &[q])
    }

    /// The union of the sectors with charge values `qs` (order and repetitions ignored).
    /// Values the charge never takes contribute nothing; an empty result is an error.
    pub fn sectors(space: &Space, charge: &Charge, qs: &[i64]) -> Result<Self> {
        if charge.weights.len() != space.len() {
            return Err(Error::DimensionMismatch {
                context: "Subspace::sectors (charge weights)".into(),
                expected: space.len(),
                found: charge.weights.len(),
            });
        }
        space.dim()?;
        let wanted: BTreeSet<i64> = qs.iter().map(|&q| charge.reduce(q)).collect();
        let dims = space.dims();
        // Suffix bounds of the unreduced charge, to prune the depth-first enumeration (U(1) only).
        let mut lo = vec![0i64; dims.len() + 1];
        let mut hi = vec![0i64; dims.len() + 1];
        for s in (0..dims.len()).rev() {
            let top = charge.weights[s] * (dims[s] as i64 - 1);
            lo[s] = lo[s + 1] + top.min(0);
            hi[s] = hi[s + 1] + top.max(0);
        }
        let mut indices = Vec::new();
        let mut levels = vec![0usize; dims.len()];
        enumerate(
            0,
            0,
            &dims,
            charge,
            &wanted,
            &lo,
            &hi,
            &mut levels,
            space,
            &mut indices,
        );
        if indices.is_empty() {
            return Err(Error::invalid(
                "sector charge",
                format!("{qs:?}"),
                format!("a value taken by the {} on this space", charge.describe()),
            ));
        }
        Ok(Self {
            space: space.clone(),
            indices,
            sectors: wanted.into_iter().collect(),
            charge: Some(charge.clone()),
        })
    }

    /// The sectors that a state supported on `support_charges` can reach when the
    /// dynamics conserves `charge` except for jumps that shift it by any of `shifts`
    /// (e.g. −1 for cavity loss a, +1 for thermal pumping a†): the closure of the
    /// initial charges under the shifts, within the values the charge takes.
    pub fn reachable(
        space: &Space,
        charge: &Charge,
        support_charges: &[i64],
        shifts: &[i64],
    ) -> Result<Self> {
        let values: BTreeSet<i64> = charge.values(space).into_iter().collect();
        let mut reached: BTreeSet<i64> = support_charges
            .iter()
            .map(|&q| charge.reduce(q))
            .filter(|q| values.contains(q))
            .collect();
        let mut frontier: Vec<i64> = reached.iter().copied().collect();
        while let Some(q) = frontier.pop() {
            for &d in shifts {
                let r = charge.reduce(q + d);
                if values.contains(&r) && reached.insert(r) {
                    frontier.push(r);
                }
            }
        }
        Self::sectors(space, charge, &reached.into_iter().collect::<Vec<_>>())
    }

    /// The space this subspace lives in.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// Its dimension.
    pub fn dim(&self) -> usize {
        self.indices.len()
    }

    /// Whether this is the whole space.
    pub fn is_full(&self) -> bool {
        self.charge.is_none()
    }

    /// The charge values of the sectors it is made of (empty for the full space).
    pub fn sector_values(&self) -> &[i64] {
        &self.sectors
    }

    /// The charge that defines it, if any.
    pub fn charge(&self) -> Option<&Charge> {
        self.charge.as_ref()
    }

    /// A description such as `sectors [3] of U(1) charge …` or `the full space`.
    pub fn label(&self) -> String {
        match &self.charge {
            None => "the full space".into(),
            Some(c) => format!("sector(s) {:?} of the {}", self.sectors, c.describe()),
        }
    }

    /// Flat full-space index of basis state `i`.
    pub fn full_index(&self, i: usize) -> usize {
        self.indices[i]
    }

    /// Local levels of basis state `i`.
    pub fn levels(&self, i: usize) -> Vec<usize> {
        self.space.levels_of(self.indices[i])
    }

    /// Position of the product state with these levels, if it belongs to the subspace.
    pub fn position_of_levels(&self, levels: &[usize]) -> Option<usize> {
        self.position(self.space.index_of(levels))
    }

    /// Position of the full-space basis state `full_index`, if it belongs to the subspace.
    pub fn position(&self, full_index: usize) -> Option<usize> {
        if self.charge.is_none() {
            return (full_index < self.indices.len()).then_some(full_index);
        }
        self.indices.binary_search(&full_index).ok()
    }

    /// For each basis state: (index in the kept sites' product basis, index of the rest).
    fn split(&self, keep: &[usize]) -> Result<(usize, Vec<(usize, usize)>)> {
        let dims = self.space.dims();
        let mut keep_sorted = keep.to_vec();
        keep_sorted.sort_unstable();
        keep_sorted.dedup();
        if keep_sorted.len() != keep.len() || keep_sorted.iter().any(|&s| s >= dims.len()) {
            return Err(Error::invalid(
                "sites to keep",
                format!("{keep:?}"),
                format!("distinct site indices below {}", dims.len()),
            ));
        }
        let d_keep: usize = keep_sorted.iter().map(|&s| dims[s]).product();
        let parts = (0..self.dim())
            .map(|i| {
                let lv = self.levels(i);
                let (mut k, mut r) = (0, 0);
                for (s, (&l, &d)) in lv.iter().zip(&dims).enumerate() {
                    if keep_sorted.binary_search(&s).is_ok() {
                        k = k * d + l;
                    } else {
                        r = r * d + l;
                    }
                }
                (k, r)
            })
            .collect();
        Ok((d_keep, parts))
    }

    /// The Schmidt matrix of a pure state given by its amplitudes on this subspace — ψ
    /// reshaped to (the sites `keep`, the other sites) — as its independent blocks: the
    /// connected components of the (kept index, other index) pairs of the basis states.
    /// In a charge sector a block pairs the kept states of one charge with the others of
    /// the complementary charge, so the blocks hold about as many entries as ψ (one entry
    /// each for a U(1) sector of a collective spin and a mode) and their singular values
    /// together are the Schmidt coefficients of the bipartition.
    pub fn schmidt_blocks(&self, psi: &[c64], keep: &[usize]) -> Result<Vec<Mat<c64>>> {
        self.check_len(psi.len())?;
        let (_, parts) = self.split(keep)?;
        // Union–find over kept indices (k) and other indices (offset r), joined by each state.
        let mut rows: HashMap<usize, usize> = HashMap::new();
        let mut cols: HashMap<usize, usize> = HashMap::new();
        let mut forest = UnionFind::new(0);
        let node = |map: &mut HashMap<usize, usize>, key: usize, forest: &mut UnionFind| {
            *map.entry(key).or_insert_with(|| forest.push())
        };
        let pairs: Vec<(usize, usize)> = parts
            .iter()
            .map(|&(k, r)| {
                let a = node(&mut rows, k, &mut forest);
                let b = node(&mut cols, r, &mut forest);
                forest.join(a, b);
                (a, b)
            })
            .collect();
        // Number the rows and columns of each component in order of appearance.
        #[derive(Default)]
        struct Block {
            rows: HashMap<usize, usize>,
            cols: HashMap<usize, usize>,
            entries: Vec<(usize, usize, c64)>,
        }
        let mut blocks: HashMap<usize, Block> = HashMap::new();
        let mut order = Vec::new();
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let c = forest.root(a);
            let block = blocks.entry(c).or_insert_with(|| {
                order.push(c);
                Block::default()
            });
            let nr = block.rows.len();
            let row = *block.rows.entry(a).or_insert(nr);
            let nc = block.cols.len();
            let col = *block.cols.entry(b).or_insert(nc);
            block.entries.push((row, col, psi[i]));
        }
        Ok(order
            .iter()
            .map(|c| {
                let b = &blocks[c];
                let mut m = Mat::zeros(b.rows.len(), b.cols.len());
                for &(i, j, v) in &b.entries {
                    m[(i, j)] = v;
                }
                m
            })
            .collect())
    }

    /// The reduced density matrix on the sites `keep` (in ascending site order) of a
    /// pure state given by its amplitudes on this subspace.
    pub fn reduce_ket(&self, psi: &[c64], keep: &[usize]) -> Result<Mat<c64>> {
        self.reduction(keep)?.ket(psi)
    }

    /// The reduced density matrix on the sites `keep` of a density matrix on this subspace.
    pub fn reduce_density(&self, rho: MatRef<'_, c64>, keep: &[usize]) -> Result<Mat<c64>> {
        self.reduction(keep)?.density(rho)
    }

    /// The partial trace onto the sites `keep`, prepared once for many states.
    pub fn reduction(&self, keep: &[usize]) -> Result<Reduction> {
        let (kept_dim, parts) = self.split(keep)?;
        // Ordered groups: the same summation order in every process (bit-for-bit results).
        let mut groups: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
        for (i, &(k, r)) in parts.iter().enumerate() {
            groups.entry(r).or_default().push((i, k));
        }
        Ok(Reduction {
            dim: self.dim(),
            label: self.label(),
            kept_dim,
            groups: groups.into_values().collect(),
        })
    }

    /// The full-space density matrix of a density matrix on this subspace (zero outside).
    /// Meant for moderate full dimensions (log-negativity and other global metrics).
    pub fn embed_density(&self, rho: MatRef<'_, c64>) -> Result<Mat<c64>> {
        self.check_len(rho.nrows())?;
        let n = self.space.dim()?;
        let mut full = Mat::zeros(n, n);
        for i in 0..self.dim() {
            for j in 0..self.dim() {
                full[(self.indices[i], self.indices[j])] = rho[(i, j)];
            }
        }
        Ok(full)
    }

    /// The full-space vector of a ket on this subspace (zero outside).
    pub fn embed_ket(&self, psi: &[c64]) -> Result<Vec<c64>> {
        self.check_len(psi.len())?;
        let mut full = vec![c64::new(0.0, 0.0); self.space.dim()?];
        for (i, &a) in psi.iter().enumerate() {
            full[self.indices[i]] = a;
        }
        Ok(full)
    }

    fn check_len(&self, found: usize) -> Result<()> {
        if found != self.dim() {
            return Err(Error::DimensionMismatch {
                context: format!("state on {}", self.label()),
                expected: self.dim(),
                found,
            });
        }
        Ok(())
    }
}

/// The partial trace of states on a [`Subspace`] onto some of its sites
/// ([`Subspace::reduction`]): the basis states grouped by the levels of the sites traced
/// out, so that ρ_keep = Σ_g ψ_g ψ_g† over the groups' amplitudes ψ_g.
#[derive(Debug, Clone)]
pub struct Reduction {
    dim: usize,
    label: String,
    kept_dim: usize,
    /// Per group (ascending index of the sites traced out): (basis index, kept index) of
    /// its basis states, ascending.
    groups: Vec<Vec<(usize, usize)>>,
}

impl Reduction {
    fn check_len(&self, found: usize) -> Result<()> {
        if found != self.dim {
            return Err(Error::DimensionMismatch {
                context: format!("state on {}", self.label),
                expected: self.dim,
                found,
            });
        }
        Ok(())
    }

    /// The reduced density matrix of a pure state given by its amplitudes on the subspace.
    pub fn ket(&self, psi: &[c64]) -> Result<Mat<c64>> {
        self.check_len(psi.len())?;
        let d = self.kept_dim;
        let mut rho = Mat::<c64>::zeros(d, d);
        let mut amplitudes: Vec<(usize, c64)> = Vec::new();
        for members in &self.groups {
            amplitudes.clear();
            amplitudes.extend(
                members
                    .iter()
                    .map(|&(i, k)| (k, psi[i]))
                    .filter(|&(_, a)| a != c64::new(0.0, 0.0)),
            );
            // ρ[k1, k2] += a1 conj(a2), column by column.
            for &(k2, a2) in &amplitudes {
                let column = rho
                    .col_mut(k2)
                    .try_as_col_major_mut()
                    .expect("an owned matrix")
                    .as_slice_mut();
                let c2 = a2.conj();
                for &(k1, a1) in &amplitudes {
                    column[k1] += a1 * c2;
                }
            }
        }
        Ok(rho)
    }

    /// The reduced density matrix of a density matrix on the subspace.
    pub fn density(&self, rho: MatRef<'_, c64>) -> Result<Mat<c64>> {
        self.check_len(rho.nrows())?;
        self.check_len(rho.ncols())?;
        let mut out = Mat::zeros(self.kept_dim, self.kept_dim);
        for members in &self.groups {
            for &(i, ki) in members {
                for &(j, kj) in members {
                    out[(ki, kj)] += rho[(i, j)];
                }
            }
        }
        Ok(out)
    }
}

#[allow(clippy::too_many_arguments)]
fn enumerate(
    site: usize,
    partial: i64,
    dims: &[usize],
    charge: &Charge,
    wanted: &BTreeSet<i64>,
    lo: &[i64],
    hi: &[i64],
    levels: &mut Vec<usize>,
    space: &Space,
    out: &mut Vec<usize>,
) {
    if site == dims.len() {
        if wanted.contains(&charge.reduce(partial)) {
            out.push(space.index_of(levels));
        }
        return;
    }
    if charge.modulus.is_none() {
        let (min, max) = (partial + lo[site], partial + hi[site]);
        if wanted.range(min..=max).next().is_none() {
            return;
        }
    }
    for k in 0..dims[site] {
        levels[site] = k;
        enumerate(
            site + 1,
            partial + charge.weights[site] * k as i64,
            dims,
            charge,
            wanted,
            lo,
            hi,
            levels,
            space,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Subsystem;

    fn space() -> Space {
        Space::new()
            .with("cavity", Subsystem::Mode { levels: 4 })
            .unwrap()
            .with("s1", Subsystem::Spin { two_j: 2 })
            .unwrap()
            .with("s2", Subsystem::QUBIT)
            .unwrap()
    }

    #[test]
    fn schmidt_blocks_give_the_log_negativity_of_the_embedded_state() {
        use crate::metrics::negativity::{log_negativity, log_negativity_of_pure};
        let s = space();
        for (charge, q) in [(Charge::excitations(&s), 3), (Charge::parity(&s), 1)] {
            let sec = Subspace::sector(&s, &charge, q).unwrap();
            let psi: Vec<c64> = (0..sec.dim())
                .map(|i| c64::new((i as f64 * 0.9).cos(), (i as f64 * 0.4).sin()))
                .collect();
            let norm = psi.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
            let psi: Vec<c64> = psi.iter().map(|z| z / norm).collect();
            let blocks = sec.schmidt_blocks(&psi, &[1, 2]).unwrap();
            // Kept charges pair with complementary cavity charges: several blocks, as
            // many entries as the state.
            assert!(blocks.len() > 1);
            let entries: usize = blocks.iter().map(|b| b.nrows() * b.ncols()).sum();
            assert_eq!(entries, sec.dim());
            let full = crate::states::ket_to_density(&sec.embed_ket(&psi).unwrap());
            let direct = log_negativity(full.as_ref(), &s.dims(), &[1, 2]).unwrap();
            let schmidt = log_negativity_of_pure(&blocks).unwrap();
            assert!(direct > 0.1);
            assert!((direct - schmidt).abs() < 1e-12, "{direct} vs {schmidt}");
        }
    }

    #[test]
    fn sectors_partition_the_space() {
        let s = space();
        let c = Charge::excitations(&s);
        assert_eq!(c.values(&s), (0..=6).collect::<Vec<_>>());
        let mut seen = [false; 24];
        for q in c.values(&s) {
            let sec = Subspace::sector(&s, &c, q).unwrap();
            for i in 0..sec.dim() {
                assert_eq!(c.of_levels(&sec.levels(i)), q);
                assert!(!std::mem::replace(&mut seen[sec.full_index(i)], true));
                assert_eq!(sec.position(sec.full_index(i)), Some(i));
            }
        }
        assert!(seen.iter().all(|&x| x));
        let parity = Charge::parity(&s);
        let even = Subspace::sector(&s, &parity, 0).unwrap();
        assert_eq!(even.dim(), 12);
        assert!(Subspace::sector(&s, &c, 9).is_err());
    }

    #[test]
    fn reachable_sectors_follow_jump_shifts() {
        let s = space();
        let c = Charge::excitations(&s);
        let loss_only = Subspace::reachable(&s, &c, &[3], &[-1]).unwrap();
        assert_eq!(loss_only.sector_values(), &[0, 1, 2, 3]);
        let both = Subspace::reachable(&s, &c, &[3], &[-1, 1]).unwrap();
        assert_eq!(both.dim(), 24);
    }

    #[test]
    fn reductions_agree_with_the_full_space() {
        let s = space();
        let c = Charge::excitations(&s);
        let sec = Subspace::sectors(&s, &c, &[2, 3]).unwrap();
        let psi: Vec<c64> = (0..sec.dim())
            .map(|i| c64::new((i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()))
            .collect();
        let norm = psi.iter().map(|a| a.norm_sqr()).sum::<f64>().sqrt();
        let psi: Vec<c64> = psi.iter().map(|a| a / norm).collect();
        let full = Subspace::full(&s).unwrap();
        let psi_full = sec.embed_ket(&psi).unwrap();
        for keep in [vec![0], vec![1, 2], vec![0, 2], vec![2]] {
            let a = sec.reduce_ket(&psi, &keep).unwrap();
            let b = full.reduce_ket(&psi_full, &keep).unwrap();
            let rho = Mat::from_fn(sec.dim(), sec.dim(), |i, j| psi[i] * psi[j].conj());
            let c2 = sec.reduce_density(rho.as_ref(), &keep).unwrap();
            for i in 0..a.nrows() {
                for j in 0..a.ncols() {
                    assert!((a[(i, j)] - b[(i, j)]).norm() < 1e-14);
                    assert!((a[(i, j)] - c2[(i, j)]).norm() < 1e-14);
                }
            }
            let tr: c64 = (0..a.nrows()).map(|i| a[(i, i)]).sum();
            assert!((tr.re - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn large_dicke_sector_is_cheap() {
        let s = Space::new()
            .with("battery", Subsystem::Dicke { n: 1000 })
            .unwrap()
            .with("charger", Subsystem::Dicke { n: 10000 })
            .unwrap();
        let c = Charge::excitations(&s);
        let sec = Subspace::sector(&s, &c, 10000).unwrap();
        assert_eq!(sec.dim(), 1001);
    }
}
