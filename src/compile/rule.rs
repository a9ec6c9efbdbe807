//! One rule → [`CompiledRule`]: its detection lowered to searches of item
//! tests and a condition, the filters that name it applied, its logsource
//! gate, and the literal sets the prefilter selects it by ([`Guard`], the
//! further sets of its detection's CNF).
//!
//! Each rule compiles on its own (`Plan::from_rules` runs them on every
//! core): field names go through the interner it is given, and
//! [`CompiledRule::remap_fields`] rewrites the ids to the plan's.

use super::item::{CompiledItem, ItemTest, compile_item};
use super::literals::{self, Cnf, LitSet};
use super::{
    CCond, CGate, CompileOptions, CompiledRule, FieldId, Guard, Interner, MIN_DETECTION_LITERAL,
    Placeholders, RuleMeta, rule_gate, translate,
};
use crate::sigma::condition::{self, Cond};
use crate::sigma::{Detection, FilterTarget, LogSource, Rule, RuleSet};

/// Why a rule document did not compile, and where.
#[derive(Debug)]
pub(super) struct CompileError {
    /// 1-based line of the item or condition at fault.
    pub(super) line: usize,
    /// What is wrong.
    pub(super) message: String,
}

impl CompileError {
    fn at(line: usize) -> impl FnOnce(String) -> CompileError {
        move |message| CompileError { line, message }
    }
}

impl CompiledRule {
    /// Rewrites every field id `f` it reads to `ids[f]`: from the interner
    /// it was compiled with to the plan's. A field id stored anywhere else
    /// in a compiled rule must be rewritten here too; the parallel compile's
    /// test against a serial one fails if one is missed.
    pub(super) fn remap_fields(&mut self, ids: &[FieldId]) {
        if let CGate::Clauses(clauses) = &mut self.gate {
            for (from, to) in clauses.iter_mut().flat_map(|c| &mut c.renames) {
                (*from, *to) = (ids[*from as usize], ids[*to as usize]);
            }
        }
        for test in self.searches.iter_mut().flatten().flatten() {
            test.remap_fields(ids);
        }
    }
}

pub(super) fn compile_rule(
    rule: &Rule,
    set: &RuleSet,
    opts: &CompileOptions,
    interner: &mut Interner,
) -> Result<(CompiledRule, Option<String>), CompileError> {
    let mut searches = Vec::new();
    let mut search_lits = Vec::new();
    let mut search_cnf = Vec::new();
    // Values the built-in Security alternatives write in another form.
    let renamed = if opts.no_logsource {
        Vec::new()
    } else {
        clause_renames(&rule.logsource)
    };
    let mut value_notes = Vec::new();
    let detection = translate::translate(&rule.detection, &renamed, &mut value_notes);
    let mut intern = |name: &str| interner.intern(name);
    let cond = compile_detection(
        &detection,
        &mut searches,
        &mut search_lits,
        &mut search_cnf,
        &mut intern,
        &opts.placeholders,
    )?;
    // Filters: `(rule) and (filter)` for every filter that names this rule
    // (or `any`) and whose logsource fits.
    let mut conds = vec![cond];
    let mut filters = Vec::new();
    for (fi, f) in set.filters.iter().enumerate() {
        let named = match &f.target {
            FilterTarget::Any => true,
            FilterTarget::Rules(names) => names.iter().any(|n| {
                rule.id.as_deref() == Some(n.as_str()) || rule.name.as_deref() == Some(n.as_str())
            }),
        };
        if named && logsource_fits(&f.logsource, &rule.logsource) {
            let det = translate::translate(&f.detection, &renamed, &mut value_notes);
            let c = compile_detection(
                &det,
                &mut searches,
                &mut search_lits,
                &mut search_cnf,
                &mut intern,
                &opts.placeholders,
            )
            .map_err(|e| CompileError {
                line: e.line,
                message: format!("filter {} ({}): {}", f.title, f.file.display(), e.message),
            })?;
            conds.push(c);
            filters.push(fi);
        }
    }
    let cond = if conds.len() == 1 {
        conds.pop().expect("BUG: one")
    } else {
        CCond::And(conds)
    };
    let detection_lits = cond_literals(&cond, &search_lits).map(literals::minimize);
    let search_names: Vec<String> = rule
        .detection
        .searches
        .iter()
        .map(|s| s.name.clone())
        .chain(filters.iter().flat_map(|&fi| {
            let f: &crate::sigma::Filter = &set.filters[fi];
            f.detection
                .searches
                .iter()
                .map(|s| format!("filter:{}", s.name))
        }))
        .collect();

    let (gate, gate_note) = if opts.no_logsource {
        (CGate::Any, None)
    } else {
        rule_gate(&rule.logsource, interner)
    };
    let gate_lits = match &gate {
        CGate::Clauses(clauses) if !clauses.is_empty() => {
            let variants: Vec<_> = clauses
                .iter()
                .map(|c| crate::sigma::value::SigmaString::literal(&c.channel))
                .collect();
            literals::any_of(&variants)
        }
        _ => None,
    };
    let guard = match (detection_lits.clone(), gate_lits.clone()) {
        (Some(d), Some(g)) if literals::min_len(&d) < MIN_DETECTION_LITERAL => Guard::Gate(g),
        (Some(d), _) => Guard::Detection(d),
        (None, Some(g)) => Guard::Gate(g),
        (None, None) => Guard::Always,
    };
    // Every strong set of the detection's CNF other than the guard's own.
    let also: Vec<LitSet> = match &guard {
        Guard::Always => Vec::new(),
        Guard::Detection(first) | Guard::Gate(first) => cond_cnf(&cond, &search_cnf)
            .into_iter()
            .map(literals::minimize)
            .filter(|set| literals::min_len(set) >= MIN_DETECTION_LITERAL && set != first)
            .take(literals::MAX_CLAUSES - 1)
            .collect(),
    };
    let warning = gate_note
        .as_ref()
        .map(|w| format!("logsource never matches event logs: {w}"));
    let meta = RuleMeta {
        id: rule.report_id().to_string(),
        title: rule.title.clone(),
        level: rule.level.clone().unwrap_or_default(),
        status: rule.status.clone().unwrap_or_default(),
        tags: rule.tags.clone(),
        file: rule.file.clone(),
        line: rule.line,
        logsource: rule.logsource.clone(),
    };
    Ok((
        CompiledRule {
            meta,
            gate,
            gate_note,
            searches,
            search_names,
            cond,
            guard,
            also,
            gate_literals: gate_lits.map(literals::minimize),
            detection_literals: detection_lits,
            search_literals: search_lits,
            filters,
            value_notes,
        },
        warning,
    ))
}

