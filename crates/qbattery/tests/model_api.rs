//! The model API end to end through the registry: drives against closed forms, the
//! steady state of the runner against the thermal state, pair metrics against the
//! two-cell Tavis–Cummings solution, and memory refusals before any allocation.

use qbattery::models::Model;
use qbattery::simulation::{Method, Silent};
use qbattery::{c64, Mat};

fn load(text: &str, set: &[&str]) -> Box<dyn Model> {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    qbattery::scenario::load(text, &set).unwrap()
}

const QUBIT: &str = r#"
model = "driven_qubit"
[qubit]
omega = 1.3
drive = 0.7
[time]
t_max = 6.0
steps = 121
[output]
metrics = ["energy", "power", "ergotropy", "purity"]
"#;

/// H = ω S^z + Ω S^x from |g⟩: P_e(t) = (Ω/Ω_R)² sin²(Ω_R t/2), E = ω P_e.
#[test]
fn constant_drive_is_the_rabi_formula() {
    let run = load(QUBIT, &[]).run(u64::MAX, &mut Silent).unwrap();
    assert_eq!(run.method, Method::EigenPropagation);
    let (w, om) = (1.3f64, 0.7f64);
    let wr = (w * w + om * om).sqrt();
    for (t, e) in run.grid.iter().zip(run.series("energy").unwrap()) {
        let exact = w * (om / wr).powi(2) * (wr * t / 2.0).sin().powi(2);
        assert!((e - exact).abs() < 1e-12, "t = {t}: {e} vs {exact}");
    }
    // A pure state of one qubit: all its energy above the ground state is ergotropy.
    let (e, erg) = (
        run.series("energy").unwrap(),
        run.series("ergotropy").unwrap(),
    );
    assert!(e.iter().zip(erg).all(|(a, b)| (a - b).abs() < 1e-10));
}

/// 2×2 propagator exp(−i(ω S^z + Ω S^x)τ) applied to ψ.
fn step(psi: [c64; 2], w: f64, om: f64, tau: f64) -> [c64; 2] {
    let h = Mat::<c64>::from_fn(2, 2, |i, j| match (i, j) {
        (0, 0) => c64::new(-w / 2.0, 0.0),
        (1, 1) => c64::new(w / 2.0, 0.0),
        _ => c64::new(om / 2.0, 0.0),
    });
    let evd = h.self_adjoint_eigen(faer::Side::Lower).unwrap();
    let (u, s) = (evd.U(), evd.S());
    let mut out = [c64::new(0.0, 0.0); 2];
    for k in 0..2 {
        let phase = c64::from_polar(1.0, -s[k].re * tau);
        let proj = u[(0, k)].conj() * psi[0] + u[(1, k)].conj() * psi[1];
        for (i, o) in out.iter_mut().enumerate() {
            *o += u[(i, k)] * phase * proj;
        }
    }
    out
}

/// A piecewise-constant drive runs by Krylov between its break points and equals the
/// product of the exact propagators of its steps.
#[test]
fn piecewise_drive_equals_the_product_of_its_steps() {
    let run = load(
        QUBIT,
        &["qubit.drive={ edges = [0.0, 1.5, 3.5], values = [0.4, 2.0] }"],
    )
    .run(u64::MAX, &mut Silent)
    .unwrap();
    assert_eq!(run.method, Method::KrylovPiecewise);
    let w = 1.3;
    for (k, (&t, e)) in run
        .grid
        .iter()
        .zip(run.series("energy").unwrap())
        .enumerate()
    {
        if k % 10 != 0 {
            continue;
        }
        // Level 0 is S^z = −1/2 (|g⟩).
        let mut psi = [c64::new(1.0, 0.0), c64::new(0.0, 0.0)];
        psi = step(psi, w, 0.4, t.min(1.5));
        if t > 1.5 {
            psi = step(psi, w, 2.0, t - 1.5);
        }
        let exact = w * psi[1].norm_sqr();
        assert!((e - exact).abs() < 1e-9, "t = {t}: {e} vs {exact}");
    }
}

/// The thermal qubit's steady state through the runner: p_e = n/(2n + 1), so
/// E(∞) = ω p_e, unique, with gap Γ/2 = γ(2n + 1)/2.
#[test]
fn runner_steady_state_is_thermal() {
    let run = load(
        QUBIT,
        &[
            "qubit.drive=0.0",
            "qubit.gamma=0.4",
            "qubit.n_th=0.3",
            "output.steady_state=true",
        ],
    )
    .run(u64::MAX, &mut Silent)
    .unwrap();
    let ss = run.steady_state.as_ref().unwrap();
    let pe = 0.3 / 1.6;
    assert!((ss.energy - 1.3 * pe).abs() < 1e-12, "{}", ss.energy);
    assert!(ss.unique && ss.null_space_dimension == 1);
    assert!(
        (ss.gap.unwrap() - 0.4 * 1.6 / 2.0).abs() < 1e-10,
        "{:?}",
        ss.gap
    );
    assert!(ss.residual < 1e-12);
    // Purity of the thermal state, and no ergotropy in a passive state.
    assert!((ss.metrics["purity"] - (pe * pe + (1.0 - pe) * (1.0 - pe))).abs() < 1e-12);
    assert!(ss.metrics["ergotropy"].abs() < 1e-12);
    // The trajectory relaxes towards it.
    let e = run.series("energy").unwrap();
    assert!((e[e.len() - 1] - ss.energy).abs() < 0.2 * (e[0] - ss.energy).abs());
}

