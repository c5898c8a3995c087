//! The web board in a real headless Chromium (Debian's `chromium` and `chromium-driver`), against the real binary
//! serving `serve --http`, with a real MCP client on the same port: the board shows the tasks, a task created over
//! MCP appears live, a status change on the page is what MCP reads, the graph draws the edges, foreign origins and
//! cross-site writes are refused, and the token flow works. The run writes the README's screenshots.
//!
//! Without a browser these tests print why and pass; with `TEST_BROWSER=1` (CI) a missing browser fails them.
//! `CHROMIUM` and `CHROMEDRIVER` override the binaries' paths. On PostgreSQL: `E2E_BACKEND=postgres`.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::http::{self, Options};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const TOKEN: &str = "board-test-token-0123456789";

/// A chromedriver process and a browser session on it; both end when dropped.
struct Browser {
    client: Client,
    _driver: tokio::process::Child,
}

fn binary(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default));
    path.exists().then_some(path)
}

/// The browser, or `None` (with a note) when it is not installed and `TEST_BROWSER` does not demand it.
async fn browser(width: u32, height: u32) -> Option<Browser> {
    let (Some(chromium), Some(driver)) =
        (binary("CHROMIUM", "/usr/bin/chromium"), binary("CHROMEDRIVER", "/usr/bin/chromedriver"))
    else {
        let demanded = std::env::var("TEST_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !demanded,
            "TEST_BROWSER=1 but chromium or chromedriver is missing: apt-get install -y chromium chromium-driver"
        );
        eprintln!("skipping the browser test: install chromium and chromium-driver (or set CHROMIUM/CHROMEDRIVER)");
        return None;
    };
    let port = http::free_port();
    let mut child = tokio::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(child.try_wait().unwrap().is_none(), "chromedriver exited at start");
        assert!(Instant::now() < deadline, "chromedriver did not listen within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--hide-scrollbars", format!("--window-size={width},{height}")],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("start a Chromium session");
    client.set_window_size(width, height).await.unwrap();
    Some(Browser { client, _driver: child })
}

