//! Hostile code, round two: the attacks that got out of the first sandbox. Host unix sockets (PostgreSQL's own socket
//! on this machine is a real target), a symlink race on working_directory, a pip package planted in the working
//! directory, parser-crashing nesting, scratch space beyond the quota, stale leftovers of a dead server.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use orch_exec::{ExecConfig, ExecError, ExecLanguage, ExecOutcome, ExecRequest, Executor, IsolationLevel};

const DB_SECRET: &str = "CANARY-DB-2b71c9";

struct Sandbox {
    dir: tempfile::TempDir,
    executor: Arc<Executor>,
    data: PathBuf,
    workspace: PathBuf,
}

/// The common test configuration with the server's data protected, a small scratch quota and files large enough to
/// hit it.
fn config(dir: &Path, data: &Path) -> ExecConfig {
    ExecConfig {
        protected_paths: vec![data.to_path_buf()],
        disk_bytes: Some(32 * 1024 * 1024),
        max_file_size_bytes: 64 * 1024 * 1024,
        ..common::config(dir)
    }
}

impl Sandbox {
    async fn new() -> Self {
        Self::with(|_| {}).await
    }

    async fn with(adjust: impl FnOnce(&mut ExecConfig)) -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("tasks.db"), DB_SECRET).unwrap();
        let mut config = config(dir.path(), &data);
        adjust(&mut config);
        let executor = Executor::new(config).await.unwrap();
        assert_eq!(executor.isolation().level, IsolationLevel::Namespaces, "{:#?}", executor.isolation());
        let workspace = executor.workspace_roots().roots()[0].clone();
        Self { dir, executor: Arc::new(executor), data, workspace }
    }

    fn request(language: ExecLanguage, code: &str) -> ExecRequest {
        ExecRequest {
            language,
            code: code.to_owned(),
            timeout: Some(Duration::from_secs(20)),
            working_directory: None,
            packages: Vec::new(),
        }
    }

    async fn run(&self, language: ExecLanguage, code: &str) -> ExecOutcome {
        self.executor.execute(Self::request(language, code)).await.unwrap()
    }

    async fn still_works(&self) {
        let after = self.run(ExecLanguage::Python, "print(6 * 7)").await;
        assert_eq!(after.output.trim(), "42", "executor broken after the attack: {after:#?}");
        assert_eq!(std::fs::read_to_string(self.data.join("tasks.db")).unwrap(), DB_SECRET);
    }
}

fn refused(outcome: &ExecOutcome, markers: &[&str]) {
    for marker in markers {
        assert!(!outcome.output.contains(marker), "{marker}: {outcome:#?}");
    }
}

