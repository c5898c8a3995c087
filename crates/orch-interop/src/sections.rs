//! Extra text fields of other tools (test strategy, design, acceptance criteria, notes) kept in `details` as
//! trailing Markdown sections, so an export can give each back to its field.

/// `body` followed by one `## heading` section per non-empty field, in order.
pub(crate) fn compose(body: Option<&str>, sections: &[(&str, Option<&str>)]) -> Option<String> {
    let mut out = body.map(str::trim).unwrap_or_default().to_string();
    for (heading, text) in sections {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { continue };
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&format!("## {heading}\n\n{text}"));
    }
    (!out.is_empty()).then_some(out)
}

/// Splits `details` written by [`compose`] back into the body and the sections named in `headings` (in that order).
/// A heading counts only at the start of the text or after a blank line, and only the known headings split.
pub(crate) fn split(details: Option<&str>, headings: &[&str]) -> (Option<String>, Vec<Option<String>>) {
    let mut fields: Vec<Option<String>> = vec![None; headings.len()];
    let Some(mut rest) = details.map(str::trim_end) else { return (None, fields) };
    // Peel sections off the end, last heading first, so text inside the body that merely mentions a heading stays.
    loop {
        let found = headings.iter().enumerate().filter(|(i, _)| fields[*i].is_none()).find_map(|(i, h)| {
            let marker = format!("## {h}\n\n");
            let at = rest.rfind(&marker)?;
            let starts_block = at == 0 || rest[..at].ends_with("\n\n");
            // Only the last section may be peeled: no other known heading may follow it.
            let tail = &rest[at + marker.len()..];
            let later = headings.iter().any(|o| tail.contains(&format!("\n\n## {o}\n\n")));
            (starts_block && !later).then(|| (i, at, tail.trim().to_string()))
        });
        let Some((i, at, text)) = found else { break };
        fields[i] = (!text.is_empty()).then_some(text);
        rest = rest[..at].trim_end();
    }
    let body = (!rest.trim().is_empty()).then(|| rest.trim().to_string());
    (body, fields)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sections_round_trip() {
        let d = compose(Some("Do it."), &[("Design", Some("Layers")), ("Notes", None), ("Acceptance", Some("Works"))]);
        assert_eq!(d.as_deref(), Some("Do it.\n\n## Design\n\nLayers\n\n## Acceptance\n\nWorks"));
        let (body, f) = split(d.as_deref(), &["Design", "Acceptance", "Notes"]);
        assert_eq!(body.as_deref(), Some("Do it."));
        assert_eq!(f, vec![Some("Layers".into()), Some("Works".into()), None]);
    }

    #[test]
    fn a_section_alone_and_a_mention_in_the_body() {
        let d = compose(None, &[("Test strategy", Some("Unit tests"))]);
        assert_eq!(d.as_deref(), Some("## Test strategy\n\nUnit tests"));
        assert_eq!(split(d.as_deref(), &["Test strategy"]), (None, vec![Some("Unit tests".into())]));
        let inline = "See the ## Test strategy\n\nlater";
        assert_eq!(split(Some(inline), &["Test strategy"]), (Some(inline.into()), vec![None]));
        assert_eq!(compose(Some("  "), &[("X", Some(" "))]), None);
    }
}
