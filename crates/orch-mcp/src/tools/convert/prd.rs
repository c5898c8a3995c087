//! `ParsedPrd` → `ParsedPrdDto` and `ParserReport` → `ParserReportDto` (parse_prd).

use std::collections::BTreeMap;

use orch_core::TaskId;
use orch_service::prd::assist::{CheckedItem, ParseMode, ParserReport};
use orch_service::prd::{
    AcceptanceCriterion, CriterionKind, Feature, ParsedPrd, Requirement, SectionKind, SectionSummary, SkippedItem,
    TaskDraft, UserStory,
};

use super::count;
use super::expansion::{attempt, usage};
use crate::dto::*;

/// The parsed PRD; each draft names the task it is stored as (`stored`: draft key → task, from the service).
pub(crate) fn parsed(p: ParsedPrd, stored: &BTreeMap<String, TaskId>) -> ParsedPrdDto {
    ParsedPrdDto {
        title: p.title,
        front_matter: p.front_matter,
        sections: p.sections.into_iter().map(section).collect(),
        features: p.features.into_iter().map(feature).collect(),
        requirements: p.requirements.into_iter().map(requirement).collect(),
        user_stories: p.user_stories.into_iter().map(story).collect(),
        acceptance_criteria: p.acceptance_criteria.into_iter().map(criterion).collect(),
        tasks: p.tasks.into_iter().map(|d| draft(d, stored)).collect(),
        skipped: p.skipped.into_iter().map(skipped).collect(),
        confidence: p.confidence,
        content_hash: p.content_hash,
        warnings: p.warnings,
    }
}

/// How the result was produced.
pub(crate) fn report(r: ParserReport) -> ParserReportDto {
    ParserReportDto {
        mode: match r.mode {
            ParseMode::Auto => PrdModeDto::Auto,
            ParseMode::Offline => PrdModeDto::Offline,
            ParseMode::Llm => PrdModeDto::Llm,
        },
        provider: r.provider,
        model: r.model,
        chunks: count(r.chunks),
        calls: r.calls,
        token_usage: usage(r.token_usage),
        attempts: r.attempts.into_iter().map(attempt).collect(),
        fell_back: r.fell_back,
        confirmed: r.confirmed,
        added: r.added,
        flagged: r.flagged.into_iter().map(checked).collect(),
        dropped: r.dropped.into_iter().map(checked).collect(),
        warnings: r.warnings,
    }
}

fn checked(c: CheckedItem) -> CheckedItemDto {
    CheckedItemDto { title: c.title, key: c.key, reason: c.reason }
}

fn section(s: SectionSummary) -> SectionSummaryDto {
    SectionSummaryDto {
        kind: match s.kind {
            SectionKind::Overview => SectionKindDto::Overview,
            SectionKind::Background => SectionKindDto::Background,
            SectionKind::Goals => SectionKindDto::Goals,
            SectionKind::NonGoals => SectionKindDto::NonGoals,
            SectionKind::OutOfScope => SectionKindDto::OutOfScope,
            SectionKind::OpenQuestions => SectionKindDto::OpenQuestions,
            SectionKind::Risks => SectionKindDto::Risks,
            SectionKind::Glossary => SectionKindDto::Glossary,
            SectionKind::Appendix => SectionKindDto::Appendix,
            SectionKind::Stakeholders => SectionKindDto::Stakeholders,
            SectionKind::Timeline => SectionKindDto::Timeline,
        },
        title: s.title,
        level: s.level,
        summary: s.summary,
        source_line: count(s.source_line),
    }
}

fn feature(f: Feature) -> FeatureDto {
    FeatureDto {
        key: f.key,
        id: f.id,
        title: f.title,
        description: f.description,
        priority: f.priority,
        priority_label: f.priority_label,
        acceptance_criteria: f.acceptance_criteria,
        user_stories: f.user_stories,
        depends_on: f.depends_on,
        tags: f.tags,
        confidence: f.confidence,
        confidence_reason: f.confidence_reason,
        source_line: count(f.source_line),
    }
}

fn requirement(r: Requirement) -> RequirementDto {
    RequirementDto {
        key: r.key,
        id: r.id,
        title: r.title,
        description: r.description,
        priority: r.priority,
        priority_label: r.priority_label,
        acceptance_criteria: r.acceptance_criteria,
        depends_on: r.depends_on,
        feature_key: r.feature_key,
        tags: r.tags,
        confidence: r.confidence,
        confidence_reason: r.confidence_reason,
        source_line: count(r.source_line),
    }
}

fn story(s: UserStory) -> UserStoryDto {
    UserStoryDto {
        role: s.role,
        goal: s.goal,
        benefit: s.benefit,
        text: s.text,
        feature_key: s.feature_key,
        confidence: s.confidence,
        source_line: count(s.source_line),
    }
}

fn criterion(c: AcceptanceCriterion) -> AcceptanceCriterionDto {
    AcceptanceCriterionDto {
        text: c.text,
        kind: match c.kind {
            CriterionKind::Bullet => CriterionKindDto::Bullet,
            CriterionKind::Checkbox => CriterionKindDto::Checkbox,
            CriterionKind::GivenWhenThen => CriterionKindDto::GivenWhenThen,
        },
        checked: c.checked,
        feature_key: c.feature_key,
        source_line: count(c.source_line),
    }
}

fn draft(d: TaskDraft, stored: &BTreeMap<String, TaskId>) -> TaskDraftDto {
    TaskDraftDto {
        task_id: stored.get(&d.key).map(|id| id.0),
        key: d.key,
        title: d.title,
        description: d.description,
        details: d.details,
        priority: d.priority,
        tags: d.tags,
        task_type: d.task_type,
        acceptance_criteria: d.acceptance_criteria,
        depends_on: d.depends_on,
        confidence: d.confidence,
        source_line: count(d.source_line),
    }
}

fn skipped(s: SkippedItem) -> SkippedItemDto {
    SkippedItemDto {
        key: s.key,
        title: s.title,
        item_type: s.item_type,
        confidence: s.confidence,
        reason: s.reason,
        source_line: count(s.source_line),
    }
}
