//! The offline planner: a deterministic decomposition from the task's own text, tags, language,
//! acceptance criteria and estimate. See `docs/expansion.md` for the method and the weights.

mod analysis;
mod lang;

use analysis::{Analysis, EstimateSource, WorkKind, analyse, criteria_for};

use crate::answer::round_quarter;
use crate::types::{
    DocumentationTask, ExpandOptions, ExpandedSubtask, ExpandedTaskResult, ExpansionMetadata, ImplementationStep,
    TaskContext, TestTask, TokenUsage, tree_depth,
};

/// Name of the offline provider in results.
pub const OFFLINE_PROVIDER: &str = "offline";
/// Version of the planner, reported as the model.
pub const OFFLINE_MODEL: &str = "offline-planner-1";
/// A piece smaller than this (hours) is not split further, whatever the depth.
pub const MIN_SPLIT_HOURS: f64 = 1.0;

/// What a piece of the plan is, which decides how it splits at the next level.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Design,
    Contract,
    Component(String),
    CoreLogic(String),
    ForwardMigration,
    Backfill,
    Tests,
    Docs,
    Rollout,
    Research,
    Evaluate(String),
    Prototype,
    Section(String),
    Leaf,
}

/// A piece of the plan before efforts are assigned.
#[derive(Debug, Clone)]
struct Piece {
    role: Role,
    title: String,
    description: String,
    task_type: &'static str,
    weight: f64,
    dependencies: Vec<usize>,
    criteria: Vec<String>,
}

impl Piece {
    fn new(role: Role, task_type: &'static str, weight: f64, title: String, description: String) -> Self {
        Self { role, title, description, task_type, weight, dependencies: Vec::new(), criteria: Vec::new() }
    }

    fn after(mut self, dependencies: &[usize]) -> Self {
        self.dependencies = dependencies.to_vec();
        self
    }

    fn done_when(mut self, criteria: Vec<String>) -> Self {
        self.criteria = criteria;
        self
    }
}

/// Plans `task` without any model. Deterministic: the same input gives the same output
/// (`processingTime` is 0; the expander fills in the real time).
pub fn plan_offline(task: &TaskContext, options: &ExpandOptions) -> ExpandedTaskResult {
    let a = analyse(task);
    let depth = options.effective_depth();
    let mut warnings = Vec::new();
    match a.estimate_source {
        EstimateSource::Given => {}
        EstimateSource::Complexity => warnings.push(format!(
            "no estimate given: used {:.1} hours from the complexity score (2 hours per point)",
            a.estimate
        )),
        EstimateSource::Assumed => warnings.push(format!(
            "no estimate or complexity score given: assumed {:.1} hours for a {} task; run analyze_complexity first for a better split",
            a.estimate,
            a.kind.tag()
        )),
    }
    if a.kind == WorkKind::Documentation && !options.include_documentation {
        warnings.push(
            "the task itself is documentation: its writing subtasks are kept although include_documentation is false"
                .into(),
        );
    }

    let tests = if options.include_tests { test_tasks(&a) } else { Vec::new() };
    let docs = if options.include_documentation { doc_tasks(&a) } else { Vec::new() };
    let mut plan = top_level(&a, options, !tests.is_empty());

    let total = round_quarter(a.estimate);
    let weights: Vec<f64> = plan.iter().map(|p| p.weight).collect();
    let efforts = split_effort(total, &weights);
    if efforts.iter().sum::<f64>() > total + 1e-9 {
        warnings.push(format!(
            "the estimate of {total} hours is smaller than the {} pieces need at a quarter hour each",
            plan.len()
        ));
    }
    let tests_index = plan.iter().position(|p| p.role == Role::Tests);
    let docs_index = plan.iter().position(|p| p.role == Role::Docs);

    let mut subtasks = Vec::with_capacity(plan.len());
    for (piece, effort) in plan.iter_mut().zip(&efforts) {
        let tags = subtask_tags(&a, piece.task_type);
        let children = if depth > 1 { children_of(&a, piece, *effort, 2, depth, &tests, &docs) } else { Vec::new() };
        subtasks.push(ExpandedSubtask {
            title: piece.title.clone(),
            description: piece.description.clone(),
            estimated_effort: *effort,
            dependencies: piece.dependencies.clone(),
            task_type: piece.task_type.to_owned(),
            tags,
            acceptance_criteria: piece.criteria.clone(),
            subtasks: children,
        });
    }

    let test_tasks = distribute_tests(&a, tests, tests_index.map(|i| (i, efforts[i])));
    let documentation_tasks = distribute_docs(docs, docs_index.map(|i| (i, efforts[i])));
    let implementation_steps =
        if options.include_implementation { implementation_steps(&a, &plan, tests_index) } else { Vec::new() };

    ExpandedTaskResult {
        original_task_id: task.id,
        metadata: ExpansionMetadata {
            expansion_depth: tree_depth(&subtasks),
            provider: OFFLINE_PROVIDER.to_owned(),
            model: OFFLINE_MODEL.to_owned(),
            token_usage: TokenUsage::default(),
            confidence: confidence(task, &a),
            processing_time: 0,
            warnings,
            attempts: Vec::new(),
            fell_back: false,
        },
        subtasks,
        implementation_steps,
        test_tasks,
        documentation_tasks,
    }
}

