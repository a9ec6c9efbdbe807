//! Rule model → executable [`Plan`]: exact matchers per rule, the logsource
//! gate, and the prefilter's literal table.
//!
//! Pure code, no IO. The plan is immutable and shared by every worker.
//! Events are seen only through the [`EventSource`] trait (field lookup by
//! interned [`FieldId`], and a walk over string values for keywords), so this
//! module does not know JSON layouts; `event` implements the trait.
//!
//! Every rule gets a literal set (see [`literals`]): the literals of its
//! detection when the analysis can prove one, else the literals of its
//! logsource gate (its channel names), else none, which puts it in the
//! *always evaluate* set.

mod always;
mod eval;
pub mod fold;
pub mod item;
pub mod lazy_regex;
pub mod literals;
pub mod matched;
pub mod matcher;
pub mod pattern;
mod presence;
pub mod regex_literals;
mod rule;
mod translate;

pub use always::{AlwaysIndex, Keys, event_id_keys};
pub use eval::{gate_event_id, gate_inputs};

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value as Json;

use crate::sigma::logsource::{self, Gate};
use crate::sigma::{Diagnostic, DiagnosticKind, LogSource, Rule, RuleSet};
use item::ItemTest;
use literals::LitSet;

/// Index of a field name in [`Plan::fields`].
pub type FieldId = u32;

/// `expand` placeholder values: name → values.
pub type Placeholders = HashMap<String, Vec<String>>;

/// The names of the gate's two fields, [`CHANNEL`] and [`EVENT_ID`]: the
/// header's channel and event id, whatever the payload holds, while a rule's
/// own `Channel` reads the payload first. `event::GATE_CHANNEL` and
/// `event::GATE_EVENT_ID` spell the same names (compile does not depend on
/// event; `tests/lazy_fields.rs` checks they agree). The `|` keeps them apart
/// from every Sigma field name.
pub const GATE_FIELD_NAMES: [&str; 2] = ["|gate|Channel", "|gate|EventID"];

/// The field the gate reads the channel from (always id 0).
pub const CHANNEL: FieldId = 0;
/// The field the gate reads the event id from (always id 1).
pub const EVENT_ID: FieldId = 1;

/// Read access to one event.
pub trait EventSource {
    /// The value of a field (already unwrapped from layout wrappers).
    fn field(&self, id: FieldId) -> Option<&Json>;
    /// Calls `f` on every string value of the event (numbers as text) until
    /// it returns true; returns whether it did.
    fn any_string(&self, f: &mut dyn FnMut(&str) -> bool) -> bool;
}

/// Compilation settings.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Values for `expand` placeholders.
    pub placeholders: Placeholders,
    /// Ignore logsources: match detections only.
    pub no_logsource: bool,
    /// The most threads to compile on (`None`: one per core).
    pub threads: Option<usize>,
}

/// What a rule reports in a hit.
#[derive(Clone, Debug)]
pub struct RuleMeta {
    /// Id, else name, else title.
    pub id: String,
    /// Title.
    pub title: String,
    /// Level (empty when unset).
    pub level: String,
    /// Status (empty when unset).
    pub status: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Source file.
    pub file: PathBuf,
    /// 1-based line of the rule's document in `file`.
    pub line: usize,
    /// Logsource.
    pub logsource: LogSource,
}

#[derive(Clone, Debug)]
struct GateClause {
    /// Folded for comparison.
    channel: String,
    /// As Windows spells it (for `rules explain` and `rules coverage`).
    name: &'static str,
    event_ids: Vec<i64>,
    renames: Vec<(FieldId, FieldId)>,
}

/// Which events a rule's logsource admits.
#[derive(Clone, Debug)]
enum CGate {
    /// Every event (`--no-logsource`, or `product: windows` alone).
    Any,
    /// Windows event-log records of these channels/EventIDs; empty: none.
    Clauses(Vec<GateClause>),
    /// Records that are not Windows event-log records (other products): a
    /// zeek or cisco rule must not judge a Windows event.
    NonWindows,
}

