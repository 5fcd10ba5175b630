//! The star network of paper 002 against `fixtures/star_steady.json` (QuTiP / SciPy, made by
//! `scripts/qutip_fixtures.py`): steady states reached from several initial states, the
//! null-space dimensions (degenerate with the collective reservoir), E(t), and the Dicke
//! representation of the outer qubits against the whole space.

use qbattery::models::model::run_params;
use qbattery::models::star::{Params, Representation, ReservoirKind};
use qbattery::simulation::{Metric, Run, Silent, TimeGrid};
use serde_json::Value;

fn fixture() -> Value {
    let path = format!(
        "{}/../../fixtures/star_steady.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The fixture's case as parameters, from `initial`, with E(t) on its grid.
fn params(case: &Value, initial: &str, representation: Representation) -> Params {
    let n = case["qubits"].as_u64().unwrap() as usize;
    let kind = match case["kind"].as_str().unwrap() {
        "collective" => ReservoirKind::Collective,
        _ => ReservoirKind::Individual,
    };
    let baths: Vec<Vec<f64>> = case["baths"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();
    let mut p = Params::paper(n, kind, baths[0][0], baths[0][1]);
    if kind == ReservoirKind::Individual {
        p.reservoir.mus = Some(baths.iter().map(|b| b[0]).collect());
        p.reservoir.temperatures = Some(baths.iter().map(|b| b[1]).collect());
    }
    p.network.initial = Some(initial.into());
    p.network.representation = representation;
    p.time = TimeGrid {
        t_max: 4.0,
        steps: 9,
    };
    p.solver.rtol = 1e-10;
    p.solver.atol = 1e-12;
    p.output.metrics = vec![
        Metric::Energy,
        Metric::Ergotropy,
        Metric::NormalizedErgotropy,
        Metric::Purity,
        Metric::LogNegativity,
    ];
    p.output.steady_state = true;
    p
}

fn series<'a>(run: &'a Run, name: &str) -> &'a [f64] {
    &run.series.iter().find(|(n, _)| n == name).unwrap().1
}

/// Every case and initial state, in both representations: E(∞), ℰ, W, purity and E_N of
/// the state reached to 1e-9, E(t) to 1e-7 (the integrator's tolerance), and the null-space
/// dimension of the whole space (the reachable-subspace reduction off) equal to the
/// fixture's, with `unique` saying whether it is 1.
#[test]
fn steady_states_match_the_reference_from_every_initial_state() {
    let f = fixture();
    for case in f["results"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        for s in case["initial_states"].as_array().unwrap() {
            let initial = s["initial"].as_str().unwrap();
            for repr in [Representation::Auto, Representation::Qubits] {
                let label = format!("{name} from {initial} ({repr:?})");
                let run = run_params(params(case, initial, repr), &mut Silent).unwrap();
                let ss = run.steady_state.as_ref().unwrap();
                for (key, ours) in [
                    ("energy_inf", ss.energy),
                    ("ergotropy_inf", ss.metrics["ergotropy"]),
                    (
                        "normalized_ergotropy_inf",
                        ss.metrics["normalized_ergotropy"],
                    ),
                    ("purity_inf", ss.metrics["purity"]),
                    ("log_negativity_inf", ss.metrics["log_negativity"]),
                ] {
                    let reference = s[key].as_f64().unwrap();
                    assert!(
                        (ours - reference).abs() < 1e-9,
                        "{label}: {key} {ours} vs {reference}"
                    );
                }
                let dev = series(&run, "energy")
                    .iter()
                    .zip(floats(&s["energy"]))
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                assert!(dev < 1e-7, "{label}: E(t) off by {dev:.2e}");
            }
            let mut whole = params(case, initial, Representation::Qubits);
            whole.solver.steady.reachable = false;
            whole.solver.symmetries = false;
            let run = run_params(whole, &mut Silent).unwrap();
            let ss = run.steady_state.unwrap();
            let mut null = case["null_space_dimension"].as_u64().unwrap() as usize;
            if name == "collective_n3_zero_temperature" {
                // Decay only: the run keeps the sectors at or below the initial charge;
                // from |ggg⟩ that is the no-excitation sector alone, from |egg⟩ it holds
                // both steady states.
                assert!(
                    ss.counted_in.contains("charge sectors"),
                    "{}",
                    ss.counted_in
                );
                if initial == "ggg" {
                    null = 1;
                }
            } else {
                assert!(
                    ss.counted_in.starts_with("the whole space"),
                    "{}",
                    ss.counted_in
                );
            }
            assert_eq!(ss.null_space_dimension, null, "{name} from {initial}");
            assert_eq!(ss.unique, null == 1, "{name} from {initial}");
        }
    }
}

/// The degenerate collective case says so: N = 2 from |gg⟩ and from |eg⟩ reach different
/// steady states (the 1–2 singlet is dark), and the run warns. With the symmetries on,
/// the swap of the two qubits (a strong symmetry at N = 2) makes the one from |gg⟩ unique
/// in its sector, and the report says where it was counted.
#[test]
fn a_degenerate_collective_steady_state_depends_on_the_initial_state() {
    let f = fixture();
    let case = &f["results"][2];
    assert_eq!(case["name"], "collective_n2");
    let w = |initial: &str| {
        let mut p = params(case, initial, Representation::Qubits);
        p.solver.steady.reachable = false;
        p.solver.symmetries = false;
        let run = run_params(p, &mut Silent).unwrap();
        let ss = run.steady_state.as_ref().unwrap();
        assert!(!ss.unique);
        assert!(
            run.warnings
                .iter()
                .any(|w| w.to_string().contains("steady state")),
            "{:?}",
            run.warnings
        );
        ss.metrics["normalized_ergotropy"]
    };
    let (from_ground, from_eg) = (w("gg"), w("eg"));
    assert!(
        (from_ground - from_eg).abs() > 0.1,
        "{from_ground} {from_eg}"
    );
    let run = run_params(params(case, "gg", Representation::Qubits), &mut Silent).unwrap();
    let ss = run.steady_state.unwrap();
    assert!(
        ss.unique && ss.counted_in.contains("P = +1"),
        "{}",
        ss.counted_in
    );
    assert!((ss.metrics["normalized_ergotropy"] - from_ground).abs() < 1e-9);
}

/// In equilibrium (one μ and T for every qubit) the grand-canonical state ρ ∝ x^{N_exc},
/// x = n/(1 − n) = e^{(μ−ω)/T}, commutes with H (which conserves the excitations) and
/// satisfies detailed balance for every jump, collective or individual: the battery's
/// marginal has p_e/p_g = x, so W = max(0, tanh((μ − ω)/2T)) whatever N, J and ω₀. From
/// |gg⟩ the collective N = 2 network stays in the triplet (the singlet is dark), where the
/// same weights 1, x, x² give W = (x² − 1)/(1 + x + x²).
#[test]
fn equilibrium_steady_states_are_the_grand_canonical_closed_form() {
    let steady_w = |p: Params| {
        let mut p = p;
        p.time = TimeGrid {
            t_max: 0.01,
            steps: 4,
        };
        p.output.metrics = vec![Metric::NormalizedErgotropy];
        p.output.steady_state = true;
        let run = run_params(p, &mut Silent).unwrap();
        run.steady_state.unwrap().metrics["normalized_ergotropy"]
    };
    for (kind, n) in [
        (ReservoirKind::Individual, 2),
        (ReservoirKind::Individual, 4),
        (ReservoirKind::Collective, 3),
        (ReservoirKind::Collective, 5),
    ] {
        for (mu, t, j) in [
            (4.0, 1.0, 1.0),
            (2.5, 0.5, 3.0),
            (0.5, 1.0, 1.0),
            (6.0, 2.0, 0.2),
        ] {
            let mut p = Params::paper(n, kind, mu, t);
            p.network.j = j.into();
            let expected = ((mu - 1.0) / (2.0 * t)).tanh().max(0.0);
            let w = steady_w(p);
            assert!(
                (w - expected).abs() < 1e-9,
                "{kind:?} N = {n}, μ = {mu}, T = {t}, J = {j}: W = {w}, closed form {expected}"
            );
        }
    }
    let x = 3.0_f64.exp();
    let w = steady_w(Params::paper(2, ReservoirKind::Collective, 4.0, 1.0));
    let expected = (x * x - 1.0) / (1.0 + x + x * x);
    assert!((w - expected).abs() < 1e-9, "{w} vs {expected}");
}

/// The Dicke representation is picked only where it is exact, and its dimension is 2N.
#[test]
fn the_outer_qubits_become_one_dicke_spin_only_where_exact() {
    let mut p = Params::paper(6, ReservoirKind::Collective, 2.0, 1.0);
    assert!(p.uses_dicke().unwrap());
    p.network.initial = Some("eggggg".into());
    assert!(p.uses_dicke().unwrap());
    p.network.initial = Some("gegggg".into());
    assert!(!p.uses_dicke().unwrap());
    let q = Params::paper(6, ReservoirKind::Individual, 2.0, 1.0);
    assert!(!q.uses_dicke().unwrap());
}

/// Bad input names the field.
#[test]
fn bad_input_names_the_field() {
    use qbattery::models::Parameters;
    let check = |p: Params, field: &str| {
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains(field), "{e}");
    };
    let base = || Params::paper(3, ReservoirKind::Individual, 1.0, 1.0);
    let mut p = base();
    p.network.qubits = 1;
    check(p, "network.qubits");
    let mut p = base();
    p.reservoir.temperature = -1.0;
    check(p, "reservoir.temperature");
    let mut p = base();
    p.reservoir.mus = Some(vec![1.0, 2.0]);
    check(p, "reservoir.mus");
    let mut p = base();
    p.network.initial = Some("gxg".into());
    check(p, "network.initial");
    let mut p = Params::paper(3, ReservoirKind::Collective, 1.0, 1.0);
    p.reservoir.delta_mu = 1.0;
    check(p, "reservoir.delta_mu");
    let mut p = base();
    p.reservoir.omega = f64::NAN;
    check(p, "reservoir.omega");
}
