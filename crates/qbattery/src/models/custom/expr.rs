//! The syntax of a custom model's expressions: coefficients in the scenario's
//! parameters times products of site operators, with sums over index ranges, e.g.
//! `omega_c n(cav) + sum(i=1..N) (omega_a/2 sigmaz(s[i]) + g (ad(cav) sm(s[i]) + a(cav) sp(s[i])))`.
//!
//! Grammar (juxtaposition multiplies, as `*` does; `^` binds tightest, right to left;
//! `sum` takes the rest of the product as its summand; `name(…)` is parsed as a call, and
//! the evaluator reads it as a product when `name` is a number, `g (a + b)`):
//!
//! ```text
//! expr    := ['+' | '-'] product (('+' | '-') product)*
//! product := power (['*' | '/'] power)*
//! power   := atom ['^' ['-'] power]
//! atom    := number | name | name '[' expr ']' | name '(' [expr (',' expr)*] ')'
//!          | '(' expr ')' | 'sum' '(' name '=' expr '..' expr ')' product
//! number  := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits] ['j']
//! ```
//!
//! A number ending in `j` is imaginary (`0.5j`), as in Python. Positions in errors are
//! byte offsets into the expression, turned into line and column by [`Located`].

use std::fmt;

/// A parsed expression with the byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it is.
    pub expr: Expr,
    /// Its byte range in the source.
    pub span: (usize, usize),
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A real number, or an imaginary one (`imaginary`: the source ended in `j`).
    Number { value: f64, imaginary: bool },
    /// A parameter, a summation index or a subsystem.
    Name(String),
    /// An element `name[index]` of an array of subsystems (from 1).
    Element { name: String, index: Box<Node> },
    /// A function or an operator applied to its arguments: `sqrt(x)`, `sz(s[1])`.
    Call { name: String, args: Vec<Node> },
    /// −x.
    Neg(Box<Node>),
    /// A binary operation.
    Binary {
        op: BinaryOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    /// Σ_{var = from}^{to} body.
    Sum {
        var: String,
        from: Box<Node>,
        to: Box<Node>,
        body: Box<Node>,
    },
}

/// `+`, `−`, `*` (or juxtaposition), `/`, `^`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// A syntax error at a byte offset: what was expected there.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Byte offset into the expression.
    pub offset: usize,
    /// What went wrong, e.g. "expected `)` after the arguments of `sz`".
    pub message: String,
}

/// A message located in an expression's source: "line L, column C: message" followed by
/// the line and a caret under the column.
pub struct Located<'a> {
    /// The expression's source.
    pub source: &'a str,
    /// Byte offset of the problem.
    pub offset: usize,
    /// The message.
    pub message: &'a str,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = self.offset.min(self.source.len());
        let before = &self.source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.source[line_start..offset].chars().count() + 1;
        let text = self.source[line_start..].lines().next().unwrap_or("");
        write!(
            f,
            "line {line}, column {column}: {}\n    {text}\n    {}^",
            self.message,
            " ".repeat(column - 1)
        )
    }
}

/// A token and its byte range.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number {
        value: f64,
        imaginary: bool,
    },
    Name(String),
    /// One of `+ - * / ^ ( ) [ ] , =`.
    Symbol(char),
    /// `..`
    Range,
}

fn describe(token: Option<&Token>) -> String {
    match token {
        None => "the end".into(),
        Some(Token::Number { .. }) => "a number".into(),
        Some(Token::Name(n)) => format!("`{n}`"),
        Some(Token::Symbol(c)) => format!("`{c}`"),
        Some(Token::Range) => "`..`".into(),
    }
}

/// A token with its byte range.
type Spanned = (Token, (usize, usize));

fn tokenize(source: &str) -> Result<Vec<Spanned>, SyntaxError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // A '.' followed by another is the range `..`, not a decimal point.
            if i < bytes.len() && bytes[i] == b'.' && bytes.get(i + 1) != Some(&b'.') {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut k = i + 1;
                if k < bytes.len() && (bytes[k] == b'+' || bytes[k] == b'-') {
                    k += 1;
                }
                if k < bytes.len() && bytes[k].is_ascii_digit() {
                    i = k;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text = &source[start..i];
            let value: f64 = text.parse().map_err(|_| SyntaxError {
                offset: start,
                message: format!("`{text}` is not a number"),
            })?;
            let imaginary = bytes.get(i) == Some(&b'j')
                && !bytes
                    .get(i + 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if imaginary {
                i += 1;
            }
            tokens.push((Token::Number { value, imaginary }, (start, i)));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tokens.push((Token::Name(source[start..i].to_string()), (start, i)));
            continue;
        }
        if c == b'.' && bytes.get(i + 1) == Some(&b'.') {
            tokens.push((Token::Range, (start, i + 2)));
            i += 2;
            continue;
        }
        if b"+-*/^()[],=".contains(&c) {
            tokens.push((Token::Symbol(c as char), (start, i + 1)));
            i += 1;
            continue;
        }
        let ch = source[i..].chars().next().expect("inside the string");
        return Err(SyntaxError {
            offset: start,
            message: format!("unexpected character `{ch}`"),
        });
    }
    Ok(tokens)
}

