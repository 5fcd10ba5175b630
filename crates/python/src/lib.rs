//! The `qbattery` Python module: the same registry, loader and [`Run`] as the command line
//! (no second implementation), with series and states as NumPy arrays, and the metrics as
//! plain functions on NumPy arrays (states made anywhere, e.g. `qutip.Qobj.full()`).
//!
//! Errors raise `ValueError` with the library's message (the field path and the allowed
//! range); long runs release the GIL.

#![forbid(unsafe_code)]

mod progress;

use std::path::PathBuf;

use numpy::{Complex64, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, ToPyArray};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use qb::simulation::{memory, Run, Silent};
use qb::{c64, Mat};
use qb_cli::output::Provenance;
use qb_cli::results::{summary_json, Origin};
use qb_cli::scenario::{Source, DEFAULT_SCENARIO};

/// A library error as a Python `ValueError` with the whole message chain.
fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A Python value as a TOML value (scenario dicts and override values).
fn to_toml(value: &Bound<'_, PyAny>, what: &str) -> PyResult<toml::Value> {
    if value.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(value.extract()?));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(value.extract()?));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(value.extract()?));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut table = toml::Table::new();
        for (k, v) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| value_error(format!("{what}: keys must be strings")))?;
            let inner = to_toml(&v, &format!("{what}.{key}"))?;
            table.insert(key, inner);
        }
        return Ok(toml::Value::Table(table));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items = value
            .try_iter()?
            .map(|v| to_toml(&v?, what))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(toml::Value::Array(items));
    }
    Err(value_error(format!(
        "{what}: a {} can not be written in a scenario (use bool, int, float, str, list or dict)",
        value.get_type().name()?
    )))
}

/// The scenario's text and where it came from: `None` (the embedded Tavis–Cummings
/// default), a path (str or `os.PathLike`) to a TOML file, a TOML string, or a dict.
fn scenario_text(scenario: Option<&Bound<'_, PyAny>>) -> PyResult<(String, Option<PathBuf>)> {
    let Some(s) = scenario else {
        return Ok((DEFAULT_SCENARIO.to_string(), None));
    };
    if let Ok(d) = s.cast::<PyDict>() {
        let toml::Value::Table(table) = to_toml(d.as_any(), "scenario")? else {
            unreachable!("a dict converts to a table")
        };
        return Ok((table.to_string(), None));
    }
    let path: Option<PathBuf> = if s.is_instance_of::<PyString>() {
        let text: String = s.extract()?;
        if !text.contains('\n') && !text.contains('=') {
            Some(PathBuf::from(text))
        } else {
            return Ok((text, None));
        }
    } else {
        s.extract::<PathBuf>().ok()
    };
    let Some(path) = path else {
        return Err(value_error(
            "scenario: expected None, a path to a TOML file, a TOML string or a dict",
        ));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| value_error(format!("cannot read scenario file {}: {e}", path.display())))?;
    Ok((text, Some(path)))
}

/// Overrides as the command line's `--set key=value` assignments (dotted keys).
fn assignments(overrides: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let Some(d) = overrides else {
        return Ok(Vec::new());
    };
    d.iter()
        .map(|(k, v)| {
            let key: String = k.extract()?;
            let value = to_toml(&v, &key)?;
            Ok(format!("{key}={value}"))
        })
        .collect()
}

/// One run: `r.t` (the grid), `r["energy"]` (a series), `r.keys()`, `r.summary` (what
/// `summary.json` holds), `r.units`, `r.warnings`, `r.final_state` (the battery's final
/// density matrix, complex128, or `None`).
#[pyclass(name = "Run", module = "qbattery", frozen)]
struct PyRun {
    run: Run,
    summary: String,
}

