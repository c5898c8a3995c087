//! The storage conformance suite: one set of behaviours every [`TaskStore`] must show.
//!
//! A backend crate runs it with [`store_conformance_tests!`](crate::store_conformance_tests), giving an async
//! expression that yields a fresh, empty store per test.
#![allow(clippy::unwrap_used, missing_docs)]

mod fixture;

pub use fixture::{fixture_time, task};

use crate::error::Error;
use crate::model::*;
use crate::store::{RecordsWanted, TaskRecords, TaskStore};

/// Generates one `#[tokio::test]` per conformance check. `$make` is an async expression returning a fresh, empty
/// store (anything that derefs to `dyn TaskStore`); the calling crate needs `tokio` with `macros` and `rt`.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@each $make;
            create_and_get_round_trip, missing_task_is_not_found, dependencies_must_exist_in_the_same_project,
            subtasks_inherit_the_parent_project, update_changes_and_clears_fields, update_refuses_cycles_with_path,
            status_rules_and_timestamps, delete_refuses_while_needed_and_force_cascades, list_filters_and_pages,
            metrics_count_and_measure, graph_by_project, graph_index_holds_ids_statuses_and_edges, commit_links_are_idempotent, executions_and_analyses,
            task_records_match_the_separate_reads,
            batch_create_resolves_references_and_is_atomic, claims_take_only_ready_unclaimed_tasks,
            concurrent_claims_never_share_a_task, stale_claims_are_released, history_is_most_recent_first,
            transitive_dependents_follow_every_path, external_keys_are_unique_per_project, documents_are_kept_once,
            board_version_moves_on_every_write, search_matches_words_in_title_description_and_details, ping_answers);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $make;
                $crate::testkit::$name(&*store).await;
            }
        )*
    };
}

fn new(title: &str) -> NewTask {
    NewTask { title: title.into(), ..Default::default() }
}

async fn create(store: &dyn TaskStore, t: NewTask) -> Task {
    store.create_task(crate::validate::new_task(t).unwrap()).await.unwrap()
}

async fn count(store: &dyn TaskStore) -> u64 {
    let q = TaskQuery { filter: TaskFilter::default(), limit: 1, offset: 0 };
    store.list_tasks(&q).await.unwrap().total
}

pub async fn create_and_get_round_trip(store: &dyn TaskStore) {
    let a = create(store, new("first")).await;
    assert_eq!(a.project_id, DEFAULT_PROJECT);
    assert_eq!(a.status, Status::Pending);
    assert_eq!(a.priority, 0);
    assert!(a.started_at.is_none() && a.completed_at.is_none());
    let b = create(
        store,
        NewTask {
            title: "Implement user authentication".into(),
            description: Some("JWT login".into()),
            details: Some("- criteria".into()),
            priority: 4,
            dependencies: vec![a.id],
            tags: vec!["security".into(), "backend".into()],
            code_language: Some("typescript".into()),
            execution_environment: Some("node 20".into()),
            task_type: Some("implementation".into()),
            estimated_hours: Some(3.5),
            ..Default::default()
        },
    )
    .await;
    assert!(b.id > a.id);
    let got = store.get_task(b.id).await.unwrap();
    assert_eq!(got, b);
    assert_eq!(got.dependencies, vec![a.id]);
    assert_eq!(got.tags, vec!["security", "backend"], "tags keep their order");
    assert_eq!(got.code_language.as_deref(), Some("typescript"));
    assert_eq!(got.estimated_hours, Some(3.5));
    assert_eq!(got.created_at, got.updated_at);
}

pub async fn missing_task_is_not_found(store: &dyn TaskStore) {
    assert!(matches!(store.get_task(TaskId(4242)).await, Err(Error::TaskNotFound(TaskId(4242)))));
    let patch = TaskPatch { title: Some("x".into()), ..Default::default() };
    assert!(matches!(store.update_task(TaskId(4242), patch).await, Err(Error::TaskNotFound(_))));
    assert!(matches!(store.set_status(TaskId(4242), Status::Completed, false).await, Err(Error::TaskNotFound(_))));
    assert!(matches!(store.delete_task(TaskId(4242), true).await, Err(Error::TaskNotFound(_))));
    let link =
        NewCommitLink { task_id: TaskId(4242), commit_hash: "abcdef1".into(), commit_message: None, author: None };
    assert!(matches!(store.link_commit(link).await, Err(Error::TaskNotFound(_))));
}

