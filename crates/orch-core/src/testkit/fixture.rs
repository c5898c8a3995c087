//! Whole domain values for tests that need one without a store.

use chrono::{DateTime, TimeZone, Utc};

use crate::model::{Status, Task, TaskId};

/// The time every fixture task was created and last updated: fixed, so outputs that print it are reproducible.
pub fn fixture_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().unwrap_or_default()
}

/// A task as a store would return it: `id`, `title`, pending, priority 2, project `p`, created and updated at
/// [`fixture_time`], everything else empty. Change what a test needs with struct update syntax
/// (`Task { status, ..task(1, "t") }`) or by assigning fields.
pub fn task(id: i64, title: &str) -> Task {
    Task {
        id: TaskId(id),
        project_id: "p".into(),
        parent_id: None,
        title: title.into(),
        description: None,
        details: None,
        status: Status::Pending,
        priority: 2,
        dependencies: Vec::new(),
        tags: Vec::new(),
        code_language: None,
        execution_environment: None,
        task_type: None,
        assignee: None,
        claimed_at: None,
        estimated_hours: None,
        complexity_score: None,
        created_at: fixture_time(),
        updated_at: fixture_time(),
        started_at: None,
        completed_at: None,
        external_key: None,
    }
}
