//! TypeScript to JavaScript in-process with oxc: parse, strip types, print.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_codegen::Codegen;
use oxc_parser::Parser;
use oxc_semantic::SemanticBuilder;
use oxc_span::SourceType;
use oxc_transformer::{TransformOptions, Transformer};

/// JavaScript ready for node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transpiled {
    /// The emitted code.
    pub code: String,
    /// Whether it uses `import`/`export` (so it must run as an ES module).
    pub is_module: bool,
}

/// A syntax error with a 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The parser's message.
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TypeScript syntax error at line {}, column {}: {}", self.line, self.column, self.message)
    }
}

fn position(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..source.floor_char_boundary(offset.min(source.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The first error of an oxc diagnostics list, positioned (oxc does not re-export its diagnostic type, so callers
/// pass the label offset and message).
macro_rules! first_error {
    ($source:expr, $diagnostics:expr) => {
        $diagnostics.errors().next().map(|d| {
            let offset = d.labels.first().map_or(0, |l| l.offset() as usize);
            let (line, column) = position($source, offset);
            SyntaxError { line, column, message: d.message.to_string() }
        })
    };
}

/// Transpiles TypeScript source; the first syntax or transform error is returned with its position.
pub(crate) fn transpile(source: &str) -> Result<Transpiled, SyntaxError> {
    let allocator = Allocator::default();
    let source_type = SourceType::ts();
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(error) = first_error!(source, parsed.diagnostics) {
        return Err(error);
    }
    let is_module = parsed.module_record.has_module_syntax;
    let mut program = parsed.program;
    let semantic = SemanticBuilder::new().build(&program);
    let scoping = semantic.semantic.into_scoping();
    let options = TransformOptions::default();
    let transformed =
        Transformer::new(&allocator, Path::new("main.ts"), &options).build_with_scoping(scoping, &mut program);
    if let Some(error) = first_error!(source, transformed.diagnostics) {
        return Err(error);
    }
    Ok(Transpiled { code: Codegen::new().build(&program).code, is_module })
}

/// Whether JavaScript source uses module syntax (so node must run it as an ES module); false when it does not parse,
/// letting node report the error.
pub(crate) fn javascript_is_module(source: &str) -> bool {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, SourceType::mjs()).parse();
    !parsed.diagnostics.has_errors() && parsed.module_record.has_module_syntax
}

/// The deepest nesting of `(`, `[` and `{` outside strings and comments (a cheap pre-check before any parser sees
/// the code; template literals and regular expressions are counted approximately, which only errs towards more
/// depth for code that has no business being this deep).
pub(crate) fn nesting_depth(source: &str) -> usize {
    #[derive(PartialEq)]
    enum State {
        Code,
        Line,
        Block,
        Quote(u8),
    }
    let bytes = source.as_bytes();
    let (mut depth, mut deepest, mut state, mut i) = (0usize, 0usize, State::Code, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        match state {
            State::Code => match b {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b'\'' | b'"' | b'`' => state = State::Quote(b),
                b'/' if bytes.get(i + 1) == Some(&b'/') => state = State::Line,
                b'/' if bytes.get(i + 1) == Some(&b'*') => state = State::Block,
                _ => {}
            },
            State::Line if b == b'\n' => state = State::Code,
            State::Block if b == b'*' && bytes.get(i + 1) == Some(&b'/') => {
                state = State::Code;
                i += 1;
            }
            State::Quote(_) if b == b'\\' => i += 1,
            State::Quote(q) if b == q => state = State::Code,
            _ => {}
        }
        i += 1;
    }
    deepest
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn strips_types_and_keeps_behaviour() {
        let out =
            transpile("interface P { x: number }\nconst p: P = { x: 2 };\nconsole.log(p.x as number * 21);\n").unwrap();
        assert!(!out.code.contains("interface"), "{}", out.code);
        assert!(out.code.contains("console.log"), "{}", out.code);
        assert!(!out.is_module);
        assert!(transpile("import fs from 'node:fs';\nexport const a: string = 'x';\n").unwrap().is_module);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = transpile("const a: number = 1;\nlet b = (;\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert_eq!(err.column, 10, "{err}");
        assert!(err.to_string().starts_with("TypeScript syntax error at line 2, column 10"), "{err}");
    }

    #[test]
    fn nesting_depth_counts_brackets_outside_strings_and_comments() {
        assert_eq!(nesting_depth("f([{a: 1}])"), 3);
        assert_eq!(nesting_depth("'((((' // [[[[\n/* {{{{ */ x"), 0);
        assert_eq!(nesting_depth(&format!("{}{}", "[".repeat(20_000), "]".repeat(20_000))), 20_000);
        assert_eq!(nesting_depth("\"a\\\"(\" + (1)"), 1);
    }

    #[test]
    fn javascript_module_detection() {
        assert!(javascript_is_module("import os from 'node:os'; console.log(os.EOL)"));
        assert!(!javascript_is_module("const os = require('os'); console.log(1)"));
        assert!(!javascript_is_module("this is not js"));
    }
}