pub async fn dependencies_must_exist_in_the_same_project(store: &dyn TaskStore) {
    let other = create(store, NewTask { project_id: Some("other".into()), ..new("elsewhere") }).await;
    let before = count(store).await;
    let err = store.create_task(NewTask { dependencies: vec![TaskId(999), other.id], ..new("x") }).await.unwrap_err();
    match err {
        Error::MissingReferences { missing, project_id, .. } => {
            assert_eq!(missing, vec![other.id, TaskId(999)]);
            assert_eq!(project_id, DEFAULT_PROJECT);
        }
        e => panic!("unexpected {e}"),
    }
    assert_eq!(count(store).await, before, "a refused create changes nothing");
}

pub async fn subtasks_inherit_the_parent_project(store: &dyn TaskStore) {
    let parent = create(store, NewTask { project_id: Some("web".into()), ..new("parent") }).await;
    let child = create(store, NewTask { parent_id: Some(parent.id), ..new("child") }).await;
    assert_eq!(child.project_id, "web");
    assert_eq!(child.parent_id, Some(parent.id));
    let err = store.create_task(NewTask { parent_id: Some(TaskId(777)), ..new("orphan") }).await.unwrap_err();
    assert!(matches!(err, Error::MissingReferences { field: "parent_id", .. }), "{err}");
    let err = store
        .create_task(NewTask { parent_id: Some(parent.id), project_id: Some("api".into()), ..new("mismatch") })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingReferences { field: "parent_id", .. }), "{err}");
}

pub async fn update_changes_and_clears_fields(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let t = create(
        store,
        NewTask {
            description: Some("old".into()),
            code_language: Some("python".into()),
            tags: vec!["x".into()],
            ..new("t")
        },
    )
    .await;
    let patch = crate::validate::task_patch(TaskPatch {
        title: Some("renamed".into()),
        description: Some(String::new()),
        priority: Some(3),
        tags: Some(vec!["b".into(), "a".into()]),
        code_language: Some("rust".into()),
        add_dependencies: vec![a.id],
        ..Default::default()
    })
    .unwrap();
    let u = store.update_task(t.id, patch).await.unwrap();
    assert_eq!(u.title, "renamed");
    assert_eq!(u.description, None);
    assert_eq!(u.priority, 3);
    assert_eq!(u.tags, vec!["b", "a"]);
    assert_eq!(u.code_language.as_deref(), Some("rust"));
    assert_eq!(u.dependencies, vec![a.id]);
    assert!(u.updated_at >= t.updated_at);
    let removed =
        store.update_task(t.id, TaskPatch { remove_dependencies: vec![a.id], ..Default::default() }).await.unwrap();
    assert!(removed.dependencies.is_empty());
    assert_eq!(store.get_task(t.id).await.unwrap(), removed);
}

pub async fn update_refuses_cycles_with_path(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, NewTask { dependencies: vec![a.id], ..new("b") }).await;
    let c = create(store, NewTask { dependencies: vec![b.id], ..new("c") }).await;
    let before = store.get_task(a.id).await.unwrap();
    let err = store
        .update_task(a.id, TaskPatch { title: Some("a2".into()), add_dependencies: vec![c.id], ..Default::default() })
        .await
        .unwrap_err();
    match &err {
        Error::Cycle { path } => assert_eq!(path, &vec![a.id, c.id, b.id, a.id]),
        e => panic!("unexpected {e}"),
    }
    assert!(err.to_string().contains(&format!("#{} -> #{} -> #{} -> #{}", a.id, c.id, b.id, a.id)));
    assert_eq!(store.get_task(a.id).await.unwrap(), before, "a refused update changes nothing");
    let err = store.update_task(a.id, TaskPatch { add_dependencies: vec![a.id], ..Default::default() }).await;
    assert!(matches!(err, Err(Error::Cycle { .. })));
    let other = create(store, NewTask { project_id: Some("other".into()), ..new("o") }).await;
    let err = store.update_task(a.id, TaskPatch { add_dependencies: vec![other.id], ..Default::default() }).await;
    assert!(matches!(err, Err(Error::MissingReferences { .. })));
}

