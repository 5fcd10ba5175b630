//! Drives: a coupling that a model declares drivable, given in a scenario as a constant,
//! a piecewise-constant protocol or a harmonic form, and turned into the
//! [`Control`] f(t) of a term f(t) H_k of the Hamiltonian.
//!
//! Scenario forms (any drivable key, e.g. `coupling.g`):
//!
//! ```toml
//! g = 0.5                                        # constant (the default form)
//! g = { values = [0.2, 1.0, 0.6], until = 6.0 }  # piecewise constant on K equal steps of [0, until]
//! g = { edges = [0, 1, 4], values = [0.2, 1.0] } # piecewise constant on an explicit grid
//! g = { a = 0.5, omega = 2.0, phi = 0.0, b = 0.1 } # a cos(ωt + φ) + b (φ, b default 0)
//! ```
//!
//! A piecewise protocol keeps its first value before its first edge and its last value
//! after its last edge (append an interval with value 0 to switch the drive off).

use std::fmt;

use crate::dynamics::hamiltonian::Control;
use crate::{Error, Result};

/// A drivable coupling's time dependence, as a scenario gives it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "DriveForm", into = "DriveForm")]
pub enum Drive {
    /// f(t) = value.
    Constant(f64),
    /// f(t) = `values[k]` on [`edges[k]`, `edges[k + 1]`).
    Piecewise {
        /// Strictly increasing interval edges (one more than `values`).
        edges: Vec<f64>,
        /// The value on each interval.
        values: Vec<f64>,
    },
    /// f(t) = a cos(ωt + φ) + b.
    Harmonic {
        /// Amplitude a.
        a: f64,
        /// Angular frequency ω.
        omega: f64,
        /// Phase φ.
        phi: f64,
        /// Offset b.
        b: f64,
    },
}

impl From<f64> for Drive {
    fn from(v: f64) -> Self {
        Drive::Constant(v)
    }
}

impl Drive {
    /// The value when the drive does not depend on time.
    pub fn constant_value(&self) -> Option<f64> {
        match self {
            Drive::Constant(v) => Some(*v),
            _ => None,
        }
    }

    /// f(t) as a [`Control`] for the solvers.
    pub fn control(&self) -> Control {
        match self {
            Drive::Constant(v) => Control::Constant(*v),
            Drive::Piecewise { edges, values } => Control::Piecewise {
                edges: edges.clone(),
                values: values.clone(),
            },
            &Drive::Harmonic { a, omega, phi, b } => {
                Control::function(move |t| a * (omega * t + phi).cos() + b)
            }
        }
    }

    /// The largest |f(t)| over all t (for bounds and memory-free checks).
    pub fn max_abs(&self) -> f64 {
        match self {
            Drive::Constant(v) => v.abs(),
            Drive::Piecewise { values, .. } => values.iter().fold(0.0, |m, v| m.max(v.abs())),
            Drive::Harmonic { a, b, .. } => a.abs() + b.abs(),
        }
    }

    /// Checks every number is finite and a piecewise protocol is well formed; errors name
    /// `name` (the scenario key).
    pub fn validate(&self, name: &str) -> Result<()> {
        match self {
            Drive::Constant(v) if !v.is_finite() => Err(Error::invalid(name, v, "a finite number")),
            Drive::Constant(_) => Ok(()),
            Drive::Piecewise { .. } => self.control().validate(name),
            Drive::Harmonic { a, omega, phi, b } => {
                for (k, v) in [("a", a), ("omega", omega), ("phi", phi), ("b", b)] {
                    if !v.is_finite() {
                        return Err(Error::invalid(format!("{name}.{k}"), v, "a finite number"));
                    }
                }
                Ok(())
            }
        }
    }
}

/// The scenario spelling of a [`Drive`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum DriveForm {
    Constant(f64),
    Edges {
        edges: Vec<f64>,
        values: Vec<f64>,
    },
    Steps {
        values: Vec<f64>,
        until: f64,
    },
    Harmonic {
        a: f64,
        omega: f64,
        #[serde(default)]
        phi: f64,
        #[serde(default)]
        b: f64,
    },
    /// Anything else: rejected in `try_from` with the list of accepted forms.
    #[serde(skip_serializing)]
    Other(serde::de::IgnoredAny),
}

