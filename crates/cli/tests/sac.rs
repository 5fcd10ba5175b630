//! `qbattery optimize` with `control.method = "sac"` (built with the `sac` feature): the
//! outputs, and a run killed with SIGKILL after a checkpoint that resumes to the numbers
//! of an uninterrupted run. Without the feature, the method is refused with how to build
//! it.

use std::path::{Path, PathBuf};
use std::process::Command;
#[cfg(feature = "sac")]
use std::time::{Duration, Instant};

fn qbattery() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qbattery"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qbattery-sac-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The shipped SAC example shrunk to a 2-site chain, K = 10 and tiny networks.
const SHRINK: [&str; 22] = [
    "--set",
    "chain.sites=2",
    "--set",
    "cavity.levels=5",
    "--set",
    "cavity.photons=2",
    "--set",
    "control.tau=2.0",
    "--set",
    "control.steps=10",
    "--set",
    "control.check_cutoff=8",
    "--set",
    "time.t_max=2.0",
    "--set",
    "time.steps=21",
    "--set",
    "control.sac.hidden=[16,16]",
    "--set",
    "control.sac.batch=32",
    "--set",
    "control.sac.update_after=64",
];

fn optimize(out: &Path, steps: usize) -> Command {
    let mut c = qbattery();
    c.args([
        "optimize",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/cavity_chain_sac.toml"
        ),
        "--out",
    ])
    .arg(out)
    .args(SHRINK)
    .args([
        "--set".to_string(),
        format!("control.sac.steps={steps}"),
        "--set".into(),
        "control.sac.random_steps=100".into(),
        "--set".into(),
        "control.sac.evaluate_every=100".into(),
        "--set".into(),
        "control.sac.checkpoint_every=300".into(),
    ]);
    c
}

#[cfg(feature = "sac")]
fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[cfg(feature = "sac")]
#[test]
fn sac_optimizes_and_resumes_after_kill() {
    let straight = temp_dir("straight");
    let done = optimize(&straight, 1500).output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let o = json(&straight.join("optimum.json"));
    assert_eq!(o["method"], "sac");
    assert_eq!(o["values"].as_array().unwrap().len(), 10);
    assert_eq!(o["training"]["steps"], 1500);
    assert!(
        o["check"]["levels"] == 8 && o["energy"].as_f64().unwrap() > 0.0,
        "{o}"
    );
    for f in [
        "sac/training.csv",
        "sac/evaluations.csv",
        "sac/learning_curve.png",
        "sac/checkpoint/state.json",
        "protocol.png",
        "energy.png",
        "trajectory/timeseries.csv",
    ] {
        assert!(straight.join(f).exists(), "{f}");
    }

    // Killed with SIGKILL once its first checkpoint is written, then run again.
    let killed = temp_dir("killed");
    let mut child = optimize(&killed, 1500)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let clock = Instant::now();
    while !killed.join("sac/checkpoint/state.json").exists() {
        assert!(clock.elapsed() < Duration::from_secs(300), "no checkpoint");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !killed.join("optimum.json").exists(),
        "killed too late to test a resume"
    );
    let resumed = optimize(&killed, 1500).output().unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("resumed from the checkpoint"));
    let r = json(&killed.join("optimum.json"));
    assert!(
        r["training"]["resumed_from"].as_u64().unwrap() >= 300,
        "{r}"
    );
    for key in ["values", "energy", "objective"] {
        assert_eq!(r[key], o[key], "{key}");
    }
    for f in ["sac/training.csv", "sac/evaluations.csv"] {
        assert_eq!(
            std::fs::read_to_string(killed.join(f)).unwrap(),
            std::fs::read_to_string(straight.join(f)).unwrap(),
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(&straight);
    let _ = std::fs::remove_dir_all(&killed);
}

#[cfg(not(feature = "sac"))]
#[test]
fn sac_without_the_feature_says_how_to_build_it() {
    let out = temp_dir("refused");
    let done = optimize(&out, 100).output().unwrap();
    assert!(!done.status.success());
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(err.contains("--features sac"), "{err}");
    let _ = std::fs::remove_dir_all(&out);
}
