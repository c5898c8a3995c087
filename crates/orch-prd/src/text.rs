//! Small text recognisers applied to text already extracted from the Markdown tree:
//! priorities, `Label: value` pairs, user stories, Given/When/Then, slugs and title cleanup.

use std::sync::LazyLock;

use regex::Regex;

/// A recognised priority: the 0..=4 value (4 = highest) and the label as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Priority {
    pub value: u8,
    pub label: String,
}

/// The priority used when a PRD states none.
pub(crate) const DEFAULT_PRIORITY: u8 = 2;

/// Maps a priority phrase onto 0..=4. Documented in `docs/prd-format.md`.
pub(crate) fn parse_priority(raw: &str) -> Option<Priority> {
    let label = raw.trim().trim_matches(|c: char| "*_`[]()".contains(c)).trim();
    if label.is_empty() || label.chars().count() > 60 {
        return None;
    }
    let value = priority_value(label)?;
    Some(Priority { value, label: label.to_string() })
}

fn priority_value(label: &str) -> Option<u8> {
    let lower = label.to_lowercase().replace(['’', '‘', '`'], "'");
    // Keep only the leading phrase: "P0 (launch blocker)", "High - needed for beta".
    let head = lower.split(['(', '[', ',', ';', '/', '—', '–', ':', '.']).next().unwrap_or_default();
    let head = head.split(" - ").next().unwrap_or_default();
    let words: Vec<&str> = head
        .split_whitespace()
        .filter(|w| !matches!(*w, "priority" | "prio" | "have" | "level" | "priorität" | "priorité" | "prioridad"))
        .collect();
    let phrase = words.join(" ");
    let phrase = phrase.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
    let value = match phrase {
        "p0" | "p-0" | "0" | "critical" | "blocker" | "urgent" | "highest" | "showstopper" | "must" | "must-have"
        | "mandatory" | "kritisch" | "sehr hoch" | "dringend" | "critique" | "urgente" | "crítica" | "crítico"
        | "critica" => 4,
        "p1" | "p-1" | "1" | "high" | "important" | "major" | "should" | "should-have" | "hoch" | "haute"
        | "élevée" | "elevee" | "alta" | "alto" => 3,
        "p2" | "p-2" | "2" | "medium" | "normal" | "moderate" | "mid" | "med" | "could" | "could-have" | "mittel"
        | "moyenne" | "media" | "medio" | "normale" => 2,
        "p3" | "p-3" | "3" | "low" | "minor" | "nice to" | "nice-to-have" | "nice" | "optional" | "niedrig"
        | "gering" | "basse" | "faible" | "baja" | "bajo" => 1,
        "p4" | "p-4" | "4" | "p5" | "lowest" | "trivial" | "won't" | "wont" | "will not" | "won't-have"
        | "wont-have" => 0,
        _ => return None,
    };
    Some(value)
}

/// True when a priority label is MoSCoW "Won't have": reported, never turned into a task.
pub(crate) fn is_wont_have(label: &str) -> bool {
    let lower = label.to_lowercase().replace(['’', '‘'], "'");
    let lower = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    lower.starts_with("won't") || lower.starts_with("wont") || lower.starts_with("will not")
}

/// Labels of `Label: value` attributes understood inside features and requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    Priority,
    Description,
    AcceptanceCriteria,
    UserStories,
    Dependencies,
    Requirements,
    Tags,
    Notes,
}

