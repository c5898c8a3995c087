//! Technical risk: keyword groups over the task text, the task's place in the DAG, and technical debt.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::scan::MatchedFile;
use crate::text::{TaskText, keyword_hits, keyword_regex};

/// What kind of risk a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategory {
    /// Authentication, secrets, permissions, injection.
    Security,
    /// Schema changes, data moves, backfills.
    DataMigration,
    /// Threads, locks, transactions, distributed state.
    Concurrency,
    /// Third-party APIs, webhooks, payment and messaging providers.
    ExternalIntegration,
    /// Latency, throughput, caching, scale.
    Performance,
    /// Research, prototypes, technology new to the project.
    UnfamiliarTech,
    /// Many tasks wait on this one.
    DagFanIn,
    /// This task waits on many others.
    DagFanOut,
}

/// How bad a finding (or the whole assessment) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Low,
    /// Plan for it.
    Medium,
    /// Needs a design or review before starting.
    High,
    /// Likely to go wrong without dedicated attention.
    Critical,
}

/// One risk found, with the words or facts behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Risk {
    /// Kind of risk.
    pub category: RiskCategory,
    /// Severity from the points below.
    pub severity: Severity,
    /// Points added to the risk sum (see docs/complexity.md).
    pub points: f64,
    /// The words found, or the DAG facts.
    pub evidence: Vec<String>,
}

/// Technical debt signals around the task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TechnicalDebt {
    /// `low`, `medium` or `high`.
    pub level: Severity,
    /// 1 (none) to 10.
    pub score: f64,
    /// Debt words in the task and TODO/FIXME counts in the matched files.
    pub evidence: Vec<String>,
}

/// The spec's `riskAssessment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskAssessment {
    /// False when `assess_risk` was off; then `level` is null and `risks` empty.
    pub assessed: bool,
    /// Overall level: low, medium, high or critical.
    pub level: Option<Severity>,
    /// Technical debt signals.
    pub technical_debt: TechnicalDebt,
    /// Findings, highest points first.
    pub risks: Vec<Risk>,
}

impl RiskAssessment {
    /// The assessment reported when `assess_risk` is off.
    pub fn not_assessed() -> Self {
        Self {
            assessed: false,
            level: None,
            technical_debt: TechnicalDebt {
                level: Severity::Low,
                score: 1.0,
                evidence: vec!["risk assessment disabled (assess_risk=false)".to_owned()],
            },
            risks: Vec::new(),
        }
    }
}

struct KeywordGroup {
    category: RiskCategory,
    base_points: f64,
    pattern: LazyLock<Regex>,
}

macro_rules! group {
    ($category:expr, $points:expr, [$($word:literal),+ $(,)?]) => {
        KeywordGroup { category: $category, base_points: $points, pattern: LazyLock::new(|| keyword_regex(&[$($word),+])) }
    };
}

