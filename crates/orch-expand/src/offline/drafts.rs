//! The tests and documents a plan lists beside its subtasks (`testTasks`, `documentationTasks`): which ones the
//! kind of work needs, and how the tests and documentation pieces' hours spread over them.

use super::analysis::{Analysis, WorkKind};
use super::effort::split_effort;
use super::templates::{self as t, Draft, fill};
use crate::types::{DocumentationTask, TestTask};

/// A test to write, before efforts and subtask links are known.
pub(super) struct TestDraft {
    pub title: String,
    pub description: String,
    pub test_type: &'static str,
    pub criterion: Option<String>,
}

/// Documentation to write, before efforts are known.
pub(super) struct DocDraft {
    pub title: String,
    pub description: String,
    pub doc_type: &'static str,
}

/// The slots every test and document may name.
fn slots<'a>(a: &'a Analysis, run: &'a str) -> Vec<(&'static str, &'a str)> {
    let service = a.service.as_deref().unwrap_or(&a.subject);
    vec![("subject", a.subject.as_str()), ("service", service), ("run", run)]
}

fn test(d: &Draft, test_type: &'static str, slots: &[(&str, &str)], criterion: Option<String>) -> TestDraft {
    TestDraft { title: fill(d.title, slots), description: fill(d.description, slots), test_type, criterion }
}

/// The tests to write: the kind's leading test, one per acceptance criterion, the kind's trailing test, and one per
/// component when there are no criteria.
pub(super) fn test_tasks(a: &Analysis) -> Vec<TestDraft> {
    let run = a.lang.map(|l| fill(t::RUN_ONE_TEST, &[("command", l.test_command(&a.words))])).unwrap_or_default();
    let slots = slots(a, &run);
    let criterion_type = t::criterion_test_type(a.kind);
    let mut tests = Vec::new();
    let prototyped = a.estimate >= t::RESEARCH_PROTOTYPE_HOURS;
    if let Some(d) = t::leading_test(a.kind).filter(|_| a.kind != WorkKind::Research || prototyped) {
        tests.push(test(&d, d.kind, &slots, None));
    }
    let how = [("how", t::criterion_test_how(a.kind))];
    for criterion in &a.criteria {
        let criterion_slots: Vec<_> =
            slots.iter().copied().chain(how).chain([("criterion", criterion.as_str())]).collect();
        tests.push(test(&t::CRITERION_TEST, criterion_type, &criterion_slots, Some(criterion.clone())));
    }
    if let Some(d) = t::trailing_test(a.kind) {
        tests.push(test(&d, d.kind, &slots, None));
    }
    if a.criteria.is_empty() && !matches!(a.kind, WorkKind::Research | WorkKind::Documentation | WorkKind::BugFix) {
        for component in &a.components {
            let component_slots: Vec<_> = slots.iter().copied().chain([("component", component.as_str())]).collect();
            tests.push(test(&t::COMPONENT_TEST, criterion_type, &component_slots, None));
        }
    }
    tests
}

/// The tests with their share of the tests piece's hours and its index, when the plan has that piece.
pub(super) fn distribute_tests(a: &Analysis, drafts: Vec<TestDraft>, parent: Option<(usize, f64)>) -> Vec<TestTask> {
    let efforts = parent.map(|(_, effort)| split_effort(effort, &vec![1.0; drafts.len()]));
    let framework = a.lang.map(|l| l.test_framework(&a.words));
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| TestTask {
            framework: match d.test_type {
                "e2e" => Some(t::E2E_FRAMEWORK.to_owned()),
                "manual" => None,
                _ => framework.map(str::to_owned),
            },
            title: d.title,
            description: d.description,
            test_type: d.test_type.to_owned(),
            acceptance_criterion: d.criterion,
            estimated_effort: efforts.as_ref().and_then(|e| e.get(i).copied()),
            subtask_index: parent.map(|(index, _)| index),
        })
        .collect()
}

/// The documents to write: one per component or section where the kind writes one per part, then the fixed ones.
pub(super) fn doc_tasks(a: &Analysis) -> Vec<DocDraft> {
    let plan = t::doc_plan(a.kind);
    let slots = slots(a, "");
    let doc = |d: &Draft, slots: &[(&str, &str)]| DocDraft {
        title: fill(d.title, slots),
        description: fill(d.description, slots),
        doc_type: d.kind,
    };
    let parts = if a.kind == WorkKind::Documentation && !a.explicit_components {
        vec![a.subject.clone()]
    } else {
        a.components.clone()
    };
    let mut docs = Vec::new();
    if let Some(per_part) = &plan.per_part {
        for part in &parts {
            let part_slots: Vec<_> =
                slots.iter().copied().chain([("component", part.as_str()), ("section", part.as_str())]).collect();
            docs.push(doc(per_part, &part_slots));
        }
    }
    docs.extend(plan.fixed.iter().map(|d| doc(d, &slots)));
    docs
}

/// The documents with their share of the documentation piece's hours and its index, when the plan has that piece.
pub(super) fn distribute_docs(drafts: Vec<DocDraft>, parent: Option<(usize, f64)>) -> Vec<DocumentationTask> {
    let efforts = parent.map(|(_, effort)| split_effort(effort, &vec![1.0; drafts.len()]));
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| DocumentationTask {
            title: d.title,
            description: d.description,
            doc_type: d.doc_type.to_owned(),
            estimated_effort: efforts.as_ref().and_then(|e| e.get(i).copied()),
            subtask_index: parent.map(|(index, _)| index),
        })
        .collect()
}