pub async fn status_rules_and_timestamps(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, NewTask { dependencies: vec![a.id], ..new("b") }).await;
    let err = store.set_status(b.id, Status::InProgress, false).await.unwrap_err();
    match &err {
        Error::Blocked { blockers, .. } => assert_eq!(blockers[0].id, a.id),
        e => panic!("unexpected {e}"),
    }
    assert!(matches!(store.set_status(b.id, Status::Completed, false).await, Err(Error::Blocked { .. })));
    assert_eq!(store.get_task(b.id).await.unwrap().status, Status::Pending);

    let started = store.set_status(a.id, Status::InProgress, false).await.unwrap();
    assert_eq!(started.previous, Status::Pending);
    let started_at = started.task.started_at.unwrap();
    let done = store.set_status(a.id, Status::Completed, false).await.unwrap().task;
    assert!(done.completed_at.unwrap() >= started_at);
    assert_eq!(done.started_at, Some(started_at));
    let reopened = store.set_status(a.id, Status::Pending, false).await.unwrap().task;
    assert_eq!(reopened.completed_at, None);
    assert_eq!(reopened.started_at, Some(started_at), "started_at records the first start");
    let forced = store.set_status(b.id, Status::Completed, true).await.unwrap().task;
    assert_eq!(forced.status, Status::Completed);
    assert!(store.set_status(b.id, Status::Blocked, false).await.is_ok());
}

pub async fn delete_refuses_while_needed_and_force_cascades(store: &dyn TaskStore) {
    let base = create(store, new("base")).await;
    let dependent = create(store, NewTask { dependencies: vec![base.id], ..new("dependent") }).await;
    let child = create(store, NewTask { parent_id: Some(base.id), ..new("child") }).await;
    let grandchild = create(store, NewTask { parent_id: Some(child.id), ..new("grandchild") }).await;
    let on_grandchild = create(store, NewTask { dependencies: vec![grandchild.id], ..new("uses grandchild") }).await;
    let link = NewCommitLink { task_id: base.id, commit_hash: "abcdef1".into(), commit_message: None, author: None };
    store.link_commit(link).await.unwrap();

    let err = store.delete_task(base.id, false).await.unwrap_err();
    match &err {
        Error::StillReferenced { dependents, subtasks, .. } => {
            assert_eq!(dependents.iter().map(|t| t.id).collect::<Vec<_>>(), vec![dependent.id]);
            assert_eq!(subtasks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![child.id]);
        }
        e => panic!("unexpected {e}"),
    }
    assert!(store.get_task(base.id).await.is_ok());

    let gone = store.delete_task(base.id, true).await.unwrap();
    assert_eq!(gone.deleted, vec![base.id, child.id, grandchild.id]);
    assert_eq!(gone.detached_dependents, vec![dependent.id, on_grandchild.id]);
    assert!(matches!(store.get_task(child.id).await, Err(Error::TaskNotFound(_))));
    assert!(store.get_task(dependent.id).await.unwrap().dependencies.is_empty());
    assert!(store.get_task(on_grandchild.id).await.unwrap().dependencies.is_empty());
    assert!(matches!(store.commits(base.id).await, Err(Error::TaskNotFound(_))));

    let leaf = create(store, new("leaf")).await;
    assert_eq!(store.delete_task(leaf.id, false).await.unwrap().deleted, vec![leaf.id]);
}

