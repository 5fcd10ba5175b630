//! A custom model's expressions evaluated: numbers from the parameters, operators as
//! [`OpSum`]s on the model's sites.
//!
//! Operators (S = σ/2 for a qubit; see the README's custom-model section):
//!
//! | name | meaning | on |
//! |---|---|---|
//! | `sx`, `sy`, `sz`, `sp`, `sm` | S^x, S^y, S^z, S⁺, S⁻ | spins, qubits, Dicke |
//! | `sigmax`, `sigmay`, `sigmaz` | σ = 2S | qubits |
//! | `sigmap`, `sigmam` | σ⁺ = S⁺, σ⁻ = S⁻ | qubits |
//! | `a`, `ad`, `n` | a, a†, a†a (`n` on a spin: m + j) | modes (`n` on all) |
//! | `id` | the identity | all |
//! | `proj(x, k)` | \|k⟩⟨k\| | all |
//! | `trans(x, k, l)` | \|k⟩⟨l\| | all |
//!
//! A name from the scenario's `[operators]` table stands for its expression, evaluated
//! where it is used (so one definition serves H on the whole space and H_B on the
//! battery's).
//!
//! Functions of numbers: `sqrt`, `exp`, `log`, `sin`, `cos`, `tan`, `abs`, `conj`, `re`,
//! `im`, `bose(ω, T)` = 1/(e^{ω/T} − 1) (0 at T = 0), `fermi(ε, μ, T)` =
//! 1/(e^{(ε−μ)/T} + 1), and the constant `pi`.

use std::collections::BTreeMap;

use super::expr::{BinaryOp, Expr, Located, Node};
use crate::error::{Error, Result};
use crate::operators::local::LocalOp;
use crate::operators::opsum::OpSum;
use crate::space::{Space, Subsystem};
use qbattery_linalg::c64;

/// How deeply named operators may refer to one another.
pub const MAX_DEPTH: usize = 16;

/// A value: a number or an operator.
#[derive(Debug, Clone)]
pub enum Value {
    /// A (complex) number.
    Number(c64),
    /// An operator on the sites.
    Operator(OpSum),
}

/// What names mean while evaluating one expression.
pub struct Scope<'a> {
    /// The scenario's parameters.
    pub parameters: &'a BTreeMap<String, f64>,
    /// The space the operators act on.
    pub space: &'a Space,
    /// The space's sites by declared name: `name` for one subsystem, `name[k]` (from 1)
    /// for an array.
    pub sites: &'a BTreeMap<String, Vec<usize>>,
    /// Named operators (`[operators]`): each evaluated where it is used, in this scope's
    /// space.
    pub definitions: &'a BTreeMap<String, String>,
    /// How many definitions deep this evaluation is (a definition that uses itself ends
    /// at [`MAX_DEPTH`]).
    pub depth: usize,
    /// The field the expression came from, for errors (`hamiltonian`, `jump[2].operator`).
    pub field: &'a str,
    /// Its source text.
    pub source: &'a str,
}

