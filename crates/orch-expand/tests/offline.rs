//! The offline planner on several kinds of task: structure, flags, depth, effort split, determinism.
#![allow(clippy::unwrap_used)]

use orch_expand::{
    ExpandOptions, ExpandedSubtask, ExpandedTaskResult, Expander, ProvidersConfig, TaskContext, plan_offline,
    tree_depth,
};

fn bug_fix() -> TaskContext {
    TaskContext {
        id: 1,
        title: "Fix crash when saving a file with a unicode name".into(),
        description: Some("The editor panics in save_as when the path contains non-ASCII characters.".into()),
        code_language: Some("rust".into()),
        priority: 4,
        acceptance_criteria: vec!["saving a file named ü.txt succeeds".into()],
        estimated_hours: Some(6.0),
        ..TaskContext::default()
    }
}

fn api_feature() -> TaskContext {
    TaskContext {
        id: 2,
        title: "Add orders API".into(),
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
        ..TaskContext::default()
    }
}

fn migration() -> TaskContext {
    TaskContext {
        id: 3,
        title: "Migrate customers table: split the address column into street and city".into(),
        code_language: Some("python".into()),
        tags: vec!["database".into()],
        complexity_score: Some(5.0),
        ..TaskContext::default()
    }
}

fn docs_task() -> TaskContext {
    TaskContext {
        id: 4,
        title: "Write the deployment guide".into(),
        details: Some("- Installing on Linux\n- Configuring TLS\n- Upgrading between versions".into()),
        task_type: Some("documentation".into()),
        ..TaskContext::default()
    }
}

fn research() -> TaskContext {
    TaskContext {
        id: 5,
        title: "Evaluate Redis vs Memcached for session caching".into(),
        estimated_hours: Some(8.0),
        ..TaskContext::default()
    }
}

fn all_tasks() -> Vec<TaskContext> {
    vec![bug_fix(), api_feature(), migration(), docs_task(), research()]
}

fn walk<'a>(subtasks: &'a [ExpandedSubtask], out: &mut Vec<&'a ExpandedSubtask>) {
    for s in subtasks {
        out.push(s);
        walk(&s.subtasks, out);
    }
}

fn all_nodes(result: &ExpandedTaskResult) -> Vec<&ExpandedSubtask> {
    let mut out = Vec::new();
    walk(&result.subtasks, &mut out);
    out
}

fn titles(subtasks: &[ExpandedSubtask]) -> Vec<&str> {
    subtasks.iter().map(|s| s.title.as_str()).collect()
}

fn index_of(subtasks: &[ExpandedSubtask], needle: &str) -> usize {
    subtasks
        .iter()
        .position(|s| s.title.contains(needle))
        .unwrap_or_else(|| panic!("no subtask containing {needle:?} in {:?}", titles(subtasks)))
}

/// Invariants every plan keeps: dependencies to earlier siblings, positive quarter-hour efforts,
/// children adding up to their parent, sections pointing at real subtasks.
fn assert_well_formed(result: &ExpandedTaskResult) {
    fn check_level(subtasks: &[ExpandedSubtask]) {
        for (i, s) in subtasks.iter().enumerate() {
            assert!(!s.title.trim().is_empty());
            assert!(s.estimated_effort > 0.0 && (s.estimated_effort * 4.0).fract() == 0.0, "{s:?}");
            assert!(s.dependencies.iter().all(|d| *d < i), "{} depends on a later sibling", s.title);
            if !s.subtasks.is_empty() {
                let sum: f64 = s.subtasks.iter().map(|c| c.estimated_effort).sum();
                assert!((sum - s.estimated_effort).abs() < 1e-9, "children of {} add up to {sum}", s.title);
                check_level(&s.subtasks);
            }
        }
    }
    assert!(!result.subtasks.is_empty());
    check_level(&result.subtasks);
    let n = result.subtasks.len();
    assert!(result.test_tasks.iter().all(|t| t.subtask_index.is_none_or(|i| i < n)));
    assert!(result.documentation_tasks.iter().all(|d| d.subtask_index.is_none_or(|i| i < n)));
    assert!(result.implementation_steps.iter().all(|s| s.subtask_index.is_none_or(|i| i < n)));
    let orders: Vec<u32> = result.implementation_steps.iter().map(|s| s.order).collect();
    assert_eq!(orders, (1..=orders.len() as u32).collect::<Vec<_>>());
    assert_eq!(result.metadata.provider, "offline");
    assert!((0.0..=1.0).contains(&result.metadata.confidence));
}

