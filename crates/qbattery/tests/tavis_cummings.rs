//! The Tavis–Cummings battery end to end, against closed forms and against itself in
//! other representations (Dicke vs separate qubits, symmetry blocks vs the full space).

use qbattery::models::tavis_cummings::{Cavity, Cells, Coupling, Params, Representation};
use qbattery::simulation::{self, Metric, OutputSettings, SolverSettings, TimeGrid};
use std::f64::consts::PI;

fn params(n: u32, levels: usize, photons: usize, g: f64, rwa: bool) -> Params {
    Params {
        cells: Cells {
            number: n,
            omega: 1.0,
            representation: Representation::Dicke,
        },
        cavity: Cavity {
            omega: 1.0,
            levels,
            photons,
            kappa: 0.0,
            n_th: 0.0,
        },
        coupling: Coupling { g: g.into(), rwa },
        time: TimeGrid {
            t_max: 6.0,
            steps: 121,
        },
        solver: SolverSettings::default(),
        output: OutputSettings {
            metrics: vec![
                Metric::Energy,
                Metric::Power,
                Metric::Ergotropy,
                Metric::Purity,
                Metric::Photons,
            ],
            cutoff_tolerance: 1e-6,
            ..OutputSettings::default()
        },
    }
}

/// Jaynes–Cummings (one cell): E(t) = ω sin²(g√n t) at resonance, and P_max is
/// max ω sin²(x)/x · g√n with x = g√n t, whose maximum 0.7246… is at tan x = 2x.
#[test]
fn jaynes_cummings_rabi_oscillation() {
    for photons in [1usize, 3] {
        let g = 0.4;
        let p = params(1, 8, photons, g, true);
        let t = qbattery::models::tavis_cummings::simulate(&p).unwrap();
        let omega_r = g * (photons as f64).sqrt();
        for (ti, e) in t.grid.iter().zip(t.series("energy").unwrap()) {
            assert!((e - (omega_r * ti).sin().powi(2)).abs() < 1e-12, "t = {ti}");
        }
        // E_max = 1 at t = π/(2 g√n), refined off the grid.
        assert!((t.scalars["e_max"] - 1.0).abs() < 1e-10);
        assert!((t.scalars["t_e_max"] - PI / (2.0 * omega_r)).abs() < 1e-6);
        // x* solves tan x = 2x; sin²(x*)/x* = 0.7246…
        let x_star = 1.165_561_185_207_211;
        assert!(
            (t.scalars["t_p_max"] - x_star / omega_r).abs() < 1e-6,
            "{}",
            t.scalars["t_p_max"]
        );
        assert!((t.scalars["p_max"] - omega_r * x_star.sin().powi(2) / x_star).abs() < 1e-10);
        // a single cell's state stays diagonal: its ergotropy is max(0, 2p_e − 1)·ω
        for (e, w) in t
            .series("energy")
            .unwrap()
            .iter()
            .zip(t.series("ergotropy").unwrap())
        {
            assert!((w - (2.0 * e - 1.0).max(0.0)).abs() < 1e-10);
        }
        // photons + excitations conserved
        for (e, n) in t
            .series("energy")
            .unwrap()
            .iter()
            .zip(t.series("photons").unwrap())
        {
            assert!((e + n - photons as f64).abs() < 1e-10);
        }
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }
}

/// The Dicke representation and N separate qubits give the same physics.
#[test]
fn dicke_and_qubit_representations_agree() {
    for rwa in [true, false] {
        let dicke = params(3, 10, 3, 0.3, rwa);
        let mut qubits = dicke.clone();
        qubits.cells.representation = Representation::Qubits;
        let a = qbattery::models::tavis_cummings::simulate(&dicke).unwrap();
        let b = qbattery::models::tavis_cummings::simulate(&qubits).unwrap();
        for name in ["energy", "ergotropy", "purity", "photons"] {
            for (x, y) in a.series(name).unwrap().iter().zip(b.series(name).unwrap()) {
                assert!((x - y).abs() < 1e-9, "{name} (rwa = {rwa}): {x} vs {y}");
            }
        }
    }
}

