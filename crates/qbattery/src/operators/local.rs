//! Local operators on a single subsystem: spin-j, qubit (Pauli), boson mode, collective Dicke spin.
//!
//! Matrices are in the basis of [`crate::space`]: level k = m + j for spins (k = 0 is
//! m = −j), Fock number for modes. Spin operators are the angular-momentum operators
//! **S** (for a qubit S = σ/2); the Pauli matrices σ = 2S are separate variants,
//! defined for spin-1/2 only.

use crate::error::{Error, Result};
use crate::space::Subsystem;
use qbattery_linalg::c64;
use qbattery_linalg::sparse::CsrMatrix;

/// An operator acting on one subsystem.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalOp {
    /// The identity.
    Identity,
    /// S^x = (S⁺ + S⁻)/2 (spins and Dicke ensembles).
    Sx,
    /// S^y = (S⁺ − S⁻)/(2i).
    Sy,
    /// S^z, eigenvalues m = −j … j.
    Sz,
    /// S⁺ = S^x + i S^y, raises m by one: S⁺|j,m⟩ = √(j(j+1) − m(m+1)) |j,m+1⟩.
    SPlus,
    /// S⁻ = S^x − i S^y, lowers m by one.
    SMinus,
    /// σ^x = 2S^x (spin-1/2 only).
    PauliX,
    /// σ^y = 2S^y (spin-1/2 only).
    PauliY,
    /// σ^z = 2S^z (spin-1/2 only): +1 on the excited (up) state.
    PauliZ,
    /// The boson annihilation operator a, a|n⟩ = √n |n−1⟩ (modes only).
    Destroy,
    /// The boson creation operator a†, truncated: a†|levels−1⟩ = 0.
    Create,
    /// The level number: a†a for a mode, the number of excitations k = m + j for a spin.
    Number,
    /// The transition |to⟩⟨from| between two levels (any subsystem).
    Transition {
        /// Target level.
        to: usize,
        /// Source level.
        from: usize,
    },
    /// Any matrix of the subsystem's dimension.
    Matrix(CsrMatrix),
}

impl LocalOp {
    /// The matrix of this operator on `subsystem`; an error names the operator and the
    /// subsystem when they do not fit together (e.g. a† on a spin).
    pub fn matrix(&self, subsystem: &Subsystem) -> Result<CsrMatrix> {
        let dim = subsystem.dim();
        let mismatch = |what: &str| {
            Error::invalid(
                "local operator",
                format!("{self:?} on {}", subsystem.describe()),
                what.to_string(),
            )
        };
        let real = |v: f64| c64::new(v, 0.0);
        match self {
            LocalOp::Identity => Ok(CsrMatrix::identity(dim)),
            LocalOp::Number => Ok(CsrMatrix::diagonal(
                &(0..dim).map(|k| real(k as f64)).collect::<Vec<_>>(),
            )),
            LocalOp::Transition { to, from } => {
                if *to >= dim || *from >= dim {
                    return Err(mismatch(&format!("levels below {dim}")));
                }
                Ok(CsrMatrix::from_triplets(
                    dim,
                    dim,
                    &[(*to, *from, real(1.0))],
                )?)
            }
            LocalOp::Matrix(m) => {
                if m.nrows() != dim || m.ncols() != dim {
                    return Err(Error::DimensionMismatch {
                        context: "LocalOp::Matrix".into(),
                        expected: dim,
                        found: m.nrows(),
                    });
                }
                Ok(m.clone())
            }
            LocalOp::Destroy | LocalOp::Create => {
                if !matches!(subsystem, Subsystem::Mode { .. }) {
                    return Err(mismatch("a boson mode"));
                }
                let lower: Vec<_> = (1..dim)
                    .map(|k| (k - 1, k, real((k as f64).sqrt())))
                    .collect();
                let a = CsrMatrix::from_triplets(dim, dim, &lower)?;
                Ok(if matches!(self, LocalOp::Destroy) {
                    a
                } else {
                    a.adjoint()
                })
            }
            spin_op => {
                let two_j = subsystem
                    .two_j()
                    .ok_or_else(|| mismatch("a spin or Dicke ensemble"))?;
                let is_pauli =
                    matches!(spin_op, LocalOp::PauliX | LocalOp::PauliY | LocalOp::PauliZ);
                if is_pauli && two_j != 1 {
                    return Err(mismatch("a spin-1/2 (use Sx, Sy, Sz for larger spins)"));
                }
                let s_plus = spin_raising(two_j);
                let half = real(0.5);
                let m = match spin_op {
                    LocalOp::SPlus => s_plus,
                    LocalOp::SMinus => s_plus.adjoint(),
                    LocalOp::Sz | LocalOp::PauliZ => {
                        let j = two_j as f64 / 2.0;
                        CsrMatrix::diagonal(
                            &(0..dim).map(|k| real(k as f64 - j)).collect::<Vec<_>>(),
                        )
                    }
                    LocalOp::Sx | LocalOp::PauliX => {
                        s_plus.add_scaled(&s_plus.adjoint(), real(1.0))?.scale(half)
                    }
                    LocalOp::Sy | LocalOp::PauliY => s_plus
                        .add_scaled(&s_plus.adjoint(), real(-1.0))?
                        .scale(c64::new(0.0, -0.5)),
                    _ => unreachable!("every other variant is handled above"),
                };
                Ok(if is_pauli { m.scale(real(2.0)) } else { m })
            }
        }
    }
}

