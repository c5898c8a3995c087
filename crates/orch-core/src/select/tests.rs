#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::scoring::planned_hours;
use super::*;
use crate::graph;
use crate::model::{Status, TaskId};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn task(id: i64) -> Candidate {
    Candidate {
        id: TaskId(id),
        title: format!("task {id}"),
        status: Status::Pending,
        claimed: false,
        priority: 2,
        dependencies: Vec::new(),
        tags: Vec::new(),
        code_language: None,
        task_type: None,
        estimated_hours: Some(2.0),
        complexity_score: Some(3.0),
        risk: None,
        files: Vec::new(),
        created_at: now() - Duration::days(1),
    }
}

fn with(id: i64, f: impl FnOnce(&mut Candidate)) -> Candidate {
    let mut t = task(id);
    f(&mut t);
    t
}

fn run(tasks: &[Candidate], c: &Constraints) -> Selection {
    select(tasks, c, None, &HistoryStats::default(), &Weights::default(), now())
}

fn ids(s: &Selection) -> Vec<i64> {
    s.ranked_ids().into_iter().map(|t| t.0).collect()
}

fn factor(t: &ScoredTask, f: Factor) -> Option<&FactorContribution> {
    t.factors.iter().find(|x| x.factor == f)
}

#[test]
fn an_empty_project_selects_nothing_and_says_so() {
    let s = run(&[], &Constraints::default());
    assert!(s.selected_task.is_none());
    assert!(s.message.contains("no tasks"), "{}", s.message);
    assert_eq!(s.reasoning.primary_reason, s.message);
}

#[test]
fn a_finished_project_says_nothing_is_left() {
    let tasks: Vec<_> = (1..=3).map(|i| with(i, |t| t.status = Status::Completed)).collect();
    let s = run(&tasks, &Constraints::default());
    assert!(s.selected_task.is_none());
    assert_eq!(s.message, "All 3 tasks are completed; nothing is left to do.");
}

#[test]
fn when_everything_waits_the_message_names_the_blocker() {
    let tasks = vec![
        with(1, |t| {
            t.status = Status::InProgress;
            t.title = "Set up database".into();
        }),
        with(2, |t| t.dependencies = vec![TaskId(1)]),
        with(3, |t| t.dependencies = vec![TaskId(2)]),
        with(4, |t| t.status = Status::Blocked),
        with(5, |t| t.dependencies = vec![TaskId(4)]),
    ];
    let s = run(&tasks, &Constraints::default());
    assert!(s.selected_task.is_none());
    assert_eq!(s.excluded.waiting_on_dependencies, 3);
    assert_eq!(s.excluded.top_blockers[0].id, TaskId(1));
    assert!((s.excluded.top_blockers[0].waiting_downstream - 2.0).abs() < 1e-9);
    assert_eq!(s.excluded.top_blockers[1].id, TaskId(4));
    assert!(s.message.contains("#1 \"Set up database\" (in progress, 2.0 waiting)"), "{}", s.message);
    assert!(s.message.contains("3 wait on unfinished prerequisites"), "{}", s.message);
}

#[test]
fn no_pending_task_left_is_reported_by_status() {
    let tasks = vec![with(1, |t| t.status = Status::InProgress), with(2, |t| t.status = Status::Completed)];
    let s = run(&tasks, &Constraints::default());
    assert_eq!(s.message, "No pending task is left: 1 in progress, 0 blocked, 1 completed.");
}

#[test]
fn unknown_dependencies_count_as_unfinished() {
    let tasks = vec![with(1, |t| t.dependencies = vec![TaskId(99)]), task(2)];
    let s = run(&tasks, &Constraints::default());
    assert_eq!(ids(&s), vec![2]);
    assert_eq!(s.excluded.unknown_dependencies, vec![TaskId(99)]);
    assert!(s.assumptions.iter().any(|a| a.contains("#99")), "{:?}", s.assumptions);
    assert!(s.excluded.top_blockers.iter().any(|b| b.id == TaskId(99) && b.status.is_none()));
}

#[test]
fn only_pending_unclaimed_tasks_with_completed_prerequisites_are_ranked() {
    let tasks = vec![
        with(1, |t| t.status = Status::Completed),
        with(2, |t| t.dependencies = vec![TaskId(1)]),
        with(3, |t| t.dependencies = vec![TaskId(2)]),
        with(4, |t| t.status = Status::InProgress),
        with(5, |t| t.status = Status::Blocked),
        with(6, |t| t.claimed = true),
        task(7),
    ];
    let s = run(&tasks, &Constraints::default());
    assert_eq!(ids(&s).into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([2, 7]));
    let e = &s.excluded;
    assert_eq!((e.completed, e.in_progress, e.blocked, e.claimed, e.waiting_on_dependencies), (1, 1, 1, 1, 1));
}