/// The gate policy: Windows logsources map to channel/EventID clauses
/// (`sigma::logsource`); a Windows logsource with no event-log source admits
/// nothing; a product-less logsource whose category is a Windows one (e.g.
/// `antivirus`) is read as Windows; every other product admits only
/// non-Windows records. A record is a Windows one when it has a `Channel`.
fn rule_gate(ls: &LogSource, interner: &mut Interner) -> (CGate, Option<String>) {
    let (cat, svc) = (ls.category.as_deref(), ls.service.as_deref());
    let product = ls.product.as_deref();
    let windows = product.is_some_and(|p| p.eq_ignore_ascii_case("windows"));
    let gate = if windows {
        logsource::windows_gate(product, cat, svc)
    } else if product.is_none() && (cat.is_some() || svc.is_some()) {
        match logsource::windows_gate(Some("windows"), cat, svc) {
            g @ Gate::AnyOf(_) => g,
            _ => return (CGate::NonWindows, None),
        }
    } else {
        return (CGate::NonWindows, None);
    };
    match gate {
        // `product: windows` alone: no gate. Requiring a `Channel` here would
        // drop Windows records exported without one.
        Gate::None => (CGate::Any, None),
        Gate::Unknown(why) => (CGate::Clauses(Vec::new()), Some(why)),
        Gate::AnyOf(clauses) => {
            let clauses = clauses
                .iter()
                .map(|c| GateClause {
                    channel: fold::fold(c.channel).into_owned(),
                    name: c.channel,
                    event_ids: c.event_ids.iter().map(|&e| e as i64).collect(),
                    renames: c
                        .renames
                        .iter()
                        .map(|(from, to)| (interner.intern(from), interner.intern(to)))
                        .collect(),
                })
                .collect();
            (CGate::Clauses(clauses), None)
        }
    }
}

#[derive(Clone, Debug)]
enum CCond {
    Search(usize),
    And(Vec<CCond>),
    Or(Vec<CCond>),
    Not(Box<CCond>),
}

/// Why a rule is in the always-evaluate set, or which literals guard it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Literals from the detection.
    Detection(LitSet),
    /// Literals from the logsource gate (the detection had none good enough).
    Gate(LitSet),
    /// No literal: evaluated on every line.
    Always,
}

/// One compiled rule.
#[derive(Clone, Debug)]
pub struct CompiledRule {
    /// What hits report.
    pub meta: RuleMeta,
    /// The logsource gate.
    gate: CGate,
    /// Why the gate is what it is (for `explain`), when not obvious.
    pub gate_note: Option<String>,
    searches: Vec<Vec<Vec<ItemTest>>>,
    /// The name of each search (`filter:NAME` for an applied filter's).
    search_names: Vec<String>,
    cond: CCond,
    /// How the prefilter selects this rule.
    pub guard: Guard,
    /// Further literal sets from the detection (`literals::Cnf`): a line
    /// the rule can match also holds a literal of each. The prefilter
    /// proposes the rule only then.
    pub also: Vec<LitSet>,
    /// The logsource gate's channel names as literals (one per clause, see
    /// [`Plan::gate_literals`]); `None` when the gate names no channel or
    /// one without a safe piece.
    pub gate_literals: Option<LitSet>,
    /// The literals the detection alone offers (before the choice between
    /// them and the gate's channel names; `None`: it offers none). Kept so
    /// `rules explain` can say why a rule is guarded as it is.
    pub detection_literals: Option<LitSet>,
    /// Each search's literals (`None`: a match of that search needs no fixed
    /// text): the rule's searches in source order, then those of each
    /// applied filter.
    pub search_literals: Vec<Option<LitSet>>,
    /// The filter documents applied to the rule (indices into
    /// `RuleSet::filters`).
    pub filters: Vec<usize>,
    /// Items that cannot match on a built-in Security alternative of the
    /// gate because that event writes the value in another form
    /// (`translate`); what could be translated was.
    pub value_notes: Vec<String>,
}

