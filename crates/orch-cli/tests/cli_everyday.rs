//! The CLI as people use it, over the real binary: the per-repository board, the everyday commands, output for
//! terminals and pipes, messages in the CLI's words, and the defects issue 16 found.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_task-orchestrator");

/// A scratch home and a git repository in it; commands run with a clean database environment.
struct Repo {
    tmp: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        std::fs::create_dir_all(tmp.path().join("shop/.git")).unwrap();
        std::fs::create_dir_all(tmp.path().join("shop/src/deep")).unwrap();
        Repo { tmp }
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("shop")
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    fn cmd(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(cwd)
            .env("HOME", self.home())
            .env("XDG_DATA_HOME", self.home().join(".local/share"))
            .env_remove("DATABASE_URL")
            .env_remove("TASK_DB_PATH")
            .env_remove("MCP_HOME")
            .env_remove("NO_COLOR")
            .env_remove("COLUMNS")
            .env("TASK_ORCHESTRATOR_LOG_LEVEL", "error")
            .stdin(Stdio::null());
        c
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        self.cmd(cwd, args).output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(&self.root(), args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const PRD: &str = "# Shop\n\n## Features\n### Login\n- Priority: High\n- Description: Sign in with email\n\n\
                   ### Checkout\n- Priority: Medium\n- Description: Pay for the basket\n- Depends on: Login\n\n\
                   ### Wishlist\n- Priority: Won't have\n- Description: Save items for later\n";

#[test]
fn init_creates_a_board_every_command_below_the_repository_finds() {
    let repo = Repo::new();
    let deep = repo.root().join("src/deep");
    let out = repo.run_in(&deep, &["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("default project 'shop'") && text.contains(".gitignore"), "{text}");
    assert!(repo.root().join(".task-orchestrator/tasks.db").is_file(), "the board is at the repository root");

    let here: Value = serde_json::from_slice(&repo.run_in(&deep, &["--json", "where"]).stdout).unwrap();
    let db = format!("sqlite://{}", repo.root().join(".task-orchestrator/tasks.db").display());
    assert_eq!(here["database"], db.as_str());
    assert_eq!(here["repository"], repo.root().display().to_string().as_str());
    assert_eq!(here["default_project"], "shop");
    let added = repo.run_in(&deep, &["--json", "add", "From below"]);
    let added: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(added["task"]["project_id"], "shop", "new tasks go to the repository's project");
    assert_eq!(repo.json(&["list"])["count"], 1);

    // Again: the board and its tasks are kept; a .gitignore that already has it is not suggested again.
    std::fs::write(repo.root().join(".gitignore"), ".task-orchestrator/\n").unwrap();
    let again = repo.json(&["init"]);
    assert_eq!(again["created"], false);
    assert_eq!(again["ignored_by_git"], true);
    assert_eq!(repo.json(&["list"])["count"], 1);

    // Outside the repository: the global board in the data directory.
    let outside = repo.run_in(repo.tmp.path(), &["--json", "where"]);
    let outside: Value = serde_json::from_slice(&outside.stdout).unwrap();
    assert!(outside["database"].as_str().unwrap().ends_with("/home/.local/share/task-orchestrator/tasks.db"));
    assert_eq!(outside["default_project"], "default-project");
    // --db and DATABASE_URL still win over the repository's board.
    let other = repo.tmp.path().join("other.db");
    let flag = format!("sqlite://{}", other.display());
    let w: Value = serde_json::from_slice(&repo.run(&["--json", "--db", &flag, "where"]).stdout).unwrap();
    assert_eq!(w["source"], "from --db");
    let w = repo.cmd(&repo.root(), &["--json", "where"]).env("DATABASE_URL", &flag).output().unwrap();
    let w: Value = serde_json::from_slice(&w.stdout).unwrap();
    assert_eq!(w["database"], flag.as_str());
    // health names the board too.
    let h = repo.json(&["health"]);
    assert_eq!(h["board"]["database"], db.as_str());
}

#[test]
fn serve_finds_the_repository_board_and_says_so_in_plain_words() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    let out =
        repo.cmd(&repo.root().join("src"), &["serve"]).env("TASK_ORCHESTRATOR_LOG_LEVEL", "info").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = stderr(&out);
    let line = log.lines().find(|l| l.contains("board")).unwrap_or_else(|| panic!("no board line in:\n{log}"));
    assert!(line.contains("SQLite") && line.contains(".task-orchestrator/tasks.db") && line.contains("shop"), "{line}");
    assert!(!log.contains("Some(") && !log.contains("{\"") && !log.contains("[\""), "debug structures in:\n{log}");
}

#[test]
fn the_everyday_loop() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    std::fs::write(repo.root().join("prd.md"), PRD).unwrap();
    let prd = repo.json(&["prd", "prd.md"]);
    assert_eq!(prd["created_task_ids"], serde_json::json!([1, 2]));
    let message = prd["message"].as_str().unwrap();
    assert!(message.contains("1 item(s) marked Won't have"), "{message}");
    assert!(!message.contains("below the confidence threshold"), "{message}");

    let ready = repo.json(&["ready"]);
    assert_eq!(ready["tasks"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect::<Vec<_>>(), [1]);
    let blocked = repo.json(&["blocked"]);
    assert_eq!(blocked["tasks"][0]["id"], 2);
    assert_eq!(
        blocked["tasks"][0]["waiting_on"][0],
        serde_json::json!({"id": 1, "title": "Login", "status": "pending"})
    );

    repo.ok(&["add", "Write docs", "-p", "4"]);
    repo.ok(&["add", "Docs: API page", "--parent", "3", "--depends-on", "1"]);
    let started = repo.json(&["start", "1", "3"]);
    assert_eq!(started["results"].as_array().unwrap().len(), 2);
    // Several ids: each is tried; a refusal makes the status 1 and is said in flags.
    let out = repo.run(&["done", "2", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass --force"), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Now ready: #2 \"Checkout\", #4 \"Docs: API page\"."), "{said}");
    assert_eq!(repo.json(&["show", "1"])["task"]["status"], "completed", "the later id still ran");

    let tree = repo.ok(&["tree"]);
    let lines: Vec<&str> = tree.lines().collect();
    assert_eq!(lines[0], "#1 completed Login P3", "{tree}");
    assert!(lines.contains(&"#2 pending Checkout P2  needs #1 completed"), "{tree}");
    assert!(lines.contains(&"#3 in_progress Write docs P4"), "{tree}");
    assert!(lines.contains(&"  #4 pending Docs: API page  needs #1 completed"), "subtasks indented:\n{tree}");
    let sub = repo.json(&["tree", "3"]);
    assert_eq!(sub["tasks"][0]["subtasks"][0]["id"], 4);
    assert_eq!(sub["tasks"][0]["subtasks"][0]["dependencies"][0]["status"], "completed");

    let shown = repo.ok(&["show", "3"]);
    assert!(shown.contains("subtasks\t#4\tpending\tDocs: API page"), "{shown}");
    let shown = repo.ok(&["show", "2"]);
    assert!(shown.contains("depends on\t#1\tcompleted\tLogin"), "{shown}");

    let ready = repo.json(&["list", "--ready", "--sort", "priority"]);
    let ids: Vec<i64> = ready["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [2, 4], "pending with dependencies done, highest priority first");
    assert_eq!(ready["count"], 2);
    let by_priority = repo.json(&["list", "--sort", "priority", "--limit", "2"]);
    let ids: Vec<i64> = by_priority["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [3, 1]);
    assert_eq!(by_priority["next_offset"], 2);
    repo.ok(&["add", "Ship", "--depends-on", "2"]);
    let waiting = repo.json(&["list", "--blocked"]);
    assert_eq!(waiting["tasks"][0]["id"], 5);

    let found = repo.json(&["search", "basket"]);
    assert_eq!(found["tasks"][0]["id"], 2, "description");
    assert_eq!(repo.json(&["search", "sign", "EMAIL"])["tasks"][0]["id"], 1, "every word, any case");
    assert_eq!(repo.json(&["search", "doc"])["count"], 2, "prefixes");
    let out = repo.run(&["search", "***"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no words"), "{}", stderr(&out));
}

#[test]
fn completions_for_each_shell() {
    let repo = Repo::new();
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef task-orchestrator"), ("fish", "complete -c")] {
        let script = repo.ok(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("ready") && script.contains("search"), "{shell} knows the commands");
    }
    assert!(!repo.home().join(".local").exists(), "completions open no database");
    let json = repo.json(&["completions", "fish"]);
    assert_eq!(json["shell"], "fish");
    assert!(json["script"].as_str().unwrap().contains("complete -c"));
}

#[test]
fn unrelated_environment_variables_do_not_change_anything() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    let out = repo.cmd(&repo.root(), &["list"]).env("CONTEXT", "work").env("PRIORITY", "0").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.cmd(&repo.root(), &["list"]).env("TASK_ORCHESTRATOR_WEIGHT_CONTEXT", "work").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("TASK_ORCHESTRATOR_WEIGHT_CONTEXT=\"work\" is not a number"), "{}", stderr(&out));
    // The documented variable counts: with priority weighted alone, the higher priority comes first.
    repo.ok(&["add", "low", "-p", "0"]);
    repo.ok(&["add", "high", "-p", "4"]);
    let next = repo
        .cmd(&repo.root(), &["--json", "next", "--explain"])
        .env("TASK_ORCHESTRATOR_WEIGHT_PRIORITY", "1")
        .env("TASK_ORCHESTRATOR_WEIGHT_AGE", "0")
        .output()
        .unwrap();
    let next: Value = serde_json::from_slice(&next.stdout).unwrap();
    let weights = &next["selection"]["reasoning"]["factors"];
    let priority = weights.as_array().unwrap().iter().find(|f| f["factor"] == "priority").unwrap();
    // Weights are normalised over the factors that apply: priority 1 against the defaults of unblocks 0.15,
    // critical path 0.40, grouping 0.05 and success 0.05.
    let expected = 1.0 / (1.0 + 0.15 + 0.40 + 0.05 + 0.05);
    assert!((priority["weight"].as_f64().unwrap() - expected).abs() < 1e-9, "{next}");
}

/// Runs a command whose stdout is a pipe nobody reads (closed before the command starts).
fn into_closed_pipe(repo: &Repo, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = repo.cmd(&repo.root(), args).stdout(writer).stderr(Stdio::piped()).spawn().unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    std::fs::write(repo.root().join("prd.md"), PRD).unwrap();
    repo.ok(&["prd", "prd.md"]);
    for args in [
        &["graph"][..],
        &["--json", "list", "--limit", "500"],
        &["list"],
        &["tree"],
        &["ready"],
        &["completions", "bash"],
    ] {
        let out = into_closed_pipe(&repo, args);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", stderr(&out));
        assert!(out.stderr.is_empty(), "{args:?} printed: {}", stderr(&out));
    }
}

#[test]
fn piped_output_is_tab_separated_and_colour_follows_the_flag() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    repo.ok(&["add", "First", "-p", "4", "-t", "api"]);
    let listed = repo.ok(&["list"]);
    assert_eq!(listed, "#1\tpending\t4\tFirst\t\tapi\t\tshop\n", "no header, box drawing or footer in a pipe");
    let coloured = repo.ok(&["--color", "always", "list"]);
    assert!(coloured.contains("\x1b["), "--color always colours even a pipe: {coloured:?}");
    let tree = repo.cmd(&repo.root(), &["--color", "auto", "tree"]).env("NO_COLOR", "1").output().unwrap();
    assert!(!String::from_utf8_lossy(&tree.stdout).contains('\x1b'));
    let json = repo.ok(&["--json", "--color", "always", "list"]);
    serde_json::from_str::<Value>(&json).expect("--json stays JSON whatever --color says");
}

/// Runs a command on a pseudo-terminal (`script`) of 80 columns; returns what the terminal showed.
fn on_terminal(repo: &Repo, command: &str) -> String {
    let out = Command::new("script")
        .args(["-qec", &format!("{BIN} {command}"), "/dev/null"])
        .current_dir(repo.root())
        .env("HOME", repo.home())
        .env("XDG_DATA_HOME", repo.home().join(".local/share"))
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "error")
        .stdin(Stdio::null())
        .output()
        .expect("`script` (util-linux) runs a command on a pseudo-terminal");
    assert!(out.status.success(), "{command}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n")
}

#[test]
fn tables_fit_an_80_column_terminal() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    let long = "Refactor the payment provider integration so that retries, idempotency keys and webhooks share one \
                code path with structured logging";
    repo.ok(&["add", long, "-p", "3", "-t", "payments"]);
    repo.ok(&["add", "Short one", "--depends-on", "1"]);
    for command in ["list", "ready", "blocked", "tree", "show 1", "search payment"] {
        let screen = on_terminal(&repo, command);
        for line in screen.lines() {
            assert!(line.chars().count() <= 80, "{command}: {} columns:\n{screen}", line.chars().count());
        }
        assert!(!screen.contains('\x1b'), "NO_COLOR: {screen:?}");
    }
    let list = on_terminal(&repo, "list");
    assert!(list.contains('…') && list.contains('│'), "a table, the long title cut:\n{list}");
    assert_eq!(list.lines().filter(|l| l.contains("Refactor")).count(), 1, "one line per task:\n{list}");
    assert!(!list.contains("lang"), "the empty language column is dropped:\n{list}");
    let show = on_terminal(&repo, "show 1");
    assert!(show.contains("structured") && show.contains("logging"), "show wraps instead of cutting:\n{show}");
}

#[test]
fn errors_speak_in_flags_and_commands() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    repo.ok(&["add", "a"]);
    repo.ok(&["add", "b", "--depends-on", "1"]);
    let rm = repo.run(&["rm", "1"]);
    assert_eq!(rm.status.code(), Some(1));
    assert!(stderr(&rm).contains("pass --force to delete it"), "{}", stderr(&rm));
    assert!(!stderr(&rm).contains("force: true"));
    let show = repo.run(&["show", "999"]);
    assert!(stderr(&show).contains("`task-orchestrator list` shows the ids"), "{}", stderr(&show));
    let link = repo.run(&["link", "2", "xyz"]);
    assert!(stderr(&link).contains("invalid HASH: 'xyz'"), "{}", stderr(&link));
    assert!(!stderr(&link).contains("commit_hash"));
    let status = repo.run(&["status", "2", "in_progress"]);
    assert!(stderr(&status).contains("--force"), "{}", stderr(&status));
    let dep = repo.run(&["add", "c", "--depends-on", "77"]);
    assert!(stderr(&dep).starts_with("error: --depends-on: task(s) #77"), "{}", stderr(&dep));
}

#[test]
fn exec_exits_with_the_program_status() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    repo.ok(&["add", "run things"]);
    let ok = repo.run(&["exec", "1", "py", "print(6 * 7)"]);
    assert_eq!(ok.status.code(), Some(0), "the py alias works: {}", stderr(&ok));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "42\n");
    assert_eq!(repo.run(&["exec", "1", "python", "import sys; sys.exit(3)"]).status.code(), Some(3));
    assert_eq!(repo.run(&["exec", "1", "python", "raise ValueError('no')"]).status.code(), Some(1));
    assert_eq!(repo.run(&["exec", "1", "sh", "exit 7"]).status.code(), Some(7));
    let slow = repo.run(&["exec", "1", "python", "import time; time.sleep(30)", "--timeout", "1"]);
    assert_eq!(slow.status.code(), Some(124), "a timeout has its own status: {}", stderr(&slow));
    let json = repo.run(&["--json", "exec", "1", "python", "import sys; sys.exit(5)"]);
    assert_eq!(json.status.code(), Some(5));
    assert_eq!(serde_json::from_slice::<Value>(&json.stdout).unwrap()["execution"]["exit_code"], 5);
}

