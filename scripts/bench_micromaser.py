#!/usr/bin/env python3
"""Micromaser benchmarks in Python, to compare with `cargo bench -p qbattery --bench micromaser`.

Paper 001 (001_03396fee62d82789.txt). Two implementations on the same machine:
  * NumPy, the same structured loop as qbattery's ladder kernel: the state in the real gauge
    rho_mn = (-i)^(m-n) r_mn, one collision = 7 shifted, scaled copies of r (O(N_c^2)),
    and the loss of Eq. (11) with its exact gradient by forward propagation (2 tangents);
  * QuTiP 5, the dense loop: rho -> ptrace(U (rho x rho_q) U^dag) with a (2 N_c)^2 unitary.
Also checks that both agree (max |rho_numpy - rho_qutip| after 50 collisions).

Prints one line per measurement: name, seconds per unit, unit.
Usage: python3 scripts/bench_micromaser.py [--quick] [--iiia]
  --iiia: also the whole Sec. III A optimisation (4 lambdas, grid + 4 random starts each),
          to compare with `qbattery optimize examples/micromaser_optimize.toml --set loss.lambda=L`.
"""
import sys
import time

import numpy as np

G = np.pi / np.sqrt(15.6)


def coefficients(levels, g):
    n = np.arange(levels)
    a = np.cos(g * np.sqrt(n))
    b = np.cos(g * np.sqrt(n + 1.0))
    s = np.sin(g * np.sqrt(n + 1.0))
    b[-1], s[-1] = 1.0, 0.0  # truncation edge: |N_c-1, e> uncoupled
    sp = np.concatenate(([0.0], s[:-1]))  # s_{m-1}
    return a, b, s, sp


def collide(r, wg, we, wx, co):
    """r' = wg G(r) + we E(r) + wx X(r) in the real gauge (see qbattery::dynamics::ladder)."""
    a, b, s, sp = co
    out = (wg * np.outer(a, a) + we * np.outer(b, b)) * r
    out[:-1, :-1] += wg * np.outer(s[:-1], s[:-1]) * r[1:, 1:]
    out[1:, 1:] += we * np.outer(sp[1:], sp[1:]) * r[:-1, :-1]
    if wx != 0.0:
        out[:, 1:] += wx * np.outer(a, sp[1:]) * r[:, :-1]
        out[1:, :] += wx * np.outer(sp[1:], a) * r[:-1, :]
        out[:-1, :] -= wx * np.outer(s[:-1], b) * r[1:, :]
        out[:, :-1] -= wx * np.outer(b, s[:-1]) * r[:, 1:]
    return out


def loss_and_grad(c, q, levels=120, n=1000, lam=10.0, eta=0.2, g=G):
    co = coefficients(levels, g)
    sq = np.sqrt(q * (1 - q))
    x, x_c, x_q = c * sq, sq, c * (1 - 2 * q) / (2 * sq)
    r = np.zeros((levels, levels))
    r[0, 0] = 1.0
    tc, tq = np.zeros_like(r), np.zeros_like(r)
    lev = np.arange(levels)
    k0 = n - int(round(eta * n))
    pen, dpen = 0.0, np.zeros(2)
    e_prev, de_prev = 0.0, np.zeros(2)
    for k in range(1, n + 1):
        tc = collide(tc, q, 1 - q, x, co) + collide(r, 0.0, 0.0, x_c, co)
        tq = collide(tq, q, 1 - q, x, co) + collide(r, 1.0, -1.0, x_q, co)
        r = collide(r, q, 1 - q, x, co)
        if k >= k0:
            e = lev @ np.diag(r)
            de = np.array([lev @ np.diag(tc), lev @ np.diag(tq)])
            if k > k0:
                pen += abs(e - e_prev)
                dpen += np.sign(e - e_prev) * (de - de_prev)
            e_prev, de_prev = e, de
    vals, vecs = np.linalg.eigh(r)
    order = vecs[:, ::-1]  # descending eigenvalues
    w = lev @ np.diag(r) - lev @ vals[::-1]
    dw = np.array([lev @ np.diag(t) - lev @ np.einsum("ik,ij,jk->k", order, t, order) for t in (tc, tq)])
    A, B = 1 - c, 1 - q
    S = w + A + B
    loss = -w * A * B / S + lam * pen
    dl_dw = -A * B * (A + B) / S**2
    dl_da = -w * B * (w + B) / S**2
    dl_db = -w * A * (w + A) / S**2
    grad = dl_dw * dw + np.array([-dl_da, -dl_db]) + lam * dpen
    return loss, grad


