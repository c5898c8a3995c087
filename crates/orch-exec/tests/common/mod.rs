//! Shared set-up for the integration tests: a real executor that re-executes the `orch-sandbox` helper binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use orch_exec::{ExecConfig, ExecLanguage, ExecOutcome, ExecRequest, Executor};

pub fn config(scratch: &std::path::Path) -> ExecConfig {
    ExecConfig {
        helper_command: vec![env!("CARGO_BIN_EXE_orch-sandbox").into()],
        scratch_root: scratch.join("scratch"),
        workspace_roots: vec![scratch.join("workspace")],
        max_memory_bytes: 256 * 1024 * 1024,
        max_processes: 64,
        output_limit_bytes: 64 * 1024,
        max_file_size_bytes: 8 * 1024 * 1024,
        ..ExecConfig::default()
    }
}

pub async fn executor(scratch: &std::path::Path, protected: Vec<PathBuf>) -> Executor {
    let config = ExecConfig { protected_paths: protected, ..config(scratch) };
    Executor::new(config).await.unwrap()
}

pub fn request(language: ExecLanguage, code: &str) -> ExecRequest {
    ExecRequest {
        language,
        code: code.to_owned(),
        timeout: Some(Duration::from_secs(10)),
        working_directory: None,
        packages: Vec::new(),
    }
}

pub async fn run(executor: &Executor, language: ExecLanguage, code: &str) -> ExecOutcome {
    executor.execute(request(language, code)).await.unwrap()
}
