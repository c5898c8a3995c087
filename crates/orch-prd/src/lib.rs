//! Offline, deterministic parser for Product Requirements Documents written in Markdown.
//!
//! [`parse_prd`] walks the pulldown-cmark event stream into a small section tree and reads
//! features, requirements, user stories, acceptance criteria, priorities and dependencies out
//! of it, then drafts one task per confident feature or stand-alone requirement. Every item
//! carries a confidence and the reason for it; items below the threshold are reported in
//! [`ParsedPrd::skipped`] instead of becoming tasks. The same input always gives the same
//! output. The accepted shapes are documented in `docs/prd-format.md`.

pub mod assist;
mod extract;
mod front_matter;
mod html;
mod resolve;
mod text;
mod tree;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Largest accepted PRD, in bytes (1 MiB).
pub const MAX_PRD_BYTES: usize = 1024 * 1024;

/// Options of the `parse_prd` tool; [`Default`] gives the spec's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParseOptions {
    /// Draft tasks from the features and requirements found (`generate_tasks`).
    pub generate_tasks: bool,
    /// Read "Depends on", "requires", "after" ... into dependencies (`analyze_dependencies`).
    pub analyze_dependencies: bool,
    /// Extract "As a …, I want … so that …" stories (`extract_user_stories`).
    pub extract_user_stories: bool,
    /// Extract acceptance criteria (`parse_acceptance_criteria`).
    pub parse_acceptance_criteria: bool,
    /// Items with a lower confidence are reported in `skipped`, not drafted (0..=1).
    pub confidence_threshold: f64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            generate_tasks: true,
            analyze_dependencies: true,
            extract_user_stories: true,
            parse_acceptance_criteria: true,
            confidence_threshold: 0.7,
        }
    }
}

/// Why a PRD could not be parsed; every message says how to fix the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrdError {
    /// The content is empty or only whitespace.
    #[error(
        "the PRD is empty: pass the PRD as Markdown text, e.g. a `# Title`, a `## Features` section and one `### <feature>` heading per feature"
    )]
    Empty,
    /// The content is larger than [`MAX_PRD_BYTES`].
    #[error(
        "the PRD is {size} bytes, over the {limit}-byte limit: split it into smaller documents (one per epic or area) and parse each one"
    )]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit, [`MAX_PRD_BYTES`].
        limit: usize,
    },
    /// The content is not Markdown text (binary data, JSON, HTML ...).
    #[error("the PRD is not Markdown text: {reason}; pass the document itself as Markdown (headings, lists, tables)")]
    NotMarkdown {
        /// What the input looked like instead.
        reason: String,
    },
    /// The content is text but has no headings, lists or tables to read items from.
    #[error(
        "the PRD has no Markdown structure: found {paragraphs} paragraph(s) of prose but no headings, lists or tables; add a `## Features` section with one `### <feature>` heading (or `- ` bullet) per feature"
    )]
    NoStructure {
        /// Number of plain paragraphs found.
        paragraphs: usize,
    },
    /// An option of the LLM-assisted parse is out of range.
    #[error("{0}")]
    InvalidOption(String),
    /// Mode "llm" was asked for but no model is available.
    #[error(
        "mode \"llm\" needs a model: connect an MCP client that offers sampling, or set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server such as Ollama) or ANTHROPIC_API_KEY; or use mode \"auto\" or \"offline\""
    )]
    NoModel,
    /// `confidence_threshold` is not a number between 0 and 1.
    #[error("confidence_threshold must be a number between 0 and 1 (got {value})")]
    InvalidThreshold {
        /// The value that was passed.
        value: f64,
    },
}

