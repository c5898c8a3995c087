//! `task-orchestrator`: the MCP server (`serve`) and a CLI for people over the same Orchestrator.

mod board;
mod board_io;
mod commands;
mod components;
mod config;
mod git;
mod health;
mod human;
mod mcp_config;
mod migrate;
mod output;
mod serve;
mod words;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use orch_core::Status;
use orch_core::TaskStore;
use orch_mcp::dto::*;
use orch_mcp::{ToolError, tools};
use orch_service::Orchestrator;
use orch_store_postgres::PgStore;
use orch_store_sqlite::SqliteStore;
use serde::Serialize;

use crate::commands::everyday::{self, ReadyArgs, SearchArgs, SortKey, TreeArgs};
use crate::config::{Board, Database, DatabaseEnv};
use crate::output::ColorChoice;
use crate::words::cli_words;

/// Task board with a dependency graph for AI coding agents and the people beside them.
#[derive(Debug, Parser)]
#[command(name = "task-orchestrator", version, about, long_about = None)]
struct Cli {
    /// Database URL (sqlite://PATH or postgres://…); overrides DATABASE_URL, TASK_DB_PATH, MCP_HOME and the
    /// repository's board.
    #[arg(long, global = true, value_name = "URL")]
    db: Option<String>,
    /// Print the tool result as JSON (the same JSON an MCP client receives).
    #[arg(long, global = true)]
    json: bool,
    /// Colour: auto (when stdout is a terminal and NO_COLOR is unset), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Log format on stderr: text, or json (one object per line, for log collectors).
    #[arg(long, global = true, value_enum, env = "TASK_ORCHESTRATOR_LOG_FORMAT", default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the board for this repository (.task-orchestrator/tasks.db at its root), or the database --db names.
    Init(commands::init::InitArgs),
    /// Say which board commands run here use, and why.
    Where,
    /// List every task ready to start (pending, dependencies completed), best first as `next` ranks them.
    Ready(ReadyArgs),
    /// List tasks waiting on unfinished dependencies (or marked blocked), with what they wait on.
    Blocked {
        /// Only this project.
        #[arg(long)]
        project: Option<String>,
    },
    /// Start tasks (in_progress).
    Start {
        /// Task ids.
        #[arg(required = true, num_args = 1..)]
        ids: Vec<i64>,
        /// Start even with unfinished dependencies.
        #[arg(long)]
        force: bool,
    },
    /// Complete tasks.
    Done {
        /// Task ids.
        #[arg(required = true, num_args = 1..)]
        ids: Vec<i64>,
        /// Complete even with unfinished dependencies.
        #[arg(long)]
        force: bool,
    },
    /// Show parents, subtasks and dependencies as an indented tree with statuses.
    Tree(TreeArgs),
    /// Find tasks by words in their titles, descriptions and details.
    Search(SearchArgs),
    /// Print a shell completion script (bash, zsh or fish).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: commands::completions::CompletionShell,
    },
    /// Serve MCP over stdio (stdout carries only protocol messages; logs go to stderr), or over Streamable HTTP
    /// with --http.
    Serve(serve::ServeArgs),
    /// Check health: the local database, or a running server's /healthz, /readyz and /metrics with --url.
    Health(health::HealthArgs),
    /// Create a task.
    Add(AddArgs),
    /// List tasks (paged).
    List(ListArgs),
    /// Show one task with its commits, subtasks, and the status of each dependency and dependent.
    Show {
        /// Task id.
        id: i64,
        /// Include code executions.
        #[arg(long)]
        executions: bool,
        /// Include analyses.
        #[arg(long)]
        analysis: bool,
    },
    /// Change a task's status (pending, in_progress, blocked, completed).
    Status {
        /// Task id.
        id: i64,
        /// New status.
        #[arg(value_parser = parse_status)]
        status: StatusDto,
        /// Start or complete even with unfinished dependencies.
        #[arg(long)]
        force: bool,
    },
    /// Edit a task.
    Update(UpdateArgs),
    /// Delete a task.
    Rm {
        /// Task id.
        id: i64,
        /// Also when other tasks depend on it or it has subtasks.
        #[arg(long)]
        force: bool,
    },
    /// Print the dependency graph.
    Graph {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Mermaid)]
        format: Format,
        /// Only this project.
        #[arg(long)]
        project: Option<String>,
        /// Only tasks with this status.
        #[arg(long, value_parser = parse_status)]
        status: Option<StatusDto>,
        /// Only this task and its neighbourhood (see --depth).
        #[arg(long, value_name = "ID")]
        root: Option<i64>,
        /// Dependency steps from --root (default 2).
        #[arg(long, value_name = "N")]
        depth: Option<u32>,
        /// Most tasks to show (default 100, at most 10000).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
    },
    /// Pick the next task to work on (and optionally claim it).
    Next(NextArgs),
    /// Run code for a task in the sandbox (code from the argument, or stdin with -). Exits with the program's exit
    /// status; 124 when it timed out, 137 when it was killed.
    Exec {
        /// Task id.
        id: i64,
        /// python, javascript, typescript, bash or sql (py, js, ts, sh also work).
        #[arg(value_parser = parse_language)]
        language: LanguageDto,
        /// The code, or - to read it from stdin.
        code: String,
        /// Timeout in seconds.
        #[arg(long)]
        timeout: Option<f64>,
        /// Working directory.
        #[arg(long)]
        workdir: Option<String>,
    },
    /// Import a Markdown PRD as tasks.
    Prd {
        /// PRD file (- for stdin).
        file: String,
        /// Project for the tasks (default: the board's default project).
        #[arg(long)]
        project: Option<String>,
        /// Parse and report without creating tasks.
        #[arg(long)]
        dry_run: bool,
        /// Confidence threshold 0-1.
        #[arg(long, default_value_t = ParsePrdParams::default().confidence_threshold)]
        threshold: f64,
        /// auto: a configured OpenAI/Anthropic key completes and cross-checks the parse when set; offline: the
        /// rule-based parser only; llm: fail when no key is configured.
        #[arg(long, default_value = "auto", value_parser = ["auto", "offline", "llm"])]
        mode: String,
        /// Model to ask for (default: the configured one).
        #[arg(long)]
        model: Option<String>,
    },
    /// Analyse a task's complexity.
    Analyze {
        /// Task id.
        id: i64,
        /// Project directory to scan.
        #[arg(long)]
        root: Option<String>,
    },
    /// Estimate a task's effort in hours.
    Estimate {
        /// Task id.
        id: i64,
        /// Project directory to scan.
        #[arg(long)]
        root: Option<String>,
    },
    /// Expand a task into subtasks.
    Expand {
        /// Task id.
        id: i64,
        /// Depth.
        #[arg(long, default_value_t = ExpandTaskParams::default().depth)]
        depth: u32,
        /// Replace existing subtasks.
        #[arg(long)]
        replace: bool,
    },
    /// Link a git commit to a task.
    Link {
        /// Task id.
        id: i64,
        /// Commit hash (7-64 hex characters).
        hash: String,
        /// Commit message.
        #[arg(long)]
        message: Option<String>,
        /// Commit author.
        #[arg(long)]
        author: Option<String>,
    },
    /// Copy a whole board from SQLite to PostgreSQL, keeping ids, and verify the row counts.
    Migrate(migrate::MigrateArgs),
    /// Import another tool's board (Task Master tasks.json, beads issues.jsonl) into a project.
    Import {
        #[command(subcommand)]
        command: board_io::ImportCommand,
    },
    /// Write a project as another tool's board file.
    Export {
        #[command(subcommand)]
        command: board_io::ExportCommand,
    },
    /// Link commits to the tasks their messages name; install the post-commit hook.
    Git {
        #[command(subcommand)]
        command: git::GitCommand,
    },
    /// Print (or --write) an MCP client's configuration for this repository's board.
    McpConfig(mcp_config::McpConfigArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Mermaid,
    Dot,
}

