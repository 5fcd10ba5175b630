//! Invariants of the dynamics on random instances (proptest, seeded by proptest's own
//! deterministic runner): the Lindblad evolution and a collision map keep ρ a density
//! matrix — unit trace, Hermitian, positive — whatever H, the jumps and ρ₀ are.

use proptest::prelude::*;
use qbattery::dynamics::collision::CollisionMap;
use qbattery::dynamics::hamiltonian::Hamiltonian;
use qbattery::dynamics::lindblad::Lindblad;
use qbattery::dynamics::ode::OdeOptions;
use qbattery::{c64, CsrMatrix, Mat};

fn complex_matrix(n: usize, entries: &[(f64, f64)]) -> Mat<c64> {
    Mat::from_fn(n, n, |i, j| {
        let (re, im) = entries[(i * n + j) % entries.len()];
        c64::new(re, im)
    })
}

fn hermitian(n: usize, entries: &[(f64, f64)]) -> Mat<c64> {
    let a = complex_matrix(n, entries);
    Mat::from_fn(n, n, |i, j| (a[(i, j)] + a[(j, i)].conj()) * 0.5)
}

/// A random density matrix A A† / Tr(A A†).
fn density(n: usize, entries: &[(f64, f64)]) -> Mat<c64> {
    let a = complex_matrix(n, entries);
    let rho = &a * a.adjoint();
    let tr: f64 = (0..n).map(|i| rho[(i, i)].re).sum();
    Mat::from_fn(n, n, |i, j| rho[(i, j)] / tr)
}

fn assert_density(rho: &Mat<c64>, tol: f64) -> Result<(), TestCaseError> {
    let n = rho.nrows();
    let tr: c64 = (0..n).map(|i| rho[(i, i)]).sum();
    prop_assert!((tr - 1.0).norm() < tol, "trace {tr}");
    for i in 0..n {
        for j in 0..n {
            prop_assert!(
                (rho[(i, j)] - rho[(j, i)].conj()).norm() < tol,
                "not Hermitian at ({i},{j})"
            );
        }
    }
    let herm = Mat::from_fn(n, n, |i, j| (rho[(i, j)] + rho[(j, i)].conj()) * 0.5);
    let eig = herm.self_adjoint_eigen(faer::Side::Lower).unwrap();
    let min = (0..n).map(|i| eig.S()[i].re).fold(f64::INFINITY, f64::min);
    prop_assert!(min > -tol, "negative eigenvalue {min}");
    Ok(())
}

fn entries() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((-1.0f64..1.0, -1.0f64..1.0), 25)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn lindblad_keeps_a_density_matrix(n in 2usize..6, h in entries(), l1 in entries(), l2 in entries(), r in entries(), t in 0.1f64..3.0) {
        let h = CsrMatrix::from_dense(hermitian(n, &h).as_ref(), 0.0);
        let jumps = vec![
            CsrMatrix::from_dense(complex_matrix(n, &l1).as_ref(), 0.0),
            CsrMatrix::from_dense(complex_matrix(n, &l2).as_ref(), 0.0).scale(c64::new(0.5, 0.0)),
        ];
        let lindblad = Lindblad::new(Hamiltonian::constant(h).unwrap(), jumps).unwrap();
        let rho0 = density(n, &r);
        let ev = lindblad.evolve(rho0.as_ref(), &[0.0, t / 2.0, t], &OdeOptions::with_tolerances(1e-9, 1e-11)).unwrap();
        for rho in &ev.states {
            assert_density(rho, 1e-7)?;
        }
    }

    #[test]
    fn collision_maps_keep_a_density_matrix(d in 2usize..5, h in entries(), r in entries(), a in entries()) {
        // U = exp(−iH) on system ⊗ ancilla (qubit), from the eigen-decomposition.
        let n = 2 * d;
        let hm = hermitian(n, &h);
        let eig = hm.self_adjoint_eigen(faer::Side::Lower).unwrap();
        let phases = Mat::from_fn(n, n, |i, j| if i == j { c64::from_polar(1.0, -eig.S()[i].re) } else { c64::new(0.0, 0.0) });
        let u = eig.U() * &phases * eig.U().adjoint();
        let map = CollisionMap::new(&CsrMatrix::from_dense(u.as_ref(), 0.0), d, 2).unwrap();
        let mut rho = density(d, &r);
        let rho_anc = density(2, &a);
        for _ in 0..5 {
            rho = map.apply(rho.as_ref(), rho_anc.as_ref()).unwrap();
            assert_density(&rho, 1e-10)?;
        }
    }
}
