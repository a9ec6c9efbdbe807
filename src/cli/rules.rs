//! `sigscan rules check | explain | indicators | coverage`: load a rule set,
//! ask [`crate::intel`] for a report, print it.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{ExitStatus, Fatal, LoadedRules, RuleFlags, fail, load_rules};
use crate::correlate::CorrelationPlan;
use crate::intel::{self, Catalog, coverage, explain, indicators};
use crate::sigma::Diagnostic;

/// The flags of `sigscan rules check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Rule files or directories (searched recursively for *.yml, *.yaml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// One JSON object per document.
    #[arg(long)]
    pub json: bool,
    /// Rule loading.
    #[command(flatten)]
    pub rules: RuleFlags,
}

/// The flags of `sigscan rules explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A rule file or directory (repeatable): the loaded set.
    #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// The rule: its id (or a prefix of 4+ characters), name, or file.
    #[arg(value_name = "ID_OR_FILE")]
    pub rule: String,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Rule loading.
    #[command(flatten)]
    pub flags: RuleFlags,
}

/// The flags of `sigscan rules indicators`.
#[derive(Debug, clap::Args)]
pub struct IndicatorsArgs {
    /// A rule file or directory (repeatable): the corpus.
    #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Show this rule's indicators (id, id prefix, name or file; repeatable).
    #[arg(long = "rule", value_name = "ID_OR_FILE")]
    pub rule: Vec<String>,
    /// Without --rule: how many of the most shared indicators to show.
    #[arg(long, default_value_t = 25)]
    pub top: usize,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Rule loading.
    #[command(flatten)]
    pub flags: RuleFlags,
}

/// The flags of `sigscan rules coverage`.
#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// A rule file or directory (repeatable).
    #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Rule loading.
    #[command(flatten)]
    pub flags: RuleFlags,
}

/// One line of `rules check`.
#[derive(serde::Serialize)]
struct CheckRecord {
    /// Rule file.
    file: String,
    /// 1-based line.
    line: usize,
    /// Rule id (or name/title), when known.
    id: Option<String>,
    /// Title, when known.
    title: Option<String>,
    /// `ok` or `error`.
    status: &'static str,
    /// Why, for errors.
    reason: Option<String>,
    /// The logsource gate, for compiled rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<String>,
    /// How the prefilter selects the rule, for compiled rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    prefilter: Option<String>,
    /// The correlation type, for correlation documents that loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation: Option<&'static str>,
}

impl CheckRecord {
    fn ok(file: &Path, line: usize, id: &str, title: &str) -> CheckRecord {
        CheckRecord {
            file: file.display().to_string(),
            line,
            id: Some(id.to_string()),
            title: Some(title.to_string()),
            status: "ok",
            reason: None,
            gate: None,
            prefilter: None,
            correlation: None,
        }
    }

    fn error(d: &Diagnostic) -> CheckRecord {
        CheckRecord {
            file: d.file.display().to_string(),
            line: d.line,
            id: d.rule_id.clone(),
            title: d.title.clone(),
            status: "error",
            reason: Some(d.message.clone()),
            gate: None,
            prefilter: None,
            correlation: None,
        }
    }
}

/// Runs `sigscan rules check`.
pub fn check(args: CheckArgs) -> ExitStatus {
    let LoadedRules { set, plan, .. } = match load_rules(&args.paths, &args.rules, None) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let correlations = CorrelationPlan::build(&set, &plan, None);
    // A duplicate id is an error here: that copy does not load.
    let errors: Vec<&Diagnostic> = set
        .errors
        .iter()
        .chain(&set.duplicates)
        .chain(&plan.errors)
        .chain(&correlations.errors)
        .collect();
    let mut records: Vec<CheckRecord> = Vec::new();
    for r in &plan.rules {
        let mut rec = CheckRecord::ok(&r.meta.file, r.meta.line, &r.meta.id, &r.meta.title);
        rec.gate = Some(intel::describe::gate(r));
        rec.prefilter = Some(intel::describe::guard(r));
        records.push(rec);
    }
    for c in &correlations.correlations {
        let mut rec = CheckRecord::ok(&c.file, c.line, &c.id, &c.title);
        rec.correlation = Some(c.kind.name());
        records.push(rec);
    }
    records.extend(errors.iter().map(|d| CheckRecord::error(d)));
    records.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut out = io::BufWriter::new(io::stdout().lock());
    for r in &records {
        let res = if args.json {
            serde_json::to_writer(&mut out, r)
                .map_err(io::Error::other)
                .and_then(|_| writeln!(out))
        } else if r.status == "ok" {
            writeln!(
                out,
                "ok     {}  {}  {}",
                r.file,
                r.id.as_deref().unwrap_or("-"),
                r.title.as_deref().unwrap_or("")
            )
        } else {
            writeln!(
                out,
                "error  {}:{}  {}  {}",
                r.file,
                r.line,
                r.id.as_deref().unwrap_or("-"),
                r.reason.as_deref().unwrap_or("")
            )
        };
        if res.is_err() {
            return ExitStatus::Ok; // closed pipe
        }
    }
    let _ = out.flush();
    let total = records.len();
    eprintln!(
        "sigscan: {} documents: {} ok, {} errors",
        total,
        total - errors.len(),
        errors.len()
    );
    if errors.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Partial
    }
}