const PAIR: &str = r#"
model = "tavis_cummings"
[cells]
number = 2
omega = 1.0
representation = "qubits"
[cavity]
omega = 1.0
levels = 4
photons = 1
[coupling]
g = 0.3
[time]
t_max = 5.0
steps = 51
[output]
metrics = ["energy", "concurrence", "steering_ab", "steering_ba", "eigen_populations", "entropy"]
entropy_of = ["cavity"]
"#;

/// Two cells and one photon (RWA): the cells are cos²θ|gg⟩⟨gg| + sin²θ|Ψ⁺⟩⟨Ψ⁺| with
/// θ = √2 g t, so E = ω sin²θ, the concurrence is sin²θ, the eigenspace populations are
/// (cos²θ, sin²θ, 0), and the global state is pure: S(cells) = S(cavity).
#[test]
fn pair_metrics_follow_the_two_cell_solution() {
    let run = load(PAIR, &[]).run(u64::MAX, &mut Silent).unwrap();
    let th: Vec<f64> = run.grid.iter().map(|t| 2f64.sqrt() * 0.3 * t).collect();
    let col = |n: &str| run.series(n).unwrap_or_else(|| panic!("no column {n}"));
    for (k, th) in th.iter().enumerate() {
        let s2 = th.sin().powi(2);
        assert!((col("energy")[k] - s2).abs() < 1e-12);
        assert!((col("concurrence")[k] - s2).abs() < 1e-10, "{k}");
        assert!((col("eigen_population_0")[k] - (1.0 - s2)).abs() < 1e-12);
        assert!((col("eigen_population_1")[k] - s2).abs() < 1e-12);
        assert!(col("eigen_population_2")[k].abs() < 1e-12);
        assert!((col("entropy")[k] - col("entropy_cavity")[k]).abs() < 1e-9);
        // Symmetric state: both steering directions agree, and a maximally entangled
        // |Ψ⁺⟩ (θ = π/2) would give I = 0 < 2.
        assert!((col("steering_ab")[k] - col("steering_ba")[k]).abs() < 1e-9);
        assert!((0.0..=3.0 + 1e-12).contains(&col("steering_ab")[k]));
    }
    assert_eq!(run.scalars["eigen_level_1"], 1.0);
    // A pair that is not two qubits is refused before the run.
    let err = load(
        PAIR,
        &[
            "cells.representation=\"dicke\"",
            "output.metrics=[\"concurrence\"]",
            "output.entropy_of=[]",
        ],
    )
    .run(u64::MAX, &mut Silent)
    .unwrap_err()
    .to_string();
    assert!(err.contains("output.pair"), "{err}");
    let err = load(PAIR, &["output.pair=[\"cell1\", \"cavity\"]"])
        .run(u64::MAX, &mut Silent)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("output.pair[1]") && err.contains("qubit"),
        "{err}"
    );
}

/// A run over the memory limit is refused with the estimate before anything is built;
/// `describe` estimates what it does not build.
#[test]
fn memory_limit_refuses_before_allocating() {
    let chain = include_str!("../../../examples/cavity_chain.toml");
    let m = load(
        chain,
        &["chain.sites=8", "chain.two_j=3", "cavity.kappa=0.5"],
    );
    let d = m.describe(1 << 30).unwrap();
    assert!(d.method.is_none() && d.memory.total() > 100 << 30, "{d}");
    let err = m.run(1 << 30, &mut Silent).unwrap_err().to_string();
    assert!(err.contains("needs about") && err.contains("H_B"), "{err}");
    // Within the limit the description is complete and matches the run's blocks.
    let m = load(chain, &[]);
    let d = m.describe(u64::MAX).unwrap();
    assert_eq!(d.dimension, Some(378));
    assert_eq!(d.evolved_in.as_ref().map(|e| e.1), Some(189));
    assert_eq!(d.method, Some(Method::EigenPropagation));
}

/// `output.check_cutoff` repeats the run at a larger cutoff: the first charging peak of
/// the spin-1/2 chain holds at 14 Fock levels, its value at ω_a t = 10 does not (a
/// warning); a model without a cutoff, or a smaller cutoff, is refused by name.
#[test]
fn cutoff_check_reports_both_values() {
    let chain = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/cavity_chain.toml"
    ))
    .unwrap();
    let base = [
        "chain.two_j=1",
        "output.metrics=[\"energy\",\"power\"]",
        "output.check_cutoff=30",
    ];
    let short = load(
        &chain,
        &[&base[..], &["time.t_max=0.6", "time.steps=61"]].concat(),
    )
    .run(u64::MAX, &mut Silent)
    .unwrap();
    let c = short.cutoff_check.as_ref().unwrap();
    assert_eq!(c.levels, [14, 30]);
    assert!(c.converged, "{c:?}");
    let [a, b] = c.scalars["p_max"];
    assert!((a - b).abs() < 1e-6 * a, "{a} vs {b}");
    let long = load(&chain, &base).run(u64::MAX, &mut Silent).unwrap();
    let c = long.cutoff_check.as_ref().unwrap();
    assert!(!c.converged && c.max_relative_difference > 0.1, "{c:?}");
    assert!(c.scalars.contains_key("final_energy"));
    assert!(long
        .warnings
        .iter()
        .any(|w| w.to_string().contains("not converged in the cutoff")));
    for (text, set) in [
        (QUBIT, "output.check_cutoff=30"),
        (chain.as_str(), "output.check_cutoff=10"),
    ] {
        let err = load(text, &[set]).run(u64::MAX, &mut Silent).unwrap_err();
        assert!(err.to_string().contains("output.check_cutoff"), "{err}");
    }
}
