//! `--summary-html FILE`: the scan summary as one self-contained HTML page
//! for a person: hits per level, rule, tactic, technique and host, and a
//! timeline of hits per hour.
//!
//! Self-contained on purpose: the report is opened on analysts' machines,
//! often offline, and mailed around, so it loads nothing (no script, no
//! font, no stylesheet, no image from anywhere): inline CSS, bars as
//! `<div>` widths, the timeline as inline SVG. Every text from the rules or
//! the events (titles, host names) is attacker-influenced and is escaped.

use std::fmt::Write as _;

use super::summary::{NameHits, Summary};

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Most rows per table (the JSON summary has them all).
const MAX_ROWS: usize = 50;

/// One table of (label, hits) with proportional bars.
fn bar_table(out: &mut String, title: &str, head: &str, rows: &[(String, u64)]) {
    let _ = write!(out, "<section><h2>{}</h2>", esc(title));
    if rows.is_empty() {
        out.push_str("<p class=\"none\">none</p></section>");
        return;
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let _ = write!(
        out,
        "<table><tr><th>{}</th><th class=\"n\">hits</th><th></th></tr>",
        esc(head)
    );
    for (label, hits) in rows.iter().take(MAX_ROWS) {
        let pct = (*hits as f64 / max as f64 * 100.0).max(0.5);
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{hits}</td>\
             <td class=\"bar\"><div style=\"width:{pct:.1}%\"></div></td></tr>",
            esc(label)
        );
    }
    out.push_str("</table>");
    if rows.len() > MAX_ROWS {
        let _ = write!(
            out,
            "<p class=\"none\">and {} more (see --summary-json)</p>",
            rows.len() - MAX_ROWS
        );
    }
    out.push_str("</section>");
}

fn names(v: &[NameHits]) -> Vec<(String, u64)> {
    v.iter().map(|n| (n.name.clone(), n.hits)).collect()
}

/// The timeline: one SVG bar per hour that has hits, in time order, with
/// the first and last hour written under it.
fn timeline(out: &mut String, s: &Summary) {
    out.push_str("<section><h2>Timeline (hits per hour, UTC)</h2>");
    if s.timeline.is_empty() {
        out.push_str("<p class=\"none\">no hit has an event time</p>");
    } else {
        let max = s.timeline.iter().map(|h| h.hits).max().unwrap_or(1).max(1);
        let (w, h) = (8usize, 120.0f64);
        let width = s.timeline.len() * w;
        let _ = write!(
            out,
            "<svg role=\"img\" width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\">",
            h as u32 + 2,
            h as u32 + 2
        );
        for (i, b) in s.timeline.iter().enumerate() {
            let bh = (b.hits as f64 / max as f64 * h).max(1.0);
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{:.1}\" width=\"{}\" height=\"{bh:.1}\"><title>{} {} hit(s)</title></rect>",
                i * w,
                h - bh + 1.0,
                w - 1,
                esc(&b.hour),
                b.hits
            );
        }
        out.push_str("</svg>");
        let first = &s.timeline[0].hour;
        let last = &s.timeline[s.timeline.len() - 1].hour;
        let _ = write!(
            out,
            "<p class=\"axis\">{} hour(s) with hits, from {} to {}</p>",
            s.timeline.len(),
            esc(first),
            esc(last)
        );
        out.push_str("<table><tr><th>hour</th><th class=\"n\">hits</th></tr>");
        for b in s.timeline.iter().take(MAX_ROWS * 4) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(&b.hour),
                b.hits
            );
        }
        out.push_str("</table>");
    }
    if s.hits_untimed > 0 {
        let _ = write!(
            out,
            "<p class=\"none\">{} hit(s) without an event time</p>",
            s.hits_untimed
        );
    }
    out.push_str("</section>");
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.5em}\
table{border-collapse:collapse;min-width:40em}td,th{padding:2px 8px;text-align:left;\
border-bottom:1px solid #eee}.n{text-align:right}.bar{width:20em}\
.bar div{background:#c0392b;height:10px}svg rect{fill:#2c6fbb}.none,.axis{color:#777}\
.kpi{display:inline-block;margin-right:2em}.kpi b{font-size:1.6em;display:block}";

/// The report for `summary`; `ruleset_hash` names the rules.
pub fn render(s: &Summary, ruleset_hash: &str) -> String {
    let mut out = String::with_capacity(8192);
    out.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    // No network: even a stray reference would be refused.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">",
    );
    let _ = write!(
        out,
        "<title>sigscan report</title><style>{STYLE}</style></head><body>"
    );
    out.push_str("<h1>sigscan scan report</h1>");
    let known_hosts = s.hosts.iter().filter(|h| h.host.is_some()).count();
    let _ = write!(
        out,
        "<p><span class=\"kpi\"><b>{}</b>hits</span><span class=\"kpi\"><b>{}</b>rules</span>\
         <span class=\"kpi\"><b>{known_hosts}</b>hosts</span></p>\
         <p class=\"axis\">rule set {}</p>",
        s.hits,
        s.rules.len(),
        esc(ruleset_hash)
    );
    let levels: Vec<(String, u64)> = s
        .levels
        .iter()
        .map(|l| (l.level.clone().unwrap_or_else(|| "(none)".into()), l.hits))
        .collect();
    bar_table(&mut out, "Hits per level", "level", &levels);
    let rules: Vec<(String, u64)> = s
        .rules
        .iter()
        .map(|r| {
            let level = r.level.as_deref().unwrap_or("-");
            (format!("{} [{level}] ({})", r.title, r.id), r.hits)
        })
        .collect();
    bar_table(&mut out, "Hits per rule", "rule", &rules);
    bar_table(
        &mut out,
        "Hits per ATT&CK tactic",
        "tactic",
        &names(&s.tactics),
    );
    bar_table(
        &mut out,
        "Hits per ATT&CK technique",
        "technique",
        &names(&s.techniques),
    );
    let hosts: Vec<(String, u64)> = s
        .hosts
        .iter()
        .map(|h| (h.host.clone().unwrap_or_else(|| "(unknown)".into()), h.hits))
        .collect();
    bar_table(&mut out, "Hits per host", "host", &hosts);
    timeline(&mut out, s);
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::summary::{HostHits, HourHits};

    #[test]
    fn text_from_events_is_escaped_and_nothing_is_fetched() {
        let s = Summary {
            hits: 2,
            hosts: vec![HostHits {
                host: Some("<script>alert(1)</script>".into()),
                hits: 2,
            }],
            timeline: vec![HourHits {
                hour: "2024-05-01T10:00:00Z".into(),
                hits: 2,
            }],
            ..Summary::default()
        };
        let page = render(&s, "abc");
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        for fetch in ["src=", "href=", "url(", "@import"] {
            assert!(!page.contains(fetch), "{fetch} in {page}");
        }
        assert!(page.contains("<rect"));
    }
}