fn cap(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn list(items: &[String]) -> String {
    items.join("; ")
}

/// The top-level pieces for the kind of work, with their weights and sibling dependencies.
fn top_level(a: &Analysis, options: &ExpandOptions, has_tests: bool) -> Vec<Piece> {
    let s = &a.subject;
    let mut plan: Vec<Piece> = Vec::new();
    let mut work: Vec<usize> = Vec::new();
    let push = |plan: &mut Vec<Piece>, piece: Piece| {
        plan.push(piece);
        plan.len() - 1
    };

    match a.kind {
        WorkKind::BugFix => {
            let reproduce = if options.include_tests {
                Piece::new(
                    Role::Leaf,
                    "test",
                    1.5,
                    format!("Reproduce {s} with a failing test"),
                    format!(
                        "Write the smallest automated test that shows {s}; it must fail before the fix and pass after it."
                    ),
                )
            } else {
                Piece::new(
                    Role::Leaf,
                    "research",
                    1.5,
                    format!("Reproduce {s}"),
                    format!("Find exact steps, inputs and environment that trigger {s} and write them down."),
                )
            };
            let r = push(&mut plan, reproduce.done_when(vec![format!("{} is reproduced reliably", cap(s))]));
            let cause = push(&mut plan, Piece::new(Role::Leaf, "research", 2.0, format!("Find the root cause of {s}"),
                "Narrow it down with logs, a debugger or `git bisect` against the failing test; note why it happens, not only where.".into())
                .after(&[r]));
            let fix = push(
                &mut plan,
                Piece::new(
                    Role::Component(s.clone()),
                    "implementation",
                    3.0,
                    format!("Fix {s}"),
                    "Fix the root cause (not the symptom) and check the same pattern elsewhere in the code.".into(),
                )
                .after(&[cause])
                .done_when(a.criteria.clone()),
            );
            work.push(fix);
        }
        WorkKind::Research => {
            let frame = push(&mut plan, Piece::new(Role::Leaf, "research", 1.0, format!("Frame the questions and decision criteria for {s}"),
                "Write down what must be decided, the constraints, and how options will be compared (cost, effort, risk, performance).".into())
                .done_when(a.criteria.clone()));
            let options_list: Vec<String> =
                if a.explicit_components || a.components.len() > 1 { a.components.clone() } else { Vec::new() };
            let mut evaluations = Vec::new();
            if options_list.is_empty() {
                evaluations.push(push(&mut plan, Piece::new(Role::Research, "research", 2.0, format!("Survey existing approaches for {s}"),
                    format!("Collect the candidate approaches for {s} (libraries, services, in-house) with their trade-offs against the criteria.")).after(&[frame])));
            } else {
                for option in &options_list {
                    evaluations.push(push(
                        &mut plan,
                        Piece::new(
                            Role::Evaluate(option.clone()),
                            "research",
                            2.0,
                            format!("Evaluate {option}"),
                            format!("Assess {option} against the decision criteria; record evidence and numbers."),
                        )
                        .after(&[frame]),
                    ));
                }
            }
            let mut last = evaluations.clone();
            if a.estimate >= 4.0 {
                let proto = push(
                    &mut plan,
                    Piece::new(
                        Role::Prototype,
                        "research",
                        3.0,
                        "Prototype the most promising option".into(),
                        "Build a throwaway prototype of the leading option to test the riskiest assumption.".into(),
                    )
                    .after(&evaluations),
                );
                last = vec![proto];
            }
            let write_up = push(
                &mut plan,
                Piece::new(
                    Role::Leaf,
                    "research",
                    1.5,
                    format!("Write up findings and a recommendation on {s}"),
                    "A short report: options considered, evidence, recommendation, and follow-up tasks.".into(),
                )
                .after(&last),
            );
            work.push(write_up);
        }
        WorkKind::Documentation => {
            let outline = push(&mut plan, Piece::new(Role::Leaf, "documentation", 1.0, format!("Outline {s}"),
                "Decide the audience and what they need to do after reading; list existing material to reuse; agree the structure.".into()));
            let sections = if a.explicit_components { a.components.clone() } else { vec![s.clone()] };
            let mut written = Vec::new();
            for section in &sections {
                written.push(push(&mut plan, Piece::new(Role::Section(section.clone()), "documentation", 3.0, format!("Write {section}"),
                    format!("Write {section} for the audience from the outline, task by task, with exact commands and settings.")).after(&[outline])));
            }
            let needs_examples =
                a.lang.is_some() || a.mentions(&["example", "examples", "tutorial", "api", "code", "snippet"]);
            let mut before_review = written.clone();
            if needs_examples {
                let how = a.lang.map_or("by running each snippet in CI", |l| l.doc_examples_hint());
                before_review.push(push(
                    &mut plan,
                    Piece::new(
                        Role::Leaf,
                        "documentation",
                        1.5,
                        "Add examples that run".into(),
                        format!("Add copy-pasteable examples and keep them working, checked {how}."),
                    )
                    .after(&written),
                ));
            }
            let review = push(&mut plan, Piece::new(Role::Leaf, "documentation", 1.0, format!("Review {s} with a reader and publish"),
                "Have someone from the audience follow it end to end; fix what they stumble on; publish and link it.".into())
                .after(&before_review).done_when(a.criteria.clone()));
            work.push(review);
        }
        _ => {
            let design = if a.needs_design {
                let mut description =
                    format!("Agree the approach for {s} before coding: interfaces, data shapes, failure modes.");
                if !a.risks.is_empty() {
                    description.push_str(&format!(" Address the known risks: {}.", list(&a.risks)));
                }
                Some(push(
                    &mut plan,
                    Piece::new(Role::Design, "design", 1.5, format!("Design {s}"), description)
                        .done_when(vec!["design note reviewed and agreed".into()]),
                ))
            } else {
                None
            };
            let base: Vec<usize> = design.into_iter().collect();
            work = implementation_pieces(a, options, &mut plan, &base);
        }
    }

    if has_tests {
        let weight = 2.0 + 0.5 * a.criteria.len().saturating_sub(2) as f64;
        let title = match a.kind {
            WorkKind::BugFix => format!("Regression tests for {s}"),
            WorkKind::Documentation => format!("Check the examples and links of {s}"),
            WorkKind::Research => "Validate the recommendation against the criteria".to_owned(),
            _ => format!("Tests for {s}"),
        };
        let framework = a.lang.map(|l| format!(" with {}", l.test_framework(&a.words))).unwrap_or_default();
        let description = if a.criteria.is_empty() {
            format!("Cover the new behaviour and its error paths{framework}.")
        } else {
            format!("One test per acceptance criterion{framework}, plus error paths.")
        };
        push(
            &mut plan,
            Piece::new(Role::Tests, "test", weight.min(5.0), title, description)
                .after(&work)
                .done_when(a.criteria.clone()),
        );
    }
    if options.include_documentation && !matches!(a.kind, WorkKind::Documentation | WorkKind::Research) {
        push(
            &mut plan,
            Piece::new(
                Role::Docs,
                "documentation",
                if a.kind == WorkKind::BugFix { 0.5 } else { 1.0 },
                if a.kind == WorkKind::BugFix {
                    format!("Changelog entry for the {s} fix")
                } else {
                    format!("Document {s}")
                },
                doc_summary(a),
            )
            .after(&work),
        );
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
        let everything: Vec<usize> = (0..plan.len()).collect();
        let (title, description) = rollout_text(a);
        push(
            &mut plan,
            Piece::new(
                Role::Rollout,
                "deployment",
                if a.kind == WorkKind::BugFix { 0.5 } else { 1.0 },
                title,
                description,
            )
            .after(&everything)
            .done_when(vec!["released and monitored with no regression in errors or latency".into()]),
        );
    }
    plan
}

/// Implementation pieces for API, UI, migration, refactor, integration and feature work.
fn implementation_pieces(a: &Analysis, options: &ExpandOptions, plan: &mut Vec<Piece>, base: &[usize]) -> Vec<usize> {
    let s = &a.subject;
    let mut push = |piece: Piece| {
        plan.push(piece);
        plan.len() - 1
    };
    let mut work = Vec::new();
    let component_piece = |component: &String, title: String, description: String, after: &[usize]| {
        Piece::new(Role::Component(component.clone()), "implementation", 3.0, title, description)
            .after(after)
            .done_when(criteria_for(a, component))
    };
    match a.kind {
        WorkKind::ApiEndpoint => {
            let contract = push(Piece::new(Role::Contract, "design", 1.5, format!("Define the API contract for {s}"),
                "Request and response schemas, status codes, validation rules and error format; write them down (e.g. OpenAPI) before the handlers.".into()).after(base));
            let mut endpoints = Vec::new();
            for component in &a.components {
                let lower = component.to_lowercase();
                let title = if lower.contains("endpoint") || lower.contains("api") || a.explicit_components {
                    format!("Implement {component}")
                } else {
                    format!("Implement the {component} endpoint")
                };
                endpoints.push(push(component_piece(
                    component,
                    title,
                    format!("Route, handler, validation and business logic for {component}, following the contract."),
                    &[contract],
                )));
            }
            work.extend(&endpoints);
            if a.mentions(&[
                "database",
                "store",
                "save",
                "persist",
                "table",
                "repository",
                "db",
                "sql",
                "postgres",
                "sqlite",
            ]) {
                work.push(push(
                    Piece::new(
                        Role::Leaf,
                        "implementation",
                        2.0,
                        format!("Persistence for {s}"),
                        "Queries, transactions and indexes behind the handlers; no partial writes on error.".into(),
                    )
                    .after(&[contract]),
                ));
            }
            if a.mentions(&[
                "auth",
                "authentication",
                "authorization",
                "login",
                "token",
                "jwt",
                "permission",
                "permissions",
                "role",
                "roles",
                "oauth",
            ]) {
                work.push(push(
                    Piece::new(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        format!("Authentication and authorization for {s}"),
                        "Reject unauthenticated calls with 401 and forbidden ones with 403; test both.".into(),
                    )
                    .after(&endpoints),
                ));
            }
        }
        WorkKind::Ui => {
            for component in &a.components {
                let lower = component.to_lowercase();
                let title = if ["page", "component", "form", "screen", "view", "dialog", "modal", "widget"]
                    .iter()
                    .any(|w| lower.contains(w))
                {
                    format!("Build the {component}")
                } else {
                    format!("Build the {component} UI")
                };
                work.push(push(component_piece(
                    component,
                    title,
                    format!("Markup, state and styling of {component}, with loading, empty and error states."),
                    base,
                )));
            }
            if a.mentions(&["api", "backend", "server", "fetch", "save", "submit", "endpoint", "load"]) {
                let ui = work.clone();
                work.push(push(Piece::new(Role::Leaf, "implementation", 1.5, format!("Connect {s} to the backend"),
                    "Data fetching and submission with error handling, retries where safe and optimistic updates only where reversible.".into()).after(&ui)));
            }
            if a.mentions(&["responsive", "mobile", "css", "style", "styling", "theme", "layout"]) {
                let ui = work.clone();
                work.push(push(
                    Piece::new(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        format!("Responsive styling for {s}"),
                        "Layouts for small and large screens, theme tokens, no layout shift.".into(),
                    )
                    .after(&ui),
                ));
            }
        }
        WorkKind::DataMigration => {
            let forward = push(
                Piece::new(
                    Role::ForwardMigration,
                    "migration",
                    2.0,
                    format!("Write the forward migration for {s}"),
                    "Schema change that is safe on a live table: batched, lock-aware, re-runnable.".into(),
                )
                .after(base)
                .done_when(vec!["migration applies cleanly on an empty and a production-sized database".into()]),
            );
            let rollback = push(Piece::new(Role::Leaf, "migration", 1.0, format!("Write the rollback for {s}"),
                "A down migration (or documented restore procedure) that returns to the previous schema without losing data written since.".into())
                .after(&[forward]).done_when(vec!["rollback restores the previous schema and data".into()]));
            let mut chain = vec![forward, rollback];
            if a.mentions(&[
                "backfill",
                "existing",
                "convert",
                "transform",
                "copy",
                "move",
                "populate",
                "split",
                "merge",
                "data",
            ]) {
                chain.push(push(Piece::new(Role::Backfill, "migration", 2.0, format!("Backfill existing data for {s}"),
                    "Batch job that converts existing rows, resumable and idempotent, with progress logging and a row-count check.".into()).after(&[forward])));
            }
            if a.mentions(&[
                "rename",
                "drop",
                "remove",
                "change",
                "type",
                "split",
                "merge",
                "model",
                "models",
                "orm",
                "code",
                "application",
                "api",
            ]) {
                chain.push(push(Piece::new(Role::Component("application code".into()), "implementation", 2.0, "Update the application code for the new schema".into(),
                    "Models, queries and serializers read and write the new shape; keep reading the old one until the migration has run everywhere (expand/contract).".into()).after(&[forward])));
            }
            let rehearse = push(Piece::new(Role::Leaf, "migration", 1.0, "Rehearse on a copy of production data".into(),
                "Run forward, verify and rollback on a production-sized copy; record duration, lock time and row counts before and after.".into())
                .after(&chain).done_when(vec!["duration and locking are acceptable; row counts match".into()]));
            work = chain;
            work.push(rehearse);
        }
        WorkKind::Refactor => {
            let mut first = base.to_vec();
            if options.include_tests {
                first = vec![push(Piece::new(Role::Leaf, "test", 2.0, format!("Pin the current behaviour of {s} with characterization tests"),
                    "Tests that record today's outputs for representative inputs, so the refactor can prove it changed nothing.".into()).after(base))];
            }
            let mut pieces = Vec::new();
            for component in &a.components {
                pieces.push(push(component_piece(component, format!("Restructure {component}"),
                    format!("Extract or reshape {component} behind a clear interface in small, separately reviewable commits."), &first)));
            }
            let cleanup = push(
                Piece::new(
                    Role::Leaf,
                    "implementation",
                    1.5,
                    "Move call sites and delete the old code paths".into(),
                    "Switch every caller to the new structure and delete what is no longer used.".into(),
                )
                .after(&pieces),
            );
            work = pieces;
            work.push(cleanup);
        }
        WorkKind::Integration => {
            let service = a.service.clone().unwrap_or_else(|| s.clone());
            let client = push(Piece::new(Role::Component(format!("{service} client")), "implementation", 2.0, format!("Build the {service} client"),
                format!("Authentication and configuration for {service} (secrets from the environment or a secret store, never in code), timeouts on every call.")).after(base));
            let mapping = push(
                Piece::new(
                    Role::Leaf,
                    "implementation",
                    2.0,
                    format!("Map data between {service} and our model"),
                    format!("Translate {service}'s objects to ours and back; reject or log what cannot be mapped."),
                )
                .after(&[client])
                .done_when(a.criteria.clone()),
            );
            let failures = push(Piece::new(Role::Leaf, "implementation", 1.5, format!("Handle {service} failures"),
                "Retries with backoff on transient errors, rate limits, idempotency keys, and a clear error when the service is down.".into()).after(&[client]));
            work = vec![client, mapping, failures];
            if a.mentions(&["webhook", "webhooks", "callback", "callbacks", "events", "notifications"]) {
                work.push(push(
                    Piece::new(
                        Role::Leaf,
                        "implementation",
                        2.0,
                        format!("Receive {service} webhooks"),
                        "Verify signatures, deduplicate deliveries, answer fast and process asynchronously.".into(),
                    )
                    .after(&[mapping]),
                ));
            }
        }
        WorkKind::Feature | WorkKind::BugFix | WorkKind::Research | WorkKind::Documentation => {
            for component in &a.components {
                work.push(push(component_piece(
                    component,
                    format!("Implement {component}"),
                    format!("Data model, logic and error handling for {component}."),
                    base,
                )));
            }
            if a.components.len() > 1 {
                let parts = work.clone();
                work.push(push(Piece::new(Role::Leaf, "implementation", 1.0, format!("Wire {s} together"),
                    "Connect the parts at the entry points (configuration, routes, commands) and check the whole flow by hand.".into()).after(&parts)));
            }
        }
    }
    work
}

fn doc_summary(a: &Analysis) -> String {
    match a.kind {
        WorkKind::ApiEndpoint => {
            "API reference with request/response examples and error codes; changelog entry.".into()
        }
        WorkKind::Ui => "User-facing help for the new screens and a changelog entry.".into(),
        WorkKind::DataMigration => "A runbook: how to apply, verify and roll back; what to watch while it runs.".into(),
        WorkKind::Integration => {
            "Setup guide (credentials, configuration) and a runbook for when the service fails.".into()
        }
        WorkKind::BugFix => "Changelog entry and a note of the root cause in the fix's description.".into(),
        WorkKind::Refactor => "Update module and architecture notes to the new structure.".into(),
        _ => "Developer notes for the new behaviour and a changelog entry.".into(),
    }
}

fn rollout_text(a: &Analysis) -> (String, String) {
    let s = &a.subject;
    match a.kind {
        WorkKind::DataMigration => (format!("Run the {s} migration in production"),
            "Take a backup, run in a low-traffic window, watch errors and lock waits, and roll back on the criteria agreed beforehand.".into()),
        WorkKind::Integration => (format!("Enable {s} in staging, then production"),
            "Sandbox credentials in staging first; then production behind a switch that can turn the integration off.".into()),
        WorkKind::BugFix => (format!("Ship the fix for {s}"),
            "Release it (hotfix if urgent) and confirm in production that the symptom is gone.".into()),
        _ => (format!("Roll out {s}"),
            "Deploy to staging and verify; release to production behind a feature flag or gradually; watch errors and latency.".into()),
    }
}

/// The task's tags, the kind of work, and the language on pieces that touch code.
fn subtask_tags(a: &Analysis, task_type: &str) -> Vec<String> {
    let mut tags: Vec<String> = a.tags.clone();
    let lang = a
        .lang
        .filter(|_| matches!(task_type, "implementation" | "test" | "migration"))
        .map(|l| l.name().to_lowercase());
    for extra in std::iter::once(a.kind.tag().to_owned()).chain(lang) {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(&extra)) {
            tags.push(extra);
        }
    }
    tags
}

