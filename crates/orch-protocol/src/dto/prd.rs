//! The results of `parse_prd`: the parsed PRD (docs/prd-format.md) and how it was produced. Keys are camelCase;
//! a value that can be unknown is written as null, never left out.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{PrdModeDto, ProviderAttemptDto, TokenUsageDto};

/// The structured result of parsing one PRD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct ParsedPrdDto {
    /// Front matter `title`, else the first level-1 heading.
    pub title: Option<String>,
    /// YAML front matter as JSON values (keys sorted).
    pub front_matter: BTreeMap<String, serde_json::Value>,
    /// Recognised non-feature sections (overview, goals…): reported, never tasks.
    pub sections: Vec<SectionSummaryDto>,
    /// Features, in document order.
    pub features: Vec<FeatureDto>,
    /// Requirements, in document order.
    pub requirements: Vec<RequirementDto>,
    /// User stories found anywhere in the document.
    pub user_stories: Vec<UserStoryDto>,
    /// Acceptance criteria found in the document.
    pub acceptance_criteria: Vec<AcceptanceCriterionDto>,
    /// Task drafts; empty unless `generate_tasks`.
    pub tasks: Vec<TaskDraftDto>,
    /// Items not drafted as tasks, and why.
    pub skipped: Vec<SkippedItemDto>,
    /// Mean confidence of all features and requirements (0 when none were found).
    pub confidence: f64,
    /// `sha256:<hex>` of the normalised content.
    pub content_hash: String,
    /// Things to check: unresolved dependencies, broken cycles, odd values.
    pub warnings: Vec<String>,
}

/// Kinds of non-feature sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionKindDto {
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct SectionSummaryDto {
    /// What the section is.
    pub kind: SectionKindDto,
    /// Heading text.
    pub title: String,
    /// Heading level (1-6).
    pub level: u8,
    /// First paragraph or list, shortened to 280 characters.
    pub summary: String,
    /// Line of the heading.
    pub source_line: u64,
}

/// A feature (something to build).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct FeatureDto {
    /// Stable slug, unique in this PRD (nested features: `parent/child`).
    pub key: String,
    /// Identifier written in the PRD ("F-1"), if any.
    pub id: Option<String>,
    /// Title as written.
    pub title: String,
    /// Prose and plain bullets of the feature.
    pub description: String,
    /// 0-4, 4 = highest; 2 when the PRD states none.
    pub priority: u8,
    /// The priority as written ("High", "P0", "Must have"), if stated.
    pub priority_label: Option<String>,
    /// Acceptance criteria texts.
    pub acceptance_criteria: Vec<String>,
    /// User story texts.
    pub user_stories: Vec<String>,
    /// Keys of the features and requirements this one depends on.
    pub depends_on: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// 0-1, see `confidenceReason`.
    pub confidence: f64,
    /// How the confidence was computed.
    pub confidence_reason: String,
    /// Line where the feature starts.
    pub source_line: u64,
}

/// A requirement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct RequirementDto {
    /// Stable slug, unique in this PRD.
    pub key: String,
    /// Identifier written in the PRD ("FR-1"), if any.
    pub id: Option<String>,
    /// Title.
    pub title: String,
    /// Text after the title and plain nested bullets.
    pub description: String,
    /// 0-4, 4 = highest; 2 when the PRD states none.
    pub priority: u8,
    /// The priority as written, if stated.
    pub priority_label: Option<String>,
    /// Acceptance criteria texts.
    pub acceptance_criteria: Vec<String>,
    /// Keys of the features and requirements this one depends on.
    pub depends_on: Vec<String>,
    /// Key of the feature this requirement belongs to, if listed inside one.
    pub feature_key: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// 0-1, see `confidenceReason`.
    pub confidence: f64,
    /// How the confidence was computed.
    pub confidence_reason: String,
    /// Line of the requirement.
    pub source_line: u64,
}

/// A user story ("As a <role>, I want <goal> so that <benefit>").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct UserStoryDto {
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
    /// Confidence 0-1.
    pub confidence: f64,
    /// Line of the story.
    pub source_line: u64,
}

/// How an acceptance criterion was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKindDto {
    /// A plain bullet.
    Bullet,
    /// A `- [ ]` / `- [x]` task-list item.
    Checkbox,
    /// A Given/When/Then scenario.
    GivenWhenThen,
}

/// One acceptance criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct AcceptanceCriterionDto {
    /// The criterion.
    pub text: String,
    /// How it was written.
    pub kind: CriterionKindDto,
    /// For checkboxes: whether it was ticked.
    pub checked: Option<bool>,
    /// Key of the feature or requirement it belongs to, if any.
    pub feature_key: Option<String>,
    /// Line of the criterion.
    pub source_line: u64,
}

/// A task drafted from the PRD, with the task it is stored as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct TaskDraftDto {
    /// Stable key (the feature or requirement key): re-parsing the same PRD yields the same keys.
    pub key: String,
    /// Task title.
    pub title: String,
    /// One-paragraph description.
    pub description: String,
    /// Markdown details.
    pub details: String,
    /// 0-4, 4 = highest.
    pub priority: u8,
    /// Tags.
    pub tags: Vec<String>,
    /// implementation, test, documentation, research or design.
    pub task_type: String,
    /// Acceptance criteria texts.
    pub acceptance_criteria: Vec<String>,
    /// Keys of other drafts that must be done first.
    pub depends_on: Vec<String>,
    /// Confidence of the item the draft comes from.
    pub confidence: f64,
    /// Line of the item the draft comes from.
    pub source_line: u64,
    /// The task this draft is stored as; absent when no task was made (generate_tasks: false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
}

/// An item found but not drafted as a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct SkippedItemDto {
    /// Key of the feature or requirement.
    pub key: String,
    /// Its title.
    pub title: String,
    /// feature or requirement.
    pub item_type: String,
    /// Its confidence.
    pub confidence: f64,
    /// Why it was not drafted and how to make it count.
    pub reason: String,
    /// Line of the item.
    pub source_line: u64,
}

/// How a PRD was parsed: the rule-based parser alone, or completed and cross-checked by a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ParserReportDto {
    /// The mode asked for.
    pub mode: PrdModeDto,
    /// offline, or the provider whose answers were merged: sampling, openai, openai-compatible, anthropic.
    pub provider: String,
    /// The model that answered (offline for the rule-based parser).
    pub model: String,
    /// Parts the document was split into for the model (0 when no model was asked).
    pub chunks: u64,
    /// Model calls made, over every provider tried.
    pub calls: u32,
    /// Tokens used over every call, rejected answers included.
    pub token_usage: TokenUsageDto,
    /// Every provider tried, in order.
    pub attempts: Vec<ProviderAttemptDto>,
    /// True when the result comes from a provider other than the first one tried.
    pub fell_back: bool,
    /// Keys of items the rule-based parser and the model both found.
    pub confirmed: Vec<String>,
    /// Keys of items only the model found; their titles are written in the document.
    pub added: Vec<String>,
    /// Items only the model found whose titles are not in the document: kept with a low confidence.
    pub flagged: Vec<CheckedItemDto>,
    /// Items the model gave that the document does not support: not kept.
    pub dropped: Vec<CheckedItemDto>,
    /// Fallbacks and why, repairs made to answers, dependencies left out.
    pub warnings: Vec<String>,
}

/// An item the cross-check flagged or dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = super::nullable::one_of_null)]
pub struct CheckedItemDto {
    /// The title the model gave.
    pub title: String,
    /// The key it was stored under (flagged), or the key the model gave (dropped).
    pub key: Option<String>,
    /// Why it was flagged or dropped.
    pub reason: String,
}
