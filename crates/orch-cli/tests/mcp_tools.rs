//! End-to-end: execute_code, parse_prd, analyze_complexity, estimate_effort and expand_task through the real binary
//! over stdio, with a real rmcp client (which also answers MCP sampling) and a mock OpenAI server on loopback.
#![allow(clippy::unwrap_used, missing_docs, deprecated)]

mod common;

use std::sync::{Arc, Mutex};

use common::{start, start_with};
use rmcp::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, CreateMessageRequestParams, CreateMessageResult,
    Implementation, InitializeRequestParams, NumberOrString, ProgressNotificationParam, ProgressToken,
    RequestMetaObject, SamplingMessage,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData, RoleClient};
use serde_json::{Value, json};

const SPEC_PRD: &str = "# User Authentication System

## Features
### User Registration
- Priority: High
- Description: Allow new users to register with email and password
- Acceptance Criteria:
  - User can register with valid email
  - Password validation is implemented
  - Email verification is sent

### User Login
- Priority: High
- Description: Authenticate existing users
- Depends on: User Registration
- Acceptance Criteria:
  - Users can login with valid credentials
  - JWT tokens are generated
  - Session management is implemented
";

/// The answer a model gives for an expansion, in the documented schema.
fn model_answer(first: &str) -> String {
    json!({
        "subtasks": [
            {"title": first, "description": "Decide the token format", "estimatedEffort": 2, "dependencies": [],
             "taskType": "design", "tags": ["auth"], "acceptanceCriteria": ["format documented"], "subtasks": []},
            {"title": "Implement token issuing", "description": "Sign JWTs", "estimatedEffort": 3, "dependencies": [0],
             "taskType": "implementation", "tags": ["auth"], "acceptanceCriteria": [], "subtasks": []}
        ],
        "implementationSteps": [],
        "testTasks": [{"title": "Token expiry test", "description": "expired tokens are refused", "testType": "unit",
                       "framework": "pytest", "acceptanceCriterion": null, "subtaskIndex": 1}],
        "documentationTasks": [],
        "confidence": 0.8
    })
    .to_string()
}

/// The answer a model gives for [`SPEC_PRD`], in the documented schema: the two features (one more criterion each, one
/// of them not in the document), and a feature the document never mentions.
fn prd_answer() -> String {
    json!({"features": [
        {"key": "user-registration", "title": "User Registration", "description": "Register with email and password",
         "priority": "high", "acceptanceCriteria": ["Email verification is sent"], "userStories": [], "dependencies": []},
        {"key": "user-login", "title": "User Login", "description": "Authenticate existing users", "priority": "high",
         "acceptanceCriteria": ["Session management is implemented", "Logins are refused after five failures"],
         "userStories": [], "dependencies": ["User Registration"]},
        {"key": null, "title": "Billing dashboard", "description": "Invoices", "priority": "low",
         "acceptanceCriteria": [], "userStories": [], "dependencies": ["User Login"]}
    ]})
    .to_string()
}

/// Progress notifications as received: token, progress, total.
type ProgressLog = Arc<Mutex<Vec<(ProgressToken, f64, Option<f64>)>>>;

/// A client that offers sampling (answering with [`model_answer`]) and records progress notifications.
#[derive(Clone, Default)]
struct RecordingClient {
    sampling: bool,
    sampled: Arc<Mutex<Vec<String>>>,
    progress: ProgressLog,
}

impl ClientHandler for RecordingClient {
    fn get_info(&self) -> ClientConfig {
        let caps = if self.sampling {
            ClientCapabilities::builder().enable_sampling().build()
        } else {
            ClientCapabilities::default()
        };
        InitializeRequestParams::new(caps, Implementation::new("recording-client", "1.0"))
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        let system = params.system_prompt.clone().unwrap_or_default();
        self.sampled.lock().unwrap().push(system.clone());
        let answer = if system.contains("Product Requirements Documents") {
            prd_answer()
        } else {
            model_answer("Design the token format (sampled)")
        };
        Ok(CreateMessageResult::new(SamplingMessage::assistant_text(answer), "client-model".into()))
    }