static GROUPS: [KeywordGroup; 9] = [
    group!(
        RiskCategory::Security,
        2.0,
        [
            "auth",
            "authentication",
            "authenticate",
            "authorization",
            "authorisation",
            "authorize",
            "oauth",
            "oauth2",
            "openid",
            "oidc",
            "jwt",
            "token",
            "tokens",
            "password",
            "passwords",
            "credential",
            "credentials",
            "encryption",
            "encrypt",
            "decrypt",
            "crypto",
            "cryptography",
            "tls",
            "ssl",
            "certificate",
            "certificates",
            "permission",
            "permissions",
            "rbac",
            "acl",
            "xss",
            "csrf",
            "sql injection",
            "injection",
            "vulnerability",
            "vulnerabilities",
            "cve",
            "secret",
            "secrets",
            "sso",
            "saml",
            "2fa",
            "mfa",
            "login",
            "session",
            "sessions",
            "sanitize",
            "sanitise",
            "privilege",
            "privileges",
            "security",
            "pii",
            "gdpr",
        ]
    ),
    // Compliance: audits find what tests do not.
    group!(
        RiskCategory::Security,
        2.0,
        [
            "compliance",
            "compliant",
            "hipaa",
            "soc 2",
            "soc2",
            "pci",
            "pci-dss",
            "iso 27001",
            "audit log",
            "audit logs",
            "audit trail",
            "single sign-on",
            "scim",
            "data residency",
            "encryption at rest",
            "right to be forgotten",
        ]
    ),
    // Distributed state and data consistency: failures show up only under partitions and load.
    group!(
        RiskCategory::Concurrency,
        3.0,
        [
            "replication",
            "replicate",
            "replicated",
            "replica",
            "replicas",
            "multi-region",
            "cross-region",
            "active-active",
            "multi-master",
            "consensus",
            "raft",
            "paxos",
            "quorum",
            "leader election",
            "sharding",
            "partitioning",
            "split-brain",
            "eventual consistency",
            "eventually consistent",
            "strong consistency",
            "strongly consistent",
            "consistency",
            "conflict resolution",
            "exactly-once",
            "at-least-once",
            "clock skew",
            "vector clock",
            "vector clocks",
            "two-phase commit",
        ]
    ),
    // Real-time collaboration: concurrent edits by people, merged without losing any.
    group!(
        RiskCategory::Concurrency,
        2.5,
        [
            "crdt",
            "crdts",
            "operational transform",
            "operational transforms",
            "collaborative editing",
            "real-time collaboration",
            "co-editing",
            "multiplayer",
            "presence",
            "live cursors",
        ]
    ),
    group!(
        RiskCategory::DataMigration,
        2.0,
        [
            "migration",
            "migrations",
            "migrate",
            "migrating",
            "schema",
            "schemas",
            "alter table",
            "drop column",
            "add column",
            "rename column",
            "backfill",
            "data model",
            "database",
            "etl",
            "data import",
            "data export",
            "reindex",
            "data loss",
            "rollback",
            "downtime",
            "dump",
            "restore",
        ]
    ),
    group!(
        RiskCategory::Concurrency,
        1.8,
        [
            "concurrent",
            "concurrently",
            "concurrency",
            "parallel",
            "parallelism",
            "thread",
            "threads",
            "threading",
            "multithreaded",
            "multi-threaded",
            "mutex",
            "lock",
            "locks",
            "locking",
            "deadlock",
            "race condition",
            "race conditions",
            "atomic",
            "synchronization",
            "synchronisation",
            "semaphore",
            "async",
            "distributed",
            "transaction",
            "transactions",
            "idempotent",
            "idempotency",
            "retry",
            "retries",
        ]
    ),
    group!(
        RiskCategory::ExternalIntegration,
        1.5,
        [
            "api",
            "apis",
            "third-party",
            "third party",
            "webhook",
            "webhooks",
            "integration",
            "integrations",
            "integrate",
            "stripe",
            "paypal",
            "twilio",
            "sendgrid",
            "mailgun",
            "slack",
            "github",
            "gitlab",
            "jira",
            "aws",
            "s3",
            "gcp",
            "azure",
            "kafka",
            "rabbitmq",
            "redis",
            "elasticsearch",
            "grpc",
            "graphql",
            "sdk",
            "external",
            "payment",
            "payments",
            "smtp",
            "salesforce",
            "shopify",
            "firebase",
            "openai",
            "anthropic",
            "llm",
        ]
    ),
    group!(
        RiskCategory::Performance,
        1.2,
        [
            "performance",
            "optimize",
            "optimise",
            "optimization",
            "optimisation",
            "latency",
            "throughput",
            "scalability",
            "scalable",
            "scaling",
            "cache",
            "caching",
            "memory leak",
            "slow",
            "bottleneck",
            "benchmark",
            "profiling",
            "load test",
            "high traffic",
            "real-time",
            "realtime",
            "millions",
        ]
    ),
    group!(
        RiskCategory::UnfamiliarTech,
        1.5,
        [
            "unfamiliar",
            "new framework",
            "new library",
            "prototype",
            "experimental",
            "spike",
            "research",
            "proof of concept",
            "poc",
            "first time",
            "investigate",
            "unknown",
            "unclear",
            "wasm",
            "webassembly",
            "kubernetes",
            "k8s",
            "blockchain",
            "machine learning",
            "ml model",
            "gpu",
            "cuda",
            "undocumented",
            "reverse engineer",
        ]
    ),
];

static DEBT_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    keyword_regex(&[
        "legacy",
        "workaround",
        "hack",
        "hacky",
        "refactor",
        "refactoring",
        "technical debt",
        "tech debt",
        "deprecated",
        "deprecation",
        "spaghetti",
        "cleanup",
        "clean up",
        "monolith",
        "outdated",
        "kludge",
        "temporary fix",
        "quick fix",
        "todo",
        "fixme",
        "duplicated",
        "brittle",
        "fragile",
        "flaky",
    ])
});

