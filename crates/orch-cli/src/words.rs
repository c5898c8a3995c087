//! The tools' error messages in the CLI's own words: flags and commands instead of MCP parameter names.
//!
//! The core words its messages for MCP callers (`pass force: true`, `list_tasks shows…`, `invalid commit_hash`);
//! people at a terminal get the same message with each parameter named as the flag or argument they typed.

/// Tool parameter names and the CLI's spelling of them, longest first where one contains another.
const PARAMETERS: &[(&str, &str)] = &[
    ("remove_dependencies", "--rm-dep"),
    ("add_dependencies", "--add-dep"),
    ("dependencies", "--depends-on"),
    ("execution_environment", "--env"),
    ("estimated_hours", "--hours"),
    ("hours_available_today", "--hours"),
    ("available_developers", "--developers"),
    ("confidence_threshold", "--threshold"),
    ("priority_threshold", "--priority"),
    ("working_directory", "--workdir"),
    ("code_language", "--language"),
    ("commit_message", "--message"),
    ("commit_hash", "HASH"),
    ("project_root", "--root"),
    ("project_id", "--project"),
    ("parent_id", "--parent"),
    ("task_type", "--type"),
    ("task_id", "ID"),
    ("assignee", "--assignee"),
    ("priority", "--priority"),
    ("timeout", "--timeout"),
    ("title", "TITLE"),
    ("limit", "--limit"),
    ("offset", "--offset"),
    ("tags", "--tag"),
    ("depth", "--depth"),
];

/// Whole phrases that name a tool or a JSON value.
const PHRASES: &[(&str, &str)] = &[
    ("pass force: true", "pass --force"),
    ("pass replace: true", "pass --replace"),
    // The CLI offers no sampling: only a configured key gives `prd --mode llm` a model.
    ("mode \"llm\" needs a model: connect an MCP client that offers sampling, or set", "--mode llm needs a model: set"),
    ("or use mode \"auto\" or \"offline\"", "or use --mode auto or --mode offline"),
    ("list_tasks shows the ids that do", "`task-orchestrator list` shows the ids that do"),
    (
        "nothing to change; pass at least one of title, description, details, priority, tags, code_language, \
         execution_environment, task_type, estimated_hours, add_dependencies, remove_dependencies",
        "nothing to change; pass at least one of --title, --description, --details, --priority, --tags, \
         --language, --env, --type, --hours, --add-dep, --rm-dep",
    ),
];

/// The message with the CLI's names for parameters and tools.
pub fn cli_words(message: &str) -> String {
    let mut s = message.to_string();
    for (from, to) in PHRASES {
        s = s.replace(from, to);
    }
    // `invalid commit_hash: …` and `dependencies: task(s) …` open messages about one parameter.
    for (param, flag) in PARAMETERS {
        for lead in ["invalid ", ""] {
            let from = format!("{lead}{param}: ");
            if s.starts_with(&from) {
                s = format!("{lead}{flag}: {}", &s[from.len()..]);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prd_mode_errors_name_the_flag() {
        let message = orch_service::prd::PrdError::NoModel.to_string();
        let cli = cli_words(&message);
        assert!(cli.starts_with("--mode llm needs a model: set OPENAI_API_KEY"), "{cli}");
        assert!(cli.ends_with("or use --mode auto or --mode offline"), "{cli}");
    }

    #[test]
    fn flags_replace_parameter_names() {
        assert_eq!(
            cli_words("task #1 is still needed: x; pass force: true to delete it anyway"),
            "task #1 is still needed: x; pass --force to delete it anyway"
        );
        assert_eq!(
            cli_words("task #999 does not exist; list_tasks shows the ids that do"),
            "task #999 does not exist; `task-orchestrator list` shows the ids that do"
        );
        assert_eq!(cli_words("invalid commit_hash: 'xyz' is not"), "invalid HASH: 'xyz' is not");
        assert_eq!(cli_words("dependencies: task(s) #9 do not exist"), "--depends-on: task(s) #9 do not exist");
        assert_eq!(cli_words("invalid add_dependencies: x"), "invalid --add-dep: x");
    }
}
