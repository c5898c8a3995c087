//! Markdown -> a small section tree, built by walking pulldown-cmark's event stream.
//!
//! The tree keeps only what the interpreter needs: headings (as nested sections), paragraphs,
//! lists (with nested items, task-list markers and the text of a leading bold span), tables and
//! code blocks, each with its 1-based source line.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// One heading and everything up to the next heading of the same or a higher level.
#[derive(Debug, Clone, Default)]
pub(crate) struct Section {
    /// Heading level 1..=6; 0 for the implicit root.
    pub level: u8,
    /// Heading text with inline markup removed.
    pub title: String,
    /// Line of the heading (1-based); 0 for the root.
    pub line: usize,
    /// Blocks between this heading and its first sub-heading.
    pub blocks: Vec<Block>,
    /// Sub-sections (deeper headings).
    pub children: Vec<Section>,
}

/// Inline text of a paragraph, list item or table cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Inline {
    /// Plain text (soft breaks become spaces).
    pub text: String,
    /// Text of a bold/italic span that opens the inline content, e.g. `**Login**: ...`.
    pub lead: Option<String>,
    /// The source lines of the text (split at soft and hard breaks), each collapsed; one entry
    /// for single-line text.
    pub lines: Vec<String>,
}

/// A block-level element.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    /// A paragraph.
    Paragraph { inline: Inline, line: usize },
    /// A bulleted or numbered list.
    List { ordered: bool, items: Vec<Item> },
    /// A table: header cells and body rows.
    Table { header: Vec<String>, rows: Vec<Vec<String>>, line: usize },
    /// A fenced or indented code block.
    Code { lang: String, text: String, line: usize },
}

/// One list item.
#[derive(Debug, Clone, Default)]
pub(crate) struct Item {
    /// The item's own first paragraph (or its tight inline text).
    pub inline: Inline,
    /// `Some(checked)` for `- [ ]` / `- [x]` items.
    pub checked: Option<bool>,
    /// Source line of the item.
    pub line: usize,
    /// Nested lists, later paragraphs, code blocks, tables.
    pub children: Vec<Block>,
}

/// Counts used to reject input with no Markdown structure at all.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StructureStats {
    pub headings: usize,
    pub list_items: usize,
    pub tables: usize,
}

#[derive(Default)]
struct InlineBuf {
    text: String,
    lead: Option<String>,
    lead_open_at: Option<usize>,
    lead_decided: bool,
    emphasis_depth: usize,
}

impl InlineBuf {
    fn push_text(&mut self, s: &str) {
        if self.lead_open_at.is_none() && !s.trim().is_empty() {
            self.lead_decided = true;
        }
        self.text.push_str(s);
    }

    fn open_emphasis(&mut self) {
        self.emphasis_depth += 1;
        if !self.lead_decided && self.lead_open_at.is_none() && self.text.trim().is_empty() {
            self.lead_open_at = Some(self.text.len());
        }
    }

    fn close_emphasis(&mut self) {
        self.emphasis_depth = self.emphasis_depth.saturating_sub(1);
        if self.emphasis_depth == 0
            && let Some(start) = self.lead_open_at.take()
        {
            let lead = self.text.get(start..).unwrap_or_default().trim().to_string();
            if !lead.is_empty() {
                self.lead = Some(lead);
            }
            self.lead_decided = true;
        }
    }

    fn finish(self) -> Inline {
        let lines = self.text.split('\n').map(collapse_ws).filter(|l| !l.is_empty()).collect();
        Inline { text: collapse_ws(&self.text), lead: self.lead.map(|l| collapse_ws(&l)), lines }
    }

    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Collapses runs of whitespace into one space and trims.
pub(crate) fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct ItemBuf {
    inline: InlineBuf,
    own: Option<Inline>,
    checked: Option<bool>,
    line: usize,
    children: Vec<Block>,
}

impl ItemBuf {
    /// Moves pending tight text into the item's own text before a nested block starts.
    fn flush_own(&mut self) {
        if self.own.is_none() && !self.inline.is_blank() {
            let buf = std::mem::take(&mut self.inline);
            self.own = Some(buf.finish());
        }
    }
}

enum Frame {
    Para(InlineBuf, usize),
    Heading(u8, InlineBuf, usize),
    List {
        ordered: bool,
        items: Vec<Item>,
    },
    Item(Box<ItemBuf>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        row: Vec<String>,
        line: usize,
    },
    Cell(InlineBuf),
    Code {
        lang: String,
        text: String,
        line: usize,
    },
    /// Containers whose own markup we ignore (HTML blocks, footnotes, block quotes...).
    Transparent,
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    first_line: usize,
}

impl LineIndex {
    /// Builds the index for `text`, whose first line is line `first_line` of the original input.
    pub(crate) fn new(text: &str, first_line: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts, first_line }
    }

    /// The 1-based line containing byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        let idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        idx + self.first_line
    }
}

