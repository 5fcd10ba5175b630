//! Scenario files: TOML with a `model` key, read into the model's own checked parameters.
//!
//! A scenario is parsed in two steps, as ripgrep parses flags: first the raw TOML table
//! (with `--set dotted.key=value` overrides applied to it), then the model's `Params`
//! (serde, `deny_unknown_fields`), which the library validates. Every error names the file
//! and the field.

use anyhow::{anyhow, bail, Context, Result};
use qbattery::models::{cavity_chain, central_spin, micromaser, tavis_cummings};
use std::path::{Path, PathBuf};

/// The scenario that runs when no file is given: the Tavis–Cummings battery.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../examples/tavis_cummings.toml");

/// A model with its checked parameters.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Scenario {
    /// N two-level cells in one cavity mode.
    TavisCummings(tavis_cummings::Params),
    /// A cavity charging a Heisenberg spin-j chain (paper 000).
    CavityChain(cavity_chain::Params),
    /// N_B battery spins charged by N bath spins, in the Dicke basis (paper 004).
    CentralSpin(central_spin::Params),
    /// A cavity charged by a stream of qubits, one collision each (paper 001).
    Micromaser(micromaser::Params),
}

/// The model names a scenario may use.
pub const MODELS: &[&str] = &[
    "tavis_cummings",
    "cavity_chain",
    "central_spin",
    "micromaser",
];

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

/// Reads, overrides, parses and validates a scenario.
pub fn load(path: Option<&Path>, overrides: &[String]) -> Result<(Scenario, Source)> {
    let source = Source {
        path: path.map(Path::to_path_buf),
        overrides: overrides.to_vec(),
    };
    let text = match path {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read scenario file {}", p.display()))?,
        None => DEFAULT_SCENARIO.to_string(),
    };
    let scenario = parse(&text, overrides).with_context(|| format!("in {}", source.name()))?;
    Ok((scenario, source))
}

/// Parses scenario text with overrides applied.
pub fn parse(text: &str, overrides: &[String]) -> Result<Scenario> {
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| anyhow!("{e}"))?;
    for o in overrides {
        apply_override(&mut table, o)?;
    }
    let model = match table.remove("model") {
        Some(toml::Value::String(m)) => m,
        Some(other) => bail!("`model` must be a string, one of {MODELS:?}; found {other}"),
        None => bail!("missing key `model`: one of {MODELS:?}"),
    };
    let value = toml::Value::Table(table);
    let scenario = match model.as_str() {
        "tavis_cummings" => Scenario::TavisCummings(params(&model, value)?),
        "cavity_chain" => Scenario::CavityChain(params(&model, value)?),
        "central_spin" => Scenario::CentralSpin(params(&model, value)?),
        "micromaser" => Scenario::Micromaser(params(&model, value)?),
        other => bail!("unknown model `{other}`: one of {MODELS:?}"),
    };
    scenario.validate()?;
    Ok(scenario)
}

/// Deserialises a model's parameters; errors carry the dotted path of the field.
fn params<T: serde::de::DeserializeOwned>(model: &str, value: toml::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let detail = inner.message().to_string();
        if path == "." {
            anyhow!("invalid parameters for model `{model}`: {detail}")
        } else {
            anyhow!("invalid parameters for model `{model}`: {path}: {detail}")
        }
    })
}

impl Scenario {
    /// The library's physical checks (ranges, cutoffs, …).
    pub fn validate(&self) -> Result<()> {
        match self {
            Scenario::TavisCummings(p) => p.validate()?,
            Scenario::CavityChain(p) => p.validate()?,
            Scenario::CentralSpin(p) => p.validate()?,
            Scenario::Micromaser(p) => p.validate()?,
        }
        Ok(())
    }

    /// The model's name as written in scenario files.
    pub fn model(&self) -> &'static str {
        match self {
            Scenario::TavisCummings(_) => "tavis_cummings",
            Scenario::CavityChain(_) => "cavity_chain",
            Scenario::CentralSpin(_) => "central_spin",
            Scenario::Micromaser(_) => "micromaser",
        }
    }
}

/// Applies `dotted.key=value` to a table; the value is read as TOML (`0.5`, `true`,
/// `[1, 2]`, `"text"`), and a bare word that is not valid TOML is taken as a string. Missing
/// tables are created; a numeric path component indexes an existing array, e.g.
/// `stream.0.c=0.47`.
pub fn apply_override(table: &mut toml::Table, assignment: &str) -> Result<()> {
    let (key, raw) = assignment
        .split_once('=')
        .ok_or_else(|| anyhow!("--set {assignment}: expected dotted.key=value"))?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        bail!("--set {assignment}: the key must be a dotted path such as `time.t_max`");
    }
    let parts: Vec<&str> = key.split('.').collect();
    let (first, rest) = parts.split_first().expect("non-empty key");
    let mut node = table
        .entry(first.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    for (depth, part) in rest.iter().enumerate() {
        let here = parts[..=depth].join(".");
        node = match node {
            toml::Value::Table(t) => t
                .entry(part.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new())),
            toml::Value::Array(a) => {
                let len = a.len();
                let i: usize = part.parse().map_err(|_| {
                    anyhow!("--set {assignment}: `{here}` is an array; `{part}` is not an index")
                })?;
                a.get_mut(i).ok_or_else(|| anyhow!("--set {assignment}: index {i} is out of range (`{here}` has {len} entries)"))?
            }
            _ => bail!("--set {assignment}: `{here}` is not a table"),
        };
    }
    *node = parse_value(raw.trim());
    Ok(())
}

fn parse_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").expect("key v was just written"),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses() {
        let s = parse(DEFAULT_SCENARIO, &[]).unwrap();
        assert_eq!(s.model(), "tavis_cummings");
    }

    #[test]
    fn overrides_reach_nested_keys_and_are_typed() {
        let mut t: toml::Table = "a = 1\n[b]\nc = 2.0\n".parse().unwrap();
        apply_override(&mut t, "b.c=0.25").unwrap();
        apply_override(&mut t, "b.flag=false").unwrap();
        apply_override(&mut t, "d.e=word").unwrap();
        assert_eq!(t["b"]["c"].as_float(), Some(0.25));
        assert_eq!(t["b"]["flag"].as_bool(), Some(false));
        assert_eq!(t["d"]["e"].as_str(), Some("word"));
        assert!(apply_override(&mut t, "a.x=1").is_err());
        assert!(apply_override(&mut t, "novalue").is_err());
        let mut t: toml::Table = "[[stream]]\nc = 0.1\nq = 0.2\n".parse().unwrap();
        apply_override(&mut t, "stream.0.c=0.47").unwrap();
        assert_eq!(t["stream"][0]["c"].as_float(), Some(0.47));
        assert!(apply_override(&mut t, "stream.3.c=0.4").is_err());
        assert!(apply_override(&mut t, "stream.x.c=0.4").is_err());
    }

    #[test]
    fn errors_name_the_field() {
        let err = parse(DEFAULT_SCENARIO, &["coupling.g_typo=1".into()]).unwrap_err();
        assert!(format!("{err:#}").contains("g_typo"), "{err:#}");
        let err = parse("model = \"nope\"", &[]).unwrap_err();
        assert!(format!("{err:#}").contains("tavis_cummings"), "{err:#}");
        let err = parse(DEFAULT_SCENARIO, &["cavity.n_th=-1".into()]).unwrap_err();
        assert!(format!("{err:#}").contains("n_th"), "{err:#}");
    }
}