#[test]
fn bug_fix_reproduces_finds_cause_fixes_and_guards() {
    let task = bug_fix();
    let result = plan_offline(&task, &ExpandOptions::default());
    assert_well_formed(&result);
    let subtasks = &result.subtasks;
    let reproduce = index_of(subtasks, "Reproduce");
    let cause = index_of(subtasks, "root cause");
    let fix = index_of(subtasks, "Fix crash");
    assert_eq!(subtasks[reproduce].task_type, "test");
    assert!(subtasks[cause].dependencies.contains(&reproduce));
    assert!(subtasks[fix].dependencies.contains(&cause));
    assert!(subtasks[fix].title.contains("saving a file with a unicode name"));
    // Effort is split by weight and adds up to the estimate.
    let total: f64 = subtasks.iter().map(|s| s.estimated_effort).sum();
    assert_eq!(total, 6.0);
    assert!(subtasks[fix].estimated_effort > subtasks[reproduce].estimated_effort);
    // A regression test and one test per acceptance criterion, with the Rust framework.
    assert!(result.test_tasks.iter().any(|t| t.test_type == "regression"));
    let for_criterion: Vec<_> = result.test_tasks.iter().filter(|t| t.acceptance_criterion.is_some()).collect();
    assert_eq!(for_criterion.len(), 1);
    assert!(result.test_tasks.iter().all(|t| t.framework.as_deref() == Some("cargo test")));
    assert!(result.implementation_steps.iter().any(|s| s.description.contains("cargo clippy")));
    // Priority 4: the fix is shipped and checked in production.
    assert_eq!(subtasks.last().unwrap().task_type, "deployment");
    assert!(result.documentation_tasks.iter().any(|d| d.doc_type == "changelog"));
}

#[test]
fn api_feature_has_contract_endpoints_tests_per_criterion_and_docs() {
    let task = api_feature();
    let result = plan_offline(&task, &ExpandOptions::default());
    assert_well_formed(&result);
    let subtasks = &result.subtasks;
    // Complex and risky: design first, and the risk is named in it.
    assert_eq!(subtasks[0].task_type, "design");
    assert!(subtasks[0].description.contains("concurrent updates to stock levels"));
    let contract = index_of(subtasks, "API contract");
    assert!(subtasks[contract].dependencies.contains(&0));
    // Endpoints named after the ones in the description, built after the contract.
    let post = index_of(subtasks, "POST /orders");
    let get = index_of(subtasks, "GET /orders/{id}");
    assert!(subtasks[post].dependencies.contains(&contract));
    assert!(subtasks[get].dependencies.contains(&contract));
    assert_eq!(subtasks[post].acceptance_criteria, vec!["POST /orders returns 201 with the order id".to_owned()]);
    index_of(subtasks, "Persistence");
    index_of(subtasks, "Authentication");
    // One test task per acceptance criterion, over HTTP, with jest for TypeScript.
    for criterion in &task.acceptance_criteria {
        let test = result
            .test_tasks
            .iter()
            .find(|t| t.acceptance_criterion.as_ref() == Some(criterion))
            .unwrap_or_else(|| panic!("no test for {criterion}"));
        assert_eq!(test.test_type, "integration");
        assert_eq!(test.framework.as_deref(), Some("jest"));
    }
    let tests = index_of(subtasks, "Tests for");
    assert!(subtasks[tests].dependencies.contains(&post) && subtasks[tests].dependencies.contains(&get));
    let test_effort: f64 = result.test_tasks.iter().filter_map(|t| t.estimated_effort).sum();
    assert_eq!(test_effort, subtasks[tests].estimated_effort);
    assert!(result.documentation_tasks.iter().any(|d| d.doc_type == "api" && d.title.contains("POST /orders")));
    assert_eq!(subtasks.iter().map(|s| s.estimated_effort).sum::<f64>(), 16.0);
    // Tags: the task's own, the kind, and the language on code work.
    assert!(subtasks[post].tags.iter().any(|t| t == "backend"));
    assert!(subtasks[post].tags.iter().any(|t| t == "api"));
    assert!(subtasks[post].tags.iter().any(|t| t == "typescript"));
    assert_eq!(result.metadata.expansion_depth, 2);
}

