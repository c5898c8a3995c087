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
