//! Kronecker products of dense matrices.
//!
//! Convention (the standard one, and the tensor order of the whole project: the
//! first factor is the slowest-varying index):
//!
//! ```text
//! (A ⊗ B)[i·r_B + k, j·c_B + l] = A[i, j] · B[k, l]
//! ```
//!
//! where `r_B × c_B` is the shape of `B`.

use faer::{c64, Mat, MatRef};

/// Kronecker product `A ⊗ B`, of shape `(r_A·r_B) × (c_A·c_B)`.
///
/// # Panics
/// If the product shape overflows `usize` (no such matrix fits in memory).
pub fn kron(a: MatRef<'_, c64>, b: MatRef<'_, c64>) -> Mat<c64> {
    let mut out = Mat::zeros(a.nrows() * b.nrows(), a.ncols() * b.ncols());
    faer::linalg::kron::kron(out.as_mut(), a, b);
    out
}

/// Kronecker product `F₀ ⊗ F₁ ⊗ … ⊗ F_{k−1}` of the factors, taken left to right.
///
/// The empty product is the 1 × 1 identity `[1]`.
pub fn kron_all(factors: &[MatRef<'_, c64>]) -> Mat<c64> {
    match factors {
        [] => Mat::identity(1, 1),
        [first, rest @ ..] => rest
            .iter()
            .fold(first.to_owned(), |acc, f| kron(acc.as_ref(), *f)),
    }
}

/// `I_left ⊗ A ⊗ I_right`: the operator `A` acting on a middle tensor factor,
/// built directly, without forming the identities or intermediate products.
///
/// `left` and `right` are the total dimensions of the factors before and after `A`
/// (1 when there are none).
pub fn embed(a: MatRef<'_, c64>, left: usize, right: usize) -> Mat<c64> {
    let (r, c) = (a.nrows(), a.ncols());
    let mut out = Mat::zeros(left * r * right, left * c * right);
    for block in 0..left {
        for j in 0..c {
            for i in 0..r {
                let aij = a[(i, j)];
                if aij == c64::new(0.0, 0.0) {
                    continue;
                }
                for k in 0..right {
                    out[((block * r + i) * right + k, (block * c + j) * right + k)] = aij;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expm::tests::random_matrix;

    fn max_abs_diff(a: MatRef<'_, c64>, b: MatRef<'_, c64>) -> f64 {
        assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
        (&a.to_owned() - &b.to_owned()).norm_max()
    }

    #[test]
    fn index_convention_on_rectangular_factors() {
        let a = random_matrix(2, 3, 1.0, 1);
        let b = random_matrix(4, 5, 1.0, 2);
        let k = kron(a.as_ref(), b.as_ref());
        assert_eq!((k.nrows(), k.ncols()), (8, 15));
        for i in 0..2 {
            for j in 0..3 {
                for p in 0..4 {
                    for q in 0..5 {
                        assert_eq!(k[(i * 4 + p, j * 5 + q)], a[(i, j)] * b[(p, q)]);
                    }
                }
            }
        }
    }

    #[test]
    fn mixed_product_property() {
        // (A ⊗ B)(C ⊗ D) = (AC) ⊗ (BD), an identity independent of the index convention's
        // implementation details.
        let a = random_matrix(3, 2, 1.0, 3);
        let b = random_matrix(2, 4, 1.0, 4);
        let c = random_matrix(2, 3, 1.0, 5);
        let d = random_matrix(4, 2, 1.0, 6);
        let lhs = &kron(a.as_ref(), b.as_ref()) * &kron(c.as_ref(), d.as_ref());
        let rhs = kron((&a * &c).as_ref(), (&b * &d).as_ref());
        assert!(max_abs_diff(lhs.as_ref(), rhs.as_ref()) < 1e-13);
    }

    #[test]
    fn kron_all_is_left_to_right_and_associative() {
        let a = random_matrix(2, 2, 1.0, 7);
        let b = random_matrix(3, 1, 1.0, 8);
        let c = random_matrix(2, 3, 1.0, 9);
        let all = kron_all(&[a.as_ref(), b.as_ref(), c.as_ref()]);
        let left = kron(kron(a.as_ref(), b.as_ref()).as_ref(), c.as_ref());
        let right = kron(a.as_ref(), kron(b.as_ref(), c.as_ref()).as_ref());
        assert_eq!(all, left);
        assert!(max_abs_diff(all.as_ref(), right.as_ref()) < 1e-14);
        assert_eq!(kron_all(&[a.as_ref()]), a);
        assert_eq!(kron_all(&[]), Mat::<c64>::identity(1, 1));
    }

    #[test]
    fn embed_equals_kron_with_identities() {
        let a = random_matrix(3, 2, 1.0, 10);
        for (left, right) in [(1, 1), (2, 1), (1, 4), (2, 3)] {
            let id_l = Mat::<c64>::identity(left, left);
            let id_r = Mat::<c64>::identity(right, right);
            let expected = kron_all(&[id_l.as_ref(), a.as_ref(), id_r.as_ref()]);
            assert_eq!(embed(a.as_ref(), left, right), expected);
        }
    }
}
