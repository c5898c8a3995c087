//! Folding a model's items into the offline parse. The offline result stays the base: an item the
//! model confirms gains what the model found beyond it (criteria, stories, a stated priority,
//! dependencies) and at least [`CONFIRMED_CONFIDENCE`]; an item only the model found is kept when
//! the document supports it; an item the document does not support is dropped. Offline items the
//! model missed are kept as they are.

use std::collections::{BTreeMap, BTreeSet};

use super::answer::ModelItem;
use super::support::{Document, Support, similar_titles};
use crate::text::{DEFAULT_PRIORITY, normalise, parse_user_story, slug};
use crate::{AcceptanceCriterion, CriterionKind, Feature, ParseOptions, ParsedPrd, SkippedItem, TaskDraft, UserStory};

/// Confidence of an item both the offline parser and the model found.
pub const CONFIRMED_CONFIDENCE: f64 = 0.9;
/// Confidence of an item only the model found, whose title is written in the document.
pub const MODEL_ONLY_CONFIDENCE: f64 = 0.8;
/// Confidence of a flagged item: the model paraphrased it, so it is below the default threshold.
pub const FLAGGED_CONFIDENCE: f64 = 0.5;

/// An item the cross-check flagged or dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedItem {
    /// The title the model gave.
    pub title: String,
    /// The key it was stored under (flagged items), or the key the model gave (dropped items).
    pub key: Option<String>,
    /// Why it was flagged or dropped.
    pub reason: String,
}

/// What the cross-check did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeOutcome {
    /// Keys of offline items the model also found.
    pub confirmed: Vec<String>,
    /// Keys of items only the model found, kept because the document names them.
    pub added: Vec<String>,
    /// Items only the model found whose title is not written in the document (kept, low confidence).
    pub flagged: Vec<CheckedItem>,
    /// Items the document does not support (not kept).
    pub dropped: Vec<CheckedItem>,
    /// Dependencies dropped, criteria and stories left out.
    pub warnings: Vec<String>,
}

/// A model item with the part it came from.
pub struct Sourced<'a> {
    /// The item.
    pub item: ModelItem,
    /// The text of the part the model read.
    pub context: &'a str,
    /// First line of that part.
    pub first_line: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Feature(usize),
    Requirement(usize),
}

