//! The walk over the section tree: headings, paragraphs, lists and Gherkin read into drafts, criteria and stories.

use super::tables::TableCols;
use super::vocabulary::{classify_section, is_exact_container, looks_like_requirement};
use super::*;

/// Splits an item's text into a title and a description.
fn split_item_title(inline: &Inline) -> (String, String) {
    let text = inline.text.as_str();
    let sep_trim =
        |s: &str| s.trim_start_matches(|c: char| c.is_whitespace() || ":-–—|".contains(c)).trim().to_string();
    if let Some(lead) = &inline.lead
        && let Some(rest) = text.strip_prefix(lead.as_str())
    {
        return (lead.trim_end_matches([':', '.']).trim().to_string(), sep_trim(rest));
    }
    for sep in [": ", " - ", " — ", " – "] {
        if let Some(pos) = text.find(sep)
            && pos <= 80
            && text[..pos].split_whitespace().count() <= 8
        {
            return (text[..pos].trim().to_string(), sep_trim(&text[pos..]));
        }
    }
    if text.chars().count() <= 100 {
        return (text.trim_end_matches(['.', ':']).to_string(), String::new());
    }
    let first_sentence = text.split(". ").next().unwrap_or(text);
    (truncate_words(first_sentence, 80), text.to_string())
}

impl Extractor {
    pub(super) fn walk(&mut self, sec: &Section, ctx: &Ctx) {
        let (clean, explicit) = clean_title(&sec.title);
        let (title, inline_priority) = split_inline_priority(&clean);
        // The first level-1 heading names the document unless it is a bare container word.
        if !self.title_taken && sec.level == 1 && !is_exact_container(&title) {
            self.title_taken = true;
            let section_word = matches!(classify_section(&title), SectionClass::NonFeature(_))
                && normalise(&title).split_whitespace().count() <= 2;
            if !section_word {
                if self.out.title.is_none() {
                    self.out.title = Some(sec.title.trim().to_string());
                }
                self.container_blocks(&sec.blocks, ctx);
                for child in &sec.children {
                    self.walk(child, ctx);
                }
                return;
            }
        }
        let class = if explicit { SectionClass::Other } else { classify_section(&title) };
        match class {
            SectionClass::NonFeature(kind) => {
                self.out.sections.push(SectionSummary {
                    kind,
                    title: sec.title.trim().to_string(),
                    level: sec.level,
                    summary: section_summary(sec),
                    source_line: sec.line,
                });
                self.stories_only(sec);
            }
            SectionClass::Container(container, tag) => {
                let mut inner = ctx.clone();
                inner.container = container;
                inner.feature_ref = None;
                if let Some(tag) = tag {
                    push_unique(&mut inner.tags, tag.to_string());
                }
                if inline_priority.is_some() {
                    inner.priority = inline_priority;
                }
                self.container_blocks(&sec.blocks, &inner);
                for child in &sec.children {
                    self.walk(child, &inner);
                }
            }
            SectionClass::PriorityGroup(priority) => {
                let mut inner = ctx.clone();
                inner.priority = Some(priority);
                if inner.container == Container::None {
                    inner.container = Container::Features;
                }
                self.container_blocks(&sec.blocks, &inner);
                for child in &sec.children {
                    self.walk(child, &inner);
                }
            }
            SectionClass::Other => self.candidate(sec, title, inline_priority, explicit, ctx),
        }
    }

    fn candidate(
        &mut self,
        sec: &Section,
        title: String,
        inline_priority: Option<Priority>,
        explicit: bool,
        ctx: &Ctx,
    ) {
        match ctx.container {
            Container::AcceptanceCriteria => {
                let mut inner = ctx.clone();
                inner.feature_ref = Some(title);
                self.container_blocks(&sec.blocks, &inner);
                for child in &sec.children {
                    self.walk(child, &inner);
                }
                return;
            }
            Container::Dependencies => {
                self.container_blocks(&sec.blocks, ctx);
                for child in &sec.children {
                    self.walk(child, ctx);
                }
                return;
            }
            _ => {}
        }
        // A question ("What do we need to build for launch?") is never a feature itself; its
        // content is read like an unnamed section, so attributed items in it still count.
        if !explicit && title.trim_end().ends_with('?') && ctx.parent.is_none() {
            let mut inner = ctx.clone();
            if matches!(inner.container, Container::Features | Container::Requirements | Container::UserStories) {
                inner.container = Container::None;
            }
            self.container_blocks(&sec.blocks, &inner);
            for child in &sec.children {
                self.walk(child, &inner);
            }
            return;
        }
        let signals = has_signals(sec);
        // Several paragraphs opening with a bold name ("**Metering.** Every job …") list the
        // features of a prose section, like bullets would.
        if !explicit
            && inline_priority.is_none()
            && ctx.parent.is_none()
            && ctx.container == Container::None
            && lead_paragraphs(&sec.blocks) >= 2
        {
            self.group(sec, &title, ctx);
            return;
        }
        let has_candidate_children = sec.children.iter().any(is_candidate_heading);
        if !explicit && inline_priority.is_none() && !signals && has_candidate_children {
            self.group(sec, &title, ctx);
            return;
        }
        let origin = if explicit {
            Origin::ExplicitFeatureHeading
        } else if ctx.parent.is_some() {
            Origin::NestedHeading
        } else {
            match ctx.container {
                Container::Features => Origin::FeatureHeading,
                Container::UserStories => Origin::StoryHeading,
                Container::Requirements => {
                    if !signals && blocks_have_list(&sec.blocks) {
                        self.group(sec, &title, ctx);
                        return;
                    }
                    Origin::RequirementHeading
                }
                // An unknown section: a feature candidate whose confidence says how sure we are;
                // content that reads as requirements is evidence that it is one.
                _ if signals || blocks_have_requirement_statements(&sec.blocks) => Origin::ContentHeading,
                _ => Origin::LooseHeading,
            }
        };
        let kind = if matches!(origin, Origin::RequirementHeading) { Kind::Requirement } else { Kind::Feature };
        let (id, title) = match split_id(&title) {
            (Some(id), rest) => (Some(id), rest.to_string()),
            (None, _) => (None, title),
        };
        let idx = self.new_draft(kind, origin, id, title, sec.line, ctx);
        self.out.drafts[idx].priority = inline_priority;
        self.out.drafts[idx].from_story = origin == Origin::StoryHeading;
        self.absorb_blocks(idx, &sec.blocks, Mode::Body);
        for child in &sec.children {
            self.feature_child(idx, child, ctx);
        }
    }

