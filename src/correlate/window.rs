//! Sliding windows over one group's time-sorted items: which stretches of
//! at most `timespan` satisfy a correlation's condition, reported once each.
//!
//! # Policy
//!
//! Windows slide: any stretch of time shorter than `timespan` is a
//! candidate, not just fixed buckets, so a burst that straddles a bucket
//! boundary is found. Of all those stretches only the *maximal* ones are
//! judged: for every item `i`, `W(i)` holds the items from `i` up to (not
//! including) `timespan` later, and `W(i)` counts only when it is not
//! inside `W(i-1)`, i.e. when it reaches an item `W(i-1)` does not. Every set
//! of items that fits in a window lies inside some maximal one, so for
//! aggregates that only grow with more items (counts, distinct counts,
//! temporal matches, sums of non-negative values) and `gt`/`gte` this finds
//! every burst; for `lt`/`lte`, judging the fullest window around the items
//! means "even then, fewer than N" rather than "some sub-stretch had few".
//!
//! Reports do not overlap: the first maximal window (in time order) that
//! satisfies the condition is reported with all its items, and the search
//! resumes after its last item as if the group started there. A burst is
//! therefore reported once, however many windows it could be cut into,
//! and a burst twice as long as `timespan` is reported twice.
//!
//! Each report also names the item at which the condition first held when
//! the window's items are taken in order: the moment a live stream would
//! have alerted. Chained correlations see the report at that time.
//!
//! Cost: O(n log n) per group for `value_percentile` (a Fenwick tree over
//! the group's values), O(n · rules) for `temporal_ordered`, O(n) otherwise.

use std::collections::HashMap;

use super::time::Nanos;
use crate::sigma::correlation::{CorrelationCondition, CorrelationType};

/// A value an item carries for the aggregate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// Nothing (event_count, temporal types).
    None,
    /// An interned distinct value (value_count).
    Id(u32),
    /// A number (value_sum, value_avg, value_percentile, value_median).
    Num(f64),
}

/// One hit as the window search sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Item {
    /// Event time.
    pub time: Nanos,
    /// Which referenced rule (index into the correlation's inputs).
    pub slot: u16,
    /// The aggregated value.
    pub value: Val,
}

/// What to look for.
pub struct Spec<'a> {
    /// The correlation type.
    pub kind: CorrelationType,
    /// Window length; items `a` and `b` share a window when `b - a < timespan`.
    pub timespan: Nanos,
    /// The condition on the aggregate.
    pub condition: &'a CorrelationCondition,
    /// Number of distinct inputs (temporal).
    pub slots: usize,
    /// temporal_ordered: the input slot of each listed rule, in order.
    pub order: &'a [u16],
}

/// A reported window: items `first..=last`, the condition first held at
/// item `fired`, and the aggregate over the whole window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found {
    /// First item.
    pub first: usize,
    /// Last item (inclusive).
    pub last: usize,
    /// The item at which the condition first held.
    pub fired: usize,
    /// The aggregate over `first..=last`.
    pub value: f64,
}

/// Order statistics over a fixed universe of values (their ranks).
struct Fenwick {
    tree: Vec<u32>,
}

impl Fenwick {
    fn add(&mut self, rank: usize, delta: i32) {
        let mut i = rank + 1;
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }
    /// The rank of the k-th smallest element (k >= 1, k <= total).
    fn kth(&self, mut k: u32) -> usize {
        let mut pos = 0;
        let mut step = (self.tree.len() - 1).next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && self.tree[next] < k {
                pos = next;
                k -= self.tree[next];
            }
            step >>= 1;
        }
        pos // 0-based rank: tree index pos + 1
    }
}

/// The running aggregate of the items in the current window.
enum Agg {
    Count(u64),
    Distinct(HashMap<u32, u32>),
    Slots {
        counts: Vec<u32>,
        distinct: usize,
    },
    Sum {
        sum: f64,
        n: u64,
        avg: bool,
    },
    Rank {
        tree: Fenwick,
        sorted: Vec<f64>,
        ranks: Vec<u32>,
        n: u32,
        percentile: f64,
    },
    /// `next[s][p]`: the first item at or after `p` of slot `order[s]`'s input.
    Ordered {
        next: Vec<Vec<u32>>,
    },
}

