//! Partial trace and partial transpose over any set of subsystems of a tensor product.
//!
//! Conventions: a space of `dims.len()` sites, site `k` of dimension `dims[k]`, in the
//! standard Kronecker order (site 0 is the most significant digit of a basis index):
//! the basis index of `|i_0 i_1 … i_{n-1}⟩` is `Σ_k i_k · stride_k` with
//! `stride_k = Π_{l>k} dims[l]`, so that `kron(A_0, kron(A_1, …))` acts on it.
//! Site lists (`keep`, `sites`) may be given in any order; results are always in
//! ascending site order. A site listed twice, a site out of range, a zero dimension or
//! a matrix whose size is not `Π dims` is an error.

use crate::LinalgError;
use faer::{c64, Mat, MatRef};

/// The reduced density matrix `Tr_{rest}[ρ]` on the sites `keep`.
///
/// `rho` is `D × D` with `D = Π dims`; the result is `d × d` with `d = Π_{k ∈ keep} dims[k]`,
/// its factors in ascending site order whatever the order of `keep`. An empty `keep`
/// gives the `1 × 1` matrix `[Tr ρ]`. Cost `O(d² · D / d)`.
///
/// # Errors
/// [`LinalgError::DimensionMismatch`] if `rho` is not square of size `Π dims`, if a
/// dimension is zero, if a site is out of range or listed twice.
pub fn ptrace(rho: MatRef<c64>, dims: &[usize], keep: &[usize]) -> Result<Mat<c64>, LinalgError> {
    let total = check_dims(dims, &PTRACE)?;
    check_square(rho, total, &PTRACE)?;
    let (kept, traced) = split_sites(dims, keep, &PTRACE)?;
    let strides = strides(dims);
    let ok = offsets(dims, &strides, &kept);
    let ot = offsets(dims, &strides, &traced);
    Ok(Mat::from_fn(ok.len(), ok.len(), |a, b| {
        ot.iter().map(|&t| rho[(ok[a] + t, ok[b] + t)]).sum()
    }))
}

/// The reduced density matrix on the sites `keep` of the pure state `|ψ⟩`, without
/// forming `|ψ⟩⟨ψ|`.
///
/// With `M[a, t] = ψ[a ⊕ t]` (`a` a basis index of the kept sites, `t` one of the traced
/// sites) the result is `M M†`: cost `O(d² · D / d)` and memory `O(D + d²)`. Same
/// conventions and errors as [`ptrace`], with `psi.len()` in place of the matrix size.
pub fn ptrace_ket(psi: &[c64], dims: &[usize], keep: &[usize]) -> Result<Mat<c64>, LinalgError> {
    let total = check_dims(dims, &PTRACE_KET)?;
    check_size(psi.len(), total, &PTRACE_KET)?;
    let (kept, traced) = split_sites(dims, keep, &PTRACE_KET)?;
    let strides = strides(dims);
    let ok = offsets(dims, &strides, &kept);
    let ot = offsets(dims, &strides, &traced);
    let m = Mat::from_fn(ok.len(), ot.len(), |a, t| psi[ok[a] + ot[t]]);
    Ok(&m * m.adjoint())
}

/// The partial transpose `ρ^{T_S}` with respect to the sites `S = sites`.
///
/// In the product basis, `⟨i|ρ^{T_S}|j⟩ = ⟨i'|ρ|j'⟩` where `i'`, `j'` are `i`, `j` with
/// the digits of the sites in `S` exchanged. Transposing no site returns a copy of `ρ`,
/// transposing every site returns `ρᵀ`. Same errors as [`ptrace`].
pub fn ptranspose(
    rho: MatRef<c64>,
    dims: &[usize],
    sites: &[usize],
) -> Result<Mat<c64>, LinalgError> {
    let total = check_dims(dims, &PTRANSPOSE)?;
    check_square(rho, total, &PTRANSPOSE)?;
    let (transposed, rest) = split_sites(dims, sites, &PTRANSPOSE)?;
    let strides = strides(dims);
    let ot = offsets(dims, &strides, &transposed);
    let or = offsets(dims, &strides, &rest);
    let mut out = Mat::<c64>::zeros(total, total);
    for &ta in &ot {
        for &tb in &ot {
            for &rc in &or {
                for &rd in &or {
                    out[(ta + rc, tb + rd)] = rho[(tb + rc, ta + rd)];
                }
            }
        }
    }
    Ok(out)
}

/// The error contexts of one public function (`LinalgError` carries `&'static str`).
struct Messages {
    zero_dim: &'static str,
    size: &'static str,
    range: &'static str,
    twice: &'static str,
}

