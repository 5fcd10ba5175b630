#!/usr/bin/env python3
"""Custom models against the built-in ones they re-express: the same scenario run both
ways with the release binary, best of `--repeats`, the model run (`run_seconds` of
summary.json) and the whole process (start, load with its checks, run, outputs), and the
largest difference of E(t).

Pairs (each: built-in example, custom example, overrides of each):
  tavis_cummings  N = 4 qubit cells, 16 levels, closed (the built-in with representation
                  = "qubits", the custom's natural form)
  chain_closed    the paper-000 spin-1 chain, 14 levels, closed, t <= 10
  chain_open      the spin-1/2 chain, 14 levels, kappa = 0.5, n_th = 0.2, t <= 20
  star            6 qubits with individual reservoirs, to t = 10 and the steady state
  field_qb        the two driven qubits of paper 003, t <= 10

Usage: python3 scripts/bench_custom_models.py [--repeats 5]
Requirements: cargo build --release. Run on an otherwise idle machine.
"""

import argparse
import csv
import json
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "qbattery"

PAIRS = {
    "tavis_cummings": (
        ("tavis_cummings.toml", ['cells.representation="qubits"']),
        ("custom/tavis_cummings.toml", []),
    ),
    "chain_closed": (("cavity_chain.toml", []), ("custom/cavity_chain.toml", [])),
    "star": (
        ("star.toml", ['network.representation="qubits"', "network.qubits=6"]),
        ("custom/star.toml", ["parameters.N=6"]),
    ),
    "field_qb": (("field_qb.toml", []), ("custom/field_qb.toml", [])),
    "chain_open": (
        ("cavity_chain.toml", ["chain.two_j=1", "cavity.kappa=0.5", "cavity.n_th=0.2", "time.t_max=20.0"]),
        (
            "custom/cavity_chain.toml",
            [
                'subsystem=[{name="cav",kind="mode",levels=14},{name="s",kind="spin",two_j=1,count="N"}]',
                "parameters.kappa=0.5",
                "parameters.n_th=0.2",
                "time.t_max=20.0",
            ],
        ),
    ),
}


def run(example, sets, out):
    cmd = [str(BIN), "simulate", str(ROOT / "examples" / example), "--out", str(out)]
    for s in sets:
        cmd += ["--set", s]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    summary = json.loads((out / "summary.json").read_text())
    with open(out / "timeseries.csv") as f:
        rows = list(csv.reader(f))
    col = next(i for i, h in enumerate(rows[0]) if h.startswith("energy"))
    energy = [float(r[col]) for r in rows[1:]]
    return wall, summary["run_seconds"], energy


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for name, sides in PAIRS.items():
            best = []
            for k, (example, sets) in enumerate(sides):
                runs = [run(example, sets, tmp / f"{name}{k}{r}") for r in range(args.repeats)]
                best.append((min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2]))
            (bw, br, be), (cw, cr, ce) = best
            diff = max(abs(a - b) for a, b in zip(be, ce))
            print(
                f"{name:15s} built-in run {br:.4f} s (process {bw:.3f} s); custom run {cr:.4f} s "
                f"(process {cw:.3f} s); ratio custom/built-in run {cr / br:.2f}, process {cw / bw:.2f}; "
                f"max |ΔE| {diff:.1e}"
            )


if __name__ == "__main__":
    main()
