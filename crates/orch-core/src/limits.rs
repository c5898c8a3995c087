//! Size limits on user input, so one call cannot flood the store or an agent's context.

/// Longest task title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// Longest description, details or execution environment, in characters.
pub const MAX_TEXT_CHARS: usize = 65_536;
/// Most tags on one task.
pub const MAX_TAGS: usize = 50;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;
/// Most direct dependencies of one task.
pub const MAX_DEPENDENCIES: usize = 1_000;
/// Longest project id, in characters.
pub const MAX_PROJECT_ID_CHARS: usize = 128;
/// Longest language name, in characters.
pub const MAX_LANGUAGE_CHARS: usize = 32;
/// Longest task type, in characters.
pub const MAX_TASK_TYPE_CHARS: usize = 32;
/// Longest commit message, in characters.
pub const MAX_COMMIT_MESSAGE_CHARS: usize = 65_536;
/// Longest commit author, in characters.
pub const MAX_AUTHOR_CHARS: usize = 256;
/// Largest page `list_tasks` returns.
pub const MAX_PAGE_SIZE: u32 = 500;
/// Page size when the caller does not choose one.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Longest external key, in characters.
pub const MAX_EXTERNAL_KEY_CHARS: usize = 512;
/// Longest assignee (who claims a task), in characters.
pub const MAX_ASSIGNEE_CHARS: usize = 256;
/// Longest prefix of an offending value an error message quotes, in characters.
pub const MAX_QUOTED_CHARS: usize = 64;