#[tokio::test]
async fn host_unix_sockets_are_unreachable() {
    let sb = Sandbox::new().await;
    // A socket the test makes inside the workspace is visible in the sandbox: only the socket layer can stop it.
    let visible = sb.workspace.join("sock");
    std::fs::create_dir_all(&visible).unwrap();
    let listener = UnixListener::bind(visible.join("server.sock")).unwrap();
    listener.set_nonblocking(true).unwrap();
    let postgres = ["/var/run/postgresql/.s.PGSQL.5432", "/run/postgresql/.s.PGSQL.5432", "/tmp/.s.PGSQL.5432"];
    let mariadb = "/run/mysqld/mysqld.sock";
    let mut targets: Vec<String> = postgres.iter().map(|s| s.to_string()).collect();
    targets.push(mariadb.into());
    targets.push("sock/server.sock".into());
    for target in &targets {
        let python = format!(
            "import socket\ns=socket.socket(socket.AF_UNIX)\ns.settimeout(2)\ns.connect({target:?})\nprint('CONNECTED')"
        );
        let javascript = format!(
            "const s=require('net').connect({target:?},()=>{{console.log('CONNECTED');process.exit(0)}});s.on('error',e=>{{console.error(e.message);process.exit(3)}})"
        );
        let bash = format!("exec 3<>/dev/tcp/127.0.0.1/5432 && echo CONNECTED; ls -la {target:?} && echo LISTED");
        for (language, code) in
            [(ExecLanguage::Python, python), (ExecLanguage::Javascript, javascript), (ExecLanguage::Bash, bash)]
        {
            let mut request = Sandbox::request(language, &code);
            request.working_directory = Some(".".into());
            let outcome = sb.executor.execute(request).await.unwrap();
            refused(&outcome, &["CONNECTED"]);
            if !target.starts_with("sock/") {
                refused(&outcome, &["LISTED"]);
            }
        }
    }
    assert!(listener.accept().is_err(), "nothing connected to the test's socket");
    // The host's run-time directories, homes and data directories do not exist inside; the code is not root.
    let probe = sb
        .run(
            ExecLanguage::Python,
            "import os\nfor p in ['/run','/var/run','/home','/srv','/opt','/var/lib','/boot','/mnt']:\n    print(p, os.path.exists(p))\nprint('uid', os.getuid(), os.getgid())\ntry:\n    print('in-root', sorted(os.listdir('/root')) if os.path.exists('/root') else [])\nexcept PermissionError:\n    print('in-root denied')",
        )
        .await;
    for line in probe.output.lines().filter(|l| l.starts_with('/')) {
        assert!(line.ends_with("False"), "{line}: {probe:#?}");
    }
    if nix_is_root() {
        assert!(probe.output.contains("uid 65534 65534"), "runs as nobody: {probe:#?}");
    }
    // /root exists inside only as the path to a runtime bound there (pyenv); none of the host's files are in it.
    let in_root = probe.output.lines().find(|l| l.starts_with("in-root")).unwrap_or_else(|| panic!("{probe:#?}"));
    for host_file in [".cargo", ".rustup", ".bashrc", ".ssh", ".profile"] {
        assert!(!in_root.contains(host_file), "{in_root}");
    }
    sb.still_works().await;
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_race_on_working_directory_never_reaches_the_data() {
    let sb = Sandbox::new().await;
    let race = sb.workspace.join("race");
    let real = sb.workspace.join("real");
    std::fs::create_dir_all(&real).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, race, real, data) = (stop.clone(), race.clone(), real.clone(), sb.data.clone());
        std::thread::spawn(move || {
            let mut flips = 0u64;
            let graveyard = race.with_file_name("graveyard");
            let _ = std::fs::create_dir(&graveyard);
            while !stop.load(Ordering::Relaxed) {
                // Move whatever is there away (a used directory is not empty), put a symlink in its place for a
                // moment, then a fresh directory for long enough that some executions get through.
                let _ = std::fs::rename(&race, graveyard.join(flips.to_string()));
                let target = if flips.is_multiple_of(2) { &real } else { &data };
                let _ = std::os::unix::fs::symlink(target, &race);
                std::thread::sleep(Duration::from_millis(2));
                let _ = std::fs::remove_file(&race);
                let _ = std::fs::create_dir(&race);
                std::thread::sleep(Duration::from_millis(150));
                flips += 1;
            }
            flips
        })
    };
    let mut ran = 0;
    for attempt in 0..60 {
        let code = format!("import os\nprint(sorted(os.listdir('.')))\nopen('written-{attempt}','w').write('x')");
        let mut request = Sandbox::request(ExecLanguage::Python, &code);
        request.working_directory = Some("race".into());
        match sb.executor.execute(request).await {
            Ok(outcome) => {
                ran += 1;
                assert!(!outcome.output.contains("tasks.db"), "attempt {attempt}: {outcome:#?}");
            }
            Err(err) => {
                assert!(err.is_caller_error() || matches!(err, ExecError::SandboxSetup { .. }), "{err}");
                // Refusals are instant; spread the attempts over the swapper's windows.
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let flips = swapper.join().unwrap();
    assert!(flips > 0, "the race was exercised ({flips} swaps)");
    let data_files: Vec<_> = std::fs::read_dir(&sb.data).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(data_files, vec![std::ffi::OsString::from("tasks.db")], "nothing written next to the database");
    assert!(ran > 0, "some attempts ran");
    sb.still_works().await;
}

#[tokio::test]
async fn a_pip_package_planted_in_the_working_directory_never_runs_during_an_install() {
    // Installs are enabled but the index is a closed loopback port: the install fails without leaving the machine.
    let sb = Sandbox::with(|c| {
        c.package_network = true;
        c.pip_index_url = Some("http://127.0.0.1:9/simple".into());
        c.package_timeout = Duration::from_secs(60);
    })
    .await;
    let plant = "import os\nos.makedirs('pip', exist_ok=True)\nopen('pip/__init__.py','w').write(\"open('/proc/self/cwd/../PLANTED-RAN','w').write('x')\\nimport sys; print('PLANTED', file=sys.stderr)\\n\")\nopen('pip/__main__.py','w').write('import pip')\nprint('planted')";
    let mut request = Sandbox::request(ExecLanguage::Python, plant);
    request.working_directory = Some("victim".into());
    let planted = sb.executor.execute(request).await.unwrap();
    assert_eq!(planted.output.trim(), "planted", "{planted:#?}");
    let mut install = Sandbox::request(ExecLanguage::Python, "print('after install')");
    install.working_directory = Some("victim".into());
    install.packages = vec!["six".into()];
    let err = sb.executor.execute(install).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ExecError::PackageInstallFailed { .. }), "{message}");
    assert!(!message.contains("PLANTED"), "the planted package ran: {message}");
    assert!(!sb.workspace.join("PLANTED-RAN").exists() && !sb.workspace.join("victim/PLANTED-RAN").exists());
    sb.still_works().await;
}