impl Scope<'_> {
    /// An error at `node`, located in the source.
    fn error(&self, node: &Node, message: impl AsRef<str>) -> Error {
        Error::Scenario {
            message: format!(
                "{}: {}",
                self.field,
                Located {
                    source: self.source,
                    offset: node.span.0,
                    message: message.as_ref(),
                }
            ),
        }
    }

    /// Evaluates `node` with the summation indices `indices` bound.
    pub fn value(&self, node: &Node, indices: &[(String, i64)]) -> Result<Value> {
        match &node.expr {
            Expr::Number { value, imaginary } => Ok(Value::Number(if *imaginary {
                c64::new(0.0, *value)
            } else {
                c64::new(*value, 0.0)
            })),
            Expr::Name(name) => {
                if let Some((_, v)) = indices.iter().rev().find(|(n, _)| n == name) {
                    return Ok(Value::Number(c64::new(*v as f64, 0.0)));
                }
                if let Some(v) = self.parameters.get(name) {
                    return Ok(Value::Number(c64::new(*v, 0.0)));
                }
                if name == "pi" {
                    return Ok(Value::Number(c64::new(std::f64::consts::PI, 0.0)));
                }
                if let Some(source) = self.definitions.get(name) {
                    return self.definition(node, name, source);
                }
                if self.sites.contains_key(name) {
                    return Err(self.error(
                        node,
                        format!(
                            "`{name}` is a subsystem: apply an operator to it, e.g. sz({name})"
                        ),
                    ));
                }
                Err(self.error(
                    node,
                    format!(
                        "unknown name `{name}`: not a parameter ({}) nor a summation index",
                        self.known_parameters()
                    ),
                ))
            }
            Expr::Element { name, .. } => Err(self.error(
                node,
                format!("`{name}[…]` is a site: apply an operator to it, e.g. sz({name}[1])"),
            )),
            Expr::Neg(x) => Ok(match self.value(x, indices)? {
                Value::Number(v) => Value::Number(-v),
                Value::Operator(o) => Value::Operator(o.scaled(-1.0)),
            }),
            Expr::Binary { op, lhs, rhs } => {
                let (a, b) = (self.value(lhs, indices)?, self.value(rhs, indices)?);
                self.binary(node, *op, a, b)
            }
            Expr::Sum {
                var,
                from,
                to,
                body,
            } => {
                let from = self.integer(from, indices, "the lower bound of a sum")?;
                let to = self.integer(to, indices, "the upper bound of a sum")?;
                let mut total = Value::Number(c64::new(0.0, 0.0));
                let mut scope = indices.to_vec();
                for k in from..=to {
                    scope.push((var.clone(), k));
                    let term = self.value(body, &scope)?;
                    scope.pop();
                    total = self.binary(node, BinaryOp::Add, total, term)?;
                }
                Ok(total)
            }
            Expr::Call { name, args } => self.call(node, name, args, indices),
        }
    }

    /// Whether `name` is a number or a named operator here (not a function).
    fn is_value_name(&self, name: &str, indices: &[(String, i64)]) -> bool {
        indices.iter().any(|(n, _)| n == name)
            || self.parameters.contains_key(name)
            || self.definitions.contains_key(name)
            || name == "pi"
    }

    /// The named operator `name`, defined by `source`, evaluated here.
    fn definition(&self, node: &Node, name: &str, source: &str) -> Result<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(node, format!("operators.{name} refers to itself")));
        }
        let field = format!("operators.{name} (used in {})", self.field);
        let scope = Scope {
            depth: self.depth + 1,
            field: &field,
            source,
            ..*self
        };
        let parsed = super::expr::parse(source).map_err(|e| Error::Scenario {
            message: format!(
                "{field}: {}",
                Located {
                    source,
                    offset: e.offset,
                    message: &e.message,
                }
            ),
        })?;
        scope.value(&parsed, &[])
    }

    fn known_parameters(&self) -> String {
        if self.parameters.is_empty() {
            "[parameters] is empty".into()
        } else {
            let names: Vec<&str> = self.parameters.keys().map(String::as_str).collect();
            format!("parameters: {}", names.join(", "))
        }
    }

    /// `a op b`.
    fn binary(&self, node: &Node, op: BinaryOp, a: Value, b: Value) -> Result<Value> {
        use Value::{Number as N, Operator as O};
        Ok(match (op, a, b) {
            (BinaryOp::Add, N(x), N(y)) => N(x + y),
            (BinaryOp::Sub, N(x), N(y)) => N(x - y),
            (BinaryOp::Mul, N(x), N(y)) => N(x * y),
            (BinaryOp::Div, N(x), N(y)) => {
                if y == c64::new(0.0, 0.0) {
                    return Err(self.error(node, "division by zero"));
                }
                N(x / y)
            }
            (BinaryOp::Pow, N(x), N(y)) => N(power(x, y)),
            (BinaryOp::Add, O(x), O(y)) => O(x + y),
            (BinaryOp::Sub, O(x), O(y)) => O(x + y.scaled(-1.0)),
            (BinaryOp::Add | BinaryOp::Sub, N(x), O(y)) if x == c64::new(0.0, 0.0) => {
                O(if op == BinaryOp::Sub {
                    y.scaled(-1.0)
                } else {
                    y
                })
            }
            (BinaryOp::Add | BinaryOp::Sub, O(x), N(y)) if y == c64::new(0.0, 0.0) => O(x),
            (BinaryOp::Add | BinaryOp::Sub, _, _) => {
                return Err(self.error(
                    node,
                    "a number added to an operator: write it times id(…) of a site",
                ))
            }
            (BinaryOp::Mul, N(x), O(y)) => O(y.scaled(x)),
            (BinaryOp::Mul, O(x), N(y)) => O(x.scaled(y)),
            (BinaryOp::Mul, O(x), O(y)) => O(x.product(&y)),
            (BinaryOp::Div, O(x), N(y)) => {
                if y == c64::new(0.0, 0.0) {
                    return Err(self.error(node, "division by zero"));
                }
                O(x.scaled(y.inv()))
            }
            (BinaryOp::Div, _, O(_)) => return Err(self.error(node, "division by an operator")),
            (BinaryOp::Pow, O(x), N(y)) => {
                let k = y.re;
                if y.im != 0.0 || k < 1.0 || k.fract() != 0.0 || k > 64.0 {
                    return Err(self.error(
                        node,
                        "an operator's power must be a whole number from 1 to 64",
                    ));
                }
                let mut out = x.clone();
                for _ in 1..k as usize {
                    out = out.product(&x);
                }
                O(out)
            }
            (BinaryOp::Pow, _, O(_)) => return Err(self.error(node, "an operator in an exponent")),
        })
    }

    /// A whole number.
    fn integer(&self, node: &Node, indices: &[(String, i64)], what: &str) -> Result<i64> {
        match self.value(node, indices)? {
            Value::Number(v) if v.im == 0.0 && v.re.fract() == 0.0 && v.re.abs() < 1e9 => {
                Ok(v.re as i64)
            }
            Value::Number(v) => {
                Err(self.error(node, format!("{what} must be a whole number, not {v}")))
            }
            Value::Operator(_) => {
                Err(self.error(node, format!("{what} must be a number, not an operator")))
            }
        }
    }

    /// A number.
    fn number(&self, node: &Node, indices: &[(String, i64)], what: &str) -> Result<c64> {
        match self.value(node, indices)? {
            Value::Number(v) => Ok(v),
            Value::Operator(_) => {
                Err(self.error(node, format!("{what} must be a number, not an operator")))
            }
        }
    }

    /// The site an operator's first argument names.
    fn site(&self, node: &Node, indices: &[(String, i64)], op: &str) -> Result<usize> {
        let (name, k) = match &node.expr {
            Expr::Name(name) => (name.clone(), None),
            Expr::Element { name, index } => (
                name.clone(),
                Some(self.integer(index, indices, "a site index")?),
            ),
            _ => {
                return Err(self.error(
                    node,
                    format!(
                        "`{op}` needs a site: a subsystem's name or an array element such as s[1]"
                    ),
                ))
            }
        };
        let Some(sites) = self.sites.get(&name) else {
            let names: Vec<&str> = self.sites.keys().map(String::as_str).collect();
            return Err(self.error(
                node,
                format!(
                    "unknown subsystem `{name}` (subsystems here: {})",
                    names.join(", ")
                ),
            ));
        };
        match k {
            None if sites.len() == 1 => Ok(sites[0]),
            None => Err(self.error(
                node,
                format!(
                    "`{name}` is an array of {} subsystems: name one, e.g. {name}[1]",
                    sites.len()
                ),
            )),
            Some(k) if k >= 1 && (k as usize) <= sites.len() => Ok(sites[k as usize - 1]),
            Some(k) => Err(self.error(
                node,
                format!(
                    "{name}[{k}] does not exist: `{name}` has elements 1 to {}",
                    sites.len()
                ),
            )),
        }
    }

    fn call(
        &self,
        node: &Node,
        name: &str,
        args: &[Node],
        indices: &[(String, i64)],
    ) -> Result<Value> {
        let arity = |n: usize| -> Result<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err(self.error(
                    node,
                    format!(
                        "`{name}` takes {n} argument{}, not {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                ))
            }
        };
        if let Some(op) = site_operator(name) {
            arity(1)?;
            return self.operator(node, &args[0], indices, name, op);
        }
        match name {
            "proj" | "trans" => {
                arity(if name == "proj" { 2 } else { 3 })?;
                let level = |k: usize| -> Result<usize> {
                    let v = self.integer(&args[k], indices, "a level")?;
                    usize::try_from(v).map_err(|_| self.error(&args[k], "a level must be ≥ 0"))
                };
                let to = level(1)?;
                let from = if name == "proj" { to } else { level(2)? };
                self.operator(node, &args[0], indices, name, LocalOp::Transition { to, from })
            }
            "sqrt" | "exp" | "log" | "sin" | "cos" | "tan" | "abs" | "conj" | "re" | "im" => {
                arity(1)?;
                let x = self.number(&args[0], indices, &format!("the argument of `{name}`"))?;
                Ok(Value::Number(match name {
                    "sqrt" => x.sqrt(),
                    "exp" => x.exp(),
                    "log" => x.ln(),
                    "sin" => x.sin(),
                    "cos" => x.cos(),
                    "tan" => x.tan(),
                    "abs" => c64::new(x.norm(), 0.0),
                    "conj" => x.conj(),
                    "re" => c64::new(x.re, 0.0),
                    _ => c64::new(x.im, 0.0),
                }))
            }
            "bose" | "fermi" => {
                arity(if name == "bose" { 2 } else { 3 })?;
                let real = |k: usize| -> Result<f64> {
                    let v = self.number(&args[k], indices, &format!("an argument of `{name}`"))?;
                    if v.im != 0.0 {
                        return Err(self.error(&args[k], format!("`{name}` takes real arguments")));
                    }
                    Ok(v.re)
                };
                let t = real(args.len() - 1)?;
                if t < 0.0 {
                    return Err(self.error(&args[args.len() - 1], "a temperature must be ≥ 0"));
                }
                let x = if name == "bose" { real(0)? } else { real(0)? - real(1)? };
                let occupation = if name == "bose" {
                    if x <= 0.0 {
                        return Err(self.error(&args[0], "`bose` needs a frequency > 0"));
                    }
                    if t == 0.0 { 0.0 } else { 1.0 / (x / t).exp_m1() }
                } else if t == 0.0 {
                    if x < 0.0 { 1.0 } else if x > 0.0 { 0.0 } else { 0.5 }
                } else {
                    1.0 / ((x / t).exp() + 1.0)
                };
                Ok(Value::Number(c64::new(occupation, 0.0)))
            }
            // `g (x)`: a parameter, an index or a named operator times a parenthesis.
            _ if args.len() == 1 && self.is_value_name(name, indices) => {
                let factor = Node {
                    expr: Expr::Name(name.to_string()),
                    span: node.span,
                };
                let (a, b) = (self.value(&factor, indices)?, self.value(&args[0], indices)?);
                self.binary(node, BinaryOp::Mul, a, b)
            }
            _ => Err(self.error(
                node,
                format!("unknown function or operator `{name}` (operators: sx sy sz sp sm sigmax sigmay sigmaz sigmap sigmam a ad n id proj trans; functions: sqrt exp log sin cos tan abs conj re im bose fermi)"),
            )),
        }
    }

    /// `op` on the site `arg`, refused where it does not fit the subsystem.
    fn operator(
        &self,
        node: &Node,
        arg: &Node,
        indices: &[(String, i64)],
        name: &str,
        op: LocalOp,
    ) -> Result<Value> {
        let site = self.site(arg, indices, name)?;
        let subsystem = self.space.sites()[site].subsystem;
        let fits = match (&op, subsystem) {
            (LocalOp::Destroy | LocalOp::Create, s) => matches!(s, Subsystem::Mode { .. }),
            (LocalOp::PauliX | LocalOp::PauliY | LocalOp::PauliZ, s) => s == Subsystem::QUBIT,
            (LocalOp::Sx | LocalOp::Sy | LocalOp::Sz | LocalOp::SPlus | LocalOp::SMinus, s) => {
                s.two_j().is_some()
            }
            (LocalOp::Transition { to, from }, s) => *to < s.dim() && *from < s.dim(),
            _ => true,
        };
        if !fits {
            return Err(self.error(
                node,
                format!(
                    "`{name}` does not act on `{}`, a {}",
                    self.space.sites()[site].name,
                    subsystem.describe()
                ),
            ));
        }
        Ok(Value::Operator(OpSum::term(1.0, vec![(site, op)])))
    }
}

