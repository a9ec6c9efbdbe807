//! The SIMD step, with AVX-512 VBMI.

use std::arch::x86_64::*;

use super::{FingerprintFinder, WINDOW};

/// Steps that passed, kept for visiting: the position of the first of
/// their 64 lanes, the lanes that passed, the buckets of each lane.
type Passed = [(usize, u64, __m512i); 8];

/// [`FingerprintFinder::scan`] with the SIMD kernel: what `visit`
/// answered, and the first position not visited.
///
/// # Safety
/// The CPU must run AVX-512 VBMI and BW.
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
pub(super) unsafe fn scan<T, const LINE: bool>(
    f: &FingerprintFinder,
    hay: &[u8],
    from: usize,
    visit: &mut impl FnMut(usize, u8) -> Option<T>,
) -> (Option<T>, usize) {
    // PERF: the steps that pass are collected by a loop that calls
    // nothing, and visited here: a call in the loop clobbers every
    // vector register, and the tables were reloaded from the stack at
    // each step (7.6 against 5.3 GB/s with the visits in the loop).
    // One copy of the loop per number of marker tests keeps those
    // constant too.
    let collect = match (f.markers.pairs.len(), f.markers.high.is_some()) {
        (0, false) => collect::<0, false, LINE>,
        (0, true) => collect::<0, true, LINE>,
        (1, false) => collect::<1, false, LINE>,
        (1, true) => collect::<1, true, LINE>,
        (_, false) => collect::<2, false, LINE>,
        (_, true) => collect::<2, true, LINE>,
    };
    // SAFETY: `zeroed` is a valid `__m512i`.
    let mut passed: Passed = unsafe { std::mem::zeroed() };
    let mut lanes = [0u8; 64];
    let mut p = from;
    let mut at_newline = false;
    while p < hay.len() {
        // SAFETY: as promised by the caller.
        let count = unsafe { collect(f, hay, &mut p, &mut passed, &mut at_newline) };
        for &(at, mut m, b) in &passed[..count] {
            // SAFETY: AVX-512F runs; `lanes` holds 64 bytes.
            unsafe { _mm512_storeu_si512(lanes.as_mut_ptr().cast(), b) };
            while m != 0 {
                let i = m.trailing_zeros() as usize;
                if let Some(found) = visit(at + i, lanes[i]) {
                    return (Some(found), at + i);
                }
                m &= m - 1;
            }
        }
        if at_newline {
            return (None, p);
        }
    }
    (None, hay.len())
}

/// Steps from `*p` on until `passed` is full or `hay` ends (then
/// `*p` is its length), or with `LINE` a newline comes (then `*p` is
/// its position, `at_newline` is set, and only the positions before it
/// are kept); answers how many of `passed` it filled.
///
/// # Safety
/// The CPU must run AVX-512 VBMI and BW.
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn collect<const PAIRS: usize, const HIGH: bool, const LINE: bool>(
    f: &FingerprintFinder,
    hay: &[u8],
    p: &mut usize,
    passed: &mut Passed,
    at_newline: &mut bool,
) -> usize {
    // SAFETY: every load reads `hay[p..p + 64 + WINDOW - 1]`, inside
    // `hay` by the loop condition, or the padded copy of the tail; the
    // table loads read 64 of a table's 128 bytes; the prefetch hint may
    // point anywhere.
    unsafe {
        let half = |t: &[u8; 128], h: usize| _mm512_loadu_si512(t.as_ptr().add(64 * h).cast());
        let lo: [__m512i; WINDOW] = std::array::from_fn(|i| half(&f.tables[i], 0));
        let hi: [__m512i; WINDOW] = std::array::from_fn(|i| half(&f.tables[i], 1));
        let pairs = &f.markers.pairs;
        let first: [__m512i; PAIRS] =
            std::array::from_fn(|k| _mm512_set1_epi8(pairs[k].first as i8));
        let second: [__m512i; PAIRS] =
            std::array::from_fn(|k| _mm512_set1_epi8(pairs[k].second as i8));
        let high = _mm512_set1_epi8(f.markers.high.unwrap_or(0xFF) as i8);
        let newline = _mm512_set1_epi8(b'\n' as i8);
        // The buckets of 64 positions, and which of them a marker's
        // test passes.
        let step = |here: *const u8| {
            let v: [__m512i; WINDOW] =
                std::array::from_fn(|i| _mm512_loadu_si512(here.add(i).cast()));
            let mut b = _mm512_permutex2var_epi8(lo[0], v[0], hi[0]);
            for i in 1..WINDOW {
                b = _mm512_and_si512(b, _mm512_permutex2var_epi8(lo[i], v[i], hi[i]));
            }
            let mut marks = 0u64;
            for k in 0..PAIRS {
                let at_first = _mm512_cmpeq_epi8_mask(v[0], first[k]);
                marks |= _mm512_mask_cmpeq_epi8_mask(at_first, v[1], second[k]);
            }
            if HIGH {
                marks |= _mm512_cmpge_epu8_mask(v[0], high);
            }
            let newlines = if LINE {
                _mm512_cmpeq_epi8_mask(v[0], newline)
            } else {
                0
            };
            (b, marks, newlines)
        };
        // The lanes before the first of `newlines` (all without one).
        let before = |newlines: u64| {
            if newlines == 0 {
                !0
            } else {
                (newlines & newlines.wrapping_neg()) - 1
            }
        };
        let n = hay.len();
        let mut count = 0;
        while *p + 64 + WINDOW - 1 <= n {
            let here = hay.as_ptr().add(*p);
            let (b, marks, newlines) = step(here);
            _mm_prefetch::<_MM_HINT_T0>(here.wrapping_add(2048).cast());
            let m = (_mm512_test_epi8_mask(b, b) | marks) & before(newlines);
            if m != 0 {
                passed[count] = (*p, m, b);
                count += 1;
            }
            if LINE && newlines != 0 {
                *p += newlines.trailing_zeros() as usize;
                *at_newline = true;
                return count;
            }
            *p += 64;
            if count == passed.len() {
                return count;
            }
        }
        // The tail, from a copy padded with zeros: only the positions
        // inside `hay` count, and a window only where it fits.
        let mut pad = [0u8; 64 + WINDOW - 1];
        while *p < n && count < passed.len() {
            let len = (n - *p).min(pad.len());
            pad[..len].copy_from_slice(&hay[*p..*p + len]);
            pad[len..].fill(0);
            let (b, marks, newlines) = step(pad.as_ptr());
            let upto = |k: usize| if k >= 64 { !0u64 } else { (1u64 << k) - 1 };
            let b = _mm512_maskz_mov_epi8(upto((n - *p).saturating_sub(WINDOW - 1)), b);
            let newlines = newlines & upto(n - *p);
            let m = (_mm512_test_epi8_mask(b, b) | marks) & upto(n - *p) & before(newlines);
            if m != 0 {
                passed[count] = (*p, m, b);
                count += 1;
            }
            if LINE && newlines != 0 {
                *p += newlines.trailing_zeros() as usize;
                *at_newline = true;
                return count;
            }
            *p = (*p + 64).min(n);
        }
        count
    }
}
