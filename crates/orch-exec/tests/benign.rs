//! Ordinary programs in all five languages run and report what they did.
#![allow(clippy::unwrap_used)]

mod common;

use common::{executor, request, run};
use orch_exec::{ExecLanguage, IsolationLevel};

#[tokio::test]
async fn hello_world_in_every_language() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = executor(tmp.path(), Vec::new()).await;
    assert_eq!(exec.isolation().level, IsolationLevel::Namespaces, "{:#?}", exec.isolation());
    let cases = [
        (ExecLanguage::Python, "print('hello world')"),
        (ExecLanguage::Javascript, "console.log('hello world')"),
        (ExecLanguage::Typescript, "const greeting: string = 'hello world';\nconsole.log(greeting);"),
        (ExecLanguage::Bash, "echo hello world"),
        (ExecLanguage::Sql, "SELECT 'hello world' AS greeting;"),
    ];
    for (language, code) in cases {
        let outcome = run(&exec, language, code).await;
        assert_eq!(outcome.exit_code, Some(0), "{language}: {outcome:#?}");
        assert!(outcome.output.contains("hello world"), "{language}: {outcome:#?}");
        assert!(!outcome.timed_out && !outcome.truncated);
        assert_eq!(outcome.isolation, IsolationLevel::Namespaces);
        let _ = request(language, code);
    }
}

#[tokio::test]
async fn small_computations_in_every_language() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = executor(tmp.path(), Vec::new()).await;
    let cases = [
        (ExecLanguage::Python, "print(sum(i * i for i in range(1, 11)))"),
        (ExecLanguage::Javascript, "console.log([...Array(10).keys()].map(i => (i + 1) ** 2).reduce((a, b) => a + b))"),
        (
            ExecLanguage::Typescript,
            "function squares(n: number): number[] { return Array.from({ length: n }, (_, i) => (i + 1) ** 2); }\nconsole.log(squares(10).reduce((a: number, b: number) => a + b, 0));",
        ),
        (ExecLanguage::Bash, "s=0; for i in $(seq 1 10); do s=$((s + i * i)); done; echo $s"),
        (
            ExecLanguage::Sql,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT sum(i * i) AS total FROM n;",
        ),
    ];
    for (language, code) in cases {
        let outcome = run(&exec, language, code).await;
        assert_eq!(outcome.exit_code, Some(0), "{language}: {outcome:#?}");
        assert!(outcome.output.contains("385"), "{language}: {outcome:#?}");
    }
}

#[tokio::test]
async fn sql_prints_tables_and_refuses_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = executor(tmp.path(), Vec::new()).await;
    let outcome = run(
        &exec,
        ExecLanguage::Sql,
        "CREATE TABLE t(id INTEGER, name TEXT); INSERT INTO t VALUES (1, 'ada'), (2, 'grace'); SELECT * FROM t ORDER BY id;",
    )
    .await;
    assert_eq!(outcome.exit_code, Some(0), "{outcome:#?}");
    assert!(outcome.output.contains("| id | name  |"), "{}", outcome.output);
    assert!(outcome.output.contains("| 2  | grace |"), "{}", outcome.output);
    for escape in [".shell echo PWNED", ".system echo PWNED", ".load /tmp/x", "SELECT load_extension('/tmp/x');"] {
        let outcome = run(&exec, ExecLanguage::Sql, escape).await;
        assert_ne!(outcome.exit_code, Some(0), "{escape}: {outcome:#?}");
        assert!(!outcome.output.contains("PWNED"), "{escape}: {outcome:#?}");
    }
}

