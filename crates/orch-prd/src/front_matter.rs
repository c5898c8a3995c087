//! YAML front matter: a `---` line at the very start of the document, closed by `---` or `...`.
//!
//! Only the start of the document counts (the Jekyll/Hugo convention). pulldown-cmark's own
//! metadata-block option also fires mid-document, where a `---` pair is far more likely to be
//! two thematic breaks around real content, so we split the block off ourselves.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

/// The document split into front matter and Markdown body.
pub(crate) struct Split<'a> {
    /// YAML text between the delimiters, if the document has front matter.
    pub yaml: Option<&'a str>,
    /// The Markdown after the front matter (or the whole document).
    pub body: &'a str,
    /// Line number (1-based) of the body's first line in the original document.
    pub body_first_line: usize,
}

/// Splits leading front matter off `content`.
pub(crate) fn split(content: &str) -> Split<'_> {
    let whole = Split { yaml: None, body: content, body_first_line: 1 };
    let mut lines = content.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return whole;
    };
    if first.trim_end() != "---" {
        return whole;
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (index, line) in lines.enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &content[yaml_start..offset];
            if yaml.trim().is_empty() {
                return whole;
            }
            return Split {
                yaml: Some(yaml),
                body: &content[offset + line.len()..],
                // first delimiter is line 1, yaml lines follow, the closing delimiter is line index + 2
                body_first_line: index + 3,
            };
        }
        offset += line.len();
    }
    whole
}

/// Parses front matter YAML into sorted JSON values; problems become warnings.
pub(crate) fn parse(yaml: &str, warnings: &mut Vec<String>) -> BTreeMap<String, Json> {
    match serde_yaml_ng::from_str::<Yaml>(yaml) {
        Ok(Yaml::Mapping(map)) => map.into_iter().filter_map(|(k, v)| Some((key_string(&k)?, to_json(v)))).collect(),
        Ok(Yaml::Null) => BTreeMap::new(),
        Ok(_) => {
            warnings.push(
                "front matter ignored: it is not a `key: value` mapping; write one `key: value` per line between the `---` lines"
                    .into(),
            );
            BTreeMap::new()
        }
        Err(err) => {
            warnings
                .push(format!("front matter ignored: it is not valid YAML ({err}); fix it or remove the `---` block"));
            BTreeMap::new()
        }
    }
}

fn key_string(key: &Yaml) -> Option<String> {
    match key {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Null => Some("null".into()),
        Yaml::Tagged(tagged) => key_string(&tagged.value),
        Yaml::Sequence(_) | Yaml::Mapping(_) => None,
    }
}

fn to_json(value: Yaml) -> Json {
    match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(Json::Null, Json::Number)
            }
        }
        Yaml::String(s) => Json::String(s),
        Yaml::Sequence(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            Json::Object(map.into_iter().filter_map(|(k, v)| Some((key_string(&k)?, to_json(v)))).collect())
        }
        Yaml::Tagged(tagged) => to_json(tagged.value),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn splits_and_parses_front_matter() {
        let doc = "---\ntitle: Billing\nversion: 2\ntags: [a, b]\nowner:\n  name: Ann\n---\n# Billing\n";
        let s = split(doc);
        assert_eq!(s.body, "# Billing\n");
        assert_eq!(s.body_first_line, 8);
        let mut w = Vec::new();
        let fm = parse(s.yaml.unwrap(), &mut w);
        assert!(w.is_empty());
        assert_eq!(fm["title"], Json::from("Billing"));
        assert_eq!(fm["version"], Json::from(2));
        assert_eq!(fm["tags"], serde_json::json!(["a", "b"]));
        assert_eq!(fm["owner"]["name"], Json::from("Ann"));
    }

    #[test]
    fn no_front_matter_without_closing_line_or_at_start() {
        assert!(split("---\ntitle: x\n# no close\n").yaml.is_none());
        assert!(split("# A\n---\nx: 1\n---\n").yaml.is_none());
        assert!(split("---\n---\n# A").yaml.is_none());
    }

    #[test]
    fn invalid_yaml_is_a_warning() {
        let mut w = Vec::new();
        let fm = parse("title: [unclosed\n", &mut w);
        assert!(fm.is_empty());
        assert_eq!(w.len(), 1);
        let fm = parse("- a\n- b\n", &mut w);
        assert!(fm.is_empty());
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn alias_bombs_are_refused_not_expanded() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let mut w = Vec::new();
        let fm = parse(&bomb, &mut w);
        assert!(fm.is_empty());
        assert_eq!(w.len(), 1, "{w:?}");
    }
}
