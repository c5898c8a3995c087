//! Reading a task for the offline planner: the kind of work, its subject, its components, its
//! acceptance criteria, its language and its size.

use super::lang::Lang;
use crate::types::TaskContext;

/// The kind of work a task is, which decides the steps it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkKind {
    BugFix,
    ApiEndpoint,
    Ui,
    DataMigration,
    Refactor,
    Integration,
    Research,
    Documentation,
    Feature,
}

impl WorkKind {
    /// Tag added to generated subtasks.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Self::BugFix => "bugfix",
            Self::ApiEndpoint => "api",
            Self::Ui => "ui",
            Self::DataMigration => "migration",
            Self::Refactor => "refactor",
            Self::Integration => "integration",
            Self::Research => "research",
            Self::Documentation => "docs",
            Self::Feature => "feature",
        }
    }

    /// Hours assumed when the task has no estimate and no complexity score.
    pub(crate) fn base_hours(self) -> f64 {
        match self {
            Self::BugFix | Self::Documentation => 4.0,
            Self::DataMigration | Self::Research => 6.0,
            Self::ApiEndpoint | Self::Ui | Self::Refactor | Self::Feature => 8.0,
            Self::Integration => 12.0,
        }
    }

    /// Keywords that vote for this kind (whole words, lower case).
    fn keywords(self) -> &'static [&'static str] {
        match self {
            Self::BugFix => &[
                "bug",
                "fix",
                "fixes",
                "crash",
                "crashes",
                "broken",
                "regression",
                "fails",
                "failing",
                "incorrect",
                "wrong",
                "panic",
                "exception",
                "leak",
                "hotfix",
                "error",
                "errors",
                "defect",
            ],
            Self::ApiEndpoint => &[
                "api",
                "endpoint",
                "endpoints",
                "rest",
                "route",
                "routes",
                "graphql",
                "grpc",
                "http",
                "handler",
                "get",
                "post",
                "put",
                "patch",
                "delete",
            ],
            Self::Ui => &[
                "ui",
                "page",
                "screen",
                "component",
                "form",
                "button",
                "modal",
                "dialog",
                "frontend",
                "css",
                "layout",
                "view",
                "dashboard",
                "react",
                "vue",
                "widget",
            ],
            Self::DataMigration => &[
                "migration",
                "migrate",
                "migrations",
                "schema",
                "column",
                "columns",
                "table",
                "backfill",
                "etl",
                "alter",
                "index",
            ],
            Self::Refactor => &[
                "refactor",
                "refactoring",
                "cleanup",
                "restructure",
                "extract",
                "rename",
                "simplify",
                "decouple",
                "modularize",
                "debt",
                "reorganize",
            ],
            Self::Integration => &[
                "integrate",
                "integration",
                "third-party",
                "webhook",
                "webhooks",
                "sdk",
                "oauth",
                "connector",
                "sync",
                "stripe",
                "slack",
                "github",
                "jira",
                "twilio",
                "sendgrid",
                "salesforce",
                "paypal",
                "shopify",
            ],
            Self::Research => &[
                "research",
                "investigate",
                "spike",
                "evaluate",
                "explore",
                "prototype",
                "compare",
                "feasibility",
                "poc",
                "assess",
            ],
            Self::Documentation => {
                &["document", "documentation", "docs", "readme", "guide", "tutorial", "manual", "changelog", "handbook"]
            }
            Self::Feature => &[],
        }
    }

    /// Kinds in tie-break order: the more specific kind wins a tie.
    const ALL: [WorkKind; 8] = [
        Self::DataMigration,
        Self::BugFix,
        Self::Research,
        Self::Documentation,
        Self::Integration,
        Self::Refactor,
        Self::ApiEndpoint,
        Self::Ui,
    ];

    fn from_task_type(task_type: &str) -> Option<Self> {
        Some(match task_type.trim().to_ascii_lowercase().as_str() {
            "bug" | "bugfix" | "bug_fix" | "fix" | "hotfix" => Self::BugFix,
            "research" | "spike" | "investigation" => Self::Research,
            "documentation" | "docs" | "doc" => Self::Documentation,
            "refactor" | "refactoring" => Self::Refactor,
            "migration" | "data_migration" => Self::DataMigration,
            "integration" => Self::Integration,
            "api" => Self::ApiEndpoint,
            "ui" | "frontend" => Self::Ui,
            _ => return None,
        })
    }
}