/// Parses `body` (Markdown without front matter) into a section tree.
pub(crate) fn build(body: &str, first_line: usize) -> (Section, StructureStats) {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_TASKLISTS);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let lines = LineIndex::new(body, first_line);
    let mut builder =
        Builder { sections: vec![Section::default()], frames: Vec::new(), stats: StructureStats::default() };
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        builder.event(event, lines.line(range.start));
    }
    builder.finish()
}

struct Builder {
    sections: Vec<Section>,
    frames: Vec<Frame>,
    stats: StructureStats,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, line: usize) {
        match event {
            Event::Start(tag) => self.start(tag, line),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
            // Kept as a line break so "Label: value" lines written without blank lines stay apart.
            Event::SoftBreak => self.text("\n"),
            Event::HardBreak => self.text("\n"),
            Event::TaskListMarker(checked) => {
                if let Some(Frame::Item(item)) = self.frames.last_mut() {
                    item.checked = Some(checked);
                }
            }
            Event::Html(_) | Event::InlineHtml(_) | Event::FootnoteReference(_) | Event::Rule => {}
        }
    }

    fn text(&mut self, s: &str) {
        match self.frames.last_mut() {
            Some(Frame::Para(buf, _) | Frame::Heading(_, buf, _) | Frame::Cell(buf)) => buf.push_text(s),
            Some(Frame::Item(item)) => item.inline.push_text(s),
            Some(Frame::Code { text, .. }) => text.push_str(s),
            _ => {}
        }
    }

    fn inline_buf(&mut self) -> Option<&mut InlineBuf> {
        match self.frames.last_mut() {
            Some(Frame::Para(buf, _) | Frame::Heading(_, buf, _) | Frame::Cell(buf)) => Some(buf),
            Some(Frame::Item(item)) => Some(&mut item.inline),
            _ => None,
        }
    }

    /// A nested block is starting: tight item text before it is the item's own text.
    fn before_block(&mut self) {
        if let Some(Frame::Item(item)) = self.frames.last_mut() {
            item.flush_own();
        }
    }

    fn start(&mut self, tag: Tag<'_>, line: usize) {
        match tag {
            Tag::Paragraph => {
                self.before_block();
                self.frames.push(Frame::Para(InlineBuf::default(), line));
            }
            Tag::Heading { level, .. } => {
                self.before_block();
                self.frames.push(Frame::Heading(level as u8, InlineBuf::default(), line));
            }
            Tag::List(first) => {
                self.before_block();
                self.frames.push(Frame::List { ordered: first.is_some(), items: Vec::new() });
            }
            Tag::Item => {
                self.stats.list_items += 1;
                self.frames.push(Frame::Item(Box::new(ItemBuf {
                    inline: InlineBuf::default(),
                    own: None,
                    checked: None,
                    line,
                    children: Vec::new(),
                })));
            }
            Tag::Table(_) => {
                self.before_block();
                self.stats.tables += 1;
                self.frames.push(Frame::Table { header: Vec::new(), rows: Vec::new(), row: Vec::new(), line });
            }
            Tag::TableCell => self.frames.push(Frame::Cell(InlineBuf::default())),
            Tag::TableHead | Tag::TableRow => {
                if let Some(Frame::Table { row, .. }) = self.frames.last_mut() {
                    row.clear();
                }
            }
            Tag::CodeBlock(kind) => {
                self.before_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or_default().to_ascii_lowercase()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.frames.push(Frame::Code { lang, text: String::new(), line });
            }
            Tag::Strong | Tag::Emphasis => {
                if let Some(buf) = self.inline_buf() {
                    buf.open_emphasis();
                }
            }
            Tag::BlockQuote(_)
            | Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {
                self.before_block();
                self.frames.push(Frame::Transparent);
            }
            Tag::Strikethrough | Tag::Superscript | Tag::Subscript | Tag::Link { .. } | Tag::Image { .. } => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                if let Some(Frame::Para(buf, line)) = self.frames.pop() {
                    let inline = buf.finish();
                    if let Some(Frame::Item(item)) = self.frames.last_mut()
                        && item.own.is_none()
                        && item.children.is_empty()
                        && item.inline.is_blank()
                    {
                        item.own = Some(inline);
                    } else if !inline.text.is_empty() {
                        self.emit(Block::Paragraph { inline, line });
                    }
                }
            }
            TagEnd::Heading(_) => {
                if let Some(Frame::Heading(level, buf, line)) = self.frames.pop() {
                    let inline = buf.finish();
                    // A heading inside a list item or quote-in-list is content, not structure.
                    let nested = self.frames.iter().any(|f| matches!(f, Frame::Item(_) | Frame::List { .. }));
                    if nested {
                        if !inline.text.is_empty() {
                            self.emit(Block::Paragraph { inline, line });
                        }
                    } else {
                        self.stats.headings += 1;
                        self.open_section(level, inline.text, line);
                    }
                }
            }
            TagEnd::List(_) => {
                if let Some(Frame::List { ordered, items }) = self.frames.pop()
                    && !items.is_empty()
                {
                    self.emit(Block::List { ordered, items });
                }
            }
            TagEnd::Item => {
                if let Some(Frame::Item(mut item)) = self.frames.pop() {
                    item.flush_own();
                    let done = Item {
                        inline: item.own.unwrap_or_default(),
                        checked: item.checked,
                        line: item.line,
                        children: item.children,
                    };
                    if let Some(Frame::List { items, .. }) = self.frames.last_mut() {
                        items.push(done);
                    }
                }
            }
            TagEnd::TableCell => {
                if let Some(Frame::Cell(buf)) = self.frames.pop()
                    && let Some(Frame::Table { row, .. }) = self.frames.last_mut()
                {
                    row.push(buf.finish().text);
                }
            }
            TagEnd::TableHead => {
                if let Some(Frame::Table { header, row, .. }) = self.frames.last_mut() {
                    *header = std::mem::take(row);
                }
            }
            TagEnd::TableRow => {
                if let Some(Frame::Table { rows, row, .. }) = self.frames.last_mut() {
                    rows.push(std::mem::take(row));
                }
            }
            TagEnd::Table => {
                if let Some(Frame::Table { header, rows, line, .. }) = self.frames.pop() {
                    self.emit(Block::Table { header, rows, line });
                }
            }
            TagEnd::CodeBlock => {
                if let Some(Frame::Code { lang, text, line }) = self.frames.pop() {
                    self.emit(Block::Code { lang, text, line });
                }
            }
            TagEnd::Strong | TagEnd::Emphasis => {
                if let Some(buf) = self.inline_buf() {
                    buf.close_emphasis();
                }
            }
            TagEnd::BlockQuote(_)
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {
                if let Some(Frame::Transparent) = self.frames.last() {
                    self.frames.pop();
                }
            }
            TagEnd::Strikethrough | TagEnd::Superscript | TagEnd::Subscript | TagEnd::Link | TagEnd::Image => {}
        }
    }

    /// Attaches a finished block to the innermost open list item, or else to the current section.
    fn emit(&mut self, block: Block) {
        for frame in self.frames.iter_mut().rev() {
            if let Frame::Item(item) = frame {
                item.flush_own();
                item.children.push(block);
                return;
            }
        }
        if let Some(section) = self.sections.last_mut() {
            section.blocks.push(block);
        }
    }

    fn open_section(&mut self, level: u8, title: String, line: usize) {
        self.close_sections_from(level);
        self.sections.push(Section { level, title, line, blocks: Vec::new(), children: Vec::new() });
    }

    /// Closes every open section whose level is `level` or deeper.
    fn close_sections_from(&mut self, level: u8) {
        while self.sections.len() > 1 && self.sections.last().is_some_and(|s| s.level >= level) {
            if let Some(done) = self.sections.pop()
                && let Some(parent) = self.sections.last_mut()
            {
                parent.children.push(done);
            }
        }
    }

    fn finish(mut self) -> (Section, StructureStats) {
        self.close_sections_from(1);
        let root = self.sections.pop().unwrap_or_default();
        (root, self.stats)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn builds_nested_sections_and_items() {
        let md = "# T\n\n## Features\n### Login\n- Priority: High\n- Acceptance Criteria:\n  - [x] works\n  - fails well\n\n### Logout\ntext\n";
        let (root, stats) = build(md, 1);
        assert_eq!(stats.headings, 4);
        assert_eq!(root.children.len(), 1);
        let t = &root.children[0];
        assert_eq!(t.title, "T");
        let features = &t.children[0];
        assert_eq!(features.children.len(), 2);
        let login = &features.children[0];
        assert_eq!(login.line, 4);
        let Block::List { items, .. } = &login.blocks[0] else { panic!("expected list") };
        assert_eq!(items[0].inline.text, "Priority: High");
        assert_eq!(items[1].inline.text, "Acceptance Criteria:");
        let Block::List { items: nested, .. } = &items[1].children[0] else { panic!("expected nested list") };
        assert_eq!(nested[0].checked, Some(true));
        assert_eq!(nested[0].inline.text, "works");
        assert_eq!(nested[1].line, 8);
    }

    #[test]
    fn records_leading_bold_span() {
        let (root, _) = build("- **Search**: find things\n- plain **bold** later\n", 1);
        let Block::List { items, .. } = &root.blocks[0] else { panic!("expected list") };
        assert_eq!(items[0].inline.lead.as_deref(), Some("Search"));
        assert_eq!(items[0].inline.text, "Search: find things");
        assert_eq!(items[1].inline.lead, None);
    }

    #[test]
    fn tables_have_header_and_rows() {
        let (root, stats) = build("| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n", 5);
        assert_eq!(stats.tables, 1);
        let Block::Table { header, rows, line } = &root.blocks[0] else { panic!("expected table") };
        assert_eq!(header, &vec!["A".to_string(), "B".to_string()]);
        assert_eq!(rows.len(), 2);
        assert_eq!(*line, 5);
    }

    #[test]
    fn loose_items_keep_first_paragraph_as_text() {
        let (root, _) = build("1. Name\n\n   More text.\n\n   - sub\n2. Other\n", 1);
        let Block::List { ordered, items } = &root.blocks[0] else { panic!("expected list") };
        assert!(ordered);
        assert_eq!(items[0].inline.text, "Name");
        assert_eq!(items[0].children.len(), 2);
    }
}
