//! The levels below the top: how each piece splits, recursively down to the requested depth, and the ordered
//! implementation guidance read from the same splits.

use super::analysis::{Analysis, criteria_for};
use super::drafts::{DocDraft, TestDraft};
use super::effort::split_effort;
use super::templates::{self as t, Template, fill};
use super::{MIN_SPLIT_HOURS, Piece, Role, subtask_tags};
use crate::types::{ExpandedSubtask, ImplementationStep};

/// A child from a template, its slots filled; `logic` is its role when the template is marked as core logic.
fn from_template(c: &Template, slots: &[(&str, &str)], logic: &Role) -> Piece {
    let role = if c.core_logic { logic.clone() } else { Role::Leaf };
    Piece::new(role, c.task_type, c.weight, fill(c.title, slots), fill(c.description, slots)).after(c.after)
}

/// A leaf child of equal weight with no sibling links: a test or a document of the plan.
fn leaf_child(task_type: &'static str, title: &str, description: &str, criteria: Vec<String>) -> Piece {
    Piece::new(Role::Leaf, task_type, 1.0, title.to_owned(), description.to_owned()).done_when(criteria)
}

/// Children from a table, as [`from_template`].
fn from_table(table: &[Template], slots: &[(&str, &str)], logic: &Role) -> Vec<Piece> {
    table.iter().map(|c| from_template(c, slots, logic)).collect()
}

/// How a piece splits one level down (empty = atomic).
fn child_templates(a: &Analysis, role: &Role, tests: &[TestDraft], docs: &[DocDraft]) -> Vec<Piece> {
    let leaf = Role::Leaf;
    match role {
        Role::Design => {
            let target = a.risks.first().map_or(t::SPIKE_DEFAULT_TARGET, String::as_str);
            from_table(t::DESIGN_CHILDREN, &[("target", target)], &leaf)
        }
        Role::Contract => {
            let types = a.lang.map_or(t::TYPES_DEFAULT, |l| l.types_hint());
            from_table(t::CONTRACT_CHILDREN, &[("types", types)], &leaf)
        }
        Role::Component(component) => {
            let logic =
                if criteria_for(a, component).len() >= 2 { Role::CoreLogic(component.clone()) } else { Role::Leaf };
            let types = a.lang.map_or(t::TYPES_DEFAULT, |l| l.types_hint());
            from_table(t::component_children(a.kind), &[("component", component), ("types", types)], &logic)
        }
        Role::CoreLogic(component) => criteria_for(a, component)
            .into_iter()
            .map(|c| {
                let slots = [("criterion", c.as_str()), ("component", component.as_str())];
                from_template(&t::CRITERION_CHILD, &slots, &leaf).done_when(vec![c.clone()])
            })
            .collect(),
        Role::ForwardMigration => from_table(t::FORWARD_MIGRATION_CHILDREN, &[], &leaf),
        Role::Backfill => from_table(t::BACKFILL_CHILDREN, &[], &leaf),
        Role::Tests => tests
            .iter()
            .map(|d| leaf_child("test", &d.title, &d.description, d.criterion.iter().cloned().collect()))
            .collect(),
        Role::Docs => docs.iter().map(|d| leaf_child("documentation", &d.title, &d.description, Vec::new())).collect(),
        Role::Rollout => from_table(t::ROLLOUT_CHILDREN, &[], &leaf),
        Role::Research => from_table(t::SURVEY_CHILDREN, &[], &leaf),
        Role::Evaluate(option) => from_table(t::EVALUATE_CHILDREN, &[("option", option)], &leaf),
        Role::Prototype => from_table(t::PROTOTYPE_CHILDREN, &[], &leaf),
        Role::Section(section) => from_table(t::SECTION_CHILDREN, &[("section", section)], &leaf),
        Role::Leaf => Vec::new(),
    }
}

/// Children of a piece with `role` and `effort` hours at `level`, recursing while the level is within `depth` and
/// pieces are big enough to split.
pub(super) fn children_of(
    a: &Analysis,
    role: &Role,
    effort: f64,
    level: u32,
    depth: u32,
    tests: &[TestDraft],
    docs: &[DocDraft],
) -> Vec<ExpandedSubtask> {
    if level > depth || effort < MIN_SPLIT_HOURS {
        return Vec::new();
    }
    let templates = child_templates(a, role, tests, docs);
    if templates.len() < 2 || effort < 0.25 * templates.len() as f64 {
        return Vec::new();
    }
    let weights: Vec<f64> = templates.iter().map(|c| c.weight).collect();
    let efforts = split_effort(effort, &weights);
    templates
        .into_iter()
        .zip(efforts)
        .map(|(c, e)| {
            let tags = subtask_tags(a, c.task_type);
            ExpandedSubtask {
                subtasks: children_of(a, &c.role, e, level + 1, depth, tests, docs),
                title: c.title,
                description: c.description,
                estimated_effort: e,
                dependencies: c.dependencies,
                task_type: c.task_type.to_owned(),
                tags,
                acceptance_criteria: c.criteria,
            }
        })
        .collect()
}

/// Ordered guidance: the children of each working piece in plan order, then the checks.
pub(super) fn implementation_steps(
    a: &Analysis,
    plan: &[Piece],
    tests_index: Option<usize>,
) -> Vec<ImplementationStep> {
    let mut steps = Vec::new();
    for (index, piece) in plan.iter().enumerate() {
        if matches!(piece.role, Role::Tests | Role::Docs) {
            continue;
        }
        let children = child_templates(a, &piece.role, &[], &[]);
        if children.is_empty() {
            steps.push((piece.title.clone(), piece.description.clone(), index));
        } else {
            steps.extend(children.into_iter().map(|c| (c.title, c.description, index)));
        }
    }
    let last_work = plan.iter().rposition(|p| !matches!(p.role, Role::Tests | Role::Docs | Role::Rollout));
    let checks = match a.lang {
        Some(lang) => {
            fill(t::CHECKS_WITH_LANGUAGE, &[("checks", lang.checks()), ("framework", lang.test_framework(&a.words))])
        }
        None => t::CHECKS_WITHOUT_LANGUAGE.to_owned(),
    };
    if let Some(index) = tests_index.or(last_work) {
        let insert_at = steps.iter().position(|(_, _, i)| *i > index).unwrap_or(steps.len());
        steps.insert(insert_at, (t::CHECKS_STEP.to_owned(), checks, index));
    }
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (title, description, index))| ImplementationStep {
            order: u32::try_from(i + 1).unwrap_or(u32::MAX),
            title,
            description,
            subtask_index: Some(index),
        })
        .collect()
}
