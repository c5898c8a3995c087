//! Directories a caller may name (`working_directory`, `project_root`): an allow-list of roots, and opening a
//! directory beneath one of them by handle, one component at a time without following symlinks, so a path swapped
//! for a symlink between the check and the use cannot redirect it.

use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat};
use nix::sys::stat::{Mode, fstat, mkdirat};

/// Why a named directory was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct PathRefused {
    /// What is wrong, in words that say how to fix it.
    pub reason: String,
}

/// A directory opened beneath an allowed root.
#[derive(Debug)]
pub struct OpenedDir {
    /// An `O_PATH` handle on the directory; every later use goes through it, never through the path again.
    pub fd: OwnedFd,
    /// Its absolute path at the time it was opened (for reports and mount points).
    pub path: PathBuf,
}

impl OpenedDir {
    /// A path that resolves to this very directory as long as the handle lives (`/proc/self/fd/N`).
    pub fn proc_path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()))
    }
}

/// The directories callers may name, each an absolute, symlink-free path; the first is where relative paths go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedRoots {
    roots: Vec<PathBuf>,
}

/// Longest path component or path accepted, to keep messages and syscalls bounded.
const MAX_PATH_BYTES: usize = 4096;

impl AllowedRoots {
    /// Roots as configured; each is made absolute and canonical (following the administrator's own symlinks once,
    /// here, at start-up). `/` is never a root: it would expose the whole machine.
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Self {
        let mut resolved: Vec<PathBuf> = Vec::new();
        for root in roots {
            let root = std::fs::canonicalize(&root).unwrap_or(root);
            if root.is_absolute() && root != Path::new("/") && !resolved.contains(&root) {
                resolved.push(root);
            }
        }
        Self { roots: resolved }
    }

    /// The roots, the first being the default for relative paths.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Creates the default root (the first) if it is missing, with `mode`.
    pub fn ensure_default_root(&self, mode: u32) -> std::io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        match self.roots.first() {
            Some(root) if !root.exists() => std::fs::DirBuilder::new().recursive(true).mode(mode).create(root),
            _ => Ok(()),
        }
    }

    fn listing(&self) -> String {
        if self.roots.is_empty() {
            "none are configured".to_owned()
        } else {
            self.roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", ")
        }
    }

    /// Opens `requested` as a directory beneath an allowed root. A relative path is taken under the first root and,
    /// with `create`, its missing components are created (mode 0755). `..`, symlinks and anything outside the roots
    /// are refused with a message naming the allowed roots.
    pub fn open_dir(&self, requested: &str, create: bool) -> Result<OpenedDir, PathRefused> {
        let refuse = |why: String| PathRefused { reason: why };
        let shown = bounded(requested);
        if requested.trim().is_empty() {
            return Err(refuse("it is empty; give a directory under one of the allowed roots".into()));
        }
        if requested.len() > MAX_PATH_BYTES || requested.contains('\0') {
            return Err(refuse(format!("{shown} is not a usable path (too long or contains NUL)")));
        }
        let requested_path = Path::new(requested);
        if requested_path.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(refuse(format!("{shown} contains `..`; name a directory under {}", self.listing())));
        }
        let (root, relative) = if requested_path.is_absolute() {
            let found =
                self.roots.iter().filter(|root| requested_path.starts_with(root)).max_by_key(|r| r.as_os_str().len());
            match found {
                Some(root) => (root, requested_path.strip_prefix(root).unwrap_or(Path::new("")).to_path_buf()),
                None => {
                    return Err(refuse(format!(
                        "{shown} is outside the allowed roots ({}); use a path under one of them, a relative path \
                         (taken under {}), or add a root with TASK_ORCHESTRATOR_WORKSPACE_ROOTS",
                        self.listing(),
                        self.roots.first().map_or("the default workspace".into(), |r| r.display().to_string())
                    )));
                }
            }
        } else {
            match self.roots.first() {
                Some(root) => (root, requested_path.to_path_buf()),
                None => {
                    return Err(refuse(
                        "no workspace root is configured; set TASK_ORCHESTRATOR_WORKSPACE_ROOTS".to_owned(),
                    ));
                }
            }
        };
        let dir_flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let mut fd = nix::fcntl::open(root.as_path(), dir_flags, Mode::empty())
            .map_err(|e| refuse(format!("the allowed root {} cannot be opened: {e}", root.display())))?;
        let mut path = root.clone();
        for component in relative.components() {
            let Component::Normal(name) = component else { continue };
            path.push(name);
            fd = match open_child(&fd, name, create) {
                Ok(child) => child,
                Err(Errno::ELOOP) | Err(Errno::ENOTDIR) => {
                    return Err(refuse(format!(
                        "{shown}: {} is a symlink or not a directory; symlinks are not followed in working \
                         directories",
                        path.display()
                    )));
                }
                Err(Errno::ENOENT) => {
                    return Err(refuse(format!(
                        "{shown}: {} does not exist; create it first, or pass a relative path to have it created \
                         under {}",
                        path.display(),
                        root.display()
                    )));
                }
                Err(e) => return Err(refuse(format!("{shown}: {} cannot be opened: {e}", path.display()))),
            };
        }
        let stat = fstat(&fd).map_err(|e| refuse(format!("{shown} cannot be inspected: {e}")))?;
        if stat.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return Err(refuse(format!("{shown} is not a directory")));
        }
        Ok(OpenedDir { fd, path })
    }

    /// Whether `path` lies under one of the roots (lexically; for paths that were already resolved).
    pub fn contains(&self, path: &Path) -> bool {
        self.roots.iter().any(|root| path.starts_with(root))
    }
}