/// Parses an expression.
pub fn parse(source: &str) -> Result<Node, SyntaxError> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        end: source.len(),
    };
    let node = parser.expr()?;
    if parser.at < parser.tokens.len() {
        return Err(parser.error(format!(
            "expected an operator (`+`, `-`, `*`, `/`, `^`) or the end, found {}",
            describe(parser.peek())
        )));
    }
    Ok(node)
}

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    /// The offset of the next token (the end of the source after the last).
    fn offset(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(_, s)| s.0)
    }

    /// The end of the last token taken.
    fn last_end(&self) -> usize {
        self.at
            .checked_sub(1)
            .and_then(|k| self.tokens.get(k))
            .map_or(0, |(_, s)| s.1)
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError {
            offset: self.offset(),
            message,
        }
    }

    fn eat(&mut self, symbol: char) -> bool {
        if self.peek() == Some(&Token::Symbol(symbol)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, symbol: char, context: &str) -> Result<(), SyntaxError> {
        if self.eat(symbol) {
            Ok(())
        } else {
            Err(self.error(format!(
                "expected `{symbol}` {context}, found {}",
                describe(self.peek())
            )))
        }
    }

    fn node(&self, expr: Expr, start: usize) -> Node {
        Node {
            expr,
            span: (start, self.last_end()),
        }
    }

    fn binary(&self, op: BinaryOp, lhs: Node, rhs: Node, start: usize) -> Node {
        self.node(
            Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            start,
        )
    }

    fn expr(&mut self) -> Result<Node, SyntaxError> {
        let start = self.offset();
        let mut lhs = if self.eat('-') {
            let operand = self.product()?;
            self.node(Expr::Neg(Box::new(operand)), start)
        } else {
            self.eat('+');
            self.product()?
        };
        loop {
            let op = if self.eat('+') {
                BinaryOp::Add
            } else if self.eat('-') {
                BinaryOp::Sub
            } else {
                return Ok(lhs);
            };
            let rhs = self.product()?;
            lhs = self.binary(op, lhs, rhs, start);
        }
    }

    /// Whether the next token starts an atom (a juxtaposed factor).
    fn starts_atom(&self) -> bool {
        matches!(
            self.peek(),
            Some(Token::Number { .. } | Token::Name(_) | Token::Symbol('('))
        )
    }

    fn product(&mut self) -> Result<Node, SyntaxError> {
        let start = self.offset();
        let mut lhs = self.power()?;
        loop {
            let op = if self.eat('*') {
                BinaryOp::Mul
            } else if self.eat('/') {
                BinaryOp::Div
            } else if self.starts_atom() {
                BinaryOp::Mul
            } else {
                return Ok(lhs);
            };
            let rhs = self.power()?;
            lhs = self.binary(op, lhs, rhs, start);
        }
    }

    fn power(&mut self) -> Result<Node, SyntaxError> {
        let start = self.offset();
        let base = self.atom()?;
        if !self.eat('^') {
            return Ok(base);
        }
        let exponent_start = self.offset();
        let exponent = if self.eat('-') {
            let e = self.power()?;
            self.node(Expr::Neg(Box::new(e)), exponent_start)
        } else {
            self.power()?
        };
        Ok(self.binary(BinaryOp::Pow, base, exponent, start))
    }

    fn atom(&mut self) -> Result<Node, SyntaxError> {
        let start = self.offset();
        let token = self.peek().cloned();
        match token {
            Some(Token::Number { value, imaginary }) => {
                self.at += 1;
                Ok(self.node(Expr::Number { value, imaginary }, start))
            }
            Some(Token::Symbol('(')) => {
                self.at += 1;
                let inner = self.expr()?;
                self.expect(')', "to close the parenthesis")?;
                Ok(Node {
                    expr: inner.expr,
                    span: (start, self.last_end()),
                })
            }
            Some(Token::Name(name)) if name == "sum" => {
                self.at += 1;
                self.sum(start)
            }
            Some(Token::Name(name)) => {
                self.at += 1;
                if self.eat('[') {
                    let index = self.expr()?;
                    self.expect(']', &format!("after the index of `{name}`"))?;
                    return Ok(self.node(
                        Expr::Element {
                            name,
                            index: Box::new(index),
                        },
                        start,
                    ));
                }
                if self.eat('(') {
                    let mut args = Vec::new();
                    if !self.eat(')') {
                        loop {
                            args.push(self.expr()?);
                            if self.eat(')') {
                                break;
                            }
                            self.expect(',', &format!("or `)` in the arguments of `{name}`"))?;
                        }
                    }
                    return Ok(self.node(Expr::Call { name, args }, start));
                }
                Ok(self.node(Expr::Name(name), start))
            }
            other => Err(self.error(format!(
                "expected a number, a name, `(` or `sum`, found {}",
                describe(other.as_ref())
            ))),
        }
    }

    /// `sum` has been taken: `(var = from..to) body`.
    fn sum(&mut self, start: usize) -> Result<Node, SyntaxError> {
        self.expect('(', "after `sum`, as in sum(i=1..N) sz(s[i])")?;
        let var = match self.peek().cloned() {
            Some(Token::Name(v)) => {
                self.at += 1;
                v
            }
            other => {
                return Err(self.error(format!(
                    "expected the summation index (a name) after `sum(`, found {}",
                    describe(other.as_ref())
                )))
            }
        };
        self.expect('=', &format!("after the summation index `{var}`"))?;
        let from = self.expr()?;
        if self.peek() != Some(&Token::Range) {
            return Err(self.error(format!(
                "expected `..` between the bounds of `{var}`, found {}",
                describe(self.peek())
            )));
        }
        self.at += 1;
        let to = self.expr()?;
        self.expect(')', "after the summation range")?;
        let body = self.product()?;
        Ok(self.node(
            Expr::Sum {
                var,
                from: Box::new(from),
                to: Box::new(to),
                body: Box::new(body),
            },
            start,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expression written back fully parenthesised, for comparing structure.
    fn show(n: &Node) -> String {
        match &n.expr {
            Expr::Number { value, imaginary } => {
                format!("{value}{}", if *imaginary { "j" } else { "" })
            }
            Expr::Name(s) => s.clone(),
            Expr::Element { name, index } => format!("{name}[{}]", show(index)),
            Expr::Call { name, args } => format!(
                "{name}({})",
                args.iter().map(show).collect::<Vec<_>>().join(",")
            ),
            Expr::Neg(x) => format!("(-{})", show(x)),
            Expr::Binary { op, lhs, rhs } => {
                let o = match op {
                    BinaryOp::Add => "+",
                    BinaryOp::Sub => "-",
                    BinaryOp::Mul => "*",
                    BinaryOp::Div => "/",
                    BinaryOp::Pow => "^",
                };
                format!("({}{o}{})", show(lhs), show(rhs))
            }
            Expr::Sum {
                var,
                from,
                to,
                body,
            } => {
                format!("sum({var}={}..{}){{{}}}", show(from), show(to), show(body))
            }
        }
    }

    fn parsed(s: &str) -> String {
        show(&parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}")))
    }

    #[test]
    fn precedence_and_juxtaposition() {
        assert_eq!(parsed("a + b c * d"), "(a+((b*c)*d))");
        assert_eq!(parsed("-x^2"), "(-(x^2))");
        assert_eq!(parsed("2^3^2"), "(2^(3^2))");
        assert_eq!(parsed("x^-1 / 2"), "((x^(-1))/2)");
        assert_eq!(parsed("g/2 (a(c) + ad(c))"), "((g/2)*(a(c)+ad(c)))");
        assert_eq!(parsed("0.5j sz(s[i+1])"), "(0.5j*sz(s[(i+1)]))");
        assert_eq!(parsed("1e-3 + 2.5E+1"), "(0.001+25)");
    }

    #[test]
    fn sums_take_the_rest_of_the_product() {
        assert_eq!(
            parsed("w n(c) + sum(i=1..N-1) J sx(s[i]) sx(s[i+1]) - h"),
            "(((w*n(c))+sum(i=1..(N-1)){((J*sx(s[i]))*sx(s[(i+1)]))})-h)"
        );
        assert_eq!(
            parsed("g sum(k=1..2) (a(c) sp(q[k]))"),
            "(g*sum(k=1..2){(a(c)*sp(q[k]))})"
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("sz(s1", 5, "expected `,` or `)` in the arguments of `sz`"),
            ("a + * b", 4, "expected a number, a name"),
            ("sum(i=1:N) sz(s[i])", 7, "unexpected character `:`"),
            (
                "sum(i=1, N) sz(s[i])",
                7,
                "expected `..` between the bounds of `i`",
            ),
            ("2 ) x", 2, "expected an operator"),
            ("g # x", 2, "unexpected character `#`"),
            ("s[1", 3, "expected `]` after the index of `s`"),
        ];
        for (source, offset, message) in cases {
            let e = parse(source).unwrap_err();
            assert_eq!(e.offset, offset, "{source}: {e:?}");
            assert!(e.message.starts_with(message), "{source}: {}", e.message);
        }
        let located = Located {
            source: "omega n(c)\n + g (a(c) sp(q)",
            offset: 27,
            message: "expected `)`",
        }
        .to_string();
        assert_eq!(
            located,
            "line 2, column 17: expected `)`\n     + g (a(c) sp(q)\n                    ^"
        );
    }
}
