//! Required literals of a `re` value: strings one of which every match of the
//! regular expression contains, so the prefilter can skip lines for a rule
//! whose only selective item is a regex.
//!
//! [`required_literals`] takes the pattern as `regex-syntax` parses it under
//! the flags `item::compile_value` gives the regex (`lazy_regex::parse`: the
//! same parser the `regex` crate runs, so the same HIR, normalisations
//! included) and walks the HIR bottom-up. For every node it computes two facts about the
//! strings the node can match:
//!
//! - `exact`: a small finite set that holds every matched string,
//!   ASCII-lowercased (a superset of the node's language; `None` when none
//!   small enough is known);
//! - `req`: a set such that every matched string contains one of its
//!   members, ASCII-caselessly (`None`: no requirement known).
//!
//! Both hold for the strings without a [`FOLDS_TO_ASCII`] character; the
//! contract below says why those may be left out.
//!
//! The rules, each sound on its own:
//!
//! - **Literal**: its bytes, lowercased, are `exact` and `req`.
//! - **Class**: `exact` is its members as one-character strings when they
//!   are at most [`MAX_CLASS_CHARS`] ASCII characters after lowercasing;
//!   non-ASCII members are allowed only if they are in
//!   [`FOLDS_TO_ASCII`] and are left out (see below). So `(?i)k`, which
//!   `regex-syntax` writes as `[Kk\u{212A}]`, is `{"k"}`. Any other class is
//!   unknown: `None` for both, which a concatenation simply skips.
//! - **Empty, look-around, anchors**: zero-width, `exact = {""}`, no
//!   requirement.
//! - **Capture group**: its child.
//! - **Concatenation**: `exact` is the product of the children's sets (when
//!   all are known and the product stays small). Every match is the
//!   children's matches side by side, so it contains each child's match:
//!   each child's `req` is a requirement of the whole, and so is the product
//!   of any run of adjacent children with known `exact` (which joins
//!   `\\`, `cmd|powershell` and `.exe` into `\cmd.exe`/`\powershell.exe`).
//!   The best of those candidates is kept: the longest shortest safe piece
//!   (what `literals::best_piece` will keep of each), then the fewest.
//! - **Alternation**: the union of the branches' sets; every branch must
//!   have one, else `None`.
//! - **Repetition** `{min,max}`: with `min ≥ 1` the child's `req` (any
//!   match holds at least one match of the child); with `min = 0` none.
//!   `exact` is the union of the child's powers `min..=max` when `max` is
//!   small.
//!
//! Sets are capped at [`MAX_LITERALS`] strings and exact strings at
//! [`MAX_EXACT_LEN`] bytes; past that the fact is dropped (`None`), which is
//! always sound. The result is `None` unless the root has a non-empty
//! requirement without an empty string.
//!
//! **The contract, exactly:** for every string `s` on which `Regex::is_match`
//! is true, either `s` contains one of the returned strings as a substring,
//! ASCII-caselessly, or `s` contains a character of [`FOLDS_TO_ASCII`]. The
//! second case is the class rule's exception: under `(?i)` the Kelvin sign
//! matches `k` and `ſ` matches `s`, and a value holding such a character
//! does not hold the ASCII letter. The prefilter already treats every line
//! holding one (raw, `\uXXXX`-escaped or as a character reference) as a
//! fallback line evaluated against every rule (`literals::needs_fallback`,
//! `src/prefilter/README.md`), so those lines never depend on these
//! literals. A non-ASCII class member outside that list makes the class
//! unknown. The property test below checks the contract against
//! `regex::Regex` on generated patterns and haystacks.
//!
//! Only safe pieces of the returned strings reach the prefilter
//! (`literals::any_of`); a string whose best safe piece is empty makes the
//! item decline there, as for any other value.

use std::collections::BTreeSet;

use regex_syntax::hir::{Class, Hir, HirKind};

use super::fold::FOLDS_TO_ASCII;
use super::literals::is_safe_byte;