    async fn on_progress(&self, params: ProgressNotificationParam, _context: NotificationContext<RoleClient>) {
        self.progress.lock().unwrap().push((params.progress_token, params.progress, params.total));
    }
}

/// The default workspace root of a test server: beside the SQLite file, or in the data directory on PostgreSQL.
fn default_workspace<H: rmcp::ClientHandler>(s: &common::Server<H>) -> std::path::PathBuf {
    match common::postgres() {
        None => s.dir.path().join("workspace"),
        Some(_) => s.dir.path().join(".local/share/task-orchestrator/workspace"),
    }
}

#[tokio::test]
async fn execute_code_runs_every_language_and_records_it() {
    let s = start().await;
    s.call("create_task", json!({"title": "scratch"})).await;
    let cases = [
        ("python", "print(sum(range(10)))", "45"),
        ("javascript", "console.log([1,2,3].map(x => x * 2).join(','))", "2,4,6"),
        ("typescript", "const n: number = 41; console.log(n + 1)", "42"),
        ("bash", "echo $((6 * 7))", "42"),
        ("sql", "CREATE TABLE t(a); INSERT INTO t VALUES (7),(8); SELECT sum(a) AS total FROM t;", "15"),
    ];
    for (language, code, expected) in cases {
        let r = s.call("execute_code", json!({"task_id": 1, "language": language, "code": code})).await;
        let e = &r["execution"];
        assert_eq!(e["exit_code"], 0, "{language}: {e}");
        assert!(e["output"].as_str().unwrap().contains(expected), "{language}: {e}");
        assert_eq!(e["isolation"], "namespaces", "the strongest level works on this machine");
        assert_eq!(e["timed_out"], false);
    }
    let failing =
        s.call("execute_code", json!({"task_id": 1, "language": "bash", "code": "echo oops >&2; exit 3"})).await;
    assert_eq!(failing["execution"]["exit_code"], 3);
    assert!(failing["execution"]["error"].as_str().unwrap().contains("oops"));
    assert!(failing["message"].as_str().unwrap().contains("exited with code 3"));
    let slow = s
        .call(
            "execute_code",
            json!({"task_id": 1, "language": "python", "code": "import time; time.sleep(30)", "timeout": 1}),
        )
        .await;
    assert_eq!(slow["execution"]["timed_out"], true);
    let ts = s.call("execute_code", json!({"task_id": 1, "language": "typescript", "code": "let x: = 1;"})).await;
    assert!(ts["execution"]["error"].as_str().unwrap().contains("line 1"), "{ts}");

    let history = s.call("get_task", json!({"task_id": 1, "include_executions": true})).await;
    assert_eq!(history["executions"].as_array().unwrap().len(), 8);
    assert_eq!(history["executions"][0]["language"], "python");

    // The board's directory is not a workspace root, and the refusal does not name the database file.
    let db_dir = s.dir.path().to_str().unwrap().to_string();
    let args = json!({"task_id": 1, "language": "bash", "code": "ls", "working_directory": db_dir});
    let refused = s.call_err("execute_code", args).await;
    assert!(refused.contains("working_directory") && !refused.contains("tasks.db"), "{refused}");
    // A relative working directory is created under the default workspace and kept between executions.
    let args =
        json!({"task_id": 1, "language": "bash", "code": "echo kept > note.txt; pwd", "working_directory": "w1"});
    let first = s.call("execute_code", args).await;
    let workspace = default_workspace(&s).join("w1");
    assert_eq!(first["execution"]["output"].as_str().unwrap().trim(), workspace.display().to_string(), "{first}");
    assert_eq!(std::fs::read_to_string(workspace.join("note.txt")).unwrap(), "kept\n");
    // Out-of-range timeouts are refused with the range, never a panic or a hang.
    for timeout in [
        serde_json::from_str::<serde_json::Value>("18446744073709551616").unwrap(),
        json!(1e308),
        json!(0),
        json!(-1),
        json!(0.5),
        json!(3601),
    ] {
        let args = json!({"task_id": 1, "language": "bash", "code": "true", "timeout": timeout});
        let e = s.call_err("execute_code", args).await;
        assert!(e.contains("timeout") && e.contains("from 1 to 3600"), "{timeout}: {e}");
    }
    let unknown = s.call_err("execute_code", json!({"task_id": 1, "language": "cobol", "code": "x"})).await;
    assert!(unknown.contains("unknown variant") && unknown.contains("python"), "{unknown}");
    let missing = s.call_err("execute_code", json!({"task_id": 99, "language": "bash", "code": "true"})).await;
    assert!(missing.contains("#99"), "{missing}");
    s.stop().await;
}

