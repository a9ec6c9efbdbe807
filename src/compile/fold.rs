//! Case folding for case-insensitive matching.
//!
//! Sigma matching is case-insensitive by default and must fold full Unicode,
//! not ASCII alone (ASCII-only folding is a known evasion, SIGMA.md §1). The
//! fold used everywhere is `lower(upper(lower(s)))`: it maps `ß`/`ẞ` to `ss`,
//! `ſ` to `s`, the Kelvin sign to `k`, and agrees with Unicode full case
//! folding on every cased letter pair; where it differs (dotless `ı` → `i`) it
//! folds more, so it can only add matches. `str::to_lowercase` writes a
//! word-final capital sigma as `ς`, so a fold would depend on where a word
//! ends (`ΟΣ` → `ος`, but `ΟΣΑ` → `οσα`, and a contains test of one in the
//! other fails); full case folding maps `ς` to `σ`, and so does this fold.
//! Pure-ASCII text, the common case, takes a byte-wise fast path.

use std::borrow::Cow;

/// Folds `s` for caseless comparison. Borrows when nothing changes.
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        // PERF: the fold is the same run by run (`to_lowercase`'s one rule
        // that looks at neighbours writes a final sigma, which the fold
        // then maps to `σ` anyway), so the ASCII runs of mostly-ASCII text
        // are lowercased as bytes and only the runs between them take the
        // three conversions: 5.9% of the seed rule's scan of the generated
        // corpus went to converting whole script blocks for a few umlauts.
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while !rest.is_empty() {
            let (ascii, tail) = rest.split_at(ascii_prefix(rest.as_bytes()));
            let start = out.len();
            out.push_str(ascii);
            out[start..].make_ascii_lowercase();
            let (wide, tail) =
                tail.split_at(tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len()));
            if !wide.is_empty() {
                let folded = wide.to_lowercase().to_uppercase().to_lowercase();
                out.extend(folded.chars().map(|c| if c == 'ς' { 'σ' } else { c }));
            }
            rest = tail;
        }
        Cow::Owned(out)
    }
}

/// How many bytes `b` opens with below 0x80, eight at a time.
fn ascii_prefix(b: &[u8]) -> usize {
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let high = u64::from_le_bytes(w.try_into().expect("8 bytes")) & 0x8080_8080_8080_8080;
        if high != 0 {
            return at + high.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    at + words
        .remainder()
        .iter()
        .position(|c| !c.is_ascii())
        .unwrap_or(words.remainder().len())
}

/// The non-ASCII characters whose fold contains an ASCII letter. A raw line
/// holding one of them may match a rule literal it does not contain
/// byte-for-byte, so the prefilter treats such lines as "evaluate everything"
/// (checked against a full sweep of Unicode by `folds_to_ascii_is_complete`).
pub const FOLDS_TO_ASCII: &[char] = &[
    '\u{00DF}', '\u{0130}', '\u{0131}', '\u{0149}', '\u{017F}', '\u{01F0}', '\u{1E96}', '\u{1E97}',
    '\u{1E98}', '\u{1E99}', '\u{1E9A}', '\u{1E9E}', '\u{212A}', '\u{FB00}', '\u{FB01}', '\u{FB02}',
    '\u{FB03}', '\u{FB04}', '\u{FB05}', '\u{FB06}',
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_unicode_and_ascii() {
        assert_eq!(fold("PowerShell"), "powershell");
        assert!(matches!(fold("lower"), Cow::Borrowed(_)));
        assert_eq!(fold("STRASSE"), fold("straße"));
        assert_eq!(fold("ÄÖÜ"), "äöü");
        assert_eq!(fold("\u{212A}ernel"), "kernel");
        assert_eq!(fold("ΣΊΣΥΦΟΣ"), fold("σίσυφος"));
    }

    #[test]
    fn final_sigma_folds_like_sigma() {
        assert_eq!(fold("ΟΣ"), "οσ");
        assert_eq!(fold("λογος"), "λογοσ");
        assert_eq!(fold("ς"), fold("Σ"));
        assert!(fold("ΟΣΑ").contains(fold("ΟΣ").as_ref()));
        assert!(fold("λογοσα").starts_with(fold("ΛΟΓΟΣ").as_ref()));
    }

    /// The fold as first written, on the whole string.
    fn fold_whole(s: &str) -> String {
        s.to_lowercase()
            .to_uppercase()
            .to_lowercase()
            .replace('ς', "σ")
    }

    #[test]
    fn folds_run_by_run_as_the_whole_string_folds() {
        // Every character, between ASCII and beside a capital sigma (the
        // one rule of `to_lowercase` that reads neighbours).
        for c in (0x80u32..=0x10FFFF).filter_map(char::from_u32) {
            let s = format!("aB{c}Σ {c}Z");
            assert_eq!(fold(&s), fold_whole(&s), "{s:?}");
        }
        for s in ["ΟΣ ΟΣΑ", "Straße ẞ", "x\u{212A}y", "İstanbul ıi", "ﬃ ŉ ǰ"] {
            assert_eq!(fold(s), fold_whole(s), "{s:?}");
        }
    }

    #[test]
    fn folds_to_ascii_is_complete() {
        let found: Vec<char> = (0x80u32..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| {
                fold(c.encode_utf8(&mut [0; 4]))
                    .bytes()
                    .any(|b| b.is_ascii_alphanumeric())
            })
            .collect();
        assert_eq!(found, FOLDS_TO_ASCII);
    }
}
