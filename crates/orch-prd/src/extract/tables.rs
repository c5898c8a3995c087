//! Tables: which columns name what, and how rows become features, requirements, stories and dependencies.

use super::walker::story_title;
use super::*;

/// Table rows read into drafts, stories and dependencies.
impl Extractor {
    pub(super) fn container_table(&mut self, header: &[String], rows: &[Vec<String>], line: usize, ctx: &Ctx) {
        let cols = TableCols::new(header);
        if ctx.container == Container::Dependencies {
            self.dependency_table(&cols, rows, line);
            return;
        }
        for row in rows {
            let cell =
                |i: Option<usize>| i.and_then(|i| row.get(i)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            let story = self.row_story(&cols, row);
            let (kind, origin) = match ctx.container {
                Container::Features => (Kind::Feature, Origin::FeatureTableRow),
                Container::Requirements => (Kind::Requirement, Origin::RequirementTableRow),
                Container::UserStories if story.is_some() => (Kind::Feature, Origin::StoryTableRow),
                Container::None if cols.name.is_some() && cols.has_attribute_column() => {
                    (Kind::Feature, Origin::LooseTableRow)
                }
                _ => {
                    if let Some((parts, conf)) = story {
                        self.add_story(ctx.parent, parts, conf, line);
                    }
                    continue;
                }
            };
            let title = cell(cols.name)
                .or_else(|| story.as_ref().map(|(s, _)| story_title(s)))
                .or_else(|| cell(cols.description).map(|d| truncate_words(&d, 80)));
            let Some(title) = title else {
                continue;
            };
            let (id, title) = match (cell(cols.id), split_id(&title)) {
                (Some(id), _) => (Some(id), title.clone()),
                (None, (Some(id), rest)) => (Some(id), rest.to_string()),
                (None, (None, _)) => (None, title.clone()),
            };
            let idx = self.new_draft(kind, origin, id, title, line, ctx);
            self.out.drafts[idx].from_story = origin == Origin::StoryTableRow;
            if let Some(desc) = cell(cols.description)
                && cols.name.is_some()
            {
                self.out.drafts[idx].description.push(desc);
            }
            if let Some(p) = cell(cols.priority) {
                self.set_priority(idx, &p, line);
            }
            if let Some(deps) = cell(cols.deps) {
                self.add_dep_refs(idx, &deps, line);
            }
            if let Some(ac) = cell(cols.criteria) {
                for part in ac.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    let kind =
                        if is_given_when_then(part) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                    self.add_crit(Some(idx), part, kind, None, line, None);
                }
            }
            if let Some((parts, conf)) = story {
                self.add_story(Some(idx), parts, conf, line);
            }
        }
    }

    /// A table under a Dependencies heading: | Feature | Depends on |, one row per item.
    fn dependency_table(&mut self, cols: &TableCols, rows: &[Vec<String>], line: usize) {
        let Some(deps_col) = cols.deps else {
            for row in rows {
                for cell in row {
                    self.global_dep(cell, line);
                }
            }
            return;
        };
        let subject_col = cols.name.or(cols.id).unwrap_or(if deps_col == 0 { 1 } else { 0 });
        for (k, row) in rows.iter().enumerate() {
            let (Some(subject), Some(deps)) = (row.get(subject_col), row.get(deps_col)) else {
                continue;
            };
            let refs = split_references(deps);
            if !subject.trim().is_empty() && !refs.is_empty() {
                let subject = subject.trim().to_string();
                self.out.global_deps.push(GlobalDep { subject, refs, line: line + 2 + k });
            }
        }
    }

    /// A user story from a table row: role/goal/benefit columns, or a cell with a full story.
    pub(super) fn row_story(&self, cols: &TableCols, row: &[String]) -> Option<(StoryParts, f64)> {
        let cell =
            |i: Option<usize>| i.and_then(|i| row.get(i)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if let (Some(role), Some(goal)) = (cell(cols.role), cell(cols.goal)) {
            let strip = |s: &str, prefixes: &[&str]| {
                let lower = s.to_ascii_lowercase();
                prefixes
                    .iter()
                    .find_map(|p| lower.starts_with(p).then(|| s[p.len()..].trim().to_string()))
                    .unwrap_or_else(|| s.to_string())
            };
            let role = strip(&role, &["as an ", "as a ", "as the "]);
            let goal = strip(&goal, &["i want to ", "i want ", "i need to ", "to "]);
            let benefit = cell(cols.benefit).map(|b| strip(&b, &["so that ", "so "]));
            let text = match &benefit {
                Some(b) => format!("As a {role}, I want to {goal} so that {b}"),
                None => format!("As a {role}, I want to {goal}"),
            };
            return Some((StoryParts { role, goal, benefit, text }, 0.9));
        }
        row.iter().find_map(|c| parse_user_story(c).map(|s| (s, 0.0)))
    }

    pub(super) fn absorb_table(
        &mut self,
        owner: usize,
        header: &[String],
        rows: &[Vec<String>],
        line: usize,
        mode: Mode,
    ) {
        let cols = TableCols::new(header);
        for row in rows {
            if let Some((parts, conf)) = self.row_story(&cols, row) {
                self.add_story(Some(owner), parts, conf, line);
            }
            let criterion = cols
                .criteria
                .or(if mode == Mode::Criteria { Some(0) } else { None })
                .and_then(|i| row.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty());
            if let Some(text) = criterion {
                let kind = if is_given_when_then(text) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                self.add_crit(Some(owner), text, kind, None, line, None);
            }
        }
    }
}

/// Column roles recognised in table headers.
#[derive(Debug, Default)]
pub(super) struct TableCols {
    pub(super) name: Option<usize>,
    pub(super) id: Option<usize>,
    pub(super) priority: Option<usize>,
    pub(super) description: Option<usize>,
    pub(super) deps: Option<usize>,
    pub(super) criteria: Option<usize>,
    pub(super) role: Option<usize>,
    pub(super) goal: Option<usize>,
    pub(super) benefit: Option<usize>,
}

impl TableCols {
    pub(super) fn new(header: &[String]) -> Self {
        let mut cols = Self::default();
        for (i, h) in header.iter().enumerate() {
            let n = if h.trim() == "#" { "no".to_string() } else { normalise(h) };
            let slot = match n.as_str() {
                "feature" | "features" | "name" | "title" | "requirement" | "capability" | "epic" | "item"
                | "feature name" | "story title" | "summary" => &mut cols.name,
                "id" | "ref" | "req id" | "key" | "no" | "number" => &mut cols.id,
                "priority" | "prio" | "moscow" | "importance" | "p" => &mut cols.priority,
                "description" | "details" | "notes" | "what" => &mut cols.description,
                "depends on" | "dependencies" | "dependency" | "prerequisites" | "blocked by" | "requires" => {
                    &mut cols.deps
                }
                "acceptance criteria" | "acceptance" | "criteria" | "done when" => &mut cols.criteria,
                "as a" | "as an" | "role" | "persona" | "actor" | "user" | "who" => &mut cols.role,
                "i want" | "i want to" | "goal" | "want" | "action" => &mut cols.goal,
                "so that" | "benefit" | "reason" | "value" | "why" => &mut cols.benefit,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(i);
            }
        }
        cols
    }

    pub(super) fn has_attribute_column(&self) -> bool {
        self.priority.is_some() || self.criteria.is_some() || self.deps.is_some()
    }
}
