//! Accuracy on a labelled corpus of PRDs written in the styles teams use (tests/corpus/*.md,
//! labels in the matching .json). Prints per-style and per-category figures
//! (`cargo test -p orch-prd --test corpus -- --nocapture`) and fails under the targets
//! documented in docs/prd-format.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use orch_prd::{ParseOptions, ParsedPrd, TaskDraft, parse_prd};
use serde_json::Value;

/// Hits and totals of one measure.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    hit: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.hit += other.hit;
        self.total += other.total;
    }
    fn ratio(self) -> f64 {
        if self.total == 0 { 1.0 } else { self.hit as f64 / self.total as f64 }
    }
    fn cell(self) -> String {
        if self.total == 0 { "—".into() } else { format!("{}/{} {:.0}%", self.hit, self.total, self.ratio() * 100.0) }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Scores {
    recall: Tally,
    precision: Tally,
    criteria: Tally,
    stories: Tally,
    deps: Tally,
    dep_precision: Tally,
    priorities: Tally,
}

impl Scores {
    fn add(&mut self, o: &Scores) {
        self.recall.add(o.recall);
        self.precision.add(o.precision);
        self.criteria.add(o.criteria);
        self.stories.add(o.stories);
        self.deps.add(o.deps);
        self.dep_precision.add(o.dep_precision);
        self.priorities.add(o.priorities);
    }
}

/// Lowercase letters and digits only, so punctuation and spacing never decide a match.
fn norm(s: &str) -> String {
    s.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn task_matches(task: &TaskDraft, label: &Value) -> bool {
    let title = norm(&task.title);
    let mut names = vec![label["title"].as_str().unwrap().to_string()];
    names.extend(strings(label, "aliases"));
    names
        .iter()
        .map(|n| norm(n))
        .any(|n| title.contains(&n) || (n.contains(&title) && title.chars().count() * 10 >= n.chars().count() * 6))
}

fn score(parsed: &ParsedPrd, labels: &Value) -> (Scores, Vec<String>) {
    let expected = labels["features"].as_array().unwrap();
    let mut s = Scores::default();
    let mut notes = Vec::new();
    // Greedy one-to-one matching in document order.
    let mut task_of: Vec<Option<usize>> = vec![None; expected.len()];
    let mut used = vec![false; parsed.tasks.len()];
    for (e, label) in expected.iter().enumerate() {
        if let Some(t) = (0..parsed.tasks.len()).find(|&t| !used[t] && task_matches(&parsed.tasks[t], label)) {
            used[t] = true;
            task_of[e] = Some(t);
        }
    }
    s.recall = Tally { hit: task_of.iter().flatten().count(), total: expected.len() };
    s.precision = Tally { hit: used.iter().filter(|u| **u).count(), total: parsed.tasks.len() };
    for (t, u) in used.iter().enumerate() {
        if !*u {
            notes.push(format!("extra task '{}'", parsed.tasks[t].title));
        }
    }
    let title_of = |e: usize| expected[e]["title"].as_str().unwrap().to_string();
    for (e, label) in expected.iter().enumerate() {
        let task = task_of[e].map(|t| &parsed.tasks[t]);
        if task.is_none() {
            notes.push(format!("missed feature '{}'", title_of(e)));
        }
        for c in strings(label, "criteria") {
            let found = task.is_some_and(|t| t.acceptance_criteria.iter().any(|a| norm(a).contains(&norm(&c))));
            s.criteria.add(Tally { hit: usize::from(found), total: 1 });
            if !found && task.is_some() {
                notes.push(format!("'{}': criterion '{c}' missing", title_of(e)));
            }
        }
        for st in strings(label, "stories") {
            let found = task.is_some_and(|t| {
                parsed
                    .user_stories
                    .iter()
                    .any(|u| u.feature_key.as_deref() == Some(t.key.as_str()) && norm(&u.text).contains(&norm(&st)))
            });
            s.stories.add(Tally { hit: usize::from(found), total: 1 });
            if !found && task.is_some() {
                notes.push(format!("'{}': story '{st}' missing", title_of(e)));
            }
        }
        let mut wanted_keys = Vec::new();
        for d in strings(label, "depends_on") {
            let target = expected.iter().position(|l| l["title"].as_str() == Some(d.as_str())).expect("label dep");
            let key = task_of[target].map(|t| parsed.tasks[t].key.clone());
            let found = task.is_some_and(|t| key.as_ref().is_some_and(|k| t.depends_on.contains(k)));
            if let Some(k) = key {
                wanted_keys.push(k);
            }
            s.deps.add(Tally { hit: usize::from(found), total: 1 });
            if !found && task.is_some() {
                notes.push(format!("'{}': dependency on '{d}' missing", title_of(e)));
            }
        }
        if let Some(t) = task {
            for k in &t.depends_on {
                let ok = wanted_keys.contains(k);
                s.dep_precision.add(Tally { hit: usize::from(ok), total: 1 });
                if !ok {
                    notes.push(format!("'{}': unexpected dependency on '{k}'", title_of(e)));
                }
            }
        }
        if let Some(p) = label.get("priority").and_then(Value::as_u64) {
            let got = task.map(|t| u64::from(t.priority));
            let ok = got == Some(p);
            s.priorities.add(Tally { hit: usize::from(ok), total: 1 });
            if !ok && task.is_some() {
                notes.push(format!("'{}': priority {got:?}, expected {p}", title_of(e)));
            }
        }
    }
    (s, notes)
}

#[test]
fn corpus_accuracy_meets_the_targets() {
    let dir = format!("{}/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    assert!(names.len() >= 12, "the corpus has at least 12 documents");
    let mut total = Scores::default();
    let mut rows = BTreeMap::new();
    for name in &names {
        let content = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let labels: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{}", name.replace(".md", ".json"))).unwrap())
                .unwrap();
        let parsed = parse_prd(&content, &ParseOptions::default()).unwrap();
        let (s, notes) = score(&parsed, &labels);
        total.add(&s);
        rows.insert(name.clone(), (labels["style"].as_str().unwrap().to_string(), s, notes));
    }
    println!(
        "| Style | Features recall | Features precision | Criteria | Stories | Dependencies | Dependency precision | Priorities |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (style, s, _) in rows.values() {
        println!(
            "| {style} | {} | {} | {} | {} | {} | {} | {} |",
            s.recall.cell(),
            s.precision.cell(),
            s.criteria.cell(),
            s.stories.cell(),
            s.deps.cell(),
            s.dep_precision.cell(),
            s.priorities.cell()
        );
    }
    println!(
        "| **All {} documents** | {} | {} | {} | {} | {} | {} | {} |",
        names.len(),
        total.recall.cell(),
        total.precision.cell(),
        total.criteria.cell(),
        total.stories.cell(),
        total.deps.cell(),
        total.dep_precision.cell(),
        total.priorities.cell()
    );
    for (name, (_, _, notes)) in &rows {
        for n in notes {
            println!("{name}: {n}");
        }
    }
    let targets = [
        ("feature recall", total.recall, 0.9),
        ("feature precision", total.precision, 0.9),
        ("criteria", total.criteria, 0.8),
        ("stories", total.stories, 0.8),
        ("dependencies", total.deps, 0.8),
        ("dependency precision", total.dep_precision, 0.8),
        ("priorities", total.priorities, 0.8),
    ];
    let failed: Vec<String> = targets
        .iter()
        .filter(|(_, t, min)| t.ratio() < *min)
        .map(|(what, t, min)| format!("{what} {:.1}% < {:.0}%", t.ratio() * 100.0, min * 100.0))
        .collect();
    assert!(failed.is_empty(), "corpus below target: {}", failed.join(", "));
}
