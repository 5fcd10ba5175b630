//! `mpirun -n 2 qbattery sweep` (built with the `mpi` feature, run under Open MPI): the
//! same `sweep.csv` as a local sweep, points shared by both ranks, a rank killed with
//! SIGKILL whose points are redone on resume and none twice, and errors that end the job
//! instead of hanging it.
#![cfg(feature = "mpi")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn qbattery() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qbattery"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qbattery-mpi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `mpirun -n 2 qbattery ARGS`, one point at a time per rank (Open MPI's flags for a
/// container that runs as root on fewer cores than ranks).
fn mpirun(args: &[String]) -> Command {
    let mut c = Command::new("mpirun");
    c.args(["--allow-run-as-root", "--oversubscribe", "-n", "2"])
        .arg(env!("CARGO_BIN_EXE_qbattery"))
        .args(args)
        .env("RAYON_NUM_THREADS", "1");
    c
}

/// A sweep of the open spin-1/2 chain over (g, J): `points` points of about 0.1 s each in
/// the tests' build.
fn sweep_args(points: usize, out: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "sweep",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/cavity_chain.toml"
        ),
        "--axis",
        &format!("coupling.g=0.5:1.5:{}", points / 2),
        "--axis",
        "chain.j=-1.0,1.0",
        "--out",
    ]
    .map(String::from)
    .to_vec();
    args.push(out.display().to_string());
    for set in [
        "chain.sites=3",
        "chain.two_j=1",
        "cavity.levels=8",
        "cavity.photons=2",
        "cavity.kappa=0.5",
        "time.t_max=10.0",
        "time.steps=41",
        "output.metrics=[\"energy\",\"power\"]",
    ] {
        args.extend(["--set".to_string(), set.to_string()]);
    }
    args
}

/// Waits for `child` at most `limit`, killing it (and failing the test) past that: a
/// sweep whose ranks wait on each other forever is a failure, not a hung CI.
fn finish_within(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("mpirun did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn run(mut c: Command) -> Output {
    let child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    finish_within(
        child.expect("mpirun starts (Open MPI installed?)"),
        Duration::from_secs(120),
    )
}

/// The checkpoint's point indices, in file order.
fn checkpoint_indices(dir: &Path) -> Vec<u64> {
    let text = std::fs::read_to_string(dir.join("checkpoint.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["index"].as_u64().unwrap())
        .collect()
}

/// The count of points each rank ran, from rank 0's "… over 2 ranks (rank 0: a, rank 1: b)".
fn per_rank(stderr: &str) -> Vec<usize> {
    let line = stderr
        .lines()
        .find(|l| l.contains("points over 2 ranks"))
        .unwrap_or_else(|| panic!("no per-rank line in {stderr}"));
    line.split("rank ")
        .skip(1)
        .map(|part| {
            let n = part.split(':').nth(1).unwrap();
            n.trim_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .unwrap()
        })
        .collect()
}

#[test]
fn two_ranks_write_the_local_sweep_and_share_its_points() {
    let base = temp_dir("same");
    let local = base.join("local");
    let o = qbattery().args(sweep_args(24, &local)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let ranks = base.join("ranks");
    let o = run(mpirun(&sweep_args(24, &ranks)));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        std::fs::read_to_string(ranks.join("sweep.csv")).unwrap(),
        std::fs::read_to_string(local.join("sweep.csv")).unwrap()
    );
    let counts = per_rank(&err);
    assert_eq!(counts.iter().sum::<usize>(), 24, "{err}");
    assert!(
        counts.iter().all(|&n| n > 0),
        "both ranks ran points: {err}"
    );
    let mut indices = checkpoint_indices(&ranks);
    indices.sort_unstable();
    assert_eq!(indices, (0..24).collect::<Vec<u64>>());
}

/// The pid of the `qbattery` process that is rank 1 of the job writing to `out`.
fn rank_one(out: &Path) -> Option<u32> {
    let needle = out.display().to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let environ = std::fs::read(entry.path().join("environ")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let ours = args.first()?.ends_with(b"qbattery") && args.contains(&needle.as_bytes());
            let is_rank_one = environ
                .split(|&b| b == 0)
                .any(|v| v == b"OMPI_COMM_WORLD_RANK=1");
            (ours && is_rank_one).then_some(pid)
        })
}

#[test]
fn a_killed_rank_is_redone_on_resume_and_no_point_twice() {
    let base = temp_dir("kill");
    let points = 40;
    let local = base.join("local");
    let o = qbattery()
        .args(sweep_args(points, &local))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let out = base.join("ranks");
    let child = mpirun(&sweep_args(points, &out))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while checkpoint_indices(&out).len() < 4 {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = rank_one(&out).expect("rank 1 is running");
    let killed = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = finish_within(child, Duration::from_secs(60));
    assert!(!o.status.success(), "the job ends when a rank is killed");
    let before = checkpoint_indices(&out).len();
    assert!(
        before < points,
        "the kill came before the end ({before} points done)"
    );

    let o = run(mpirun(&sweep_args(points, &out)));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let taken = format!("{before} of {points} points taken from checkpoint");
    assert!(err.contains(&taken), "{err}");
    let indices = checkpoint_indices(&out);
    let unique: BTreeSet<u64> = indices.iter().copied().collect();
    assert_eq!(
        (indices.len(), unique.len()),
        (points, points),
        "{indices:?}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("sweep.csv")).unwrap(),
        std::fs::read_to_string(local.join("sweep.csv")).unwrap()
    );
}

#[test]
fn errors_end_the_job_with_the_point_named() {
    let base = temp_dir("errors");
    // A point over the memory limit fails while it runs, on whichever rank has it.
    let mut args = sweep_args(4, &base.join("memory"));
    args.extend(["--axis", "cavity.levels=4,40", "--max-memory", "2000000"].map(String::from));
    let o = run(mpirun(&args));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("cavity.levels=40") && err.contains("failed on rank"),
        "{err}"
    );
    assert!(err.contains("more than the"), "{err}");
    // A bad grid is refused by every rank before any point runs.
    let mut args = sweep_args(4, &base.join("grid"));
    args.extend(["--axis", "cavity.levels=0,4"].map(String::from));
    let o = run(mpirun(&args));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("cavity.levels"),
        "{err}"
    );
}
