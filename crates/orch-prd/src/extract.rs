//! Interprets the section tree: which headings, list items and table rows are features or
//! requirements, what belongs to them, and how sure we are. See `docs/prd-format.md`.

use crate::text::{
    self, DEPENDENCY_TRIGGERS, Label, Priority, StoryParts, capitalise, classify_label, clean_title, done_when,
    gherkin_features, gherkin_scenarios, gherkin_step, is_given_when_then, is_requirement_statement, join_steps,
    metadata_pairs, normalise, parse_priority, parse_user_story, sentences, slug, split_id, split_inline_priority,
    split_issue_refs, split_label, split_numbering, split_references, truncate_words,
};
use crate::tree::{Block, Inline, Item, Section};
use crate::{AcceptanceCriterion, CriterionKind, ParseOptions, ParsedPrd, SectionKind, SectionSummary, UserStory};

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

enum SectionClass {
    NonFeature(SectionKind),
    Container(Container, Option<&'static str>),
    PriorityGroup(Priority),
    Other,
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

fn classify_section(title: &str) -> SectionClass {
    let n = normalise(title);
    let n = n.as_str();
    // Multi-word phrases and a few unambiguous words also match as a prefix ("Appendix A",
    // "Open questions for legal"); other single words must match exactly, so a feature
    // called "Background jobs" or "Team management" is not mistaken for a section.
    const PREFIX_WORDS: &[&str] = &["appendix", "goals", "non-goals", "risks", "glossary", "faq"];
    let starts =
        |p: &str| n == p || ((p.contains(' ') || PREFIX_WORDS.contains(&p)) && n.starts_with(&format!("{p} ")));
    let non_feature: &[(SectionKind, &[&str])] = &[
        (
            SectionKind::NonGoals,
            &[
                "non-goals",
                "non goals",
                "nongoals",
                "anti-goals",
                "no-goals",
                "nicht-ziele",
                "nichtziele",
                "non-objectifs",
                "hors objectifs",
                "no objetivos",
                "fuera de objetivos",
            ],
        ),
        (
            SectionKind::OutOfScope,
            &[
                "out of scope",
                "out-of-scope",
                "not in scope",
                "future work",
                "future scope",
                "future considerations",
                "future enhancements",
                "exclusions",
                "not doing",
                "not now",
                "later",
                "what we are not doing",
                "what we're not doing",
                "hors périmètre",
                "hors perimetre",
                "hors du périmètre",
                "hors champ",
                "fuera de alcance",
                "fuera del alcance",
                "nicht im umfang",
                "nicht enthalten",
                "außerhalb des umfangs",
            ],
        ),
        (
            SectionKind::Overview,
            &[
                "overview",
                "introduction",
                "intro",
                "summary",
                "executive summary",
                "purpose",
                "about",
                "tl dr",
                "tldr",
                "abstract",
                "product overview",
                "project overview",
                "vision",
                "product vision",
                "press release",
                "status of this memo",
                "copyright notice",
                "overall description",
                "product perspective",
                "operating environment",
                "document conventions",
                "intended audience",
                "zusammenfassung",
                "überblick",
                "einleitung",
                "einführung",
                "résumé",
                "synthèse",
                "aperçu",
                "présentation",
                "resumen",
                "introducción",
                "descripción general",
                "visión general",
            ],
        ),
        (
            SectionKind::Background,
            &[
                "background",
                "context",
                "problem",
                "problem statement",
                "the problem",
                "motivation",
                "why",
                "current state",
                "opportunity",
                "background and strategic fit",
                "context and scope",
                "hintergrund",
                "kontext",
                "ausgangslage",
                "problemstellung",
                "contexte",
                "problème",
                "contexto",
                "antecedentes",
                "problema",
            ],
        ),
        (
            SectionKind::Goals,
            &[
                "goals",
                "goal",
                "objectives",
                "goals and objectives",
                "success metrics",
                "metrics",
                "kpis",
                "key results",
                "okrs",
                "success measures",
                "ziele",
                "zielsetzung",
                "objectifs",
                "objetivos",
                "metas",
            ],
        ),
        (
            SectionKind::OpenQuestions,
            &[
                "open questions",
                "questions",
                "open issues",
                "unresolved questions",
                "faq",
                "tbd",
                "offene fragen",
                "questions ouvertes",
                "questions en suspens",
                "preguntas abiertas",
                "cuestiones abiertas",
            ],
        ),
        (
            SectionKind::Risks,
            &[
                "risks",
                "risk",
                "risks and mitigations",
                "mitigations",
                "assumptions",
                "constraints",
                "assumptions and constraints",
                "limitations",
                "security considerations",
                "privacy considerations",
                "iana considerations",
                "operational considerations",
                "considerations",
                "cross-cutting concerns",
                "alternatives considered",
                "alternatives",
                "rejected alternatives",
                "trade-offs",
                "tradeoffs",
                "drawbacks",
                "prior art",
                "risiken",
                "annahmen",
                "einschränkungen",
                "risques",
                "hypothèses",
                "contraintes",
                "riesgos",
                "supuestos",
                "restricciones",
            ],
        ),
        (
            SectionKind::Glossary,
            &[
                "glossary",
                "definitions",
                "terminology",
                "terms",
                "requirements language",
                "conventions and terminology",
                "notational conventions",
                "glossar",
                "begriffe",
                "glossaire",
                "glosario",
            ],
        ),
        (
            SectionKind::Appendix,
            &[
                "appendix",
                "appendices",
                "references",
                "resources",
                "links",
                "related documents",
                "attachments",
                "revision history",
                "changelog",
                "document history",
                "sign-off",
                "approvals",
                "activity",
                "comments",
                "normative references",
                "informative references",
                "acknowledgements",
                "acknowledgments",
                "user interaction and design",
                "mockups",
                "wireframes",
                "anhang",
                "annexe",
                "annexes",
                "références",
                "anexo",
                "referencias",
            ],
        ),
        (
            SectionKind::Stakeholders,
            &[
                "stakeholders",
                "team",
                "owners",
                "contacts",
                "personas",
                "user personas",
                "target users",
                "target audience",
                "audience",
                "roles",
                "beteiligte",
                "parties prenantes",
                "partes interesadas",
            ],
        ),
        (
            SectionKind::Timeline,
            &[
                "timeline",
                "milestones",
                "roadmap",
                "schedule",
                "release plan",
                "rollout",
                "rollout plan",
                "launch plan",
                "checklist",
                "launch checklist",
                "release checklist",
                "zeitplan",
                "meilensteine",
                "calendrier",
                "jalons",
                "planning",
                "cronograma",
                "hitos",
            ],
        ),
    ];
    for (kind, phrases) in non_feature {
        if phrases.iter().any(|p| starts(p)) {
            return SectionClass::NonFeature(*kind);
        }
    }
    let containers: &[(Container, &[&str])] = &[
        (
            Container::UserStories,
            &[
                "user stories",
                "stories",
                "use cases",
                "user scenarios",
                "jobs to be done",
                "jtbd",
                "histoires utilisateur",
                "historias de usuario",
            ],
        ),
        (
            Container::AcceptanceCriteria,
            &[
                "acceptance criteria",
                "definition of done",
                "acceptance tests",
                "akzeptanzkriterien",
                "critères d'acceptation",
                "criterios de aceptación",
            ],
        ),
        (
            Container::Dependencies,
            &[
                "dependencies",
                "task dependencies",
                "sequencing",
                "implementation order",
                "build order",
                "abhängigkeiten",
                "dépendances",
                "dependencias",
            ],
        ),
        (
            Container::Features,
            &[
                "features",
                "feature list",
                "key features",
                "core features",
                "product features",
                "capabilities",
                "functionality",
                "epics",
                "scope",
                "in scope",
                "mvp",
                "mvp scope",
                "deliverables",
                "modules",
                "tasks",
                "task list",
                "todo",
                "to do",
                "to-do",
                "work items",
                "sub-issues",
                "sub issues",
                "child issues",
                "subtasks",
                "sub-tasks",
                "work breakdown",
                "implementation plan",
                "issues in this epic",
                "stories in this epic",
                "issues in epic",
                "funktionen",
                "funktionsumfang",
                "fonctionnalités",
                "funcionalidades",
                "características",
            ],
        ),
        (
            Container::Requirements,
            &[
                "requirements",
                "specification",
                "specifications",
                "specs",
                "functional specification",
                "anforderungen",
                "funktionale anforderungen",
                "exigences",
                "exigences fonctionnelles",
                "requisitos",
                "requisitos funcionales",
            ],
        ),
    ];
    for (container, phrases) in containers {
        if phrases.iter().any(|p| starts(p)) {
            return SectionClass::Container(*container, None);
        }
    }
    if n.ends_with(" requirements") || n.ends_with(" requirement") || n.ends_with("anforderungen") {
        let tag = if n.contains("non-functional")
            || n.contains("non functional")
            || n.contains("nonfunctional")
            || n.contains("nfr")
        {
            Some("non-functional")
        } else if n.contains("security") {
            Some("security")
        } else if n.contains("performance") {
            Some("performance")
        } else {
            None
        };
        return SectionClass::Container(Container::Requirements, tag);
    }
    if n.ends_with(" features") {
        return SectionClass::Container(Container::Features, None);
    }
    if n.ends_with(" user stories") || n.ends_with(" stories") {
        return SectionClass::Container(Container::UserStories, None);
    }
    if n.split_whitespace().count() <= 4
        && let Some(p) = parse_priority(title)
    {
        return SectionClass::PriorityGroup(p);
    }
    SectionClass::Other
}

/// Exact container words that make a level-1 heading a container rather than the title.
fn is_exact_container(title: &str) -> bool {
    matches!(
        normalise(title).as_str(),
        "features" | "requirements" | "user stories" | "acceptance criteria" | "dependencies"
    )
}

/// Splits an item's text into a title and a description.
fn split_item_title(inline: &Inline) -> (String, String) {
    let text = inline.text.as_str();
    let sep_trim =
        |s: &str| s.trim_start_matches(|c: char| c.is_whitespace() || ":-–—|".contains(c)).trim().to_string();
    if let Some(lead) = &inline.lead
        && let Some(rest) = text.strip_prefix(lead.as_str())
    {
        return (lead.trim_end_matches([':', '.']).trim().to_string(), sep_trim(rest));
    }
    for sep in [": ", " - ", " — ", " – "] {
        if let Some(pos) = text.find(sep)
            && pos <= 80
            && text[..pos].split_whitespace().count() <= 8
        {
            return (text[..pos].trim().to_string(), sep_trim(&text[pos..]));
        }
    }
    if text.chars().count() <= 100 {
        return (text.trim_end_matches(['.', ':']).to_string(), String::new());
    }
    let first_sentence = text.split(". ").next().unwrap_or(text);
    (truncate_words(first_sentence, 80), text.to_string())
}

fn looks_like_requirement(text: &str) -> bool {
    if text.chars().count() < 12 {
        return false;
    }
    if split_id(text).0.is_some_and(|id| id.chars().any(|c| c.is_ascii_alphabetic())) {
        return true;
    }
    let words = normalise(text);
    let padded = format!(" {words} ");
    [" shall ", " must ", " needs to ", " has to ", " is required to ", " should "].iter().any(|w| padded.contains(w))
}

impl Extractor {
    fn walk(&mut self, sec: &Section, ctx: &Ctx) {
        let (clean, explicit) = clean_title(&sec.title);
        let (title, inline_priority) = split_inline_priority(&clean);
        // The first level-1 heading names the document unless it is a bare container word.
        if !self.title_taken && sec.level == 1 && !is_exact_container(&title) {
            self.title_taken = true;
            let section_word = matches!(classify_section(&title), SectionClass::NonFeature(_))
                && normalise(&title).split_whitespace().count() <= 2;
            if !section_word {
                if self.out.title.is_none() {
                    self.out.title = Some(sec.title.trim().to_string());
                }
                self.container_blocks(&sec.blocks, ctx);
                for child in &sec.children {
                    self.walk(child, ctx);
                }
                return;
            }
        }
        let class = if explicit { SectionClass::Other } else { classify_section(&title) };
        match class {
            SectionClass::NonFeature(kind) => {
                self.out.sections.push(SectionSummary {
                    kind,
                    title: sec.title.trim().to_string(),
                    level: sec.level,
                    summary: section_summary(sec),
                    source_line: sec.line,
                });
                self.stories_only(sec);
            }
            SectionClass::Container(container, tag) => {
                let mut inner = ctx.clone();
                inner.container = container;
                inner.feature_ref = None;
                if let Some(tag) = tag {
                    push_unique(&mut inner.tags, tag.to_string());
                }
                if inline_priority.is_some() {
                    inner.priority = inline_priority;
                }
                self.container_blocks(&sec.blocks, &inner);
                for child in &sec.children {
                    self.walk(child, &inner);
                }
            }
            SectionClass::PriorityGroup(priority) => {
                let mut inner = ctx.clone();
                inner.priority = Some(priority);
                if inner.container == Container::None {
                    inner.container = Container::Features;
                }
                self.container_blocks(&sec.blocks, &inner);
                for child in &sec.children {
                    self.walk(child, &inner);
                }
            }
            SectionClass::Other => self.candidate(sec, title, inline_priority, explicit, ctx),
        }
    }

    fn candidate(
        &mut self,
        sec: &Section,
        title: String,
        inline_priority: Option<Priority>,
        explicit: bool,
        ctx: &Ctx,
    ) {
        match ctx.container {
            Container::AcceptanceCriteria => {
                let mut inner = ctx.clone();
                inner.feature_ref = Some(title);
                self.container_blocks(&sec.blocks, &inner);
                for child in &sec.children {
                    self.walk(child, &inner);
                }
                return;
            }
            Container::Dependencies => {
                self.container_blocks(&sec.blocks, ctx);
                for child in &sec.children {
                    self.walk(child, ctx);
                }
                return;
            }
            _ => {}
        }
        // A question ("What do we need to build for launch?") is never a feature itself; its
        // content is read like an unnamed section, so attributed items in it still count.
        if !explicit && title.trim_end().ends_with('?') && ctx.parent.is_none() {
            let mut inner = ctx.clone();
            if matches!(inner.container, Container::Features | Container::Requirements | Container::UserStories) {
                inner.container = Container::None;
            }
            self.container_blocks(&sec.blocks, &inner);
            for child in &sec.children {
                self.walk(child, &inner);
            }
            return;
        }
        let signals = has_signals(sec);
        // Several paragraphs opening with a bold name ("**Metering.** Every job …") list the
        // features of a prose section, like bullets would.
        if !explicit
            && inline_priority.is_none()
            && ctx.parent.is_none()
            && ctx.container == Container::None
            && lead_paragraphs(&sec.blocks) >= 2
        {
            self.group(sec, &title, ctx);
            return;
        }
        let has_candidate_children = sec.children.iter().any(is_candidate_heading);
        if !explicit && inline_priority.is_none() && !signals && has_candidate_children {
            self.group(sec, &title, ctx);
            return;
        }
        let origin = if explicit {
            Origin::ExplicitFeatureHeading
        } else if ctx.parent.is_some() {
            Origin::NestedHeading
        } else {
            match ctx.container {
                Container::Features => Origin::FeatureHeading,
                Container::UserStories => Origin::StoryHeading,
                Container::Requirements => {
                    if !signals && blocks_have_list(&sec.blocks) {
                        self.group(sec, &title, ctx);
                        return;
                    }
                    Origin::RequirementHeading
                }
                // An unknown section: a feature candidate whose confidence says how sure we are;
                // content that reads as requirements is evidence that it is one.
                _ if signals || blocks_have_requirement_statements(&sec.blocks) => Origin::ContentHeading,
                _ => Origin::LooseHeading,
            }
        };
        let kind = if matches!(origin, Origin::RequirementHeading) { Kind::Requirement } else { Kind::Feature };
        let (id, title) = match split_id(&title) {
            (Some(id), rest) => (Some(id), rest.to_string()),
            (None, _) => (None, title),
        };
        let idx = self.new_draft(kind, origin, id, title, sec.line, ctx);
        self.out.drafts[idx].priority = inline_priority;
        self.out.drafts[idx].from_story = origin == Origin::StoryHeading;
        self.absorb_blocks(idx, &sec.blocks, Mode::Body);
        for child in &sec.children {
            self.feature_child(idx, child, ctx);
        }
    }

    /// A heading that groups features: its title becomes a tag and a key prefix.
    fn group(&mut self, sec: &Section, title: &str, ctx: &Ctx) {
        let mut inner = ctx.clone();
        let tag = slug(title);
        inner.key_prefix = format!("{}{tag}/", ctx.key_prefix);
        push_unique(&mut inner.tags, tag);
        self.container_blocks(&sec.blocks, &inner);
        for child in &sec.children {
            self.walk(child, &inner);
        }
    }

    /// A sub-heading of a feature: an attribute section, a nested feature, or more description.
    fn feature_child(&mut self, owner: usize, child: &Section, ctx: &Ctx) {
        let (clean, _) = clean_title(&child.title);
        if let Some(label) = classify_label(&clean) {
            let mode = mode_for(label);
            if mode == Mode::Notes {
                self.out.drafts[owner].description.push(clean.clone());
            }
            self.absorb_section(owner, child, mode);
            return;
        }
        if let SectionClass::NonFeature(kind) = classify_section(&clean) {
            self.out.sections.push(SectionSummary {
                kind,
                title: child.title.trim().to_string(),
                level: child.level,
                summary: section_summary(child),
                source_line: child.line,
            });
            self.stories_only(child);
            return;
        }
        let (_, inline_priority) = split_inline_priority(&clean);
        if has_signals(child) || inline_priority.is_some() {
            let mut inner = ctx.clone();
            inner.parent = Some(owner);
            inner.container = match self.out.drafts[owner].kind {
                Kind::Feature => Container::Features,
                Kind::Requirement => Container::Requirements,
            };
            self.walk(child, &inner);
        } else {
            self.out.drafts[owner].description.push(clean);
            self.absorb_section(owner, child, Mode::Body);
        }
    }

    fn absorb_section(&mut self, owner: usize, sec: &Section, mode: Mode) {
        self.absorb_blocks(owner, &sec.blocks, mode);
        for child in &sec.children {
            self.absorb_section(owner, child, mode);
        }
    }

    fn new_draft(
        &mut self,
        kind: Kind,
        origin: Origin,
        id: Option<String>,
        title: String,
        line: usize,
        ctx: &Ctx,
    ) -> usize {
        self.out.drafts.push(Draft {
            kind,
            origin,
            id,
            title,
            description: Vec::new(),
            priority: None,
            inherited_priority: ctx.priority.clone(),
            tags: ctx.tags.clone(),
            key_prefix: ctx.key_prefix.clone(),
            parent: ctx.parent,
            dep_refs: Vec::new(),
            line,
            from_story: false,
            demoted: false,
        });
        self.out.drafts.len() - 1
    }

    /// Creates a feature/requirement from a list item and reads its nested content.
    fn item_draft(&mut self, kind: Kind, origin: Origin, item: &Item, ctx: &Ctx) -> Option<usize> {
        if item.inline.text.is_empty() {
            return None;
        }
        let story = parse_user_story(&item.inline.text);
        let (ref_text, issue_id, issue_deps) = split_issue_refs(&item.inline.text);
        let item_inline = Inline {
            lead: item.inline.lead.clone().filter(|l| ref_text.starts_with(l.as_str())),
            lines: vec![ref_text.clone()],
            text: ref_text,
        };
        let (id, inline) = match split_id(&item_inline.text) {
            (Some(id), rest) => (
                Some(id),
                Inline {
                    text: rest.to_string(),
                    lead: item_inline.lead.clone().filter(|l| rest.starts_with(l.as_str())),
                    lines: vec![rest.to_string()],
                },
            ),
            (None, _) => (issue_id, item_inline.clone()),
        };
        let (title, description) = match (&story, origin) {
            (Some(s), Origin::StoryListItem) => (story_title(s), String::new()),
            // A task-list item ("- [ ] Docs: writing your first plugin") is a task title as written.
            _ if item.checked.is_some() && inline.lead.is_none() && inline.text.chars().count() <= 100 => {
                (inline.text.trim_end_matches('.').to_string(), String::new())
            }
            _ => split_item_title(&inline),
        };
        let (title, inline_priority) = split_inline_priority(&title);
        let idx = self.new_draft(kind, origin, id, title, item.line, ctx);
        self.out.drafts[idx].priority = inline_priority;
        self.out.drafts[idx].from_story = origin == Origin::StoryListItem;
        for dep in issue_deps {
            self.out.drafts[idx].dep_refs.push(DepRef { text: dep, line: item.line });
        }
        if let Some(parts) = story {
            self.add_story(Some(idx), parts, 0.0, item.line);
        } else if !description.is_empty() {
            let inline = Inline { lines: vec![description.clone()], text: description, lead: None };
            self.absorb_text(idx, &inline, item.line, Mode::Body);
        }
        self.absorb_blocks(idx, &item.children, Mode::Body);
        Some(idx)
    }

    /// Blocks directly inside a container section (not inside a feature).
    fn container_blocks(&mut self, blocks: &[Block], ctx: &Ctx) {
        let owner = ctx.parent;
        let leads_are_items =
            matches!(ctx.container, Container::None | Container::Features) && lead_paragraphs(blocks) >= 2;
        for block in blocks {
            match block {
                Block::Paragraph { inline, line } if leads_are_items && is_lead_paragraph(inline) => {
                    let item = Item { inline: inline.clone(), checked: None, line: *line, children: Vec::new() };
                    let origin = if ctx.container == Container::Features {
                        Origin::FeatureListItem
                    } else {
                        Origin::LeadParagraph
                    };
                    self.item_draft(Kind::Feature, origin, &item, ctx);
                }
                Block::Paragraph { inline, line } => self.container_paragraph(inline, *line, ctx),
                Block::List { ordered, items } => {
                    if ctx.container == Container::AcceptanceCriteria {
                        self.criteria_list(None, items, ctx.feature_ref.as_deref());
                        continue;
                    }
                    for item in items {
                        self.container_item(item, *ordered, ctx);
                    }
                }
                Block::Table { header, rows, line } => self.container_table(header, rows, *line, ctx),
                Block::Code { lang, text, line } => {
                    let features = if owner.is_none() && ctx.container != Container::AcceptanceCriteria {
                        gherkin_features(text)
                    } else {
                        Vec::new()
                    };
                    if !features.is_empty() && is_gherkin(lang, text) {
                        for f in features {
                            self.gherkin_feature(f, *line, ctx);
                        }
                    } else if ctx.container == Container::AcceptanceCriteria || is_gherkin(lang, text) {
                        self.gherkin(owner, text, *line, ctx.feature_ref.as_deref());
                    }
                }
            }
        }
    }

    /// A Gherkin `Feature:` block outside any feature: a feature with its tags, narrative
    /// story and one criterion per scenario.
    fn gherkin_feature(&mut self, f: text::GherkinFeature, block_line: usize, ctx: &Ctx) {
        let line = block_line + 1 + f.offset;
        let idx = self.new_draft(Kind::Feature, Origin::GherkinFeature, None, f.title.clone(), line, ctx);
        for tag in &f.tags {
            match parse_priority(tag) {
                Some(p) if self.out.drafts[idx].priority.is_none() => self.out.drafts[idx].priority = Some(p),
                _ => push_unique(&mut self.out.drafts[idx].tags, slug(tag)),
            }
        }
        let narrative = f.narrative.join(" ");
        match parse_user_story(&narrative) {
            Some(mut parts) => {
                let lower = narrative.to_lowercase();
                if parts.benefit.is_none()
                    && let Some(rest) = lower.strip_prefix("in order to ")
                    && let Some(end) = rest.find(" as ")
                {
                    let start = "in order to ".len();
                    parts.benefit = narrative.get(start..start + end).map(|b| b.trim().to_string());
                    parts.text = narrative.clone();
                }
                self.add_story(Some(idx), parts, 0.0, line);
            }
            None => {
                for l in &f.narrative {
                    self.out.drafts[idx].description.push(l.clone());
                }
            }
        }
        for scenario in f.scenarios {
            self.add_crit(Some(idx), &scenario, CriterionKind::GivenWhenThen, None, line, None);
        }
    }

    fn container_paragraph(&mut self, inline: &Inline, line: usize, ctx: &Ctx) {
        let text = &inline.text;
        match ctx.container {
            Container::AcceptanceCriteria => {
                if is_given_when_then(text) {
                    self.add_crit(None, text, CriterionKind::GivenWhenThen, None, line, ctx.feature_ref.as_deref());
                }
                return;
            }
            Container::Dependencies => {
                self.global_dep(text, line);
                return;
            }
            Container::Requirements => {
                if split_id(text).0.is_some_and(|id| id.chars().any(|c| c.is_ascii_alphabetic())) {
                    let item = Item { inline: inline.clone(), checked: None, line, children: Vec::new() };
                    self.item_draft(Kind::Requirement, Origin::RequirementParagraph, &item, ctx);
                    return;
                }
                // SRS style: "5.1.1 The system shall …", one numbered statement per line.
                let numbered: Vec<&str> = inline
                    .lines
                    .iter()
                    .map(|l| split_numbering(l))
                    .filter(|(n, rest)| n.is_some() && is_requirement_statement(rest))
                    .map(|(_, rest)| rest)
                    .collect();
                if !numbered.is_empty() {
                    for (k, statement) in numbered.into_iter().enumerate() {
                        let item = Item {
                            inline: Inline {
                                text: statement.to_string(),
                                lead: None,
                                lines: vec![statement.to_string()],
                            },
                            checked: None,
                            line: line + k,
                            children: Vec::new(),
                        };
                        self.item_draft(Kind::Requirement, Origin::RequirementParagraph, &item, ctx);
                    }
                    return;
                }
            }
            Container::UserStories => {
                if let Some(parts) = parse_user_story(text) {
                    let idx =
                        self.new_draft(Kind::Feature, Origin::StoryListItem, None, story_title(&parts), line, ctx);
                    self.out.drafts[idx].from_story = true;
                    self.add_story(Some(idx), parts, 0.0, line);
                    return;
                }
            }
            Container::Features | Container::None => {}
        }
        if let Some(parts) = parse_user_story(text) {
            self.add_story(ctx.parent, parts, 0.0, line);
        }
    }

    fn container_item(&mut self, item: &Item, ordered: bool, ctx: &Ctx) {
        let text = &item.inline.text;
        match ctx.container {
            Container::Features => {
                if split_label(text).is_some_and(|(l, _)| classify_label(l).is_some()) {
                    return;
                }
                self.item_draft(Kind::Feature, Origin::FeatureListItem, item, ctx);
            }
            Container::Requirements => {
                if split_label(text).is_some_and(|(l, _)| classify_label(l).is_some()) {
                    return;
                }
                let origin = if ordered { Origin::RequirementOrdered } else { Origin::RequirementBullet };
                self.item_draft(Kind::Requirement, origin, item, ctx);
            }
            Container::UserStories => {
                if parse_user_story(text).is_some() {
                    self.item_draft(Kind::Feature, Origin::StoryListItem, item, ctx);
                } else {
                    self.stories_in_blocks(&item.children, None);
                }
            }
            Container::Dependencies => {
                self.global_dep(text, item.line);
                for child in &item.children {
                    if let Block::List { items, .. } = child {
                        for sub in items {
                            self.global_dep(&sub.inline.text, sub.line);
                        }
                    }
                }
            }
            Container::AcceptanceCriteria => {}
            Container::None => {
                if item_has_attributes(item) {
                    self.item_draft(Kind::Feature, Origin::AttributedItem, item, ctx);
                } else if looks_like_requirement(text) {
                    self.item_draft(Kind::Requirement, Origin::LooseRequirement, item, ctx);
                } else {
                    if let Some(parts) = parse_user_story(text) {
                        self.add_story(None, parts, 0.0, item.line);
                    }
                    self.stories_in_blocks(&item.children, None);
                }
            }
        }
    }

    fn container_table(&mut self, header: &[String], rows: &[Vec<String>], line: usize, ctx: &Ctx) {
        let cols = TableCols::new(header);
        if ctx.container == Container::Dependencies {
            self.dependency_table(&cols, rows, line);
            return;
        }
        for row in rows {
            let cell =
                |i: Option<usize>| i.and_then(|i| row.get(i)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            let story = self.row_story(&cols, row);
            let (kind, origin) = match ctx.container {
                Container::Features => (Kind::Feature, Origin::FeatureTableRow),
                Container::Requirements => (Kind::Requirement, Origin::RequirementTableRow),
                Container::UserStories if story.is_some() => (Kind::Feature, Origin::StoryTableRow),
                Container::None if cols.name.is_some() && cols.has_attribute_column() => {
                    (Kind::Feature, Origin::LooseTableRow)
                }
                _ => {
                    if let Some((parts, conf)) = story {
                        self.add_story(ctx.parent, parts, conf, line);
                    }
                    continue;
                }
            };
            let title = cell(cols.name)
                .or_else(|| story.as_ref().map(|(s, _)| story_title(s)))
                .or_else(|| cell(cols.description).map(|d| truncate_words(&d, 80)));
            let Some(title) = title else {
                continue;
            };
            let (id, title) = match (cell(cols.id), split_id(&title)) {
                (Some(id), _) => (Some(id), title.clone()),
                (None, (Some(id), rest)) => (Some(id), rest.to_string()),
                (None, (None, _)) => (None, title.clone()),
            };
            let idx = self.new_draft(kind, origin, id, title, line, ctx);
            self.out.drafts[idx].from_story = origin == Origin::StoryTableRow;
            if let Some(desc) = cell(cols.description)
                && cols.name.is_some()
            {
                self.out.drafts[idx].description.push(desc);
            }
            if let Some(p) = cell(cols.priority) {
                self.set_priority(idx, &p, line);
            }
            if let Some(deps) = cell(cols.deps) {
                self.add_dep_refs(idx, &deps, line);
            }
            if let Some(ac) = cell(cols.criteria) {
                for part in ac.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    let kind =
                        if is_given_when_then(part) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                    self.add_crit(Some(idx), part, kind, None, line, None);
                }
            }
            if let Some((parts, conf)) = story {
                self.add_story(Some(idx), parts, conf, line);
            }
        }
    }

    /// A table under a Dependencies heading: | Feature | Depends on |, one row per item.
    fn dependency_table(&mut self, cols: &TableCols, rows: &[Vec<String>], line: usize) {
        let Some(deps_col) = cols.deps else {
            for row in rows {
                for cell in row {
                    self.global_dep(cell, line);
                }
            }
            return;
        };
        let subject_col = cols.name.or(cols.id).unwrap_or(if deps_col == 0 { 1 } else { 0 });
        for (k, row) in rows.iter().enumerate() {
            let (Some(subject), Some(deps)) = (row.get(subject_col), row.get(deps_col)) else {
                continue;
            };
            let refs = split_references(deps);
            if !subject.trim().is_empty() && !refs.is_empty() {
                let subject = subject.trim().to_string();
                self.out.global_deps.push(GlobalDep { subject, refs, line: line + 2 + k });
            }
        }
    }

    /// A user story from a table row: role/goal/benefit columns, or a cell with a full story.
    fn row_story(&self, cols: &TableCols, row: &[String]) -> Option<(StoryParts, f64)> {
        let cell =
            |i: Option<usize>| i.and_then(|i| row.get(i)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if let (Some(role), Some(goal)) = (cell(cols.role), cell(cols.goal)) {
            let strip = |s: &str, prefixes: &[&str]| {
                let lower = s.to_ascii_lowercase();
                prefixes
                    .iter()
                    .find_map(|p| lower.starts_with(p).then(|| s[p.len()..].trim().to_string()))
                    .unwrap_or_else(|| s.to_string())
            };
            let role = strip(&role, &["as an ", "as a ", "as the "]);
            let goal = strip(&goal, &["i want to ", "i want ", "i need to ", "to "]);
            let benefit = cell(cols.benefit).map(|b| strip(&b, &["so that ", "so "]));
            let text = match &benefit {
                Some(b) => format!("As a {role}, I want to {goal} so that {b}"),
                None => format!("As a {role}, I want to {goal}"),
            };
            return Some((StoryParts { role, goal, benefit, text }, 0.9));
        }
        row.iter().find_map(|c| parse_user_story(c).map(|s| (s, 0.0)))
    }

    /// Content of a feature/requirement body.
    fn absorb_blocks(&mut self, owner: usize, blocks: &[Block], mode: Mode) {
        let mut pending: Option<Mode> = None;
        for block in blocks {
            match block {
                Block::Paragraph { inline, line } => {
                    pending = self.absorb_text(owner, inline, *line, mode);
                }
                Block::List { items, ordered } => {
                    let list_mode = pending.take().unwrap_or(mode);
                    self.absorb_list(owner, items, *ordered, list_mode);
                }
                Block::Table { header, rows, line } => {
                    pending = None;
                    self.absorb_table(owner, header, rows, *line, mode);
                }
                Block::Code { lang, text, line } => {
                    pending = None;
                    if mode == Mode::Criteria || is_gherkin(lang, text) {
                        self.gherkin(Some(owner), text, *line, None);
                    }
                }
            }
        }
    }

    /// One paragraph (or item text) of a body; returns the mode for a following list.
    fn absorb_text(&mut self, owner: usize, inline: &Inline, line: usize, mode: Mode) -> Option<Mode> {
        let text = inline.text.as_str();
        if matches!(mode, Mode::Body | Mode::Description | Mode::Notes) {
            // A label on its own ("**Acceptance criteria**", "Done when:") introduces the next list.
            if let Some(kind) = label_only(text) {
                return Some(mode_for(kind));
            }
            // Lines written without blank lines between them ("Priority: High" then "Depends on: X",
            // or "3.1.1 The system shall …" lines); wrapped prose stays one text.
            let groups = line_groups(&inline.lines);
            if groups.len() > 1 {
                let mut pending = None;
                for (offset, text) in groups {
                    pending = self.absorb_line(owner, &text, line + offset, mode);
                }
                return pending;
            }
        }
        self.absorb_line(owner, text, line, mode)
    }

    /// One line of a body: a metadata line, a `Label: value`, or prose read sentence by sentence.
    fn absorb_line(&mut self, owner: usize, text: &str, line: usize, mode: Mode) -> Option<Mode> {
        if matches!(mode, Mode::Body | Mode::Description | Mode::Notes) {
            if let Some(pairs) = metadata_pairs(text)
                && pairs.iter().any(|(l, _)| classify_label(l).is_some())
            {
                for (label, value) in pairs {
                    match classify_label(label) {
                        Some(Label::Notes) | None => {}
                        Some(kind) => self.apply_label(owner, kind, label, value, line),
                    }
                }
                return None;
            }
            if let Some((label, value)) = split_label(text)
                && let Some(kind) = classify_label(label)
            {
                if kind == Label::Priority && sentences(value).len() > 1 {
                    // "Priority: High. Depends on: X." — the label covers its own sentence only.
                } else {
                    self.apply_label(owner, kind, label, value, line);
                    return Some(mode_for(kind)).filter(|m| *m != Mode::Priority || value.is_empty());
                }
            }
        }
        match mode {
            Mode::Priority => {
                self.set_priority(owner, text, line);
                return None;
            }
            Mode::Deps => {
                self.add_dep_refs(owner, text, line);
                return None;
            }
            Mode::Tags => {
                self.add_tags(owner, text);
                return None;
            }
            _ => {}
        }
        if is_given_when_then(text) && parse_user_story(text).is_none() {
            self.add_crit(Some(owner), text, CriterionKind::GivenWhenThen, None, line, None);
            return None;
        }
        match mode {
            Mode::Criteria => {
                if let Some(parts) = parse_user_story(text) {
                    self.add_story(Some(owner), parts, 0.0, line);
                } else if !text.ends_with(':') {
                    self.add_crit(Some(owner), text, CriterionKind::Bullet, None, line, None);
                }
            }
            Mode::Requirements => {
                if let Some(parts) = parse_user_story(text) {
                    self.add_story(Some(owner), parts, 0.0, line);
                    return None;
                }
                let item = Item {
                    inline: Inline { text: text.to_string(), lead: None, lines: vec![text.to_string()] },
                    checked: None,
                    line,
                    children: Vec::new(),
                };
                self.sub_requirement(owner, &item);
            }
            _ => {
                if text.ends_with(':') && text.split_whitespace().count() <= 6 {
                    return None;
                }
                self.absorb_prose(owner, text, line, mode);
            }
        }
        None
    }

    /// Prose of a body, sentence by sentence: stories, "done when" criteria, normative
    /// statements and inline `Label: value` sentences are taken out; the rest is description.
    fn absorb_prose(&mut self, owner: usize, text: &str, line: usize, mode: Mode) {
        let mut plain: Vec<&str> = Vec::new();
        let parts = sentences(text);
        for sentence in &parts {
            if let Some(parts) = parse_user_story(sentence) {
                self.add_story(Some(owner), parts, 0.0, line);
                continue;
            }
            if let Some(criterion) = done_when(sentence) {
                let criterion = criterion.trim_end_matches('.');
                self.add_crit(Some(owner), criterion, CriterionKind::Bullet, None, line, None);
                continue;
            }
            if parts.len() > 1
                && matches!(mode, Mode::Body | Mode::Description | Mode::Notes)
                && let Some((label, value)) = split_label(sentence)
                && let Some(kind) = classify_label(label)
                && kind != Label::Notes
            {
                self.apply_label(owner, kind, label, value.trim_end_matches('.'), line);
                continue;
            }
            let (number, rest) = split_numbering(sentence);
            if mode == Mode::Body && is_requirement_statement(rest) && (number.is_some() || parts.len() == 1) {
                self.add_crit(Some(owner), rest, CriterionKind::Bullet, None, line, None);
                continue;
            }
            plain.push(sentence);
        }
        if !plain.is_empty() {
            self.out.drafts[owner].description.push(plain.join(" "));
        }
    }

    fn apply_label(&mut self, owner: usize, label: Label, raw: &str, value: &str, line: usize) {
        if value.is_empty() {
            return;
        }
        match label {
            Label::Priority => self.set_priority(owner, value, line),
            Label::Description => self.out.drafts[owner].description.push(value.to_string()),
            Label::AcceptanceCriteria => {
                let kind = if is_given_when_then(value) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                self.add_crit(Some(owner), value, kind, None, line, None);
            }
            Label::UserStories => {
                if let Some(parts) = parse_user_story(value) {
                    self.add_story(Some(owner), parts, 0.0, line);
                }
            }
            Label::Dependencies => self.add_dep_refs(owner, value, line),
            Label::Requirements => self.out.drafts[owner].description.push(value.to_string()),
            Label::Tags => self.add_tags(owner, value),
            Label::Notes => self.out.drafts[owner].description.push(format!("{raw}: {value}")),
        }
    }

    fn absorb_list(&mut self, owner: usize, items: &[Item], ordered: bool, mode: Mode) {
        let mut i = 0;
        while i < items.len() {
            if let Some(end) = self.gherkin_run(Some(owner), items, i, mode, None) {
                i = end;
                continue;
            }
            self.absorb_item(owner, &items[i], ordered, mode);
            i += 1;
        }
    }

    /// Consecutive "Given …" / "When …" / "Then …" / "And …" items become one criterion.
    fn gherkin_run(
        &mut self,
        owner: Option<usize>,
        items: &[Item],
        start: usize,
        mode: Mode,
        feature_ref: Option<&str>,
    ) -> Option<usize> {
        if matches!(mode, Mode::Deps | Mode::Tags | Mode::Priority) {
            return None;
        }
        let first = items.get(start)?;
        if !matches!(gherkin_step(&first.inline.text), Some("given" | "when")) || is_given_when_then(&first.inline.text)
        {
            return None;
        }
        let mut steps = Vec::new();
        let mut saw_then = false;
        let mut end = start;
        while let Some(item) = items.get(end) {
            let Some(step) = gherkin_step(&item.inline.text) else {
                break;
            };
            if step == "given" && saw_then {
                break;
            }
            saw_then |= step == "then";
            steps.push(item.inline.text.clone());
            end += 1;
        }
        if !saw_then {
            return None;
        }
        let text = join_steps(&steps);
        self.add_crit(owner, &text, CriterionKind::GivenWhenThen, None, first.line, feature_ref);
        Some(end)
    }

    fn absorb_item(&mut self, owner: usize, item: &Item, ordered: bool, mode: Mode) {
        let text = item.inline.text.as_str();
        if matches!(mode, Mode::Body | Mode::Description | Mode::Notes)
            && let Some((label, value)) = split_label(text)
            && let Some(kind) = classify_label(label)
        {
            self.apply_label(owner, kind, label, value, item.line);
            self.absorb_blocks(owner, &item.children, mode_for(kind));
            return;
        }
        if item.checked.is_some() && !matches!(mode, Mode::Deps | Mode::Tags | Mode::Priority) {
            self.add_crit(Some(owner), text, CriterionKind::Checkbox, item.checked, item.line, None);
            self.absorb_blocks(owner, &item.children, Mode::Criteria);
            return;
        }
        match mode {
            Mode::Criteria => {
                let kind = if is_given_when_then(text) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                if !text.is_empty() {
                    self.add_crit(Some(owner), text, kind, None, item.line, None);
                }
                self.absorb_blocks(owner, &item.children, Mode::Criteria);
                return;
            }
            Mode::Deps | Mode::Tags | Mode::Priority => {
                self.absorb_text(owner, &item.inline, item.line, mode);
                self.absorb_blocks(owner, &item.children, mode);
                return;
            }
            Mode::Requirements => {
                self.sub_requirement(owner, item);
                return;
            }
            Mode::Body | Mode::Description | Mode::Stories | Mode::Notes => {}
        }
        if let Some(parts) = parse_user_story(text) {
            self.add_story(Some(owner), parts, 0.0, item.line);
        } else if is_given_when_then(text) {
            self.add_crit(Some(owner), text, CriterionKind::GivenWhenThen, None, item.line, None);
        } else if mode == Mode::Body && is_requirement_statement(text) {
            // "- The server MUST reject …": a normative statement is something to verify.
            self.add_crit(Some(owner), text, CriterionKind::Bullet, None, item.line, None);
        } else if !text.is_empty() {
            let marker = if ordered { "1." } else { "-" };
            self.out.drafts[owner].description.push(format!("{marker} {text}"));
        }
        self.absorb_blocks(owner, &item.children, mode);
    }

    fn sub_requirement(&mut self, owner: usize, item: &Item) {
        let ctx = Ctx {
            container: Container::Requirements,
            priority: None,
            tags: Vec::new(),
            key_prefix: String::new(),
            feature_ref: None,
            parent: Some(owner),
        };
        self.item_draft(Kind::Requirement, Origin::FeatureRequirement, item, &ctx);
    }

    fn absorb_table(&mut self, owner: usize, header: &[String], rows: &[Vec<String>], line: usize, mode: Mode) {
        let cols = TableCols::new(header);
        for row in rows {
            if let Some((parts, conf)) = self.row_story(&cols, row) {
                self.add_story(Some(owner), parts, conf, line);
            }
            let criterion = cols
                .criteria
                .or(if mode == Mode::Criteria { Some(0) } else { None })
                .and_then(|i| row.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty());
            if let Some(text) = criterion {
                let kind = if is_given_when_then(text) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                self.add_crit(Some(owner), text, kind, None, line, None);
            }
        }
    }

    fn gherkin(&mut self, owner: Option<usize>, code: &str, line: usize, feature_ref: Option<&str>) {
        for scenario in gherkin_scenarios(code) {
            self.add_crit(owner, &scenario, CriterionKind::GivenWhenThen, None, line, feature_ref);
        }
    }

    fn criteria_list(&mut self, owner: Option<usize>, items: &[Item], feature_ref: Option<&str>) {
        let mut i = 0;
        while i < items.len() {
            if let Some(end) = self.gherkin_run(owner, items, i, Mode::Criteria, feature_ref) {
                i = end;
                continue;
            }
            let item = &items[i];
            let text = &item.inline.text;
            let kind = if item.checked.is_some() {
                CriterionKind::Checkbox
            } else if is_given_when_then(text) {
                CriterionKind::GivenWhenThen
            } else {
                CriterionKind::Bullet
            };
            if !text.is_empty() {
                self.add_crit(owner, text, kind, item.checked, item.line, feature_ref);
            }
            for child in &item.children {
                if let Block::List { items: sub, .. } = child {
                    self.criteria_list(owner, sub, feature_ref);
                }
            }
            i += 1;
        }
    }

    fn set_priority(&mut self, owner: usize, value: &str, line: usize) {
        match text::parse_priority(value) {
            Some(p) => self.out.drafts[owner].priority = Some(p),
            None => self.out.warnings.push(format!(
                "line {line}: priority '{value}' of '{}' not recognised; use critical/high/medium/low, P0-P3 or MoSCoW (must/should/could/won't); medium (2) assumed",
                self.out.drafts[owner].title
            )),
        }
    }

    fn add_dep_refs(&mut self, owner: usize, value: &str, line: usize) {
        for text in split_references(value) {
            self.out.drafts[owner].dep_refs.push(DepRef { text, line });
        }
    }

    fn add_tags(&mut self, owner: usize, value: &str) {
        for tag in split_references(value) {
            push_unique(&mut self.out.drafts[owner].tags, slug(&tag));
        }
    }

    fn add_story(&mut self, owner: Option<usize>, parts: StoryParts, confidence: f64, line: usize) {
        let confidence = if confidence > 0.0 {
            confidence
        } else if parts.benefit.is_some() {
            0.95
        } else {
            0.85
        };
        self.out.stories.push(Story { parts, owner, confidence, line });
    }

    fn add_crit(
        &mut self,
        owner: Option<usize>,
        text: &str,
        kind: CriterionKind,
        checked: Option<bool>,
        line: usize,
        feature_ref: Option<&str>,
    ) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.out.crits.push(Crit {
            text: text.to_string(),
            kind,
            checked,
            owner,
            feature_ref: feature_ref.map(str::to_string),
            line,
        });
    }

    /// "<subject> depends on / requires / needs / is blocked by / comes after <refs>".
    fn global_dep(&mut self, text: &str, line: usize) {
        // ASCII lower-casing keeps byte offsets; the triggers are lower-case already.
        let lower = text.to_ascii_lowercase();
        for trigger in DEPENDENCY_TRIGGERS.iter().map(|t| format!(" {t} ")) {
            if let Some(pos) = lower.find(&trigger)
                && text.is_char_boundary(pos)
                && text.is_char_boundary(pos + trigger.len())
            {
                let subject = text[..pos].trim().trim_matches(|c: char| "*_`".contains(c));
                let subject = subject.strip_suffix(" is").or_else(|| subject.strip_suffix(" comes")).unwrap_or(subject);
                let refs = split_references(&text[pos + trigger.len()..]);
                if !subject.is_empty() && !refs.is_empty() {
                    self.out.global_deps.push(GlobalDep { subject: subject.to_string(), refs, line });
                }
                return;
            }
        }
    }

    /// A non-feature section: only user stories are read (never features or tasks).
    fn stories_only(&mut self, sec: &Section) {
        self.stories_in_blocks(&sec.blocks, None);
        for child in &sec.children {
            self.stories_only(child);
        }
    }

    fn stories_in_blocks(&mut self, blocks: &[Block], owner: Option<usize>) {
        for block in blocks {
            match block {
                Block::Paragraph { inline, line } => {
                    if let Some(parts) = parse_user_story(&inline.text) {
                        self.add_story(owner, parts, 0.0, *line);
                    }
                }
                Block::List { items, .. } => {
                    for item in items {
                        if let Some(parts) = parse_user_story(&item.inline.text) {
                            self.add_story(owner, parts, 0.0, item.line);
                        }
                        self.stories_in_blocks(&item.children, owner);
                    }
                }
                Block::Table { header, rows, line } => {
                    let cols = TableCols::new(header);
                    for row in rows {
                        if let Some((parts, conf)) = self.row_story(&cols, row) {
                            self.add_story(owner, parts, conf, *line);
                        }
                    }
                }
                Block::Code { .. } => {}
            }
        }
    }
}

fn story_title(story: &StoryParts) -> String {
    truncate_words(&capitalise(&story.goal), 80)
}

fn is_gherkin(lang: &str, text: &str) -> bool {
    matches!(lang, "gherkin" | "feature" | "cucumber")
        || text.lines().any(|l| l.trim_start().to_lowercase().starts_with("scenario"))
            && text.lines().any(|l| gherkin_step(l) == Some("then"))
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

fn blocks_have_list(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| matches!(b, Block::List { .. } | Block::Table { .. }))
}

/// A heading that could be a feature: not an attribute and not a non-feature section.
fn is_candidate_heading(sec: &Section) -> bool {
    let (clean, _) = clean_title(&sec.title);
    classify_label(&clean).is_none() && matches!(classify_section(&clean), SectionClass::Other)
}

fn item_has_attributes(item: &Item) -> bool {
    let attribute = |s: &str| {
        split_label(s).is_some_and(|(l, _)| {
            matches!(classify_label(l), Some(Label::Priority | Label::AcceptanceCriteria | Label::Dependencies))
        })
    };
    let text_sentences = sentences(&item.inline.text);
    if text_sentences.len() > 1 && text_sentences.iter().skip(1).any(|s| attribute(s)) {
        return true;
    }
    item.children.iter().any(|b| match b {
        Block::List { items, .. } => items.iter().any(|i| {
            split_label(&i.inline.text).is_some_and(|(l, _)| {
                matches!(classify_label(l), Some(Label::Priority | Label::AcceptanceCriteria | Label::Dependencies))
            })
        }),
        _ => false,
    })
}

/// Whether a section states feature attributes: priority, criteria, stories, dependencies,
/// description labels, checkboxes or attribute sub-headings.
fn has_signals(sec: &Section) -> bool {
    blocks_have_signals(&sec.blocks)
        || sec.children.iter().any(|c| {
            let (clean, _) = clean_title(&c.title);
            matches!(
                classify_label(&clean),
                Some(
                    Label::Priority
                        | Label::AcceptanceCriteria
                        | Label::UserStories
                        | Label::Dependencies
                        | Label::Description
                )
            )
        })
}

fn blocks_have_signals(blocks: &[Block]) -> bool {
    let text_signal = |text: &str| {
        split_label(text).is_some_and(|(l, v)| {
            matches!(
                classify_label(l),
                Some(Label::Priority | Label::AcceptanceCriteria | Label::UserStories | Label::Dependencies)
            ) || (classify_label(l) == Some(Label::Description) && !v.is_empty())
        }) || parse_user_story(text).is_some()
            || is_given_when_then(text)
            || label_only(text).is_some_and(|l| matches!(l, Label::AcceptanceCriteria | Label::UserStories))
            || sentences(text).iter().any(|s| {
                done_when(s).is_some()
                    || split_label(s).is_some_and(|(l, _)| {
                        matches!(
                            classify_label(l),
                            Some(Label::Priority | Label::AcceptanceCriteria | Label::Dependencies)
                        )
                    })
            })
    };
    blocks.iter().any(|b| match b {
        Block::Paragraph { inline, .. } => text_signal(&inline.text),
        Block::List { items, .. } => {
            items.iter().any(|i| i.checked.is_some() || text_signal(&i.inline.text) || blocks_have_signals(&i.children))
        }
        Block::Table { header, .. } => {
            let cols = TableCols::new(header);
            cols.criteria.is_some() || cols.role.is_some() && cols.goal.is_some()
        }
        Block::Code { lang, text, .. } => is_gherkin(lang, text),
    })
}

/// Whether a line starts something of its own: a `Label: value`, a metadata line or a numbered statement.
fn is_structured_line(line: &str) -> bool {
    split_label(line).is_some_and(|(l, _)| classify_label(l).is_some())
        || metadata_pairs(line).is_some()
        || split_numbering(line).0.is_some()
}

/// Groups the lines of a paragraph: a structured line starts a group, other lines continue
/// the current one. Returns (line offset, joined text).
fn line_groups(lines: &[String]) -> Vec<(usize, String)> {
    let mut groups: Vec<(usize, String)> = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        match groups.last_mut() {
            Some((_, text)) if !is_structured_line(l) => {
                text.push(' ');
                text.push_str(l);
            }
            _ => groups.push((k, l.clone())),
        }
    }
    groups
}

/// A paragraph that is only a label: "**Acceptance criteria**", "Done when:", "Critères d'acceptation :".
fn label_only(text: &str) -> Option<Label> {
    let t = text.trim().trim_end_matches(':').trim();
    if t.is_empty() || t.split_whitespace().count() > 5 {
        return None;
    }
    classify_label(t)
}

/// A paragraph opening with a short bold name followed by more text ("**Spend alerts.** Owners …").
fn is_lead_paragraph(inline: &Inline) -> bool {
    let Some(lead) = inline.lead.as_deref() else {
        return false;
    };
    let name = lead.trim_end_matches([':', '.', '—', '-']).trim();
    let words = name.split_whitespace().count();
    (1..=8).contains(&words)
        && label_only(name).is_none()
        && split_label(lead).is_none_or(|(l, _)| classify_label(l).is_none())
        && inline.text.split_whitespace().count() >= words + 3
}

fn lead_paragraphs(blocks: &[Block]) -> usize {
    blocks.iter().filter(|b| matches!(b, Block::Paragraph { inline, .. } if is_lead_paragraph(inline))).count()
}

/// Whether the blocks hold normative statements (MUST/SHALL) in lists or numbered lines.
fn blocks_have_requirement_statements(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::List { items, .. } => items.iter().any(|i| is_requirement_statement(&i.inline.text)),
        Block::Paragraph { inline, .. } => {
            inline.lines.iter().any(|l| split_numbering(l).0.is_some() && is_requirement_statement(l))
        }
        _ => false,
    })
}

