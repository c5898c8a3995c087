//! The sandbox helper: the server's own binary re-executed, single-threaded, that builds the sandbox layer by layer
//! and then `execve`s the interpreter.
//!
//! Process tree in namespace mode:
//! ```text
//! server ── helper (joins cgroup, unshares namespaces, waits)
//!             └─ init: pid 1 of the new pid namespace (mounts, supervises; its exit kills every process left)
//!                  └─ payload: setsid, rlimits, fds, caps, NO_NEW_PRIVS, Landlock, seccomp, execve(interpreter)
//! ```
//! Without namespaces the helper itself supervises the payload as a child subreaper and kills every descendant it
//! adopts once the payload exits or the server asks it to stop (SIGTERM).
//!
//! Reports go back as JSON lines on fd 3, the control socket (the helper's stdin at start, moved to fd 3 with
//! close-on-exec so the interpreter never inherits it).

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    Scope, path_beneath_rules,
};
use nix::errno::Errno;
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, kill, sigaction};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, setsid};

use crate::spec::{HelperReport, SandboxSpec};

/// The control socket's descriptor in every stage.
const CONTROL_FD: i32 = 3;
/// Exit code of a stage that could not set up its layer (the program never ran).
const SETUP_FAILED: u8 = 125;

/// Entry point of the re-executed helper; the main binary calls it when `argv[1] == "__sandbox"`, before starting any
/// thread (the helper forks, which is only sound in a single-threaded process).
pub fn sandbox_helper_main() -> ExitCode {
    let Some(control) = take_control_socket() else {
        return ExitCode::from(SETUP_FAILED);
    };
    let mut raw = Vec::new();
    if let Err(err) = (&control).read_to_end(&mut raw) {
        report(&control, &setup_failed("spec", format!("reading the spec: {err}")));
        return ExitCode::from(SETUP_FAILED);
    }
    let spec: SandboxSpec = match serde_json::from_slice(&raw) {
        Ok(spec) => spec,
        Err(err) => {
            report(&control, &setup_failed("spec", format!("parsing the spec: {err}")));
            return ExitCode::from(SETUP_FAILED);
        }
    };
    match run_helper(&spec, &control) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            report(&control, &failure);
            ExitCode::from(SETUP_FAILED)
        }
    }
}

fn setup_failed(stage: &str, message: impl Into<String>) -> HelperReport {
    HelperReport::SetupFailed { stage: stage.to_owned(), message: message.into() }
}

fn layer(control: &File, name: &str, result: Result<String, String>) -> bool {
    let (ok, detail) = match result {
        Ok(detail) => (true, detail),
        Err(detail) => (false, detail),
    };
    report(control, &HelperReport::Layer { name: name.to_owned(), ok, detail });
    ok
}

fn report(control: &File, report: &HelperReport) {
    if let Ok(mut line) = serde_json::to_vec(report) {
        line.push(b'\n');
        // A server that stopped listening has nothing left to learn; the write error is not actionable.
        let _ = (&*control).write_all(&line);
    }
}

/// Moves the control socket from stdin to fd 3 (close-on-exec) and puts /dev/null on stdin.
fn take_control_socket() -> Option<File> {
    // SAFETY: dup3 only duplicates descriptor 0 onto 3; no Rust object owns fd 3 yet (the helper has just started).
    if unsafe { libc::dup3(0, CONTROL_FD, libc::O_CLOEXEC) } != CONTROL_FD {
        return None;
    }
    // SAFETY: fd 3 was just created by dup3 above and is owned by nothing else.
    let control = unsafe { File::from_raw_fd(CONTROL_FD) };
    let null = File::open("/dev/null").ok()?;
    // SAFETY: dup2 replaces fd 0 (the socket's original slot, owned by no Rust object) with /dev/null.
    if unsafe { libc::dup2(null.as_raw_fd(), 0) } != 0 {
        return None;
    }
    Some(control)
}

