//! The Field-QB of paper 003 (Eqs. 13–17): the closed form E(t) = Δ(1 − cos 2A₁) when the
//! field alone acts, and, in both readings, a state that stays a product of equal qubit
//! states (no entanglement, I^{ab} = I^{ba} ≥ 2).

use qbattery::models::field_qb::{Charging, Params};
use qbattery::models::model::run_params;
use qbattery::models::Parameters;
use qbattery::simulation::{Metric, Run, Silent};

fn series<'a>(run: &'a Run, name: &str) -> &'a [f64] {
    &run.series.iter().find(|(n, _)| n == name).unwrap().1
}

fn tight(mut p: Params, metrics: Vec<Metric>) -> Params {
    p.solver.rtol = 1e-12;
    p.solver.atol = 1e-14;
    p.output.metrics = metrics;
    p
}

/// Eq. 17 for the paper's three fields (harmonic A = 2, B = 0; electrostatic A = 0, B = 2;
/// mixed A = 1, B = 2), Δ = 1, ω = 1, with and without exchange g (constant on the
/// triplet, so it does not change E): to 1e-10.
#[test]
fn the_field_alone_gives_the_closed_form_of_eq_17() {
    for (a, b) in [(2.0, 0.0), (0.0, 2.0), (1.0, 2.0)] {
        for g in [0.0, 1.0] {
            let p = tight(
                Params::paper(a, b, g, Charging::Drive),
                vec![Metric::Energy],
            );
            let run = run_params(p, &mut Silent).unwrap();
            let dev = run
                .grid
                .iter()
                .zip(series(&run, "energy"))
                .map(|(&t, &e)| {
                    let a1 = (b * t + a * t.sin()) / 2.0;
                    (e - (1.0 - (2.0 * a1).cos())).abs()
                })
                .fold(0.0, f64::max);
            assert!(dev < 1e-10, "A = {a}, B = {b}, g = {g}: off by {dev:.2e}");
        }
    }
}

/// Both readings keep the pair a product state: concurrence and one-qubit entropy 0, the
/// pair pure, the two steering functionals equal and ≥ 2.
#[test]
fn the_pair_stays_a_product_state_in_both_readings() {
    for reading in [Charging::Drive, Charging::DriveAndBattery] {
        let mut p = tight(
            Params::paper(1.0, 2.0, 1.0, reading),
            vec![
                Metric::Energy,
                Metric::Purity,
                Metric::Entropy,
                Metric::Concurrence,
                Metric::SteeringAb,
                Metric::SteeringBa,
            ],
        );
        p.output.entropy_of = vec!["qubit1".into()];
        let run = run_params(p, &mut Silent).unwrap();
        let max = |name: &str| series(&run, name).iter().fold(0.0_f64, |m, v| m.max(*v));
        let min = |name: &str| {
            series(&run, name)
                .iter()
                .fold(f64::INFINITY, |m, v| m.min(*v))
        };
        assert!(max("concurrence") < 1e-8, "{reading:?}");
        assert!(max("entropy_qubit1") < 1e-8, "{reading:?}");
        assert!(min("purity") > 1.0 - 1e-9, "{reading:?}");
        assert!(min("steering_ab") > 2.0 - 1e-8, "{reading:?}");
        let split = series(&run, "steering_ab")
            .iter()
            .zip(series(&run, "steering_ba"))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(split < 1e-9, "{reading:?}: I_ab − I_ba up to {split:.1e}");
    }
}

/// The battery's own dynamics change E when it acts during charging (g and Δ enter).
#[test]
fn the_two_readings_differ() {
    let e = |reading| {
        let p = tight(Params::paper(1.0, 2.0, 1.0, reading), vec![Metric::Energy]);
        run_params(p, &mut Silent).unwrap().series[0].1.clone()
    };
    let (alone, with) = (e(Charging::Drive), e(Charging::DriveAndBattery));
    let dev = alone
        .iter()
        .zip(&with)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(dev > 0.1, "{dev}");
}

/// Bad input names the field.
#[test]
fn bad_input_names_the_field() {
    let mut p = Params::paper(1.0, 2.0, 1.0, Charging::Drive);
    p.qubits.delta = 0.0;
    assert!(p
        .validate()
        .unwrap_err()
        .to_string()
        .contains("qubits.delta"));
    let mut p = Params::paper(1.0, 2.0, 1.0, Charging::Drive);
    p.qubits.g = f64::NAN;
    assert!(p.validate().unwrap_err().to_string().contains("qubits.g"));
}

/// One qubit's own ergotropy (`output.ergotropy_of`, against (Δ/2)σ^z): each qubit is pure
/// with excited population sin²A₁, so it holds Δ sin²A₁ = E(t)/2.
#[test]
fn each_qubit_holds_half_the_energy_as_ergotropy() {
    let mut p = tight(
        Params::paper(1.0, 2.0, 1.0, Charging::Drive),
        vec![Metric::Energy, Metric::Ergotropy],
    );
    p.output.ergotropy_of = vec!["qubit1".into(), "qubit2".into()];
    let run = run_params(p, &mut Silent).unwrap();
    let e = series(&run, "energy");
    for name in ["ergotropy_qubit1", "ergotropy_qubit2"] {
        let dev = series(&run, name)
            .iter()
            .zip(e)
            .map(|(w, e)| (w - e / 2.0).abs())
            .fold(0.0, f64::max);
        assert!(dev < 1e-9, "{name}: off by {dev:.1e}");
    }
}
