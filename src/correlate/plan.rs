//! Resolving correlation documents against the compiled rules: what a
//! single document cannot check on its own (see the module docs of
//! [`crate::correlate`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::time::Nanos;
use crate::compile::{FieldId, Plan};
use crate::sigma::correlation::{Correlation, CorrelationCondition, CorrelationType};
use crate::sigma::{Diagnostic, DiagnosticKind, RuleSet};

/// Where an input of a correlation comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// A compiled rule (index into `Plan::rules`).
    Rule(u32),
    /// Another correlation (index into [`CorrelationPlan::correlations`]).
    Correlation(u32),
}

/// Where a group-by or value field is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FieldSrc {
    /// The event, through the resolver (field id into the plan's names).
    Event(FieldId),
    /// An inner correlation's hit: its n-th group-by value.
    Group(usize),
}

#[derive(Clone, Debug)]
pub(super) struct CInput {
    pub(super) source: Source,
    /// One per group-by name of the correlation.
    pub(super) group: Vec<FieldSrc>,
    /// One per `field` of the condition (none for count/temporal types).
    pub(super) value: Vec<FieldSrc>,
}

/// A correlation ready to be evaluated.
#[derive(Clone, Debug)]
pub struct CompiledCorrelation {
    /// Reported id: `id`, else `name`, else the title.
    pub id: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// Level (empty when unset).
    pub level: Arc<str>,
    /// Source file.
    pub file: PathBuf,
    /// 1-based line of the document.
    pub line: usize,
    /// The type.
    pub kind: CorrelationType,
    /// The window length in nanoseconds.
    pub timespan: Nanos,
    /// The condition.
    pub condition: CorrelationCondition,
    /// The group-by names as written (aliases included).
    pub group_by: Vec<Arc<str>>,
    /// Whether its records are written (see "`generate`" above).
    pub emit: bool,
    pub(super) inputs: Vec<CInput>,
    /// temporal_ordered: the input slot of each listed rule.
    pub(super) order: Vec<u16>,
}

/// Every loaded correlation, resolved against the compiled rules.
#[derive(Debug, Default)]
pub struct CorrelationPlan {
    /// The correlations, each after the correlations it refers to.
    pub correlations: Vec<CompiledCorrelation>,
    /// Correlation documents that did not resolve (one per document).
    pub errors: Vec<Diagnostic>,
    /// Per compiled rule: the (correlation, input slot) pairs it feeds.
    pub(super) feeds: Vec<Vec<(u32, u16)>>,
    /// Per compiled rule: whether its plain hits are written.
    pub(super) emit_rule: Vec<bool>,
    /// Per compiled rule: its reported id.
    pub(super) rule_ids: Vec<Arc<str>>,
    /// Field names the correlations read from events (resolver ids).
    pub(super) fields: Vec<String>,
    /// `--time-field`, and its resolver id.
    pub(super) time_field: Option<(String, FieldId)>,
}

/// A document an id or name may stand for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Doc {
    Rule(usize),
    Corr(usize),
}

/// What a listed reference resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Rule(u32),
    Corr(usize),
}

/// The parts of a correlation that resolved.
struct Resolved {
    /// Distinct targets, in the order first listed.
    inputs: Vec<Target>,
    /// The line each input was first listed at.
    input_lines: Vec<usize>,
    /// Per listed rule: its input slot.
    order: Vec<u16>,
    /// (alias, slot) → field.
    aliases: HashMap<(String, u16), String>,
}

impl Resolved {
    /// The event field (or inner group-by name) `name` stands for in the
    /// hits of input `slot`: the alias's field for that rule when `name` is
    /// an alias that maps it, else `name` itself.
    fn field_for<'a>(&'a self, slot: u16, name: &'a str) -> &'a str {
        self.aliases
            .get(&(name.to_string(), slot))
            .map_or(name, String::as_str)
    }
}

fn diag_for(c: &Correlation, line: usize, message: String) -> Diagnostic {
    Diagnostic {
        kind: DiagnosticKind::Reference,
        file: c.file.clone(),
        line,
        rule_id: Some(c.report_id().to_string()),
        title: Some(c.title.clone()),
        message,
    }
}

