//! Hostile code: one test per threat of the sandbox issue, for each language where it applies. Every test asserts
//! the attack failed, the canaries are untouched and unseen, no process of the execution is left, and the executor
//! still runs code afterwards.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::PathBuf;
use std::time::Duration;

use orch_exec::{ExecConfig, ExecLanguage, ExecOutcome, ExecRequest, Executor, IsolationLevel};

const DB_SECRET: &str = "CANARY-DB-7f3a91";
const FILE_SECRET: &str = "CANARY-FILE-51c2e8";
const ENV_SECRET: &str = "CANARY-ENV-a4d6b0";

struct Sandbox {
    _dir: tempfile::TempDir,
    executor: Executor,
    db: PathBuf,
    outside: PathBuf,
    scratch: PathBuf,
}

impl Sandbox {
    /// Canaries live outside /tmp so only Landlock and the masks (not the private /tmp) hide them.
    async fn new() -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let db = data.join("tasks.db");
        std::fs::write(&db, DB_SECRET).unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, FILE_SECRET).unwrap();
        let scratch = dir.path().join("scratch");
        let config = ExecConfig {
            // The helper inherits a secret, as a server with API keys in its environment would pass one on.
            helper_command: vec![
                "/usr/bin/env".into(),
                format!("CANARY_API_KEY={ENV_SECRET}").into(),
                env!("CARGO_BIN_EXE_orch-sandbox").into(),
            ],
            protected_paths: vec![data],
            scratch_root: scratch.clone(),
            workspace_roots: vec![dir.path().join("workspace")],
            max_memory_bytes: 256 * 1024 * 1024,
            max_processes: 64,
            output_limit_bytes: 64 * 1024,
            max_file_size_bytes: 8 * 1024 * 1024,
            ..ExecConfig::default()
        };
        let executor = Executor::new(config).await.unwrap();
        assert_eq!(executor.isolation().level, IsolationLevel::Namespaces);
        Self { _dir: dir, executor, db, outside, scratch }
    }

    fn fill(&self, code: &str) -> String {
        code.replace("{DB}", &self.db.display().to_string()).replace("{FILE}", &self.outside.display().to_string())
    }

    async fn run(&self, language: ExecLanguage, code: &str, timeout_secs: u64) -> ExecOutcome {
        let request = ExecRequest {
            language,
            code: self.fill(code),
            timeout: Some(Duration::from_secs(timeout_secs)),
            working_directory: None,
            packages: Vec::new(),
        };
        self.executor.execute(request).await.unwrap()
    }

    /// The invariants every attack must leave intact.
    async fn assert_contained(&self, outcome: &ExecOutcome, marker: Option<&str>) {
        for secret in [DB_SECRET, FILE_SECRET, ENV_SECRET] {
            assert!(
                !outcome.output.contains(secret) && !outcome.error.contains(secret),
                "{secret} leaked: {outcome:#?}"
            );
        }
        assert_eq!(std::fs::read_to_string(&self.db).unwrap(), DB_SECRET, "db canary changed");
        assert_eq!(std::fs::read_to_string(&self.outside).unwrap(), FILE_SECRET, "file canary changed");
        let scratch = self.scratch.display().to_string();
        let leftovers =
            processes_mentioning(&[Some(scratch.as_str()), marker].into_iter().flatten().collect::<Vec<_>>());
        assert!(leftovers.is_empty(), "processes left over: {leftovers:?}");
        let after = self.run(ExecLanguage::Python, "print(6 * 7)", 10).await;
        assert_eq!(after.output.trim(), "42", "executor broken after the attack: {after:#?}");
    }
}

