//! Other tools and git through the real binary: Task Master and beads import/export, git scan and the post-commit
//! hook in a real repository, link_git_commit against it, the MCP tools over stdio, and mcp-config snippets.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_task-orchestrator");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../orch-interop/tests/fixtures").join(name)
}

/// A board in a temporary directory; commands run there (outside any repository unless one is made).
struct Board {
    dir: tempfile::TempDir,
}

impl Board {
    fn new() -> Self {
        Board { dir: tempfile::tempdir().unwrap() }
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("board.db").display())
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(["--db", &self.db()])
            .args(args)
            .current_dir(cwd)
            .env_remove("DATABASE_URL")
            .env_remove("TASK_ORCHESTRATOR_GIT_REPO")
            .env("TASK_ORCHESTRATOR_LOG_LEVEL", "error")
            .output()
            .unwrap()
    }

    fn ok_in(&self, cwd: &Path, args: &[&str]) -> String {
        let out = self.run_in(cwd, args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn json_in(&self, cwd: &Path, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok_in(cwd, &all)).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        self.json_in(self.dir.path(), args)
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect()
}

#[test]
fn task_master_import_is_idempotent_and_the_export_reads_back() {
    let b = Board::new();
    let file = fixture("taskmaster-tagged.json");
    let first = b.json(&["import", "taskmaster", file.to_str().unwrap(), "--project", "tm"]);
    assert_eq!(first["created_task_ids"].as_array().unwrap().len(), 10, "{first}");
    let item =
        |r: &Value, src: &str| r["items"].as_array().unwrap().iter().find(|i| i["source_id"] == src).cloned().unwrap();
    let review_id = item(&first, "2.3")["task_id"].as_i64().unwrap();
    let shown = b.json(&["show", &review_id.to_string()]);
    assert_eq!(shown["task"]["status"], "in_progress");
    assert_eq!(shown["task"]["tags"], json!(["review"]));
    assert_eq!(shown["task"]["parent_id"], item(&first, "2")["task_id"]);

    let again = b.json(&["import", "taskmaster", file.to_str().unwrap(), "--project", "tm"]);
    assert!(again["created_task_ids"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(again["unchanged_task_ids"].as_array().unwrap().len(), 10);
    assert_eq!(b.json(&["list", "--project", "tm"])["count"], 10, "no duplicates");

    // The file changes: a new title, a dependency dropped, a status moved on; the board follows.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let tasks = doc["master"]["tasks"].as_array_mut().unwrap();
    tasks[2]["title"] = json!("Write the handbook");
    tasks[2]["dependencies"] = json!(["1"]);
    tasks[3]["status"] = json!("done");
    let changed = b.dir.path().join("changed.json");
    std::fs::write(&changed, serde_json::to_string(&doc).unwrap()).unwrap();
    let third = b.json(&["import", "taskmaster", changed.to_str().unwrap(), "--project", "tm"]);
    let guide = item(&third, "3");
    assert_eq!(guide["action"], "updated");
    let guide = b.json(&["show", &guide["task_id"].to_string()]);
    assert_eq!(guide["task"]["title"], "Write the handbook");
    assert_eq!(ids(&guide["task"]["dependencies"]), [item(&first, "1")["task_id"].as_i64().unwrap()]);
    assert_eq!(b.json(&["show", &item(&third, "4")["task_id"].to_string()])["task"]["status"], "completed");

    // Export: ids, dotted subtask dependencies, statuses and priorities as Task Master writes them.
    let out = b.dir.path().join("exported.json");
    let said = b.ok_in(b.dir.path(), &["export", "taskmaster", "--project", "tm", "--output", out.to_str().unwrap()]);
    assert!(said.contains("Wrote 10 task(s)"), "{said}");
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let tasks = exported["master"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.iter().map(|t| t["id"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    assert_eq!(tasks[1]["subtasks"][2]["status"], "review");
    assert_eq!(tasks[1]["subtasks"][2]["dependencies"], json!([1, 2]));
    assert_eq!(tasks[2]["subtasks"][0]["dependencies"], json!(["2.2"]));
    assert_eq!(tasks[3]["dependencies"], json!(["2.3", 3]), "in the board's order, by task id");
    assert_eq!((tasks[4]["status"].as_str(), tasks[5]["status"].as_str()), (Some("deferred"), Some("cancelled")));
    assert_eq!((tasks[0]["priority"].as_str(), tasks[2]["priority"].as_str()), (Some("high"), Some("low")));
    // And it imports into another project with the same shape.
    let copy = b.json(&["import", "taskmaster", out.to_str().unwrap(), "--project", "copy"]);
    assert_eq!(copy["created_task_ids"].as_array().unwrap().len(), 10);
    assert!(copy["unmapped"].as_array().unwrap().is_empty(), "{copy}");
}

#[test]
fn the_legacy_format_keeps_test_strategies_through_an_export() {
    let b = Board::new();
    let r = b.json(&["import", "taskmaster", fixture("taskmaster-legacy.json").to_str().unwrap()]);
    assert!(r["unmapped"].to_string().contains("'complexity'"), "{r}");
    assert!(r["unmapped"].to_string().contains("'7' names no task"), "{r}");
    let text = b.ok_in(b.dir.path(), &["export", "taskmaster"]);
    let v: Value = serde_json::from_str(&text).unwrap();
    let t = &v["master"]["tasks"][0];
    assert_eq!(t["testStrategy"], "Unit tests for every key and one for an unknown key");
    assert_eq!(t["details"], "Use serde; unknown keys are errors");
    assert_eq!(t["priority"], "critical");
    assert_eq!(t["subtasks"][1]["testStrategy"], "Property tests over the ranges");
    assert_eq!(t["subtasks"][1]["priority"], "low");

    // Task Master does not forbid cycles; the board does: the edge closing it is left out and reported.
    let cyclic = b.dir.path().join("cyclic.json");
    let doc =
        r#"{"tasks": [{"id": 1, "title": "a", "dependencies": [2]}, {"id": 2, "title": "b", "dependencies": [1]}]}"#;
    std::fs::write(&cyclic, doc).unwrap();
    let r = b.json(&["import", "taskmaster", cyclic.to_str().unwrap(), "--project", "cyc"]);
    assert_eq!(r["created_task_ids"].as_array().unwrap().len(), 2, "{r}");
    assert!(r["warnings"][0].as_str().unwrap().contains("cycle"), "{r}");

    let bad = b.dir.path().join("bad.json");
    std::fs::write(&bad, "{\"tasks\": [{\"id\": 1}]}").unwrap();
    let out = b.run_in(b.dir.path(), &["import", "taskmaster", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("task 1 has no title"), "{out:?}");
}

#[test]
fn beads_round_trip_through_the_board() {
    let b = Board::new();
    let file = fixture("beads-issues.jsonl");
    let r = b.json(&["import", "beads", file.to_str().unwrap(), "--project", "bd"]);
    assert_eq!(r["created_task_ids"].as_array().unwrap().len(), 5, "{r}");
    assert!(r["unmapped"].to_string().contains("tombstones"));
    let again = b.json(&["import", "beads", file.to_str().unwrap(), "--project", "bd"]);
    assert_eq!(again["unchanged_task_ids"].as_array().unwrap().len(), 5, "{again}");

    let text = b.ok_in(b.dir.path(), &["export", "beads", "--project", "bd"]);
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        lines.iter().map(|l| l["id"].as_str().unwrap()).collect::<Vec<_>>(),
        ["bd-1", "bd-1.1", "bd-1.2", "bd-2", "bd-3"]
    );
    assert_eq!(lines[1]["status"], "closed");
    assert!(lines[1]["closed_at"].is_string());
    assert_eq!(lines[1]["priority"], 0);
    assert_eq!(lines[1]["acceptance_criteria"], "Hashes verify; parameters configurable");
    let deps = lines[2]["dependencies"].as_array().unwrap();
    assert!(deps.iter().any(|d| d["type"] == "parent-child" && d["depends_on_id"] == "bd-1"), "{deps:?}");
    assert!(deps.iter().any(|d| d["type"] == "blocks" && d["depends_on_id"] == "bd-1.1"), "{deps:?}");
    // Export to a pipe that closes early is not an error.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("'{BIN}' --db '{}' export beads --project bd | head -c 10 >/dev/null", b.db()))
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Grace Hopper")
        .env("GIT_AUTHOR_EMAIL", "grace@example.com")
        .env("GIT_COMMITTER_NAME", "Grace Hopper")
        .env("GIT_COMMITTER_EMAIL", "grace@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn commit(repo: &Path, message: &str) -> String {
    git(repo, &["commit", "-q", "--allow-empty", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

#[test]
fn git_scan_links_each_commit_once_and_closes_when_asked() {
    let b = Board::new();
    let repo = b.dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    for t in ["schema", "api", "docs"] {
        b.json(&["add", t]);
    }
    let c1 = commit(&repo, "Start the schema (task 1)");
    let c2 = commit(&repo, "API skeleton\n\nrefs #2, #3 and #99");
    let scan = b.json_in(&repo, &["git", "scan"]);
    assert_eq!(scan["commits_scanned"], 2);
    assert_eq!(scan["links"].as_array().unwrap().len(), 3, "{scan}");
    assert!(scan["warnings"][0].as_str().unwrap().contains("#99"), "{scan}");
    let shown = b.json(&["show", "1"]);
    assert_eq!(shown["commits"][0]["commit_hash"], c1.as_str());
    assert_eq!(shown["commits"][0]["author"], "Grace Hopper <grace@example.com>");
    assert_eq!(shown["commits"][0]["commit_message"], "Start the schema (task 1)");

    let rescan = b.json_in(&repo, &["git", "scan"]);
    assert!(rescan["links"].as_array().unwrap().iter().all(|l| l["created"] == false), "{rescan}");
    assert_eq!(b.json(&["show", "2"])["commits"].as_array().unwrap().len(), 1, "linked once");

    let c3 = commit(&repo, "Finish the schema, closes #1");
    let no_close = b.json_in(&repo, &["git", "scan", "--since", &c2]);
    assert_eq!(no_close["commits_scanned"], 1);
    assert_eq!(b.json(&["show", "1"])["task"]["status"], "pending", "closing is off by default");
    let closing = b.json_in(&repo, &["git", "scan", "--since", &c2, "--close"]);
    assert_eq!(ids(&closing["completed_task_ids"]), [1]);
    assert_eq!(b.json(&["show", "1"])["task"]["status"], "completed");
    assert_eq!(b.json(&["show", "1"])["commits"][1]["commit_hash"], c3.as_str());

    let bad = b.run_in(&repo, &["git", "scan", "--since", "no-such-rev"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'no-such-rev' is not a commit"), "{bad:?}");
    let outside = b.run_in(b.dir.path(), &["git", "scan"]);
    assert!(String::from_utf8_lossy(&outside.stderr).contains("no git repository"), "{outside:?}");
    let custom = b.json_in(&repo, &["git", "scan", "--pattern", r"\bschema\b()", "--max", "1"]);
    assert_eq!(custom["links"].as_array().unwrap().len(), 0, "an empty group names no task: {custom}");
}

#[test]
fn the_post_commit_hook_links_new_commits() {
    let b = Board::new();
    let repo = b.dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    b.json(&["add", "hooked"]);
    let said = b.ok_in(&repo, &["git", "hook", "install", "--close"]);
    assert!(said.contains("post-commit"), "{said}");
    let hook = std::fs::read_to_string(repo.join(".git/hooks/post-commit")).unwrap();
    assert!(hook.contains("git scan --commit HEAD --close") && hook.contains(&b.db()), "{hook}");
    let hash = commit(&repo, "Do it, fixes task 1");
    let shown = b.json(&["show", "1"]);
    assert_eq!(shown["commits"][0]["commit_hash"], hash.as_str(), "{shown}");
    assert_eq!(shown["task"]["status"], "completed");
    // Installing again replaces our own hook; someone else's needs --force.
    b.ok_in(&repo, &["git", "hook", "install"]);
    std::fs::write(repo.join(".git/hooks/post-commit"), "#!/bin/sh\necho mine\n").unwrap();
    let refused = b.run_in(&repo, &["git", "hook", "install"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"), "{refused:?}");
    b.ok_in(&repo, &["git", "hook", "install", "--force"]);
}

#[tokio::test]
async fn mcp_tools_verify_commits_scan_history_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let hash = commit(&repo, "Build the parser\n\nrefs #1");
    let s = common::start_with((), &[("TASK_ORCHESTRATOR_GIT_REPO", repo.to_str().unwrap())]).await;
    s.call("create_task", json!({"title": "parser"})).await;

    let linked = s.call("link_git_commit", json!({"task_id": 1, "commit_hash": &hash[..9]})).await;
    assert_eq!(linked["commit"]["commit_hash"], hash.as_str(), "the short hash is resolved");
    assert_eq!(linked["commit"]["author"], "Grace Hopper <grace@example.com>");
    assert_eq!(linked["commit"]["commit_message"], "Build the parser\n\nrefs #1");
    let err = s.call_err("link_git_commit", json!({"task_id": 1, "commit_hash": "deadbeefcafe"})).await;
    assert!(err.contains("not a commit of the repository") && err.contains("commit_hash"), "{err}");
    let err =
        s.call_err("link_git_commit", json!({"task_id": 1, "commit_hash": &hash, "author": "Someone Else"})).await;
    assert!(err.contains("Grace Hopper") && err.contains("author"), "{err}");
    let ok =
        s.call("link_git_commit", json!({"task_id": 1, "commit_hash": &hash, "commit_message": "Build the parser"}));
    assert_eq!(ok.await["created"], false, "the same commit again; the subject matches the message");

    let scan = s.call("scan_git_commits", json!({})).await;
    assert_eq!(scan["commits_scanned"], 1);
    assert_eq!(scan["links"][0]["created"], false, "already linked above: {scan}");
    let err = s.call_err("scan_git_commits", json!({"pattern": "(unclosed"})).await;
    assert!(err.contains("pattern"), "{err}");

    let content = std::fs::read_to_string(fixture("taskmaster-tagged.json")).unwrap();
    let imported = s
        .call(
            "import_tasks",
            json!({"format": "taskmaster", "content": content, "project_id": "tm", "tag": "feature-x"}),
        )
        .await;
    assert_eq!(imported["items"][0]["external_key"], "taskmaster:feature-x:1", "{imported}");
    let err = s.call_err("import_tasks", json!({"format": "beads", "content": "not json"})).await;
    assert!(err.contains("line 1"), "{err}");
    let err = s.call_err("import_tasks", json!({"format": "jira", "content": ""})).await;
    assert!(err.contains("format"), "{err}");
    s.stop().await;

    // Without a repository any well-formed hash is accepted, unchecked.
    let plain = common::start().await;
    plain.call("create_task", json!({"title": "t"})).await;
    let linked =
        plain.call("link_git_commit", json!({"task_id": 1, "commit_hash": "deadbeefcafe", "author": "x"})).await;
    assert_eq!(linked["commit"]["author"], "x");
    let err = plain.call_err("scan_git_commits", json!({})).await;
    assert!(err.contains("TASK_ORCHESTRATOR_GIT_REPO"), "{err}");
    plain.stop().await;
}

#[tokio::test]
async fn mcp_config_snippets_start_the_server_on_the_repository_board() {
    let b = Board::new();
    let repo = b.dir.path().join("project");
    std::fs::create_dir_all(repo.join("src/deep")).unwrap();
    git(&repo, &["init", "-q"]);
    let cwd = repo.join("src/deep");
    let out = |args: &[&str]| {
        let o = Command::new(BIN).args(args).current_dir(&cwd).env_remove("DATABASE_URL").output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let board = format!("sqlite://{}", repo.join(".task-orchestrator/tasks.db").display());
    let claude: Value = serde_json::from_str(&out(&["mcp-config", "claude"])).unwrap();
    let entry = &claude["mcpServers"]["task-orchestrator"];
    assert_eq!(entry["args"], json!(["--db", board, "serve"]));
    assert_eq!(entry["env"]["TASK_ORCHESTRATOR_GIT_REPO"], repo.display().to_string());
    let vscode: Value = serde_json::from_str(&out(&["mcp-config", "vscode"])).unwrap();
    assert_eq!(vscode["servers"]["task-orchestrator"]["type"], "stdio");

    std::fs::create_dir_all(repo.join(".cursor")).unwrap();
    std::fs::write(repo.join(".cursor/mcp.json"), r#"{"mcpServers": {"other": {"command": "x"}}}"#).unwrap();
    out(&["mcp-config", "cursor", "--write"]);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join(".cursor/mcp.json")).unwrap()).unwrap();
    assert_eq!(written["mcpServers"]["other"]["command"], "x", "other servers are kept");
    out(&["mcp-config", "claude", "--write"]);
    assert!(repo.join(".mcp.json").exists());

    // The entry as a client would run it: from another directory, a working server on the repository's board.
    let mut cmd = tokio::process::Command::new(entry["command"].as_str().unwrap());
    cmd.args(entry["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()))
        .current_dir(b.dir.path())
        .env_remove("DATABASE_URL")
        .env("TASK_ORCHESTRATOR_GIT_REPO", entry["env"]["TASK_ORCHESTRATOR_GIT_REPO"].as_str().unwrap());
    let (transport, _) =
        rmcp::transport::TokioChildProcess::builder(cmd).stderr(std::process::Stdio::null()).spawn().unwrap();
    let client = rmcp::ServiceExt::serve((), transport).await.unwrap();
    let created = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("create_task")
                .with_arguments(json!({"title": "on the repo board"}).as_object().cloned().unwrap()),
        )
        .await
        .unwrap();
    assert_ne!(created.is_error, Some(true));
    client.cancel().await.ok();
    assert!(repo.join(".task-orchestrator/tasks.db").exists());

    let outside = Command::new(BIN).args(["mcp-config", "claude"]).current_dir(b.dir.path()).output().unwrap();
    assert!(!outside.status.success());
    assert!(String::from_utf8_lossy(&outside.stderr).contains("not inside a git repository"));
}
