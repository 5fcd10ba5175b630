"""The qbattery module against the command line (bit for bit) and QuTiP (metrics)."""

import csv
import os
import pathlib
import subprocess

import numpy as np
import pytest

import qbattery

ROOT = pathlib.Path(__file__).resolve().parents[3]
CHAIN = ROOT / "examples" / "cavity_chain.toml"
# A small chain: two spin-1/2 sites, six Fock levels, 101 outputs.
SMALL = {
    "chain.sites": 2,
    "chain.two_j": 1,
    "cavity.levels": 6,
    "cavity.photons": 2,
    "time.steps": 101,
    "coupling.g": 0.5,
}


def cli():
    """The qbattery binary: $QBATTERY_BIN, else the workspace's debug or release build."""
    if "QBATTERY_BIN" in os.environ:
        return os.environ["QBATTERY_BIN"]
    for profile in ("debug", "release"):
        exe = ROOT / "target" / profile / "qbattery"
        if exe.exists():
            return str(exe)
    pytest.skip("no qbattery binary built (cargo build, or set QBATTERY_BIN)")


def test_simulate_equals_the_cli_bit_for_bit(tmp_path):
    r = qbattery.simulate(str(CHAIN), **SMALL)
    args = [cli(), "simulate", str(CHAIN), "--out", str(tmp_path)]
    for k, v in SMALL.items():
        args += ["--set", f"{k}={v}"]
    subprocess.run(args, check=True, capture_output=True)
    with open(tmp_path / "timeseries.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = [h.split(" [")[0] for h in rows[0]]
    table = np.array([[float(v) for v in row] for row in rows[1:]])
    assert header[0] == r.grid_name == "t"
    assert np.array_equal(table[:, 0], r.t)
    assert header[1:] == r.keys()
    for k, name in enumerate(r.keys(), start=1):
        assert np.array_equal(table[:, k], r[name]), name
    summary = r.summary
    import json

    cli_summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    for key in ("e_max", "t_e_max", "p_max", "t_p_max", "final", "parameters", "units"):
        assert summary[key] == cli_summary[key], key
    assert r.units["energy"] == "ħω_a"


def test_scenarios_as_path_text_or_dict_agree():
    text = CHAIN.read_text(encoding="utf-8")
    by_path = qbattery.simulate(CHAIN, **SMALL)
    by_text = qbattery.simulate(text, **SMALL)
    import tomllib

    as_dict = tomllib.loads(text)
    by_dict = qbattery.simulate(as_dict, **SMALL)
    for other in (by_text, by_dict):
        assert np.array_equal(by_path["energy"], other["energy"])
    default = qbattery.simulate()
    assert default.summary["parameters"]["cells"]["number"] == 4


def test_final_state_is_the_batterys_density_matrix():
    r = qbattery.simulate(CHAIN, **SMALL)
    rho = r.final_state
    assert rho.dtype == np.complex128 and rho.shape == (4, 4)
    assert np.allclose(rho, rho.conj().T, atol=1e-12)
    assert abs(np.trace(rho).real - 1) < 1e-9
    assert np.all(np.linalg.eigvalsh(rho) > -1e-9)
    assert "energy" in r and "nonsense" not in r
    with pytest.raises(KeyError, match="no series `nonsense`"):
        r["nonsense"]


def test_errors_name_the_field():
    with pytest.raises(ValueError, match="cavity.n_th"):
        qbattery.simulate(CHAIN, **{"cavity.n_th": -1.0})
    with pytest.raises(ValueError, match="cannot read scenario file"):
        qbattery.simulate("no/such/file.toml")
    with pytest.raises(ValueError, match="square"):
        qbattery.purity(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="complex128 or float64"):
        qbattery.purity(np.zeros(3))


def test_models_and_info():
    names = [m["name"] for m in qbattery.models()]
    assert "cavity_chain" in names and "micromaser" in names
    text = qbattery.info(CHAIN, **SMALL)
    assert "dimension" in text


def random_density(n, rng, rank=None):
    a = rng.normal(size=(n, rank or n)) + 1j * rng.normal(size=(n, rank or n))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


def test_metrics_against_qutip():
    qutip = pytest.importorskip("qutip")
    rng = np.random.default_rng(7)
    for _ in range(5):
        rho = random_density(6, rng)
        q = qutip.Qobj(rho, dims=[[2, 3], [2, 3]])
        assert abs(qbattery.von_neumann_entropy(rho) - qutip.entropy_vn(q, base=2)) < 1e-10
        assert abs(qbattery.purity(rho) - (q * q).tr().real) < 1e-12
        pt = qutip.partial_transpose(q, [1, 0]).full()
        e_n = np.log2(np.abs(np.linalg.eigvalsh(pt)).sum())
        assert abs(qbattery.log_negativity(rho, [2, 3], [0]) - max(e_n, 0.0)) < 1e-10
        # Ergotropy: Tr[ρH] − Σ r_k↓ ε_k↑ (the passive state's energy).
        h = np.diag(np.arange(6.0))
        passive = np.sort(np.linalg.eigvalsh(rho))[::-1] @ np.arange(6.0)
        assert abs(qbattery.passive_energy(rho, h) - passive) < 1e-10
        assert abs(qbattery.ergotropy(rho, h) - (np.trace(rho @ h).real - passive)) < 1e-10
        # Full rank (a rank-deficient state's zero eigenvalues enter through square roots,
        # which turns 1e-17 of rounding into 3e-9 in either code) and entangled: mostly Bell.
        bell = np.zeros((4, 4), complex)
        bell[np.ix_([0, 3], [0, 3])] = 0.5
        two = 0.7 * bell + 0.3 * random_density(4, rng)
        q2 = qutip.Qobj(two, dims=[[2, 2], [2, 2]])
        assert qbattery.concurrence(two) > 0.3
        assert abs(qbattery.concurrence(two) - qutip.concurrence(q2)) < 1e-10
        # Swapping the qubits swaps I^ab and I^ba.
        swap = np.eye(4)[[0, 2, 1, 3]]
        i_ab, i_ba = qbattery.steering(two)
        assert np.allclose(qbattery.steering(swap @ two @ swap), (i_ba, i_ab), atol=1e-12)
        assert 0.0 <= min(i_ab, i_ba) and max(i_ab, i_ba) <= 3.0
    # Bell: 0 (steerable); |00⟩: 2; maximally mixed: 3 (paper 003, Eq. 8).
    assert np.allclose(qbattery.steering(bell), (0.0, 0.0), atol=1e-12)
    assert np.allclose(qbattery.steering(np.diag([1.0, 0, 0, 0])), (2.0, 2.0), atol=1e-12)
    assert np.allclose(qbattery.steering(np.eye(4) / 4), (3.0, 3.0), atol=1e-12)
    xs = np.linspace(-3, 3, 21)
    ps = np.linspace(-2, 2, 11)
    mode = random_density(8, rng)
    w = qbattery.wigner(mode, xs, ps)
    assert w.shape == (11, 21)
    assert np.allclose(w, qutip.wigner(qutip.Qobj(mode), xs, ps), atol=1e-10)
    # float64 input is accepted as a real matrix.
    assert abs(qbattery.purity(np.eye(2) / 2) - 0.5) < 1e-15


def test_sweep_returns_the_table_and_resumes(tmp_path):
    small = {k: v for k, v in SMALL.items() if k != "coupling.g"}
    small["output.metrics"] = ["energy", "power"]
    axes = {"coupling.g": "0.5:1.5:3", "chain.j": [-1.0, 1.0]}
    table = qbattery.sweep(CHAIN, axes, tmp_path / "scan", **small)
    assert list(table["coupling.g"]) == [0.5, 0.5, 1.0, 1.0, 1.5, 1.5]
    assert list(table["chain.j"]) == [-1.0, 1.0] * 3
    # Each point equals a single run.
    one = qbattery.simulate(CHAIN, **{**small, "coupling.g": 1.0, "chain.j": 1.0})
    assert table["e_max"][3] == one.summary["e_max"]
    # A resumed sweep reports its stored points at once.
    seen = []
    again = qbattery.sweep(
        CHAIN, axes, tmp_path / "scan", progress=lambda d, n: seen.append((d, n)), **small
    )
    assert np.array_equal(again["e_max"], table["e_max"])
    assert seen == [(6, 6)]
    seen.clear()
    qbattery.sweep(CHAIN, axes, tmp_path / "fresh", progress=lambda d, n: seen.append((d, n)), **small)
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    with pytest.raises(ValueError, match="start:stop:n"):
        qbattery.sweep(CHAIN, {"coupling.g": {"a": 1}}, tmp_path / "bad")


def test_optimize_returns_the_optimum(tmp_path):
    opt = qbattery.optimize(
        ROOT / "examples" / "micromaser_optimize.toml",
        tmp_path / "opt",
        **{
            "optimizer.random_starts": 1,
            "optimizer.grid_points": 0,
            "trajectory.collisions": 200,
            "trajectory.grid_points": 20,
        },
    )
    c, q = opt["x"]
    assert 0.0 <= c <= 1.0 and 0.0 <= q <= 1.0
    assert (tmp_path / "opt" / "starts.json").exists()


def test_progress_reaches_the_total_and_refuses_junk(capsys):
    seen = []
    r = qbattery.simulate(str(CHAIN), progress=lambda done, total: seen.append((done, total)), **SMALL)
    assert seen, "the callback was called"
    done = [d for d, _ in seen]
    totals = {t for _, t in seen}
    assert done == sorted(done) and len(totals) == 1
    assert done[-1] == totals.pop() > 0
    # The same numbers as without a display.
    assert np.array_equal(r["energy"], qbattery.simulate(str(CHAIN), **SMALL)["energy"])
    # A bar: tqdm's where it is installed, else a text line; on stderr either way.
    qbattery.simulate(str(CHAIN), progress=True, **SMALL)
    assert "qbattery" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress"):
        qbattery.simulate(str(CHAIN), progress="yes", **SMALL)


def test_an_exception_in_the_progress_callback_is_raised():
    def fail(done, total):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        qbattery.simulate(str(CHAIN), progress=fail, **SMALL)