/// Everything the planner reads from a task.
#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    pub kind: WorkKind,
    /// Strength of the kind detection (0 = nothing matched, fell back to Feature).
    pub kind_score: u32,
    /// What the task is about: the title without its leading verb.
    pub subject: String,
    /// Pieces of work named in the task (endpoints, bullet items, parts of the title).
    pub components: Vec<String>,
    /// True when components came from explicit lists or endpoints rather than the title.
    pub explicit_components: bool,
    pub criteria: Vec<String>,
    pub lang: Option<Lang>,
    /// Lower-case words of title, description, details and tags.
    pub words: Vec<String>,
    /// Total hours to split.
    pub estimate: f64,
    /// Where the estimate came from, for the warning.
    pub estimate_source: EstimateSource,
    /// Design first: complex, large or risky.
    pub needs_design: bool,
    /// Third-party service named by an integration task.
    pub service: Option<String>,
    pub risks: Vec<String>,
    pub priority: u8,
    pub tags: Vec<String>,
}

/// Origin of the hours being split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EstimateSource {
    Given,
    Complexity,
    Assumed,
}

impl Analysis {
    /// True when any of `words` occurs in the task.
    pub(crate) fn mentions(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.words.iter().any(|x| x == w))
    }
}

const LEADING_VERBS: &[&str] = &[
    "add",
    "implement",
    "create",
    "build",
    "make",
    "support",
    "introduce",
    "write",
    "fix",
    "refactor",
    "migrate",
    "integrate",
    "update",
    "improve",
    "enable",
    "allow",
    "design",
    "develop",
    "setup",
    "investigate",
    "research",
    "document",
    "remove",
    "replace",
    "convert",
    "extract",
    "move",
    "rename",
    "clean",
    "optimize",
    "optimise",
    "handle",
    "expose",
    "provide",
    "evaluate",
    "explore",
    "spike",
    "prototype",
    "resolve",
    "repair",
    "restructure",
    "simplify",
    "rewrite",
    "port",
    "connect",
];
const LEADING_FILLERS: &[&str] = &["a", "an", "the", "new", "up", "with", "to", "for", "on"];
const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const KNOWN_SERVICES: &[&str] = &[
    "Stripe",
    "Slack",
    "GitHub",
    "GitLab",
    "Jira",
    "Salesforce",
    "Twilio",
    "SendGrid",
    "S3",
    "PayPal",
    "Shopify",
    "HubSpot",
    "Zendesk",
    "Discord",
    "Kafka",
    "Auth0",
    "Okta",
    "Mailgun",
    "Google",
    "OpenAI",
    "Sentry",
    "Datadog",
];
/// Most components the planner creates pieces for; extra ones are folded into the last.
pub(crate) const MAX_COMPONENTS: usize = 4;

