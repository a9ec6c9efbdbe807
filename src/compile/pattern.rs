//! Wildcard string matching: a Sigma string compiled to the cheapest test
//! that decides it (equality, prefix, suffix, substring, or a general glob).
//!
//! Patterns are folded once at compile time (unless `cased`); field values
//! are folded per comparison, borrowing when already folded. A Sigma value
//! matches the *whole* field value; only wildcards make it partial.

use memchr::memmem;

use super::fold::fold;
use crate::sigma::value::{SigmaString, Token};

#[derive(Clone, Debug)]
enum Seg {
    Lit(String),
    One,
}

/// A compiled wildcard pattern.
#[derive(Clone, Debug)]
pub struct StrMatcher {
    kind: Kind,
    cased: bool,
}

#[derive(Clone, Debug)]
enum Kind {
    Exact(String),
    Prefix(String),
    Suffix(String),
    /// Boxed: a `Finder` is large and most matchers are not substring tests.
    Contains(Box<memmem::Finder<'static>>),
    Any,
    /// Star-separated segments; `anchored_start`/`end` say whether the
    /// pattern begins/ends without a star; `has_one` whether there is a `?`.
    Glob {
        segs: Vec<Vec<Seg>>,
        anchored_start: bool,
        anchored_end: bool,
        has_one: bool,
    },
}

impl StrMatcher {
    /// Compiles `s`; `cased` keeps the letter case.
    pub fn new(s: &SigmaString, cased: bool) -> StrMatcher {
        let s = if cased {
            s.clone()
        } else {
            s.map_literals(|l| fold(l).into_owned())
        };
        let toks = &s.tokens;
        let lit = |t: &Token| match t {
            Token::Lit(l) => Some(l.clone()),
            _ => None,
        };
        let kind = match toks.as_slice() {
            [] => Kind::Exact(String::new()),
            [Token::Star] => Kind::Any,
            [Token::Lit(l)] => Kind::Exact(l.clone()),
            [Token::Lit(l), Token::Star] => Kind::Prefix(l.clone()),
            [Token::Star, Token::Lit(l)] => Kind::Suffix(l.clone()),
            [Token::Star, m, Token::Star] if lit(m).is_some() => {
                let l = lit(m).expect("BUG: checked");
                Kind::Contains(Box::new(memmem::Finder::new(l.as_bytes()).into_owned()))
            }
            _ => {
                let mut segs = vec![Vec::new()];
                for t in toks {
                    match t {
                        Token::Star => segs.push(Vec::new()),
                        Token::One => segs.last_mut().expect("BUG: non-empty").push(Seg::One),
                        Token::Lit(l) => segs
                            .last_mut()
                            .expect("BUG: non-empty")
                            .push(Seg::Lit(l.clone())),
                    }
                }
                Kind::Glob {
                    anchored_start: toks.first() != Some(&Token::Star),
                    anchored_end: toks.last() != Some(&Token::Star),
                    has_one: toks.contains(&Token::One),
                    segs,
                }
            }
        };
        StrMatcher { kind, cased }
    }

    /// Like [`StrMatcher::matches`], with the value's fold computed at most
    /// once by the caller's `folded` cell (shared by all matchers of an item).
    pub fn matches_prefolded(&self, value: &str, folded: &std::cell::OnceCell<String>) -> bool {
        if self.cased {
            return self.matches_folded(value);
        }
        if matches!(self.kind, Kind::Glob { has_one: true, .. }) && !value.is_ascii() {
            return self.matches(value);
        }
        self.matches_folded(folded.get_or_init(|| fold(value).into_owned()))
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        if self.cased {
            return self.matches_folded(value);
        }
        if let Kind::Glob {
            segs,
            anchored_start,
            anchored_end,
            has_one: true,
        } = &self.kind
            && !value.is_ascii()
        {
            // `?` is one character of the value, also when its fold is
            // longer (`ß` → `ss`, `İ` → `i̇`).
            let (folded, bounds) = fold_with_bounds(value);
            return glob(
                segs,
                *anchored_start,
                *anchored_end,
                &folded,
                bounds.as_deref(),
            );
        }
        self.matches_folded(&fold(value))
    }

    /// Whether `value`, already folded (or cased), matches. A `?` matches
    /// one character of the folded text.
    pub fn matches_folded(&self, v: &str) -> bool {
        match &self.kind {
            Kind::Exact(l) => v == l,
            Kind::Prefix(l) => v.starts_with(l.as_str()),
            Kind::Suffix(l) => v.ends_with(l.as_str()),
            Kind::Contains(f) => f.find(v.as_bytes()).is_some(),
            Kind::Any => true,
            Kind::Glob {
                segs,
                anchored_start,
                anchored_end,
                ..
            } => glob(segs, *anchored_start, *anchored_end, v, None),
        }
    }

