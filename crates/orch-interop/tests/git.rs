//! The git reader against a real repository made in a temporary directory.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use orch_interop::git::{LogRange, Repository};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn commit(dir: &Path, message: &str) -> String {
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

#[test]
fn reads_commits_ranges_and_refuses_what_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let repo = Repository::open(dir.path()).unwrap();
    assert!(repo.log(&LogRange::default()).unwrap().is_empty(), "no commit yet");
    let first = commit(dir.path(), "Start task 1\n\nWith a body\nof two lines");
    let second = commit(dir.path(), "closes #1");
    let third = commit(dir.path(), "refs #2, #3");

    let all = repo.log(&LogRange::default()).unwrap();
    assert_eq!(all.iter().map(|c| c.hash.as_str()).collect::<Vec<_>>(), [&third, &second, &first]);
    assert_eq!(all[2].message, "Start task 1\n\nWith a body\nof two lines");
    assert_eq!(all[2].subject(), "Start task 1");
    assert_eq!(all[2].author(), "Ada Lovelace <ada@example.com>");
    let since = repo.log(&LogRange { since: Some(first.clone()), ..Default::default() }).unwrap();
    assert_eq!(since.len(), 2);
    let one = repo.log(&LogRange { only: Some("HEAD~1".into()), ..Default::default() }).unwrap();
    assert_eq!(one[0].hash, second);
    let newest = repo.log(&LogRange { max_count: Some(1), ..Default::default() }).unwrap();
    assert_eq!(newest[0].hash, third);

    assert_eq!(repo.commit(&first[..8]).unwrap().unwrap().hash, first, "short hashes resolve");
    assert!(repo.commit("deadbeefdeadbeef").unwrap().is_none());
    let err = repo.log(&LogRange { since: Some("nope".into()), ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("'nope' is not a commit"), "{err}");
    let err = repo.commit("--output=/tmp/x").unwrap_err();
    assert!(err.is_caller_error(), "an option-looking revision is refused: {err}");

    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    let found = Repository::discover(&sub).unwrap().unwrap();
    assert_eq!(found.root().canonicalize().unwrap(), dir.path().canonicalize().unwrap());
    assert!(repo.hooks_dir().unwrap().ends_with(".git/hooks"));
    let outside = tempfile::tempdir().unwrap();
    assert!(Repository::discover(outside.path()).unwrap().is_none());
    assert!(Repository::open(outside.path()).unwrap_err().is_caller_error());
}
