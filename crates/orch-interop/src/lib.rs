//! Boards from other tools and the history in git, translated to and from task-orchestrator's model.
//!
//! Importers turn a file into [`Draft`]s (tasks keyed by a namespaced external key) plus notes on what had no
//! counterpart; exporters turn a project's tasks into the other tool's file plus notes on what it cannot hold. The
//! store work (creating, refreshing by key) lives in `orch-service`, so every format shares one idempotent import.
//! See `docs/import-export.md` for the mapping tables and `docs/git.md` for commit references.

pub mod beads;
mod error;
pub mod git;
pub mod refs;
mod sections;
pub mod taskmaster;

pub use error::{Error, Result};
use orch_core::Status;

/// A board format task-orchestrator reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Task Master's `tasks.json` (tagged or legacy).
    TaskMaster,
    /// beads' `issues.jsonl`.
    Beads,
}

impl Format {
    /// The name used on the command line and in tool parameters.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::TaskMaster => "taskmaster",
            Format::Beads => "beads",
        }
    }
}

/// One task read from another tool, ready to be created or matched by its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Namespaced external key (`taskmaster:master:2.1`, `beads:bd-7`), stable across re-imports.
    pub key: String,
    /// The id the source tool shows (`2.1`, `bd-7`), for reports.
    pub source_id: String,
    /// Key of the parent draft, for subtasks.
    pub parent: Option<String>,
    /// Title (at most the board's title limit).
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Details, with the source's extra text fields as trailing sections.
    pub details: Option<String>,
    /// Status on the board.
    pub status: Status,
    /// Priority 0–4 (4 highest).
    pub priority: u8,
    /// Tags the source carries (labels) and markers for statuses the board lacks.
    pub tags: Vec<String>,
    /// Kind of work.
    pub task_type: Option<String>,
    /// Effort estimate in hours.
    pub estimated_hours: Option<f64>,
    /// Keys of the drafts this one depends on.
    pub depends_on: Vec<String>,
}

/// A parsed file: its drafts, in file order (parents before their subtasks), and what could not be mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The format read.
    pub format: Format,
    /// Key prefix every draft of this file shares (`taskmaster:master:`), so a re-import can tell its own tasks.
    pub key_prefix: String,
    /// Whether the format has its own tags (then the file's tags replace the task's on re-import; otherwise only
    /// the status markers are managed and other tags are kept).
    pub carries_tags: bool,
    /// The tasks.
    pub drafts: Vec<Draft>,
    /// Things in the file with no counterpart on the board, in plain words.
    pub notes: Vec<String>,
}

/// Tags that stand in for statuses the board does not have; an exporter turns them back into the status.
pub const STATUS_MARKERS: [&str; 3] = ["review", "deferred", "cancelled"];

/// An exported file and what the format could not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The file content.
    pub content: String,
    /// How many tasks it holds.
    pub tasks: usize,
    /// What was lost or changed on the way, in plain words.
    pub notes: Vec<String>,
}

/// Counts repeated notes ("field X on N tasks") so a big file yields a short report.
#[derive(Debug, Default)]
pub(crate) struct NoteTally {
    counts: std::collections::BTreeMap<String, (usize, String)>,
    order: Vec<String>,
}

impl NoteTally {
    /// Records one occurrence of `what` on the item `example`.
    pub(crate) fn add(&mut self, what: impl Into<String>, example: &str) {
        let what = what.into();
        let entry = self.counts.entry(what.clone()).or_insert_with(|| (0, example.to_string()));
        if entry.0 == 0 {
            self.order.push(what);
        }
        entry.0 += 1;
    }

    /// One line per distinct note: "<what> (N items, e.g. X)".
    pub(crate) fn lines(self, noun: &str) -> Vec<String> {
        let mut counts = self.counts;
        self.order
            .into_iter()
            .filter_map(|what| {
                let (n, example) = counts.remove(&what)?;
                Some(if n == 1 {
                    format!("{what} ({noun} {example})")
                } else {
                    format!("{what} ({n} {noun}s, e.g. {example})")
                })
            })
            .collect()
    }
}

/// Cuts a title to the board's limit.
pub(crate) fn title(raw: &str, notes: &mut NoteTally, id: &str) -> String {
    let t = raw.trim();
    if t.chars().count() > orch_core::limits::MAX_TITLE_CHARS {
        notes.add(format!("titles longer than {} characters were cut", orch_core::limits::MAX_TITLE_CHARS), id);
        return t.chars().take(orch_core::limits::MAX_TITLE_CHARS).collect();
    }
    t.to_string()
}

/// `Some` for non-blank text.
pub(crate) fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}