    /// A heading that groups features: its title becomes a tag and a key prefix.
    fn group(&mut self, sec: &Section, title: &str, ctx: &Ctx) {
        let mut inner = ctx.clone();
        let tag = slug(title);
        inner.key_prefix = format!("{}{tag}/", ctx.key_prefix);
        push_unique(&mut inner.tags, tag);
        self.container_blocks(&sec.blocks, &inner);
        for child in &sec.children {
            self.walk(child, &inner);
        }
    }

    /// A sub-heading of a feature: an attribute section, a nested feature, or more description.
    fn feature_child(&mut self, owner: usize, child: &Section, ctx: &Ctx) {
        let (clean, _) = clean_title(&child.title);
        if let Some(label) = classify_label(&clean) {
            let mode = mode_for(label);
            if mode == Mode::Notes {
                self.out.drafts[owner].description.push(clean.clone());
            }
            self.absorb_section(owner, child, mode);
            return;
        }
        if let SectionClass::NonFeature(kind) = classify_section(&clean) {
            self.out.sections.push(SectionSummary {
                kind,
                title: child.title.trim().to_string(),
                level: child.level,
                summary: section_summary(child),
                source_line: child.line,
            });
            self.stories_only(child);
            return;
        }
        let (_, inline_priority) = split_inline_priority(&clean);
        if has_signals(child) || inline_priority.is_some() {
            let mut inner = ctx.clone();
            inner.parent = Some(owner);
            inner.container = match self.out.drafts[owner].kind {
                Kind::Feature => Container::Features,
                Kind::Requirement => Container::Requirements,
            };
            self.walk(child, &inner);
        } else {
            self.out.drafts[owner].description.push(clean);
            self.absorb_section(owner, child, Mode::Body);
        }
    }

    fn absorb_section(&mut self, owner: usize, sec: &Section, mode: Mode) {
        self.absorb_blocks(owner, &sec.blocks, mode);
        for child in &sec.children {
            self.absorb_section(owner, child, mode);
        }
    }

    pub(super) fn new_draft(
        &mut self,
        kind: Kind,
        origin: Origin,
        id: Option<String>,
        title: String,
        line: usize,
        ctx: &Ctx,
    ) -> usize {
        self.out.drafts.push(Draft {
            kind,
            origin,
            id,
            title,
            description: Vec::new(),
            priority: None,
            inherited_priority: ctx.priority.clone(),
            tags: ctx.tags.clone(),
            key_prefix: ctx.key_prefix.clone(),
            parent: ctx.parent,
            dep_refs: Vec::new(),
            line,
            from_story: false,
            demoted: false,
        });
        self.out.drafts.len() - 1
    }

