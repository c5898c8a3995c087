//! The project tree: a bounded walk (honouring `.gitignore`), the files a task is about, and who imports them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use regex::Regex;

use crate::AnalyzeError;
use crate::imports::{self, RawImport, Resolver};
use crate::text::{Mentions, normalize_language, static_regex};

/// Files bigger than this are listed but not read (generated code, data dumps).
pub const MAX_READ_BYTES: u64 = 1024 * 1024;
/// At most this many matched files are reported; the rest are counted in the evidence.
pub const MAX_MATCHED_FILES: usize = 40;
/// Directories skipped even without a `.gitignore` saying so: dependencies and build output.
const VENDOR_DIRS: &[&str] = &["node_modules", "target", "__pycache__", ".venv", "venv", "vendor", "dist", "build"];

/// Why a file was matched, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relevance {
    /// Named by the task: its path, its file name, or an identifier it defines.
    Primary,
    /// Only mentions an identifier from the task, or sits in a directory named by a tag.
    Secondary,
}

/// A file the task is about.
#[derive(Debug, Clone)]
pub struct MatchedFile {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    /// Why it matched (one entry per matching term).
    pub reasons: BTreeSet<String>,
    /// Strongest relevance among the reasons.
    pub relevance: Relevance,
    /// Number of lines (0 when not read).
    pub lines: u64,
    /// Language from the file extension.
    pub language: Option<&'static str>,
    /// `TODO`, `FIXME`, `HACK` and `XXX` markers in the file.
    pub debt_markers: u64,
    /// Files that import this one.
    pub imported_by: BTreeSet<String>,
}

/// What a project scan found.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Files walked.
    pub files_scanned: usize,
    /// Files whose contents were read.
    pub files_read: usize,
    /// Set when the walk or the reading stopped early, with the reason.
    pub capped: Option<String>,
    /// Files the task is about, primary first, then by path; at most [`MAX_MATCHED_FILES`].
    pub matched: Vec<MatchedFile>,
    /// Matches dropped by the [`MAX_MATCHED_FILES`] cap.
    pub matched_dropped: usize,
    /// Import edges found in the whole scanned tree.
    pub import_edges: usize,
    /// Entries that could not be read (permissions, broken links).
    pub unreadable: usize,
}

struct FileFacts {
    path: String,
    language: Option<&'static str>,
    lines: u64,
    debt_markers: u64,
    imports: Vec<RawImport>,
    defines: BTreeSet<String>,
    mentions: BTreeSet<String>,
}

/// Checks `root` is a readable directory.
pub fn check_root(root: &Path) -> Result<(), AnalyzeError> {
    let meta = std::fs::metadata(root).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => AnalyzeError::RootMissing(root.to_path_buf()),
        _ => AnalyzeError::RootUnreadable { path: root.to_path_buf(), source },
    })?;
    if !meta.is_dir() {
        return Err(AnalyzeError::RootNotDirectory(root.to_path_buf()));
    }
    std::fs::read_dir(root).map_err(|source| AnalyzeError::RootUnreadable { path: root.to_path_buf(), source })?;
    Ok(())
}

/// Language of a file from its extension.
pub fn language_of(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    match ext.as_str() {
        "py" => Some("python"),
        "js" | "jsx" | "mjs" | "cjs" => Some("javascript"),
        "ts" | "tsx" | "mts" | "cts" => Some("typescript"),
        "sh" | "bash" => Some("bash"),
        "md" | "markdown" => Some("markdown"),
        other => normalize_language(other),
    }
}

fn is_code(language: Option<&str>) -> bool {
    language.is_some_and(|l| l != "markdown")
}

