//! MCP prompts: the board's common loops as ready-made instructions for an agent, naming the tools to call.
//!
//! - `plan_prd` (`prd`, `project_id`): turn a PRD into tasks and check the plan.
//! - `work_next_task` (`project_id`, `assignee`): claim the best next task, do it, record it, finish it.
//! - `review_task` (`task_id`): check a finished task against its acceptance criteria; embeds the task.

use std::collections::HashMap;

use orch_core::TaskId;
use orch_service::Orchestrator;
use rmcp::ErrorData;
use rmcp::model::{
    ContentBlock, EmbeddedResource, GetPromptResult, ListPromptsResult, Prompt, PromptArgument, PromptMessage, Role,
};

use crate::resources::{BoardUri, ResourceError};

/// The project tools use when none is named.
const DEFAULT_PROJECT: &str = "default-project";
/// Longest PRD a prompt embeds (the same bound parse_prd's content has on the wire is larger; a prompt is text for
/// a model's context, so it stays well below).
const MAX_PRD_CHARS: usize = 200_000;

/// `prompts/list`.
pub(crate) fn list() -> ListPromptsResult {
    ListPromptsResult::with_all_items(vec![
        Prompt::new(
            "plan_prd",
            Some(
                "Plan a product requirements document into tasks: parse_prd, then review the graph, dependencies \
                 and sizes, and fix what is wrong.",
            ),
            Some(vec![
                PromptArgument::new("prd")
                    .with_title("PRD")
                    .with_description("The PRD text (Markdown).")
                    .with_required(true),
                PromptArgument::new("project_id")
                    .with_title("Project")
                    .with_description("The project the tasks go in (default: default-project).")
                    .with_required(false),
            ]),
        )
        .with_title("Plan a PRD into tasks"),
        Prompt::new(
            "work_next_task",
            Some(
                "Pick up the next task and work it: get_next_task with a claim, implement, link commits, mark it \
                 completed.",
            ),
            Some(vec![
                PromptArgument::new("project_id")
                    .with_title("Project")
                    .with_description("The project to take a task from (default: default-project).")
                    .with_required(false),
                PromptArgument::new("assignee")
                    .with_title("Assignee")
                    .with_description("Who claims the task, e.g. the agent's name (default: agent).")
                    .with_required(false),
            ]),
        )
        .with_title("Work the next task"),
        Prompt::new(
            "review_task",
            Some(
                "Review a finished task against its description, acceptance criteria and linked commits; reopen it \
                 with the findings when it falls short.",
            ),
            Some(vec![
                PromptArgument::new("task_id")
                    .with_title("Task")
                    .with_description("The id of the task to review.")
                    .with_required(true),
            ]),
        )
        .with_title("Review a finished task"),
    ])
}

/// `prompts/get`.
pub(crate) async fn get(
    name: &str,
    arguments: Option<serde_json::Map<String, serde_json::Value>>,
    orch: &Orchestrator,
) -> Result<GetPromptResult, ErrorData> {
    let args = Arguments::new(name, arguments)?;
    match name {
        "plan_prd" => {
            args.only(&["prd", "project_id"])?;
            let prd = args.required("prd", "the PRD text (Markdown)")?;
            if prd.chars().count() > MAX_PRD_CHARS {
                return Err(args.invalid(format!(
                    "prd has {} characters, more than the {MAX_PRD_CHARS} a prompt embeds; call parse_prd with the \
                     document directly",
                    prd.chars().count()
                )));
            }
            let project = args.optional("project_id").unwrap_or(DEFAULT_PROJECT);
            Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, plan_prd(prd, project))])
                .with_description(format!("Plan the PRD into tasks in project '{project}'")))
        }
        "work_next_task" => {
            args.only(&["project_id", "assignee"])?;
            let project = args.optional("project_id").unwrap_or(DEFAULT_PROJECT);
            let assignee = args.optional("assignee").unwrap_or("agent");
            Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, work_next_task(project, assignee))])
                .with_description(format!("Take and work the next task of project '{project}' as {assignee}")))
        }
        "review_task" => {
            args.only(&["task_id"])?;
            let raw = args.required("task_id", "the id of the task to review, e.g. 12")?;
            let id = raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| args.invalid(format!("task_id must be a positive integer, not '{raw}'")))?;
            let uri = format!("task://{id}");
            let task = BoardUri::Task(TaskId(id)).contents(&uri, orch).await.map_err(|e| match e {
                ResourceError::NotFound(m) => args.invalid(format!("{m}; list_tasks shows the ids")),
                other => other.into(),
            })?;
            Ok(GetPromptResult::new(vec![
                PromptMessage::new_text(Role::User, review_task(id)),
                PromptMessage::new(Role::User, ContentBlock::Resource(EmbeddedResource::new(task))),
            ])
            .with_description(format!("Review task #{id}")))
        }
        other => Err(ErrorData::invalid_params(
            format!("unknown prompt '{other}': the prompts are plan_prd, work_next_task and review_task"),
            None,
        )),
    }
}

