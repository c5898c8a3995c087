//! Code volume: lines to change, from the task text and from the files the task is about.

use std::sync::LazyLock;

use regex::Regex;

use crate::scan::{MatchedFile, Relevance};
use crate::text::{TaskText, keyword_hits, keyword_regex, list_items, word_count};

/// At most this many files that only mention an identifier count toward the volume.
pub const MAX_SECONDARY_FILES: usize = 15;

/// How big the text says the change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Typos, renames, wording.
    Trivial,
    /// Fixes and small adjustments.
    Small,
    /// No scope word found.
    Unspecified,
    /// A feature.
    Medium,
    /// Migrations, rewrites, integrations, systems.
    Large,
    /// Distributed state and real-time collaboration: replication, consensus, CRDTs, multi-region.
    Distributed,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Self::Trivial => "trivial",
            Self::Small => "small",
            Self::Unspecified => "unspecified",
            Self::Medium => "medium",
            Self::Large => "large",
            Self::Distributed => "distributed-systems",
        }
    }

    /// Lines of code a change of this scope starts from.
    pub fn base_lines(self) -> f64 {
        match self {
            Self::Trivial => 15.0,
            Self::Small => 50.0,
            Self::Unspecified => 80.0,
            Self::Medium => 150.0,
            Self::Large => 400.0,
            Self::Distributed => 1200.0,
        }
    }

    /// Share of a matched file expected to change, and the minimum lines.
    fn file_share(self) -> (f64, f64) {
        match self {
            Self::Trivial => (0.02, 2.0),
            Self::Small => (0.10, 5.0),
            Self::Unspecified => (0.15, 10.0),
            Self::Medium => (0.25, 20.0),
            Self::Large => (0.50, 40.0),
            Self::Distributed => (0.60, 60.0),
        }
    }
}

/// Words that make a change trivial whatever it touches ("fix a typo in the login form").
static TRIVIAL_STRONG: LazyLock<Regex> = LazyLock::new(|| {
    keyword_regex(&[
        "typo",
        "typos",
        "spelling",
        "wording",
        "whitespace",
        "formatting",
        "bump",
        "broken link",
        "copy change",
    ])
});
/// Lines of a strongly trivial change (a typo, a version bump): a line or a few.
const STRONGLY_TRIVIAL_LINES: f64 = 5.0;

/// Work whose difficulty is in keeping state right across machines or users, whatever its line count.
static DISTRIBUTED: LazyLock<Regex> = LazyLock::new(|| {
    keyword_regex(&[
        "distributed",
        "replication",
        "replicate",
        "replicated",
        "multi-region",
        "cross-region",
        "active-active",
        "multi-master",
        "consensus",
        "raft",
        "paxos",
        "leader election",
        "sharding",
        "eventual consistency",
        "conflict resolution",
        "exactly-once",
        "crdt",
        "crdts",
        "operational transform",
        "operational transforms",
        "collaborative editing",
        "real-time collaboration",
        "co-editing",
    ])
});

/// Words that suggest a trivial change unless a feature word says otherwise ("implement a README generator").
static TRIVIAL: LazyLock<Regex> =
    LazyLock::new(|| keyword_regex(&["rename", "comment", "comments", "readme", "docstring", "changelog"]));
static SMALL: LazyLock<Regex> = LazyLock::new(|| {
    keyword_regex(&[
        "fix",
        "bug",
        "bugfix",
        "patch",
        "adjust",
        "tweak",
        "update",
        "small",
        "minor",
        "config",
        "configuration",
        "logging",
        "log message",
        "error message",
        "validation",
    ])
});
/// Words that say new behaviour is built.
static MEDIUM: LazyLock<Regex> = LazyLock::new(|| {
    keyword_regex(&[
        "implement",
        "create",
        "build",
        "feature",
        "endpoint",
        "support",
        "extend",
        "improve",
        "handle",
        "handling",
        "workflow",
        "flow",
        "search",
        "export",
        "import",
        "sign-on",
    ])
});
/// Things a change happens in: medium work on their own ("the settings page"), but only the place where a
/// trivial change happens when a trivial word is there too ("rename the button on the signup form").
static MEDIUM_PLACES: LazyLock<Regex> = LazyLock::new(|| {
    keyword_regex(&["page", "form", "component", "command", "service", "module", "dashboard", "report"])
});
static LARGE: LazyLock<Regex> = LazyLock::new(|| {
    keyword_regex(&[
        "migrate",
        "migration",
        "rewrite",
        "redesign",
        "refactor",
        "overhaul",
        "integrate",
        "integration",
        "architecture",
        "framework",
        "platform",
        "system",
        "subsystem",
        "end-to-end",
        "multi-tenant",
        "infrastructure",
        "pipeline",
        "engine",
        "replace",
        "port",
    ])
});

