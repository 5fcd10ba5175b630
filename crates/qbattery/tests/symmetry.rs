//! The symmetries found in a problem (the chain's reflection, the weak parity of the open
//! cavity chain) change no number: reduced runs agree with runs in the whole charge
//! subspace (`solver.symmetries = false`), closed to 1e-10 and open at the solver
//! tolerance, and the steady state of the initial state's sector is the long-time limit.

use qbattery::models::cavity_chain::Params;
use qbattery::simulation::{Drive, Method, Metric, OutputSettings, Run, TimeGrid};

fn chain(two_j: u32, levels: usize, kappa: f64, n_th: f64) -> Params {
    let mut p = Params::paper(
        two_j,
        -1.0,
        1.0,
        TimeGrid {
            t_max: 4.0,
            steps: 41,
        },
    );
    p.cavity.levels = levels;
    p.cavity.kappa = kappa;
    p.cavity.n_th = n_th;
    p.solver.rtol = 1e-10;
    p.solver.atol = 1e-12;
    p.output = OutputSettings {
        metrics: vec![
            Metric::Energy,
            Metric::Ergotropy,
            Metric::LogNegativity,
            Metric::Photons,
        ],
        cutoff_tolerance: 0.9,
        ..OutputSettings::default()
    };
    p
}

fn run(p: &Params, symmetries: bool) -> Run {
    let mut p = p.clone();
    p.solver.symmetries = symmetries;
    qbattery::models::cavity_chain::simulate(&p).unwrap()
}

fn max_diff(a: &Run, b: &Run) -> f64 {
    let mut worst: f64 = 0.0;
    for (name, values) in &a.series {
        let other = b.series(name).unwrap();
        for (x, y) in values.iter().zip(other) {
            worst = worst.max((x - y).abs());
        }
    }
    worst
}

fn record(run: &Run, key: &str) -> String {
    format!("{:?}", run.solver.get(key))
}

#[test]
fn closed_reflection_blocks_match_the_whole_sector() {
    for two_j in [1, 2] {
        let p = chain(two_j, 8, 0.0, 0.0);
        let (reduced, whole) = (run(&p, true), run(&p, false));
        assert_eq!(reduced.method, Method::EigenPropagation);
        assert!(record(&reduced, "symmetry").contains("reflection"));
        assert!(record(&whole, "symmetry") == "None");
        let d = max_diff(&reduced, &whole);
        assert!(d < 1e-10, "2j = {two_j}: {d:e}");
        for k in ["e_max", "p_max"] {
            let diff = (reduced.scalars[k] - whole.scalars[k]).abs();
            assert!(diff < 1e-10, "{k}: {diff:e}");
        }
        // The time of a maximum is fixed only to √(round-off) by the values around it.
        let diff = (reduced.scalars["t_p_max"] - whole.scalars["t_p_max"]).abs();
        assert!(diff < 1e-6, "t_p_max: {diff:e}");
    }
}

#[test]
fn driven_reflection_sector_matches_the_whole_sector() {
    let mut p = chain(1, 8, 0.0, 0.0);
    p.coupling.g = Drive::Piecewise {
        edges: vec![0.0, 1.0, 2.5, 4.0],
        values: vec![0.5, 1.2, 0.8],
    };
    let (reduced, whole) = (run(&p, true), run(&p, false));
    assert_eq!(reduced.method, Method::KrylovPiecewise);
    assert!(record(&reduced, "symmetry").contains("P = +1"));
    let d = max_diff(&reduced, &whole);
    assert!(d < 1e-9, "{d:e}");
}

#[test]
fn open_reflection_and_weak_parity_match_the_whole_space() {
    let p = chain(1, 6, 0.5, 0.2);
    let (reduced, whole) = (run(&p, true), run(&p, false));
    assert_eq!(reduced.method, Method::LindbladRk45);
    assert!(record(&reduced, "weak_symmetry").contains("block-diagonal"));
    assert!(reduced.solver.contains_key("symmetry_commutator"));
    // Two parity blocks of ρ evolved side by side, the coherences between them never stored.
    assert!(record(&reduced, "density_blocks").contains(", "));
    assert!(!record(&whole, "density_blocks").contains(", "));
    let d = max_diff(&reduced, &whole);
    assert!(d < 1e-7, "{d:e}");
}

#[test]
fn steady_state_of_the_sector_is_unique_and_is_the_long_time_limit() {
    let mut p = chain(1, 6, 0.5, 0.2);
    p.output.steady_state = true;
    let reduced = run(&p, true);
    // Without the symmetries, the subspace reachable from ρ₀ finds the sector's unique
    // steady state too; without either, the whole null space is seen.
    let reachable = run(&p, false);
    let reachable = reachable.steady_state.as_ref().unwrap();
    assert_eq!(reachable.null_space_dimension, 1);
    assert!(reachable.reachable_dimension.is_some());
    p.solver.steady.reachable = false;
    let whole = run(&p, false);
    let (rs, ws) = (
        reduced.steady_state.as_ref().unwrap(),
        whole.steady_state.as_ref().unwrap(),
    );
    // The reflection and the parity split the full null space; the sector's is unique.
    assert_eq!(rs.null_space_dimension, 1);
    assert!(ws.null_space_dimension > 1);
    assert!(rs.residual < 1e-8, "{}", rs.residual);
    assert!((reachable.energy - rs.energy).abs() < 1e-8);
    // The projection of ρ₀ in the whole space reaches the same state.
    assert!(
        (rs.energy - ws.energy).abs() < 1e-8,
        "{} vs {}",
        rs.energy,
        ws.energy
    );
    for (k, v) in &rs.metrics {
        assert!(
            (v - ws.metrics[k]).abs() < 1e-7,
            "{k}: {v} vs {}",
            ws.metrics[k]
        );
    }
    // And long time evolution approaches it at the rate of the gap.
    let gap = rs.gap.unwrap();
    assert!(gap > 0.0 && gap < 0.5, "{gap}");
    let mut long = p.clone();
    long.output.steady_state = false;
    long.time = TimeGrid {
        t_max: 3000.0,
        steps: 5,
    };
    long.solver.rtol = 1e-9;
    long.solver.atol = 1e-11;
    let late = run(&long, true);
    let e_late = *late.series("energy").unwrap().last().unwrap();
    assert!(
        (e_late - rs.energy).abs() < 1e-5,
        "{e_late} vs {}",
        rs.energy
    );
}
