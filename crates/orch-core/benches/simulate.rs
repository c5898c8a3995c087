//! Team simulation: k developers work through random DAGs, each free developer taking the task a policy names.
//! Prints makespan / lower bound for our policy, for plain critical-path order (longest chain of estimated hours
//! first) and for Task Master's rule on the same DAGs, and checks that no policy ever starts a task whose
//! prerequisites are unfinished or starts one task twice.
//!
//! Run: `cargo bench -p orch-core --bench simulate` (release; a few seconds).

mod common;

use std::time::Instant;

use chrono::Duration;
use orch_core::select::{Candidate, Constraints, HistoryStats, RecentWork, Weights, select};
use orch_core::{Status, TaskId};

use common::{SimTask, epoch, layered_dag};

const SEEDS: u64 = 50;
/// (name, layers, width): 200 tasks each; wide graphs are bound by total work, deep ones by the critical path.
const SHAPES: [(&str, usize, usize); 2] = [("wide", 10, 20), ("deep", 40, 5)];
const TEAM_SIZES: [usize; 4] = [1, 2, 4, 8];

#[derive(Clone, Copy)]
enum Policy {
    /// `select` with default weights and constraints, each developer's last task as its recent work.
    Ours { noise: f64 },
    /// Eligible tasks by the longest chain of estimated hours they start, then id.
    CriticalPath { noise: f64 },
    /// Eligible tasks by priority desc, then fewest dependencies, then id.
    TaskMaster,
}

struct Outcome {
    makespan: f64,
    /// Starts of a task with an unfinished prerequisite, or of a task already started.
    violations: usize,
    /// Mean finish time of the priority-4 tasks.
    p4_mean_finish: f64,
}

fn task_master_pick(tasks: &[Candidate]) -> Option<usize> {
    let done = |id: &TaskId| tasks[(id.0 - 1) as usize].status == Status::Completed;
    tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.status == Status::Pending && t.dependencies.iter().all(done))
        .min_by_key(|(_, t)| (std::cmp::Reverse(t.priority), t.dependencies.len(), t.id))
        .map(|(i, _)| i)
}

fn eligible(tasks: &[Candidate]) -> impl Iterator<Item = (usize, &Candidate)> {
    let done = |id: &TaskId| tasks[(id.0 - 1) as usize].status == Status::Completed;
    tasks.iter().enumerate().filter(move |(_, t)| t.status == Status::Pending && t.dependencies.iter().all(done))
}

/// Longest chain of estimated hours each unfinished task starts (itself included).
fn chains(tasks: &[Candidate]) -> Vec<f64> {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    for (i, t) in tasks.iter().enumerate() {
        for d in &t.dependencies {
            dependents[(d.0 - 1) as usize].push(i);
        }
    }
    let mut chain = vec![0.0f64; tasks.len()];
    // Prerequisites have lower ids, so reverse index order visits dependents first.
    for i in (0..tasks.len()).rev() {
        if tasks[i].status == Status::Completed {
            continue;
        }
        let after = dependents[i].iter().map(|&j| chain[j]).fold(0.0, f64::max);
        chain[i] = tasks[i].estimated_hours.unwrap_or(0.0) + after;
    }
    chain
}

fn critical_path_pick(tasks: &[Candidate]) -> Option<usize> {
    let chain = chains(tasks);
    eligible(tasks).max_by(|(a, _), (b, _)| chain[*a].total_cmp(&chain[*b]).then(b.cmp(a))).map(|(i, _)| i)
}

fn simulate(dag: &[SimTask], k: usize, policy: Policy) -> Outcome {
    let mut tasks: Vec<Candidate> = dag.iter().map(|t| t.candidate.clone()).collect();
    let mut recent: Vec<Option<RecentWork>> = vec![None; k];
    let mut running: Vec<(f64, usize, usize)> = Vec::new(); // (finish, developer, task index)
    let mut free: Vec<usize> = (0..k).collect();
    let mut finish = vec![0.0; tasks.len()];
    let mut now = 0.0;
    let mut violations = 0;
    let constraints = Constraints::default();
    let weights = Weights::default();
    let history = HistoryStats::default();
    loop {
        // Lowest-numbered free developer asks first.
        free.sort_unstable_by(|a, b| b.cmp(a));
        while let Some(&dev) = free.last() {
            let pick = match policy {
                Policy::Ours { .. } => {
                    let at = epoch() + Duration::seconds((now * 3600.0) as i64);
                    let s = select(&tasks, &constraints, recent[dev].as_ref(), &history, &weights, at);
                    s.selected_task.map(|t| (t.id.0 - 1) as usize)
                }
                Policy::CriticalPath { .. } => critical_path_pick(&tasks),
                Policy::TaskMaster => task_master_pick(&tasks),
            };
            let Some(i) = pick else { break };
            let ready = tasks[i].dependencies.iter().all(|d| tasks[(d.0 - 1) as usize].status == Status::Completed);
            if tasks[i].status != Status::Pending || !ready {
                violations += 1;
            }
            free.pop();
            tasks[i].status = Status::InProgress;
            tasks[i].claimed = true;
            running.push((now + dag[i].true_hours, dev, i));
        }
        if running.is_empty() {
            break;
        }
        running.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        let (end, dev, i) = running.pop().expect("running is not empty");
        now = end;
        tasks[i].status = Status::Completed;
        tasks[i].claimed = false;
        finish[i] = end;
        let t = &tasks[i];
        recent[dev] = Some(RecentWork {
            tags: t.tags.clone(),
            code_language: t.code_language.clone(),
            task_type: t.task_type.clone(),
            files: Vec::new(),
        });
        free.push(dev);
    }
    assert!(tasks.iter().all(|t| t.status == Status::Completed), "the simulation left tasks unfinished");
    let p4: Vec<f64> = tasks.iter().zip(&finish).filter(|(t, _)| t.priority == 4).map(|(_, f)| *f).collect();
    Outcome { makespan: now, violations, p4_mean_finish: p4.iter().sum::<f64>() / p4.len().max(1) as f64 }
}