/// S⁺ for spin j = two_j/2 in the basis k = m + j.
fn spin_raising(two_j: u32) -> CsrMatrix {
    let j = two_j as f64 / 2.0;
    let dim = two_j as usize + 1;
    let entries: Vec<_> = (0..dim - 1)
        .map(|k| {
            let m = k as f64 - j;
            (
                k + 1,
                k,
                c64::new((j * (j + 1.0) - m * (m + 1.0)).sqrt(), 0.0),
            )
        })
        .collect();
    CsrMatrix::from_triplets(dim, dim, &entries).expect("indices below dim")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commutator(a: &CsrMatrix, b: &CsrMatrix) -> CsrMatrix {
        a.matmul(b)
            .unwrap()
            .add_scaled(&b.matmul(a).unwrap(), c64::new(-1.0, 0.0))
            .unwrap()
    }

    fn max_abs_diff(a: &CsrMatrix, b: &CsrMatrix) -> f64 {
        a.add_scaled(b, c64::new(-1.0, 0.0))
            .unwrap()
            .iter()
            .map(|(_, _, v)| v.norm())
            .fold(0.0, f64::max)
    }

    #[test]
    fn spin_algebra_for_several_j() {
        for two_j in 1..=7 {
            let s = Subsystem::Spin { two_j };
            let [sx, sy, sz] =
                [LocalOp::Sx, LocalOp::Sy, LocalOp::Sz].map(|o| o.matrix(&s).unwrap());
            // [Sx, Sy] = i Sz
            assert!(max_abs_diff(&commutator(&sx, &sy), &sz.scale(c64::new(0.0, 1.0))) < 1e-12);
            // S² = j(j+1)
            let j = two_j as f64 / 2.0;
            let s2 = sx
                .matmul(&sx)
                .unwrap()
                .add_scaled(&sy.matmul(&sy).unwrap(), c64::new(1.0, 0.0))
                .unwrap();
            let s2 = s2
                .add_scaled(&sz.matmul(&sz).unwrap(), c64::new(1.0, 0.0))
                .unwrap();
            let expect =
                CsrMatrix::identity(two_j as usize + 1).scale(c64::new(j * (j + 1.0), 0.0));
            assert!(max_abs_diff(&s2, &expect) < 1e-12);
            // lowest level is m = −j
            assert_eq!(sz.get(0, 0).re, -j);
        }
    }

    #[test]
    fn pauli_and_boson() {
        let q = Subsystem::QUBIT;
        let z = LocalOp::PauliZ.matrix(&q).unwrap();
        assert_eq!(z.get(1, 1).re, 1.0);
        assert_eq!(z.get(0, 0).re, -1.0);
        let x = LocalOp::PauliX.matrix(&q).unwrap();
        assert_eq!(x.get(0, 1).re, 1.0);
        assert!(LocalOp::PauliZ
            .matrix(&Subsystem::Spin { two_j: 2 })
            .is_err());

        let m = Subsystem::Mode { levels: 5 };
        let a = LocalOp::Destroy.matrix(&m).unwrap();
        let n = a.adjoint().matmul(&a).unwrap();
        assert!(max_abs_diff(&n, &LocalOp::Number.matrix(&m).unwrap()) < 1e-14);
        assert!((a.get(2, 3).re - 3f64.sqrt()).abs() < 1e-15);
        assert!(LocalOp::Destroy.matrix(&q).is_err());
        assert!(LocalOp::Sx.matrix(&m).is_err());
        assert!(LocalOp::Transition { to: 5, from: 0 }.matrix(&m).is_err());
    }
}
