//! Comparisons with QuTiP 5 reference data in `fixtures/` (made by
//! `scripts/qutip_fixtures.py` at rtol = atol = 1e-12). Each test states its tolerance.
//!
//! Basis convention: qbattery labels spin levels by k = m + j (k = 0 is m = −j), QuTiP's
//! `jmat` by m = j − index, so spin indices are reversed when comparing matrices.

use qbattery::dynamics::hamiltonian::Hamiltonian;
use qbattery::dynamics::lindblad::Lindblad;
use qbattery::dynamics::ode::OdeOptions;
use qbattery::dynamics::schrodinger::EigenPropagator;
use qbattery::dynamics::steady::{steady_state, SteadyOptions};
use qbattery::metrics::{entropy, ergotropy, negativity, wigner};
use qbattery::models::{cavity_chain, tavis_cummings};
use qbattery::operators::local::LocalOp;
use qbattery::operators::opsum::OpSum;
use qbattery::sector::Subspace;
use qbattery::simulation::{Metric, OutputSettings, SolverSettings, TimeGrid};
use qbattery::space::{Space, Subsystem};
use qbattery::{c64, Mat};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn cmat(v: &Value) -> Mat<c64> {
    let re: Vec<Vec<f64>> = v["re"].as_array().unwrap().iter().map(floats).collect();
    let im: Vec<Vec<f64>> = v["im"].as_array().unwrap().iter().map(floats).collect();
    Mat::from_fn(re.len(), re[0].len(), |i, j| c64::new(re[i][j], im[i][j]))
}

/// Reverses the basis order (QuTiP spin order ↔ ours) of a matrix of spins only.
fn reversed(m: &Mat<c64>) -> Mat<c64> {
    let n = m.nrows();
    Mat::from_fn(n, n, |i, j| m[(n - 1 - i, n - 1 - j)])
}

fn max_dev(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn max_dev_mat(a: &Mat<c64>, b: &Mat<c64>) -> f64 {
    let mut d = 0.0f64;
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            d = d.max((a[(i, j)] - b[(i, j)]).norm());
        }
    }
    d
}

#[test]
fn spin_operators_match_jmat() {
    let f = fixture("spin_operators.json");
    for (key, two_j) in [("1/2", 1u32), ("1", 2), ("3/2", 3)] {
        let s = Subsystem::Spin { two_j };
        for (name, op) in [
            ("x", LocalOp::Sx),
            ("y", LocalOp::Sy),
            ("z", LocalOp::Sz),
            ("plus", LocalOp::SPlus),
            ("minus", LocalOp::SMinus),
        ] {
            let ours = op.matrix(&s).unwrap().to_dense();
            let theirs = reversed(&cmat(&f["results"][key][name]));
            assert!(max_dev_mat(&ours, &theirs) < 1e-14, "j = {key}, S{name}");
        }
    }
}

fn tc_params(rwa: bool, kappa: f64, n_th: f64) -> tavis_cummings::Params {
    tavis_cummings::Params {
        cells: tavis_cummings::Cells {
            number: 2,
            omega: 1.0,
            representation: tavis_cummings::Representation::Qubits,
        },
        cavity: tavis_cummings::Cavity {
            omega: 1.0,
            levels: 8,
            photons: 3,
            kappa,
            n_th,
        },
        coupling: tavis_cummings::Coupling { g: 0.7.into(), rwa },
        time: TimeGrid {
            t_max: 10.0,
            steps: 101,
        },
        solver: SolverSettings {
            rtol: 1e-10,
            atol: 1e-12,
            ..SolverSettings::default()
        },
        output: OutputSettings {
            metrics: vec![Metric::Energy, Metric::Photons, Metric::Purity],
            cutoff_tolerance: 0.5,
            ..OutputSettings::default()
        },
    }
}

/// sesolve of the Tavis–Cummings battery, with and without the RWA: energy and photon
/// number to 1e-9, the final two-qubit state to 1e-9 (our eigen-propagation is exact).
#[test]
fn tavis_cummings_closed_matches_sesolve() {
    let f = fixture("tavis_cummings_closed.json");
    for (key, rwa) in [("rwa", true), ("non_rwa", false)] {
        let r = &f["results"][key];
        let p = tc_params(rwa, 0.0, 0.0);
        let t = tavis_cummings::simulate(&p).unwrap();
        assert!(
            max_dev(t.series("energy").unwrap(), &floats(&r["battery_energy"])) < 1e-9,
            "{key} energy"
        );
        assert!(
            max_dev(t.series("photons").unwrap(), &floats(&r["photon_number"])) < 1e-9,
            "{key} photons"
        );
        assert!(
            (t.scalars["final_purity"] - r["purity_qubits_final"].as_f64().unwrap()).abs() < 1e-9
        );

        // The final reduced state of the qubits, from the full-space propagator.
        let problem = p.problem().unwrap();
        let full = Subspace::full(&problem.space).unwrap();
        let prop = EigenPropagator::new(&problem.hamiltonian.build(&full).unwrap()).unwrap();
        let psi = prop
            .state_at(&problem.initial.ket_on(&full).unwrap(), 10.0)
            .unwrap();
        let rho_q = full.reduce_ket(&psi, &[1, 2]).unwrap();
        assert!(
            max_dev_mat(&rho_q, &reversed(&cmat(&r["rho_qubits_final"]))) < 1e-9,
            "{key} rho"
        );
    }
}

