//! `model = "custom"`: a battery declared in the scenario file — its subsystems, named
//! parameters, the Hamiltonian and the battery's Hamiltonian as operator expressions
//! ([`expr`], evaluated by [`evaluate`]), driven terms f(t)·H_k, jump operators with
//! rates, and a product initial state — run by the same engine as the built-in models.
//!
//! Checks: every expression is parsed and evaluated when the scenario is loaded (errors
//! give the field, the line and the column); H, H_B, the drive and `ground` operators
//! must be Hermitian;
//! the excitation number (U(1)) or its parity (Z2), whichever H conserves, is found from
//! the built matrix and used for symmetry blocks, as the built-in models declare theirs;
//! site reflections are found by the engine as for every model.

pub mod evaluate;
pub mod expr;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use self::evaluate::{Scope, Value};
use super::model::{Parameters, TimeEvolution};
use crate::error::{Error, Result, Warning};
use crate::operators::opsum::OpSum;
use crate::sector::{Charge, Subspace};
use crate::simulation::{Battery, Drive, OutputSettings, Problem, SolverSettings, TimeGrid, Units};
use crate::space::{Space, Subsystem};
use crate::states::{basis, coherent, thermal, Factor, LocalState, ProductState};
use qbattery_linalg::c64;

/// Largest full-space dimension on which the conserved charge is looked for (the check
/// builds H there).
const CHARGE_SEARCH_MAX_DIM: usize = 200_000;

/// Relative size of H − H† above which an operator counts as not Hermitian.
const HERMITIAN_TOL: f64 = 1e-12;

/// Relative tolerance under which two levels of a `ground` operator count as degenerate.
const DEGENERACY_TOL: f64 = 1e-9;

/// The kind of a declared subsystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A spin-1/2.
    Qubit,
    /// A spin j = two_j / 2.
    Spin,
    /// A boson mode with `levels` Fock states.
    Mode,
    /// The symmetric subspace of `n` spin-1/2 (a collective spin n/2).
    Dicke,
}

/// A declared subsystem, or an array of `count` alike ones (`name[1]` … `name[count]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsystemSpec {
    /// Its name in expressions.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// Spins: twice the spin (or give `j`).
    #[serde(default)]
    pub two_j: Option<u32>,
    /// Spins: the spin j (1/2, 1, 3/2, …), instead of `two_j`.
    #[serde(default)]
    pub j: Option<f64>,
    /// Modes: the number of Fock states.
    #[serde(default)]
    pub levels: Option<usize>,
    /// Dicke ensembles: the number of spin-1/2.
    #[serde(default)]
    pub n: Option<u32>,
    /// An array of this many (a number, or an expression in the parameters such as
    /// `"N - 1"`); absent: one.
    #[serde(default)]
    pub count: Option<toml::Value>,
}

/// An operator written as one expression or as a list of terms (summed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Terms {
    /// `"ω n(cav) + g (…)"`.
    One(String),
    /// `["ω n(cav)", "g (…)"]`.
    Many(Vec<String>),
}

/// The battery: which subsystems it is made of and its Hamiltonian H_B on them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatterySpec {
    /// Names of declared subsystems (arrays whole).
    pub subsystems: Vec<String>,
    /// H_B, an expression (or a list of terms) on those subsystems only.
    pub hamiltonian: Terms,
}

/// A driven term f(t) · operator (the drives of the model API: a number, a piecewise
/// schedule, `{ a, omega, b }` for A cos ωt + B, …; see the README's "Drives").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriveSpec {
    /// The operator it multiplies, a Hermitian expression.
    pub operator: String,
    /// f(t).
    pub value: Drive,
}

/// A jump operator L = √rate · operator.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JumpSpec {
    /// The operator, an expression.
    pub operator: String,
    /// The rate (≥ 0), an expression in the parameters; default 1.
    #[serde(default)]
    pub rate: Option<String>,
    /// One jump operator per value of an index, `"i=1..N"` (individual baths: operator
    /// `sm(q[i])`, rate in `i`).
    #[serde(default)]
    pub each: Option<String>,
}

/// The initial state of a subsystem (every element of an array), one of `level`,
/// `thermal`, `coherent` or `ground`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialSpec {
    /// A declared subsystem, an array (every element) or one element `name[k]`.
    pub subsystem: String,
    /// The basis level k (from the bottom: Fock number, m + j for spins).
    #[serde(default)]
    pub level: Option<usize>,
    /// Modes: a thermal state with this mean occupation.
    #[serde(default)]
    pub thermal: Option<f64>,
    /// Modes: a coherent state |α⟩ with this real α.
    #[serde(default)]
    pub coherent: Option<f64>,
    /// The ground state of this operator (an expression on the subsystem alone; an array's
    /// elements together), e.g. a chain's H_B. A degenerate ground level is warned about.
    #[serde(default)]
    pub ground: Option<String>,
}