/// A compiled rule's logsource gate, read-only (see [`CompiledRule::gate_view`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateView<'a> {
    /// Every event passes (`--no-logsource`, or `product: windows` alone).
    Any,
    /// Only records that are not Windows event-log records (no `Channel`):
    /// the logsource names another product.
    NonWindows,
    /// No event-log event can pass; the reason.
    Never(&'a str),
    /// Windows event-log records satisfying one of these clauses.
    Clauses(Vec<GateClauseView<'a>>),
}

/// One clause of a [`GateView`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateClauseView<'a> {
    /// The channel as Windows spells it (compared case-insensitively).
    pub channel: &'static str,
    /// The EventIDs; empty means any.
    pub event_ids: &'a [i64],
    /// `(rule field, event field)` renames, ids into [`Plan::fields`].
    pub renames: &'a [(FieldId, FieldId)],
}

/// What a prefilter literal stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiteralTarget {
    /// These rules (indices into [`Plan::rules`]): the literal is in the
    /// first of their literal sets ([`CompiledRule::clauses`]).
    Rules(Vec<u32>),
    /// A line holding it may need every rule (see `literals::needs_fallback`).
    Fallback,
}

/// The compiled rule set.
pub struct Plan {
    /// Compiled rules, in load order.
    pub rules: Vec<CompiledRule>,
    /// Interned field names; ids 0 and 1 are the gate's header `Channel` and
    /// `EventID` ([`GATE_FIELD_NAMES`]).
    pub fields: Vec<String>,
    /// Prefilter literals matched ASCII-caseless (lowercase, safe bytes only).
    pub literals: LitSet,
    /// Prefilter literals matched byte for byte (the fallback markers: JSON's
    /// `\u` escape is lowercase by definition). Their ids follow `literals`.
    pub exact_literals: LitSet,
    /// How the rules spell each of `literals` (a rule value holding it as
    /// a piece, in its own case; the literal itself where none does): a
    /// searcher may place its fingerprint by the spelling's word
    /// boundaries (`prefilter::fingerprint`). Empty when the plan has more
    /// than [`SPELLED_LITERALS`] literals.
    pub literal_spellings: LitSet,
    /// What each literal stands for, `literals` then `exact_literals`.
    pub literal_targets: Vec<LiteralTarget>,
    /// Per rule, its further literal sets (after the first) as literal ids:
    /// a line that holds none of a set's literals cannot match the rule.
    pub also_ids: Vec<Vec<Vec<u32>>>,
    /// Rules evaluated on every line.
    pub always: Vec<u32>,
    /// The channel literals of every rule that has literals, when each of
    /// them has a channel gate ([`CompiledRule::gate_literals`]): a line
    /// such a rule matches holds one of them (ASCII-caseless) or a fallback
    /// marker, by the argument that makes a channel guard sound
    /// (`literals`). A scan can then find those lines first and search only
    /// them for the detection literals (`scan::chunk`). `None` when a rule
    /// with literals has no channel gate, or no rule has literals.
    pub gate_literals: Option<LitSet>,
    /// `always`, indexed by the EventID each rule's detection requires.
    pub always_index: AlwaysIndex,
    /// Rules that did not compile.
    pub errors: Vec<Diagnostic>,
    /// Non-fatal notes (e.g. a logsource with no event-log source).
    pub warnings: Vec<Diagnostic>,
}

#[derive(Default)]
struct Interner {
    names: Vec<String>,
    ids: HashMap<String, FieldId>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> FieldId {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as FieldId;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }
}

/// The most literals a plan reads the rules' spellings of
/// ([`Plan::literal_spellings`]). PERF: only a fingerprint search, which
/// takes a few dozen literals, reads them, and looking the 11k literals of
/// SigmaHQ's Windows rules up in every rule value cost a tenth of the
/// compile.
pub const SPELLED_LITERALS: usize = 256;

/// A literal shorter than this from a detection loses to the gate's
/// channel literal. PERF: a 1–2 byte literal hits nearly every line; a
/// channel name at least skips other channels. Not yet measured.
pub const MIN_DETECTION_LITERAL: usize = 3;

