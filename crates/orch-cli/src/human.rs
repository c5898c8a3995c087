//! Renderings for people: tables on a terminal, tab-separated rows in a pipe. Programs use `--json`.

use orch_mcp::dto::*;

use crate::output::{Grid, Tone, paint, priority_tone, status_tone};
use crate::{out, outln};

/// A status's name.
pub fn status(s: StatusDto) -> &'static str {
    match s {
        StatusDto::Pending => "pending",
        StatusDto::InProgress => "in_progress",
        StatusDto::Blocked => "blocked",
        StatusDto::Completed => "completed",
    }
}

/// A status cell, coloured.
pub fn status_cell(s: StatusDto) -> (String, Tone) {
    (status(s).to_string(), status_tone(status(s)))
}

/// A priority cell, coloured.
pub fn priority_cell(p: u8) -> (String, Tone) {
    (p.to_string(), priority_tone(p))
}

/// `#1, #2`.
pub fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
}

fn task_grid(t: &TaskDto) -> Grid {
    let mut grid = Grid::new(&["field", "value"]).wrapping();
    let mut row = |k: &str, v: String, tone: Tone| {
        if !v.is_empty() {
            grid.toned(vec![(k.to_string(), Tone::Plain), (v, tone)]);
        }
    };
    row("id", format!("#{}", t.id), Tone::Plain);
    row("title", t.title.clone(), Tone::Plain);
    row("status", status(t.status).into(), status_tone(status(t.status)));
    row("priority", t.priority.to_string(), priority_tone(t.priority));
    row("project", t.project_id.clone(), Tone::Plain);
    row("parent", t.parent_id.map(|p| format!("#{p}")).unwrap_or_default(), Tone::Plain);
    row("tags", t.tags.join(", "), Tone::Plain);
    row("language", t.code_language.clone().unwrap_or_default(), Tone::Plain);
    row("environment", t.execution_environment.clone().unwrap_or_default(), Tone::Plain);
    row("type", t.task_type.clone().unwrap_or_default(), Tone::Plain);
    row("estimate (h)", t.estimated_hours.map(|h| h.to_string()).unwrap_or_default(), Tone::Plain);
    row("complexity", t.complexity_score.map(|c| format!("{c:.1}")).unwrap_or_default(), Tone::Plain);
    row("assignee", t.assignee.clone().unwrap_or_default(), Tone::Plain);
    row("description", t.description.clone().unwrap_or_default(), Tone::Plain);
    row("details", t.details.clone().unwrap_or_default(), Tone::Plain);
    row("created", t.created_at.to_rfc3339(), Tone::Plain);
    row("updated", t.updated_at.to_rfc3339(), Tone::Plain);
    row("started", t.started_at.map(|d| d.to_rfc3339()).unwrap_or_default(), Tone::Plain);
    row("completed", t.completed_at.map(|d| d.to_rfc3339()).unwrap_or_default(), Tone::Plain);
    grid
}

/// `add` and `update`.
pub fn task_result(r: &TaskResult) {
    outln!("{}", r.message);
    task_grid(&r.task).print();
}

/// Rows of tasks: id, status, priority, title, dependencies, tags, language, project.
pub fn task_rows(tasks: &[&TaskDto]) -> Grid {
    let mut g = Grid::new(&["id", "status", "pri", "title", "deps", "tags", "lang", "project"]);
    for task in tasks {
        g.toned(vec![
            (format!("#{}", task.id), Tone::Plain),
            status_cell(task.status),
            priority_cell(task.priority),
            (task.title.clone(), Tone::Plain),
            (join_ids(&task.dependencies), Tone::Plain),
            (task.tags.join(","), Tone::Plain),
            (task.code_language.clone().unwrap_or_default(), Tone::Plain),
            (task.project_id.clone(), Tone::Plain),
        ]);
    }
    g
}

/// A line for people only (a summary under a table); never in a pipe, where it would read as a row.
pub fn note(text: &str) {
    if crate::output::style().tables {
        outln!("{}", paint(text, Tone::Dim));
    }
}

/// `list`.
pub fn list(r: &ListTasksResult, tasks: &[&TaskDto]) {
    if tasks.is_empty() {
        note(&format!("No tasks match ({} in total).", r.count));
    } else {
        task_rows(tasks).print();
        let last = r.offset + r.tasks.len() as u64;
        match r.next_offset {
            Some(next) => note(&format!("{}-{} of {} (next page: --offset {next})", r.offset + 1, last, r.count)),
            None => note(&format!("{}-{} of {}", r.offset + 1, last, r.count)),
        }
    }
    if let Some(m) = &r.metrics {
        let mut t = Grid::new(&["metric", "value"]);
        t.row(vec!["total".into(), m.total.to_string()]);
        for (k, v) in &m.by_status {
            t.row(vec![format!("status {k}"), v.to_string()]);
        }
        for (k, v) in &m.by_priority {
            t.row(vec![format!("priority {k}"), v.to_string()]);
        }
        for (k, v) in &m.by_language {
            t.row(vec![format!("language {k}"), v.to_string()]);
        }
        t.row(vec!["completion rate".into(), format!("{:.1}%", m.completion_rate * 100.0)]);
        let cycle = m.median_cycle_time_hours.map_or("n/a".to_string(), |h| format!("{h:.2} h"));
        t.row(vec![format!("median cycle time ({} tasks)", m.cycle_time_samples), cycle]);
        t.print();
    }
}

