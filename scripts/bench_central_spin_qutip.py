#!/usr/bin/env python3
"""QuTiP reference for the multiple central-spin battery (paper 004_5856515c11cfbeb7).

Builds H = B S^z + h J^z + A (S+J- + S-J+) + 2 Delta S^z J^z on the full
(N_B+1)(N+1) Dicke space with qutip.jmat, evolves |m=0>_B |k=N>_C with sesolve on a
uniform grid, and prints the wall time, Delta E_B at the last time and the grid maximum
of P = Delta E_B / t. Compare with `cargo bench -p qbattery --bench central_spin` and
with qbattery's exact values (same parameters, `qbattery simulate examples/central_spin.toml
--set n_b=... --set n=... --set initial.charger.k=... --set time.t_max=... --set time.steps=...`,
where qbattery's time.steps counts output times, t = 0 included: steps + 1 here).

QuTiP's jmat orders levels from m = +j down: battery empty = basis(N_B+1, N_B),
charger full (k = N) = basis(N+1, 0).

Usage: python3 scripts/bench_central_spin_qutip.py [N_B N T_MAX STEPS]
"""
import sys
import time

import numpy as np
import qutip


def main():
    n_b, n, t_max, steps = 40, 200, 0.08, 800
    if len(sys.argv) == 5:
        n_b, n, t_max, steps = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    b = h = a = 1.0
    delta = 0.0
    start = time.perf_counter()
    jb, jc = n_b / 2, n / 2
    sz, sp, sm = qutip.jmat(jb, "z"), qutip.jmat(jb, "+"), qutip.jmat(jb, "-")
    jz, jp, jm = qutip.jmat(jc, "z"), qutip.jmat(jc, "+"), qutip.jmat(jc, "-")
    ib, ic = qutip.qeye(n_b + 1), qutip.qeye(n + 1)
    hb = b * qutip.tensor(sz, ic)
    ham = (
        hb
        + h * qutip.tensor(ib, jz)
        + a * (qutip.tensor(sp, jm) + qutip.tensor(sm, jp))
        + 2 * delta * qutip.tensor(sz, jz)
    )
    psi0 = qutip.tensor(qutip.basis(n_b + 1, n_b), qutip.basis(n + 1, 0))
    times = np.linspace(0.0, t_max, steps + 1)
    opts = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**7}
    res = qutip.sesolve(ham, psi0, times, e_ops=[hb], options=opts)
    elapsed = time.perf_counter() - start
    e = np.real(np.asarray(res.expect[0]))
    de = e - e[0]
    p = de[1:] / times[1:]
    i = int(np.argmax(p))
    print(f"qutip {qutip.__version__}: N_B={n_b} N={n} dim={(n_b + 1) * (n + 1)} steps={steps}")
    print(f"wall time {elapsed:.3f} s (build + sesolve, atol 1e-12, rtol 1e-10)")
    print(f"dE_B(t_max={t_max}) = {de[-1]:.12g}")
    print(f"grid max P = {p[i]:.12g} at t = {times[i + 1]:.6g}")


if __name__ == "__main__":
    main()
