//! Helpers prepared ahead of requests: each serves one execution, two executions never share one, one that dies while
//! waiting is not used, and none outlives the server.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use orch_exec::{ExecConfig, ExecLanguage, Executor};

/// Sandbox helpers (the `orch-sandbox` binary) whose parent is `parent`.
fn helpers_of(parent: u32) -> Vec<u32> {
    let helper = std::fs::canonicalize(env!("CARGO_BIN_EXE_orch-sandbox")).unwrap();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        if std::fs::read_link(entry.path().join("exe")).ok().as_deref() == Some(helper.as_path())
            && parent_of(pid) == Some(parent)
        {
            found.push(pid);
        }
    }
    found
}

/// Helpers of this process that wait with a root built under `dir` (after `pivot_root` the path is gone from their
/// mount table, so helpers running a job, and those of other tests running in parallel, are left out).
fn waiting_helpers_under(dir: &Path) -> Vec<u32> {
    let dir = dir.display().to_string();
    helpers_of(std::process::id())
        .into_iter()
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).is_ok_and(|m| m.contains(&dir)))
        .collect()
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    stat[stat.rfind(')')? + 2..].split(' ').nth(1)?.parse().ok()
}

/// Whether `pid` is still a live process (a zombie waiting for its reaper counts as gone).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.get(stat.rfind(')')? + 2..)?.chars().next())
        .is_some_and(|state| state != 'Z' && state != 'X')
}

/// Polls `check` without blocking the runtime, which prepares helpers in the background meanwhile.
async fn wait_for(what: &str, deadline: Duration, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_execution_gets_a_sandbox_of_its_own_even_concurrently() {
    let tmp = tempfile::tempdir().unwrap();
    let config = ExecConfig { max_concurrent: 4, ..common::config(tmp.path()) };
    let exec = Arc::new(Executor::new(config).await.unwrap());
    // Each one leaves a mark in /tmp and lingers so the others overlap it; a shared or reused sandbox shows marks.
    let code = |id: usize| {
        format!(
            "import os, time\nopen('/tmp/mark-{id}', 'w').close()\ntime.sleep(0.3)\nprint(sorted(f for f in \
             os.listdir('/tmp') if f.startswith('mark-')))"
        )
    };
    for round in 0..2 {
        let tasks: Vec<_> = (0..6)
            .map(|id| {
                let exec = exec.clone();
                let code = code(round * 10 + id);
                tokio::spawn(async move { exec.execute(common::request(ExecLanguage::Python, &code)).await.unwrap() })
            })
            .collect();
        for (id, task) in tasks.into_iter().enumerate() {
            let outcome = task.await.unwrap();
            assert_eq!(outcome.output.trim(), format!("['mark-{}']", round * 10 + id), "{outcome:#?}");
        }
    }
    let after = common::run(&exec, ExecLanguage::Bash, "ls /tmp | grep -c mark- || true").await;
    assert_eq!(after.output.trim(), "0", "{after:#?}");
}

#[tokio::test]
async fn a_prepared_helper_killed_while_waiting_is_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = common::executor(tmp.path(), Vec::new()).await;
    wait_for("prepared helpers", Duration::from_secs(30), || !waiting_helpers_under(tmp.path()).is_empty()).await;
    let killed = waiting_helpers_under(tmp.path());
    for &pid in &killed {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGKILL).unwrap();
    }
    // SIGKILL is delivered asynchronously: until the helper has exited, it still looks alive to the pool (a helper
    // dying at the very instant it is taken fails that one execution, which is a different case).
    wait_for("the killed helpers to exit", Duration::from_secs(30), || killed.iter().all(|&pid| !alive(pid))).await;
    // Every helper there was is dead; the execution still runs, and later ones too.
    for _ in 0..3 {
        let outcome = common::run(&exec, ExecLanguage::Python, "print(6 * 7)").await;
        assert_eq!(outcome.output.trim(), "42", "{outcome:#?}");
    }
}

/// Set in the re-executed test binary that plays the server.
const SERVER_DIR: &str = "ORCH_EXEC_TEST_SERVER_DIR";

#[tokio::test]
async fn prepared_helpers_do_not_outlive_the_server() {
    if let Ok(dir) = std::env::var(SERVER_DIR) {
        return serve_until_killed(Path::new(&dir)).await;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut server = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["prepared_helpers_do_not_outlive_the_server", "--exact", "--nocapture", "--test-threads=1"])
        .env(SERVER_DIR, tmp.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = tmp.path().join("ready");
    wait_for("the server to run an execution", Duration::from_secs(120), || ready.exists()).await;
    let mut helpers = Vec::new();
    wait_for("prepared helpers", Duration::from_secs(30), || {
        helpers = helpers_of(server.id());
        !helpers.is_empty()
    })
    .await;
    // Their init processes (pid 1 of each sandbox) too.
    let inits: Vec<u32> = helpers.iter().flat_map(|pid| helpers_of(*pid)).collect();
    assert!(!inits.is_empty(), "prepared helpers in namespace mode have an init: {helpers:?}");
    server.kill().unwrap();
    server.wait().unwrap();
    let everyone: Vec<u32> = helpers.iter().chain(&inits).copied().collect();
    wait_for("the helpers to exit", Duration::from_secs(10), || everyone.iter().all(|pid| !alive(*pid))).await;
}

/// The server side of the test above: runs one execution (so helpers are prepared), says so, and waits to be killed.
async fn serve_until_killed(dir: &Path) {
    let exec = common::executor(dir, Vec::new()).await;
    let outcome = common::run(&exec, ExecLanguage::Python, "print('up')").await;
    assert_eq!(outcome.output.trim(), "up");
    std::fs::write(dir.join("ready"), "").unwrap();
    tokio::time::sleep(Duration::from_secs(600)).await;
}
