//! The top level of a plan: which pieces the kind of work needs, in what order, and which follow which.

use super::analysis::{Analysis, WorkKind, criteria_for};
use super::templates::{self as t, Template, fill};
use super::{Piece, Role};
use crate::types::ExpandOptions;

/// Capitalises the first letter.
fn cap(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A plan under construction: pieces in order, each pushed one returning its index.
struct Plan<'a> {
    a: &'a Analysis,
    pieces: Vec<Piece>,
}

impl Plan<'_> {
    /// A piece from `template`, `{subject}` and the given slots filled.
    fn piece(&self, role: Role, template: &Template, slots: &[(&str, &str)]) -> Piece {
        let mut all = vec![("subject", self.a.subject.as_str())];
        all.extend_from_slice(slots);
        Piece::new(
            role,
            template.task_type,
            template.weight,
            fill(template.title, &all),
            fill(template.description, &all),
        )
    }

    fn push(&mut self, piece: Piece) -> usize {
        self.pieces.push(piece);
        self.pieces.len() - 1
    }

    /// A piece for one component: its criteria are the component's.
    fn component(&self, component: &str, template: &Template, title: Option<&str>, after: &[usize]) -> Piece {
        let slots = [("component", component)];
        let mut piece = self.piece(Role::Component(component.to_owned()), template, &slots);
        if let Some(title) = title {
            piece.title = fill(title, &[("subject", &self.a.subject), ("component", component)]);
        }
        piece.after(after).done_when(criteria_for(self.a, component))
    }
}

/// The top-level pieces for the kind of work, with their weights and sibling dependencies.
pub(super) fn top_level(a: &Analysis, options: &ExpandOptions, has_tests: bool) -> Vec<Piece> {
    let mut plan = Plan { a, pieces: Vec::new() };
    let work = match a.kind {
        WorkKind::BugFix => bug_fix(&mut plan, options),
        WorkKind::Research => research(&mut plan),
        WorkKind::Documentation => documentation(&mut plan),
        _ => {
            let design = a.needs_design.then(|| {
                let mut design = plan.piece(Role::Design, &t::DESIGN, &[]);
                if !a.risks.is_empty() {
                    design.description.push_str(&fill(t::DESIGN_RISKS, &[("risks", &a.risks.join("; "))]));
                }
                plan.push(design.done_when(vec![t::DESIGN_AGREED.into()]))
            });
            let base: Vec<usize> = design.into_iter().collect();
            implementation_pieces(&mut plan, options, &base)
        }
    };
    closing_pieces(&mut plan, options, has_tests, &work);
    plan.pieces
}

fn bug_fix(plan: &mut Plan<'_>, options: &ExpandOptions) -> Vec<usize> {
    let a = plan.a;
    let reproduce = if options.include_tests { &t::BUG_REPRODUCE_WITH_TEST } else { &t::BUG_REPRODUCE };
    let reproduced = fill(t::BUG_REPRODUCED, &[("Subject", &cap(&a.subject))]);
    let reproduce = plan.piece(Role::Leaf, reproduce, &[]).done_when(vec![reproduced]);
    let r = plan.push(reproduce);
    let cause = plan.piece(Role::Leaf, &t::BUG_ROOT_CAUSE, &[]).after(&[r]);
    let cause = plan.push(cause);
    let fix =
        plan.piece(Role::Component(a.subject.clone()), &t::BUG_FIX, &[]).after(&[cause]).done_when(a.criteria.clone());
    vec![plan.push(fix)]
}

fn research(plan: &mut Plan<'_>) -> Vec<usize> {
    let a = plan.a;
    let frame = plan.piece(Role::Leaf, &t::RESEARCH_FRAME, &[]).done_when(a.criteria.clone());
    let frame = plan.push(frame);
    let named_options = a.explicit_components || a.components.len() > 1;
    let mut evaluations = Vec::new();
    if named_options && !a.components.is_empty() {
        for option in &a.components {
            let piece = plan.piece(Role::Evaluate(option.clone()), &t::RESEARCH_EVALUATE, &[("option", option)]);
            evaluations.push(plan.push(piece.after(&[frame])));
        }
    } else {
        let survey = plan.piece(Role::Research, &t::RESEARCH_SURVEY, &[]).after(&[frame]);
        evaluations.push(plan.push(survey));
    }
    let mut last = evaluations.clone();
    if a.estimate >= t::RESEARCH_PROTOTYPE_HOURS {
        let proto = plan.piece(Role::Prototype, &t::RESEARCH_PROTOTYPE, &[]).after(&evaluations);
        last = vec![plan.push(proto)];
    }
    let write_up = plan.piece(Role::Leaf, &t::RESEARCH_WRITE_UP, &[]).after(&last);
    vec![plan.push(write_up)]
}