/// The renames of each gate clause of `ls` that has some, by field name:
/// `("Security 4688", [("IntegrityLevel", "MandatoryLabel"), …])`. Read
/// from a scratch interner so the plan's field ids keep their order.
fn clause_renames(ls: &LogSource) -> Vec<(String, Vec<(String, String)>)> {
    let mut scratch = Interner::default();
    let CGate::Clauses(clauses) = rule_gate(ls, &mut scratch).0 else {
        return Vec::new();
    };
    let name = |id: FieldId| scratch.names[id as usize].clone();
    clauses
        .iter()
        .filter(|c| !c.renames.is_empty())
        .map(|c| {
            let ids: Vec<String> = c.event_ids.iter().map(i64::to_string).collect();
            (
                format!("{} {}", c.name, ids.join("/")),
                c.renames.iter().map(|&(a, b)| (name(a), name(b))).collect(),
            )
        })
        .collect()
}

fn logsource_fits(filter: &LogSource, rule: &LogSource) -> bool {
    let fits = |f: &Option<String>, r: &Option<String>| f.is_none() || f == r;
    fits(&filter.product, &rule.product)
        && fits(&filter.category, &rule.category)
        && fits(&filter.service, &rule.service)
}

/// Compiles a detection's searches (appended to `searches`) and condition.
fn compile_detection(
    det: &Detection,
    searches: &mut Vec<Vec<Vec<ItemTest>>>,
    search_lits: &mut Vec<Option<LitSet>>,
    search_cnf: &mut Vec<Cnf>,
    intern: &mut dyn FnMut(&str) -> FieldId,
    placeholders: &Placeholders,
) -> Result<CCond, CompileError> {
    let base = searches.len();
    let mut names = Vec::with_capacity(det.searches.len());
    for s in &det.searches {
        let mut alts = Vec::with_capacity(s.alternatives.len());
        let mut alt_lits: Option<LitSet> = Some(Vec::new());
        let mut alt_cnf = Cnf::new();
        for (k, alt) in s.alternatives.iter().enumerate() {
            let mut tests = Vec::with_capacity(alt.len());
            let mut and_lits: Option<LitSet> = None;
            let mut and_cnf = Cnf::new();
            for it in alt {
                let CompiledItem {
                    test,
                    literal_groups,
                } = compile_item(it, intern, placeholders).map_err(CompileError::at(it.line))?;
                // The item's sets: the best one is its single set, all of
                // them its part of the CNF.
                let sets = item_cnf(&test, literal_groups.as_deref());
                and_lits = sets
                    .iter()
                    .cloned()
                    .map(Some)
                    .fold(and_lits, literals::best);
                and_cnf = literals::cnf_and(and_cnf, sets);
                tests.push(test);
            }
            (alt_lits, alt_cnf) = if k == 0 {
                (and_lits, and_cnf)
            } else {
                (
                    literals::union(alt_lits, and_lits),
                    literals::cnf_or(alt_cnf, and_cnf),
                )
            };
            alts.push(tests);
        }
        if s.alternatives.is_empty() {
            alt_lits = None;
        }
        names.push(s.name.clone());
        searches.push(alts);
        search_lits.push(alt_lits);
        search_cnf.push(alt_cnf);
    }
    let line = det.condition_line;
    let mut ors = Vec::with_capacity(det.conditions.len());
    for c in &det.conditions {
        ors.push(lower_cond(c, &names, base).map_err(CompileError::at(line))?);
    }
    Ok(if ors.len() == 1 {
        ors.pop().expect("BUG: one")
    } else {
        CCond::Or(ors)
    })
}