impl CorrelationPlan {
    /// Resolves `set.correlations` against the rules compiled into `plan`.
    /// `time_field` is `--time-field`.
    pub fn build(set: &RuleSet, plan: &Plan, time_field: Option<&str>) -> CorrelationPlan {
        let n = set.correlations.len();
        if n == 0 {
            // PERF: indexing every rule's id and name (below) was 4% of the
            // samples of loading SigmaHQ's rules, which have no correlation.
            return Self::compile(set, plan, time_field, &[], &[], &[], Vec::new());
        }
        let mut by_name: HashMap<&str, Vec<Doc>> = HashMap::new();
        fn add<'a>(key: Option<&'a str>, doc: Doc, map: &mut HashMap<&'a str, Vec<Doc>>) {
            if let Some(k) = key {
                let v = map.entry(k).or_default();
                if !v.contains(&doc) {
                    v.push(doc);
                }
            }
        }
        for (k, r) in set.rules.iter().enumerate() {
            add(r.id.as_deref(), Doc::Rule(k), &mut by_name);
            add(r.name.as_deref(), Doc::Rule(k), &mut by_name);
        }
        for (k, c) in set.correlations.iter().enumerate() {
            add(c.id.as_deref(), Doc::Corr(k), &mut by_name);
            add(c.name.as_deref(), Doc::Corr(k), &mut by_name);
        }
        let compiled: HashMap<(&Path, usize), u32> = plan
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.meta.file.as_path(), r.meta.line), i as u32))
            .collect();
        let where_is = |d: Doc| match d {
            Doc::Rule(k) => format!("{}:{}", set.rules[k].file.display(), set.rules[k].line),
            Doc::Corr(k) => format!(
                "{}:{}",
                set.correlations[k].file.display(),
                set.correlations[k].line
            ),
        };
        let resolve = |name: &str, me: usize| -> Result<Target, String> {
            match by_name.get(name).map(Vec::as_slice) {
                None | Some([]) => {
                    if set
                        .errors
                        .iter()
                        .any(|d| d.rule_id.as_deref() == Some(name))
                    {
                        Err(format!("rule `{name}` did not load (see its error)"))
                    } else {
                        Err(format!(
                            "unknown rule `{name}`: no rule or correlation has this id or name"
                        ))
                    }
                }
                Some([Doc::Rule(k)]) => {
                    let r = &set.rules[*k];
                    compiled
                        .get(&(r.file.as_path(), r.line))
                        .map(|&i| Target::Rule(i))
                        .ok_or_else(|| {
                            format!(
                                "rule `{name}` ({}) did not compile (see its error)",
                                where_is(Doc::Rule(*k))
                            )
                        })
                }
                Some([Doc::Corr(k)]) if *k == me => {
                    Err(format!("`{name}` is this correlation itself"))
                }
                Some([Doc::Corr(k)]) => Ok(Target::Corr(*k)),
                Some(many) => Err(format!(
                    "`{name}` is ambiguous: it names {}",
                    many.iter()
                        .map(|&d| where_is(d))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
            }
        };

        // Step 1: references and aliases, per document.
        let mut failed: Vec<Option<Diagnostic>> = vec![None; n];
        let mut resolved: Vec<Option<Resolved>> = Vec::with_capacity(n);
        for (ci, c) in set.correlations.iter().enumerate() {
            match resolve_one(c, ci, &resolve) {
                Ok(r) => resolved.push(Some(r)),
                Err((line, msg)) => {
                    failed[ci] = Some(diag_for(c, line, msg));
                    resolved.push(None);
                }
            }
        }

        // Step 2: loops in chains.
        find_loops(set, &resolved, &mut failed);

        // Step 3: a correlation fails with any correlation it refers to, or
        // when it groups an inner correlation's hits by a field they lack.
        fail_dependents(set, &resolved, &mut failed);

        // Step 4: order (inner before outer) and compile.
        let (index, order) = order_inner_first(set, &resolved, &mut failed);
        Self::compile(set, plan, time_field, &resolved, &index, &order, failed)
    }

    /// Compiles the resolved correlations in `order` (inner before outer;
    /// `index[ci]` is correlation `ci`'s place in it).
    fn compile(
        set: &RuleSet,
        plan: &Plan,
        time_field: Option<&str>,
        resolved: &[Option<Resolved>],
        index: &[Option<u32>],
        order: &[usize],
        failed: Vec<Option<Diagnostic>>,
    ) -> CorrelationPlan {
        let n = set.correlations.len();
        let mut out = CorrelationPlan {
            feeds: vec![Vec::new(); plan.rules.len()],
            emit_rule: vec![true; plan.rules.len()],
            rule_ids: plan
                .rules
                .iter()
                .map(|r| Arc::from(r.meta.id.as_str()))
                .collect(),
            ..CorrelationPlan::default()
        };
        let mut names: HashMap<String, FieldId> = HashMap::new();
        let mut intern = |name: &str, fields: &mut Vec<String>| -> FieldId {
            *names.entry(name.to_string()).or_insert_with(|| {
                fields.push(name.to_string());
                (fields.len() - 1) as FieldId
            })
        };
        // Who refers to what, and whether any of them asks for `generate`.
        let mut rule_refs = vec![(false, false); plan.rules.len()];
        let mut corr_refs = vec![(false, false); n];
        for &ci in order {
            let c = &set.correlations[ci];
            let r = resolved[ci].as_ref().expect("BUG: resolved");
            let mut inputs = Vec::new();
            for (slot, &t) in r.inputs.iter().enumerate() {
                let slot16 = slot as u16;
                let (source, group, value) = match t {
                    Target::Rule(i) => {
                        let e = &mut rule_refs[i as usize];
                        *e = (true, e.1 || c.generate);
                        let mut ev = |name: &str| {
                            FieldSrc::Event(intern(r.field_for(slot16, name), &mut out.fields))
                        };
                        (
                            Source::Rule(i),
                            c.group_by.iter().map(|g| ev(g)).collect(),
                            c.condition.field.iter().map(|f| ev(f)).collect(),
                        )
                    }
                    Target::Corr(k) => {
                        let e = &mut corr_refs[k];
                        *e = (true, e.1 || c.generate);
                        let inner = &set.correlations[k];
                        let pos = |name: &String| {
                            let f = r.field_for(slot16, name);
                            FieldSrc::Group(
                                inner
                                    .group_by
                                    .iter()
                                    .position(|g| g == f)
                                    .expect("BUG: checked in step 3"),
                            )
                        };
                        (
                            Source::Correlation(index[k].expect("BUG: ordered")),
                            c.group_by.iter().map(pos).collect(),
                            c.condition.field.iter().map(pos).collect(),
                        )
                    }
                };
                inputs.push(CInput {
                    source,
                    group,
                    value,
                });
            }
            out.correlations.push(CompiledCorrelation {
                id: Arc::from(c.report_id()),
                title: Arc::from(c.title.as_str()),
                level: Arc::from(c.level.as_deref().unwrap_or("")),
                file: c.file.clone(),
                line: c.line,
                kind: c.kind,
                timespan: c.timespan_s as Nanos * 1_000_000_000,
                condition: c.condition.clone(),
                group_by: c.group_by.iter().map(|g| Arc::from(g.as_str())).collect(),
                emit: true,
                inputs,
                order: r.order.clone(),
            });
        }
        for (k, &ci) in order.iter().enumerate() {
            let (referenced, generate) = corr_refs[ci];
            out.correlations[k].emit = !referenced || generate;
            for (slot, input) in out.correlations[k].inputs.iter().enumerate() {
                if let Source::Rule(i) = input.source {
                    out.feeds[i as usize].push((k as u32, slot as u16));
                }
            }
        }
        for (i, &(referenced, generate)) in rule_refs.iter().enumerate() {
            out.emit_rule[i] = !referenced || generate;
        }
        if let Some(tf) = time_field {
            let id = intern(tf, &mut out.fields);
            out.time_field = Some((tf.to_string(), id));
        }
        out.errors = failed.into_iter().flatten().collect();
        out.errors
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        out
    }

    /// Whether any correlation loaded.
    pub fn is_empty(&self) -> bool {
        self.correlations.is_empty()
    }
}

