//! The human CLI over the real binary: commands, exit codes, and `--json` equal to the tool results.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::{Command, Output};

use serde_json::Value;

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Cli { dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_task-orchestrator"))
            .args(["--db", &format!("sqlite://{}", self.dir.path().join("cli.db").display())])
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env("TASK_ORCHESTRATOR_LOG_LEVEL", "error")
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

#[test]
fn commands_round_trip_through_the_same_core() {
    let cli = Cli::new();
    let a = cli.json(&["add", "Design schema", "-p", "3", "-t", "backend", "-l", "py"]);
    assert_eq!(a["task"]["id"], 1);
    assert_eq!(a["task"]["code_language"], "python");
    cli.json(&["add", "Build API", "--depends-on", "1"]);
    let out = cli.run(&["status", "2", "in_progress"]);
    assert_eq!(out.status.code(), Some(1), "a refused operation exits 1");
    assert!(String::from_utf8_lossy(&out.stderr).contains("#1 \"Design schema\""));
    let out = cli.run(&["update", "1", "--add-dep", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cycle"));

    let listed = cli.json(&["list", "--metrics"]);
    assert_eq!(listed["count"], 2);
    assert_eq!(listed["metrics"]["by_status"]["pending"], 2);
    let human = cli.run(&["list"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("Design schema"));

    let next = cli.json(&["next", "--claim", "--assignee", "me"]);
    assert_eq!(next["claimed_task"]["id"], 1);
    cli.json(&["status", "1", "completed"]);
    let ran = cli.json(&["exec", "2", "python", "print(6 * 7)"]);
    assert_eq!(ran["execution"]["output"], "42\n");
    cli.json(&["link", "2", "abcdef1", "--message", "feat: api"]);
    let shown = cli.json(&["show", "2", "--executions"]);
    assert_eq!(shown["commits"][0]["commit_hash"], "abcdef1");
    assert_eq!(shown["executions"].as_array().unwrap().len(), 1);

    let prd = cli.dir.path().join("prd.md");
    std::fs::write(&prd, "# P\n\n## Features\n### Login\n- Priority: High\n- Description: Sign in\n").unwrap();
    let imported = cli.json(&["prd", prd.to_str().unwrap(), "--project", "web"]);
    assert_eq!(imported["created_task_ids"].as_array().unwrap().len(), 1);
    let analysed = cli.json(&["analyze", "2"]);
    assert!(analysed["complexity"]["score"].is_number());
    let expanded = cli.json(&["expand", "2", "--depth", "1"]);
    assert!(!expanded["subtask_ids"].as_array().unwrap().is_empty());
    let graph = cli.run(&["graph", "--format", "mermaid"]);
    assert!(String::from_utf8_lossy(&graph.stdout).contains("t1 --> t2"));
    assert!(cli.json(&["rm", "2", "--force"])["deleted"].as_array().unwrap().len() > 1);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let cli = Cli::new();
    let out = cli.run(&["status", "1", "done"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in_progress"));
    let out =
        Command::new(env!("CARGO_BIN_EXE_task-orchestrator")).args(["--db", "mysql://x", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://"));
}

#[test]
fn serve_exits_cleanly_when_stdin_closes_before_the_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_task-orchestrator"))
        .args(["--db", &format!("sqlite://{}", dir.path().join("t.db").display()), "serve"])
        .stdin(std::process::Stdio::null())
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "error")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "nothing but protocol messages on stdout");
}