async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .every(Duration::from_millis(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// Polls `f` until it is true (at most 10 s).
async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f().await {
        assert!(Instant::now() < deadline, "{what} did not happen within 10 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Finds and clicks, again if a live update re-rendered the element in between.
async fn click(c: &Client, locator: Locator<'_>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = match c.find(locator).await {
            Ok(e) => e.click().await,
            Err(e) => Err(e),
        };
        match attempt {
            Ok(()) => return,
            Err(e) => assert!(Instant::now() < deadline, "cannot click {locator:?}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Finds an input and types into it, again if a live update re-rendered it in between.
async fn type_into(c: &Client, css: &str, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = match c.find(Locator::Css(css)).await {
            Ok(e) => e.send_keys(text).await,
            Err(e) => Err(e),
        };
        match attempt {
            Ok(()) => return,
            Err(e) => assert!(Instant::now() < deadline, "cannot type into {css}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The text of the element `css` now (empty when it is missing or being re-rendered).
async fn text_of(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
}

async fn shoot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::create_dir_all(screenshots()).unwrap();
    std::fs::write(screenshots().join(name), png).unwrap();
}

async fn create(mcp: &http::Client, args: Value) -> i64 {
    mcp.call("create_task", args).await["task"]["id"].as_i64().unwrap()
}

async fn status_over_mcp(mcp: &http::Client, id: i64) -> String {
    mcp.call("get_task", json!({"task_id": id})).await["task"]["status"].as_str().unwrap().to_string()
}

/// A small plan with every status, tags, estimates and a dependency chain (the screenshots show it).
async fn seed(mcp: &http::Client) -> Vec<i64> {
    let schema =
        create(mcp, json!({"title": "Design the task schema", "priority": 4, "tags": ["db"], "estimated_hours": 4}))
            .await;
    let migrations = create(mcp, json!({"title": "Write the migrations", "priority": 3, "tags": ["db"], "dependencies": [schema], "estimated_hours": 3})).await;
    let api = create(mcp, json!({"title": "HTTP API for tasks", "priority": 3, "tags": ["api"], "dependencies": [migrations], "estimated_hours": 6})).await;
    let login = create(
        mcp,
        json!({"title": "Login page", "priority": 2, "tags": ["web"], "dependencies": [api], "estimated_hours": 5}),
    )
    .await;
    let docs =
        create(mcp, json!({"title": "API reference docs", "priority": 1, "tags": ["docs"], "dependencies": [api]}))
            .await;
    let ci = create(mcp, json!({"title": "CI pipeline", "priority": 2, "tags": ["ops"], "estimated_hours": 2})).await;
    let load =
        create(mcp, json!({"title": "Load test the API", "priority": 1, "tags": ["ops"], "dependencies": [api, ci]}))
            .await;
    let vendor = create(mcp, json!({"title": "Pick an e-mail vendor", "priority": 2, "tags": ["research"]})).await;
    mcp.call("update_task_status", json!({"task_id": schema, "status": "completed"})).await;
    mcp.call("update_task_status", json!({"task_id": ci, "status": "in_progress"})).await;
    mcp.call("update_task_status", json!({"task_id": vendor, "status": "blocked"})).await;
    vec![schema, migrations, api, login, docs, ci, load, vendor]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_shows_the_plan_live_and_acts_through_the_service() {
    let Some(b) = browser(1280, 860).await else { return };
    let c = &b.client;
    let server = http::start(Options::default()).await;
    let mcp = server.client(None).await;
    let ids = seed(&mcp).await;
    let [schema, migrations, api, ..] = ids[..] else { unreachable!() };

    // The board renders every task, in its status column, with the testable contract's attributes.
    c.goto(&server.base()).await.unwrap();
    wait_for(c, &format!(r#"article.card[data-task-id="{}"]"#, ids[7])).await;
    for id in &ids {
        wait_for(c, &format!(r#"article.card[data-task-id="{id}"]"#)).await;
    }
    // Live updates may re-render a card between finding it and reading it: read again until it holds.
    eventually("the completed column holds the schema task", || async {
        match c.find(Locator::Css(r#"section.column[data-status="completed"] article.card"#)).await {
            Ok(done) => done.attr("data-task-id").await.ok().flatten() == Some(schema.to_string()),
            Err(_) => false,
        }
    })
    .await;
    let ready_css = format!(r#"article.card[data-task-id="{migrations}"] .ready"#);
    eventually("the migrations card is marked ready", || async { text_of(c, &ready_css).await == "Ready" }).await;
    wait_for(c, "#live.on").await;

    // Page weight: everything the first load transferred (the event stream excluded: it never ends).
    let weight = js(
        c,
        "const nav = performance.getEntriesByType('navigation')[0];
         const res = performance.getEntriesByType('resource').filter(r => !r.name.includes('/api/events'));
         return {bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
                 requests: 1 + res.length, body: nav.encodedBodySize + res.reduce((n, r) => n + r.encodedBodySize, 0)};",
    )
    .await;
    eprintln!("page weight on first load: {weight}");
    assert!(weight["bytes"].as_f64().unwrap() > 10_000.0, "the page, script, style and board were loaded: {weight}");
    shoot(c, "board.png").await;

    // A task created over MCP appears without a reload; time from the tool's answer to the card on the page.
    let (mut latencies, mut live_ids) = (Vec::new(), Vec::new());
    for i in 0..5 {
        let id = create(&mcp, json!({"title": format!("Created over MCP {i}"), "tags": ["live"]})).await;
        live_ids.push(id);
        let written = Instant::now();
        let css = format!(r#"article.card[data-task-id="{id}"]"#);
        eventually("the new card", || async { c.find(Locator::Css(&css)).await.is_ok() }).await;
        latencies.push(written.elapsed().as_secs_f64() * 1000.0);
    }
    eprintln!(
        "MCP write to page: median {:.0} ms, max {:.0} ms over {} writes",
        median(latencies.clone()),
        latencies.iter().copied().fold(0.0, f64::max),
        latencies.len()
    );
    assert!(latencies.iter().all(|ms| *ms < 2000.0), "{latencies:?}");

    // A status change from the page is what MCP reads: open the card, press "Start".
    click(c, Locator::Css(&format!(r#"article.card[data-task-id="{migrations}"] button.open"#))).await;
    wait_for(c, &format!(r#"#detail-title[data-task-id="{migrations}"]"#)).await;
    click(c, Locator::XPath(r#"//aside[@id="detail"]//button[normalize-space()="Start"]"#)).await;
    eventually("the status change over MCP", || async { status_over_mcp(&mcp, migrations).await == "in_progress" })
        .await;
    wait_for(c, &format!(r#"section.column[data-status="in_progress"] article.card[data-task-id="{migrations}"]"#))
        .await;

    click(c, Locator::Css(r#"button[aria-label="Close task detail"]"#)).await;

    // A refused action shows the server's words: making the schema depend on the API closes a cycle.
    click(c, Locator::Css(&format!(r#"article.card[data-task-id="{schema}"] button.open"#))).await;
    wait_for(c, &format!(r#"#detail-title[data-task-id="{schema}"]"#)).await;
    if c.find(Locator::Css("#add-dependency")).await.is_err() {
        shoot(c, "failure.png").await;
        panic!("no dependency field in the panel: {}", text_of(c, "#detail").await);
    }
    type_into(c, "#add-dependency", &api.to_string()).await;
    click(c, Locator::XPath(r#"//button[normalize-space()="Add dependency"]"#)).await;
    eventually("the cycle error", || async { text_of(c, "#detail-error").await.contains("cycle") }).await;
    let message = text_of(c, "#detail-error").await;
    assert!(message.contains(&format!("#{schema} -> #{api}")), "{message}");

    click(c, Locator::Css(r#"button[aria-label="Close task detail"]"#)).await;

    // Claim from the page; MCP sees the assignee, and the panel offers Release.
    let fresh = live_ids[0];
    click(c, Locator::Css(&format!(r#"article.card[data-task-id="{fresh}"] button.open"#))).await;
    wait_for(c, &format!(r#"#detail-title[data-task-id="{fresh}"]"#)).await;
    type_into(c, "#claim-assignee", "ana").await;
    click(c, Locator::XPath(r#"//aside[@id="detail"]//button[normalize-space()="Claim"]"#)).await;
    eventually("the claim over MCP", || async {
        mcp.call("get_task", json!({"task_id": fresh})).await["task"]["assignee"] == "ana"
    })
    .await;
    wait_for(c, &format!(r#"article.card[data-task-id="{fresh}"][data-status="in_progress"]"#)).await;
    c.find(Locator::XPath(r#"//aside[@id="detail"]//button[normalize-space()="Release"]"#)).await.unwrap();
    click(c, Locator::Css(r#"button[aria-label="Close task detail"]"#)).await;

    // A change made over MCP while the detail panel is open refreshes it.
    click(c, Locator::Css(&format!(r#"article.card[data-task-id="{api}"] button.open"#))).await;
    wait_for(c, &format!(r#"#detail-title[data-task-id="{api}"]"#)).await;
    mcp.call("link_git_commit", json!({"task_id": api, "commit_hash": "0123456789abcdef0123456789abcdef01234567", "commit_message": "api: task routes"})).await;
    eventually("the commit in the panel", || async { text_of(c, "#detail").await.contains("api: task routes") }).await;
    shoot(c, "detail.png").await;
    click(c, Locator::Css(r#"button[aria-label="Close task detail"]"#)).await;

    // The graph view, by its link: one path per dependency edge, the critical path marked, click opens a task.
    click(c, Locator::LinkText("Graph")).await;
    wait_for(c, "#graph g.node").await;
    let graph = mcp.call("get_task_graph", json!({})).await;
    let edge_count = graph["edges"].as_array().map(Vec::len).unwrap_or_else(|| panic!("edges in {graph}"));
    eventually("every edge drawn", || async {
        c.find_all(Locator::Css("#graph path.edge")).await.unwrap().len() == edge_count
    })
    .await;
    assert!(!c.find_all(Locator::Css("#graph path.edge.critical")).await.unwrap().is_empty(), "critical path drawn");
    let edge = c.find(Locator::Css(&format!(r#"#graph path.edge[data-from="{migrations}"][data-to="{api}"]"#))).await;
    assert!(edge.is_ok(), "the edge api -> migrations is drawn");
    assert_eq!(c.find_all(Locator::Css("#graph g.node[data-task-id]")).await.unwrap().len(), ids.len() + 5);
    shoot(c, "graph.png").await;
    click(c, Locator::Css(&format!(r#"#graph g.node[data-task-id="{api}"]"#))).await;
    wait_for(c, &format!(r#"#detail-title[data-task-id="{api}"]"#)).await;

    click(c, Locator::Css(r#"button[aria-label="Close task detail"]"#)).await;

    // Wide and laptop screens: nothing overflows sideways.
    for (w, h) in [(1920, 1080), (1280, 800)] {
        c.set_window_size(w, h).await.unwrap();
        let overflow =
            js(c, "return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow at {w}px: {overflow}");
    }

    // PRD import from the page: preview first (nothing created), then create.
    click(c, Locator::LinkText("Import PRD")).await;
    let prd = "# Shop\n\n## Features\n### Cart\n- Priority: High\n- Description: Keep items\n\n### Checkout\n- Priority: Medium\n- Description: Pay\n- Depends on: Cart\n";
    c.find(Locator::Css("#prd-project")).await.unwrap().send_keys("shop").await.unwrap();
    c.find(Locator::Css("#prd-text")).await.unwrap().send_keys(prd).await.unwrap();
    click(c, Locator::XPath(r#"//button[normalize-space()="Preview"]"#)).await;
    wait_for(c, r#"table[aria-label="Tasks to create"] tbody tr"#).await;
    assert_eq!(c.find_all(Locator::Css(r#"table[aria-label="Tasks to create"] tbody tr"#)).await.unwrap().len(), 2);
    let listed = mcp.call("list_tasks", json!({"project_id": "shop"})).await;
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 0, "the preview created nothing: {listed}");
    click(c, Locator::Id("prd-import")).await;
    eventually("the imported tasks", || async {
        c.find_all(Locator::Css("#view-board article.card")).await.map(|v| v.len()).unwrap_or(0) == 2
    })
    .await;
    let listed = mcp.call("list_tasks", json!({"project_id": "shop"})).await;
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 2, "{listed}");

    mcp.close().await;
    b.client.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_asks_for_the_token_once_and_keeps_it_for_the_session() {
    let Some(b) = browser(1280, 800).await else { return };
    let c = &b.client;
    let server =
        http::start(Options { env: vec![("TASK_ORCHESTRATOR_TOKEN".into(), TOKEN.into())], ..Default::default() })
            .await;
    let mcp = server.client(Some(TOKEN)).await;
    let id = create(&mcp, json!({"title": "Behind the token"})).await;

    c.goto(&server.base()).await.unwrap();
    wait_for(c, "dialog#login[open]").await;
    assert!(c.find(Locator::Css("article.card")).await.is_err(), "no data before the token");
    c.find(Locator::Css("#login-token")).await.unwrap().send_keys("wrong-token-0000000000").await.unwrap();
    click(c, Locator::XPath(r#"//button[normalize-space()="Unlock"]"#)).await;
    eventually("the wrong-token message", || async { text_of(c, "#login-error").await.contains("not the server") })
        .await;
    let input = c.find(Locator::Css("#login-token")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(TOKEN).await.unwrap();
    click(c, Locator::XPath(r#"//button[normalize-space()="Unlock"]"#)).await;
    wait_for(c, &format!(r#"article.card[data-task-id="{id}"]"#)).await;
    wait_for(c, "#live.on").await;

    // The token is not readable by scripts, and a reload needs no second prompt.
    let cookies = js(c, "return document.cookie;").await;
    assert!(!cookies.as_str().unwrap().contains(TOKEN), "the session cookie is HttpOnly: {cookies}");
    c.refresh().await.unwrap();
    wait_for(c, &format!(r#"article.card[data-task-id="{id}"]"#)).await;
    assert!(c.find(Locator::Css("dialog#login[open]")).await.is_err(), "asked again after a reload");

    // Live updates flow through the cookie-authenticated event stream.
    let live = create(&mcp, json!({"title": "Live behind the token"})).await;
    wait_for(c, &format!(r#"article.card[data-task-id="{live}"]"#)).await;

    mcp.close().await;
    b.client.close().await.unwrap();
    server.stop().await;
}

/// A board write with `extra` header lines.
async fn post(server: &http::HttpServer, path: &str, extra: &[&str], json: &str) -> http::Raw {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}",
        server.addr,
        json.len()
    );
    for h in extra {
        head.push_str("\r\n");
        head.push_str(h);
    }
    http::raw(server.addr, &head, json.as_bytes()).await
}

#[tokio::test]
async fn board_writes_refuse_foreign_origins_and_cross_site_requests() {
    let server = http::start(Options::default()).await;
    let mcp = server.client(None).await;
    let id = create(&mcp, json!({"title": "t"})).await;
    let path = format!("/api/tasks/{id}/status");
    let body = r#"{"status":"blocked"}"#;
    let own = format!("Origin: http://{}", server.addr);

    let foreign = post(&server, &path, &["X-Orch-Board: 1", "Origin: http://evil.example"], body).await;
    assert_eq!(foreign.status, 403, "{foreign:?}");
    let other_port = post(&server, &path, &["X-Orch-Board: 1", "Origin: http://127.0.0.1:1"], body).await;
    assert_eq!(other_port.status, 403, "an allowed origin that is not the board's: {other_port:?}");
    let no_header = post(&server, &path, &[&own], body).await;
    assert_eq!(no_header.status, 403, "a form post cannot set the CSRF header: {no_header:?}");
    assert!(no_header.body.contains("X-Orch-Board"), "{}", no_header.body);
    let cross = post(&server, &path, &["X-Orch-Board: 1", "Sec-Fetch-Site: cross-site"], body).await;
    assert_eq!(cross.status, 403, "{cross:?}");
    let rebinding = http::raw(server.addr, "GET / HTTP/1.1\r\nHost: evil.example", b"").await;
    assert_eq!(rebinding.status, 403, "the server's Host allow-list covers the board: {rebinding:?}");
    assert_eq!(status_over_mcp(&mcp, id).await, "pending", "nothing refused was applied");

    let ok = post(&server, &path, &["X-Orch-Board: 1", &own], body).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(status_over_mcp(&mcp, id).await, "blocked");
    let bad = post(&server, &path, &["X-Orch-Board: 1"], r#"{"status":"done"}"#).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert!(bad.body.contains("use one of: pending, in_progress, blocked, completed"), "{}", bad.body);
    let missing = post(&server, "/api/tasks/999/status", &["X-Orch-Board: 1"], body).await;
    assert_eq!(missing.status, 404, "{missing:?}");
    let junk = post(&server, &path, &["X-Orch-Board: 1"], "{not json").await;
    assert_eq!(junk.status, 400, "{junk:?}");

    let page = http::get(server.addr, "/", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-security-policy").unwrap().contains("script-src 'self'"), "{page:?}");
    mcp.close().await;
    server.stop().await;
}

#[tokio::test]
async fn with_a_token_only_the_page_is_open() {
    let server =
        http::start(Options { env: vec![("TASK_ORCHESTRATOR_TOKEN".into(), TOKEN.into())], ..Default::default() })
            .await;
    assert_eq!(http::get(server.addr, "/", &[]).await.status, 200, "the page loads without the token");
    assert_eq!(http::get(server.addr, "/assets/app.js", &[]).await.status, 200);
    let session = http::get(server.addr, "/api/session", &[]).await;
    assert!(
        session.body.contains(r#""token_required":true"#) && session.body.contains(r#""authenticated":false"#),
        "{session:?}"
    );
    assert_eq!(http::get(server.addr, "/api/board", &[]).await.status, 401);
    assert_eq!(http::get(server.addr, "/api/events", &[]).await.status, 401);
    let wrong = post(&server, "/api/session", &["X-Orch-Board: 1"], r#"{"token":"not-the-token-000000"}"#).await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    assert!(wrong.header("set-cookie").is_none());
    let right = post(&server, "/api/session", &["X-Orch-Board: 1"], &format!(r#"{{"token":"{TOKEN}"}}"#)).await;
    assert_eq!(right.status, 200, "{right:?}");
    let cookie = right.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    let pair = cookie.split(';').next().unwrap();
    assert_eq!(http::get(server.addr, "/api/board", &[&format!("Cookie: {pair}")]).await.status, 200);
    let bearer = format!("Authorization: Bearer {TOKEN}");
    assert_eq!(http::get(server.addr, "/api/board", &[&bearer]).await.status, 200);
    assert_eq!(http::get(server.addr, "/api/board", &["Cookie: orch_board=forged-token-0000000"]).await.status, 401);
    let login_csrf = post(&server, "/api/session", &[], &format!(r#"{{"token":"{TOKEN}"}}"#)).await;
    assert_eq!(login_csrf.status, 403, "signing in is a write too: {login_csrf:?}");
    server.stop().await;
}
