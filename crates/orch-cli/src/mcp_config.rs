//! `mcp-config CLIENT [--write]`: the MCP client configuration that starts this server on the repository's board.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde_json::{Map, Value, json};

use crate::board;

/// The clients a snippet is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Client {
    /// Claude Code (`.mcp.json` in the repository); the same entry goes in Claude Desktop's
    /// `claude_desktop_config.json`.
    Claude,
    /// Cursor (`.cursor/mcp.json` in the repository).
    Cursor,
    /// VS Code (`.vscode/mcp.json` in the repository).
    Vscode,
}

/// Options of `mcp-config`.
#[derive(Debug, Args)]
pub struct McpConfigArgs {
    /// claude, cursor or vscode.
    #[arg(value_enum)]
    client: Client,
    /// Write (merge) the entry into the client's project file instead of printing it.
    #[arg(long)]
    write: bool,
}

/// The server's name in every client's configuration.
const SERVER_NAME: &str = "task-orchestrator";

/// The per-repository board: `<root>/.task-orchestrator/tasks.db`.
pub fn board_url(root: &Path) -> String {
    format!("sqlite://{}", root.join(board::BOARD_DIR).join(board::BOARD_FILE).display())
}

/// Where the client reads a project's MCP servers from, relative to the repository root, and the key holding them.
fn target(client: Client) -> (&'static str, &'static str) {
    match client {
        Client::Claude => (".mcp.json", "mcpServers"),
        Client::Cursor => (".cursor/mcp.json", "mcpServers"),
        Client::Vscode => (".vscode/mcp.json", "servers"),
    }
}

/// The server entry: absolute paths, so it works whatever directory the client starts it in.
pub fn server_entry(client: Client, binary: &Path, db: &str, root: &Path) -> Value {
    let mut entry = Map::new();
    if client == Client::Vscode {
        entry.insert("type".into(), json!("stdio"));
    }
    entry.insert("command".into(), json!(binary.display().to_string()));
    entry.insert("args".into(), json!(["--db", db, "serve"]));
    entry.insert("env".into(), json!({ "TASK_ORCHESTRATOR_GIT_REPO": root.display().to_string() }));
    Value::Object(entry)
}

/// The whole file content for a client holding just this server.
pub fn snippet(client: Client, entry: Value) -> Value {
    let (_, key) = target(client);
    json!({ key: { SERVER_NAME: entry } })
}

/// Puts the entry into an existing configuration, keeping every other server and setting.
pub fn merge(client: Client, existing: &str, entry: Value, path: &Path) -> Result<Value> {
    let (_, key) = target(client);
    let mut doc: Value = if existing.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(existing).with_context(|| {
            format!(
                "{} is not plain JSON (comments are not supported); add the entry by hand or fix the file",
                path.display()
            )
        })?
    };
    let Some(obj) = doc.as_object_mut() else { bail!("{} is not a JSON object", path.display()) };
    let servers = obj.entry(key).or_insert_with(|| json!({}));
    let Some(servers) = servers.as_object_mut() else { bail!("\"{key}\" in {} is not an object", path.display()) };
    servers.insert(SERVER_NAME.to_string(), entry);
    Ok(doc)
}

/// Runs the command. `db` is the global `--db`, which replaces the per-repository board in the entry.
pub fn run(args: &McpConfigArgs, db: Option<&str>) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let Some(root) = board::find_repository(&cwd) else {
        bail!("{} is not inside a git repository; run mcp-config in your project's repository", cwd.display());
    };
    let binary = std::env::current_exe().context("cannot locate this binary")?;
    let db = db.map(str::to_string).unwrap_or_else(|| board_url(&root));
    let entry = server_entry(args.client, &binary, &db, &root);
    if !args.write {
        println!("{}", serde_json::to_string_pretty(&snippet(args.client, entry))?);
        return Ok(ExitCode::SUCCESS);
    }
    let (file, _) = target(args.client);
    let path = root.join(file);
    let existing = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let doc = merge(args.client, &existing, entry, &path)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    let board_dir = root.join(".task-orchestrator");
    std::fs::create_dir_all(&board_dir).with_context(|| format!("cannot create {}", board_dir.display()))?;
    println!("Wrote the {SERVER_NAME} server to {} (board: {db}).", path.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn merging_keeps_other_servers_and_refuses_what_it_cannot_read() {
        let entry = json!({"command": "x"});
        let p = Path::new("f.json");
        let doc = merge(Client::Vscode, r#"{"servers": {"other": {"command": "y"}}, "inputs": []}"#, entry.clone(), p)
            .unwrap();
        assert_eq!(doc["servers"]["other"]["command"], "y");
        assert_eq!(doc["servers"]["task-orchestrator"]["command"], "x");
        assert_eq!(doc["inputs"], json!([]));
        let err = merge(Client::Claude, "// comment\n{}", entry.clone(), p).unwrap_err().to_string();
        assert!(err.contains("not plain JSON"), "{err}");
        assert!(merge(Client::Claude, r#"{"mcpServers": 3}"#, entry, p).is_err());
    }
}