/// Classifies a label (the text before a colon, or a sub-heading title).
pub(crate) fn classify_label(label: &str) -> Option<Label> {
    let norm = normalise(label);
    let norm = norm.as_str();
    Some(match norm {
        "priority" | "prio" | "importance" | "moscow" | "moscow priority" | "severity" | "priorität" | "priorité"
        | "prioridad" => Label::Priority,
        "description" | "summary" | "details" | "detail" | "overview" | "what" | "goal" | "purpose" | "problem"
        | "context" | "rationale" | "why" | "beschreibung" | "descripción" | "descripcion" => Label::Description,
        "acceptance criteria"
        | "acceptance criterion"
        | "acceptance"
        | "criteria"
        | "ac"
        | "acs"
        | "definition of done"
        | "done when"
        | "success criteria"
        | "acceptance tests"
        | "test cases"
        | "scenarios"
        | "akzeptanzkriterien"
        | "abnahmekriterien"
        | "critères d'acceptation"
        | "criteres d'acceptation"
        | "critères d'acceptance"
        | "criterios de aceptación"
        | "criterios de aceptacion" => Label::AcceptanceCriteria,
        "user story" | "user stories" | "story" | "stories" | "historia de usuario" | "histoire utilisateur" => {
            Label::UserStories
        }
        "depends on" | "dependencies" | "dependency" | "depends" | "prerequisites" | "prerequisite" | "requires"
        | "blocked by" | "after" | "dependent on" | "needs" | "abhängig von" | "abhängigkeiten" | "voraussetzungen"
        | "dépend de" | "dépendances" | "depende de" | "dependencias" => Label::Dependencies,
        "requirements"
        | "requirement"
        | "functional requirements"
        | "sub-requirements"
        | "subrequirements"
        | "scope" => Label::Requirements,
        "tags" | "labels" | "tag" | "components" | "component" | "area" | "schlagwörter" | "étiquettes"
        | "etiquetas" => Label::Tags,
        "notes"
        | "note"
        | "technical notes"
        | "implementation notes"
        | "tech notes"
        | "open questions"
        | "risks"
        | "constraints"
        | "assumptions"
        | "owner"
        | "status"
        | "effort"
        | "estimate"
        | "target"
        | "release"
        | "milestone"
        | "design"
        | "ux"
        | "type"
        | "issue type"
        | "assignee"
        | "lead"
        | "reporter"
        | "project"
        | "points"
        | "story points"
        | "sprint"
        | "due date"
        | "target date"
        | "created"
        | "updated" => Label::Notes,
        _ => return None,
    })
}

/// Splits `Label: value` text. The label must be short (at most five words).
pub(crate) fn split_label(text: &str) -> Option<(&str, &str)> {
    let (label, value) = text.split_once(':')?;
    let label = label.trim().trim_matches(|c: char| "*_`".contains(c)).trim();
    if label.is_empty() || label.split_whitespace().count() > 5 || value.starts_with("//") {
        return None;
    }
    Some((label, value.trim().trim_start_matches(['*', '_']).trim()))
}

/// Lowercases, unifies apostrophes and keeps letters, digits and single spaces.
pub(crate) fn normalise(s: &str) -> String {
    let lower = s.to_lowercase().replace(['’', '‘'], "'");
    let kept: String =
        lower.chars().map(|c| if c.is_alphanumeric() || c == '\'' || c == '-' { c } else { ' ' }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A stable URL-style slug: lowercase alphanumerics joined by `-`, at most 60 bytes.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for word in s.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let extra = word.len() + usize::from(!out.is_empty());
        if out.len() + extra > 60 && !out.is_empty() {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out.push_str("item");
    }
    out
}

static STORY: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by tests
    Regex::new(
        r"(?is)\bas\s+(?:an?|the|a\s+logged[- ]in)?\s*(?P<role>[^,.;:]{1,80}?)\s*,?\s+I(?:\s+(?:want|need|would\s+like|wish|can|must\s+be\s+able|should\s+be\s+able|am\s+able|expect)|\s*['’]d\s+like)\s+(?:to\s+)?(?P<goal>.+?)(?:\s*,?\s+(?:so\s+that|so|in\s+order\s+to|because)\s+(?P<benefit>.+?))?\s*[.!]?\s*$",
    )
    .unwrap()
});

/// A user story recognised in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoryParts {
    pub role: String,
    pub goal: String,
    pub benefit: Option<String>,
    pub text: String,
}

