#!/usr/bin/env python3
"""`qbattery sweep` over MPI ranks: wall time of one sweep with P = 1, 2, ... ranks, one
point at a time per rank (RAYON_NUM_THREADS=1), against the same sweep run locally, and
an estimate for a large contour on many ranks.

The sweep is a Fig. 3-style contour of paper 000's closed chain (spin-3/2 by default: 3
sites, 14 Fock levels, dimension 896), E(t), P(t) and E_N(t) to omega_a t = 5 with 251
outputs, over (g, J). Every run's sweep.csv is compared with the local run's (byte for
byte). The estimate for N points on R ranks is N * (the P = 1 run's time per point) / R,
plus the measured start-up of an mpirun job: dynamic balancing keeps every rank busy up
to the last point.

Usage: python3 scripts/bench_mpi_sweep.py [--ranks 1 2] [--g-points 8] [--j-points 5]
       [--two-j 3] [--estimate-points 1000] [--estimate-ranks 64] [--json FILE]
Requirements: cargo build --release -p qbattery-cli --features mpi; Open MPI's mpirun.
Run it on an otherwise idle machine.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "qbattery"


def sweep_args(args, out):
    return [
        str(BIN),
        "sweep",
        str(ROOT / "examples" / "cavity_chain.toml"),
        "--axis",
        f"coupling.g=0.1:2.0:{args.g_points}",
        "--axis",
        f"chain.j=-2.0:2.0:{args.j_points}",
        "--set",
        f"chain.two_j={args.two_j}",
        "--set",
        "time.t_max=5.0",
        "--set",
        "time.steps=251",
        "--set",
        'output.metrics=["energy","power","log_negativity"]',
        "--out",
        str(out),
    ]


def timed(cmd, env):
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return wall, done.stderr


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    p.add_argument("--g-points", type=int, default=8)
    p.add_argument("--j-points", type=int, default=5)
    p.add_argument("--two-j", type=int, default=3)
    p.add_argument("--estimate-points", type=int, default=1000)
    p.add_argument("--estimate-ranks", type=int, default=64)
    p.add_argument("--json")
    args = p.parse_args()
    if not BIN.exists():
        sys.exit(f"{BIN} missing: cargo build --release -p qbattery-cli --features mpi")
    points = args.g_points * args.j_points
    env = dict(os.environ, RAYON_NUM_THREADS="1", CI="true")
    mpirun = ["mpirun", "--allow-run-as-root", "--oversubscribe"]
    out = {"points": points, "two_j": args.two_j, "cores": os.cpu_count(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        local, _ = timed(sweep_args(args, tmp / "local"), env)
        reference = (tmp / "local" / "sweep.csv").read_text()
        print(f"local, 1 thread: {local:.2f} s for {points} points ({local / points:.3f} s each)")
        # mpirun's own cost: a job whose sweep has one tiny point (a driven qubit).
        tiny = [str(BIN), "sweep", str(ROOT / "examples" / "driven_qubit.toml"),
                "--axis", "qubit.omega=1.0", "--set", "time.steps=4", "--out", str(tmp / "tiny")]
        startup, _ = timed(mpirun + ["-n", str(max(args.ranks))] + tiny, env)
        for ranks in args.ranks:
            dest = tmp / f"ranks{ranks}"
            wall, err = timed(mpirun + ["-n", str(ranks)] + sweep_args(args, dest), env)
            same = (dest / "sweep.csv").read_text() == reference
            shares = next((l for l in err.splitlines() if "points over" in l), "one rank")
            print(
                f"P = {ranks}: {wall:.2f} s, speed-up {local / wall:.2f} over local, "
                f"sweep.csv identical: {same}; {shares}"
            )
            out["runs"].append({"ranks": ranks, "seconds": wall, "identical": same, "shares": shares})
    per_point = local / points
    estimate = args.estimate_points * per_point / args.estimate_ranks + startup
    out.update(local_seconds=local, seconds_per_point=per_point, mpirun_startup_seconds=startup)
    out["estimate"] = {
        "points": args.estimate_points,
        "ranks": args.estimate_ranks,
        "seconds": estimate,
    }
    print(
        f"estimate: {args.estimate_points} points on {args.estimate_ranks} ranks "
        f"≈ {estimate:.1f} s ({per_point:.3f} s per point, mpirun start-up {startup:.2f} s)"
    )
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