/// A test to write, before efforts and subtask links are known.
struct TestDraft {
    title: String,
    description: String,
    test_type: &'static str,
    criterion: Option<String>,
}

fn test_tasks(a: &Analysis) -> Vec<TestDraft> {
    let s = &a.subject;
    let command = a.lang.map(|l| format!(" Run it with `{}`.", l.test_command(&a.words))).unwrap_or_default();
    let criterion_type = match a.kind {
        WorkKind::ApiEndpoint | WorkKind::Integration => "integration",
        WorkKind::Ui => "e2e",
        WorkKind::DataMigration => "migration",
        WorkKind::Research | WorkKind::Documentation => "manual",
        _ => "unit",
    };
    let how = match a.kind {
        WorkKind::ApiEndpoint => "Call the endpoint over HTTP and assert the status code and body.",
        WorkKind::Ui => "Drive the page in a browser (Playwright) as a user would and assert what is shown.",
        WorkKind::DataMigration => {
            "Apply the migration to a scratch database seeded with representative rows and assert the result."
        }
        WorkKind::Integration => "Run against a mock server that speaks the service's API.",
        WorkKind::Research | WorkKind::Documentation => "Check it by hand and record the evidence.",
        _ => "Arrange the inputs, act once, assert the observable outcome.",
    };
    let mut tests = Vec::new();
    match a.kind {
        WorkKind::BugFix => tests.push(TestDraft {
            title: format!("Regression test: {s}"),
            description: format!("The reproduction test stays in the suite so {s} cannot come back.{command}"),
            test_type: "regression",
            criterion: None,
        }),
        WorkKind::DataMigration => tests.push(TestDraft {
            title: "Migration round trip: up, down, up".into(),
            description: format!("On a scratch database with seeded rows, apply, roll back and re-apply; assert schema and row counts each time.{command}"),
            test_type: "migration",
            criterion: None,
        }),
        WorkKind::Research if a.estimate >= 4.0 => tests.push(TestDraft {
            title: "Prototype meets the decision criteria".into(),
            description: "Check the prototype against each decision criterion and record the evidence.".into(),
            test_type: "manual",
            criterion: None,
        }),
        WorkKind::Documentation => tests.push(TestDraft {
            title: format!("Examples and links of {s} work"),
            description: "Run every example as written and check every link; fix what fails.".into(),
            test_type: "manual",
            criterion: None,
        }),
        WorkKind::Integration => tests.push(TestDraft {
            title: format!("Contract tests against a mock {}", a.service.as_deref().unwrap_or(s)),
            description: "A local mock server returns recorded responses, errors (4xx, 5xx, 429) and timeouts; assert mapping, retries and error reporting.".into(),
            test_type: "contract",
            criterion: None,
        }),
        _ => {}
    }
    for criterion in &a.criteria {
        tests.push(TestDraft {
            title: format!("Test: {criterion}"),
            description: format!("{how}{command}"),
            test_type: criterion_type,
            criterion: Some(criterion.clone()),
        });
    }
    match a.kind {
        WorkKind::ApiEndpoint => tests.push(TestDraft {
            title: format!("Error paths of {s}"),
            description: format!("Invalid input gives 400/422 with a useful message, unknown ids 404, and nothing is written on failure.{command}"),
            test_type: "integration",
            criterion: None,
        }),
        WorkKind::Ui => tests.push(TestDraft {
            title: format!("Accessibility of {s}"),
            description: "Keyboard-only use, labels and focus order; run an axe check in the end-to-end test.".into(),
            test_type: "e2e",
            criterion: None,
        }),
        WorkKind::Refactor => tests.push(TestDraft {
            title: format!("Behaviour of {s} is unchanged"),
            description: format!("The characterization tests pass unchanged after every step of the refactor.{command}"),
            test_type: "regression",
            criterion: None,
        }),
        _ => {}
    }
    if a.criteria.is_empty() && !matches!(a.kind, WorkKind::Research | WorkKind::Documentation | WorkKind::BugFix) {
        for component in &a.components {
            tests.push(TestDraft {
                title: format!("Tests for {component}"),
                description: format!("Normal cases, boundaries and error handling of {component}.{command}"),
                test_type: criterion_type,
                criterion: None,
            });
        }
    }
    tests
}