fn documentation(plan: &mut Plan<'_>) -> Vec<usize> {
    let a = plan.a;
    let outline = plan.piece(Role::Leaf, &t::DOCS_OUTLINE, &[]);
    let outline = plan.push(outline);
    let sections = if a.explicit_components { a.components.clone() } else { vec![a.subject.clone()] };
    let mut written = Vec::new();
    for section in &sections {
        let piece = plan.piece(Role::Section(section.clone()), &t::DOCS_SECTION, &[("section", section)]);
        written.push(plan.push(piece.after(&[outline])));
    }
    let mut before_review = written.clone();
    if a.lang.is_some() || a.mentions(t::EXAMPLE_WORDS) {
        let how = a.lang.map_or(t::EXAMPLES_CHECKED, |l| l.doc_examples_hint());
        let examples = plan.piece(Role::Leaf, &t::DOCS_EXAMPLES, &[("how", how)]).after(&written);
        before_review.push(plan.push(examples));
    }
    let review = plan.piece(Role::Leaf, &t::DOCS_REVIEW, &[]).after(&before_review).done_when(a.criteria.clone());
    vec![plan.push(review)]
}

/// Implementation pieces for API, UI, migration, refactor, integration and feature work.
fn implementation_pieces(plan: &mut Plan<'_>, options: &ExpandOptions, base: &[usize]) -> Vec<usize> {
    let a = plan.a;
    let mut work = Vec::new();
    match a.kind {
        WorkKind::ApiEndpoint => {
            let contract = plan.piece(Role::Contract, &t::API_CONTRACT, &[]).after(base);
            let contract = plan.push(contract);
            let mut endpoints = Vec::new();
            for component in &a.components {
                let lower = component.to_lowercase();
                let named = !(t::API_ENDPOINT_WORDS.iter().any(|w| lower.contains(w)) || a.explicit_components);
                let title = named.then_some(t::API_ENDPOINT_NAMED);
                let piece = plan.component(component, &t::API_ENDPOINT, title, &[contract]);
                endpoints.push(plan.push(piece));
            }
            work.extend(&endpoints);
            if a.mentions(t::PERSISTENCE_WORDS) {
                let piece = plan.piece(Role::Leaf, &t::API_PERSISTENCE, &[]).after(&[contract]);
                work.push(plan.push(piece));
            }
            if a.mentions(t::AUTH_WORDS) {
                let piece = plan.piece(Role::Leaf, &t::API_AUTH, &[]).after(&endpoints);
                work.push(plan.push(piece));
            }
        }
        WorkKind::Ui => {
            for component in &a.components {
                let lower = component.to_lowercase();
                let title = (!t::UI_WORDS.iter().any(|w| lower.contains(w))).then_some(t::UI_COMPONENT_NAMED);
                let piece = plan.component(component, &t::UI_COMPONENT, title, base);
                work.push(plan.push(piece));
            }
            if a.mentions(t::BACKEND_WORDS) {
                let piece = plan.piece(Role::Leaf, &t::UI_BACKEND, &[]).after(&work);
                work.push(plan.push(piece));
            }
            if a.mentions(t::STYLE_WORDS) {
                let piece = plan.piece(Role::Leaf, &t::UI_RESPONSIVE, &[]).after(&work);
                work.push(plan.push(piece));
            }
        }
        WorkKind::DataMigration => {
            let forward = plan
                .piece(Role::ForwardMigration, &t::MIGRATION_FORWARD, &[])
                .after(base)
                .done_when(vec![t::MIGRATION_FORWARD_DONE.into()]);
            let forward = plan.push(forward);
            let rollback = plan
                .piece(Role::Leaf, &t::MIGRATION_ROLLBACK, &[])
                .after(&[forward])
                .done_when(vec![t::MIGRATION_ROLLBACK_DONE.into()]);
            let rollback = plan.push(rollback);
            work = vec![forward, rollback];
            if a.mentions(t::BACKFILL_WORDS) {
                let piece = plan.piece(Role::Backfill, &t::MIGRATION_BACKFILL, &[]).after(&[forward]);
                work.push(plan.push(piece));
            }
            if a.mentions(t::APPLICATION_CODE_WORDS) {
                let role = Role::Component(t::APPLICATION_CODE.into());
                let piece = plan.piece(role, &t::MIGRATION_APPLICATION_CODE, &[]).after(&[forward]);
                work.push(plan.push(piece));
            }
            let rehearse = plan
                .piece(Role::Leaf, &t::MIGRATION_REHEARSE, &[])
                .after(&work)
                .done_when(vec![t::MIGRATION_REHEARSED.into()]);
            work.push(plan.push(rehearse));
        }
        WorkKind::Refactor => {
            let mut first = base.to_vec();
            if options.include_tests {
                let pin = plan.piece(Role::Leaf, &t::REFACTOR_PIN, &[]).after(base);
                first = vec![plan.push(pin)];
            }
            for component in &a.components {
                let piece = plan.component(component, &t::REFACTOR_COMPONENT, None, &first);
                work.push(plan.push(piece));
            }
            let cleanup = plan.piece(Role::Leaf, &t::REFACTOR_CLEANUP, &[]).after(&work);
            work.push(plan.push(cleanup));
        }
        WorkKind::Integration => {
            let service = a.service.clone().unwrap_or_else(|| a.subject.clone());
            let slots = [("service", service.as_str())];
            let role = Role::Component(fill(t::INTEGRATION_CLIENT_COMPONENT, &slots));
            let client = plan.piece(role, &t::INTEGRATION_CLIENT, &slots).after(base);
            let client = plan.push(client);
            let mapping =
                plan.piece(Role::Leaf, &t::INTEGRATION_MAPPING, &slots).after(&[client]).done_when(a.criteria.clone());
            let mapping = plan.push(mapping);
            let failures = plan.piece(Role::Leaf, &t::INTEGRATION_FAILURES, &slots).after(&[client]);
            let failures = plan.push(failures);
            work = vec![client, mapping, failures];
            if a.mentions(t::WEBHOOK_WORDS) {
                let piece = plan.piece(Role::Leaf, &t::INTEGRATION_WEBHOOKS, &slots).after(&[mapping]);
                work.push(plan.push(piece));
            }
        }
        WorkKind::Feature | WorkKind::BugFix | WorkKind::Research | WorkKind::Documentation => {
            for component in &a.components {
                let piece = plan.component(component, &t::FEATURE_COMPONENT, None, base);
                work.push(plan.push(piece));
            }
            if a.components.len() > 1 {
                let wire = plan.piece(Role::Leaf, &t::FEATURE_WIRE, &[]).after(&work);
                work.push(plan.push(wire));
            }
        }
    }
    work
}