/// Loads rules for the report commands. Rule documents that do not load
/// are summed up on stderr in one line (`rules check` lists them); `extra`
/// is added to the rule paths (a rule file named on the command line that
/// `--rules` does not cover).
fn load(
    paths: &[PathBuf],
    flags: &RuleFlags,
    extra: Option<PathBuf>,
) -> Result<LoadedRules, Fatal> {
    let mut paths = paths.to_vec();
    paths.extend(extra);
    let loaded = load_rules(&paths, flags, None)?;
    let skipped = loaded.set.errors.len() + loaded.set.duplicates.len() + loaded.plan.errors.len();
    if skipped > 0 {
        eprintln!(
            "sigscan: {skipped} rule document(s) did not load and are left out \
             (`sigscan rules check` lists them)"
        );
    }
    if loaded.plan.rules.is_empty() {
        return Err(Fatal("no usable rule".into()));
    }
    Ok(loaded)
}

/// A rule file named on the command line that none of the `--rules` paths
/// covers (so `explain --rules DIR some/other.yml` still finds it).
fn uncovered_file(paths: &[PathBuf], query: &str) -> Option<PathBuf> {
    let q = Path::new(query);
    if !q.is_file() {
        return None;
    }
    let cq = std::fs::canonicalize(q).ok()?;
    let covered = paths.iter().any(|p| {
        std::fs::canonicalize(p).is_ok_and(|cp| cq == cp || (cp.is_dir() && cq.starts_with(&cp)))
    });
    (!covered).then(|| q.to_path_buf())
}

/// The rules `query` names, or why there are none.
fn resolve(cat: &Catalog<'_>, query: &str) -> Result<Vec<usize>, Fatal> {
    let found = cat.find(query);
    if found.is_empty() {
        return Err(Fatal(format!(
            "no loaded rule has the id, name or file {query:?} ({} rules loaded)",
            cat.len()
        )));
    }
    Ok(found)
}

/// Writes `text` to stdout; a closed pipe is not an error.
fn emit(text: &str) -> ExitStatus {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitStatus::Ok,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Ok,
        Err(e) => fail(Fatal(format!("writing to stdout: {e}"))),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("BUG: serialising to a String");
    s.push('\n');
    s
}

/// Runs `sigscan rules explain`.
pub fn explain(args: ExplainArgs) -> ExitStatus {
    let run = || -> Result<String, Fatal> {
        let extra = uncovered_file(&args.rules, &args.rule);
        let LoadedRules { set, plan, .. } = load(&args.rules, &args.flags, extra)?;
        let cat = Catalog::new(&set, &plan);
        let found = resolve(&cat, &args.rule)?;
        let counts = indicators::CorpusIndex::build(&cat);
        let explained: Vec<explain::Explanation> = found
            .iter()
            .map(|&i| explain::explain(&cat, &counts, i))
            .collect();
        Ok(if args.json {
            to_json(&explained)
        } else {
            let texts: Vec<String> = explained
                .iter()
                .map(explain::Explanation::to_text)
                .collect();
            texts.join("\n")
        })
    };
    run().map_or_else(fail, |text| emit(&text))
}

/// Runs `sigscan rules indicators`: per rule with `--rule`, else the `top`
/// most shared indicators of the whole set.
pub fn indicators(args: IndicatorsArgs) -> ExitStatus {
    let run = || -> Result<String, Fatal> {
        let LoadedRules { set, plan, .. } = load(&args.rules, &args.flags, None)?;
        let cat = Catalog::new(&set, &plan);
        let index = indicators::CorpusIndex::build(&cat);
        if args.rule.is_empty() {
            let report = index.most_shared(&cat, args.top);
            return Ok(if args.json {
                to_json(&report)
            } else {
                report.to_text()
            });
        }
        let mut selected = Vec::new();
        for q in &args.rule {
            for i in resolve(&cat, q)? {
                if !selected.contains(&i) {
                    selected.push(i);
                }
            }
        }
        let reports: Vec<indicators::RuleIndicators> =
            selected.iter().map(|&i| index.for_rule(&cat, i)).collect();
        Ok(if args.json {
            to_json(&reports)
        } else {
            let texts: Vec<String> = reports
                .iter()
                .map(indicators::RuleIndicators::to_text)
                .collect();
            texts.join("\n")
        })
    };
    run().map_or_else(fail, |text| emit(&text))
}

/// Runs `sigscan rules coverage`.
pub fn coverage(args: CoverageArgs) -> ExitStatus {
    let run = || -> Result<String, Fatal> {
        let LoadedRules { set, plan, .. } = load(&args.rules, &args.flags, None)?;
        let cat = Catalog::new(&set, &plan);
        let cov = coverage::Coverage::of(&cat, set.errors.len() + plan.errors.len());
        Ok(if args.json {
            to_json(&cov)
        } else {
            cov.to_text()
        })
    };
    run().map_or_else(fail, |text| emit(&text))
}
