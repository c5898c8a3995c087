//! Whether the document supports what a model said: a title written in the text, or most of its
//! words present. This is the cross-check that keeps invented items out of the board.

use std::collections::BTreeSet;

use crate::text::normalise;

/// Share of an item's content words that must occur in the text for partial support.
pub const MIN_WORD_SHARE: f64 = 0.6;

/// Words too common to show that a title comes from the document.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "from", "that", "this", "are", "was", "can", "will", "should", "must", "has", "have",
    "into", "our", "your", "its", "all", "new", "use", "via", "per", "any", "not", "able", "when", "then", "user",
    "users",
];

/// How well the document backs a title.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Support {
    /// Written in the document, at this 1-based line.
    Verbatim(usize),
    /// Not written as such, but this many of its content words are in the text the model read.
    Partial { found: usize, total: usize },
    /// Most of its words are not in the text the model read.
    Unsupported { found: usize, total: usize },
}

/// The document, normalised once for the checks.
pub struct Document {
    padded: String,
    lines: Vec<String>,
    words: BTreeSet<String>,
}

impl Document {
    /// Normalises `content` (letters, digits and single spaces, lowercase).
    pub fn new(content: &str) -> Self {
        let lines: Vec<String> = content.lines().map(normalise).collect();
        let words = lines.iter().flat_map(|l| content_words(l)).collect();
        Self { padded: format!(" {} ", lines.join(" ")), lines, words }
    }

    /// True when the normalised `text` occurs in the document as whole words.
    pub fn contains(&self, text: &str) -> bool {
        let text = normalise(text);
        !text.is_empty() && self.padded.contains(&format!(" {text} "))
    }

    /// The first line holding `text` (normalised), if any.
    pub fn line_of(&self, text: &str) -> Option<usize> {
        let text = normalise(text);
        if text.is_empty() {
            return None;
        }
        let needle = format!(" {text} ");
        self.lines.iter().position(|l| format!(" {l} ").contains(&needle)).map(|i| i + 1)
    }

    /// How well the document backs `title`, with `context` the text the model read.
    pub fn support(&self, title: &str, context: &str) -> Support {
        if let Some(line) = self.line_of(title).filter(|_| self.contains(title)) {
            return Support::Verbatim(line);
        }
        let context_words: BTreeSet<String> = content_words(&normalise(context)).collect();
        let (found, total) = share(title, &context_words);
        if total > 0 && found as f64 >= MIN_WORD_SHARE * total as f64 {
            Support::Partial { found, total }
        } else {
            Support::Unsupported { found, total }
        }
    }

    /// True when a criterion or story is written in the document or most of its words are.
    pub fn backs(&self, text: &str) -> bool {
        if self.contains(text) {
            return true;
        }
        let (found, total) = share(text, &self.words);
        total > 0 && found as f64 >= MIN_WORD_SHARE * total as f64
    }
}

/// (content words of `text` found in `words`, content words of `text`).
fn share(text: &str, words: &BTreeSet<String>) -> (usize, usize) {
    let own: BTreeSet<String> = content_words(&normalise(text)).collect();
    (own.iter().filter(|w| words.contains(*w)).count(), own.len())
}

/// Words of normalised text that carry meaning (three characters or more, not a stopword).
fn content_words(normalised: &str) -> impl Iterator<Item = String> + '_ {
    normalised
        .split([' ', '-'])
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(w))
        .map(|w| w.trim_matches('\'').to_owned())
}

/// True when two titles share at least half of their content words (a key the model reused for
/// a different item fails this).
pub fn similar_titles(a: &str, b: &str) -> bool {
    let a: BTreeSet<String> = content_words(&normalise(a)).collect();
    let b: BTreeSet<String> = content_words(&normalise(b)).collect();
    let common = a.intersection(&b).count();
    let larger = a.len().max(b.len());
    larger > 0 && common * 2 >= larger
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str =
        "# Auth\n## Features\n### User Registration\n- Allow new users to register with email\n### User Login\n";

    #[test]
    fn titles_written_in_the_document_are_verbatim() {
        let doc = Document::new(DOC);
        assert_eq!(doc.support("user registration", DOC), Support::Verbatim(3));
        assert_eq!(doc.support("User  Login!", DOC), Support::Verbatim(5));
    }

    #[test]
    fn paraphrases_are_partial_and_inventions_unsupported() {
        let doc = Document::new(DOC);
        assert!(matches!(doc.support("Email registration", DOC), Support::Partial { found: 2, total: 2 }));
        assert!(matches!(doc.support("Billing dashboard", DOC), Support::Unsupported { found: 0, total: 2 }));
        // A title of stopwords only has no support to show.
        assert!(matches!(doc.support("For all users", DOC), Support::Unsupported { total: 0, .. }));
        assert!(!doc.contains("Login Registration"), "whole phrase, not words in any order");
    }

    #[test]
    fn criteria_need_most_of_their_words_in_the_document() {
        let doc = Document::new(DOC);
        assert!(doc.backs("Users register with their email"));
        assert!(!doc.backs("Payments are refunded within 30 days"));
        assert!(similar_titles("User Login", "Login for users"));
        assert!(!similar_titles("User Login", "Password reset"));
    }
}
