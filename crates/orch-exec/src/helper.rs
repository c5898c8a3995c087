//! The sandbox helper: the server's own binary re-executed, single-threaded, that builds the sandbox layer by layer
//! and then `execve`s the interpreter.
//!
//! Process tree in namespace mode:
//! ```text
//! server ── helper (joins cgroup, unshares namespaces, waits)
//!             └─ init: pid 1 of the new pid namespace (builds the root, waits for the job, binds the working
//!                  │     directory, pivots, runs the steps one by one)
//!                  └─ step: setsid, rlimits, fds, caps, user, NO_NEW_PRIVS, Landlock, seccomp, execve(program)
//! ```
//! Everything before "waits for the job" depends only on the [`Setup`], so the server starts helpers ahead of
//! requests (prepared helpers); each one serves a single job and exits. A helper whose server goes away reads end
//! of file instead of a job and exits, taking its namespaces with it.
//! Without namespaces the helper itself runs the steps as a child subreaper and kills every descendant it adopts
//! once a step exits or the server asks it to stop (SIGTERM).
//!
//! Reports go back as JSON lines on fd 3, the control socket (the helper's stdin at start, moved to fd 3 with
//! close-on-exec so the program never inherits it).

use std::ffi::CString;
use std::fs::File;
use std::io::{IoSliceMut, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::errno::Errno;
use nix::sched::{CloneFlags, unshare};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, kill, sigaction};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, setsid};

use crate::spec::{HelperReport, Job, Setup, Step, WITH_HANDLE, read_frame};

/// The control socket's descriptor in every stage.
const CONTROL_FD: i32 = 3;
/// Exit code of a stage that could not set up its layer (the program never ran).
const SETUP_FAILED: u8 = 125;
/// Bytes of a failed step's log sent back.
const LOG_TAIL_BYTES: usize = 4000;

/// What every stage after the job's arrival needs: the setup, the job, the control socket and the working directory's
/// handle, if the server sent one.
struct Context<'a> {
    setup: &'a Setup,
    job: &'a Job,
    control: &'a File,
    workdir: Option<&'a OwnedFd>,
}

/// A job as received, with the handle that came with it.
struct Received {
    job: Job,
    workdir: Option<OwnedFd>,
}

impl Received {
    fn context<'a>(&'a self, setup: &'a Setup, control: &'a File) -> Context<'a> {
        Context { setup, job: &self.job, control, workdir: self.workdir.as_ref() }
    }
}

/// Entry point of the re-executed helper; the main binary calls it when `argv[1] == "__sandbox"`, before starting any
/// thread (the helper forks, which is only sound in a single-threaded process).
pub fn sandbox_helper_main() -> ExitCode {
    let Some(control) = take_control_socket() else {
        return ExitCode::from(SETUP_FAILED);
    };
    let setup: Setup = match read_frame(&control) {
        Ok(setup) => setup,
        Err(message) => {
            report(&control, &setup_failed("spec", message));
            return ExitCode::from(SETUP_FAILED);
        }
    };
    match run_helper(&setup, &control) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            report(&control, &failure);
            ExitCode::from(SETUP_FAILED)
        }
    }
}

pub(crate) fn setup_failed(stage: &str, message: impl Into<String>) -> HelperReport {
    HelperReport::SetupFailed { stage: stage.to_owned(), message: message.into() }
}

pub(crate) fn layer(control: &File, name: &str, result: Result<String, String>) -> bool {
    let (ok, detail) = match result {
        Ok(detail) => (true, detail),
        Err(detail) => (false, detail),
    };
    report(control, &HelperReport::Layer { name: name.to_owned(), ok, detail });
    ok
}

pub(crate) fn report(control: &File, report: &HelperReport) {
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

/// Waits for the job: the byte carrying the working directory's handle, then the framed job. End of file (the server
/// dropped this helper or died) ends the helper.
fn receive_job(control: &File) -> Result<Received, HelperReport> {
    let workdir = receive_handle(control).map_err(|message| setup_failed("handle", message))?;
    let job = read_frame(control).map_err(|message| setup_failed("spec", message))?;
    Ok(Received { job, workdir })
}

/// Reads the job's first byte and the working directory's handle attached to it, if any.
fn receive_handle(control: &File) -> Result<Option<OwnedFd>, String> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let message = recvmsg::<()>(control.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)
        .map_err(|e| format!("receiving the working directory: {e}"))?;
    if message.bytes == 0 {
        return Err("the server closed the control socket without sending a job".into());
    }
    let mut handle = None;
    for cmsg in message.cmsgs().map_err(|e| format!("reading the working directory handle: {e}"))? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            for fd in fds {
                // SAFETY: the kernel just installed this descriptor for us; nothing else owns it.
                let owned = unsafe { OwnedFd::from_raw_fd(fd) };
                handle.get_or_insert(owned);
            }
        }
    }
    if byte[0] == WITH_HANDLE && handle.is_none() {
        return Err("the server announced a working directory handle but none arrived".into());
    }
    Ok(handle)
}