/// Why a drive could not be read.
#[derive(Debug)]
pub struct DriveFormError(String);

impl fmt::Display for DriveFormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const FORMS: &str = "a number, { values = [...], until = τ } (equal steps on [0, τ]), \
{ edges = [...], values = [...] } or { a = …, omega = …, phi = 0, b = 0 } for a cos(ωt + φ) + b";

impl TryFrom<DriveForm> for Drive {
    type Error = DriveFormError;

    fn try_from(form: DriveForm) -> std::result::Result<Self, DriveFormError> {
        Ok(match form {
            DriveForm::Constant(v) => Drive::Constant(v),
            DriveForm::Edges { edges, values } => Drive::Piecewise { edges, values },
            DriveForm::Steps { values, until } => {
                if values.is_empty() {
                    return Err(DriveFormError(
                        "`values` is empty: give at least one step".into(),
                    ));
                }
                if !(until.is_finite() && until > 0.0) {
                    return Err(DriveFormError(format!(
                        "until = {until} is not allowed: must be a finite time > 0"
                    )));
                }
                let k = values.len();
                let edges = (0..=k).map(|i| until * i as f64 / k as f64).collect();
                Drive::Piecewise { edges, values }
            }
            DriveForm::Harmonic { a, omega, phi, b } => Drive::Harmonic { a, omega, phi, b },
            DriveForm::Other(_) => {
                return Err(DriveFormError(format!(
                    "not a drive: expected {FORMS} (no other keys)"
                )))
            }
        })
    }
}

impl From<Drive> for DriveForm {
    fn from(d: Drive) -> Self {
        match d {
            Drive::Constant(v) => DriveForm::Constant(v),
            Drive::Piecewise { edges, values } => DriveForm::Edges { edges, values },
            Drive::Harmonic { a, omega, phi, b } => DriveForm::Harmonic { a, omega, phi, b },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> std::result::Result<Drive, String> {
        #[derive(serde::Deserialize)]
        struct Doc {
            g: Drive,
        }
        toml::from_str::<Doc>(text)
            .map(|d| d.g)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn every_form_reads_and_evaluates() {
        assert_eq!(read("g = 0.5").unwrap(), Drive::Constant(0.5));
        let steps = read("g = { values = [1.0, 2.0, 3.0], until = 3.0 }").unwrap();
        assert_eq!(
            steps,
            Drive::Piecewise {
                edges: vec![0.0, 1.0, 2.0, 3.0],
                values: vec![1.0, 2.0, 3.0]
            }
        );
        let c = steps.control();
        assert_eq!(
            (c.value(0.5), c.value(1.5), c.value(2.5), c.value(7.0)),
            (1.0, 2.0, 3.0, 3.0)
        );
        assert_eq!(c.breakpoints(), vec![1.0, 2.0]);
        let edges = read("g = { edges = [0.0, 0.5, 2.0], values = [4.0, -1.0] }").unwrap();
        assert_eq!(edges.control().value(1.0), -1.0);
        let h = read("g = { a = 2.0, omega = 3.0, b = 0.5 }").unwrap();
        let t = 0.7;
        assert!((h.control().value(t) - (2.0 * (3.0 * t).cos() + 0.5)).abs() < 1e-15);
        assert_eq!(h.constant_value(), None);
        assert_eq!(h.max_abs(), 2.5);
    }

    #[test]
    fn bad_forms_say_what_is_accepted() {
        let e = read("g = { amplitude = 1.0 }").unwrap_err();
        assert!(e.contains("expected a number"), "{e}");
        let e = read("g = { values = [], until = 1.0 }").unwrap_err();
        assert!(e.contains("values"), "{e}");
        let e = read("g = { values = [1.0], until = -1.0 }").unwrap_err();
        assert!(e.contains("until"), "{e}");
        let bad = read("g = { edges = [0.0, 0.0], values = [1.0] }").unwrap();
        let e = bad.validate("coupling.g").unwrap_err().to_string();
        assert!(e.contains("coupling.g.edges[1]"), "{e}");
    }
}