/// Folds `items` into `parsed` (the offline result for `content` under `options`).
pub fn merge(
    parsed: &mut ParsedPrd,
    content: &str,
    items: Vec<Sourced<'_>>,
    options: &ParseOptions,
    provider: &str,
) -> MergeOutcome {
    let doc = Document::new(content);
    let mut out = MergeOutcome::default();
    let mut touched: BTreeSet<Target> = BTreeSet::new();
    let mut left_out = 0usize;
    let mut pending_deps: Vec<(Target, ModelItem)> = Vec::new();

    for Sourced { item, context, first_line } in items {
        let target = match find(parsed, &item) {
            Some(target) => {
                let key = key_of(parsed, target);
                let model_only = out.added.contains(&key) || out.flagged.iter().any(|f| f.key.as_ref() == Some(&key));
                if !model_only && !out.confirmed.contains(&key) {
                    out.confirmed.push(key);
                }
                target
            }
            None => {
                let (confidence, reason, line) = match doc.support(&item.title, context) {
                    Support::Verbatim(line) => (
                        MODEL_ONLY_CONFIDENCE,
                        format!(
                            "found by {provider}; its title is written in the document, the rule-based parser did not \
                             recognise it"
                        ),
                        line,
                    ),
                    Support::Partial { found, total } => (
                        FLAGGED_CONFIDENCE,
                        format!(
                            "found by {provider}, but its title is not written in the document ({found} of {total} \
                             words are): check it before relying on it"
                        ),
                        first_line,
                    ),
                    Support::Unsupported { found, total } => {
                        out.dropped.push(CheckedItem {
                            title: item.title.clone(),
                            key: item.key.clone(),
                            reason: format!(
                                "not in the document: {found} of {total} words of its title appear in the part {provider} \
                                 read, so it was treated as invented"
                            ),
                        });
                        continue;
                    }
                };
                let key = unique_key(parsed, &item.title);
                parsed.features.push(Feature {
                    key: key.clone(),
                    id: None,
                    title: item.title.clone(),
                    description: item.description.clone(),
                    priority: item.priority.as_ref().map_or(DEFAULT_PRIORITY, |p| p.value),
                    priority_label: item.priority.as_ref().map(|p| p.label.clone()),
                    acceptance_criteria: Vec::new(),
                    user_stories: Vec::new(),
                    depends_on: Vec::new(),
                    tags: Vec::new(),
                    confidence,
                    confidence_reason: reason.clone(),
                    source_line: line,
                });
                if confidence < MODEL_ONLY_CONFIDENCE {
                    out.flagged.push(CheckedItem { title: item.title.clone(), key: Some(key.clone()), reason });
                } else {
                    out.added.push(key);
                }
                Target::Feature(parsed.features.len() - 1)
            }
        };
        left_out += enrich(parsed, target, &item, &doc, options, provider);
        touched.insert(target);
        pending_deps.push((target, item));
    }
    if left_out > 0 {
        out.warnings.push(format!(
            "left out {left_out} acceptance criteria or user stories from {provider} whose words are not in the document"
        ));
    }
    let mut added_deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if options.analyze_dependencies {
        let mut graph = TaskGraph::new(parsed);
        for (target, item) in &pending_deps {
            let added = add_dependencies(parsed, *target, &item.dependencies, &mut graph, &mut out.warnings);
            added_deps.entry(key_of(parsed, *target)).or_default().extend(added);
        }
    }
    if options.generate_tasks {
        for target in touched {
            let key = key_of(parsed, target);
            refresh_draft(parsed, target, added_deps.get(&key).map_or(&[], Vec::as_slice), options, provider);
        }
        drop_undrafted_dependencies(parsed, &mut out.warnings);
    }
    let scores: Vec<f64> =
        parsed.features.iter().map(|f| f.confidence).chain(parsed.requirements.iter().map(|r| r.confidence)).collect();
    if !scores.is_empty() {
        parsed.confidence = (scores.iter().sum::<f64>() / scores.len() as f64 * 100.0).round() / 100.0;
    }
    out
}

/// The offline item the model means: by key (when the titles agree), by written id, or by title.
fn find(parsed: &ParsedPrd, item: &ModelItem) -> Option<Target> {
    let targets = all_targets(parsed);
    if let Some(key) = item.key.as_deref() {
        let by_key = targets.iter().copied().find(|&t| {
            let (k, id, title) = identity(parsed, t);
            (k == key || id.is_some_and(|id| id.eq_ignore_ascii_case(key))) && similar_titles(title, &item.title)
        });
        if by_key.is_some() {
            return by_key;
        }
    }
    let wanted = normalise(&item.title);
    targets.into_iter().find(|&t| normalise(identity(parsed, t).2) == wanted)
}

fn all_targets(parsed: &ParsedPrd) -> Vec<Target> {
    (0..parsed.features.len())
        .map(Target::Feature)
        .chain((0..parsed.requirements.len()).map(Target::Requirement))
        .collect()
}

/// (key, written id, title).
fn identity(parsed: &ParsedPrd, target: Target) -> (&str, Option<&str>, &str) {
    match target {
        Target::Feature(i) => {
            let f = &parsed.features[i];
            (&f.key, f.id.as_deref(), &f.title)
        }
        Target::Requirement(i) => {
            let r = &parsed.requirements[i];
            (&r.key, r.id.as_deref(), &r.title)
        }
    }
}

fn key_of(parsed: &ParsedPrd, target: Target) -> String {
    identity(parsed, target).0.to_owned()
}

fn unique_key(parsed: &ParsedPrd, title: &str) -> String {
    let taken: BTreeSet<&str> = all_targets(parsed).into_iter().map(|t| identity(parsed, t).0).collect();
    let base = slug(title);
    let mut key = base.clone();
    let mut n = 2;
    while taken.contains(key.as_str()) {
        key = format!("{base}-{n}");
        n += 1;
    }
    key
}

