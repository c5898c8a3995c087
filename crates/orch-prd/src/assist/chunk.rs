//! Splitting a long PRD into parts that each fit one model call: at headings first, then at blank
//! lines, then at line ends, so a part holds whole sections whenever one fits.

/// Characters per token assumed when estimating a text's size (the usual figure for English
/// prose with GPT-style tokenizers; the real count comes back in each answer's usage).
pub const CHARS_PER_TOKEN: usize = 4;

/// One part of the document sent in one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The text of the part.
    pub text: String,
    /// 1-based line where the part starts.
    pub first_line: usize,
    /// 1-based line where the part ends.
    pub last_line: usize,
}

/// Estimated tokens of `text`.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(CHARS_PER_TOKEN)
}

/// A run of whole lines: `(first line, lines)`.
type Piece<'a> = (usize, Vec<&'a str>);

/// Splits `content` into parts of at most `budget_tokens` estimated tokens each.
pub fn split(content: &str, budget_tokens: usize) -> Vec<Chunk> {
    let budget_chars = budget_tokens.max(1) * CHARS_PER_TOKEN;
    let lines: Vec<&str> = content.lines().collect();
    let mut pieces = Vec::new();
    for section in sections(&lines) {
        fit(section, budget_chars, &mut pieces);
    }
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current: Option<Chunk> = None;
    for (first, piece_lines) in pieces {
        let text = piece_lines.join("\n");
        let last = first + piece_lines.len().saturating_sub(1);
        match current.as_mut() {
            Some(chunk) if chunk.text.chars().count() + 1 + text.chars().count() <= budget_chars => {
                chunk.text.push('\n');
                chunk.text.push_str(&text);
                chunk.last_line = last;
            }
            _ => {
                chunks.extend(current.take());
                current = Some(Chunk { text, first_line: first, last_line: last });
            }
        }
    }
    chunks.extend(current);
    chunks.retain(|c| !c.text.trim().is_empty());
    chunks
}

/// Runs of lines that each start at an ATX heading (outside fenced code).
fn sections<'a>(lines: &[&'a str]) -> Vec<Piece<'a>> {
    let mut out: Vec<Piece<'a>> = Vec::new();
    let mut fence: Option<char> = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        if let Some(m) = marker
            && trimmed.starts_with(&m.to_string().repeat(3))
        {
            fence = match fence {
                Some(open) if open == m => None,
                None => Some(m),
                other => other,
            };
        }
        let heading = fence.is_none() && is_heading(trimmed);
        match out.last_mut() {
            Some(section) if !heading => section.1.push(line),
            _ => out.push((i + 1, vec![line])),
        }
    }
    out
}

fn is_heading(line: &str) -> bool {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    (1..=6).contains(&hashes) && line[hashes..].chars().next().is_none_or(char::is_whitespace)
}

/// Pushes `piece` whole when it fits, else split at blank lines, then per line, then by characters.
fn fit<'a>((first, lines): Piece<'a>, budget: usize, out: &mut Vec<Piece<'a>>) {
    let size: usize = lines.iter().map(|l| l.chars().count() + 1).sum();
    if size <= budget {
        out.push((first, lines));
        return;
    }
    if lines.len() > 1 {
        // Paragraphs when there are several, else single lines.
        let mut groups: Vec<Piece<'a>> = Vec::new();
        for (offset, line) in lines.iter().enumerate() {
            let starts_group = groups.is_empty() || line.trim().is_empty();
            if starts_group {
                groups.push((first + offset, vec![line]));
            } else if let Some(group) = groups.last_mut() {
                group.1.push(line);
            }
        }
        if groups.len() == 1 {
            groups = lines.iter().enumerate().map(|(offset, line)| (first + offset, vec![*line])).collect();
        }
        let mut packed: Vec<Piece<'a>> = Vec::new();
        for group in groups {
            let group_size: usize = group.1.iter().map(|l| l.chars().count() + 1).sum();
            match packed.last_mut() {
                Some(last) if last.1.iter().map(|l| l.chars().count() + 1).sum::<usize>() + group_size <= budget => {
                    last.1.extend(group.1);
                }
                _ => packed.push(group),
            }
        }
        for group in packed {
            fit(group, budget, out);
        }
        return;
    }
    // One line longer than the budget: cut it at character boundaries.
    let line = lines[0];
    let mut start = 0;
    let indices: Vec<usize> = line.char_indices().map(|(i, _)| i).chain([line.len()]).collect();
    while start + 1 < indices.len() {
        let end = (start + budget.max(1)).min(indices.len() - 1);
        out.push((first, vec![&line[indices[start]..indices[end]]]));
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_documents_are_one_part() {
        let doc = "# T\n\n## Features\n### A\ntext\n";
        let chunks = split(doc, 1000);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].text, doc.trim_end());
        assert_eq!((chunks[0].first_line, chunks[0].last_line), (1, 5));
    }

    #[test]
    fn parts_break_at_headings_and_keep_line_numbers() {
        let section = |n: usize| format!("## Feature {n}\n{}\n", "word ".repeat(30));
        let doc: String = (0..6).map(section).collect();
        let chunks = split(&doc, 100);
        assert!(chunks.len() > 1, "{chunks:?}");
        for chunk in &chunks {
            assert!(chunk.text.starts_with("## Feature"), "{chunk:?}");
            assert!(estimate_tokens(&chunk.text) <= 100, "{chunk:?}");
            let first = doc.lines().nth(chunk.first_line - 1).unwrap_or_default();
            assert!(chunk.text.starts_with(first), "{chunk:?}");
        }
        let joined: Vec<String> = chunks.iter().map(|c| c.text.clone()).collect();
        assert_eq!(joined.join("\n"), doc.trim_end_matches('\n'), "no text is lost or repeated");
    }

    #[test]
    fn headings_inside_code_fences_do_not_split() {
        let doc = "## A\n```\n# not a heading\n```\n## B\n";
        let sections = sections(&doc.lines().collect::<Vec<_>>());
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[1].0, 5);
    }

    #[test]
    fn oversized_sections_and_lines_are_cut_within_the_budget() {
        let long_line = "é".repeat(1000);
        let doc = format!("## A\n{long_line}\n\n{}\n", "para ".repeat(100));
        let chunks = split(&doc, 50);
        for chunk in &chunks {
            assert!(chunk.text.chars().count() <= 50 * CHARS_PER_TOKEN, "{}", chunk.text.len());
        }
        let total: usize = chunks.iter().map(|c| c.text.matches('é').count()).sum();
        assert_eq!(total, 1000);
    }
}