pub async fn list_filters_and_pages(store: &dyn TaskStore) {
    for i in 0..7 {
        let t = create(
            store,
            NewTask {
                project_id: Some(if i % 2 == 0 { "even" } else { "odd" }.into()),
                code_language: Some(if i < 3 { "python" } else { "rust" }.into()),
                tags: if i % 3 == 0 { vec!["a".into(), "b".into()] } else { vec!["a".into()] },
                ..new(&format!("t{i}"))
            },
        )
        .await;
        if i == 6 {
            store.set_status(t.id, Status::Blocked, false).await.unwrap();
        }
    }
    let list = |filter: TaskFilter, limit: u32, offset: u64| async move {
        store.list_tasks(&TaskQuery { filter, limit, offset }).await.unwrap()
    };
    let all = list(TaskFilter::default(), 3, 0).await;
    assert_eq!((all.tasks.len(), all.total), (3, 7));
    let rest = list(TaskFilter::default(), 50, 5).await;
    assert_eq!(rest.tasks.len(), 2);
    assert!(all.tasks.windows(2).all(|w| w[0].id < w[1].id), "ordered by id");
    let even = list(TaskFilter { project_id: Some("even".into()), ..Default::default() }, 50, 0).await;
    assert_eq!(even.total, 4);
    let py = list(TaskFilter { code_language: Some("python".into()), ..Default::default() }, 50, 0).await;
    assert_eq!(py.total, 3);
    let ab = list(TaskFilter { tags: vec!["a".into(), "b".into()], ..Default::default() }, 50, 0).await;
    assert_eq!(ab.tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), vec!["t0", "t3", "t6"]);
    let blocked = list(TaskFilter { status: Some(Status::Blocked), ..Default::default() }, 50, 0).await;
    assert_eq!(blocked.tasks[0].title, "t6");
    let parent = blocked.tasks[0].id;
    create(store, NewTask { parent_id: Some(parent), ..new("sub") }).await;
    let subs = list(TaskFilter { parent_id: Some(parent), ..Default::default() }, 50, 0).await;
    assert_eq!(subs.tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), vec!["sub"]);
    let none = list(TaskFilter { project_id: Some("nope".into()), ..Default::default() }, 50, 0).await;
    assert_eq!((none.total, none.tasks.len()), (0, 0));
}