#[test]
fn every_hard_constraint_excludes() {
    let tasks = vec![
        with(1, |t| t.complexity_score = Some(7.5)),
        with(2, |t| t.tags = vec!["waiting".into(), "api".into()]),
        with(3, |t| t.tags = vec!["backend".into()]),
        with(4, |t| t.estimated_hours = Some(10.0)),
        with(5, |t| t.estimated_hours = Some(0.5)),
        with(6, |t| t.priority = 1),
        with(7, |t| {
            t.tags = vec!["api".into(), "backend".into()];
            t.complexity_score = None;
        }),
        with(8, |t| {
            t.tags = vec!["api".into(), "backend".into()];
            t.estimated_hours = None;
            t.complexity_score = Some(6.0); // 12 h derived: over the 8 h cap
        }),
    ];
    let c = Constraints {
        max_complexity: 9.0,
        max_complexity_limit: 7.0,
        excluded_tags: vec!["Waiting".into()],
        required_tags: vec!["api".into(), "BACKEND".into()],
        max_estimated_hours: Some(8.0),
        min_estimated_hours: Some(1.0),
        priority_threshold: Some(2),
        ..Constraints::default()
    };
    let mut open = tasks.clone();
    for t in &mut open {
        if t.id.0 != 2 {
            t.tags = vec!["api".into(), "backend".into()];
        }
    }
    let s = run(&open, &c);
    // Task 7 has no complexity score: it passes the limit, and the assumptions say so.
    assert_eq!(ids(&s).into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([3, 7]));
    assert!(s.reasoning_for(TaskId(7)).unwrap().assumptions.iter().any(|a| a.contains("could not be checked")));
    let e = &s.excluded;
    assert_eq!(e.over_complexity_limit, 1);
    assert_eq!(e.excluded_tag, 1);
    assert_eq!(e.over_max_hours, 2);
    assert_eq!(e.under_min_hours, 1);
    assert_eq!(e.below_priority_threshold, 1);
    assert!(s.assumptions.iter().any(|a| a.contains("passed the complexity limit unchecked")));
    // Required tags need every one: 3 has only one of them; 4 and 5 have none.
    let s = run(&tasks, &c);
    assert_eq!(ids(&s), vec![7]);
    assert_eq!(s.excluded.missing_required_tag, 3);
}

#[test]
fn nothing_within_the_constraints_explains_which_constraint() {
    let tasks = vec![with(1, |t| t.complexity_score = Some(9.0)), with(2, |t| t.dependencies = vec![TaskId(1)])];
    let s = run(&tasks, &Constraints::default());
    assert!(s.selected_task.is_none());
    assert!(s.message.contains("1 above the complexity limit"), "{}", s.message);
    assert!(s.message.contains("#1 \"task 1\" (above the complexity limit, 1.0 waiting)"), "{}", s.message);
    assert!(s.message.contains("Relax the constraints"), "{}", s.message);
}

#[test]
fn the_task_starting_the_critical_path_goes_first() {
    // 1 -> 2 -> 3 is 6 h of work in sequence; 4 stands alone.
    let tasks = vec![
        task(4),
        task(1),
        with(2, |t| t.dependencies = vec![TaskId(1)]),
        with(3, |t| t.dependencies = vec![TaskId(2)]),
    ];
    let s = run(&tasks, &Constraints::default());
    assert_eq!(ids(&s), vec![1, 4]);
    let best = s.selected_task.as_ref().unwrap();
    assert!(best.on_critical_path);
    assert!((best.chain_hours - 6.0).abs() < 1e-9);
    assert_eq!(best.unblocks, 1);
    assert!((best.downstream_tasks - 2.0).abs() < 1e-9);
    assert_eq!(s.critical_path.tasks, vec![TaskId(1), TaskId(2), TaskId(3)]);
    assert!(!s.alternatives[0].on_critical_path);
    assert!(s.reasoning.primary_reason.starts_with("#1 \"task 1\" is the best next task mainly because it"));
}

#[test]
fn priority_outweighs_a_small_structural_edge() {
    // 10 -> 11 is the long chain elsewhere; 2 -> 3 is a small edge next to priority 4.
    let tasks = vec![
        with(1, |t| t.priority = 4),
        task(2),
        with(3, |t| t.dependencies = vec![TaskId(2)]),
        with(10, |t| {
            t.status = Status::InProgress;
            t.estimated_hours = Some(16.0);
        }),
        with(11, |t| t.dependencies = vec![TaskId(10)]),
    ];
    let s = run(&tasks, &Constraints::default());
    assert_eq!(ids(&s)[0], 1);
    assert!(s.reasoning.primary_reason.contains("has priority 4 (highest)"), "{}", s.reasoning.primary_reason);
}

#[test]
fn hours_available_today_prefers_a_task_that_fits() {
    let tasks = vec![with(1, |t| t.estimated_hours = Some(9.0)), with(2, |t| t.estimated_hours = Some(3.0))];
    let mut c = Constraints { hours_available_today: Some(4.0), ..Constraints::default() };
    // Without the critical-path pull of the longer task, fit decides.
    let mut w = Weights::default();
    w.set(Factor::CriticalPath, 0.0).unwrap();
    let s = select(&tasks, &c, None, &HistoryStats::default(), &w, now());
    assert_eq!(ids(&s), vec![2, 1]);
    let long = &s.alternatives[0];
    assert!((factor(long, Factor::TimeFit).unwrap().value - 4.0 / 9.0).abs() < 1e-9);
    c.hours_available_today = None;
    let s = select(&tasks, &c, None, &HistoryStats::default(), &w, now());
    assert!(factor(s.selected_task.as_ref().unwrap(), Factor::TimeFit).is_none());
}