#[tokio::test]
async fn files_round_trip_in_a_named_working_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = executor(tmp.path(), Vec::new()).await;
    let root = exec.workspace_roots().roots()[0].clone();
    // A relative working directory is created under the default workspace root and kept.
    let mut first = request(ExecLanguage::Bash, "pwd");
    first.working_directory = Some("project".into());
    let outcome = exec.execute(first).await.unwrap();
    let project = root.join("project");
    assert_eq!(outcome.output.trim(), project.display().to_string(), "{outcome:#?}");
    assert_eq!(outcome.working_directory.as_deref(), Some(project.to_str().unwrap()));
    std::fs::write(project.join("input.txt"), "from the host\n").unwrap();
    let mut write = request(
        ExecLanguage::Python,
        "import os\ndata = open('input.txt').read()\nopen('output.txt', 'w').write(data.upper())\nprint(os.getcwd())",
    );
    // The absolute spelling of the same directory names the same place.
    write.working_directory = Some(project.display().to_string());
    let outcome = exec.execute(write).await.unwrap();
    assert_eq!(outcome.exit_code, Some(0), "{outcome:#?}");
    assert_eq!(outcome.output.trim(), project.display().to_string());
    assert_eq!(std::fs::read_to_string(project.join("output.txt")).unwrap(), "FROM THE HOST\n");
    let mut read = request(ExecLanguage::Bash, "cat output.txt");
    read.working_directory = Some("project".into());
    assert_eq!(exec.execute(read).await.unwrap().output, "FROM THE HOST\n");
    let mut sql = request(
        ExecLanguage::Sql,
        "CREATE TABLE IF NOT EXISTS kv(k); INSERT INTO kv VALUES ('kept'); SELECT count(*) AS n FROM kv;",
    );
    sql.working_directory = Some("project".into());
    let outcome = exec.execute(sql).await.unwrap();
    assert_eq!(outcome.exit_code, Some(0), "{outcome:#?}");
    assert!(project.join("scratch.sqlite3").exists(), "the sql scratch database lives in the working directory");
}

#[tokio::test]
async fn stderr_and_exit_codes_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = executor(tmp.path(), Vec::new()).await;
    let cases = [
        (ExecLanguage::Python, "import sys\nprint('out')\nprint('bad thing', file=sys.stderr)\nsys.exit(3)", 3),
        (ExecLanguage::Javascript, "console.log('out'); console.error('bad thing'); process.exit(4)", 4),
        (
            ExecLanguage::Typescript,
            "const code: number = 5;\nconsole.log('out'); console.error('bad thing'); process.exit(code);",
            5,
        ),
        (ExecLanguage::Bash, "echo out; echo 'bad thing' >&2; exit 6", 6),
    ];
    for (language, code, expected) in cases {
        let outcome = run(&exec, language, code).await;
        assert_eq!(outcome.exit_code, Some(expected), "{language}: {outcome:#?}");
        assert_eq!(outcome.output.trim(), "out");
        assert!(outcome.error.contains("bad thing"), "{language}: {outcome:#?}");
    }
    let outcome = run(&exec, ExecLanguage::Python, "raise ValueError('boom')").await;
    assert_eq!(outcome.exit_code, Some(1));
    assert!(outcome.error.contains("ValueError: boom"), "{outcome:#?}");
    let outcome = run(&exec, ExecLanguage::Sql, "SELECT * FROM missing_table;").await;
    assert_ne!(outcome.exit_code, Some(0));
    assert!(outcome.error.contains("no such table"), "{outcome:#?}");
}

#[tokio::test]
async fn unicode_is_kept_and_invalid_utf8_is_lossy() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = executor(tmp.path(), Vec::new()).await;
    for (language, code) in [
        (ExecLanguage::Python, "print('héllo wörld — 你好 🚀')"),
        (ExecLanguage::Javascript, "console.log('héllo wörld — 你好 🚀')"),
        (ExecLanguage::Typescript, "const s: string = 'héllo wörld — 你好 🚀';\nconsole.log(s);"),
        (ExecLanguage::Bash, "echo 'héllo wörld — 你好 🚀'"),
        (ExecLanguage::Sql, "SELECT 'héllo wörld — 你好 🚀' AS s;"),
    ] {
        let outcome = run(&exec, language, code).await;
        assert!(outcome.output.contains("héllo wörld — 你好 🚀"), "{language}: {outcome:#?}");
    }
    let outcome = run(&exec, ExecLanguage::Bash, "printf 'ok \\xff\\xfe end\\n'; printf 'err \\xc3\\n' >&2").await;
    assert_eq!(outcome.exit_code, Some(0));
    assert_eq!(outcome.output, "ok \u{FFFD}\u{FFFD} end\n");
    assert!(outcome.error.starts_with("err \u{FFFD}"), "{outcome:#?}");
}

#[tokio::test]
async fn typescript_syntax_errors_report_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let exec = executor(tmp.path(), Vec::new()).await;
    let outcome = run(&exec, ExecLanguage::Typescript, "const ok: number = 1;\nconst broken = (;\n").await;
    assert_eq!(outcome.exit_code, None, "{outcome:#?}");
    assert!(outcome.error.contains("line 2, column 17"), "{}", outcome.error);
    assert!(outcome.output.is_empty());
}