impl Plan {
    /// Compiles every rule of `set` (filters applied).
    pub fn from_rules(set: &RuleSet, opts: &CompileOptions) -> Plan {
        let mut interner = Interner::default();
        // The gate's own names: the header's Channel/EventID, apart from a
        // rule's `Channel`, which reads the payload first (`event` docs).
        interner.intern(GATE_FIELD_NAMES[0]);
        interner.intern(GATE_FIELD_NAMES[1]);
        let mut rules = Vec::with_capacity(set.rules.len());
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        // PERF: the rules compile on every core (`par`), each with a field
        // interner of its own; the plan's interner then takes each rule's
        // names in the order the rule first used them, which is the order
        // a serial compile interns them in (a rule that fails included),
        // and the rule's ids are rewritten to the plan's.
        let threads = crate::par::threads(opts.threads);
        let compiled = crate::par::map(threads, &set.rules, |rule| {
            let mut own = Interner::default();
            (rule::compile_rule(rule, set, opts, &mut own), own.names)
        });
        for (rule, (compiled, names)) in set.rules.iter().zip(compiled) {
            let ids: Vec<FieldId> = names.iter().map(|n| interner.intern(n)).collect();
            match compiled {
                Ok((mut r, warn)) => {
                    r.remap_fields(&ids);
                    if let Some(w) = warn {
                        warnings.push(diag_for(rule, rule.line, w, DiagnosticKind::Warning));
                    }
                    rules.push(r);
                }
                Err(e) => errors.push(diag_for(rule, e.line, e.message, DiagnosticKind::Compile)),
            }
        }
        let mut plan = Plan {
            rules,
            fields: interner.names,
            literals: Vec::new(),
            exact_literals: Vec::new(),
            literal_spellings: Vec::new(),
            literal_targets: Vec::new(),
            also_ids: Vec::new(),
            always: Vec::new(),
            gate_literals: None,
            always_index: AlwaysIndex::default(),
            errors,
            warnings,
        };
        plan.build_literal_table();
        if plan.literals.len() <= SPELLED_LITERALS {
            plan.literal_spellings = literals::spellings(&plan.literals, set);
        }
        plan.always_index = AlwaysIndex::build(&plan.rules, &plan.always, plan.field_id("EventID"));
        plan
    }

    fn build_literal_table(&mut self) {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        for (i, r) in self.rules.iter().enumerate() {
            let Some(first) = r.clauses(false).first().copied() else {
                self.always.push(i as u32);
                continue;
            };
            for lit in first {
                let slot = *index.entry(lit.clone()).or_insert_with(|| {
                    self.literals.push(lit.clone());
                    self.literal_targets.push(LiteralTarget::Rules(Vec::new()));
                    self.literals.len() - 1
                });
                if let LiteralTarget::Rules(v) = &mut self.literal_targets[slot]
                    && v.last() != Some(&(i as u32))
                {
                    v.push(i as u32);
                }
            }
        }
        self.also_ids = self
            .rules
            .iter()
            .map(|r| {
                also_ids(r.clauses(false).get(1..).unwrap_or_default(), &|l| {
                    index.get(l).map(|&i| i as u32)
                })
            })
            .collect();
        if !self.literals.is_empty() {
            self.gate_literals = self
                .rules
                .iter()
                .filter(|r| !r.clauses(false).is_empty())
                .map(|r| r.gate_literals.clone())
                .collect::<Option<Vec<LitSet>>>()
                .map(|sets| literals::minimize(sets.concat()));
            for lit in literals::fallback_literals() {
                self.exact_literals.push(lit);
                self.literal_targets.push(LiteralTarget::Fallback);
            }
        }
    }

    /// The interned id of a field name, if any rule uses it.
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.fields
            .iter()
            .position(|f| f == name)
            .map(|i| i as FieldId)
    }
}