/// Recognises "As a <role>, I want <goal> so that <benefit>" (and common variants).
pub(crate) fn parse_user_story(text: &str) -> Option<StoryParts> {
    let caps = STORY.captures(text)?;
    let whole = caps.get(0)?;
    let role = caps.name("role")?.as_str().trim().to_string();
    let goal = caps.name("goal")?.as_str().trim().to_string();
    let benefit = caps
        .name("benefit")
        .map(|m| m.as_str().trim().trim_end_matches(['.', '!']).to_string())
        .filter(|b| !b.is_empty());
    if role.is_empty() || goal.is_empty() {
        return None;
    }
    Some(StoryParts {
        role,
        goal: goal.trim_end_matches(['.', '!', ',']).to_string(),
        benefit,
        text: text[whole.start()..].trim().to_string(),
    })
}

/// Keyword opening a Gherkin step, if any.
pub(crate) fn gherkin_step(text: &str) -> Option<&'static str> {
    let first = text.split_whitespace().next()?.trim_matches(|c: char| !c.is_alphanumeric());
    match first.to_lowercase().as_str() {
        "given" => Some("given"),
        "when" => Some("when"),
        "then" => Some("then"),
        "and" => Some("and"),
        "but" => Some("but"),
        _ => None,
    }
}

/// True for one-line Given/When/Then text ("Given x, when y, then z").
pub(crate) fn is_given_when_then(text: &str) -> bool {
    let lower = text.to_lowercase();
    gherkin_step(text) == Some("given") && lower.contains(" then ")
        || (gherkin_step(text) == Some("when") && lower.contains(" then "))
}

/// Joins Gherkin steps into one criterion: "Given a, when b, then c".
pub(crate) fn join_steps(steps: &[String]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        let step = step.trim().trim_end_matches([',', '.', ';']);
        if i == 0 {
            out.push_str(step);
        } else {
            out.push_str(", ");
            let mut chars = step.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_lowercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// Parses Gherkin text (a `gherkin` code block) into one criterion per scenario.
pub(crate) fn gherkin_scenarios(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut name: Option<String> = None;
    let mut steps: Vec<String> = Vec::new();
    let flush = |name: &mut Option<String>, steps: &mut Vec<String>, out: &mut Vec<String>| {
        if !steps.is_empty() {
            let joined = join_steps(steps);
            out.push(match name.take() {
                Some(n) if !n.is_empty() => format!("{n}: {joined}"),
                _ => joined,
            });
        }
        steps.clear();
        *name = None;
    };
    // Background steps are the context of every scenario, not a criterion of their own.
    let mut in_background = false;
    for line in code.lines().map(str::trim) {
        let lower = line.to_lowercase();
        if lower.starts_with("scenario") || lower.starts_with("example:") {
            flush(&mut name, &mut steps, &mut out);
            in_background = false;
            name = line.split_once(':').map(|(_, n)| n.trim().to_string());
        } else if lower.starts_with("background") {
            flush(&mut name, &mut steps, &mut out);
            in_background = true;
        } else if gherkin_step(line).is_some() && !in_background {
            steps.push(line.to_string());
        }
    }
    flush(&mut name, &mut steps, &mut out);
    out
}

static ID_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by tests
    Regex::new(
        r"^(?:(?P<id2>(?:[A-Z]{1,6}-?)?\d+(?:\.\d+)*)\s*(?:[:.)]|\s[-–—])\s*|(?P<id1>[A-Z]{1,6}-\d+(?:\.\d+)*)\s+)(?P<rest>[^\d\s].*)$",
    )
    .unwrap()
});

/// Splits a leading identifier ("FR-1:", "REQ-002 -", "US 3.", "1.2") from a title.
pub(crate) fn split_id(text: &str) -> (Option<String>, &str) {
    match ID_PREFIX.captures(text) {
        Some(caps) => {
            let id = caps.name("id2").or_else(|| caps.name("id1")).map(|m| m.as_str().trim().to_string());
            let rest = caps.name("rest").map_or(text, |m| m.as_str());
            (id, rest)
        }
        None => (None, text),
    }
}