/// A custom scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The parameter whose value is the unit of frequency (e.g. `omega_a`); absent:
    /// dimensionless numbers.
    #[serde(default)]
    pub units: Option<String>,
    /// Named numbers used in the expressions (`--set parameters.g=0.3`).
    #[serde(default)]
    pub parameters: BTreeMap<String, f64>,
    /// Named operators, usable by name in every expression (e.g. `HB`, then
    /// `hamiltonian = "… + HB"`, `battery.hamiltonian = "HB"`, `ground = "HB"`).
    #[serde(default)]
    pub operators: BTreeMap<String, String>,
    /// The subsystems, in tensor order.
    #[serde(rename = "subsystem")]
    pub subsystems: Vec<SubsystemSpec>,
    /// The Hamiltonian H, an expression or a list of terms.
    pub hamiltonian: Terms,
    /// The battery.
    pub battery: BatterySpec,
    /// Driven terms f_k(t) H_k added to H.
    #[serde(default, rename = "drive")]
    pub drives: Vec<DriveSpec>,
    /// Jump operators (none: a closed system).
    #[serde(default, rename = "jump")]
    pub jumps: Vec<JumpSpec>,
    /// The initial state, subsystem by subsystem.
    pub initial: Vec<InitialSpec>,
    /// Output times.
    pub time: TimeGrid,
    /// Solver settings.
    #[serde(default)]
    pub solver: SolverSettings,
    /// Metrics and diagnostics.
    #[serde(default)]
    pub output: OutputSettings,
}

/// A number from the expression `source` (the field `field`) in the parameters, with
/// the summation indices `indices` bound.
fn number(
    parameters: &BTreeMap<String, f64>,
    field: &str,
    source: &str,
    indices: &[(String, i64)],
) -> Result<c64> {
    let node = parse(field, source)?;
    let (space, sites, definitions) = (Space::new(), BTreeMap::new(), BTreeMap::new());
    let scope = Scope {
        parameters,
        space: &space,
        sites: &sites,
        definitions: &definitions,
        depth: 0,
        field,
        source,
    };
    match scope.value(&node, indices)? {
        Value::Number(v) => Ok(v),
        Value::Operator(_) => Err(scenario(format!(
            "{field}: expected a number, found an operator"
        ))),
    }
}

