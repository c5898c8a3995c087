//! A git repository read through the `git` program: commits by hash, history ranges, the hooks directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{Error, Result};

/// A commit as the repository records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hash, lower-case hexadecimal.
    pub hash: String,
    /// Author name.
    pub author_name: String,
    /// Author e-mail.
    pub author_email: String,
    /// The whole message, trailing newlines removed.
    pub message: String,
}

impl CommitInfo {
    /// `Name <email>`, the form stored as the link's author.
    pub fn author(&self) -> String {
        if self.author_email.is_empty() {
            self.author_name.clone()
        } else {
            format!("{} <{}>", self.author_name, self.author_email)
        }
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or_default()
    }
}

/// A working tree's repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    root: PathBuf,
}

/// Which commits to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRange {
    /// Only commits after this revision (`REV..HEAD`); `None` reads all of HEAD's history.
    pub since: Option<String>,
    /// Read just this one commit instead of a range.
    pub only: Option<String>,
    /// At most this many, newest first.
    pub max_count: Option<usize>,
}

const SEP: char = '\u{1f}';

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir);
    // Inside a hook git exports these for the repository running it; the directory given here decides instead.
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(mut cmd: Command) -> Result<Output> {
    cmd.output().map_err(|e| Error::GitMissing(e.to_string()))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// A revision is passed to git as an argument; one starting with `-` would be read as an option.
fn check_rev(rev: &str, repository: &Path) -> Result<()> {
    if rev.is_empty() || rev.starts_with('-') || rev.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::UnknownRevision {
            rev: rev.to_string(),
            repository: repository.to_path_buf(),
            hint: "; give a commit hash, branch, tag or an expression like HEAD~3",
        });
    }
    Ok(())
}

impl Repository {
    /// The repository containing `dir`, or `None` when `dir` is not inside one.
    pub fn discover(dir: &Path) -> Result<Option<Repository>> {
        let mut cmd = git(dir);
        cmd.args(["rev-parse", "--show-toplevel"]);
        let out = run(cmd)?;
        if !out.status.success() {
            return Ok(None);
        }
        let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok((!root.is_empty()).then(|| Repository { root: PathBuf::from(root) }))
    }

    /// The repository containing `dir`; an error when there is none.
    pub fn open(dir: &Path) -> Result<Repository> {
        Self::discover(dir)?.ok_or_else(|| Error::NotARepository(dir.to_path_buf()))
    }

    /// The top of the working tree.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The commit a hash (full or abbreviated) or revision names, or `None` when the repository has no such commit.
    pub fn commit(&self, rev: &str) -> Result<Option<CommitInfo>> {
        check_rev(rev, &self.root)?;
        let mut cmd = git(&self.root);
        cmd.args(["rev-parse", "--verify", "--quiet", "--end-of-options"]).arg(format!("{rev}^{{commit}}"));
        let out = run(cmd)?;
        if !out.status.success() {
            return Ok(None);
        }
        let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(self.read(&["-1", &hash])?.into_iter().next())
    }

    /// Commits of a range, newest first. An empty repository (no commit yet) has none.
    pub fn log(&self, range: &LogRange) -> Result<Vec<CommitInfo>> {
        let mut args: Vec<String> = Vec::new();
        if let Some(n) = range.max_count {
            args.push(format!("--max-count={n}"));
        }
        match (&range.only, &range.since) {
            (Some(rev), _) => {
                check_rev(rev, &self.root)?;
                if self.commit(rev)?.is_none() {
                    return Err(self.unknown(rev));
                }
                args.extend(["-1".to_string(), "--end-of-options".to_string(), rev.clone()]);
            }
            (None, since) => {
                if self.commit("HEAD")?.is_none() {
                    return Ok(Vec::new());
                }
                match since {
                    Some(rev) => {
                        check_rev(rev, &self.root)?;
                        if self.commit(rev)?.is_none() {
                            return Err(self.unknown(rev));
                        }
                        args.extend(["--end-of-options".to_string(), format!("{rev}..HEAD")]);
                    }
                    None => args.extend(["--end-of-options".to_string(), "HEAD".to_string()]),
                }
            }
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.read(&refs)
    }

    fn unknown(&self, rev: &str) -> Error {
        Error::UnknownRevision {
            rev: rev.to_string(),
            repository: self.root.clone(),
            hint: "; check it with git rev-parse, or fetch the history that has it",
        }
    }

    fn read(&self, args: &[&str]) -> Result<Vec<CommitInfo>> {
        let mut cmd = git(&self.root);
        cmd.args(["log", "-z", "--no-color", "--format=%H%x1f%an%x1f%ae%x1f%B"]).args(args);
        let out = run(cmd)?;
        if !out.status.success() {
            return Err(Error::Git { command: "log".into(), repository: self.root.clone(), stderr: stderr(&out) });
        }
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text
            .split('\0')
            .filter(|r| !r.trim().is_empty())
            .filter_map(|record| {
                let mut parts = record.splitn(4, SEP);
                let hash = parts.next()?.trim().to_ascii_lowercase();
                Some(CommitInfo {
                    hash,
                    author_name: parts.next()?.to_string(),
                    author_email: parts.next()?.to_string(),
                    message: parts.next().unwrap_or_default().trim_end().to_string(),
                })
            })
            .collect())
    }

    /// Where this repository's hooks live (honours `core.hooksPath` and linked worktrees).
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        let mut cmd = git(&self.root);
        cmd.args(["rev-parse", "--git-path", "hooks"]);
        let out = run(cmd)?;
        if !out.status.success() {
            return Err(Error::Git {
                command: "rev-parse".into(),
                repository: self.root.clone(),
                stderr: stderr(&out),
            });
        }
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        Ok(if p.is_absolute() { p } else { self.root.join(p) })
    }
}
