//! Interprets the section tree: which headings, list items and table rows are features or
//! requirements, what belongs to them, and how sure we are. See `docs/prd-format.md`.

mod tables;
mod vocabulary;
mod walker;

use crate::text::{
    self, DEPENDENCY_TRIGGERS, Label, Priority, StoryParts, capitalise, classify_label, clean_title, done_when,
    gherkin_features, gherkin_scenarios, gherkin_step, is_given_when_then, is_requirement_statement, join_steps,
    metadata_pairs, normalise, parse_priority, parse_user_story, sentences, slug, split_id, split_inline_priority,
    split_issue_refs, split_label, split_numbering, split_references, truncate_words,
};
use crate::tree::{Block, Inline, Item, Section};
use crate::{AcceptanceCriterion, CriterionKind, ParseOptions, ParsedPrd, SectionKind, SectionSummary, UserStory};

use vocabulary::SectionClass;
/// Where an item was found; decides its base confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    ExplicitFeatureHeading,
    FeatureHeading,
    StoryHeading,
    RequirementHeading,
    RequirementOrdered,
    FeatureTableRow,
    RequirementTableRow,
    RequirementBullet,
    FeatureListItem,
    StoryListItem,
    StoryTableRow,
    NestedHeading,
    FeatureRequirement,
    RequirementParagraph,
    LooseHeading,
    ContentHeading,
    GherkinFeature,
    AttributedItem,
    LeadParagraph,
    LooseTableRow,
    LooseRequirement,
}

impl Origin {
    /// Base confidence and the explanation shown in `confidenceReason`.
    pub(crate) fn base(self) -> (f64, &'static str) {
        match self {
            Self::ExplicitFeatureHeading => (0.95, "heading with a 'Feature:' prefix"),
            Self::FeatureHeading => (0.9, "heading under a Features section"),
            Self::StoryHeading => (0.85, "heading under a User Stories section"),
            Self::RequirementHeading => (0.85, "heading under a Requirements section"),
            Self::RequirementOrdered => (0.85, "numbered item under a Requirements section"),
            Self::FeatureTableRow => (0.85, "table row under a Features section"),
            Self::RequirementTableRow => (0.85, "table row under a Requirements section"),
            Self::RequirementBullet => (0.8, "bullet under a Requirements section"),
            Self::FeatureListItem => (0.8, "bullet under a Features section"),
            Self::StoryListItem => (0.8, "user story listed under a User Stories section"),
            Self::StoryTableRow => (0.8, "user story in a table under a User Stories section"),
            Self::NestedHeading => (0.8, "sub-heading of a feature with its own attributes"),
            Self::FeatureRequirement => (0.8, "requirement listed inside a feature"),
            Self::RequirementParagraph => (0.7, "paragraph with a requirement id under a Requirements section"),
            Self::LooseHeading => {
                (0.6, "heading outside any Features/Requirements section, recognised by its attributes")
            }
            Self::ContentHeading => (
                0.7,
                "heading outside any Features/Requirements section whose content reads as requirements (criteria, priority, MUST/SHALL statements, stories)",
            ),
            Self::GherkinFeature => (0.95, "Gherkin 'Feature:' block"),
            Self::AttributedItem => {
                (0.65, "list item outside any Features/Requirements section with its own priority or criteria")
            }
            Self::LeadParagraph => (0.6, "paragraph opening with a bold name, one of several in its section"),
            Self::LooseTableRow => (
                0.65,
                "table row outside any Features/Requirements section, in a table with a name column and priority, dependency or criteria columns",
            ),
            Self::LooseRequirement => {
                (0.5, "bullet outside any Features/Requirements section that reads like a requirement")
            }
        }
    }
}

/// Feature or requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Feature,
    Requirement,
}

/// A dependency reference as written.
#[derive(Debug, Clone)]
pub(crate) struct DepRef {
    pub text: String,
    pub line: usize,
}

/// A feature or requirement under construction.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub kind: Kind,
    pub origin: Origin,
    pub id: Option<String>,
    pub title: String,
    pub description: Vec<String>,
    pub priority: Option<Priority>,
    pub inherited_priority: Option<Priority>,
    pub tags: Vec<String>,
    pub key_prefix: String,
    pub parent: Option<usize>,
    pub dep_refs: Vec<DepRef>,
    pub line: usize,
    pub from_story: bool,
    pub demoted: bool,
}

