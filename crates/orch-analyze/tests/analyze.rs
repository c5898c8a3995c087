//! End-to-end tests of `analyze` over real temporary project trees.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;
use std::time::Duration;

use orch_analyze::{
    AnalysisOptions, AnalyzeError, ComplexityAnalysis, HistoricalTask, RiskCategory, Severity, TaskProfile, Weights,
    analyze,
};

const NOW: &str = "2026-01-01T00:00:00Z";

fn task(title: &str) -> TaskProfile {
    TaskProfile { id: 1, title: title.to_owned(), priority: 2, ..TaskProfile::default() }
}

fn run(task: &TaskProfile, history: &[HistoricalTask], options: &AnalysisOptions) -> ComplexityAnalysis {
    analyze(task, history, options, &Weights::default(), NOW).unwrap()
}

fn past(id: i64, title: &str, actual: f64, estimated: Option<f64>) -> HistoricalTask {
    HistoricalTask {
        id,
        title: title.to_owned(),
        description: None,
        tags: vec!["billing".to_owned()],
        code_language: Some("python".to_owned()),
        actual_hours: actual,
        estimated_hours: estimated,
    }
}

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// A small polyglot project: Python, TypeScript, Rust, Go, with one git-ignored file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", "secrets/\n*.log\n");
    write(root, "secrets/session_store.py", "class SessionStore:\n    pass\n");
    write(root, "debug.log", "SessionStore crashed\n");
    write(
        root,
        "app/auth/session_store.py",
        "# TODO: expire sessions\nclass SessionStore:\n    def get(self, key):\n        return None\n",
    );
    write(root, "app/auth/__init__.py", "");
    write(root, "app/api.py", "from app.auth.session_store import SessionStore\n\nstore = SessionStore()\n");
    write(root, "app/jobs.py", "import app.auth.session_store\n");
    write(root, "app/unrelated.py", "import os\n");
    write(root, "web/src/sessionStore.ts", "export class SessionStore {}\n// FIXME: hack\n");
    write(root, "web/src/app.ts", "import { SessionStore } from './sessionStore.js';\nnew SessionStore();\n");
    write(root, "Cargo.toml", "[package]\nname = \"server\"\nversion = \"0.1.0\"\n");
    write(root, "src/lib.rs", "pub mod session_store;\nuse crate::session_store::SessionStore;\n");
    write(root, "src/session_store.rs", "pub struct SessionStore;\n");
    write(root, "go.mod", "module example.com/svc\n\ngo 1.22\n");
    write(root, "internal/session_store/store.go", "package session_store\n\ntype SessionStore struct{}\n");
    write(
        root,
        "cmd/main.go",
        "package main\n\nimport (\n\tss \"example.com/svc/internal/session_store\"\n)\n\nvar _ ss.SessionStore\n",
    );
    write(root, "README.md", "# Demo\n");
    fs::create_dir_all(root.join("assets")).unwrap();
    fs::write(root.join("assets/blob.bin"), b"\x00\x01SessionStore\x00").unwrap();
    dir
}

