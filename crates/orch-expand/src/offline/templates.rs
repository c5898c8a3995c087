//! What the offline planner writes, as data: the title, description, type, weight and sibling links of every piece
//! it can propose, the words that call for optional pieces, and the texts chosen by the kind of work. The planner
//! (`pieces`, `children`, `drafts`) decides which templates apply and fills their slots; nothing here decides.
//!
//! Slots are written `{name}` and filled by [`fill`]: `{subject}` (the task's subject), `{Subject}` (the same,
//! capitalised), `{component}`, `{criterion}`, `{option}`, `{section}`, `{service}`, `{target}` (what a spike
//! explores), `{types}` (how the language writes data types), `{how}` (how examples are checked, or how a test works),
//! `{risks}`, `{framework}`, `{checks}`, `{command}` and `{run}` (how to run one test, or nothing).

use super::analysis::WorkKind;

/// A piece of a plan: its texts with slots, subtask type, weight relative to its siblings, and the indices of the
/// earlier siblings it follows (children only; the planner links top-level pieces).
#[derive(Debug, Clone, Copy)]
pub(super) struct Template {
    /// Subtask type: design, research, implementation, test, documentation, migration or deployment.
    pub task_type: &'static str,
    /// Share of the parent's hours, relative to the siblings'.
    pub weight: f64,
    /// Title, with slots.
    pub title: &'static str,
    /// Description, with slots.
    pub description: &'static str,
    /// Earlier siblings this one depends on.
    pub after: &'static [usize],
    /// Splits one level down into one child per acceptance criterion of its component.
    pub core_logic: bool,
}

const fn piece(task_type: &'static str, weight: f64, title: &'static str, description: &'static str) -> Template {
    Template { task_type, weight, title, description, after: &[], core_logic: false }
}

const fn child(
    task_type: &'static str,
    weight: f64,
    title: &'static str,
    description: &'static str,
    after: &'static [usize],
) -> Template {
    Template { task_type, weight, title, description, after, core_logic: false }
}

/// A child that becomes its component's core logic when the component has two or more criteria.
const fn logic(weight: f64, title: &'static str, description: &'static str, after: &'static [usize]) -> Template {
    Template { task_type: "implementation", weight, title, description, after, core_logic: true }
}

/// Fills the `{name}` slots of `template` from `slots`; slot values are not scanned again, and braces that name no
/// slot are kept as written.
pub(super) fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after_open = &rest[open + 1..];
        let value = after_open
            .find('}')
            .and_then(|close| slots.iter().find(|(name, _)| *name == &after_open[..close]).map(|(_, v)| (close, *v)));
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after_open[close + 1..];
            }
            None => {
                out.push('{');
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    out
}

// Top-level pieces of a bug fix.

pub(super) const BUG_REPRODUCE_WITH_TEST: Template = piece(
    "test",
    1.5,
    "Reproduce {subject} with a failing test",
    "Write the smallest automated test that shows {subject}; it must fail before the fix and pass after it.",
);
pub(super) const BUG_REPRODUCE: Template = piece(
    "research",
    1.5,
    "Reproduce {subject}",
    "Find exact steps, inputs and environment that trigger {subject} and write them down.",
);
pub(super) const BUG_REPRODUCED: &str = "{Subject} is reproduced reliably";
pub(super) const BUG_ROOT_CAUSE: Template = piece(
    "research",
    2.0,
    "Find the root cause of {subject}",
    "Narrow it down with logs, a debugger or `git bisect` against the failing test; note why it happens, not only where.",
);
pub(super) const BUG_FIX: Template = piece(
    "implementation",
    3.0,
    "Fix {subject}",
    "Fix the root cause (not the symptom) and check the same pattern elsewhere in the code.",
);

// Top-level pieces of research.

pub(super) const RESEARCH_FRAME: Template = piece(
    "research",
    1.0,
    "Frame the questions and decision criteria for {subject}",
    "Write down what must be decided, the constraints, and how options will be compared (cost, effort, risk, performance).",
);
pub(super) const RESEARCH_SURVEY: Template = piece(
    "research",
    2.0,
    "Survey existing approaches for {subject}",
    "Collect the candidate approaches for {subject} (libraries, services, in-house) with their trade-offs against the criteria.",
);
pub(super) const RESEARCH_EVALUATE: Template = piece(
    "research",
    2.0,
    "Evaluate {option}",
    "Assess {option} against the decision criteria; record evidence and numbers.",
);
/// Research of at least this many hours gets a prototype before the write-up.
pub(super) const RESEARCH_PROTOTYPE_HOURS: f64 = 4.0;
pub(super) const RESEARCH_PROTOTYPE: Template = piece(
    "research",
    3.0,
    "Prototype the most promising option",
    "Build a throwaway prototype of the leading option to test the riskiest assumption.",
);
pub(super) const RESEARCH_WRITE_UP: Template = piece(
    "research",
    1.5,
    "Write up findings and a recommendation on {subject}",
    "A short report: options considered, evidence, recommendation, and follow-up tasks.",
);