/// mesolve with thermal cavity damping: our adaptive integrator at rtol 1e-10 agrees to 1e-7.
#[test]
fn tavis_cummings_open_matches_mesolve() {
    let f = fixture("tavis_cummings_open.json");
    let r = &f["results"];
    let t = tavis_cummings::simulate(&tc_params(true, 0.3, 0.2)).unwrap();
    assert!(max_dev(t.series("energy").unwrap(), &floats(&r["battery_energy"])) < 1e-7);
    assert!(max_dev(t.series("photons").unwrap(), &floats(&r["photon_number"])) < 1e-7);
    assert!((t.scalars["final_purity"] - r["purity_qubits_final"].as_f64().unwrap()).abs() < 1e-7);
}

/// A damped cavity from |4⟩: ⟨n⟩(t) against mesolve (1e-8) — itself within 2e-7 of the
/// untruncated closed form n_th + (n0 − n_th) e^{−κt}.
#[test]
fn damped_cavity_matches_mesolve() {
    let f = fixture("damped_cavity.json");
    let p = &f["parameters"];
    let levels = p["levels"].as_u64().unwrap() as usize;
    let (kappa, n_th) = (p["kappa"].as_f64().unwrap(), p["n_th"].as_f64().unwrap());
    let space = Space::new()
        .with("cavity", Subsystem::Mode { levels })
        .unwrap();
    let full = Subspace::full(&space).unwrap();
    let h = OpSum::term(1.0, vec![(0, LocalOp::Number)])
        .build(&full)
        .unwrap();
    let jumps = vec![
        OpSum::term((kappa * (n_th + 1.0)).sqrt(), vec![(0, LocalOp::Destroy)])
            .build(&full)
            .unwrap(),
        OpSum::term((kappa * n_th).sqrt(), vec![(0, LocalOp::Create)])
            .build(&full)
            .unwrap(),
    ];
    let n_op = OpSum::term(1.0, vec![(0, LocalOp::Number)])
        .build(&full)
        .unwrap();
    let lindblad = Lindblad::new(Hamiltonian::constant(h).unwrap(), jumps).unwrap();
    let times = floats(&f["results"]["times"]);
    let rho0 = qbattery::states::ket_to_density(&qbattery::states::fock(levels, 4).unwrap());
    let ev = lindblad
        .evolve(
            rho0.as_ref(),
            &times,
            &OdeOptions::with_tolerances(1e-10, 1e-12),
        )
        .unwrap();
    let n: Vec<f64> = ev
        .states
        .iter()
        .map(|rho| n_op.expectation(rho.as_ref()))
        .collect();
    assert!(max_dev(&n, &floats(&f["results"]["photon_number"])) < 1e-8);
}

/// steadystate() of a driven, damped qubit, and the Bloch closed form: 1e-10.
#[test]
fn driven_qubit_steady_state_matches() {
    let f = fixture("driven_qubit_steady.json");
    let p = &f["parameters"];
    let (delta, omega, gamma) = (
        p["Delta"].as_f64().unwrap(),
        p["Omega"].as_f64().unwrap(),
        p["gamma"].as_f64().unwrap(),
    );
    let space = Space::new().with("q", Subsystem::QUBIT).unwrap();
    let full = Subspace::full(&space).unwrap();
    let mut h = OpSum::term(delta / 2.0, vec![(0, LocalOp::PauliZ)]);
    h.add(omega / 2.0, vec![(0, LocalOp::PauliX)]);
    let l = OpSum::term(gamma.sqrt(), vec![(0, LocalOp::SMinus)])
        .build(&full)
        .unwrap();
    let ss = steady_state(
        &h.build(&full).unwrap(),
        &[l],
        None,
        &SteadyOptions::default(),
    )
    .unwrap();
    assert_eq!(ss.null_dim, 1);
    assert!(max_dev_mat(&ss.rho, &reversed(&cmat(&f["results"]["rho_ss"]))) < 1e-10);
    assert!(
        max_dev_mat(
            &ss.rho,
            &reversed(&cmat(&f["results"]["rho_ss_closed_form"]))
        ) < 1e-10
    );
}