pub async fn metrics_count_and_measure(store: &dyn TaskStore) {
    let empty = store.task_metrics(&TaskFilter::default()).await.unwrap();
    assert_eq!(empty.total, 0);
    assert_eq!(empty.completion_rate, 0.0);
    assert_eq!(empty.median_cycle_time_hours, None);
    let a = create(store, NewTask { priority: 4, code_language: Some("python".into()), ..new("a") }).await;
    let b = create(store, NewTask { priority: 4, ..new("b") }).await;
    create(store, NewTask { priority: 1, code_language: Some("python".into()), ..new("c") }).await;
    create(store, NewTask { project_id: Some("elsewhere".into()), ..new("d") }).await;
    store.set_status(a.id, Status::InProgress, false).await.unwrap();
    store.set_status(a.id, Status::Completed, false).await.unwrap();
    store.set_status(b.id, Status::Completed, false).await.unwrap();
    let m = store
        .task_metrics(&TaskFilter { project_id: Some(DEFAULT_PROJECT.into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(m.total, 3);
    assert_eq!(
        m.by_status,
        vec![(Status::Pending, 1), (Status::InProgress, 0), (Status::Blocked, 0), (Status::Completed, 2)]
    );
    assert_eq!(m.by_priority, vec![(0, 0), (1, 1), (2, 0), (3, 0), (4, 2)]);
    assert_eq!(m.by_language, vec![(None, 1), (Some("python".into()), 2)]);
    assert!((m.completion_rate - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(m.cycle_time_samples, 1, "only tasks that were started have a cycle time");
    let median = m.median_cycle_time_hours.unwrap();
    assert!((0.0..0.01).contains(&median), "{median}");
}

pub async fn graph_by_project(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, NewTask { dependencies: vec![a.id], ..new("b") }).await;
    let c = create(store, NewTask { dependencies: vec![a.id, b.id], ..new("c") }).await;
    let x = create(store, NewTask { project_id: Some("x".into()), ..new("x") }).await;
    let g = store.graph(Some(DEFAULT_PROJECT)).await.unwrap();
    assert_eq!(g.tasks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![a.id, b.id, c.id]);
    assert_eq!(g.edges, vec![(b.id, a.id), (c.id, a.id), (c.id, b.id)]);
    let all = store.graph(None).await.unwrap();
    assert_eq!(all.tasks.len(), 4);
    assert!(all.tasks.iter().any(|t| t.id == x.id));
    assert!(store.graph(Some("none")).await.unwrap().tasks.is_empty());
    let projects = store.projects().await.unwrap();
    assert_eq!(projects, vec![(DEFAULT_PROJECT.to_string(), 3), ("x".to_string(), 1)]);
}

pub async fn graph_index_holds_ids_statuses_and_edges(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, NewTask { dependencies: vec![a.id], ..new("b") }).await;
    let c = create(store, NewTask { dependencies: vec![a.id, b.id], ..new("c") }).await;
    let x = create(store, NewTask { project_id: Some("x".into()), ..new("x") }).await;
    let y = create(store, NewTask { project_id: Some("x".into()), dependencies: vec![x.id], ..new("y") }).await;
    store.set_status(a.id, Status::Completed, false).await.unwrap();
    let g = store.graph_index(Some(DEFAULT_PROJECT)).await.unwrap();
    assert_eq!(g.tasks, vec![(a.id, Status::Completed), (b.id, Status::Pending), (c.id, Status::Pending)]);
    assert_eq!(g.edges, vec![(b.id, a.id), (c.id, a.id), (c.id, b.id)]);
    let all = store.graph_index(None).await.unwrap();
    assert_eq!(all.tasks.len(), 5);
    assert_eq!(all.edges, vec![(b.id, a.id), (c.id, a.id), (c.id, b.id), (y.id, x.id)]);
    assert_eq!(store.graph_index(Some("none")).await.unwrap(), GraphIndex::default());
    // Whole tasks, ordered by id, unknown ids left out, each once.
    let got = store.tasks_by_ids(&[y.id, TaskId(999_999), b.id, y.id]).await.unwrap();
    assert_eq!(got, vec![store.get_task(b.id).await.unwrap(), store.get_task(y.id).await.unwrap()]);
    assert!(store.tasks_by_ids(&[]).await.unwrap().is_empty());
}

pub async fn commit_links_are_idempotent(store: &dyn TaskStore) {
    let t = create(store, new("t")).await;
    let link = NewCommitLink {
        task_id: t.id,
        commit_hash: "0123456789abcdef0123456789abcdef01234567".into(),
        commit_message: Some("feat: x".into()),
        author: Some("dev@example.com".into()),
    };
    let (first, created) = store.link_commit(link.clone()).await.unwrap();
    assert!(created);
    let (again, created_again) = store.link_commit(link).await.unwrap();
    assert!(!created_again);
    assert_eq!(first, again);
    let short = NewCommitLink { task_id: t.id, commit_hash: "abcdef1".into(), commit_message: None, author: None };
    store.link_commit(short).await.unwrap();
    let commits = store.commits(t.id).await.unwrap();
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[0].commit_message.as_deref(), Some("feat: x"));
}

pub async fn executions_and_analyses(store: &dyn TaskStore) {
    let t = create(store, new("t")).await;
    assert!(store.executions(t.id).await.unwrap().is_empty());
    let exec = NewExecution {
        task_id: t.id,
        language: "python".into(),
        code: "print(1)".into(),
        output: "1\n".into(),
        error: String::new(),
        exit_code: Some(0),
        execution_time: 0.05,
        timed_out: false,
        truncated: false,
        isolation: "namespaces".into(),
        limits: serde_json::json!({"timeout_secs": 30}),
    };
    let stored = store.record_execution(exec.clone()).await.unwrap();
    assert_eq!(stored.record, exec);
    assert_eq!(store.executions(t.id).await.unwrap(), vec![stored]);
    let analysis =
        store.record_analysis(t.id, "complexity", serde_json::json!({"score": 3.5}), Some(3.5)).await.unwrap();
    assert_eq!(analysis.task_updated_at, t.updated_at);
    let scored = store.get_task(t.id).await.unwrap();
    assert_eq!(scored.complexity_score, Some(3.5));
    assert_eq!(scored.updated_at, t.updated_at, "derived data does not count as an edit");
    assert_eq!(store.analyses(t.id).await.unwrap(), vec![analysis]);
    let mut orphan = exec;
    orphan.task_id = TaskId(9999);
    assert!(matches!(store.record_execution(orphan).await, Err(Error::TaskNotFound(_))));
    assert!(matches!(
        store.record_analysis(TaskId(9999), "x", serde_json::json!({}), None).await,
        Err(Error::TaskNotFound(_))
    ));
}

pub async fn task_records_match_the_separate_reads(store: &dyn TaskStore) {
    let t = create(store, NewTask { tags: vec!["x".into()], ..new("t") }).await;
    let bare = store.task_records(t.id, RecordsWanted::default()).await.unwrap();
    assert_eq!(bare, TaskRecords { task: t.clone(), commits: vec![], executions: None, analyses: None });
    let link = NewCommitLink { task_id: t.id, commit_hash: "abcdef1".into(), commit_message: None, author: None };
    store.link_commit(link).await.unwrap();
    let exec = NewExecution {
        task_id: t.id,
        language: "bash".into(),
        code: "echo 1".into(),
        output: "1\n".into(),
        error: String::new(),
        exit_code: Some(0),
        execution_time: 0.01,
        timed_out: false,
        truncated: false,
        isolation: "namespaces".into(),
        limits: serde_json::json!({}),
    };
    store.record_execution(exec).await.unwrap();
    store.record_analysis(t.id, "complexity", serde_json::json!({"score": 2.0}), Some(2.0)).await.unwrap();
    let all = RecordsWanted { executions: true, analyses: true };
    let records = store.task_records(t.id, all).await.unwrap();
    assert_eq!(records.task, store.get_task(t.id).await.unwrap());
    assert_eq!(records.commits, store.commits(t.id).await.unwrap());
    assert_eq!(records.commits.len(), 1);
    assert_eq!(records.executions.as_deref(), Some(&store.executions(t.id).await.unwrap()[..]));
    assert_eq!(records.executions.as_ref().map(Vec::len), Some(1));
    assert_eq!(records.analyses.as_deref(), Some(&store.analyses(t.id).await.unwrap()[..]));
    assert_eq!(records.analyses.as_ref().map(Vec::len), Some(1));
    let only_commits = store.task_records(t.id, RecordsWanted::default()).await.unwrap();
    assert!(only_commits.executions.is_none() && only_commits.analyses.is_none());
    assert!(matches!(store.task_records(TaskId(4242), all).await, Err(Error::TaskNotFound(TaskId(4242)))));
}

pub async fn batch_create_resolves_references_and_is_atomic(store: &dyn TaskStore) {
    let existing = create(store, NewTask { project_id: Some("p".into()), ..new("existing") }).await;
    let batch = crate::validate::new_task_batch(vec![
        NewTask { project_id: Some("p".into()), dependencies: vec![existing.id], ..new("one") },
        NewTask { project_id: Some("p".into()), dependencies: vec![TaskId(-1)], ..new("two") },
        NewTask { parent_id: Some(TaskId(-2)), dependencies: vec![TaskId(-1)], ..new("two.a") },
    ])
    .unwrap();
    let made = store.create_tasks(batch).await.unwrap();
    assert_eq!(made.len(), 3);
    assert_eq!(made[1].dependencies, vec![made[0].id]);
    assert_eq!(made[2].parent_id, Some(made[1].id));
    assert_eq!(made[2].project_id, "p");
    let before = count(store).await;
    let bad = crate::validate::new_task_batch(vec![
        NewTask { project_id: Some("p".into()), ..new("fine") },
        NewTask { project_id: Some("p".into()), dependencies: vec![TaskId(12345)], ..new("broken") },
    ])
    .unwrap();
    assert!(store.create_tasks(bad).await.is_err());
    assert_eq!(count(store).await, before, "a failed batch creates nothing");
}

pub async fn ping_answers(store: &dyn TaskStore) {
    store.ping().await.unwrap();
}

pub async fn claims_take_only_ready_unclaimed_tasks(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, NewTask { dependencies: vec![a.id], ..new("b") }).await;
    let c = create(store, new("c")).await;
    store.set_status(c.id, Status::Blocked, false).await.unwrap();
    assert_eq!(store.claim_first(&[b.id, c.id, TaskId(999)], "agent-1").await.unwrap(), None);
    let got = store.claim_first(&[b.id, a.id], "agent-1").await.unwrap().unwrap();
    assert_eq!(got.id, a.id);
    assert_eq!(got.status, Status::InProgress);
    assert_eq!(got.assignee.as_deref(), Some("agent-1"));
    assert!(got.claimed_at.is_some() && got.started_at.is_some());
    assert_eq!(store.claim_first(&[a.id], "agent-2").await.unwrap(), None, "a claimed task is not handed out again");
    let released = store.set_status(a.id, Status::Pending, false).await.unwrap().task;
    assert_eq!((released.assignee, released.claimed_at), (None, None), "going back to pending releases the claim");
    assert_eq!(store.claim_first(&[a.id], "agent-2").await.unwrap().unwrap().assignee.as_deref(), Some("agent-2"));
}

pub async fn concurrent_claims_never_share_a_task(store: &dyn TaskStore) {
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(create(store, new(&format!("t{i}"))).await.id);
    }
    let claims = (0..8).map(|agent| {
        let ids = ids.clone();
        async move { store.claim_first(&ids, &format!("agent-{agent}")).await.unwrap() }
    });
    let results = futures::future::join_all(claims).await;
    let mut claimed: Vec<TaskId> = results.iter().flatten().map(|t| t.id).collect();
    assert_eq!(claimed.len(), 6, "6 tasks for 8 agents: 6 get one, 2 get none");
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed, ids, "no task is claimed twice");
}

