//! Sigma values: wildcard strings with the specification's escaping, typed
//! scalars, and the modifier names.
//!
//! Escaping (../shared/SIGMA.md §1, pySigma's `SigmaString`): a backslash
//! before `*`, `?` or `\` yields that character literally and is consumed;
//! before anything else, or at the end of the value, it is kept. Unescaping
//! happens here, once, *before* modifiers run, so wildcards a modifier adds
//! later are tokens and can never be swallowed by a trailing backslash.

use std::fmt;

/// One piece of a Sigma string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Token {
    /// Literal text.
    Lit(String),
    /// `*`: zero or more characters.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A Sigma string: literal runs and wildcards, escapes already resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SigmaString {
    /// The tokens in order; adjacent literals are merged.
    pub tokens: Vec<Token>,
}

impl SigmaString {
    /// Parses a rule value with wildcards and escapes.
    pub fn parse(s: &str) -> SigmaString {
        let mut out = SigmaString::default();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        chars.next();
                        out.push_char(n);
                    }
                    _ => out.push_char('\\'),
                },
                '*' => out.push(Token::Star),
                '?' => out.push(Token::One),
                c => out.push_char(c),
            }
        }
        out
    }

    /// A string made of one literal, no wildcards.
    pub fn literal(s: &str) -> SigmaString {
        let mut out = SigmaString::default();
        if !s.is_empty() {
            out.tokens.push(Token::Lit(s.to_string()));
        }
        out
    }

    /// Appends a token, merging adjacent literals.
    pub fn push(&mut self, t: Token) {
        match (self.tokens.last_mut(), t) {
            (Some(Token::Lit(a)), Token::Lit(b)) => a.push_str(&b),
            (_, Token::Lit(b)) if b.is_empty() => {}
            (_, t) => self.tokens.push(t),
        }
    }

    fn push_char(&mut self, c: char) {
        match self.tokens.last_mut() {
            Some(Token::Lit(a)) => a.push(c),
            _ => self.tokens.push(Token::Lit(c.to_string())),
        }
    }

    /// True when the string has a `*` or `?`.
    pub fn has_wildcards(&self) -> bool {
        self.tokens.iter().any(|t| !matches!(t, Token::Lit(_)))
    }

    /// The literal text when there are no wildcards.
    pub fn as_plain(&self) -> Option<String> {
        let mut s = String::new();
        for t in &self.tokens {
            match t {
                Token::Lit(l) => s.push_str(l),
                _ => return None,
            }
        }
        Some(s)
    }

    /// Adds a leading `*` unless one is there.
    pub fn prepend_star(&mut self) {
        if self.tokens.first() != Some(&Token::Star) {
            self.tokens.insert(0, Token::Star);
        }
    }

    /// Adds a trailing `*` unless one is there.
    pub fn append_star(&mut self) {
        if self.tokens.last() != Some(&Token::Star) {
            self.tokens.push(Token::Star);
        }
    }

    /// Applies `f` to every literal run.
    pub fn map_literals(&self, mut f: impl FnMut(&str) -> String) -> SigmaString {
        let mut out = SigmaString::default();
        for t in &self.tokens {
            match t {
                Token::Lit(l) => out.push(Token::Lit(f(l))),
                t => out.push(t.clone()),
            }
        }
        out
    }
}