/// Entropy, purity, log-negativity and ergotropy of seeded random states: 1e-10.
#[test]
fn metrics_match_qutip_and_numpy() {
    let f = fixture("metrics_states.json");
    for s in f["results"]["states"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let rho = cmat(&s["rho"]);
        let dims: Vec<usize> = s["dims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert!(
            (entropy::von_neumann_entropy(rho.as_ref()).unwrap()
                - s["entropy_vn"].as_f64().unwrap())
            .abs()
                < 1e-10,
            "{name} entropy"
        );
        assert!(
            (entropy::purity(rho.as_ref()) - s["purity"].as_f64().unwrap()).abs() < 1e-12,
            "{name} purity"
        );
        let ln = negativity::log_negativity(rho.as_ref(), &dims, &[0]).unwrap();
        assert!(
            (ln - s["log_negativity"].as_f64().unwrap()).abs() < 1e-10,
            "{name} log-negativity"
        );
        for h in ["diag", "full"] {
            let w =
                ergotropy::ergotropy(rho.as_ref(), cmat(&s[format!("h_{h}")]).as_ref()).unwrap();
            assert!(
                (w - s[format!("ergotropy_{h}")].as_f64().unwrap()).abs() < 1e-10,
                "{name} ergotropy ({h})"
            );
        }
    }
}