#[test]
fn data_migration_has_forward_rollback_backfill_rehearsal_and_production_run() {
    let result = plan_offline(&migration(), &ExpandOptions::default());
    assert_well_formed(&result);
    let subtasks = &result.subtasks;
    let forward = index_of(subtasks, "forward migration");
    let rollback = index_of(subtasks, "rollback");
    let backfill = index_of(subtasks, "Backfill");
    let code = index_of(subtasks, "application code");
    let rehearse = index_of(subtasks, "Rehearse");
    let production = index_of(subtasks, "in production");
    assert!(subtasks[rollback].dependencies.contains(&forward));
    assert!(subtasks[backfill].dependencies.contains(&forward));
    assert!(subtasks[code].dependencies.contains(&forward));
    for before in [forward, rollback, backfill, code] {
        assert!(subtasks[rehearse].dependencies.contains(&before));
    }
    assert_eq!(subtasks[production].task_type, "deployment");
    assert!(subtasks[production].dependencies.contains(&rehearse));
    assert!(result.test_tasks.iter().any(|t| t.test_type == "migration" && t.title.contains("round trip")));
    assert!(result.documentation_tasks.iter().any(|d| d.doc_type == "runbook"));
    // No estimate: 2 hours per complexity point, said in a warning.
    assert_eq!(subtasks.iter().map(|s| s.estimated_effort).sum::<f64>(), 10.0);
    assert!(result.metadata.warnings.iter().any(|w| w.contains("complexity score")));
}

#[test]
fn documentation_task_is_outline_sections_examples_review() {
    let result = plan_offline(&docs_task(), &ExpandOptions::default());
    assert_well_formed(&result);
    let subtasks = &result.subtasks;
    assert!(subtasks[0].title.starts_with("Outline"));
    for section in ["Installing on Linux", "Configuring TLS", "Upgrading between versions"] {
        let i = index_of(subtasks, section);
        assert_eq!(subtasks[i].task_type, "documentation");
        assert!(subtasks[i].dependencies.contains(&0));
    }
    assert!(subtasks.iter().all(|s| s.task_type != "implementation"));
    assert_eq!(result.documentation_tasks.len(), 3);
    assert!(result.test_tasks.iter().all(|t| t.test_type == "manual"));

    let no_docs =
        plan_offline(&docs_task(), &ExpandOptions { include_documentation: false, ..ExpandOptions::default() });
    assert!(no_docs.documentation_tasks.is_empty());
    assert!(no_docs.subtasks.iter().any(|s| s.title.contains("Configuring TLS")));
    assert!(no_docs.metadata.warnings.iter().any(|w| w.contains("itself is documentation")));
}

#[test]
fn research_evaluates_each_option_then_recommends() {
    let result = plan_offline(&research(), &ExpandOptions::default());
    assert_well_formed(&result);
    let subtasks = &result.subtasks;
    let redis = index_of(subtasks, "Evaluate Redis");
    let memcached = index_of(subtasks, "Evaluate Memcached");
    let proto = index_of(subtasks, "Prototype");
    let write_up = index_of(subtasks, "recommendation");
    assert!(subtasks[proto].dependencies.contains(&redis) && subtasks[proto].dependencies.contains(&memcached));
    assert!(subtasks[write_up].dependencies.contains(&proto));
    assert!(result.documentation_tasks.iter().any(|d| d.doc_type == "report"));
}