#[tokio::test]
async fn deep_nesting_is_refused_and_a_parser_crash_ends_only_that_execution() {
    let sb = Sandbox::new().await;
    for (language, depth) in [(ExecLanguage::Typescript, 1_500), (ExecLanguage::Javascript, 20_000)] {
        let code = format!("const a = {}1{};\nconsole.log('ran');", "[".repeat(depth), "]".repeat(depth));
        let err = sb.executor.execute(Sandbox::request(language, &code)).await.unwrap_err();
        assert!(matches!(err, ExecError::NestingTooDeep { .. }) && err.is_caller_error(), "{err}");
        assert!(err.to_string().contains("at most 1000"), "{err}");
    }
    // Nesting the bracket count cannot see (a chain of unary operators) reaches the parser, which runs inside the
    // sandbox: a stack overflow there is reported for this execution and the executor carries on.
    let chain = format!("const a = {}1;\nconsole.log('ran');", "!".repeat(200_000));
    let outcome = sb.run(ExecLanguage::Typescript, &chain).await;
    assert_ne!(outcome.exit_code, Some(0), "{outcome:#?}");
    assert!(!outcome.output.contains("ran") && !outcome.error.is_empty(), "{outcome:#?}");
    let fine = sb.run(ExecLanguage::Typescript, "const n: number = 6 * 7;\nconsole.log(n);").await;
    assert_eq!(fine.output.trim(), "42", "{fine:#?}");
    sb.still_works().await;
}

#[tokio::test]
async fn scratch_space_has_one_quota_for_tmp_the_working_directory_and_shm() {
    let sb = Sandbox::new().await;
    let quota = 32 * 1024 * 1024u64;
    let outcome = sb
        .run(
            ExecLanguage::Python,
            "import os\ntotal=0\nfor d in ['/tmp', '.', '/dev/shm']:\n    i=0\n    while True:\n        try:\n            with open(os.path.join(d, f'fill{i}'), 'wb') as f: f.write(b'x' * 4_000_000)\n            total += 4_000_000; i += 1\n        except OSError as e:\n            break\nprint('total', total)",
        )
        .await;
    let total: u64 = outcome.output.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(total <= quota, "wrote {total} bytes with a {quota}-byte quota: {outcome:#?}");
    assert!(total >= quota / 2, "the quota is usable: {total}");
    sb.still_works().await;
}

#[tokio::test]
async fn a_dead_servers_leftovers_are_swept_at_start_up() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let dead_pid = 4_194_305; // above the largest pid_max Linux allows: never a live process
    let stale = dir.path().join("scratch").join(format!("exec-{dead_pid}-3"));
    std::fs::create_dir_all(stale.join("tmp")).unwrap();
    let live = dir.path().join("scratch").join(format!("exec-{}-99", std::process::id()));
    std::fs::create_dir_all(&live).unwrap();
    let cgroup = own_memory_cgroup().map(|parent| parent.join(format!("task-orchestrator-{dead_pid}-1")));
    if let Some(cgroup) = &cgroup {
        std::fs::create_dir(cgroup).unwrap();
    }
    let executor = Executor::new(config(dir.path(), &data)).await.unwrap();
    assert!(!stale.exists(), "stale scratch directory removed");
    assert!(live.exists(), "a live process's directory is kept");
    if let Some(cgroup) = cgroup {
        assert!(!cgroup.exists(), "stale cgroup removed");
    }
    drop(executor);
}

fn own_memory_cgroup() -> Option<PathBuf> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = own.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers.split(',').any(|c| c == "memory").then(|| path.trim_start_matches('/').to_owned())
    })?;
    let dir = Path::new("/sys/fs/cgroup/memory").join(path);
    dir.join("memory.limit_in_bytes").exists().then_some(dir)
}

#[tokio::test]
async fn timeouts_are_range_checked_before_anything_runs() {
    let max = Duration::from_secs(3600);
    for secs in [18_446_744_073_709_551_616.0, 1e308, f64::INFINITY, f64::NAN, 0.0, -1.0, 0.5, 3600.5] {
        let err = orch_exec::timeout_from_secs(secs, max).unwrap_err();
        assert!(err.is_caller_error() && err.to_string().contains("from 1 to 3600"), "{secs}: {err}");
    }
    assert_eq!(orch_exec::timeout_from_secs(30.0, max).unwrap(), Duration::from_secs(30));
    let sb = Sandbox::new().await;
    let mut request = Sandbox::request(ExecLanguage::Bash, "echo no");
    request.timeout = Some(Duration::from_secs(3601));
    assert!(matches!(sb.executor.execute(request).await, Err(ExecError::TimeoutOutOfRange { .. })));
    let _ = &sb.dir;
}
