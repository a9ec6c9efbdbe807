//! The string step of the validator with AVX2: 32 bytes tested at once for
//! a quote, a backslash or a control byte.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

/// The first index at or after `i` whose byte is `"`, `\` or below 0x20,
/// or, where there is none, the first from which fewer than 32 bytes are
/// left; `i` itself without AVX2 (the standard library caches the CPU's
/// answer).
pub(super) fn plain_end(b: &[u8], i: usize) -> usize {
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 runs.
        unsafe { plain_end_avx2(b, i) }
    } else {
        i
    }
}

/// # Safety
/// The CPU must run AVX2.
#[target_feature(enable = "avx2")]
unsafe fn plain_end_avx2(b: &[u8], mut i: usize) -> usize {
    let quote = _mm256_set1_epi8(b'"' as i8);
    let backslash = _mm256_set1_epi8(b'\\' as i8);
    let control_max = _mm256_set1_epi8(0x1f);
    while i + 32 <= b.len() {
        // SAFETY: `i + 32 <= b.len()`: the 32 bytes are in `b`.
        let v = unsafe { _mm256_loadu_si256(b.as_ptr().add(i).cast()) };
        let special = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)),
            // `v <= 0x1f` (unsigned): the larger of the two is 0x1f.
            _mm256_cmpeq_epi8(_mm256_max_epu8(v, control_max), control_max),
        );
        let m = _mm256_movemask_epi8(special) as u32;
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 32;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_first_special_byte_or_the_tail() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("skipped: no AVX2");
            return;
        }
        let special = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
        // Plain bytes on both sides of 0x80, which a signed comparison
        // would take for control bytes.
        for filler in [b'a', 0x20, 0x7f, 0x80, 0xe9, 0xff] {
            for len in 0..100 {
                for at in 0..=len {
                    for c in [b'"', b'\\', 0x00, 0x1f] {
                        let mut s = vec![filler; len];
                        if at < len {
                            s[at] = c;
                        }
                        for from in [0, 1, 5] {
                            let from = from.min(len);
                            let j = plain_end(&s, from);
                            // Whole steps of 32 from `from`, up to the first
                            // special byte.
                            let steps_end = from + (len - from) / 32 * 32;
                            let want = (from..steps_end)
                                .find(|&k| special(s[k]))
                                .unwrap_or(steps_end);
                            assert_eq!(j, want, "{s:?} from {from}");
                        }
                    }
                }
            }
        }
    }
}