/// Step 3 of [`CorrelationPlan::build`]: a correlation fails with any
/// correlation it refers to, or when it groups an inner correlation's hits
/// by a field they do not carry; repeated until nothing changes.
fn fail_dependents(
    set: &RuleSet,
    resolved: &[Option<Resolved>],
    failed: &mut [Option<Diagnostic>],
) {
    let n = set.correlations.len();
    loop {
        let mut changed = false;
        for ci in 0..n {
            if failed[ci].is_some() {
                continue;
            }
            let c = &set.correlations[ci];
            let r = resolved[ci].as_ref().expect("BUG: unfailed means resolved");
            for (slot, &t) in r.inputs.iter().enumerate() {
                let Target::Corr(k) = t else { continue };
                let inner = &set.correlations[k];
                let problem = if failed[k].is_some() {
                    Some((
                        r.input_lines[slot],
                        format!(
                            "refers to correlation `{}`, which did not load",
                            inner.report_id()
                        ),
                    ))
                } else {
                    let group = c.group_by.iter().map(|g| (g, c.group_by_line));
                    let field = c.condition.field.iter().map(|f| (f, c.condition_line));
                    group
                        .chain(field)
                        .map(|(name, line)| (name, line, r.field_for(slot as u16, name)))
                        .find(|(_, _, f)| !inner.group_by.iter().any(|g| g == f))
                        .map(|(name, line, f)| {
                            let via = if name == f {
                                String::new()
                            } else {
                                format!(" (alias `{name}`)")
                            };
                            let msg = format!(
                                "field `{f}`{via} is not a group-by field of correlation \
                                 `{}`, whose hits carry only: {}",
                                inner.report_id(),
                                if inner.group_by.is_empty() {
                                    "(none)".to_string()
                                } else {
                                    inner.group_by.join(", ")
                                }
                            );
                            (line, msg)
                        })
                };
                if let Some((line, msg)) = problem {
                    failed[ci] = Some(diag_for(c, line, msg));
                    changed = true;
                    break;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// Step 4 of [`CorrelationPlan::build`]: orders the correlations that
/// resolved so each comes after those it refers to. Returns each one's
/// place (`None`: failed) and the order; anything left unordered fails.
fn order_inner_first(
    set: &RuleSet,
    resolved: &[Option<Resolved>],
    failed: &mut [Option<Diagnostic>],
) -> (Vec<Option<u32>>, Vec<usize>) {
    let n = set.correlations.len();
    let mut index: Vec<Option<u32>> = vec![None; n];
    let mut order: Vec<usize> = Vec::new();
    loop {
        let before = order.len();
        for ci in 0..n {
            if failed[ci].is_some() || index[ci].is_some() {
                continue;
            }
            let r = resolved[ci].as_ref().expect("BUG: resolved");
            let ready = r.inputs.iter().all(|t| match t {
                Target::Corr(k) => index[*k].is_some(),
                Target::Rule(_) => true,
            });
            if ready {
                index[ci] = Some(order.len() as u32);
                order.push(ci);
            }
        }
        if order.len() == before {
            break;
        }
    }
    // Loops were removed above; anything left unordered would be one
    // that step 2 missed. Say so rather than drop it silently.
    for ci in 0..n {
        if failed[ci].is_none() && index[ci].is_none() {
            let c = &set.correlations[ci];
            failed[ci] = Some(diag_for(
                c,
                c.line,
                "correlation chain loops (through its references)".into(),
            ));
        }
    }

    (index, order)
}

type ResolveErr = (usize, String);

fn resolve_one(
    c: &Correlation,
    me: usize,
    resolve: &dyn Fn(&str, usize) -> Result<Target, String>,
) -> Result<Resolved, ResolveErr> {
    let mut r = Resolved {
        inputs: Vec::new(),
        input_lines: Vec::new(),
        order: Vec::new(),
        aliases: HashMap::new(),
    };
    for rr in &c.rules {
        let t = resolve(&rr.name, me).map_err(|m| (rr.line, m))?;
        let slot = match r.inputs.iter().position(|&x| x == t) {
            Some(s) if c.kind != CorrelationType::TemporalOrdered => {
                return Err((
                    rr.line,
                    format!(
                        "`{}` and `{}` are the same rule",
                        c.rules[r.order.iter().position(|&o| o as usize == s).unwrap_or(0)].name,
                        rr.name
                    ),
                ));
            }
            Some(s) => s,
            None => {
                r.inputs.push(t);
                r.input_lines.push(rr.line);
                r.inputs.len() - 1
            }
        };
        r.order.push(slot as u16);
    }
    if r.inputs.len() > usize::from(u16::MAX) {
        return Err((c.line, "too many rules in one correlation".into()));
    }
    for a in &c.aliases {
        for (rule, field) in &a.fields {
            let t = resolve(&rule.name, me)
                .map_err(|m| (rule.line, format!("alias `{}`: {m}", a.alias)))?;
            let Some(slot) = r.inputs.iter().position(|&x| x == t) else {
                return Err((
                    rule.line,
                    format!(
                        "alias `{}`: `{}` is not one of the rules this correlation lists",
                        a.alias, rule.name
                    ),
                ));
            };
            r.aliases
                .insert((a.alias.clone(), slot as u16), field.clone());
        }
    }
    Ok(r)
}

/// Marks every correlation on a loop of references (iterative depth-first
/// search, so a long chain cannot overflow the stack).
fn find_loops(set: &RuleSet, resolved: &[Option<Resolved>], failed: &mut [Option<Diagnostic>]) {
    let n = resolved.len();
    let succ = |ci: usize| -> Vec<(usize, usize)> {
        resolved[ci]
            .as_ref()
            .map(|r| {
                r.inputs
                    .iter()
                    .zip(&r.input_lines)
                    .filter_map(|(t, &line)| match t {
                        Target::Corr(k) => Some((*k, line)),
                        Target::Rule(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    /// A node on the search path: itself, its (successor, line of the
    /// reference) list, and the next successor to visit.
    type Frame = (usize, Vec<(usize, usize)>, usize);
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 || resolved[root].is_none() {
            continue;
        }
        let mut stack: Vec<Frame> = vec![(root, succ(root), 0)];
        state[root] = 1;
        while let Some((node, next, i)) = stack.last_mut() {
            if *i == next.len() {
                state[*node] = 2;
                stack.pop();
                continue;
            }
            let (k, _) = next[*i];
            *i += 1;
            match state[k] {
                0 if resolved[k].is_some() => {
                    state[k] = 1;
                    stack.push((k, succ(k), 0));
                }
                1 => {
                    // The loop is the path from k to the top, back to k.
                    let start = stack
                        .iter()
                        .position(|(x, _, _)| *x == k)
                        .expect("BUG: on the path");
                    let members: Vec<(usize, usize)> = stack[start..]
                        .iter()
                        .map(|(x, nx, i)| (*x, nx[*i - 1].1))
                        .collect();
                    let mut names: Vec<&str> = members
                        .iter()
                        .map(|&(x, _)| set.correlations[x].report_id())
                        .collect();
                    names.push(set.correlations[k].report_id());
                    let chain = names.join(" → ");
                    for (x, line) in members {
                        if failed[x].is_none() {
                            failed[x] = Some(diag_for(
                                &set.correlations[x],
                                line,
                                format!("correlation chain loops: {chain}"),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::CompileOptions;

    fn build(text: &str) -> (RuleSet, Plan, CorrelationPlan) {
        let mut set = RuleSet::default();
        set.load_text(Path::new("r.yml"), text);
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        let c = CorrelationPlan::build(&set, &plan, None);
        (set, plan, c)
    }

    const BASE: &str = "title: failed\nid: r-failed\nname: failed\nlogsource: {product: windows, service: security}\n\
        detection:\n  sel: {EventID: 4625}\n  condition: sel\n---\n\
        title: ok\nname: success\nlogsource: {product: windows, service: security}\n\
        detection:\n  sel: {EventID: 4624}\n  condition: sel\n";

    fn errors(c: &CorrelationPlan) -> Vec<(usize, String)> {
        c.errors
            .iter()
            .map(|d| (d.line, d.message.clone()))
            .collect()
    }

    #[test]
    fn resolves_ids_names_and_generate() {
        let (_, plan, c) = build(&format!(
            "{BASE}---\ntitle: burst\nname: burst\ncorrelation:\n  type: event_count\n  \
             rules: r-failed\n  group-by: User\n  timespan: 5m\n  condition: {{gte: 3}}\n---\n\
             title: chain\ncorrelation:\n  type: temporal_ordered\n  rules: [burst, success]\n  \
             group-by: User\n  timespan: 10m\n  generate: true\n"
        ));
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(plan.rules.len(), 2);
        assert_eq!(c.correlations.len(), 2);
        // Inner first; the chain asks for generate, so both inner
        // references report on their own; nothing refers to the chain.
        assert_eq!(&*c.correlations[0].id, "burst");
        assert_eq!(&*c.correlations[1].id, "chain");
        assert!(c.correlations[0].emit && c.correlations[1].emit);
        // `failed` is referenced only by `burst` (generate false): withheld.
        assert_eq!(c.emit_rule, vec![false, true]);
        assert_eq!(c.feeds[0], vec![(0, 0)]);
        assert_eq!(c.feeds[1], vec![(1, 1)]);
        assert_eq!(c.correlations[1].inputs[0].source, Source::Correlation(0));
        assert_eq!(c.correlations[1].inputs[0].group, vec![FieldSrc::Group(0)]);
    }

    #[test]
    fn generate_true_anywhere_keeps_the_rule() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: a\ncorrelation:\n  type: event_count\n  rules: failed\n  \
             timespan: 5m\n  condition: {{gte: 3}}\n---\ntitle: b\ncorrelation:\n  \
             type: event_count\n  rules: failed\n  timespan: 1h\n  condition: {{gte: 30}}\n  \
             generate: true\n"
        ));
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(c.emit_rule, vec![true, true]);
        assert_eq!(c.feeds[0], vec![(0, 0), (1, 0)]);
    }

    #[test]
    fn reference_errors() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: unknown\ncorrelation:\n  type: event_count\n  rules:\n    - nope\n  \
             timespan: 5m\n  condition: {{gte: 3}}\n---\ntitle: alias\ncorrelation:\n  \
             type: temporal\n  rules: [failed, success]\n  timespan: 5m\n  aliases:\n    ip:\n      \
             failed: IpAddress\n      other: SourceIp\n"
        ));
        assert_eq!(
            errors(&c),
            vec![
                (
                    20,
                    "unknown rule `nope`: no rule or correlation has this id or name".into()
                ),
                (
                    32,
                    "alias `ip`: unknown rule `other`: no rule or correlation has this id or name"
                        .into()
                ),
            ]
        );
        assert_eq!(c.errors[0].rule_id.as_deref(), Some("unknown"));
        assert_eq!(c.errors[0].file, Path::new("r.yml"));
    }

    #[test]
    fn loops_and_their_dependents_fail() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: a\nname: a\ncorrelation:\n  type: temporal\n  rules: [b, success]\n  \
             timespan: 5m\n---\ntitle: b\nname: b\ncorrelation:\n  type: temporal\n  \
             rules: [a, failed]\n  timespan: 5m\n---\ntitle: c\nname: c\ncorrelation:\n  \
             type: event_count\n  rules: a\n  timespan: 5m\n  condition: {{gte: 1}}\n---\n\
             title: d\nname: d\ncorrelation:\n  type: event_count\n  rules: d\n  timespan: 5m\n  \
             condition: {{gte: 1}}\n"
        ));
        assert!(c.correlations.is_empty());
        assert_eq!(
            errors(&c),
            vec![
                (20, "correlation chain loops: a → b → a".into()),
                (27, "correlation chain loops: a → b → a".into()),
                (34, "refers to correlation `a`, which did not load".into()),
                (42, "`d` is this correlation itself".into()),
            ]
        );
    }

    #[test]
    fn outer_group_by_must_be_an_inner_group_by() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: burst\nname: burst\ncorrelation:\n  type: event_count\n  \
             rules: failed\n  group-by: IpAddress\n  timespan: 5m\n  condition: {{gte: 3}}\n---\n\
             title: chain\ncorrelation:\n  type: temporal_ordered\n  rules: [burst, success]\n  \
             group-by: User\n  timespan: 10m\n"
        ));
        assert_eq!(
            errors(&c),
            vec![(
                29,
                "field `User` is not a group-by field of correlation `burst`, whose hits carry \
                 only: IpAddress"
                    .into()
            )]
        );
        // The inner one still loads, and nothing withholds it now.
        assert_eq!(c.correlations.len(), 1);
        assert!(c.correlations[0].emit);
    }

    #[test]
    fn same_rule_twice_by_id_and_name() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: x\ncorrelation:\n  type: temporal\n  rules: [failed, r-failed]\n  \
             timespan: 5m\n"
        ));
        assert_eq!(
            errors(&c),
            vec![(19, "`failed` and `r-failed` are the same rule".into())]
        );
    }

    #[test]
    fn a_rule_that_did_not_compile() {
        let (_, _, c) = build(
            "title: bad\nid: bad\nlogsource: {product: windows}\ndetection:\n  sel:\n    \
             F|re: '('\n  condition: sel\n---\ntitle: x\ncorrelation:\n  type: event_count\n  \
             rules: bad\n  timespan: 5m\n  condition: {gte: 1}\n",
        );
        assert_eq!(
            errors(&c),
            vec![(
                12,
                "rule `bad` (r.yml:1) did not compile (see its error)".into()
            )]
        );
    }
}
