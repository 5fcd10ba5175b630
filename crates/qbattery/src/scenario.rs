//! Scenario files: TOML with a `model` key, read into that model's checked parameters
//! through the registry ([`crate::models::registry`]). The one loader of every front end.
//!
//! A scenario is read in two steps: first the raw TOML table, with `dotted.key=value`
//! overrides applied to it ([`apply_override`]); then the model's parameters (serde,
//! unknown keys rejected), which are checked. Every error names the field.

use crate::error::{Error, Result};
use crate::models::{registry, Model};

/// Reads scenario text (TOML), applies `overrides` and loads the model it names.
pub fn load(text: &str, overrides: &[String]) -> Result<Box<dyn Model>> {
    load_table(table(text, overrides)?)
}

/// Scenario text as a TOML table with `overrides` applied.
pub fn table(text: &str, overrides: &[String]) -> Result<toml::Table> {
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::Scenario {
        message: format!("not a valid TOML file: {e}"),
    })?;
    for o in overrides {
        apply_override(&mut table, o)?;
    }
    Ok(table)
}

/// Loads the model that a scenario table names in its `model` key.
pub fn load_table(mut table: toml::Table) -> Result<Box<dyn Model>> {
    let names = registry::names();
    if table.contains_key("control") {
        return Err(scenario_error(
            "this scenario has a `[control]` table (optimal control of a drive): run it with `qbattery optimize`".into(),
        ));
    }
    let model = match table.remove("model") {
        Some(toml::Value::String(m)) => m,
        Some(other) => {
            return Err(scenario_error(format!(
                "`model` must be a string, one of {names:?}; found {other}"
            )))
        }
        None => {
            return Err(scenario_error(format!(
                "missing key `model`: one of {names:?}"
            )))
        }
    };
    let entry = registry::find(&model)
        .ok_or_else(|| scenario_error(format!("unknown model `{model}`: one of {names:?}")))?;
    (entry.load)(toml::Value::Table(table)).map_err(|e| match e {
        Error::Scenario { message } => {
            scenario_error(format!("invalid parameters for model `{model}`: {message}"))
        }
        other => other,
    })
}

fn scenario_error(message: String) -> Error {
    Error::Scenario { message }
}

/// Applies `dotted.key=value` to a table; the value is read as TOML (`0.5`, `true`,
/// `[1, 2]`, `"text"`, `{ a = 1 }`), and a bare word that is not valid TOML is taken as a
/// string. Missing tables are created; a numeric path component indexes an existing
/// array, e.g. `stream.0.c=0.47`.
pub fn apply_override(table: &mut toml::Table, assignment: &str) -> Result<()> {
    let err = |m: String| scenario_error(format!("--set {assignment}: {m}"));
    let (key, raw) = assignment
        .split_once('=')
        .ok_or_else(|| err("expected dotted.key=value".into()))?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(err(
            "the key must be a dotted path such as `time.t_max`".into()
        ));
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
                let i: usize = part
                    .parse()
                    .map_err(|_| err(format!("`{here}` is an array; `{part}` is not an index")))?;
                a.get_mut(i).ok_or_else(|| {
                    err(format!(
                        "index {i} is out of range (`{here}` has {len} entries)"
                    ))
                })?
            }
            _ => return Err(err(format!("`{here}` is not a table"))),
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
    fn overrides_reach_nested_keys_and_are_typed() {
        let mut t: toml::Table = "a = 1\n[b]\nc = 2.0\n".parse().unwrap();
        apply_override(&mut t, "b.c=0.25").unwrap();
        apply_override(&mut t, "b.flag=false").unwrap();
        apply_override(&mut t, "d.e=word").unwrap();
        apply_override(&mut t, "b.g={ a = 1.0, omega = 2.0 }").unwrap();
        assert_eq!(t["b"]["c"].as_float(), Some(0.25));
        assert_eq!(t["b"]["flag"].as_bool(), Some(false));
        assert_eq!(t["d"]["e"].as_str(), Some("word"));
        assert_eq!(t["b"]["g"]["omega"].as_float(), Some(2.0));
        assert!(apply_override(&mut t, "a.x=1").is_err());
        assert!(apply_override(&mut t, "novalue").is_err());
        let mut t: toml::Table = "[[stream]]\nc = 0.1\nq = 0.2\n".parse().unwrap();
        apply_override(&mut t, "stream.0.c=0.47").unwrap();
        assert_eq!(t["stream"][0]["c"].as_float(), Some(0.47));
        assert!(apply_override(&mut t, "stream.3.c=0.4").is_err());
        assert!(apply_override(&mut t, "stream.x.c=0.4").is_err());
    }

    #[test]
    fn unknown_models_list_the_registry() {
        let msg = load("model = \"nope\"", &[]).err().unwrap().to_string();
        for name in registry::names() {
            assert!(msg.contains(name), "{msg}");
        }
        let msg = load("x = 1", &[]).err().unwrap().to_string();
        assert!(msg.contains("missing key `model`"), "{msg}");
        let msg = load("model = [", &[]).err().unwrap().to_string();
        assert!(msg.contains("TOML"), "{msg}");
    }
}
