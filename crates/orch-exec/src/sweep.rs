//! Leftovers of executions whose server died (killed, crashed mid-probe): scratch directories are removed at
//! start-up when the process that made them is gone.

use std::path::Path;

/// The pid a per-execution name (`kind-PID-N`) was made by.
pub(crate) fn owner_pid(name: &str) -> Option<i32> {
    let mut parts = name.rsplitn(3, '-');
    let _counter: u64 = parts.next()?.parse().ok()?;
    parts.next()?.parse().ok()
}

/// Whether a process with this pid exists (a reused pid keeps its leftovers, which is the safe side).
pub(crate) fn alive(pid: i32) -> bool {
    pid == std::process::id() as i32 || Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes scratch directories under `scratch_root` left by processes that no longer exist.
pub(crate) fn stale_scratch(scratch_root: &Path) {
    let Ok(entries) = std::fs::read_dir(scratch_root) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if owner_pid(&name).is_some_and(|pid| !alive(pid)) {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => {
                    tracing::info!(directory = %entry.path().display(), "removed a dead server's scratch directory")
                }
                Err(err) => {
                    tracing::warn!(directory = %entry.path().display(), %err, "could not remove a dead server's scratch directory")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_their_owner() {
        assert_eq!(owner_pid("exec-1234-7"), Some(1234));
        assert_eq!(owner_pid("task-orchestrator-99-0"), Some(99));
        assert_eq!(owner_pid("notes"), None);
        assert!(alive(std::process::id() as i32));
    }
}
