//! Task Master and beads files: the real fixtures parse to the expected drafts, exports read back.
#![allow(clippy::unwrap_used)]

use orch_core::testkit::task;
use orch_core::{Status, TaskId};
use orch_interop::{Draft, beads, taskmaster};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn draft<'a>(drafts: &'a [Draft], source: &str) -> &'a Draft {
    drafts.iter().find(|d| d.source_id == source).unwrap_or_else(|| panic!("no draft {source}"))
}

#[test]
fn task_masters_own_file_maps_ids_subtasks_dependencies_statuses_and_priorities() {
    let parsed = taskmaster::parse(&fixture("taskmaster-tagged.json"), None).unwrap();
    let ids: Vec<&str> = parsed.drafts.iter().map(|d| d.source_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "2.1", "2.2", "2.3", "3", "3.1", "4", "5", "6"]);
    let d = &parsed.drafts;
    assert_eq!(draft(d, "1").key, "taskmaster:master:1");
    assert_eq!((draft(d, "1").status, draft(d, "1").priority), (Status::Completed, 3));
    assert_eq!(draft(d, "1").details.as_deref(), Some("Cargo workspace, rustfmt and clippy in CI"));
    assert_eq!(draft(d, "2").depends_on, ["taskmaster:master:1"], "string ids are task ids");
    assert_eq!(draft(d, "2.1").parent.as_deref(), Some("taskmaster:master:2"));
    assert_eq!(draft(d, "2.1").priority, 2, "a subtask without a priority inherits its parent's");
    assert_eq!(draft(d, "2.2").depends_on, ["taskmaster:master:2.1"], "a bare number in a subtask is a sibling");
    assert_eq!(draft(d, "2.3").depends_on, ["taskmaster:master:2.1", "taskmaster:master:2.2"]);
    assert_eq!((draft(d, "2.3").status, draft(d, "2.3").tags.clone()), (Status::InProgress, vec!["review".into()]));
    assert_eq!(draft(d, "3.1").depends_on, ["taskmaster:master:2.2"], "dotted ids cross parents");
    assert_eq!(draft(d, "4").depends_on, ["taskmaster:master:3", "taskmaster:master:2.3"]);
    assert_eq!((draft(d, "5").status, draft(d, "5").tags.clone()), (Status::Blocked, vec!["deferred".into()]));
    assert_eq!((draft(d, "6").status, draft(d, "6").tags.clone()), (Status::Completed, vec!["cancelled".into()]));
    assert_eq!(draft(d, "3").priority, 1);
    assert!(parsed.notes.iter().any(|n| n.contains("'feature-x'")), "{:?}", parsed.notes);
    assert!(parsed.notes.iter().any(|n| n.contains("'updatedAt'")), "{:?}", parsed.notes);
    assert!(!parsed.notes.iter().any(|n| n.contains("parentTaskId")), "implied by nesting: {:?}", parsed.notes);

    let other = taskmaster::parse(&fixture("taskmaster-tagged.json"), Some("feature-x")).unwrap();
    assert_eq!(other.drafts.len(), 1);
    assert_eq!(other.drafts[0].key, "taskmaster:feature-x:1");
    let err = taskmaster::parse(&fixture("taskmaster-tagged.json"), Some("nope")).unwrap_err().to_string();
    assert!(err.contains("master, feature-x") || err.contains("feature-x, master"), "{err}");
}

#[test]
fn the_legacy_format_with_test_strategies_and_unknown_references() {
    let parsed = taskmaster::parse(&fixture("taskmaster-legacy.json"), None).unwrap();
    let d = &parsed.drafts;
    assert_eq!(parsed.key_prefix, "taskmaster:master:");
    assert_eq!(draft(d, "1").priority, 4, "critical");
    assert_eq!(
        draft(d, "1").details.as_deref(),
        Some(
            "Use serde; unknown keys are errors\n\n## Test strategy\n\nUnit tests for every key and one for an unknown key"
        )
    );
    assert_eq!(draft(d, "1.1").details, None);
    assert_eq!(draft(d, "1.2").priority, 1);
    assert_eq!(
        draft(d, "1.2").details.as_deref(),
        Some("Report the key and the allowed range\n\n## Test strategy\n\nProperty tests over the ranges")
    );
    assert_eq!(draft(d, "2").depends_on, ["taskmaster:master:1", "taskmaster:master:1.2"]);
    assert!(parsed.notes.iter().any(|n| n.contains("'7' names no task")), "{:?}", parsed.notes);
    assert!(parsed.notes.iter().any(|n| n.contains("'complexity'")), "{:?}", parsed.notes);
}

