//! `import` and `export`: boards of other tools (Task Master, beads) in and out of a project.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use orch_mcp::dto::{BoardFormatDto, ImportTasksParams, ImportTasksResult};
use orch_mcp::{ToolError, tools};
use orch_service::{BoardExportRequest, Orchestrator};

/// `import FORMAT PATH`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a Task Master tasks.json (tagged or the older untagged format).
    Taskmaster {
        /// The tasks.json file (- for stdin).
        path: String,
        /// Project for the tasks.
        #[arg(long, default_value = orch_core::DEFAULT_PROJECT)]
        project: String,
        /// The tag (board context) to import; default master, or the file's only tag.
        #[arg(long)]
        tag: Option<String>,
    },
    /// Import a beads issues.jsonl.
    Beads {
        /// The issues.jsonl file (- for stdin).
        path: String,
        /// Project for the tasks.
        #[arg(long, default_value = orch_core::DEFAULT_PROJECT)]
        project: String,
    },
}

/// `export FORMAT`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write a Task Master tasks.json (tagged format).
    Taskmaster(ExportArgs),
    /// Write a beads issues.jsonl.
    Beads(ExportArgs),
}

/// Options of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Project to export.
    #[arg(long, default_value = orch_core::DEFAULT_PROJECT)]
    project: String,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    output: Option<std::path::PathBuf>,
    /// Task Master: the tag to write the tasks under (default master).
    #[arg(long)]
    tag: Option<String>,
    /// beads: id prefix for tasks that did not come from beads (default bd).
    #[arg(long)]
    prefix: Option<String>,
}

fn read(path: &str) -> Result<String> {
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("cannot read stdin")?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))
}

fn print_report(r: &ImportTasksResult) {
    let mut text = format!("{}\n", r.message);
    if !r.unmapped.is_empty() {
        text.push_str("Not imported (no counterpart on the board):\n");
        for n in &r.unmapped {
            text.push_str(&format!("  - {n}\n"));
        }
    }
    if !r.warnings.is_empty() {
        text.push_str("Warnings:\n");
        for w in &r.warnings {
            text.push_str(&format!("  - {w}\n"));
        }
    }
    if let Err(e) = crate::output::write_stdout(&text) {
        eprintln!("error: {e:#}");
    }
}

/// Runs `import`.
pub async fn import(orch: &Orchestrator, command: ImportCommand, json: bool) -> Result<ExitCode> {
    let (format, path, project, tag) = match command {
        ImportCommand::Taskmaster { path, project, tag } => (BoardFormatDto::Taskmaster, path, project, tag),
        ImportCommand::Beads { path, project } => (BoardFormatDto::Beads, path, project, None),
    };
    let p = ImportTasksParams { format, content: read(&path)?, project_id: project, tag };
    let result: Result<ImportTasksResult, ToolError> = tools::import_tasks(orch, p).await;
    crate::emit(json, result, print_report)
}

/// Runs `export`: the file to stdout or `--output`, what the format could not hold to stderr.
pub async fn export(orch: &Orchestrator, command: ExportCommand) -> Result<ExitCode> {
    let (format, args) = match command {
        ExportCommand::Taskmaster(a) => (orch_service::interop::Format::TaskMaster, a),
        ExportCommand::Beads(a) => (orch_service::interop::Format::Beads, a),
    };
    let request =
        BoardExportRequest { format, project_id: Some(args.project.clone()), tag: args.tag, id_prefix: args.prefix };
    let exported = match orch.export_board(request).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {}", ToolError::from(e).message);
            return Ok(ExitCode::from(1));
        }
    };
    for note in &exported.notes {
        eprintln!("note: {note}");
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &exported.content).with_context(|| format!("cannot write {}", path.display()))?;
            println!(
                "Wrote {} task(s) of project '{}' to {} ({}).",
                exported.tasks,
                args.project,
                path.display(),
                format.as_str()
            );
        }
        None => crate::output::write_stdout(&exported.content)?,
    }
    Ok(ExitCode::SUCCESS)
}
