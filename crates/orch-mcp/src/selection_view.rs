//! The compact `selection` of get_next_task. The full selection (every factor of every ranked task, the team plan
//! with its reasons, the whole critical path) is 15-20 KB that lands in an agent's context on every pick; an agent
//! needs the task, why, and what else it could take. `explain: true` returns the full selection.
//!
//! The keys are the selection's own (SPEC.md's example reads `selectedTask.title`, `selectedTask.successProbability`,
//! `reasoning.primaryReason`, `alternatives[].title` and `alternatives[].overallScore`): compaction removes detail,
//! never a key the full selection puts at the top level.

use crate::dto::{ExclusionSummaryDto, ExplainedFactorDto, ScoredTaskDto, SelectionDto};

/// Factors named in the compact reasoning, largest contribution first.
const TOP_FACTORS: usize = 3;
/// Critical-path task ids listed in the compact selection (the count and hours are always there).
const CRITICAL_PATH_IDS: usize = 10;

/// The compact form of a full selection.
pub fn compact(full: SelectionDto) -> SelectionDto {
    let mut reasoning = full.reasoning;
    reasoning.factors.truncate(TOP_FACTORS);
    reasoning.factors.iter_mut().for_each(|f: &mut ExplainedFactorDto| {
        f.weight = None;
        f.value = None;
    });
    reasoning.assumptions = None;
    let mut critical_path = full.critical_path;
    critical_path.length = Some(critical_path.tasks.len() as u64);
    critical_path.tasks.truncate(CRITICAL_PATH_IDS);
    SelectionDto {
        selected_task: full.selected_task.map(selected),
        alternatives: full.alternatives.into_iter().map(alternative).collect(),
        reasoning,
        // The team plan is one short row per developer; it is there only when the caller asked for a team.
        team_plan: full.team_plan,
        excluded: excluded(full.excluded),
        critical_path,
        assumptions: full.assumptions,
        message: full.message,
    }
}

/// The selected task: what to do, how sure, how long, and why it matters.
fn selected(t: ScoredTaskDto) -> ScoredTaskDto {
    ScoredTaskDto {
        priority: t.priority,
        success_probability: t.success_probability,
        on_critical_path: t.on_critical_path,
        unblocks: t.unblocks,
        ..alternative(t)
    }
}

/// An alternative: which task, its score and hours.
fn alternative(t: ScoredTaskDto) -> ScoredTaskDto {
    ScoredTaskDto {
        id: t.id,
        title: t.title,
        overall_score: t.overall_score,
        estimated_hours: t.estimated_hours,
        priority: None,
        code_language: None,
        task_type: None,
        complexity_score: None,
        success_probability: None,
        hours_source: None,
        expected_hours: None,
        chain_hours: None,
        on_critical_path: None,
        unblocks: None,
        downstream_tasks: None,
        similar_ready_tasks: None,
        context_similarity: None,
        factors: None,
    }
}