static INLINE_PRIORITY: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by tests
    Regex::new(r"(?i)\s*(?:[\(\[]\s*(?P<a>[^\)\]]{1,30})\s*[\)\]]|\s[-–—|:]\s*(?P<b>[^-–—|:]{1,30}))\s*$").unwrap()
});

/// Splits a trailing priority tag from a heading: "Login (P0)", "Search [High]", "Export — Should have".
pub(crate) fn split_inline_priority(title: &str) -> (String, Option<Priority>) {
    if let Some(caps) = INLINE_PRIORITY.captures(title)
        && let Some(tag) = caps.name("a").or_else(|| caps.name("b"))
        && let Some(p) = parse_priority(tag.as_str())
        && let Some(whole) = caps.get(0)
    {
        let rest = title[..whole.start()].trim().to_string();
        if !rest.is_empty() {
            return (rest, Some(p));
        }
    }
    (title.to_string(), None)
}

/// Removes numbering, "Feature:"-style prefixes and decoration from a heading; reports
/// whether an explicit feature/epic prefix was present.
pub(crate) fn clean_title(raw: &str) -> (String, bool) {
    let mut title =
        raw.trim().trim_start_matches(|c: char| !c.is_alphanumeric() && !"([".contains(c)).trim().to_string();
    let mut explicit = false;
    for prefix in ["feature", "epic", "capability"] {
        let lower = title.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix(prefix) {
            // "Feature: X", "Feature 3: X", "Feature - X"
            let rest_trim = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '#');
            if let Some(after) = rest_trim
                .strip_prefix(':')
                .or_else(|| rest_trim.strip_prefix('-'))
                .or_else(|| rest_trim.strip_prefix('—'))
                .or_else(|| rest_trim.strip_prefix('–'))
            {
                let cut = title.len() - after.len();
                title = title[cut..].trim().to_string();
                explicit = true;
                break;
            }
        }
    }
    let (_, rest) = split_numbering(&title);
    (rest.trim().to_string(), explicit)
}

/// Strips outline numbering like "1.", "2.3", "IV." from the start of a heading.
pub(crate) fn split_numbering(title: &str) -> (Option<&str>, &str) {
    let trimmed = title.trim_start();
    let end = trimmed
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ')'))
        .map_or(trimmed.len(), |(i, _)| i);
    if end > 0 && trimmed[end..].starts_with(' ') && trimmed[..end].chars().any(|c| c.is_ascii_digit()) {
        return (Some(&trimmed[..end]), trimmed[end..].trim_start());
    }
    (None, trimmed)
}

/// Shortens `text` to at most `max` characters at a word boundary, adding "…".
pub(crate) fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max).collect();
    }
    out.push('…');
    out
}

/// Upper-cases the first character.
pub(crate) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Phrases that introduce a dependency inside free text (normalised words). Verbs come in
/// singular and plural ("depends on" / "depend on") and in German, French and Spanish.
pub(crate) const DEPENDENCY_TRIGGERS: &[&str] = &[
    "depends on",
    "depend on",
    "depends upon",
    "depend upon",
    "dependent on",
    "blocked by",
    "builds on",
    "build on",
    "built on",
    "builds upon",
    "relies on",
    "rely on",
    "requires",
    "require",
    "needs",
    "need",
    "waits for",
    "after",
    "abhängig von",
    "hängt ab von",
    "setzt voraus",
    "dépend de",
    "dépendent de",
    "nécessite",
    "depende de",
    "dependen de",
    "requiere",
];