/// Inputs of the risk factor.
pub struct RiskInput<'a> {
    /// The task's words.
    pub text: &'a TaskText,
    /// Direct prerequisites.
    pub depends_on: usize,
    /// Tasks that (transitively) wait on this one.
    pub dependents: usize,
    /// The task's normalised language.
    pub language: Option<&'a str>,
    /// `task_type`, lower-cased.
    pub task_type: Option<&'a str>,
    /// Languages of the project's completed tasks, when there are enough to judge familiarity.
    pub known_languages: Option<&'a BTreeSet<String>>,
    /// Files the task is about (for TODO/FIXME counts).
    pub files: &'a [MatchedFile],
    /// The text reads as a trivial change (typo, wording): keyword risks count half.
    pub trivial_scope: bool,
}

/// The risk factor's score and the assessment behind it.
pub struct RiskOutcome {
    /// 1..10.
    pub score: f64,
    /// One line per contribution.
    pub evidence: Vec<String>,
    /// The spec's `riskAssessment`.
    pub assessment: RiskAssessment,
}

/// Risk points saturate: 6 points ≈ 6.7, 12 points ≈ 8.8, never above 10.
pub fn score_from_points(points: f64) -> f64 {
    1.0 + 9.0 * (1.0 - (-points / 6.0).exp())
}

fn severity_from_points(points: f64) -> Severity {
    match points {
        p if p < 1.5 => Severity::Low,
        p if p < 2.5 => Severity::Medium,
        p if p < 3.5 => Severity::High,
        _ => Severity::Critical,
    }
}

/// Overall level from the risk factor score.
pub fn level_from_score(score: f64) -> Severity {
    match score {
        s if s < 3.0 => Severity::Low,
        s if s < 5.0 => Severity::Medium,
        s if s < 7.5 => Severity::High,
        _ => Severity::Critical,
    }
}

/// Scores the risk factor.
pub fn assess(input: &RiskInput<'_>) -> RiskOutcome {
    let text = input.text.searchable();
    let mut risks = Vec::new();
    for group in &GROUPS {
        let hits = keyword_hits(&group.pattern, &text);
        if hits.is_empty() {
            continue;
        }
        let mut evidence: Vec<String> = hits.iter().map(|w| format!("word `{w}`")).collect();
        let mut distinct = hits.len();
        if group.category == RiskCategory::UnfamiliarTech {
            distinct += unfamiliar_extras(input, &mut evidence);
        }
        let mut risk = keyword_risk(group.category, group.base_points, distinct, evidence);
        if input.trivial_scope {
            // "Fix a typo in the login form" names a risky area but does not change its behaviour.
            risk.points /= 2.0;
            risk.severity = severity_from_points(risk.points);
            risk.evidence.push("halved: trivial change".to_owned());
        }
        // Several word groups feed one category (concurrency: threads, distributed state, collaboration).
        if let Some(existing) = risks.iter_mut().find(|r: &&mut Risk| r.category == risk.category) {
            existing.points += risk.points;
            existing.severity = severity_from_points(existing.points);
            existing.evidence.extend(risk.evidence);
        } else {
            risks.push(risk);
        }
    }
    if !risks.iter().any(|r| r.category == RiskCategory::UnfamiliarTech) {
        let mut evidence = Vec::new();
        let extras = unfamiliar_extras(input, &mut evidence);
        if extras > 0 {
            risks.push(keyword_risk(RiskCategory::UnfamiliarTech, 1.5, extras, evidence));
        }
    }
    if let Some(points) = dag_points(input.dependents, [3, 6, 11]) {
        risks.push(Risk {
            category: RiskCategory::DagFanIn,
            severity: severity_from_points(points),
            points,
            evidence: vec![format!(
                "{} tasks depend on this one (transitively); a slip delays them all",
                input.dependents
            )],
        });
    }
    if let Some(points) = dag_points(input.depends_on, [3, 5, 8]) {
        risks.push(Risk {
            category: RiskCategory::DagFanOut,
            severity: severity_from_points(points),
            points,
            evidence: vec![format!("waits on {} prerequisite tasks; each can change its inputs", input.depends_on)],
        });
    }
    risks.sort_by(|a, b| b.points.total_cmp(&a.points).then_with(|| a.category.cmp(&b.category)));

    let (debt, debt_points) = technical_debt(input);
    let mut total: f64 = risks.iter().map(|r| r.points).fold(0.0, |sum, p| sum + p);
    let mut evidence: Vec<String> = risks
        .iter()
        .map(|r| format!("{}: {} (+{:.2})", category_name(r.category), r.evidence.join(", "), r.points))
        .collect();
    if debt_points > 0.0 {
        total += debt_points / 2.0;
        evidence.push(format!("technical debt {:.2} points, half counted (+{:.2})", debt_points, debt_points / 2.0));
    }
    if evidence.is_empty() {
        evidence.push("no risk keywords in the task text and no DAG fan-in/fan-out above 2".to_owned());
    }
    let score = score_from_points(total);
    evidence.push(format!("{total:.2} risk points -> score 1 + 9*(1 - e^(-points/6)) = {score:.2}"));
    RiskOutcome {
        score,
        evidence,
        assessment: RiskAssessment {
            assessed: true,
            level: Some(level_from_score(score)),
            technical_debt: debt,
            risks,
        },
    }
}

