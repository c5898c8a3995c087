//! Hostile HTTP against the real binary's `serve --http`, as raw bytes on TCP sockets: lying headers, announced
//! floods, slow clients, connection floods, malformed JSON-RPC bodies. Each gets a prompt answer or a closed
//! connection, and the server keeps serving.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::http::{INITIALIZE, Options, post_mcp, raw, start};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn args(a: &[&str]) -> Options {
    Options { args: a.iter().map(|s| s.to_string()).collect(), ..Default::default() }
}

/// Whether the server closes `stream` within `limit` (reads to end of stream, ignoring any response bytes).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut sink = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut sink)).await.is_ok()
}

/// A tools/call body for `list_tasks`, the cheapest call that reads the board.
const LIST: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_tasks","arguments":{}}}"#;

async fn stateless_ok(addr: SocketAddr) {
    let r = post_mcp(addr, "localhost", &[], LIST).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("\"result\""), "{r:?}");
}

#[tokio::test]
async fn duplicate_host_and_foreign_absolute_uri_are_refused() {
    let server = start(Options { stateless: true, ..Default::default() }).await;
    let addr = server.addr;
    let head = |extra: &str| {
        format!(
            "{extra}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
             Content-Length: {}",
            INITIALIZE.len()
        )
    };
    let two_hosts =
        raw(addr, &head("POST /mcp HTTP/1.1\r\nHost: localhost\r\nHost: evil.example"), INITIALIZE.as_bytes()).await;
    assert_eq!(two_hosts.status, 400, "{two_hosts:?}");
    assert!(two_hosts.body.contains("more than one Host"), "{two_hosts:?}");
    let absolute =
        raw(addr, &head("POST http://evil.example/mcp HTTP/1.1\r\nHost: localhost"), INITIALIZE.as_bytes()).await;
    assert_eq!(absolute.status, 403, "{absolute:?}");
    let userinfo =
        raw(addr, &head("POST http://localhost@evil.example/mcp HTTP/1.1\r\nHost: localhost"), INITIALIZE.as_bytes())
            .await;
    assert!(matches!(userinfo.status, 400 | 403), "{userinfo:?}");
    // An absolute URI naming an allowed host is fine.
    let allowed =
        raw(addr, &head("POST http://localhost/mcp HTTP/1.1\r\nHost: localhost"), INITIALIZE.as_bytes()).await;
    assert_eq!(allowed.status, 200, "{allowed:?}");
    stateless_ok(addr).await;
    server.stop().await;
}