/// Adds the model's criteria, stories and stated priority the item lacks; returns how many
/// criteria and stories were left out for lack of support.
fn enrich(
    parsed: &mut ParsedPrd,
    target: Target,
    item: &ModelItem,
    doc: &Document,
    options: &ParseOptions,
    provider: &str,
) -> usize {
    let mut left_out = 0;
    let key = key_of(parsed, target);
    let (criteria, stories, priority, priority_label, confidence, reason, line) = match target {
        Target::Feature(i) => {
            let f = &mut parsed.features[i];
            (
                &mut f.acceptance_criteria,
                Some(&mut f.user_stories),
                &mut f.priority,
                &mut f.priority_label,
                &mut f.confidence,
                &mut f.confidence_reason,
                f.source_line,
            )
        }
        Target::Requirement(i) => {
            let r = &mut parsed.requirements[i];
            (
                &mut r.acceptance_criteria,
                None,
                &mut r.priority,
                &mut r.priority_label,
                &mut r.confidence,
                &mut r.confidence_reason,
                r.source_line,
            )
        }
    };
    if priority_label.is_none()
        && let Some(p) = &item.priority
    {
        *priority = p.value;
        *priority_label = Some(p.label.clone());
    }
    if *confidence < CONFIRMED_CONFIDENCE && !reason.starts_with("found by") {
        *confidence = CONFIRMED_CONFIDENCE;
        reason.push_str(&format!("; confirmed by {provider}"));
    }
    let mut new_criteria = Vec::new();
    if options.parse_acceptance_criteria {
        for c in &item.criteria {
            if !doc.backs(c) {
                left_out += 1;
            } else if !criteria.iter().any(|have| normalise(have) == normalise(c)) {
                criteria.push(c.clone());
                new_criteria.push(c.clone());
            }
        }
    }
    let mut new_stories = Vec::new();
    if options.extract_user_stories
        && let Some(stories) = stories
    {
        for s in &item.stories {
            if !doc.backs(s) {
                left_out += 1;
            } else if !stories.iter().any(|have| normalise(have) == normalise(s)) {
                stories.push(s.clone());
                new_stories.push(s.clone());
            }
        }
    }
    for text in new_criteria {
        parsed.acceptance_criteria.push(AcceptanceCriterion {
            text,
            kind: CriterionKind::Bullet,
            checked: None,
            feature_key: Some(key.clone()),
            source_line: line,
        });
    }
    for text in new_stories {
        if let Some(parts) = parse_user_story(&text) {
            parsed.user_stories.push(UserStory {
                role: parts.role,
                goal: parts.goal,
                benefit: parts.benefit,
                text,
                feature_key: Some(key.clone()),
                confidence: 0.85,
                source_line: line,
            });
        }
    }
    left_out
}

/// Every item's key by its key, written id and normalised title.
fn lookup(parsed: &ParsedPrd) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for t in all_targets(parsed) {
        let (key, id, title) = identity(parsed, t);
        map.entry(normalise(title)).or_insert_with(|| key.to_owned());
        if let Some(id) = id {
            map.entry(id.to_lowercase()).or_insert_with(|| key.to_owned());
        }
        map.insert(key.to_owned(), key.to_owned());
    }
    map
}

