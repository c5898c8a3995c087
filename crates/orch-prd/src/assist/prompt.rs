//! The prompts sent to a model for one part of a PRD, and the answer schema it must follow.
//! `docs/prd-format.md` quotes the same schema.

use std::fmt::Write as _;

use super::chunk::Chunk;

/// The answer format, as shown to the model.
pub const ANSWER_SCHEMA: &str = r#"{
  "features": [
    {
      "key": "string or null: the key listed for a known item when this is that item, else null",
      "title": "string: the item's name, copied from the document",
      "description": "string: what to build, in the document's words",
      "priority": "critical | high | medium | low (or P0-P3), null when the document states none",
      "acceptanceCriteria": ["string: a criterion written in the document"],
      "userStories": ["string: 'As a ..., I want ... so that ...' as written"],
      "dependencies": ["string: key or title of another item that must be done first"]
    }
  ]
}"#;

/// Most items accepted from one answer (the rest are dropped with a warning).
pub const MAX_ITEMS_PER_ANSWER: usize = 60;

/// The system prompt: role, schema and rules.
pub fn system_prompt() -> String {
    format!(
        "You read Product Requirements Documents and list the features and requirements they ask to build, so \
that each can become a task. Answer with ONE JSON object and nothing else: no prose, no Markdown fences. \
The object must follow this schema:\n{ANSWER_SCHEMA}\n\
Rules: list only items the text asks to build; never invent items, criteria or stories that are not written \
in the text; copy titles from the document; goals, non-goals, background and open questions are not items; \
give at most {MAX_ITEMS_PER_ANSWER} items; when the part holds no item, answer {{\"features\": []}}."
    )
}

/// An item the offline parser found in this part, offered to the model so it reuses the key.
pub struct KnownItem<'a> {
    /// The item's key.
    pub key: &'a str,
    /// The item's title.
    pub title: &'a str,
}

/// The user prompt for part `index` (0-based) of `total`.
pub fn user_prompt(title: Option<&str>, chunk: &Chunk, index: usize, total: usize, known: &[KnownItem<'_>]) -> String {
    let mut prompt = String::new();
    let _ = writeln!(
        prompt,
        "Document: {} (part {} of {total}, lines {}-{}).",
        title.unwrap_or("untitled PRD"),
        index + 1,
        chunk.first_line,
        chunk.last_line
    );
    if !known.is_empty() {
        let _ = writeln!(
            prompt,
            "Items a rule-based parser found in this part (reuse the key when you list the same item):"
        );
        for item in known {
            let _ = writeln!(prompt, "- key `{}`: {}", item.key, item.title);
        }
    }
    let _ = writeln!(
        prompt,
        "List every feature or requirement this part asks to build. Dependencies may name items from other \
parts. The part follows between the markers.\n<<<PRD\n{}\nPRD>>>",
        chunk.text
    );
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_carries_the_part_and_known_keys() {
        let chunk = Chunk { text: "### Login\n- Priority: High".into(), first_line: 3, last_line: 4 };
        let prompt = user_prompt(Some("Auth"), &chunk, 1, 3, &[KnownItem { key: "login", title: "Login" }]);
        assert!(prompt.contains("Auth (part 2 of 3, lines 3-4)"), "{prompt}");
        assert!(prompt.contains("key `login`: Login"));
        assert!(prompt.contains("<<<PRD\n### Login\n- Priority: High\nPRD>>>"));
        assert!(system_prompt().contains("\"acceptanceCriteria\""));
    }

    #[test]
    fn the_prompt_around_a_part_stays_small() {
        // docs/prd-format.md quotes this bound as the cost a call adds to its part.
        let empty = Chunk { text: String::new(), first_line: 1, last_line: 1 };
        let overhead = super::super::chunk::estimate_tokens(&system_prompt())
            + super::super::chunk::estimate_tokens(&user_prompt(Some("A title"), &empty, 0, 1, &[]));
        assert!(overhead < 500, "{overhead} estimated tokens");
    }
}