// Top-level pieces of documentation.

pub(super) const DOCS_OUTLINE: Template = piece(
    "documentation",
    1.0,
    "Outline {subject}",
    "Decide the audience and what they need to do after reading; list existing material to reuse; agree the structure.",
);
pub(super) const DOCS_SECTION: Template = piece(
    "documentation",
    3.0,
    "Write {section}",
    "Write {section} for the audience from the outline, task by task, with exact commands and settings.",
);
/// Words that make documentation need runnable examples (a known language does too).
pub(super) const EXAMPLE_WORDS: &[&str] = &["example", "examples", "tutorial", "api", "code", "snippet"];
/// How examples are checked when the language gives no better way.
pub(super) const EXAMPLES_CHECKED: &str = "by running each snippet in CI";
pub(super) const DOCS_EXAMPLES: Template = piece(
    "documentation",
    1.5,
    "Add examples that run",
    "Add copy-pasteable examples and keep them working, checked {how}.",
);
pub(super) const DOCS_REVIEW: Template = piece(
    "documentation",
    1.0,
    "Review {subject} with a reader and publish",
    "Have someone from the audience follow it end to end; fix what they stumble on; publish and link it.",
);

// Pieces every kind of implementation work may get.

pub(super) const DESIGN: Template = piece(
    "design",
    1.5,
    "Design {subject}",
    "Agree the approach for {subject} before coding: interfaces, data shapes, failure modes.",
);
/// Appended to the design's description when the task names risks.
pub(super) const DESIGN_RISKS: &str = " Address the known risks: {risks}.";
pub(super) const DESIGN_AGREED: &str = "design note reviewed and agreed";
/// A piece per component of feature work (and of bug fixes, research and documentation reaching the generic path).
pub(super) const FEATURE_COMPONENT: Template =
    piece("implementation", 3.0, "Implement {component}", "Data model, logic and error handling for {component}.");
pub(super) const FEATURE_WIRE: Template = piece(
    "implementation",
    1.0,
    "Wire {subject} together",
    "Connect the parts at the entry points (configuration, routes, commands) and check the whole flow by hand.",
);

// Implementation pieces of an API.

pub(super) const API_CONTRACT: Template = piece(
    "design",
    1.5,
    "Define the API contract for {subject}",
    "Request and response schemas, status codes, validation rules and error format; write them down (e.g. OpenAPI) before the handlers.",
);
/// Words in a component that already say it is an endpoint.
pub(super) const API_ENDPOINT_WORDS: &[&str] = &["endpoint", "api"];
pub(super) const API_ENDPOINT: Template = piece(
    "implementation",
    3.0,
    "Implement {component}",
    "Route, handler, validation and business logic for {component}, following the contract.",
);
pub(super) const API_ENDPOINT_NAMED: &str = "Implement the {component} endpoint";
pub(super) const PERSISTENCE_WORDS: &[&str] =
    &["database", "store", "save", "persist", "table", "repository", "db", "sql", "postgres", "sqlite"];
pub(super) const API_PERSISTENCE: Template = piece(
    "implementation",
    2.0,
    "Persistence for {subject}",
    "Queries, transactions and indexes behind the handlers; no partial writes on error.",
);
pub(super) const AUTH_WORDS: &[&str] = &[
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
];
pub(super) const API_AUTH: Template = piece(
    "implementation",
    1.0,
    "Authentication and authorization for {subject}",
    "Reject unauthenticated calls with 401 and forbidden ones with 403; test both.",
);

// Implementation pieces of a UI.

