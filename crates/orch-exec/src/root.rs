//! A root filesystem of the sandbox's own (namespaces only): a size-limited tmpfs holding `/tmp`, a fresh working
//! directory and installed packages (one quota for all scratch space), read-only binds of the runtimes and a few
//! system files, generated `/etc/passwd`, `/etc/group` and `/etc/hosts`, a private `/proc` and a handful of device
//! nodes. Everything else on the host — `/run`, `/home`, `/root`, `/srv`, the server's data — simply does not exist
//! inside. The process then `pivot_root`s into it.

use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};

use crate::spec::{Job, Setup};

/// Files written for the sandbox instead of bound from the host (the host's user list is none of its business).
const GENERATED: &[&str] = &["/etc/passwd", "/etc/group", "/etc/hosts"];
/// Where the probe's canary appears inside the sandbox's root.
pub(crate) const CANARY_INSIDE: &str = "/probe-canary";
/// Device nodes bound from the host.
const DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"];

/// Builds the request-independent part of the root on `spec.root_mount`; returns a summary for the probe.
pub(crate) fn prepare(spec: &Setup) -> Result<String, String> {
    let none: Option<&str> = None;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)
        .map_err(|err| format!("making / private: {err}"))?;
    let root = spec.root_mount.as_path();
    let options = format!("size={},mode=0755", spec.limits.disk_bytes);
    mount(Some("tmpfs"), root, Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some(options.as_str()))
        .map_err(|err| format!("mounting the sandbox root on {}: {err}", root.display()))?;
    let inside = |path: &Path| root.join(path.strip_prefix("/").unwrap_or(path));
    let owner = spec.run_as;

    let mut binds: Vec<&Path> = spec.read_paths.iter().map(PathBuf::as_path).collect();
    binds.sort();
    binds.dedup();
    let mut bound: Vec<&Path> = Vec::new();
    for path in binds {
        // A path under one already bound is visible through that bind (and its mount point would be read-only).
        if bound.iter().any(|parent| path.starts_with(parent))
            || path == Path::new("/proc")
            || path.starts_with("/dev")
            || GENERATED.iter().any(|g| path == Path::new(g))
        {
            continue;
        }
        if bind_read_only(path, &inside(path), &spec.read_paths)? {
            bound.push(path);
        }
    }

    for dir in ["tmp", "dev/shm"] {
        make_dir(&root.join(dir), 0o1777)?;
    }
    for device in DEVICES {
        let target = inside(Path::new(device));
        if Path::new(device).exists() {
            make_file(&target)?;
            mount(Some(*device), &target, none, MsFlags::MS_BIND, none)
                .map_err(|err| format!("binding {device}: {err}"))?;
        }
    }
    for (link, target) in [("dev/fd", "/proc/self/fd"), ("dev/stdin", "/proc/self/fd/0")]
        .into_iter()
        .chain([("dev/stdout", "/proc/self/fd/1"), ("dev/stderr", "/proc/self/fd/2")])
    {
        std::os::unix::fs::symlink(target, root.join(link)).map_err(|err| format!("linking /{link}: {err}"))?;
    }
    write_etc(root, owner)?;
    if let Some(canary) = &spec.probe_canary {
        // Visible, outside every granted path: only Landlock can keep the probe from reading it.
        let target = root.join(CANARY_INSIDE.trim_start_matches('/'));
        make_file(&target)?;
        mount(Some(canary.as_path()), &target, none, MsFlags::MS_BIND, none)
            .map_err(|err| format!("binding the probe canary: {err}"))?;
    }

    make_dir(&root.join("proc"), 0o555)?;
    mount(
        Some("proc"),
        &root.join("proc"),
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        none,
    )
    .map_err(|err| format!("mounting a private /proc: {err}"))?;
    Ok(format!(
        "own root ({} read-only binds, {} bytes of scratch space), private /tmp and /proc, host root detached",
        bound.len(),
        spec.limits.disk_bytes
    ))
}