fn run_helper(spec: &SandboxSpec, control: &File) -> Result<u8, HelperReport> {
    join_cgroups(spec, control)?;
    // A new session keeps terminal signals aimed at the server's process group away from executions.
    let _ = setsid();
    let mut in_namespaces = false;
    if spec.layers.namespaces {
        let result = enter_namespaces(spec);
        if spec.probe {
            in_namespaces = layer(control, "namespaces", result);
        } else {
            result.map_err(|message| setup_failed("namespaces", message))?;
            in_namespaces = true;
        }
    }
    if !in_namespaces {
        // Daemons that double-fork are re-parented to us, so we can kill them when the payload is done.
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
    // SAFETY: the helper is single-threaded (it runs before any runtime starts), so the child may run arbitrary code.
    match unsafe { fork() } {
        Err(err) => Err(setup_failed("fork", err.to_string())),
        Ok(ForkResult::Child) => {
            if in_namespaces {
                init_stage(spec, control)
            } else {
                payload_stage(spec, control)
            }
        }
        Ok(ForkResult::Parent { child }) => {
            if in_namespaces {
                // The init process reports the payload's status; we only mirror whether it managed to.
                Ok(match wait_for(child) {
                    Some(WaitStatus::Exited(_, code)) => u8::try_from(code).unwrap_or(SETUP_FAILED),
                    _ => SETUP_FAILED,
                })
            } else {
                Ok(supervise(child, control, true))
            }
        }
    }
}

fn wait_for(child: Pid) -> Option<WaitStatus> {
    loop {
        match waitpid(child, None) {
            Ok(status @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => return Some(status),
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}

fn join_cgroups(spec: &SandboxSpec, control: &File) -> Result<(), HelperReport> {
    if spec.cgroup_procs.is_empty() {
        return Ok(());
    }
    let pid = getpid().to_string();
    let result = spec
        .cgroup_procs
        .iter()
        .try_for_each(|procs| std::fs::write(procs, &pid).map_err(|err| format!("joining {}: {err}", procs.display())))
        .map(|()| format!("joined {} controller(s)", spec.cgroup_procs.len()));
    if spec.probe {
        layer(control, "cgroup", result);
        Ok(())
    } else {
        result.map(drop).map_err(|message| setup_failed("cgroup", message))
    }
}

fn enter_namespaces(spec: &SandboxSpec) -> Result<String, String> {
    let mut flags =
        CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWPID | CloneFlags::CLONE_NEWIPC | CloneFlags::CLONE_NEWUTS;
    if !spec.layers.allow_network {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    let uid = nix::unistd::geteuid();
    let gid = nix::unistd::getegid();
    let rootless = !uid.is_root();
    if rootless {
        flags |= CloneFlags::CLONE_NEWUSER;
    }
    unshare(flags).map_err(|err| format!("unshare({flags:?}): {err}"))?;
    if rootless {
        // Map ourselves to root inside so mounts are permitted; outside we stay the same unprivileged user.
        std::fs::write("/proc/self/uid_map", format!("0 {uid} 1")).map_err(|err| format!("uid_map: {err}"))?;
        std::fs::write("/proc/self/setgroups", "deny").map_err(|err| format!("setgroups: {err}"))?;
        std::fs::write("/proc/self/gid_map", format!("0 {gid} 1")).map_err(|err| format!("gid_map: {err}"))?;
    }
    Ok(format!("unshared {flags:?}"))
}

/// Pid 1 of the new pid namespace: builds the mount view, starts the payload and exits when it does, which makes the
/// kernel kill every process left in the namespace.
fn init_stage(spec: &SandboxSpec, control: &File) -> ! {
    // If the helper dies (the server killed it on timeout), take the whole namespace down with us.
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    let mounted = setup_mounts(spec);
    if spec.probe {
        layer(
            control,
            "pid_namespace",
            if getpid().as_raw() == 1 { Ok("pid 1".into()) } else { Err("not pid 1".into()) },
        );
        if !layer(control, "mounts", mounted) {
            exit_now(SETUP_FAILED);
        }
    } else if let Err(message) = mounted {
        report(control, &setup_failed("mounts", message));
        exit_now(SETUP_FAILED);
    }
    let _ = nix::unistd::sethostname("sandbox");
    // SAFETY: this process is single-threaded (a fresh fork of the single-threaded helper).
    match unsafe { fork() } {
        Err(err) => {
            report(control, &setup_failed("fork", err.to_string()));
            exit_now(SETUP_FAILED)
        }
        Ok(ForkResult::Child) => payload_stage(spec, control),
        Ok(ForkResult::Parent { child }) => exit_now(supervise(child, control, false)),
    }
}

fn exit_now(code: u8) -> ! {
    std::process::exit(i32::from(code))
}

fn setup_mounts(spec: &SandboxSpec) -> Result<String, String> {
    let none: Option<&str> = None;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)
        .map_err(|err| format!("making / private: {err}"))?;
    // Paths under /tmp disappear under the private /tmp; hold them open and bind them back afterwards.
    let mut keep: Vec<(&Path, OwnedFd)> = Vec::new();
    let mut rebind: Vec<&Path> = spec.read_paths.iter().chain(&spec.write_paths).map(|p| p.as_path()).collect();
    if !spec.workdir_tmpfs {
        rebind.push(&spec.workdir);
    }
    rebind.sort();
    rebind.dedup();
    // "/tmp" itself is the private tmpfs and must not be bound back.
    for path in rebind.into_iter().filter(|p| p.starts_with("/tmp") && *p != Path::new("/tmp")) {
        if let Ok(file) = nix::fcntl::open(
            path,
            nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        ) {
            keep.push((path, file));
        }
    }
    let tmpfs_options = format!("size={},mode=1777", spec.limits.tmpfs_bytes);
    mount(Some("tmpfs"), "/tmp", Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some(tmpfs_options.as_str()))
        .map_err(|err| format!("mounting a private /tmp: {err}"))?;
    for (path, fd) in &keep {
        let is_dir = std::fs::metadata(format!("/proc/self/fd/{}", fd.as_raw_fd())).map(|m| m.is_dir()).unwrap_or(true);
        make_mountpoint(path, is_dir)?;
        let source = format!("/proc/self/fd/{}", fd.as_raw_fd());
        mount(Some(source.as_str()), *path, none, MsFlags::MS_BIND | MsFlags::MS_REC, none)
            .map_err(|err| format!("binding {} back: {err}", path.display()))?;
    }
    drop(keep);
    if spec.workdir_tmpfs {
        make_mountpoint(&spec.workdir, true)?;
        let options = format!("size={},mode=0755", spec.limits.tmpfs_bytes);
        mount(
            Some("tmpfs"),
            &spec.workdir,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(options.as_str()),
        )
        .map_err(|err| format!("mounting the working directory: {err}"))?;
    }
    for protected in &spec.protected_paths {
        let Ok(meta) = std::fs::metadata(protected) else { continue };
        let result = if meta.is_dir() {
            mount(
                Some("tmpfs"),
                protected,
                Some("tmpfs"),
                MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                Some("size=4k,mode=000"),
            )
        } else {
            mount(Some("/dev/null"), protected, none, MsFlags::MS_BIND, none)
        };
        result.map_err(|err| format!("masking {}: {err}", protected.display()))?;
    }
    if Path::new("/dev/shm").is_dir() {
        mount(
            Some("tmpfs"),
            "/dev/shm",
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(tmpfs_options.as_str()),
        )
        .map_err(|err| format!("mounting a private /dev/shm: {err}"))?;
    }
    mount(Some("proc"), "/proc", Some("proc"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC, none)
        .map_err(|err| format!("mounting a private /proc: {err}"))?;
    Ok(format!("private /tmp and /proc, {} protected path(s) masked", spec.protected_paths.len()))
}

fn make_mountpoint(path: &Path, is_dir: bool) -> Result<(), String> {
    let result = if is_dir {
        std::fs::create_dir_all(path)
    } else {
        path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| File::create(path).map(drop))
    };
    result.map_err(|err| format!("creating mount point {}: {err}", path.display()))
}

static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_: libc::c_int) {
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// Waits for the payload, reaping adopted orphans, and reports its status. With `sweep`, kills every remaining
/// descendant afterwards (without a pid namespace nobody else would).
fn supervise(payload: Pid, control: &File, sweep: bool) -> u8 {
    let action = SigAction::new(SigHandler::Handler(request_stop), SaFlags::empty(), SigSet::empty());
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let _ = unsafe { sigaction(signal, &action) };
    }
    let outcome = loop {
        match waitpid(Pid::from_raw(-1), None) {
            Ok(WaitStatus::Exited(pid, code)) if pid == payload => break HelperReport::Exited { code },
            Ok(WaitStatus::Signaled(pid, signal, _)) if pid == payload => {
                break HelperReport::Signaled { signal: signal as i32 };
            }
            Ok(_) => {}
            Err(Errno::EINTR) => {
                if STOP_REQUESTED.load(Ordering::SeqCst) {
                    let _ = kill(Pid::from_raw(-payload.as_raw()), Signal::SIGKILL);
                    let _ = kill(payload, Signal::SIGKILL);
                }
            }
            Err(_) => break HelperReport::SetupFailed { stage: "wait".into(), message: "payload vanished".into() },
        }
    };
    if sweep {
        let _ = kill(Pid::from_raw(-payload.as_raw()), Signal::SIGKILL);
        kill_adopted_descendants();
    }
    report(control, &outcome);
    match outcome {
        HelperReport::Exited { code } => u8::try_from(code).unwrap_or(1),
        HelperReport::Signaled { signal } => u8::try_from(128 + signal).unwrap_or(1),
        _ => SETUP_FAILED,
    }
}

/// Kills and reaps every child until none is left; as a subreaper we adopt every orphaned descendant, so this
/// converges on the whole tree.
fn kill_adopted_descendants() {
    let me = getpid().as_raw();
    for _ in 0..1000 {
        let children = children_of(me);
        if children.is_empty() {
            // Reap anything that exited meanwhile; ECHILD means the tree is gone.
            match waitpid(Pid::from_raw(-1), Some(nix::sys::wait::WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => return,
                Ok(_) => continue,
            }
        }
        for child in children {
            let _ = kill(Pid::from_raw(-child), Signal::SIGKILL);
            let _ = kill(Pid::from_raw(child), Signal::SIGKILL);
        }
        while let Ok(status) = waitpid(Pid::from_raw(-1), Some(nix::sys::wait::WaitPidFlag::WNOHANG)) {
            if status == WaitStatus::StillAlive {
                break;
            }
        }
    }
}

fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|stat| {
                // The command name may contain spaces and parentheses; fields resume after the last ')'.
                let rest = &stat[stat.rfind(')')? + 2..];
                rest.split(' ').nth(1)?.parse::<i32>().ok()
            }) == Some(parent)
        })
        .collect()
}

