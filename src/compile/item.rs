//! One detection item (`field|modifiers: values`) compiled to a test.
//!
//! Modifiers run left to right on each value (SIGMA.md §2). Expanding
//! modifiers (`windash`, `base64offset`, `expand`) turn one value into
//! several variants that stay OR-ed together even under `all`, as in pySigma's
//! `SigmaExpansion`. Encodings go `utf16*` → `base64*` → `contains`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::lazy_regex::{self, LazyRegex};
use super::matcher::{Cidr as CidrNet, CmpOp, TimePart, ValueMatcher};
use super::pattern::StrMatcher;
use super::regex_literals;
use super::{FieldId, Placeholders};
use crate::sigma::Item;
use crate::sigma::value::{Modifier, SigmaString, Token, Value};

/// Upper bound on the variants one value may expand to.
const MAX_VARIANTS: usize = 4096;

/// A compiled item.
#[derive(Clone, Debug)]
pub enum ItemTest {
    /// Value matchers against one field (or, with `field == None`, against
    /// every string value of the event: a keyword search).
    Values {
        /// The field, or `None` for keywords.
        field: Option<FieldId>,
        /// One group per rule value; a group is the OR of its variants.
        groups: Vec<Vec<ValueMatcher>>,
        /// `all`: every group must match (else any).
        all: bool,
        /// `neq`: the item is the negation of the above.
        negate: bool,
        /// The item's verdict when the field is missing (precomputed:
        /// most fields a rule names are missing from a given event, and a
        /// list of hundreds of values would be walked for a `null`).
        on_missing: bool,
    },
    /// `exists`.
    Exists {
        /// The field.
        field: FieldId,
        /// Whether the field must be present.
        want: bool,
    },
    /// `fieldref`: compare with another field of the same event.
    FieldRef {
        /// The field.
        field: FieldId,
        /// The fields it is compared with (OR).
        others: Vec<FieldId>,
        /// Exact, contains, startswith or endswith.
        mode: RefMode,
        /// Case-sensitive.
        cased: bool,
        /// `neq`.
        negate: bool,
    },
}

impl ItemTest {
    /// A [`ItemTest::Values`], its verdict on a missing field precomputed.
    pub fn values(
        field: Option<FieldId>,
        groups: Vec<Vec<ValueMatcher>>,
        all: bool,
        negate: bool,
    ) -> ItemTest {
        let group_ok = |g: &Vec<ValueMatcher>| g.iter().any(ValueMatcher::matches_missing);
        let matched = if all {
            groups.iter().all(group_ok)
        } else {
            groups.iter().any(group_ok)
        };
        ItemTest::Values {
            field,
            groups,
            all,
            negate,
            on_missing: matched != negate,
        }
    }
}

impl ItemTest {
    /// Rewrites every field id `f` it reads to `ids[f]`.
    pub(super) fn remap_fields(&mut self, ids: &[FieldId]) {
        match self {
            ItemTest::Values { field, .. } => {
                if let Some(f) = field {
                    *f = ids[*f as usize];
                }
            }
            ItemTest::Exists { field, .. } => *field = ids[*field as usize],
            ItemTest::FieldRef { field, others, .. } => {
                *field = ids[*field as usize];
                for f in others {
                    *f = ids[*f as usize];
                }
            }
        }
    }
}

/// How a `fieldref` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefMode {
    /// Equal values.
    Exact,
    /// The field contains the other.
    Contains,
    /// The field starts with the other.
    StartsWith,
    /// The field ends with the other.
    EndsWith,
}

/// An item plus the literal strings any match must contain.
pub struct CompiledItem {
    /// The test.
    pub test: ItemTest,
    /// For each group, the string variants that a match must contain one of
    /// (`None`: the item can match without any literal text).
    pub literal_groups: Option<Vec<Vec<SigmaString>>>,
}