#[tokio::test]
async fn parse_prd_creates_tasks_once_and_reports_progress() {
    let client = RecordingClient::default();
    let s = start_with(client.clone(), &[]).await;
    let first = s.call("parse_prd", json!({"content": SPEC_PRD, "project_id": "auth-system"})).await;
    assert_eq!(first["prd"]["features"].as_array().unwrap().len(), 2);
    let created = first["created_task_ids"].as_array().unwrap().clone();
    assert_eq!(created.len(), 2, "{first}");
    let tasks = s.call("list_tasks", json!({"project_id": "auth-system", "fields": ["all"]})).await;
    let by_title =
        |title: &str| tasks["tasks"].as_array().unwrap().iter().find(|t| t["title"] == title).cloned().unwrap();
    let registration = by_title("User Registration");
    let login = by_title("User Login");
    assert_eq!(registration["priority"], 3, "High maps to 3");
    assert_eq!(login["dependencies"], json!([registration["id"]]));
    assert!(login["details"].as_str().unwrap().contains("JWT tokens are generated"));
    for draft in first["prd"]["tasks"].as_array().unwrap() {
        assert!(draft["taskId"].is_i64(), "each draft names its task: {draft}");
    }

    let again = s.call("parse_prd", json!({"content": SPEC_PRD, "project_id": "auth-system"})).await;
    assert_eq!(again["created_task_ids"], json!([]));
    assert_eq!(again["unchanged_task_ids"].as_array().unwrap().len(), 2);
    assert_eq!(again["document_id"], first["document_id"]);
    let changed = SPEC_PRD.replace("Authenticate existing users", "Authenticate users with a password or passkey");
    let third = s.call("parse_prd", json!({"content": changed, "project_id": "auth-system"})).await;
    assert_eq!(third["updated_task_ids"], json!([login["id"]]));
    assert_eq!(s.call("list_tasks", json!({"project_id": "auth-system"})).await["count"], 2, "no duplicates");

    let dry = s.call("parse_prd", json!({"content": SPEC_PRD, "project_id": "dry", "generate_tasks": false})).await;
    assert_eq!(dry["created_task_ids"], json!([]));
    assert_eq!(s.call("list_tasks", json!({"project_id": "dry"})).await["count"], 0);

    let mut params = CallToolRequestParams::new("parse_prd")
        .with_arguments(json!({"content": SPEC_PRD, "project_id": "progress"}).as_object().cloned().unwrap());
    let mut meta = RequestMetaObject::default();
    meta.set_progress_token(ProgressToken(NumberOrString::Number(7)));
    params.meta = Some(meta);
    s.client.call_tool(params).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mine = ProgressToken(NumberOrString::Number(7));
    let mut progress: Vec<(f64, Option<f64>)> =
        client.progress.lock().unwrap().iter().filter(|p| p.0 == mine).map(|p| (p.1, p.2)).collect();
    // rmcp's client runs notification handlers concurrently, so arrival order is checked by the Python SDK client in
    // CI (py_client_smoke.py --progress); here, that every step was reported.
    progress.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(progress, vec![(1.0, Some(4.0)), (2.0, Some(4.0)), (3.0, Some(4.0)), (4.0, Some(4.0))]);

    for (args, needle) in [
        (json!({"content": ""}), "empty"),
        (json!({"content": "x".repeat(1_100_000)}), "1048576"),
        (json!({"content": SPEC_PRD, "confidence_threshold": 1.5}), "threshold"),
    ] {
        let e = s.call_err("parse_prd", args).await;
        assert!(e.to_lowercase().contains(needle), "{e}");
    }
    s.stop().await;
}

