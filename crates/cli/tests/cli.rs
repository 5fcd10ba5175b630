//! The `qbattery` binary as a user runs it.

use std::path::PathBuf;
use std::process::Command;

fn qbattery() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qbattery"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qbattery-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn simulate_writes_data_summary_and_plots() {
    let out = temp_dir("simulate");
    let status = qbattery()
        .args(["simulate", &example("tavis_cummings.toml"), "--out"])
        .arg(&out)
        .args([
            "--set",
            "time.steps=81",
            "--set",
            "cells.number=2",
            "--set",
            "cavity.photons=2",
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for col in [
        "t",
        "energy",
        "power",
        "ergotropy",
        "purity",
        "entropy",
        "log_negativity",
        "photons",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "missing column {col} in {header}"
        );
    }
    assert_eq!(csv.lines().count(), 82);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "e_max",
        "t_e_max",
        "p_max",
        "t_p_max",
        "final",
        "parameters",
        "solver",
        "package_version",
        "wall_seconds",
        "warnings",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    // the override reached the model
    assert_eq!(summary["parameters"]["cells"]["number"], 2);
    assert!(summary["final"]["energy"].as_f64().is_some());
    for plot in [
        "energy.png",
        "energy.svg",
        "power.png",
        "ergotropy.svg",
        "final_cavity_populations.png",
        "final_cavity_wigner.png",
    ] {
        assert!(
            std::fs::metadata(out.join(plot)).unwrap().len() > 1000,
            "{plot}"
        );
    }
    // The final cavity populations sum to 1 and give the final photon number.
    let pops: Vec<(f64, f64)> = std::fs::read_to_string(out.join("final_cavity_populations.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let (n, p) = l.split_once(',').unwrap();
            (n.parse().unwrap(), p.parse().unwrap())
        })
        .collect();
    let total: f64 = pops.iter().map(|p| p.1).sum();
    let mean: f64 = pops.iter().map(|p| p.0 * p.1).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
    let photons = summary["final"]["photons"].as_f64().unwrap();
    assert!((mean - photons).abs() < 1e-9, "{mean} vs {photons}");
}

#[test]
fn bad_input_names_the_field_and_never_panics() {
    let cases: [(&[&str], &str); 4] = [
        (&["--set", "cavity.n_th=-0.5"], "cavity.n_th"),
        (&["--set", "cavity.photons=40"], "cavity.photons"),
        (&["--set", "coupling.strength=1"], "strength"),
        (&["--set", "cells.number=\"four\""], "number"),
    ];
    for (args, needle) in cases {
        let out = qbattery()
            .args(["simulate", "--out"])
            .arg(temp_dir("bad"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let missing = qbattery()
        .args(["simulate", "no/such/file.toml"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.toml"));
}

#[test]
fn info_describes_space_and_blocks() {
    let out = qbattery()
        .args(["info", &example("cavity_chain.toml")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("dimension:  378"), "{text}");
    // Rabi coupling: parity blocks, half the space.
    assert!(text.contains("(dimension 189)"), "{text}");
    assert!(text.contains("memory:"), "{text}");
}

/// Sec. III A at λ = 10 (paper 001) from two given starts: one reaches the printed optimum
/// (0.390, 0.168), the other's first step lands on the flat no-charging corner c = q = 1;
/// every start is reported, and a run whose best point is that corner is warned about.
#[test]
fn optimize_reports_every_start_and_warns_on_the_flat_corner() {
    let run = |starts: &str| {
        let out = temp_dir("optimize");
        let o = qbattery()
            .args(["optimize", &example("micromaser_optimize.toml"), "--out"])
            .arg(&out)
            .args(["--set", &format!("starts={starts}")])
            .args(["--set", "optimizer.random_starts=0"])
            .args(["--set", "optimizer.grid_points=0"])
            .args(["--set", "trajectory.collisions=100"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(out.join("starts.json").exists() && out.join("optimum.json").exists());
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (stdout, stderr) = run("[[0.1041, 0.3343], [0.47, 0.09]]");
    assert!(stdout.contains("start 0 (Given)") && stdout.contains("start 1 (Given)"));
    assert!(stdout.contains("optimum x = [0.3904"), "{stdout}");
    assert!(!stderr.contains("charging term"), "{stderr}");
    let (stdout, stderr) = run("[[0.1041, 0.3343]]");
    assert!(stdout.contains("optimum x = [1.0"), "{stdout}");
    assert!(stderr.contains("charging term"), "{stderr}");
}
