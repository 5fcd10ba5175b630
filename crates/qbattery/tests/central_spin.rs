//! The central-spin battery (004_5856515c11cfbeb7.txt) against independent computations:
//! full-space evolution, finite differences, brute-force grids, and scenario validation.

use qbattery::c64;
use qbattery::models::central_spin::{
    simulate, CentralSpin, ChargerState, Charging, InitialState, Params,
};
use qbattery::operators::local::LocalOp;
use qbattery::operators::opsum::OpSum;
use qbattery::sector::Subspace;
use qbattery::simulation::TimeGrid;

fn model(n_b: u32, n: u32, b: f64, h: f64, delta: f64) -> CentralSpin {
    CentralSpin {
        n_b,
        n,
        b,
        h,
        a: 0.9,
        delta,
    }
}

/// ΔE_B(t) = ⟨B S^z⟩(t) − ⟨B S^z⟩(0) by dense eigen-decomposition of H on the full
/// (N_B+1)(N+1) space, with a coherent charger that carries an azimuthal phase φ (the
/// block method ignores φ).
fn full_space_energy(m: &CentralSpin, m0: u32, theta: f64, phi: f64, ts: &[f64]) -> Vec<f64> {
    let space = m.space().unwrap();
    let full = Subspace::full(&space).unwrap();
    let h = m.hamiltonian().build(&full).unwrap().to_dense();
    let d = full.dim();
    let eig = h.self_adjoint_eigen(faer::Side::Lower).unwrap();
    let n = m.n as usize;
    let mut psi0 = vec![c64::new(0.0, 0.0); d];
    let binom =
        |n: usize, k: usize| -> f64 { (0..k).map(|i| (n - i) as f64 / (i + 1) as f64).product() };
    for k in 0..=n {
        let amp = binom(n, k).sqrt()
            * (theta / 2.0).cos().powi(k as i32)
            * (theta / 2.0).sin().powi((n - k) as i32);
        psi0[space.index_of(&[m0 as usize, k])] = c64::from_polar(amp, -(k as f64) * phi);
    }
    let sz = OpSum::term(m.b, vec![(0, LocalOp::Sz)])
        .build(&full)
        .unwrap();
    let u = eig.U();
    let lam = eig.S().column_vector();
    let coeffs: Vec<c64> = (0..d)
        .map(|i| (0..d).map(|r| u[(r, i)].conj() * psi0[r]).sum())
        .collect();
    let e_at = |t: f64| -> f64 {
        let phi_t: Vec<c64> = (0..d)
            .map(|i| coeffs[i] * c64::new(0.0, -lam[i].re * t).exp())
            .collect();
        let psi: Vec<c64> = (0..d)
            .map(|r| (0..d).map(|i| u[(r, i)] * phi_t[i]).sum())
            .collect();
        let mut out = vec![c64::new(0.0, 0.0); d];
        sz.mul_vec(&psi, &mut out);
        psi.iter().zip(&out).map(|(a, b)| (a.conj() * b).re).sum()
    };
    let e0 = e_at(0.0);
    ts.iter().map(|&t| e_at(t) - e0).collect()
}

#[test]
fn blocks_reproduce_the_full_space_evolution() {
    let m = model(3, 4, 1.3, 0.8, 0.35);
    let ts: Vec<f64> = (0..40).map(|i| 0.173 * i as f64).collect();
    for &(m0, theta) in &[(0u32, 0.0f64), (1, 0.9), (0, 2.2)] {
        let init = InitialState {
            m: m0,
            charger: ChargerState::Coherent { theta },
        };
        let ch = Charging::new(&m, &init).unwrap();
        let block = ch.jets(&ts);
        let full = full_space_energy(&m, m0, theta, 0.77, &ts);
        for (j, f) in block.iter().zip(&full) {
            assert!(
                (j.de - f).abs() < 1e-11,
                "m0 {m0} θ {theta} t {}: {} vs {f}",
                j.t,
                j.de
            );
        }
    }
}

#[test]
fn derivatives_match_finite_differences() {
    let m = model(6, 9, 1.0, 1.4, -0.3);
    let ch = Charging::new(&m, &InitialState::dicke(1, 7)).unwrap();
    let h = 1e-4;
    for &t in &[0.31, 1.7, 4.2] {
        let j = ch.jets(&[t - h, t, t + h]);
        let d1 = (j[2].de - j[0].de) / (2.0 * h);
        let d2 = (j[2].de - 2.0 * j[1].de + j[0].de) / (h * h);
        assert!(
            (j[1].d1 - d1).abs() < 1e-6 * (1.0 + d1.abs()),
            "{} vs {d1}",
            j[1].d1
        );
        assert!(
            (j[1].d2 - d2).abs() < 1e-4 * (1.0 + d2.abs()),
            "{} vs {d2}",
            j[1].d2
        );
        // the global derivative bounds hold
        assert!(j[1].d1.abs() <= ch.derivative_bound(1));
        assert!(j[1].d2.abs() <= ch.derivative_bound(2));
    }
}

