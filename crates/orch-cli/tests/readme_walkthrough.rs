//! The README's CLI walkthrough, run top to bottom with the real binary in a fresh directory, so it cannot drift.
//! The block is the one between `<!-- walkthrough:start -->` and `<!-- walkthrough:end -->`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Stdio};

fn walkthrough() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    let (_, rest) = readme.split_once("<!-- walkthrough:start -->").expect("the README marks its walkthrough");
    let (block, _) = rest.split_once("<!-- walkthrough:end -->").expect("the walkthrough ends");
    let block = block.trim();
    let body = block.strip_prefix("```bash").and_then(|b| b.strip_suffix("```")).expect("one ```bash block");
    body.to_string()
}

#[test]
fn the_readme_walkthrough_runs_top_to_bottom() {
    let script = walkthrough();
    assert!(script.contains("task-orchestrator init") && script.lines().count() > 20, "{script}");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_task-orchestrator")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    // -x: the log shows which line failed.
    let out = Command::new("bash")
        .args(["-euxo", "pipefail", "-c", &script])
        .current_dir(tmp.path())
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("DATABASE_URL")
        .env_remove("TASK_DB_PATH")
        .env_remove("MCP_HOME")
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "error")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the walkthrough failed:\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    // It used the repository's board, not the global one.
    assert!(tmp.path().join("shop/.task-orchestrator/tasks.db").is_file());
    assert!(!home.join(".local/share/task-orchestrator").exists(), "the global board stayed untouched");
    for expected in [
        "default project 'shop'",
        "2 task(s) created",
        "Linked commit ",
        "42\n",
        "#1 completed Login P3",
        "depends on\t#1\tcompleted\tLogin",
        "flowchart",
        "the board of the repository",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}
