#!/usr/bin/env python3
"""Strong symmetries of paper 000's cavity chain beyond the site reflection.

The cavity's jumps (a, a^+) act on the cavity only, and H = w_c a^+a + H_B + g S_x (a + a^+)
with S_x = sum_n S^x_n; so every spin operator Q with [Q, H_B] = [Q, S_x] = 0 is a strong
symmetry of the open chain. This prints the dimension of that commutant for N = 3 sites
and j = 1/2, 1, 3/2 (J = -1, gamma = 0.4, Delta = 1): 2 for j = 1/2 (I and the reflection
R), 4 for j = 1 and 3/2. For j = 1 it also builds a Hermitian Q outside span{I, R} and
checks that it commutes with R and with the total S_x, S_y, S_z, and prints its distinct
eigenvalues: the extra conserved quantity behind the two-dimensional null space of the
spin-1 chain's reflection sector (fixtures/chain_steady_sectors.json).

Usage: python3 scripts/chain_commutant.py   (NumPy and QuTiP; a few seconds)
"""

import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
sys.path.insert(0, __file__.rsplit("/", 1)[0])
import qutip  # noqa: E402
import qutip_fixtures as qf  # noqa: E402

N_SITES = 3


def chain_operators(j):
    """(H_B, total S_x, S_y, S_z, the site reflection R) on the chain alone."""
    p = dict(qf.CHAIN_PARAMS, n_sites=N_SITES, levels=2, j=j, J=-1.0)
    _, _, h_b, _, _ = qf.chain_model(p)
    d = round(2 * j + 1)
    total = [
        sum(qf.embed(qutip.jmat(j, c), n, [d] * N_SITES) for n in range(N_SITES)).full()
        for c in ("x", "y", "z")
    ]
    dim = d**N_SITES
    perm = []
    for b in range(dim):
        digits = [(b // d ** (N_SITES - 1 - k)) % d for k in range(N_SITES)]
        perm.append(sum(s * d ** (N_SITES - 1 - k) for k, s in enumerate(digits[::-1])))
    r = np.zeros((dim, dim))
    r[perm, np.arange(dim)] = 1.0
    return h_b.full(), total, r


def commutant(ops):
    """An orthonormal basis (as vectorised matrices, columns) of {X : [A, X] = 0 for all A}."""
    n = ops[0].shape[0]
    eye = np.eye(n)
    m = np.vstack([np.kron(eye, a) - np.kron(a.T, eye) for a in ops])
    _, s, vh = np.linalg.svd(m)
    k = int(np.sum(s < 1e-9 * s[0]))
    return vh[len(s) - k:].conj().T


def main():
    for j in (0.5, 1.0, 1.5):
        h_b, (sx, _, _), _ = chain_operators(j)
        print(f"j = {j}: dim commutant of (H_B, S_x) = {commutant([h_b, sx]).shape[1]}")
    h_b, (sx, sy, sz), r = chain_operators(1.0)
    n = h_b.shape[0]
    basis = commutant([h_b, sx])
    span_ir = np.array([np.eye(n).ravel(order="F"), r.ravel(order="F")]).T
    for k in range(basis.shape[1]):
        x = basis[:, k].reshape(n, n, order="F")
        for q in (x + x.conj().T, 1j * (x - x.conj().T)):
            v = q.ravel(order="F")
            rest = v - span_ir @ np.linalg.lstsq(span_ir, v, rcond=None)[0]
            if np.linalg.norm(rest) > 1e-6 * np.linalg.norm(v):
                q = rest.reshape(n, n, order="F")
                q = (q + q.conj().T) / 2
                ev = np.linalg.eigvalsh(q)
                ev = np.unique(np.round(ev / np.abs(ev).max(), 6))
                norms = {
                    name: float(np.abs(a @ q - q @ a).max())
                    for name, a in (("R", r), ("S_x", sx), ("S_y", sy), ("S_z", sz), ("H_B", h_b))
                }
                print(f"j = 1: a Q outside span{{I, R}}: distinct eigenvalues (scaled) {ev}")
                print("       max|[A, Q]| for A =", {k: f"{v:.1e}" for k, v in norms.items()})
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
