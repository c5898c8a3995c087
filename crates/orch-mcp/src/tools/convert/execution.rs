//! The sandbox's `AppliedLimits` → `LimitsDto` (execute_code).

use orch_service::exec::AppliedLimits;

use super::count;
use crate::dto::LimitsDto;

/// The limits an execution ran under.
pub(crate) fn limits(l: &AppliedLimits) -> LimitsDto {
    LimitsDto {
        timeout_secs: l.timeout_secs,
        memory_bytes: l.memory_bytes,
        max_processes: l.max_processes,
        output_limit_bytes: count(l.output_limit_bytes),
        max_file_size_bytes: l.max_file_size_bytes,
        max_open_files: l.max_open_files,
    }
}
