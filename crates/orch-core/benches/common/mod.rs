//! Random projects for the selection benches: layered DAGs with known true durations.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orch_core::select::Candidate;
use orch_core::{Status, TaskId};

/// A fixed clock so runs are reproducible.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).single().expect("valid date")
}

/// Standard normal draw (Box–Muller).
pub fn normal(rng: &mut fastrand::Rng) -> f64 {
    let u1 = rng.f64().max(f64::MIN_POSITIVE);
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A generated task with its true duration.
pub struct SimTask {
    /// What the policy sees (status pending, estimate = noisy true duration).
    pub candidate: Candidate,
    /// What the work really takes.
    #[allow(dead_code)] // read by the simulation, not by the speed bench that shares this module
    pub true_hours: f64,
}

const TAGS: [&str; 12] = ["api", "db", "ui", "auth", "infra", "docs", "search", "billing", "mobile", "ml", "ops", "qa"];
const LANGS: [&str; 4] = ["rust", "typescript", "python", "go"];

/// A layered random DAG: `layers` layers of `width` tasks; a task in layer l > 0 has 0–3 prerequisites, 70% from
/// layer l−1 and 30% from any earlier layer. True durations are log-normal (median 4 h, σ 0.8, clamped to
/// 0.25–40 h); estimates are the true duration times `exp(noise·N(0,1))`. Priorities are uniform 0–4.
pub fn layered_dag(seed: u64, layers: usize, width: usize, noise: f64) -> Vec<SimTask> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::with_capacity(layers * width);
    for layer in 0..layers {
        for slot in 0..width {
            let id = (layer * width + slot + 1) as i64;
            let mut deps: Vec<TaskId> = Vec::new();
            if layer > 0 {
                let count = match rng.u32(0..10) {
                    0 => 0,
                    1..=4 => 1,
                    5..=7 => 2,
                    _ => 3,
                };
                for _ in 0..count {
                    let from_layer = if rng.u32(0..10) < 7 { layer - 1 } else { rng.usize(0..layer) };
                    deps.push(TaskId((from_layer * width + rng.usize(0..width) + 1) as i64));
                }
                deps.sort();
                deps.dedup();
            }
            let true_hours = (4f64.ln() + 0.8 * normal(&mut rng)).exp().clamp(0.25, 40.0);
            let estimate = true_hours * (noise * normal(&mut rng)).exp();
            let tag = TAGS[rng.usize(0..TAGS.len())].to_owned();
            out.push(SimTask {
                candidate: Candidate {
                    id: TaskId(id),
                    title: format!("task {id}"),
                    status: Status::Pending,
                    claimed: false,
                    priority: rng.u8(0..=4),
                    dependencies: deps,
                    tags: vec![tag],
                    code_language: Some(LANGS[rng.usize(0..LANGS.len())].to_owned()),
                    task_type: None,
                    estimated_hours: Some(estimate),
                    complexity_score: None,
                    risk: None,
                    files: Vec::new(),
                    created_at: epoch() - Duration::minutes(id),
                },
                true_hours,
            });
        }
    }
    out
}