fn parse_language(s: &str) -> Result<LanguageDto, String> {
    let unknown =
        || format!("unknown language '{s}'; use python, javascript, typescript, bash or sql (or py, js, ts, sh)");
    // The same aliases task languages accept (`py`, `js`, `ts`, `sh`…).
    let name = orch_core::validate::code_language(Some(s.to_string())).ok().flatten().ok_or_else(unknown)?;
    serde_json::from_value(serde_json::Value::String(name)).map_err(|_| unknown())
}

#[derive(Debug, Args)]
struct NextArgs {
    /// Project (default: the board's default project).
    #[arg(long)]
    project: Option<String>,
    /// Claim the selected task for --assignee.
    #[arg(long, requires = "assignee")]
    claim: bool,
    /// Who is asking.
    #[arg(long)]
    assignee: Option<String>,
    /// With --json: the full selection (every factor of every ranked task) instead of the compact one.
    #[arg(long)]
    explain: bool,
    /// Hours available today.
    #[arg(long)]
    hours: Option<f64>,
    /// Developers available (plans parallel work above 1).
    #[arg(long)]
    developers: Option<u32>,
    /// Preferred language (repeatable).
    #[arg(long = "prefer-language")]
    languages: Vec<String>,
    /// Excluded tag (repeatable).
    #[arg(long = "exclude-tag")]
    excluded_tags: Vec<String>,
}