#[test]
fn preferred_language_and_type_score_higher() {
    let tasks = vec![
        with(1, |t| t.code_language = Some("python".into())),
        with(2, |t| {
            t.code_language = Some("rust".into());
            t.task_type = Some("test".into());
        }),
        with(3, |t| t.code_language = Some("rust".into())),
    ];
    let c = Constraints {
        preferred_languages: vec!["Rust".into()],
        preferred_task_types: vec!["test".into()],
        ..Constraints::default()
    };
    let s = run(&tasks, &c);
    assert_eq!(ids(&s), vec![2, 3, 1]);
    assert!(s.reasoning.primary_reason.contains("the preferred task type test"), "{}", s.reasoning.primary_reason);
}

#[test]
fn context_switching_is_minimised_only_when_asked() {
    let tasks = vec![
        with(1, |t| t.code_language = Some("python".into())),
        with(2, |t| {
            t.code_language = Some("rust".into());
            t.tags = vec!["api".into()];
        }),
    ];
    let recent = RecentWork { tags: vec!["api".into()], code_language: Some("rust".into()), ..RecentWork::default() };
    let mut c = Constraints { enable_grouping: false, ..Constraints::default() };
    let s = select(&tasks, &c, Some(&recent), &HistoryStats::default(), &Weights::default(), now());
    assert_eq!(ids(&s), vec![2, 1]);
    assert_eq!(s.selected_task.as_ref().unwrap().context_similarity, Some(1.0));
    assert!(s.reasoning.primary_reason.contains("same language rust"), "{}", s.reasoning.primary_reason);
    c.minimize_context_switching = false;
    let s = select(&tasks, &c, Some(&recent), &HistoryStats::default(), &Weights::default(), now());
    assert_eq!(ids(&s), vec![1, 2], "equal tasks fall back to age and id");
    assert!(s.ranked().all(|t| factor(t, Factor::Context).is_none()));
}

#[test]
fn grouping_favours_tasks_with_similar_ready_work() {
    let tasks = vec![
        with(1, |t| t.tags = vec!["docs".into()]),
        with(2, |t| t.tags = vec!["frontend".into()]),
        with(3, |t| t.tags = vec!["frontend".into()]),
        with(4, |t| t.tags = vec!["frontend".into()]),
    ];
    let s = run(&tasks, &Constraints::default());
    assert_eq!(ids(&s)[0], 2);
    assert_eq!(s.selected_task.as_ref().unwrap().similar_ready_tasks, 2);
    assert_eq!(*ids(&s).last().unwrap(), 1);
    let s = run(&tasks, &Constraints { enable_grouping: false, ..Constraints::default() });
    assert_eq!(ids(&s), vec![1, 2, 3, 4]);
}

#[test]
fn age_then_id_break_ties() {
    let tasks = vec![with(3, |t| t.created_at = now() - Duration::days(5)), task(2), task(1)];
    let s = run(&tasks, &Constraints::default());
    assert_eq!(ids(&s), vec![3, 1, 2]);
    let mut w = Weights::default();
    w.set(Factor::Age, 0.0).unwrap();
    let s = select(&tasks, &Constraints::default(), None, &HistoryStats::default(), &w, now());
    assert_eq!(ids(&s), vec![3, 1, 2], "with the age factor off, age still breaks the tie");
    assert!(s.reasoning.primary_reason.contains("ties with #1"), "{}", s.reasoning.primary_reason);
}

#[test]
fn success_probability_follows_the_documented_formula() {
    let h = HistoryStats::default();
    let easy = with(1, |t| {
        t.complexity_score = Some(1.0);
        t.risk = Some(0.0);
    });
    let hard = with(2, |t| {
        t.complexity_score = Some(8.0);
        t.risk = Some(1.0);
    });
    let s = select(&[easy.clone(), hard.clone()], &Constraints::default(), None, &h, &Weights::default(), now());
    let p = |id: i64| s.ranked().find(|t| t.id == TaskId(id)).unwrap().success_probability;
    assert!((p(1) - 0.97).abs() < 1e-9);
    assert!((p(2) - 0.62 * 0.5).abs() < 1e-9);
    // Ten similar completed tasks, half with setbacks: history gets half the say.
    let records: Vec<HistoryRecord> = (0..10)
        .map(|i| HistoryRecord {
            tags: vec![],
            code_language: Some("rust".into()),
            task_type: None,
            had_setback: i % 2 == 0,
            actual_hours: Some(4.0),
            estimated_hours: Some(2.0),
        })
        .collect();
    let h = HistoryStats::from_records(&records);
    let easy = with(1, |t| {
        t.complexity_score = Some(1.0);
        t.risk = Some(0.0);
        t.code_language = Some("rust".into());
    });
    let s = select(&[easy], &Constraints::default(), None, &h, &Weights::default(), now());
    let best = s.selected_task.unwrap();
    assert!((best.success_probability - (0.5 * 0.97 + 0.5 * 0.5)).abs() < 1e-9);
    // They took twice their estimates; shrunk by the same trust: 2^(1/2).
    assert!((best.expected_hours - 2.0 * 2f64.sqrt()).abs() < 1e-9);
    assert!(s.reasoning.assumptions.iter().any(|a| a.contains("1.41x")), "{:?}", s.reasoning.assumptions);
}

