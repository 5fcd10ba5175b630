//! Lindblad benchmarks on the open cavity–spin-1 chain battery of 000_e3df25f406468476.txt:
//! cavity with 14 Fock levels ⊗ 3 spin-1 sites (dimension 378),
//! H = a†a + Σ S^z_n + J Σ_n [(1+γ) S^x_n S^x_{n+1} + (1−γ) S^y_n S^y_{n+1} + Δ S^z_n S^z_{n+1}]
//!     + g Σ_n (S⁺_n + S⁻_n)(a + a†),
//! ω_a = ω_c = 1, J = −1, γ = 0.4, Δ = 1, g = 1; jumps √(κ(n_th+1)) a, √(κ n_th) a† with
//! κ = 0.5, n_th = 0.2; ρ₀ = |3⟩⟨3| ⊗ |G⟩⟨G|_B (ground state of H_B).
//!
//! Run: `cargo bench -p qbattery --bench lindblad`.

use std::sync::{Once, OnceLock};

use divan::Bencher;
use faer::Side;
use qbattery::dynamics::hamiltonian::Hamiltonian;
use qbattery::dynamics::lindblad::Lindblad;
use qbattery::dynamics::ode::OdeOptions;
use qbattery::{c64, CsrMatrix, Mat};

fn main() {
    divan::main();
}

const LEVELS: usize = 14;
const SITES: usize = 3;

struct Model {
    lindblad: Lindblad,
    rho0: Mat<c64>,
    times: Vec<f64>,
    opts: OdeOptions,
}

fn c(re: f64) -> c64 {
    c64::new(re, 0.0)
}

/// `op` on factor `site` of a product of spaces with dimensions `dims`.
fn embed(op: &CsrMatrix, site: usize, dims: &[usize]) -> CsrMatrix {
    dims.iter()
        .enumerate()
        .fold(CsrMatrix::identity(1), |acc, (k, &d)| {
            acc.kron(&if k == site {
                op.clone()
            } else {
                CsrMatrix::identity(d)
            })
        })
}

fn sum(terms: &[(f64, CsrMatrix)], n: usize) -> CsrMatrix {
    terms.iter().fold(CsrMatrix::zeros(n, n), |acc, (w, t)| {
        acc.add_scaled(t, c(*w)).unwrap()
    })
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let (j, gamma, delta, g, kappa, n_th) = (-1.0, 0.4, 1.0, 1.0, 0.5f64, 0.2f64);
        let s2 = 2f64.sqrt();
        // Spin 1, basis m = +1, 0, −1.
        let sp = CsrMatrix::from_triplets(3, 3, &[(0, 1, c(s2)), (1, 2, c(s2))]).unwrap();
        let sm = sp.adjoint();
        let sx = sp.add_scaled(&sm, c(1.0)).unwrap().scale(c(0.5));
        let sy = sp
            .add_scaled(&sm, c(-1.0))
            .unwrap()
            .scale(c64::new(0.0, -0.5));
        let sz = CsrMatrix::diagonal(&[c(1.0), c(0.0), c(-1.0)]);
        let a1 = CsrMatrix::from_triplets(
            LEVELS,
            LEVELS,
            &(1..LEVELS)
                .map(|k| (k - 1, k, c((k as f64).sqrt())))
                .collect::<Vec<_>>(),
        )
        .unwrap();

        // Battery alone (for its ground state), then everything on cavity ⊗ spins.
        let battery_h = |dims: &[usize], first: usize| {
            let n: usize = dims.iter().product();
            let mut terms = Vec::new();
            for s in 0..SITES {
                terms.push((1.0, embed(&sz, first + s, dims)));
            }
            for s in 0..SITES - 1 {
                for (w, op) in [
                    (j * (1.0 + gamma), &sx),
                    (j * (1.0 - gamma), &sy),
                    (j * delta, &sz),
                ] {
                    let pair = embed(op, first + s, dims)
                        .matmul(&embed(op, first + s + 1, dims))
                        .unwrap();
                    terms.push((w, pair));
                }
            }
            sum(&terms, n)
        };
        let spin_dims = [3; SITES];
        let hb = battery_h(&spin_dims, 0);
        let eig = hb.to_dense().self_adjoint_eigen(Side::Lower).unwrap();
        let ground = eig.U().col(0).to_owned();

        let dims = [LEVELS, 3, 3, 3];
        let n: usize = dims.iter().product();
        let a = embed(&a1, 0, &dims);
        let x = a.add_scaled(&a.adjoint(), c(1.0)).unwrap();
        let mut terms = vec![
            (1.0, a.adjoint().matmul(&a).unwrap()),
            (1.0, battery_h(&dims, 1)),
        ];
        for s in 0..SITES {
            let flip = embed(&sp.add_scaled(&sm, c(1.0)).unwrap(), 1 + s, &dims);
            terms.push((g, flip.matmul(&x).unwrap()));
        }
        let h = sum(&terms, n);
        let jumps = vec![
            a.scale(c((kappa * (n_th + 1.0)).sqrt())),
            a.adjoint().scale(c((kappa * n_th).sqrt())),
        ];
        let lindblad = Lindblad::new(Hamiltonian::constant(h).unwrap(), jumps).unwrap();

        let nb = ground.nrows();
        let psi0: Vec<c64> = (0..n)
            .map(|i| if i / nb == 3 { ground[i % nb] } else { c(0.0) })
            .collect();
        let rho0 = Mat::from_fn(n, n, |r, s| psi0[r] * psi0[s].conj());
        let times = (0..=200).map(|k| 0.25 * k as f64).collect();
        Model {
            lindblad,
            rho0,
            times,
            opts: OdeOptions::with_tolerances(1e-6, 1e-8),
        }
    })
}

/// One evaluation of dρ/dt (dimension 378) with the default rayon pool.
#[divan::bench]
fn rhs(bencher: Bencher) {
    let m = model();
    let mut ws = m.lindblad.workspace();
    let mut out = Mat::<c64>::zeros(m.rho0.nrows(), m.rho0.ncols());
    bencher.bench_local(|| m.lindblad.rhs(&mut ws, 0.0, m.rho0.as_ref(), out.as_mut()));
}

/// One evaluation of dρ/dt on a single thread.
#[divan::bench]
fn rhs_one_thread(bencher: Bencher) {
    let m = model();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut ws = m.lindblad.workspace();
    let mut out = Mat::<c64>::zeros(m.rho0.nrows(), m.rho0.ncols());
    bencher.bench_local(|| {
        pool.install(|| m.lindblad.rhs(&mut ws, 0.0, m.rho0.as_ref(), out.as_mut()))
    });
}

/// ρ(t) for t ∈ [0, 50] at 201 output times, rtol 1e-6, atol 1e-8, observables left to the caller.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn evolve_t50(bencher: Bencher) {
    let m = model();
    static REPORTED: Once = Once::new();
    bencher.bench_local(|| {
        let report = m
            .lindblad
            .evolve_with(m.rho0.as_ref(), &m.times, &m.opts, |_, _, _| Ok(()))
            .unwrap();
        REPORTED.call_once(|| {
            eprintln!(
                "evolve_t50: {:?}, warnings {:?}",
                report.stats, report.warnings
            )
        });
        divan::black_box(report)
    });
}
