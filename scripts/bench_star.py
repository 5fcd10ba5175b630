#!/usr/bin/env python3
"""qbattery against QuTiP on the star network of paper 002 (002_bb018326d195ff9c.txt): the
steady-state normalized ergotropy W along one curve of a figure, side by side on one
machine, same model, both single-threaded.

Cases (omega0 = 10, J = omega = gamma = 1, individual reservoirs mu_1 = mu,
mu_i = mu + delta_mu, T = 1; unique steady states):
  fig3_n3   N = 3 (d = 8), mu = 2, delta_mu in [0, 10], 101 points (a Fig. 3 curve)
  fig6_n6   N = 6 (d = 64), mu = 0, delta_mu in [0, 20], 101 points (a Fig. 6 curve)
  fig6_n8   N = 8 (d = 256), mu = 0, delta_mu = 10, one point

QuTiP: qutip.steadystate(H, c_ops) (its default direct solver) per point, then ptrace and
the ergotropy of the battery; OMP/BLAS threads 1. qbattery: `qbattery sweep
examples/star.toml --axis reservoir.delta_mu=...` with RAYON_NUM_THREADS=1 (steady state
on; a 4-sample grid to t = 0.001, so the time evolution is negligible), timed as the whole
process. Prints per case both times, their ratio and the largest |W_qbattery - W_qutip|;
with --json FILE also writes them.

Usage: python3 scripts/bench_star.py [--only CASE ...] [--json FILE]
Requirements: pip install qutip numpy scipy; cargo build --release.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="matplotlib not found")
    import qutip

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from qutip_fixtures import ergotropy_np, star_model  # noqa: E402

BINARY = os.path.join(ROOT, "target", "release", "qbattery")

CASES = {
    "fig3_n3": dict(n=3, mu=2.0, dmu=(0.0, 10.0, 101)),
    "fig6_n6": dict(n=6, mu=0.0, dmu=(0.0, 20.0, 101)),
    "fig6_n8": dict(n=8, mu=0.0, dmu=(10.0, 10.0, 1)),
}

OMEGA0, J, GAMMA, OMEGA, T = 10.0, 1.0, 1.0, 1.0, 1.0


def qutip_curve(case):
    n, mu = case["n"], case["mu"]
    w = []
    start = time.perf_counter()
    for dmu in np.linspace(*case["dmu"]):
        baths = [(mu, T)] + [(mu + dmu, T)] * (n - 1)
        h, c_ops, h_b = star_model(n, OMEGA0, J, "individual", GAMMA, OMEGA, baths)
        rho = qutip.steadystate(h, c_ops)
        w.append(ergotropy_np(rho.ptrace(0).full(), h_b.full()) / (2 * OMEGA0))
    return time.perf_counter() - start, np.array(w)


def qbattery_curve(case):
    a, b, k = case["dmu"]
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            BINARY, "sweep", os.path.join(ROOT, "examples", "star.toml"),
            "--axis", f"reservoir.delta_mu={a:.1f}:{b:.1f}:{k}",
            "--set", f"network.qubits={case['n']}",
            "--set", f"reservoir.mu={case['mu']}",
            "--set", "time.t_max=0.001", "--set", "time.steps=4",
            "--set", 'output.metrics=["normalized_ergotropy"]',
            "--out", out,
        ]
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        with open(os.path.join(out, "sweep.csv")) as f:
            rows = list(csv.DictReader(f))
    return seconds, np.array([float(r["steady_normalized_ergotropy"]) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", choices=sorted(CASES))
    ap.add_argument("--json")
    args = ap.parse_args()
    results = {}
    for name, case in CASES.items():
        if args.only and name not in args.only:
            continue
        tq, wq = qutip_curve(case)
        tb, wb = qbattery_curve(case)
        dev = float(np.max(np.abs(wq - wb)))
        results[name] = dict(points=len(wq), qutip_s=tq, qbattery_s=tb, ratio=tq / tb,
                             max_abs_w_difference=dev)
        print(f"{name:8s} {len(wq):4d} points: QuTiP {tq:8.3f} s, qbattery {tb:7.3f} s, "
              f"ratio {tq / tb:6.1f}x, max |dW| {dev:.1e}", flush=True)
    meta = dict(qutip=qutip.__version__, numpy=np.__version__, cpus=os.cpu_count())
    print(json.dumps(meta))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(meta=meta, results=results), f, indent=1)


if __name__ == "__main__":
    main()