/// The structured result of parsing one PRD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedPrd {
    /// Document title: front matter `title`, else the first level-1 heading.
    pub title: Option<String>,
    /// YAML front matter as JSON values (keys sorted).
    pub front_matter: BTreeMap<String, serde_json::Value>,
    /// Recognised non-feature sections (overview, goals, non-goals ...): reported, never tasks.
    pub sections: Vec<SectionSummary>,
    /// Features, in document order.
    pub features: Vec<Feature>,
    /// Requirements, in document order.
    pub requirements: Vec<Requirement>,
    /// User stories found anywhere in the document.
    pub user_stories: Vec<UserStory>,
    /// Acceptance criteria found in the document.
    pub acceptance_criteria: Vec<AcceptanceCriterion>,
    /// Task drafts for the service to insert; empty unless `generate_tasks`.
    pub tasks: Vec<TaskDraft>,
    /// Items that were not drafted as tasks, and why.
    pub skipped: Vec<SkippedItem>,
    /// Mean confidence of all features and requirements (0 when none were found).
    pub confidence: f64,
    /// `sha256:<hex>` of the normalised content (BOM, line endings, trailing blanks removed).
    pub content_hash: String,
    /// Things the reader should check: unresolved dependencies, broken cycles, odd values.
    pub warnings: Vec<String>,
}

/// Kinds of non-feature sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// Overview, introduction, summary, purpose.
    Overview,
    /// Background, context, problem statement, motivation.
    Background,
    /// Goals, objectives, success metrics.
    Goals,
    /// Non-goals.
    NonGoals,
    /// Out of scope, future work.
    OutOfScope,
    /// Open questions, FAQ.
    OpenQuestions,
    /// Risks, assumptions, constraints.
    Risks,
    /// Glossary, definitions.
    Glossary,
    /// Appendix, references, revision history.
    Appendix,
    /// Stakeholders, personas, target users.
    Stakeholders,
    /// Timeline, milestones, roadmap.
    Timeline,
}

/// A recognised non-feature section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionSummary {
    /// What the section is.
    pub kind: SectionKind,
    /// Heading text.
    pub title: String,
    /// Heading level (1..=6).
    pub level: u8,
    /// First paragraph or list of the section, shortened to 280 characters.
    pub summary: String,
    /// Line of the heading.
    pub source_line: usize,
}

/// A feature (something to build), usually one `###` heading under `## Features`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feature {
    /// Stable slug, unique in this PRD (nested features: `parent/child`).
    pub key: String,
    /// Identifier written in the PRD ("F-1", "US-3"), if any.
    pub id: Option<String>,
    /// Title as written (numbering and priority tags removed).
    pub title: String,
    /// Description: prose and plain bullets of the feature.
    pub description: String,
    /// 0..=4, 4 = highest; 2 when the PRD states none.
    pub priority: u8,
    /// The priority as written ("High", "P0", "Must have"), if stated.
    pub priority_label: Option<String>,
    /// Acceptance criteria texts.
    pub acceptance_criteria: Vec<String>,
    /// User story texts.
    pub user_stories: Vec<String>,
    /// Keys of the features/requirements this one depends on.
    pub depends_on: Vec<String>,
    /// Tags from grouping headings and `Tags:` attributes.
    pub tags: Vec<String>,
    /// 0..=1, see `confidence_reason`.
    pub confidence: f64,
    /// How the confidence was computed.
    pub confidence_reason: String,
    /// Line where the feature starts.
    pub source_line: usize,
}

/// A requirement: a numbered/bulleted item under a Requirements section, or inside a feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    /// Stable slug, unique in this PRD.
    pub key: String,
    /// Identifier written in the PRD ("FR-1", "REQ-002"), if any.
    pub id: Option<String>,
    /// Title (bold lead, text before a colon, or the item text).
    pub title: String,
    /// Text after the title and plain nested bullets.
    pub description: String,
    /// 0..=4, 4 = highest; 2 when the PRD states none.
    pub priority: u8,
    /// The priority as written, if stated.
    pub priority_label: Option<String>,
    /// Acceptance criteria texts.
    pub acceptance_criteria: Vec<String>,
    /// Keys of the features/requirements this one depends on.
    pub depends_on: Vec<String>,
    /// Key of the feature this requirement belongs to, if listed inside one.
    pub feature_key: Option<String>,
    /// Tags from grouping headings ("non-functional", "security" ...).
    pub tags: Vec<String>,
    /// 0..=1, see `confidence_reason`.
    pub confidence: f64,
    /// How the confidence was computed.
    pub confidence_reason: String,
    /// Line of the requirement.
    pub source_line: usize,
}

