//! Text renderings of the dependency graph. Arrows point from a prerequisite to the task that depends on it, i.e. in
//! the order work flows.

use std::fmt::Write;

use orch_core::{GraphData, Status};

/// `s` as Mermaid label text that renders as written. Mermaid turns `#name;` into the HTML entity `&name;` and
/// renders labels as HTML, so `#` itself, `&`, `<`, `>` and the quote are written as Mermaid entity codes (`#` first,
/// so the codes it writes are not escaped again).
fn mermaid_label(s: &str) -> String {
    s.replace('#', "#35;")
        .replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace(['\n', '\r'], " ")
}

/// A Mermaid flowchart, nodes styled by status.
pub fn mermaid(g: &GraphData) -> String {
    let mut out = String::from("flowchart TD\n");
    for t in &g.tasks {
        let _ = writeln!(out, "    t{}[\"#{} {}\"]:::{}", t.id, t.id, mermaid_label(&t.title), t.status.as_str());
    }
    for (task, prerequisite) in &g.edges {
        let _ = writeln!(out, "    t{prerequisite} --> t{task}");
    }
    for status in Status::ALL {
        let (fill, stroke) = colours(status);
        let _ = writeln!(out, "    classDef {} fill:{fill},stroke:{stroke};", status.as_str());
    }
    out
}

fn colours(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Pending => ("#f1f3f5", "#868e96"),
        Status::InProgress => ("#fff3bf", "#f59f00"),
        Status::Blocked => ("#ffc9c9", "#e03131"),
        Status::Completed => ("#d3f9d8", "#2f9e44"),
    }
}

fn dot_label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace(['\n', '\r'], " ")
}

/// A Graphviz digraph, nodes filled by status.
pub fn dot(g: &GraphData) -> String {
    let mut out = String::from("digraph tasks {\n    rankdir=LR;\n    node [shape=box, style=\"rounded,filled\"];\n");
    for t in &g.tasks {
        let (fill, stroke) = colours(t.status);
        let _ = writeln!(
            out,
            "    t{} [label=\"#{} {}\\n({})\", fillcolor=\"{fill}\", color=\"{stroke}\"];",
            t.id,
            t.id,
            dot_label(&t.title),
            t.status
        );
    }
    for (task, prerequisite) in &g.edges {
        let _ = writeln!(out, "    t{prerequisite} -> t{task};");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out_of_their_quotes() {
        assert_eq!(mermaid_label("say \"hi\" <b>"), "say #quot;hi#quot; #lt;b#gt;");
        assert_eq!(dot_label("a\"b\\c"), "a\\\"b\\\\c");
    }

    /// What Mermaid shows for label text: its `#name;` / `#123;` codes become HTML entities (mermaidAPI's
    /// encodeEntities/decodeEntities), then the browser decodes the HTML.
    fn as_mermaid_shows(label: &str) -> String {
        let re = regex::Regex::new(r"#(\w+);").unwrap_or_else(|e| panic!("{e}"));
        let html = re.replace_all(label, |c: &regex::Captures| {
            let inner = &c[1];
            if inner.chars().all(|ch| ch.is_ascii_digit()) { format!("&#{inner};") } else { format!("&{inner};") }
        });
        let entity = regex::Regex::new(r"&(#\d+|[a-z]+);").unwrap_or_else(|e| panic!("{e}"));
        entity
            .replace_all(&html, |c: &regex::Captures| match &c[1] {
                "amp" => "&".to_string(),
                "lt" => "<".to_string(),
                "gt" => ">".to_string(),
                "quot" => "\"".to_string(),
                code => code
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<u32>().ok())
                    .and_then(char::from_u32)
                    .map_or_else(|| c[0].to_string(), String::from),
            })
            .into_owned()
    }

    #[test]
    fn mermaid_labels_render_as_written() {
        for title in ["Close issue #42; before release", "Tom &amp; Jerry", "Use <b> tags", "#1 & #2; \"q\" <i>"] {
            let label = mermaid_label(title);
            assert_eq!(as_mermaid_shows(&label), title, "label {label:?}");
            assert!(!label.contains('"') && !label.contains('<'), "{label:?} stays inside its quotes");
        }
    }
}