/// A rule's further literal sets as literal ids, keeping only the sets
/// whose every literal the automaton already searches (`id_of`).
///
/// PERF: adding the other sets' literals to the automaton (2.6k more on the
/// SigmaHQ Windows rules, mostly image names that occur on most lines) cost
/// more in the literal pass than the rule evaluations it saved (Mordor
/// subset, detection only: 3.1 s -> 3.9 s); sets made of literals that other
/// rules need anyway cost nothing to check.
pub fn also_ids(sets: &[&LitSet], id_of: &dyn Fn(&[u8]) -> Option<u32>) -> Vec<Vec<u32>> {
    sets.iter()
        .filter_map(|set| set.iter().map(|l| id_of(l)).collect::<Option<Vec<u32>>>())
        .collect()
}

fn diag_for(rule: &Rule, line: usize, message: String, kind: DiagnosticKind) -> Diagnostic {
    Diagnostic {
        kind,
        file: rule.file.clone(),
        line,
        rule_id: Some(rule.report_id().to_string()),
        title: Some(rule.title.clone()),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> (RuleSet, Plan) {
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("t.yml"), text);
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        (set, plan)
    }

    /// The rules (as `Debug` text), field names and error count that one
    /// interner taking the rules in order gives: what the parallel compile
    /// must reproduce.
    fn serial_compile(set: &RuleSet) -> (Vec<String>, Vec<String>, usize) {
        let mut interner = Interner::default();
        interner.intern(GATE_FIELD_NAMES[0]);
        interner.intern(GATE_FIELD_NAMES[1]);
        let (mut rules, mut errors) = (Vec::new(), 0);
        for rule in &set.rules {
            match rule::compile_rule(rule, set, &CompileOptions::default(), &mut interner) {
                Ok((r, _)) => rules.push(format!("{r:?}")),
                Err(_) => errors += 1,
            }
        }
        (rules, interner.names, errors)
    }

    fn assert_compiles_as_serially(set: &RuleSet) {
        let p = Plan::from_rules(set, &CompileOptions::default());
        let got: Vec<String> = p.rules.iter().map(|r| format!("{r:?}")).collect();
        let (rules, fields, errors) = serial_compile(set);
        assert_eq!(p.fields, fields);
        assert_eq!(p.errors.len(), errors);
        assert_eq!(got.len(), rules.len());
        for (g, w) in got.iter().zip(&rules) {
            assert_eq!(g, w);
        }
    }

    #[test]
    fn rules_compiled_in_parallel_read_the_fields_a_serial_compile_gives_them() {
        // Every place a rule holds a field id: values, keywords (none),
        // `exists`, `fieldref` and its other fields, and the renames of a
        // process_creation gate's Security 4688 clause; each rule names its
        // fields in another order, and some fail after naming one.
        let logsources = [
            "category: process_creation",
            "category: ps_script",
            "service: security",
        ];
        let mut text = String::new();
        for i in 0..300 {
            let f = |k: usize| format!("F{}", (i * 7 + k * 13) % 41);
            let ls = logsources[i % 3];
            let failing = if i % 17 == 0 { "\n    Bad|re: '('" } else { "" };
            text.push_str(&format!(
                "title: r{i}\nid: r{i}\nlogsource: {{product: windows, {ls}}}\ndetection:\n  \
                 sel:\n    {}|contains: x{i}\n    {}|exists: true\n    {}|fieldref: {}{failing}\n  \
                 img:\n    IntegrityLevel: High\n  kw:\n    - k{i}\n  \
                 condition: sel or img or kw\n---\n",
                f(0),
                f(1),
                f(2),
                f(3),
            ));
        }
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("t.yml"), &text);
        assert_eq!(set.rules.len(), 300, "{:?}", set.errors);
        assert_compiles_as_serially(&set);
    }

    /// Needs `../shared/sigma` (skips without it).
    #[test]
    fn sigmahq_windows_rules_compile_in_parallel_as_serially() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sigma");
        if !root.is_dir() {
            eprintln!("skipped: {} is absent", root.display());
            return;
        }
        let set = RuleSet::load(&[root.join("rules/windows")]);
        assert!(set.rules.len() > 1000);
        assert_compiles_as_serially(&set);
    }

    #[test]
    fn literal_table_points_at_the_rules_that_need_each_literal() {
        let (_, p) = plan(
            "title: a\nid: a\ndetection: {s: {CommandLine|contains: mimikatz}, condition: s}\n---\n\
             title: b\nid: b\ndetection: {s: {CommandLine|contains: [Mimikatz, rubeus]}, condition: s}\n---\n\
             title: c\nid: c\ndetection: {s: {X: 1}, f: {Y: foo}, condition: not f}\n",
        );
        assert_eq!(p.rules.len(), 3);
        let targets = |lit: &[u8]| {
            let i = p.literals.iter().position(|l| l == lit).expect("literal");
            match &p.literal_targets[i] {
                LiteralTarget::Rules(r) => r.clone(),
                LiteralTarget::Fallback => panic!("not a fallback"),
            }
        };
        // Caseless: one literal for both spellings, shared by both rules.
        assert_eq!(targets(b"mimikatz"), [0, 1]);
        assert_eq!(targets(b"rubeus"), [1]);
        // A rule that can match without fixed text is always evaluated.
        assert_eq!(p.always, [2]);
        assert!(matches!(p.rules[2].guard, Guard::Always));
    }

    #[test]
    fn gate_literals_need_a_channel_gate_on_every_rule_with_literals() {
        let ps = "title: ps\nid: ps\nlogsource: {product: windows, category: ps_script}\n\
                  detection: {s: {ScriptBlockText|contains: memcpy}, condition: s}\n";
        let sysmon = "title: sy\nid: sy\nlogsource: {product: windows, category: process_creation}\n\
                      detection: {s: {Image|endswith: '\\\\evil.exe'}, condition: s}\n";
        let (_, p) = plan(ps);
        let want: LitSet = vec![
            b"microsoft-windows-powershell".to_vec(),
            b"powershellcore".to_vec(),
        ];
        assert_eq!(p.gate_literals.as_ref(), Some(&want));
        // Union of the rules' sets, minimised.
        let (_, p) = plan(&format!("{ps}---\n{sysmon}"));
        let lits = p.gate_literals.expect("both rules have channel gates");
        assert!(
            lits.contains(&b"microsoft-windows-sysmon".to_vec()),
            "{lits:?}"
        );
        assert!(lits.contains(&b"microsoft-windows-powershell".to_vec()));
        // A rule that is evaluated on every line does not need one.
        let always = "title: al\nid: al\nlogsource: {product: windows}\n\
                      detection: {s: {X: 1}, f: {Y: foo}, condition: not f}\n";
        let (_, p) = plan(&format!("{ps}---\n{always}"));
        assert_eq!(p.always.len(), 1);
        assert_eq!(p.gate_literals.as_ref(), Some(&want));
        // A rule with literals and no channel gate: none.
        let any = "title: an\nid: an\nlogsource: {product: windows}\n\
                   detection: {s: {CommandLine|contains: mimikatz}, condition: s}\n";
        let (_, p) = plan(&format!("{ps}---\n{any}"));
        assert_eq!(p.gate_literals, None);
        // Without logsources no gate names a channel.
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("t.yml"), ps);
        let opts = CompileOptions {
            no_logsource: true,
            ..CompileOptions::default()
        };
        assert_eq!(Plan::from_rules(&set, &opts).gate_literals, None);
    }

    #[test]
    fn diagnostics_say_what_kind_of_problem() {
        let (set, p) = plan("title: bad yaml\ndetection: [\n");
        assert_eq!(set.errors[0].kind, DiagnosticKind::Yaml);
        assert!(p.rules.is_empty());
        let (set, _) = plan("title: no detection\nlogsource: {product: windows}\n");
        assert_eq!(set.errors[0].kind, DiagnosticKind::Rule);
        let (set, p) =
            plan("title: bad regex\nid: r\ndetection: {s: {X|re: '(unclosed'}, condition: s}\n");
        assert!(set.errors.is_empty());
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].kind, DiagnosticKind::Compile);
        assert_eq!(p.errors[0].rule_id.as_deref(), Some("r"));
        assert_eq!(p.errors[0].line, 3);
    }
}