/// Words in a component that already say it is a piece of UI.
pub(super) const UI_WORDS: &[&str] = &["page", "component", "form", "screen", "view", "dialog", "modal", "widget"];
pub(super) const UI_COMPONENT: Template = piece(
    "implementation",
    3.0,
    "Build the {component}",
    "Markup, state and styling of {component}, with loading, empty and error states.",
);
pub(super) const UI_COMPONENT_NAMED: &str = "Build the {component} UI";
pub(super) const BACKEND_WORDS: &[&str] = &["api", "backend", "server", "fetch", "save", "submit", "endpoint", "load"];
pub(super) const UI_BACKEND: Template = piece(
    "implementation",
    1.5,
    "Connect {subject} to the backend",
    "Data fetching and submission with error handling, retries where safe and optimistic updates only where reversible.",
);
pub(super) const STYLE_WORDS: &[&str] = &["responsive", "mobile", "css", "style", "styling", "theme", "layout"];
pub(super) const UI_RESPONSIVE: Template = piece(
    "implementation",
    1.0,
    "Responsive styling for {subject}",
    "Layouts for small and large screens, theme tokens, no layout shift.",
);

// Implementation pieces of a data migration.

pub(super) const MIGRATION_FORWARD: Template = piece(
    "migration",
    2.0,
    "Write the forward migration for {subject}",
    "Schema change that is safe on a live table: batched, lock-aware, re-runnable.",
);
pub(super) const MIGRATION_FORWARD_DONE: &str = "migration applies cleanly on an empty and a production-sized database";
pub(super) const MIGRATION_ROLLBACK: Template = piece(
    "migration",
    1.0,
    "Write the rollback for {subject}",
    "A down migration (or documented restore procedure) that returns to the previous schema without losing data written since.",
);
pub(super) const MIGRATION_ROLLBACK_DONE: &str = "rollback restores the previous schema and data";
pub(super) const BACKFILL_WORDS: &[&str] =
    &["backfill", "existing", "convert", "transform", "copy", "move", "populate", "split", "merge", "data"];
pub(super) const MIGRATION_BACKFILL: Template = piece(
    "migration",
    2.0,
    "Backfill existing data for {subject}",
    "Batch job that converts existing rows, resumable and idempotent, with progress logging and a row-count check.",
);
pub(super) const APPLICATION_CODE_WORDS: &[&str] = &[
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
];
/// The component the application-code piece stands for.
pub(super) const APPLICATION_CODE: &str = "application code";
pub(super) const MIGRATION_APPLICATION_CODE: Template = piece(
    "implementation",
    2.0,
    "Update the application code for the new schema",
    "Models, queries and serializers read and write the new shape; keep reading the old one until the migration has run everywhere (expand/contract).",
);
pub(super) const MIGRATION_REHEARSE: Template = piece(
    "migration",
    1.0,
    "Rehearse on a copy of production data",
    "Run forward, verify and rollback on a production-sized copy; record duration, lock time and row counts before and after.",
);
pub(super) const MIGRATION_REHEARSED: &str = "duration and locking are acceptable; row counts match";

// Implementation pieces of a refactor.

pub(super) const REFACTOR_PIN: Template = piece(
    "test",
    2.0,
    "Pin the current behaviour of {subject} with characterization tests",
    "Tests that record today's outputs for representative inputs, so the refactor can prove it changed nothing.",
);
pub(super) const REFACTOR_COMPONENT: Template = piece(
    "implementation",
    3.0,
    "Restructure {component}",
    "Extract or reshape {component} behind a clear interface in small, separately reviewable commits.",
);
pub(super) const REFACTOR_CLEANUP: Template = piece(
    "implementation",
    1.5,
    "Move call sites and delete the old code paths",
    "Switch every caller to the new structure and delete what is no longer used.",
);

// Implementation pieces of an integration.

/// The component the client piece stands for.
pub(super) const INTEGRATION_CLIENT_COMPONENT: &str = "{service} client";
pub(super) const INTEGRATION_CLIENT: Template = piece(
    "implementation",
    2.0,
    "Build the {service} client",
    "Authentication and configuration for {service} (secrets from the environment or a secret store, never in code), timeouts on every call.",
);
pub(super) const INTEGRATION_MAPPING: Template = piece(
    "implementation",
    2.0,
    "Map data between {service} and our model",
    "Translate {service}'s objects to ours and back; reject or log what cannot be mapped.",
);
pub(super) const INTEGRATION_FAILURES: Template = piece(
    "implementation",
    1.5,
    "Handle {service} failures",
    "Retries with backoff on transient errors, rate limits, idempotency keys, and a clear error when the service is down.",
);
pub(super) const WEBHOOK_WORDS: &[&str] = &["webhook", "webhooks", "callback", "callbacks", "events", "notifications"];
pub(super) const INTEGRATION_WEBHOOKS: Template = piece(
    "implementation",
    2.0,
    "Receive {service} webhooks",
    "Verify signatures, deduplicate deliveries, answer fast and process asynchronously.",
);

