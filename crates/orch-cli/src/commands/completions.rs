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

/// Writes the script for `shell` to stdout (with `json`, as `{"shell": …, "script": …}`).
pub fn print<C: CommandFactory>(shell: CompletionShell, json: bool) -> anyhow::Result<()> {
    let name = match shell {
        CompletionShell::Bash => "bash",
        CompletionShell::Zsh => "zsh",
        CompletionShell::Fish => "fish",
    };
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut cmd = C::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "task-orchestrator", &mut script);
    let script = String::from_utf8_lossy(&script);
    if json {
        super::print_json(&serde_json::json!({ "shell": name, "script": script }))?;
    } else {
        crate::out!("{script}");
    }
    Ok(())
}