#[test]
fn trivial_task_scores_clearly_below_risky_multi_system_task() {
    let options = AnalysisOptions::default();
    let trivial = run(&task("Fix typo in README"), &[], &options);
    let risky = run(
        &task(
            "Migrate user auth to OAuth2 with a database schema migration, concurrent session handling and a Stripe webhook integration",
        ),
        &[],
        &options,
    );
    assert!(trivial.score + 3.0 <= risky.score, "trivial {} vs risky {}", trivial.score, risky.score);
    assert!(
        trivial.estimated_hours * 5.0 < risky.estimated_hours,
        "{} vs {}",
        trivial.estimated_hours,
        risky.estimated_hours
    );
    assert!(trivial.estimated_lines_of_code < risky.estimated_lines_of_code);
    assert_eq!(trivial.risk_assessment.level, Some(Severity::Low));
    assert!(risky.risk_assessment.level >= Some(Severity::High));
    let categories: Vec<RiskCategory> = risky.risk_assessment.risks.iter().map(|r| r.category).collect();
    for want in [
        RiskCategory::Security,
        RiskCategory::DataMigration,
        RiskCategory::Concurrency,
        RiskCategory::ExternalIntegration,
    ] {
        assert!(categories.contains(&want), "{want:?} missing from {categories:?}");
    }
    // Every factor explains itself, and contributions add up to the score.
    for f in [&risky.factors.code_volume, &risky.factors.dependencies, &risky.factors.technical_risk] {
        assert!(f.enabled && f.score.is_some() && !f.evidence.is_empty(), "{f:?}");
    }
    let sum: f64 = [&risky.factors.code_volume, &risky.factors.dependencies, &risky.factors.technical_risk]
        .iter()
        .map(|f| f.contribution)
        .sum();
    assert!((sum - risky.score).abs() < 0.06, "{sum} vs {}", risky.score);
    // No history: the factor says so and carries no weight.
    assert_eq!(risky.factors.historical_data.score, None);
    assert!(risky.factors.historical_data.evidence[0].contains("no completed tasks"));
    assert!(risky.metadata.confidence_reasons.iter().any(|r| r.contains("no project history")));
}

#[test]
fn history_of_slower_similar_tasks_raises_the_estimate() {
    let profile = TaskProfile {
        description: Some("Generate monthly invoice PDFs for billing customers".to_owned()),
        tags: vec!["billing".to_owned()],
        code_language: Some("python".to_owned()),
        ..task("Invoice PDF export")
    };
    let options = AnalysisOptions::default();
    let alone = run(&profile, &[], &options);
    let base = alone.estimated_hours;
    let history = vec![
        past(10, "Invoice CSV export for billing customers", base * 3.0, Some(base)),
        past(11, "Monthly invoice email for billing customers", base * 3.0, Some(base)),
        past(12, "Export billing invoices to the accounting system", base * 3.0, None),
        past(13, "Change the logo colour", 0.5, Some(0.5)),
    ];
    let calibrated = run(&profile, &history, &options);
    assert!(calibrated.estimated_hours > base * 1.5, "{} vs {base}", calibrated.estimated_hours);
    assert!(calibrated.estimated_hours <= base * 3.0 + 0.1, "{} vs {base}", calibrated.estimated_hours);
    let used = &calibrated.metadata.history_used;
    assert_eq!(used.considered, 4);
    assert!(used.count >= 2 && !used.task_ids.contains(&13), "{used:?}");
    assert!(calibrated.factors.historical_data.score.is_some());
    assert!(calibrated.factors.historical_data.evidence.iter().any(|e| e.contains("task #10")));
    assert!(calibrated.metadata.effort.history_ratio.is_some_and(|r| r > 2.0));
    assert!(calibrated.confidence > alone.confidence);

    // Faster history pulls the other way.
    let quick: Vec<HistoricalTask> =
        history.iter().map(|h| HistoricalTask { actual_hours: base / 3.0, ..h.clone() }).collect();
    assert!(run(&profile, &quick, &options).estimated_hours < base);
}