/// Compiles one item. `intern` maps a field name to its id.
pub fn compile_item(
    item: &Item,
    intern: &mut dyn FnMut(&str) -> FieldId,
    placeholders: &Placeholders,
) -> Result<CompiledItem, String> {
    use Modifier::*;
    let mods = &item.modifiers;
    let has = |m: Modifier| mods.contains(&m);
    let field = item.field.as_deref().map(&mut *intern);
    let where_ = || item.field.clone().unwrap_or_else(|| "keywords".into());

    if let Some(pos) = mods.iter().position(|m| *m == Re)
        && pos != 0
    {
        return Err(format!("{}: `re` must be the first modifier", where_()));
    }
    // A repeated modifier is legal (SIGMA.md §2: pySigma's validator only
    // warns) and is applied again, left to right like any other.

    if has(Exists) {
        if mods.len() != 1 {
            return Err(format!(
                "{}: `exists` cannot be combined with other modifiers",
                where_()
            ));
        }
        let Some(field) = field else {
            return Err("`exists` needs a field".into());
        };
        let want = match item.values.as_slice() {
            [Value::Bool(b)] => *b,
            _ => return Err(format!("{}: `exists` takes `true` or `false`", where_())),
        };
        return Ok(CompiledItem {
            test: ItemTest::Exists { field, want },
            literal_groups: None,
        });
    }

    if has(FieldRef) {
        let Some(field) = field else {
            return Err("`fieldref` needs a field".into());
        };
        let mode = if has(Contains) {
            RefMode::Contains
        } else if has(StartsWith) {
            RefMode::StartsWith
        } else if has(EndsWith) {
            RefMode::EndsWith
        } else {
            RefMode::Exact
        };
        for m in mods {
            if !matches!(m, FieldRef | Contains | StartsWith | EndsWith | Cased | Neq) {
                return Err(format!(
                    "{}: `fieldref` cannot be combined with {m:?}",
                    where_()
                ));
            }
        }
        let others = item.values.iter().map(|v| intern(&v.text())).collect();
        return Ok(CompiledItem {
            test: ItemTest::FieldRef {
                field,
                others,
                mode,
                cased: has(Cased),
                negate: has(Neq),
            },
            literal_groups: None,
        });
    }

    if item.values.is_empty() {
        // An empty list is null (pySigma).
        let test = ItemTest::values(field, vec![vec![ValueMatcher::Null]], false, has(Neq));
        return Ok(CompiledItem {
            test,
            literal_groups: None,
        });
    }
    if has(All) && item.values.len() < 2 && field.is_some() {
        // pySigma accepts it; a single value under `all` is just that value.
    }

    let mut groups = Vec::with_capacity(item.values.len());
    let mut literal_groups: Option<Vec<Vec<SigmaString>>> = Some(Vec::new());
    for v in &item.values {
        let (matchers, lits) = compile_value(item, v, placeholders)
            .map_err(|e| format!("{}: value {:?}: {e}", where_(), v.text()))?;
        groups.push(matchers);
        match (lits, literal_groups.as_mut()) {
            (Some(l), Some(g)) => g.push(l),
            _ => literal_groups = None,
        }
    }
    if has(Neq) {
        literal_groups = None;
    }
    let test = ItemTest::values(field, groups, has(All), has(Neq));
    Ok(CompiledItem {
        test,
        literal_groups,
    })
}

/// A value during modifier processing.
#[derive(Clone)]
struct Variant {
    s: SigmaString,
    /// Set once a `utf16*` modifier has encoded the value.
    bytes: Option<Vec<u8>>,
}

type ValueOut = (Vec<ValueMatcher>, Option<Vec<SigmaString>>);