#[pymethods]
impl PyRun {
    /// The grid (times, or collisions for a collision model).
    #[getter]
    fn t<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.run.grid.to_pyarray(py)
    }

    /// The grid's name (`t` or `collisions`).
    #[getter]
    fn grid_name(&self) -> &str {
        &self.run.grid_name
    }

    /// The names of the series, in the order of `timeseries.csv`.
    fn keys(&self) -> Vec<String> {
        self.run.series.iter().map(|(n, _)| n.clone()).collect()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.run
            .series(name)
            .map(|v| v.to_pyarray(py))
            .ok_or_else(|| {
                pyo3::exceptions::PyKeyError::new_err(format!(
                    "no series `{name}`; the run has: {}",
                    self.keys().join(", ")
                ))
            })
    }

    fn __contains__(&self, name: &str) -> bool {
        self.run.series(name).is_some()
    }

    /// The summary (scalars, `final`, `steady_state`, `units`, parameters, solver,
    /// warnings, provenance), as `summary.json` holds it.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (&self.summary,))
    }

    /// The units of the grid, the series and the scalars (`summary["units"]`).
    #[getter]
    fn units<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.summary(py)?.get_item("units")
    }

    /// The warnings (truncation, steady state, …) as messages.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.run.warnings.iter().map(|w| w.to_string()).collect()
    }

    /// The battery's reduced density matrix at the end of the run (complex128), or `None`
    /// when the model's engine does not keep it (central spin).
    #[getter]
    fn final_state<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray2<Complex64>>> {
        self.run.final_battery.as_ref().map(|rho| {
            let n = rho.nrows();
            PyArray1::from_vec(py, qb::row_major(rho.as_ref()))
                .reshape([n, n])
                .expect("n·n values")
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<qbattery.Run: {} points of {}, series {}>",
            self.run.grid.len(),
            self.run.grid_name,
            self.keys().join(", ")
        )
    }
}

/// Runs a scenario and returns its [`PyRun`]: `simulate("examples/cavity_chain.toml",
/// **{"coupling.g": 0.5})`. `scenario`: None (the embedded Tavis–Cummings default), a path,
/// a TOML string or a dict; overrides use the dotted keys of `--set`. `progress`: `True`
/// for a bar (tqdm's, in a terminal or a notebook, when installed; a text line on stderr
/// otherwise) or a callable `progress(done, total)`.
#[pyfunction]
#[pyo3(signature = (scenario=None, *, progress=None, **overrides))]
fn simulate(
    py: Python<'_>,
    scenario: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyRun> {
    let (text, path) = scenario_text(scenario)?;
    let set = assignments(overrides)?;
    let source = Source {
        path: path.clone(),
        overrides: set.clone(),
    };
    let mut argv = vec!["python".to_string(), "qbattery.simulate".to_string()];
    argv.extend(path.iter().map(|p| p.display().to_string()));
    argv.extend(set.iter().map(|s| format!("--set {s}")));
    let mut provenance = Provenance::start(argv);
    let in_source = |e: qb::Error| value_error(format!("in {}: {e}", source.name()));
    let model = qb::scenario::load(&text, &set).map_err(in_source)?;
    let run = match progress::PyProgress::from_arg(py, progress)? {
        None => py.detach(|| model.run(memory::limit(None), &mut Silent)),
        Some(mut shown) => {
            let run = py.detach(|| model.run(memory::limit(None), &mut shown));
            shown.close()?;
            run
        }
    }
    .map_err(in_source)?;
    provenance.finish();
    let origin = Origin {
        parameters: &model.parameters(),
        source: Some(&source),
        provenance: &provenance,
    };
    let summary = summary_json(&run, origin).to_string();
    Ok(PyRun { run, summary })
}

/// What a run would do (space, dimension, blocks, method, memory estimate), as the text
/// `qbattery info` prints.
#[pyfunction]
#[pyo3(signature = (scenario=None, **overrides))]
fn info(
    scenario: Option<&Bound<'_, PyAny>>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let (text, _) = scenario_text(scenario)?;
    let model = qb::scenario::load(&text, &assignments(overrides)?).map_err(value_error)?;
    let description = model.describe(memory::limit(None)).map_err(value_error)?;
    Ok(description.to_string())
}

/// A scenario file's path (sweeps and optimisations are resumable directories made from a
/// file, as on the command line).
fn scenario_path(scenario: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    scenario
        .extract::<PathBuf>()
        .map_err(|_| value_error("scenario: expected a path to a TOML file"))
}

/// `qbattery sweep`: runs `scenario` on the grid `axes` (a dict `{"coupling.g":
/// "0.2:1.0:5", "chain.j": [-1.0, 0.0, 1.0]}`, a string as on the command line or a list
/// of values; the first axis varies slowest) into the resumable directory `out` (rerun to
/// resume), points in parallel; returns the table of `sweep.csv` as a dict of NumPy arrays
/// keyed by the bare column names (`coupling.g`, `e_max`, …). `progress` as for
/// [`simulate`], counting points.
#[pyfunction]
#[pyo3(signature = (scenario, axes, out, *, progress=None, **overrides))]
fn sweep<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    axes: &Bound<'py, PyDict>,
    out: PathBuf,
    progress: Option<&Bound<'py, PyAny>>,
    overrides: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let path = scenario_path(scenario)?;
    let mut parsed = Vec::new();
    for (k, v) in axes.iter() {
        let key: String = k.extract()?;
        let spec = if let Ok(text) = v.extract::<String>() {
            text
        } else {
            let toml::Value::Array(values) = to_toml(&v, &key)? else {
                return Err(value_error(format!(
                    "axes[{key:?}]: expected \"start:stop:n\" or a list of values"
                )));
            };
            values
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        parsed.push(qb_cli::grid_sweep::Axis::parse(&format!("{key}={spec}")).map_err(chain)?);
    }
    let set = assignments(overrides)?;
    let shown = progress::PyProgress::from_arg(py, progress)?.map(std::sync::Mutex::new);
    let report = |done: usize, total: usize| {
        if let Some(p) = &shown {
            p.lock()
                .unwrap_or_else(|e| e.into_inner())
                .points(done, total);
        }
    };
    let report: Option<qb_cli::sweep::Report<'_>> = shown.is_some().then_some(&report);
    let outcome =
        py.detach(|| qb_cli::grid_sweep::run(&path, &parsed, &set, &out, None, None, report));
    let closed = shown.map(|p| p.into_inner().unwrap_or_else(|e| e.into_inner()).close());
    outcome.map_err(chain)?;
    closed.transpose()?;
    let text = std::fs::read_to_string(out.join("sweep.csv"))
        .map_err(|e| value_error(format!("reading {}: {e}", out.join("sweep.csv").display())))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let table = PyDict::new(py);
    for (k, name) in header.iter().enumerate() {
        let column: Vec<f64> = rows.iter().map(|r| r[k]).collect();
        let bare = name.split(" [").next().unwrap_or(name);
        table.set_item(bare, column.to_pyarray(py))?;
    }
    Ok(table)
}

/// `qbattery optimize`: minimises the loss of an optimisation scenario (a `[loss]` or a
/// `[control]` table) into `out`; returns `optimum.json` as a dict.
#[pyfunction]
#[pyo3(signature = (scenario, out, **overrides))]
fn optimize<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    out: PathBuf,
    overrides: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let path = scenario_path(scenario)?;
    let set = assignments(overrides)?;
    py.detach(|| qb_cli::optimize::run(&path, &out, &set, None))
        .map_err(chain)?;
    let text = std::fs::read_to_string(out.join("optimum.json")).map_err(|e| {
        value_error(format!(
            "reading {}: {e}",
            out.join("optimum.json").display()
        ))
    })?;
    py.import("json")?.call_method1("loads", (text,))
}

