//! The per-repository board: `.task-orchestrator/tasks.db` at a repository's root, found the way git finds `.git`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The board's directory, at the repository root.
pub const BOARD_DIR: &str = ".task-orchestrator";
/// The database file inside [`BOARD_DIR`].
pub const BOARD_FILE: &str = "tasks.db";
/// The board's settings inside [`BOARD_DIR`].
const SETTINGS_FILE: &str = "config.json";

/// A board found in (or created for) a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoBoard {
    /// The directory holding [`BOARD_DIR`].
    pub root: PathBuf,
    /// The database file.
    pub db: PathBuf,
    /// The project tasks go to when a command names none.
    pub project: String,
}

/// What `init` writes next to the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Settings {
    /// The board's default project.
    project: String,
}

/// The nearest board at or above `cwd`: the first ancestor with `.task-orchestrator/tasks.db`, like git's `.git`.
pub fn find_board(cwd: &Path) -> Option<RepoBoard> {
    cwd.ancestors().find(|dir| dir.join(BOARD_DIR).join(BOARD_FILE).is_file()).map(load)
}

/// The repository root at or above `cwd`: the nearest directory containing `.git` (a directory, or a file in a
/// linked worktree), if any.
pub fn find_repository(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors().find(|dir| dir.join(".git").exists()).map(Path::to_path_buf)
}

fn load(root: &Path) -> RepoBoard {
    let dir = root.join(BOARD_DIR);
    // A missing or unreadable settings file falls back to the directory's name, which is what `init` would write.
    let project = std::fs::read_to_string(dir.join(SETTINGS_FILE))
        .ok()
        .and_then(|s| serde_json::from_str::<Settings>(&s).ok())
        .map(|s| s.project)
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| project_name(root));
    RepoBoard { root: root.to_path_buf(), db: dir.join(BOARD_FILE), project }
}

/// A project id from a directory name: lower-case, spaces and odd characters as `-`.
pub fn project_name(root: &Path) -> String {
    let raw = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut name = String::new();
    for c in raw.chars() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            name.extend(c.to_lowercase());
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_matches('-').to_string();
    if name.is_empty() { orch_core::DEFAULT_PROJECT.to_string() } else { name }
}

/// Creates the board directory and its settings under `root` (the database itself is created when opened).
/// Returns the board, and whether it existed already.
pub fn create(root: &Path, project: Option<&str>) -> Result<(RepoBoard, bool)> {
    let dir = root.join(BOARD_DIR);
    let existed = dir.join(BOARD_FILE).is_file();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let settings_path = dir.join(SETTINGS_FILE);
    if project.is_some() || !settings_path.exists() {
        let project = project.map_or_else(|| project_name(root), str::to_string);
        let text = serde_json::to_string_pretty(&Settings { project })?;
        std::fs::write(&settings_path, text + "\n")
            .with_context(|| format!("cannot write {}", settings_path.display()))?;
    }
    Ok((load(root), existed))
}

/// Whether the repository's `.gitignore` already keeps the board's files out of git.
pub fn ignored_by_git(root: &Path) -> bool {
    std::fs::read_to_string(root.join(".gitignore")).is_ok_and(|s| {
        s.lines().map(str::trim).any(|l| {
            let l = l.trim_start_matches('/').trim_end_matches('/');
            l == BOARD_DIR || l == format!("{BOARD_DIR}/*") || l == format!("{BOARD_DIR}/")
        })
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_repository_is_the_nearest_directory_with_git() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("a/b/c")).unwrap();
        assert_eq!(find_repository(&dir.path().join("a/b/c")), Some(dir.path().join("a")));
        std::fs::write(dir.path().join("a/b/.git"), "gitdir: elsewhere").unwrap();
        assert_eq!(find_repository(&dir.path().join("a/b/c")), Some(dir.path().join("a/b")), "a worktree's .git file");
    }

    #[test]
    fn finds_the_nearest_board_walking_up() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("My Repo");
        let deep = repo.join("src/a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_board(&deep), None);
        create(&repo, None).unwrap();
        std::fs::write(repo.join(BOARD_DIR).join(BOARD_FILE), b"").unwrap();
        let found = find_board(&deep).unwrap();
        assert_eq!(found.root, repo);
        assert_eq!(found.project, "my-repo");
        assert_eq!(found.db, repo.join(".task-orchestrator/tasks.db"));
    }

    #[test]
    fn project_names_from_directories() {
        assert_eq!(project_name(Path::new("/x/task-orchestrator")), "task-orchestrator");
        assert_eq!(project_name(Path::new("/x/Web App (v2)")), "web-app-v2");
        assert_eq!(project_name(Path::new("/")), orch_core::DEFAULT_PROJECT);
    }

    #[test]
    fn gitignore_detection() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(!ignored_by_git(tmp.path()));
        std::fs::write(tmp.path().join(".gitignore"), "target\n/.task-orchestrator/\n").unwrap();
        assert!(ignored_by_git(tmp.path()));
    }
}
