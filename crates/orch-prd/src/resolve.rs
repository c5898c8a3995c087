//! Settles what the tree walk found: stable keys, dependencies (resolved, cycle-free),
//! confidence with its explanation, skipped items and task drafts.

use std::collections::{BTreeMap, BTreeSet};

use crate::extract::{Draft, Extraction, Kind, public_criterion, public_story};
use crate::text::{DEFAULT_PRIORITY, DEPENDENCY_TRIGGERS, is_wont_have, normalise, slug};
use crate::{CriterionKind, Feature, ParseOptions, ParsedPrd, Requirement, SkippedItem, TaskDraft};

/// Words skipped between a dependency trigger and the name it introduces.
const FILLER: &[&str] = &[
    "the",
    "a",
    "an",
    "feature",
    "requirement",
    "story",
    "successful",
    "completing",
    "completion",
    "of",
    "finishing",
    "implementing",
];

/// Words joining the names of a dependency list (commas are gone after normalising).
const LIST_JOINERS: &[&str] = &["and", "or", "und", "et", "y", "as", "well"];

/// Longest title (in words) matched inside free text or a longer reference.
const MAX_NAME_WORDS: usize = 8;

enum Resolution {
    Found(usize),
    Ambiguous(Vec<usize>),
    Missing,
}

/// Names (normalised titles, ids, keys, title slugs) -> items.
struct Resolver {
    names: BTreeMap<String, BTreeSet<usize>>,
}

impl Resolver {
    fn new(drafts: &[Draft], keys: &[String]) -> Self {
        let mut names: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for (i, d) in drafts.iter().enumerate() {
            if d.demoted {
                continue;
            }
            let mut add = |name: String| {
                if !name.is_empty() {
                    names.entry(name).or_default().insert(i);
                }
            };
            add(normalise(&d.title));
            add(slug(&d.title));
            add(keys[i].clone());
            if let Some(id) = &d.id {
                add(normalise(id));
            }
        }
        Self { names }
    }

    fn lookup(&self, name: &str) -> Option<&BTreeSet<usize>> {
        self.names.get(name)
    }

    /// Resolves a written reference ("User Login", "FR-2", "the login feature").
    fn resolve(&self, raw: &str) -> Resolution {
        let cleaned = strip_reference_noise(&normalise(raw));
        let exact = [cleaned.clone(), raw.trim().to_lowercase(), slug(&cleaned)];
        for name in &exact {
            if let Some(found) = self.lookup(name) {
                return one_or_ambiguous(found);
            }
        }
        let words: Vec<&str> = cleaned.split_whitespace().collect();
        for len in (1..=words.len().min(MAX_NAME_WORDS)).rev() {
            let mut found = BTreeSet::new();
            for gram in words.windows(len) {
                if let Some(hits) = self.lookup(&gram.join(" ")) {
                    found.extend(hits.iter().copied());
                }
            }
            if !found.is_empty() {
                return one_or_ambiguous(&found);
            }
        }
        Resolution::Missing
    }

    /// Names introduced by "depends on", "requires", "after" ... inside free text; only names
    /// that match an item count, so ordinary prose ("requires a valid email") adds nothing.
    fn scan_free_text(&self, text: &str) -> Vec<usize> {
        let norm = normalise(text);
        let words: Vec<&str> = norm.split_whitespace().collect();
        let mut out = Vec::new();
        for trigger in DEPENDENCY_TRIGGERS {
            let t: Vec<&str> = trigger.split(' ').collect();
            for start in 0..words.len() {
                if words.get(start..start + t.len()) != Some(&t[..]) {
                    continue;
                }
                // A list of names may follow: "depends on A, B and C" (names may contain "and").
                let mut p = start + t.len();
                loop {
                    while words.get(p).is_some_and(|w| FILLER.contains(w)) {
                        p += 1;
                    }
                    let mut matched = None;
                    for len in (1..=MAX_NAME_WORDS).rev() {
                        let Some(gram) = words.get(p..p + len) else {
                            continue;
                        };
                        if let Some(hits) = self.lookup(&gram.join(" "))
                            && hits.len() == 1
                            && let Some(&hit) = hits.first()
                        {
                            matched = Some((hit, len));
                            break;
                        }
                    }
                    let Some((hit, len)) = matched else { break };
                    if !out.contains(&hit) {
                        out.push(hit);
                    }
                    p += len;
                    if !words.get(p).is_some_and(|w| LIST_JOINERS.contains(w)) {
                        break;
                    }
                    p += 1;
                }
            }
        }
        out
    }
}