/// Splits prose into sentences at `.`, `!` or `?` followed by a space and an upper-case
/// letter, digit, quote or markup character; abbreviations like "e.g." stay inside.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for w in 0..chars.len() {
        let (i, c) = chars[w];
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let Some(&(_, next)) = chars.get(w + 1) else { continue };
        if next != ' ' {
            continue;
        }
        let Some(&(_, after)) = chars.get(w + 2) else { continue };
        if !(after.is_uppercase() || after.is_ascii_digit() || "\"“'`*_(¿¡#".contains(after)) {
            continue;
        }
        // "e.g. X", "i.e. X", "vs. X": a one- or two-letter word before the dot is an abbreviation.
        let word_start = text[..i].rfind(|ch: char| ch.is_whitespace()).map_or(0, |p| p + 1);
        let word = &text[word_start..i];
        if word.contains('.') || matches!(word.to_lowercase().as_str(), "vs" | "etc" | "approx" | "no" | "ca" | "z.b") {
            continue;
        }
        let end = i + c.len_utf8();
        let sentence = text[start..end].trim();
        if !sentence.is_empty() {
            out.push(sentence);
        }
        start = end;
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// True for a normative statement: RFC 2119 keywords written in capitals (MUST, SHALL,
/// REQUIRED, SHOULD) or the specification verb "shall" in any case.
pub(crate) fn is_requirement_statement(text: &str) -> bool {
    let mut words = text.split(|c: char| !c.is_alphanumeric());
    words.any(|w| matches!(w, "MUST" | "SHALL" | "REQUIRED" | "SHOULD" | "shall" | "Shall" | "muss" | "doit" | "debe"))
}

/// The criterion in a "done when …" sentence ("It is done when X", "Done when X").
pub(crate) fn done_when(sentence: &str) -> Option<&str> {
    let lower = sentence.to_lowercase();
    let pos = lower.find("done when ")?;
    let prefix = lower[..pos].trim();
    if !(prefix.is_empty() || matches!(prefix, "it is" | "it's" | "this is" | "we are" | "we're")) {
        return None;
    }
    let rest = sentence.get(pos + "done when ".len()..)?.trim();
    (!rest.is_empty()).then_some(rest)
}

/// Splits an inline metadata line ("Type: Story · Priority: Urgent · Estimate: 5") into its
/// `Label: value` pairs; `None` unless every part is one and at least two are.
pub(crate) fn metadata_pairs(text: &str) -> Option<Vec<(&str, &str)>> {
    let parts: Vec<&str> = text.split(['·', '|', '•']).map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.len() < 2 {
        return None;
    }
    parts.iter().map(|p| split_label(p)).collect()
}

/// A feature written as a Gherkin `Feature:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GherkinFeature {
    pub title: String,
    /// `@tags` written before `Feature:`, without the `@`.
    pub tags: Vec<String>,
    /// Free-text lines between `Feature:` and the first `Background`/`Scenario`.
    pub narrative: Vec<String>,
    /// One criterion per scenario (Background steps are context, not criteria).
    pub scenarios: Vec<String>,
    /// Line offset of `Feature:` inside the block (0-based).
    pub offset: usize,
}

/// Reads every `Feature:` of a Gherkin text with its tags, narrative and scenarios.
pub(crate) fn gherkin_features(code: &str) -> Vec<GherkinFeature> {
    let lines: Vec<&str> = code.lines().collect();
    let starts: Vec<usize> =
        (0..lines.len()).filter(|&n| lines[n].trim().to_lowercase().starts_with("feature:")).collect();
    let mut out = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        // Tags sit on the lines just above `Feature:`.
        let mut tags = Vec::new();
        let mut t = start;
        while t > 0 && lines[t - 1].trim().starts_with('@') {
            t -= 1;
            tags.extend(lines[t].split_whitespace().map(|w| w.trim_start_matches('@').to_string()));
        }
        let title = lines[start].trim()["feature:".len()..].trim().to_string();
        let narrative = lines[start + 1..end]
            .iter()
            .map(|l| l.trim())
            .take_while(|l| {
                let lower = l.to_lowercase();
                !(lower.starts_with("background") || lower.starts_with("scenario") || lower.starts_with("example"))
            })
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('@'))
            .map(str::to_string)
            .collect();
        let scenarios = gherkin_scenarios(&lines[start + 1..end].join("\n"));
        out.push(GherkinFeature { title, tags, narrative, scenarios, offset: start });
    }
    out
}