/// A command-line error (with its context chain) as a `ValueError`.
fn chain(e: anyhow::Error) -> PyErr {
    value_error(format!("{e:#}"))
}

/// The models a scenario can name: a list of `{"name", "about"}` dicts.
#[pyfunction]
fn models(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    qb::models::registry::MODELS
        .iter()
        .map(|e| {
            let d = PyDict::new(py);
            d.set_item("name", e.name)?;
            d.set_item("about", e.about)?;
            Ok(d)
        })
        .collect()
}

/// A square matrix from a 2-D complex128 or float64 array, checked.
fn square(name: &str, array: &Bound<'_, PyAny>) -> PyResult<Mat<c64>> {
    let to_mat = |shape: &[usize], at: &dyn Fn(usize, usize) -> c64| -> PyResult<Mat<c64>> {
        if shape[0] != shape[1] {
            return Err(value_error(format!(
                "{name}: expected a square matrix, got shape ({}, {})",
                shape[0], shape[1]
            )));
        }
        Ok(Mat::from_fn(shape[0], shape[1], at))
    };
    if let Ok(a) = array.extract::<PyReadonlyArray2<'_, Complex64>>() {
        let v = a.as_array();
        return to_mat(v.shape(), &|i, j| v[[i, j]]);
    }
    if let Ok(a) = array.extract::<PyReadonlyArray2<'_, f64>>() {
        let v = a.as_array();
        return to_mat(v.shape(), &|i, j| c64::new(v[[i, j]], 0.0));
    }
    Err(value_error(format!(
        "{name}: expected a 2-D complex128 or float64 NumPy array"
    )))
}