    /// Creates a feature/requirement from a list item and reads its nested content.
    fn item_draft(&mut self, kind: Kind, origin: Origin, item: &Item, ctx: &Ctx) -> Option<usize> {
        if item.inline.text.is_empty() {
            return None;
        }
        let story = parse_user_story(&item.inline.text);
        let (ref_text, issue_id, issue_deps) = split_issue_refs(&item.inline.text);
        let item_inline = Inline {
            lead: item.inline.lead.clone().filter(|l| ref_text.starts_with(l.as_str())),
            lines: vec![ref_text.clone()],
            text: ref_text,
        };
        let (id, inline) = match split_id(&item_inline.text) {
            (Some(id), rest) => (
                Some(id),
                Inline {
                    text: rest.to_string(),
                    lead: item_inline.lead.clone().filter(|l| rest.starts_with(l.as_str())),
                    lines: vec![rest.to_string()],
                },
            ),
            (None, _) => (issue_id, item_inline.clone()),
        };
        let (title, description) = match (&story, origin) {
            (Some(s), Origin::StoryListItem) => (story_title(s), String::new()),
            // A task-list item ("- [ ] Docs: writing your first plugin") is a task title as written.
            _ if item.checked.is_some() && inline.lead.is_none() && inline.text.chars().count() <= 100 => {
                (inline.text.trim_end_matches('.').to_string(), String::new())
            }
            _ => split_item_title(&inline),
        };
        let (title, inline_priority) = split_inline_priority(&title);
        let idx = self.new_draft(kind, origin, id, title, item.line, ctx);
        self.out.drafts[idx].priority = inline_priority;
        self.out.drafts[idx].from_story = origin == Origin::StoryListItem;
        for dep in issue_deps {
            self.out.drafts[idx].dep_refs.push(DepRef { text: dep, line: item.line });
        }
        if let Some(parts) = story {
            self.add_story(Some(idx), parts, 0.0, item.line);
        } else if !description.is_empty() {
            let inline = Inline { lines: vec![description.clone()], text: description, lead: None };
            self.absorb_text(idx, &inline, item.line, Mode::Body);
        }
        self.absorb_blocks(idx, &item.children, Mode::Body);
        Some(idx)
    }

    /// Blocks directly inside a container section (not inside a feature).
    pub(super) fn container_blocks(&mut self, blocks: &[Block], ctx: &Ctx) {
        let owner = ctx.parent;
        let leads_are_items =
            matches!(ctx.container, Container::None | Container::Features) && lead_paragraphs(blocks) >= 2;
        for block in blocks {
            match block {
                Block::Paragraph { inline, line } if leads_are_items && is_lead_paragraph(inline) => {
                    let item = Item { inline: inline.clone(), checked: None, line: *line, children: Vec::new() };
                    let origin = if ctx.container == Container::Features {
                        Origin::FeatureListItem
                    } else {
                        Origin::LeadParagraph
                    };
                    self.item_draft(Kind::Feature, origin, &item, ctx);
                }
                Block::Paragraph { inline, line } => self.container_paragraph(inline, *line, ctx),
                Block::List { ordered, items } => {
                    if ctx.container == Container::AcceptanceCriteria {
                        self.criteria_list(None, items, ctx.feature_ref.as_deref());
                        continue;
                    }
                    for item in items {
                        self.container_item(item, *ordered, ctx);
                    }
                }
                Block::Table { header, rows, line } => self.container_table(header, rows, *line, ctx),
                Block::Code { lang, text, line } => {
                    let features = if owner.is_none() && ctx.container != Container::AcceptanceCriteria {
                        gherkin_features(text)
                    } else {
                        Vec::new()
                    };
                    if !features.is_empty() && is_gherkin(lang, text) {
                        for f in features {
                            self.gherkin_feature(f, *line, ctx);
                        }
                    } else if ctx.container == Container::AcceptanceCriteria || is_gherkin(lang, text) {
                        self.gherkin(owner, text, *line, ctx.feature_ref.as_deref());
                    }
                }
            }
        }
    }

    /// A Gherkin `Feature:` block outside any feature: a feature with its tags, narrative
    /// story and one criterion per scenario.
    fn gherkin_feature(&mut self, f: text::GherkinFeature, block_line: usize, ctx: &Ctx) {
        let line = block_line + 1 + f.offset;
        let idx = self.new_draft(Kind::Feature, Origin::GherkinFeature, None, f.title.clone(), line, ctx);
        for tag in &f.tags {
            match parse_priority(tag) {
                Some(p) if self.out.drafts[idx].priority.is_none() => self.out.drafts[idx].priority = Some(p),
                _ => push_unique(&mut self.out.drafts[idx].tags, slug(tag)),
            }
        }
        let narrative = f.narrative.join(" ");
        match parse_user_story(&narrative) {
            Some(mut parts) => {
                let lower = narrative.to_lowercase();
                if parts.benefit.is_none()
                    && let Some(rest) = lower.strip_prefix("in order to ")
                    && let Some(end) = rest.find(" as ")
                {
                    let start = "in order to ".len();
                    parts.benefit = narrative.get(start..start + end).map(|b| b.trim().to_string());
                    parts.text = narrative.clone();
                }
                self.add_story(Some(idx), parts, 0.0, line);
            }
            None => {
                for l in &f.narrative {
                    self.out.drafts[idx].description.push(l.clone());
                }
            }
        }
        for scenario in f.scenarios {
            self.add_crit(Some(idx), &scenario, CriterionKind::GivenWhenThen, None, line, None);
        }
    }