static ISSUE_DEPS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by tests
    Regex::new(
        r"(?i)[\s,;]*\(?\b(?:depends\s+on|blocked\s+by|needs|requires|after|builds\s+on)\s+(#\d+(?:\s*(?:,|and|&)\s*#\d+)*)\)?",
    )
    .unwrap()
});

static ISSUE_ID: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by tests
    Regex::new(r"\s*\(?#(\d+)\)?(?:\s|$|[,;.])").unwrap()
});

/// Takes GitHub-style issue references out of a task-list item: "Define the trait #1219
/// (needs #1200)" -> ("Define the trait", Some("#1219"), ["#1200"]).
pub(crate) fn split_issue_refs(text: &str) -> (String, Option<String>, Vec<String>) {
    if !text.contains('#') {
        return (text.to_string(), None, Vec::new());
    }
    let mut deps = Vec::new();
    for cap in ISSUE_DEPS.captures_iter(text) {
        deps.extend(
            cap[1].split(|c: char| !(c.is_ascii_digit() || c == '#')).filter(|r| r.len() > 1).map(str::to_string),
        );
    }
    let rest = ISSUE_DEPS.replace_all(text, "").to_string();
    let id = ISSUE_ID.captures(&rest).map(|c| format!("#{}", &c[1]));
    let rest = if id.is_some() { ISSUE_ID.replace(&rest, " ").to_string() } else { rest };
    let rest = rest.trim().trim_end_matches([',', ';']).trim().to_string();
    if rest.is_empty() {
        return (text.to_string(), None, Vec::new());
    }
    (rest, id, deps)
}