/// The dependency graph per task (a requirement inside a feature counts as the feature), over the
/// items' and the drafts' dependencies, kept up to date as the model's dependencies are added.
struct TaskGraph {
    units: BTreeMap<String, String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl TaskGraph {
    fn new(parsed: &ParsedPrd) -> Self {
        let units = parsed.requirements.iter().filter_map(|r| Some((r.key.clone(), r.feature_key.clone()?))).collect();
        let mut graph = Self { units, edges: BTreeMap::new() };
        for t in all_targets(parsed) {
            for dep in depends_on(parsed, t) {
                graph.add(identity(parsed, t).0, dep);
            }
        }
        for d in &parsed.tasks {
            for dep in &d.depends_on {
                graph.add(&d.key, dep);
            }
        }
        graph
    }

    fn unit(&self, key: &str) -> String {
        self.units.get(key).cloned().unwrap_or_else(|| key.to_owned())
    }

    fn add(&mut self, from: &str, to: &str) {
        let (from, to) = (self.unit(from), self.unit(to));
        self.edges.entry(from).or_default().insert(to);
    }

    /// True when the task of `from` reaches the task of `to`.
    fn reaches(&self, from: &str, to: &str) -> bool {
        let (from, to) = (self.unit(from), self.unit(to));
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.as_str()];
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            if seen.insert(node) {
                stack.extend(self.edges.get(node).into_iter().flatten().map(String::as_str));
            }
        }
        false
    }
}

/// Adds the model's dependencies of `target` that name a known item and close no cycle; returns the keys added.
fn add_dependencies(
    parsed: &mut ParsedPrd,
    target: Target,
    wanted: &[String],
    graph: &mut TaskGraph,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let lookup = lookup(parsed);
    let (own_key, _, title) = identity(parsed, target);
    let (own_key, title) = (own_key.to_owned(), title.to_owned());
    let mut added = Vec::new();
    for dep in wanted {
        let found = lookup
            .get(dep.trim())
            .or_else(|| lookup.get(&dep.trim().to_lowercase()))
            .or_else(|| lookup.get(&normalise(dep)));
        let Some(dep_key) = found.cloned() else {
            warnings.push(format!("dropped the dependency of '{title}' on '{dep}': no item has that key or title"));
            continue;
        };
        if graph.unit(&dep_key) == graph.unit(&own_key) || depends_on(parsed, target).contains(&dep_key) {
            continue;
        }
        if graph.reaches(&dep_key, &own_key) {
            warnings.push(format!(
                "dropped the dependency of '{own_key}' on '{dep_key}': '{dep_key}' already depends on '{own_key}', \
                 and a cycle cannot be scheduled"
            ));
            continue;
        }
        graph.add(&own_key, &dep_key);
        depends_on_mut(parsed, target).push(dep_key.clone());
        added.push(dep_key);
    }
    added
}

fn depends_on(parsed: &ParsedPrd, target: Target) -> &Vec<String> {
    match target {
        Target::Feature(i) => &parsed.features[i].depends_on,
        Target::Requirement(i) => &parsed.requirements[i].depends_on,
    }
}

fn depends_on_mut(parsed: &mut ParsedPrd, target: Target) -> &mut Vec<String> {
    match target {
        Target::Feature(i) => &mut parsed.features[i].depends_on,
        Target::Requirement(i) => &mut parsed.requirements[i].depends_on,
    }
}