fn compile_value(item: &Item, v: &Value, placeholders: &Placeholders) -> Result<ValueOut, String> {
    use Modifier::*;
    let mods = &item.modifiers;
    let keyword = item.field.is_none();

    if mods.first() == Some(&Re) {
        let raw = match v {
            Value::Str { raw, .. } => raw.clone(),
            other => other.text(),
        };
        let pattern = raw;
        let mut b = (false, false, false);
        for m in &mods[1..] {
            match m {
                ReI => b.0 = true,
                ReM => b.1 = true,
                ReS => b.2 = true,
                // On a regex these add `.*` (unless anchored; SIGMA.md §2),
                // which a substring search already implies: they change
                // nothing. They do not anchor.
                StartsWith | EndsWith | Contains | Cased | All | Neq => {}
                m => return Err(format!("modifier {m:?} cannot follow `re`")),
            }
        }
        let flags = regex_literals::Flags {
            case_insensitive: b.0,
            multi_line: b.1,
            dot_matches_new_line: b.2,
        };
        let no_compile = |e: String| format!("regex does not compile: {}", one_line(&e));
        let hir = lazy_regex::parse(&pattern, flags).map_err(no_compile)?;
        let re = LazyRegex::new(&pattern, flags, &hir).map_err(no_compile)?;
        // Strings one of which every match holds (`regex_literals`), as
        // plain variants: `literals::any_of` keeps the best safe piece of
        // each, or declines for the item if one has none.
        let lits = regex_literals::required_literals(&hir)
            .map(|l| l.iter().map(|s| SigmaString::literal(s)).collect());
        return Ok((vec![ValueMatcher::Re(re)], lits));
    }
    if mods.iter().any(|m| matches!(m, ReI | ReM | ReS)) {
        return Err("regex flags need `re` first".into());
    }

    // Numeric and network modifiers take the value as a whole.
    let number = || -> Result<f64, String> {
        match v {
            Value::Int(i) => Ok(*i as f64),
            Value::Float(f) => Ok(*f),
            Value::Str { raw, .. } => raw.trim().parse().map_err(|_| "not a number".to_string()),
            _ => Err("not a number".into()),
        }
    };
    let cmp = mods.iter().find_map(|m| match m {
        Lt => Some(CmpOp::Lt),
        Lte => Some(CmpOp::Lte),
        Gt => Some(CmpOp::Gt),
        Gte => Some(CmpOp::Gte),
        _ => None,
    });
    let part = mods.iter().find_map(|m| match m {
        Minute => Some(TimePart::Minute),
        Hour => Some(TimePart::Hour),
        Day => Some(TimePart::Day),
        Week => Some(TimePart::Week),
        Month => Some(TimePart::Month),
        Year => Some(TimePart::Year),
        _ => None,
    });
    if let Some(part) = part {
        return Ok((
            vec![ValueMatcher::Time(
                part,
                cmp.unwrap_or(CmpOp::Eq),
                number()?,
            )],
            None,
        ));
    }
    if let Some(op) = cmp {
        if mods
            .iter()
            .any(|m| !matches!(m, Lt | Lte | Gt | Gte | All | Neq))
        {
            return Err("numeric comparisons cannot be combined with string modifiers".into());
        }
        return Ok((vec![ValueMatcher::Cmp(op, number()?)], None));
    }
    if mods.contains(&Cidr) {
        if mods.iter().any(|m| !matches!(m, Cidr | All | Neq)) {
            return Err("`cidr` cannot be combined with string modifiers".into());
        }
        let c = CidrNet::parse(&v.text()).ok_or("not an IP network")?;
        return Ok((vec![ValueMatcher::Cidr(c)], None));
    }

    // Plain typed values with no string modifiers.
    let stringy = mods.iter().any(|m| !matches!(m, All | Neq | Cased));
    if !stringy && !keyword {
        match v {
            Value::Int(i) => return Ok((vec![ValueMatcher::Int(*i)], None)),
            Value::Float(f) => return Ok((vec![ValueMatcher::Float(*f)], None)),
            Value::Bool(b) => return Ok((vec![ValueMatcher::Bool(*b)], None)),
            Value::Null => return Ok((vec![ValueMatcher::Null], None)),
            Value::Str { .. } => {}
        }
    }
    if matches!(v, Value::Null) {
        return Err("null cannot take string modifiers".into());
    }

    let mut variants = vec![Variant {
        s: v.sigma_string(),
        bytes: None,
    }];
    if mods.contains(&Expand) {
        let Value::Str { raw, .. } = v else {
            return Err("`expand` needs a string".into());
        };
        variants = expand_placeholders(raw, placeholders)?
            .into_iter()
            .map(|s| Variant {
                s: SigmaString::parse(&s),
                bytes: None,
            })
            .collect();
    }
    // Keywords are substring searches over the event's string values.
    let implicit_contains = keyword && !mods.iter().any(|m| matches!(m, StartsWith | EndsWith));
    let mut b64_needs_contains = false;
    for (i, m) in mods.iter().enumerate() {
        match m {
            Contains => variants.iter_mut().for_each(|x| {
                x.s.prepend_star();
                x.s.append_star();
            }),
            StartsWith => variants.iter_mut().for_each(|x| x.s.append_star()),
            EndsWith => variants.iter_mut().for_each(|x| x.s.prepend_star()),
            Windash => {
                let mut out = Vec::new();
                for x in &variants {
                    for s in windash(&x.s)? {
                        out.push(Variant {
                            s,
                            bytes: x.bytes.clone(),
                        });
                    }
                }
                variants = out;
            }
            Utf16Le | Utf16Be | Utf16 => {
                if !mods[i + 1..]
                    .iter()
                    .any(|m| matches!(m, Base64 | Base64Offset))
                {
                    return Err(
                        "utf16 encodings must be followed by `base64` or `base64offset`".into(),
                    );
                }
                for x in &mut variants {
                    let text = x.s.as_plain().ok_or("wildcards cannot be encoded")?;
                    x.bytes = Some(utf16(&text, *m));
                }
            }
            Base64 | Base64Offset => {
                let mut out = Vec::new();
                for x in &variants {
                    let bytes = match &x.bytes {
                        Some(b) => b.clone(),
                        None => {
                            x.s.as_plain()
                                .ok_or("wildcards cannot be encoded")?
                                .into_bytes()
                        }
                    };
                    if *m == Base64 {
                        out.push(Variant {
                            s: SigmaString::literal(&B64.encode(&bytes)),
                            bytes: None,
                        });
                    } else {
                        for s in base64_offsets(&bytes) {
                            out.push(Variant {
                                s: SigmaString::literal(&s),
                                bytes: None,
                            });
                        }
                    }
                }
                variants = out;
                if *m == Base64Offset {
                    b64_needs_contains = !mods[i + 1..].contains(&Contains);
                }
            }
            All | Neq | Cased | Expand => {}
            m => return Err(format!("modifier {m:?} cannot be used here")),
        }
        if variants.len() > MAX_VARIANTS {
            return Err(format!("expands to more than {MAX_VARIANTS} variants"));
        }
    }
    if b64_needs_contains {
        return Err("`base64offset` must be followed by `contains`".into());
    }
    if implicit_contains {
        variants.iter_mut().for_each(|x| {
            x.s.prepend_star();
            x.s.append_star();
        });
    }
    let cased = mods.contains(&Cased);
    let matchers = variants
        .iter()
        .map(|x| ValueMatcher::Str(StrMatcher::new(&x.s, cased)))
        .collect();
    Ok((matchers, Some(variants.into_iter().map(|x| x.s).collect())))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn utf16(s: &str, m: Modifier) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2 + 2);
    if m == Modifier::Utf16 {
        out.extend_from_slice(&[0xFF, 0xFE]);
    }
    for u in s.encode_utf16() {
        let b = if m == Modifier::Utf16Be {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        };
        out.extend_from_slice(&b);
    }
    out
}