/// Walks `root`, reads what it may, matches the task's mentions and resolves imports.
pub fn scan(
    root: &Path,
    mentions: &Mentions,
    task_language: Option<&str>,
    max_files: usize,
    deadline: Option<Instant>,
) -> Result<ScanReport, AnalyzeError> {
    check_root(root)?;
    let mut report = ScanReport::default();
    let paths = walk(root, max_files, deadline, &mut report);
    report.files_scanned = paths.len();

    let identifier_patterns = IdentifierPatterns::new(&mentions.identifiers);
    let mut resolver = Resolver::new(paths.iter().map(|(rel, _)| rel.clone()));
    let mut facts = Vec::with_capacity(paths.len());
    let mut reading_stopped = false;
    for (rel, size) in &paths {
        let language = language_of(rel);
        let mut fact = FileFacts {
            path: rel.clone(),
            language,
            lines: 0,
            debt_markers: 0,
            imports: Vec::new(),
            defines: BTreeSet::new(),
            mentions: BTreeSet::new(),
        };
        if !reading_stopped && past(deadline) {
            reading_stopped = true;
            report.capped.get_or_insert_with(|| {
                format!(
                    "analysis timeout reached after reading {} of {} files; the rest were matched by name only",
                    report.files_read,
                    paths.len()
                )
            });
        }
        if reading_stopped || *size > MAX_READ_BYTES {
            facts.push(fact);
            continue;
        }
        let Some(content) = read_text(&root.join(rel), &mut report) else {
            facts.push(fact);
            continue;
        };
        report.files_read += 1;
        fact.lines = count_lines(&content);
        fact.debt_markers = static_regex!(r"\b(?:TODO|FIXME|HACK|XXX)\b").find_iter(&content).count() as u64;
        if let Some(lang) = language {
            fact.imports = imports::extract(lang, &content);
        }
        if lang_is(language, "sql") {
            resolver.add_sql_tables(rel, imports::sql_created_tables(&content));
        }
        match imports::file_name(rel) {
            "Cargo.toml" => resolver.add_rust_crate(rel, &content),
            "go.mod" => resolver.add_go_module(rel, &content),
            _ => {}
        }
        if let Some(patterns) = &identifier_patterns {
            fact.mentions = patterns.mentioned.find_iter(&content).map(|m| m.as_str().to_owned()).collect();
            if !fact.mentions.is_empty() {
                fact.defines = patterns.defined.captures_iter(&content).map(|c| c[1].to_owned()).collect();
            }
        }
        facts.push(fact);
    }

    let mut importers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for fact in &facts {
        for import in &fact.imports {
            for target in resolver.resolve(&fact.path, import) {
                if importers.entry(target).or_default().insert(fact.path.clone()) {
                    report.import_edges += 1;
                }
            }
        }
    }

    let mut matched: Vec<MatchedFile> = facts
        .iter()
        .filter_map(|fact| match_file(fact, mentions, task_language))
        .map(|mut m| {
            m.imported_by = importers.get(&m.path).cloned().unwrap_or_default();
            m
        })
        .collect();
    matched.sort_by(|a, b| a.relevance.cmp(&b.relevance).then_with(|| a.path.cmp(&b.path)));
    if matched.len() > MAX_MATCHED_FILES {
        report.matched_dropped = matched.len() - MAX_MATCHED_FILES;
        matched.truncate(MAX_MATCHED_FILES);
    }
    report.matched = matched;
    Ok(report)
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

fn lang_is(language: Option<&str>, want: &str) -> bool {
    language == Some(want)
}

/// Sorted relative paths with sizes, stopping at `max_files` or the deadline.
fn walk(root: &Path, max_files: usize, deadline: Option<Instant>, report: &mut ScanReport) -> Vec<(String, u64)> {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(true)
        // Honour .gitignore even when the tree is not (yet) a git repository.
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && entry.file_name().to_str().is_some_and(|name| VENDOR_DIRS.contains(&name)))
        })
        .build();
    let mut out = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                tracing::debug!(error = %err, "skipping unreadable entry during project scan");
                report.unreadable += 1;
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if out.len() >= max_files {
            report.capped =
                Some(format!("stopped after max_files={max_files} files; files beyond the cap were not considered"));
            break;
        }
        if past(deadline) {
            report.capped = Some(format!(
                "analysis timeout reached while walking, after {} files; raise ANALYSIS_TIMEOUT to scan more",
                out.len()
            ));
            break;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else { continue };
        let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        out.push((rel, size));
    }
    out
}