/// Reads `task`.
pub(crate) fn analyse(task: &TaskContext) -> Analysis {
    let description = task.description.as_deref().unwrap_or("");
    let details = task.details.as_deref().unwrap_or("");
    let title = task.title.trim();
    let words = words_of(&format!("{title} {description} {details} {}", task.tags.join(" ")));
    let (kind, kind_score) = detect_kind(task, title, &words);
    let subject = subject_of(title);

    let (bullets_as_components, bullets_as_criteria) = split_bullets(&format!("{description}\n{details}"));
    let mut criteria: Vec<String> = task
        .acceptance_criteria
        .iter()
        .map(|c| c.trim().trim_end_matches('.').to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if criteria.is_empty() {
        criteria = bullets_as_criteria;
    }
    dedup(&mut criteria);

    let endpoints = endpoints_in(&format!("{title} {description} {details}"));
    let (mut components, explicit_components) = if !endpoints.is_empty() {
        (endpoints, true)
    } else if !bullets_as_components.is_empty() {
        (bullets_as_components, true)
    } else {
        (title_parts(&subject), false)
    };
    dedup(&mut components);
    if components.len() > MAX_COMPONENTS {
        let rest = components.split_off(MAX_COMPONENTS - 1);
        components.push(rest.join(", "));
    }

    let lang = task
        .code_language
        .as_deref()
        .and_then(Lang::from_name)
        .or_else(|| task.tags.iter().find_map(|t| Lang::from_name(t)))
        .or_else(|| Lang::from_framework_words(&words));

    let (estimate, estimate_source) = match (task.estimated_hours, task.complexity_score) {
        (Some(h), _) if h.is_finite() && h > 0.0 => (h.min(500.0), EstimateSource::Given),
        (_, Some(score)) if score.is_finite() && score > 0.0 => {
            (2.0 * score.clamp(1.0, 10.0), EstimateSource::Complexity)
        }
        _ => {
            let extra_criteria = criteria.len().saturating_sub(3) as f64;
            let extra_components = components.len().saturating_sub(2) as f64 * 2.0;
            ((kind.base_hours() + extra_criteria + extra_components).min(80.0), EstimateSource::Assumed)
        }
    };
    let risks: Vec<String> = task.risks.iter().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect();
    let complex = task.complexity_score.is_some_and(|s| s >= 7.0);
    let needs_design =
        complex || estimate >= 16.0 || !risks.is_empty() || (kind == WorkKind::Integration && estimate >= 8.0);
    let service = (kind == WorkKind::Integration).then(|| service_of(title, &subject));

    Analysis {
        kind,
        kind_score,
        subject,
        components,
        explicit_components,
        criteria,
        lang,
        words,
        estimate,
        estimate_source,
        needs_design,
        service,
        risks,
        priority: task.priority,
        tags: task.tags.clone(),
    }
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Votes: the task type decides outright; otherwise title words count 3, tags 3, other text 1.
fn detect_kind(task: &TaskContext, title: &str, words: &[String]) -> (WorkKind, u32) {
    if let Some(kind) = task.task_type.as_deref().and_then(WorkKind::from_task_type) {
        return (kind, 10);
    }
    let title_words = words_of(title);
    let tag_words = words_of(&task.tags.join(" "));
    let mut best = (WorkKind::Feature, 0u32);
    for kind in WorkKind::ALL {
        let keywords = kind.keywords();
        let count = |list: &[String]| {
            u32::try_from(list.iter().filter(|w| keywords.contains(&w.as_str())).count()).unwrap_or(u32::MAX)
        };
        let in_title = count(&title_words);
        let in_tags = count(&tag_words);
        let in_all = count(words);
        let score = in_title * 3 + in_tags * 3 + in_all.saturating_sub(in_title + in_tags);
        if score > best.1 {
            best = (kind, score);
        }
    }
    // A single weak mention in the body ("the form shows an error") is not enough to call it.
    if best.1 < 2 { (WorkKind::Feature, best.1) } else { best }
}

/// The title without its leading verb and articles, original case kept.
pub(crate) fn subject_of(title: &str) -> String {
    let mut rest = title.trim();
    loop {
        let first = rest.split_whitespace().next().unwrap_or("");
        let lower = first.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let strip = LEADING_VERBS.contains(&lower.as_str())
            || LEADING_FILLERS.contains(&lower.as_str())
            || (lower == "set" && rest.to_lowercase().starts_with("set up"));
        if !strip || first.is_empty() {
            break;
        }
        let next = rest[first.len()..].trim_start();
        if next.is_empty() {
            break;
        }
        rest = next;
    }
    let subject = rest.trim().trim_end_matches(['.', '!', ':']).trim();
    if subject.is_empty() { title.trim().to_owned() } else { subject.to_owned() }
}

/// Parts of a subject joined by "with", "including", commas or "and" between multi-word phrases.
fn title_parts(subject: &str) -> Vec<String> {
    let mut parts = vec![subject.to_owned()];
    for separator in [" with ", " including ", " plus ", " vs. ", " vs ", " versus ", ", ", "; "] {
        parts = parts.iter().flat_map(|p| p.split(separator).map(str::to_owned).collect::<Vec<_>>()).collect();
    }
    parts = parts
        .into_iter()
        .flat_map(|p| {
            let halves: Vec<&str> = p.splitn(2, " and ").collect();
            if halves.len() == 2 && halves.iter().all(|h| h.split_whitespace().count() >= 2) {
                halves.into_iter().map(str::to_owned).collect()
            } else {
                vec![p]
            }
        })
        .map(|p| {
            let trimmed = p.trim().trim_start_matches("and ").trim();
            subject_of(trimmed)
        })
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() { vec![subject.to_owned()] } else { parts }
}

/// Bullet items of a text, split into work items and items that read as acceptance criteria.
fn split_bullets(text: &str) -> (Vec<String>, Vec<String>) {
    let mut components = Vec::new();
    let mut criteria = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let item = if let Some(rest) =
            line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")).or_else(|| line.strip_prefix("• "))
        {
            rest
        } else {
            let digits = line.chars().take_while(char::is_ascii_digit).count();
            match line[digits..].strip_prefix(". ").or_else(|| line[digits..].strip_prefix(") ")) {
                Some(rest) if digits > 0 => rest,
                _ => continue,
            }
        };
        let item = item.trim_start_matches("[ ]").trim_start_matches("[x]").trim().trim_end_matches('.').trim();
        if item.is_empty() {
            continue;
        }
        let lower = format!(" {} ", item.to_lowercase());
        let reads_as_criterion = [
            " should ",
            " must ",
            " given ",
            " then ",
            " returns ",
            " shows ",
            " user can ",
            " users can ",
            " is rejected",
            " succeeds",
            " fails ",
        ]
        .iter()
        .any(|marker| lower.contains(marker));
        if reads_as_criterion {
            criteria.push(item.to_owned());
        } else {
            components.push(subject_of(item));
        }
    }
    (components, criteria)
}

/// `METHOD /path` pairs, in order of appearance.
fn endpoints_in(text: &str) -> Vec<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens
        .windows(2)
        .filter(|pair| HTTP_METHODS.contains(&pair[0]) && pair[1].starts_with('/'))
        .map(|pair| format!("{} {}", pair[0], pair[1].trim_end_matches([',', '.', ';', ')', '`'])))
        .collect()
}