/// A user story ("As a <role>, I want <goal> so that <benefit>").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserStory {
    /// Who wants it.
    pub role: String,
    /// What they want.
    pub goal: String,
    /// Why, if stated.
    pub benefit: Option<String>,
    /// The story as written.
    pub text: String,
    /// Key of the feature or requirement it belongs to, if any.
    pub feature_key: Option<String>,
    /// 0.95 with a benefit, 0.85 without, 0.9 when assembled from table columns.
    pub confidence: f64,
    /// Line of the story.
    pub source_line: usize,
}

/// How an acceptance criterion was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    /// A plain bullet under an acceptance-criteria label or heading.
    Bullet,
    /// A `- [ ]` / `- [x]` task-list item.
    Checkbox,
    /// A Given/When/Then scenario (one line, consecutive bullets, or a Gherkin block).
    GivenWhenThen,
}

/// One acceptance criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptanceCriterion {
    /// The criterion.
    pub text: String,
    /// How it was written.
    pub kind: CriterionKind,
    /// For checkboxes: whether it was ticked.
    pub checked: Option<bool>,
    /// Key of the feature or requirement it belongs to, if any.
    pub feature_key: Option<String>,
    /// Line of the criterion.
    pub source_line: usize,
}

/// A task the service should create for this PRD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDraft {
    /// Stable key (the feature/requirement key): re-parsing the same PRD yields the same keys.
    pub key: String,
    /// Task title.
    pub title: String,
    /// One-paragraph description.
    pub description: String,
    /// Markdown details: description, acceptance criteria, user stories, requirements, source.
    pub details: String,
    /// 0..=4, 4 = highest.
    pub priority: u8,
    /// Tags ("feature"/"requirement", grouping headings, `Tags:`).
    pub tags: Vec<String>,
    /// implementation | test | documentation | research | design.
    pub task_type: String,
    /// Acceptance criteria texts (also rendered in `details`).
    pub acceptance_criteria: Vec<String>,
    /// Keys of other drafts of this PRD that must be done first.
    pub depends_on: Vec<String>,
    /// Confidence of the item the draft comes from.
    pub confidence: f64,
    /// Line of the item the draft comes from.
    pub source_line: usize,
}

/// An item that was found but not drafted as a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedItem {
    /// Key of the feature/requirement.
    pub key: String,
    /// Its title.
    pub title: String,
    /// "feature" or "requirement".
    pub item_type: String,
    /// Its confidence.
    pub confidence: f64,
    /// Why it was not drafted and how to make it count.
    pub reason: String,
    /// Line of the item.
    pub source_line: usize,
}

/// Parses a Markdown PRD. Pure and deterministic: no I/O, same input gives the same output.
pub fn parse_prd(content: &str, options: &ParseOptions) -> Result<ParsedPrd, PrdError> {
    let threshold = options.confidence_threshold;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(PrdError::InvalidThreshold { value: threshold });
    }
    if content.len() > MAX_PRD_BYTES {
        return Err(PrdError::TooLarge { size: content.len(), limit: MAX_PRD_BYTES });
    }
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    if content.trim().is_empty() {
        return Err(PrdError::Empty);
    }
    check_is_text(content)?;

    let mut warnings = Vec::new();
    let split = front_matter::split(content);
    let front_matter = match split.yaml {
        Some(yaml) => front_matter::parse(yaml, &mut warnings),
        None => BTreeMap::new(),
    };
    let rewritten = html::toggles_to_headings(split.body);
    let (root, stats) = tree::build(rewritten.as_deref().unwrap_or(split.body), split.body_first_line);
    if stats.headings == 0 && stats.list_items == 0 && stats.tables == 0 {
        check_not_json_or_html(content)?;
        return Err(PrdError::NoStructure { paragraphs: root.blocks.len() });
    }
    let fm_title =
        front_matter.get("title").and_then(|v| v.as_str()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let mut parsed = extract::extract(&root, options, fm_title, warnings);
    parsed.front_matter = front_matter;
    parsed.content_hash = content_hash(content);
    Ok(parsed)
}