#[test]
fn project_tree_finds_files_imports_and_respects_gitignore() {
    let dir = project();
    let options = AnalysisOptions { project_root: Some(dir.path().to_path_buf()), ..AnalysisOptions::default() };
    let profile = task("Expire old sessions in SessionStore");
    let result = run(&profile, &[], &options);

    let paths: Vec<&str> = result.dependencies.iter().map(|d| d.path.as_str()).collect();
    assert!(!paths.iter().any(|p| p.starts_with("secrets/") || p.ends_with(".log")), "ignored file scanned: {paths:?}");
    for want in [
        "app/auth/session_store.py",
        "web/src/sessionStore.ts",
        "src/session_store.rs",
        "internal/session_store/store.go",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    let dep = |p: &str| result.dependencies.iter().find(|d| d.path == p).unwrap();
    assert_eq!(dep("app/auth/session_store.py").imported_by, vec!["app/api.py", "app/jobs.py"]);
    assert!(dep("app/auth/session_store.py").reason.contains("defines `SessionStore`"));
    assert_eq!(dep("app/auth/session_store.py").lines, 4);
    assert_eq!(dep("app/auth/session_store.py").language.as_deref(), Some("python"));
    assert_eq!(dep("web/src/sessionStore.ts").imported_by, vec!["web/src/app.ts"]);
    assert_eq!(dep("src/session_store.rs").imported_by, vec!["src/lib.rs"]);
    assert_eq!(dep("internal/session_store/store.go").imported_by, vec!["cmd/main.go"]);
    assert!(!paths.contains(&"app/unrelated.py"));

    assert!(!result.metadata.walk_capped.capped);
    // 17 files written; .gitignore (hidden), secrets/ and debug.log (ignored) are not walked; the binary is not read.
    assert_eq!(result.metadata.files_scanned, 15);
    assert_eq!(result.metadata.files_read, 14);
    assert!(!paths.contains(&"assets/blob.bin"));
    // api.py, jobs.py -> session_store.py; app.ts -> sessionStore.ts; lib.rs -> session_store.rs; main.go -> store.go.
    assert_eq!(result.metadata.import_edges, 5);
    let deps = &result.factors.dependencies;
    assert!(deps.score.unwrap() > 2.0, "{deps:?}");
    assert!(deps.evidence.iter().any(|e| e.contains("import the matched files")), "{deps:?}");
    assert!(result.risk_assessment.technical_debt.evidence.iter().any(|e| e.contains("TODO/FIXME")));
    assert!(result.factors.code_volume.evidence.iter().any(|e| e.contains("matched files")));
}

#[test]
fn language_filter_keeps_name_matches_in_the_tasks_language() {
    let dir = project();
    let options = AnalysisOptions { project_root: Some(dir.path().to_path_buf()), ..AnalysisOptions::default() };
    let profile =
        TaskProfile { code_language: Some("typescript".to_owned()), ..task("Expire old sessions in SessionStore") };
    let result = run(&profile, &[], &options);
    let paths: Vec<&str> = result.dependencies.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, vec!["web/src/sessionStore.ts", "web/src/app.ts"]);
}

#[test]
fn explicit_paths_match_regardless_of_language() {
    let dir = project();
    let options = AnalysisOptions { project_root: Some(dir.path().to_path_buf()), ..AnalysisOptions::default() };
    let profile = TaskProfile { code_language: Some("go".to_owned()), ..task("Fix typo in README.md and app/jobs.py") };
    let result = run(&profile, &[], &options);
    let paths: Vec<&str> = result.dependencies.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, vec!["README.md", "app/jobs.py"]);
    assert!(result.dependencies[0].reason.contains("path `README.md` is named"));
}

#[test]
fn small_max_files_caps_the_walk_and_says_so() {
    let dir = project();
    let options =
        AnalysisOptions { project_root: Some(dir.path().to_path_buf()), max_files: 3, ..AnalysisOptions::default() };
    let result = run(&task("Expire old sessions in SessionStore"), &[], &options);
    assert!(result.metadata.walk_capped.capped);
    assert!(result.metadata.walk_capped.reason.as_deref().unwrap().contains("max_files=3"));
    assert_eq!(result.metadata.files_scanned, 3);
    assert!(result.metadata.confidence_reasons.iter().any(|r| r.contains("scan capped")));
}

#[test]
fn zero_timeout_caps_the_walk() {
    let dir = project();
    let options = AnalysisOptions {
        project_root: Some(dir.path().to_path_buf()),
        timeout: Duration::ZERO,
        ..AnalysisOptions::default()
    };
    let result = run(&task("Expire old sessions"), &[], &options);
    assert!(result.metadata.walk_capped.capped);
    assert!(result.metadata.walk_capped.reason.as_deref().unwrap().contains("timeout"));
}