/// Adds the job's directories to the root [`prepare`] built (a fresh working directory, or the caller's bound by
/// its handle), masks protected paths and pivots into it, detaching the host's root.
pub(crate) fn enter(spec: &Setup, job: &Job, workdir: Option<&OwnedFd>) -> Result<(), String> {
    let none: Option<&str> = None;
    let root = spec.root_mount.as_path();
    let inside = |path: &Path| root.join(path.strip_prefix("/").unwrap_or(path));
    let owner = spec.run_as;
    for dir in job.steps.iter().filter_map(|s| s.cwd.as_deref()) {
        make_dir(&inside(dir), 0o755)?;
        chown(&inside(dir), owner)?;
    }
    let workdir_inside = inside(&job.workdir);
    if job.fresh_workdir {
        make_dir(&workdir_inside, 0o755)?;
        chown(&workdir_inside, owner)?;
    } else {
        let handle = workdir.ok_or("the working directory's handle is missing")?;
        let handle = reopen_in_namespace(handle)?;
        make_dir(&workdir_inside, 0o755)?;
        let source = format!("/proc/self/fd/{}", handle.as_raw_fd());
        // The handle, not the path: the directory the server validated is the one mounted.
        mount(Some(source.as_str()), &workdir_inside, none, MsFlags::MS_BIND, none)
            .map_err(|err| format!("binding the working directory: {err}"))?;
        let flags = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
        mount(none, &workdir_inside, none, flags | locked_flags(&workdir_inside), none)
            .map_err(|err| format!("restricting the working directory: {err}"))?;
    }
    for protected in &spec.protected_paths {
        mask(&inside(protected))?;
    }
    std::env::set_current_dir(root).map_err(|err| format!("entering the sandbox root: {err}"))?;
    nix::unistd::pivot_root(".", ".").map_err(|err| format!("pivot_root: {err}"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|err| format!("detaching the host's root: {err}"))?;
    std::env::set_current_dir("/").map_err(|err| format!("entering /: {err}"))?;
    Ok(())
}

/// The same directory as `handle`, opened again inside this mount namespace: a bind mount's source must be a mount
/// of the caller's namespace, and the handle's belongs to the server's. The device and inode must match the handle,
/// so a path swapped meanwhile is refused rather than mounted.
fn reopen_in_namespace(handle: &OwnedFd) -> Result<OwnedFd, String> {
    use nix::fcntl::OFlag;
    use nix::sys::stat::{Mode, fstat};
    let path = std::fs::read_link(format!("/proc/self/fd/{}", handle.as_raw_fd()))
        .map_err(|err| format!("resolving the working directory's handle: {err}"))?;
    let reopened = nix::fcntl::open(&path, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|err| format!("reopening the working directory: {err}"))?;
    let (original, again) = (
        fstat(handle).map_err(|err| format!("inspecting the working directory: {err}"))?,
        fstat(&reopened).map_err(|err| format!("inspecting the working directory: {err}"))?,
    );
    if (original.st_dev, original.st_ino) != (again.st_dev, again.st_ino) {
        return Err("the working directory was replaced while the sandbox was being set up; run the code again".into());
    }
    Ok(reopened)
}

/// Binds `source` read-only at `target`; false when `source` is missing. A symlink whose target is bound anyway is
/// recreated as a symlink; one pointing elsewhere (`/etc/resolv.conf` into `/run`) has its target bound in its place.
fn bind_read_only(source: &Path, target: &Path, read_paths: &[PathBuf]) -> Result<bool, String> {
    let Ok(meta) = std::fs::symlink_metadata(source) else { return Ok(false) };
    let resolved = std::fs::canonicalize(source).ok();
    let target_visible = resolved.as_ref().is_some_and(|r| read_paths.iter().any(|p| r.starts_with(p)));
    if meta.file_type().is_symlink() && !target_visible {
        return match resolved {
            Some(real) if real.is_file() => bind_read_only(&real, target, read_paths),
            _ => Ok(false),
        };
    }
    if meta.file_type().is_symlink() {
        let link = std::fs::read_link(source).map_err(|err| format!("reading {}: {err}", source.display()))?;
        if let Some(parent) = target.parent() {
            make_dir(parent, 0o755)?;
        }
        std::os::unix::fs::symlink(&link, target).map_err(|err| format!("linking {}: {err}", target.display()))?;
        return Ok(false);
    }
    if meta.is_dir() {
        make_dir(target, 0o755)?;
    } else {
        make_file(target)?;
    }
    let none: Option<&str> = None;
    mount(Some(source), target, none, MsFlags::MS_BIND, none)
        .map_err(|err| format!("binding {}: {err}", source.display()))?;
    let flags = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
    mount(none, target, none, flags | locked_flags(target), none)
        .map_err(|err| format!("making {} read-only: {err}", source.display()))?;
    Ok(true)
}

/// Flags of the mount at `path` that a remount inside a user namespace must keep (the kernel locks them).
fn locked_flags(path: &Path) -> MsFlags {
    use nix::sys::statvfs::{FsFlags, statvfs};
    let Ok(stat) = statvfs(path) else { return MsFlags::empty() };
    let mut flags = MsFlags::empty();
    for (fs, ms) in [
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if stat.flags().contains(fs) {
            flags |= ms;
        }
    }
    flags
}

/// Hides `path` (if it is visible inside) behind an empty read-only tmpfs or `/dev/null`.
fn mask(path: &Path) -> Result<(), String> {
    let none: Option<&str> = None;
    let Ok(meta) = std::fs::metadata(path) else { return Ok(()) };
    let result = if meta.is_dir() {
        mount(
            Some("tmpfs"),
            path,
            Some("tmpfs"),
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some("size=4k,mode=000"),
        )
    } else {
        mount(Some("/dev/null"), path, none, MsFlags::MS_BIND, none)
    };
    result.map_err(|err| format!("masking a protected path: {err}"))
}

fn write_etc(root: &Path, owner: Option<(u32, u32)>) -> Result<(), String> {
    let etc = root.join("etc");
    make_dir(&etc, 0o755)?;
    let mut passwd = String::from("root:x:0:0:root:/root:/usr/sbin/nologin\n");
    let mut group = String::from("root:x:0:\n");
    if let Some((uid, gid)) = owner.filter(|(uid, _)| *uid != 0) {
        passwd.push_str(&format!("sandbox:x:{uid}:{gid}:sandbox:/tmp:/usr/sbin/nologin\n"));
        group.push_str(&format!("sandbox:x:{gid}:\n"));
    }
    if owner.is_none_or(|(uid, _)| uid != 65534) {
        passwd.push_str("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        group.push_str("nogroup:x:65534:\n");
    }
    for (name, content) in [
        ("passwd", passwd.as_str()),
        ("group", group.as_str()),
        ("hosts", "127.0.0.1 localhost sandbox\n::1 localhost\n"),
    ] {
        let path = etc.join(name);
        if !path.exists() {
            std::fs::write(&path, content).map_err(|err| format!("writing /etc/{name}: {err}"))?;
        }
    }
    Ok(())
}

fn make_dir(path: &Path, mode: u32) -> Result<(), String> {
    if !path.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(path)
            .map_err(|err| format!("creating {}: {err}", path.display()))?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|err| format!("setting the mode of {}: {err}", path.display()))
}

fn make_file(path: &Path) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        make_dir(parent, 0o755)?;
    }
    if !path.exists() {
        File::create(path).map_err(|err| format!("creating mount point {}: {err}", path.display()))?;
    }
    Ok(())
}

fn chown(path: &Path, owner: Option<(u32, u32)>) -> Result<(), String> {
    match owner {
        Some((uid, gid)) => std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .map_err(|err| format!("handing {} to the sandbox user: {err}", path.display())),
        None => Ok(()),
    }
}