impl Draft {
    /// A requirement listed inside a feature: rendered into the feature's task, not its own.
    pub(crate) fn is_sub_requirement(&self) -> bool {
        self.kind == Kind::Requirement && self.origin == Origin::FeatureRequirement
    }
}

/// An acceptance criterion under construction.
#[derive(Debug, Clone)]
pub(crate) struct Crit {
    pub text: String,
    pub kind: CriterionKind,
    pub checked: Option<bool>,
    pub owner: Option<usize>,
    /// Title of the feature named by an Acceptance Criteria sub-heading, resolved later.
    pub feature_ref: Option<String>,
    pub line: usize,
}

/// A user story under construction.
#[derive(Debug, Clone)]
pub(crate) struct Story {
    pub parts: StoryParts,
    pub owner: Option<usize>,
    pub confidence: f64,
    pub line: usize,
}

/// A dependency stated in a Dependencies section: "<subject> depends on <refs>".
#[derive(Debug, Clone)]
pub(crate) struct GlobalDep {
    pub subject: String,
    pub refs: Vec<String>,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Container {
    #[default]
    None,
    Features,
    Requirements,
    UserStories,
    AcceptanceCriteria,
    Dependencies,
}

#[derive(Debug, Clone, Default)]
struct Ctx {
    container: Container,
    priority: Option<Priority>,
    tags: Vec<String>,
    key_prefix: String,
    feature_ref: Option<String>,
    parent: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Body,
    Description,
    Criteria,
    Stories,
    Deps,
    Requirements,
    Tags,
    Priority,
    Notes,
}

fn mode_for(label: Label) -> Mode {
    match label {
        Label::Priority => Mode::Priority,
        Label::Description => Mode::Description,
        Label::AcceptanceCriteria => Mode::Criteria,
        Label::UserStories => Mode::Stories,
        Label::Dependencies => Mode::Deps,
        Label::Requirements => Mode::Requirements,
        Label::Tags => Mode::Tags,
        Label::Notes => Mode::Notes,
    }
}

/// Everything read from the tree before keys, dependencies and confidence are settled.
pub(crate) struct Extraction {
    pub drafts: Vec<Draft>,
    pub crits: Vec<Crit>,
    pub stories: Vec<Story>,
    pub sections: Vec<SectionSummary>,
    pub global_deps: Vec<GlobalDep>,
    pub warnings: Vec<String>,
    pub title: Option<String>,
}

/// Reads the tree and settles keys, dependencies, confidence and task drafts.
pub(crate) fn extract(
    root: &Section,
    options: &ParseOptions,
    front_matter_title: Option<String>,
    warnings: Vec<String>,
) -> ParsedPrd {
    let mut ex = Extractor {
        out: Extraction {
            drafts: Vec::new(),
            crits: Vec::new(),
            stories: Vec::new(),
            sections: Vec::new(),
            global_deps: Vec::new(),
            warnings,
            title: front_matter_title,
        },
        title_taken: false,
    };
    let ctx = Ctx::default();
    ex.container_blocks(&root.blocks, &ctx);
    for child in &root.children {
        ex.walk(child, &ctx);
    }
    crate::resolve::finish(ex.out, options)
}

struct Extractor {
    out: Extraction,
    title_taken: bool,
}

/// Converts the internal story into the public type (owner key filled in by the caller).
pub(crate) fn public_story(story: &Story, feature_key: Option<String>) -> UserStory {
    UserStory {
        role: story.parts.role.clone(),
        goal: story.parts.goal.clone(),
        benefit: story.parts.benefit.clone(),
        text: story.parts.text.clone(),
        feature_key,
        confidence: story.confidence,
        source_line: story.line,
    }
}

/// Converts the internal criterion into the public type (owner key filled in by the caller).
pub(crate) fn public_criterion(crit: &Crit, feature_key: Option<String>) -> AcceptanceCriterion {
    AcceptanceCriterion {
        text: crit.text.clone(),
        kind: crit.kind,
        checked: crit.checked,
        feature_key,
        source_line: crit.line,
    }
}
