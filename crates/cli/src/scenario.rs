//! Scenario files for the command line: reading the file (or the embedded default) and
//! handing it, with the `--set` overrides, to the library's one loader
//! ([`qbattery::scenario`]). Every error names the file and the field.

use anyhow::{Context, Result};
use qbattery::models::control::ControlSpec;
use qbattery::models::Model;
use std::path::{Path, PathBuf};

/// The scenario that runs when no file is given: the Tavis–Cummings battery.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../examples/tavis_cummings.toml");

/// Where a scenario came from, for messages and provenance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Source {
    /// The file, or `None` for the embedded default.
    pub path: Option<PathBuf>,
    /// The overrides applied, as given.
    pub overrides: Vec<String>,
}

impl Source {
    /// The name used in messages.
    pub fn name(&self) -> String {
        self.path.as_ref().map_or_else(
            || "<embedded default scenario>".to_string(),
            |p| p.display().to_string(),
        )
    }
}

/// The text of the scenario at `path` (the embedded default when `None`).
pub fn read(path: Option<&Path>) -> Result<String> {
    match path {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read scenario file {}", p.display())),
        None => Ok(DEFAULT_SCENARIO.to_string()),
    }
}

/// [`load`] for a scenario that may hold a `[control]` table (optimal control): then the
/// model with its drive at a placeholder protocol, and the control settings.
pub fn load_with_control(
    path: Option<&Path>,
    overrides: &[String],
) -> Result<(Box<dyn Model>, Source, Option<ControlSpec>)> {
    let source = Source {
        path: path.map(Path::to_path_buf),
        overrides: overrides.to_vec(),
    };
    let in_source = || format!("in {}", source.name());
    let table = qbattery::scenario::table(&read(path)?, overrides).with_context(in_source)?;
    if !table.contains_key("control") {
        let model = qbattery::scenario::load_table(table).with_context(in_source)?;
        return Ok((model, source, None));
    }
    let spec = ControlSpec::from_scenario(&table).with_context(in_source)?;
    let model = spec.model(&table).with_context(in_source)?;
    Ok((model, source, Some(spec)))
}

/// Reads, overrides, parses and checks a scenario.
pub fn load(path: Option<&Path>, overrides: &[String]) -> Result<(Box<dyn Model>, Source)> {
    let source = Source {
        path: path.map(Path::to_path_buf),
        overrides: overrides.to_vec(),
    };
    let text = read(path)?;
    let model = qbattery::scenario::load(&text, overrides)
        .with_context(|| format!("in {}", source.name()))?;
    Ok((model, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, overrides: &[String]) -> qbattery::Result<Box<dyn Model>> {
        qbattery::scenario::load(text, overrides)
    }

    #[test]
    fn embedded_default_parses() {
        assert_eq!(
            parse(DEFAULT_SCENARIO, &[]).unwrap().name(),
            "tavis_cummings"
        );
    }

    #[test]
    fn every_example_loads() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml")
                && !path.ends_with("micromaser_optimize.toml")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let table = qbattery::scenario::table(&text, &[]).unwrap();
                let loaded = if table.contains_key("control") {
                    // An optimal-control scenario: its settings and its model with a protocol.
                    let spec = qbattery::models::control::ControlSpec::from_scenario(&table)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    spec.scenario_with(&table, &vec![0.5; spec.steps])
                        .and_then(qbattery::scenario::load_table)
                } else {
                    parse(&text, &[])
                };
                loaded.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 5, "{n} examples");
    }

    #[test]
    fn errors_name_the_field() {
        let err = parse(DEFAULT_SCENARIO, &["coupling.g_typo=1".into()])
            .err()
            .unwrap();
        assert!(err.to_string().contains("g_typo"), "{err}");
        let err = parse("model = \"nope\"", &[]).err().unwrap();
        assert!(err.to_string().contains("tavis_cummings"), "{err}");
        let err = parse(DEFAULT_SCENARIO, &["cavity.n_th=-1".into()])
            .err()
            .unwrap();
        assert!(err.to_string().contains("n_th"), "{err}");
        let err = parse(DEFAULT_SCENARIO, &["coupling.g={ amplitude = 1 }".into()])
            .err()
            .unwrap();
        assert!(err.to_string().contains("coupling.g"), "{err}");
    }
}