#[test]
fn missing_estimates_use_complexity_then_the_default() {
    let tasks = vec![
        with(1, |t| t.estimated_hours = None),
        with(2, |t| {
            t.estimated_hours = None;
            t.complexity_score = None;
        }),
    ];
    let s = run(&tasks, &Constraints::default());
    let get = |id: i64| s.ranked().find(|t| t.id == TaskId(id)).unwrap().clone();
    assert_eq!(get(1).hours_source, HoursSource::Complexity);
    assert!((get(1).estimated_hours - hours_from_complexity(3.0)).abs() < 1e-9);
    assert_eq!(get(2).hours_source, HoursSource::Default);
    assert!((get(2).estimated_hours - DEFAULT_HOURS).abs() < 1e-9);
    assert!(s.assumptions.iter().any(|a| a.contains("1 ready task without an estimate or complexity score")));
    assert!((complexity_from_hours(hours_from_complexity(6.5)) - 6.5).abs() < 1e-9);
}

#[test]
fn reasoning_is_available_for_any_ranked_task() {
    let tasks = vec![with(1, |t| t.priority = 4), task(2), task(3)];
    let s = run(&tasks, &Constraints::default());
    let r = s.reasoning_for(TaskId(2)).unwrap();
    assert!(r.primary_reason.starts_with("#2 \"task 2\""), "{}", r.primary_reason);
    let total: f64 = r.factors.iter().map(|f| f.contribution).sum();
    assert!((total - s.alternatives[0].overall_score).abs() < 1e-9);
    assert!(r.factors.windows(2).all(|w| w[0].contribution >= w[1].contribution));
    assert!(s.reasoning_for(TaskId(42)).is_none());
    assert!(s.message.starts_with("Selected task #1 \"task 1\""), "{}", s.message);
}

#[test]
fn team_plan_takes_independent_tasks_in_different_areas() {
    let tasks = vec![
        with(1, |t| {
            t.priority = 4;
            t.tags = vec!["api".into()];
        }),
        with(2, |t| {
            t.priority = 4;
            t.tags = vec!["api".into()];
        }),
        with(3, |t| t.tags = vec!["ui".into()]),
        with(4, |t| {
            t.tags = vec!["db".into()];
            t.estimated_hours = Some(12.0);
        }),
    ];
    let c = Constraints { available_developers: Some(3), hours_available_today: Some(6.0), ..Constraints::default() };
    let s = run(&tasks, &c);
    let plan = s.team_plan.as_ref().unwrap();
    let got: Vec<i64> = plan.assignments.iter().map(|a| a.task_id.0).collect();
    assert_eq!(got[0], s.selected_task.as_ref().unwrap().id.0);
    // 4 is the critical path (12 h), which outweighs priority; then 1; 2 shares the api area with 1, so 3 comes
    // before it.
    assert_eq!(got, vec![4, 1, 3]);
    assert_eq!(plan.all_fit_today, Some(false));
    assert!(plan.note.contains("#4 will run past the 6.0 h available today"), "{}", plan.note);
    assert!(plan.assignments.iter().all(|a| a.shares_area_with.is_empty()));
}

#[test]
fn team_plan_never_puts_two_tasks_of_one_chain_together() {
    // 1 was reopened: 2 (completed) depends on it, 3 depends on 2. Both 1 and 3 are ready, but 3 builds on 1.
    let tasks = vec![
        task(1),
        with(2, |t| {
            t.status = Status::Completed;
            t.dependencies = vec![TaskId(1)];
        }),
        with(3, |t| t.dependencies = vec![TaskId(2)]),
    ];
    let c = Constraints { available_developers: Some(2), ..Constraints::default() };
    let s = run(&tasks, &c);
    assert_eq!(s.ranked().count(), 2);
    let plan = s.team_plan.unwrap();
    assert_eq!(plan.assignments.len(), 1);
    assert_eq!(plan.idle_developers, 1);
    assert!(plan.note.contains("1 developer(s) stay idle"), "{}", plan.note);
}

#[test]
fn team_plan_shares_an_area_only_when_nothing_else_is_ready() {
    let tasks = vec![with(1, |t| t.tags = vec!["api".into()]), with(2, |t| t.tags = vec!["api".into()])];
    let s = run(&tasks, &Constraints { available_developers: Some(2), ..Constraints::default() });
    let plan = s.team_plan.unwrap();
    assert_eq!(plan.assignments[1].shares_area_with, vec![TaskId(1)]);
    assert!(plan.note.contains("coordinate"), "{}", plan.note);
    let single = run(&tasks, &Constraints { available_developers: Some(1), ..Constraints::default() });
    assert!(single.team_plan.is_none());
}

