//! Overhead of `Executor::execute` against the bare interpreter, measured in the same run.
//!
//! `cargo bench -p orch-exec --bench exec_overhead` (ITERATIONS=<n> to change the sample size, default 40). The bare
//! baseline runs the real interpreter binary the executor resolved (not a wrapper such as a pyenv shim), with
//! `python3 -c` / `node -e` / `bash -c`, with the same small environment the sandbox gives a program (the caller's
//! environment can cost more than the sandbox: `NODE_EXTRA_CA_CERTS` makes node load a CA bundle at start); samples
//! alternate so machine noise hits both sides alike. Medians and minima are printed
//! (on a loaded machine the minimum is the steadier figure).
//!
//! A second part splits python's time into phases: the program prints `CLOCK_MONOTONIC` (the same clock in every
//! pid namespace) as its first and last statement, so "start" is request to first statement (helper or fork/exec,
//! interpreter start-up) and "end" is last statement to result (interpreter exit, teardown, collecting the output).
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use orch_exec::{ExecConfig, ExecLanguage, ExecRequest, Executor};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn monotonic() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).unwrap().into()
}

/// Request-to-first-statement and last-statement-to-result of one run whose output is two monotonic stamps.
fn phases(requested: Duration, output: &str, returned: Duration) -> (Duration, Duration) {
    let stamps: Vec<Duration> =
        output.split_whitespace().map(|s| Duration::from_secs_f64(s.parse().unwrap())).collect();
    (stamps[0].saturating_sub(requested), returned.saturating_sub(stamps[1]))
}

const STAMPED: &str =
    "import time\nprint(time.clock_gettime(time.CLOCK_MONOTONIC))\nprint(time.clock_gettime(time.CLOCK_MONOTONIC))";

/// The interpreter run directly, with an environment like the one the sandbox sets.
fn bare_command(program: &str) -> Command {
    let mut command = Command::new(program);
    command.env_clear().envs([
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", "/tmp"),
        ("LANG", "C.UTF-8"),
        ("LC_ALL", "C.UTF-8"),
        ("PYTHONUNBUFFERED", "1"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
    ]);
    command
}

fn bare(program: &str, flag: &str, code: &str) -> Duration {
    let started = Instant::now();
    let status = bare_command(program).args([flag, code]).stdout(Stdio::null()).status().unwrap();
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
    let bash = interpreters["bash"].clone().unwrap();
    println!("isolation level: {}", executor.isolation().level);
    let cases = [
        (ExecLanguage::Python, python.as_str(), "-c", "print('hello world')"),
        (ExecLanguage::Javascript, node.as_str(), "-e", "console.log('hello world')"),
        (ExecLanguage::Bash, bash.as_str(), "-c", "echo 'hello world'"),
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
        let (bare_min, sandboxed_min) = (*bare_samples.iter().min().unwrap(), *sandboxed.iter().min().unwrap());
        let (bare_median, sandboxed_median) = (median(bare_samples), median(sandboxed));
        println!(
            "{language:<10} bare {program} {flag}: median {:>7.2} ms (min {:>6.2}) | execute(): median {:>7.2} ms (min {:>6.2}) | ratio {:.3}x, of minima {:.3}x, difference of medians {:+.2} ms ({iterations} runs each)",
            ms(bare_median),
            ms(bare_min),
            ms(sandboxed_median),
            ms(sandboxed_min),
            sandboxed_median.as_secs_f64() / bare_median.as_secs_f64(),
            sandboxed_min.as_secs_f64() / bare_min.as_secs_f64(),
            ms(sandboxed_median) - ms(bare_median),
        );
    }
    let (mut bare_phases, mut sandboxed_phases) = (Vec::new(), Vec::new());
    for _ in 0..iterations {
        let requested = monotonic();
        let output = bare_command(&python).args(["-c", STAMPED]).output().unwrap();
        bare_phases.push(phases(requested, &String::from_utf8_lossy(&output.stdout), monotonic()));
        let request = ExecRequest {
            language: ExecLanguage::Python,
            code: STAMPED.into(),
            timeout: None,
            working_directory: None,
            packages: Vec::new(),
        };
        let requested = monotonic();
        let outcome = executor.execute(request).await.unwrap();
        sandboxed_phases.push(phases(requested, &outcome.output, monotonic()));
    }
    for (name, samples) in [("bare", bare_phases), ("execute()", sandboxed_phases)] {
        let start = median(samples.iter().map(|p| p.0).collect());
        let end = median(samples.iter().map(|p| p.1).collect());
        println!(
            "python phases, {name:<9}: request to first statement median {:>7.2} ms | last statement to result median {:>7.2} ms",
            ms(start),
            ms(end)
        );
    }
    let _ = std::fs::remove_dir_all(scratch);
}