/// Opens one path component beneath `parent` without following a symlink, creating it first when asked.
fn open_child(parent: &OwnedFd, name: &OsStr, create: bool) -> Result<OwnedFd, Errno> {
    let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    match openat(parent.as_fd(), name, flags, Mode::empty()) {
        Err(Errno::ENOENT) if create => {
            // Another execution may create it at the same moment; EEXIST then is as good as success.
            match mkdirat(parent.as_fd(), name, Mode::from_bits_truncate(0o755)) {
                Ok(()) | Err(Errno::EEXIST) => openat(parent.as_fd(), name, flags, Mode::empty()),
                Err(e) => Err(e),
            }
        }
        other => other,
    }
}

/// Hands a directory to `uid`/`gid` (the sandbox user), through its handle so no path is resolved again.
pub fn chown_handle(dir: &OpenedDir, uid: u32, gid: u32) -> Result<(), Errno> {
    nix::unistd::fchownat(
        dir.fd.as_fd(),
        "",
        Some(nix::unistd::Uid::from_raw(uid)),
        Some(nix::unistd::Gid::from_raw(gid)),
        AtFlags::AT_EMPTY_PATH,
    )
}

/// A caller's value quoted for a message: at most 200 characters, with the full length when cut.
pub fn bounded(value: &str) -> String {
    const SHOWN: usize = 200;
    if value.chars().count() <= SHOWN {
        format!("`{value}`")
    } else {
        let prefix: String = value.chars().take(SHOWN).collect();
        format!("`{prefix}…` ({} characters)", value.chars().count())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn roots() -> (tempfile::TempDir, AllowedRoots) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("workspace");
        std::fs::create_dir(&root).unwrap();
        let allowed = AllowedRoots::new([root]);
        (tmp, allowed)
    }

    #[test]
    fn relative_paths_are_created_under_the_default_root() {
        let (_tmp, allowed) = roots();
        let opened = allowed.open_dir("proj/sub", true).unwrap();
        assert_eq!(opened.path, allowed.roots()[0].join("proj/sub"));
        assert!(opened.path.is_dir());
        let err = allowed.open_dir("missing", false).unwrap_err();
        assert!(err.reason.contains("does not exist"), "{err}");
    }

    #[test]
    fn outside_paths_dotdot_and_symlinks_are_refused_naming_the_roots() {
        let (tmp, allowed) = roots();
        let root = allowed.roots()[0].clone();
        for outside in ["/opt", "/home", "/etc", "/"] {
            let err = allowed.open_dir(outside, false).unwrap_err();
            assert!(err.reason.contains(&root.display().to_string()), "{outside}: {err}");
        }
        assert!(allowed.open_dir("../x", true).unwrap_err().reason.contains("`..`"));
        std::os::unix::fs::symlink(tmp.path(), root.join("link")).unwrap();
        let err = allowed.open_dir("link", false).unwrap_err();
        assert!(err.reason.contains("symlink"), "{err}");
        let err = allowed.open_dir(&root.join("link/workspace").display().to_string(), false).unwrap_err();
        assert!(err.reason.contains("symlink"), "{err}");
    }

    #[test]
    fn long_values_are_quoted_with_a_bound() {
        let (_tmp, allowed) = roots();
        let long = "a".repeat(70_000);
        let err = allowed.open_dir(&long, false).unwrap_err();
        assert!(err.reason.len() < 600, "{}", err.reason.len());
        assert!(err.reason.contains("70000 characters"), "{err}");
    }
}
