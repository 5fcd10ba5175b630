#!/usr/bin/env python3
"""qbattery against QuTiP on the cavity–spin-j chain of paper 000 (000_e3df25f406468476.txt),
side by side on one machine, same models, same tolerances.

Cases (cavity of 14 levels, N = 3 sites, omega_a = omega_c = 1, J = -1, gamma = 0.4,
Delta = 1, g = 1, initial |3 photons> ⊗ |G>_B; open: kappa = 0.5, n_th = 0.2):
  closed_j3/2_E j = 3/2 (d = 896), t in [0, 20], 401 outputs, E(t)
                QuTiP: sesolve (rtol 1e-8, atol 1e-10) with e_ops = [H_B]
  closed_j3/2   the same with E_N(t): QuTiP also takes qutip.negativity of every state
  open_j1/2     j = 1/2 (d = 112), t in [0, 100], 201 outputs, E(t); rtol 1e-6, atol 1e-8
  open_j1       j = 1 (d = 378), t in [0, 20], 101 outputs, E(t); rtol 1e-6, atol 1e-8
  steady_j1/2   E(inf) of j = 1/2; QuTiP: steadystate() (direct), which returns a mixture
                of the two reflection sectors' steady states (printed for comparison)
  steady_j1     E(inf) of j = 1 (qbattery only: QuTiP's direct solver did not finish in
                300 s and its GMRES failed; --with-qutip-steady-j1 tries it anyway)

QuTiP runs single-threaded (OMP_NUM_THREADS=1 is set before numpy is imported). qbattery
runs as `target/release/qbattery simulate examples/cavity_chain.toml --set ...`; its time
is the model run recorded in summary.json (`run_seconds`: building, evolving, observing;
not writing files), its CPU time that of the whole process. Prints one line per case and
the ratios QuTiP / qbattery; with --json FILE also writes them.

Usage: python3 scripts/bench_cavity_chain.py [--only CASE ...] [--json FILE]
Requirements: pip install qutip numpy scipy; cargo build --release.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import resource
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
from qutip_fixtures import chain_ground, chain_model, thermal_c_ops  # noqa: E402

BINARY = os.path.join(ROOT, "target", "release", "qbattery")

CASES = {
    "closed_j3/2_E": dict(j=1.5, kappa=0.0, n_th=0.0, t=20.0, n=401, rtol=1e-8, atol=1e-10),
    "closed_j3/2": dict(j=1.5, kappa=0.0, n_th=0.0, t=20.0, n=401, rtol=1e-8, atol=1e-10,
                        negativity=True),
    "open_j1/2": dict(j=0.5, kappa=0.5, n_th=0.2, t=100.0, n=201, rtol=1e-6, atol=1e-8),
    "open_j1": dict(j=1.0, kappa=0.5, n_th=0.2, t=20.0, n=101, rtol=1e-6, atol=1e-8),
    "steady_j1/2": dict(j=0.5, kappa=0.5, n_th=0.2, t=1.0, n=5, rtol=1e-8, atol=1e-10,
                        steady=True),
    "steady_j1": dict(j=1.0, kappa=0.5, n_th=0.2, t=1.0, n=5, rtol=1e-8, atol=1e-10,
                      steady=True),
}


def model(case):
    p = {"levels": 14, "n_sites": 3, "j": case["j"], "omega_a": 1.0, "omega_c": 1.0,
         "J": -1.0, "gamma": 0.4, "Delta": 1.0, "g": 1.0}
    h, h_b, h_b_chain, a, dims = chain_model(p)
    ground, _, _ = chain_ground(h_b_chain)
    psi0 = qutip.tensor(qutip.basis(14, 3), ground)
    return h, h_b, a, psi0


def run_qutip(case, try_steady_j1):
    h, h_b, a, psi0 = model(case)
    e0 = qutip.expect(h_b, psi0)
    times = np.linspace(0.0, case["t"], case["n"])
    opts = {"rtol": case["rtol"], "atol": case["atol"], "progress_bar": False}
    t0, c0 = time.perf_counter(), time.process_time()
    if case.get("steady"):
        if case["j"] == 1.0 and not try_steady_j1:
            return None
        rho = qutip.steadystate(h, thermal_c_ops(a, case["kappa"], case["n_th"]))
        value = {"e_inf": float(qutip.expect(h_b, rho) - e0)}
    elif case["kappa"] == 0.0 and not case.get("negativity"):
        res = qutip.sesolve(h, psi0, times, e_ops=[h_b], options=opts)
        value = {"final_energy": float(np.real(res.expect[0][-1]) - e0)}
    elif case["kappa"] == 0.0:
        res = qutip.sesolve(h, psi0, times, e_ops=[], options=dict(opts, store_states=True))
        energy = [float(qutip.expect(h_b, s) - e0) for s in res.states]
        neg = [qutip.negativity(qutip.ket2dm(s), 0, logarithmic=True) for s in res.states]
        value = {"final_energy": energy[-1], "final_log_negativity": float(neg[-1])}
    else:
        res = qutip.mesolve(h, qutip.ket2dm(psi0), times,
                            c_ops=thermal_c_ops(a, case["kappa"], case["n_th"]),
                            e_ops=[h_b], options=opts)
        value = {"final_energy": float(np.real(res.expect[0][-1]) - e0)}
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, **value}


def run_ours(case):
    two_j = round(2 * case["j"])
    metrics = '["energy","log_negativity"]' if case.get("negativity") else '["energy"]'
    sets = [f"chain.two_j={two_j}", f"cavity.kappa={case['kappa']}",
            f"cavity.n_th={case['n_th']}", f"time.t_max={case['t']}",
            f"time.steps={case['n']}", f"solver.rtol={case['rtol']}",
            f"solver.atol={case['atol']}", f"output.metrics={metrics}",
            f"output.steady_state={'true' if case.get('steady') else 'false'}",
            "output.cutoff_tolerance=0.5"]
    with tempfile.TemporaryDirectory() as out:
        cmd = [BINARY, "simulate", os.path.join(ROOT, "examples", "cavity_chain.toml"),
               "--out", out]
        for s in sets:
            cmd += ["--set", s]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{' '.join(cmd)}\n{done.stderr}")
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = json.load(open(os.path.join(out, "summary.json")))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run_seconds = summary["run_seconds"]
    value = {"final_energy": summary["final"]["energy"]}
    if case.get("negativity"):
        value["final_log_negativity"] = summary["final"]["log_negativity"]
    if case.get("steady"):
        ss = summary["steady_state"]
        value = {"e_inf": ss["energy"], "null_space_dimension": ss["null_space_dimension"],
                 "gap": ss.get("gap")}
    return {"wall": run_seconds, "process_wall": wall, "cpu": cpu, **value}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", choices=list(CASES))
    ap.add_argument("--json")
    ap.add_argument("--with-qutip-steady-j1", action="store_true")
    args = ap.parse_args()
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} missing: run `cargo build --release` first")
    print(f"QuTiP {qutip.__version__}, NumPy {np.__version__}, "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}")
    results = {}
    for name in args.only or CASES:
        case = CASES[name]
        ours = run_ours(case)
        theirs = run_qutip(case, args.with_qutip_steady_j1)
        results[name] = {"qbattery": ours, "qutip": theirs}
        line = f"{name:12s} qbattery {ours['wall']:8.3f} s (cpu {ours['cpu']:7.2f} s)"
        if theirs:
            line += f"  QuTiP {theirs['wall']:8.3f} s  ratio {theirs['wall'] / ours['wall']:6.1f}x"
        else:
            line += "  QuTiP (not run)"
        keys = [k for k in ours if k not in ("wall", "process_wall", "cpu")]
        line += "  " + ", ".join(
            f"{k} {ours[k]:.8g}" + (f" / {theirs[k]:.8g}" if theirs and k in theirs else "")
            for k in keys if ours[k] is not None)
        print(line, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
