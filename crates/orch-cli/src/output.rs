//! How output reaches people and pipes: colour, terminal width, tables or tab-separated rows, closed pipes.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use anyhow::Context;
use clap::ValueEnum;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour (even piped, even with `NO_COLOR`).
    Always,
    /// Never colour.
    Never,
}

/// The output settings of this run.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colours on stdout.
    pub color: bool,
    /// Tables (stdout is a terminal) rather than tab-separated rows.
    pub tables: bool,
    /// Columns available.
    pub width: u16,
}

static STYLE: OnceLock<Style> = OnceLock::new();

/// Decides the style once, from `--color`, `NO_COLOR`, `TERM`, `COLUMNS` and whether stdout is a terminal.
pub fn init(choice: ColorChoice) {
    let tty = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !no_color && !dumb,
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20)
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0))
        .unwrap_or(80);
    let _ = STYLE.set(Style { color, tables: tty, width });
}

/// The style decided by [`init`] (plain, 80 columns, if it was not called).
pub fn style() -> Style {
    *STYLE.get_or_init(|| Style { color: false, tables: false, width: 80 })
}

/// Writes to stdout and flushes; `Ok(false)` when the reader closed the pipe (`| head`).
fn to_stdout(args: fmt::Arguments<'_>) -> std::io::Result<bool> {
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes to stdout; a closed pipe (`| head`) ends the program quietly with status 141, as a shell reports SIGPIPE.
pub fn write_out(args: fmt::Arguments<'_>) {
    match to_stdout(args) {
        Ok(true) => {}
        Ok(false) => std::process::exit(141),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {e}");
            std::process::exit(1);
        }
    }
}

/// Writes a whole text to stdout for a command whose work goes on after printing: a closed pipe is not an error and
/// does not end the program.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    to_stdout(format_args!("{text}")).map(drop).context("cannot write to stdout")
}

/// `println!` that survives a closed pipe.
#[macro_export]
macro_rules! outln {
    () => { $crate::output::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that survives a closed pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_out(format_args!($($arg)*)) };
}

/// A colour for a cell or a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// No colour.
    #[default]
    Plain,
    /// Completed.
    Good,
    /// In progress, priority 3.
    Busy,
    /// Blocked, priority 4.
    Alert,
    /// Secondary text (ids, counts).
    Dim,
}

impl Tone {
    fn ansi(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Good => Some("32"),
            Tone::Busy => Some("33"),
            Tone::Alert => Some("1;31"),
            Tone::Dim => Some("2"),
        }
    }

    fn color(self) -> Option<Color> {
        match self {
            Tone::Plain | Tone::Dim => None,
            Tone::Good => Some(Color::Green),
            Tone::Busy => Some(Color::Yellow),
            Tone::Alert => Some(Color::Red),
        }
    }
}

/// A word in a tone, when colour is on.
pub fn paint(text: &str, tone: Tone) -> String {
    match tone.ansi() {
        Some(code) if style().color => format!("\x1b[{code}m{text}\x1b[0m"),
        _ => text.to_string(),
    }
}

/// The tone of a status name.
pub fn status_tone(status: &str) -> Tone {
    match status {
        "completed" => Tone::Good,
        "in_progress" => Tone::Busy,
        "blocked" => Tone::Alert,
        _ => Tone::Plain,
    }
}

/// The tone of a priority 0-4.
pub fn priority_tone(priority: u8) -> Tone {
    match priority {
        4 => Tone::Alert,
        3 => Tone::Busy,
        _ => Tone::Plain,
    }
}

/// Rows with a header: a table that fits the terminal (one line per row, long cells cut with `…`, empty columns
/// dropped) on a terminal, tab-separated rows without a header when piped.
pub struct Grid {
    header: Vec<&'static str>,
    rows: Vec<Vec<(String, Tone)>>,
    /// Cells may wrap (key-value views) instead of being cut to one line.
    wrap: bool,
}

impl Grid {
    /// A grid with these columns.
    pub fn new(header: &[&'static str]) -> Self {
        Grid { header: header.to_vec(), rows: Vec::new(), wrap: false }
    }

    /// Lets long cells wrap instead of cutting them.
    pub fn wrapping(mut self) -> Self {
        self.wrap = true;
        self
    }

    /// Adds a row of plain cells.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(|c| (c, Tone::Plain)).collect());
    }

    /// Adds a row of coloured cells.
    pub fn toned(&mut self, cells: Vec<(String, Tone)>) {
        self.rows.push(cells);
    }

    /// True once a row was added.
    pub fn has_rows(&self) -> bool {
        !self.rows.is_empty()
    }

    /// Prints it in the run's style.
    pub fn print(&self) {
        let s = style();
        if s.tables {
            outln!("{}", self.table(s));
        } else {
            for row in &self.rows {
                let cells: Vec<String> = row.iter().map(|(c, tone)| paint(&tsv_cell(c), *tone)).collect();
                outln!("{}", cells.join("\t"));
            }
        }
    }

    /// The table for a terminal of `s.width` columns.
    pub fn table(&self, s: Style) -> Table {
        let keep: Vec<usize> = (0..self.header.len())
            .filter(|&i| self.rows.iter().any(|r| r.get(i).is_some_and(|(c, _)| !c.is_empty())))
            .collect();
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(s.width)
            .set_truncation_indicator("…");
        if !s.color {
            t.force_no_tty();
        } else {
            t.enforce_styling();
        }
        t.set_header(keep.iter().map(|&i| Cell::new(self.header[i]).add_attribute(Attribute::Bold)));
        for row in &self.rows {
            let cells = keep.iter().map(|&i| {
                let (text, tone) = row.get(i).cloned().unwrap_or_default();
                let cell = Cell::new(text);
                match tone.color() {
                    Some(c) if s.color => cell.fg(c),
                    _ => cell,
                }
            });
            let mut r = comfy_table::Row::from(cells);
            if !self.wrap {
                r.max_height(1);
            }
            t.add_row(r);
        }
        t
    }
}

/// A cell on one line with no tabs, so `cut -f` and `awk -F'\t'` see the columns.
fn tsv_cell(text: &str) -> String {
    text.chars().map(|c| if c == '\t' || c == '\n' || c == '\r' { ' ' } else { c }).collect()
}

/// A progress bar on stderr, drawn only when stderr is a terminal (never into logs or pipes).
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr())
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// A spinner on stderr for work of unknown length, drawn only when stderr is a terminal.
pub fn spinner(what: &str) -> indicatif::ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_fit_the_width_and_cut_long_cells() {
        let mut g = Grid::new(&["id", "title", "empty"]);
        g.row(vec!["#1".into(), "word ".repeat(60), String::new()]);
        let text = g.table(Style { color: false, tables: true, width: 80 }).to_string();
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(text.contains('…'), "{text}");
        assert!(!text.contains("empty"), "an empty column is dropped: {text}");
        assert_eq!(text.lines().count(), 5, "one line per row: {text}");
    }

    #[test]
    fn tsv_cells_stay_on_one_line() {
        assert_eq!(tsv_cell("a\tb\nc"), "a b c");
    }
}
