//! Who imports whom: one simple, documented heuristic per language, resolved against the scanned tree.
//!
//! | language | statements read | resolved to |
//! |---|---|---|
//! | python | `import a.b`, `from a.b import c`, `from .x import y` | `a/b.py`, `a/b/__init__.py`, `a/b/c.py` anywhere in the tree (suffix match); relative imports from the importer's package |
//! | javascript / typescript | `import … from './x'`, `import './x'`, `export … from`, `require('./x')`, `import('./x')` | relative specifiers only, trying `.ts .tsx .js .jsx .mjs .cjs .mts .cts` and `index.*`; `./x.js` also finds `x.ts` |
//! | bash | `source f`, `. f` | relative to the script, then to the root; `"$(dirname "$0")/f"` and `"$DIR/f"` are read as relative to the script |
//! | sql | `\i f`, `\ir f`, `.read f`, `SOURCE f`; `REFERENCES t` | included files; the file that runs `CREATE TABLE t` |
//! | rust | `mod m;`, `use crate::…`, `use super::…`, `use self::…`, `use other_crate::…` | `m.rs` / `m/mod.rs` next to the module; longest existing module prefix; workspace crates by their `Cargo.toml` name |
//! | go | `import "mod/pkg"` and import blocks | every `.go` file in the package directory, found through `go.mod`'s `module` line |
//!
//! Package imports (`import os`, `from 'react'`, `use serde::…`, `"fmt"`) point outside the tree and are ignored.

use std::collections::{BTreeMap, BTreeSet};

use crate::text::static_regex;

/// One import statement, as written, before it is resolved to files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawImport {
    /// `import a.b` (`level` 0, `names` empty) or `from ..a import b, c`.
    Python {
        /// Leading dots of a relative import.
        level: usize,
        /// Dotted module path, split.
        module: Vec<String>,
        /// Names after `import` in a `from` import.
        names: Vec<String>,
    },
    /// A JavaScript/TypeScript module specifier.
    Js(String),
    /// A path given to `source` or `.`.
    Shell(String),
    /// A file included by a SQL client directive.
    SqlInclude(String),
    /// A table named by a foreign key.
    SqlReferences(String),
    /// `mod name;`.
    RustMod(String),
    /// A `use` path, split on `::`.
    RustUse(Vec<String>),
    /// A Go import path.
    Go(String),
}

/// Reads the import statements of a file written in `language`.
pub fn extract(language: &str, content: &str) -> Vec<RawImport> {
    match language {
        "python" => extract_python(content),
        "javascript" | "typescript" => extract_js(content),
        "bash" => extract_shell(content),
        "sql" => extract_sql(content),
        "rust" => extract_rust(content),
        "go" => extract_go(content),
        _ => Vec::new(),
    }
}

fn extract_python(content: &str) -> Vec<RawImport> {
    let mut out = Vec::new();
    let plain = static_regex!(r"(?m)^\s*import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)");
    for cap in plain.captures_iter(content) {
        for item in cap[1].split(',') {
            let module = item.split_whitespace().next().unwrap_or_default();
            out.push(RawImport::Python { level: 0, module: dotted(module), names: Vec::new() });
        }
    }
    // Only a parenthesised name list may span lines; a plain one ends at the line's end, so the
    // next statement is never read as imported names.
    let from = static_regex!(r"(?m)^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*(?:\(([\w\s,]*)\)|([\w \t,*]+))");
    for cap in from.captures_iter(content) {
        let list = cap.get(3).or_else(|| cap.get(4)).map_or("", |m| m.as_str());
        let names = list
            .split(',')
            .filter_map(|n| n.split_whitespace().next())
            .filter(|n| *n != "*")
            .map(str::to_owned)
            .collect();
        out.push(RawImport::Python { level: cap[1].len(), module: dotted(&cap[2]), names });
    }
    out
}