    fn container_paragraph(&mut self, inline: &Inline, line: usize, ctx: &Ctx) {
        let text = &inline.text;
        match ctx.container {
            Container::AcceptanceCriteria => {
                if is_given_when_then(text) {
                    self.add_crit(None, text, CriterionKind::GivenWhenThen, None, line, ctx.feature_ref.as_deref());
                }
                return;
            }
            Container::Dependencies => {
                self.global_dep(text, line);
                return;
            }
            Container::Requirements => {
                if split_id(text).0.is_some_and(|id| id.chars().any(|c| c.is_ascii_alphabetic())) {
                    let item = Item { inline: inline.clone(), checked: None, line, children: Vec::new() };
                    self.item_draft(Kind::Requirement, Origin::RequirementParagraph, &item, ctx);
                    return;
                }
                // SRS style: "5.1.1 The system shall …", one numbered statement per line.
                let numbered: Vec<&str> = inline
                    .lines
                    .iter()
                    .map(|l| split_numbering(l))
                    .filter(|(n, rest)| n.is_some() && is_requirement_statement(rest))
                    .map(|(_, rest)| rest)
                    .collect();
                if !numbered.is_empty() {
                    for (k, statement) in numbered.into_iter().enumerate() {
                        let item = Item {
                            inline: Inline {
                                text: statement.to_string(),
                                lead: None,
                                lines: vec![statement.to_string()],
                            },
                            checked: None,
                            line: line + k,
                            children: Vec::new(),
                        };
                        self.item_draft(Kind::Requirement, Origin::RequirementParagraph, &item, ctx);
                    }
                    return;
                }
            }
            Container::UserStories => {
                if let Some(parts) = parse_user_story(text) {
                    let idx =
                        self.new_draft(Kind::Feature, Origin::StoryListItem, None, story_title(&parts), line, ctx);
                    self.out.drafts[idx].from_story = true;
                    self.add_story(Some(idx), parts, 0.0, line);
                    return;
                }
            }
            Container::Features | Container::None => {}
        }
        if let Some(parts) = parse_user_story(text) {
            self.add_story(ctx.parent, parts, 0.0, line);
        }
    }

    fn container_item(&mut self, item: &Item, ordered: bool, ctx: &Ctx) {
        let text = &item.inline.text;
        match ctx.container {
            Container::Features => {
                if split_label(text).is_some_and(|(l, _)| classify_label(l).is_some()) {
                    return;
                }
                self.item_draft(Kind::Feature, Origin::FeatureListItem, item, ctx);
            }
            Container::Requirements => {
                if split_label(text).is_some_and(|(l, _)| classify_label(l).is_some()) {
                    return;
                }
                let origin = if ordered { Origin::RequirementOrdered } else { Origin::RequirementBullet };
                self.item_draft(Kind::Requirement, origin, item, ctx);
            }
            Container::UserStories => {
                if parse_user_story(text).is_some() {
                    self.item_draft(Kind::Feature, Origin::StoryListItem, item, ctx);
                } else {
                    self.stories_in_blocks(&item.children, None);
                }
            }
            Container::Dependencies => {
                self.global_dep(text, item.line);
                for child in &item.children {
                    if let Block::List { items, .. } = child {
                        for sub in items {
                            self.global_dep(&sub.inline.text, sub.line);
                        }
                    }
                }
            }
            Container::AcceptanceCriteria => {}
            Container::None => {
                if item_has_attributes(item) {
                    self.item_draft(Kind::Feature, Origin::AttributedItem, item, ctx);
                } else if looks_like_requirement(text) {
                    self.item_draft(Kind::Requirement, Origin::LooseRequirement, item, ctx);
                } else {
                    if let Some(parts) = parse_user_story(text) {
                        self.add_story(None, parts, 0.0, item.line);
                    }
                    self.stories_in_blocks(&item.children, None);
                }
            }
        }
    }

    /// Content of a feature/requirement body.
    fn absorb_blocks(&mut self, owner: usize, blocks: &[Block], mode: Mode) {
        let mut pending: Option<Mode> = None;
        for block in blocks {
            match block {
                Block::Paragraph { inline, line } => {
                    pending = self.absorb_text(owner, inline, *line, mode);
                }
                Block::List { items, ordered } => {
                    let list_mode = pending.take().unwrap_or(mode);
                    self.absorb_list(owner, items, *ordered, list_mode);
                }
                Block::Table { header, rows, line } => {
                    pending = None;
                    self.absorb_table(owner, header, rows, *line, mode);
                }
                Block::Code { lang, text, line } => {
                    pending = None;
                    if mode == Mode::Criteria || is_gherkin(lang, text) {
                        self.gherkin(Some(owner), text, *line, None);
                    }
                }
            }
        }
    }

    /// One paragraph (or item text) of a body; returns the mode for a following list.
    fn absorb_text(&mut self, owner: usize, inline: &Inline, line: usize, mode: Mode) -> Option<Mode> {
        let text = inline.text.as_str();
        if matches!(mode, Mode::Body | Mode::Description | Mode::Notes) {
            // A label on its own ("**Acceptance criteria**", "Done when:") introduces the next list.
            if let Some(kind) = label_only(text) {
                return Some(mode_for(kind));
            }
            // Lines written without blank lines between them ("Priority: High" then "Depends on: X",
            // or "3.1.1 The system shall …" lines); wrapped prose stays one text.
            let groups = line_groups(&inline.lines);
            if groups.len() > 1 {
                let mut pending = None;
                for (offset, text) in groups {
                    pending = self.absorb_line(owner, &text, line + offset, mode);
                }
                return pending;
            }
        }
        self.absorb_line(owner, text, line, mode)
    }

