#!/usr/bin/env python3
"""Reference data from QuTiP 5 for the qbattery Rust test suite.

Regenerate every fixture with one command:

    python3 scripts/qutip_fixtures.py --out fixtures

The script is deterministic (fixed seeds, fixed grids). Each fixture is a JSON
object with a header (generator, versions, description, conventions, solver
settings), the parameters, the results and the script's own self-checks
(``checks``: deviations of QuTiP's output from an independent computation:
closed forms, exact propagators built here in NumPy/SciPy, or a second
algorithm). Complex matrices are stored as {"re": [[...]], "im": [[...]]},
row-major, M[i][j] = row i, column j.
"""

import argparse
import json
import os
import platform
import sys
import warnings

import numpy as np
import scipy
import scipy.sparse
import scipy.sparse.linalg
from scipy.special import eval_laguerre

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="matplotlib not found")
    import qutip

GENERATOR = "scripts/qutip_fixtures.py"

# Tight tolerances: the fixtures must be accurate far beyond the Rust tests' tolerances.
# QuTiP's default 'adams' at atol = rtol = 1e-10 still left ~2e-7 global error on the
# Tavis-Cummings run (measured against the exact propagator); 'vern9' at 1e-12 leaves ~4e-12.
METHOD = "vern9"
ATOL = 1e-12
RTOL = 1e-12
NSTEPS = 10**7

# Stated in every fixture that involves these objects.
BASE_CONVENTIONS = {
    "hbar": "hbar = 1 (and k_B = 1)",
    "tensor_order": (
        "declaration order as listed in 'tensor_order' below; the first factor is the most "
        "significant index (as qutip.tensor / numpy.kron): |i1, i2> has index i1*d2 + i2"
    ),
    "boson": (
        "'levels' = number of Fock states kept, |0>..|levels-1>; a = qutip.destroy(levels), "
        "a|n> = sqrt(n)|n-1>"
    ),
    "spin": (
        "S = qutip.jmat(j) (S = sigma/2 for spin-1/2), S+- = S_x +- i S_y; basis index k holds "
        "m = j - k (index 0 is m = +j, 'up'; the last index is m = -j, 'down'); for spin-1/2 "
        "'down' = S^z = -1/2 = qutip.basis(2, 1)"
    ),
    "lindblad": (
        "d rho/dt = -i[H, rho] + sum_k (c_k rho c_k^+ - 1/2 {c_k^+ c_k, rho}); thermal cavity "
        "damping c_ops = [sqrt(kappa (n_th+1)) a, sqrt(kappa n_th) a^+] (second omitted if n_th = 0)"
    ),
    "log_base": "entropies and log-negativity in base 2",
    "complex_matrix": "{'re': [[...]], 'im': [[...]]}, row-major, M[i][j] = row i, column j",
}

# ---------------------------------------------------------------- helpers


def header(description, conventions_extra, solver=None):
    """Common header of every fixture."""
    conv = dict(BASE_CONVENTIONS)
    conv.update(conventions_extra)
    head = {
        "generator": GENERATOR,
        "command": "python3 scripts/qutip_fixtures.py --out fixtures",
        "qutip": qutip.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
        "description": description,
        "conventions": conv,
    }
    if solver is not None:
        head["solver"] = solver
        head["atol"] = solver.get("atol")
        head["rtol"] = solver.get("rtol")
    return head


def cmat(m):
    """Complex matrix (Qobj or ndarray) as {"re": [[...]], "im": [[...]]}."""
    a = m.full() if isinstance(m, qutip.Qobj) else np.asarray(m, dtype=complex)
    return {"re": a.real.tolist(), "im": a.imag.tolist()}


