//! The real binary's `serve` over raw pipes: bytes in on stdin, JSON-RPC lines out on stdout, no SDK in between.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use super::command;

/// A `serve` process on its own database, initialized, spoken to in raw lines.
pub struct RawStdio {
    pub child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    next_id: i64,
    pub dir: tempfile::TempDir,
}

impl RawStdio {
    /// Starts `serve` with extra arguments and completes the MCP handshake.
    pub async fn start(args: &[&str]) -> RawStdio {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = command(&dir.path().join("tasks.db"));
        cmd.arg("serve").args(args);
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn server");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut s = RawStdio { child, stdin, stdout, next_id: 100, dir };
        let init = s
            .request(
                "initialize",
                json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}),
            )
            .await;
        assert!(init.get("result").is_some(), "{init}");
        s.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
        s
    }

    /// Writes `bytes` and a newline.
    pub async fn send(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).await.unwrap();
        self.stdin.write_all(b"\n").await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// The next line the server writes, as JSON (at most 10 s away).
    pub async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), self.stdout.next_line())
            .await
            .expect("the server did not answer within 10 s")
            .unwrap()
            .expect("the server closed stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout carried a non-JSON line ({e}): {line:.200}"))
    }

    /// Sends `bytes` as one line and returns the answer.
    pub async fn exchange(&mut self, bytes: &[u8]) -> Value {
        self.send(bytes).await;
        self.recv().await
    }

    /// A request with a fresh id; returns its response.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        let response = self.exchange(line.as_bytes()).await;
        assert_eq!(response["id"], json!(id), "{response}");
        response
    }

    /// A tool call; returns the `result` (which may be `isError`).
    pub async fn call(&mut self, name: &str, arguments: Value) -> Value {
        let r = self.request("tools/call", json!({"name": name, "arguments": arguments})).await;
        r.get("result").cloned().unwrap_or_else(|| panic!("{name}: not a result: {r}"))
    }

    /// A tool call that must fail with `isError: true`; returns its message.
    pub async fn call_err(&mut self, name: &str, arguments: Value) -> String {
        let r = self.call(name, arguments).await;
        assert_eq!(r["isError"], json!(true), "{name} should have failed: {r:.300}");
        r["content"][0]["text"].as_str().unwrap_or_default().to_string()
    }

    /// A tool call that must succeed; returns its structured content.
    pub async fn call_ok(&mut self, name: &str, arguments: Value) -> Value {
        let r = self.call(name, arguments).await;
        assert_ne!(r["isError"], json!(true), "{name} failed: {r:.300}");
        r["structuredContent"].clone()
    }

    /// The server still answers: a ping gets its pong.
    pub async fn assert_alive(&mut self) {
        let pong = self.request("ping", json!({})).await;
        assert!(pong.get("result").is_some(), "{pong}");
    }
}
