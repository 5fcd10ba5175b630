//! A tiny soft actor-critic run on a small closed chain: it learns, it is reproducible
//! from its seed, its best protocol is scored by the control objective, and a run
//! continued from its checkpoint gives the numbers of an uninterrupted one.

use std::path::Path;

use qbattery::models::control::ControlSpec;
use qbattery::optimize::control::ControlProblem;
use qbattery_rl::{train, SacSettings, Task};

const SCENARIO: &str = r#"
model = "cavity_chain"
[chain]
sites = 2
two_j = 1
omega = 1.0
j = -1.0
gamma = 0.4
delta = 1.0
[cavity]
omega = 1.0
levels = 5
photons = 2
kappa = 0.0
n_th = 0.0
[coupling]
g = 1.0
kind = "rabi"
[time]
t_max = 2.0
steps = 11
[control]
drive = "coupling.g"
tau = 2.0
steps = 10
bounds = [0.0, 1.0]
"#;

fn problem() -> (ControlProblem, ControlSpec) {
    let table: toml::Table = toml::from_str(SCENARIO).unwrap();
    let spec = ControlSpec::from_scenario(&table).unwrap();
    (spec.prepare(&table, None).unwrap(), spec)
}

fn tiny(steps: usize) -> SacSettings {
    SacSettings {
        steps,
        buffer: 1_000,
        hidden: vec![16, 16],
        random_steps: 100,
        update_after: 64,
        batch: 32,
        entropy_steps: 300,
        fermi_center: 200.0,
        fermi_width: 50.0,
        evaluate_every: 50,
        checkpoint_every: 100,
        // 3-step transitions: a checkpoint falls between episodes, where none is pending.
        n_step: 3,
        ..SacSettings::fast()
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn trains_reproducibly_and_resumes() {
    let (problem, spec) = problem();
    let task = Task {
        problem: &problem,
        bounds: (spec.bounds[0], spec.bounds[1]),
        top_level: spec.objective.top_level,
    };
    let base = std::env::temp_dir().join(format!("qbattery-sac-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let straight = train(&task, &tiny(400), &base.join("straight"), false).unwrap();
    assert_eq!(straight.steps, 400);
    assert_eq!(straight.episodes, 40);
    assert_eq!(straight.values.len(), 10);
    assert!(straight.values.iter().all(|g| (0.0..=1.0).contains(g)));
    // The result is scored by the control objective itself.
    let e = problem.evaluate(&straight.values, false).unwrap();
    assert_eq!(
        (e.objective, e.energy),
        (straight.objective, straight.energy)
    );
    // It beats the protocol at the middle of the box, which the untrained policy's
    // outputs sit near.
    let mid = problem.evaluate(&[0.5; 10], false).unwrap();
    assert!(
        straight.objective > mid.objective,
        "{} vs {}",
        straight.objective,
        mid.objective
    );
    let log = read(&base.join("straight/training.csv"));
    assert_eq!(log.lines().count(), 41, "{log}");
    assert!(log
        .lines()
        .next()
        .unwrap()
        .starts_with("episode,step,episode_return,energy"));

    // The same seed, the same numbers; a checkpointed run continued to the same length
    // gives the uninterrupted run's result and logs.
    let again = train(&task, &tiny(400), &base.join("again"), false).unwrap();
    assert_eq!(again.values, straight.values);
    let half = train(&task, &tiny(200), &base.join("resumed"), false).unwrap();
    assert_eq!(half.steps, 200);
    let resumed = train(&task, &tiny(400), &base.join("resumed"), false).unwrap();
    assert_eq!(resumed.resumed_from, Some(200));
    assert_eq!(resumed.values, straight.values);
    assert_eq!(resumed.objective, straight.objective);
    // The training time counts both invocations.
    assert!(resumed.training_seconds > resumed.wall_seconds);
    assert!(half.training_seconds >= half.wall_seconds);
    for file in ["training.csv", "evaluations.csv"] {
        assert_eq!(
            read(&base.join("resumed").join(file)),
            read(&base.join("straight").join(file)),
            "{file}"
        );
    }
    // Another problem or other settings in the same directory are refused.
    let mut other = tiny(400);
    other.seed = 2;
    let err = train(&task, &other, &base.join("resumed"), false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("other settings"), "{err}");
    let _ = std::fs::remove_dir_all(&base);
}