/// The process that becomes the interpreter.
fn payload_stage(spec: &SandboxSpec, control: &File) -> ! {
    match confine(spec, control) {
        Err(failure) => {
            report(control, &failure);
            exit_now(SETUP_FAILED)
        }
        Ok(()) => {
            let err = exec(spec);
            report(control, &setup_failed("exec", format!("{}: {err}", spec.argv.first().map_or("", String::as_str))));
            exit_now(127)
        }
    }
}

fn confine(spec: &SandboxSpec, control: &File) -> Result<(), HelperReport> {
    fn fail(stage: &'static str) -> impl Fn(String) -> HelperReport {
        move |message| setup_failed(stage, message)
    }
    setsid().map_err(|err| setup_failed("setsid", err.to_string()))?;
    set_rlimits(spec).map_err(fail("rlimits"))?;
    std::env::set_current_dir(&spec.workdir)
        .map_err(|err| setup_failed("workdir", format!("{}: {err}", spec.workdir.display())))?;
    let stdin = match &spec.stdin_file {
        Some(path) => File::open(path),
        None => File::open("/dev/null"),
    }
    .map_err(|err| setup_failed("stdin", err.to_string()))?;
    // SAFETY: dup2 onto fd 0, which no Rust object owns (the helper replaced it with /dev/null at start).
    if unsafe { libc::dup2(stdin.as_raw_fd(), 0) } != 0 {
        return Err(setup_failed("stdin", std::io::Error::last_os_error().to_string()));
    }
    drop(stdin);
    // Everything but stdio and the close-on-exec control socket goes: the server's descriptors never reach the code.
    // SAFETY: close_range closes descriptors above the control socket; the only Rust-owned descriptor there would
    // be `stdin`, already dropped, and nothing here uses another descriptor afterwards.
    let closed = unsafe { libc::syscall(libc::SYS_close_range, CONTROL_FD + 1, u32::MAX, 0) };
    if closed != 0 {
        return Err(setup_failed("close_fds", std::io::Error::last_os_error().to_string()));
    }
    let caps = drop_capabilities();
    nix::sys::prctl::set_no_new_privs().map_err(|err| setup_failed("no_new_privs", err.to_string()))?;
    if spec.probe {
        layer(control, "capabilities", caps);
        layer(control, "no_new_privs", Ok("set".into()));
    } else {
        caps.map_err(fail("capabilities"))?;
    }
    if spec.layers.landlock {
        let result = apply_landlock(spec);
        if spec.probe {
            let verified = result.and_then(|detail| match &spec.probe_canary {
                Some(canary) => match File::open(canary) {
                    Ok(_) => {
                        Err(format!("restrict_self returned ({detail}) but {} is still readable", canary.display()))
                    }
                    Err(_) => Ok(detail),
                },
                None => Ok(detail),
            });
            layer(control, "landlock", verified);
        } else {
            result.map_err(fail("landlock"))?;
        }
    }
    if spec.layers.seccomp {
        let result = crate::seccomp::apply(spec.layers.allow_network);
        if spec.probe {
            let verified = result.and_then(|detail| {
                if spec.layers.allow_network {
                    return Ok(detail);
                }
                // SAFETY: socket(2) with constant arguments; the descriptor, if any, is closed right away.
                let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
                if fd >= 0 {
                    // SAFETY: fd was just returned by socket(2) and is owned by nothing else.
                    unsafe { libc::close(fd) };
                    Err("filter loaded but an inet socket could still be created".into())
                } else {
                    Ok(detail)
                }
            });
            layer(control, "seccomp", verified);
        } else {
            result.map_err(fail("seccomp"))?;
        }
    }
    Ok(())
}