    /// Whether comparisons fold case.
    pub fn is_cased(&self) -> bool {
        self.cased
    }
}

/// The fold of `v`, and, when some character's fold is longer than one
/// character, the byte offset in the fold where each character of `v`
/// starts (plus the end). Folding is per character (the fold has no
/// context: final sigma is folded to sigma), so the pieces concatenate to
/// `fold(v)`.
fn fold_with_bounds(v: &str) -> (String, Option<Vec<usize>>) {
    let folded = fold(v).into_owned();
    if folded.chars().count() == v.chars().count() {
        return (folded, None);
    }
    let mut out = String::with_capacity(folded.len());
    let mut bounds = Vec::with_capacity(v.len() + 1);
    for c in v.chars() {
        bounds.push(out.len());
        out.push_str(&fold(c.encode_utf8(&mut [0; 4])));
    }
    bounds.push(out.len());
    (out, Some(bounds))
}

/// Where a `?` that starts at byte `i` of `s` ends: after one character, or
/// with `bounds` (see [`fold_with_bounds`]) at the start of the next
/// character of the unfolded value.
fn one_end(s: &str, i: usize, bounds: Option<&[usize]>) -> Option<usize> {
    match bounds {
        None => s[i..].chars().next().map(|c| i + c.len_utf8()),
        Some(b) => b.get(b.partition_point(|&x| x <= i)).copied(),
    }
}

/// The end (a byte offset of `s`) of `seg` matched at byte `start`, if it
/// matches there.
fn seg_at(seg: &[Seg], s: &str, start: usize, bounds: Option<&[usize]>) -> Option<usize> {
    let mut i = start;
    for p in seg {
        match p {
            Seg::Lit(l) => {
                if !s[i..].starts_with(l.as_str()) {
                    return None;
                }
                i += l.len();
            }
            Seg::One => i = one_end(s, i, bounds)?,
        }
    }
    Some(i)
}

/// Finds the leftmost match of `seg` in `s` at or after byte `from`:
/// (start, end).
fn seg_find(seg: &[Seg], s: &str, from: usize, bounds: Option<&[usize]>) -> Option<(usize, usize)> {
    if let [Seg::Lit(l)] = seg {
        return s[from..]
            .find(l.as_str())
            .map(|i| (from + i, from + i + l.len()));
    }
    let mut start = from;
    loop {
        if let Some(end) = seg_at(seg, s, start, bounds) {
            return Some((start, end));
        }
        let c = s[start..].chars().next()?;
        start += c.len_utf8();
    }
}

/// Glob over star-separated segments of fixed character length: greedy
/// leftmost placement of the middle segments is exact for such patterns.
fn glob(
    segs: &[Vec<Seg>],
    anchored_start: bool,
    anchored_end: bool,
    s: &str,
    bounds: Option<&[usize]>,
) -> bool {
    let n = segs.len();
    if n == 1 {
        return seg_at(&segs[0], s, 0, bounds) == Some(s.len());
    }
    let mut pos = 0;
    let mut first = 0;
    if anchored_start {
        match seg_at(&segs[0], s, 0, bounds) {
            Some(end) => pos = end,
            None => return false,
        }
        first = 1;
    }
    let last = if anchored_end { n - 1 } else { n };
    for seg in &segs[first..last] {
        if seg.is_empty() {
            continue;
        }
        match seg_find(seg, s, pos, bounds) {
            Some((_, e)) => pos = e,
            None => return false,
        }
    }
    if anchored_end {
        // The last segment must end the string and not overlap what the
        // earlier segments consumed: try it at each char boundary from `pos`.
        let tail = &segs[n - 1];
        let mut start = pos;
        loop {
            if seg_at(tail, s, start, bounds) == Some(s.len()) {
                return true;
            }
            match s[start..].chars().next() {
                Some(c) => start += c.len_utf8(),
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, v: &str) -> bool {
        StrMatcher::new(&SigmaString::parse(p), false).matches(v)
    }

    #[test]
    fn whole_value_semantics() {
        assert!(m("cmd.exe", "CMD.EXE"));
        assert!(!m("cmd.exe", "xcmd.exe"));
        assert!(m("*\\cmd.exe", "C:\\Windows\\cmd.exe"));
        assert!(m("C:\\Win*", "c:\\windows"));
        assert!(m("*virtualalloc*", "x = VirtualAllocEx(...)"));
        assert!(m("*", ""));
        assert!(m("", ""));
        assert!(!m("", "a"));
    }

    #[test]
    fn globs() {
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("a?c", "abc"));
        assert!(m("a?c", "aéc"));
        assert!(!m("a?c", "ac"));
        assert!(m("*a?c*", "zzabczz"));
        assert!(m("ab*ab", "abab"));
        assert!(!m("ab*ab", "ab"));
        assert!(m("*.exe*x", ".exex"));
        assert!(m("?*", "x"));
        assert!(!m("?*", ""));
    }

    /// SIGMA.md §1: `?` is exactly one character of the value, also when
    /// that character's case fold is longer than one character.
    #[test]
    fn one_matches_a_char_with_a_longer_fold() {
        assert!(m("Stra?e", "Straße"));
        assert!(m("Stra?e", "STRAẞE"));
        assert!(m("Stra?e", "Strase"));
        assert!(!m("Stra?e", "Strasse"));
        assert!(!m("Stra?e", "Strae"));
        assert!(m("?stanbul", "İstanbul"));
        assert!(m("*?stanbul", "xİstanbul"));
        assert!(m("a*?c", "aßc"));
        assert!(m("??", "ßß"));
        assert!(!m("???", "ßß"));
        // Literals still compare folded text.
        assert!(m("straße*?", "STRASSEx"));
        assert!(m("*ss?", "ßx"));
    }

    #[test]
    fn escapes_and_case() {
        assert!(m(r"a\*b", "A*B"));
        assert!(!m(r"a\*b", "aXb"));
        assert!(m("straße", "STRASSE"));
        let cased = StrMatcher::new(&SigmaString::parse("Abc*"), true);
        assert!(cased.matches("Abcd"));
        assert!(!cased.matches("abcd"));
    }
}
