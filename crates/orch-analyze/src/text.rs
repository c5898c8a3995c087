//! Reading the task's own words: terms, mentions of files and identifiers, keyword groups, list items.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};

/// Compiles a literal pattern once; the patterns are constants checked by the unit tests.
macro_rules! static_regex {
    ($re:expr) => {{
        static RE: ::std::sync::LazyLock<::regex::Regex> =
            ::std::sync::LazyLock::new(|| ::regex::Regex::new($re).expect("static regex compiles"));
        &*RE
    }};
}
pub(crate) use static_regex;

/// English function words and task boilerplate that say nothing about what a task is about.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "both",
    "but",
    "by",
    "can",
    "could",
    "do",
    "does",
    "done",
    "each",
    "either",
    "else",
    "etc",
    "for",
    "from",
    "get",
    "has",
    "have",
    "how",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "like",
    "make",
    "may",
    "more",
    "most",
    "must",
    "need",
    "needs",
    "new",
    "no",
    "not",
    "now",
    "of",
    "on",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "per",
    "same",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "too",
    "under",
    "up",
    "use",
    "used",
    "using",
    "very",
    "via",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "you",
    "your",
    "task",
    "tasks",
    "todo",
    "add",
    "adds",
    "added",
    "implement",
    "implements",
    "implemented",
    "ensure",
    "please",
    "able",
    "allow",
    "allows",
    "given",
    "whether",
];

static STOPWORD_SET: LazyLock<BTreeSet<&'static str>> = LazyLock::new(|| STOPWORDS.iter().copied().collect());

pub(crate) fn is_stopword(word: &str) -> bool {
    STOPWORD_SET.contains(word)
}

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// File extensions that make a bare token a file name (`README.md`, `schema.sql`).
const FILE_EXTENSIONS: &[&str] = &[
    "c", "cc", "cfg", "cjs", "conf", "cpp", "cs", "css", "cts", "go", "h", "hpp", "html", "ini", "java", "js", "json",
    "jsx", "kt", "lock", "md", "mjs", "mts", "php", "py", "rb", "rs", "scss", "sh", "sql", "swift", "toml", "ts",
    "tsx", "txt", "vue", "xml", "yaml", "yml",
];

/// Maps a task's `code_language` (or a file extension's language) to the name used in results.
pub fn normalize_language(raw: &str) -> Option<&'static str> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "python" | "py" | "python3" => "python",
        "javascript" | "js" | "node" | "nodejs" => "javascript",
        "typescript" | "ts" => "typescript",
        "bash" | "sh" | "shell" => "bash",
        "sql" | "sqlite" | "postgres" | "postgresql" | "mysql" => "sql",
        "rust" | "rs" => "rust",
        "go" | "golang" => "go",
        _ => return None,
    })
}

/// The task's text split the ways the factors need it.
#[derive(Debug, Clone)]
pub struct TaskText {
    /// Title, description and details joined by newlines.
    pub full: String,
    /// Description and details only (where lists of criteria live).
    pub body: String,
    /// Lower-cased tags.
    pub tags: Vec<String>,
}

impl TaskText {
    /// Joins the parts of a task's text.
    pub fn new(title: &str, description: Option<&str>, details: Option<&str>, tags: &[String]) -> Self {
        let body = [description, details].into_iter().flatten().collect::<Vec<_>>().join("\n");
        let full = if body.is_empty() { title.to_owned() } else { format!("{title}\n{body}") };
        let mut tags: Vec<String> = tags.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect();
        tags.sort();
        tags.dedup();
        Self { full, body, tags }
    }

    /// The text keyword groups are matched against: the words plus the tags.
    pub fn searchable(&self) -> String {
        if self.tags.is_empty() { self.full.clone() } else { format!("{}\n{}", self.full, self.tags.join(" ")) }
    }
}

/// Distinct case-folded matches of `pattern` in `text`, sorted. A match the text negates ("no API changes",
/// "without touching the schema") or uses in another sense ("typo tolerance") does not count.
pub fn keyword_hits(pattern: &Regex, text: &str) -> BTreeSet<String> {
    pattern
        .find_iter(text)
        .filter(|m| !is_negated(text, m.start()) && !is_other_sense(text, m.start(), m.end()))
        .map(|m| collapse_spaces(&m.as_str().to_lowercase()))
        .collect()
}

/// Words that negate a keyword when one of them is among the three words before it, in the same clause.
const NEGATORS: &[&str] = &[
    "no", "not", "never", "nor", "without", "doesn't", "don't", "won't", "isn't", "aren't", "avoid", "avoiding", "zero",
];

/// Keywords whose risk a negation keeps: "without downtime" and "zero data loss" are demands, not absences.
const NEGATION_KEEPS: &[&str] = &["downtime", "data loss"];

fn is_negated(text: &str, start: usize) -> bool {
    let before = &text[..start];
    // Only look inside the clause: a comma, period or line break ends a negation's reach.
    let clause = before.rsplit(['.', ',', ';', ':', '\n', '!', '?']).next().unwrap_or(before);
    let words: Vec<String> = clause.split_whitespace().rev().take(3).map(|w| w.to_lowercase()).collect();
    if !words.iter().any(|w| NEGATORS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''))) {
        return false;
    }
    let rest = text[start..].to_lowercase();
    !NEGATION_KEEPS.iter().any(|k| rest.starts_with(k))
}

