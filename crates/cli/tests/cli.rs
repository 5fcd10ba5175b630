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
    // Tavis–Cummings with ω_a = 1: energies in ħω_a, times in 1/ω_a, entropies in bits.
    for col in [
        "t [1/ω_a]",
        "energy [ħω_a]",
        "power [ħω_a²]",
        "ergotropy [ħω_a]",
        "purity",
        "entropy [bits]",
        "log_negativity [bits]",
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
        "units",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(summary["units"]["energy"], "ħω_a");
    assert_eq!(summary["units"]["of"]["t_p_max"], "1/ω_a");
    assert_eq!(summary["units"]["of"]["p_max"], "ħω_a²");
    assert!(summary["units"]["of"].get("purity").is_none());
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

/// GRAPE on a small closed chain (`examples/cavity_chain_control.toml` with 2 sites,
/// 6 Fock levels, K = 10): the optimum's objective beats the best constant protocol's, carries its
/// re-evaluation at the check cutoff, and the runner's simulation of the optimized
/// protocol (Krylov, at the scenario's cutoff) ends at the E(τ) the optimizer reported.
#[test]
fn control_optimizes_checks_the_cutoff_and_simulates_the_protocol() {
    let small = [
        "chain.sites=2",
        "cavity.levels=6",
        "cavity.photons=2",
        "control.steps=10",
        "control.tau=4.0",
        "control.check_cutoff=12",
        "control.optimizer.random_starts=1",
        "time.steps=41",
    ];
    let run = |extra: &[&str]| {
        let out = temp_dir("control");
        let mut c = qbattery();
        c.args(["optimize", &example("cavity_chain_control.toml"), "--out"])
            .arg(&out);
        for s in small.iter().chain(extra) {
            c.args(["--set", s]);
        }
        (c.output().unwrap(), out)
    };
    let (o, out) = run(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let info = qbattery()
        .args(["info", &example("cavity_chain_control.toml")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success()
            && text.contains("blocks:")
            && text.contains("control:    grape of coupling.g"),
        "{text}"
    );
    let optimum: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("optimum.json")).unwrap()).unwrap();
    let values = optimum["values"].as_array().unwrap();
    assert_eq!(values.len(), 10);
    assert!(values
        .iter()
        .all(|v| (0.0..=1.0).contains(&v.as_f64().unwrap())));
    let energy = optimum["energy"].as_f64().unwrap();
    let objective = optimum["objective"].as_f64().unwrap();
    let constant = optimum["best_constant"]["objective"].as_f64().unwrap();
    assert!(objective >= constant - 1e-9, "{objective} < {constant}");
    assert_eq!(optimum["check"]["levels"], 12);
    assert!(optimum["check"]["energy"].as_f64().unwrap().is_finite());
    let starts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("starts.json")).unwrap()).unwrap();
    let scan_best = optimum["best_constant"]["g"].as_f64().unwrap();
    let expected = 2 + usize::from(scan_best != 1.0);
    assert_eq!(starts.as_array().unwrap().len(), expected, "{starts}");
    let csv = std::fs::read_to_string(out.join("trajectory/timeseries.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "energy [ħω_a]").unwrap();
    let last: f64 = csv
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(column)
        .unwrap()
        .parse()
        .unwrap();
    assert!((last - energy).abs() < 1e-6, "{last} vs {energy}");
    assert!(out.join("protocol.png").exists() && out.join("energy.png").exists());
    // The optimum as the only start (`control.protocol_starts`): GRAPE refines it and
    // never loses J.
    let start = format!(
        "control.protocol_starts=[[{}]]",
        values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let only = [
        start.as_str(),
        "control.constant_starts=[]",
        "control.scan_points=0",
        "control.optimizer.random_starts=0",
    ];
    let (o, refined) = run(&only);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(refined.join("starts.json")).unwrap())
            .unwrap();
    assert_eq!(again.as_array().unwrap().len(), 1, "{again}");
    let refined: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(refined.join("optimum.json")).unwrap())
            .unwrap();
    let j = refined["objective"].as_f64().unwrap();
    assert!(j >= objective - 1e-9, "{j} < {objective}");
    for (bad, field) in [
        ("control.steps=0", "control.steps"),
        ("control.speed=1", "speed"),
        (
            "control.protocol_starts=[[0.5, 0.5]]",
            "control.protocol_starts[0]",
        ),
        (
            "control.protocol_starts=[[0.5, 0.5, 2.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]",
            "control.protocol_starts[0][2]",
        ),
    ] {
        let (o, _) = run(&[bad]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(field), "{bad}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

fn summary(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn run_ok(args: &[&str]) -> (String, String) {
    let o = qbattery().args(args).output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "{args:?}: {err}");
    (out, err)
}

/// The open cavity chain's steady state (a small chain: 2 spin-1/2 sites, 8 Fock levels)
/// through `output.steady_state`: unique in the initial state's reflection sector; in the
/// whole space (`solver.symmetries=false`) the reflection makes the null space degenerate,
/// and the state reached from the initial one is the same, reported with a warning.
#[test]
fn open_chain_reports_its_steady_state() {
    let out = temp_dir("steady");
    let whole = temp_dir("steady-whole");
    let args = |out: &std::path::Path, symmetries: &str| -> Vec<String> {
        let mut a: Vec<String> = ["simulate", &example("cavity_chain.toml"), "--out"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.push(out.to_str().unwrap().to_string());
        for set in [
            "chain.sites=2",
            "chain.two_j=1",
            "cavity.levels=8",
            "cavity.photons=2",
            "cavity.kappa=0.5",
            "cavity.n_th=0.2",
            "time.t_max=60",
            "time.steps=121",
            "output.metrics=[\"energy\",\"ergotropy\",\"photons\"]",
            "output.steady_state=true",
        ] {
            a.push("--set".into());
            a.push(set.into());
        }
        a.push("--set".into());
        a.push(format!("solver.symmetries={symmetries}"));
        a
    };
    // Neither the symmetries nor the reachable subspace: the whole null space.
    let mut whole_args = args(&whole, "false");
    whole_args.push("--set".into());
    whole_args.push("solver.steady.reachable=false".into());
    run_ok(&whole_args.iter().map(String::as_str).collect::<Vec<_>>());
    let w = summary(&whole);
    let ws = &w["steady_state"];
    assert!(ws["null_space_dimension"].as_u64().unwrap() >= 2, "{ws}");
    assert_eq!(ws["unique"], false);
    assert!(
        w["warnings"].to_string().contains("not unique"),
        "{}",
        w["warnings"]
    );
    let reduced_args = args(&out, "true");
    run_ok(&reduced_args.iter().map(String::as_str).collect::<Vec<_>>());
    let s = summary(&out);
    let ss = &s["steady_state"];
    assert_eq!(ss["null_space_dimension"].as_u64(), Some(1), "{ss}");
    assert_eq!(ss["unique"], true);
    let e_whole = ws["energy"].as_f64().unwrap();
    assert!(
        (ss["energy"].as_f64().unwrap() - e_whole).abs() < 1e-8,
        "{ss} vs {ws}"
    );
    assert!(ss["residual"].as_f64().unwrap() < 1e-8, "{ss}");
    assert!(ss["gap"].as_f64().unwrap() > 0.0, "{ss}");
    // The long-time limit of the trajectory approaches E(∞).
    let e_inf = ss["energy"].as_f64().unwrap();
    let e_end = s["final"]["energy"].as_f64().unwrap();
    assert!(
        (e_inf - e_end).abs() < 1e-3,
        "E(∞) = {e_inf}, E(60) = {e_end}"
    );
    assert!(ss["metrics"]["ergotropy"].as_f64().is_some());
    // A closed system has no steady state to ask for.
    let o = qbattery()
        .args([
            "info",
            &example("cavity_chain.toml"),
            "--set",
            "output.steady_state=true",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("output.steady_state"));
}

/// A piecewise-constant drive from a scenario runs by Krylov propagation between its break
/// points, and a harmonic one by the adaptive integrator; both agree with a fine
/// piecewise-constant approximation of the same pulse.
#[test]
fn drives_run_from_scenarios() {
    let out = temp_dir("drive");
    let out_s = out.to_str().unwrap();
    run_ok(&["simulate", &example("driven_qubit.toml"), "--out", out_s]);
    let s = summary(&out);
    assert_eq!(s["solver"]["method"], "krylov-piecewise");
    assert_eq!(s["solver"]["breakpoints"], 2);
    // Before the pulse nothing happens; after it the energy is frozen.
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert!(rows
        .iter()
        .filter(|r| r[0] <= 2.0)
        .all(|r| r[1].abs() < 1e-12));
    let after: Vec<f64> = rows.iter().filter(|r| r[0] >= 4.0).map(|r| r[1]).collect();
    assert!(
        after.iter().all(|e| (e - after[0]).abs() < 1e-10),
        "{after:?}"
    );
    assert!(after[0] > 0.05);
    // Harmonic drive: the adaptive integrator against 4000 piecewise steps.
    let harmonic = temp_dir("drive-harmonic");
    run_ok(&[
        "simulate",
        &example("driven_qubit.toml"),
        "--out",
        harmonic.to_str().unwrap(),
        "--set",
        "qubit.drive={ a = 0.8, omega = 1.0 }",
        "--set",
        "solver.rtol=1e-10",
        "--set",
        "solver.atol=1e-12",
    ]);
    let h = summary(&harmonic);
    assert_eq!(h["solver"]["method"], "schrodinger-rk45");
    let k = 4000;
    let values: Vec<String> = (0..k)
        .map(|i| {
            let t = 6.0 * (i as f64 + 0.5) / k as f64;
            format!("{:?}", 0.8 * t.cos())
        })
        .collect();
    let steps = temp_dir("drive-steps");
    run_ok(&[
        "simulate",
        &example("driven_qubit.toml"),
        "--out",
        steps.to_str().unwrap(),
        "--set",
        &format!(
            "qubit.drive={{ values = [{}], until = 6.0 }}",
            values.join(",")
        ),
    ]);
    let p = summary(&steps);
    let (a, b) = (
        h["final"]["energy"].as_f64().unwrap(),
        p["final"]["energy"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-5, "{a} vs {b}");
}

/// Big inputs are refused before any work with the estimate, never a panic or an abort.
#[test]
fn big_inputs_get_a_clear_error() {
    let o = qbattery()
        .args(["info", &example("cavity_chain.toml")])
        .args([
            "--set",
            "chain.sites=8",
            "--set",
            "chain.two_j=3",
            "--set",
            "cavity.kappa=0.5",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(text.contains("fits:       no"), "{text}");
    assert!(!err.contains("panicked"), "{err}");
    let o = qbattery()
        .args(["simulate", "--out"])
        .arg(temp_dir("big"))
        .args([
            "--set",
            "cells.number=10000",
            "--set",
            "cavity.levels=20000",
        ])
        .args([
            "--set",
            "cavity.photons=10000",
            "--set",
            "output.metrics=[\"energy\"]",
        ])
        .args(["--max-memory", "2G"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("needs about") && err.contains("2.0 GiB"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // A steady state whose size is known only on the reachable subspace: `info` shows the
    // bound, and the run refuses the solve that does not fit, with the advice.
    let steady = [
        "--set",
        "chain.two_j=1",
        "--set",
        "cavity.kappa=0.5",
        "--set",
        "output.steady_state=true",
        "--set",
        "time.t_max=0.5",
        "--max-memory",
        "40M",
    ];
    let o = qbattery()
        .args(["info", &example("cavity_chain.toml")])
        .args(steady)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && text.contains("fits:       yes, but the bound"),
        "{text}"
    );
    let o = qbattery()
        .args(["simulate", &example("cavity_chain.toml"), "--out"])
        .arg(temp_dir("big_steady"))
        .args(steady)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success()
            && err.contains("steady state (Liouvillian null space)")
            && err.contains("iterative"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // The log-negativity of an open system (a partial transpose of the whole state) is
    // refused by name, also before any work.
    let o = qbattery()
        .args(["simulate", "--out"])
        .arg(temp_dir("big2"))
        .args(["--set", "cells.number=100", "--set", "cavity.levels=200"])
        .args(["--set", "cavity.photons=100", "--set", "cavity.kappa=0.1"])
        .args(["--set", "output.metrics=[\"energy\",\"log_negativity\"]"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("log_negativity"),
        "{err}"
    );
}

/// A 2-D sweep over (coupling.g, chain.j) of the cavity chain writes its table and a
/// heatmap per scalar, and resumes after `kill -9` with no point lost, repeated or redone.
#[test]
fn sweep_writes_a_heatmap_and_resumes_after_kill() {
    let out = temp_dir("sweep");
    let args = |out: &std::path::Path| {
        let mut c = qbattery();
        c.args(["sweep", &example("cavity_chain.toml"), "--out"])
            .arg(out)
            .args([
                "--axis",
                "coupling.g=0.2:1.0:4",
                "--axis",
                "chain.j=-1.0,0.0,1.0",
            ])
            .args(["--set", "chain.sites=2", "--set", "chain.two_j=1"])
            .args(["--set", "cavity.levels=6", "--set", "cavity.photons=2"])
            .args([
                "--set",
                "output.metrics=[\"energy\",\"power\",\"ergotropy\"]",
            ])
            .args(["--set", "time.steps=101"]);
        c
    };
    // Interrupt a first run as soon as a point is on disk.
    let mut child = args(&out).spawn().unwrap();
    let ckpt = out.join("checkpoint.jsonl");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&ckpt).map_or(0, |t| t.lines().count()) == 0 {
        assert!(started.elapsed().as_secs() < 120, "no point finished");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done_before = std::fs::read_to_string(&ckpt).unwrap().lines().count();
    let o = args(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    if done_before < 12 {
        assert!(err.contains("taken from checkpoint"), "{err}");
    }
    let lines = std::fs::read_to_string(&ckpt).unwrap();
    let mut indices: Vec<u64> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["index"]
                .as_u64()
                .unwrap()
        })
        .collect();
    indices.sort_unstable();
    assert_eq!(
        indices,
        (0..12).collect::<Vec<_>>(),
        "each point exactly once"
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[..2], &["coupling.g", "chain.j"]);
    assert!(
        header.contains(&"e_max [ħω_a]") && header.contains(&"p_max [ħω_a²]"),
        "{header:?}"
    );
    assert_eq!(csv.lines().count(), 13);
    for plot in [
        "plots/e_max.png",
        "plots/e_max.svg",
        "plots/final_ergotropy.png",
    ] {
        assert!(
            std::fs::metadata(out.join(plot)).unwrap().len() > 1000,
            "{plot}"
        );
    }
    // The sweep's points equal single runs.
    let single = temp_dir("sweep-single");
    run_ok(&[
        "simulate",
        &example("cavity_chain.toml"),
        "--out",
        single.to_str().unwrap(),
        "--set",
        "chain.sites=2",
        "--set",
        "chain.two_j=1",
        "--set",
        "cavity.levels=6",
        "--set",
        "cavity.photons=2",
        "--set",
        "output.metrics=[\"energy\",\"power\",\"ergotropy\"]",
        "--set",
        "time.steps=101",
        "--set",
        "coupling.g=1.0",
        "--set",
        "chain.j=0.0",
    ]);
    let e_single = summary(&single)["e_max"].as_f64().unwrap();
    let row: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect::<Vec<f64>>()
        })
        .find(|r| r[0] == 1.0 && r[1] == 0.0)
        .unwrap();
    let col = header.iter().position(|h| *h == "e_max [ħω_a]").unwrap();
    assert_eq!(row[col], e_single);
}

#[test]
fn models_lists_the_registry() {
    let (out, _) = run_ok(&["models"]);
    for m in [
        "tavis_cummings",
        "cavity_chain",
        "central_spin",
        "micromaser",
        "driven_qubit",
    ] {
        assert!(out.contains(m), "{out}");
    }
}

/// `--format csv,npy`: timeseries.npz holds every CSV column bit for bit, and
/// final_battery.npy is ρ_B (complex128, Hermitian, unit trace) whose energy is the run's
/// final stored energy.
#[test]
fn numpy_outputs_round_trip() {
    let out = temp_dir("npy");
    let out_s = out.to_str().unwrap();
    run_ok(&[
        "simulate",
        &example("tavis_cummings.toml"),
        "--out",
        out_s,
        "--set",
        "time.steps=41",
        "--set",
        "cells.number=2",
        "--set",
        "cavity.photons=2",
        "--format",
        "csv,npy",
    ]);
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(out.join("timeseries.npz")).unwrap()).unwrap();
    assert_eq!(zip.len(), header.len());
    for (k, column) in header.iter().enumerate() {
        // The npz keys are the bare names: `energy [ħω_a]` → `energy`.
        let name = column.split(" [").next().unwrap();
        let npy = npyz::NpyFile::new(zip.by_name(&format!("{name}.npy")).unwrap()).unwrap();
        let values = npy.into_vec::<f64>().unwrap();
        let expected: Vec<f64> = rows.iter().map(|r| r[k]).collect();
        assert_eq!(values, expected, "{name}");
    }
    let npy =
        npyz::NpyFile::new(std::fs::File::open(out.join("final_battery.npy")).unwrap()).unwrap();
    // Two cells in the Dicke basis (j = 1): 3 levels.
    assert_eq!(npy.shape(), &[3, 3]);
    let rho = npy.into_vec::<qbattery::c64>().unwrap();
    let at = |i: usize, j: usize| rho[3 * i + j];
    let trace: f64 = (0..3).map(|i| at(i, i).re).sum();
    assert!((trace - 1.0).abs() < 1e-9, "trace {trace}");
    for i in 0..3 {
        for j in 0..3 {
            assert!((at(i, j) - at(j, i).conj()).norm() < 1e-12, "Hermitian");
        }
    }
    // H_B = ω_a J_z on the Dicke ladder m = −1, 0, 1 from |m = −1⟩ (E(0) = −1): the stored
    // energy is Σ_m (m + 1) ρ_mm, the CSV's final energy.
    let e = at(1, 1).re + 2.0 * at(2, 2).re;
    let col = header.iter().position(|h| h.starts_with("energy")).unwrap();
    let final_e = rows.last().unwrap()[col];
    assert!((e - final_e).abs() < 1e-9, "{e} vs {final_e}");
    // npy alone: no CSV.
    let only = temp_dir("npy-only");
    run_ok(&[
        "simulate",
        "--out",
        only.to_str().unwrap(),
        "--set",
        "time.steps=11",
        "--format",
        "npy",
    ]);
    assert!(only.join("timeseries.npz").exists() && !only.join("timeseries.csv").exists());
}

/// `--shard i/n` then `sweep merge` gives the single run's sweep.csv byte for byte, and
/// merge refuses a missing shard, a shard given twice and shards of another sweep.
#[test]
fn sharded_sweeps_merge_into_the_single_run() {
    let base = temp_dir("shards");
    let grid = ["coupling.g=0.5:1.5:3", "chain.j=-1.0,1.0"];
    let sweep_over = |axes: &[&str], out: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["sweep".to_string(), example("cavity_chain.toml")];
        for a in axes {
            args.extend(["--axis".to_string(), a.to_string()]);
        }
        args.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
        for set in [
            "chain.sites=2",
            "chain.two_j=1",
            "cavity.levels=6",
            "cavity.photons=2",
            "time.steps=51",
            "output.metrics=[\"energy\",\"power\"]",
        ] {
            args.extend(["--set".to_string(), set.to_string()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok(&refs);
    };
    let sweep = |out: &std::path::Path, extra: &[&str]| sweep_over(&grid, out, extra);
    let single = base.join("single");
    sweep(&single, &[]);
    let shards: Vec<std::path::PathBuf> = (1..=3).map(|i| base.join(format!("s{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        sweep(dir, &["--shard", &format!("{}/3", i + 1)]);
        assert!(dir.join("shard.json").exists() && !dir.join("sweep.csv").exists());
        let lines = std::fs::read_to_string(dir.join("checkpoint.jsonl")).unwrap();
        assert_eq!(lines.lines().count(), 2, "6 points over 3 shards");
    }
    let merged = base.join("merged");
    let dirs: Vec<&str> = shards.iter().map(|d| d.to_str().unwrap()).collect();
    let mut args = vec!["sweep", "merge"];
    args.extend(dirs.iter().copied());
    args.extend(["--out", merged.to_str().unwrap()]);
    run_ok(&args);
    assert_eq!(
        std::fs::read_to_string(merged.join("sweep.csv")).unwrap(),
        std::fs::read_to_string(single.join("sweep.csv")).unwrap()
    );
    let refused = |args: &[&str], needle: &str| {
        let o = qbattery().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(needle), "{err}");
    };
    refused(
        &["sweep", "merge", dirs[0], dirs[1]],
        "shard 3/3 is missing",
    );
    refused(
        &["sweep", "merge", dirs[0], dirs[0], dirs[1], dirs[2]],
        "given twice",
    );
    let other = base.join("other");
    sweep_over(&["coupling.g=0.5:1.5:2"], &other, &["--shard", "1/3"]);
    refused(
        &["sweep", "merge", other.to_str().unwrap(), dirs[1], dirs[2]],
        "another sweep",
    );
    refused(
        &[
            "sweep",
            &example("cavity_chain.toml"),
            "--axis",
            "coupling.g=1,2",
            "--shard",
            "4/3",
        ],
        "1 ≤ i ≤ n",
    );
}

/// The custom examples run from the command line with units named after a parameter
/// (`omega_a` written ω_a),
/// their parameters take `--set` and sweep axes, and a bad expression is refused with
/// its line and column.
#[test]
fn custom_models_run_sweep_and_locate_errors() {
    let out = temp_dir("custom");
    let small = [
        "--set",
        "time.steps=21",
        "--set",
        "time.t_max=2.0",
        "--set",
        "parameters.N=2",
    ];
    for name in ["custom/tavis_cummings.toml", "custom/cavity_chain.toml"] {
        let o = qbattery()
            .args(["simulate", &example(name), "--out"])
            .arg(out.join(name))
            .args(small)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let csv = std::fs::read_to_string(out.join(name).join("timeseries.csv")).unwrap();
        assert!(
            csv.starts_with("t [1/ω_a],energy [ħω_a]"),
            "{name}: {csv:.80}"
        );
    }
    let o = qbattery()
        .args(["sweep", &example("custom/tavis_cummings.toml"), "--out"])
        .arg(out.join("sweep"))
        .args(small)
        .args(["--axis", "parameters.g=0.2,0.4"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = std::fs::read_to_string(out.join("sweep").join("sweep.csv")).unwrap();
    assert_eq!(table.lines().count(), 3, "{table}");
    let o = qbattery()
        .args(["info", &example("custom/tavis_cummings.toml")])
        .args(["--set", "hamiltonian=\"omega_c n(cav) + g a(cav\""])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("hamiltonian: line 1, column 25: expected `,` or `)`"),
        "{err}"
    );
}