#[test]
fn malformed_task_master_files_are_refused_with_the_reason() {
    for (doc, says) in [
        ("not json", "invalid JSON"),
        ("[1,2]", "not a JSON object"),
        ("{\"x\": 1}", "no task list"),
        ("{\"tasks\": [{\"title\": \"no id\"}]}", "no numeric \"id\""),
        ("{\"tasks\": [{\"id\": 1}]}", "no title"),
        ("{\"tasks\": [{\"id\": 1, \"title\": \"a\"}, {\"id\": 1, \"title\": \"b\"}]}", "appears twice"),
        ("{\"tasks\": [{\"id\": 1, \"title\": \"a\", \"subtasks\": 3}]}", "not an array"),
        ("{\"a\": {\"tasks\": []}, \"b\": {\"tasks\": []}}", "several tags"),
    ] {
        let err = taskmaster::parse(doc, None).unwrap_err().to_string();
        assert!(err.contains(says), "{doc}: {err}");
    }
}

#[test]
fn task_master_export_keeps_imported_ids_and_flattens_deeper_subtasks() {
    let mut a = task(10, "imported as 3");
    a.external_key = Some("taskmaster:master:3".into());
    a.details = Some("Body\n\n## Test strategy\n\nRun it".into());
    a.status = Status::InProgress;
    a.tags = vec!["review".into(), "backend".into()];
    let mut b = task(11, "native");
    b.dependencies = vec![TaskId(10)];
    b.priority = 4;
    let mut s1 = task(12, "sub of native");
    s1.parent_id = Some(TaskId(11));
    let mut s2 = task(13, "second sub");
    s2.parent_id = Some(TaskId(11));
    s2.dependencies = vec![TaskId(12), TaskId(10)];
    s2.status = Status::Completed;
    s2.tags = vec!["cancelled".into()];
    let mut deep = task(14, "grandchild");
    deep.parent_id = Some(TaskId(13));
    let out = taskmaster::export(
        &[a, b, s1, s2, deep],
        &taskmaster::ExportOptions { tag: "master".into(), description: "d".into() },
    );
    let v: serde_json::Value = serde_json::from_str(&out.content).unwrap();
    let tasks = v["master"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.iter().map(|t| t["id"].as_u64().unwrap()).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(tasks[0]["status"], "review");
    assert_eq!(tasks[0]["details"], "Body");
    assert_eq!(tasks[0]["testStrategy"], "Run it");
    assert_eq!(tasks[1]["priority"], "critical");
    assert_eq!(tasks[1]["dependencies"], serde_json::json!([3]));
    let subs = tasks[1]["subtasks"].as_array().unwrap();
    assert_eq!(subs.iter().map(|s| s["id"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(subs[1]["dependencies"], serde_json::json!([1]), "sibling by number");
    assert_eq!(subs[1]["status"], "cancelled");
    assert!(out.notes.iter().any(|n| n.contains("moved to its parent")), "{:?}", out.notes);
    assert!(out.notes.iter().any(|n| n.contains("one level of subtasks")), "{:?}", out.notes);
    assert!(out.notes.iter().any(|n| n.contains("no tags")), "{:?}", out.notes);
    // And our own reader takes it back with the same structure.
    let back = taskmaster::parse(&out.content, None).unwrap();
    assert_eq!(draft(&back.drafts, "4.2").depends_on, ["taskmaster:master:4.1"]);
    assert_eq!(draft(&back.drafts, "3").details.as_deref(), Some("Body\n\n## Test strategy\n\nRun it"));
}

#[test]
fn beads_issues_map_parents_blocks_priorities_and_text_fields() {
    let parsed = beads::parse(&fixture("beads-issues.jsonl")).unwrap();
    let d = &parsed.drafts;
    assert_eq!(
        d.iter().map(|d| d.source_id.as_str()).collect::<Vec<_>>(),
        ["bd-1", "bd-1.1", "bd-1.2", "bd-2", "bd-3"]
    );
    assert_eq!((draft(d, "bd-1").priority, draft(d, "bd-1").task_type.as_deref()), (3, Some("epic")));
    let hash = draft(d, "bd-1.1");
    assert_eq!(hash.parent.as_deref(), Some("beads:bd-1"));
    assert_eq!((hash.status, hash.priority, hash.estimated_hours), (Status::Completed, 4, Some(1.5)));
    assert_eq!(
        hash.details.as_deref(),
        Some("## Design\n\nUse the argon2 crate\n\n## Acceptance criteria\n\nHashes verify; parameters configurable")
    );
    assert_eq!(hash.tags, ["auth", "security"]);
    let login = draft(d, "bd-1.2");
    assert_eq!(login.depends_on, ["beads:bd-1.1"]);
    assert_eq!(login.status, Status::InProgress);
    assert_eq!(draft(d, "bd-2").status, Status::Blocked);
    assert_eq!(draft(d, "bd-3").priority, 0);
    let notes = parsed.notes.join("\n");
    for says in ["tombstones", "'related' dependencies", "'discovered-from'", "'assignee'", "'external_ref'"] {
        assert!(notes.contains(says), "{says}: {notes}");
    }
}

#[test]
fn beads_export_reads_back_and_keeps_beads_invariants() {
    let parsed = beads::parse(&fixture("beads-issues.jsonl")).unwrap();
    let mut tasks = Vec::new();
    for (i, d) in parsed.drafts.iter().enumerate() {
        let mut t = task(i as i64 + 1, &d.title);
        t.external_key = Some(d.key.clone());
        t.details = d.details.clone();
        t.description = d.description.clone();
        t.status = d.status;
        t.priority = d.priority;
        t.tags = d.tags.clone();
        t.task_type = d.task_type.clone();
        t.estimated_hours = d.estimated_hours;
        tasks.push(t);
    }
    tasks[1].parent_id = Some(TaskId(1));
    tasks[2].parent_id = Some(TaskId(1));
    tasks[2].dependencies = vec![TaskId(2)];
    let mut native = task(9, "native");
    native.details = Some("Plan".into());
    native.description = Some("Do".into());
    native.task_type = Some("research".into());
    tasks.push(native);
    let out = beads::export(&tasks, "bd");
    let lines: Vec<serde_json::Value> = out.content.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[1]["id"], "bd-1.1");
    assert_eq!(lines[1]["status"], "closed");
    assert!(lines[1]["closed_at"].is_string(), "closed issues carry closed_at");
    assert!(lines[2].get("closed_at").is_none());
    assert_eq!(lines[1]["priority"], 0);
    assert_eq!(lines[1]["estimated_minutes"], 90);
    assert_eq!(lines[1]["design"], "Use the argon2 crate");
    assert_eq!(lines[2]["dependencies"][0]["type"], "parent-child");
    assert_eq!(lines[2]["dependencies"][1]["depends_on_id"], "bd-1.1");
    assert_eq!(lines[5]["id"], "bd-9");
    assert_eq!(lines[5]["description"], "Do\n\nPlan");
    assert_eq!(lines[5]["issue_type"], "task");
    let back = beads::parse(&out.content).unwrap();
    assert_eq!(draft(&back.drafts, "bd-1.2").depends_on, ["beads:bd-1.1"]);
    assert_eq!(draft(&back.drafts, "bd-1.2").parent.as_deref(), Some("beads:bd-1"));
    assert_eq!(draft(&back.drafts, "bd-1.1").details, parsed.drafts[1].details);
}

#[test]
fn malformed_beads_lines_are_refused_with_the_line() {
    for (doc, says) in [
        ("{\"id\":\"a\",\"title\":\"t\"}\nnot json", "line 2"),
        ("[1]", "not a JSON object"),
        ("{\"title\":\"t\"}", "no \"id\""),
        ("{\"id\":\"a\"}", "no title"),
        ("{\"id\":\"a\",\"title\":\"t\"}\n{\"id\":\"a\",\"title\":\"t\"}", "twice"),
        ("{\"id\":\"a\",\"title\":\"t\",\"dependencies\":[{\"x\":1}]}", "malformed"),
    ] {
        let err = beads::parse(doc).unwrap_err().to_string();
        assert!(err.contains(says), "{doc}: {err}");
    }
    let cyclic = "{\"id\":\"a\",\"title\":\"a\",\"dependencies\":[{\"depends_on_id\":\"b\",\"type\":\"parent-child\"}]}\n\
                  {\"id\":\"b\",\"title\":\"b\",\"dependencies\":[{\"depends_on_id\":\"a\",\"type\":\"parent-child\"}]}";
    let parsed = beads::parse(cyclic).unwrap();
    assert_eq!(parsed.drafts.iter().filter(|d| d.parent.is_none()).count(), 1);
    assert!(parsed.notes.iter().any(|n| n.contains("cycle")), "{:?}", parsed.notes);
}