#[tokio::test]
async fn complexity_and_effort_are_explained_stored_and_cached() {
    let s = start().await;
    s.call("create_task", json!({"title": "Fix typo in README"})).await;
    s.call(
        "create_task",
        json!({"title": "Migrate user auth to OAuth2 with a database schema migration, concurrent session handling and a Stripe webhook integration",
               "tags": ["security", "database"], "code_language": "typescript"}),
    )
    .await;
    let trivial = s.call("analyze_complexity", json!({"task_id": 1})).await;
    let risky = s.call("analyze_complexity", json!({"task_id": 2})).await;
    let (t, r) = (&trivial["complexity"], &risky["complexity"]);
    assert!(t["score"].as_f64().unwrap() + 2.0 < r["score"].as_f64().unwrap(), "{t} vs {r}");
    assert!(r["riskAssessment"]["risks"].as_array().unwrap().len() >= 3);
    assert!(!r["factors"]["technicalRisk"]["evidence"].as_array().unwrap().is_empty());
    assert_eq!(trivial["cached"], false);
    let again = s.call("analyze_complexity", json!({"task_id": 2})).await;
    assert_eq!(again["cached"], true);
    let effort = s.call("estimate_effort", json!({"task_id": 2})).await;
    assert_eq!(effort["estimatedHours"], r["estimatedHours"]);
    let stored = s.call("get_task", json!({"task_id": 2, "include_analysis": true})).await;
    assert_eq!(stored["analysis"][0]["kind"], "complexity");
    assert_eq!(stored["task"]["complexity_score"], r["score"]);
    s.call("update_task", json!({"task_id": 2, "description": "now with SSO too"})).await;
    assert_eq!(
        s.call("analyze_complexity", json!({"task_id": 2})).await["cached"],
        false,
        "a changed task is re-analysed"
    );

    // Scans are confined to the allowed roots: the default workspace beside the board is one of them.
    let root = default_workspace(&s).join("service");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("auth.py"), "import session\n\ndef login():\n    pass\n").unwrap();
    std::fs::write(root.join("session.py"), "def start():\n    pass\n").unwrap();
    s.call("create_task", json!({"title": "Refactor login in auth.py", "code_language": "python"})).await;
    let scanned = s.call("analyze_complexity", json!({"task_id": 3, "project_root": root})).await;
    let files: Vec<&str> =
        scanned["complexity"]["dependencies"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert!(files.contains(&"auth.py"), "{files:?}");
    let e = s.call_err("analyze_complexity", json!({"task_id": 3, "project_root": "/no/such/dir"})).await;
    assert!(e.contains("project_root"), "{e}");
    for outside in ["/", "/etc", "/var/lib/postgresql", "/root"] {
        let e = s.call_err("analyze_complexity", json!({"task_id": 3, "project_root": outside})).await;
        assert!(e.contains("project_root") && e.contains("outside the allowed roots"), "{outside}: {e}");
    }
    let e = s.call_err("estimate_effort", json!({"task_id": 42})).await;
    assert!(e.contains("#42"), "{e}");
    s.stop().await;
}