/// Tests, documentation and rollout, after the work they close.
fn closing_pieces(plan: &mut Plan<'_>, options: &ExpandOptions, has_tests: bool, work: &[usize]) {
    let a = plan.a;
    if has_tests {
        let weight = 2.0 + 0.5 * a.criteria.len().saturating_sub(2) as f64;
        let framework = a.lang.map(|l| format!(" with {}", l.test_framework(&a.words))).unwrap_or_default();
        let description = if a.criteria.is_empty() { t::TESTS_WITHOUT_CRITERIA } else { t::TESTS_PER_CRITERION };
        let slots = [("subject", a.subject.as_str()), ("framework", framework.as_str())];
        let tests = Piece::new(
            Role::Tests,
            "test",
            weight.min(5.0),
            fill(t::tests_title(a.kind), &slots),
            fill(description, &slots),
        );
        plan.push(tests.after(work).done_when(a.criteria.clone()));
    }
    let fix = a.kind == WorkKind::BugFix;
    if options.include_documentation && !matches!(a.kind, WorkKind::Documentation | WorkKind::Research) {
        let title = if fix { t::DOCS_PIECE_FOR_FIX } else { t::DOCS_PIECE };
        let docs = Piece::new(
            Role::Docs,
            "documentation",
            if fix { 0.5 } else { 1.0 },
            fill(title, &[("subject", &a.subject)]),
            t::doc_summary(a.kind).to_owned(),
        );
        plan.push(docs.after(work));
    }
    let rollout = match a.kind {
        WorkKind::DataMigration | WorkKind::Integration => true,
        WorkKind::ApiEndpoint | WorkKind::Ui | WorkKind::Feature => {
            a.priority >= 3 || !a.risks.is_empty() || a.needs_design
        }
        WorkKind::BugFix => a.priority >= 3,
        WorkKind::Refactor | WorkKind::Research | WorkKind::Documentation => false,
    };
    if rollout {
        let everything: Vec<usize> = (0..plan.pieces.len()).collect();
        let (title, description) = t::rollout_text(a.kind);
        let slots = [("subject", a.subject.as_str())];
        let piece = Piece::new(
            Role::Rollout,
            "deployment",
            if fix { 0.5 } else { 1.0 },
            fill(title, &slots),
            fill(description, &slots),
        );
        plan.push(piece.after(&everything).done_when(vec![t::ROLLED_OUT.into()]));
    }
}