const PTRACE: Messages = Messages {
    zero_dim: "ptrace: every site dimension must be >= 1",
    size: "ptrace: matrix size vs product of dims",
    range: "ptrace: site index out of range (expected = number of sites)",
    twice: "ptrace: a site listed twice in keep (expected = distinct sites)",
};

const PTRACE_KET: Messages = Messages {
    zero_dim: "ptrace_ket: every site dimension must be >= 1",
    size: "ptrace_ket: length of psi vs product of dims",
    range: "ptrace_ket: site index out of range (expected = number of sites)",
    twice: "ptrace_ket: a site listed twice in keep (expected = distinct sites)",
};

const PTRANSPOSE: Messages = Messages {
    zero_dim: "ptranspose: every site dimension must be >= 1",
    size: "ptranspose: matrix size vs product of dims",
    range: "ptranspose: site index out of range (expected = number of sites)",
    twice: "ptranspose: a site listed twice (expected = distinct sites)",
};

/// `Π dims`, after checking that no dimension is zero.
fn check_dims(dims: &[usize], msg: &Messages) -> Result<usize, LinalgError> {
    if let Some(&d) = dims.iter().find(|&&d| d == 0) {
        return Err(LinalgError::DimensionMismatch {
            context: msg.zero_dim,
            expected: 1,
            found: d,
        });
    }
    Ok(dims.iter().product())
}

fn check_size(found: usize, total: usize, msg: &Messages) -> Result<(), LinalgError> {
    if found != total {
        return Err(LinalgError::DimensionMismatch {
            context: msg.size,
            expected: total,
            found,
        });
    }
    Ok(())
}

fn check_square(rho: MatRef<c64>, total: usize, msg: &Messages) -> Result<(), LinalgError> {
    check_size(rho.nrows(), total, msg)?;
    check_size(rho.ncols(), total, msg)
}

/// Splits the sites into (`chosen`, the rest), both ascending, after checking `chosen`.
fn split_sites(
    dims: &[usize],
    chosen: &[usize],
    msg: &Messages,
) -> Result<(Vec<usize>, Vec<usize>), LinalgError> {
    let mut selected = vec![false; dims.len()];
    for &s in chosen {
        if s >= dims.len() {
            return Err(LinalgError::DimensionMismatch {
                context: msg.range,
                expected: dims.len(),
                found: s,
            });
        }
        if selected[s] {
            let distinct = selected.iter().filter(|&&x| x).count();
            return Err(LinalgError::DimensionMismatch {
                context: msg.twice,
                expected: distinct,
                found: chosen.len(),
            });
        }
        selected[s] = true;
    }
    Ok((0..dims.len()).partition(|&s| selected[s]))
}

/// `stride_k = Π_{l>k} dims[l]`.
fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for k in (0..dims.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * dims[k + 1];
    }
    s
}