fn keyword_risk(category: RiskCategory, base: f64, distinct: usize, evidence: Vec<String>) -> Risk {
    // Each further distinct word adds a quarter of the base, up to 1.75x: breadth matters, repetition does not.
    let factor = (1.0 + 0.25 * distinct.saturating_sub(1) as f64).min(1.75);
    let points = base * factor;
    Risk { category, severity: severity_from_points(points), points, evidence }
}

/// Unfamiliarity that is not a word: a research task, or a language the project has not completed a task in.
fn unfamiliar_extras(input: &RiskInput<'_>, evidence: &mut Vec<String>) -> usize {
    let mut extras = 0;
    if let Some(kind @ ("research" | "spike" | "investigation")) = input.task_type {
        evidence.push(format!("task type `{kind}`"));
        extras += 1;
    }
    if let (Some(language), Some(known)) = (input.language, input.known_languages)
        && !known.contains(language)
    {
        evidence.push(format!("no completed task in this project used `{language}`"));
        extras += 1;
    }
    extras
}

fn dag_points(count: usize, thresholds: [usize; 3]) -> Option<f64> {
    match count {
        c if c >= thresholds[2] => Some(3.0),
        c if c >= thresholds[1] => Some(2.0),
        c if c >= thresholds[0] => Some(1.0),
        _ => None,
    }
}