def flist(x):
    """Real 1-D array as a list of Python floats (imaginary parts must vanish)."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        assert np.max(np.abs(x.imag), initial=0.0) < 1e-9, "unexpected imaginary part"
        x = x.real
    return [float(v) for v in x]


def ode_options(method=METHOD):
    return {
        "method": method,
        "atol": ATOL,
        "rtol": RTOL,
        "nsteps": NSTEPS,
        "store_states": True,
        "progress_bar": False,
    }


def solver_record(name, method=METHOD):
    return {
        "name": name,
        "method": method,
        "atol": ATOL,
        "rtol": RTOL,
        "nsteps": NSTEPS,
    }


def thermal_c_ops(a, kappa, n_th):
    """[sqrt(kappa (n_th+1)) a, sqrt(kappa n_th) a^+]; the second omitted if n_th = 0."""
    c_ops = [np.sqrt(kappa * (n_th + 1.0)) * a]
    if n_th > 0.0:
        c_ops.append(np.sqrt(kappa * n_th) * a.dag())
    return c_ops


def embed(op, site, dims):
    """op on factor `site` of a tensor product with factor dimensions `dims`."""
    return qutip.tensor([op if k == site else qutip.qeye(d) for k, d in enumerate(dims)])


def log_negativity_np(rho, dims, site):
    """log2 || rho^{T_site} ||_1 computed in NumPy (independent of qutip.negativity)."""
    r = np.asarray(rho).reshape(dims + dims)
    n = len(dims)
    perm = list(range(2 * n))
    perm[site], perm[n + site] = perm[n + site], perm[site]
    d = int(np.prod(dims))
    pt = r.transpose(perm).reshape(d, d)
    pt = 0.5 * (pt + pt.conj().T)
    return float(np.log2(np.sum(np.abs(np.linalg.eigvalsh(pt)))))


def log_negativity_qutip(rho, site):
    """qutip.negativity(logarithmic=True) = log2(2N + 1) = log2 ||rho^{T_site}||_1."""
    if rho.isket:
        rho = qutip.ket2dm(rho)
    return float(qutip.negativity(rho, site, method="eigenvalues", logarithmic=True))


def liouvillian_sparse(h, c_ops):
    """Column-stacking Liouvillian built with scipy.sparse (independent of qutip.liouvillian):
    vec(A rho B) = (B^T kron A) vec(rho)."""
    h = scipy.sparse.csr_matrix(h)
    d = h.shape[0]
    eye = scipy.sparse.identity(d, dtype=complex, format="csr")
    kron = scipy.sparse.kron
    lv = -1j * (kron(eye, h) - kron(h.T, eye))
    for c in c_ops:
        c = scipy.sparse.csr_matrix(c)
        cdc = c.conj().T @ c
        lv = lv + kron(c.conj(), c) - 0.5 * kron(eye, cdc) - 0.5 * kron(cdc.T, eye)
    return scipy.sparse.csr_matrix(lv)


def exact_open_states(h, c_ops, rho0, times):
    """rho(t) on an equally spaced grid: scipy expm_multiply of the sparse Liouvillian."""
    lv = liouvillian_sparse(h.full(), [c.full() for c in c_ops])
    v0 = rho0.full().reshape(-1, order="F")
    vs = scipy.sparse.linalg.expm_multiply(
        lv, v0, start=times[0], stop=times[-1], num=len(times), endpoint=True
    )
    d = rho0.shape[0]
    return [v.reshape(d, d, order="F") for v in vs]


def exact_closed_states(h, psi0, times):
    """psi(t) = V exp(-i E t) V^+ psi0 from a dense Hermitian eigendecomposition."""
    e, v = np.linalg.eigh(h.full())
    c0 = v.conj().T @ psi0.full().ravel()
    return [v @ (np.exp(-1j * e * t) * c0) for t in times]


def max_dev(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def write(out_dir, name, data):
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    size = os.path.getsize(path)
    print(f"wrote {path} ({size / 1024:.1f} kB)")
    assert size < 200 * 1024, f"{name} is too large ({size} bytes)"
    return path


# ---------------------------------------------------------------- 1, 2: Tavis-Cummings


def tavis_cummings(levels, wc, wa, g, rwa):
    """cavity(levels) ⊗ qubit ⊗ qubit; returns H, a, battery Hamiltonian, S^z list."""
    dims = [levels, 2, 2]
    a = embed(qutip.destroy(levels), 0, dims)
    sz = [embed(qutip.jmat(0.5, "z"), k, dims) for k in (1, 2)]
    sp = [embed(qutip.jmat(0.5, "+"), k, dims) for k in (1, 2)]
    sm = [embed(qutip.jmat(0.5, "-"), k, dims) for k in (1, 2)]
    half = 0.5 * qutip.qeye(dims)
    h_b = wa * sum(s + half for s in sz)
    h = wc * a.dag() * a + h_b
    for p, m in zip(sp, sm):
        if rwa:
            h += g * (a * p + a.dag() * m)
        else:
            h += g * (a + a.dag()) * (p + m)
    return h, a, h_b, dims


TC_PARAMS = {"levels": 8, "omega_c": 1.0, "omega_a": 1.0, "g": 0.7, "n0": 3}
TC_TIMES = np.linspace(0.0, 10.0, 101)
TC_CONV = {
    "tensor_order": "cavity(levels 8) ⊗ qubit_1 ⊗ qubit_2",
    "qubits": (
        "qubit basis = jmat(1/2) basis: index 0 = up (S^z = +1/2), index 1 = down (S^z = -1/2); "
        "initial |n0> ⊗ |down, down> = basis(8,3) ⊗ basis(2,1) ⊗ basis(2,1)"
    ),
    "battery_energy": "E_B(t) = <omega_a sum_i (S^z_i + 1/2)>(t) - <...>(0)",
    "rho_qubits_final": "ptrace over the cavity at t = 10, order qubit_1 ⊗ qubit_2 (4x4)",
}


def tc_initial():
    return qutip.tensor(qutip.basis(8, TC_PARAMS["n0"]), qutip.basis(2, 1), qutip.basis(2, 1))


def tc_outputs(states, a, h_b):
    """E_B(t), <n>(t), reduced qubit state and purity at the final time."""
    eb = np.array([qutip.expect(h_b, s) for s in states])
    n = np.array([qutip.expect(a.dag() * a, s) for s in states])
    rho_q = qutip.ptrace(states[-1], [1, 2])
    return eb, n, rho_q


def fixture_tc_closed(out_dir):
    p = TC_PARAMS
    result = {}
    checks = {}
    for label, rwa in (("rwa", True), ("non_rwa", False)):
        h, a, h_b, _ = tavis_cummings(p["levels"], p["omega_c"], p["omega_a"], p["g"], rwa)
        psi0 = tc_initial()
        res = qutip.sesolve(h, psi0, TC_TIMES, options=ode_options())
        eb, n, rho_q = tc_outputs(res.states, a, h_b)
        result[label] = {
            "hamiltonian": (
                "H = wc a^+a + wa sum_i (S^z_i + 1/2) + g sum_i (a S+_i + a^+ S-_i)"
                if rwa
                else "H = wc a^+a + wa sum_i (S^z_i + 1/2) + g sum_i (a + a^+)(S+_i + S-_i)"
            ),
            "battery_energy": flist(eb - eb[0]),
            "photon_number": flist(n),
            "rho_qubits_final": cmat(rho_q),
            "purity_qubits_final": float((rho_q * rho_q).tr().real),
        }
        # Independent check: exact propagator from the eigendecomposition of H.
        ex = exact_closed_states(h, psi0, TC_TIMES)
        hb = h_b.full()
        nn = (a.dag() * a).full()
        eb_ex = np.array([np.vdot(v, hb @ v).real for v in ex])
        n_ex = np.array([np.vdot(v, nn @ v).real for v in ex])
        checks[label] = {
            "max_dev_battery_energy_vs_eigendecomposition": max_dev(eb, eb_ex),
            "max_dev_photon_number_vs_eigendecomposition": max_dev(n, n_ex),
        }
        if rwa:
            # N_exc = a^+a + sum (S^z + 1/2) is conserved by the RWA Hamiltonian.
            checks[label]["max_dev_excitation_number_conservation"] = max_dev(
                n + eb / p["omega_a"], np.full_like(n, p["n0"])
            )
    data = header(
        "Two-qubit Tavis-Cummings battery, closed (sesolve): RWA and non-RWA couplings. The "
        "non-RWA case is the exact dynamics of the truncated (levels 8) model, not of the "
        "infinite one.",
        TC_CONV,
        solver_record("qutip.sesolve"),
    )
    data["parameters"] = dict(p)
    data["results"] = {"times": flist(TC_TIMES), **result}
    data["checks"] = checks
    print("tavis_cummings_closed checks:", json.dumps(checks, indent=1))
    return write(out_dir, "tavis_cummings_closed.json", data)


def fixture_tc_open(out_dir):
    p = dict(TC_PARAMS, kappa=0.3, n_th=0.2)
    h, a, h_b, dims = tavis_cummings(p["levels"], p["omega_c"], p["omega_a"], p["g"], True)
    c_ops = thermal_c_ops(a, p["kappa"], p["n_th"])
    rho0 = qutip.ket2dm(tc_initial())
    res = qutip.mesolve(h, rho0, TC_TIMES, c_ops=c_ops, options=ode_options())
    eb, n, rho_q = tc_outputs(res.states, a, h_b)
    ex = exact_open_states(h, c_ops, rho0, TC_TIMES)
    eb_ex = np.array([np.trace(h_b.full() @ r).real for r in ex])
    n_ex = np.array([np.trace((a.dag() * a).full() @ r).real for r in ex])
    rq_ex = qutip.ptrace(qutip.Qobj(ex[-1], dims=[dims, dims]), [1, 2])
    checks = {
        "max_dev_battery_energy_vs_expm_multiply": max_dev(eb, eb_ex),
        "max_dev_photon_number_vs_expm_multiply": max_dev(n, n_ex),
        "max_dev_rho_qubits_final_vs_expm_multiply": max_dev(rho_q.full(), rq_ex.full()),
        "max_trace_deviation": max_dev([s.tr().real for s in res.states], 1.0),
    }
    data = header(
        "Two-qubit Tavis-Cummings battery (RWA), open: thermal cavity damping (mesolve).",
        dict(TC_CONV, c_ops="[sqrt(kappa (n_th+1)) a, sqrt(kappa n_th) a^+] on the cavity"),
        solver_record("qutip.mesolve"),
    )
    data["parameters"] = dict(
        p, hamiltonian="H = wc a^+a + wa sum_i (S^z_i + 1/2) + g sum_i (a S+_i + a^+ S-_i)"
    )
    data["results"] = {
        "times": flist(TC_TIMES),
        "battery_energy": flist(eb - eb[0]),
        "photon_number": flist(n),
        "rho_qubits_final": cmat(rho_q),
        "purity_qubits_final": float((rho_q * rho_q).tr().real),
    }
    data["checks"] = checks
    print("tavis_cummings_open checks:", json.dumps(checks, indent=1))
    return write(out_dir, "tavis_cummings_open.json", data)


# ---------------------------------------------------------------- 3: damped cavity


def fixture_damped_cavity(out_dir):
    p = {"levels": 15, "omega": 1.0, "n0": 4, "kappa": 0.5, "n_th": 0.3}
    times = np.linspace(0.0, 8.0, 41)
    a = qutip.destroy(p["levels"])
    h = p["omega"] * a.dag() * a
    c_ops = thermal_c_ops(a, p["kappa"], p["n_th"])
    rho0 = qutip.fock_dm(p["levels"], p["n0"])
    res = qutip.mesolve(h, rho0, times, c_ops=c_ops, options=ode_options())
    n = np.array([qutip.expect(a.dag() * a, s) for s in res.states])
    closed = p["n_th"] + (p["n0"] - p["n_th"]) * np.exp(-p["kappa"] * times)
    dev = max_dev(n, closed)
    print(f"damped_cavity: max |<n>_qutip - closed form| = {dev:.3e}")
    ex = exact_open_states(h, c_ops, rho0, times)
    n_ex = np.array([np.trace((a.dag() * a).full() @ r).real for r in ex])
    checks = {
        "max_dev_vs_closed_form": dev,
        "closed_form_note": (
            "the closed form holds for the untruncated mode; the residual is the truncation "
            "at 15 levels plus solver error"
        ),
        "max_dev_vs_expm_multiply": max_dev(n, n_ex),
        "top_level_population_max": float(max(s.diag()[-1].real for s in res.states)),
    }
    data = header(
        "Thermally damped single cavity mode from a Fock state (mesolve): <n>(t).",
        {
            "tensor_order": "single mode (levels 15)",
            "closed_form": "<n>(t) = n_th + (n0 - n_th) exp(-kappa t)",
        },
        solver_record("qutip.mesolve"),
    )
    data["parameters"] = dict(p, hamiltonian="H = omega a^+a")
    data["results"] = {
        "times": flist(times),
        "photon_number": flist(n),
        "photon_number_closed_form": flist(closed),
        "populations_final": flist(res.states[-1].diag()),
    }
    data["checks"] = checks
    return write(out_dir, "damped_cavity.json", data)


# ---------------------------------------------------------------- 4: driven qubit steady state


def fixture_driven_qubit(out_dir):
    p = {"Delta": 0.4, "Omega": 1.1, "gamma": 0.6}
    dl, om, ga = p["Delta"], p["Omega"], p["gamma"]
    h = 0.5 * dl * qutip.sigmaz() + 0.5 * om * qutip.sigmax()
    c_ops = [np.sqrt(ga) * qutip.sigmam()]
    rho = qutip.steadystate(h, c_ops)
    # Bloch equations with r = (<sx>, <sy>, <sz>), omega = (Omega, 0, Delta):
    #   dx/dt = -Delta y - gamma/2 x
    #   dy/dt = Delta x - Omega z - gamma/2 y
    #   dz/dt = Omega y - gamma (z + 1)
    # Steady state with D = 4 Delta^2 + gamma^2 + 2 Omega^2:
    #   x = -4 Delta Omega / D, y = 2 gamma Omega / D, z = -(4 Delta^2 + gamma^2) / D.
    den = 4 * dl**2 + ga**2 + 2 * om**2
    x, y, z = -4 * dl * om / den, 2 * ga * om / den, -(4 * dl**2 + ga**2) / den
    # The same from a linear solve of the Bloch equations (guards the algebra above).
    m = np.array([[-ga / 2, -dl, 0.0], [dl, -ga / 2, -om], [0.0, om, -ga]])
    r_lin = np.linalg.solve(m, np.array([0.0, 0.0, ga]))
    sx, sy, sz = (qutip.sigmax().full(), qutip.sigmay().full(), qutip.sigmaz().full())
    rho_closed = 0.5 * (np.eye(2) + x * sx + y * sy + z * sz)
    bloch_qutip = [qutip.expect(op, rho) for op in (qutip.sigmax(), qutip.sigmay(), qutip.sigmaz())]
    checks = {
        "max_dev_rho_vs_bloch_closed_form": max_dev(rho.full(), rho_closed),
        "max_dev_closed_form_vs_linear_solve": max_dev([x, y, z], r_lin),
    }
    print("driven_qubit_steady checks:", checks)
    data = header(
        "Resonantly/near-resonantly driven, decaying qubit: steady state (qutip.steadystate, "
        "method 'direct', no tolerance parameter) and its Bloch-equation closed form.",
        {
            "tensor_order": "single qubit",
            "qubit_basis": (
                "qutip Pauli basis: index 0 = excited |e> (sigma_z = +1), index 1 = ground |g> "
                "(sigma_z = -1); sigma_z = diag(1, -1); sigma- = qutip.sigmam() = |g><e| = "
                "[[0, 0], [1, 0]]"
            ),
            "bloch": "rho = (I + x sigma_x + y sigma_y + z sigma_z)/2",
        },
        {"name": "qutip.steadystate", "method": "direct", "atol": None, "rtol": None},
    )
    data["parameters"] = dict(
        p,
        hamiltonian="H = (Delta/2) sigma_z + (Omega/2) sigma_x",
        c_ops="[sqrt(gamma) sigma-]",
    )
    data["results"] = {
        "rho_ss": cmat(rho),
        "rho_ss_closed_form": cmat(rho_closed),
        "bloch_vector": flist(bloch_qutip),
        "bloch_vector_closed_form": [x, y, z],
    }
    data["checks"] = checks
    return write(out_dir, "driven_qubit_steady.json", data)


# ---------------------------------------------------------------- 5: paper-000 chain + cavity


def chain_model(p):
    """Paper 000 (000_e3df25f406468476.txt) Eqs. (2)-(4), tensor order cavity ⊗ spin_1 ⊗ ... .

    `p` holds levels, n_sites, j, omega_a, omega_c, J, gamma, Delta, g.
    Returns (H, H_B embedded, H_B on the chain alone, a, dims).
    """
    levels, n_sites, j = p["levels"], p["n_sites"], p["j"]
    wa, wc, big_j, gam, delta, g = (
        p[k] for k in ("omega_a", "omega_c", "J", "gamma", "Delta", "g")
    )
    d = round(2 * j + 1)
    chain_dims = [d] * n_sites
    s = {c: qutip.jmat(j, c) for c in ("x", "y", "z", "+", "-")}

    def site(op, n):
        return embed(op, n, chain_dims)

    h_b = 0
    for n in range(n_sites):
        h_b = h_b + wa * site(s["z"], n)
    for n in range(n_sites - 1):
        h_b = h_b + wa * big_j * (
            (1 + gam) * site(s["x"], n) * site(s["x"], n + 1)
            + (1 - gam) * site(s["y"], n) * site(s["y"], n + 1)
            + delta * site(s["z"], n) * site(s["z"], n + 1)
        )
    dims = [levels] + chain_dims
    a = embed(qutip.destroy(levels), 0, dims)
    h_b_full = qutip.tensor(qutip.qeye(levels), h_b)
    sx_sum = 0
    for n in range(n_sites):
        sx_sum = sx_sum + embed(s["+"] + s["-"], n + 1, dims)
    h = wc * a.dag() * a + h_b_full + g * sx_sum * (a.dag() + a)
    return h, h_b_full, h_b, a, dims


def chain_ground(h_b):
    """Ground state of H_B, its eigenvalues and gap; refuses a degenerate ground level."""
    evals, evecs = h_b.eigenstates()
    gap = float(evals[1] - evals[0])
    assert gap > 1e-6, f"H_B ground state is degenerate (gap {gap})"
    return evecs[0], evals, gap


CHAIN_PARAMS = {
    "levels": 6,
    "n_sites": 2,
    "j": 1,
    "omega_a": 1.0,
    "omega_c": 1.0,
    "J": -1.0,
    "gamma": 0.4,
    "Delta": 1.0,
    "g": 1.0,
    "n_photons": 2,
}


def fixture_chain(out_dir):
    p = CHAIN_PARAMS
    h, h_b, h_b_chain, a, dims = chain_model(p)
    ground, evals, gap = chain_ground(h_b_chain)
    print(f"spin1_chain_cavity: H_B eigenvalues {np.round(evals, 6)}; gap {gap:.12f}")
    psi0 = qutip.tensor(qutip.basis(p["levels"], p["n_photons"]), ground)
    times = np.linspace(0.0, 5.0, 51)

    closed = qutip.sesolve(h, psi0, times, options=ode_options())
    e_closed = np.array([qutip.expect(h_b, s) for s in closed.states])
    ln_closed = np.array([log_negativity_qutip(s, 0) for s in closed.states])

    kappa, n_th = 0.5, 0.2
    c_ops = thermal_c_ops(a, kappa, n_th)
    rho0 = qutip.ket2dm(psi0)
    opened = qutip.mesolve(h, rho0, times, c_ops=c_ops, options=ode_options())
    e_open = np.array([qutip.expect(h_b, s) for s in opened.states])
    ln_open = np.array([log_negativity_qutip(s, 0) for s in opened.states])

    # Independent checks: exact propagators and a NumPy log-negativity.
    ex_c = exact_closed_states(h, psi0, times)
    ex_o = exact_open_states(h, c_ops, rho0, times)
    hb = h_b.full()
    ln_c_np = [log_negativity_np(np.outer(v, v.conj()), dims, 0) for v in ex_c]
    ln_o_np = [log_negativity_np(r, dims, 0) for r in ex_o]
    checks = {
        "closed_max_dev_energy_vs_eigendecomposition": max_dev(
            e_closed, [np.vdot(v, hb @ v).real for v in ex_c]
        ),
        "closed_max_dev_log_negativity_vs_numpy_exact": max_dev(ln_closed, ln_c_np),
        "open_max_dev_energy_vs_expm_multiply": max_dev(
            e_open, [np.trace(hb @ r).real for r in ex_o]
        ),
        "open_max_dev_log_negativity_vs_numpy_exact": max_dev(ln_open, ln_o_np),
        "closed_max_top_level_population": float(
            max(qutip.ptrace(s, 0).diag()[-1].real for s in closed.states)
        ),
    }
    print("spin1_chain_cavity checks:", json.dumps(checks, indent=1))
    data = header(
        "Paper 000 cavity-Heisenberg spin-1 chain battery (Eqs. 1-7 of "
        "papers/000_e3df25f406468476.txt, lambda(t) = 1): N = 2 spin-1 sites, cavity levels 6. "
        "Closed (sesolve) and open (mesolve, thermal cavity damping) charging from "
        "|2 photons> ⊗ |G>_B.",
        {
            "tensor_order": "cavity(levels 6) ⊗ spin_1 ⊗ spin_2 (note: the paper writes |G>_B ⊗ |N>_C)",
            "hamiltonian": (
                "H = wc a^+a + H_B + g sum_n (S+_n + S-_n)(a^+ + a); H_B = wa sum_n S^z_n + wa J "
                "sum_n [(1+gamma) S^x_n S^x_{n+1} + (1-gamma) S^y_n S^y_{n+1} + Delta S^z_n S^z_{n+1}]"
            ),
            "energy": "E(t) = <H_B>(t) - <H_B>(0), H_B embedded as I_cavity ⊗ H_B",
            "log_negativity": (
                "log2 || rho^{T_cavity} ||_1 (partial transpose on the cavity) = "
                "qutip.negativity(rho, 0, logarithmic=True)"
            ),
            "ground_state": "|G>_B = lowest eigenvector of H_B (non-degenerate; its phase is irrelevant)",
        },
        solver_record("qutip.sesolve / qutip.mesolve"),
    )
    data["parameters"] = dict(p, open={"kappa": kappa, "n_th": n_th})
    data["results"] = {
        "times": flist(times),
        "h_b_eigenvalues": flist(evals),
        "h_b_ground_energy": float(evals[0]),
        "h_b_gap": gap,
        "closed": {"energy": flist(e_closed - e_closed[0]), "log_negativity": flist(ln_closed)},
        "open": {"energy": flist(e_open - e_open[0]), "log_negativity": flist(ln_open)},
    }
    data["checks"] = checks
    return write(out_dir, "spin1_chain_cavity.json", data)


# ---------------------------------------------------------------- 5b: chain steady states per sector

# Paper 000's chain (N = 3 sites, 3 photons): spin-1/2 at the paper's 14 levels for J = -1
# and J = +1, and spin-1 at 6 levels, whose reflection sector holds two steady states.
CHAIN_STEADY_CASES = [
    dict(name="spin_half_J-1", j=0.5, levels=14, J=-1.0, kappa=0.5, n_th=0.2, t_long=4000.0),
    dict(name="spin_half_J+1", j=0.5, levels=14, J=1.0, kappa=1.0, n_th=0.6, t_long=4000.0),
    dict(name="spin_one_levels6", j=1.0, levels=6, J=-1.0, kappa=0.5, n_th=0.2, t_long=3000.0),
]


def reflection_isometry(levels, n_sites, d, sign):
    """Columns: an orthonormal basis of the R = sign sector, R the site reflection n <-> N-1-n
    (cavity untouched), built from the orbits {b, Rb} of product basis states; and R itself."""
    dim = levels * d**n_sites
    perm = np.empty(dim, dtype=int)
    for b in range(dim):
        n, rest = divmod(b, d**n_sites)
        digits = [(rest // d ** (n_sites - 1 - k)) % d for k in range(n_sites)]
        rb = n * d**n_sites + sum(s * d ** (n_sites - 1 - k) for k, s in enumerate(digits[::-1]))
        perm[b] = rb
    r = np.zeros((dim, dim))
    r[perm, np.arange(dim)] = 1.0
    cols = []
    for b in range(dim):
        rb = perm[b]
        if rb == b and sign > 0:
            v = np.zeros(dim)
            v[b] = 1.0
            cols.append(v)
        elif rb > b:
            v = np.zeros(dim)
            v[b], v[rb] = 1.0 / np.sqrt(2.0), sign / np.sqrt(2.0)
            cols.append(v)
    return np.array(cols).T, r


def excitation_parity(levels, n_sites, d):
    """(photons + spin excitations) mod 2 of each product basis state; spin index k holds
    m = j - k, so its excitation number above m = -j is d - 1 - k."""
    out = []
    for b in range(levels * d**n_sites):
        n, rest = divmod(b, d**n_sites)
        digits = [(rest // d ** (n_sites - 1 - k)) % d for k in range(n_sites)]
        out.append((n + sum(d - 1 - s for s in digits)) % 2)
    return np.array(out)


def block_diagonal_spectrum(lv, labels):
    """All eigenvalues (dense) of the Liouvillian restricted to the entries rho_ij with
    labels[i] == labels[j] (an invariant subspace when the labels are a weak symmetry),
    sorted by modulus."""
    ds = len(labels)
    keep = [i + j * ds for j in range(ds) for i in range(ds) if labels[i] == labels[j]]
    lb = lv.tocsr()[keep][:, keep]
    return sorted(np.linalg.eigvals(lb.toarray()), key=abs), lb

def fixture_chain_steady(out_dir):
    results, checks = [], {}
    for case in CHAIN_STEADY_CASES:
        p = dict(CHAIN_PARAMS, n_sites=3, levels=case["levels"], j=case["j"], J=case["J"])
        h, h_b, h_b_chain, a, dims = chain_model(p)
        ground, evals, gap_b = chain_ground(h_b_chain)
        psi0 = qutip.tensor(qutip.basis(p["levels"], 3), ground).full().ravel()
        d = round(2 * case["j"] + 1)
        c_ops = thermal_c_ops(a, case["kappa"], case["n_th"])
        # The initial state's reflection sector.
        _, r = reflection_isometry(p["levels"], 3, d, 1)
        sign = float(np.real(np.vdot(psi0, r @ psi0)))
        assert abs(abs(sign) - 1.0) < 1e-12, f"initial state not reflection-symmetric: {sign}"
        v, r = reflection_isometry(p["levels"], 3, d, round(sign))
        hf, hbf = h.full(), h_b.full()
        comm = [np.abs(r @ m - m @ r).max() for m in [hf] + [c.full() for c in c_ops]]
        sec = lambda m: v.T @ m @ v
        h_s, c_s = sec(hf), [sec(c.full()) for c in c_ops]
        rho0_s = np.outer(v.T @ psi0, (v.T @ psi0).conj())
        lv = liouvillian_sparse(h_s, c_s)
        # The weak symmetry: the excitation parity of the sector's basis vectors (each has
        # one), conserved by H and flipped by a and a^+.
        par = excitation_parity(p["levels"], 3, d)
        pv = np.array([par[np.argmax(np.abs(v[:, k]))] for k in range(v.shape[1])])
        flip = (pv[:, None] != pv[None, :])
        parity_violation = max(
            [float(np.abs(h_s[flip]).max())] + [float(np.abs(c[~flip]).max()) for c in c_s])
        spec, lb = block_diagonal_spectrum(lv, pv)
        scale = float(abs(lb).sum(axis=1).max())
        null_dim = sum(abs(z) <= 1e-9 * scale for z in spec)
        gap = float(min(-z.real for z in spec if abs(z) > 1e-9 * scale))
        # Reference: long-time evolution in the sector (e^{-gap t} below 1e-11).
        vs = scipy.sparse.linalg.expm_multiply(
            lv.tocsc(), rho0_s.reshape(-1, order="F"), start=0.5 * case["t_long"],
            stop=case["t_long"], num=2, endpoint=True)
        ds = v.shape[1]
        lifted = [v @ x.reshape(ds, ds, order="F") @ v.T for x in vs]
        lifted = [0.5 * (m + m.conj().T) / np.trace(m).real for m in lifted]
        e_long = [float(np.trace(hbf @ m).real - evals[0]) for m in lifted]
        ln_long = [log_negativity_np(m, dims, 0) for m in lifted]
        entry = dict(
            case, reflection_sign=round(sign), sector_dim=int(ds),
            null_space_dimension=int(null_dim), gap=gap,
            energy=e_long[1], log_negativity=ln_long[1],
            eigenvalues_nearest_zero={"re": [float(z.real) for z in spec[:8]],
                                      "im": [float(z.imag) for z in spec[:8]]},
        )
        name = case["name"]
        checks[f"{name}_commutators_R_H_and_jumps"] = float(max(comm))
        checks[f"{name}_parity_violation_H_and_jumps"] = parity_violation
        checks[f"{name}_long_time_change_energy_t/2_to_t"] = abs(e_long[1] - e_long[0])
        checks[f"{name}_long_time_change_log_negativity"] = abs(ln_long[1] - ln_long[0])
        if null_dim == 1:
            # QuTiP's direct solver in the sector, and in the whole space (a mixture of the
            # two reflection sectors' steady states: not the state reached from psi0).
            rho_q = qutip.steadystate(qutip.Qobj(h_s), [qutip.Qobj(c) for c in c_s]).full()
            rho_q = v @ rho_q @ v.T
            checks[f"{name}_qutip_sector_steadystate_energy_dev"] = abs(
                float(np.trace(hbf @ rho_q).real - evals[0]) - e_long[1])
            rho_w = qutip.steadystate(h, c_ops).full()
            entry["whole_space_qutip_steadystate_energy"] = float(
                np.trace(hbf @ rho_w).real - evals[0])
        results.append(entry)
        print(f"chain_steady {name}: sector {ds}, null {null_dim}, gap {gap:.6f}, "
              f"E(inf) {e_long[1]:.10f}, E_N(inf) {ln_long[1]:.10f}")
    print("chain_steady_sectors checks:", json.dumps(checks, indent=1))
    data = header(
        "Paper 000 cavity-Heisenberg chain (Eqs. 1-7 of papers/000_e3df25f406468476.txt): "
        "N = 3 sites, 3 photons, gamma = 0.4, Delta = 1, g = 1, thermal cavity damping. "
        "Steady states reached from |3> ⊗ |G>_B, computed in its site-reflection sector "
        "(R: site n <-> N+1-n, a strong symmetry: [R, H] = [R, c_k] = 0). Null-space "
        "dimension and gap: all eigenvalues (dense) of the sector Liouvillian on density "
        "matrices block-diagonal in the excitation parity (a weak symmetry: H keeps it, a "
        "and a^+ flip it; the initial state is block-diagonal). E(inf) and E_N(inf): "
        "expm_multiply evolution of the whole sector (no parity blocks) to t_long (the "
        "degenerate spin-1 sector needs the evolution: a null-space solver alone returns "
        "an arbitrary steady state). Takes about 9 minutes.",
        {
            "tensor_order": "cavity ⊗ spin_1 ⊗ spin_2 ⊗ spin_3",
            "hamiltonian": "as in spin1_chain_cavity.json",
            "energy": "E(inf) = Tr(H_B rho) - E_0(H_B) (the initial battery energy is E_0)",
            "log_negativity": "log2 || rho^{T_cavity} ||_1, NumPy",
            "sector": "reflection_sign: the eigenvalue of R on the initial state",
            "gap": "min -Re(lambda) over the nonzero eigenvalues of the parity-block-diagonal sector Liouvillian",
        },
        solver_record("scipy expm_multiply / numpy eigvals / qutip.steadystate"),
    )
    data["results"] = results
    data["checks"] = checks
    return write(out_dir, "chain_steady_sectors.json", data)


# ---------------------------------------------------------------- 6: metrics on random states


def ergotropy_np(rho, h):
    """W = Tr[H rho] - sum_k r_k (descending) eps_k (ascending)."""
    r = np.sort(np.linalg.eigvalsh(rho))[::-1]
    eps = np.sort(np.linalg.eigvalsh(h))
    return float(np.trace(h @ rho).real - np.dot(r, eps))


def ergotropy_in_bounds(rho, h, w, tol=1e-12):
    """0 <= W <= Tr[H rho] - eps_0."""
    return bool(-tol <= w <= np.trace(h @ rho).real - np.linalg.eigvalsh(h)[0] + tol)


METRIC_STATES = [
    # (name, dims, seed, rank or None)
    ("rho_2x2_full_rank", [2, 2], 1001, None),
    ("rho_2x2_rank1", [2, 2], 1002, 1),
    ("rho_2x3_full_rank", [2, 3], 1003, None),
    ("rho_3x3_full_rank", [3, 3], 1004, None),
    ("rho_3x3_rank2", [3, 3], 1005, 2),
]


def local_zeeman(dims):
    """Diagonal H = sum_k (S^z_k + j_k), S^z_k = jmat(j_k, 'z'), j_k = (d_k - 1)/2.

    On each factor the local energy is j + m: index 0 (m = +j) carries d - 1, the last index 0.
    """
    h = 0
    for k, d in enumerate(dims):
        jj = (d - 1) / 2
        h = h + embed(qutip.jmat(jj, "z") + jj * qutip.qeye(d), k, dims)
    return h


def fixture_metrics(out_dir):
    states = []
    checks = []
    for i, (name, dims, seed, rank) in enumerate(METRIC_STATES):
        kwargs = {"seed": seed}
        if rank is not None:
            kwargs["rank"] = rank
        rho = qutip.rand_dm(dims, **kwargs)
        rho = 0.5 * (rho + rho.dag())
        d = int(np.prod(dims))
        h_diag = local_zeeman(dims)
        h_full = qutip.rand_herm(dims, seed=seed + 500)
        h_full = 0.5 * (h_full + h_full.dag())
        rf = rho.full()
        s_vn = float(qutip.entropy_vn(rho, base=2))
        ev = np.linalg.eigvalsh(rf)
        ev_pos = ev[ev > 1e-15]
        s_np = float(-np.sum(ev_pos * np.log2(ev_pos)))
        pur = float((rho * rho).tr().real)
        ln_q = log_negativity_qutip(rho, 0)
        ln_np = log_negativity_np(rf, dims, 0)
        w_diag = ergotropy_np(rf, h_diag.full())
        w_full = ergotropy_np(rf, h_full.full())
        states.append(
            {
                "name": name,
                "dims": dims,
                "dim": d,
                "generator_call": f"qutip.rand_dm({dims}, seed={seed}"
                + (f", rank={rank})" if rank else ")"),
                "rank": rank if rank is not None else d,
                "rho": cmat(rho),
                "eigenvalues": flist(np.sort(ev)),
                "entropy_vn": s_vn,
                "purity": pur,
                "log_negativity": ln_q,
                "h_diag": cmat(h_diag),
                "energy_diag": float(np.trace(h_diag.full() @ rf).real),
                "ergotropy_diag": w_diag,
                "h_full": cmat(h_full),
                "energy_full": float(np.trace(h_full.full() @ rf).real),
                "ergotropy_full": w_full,
            }
        )
        checks.append(
            {
                "name": name,
                "entropy_dev_qutip_vs_numpy": abs(s_vn - s_np),
                "log_negativity_dev_qutip_vs_numpy": abs(ln_q - ln_np),
                "trace_minus_1": float(abs(rho.tr() - 1)),
                "min_eigenvalue": float(ev.min()),
                "ergotropy_bounds_ok": ergotropy_in_bounds(rf, h_diag.full(), w_diag)
                and ergotropy_in_bounds(rf, h_full.full(), w_full),
            }
        )
    print("metrics_states checks:", json.dumps(checks, indent=1))
    data = header(
        "Seeded random density matrices (qutip.rand_dm, ginibre; two rank-deficient) with their "
        "von Neumann entropy, purity, log-negativity w.r.t. the first factor, and ergotropy for "
        "a diagonal and a non-diagonal Hamiltonian.",
        {
            "tensor_order": "dims[0] ⊗ dims[1]",
            "entropy_vn": "S = -Tr rho log2 rho, 0 log 0 = 0 (qutip.entropy_vn(rho, base=2))",
            "purity": "Tr rho^2",
            "log_negativity": (
                "log2 || rho^{T_A} ||_1, partial transpose on the first factor; equals "
                "qutip.negativity(rho, 0, logarithmic=True) = log2(2 N + 1)"
            ),
            "ergotropy": (
                "W = Tr[H rho] - sum_k r_k eps_k with r_k descending (rho) and eps_k ascending "
                "(H), computed in NumPy"
            ),
            "h_diag": (
                "sum_k (S^z_k + j_k) over factors (S^z = jmat((d_k-1)/2, 'z')): diagonal, "
                "index 0 of each factor (m = +j) highest"
            ),
            "h_full": "qutip.rand_herm(dims, seed = state seed + 500): dense, non-diagonal",
            "eigenvalues": "eigenvalues of rho, ascending",
        },
    )
    data["results"] = {"states": states}
    data["checks"] = checks
    return write(out_dir, "metrics_states.json", data)


# ---------------------------------------------------------------- 7: Wigner functions


def wigner_coherent_closed(alpha, x, p):
    """Coherent state, g = sqrt(2): W = exp(-(x-x0)^2 - (p-p0)^2)/pi."""
    x0, p0 = np.sqrt(2) * alpha.real, np.sqrt(2) * alpha.imag
    xx, pp = np.meshgrid(x, p)
    return np.exp(-((xx - x0) ** 2) - (pp - p0) ** 2) / np.pi


def wigner_fock_closed(n, x, p):
    """Fock state, g = sqrt(2): W = (-1)^n exp(-r^2) L_n(2 r^2)/pi, r^2 = x^2 + p^2."""
    xx, pp = np.meshgrid(x, p)
    r2 = xx**2 + pp**2
    return (-1) ** n * np.exp(-r2) * eval_laguerre(n, 2 * r2) / np.pi


def wigner_cat_closed(alpha, x, p):
    """Even cat N(|a> + |-a>), beta = (x + i p)/sqrt(2):
    W = N^2/pi [e^{-2|b-a|^2} + e^{-2|b+a|^2} + 2 e^{-2|b|^2} cos(4 Im(conj(a) b))],
    N^2 = 1/(2 (1 + e^{-2|a|^2}))."""
    xx, pp = np.meshgrid(x, p)
    b = (xx + 1j * pp) / np.sqrt(2)
    n2 = 1.0 / (2 * (1 + np.exp(-2 * abs(alpha) ** 2)))
    w = (
        np.exp(-2 * abs(b - alpha) ** 2)
        + np.exp(-2 * abs(b + alpha) ** 2)
        + 2 * np.exp(-2 * abs(b) ** 2) * np.cos(4 * np.imag(np.conj(alpha) * b))
    )
    return n2 * w / np.pi


def fixture_wigner(out_dir):
    xvec = np.linspace(-3.0, 3.0, 13)
    alpha_coh = 1.0 + 0.5j
    alpha_cat = 1.5
    cat = qutip.coherent(30, alpha_cat) + qutip.coherent(30, -alpha_cat)
    cat = cat.unit()
    cases = [
        ("fock_3", "qutip.basis(10, 3)", qutip.basis(10, 3), wigner_fock_closed(3, xvec, xvec)),
        (
            "coherent",
            "qutip.coherent(30, 1+0.5j) (default method 'operator': displacement of |0>)",
            qutip.coherent(30, alpha_coh),
            wigner_coherent_closed(alpha_coh, xvec, xvec),
        ),
        (
            "even_cat",
            "(qutip.coherent(30, 1.5) + qutip.coherent(30, -1.5)).unit()",
            cat,
            wigner_cat_closed(alpha_cat, xvec, xvec),
        ),
    ]
    results = {"xvec": flist(xvec), "pvec": flist(xvec)}
    checks = {}
    for name, how, psi, closed in cases:
        w = qutip.wigner(psi, xvec, xvec)
        results[name] = {"state": how, "levels": psi.shape[0], "w": w.tolist()}
        checks[f"{name}_max_dev_vs_closed_form"] = max_dev(w, closed)
    results["coherent"]["alpha_re"] = alpha_coh.real
    results["coherent"]["alpha_im"] = alpha_coh.imag
    results["even_cat"]["alpha_re"] = alpha_cat
    results["even_cat"]["alpha_im"] = 0.0
    print("wigner checks:", checks)
    data = header(
        "Wigner functions (qutip.wigner, method 'clenshaw', g = sqrt(2)) of a Fock, a coherent "
        "and an even cat state on a 13 x 13 grid.",
        {
            "tensor_order": "single mode",
            "wigner": (
                "g = sqrt(2): a = (x + i p)/sqrt(2), [x, p] = i; normalised so that "
                "integral W dx dp = 1 (vacuum: W(0,0) = 1/pi)"
            ),
            "grid": "w[i][k] = W(x = xvec[k], p = pvec[i]) (rows = p, columns = x)",
        },
    )
    data["results"] = results
    data["checks"] = checks
    return write(out_dir, "wigner.json", data)


# ---------------------------------------------------------------- 8: spin operators


def fixture_spin_operators(out_dir):
    ops = {}
    checks = {}
    names = ("x", "y", "z", "plus", "minus")
    for label, j in (("1/2", 0.5), ("1", 1.0), ("3/2", 1.5)):
        d = round(2 * j + 1)
        mats = {c: qutip.jmat(j, c) for c in ("x", "y", "z", "+", "-")}
        ops[label] = {
            "j": j,
            "two_j": d - 1,
            "dim": d,
            "m_by_index": [j - k for k in range(d)],
            **{name: cmat(mats[c]) for name, c in zip(names, "xyz+-")},
        }
        sx, sy, sz = mats["x"], mats["y"], mats["z"]
        casimir = sx * sx + sy * sy + sz * sz
        checks[label] = {
            "max_dev_commutator_xy_minus_iz": max_dev((sx * sy - sy * sx - 1j * sz).full(), 0),
            "max_dev_casimir_minus_j(j+1)": max_dev(casimir.full(), j * (j + 1) * np.eye(d)),
            "max_dev_plus_minus_sx_i_sy": max_dev(mats["+"].full(), (sx + 1j * sy).full()),
        }
    print("spin_operators checks:", json.dumps(checks))
    data = header(
        "Spin operators qutip.jmat(j) for j = 1/2, 1, 3/2 and their basis ordering.",
        {
            "basis_order": (
                "index k holds m = j - k: qutip orders from m = +j (index 0) down to m = -j "
                "(last index); z = diag(j, j-1, ..., -j)"
            ),
            "ladder": "plus = S+ = S_x + i S_y = jmat(j, '+'), minus = S- = jmat(j, '-')",
        },
    )
    data["results"] = ops
    data["checks"] = checks
    return write(out_dir, "spin_operators.json", data)


# ---------------------------------------------------------------- benchmark reference


BENCH_PARAMS = {
    "levels": 14,
    "n_sites": 3,
    "j": 1,
    "omega_a": 1.0,
    "omega_c": 1.0,
    "J": -1.0,
    "gamma": 0.4,
    "Delta": 1.0,
    "g": 1.0,
    "kappa": 0.5,
    "n_th": 0.2,
    "n_photons": 3,
    "t_final": 50.0,
    "n_times": 201,
}


def bench_problem():
    """The issue-2 benchmark: paper-000 model, cavity(14) ⊗ spin-1 ^ 3 (dimension 378)."""
    p = BENCH_PARAMS
    h, h_b, h_b_chain, a, _ = chain_model(p)
    ground, evals, gap = chain_ground(h_b_chain)
    psi0 = qutip.tensor(qutip.basis(p["levels"], p["n_photons"]), ground)
    rho0 = qutip.ket2dm(psi0)
    c_ops = thermal_c_ops(a, p["kappa"], p["n_th"])
    times = np.linspace(0.0, p["t_final"], p["n_times"])
    return h, h_b, c_ops, rho0, times, evals, gap


def bench_exact_energy(h, h_b, c_ops, rho0, times):
    """<H_B>(t) from scipy expm_multiply of the sparse Liouvillian (no ODE tolerance)."""
    lv = liouvillian_sparse(h.data.as_scipy(), [c.data.as_scipy() for c in c_ops])
    v0 = rho0.full().reshape(-1, order="F")
    vs = scipy.sparse.linalg.expm_multiply(
        lv, v0, start=times[0], stop=times[-1], num=len(times), endpoint=True
    )
    # Tr[H_B rho] = sum_ij H_B[j, i] rho[i, j] = vec(H_B^T) . vec(rho) (column stacking).
    hb_t = h_b.full().T.reshape(-1, order="F")
    return np.real(vs @ hb_t), np.real(vs @ np.eye(rho0.shape[0]).reshape(-1, order="F"))


def fixture_bench_energy(out_dir):
    h, h_b, c_ops, rho0, times, evals, gap = bench_problem()
    bench_opts = {"rtol": 1e-6, "atol": 1e-8, "method": "adams", "progress_bar": False}
    res = qutip.mesolve(h, rho0, times, c_ops=c_ops, e_ops=[h_b], options=bench_opts)
    e_qutip = np.real(np.asarray(res.expect[0]))
    e_exact, trace = bench_exact_energy(h, h_b, c_ops, rho0, times)
    checks = {
        "max_dev_qutip_adams_vs_expm_multiply": max_dev(e_qutip, e_exact),
        "expm_multiply_max_trace_deviation": max_dev(trace, 1.0),
        "h_b_expect_0_minus_ground_energy": float(e_exact[0] - evals[0]),
    }
    print("bench_chain_energy checks:", checks)
    data = header(
        "Reference energy curve of the issue-2 benchmark (scripts/bench_qutip.py): paper-000 "
        "model, cavity levels 14 ⊗ 3 spin-1 sites (dimension 378), open, from |3 photons> ⊗ "
        "|G>_B to t = 50. 'energy' is the accurate reference: rho(t) = exp(L t) rho(0) by "
        "scipy.sparse.linalg.expm_multiply (double-precision truncation, no ODE tolerance; a "
        "tight-tolerance mesolve costs over an hour on the 2-core build machine). "
        "'energy_qutip_adams' is QuTiP mesolve at the benchmark's own settings (adams, rtol "
        "1e-6, atol 1e-8), i.e. what bench_qutip.py prints.",
        {
            "tensor_order": "cavity(levels 14) ⊗ spin_1 ⊗ spin_2 ⊗ spin_3",
            "hamiltonian": (
                "H = wc a^+a + H_B + g sum_n (S+_n + S-_n)(a^+ + a); H_B = wa sum_n S^z_n + wa J "
                "sum_n [(1+gamma) S^x_n S^x_{n+1} + (1-gamma) S^y_n S^y_{n+1} + Delta S^z_n S^z_{n+1}]"
            ),
            "energy": "energy = <H_B>(t) - <H_B>(0), H_B embedded as I_cavity ⊗ H_B",
        },
        {
            "name": "qutip.mesolve (energy_qutip_adams); scipy expm_multiply (energy)",
            "method": "adams",
            "atol": 1e-8,
            "rtol": 1e-6,
        },
    )
    data["parameters"] = dict(BENCH_PARAMS)
    data["results"] = {
        "times": flist(times),
        "h_b_ground_energy": float(evals[0]),
        "h_b_gap": float(gap),
        "energy": flist(e_exact - e_exact[0]),
        "energy_qutip_adams": flist(e_qutip - e_qutip[0]),
    }
    data["checks"] = checks
    return write(out_dir, "bench_chain_energy.json", data)


# ---------------------------------------------------------------- 11: star network (paper 002)


def fermi(omega, mu, temperature):
    """n(omega) = 1/(exp((omega - mu)/T) + 1); the step function at T = 0 (1/2 at omega = mu)."""
    x = omega - mu
    if x == 0:
        return 0.5
    if temperature == 0:
        return 1.0 if x < 0 else 0.0
    return 1.0 / (np.exp(x / temperature) + 1.0)


def star_model(n, omega0, j, kind, gamma, omega, baths):
    """H_S of Eq. 1 (omega0 sigma_z, not omega0/2) and the jump operators of Eqs. 6-8
    (collective: baths = [(mu, T)]) or Eqs. 9-12 (individual: one (mu_i, T_i) per qubit)."""
    dims = [2] * n
    sz = [embed(qutip.sigmaz(), k, dims) for k in range(n)]
    sm = [embed(qutip.sigmam(), k, dims) for k in range(n)]
    h = omega0 * sum(sz)
    for k in range(1, n):
        h = h + j * (sm[0].dag() * sm[k] + sm[0] * sm[k].dag())
    c_ops = []
    if kind == "collective":
        (mu, t), = baths
        occ = fermi(omega, mu, t)
        total = sum(sm)
        rates = [(gamma * (1 - occ), total), (gamma * occ, total.dag())]
    else:
        rates = []
        for k, (mu, t) in enumerate(baths):
            occ = fermi(omega, mu, t)
            rates += [(gamma * (1 - occ), sm[k]), (gamma * occ, sm[k].dag())]
    c_ops = [np.sqrt(r) * op for r, op in rates if r > 0]
    return h, c_ops, omega0 * qutip.sigmaz()


def star_ket(letters):
    """Product of |g> = basis(2, 1) (sigma_z = -1) and |e> = basis(2, 0), qubit 1 first."""
    return qutip.tensor([qutip.basis(2, 1 if c == "g" else 0) for c in letters])


STAR_CASES = [
    # (name, N, kind, baths (mu, T), initial states)
    ("individual_n3", 3, "individual", [(1.0, 1.0), (3.0, 1.0), (3.0, 1.0)], ["ggg"]),
    ("individual_n4_lists", 4, "individual",
     [(2.0, 0.5), (0.0, 1.5), (4.0, 0.7), (1.0, 0.0)], ["gggg", "eegg"]),
    ("collective_n2", 2, "collective", [(3.0, 0.5)], ["gg", "eg", "ee"]),
    ("collective_n3", 3, "collective", [(2.0, 1.0)], ["ggg", "egg", "geg"]),
    ("collective_n3_zero_temperature", 3, "collective", [(0.0, 0.0)], ["ggg", "egg"]),
    ("collective_n4", 4, "collective", [(3.0, 1.0)], ["gggg", "gegg"]),
]


def fixture_star(out_dir):
    omega0, j, gamma, omega = 10.0, 1.0, 1.0, 1.0
    times = np.linspace(0.0, 4.0, 9)
    results, checks = [], {}
    for name, n, kind, baths, initials in STAR_CASES:
        h, c_ops, h_b = star_model(n, omega0, j, kind, gamma, omega, baths)
        lv = liouvillian_sparse(h.full(), [c.full() for c in c_ops])
        ev = np.linalg.eigvals(lv.toarray())
        null_dim = int(np.sum(np.abs(ev) < 1e-9))
        gap = max(float(np.min(-ev[np.abs(ev) >= 1e-9].real)), 0.0)
        # the slowest decaying mode (purely imaginary ones are coherences between dark
        # states of different excitation numbers, absent from these initial states)
        decay = float(np.min(-ev[ev.real < -1e-9].real))
        entry = {"name": name, "qubits": n, "kind": kind,
                 "baths": [list(b) for b in baths], "null_space_dimension": null_dim,
                 "gap": gap, "slowest_decay": decay, "initial_states": []}
        if null_dim == 1:
            rho_q = qutip.steadystate(h, c_ops)
        for letters in initials:
            psi0 = star_ket(letters)
            rho0 = psi0 * psi0.dag()
            # the state reached: expm_multiply to t_long (and 2 t_long as a check)
            t_long = 60.0 / decay
            r1, r2 = exact_open_states(h, c_ops, rho0, np.array([0.0, t_long, 2 * t_long]))[1:]
            checks[f"{name}_{letters}_long_vs_twice"] = max_dev(r1, r2)
            if null_dim == 1:
                checks[f"{name}_{letters}_long_vs_steadystate"] = max_dev(r1, rho_q.full())
            rho = qutip.Qobj(0.5 * (r2 + r2.conj().T), dims=h.dims)
            rho_b = rho.ptrace(0)
            e0 = float(qutip.expect(h_b, rho0.ptrace(0)))
            erg = ergotropy_np(rho_b.full(), h_b.full())
            series = exact_open_states(h, c_ops, rho0, times)
            e_t = [float(np.trace(h_b.full() @ qutip.Qobj(r, dims=h.dims).ptrace(0).full()).real) - e0
                   for r in series]
            mesolve = qutip.mesolve(h, rho0, times, c_ops, e_ops=[embed(h_b, 0, [2] * n)],
                                    options=ode_options())
            checks[f"{name}_{letters}_energy_mesolve_vs_expm"] = max_dev(
                np.array(mesolve.expect[0]) - e0, e_t)
            entry["initial_states"].append({
                "initial": letters,
                "energy_inf": float(qutip.expect(h_b, rho_b)) - e0,
                "ergotropy_inf": erg,
                "normalized_ergotropy_inf": erg / (2 * omega0),
                "purity_inf": float((rho_b * rho_b).tr().real),
                "log_negativity_inf": log_negativity_np(rho.full(), [2, 2 ** (n - 1)], 0),
                "times": flist(times),
                "energy": flist(np.array(e_t)),
            })
        results.append(entry)
        print(f"star {name}: null {null_dim}, gap {gap:.6f}, W(inf) "
              + ", ".join(f"{s['initial']}: {s['normalized_ergotropy_inf']:.10f}"
                          for s in entry["initial_states"]))
    print("star checks:", json.dumps(checks, indent=1))
    data = header(
        "Paper 002 star network (Eqs. 1, 6-12 of papers/002_bb018326d195ff9c.txt): qubit 1 the "
        "battery, H_S = sum_i omega0 sigma_z^i + J sum_{i>=2} (sigma_+^1 sigma_-^i + h.c.), "
        "omega0 = 10, J = 1, gamma = 1, reservoir frequency omega = 1. Collective: one "
        "reservoir, c_ops sqrt(gamma(1-n)) sum_i sigma_-^i, sqrt(gamma n) sum_i sigma_+^i; "
        "individual: sqrt(gamma(1-n_i)) sigma_-^i, sqrt(gamma n_i) sigma_+^i; "
        "n = 1/(exp((omega-mu)/T)+1) (step at T = 0). Null-space dimension and gap: every "
        "eigenvalue of the dense Liouvillian (|lambda| < 1e-9 counts as zero; gap = min -Re lambda "
        "over the others, 0 where dark coherences oscillate; slowest_decay = min -Re lambda over "
        "Re lambda < -1e-9). The steady state reached from each initial state: scipy "
        "expm_multiply to t_long = 60/slowest_decay (checked "
        "against 2 t_long and, when unique, qutip.steadystate). E(t) on [0, 4]: expm_multiply, "
        "checked against qutip.mesolve.",
        {
            "tensor_order": "qubit_1 (battery) ⊗ qubit_2 ⊗ ... ⊗ qubit_N",
            "initial": "one letter per qubit, battery first: g = basis(2, 1) (sigma_z = -1), e = basis(2, 0)",
            "energy": "E = Tr(H_QB rho_1) - Tr(H_QB rho_1(0)), H_QB = omega0 sigma_z",
            "ergotropy": "of rho_1 against H_QB; normalized by 2 omega0",
            "log_negativity": "log2 || rho^{T_battery} ||_1 between qubit 1 and the rest, NumPy",
        },
        solver_record("scipy expm_multiply / numpy eigvals / qutip.steadystate"),
    )
    data["results"] = results
    data["checks"] = checks
    return write(out_dir, "star_steady.json", data)


# ---------------------------------------------------------------- 12: steering batteries (paper 003)


def steering_np(rho2):
    """Entropic steering of Eq. 8 (log2) from the joint outcome probabilities of the Pauli
    measurements sigma_i ⊗ sigma_i: I^ab = sum_i H(sigma_i^b | sigma_i^a), and I^ba."""
    paulis = [qutip.sigmax().full(), qutip.sigmay().full(), qutip.sigmaz().full()]

    def h(p):
        p = np.asarray(p).ravel()
        p = p[p > 1e-15]
        return float(-np.sum(p * np.log2(p)))

    i_ab = i_ba = 0.0
    for s in paulis:
        w, v = np.linalg.eigh(s)
        proj = [np.outer(v[:, k], v[:, k].conj()) for k in range(2)]
        joint = np.array([[np.trace(rho2 @ np.kron(pa, pb)).real for pb in proj] for pa in proj])
        i_ab += h(joint) - h(joint.sum(axis=1))
        i_ba += h(joint) - h(joint.sum(axis=0))
    return i_ab, i_ba


def steering_outputs(states, h_b, keep):
    """The pair's metrics along a trajectory; `keep` are the two qubits' indices."""
    out = {k: [] for k in ["energy", "ergotropy", "purity", "entropy", "entropy_qubit1",
                           "ergotropy_qubit1", "concurrence", "steering_ab", "steering_ba"]}
    hb = h_b.full()
    h1 = (0.5 * qutip.sigmaz()).full()
    e0 = None
    for s in states:
        rho2 = s.ptrace(keep) if len(s.dims[0]) > 2 else (s * s.dag() if s.isket else s)
        r = rho2.full()
        e = float(np.trace(hb @ r).real)
        e0 = e if e0 is None else e0
        r1 = rho2.ptrace(0)
        i_ab, i_ba = steering_np(r)
        out["energy"].append(e - e0)
        out["ergotropy"].append(ergotropy_np(r, hb))
        out["purity"].append(float(np.trace(r @ r).real))
        out["entropy"].append(float(qutip.entropy_vn(rho2, base=2)))
        out["entropy_qubit1"].append(float(qutip.entropy_vn(r1, base=2)))
        out["ergotropy_qubit1"].append(ergotropy_np(r1.full(), h1))
        out["concurrence"].append(float(qutip.concurrence(rho2)))
        out["steering_ab"].append(i_ab)
        out["steering_ba"].append(i_ba)
    return {k: flist(v) for k, v in out.items()}


def fixture_steering(out_dir):
    times = np.linspace(0.0, 5.0, 26)
    g_ = qutip.basis(2, 1)
    sx, sy, sz = qutip.sigmax(), qutip.sigmay(), qutip.sigmaz()
    i2 = qutip.qeye(2)
    results = []
    # Field-QB (Eqs. 13-14), Delta = 1, g = 1, f = A cos t + B, Delta/2 sigma_z = Delta S^z.
    delta, g = 1.0, 1.0
    h_b = 0.5 * delta * (qutip.tensor(sz, i2) + qutip.tensor(i2, sz)) + 0.5 * g * sum(
        qutip.tensor(op, op) for op in (sx, sy, sz))
    hx = 0.5 * (qutip.tensor(sx, i2) + qutip.tensor(i2, sx))
    psi0 = qutip.tensor(g_, g_)
    for a, b in [(2.0, 0.0), (1.0, 2.0)]:
        for reading in ["drive", "drive_and_battery"]:
            coeff = (lambda t, a=a, b=b: a * np.cos(t) + b)
            h = [[hx, coeff]] if reading == "drive" else [h_b, [hx, coeff]]
            res = qutip.sesolve(h, psi0, times, options=ode_options())
            results.append({"model": "field_qb", "a": a, "b": b, "g": g, "hamiltonian": reading,
                            **steering_outputs(res.states, h_b, [0, 1])})
    # Cavity QB (Eqs. 22-24 in the reading of Eq. 24): JC coupling, |7, g, g>, 8 levels.
    levels, n = 8, 7
    for j2 in [1.0, 0.0]:
        j1 = 1.0
        dims = [levels, 2, 2]
        ad = embed(qutip.destroy(levels), 0, dims)
        sm = [embed(qutip.sigmam(), k, dims) for k in (1, 2)]
        hb_pair = 0.5 * delta * (qutip.tensor(sz, i2) + qutip.tensor(i2, sz)) + j1 * (
            qutip.tensor(sx, sx) + qutip.tensor(sy, sy)) + j2 * qutip.tensor(sz, sz)
        h = ad.dag() * ad + qutip.tensor(qutip.qeye(levels), hb_pair)
        for m in sm:
            h = h + 1.0 * (ad * m.dag() + ad.dag() * m)
        psi0 = qutip.tensor(qutip.basis(levels, n), g_, g_)
        res = qutip.sesolve(h, psi0, times, options=ode_options())
        results.append({"model": "cavity_pair", "j2": j2,
                        **steering_outputs(res.states, hb_pair, [1, 2])})
    checks = {
        "bell_steering": steering_np(np.outer([0.5**0.5, 0, 0, 0.5**0.5], [0.5**0.5, 0, 0, 0.5**0.5])),
    }
    print("steering checks:", checks)
    data = header(
        "Paper 003 (papers/003_0f93033296fe24a2.txt): the Field-QB (Eqs. 13-14, Delta = 1, g = 1, "
        "f(t) = A cos t + B, the field alone or with H_b) and the two-qubit cavity battery "
        "(Eq. 24's reading: H = a^+a + (Delta/2) sum sigma_z + J1 (sxsx + sysy) + J2 szsz + "
        "sum (a sigma_+ + a^+ sigma_-), J1 = Delta = 1, |7, g, g>, 8 levels), by qutip.sesolve.",
        {
            "qubits": "|g> = basis(2, 1) (sigma_z = -1), the pair ordered qubit_1 ⊗ qubit_2",
            "energy": "Tr(H_b rho_pair) - its value at t = 0",
            "ergotropy": "of rho_pair against H_b; ergotropy_qubit1 of qubit 1 against sigma_z/2",
            "entropy": "von Neumann entropy (log2) of the pair and of qubit 1",
            "steering": "I^ab = sum_i H(sigma_i^b | sigma_i^a) from joint outcome probabilities, log2 (NumPy)",
            "concurrence": "qutip.concurrence",
        },
        solver_record("qutip.sesolve"),
    )
    data["times"] = flist(times)
    data["results"] = results
    data["checks"] = {"bell_steering": list(checks["bell_steering"])}
    return write(out_dir, "steering_batteries.json", data)


# ---------------------------------------------------------------- main

FIXTURES = {
    "tavis_cummings_closed": fixture_tc_closed,
    "tavis_cummings_open": fixture_tc_open,
    "damped_cavity": fixture_damped_cavity,
    "driven_qubit_steady": fixture_driven_qubit,
    "spin1_chain_cavity": fixture_chain,
    "chain_steady_sectors": fixture_chain_steady,
    "metrics_states": fixture_metrics,
    "wigner": fixture_wigner,
    "spin_operators": fixture_spin_operators,
    "bench_chain_energy": fixture_bench_energy,
    "star_steady": fixture_star,
    "steering_batteries": fixture_steering,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="fixtures", help="output directory (default: fixtures)")
    parser.add_argument(
        "--only", nargs="*", choices=sorted(FIXTURES), help="regenerate only these fixtures"
    )
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    print(f"qutip {qutip.__version__}, numpy {np.__version__}, scipy {scipy.__version__}")
    paths = [FIXTURES[name](args.out) for name in (args.only or FIXTURES)]
    total = sum(os.path.getsize(p) for p in paths)
    print(f"total {total / 1024:.1f} kB in {len(paths)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
