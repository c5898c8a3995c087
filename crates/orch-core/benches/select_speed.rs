//! Speed of the pure selection policy on a large project: 10,000 (and 100,000) tasks with three dependency edges each,
//! by `select` from scratch and by a kept `Board` (figures computed once, then a claim or a completion applied).
//!
//! Run: `cargo bench -p orch-core --bench select_speed` (optionally `-- 10000` for one size).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Instant;

use orch_core::select::{Board, Constraints, HistoryRecord, HistoryStats, RecentWork, Weights, select};
use orch_core::{Status, TaskId};

use common::{epoch, layered_dag};

const RUNS: usize = 101;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    for n in if sizes.is_empty() { vec![10_000, 100_000] } else { sizes } {
        run(n);
    }
}

fn median_ms(mut times: Vec<f64>) -> (f64, f64, f64) {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    (times[n / 2], times[n / 10], times[n * 9 / 10])
}

fn run(n_tasks: usize) {
    let n_edges = n_tasks * 3;
    // Every task after the first 100 gets distinct prerequisites with lower ids, three in four from the 400 tasks
    // before it and the rest from anywhere earlier: 4 each for ids 101-400, 3 each after, 30,000 edges in all.
    let mut rng = fastrand::Rng::with_seed(7);
    let mut tasks: Vec<_> = layered_dag(11, 100, n_tasks / 100, 0.3).into_iter().map(|t| t.candidate).collect();
    let mut edges = 0;
    for (i, task) in tasks.iter_mut().enumerate() {
        let id = i as i64 + 1;
        let want = match i {
            0..100 => 0,
            100..400 => 4,
            _ => 3,
        };
        let mut deps: Vec<TaskId> = Vec::new();
        while deps.len() < want {
            let d = if rng.u32(0..4) == 0 { rng.i64(1..id) } else { rng.i64((id - 400).max(1)..id) };
            if !deps.contains(&TaskId(d)) {
                deps.push(TaskId(d));
            }
        }
        deps.sort();
        edges += deps.len();
        task.dependencies = deps;
        // The first 30% are done (their prerequisites all have lower ids), a sprinkle further on is in progress or
        // blocked.
        task.status = if i < n_tasks * 3 / 10 {
            Status::Completed
        } else if i % 97 == 0 {
            Status::InProgress
        } else if i % 211 == 0 {
            Status::Blocked
        } else {
            Status::Pending
        };
        task.complexity_score = Some(1.0 + (i % 9) as f64);
    }
    assert_eq!(edges, n_edges);
    let constraints = Constraints {
        preferred_languages: vec!["rust".into()],
        hours_available_today: Some(6.0),
        available_developers: Some(4),
        ..Constraints::default()
    };
    let recent = RecentWork { tags: vec!["api".into()], code_language: Some("rust".into()), ..RecentWork::default() };
    let records: Vec<HistoryRecord> = tasks[..n_tasks * 3 / 10]
        .iter()
        .map(|t| HistoryRecord {
            tags: t.tags.clone(),
            code_language: t.code_language.clone(),
            task_type: None,
            had_setback: t.id.0 % 7 == 0,
            actual_hours: t.estimated_hours.map(|h| h * 1.2),
            estimated_hours: t.estimated_hours,
        })
        .collect();
    let history = HistoryStats::from_records(&records);
    let weights = Weights::default();

    // The same project with every task pending and the first 100 prerequisites dropped from half the tasks:
    // thousands are ready, so per-candidate work (scoring, titles, factor lists, sorting) dominates.
    let mut wide = tasks.clone();
    for (i, task) in wide.iter_mut().enumerate() {
        task.status = Status::Pending;
        if i % 2 == 0 {
            task.dependencies.clear();
        }
    }
    let plain = Constraints::default();
    let cases: [(&str, &[_], &Constraints, Option<&RecentWork>, &HistoryStats); 3] = [
        ("default constraints, no recent work, no history", &tasks, &plain, None, &HistoryStats::default()),
        (
            "preferences, recent work, history, 6 h today, team plan for 4",
            &tasks,
            &constraints,
            Some(&recent),
            &history,
        ),
        ("as above, half the tasks without prerequisites", &wide, &constraints, Some(&recent), &history),
    ];
    println!(
        "select() on {n_tasks} tasks ({edges} edges in the first two cases), {RUNS} timed runs after 5 warm-up runs:"
    );
    for (name, project, c, r, h) in cases {
        let mut times = Vec::with_capacity(RUNS + 5);
        let mut eligible = 0;
        for _ in 0..RUNS + 5 {
            let start = Instant::now();
            let s = select(project, c, r, h, &weights, epoch());
            times.push(start.elapsed().as_secs_f64() * 1e3);
            eligible = s.excluded.eligible;
            std::hint::black_box(&s);
        }
        let (median, p10, p90) = median_ms(times.split_off(5));
        println!("  {name}: {eligible} eligible; median {median:.3} ms, p10 {p10:.3} ms, p90 {p90:.3} ms");
    }

    // A kept board: the figures are computed once; a claim leaves them valid, a completion recomputes them.
    let start = Instant::now();
    let mut board = Board::new(tasks.clone());
    println!("  Board::new: {:.3} ms", start.elapsed().as_secs_f64() * 1e3);
    let timed = |board: &Board| {
        let start = Instant::now();
        let s = board.select(&constraints, Some(&recent), &history, &weights, epoch());
        (start.elapsed().as_secs_f64() * 1e3, s)
    };
    let times: Vec<f64> = (0..RUNS).map(|_| timed(&board).0).collect();
    let (median, p10, p90) = median_ms(times);
    println!("  kept board, unchanged, as the second case: median {median:.3} ms, p10 {p10:.3} ms, p90 {p90:.3} ms");
    // The frontier case: thousands of ready tasks, so the per-call work (which grows with the ready tasks) shows.
    let wide_board = Board::new(wide.clone());
    let times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let s = wide_board.select(&constraints, Some(&recent), &history, &weights, epoch());
            std::hint::black_box(&s);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let (median, p10, p90) = median_ms(times);
    println!(
        "  kept board, unchanged, as the third case ({} ready): median {median:.3} ms, p10 {p10:.3} ms, p90 {p90:.3} ms",
        wide_board.ready_len()
    );
    for (what, status) in [("claim", Status::InProgress), ("completion", Status::Completed)] {
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let (_, s) = timed(&board);
            let Some(best) = s.selected_task else { break };
            let mut task = board.tasks()[board.tasks().binary_search_by_key(&best.id, |t| t.id).unwrap()].clone();
            task.status = status;
            task.claimed = status == Status::InProgress;
            let start = Instant::now();
            board.apply(vec![task], &[]);
            let s = board.select(&constraints, Some(&recent), &history, &weights, epoch());
            times.push(start.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(&s);
        }
        let (median, p10, p90) = median_ms(times);
        println!("  kept board, a {what} applied then select: median {median:.3} ms, p10 {p10:.3} ms, p90 {p90:.3} ms");
    }
}