/// Most strings in one set.
pub const MAX_LITERALS: usize = 64;
/// Longest string kept in an `exact` set.
pub const MAX_EXACT_LEN: usize = 256;
/// Most distinct (lowercased ASCII) members of a class taken as `exact`.
pub const MAX_CLASS_CHARS: usize = 10;
/// Largest repetition bound expanded into an `exact` set.
const MAX_REPEAT: u32 = 8;
/// Safe pieces longer than this are no better for the prefilter (as in
/// `literals`' own ranking).
const QUALITY_CAP: usize = 12;

/// The flags `item::compile_value` sets on the `regex::RegexBuilder`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// `i`: case-insensitive.
    pub case_insensitive: bool,
    /// `m`: `^`/`$` match at line ends.
    pub multi_line: bool,
    /// `s`: `.` matches `\n`.
    pub dot_matches_new_line: bool,
}

/// Strings one of which every match of `hir` contains, ASCII-caselessly
/// (lines holding a [`FOLDS_TO_ASCII`] character excepted; see the module
/// documentation), or `None` when that cannot be proved. Strings are
/// lowercased, non-empty, sorted and distinct.
pub fn required_literals(hir: &Hir) -> Option<Vec<String>> {
    let set = analyse(hir).req?;
    if set.is_empty() || set.len() > MAX_LITERALS || set.iter().any(Vec::is_empty) {
        return None;
    }
    set.into_iter().map(|b| String::from_utf8(b).ok()).collect()
}

type Set = BTreeSet<Vec<u8>>;

/// What is known about the strings one HIR node matches.
#[derive(Clone, Debug, Default)]
struct Info {
    /// Every matched string without a [`FOLDS_TO_ASCII`] character,
    /// ASCII-lowercased, is one of these.
    exact: Option<Set>,
    /// Every matched string without a [`FOLDS_TO_ASCII`] character contains
    /// one of these, ASCII-caselessly.
    req: Option<Set>,
}

impl Info {
    /// Completes `req` with `exact` where that is the better requirement
    /// (an exact set without the empty string is one).
    fn new(exact: Option<Set>, req: Option<Set>) -> Info {
        let from_exact = exact
            .as_ref()
            .filter(|e| !e.is_empty() && !e.contains(&Vec::new()))
            .cloned();
        Info {
            req: better(req, from_exact),
            exact,
        }
    }

    fn zero_width() -> Info {
        Info::new(Some(Set::from([Vec::new()])), None)
    }
}

fn analyse(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::zero_width(),
        HirKind::Literal(lit) => {
            let bytes = lit.0.to_ascii_lowercase();
            let exact = (bytes.len() <= MAX_EXACT_LEN).then(|| Set::from([bytes]));
            Info::new(exact, None)
        }
        HirKind::Class(c) => Info::new(class_set(c), None),
        HirKind::Capture(c) => analyse(&c.sub),
        HirKind::Repetition(r) => {
            let child = analyse(&r.sub);
            let exact = match (&child.exact, r.max) {
                (Some(e), Some(max)) if max <= MAX_REPEAT => {
                    let mut out = Some(Set::new());
                    let mut power = Some(Set::from([Vec::new()]));
                    for k in 0..=max {
                        if k > 0 {
                            power = power.and_then(|p| product(&p, e));
                        }
                        if k >= r.min {
                            out = match (out, &power) {
                                (Some(o), Some(p)) => union(o, p),
                                _ => None,
                            };
                        }
                    }
                    out
                }
                _ => None,
            };
            let req = if r.min >= 1 { child.req } else { None };
            Info::new(exact, req)
        }
        HirKind::Concat(subs) => {
            let infos: Vec<Info> = subs.iter().map(analyse).collect();
            let mut req: Option<Set> = None;
            for i in &infos {
                req = better(req, i.req.clone());
            }
            // Every run of adjacent children with known exact sets.
            for start in 0..infos.len() {
                let mut run = Some(Set::from([Vec::new()]));
                for info in &infos[start..] {
                    run = match (&run, &info.exact) {
                        (Some(r), Some(e)) => product(r, e),
                        _ => None,
                    };
                    let Some(r) = &run else { break };
                    if !r.contains(&Vec::new()) {
                        let capped = quality(r).0 >= QUALITY_CAP;
                        req = better(req, Some(r.clone()));
                        // A longer run has as many strings or more, and its
                        // quality is capped: it cannot be better.
                        if capped {
                            break;
                        }
                    }
                }
            }
            let mut exact = Some(Set::from([Vec::new()]));
            for info in &infos {
                exact = match (&exact, &info.exact) {
                    (Some(a), Some(b)) => product(a, b),
                    _ => None,
                };
            }
            Info::new(exact, req)
        }
        HirKind::Alternation(subs) => {
            let infos: Vec<Info> = subs.iter().map(analyse).collect();
            let mut exact = Some(Set::new());
            let mut req = Some(Set::new());
            for i in &infos {
                exact = match (exact, &i.exact) {
                    (Some(a), Some(b)) => union(a, b),
                    _ => None,
                };
                req = match (req, &i.req) {
                    (Some(a), Some(b)) => union(a, b),
                    _ => None,
                };
            }
            Info::new(exact, req)
        }
    }
}