impl fmt::Display for SigmaString {
    /// Writes the string back in Sigma syntax (escaping `*`, `?`, `\`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tokens {
            match t {
                Token::Star => f.write_str("*")?,
                Token::One => f.write_str("?")?,
                Token::Lit(l) => {
                    for c in l.chars() {
                        if matches!(c, '*' | '?' | '\\') {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A scalar rule value as typed by YAML and Sigma.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (quoted, or plain text that is not a number/bool/null).
    Str {
        /// The raw text, before escape processing (for `re`, `expand`, `cidr`, …).
        raw: String,
        /// The parsed wildcard string.
        parsed: SigmaString,
    },
    /// An unquoted integer.
    Int(i64),
    /// An unquoted float.
    Float(f64),
    /// An unquoted `true`/`false`.
    Bool(bool),
    /// `null`, `~` or an empty plain scalar.
    Null,
}

impl Value {
    /// Types a YAML scalar the way Sigma rules expect.
    pub fn from_scalar(text: &str, plain: bool) -> Value {
        if plain {
            if super::yaml::is_null_text(text) {
                return Value::Null;
            }
            match text {
                "true" | "True" | "TRUE" => return Value::Bool(true),
                "false" | "False" | "FALSE" => return Value::Bool(false),
                _ => {}
            }
            if let Some(i) = parse_yaml_int(text) {
                return Value::Int(i);
            }
            let looks_float = text.bytes().any(|b| b.is_ascii_digit())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            if looks_float && let Ok(f) = text.parse::<f64>() {
                return Value::Float(f);
            }
        }
        Value::Str {
            raw: text.to_string(),
            parsed: SigmaString::parse(text),
        }
    }

    /// The value as text, the way a string comparison sees it.
    pub fn text(&self) -> String {
        match self {
            Value::Str { raw, .. } => raw.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => String::new(),
        }
    }

    /// The value as a Sigma string (numbers and bools in their text form).
    pub fn sigma_string(&self) -> SigmaString {
        match self {
            Value::Str { parsed, .. } => parsed.clone(),
            other => SigmaString::literal(&other.text()),
        }
    }
}

fn parse_yaml_int(text: &str) -> Option<i64> {
    let (neg, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let v = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// A value modifier (../shared/SIGMA.md §2).
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    ReI,
    ReM,
    ReS,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Cidr,
    Lt,
    Lte,
    Gt,
    Gte,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Expand,
    FieldRef,
}

impl Modifier {
    /// Parses a modifier name; `None` for an unknown one.
    pub fn parse(s: &str) -> Option<Modifier> {
        use Modifier::*;
        Some(match s {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "exists" => Exists,
            "cased" => Cased,
            "neq" => Neq,
            "windash" => Windash,
            "re" => Re,
            "i" | "ignorecase" => ReI,
            "m" | "multiline" => ReM,
            "s" | "dotall" => ReS,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16le" | "wide" => Utf16Le,
            "utf16be" => Utf16Be,
            "utf16" => Utf16,
            "cidr" => Cidr,
            "lt" => Lt,
            "lte" => Lte,
            "gt" => Gt,
            "gte" => Gte,
            "minute" => Minute,
            "hour" => Hour,
            "day" => Day,
            "week" => Week,
            "month" => Month,
            "year" => Year,
            "expand" => Expand,
            "fieldref" => FieldRef,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Token> {
        SigmaString::parse(s).tokens
    }
    fn lit(s: &str) -> Token {
        Token::Lit(s.into())
    }

    // SIGMA.md §1, the escaping table, row by row.
    #[test]
    fn escaping_table() {
        assert_eq!(toks(r"\*"), vec![lit("*")]);
        assert_eq!(toks(r"\?"), vec![lit("?")]);
        assert_eq!(toks(r"\\"), vec![lit(r"\")]);
        assert_eq!(toks(r"\\*"), vec![lit(r"\"), Token::Star]);
        assert_eq!(toks(r"\\\*"), vec![lit(r"\*")]);
        assert_eq!(toks(r"\\\"), vec![lit(r"\\")]);
        assert_eq!(toks(r"\\\\"), vec![lit(r"\\")]);
        assert_eq!(toks(r"C:\Windows\"), vec![lit(r"C:\Windows\")]);
        assert_eq!(toks(r"\\\\srv"), vec![lit(r"\\srv")]);
        assert_eq!(
            toks("a*b?c"),
            vec![lit("a"), Token::Star, lit("b"), Token::One, lit("c")]
        );
    }

    #[test]
    fn display_round_trips() {
        for s in [r"a\*b", r"C:\\x*", "plain", r"\\\\srv\share?"] {
            let p = SigmaString::parse(s);
            assert_eq!(SigmaString::parse(&p.to_string()), p, "{s}");
        }
    }

    #[test]
    fn scalar_typing() {
        assert_eq!(Value::from_scalar("4104", true), Value::Int(4104));
        assert!(matches!(
            Value::from_scalar("4104", false),
            Value::Str { .. }
        ));
        assert_eq!(Value::from_scalar("0x17", true), Value::Int(23));
        assert_eq!(Value::from_scalar("null", true), Value::Null);
        assert_eq!(Value::from_scalar("", true), Value::Null);
        assert!(matches!(Value::from_scalar("", false), Value::Str { .. }));
        assert_eq!(Value::from_scalar("true", true), Value::Bool(true));
        assert_eq!(Value::from_scalar("1.5", true), Value::Float(1.5));
        assert!(matches!(
            Value::from_scalar("1.2.3", true),
            Value::Str { .. }
        ));
    }
}