fn dotted(module: &str) -> Vec<String> {
    module.split('.').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn extract_js(content: &str) -> Vec<RawImport> {
    let patterns = [
        static_regex!(r#"\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"\n]+)['"]"#),
        static_regex!(r#"(?m)^\s*import\s*['"]([^'"\n]+)['"]"#),
        static_regex!(r#"\b(?:require|import)\s*\(\s*['"]([^'"\n]+)['"]\s*\)"#),
    ];
    let mut specs = BTreeSet::new();
    for pattern in patterns {
        specs.extend(pattern.captures_iter(content).map(|c| c[1].to_owned()));
    }
    specs.into_iter().map(RawImport::Js).collect()
}

fn extract_shell(content: &str) -> Vec<RawImport> {
    static_regex!(r#"(?m)^\s*(?:source|\.)\s+([^;&|#\n]+)"#)
        .captures_iter(content)
        .filter_map(|cap| {
            let arg = cap[1].trim();
            if arg.starts_with('/') {
                return None;
            }
            // Everything up to the last variable or command substitution is "the script's directory".
            let tail = if let Some(dollar) = arg.rfind('$') {
                let end = arg.rfind(['}', ')']).unwrap_or_else(|| var_end(arg, dollar));
                arg.get(end + 1..).unwrap_or_default()
            } else {
                arg
            };
            let tail = tail.split_whitespace().next().unwrap_or_default();
            let tail = tail.trim_matches(|c| c == '"' || c == '\'').trim_start_matches('/');
            (!tail.is_empty() && !tail.contains('$')).then(|| RawImport::Shell(tail.to_owned()))
        })
        .collect()
}

/// Index of the last character of the `$NAME` that starts at `dollar`.
fn var_end(arg: &str, dollar: usize) -> usize {
    let rest = &arg[dollar + 1..];
    let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    dollar + len
}

fn extract_sql(content: &str) -> Vec<RawImport> {
    let mut out: Vec<RawImport> = static_regex!(r"(?mi)^\s*(?:\\ir?|\.read|source)\s+'?([^\s;']+)")
        .captures_iter(content)
        .map(|cap| RawImport::SqlInclude(cap[1].to_owned()))
        .collect();
    let tables: BTreeSet<String> = static_regex!(r#"(?i)\breferences\s+([\w."]+)"#)
        .captures_iter(content)
        .map(|cap| sql_table_name(&cap[1]))
        .collect();
    out.extend(tables.into_iter().map(RawImport::SqlReferences));
    out
}

/// `"public"."Users"` → `users`: schema dropped, quotes removed, case folded.
pub fn sql_table_name(raw: &str) -> String {
    raw.rsplit('.').next().unwrap_or(raw).trim_matches('"').to_lowercase()
}

/// Tables a SQL file creates.
pub fn sql_created_tables(content: &str) -> BTreeSet<String> {
    static_regex!(r#"(?i)\bcreate\s+(?:temp\w*\s+)?table\s+(?:if\s+not\s+exists\s+)?([\w."]+)"#)
        .captures_iter(content)
        .map(|cap| sql_table_name(&cap[1]))
        .collect()
}

fn extract_rust(content: &str) -> Vec<RawImport> {
    let mut out: Vec<RawImport> = static_regex!(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;")
        .captures_iter(content)
        .map(|cap| RawImport::RustMod(cap[1].to_owned()))
        .collect();
    for cap in static_regex!(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([\w:{}\s,*]+);").captures_iter(content) {
        let compact: String = cap[1].split_whitespace().collect::<Vec<_>>().join(" ");
        for path in expand_use(&compact) {
            out.push(RawImport::RustUse(path));
        }
    }
    out
}

/// Expands `a::{b, c::{d, e as f}, self}` into `a::b`, `a::c::d`, `a::c::e`, `a`.
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let (prefix, group) = match tree.find('{') {
        Some(open) if tree.ends_with('}') => (&tree[..open], Some(&tree[open + 1..tree.len() - 1])),
        _ => (tree, None),
    };
    let prefix: Vec<String> = prefix
        .split("::")
        .map(|s| s.split(" as ").next().unwrap_or_default().trim())
        .filter(|s| !s.is_empty() && *s != "*")
        .map(str::to_owned)
        .collect();
    let Some(group) = group else { return vec![prefix] };
    let mut out = Vec::new();
    for item in split_top_level(group) {
        if item.trim() == "self" {
            out.push(prefix.clone());
            continue;
        }
        for tail in expand_use(item) {
            let mut full = prefix.clone();
            full.extend(tail);
            out.push(full);
        }
    }
    out
}

fn split_top_level(group: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&group[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

fn extract_go(content: &str) -> Vec<RawImport> {
    let mut specs = BTreeSet::new();
    for cap in static_regex!(r#"(?m)^\s*import\s+(?:[\w.]+\s+)?"([^"]+)""#).captures_iter(content) {
        specs.insert(cap[1].to_owned());
    }
    for block in static_regex!(r"(?s)\bimport\s*\(([^)]*)\)").captures_iter(content) {
        for cap in static_regex!(r#"(?m)^\s*(?:[\w.]+\s+)?"([^"]+)""#).captures_iter(&block[1]) {
            specs.insert(cap[1].to_owned());
        }
    }
    specs.into_iter().map(RawImport::Go).collect()
}

/// The scanned tree, indexed for resolving imports.
#[derive(Debug, Default)]
pub struct Resolver {
    files: BTreeSet<String>,
    by_name: BTreeMap<String, Vec<String>>,
    rust_crates: BTreeMap<String, String>,
    go_modules: Vec<(String, String)>,
    go_packages: BTreeMap<String, Vec<String>>,
    sql_tables: BTreeMap<String, Vec<String>>,
}

impl Resolver {
    /// Indexes every scanned path (relative, `/`-separated).
    pub fn new(paths: impl IntoIterator<Item = String>) -> Self {
        let mut r = Self::default();
        for path in paths {
            r.by_name.entry(file_name(&path).to_owned()).or_default().push(path.clone());
            if path.ends_with(".go") {
                r.go_packages.entry(parent_dir(&path).to_owned()).or_default().push(path.clone());
            }
            r.files.insert(path);
        }
        r
    }

    /// Records a Rust package found in `<dir>/Cargo.toml` so `use <name>::…` resolves into `<dir>/src`.
    pub fn add_rust_crate(&mut self, manifest_path: &str, manifest: &str) {
        let name = static_regex!(r#"(?s)\[package\][^\[]*?\bname\s*=\s*"([^"]+)""#);
        if let Some(cap) = name.captures(manifest) {
            let src = join_dir(parent_dir(manifest_path), "src");
            self.rust_crates.insert(cap[1].replace('-', "_"), src);
        }
    }

    /// Records a Go module found in `<dir>/go.mod`.
    pub fn add_go_module(&mut self, gomod_path: &str, gomod: &str) {
        if let Some(cap) = static_regex!(r"(?m)^\s*module\s+(\S+)").captures(gomod) {
            self.go_modules.push((cap[1].to_owned(), parent_dir(gomod_path).to_owned()));
            // Longest module path first, so nested modules win.
            self.go_modules.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        }
    }

    /// Records the tables a SQL file creates, for `REFERENCES` edges.
    pub fn add_sql_tables(&mut self, path: &str, tables: BTreeSet<String>) {
        for table in tables {
            self.sql_tables.entry(table).or_default().push(path.to_owned());
        }
    }

    /// The files `import` (found in `importer`) points at, excluding the importer itself.
    pub fn resolve(&self, importer: &str, import: &RawImport) -> BTreeSet<String> {
        let dir = parent_dir(importer);
        let mut found: BTreeSet<String> = match import {
            RawImport::Python { level, module, names } => self.resolve_python(dir, *level, module, names),
            RawImport::Js(spec) => self.resolve_js(dir, spec).into_iter().collect(),
            RawImport::Shell(path) | RawImport::SqlInclude(path) => self.resolve_relative_then_root(dir, path),
            RawImport::SqlReferences(table) => {
                self.sql_tables.get(table).cloned().unwrap_or_default().into_iter().collect()
            }
            RawImport::RustMod(name) => self.resolve_rust_mod(importer, name).into_iter().collect(),
            RawImport::RustUse(path) => self.resolve_rust_use(importer, path).into_iter().collect(),
            RawImport::Go(path) => self.resolve_go(path),
        };
        found.remove(importer);
        found
    }

    fn exists(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    fn first_existing(&self, candidates: impl IntoIterator<Item = String>) -> Option<String> {
        candidates.into_iter().find(|c| self.exists(c))
    }

    /// Files whose path is `suffix` or ends with `/suffix`.
    fn by_suffix(&self, suffix: &str) -> Vec<String> {
        self.by_name
            .get(file_name(suffix))
            .map(|paths| paths.iter().filter(|p| *p == suffix || p.ends_with(&format!("/{suffix}"))).cloned().collect())
            .unwrap_or_default()
    }

    fn resolve_python(&self, dir: &str, level: usize, module: &[String], names: &[String]) -> BTreeSet<String> {
        let mut modules: Vec<Vec<String>> = Vec::new();
        if !module.is_empty() {
            modules.push(module.to_vec());
        }
        for name in names {
            let mut m = module.to_vec();
            m.push(name.clone());
            modules.push(m);
        }
        let mut out = BTreeSet::new();
        if level == 0 {
            for m in &modules {
                let base = m.join("/");
                out.extend(self.by_suffix(&format!("{base}.py")));
                out.extend(self.by_suffix(&format!("{base}/__init__.py")));
            }
        } else {
            let mut package = Some(dir.to_owned());
            for _ in 1..level {
                package = package.as_deref().and_then(parent_of_dir);
            }
            let Some(package) = package else { return out };
            for m in &modules {
                let base = join_dir(&package, &m.join("/"));
                out.extend(self.first_existing([format!("{base}.py"), format!("{base}/__init__.py")]));
            }
        }
        out
    }

    fn resolve_js(&self, dir: &str, spec: &str) -> Option<String> {
        if !spec.starts_with('.') {
            return None;
        }
        let base = normalize_join(dir, spec)?;
        const EXTS: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"];
        let mut candidates = vec![base.clone()];
        candidates.extend(EXTS.iter().map(|e| format!("{base}.{e}")));
        candidates.extend(EXTS.iter().map(|e| format!("{base}/index.{e}")));
        // TypeScript's ESM style imports `./x.js` for a source file `x.ts`.
        for (js, ts) in [(".js", ".ts"), (".js", ".tsx"), (".jsx", ".tsx"), (".mjs", ".mts"), (".cjs", ".cts")] {
            if let Some(stem) = base.strip_suffix(js) {
                candidates.push(format!("{stem}{ts}"));
            }
        }
        self.first_existing(candidates)
    }

    fn resolve_relative_then_root(&self, dir: &str, path: &str) -> BTreeSet<String> {
        let candidates = [normalize_join(dir, path), normalize_join("", path)];
        self.first_existing(candidates.into_iter().flatten()).into_iter().collect()
    }

    fn resolve_rust_mod(&self, importer: &str, name: &str) -> Option<String> {
        let module_dir = rust_module_dir(importer);
        let base = join_dir(&module_dir, name);
        self.first_existing([format!("{base}.rs"), format!("{base}/mod.rs")])
    }

    fn resolve_rust_use(&self, importer: &str, path: &[String]) -> Option<String> {
        let (first, rest) = path.split_first()?;
        let base = match first.as_str() {
            "crate" => self.rust_crate_src(importer)?,
            "self" => rust_module_dir(importer),
            "super" => {
                let mut module = rust_module_dir(importer);
                let mut rest = rest;
                module = parent_of_dir(&module)?;
                while rest.first().is_some_and(|s| s == "super") {
                    module = parent_of_dir(&module)?;
                    rest = &rest[1..];
                }
                return self.rust_longest_prefix(&module, rest);
            }
            other => self.rust_crates.get(other)?.clone(),
        };
        self.rust_longest_prefix(&base, rest)
    }

    /// The deepest module file along `segments` under `base`, else `base`'s own module file.
    fn rust_longest_prefix(&self, base: &str, segments: &[String]) -> Option<String> {
        for len in (1..=segments.len()).rev() {
            let candidate = join_dir(base, &segments[..len].join("/"));
            if let Some(found) = self.first_existing([format!("{candidate}.rs"), format!("{candidate}/mod.rs")]) {
                return Some(found);
            }
        }
        self.first_existing([
            format!("{base}.rs"),
            join_dir(base, "mod.rs"),
            join_dir(base, "lib.rs"),
            join_dir(base, "main.rs"),
        ])
    }

    /// The nearest ancestor directory of `importer` holding `lib.rs` or `main.rs`.
    fn rust_crate_src(&self, importer: &str) -> Option<String> {
        let mut dir = Some(parent_dir(importer).to_owned());
        while let Some(d) = dir {
            if self.exists(&join_dir(&d, "lib.rs")) || self.exists(&join_dir(&d, "main.rs")) {
                return Some(d);
            }
            dir = parent_of_dir(&d);
        }
        None
    }

    fn resolve_go(&self, import: &str) -> BTreeSet<String> {
        for (module, module_dir) in &self.go_modules {
            let rest = if import == module {
                ""
            } else if let Some(rest) = import.strip_prefix(&format!("{module}/")) {
                rest
            } else {
                continue;
            };
            let dir = join_dir(module_dir, rest);
            return self
                .go_packages
                .get(&dir)
                .map(|files| files.iter().filter(|f| !f.ends_with("_test.go")).cloned().collect())
                .unwrap_or_default();
        }
        BTreeSet::new()
    }
}

/// The directory whose files a Rust file's `mod x;` declarations live in.
fn rust_module_dir(file: &str) -> String {
    let dir = parent_dir(file);
    match file_name(file) {
        "lib.rs" | "main.rs" | "mod.rs" => dir.to_owned(),
        name => join_dir(dir, name.trim_end_matches(".rs")),
    }
}

/// Final component of a `/`-separated path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Directory part of a `/`-separated path (`""` at the root).
pub fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn parent_of_dir(dir: &str) -> Option<String> {
    if dir.is_empty() { None } else { Some(parent_dir(dir).to_owned()) }
}

fn join_dir(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (false, true) => dir.to_owned(),
        (false, false) => format!("{dir}/{rest}"),
    }
}

/// Joins and resolves `.`/`..`; `None` when the path leaves the root.
fn normalize_join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tree(paths: &[&str]) -> Resolver {
        Resolver::new(paths.iter().map(|p| (*p).to_owned()))
    }

    fn resolved(r: &Resolver, importer: &str, language: &str, content: &str) -> Vec<String> {
        let mut all = BTreeSet::new();
        for imp in extract(language, content) {
            all.extend(r.resolve(importer, &imp));
        }
        all.into_iter().collect()
    }

    #[test]
    fn python_absolute_relative_and_from_imports() {
        let r = tree(&["app/auth/session.py", "app/auth/__init__.py", "app/db.py", "app/main.py", "lib/util.py"]);
        let src = "import os\nimport app.db as database\nfrom app.auth import session, missing\nfrom . import db\nfrom .auth.session import Session\n";
        assert_eq!(
            resolved(&r, "app/main.py", "python", src),
            vec!["app/auth/__init__.py", "app/auth/session.py", "app/db.py"]
        );
        assert_eq!(resolved(&r, "lib/tool.py", "python", "from ..app import db"), vec!["app/db.py"]);
    }

    #[test]
    fn python_from_import_stops_at_the_end_of_its_line() {
        // The old pattern ran across lines: the second `from` was swallowed as names of the first.
        let src = "from app.auth import session\nfrom app import db\nimport lib.util\nfrom app import (\n    main as entry,\n    db,\n)\nx = 1\n";
        let names: Vec<Vec<String>> = extract("python", src)
            .into_iter()
            .filter_map(|i| match i {
                RawImport::Python { names, .. } if !names.is_empty() => Some(names),
                _ => None,
            })
            .collect();
        let want: Vec<Vec<String>> = vec![vec!["session".into()], vec!["db".into()], vec!["main".into(), "db".into()]];
        assert_eq!(names, want);
        let r = tree(&["app/auth/session.py", "app/auth/__init__.py", "app/db.py", "app/main.py", "lib/util.py"]);
        assert_eq!(
            resolved(&r, "app/x.py", "python", src),
            vec!["app/auth/__init__.py", "app/auth/session.py", "app/db.py", "app/main.py", "lib/util.py"]
        );
    }

    #[test]
    fn js_ts_relative_specifiers_with_extensions_and_index() {
        let r = tree(&["src/auth/session.ts", "src/util/index.js", "src/app.tsx", "src/legacy.js"]);
        let src = "import { S } from './auth/session.js';\nimport {\n  a,\n} from \"./util\";\nconst l = require('./legacy');\nimport React from 'react';\nexport * from './nowhere';\n";
        assert_eq!(
            resolved(&r, "src/app.tsx", "typescript", src),
            vec!["src/auth/session.ts", "src/legacy.js", "src/util/index.js"]
        );
    }

    #[test]
    fn shell_sources_relative_to_script() {
        let r = tree(&["scripts/lib/common.sh", "scripts/deploy.sh", "env.sh"]);
        let src = "#!/bin/bash\nsource \"$(dirname \"$0\")/lib/common.sh\"\n. env.sh\nsource /etc/profile\n";
        assert_eq!(resolved(&r, "scripts/deploy.sh", "bash", src), vec!["env.sh", "scripts/lib/common.sh"]);
    }

    #[test]
    fn sql_includes_and_foreign_keys() {
        let mut r = tree(&["db/users.sql", "db/orders.sql", "db/all.sql"]);
        r.add_sql_tables("db/users.sql", sql_created_tables("CREATE TABLE IF NOT EXISTS \"Users\" (id int);"));
        let orders = "create table orders (user_id int REFERENCES public.users(id));";
        assert_eq!(resolved(&r, "db/orders.sql", "sql", orders), vec!["db/users.sql"]);
        assert_eq!(
            resolved(&r, "db/all.sql", "sql", "\\i users.sql\n\\ir orders.sql\n"),
            vec!["db/orders.sql", "db/users.sql"]
        );
    }

    #[test]
    fn rust_mods_uses_and_workspace_crates() {
        let mut r = tree(&[
            "src/lib.rs",
            "src/auth.rs",
            "src/auth/token.rs",
            "src/db/mod.rs",
            "crates/core-types/src/lib.rs",
            "crates/core-types/src/id.rs",
        ]);
        r.add_rust_crate("crates/core-types/Cargo.toml", "[package]\nname = \"core-types\"\nversion = \"0.1.0\"\n");
        assert_eq!(
            resolved(&r, "src/lib.rs", "rust", "pub mod auth;\nmod db;\nmod gone;\n"),
            vec!["src/auth.rs", "src/db/mod.rs"]
        );
        assert_eq!(resolved(&r, "src/auth.rs", "rust", "mod token;\n"), vec!["src/auth/token.rs"]);
        let uses = "use crate::auth::token::{Token, self};\nuse super::super::db::Pool;\nuse core_types::{id::Id};\nuse serde::Serialize;\n";
        assert_eq!(
            resolved(&r, "src/auth/token.rs", "rust", uses),
            vec!["crates/core-types/src/id.rs", "src/db/mod.rs"]
        );
        assert_eq!(
            resolved(&r, "src/db/mod.rs", "rust", "use crate::auth::{token::Token};"),
            vec!["src/auth/token.rs"]
        );
        assert_eq!(resolved(&r, "src/auth.rs", "rust", "use super::db::Pool;"), vec!["src/db/mod.rs"]);
    }

    #[test]
    fn go_packages_through_go_mod() {
        let mut r = tree(&["go.mod", "internal/auth/auth.go", "internal/auth/auth_test.go", "cmd/main.go"]);
        r.add_go_module("go.mod", "module example.com/shop\n\ngo 1.22\n");
        let src = "package main\n\nimport (\n\t\"fmt\"\n\tauth \"example.com/shop/internal/auth\"\n)\n";
        assert_eq!(resolved(&r, "cmd/main.go", "go", src), vec!["internal/auth/auth.go"]);
    }

    #[test]
    fn use_trees_expand() {
        assert_eq!(
            expand_use("a::{b, c::{d, e as f}, self}"),
            vec![vec!["a", "b"], vec!["a", "c", "d"], vec!["a", "c", "e"], vec!["a"],]
        );
    }
}