/// The file's text, or `None` for binary or unreadable files.
fn read_text(path: &Path, report: &mut ScanReport) -> Option<String> {
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(MAX_READ_BYTES).read_to_end(&mut bytes));
    if let Err(err) = read {
        tracing::debug!(path = %path.display(), error = %err, "cannot read file during project scan");
        report.unreadable += 1;
        return None;
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn count_lines(content: &str) -> u64 {
    let newlines = content.bytes().filter(|b| *b == b'\n').count() as u64;
    if content.is_empty() || content.ends_with('\n') { newlines } else { newlines + 1 }
}

struct IdentifierPatterns {
    mentioned: Regex,
    defined: Regex,
}

impl IdentifierPatterns {
    fn new(identifiers: &BTreeSet<String>) -> Option<Self> {
        if identifiers.is_empty() {
            return None;
        }
        let alternation = identifiers.iter().map(|i| regex::escape(i)).collect::<Vec<_>>().join("|");
        let mentioned = Regex::new(&format!(r"\b(?:{alternation})\b")).ok()?;
        let keywords = r"(?i:class|def|fn|struct|enum|trait|interface|type|function|func|const|let|var|impl|table(?:\s+if\s+not\s+exists)?)";
        let defined = Regex::new(&format!(r"\b{keywords}\s+({alternation})\b")).ok()?;
        Some(Self { mentioned, defined })
    }
}

/// `UserService`, `user_service`, `user-service.py` → `userservice`.
fn squash(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn match_file(fact: &FileFacts, mentions: &Mentions, task_language: Option<&str>) -> Option<MatchedFile> {
    let mut reasons = BTreeSet::new();
    let mut relevance = Relevance::Secondary;
    let mut primary = |reasons: &mut BTreeSet<String>, reason: String| {
        relevance = Relevance::Primary;
        reasons.insert(reason);
    };
    for path in &mentions.paths {
        let as_dir = path.trim_end_matches('/');
        if fact.path == *path || fact.path.ends_with(&format!("/{path}")) {
            primary(&mut reasons, format!("path `{path}` is named in the task"));
        } else if !path.contains('.')
            && (fact.path.starts_with(&format!("{as_dir}/")) || fact.path.contains(&format!("/{as_dir}/")))
        {
            primary(&mut reasons, format!("inside directory `{as_dir}` named in the task"));
        }
    }
    // Name and identifier matches stay within the task's language (plus docs and config) to avoid namesakes.
    let other_language = task_language.is_some_and(|want| is_code(fact.language) && fact.language != Some(want));
    if !other_language {
        let file_name = imports::file_name(&fact.path);
        let stem = squash(file_name.split('.').next().unwrap_or(file_name));
        for word in &mentions.words {
            if !stem.is_empty() && squash(word) == stem {
                primary(&mut reasons, format!("file name matches `{word}`"));
            }
        }
        for identifier in &mentions.identifiers {
            if squash(identifier) == stem {
                primary(&mut reasons, format!("file name matches identifier `{identifier}`"));
            }
        }
        for identifier in &fact.defines {
            primary(&mut reasons, format!("defines `{identifier}`"));
        }
        for identifier in fact.mentions.difference(&fact.defines) {
            reasons.insert(format!("mentions `{identifier}`"));
        }
    }
    if reasons.is_empty() {
        return None;
    }
    Some(MatchedFile {
        path: fact.path.clone(),
        reasons,
        relevance,
        lines: fact.lines,
        language: fact.language,
        debt_markers: fact.debt_markers,
        imported_by: BTreeSet::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_are_counted_with_and_without_trailing_newline() {
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a\nb"), 2);
        assert_eq!(count_lines("a\nb\n"), 2);
    }

    #[test]
    fn names_squash_across_conventions() {
        assert_eq!(squash("UserService"), squash("user_service"));
        assert_eq!(squash("user-service"), "userservice");
    }

    #[test]
    fn languages_from_extensions() {
        assert_eq!(language_of("a/b.tsx"), Some("typescript"));
        assert_eq!(language_of("x.rs"), Some("rust"));
        assert_eq!(language_of("README.md"), Some("markdown"));
        assert_eq!(language_of("Makefile"), None);
    }
}