/// (keyword, neighbouring words that give it another meaning): "typo tolerance" is a search feature.
const OTHER_SENSES: &[(&str, &[&str])] = &[
    ("typo", &["tolerance", "tolerant", "tolerate", "tolerates", "tolerating", "correction", "fuzzy"]),
    (
        "typos",
        &["tolerance", "tolerant", "tolerate", "tolerates", "tolerating", "correction", "fuzzy", "despite", "has"],
    ),
    ("spelling", &["correction", "suggestions", "checker", "tolerance"]),
    ("comment", &["threads", "thread", "system", "moderation", "section", "replies"]),
    ("comments", &["threads", "thread", "system", "moderation", "section", "replies"]),
];

fn is_other_sense(text: &str, start: usize, end: usize) -> bool {
    let word = text[start..end].to_lowercase();
    let Some((_, neighbours)) = OTHER_SENSES.iter().find(|(k, _)| *k == word) else {
        return false;
    };
    let near = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let before = near(&text[..start]);
    let after = near(&text[end..]);
    before.iter().rev().take(2).chain(after.iter().take(2)).any(|w| neighbours.contains(&w.as_str()))
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Builds a case-insensitive, word-bounded alternation from keyword phrases (spaces match any whitespace).
pub fn keyword_regex(words: &[&str]) -> Regex {
    let alternatives: Vec<String> =
        words.iter().map(|w| w.split_whitespace().map(regex::escape).collect::<Vec<_>>().join(r"[\s-]+")).collect();
    // Only called with the crate's constant keyword lists, whose escaped alternation always compiles.
    Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives.join("|"))).expect("escaped keyword alternation compiles")
}

/// Number of words (alphanumeric runs) in `text`.
pub fn word_count(text: &str) -> usize {
    static_regex!(r"[\p{L}\p{N}_]+").find_iter(text).count()
}

/// Lines that are list items, checkboxes or Given/When/Then steps: the task's acceptance criteria and scope items.
pub fn list_items(text: &str) -> usize {
    let item = static_regex!(r"(?i)^\s*(?:[-*+]\s+\S|\d{1,3}[.)]\s+\S|(?:given|when|then|and)\s+\S)");
    text.lines().filter(|line| item.is_match(line)).count()
}

/// Normalised terms for similarity: split on punctuation and camelCase, lower-cased, stop words dropped, stemmed.
pub fn similarity_terms(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for token in static_regex!(r"[A-Za-z0-9]+").find_iter(text) {
        for part in split_camel(token.as_str()) {
            let lower = part.to_lowercase();
            if lower.len() < 3 || lower.chars().all(|c| c.is_ascii_digit()) || is_stopword(&lower) {
                continue;
            }
            out.insert(STEMMER.stem(&lower).into_owned());
        }
    }
    out
}

/// Splits `parseHTTPRequest` into `parse`, `HTTP`, `Request`.
fn split_camel(token: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = token.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (idx, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        // An acronym run ends before its last capital (`HTTPRequest`), but a single leading capital does not
        // make an acronym (`OAuth2` stays whole).
        let boundary = (c.is_uppercase() && (prev.is_lowercase() || prev.is_ascii_digit()))
            || (c.is_uppercase() && prev.is_uppercase() && next_lower && idx - start >= 2);
        if boundary {
            parts.push(&token[start..idx]);
            start = idx;
        }
    }
    parts.push(&token[start..]);
    parts
}

/// What the task text points at in a source tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mentions {
    /// Path-like tokens (`src/auth/login.py`, `README.md`), without leading `./`.
    pub paths: BTreeSet<String>,
    /// Code identifiers: CamelCase, lowerCamel, snake_case, and single backticked words.
    pub identifiers: BTreeSet<String>,
    /// Plain lower-cased words and tags, compared with file names.
    pub words: BTreeSet<String>,
}