fn technical_debt(input: &RiskInput<'_>) -> (TechnicalDebt, f64) {
    let words = keyword_hits(&DEBT_WORDS, &input.text.searchable());
    let markers: u64 = input.files.iter().map(|f| f.debt_markers).sum();
    let word_points = (0.75 * words.len() as f64).min(3.0);
    let marker_points = (0.5 * (1.0 + markers as f64).ln()).min(2.0);
    let points = word_points + marker_points;
    let score = 1.0 + 9.0 * (1.0 - (-points / 3.0).exp());
    let mut evidence = Vec::new();
    if !words.is_empty() {
        let list = words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
        evidence.push(format!("debt words in the task: {list} (+{word_points:.2})"));
    }
    if markers > 0 {
        let mut per_file: Vec<String> = input
            .files
            .iter()
            .filter(|f| f.debt_markers > 0)
            .map(|f| format!("{} ({})", f.path, f.debt_markers))
            .collect();
        per_file.truncate(10);
        evidence.push(format!(
            "{markers} TODO/FIXME/HACK/XXX markers in matched files: {} (+{marker_points:.2})",
            per_file.join(", ")
        ));
    }
    if evidence.is_empty() {
        evidence.push("no debt words in the task and no TODO/FIXME markers in matched files".to_owned());
    }
    let level = match score {
        s if s < 3.0 => Severity::Low,
        s if s < 6.0 => Severity::Medium,
        _ => Severity::High,
    };
    (TechnicalDebt { level, score: round2(score), evidence }, points)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The wire name of a category, for evidence lines.
pub fn category_name(category: RiskCategory) -> &'static str {
    match category {
        RiskCategory::Security => "security",
        RiskCategory::DataMigration => "data_migration",
        RiskCategory::Concurrency => "concurrency",
        RiskCategory::ExternalIntegration => "external_integration",
        RiskCategory::Performance => "performance",
        RiskCategory::UnfamiliarTech => "unfamiliar_tech",
        RiskCategory::DagFanIn => "dag_fan_in",
        RiskCategory::DagFanOut => "dag_fan_out",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn run(title: &str, depends_on: usize, dependents: usize) -> RiskOutcome {
        let text = TaskText::new(title, None, None, &[]);
        assess(&RiskInput {
            text: &text,
            depends_on,
            dependents,
            language: None,
            task_type: None,
            known_languages: None,
            files: &[],
            trivial_scope: false,
        })
    }

    #[test]
    fn groups_compile_and_match_on_word_boundaries() {
        for group in &GROUPS {
            assert!(!group.pattern.as_str().is_empty());
        }
        let out = run("Author the API docs", 0, 0);
        let cats: Vec<_> = out.assessment.risks.iter().map(|r| r.category).collect();
        assert_eq!(cats, vec![RiskCategory::ExternalIntegration], "`Author` must not match `auth`");
    }

    #[test]
    fn risky_text_finds_each_category_with_evidence() {
        let out = run(
            "Migrate user auth to OAuth2 with a database schema migration, concurrent session handling and a Stripe webhook integration",
            0,
            0,
        );
        let security = out.assessment.risks.iter().find(|r| r.category == RiskCategory::Security).unwrap();
        assert_eq!(security.evidence, vec!["word `auth`", "word `oauth2`", "word `session`"]);
        for cat in [RiskCategory::DataMigration, RiskCategory::Concurrency, RiskCategory::ExternalIntegration] {
            assert!(out.assessment.risks.iter().any(|r| r.category == cat), "{cat:?}");
        }
        assert!(out.score > 7.0, "{}", out.score);
        assert!(out.assessment.level >= Some(Severity::High));
    }

    #[test]
    fn plain_text_is_low_risk() {
        let out = run("Fix typo in README", 0, 0);
        assert!(out.assessment.risks.is_empty());
        assert_eq!(out.score, 1.0);
        assert_eq!(out.assessment.level, Some(Severity::Low));
    }

    #[test]
    fn trivial_changes_halve_keyword_risks() {
        let text = TaskText::new("Fix typo in the login form", None, None, &[]);
        let input = |trivial_scope| RiskInput {
            text: &text,
            depends_on: 0,
            dependents: 0,
            language: None,
            task_type: None,
            known_languages: None,
            files: &[],
            trivial_scope,
        };
        let full = assess(&input(false));
        let halved = assess(&input(true));
        assert_eq!(halved.assessment.risks[0].points * 2.0, full.assessment.risks[0].points);
        assert_eq!(halved.assessment.risks[0].severity, Severity::Low);
        assert!(halved.assessment.risks[0].evidence.contains(&"halved: trivial change".to_owned()));
    }

    #[test]
    fn dag_fan_in_and_out_are_risks() {
        let out = run("Rename a field", 8, 12);
        let fan_in = out.assessment.risks.iter().find(|r| r.category == RiskCategory::DagFanIn).unwrap();
        assert_eq!(fan_in.severity, Severity::High);
        let fan_out = out.assessment.risks.iter().find(|r| r.category == RiskCategory::DagFanOut).unwrap();
        assert_eq!(fan_out.points, 3.0);
        assert!(out.score > run("Rename a field", 0, 0).score);
    }

    #[test]
    fn unknown_language_and_research_count_as_unfamiliar() {
        let text = TaskText::new("Port the parser", None, None, &[]);
        let known: BTreeSet<String> = ["python".to_owned()].into();
        let out = assess(&RiskInput {
            text: &text,
            depends_on: 0,
            dependents: 0,
            language: Some("go"),
            task_type: Some("research"),
            known_languages: Some(&known),
            files: &[],
            trivial_scope: false,
        });
        let r = out.assessment.risks.iter().find(|r| r.category == RiskCategory::UnfamiliarTech).unwrap();
        assert_eq!(r.evidence, vec!["task type `research`", "no completed task in this project used `go`"]);
    }

    #[test]
    fn debt_words_raise_technical_debt() {
        let out = run("Refactor the legacy billing hack", 0, 0);
        let debt = &out.assessment.technical_debt;
        assert!(debt.score > 3.0, "{debt:?}");
        assert!(debt.evidence[0].contains("`legacy`") && debt.evidence[0].contains("`hack`"));
        assert!(out.score > 1.0);
    }
}