#[test]
fn flags_remove_their_sections_everywhere() {
    for task in all_tasks() {
        let options = ExpandOptions {
            include_tests: false,
            include_documentation: false,
            include_implementation: false,
            depth: 3,
            ..ExpandOptions::default()
        };
        let result = plan_offline(&task, &options);
        assert_well_formed(&result);
        assert!(result.test_tasks.is_empty(), "{}", task.title);
        assert!(result.documentation_tasks.is_empty(), "{}", task.title);
        assert!(result.implementation_steps.is_empty(), "{}", task.title);
        let nodes = all_nodes(&result);
        assert!(nodes.iter().all(|s| s.task_type != "test"), "{}: test work left", task.title);
        if task.task_type.as_deref() != Some("documentation") {
            assert!(nodes.iter().all(|s| s.task_type != "documentation"), "{}: docs left", task.title);
        }

        let full = plan_offline(&task, &ExpandOptions::default());
        assert!(!full.test_tasks.is_empty(), "{}", task.title);
        assert!(!full.documentation_tasks.is_empty(), "{}", task.title);
        assert!(!full.implementation_steps.is_empty(), "{}", task.title);
    }
}

#[test]
fn depth_is_min_of_depth_and_max_depth() {
    for task in all_tasks() {
        for (depth, max_depth) in [(1, 3), (2, 3), (3, 2), (3, 3), (5, 1)] {
            let options = ExpandOptions { depth, max_depth, ..ExpandOptions::default() };
            let result = plan_offline(&task, &options);
            assert_well_formed(&result);
            let got = tree_depth(&result.subtasks);
            assert!(got <= depth.min(max_depth), "{}: depth {got} for {depth}/{max_depth}", task.title);
            assert_eq!(got, result.metadata.expansion_depth);
            if depth.min(max_depth) >= 2 {
                assert!(got >= 2, "{}: no nesting at depth {depth}", task.title);
            } else {
                assert_eq!(got, 1);
            }
        }
    }
    // A big task with several criteria per component splits a third level.
    let options = ExpandOptions { depth: 3, ..ExpandOptions::default() };
    let mut task = api_feature();
    task.acceptance_criteria.push("POST /orders rejects an empty basket with 422".into());
    assert_eq!(plan_offline(&task, &options).metadata.expansion_depth, 3);
}

#[test]
fn the_plan_is_deterministic_and_uses_the_task_text() {
    for task in all_tasks() {
        let a = plan_offline(&task, &ExpandOptions::default());
        let b = plan_offline(&task, &ExpandOptions::default());
        assert_eq!(a, b);
        assert_eq!(a.original_task_id, task.id);
    }
    // Two different tasks of the same kind get different plans, not one template.
    let other = TaskContext { title: "Fix wrong totals in the invoice PDF".into(), ..bug_fix() };
    let a = plan_offline(&bug_fix(), &ExpandOptions::default());
    let b = plan_offline(&other, &ExpandOptions::default());
    assert_ne!(titles(&a.subtasks), titles(&b.subtasks));
    assert!(b.subtasks.iter().any(|s| s.title.contains("wrong totals in the invoice PDF")));
}

#[tokio::test]
async fn expander_without_providers_uses_the_planner() {
    let expander = Expander::new(ProvidersConfig::offline()).unwrap();
    let result = expander.expand(&bug_fix(), &ExpandOptions::default(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "offline");
    assert!(!result.metadata.fell_back);
    assert_eq!(result.metadata.attempts.len(), 1);
    assert_eq!(result.subtasks, plan_offline(&bug_fix(), &ExpandOptions::default()).subtasks);

    let bad = ExpandOptions { temperature: 2.5, ..ExpandOptions::default() };
    let err = expander.expand(&bug_fix(), &bad, None).await.unwrap_err().to_string();
    assert!(err.contains("temperature") && err.contains("0 to 2"), "{err}");
    let err = expander
        .expand(&bug_fix(), &ExpandOptions { depth: 0, ..ExpandOptions::default() }, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("depth"), "{err}");
    let err = "gemini".parse::<orch_expand::ProviderChoice>().unwrap_err().to_string();
    assert!(err.contains("\"auto\", \"openai\", \"anthropic\""), "{err}");
}