    /// One line of a body: a metadata line, a `Label: value`, or prose read sentence by sentence.
    fn absorb_line(&mut self, owner: usize, text: &str, line: usize, mode: Mode) -> Option<Mode> {
        if matches!(mode, Mode::Body | Mode::Description | Mode::Notes) {
            if let Some(pairs) = metadata_pairs(text)
                && pairs.iter().any(|(l, _)| classify_label(l).is_some())
            {
                for (label, value) in pairs {
                    match classify_label(label) {
                        Some(Label::Notes) | None => {}
                        Some(kind) => self.apply_label(owner, kind, label, value, line),
                    }
                }
                return None;
            }
            if let Some((label, value)) = split_label(text)
                && let Some(kind) = classify_label(label)
            {
                if kind == Label::Priority && sentences(value).len() > 1 {
                    // "Priority: High. Depends on: X." — the label covers its own sentence only.
                } else {
                    self.apply_label(owner, kind, label, value, line);
                    return Some(mode_for(kind)).filter(|m| *m != Mode::Priority || value.is_empty());
                }
            }
        }
        match mode {
            Mode::Priority => {
                self.set_priority(owner, text, line);
                return None;
            }
            Mode::Deps => {
                self.add_dep_refs(owner, text, line);
                return None;
            }
            Mode::Tags => {
                self.add_tags(owner, text);
                return None;
            }
            _ => {}
        }
        if is_given_when_then(text) && parse_user_story(text).is_none() {
            self.add_crit(Some(owner), text, CriterionKind::GivenWhenThen, None, line, None);
            return None;
        }
        match mode {
            Mode::Criteria => {
                if let Some(parts) = parse_user_story(text) {
                    self.add_story(Some(owner), parts, 0.0, line);
                } else if !text.ends_with(':') {
                    self.add_crit(Some(owner), text, CriterionKind::Bullet, None, line, None);
                }
            }
            Mode::Requirements => {
                if let Some(parts) = parse_user_story(text) {
                    self.add_story(Some(owner), parts, 0.0, line);
                    return None;
                }
                let item = Item {
                    inline: Inline { text: text.to_string(), lead: None, lines: vec![text.to_string()] },
                    checked: None,
                    line,
                    children: Vec::new(),
                };
                self.sub_requirement(owner, &item);
            }
            _ => {
                if text.ends_with(':') && text.split_whitespace().count() <= 6 {
                    return None;
                }
                self.absorb_prose(owner, text, line, mode);
            }
        }
        None
    }

    /// Prose of a body, sentence by sentence: stories, "done when" criteria, normative
    /// statements and inline `Label: value` sentences are taken out; the rest is description.
    fn absorb_prose(&mut self, owner: usize, text: &str, line: usize, mode: Mode) {
        let mut plain: Vec<&str> = Vec::new();
        let parts = sentences(text);
        for sentence in &parts {
            if let Some(parts) = parse_user_story(sentence) {
                self.add_story(Some(owner), parts, 0.0, line);
                continue;
            }
            if let Some(criterion) = done_when(sentence) {
                let criterion = criterion.trim_end_matches('.');
                self.add_crit(Some(owner), criterion, CriterionKind::Bullet, None, line, None);
                continue;
            }
            if parts.len() > 1
                && matches!(mode, Mode::Body | Mode::Description | Mode::Notes)
                && let Some((label, value)) = split_label(sentence)
                && let Some(kind) = classify_label(label)
                && kind != Label::Notes
            {
                self.apply_label(owner, kind, label, value.trim_end_matches('.'), line);
                continue;
            }
            let (number, rest) = split_numbering(sentence);
            if mode == Mode::Body && is_requirement_statement(rest) && (number.is_some() || parts.len() == 1) {
                self.add_crit(Some(owner), rest, CriterionKind::Bullet, None, line, None);
                continue;
            }
            plain.push(sentence);
        }
        if !plain.is_empty() {
            self.out.drafts[owner].description.push(plain.join(" "));
        }
    }

    fn apply_label(&mut self, owner: usize, label: Label, raw: &str, value: &str, line: usize) {
        if value.is_empty() {
            return;
        }
        match label {
            Label::Priority => self.set_priority(owner, value, line),
            Label::Description => self.out.drafts[owner].description.push(value.to_string()),
            Label::AcceptanceCriteria => {
                let kind = if is_given_when_then(value) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                self.add_crit(Some(owner), value, kind, None, line, None);
            }
            Label::UserStories => {
                if let Some(parts) = parse_user_story(value) {
                    self.add_story(Some(owner), parts, 0.0, line);
                }
            }
            Label::Dependencies => self.add_dep_refs(owner, value, line),
            Label::Requirements => self.out.drafts[owner].description.push(value.to_string()),
            Label::Tags => self.add_tags(owner, value),
            Label::Notes => self.out.drafts[owner].description.push(format!("{raw}: {value}")),
        }
    }

    fn absorb_list(&mut self, owner: usize, items: &[Item], ordered: bool, mode: Mode) {
        let mut i = 0;
        while i < items.len() {
            if let Some(end) = self.gherkin_run(Some(owner), items, i, mode, None) {
                i = end;
                continue;
            }
            self.absorb_item(owner, &items[i], ordered, mode);
            i += 1;
        }
    }

