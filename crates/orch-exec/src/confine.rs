//! The last stage before `execve`: everything a step's process does to itself (session, rlimits, descriptors,
//! capabilities, user, `NO_NEW_PRIVS`, Landlock, seccomp), and preparing a node script inside the sandbox.

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, Scope,
};
use nix::errno::Errno;
use nix::unistd::setsid;

use crate::helper::{layer, redirect, setup_failed};
use crate::spec::{HelperReport, Job, ScriptJob, Setup, Step};

/// The control socket's descriptor (kept; everything above it is closed at `execve`).
const CONTROL_FD: u32 = 3;

/// Confines the calling process for `step`; in probe mode each layer is reported instead of required.
pub(crate) fn confine(
    spec: &Setup,
    job: &Job,
    step: &Step,
    control: &File,
    workdir: Option<&OwnedFd>,
    in_namespaces: bool,
) -> Result<(), HelperReport> {
    fn fail(stage: &'static str) -> impl Fn(String) -> HelperReport {
        move |message| setup_failed(stage, message)
    }
    setsid().map_err(|err| setup_failed("setsid", err.to_string()))?;
    set_rlimits(spec).map_err(fail("rlimits"))?;
    if in_namespaces && !step.network && spec.network {
        // The sandbox kept the host network for an install step; the program itself gets none.
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
            .map_err(|err| setup_failed("network", format!("unshare(CLONE_NEWNET): {err}")))?;
    }
    enter_directory(job, step, workdir, in_namespaces)?;
    let stdin = match &step.stdin_file {
        Some(path) => File::open(path),
        None => File::open("/dev/null"),
    }
    .map_err(|err| setup_failed("stdin", err.to_string()))?;
    redirect(&stdin, 0).map_err(fail("stdin"))?;
    drop(stdin);
    if let Some(log) = &step.log_file {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(log)
            .map_err(|err| setup_failed("log", format!("{}: {err}", log.display())))?;
        if let Some((uid, gid)) = spec.run_as.filter(|_| in_namespaces) {
            let _ = nix::unistd::fchown(&file, Some(uid.into()), Some(gid.into()));
        }
        redirect(&file, 1).map_err(fail("log"))?;
        redirect(&file, 2).map_err(fail("log"))?;
    }
    // Every descriptor above the control socket (the server's, the working directory's handle, Landlock's ruleset)
    // closes at execve, so none reaches the program while the handles stay usable until then.
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets flags on descriptors; it closes nothing now.
    let marked = unsafe { libc::syscall(libc::SYS_close_range, CONTROL_FD + 1, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) };
    if marked != 0 {
        return Err(setup_failed("close_fds", std::io::Error::last_os_error().to_string()));
    }
    let caps = drop_capabilities(spec.run_as.filter(|_| in_namespaces));
    nix::sys::prctl::set_no_new_privs().map_err(|err| setup_failed("no_new_privs", err.to_string()))?;
    if spec.probe {
        layer(control, "capabilities", caps);
        layer(control, "no_new_privs", Ok("set".into()));
    } else {
        caps.map_err(fail("capabilities"))?;
    }
    if spec.layers.landlock {
        let result = apply_landlock(spec, job, step, workdir.filter(|_| !in_namespaces));
        if spec.probe {
            let canary = spec
                .probe_canary
                .as_ref()
                .map(|host| if in_namespaces { PathBuf::from(crate::root::CANARY_INSIDE) } else { host.clone() });
            let verified = result.and_then(|detail| match &canary {
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
        let result = crate::seccomp::apply(step.network);
        if spec.probe {
            let verified = result.and_then(|detail| {
                if step.network {
                    return Ok(detail);
                }
                for family in [libc::AF_INET, libc::AF_UNIX] {
                    // SAFETY: socket(2) with constant arguments; the descriptor, if any, is closed right away.
                    let fd = unsafe { libc::socket(family, libc::SOCK_STREAM, 0) };
                    if fd >= 0 {
                        // SAFETY: fd was just returned by socket(2) and is owned by nothing else.
                        unsafe { libc::close(fd) };
                        return Err(format!("filter loaded but a socket of family {family} could still be created"));
                    }
                }
                Ok(detail)
            });
            layer(control, "seccomp", verified);
        } else {
            result.map_err(fail("seccomp"))?;
        }
    }
    Ok(())
}

/// Changes into the step's directory: by path inside the sandbox's own root, through the handle otherwise (the path
/// on the host could have been swapped since the server checked it).
fn enter_directory(
    spec: &Job,
    step: &Step,
    workdir: Option<&OwnedFd>,
    in_namespaces: bool,
) -> Result<(), HelperReport> {
    let target = step.cwd.as_ref().unwrap_or(&spec.workdir);
    match workdir {
        Some(handle) if !in_namespaces && step.cwd.is_none() => nix::unistd::fchdir(handle)
            .map_err(|err| setup_failed("workdir", format!("{}: {err}", spec.workdir.display()))),
        _ => std::env::set_current_dir(target)
            .map_err(|err| setup_failed("workdir", format!("{}: {err}", target.display()))),
    }
}

fn set_rlimits(spec: &Setup) -> Result<(), String> {
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

/// Empties the bounding set (so no capability comes back across execve), switches to the unprivileged user when one
/// is given (a socket peer then sees that user, never root), and clears the remaining sets.
fn drop_capabilities(run_as: Option<(u32, u32)>) -> Result<String, String> {
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
    let mut detail = "bounding, effective, permitted and inheritable sets emptied".to_owned();
    if let Some((uid, gid)) = run_as {
        let (uid, gid) = (nix::unistd::Uid::from_raw(uid), nix::unistd::Gid::from_raw(gid));
        nix::unistd::setgroups(&[gid]).map_err(|e| format!("setgroups: {e}"))?;
        nix::unistd::setresgid(gid, gid, gid).map_err(|e| format!("setresgid({gid}): {e}"))?;
        nix::unistd::setresuid(uid, uid, uid).map_err(|e| format!("setresuid({uid}): {e}"))?;
        detail.push_str(&format!("; running as uid {uid} gid {gid}"));
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
    Ok(detail)
}

fn apply_landlock(spec: &Setup, job: &Job, step: &Step, workdir: Option<&OwnedFd>) -> Result<String, String> {
    let abi = ABI::V6;
    let existing = |paths: &[PathBuf]| -> Vec<PathBuf> { paths.iter().filter(|p| p.exists()).cloned().collect() };
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))
        .map_err(|e| e.to_string())?
        .scope(Scope::AbstractUnixSocket | Scope::Signal)
        .map_err(|e| e.to_string())?;
    if !step.network {
        ruleset = ruleset.handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp).map_err(|e| e.to_string())?;
    }
    let mut created = ruleset
        .create()
        .map_err(|e| e.to_string())?
        .add_rules(landlock::path_beneath_rules(existing(&spec.read_paths), AccessFs::from_read(abi)))
        .map_err(|e| e.to_string())?
        .add_rules(landlock::path_beneath_rules(existing(&job.write_paths), AccessFs::from_all(abi)))
        .map_err(|e| e.to_string())?;
    // The caller's directory is granted through the very handle the server validated, not by path.
    if let Some(handle) = workdir {
        let dir = PathFd::new(format!("/proc/self/fd/{}", handle.as_fd().as_raw_fd())).map_err(|e| e.to_string())?;
        created = created.add_rule(PathBeneath::new(dir, AccessFs::from_all(abi))).map_err(|e| e.to_string())?;
    }
    let status = created.restrict_self().map_err(|e| e.to_string())?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => Ok(format!("fully enforced (ABI {})", abi as i32)),
        RulesetStatus::PartiallyEnforced => Ok("partially enforced (older kernel ABI)".into()),
        RulesetStatus::NotEnforced => Err("not enforced: the kernel lacks Landlock".into()),
    }
}

/// Turns the job's source into `main.mjs` or `main.cjs` in its output directory and returns that path; a syntax
/// error comes back as the message for the caller. Runs confined: a parser crash ends only this execution.
pub(crate) fn prepare_script(job: &ScriptJob, control: &File) -> Result<String, String> {
    crate::helper::report(control, &HelperReport::Preparing);
    let source = std::fs::read_to_string(&job.source).map_err(|e| format!("reading the script: {e}"))?;
    let (code, is_module) = if job.typescript {
        let js = crate::typescript::transpile(&source).map_err(|e| e.to_string())?;
        (js.code, js.is_module)
    } else {
        let is_module = crate::typescript::javascript_is_module(&source);
        (source, is_module)
    };
    let path = job.out_dir.join(if is_module { "main.mjs" } else { "main.cjs" });
    std::fs::write(&path, code).map_err(|e| format!("writing {}: {e}", path.display()))?;
    crate::helper::report(control, &HelperReport::Prepared);
    Ok(path.display().to_string())
}