// The closing pieces: tests, documentation, rollout.

/// The tests piece's title by kind of work.
pub(super) fn tests_title(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::BugFix => "Regression tests for {subject}",
        WorkKind::Documentation => "Check the examples and links of {subject}",
        WorkKind::Research => "Validate the recommendation against the criteria",
        _ => "Tests for {subject}",
    }
}
pub(super) const TESTS_WITHOUT_CRITERIA: &str = "Cover the new behaviour and its error paths{framework}.";
pub(super) const TESTS_PER_CRITERION: &str = "One test per acceptance criterion{framework}, plus error paths.";

pub(super) const DOCS_PIECE: &str = "Document {subject}";
pub(super) const DOCS_PIECE_FOR_FIX: &str = "Changelog entry for the {subject} fix";

/// The documentation piece's description by kind of work.
pub(super) fn doc_summary(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::ApiEndpoint => "API reference with request/response examples and error codes; changelog entry.",
        WorkKind::Ui => "User-facing help for the new screens and a changelog entry.",
        WorkKind::DataMigration => "A runbook: how to apply, verify and roll back; what to watch while it runs.",
        WorkKind::Integration => "Setup guide (credentials, configuration) and a runbook for when the service fails.",
        WorkKind::BugFix => "Changelog entry and a note of the root cause in the fix's description.",
        WorkKind::Refactor => "Update module and architecture notes to the new structure.",
        _ => "Developer notes for the new behaviour and a changelog entry.",
    }
}

/// The rollout piece's title and description by kind of work.
pub(super) fn rollout_text(kind: WorkKind) -> (&'static str, &'static str) {
    match kind {
        WorkKind::DataMigration => (
            "Run the {subject} migration in production",
            "Take a backup, run in a low-traffic window, watch errors and lock waits, and roll back on the criteria agreed beforehand.",
        ),
        WorkKind::Integration => (
            "Enable {subject} in staging, then production",
            "Sandbox credentials in staging first; then production behind a switch that can turn the integration off.",
        ),
        WorkKind::BugFix => (
            "Ship the fix for {subject}",
            "Release it (hotfix if urgent) and confirm in production that the symptom is gone.",
        ),
        _ => (
            "Roll out {subject}",
            "Deploy to staging and verify; release to production behind a feature flag or gradually; watch errors and latency.",
        ),
    }
}
pub(super) const ROLLED_OUT: &str = "released and monitored with no regression in errors or latency";

// Children: how a piece splits one level down.

/// What a design spikes when the task names no risk.
pub(super) const SPIKE_DEFAULT_TARGET: &str = "the least certain part";
pub(super) const DESIGN_CHILDREN: &[Template] = &[
    child(
        "research",
        1.0,
        "Spike: {target}",
        "Time-boxed experiment to remove the biggest unknown before committing to a design.",
        &[],
    ),
    child(
        "design",
        1.5,
        "Write a short design note",
        "Interfaces, data shapes, failure modes and alternatives considered.",
        &[0],
    ),
    child("design", 0.5, "Review the design", "Walk a teammate through it; record decisions.", &[1]),
];

/// How data types are written when the language is not known.
pub(super) const TYPES_DEFAULT: &str = "types for the data it handles";
pub(super) const CONTRACT_CHILDREN: &[Template] = &[
    child("design", 1.0, "Request and response schemas", "Field names, types and required fields, as {types}.", &[]),
    child(
        "design",
        1.0,
        "Status codes and error format",
        "One error shape for every failure; which status for which case.",
        &[],
    ),
];

/// A component's children by kind of work.
pub(super) fn component_children(kind: WorkKind) -> &'static [Template] {
    match kind {
        WorkKind::ApiEndpoint => API_COMPONENT_CHILDREN,
        WorkKind::Ui => UI_COMPONENT_CHILDREN,
        WorkKind::BugFix => FIX_CHILDREN,
        WorkKind::Refactor => REFACTOR_CHILDREN,
        _ => COMPONENT_CHILDREN,
    }
}