fn read_input(arg: &str) -> Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("cannot read stdin")?;
        Ok(s)
    } else {
        Ok(arg.to_string())
    }
}

fn analyze_params(id: i64, root: Option<String>) -> AnalyzeParams {
    AnalyzeParams {
        task_id: id,
        // A person means the directory they typed relative to where they are; the tool would take it under the
        // default workspace.
        project_root: root
            .map(|r| std::path::absolute(config::expand_tilde(&r)).map_or(r, |p| p.display().to_string())),
        ..Default::default()
    }
}

fn parse_status(s: &str) -> Result<StatusDto, String> {
    s.parse::<Status>().map(Into::into).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
struct AddArgs {
    /// Title.
    title: String,
    /// Description.
    #[arg(short, long)]
    description: Option<String>,
    /// Priority 0 (lowest) to 4 (highest).
    #[arg(short, long, default_value_t = 0)]
    priority: u8,
    /// A task this one depends on (repeatable).
    #[arg(long = "depends-on", value_name = "ID")]
    depends_on: Vec<i64>,
    /// A tag (repeatable).
    #[arg(short, long = "tag")]
    tags: Vec<String>,
    /// Programming language.
    #[arg(short, long)]
    language: Option<String>,
    /// Execution environment.
    #[arg(long)]
    env: Option<String>,
    /// Project id.
    #[arg(long)]
    project: Option<String>,
    /// Parent task id.
    #[arg(long)]
    parent: Option<i64>,
    /// Details / acceptance criteria.
    #[arg(long)]
    details: Option<String>,
    /// Task type.
    #[arg(long = "type")]
    task_type: Option<String>,
    /// Estimated hours.
    #[arg(long)]
    hours: Option<f64>,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only this status.
    #[arg(long, value_parser = parse_status)]
    status: Option<StatusDto>,
    /// Only this language.
    #[arg(short, long)]
    language: Option<String>,
    /// Only this project.
    #[arg(long)]
    project: Option<String>,
    /// Only tasks with this tag (repeatable; all must match).
    #[arg(short, long = "tag")]
    tags: Vec<String>,
    /// Only subtasks of this task.
    #[arg(long)]
    parent: Option<i64>,
    /// Page size (1-500).
    #[arg(long)]
    limit: Option<u32>,
    /// Tasks to skip.
    #[arg(long)]
    offset: Option<u64>,
    /// Include metrics.
    #[arg(long)]
    metrics: bool,
    /// Only tasks ready to start (pending, every dependency completed).
    #[arg(long)]
    ready: bool,
    /// Only tasks waiting on unfinished dependencies or marked blocked.
    #[arg(long)]
    blocked: bool,
    /// Order: id (default), priority (highest first) or status.
    #[arg(long, value_enum, default_value_t = SortKey::Id)]
    sort: SortKey,
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// Task id.
    id: i64,
    /// New title.
    #[arg(long)]
    title: Option<String>,
    /// New description ("" clears).
    #[arg(short, long)]
    description: Option<String>,
    /// New details ("" clears).
    #[arg(long)]
    details: Option<String>,
    /// New priority 0-4.
    #[arg(short, long)]
    priority: Option<u8>,
    /// Replacement tags, comma separated ("" clears).
    #[arg(long, value_delimiter = ',')]
    tags: Option<Vec<String>>,
    /// New language ("" clears).
    #[arg(short, long)]
    language: Option<String>,
    /// New execution environment ("" clears).
    #[arg(long)]
    env: Option<String>,
    /// New task type ("" clears).
    #[arg(long = "type")]
    task_type: Option<String>,
    /// New estimate in hours.
    #[arg(long)]
    hours: Option<f64>,
    /// Add a dependency (repeatable).
    #[arg(long = "add-dep", value_name = "ID")]
    add_dependencies: Vec<i64>,
    /// Remove a dependency (repeatable).
    #[arg(long = "rm-dep", value_name = "ID")]
    remove_dependencies: Vec<i64>,
}

/// `serve`'s default log filter. rmcp logs at info three lines per stateless request (a server set up and torn
/// down for each POST, its peer info formatted in full), which cost more than the call itself.
const SERVE_LOG_FILTER: &str = "info,rmcp=warn";

fn init_tracing(default_level: &str, format: LogFormat) {
    let filter = std::env::var("TASK_ORCHESTRATOR_LOG_LEVEL")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| default_level.to_string());
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    // stderr only: on stdio, stdout belongs to JSON-RPC.
    if format == LogFormat::Json {
        tracing_subscriber::fmt().json().with_env_filter(filter).with_writer(std::io::stderr).init();
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

/// Finds the board for this run (flags, environment, the repository here, the global board).
fn locate(cli: &Cli) -> Result<Board> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let board = config::resolve(cli.db.as_deref(), &DatabaseEnv::from_process(), &cwd)?;
    if let Some(project) = board.source.project() {
        orch_core::set_default_project(project);
    }
    Ok(board)
}

async fn open(cli: &Cli, board: &Board) -> Result<Arc<Orchestrator>> {
    config::check_parent(board)?;
    let db = &board.db;
    let (store, db_file): (Arc<dyn TaskStore>, _) = match db {
        Database::Sqlite(path) => (
            Arc::new(SqliteStore::open(path).with_context(|| format!("cannot open the task database {db}"))?),
            Some(path.clone()),
        ),
        Database::Postgres(url) => (
            Arc::new(PgStore::connect_url(url).await.with_context(|| format!("cannot open the task database {db}"))?),
            None,
        ),
    };
    tracing::debug!("database {db} opened");
    let needs_executor = matches!(cli.command, Command::Serve(_) | Command::Exec { .. });
    let orch = components::configure(Orchestrator::new(store), db_file.as_deref(), needs_executor).await?;
    Ok(Arc::new(orch))
}

/// Prints a tool result: JSON when asked, else the human rendering; a refusal in the CLI's words, exit status 1.
fn emit<T: Serialize>(json: bool, result: Result<T, ToolError>, human: impl FnOnce(&T)) -> Result<ExitCode> {
    match result {
        Ok(value) if json => {
            outln!("{}", serde_json::to_string_pretty(&value)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(value) => {
            human(&value);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}", cli_words(&e.message));
            Ok(ExitCode::from(1))
        }
    }
}

/// The program's exit status for `exec`: its own; 124 after a timeout (as `timeout` reports); 128 + the signal
/// when a signal ended it (as a shell reports), 137 when it was killed without one recorded.
fn exec_status(e: &ExecutionResultDto) -> ExitCode {
    if e.timed_out {
        return ExitCode::from(124);
    }
    match (e.exit_code, e.signal) {
        (Some(code), _) => ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(1)),
        (None, Some(signal)) => ExitCode::from(u8::try_from((128 + signal).clamp(129, 255)).unwrap_or(137)),
        (None, None) => ExitCode::from(137),
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Migrate(args) = &cli.command {
        return migrate::run(args, cli.json).await;
    }
    if let Command::Completions { shell } = &cli.command {
        commands::completions::print::<Cli>(*shell, cli.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::McpConfig(args) = &cli.command {
        return mcp_config::run(args, cli.db.as_deref());
    }
    if let Command::Git { command: git::GitCommand::Hook { command: git::HookCommand::Install { force, close } } } =
        &cli.command
    {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let board = config::resolve(cli.db.as_deref(), &DatabaseEnv::from_process(), &cwd)?;
        return git::install_hook(&board.db, *force, *close);
    }
    // A remote check needs no local database.
    if let Command::Health(h) = &cli.command
        && let Some(url) = &h.url
    {
        return health::remote(url, h.token_file.as_deref(), cli.json).await;
    }
    if let Command::Init(args) = &cli.command {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        return commands::init::run(cli.db.as_deref(), &DatabaseEnv::from_process(), &cwd, args, cli.json).await;
    }
    let board = locate(&cli)?;
    if let Command::Where = &cli.command {
        return commands::where_(&board, cli.json);
    }
    let orch = open(&cli, &board).await?;
    let json = cli.json;
    let project_or_default = |p: Option<String>| p.unwrap_or_else(|| orch_core::default_project().to_string());
    match cli.command {
        Command::Serve(args) => {
            serve::run(orch, args, &board).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Health(_) => health::local(orch, &board, json).await,
        Command::Ready(a) => everyday::ready(&orch, a, json).await,
        Command::Blocked { project } => everyday::blocked(&orch, project, json).await,
        Command::Start { ids, force } => everyday::set_status(&orch, &ids, StatusDto::InProgress, force, json).await,
        Command::Done { ids, force } => everyday::set_status(&orch, &ids, StatusDto::Completed, force, json).await,
        Command::Tree(a) => everyday::tree(&orch, a, json).await,
        Command::Search(a) => everyday::search(&orch, a, json).await,
        Command::Add(a) => {
            let p = CreateTaskParams {
                title: a.title,
                description: a.description,
                priority: a.priority,
                dependencies: a.depends_on,
                tags: a.tags,
                code_language: a.language,
                execution_environment: a.env,
                project_id: a.project,
                parent_id: a.parent,
                details: a.details,
                task_type: a.task_type,
                estimated_hours: a.hours,
            };
            emit(json, tools::create_task(&orch, p).await, human::task_result)
        }
        Command::List(a) => {
            let p = ListTasksParams {
                status: a.status,
                code_language: a.language,
                include_metrics: a.metrics,
                project_id: a.project,
                tags: a.tags,
                parent_id: a.parent,
                limit: a.limit,
                offset: a.offset,
                fields: Vec::new(),
            };
            let result = if a.ready || a.blocked || a.sort != SortKey::Id {
                everyday::list_narrowed(&orch, p, a.ready, a.blocked, a.sort).await?
            } else {
                tools::list_tasks(&orch, p).await
            };
            emit(json, result, |r| human::list(r, &r.tasks.iter().collect::<Vec<_>>()))
        }
        Command::Show { id, executions, analysis } => {
            let p = GetTaskParams { task_id: id, include_executions: executions, include_analysis: analysis };
            match tools::get_task(&orch, p).await {
                Ok(r) if !json => {
                    everyday::show(&orch, &r).await?;
                    Ok(ExitCode::SUCCESS)
                }
                result => emit(json, result, |_| ()),
            }
        }
        Command::Status { id, status, force } => {
            let p = UpdateTaskStatusParams { task_id: id, status, force };
            emit(json, tools::update_task_status(&orch, p).await, |r| outln!("{}", r.message))
        }
        Command::Update(a) => {
            let p = UpdateTaskParams {
                task_id: a.id,
                title: a.title,
                description: a.description,
                details: a.details,
                priority: a.priority,
                tags: a.tags.map(|t| t.into_iter().filter(|s| !s.is_empty()).collect()),
                code_language: a.language,
                execution_environment: a.env,
                task_type: a.task_type,
                estimated_hours: a.hours,
                add_dependencies: a.add_dependencies,
                remove_dependencies: a.remove_dependencies,
            };
            emit(json, tools::update_task(&orch, p).await, human::task_result)
        }
        Command::Rm { id, force } => {
            let p = DeleteTaskParams { task_id: id, force };
            emit(json, tools::delete_task(&orch, p).await, |r| outln!("{}", r.message))
        }
        Command::Graph { format, project, status, root, depth, limit } => {
            let format = match format {
                Format::Json => GraphFormatDto::Json,
                Format::Mermaid => GraphFormatDto::Mermaid,
                Format::Dot => GraphFormatDto::Dot,
            };
            let p = GetTaskGraphParams { format, project_id: project, status, root_task_id: root, depth, limit };
            emit(json, tools::get_task_graph(&orch, p).await, human::graph)
        }
        Command::Next(a) => {
            let p = GetNextTaskParams {
                project_id: project_or_default(a.project),
                preferred_languages: a.languages,
                excluded_tags: a.excluded_tags,
                hours_available_today: a.hours,
                available_developers: a.developers,
                claim: a.claim,
                assignee: a.assignee,
                explain: a.explain,
                ..Default::default()
            };
            emit(json, tools::get_next_task(&orch, p).await, human::next)
        }
        Command::Exec { id, language, code, timeout, workdir } => {
            let p = ExecuteCodeParams {
                task_id: id,
                language,
                code: read_input(&code)?,
                timeout,
                working_directory: workdir,
                packages: Vec::new(),
            };
            let result = tools::execute_code(&orch, p).await;
            let status = result.as_ref().ok().map(|r| exec_status(&r.execution));
            let printed = emit(json, result, human::execution)?;
            Ok(status.unwrap_or(printed))
        }
        Command::Prd { file, project, dry_run, threshold, mode, model } => {
            let content = if file == "-" {
                read_input("-")?
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("cannot read the PRD file {file}"))?
            };
            let p = ParsePrdParams {
                content,
                project_id: project_or_default(project),
                generate_tasks: !dry_run,
                confidence_threshold: threshold,
                mode: match mode.as_str() {
                    "offline" => PrdModeDto::Offline,
                    "llm" => PrdModeDto::Llm,
                    _ => PrdModeDto::Auto,
                },
                model,
                ..Default::default()
            };
            let bar = output::progress(0, "importing the PRD");
            let on_progress = bar.clone();
            let progress: orch_service::Progress = Arc::new(move |done, total, what: &str| {
                on_progress.set_length(u64::from(total));
                on_progress.set_position(u64::from(done));
                on_progress.set_message(what.to_string());
            });
            let result = tools::parse_prd(&orch, p, Some(progress), None).await;
            bar.finish_and_clear();
            emit(json, result, |r| outln!("{}", r.message))
        }
        Command::Analyze { id, root } => {
            let bar = output::spinner("scanning the project");
            let result = tools::analyze_complexity(&orch, analyze_params(id, root)).await;
            bar.finish_and_clear();
            emit(json, result, human::analysis)
        }
        Command::Estimate { id, root } => {
            let bar = output::spinner("scanning the project");
            let result = tools::estimate_effort(&orch, analyze_params(id, root)).await;
            bar.finish_and_clear();
            emit(json, result, |r| outln!("{}", r.message))
        }
        Command::Expand { id, depth, replace } => {
            let p = ExpandTaskParams {
                task_id: id,
                depth,
                // The flag sets the depth the caller wants; the tool's default cap must not cut it.
                max_depth: depth.max(ExpandTaskParams::default().max_depth),
                replace,
                ..Default::default()
            };
            let bar = output::spinner("expanding the task");
            let result = tools::expand_task(&orch, p, None).await;
            bar.finish_and_clear();
            emit(json, result, |r| outln!("{}", r.message))
        }
        Command::Link { id, hash, message, author } => {
            let p = LinkGitCommitParams { task_id: id, commit_hash: hash, commit_message: message, author };
            emit(json, tools::link_git_commit(&orch, p).await, |r| outln!("{}", r.message))
        }
        Command::Import { command } => board_io::import(&orch, command, json).await,
        Command::Export { command } => board_io::export(&orch, command).await,
        Command::Git { command: git::GitCommand::Scan(args) } => git::scan(&orch, args, json).await,
        // Handled above, before a database is opened; kept here so the match stays exhaustive without a panic.
        Command::Migrate(args) => migrate::run(&args, json).await,
        Command::Completions { shell } => {
            commands::completions::print::<Cli>(shell, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(args) => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            commands::init::run(cli.db.as_deref(), &DatabaseEnv::from_process(), &cwd, &args, json).await
        }
        Command::Where => commands::where_(&board, json),
        Command::McpConfig(args) => mcp_config::run(&args, cli.db.as_deref()),
        Command::Git { command: git::GitCommand::Hook { command: git::HookCommand::Install { force, close } } } => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            let board = config::resolve(cli.db.as_deref(), &DatabaseEnv::from_process(), &cwd)?;
            git::install_hook(&board.db, force, close)
        }
    }
}

fn main() -> ExitCode {
    // The sandbox helper is this binary re-executed: it must not start a runtime or parse the CLI.
    if std::env::args_os().nth(1).is_some_and(|a| a == orch_service::exec::HELPER_ARG) {
        return orch_service::exec::sandbox_helper_main();
    }
    let cli = Cli::parse();
    output::init(cli.color);
    init_tracing(if matches!(cli.command, Command::Serve(_)) { SERVE_LOG_FILTER } else { "warn" }, cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", cli_words(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