/// max(critical path by true durations, total work / k).
fn lower_bound(dag: &[SimTask], k: usize) -> f64 {
    let mut longest = vec![0.0f64; dag.len()];
    for (i, t) in dag.iter().enumerate() {
        // Prerequisites have lower ids, so index order is a topological order.
        let before = t.candidate.dependencies.iter().map(|d| longest[(d.0 - 1) as usize]).fold(0.0, f64::max);
        longest[i] = before + t.true_hours;
    }
    let cp = longest.iter().copied().fold(0.0, f64::max);
    let total: f64 = dag.iter().map(|t| t.true_hours).sum();
    cp.max(total / k as f64)
}

struct Stats {
    ratios: Vec<f64>,
    p4: Vec<f64>,
}

impl Stats {
    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }
    fn max(v: &[f64]) -> f64 {
        v.iter().copied().fold(0.0, f64::max)
    }
}

fn main() {
    let started = Instant::now();
    let policies: [(&str, Policy); 7] = [
        ("ours, estimates with noise σ=0.6", Policy::Ours { noise: 0.6 }),
        ("critical path, noise σ=0.6", Policy::CriticalPath { noise: 0.6 }),
        ("ours, estimates with noise σ=0.3", Policy::Ours { noise: 0.3 }),
        ("critical path, noise σ=0.3", Policy::CriticalPath { noise: 0.3 }),
        ("ours, exact estimates", Policy::Ours { noise: 0.0 }),
        ("critical path, exact estimates", Policy::CriticalPath { noise: 0.0 }),
        ("Task Master rule", Policy::TaskMaster),
    ];
    // Mean ratio per policy over every shape and team size.
    let mut overall: Vec<Vec<f64>> = vec![Vec::new(); policies.len()];
    let mut violations = vec![0usize; policies.len()];
    println!(
        "Random layered DAGs of 200 tasks, {SEEDS} seeds per shape; ratio = makespan / max(critical path, total work / k)"
    );
    println!();
    println!("| shape | k | policy | mean ratio | worst ratio | mean finish of priority-4 tasks (h) |");
    println!("|-------|---|--------|-----------:|------------:|------------------------------------:|");
    for (shape, layers, width) in SHAPES {
        for k in TEAM_SIZES {
            for (p, (name, policy)) in policies.iter().enumerate() {
                let noise = match *policy {
                    Policy::Ours { noise } | Policy::CriticalPath { noise } => noise,
                    Policy::TaskMaster => 0.3,
                };
                let mut stats = Stats { ratios: Vec::new(), p4: Vec::new() };
                for seed in 1..=SEEDS {
                    let dag = layered_dag(seed, layers, width, noise);
                    let outcome = simulate(&dag, k, *policy);
                    violations[p] += outcome.violations;
                    stats.ratios.push(outcome.makespan / lower_bound(&dag, k));
                    overall[p].push(outcome.makespan / lower_bound(&dag, k));
                    stats.p4.push(outcome.p4_mean_finish);
                }
                println!(
                    "| {shape} {layers}x{width} | {k} | {name} | {:.3} | {:.3} | {:.1} |",
                    Stats::mean(&stats.ratios),
                    Stats::max(&stats.ratios),
                    Stats::mean(&stats.p4)
                );
            }
        }
    }
    println!();
    println!("| policy | mean ratio over all shapes and team sizes | constraint violations |");
    println!("|--------|------------------------------------------:|----------------------:|");
    for (p, (name, _)) in policies.iter().enumerate() {
        println!("| {name} | {:.4} | {} |", Stats::mean(&overall[p]), violations[p]);
    }
    println!();
    println!("elapsed: {:.1} s", started.elapsed().as_secs_f64());
}