#[tokio::test]
async fn expand_task_offline_then_refuses_duplicates_then_replaces() {
    let s = start().await;
    s.call(
        "create_task",
        json!({"title": "Add user registration endpoint", "code_language": "python", "estimated_hours": 8,
               "details": "- POST /users returns 201\n- duplicate email gives 409"}),
    )
    .await;
    let r = s.call("expand_task", json!({"task_id": 1, "include_documentation": false})).await;
    assert_eq!(r["expansion"]["metadata"]["provider"], "offline");
    let ids = r["subtask_ids"].as_array().unwrap().clone();
    assert!(ids.len() >= 3, "{r}");
    assert_eq!(r["expansion"]["documentationTasks"], json!([]));
    let subs = s.call("list_tasks", json!({"parent_id": 1})).await;
    assert!(subs["count"].as_u64().unwrap() >= 3);
    assert!(
        subs["tasks"].as_array().unwrap().iter().any(|t| t["dependencies"].as_array().is_some_and(|d| !d.is_empty())),
        "siblings depend on each other"
    );
    let total: f64 =
        r["expansion"]["subtasks"].as_array().unwrap().iter().map(|t| t["estimatedEffort"].as_f64().unwrap()).sum();
    assert!((total - 8.0).abs() < 0.01, "effort split by the estimate: {total}");

    let refused = s.call_err("expand_task", json!({"task_id": 1})).await;
    assert!(refused.contains("already has") && refused.contains("replace"), "{refused}");
    let replaced = s.call("expand_task", json!({"task_id": 1, "replace": true, "depth": 1})).await;
    assert!(!replaced["replaced_task_ids"].as_array().unwrap().is_empty());
    let e = s.call_err("expand_task", json!({"task_id": 1, "temperature": 3.5, "replace": true})).await;
    assert!(e.contains("temperature"), "{e}");
    s.stop().await;
}

#[tokio::test]
async fn expand_task_uses_the_clients_model_through_sampling() {
    let client = RecordingClient { sampling: true, ..Default::default() };
    let s = start_with(client.clone(), &[]).await;
    s.call("create_task", json!({"title": "Issue JWT access tokens"})).await;
    let r = s.call("expand_task", json!({"task_id": 1})).await;
    assert_eq!(r["expansion"]["metadata"]["provider"], "sampling", "{r}");
    assert_eq!(r["expansion"]["metadata"]["model"], "client-model");
    assert_eq!(client.sampled.lock().unwrap().len(), 1);
    let subs = s.call("list_tasks", json!({"parent_id": 1, "fields": ["all"]})).await;
    let titles: Vec<&str> = subs["tasks"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, vec!["Design the token format (sampled)", "Implement token issuing"]);
    assert_eq!(subs["tasks"][1]["dependencies"], json!([subs["tasks"][0]["id"]]));
    assert!(
        subs["tasks"][1]["details"].as_str().unwrap().contains("Token expiry test"),
        "test tasks land in the subtask they test"
    );
    s.stop().await;
}

#[tokio::test]
async fn parse_prd_is_cross_checked_by_the_clients_model_through_sampling() {
    let client = RecordingClient { sampling: true, ..Default::default() };
    let s = start_with(client.clone(), &[]).await;
    let r = s.call("parse_prd", json!({"content": SPEC_PRD, "project_id": "auth"})).await;
    let parser = &r["parser"];
    assert_eq!(parser["provider"], "sampling", "{r}");
    assert_eq!(parser["model"], "client-model");
    assert_eq!(parser["calls"], 1);
    assert_eq!(parser["confirmed"], json!(["user-registration", "user-login"]));
    assert_eq!(parser["dropped"][0]["title"], "Billing dashboard");
    assert!(parser["warnings"].to_string().contains("left out 1 acceptance criteria"), "{parser}");
    assert!(r["message"].as_str().unwrap().contains("Cross-checked with sampling (client-model)"), "{r}");
    assert_eq!(client.sampled.lock().unwrap().len(), 1);
    let tasks = s.call("list_tasks", json!({"project_id": "auth"})).await;
    assert_eq!(tasks["count"], 2, "the invented feature is not on the board: {tasks}");
    let offline = s.call("parse_prd", json!({"content": SPEC_PRD, "project_id": "auth", "mode": "offline"})).await;
    assert_eq!(offline["parser"]["provider"], "offline");
    assert_eq!(client.sampled.lock().unwrap().len(), 1, "mode offline asks no model");
    let e = s.call_err("parse_prd", json!({"content": SPEC_PRD, "mode": "gpt"})).await;
    assert!(e.contains("mode"), "{e}");
    let e = s.call_err("parse_prd", json!({"content": SPEC_PRD, "chunk_tokens": 5})).await;
    assert!(e.contains("chunk_tokens"), "{e}");
    s.stop().await;
}