#[test]
fn database_paths_expand_tilde_and_refuse_missing_directories() {
    let repo = Repo::new();
    std::fs::create_dir_all(repo.home().join("proj")).unwrap();
    let out = repo.cmd(repo.tmp.path(), &["list"]).env("TASK_DB_PATH", "~/proj/tasks.db").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.home().join("proj/tasks.db").is_file(), "~ is the home directory");
    assert!(!repo.tmp.path().join("~").exists(), "no directory literally named ~");

    let typo = repo.tmp.path().join("no/such/dir/tasks.db");
    let flag = format!("sqlite://{}", typo.display());
    let out = repo.run(&["--db", &flag, "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist") && stderr(&out).contains("--db"), "{}", stderr(&out));
    assert!(!repo.tmp.path().join("no").exists(), "nothing created for a typo");
    let out = repo.run(&["--db", &flag, "init"]);
    assert!(out.status.success(), "init creates what it is told to: {}", stderr(&out));
    assert!(typo.is_file());
}

#[test]
fn next_for_a_team_reads_as_a_table() {
    let repo = Repo::new();
    repo.ok(&["init"]);
    repo.ok(&["add", "one", "-t", "a"]);
    repo.ok(&["add", "two", "-t", "b"]);
    let out = repo.ok(&["next", "--developers", "2"]);
    assert!(!out.contains('{'), "no raw JSON: {out}");
    assert!(out.contains("Team plan:") && out.contains("\t#1\t") && out.contains("\t#2\t"), "{out}");
}