/// The volume estimate with its evidence.
#[derive(Debug, Clone)]
pub struct VolumeOutcome {
    /// Estimated lines to write or change.
    pub lines: u64,
    /// 1..10.
    pub score: f64,
    /// Why.
    pub evidence: Vec<String>,
}

/// Text scope: the first class named in this order: distributed systems; large; strongly trivial (typo,
/// spelling…); medium (building words); trivial (rename, readme…); medium (places: page, form…); small. So "fix
/// typo" is trivial, "fix a typo in the login form" and "rename the button on the signup form" too, but "implement
/// a README generator" is medium and "fix typo while migrating the database" large.
pub fn scope_of(text: &TaskText) -> (Scope, Vec<String>) {
    let searchable = text.searchable();
    let order = [
        (Scope::Distributed, &*DISTRIBUTED),
        (Scope::Large, &*LARGE),
        (Scope::Trivial, &*TRIVIAL_STRONG),
        (Scope::Medium, &*MEDIUM),
        (Scope::Trivial, &*TRIVIAL),
        (Scope::Medium, &*MEDIUM_PLACES),
        (Scope::Small, &*SMALL),
    ];
    for (scope, pattern) in order {
        let hits = keyword_hits(pattern, &searchable);
        if !hits.is_empty() {
            return (scope, hits.into_iter().collect());
        }
    }
    (Scope::Unspecified, Vec::new())
}

/// Lines → score on a log scale: 5 lines → 1, 3000 lines → 10.
pub fn score_from_lines(lines: f64) -> f64 {
    (1.0 + 9.0 * (lines.max(5.0) / 5.0).ln() / 600f64.ln()).clamp(1.0, 10.0)
}