/// A class as the set of its members' one-character strings, ASCII
/// lowercased; members in [`FOLDS_TO_ASCII`] are left out (they make the
/// line a fallback line). `None` for a class with any other non-ASCII member,
/// more than [`MAX_CLASS_CHARS`] distinct members, or no member left.
fn class_set(c: &Class) -> Option<Set> {
    let mut out = Set::new();
    match c {
        Class::Unicode(u) => {
            for r in u.ranges() {
                let (lo, hi) = (u32::from(r.start()), u32::from(r.end()));
                // A range wider than the limit plus the whole fold list
                // cannot pass; don't walk it.
                if hi - lo >= (MAX_CLASS_CHARS * 2 + FOLDS_TO_ASCII.len()) as u32 {
                    return None;
                }
                for ch in (lo..=hi).filter_map(char::from_u32) {
                    if ch.is_ascii() {
                        out.insert(vec![(ch as u8).to_ascii_lowercase()]);
                    } else if !FOLDS_TO_ASCII.contains(&ch) {
                        return None;
                    }
                }
                if out.len() > MAX_CLASS_CHARS {
                    return None;
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                if !r.end().is_ascii() || usize::from(r.end() - r.start()) >= MAX_CLASS_CHARS * 2 {
                    return None;
                }
                for byte in r.start()..=r.end() {
                    out.insert(vec![byte.to_ascii_lowercase()]);
                }
                if out.len() > MAX_CLASS_CHARS {
                    return None;
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Every `x + y`, or `None` past the caps.
fn product(a: &Set, b: &Set) -> Option<Set> {
    if a.len() * b.len() > MAX_LITERALS {
        return None;
    }
    let mut out = Set::new();
    for x in a {
        for y in b {
            if x.len() + y.len() > MAX_EXACT_LEN {
                return None;
            }
            let mut s = Vec::with_capacity(x.len() + y.len());
            s.extend_from_slice(x);
            s.extend_from_slice(y);
            out.insert(s);
        }
    }
    Some(out)
}

/// `a ∪ b`, or `None` past [`MAX_LITERALS`].
fn union(mut a: Set, b: &Set) -> Option<Set> {
    a.extend(b.iter().cloned());
    (a.len() <= MAX_LITERALS).then_some(a)
}

/// The length of the longest run of prefilter-safe bytes in `s` (what
/// `literals::best_piece` keeps of it).
fn safe_len(s: &[u8]) -> usize {
    s.split(|&b| !is_safe_byte(b))
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0)
}

/// How good a requirement is for the prefilter: the longest shortest safe
/// piece first (capped as in `literals`), then the fewest strings.
fn quality(set: &Set) -> (usize, std::cmp::Reverse<usize>) {
    let min = set.iter().map(|s| safe_len(s)).min().unwrap_or(0);
    (min.min(QUALITY_CAP), std::cmp::Reverse(set.len()))
}

/// Of two sound requirements, the better one.
fn better(a: Option<Set>, b: Option<Set>) -> Option<Set> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if quality(&b) > quality(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests;
