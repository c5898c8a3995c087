//! Renderings for people. Data goes to stdout; nothing here is parsed by programs (they use `--json`).

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use orch_mcp::dto::*;

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

fn status(s: StatusDto) -> &'static str {
    match s {
        StatusDto::Pending => "pending",
        StatusDto::InProgress => "in_progress",
        StatusDto::Blocked => "blocked",
        StatusDto::Completed => "completed",
    }
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
}

fn task_table(t: &TaskDto) -> Table {
    let mut table = table(&["field", "value"]);
    let mut row = |k: &str, v: String| {
        if !v.is_empty() {
            table.add_row(vec![k.to_string(), v]);
        }
    };
    row("id", format!("#{}", t.id));
    row("title", t.title.clone());
    row("status", status(t.status).into());
    row("priority", t.priority.to_string());
    row("project", t.project_id.clone());
    row("parent", t.parent_id.map(|p| format!("#{p}")).unwrap_or_default());
    row("depends on", join_ids(&t.dependencies));
    row("tags", t.tags.join(", "));
    row("language", t.code_language.clone().unwrap_or_default());
    row("environment", t.execution_environment.clone().unwrap_or_default());
    row("type", t.task_type.clone().unwrap_or_default());
    row("estimate (h)", t.estimated_hours.map(|h| h.to_string()).unwrap_or_default());
    row("assignee", t.assignee.clone().unwrap_or_default());
    row("description", t.description.clone().unwrap_or_default());
    row("details", t.details.clone().unwrap_or_default());
    row("created", t.created_at.to_rfc3339());
    row("updated", t.updated_at.to_rfc3339());
    row("started", t.started_at.map(|d| d.to_rfc3339()).unwrap_or_default());
    row("completed", t.completed_at.map(|d| d.to_rfc3339()).unwrap_or_default());
    table
}

/// `add` and `update`.
pub fn task_result(r: &TaskResult) {
    println!("{}\n{}", r.message, task_table(&r.task));
}

/// `list`.
pub fn list(r: &ListTasksResult) {
    if r.tasks.is_empty() {
        println!("No tasks match ({} in total).", r.count);
    } else {
        let mut t = table(&["id", "status", "pri", "title", "depends on", "tags", "lang", "project"]);
        for task in &r.tasks {
            t.add_row(vec![
                format!("#{}", task.id),
                status(task.status).into(),
                task.priority.to_string(),
                task.title.clone(),
                join_ids(&task.dependencies),
                task.tags.join(", "),
                task.code_language.clone().unwrap_or_default(),
                task.project_id.clone(),
            ]);
        }
        println!("{t}");
        let last = r.offset + r.tasks.len() as u64;
        match r.next_offset {
            Some(next) => println!("{}-{} of {} (next page: --offset {next})", r.offset + 1, last, r.count),
            None => println!("{}-{} of {}", r.offset + 1, last, r.count),
        }
    }
    if let Some(m) = &r.metrics {
        let mut t = table(&["metric", "value"]);
        t.add_row(vec!["total".into(), m.total.to_string()]);
        for (k, v) in &m.by_status {
            t.add_row(vec![format!("status {k}"), v.to_string()]);
        }
        for (k, v) in &m.by_priority {
            t.add_row(vec![format!("priority {k}"), v.to_string()]);
        }
        for (k, v) in &m.by_language {
            t.add_row(vec![format!("language {k}"), v.to_string()]);
        }
        t.add_row(vec!["completion rate".into(), format!("{:.1}%", m.completion_rate * 100.0)]);
        let cycle = m.median_cycle_time_hours.map_or("n/a".to_string(), |h| format!("{h:.2} h"));
        t.add_row(vec![format!("median cycle time ({} tasks)", m.cycle_time_samples), cycle]);
        println!("{t}");
    }
}

/// `show`.
pub fn show(r: &GetTaskResult) {
    println!("{}", task_table(&r.task));
    if !r.commits.is_empty() {
        let mut t = table(&["commit", "author", "message", "linked"]);
        for c in &r.commits {
            t.add_row(vec![
                c.commit_hash.clone(),
                c.author.clone().unwrap_or_default(),
                c.commit_message.clone().unwrap_or_default(),
                c.timestamp.to_rfc3339(),
            ]);
        }
        println!("{t}");
    }
    if let Some(execs) = &r.executions {
        if execs.is_empty() {
            println!("No code executions.");
        }
        for e in execs {
            let exit = e.exit_code.map_or("killed".to_string(), |c| c.to_string());
            println!("execution #{} ({}, exit {exit}, {:.3}s, {})", e.id, e.language, e.execution_time, e.isolation);
            if !e.output.is_empty() {
                println!("{}", e.output.trim_end());
            }
            if !e.error.is_empty() {
                println!("stderr: {}", e.error.trim_end());
            }
        }
    }
    if let Some(analyses) = &r.analysis {
        if analyses.is_empty() {
            println!("No analyses.");
        }
        for a in analyses {
            let stale = if a.stale { " (stale: the task changed since)" } else { "" };
            println!("{} analysis at {}{stale}: {}", a.kind, a.created_at.to_rfc3339(), a.result);
        }
    }
}

/// `graph`.
pub fn graph(r: &GetTaskGraphResult) {
    match &r.graph {
        GraphDto::Text(text) => print!("{text}"),
        GraphDto::Structured { .. } => match serde_json::to_string_pretty(&r.graph) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: {e}"),
        },
    }
}

/// `next`.
pub fn next(r: &GetNextTaskResult) {
    println!("{}", r.message);
    let alternatives = r.selection["alternatives"].as_array().cloned().unwrap_or_default();
    if !alternatives.is_empty() {
        let mut t = table(&["alternative", "title", "score"]);
        for a in alternatives {
            t.add_row(vec![
                format!("#{}", a["id"]),
                a["title"].as_str().unwrap_or_default().to_string(),
                format!("{:.3}", a["overallScore"].as_f64().unwrap_or_default()),
            ]);
        }
        println!("{t}");
    }
    if let Some(plan) = r.selection["teamPlan"].as_object() {
        println!("team plan: {}", serde_json::Value::Object(plan.clone()));
    }
}

/// `exec`.
pub fn execution(r: &ExecuteCodeResult) {
    let e = &r.execution;
    print!("{}", e.output);
    if !e.error.is_empty() {
        eprint!("{}", e.error);
    }
    eprintln!("{} [isolation: {}]", r.message, e.isolation);
}

/// `analyze`.
pub fn analysis(r: &AnalyzeComplexityResult) {
    println!("{}", r.message);
    let c = &r.complexity;
    let mut t = table(&["factor", "score", "weight", "evidence"]);
    for name in ["codeVolume", "dependencies", "technicalRisk", "historicalData"] {
        let f = &c["factors"][name];
        let evidence: Vec<String> =
            f["evidence"].as_array().into_iter().flatten().filter_map(|e| e.as_str().map(str::to_owned)).collect();
        t.add_row(vec![
            name.to_string(),
            f["score"].as_f64().map_or("n/a".into(), |s| format!("{s:.1}")),
            f["weight"].as_f64().map_or("-".into(), |w| format!("{w:.2}")),
            evidence.join("; "),
        ]);
    }
    println!("{t}");
}
