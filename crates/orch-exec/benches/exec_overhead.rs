//! Overhead of `Executor::execute` against the bare interpreter, measured in the same run.
//!
//! `cargo bench -p orch-exec --bench exec_overhead` (ITERATIONS=<n> to change the sample size, default 40). The bare
//! baseline runs the real interpreter binary the executor resolved (not a wrapper such as a pyenv shim), with
//! `python3 -c` / `node -e`; samples alternate so machine noise hits both sides alike.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use orch_exec::{ExecConfig, ExecLanguage, ExecRequest, Executor};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn bare(program: &str, flag: &str, code: &str) -> Duration {
    let started = Instant::now();
    let status = Command::new(program).args([flag, code]).stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::var("ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let scratch = std::env::temp_dir().join(format!("orch-exec-bench-{}", std::process::id()));
    let config = ExecConfig {
        helper_command: vec![env!("CARGO_BIN_EXE_orch-sandbox").into()],
        scratch_root: scratch.clone(),
        ..ExecConfig::default()
    };
    let executor = Executor::new(config).await.unwrap();
    let interpreters = &executor.isolation().interpreters;
    let python = interpreters["python"].clone().unwrap();
    let node = interpreters["javascript"].clone().unwrap();
    println!("isolation level: {}", executor.isolation().level);
    let cases = [
        (ExecLanguage::Python, python.as_str(), "-c", "print('hello world')"),
        (ExecLanguage::Javascript, node.as_str(), "-e", "console.log('hello world')"),
    ];
    for (language, program, flag, code) in cases {
        // Warm both paths (page cache, first cgroup creation) before measuring.
        for _ in 0..3 {
            bare(program, flag, code);
            let request = ExecRequest {
                language,
                code: code.into(),
                timeout: None,
                working_directory: None,
                packages: Vec::new(),
            };
            executor.execute(request).await.unwrap();
        }
        let (mut bare_samples, mut sandboxed) = (Vec::new(), Vec::new());
        for _ in 0..iterations {
            bare_samples.push(bare(program, flag, code));
            let request = ExecRequest {
                language,
                code: code.into(),
                timeout: None,
                working_directory: None,
                packages: Vec::new(),
            };
            let started = Instant::now();
            let outcome = executor.execute(request).await.unwrap();
            sandboxed.push(started.elapsed());
            assert_eq!(outcome.output.trim(), "hello world");
        }
        let (bare_median, sandboxed_median) = (median(bare_samples), median(sandboxed));
        println!(
            "{language:<10} bare {program} {flag}: median {:>7.2} ms | execute(): median {:>7.2} ms | ratio {:.3}x ({iterations} runs each)",
            bare_median.as_secs_f64() * 1e3,
            sandboxed_median.as_secs_f64() * 1e3,
            sandboxed_median.as_secs_f64() / bare_median.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(scratch);
}
