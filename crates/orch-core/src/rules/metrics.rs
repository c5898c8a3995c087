//! Board metrics: what the grouped counts a store reads add up to.

use std::collections::BTreeMap;

use crate::model::{Status, TaskMetrics};

/// Builds the metrics from per-status and per-priority counts (absent keys count zero), the per-language counts in
/// the order to report them, and the median cycle time over `cycle_time_samples` completed tasks.
pub fn board_metrics(
    status_counts: &BTreeMap<Status, u64>,
    priority_counts: &BTreeMap<u8, u64>,
    by_language: Vec<(Option<String>, u64)>,
    median_cycle_time_hours: Option<f64>,
    cycle_time_samples: u64,
) -> TaskMetrics {
    let total: u64 = status_counts.values().sum();
    let completed = status_counts.get(&Status::Completed).copied().unwrap_or(0);
    TaskMetrics {
        total,
        by_status: Status::ALL.iter().map(|s| (*s, status_counts.get(s).copied().unwrap_or(0))).collect(),
        by_priority: (0..=4).map(|p| (p, priority_counts.get(&p).copied().unwrap_or(0))).collect(),
        by_language,
        completion_rate: if total == 0 { 0.0 } else { completed as f64 / total as f64 },
        median_cycle_time_hours: if cycle_time_samples == 0 { None } else { median_cycle_time_hours },
        cycle_time_samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fill_every_status_and_priority_and_the_rate_guards_an_empty_board() {
        let empty = board_metrics(&BTreeMap::new(), &BTreeMap::new(), vec![], Some(2.0), 0);
        assert_eq!(empty.completion_rate, 0.0);
        assert_eq!(empty.median_cycle_time_hours, None);
        assert_eq!(empty.by_status.len(), Status::ALL.len());
        assert_eq!(empty.by_priority, (0..=4).map(|p| (p, 0)).collect::<Vec<_>>());
        let statuses = BTreeMap::from([(Status::Completed, 1), (Status::Pending, 3)]);
        let m = board_metrics(&statuses, &BTreeMap::from([(2, 4)]), vec![(None, 4)], Some(1.5), 1);
        assert_eq!(m.total, 4);
        assert_eq!(m.completion_rate, 0.25);
        assert_eq!(m.by_priority[2], (2, 4));
        assert_eq!(m.median_cycle_time_hours, Some(1.5));
    }
}
