//! Reading a whole project (what get_next_task does) at 10,000 tasks and 30,000 edges.
//! Run: `cargo bench -p orch-store-sqlite --bench project_graph`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use orch_core::{NewTask, TaskId, TaskStore, validate};
use orch_store_sqlite::SqliteStore;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("g.db")).unwrap();
        let mut seed = 11u64;
        let mut rnd = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut ids: Vec<TaskId> = Vec::new();
        for start in (0..10_000usize).step_by(1_000) {
            let batch: Vec<NewTask> = (0..1_000usize)
                .map(|i| {
                    let index = start + i;
                    let mut deps: Vec<TaskId> = if index < 3 {
                        Vec::new()
                    } else {
                        (0..3)
                            .map(|_| rnd(index as u64) as usize)
                            .map(|j| if j >= start { TaskId(-((j - start) as i64) - 1) } else { ids[j] })
                            .collect()
                    };
                    deps.sort();
                    deps.dedup();
                    NewTask {
                        project_id: Some("dense".into()),
                        title: format!("Task {index}"),
                        dependencies: deps,
                        tags: vec!["backend".into()],
                        ..Default::default()
                    }
                })
                .collect();
            ids.extend(
                store.create_tasks(validate::new_task_batch(batch).unwrap()).await.unwrap().iter().map(|t| t.id),
            );
        }
        let mut samples: Vec<Duration> = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let g = store.graph(Some("dense")).await.unwrap();
            samples.push(t.elapsed());
            assert_eq!(g.tasks.len(), 10_000);
        }
        samples.sort();
        println!(
            "graph(10,000 tasks, ~30,000 edges): median {:.2} ms, max {:.2} ms",
            samples[15].as_secs_f64() * 1e3,
            samples[29].as_secs_f64() * 1e3
        );
    });
}