/// Counts that are zero say nothing; the blockers keep who and why.
fn excluded(e: ExclusionSummaryDto) -> ExclusionSummaryDto {
    let nonzero = |n: Option<u64>| n.filter(|n| *n > 0);
    ExclusionSummaryDto {
        total_tasks: nonzero(e.total_tasks),
        eligible: nonzero(e.eligible),
        completed: nonzero(e.completed),
        in_progress: nonzero(e.in_progress),
        blocked: nonzero(e.blocked),
        claimed: nonzero(e.claimed),
        waiting_on_dependencies: nonzero(e.waiting_on_dependencies),
        below_priority_threshold: nonzero(e.below_priority_threshold),
        over_complexity_limit: nonzero(e.over_complexity_limit),
        excluded_tag: nonzero(e.excluded_tag),
        missing_required_tag: nonzero(e.missing_required_tag),
        over_max_hours: nonzero(e.over_max_hours),
        under_min_hours: nonzero(e.under_min_hours),
        unknown_dependencies: e.unknown_dependencies.filter(|d| !d.is_empty()),
        top_blockers: e
            .top_blockers
            .into_iter()
            .map(|mut b| {
                b.status = None;
                b.waiting_downstream = None;
                b
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::dto::*;
    use serde_json::{Value, json};

    fn scored(id: i64) -> ScoredTaskDto {
        ScoredTaskDto {
            id,
            title: format!("t{id}"),
            priority: Some(2),
            code_language: Some(None),
            task_type: Some(Some("test".into())),
            complexity_score: Some(None),
            overall_score: 0.5,
            success_probability: Some(0.9),
            estimated_hours: 2.0,
            hours_source: Some(HoursSourceDto::Estimate),
            expected_hours: Some(2.0),
            chain_hours: Some(4.0),
            on_critical_path: Some(true),
            unblocks: Some(1),
            downstream_tasks: Some(1.5),
            similar_ready_tasks: Some(0),
            context_similarity: Some(None),
            factors: Some(vec![FactorContributionDto {
                factor: FactorDto::Priority,
                weight: 0.3,
                value: 1.0,
                contribution: 0.3,
            }]),
        }
    }

    fn factor(factor: FactorDto, contribution: f64) -> ExplainedFactorDto {
        ExplainedFactorDto { factor, weight: Some(0.3), value: Some(1.0), contribution, detail: "d".into() }
    }

    fn full() -> SelectionDto {
        SelectionDto {
            selected_task: Some(scored(1)),
            alternatives: vec![scored(2), scored(3)],
            reasoning: ReasoningDto {
                primary_reason: "because".into(),
                factors: vec![
                    factor(FactorDto::Priority, 0.3),
                    factor(FactorDto::Unblocks, 0.2),
                    factor(FactorDto::Age, 0.1),
                    factor(FactorDto::Context, 0.05),
                ],
                assumptions: Some(vec!["a".into()]),
            },
            team_plan: Some(TeamPlanDto {
                developers: 2,
                assignments: vec![AssignmentDto {
                    developer: 1,
                    task_id: 1,
                    title: "t1".into(),
                    overall_score: 0.5,
                    expected_hours: 2.0,
                    fits_today: None,
                    shares_area_with: vec![],
                }],
                idle_developers: 0,
                expected_finish_hours: 2.0,
                total_hours: 4.0,
                all_fit_today: None,
                note: "n".into(),
            }),
            excluded: ExclusionSummaryDto {
                total_tasks: Some(9),
                eligible: Some(3),
                completed: Some(6),
                blocked: Some(0),
                unknown_dependencies: Some(vec![]),
                top_blockers: vec![BlockerDto {
                    id: 5,
                    title: None,
                    status: Some(None),
                    why: "unknown".into(),
                    waiting_directly: 2,
                    waiting_downstream: Some(3.5),
                }],
                ..Default::default()
            },
            critical_path: CriticalPathDto { hours: 30.0, length: None, tasks: (1..=25).collect() },
            assumptions: vec!["x".into()],
            message: "m".into(),
        }
    }

    fn keys(v: &Value) -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn compact_keeps_every_top_level_key_and_what_the_spec_reads() {
        let full_json = serde_json::to_value(full()).unwrap();
        let c = serde_json::to_value(compact(full())).unwrap();
        assert_eq!(keys(&full_json), keys(&c), "every top-level key stays");
        assert_eq!(c["selectedTask"]["title"], "t1");
        assert_eq!(c["selectedTask"]["successProbability"], 0.9);
        assert!(c["selectedTask"].get("factors").is_none());
        assert!(c["selectedTask"].get("codeLanguage").is_none(), "a null of the full form is left out");
        assert_eq!(full_json["selectedTask"]["codeLanguage"], Value::Null, "and written as null in the full form");
        assert_eq!(c["reasoning"]["primaryReason"], "because");
        assert_eq!(c["reasoning"]["factors"].as_array().unwrap().len(), TOP_FACTORS);
        assert_eq!(c["reasoning"]["factors"][0], json!({"factor": "priority", "contribution": 0.3, "detail": "d"}));
        assert_eq!(c["alternatives"][1], json!({"id": 3, "title": "t3", "overallScore": 0.5, "estimatedHours": 2.0}));
        assert_eq!(c["teamPlan"], full_json["teamPlan"]);
        assert_eq!(
            c["excluded"],
            json!({"totalTasks": 9, "eligible": 3, "completed": 6,
            "topBlockers": [{"id": 5, "title": null, "why": "unknown", "waitingDirectly": 2}]})
        );
        assert_eq!(full_json["excluded"]["topBlockers"][0]["status"], Value::Null);
        assert_eq!(c["criticalPath"]["length"], 25);
        assert!(full_json["criticalPath"].get("length").is_none());
        assert_eq!(c["criticalPath"]["tasks"].as_array().unwrap().len(), CRITICAL_PATH_IDS);
    }

    #[test]
    fn both_forms_read_back() {
        for form in [full(), compact(full())] {
            let back: SelectionDto = serde_json::from_value(serde_json::to_value(&form).unwrap()).unwrap();
            assert_eq!(back, form, "null and absent stay apart");
        }
    }

    #[test]
    fn nothing_eligible_stays_null() {
        let none = SelectionDto { selected_task: None, alternatives: vec![], team_plan: None, ..full() };
        let c = serde_json::to_value(compact(none)).unwrap();
        assert_eq!(c["selectedTask"], Value::Null);
        assert_eq!(c["teamPlan"], Value::Null);
        assert_eq!(c["alternatives"], json!([]));
    }
}
