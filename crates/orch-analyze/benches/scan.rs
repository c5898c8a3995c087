//! Project-scan throughput: `cargo bench -p orch-analyze --bench scan [-- <files>]`.
//!
//! Builds a synthetic polyglot tree (Python, TypeScript, Rust, Go; ~60 lines per file, with imports) in a temporary
//! directory and times `analyze` over it. Prints the median of 5 runs.
#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use orch_analyze::{AnalysisOptions, TaskProfile, Weights, analyze};

fn build_tree(root: &Path, files: usize) {
    fs::write(root.join("go.mod"), "module example.com/bench\n").unwrap();
    fs::write(root.join("Cargo.toml"), "[package]\nname = \"bench\"\n").unwrap();
    let body = "    value = value + 1  # filler line of ordinary code\n".repeat(55);
    for i in 0..files {
        let pkg = format!("pkg{}", i % 50);
        let dir = root.join(&pkg);
        fs::create_dir_all(&dir).unwrap();
        let prev = i.saturating_sub(1);
        let (name, content) = match i % 4 {
            0 => (format!("mod_{i}.py"), format!("from {pkg}.mod_{prev} import x\nimport os\n{body}")),
            1 => (format!("mod_{i}.ts"), format!("import {{ x }} from './mod_{prev}';\n{body}")),
            2 => (format!("mod_{i}.rs"), format!("use crate::{pkg}::mod_{prev};\n{body}")),
            _ => (format!("mod_{i}.go"), format!("package {pkg}\n\nimport \"example.com/bench/{pkg}\"\n{body}")),
        };
        fs::write(dir.join(name), content).unwrap();
    }
    fs::create_dir_all(root.join("src")).unwrap();
    fs::write(root.join("src/lib.rs"), "pub mod session_store;\n").unwrap();
    fs::write(root.join("src/session_store.rs"), "pub struct SessionStore;\n").unwrap();
}

fn main() {
    let files: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5_000);
    let dir = tempfile::tempdir().unwrap();
    build_tree(dir.path(), files);
    let task = TaskProfile {
        id: 1,
        title: "Expire old sessions in SessionStore and mod_42".to_owned(),
        description: Some("Touch `session_store.rs` and the python side".to_owned()),
        ..TaskProfile::default()
    };
    let options = AnalysisOptions { project_root: Some(dir.path().to_path_buf()), ..AnalysisOptions::default() };
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let result = analyze(&task, &[], &options, &Weights::default(), "1970-01-01T00:00:00Z").unwrap();
            std::hint::black_box(&result);
            start.elapsed()
        })
        .collect();
    times.sort();
    let result = analyze(&task, &[], &options, &Weights::default(), "1970-01-01T00:00:00Z").unwrap();
    println!(
        "scan of {} files ({} read, {} import edges, {} matched): median {:?} (min {:?}, max {:?})",
        result.metadata.files_scanned,
        result.metadata.files_read,
        result.metadata.import_edges,
        result.dependencies.len(),
        times[2],
        times[0],
        times[4]
    );
}