#[test]
fn missing_root_and_file_root_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let options = AnalysisOptions { project_root: Some(missing.clone()), ..AnalysisOptions::default() };
    let err = analyze(&task("x"), &[], &options, &Weights::default(), NOW).unwrap_err();
    assert!(matches!(err, AnalyzeError::RootMissing(ref p) if *p == missing), "{err:?}");
    assert!(err.to_string().contains("does not exist"));

    let file = dir.path().join("file.txt");
    fs::write(&file, "x").unwrap();
    let options = AnalysisOptions { project_root: Some(file), ..AnalysisOptions::default() };
    let err = analyze(&task("x"), &[], &options, &Weights::default(), NOW).unwrap_err();
    assert!(matches!(err, AnalyzeError::RootNotDirectory(_)), "{err:?}");
}

#[test]
fn same_input_and_tree_give_identical_json() {
    let dir = project();
    let options = AnalysisOptions { project_root: Some(dir.path().to_path_buf()), ..AnalysisOptions::default() };
    let profile = TaskProfile {
        description: Some("- expire\n- refresh `SessionStore`\n- audit log".to_owned()),
        tags: vec!["auth".to_owned(), "sessions".to_owned()],
        depends_on: 2,
        dependents: 4,
        ..task("Expire old sessions in SessionStore")
    };
    let history = vec![past(3, "Expire password reset sessions", 5.0, Some(2.0))];
    let a = serde_json::to_string(&run(&profile, &history, &options)).unwrap();
    let b = serde_json::to_string(&run(&profile, &history, &options)).unwrap();
    assert_eq!(a, b);
    let json: serde_json::Value = serde_json::from_str(&a).unwrap();
    for key in
        ["score", "estimatedHours", "factors", "riskAssessment", "dependencies", "estimatedLinesOfCode", "confidence"]
    {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["metadata"]["analysisTime"], NOW);
    assert_eq!(json["metadata"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["metadata"]["options"]["timeoutSeconds"], 300.0);
    assert!(json["factors"]["technicalRisk"]["evidence"].is_array());
    assert!(json["riskAssessment"]["technicalDebt"]["level"].is_string());
    // Stored results read back into the same value.
    let back: ComplexityAnalysis = serde_json::from_str(&a).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), a);
}

#[test]
fn disabled_factors_are_reported_and_weights_renormalised() {
    let options = AnalysisOptions { assess_risk: false, use_historical_data: false, ..AnalysisOptions::default() };
    let result = run(&task("Implement CSV export"), &[], &options);
    let risk = &result.factors.technical_risk;
    assert!(!risk.enabled && risk.score.is_none() && risk.weight == 0.0);
    assert!(risk.evidence[0].contains("assess_risk=false"));
    assert!(!result.risk_assessment.assessed && result.risk_assessment.level.is_none());
    let cv = &result.factors.code_volume;
    assert!((cv.weight - 0.35 / 0.60).abs() < 1e-3, "{cv:?}");
    assert!(cv.evidence.iter().any(|e| e.contains("renormalised")));

    let none = AnalysisOptions {
        analyze_dependencies: false,
        estimate_code_volume: false,
        assess_risk: false,
        use_historical_data: false,
        ..AnalysisOptions::default()
    };
    assert!(matches!(analyze(&task("x"), &[], &none, &Weights::default(), NOW), Err(AnalyzeError::NothingEnabled)));
}

#[test]
fn custom_weights_shift_the_score_and_are_normalised() {
    let profile = task("Migrate sessions to Redis with concurrent locking");
    let heavy_risk = Weights { code_volume: 0.0, dependencies: 0.0, technical_risk: 2.0, historical_data: 0.0 };
    let result = analyze(&profile, &[], &AnalysisOptions::default(), &heavy_risk, NOW).unwrap();
    assert_eq!(result.score, (result.factors.technical_risk.score.unwrap() * 10.0).round() / 10.0);
    assert!(result.metadata.weights_note.as_deref().unwrap().contains("2.000"));
}

#[test]
fn huge_timeout_means_no_deadline() {
    let dir = project();
    let options = AnalysisOptions {
        project_root: Some(dir.path().to_path_buf()),
        timeout: Duration::MAX,
        ..AnalysisOptions::default()
    };
    let result = run(&task("Expire old sessions in SessionStore"), &[], &options);
    assert!(!result.metadata.walk_capped.capped);
}