/// The offsets `Σ_{k ∈ sites} i_k stride_k` of every multi-index over `sites` (ascending),
/// listed in lexicographic order (first site most significant): entry `a` is the offset
/// of the `a`-th basis state of the subsystem made of `sites`.
fn offsets(dims: &[usize], strides: &[usize], sites: &[usize]) -> Vec<usize> {
    let mut out = vec![0usize];
    for &s in sites {
        out = out
            .iter()
            .flat_map(|&o| (0..dims[s]).map(move |i| o + i * strides[s]))
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Deterministic pseudo-random complex entries in [-1, 1)² (splitmix64).
    fn random_mat(nrows: usize, ncols: usize, seed: u64) -> Mat<c64> {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        Mat::from_fn(nrows, ncols, |_, _| c64::new(next(), next()))
    }

    fn kron(a: MatRef<c64>, b: MatRef<c64>) -> Mat<c64> {
        let (p, q) = (b.nrows(), b.ncols());
        Mat::from_fn(a.nrows() * p, a.ncols() * q, |i, j| {
            a[(i / p, j / q)] * b[(i % p, j % q)]
        })
    }

    fn trace(m: MatRef<c64>) -> c64 {
        (0..m.nrows()).map(|i| m[(i, i)]).sum()
    }

    fn max_diff(a: MatRef<c64>, b: MatRef<c64>) -> f64 {
        assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
        let mut m = 0.0f64;
        for j in 0..a.ncols() {
            for i in 0..a.nrows() {
                m = m.max((a[(i, j)] - b[(i, j)]).norm());
            }
        }
        m
    }

    /// Digits of `index` in the mixed radix `dims` (first site most significant).
    fn digits(mut index: usize, dims: &[usize]) -> Vec<usize> {
        let mut d = vec![0; dims.len()];
        for k in (0..dims.len()).rev() {
            d[k] = index % dims[k];
            index /= dims[k];
        }
        d
    }

    fn compose(digits: &[usize], dims: &[usize], sites: &[usize]) -> usize {
        sites.iter().fold(0, |acc, &s| acc * dims[s] + digits[s])
    }

    /// Reference partial trace: loop over every pair of full indices.
    fn naive_ptrace(rho: MatRef<c64>, dims: &[usize], keep: &[usize]) -> Mat<c64> {
        let mut keep = keep.to_vec();
        keep.sort_unstable();
        let d: usize = keep.iter().map(|&s| dims[s]).product();
        let mut out = Mat::<c64>::zeros(d, d);
        for i in 0..rho.nrows() {
            for j in 0..rho.ncols() {
                let (di, dj) = (digits(i, dims), digits(j, dims));
                if (0..dims.len()).all(|s| keep.contains(&s) || di[s] == dj[s]) {
                    out[(compose(&di, dims, &keep), compose(&dj, dims, &keep))] += rho[(i, j)];
                }
            }
        }
        out
    }

    /// Reference partial transpose: swap the digits of `sites` between row and column.
    fn naive_ptranspose(rho: MatRef<c64>, dims: &[usize], sites: &[usize]) -> Mat<c64> {
        let all: Vec<usize> = (0..dims.len()).collect();
        Mat::from_fn(rho.nrows(), rho.ncols(), |i, j| {
            let (mut di, mut dj) = (digits(i, dims), digits(j, dims));
            for &s in sites {
                std::mem::swap(&mut di[s], &mut dj[s]);
            }
            rho[(compose(&di, dims, &all), compose(&dj, dims, &all))]
        })
    }

    #[test]
    fn ptrace_of_kron_is_factor_times_other_trace() {
        let a = random_mat(2, 2, 1);
        let b = random_mat(3, 3, 2);
        let ab = kron(a.as_ref(), b.as_ref());
        let ra = ptrace(ab.as_ref(), &[2, 3], &[0]).unwrap();
        let rb = ptrace(ab.as_ref(), &[2, 3], &[1]).unwrap();
        let ea = Mat::from_fn(2, 2, |i, j| a[(i, j)] * trace(b.as_ref()));
        let eb = Mat::from_fn(3, 3, |i, j| b[(i, j)] * trace(a.as_ref()));
        assert!(max_diff(ra.as_ref(), ea.as_ref()) < 1e-14);
        assert!(max_diff(rb.as_ref(), eb.as_ref()) < 1e-14);
        let all = ptrace(ab.as_ref(), &[2, 3], &[1, 0]).unwrap();
        assert!(max_diff(all.as_ref(), ab.as_ref()) == 0.0);
        let none = ptrace(ab.as_ref(), &[2, 3], &[]).unwrap();
        assert_eq!((none.nrows(), none.ncols()), (1, 1));
        assert!((none[(0, 0)] - trace(ab.as_ref())).norm() < 1e-14);
    }

    #[test]
    fn bell_state_reduces_to_half_identity() {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let psi = [
            c64::new(s, 0.0),
            c64::new(0.0, 0.0),
            c64::new(0.0, 0.0),
            c64::new(s, 0.0),
        ];
        let rho = Mat::from_fn(4, 4, |i, j| psi[i] * psi[j].conj());
        let half = Mat::from_fn(2, 2, |i, j| c64::new(if i == j { 0.5 } else { 0.0 }, 0.0));
        for keep in [[0], [1]] {
            let r = ptrace(rho.as_ref(), &[2, 2], &keep).unwrap();
            assert!(max_diff(r.as_ref(), half.as_ref()) < 1e-15);
            let rk = ptrace_ket(&psi, &[2, 2], &keep).unwrap();
            assert!(max_diff(rk.as_ref(), half.as_ref()) < 1e-15);
        }
    }

    #[test]
    fn three_sites_match_index_loops() {
        let dims = [2, 3, 2];
        let rho = random_mat(12, 12, 7);
        let keeps: [&[usize]; 9] = [
            &[0, 2],
            &[2, 0],
            &[1],
            &[0],
            &[2],
            &[0, 1],
            &[1, 2],
            &[2, 1, 0],
            &[],
        ];
        for keep in keeps {
            let r = ptrace(rho.as_ref(), &dims, keep).unwrap();
            let e = naive_ptrace(rho.as_ref(), &dims, keep);
            assert!(max_diff(r.as_ref(), e.as_ref()) < 1e-13, "keep {keep:?}");
        }
        for sites in keeps {
            let t = ptranspose(rho.as_ref(), &dims, sites).unwrap();
            let e = naive_ptranspose(rho.as_ref(), &dims, sites);
            assert!(max_diff(t.as_ref(), e.as_ref()) == 0.0, "sites {sites:?}");
        }
    }

    #[test]
    fn ptrace_ket_matches_ptrace_of_projector() {
        let dims = [3, 2, 2];
        let psi_m = random_mat(12, 1, 11);
        let psi: Vec<c64> = (0..12).map(|i| psi_m[(i, 0)]).collect();
        let rho = Mat::from_fn(12, 12, |i, j| psi[i] * psi[j].conj());
        let keeps: [&[usize]; 6] = [&[0, 2], &[1], &[2, 0], &[0, 1, 2], &[], &[1, 2]];
        for keep in keeps {
            let a = ptrace_ket(&psi, &dims, keep).unwrap();
            let b = ptrace(rho.as_ref(), &dims, keep).unwrap();
            assert!(max_diff(a.as_ref(), b.as_ref()) < 1e-13, "keep {keep:?}");
        }
    }

    #[test]
    fn ptranspose_special_cases() {
        let dims = [2, 3];
        let rho = random_mat(6, 6, 5);
        let twice = ptranspose(
            ptranspose(rho.as_ref(), &dims, &[1]).unwrap().as_ref(),
            &dims,
            &[1],
        )
        .unwrap();
        assert!(max_diff(twice.as_ref(), rho.as_ref()) == 0.0);
        let none = ptranspose(rho.as_ref(), &dims, &[]).unwrap();
        assert!(max_diff(none.as_ref(), rho.as_ref()) == 0.0);
        let full = ptranspose(rho.as_ref(), &dims, &[1, 0]).unwrap();
        assert!(max_diff(full.as_ref(), rho.transpose()) == 0.0);
        let (a, b) = (random_mat(2, 2, 3), random_mat(3, 3, 4));
        let tb = ptranspose(kron(a.as_ref(), b.as_ref()).as_ref(), &dims, &[1]).unwrap();
        let e = kron(a.as_ref(), b.transpose());
        assert!(max_diff(tb.as_ref(), e.as_ref()) < 1e-15);
    }

    #[test]
    fn bad_input_is_an_error() {
        let rho = Mat::<c64>::zeros(4, 4);
        let mismatch = |r: Result<Mat<c64>, LinalgError>| {
            matches!(r, Err(LinalgError::DimensionMismatch { .. }))
        };
        assert!(mismatch(ptrace(rho.as_ref(), &[2, 3], &[0])));
        assert!(mismatch(ptrace(rho.as_ref(), &[2, 2], &[2])));
        assert!(mismatch(ptrace(rho.as_ref(), &[2, 2], &[0, 0])));
        assert!(mismatch(ptrace(rho.as_ref(), &[4, 1, 0], &[0])));
        assert!(mismatch(ptrace(
            Mat::<c64>::zeros(4, 2).as_ref(),
            &[2, 2],
            &[0]
        )));
        assert!(mismatch(ptrace_ket(
            &[c64::new(1.0, 0.0); 3],
            &[2, 2],
            &[0]
        )));
        assert!(mismatch(ptrace_ket(
            &[c64::new(1.0, 0.0); 4],
            &[2, 2],
            &[1, 1]
        )));
        assert!(mismatch(ptranspose(rho.as_ref(), &[2, 2], &[5])));
        assert!(mismatch(ptranspose(rho.as_ref(), &[2, 2], &[1, 1])));
        assert!(mismatch(ptranspose(rho.as_ref(), &[8], &[0])));
    }

    /// Random density matrix G G† / Tr from `2 d²` numbers in [-1, 1].
    fn density(d: usize, raw: &[f64]) -> Mat<c64> {
        let g = Mat::from_fn(d, d, |i, j| {
            c64::new(raw[2 * (i * d + j)], raw[2 * (i * d + j) + 1])
        });
        let rho = &g * g.adjoint();
        let t = trace(rho.as_ref());
        Mat::from_fn(d, d, |i, j| rho[(i, j)] / t)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(20261121),
            ..ProptestConfig::default()
        })]

        #[test]
        fn ptrace_keeps_trace_hermiticity_positivity(
            raw in prop::collection::vec(-1.0f64..1.0, 2 * 144),
            keep_mask in 0usize..8,
        ) {
            let dims = [2, 3, 2];
            let rho = density(12, &raw);
            let keep: Vec<usize> = (0..3).filter(|s| keep_mask >> s & 1 == 1).collect();
            let r = ptrace(rho.as_ref(), &dims, &keep).unwrap();
            prop_assert!((trace(r.as_ref()) - c64::new(1.0, 0.0)).norm() < 1e-13);
            prop_assert!(max_diff(r.as_ref(), r.adjoint().to_owned().as_ref()) < 1e-14);
            let eig = r.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
            prop_assert!(eig[0] > -1e-13, "smallest eigenvalue {}", eig[0]);
        }
    }
}