/// qutip.wigner (g = √2) of a Fock state, a coherent state and an even cat: 1e-10.
#[test]
fn wigner_matches_qutip() {
    let f = fixture("wigner.json");
    let r = &f["results"];
    let (xvec, pvec) = (floats(&r["xvec"]), floats(&r["pvec"]));
    let cases = [
        ("fock_3", qbattery::states::fock(10, 3).unwrap()),
        (
            "coherent",
            qbattery::states::coherent(30, c64::new(1.0, 0.5)).unwrap(),
        ),
        ("even_cat", {
            let a = qbattery::states::coherent(30, c64::new(1.5, 0.0)).unwrap();
            let b = qbattery::states::coherent(30, c64::new(-1.5, 0.0)).unwrap();
            let v: Vec<c64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
            let n = qbattery::states::norm_sqr(&v).sqrt();
            v.into_iter().map(|x| x / n).collect()
        }),
    ];
    for (name, psi) in cases {
        let rho = qbattery::states::ket_to_density(&psi);
        let w = wigner::wigner(rho.as_ref(), &xvec, &pvec).unwrap();
        let expect: Vec<Vec<f64>> = r[name]["w"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        for (i, row) in expect.iter().enumerate() {
            for (k, &e) in row.iter().enumerate() {
                assert!(
                    (w[(i, k)] - e).abs() < 1e-10,
                    "{name} at p = {}, x = {}",
                    pvec[i],
                    xvec[k]
                );
            }
        }
    }
}

fn chain_params(kappa: f64, n_th: f64) -> cavity_chain::Params {
    cavity_chain::Params {
        chain: cavity_chain::Chain {
            sites: 2,
            two_j: 2,
            omega: 1.0,
            j: -1.0,
            gamma: 0.4,
            delta: 1.0,
            initial: cavity_chain::ChainStart::Ground,
        },
        cavity: cavity_chain::Cavity {
            omega: 1.0,
            levels: 6,
            photons: 2,
            kappa,
            n_th,
        },
        coupling: cavity_chain::Coupling {
            g: 1.0.into(),
            kind: cavity_chain::CouplingKind::Rabi,
        },
        time: TimeGrid {
            t_max: 5.0,
            steps: 51,
        },
        solver: SolverSettings {
            rtol: 1e-10,
            atol: 1e-12,
            ..SolverSettings::default()
        },
        output: OutputSettings {
            metrics: vec![Metric::Energy, Metric::LogNegativity],
            cutoff_tolerance: 0.5,
            ..OutputSettings::default()
        },
    }
}

/// Paper 000's spin-1 chain + cavity (N = 2, 6 levels): H_B spectrum, closed (sesolve) and
/// open (mesolve) stored energy and cavity–chain log-negativity.
#[test]
fn spin1_chain_cavity_matches_qutip() {
    let f = fixture("spin1_chain_cavity.json");
    let r = &f["results"];
    let p = chain_params(0.0, 0.0);
    let (problem, warnings) = p.problem().unwrap();
    assert!(
        warnings.is_empty(),
        "H_B ground state should be unique: {warnings:?}"
    );
    let h_b = problem
        .battery
        .hamiltonian
        .build(&Subspace::full(&problem.battery.space).unwrap())
        .unwrap()
        .to_dense();
    let g = qbattery::states::ground_state(h_b.as_ref(), 1e-9).unwrap();
    assert!((g.energy - r["h_b_ground_energy"].as_f64().unwrap()).abs() < 1e-12);
    assert!((g.gap - r["h_b_gap"].as_f64().unwrap()).abs() < 1e-12);

    let closed = cavity_chain::simulate(&p).unwrap();
    assert!(
        max_dev(
            closed.series("energy").unwrap(),
            &floats(&r["closed"]["energy"])
        ) < 1e-9
    );
    assert!(
        max_dev(
            closed.series("log_negativity").unwrap(),
            &floats(&r["closed"]["log_negativity"])
        ) < 1e-8
    );
    let open = cavity_chain::simulate(&chain_params(0.5, 0.2)).unwrap();
    assert!(
        max_dev(
            open.series("energy").unwrap(),
            &floats(&r["open"]["energy"])
        ) < 1e-7
    );
    assert!(
        max_dev(
            open.series("log_negativity").unwrap(),
            &floats(&r["open"]["log_negativity"])
        ) < 1e-6
    );
}

/// The steady states reached from |3⟩ ⊗ |G⟩_B in the chain's reflection sector against a
/// reference computed in that sector by a separate construction (an explicit orbit basis
/// of R, long expm_multiply evolution without parity blocks, and dense eigenvalues of the
/// parity-block-diagonal sector Liouvillian): E(∞), E_N(∞), the null-space dimension
/// (2 for the spin-1 chain at 6 levels) and the gap.
#[test]
fn chain_steady_states_match_the_sector_reference() {
    let f = fixture("chain_steady_sectors.json");
    for case in f["results"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let two_j = (2.0 * case["j"].as_f64().unwrap()).round() as u32;
        let mut p = cavity_chain::Params::paper(
            two_j,
            case["J"].as_f64().unwrap(),
            1.0,
            TimeGrid {
                t_max: 0.1,
                steps: 5,
            },
        );
        p.cavity.levels = case["levels"].as_u64().unwrap() as usize;
        p.cavity.kappa = case["kappa"].as_f64().unwrap();
        p.cavity.n_th = case["n_th"].as_f64().unwrap();
        p.output = OutputSettings {
            metrics: vec![Metric::Energy, Metric::LogNegativity],
            cutoff_tolerance: 0.9,
            steady_state: true,
            ..OutputSettings::default()
        };
        let want = |k: &str| case[k].as_f64().unwrap();
        let null_dim = case["null_space_dimension"].as_u64().unwrap() as usize;
        // On the subspace reachable from the initial state the steady state is unique and
        // the same; the fixture's null space and gap are those of the whole sector.
        let reached = cavity_chain::simulate(&p).unwrap();
        let reached = reached.steady_state.as_ref().unwrap();
        assert_eq!(reached.null_space_dimension, 1, "{name}");
        assert!(
            (reached.energy - want("energy")).abs() < 1e-8,
            "{name}: reachable E(∞) {} vs {}",
            reached.energy,
            want("energy")
        );
        if null_dim > 1 {
            let sector = case["sector_dim"].as_u64().unwrap() as usize;
            assert!(
                reached.reachable_dimension.is_some_and(|r| r < sector),
                "{name}"
            );
        }
        p.solver.steady.reachable = false;
        let run = cavity_chain::simulate(&p).unwrap();
        let ss = run.steady_state.as_ref().unwrap();
        assert_eq!(ss.reachable_dimension, None, "{name}");
        assert_eq!(ss.null_space_dimension, null_dim, "{name}");
        assert!(
            (ss.energy - want("energy")).abs() < 1e-8,
            "{name}: E(∞) {} vs {}",
            ss.energy,
            want("energy")
        );
        let ln = ss.metrics["log_negativity"];
        assert!(
            (ln - want("log_negativity")).abs() < 1e-7,
            "{name}: E_N(∞) {ln} vs {}",
            want("log_negativity")
        );
        let gap = ss.gap.unwrap();
        assert!(
            (gap - want("gap")).abs() < 1e-6 * want("gap"),
            "{name}: gap {gap} vs {}",
            want("gap")
        );
        // QuTiP's steadystate in the whole space returns another steady state (a mixture
        // of the two reflection sectors'), not the one reached from the initial state.
        if let Some(whole) = case.get("whole_space_qutip_steadystate_energy") {
            let whole = whole.as_f64().unwrap();
            assert!((whole - ss.energy).abs() > 1e-3, "{name}: {whole}");
        }
    }
}