fn one_or_ambiguous(found: &BTreeSet<usize>) -> Resolution {
    match (found.len(), found.first()) {
        (1, Some(&only)) => Resolution::Found(only),
        _ => Resolution::Ambiguous(found.iter().copied().collect()),
    }
}

fn strip_reference_noise(s: &str) -> String {
    let mut words: Vec<&str> = s.split_whitespace().collect();
    while words.first().is_some_and(|w| FILLER.contains(w)) {
        words.remove(0);
    }
    for tail in [
        &["is", "done"][..],
        &["is", "complete"],
        &["is", "completed"],
        &["is", "finished"],
        &["is", "implemented"],
        &["being", "done"],
        &["feature"],
        &["requirement"],
        &["story"],
    ] {
        if words.len() > tail.len() && words.ends_with(tail) {
            words.truncate(words.len() - tail.len());
        }
    }
    words.join(" ")
}

/// Where a draft's task lives: sub-requirements are rendered into their feature's task.
fn unit_of(drafts: &[Draft], mut i: usize) -> usize {
    while drafts[i].is_sub_requirement() {
        match drafts[i].parent {
            Some(p) => i = p,
            None => break,
        }
    }
    i
}

/// Removes the back edges of a depth-first search that visits nodes and edges in document
/// order, which leaves a DAG in O(V + E) and always drops the same edges for the same input.
/// Returns the kept adjacency and, per dropped edge `from -> to`, the path `to -> … -> from`.
#[allow(clippy::type_complexity)]
fn drop_back_edges(adj: &[Vec<usize>]) -> (Vec<Vec<usize>>, Vec<(usize, usize, Vec<usize>)>) {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let n = adj.len();
    let mut kept: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut dropped = Vec::new();
    let mut state = vec![NEW; n];
    let mut position = vec![0usize; n];
    for root in 0..n {
        if state[root] != NEW {
            continue;
        }
        let mut path: Vec<usize> = vec![root];
        let mut next_edge: Vec<usize> = vec![0];
        state[root] = ON_PATH;
        position[root] = 0;
        while let (Some(&node), Some(edge)) = (path.last(), next_edge.last_mut()) {
            let Some(&to) = adj[node].get(*edge) else {
                state[node] = DONE;
                path.pop();
                next_edge.pop();
                continue;
            };
            *edge += 1;
            match state[to] {
                NEW => {
                    kept[node].push(to);
                    state[to] = ON_PATH;
                    position[to] = path.len();
                    path.push(to);
                    next_edge.push(0);
                }
                ON_PATH => dropped.push((node, to, path[position[to]..].to_vec())),
                _ => kept[node].push(to),
            }
        }
    }
    (kept, dropped)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Finishes the extraction into the public result.
pub(crate) fn finish(mut ex: Extraction, options: &ParseOptions) -> ParsedPrd {
    demote_story_features(&mut ex, options);
    let n = ex.drafts.len();
    let keys = assign_keys(&ex.drafts);
    let resolver = Resolver::new(&ex.drafts, &keys);

    // Criteria under an Acceptance Criteria sub-heading belong to the feature it names.
    for crit in &mut ex.crits {
        if crit.owner.is_none()
            && let Some(name) = crit.feature_ref.take()
        {
            match resolver.resolve(&name) {
                Resolution::Found(i) => crit.owner = Some(i),
                _ => ex.warnings.push(format!(
                    "line {}: acceptance criteria under '{name}' match no feature title; they are listed without a feature",
                    crit.line
                )),
            }
        }
    }

    let deps = if options.analyze_dependencies {
        let (deps, warnings) = dependencies(&ex, &keys, &resolver);
        ex.warnings.extend(warnings);
        deps
    } else {
        vec![Vec::new(); n]
    };

    // Index criteria, stories and sub-requirements by owner once (documents can be large).
    let mut crit_index: Vec<Vec<usize>> = vec![Vec::new(); n];
    if options.parse_acceptance_criteria {
        for (ci, c) in ex.crits.iter().enumerate() {
            if let Some(o) = c.owner {
                crit_index[o].push(ci);
            }
        }
    }
    let mut story_index: Vec<Vec<usize>> = vec![Vec::new(); n];
    if options.extract_user_stories {
        for (si, st) in ex.stories.iter().enumerate() {
            if let Some(o) = st.owner {
                story_index[o].push(si);
            }
        }
    }
    let crits_of = |i: usize| -> Vec<&crate::extract::Crit> { crit_index[i].iter().map(|&c| &ex.crits[c]).collect() };
    let stories_of =
        |i: usize| -> Vec<&crate::extract::Story> { story_index[i].iter().map(|&s| &ex.stories[s]).collect() };

    // Confidence: base by position + 0.05 per attribute, minus penalties for odd titles.
    let mut confidence = vec![0.0; n];
    let mut reasons = vec![String::new(); n];
    for (i, d) in ex.drafts.iter().enumerate() {
        if d.demoted {
            continue;
        }
        let (base, why) = d.origin.base();
        let mut score = base;
        let mut reason = format!("{why} (base {base:.2})");
        let bonus = |present: bool, what: &str, score: &mut f64, reason: &mut String| {
            if present {
                *score += 0.05;
                reason.push_str(&format!("; +0.05 {what}"));
            }
        };
        bonus(d.priority.is_some(), "explicit priority", &mut score, &mut reason);
        bonus(!d.description.is_empty(), "description", &mut score, &mut reason);
        bonus(!crits_of(i).is_empty(), "acceptance criteria", &mut score, &mut reason);
        bonus(!stories_of(i).is_empty(), "user story", &mut score, &mut reason);
        bonus(!d.dep_refs.is_empty() && options.analyze_dependencies, "stated dependencies", &mut score, &mut reason);
        let chars = d.title.chars().count();
        if chars > 100 {
            score -= 0.15;
            reason.push_str("; -0.15 title reads like a sentence (over 100 characters)");
        } else if chars < 3 {
            score -= 0.2;
            reason.push_str("; -0.20 title shorter than 3 characters");
        }
        confidence[i] = round2(score.clamp(0.0, 1.0));
        reasons[i] = reason;
    }

    let priority_of = |d: &Draft| {
        let p = d.priority.as_ref().or(d.inherited_priority.as_ref());
        (p.map_or(DEFAULT_PRIORITY, |p| p.value), p.map(|p| p.label.clone()))
    };
    let wont =
        |d: &Draft| d.priority.as_ref().or(d.inherited_priority.as_ref()).is_some_and(|p| is_wont_have(&p.label));
    let kept: Vec<bool> = ex
        .drafts
        .iter()
        .enumerate()
        .map(|(i, d)| !d.demoted && confidence[i] >= options.confidence_threshold && !wont(d))
        .collect();

    let mut features = Vec::new();
    let mut requirements = Vec::new();
    let mut skipped = Vec::new();
    for (i, d) in ex.drafts.iter().enumerate() {
        if d.demoted {
            continue;
        }
        let (priority, priority_label) = priority_of(d);
        let description = description_text(d);
        let acceptance_criteria: Vec<String> = crits_of(i).iter().map(|c| c.text.clone()).collect();
        let depends_on: Vec<String> = deps[i].iter().map(|&t| keys[t].clone()).collect();
        let mut tags = d.tags.clone();
        tags.sort();
        tags.dedup();
        match d.kind {
            Kind::Feature => features.push(Feature {
                key: keys[i].clone(),
                id: d.id.clone(),
                title: d.title.clone(),
                description,
                priority,
                priority_label: priority_label.clone(),
                acceptance_criteria,
                user_stories: stories_of(i).iter().map(|s| s.parts.text.clone()).collect(),
                depends_on,
                tags,
                confidence: confidence[i],
                confidence_reason: reasons[i].clone(),
                source_line: d.line,
            }),
            Kind::Requirement => requirements.push(Requirement {
                key: keys[i].clone(),
                id: d.id.clone(),
                title: d.title.clone(),
                description,
                priority,
                priority_label: priority_label.clone(),
                acceptance_criteria,
                depends_on,
                feature_key: d.parent.map(|p| keys[p].clone()),
                tags,
                confidence: confidence[i],
                confidence_reason: reasons[i].clone(),
                source_line: d.line,
            }),
        }
        if !kept[i] {
            let reason = if wont(d) {
                format!(
                    "priority '{}' (MoSCoW Won't have) marks it out of scope for this release; no task drafted",
                    priority_label.unwrap_or_default()
                )
            } else {
                format!(
                    "confidence {:.2} is below the threshold {:.2} ({}); to make it count, put it under a `## Features` or `## Requirements` heading or give it a priority, a description and acceptance criteria",
                    confidence[i], options.confidence_threshold, reasons[i]
                )
            };
            skipped.push(SkippedItem {
                key: keys[i].clone(),
                title: d.title.clone(),
                item_type: match d.kind {
                    Kind::Feature => "feature".into(),
                    Kind::Requirement => "requirement".into(),
                },
                confidence: confidence[i],
                reason,
                source_line: d.line,
            });
        }
    }

    let owner_key = |owner: Option<usize>| owner.filter(|&o| !ex.drafts[o].demoted).map(|o| keys[o].clone());
    let user_stories = if options.extract_user_stories {
        ex.stories.iter().map(|s| public_story(s, owner_key(s.owner))).collect()
    } else {
        Vec::new()
    };
    let acceptance_criteria = if options.parse_acceptance_criteria {
        ex.crits.iter().map(|c| public_criterion(c, owner_key(c.owner))).collect()
    } else {
        Vec::new()
    };

    let mut subs_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (s, d) in ex.drafts.iter().enumerate() {
        if d.is_sub_requirement() && !d.demoted {
            subs_of[unit_of(&ex.drafts, s)].push(s);
        }
    }
    let mut warnings = std::mem::take(&mut ex.warnings);
    let tasks = if options.generate_tasks {
        let mut tasks = Vec::new();
        for (i, d) in ex.drafts.iter().enumerate() {
            if !kept[i] || d.is_sub_requirement() {
                continue;
            }
            let subs: Vec<usize> = subs_of[i].iter().copied().filter(|&s| kept[s]).collect();
            let mut depends_on = Vec::new();
            for &from in std::iter::once(&i).chain(subs.iter()) {
                for &t in &deps[from] {
                    let unit = unit_of(&ex.drafts, t);
                    if unit == i {
                        continue;
                    }
                    if kept[unit] {
                        if !depends_on.contains(&keys[unit]) {
                            depends_on.push(keys[unit].clone());
                        }
                    } else {
                        warnings.push(format!(
                            "task '{}' would depend on '{}', which produced no task (see skipped); that dependency was left out",
                            keys[i], keys[unit]
                        ));
                    }
                }
            }
            let own_crits = crits_of(i);
            let mut acceptance: Vec<String> = own_crits.iter().map(|c| c.text.clone()).collect();
            for &s in &subs {
                acceptance.extend(crits_of(s).iter().map(|c| c.text.clone()));
            }
            let stories = stories_of(i);
            let description = if !d.description.is_empty() {
                description_text(d)
            } else if let Some(s) = stories.first() {
                s.parts.text.clone()
            } else {
                d.title.clone()
            };
            let details = render_details(
                &ex,
                &crit_index,
                &story_index,
                (i, &subs),
                &keys,
                &depends_on,
                (confidence[i], &reasons[i]),
            );
            let (priority, _) = priority_of(d);
            let mut tags = vec![match d.kind {
                Kind::Feature => "feature".to_string(),
                Kind::Requirement => "requirement".to_string(),
            }];
            for t in &d.tags {
                if !tags.contains(t) {
                    tags.push(t.clone());
                }
            }
            tasks.push(TaskDraft {
                key: keys[i].clone(),
                title: d.title.clone(),
                description,
                details,
                priority,
                task_type: task_type(&d.title, &d.tags).to_string(),
                tags,
                acceptance_criteria: acceptance,
                depends_on,
                confidence: confidence[i],
                source_line: d.line,
            });
        }
        tasks
    } else {
        Vec::new()
    };

    let scored: Vec<f64> = (0..n).filter(|&i| !ex.drafts[i].demoted).map(|i| confidence[i]).collect();
    let overall = if scored.is_empty() {
        warnings.push(
            "no features or requirements found: put each feature under a `## Features` heading as a `### <name>` heading or a `- ` bullet"
                .into(),
        );
        0.0
    } else {
        round2(scored.iter().sum::<f64>() / scored.len() as f64)
    };

    ParsedPrd {
        title: ex.title,
        front_matter: BTreeMap::new(),
        sections: ex.sections,
        features,
        requirements,
        user_stories,
        acceptance_criteria,
        tasks,
        skipped,
        confidence: overall,
        content_hash: String::new(),
        warnings,
    }
}

/// Stories become features only in story-driven PRDs; when the PRD also lists features or
/// requirements, the stories stay stories so the same work is not drafted twice.
fn demote_story_features(ex: &mut Extraction, options: &ParseOptions) {
    let story_rooted = |drafts: &[Draft], mut i: usize| loop {
        if drafts[i].from_story {
            return true;
        }
        match drafts[i].parent {
            Some(p) => i = p,
            None => return false,
        }
    };
    let rooted: Vec<bool> = (0..ex.drafts.len()).map(|i| story_rooted(&ex.drafts, i)).collect();
    let others = rooted.iter().any(|r| !r);
    if !others && options.extract_user_stories {
        return;
    }
    let demoted: Vec<usize> = (0..ex.drafts.len()).filter(|&i| rooted[i]).collect();
    if demoted.is_empty() {
        return;
    }
    for &i in &demoted {
        ex.drafts[i].demoted = true;
    }
    for s in &mut ex.stories {
        if s.owner.is_some_and(|o| ex.drafts[o].demoted) {
            s.owner = None;
        }
    }
    for c in &mut ex.crits {
        if c.owner.is_some_and(|o| ex.drafts[o].demoted) {
            c.owner = None;
        }
    }
    if options.extract_user_stories {
        ex.warnings.push(format!(
            "{} user stor{} under a User Stories section kept as stories, not features, because the PRD also lists features or requirements",
            demoted.iter().filter(|&&i| ex.drafts[i].from_story).count(),
            if demoted.len() == 1 { "y was" } else { "ies were" }
        ));
    }
}

/// Stable keys: slug of the title, prefixed by group headings or the parent feature's key;
/// repeats get `-2`, `-3` in document order.
fn assign_keys(drafts: &[Draft]) -> Vec<String> {
    let mut keys: Vec<String> = vec![String::new(); drafts.len()];
    let mut taken = BTreeSet::new();
    for (i, d) in drafts.iter().enumerate() {
        if d.demoted {
            continue;
        }
        // A written id ("FR-1") is meant to be stable; titles get reworded more often.
        let own = d.id.as_deref().map_or_else(|| slug(&d.title), slug);
        let base = match d.parent {
            Some(p) if p < i && !keys[p].is_empty() => format!("{}/{own}", keys[p]),
            _ => format!("{}{own}", d.key_prefix),
        };
        let mut key = base.clone();
        let mut n = 2;
        while taken.contains(&key) {
            key = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(key.clone());
        keys[i] = key;
    }
    keys
}

/// Resolves stated and free-text dependencies and drops edges that would close a cycle.
fn dependencies(ex: &Extraction, keys: &[String], resolver: &Resolver) -> (Vec<Vec<usize>>, Vec<String>) {
    let n = ex.drafts.len();
    let mut wanted: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut warnings = Vec::new();
    let push = |list: &mut Vec<usize>, t: usize| {
        if !list.contains(&t) {
            list.push(t);
        }
    };
    for (i, d) in ex.drafts.iter().enumerate() {
        if d.demoted {
            continue;
        }
        for r in &d.dep_refs {
            match resolver.resolve(&r.text) {
                Resolution::Found(t) if t == i => warnings.push(format!(
                    "line {}: '{}' lists itself as a dependency; ignored",
                    r.line, d.title
                )),
                Resolution::Found(t) => push(&mut wanted[i], t),
                Resolution::Ambiguous(ts) => warnings.push(format!(
                    "line {}: dependency '{}' of '{}' matches several items ({}); name one exactly",
                    r.line,
                    r.text,
                    d.title,
                    ts.iter().map(|&t| keys[t].as_str()).collect::<Vec<_>>().join(", ")
                )),
                Resolution::Missing => warnings.push(format!(
                    "line {}: dependency '{}' of '{}' matches no feature or requirement title, key or id; it was left out",
                    r.line, r.text, d.title
                )),
            }
        }
        for t in resolver.scan_free_text(&d.description.join("\n")) {
            if t != i {
                push(&mut wanted[i], t);
            }
        }
    }
    for g in &ex.global_deps {
        let subject = match resolver.resolve(&g.subject) {
            Resolution::Found(s) => s,
            _ => {
                warnings.push(format!(
                    "line {}: '{}' in the Dependencies section matches no feature or requirement; ignored",
                    g.line, g.subject
                ));
                continue;
            }
        };
        for r in &g.refs {
            match resolver.resolve(r) {
                Resolution::Found(t) if t != subject => push(&mut wanted[subject], t),
                Resolution::Found(_) => {}
                Resolution::Ambiguous(ts) => warnings.push(format!(
                    "line {}: dependency '{r}' of '{}' matches several items ({}); name one exactly",
                    g.line,
                    g.subject,
                    ts.iter().map(|&t| keys[t].as_str()).collect::<Vec<_>>().join(", ")
                )),
                Resolution::Missing => warnings.push(format!(
                    "line {}: dependency '{r}' of '{}' matches no feature or requirement title, key or id; it was left out",
                    g.line, g.subject
                )),
            }
        }
    }

    let unit: Vec<usize> = (0..n).map(|i| unit_of(&ex.drafts, i)).collect();
    let cycle_warning = |from: usize, to: usize, cycle: &[usize]| {
        let names: Vec<&str> = std::iter::once(from).chain(cycle.iter().copied()).map(|x| keys[x].as_str()).collect();
        format!(
            "dependency of '{}' on '{}' dropped: it would close the cycle {}",
            keys[from],
            keys[to],
            names.join(" -> ")
        )
    };
    let (mut item_adj, dropped) = drop_back_edges(&wanted);
    for (from, to, cycle) in &dropped {
        warnings.push(cycle_warning(*from, *to, cycle));
    }
    // Sub-requirements share their feature's task, so the task graph must be acyclic too.
    let mut unit_adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for &t in &item_adj[i] {
            if unit[i] != unit[t] && !unit_adj[unit[i]].contains(&unit[t]) {
                unit_adj[unit[i]].push(unit[t]);
            }
        }
    }
    let (_, dropped_units) = drop_back_edges(&unit_adj);
    for (from, to, cycle) in &dropped_units {
        warnings.push(cycle_warning(*from, *to, cycle));
        for i in 0..n {
            if unit[i] == *from {
                item_adj[i].retain(|&t| unit[t] != *to);
            }
        }
    }
    (item_adj, warnings)
}

/// The task's Markdown details: description, criteria, stories, sub-requirements, source.
fn render_details(
    ex: &Extraction,
    crit_index: &[Vec<usize>],
    story_index: &[Vec<usize>],
    (i, subs): (usize, &[usize]),
    keys: &[String],
    depends_on: &[String],
    (confidence, reason): (f64, &str),
) -> String {
    let d = &ex.drafts[i];
    let mut md = String::new();
    if !d.description.is_empty() {
        md.push_str(&description_text(d));
        md.push_str("\n\n");
    }
    let crit_line = |c: &crate::extract::Crit, indent: &str| {
        let mark = match (c.kind, c.checked) {
            (CriterionKind::Checkbox, Some(true)) => "[x] ",
            _ => "[ ] ",
        };
        format!("{indent}- {mark}{}\n", c.text)
    };
    if !crit_index[i].is_empty() {
        md.push_str("**Acceptance criteria**\n\n");
        for &c in &crit_index[i] {
            md.push_str(&crit_line(&ex.crits[c], ""));
        }
        md.push('\n');
    }
    if !story_index[i].is_empty() {
        md.push_str("**User stories**\n\n");
        for &s in &story_index[i] {
            md.push_str(&format!("- {}\n", ex.stories[s].parts.text));
        }
        md.push('\n');
    }
    if !subs.is_empty() {
        md.push_str("**Requirements**\n\n");
        for &s in subs {
            let sub = &ex.drafts[s];
            let id = sub.id.as_deref().map(|id| format!("{id} ")).unwrap_or_default();
            md.push_str(&format!("- {id}{}", sub.title));
            if !sub.description.is_empty() {
                md.push_str(&format!(": {}", sub.description.join(" ")));
            }
            md.push('\n');
            for &c in &crit_index[s] {
                md.push_str(&crit_line(&ex.crits[c], "  "));
            }
        }
        md.push('\n');
    }
    if !depends_on.is_empty() {
        md.push_str("**Depends on**\n\n");
        for k in depends_on {
            md.push_str(&format!("- `{k}`\n"));
        }
        md.push('\n');
    }
    md.push_str(&format!("_From the PRD, line {} (key `{}`, confidence {confidence:.2}: {reason})._", d.line, keys[i]));
    md
}

/// The description lines as Markdown; a lone bullet loses its list marker.
fn description_text(d: &Draft) -> String {
    match d.description.as_slice() {
        [only] => only.strip_prefix("- ").or_else(|| only.strip_prefix("1. ")).unwrap_or(only).to_string(),
        lines => lines.join("\n"),
    }
}

/// implementation | test | documentation | research | design, from words of the title and tags.
fn task_type(title: &str, tags: &[String]) -> &'static str {
    let text = normalise(&format!("{title} {}", tags.join(" ")));
    let words: BTreeSet<&str> = text.split([' ', '-']).collect();
    let any = |list: &[&str]| list.iter().any(|w| words.contains(w));
    if any(&[
        "research",
        "investigate",
        "investigation",
        "spike",
        "evaluate",
        "evaluation",
        "explore",
        "feasibility",
        "poc",
    ]) {
        "research"
    } else if any(&["design", "mockup", "mockups", "wireframe", "wireframes", "ux"]) {
        "design"
    } else if any(&["docs", "documentation", "document", "readme", "guide", "tutorial", "manual", "changelog"]) {
        "documentation"
    } else if any(&["test", "tests", "testing", "qa", "e2e"]) {
        "test"
    } else {
        "implementation"
    }
}