pub async fn stale_claims_are_released(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, new("b")).await;
    store.claim_first(&[a.id], "agent").await.unwrap().unwrap();
    store.set_status(b.id, Status::InProgress, false).await.unwrap();
    let none = store.release_stale_claims(chrono::Utc::now() - chrono::Duration::hours(1)).await.unwrap();
    assert!(none.is_empty(), "a fresh claim is not stale");
    let released = store.release_stale_claims(chrono::Utc::now() + chrono::Duration::seconds(1)).await.unwrap();
    assert_eq!(released, vec![a.id], "only claimed tasks are released, not unclaimed in-progress ones");
    let a = store.get_task(a.id).await.unwrap();
    assert_eq!((a.status, a.assignee), (Status::Pending, None));
}

pub async fn history_is_most_recent_first(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, new("b")).await;
    let never_started = create(store, new("c")).await;
    let elsewhere = create(store, NewTask { project_id: Some("x".into()), ..new("d") }).await;
    for t in [a.id, b.id, elsewhere.id] {
        store.set_status(t, Status::InProgress, false).await.unwrap();
        store.set_status(t, Status::Completed, false).await.unwrap();
    }
    store.set_status(never_started.id, Status::Completed, false).await.unwrap();
    let h = store.completed_history(DEFAULT_PROJECT, 10).await.unwrap();
    assert_eq!(h.iter().map(|t| t.id).collect::<Vec<_>>(), vec![b.id, a.id]);
    assert_eq!(store.completed_history(DEFAULT_PROJECT, 1).await.unwrap().len(), 1);
}

