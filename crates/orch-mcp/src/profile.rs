//! Tool profiles: which tools a server offers. Every offered tool's definition costs the agent context on every
//! turn, and some clients cap the number of tools, so an operator can offer fewer.

use std::collections::BTreeSet;
use std::str::FromStr;

use crate::server::OrchestratorServer;

/// The tools of the `core` profile: the everyday loop of reading the board, picking, planning and finishing work.
pub const CORE_TOOLS: &[&str] =
    &["create_task", "update_task", "update_task_status", "get_task", "list_tasks", "get_next_task", "link_git_commit"];

/// Which tools a server offers (`TASK_ORCHESTRATOR_TOOLS`): `all` (the default), `core`, or a comma-separated list
/// of tool names and profiles (`core,execute_code`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ToolProfile {
    /// Every tool.
    #[default]
    All,
    /// Only these tools.
    Only(BTreeSet<String>),
}

/// A profile named a tool the server does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tool {name:?} in the tool profile; use all, core, or a comma-separated list of: {known}")]
pub struct UnknownTool {
    /// The name as given.
    pub name: String,
    /// Every tool name, comma-separated.
    pub known: String,
}

impl ToolProfile {
    /// True when the profile offers `tool`.
    pub fn offers(&self, tool: &str) -> bool {
        match self {
            ToolProfile::All => true,
            ToolProfile::Only(names) => names.contains(tool),
        }
    }
}

impl FromStr for ToolProfile {
    type Err = UnknownTool;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let known = OrchestratorServer::tool_names();
        let mut names = BTreeSet::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item {
                "all" => return Ok(ToolProfile::All),
                "core" => names.extend(CORE_TOOLS.iter().map(|t| t.to_string())),
                name if known.iter().any(|k| k == name) => {
                    names.insert(name.to_string());
                }
                name => return Err(UnknownTool { name: name.to_string(), known: known.join(", ") }),
            }
        }
        if names.is_empty() {
            return Err(UnknownTool { name: s.to_string(), known: known.join(", ") });
        }
        Ok(ToolProfile::Only(names))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn profiles_parse_and_refuse_unknown_names() {
        assert_eq!("all".parse::<ToolProfile>().unwrap(), ToolProfile::All);
        let core: ToolProfile = "core".parse().unwrap();
        assert!(core.offers("get_next_task") && !core.offers("execute_code"));
        let mixed: ToolProfile = " core , execute_code ".parse().unwrap();
        assert!(mixed.offers("execute_code") && mixed.offers("list_tasks") && !mixed.offers("parse_prd"));
        let err = "core,exec".parse::<ToolProfile>().unwrap_err().to_string();
        assert!(err.contains("\"exec\"") && err.contains("execute_code"), "{err}");
        assert!(",".parse::<ToolProfile>().is_err());
        // Every core tool is a real tool.
        let known = OrchestratorServer::tool_names();
        assert!(CORE_TOOLS.iter().all(|t| known.iter().any(|k| k == t)));
    }
}