fn set_rlimits(spec: &SandboxSpec) -> Result<(), String> {
    use rlimit::Resource;
    let limits = [
        (Resource::FSIZE, spec.limits.file_size_bytes),
        (Resource::NOFILE, spec.limits.open_files),
        (Resource::CORE, 0),
        (Resource::NPROC, spec.limits.processes),
    ];
    for (resource, value) in limits {
        rlimit::setrlimit(resource, value, value).map_err(|err| format!("{resource:?}: {err}"))?;
    }
    Ok(())
}

/// Root in the sandbox keeps uid 0 (runtimes under /root stay readable) but loses every capability, also across
/// execve: the bounding set is emptied, then the current sets.
fn drop_capabilities() -> Result<String, String> {
    let last_cap: libc::c_ulong =
        std::fs::read_to_string("/proc/sys/kernel/cap_last_cap").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(40);
    let privileged = nix::unistd::geteuid().is_root();
    for cap in 0..=last_cap {
        // SAFETY: prctl with integer arguments only.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) };
        if rc != 0 && privileged && Errno::last() != Errno::EINVAL {
            return Err(format!("dropping capability {cap} from the bounding set: {}", Errno::last()));
        }
    }
    #[repr(C)]
    struct CapHeader {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct CapData {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = CapHeader { version: 0x2008_0522, pid: 0 };
    let data = [CapData { effective: 0, permitted: 0, inheritable: 0 }; 2];
    // SAFETY: capset reads a version-3 header and two data structs, both valid for the duration of the call.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut CapHeader, data.as_ptr()) };
    if rc != 0 {
        return Err(format!("capset: {}", Errno::last()));
    }
    Ok("bounding, effective, permitted and inheritable sets emptied".into())
}

fn apply_landlock(spec: &SandboxSpec) -> Result<String, String> {
    let abi = ABI::V6;
    let existing = |paths: &[std::path::PathBuf]| -> Vec<std::path::PathBuf> {
        paths.iter().filter(|p| p.exists()).cloned().collect()
    };
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))
        .map_err(|e| e.to_string())?
        .scope(Scope::AbstractUnixSocket | Scope::Signal)
        .map_err(|e| e.to_string())?;
    if !spec.layers.allow_network {
        ruleset = ruleset.handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp).map_err(|e| e.to_string())?;
    }
    let status = ruleset
        .create()
        .map_err(|e| e.to_string())?
        .add_rules(path_beneath_rules(existing(&spec.read_paths), AccessFs::from_read(abi)))
        .map_err(|e| e.to_string())?
        .add_rules(path_beneath_rules(existing(&spec.write_paths), AccessFs::from_all(abi)))
        .map_err(|e| e.to_string())?
        .restrict_self()
        .map_err(|e| e.to_string())?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => Ok(format!("fully enforced (ABI {})", abi as i32)),
        RulesetStatus::PartiallyEnforced => Ok("partially enforced (older kernel ABI)".into()),
        RulesetStatus::NotEnforced => Err("not enforced: the kernel lacks Landlock".into()),
    }
}

fn exec(spec: &SandboxSpec) -> String {
    let to_c = |s: &[u8]| CString::new(s).map_err(|_| "argument contains a NUL byte".to_owned());
    let result = (|| -> Result<std::convert::Infallible, String> {
        let argv = spec.argv.iter().map(|a| to_c(a.as_bytes())).collect::<Result<Vec<_>, _>>()?;
        let env = spec.env.iter().map(|(k, v)| to_c(format!("{k}={v}").as_bytes())).collect::<Result<Vec<_>, _>>()?;
        let program = argv.first().ok_or("empty argv")?;
        nix::unistd::execve(program, &argv, &env).map_err(|err| err.to_string())
    })();
    match result {
        Ok(never) => match never {},
        Err(message) => message,
    }
}
