//! The condition grammar: `and`/`or`/`not`, parentheses, and the selectors
//! `1 of`/`any of`/`all of` over identifier patterns or `them`.
//!
//! Precedence, loosest to tightest (pySigma `sigma/conditions.py`): `or` <
//! `and` < `not` < `x of` < parentheses; binary operators are
//! left-associative; keywords are lowercase only. A `|` (the deprecated
//! aggregation syntax) is rejected with its own message.
//!
//! The parser is a recursive-descent parser with an explicit depth limit, so a
//! condition of 100,000 parentheses is an error, not a stack overflow.

use std::fmt;

/// A parsed condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// A search identifier.
    Ident(String),
    /// Both sides.
    And(Box<Cond>, Box<Cond>),
    /// Either side.
    Or(Box<Cond>, Box<Cond>),
    /// Negation.
    Not(Box<Cond>),
    /// `1 of P` / `any of P` (`all == false`) or `all of P` (`all == true`).
    Of {
        /// True for `all of`.
        all: bool,
        /// The identifier pattern (`*` wildcards) or `them`.
        pattern: String,
    },
}

/// A condition parse error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CondError(pub String);

impl fmt::Display for CondError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    And,
    Or,
    Not,
    Of,
    LParen,
    RParen,
}

const MAX_DEPTH: usize = 200;

fn tokenize(s: &str) -> Result<Vec<Tok>, CondError> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Tok::LParen);
            }
            ')' => {
                chars.next();
                out.push(Tok::RParen);
            }
            '|' => {
                return Err(CondError(
                    "the `|` aggregation syntax (count(), near, timeframe) is deprecated and not \
                     supported; write a Sigma correlation rule instead"
                        .into(),
                ));
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*' | '.') => {
                let mut end = i;
                while let Some(&(j, c)) = chars.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*' | '.') {
                        end = j + c.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let word = &s[i..end];
                out.push(match word {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "of" => Tok::Of,
                    w => Tok::Ident(w.to_string()),
                });
            }
            c => {
                return Err(CondError(format!(
                    "unexpected character {c:?} in condition"
                )));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn enter(&mut self) -> Result<(), CondError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CondError("condition nested too deeply".into()));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Cond, CondError> {
        self.enter()?;
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            let right = self.and()?;
            left = Cond::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, CondError> {
        let mut left = self.not()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            let right = self.not()?;
            left = Cond::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Cond, CondError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Cond, CondError> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(CondError("missing `)`".into()));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Ident(w)) => {
                self.pos += 1;
                if self.peek() == Some(&Tok::Of) {
                    self.pos += 1;
                    let all = match w.as_str() {
                        "1" | "any" => false,
                        "all" => true,
                        other => {
                            return Err(CondError(format!(
                                "`{other} of`: only `1 of`, `any of` and `all of` exist"
                            )));
                        }
                    };
                    match self.toks.get(self.pos).cloned() {
                        Some(Tok::Ident(p)) => {
                            self.pos += 1;
                            Ok(Cond::Of { all, pattern: p })
                        }
                        _ => Err(CondError(
                            "`of` must be followed by a pattern or `them`".into(),
                        )),
                    }
                } else if w.contains('*') {
                    Err(CondError(format!(
                        "wildcard identifier `{w}` outside `1 of`/`all of`"
                    )))
                } else {
                    Ok(Cond::Ident(w))
                }
            }
            Some(t) => Err(CondError(format!("unexpected {t:?} in condition"))),
            None => Err(CondError("condition ends too early".into())),
        }
    }
}

/// Parses one condition string.
pub fn parse(s: &str) -> Result<Cond, CondError> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err(CondError("empty condition".into()));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let c = p.or()?;
    if p.pos != p.toks.len() {
        return Err(CondError(format!(
            "unexpected {:?} after the condition",
            p.toks[p.pos]
        )));
    }
    Ok(c)
}

/// Whether identifier `name` matches the selector `pattern` (`*` = any run).
/// `them` matches every identifier not starting with `_`; a pattern skips
/// `_`-identifiers unless it starts with `_` itself.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    if pattern == "them" {
        return !name.starts_with('_');
    }
    if name.starts_with('_') && !pattern.starts_with('_') {
        return false;
    }
    glob(pattern.as_bytes(), name.as_bytes())
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    // Iterative `*`-only glob with backtracking to the last star.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Box<Cond> {
        Box::new(Cond::Ident(s.into()))
    }

    #[test]
    fn precedence_or_and_not() {
        // a or b and not c  ==  a or (b and (not c))
        assert_eq!(
            parse("a or b and not c").unwrap(),
            Cond::Or(
                id("a"),
                Box::new(Cond::And(id("b"), Box::new(Cond::Not(id("c")))))
            )
        );
    }

    #[test]
    fn left_associative_and_parens() {
        assert_eq!(
            parse("(a or b) and c").unwrap(),
            Cond::And(Box::new(Cond::Or(id("a"), id("b"))), id("c"))
        );
        assert_eq!(
            parse("a and b and c").unwrap(),
            Cond::And(Box::new(Cond::And(id("a"), id("b"))), id("c"))
        );
    }

    #[test]
    fn selectors() {
        assert_eq!(
            parse("1 of sel* and not all of filter_*").unwrap(),
            Cond::And(
                Box::new(Cond::Of {
                    all: false,
                    pattern: "sel*".into()
                }),
                Box::new(Cond::Not(Box::new(Cond::Of {
                    all: true,
                    pattern: "filter_*".into()
                })))
            )
        );
        assert_eq!(
            parse("any of them").unwrap(),
            Cond::Of {
                all: false,
                pattern: "them".into()
            }
        );
        assert!(parse("2 of them").is_err());
    }

    #[test]
    fn errors() {
        assert!(parse("").is_err());
        assert!(parse("a and").is_err());
        assert!(parse("(a").is_err());
        assert!(parse("a b").is_err());
        assert!(
            parse("selection | count() > 5")
                .unwrap_err()
                .0
                .contains("deprecated")
        );
        assert!(parse("AND").is_ok_and(|c| c == Cond::Ident("AND".into())));
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("sel*", "selection"));
        assert!(pattern_matches("*_img", "sel_img"));
        assert!(pattern_matches("s*l*n", "selection"));
        assert!(!pattern_matches("sel*", "filter"));
        assert!(pattern_matches("them", "selection"));
        assert!(!pattern_matches("them", "_hidden"));
        assert!(!pattern_matches("*", "_hidden"));
        assert!(pattern_matches("_h*", "_hidden"));
    }
}
