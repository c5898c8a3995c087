//! `git scan` and `git hook install`, and the git settings from the environment.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use orch_mcp::dto::{ScanGitCommitsParams, ScanGitCommitsResult};
use orch_mcp::tools;
use orch_service::interop::git::Repository;
use orch_service::interop::refs::ReferencePattern;
use orch_service::{GitSettings, Orchestrator};

use crate::config::Database;

/// `git …`.
#[derive(Debug, Subcommand)]
pub enum GitCommand {
    /// Link commits to the tasks their messages name (#12, task 12, refs #3, #4, closes #5).
    Scan(ScanArgs),
    /// Git hooks.
    Hook {
        #[command(subcommand)]
        command: HookCommand,
    },
}

/// `git hook …`.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write a post-commit hook that links every new commit.
    Install {
        /// Replace a post-commit hook that task-orchestrator did not write.
        #[arg(long)]
        force: bool,
        /// Let the hook complete tasks a commit closes ("closes #5").
        #[arg(long)]
        close: bool,
    },
}

/// Options of `git scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Only commits after this revision (default: all of HEAD's history).
    #[arg(long, value_name = "REV")]
    since: Option<String>,
    /// Only this commit (e.g. HEAD).
    #[arg(long, value_name = "REV", conflicts_with = "since")]
    commit: Option<String>,
    /// Reference pattern: a regular expression whose group `id` (or first group) is the task number.
    #[arg(long, value_name = "REGEX")]
    pattern: Option<String>,
    /// Complete tasks a commit closes ("closes #5"); default TASK_ORCHESTRATOR_GIT_CLOSES.
    #[arg(long)]
    close: bool,
    /// Read at most this many commits, newest first.
    #[arg(long, value_name = "N")]
    max: Option<u32>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn flag(name: &str) -> Result<bool> {
    match env(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => bail!("{name}={v:?} is not a switch; use 1 or 0"),
    }
}

/// Git settings from `TASK_ORCHESTRATOR_GIT_REPO` (a path, or `off`; unset: the repository around the current
/// directory, if any), `TASK_ORCHESTRATOR_GIT_PATTERN` and `TASK_ORCHESTRATOR_GIT_CLOSES`.
pub fn settings() -> Result<GitSettings> {
    let pattern = match env("TASK_ORCHESTRATOR_GIT_PATTERN") {
        Some(p) => ReferencePattern::new(&p).context("invalid TASK_ORCHESTRATOR_GIT_PATTERN")?,
        None => ReferencePattern::default(),
    };
    let close_tasks = flag("TASK_ORCHESTRATOR_GIT_CLOSES")?;
    let repository = match env("TASK_ORCHESTRATOR_GIT_REPO") {
        Some(v) if ["off", "none", "0", "false"].contains(&v.to_ascii_lowercase().as_str()) => None,
        Some(path) => Some(Repository::open(Path::new(&path)).context("invalid TASK_ORCHESTRATOR_GIT_REPO")?),
        None => match std::env::current_dir().map(|d| Repository::discover(&d)) {
            Ok(Ok(repo)) => repo,
            // No git, or no working directory: commits are linked unchecked, as without a repository.
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "no git repository: commits are linked unchecked");
                None
            }
            Err(e) => {
                tracing::debug!(error = %e, "no working directory: commits are linked unchecked");
                None
            }
        },
    };
    if let Some(r) = &repository {
        tracing::debug!(repository = %r.root().display(), "commits are checked against this repository");
    }
    Ok(GitSettings { repository, pattern, close_tasks })
}

fn print_scan(r: &ScanGitCommitsResult) {
    let mut text = format!("{}\n", r.message);
    for l in r.links.iter().filter(|l| l.created) {
        let subject = l.commit.commit_message.as_deref().and_then(|m| m.lines().next()).unwrap_or_default();
        let short = &l.commit.commit_hash[..l.commit.commit_hash.len().min(10)];
        text.push_str(&format!("  {short} -> #{}  {subject}\n", l.task_id));
    }
    for w in &r.warnings {
        text.push_str(&format!("  warning: {w}\n"));
    }
    if let Err(e) = crate::output::write_stdout(&text) {
        eprintln!("error: {e:#}");
    }
}

/// Runs `git scan`.
pub async fn scan(orch: &Orchestrator, args: ScanArgs, json: bool) -> Result<ExitCode> {
    let p = ScanGitCommitsParams {
        since: args.since,
        commit: args.commit,
        pattern: args.pattern,
        close_tasks: args.close.then_some(true),
        max_commits: args.max,
    };
    crate::emit(json, tools::scan_git_commits(orch, p).await, print_scan)
}

/// The first line of every hook this command writes, so a later install knows it may replace it.
const HOOK_MARKER: &str = "# task-orchestrator post-commit hook";

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook script: runs this binary on the new commit. It never fails the commit (post-commit cannot), and reports
/// a failure on stderr.
pub fn hook_script(binary: &Path, database: Option<&str>, close: bool) -> String {
    let mut cmd = shell_quote(&binary.display().to_string());
    if let Some(db) = database {
        cmd.push_str(&format!(" --db {}", shell_quote(db)));
    }
    cmd.push_str(" git scan --commit HEAD");
    if close {
        cmd.push_str(" --close");
    }
    format!(
        "#!/bin/sh\n{HOOK_MARKER} (written by `task-orchestrator git hook install`; delete this file to stop).\n\
         # Links the new commit to the tasks its message names.\n\
         {cmd} >/dev/null || echo \"task-orchestrator: the commit was not linked (see above)\" >&2\n\
         exit 0\n"
    )
}

/// Runs `git hook install` in the repository around the current directory.
pub fn install_hook(database: &Database, force: bool, close: bool) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let repo = Repository::open(&cwd)?;
    let hooks = repo.hooks_dir()?;
    std::fs::create_dir_all(&hooks).with_context(|| format!("cannot create {}", hooks.display()))?;
    let path = hooks.join("post-commit");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.contains(HOOK_MARKER)
        && !force
    {
        bail!(
            "{} already exists and was not written by task-orchestrator; add --force to replace it (or add the line \
             `task-orchestrator git scan --commit HEAD` to it yourself)",
            path.display()
        );
    }
    let binary = std::env::current_exe().context("cannot locate this binary")?;
    let db = match database {
        Database::Sqlite(p) => Some(format!("sqlite://{}", absolute(p).display())),
        // A PostgreSQL URL carries a password; the hook reads DATABASE_URL from the committing shell instead.
        Database::Postgres(_) => None,
    };
    std::fs::write(&path, hook_script(&binary, db.as_deref(), close))
        .with_context(|| format!("cannot write {}", path.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    println!("Installed {}: every new commit is linked to the tasks its message names.", path.display());
    if db.is_none() {
        println!("The board is on PostgreSQL: the hook uses DATABASE_URL from the environment you commit in.");
    }
    Ok(ExitCode::SUCCESS)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
