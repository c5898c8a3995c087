//! The compact `selection` of get_next_task. The full selection (every factor of every ranked task, the team plan
//! with its reasons, the whole critical path) is 15-20 KB that lands in an agent's context on every pick; an agent
//! needs the task, why, and what else it could take. `explain: true` returns the full selection.
//!
//! The keys are the selection's own (SPEC.md's example reads `selectedTask.title`, `selectedTask.successProbability`,
//! `reasoning.primaryReason`, `alternatives[].title` and `alternatives[].overallScore`): compaction removes detail,
//! never a key the full selection puts at the top level.

use serde_json::{Map, Value};

/// Factors named in the compact reasoning, largest contribution first.
const TOP_FACTORS: usize = 3;
/// Critical-path task ids listed in the compact selection (the count and hours are always there).
const CRITICAL_PATH_IDS: usize = 10;

/// The keys a compact scored task keeps.
const SELECTED_KEYS: &[&str] =
    &["id", "title", "priority", "overallScore", "successProbability", "estimatedHours", "onCriticalPath", "unblocks"];
const ALTERNATIVE_KEYS: &[&str] = &["id", "title", "overallScore", "estimatedHours"];
const FACTOR_KEYS: &[&str] = &["factor", "contribution", "detail"];
const BLOCKER_KEYS: &[&str] = &["id", "title", "why", "waitingDirectly"];

fn keep(v: &Value, keys: &[&str]) -> Value {
    match v {
        Value::Object(o) => {
            Value::Object(keys.iter().filter_map(|k| Some((k.to_string(), o.get(*k)?.clone()))).collect())
        }
        other => other.clone(),
    }
}

fn keep_each(v: Option<&Value>, keys: &[&str], at_most: usize) -> Value {
    let items = v.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    Value::Array(items.iter().take(at_most).map(|i| keep(i, keys)).collect())
}

/// The compact form of a serialised `orch_core::select::Selection`.
pub fn compact(full: &Value) -> Value {
    let Some(s) = full.as_object() else { return full.clone() };
    let mut out = Map::new();
    out.insert("selectedTask".into(), s.get("selectedTask").map_or(Value::Null, |t| keep(t, SELECTED_KEYS)));
    if let Some(r) = s.get("reasoning") {
        let mut reasoning = Map::new();
        reasoning.insert("primaryReason".into(), r.get("primaryReason").cloned().unwrap_or_default());
        reasoning.insert("factors".into(), keep_each(r.get("factors"), FACTOR_KEYS, TOP_FACTORS));
        out.insert("reasoning".into(), Value::Object(reasoning));
    }
    out.insert("alternatives".into(), keep_each(s.get("alternatives"), ALTERNATIVE_KEYS, usize::MAX));
    // The team plan is one short row per developer; it is there only when the caller asked for a team.
    if let Some(plan) = s.get("teamPlan") {
        out.insert("teamPlan".into(), plan.clone());
    }
    if let Some(Value::Object(excluded)) = s.get("excluded") {
        // Counts that are zero say nothing; the blockers keep who and why.
        let mut e: Map<String, Value> = excluded
            .iter()
            .filter(|(k, v)| *k != "topBlockers" && !(v.as_u64() == Some(0) || v.as_array().is_some_and(Vec::is_empty)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        e.insert("topBlockers".into(), keep_each(excluded.get("topBlockers"), BLOCKER_KEYS, usize::MAX));
        out.insert("excluded".into(), Value::Object(e));
    }
    if let Some(cp) = s.get("criticalPath") {
        let tasks = cp.get("tasks").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let mut c = Map::new();
        c.insert("hours".into(), cp.get("hours").cloned().unwrap_or_default());
        c.insert("length".into(), tasks.len().into());
        c.insert("tasks".into(), Value::Array(tasks.iter().take(CRITICAL_PATH_IDS).cloned().collect()));
        out.insert("criticalPath".into(), Value::Object(c));
    }
    for key in ["assumptions", "message"] {
        if let Some(v) = s.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn scored(id: i64) -> Value {
        json!({"id": id, "title": format!("t{id}"), "priority": 2, "overallScore": 0.5, "successProbability": 0.9,
               "estimatedHours": 2.0, "hoursSource": "estimate", "onCriticalPath": true, "unblocks": 1,
               "factors": [{"factor": "priority", "weight": 0.3, "value": 1.0, "contribution": 0.3}]})
    }

    #[test]
    fn compact_keeps_every_top_level_key_and_what_the_spec_reads() {
        let full = json!({
            "selectedTask": scored(1),
            "alternatives": [scored(2), scored(3)],
            "reasoning": {"primaryReason": "because", "assumptions": ["a"], "factors": [
                {"factor": "priority", "weight": 0.3, "value": 1, "contribution": 0.3, "detail": "p4"},
                {"factor": "unblocks", "weight": 0.2, "value": 1, "contribution": 0.2, "detail": "u"},
                {"factor": "age", "weight": 0.1, "value": 1, "contribution": 0.1, "detail": "a"},
                {"factor": "context", "weight": 0.1, "value": 0.5, "contribution": 0.05, "detail": "c"}]},
            "teamPlan": {"developers": 2, "idleDevelopers": 0, "expectedFinishHours": 2.0, "totalHours": 4.0,
                         "allFitToday": null, "note": "n",
                         "assignments": [{"developer": 1, "taskId": 1, "title": "t1", "expectedHours": 2.0}]},
            "excluded": {"totalTasks": 9, "eligible": 3, "completed": 6, "blocked": 0, "unknownDependencies": [],
                         "topBlockers": [{"id": 5, "title": "b", "status": "blocked", "why": "blocked",
                                          "waitingDirectly": 2, "waitingDownstream": 3.5}]},
            "criticalPath": {"hours": 30.0, "tasks": (1..=25).collect::<Vec<i64>>()},
            "assumptions": ["x"],
            "message": "m"
        });
        let c = compact(&full);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        let (mut a, mut b) = (keys(&full), keys(&c));
        a.sort();
        b.sort();
        assert_eq!(a, b, "every top-level key stays");
        assert_eq!(c["selectedTask"]["title"], "t1");
        assert_eq!(c["selectedTask"]["successProbability"], 0.9);
        assert!(c["selectedTask"].get("factors").is_none());
        assert_eq!(c["reasoning"]["primaryReason"], "because");
        assert_eq!(c["reasoning"]["factors"].as_array().unwrap().len(), TOP_FACTORS);
        assert_eq!(c["alternatives"][1], json!({"id": 3, "title": "t3", "overallScore": 0.5, "estimatedHours": 2.0}));
        assert_eq!(c["teamPlan"], full["teamPlan"]);
        assert_eq!(
            c["excluded"],
            json!({"totalTasks": 9, "eligible": 3, "completed": 6,
            "topBlockers": [{"id": 5, "title": "b", "why": "blocked", "waitingDirectly": 2}]})
        );
        assert_eq!(c["criticalPath"]["length"], 25);
        assert_eq!(c["criticalPath"]["tasks"].as_array().unwrap().len(), CRITICAL_PATH_IDS);
    }

    #[test]
    fn nothing_eligible_stays_null() {
        let c = compact(&json!({"selectedTask": null, "alternatives": [], "teamPlan": null, "message": "none"}));
        assert_eq!(c, json!({"selectedTask": null, "alternatives": [], "teamPlan": null, "message": "none"}));
    }
}