#[tokio::test]
async fn caller_mistakes_are_typed_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let exec = executor(tmp.path(), vec![data.clone()]).await;
    let root = exec.workspace_roots().roots()[0].clone();
    std::os::unix::fs::symlink(&data, root.join("link")).unwrap();
    let with = |f: &dyn Fn(&mut orch_exec::ExecRequest)| {
        let mut r = request(ExecLanguage::Python, "print(1)");
        f(&mut r);
        r
    };
    let cases: Vec<(orch_exec::ExecRequest, &str)> = vec![
        (with(&|r| r.working_directory = Some(data.display().to_string())), "outside the allowed roots"),
        (with(&|r| r.working_directory = Some(tmp.path().display().to_string())), "outside the allowed roots"),
        (with(&|r| r.working_directory = Some("/".into())), "outside the allowed roots"),
        (with(&|r| r.working_directory = Some("/etc".into())), "outside the allowed roots"),
        (with(&|r| r.working_directory = Some("/opt".into())), "outside the allowed roots"),
        (with(&|r| r.working_directory = Some("/home".into())), "outside the allowed roots"),
        (with(&|r| r.working_directory = Some("link".into())), "symlink"),
        (with(&|r| r.working_directory = Some("../data".into())), "`..`"),
        (with(&|r| r.working_directory = Some(root.join("missing").display().to_string())), "does not exist"),
        (with(&|r| r.timeout = Some(std::time::Duration::ZERO)), "timeout"),
        (with(&|r| r.timeout = Some(std::time::Duration::from_millis(500))), "from 1 to"),
        (with(&|r| r.timeout = Some(std::time::Duration::from_secs(100_000))), "timeout"),
        (with(&|r| r.code = "x".repeat(2 * 1024 * 1024)), "bytes"),
        (with(&|r| r.packages = vec!["--index-url=http://evil".into()]), "invalid package name"),
        (with(&|r| r.packages = vec!["requests".into()]), "TASK_ORCHESTRATOR_EXEC_PACKAGE_NETWORK=true"),
    ];
    for (request, expected) in cases {
        let err = exec.execute(request.clone()).await.unwrap_err();
        assert!(err.is_caller_error(), "{err}");
        assert!(err.to_string().contains(expected), "{request:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_work_proceeds_while_executions_run_and_concurrency_is_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let config = orch_exec::ExecConfig { max_concurrent: 2, ..common::config(tmp.path()) };
    let exec = std::sync::Arc::new(orch_exec::Executor::new(config).await.unwrap());
    let shared = exec.workspace_roots().roots()[0].join("concurrency");
    // Each execution marks itself running in a shared directory, counts the marks and waits for the test's go.
    let code = "f=$(mktemp running.XXXXXX); ls running.* | wc -l; until [ -e go ]; do sleep 0.05; done; rm \"$f\"";
    let waiting: Vec<_> = (0..3)
        .map(|_| {
            let exec = exec.clone();
            let request = orch_exec::ExecRequest {
                working_directory: Some("concurrency".into()),
                ..request(ExecLanguage::Bash, code)
            };
            tokio::spawn(async move { exec.execute(request).await.unwrap() })
        })
        .collect();
    // The runtime keeps answering while executions run: it watches them start and then lets them finish, which
    // they cannot do on their own.
    let running = || std::fs::read_dir(&shared).map(|d| d.flatten().count()).unwrap_or(0);
    while running() < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(waiting.iter().all(|task| !task.is_finished()));
    std::fs::write(shared.join("go"), "").unwrap();
    for task in waiting {
        let outcome = task.await.unwrap();
        assert_eq!(outcome.exit_code, Some(0), "{outcome:#?}");
        // Two slots: no execution ever saw three running.
        let seen: usize = outcome.output.trim().parse().unwrap();
        assert!((1..=2).contains(&seen), "{outcome:#?}");
    }
    let timed_out = exec
        .execute(orch_exec::ExecRequest {
            timeout: Some(std::time::Duration::from_secs(1)),
            ..request(ExecLanguage::Python, "import time\nprint('before', flush=True)\ntime.sleep(30)")
        })
        .await
        .unwrap();
    assert!(timed_out.timed_out && timed_out.exit_code.is_none(), "{timed_out:#?}");
    assert_eq!(timed_out.output.trim(), "before");
    assert!(timed_out.error.contains("timed out after 1.0s"), "{timed_out:#?}");
}