/// The three base64 forms of `bytes` at offsets 0, 1, 2 of a larger
/// encoded text, trimmed to the characters that do not depend on the
/// neighbours (pySigma's start offsets 0, 2, 3 and end trims).
pub fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_TRIM: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|i| {
            let mut shifted = vec![b' '; i];
            shifted.extend_from_slice(bytes);
            let enc = B64.encode(&shifted);
            let trim = END_TRIM[(bytes.len() + i) % 3];
            let end = enc.len().saturating_sub(trim);
            enc.get(START[i]..end).unwrap_or("").to_string()
        })
        .collect()
}

/// The dash-like characters `windash` substitutes.
pub const WINDASH_CHARS: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Expands each `-` or `/` that starts a word (not preceded by a word
/// character, followed by one) into the five dash forms, in every
/// combination.
pub fn windash(s: &SigmaString) -> Result<Vec<SigmaString>, String> {
    // Flatten to (char, is_literal) to see neighbours across tokens.
    let mut flat: Vec<Option<char>> = Vec::new();
    for t in &s.tokens {
        match t {
            Token::Lit(l) => flat.extend(l.chars().map(Some)),
            _ => flat.push(None),
        }
    }
    let word =
        |c: Option<&Option<char>>| matches!(c, Some(Some(c)) if c.is_alphanumeric() || *c == '_');
    let mut positions = Vec::new();
    for (i, c) in flat.iter().enumerate() {
        if matches!(c, Some('-' | '/'))
            && !(i > 0 && word(flat.get(i - 1)))
            && word(flat.get(i + 1))
        {
            positions.push(i);
        }
    }
    let count = WINDASH_CHARS
        .len()
        .checked_pow(positions.len() as u32)
        .unwrap_or(usize::MAX);
    if count > MAX_VARIANTS {
        return Err(format!(
            "`windash` expands to more than {MAX_VARIANTS} variants"
        ));
    }
    let mut out = Vec::with_capacity(count);
    for mut n in 0..count {
        let mut chosen = flat.clone();
        for &p in &positions {
            chosen[p] = Some(WINDASH_CHARS[n % WINDASH_CHARS.len()]);
            n /= WINDASH_CHARS.len();
        }
        // Rebuild tokens, keeping the original wildcard kinds.
        let mut rebuilt = SigmaString::default();
        let mut wild = s.tokens.iter().filter(|t| !matches!(t, Token::Lit(_)));
        for c in chosen {
            match c {
                Some(c) => rebuilt.push(Token::Lit(c.to_string())),
                None => rebuilt.push(wild.next().expect("BUG: wildcard count").clone()),
            }
        }
        out.push(rebuilt);
    }
    Ok(out)
}

/// Replaces `%name%` placeholders with each of their values, in every
/// combination. An unknown placeholder is an error naming it.
///
/// Escapes (SIGMA.md §1): `\%` is a literal percent sign and comes out as
/// `%`; any other backslash pair (`\\`, `\*`, …) is copied as is for
/// [`SigmaString::parse`] to resolve, so `\\%name%` is a backslash before a
/// placeholder. Text between percent signs that is not a placeholder name
/// stays literal.
pub fn expand_placeholders(raw: &str, placeholders: &Placeholders) -> Result<Vec<String>, String> {
    let mut results = vec![String::new()];
    let push = |results: &mut Vec<String>, s: &str| results.iter_mut().for_each(|r| r.push_str(s));
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        match c {
            '\\' => {
                let pair: String = rest.chars().take(2).collect();
                if pair == "\\%" {
                    push(&mut results, "%");
                } else {
                    push(&mut results, &pair);
                }
                rest = &rest[pair.len()..];
            }
            '%' => {
                let after = &rest[1..];
                let name = after.find('%').map(|len| &after[..len]).filter(|name| {
                    !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_alphanumeric() || "_-.".contains(c))
                });
                let Some(name) = name else {
                    push(&mut results, "%");
                    rest = after;
                    continue;
                };
                let values = placeholders.get(name).ok_or_else(|| {
                    format!("unresolved placeholder %{name}% (give it in --placeholders)")
                })?;
                let mut next = Vec::with_capacity(results.len() * values.len());
                for r in &results {
                    for v in values {
                        next.push(format!("{r}{v}"));
                    }
                }
                if next.len() > MAX_VARIANTS {
                    return Err(format!(
                        "placeholders expand to more than {MAX_VARIANTS} values"
                    ));
                }
                results = next;
                rest = &after[name.len() + 1..];
            }
            c => {
                push(&mut results, c.encode_utf8(&mut [0; 4]));
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64offset_matches_pysigma_forms() {
        // The classic example: "/bin/bash" is found inside base64 text at any alignment.
        let forms = base64_offsets(b"/bin/bash");
        assert_eq!(forms, vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]);
        for prefix in ["", "x", "xy", "xyz"] {
            let enc = B64.encode(format!("{prefix}/bin/bash and more"));
            assert!(forms.iter().any(|f| enc.contains(f.as_str())), "{prefix}");
        }
    }

    #[test]
    fn windash_expands_word_initial_dashes_only() {
        let v = windash(&SigmaString::parse(" -enc /c a-b")).unwrap();
        assert_eq!(v.len(), 25);
        let texts: Vec<String> = v.iter().map(|s| s.as_plain().unwrap()).collect();
        assert!(texts.contains(&" /enc \u{2014}c a-b".to_string()));
        assert!(texts.iter().all(|t| t.ends_with("a-b")));
        let star = windash(&SigmaString::parse("*-x*")).unwrap();
        assert_eq!(star.len(), 5);
        assert_eq!(star[1].tokens.first(), Some(&Token::Star));
    }

    fn compiled(field_mods: &str, value: &str) -> Result<CompiledItem, String> {
        let mut parts = field_mods.split('|');
        let field = parts.next().unwrap().to_string();
        let item = Item {
            field: Some(field),
            modifiers: parts.map(|m| Modifier::parse(m).unwrap()).collect(),
            values: vec![Value::from_scalar(value, false)],
            line: 1,
        };
        compile_item(&item, &mut |_| 0, &Placeholders::default())
    }

    fn matches(t: &CompiledItem, v: &str) -> bool {
        let ItemTest::Values { groups, .. } = &t.test else {
            panic!("not a value test")
        };
        groups
            .iter()
            .any(|g| g.iter().any(|m| m.matches(&serde_json::json!(v))))
    }

    /// SIGMA.md §2: on a regex, startswith/endswith add `.*` (a no-op for a
    /// substring search); they do not anchor.
    #[test]
    fn re_startswith_endswith_do_not_anchor() {
        let sw = compiled("F|re|startswith", "abc").unwrap();
        assert!(matches(&sw, "abcdef") && matches(&sw, "xxabc"));
        let ew = compiled("F|re|endswith", "abc").unwrap();
        assert!(matches(&ew, "abcxx") && matches(&ew, "xxabc"));
        assert!(!matches(&ew, "ab"));
        let anchored = compiled("F|re|startswith", "^abc").unwrap();
        assert!(!matches(&anchored, "xabc"));
    }

    fn pieces(t: &CompiledItem) -> Option<Vec<Vec<crate::compile::literals::LitSet>>> {
        let groups = t.literal_groups.as_ref()?;
        Some(
            groups
                .iter()
                .map(|g| crate::compile::literals::any_of(g).into_iter().collect())
                .collect(),
        )
    }

    /// A `re` value gives its required literals as variants; the prefilter
    /// keeps the safe piece of each.
    #[test]
    fn re_values_give_required_literals() {
        let c = compiled("F|re", r"(?i)\\(cmd|powershell)\.exe").unwrap();
        assert!(matches(&c, r"C:\Windows\CMD.exe"));
        let want: crate::compile::literals::LitSet =
            vec![b"cmd.exe".to_vec(), b"powershell.exe".to_vec()];
        assert_eq!(pieces(&c), Some(vec![vec![want]]));
        // The flags after `re` reach the analysis: `i` lowercases `[Aa]`.
        let i = compiled("F|re|i", "ab[c]d").unwrap();
        assert_eq!(pieces(&i), Some(vec![vec![vec![b"abcd".to_vec()]]]));
        // No safe piece: the item declines, as for any value.
        let e = compiled("F|re", "é+").unwrap();
        assert_eq!(pieces(&e), Some(vec![vec![]]));
        // No requirement, or a negated item: no literals.
        assert!(compiled("F|re", "[a-z]+").unwrap().literal_groups.is_none());
        assert!(
            compiled("F|re|neq", "abc")
                .unwrap()
                .literal_groups
                .is_none()
        );
    }

    /// SIGMA.md §2: repeating a modifier draws a warning, not an error.
    #[test]
    fn repeated_modifiers_apply_again() {
        let c = compiled("F|contains|contains", "abc").unwrap();
        assert!(matches(&c, "xabcx") && !matches(&c, "ab"));
        let b = compiled("F|base64|base64", "a").unwrap();
        // base64("a") = "YQ==", base64("YQ==") = "WVE9PQ==".
        assert!(matches(&b, "WVE9PQ==") && !matches(&b, "YQ=="));
    }

    #[test]
    fn placeholders() {
        let mut p = Placeholders::default();
        p.insert("Admins".into(), vec!["root".into(), "admin".into()]);
        assert_eq!(
            expand_placeholders("u=%Admins%!", &p).unwrap(),
            vec!["u=root!".to_string(), "u=admin!".to_string()]
        );
        assert_eq!(
            expand_placeholders(r"100\%", &p).unwrap(),
            vec!["100%".to_string()]
        );
        // `\\` is an escaped backslash: the placeholder after it is live.
        assert_eq!(
            expand_placeholders(r"C:\\%Admins%\x", &p).unwrap(),
            vec![r"C:\\root\x".to_string(), r"C:\\admin\x".to_string()]
        );
        // An escaped backslash, then an escaped percent sign.
        assert_eq!(
            expand_placeholders(r"a\\\%Admins%", &p).unwrap(),
            vec![r"a\\%Admins%".to_string()]
        );
        assert_eq!(
            expand_placeholders("50% of %Admins%", &p).unwrap(),
            vec!["50% of root".to_string(), "50% of admin".to_string()]
        );
        assert_eq!(expand_placeholders("%", &p).unwrap(), vec!["%".to_string()]);
        assert!(
            expand_placeholders("%nope%", &p)
                .unwrap_err()
                .contains("%nope%")
        );
    }
}