/// Splits a dependency list ("A, B and C") into references.
pub(crate) fn split_references(value: &str) -> Vec<String> {
    value
        .split([',', ';'])
        .flat_map(|part| part.split(" and "))
        .flat_map(|part| part.split(" & "))
        .map(|s| s.trim().trim_matches(|c: char| "*_`\"'“”.".contains(c)).trim().to_string())
        .filter(|s| !s.is_empty() && !matches!(s.to_lowercase().as_str(), "none" | "n/a" | "-" | "—" | "tbd"))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn priority_words_map_onto_zero_to_four() {
        let cases = [
            ("Critical", 4),
            ("Blocker", 4),
            ("High", 3),
            ("high priority", 3),
            ("Medium", 2),
            ("Low", 1),
            ("Nice to have", 1),
            ("Lowest", 0),
        ];
        for (label, want) in cases {
            assert_eq!(parse_priority(label).map(|p| p.value), Some(want), "{label}");
        }
    }

    #[test]
    fn p_levels_map_onto_zero_to_four() {
        for (label, want) in [("P0", 4), ("p1", 3), ("P2", 2), ("P3", 1), ("P4", 0)] {
            assert_eq!(parse_priority(label).map(|p| p.value), Some(want), "{label}");
        }
        assert_eq!(parse_priority("P0 (launch blocker)").map(|p| p.value), Some(4));
        assert_eq!(parse_priority("**P1**").map(|p| p.label), Some("P1".into()));
    }

    #[test]
    fn moscow_maps_onto_zero_to_four() {
        for (label, want) in [
            ("Must have", 4),
            ("Must-have", 4),
            ("Should Have", 3),
            ("Could have", 2),
            ("Won't have", 0),
            ("Won’t", 0),
            ("Wont have (this time)", 0),
        ] {
            assert_eq!(parse_priority(label).map(|p| p.value), Some(want), "{label}");
        }
        assert!(is_wont_have("Won’t have"));
        assert!(!is_wont_have("Must have"));
    }

    #[test]
    fn unknown_priorities_are_none() {
        for label in ["", "soon", "High-availability cluster", "depends"] {
            assert_eq!(parse_priority(label), None, "{label}");
        }
    }

    #[test]
    fn user_story_forms() {
        let s =
            parse_user_story("As a registered user, I want to reset my password so that I can regain access.").unwrap();
        assert_eq!(s.role, "registered user");
        assert_eq!(s.goal, "reset my password");
        assert_eq!(s.benefit.as_deref(), Some("I can regain access"));

        let s = parse_user_story("As an admin I need to export reports").unwrap();
        assert_eq!(s.role, "admin");
        assert_eq!(s.goal, "export reports");
        assert_eq!(s.benefit, None);

        let s = parse_user_story("US-3: As a shopper, I'd like to save my cart, so I can buy later").unwrap();
        assert_eq!(s.role, "shopper");
        assert_eq!(s.goal, "save my cart");
        assert_eq!(s.benefit.as_deref(), Some("I can buy later"));
        assert!(s.text.starts_with("As a shopper"));

        let s = parse_user_story("As the product owner, I can see usage in order to plan the roadmap.").unwrap();
        assert_eq!(s.role, "product owner");
        assert_eq!(s.benefit.as_deref(), Some("plan the roadmap"));

        assert_eq!(parse_user_story("Use email as a login identifier."), None);
        assert_eq!(parse_user_story("Users can log in."), None);
    }

    #[test]
    fn given_when_then_forms() {
        assert!(is_given_when_then("Given a user, when they log in, then a token is issued"));
        assert!(is_given_when_then("GIVEN x WHEN y THEN z"));
        assert!(!is_given_when_then("Given enough time we will ship"));
        assert_eq!(
            join_steps(&["Given a user".into(), "When they log in".into(), "Then it works.".into()]),
            "Given a user, when they log in, then it works"
        );
        let scenarios = gherkin_scenarios(
            "Feature: Login\n  Scenario: ok\n    Given a user\n    When they log in\n    Then ok\n  Scenario: bad\n    Given a user\n    When the password is wrong\n    Then an error\n",
        );
        assert_eq!(
            scenarios,
            vec![
                "ok: Given a user, when they log in, then ok".to_string(),
                "bad: Given a user, when the password is wrong, then an error".to_string(),
            ]
        );
    }

    #[test]
    fn ids_titles_and_slugs() {
        assert_eq!(split_id("FR-1: Account creation"), (Some("FR-1".into()), "Account creation"));
        assert_eq!(split_id("REQ-002 - Export"), (Some("REQ-002".into()), "Export"));
        assert_eq!(split_id("Export data"), (None, "Export data"));
        assert_eq!(clean_title("Feature 2: Search"), ("Search".into(), true));
        assert_eq!(clean_title("3.1 Login"), ("Login".into(), false));
        assert_eq!(clean_title("🚀 Launch"), ("Launch".into(), false));
        assert_eq!(slug("User Login (v2)!"), "user-login-v2");
        assert_eq!(slug("!!!"), "item");
        assert!(slug(&"word ".repeat(40)).len() <= 60);
        let (title, p) = split_inline_priority("Login (P0)");
        assert_eq!((title.as_str(), p.map(|p| p.value)), ("Login", Some(4)));
        let (title, p) = split_inline_priority("Export — Should have");
        assert_eq!((title.as_str(), p.map(|p| p.value)), ("Export", Some(3)));
        let (title, p) = split_inline_priority("Import (CSV)");
        assert_eq!((title.as_str(), p), ("Import (CSV)", None));
    }

    #[test]
    fn labels_and_references() {
        assert_eq!(split_label("Priority: High"), Some(("Priority", "High")));
        assert_eq!(split_label("**Depends on:** Login"), Some(("Depends on", "Login")));
        assert_eq!(split_label("see https://x.y/z"), None);
        assert_eq!(classify_label("Acceptance Criteria"), Some(Label::AcceptanceCriteria));
        assert_eq!(classify_label("Depends on"), Some(Label::Dependencies));
        assert_eq!(split_references("Login, Search and `Export`."), vec!["Login", "Search", "Export"]);
        assert!(split_references("None").is_empty());
    }
}