fn num(v: Val) -> f64 {
    match v {
        Val::Num(x) => x,
        _ => unreachable!("BUG: numeric correlations only keep numeric items"),
    }
}

impl Agg {
    fn new(spec: &Spec, items: &[Item]) -> Agg {
        use CorrelationType as T;
        match spec.kind {
            T::EventCount => Agg::Count(0),
            T::ValueCount => Agg::Distinct(HashMap::new()),
            T::Temporal => Agg::Slots {
                counts: vec![0; spec.slots],
                distinct: 0,
            },
            T::ValueSum | T::ValueAvg => Agg::Sum {
                sum: 0.0,
                n: 0,
                avg: spec.kind == T::ValueAvg,
            },
            T::ValuePercentile | T::ValueMedian => {
                let mut sorted: Vec<f64> = items.iter().map(|it| num(it.value)).collect();
                sorted.sort_by(f64::total_cmp);
                sorted.dedup_by(|a, b| a.total_cmp(b).is_eq());
                let ranks = items
                    .iter()
                    .map(|it| {
                        let v = num(it.value);
                        sorted.partition_point(|s| s.total_cmp(&v).is_lt()) as u32
                    })
                    .collect();
                let percentile = if spec.kind == T::ValueMedian {
                    50.0
                } else {
                    spec.condition.percentile.unwrap_or(50.0)
                };
                Agg::Rank {
                    tree: Fenwick {
                        tree: vec![0; sorted.len() + 1],
                    },
                    sorted,
                    ranks,
                    n: 0,
                    percentile,
                }
            }
            T::TemporalOrdered => {
                let next = spec
                    .order
                    .iter()
                    .map(|&slot| {
                        let mut v = vec![items.len() as u32; items.len() + 1];
                        for p in (0..items.len()).rev() {
                            v[p] = if items[p].slot == slot {
                                p as u32
                            } else {
                                v[p + 1]
                            };
                        }
                        v
                    })
                    .collect();
                Agg::Ordered { next }
            }
        }
    }

    fn add(&mut self, items: &[Item], k: usize) {
        match self {
            Agg::Count(n) => *n += 1,
            Agg::Distinct(m) => {
                if let Val::Id(id) = items[k].value {
                    *m.entry(id).or_insert(0) += 1;
                }
            }
            Agg::Slots { counts, distinct } => {
                let c = &mut counts[items[k].slot as usize];
                *distinct += usize::from(*c == 0);
                *c += 1;
            }
            Agg::Sum { sum, n, .. } => {
                *sum += num(items[k].value);
                *n += 1;
            }
            Agg::Rank { tree, ranks, n, .. } => {
                tree.add(ranks[k] as usize, 1);
                *n += 1;
            }
            Agg::Ordered { .. } => {}
        }
    }

    fn remove(&mut self, items: &[Item], k: usize) {
        match self {
            Agg::Count(n) => *n -= 1,
            Agg::Distinct(m) => {
                if let Val::Id(id) = items[k].value
                    && let Some(c) = m.get_mut(&id)
                {
                    *c -= 1;
                    if *c == 0 {
                        m.remove(&id);
                    }
                }
            }
            Agg::Slots { counts, distinct } => {
                let c = &mut counts[items[k].slot as usize];
                *c -= 1;
                *distinct -= usize::from(*c == 0);
            }
            Agg::Sum { sum, n, .. } => {
                // PERF: exact for integers below 2^53, the usual case
                // (bytes, counts); fractions may drift by an ulp or so.
                *sum -= num(items[k].value);
                *n -= 1;
            }
            Agg::Rank { tree, ranks, n, .. } => {
                tree.add(ranks[k] as usize, -1);
                *n -= 1;
            }
            Agg::Ordered { .. } => {}
        }
    }