    /// Consecutive "Given …" / "When …" / "Then …" / "And …" items become one criterion.
    fn gherkin_run(
        &mut self,
        owner: Option<usize>,
        items: &[Item],
        start: usize,
        mode: Mode,
        feature_ref: Option<&str>,
    ) -> Option<usize> {
        if matches!(mode, Mode::Deps | Mode::Tags | Mode::Priority) {
            return None;
        }
        let first = items.get(start)?;
        if !matches!(gherkin_step(&first.inline.text), Some("given" | "when")) || is_given_when_then(&first.inline.text)
        {
            return None;
        }
        let mut steps = Vec::new();
        let mut saw_then = false;
        let mut end = start;
        while let Some(item) = items.get(end) {
            let Some(step) = gherkin_step(&item.inline.text) else {
                break;
            };
            if step == "given" && saw_then {
                break;
            }
            saw_then |= step == "then";
            steps.push(item.inline.text.clone());
            end += 1;
        }
        if !saw_then {
            return None;
        }
        let text = join_steps(&steps);
        self.add_crit(owner, &text, CriterionKind::GivenWhenThen, None, first.line, feature_ref);
        Some(end)
    }

    fn absorb_item(&mut self, owner: usize, item: &Item, ordered: bool, mode: Mode) {
        let text = item.inline.text.as_str();
        if matches!(mode, Mode::Body | Mode::Description | Mode::Notes)
            && let Some((label, value)) = split_label(text)
            && let Some(kind) = classify_label(label)
        {
            self.apply_label(owner, kind, label, value, item.line);
            self.absorb_blocks(owner, &item.children, mode_for(kind));
            return;
        }
        if item.checked.is_some() && !matches!(mode, Mode::Deps | Mode::Tags | Mode::Priority) {
            self.add_crit(Some(owner), text, CriterionKind::Checkbox, item.checked, item.line, None);
            self.absorb_blocks(owner, &item.children, Mode::Criteria);
            return;
        }
        match mode {
            Mode::Criteria => {
                let kind = if is_given_when_then(text) { CriterionKind::GivenWhenThen } else { CriterionKind::Bullet };
                if !text.is_empty() {
                    self.add_crit(Some(owner), text, kind, None, item.line, None);
                }
                self.absorb_blocks(owner, &item.children, Mode::Criteria);
                return;
            }
            Mode::Deps | Mode::Tags | Mode::Priority => {
                self.absorb_text(owner, &item.inline, item.line, mode);
                self.absorb_blocks(owner, &item.children, mode);
                return;
            }
            Mode::Requirements => {
                self.sub_requirement(owner, item);
                return;
            }
            Mode::Body | Mode::Description | Mode::Stories | Mode::Notes => {}
        }
        if let Some(parts) = parse_user_story(text) {
            self.add_story(Some(owner), parts, 0.0, item.line);
        } else if is_given_when_then(text) {
            self.add_crit(Some(owner), text, CriterionKind::GivenWhenThen, None, item.line, None);
        } else if mode == Mode::Body && is_requirement_statement(text) {
            // "- The server MUST reject …": a normative statement is something to verify.
            self.add_crit(Some(owner), text, CriterionKind::Bullet, None, item.line, None);
        } else if !text.is_empty() {
            let marker = if ordered { "1." } else { "-" };
            self.out.drafts[owner].description.push(format!("{marker} {text}"));
        }
        self.absorb_blocks(owner, &item.children, mode);
    }

    fn sub_requirement(&mut self, owner: usize, item: &Item) {
        let ctx = Ctx {
            container: Container::Requirements,
            priority: None,
            tags: Vec::new(),
            key_prefix: String::new(),
            feature_ref: None,
            parent: Some(owner),
        };
        self.item_draft(Kind::Requirement, Origin::FeatureRequirement, item, &ctx);
    }

    fn gherkin(&mut self, owner: Option<usize>, code: &str, line: usize, feature_ref: Option<&str>) {
        for scenario in gherkin_scenarios(code) {
            self.add_crit(owner, &scenario, CriterionKind::GivenWhenThen, None, line, feature_ref);
        }
    }

    fn criteria_list(&mut self, owner: Option<usize>, items: &[Item], feature_ref: Option<&str>) {
        let mut i = 0;
        while i < items.len() {
            if let Some(end) = self.gherkin_run(owner, items, i, Mode::Criteria, feature_ref) {
                i = end;
                continue;
            }
            let item = &items[i];
            let text = &item.inline.text;
            let kind = if item.checked.is_some() {
                CriterionKind::Checkbox
            } else if is_given_when_then(text) {
                CriterionKind::GivenWhenThen
            } else {
                CriterionKind::Bullet
            };
            if !text.is_empty() {
                self.add_crit(owner, text, kind, item.checked, item.line, feature_ref);
            }
            for child in &item.children {
                if let Block::List { items: sub, .. } = child {
                    self.criteria_list(owner, sub, feature_ref);
                }
            }
            i += 1;
        }
    }