pub async fn transitive_dependents_follow_every_path(store: &dyn TaskStore) {
    let a = create(store, new("a")).await;
    let b = create(store, NewTask { dependencies: vec![a.id], ..new("b") }).await;
    let c = create(store, NewTask { dependencies: vec![a.id], ..new("c") }).await;
    let d = create(store, NewTask { dependencies: vec![b.id, c.id], ..new("d") }).await;
    create(store, new("unrelated")).await;
    assert_eq!(store.transitive_dependents(a.id).await.unwrap(), vec![b.id, c.id, d.id]);
    assert!(store.transitive_dependents(d.id).await.unwrap().is_empty());
    assert!(matches!(store.transitive_dependents(TaskId(999)).await, Err(Error::TaskNotFound(_))));
}

pub async fn external_keys_are_unique_per_project(store: &dyn TaskStore) {
    let keyed = |key: &str, project: &str| NewTask {
        external_key: Some(key.into()),
        project_id: Some(project.into()),
        ..new(key)
    };
    let a = create(store, keyed("prd/login", "p")).await;
    assert_eq!(a.external_key.as_deref(), Some("prd/login"));
    let err = store.create_task(keyed("prd/login", "p")).await.unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "external_key", .. }), "{err}");
    create(store, keyed("prd/login", "q")).await;
    create(store, keyed("prd/signup", "p")).await;
    let found = store.find_by_external_keys("p", &["prd/signup".into(), "prd/login".into(), "nope".into()]).await;
    let keys: Vec<_> = found.unwrap().into_iter().map(|t| t.external_key.unwrap()).collect();
    assert_eq!(keys, vec!["prd/login", "prd/signup"]);
    assert!(store.find_by_external_keys("p", &[]).await.unwrap().is_empty());
}