const API_COMPONENT_CHILDREN: &[Template] = &[
    child(
        "implementation",
        1.0,
        "Route and handler for {component}",
        "Register the route; parse and validate input into typed values.",
        &[],
    ),
    logic(
        2.0,
        "Business logic of {component}",
        "The behaviour itself, independent of HTTP so it can be unit tested.",
        &[0],
    ),
    child(
        "implementation",
        1.0,
        "Errors and status codes of {component}",
        "Map every failure to the contract's status and error body.",
        &[1],
    ),
];

const UI_COMPONENT_CHILDREN: &[Template] = &[
    child("implementation", 1.5, "Markup and layout of {component}", "Semantic elements, labels, focus order.", &[]),
    logic(2.0, "State and data of {component}", "State, data loading and submission.", &[0]),
    child(
        "implementation",
        1.0,
        "Loading, empty and error states of {component}",
        "Every state has a designed view; errors say what to do.",
        &[1],
    ),
];

const FIX_CHILDREN: &[Template] = &[
    child(
        "implementation",
        2.0,
        "Minimal fix at the root cause",
        "The smallest change that makes the failing test pass.",
        &[],
    ),
    child(
        "implementation",
        1.0,
        "Check the same pattern elsewhere",
        "Search the code for the same mistake and fix or file it.",
        &[0],
    ),
];

const REFACTOR_CHILDREN: &[Template] = &[
    child(
        "implementation",
        2.0,
        "Introduce the new structure for {component}",
        "Add the new module or interface beside the old code.",
        &[],
    ),
    child(
        "implementation",
        2.0,
        "Move {component}'s logic over",
        "Move behaviour in small commits, tests green after each.",
        &[0],
    ),
];

const COMPONENT_CHILDREN: &[Template] = &[
    child("implementation", 1.0, "Data model for {component}", "Define {types}.", &[]),
    logic(2.5, "Core logic of {component}", "The behaviour, with its edge cases.", &[0]),
    child(
        "implementation",
        1.0,
        "Error handling for {component}",
        "Invalid input and failures of dependencies produce clear errors, no partial state.",
        &[1],
    ),
];

/// One child per acceptance criterion of a component's core logic.
pub(super) const CRITERION_CHILD: Template = child(
    "implementation",
    1.0,
    "Make it so: {criterion}",
    "Implement the part of {component} that satisfies this criterion.",
    &[],
);

pub(super) const FORWARD_MIGRATION_CHILDREN: &[Template] = &[
    child(
        "migration",
        1.0,
        "Schema change",
        "The DDL, split so no step holds a long lock (add nullable, backfill, then constrain).",
        &[],
    ),
    child(
        "migration",
        1.0,
        "Guards for re-running",
        "IF NOT EXISTS / version checks so a retried run is harmless.",
        &[0],
    ),
];

pub(super) const BACKFILL_CHILDREN: &[Template] = &[
    child(
        "migration",
        1.5,
        "Batched backfill job",
        "Process rows in batches by primary key with a checkpoint to resume.",
        &[],
    ),
    child(
        "migration",
        0.5,
        "Verify the backfill",
        "Counts and checksums before and after; a sample compared by hand.",
        &[0],
    ),
];

pub(super) const ROLLOUT_CHILDREN: &[Template] = &[
    child(
        "deployment",
        1.0,
        "Deploy to staging and verify",
        "Run the smoke checks and the acceptance criteria by hand on staging.",
        &[],
    ),
    child(
        "deployment",
        1.0,
        "Release to production",
        "Gradually or behind a flag, with the rollback step written down.",
        &[0],
    ),
    child(
        "deployment",
        0.5,
        "Watch errors and metrics after release",
        "Compare error rate and latency with the previous day.",
        &[1],
    ),
];

pub(super) const SURVEY_CHILDREN: &[Template] = &[
    child("research", 1.0, "List candidate approaches", "Libraries, services and in-house options, with links.", &[]),
    child(
        "research",
        1.0,
        "Compare them against the criteria",
        "A table of options against criteria with evidence.",
        &[0],
    ),
];

pub(super) const EVALUATE_CHILDREN: &[Template] = &[
    child(
        "research",
        1.0,
        "Collect the facts on {option}",
        "Documentation, limits, cost, licence, maintenance activity and known issues.",
        &[],
    ),
    child(
        "research",
        1.0,
        "Try {option} on our use case",
        "A small experiment or benchmark with our data and load; record the numbers.",
        &[0],
    ),
];