    pub(super) fn set_priority(&mut self, owner: usize, value: &str, line: usize) {
        match text::parse_priority(value) {
            Some(p) => self.out.drafts[owner].priority = Some(p),
            None => self.out.warnings.push(format!(
                "line {line}: priority '{value}' of '{}' not recognised; use critical/high/medium/low, P0-P3 or MoSCoW (must/should/could/won't); medium (2) assumed",
                self.out.drafts[owner].title
            )),
        }
    }

    pub(super) fn add_dep_refs(&mut self, owner: usize, value: &str, line: usize) {
        for text in split_references(value) {
            self.out.drafts[owner].dep_refs.push(DepRef { text, line });
        }
    }

    fn add_tags(&mut self, owner: usize, value: &str) {
        for tag in split_references(value) {
            push_unique(&mut self.out.drafts[owner].tags, slug(&tag));
        }
    }

    pub(super) fn add_story(&mut self, owner: Option<usize>, parts: StoryParts, confidence: f64, line: usize) {
        let confidence = if confidence > 0.0 {
            confidence
        } else if parts.benefit.is_some() {
            0.95
        } else {
            0.85
        };
        self.out.stories.push(Story { parts, owner, confidence, line });
    }

    pub(super) fn add_crit(
        &mut self,
        owner: Option<usize>,
        text: &str,
        kind: CriterionKind,
        checked: Option<bool>,
        line: usize,
        feature_ref: Option<&str>,
    ) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.out.crits.push(Crit {
            text: text.to_string(),
            kind,
            checked,
            owner,
            feature_ref: feature_ref.map(str::to_string),
            line,
        });
    }

    /// "<subject> depends on / requires / needs / is blocked by / comes after <refs>".
    pub(super) fn global_dep(&mut self, text: &str, line: usize) {
        // ASCII lower-casing keeps byte offsets; the triggers are lower-case already.
        let lower = text.to_ascii_lowercase();
        for trigger in DEPENDENCY_TRIGGERS.iter().map(|t| format!(" {t} ")) {
            if let Some(pos) = lower.find(&trigger)
                && text.is_char_boundary(pos)
                && text.is_char_boundary(pos + trigger.len())
            {
                let subject = text[..pos].trim().trim_matches(|c: char| "*_`".contains(c));
                let subject = subject.strip_suffix(" is").or_else(|| subject.strip_suffix(" comes")).unwrap_or(subject);
                let refs = split_references(&text[pos + trigger.len()..]);
                if !subject.is_empty() && !refs.is_empty() {
                    self.out.global_deps.push(GlobalDep { subject: subject.to_string(), refs, line });
                }
                return;
            }
        }
    }

    /// A non-feature section: only user stories are read (never features or tasks).
    fn stories_only(&mut self, sec: &Section) {
        self.stories_in_blocks(&sec.blocks, None);
        for child in &sec.children {
            self.stories_only(child);
        }
    }

    fn stories_in_blocks(&mut self, blocks: &[Block], owner: Option<usize>) {
        for block in blocks {
            match block {
                Block::Paragraph { inline, line } => {
                    if let Some(parts) = parse_user_story(&inline.text) {
                        self.add_story(owner, parts, 0.0, *line);
                    }
                }
                Block::List { items, .. } => {
                    for item in items {
                        if let Some(parts) = parse_user_story(&item.inline.text) {
                            self.add_story(owner, parts, 0.0, item.line);
                        }
                        self.stories_in_blocks(&item.children, owner);
                    }
                }
                Block::Table { header, rows, line } => {
                    let cols = TableCols::new(header);
                    for row in rows {
                        if let Some((parts, conf)) = self.row_story(&cols, row) {
                            self.add_story(owner, parts, conf, *line);
                        }
                    }
                }
                Block::Code { .. } => {}
            }
        }
    }
}

pub(super) fn story_title(story: &StoryParts) -> String {
    truncate_words(&capitalise(&story.goal), 80)
}

fn is_gherkin(lang: &str, text: &str) -> bool {
    matches!(lang, "gherkin" | "feature" | "cucumber")
        || text.lines().any(|l| l.trim_start().to_lowercase().starts_with("scenario"))
            && text.lines().any(|l| gherkin_step(l) == Some("then"))
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

fn blocks_have_list(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| matches!(b, Block::List { .. } | Block::Table { .. }))
}

/// A heading that could be a feature: not an attribute and not a non-feature section.
fn is_candidate_heading(sec: &Section) -> bool {
    let (clean, _) = clean_title(&sec.title);
    classify_label(&clean).is_none() && matches!(classify_section(&clean), SectionClass::Other)
}

fn item_has_attributes(item: &Item) -> bool {
    let attribute = |s: &str| {
        split_label(s).is_some_and(|(l, _)| {
            matches!(classify_label(l), Some(Label::Priority | Label::AcceptanceCriteria | Label::Dependencies))
        })
    };
    let text_sentences = sentences(&item.inline.text);
    if text_sentences.len() > 1 && text_sentences.iter().skip(1).any(|s| attribute(s)) {
        return true;
    }
    item.children.iter().any(|b| match b {
        Block::List { items, .. } => items.iter().any(|i| {
            split_label(&i.inline.text).is_some_and(|(l, _)| {
                matches!(classify_label(l), Some(Label::Priority | Label::AcceptanceCriteria | Label::Dependencies))
            })
        }),
        _ => false,
    })
}