impl Mentions {
    /// Extracts paths, identifiers and words from the task text and tags.
    pub fn extract(text: &TaskText) -> Self {
        let mut m = Self::default();
        for raw in text.full.split_whitespace() {
            let token = raw.trim_matches(|c: char| "`'\"()[]{}<>,;:!?*".contains(c)).trim_end_matches('.');
            if is_path_like(token) {
                m.paths.insert(token.trim_start_matches("./").to_owned());
            }
        }
        for cap in static_regex!(r"`([^`\n]{1,200})`").captures_iter(&text.full) {
            let inner = cap[1].trim();
            if is_path_like(inner) {
                m.paths.insert(inner.trim_start_matches("./").to_owned());
            } else if static_regex!(r"^[A-Za-z_][A-Za-z0-9_]{2,}$").is_match(inner) {
                // `user` is a word, not a name worth searching every file for; `User`, `user_id`, `getUser` are.
                if inner.contains('_') || inner.chars().any(char::is_uppercase) {
                    m.identifiers.insert(inner.to_owned());
                } else {
                    m.words.insert(inner.to_lowercase());
                }
            }
        }
        // UpperCamel needs a lower-to-upper step (`UserService`) or an acronym before a word
        // (`URLSafeTimedSerializer`, `HTTPServer`); plural acronyms (`URLs`, `APIs`) are prose.
        let identifier = static_regex!(
            r"\b(?:[A-Z][A-Za-z0-9]*(?:[a-z0-9][A-Z]|[A-Z][A-Z][a-z])[A-Za-z0-9]*|[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+|[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)\b"
        );
        let plural_acronym = static_regex!(r"^[A-Z]{2,}s$");
        for found in identifier.find_iter(&text.full) {
            let s = found.as_str();
            if s.len() >= 4 && !plural_acronym.is_match(s) && !m.paths.iter().any(|p| p.contains(s) && p.contains('.'))
            {
                m.identifiers.insert(s.to_owned());
            }
        }
        for found in static_regex!(r"[A-Za-z][A-Za-z0-9]*").find_iter(&text.full) {
            let lower = found.as_str().to_lowercase();
            if lower.len() >= 4 && !is_stopword(&lower) {
                m.words.insert(lower);
            }
        }
        m.words.extend(text.tags.iter().filter(|t| t.len() >= 2).cloned());
        m
    }
}

fn is_path_like(token: &str) -> bool {
    if token.len() < 3 || token.contains("://") || token.starts_with("http") || token.contains(char::is_whitespace) {
        return false;
    }
    if !token.chars().all(|c| c.is_alphanumeric() || "/._-".contains(c)) {
        return false;
    }
    if token.contains('/') {
        // `and/or`, `input/output`: a slash between two plain words is prose, not a path.
        let segments: Vec<&str> = token.split('/').filter(|s| !s.is_empty()).collect();
        let has_file = segments.last().is_some_and(|s| has_known_extension(s));
        return segments.len() >= 2 && (has_file || segments.len() >= 3 || token.starts_with("./"));
    }
    has_known_extension(token)
}

fn has_known_extension(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) => !stem.is_empty() && FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keyword_regex_matches_whole_words_case_insensitively() {
        let re = keyword_regex(&["auth", "race condition", "oauth2"]);
        let hits = keyword_hits(&re, "Fix the AUTH flow, a Race\n condition, and OAuth2; authors and oauth stay out");
        assert_eq!(hits.into_iter().collect::<Vec<_>>(), vec!["auth", "oauth2", "race condition"]);
    }

    #[test]
    fn list_items_count_bullets_numbers_checkboxes_and_gherkin() {
        let body =
            "Intro line\n- one\n* two\n1. three\n- [ ] four\nGiven a user\nWhen they log in\nThen it works\n-not";
        assert_eq!(list_items(body), 7);
    }

    #[test]
    fn similarity_terms_are_stemmed_and_split() {
        let t = similarity_terms("Migrating the UserSession migration to parseHTTPRequest and the tests via OAuth2");
        assert!(t.contains("oauth2"), "{t:?}");
        assert!(t.contains("migrat"), "{t:?}");
        assert!(t.contains("session") && t.contains("user") && t.contains("http") && t.contains("request"), "{t:?}");
        assert!(t.contains("test"));
        assert!(!t.contains("the"));
    }

    #[test]
    fn mentions_find_paths_identifiers_and_words() {
        let text = TaskText::new(
            "Fix UserService in src/auth/login.py",
            Some("Call `refresh_token` from README.md and `Session` or `user`; input/output stays"),
            None,
            &["Auth".to_owned()],
        );
        let m = Mentions::extract(&text);
        assert_eq!(m.paths.iter().collect::<Vec<_>>(), vec!["README.md", "src/auth/login.py"]);
        assert!(m.identifiers.contains("UserService") && m.identifiers.contains("refresh_token"));
        assert!(m.identifiers.contains("Session"));
        assert!(!m.identifiers.contains("user") && m.words.contains("user"));
        assert!(m.words.contains("auth") && m.words.contains("readme") && !m.words.contains("from"));
    }

    #[test]
    fn camel_case_identifiers_may_start_with_an_acronym() {
        let text = TaskText::new(
            "Replace URLSafeTimedSerializer and HTTPServer",
            Some("Keep XMLHttpRequest, parseJSON and getUser; the URLs and APIs stay; HTTP is prose"),
            None,
            &[],
        );
        let m = Mentions::extract(&text);
        for id in ["URLSafeTimedSerializer", "HTTPServer", "XMLHttpRequest", "parseJSON", "getUser"] {
            assert!(m.identifiers.contains(id), "{id} in {:?}", m.identifiers);
        }
        for word in ["URLs", "APIs", "HTTP", "Replace", "Keep"] {
            assert!(!m.identifiers.contains(word), "{word} is not an identifier");
        }
    }

    #[test]
    fn languages_normalise() {
        assert_eq!(normalize_language("TS"), Some("typescript"));
        assert_eq!(normalize_language("golang"), Some("go"));
        assert_eq!(normalize_language("cobol"), None);
    }
}