/// A whole number from an expression in the parameters, in `range`.
fn whole(
    parameters: &BTreeMap<String, f64>,
    field: &str,
    source: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64> {
    let v = number(parameters, field, source, &[])?;
    let ok = v.im == 0.0 && v.re.fract() == 0.0 && range.contains(&(v.re as i64));
    if !ok {
        return Err(Error::invalid(
            field,
            format!("{source} = {}", show(v)),
            format!("a whole number from {} to {}", range.start(), range.end()),
        ));
    }
    Ok(v.re as i64)
}

/// An index range `"i=a..b"`: the index's name and the bounds (expressions in the
/// parameters).
fn index_range(
    parameters: &BTreeMap<String, f64>,
    field: &str,
    range: &str,
) -> Result<(String, i64, i64)> {
    let form = || {
        scenario(format!(
            "{field}: expected `i=a..b` (e.g. \"i=1..N\"), found {range:?}"
        ))
    };
    let (var, bounds) = range.split_once('=').ok_or_else(form)?;
    let (from, to) = bounds.split_once("..").ok_or_else(form)?;
    let var = var.trim();
    if !is_name(var) {
        return Err(form());
    }
    let bounds = -1_000_000..=1_000_000;
    let from = whole(parameters, field, from, bounds.clone())?;
    let to = whole(parameters, field, to, bounds)?;
    Ok((var.to_string(), from, to))
}

/// Whether `s` can be a name in expressions: letters, digits and `_`, not starting with a
/// digit (the lexer's names).
fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A number as written in messages: real ones without an imaginary part.
fn show(v: c64) -> String {
    if v.im == 0.0 {
        v.re.to_string()
    } else {
        v.to_string()
    }
}

/// `source` parsed, a syntax error located in it.
fn parse(field: &str, source: &str) -> Result<expr::Node> {
    expr::parse(source).map_err(|e| {
        scenario(format!(
            "{field}: {}",
            expr::Located {
                source,
                offset: e.offset,
                message: &e.message
            }
        ))
    })
}

fn scenario(message: impl Into<String>) -> Error {
    Error::Scenario {
        message: message.into(),
    }
}

/// The space of `specs` and the sites of each declared name.
fn declared_space(
    specs: &[SubsystemSpec],
    parameters: &BTreeMap<String, f64>,
) -> Result<(Space, BTreeMap<String, Vec<usize>>)> {
    let mut space = Space::new();
    let mut sites = BTreeMap::new();
    for (k, s) in specs.iter().enumerate() {
        let field = |f: &str| format!("subsystem[{}].{f}", k + 1);
        if !is_name(&s.name) {
            return Err(Error::invalid(
                field("name"),
                format!("{:?}", s.name),
                "a name of letters, digits and _, not starting with a digit",
            ));
        }
        if sites.contains_key(&s.name) || parameters.contains_key(&s.name) {
            return Err(Error::invalid(
                field("name"),
                &s.name,
                "a name not used by another subsystem or a parameter",
            ));
        }
        // The one size field each kind takes.
        let required = match s.kind {
            Kind::Qubit => None,
            Kind::Spin => Some("two_j"),
            Kind::Mode => Some("levels"),
            Kind::Dicke => Some("n"),
        };
        if s.j.is_some() && s.two_j.is_some() {
            return Err(scenario(format!(
                "{}: give `two_j` or `j`, not both",
                field("j")
            )));
        }
        if s.j.is_some() && s.kind != Kind::Spin {
            return Err(scenario(format!(
                "{}: `j` does not apply to a {:?} subsystem",
                field("j"),
                s.kind
            )));
        }
        let two_j = match s.j {
            Some(j) if (2.0 * j).fract() == 0.0 && (0.5..=1000.0).contains(&j) => {
                Some((2.0 * j) as u32)
            }
            Some(j) => return Err(Error::invalid(field("j"), j, "a positive multiple of 1/2")),
            None => s.two_j,
        };
        let given = [
            ("two_j", two_j.is_some()),
            ("levels", s.levels.is_some()),
            ("n", s.n.is_some()),
        ];
        for (what, present) in given {
            if Some(what) == required && !present {
                let or_j = if what == "two_j" { " (or `j`)" } else { "" };
                return Err(scenario(format!(
                    "{}: a {:?} subsystem needs `{what}`{or_j}",
                    field("kind"),
                    s.kind
                )));
            }
            if Some(what) != required && present {
                return Err(scenario(format!(
                    "{}: `{what}` does not apply to a {:?} subsystem",
                    field(what),
                    s.kind
                )));
            }
        }
        let subsystem = match s.kind {
            Kind::Qubit => Subsystem::QUBIT,
            Kind::Spin => Subsystem::Spin {
                two_j: two_j.unwrap_or(0),
            },
            Kind::Mode => Subsystem::Mode {
                levels: s.levels.unwrap_or(0),
            },
            Kind::Dicke => Subsystem::Dicke {
                n: s.n.unwrap_or(0),
            },
        };
        subsystem.validate(&field("kind"))?;
        let count = match &s.count {
            None => None,
            Some(toml::Value::Integer(c)) if (1..=64).contains(c) => Some(*c as usize),
            Some(toml::Value::String(e)) => Some(whole(parameters, &field("count"), e, 1..=64)? as usize),
            Some(v) => {
                return Err(Error::invalid(
                    field("count"),
                    v,
                    "a whole number from 1 to 64, or an expression in the parameters (\"N\", \"N - 1\")",
                ))
            }
        };
        let mut mine = Vec::new();
        match count {
            None => {
                mine.push(space.len());
                space = space.with(s.name.clone(), subsystem)?;
            }
            Some(c) => {
                for i in 1..=c {
                    mine.push(space.len());
                    space = space.with(format!("{}[{i}]", s.name), subsystem)?;
                }
            }
        }
        sites.insert(s.name.clone(), mine);
    }
    if space.is_empty() {
        return Err(scenario("a custom model needs at least one [[subsystem]]"));
    }
    Ok((space, sites))
}

impl Params {
    /// Parses and evaluates `source` (the field `field`) as an operator on `space`.
    /// The sum of `terms` (the field `field`; its elements `field[k]`).
    fn terms(
        &self,
        field: &str,
        terms: &Terms,
        space: &Space,
        sites: &BTreeMap<String, Vec<usize>>,
    ) -> Result<OpSum> {
        match terms {
            Terms::One(source) => self.operator(field, source, space, sites, &[]),
            Terms::Many(list) => {
                let mut total = OpSum::new();
                for (k, source) in list.iter().enumerate() {
                    let term = format!("{field}[{}]", k + 1);
                    total.extend(self.operator(&term, source, space, sites, &[])?);
                }
                Ok(total)
            }
        }
    }

    fn operator(
        &self,
        field: &str,
        source: &str,
        space: &Space,
        sites: &BTreeMap<String, Vec<usize>>,
        indices: &[(String, i64)],
    ) -> Result<OpSum> {
        let node = parse(field, source)?;
        let scope = Scope {
            parameters: &self.parameters,
            space,
            sites,
            definitions: &self.operators,
            depth: 0,
            field,
            source,
        };
        match scope.value(&node, indices)? {
            Value::Operator(op) => Ok(op),
            // `0`: the zero operator (e.g. no static Hamiltonian besides the drives).
            Value::Number(v) if v == c64::new(0.0, 0.0) => Ok(OpSum::new()),
            Value::Number(v) => Err(scenario(format!("{field}: `{source}` is the number {v}, not an operator (write v id(site) for a multiple of the identity)"))),
        }
    }

    /// The model's problem (every check of the module documentation).
    pub fn problem(&self) -> Result<(Problem, Vec<Warning>)> {
        for (name, v) in &self.parameters {
            if !v.is_finite() {
                return Err(Error::invalid(
                    format!("parameters.{name}"),
                    v,
                    "a finite number",
                ));
            }
        }
        let (space, sites) = declared_space(&self.subsystems, &self.parameters)?;
        for name in self.operators.keys() {
            if self.parameters.contains_key(name) || sites.contains_key(name) {
                return Err(Error::invalid(
                    format!("operators.{name}"),
                    name,
                    "a name not used by a parameter or a subsystem",
                ));
            }
        }
        let hamiltonian = self.terms("hamiltonian", &self.hamiltonian, &space, &sites)?;
        hermitian("hamiltonian", &hamiltonian, &space)?;

        // The battery on its own space: its subsystems' sites re-indexed from 0.
        let mut battery_sites = Vec::new();
        let mut battery_names = BTreeMap::new();
        let mut battery_space = Space::new();
        for name in &self.battery.subsystems {
            let Some(these) = sites.get(name) else {
                return Err(scenario(format!(
                    "battery.subsystems: unknown subsystem `{name}` (declared: {})",
                    sites.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            };
            if battery_names.contains_key(name) {
                return Err(scenario(format!(
                    "battery.subsystems: `{name}` is listed twice"
                )));
            }
            let mut local = Vec::new();
            for &s in these {
                local.push(battery_space.len());
                battery_space = battery_space
                    .with(space.sites()[s].name.clone(), space.sites()[s].subsystem)?;
                battery_sites.push(s);
            }
            battery_names.insert(name.clone(), local);
        }
        if battery_sites.is_empty() {
            return Err(scenario("battery.subsystems: name at least one subsystem"));
        }
        let h_b = self.terms(
            "battery.hamiltonian",
            &self.battery.hamiltonian,
            &battery_space,
            &battery_names,
        )?;
        hermitian("battery.hamiltonian", &h_b, &battery_space)?;

        let mut jumps = Vec::new();
        for (k, j) in self.jumps.iter().enumerate() {
            let field = format!("jump[{}]", k + 1);
            // One jump operator per value of the `each` index, or one.
            let values: Vec<Vec<(String, i64)>> = match &j.each {
                None => vec![Vec::new()],
                Some(range) => {
                    let (var, from, to) =
                        index_range(&self.parameters, &format!("{field}.each"), range)?;
                    (from..=to).map(|v| vec![(var.clone(), v)]).collect()
                }
            };
            for indices in values {
                let rate = match &j.rate {
                    Some(r) => number(&self.parameters, &format!("{field}.rate"), r, &indices)?,
                    None => c64::new(1.0, 0.0),
                };
                if rate.im != 0.0 || rate.re < 0.0 || !rate.re.is_finite() {
                    return Err(Error::invalid(
                        format!("{field}.rate"),
                        show(rate),
                        "a real number ≥ 0",
                    ));
                }
                let op = self.operator(
                    &format!("{field}.operator"),
                    &j.operator,
                    &space,
                    &sites,
                    &indices,
                )?;
                if rate.re > 0.0 {
                    jumps.push(op.scaled(rate.re.sqrt()));
                }
            }
        }

        let mut driven = Vec::new();
        for (k, d) in self.drives.iter().enumerate() {
            let field = format!("drive[{}]", k + 1);
            d.value.validate(&format!("{field}.value"))?;
            let op = self.operator(
                &format!("{field}.operator"),
                &d.operator,
                &space,
                &sites,
                &[],
            )?;
            hermitian(&format!("{field}.operator"), &op, &space)?;
            driven.push((format!("{field}.value"), op));
        }

        let (initial, warnings) = self.initial_state(&space, &sites)?;
        // The charge must hold for H₀ and every driven operator.
        let mut all = hamiltonian.clone();
        for (_, op) in &driven {
            all.extend(op.clone());
        }
        let charge = conserved_charge(&all, &space)?;
        let mut problem = Problem {
            space,
            hamiltonian,
            drives: Vec::new(),
            jumps,
            initial,
            charge,
            battery: Battery {
                sites: battery_sites,
                space: battery_space,
                hamiltonian: h_b,
                full_spectrum: None,
            },
        };
        for ((name, op), d) in driven.into_iter().zip(&self.drives) {
            problem.add_drive(&name, &d.value, op);
        }
        Ok((problem, warnings))
    }

    /// The product initial state of `[[initial]]`, every site covered once, and the
    /// warnings of its ground states.
    fn initial_state(
        &self,
        space: &Space,
        sites: &BTreeMap<String, Vec<usize>>,
    ) -> Result<(ProductState, Vec<Warning>)> {
        let mut state: Vec<Option<LocalState>> = vec![None; space.len()];
        let mut factors = Vec::new();
        let mut covered = vec![false; space.len()];
        let mut warnings = Vec::new();
        for (k, spec) in self.initial.iter().enumerate() {
            let field = |f: &str| format!("initial[{}].{f}", k + 1);
            let targets: Vec<usize> = match sites.get(&spec.subsystem) {
                Some(all) => all.clone(),
                None => match space.sites().iter().position(|s| s.name == spec.subsystem) {
                    Some(s) => vec![s],
                    None => {
                        return Err(scenario(format!(
                            "{}: unknown subsystem `{}` (declared: {})",
                            field("subsystem"),
                            spec.subsystem,
                            sites.keys().cloned().collect::<Vec<_>>().join(", ")
                        )))
                    }
                },
            };
            let given = [
                spec.level.is_some(),
                spec.thermal.is_some(),
                spec.coherent.is_some(),
                spec.ground.is_some(),
            ];
            if given.iter().filter(|&&g| g).count() != 1 {
                return Err(scenario(format!(
                    "initial[{}]: give exactly one of `level`, `thermal`, `coherent`, `ground`",
                    k + 1
                )));
            }
            if targets.iter().any(|&s| covered[s] || state[s].is_some()) {
                return Err(scenario(format!(
                    "{}: {} already has an initial state",
                    field("subsystem"),
                    spec.subsystem
                )));
            }
            if let Some(source) = &spec.ground {
                // The operator on these sites alone, re-indexed from 0.
                let mut local_space = Space::new();
                for &s in &targets {
                    local_space = local_space
                        .with(space.sites()[s].name.clone(), space.sites()[s].subsystem)?;
                }
                let local_sites =
                    BTreeMap::from([(spec.subsystem.clone(), (0..targets.len()).collect())]);
                let op =
                    self.operator(&field("ground"), source, &local_space, &local_sites, &[])?;
                hermitian(&field("ground"), &op, &local_space)?;
                let h = op.build(&Subspace::full(&local_space)?)?.to_dense();
                let scale = h.norm_max().max(1.0);
                let ground = crate::states::ground_state(h.as_ref(), DEGENERACY_TOL * scale)?;
                warnings.extend(ground.warnings);
                for &s in &targets {
                    covered[s] = true;
                }
                factors.push(Factor {
                    sites: targets,
                    state: LocalState::Ket(ground.ket),
                });
                continue;
            }
            for s in targets {
                let subsystem = space.sites()[s].subsystem;
                let dim = subsystem.dim();
                let local = if let Some(level) = spec.level {
                    if level >= dim {
                        return Err(Error::invalid(
                            field("level"),
                            level,
                            format!("< {dim} (the levels of {})", space.sites()[s].name),
                        ));
                    }
                    LocalState::Ket(basis(dim, level)?)
                } else if !matches!(subsystem, Subsystem::Mode { .. }) {
                    return Err(scenario(format!(
                        "{}: thermal and coherent states are for modes; {} is a {}",
                        field("subsystem"),
                        space.sites()[s].name,
                        subsystem.describe()
                    )));
                } else if let Some(n) = spec.thermal {
                    if n.is_nan() || n < 0.0 {
                        return Err(Error::invalid(field("thermal"), n, "≥ 0"));
                    }
                    LocalState::Density(thermal(dim, n)?)
                } else {
                    let alpha = spec.coherent.unwrap_or(0.0);
                    LocalState::Ket(coherent(dim, c64::new(alpha, 0.0))?)
                };
                state[s] = Some(local);
            }
        }
        for (s, local) in state.into_iter().enumerate() {
            match local {
                Some(local) => factors.push(Factor {
                    sites: vec![s],
                    state: local,
                }),
                None if covered[s] => {}
                None => {
                    return Err(scenario(format!(
                        "initial: no state for {} (add an [[initial]] entry)",
                        space.sites()[s].name
                    )))
                }
            }
        }
        Ok((ProductState::new(space, factors)?, warnings))
    }
}

/// Refuses an operator that is not Hermitian (built on the whole space).
fn hermitian(field: &str, op: &OpSum, space: &Space) -> Result<()> {
    let m = op.build(&Subspace::full(space)?)?;
    let scale = m.iter().map(|(_, _, v)| v.norm()).fold(0.0, f64::max);
    let error = m.hermiticity_error();
    if error > HERMITIAN_TOL * scale.max(1.0) {
        return Err(scenario(format!("{field} is not Hermitian: max |H − H†| = {error:.3e} (add the Hermitian conjugate of each non-Hermitian term)")));
    }
    Ok(())
}

/// The excitation number (U(1)) when H conserves it, else its parity (Z2) when H
/// conserves that, else none; found from H's matrix elements on the whole space.
fn conserved_charge(h: &OpSum, space: &Space) -> Result<Option<Charge>> {
    if space.dim()? > CHARGE_SEARCH_MAX_DIM {
        return Ok(None);
    }
    let m = h.build(&Subspace::full(space)?)?;
    let conserves = |charge: &Charge| {
        m.iter().all(|(i, j, _)| {
            charge.of_levels(&space.levels_of(i)) == charge.of_levels(&space.levels_of(j))
        })
    };
    for charge in [Charge::excitations(space), Charge::parity(space)] {
        if conserves(&charge) {
            return Ok(Some(charge));
        }
    }
    Ok(None)
}

/// A parameter's name as a unit symbol: a leading Greek letter's name written as the
/// letter (`omega_a` → `ω_a`, `Delta` → `Δ`), the rest as it is.
fn greek(name: &str) -> String {
    const LETTERS: [(&str, &str); 16] = [
        ("omega", "ω"),
        ("Omega", "Ω"),
        ("delta", "δ"),
        ("Delta", "Δ"),
        ("gamma", "γ"),
        ("Gamma", "Γ"),
        ("kappa", "κ"),
        ("lambda", "λ"),
        ("epsilon", "ε"),
        ("theta", "θ"),
        ("alpha", "α"),
        ("beta", "β"),
        ("mu", "μ"),
        ("nu", "ν"),
        ("xi", "ξ"),
        ("eta", "η"),
    ];
    for (word, letter) in LETTERS {
        if let Some(rest) = name.strip_prefix(word) {
            if rest.is_empty() || rest.starts_with('_') {
                return format!("{letter}{rest}");
            }
        }
    }
    name.to_string()
}

impl Parameters for Params {
    const NAME: &'static str = "custom";
    const ABOUT: &'static str =
        "any battery declared in the scenario: subsystems, parameters, H, H_B, jumps as operator expressions";

    fn units(&self) -> Units {
        match self
            .units
            .as_ref()
            .and_then(|u| self.parameters.get(u).map(|v| (u, v)))
        {
            Some((name, &value)) => Units::frequency(&greek(name), value),
            None => Units::default(),
        }
    }

    fn validate(&self) -> Result<()> {
        if let Some(u) = &self.units {
            match self.parameters.get(u) {
                Some(v) if *v > 0.0 => {}
                Some(v) => {
                    return Err(Error::invalid(
                        format!("parameters.{u} (the units)"),
                        v,
                        "> 0",
                    ))
                }
                None => {
                    return Err(scenario(format!(
                        "units: no parameter `{u}` (the unit must be one of [parameters])"
                    )))
                }
            }
        }
        self.time.validate()?;
        self.solver.validate()?;
        self.output.validate()?;
        // Every expression is checked at load time.
        self.problem().map(|_| ())
    }
}

impl TimeEvolution for Params {
    fn settings(&self) -> (&TimeGrid, &SolverSettings, &OutputSettings) {
        (&self.time, &self.solver, &self.output)
    }

    fn problem(&self) -> Result<(Problem, Vec<Warning>)> {
        Params::problem(self)
    }

    /// The levels of the one declared mode (an array's elements share them), which
    /// `output.check_cutoff` raises; none with no mode or several.
    fn cutoff_mut(&mut self) -> Option<&mut usize> {
        let mut modes = self.subsystems.iter_mut().filter(|s| s.kind == Kind::Mode);
        let mode = modes.next()?;
        if modes.next().is_some() {
            return None;
        }
        mode.levels.as_mut()
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::load;
    use crate::simulation::{memory, Run, Silent};

    const CUSTOM_TC: &str = include_str!("../../../../../examples/custom/tavis_cummings.toml");
    const BUILT_IN_TC: &str = include_str!("../../../../../examples/tavis_cummings.toml");

    fn run(text: &str, set: &[&str]) -> Run {
        let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        let model = load(text, &set).unwrap_or_else(|e| panic!("{e}"));
        model
            .run(memory::limit(None), &mut Silent)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(text: &str, set: &[&str]) -> String {
        let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        match load(text, &set) {
            Ok(_) => panic!("{set:?} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    fn max_diff(a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    /// Runs the custom and the built-in scenario with `shared` plus each case's own
    /// overrides (custom, built-in) and asserts that every series of the built-in run is
    /// in the custom one, equal to 1e-10.
    fn assert_same_series(
        custom: &str,
        built_in: &str,
        shared: &[&str],
        cases: &[(&[&str], &[&str])],
    ) {
        for (custom_set, built_in_set) in cases {
            let c: Vec<&str> = shared.iter().chain(custom_set.iter()).copied().collect();
            let b: Vec<&str> = shared.iter().chain(built_in_set.iter()).copied().collect();
            let (x, y) = (run(custom, &c), run(built_in, &b));
            assert!(y.series.len() >= 5, "{:?}", y.series.len());
            for (name, values) in &y.series {
                let mine = x
                    .series(name)
                    .unwrap_or_else(|| panic!("{custom_set:?}: no {name}"));
                let d = max_diff(mine, values);
                assert!(d < 1e-10, "{custom_set:?} {name}: max difference {d:.2e}");
            }
        }
    }

    /// The custom Tavis–Cummings scenario against the built-in model (cells as qubits),
    /// closed and open, with and without the rotating-wave approximation.
    #[test]
    fn custom_tavis_cummings_equals_the_built_in_model() {
        let cavity = "subsystem=[{name=\"cav\",kind=\"mode\",levels=10},{name=\"cell\",kind=\"qubit\",count=\"N\"}]";
        let qubits = "cells.representation=\"qubits\"";
        assert_same_series(
            CUSTOM_TC,
            BUILT_IN_TC,
            &["time.steps=81", "time.t_max=4.0"],
            &[
                (&[cavity], &[qubits, "cavity.levels=10"]),
                (
                    &[cavity, "parameters.kappa=0.2", "parameters.n_th=0.1"],
                    &[
                        qubits,
                        "cavity.levels=10",
                        "cavity.kappa=0.2",
                        "cavity.n_th=0.1",
                    ],
                ),
                (
                    &[cavity, "parameters.N=3", "parameters.g=0.8"],
                    &[
                        qubits,
                        "cavity.levels=10",
                        "cells.number=3",
                        "coupling.g=0.8",
                    ],
                ),
            ],
        );
    }

    const CUSTOM_CHAIN: &str = include_str!("../../../../../examples/custom/cavity_chain.toml");
    const BUILT_IN_CHAIN: &str = include_str!("../../../../../examples/cavity_chain.toml");

    /// The custom cavity chain (ground-state start, named H_B) against the built-in model,
    /// spin-1/2 and spin-1, closed and open.
    #[test]
    fn custom_cavity_chain_equals_the_built_in_model() {
        let space = |levels: usize, two_j: u32| {
            format!("subsystem=[{{name=\"cav\",kind=\"mode\",levels={levels}}},{{name=\"s\",kind=\"spin\",two_j={two_j},count=\"N\"}}]")
        };
        let (half8, one6) = (space(8, 1), space(6, 2));
        // Spin-1/2 given as j = 0.5.
        let half6 = "subsystem=[{name=\"cav\",kind=\"mode\",levels=6},{name=\"s\",kind=\"spin\",j=0.5,count=\"N\"}]".to_string();
        assert_same_series(
            CUSTOM_CHAIN,
            BUILT_IN_CHAIN,
            &["time.steps=41", "time.t_max=3.0"],
            &[
                (&[&half8], &["chain.two_j=1", "cavity.levels=8"]),
                (
                    &[&one6, "parameters.J=1.0"],
                    &["cavity.levels=6", "chain.j=1.0"],
                ),
                (
                    &[&half6, "parameters.kappa=0.5", "parameters.n_th=0.2"],
                    &[
                        "chain.two_j=1",
                        "cavity.levels=6",
                        "cavity.kappa=0.5",
                        "cavity.n_th=0.2",
                    ],
                ),
            ],
        );
        let about = load(CUSTOM_CHAIN, &[])
            .unwrap()
            .describe(u64::MAX)
            .unwrap()
            .to_string();
        assert!(
            about.contains("Z2 charge") && about.contains("reflection"),
            "{about}"
        );
    }

    const CUSTOM_FIELD_QB: &str = include_str!("../../../../../examples/custom/field_qb.toml");
    const BUILT_IN_FIELD_QB: &str = include_str!("../../../../../examples/field_qb.toml");

    /// The custom Field-QB (a driven term f(t) = A cos ωt + B) against the built-in model:
    /// every series of both runs, the field alone and with H_b.
    #[test]
    fn custom_field_qb_equals_the_built_in_model() {
        assert_same_series(
            CUSTOM_FIELD_QB,
            BUILT_IN_FIELD_QB,
            &["time.steps=101", "time.t_max=5.0"],
            &[
                (&[], &[]),
                (
                    &["hamiltonian=\"HB\"", "parameters.g=0.5"],
                    &["field.hamiltonian=\"drive_and_battery\"", "qubits.g=0.5"],
                ),
            ],
        );
    }

    const CUSTOM_STAR: &str = include_str!("../../../../../examples/custom/star.toml");
    const BUILT_IN_STAR: &str = include_str!("../../../../../examples/star.toml");

    /// The custom star network (one jump pair per charger through `each`, Fermi rates)
    /// against the built-in model with qubits, its steady state included.
    #[test]
    fn custom_star_equals_the_built_in_model() {
        let qubits = "network.representation=\"qubits\"";
        let shared = ["time.steps=41", "time.t_max=2.0"];
        for (custom_set, built_in_set) in [
            (vec![], vec![qubits]),
            (
                vec![
                    "parameters.N=4",
                    "parameters.T=0.5",
                    "parameters.delta_mu=5.0",
                ],
                vec![
                    qubits,
                    "network.qubits=4",
                    "reservoir.temperature=0.5",
                    "reservoir.delta_mu=5.0",
                ],
            ),
        ] {
            assert_same_series(
                CUSTOM_STAR,
                BUILT_IN_STAR,
                &shared,
                &[(&custom_set, &built_in_set)],
            );
            let c: Vec<&str> = shared.iter().chain(&custom_set).copied().collect();
            let b: Vec<&str> = shared.iter().chain(&built_in_set).copied().collect();
            let (x, y) = (run(CUSTOM_STAR, &c), run(BUILT_IN_STAR, &b));
            let (xs, ys) = (x.summary_scalars(), y.summary_scalars());
            for (name, v) in &ys {
                if name.starts_with("steady_") {
                    let d = (xs[name] - v).abs();
                    assert!(d < 1e-10, "{custom_set:?} {name}: {} vs {v}", xs[name]);
                }
            }
            assert!(ys.contains_key("steady_energy"), "{ys:?}");
        }
    }

    /// `output.check_cutoff` re-runs at more levels of the one mode, as for the built-in
    /// chain.
    #[test]
    fn the_cutoff_check_raises_the_mode() {
        let shared = ["time.steps=41", "time.t_max=3.0", "output.check_cutoff=10"];
        let custom: Vec<&str> = shared.iter().copied().chain(["subsystem=[{name=\"cav\",kind=\"mode\",levels=6},{name=\"s\",kind=\"spin\",two_j=1,count=\"N\"}]"]).collect();
        let built_in: Vec<&str> = shared
            .iter()
            .copied()
            .chain(["chain.two_j=1", "cavity.levels=6"])
            .collect();
        let (x, y) = (run(CUSTOM_CHAIN, &custom), run(BUILT_IN_CHAIN, &built_in));
        let (xc, yc) = (x.cutoff_check.unwrap(), y.cutoff_check.unwrap());
        assert_eq!((xc.levels, yc.levels), ([6, 10], [6, 10]));
        assert!(yc.scalars.len() >= 5);
        for (k, [a, b]) in &yc.scalars {
            // The built-in's mode is `cavity`, the custom one `cav`.
            let [c, d] = xc.scalars[&k.replace("cavity", "cav")];
            assert!(
                (a - c).abs() < 1e-10 && (b - d).abs() < 1e-10,
                "{k}: {c}, {d} vs {a}, {b}"
            );
        }
        let two_modes = "subsystem=[{name=\"cav\",kind=\"mode\",levels=6},{name=\"s\",kind=\"mode\",levels=2,count=\"N\"}]";
        let set: Vec<String> = [
            two_modes,
            "output.check_cutoff=10",
            "hamiltonian=\"n(cav)\"",
            "battery.hamiltonian=\"n(s[1])\"",
            "battery.subsystems=[\"s\"]",
            "initial=[{subsystem=\"cav\",level=0},{subsystem=\"s\",level=0}]",
            "jump=[]",
        ]
        .map(String::from)
        .to_vec();
        let model = load(CUSTOM_TC, &set).unwrap();
        let e = model
            .run(memory::limit(None), &mut Silent)
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no cavity cutoff"), "{e}");
    }

    #[test]
    fn a_list_of_terms_is_their_sum() {
        let list = "hamiltonian=[\"omega_c n(cav)\", \"sum(i=1..N) omega_a n(cell[i])\", \"g sum(i=1..N) (a(cav) sp(cell[i]) + ad(cav) sm(cell[i]))\"]";
        let short = ["time.steps=21", "time.t_max=1.0"];
        let one = run(CUSTOM_TC, &short);
        let many: Vec<&str> = short.iter().copied().chain([list]).collect();
        let many = run(CUSTOM_TC, &many);
        assert!(
            max_diff(
                one.series("energy").unwrap(),
                many.series("energy").unwrap()
            ) < 1e-12
        );
    }

    #[test]
    fn the_conserved_charge_is_found() {
        let closed = load(CUSTOM_TC, &[])
            .unwrap()
            .describe(u64::MAX)
            .unwrap()
            .to_string();
        assert!(closed.contains("symmetry:   U(1) charge"), "{closed}");
        let counter = "hamiltonian=\"omega_c n(cav) + sum(i=1..N) (omega_a n(cell[i]) + g (a(cav) + ad(cav)) (sp(cell[i]) + sm(cell[i])))\"";
        let rabi = load(CUSTOM_TC, &[counter.to_string()])
            .unwrap()
            .describe(u64::MAX)
            .unwrap()
            .to_string();
        assert!(rabi.contains("symmetry:   Z2 charge"), "{rabi}");
        let broken = "hamiltonian=\"omega_c n(cav) + sum(i=1..N) (omega_a n(cell[i]) + g (a(cav) + ad(cav)) + sx(cell[i]))\"";
        let none = load(CUSTOM_TC, &[broken.to_string()])
            .unwrap()
            .describe(u64::MAX)
            .unwrap()
            .to_string();
        assert!(!none.contains("U(1)") && !none.contains("Z2"), "{none}");
    }

    #[test]
    fn bad_expressions_get_located_errors() {
        let cases = [
            (
                "hamiltonian=\"omega_c n(cav) + g (a(cav) sp(cell[1])\"",
                "hamiltonian: line 1, column 39: expected `,` or `)`",
            ),
            (
                "hamiltonian=\"omega_c n(cav) + w sz(cell[1])\"",
                "unknown name `w`",
            ),
            (
                "hamiltonian=\"omega_c n(cav) + sz(cell[7])\"",
                "cell[7] does not exist: `cell` has elements 1 to 4",
            ),
            (
                "hamiltonian=\"omega_c n(cav) + sz(qubit)\"",
                "unknown subsystem `qubit`",
            ),
            (
                "hamiltonian=\"omega_c n(cav) + a(cell[1])\"",
                "`a` does not act on `cell[1]`",
            ),
            (
                "hamiltonian=\"omega_c a(cav)\"",
                "hamiltonian is not Hermitian",
            ),
            (
                "hamiltonian=\"omega_c n(cav) + 2\"",
                "a number added to an operator",
            ),
            (
                "hamiltonian=\"omega_c n(cav) + foo(cav)\"",
                "unknown function or operator `foo`",
            ),
            (
                "battery.hamiltonian=\"n(cav)\"",
                "battery.hamiltonian: line 1, column 3: unknown subsystem `cav`",
            ),
            (
                "jump=[{operator=\"a(cav)\",rate=\"-kappa - 1\"}]",
                "jump[1].rate = -1 is not allowed",
            ),
            (
                "initial=[{subsystem=\"cav\",level=4}]",
                "initial: no state for cell[1]",
            ),
            (
                "initial=[{subsystem=\"cav\",level=40},{subsystem=\"cell\",level=0}]",
                "initial[1].level = 40 is not allowed",
            ),
            ("units=\"hbar\"", "units: no parameter `hbar`"),
            ("subsystem=[{name=\"cav\",kind=\"mode\",levels=4},{name=\"cell\",kind=\"spin\",j=0.7}]", "subsystem[2].j = 0.7 is not allowed"),
            ("subsystem=[{name=\"cav\",kind=\"mode\"},{name=\"cell\",kind=\"qubit\"}]", "subsystem[1].kind: a Mode subsystem needs `levels`"),
            ("jump=[{operator=\"a(cav)\",each=\"i=1:3\"}]", "jump[1].each: expected `i=a..b`"),
            ("subsystem=[{name=\"cav\",kind=\"mode\",levels=4},{name=\"cell\",kind=\"qubit\",count=\"N - 4\"}]", "subsystem[2].count = N - 4 = 0 is not allowed"),
            ("operators={g=\"n(cav)\"}", "operators.g = g is not allowed"),
        ];
        for (set, expected) in cases {
            let e = error(CUSTOM_TC, &[set]);
            assert!(e.contains(expected), "{set}:\n{e}");
        }
        // A list of terms, each located on its own.
        let e = error(
            CUSTOM_TC,
            &["hamiltonian=[\"omega_c n(cav)\", \"g sz(cel[1])\"]"],
        );
        assert!(
            e.contains("hamiltonian[2]: line 1, column 6: unknown subsystem `cel`"),
            "{e}"
        );
        let uses_x = "hamiltonian=\"X\"";
        let e = error(CUSTOM_TC, &["operators={X=\"X + n(cav)\"}", uses_x]);
        assert!(e.contains("operators.X refers to itself"), "{e}");
        let e = error(CUSTOM_TC, &["operators={X=\"n(cav\"}", uses_x]);
        assert!(
            e.contains("operators.X (used in hamiltonian): line 1, column 6"),
            "{e}"
        );
    }
}
