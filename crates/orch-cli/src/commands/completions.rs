//! `completions SHELL`: a completion script for bash, zsh or fish on stdout.

use clap::{CommandFactory, ValueEnum};
use clap_complete::Shell;

/// Shells with completion scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// bash: `source <(task-orchestrator completions bash)`.
    Bash,
    /// zsh: `task-orchestrator completions zsh > "${fpath[1]}/_task-orchestrator"`.
    Zsh,
    /// fish: `task-orchestrator completions fish > ~/.config/fish/completions/task-orchestrator.fish`.
    Fish,
}

/// Writes the script for `shell` to stdout.
pub fn print<C: CommandFactory>(shell: CompletionShell) {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut cmd = C::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "task-orchestrator", &mut script);
    crate::out!("{}", String::from_utf8_lossy(&script));
}