/// Evolving only the occupied block equals evolving the whole space, and the block is
/// as small as the charge says.
#[test]
fn symmetry_blocks_match_the_full_space() {
    let p = params(4, 12, 4, 0.5, true);
    let problem = p.problem().unwrap();
    let plan = simulation::plan(&problem, &p.solver, &p.output).unwrap();
    // RWA: excitation number 4 → photons 0..4 with cells 4..0: 5 states.
    assert_eq!(plan.subspace.dim(), 5);
    assert_eq!(plan.full_dim, 12 * 5);
    let mut no_symmetry = problem.clone();
    no_symmetry.charge = None;
    let a = simulation::run(
        &problem,
        &p.time,
        &p.solver,
        &p.output,
        &mut simulation::Silent,
    )
    .unwrap();
    let b = simulation::run(
        &no_symmetry,
        &p.time,
        &p.solver,
        &p.output,
        &mut simulation::Silent,
    )
    .unwrap();
    for (x, y) in a
        .series("energy")
        .unwrap()
        .iter()
        .zip(b.series("energy").unwrap())
    {
        assert!((x - y).abs() < 1e-10);
    }
    // Without the RWA the parity block holds half the states.
    let q = params(4, 12, 4, 0.5, false).problem().unwrap();
    assert_eq!(
        simulation::plan(&q, &SolverSettings::default(), &OutputSettings::default())
            .unwrap()
            .subspace
            .dim(),
        30
    );
}

/// The open system at κ → 0 reproduces the closed one; with loss, the battery still charges
/// and the trace is kept.
#[test]
fn open_system_is_consistent_with_closed_and_reports_truncation() {
    let mut closed = params(2, 6, 2, 0.5, true);
    closed.time = TimeGrid {
        t_max: 4.0,
        steps: 41,
    };
    let mut open = closed.clone();
    open.cavity.kappa = 1e-12;
    // Both paths report progress once per output time, in order.
    let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
    let a = qbattery::models::tavis_cummings::simulate_with_progress(&closed, &mut |i: usize| {
        seen_a.push(i)
    })
    .unwrap();
    let b = qbattery::models::tavis_cummings::simulate_with_progress(&open, &mut |i: usize| {
        seen_b.push(i)
    })
    .unwrap();
    let all: Vec<usize> = (1..=41).collect();
    assert_eq!((seen_a, seen_b), (all.clone(), all));
    for (x, y) in a
        .series("energy")
        .unwrap()
        .iter()
        .zip(b.series("energy").unwrap())
    {
        assert!((x - y).abs() < 1e-6, "{x} vs {y}");
    }
    assert!((a.scalars["e_max"] - b.scalars["e_max"]).abs() < 1e-5);
    assert_eq!(
        b.solver["method"],
        simulation::RecordValue::Text("lindblad-rk45".into())
    );

    // A cutoff that is too small for the counter-rotating terms is reported.
    let mut tight = params(2, 4, 2, 1.0, false);
    tight.output.cutoff_tolerance = 1e-3;
    let t = qbattery::models::tavis_cummings::simulate(&tight).unwrap();
    assert!(
        t.warnings
            .iter()
            .any(|w| matches!(w, qbattery::Warning::CutoffPopulation { .. })),
        "{:?}",
        t.warnings
    );
}

#[test]
fn bad_parameters_are_named() {
    let mut p = params(2, 4, 4, 0.5, true);
    let err = p.validate().unwrap_err().to_string();
    assert!(err.contains("cavity.photons"), "{err}");
    p.cavity.photons = 1;
    p.cavity.n_th = -0.5;
    assert!(p
        .validate()
        .unwrap_err()
        .to_string()
        .contains("cavity.n_th"));
    p.cavity.n_th = 0.0;
    p.time.steps = 1;
    assert!(p.validate().unwrap_err().to_string().contains("time.steps"));
}
