//! The SIMD step for AVX2 and AVX-512BW: one generic loop over a
//! [`Lanes`] type, inlined into a function compiled for each.

use std::arch::x86_64::*;

use super::{LineFinder, MAX_CASELESS, MAX_EXACT_PAIRS, Walked};

/// A vector of bytes and the few operations the step needs; a mask has
/// a bit per lane.
trait Lanes: Copy {
    const LANES: usize;
    type Mask: Copy;
    unsafe fn splat(b: u8) -> Self;
    unsafe fn load(p: *const u8) -> Self;
    unsafe fn or(self, other: Self) -> Self;
    /// Lanes equal to `other`'s, in `and` too.
    unsafe fn eq_and(self, other: Self, and: Self::Mask) -> Self::Mask;
    unsafe fn eq(self, other: Self) -> Self::Mask;
    /// Lanes at or above `other`'s (unsigned).
    unsafe fn at_least(self, other: Self) -> Self::Mask;
    unsafe fn union(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    unsafe fn none() -> Self::Mask;
    unsafe fn bits(m: Self::Mask) -> u64;
}

impl Lanes for __m256i {
    const LANES: usize = 32;
    type Mask = __m256i;
    #[inline(always)]
    unsafe fn splat(b: u8) -> Self {
        unsafe { _mm256_set1_epi8(b as i8) }
    }
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        unsafe { _mm256_loadu_si256(p.cast()) }
    }
    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        unsafe { _mm256_or_si256(self, other) }
    }
    #[inline(always)]
    unsafe fn eq_and(self, other: Self, and: Self::Mask) -> Self::Mask {
        unsafe { _mm256_and_si256(_mm256_cmpeq_epi8(self, other), and) }
    }
    #[inline(always)]
    unsafe fn eq(self, other: Self) -> Self::Mask {
        unsafe { _mm256_cmpeq_epi8(self, other) }
    }
    #[inline(always)]
    unsafe fn at_least(self, other: Self) -> Self::Mask {
        unsafe { _mm256_cmpeq_epi8(_mm256_max_epu8(self, other), self) }
    }
    #[inline(always)]
    unsafe fn union(a: Self::Mask, b: Self::Mask) -> Self::Mask {
        unsafe { _mm256_or_si256(a, b) }
    }
    #[inline(always)]
    unsafe fn none() -> Self::Mask {
        unsafe { _mm256_setzero_si256() }
    }
    #[inline(always)]
    unsafe fn bits(m: Self::Mask) -> u64 {
        unsafe { _mm256_movemask_epi8(m) as u32 as u64 }
    }
}

impl Lanes for __m512i {
    const LANES: usize = 64;
    type Mask = u64;
    #[inline(always)]
    unsafe fn splat(b: u8) -> Self {
        unsafe { _mm512_set1_epi8(b as i8) }
    }
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        unsafe { _mm512_loadu_si512(p.cast()) }
    }
    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        unsafe { _mm512_or_si512(self, other) }
    }
    #[inline(always)]
    unsafe fn eq_and(self, other: Self, and: u64) -> u64 {
        unsafe { _mm512_mask_cmpeq_epi8_mask(and, self, other) }
    }
    #[inline(always)]
    unsafe fn eq(self, other: Self) -> u64 {
        unsafe { _mm512_cmpeq_epi8_mask(self, other) }
    }
    #[inline(always)]
    unsafe fn at_least(self, other: Self) -> u64 {
        unsafe { _mm512_cmpge_epu8_mask(self, other) }
    }
    #[inline(always)]
    unsafe fn union(a: u64, b: u64) -> u64 {
        a | b
    }
    #[inline(always)]
    unsafe fn none() -> u64 {
        0
    }
    #[inline(always)]
    unsafe fn bits(m: u64) -> u64 {
        m
    }
}

/// # Safety
/// The CPU must run AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn find_avx2(
    f: &LineFinder,
    hay: &[u8],
    start: usize,
    walk: Option<&mut Walked>,
) -> Option<usize> {
    // SAFETY: AVX2 runs, as the caller promised.
    unsafe { dispatch::<__m256i>(f, hay, start, walk) }
}

/// # Safety
/// The CPU must run AVX-512BW.
#[target_feature(enable = "avx512bw")]
pub(super) unsafe fn find_avx512(
    f: &LineFinder,
    hay: &[u8],
    start: usize,
    walk: Option<&mut Walked>,
) -> Option<usize> {
    // SAFETY: AVX-512BW runs, as the caller promised.
    unsafe { dispatch::<__m512i>(f, hay, start, walk) }
}

