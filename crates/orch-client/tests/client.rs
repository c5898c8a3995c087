//! The client against a real HTTP server on loopback (in process, real SQLite file).
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use orch_client::{ClientError, TaskOrchestratorClient};
use orch_mcp::Metrics;
use orch_mcp::dto::*;
use orch_mcp::http::{BearerToken, HttpConfig, HttpMode, HttpServer};
use orch_service::Orchestrator;
use orch_store_sqlite::SqliteStore;
use tokio::sync::oneshot;

const TOKEN: &str = "client-test-token-0123456789";

struct Running {
    url: String,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Running {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.done.await.unwrap();
    }
}

async fn start(mode: HttpMode, token: Option<&str>) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("tasks.db")).unwrap();
    let orch = Arc::new(Orchestrator::new(Arc::new(store)));
    let mut config = HttpConfig::new("127.0.0.1:0".parse().unwrap());
    config.mode = mode;
    config.token = token.map(|t| BearerToken::new(t).unwrap());
    let server = HttpServer::bind(orch, config, Arc::new(Metrics::new())).await.unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .run(async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running { url, stop: Some(tx), done, _dir: dir }
}

async fn every_tool(client: &TaskOrchestratorClient) {
    let a = client
        .create_task(CreateTaskParams { title: "Design".into(), priority: 3, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(a.task.id, 1);
    let b = client
        .create_task(CreateTaskParams { title: "Build".into(), dependencies: vec![1], ..Default::default() })
        .await
        .unwrap();
    assert_eq!(b.task.dependencies, vec![1]);

    let refused = client.update_task_status(2, StatusDto::InProgress, false).await.unwrap_err();
    assert!(matches!(&refused, ClientError::Tool { tool: "update_task_status", message } if message.contains("#1")));
    let moved = client.update_task_status(1, StatusDto::InProgress, false).await.unwrap();
    assert_eq!(moved.previous_status, StatusDto::Pending);

    let edited = client
        .update_task(UpdateTaskParams { task_id: 2, title: Some("Build API".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(edited.task.title, "Build API");

    let link = client
        .link_git_commit(LinkGitCommitParams {
            task_id: 2,
            commit_hash: "abcdef1".into(),
            commit_message: None,
            author: None,
        })
        .await
        .unwrap();
    assert!(link.created);
    let got =
        client.get_task(GetTaskParams { task_id: 2, include_executions: true, include_analysis: false }).await.unwrap();
    assert_eq!(got.commits[0].commit_hash, "abcdef1");
    assert_eq!(got.executions, Some(vec![]));

    let listed = client.list_tasks(ListTasksParams { include_metrics: true, ..Default::default() }).await.unwrap();
    assert_eq!(listed.count, 2);
    assert_eq!(listed.metrics.unwrap().by_status["in_progress"], 1);

    let graph = client
        .get_task_graph(GetTaskGraphParams { format: GraphFormatDto::Mermaid, ..Default::default() })
        .await
        .unwrap();
    assert!(matches!(&graph.graph, GraphDto::Text(t) if t.contains("flowchart")), "{:?}", graph.graph);
    assert_eq!(graph.edges, vec![EdgeDto { from: 1, to: 2 }]);

    let refused = client.delete_task(1, false).await.unwrap_err();
    assert!(matches!(refused, ClientError::Tool { tool: "delete_task", .. }));
    let deleted = client.delete_task(1, true).await.unwrap();
    assert_eq!(deleted.deleted, vec![1]);
    assert_eq!(deleted.detached_dependents, vec![2]);
    let missing = client.get_task(GetTaskParams { task_id: 1, include_executions: false, include_analysis: false });
    assert!(matches!(missing.await.unwrap_err(), ClientError::Tool { .. }));
}

#[tokio::test]
async fn every_task_tool_and_the_health_endpoints_in_session_mode() {
    let server = start(HttpMode::Session, None).await;
    let client = TaskOrchestratorClient::new(&server.url, None).unwrap();
    let live = client.health_check().await.unwrap();
    assert_eq!(live.status, "ok");
    assert_eq!(live.version, env!("CARGO_PKG_VERSION"));
    every_tool(&client).await;

    let ready = client.check_database_health().await.unwrap();
    assert!(ready.ready && ready.database.ok && ready.schema.unwrap().ok);
    let m = client.get_performance_metrics().await.unwrap();
    assert_eq!(m.get(r#"task_orchestrator_tool_calls_total{tool="create_task",outcome="ok"}"#), Some(2.0));
    assert_eq!(m.get(r#"task_orchestrator_tool_calls_total{tool="delete_task",outcome="tool_error"}"#), Some(1.0));
    assert_eq!(m.sum("task_orchestrator_tool_calls_total", &[]), 12.0);
    assert_eq!(m.get(r#"task_orchestrator_tasks{status="pending"}"#), Some(1.0));
    assert_eq!(m.sum("task_orchestrator_tasks", &[]), 1.0);
    client.close().await;
    server.stop().await;
}

#[tokio::test]
async fn every_task_tool_in_stateless_mode() {
    let server = start(HttpMode::Stateless, None).await;
    let client = TaskOrchestratorClient::new(&format!("{}/mcp", server.url), None).unwrap();
    every_tool(&client).await;
    client.close().await;
    server.stop().await;
}

#[tokio::test]
async fn the_token_is_sent_and_required() {
    let server = start(HttpMode::Session, Some(TOKEN)).await;
    let anonymous = TaskOrchestratorClient::new(&server.url, None).unwrap();
    // Probes stay open; data does not.
    assert_eq!(anonymous.health_check().await.unwrap().status, "ok");
    assert!(anonymous.check_database_health().await.unwrap().ready);
    let err = anonymous.get_performance_metrics().await.unwrap_err();
    assert!(matches!(err, ClientError::Status { status: 401, .. }), "{err}");
    let err = anonymous.list_tasks(ListTasksParams::default()).await.unwrap_err();
    assert!(matches!(err, ClientError::Connect { .. }), "{err}");

    let wrong = TaskOrchestratorClient::new(&server.url, Some("wrong-token-0123456789")).unwrap();
    assert!(matches!(wrong.list_tasks(ListTasksParams::default()).await.unwrap_err(), ClientError::Connect { .. }));

    let client = TaskOrchestratorClient::new(&server.url, Some(TOKEN)).unwrap();
    assert_eq!(client.list_tasks(ListTasksParams::default()).await.unwrap().count, 0);
    assert!(client.get_performance_metrics().await.unwrap().samples.len() > 3);
    client.close().await;
    server.stop().await;
}