pub async fn documents_are_kept_once(store: &dyn TaskStore) {
    let doc = NewDocument {
        project_id: "p".into(),
        kind: "prd".into(),
        content_hash: "abc".into(),
        title: Some("Auth".into()),
        content: "# Auth".into(),
        parsed: serde_json::json!({"features": 1}),
    };
    let first = store.save_document(doc.clone()).await.unwrap();
    assert_eq!(first.document, doc);
    let again = store.save_document(NewDocument { parsed: serde_json::json!({"features": 2}), ..doc.clone() }).await;
    let again = again.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.document.parsed, serde_json::json!({"features": 2}));
    let other = store.save_document(NewDocument { content_hash: "def".into(), ..doc }).await.unwrap();
    assert_ne!(other.id, first.id);
}

pub async fn board_version_moves_on_every_write(store: &dyn TaskStore) {
    let Some(before) = store.board_version().await.unwrap() else {
        return;
    };
    assert_eq!(store.board_version().await.unwrap(), Some(before), "reads do not move the version");
    let t = create(store, new("t")).await;
    let after_create = store.board_version().await.unwrap().unwrap();
    assert_ne!(after_create, before);
    store.get_task(t.id).await.unwrap();
    assert_eq!(store.board_version().await.unwrap(), Some(after_create));
    store.set_status(t.id, Status::Blocked, false).await.unwrap();
    assert_ne!(store.board_version().await.unwrap(), Some(after_create));
}

pub async fn search_matches_words_in_title_description_and_details(store: &dyn TaskStore) {
    let words = |q: &str| crate::validate::search_words(q).unwrap();
    let login = create(
        store,
        NewTask { title: "Login page".into(), description: Some("OAuth sign-in flow".into()), ..new("") },
    )
    .await;
    let schema =
        create(store, NewTask { details: Some("migrate the login table".into()), ..new("Database schema") }).await;
    let other = create(store, NewTask { project_id: Some("web".into()), ..new("Login banner") }).await;
    create(store, new("Unrelated")).await;
    let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();

    let found = ids(store.search_tasks(None, &words("login"), 10).await.unwrap());
    assert_eq!(found.len(), 3, "title, details and another project: {found:?}");
    assert!(found.contains(&login.id) && found.contains(&schema.id) && found.contains(&other.id));
    assert_eq!(ids(store.search_tasks(None, &words("oauth"), 10).await.unwrap()), vec![login.id], "description");
    assert_eq!(ids(store.search_tasks(None, &words("Sign"), 10).await.unwrap()), vec![login.id], "any case");
    assert_eq!(
        ids(store.search_tasks(None, &words("auth"), 10).await.unwrap()),
        Vec::<TaskId>::new(),
        "words, not substrings"
    );
    assert_eq!(ids(store.search_tasks(None, &words("migr"), 10).await.unwrap()), vec![schema.id], "prefixes");
    assert_eq!(ids(store.search_tasks(None, &words("login table"), 10).await.unwrap()), vec![schema.id], "every word");
    assert_eq!(ids(store.search_tasks(Some("web"), &words("login"), 10).await.unwrap()), vec![other.id]);
    assert_eq!(store.search_tasks(None, &words("login"), 1).await.unwrap().len(), 1, "limit");
    assert!(store.search_tasks(None, &words("nothing-like-it"), 10).await.unwrap().is_empty());

    // The index follows edits and deletions.
    store
        .update_task(login.id, TaskPatch { title: Some("Sign-in screen".into()), ..Default::default() })
        .await
        .unwrap();
    assert!(!ids(store.search_tasks(None, &words("page"), 10).await.unwrap()).contains(&login.id));
    assert_eq!(ids(store.search_tasks(None, &words("screen"), 10).await.unwrap()), vec![login.id]);
    store.delete_task(schema.id, true).await.unwrap();
    assert!(!ids(store.search_tasks(None, &words("migrate"), 10).await.unwrap()).contains(&schema.id));
    // Query syntax is never interpreted: quotes, stars and operators are just separators.
    assert!(store.search_tasks(None, &words("\"screen\" OR * NEAR("), 10).await.is_ok());
}