pub(super) const PROTOTYPE_CHILDREN: &[Template] = &[
    child(
        "research",
        2.0,
        "Build the smallest prototype of the riskiest part",
        "Only what is needed to answer the open question; throwaway code.",
        &[],
    ),
    child(
        "research",
        1.0,
        "Measure the prototype against the criteria",
        "Record what was measured, how, and the result.",
        &[0],
    ),
];

pub(super) const SECTION_CHILDREN: &[Template] = &[
    child("documentation", 2.0, "Draft {section}", "Write the steps in the order the reader performs them.", &[]),
    child(
        "documentation",
        1.0,
        "Check every command in {section}",
        "Run each command as written on a clean machine and fix what differs.",
        &[0],
    ),
];

// Tests and documents to write.

/// A test or a document to write: texts with slots, and its test or document type.
#[derive(Debug, Clone, Copy)]
pub(super) struct Draft {
    /// Title, with slots.
    pub title: &'static str,
    /// Description, with slots.
    pub description: &'static str,
    /// Test type (unit, integration, e2e, …) or document type (api, user, runbook, …).
    pub kind: &'static str,
}

const fn draft(title: &'static str, description: &'static str, kind: &'static str) -> Draft {
    Draft { title, description, kind }
}

/// Appended to a test's description when the language says how to run one test (`{run}`).
pub(super) const RUN_ONE_TEST: &str = " Run it with `{command}`.";
/// The framework of end-to-end tests, whatever the language.
pub(super) const E2E_FRAMEWORK: &str = "Playwright";

/// The type of the tests written for acceptance criteria and components, by kind of work.
pub(super) fn criterion_test_type(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::ApiEndpoint | WorkKind::Integration => "integration",
        WorkKind::Ui => "e2e",
        WorkKind::DataMigration => "migration",
        WorkKind::Research | WorkKind::Documentation => "manual",
        _ => "unit",
    }
}

/// How a criterion's test works, by kind of work (`{how}` of [`CRITERION_TEST`]).
pub(super) fn criterion_test_how(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::ApiEndpoint => "Call the endpoint over HTTP and assert the status code and body.",
        WorkKind::Ui => "Drive the page in a browser (Playwright) as a user would and assert what is shown.",
        WorkKind::DataMigration => {
            "Apply the migration to a scratch database seeded with representative rows and assert the result."
        }
        WorkKind::Integration => "Run against a mock server that speaks the service's API.",
        WorkKind::Research | WorkKind::Documentation => "Check it by hand and record the evidence.",
        _ => "Arrange the inputs, act once, assert the observable outcome.",
    }
}

/// The test written before the criteria's, by kind of work. Research gets it only when it gets a prototype.
pub(super) fn leading_test(kind: WorkKind) -> Option<Draft> {
    Some(match kind {
        WorkKind::BugFix => draft(
            "Regression test: {subject}",
            "The reproduction test stays in the suite so {subject} cannot come back.{run}",
            "regression",
        ),
        WorkKind::DataMigration => draft(
            "Migration round trip: up, down, up",
            "On a scratch database with seeded rows, apply, roll back and re-apply; assert schema and row counts each time.{run}",
            "migration",
        ),
        WorkKind::Research => draft(
            "Prototype meets the decision criteria",
            "Check the prototype against each decision criterion and record the evidence.",
            "manual",
        ),
        WorkKind::Documentation => draft(
            "Examples and links of {subject} work",
            "Run every example as written and check every link; fix what fails.",
            "manual",
        ),
        WorkKind::Integration => draft(
            "Contract tests against a mock {service}",
            "A local mock server returns recorded responses, errors (4xx, 5xx, 429) and timeouts; assert mapping, retries and error reporting.",
            "contract",
        ),
        _ => return None,
    })
}

/// One test per acceptance criterion; its type is [`criterion_test_type`].
pub(super) const CRITERION_TEST: Draft = draft("Test: {criterion}", "{how}{run}", "");

/// The test written after the criteria's, by kind of work.
pub(super) fn trailing_test(kind: WorkKind) -> Option<Draft> {
    Some(match kind {
        WorkKind::ApiEndpoint => draft(
            "Error paths of {subject}",
            "Invalid input gives 400/422 with a useful message, unknown ids 404, and nothing is written on failure.{run}",
            "integration",
        ),
        WorkKind::Ui => draft(
            "Accessibility of {subject}",
            "Keyboard-only use, labels and focus order; run an axe check in the end-to-end test.",
            "e2e",
        ),
        WorkKind::Refactor => draft(
            "Behaviour of {subject} is unchanged",
            "The characterization tests pass unchanged after every step of the refactor.{run}",
            "regression",
        ),
        _ => return None,
    })
}