/// Whether a section states feature attributes: priority, criteria, stories, dependencies,
/// description labels, checkboxes or attribute sub-headings.
fn has_signals(sec: &Section) -> bool {
    blocks_have_signals(&sec.blocks)
        || sec.children.iter().any(|c| {
            let (clean, _) = clean_title(&c.title);
            matches!(
                classify_label(&clean),
                Some(
                    Label::Priority
                        | Label::AcceptanceCriteria
                        | Label::UserStories
                        | Label::Dependencies
                        | Label::Description
                )
            )
        })
}

fn blocks_have_signals(blocks: &[Block]) -> bool {
    let text_signal = |text: &str| {
        split_label(text).is_some_and(|(l, v)| {
            matches!(
                classify_label(l),
                Some(Label::Priority | Label::AcceptanceCriteria | Label::UserStories | Label::Dependencies)
            ) || (classify_label(l) == Some(Label::Description) && !v.is_empty())
        }) || parse_user_story(text).is_some()
            || is_given_when_then(text)
            || label_only(text).is_some_and(|l| matches!(l, Label::AcceptanceCriteria | Label::UserStories))
            || sentences(text).iter().any(|s| {
                done_when(s).is_some()
                    || split_label(s).is_some_and(|(l, _)| {
                        matches!(
                            classify_label(l),
                            Some(Label::Priority | Label::AcceptanceCriteria | Label::Dependencies)
                        )
                    })
            })
    };
    blocks.iter().any(|b| match b {
        Block::Paragraph { inline, .. } => text_signal(&inline.text),
        Block::List { items, .. } => {
            items.iter().any(|i| i.checked.is_some() || text_signal(&i.inline.text) || blocks_have_signals(&i.children))
        }
        Block::Table { header, .. } => {
            let cols = TableCols::new(header);
            cols.criteria.is_some() || cols.role.is_some() && cols.goal.is_some()
        }
        Block::Code { lang, text, .. } => is_gherkin(lang, text),
    })
}

/// Whether a line starts something of its own: a `Label: value`, a metadata line or a numbered statement.
fn is_structured_line(line: &str) -> bool {
    split_label(line).is_some_and(|(l, _)| classify_label(l).is_some())
        || metadata_pairs(line).is_some()
        || split_numbering(line).0.is_some()
}

/// Groups the lines of a paragraph: a structured line starts a group, other lines continue
/// the current one. Returns (line offset, joined text).
fn line_groups(lines: &[String]) -> Vec<(usize, String)> {
    let mut groups: Vec<(usize, String)> = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        match groups.last_mut() {
            Some((_, text)) if !is_structured_line(l) => {
                text.push(' ');
                text.push_str(l);
            }
            _ => groups.push((k, l.clone())),
        }
    }
    groups
}

/// A paragraph that is only a label: "**Acceptance criteria**", "Done when:", "Critères d'acceptation :".
fn label_only(text: &str) -> Option<Label> {
    let t = text.trim().trim_end_matches(':').trim();
    if t.is_empty() || t.split_whitespace().count() > 5 {
        return None;
    }
    classify_label(t)
}

/// A paragraph opening with a short bold name followed by more text ("**Spend alerts.** Owners …").
fn is_lead_paragraph(inline: &Inline) -> bool {
    let Some(lead) = inline.lead.as_deref() else {
        return false;
    };
    let name = lead.trim_end_matches([':', '.', '—', '-']).trim();
    let words = name.split_whitespace().count();
    (1..=8).contains(&words)
        && label_only(name).is_none()
        && split_label(lead).is_none_or(|(l, _)| classify_label(l).is_none())
        && inline.text.split_whitespace().count() >= words + 3
}

fn lead_paragraphs(blocks: &[Block]) -> usize {
    blocks.iter().filter(|b| matches!(b, Block::Paragraph { inline, .. } if is_lead_paragraph(inline))).count()
}

/// Whether the blocks hold normative statements (MUST/SHALL) in lists or numbered lines.
fn blocks_have_requirement_statements(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::List { items, .. } => items.iter().any(|i| is_requirement_statement(&i.inline.text)),
        Block::Paragraph { inline, .. } => {
            inline.lines.iter().any(|l| split_numbering(l).0.is_some() && is_requirement_statement(l))
        }
        _ => false,
    })
}

/// First paragraph (or first list's items) of a section, for [`SectionSummary::summary`].
fn section_summary(sec: &Section) -> String {
    let text = sec.blocks.iter().find_map(|b| match b {
        Block::Paragraph { inline, .. } => Some(inline.text.clone()),
        Block::List { items, .. } => Some(items.iter().map(|i| i.inline.text.as_str()).collect::<Vec<_>>().join("; ")),
        Block::Table { rows, .. } => rows.first().map(|r| r.join(" | ")),
        Block::Code { .. } => None,
    });
    truncate_words(&text.unwrap_or_default(), 280)
}
