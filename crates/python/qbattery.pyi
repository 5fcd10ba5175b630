"""Quantum batteries from Python: scenarios, runs and figures of merit (Rust inside)."""

from os import PathLike
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

__version__: str

Scenario = Union[None, str, PathLike, Mapping[str, Any]]

class Run:
    """One run: series as NumPy arrays, the summary, units, warnings and final state."""

    @property
    def t(self) -> npt.NDArray[np.float64]: ...
    @property
    def grid_name(self) -> str: ...
    def keys(self) -> list[str]: ...
    def __getitem__(self, name: str) -> npt.NDArray[np.float64]: ...
    def __contains__(self, name: str) -> bool: ...
    @property
    def summary(self) -> dict[str, Any]: ...
    @property
    def units(self) -> dict[str, Any]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def final_state(self) -> Optional[npt.NDArray[np.complex128]]: ...

def simulate(
    scenario: Scenario = None,
    *,
    progress: Union[bool, Callable[[int, int], Any], None] = None,
    **overrides: Any,
) -> Run:
    """Run a scenario (None: the embedded Tavis–Cummings default; a path; a TOML string;
    a dict); overrides use the dotted keys of `--set`, e.g. `**{"coupling.g": 0.5}`.
    `progress=True` shows a bar (tqdm.auto's, in a terminal or a notebook, when tqdm is
    installed; a text line on stderr otherwise); a callable is called as
    `progress(done, total)`. An exception raised by the callback (or Ctrl-C) is raised
    when the run returns."""

def info(scenario: Scenario = None, **overrides: Any) -> str:
    """What a run would do: space, dimension, blocks, method, memory estimate."""

def sweep(
    scenario: Union[str, PathLike],
    axes: Mapping[str, Union[str, Sequence[Any]]],
    out: Union[str, PathLike],
    *,
    progress: Union[bool, Callable[[int, int], Any], None] = None,
    **overrides: Any,
) -> dict[str, npt.NDArray[np.float64]]:
    """`qbattery sweep`: the grid `axes` (`"start:stop:n"` or a list of values per key, the
    first varying slowest) into the resumable directory `out`; returns sweep.csv's columns
    by bare name (`coupling.g`, `e_max`, ...). `progress` as for `simulate`, counting
    points (a callable gets `(points done, points in all)`)."""

def optimize(scenario: Union[str, PathLike], out: Union[str, PathLike], **overrides: Any) -> dict[str, Any]:
    """`qbattery optimize` into `out`; returns optimum.json."""

def models() -> list[dict[str, str]]:
    """The models a scenario can name (`name`, `about`)."""

def ergotropy(rho: npt.ArrayLike, h: npt.ArrayLike) -> float: ...
def passive_energy(rho: npt.ArrayLike, h: npt.ArrayLike) -> float: ...
def von_neumann_entropy(rho: npt.ArrayLike) -> float:
    """In bits (base 2)."""

def purity(rho: npt.ArrayLike) -> float: ...
def log_negativity(rho: npt.ArrayLike, dims: Sequence[int], subsystem: Sequence[int]) -> float:
    """Base 2, between the subsystems `subsystem` (indices into `dims`) and the rest."""

def steering(rho2: npt.ArrayLike) -> tuple[float, float]:
    """Entropic steering (I_ab, I_ba) of a two-qubit state; steerable below 2."""

def concurrence(rho2: npt.ArrayLike) -> float: ...
def wigner(
    rho: npt.ArrayLike, xs: Sequence[float], ps: Sequence[float]
) -> npt.NDArray[np.float64]:
    """W(x, p) on xs × ps, shape (len(ps), len(xs)), QuTiP's convention."""
