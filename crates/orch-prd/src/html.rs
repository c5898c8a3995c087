//! Rewrites the HTML that Notion and Confluence exports put into Markdown, so the section tree
//! sees their structure: a toggle (`<details><summary>Title</summary> … </details>`) becomes a
//! heading one level below the enclosing one; `<aside>` callout and `<details>` tags vanish.
//! Every line keeps its line number, so source lines stay right.

/// Returns `body` with toggles turned into headings, or `None` when it has no toggles.
pub(crate) fn toggles_to_headings(body: &str) -> Option<String> {
    if !body.contains("<summary") {
        return None;
    }
    let mut out = String::with_capacity(body.len() + 64);
    let mut heading_level = 0usize;
    let mut depth = 0usize;
    let mut in_fence = false;
    for line in body.split_inclusive('\n') {
        let (content, newline) = match line.strip_suffix('\n') {
            Some(c) => (c, "\n"),
            None => (line, ""),
        };
        let trimmed = content.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        if let Some(level) = atx_level(trimmed) {
            heading_level = level;
            depth = 0;
            out.push_str(line);
            continue;
        }
        let mut rest = trimmed.to_string();
        let mut opened = 0usize;
        while let Some(r) = strip_tag(&rest, "details") {
            opened += 1;
            rest = r;
        }
        depth += opened;
        if let Some((title, after)) = summary(&rest) {
            let level = (heading_level + depth.max(1)).clamp(1, 6);
            out.push_str(&"#".repeat(level));
            out.push(' ');
            out.push_str(title.trim());
            out.push_str(newline);
            // Text after `</summary>` on the same line is lost rather than merged into the heading.
            let _ = after;
            continue;
        }
        let mut closed = 0usize;
        while let Some(r) = strip_closing(&rest, "details") {
            closed += 1;
            rest = r;
        }
        depth = depth.saturating_sub(closed);
        let rest = strip_tag(&rest, "aside").or_else(|| strip_closing(&rest, "aside")).unwrap_or(rest);
        if rest.trim() != trimmed || opened > 0 || closed > 0 {
            out.push_str(rest.trim());
            out.push_str(newline);
        } else {
            out.push_str(line);
        }
    }
    Some(out)
}

fn atx_level(line: &str) -> Option<usize> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    ((1..=6).contains(&hashes) && line[hashes..].starts_with(' ')).then_some(hashes)
}

/// Removes a leading `<tag>` or `<tag attr…>`.
fn strip_tag(s: &str, tag: &str) -> Option<String> {
    let lower = s.trim_start().to_ascii_lowercase();
    let open = format!("<{tag}");
    if !lower.starts_with(&open) {
        return None;
    }
    let after = &lower[open.len()..];
    if !(after.starts_with('>') || after.starts_with(' ')) {
        return None;
    }
    let end = lower.find('>')?;
    Some(s.trim_start()[end + 1..].trim_start().to_string())
}

/// Removes a leading or trailing `</tag>`.
fn strip_closing(s: &str, tag: &str) -> Option<String> {
    let close = format!("</{tag}>");
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with(&close) {
        return Some(t[close.len()..].trim().to_string());
    }
    if lower.ends_with(&close) {
        return Some(t[..t.len() - close.len()].trim().to_string());
    }
    None
}

/// `<summary>Title</summary>rest` -> (title without tags, rest).
fn summary(s: &str) -> Option<(String, String)> {
    let lower = s.to_ascii_lowercase();
    let start = lower.find("<summary")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = lower[open_end..].find("</summary>").map(|p| p + open_end)?;
    let title = strip_inline_tags(&s[open_end..close]);
    if title.trim().is_empty() {
        return None;
    }
    Some((title, s[close + "</summary>".len()..].to_string()))
}

fn strip_inline_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn toggles_become_headings_and_lines_are_kept() {
        let md = "# Scope\n\n<details>\n<summary>Invite <b>links</b></summary>\n\ntext\n\n</details>\n<aside>\nnote\n</aside>\n";
        let out = toggles_to_headings(md).unwrap();
        assert_eq!(out.lines().count(), md.lines().count());
        assert!(out.contains("\n## Invite links\n"), "{out}");
        assert!(!out.contains("details") && !out.contains("aside"), "{out}");
        assert_eq!(toggles_to_headings("# No toggles\n"), None);
    }

    #[test]
    fn nested_toggles_go_one_level_deeper_and_fences_are_left_alone() {
        let md = "## A\n<details><summary>Outer</summary>\n<details><summary>Inner</summary>\nx\n</details>\n</details>\n```\n<summary>code</summary>\n```\n";
        let out = toggles_to_headings(md).unwrap();
        assert!(out.contains("### Outer\n#### Inner\n"), "{out}");
        assert!(out.contains("<summary>code</summary>"), "{out}");
    }
}