fn distribute_tests(a: &Analysis, drafts: Vec<TestDraft>, parent: Option<(usize, f64)>) -> Vec<TestTask> {
    let efforts = parent.map(|(_, effort)| split_effort(effort, &vec![1.0; drafts.len()]));
    let framework = a.lang.map(|l| l.test_framework(&a.words));
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| TestTask {
            framework: match d.test_type {
                "e2e" => Some("Playwright".to_owned()),
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

/// Documentation to write, before efforts are known.
struct DocDraft {
    title: String,
    description: String,
    doc_type: &'static str,
}

fn doc_tasks(a: &Analysis) -> Vec<DocDraft> {
    let s = &a.subject;
    let doc = |title: String, description: &str, doc_type: &'static str| DocDraft {
        title,
        description: description.to_owned(),
        doc_type,
    };
    match a.kind {
        WorkKind::ApiEndpoint => {
            let mut docs: Vec<DocDraft> = a
                .components
                .iter()
                .map(|c| {
                    doc(
                        format!("API reference for {c}"),
                        "Request and response examples, every status code with its meaning, authentication required.",
                        "api",
                    )
                })
                .collect();
            docs.push(doc(
                format!("Changelog entry for {s}"),
                "What API consumers can now do and any behaviour change.",
                "changelog",
            ));
            docs
        }
        WorkKind::Ui => vec![
            doc(
                format!("User help for {s}"),
                "What the screen is for and how to do the main tasks, with screenshots.",
                "user",
            ),
            doc(format!("Changelog entry for {s}"), "What users will notice.", "changelog"),
        ],
        WorkKind::DataMigration => vec![doc(
            format!("Runbook: apply, verify and roll back {s}"),
            "Preconditions, the exact commands, how long it takes, what to watch, when and how to roll back.",
            "runbook",
        )],
        WorkKind::Integration => {
            let service = a.service.as_deref().unwrap_or(s);
            vec![
                doc(
                    format!("Setup guide for {service}"),
                    "Which credentials to create, where to put them, and how to check the connection.",
                    "user",
                ),
                doc(
                    format!("Runbook: {service} is failing"),
                    "Symptoms, dashboards, how to disable the integration safely and replay missed work.",
                    "runbook",
                ),
            ]
        }
        WorkKind::BugFix => vec![doc(
            format!("Changelog entry for the {s} fix"),
            "Symptom, affected versions and the root cause in one paragraph.",
            "changelog",
        )],
        WorkKind::Refactor => vec![doc(
            format!("Architecture notes for {s}"),
            "The new structure, why, and where things moved.",
            "developer",
        )],
        WorkKind::Research => vec![doc(
            format!("Findings report on {s}"),
            "Question, options, evidence, recommendation and follow-ups.",
            "report",
        )],
        WorkKind::Documentation => {
            let sections = if a.explicit_components { a.components.clone() } else { vec![s.clone()] };
            sections
                .iter()
                .map(|c| {
                    doc(
                        format!("Write {c}"),
                        "Task-oriented sections with exact commands; reviewed by a reader.",
                        "user",
                    )
                })
                .collect()
        }
        WorkKind::Feature => vec![
            doc(format!("Developer notes for {s}"), "How it works, configuration and extension points.", "developer"),
            doc(format!("Changelog entry for {s}"), "What users can now do.", "changelog"),
        ],
    }
}

fn distribute_docs(drafts: Vec<DocDraft>, parent: Option<(usize, f64)>) -> Vec<DocumentationTask> {
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

/// A child of a piece, before efforts are assigned.
struct Child {
    role: Role,
    title: String,
    description: String,
    task_type: &'static str,
    weight: f64,
    dependencies: Vec<usize>,
    criteria: Vec<String>,
}

fn child(
    role: Role,
    task_type: &'static str,
    weight: f64,
    title: String,
    description: String,
    dependencies: &[usize],
) -> Child {
    Child { role, title, description, task_type, weight, dependencies: dependencies.to_vec(), criteria: Vec::new() }
}

/// How a piece splits one level down (empty = atomic).
fn child_templates(a: &Analysis, role: &Role, tests: &[TestDraft], docs: &[DocDraft]) -> Vec<Child> {
    let types_hint = a.lang.map_or("types for the data it handles", |l| l.types_hint());
    match role {
        Role::Design => {
            let spike_target = a.risks.first().cloned().unwrap_or_else(|| "the least certain part".to_owned());
            vec![
                child(
                    Role::Leaf,
                    "research",
                    1.0,
                    format!("Spike: {spike_target}"),
                    "Time-boxed experiment to remove the biggest unknown before committing to a design.".into(),
                    &[],
                ),
                child(
                    Role::Leaf,
                    "design",
                    1.5,
                    "Write a short design note".into(),
                    "Interfaces, data shapes, failure modes and alternatives considered.".into(),
                    &[0],
                ),
                child(
                    Role::Leaf,
                    "design",
                    0.5,
                    "Review the design".into(),
                    "Walk a teammate through it; record decisions.".into(),
                    &[1],
                ),
            ]
        }
        Role::Contract => vec![
            child(
                Role::Leaf,
                "design",
                1.0,
                "Request and response schemas".into(),
                format!("Field names, types and required fields, as {types_hint}."),
                &[],
            ),
            child(
                Role::Leaf,
                "design",
                1.0,
                "Status codes and error format".into(),
                "One error shape for every failure; which status for which case.".into(),
                &[],
            ),
        ],
        Role::Component(component) => {
            let logic_role =
                if criteria_for(a, component).len() >= 2 { Role::CoreLogic(component.clone()) } else { Role::Leaf };
            match a.kind {
                WorkKind::ApiEndpoint => vec![
                    child(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        format!("Route and handler for {component}"),
                        "Register the route; parse and validate input into typed values.".into(),
                        &[],
                    ),
                    child(
                        logic_role,
                        "implementation",
                        2.0,
                        format!("Business logic of {component}"),
                        "The behaviour itself, independent of HTTP so it can be unit tested.".into(),
                        &[0],
                    ),
                    child(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        format!("Errors and status codes of {component}"),
                        "Map every failure to the contract's status and error body.".into(),
                        &[1],
                    ),
                ],
                WorkKind::Ui => vec![
                    child(
                        Role::Leaf,
                        "implementation",
                        1.5,
                        format!("Markup and layout of {component}"),
                        "Semantic elements, labels, focus order.".into(),
                        &[],
                    ),
                    child(
                        logic_role,
                        "implementation",
                        2.0,
                        format!("State and data of {component}"),
                        "State, data loading and submission.".into(),
                        &[0],
                    ),
                    child(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        format!("Loading, empty and error states of {component}"),
                        "Every state has a designed view; errors say what to do.".into(),
                        &[1],
                    ),
                ],
                WorkKind::BugFix => vec![
                    child(
                        Role::Leaf,
                        "implementation",
                        2.0,
                        "Minimal fix at the root cause".into(),
                        "The smallest change that makes the failing test pass.".into(),
                        &[],
                    ),
                    child(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        "Check the same pattern elsewhere".into(),
                        "Search the code for the same mistake and fix or file it.".into(),
                        &[0],
                    ),
                ],
                WorkKind::Refactor => vec![
                    child(
                        Role::Leaf,
                        "implementation",
                        2.0,
                        format!("Introduce the new structure for {component}"),
                        "Add the new module or interface beside the old code.".into(),
                        &[],
                    ),
                    child(
                        Role::Leaf,
                        "implementation",
                        2.0,
                        format!("Move {component}'s logic over"),
                        "Move behaviour in small commits, tests green after each.".into(),
                        &[0],
                    ),
                ],
                _ => vec![
                    child(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        format!("Data model for {component}"),
                        format!("Define {types_hint}."),
                        &[],
                    ),
                    child(
                        logic_role,
                        "implementation",
                        2.5,
                        format!("Core logic of {component}"),
                        "The behaviour, with its edge cases.".into(),
                        &[0],
                    ),
                    child(
                        Role::Leaf,
                        "implementation",
                        1.0,
                        format!("Error handling for {component}"),
                        "Invalid input and failures of dependencies produce clear errors, no partial state.".into(),
                        &[1],
                    ),
                ],
            }
        }
        Role::CoreLogic(component) => criteria_for(a, component)
            .into_iter()
            .map(|c| Child {
                criteria: vec![c.clone()],
                ..child(
                    Role::Leaf,
                    "implementation",
                    1.0,
                    format!("Make it so: {c}"),
                    format!("Implement the part of {component} that satisfies this criterion."),
                    &[],
                )
            })
            .collect(),
        Role::ForwardMigration => vec![
            child(
                Role::Leaf,
                "migration",
                1.0,
                "Schema change".into(),
                "The DDL, split so no step holds a long lock (add nullable, backfill, then constrain).".into(),
                &[],
            ),
            child(
                Role::Leaf,
                "migration",
                1.0,
                "Guards for re-running".into(),
                "IF NOT EXISTS / version checks so a retried run is harmless.".into(),
                &[0],
            ),
        ],
        Role::Backfill => vec![
            child(
                Role::Leaf,
                "migration",
                1.5,
                "Batched backfill job".into(),
                "Process rows in batches by primary key with a checkpoint to resume.".into(),
                &[],
            ),
            child(
                Role::Leaf,
                "migration",
                0.5,
                "Verify the backfill".into(),
                "Counts and checksums before and after; a sample compared by hand.".into(),
                &[0],
            ),
        ],
        Role::Tests => tests
            .iter()
            .map(|t| {
                let mut c = child(Role::Leaf, "test", 1.0, t.title.clone(), t.description.clone(), &[]);
                c.criteria = t.criterion.iter().cloned().collect();
                c
            })
            .collect(),
        Role::Docs => docs
            .iter()
            .map(|d| child(Role::Leaf, "documentation", 1.0, d.title.clone(), d.description.clone(), &[]))
            .collect(),
        Role::Rollout => vec![
            child(
                Role::Leaf,
                "deployment",
                1.0,
                "Deploy to staging and verify".into(),
                "Run the smoke checks and the acceptance criteria by hand on staging.".into(),
                &[],
            ),
            child(
                Role::Leaf,
                "deployment",
                1.0,
                "Release to production".into(),
                "Gradually or behind a flag, with the rollback step written down.".into(),
                &[0],
            ),
            child(
                Role::Leaf,
                "deployment",
                0.5,
                "Watch errors and metrics after release".into(),
                "Compare error rate and latency with the previous day.".into(),
                &[1],
            ),
        ],
        Role::Research => vec![
            child(
                Role::Leaf,
                "research",
                1.0,
                "List candidate approaches".into(),
                "Libraries, services and in-house options, with links.".into(),
                &[],
            ),
            child(
                Role::Leaf,
                "research",
                1.0,
                "Compare them against the criteria".into(),
                "A table of options against criteria with evidence.".into(),
                &[0],
            ),
        ],
        Role::Evaluate(option) => vec![
            child(
                Role::Leaf,
                "research",
                1.0,
                format!("Collect the facts on {option}"),
                "Documentation, limits, cost, licence, maintenance activity and known issues.".into(),
                &[],
            ),
            child(
                Role::Leaf,
                "research",
                1.0,
                format!("Try {option} on our use case"),
                "A small experiment or benchmark with our data and load; record the numbers.".into(),
                &[0],
            ),
        ],
        Role::Prototype => vec![
            child(
                Role::Leaf,
                "research",
                2.0,
                "Build the smallest prototype of the riskiest part".into(),
                "Only what is needed to answer the open question; throwaway code.".into(),
                &[],
            ),
            child(
                Role::Leaf,
                "research",
                1.0,
                "Measure the prototype against the criteria".into(),
                "Record what was measured, how, and the result.".into(),
                &[0],
            ),
        ],
        Role::Section(section) => vec![
            child(
                Role::Leaf,
                "documentation",
                2.0,
                format!("Draft {section}"),
                "Write the steps in the order the reader performs them.".into(),
                &[],
            ),
            child(
                Role::Leaf,
                "documentation",
                1.0,
                format!("Check every command in {section}"),
                "Run each command as written on a clean machine and fix what differs.".into(),
                &[0],
            ),
        ],
        Role::Leaf => Vec::new(),
    }
}

/// Children of `piece` at `level`, recursing while the level is within `depth` and pieces are big
/// enough to split.
fn children_of(
    a: &Analysis,
    piece: &Piece,
    effort: f64,
    level: u32,
    depth: u32,
    tests: &[TestDraft],
    docs: &[DocDraft],
) -> Vec<ExpandedSubtask> {
    children_of_role(a, &piece.role, effort, level, depth, tests, docs)
}

fn children_of_role(
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
                subtasks: children_of_role(a, &c.role, e, level + 1, depth, tests, docs),
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
fn implementation_steps(a: &Analysis, plan: &[Piece], tests_index: Option<usize>) -> Vec<ImplementationStep> {
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
            format!("Run {} and the test suite ({}) before review.", lang.checks(), lang.test_framework(&a.words))
        }
        None => "Run the linters, formatter and the whole test suite before review.".to_owned(),
    };
    if let Some(index) = tests_index.or(last_work) {
        let insert_at = steps.iter().position(|(_, _, i)| *i > index).unwrap_or(steps.len());
        steps.insert(insert_at, ("Run the checks".to_owned(), checks, index));
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

/// Splits `total` hours by `weights` into quarter hours that add up to `total` (largest-remainder
/// rounding; ties go to the earlier piece). Every piece gets at least a quarter hour, so a total too
/// small for the pieces is exceeded.
pub(crate) fn split_effort(total: f64, weights: &[f64]) -> Vec<f64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let quarters = (total * 4.0).round().max(0.0) as i64;
    let weight_sum: f64 = weights.iter().sum();
    let n = weights.len() as i64;
    if quarters <= n || weight_sum <= 0.0 {
        return vec![0.25; weights.len()];
    }
    // One quarter each first, the rest by weight.
    let spare = quarters - n;
    let exact: Vec<f64> = weights.iter().map(|w| spare as f64 * w / weight_sum).collect();
    let mut given: Vec<i64> = exact.iter().map(|e| e.floor() as i64).collect();
    let mut left = spare - given.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&x, &y| {
        let rx = exact[x] - exact[x].floor();
        let ry = exact[y] - exact[y].floor();
        ry.total_cmp(&rx).then(x.cmp(&y))
    });
    for &i in order.iter().cycle() {
        if left <= 0 {
            break;
        }
        given[i] += 1;
        left -= 1;
    }
    given.iter().map(|q| (q + 1) as f64 / 4.0).collect()
}

/// 0.35 plus what the task gives to go on, at most 0.75: the planner knows the kind of work, not
/// the code.
fn confidence(task: &TaskContext, a: &Analysis) -> f64 {
    let mut c: f64 = 0.35;
    if !a.criteria.is_empty() {
        c += 0.1;
    }
    if a.estimate_source != EstimateSource::Assumed {
        c += 0.1;
    }
    let text_len = task.description.as_deref().map_or(0, str::len) + task.details.as_deref().map_or(0, str::len);
    if text_len >= 80 {
        c += 0.05;
    }
    if a.kind_score >= 3 {
        c += 0.1;
    }
    if a.explicit_components {
        c += 0.05;
    }
    (c.min(0.75) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_effort_sums_to_total_in_quarters() {
        let efforts = split_effort(10.0, &[1.5, 3.0, 3.0, 2.0, 1.0]);
        assert_eq!(efforts.iter().sum::<f64>(), 10.0);
        assert!(efforts.iter().all(|e| (e * 4.0).fract() == 0.0 && *e >= 0.25));
        assert!(efforts[1] > efforts[0] && efforts[1] > efforts[4]);
        assert_eq!(split_effort(0.5, &[1.0, 1.0, 1.0]), vec![0.25; 3]);
        assert_eq!(split_effort(7.0, &[1.0]), vec![7.0]);
    }
}