/// Creates, updates or skips the item's task draft after the model's additions.
fn refresh_draft(
    parsed: &mut ParsedPrd,
    target: Target,
    added_deps: &[String],
    options: &ParseOptions,
    provider: &str,
) {
    let (key, title, description, priority, criteria, stories, depends_on, tags, confidence, reason, line, sub) =
        match target {
            Target::Feature(i) => {
                let f = &parsed.features[i];
                (
                    f.key.clone(),
                    f.title.clone(),
                    f.description.clone(),
                    f.priority,
                    f.acceptance_criteria.clone(),
                    f.user_stories.clone(),
                    f.depends_on.clone(),
                    f.tags.clone(),
                    f.confidence,
                    f.confidence_reason.clone(),
                    f.source_line,
                    false,
                )
            }
            Target::Requirement(i) => {
                let r = &parsed.requirements[i];
                (
                    r.key.clone(),
                    r.title.clone(),
                    r.description.clone(),
                    r.priority,
                    r.acceptance_criteria.clone(),
                    Vec::new(),
                    r.depends_on.clone(),
                    r.tags.clone(),
                    r.confidence,
                    r.confidence_reason.clone(),
                    r.source_line,
                    r.feature_key.is_some(),
                )
            }
        };
    // A requirement listed inside a feature is part of that feature's task.
    if sub {
        return;
    }
    let units: BTreeMap<String, String> =
        parsed.requirements.iter().filter_map(|r| Some((r.key.clone(), r.feature_key.clone()?))).collect();
    let mut task_deps: Vec<String> = Vec::new();
    for dep in depends_on.iter().map(|d| units.get(d).cloned().unwrap_or_else(|| d.clone())) {
        if dep != key && !task_deps.contains(&dep) {
            task_deps.push(dep);
        }
    }
    let depends_on = task_deps;
    if let Some(draft) = parsed.tasks.iter_mut().find(|d| d.key == key) {
        let added: Vec<String> = criteria.iter().filter(|c| !draft.acceptance_criteria.contains(c)).cloned().collect();
        if !added.is_empty() {
            let lines: String = added.iter().map(|c| format!("- [ ] {c}\n")).collect();
            draft.details = insert_before_source(
                &draft.details,
                &format!("**Acceptance criteria found by {provider}**\n\n{lines}\n"),
            );
            draft.acceptance_criteria.extend(added);
        }
        for dep in added_deps {
            let unit = units.get(dep).cloned().unwrap_or_else(|| dep.clone());
            if unit != key && !draft.depends_on.contains(&unit) {
                draft.depends_on.push(unit);
            }
        }
        draft.priority = priority;
        draft.confidence = confidence;
        return;
    }
    let skipped_at = parsed.skipped.iter().position(|s| s.key == key);
    // Skipped with a confidence above the threshold means out of scope (MoSCoW "Won't have").
    if skipped_at.is_some_and(|i| parsed.skipped[i].confidence >= options.confidence_threshold) {
        return;
    }
    if confidence < options.confidence_threshold {
        let entry = SkippedItem {
            key: key.clone(),
            title: title.clone(),
            item_type: match target {
                Target::Feature(_) => "feature".into(),
                Target::Requirement(_) => "requirement".into(),
            },
            confidence,
            reason: format!(
                "confidence {confidence:.2} is below the threshold {:.2} ({reason})",
                options.confidence_threshold
            ),
            source_line: line,
        };
        match skipped_at {
            Some(i) => parsed.skipped[i] = entry,
            None => parsed.skipped.push(entry),
        }
        return;
    }
    if let Some(i) = skipped_at {
        parsed.skipped.remove(i);
    }
    let kind = match target {
        Target::Feature(_) => "feature",
        Target::Requirement(_) => "requirement",
    };
    let mut draft_tags = vec![kind.to_owned()];
    draft_tags.extend(tags.into_iter().filter(|t| t != kind));
    let summary = if description.is_empty() {
        stories.first().cloned().unwrap_or_else(|| title.clone())
    } else {
        description.clone()
    };
    parsed.tasks.push(TaskDraft {
        details: render_details(&description, &criteria, &stories, &depends_on, (line, &key, confidence, &reason)),
        key,
        title,
        description: summary,
        priority,
        tags: draft_tags,
        task_type: "implementation".into(),
        acceptance_criteria: criteria,
        depends_on,
        confidence,
        source_line: line,
    });
}

/// Inserts `section` before the closing "_From the PRD …_" line of offline details.
fn insert_before_source(details: &str, section: &str) -> String {
    match details.rfind("_From the PRD") {
        Some(at) => format!("{}{section}{}", &details[..at], &details[at..]),
        None => format!("{details}\n\n{section}"),
    }
}

/// Details in the offline parser's layout.
fn render_details(
    description: &str,
    criteria: &[String],
    stories: &[String],
    depends_on: &[String],
    (line, key, confidence, reason): (usize, &str, f64, &str),
) -> String {
    let mut md = String::new();
    if !description.is_empty() {
        md.push_str(description);
        md.push_str("\n\n");
    }
    let mut list = |title: &str, items: &[String], mark: &str| {
        if !items.is_empty() {
            md.push_str(&format!("**{title}**\n\n"));
            for item in items {
                md.push_str(&format!("- {mark}{item}\n"));
            }
            md.push('\n');
        }
    };
    list("Acceptance criteria", criteria, "[ ] ");
    list("User stories", stories, "");
    let deps: Vec<String> = depends_on.iter().map(|k| format!("`{k}`")).collect();
    list("Depends on", &deps, "");
    md.push_str(&format!("_From the PRD, line {line} (key `{key}`, confidence {confidence:.2}: {reason})._"));
    md
}

