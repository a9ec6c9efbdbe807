//! Independent reference implementations shared by `tests/properties.rs`
//! and the fuzz targets (included with `#[path]`): written from SIGMA.md,
//! never from the code under test.

#![allow(dead_code)]

/// SIGMA.md §1, written independently of `SigmaString::parse`: `\*`, `\?`,
/// `\\` are the literal character; any other backslash (also a trailing one)
/// is kept as a literal backslash; `*` is any run, `?` one character. The
/// whole value must match, case-insensitively.
pub fn sigma_to_regex(p: &str) -> regex::Regex {
    let mut re = String::from("(?is)^");
    let cs: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        match cs[i] {
            '\\' => match cs.get(i + 1) {
                Some(&n @ ('*' | '?' | '\\')) => {
                    re.push_str(&regex::escape(&n.to_string()));
                    i += 1;
                }
                _ => re.push_str(r"\\"),
            },
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    regex::Regex::new(&re).expect("translated pattern compiles")
}

/// A YAML double-quoted scalar holding `s` exactly: everything outside
/// printable ASCII as `\UXXXXXXXX`.
pub fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}