/// A prompt's arguments (strings on the wire), with errors that name the prompt.
struct Arguments<'a> {
    prompt: &'a str,
    values: HashMap<String, String>,
}

impl<'a> Arguments<'a> {
    fn new(prompt: &'a str, raw: Option<serde_json::Map<String, serde_json::Value>>) -> Result<Self, ErrorData> {
        let mut values = HashMap::new();
        for (k, v) in raw.unwrap_or_default() {
            let text = match v {
                serde_json::Value::String(s) => s,
                // Clients that send numbers for task_id are common; anything else is a mistake.
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Null => continue,
                other => {
                    return Err(ErrorData::invalid_params(
                        format!("prompt {prompt}: argument {k} must be a string, not {other}"),
                        None,
                    ));
                }
            };
            values.insert(k, text);
        }
        Ok(Arguments { prompt, values })
    }

    fn invalid(&self, message: String) -> ErrorData {
        ErrorData::invalid_params(format!("prompt {}: {message}", self.prompt), None)
    }

    fn only(&self, known: &[&str]) -> Result<(), ErrorData> {
        match self.values.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(self.invalid(format!("unknown argument '{k}'; its arguments are {}", known.join(", ")))),
            None => Ok(()),
        }
    }

    fn required(&self, name: &str, what: &str) -> Result<&str, ErrorData> {
        self.optional(name).ok_or_else(|| self.invalid(format!("argument {name} is required: {what}")))
    }

    fn optional(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }
}

fn plan_prd(prd: &str, project: &str) -> String {
    format!(
        "Plan the product requirements document below into tasks on the task-orchestrator board, project \
'{project}'.

1. Call parse_prd with content set to the whole document and project_id \"{project}\". Read its warnings: each \
says what in the document could not be used.
2. Call get_task_graph with format \"mermaid\" and project_id \"{project}\" and check the plan: every feature has \
tasks, dependencies point from prerequisites to the work that needs them, and nothing is missing or duplicated.
3. Fix what is wrong with update_task (title, description, details, priority 0-4, add_dependencies, \
remove_dependencies) and create_task for missing work. A dependency that would form a cycle is refused: the \
message names the cycle.
4. For each task that looks large, call analyze_complexity; expand_task splits one whose score is above 7 into \
subtasks.
5. Finish with a short summary: the number of tasks, the first tasks ready to start (the resource \
project://{encoded}/ready lists them), and any open questions about the document.

<prd>
{prd}
</prd>",
        encoded = crate::resources::percent_encode(project),
    )
}

fn work_next_task(project: &str, assignee: &str) -> String {
    format!(
        "Take the next task of project '{project}' on the task-orchestrator board and work it to completion, as \
{assignee}.

1. Call get_next_task with project_id \"{project}\", claim true and assignee \"{assignee}\". It picks the best \
ready task, marks it in_progress for you and says why. If nothing is selected, report its message (it says what \
blocks the board) and stop.
2. Read the task (get_task with its task_id, or the resource task://{{task_id}}): its description and details \
hold the acceptance criteria.
3. Do the work. Keep the change to what the task asks; create_task records follow-up work you find instead of \
doing it now.
4. Record each commit with link_git_commit (task_id, commit_hash, commit_message).
5. When every acceptance criterion is met, call update_task_status with status \"completed\". If you cannot \
finish, set it back to \"pending\" (which releases your claim) or \"blocked\", and add what you learned to the \
task's details with update_task.
6. Report what you did, the commits, and the task's final status."
    )
}

fn review_task(id: i64) -> String {
    format!(
        "Review task #{id} of the task-orchestrator board; its current record is attached (task://{id}).

1. Check the work against the task's description and details (the acceptance criteria) and its linked commits: \
read the commits' changes and run the tests they touch.
2. Check that its dependencies are completed (get_task on each) and that nothing it promises is left undone.
3. If it meets every criterion, say so and leave it completed (or set it completed with update_task_status if \
it is not yet).
4. If it falls short, set it back with update_task_status to \"in_progress\" (force true if a dependency was \
reopened meanwhile) and put the findings, one per line, in its details with update_task, so the next agent \
knows what to fix. create_task records larger follow-up work, with a dependency on this task.
5. Report your verdict and each finding."
    )
}