fn run_helper(setup: &Setup, control: &File) -> Result<u8, HelperReport> {
    join_cgroups(setup, control)?;
    // A new session keeps terminal signals aimed at the server's process group away from executions.
    let _ = setsid();
    let mut in_namespaces = false;
    if setup.layers.namespaces {
        let result = enter_namespaces(setup);
        if setup.probe {
            in_namespaces = layer(control, "namespaces", result);
        } else {
            result.map_err(|message| setup_failed("namespaces", message))?;
            in_namespaces = true;
        }
    }
    if !in_namespaces {
        // Daemons that double-fork are re-parented to us, so we can kill them when a step is done.
        let _ = nix::sys::prctl::set_child_subreaper(true);
        let received = receive_job(control)?;
        return Ok(run_steps(&received.context(setup, control), false));
    }
    // SAFETY: the helper is single-threaded (it runs before any runtime starts), so the child may run arbitrary code.
    match unsafe { fork() } {
        Err(err) => Err(setup_failed("fork", err.to_string())),
        Ok(ForkResult::Child) => init_stage(setup, control),
        Ok(ForkResult::Parent { child }) => {
            silence_output();
            // The init process reports the program's status; we only mirror whether it managed to.
            Ok(match wait_for(child) {
                Some(WaitStatus::Exited(_, code)) => u8::try_from(code).unwrap_or(SETUP_FAILED),
                _ => SETUP_FAILED,
            })
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

fn join_cgroups(setup: &Setup, control: &File) -> Result<(), HelperReport> {
    if setup.cgroup_procs.is_empty() {
        return Ok(());
    }
    let pid = getpid().to_string();
    let result = setup
        .cgroup_procs
        .iter()
        .try_for_each(|procs| std::fs::write(procs, &pid).map_err(|err| format!("joining {}: {err}", procs.display())))
        .map(|()| format!("joined {} controller(s)", setup.cgroup_procs.len()));
    if setup.probe {
        layer(control, "cgroup", result);
        Ok(())
    } else {
        result.map(drop).map_err(|message| setup_failed("cgroup", message))
    }
}

fn enter_namespaces(setup: &Setup) -> Result<String, String> {
    let mut flags =
        CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWPID | CloneFlags::CLONE_NEWIPC | CloneFlags::CLONE_NEWUTS;
    // With a networked step the net namespace is entered per step, by the steps that don't need it.
    if !setup.network {
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

/// Pid 1 of the new pid namespace: builds the root, waits for the job, enters the root, runs the steps and exits when
/// the last one does, which makes the kernel kill every process left in the namespace.
fn init_stage(setup: &Setup, control: &File) -> ! {
    // If the helper dies (the server killed it on timeout), take the whole namespace down with us.
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    let prepared = crate::root::prepare(setup);
    if setup.probe {
        layer(
            control,
            "pid_namespace",
            if getpid().as_raw() == 1 { Ok("pid 1".into()) } else { Err("not pid 1".into()) },
        );
    }
    if let (Err(message), false) = (&prepared, setup.probe) {
        report(control, &setup_failed("mounts", message.clone()));
        exit_now(SETUP_FAILED);
    }
    let received = match receive_job(control) {
        Ok(received) => received,
        Err(failure) => {
            report(control, &failure);
            exit_now(SETUP_FAILED)
        }
    };
    let cx = received.context(setup, control);
    let built = prepared.and_then(|detail| crate::root::enter(setup, cx.job, cx.workdir).map(|()| detail));
    if setup.probe {
        if !layer(control, "mounts", built) {
            exit_now(SETUP_FAILED);
        }
    } else if let Err(message) = built {
        report(control, &setup_failed("mounts", message));
        exit_now(SETUP_FAILED);
    }
    let _ = nix::unistd::sethostname("sandbox");
    exit_now(run_steps(&cx, true))
}

fn exit_now(code: u8) -> ! {
    std::process::exit(i32::from(code))
}

/// Runs every step in order and reports the last one's outcome; an earlier step that fails ends the run.
fn run_steps(cx: &Context<'_>, in_namespaces: bool) -> u8 {
    let count = cx.job.steps.len();
    for (index, step) in cx.job.steps.iter().enumerate() {
        let last = index + 1 == count;
        // SAFETY: this process is single-threaded (the helper, or a fresh fork of it).
        let child = match unsafe { fork() } {
            Err(err) => {
                report(cx.control, &setup_failed("fork", err.to_string()));
                return SETUP_FAILED;
            }
            Ok(ForkResult::Child) => step_stage(cx, step, in_namespaces),
            Ok(ForkResult::Parent { child }) => child,
        };
        if last {
            silence_output();
        }
        let outcome = supervise(child);
        // Whatever the step left running (daemons, stragglers) must not meet the next one, nor outlive the report:
        // once it is sent the server takes the output as complete and the result as final.
        if in_namespaces {
            let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
            // Every process of the namespace is our descendant, and orphans are re-parented to us, so ECHILD means
            // all of them are gone.
            while let Ok(_) | Err(Errno::EINTR) = waitpid(Pid::from_raw(-1), None) {}
        } else {
            let _ = kill(Pid::from_raw(-child.as_raw()), Signal::SIGKILL);
            kill_adopted_descendants();
        }
        let code = match &outcome {
            HelperReport::Exited { code } => *code,
            HelperReport::Signaled { signal } => 128 + signal,
            _ => i32::from(SETUP_FAILED),
        };
        if last {
            report(cx.control, &outcome);
            return u8::try_from(code).unwrap_or(1);
        }
        let log_tail = step.log_file.as_deref().map(log_tail).unwrap_or_default();
        report(cx.control, &HelperReport::StepExited { step: index, code, log_tail });
        if code != 0 || STOP_REQUESTED.load(Ordering::SeqCst) {
            return u8::try_from(code).unwrap_or(1);
        }
    }
    0
}

/// Points this process's stdout and stderr at /dev/null once the last step holds the execution's output pipes, so
/// the server sees end of file when the program and its descendants are gone, without waiting for the helper.
fn silence_output() {
    if let Ok(null) = File::options().write(true).open("/dev/null") {
        // Failing leaves the pipes open, which only delays the end of file until this process exits.
        let _ = redirect(&null, 1);
        let _ = redirect(&null, 2);
    }
}

fn log_tail(path: &std::path::Path) -> String {
    let raw = std::fs::read(path).unwrap_or_default();
    let start = raw.len().saturating_sub(LOG_TAIL_BYTES);
    String::from_utf8_lossy(&raw[start..]).into_owned()
}

static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_: libc::c_int) {
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// Waits for a step, reaping adopted orphans meanwhile, and returns how it ended. A stop request (SIGTERM from the
/// server on timeout) kills the step's process group.
fn supervise(payload: Pid) -> HelperReport {
    let action = SigAction::new(SigHandler::Handler(request_stop), SaFlags::empty(), SigSet::empty());
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let _ = unsafe { sigaction(signal, &action) };
    }
    loop {
        match waitpid(Pid::from_raw(-1), None) {
            Ok(WaitStatus::Exited(pid, code)) if pid == payload => return HelperReport::Exited { code },
            Ok(WaitStatus::Signaled(pid, signal, _)) if pid == payload => {
                return HelperReport::Signaled { signal: signal as i32 };
            }
            Ok(_) => {}
            Err(Errno::EINTR) => {
                if STOP_REQUESTED.load(Ordering::SeqCst) {
                    let _ = kill(Pid::from_raw(-payload.as_raw()), Signal::SIGKILL);
                    let _ = kill(payload, Signal::SIGKILL);
                }
            }
            Err(_) => return HelperReport::SetupFailed { stage: "wait".into(), message: "payload vanished".into() },
        }
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

/// The process that becomes one step's program.
fn step_stage(cx: &Context<'_>, step: &Step, in_namespaces: bool) -> ! {
    match crate::confine::confine(cx.setup, cx.job, step, cx.control, cx.workdir, in_namespaces) {
        Err(failure) => {
            report(cx.control, &failure);
            exit_now(SETUP_FAILED)
        }
        Ok(()) => {
            let argv = match &step.script {
                None => step.argv.clone(),
                Some(job) => match crate::confine::prepare_script(job, cx.control) {
                    Ok(script) => step
                        .argv
                        .iter()
                        .map(|a| if a == crate::spec::SCRIPT_PLACEHOLDER { script.clone() } else { a.clone() })
                        .collect(),
                    Err(message) => {
                        report(cx.control, &HelperReport::SyntaxError { message });
                        exit_now(0)
                    }
                },
            };
            let err = exec(&argv, &step.env);
            report(cx.control, &setup_failed("exec", format!("{}: {err}", argv.first().map_or("", String::as_str))));
            exit_now(127)
        }
    }
}

fn exec(argv: &[String], env: &[(String, String)]) -> String {
    let to_c = |s: &[u8]| CString::new(s).map_err(|_| "argument contains a NUL byte".to_owned());
    let result = (|| -> Result<std::convert::Infallible, String> {
        let argv = argv.iter().map(|a| to_c(a.as_bytes())).collect::<Result<Vec<_>, _>>()?;
        let env = env.iter().map(|(k, v)| to_c(format!("{k}={v}").as_bytes())).collect::<Result<Vec<_>, _>>()?;
        let program = argv.first().ok_or("empty argv")?;
        nix::unistd::execve(program, &argv, &env).map_err(|err| err.to_string())
    })();
    match result {
        Ok(never) => match never {},
        Err(message) => message,
    }
}

/// Duplicates `fd` onto `target` (stdin/stdout/stderr of a step).
pub(crate) fn redirect(fd: impl AsFd, target: i32) -> Result<(), String> {
    // SAFETY: dup2 onto a standard descriptor, which no Rust object in this process owns.
    if unsafe { libc::dup2(fd.as_fd().as_raw_fd(), target) } != target {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}