/// Rejects binary data: NUL bytes or many control characters.
fn check_is_text(content: &str) -> Result<(), PrdError> {
    if content.contains('\0') {
        return Err(PrdError::NotMarkdown { reason: "it contains NUL bytes (binary data)".into() });
    }
    let total = content.chars().count();
    let control = content.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
    if control * 20 > total {
        return Err(PrdError::NotMarkdown {
            reason: format!("{control} of its {total} characters are control characters (binary data)"),
        });
    }
    Ok(())
}

/// Gives a more useful error than "no structure" for JSON and HTML documents.
fn check_not_json_or_html(content: &str) -> Result<(), PrdError> {
    let trimmed = content.trim();
    let looks_json =
        (trimmed.starts_with('{') && trimmed.ends_with('}')) || (trimmed.starts_with('[') && trimmed.ends_with(']'));
    if looks_json && serde_json::from_str::<serde_json::Value>(trimmed).is_ok() {
        return Err(PrdError::NotMarkdown { reason: "it is a JSON document".into() });
    }
    let lower = trimmed.get(..trimmed.len().min(64)).unwrap_or_default().to_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return Err(PrdError::NotMarkdown { reason: "it is an HTML document".into() });
    }
    Ok(())
}

/// `sha256:<hex>` of the content with line endings unified and trailing whitespace removed,
/// so cosmetic whitespace changes do not change the PRD's identity.
fn content_hash(content: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let unified = content.replace("\r\n", "\n").replace('\r', "\n");
    let mut hasher = Sha256::new();
    for line in unified.trim_end().lines() {
        hasher.update(line.trim_end().as_bytes());
        hasher.update(b"\n");
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hash_ignores_line_endings_and_trailing_space() {
        assert_eq!(content_hash("# A\r\n- b  \r\n\r\n"), content_hash("# A\n- b\n"));
        assert_ne!(content_hash("# A\n- b\n"), content_hash("# A\n- c\n"));
        assert!(content_hash("x").starts_with("sha256:"));
    }

    #[test]
    fn rejects_bad_input_with_clear_errors() {
        let o = ParseOptions::default();
        assert_eq!(parse_prd("  \n\t ", &o), Err(PrdError::Empty));
        let big = "- x\n".repeat(MAX_PRD_BYTES / 4 + 1);
        let err = parse_prd(&big, &o).unwrap_err();
        assert!(matches!(err, PrdError::TooLarge { limit: MAX_PRD_BYTES, .. }));
        assert!(err.to_string().contains("1048576-byte limit"));
        assert!(matches!(parse_prd("ab\0cd", &o), Err(PrdError::NotMarkdown { .. })));
        let json = parse_prd(r#"{"features": ["a", "b"]}"#, &o).unwrap_err();
        assert!(json.to_string().contains("JSON"), "{json}");
        let prose = parse_prd("We want a better login.\n\nIt should be fast.", &o).unwrap_err();
        assert_eq!(prose, PrdError::NoStructure { paragraphs: 2 });
        assert!(prose.to_string().contains("## Features"));
        let bad = ParseOptions { confidence_threshold: 1.5, ..ParseOptions::default() };
        assert!(matches!(parse_prd("# A", &bad), Err(PrdError::InvalidThreshold { .. })));
    }
}