#[tokio::test]
async fn an_announced_oversize_body_is_refused_before_it_is_sent() {
    let server = start(Options::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(
            b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Accept: application/json, text/event-stream\r\nContent-Length: 10737418240\r\n\r\n",
        )
        .await
        .unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("4194304") && response.contains("--max-body-bytes"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    server.stop().await;
}

#[tokio::test]
async fn slow_headers_and_slow_bodies_are_cut_off() {
    let server = start(args(&["--header-timeout", "1", "--body-timeout", "1"])).await;
    let addr = server.addr;
    // Five clients trickling their headers a byte at a time.
    let mut trickling = Vec::new();
    for _ in 0..5 {
        trickling.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let started = Instant::now();
            for b in b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".iter().cycle() {
                if stream.write_all(&[*b]).await.is_err() || started.elapsed() > Duration::from_secs(20) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            started.elapsed()
        }));
    }
    for t in trickling {
        let lasted = t.await.unwrap();
        assert!(lasted < Duration::from_secs(8), "a header trickler stayed connected for {lasted:?}");
    }
    // A client sending its body a byte at a time gets 408.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n",
        INITIALIZE.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let reader = tokio::spawn(async move {
        let (mut read, mut write) = stream.into_split();
        let writer = tokio::spawn(async move {
            for b in INITIALIZE.as_bytes() {
                if write.write_all(&[*b]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let mut response = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(15), read.read_to_end(&mut response)).await;
        writer.abort();
        String::from_utf8_lossy(&response).to_string()
    });
    let response = reader.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("--body-timeout"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    // Everyone else is still served.
    assert_eq!(post_mcp(addr, "localhost", &[], INITIALIZE).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn connections_per_client_address_are_capped() {
    let server = start(args(&["--max-connections-per-client", "4"])).await;
    let addr = server.addr;
    // The start-up probe's connection must be gone first, or it holds one of the four places.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(TcpStream::connect(addr).await.unwrap());
    }
    // Let the server accept them before the fifth arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    assert!(
        closed_within(&mut fifth, Duration::from_secs(3)).await,
        "the fifth connection was kept open: {}",
        server.logs()
    );
    assert!(server.logs().contains("too many open connections from this client address"), "{}", server.logs());
    drop(open);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(post_mcp(addr, "localhost", &[], INITIALIZE).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn delete_with_an_unknown_session_is_404() {
    let server = start(Options::default()).await;
    let r = raw(
        server.addr,
        "DELETE /mcp HTTP/1.1\r\nHost: localhost\r\nMcp-Session-Id: no-such-session\r\nMcp-Protocol-Version: 2025-06-18",
        b"",
    )
    .await;
    assert_eq!(r.status, 404, "{r:?}");
    // A real session is still deleted with 200.
    let init = post_mcp(server.addr, "localhost", &[], INITIALIZE).await;
    let session = init.header("mcp-session-id").unwrap().to_string();
    let head = format!(
        "DELETE /mcp HTTP/1.1\r\nHost: localhost\r\nMcp-Session-Id: {session}\r\nMcp-Protocol-Version: 2025-06-18"
    );
    assert_eq!(raw(server.addr, &head, b"").await.status, 200);
    assert_eq!(raw(server.addr, &head, b"").await.status, 404, "a deleted session is unknown");
    server.stop().await;
}

#[tokio::test]
async fn malformed_json_rpc_bodies_get_json_rpc_errors() {
    let server = start(Options { stateless: true, ..Default::default() }).await;
    let addr = server.addr;
    let check = |body: &'static str, code: i64, id: Value, needle: &'static str| async move {
        let r = post_mcp(addr, "localhost", &[], body).await;
        assert_eq!(r.status, 400, "{body}: {r:?}");
        let v: Value = serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{body}: {e}: {r:?}"));
        assert_eq!((v["error"]["code"].as_i64(), &v["id"]), (Some(code), &id), "{body}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains(needle), "{body}: {v}");
    };
    check(r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"\x"}}"#, -32700, Value::Null, "Parse error").await;
    check("{\"a\":\"\u{1}\"}", -32700, Value::Null, "control character").await;
    check(r#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#, -32600, json!(3), "jsonrpc").await;
    check(
        r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_tasks","arguments":[]}}"#,
        -32602,
        json!(4),
        "arguments must be an object",
    )
    .await;
    check(r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":null}}"#, -32602, json!(5), "name").await;
    stateless_ok(addr).await;
    server.stop().await;
}

#[tokio::test]
async fn connections_stay_below_the_descriptor_limit_and_the_server_recovers() {
    // A 256-descriptor process: the default cap is 128 connections, so 300 half-open ones cannot starve it.
    let dir = tempfile::tempdir().unwrap();
    let port = common::http::free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let stderr = dir.path().join("stderr.log");
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n 256 && exec {} serve --http {addr} --stateless", common::BIN))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("DATABASE_URL", common::database_url(&dir.path().join("tasks.db")))
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).await.is_err() {
        assert!(child.try_wait().unwrap().is_none(), "{}", std::fs::read_to_string(&stderr).unwrap());
        assert!(Instant::now() < deadline, "not listening");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut flood = Vec::new();
    for _ in 0..300 {
        if let Ok(s) = TcpStream::connect(addr).await {
            flood.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logs = std::fs::read_to_string(&stderr).unwrap();
    assert!(logs.contains("too many open connections"), "{logs}");
    assert!(!logs.contains("Too many open files"), "the cap did not keep descriptors free: {logs}");
    drop(flood);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stateless_ok(addr).await;
    // A cap at or above the limit is refused at start-up, naming the limit.
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n 256 && exec {} serve --http 127.0.0.1:0 --max-connections 300", common::BIN))
        .env("DATABASE_URL", common::database_url(&dir.path().join("tasks2.db")))
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("file-descriptor limit of 256"), "{err}");
    child.kill().await.ok();
}
