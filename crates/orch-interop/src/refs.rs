//! Task references in commit messages: `#12`, `task 12`, `refs #3, #4`, `closes #5`, or a pattern of your own.

use regex::Regex;

use crate::{Error, Result};

/// The default reference pattern: `#N`, `task N`, `task #N`, `tasks N` (case-insensitive).
pub const DEFAULT_PATTERN: &str = r"(?i)(?:\btasks?[ \t]*#?|#)(?P<id>\d+)\b";

/// Words that, right before a reference or a list of references, mark them as finished by the commit.
const CLOSING: &str = r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?|complete[sd]?)\b[ \t]*:?[ \t]*$";
/// What may stand between two references of one list (`#3, #4`, `#3 and #4`).
const LIST_GAP: &str = r"(?i)^[ \t]*(?:,|&|\band\b)?[ \t]*$";

/// A task named in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskReference {
    /// The task id.
    pub task_id: i64,
    /// True when a closing word (`closes`, `fixes`, `resolves`, `completes`) precedes it or its list.
    pub closes: bool,
}

/// A compiled reference pattern.
#[derive(Debug, Clone)]
pub struct ReferencePattern {
    re: Regex,
    closing: Regex,
    list_gap: Regex,
    group: usize,
}

impl Default for ReferencePattern {
    fn default() -> Self {
        Self::new(DEFAULT_PATTERN).unwrap_or_else(|e| unreachable!("the default pattern compiles: {e}"))
    }
}

impl ReferencePattern {
    /// A pattern whose named group `id` (or else first group) captures the task number.
    pub fn new(pattern: &str) -> Result<Self> {
        let re = regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| Error::Pattern(format!("{e}")))?;
        let group = match re.capture_names().position(|n| n == Some("id")) {
            Some(i) => i,
            None if re.captures_len() > 1 => 1,
            None => {
                return Err(Error::Pattern(format!(
                    "'{pattern}' has no capture group for the task number; write e.g. (?P<id>\\d+)"
                )));
            }
        };
        let fixed = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("built-in pattern compiles: {e}"));
        Ok(Self { re, closing: fixed(CLOSING), list_gap: fixed(LIST_GAP), group })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.re.as_str()
    }

    /// The tasks a message names, in order of first mention, each once (closing if any mention closes).
    pub fn find(&self, message: &str) -> Vec<TaskReference> {
        let mut out: Vec<TaskReference> = Vec::new();
        let mut last_end = 0;
        let mut in_closing_list = false;
        for caps in self.re.captures_iter(message) {
            let (Some(whole), Some(id)) = (caps.get(0), caps.get(self.group)) else { continue };
            let gap = &message[last_end..whole.start()];
            let closes = if in_closing_list && last_end > 0 && self.list_gap.is_match(gap) {
                true
            } else {
                self.closing.is_match(gap)
            };
            in_closing_list = closes;
            last_end = whole.end();
            // Digits beyond i64 name no task.
            let Ok(task_id) = id.as_str().parse::<i64>() else { continue };
            if task_id <= 0 {
                continue;
            }
            match out.iter_mut().find(|r| r.task_id == task_id) {
                Some(r) => r.closes |= closes,
                None => out.push(TaskReference { task_id, closes }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn refs(msg: &str) -> Vec<(i64, bool)> {
        ReferencePattern::default().find(msg).into_iter().map(|r| (r.task_id, r.closes)).collect()
    }

    #[test]
    fn the_documented_forms() {
        assert_eq!(refs("Add login (#12)"), vec![(12, false)]);
        assert_eq!(refs("task 12: schema"), vec![(12, false)]);
        assert_eq!(refs("Task #7 and TASKS 8"), vec![(7, false), (8, false)]);
        assert_eq!(refs("refs #3, #4"), vec![(3, false), (4, false)]);
        assert_eq!(refs("closes #5"), vec![(5, true)]);
        assert_eq!(refs("Fixes: #5, #6 and #7; see #8"), vec![(5, true), (6, true), (7, true), (8, false)]);
        assert_eq!(refs("Resolved task 9"), vec![(9, true)]);
        assert_eq!(refs("see #5, closes #5"), vec![(5, true)], "one reference per task, closing wins");
    }

    #[test]
    fn non_references() {
        assert!(refs("no numbers here").is_empty());
        assert!(refs("taskbar 12 and issue12").is_empty());
        assert!(refs("#0 and #99999999999999999999999").is_empty());
        assert_eq!(refs("enclosed #4"), vec![(4, false)], "'enclosed' is not a closing word");
    }

    #[test]
    fn custom_patterns() {
        let p = ReferencePattern::new(r"\bORCH-(\d+)").unwrap_or_default();
        let found: Vec<i64> = p.find("ORCH-3 and closes ORCH-4").iter().map(|r| r.task_id).collect();
        assert_eq!(found, vec![3, 4]);
        assert!(p.find("closes ORCH-4")[0].closes);
        let err = ReferencePattern::new(r"ORCH-\d+").map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("capture group"), "{err}");
        assert!(ReferencePattern::new("(unclosed").is_err());
    }
}
