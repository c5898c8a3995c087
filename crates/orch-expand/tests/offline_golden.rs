//! The offline planner's output, byte for byte, for every kind of work it knows, at full depth with every section and
//! at depth 1 with none. The golden file was captured before the planner's templates became data tables; any change
//! to a template's text, weight or links shows here as a diff (the JSON form captured then was rewritten in `Debug` form
//! when the domain types stopped carrying a wire format; the values were unchanged).
//!
//! After an intended change to the planner, rewrite the file with
//! `UPDATE_GOLDEN=1 cargo test -p orch-expand --test offline_golden` and review its diff.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use orch_expand::{ExpandOptions, TaskContext, plan_offline};

fn task(id: i64, title: &str) -> TaskContext {
    TaskContext { id, title: title.into(), ..TaskContext::default() }
}

/// One task per branch of the planner: each kind of work, and the words and fields that add or shape pieces.
fn tasks() -> Vec<(&'static str, TaskContext)> {
    vec![
        (
            "bugfix",
            TaskContext {
                description: Some("The editor panics in save_as when the path contains non-ASCII characters.".into()),
                code_language: Some("rust".into()),
                priority: 4,
                acceptance_criteria: vec!["saving a file named ü.txt succeeds".into()],
                estimated_hours: Some(6.0),
                ..task(1, "Fix crash when saving a file with a unicode name")
            },
        ),
        ("bugfix-assumed-hours", TaskContext { task_type: Some("bug".into()), ..task(2, "Wrong totals in the invoice PDF") }),
        (
            "api",
            TaskContext {
                description: Some(
                    "Expose POST /orders and GET /orders/{id}, persisted in the orders table, for logged-in users (JWT)."
                        .into(),
                ),
                tags: vec!["backend".into()],
                code_language: Some("typescript".into()),
                priority: 2,
                acceptance_criteria: vec![
                    "POST /orders returns 201 with the order id".into(),
                    "GET /orders/{id} returns 404 for an unknown id".into(),
                    "requests without a token are rejected with 401".into(),
                ],
                estimated_hours: Some(16.0),
                complexity_score: Some(7.5),
                risks: vec!["concurrent updates to stock levels".into()],
                ..task(3, "Add orders API")
            },
        ),
        (
            "api-from-title",
            TaskContext { code_language: Some("go".into()), ..task(4, "Add a health endpoint and a metrics route") },
        ),
        (
            "ui",
            TaskContext {
                description: Some("A settings page that loads the profile from the backend, responsive on mobile.".into()),
                code_language: Some("javascript".into()),
                tags: vec!["frontend".into(), "react".into()],
                acceptance_criteria: vec!["changes are saved on submit".into(), "errors are shown inline".into()],
                priority: 3,
                ..task(5, "Build the settings page")
            },
        ),
        ("ui-plain", TaskContext { task_type: Some("ui".into()), ..task(6, "Avatar picker") }),
        (
            "migration",
            TaskContext {
                code_language: Some("python".into()),
                tags: vec!["database".into()],
                complexity_score: Some(5.0),
                ..task(7, "Migrate customers table: split the address column into street and city")
            },
        ),
        ("migration-minimal", TaskContext { task_type: Some("migration".into()), ..task(8, "Add an index on orders") }),
        (
            "docs",
            TaskContext {
                details: Some("- Installing on Linux\n- Configuring TLS\n- Upgrading between versions".into()),
                task_type: Some("documentation".into()),
                ..task(9, "Write the deployment guide")
            },
        ),
        (
            "docs-examples",
            TaskContext {
                description: Some("A tutorial with code examples for the client API.".into()),
                code_language: Some("python".into()),
                ..task(10, "Write the client tutorial documentation")
            },
        ),
        (
            "research",
            TaskContext { estimated_hours: Some(8.0), ..task(11, "Evaluate Redis vs Memcached for session caching") },
        ),
        (
            "research-short",
            TaskContext {
                task_type: Some("research".into()),
                estimated_hours: Some(3.0),
                acceptance_criteria: vec!["a recommendation with numbers".into()],
                ..task(12, "Investigate slow cold starts")
            },
        ),
        (
            "refactor",
            TaskContext {
                description: Some("Split the billing module into invoices and payments.".into()),
                code_language: Some("java".into()),
                estimated_hours: Some(12.0),
                ..task(13, "Refactor the billing module")
            },
        ),
        (
            "integration",
            TaskContext {
                description: Some("Charge cards and receive webhooks for refunds.".into()),
                code_language: Some("ruby".into()),
                acceptance_criteria: vec!["a refund webhook marks the order refunded".into()],
                priority: 3,
                ..task(14, "Integrate Stripe payments")
            },
        ),
        (
            "feature",
            TaskContext {
                details: Some(
                    "- Parse the config file\n- Validate the values\n- Reload on change\n- Report errors\n- Log the result"
                        .into(),
                ),
                code_language: Some("csharp".into()),
                risks: vec!["file watchers differ per OS".into()],
                estimated_hours: Some(20.0),
                ..task(15, "Configuration loader")
            },
        ),
        ("feature-bare", task(16, "Nightly report")),
        (
            // One component with several criteria and hours enough for its core logic to split per criterion.
            "api-core-logic",
            TaskContext {
                task_type: Some("api".into()),
                code_language: Some("rust".into()),
                acceptance_criteria: vec![
                    "an empty query returns 400".into(),
                    "results are paged by 50".into(),
                    "matches are ranked by relevance".into(),
                ],
                estimated_hours: Some(40.0),
                ..task(17, "Add a search endpoint")
            },
        ),
        (
            "feature-core-logic",
            TaskContext {
                acceptance_criteria: vec![
                    "invoices export as CSV".into(),
                    "the export includes refunds".into(),
                    "amounts keep two decimals".into(),
                ],
                estimated_hours: Some(30.0),
                priority: 3,
                ..task(18, "Invoice export")
            },
        ),
    ]
}

/// Every section at the deepest nesting, and nothing but the subtasks at depth 1.
fn option_sets() -> Vec<(&'static str, ExpandOptions)> {
    vec![
        ("full-depth-3", ExpandOptions { depth: 3, max_depth: 3, ..ExpandOptions::default() }),
        (
            "bare-depth-1",
            ExpandOptions {
                depth: 1,
                include_tests: false,
                include_documentation: false,
                include_implementation: false,
                ..ExpandOptions::default()
            },
        ),
    ]
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/offline_plans.txt")
}

// The planner's values are written with `Debug`: the domain type carries no wire format (the protocol crate does), and
// `Debug` prints every field, so a changed text, weight or link still shows as a diff.
#[test]
fn offline_plans_match_the_golden_file() {
    let mut cases = Vec::new();
    for (name, task) in tasks() {
        for (options_name, options) in option_sets() {
            cases.push(format!("== {name} / {options_name}\n{:#?}\n", plan_offline(&task, &options)));
        }
    }
    let actual = cases.concat();
    let path = golden_path();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    if actual != expected {
        // Name the first case that differs, with a readable diff of just that case.
        let expected_cases: Vec<&str> = expected.split_inclusive("\n== ").collect();
        let actual_cases: Vec<&str> = actual.split_inclusive("\n== ").collect();
        for (got, want) in actual_cases.iter().zip(&expected_cases) {
            assert_eq!(got, want);
        }
        assert_eq!(actual_cases.len(), expected_cases.len(), "number of cases");
    }
}
