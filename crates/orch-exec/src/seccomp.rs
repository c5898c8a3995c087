//! The seccomp deny-list loaded right before `execve`.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule, TargetArch,
};

/// Syscalls executed code never needs and an attacker would: debugging other processes, namespaces and mounts
/// (sandbox escape), kernel keyrings, bpf and perf, modules, clocks, swap, reboot, io_uring (bypasses seccomp).
const DENIED: &[i64] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_pidfd_getfd,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_mount_setattr,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_acct,
    libc::SYS_settimeofday,
    libc::SYS_clock_settime,
    libc::SYS_clock_adjtime,
    libc::SYS_adjtimex,
    libc::SYS_syslog,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_quotactl,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_personality,
];

/// Address families denied to `socket(2)`: everything that reaches a network, and AF_UNIX, because a pathname unix
/// socket (a database's, a container runtime's) passes both the net namespace and Landlock. `socketpair(2)` stays
/// allowed: runtimes use it internally.
const DENIED_FAMILIES: &[i32] = &[
    libc::AF_UNIX,
    libc::AF_INET,
    libc::AF_INET6,
    libc::AF_PACKET,
    libc::AF_NETLINK,
    libc::AF_VSOCK,
    libc::AF_BLUETOOTH,
    libc::AF_ALG,
    libc::AF_XDP,
];

/// Namespace flags denied to `clone(2)`; `clone3` passes its flags in memory, so it answers ENOSYS and libc falls
/// back to `clone`, where the flags are visible.
const DENIED_CLONE_FLAGS: &[i32] = &[
    libc::CLONE_NEWNS,
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWCGROUP,
];

fn arch() -> Result<TargetArch, String> {
    TargetArch::try_from(std::env::consts::ARCH).map_err(|err| format!("unsupported architecture: {err}"))
}

fn build(rules: BTreeMap<i64, Vec<SeccompRule>>, errno: i32) -> Result<BpfProgram, String> {
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(errno as u32), arch()?)
        .map_err(|err| err.to_string())?;
    filter.try_into().map_err(|err: seccompiler::BackendError| err.to_string())
}

fn arg_rule(index: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompRule, String> {
    let condition = SeccompCondition::new(index, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())?;
    SeccompRule::new(vec![condition]).map_err(|e| e.to_string())
}

/// Loads the deny-list into the calling thread (inherited across fork and execve).
pub(crate) fn apply(allow_network: bool) -> Result<String, String> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = DENIED.iter().map(|nr| (*nr, Vec::new())).collect();
    if !allow_network {
        let families = DENIED_FAMILIES
            .iter()
            .map(|family| arg_rule(0, SeccompCmpOp::Eq, *family as u64))
            .collect::<Result<Vec<_>, _>>()?;
        rules.insert(libc::SYS_socket, families);
    }
    let clone_flags = DENIED_CLONE_FLAGS
        .iter()
        .map(|flag| arg_rule(0, SeccompCmpOp::MaskedEq(*flag as u64), *flag as u64))
        .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_clone, clone_flags);
    let deny = build(rules, libc::EPERM)?;
    let clone3 = build([(libc::SYS_clone3, Vec::new())].into_iter().collect(), libc::ENOSYS)?;
    seccompiler::apply_filter(&clone3).map_err(|err| err.to_string())?;
    seccompiler::apply_filter(&deny).map_err(|err| err.to_string())?;
    Ok(format!(
        "{} syscalls denied, inet and unix sockets {}",
        DENIED.len() + 2,
        if allow_network { "allowed" } else { "denied" }
    ))
}