#[test]
fn certified_maxima_dominate_a_brute_force_grid() {
    for &(n_b, n, k) in &[(5u32, 12u32, 12u32), (12, 5, 5), (8, 30, 8)] {
        let m = model(n_b, n, 1.0, 1.0, 0.0);
        let ch = Charging::new(&m, &InitialState::dicke(0, k)).unwrap();
        let p = ch.max_power();
        assert!(p.certified, "{p:?}");
        let t_end = 3.0 * p.window.1;
        let ts: Vec<f64> = (1..=20_000).map(|i| t_end * i as f64 / 20_000.0).collect();
        let jets = ch.jets(&ts);
        let grid_max = jets
            .iter()
            .map(|j| j.de / j.t)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(p.value >= grid_max - 1e-12 * grid_max);
        assert!(
            p.value - grid_max < 1e-4 * grid_max,
            "{} vs {grid_max}",
            p.value
        );
        // the maximum is a stationary point of P: t ΔE' = ΔE
        let j = ch.jets(&[p.t])[0];
        assert!((j.t * j.d1 - j.de).abs() < 1e-9 * j.de, "{j:?} {p:?}");
        let e = ch.max_energy(t_end, &[]);
        assert!(e.certified);
        let e_grid = jets.iter().map(|j| j.de).fold(f64::NEG_INFINITY, f64::max);
        assert!(e.value >= e_grid - 1e-12 && e.value <= ch.energy_bound() + 1e-12);
    }
}

#[test]
fn scenario_runs_and_reports_the_maxima() {
    let p = Params {
        n_b: 10,
        n: 20,
        b: 1.0,
        h: 1.0,
        a: 1.0,
        delta: 0.0,
        initial: InitialState::dicke(0, 20),
        time: TimeGrid {
            t_max: 0.5,
            steps: 201,
        },
    };
    let traj = simulate(&p).unwrap();
    assert_eq!(traj.grid.len(), 201);
    for name in [
        "energy",
        "power",
        "battery_energy",
        "charger_energy",
        "interaction_energy",
    ] {
        assert_eq!(traj.series(name).unwrap().len(), 201, "{name}");
    }
    let e = traj.series("energy").unwrap();
    let grid_max = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(traj.scalars["e_max"] >= grid_max);
    assert!(traj.scalars["e_max"] <= 10.0 + 1e-12);
    let pw = traj.series("power").unwrap();
    assert!(traj.scalars["p_max"] >= pw.iter().copied().fold(0.0, f64::max));
    assert!(traj.warnings.is_empty(), "{:?}", traj.warnings);
    // the battery starts empty: E_B(0) = −B N_B/2
    let eb = traj.series("battery_energy").unwrap();
    assert_eq!(eb[0], -5.0);
    // parameters are checked with the field named
    let bad = Params {
        time: TimeGrid {
            t_max: 0.5,
            steps: 1,
        },
        ..p.clone()
    };
    assert!(simulate(&bad)
        .unwrap_err()
        .to_string()
        .contains("time.steps"));
    let bad = Params {
        initial: InitialState::dicke(11, 0),
        ..p.clone()
    };
    assert!(simulate(&bad)
        .unwrap_err()
        .to_string()
        .contains("initial.m"));
    let bad = Params { b: 0.0, ..p };
    assert!(simulate(&bad).unwrap_err().to_string().contains("b = 0"));
}

#[test]
fn params_deserialize_strictly() {
    let text = r#"{"n_b": 4, "n": 8, "b": 1.0, "h": 1.0,
        "initial": {"m": 0, "charger": {"kind": "coherent", "theta": 0.3}},
        "time": {"t_max": 2.0, "steps": 11}}"#;
    let p: Params = serde_json::from_str(text).unwrap();
    assert_eq!(p.a, 1.0);
    assert_eq!(p.delta, 0.0);
    p.validate().unwrap();
    let typo = text.replace("\"h\"", "\"hh\"");
    assert!(serde_json::from_str::<Params>(&typo).is_err());
}
