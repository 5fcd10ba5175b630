//! A run's or a sweep's progress shown from Python while the work holds no GIL: a
//! `tqdm.auto` bar (a widget in Jupyter, a text bar in a terminal) when tqdm is installed,
//! a plain text line on `sys.stderr` when it is not, or the caller's own
//! `progress(done, total)`.

use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};
use qb::simulation::Progress;

/// How often the display is refreshed at most (each refresh takes the GIL).
const REFRESH: Duration = Duration::from_millis(100);

/// Where progress goes.
enum Display {
    /// `progress=callable`: called as `callable(done, total)`.
    Callback(Py<PyAny>),
    /// `progress=True` with tqdm: the `tqdm.auto.tqdm` instance, once started.
    Tqdm(Option<Py<PyAny>>),
    /// `progress=True` without tqdm: "\rqbattery: 40% (400/1000 time steps)" on stderr.
    Text { unit: String },
}

/// A [`Progress`] that reports to Python. The first Python exception it meets (from the
/// callback, or a KeyboardInterrupt) stops the reporting and is raised by [`Self::close`]
/// once the run has returned.
pub struct PyProgress {
    display: Display,
    started: bool,
    total: usize,
    shown: usize,
    last: Option<Instant>,
    error: Option<PyErr>,
}

impl PyProgress {
    /// From the `progress` argument: `None` or `False` (no display), `True` (a bar) or a
    /// callable. `None` result: nothing to show.
    pub fn from_arg(py: Python<'_>, arg: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Self>> {
        let display = match arg {
            None => return Ok(None),
            Some(a) if a.is_none() => return Ok(None),
            Some(a) if a.is_instance_of::<PyBool>() => {
                if !a.extract::<bool>()? {
                    return Ok(None);
                }
                match py.import("tqdm.auto") {
                    Ok(_) => Display::Tqdm(None),
                    Err(_) => Display::Text {
                        unit: String::new(),
                    },
                }
            }
            Some(a) if a.is_callable() => Display::Callback(a.clone().unbind()),
            Some(a) => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "progress: expected True, False or a callable progress(done, total), got {}",
                    a.get_type().name()?
                )))
            }
        };
        Ok(Some(Self {
            display,
            started: false,
            total: 0,
            shown: 0,
            last: None,
            error: None,
        }))
    }

    /// Shows `done` (taking the GIL).
    fn show(&mut self, done: usize) {
        if self.error.is_some() {
            return;
        }
        let total = self.total;
        let step = done.saturating_sub(self.shown);
        let outcome = Python::attach(|py| -> PyResult<()> {
            py.check_signals()?;
            match &mut self.display {
                Display::Callback(f) => {
                    f.call1(py, (done, total))?;
                }
                Display::Tqdm(Some(bar)) => {
                    bar.call_method1(py, "update", (step,))?;
                }
                Display::Tqdm(None) => {}
                Display::Text { unit } => {
                    let percent = (100 * done).checked_div(total).unwrap_or(100);
                    let line = format!("\rqbattery: {percent:3}% ({done}/{total} {unit})");
                    py.import("sys")?
                        .getattr("stderr")?
                        .call_method1("write", (line,))?;
                }
            }
            Ok(())
        });
        self.shown = done;
        self.last = Some(Instant::now());
        if let Err(e) = outcome {
            self.error.get_or_insert(e);
        }
    }

    /// Ends the display (the last count, tqdm's `close`, the text line's newline) and raises
    /// the first exception met while the run went on.
    pub fn close(self) -> PyResult<()> {
        Python::attach(|py| -> PyResult<()> {
            match &self.display {
                Display::Tqdm(Some(bar)) => {
                    bar.call_method0(py, "close")?;
                }
                Display::Text { .. } => {
                    py.import("sys")?
                        .getattr("stderr")?
                        .call_method1("write", ("\n",))?;
                }
                _ => {}
            }
            Ok(())
        })?;
        self.error.map_or(Ok(()), Err)
    }

    /// A sweep's progress, (points done, points in all); the first call starts the display.
    pub fn points(&mut self, done: usize, total: usize) {
        if !self.started {
            self.start("points", total);
        }
        self.advance(done);
    }
}

impl Progress for PyProgress {
    fn start(&mut self, unit: &str, total: usize) {
        self.started = true;
        self.total = total;
        self.shown = 0;
        let started = Python::attach(|py| -> PyResult<()> {
            match &mut self.display {
                Display::Tqdm(bar) => {
                    if let Some(old) = bar.take() {
                        old.call_method0(py, "close")?;
                    }
                    let kwargs = PyDict::new(py);
                    kwargs.set_item("total", total)?;
                    kwargs.set_item("unit", unit)?;
                    kwargs.set_item("desc", "qbattery")?;
                    let made = py
                        .import("tqdm.auto")?
                        .getattr("tqdm")?
                        .call((), Some(&kwargs))?;
                    *bar = Some(made.unbind());
                }
                Display::Text { unit: u } => *u = unit.to_string(),
                Display::Callback(_) => {}
            }
            Ok(())
        });
        if let Err(e) = started {
            self.error.get_or_insert(e);
        }
    }

    fn advance(&mut self, done: usize) {
        let due = self.last.is_none_or(|t| t.elapsed() >= REFRESH);
        if due || done >= self.total {
            self.show(done);
        }
    }
}
