//! End-to-end: resources, subscriptions and prompts of the real binary, over stdio and Streamable HTTP, with rmcp's
//! client.
#![allow(clippy::unwrap_used, missing_docs, deprecated)]

mod common;

use std::time::Duration;

use common::http::{Options, start as start_http};
use rmcp::model::{
    CallToolRequestParams, ErrorCode, GetPromptRequestParams, GetPromptResult, ReadResourceRequestParams,
    ResourceContents, ResourceUpdatedNotificationParam, SubscribeRequestParams, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, RoleClient, ServiceError, ServiceExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// A client that forwards every `notifications/resources/updated` to a channel.
#[derive(Clone)]
struct Watcher(mpsc::UnboundedSender<String>);

impl ClientHandler for Watcher {
    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.0.send(params.uri);
    }
}

fn watcher() -> (Watcher, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Watcher(tx), rx)
}

type Client<H> = RunningService<RoleClient, H>;

async fn call<H: ClientHandler>(c: &Client<H>, name: &str, args: Value) -> Value {
    let r = c
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args.as_object().cloned().unwrap()))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{name} {args}: {:?}", r.content);
    r.structured_content.unwrap()
}

async fn read<H: ClientHandler>(c: &Client<H>, uri: &str) -> (String, String) {
    let r = c.read_resource(ReadResourceRequestParams::new(uri)).await.unwrap_or_else(|e| panic!("{uri}: {e}"));
    assert_eq!(r.contents.len(), 1, "{uri}");
    match &r.contents[0] {
        ResourceContents::TextResourceContents { uri: got, mime_type, text, .. } => {
            assert_eq!(got, uri);
            (mime_type.clone().unwrap(), text.clone())
        }
        other => panic!("{uri}: not text: {other:?}"),
    }
}

async fn read_json<H: ClientHandler>(c: &Client<H>, uri: &str) -> Value {
    let (mime, text) = read(c, uri).await;
    assert_eq!(mime, "application/json", "{uri}");
    serde_json::from_str(&text).unwrap()
}

