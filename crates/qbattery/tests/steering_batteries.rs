//! The two batteries of paper 003 against `fixtures/steering_batteries.json` (QuTiP sesolve,
//! made by `scripts/qutip_fixtures.py --only steering_batteries`): the Field-QB in both
//! readings and the two-qubit cavity battery, every metric of the paper along t ∈ [0, 5].

use qbattery::models::cavity_chain;
use qbattery::models::field_qb::{self, Charging};
use qbattery::models::model::run_params;
use qbattery::simulation::{Metric, OutputSettings, Run, Silent, TimeGrid};
use serde_json::Value;

fn fixture() -> Value {
    let path = format!(
        "{}/../../fixtures/steering_batteries.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn output(site: &str) -> OutputSettings {
    OutputSettings {
        metrics: vec![
            Metric::Energy,
            Metric::Ergotropy,
            Metric::Purity,
            Metric::Entropy,
            Metric::Concurrence,
            Metric::SteeringAb,
            Metric::SteeringBa,
        ],
        entropy_of: vec![site.into()],
        ergotropy_of: vec![site.into()],
        ..OutputSettings::default()
    }
}

fn run(case: &Value, time: TimeGrid) -> (Run, &'static str) {
    if case["model"] == "field_qb" {
        let reading = match case["hamiltonian"].as_str().unwrap() {
            "drive" => Charging::Drive,
            _ => Charging::DriveAndBattery,
        };
        let f = |k: &str| case[k].as_f64().unwrap();
        let mut p = field_qb::Params::paper(f("a"), f("b"), f("g"), reading);
        p.time = time;
        p.solver.rtol = 1e-12;
        p.solver.atol = 1e-14;
        p.output = output("qubit1");
        (run_params(p, &mut Silent).unwrap(), "qubit1")
    } else {
        let mut p = cavity_chain::Params::cavity_pair(case["j2"].as_f64().unwrap(), time);
        p.output = output("spin1");
        (run_params(p, &mut Silent).unwrap(), "spin1")
    }
}

/// Every series to 1e-8 (entropies, steering and concurrence of a nearly pure or nearly
/// product state are the most sensitive: square roots and logarithms near 0).
#[test]
fn both_batteries_match_qutip() {
    let f = fixture();
    let times = f["times"].as_array().unwrap();
    let time = TimeGrid {
        t_max: times.last().unwrap().as_f64().unwrap(),
        steps: times.len(),
    };
    for case in f["results"].as_array().unwrap() {
        let (run, site) = run(case, time.clone());
        for (ours, theirs) in [
            ("energy", "energy"),
            ("ergotropy", "ergotropy"),
            ("purity", "purity"),
            ("entropy", "entropy"),
            (&format!("entropy_{site}"), "entropy_qubit1"),
            (&format!("ergotropy_{site}"), "ergotropy_qubit1"),
            ("concurrence", "concurrence"),
            ("steering_ab", "steering_ab"),
            ("steering_ba", "steering_ba"),
        ] {
            let mine = run.series(ours).unwrap();
            let reference: Vec<f64> = case[theirs]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let dev = mine
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            let label = format!(
                "{} {} {} {}",
                case["model"], case["hamiltonian"], case["a"], case["j2"]
            );
            assert!(dev < 1e-8, "{label} {ours}: off by {dev:.2e}");
        }
    }
}
