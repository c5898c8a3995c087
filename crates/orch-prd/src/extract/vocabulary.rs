//! The vocabulary: which section titles and statements name features, requirements, stories, criteria,
//! dependencies or sections that are not features, in every language and style `docs/prd-format.md` lists.

use super::*;

pub(super) enum SectionClass {
    NonFeature(SectionKind),
    Container(Container, Option<&'static str>),
    PriorityGroup(Priority),
    Other,
}

pub(super) fn classify_section(title: &str) -> SectionClass {
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
pub(super) fn is_exact_container(title: &str) -> bool {
    matches!(
        normalise(title).as_str(),
        "features" | "requirements" | "user stories" | "acceptance criteria" | "dependencies"
    )
}

pub(super) fn looks_like_requirement(text: &str) -> bool {
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
