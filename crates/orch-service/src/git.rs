//! Commits from the repository: verified links, history scans for task references, `closes #N` completion.

use std::sync::Arc;

use orch_core::{CommitLink, NewCommitLink, Status, TaskId, validate};
use orch_interop::git::{CommitInfo, LogRange, Repository};
use orch_interop::refs::ReferencePattern;

use crate::{Error, ErrorKind, Orchestrator, Result};

/// How the orchestrator uses git.
#[derive(Debug, Clone, Default)]
pub struct GitSettings {
    /// The repository commits are checked against and scanned; `None` accepts any well-formed hash unchecked.
    pub repository: Option<Repository>,
    /// How task references are written in commit messages.
    pub pattern: ReferencePattern,
    /// Whether a `closes #N` reference completes task N during a scan.
    pub close_tasks: bool,
}

/// A history scan.
#[derive(Debug, Clone, Default)]
pub struct GitScanRequest {
    /// Only commits after this revision; all of HEAD's history when `None`.
    pub since: Option<String>,
    /// Only this commit (the post-commit hook passes HEAD).
    pub only: Option<String>,
    /// A reference pattern for this scan instead of the configured one.
    pub pattern: Option<String>,
    /// Complete tasks named with `closes`; the configured setting when `None`.
    pub close_tasks: Option<bool>,
    /// At most this many commits, newest first.
    pub max_commits: Option<usize>,
}

/// One link a scan made or found.
#[derive(Debug, Clone)]
pub struct ScannedLink {
    /// The stored link.
    pub commit: CommitLink,
    /// False when the commit was linked to the task before.
    pub created: bool,
    /// The message closes the task.
    pub closes: bool,
}

/// What a scan did.
#[derive(Debug, Clone)]
pub struct GitScanReport {
    /// The repository scanned.
    pub repository: std::path::PathBuf,
    /// Commits read.
    pub commits_scanned: usize,
    /// Commits naming at least one task.
    pub commits_with_references: usize,
    /// Links, oldest commit first.
    pub links: Vec<ScannedLink>,
    /// Tasks a `closes` reference completed.
    pub completed: Vec<TaskId>,
    /// References that could not be applied (unknown task, unfinished prerequisites).
    pub warnings: Vec<String>,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> orch_interop::Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("the git reader failed: {e}")))?
        .map_err(Into::into)
}

fn same_author(given: &str, commit: &CommitInfo) -> bool {
    let g = given.trim().to_lowercase();
    [commit.author(), commit.author_name.clone(), commit.author_email.clone()].iter().any(|a| a.to_lowercase() == g)
}

fn same_message(given: &str, commit: &CommitInfo) -> bool {
    let g = given.trim();
    g == commit.message.trim() || g == commit.subject().trim()
}

impl Orchestrator {
    /// Uses these git settings for `link_git_commit` and scans.
    pub fn with_git(mut self, settings: GitSettings) -> Self {
        self.git = Arc::new(settings);
        self
    }

    /// The repository commits are checked against, if one is configured.
    pub fn git_repository(&self) -> Option<&Repository> {
        self.git.repository.as_ref()
    }

    /// Links a commit to a task; returns the link and whether it is new. With a repository configured the hash must
    /// name one of its commits, and the stored hash, author and message are the repository's (a given author or
    /// message must agree with it).
    pub async fn link_git_commit(&self, link: NewCommitLink) -> Result<(CommitLink, bool)> {
        let mut link = validate::commit_link(link)?;
        if let Some(repo) = self.git.repository.clone() {
            let hash = link.commit_hash.clone();
            let root = repo.root().display().to_string();
            let commit = blocking(move || repo.commit(&hash)).await?.ok_or_else(|| {
                orch_core::Error::invalid(
                    "commit_hash",
                    format!(
                        "{} is not a commit of the repository at {root}; pass the hash of an existing commit (git \
                         rev-parse HEAD), or run the server without a repository (TASK_ORCHESTRATOR_GIT_REPO=off) to \
                         link commits unchecked",
                        link.commit_hash
                    ),
                )
            })?;
            if let Some(a) = link.author.as_deref().filter(|a| !same_author(a, &commit)) {
                return Err(orch_core::Error::invalid(
                    "author",
                    format!(
                        "commit {} was written by '{}', not '{a}'; leave author out to have it filled in",
                        commit.hash,
                        commit.author()
                    ),
                )
                .into());
            }
            if let Some(m) = link.commit_message.as_deref().filter(|m| !same_message(m, &commit)) {
                let m: String = m.chars().take(80).collect();
                return Err(orch_core::Error::invalid(
                    "commit_message",
                    format!(
                        "commit {} has the message '{}', not '{m}'; leave commit_message out to have it filled in",
                        commit.hash,
                        commit.subject()
                    ),
                )
                .into());
            }
            link = validate::commit_link(NewCommitLink {
                task_id: link.task_id,
                commit_hash: commit.hash.clone(),
                commit_message: Some(commit.message.clone()),
                author: Some(commit.author()),
            })?;
        }
        Ok(self.store.link_commit(link).await?)
    }

    /// Reads the repository's history, links every commit to the tasks its message names (each commit once per
    /// task), and with `close_tasks` completes the tasks a `closes #N` names.
    pub async fn scan_git(&self, request: GitScanRequest) -> Result<GitScanReport> {
        let repo = self.git.repository.clone().ok_or_else(|| {
            Error::Unavailable(
                "no git repository is configured: run inside a repository or set TASK_ORCHESTRATOR_GIT_REPO to one"
                    .into(),
            )
        })?;
        let pattern = match request.pattern.as_deref() {
            Some(p) => ReferencePattern::new(p)?,
            None => self.git.pattern.clone(),
        };
        let close = request.close_tasks.unwrap_or(self.git.close_tasks);
        let range = LogRange { since: request.since, only: request.only, max_count: request.max_commits };
        let root = repo.root().to_path_buf();
        let mut commits = blocking(move || repo.log(&range)).await?;
        commits.reverse();
        let mut report = GitScanReport {
            repository: root,
            commits_scanned: commits.len(),
            commits_with_references: 0,
            links: Vec::new(),
            completed: Vec::new(),
            warnings: Vec::new(),
        };
        for commit in &commits {
            let refs = pattern.find(&commit.message);
            if refs.is_empty() {
                continue;
            }
            report.commits_with_references += 1;
            let short = &commit.hash[..commit.hash.len().min(10)];
            for r in refs {
                let link = NewCommitLink {
                    task_id: TaskId(r.task_id),
                    commit_hash: commit.hash.clone(),
                    commit_message: Some(commit.message.clone()),
                    author: Some(commit.author()),
                };
                let (stored, created) = match self.store.link_commit(validate::commit_link(link)?).await {
                    Ok(v) => v,
                    Err(orch_core::Error::TaskNotFound(id)) => {
                        report.warnings.push(format!("commit {short} names #{id}, which is not a task; skipped"));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                report.links.push(ScannedLink { commit: stored, created, closes: r.closes });
                if !(close && r.closes) {
                    continue;
                }
                match self.store.set_status(TaskId(r.task_id), Status::Completed, false).await {
                    Ok(change) if change.previous != Status::Completed => report.completed.push(change.task.id),
                    Ok(_) => {}
                    Err(e) => {
                        let e = Error::from(e);
                        if e.kind() == ErrorKind::Internal {
                            return Err(e);
                        }
                        report.warnings.push(format!("commit {short} closes #{}, but it stays open: {e}", r.task_id));
                    }
                }
            }
        }
        Ok(report)
    }
}