/// First paragraph (or first list's items) of a section, for [`SectionSummary::summary`].
fn section_summary(sec: &Section) -> String {
    let text = sec.blocks.iter().find_map(|b| match b {
        Block::Paragraph { inline, .. } => Some(inline.text.clone()),
        Block::List { items, .. } => Some(items.iter().map(|i| i.inline.text.as_str()).collect::<Vec<_>>().join("; ")),
        Block::Table { rows, .. } => rows.first().map(|r| r.join(" | ")),
        Block::Code { .. } => None,
    });
    truncate_words(&text.unwrap_or_default(), 280)
}

/// Column roles recognised in table headers.
#[derive(Debug, Default)]
struct TableCols {
    name: Option<usize>,
    id: Option<usize>,
    priority: Option<usize>,
    description: Option<usize>,
    deps: Option<usize>,
    criteria: Option<usize>,
    role: Option<usize>,
    goal: Option<usize>,
    benefit: Option<usize>,
}

impl TableCols {
    fn new(header: &[String]) -> Self {
        let mut cols = Self::default();
        for (i, h) in header.iter().enumerate() {
            let n = if h.trim() == "#" { "no".to_string() } else { normalise(h) };
            let slot = match n.as_str() {
                "feature" | "features" | "name" | "title" | "requirement" | "capability" | "epic" | "item"
                | "feature name" | "story title" | "summary" => &mut cols.name,
                "id" | "ref" | "req id" | "key" | "no" | "number" => &mut cols.id,
                "priority" | "prio" | "moscow" | "importance" | "p" => &mut cols.priority,
                "description" | "details" | "notes" | "what" => &mut cols.description,
                "depends on" | "dependencies" | "dependency" | "prerequisites" | "blocked by" | "requires" => {
                    &mut cols.deps
                }
                "acceptance criteria" | "acceptance" | "criteria" | "done when" => &mut cols.criteria,
                "as a" | "as an" | "role" | "persona" | "actor" | "user" | "who" => &mut cols.role,
                "i want" | "i want to" | "goal" | "want" | "action" => &mut cols.goal,
                "so that" | "benefit" | "reason" | "value" | "why" => &mut cols.benefit,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(i);
            }
        }
        cols
    }

    fn has_attribute_column(&self) -> bool {
        self.priority.is_some() || self.criteria.is_some() || self.deps.is_some()
    }
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