/// An item's requirement as a [`Cnf`]: under `all`, each value's variants
/// are a set of their own; otherwise the item needs one of all its values.
fn item_cnf(test: &ItemTest, groups: Option<&[Vec<crate::sigma::value::SigmaString>]>) -> Cnf {
    let Some(groups) = groups.filter(|g| !g.is_empty()) else {
        return Cnf::new();
    };
    let ItemTest::Values {
        all, negate: false, ..
    } = test
    else {
        return Cnf::new();
    };
    if *all {
        groups.iter().filter_map(|g| literals::any_of(g)).collect()
    } else {
        let mut acc = Vec::new();
        for g in groups {
            match literals::any_of(g) {
                Some(l) => acc.extend(l),
                None => return Cnf::new(),
            }
        }
        vec![acc]
    }
}

fn lower_cond(c: &Cond, names: &[String], base: usize) -> Result<CCond, String> {
    Ok(match c {
        Cond::Ident(name) => {
            let i = names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| format!("condition names unknown search identifier `{name}`"))?;
            CCond::Search(base + i)
        }
        Cond::And(a, b) => CCond::And(vec![
            lower_cond(a, names, base)?,
            lower_cond(b, names, base)?,
        ]),
        Cond::Or(a, b) => CCond::Or(vec![
            lower_cond(a, names, base)?,
            lower_cond(b, names, base)?,
        ]),
        Cond::Not(a) => CCond::Not(Box::new(lower_cond(a, names, base)?)),
        Cond::Of { all, pattern } => {
            let hits: Vec<CCond> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| condition::pattern_matches(pattern, n))
                .map(|(i, _)| CCond::Search(base + i))
                .collect();
            if hits.is_empty() {
                return Err(format!("`{pattern}` matches no search identifier"));
            }
            if *all {
                CCond::And(hits)
            } else {
                CCond::Or(hits)
            }
        }
    })
}

fn cond_cnf(c: &CCond, search_cnf: &[Cnf]) -> Cnf {
    match c {
        CCond::Search(i) => search_cnf[*i].clone(),
        CCond::And(v) => v.iter().fold(Cnf::new(), |acc, c| {
            literals::cnf_and(acc, cond_cnf(c, search_cnf))
        }),
        CCond::Or(v) => {
            let mut it = v.iter().map(|c| cond_cnf(c, search_cnf));
            let first = it.next().unwrap_or_default();
            it.fold(first, literals::cnf_or)
        }
        CCond::Not(_) => Cnf::new(),
    }
}

fn cond_literals(c: &CCond, search_lits: &[Option<LitSet>]) -> Option<LitSet> {
    match c {
        CCond::Search(i) => search_lits[*i].clone(),
        CCond::And(v) => v
            .iter()
            .map(|c| cond_literals(c, search_lits))
            .fold(None, literals::best),
        CCond::Or(v) => {
            let mut acc = Some(Vec::new());
            for c in v {
                acc = literals::union(acc, cond_literals(c, search_lits));
            }
            acc
        }
        CCond::Not(_) => None,
    }
}