/// [`find`] for `f`'s numbers of tests.
///
/// PERF: one copy of the loop per number of tests, so that they are
/// unrolled and their constants stay in registers: a loop over a list
/// of tests ran at a third of the speed.
#[inline(always)]
unsafe fn dispatch<V: Lanes>(
    f: &LineFinder,
    hay: &[u8],
    start: usize,
    walk: Option<&mut Walked>,
) -> Option<usize> {
    macro_rules! by_exact {
        ($c:expr) => {
            match f.markers.pairs.len() {
                0 => find::<V, { $c }, 0>(f, hay, start, walk),
                1 => find::<V, { $c }, 1>(f, hay, start, walk),
                _ => find::<V, { $c }, MAX_EXACT_PAIRS>(f, hay, start, walk),
            }
        };
    }
    // SAFETY: the caller's CPU runs `V`'s instructions.
    unsafe {
        match f.caseless_pairs.len() {
            0 => by_exact!(0),
            1 => by_exact!(1),
            2 => by_exact!(2),
            3 => by_exact!(3),
            _ => by_exact!(MAX_CASELESS),
        }
    }
}

/// The SIMD step for a finder of `C` caseless and `E` exact pairs.
#[inline(always)]
unsafe fn find<V: Lanes, const C: usize, const E: usize>(
    f: &LineFinder,
    hay: &[u8],
    start: usize,
    mut walk: Option<&mut Walked>,
) -> Option<usize> {
    // SAFETY: the caller's CPU runs `V`'s instructions; every load reads
    // `hay[p..p + LANES + 1]`, inside `hay` by the loop condition, and
    // the prefetch hint may point anywhere.
    unsafe {
        // PERF: `find` starts again after each line it finds; built
        // with `array::from_fn` these took 3% of the seed rule's scan.
        let zero = (V::splat(0), V::splat(0));
        let mut caseless = [zero; MAX_CASELESS];
        for (k, p) in f.caseless_pairs.iter().enumerate() {
            caseless[k] = (V::splat(p.first), V::splat(p.second));
        }
        let mut exact = [zero; MAX_EXACT_PAIRS];
        for (k, p) in f.markers.pairs.iter().enumerate() {
            exact[k] = (V::splat(p.first), V::splat(p.second));
        }
        let case_bit = V::splat(0x20);
        let high = V::splat(f.markers.high.unwrap_or(0));
        let newline = V::splat(b'\n');
        let n = hay.len();
        let mut p = start;
        while p + V::LANES < n {
            let here = hay.as_ptr().add(p);
            let (v0, v1) = (V::load(here), V::load(here.add(1)));
            let mut m = if f.markers.high.is_some() {
                v0.at_least(high)
            } else {
                V::none()
            };
            if C > 0 {
                let (l0, l1) = (v0.or(case_bit), v1.or(case_bit));
                for &(a, b) in &caseless[..C] {
                    m = V::union(m, l1.eq_and(b, l0.eq(a)));
                }
            }
            for &(a, b) in &exact[..E] {
                m = V::union(m, v1.eq_and(b, v0.eq(a)));
            }
            // PERF: the hardware prefetcher alone left the loop waiting
            // for memory (2.2 against 4.5 GB/s on a 300 MB slice).
            _mm_prefetch::<_MM_HINT_T0>(here.wrapping_add(2048).cast());
            // A newline comes about once in 2 KB: each is checked on
            // its own, and only those before a line found count.
            let newlines = match walk {
                Some(_) => V::bits(v0.eq(newline)),
                None => 0,
            };
            let mut bits = V::bits(m);
            while bits != 0 {
                let at = bits.trailing_zeros() as usize;
                if let Some(end) = f.confirm(hay, start, p + at) {
                    if let Some(w) = walk.as_deref_mut() {
                        w.newlines(hay, start, p, newlines & ((1 << at) - 1));
                    }
                    return Some(end);
                }
                bits &= bits - 1;
            }
            if newlines != 0
                && let Some(w) = walk.as_deref_mut()
            {
                w.newlines(hay, start, p, newlines);
            }
            p += V::LANES;
        }
        f.find_scalar(hay, start, p, walk)
    }
}