#[tokio::test]
async fn parse_prd_falls_back_offline_when_the_provider_fails_and_llm_mode_needs_a_model() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let mock = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).mount(&mock).await;
    let base = format!("{}/v1", mock.uri());
    let s = start_with((), &[("OPENAI_BASE_URL", &base), ("LLM_MAX_ATTEMPTS", "1")]).await;
    let r = s.call("parse_prd", json!({"content": SPEC_PRD, "project_id": "auth"})).await;
    assert_eq!(r["parser"]["provider"], "offline", "{r}");
    assert_eq!(r["parser"]["fellBack"], true);
    assert!(r["parser"]["warnings"][0].as_str().unwrap().contains("HTTP 500"), "{r}");
    assert_eq!(r["created_task_ids"].as_array().unwrap().len(), 2, "the offline parse is imported");
    s.stop().await;

    let s = start().await;
    let e = s.call_err("parse_prd", json!({"content": SPEC_PRD, "mode": "llm"})).await;
    assert!(e.contains("mode \"llm\" needs a model") && e.contains("OPENAI_API_KEY"), "{e}");
    let r = s.call("parse_prd", json!({"content": SPEC_PRD})).await;
    assert_eq!(r["parser"]["provider"], "offline", "auto without a model is the offline parse");
    assert_eq!(r["parser"]["calls"], 0);
    s.stop().await;
}

#[tokio::test]
async fn expand_task_uses_a_configured_openai_compatible_server() {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "x", "object": "chat.completion", "model": "mock-gpt",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": model_answer("Design (from the mock)")}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200}
        })))
        .mount(&mock)
        .await;
    let base = format!("{}/v1", mock.uri());
    let s = start_with((), &[("OPENAI_BASE_URL", &base), ("OPENAI_API_KEY", "sk-test-secret")]).await;
    s.call("create_task", json!({"title": "Issue JWT access tokens"})).await;
    let r = s.call("expand_task", json!({"task_id": 1, "provider": "openai"})).await;
    let meta = &r["expansion"]["metadata"];
    assert_eq!(meta["model"], "mock-gpt", "{r}");
    assert_eq!(meta["tokenUsage"]["totalTokens"], 200);
    assert!(!r.to_string().contains("sk-test-secret"), "the key never appears in results");
    assert_eq!(s.call("list_tasks", json!({"parent_id": 1})).await["tasks"][0]["title"], "Design (from the mock)");
    s.stop().await;
}

#[tokio::test]
async fn every_spec_tool_is_listed() {
    let s = start().await;
    let names: Vec<String> = s.client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.to_string()).collect();
    for tool in [
        "create_task",
        "update_task_status",
        "get_task",
        "list_tasks",
        "delete_task",
        "execute_code",
        "get_task_graph",
        "link_git_commit",
        "parse_prd",
        "analyze_complexity",
        "expand_task",
        "estimate_effort",
    ] {
        assert!(names.iter().any(|n| n == tool), "{tool} missing from {names:?}");
    }
    let _: Value = Value::Null;
    s.stop().await;
}