/// One test per component when the task has no acceptance criteria; its type is [`criterion_test_type`].
pub(super) const COMPONENT_TEST: Draft =
    draft("Tests for {component}", "Normal cases, boundaries and error handling of {component}.{run}", "");

/// The documents a kind of work needs: one per part (`{component}` for API references, `{section}` for a guide's
/// sections), then the fixed ones.
pub(super) struct DocPlan {
    /// Written once per component or section.
    pub per_part: Option<Draft>,
    /// Written once.
    pub fixed: &'static [Draft],
}

/// The documents to write by kind of work.
pub(super) fn doc_plan(kind: WorkKind) -> DocPlan {
    let (per_part, fixed) = match kind {
        WorkKind::ApiEndpoint => (Some(API_REFERENCE), API_DOCS),
        WorkKind::Ui => (None, UI_DOCS),
        WorkKind::DataMigration => (None, MIGRATION_DOCS),
        WorkKind::Integration => (None, INTEGRATION_DOCS),
        WorkKind::BugFix => (None, FIX_DOCS),
        WorkKind::Refactor => (None, REFACTOR_DOCS),
        WorkKind::Research => (None, RESEARCH_DOCS),
        WorkKind::Documentation => (Some(GUIDE_SECTION), &[][..]),
        WorkKind::Feature => (None, FEATURE_DOCS),
    };
    DocPlan { per_part, fixed }
}

const API_REFERENCE: Draft = draft(
    "API reference for {component}",
    "Request and response examples, every status code with its meaning, authentication required.",
    "api",
);
const API_DOCS: &[Draft] =
    &[draft("Changelog entry for {subject}", "What API consumers can now do and any behaviour change.", "changelog")];
const UI_DOCS: &[Draft] = &[
    draft("User help for {subject}", "What the screen is for and how to do the main tasks, with screenshots.", "user"),
    draft("Changelog entry for {subject}", "What users will notice.", "changelog"),
];
const MIGRATION_DOCS: &[Draft] = &[draft(
    "Runbook: apply, verify and roll back {subject}",
    "Preconditions, the exact commands, how long it takes, what to watch, when and how to roll back.",
    "runbook",
)];
const INTEGRATION_DOCS: &[Draft] = &[
    draft(
        "Setup guide for {service}",
        "Which credentials to create, where to put them, and how to check the connection.",
        "user",
    ),
    draft(
        "Runbook: {service} is failing",
        "Symptoms, dashboards, how to disable the integration safely and replay missed work.",
        "runbook",
    ),
];
const FIX_DOCS: &[Draft] = &[draft(
    "Changelog entry for the {subject} fix",
    "Symptom, affected versions and the root cause in one paragraph.",
    "changelog",
)];
const REFACTOR_DOCS: &[Draft] =
    &[draft("Architecture notes for {subject}", "The new structure, why, and where things moved.", "developer")];
const RESEARCH_DOCS: &[Draft] =
    &[draft("Findings report on {subject}", "Question, options, evidence, recommendation and follow-ups.", "report")];
const GUIDE_SECTION: Draft =
    draft("Write {section}", "Task-oriented sections with exact commands; reviewed by a reader.", "user");
const FEATURE_DOCS: &[Draft] = &[
    draft("Developer notes for {subject}", "How it works, configuration and extension points.", "developer"),
    draft("Changelog entry for {subject}", "What users can now do.", "changelog"),
];

// Implementation guidance.

pub(super) const CHECKS_STEP: &str = "Run the checks";
pub(super) const CHECKS_WITH_LANGUAGE: &str = "Run {checks} and the test suite ({framework}) before review.";
pub(super) const CHECKS_WITHOUT_LANGUAGE: &str = "Run the linters, formatter and the whole test suite before review.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_filled_once_and_unknown_braces_stay() {
        let slots = [("subject", "GET /orders/{id}"), ("component", "x")];
        assert_eq!(fill("Fix {subject} in {component}", &slots), "Fix GET /orders/{id} in x");
        assert_eq!(fill("keep {this} and {", &slots), "keep {this} and {");
        assert_eq!(fill("no slots", &[]), "no slots");
    }
}