/// Processes (other than this test) whose command line or environment contains one of `needles`.
fn processes_mentioning(needles: &[&str]) -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) || name == me {
            continue;
        }
        for file in ["cmdline", "environ"] {
            let mut raw = Vec::new();
            if std::fs::File::open(entry.path().join(file)).and_then(|mut f| f.read_to_end(&mut raw)).is_ok() {
                let text = String::from_utf8_lossy(&raw);
                if needles.iter().any(|n| text.contains(n)) {
                    found.push(format!("{name}: {}", text.replace('\0', " ")));
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn reading_the_task_database_fails() {
    let sb = Sandbox::new().await;
    for (language, code) in [
        (ExecLanguage::Python, "print(open('{DB}').read())"),
        (ExecLanguage::Javascript, "console.log(require('fs').readFileSync('{DB}', 'utf8'))"),
        (
            ExecLanguage::Typescript,
            "import { readFileSync } from 'node:fs';\nconsole.log(readFileSync('{DB}', 'utf8') as string);",
        ),
        (ExecLanguage::Bash, "cat '{DB}'; echo done"),
        (ExecLanguage::Sql, "ATTACH DATABASE '{DB}' AS stolen; SELECT * FROM stolen.sqlite_master;"),
    ] {
        let outcome = sb.run(language, code, 10).await;
        assert!(!outcome.output.contains(DB_SECRET), "{language}: {outcome:#?}");
        assert_ne!(outcome.exit_code, Some(0).filter(|_| language != ExecLanguage::Bash), "{language}: {outcome:#?}");
        sb.assert_contained(&outcome, None).await;
    }
}

#[tokio::test]
async fn files_outside_the_working_directory_are_unreadable_and_unwritable() {
    let sb = Sandbox::new().await;
    let tmp_canary = tempfile::Builder::new().prefix("tmp-canary").tempfile_in("/tmp").unwrap();
    std::fs::write(tmp_canary.path(), FILE_SECRET).unwrap();
    let tmp_canary = tmp_canary.into_temp_path();
    for (language, code) in [
        (ExecLanguage::Python, "import os\nprint(open('{FILE}').read())"),
        (ExecLanguage::Python, "open('{FILE}', 'w').write('pwned')"),
        (ExecLanguage::Javascript, "require('fs').writeFileSync('{FILE}', 'pwned')"),
        (ExecLanguage::Bash, "echo pwned > '{FILE}'; cat '{FILE}'; cat /etc/shadow; ls /root"),
        (ExecLanguage::Sql, "SELECT readfile('{FILE}');"),
        // The host's /tmp (and other executions' scratch directories in it) stays out of sight.
        (
            ExecLanguage::Bash,
            "cat {TMPCANARY}; ls -la /tmp /dev/shm; touch /tmp/written-by-sandbox; echo x > {TMPCANARY}",
        ),
        (ExecLanguage::Python, "import os\nprint(os.listdir('/tmp'))\nprint(open('{TMPCANARY}').read())"),
    ] {
        let outcome = sb.run(language, &code.replace("{TMPCANARY}", &tmp_canary.display().to_string()), 10).await;
        assert!(!outcome.output.contains(FILE_SECRET) && !outcome.output.contains("root:"), "{language}: {outcome:#?}");
        assert!(!outcome.output.contains("tmp-canary") && !outcome.output.contains(".tmp"), "{language}: {outcome:#?}");
        assert_eq!(std::fs::read_to_string(&tmp_canary).unwrap(), FILE_SECRET);
        assert!(!std::path::Path::new("/tmp/written-by-sandbox").exists());
        sb.assert_contained(&outcome, None).await;
    }
}

#[tokio::test]
async fn the_server_environment_is_invisible() {
    let sb = Sandbox::new().await;
    for (language, code) in [
        (
            ExecLanguage::Python,
            "import os, glob\nprint(dict(os.environ))\nfor p in glob.glob('/proc/*/environ'):\n    try: print(open(p).read())\n    except Exception as e: print(e)",
        ),
        (ExecLanguage::Javascript, "console.log(JSON.stringify(process.env))"),
        (ExecLanguage::Bash, "env; cat /proc/*/environ | tr '\\0' '\\n'; cat /proc/1/environ; true"),
    ] {
        let outcome = sb.run(language, code, 10).await;
        assert_eq!(outcome.exit_code, Some(0), "{language}: {outcome:#?}");
        assert!(!outcome.output.contains("CANARY_API_KEY"), "{language}: {outcome:#?}");
        sb.assert_contained(&outcome, None).await;
    }
}

#[tokio::test]
async fn tcp_udp_dns_and_abstract_sockets_are_unreachable() {
    let sb = Sandbox::new().await;
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    tcp.set_nonblocking(true).unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_nonblocking(true).unwrap();
    let abstract_name = format!("orch-exec-test-{}", std::process::id());
    let unix = UnixListener::bind_addr(&SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap()).unwrap();
    unix.set_nonblocking(true).unwrap();
    let (tcp_port, udp_port) = (tcp.local_addr().unwrap().port(), udp.local_addr().unwrap().port());
    let attacks = [
        (
            ExecLanguage::Python,
            format!(
                "import socket\ns=socket.create_connection(('127.0.0.1',{tcp_port}),timeout=2)\nprint('CONNECTED')"
            ),
        ),
        (
            ExecLanguage::Python,
            format!(
                "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.sendto(b'x',('127.0.0.1',{udp_port}))\nprint('SENT')"
            ),
        ),
        (ExecLanguage::Python, "import socket\nprint('RESOLVED', socket.getaddrinfo('example.com', 443))".to_owned()),
        (
            ExecLanguage::Python,
            format!(
                "import socket\ns=socket.socket(socket.AF_UNIX)\ns.connect('\\0{abstract_name}')\nprint('CONNECTED')"
            ),
        ),
        (
            ExecLanguage::Javascript,
            format!(
                "const s=require('net').connect({tcp_port},'127.0.0.1',()=>console.log('CONNECTED'));s.on('error',e=>{{console.error(e.message);process.exit(3)}})"
            ),
        ),
        (
            ExecLanguage::Javascript,
            format!(
                "const d=require('dgram').createSocket('udp4');d.send('x',{udp_port},'127.0.0.1',e=>{{console.log(e?e.message:'SENT');process.exit(e?3:0)}})"
            ),
        ),
        (
            ExecLanguage::Typescript,
            format!(
                "import dns from 'node:dns';\nconst r = new dns.Resolver(); r.setServers(['127.0.0.1:{udp_port}']);\nr.resolve4('example.com', (e: Error | null, a?: string[]) => {{ console.log(e ? e.message : 'RESOLVED ' + a); process.exit(e ? 3 : 0); }});"
            ),
        ),
        (
            ExecLanguage::Bash,
            format!(
                "echo x > /dev/tcp/127.0.0.1/{tcp_port} && echo CONNECTED; echo x > /dev/udp/127.0.0.1/{udp_port} && echo SENT"
            ),
        ),
    ];
    for (language, code) in attacks {
        let outcome = sb.run(language, &code, 10).await;
        for success in ["CONNECTED", "SENT", "RESOLVED"] {
            assert!(!outcome.output.contains(success), "{language} `{code}`: {outcome:#?}");
        }
        assert!(tcp.accept().is_err(), "a TCP connection arrived from {language}");
        assert!(udp.recv_from(&mut [0u8; 512]).is_err(), "a UDP datagram arrived from {language}");
        assert!(unix.accept().is_err(), "an abstract unix connection arrived from {language}");
        sb.assert_contained(&outcome, None).await;
    }
}

#[tokio::test]
async fn fork_and_thread_bombs_are_capped_and_cleaned_up() {
    let sb = Sandbox::new().await;
    for (language, code, marker) in [
        (ExecLanguage::Bash, "b() { b | b & }; b; sleep 30 # FORKBOMB-b71", "FORKBOMB-b71"),
        (
            ExecLanguage::Python,
            "import os, time\nos.environ['M']='FORKBOMB-p72'\nwhile True:\n    try: os.fork()\n    except OSError: time.sleep(0.01)",
            "FORKBOMB-p72",
        ),
        (
            ExecLanguage::Python,
            "import threading, time, os\nos.environ['M']='THREADBOMB-p73'\nn=0\ntry:\n    while True:\n        threading.Thread(target=time.sleep, args=(60,), daemon=True).start(); n+=1\nexcept Exception as e:\n    print('capped at', n, e)",
            "THREADBOMB-p73",
        ),
        (
            ExecLanguage::Javascript,
            "const {execSync}=require('child_process');process.env.M='FORKBOMB-j74';for(;;){try{require('child_process').spawn('sleep',['60'],{detached:true})}catch(e){}}",
            "FORKBOMB-j74",
        ),
    ] {
        let outcome = sb.run(language, code, 3).await;
        assert!(outcome.limits.max_processes == Some(64), "{outcome:#?}");
        sb.assert_contained(&outcome, Some(marker)).await;
    }
}

#[tokio::test]
async fn memory_bombs_hit_the_cgroup_limit() {
    let sb = Sandbox::new().await;
    for (language, code) in [
        (ExecLanguage::Python, "x = []\nwhile True: x.append(bytearray(16 * 1024 * 1024))"),
        (ExecLanguage::Javascript, "const a=[];for(;;){a.push(Buffer.alloc(16*1024*1024,1))}"),
        (ExecLanguage::Bash, "x=y; while true; do x=$x$x; done"),
    ] {
        let outcome = sb.run(language, code, 20).await;
        assert_ne!(outcome.exit_code, Some(0), "{language}: {outcome:#?}");
        assert!(
            outcome.memory_limit_hit || outcome.error.contains("memory") || outcome.error.contains("Memory"),
            "{language}: {outcome:#?}"
        );
        sb.assert_contained(&outcome, None).await;
    }
}

#[tokio::test]
async fn disk_fill_is_bounded() {
    let sb = Sandbox::new().await;
    let outcome = sb
        .run(
            ExecLanguage::Python,
            "import os\nf=open('big','wb')\ntry:\n    while True: f.write(b'x'*1048576); f.flush()\nexcept OSError as e: print('stopped', os.path.getsize('big'), e)",
            10,
        )
        .await;
    assert!(outcome.output.contains("stopped"), "{outcome:#?}");
    let size: u64 = outcome.output.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(size <= 8 * 1024 * 1024, "file grew to {size}");
    let many = sb
        .run(ExecLanguage::Bash, "i=0; while head -c 4000000 /dev/zero > f$i; do i=$((i+1)); done; echo files $i", 15)
        .await;
    // The fresh working directory is a tmpfs capped at the memory limit (256 MiB): about 64 files of 4 MB fit.
    let files: u64 = many.output.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0);
    assert!((1..=70).contains(&files), "{many:#?}");
    sb.assert_contained(&many, None).await;
}

#[tokio::test]
async fn output_floods_are_truncated() {
    let sb = Sandbox::new().await;
    for (language, code) in [
        (ExecLanguage::Bash, "yes flood | head -c 50000000; yes err | head -c 50000000 >&2"),
        (ExecLanguage::Python, "import sys\nfor _ in range(200000): sys.stdout.write('x'*100+'\\n')"),
        (ExecLanguage::Javascript, "process.stdout.write('y'.repeat(30*1024*1024))"),
    ] {
        let outcome = sb.run(language, code, 20).await;
        assert!(outcome.truncated, "{language}: not truncated");
        assert!(outcome.output.len() <= 64 * 1024 + 3, "{language}: {} bytes kept", outcome.output.len());
        assert_eq!(outcome.exit_code, Some(0), "{language}: {}", outcome.error);
        sb.assert_contained(&outcome, None).await;
    }
}

#[tokio::test]
async fn daemons_and_term_ignoring_children_do_not_outlive_the_execution() {
    let sb = Sandbox::new().await;
    for (language, code, timeout, marker) in [
        (
            ExecLanguage::Python,
            "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.environ['M']='DAEMON-p81'\n        os.execvp('sleep', ['sleep', '300'])\n    os._exit(0)\nprint('parent done')",
            10,
            "DAEMON-p81",
        ),
        (
            ExecLanguage::Bash,
            "setsid bash -c 'sleep 300; : DAEMON-b82' & disown; nohup bash -c 'sleep 300; : DAEMON-b83' >/dev/null 2>&1 & echo started",
            10,
            "DAEMON-b8",
        ),
        (
            ExecLanguage::Bash,
            "trap '' TERM; bash -c \"trap '' TERM; sleep 300; : IGNORE-b84\" & sleep 300",
            1,
            "IGNORE-b84",
        ),
        (
            ExecLanguage::Javascript,
            "require('child_process').spawn('bash',['-c','sleep 300; : DAEMON-j85'],{detached:true,stdio:'ignore'}).unref();console.log('parent done')",
            10,
            "DAEMON-j85",
        ),
    ] {
        let outcome = sb.run(language, code, timeout).await;
        if timeout == 1 {
            assert!(outcome.timed_out && outcome.exit_code.is_none(), "{outcome:#?}");
            assert!(outcome.execution_time < 5.0, "{outcome:#?}");
        } else {
            assert_eq!(outcome.exit_code, Some(0), "{language}: {outcome:#?}");
            assert!(!outcome.timed_out, "{language}: the parent's exit must end the execution: {outcome:#?}");
        }
        sb.assert_contained(&outcome, Some(marker)).await;
    }
}

#[tokio::test]
async fn code_cannot_harm_the_server() {
    let sb = Sandbox::new().await;
    // A descriptor the server leaked without close-on-exec must not reach the code.
    let leaked = nix::fcntl::open(&sb.db, nix::fcntl::OFlag::O_RDONLY, nix::sys::stat::Mode::empty()).unwrap();
    for (language, code) in [
        (
            ExecLanguage::Python,
            "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\nprint('still here')",
        ),
        (ExecLanguage::Bash, "kill -9 -1; kill -9 $PPID; echo survived"),
        (
            ExecLanguage::Python,
            "import os\nfor fd in os.listdir('/proc/self/fd'):\n    try: print(fd, os.pread(int(fd), 100, 0))\n    except Exception as e: print(fd, e)",
        ),
        (ExecLanguage::Bash, "for fd in /proc/self/fd/*; do cat $fd; done 2>&1; ls -l /proc/self/fd"),
        (
            ExecLanguage::Python,
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nfor pid in (1, os.getppid()):\n    r = libc.ptrace(16, pid, 0, 0)\n    print('ptrace', pid, r, ctypes.get_errno())\n    assert r == -1\ntry:\n    open('/proc/1/mem','rb').read(1)\n    print('READ MEM')\nexcept Exception as e: print(e)",
        ),
    ] {
        let outcome = sb.run(language, code, 10).await;
        assert!(!outcome.output.contains("READ MEM"), "{outcome:#?}");
        sb.assert_contained(&outcome, None).await;
    }
    drop(leaked);
}