#[test]
fn weights_and_constraints_are_checked() {
    assert_eq!("critical_path".parse::<Factor>().unwrap(), Factor::CriticalPath);
    assert_eq!("CRITICAL_PATH".parse::<Factor>().unwrap(), Factor::CriticalPath);
    assert_eq!("timeFit".parse::<Factor>().unwrap(), Factor::TimeFit);
    assert!("speed".parse::<Factor>().unwrap_err().to_string().contains("criticalPath"));
    for f in Factor::ALL {
        assert_eq!(f.env_name().parse::<Factor>().unwrap(), f);
    }
    let mut w = Weights::default();
    assert!(w.set(Factor::Age, -1.0).is_err());
    assert!(w.set(Factor::Age, f64::NAN).is_err());
    assert!(w.validate().is_ok());
    w.priority = -0.5;
    assert!(w.validate().is_err());
    let bad = [
        Constraints { max_complexity: 0.0, ..Constraints::default() },
        Constraints { min_estimated_hours: Some(5.0), max_estimated_hours: Some(2.0), ..Constraints::default() },
        Constraints { priority_threshold: Some(5), ..Constraints::default() },
        Constraints { available_developers: Some(0), ..Constraints::default() },
        Constraints { hours_available_today: Some(0.0), ..Constraints::default() },
        Constraints { max_estimated_hours: Some(f64::INFINITY), ..Constraints::default() },
    ];
    for c in bad {
        assert!(c.validate().is_err(), "{c:?}");
    }
    assert!(Constraints::default().validate().is_ok());
    assert_eq!(risk_from_level("High"), Some(0.7));
    assert_eq!(risk_from_level("unknown"), None);
}

#[test]
fn a_zero_weight_removes_a_factor() {
    let mut w = Weights::default();
    w.set(Factor::Priority, 0.0).unwrap();
    let s = select(
        &[with(1, |t| t.priority = 4), task(2)],
        &Constraints::default(),
        None,
        &HistoryStats::default(),
        &w,
        now(),
    );
    assert!(s.ranked().all(|t| factor(t, Factor::Priority).is_none()));
    let weights: f64 = s.selected_task.unwrap().factors.iter().map(|f| f.weight).sum();
    assert!((weights - 1.0).abs() < 1e-9);
}

#[test]
fn downstream_shares_count_a_diamond_once() {
    // 1 -> {2, 3} -> 4: finishing 1 carries all three waiting tasks, 2 and 3 half of 4 each.
    let tasks = [
        task(1),
        with(2, |t| t.dependencies = vec![TaskId(1)]),
        with(3, |t| t.dependencies = vec![TaskId(1)]),
        with(4, |t| t.dependencies = vec![TaskId(2), TaskId(3)]),
    ];
    let sorted: Vec<&Candidate> = tasks.iter().collect();
    let dag = dag::Dag::build(&sorted);
    let share = dag.downstream(&[1.0; 4]);
    assert_eq!(share, vec![3.0, 0.5, 0.5, 0.0]);
    assert_eq!(dag.released_by(0), 2);
    assert_eq!(dag.released_by(1), 0);
}

// ---- properties ----

const TAGS: [&str; 4] = ["api", "db", "ui", "waiting"];
const LANGS: [&str; 3] = ["rust", "python", "go"];

fn arb_task(id: i64) -> impl Strategy<Value = Candidate> {
    (
        prop_oneof![4 => Just(Status::Pending), 1 => Just(Status::InProgress), 1 => Just(Status::Blocked), 2 => Just(Status::Completed)],
        any::<bool>(),
        0u8..=4,
        proptest::collection::btree_set(1..=id.max(1), 0..3),
        proptest::collection::btree_set(0usize..4, 0..3),
        proptest::option::of(0usize..3),
        proptest::option::of(0.0f64..20.0),
        proptest::option::of(1.0f64..10.0),
        proptest::option::of(0.0f64..1.0),
        0i64..100,
    )
        .prop_map(move |(status, claimed, priority, deps, tags, lang, hours, cx, risk, age)| Candidate {
            id: TaskId(id),
            title: format!("t{id}"),
            status,
            claimed: claimed && status != Status::Completed && id % 5 == 0,
            priority,
            // Only lower ids: acyclic by construction; id itself filtered out.
            dependencies: deps.into_iter().filter(|d| *d < id).map(TaskId).collect(),
            tags: tags.into_iter().map(|i| TAGS[i].to_owned()).collect(),
            code_language: lang.map(|i| LANGS[i].to_owned()),
            task_type: None,
            estimated_hours: hours,
            complexity_score: cx,
            risk,
            files: Vec::new(),
            created_at: now() - Duration::hours(age),
        })
}

fn arb_project() -> impl Strategy<Value = Vec<Candidate>> {
    (0usize..30).prop_flat_map(|n| (1..=n as i64).map(arb_task).collect::<Vec<_>>())
}