/// Estimates the volume from the text and, when a tree was scanned, from the matched files.
pub fn estimate(
    text: &TaskText,
    subtasks: usize,
    task_type: Option<&str>,
    files: Option<&[MatchedFile]>,
) -> VolumeOutcome {
    let mut evidence = Vec::new();
    let (scope, words) = scope_of(text);
    let strongly_trivial = scope == Scope::Trivial && !keyword_hits(&TRIVIAL_STRONG, &text.searchable()).is_empty();
    let mut lines = if strongly_trivial { STRONGLY_TRIVIAL_LINES } else { scope.base_lines() };
    if words.is_empty() {
        evidence.push(format!("no scope words; base {lines:.0} lines"));
    } else {
        let list = words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
        evidence.push(format!("scope {} from {list}: base {lines:.0} lines", scope.name()));
    }
    if matches!(scope, Scope::Large | Scope::Distributed) && words.len() > 1 {
        let extra = (words.len() - 1).min(3) as f64 * scope.base_lines() / 2.0;
        lines += extra;
        evidence.push(format!("{} distinct large-scope words: +{extra:.0} lines", words.len()));
    }
    let items = list_items(&text.body).min(20);
    if items > 0 {
        lines += 25.0 * items as f64;
        evidence.push(format!("{items} list items / acceptance criteria: +{} lines", 25 * items));
    }
    let word_total = word_count(&text.full);
    if word_total > 25 {
        let extra = ((word_total - 25) as f64 * 0.5).min(300.0);
        lines += extra;
        evidence.push(format!("{word_total} words of description: +{extra:.0} lines"));
    }
    if subtasks > 0 {
        let counted = subtasks.min(10);
        lines += 40.0 * counted as f64;
        evidence.push(format!("{subtasks} subtasks: +{} lines", 40 * counted));
    }
    match task_type {
        Some("documentation" | "docs") => {
            lines *= 0.5;
            evidence.push("task type documentation: x0.5".to_owned());
        }
        Some("test" | "testing") => {
            lines *= 0.8;
            evidence.push("task type test: x0.8".to_owned());
        }
        _ => {}
    }
    let text_lines = lines;

    match files {
        None => evidence.push(format!("no project_root: {text_lines:.0} lines estimated from the task text only")),
        Some([]) => evidence.push(format!(
            "no file in project_root matched the task; {text_lines:.0} lines estimated from the task text only"
        )),
        Some(files) => {
            let (share, minimum) = scope.file_share();
            let mut file_lines = 0.0;
            let mut secondary_counted = 0;
            let mut secondary_skipped = 0;
            for file in files.iter().filter(|f| f.lines > 0) {
                let size = file.lines as f64;
                let mut touched = (size * share).max(minimum).min(size);
                if file.relevance == Relevance::Secondary {
                    // A file that only mentions a name usually needs a call site updated, not a rewrite; and a
                    // name used everywhere should not turn a small change into a huge one.
                    if secondary_counted == MAX_SECONDARY_FILES {
                        secondary_skipped += 1;
                        continue;
                    }
                    secondary_counted += 1;
                    touched *= 0.3;
                }
                file_lines += touched;
                if evidence.len() < 24 {
                    evidence.push(format!("{}: {} lines, ~{touched:.0} to change", file.path, file.lines));
                }
            }
            if secondary_skipped > 0 {
                evidence.push(format!(
                    "{secondary_skipped} more files only mention the task's identifiers; not counted (max {MAX_SECONDARY_FILES})"
                ));
            }
            lines = (text_lines + file_lines) / 2.0;
            evidence.push(format!(
                "{} matched files, {file_lines:.0} lines to change at {:.0}% per file ({} scope); averaged with the text estimate {text_lines:.0}",
                files.len(),
                share * 100.0,
                scope.name()
            ));
        }
    }
    let lines = lines.round().max(1.0);
    let score = score_from_lines(lines);
    evidence.push(format!("{lines:.0} lines -> score 1 + 9*ln(lines/5)/ln(600) = {score:.2}"));
    VolumeOutcome { lines: lines as u64, score, evidence }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeSet;

    fn text(title: &str, body: Option<&str>) -> TaskText {
        TaskText::new(title, body, None, &[])
    }

    #[test]
    fn trivial_beats_small_and_large_beats_all() {
        assert_eq!(scope_of(&text("Fix typo in README", None)).0, Scope::Trivial);
        assert_eq!(scope_of(&text("Fix crash on empty input", None)).0, Scope::Small);
        assert_eq!(scope_of(&text("Fix typo while we migrate the database", None)).0, Scope::Large);
        assert_eq!(scope_of(&text("Dark mode", None)).0, Scope::Unspecified);
        assert_eq!(scope_of(&text("Fix a typo in the support page form", None)).0, Scope::Trivial);
        assert_eq!(scope_of(&text("Implement a README generator", None)).0, Scope::Medium);
        assert_eq!(scope_of(&text("Rename the config flag", None)).0, Scope::Trivial);
    }

    #[test]
    fn criteria_words_and_subtasks_add_lines() {
        let bare = estimate(&text("Create export page", None), 0, None, None);
        let rich = estimate(&text("Create export page", Some("- CSV\n- JSON\n- PDF")), 2, None, None);
        assert_eq!(bare.lines, 150);
        assert_eq!(rich.lines, 150 + 75 + 80);
        assert!(rich.score > bare.score);
        assert!(bare.evidence.iter().any(|e| e.contains("task text only")));
    }

    #[test]
    fn matched_files_shape_the_estimate() {
        let file = |path: &str, lines: u64, relevance| MatchedFile {
            path: path.to_owned(),
            reasons: BTreeSet::new(),
            relevance,
            lines,
            language: Some("python"),
            debt_markers: 0,
            imported_by: BTreeSet::new(),
        };
        let files = vec![file("a.py", 400, Relevance::Primary), file("b.py", 100, Relevance::Secondary)];
        // Medium scope: 25% of 400 = 100, plus 0.3 * max(25, 20) = 7.5; averaged with 150 from the text.
        let out = estimate(&text("Implement retries", None), 0, None, Some(&files));
        assert_eq!(out.lines, ((150.0 + 107.5) / 2.0_f64).round() as u64);
    }

    #[test]
    fn files_that_only_mention_a_name_are_capped() {
        let files: Vec<MatchedFile> = (0..20)
            .map(|i| MatchedFile {
                path: format!("f{i:02}.py"),
                reasons: BTreeSet::new(),
                relevance: Relevance::Secondary,
                lines: 100,
                language: Some("python"),
                debt_markers: 0,
                imported_by: BTreeSet::new(),
            })
            .collect();
        // Medium scope: each counted file 0.3 * 25 = 7.5 lines; 15 counted.
        let out = estimate(&text("Implement retries", None), 0, None, Some(&files));
        assert_eq!(out.lines, ((150.0 + 15.0 * 7.5) / 2.0_f64).round() as u64);
        assert!(out.evidence.iter().any(|e| e.starts_with("5 more files only mention")), "{:?}", out.evidence);
    }

    #[test]
    fn score_scale_is_logarithmic_and_bounded() {
        assert_eq!(score_from_lines(1.0), 1.0);
        assert!((score_from_lines(3000.0) - 10.0).abs() < 1e-9);
        assert_eq!(score_from_lines(1e9), 10.0);
        assert!(score_from_lines(150.0) > score_from_lines(15.0) + 2.0);
    }
}