def timeit(f, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def whole_iiia():
    """Sec. III A as `qbattery optimize` runs it: for each lambda, the best point of a 5x5
    grid plus 4 seeded random starts, each refined by SciPy's L-BFGS-B with the exact
    gradient above (single thread)."""
    from scipy.optimize import minimize

    lo, hi = np.array([0.0, 1e-6]), np.array([1.0, 1 - 1e-6])
    rng = np.random.default_rng(2023)
    t0 = time.perf_counter()
    for lam in (1.0, 10.0, 100.0, 1000.0):
        f = lambda p: loss_and_grad(p[0], p[1], lam=lam)
        grid = [lo + (hi - lo) * np.array([i, j]) / 4 for i in range(5) for j in range(5)]
        starts = [min(grid, key=lambda p: f(p)[0])] + [lo + (hi - lo) * rng.random(2) for _ in range(4)]
        best = min((minimize(f, x0=s, jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi))) for s in starts),
                   key=lambda r: r.fun)
        print(f"numpy_scipy_iiia_lambda{lam:g} x = {best.x[0]:.4f}, {best.x[1]:.4f}; loss {best.fun:.6f}")
    print(f"numpy_scipy_whole_iiia {time.perf_counter() - t0:.3e} s")


def main():
    quick = "--quick" in sys.argv
    q, c = 0.168, 0.390
    x = c * np.sqrt(q * (1 - q))
    for levels in (120, 150):
        co = coefficients(levels, G)
        r = np.zeros((levels, levels))
        r[0, 0] = 1.0
        steps = 200 if quick else 2000
        t = timeit(lambda: [collide(r, q, 1 - q, x, co) for _ in range(steps)], 3) / steps
        print(f"numpy_collision_Nc{levels} {t:.3e} s/collision")
    t = timeit(lambda: loss_and_grad(c, q), 1 if quick else 3)
    print(f"numpy_loss_grad_n1000_Nc120 {t:.3e} s/evaluation")
    # Finite-difference check of the NumPy gradient (a sanity check of this script).
    l0, g0 = loss_and_grad(c, q, levels=40, n=100)
    h = 1e-6
    fd = [(loss_and_grad(c + h, q, 40, 100)[0] - loss_and_grad(c - h, q, 40, 100)[0]) / (2 * h),
          (loss_and_grad(c, q + h, 40, 100)[0] - loss_and_grad(c, q - h, 40, 100)[0]) / (2 * h)]
    print(f"numpy_gradient_vs_fd_maxdiff {np.max(np.abs(g0 - np.array(fd))):.2e} -")

    if not quick:
        from scipy.optimize import minimize

        t0 = time.perf_counter()
        res = minimize(lambda p: loss_and_grad(p[0], p[1]), x0=[0.3, 0.2], jac=True, method="L-BFGS-B",
                       bounds=[(0, 1), (1e-6, 1 - 1e-6)])
        print(f"numpy_scipy_lbfgsb_iiia_lambda10_one_start {time.perf_counter() - t0:.3e} s "
              f"(x = {res.x[0]:.4f}, {res.x[1]:.4f}; nfev {res.nfev})")

    if "--iiia" in sys.argv:
        whole_iiia()

    import qutip as qt

    for levels in (120, 150):
        a = qt.tensor(qt.destroy(levels), qt.qeye(2))
        # qubit basis (g, e) = (basis 0, basis 1): sigma+ = |e><g|
        sp = qt.tensor(qt.qeye(levels), qt.basis(2, 1) * qt.basis(2, 0).dag())
        u = (-1j * G * (a * sp + a.dag() * sp.dag())).expm()
        u = u.to("dense")
        rho_q = qt.Qobj(np.array([[q, x], [x, 1 - q]]))
        rho = qt.fock_dm(levels, 0).to("dense")
        steps = 20 if quick else 100

        def loop():
            nonlocal rho
            for _ in range(steps):
                rho = (u * qt.tensor(rho, rho_q) * u.dag()).ptrace(0)

        t = timeit(loop, 2) / steps
        print(f"qutip_dense_collision_Nc{levels} {t:.3e} s/collision")
    # Agreement after 50 collisions at N_c = 30.
    levels = 30
    co = coefficients(levels, G)
    r = np.zeros((levels, levels))
    r[0, 0] = 1.0
    a = qt.tensor(qt.destroy(levels), qt.qeye(2))
    sp = qt.tensor(qt.qeye(levels), qt.basis(2, 1) * qt.basis(2, 0).dag())
    u = (-1j * G * (a * sp + a.dag() * sp.dag())).expm()
    rho = qt.fock_dm(levels, 0)
    rho_q = qt.Qobj(np.array([[q, x], [x, 1 - q]]))
    for _ in range(50):
        r = collide(r, q, 1 - q, x, co)
        rho = (u * qt.tensor(rho, rho_q) * u.dag()).ptrace(0)
    m = np.arange(levels)
    phase = (-1j) ** ((m[:, None] - m[None, :]) % 4)
    print(f"numpy_vs_qutip_maxdiff_50_collisions {np.max(np.abs(phase * r - rho.full())):.2e} -")


if __name__ == "__main__":
    main()