/// Ergotropy of `rho` with battery Hamiltonian `h` (papers 001 Eq. 10, 003 Eq. 2).
#[pyfunction]
fn ergotropy(rho: &Bound<'_, PyAny>, h: &Bound<'_, PyAny>) -> PyResult<f64> {
    qb::metrics::ergotropy::ergotropy(square("rho", rho)?.as_ref(), square("h", h)?.as_ref())
        .map_err(value_error)
}

/// Energy of the passive state of `rho` under `h`.
#[pyfunction]
fn passive_energy(rho: &Bound<'_, PyAny>, h: &Bound<'_, PyAny>) -> PyResult<f64> {
    qb::metrics::ergotropy::passive_energy(square("rho", rho)?.as_ref(), square("h", h)?.as_ref())
        .map_err(value_error)
}

/// Von Neumann entropy of `rho`, base 2 (bits).
#[pyfunction]
fn von_neumann_entropy(rho: &Bound<'_, PyAny>) -> PyResult<f64> {
    qb::metrics::entropy::von_neumann_entropy(square("rho", rho)?.as_ref()).map_err(value_error)
}

/// Purity Tr ρ².
#[pyfunction]
fn purity(rho: &Bound<'_, PyAny>) -> PyResult<f64> {
    Ok(qb::metrics::entropy::purity(square("rho", rho)?.as_ref()))
}

/// Logarithmic negativity (base 2) of `rho` on subsystems of dimensions `dims` between the
/// subsystems listed in `subsystem` (indices into `dims`) and the rest.
#[pyfunction]
fn log_negativity(
    rho: &Bound<'_, PyAny>,
    dims: Vec<usize>,
    subsystem: Vec<usize>,
) -> PyResult<f64> {
    qb::metrics::negativity::log_negativity(square("rho", rho)?.as_ref(), &dims, &subsystem)
        .map_err(value_error)
}

/// Entropic steering of a two-qubit state (paper 003 Eq. 8): `(I_ab, I_ba)`, steerable when
/// below 2.
#[pyfunction]
fn steering(rho2: &Bound<'_, PyAny>) -> PyResult<(f64, f64)> {
    let s = qb::metrics::steering::entropic_steering(square("rho2", rho2)?.as_ref())
        .map_err(value_error)?;
    Ok((s.i_ab, s.i_ba))
}

/// Wootters concurrence of a two-qubit state.
#[pyfunction]
fn concurrence(rho2: &Bound<'_, PyAny>) -> PyResult<f64> {
    qb::metrics::steering::concurrence(square("rho2", rho2)?.as_ref()).map_err(value_error)
}

/// Wigner function W(x, p) of a mode's density matrix in the Fock basis on the grid
/// `xs` × `ps` (QuTiP's convention, g = √2): an array of shape (len(ps), len(xs)).
#[pyfunction]
fn wigner<'py>(
    py: Python<'py>,
    rho: &Bound<'py, PyAny>,
    xs: Vec<f64>,
    ps: Vec<f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let w =
        qb::metrics::wigner::wigner(square("rho", rho)?.as_ref(), &xs, &ps).map_err(value_error)?;
    PyArray1::from_vec(py, qb::row_major(w.as_ref())).reshape([w.nrows(), w.ncols()])
}

/// The module.
#[pymodule]
fn qbattery(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyRun>()?;
    for f in [
        wrap_pyfunction!(simulate, m)?,
        wrap_pyfunction!(info, m)?,
        wrap_pyfunction!(models, m)?,
        wrap_pyfunction!(sweep, m)?,
        wrap_pyfunction!(optimize, m)?,
        wrap_pyfunction!(ergotropy, m)?,
        wrap_pyfunction!(passive_energy, m)?,
        wrap_pyfunction!(von_neumann_entropy, m)?,
        wrap_pyfunction!(purity, m)?,
        wrap_pyfunction!(log_negativity, m)?,
        wrap_pyfunction!(steering, m)?,
        wrap_pyfunction!(concurrence, m)?,
        wrap_pyfunction!(wigner, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