fn ids(ready: &Value) -> Vec<i64> {
    ready["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

fn mcp_error(e: ServiceError) -> rmcp::ErrorData {
    match e {
        ServiceError::McpError(e) => e,
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

async fn read_error<H: ClientHandler>(c: &Client<H>, uri: &str) -> rmcp::ErrorData {
    mcp_error(c.read_resource(ReadResourceRequestParams::new(uri)).await.unwrap_err())
}

async fn prompt<H: ClientHandler>(c: &Client<H>, name: &str, args: Value) -> Result<GetPromptResult, rmcp::ErrorData> {
    c.get_prompt(GetPromptRequestParams::new(name).with_arguments(args.as_object().cloned().unwrap()))
        .await
        .map_err(mcp_error)
}

/// The next update, failing after `limit`.
async fn next_update(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("no notifications/resources/updated within 10 s")
        .expect("channel open")
}

/// Everything the listings, reads and prompts promise, on one board.
async fn listings_reads_and_prompts<H: ClientHandler>(c: &Client<H>) {
    let resources = c.list_all_resources().await.unwrap();
    let listed: Vec<_> = resources.iter().map(|r| (r.uri.as_str(), r.mime_type.as_deref().unwrap())).collect();
    assert_eq!(listed, [("board://ready", "application/json"), ("board://graph", "text/vnd.mermaid")]);
    let templates = c.list_all_resource_templates().await.unwrap();
    let listed: Vec<_> = templates.iter().map(|t| t.uri_template.as_str()).collect();
    assert_eq!(listed, ["task://{task_id}", "project://{project_id}/ready", "project://{project_id}/graph"]);
    let prompts = c.list_all_prompts().await.unwrap();
    let names: Vec<_> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["plan_prd", "work_next_task", "review_task"]);
    let plan = prompts.iter().find(|p| p.name == "plan_prd").unwrap().arguments.clone().unwrap();
    assert_eq!(
        plan.iter().map(|a| (a.name.as_str(), a.required)).collect::<Vec<_>>(),
        [("prd", Some(true)), ("project_id", Some(false))]
    );

    // A board: design <- build (high priority) in the default project, and a task in "ops".
    let design = call(c, "create_task", json!({"title": "Design schema", "priority": 1})).await["task"]["id"].clone();
    let build = call(c, "create_task", json!({"title": "Build API", "priority": 4, "dependencies": [design]})).await;
    let build = build["task"]["id"].clone();
    let ops = call(c, "create_task", json!({"title": "Set up CI", "priority": 3, "project_id": "ops team"})).await;
    let ops = ops["task"]["id"].clone();

    let ready = read_json(c, "board://ready").await;
    assert_eq!(ids(&ready), [ops.as_i64().unwrap(), design.as_i64().unwrap()], "priority first; build waits");
    assert_eq!(ready["count"], 2);
    assert!(ready.get("project_id").is_none());
    let ops_ready = read_json(c, "project://ops%20team/ready").await;
    assert_eq!((ids(&ops_ready), &ops_ready["project_id"]), (vec![ops.as_i64().unwrap()], &json!("ops team")));
    call(c, "update_task_status", json!({"task_id": design, "status": "in_progress"})).await;
    assert_eq!(ids(&read_json(c, "project://default-project/ready").await), Vec::<i64>::new());
    call(c, "update_task_status", json!({"task_id": design, "status": "completed"})).await;
    assert_eq!(ids(&read_json(c, "project://default-project/ready").await), [build.as_i64().unwrap()]);

    // task:// is what get_task returns.
    let task = read_json(c, &format!("task://{design}")).await;
    assert_eq!(task, call(c, "get_task", json!({"task_id": design})).await);
    let (mime, graph) = read(c, "board://graph").await;
    assert_eq!(mime, "text/vnd.mermaid");
    assert!(graph.starts_with("flowchart") && graph.contains("Build API") && graph.contains("Set up CI"), "{graph}");
    let (_, ops_graph) = read(c, "project://ops%20team/graph").await;
    assert!(ops_graph.contains("Set up CI") && !ops_graph.contains("Build API"), "{ops_graph}");

    let missing = read_error(c, "task://999999").await;
    assert_eq!(missing.code, ErrorCode::RESOURCE_NOT_FOUND, "{missing:?}");
    assert!(missing.message.contains("999999"), "{missing:?}");
    for bad in ["task://abc", "file:///etc/passwd", "board://nope", "project://x/other", &"x".repeat(100_000)] {
        let e = read_error(c, bad).await;
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{bad}: {e:?}");
        assert!(e.message.contains("task://{task_id}") && e.message.len() < 600, "{e:?}");
    }

    // Prompts, with their arguments in the text.
    let p = prompt(c, "plan_prd", json!({"prd": "# Shop\n## Features\n### Cart", "project_id": "shop"})).await.unwrap();
    let text = p.messages[0].content.as_text().unwrap().text.clone();
    assert!(text.contains("parse_prd") && text.contains("\"shop\"") && text.contains("### Cart"), "{text}");
    let p = prompt(c, "work_next_task", json!({"assignee": "agent-7"})).await.unwrap();
    let text = p.messages[0].content.as_text().unwrap().text.clone();
    assert!(text.contains("get_next_task") && text.contains("agent-7") && text.contains("default-project"), "{text}");
    let p = prompt(c, "review_task", json!({"task_id": design.to_string()})).await.unwrap();
    assert!(p.messages[0].content.as_text().unwrap().text.contains(&format!("#{design}")));
    let embedded = serde_json::to_value(&p.messages[1].content).unwrap();
    assert_eq!(embedded["resource"]["uri"], format!("task://{design}"));
    let embedded: Value = serde_json::from_str(embedded["resource"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(embedded["task"]["title"], "Design schema");

    for (name, args, expect) in [
        ("plan_prd", json!({}), "argument prd is required"),
        ("plan_prd", json!({"prd": "x", "projct": "y"}), "unknown argument 'projct'"),
        ("review_task", json!({"task_id": "twelve"}), "positive integer"),
        ("review_task", json!({"task_id": "999999"}), "does not exist"),
        ("nope", json!({}), "plan_prd, work_next_task and review_task"),
        ("plan_prd", json!({"prd": "x".repeat(200_001)}), "more than the 200000"),
        ("review_task", json!({"task_id": ["1"]}), "must be a string"),
    ] {
        let e = prompt(c, name, args.clone()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{name} {args}: {e:?}");
        assert!(e.message.contains(expect), "{name} {args}: {}", e.message);
    }
}

/// A subscriber sees changes to what it watches, and only those, until it unsubscribes.
async fn subscriptions<W: ClientHandler, H: ClientHandler>(
    subscriber: &Client<W>,
    updates: &mut mpsc::UnboundedReceiver<String>,
    writer: &Client<H>,
) {
    let a = call(writer, "create_task", json!({"title": "Watched", "project_id": "sub"})).await["task"]["id"].clone();
    let task_uri = format!("task://{a}");
    subscriber.subscribe(SubscribeRequestParams::new(&task_uri)).await.unwrap();
    subscriber.subscribe(SubscribeRequestParams::new("project://sub/ready")).await.unwrap();

    call(writer, "update_task", json!({"task_id": a, "description": "now with a description"})).await;
    let mut got = vec![next_update(updates).await, next_update(updates).await];
    got.sort();
    assert_eq!(got, ["project://sub/ready".to_string(), task_uri.clone()], "both views of the task changed");

    // A change elsewhere, and a refused call, send nothing; the next update is the next real change.
    call(writer, "create_task", json!({"title": "elsewhere", "project_id": "other"})).await;
    let refused = writer
        .call_tool(
            CallToolRequestParams::new("update_task_status")
                .with_arguments(json!({"task_id": a, "status": "done"}).as_object().cloned().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    call(writer, "create_task", json!({"title": "Second", "project_id": "sub"})).await;
    assert_eq!(next_update(updates).await, "project://sub/ready");

    subscriber.unsubscribe(UnsubscribeRequestParams::new(&task_uri)).await.unwrap();
    subscriber.unsubscribe(UnsubscribeRequestParams::new("task://424242")).await.unwrap();
    call(writer, "update_task", json!({"task_id": a, "title": "Watched, renamed"})).await;
    assert_eq!(next_update(updates).await, "project://sub/ready", "task:// was unsubscribed");
    // Deleting the task changes the ready list; nothing else is still watched.
    subscriber.subscribe(SubscribeRequestParams::new(&task_uri)).await.unwrap();
    call(writer, "delete_task", json!({"task_id": a})).await;
    let mut got = vec![next_update(updates).await, next_update(updates).await];
    got.sort();
    assert_eq!(got, ["project://sub/ready".to_string(), task_uri.clone()], "a deleted task is an update too");
    assert!(tokio::time::timeout(Duration::from_millis(300), updates.recv()).await.is_err(), "nothing more");

    let e = mcp_error(subscriber.subscribe(SubscribeRequestParams::new("task://999999")).await.unwrap_err());
    assert_eq!(e.code, ErrorCode::RESOURCE_NOT_FOUND, "{e:?}");
    let e = mcp_error(subscriber.subscribe(SubscribeRequestParams::new("nope://x")).await.unwrap_err());
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{e:?}");
}

#[tokio::test]
async fn resources_and_prompts_over_stdio() {
    let s = common::start().await;
    let caps = s.client.peer_info().unwrap().capabilities.clone();
    assert_eq!(caps.resources.as_ref().and_then(|r| r.subscribe), Some(true));
    assert!(caps.prompts.is_some());
    listings_reads_and_prompts(&s.client).await;
    s.stop().await;
}

#[tokio::test]
async fn a_subscription_over_stdio_receives_updates_after_task_changes() {
    let (handler, mut updates) = watcher();
    let s = common::start_with(handler, &[]).await;
    subscriptions(&s.client, &mut updates, &s.client).await;
    s.stop().await;
}

#[tokio::test]
async fn a_session_may_watch_at_most_256_resources() {
    let s = common::start().await;
    for i in 0..256 {
        s.client.subscribe(SubscribeRequestParams::new(format!("project://p{i}/ready"))).await.unwrap();
    }
    // Subscribing again to a watched URI is not one more.
    s.client.subscribe(SubscribeRequestParams::new("project://p0/ready")).await.unwrap();
    let e = mcp_error(s.client.subscribe(SubscribeRequestParams::new("board://ready")).await.unwrap_err());
    assert!(e.message.contains("256") && e.message.contains("unsubscribe"), "{e:?}");
    s.client.unsubscribe(UnsubscribeRequestParams::new("project://p1/ready")).await.unwrap();
    s.client.subscribe(SubscribeRequestParams::new("board://ready")).await.unwrap();
    s.stop().await;
}

async fn http_client<H: ClientHandler>(url: &str, handler: H) -> Client<H> {
    handler.serve(StreamableHttpClientTransport::from_uri(url.to_string())).await.expect("MCP handshake over HTTP")
}

#[tokio::test]
async fn resources_prompts_and_subscriptions_over_http_in_session_mode() {
    let server = start_http(Options::default()).await;
    let writer = http_client(&server.url(), ()).await;
    listings_reads_and_prompts(&writer).await;
    // The subscriber and the writer are different sessions: a write in one notifies the other.
    let (handler, mut updates) = watcher();
    let subscriber = http_client(&server.url(), handler).await;
    subscriptions(&subscriber, &mut updates, &writer).await;
    // A session that goes away is dropped from the subscriptions; the others still get theirs.
    let (handler, mut gone_updates) = watcher();
    let gone = http_client(&server.url(), handler).await;
    gone.subscribe(SubscribeRequestParams::new("board://ready")).await.unwrap();
    subscriber.subscribe(SubscribeRequestParams::new("board://ready")).await.unwrap();
    gone.cancel().await.unwrap();
    call(&writer, "create_task", json!({"title": "after the other left"})).await;
    assert_eq!(next_update(&mut updates).await, "board://ready");
    assert!(gone_updates.try_recv().is_err());
    subscriber.cancel().await.unwrap();
    writer.cancel().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn stateless_http_reads_and_prompts_but_refuses_subscriptions() {
    let server = start_http(Options { stateless: true, ..Default::default() }).await;
    let c = http_client(&server.url(), ()).await;
    listings_reads_and_prompts(&c).await;
    let e = mcp_error(c.subscribe(SubscribeRequestParams::new("board://ready")).await.unwrap_err());
    assert!(e.message.contains("stateless") && e.message.contains("read the resource again"), "{e:?}");
    c.cancel().await.unwrap();
    server.stop().await;
}