/// The operator a one-site name stands for.
fn site_operator(name: &str) -> Option<LocalOp> {
    Some(match name {
        "sx" => LocalOp::Sx,
        "sy" => LocalOp::Sy,
        "sz" => LocalOp::Sz,
        "sp" | "sigmap" => LocalOp::SPlus,
        "sm" | "sigmam" => LocalOp::SMinus,
        "sigmax" => LocalOp::PauliX,
        "sigmay" => LocalOp::PauliY,
        "sigmaz" => LocalOp::PauliZ,
        "a" => LocalOp::Destroy,
        "ad" => LocalOp::Create,
        "n" => LocalOp::Number,
        "id" => LocalOp::Identity,
        _ => return None,
    })
}

/// x^y, exact for small whole exponents of real bases.
fn power(x: c64, y: c64) -> c64 {
    if y.im == 0.0 && y.re.fract() == 0.0 && y.re.abs() <= 64.0 {
        let k = y.re as i32;
        if x.im == 0.0 {
            return c64::new(x.re.powi(k), 0.0);
        }
        let mut out = c64::new(1.0, 0.0);
        for _ in 0..k.unsigned_abs() {
            out *= x;
        }
        return if k < 0 { out.inv() } else { out };
    }
    if x.im == 0.0 && x.re >= 0.0 && y.im == 0.0 {
        return c64::new(x.re.powf(y.re), 0.0);
    }
    (y * x.ln()).exp()
}