/// The service an integration task connects to: a well-known name, else what follows "with"/"to".
fn service_of(title: &str, subject: &str) -> String {
    let lower = title.to_lowercase();
    if let Some(known) = KNOWN_SERVICES.iter().find(|s| words_of(&lower).iter().any(|w| *w == s.to_lowercase())) {
        return (*known).to_owned();
    }
    for marker in [" with ", " to ", " into "] {
        if let Some(pos) = lower.find(marker) {
            let after = title[pos + marker.len()..].trim();
            let name: Vec<&str> = after.split_whitespace().take(3).collect();
            if !name.is_empty() {
                return subject_of(&name.join(" "));
            }
        }
    }
    subject.to_owned()
}

fn dedup(items: &mut Vec<String>) {
    let mut seen: Vec<String> = Vec::new();
    items.retain(|item| {
        let key = item.to_lowercase();
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
}

/// Criteria that share a significant word with `component` (all of them when there is one component).
pub(crate) fn criteria_for(analysis: &Analysis, component: &str) -> Vec<String> {
    if analysis.components.len() <= 1 {
        return analysis.criteria.clone();
    }
    let exact: Vec<String> =
        analysis.criteria.iter().filter(|c| c.to_lowercase().contains(&component.to_lowercase())).cloned().collect();
    if !exact.is_empty() {
        return exact;
    }
    let significant: Vec<String> = words_of(component)
        .into_iter()
        .filter(|w| w.len() > 3 && !HTTP_METHODS.iter().any(|m| m.eq_ignore_ascii_case(w)))
        .collect();
    analysis
        .criteria
        .iter()
        .filter(|c| {
            let words = words_of(c);
            significant.iter().any(|s| words.iter().any(|w| w.starts_with(s.as_str())))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(title: &str) -> TaskContext {
        TaskContext { title: title.into(), ..TaskContext::default() }
    }

    #[test]
    fn kinds_are_detected_from_titles_and_types() {
        let cases = [
            ("Fix crash when uploading large files", WorkKind::BugFix),
            ("Add REST endpoint for user registration", WorkKind::ApiEndpoint),
            ("Build settings page with profile form", WorkKind::Ui),
            ("Migrate orders table to the new schema", WorkKind::DataMigration),
            ("Refactor payment service", WorkKind::Refactor),
            ("Integrate with Stripe for subscriptions", WorkKind::Integration),
            ("Investigate caching options", WorkKind::Research),
            ("Write deployment guide", WorkKind::Documentation),
            ("Support multiple currencies", WorkKind::Feature),
        ];
        for (title, kind) in cases {
            assert_eq!(analyse(&task(title)).kind, kind, "{title}");
        }
        let typed = TaskContext { task_type: Some("bug".into()), ..task("Totals are off by one cent") };
        assert_eq!(analyse(&typed).kind, WorkKind::BugFix);
    }

    #[test]
    fn subjects_components_and_endpoints() {
        assert_eq!(subject_of("Add a new user registration endpoint"), "user registration endpoint");
        assert_eq!(subject_of("Set up CI pipeline"), "CI pipeline");
        let a = analyse(&task("Add user registration with email verification"));
        assert_eq!(a.components, ["user registration", "email verification"]);
        let a = analyse(&TaskContext {
            description: Some("Expose POST /users and GET /users/{id}.".into()),
            ..task("Users API")
        });
        assert_eq!(a.components, ["POST /users", "GET /users/{id}"]);
        assert!(a.explicit_components);
        let a = analyse(&task("Add login and logout endpoints"));
        assert_eq!(a.components, ["login and logout endpoints"]);
    }

    #[test]
    fn bullets_become_components_or_criteria() {
        let a = analyse(&TaskContext {
            details: Some(
                "- CSV export\n- PDF export\n1. Export must include totals\n* [ ] the user can pick a date range"
                    .into(),
            ),
            ..task("Reports export")
        });
        assert_eq!(a.components, ["CSV export", "PDF export"]);
        assert_eq!(a.criteria, ["Export must include totals", "the user can pick a date range"]);
    }
}