/// The tasks around the one shown, each with its status.
pub struct Related<'a> {
    /// Its subtasks.
    pub subtasks: Vec<&'a TaskDto>,
    /// What it depends on.
    pub dependencies: Vec<&'a TaskDto>,
    /// What depends on it.
    pub dependents: Vec<&'a TaskDto>,
}

/// `show`.
pub fn show(r: &GetTaskResult, related: &Related<'_>) {
    task_grid(&r.task).print();
    let mut g = Grid::new(&["related", "id", "status", "title"]);
    for (label, tasks) in
        [("depends on", &related.dependencies), ("subtasks", &related.subtasks), ("needed by", &related.dependents)]
    {
        for t in tasks.iter() {
            g.toned(vec![
                (label.to_string(), Tone::Plain),
                (format!("#{}", t.id), Tone::Plain),
                status_cell(t.status),
                (t.title.clone(), Tone::Plain),
            ]);
        }
    }
    if g.has_rows() {
        g.print();
    }
    if !r.commits.is_empty() {
        let mut t = Grid::new(&["commit", "author", "message", "linked"]);
        for c in &r.commits {
            t.row(vec![
                c.commit_hash.clone(),
                c.author.clone().unwrap_or_default(),
                c.commit_message.clone().unwrap_or_default(),
                c.timestamp.to_rfc3339(),
            ]);
        }
        t.print();
    }
    if let Some(execs) = &r.executions {
        if execs.is_empty() {
            outln!("No code executions.");
        }
        for e in execs {
            let exit = e.exit_code.map_or("killed".to_string(), |c| c.to_string());
            outln!("execution #{} ({}, exit {exit}, {:.3}s, {})", e.id, e.language, e.execution_time, e.isolation);
            if !e.output.is_empty() {
                outln!("{}", e.output.trim_end());
            }
            if !e.error.is_empty() {
                outln!("stderr: {}", e.error.trim_end());
            }
        }
    }
    if let Some(analyses) = &r.analysis {
        if analyses.is_empty() {
            outln!("No analyses.");
        }
        for a in analyses {
            let stale = if a.stale { " (stale: the task changed since)" } else { "" };
            outln!("{} analysis at {}{stale}: {}", a.kind, a.created_at.to_rfc3339(), a.result);
        }
    }
}

/// `graph`.
pub fn graph(r: &GetTaskGraphResult) {
    match &r.graph {
        GraphDto::Text(text) => out!("{text}"),
        GraphDto::Structured { .. } => {
            match serde_json::to_string_pretty(&serde_json::json!({ "tasks": r.tasks, "edges": r.edges })) {
                Ok(s) => outln!("{s}"),
                Err(e) => eprintln!("error: {e}"),
            }
        }
    }
    if r.truncated {
        eprintln!("{}", crate::words::cli_words(&r.message));
    }
}

/// `next`.
pub fn next(r: &GetNextTaskResult) {
    outln!("{}", r.message);
    let alternatives = &r.selection.alternatives;
    if !alternatives.is_empty() {
        let mut t = Grid::new(&["alternative", "title", "score"]);
        for a in alternatives {
            t.row(vec![format!("#{}", a.id), a.title.clone(), format!("{:.3}", a.overall_score)]);
        }
        t.print();
    }
    if let Some(plan) = &r.selection.team_plan {
        outln!("Team plan: {}", plan.note);
        let mut t = Grid::new(&["developer", "task", "title", "hours", "fits today"]);
        for a in &plan.assignments {
            t.row(vec![
                a.developer.to_string(),
                format!("#{}", a.task_id),
                a.title.clone(),
                format!("{:.1}", a.expected_hours),
                match a.fits_today {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => String::new(),
                },
            ]);
        }
        t.print();
        if plan.idle_developers > 0 {
            outln!("{} developer(s) without a task: fewer independent tasks are ready.", plan.idle_developers);
        }
    }
}

/// `exec`.
pub fn execution(r: &ExecuteCodeResult) {
    let e = &r.execution;
    out!("{}", e.output);
    if !e.error.is_empty() {
        eprint!("{}", e.error);
    }
    eprintln!("{} [isolation: {}]", r.message, e.isolation);
}

/// `analyze`.
pub fn analysis(r: &AnalyzeComplexityResult) {
    outln!("{}", r.message);
    let f = &r.complexity.factors;
    let mut t = Grid::new(&["factor", "score", "weight", "evidence"]).wrapping();
    for (name, f) in [
        ("codeVolume", &f.code_volume),
        ("dependencies", &f.dependencies),
        ("technicalRisk", &f.technical_risk),
        ("historicalData", &f.historical_data),
    ] {
        t.row(vec![
            name.to_string(),
            f.score.map_or("n/a".into(), |s| format!("{s:.1}")),
            format!("{:.2}", f.weight),
            f.evidence.join("; "),
        ]);
    }
    t.print();
}