/// Draft dependencies the model added that point at items without a draft are left out, as the
/// offline parser does.
fn drop_undrafted_dependencies(parsed: &mut ParsedPrd, warnings: &mut Vec<String>) {
    let drafted: BTreeSet<String> = parsed.tasks.iter().map(|d| d.key.clone()).collect();
    for draft in &mut parsed.tasks {
        draft.depends_on.retain(|dep| {
            let keep = drafted.contains(dep);
            if !keep {
                warnings.push(format!(
                    "task '{}' would depend on '{dep}', which produced no task (see skipped); that dependency was left out",
                    draft.key
                ));
            }
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::parse_prd;

    const DOC: &str = "# Shop\n\n## Features\n### Cart\n- Priority: High\n- Description: Keep items\n\n\
                       ### Checkout\n- Priority: High\n- Description: Pay for the cart\n- Depends on: Cart\n";

    fn item(title: &str, deps: &[&str]) -> ModelItem {
        ModelItem {
            key: None,
            title: title.into(),
            description: String::new(),
            priority: None,
            criteria: Vec::new(),
            stories: Vec::new(),
            dependencies: deps.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    fn run(items: Vec<ModelItem>, options: &ParseOptions) -> (ParsedPrd, MergeOutcome) {
        let mut parsed = parse_prd(DOC, options).unwrap();
        let sourced = items.into_iter().map(|item| Sourced { item, context: DOC, first_line: 1 }).collect();
        let outcome = merge(&mut parsed, DOC, sourced, options, "test");
        (parsed, outcome)
    }

    #[test]
    fn a_dependency_closing_a_cycle_is_dropped() {
        let (parsed, outcome) = run(vec![item("Cart", &["Checkout"])], &ParseOptions::default());
        assert!(outcome.warnings.iter().any(|w| w.contains("a cycle cannot be scheduled")), "{outcome:?}");
        let cart = parsed.tasks.iter().find(|t| t.key == "cart").unwrap();
        assert!(cart.depends_on.is_empty());
    }

    #[test]
    fn flagged_items_become_tasks_only_under_a_lower_threshold() {
        let paraphrase = || vec![item("Cart items", &[])];
        let (parsed, outcome) = run(paraphrase(), &ParseOptions::default());
        assert_eq!(outcome.flagged.len(), 1, "{outcome:?}");
        assert!(parsed.tasks.iter().all(|t| t.title != "Cart items"));
        assert!(parsed.skipped.iter().any(|s| s.title == "Cart items"));
        let low = ParseOptions { confidence_threshold: 0.4, ..ParseOptions::default() };
        let (parsed, _) = run(paraphrase(), &low);
        let task = parsed.tasks.iter().find(|t| t.title == "Cart items").unwrap();
        assert_eq!(task.confidence, FLAGGED_CONFIDENCE);
        assert!(task.details.contains("not written in the document"), "{}", task.details);
    }

    #[test]
    fn switches_off_what_the_caller_did_not_ask_for() {
        let mut checkout = item("Checkout", &["Cart"]);
        checkout.criteria = vec!["Pay for the cart with a card".into()];
        let options = ParseOptions {
            generate_tasks: false,
            analyze_dependencies: false,
            parse_acceptance_criteria: false,
            ..ParseOptions::default()
        };
        let (parsed, outcome) = run(vec![checkout, item("Cart", &["Checkout"])], &options);
        assert!(parsed.tasks.is_empty());
        assert!(parsed.acceptance_criteria.is_empty());
        assert!(parsed.features.iter().all(|f| f.acceptance_criteria.is_empty()));
        assert!(outcome.warnings.is_empty(), "{outcome:?}");
        assert_eq!(outcome.confirmed, vec!["checkout", "cart"]);
    }
}