    /// The aggregate of the items added, which are `i..j`.
    fn value(&self, i: usize, j: usize) -> f64 {
        match self {
            Agg::Count(n) => *n as f64,
            Agg::Distinct(m) => m.len() as f64,
            Agg::Slots { distinct, .. } => *distinct as f64,
            Agg::Sum { sum, n, avg } => {
                if *avg {
                    *sum / (*n).max(1) as f64
                } else {
                    *sum
                }
            }
            Agg::Rank {
                tree,
                sorted,
                n,
                percentile,
                ..
            } => {
                if *n == 0 {
                    return f64::NAN;
                }
                // Nearest rank: the smallest value with at least P% of the
                // values at or below it (P = 0: the minimum).
                let k = ((percentile / 100.0) * f64::from(*n)).ceil().max(1.0) as u32;
                sorted[tree.kth(k.min(*n))]
            }
            Agg::Ordered { next } => {
                // Greedy earliest matching: the longest prefix of the list
                // found in order among items i..j.
                let mut p = i;
                for (len, nx) in next.iter().enumerate() {
                    let q = nx[p] as usize;
                    if q >= j {
                        return len as f64;
                    }
                    p = q + 1;
                }
                next.len() as f64
            }
        }
    }
}

/// Finds the reported windows among `items` (one group, sorted by time),
/// appending them to `out` in time order.
pub fn find(spec: &Spec, items: &[Item], out: &mut Vec<Found>) {
    let n = items.len();
    if n == 0 {
        return;
    }
    let mut agg = Agg::new(spec, items);
    let fits = |a: usize, b: usize| items[b].time.saturating_sub(items[a].time) < spec.timespan;
    // The window is items i..j; `pos` is where the search (re)started;
    // `prev_j` is where the previous window ended.
    let (mut i, mut j, mut pos, mut prev_j) = (0, 0, 0, 0);
    while i < n {
        while j < n && fits(i, j) {
            agg.add(items, j);
            j += 1;
        }
        let maximal = i == pos || j > prev_j;
        if maximal {
            let value = agg.value(i, j);
            if spec.condition.holds(value) {
                // Empty the aggregate, then replay the window's items in
                // order to find when the condition first held.
                (i..j).for_each(|k| agg.remove(items, k));
                let mut fired = j - 1;
                let mut added = j;
                for k in i..j {
                    agg.add(items, k);
                    if spec.condition.holds(agg.value(i, k + 1)) {
                        fired = k;
                        added = k + 1;
                        break;
                    }
                }
                (i..added).for_each(|k| agg.remove(items, k));
                out.push(Found {
                    first: i,
                    last: j - 1,
                    fired,
                    value,
                });
                (i, pos, prev_j) = (j, j, j);
                continue;
            }
        }
        prev_j = j;
        agg.remove(items, i);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::correlation::CondOp;

    const S: Nanos = 1_000_000_000;

    fn cond(tests: &[(CondOp, f64)]) -> CorrelationCondition {
        CorrelationCondition {
            tests: tests.to_vec(),
            field: Vec::new(),
            percentile: None,
        }
    }

    fn items(times: &[i64]) -> Vec<Item> {
        times
            .iter()
            .map(|&t| Item {
                time: t * S,
                slot: 0,
                value: Val::None,
            })
            .collect()
    }

    fn run(kind: CorrelationType, c: &CorrelationCondition, span: i64, it: &[Item]) -> Vec<Found> {
        let order = [0u16, 1, 2];
        let spec = Spec {
            kind,
            timespan: span * S,
            condition: c,
            slots: 3,
            order: &order[..it.iter().map(|i| i.slot as usize + 1).max().unwrap_or(1)],
        };
        let mut out = Vec::new();
        find(&spec, it, &mut out);
        out
    }

    fn spans(found: &[Found]) -> Vec<(usize, usize, usize, f64)> {
        found
            .iter()
            .map(|f| (f.first, f.last, f.fired, f.value))
            .collect()
    }

    #[test]
    fn event_count_slides_and_reports_once() {
        let c = cond(&[(CondOp::Gte, 3.0)]);
        // 0 and 9 alone fall short; 9..18 is a burst of five.
        let it = items(&[0, 9, 10, 11, 12, 18, 40]);
        assert_eq!(
            spans(&run(CorrelationType::EventCount, &c, 10, &it)),
            vec![(1, 5, 3, 5.0)]
        );
        // Exactly `timespan` apart is not within it.
        let it = items(&[0, 5, 10]);
        assert!(run(CorrelationType::EventCount, &c, 10, &it).is_empty());
        let it = items(&[0, 5, 9]);
        assert_eq!(
            spans(&run(CorrelationType::EventCount, &c, 10, &it)),
            vec![(0, 2, 2, 3.0)]
        );
    }

    #[test]
    fn a_long_burst_is_cut_into_disjoint_reports() {
        let c = cond(&[(CondOp::Gte, 3.0)]);
        let it = items(&(0..25).collect::<Vec<_>>());
        assert_eq!(
            spans(&run(CorrelationType::EventCount, &c, 10, &it)),
            vec![(0, 9, 2, 10.0), (10, 19, 12, 10.0), (20, 24, 22, 5.0)]
        );
    }

    #[test]
    fn a_report_does_not_hide_a_burst_right_after_it() {
        // 0,1,2,5 is reported; 11,11.5,12 would be inside W(5) but 5 is taken.
        let c = cond(&[(CondOp::Gte, 3.0)]);
        let mut it = items(&[0, 1, 2, 5, 11, 12, 12]);
        it[5].time = 11 * S + S / 2;
        assert_eq!(
            spans(&run(CorrelationType::EventCount, &c, 10, &it)),
            vec![(0, 3, 2, 4.0), (4, 6, 6, 3.0)]
        );
    }

    #[test]
    fn lt_judges_maximal_windows_only() {
        // Rare activity: fewer than 2 events in 10 s. 0 and 5 are together
        // (W(5) is inside W(0)); 30 is alone.
        let c = cond(&[(CondOp::Lt, 2.0)]);
        let it = items(&[0, 5, 30]);
        assert_eq!(
            spans(&run(CorrelationType::EventCount, &c, 10, &it)),
            vec![(2, 2, 2, 1.0)]
        );
        // A range: between 2 and 3 events.
        let c = cond(&[(CondOp::Gte, 2.0), (CondOp::Lte, 3.0)]);
        let it = items(&[0, 1, 2, 3, 50, 51]);
        assert_eq!(
            spans(&run(CorrelationType::EventCount, &c, 10, &it)),
            vec![(4, 5, 5, 2.0)]
        );
    }

    #[test]
    fn value_count_counts_distinct_values() {
        let c = cond(&[(CondOp::Gte, 3.0)]);
        let mut it = items(&[0, 1, 2, 3, 4]);
        for (k, v) in [1, 1, 2, 2, 3].into_iter().enumerate() {
            it[k].value = Val::Id(v);
        }
        assert_eq!(
            spans(&run(CorrelationType::ValueCount, &c, 10, &it)),
            vec![(0, 4, 4, 3.0)]
        );
        // Outside the window, the first value no longer counts.
        let mut it = items(&[0, 11, 12, 13]);
        for (k, v) in [1, 2, 2, 3].into_iter().enumerate() {
            it[k].value = Val::Id(v);
        }
        assert!(run(CorrelationType::ValueCount, &c, 10, &it).is_empty());
    }

    fn slotted(spec: &[(i64, u16)]) -> Vec<Item> {
        spec.iter()
            .map(|&(t, slot)| Item {
                time: t * S,
                slot,
                value: Val::None,
            })
            .collect()
    }

    #[test]
    fn temporal_needs_every_rule_in_any_order() {
        let c = cond(&[(CondOp::Gte, 2.0)]);
        let it = slotted(&[(0, 1), (3, 1), (5, 0), (30, 0)]);
        assert_eq!(
            spans(&run(CorrelationType::Temporal, &c, 10, &it)),
            vec![(0, 2, 2, 2.0)]
        );
        let it = slotted(&[(0, 1), (3, 1), (15, 0)]);
        assert!(run(CorrelationType::Temporal, &c, 10, &it).is_empty());
    }

    #[test]
    fn temporal_ordered_needs_the_listed_order() {
        let c = cond(&[(CondOp::Gte, 2.0)]);
        // B then A: no.
        let it = slotted(&[(0, 1), (5, 0)]);
        assert!(run(CorrelationType::TemporalOrdered, &c, 10, &it).is_empty());
        // B, A, B: A then B from 5 to 8.
        let it = slotted(&[(0, 1), (5, 0), (8, 1)]);
        assert_eq!(
            spans(&run(CorrelationType::TemporalOrdered, &c, 10, &it)),
            vec![(0, 2, 2, 2.0)]
        );
        // A, then B 12 s later: too far apart; later A, B close together.
        let it = slotted(&[(0, 0), (12, 1), (20, 0), (21, 1)]);
        assert_eq!(
            spans(&run(CorrelationType::TemporalOrdered, &c, 10, &it)),
            vec![(1, 3, 3, 2.0)]
        );
    }

    #[test]
    fn numeric_aggregates() {
        let mut it = items(&[0, 1, 2, 3]);
        for (k, v) in [5.0, 1.0, 10.0, 2.0].into_iter().enumerate() {
            it[k].value = Val::Num(v);
        }
        let c = cond(&[(CondOp::Gt, 15.0)]);
        assert_eq!(
            spans(&run(CorrelationType::ValueSum, &c, 10, &it)),
            vec![(0, 3, 2, 18.0)]
        );
        let c = cond(&[(CondOp::Eq, 4.5)]);
        assert_eq!(
            spans(&run(CorrelationType::ValueAvg, &c, 10, &it)),
            vec![(0, 3, 3, 4.5)]
        );
        // Nearest rank: 75th percentile of {1, 2, 5, 10} is 5 (3rd of 4).
        let mut c = cond(&[(CondOp::Gte, 5.0)]);
        c.percentile = Some(75.0);
        assert_eq!(
            spans(&run(CorrelationType::ValuePercentile, &c, 10, &it)),
            vec![(0, 3, 0, 5.0)]
        );
        // Median of {1, 2, 5, 10} by nearest rank: 2.
        let c = cond(&[(CondOp::Eq, 2.0)]);
        assert_eq!(
            spans(&run(CorrelationType::ValueMedian, &c, 10, &it)),
            vec![(0, 3, 3, 2.0)]
        );
        let mut c = cond(&[(CondOp::Eq, 1.0)]);
        c.percentile = Some(0.0);
        assert_eq!(
            spans(&run(CorrelationType::ValuePercentile, &c, 10, &it)),
            vec![(0, 3, 1, 1.0)]
        );
    }

    #[test]
    fn sliding_percentile_matches_a_direct_computation() {
        // Pseudo-random values, windows of 7 s over 1 s steps: the Fenwick
        // answer for every maximal window equals sorting the window.
        let mut x = 12345u64;
        let vals: Vec<f64> = (0..200)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) % 50) as f64
            })
            .collect();
        let it: Vec<Item> = vals
            .iter()
            .enumerate()
            .map(|(k, &v)| Item {
                time: k as i64 * S,
                slot: 0,
                value: Val::Num(v),
            })
            .collect();
        let c = CorrelationCondition {
            tests: vec![(CondOp::Gte, 0.0)],
            field: Vec::new(),
            percentile: Some(90.0),
        };
        let spec = Spec {
            kind: CorrelationType::ValuePercentile,
            timespan: 7 * S,
            condition: &c,
            slots: 1,
            order: &[],
        };
        let mut agg = Agg::new(&spec, &it);
        for i in 0..it.len() {
            let j = (i + 7).min(it.len());
            (i..j).for_each(|k| agg.add(&it, k));
            let mut w: Vec<f64> = vals[i..j].to_vec();
            w.sort_by(f64::total_cmp);
            let k = ((0.9 * w.len() as f64).ceil() as usize).max(1);
            assert_eq!(agg.value(i, j), w[k - 1], "window {i}..{j}");
            (i..j).for_each(|k| agg.remove(&it, k));
        }
    }

    #[test]
    fn equal_times_stay_together() {
        let c = cond(&[(CondOp::Gte, 3.0)]);
        let it = items(&[5, 5, 5]);
        assert_eq!(
            spans(&run(CorrelationType::EventCount, &c, 1, &it)),
            vec![(0, 2, 2, 3.0)]
        );
    }
}