fn arb_constraints() -> impl Strategy<Value = Constraints> {
    (
        proptest::option::of(2.0f64..10.0),
        proptest::option::of(0usize..4),
        proptest::option::of(0usize..4),
        proptest::option::of(1.0f64..15.0),
        proptest::option::of(0.0f64..3.0),
        proptest::option::of(0u8..=4),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(1.0f64..10.0),
        proptest::option::of(1u32..5),
    )
        .prop_map(|(cx, excl, req, max_h, min_h, prio, group, ctx, avail, devs)| Constraints {
            max_complexity: cx.unwrap_or(DEFAULT_MAX_COMPLEXITY),
            excluded_tags: excl.map(|i| vec![TAGS[i].to_owned()]).unwrap_or_default(),
            required_tags: req.map(|i| vec![TAGS[i].to_owned()]).unwrap_or_default(),
            max_estimated_hours: max_h,
            min_estimated_hours: min_h,
            priority_threshold: prio,
            enable_grouping: group,
            minimize_context_switching: ctx,
            hours_available_today: avail,
            available_developers: devs,
            preferred_languages: vec!["rust".into()],
            ..Constraints::default()
        })
}

fn is_ancestor(tasks: &BTreeMap<TaskId, &Candidate>, of: TaskId, maybe: TaskId) -> bool {
    let mut stack = vec![of];
    let mut seen = BTreeSet::new();
    while let Some(t) = stack.pop() {
        for d in tasks.get(&t).map(|c| c.dependencies.clone()).unwrap_or_default() {
            if d == maybe {
                return true;
            }
            if seen.insert(d) {
                stack.push(d);
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ranked_tasks_are_exactly_the_eligible_ones(tasks in arb_project(), c in arb_constraints()) {
        let recent = RecentWork { tags: vec!["api".into()], code_language: Some("rust".into()), ..RecentWork::default() };
        let s = select(&tasks, &c, Some(&recent), &HistoryStats::default(), &Weights::default(), now());
        let by_id: BTreeMap<TaskId, &Candidate> = tasks.iter().map(|t| (t.id, t)).collect();
        let limit = c.complexity_limit();
        let eligible: BTreeSet<TaskId> = tasks
            .iter()
            .filter(|t| {
                let (h, _) = planned_hours(t);
                t.status == Status::Pending
                    && !t.claimed
                    && t.dependencies.iter().all(|d| by_id.get(d).is_some_and(|p| p.status == Status::Completed))
                    && t.complexity_score.is_none_or(|x| x <= limit)
                    && !t.tags.iter().any(|g| c.excluded_tags.contains(g))
                    && c.required_tags.iter().all(|r| t.tags.contains(r))
                    && c.max_estimated_hours.is_none_or(|m| h <= m)
                    && c.min_estimated_hours.is_none_or(|m| h >= m)
                    && c.priority_threshold.is_none_or(|p| t.priority >= p)
            })
            .map(|t| t.id)
            .collect();
        let ranked: Vec<TaskId> = s.ranked_ids();
        prop_assert_eq!(ranked.iter().copied().collect::<BTreeSet<_>>(), eligible.clone());
        prop_assert_eq!(ranked.len(), eligible.len());
        prop_assert_eq!(s.excluded.eligible, eligible.len());
        prop_assert_eq!(s.selected_task.is_none(), eligible.is_empty());
        // Sorted by score, scores and probabilities in range, contributions sum to the score.
        let all: Vec<&ScoredTask> = s.ranked().collect();
        for w in all.windows(2) {
            prop_assert!(w[0].overall_score >= w[1].overall_score);
        }
        for t in &all {
            prop_assert!((0.0..=1.0 + 1e-9).contains(&t.overall_score));
            prop_assert!((0.0..=1.0).contains(&t.success_probability));
            let sum: f64 = t.factors.iter().map(|f| f.contribution).sum();
            prop_assert!((sum - t.overall_score).abs() < 1e-9);
        }
        // Every task counted exactly once in the summary.
        let e = &s.excluded;
        let counted = e.eligible + e.completed + e.in_progress + e.blocked + e.claimed + e.waiting_on_dependencies
            + e.below_priority_threshold + e.over_complexity_limit + e.excluded_tag + e.missing_required_tag
            + e.over_max_hours + e.under_min_hours;
        prop_assert_eq!(counted, tasks.len());
        prop_assert!(!s.message.is_empty());
        // Team plan: distinct, ranked, pairwise independent, at most one per developer.
        if let Some(plan) = &s.team_plan {
            let k = c.available_developers.unwrap_or(1) as usize;
            prop_assert!(plan.assignments.len() <= k);
            prop_assert_eq!(plan.assignments.len() + plan.idle_developers as usize, k);
            prop_assert_eq!(Some(plan.assignments[0].task_id), s.selected_task.as_ref().map(|t| t.id));
            for (i, a) in plan.assignments.iter().enumerate() {
                prop_assert!(eligible.contains(&a.task_id));
                for b in &plan.assignments[i + 1..] {
                    prop_assert_ne!(a.task_id, b.task_id);
                    prop_assert!(!is_ancestor(&by_id, a.task_id, b.task_id));
                    prop_assert!(!is_ancestor(&by_id, b.task_id, a.task_id));
                }
            }
        } else {
            prop_assert!(c.available_developers.unwrap_or(1) <= 1 || eligible.is_empty());
        }
    }

    #[test]
    fn selection_is_deterministic_under_permutation(
        tasks in arb_project(),
        c in arb_constraints(),
        seed in any::<u64>(),
    ) {
        let recent = RecentWork { tags: vec!["db".into()], ..RecentWork::default() };
        let records = vec![HistoryRecord {
            tags: vec!["api".into()], code_language: Some("rust".into()), task_type: None,
            had_setback: true, actual_hours: Some(3.0), estimated_hours: Some(2.0),
        }];
        let h = HistoryStats::from_records(&records);
        let first = select(&tasks, &c, Some(&recent), &h, &Weights::default(), now());
        let mut shuffled = tasks.clone();
        // Deterministic shuffle from the seed; dependency lists reversed too.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for t in &mut shuffled {
            t.dependencies.reverse();
        }
        let second = select(&shuffled, &c, Some(&recent), &h, &Weights::default(), now());
        prop_assert_eq!(&first, &second);
    }

    #[test]
    fn critical_path_matches_the_graph_module(tasks in arb_project()) {
        let s = run(&tasks, &Constraints::default());
        let by_id: BTreeMap<TaskId, &Candidate> = tasks.iter().map(|t| (t.id, t)).collect();
        let unfinished: BTreeMap<TaskId, f64> = tasks
            .iter()
            .filter(|t| t.status != Status::Completed)
            .map(|t| (t.id, planned_hours(t).0))
            .collect();
        let edges: Vec<(TaskId, TaskId)> = tasks
            .iter()
            .filter(|t| unfinished.contains_key(&t.id))
            .flat_map(|t| t.dependencies.iter().filter(|d| unfinished.contains_key(d)).map(move |d| (t.id, *d)))
            .collect();
        let cp = graph::critical_path(&unfinished, &edges).unwrap();
        prop_assert!((cp.length - s.critical_path.hours).abs() < 1e-9);
        // The reported path is a real chain of unfinished tasks with that length.
        let sum: f64 = s.critical_path.tasks.iter().map(|t| unfinished[t]).sum();
        prop_assert!((sum - s.critical_path.hours).abs() < 1e-9);
        for w in s.critical_path.tasks.windows(2) {
            prop_assert!(by_id[&w[1]].dependencies.contains(&w[0]));
        }
        // The Kahn order of the index DAG agrees with graph::topological_order on every edge.
        let mut sorted: Vec<&Candidate> = tasks.iter().collect();
        sorted.sort_by_key(|t| t.id);
        let dag = dag::Dag::build(&sorted);
        let nodes: Vec<TaskId> = unfinished.keys().copied().collect();
        prop_assert_eq!(dag.order.len(), graph::topological_order(&nodes, &edges).unwrap().len());
        let pos: BTreeMap<TaskId, usize> = dag.order.iter().enumerate().map(|(i, n)| (dag.ids[*n as usize], i)).collect();
        for (t, p) in &edges {
            prop_assert!(pos[p] < pos[t]);
        }
    }
}

/// A write to a board: replace task `index` (mod the board's size) by a fresh random one, remove it, or add one.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, Candidate),
    Remove(usize),
    Add(Candidate),
    /// A claim or release: only status and claim change, the figures stay valid.
    Claim(usize, bool),
    /// A move between unfinished statuses, claimed or not: the figures stay valid, the frontier changes.
    Move(usize, usize, bool),
    /// One write adding a task at a free id (possibly between existing ones) and claiming others, ordered by id as a
    /// store's change log gives them.
    AddAndClaim(i64, Candidate, Vec<usize>),
}

fn arb_edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(
        prop_oneof![
            (0usize..40, arb_task(35)).prop_map(|(i, t)| Edit::Replace(i, t)),
            (0usize..40).prop_map(Edit::Remove),
            arb_task(36).prop_map(Edit::Add),
            (0usize..40, any::<bool>()).prop_map(|(i, c)| Edit::Claim(i, c)),
            (0usize..40, 0usize..3, any::<bool>()).prop_map(|(i, s, c)| Edit::Move(i, s, c)),
            (1i64..60, arb_task(36), proptest::collection::vec(0usize..40, 0..3))
                .prop_map(|(id, t, claims)| Edit::AddAndClaim(id, t, claims)),
        ],
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The kept board gives exactly what a fresh `select` over the same tasks gives, after any edits.
    #[test]
    fn board_after_edits_selects_as_a_fresh_selection(
        tasks in arb_project(),
        edits in arb_edits(),
        c in arb_constraints(),
    ) {
        let recent = RecentWork { tags: vec!["db".into()], ..RecentWork::default() };
        let history = HistoryStats::default();
        let mut board = Board::new(tasks);
        let mut next_id = 100;
        for edit in edits {
            let ids: Vec<TaskId> = board.tasks().iter().map(|t| t.id).collect();
            let (changed, removed) = match edit {
                Edit::Replace(i, mut t) if !ids.is_empty() => {
                    t.id = ids[i % ids.len()];
                    t.dependencies.retain(|d| *d < t.id);
                    (vec![t], Vec::new())
                }
                Edit::Remove(i) if !ids.is_empty() => (Vec::new(), vec![ids[i % ids.len()]]),
                Edit::Claim(i, claim) if !ids.is_empty() => {
                    let mut t = board.tasks()[i % ids.len()].clone();
                    t.status = if claim { Status::InProgress } else { Status::Pending };
                    t.claimed = claim;
                    (vec![t], Vec::new())
                }
                Edit::Move(i, s, claim) if !ids.is_empty() => {
                    let mut t = board.tasks()[i % ids.len()].clone();
                    if t.status == Status::Completed {
                        continue;
                    }
                    t.status = [Status::Pending, Status::InProgress, Status::Blocked][s];
                    t.claimed = claim;
                    (vec![t], Vec::new())
                }
                Edit::AddAndClaim(id, mut t, claims) if !ids.contains(&TaskId(id)) => {
                    t.id = TaskId(id);
                    t.dependencies.retain(|d| *d < t.id);
                    let mut changed = vec![t];
                    for i in claims.into_iter().filter(|_| !ids.is_empty()) {
                        let mut c = board.tasks()[i % ids.len()].clone();
                        if c.status != Status::Completed {
                            c.status = Status::InProgress;
                            c.claimed = true;
                            changed.push(c);
                        }
                    }
                    changed.sort_by_key(|t| t.id);
                    (changed, Vec::new())
                }
                Edit::Add(mut t) => {
                    next_id += 1;
                    t.id = TaskId(next_id);
                    (vec![t], Vec::new())
                }
                _ => continue,
            };
            board.apply(changed, &removed);
            prop_assert!(board.frontier_is_fresh(), "the kept frontier differs from one computed from scratch");
            let fresh = select(board.tasks(), &c, Some(&recent), &history, &Weights::default(), now());
            let kept = board.select(&c, Some(&recent), &history, &Weights::default(), now());
            prop_assert_eq!(kept, fresh);
        }
    }
}

#[test]
fn a_claim_keeps_the_figures_and_a_completion_recomputes_them() {
    let mut board = Board::new(vec![task(1), with(2, |t| t.dependencies = vec![TaskId(1)])]);
    let claimed = with(1, |t| {
        t.status = Status::InProgress;
        t.claimed = true;
    });
    assert!(!board.apply(vec![claimed], &[]));
    let done = with(1, |t| t.status = Status::Completed);
    assert!(board.apply(vec![done], &[]));
    let s = board.select(&Constraints::default(), None, &HistoryStats::default(), &Weights::default(), now());
    assert_eq!(s.selected_task.map(|t| t.id), Some(TaskId(2)));
}

/// The team plan's choice, computed the slow way: every pair checked for a chain through any tasks, no kept
/// adjacency and no shortcut for boards where completed work only follows completed work.
fn reference_team(s: &Selection, tasks: &[Candidate], developers: usize, avail: Option<f64>) -> Vec<TaskId> {
    let by_id: BTreeMap<TaskId, &Candidate> = tasks.iter().map(|t| (t.id, t)).collect();
    let related = |a: TaskId, b: TaskId| a == b || is_ancestor(&by_id, a, b) || is_ancestor(&by_id, b, a);
    let areas = |id: TaskId| -> Vec<String> {
        by_id.get(&id).map(|t| t.tags.iter().chain(t.files.iter()).cloned().collect()).unwrap_or_default()
    };
    let ranked: Vec<&ScoredTask> = s.ranked().collect();
    let mut chosen: Vec<TaskId> = Vec::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for pass in 0..4 {
        for (rank, t) in ranked.iter().enumerate() {
            if chosen.len() >= developers {
                break;
            }
            if chosen.iter().any(|&c| related(c, t.id)) {
                continue;
            }
            let clash = areas(t.id).iter().any(|a| taken.contains(a));
            let fits = avail.is_none_or(|a| t.expected_hours <= a);
            let ok = match pass {
                0 => rank == 0,
                1 => !clash && fits,
                2 => !clash,
                _ => true,
            };
            if ok {
                chosen.push(t.id);
                taken.extend(areas(t.id));
            }
        }
    }
    chosen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The team plan picks what the pairwise check over every chain picks, whether or not the board has completed
    /// work downstream of unfinished work (where the kept plan walks the chains instead of skipping the walk).
    #[test]
    fn team_plan_picks_as_the_pairwise_chain_check(
        tasks in arb_project(),
        developers in 2u32..5,
        avail in proptest::option::of(1.0f64..10.0),
    ) {
        let c = Constraints {
            available_developers: Some(developers),
            hours_available_today: avail,
            ..Constraints::default()
        };
        let s = run(&tasks, &c);
        let expected = reference_team(&s, &tasks, developers as usize, avail);
        let got: Vec<TaskId> = s.team_plan.map(|p| p.assignments.iter().map(|a| a.task_id).collect()).unwrap_or_default();
        prop_assert_eq!(got, expected);
    }
}
