//! Checks one incoming JSON-RPC message (a stdio line or an HTTP body) before rmcp sees it.
//!
//! rmcp drops unparsable input without a word and answers shape errors with an `Invalid request` that has no `id`
//! (or, for a `tools/call` whose `arguments` are not an object, with "method not found"). JSON-RPC 2.0 asks for a
//! Parse error (-32700, `id: null`) and an Invalid Request (-32600) carrying the request's id; MCP clients need to
//! know which field of `tools/call` is wrong (-32602). Both transports call [`check`], so the answers are the same
//! over stdio and HTTP.

use rmcp::RoleServer;
use rmcp::service::RxJsonRpcMessage;
use serde_json::{Value, json};

/// JSON-RPC 2.0: the input is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC 2.0: JSON, but not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC 2.0: the method's params are invalid.
pub const INVALID_PARAMS: i64 = -32602;

/// Default largest message (one stdio line or one HTTP body), in bytes.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// A message refused before it reached the server, with the error response to send back.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The JSON-RPC error code.
    pub code: i64,
    /// The response: a JSON-RPC error object with the request's id, or `null` when it could not be read.
    pub response: Value,
}

impl Rejection {
    fn new(code: i64, id: Value, message: String) -> Self {
        let response = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
        Rejection { code, response }
    }

    /// The response as one line of JSON, without the newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a `Value` built from strings and numbers cannot fail.
        serde_json::to_vec(&self.response).unwrap_or_default()
    }
}

/// The refusal of a message longer than `limit` bytes (its id is unknown: it was not read).
pub fn oversize(len: Option<usize>, limit: usize, how_to_raise: &str) -> Rejection {
    let size = match len {
        Some(n) => format!("{n} bytes"),
        None => format!("more than {limit} bytes"),
    };
    Rejection::new(
        INVALID_REQUEST,
        Value::Null,
        format!("Invalid Request: the message is {size}; the limit is {limit} bytes ({how_to_raise})"),
    )
}

/// A library message cut to 200 characters: serde quotes offending values in full.
fn bounded(message: &str) -> String {
    if message.chars().count() <= 200 {
        message.to_string()
    } else {
        format!("{}…", message.chars().take(200).collect::<String>())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks `bytes` is one JSON-RPC 2.0 message rmcp can take. `Ok(None)`: a notification nobody needs to answer
/// (malformed or unknown notifications get no reply, as JSON-RPC requires).
pub fn check(bytes: &[u8]) -> Result<Option<RxJsonRpcMessage<RoleServer>>, Rejection> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's message names the line, column and cause (e.g. "recursion limit exceeded" past 128 levels).
        Rejection::new(
            PARSE_ERROR,
            Value::Null,
            format!("Parse error: the message is not valid JSON: {}", bounded(&e.to_string())),
        )
    })?;
    let Value::Object(object) = &value else {
        let hint = if value.is_array() { "; batches are not supported, send one message at a time" } else { "" };
        return Err(Rejection::new(
            INVALID_REQUEST,
            Value::Null,
            format!("Invalid Request: a message must be a JSON object, got {}{hint}", kind(&value)),
        ));
    };
    let id = object.get("id").cloned();
    let reply_id = match &id {
        Some(v @ (Value::String(_) | Value::Number(_))) => v.clone(),
        _ => Value::Null,
    };
    let invalid =
        |message: String| Rejection::new(INVALID_REQUEST, reply_id.clone(), format!("Invalid Request: {message}"));
    match object.get("jsonrpc") {
        Some(Value::String(v)) if v == "2.0" => {}
        Some(other) => return Err(invalid(format!("jsonrpc must be \"2.0\", got {}", shown(other)))),
        None => return Err(invalid("the jsonrpc member is missing; send \"jsonrpc\": \"2.0\"".into())),
    }
    if let Some(id) = &id
        && !matches!(id, Value::String(_) | Value::Number(_))
    {
        return Err(invalid(format!("id must be a string or a number, got {}", kind(id))));
    }
    let is_response = object.contains_key("result") || object.contains_key("error");
    match object.get("method") {
        Some(Value::String(method)) => {
            if id.is_some() {
                check_params(method, object.get("params"), &reply_id)?;
            }
        }
        Some(other) => return Err(invalid(format!("method must be a string, got {}", kind(other)))),
        None if is_response => {
            if id.is_none() {
                return Err(invalid("a response needs the id of the request it answers".into()));
            }
        }
        None => return Err(invalid("the method member is missing".into())),
    }
    match serde_json::from_value::<RxJsonRpcMessage<RoleServer>>(value) {
        Ok(message) => Ok(Some(message)),
        // A notification is never answered, even when malformed.
        Err(_) if id.is_none() => Ok(None),
        Err(e) => Err(invalid(format!("the message does not match the MCP schema: {}", bounded(&e.to_string())))),
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => orch_core::validate::quote(s),
        other => kind(other).to_string(),
    }
}

/// `params` of a request: an object (or absent); for `tools/call`, a string `name` and object `arguments`.
fn check_params(method: &str, params: Option<&Value>, id: &Value) -> Result<(), Rejection> {
    let bad = |message: String| Rejection::new(INVALID_PARAMS, id.clone(), format!("Invalid params: {message}"));
    let params = match params {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => Some(p),
        Some(other) => return Err(bad(format!("params of {method} must be an object, got {}", kind(other)))),
    };
    if method != "tools/call" {
        return Ok(());
    }
    let Some(params) = params else {
        return Err(bad("tools/call needs params with the tool's name and its arguments".into()));
    };
    match params.get("name") {
        Some(Value::String(_)) => {}
        Some(other) => return Err(bad(format!("name must be the tool's name as a string, got {}", kind(other)))),
        None => return Err(bad("name is missing; give the tool's name (tools/list shows them)".into())),
    }
    match params.get("arguments") {
        None | Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(bad(format!(
            "arguments must be an object of the tool's parameters (see its inputSchema), got {}",
            kind(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn code(line: &str) -> (i64, Value) {
        let r = check(line.as_bytes()).unwrap_err();
        (r.code, r.response["id"].clone())
    }

    #[test]
    fn parse_errors_have_a_null_id() {
        for line in [r#"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", "{", "", &"[".repeat(200)] {
            assert_eq!(code(line), (PARSE_ERROR, Value::Null), "{line:.40}");
        }
    }

    #[test]
    fn invalid_requests_keep_the_id() {
        assert_eq!(code(r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#), (INVALID_REQUEST, json!(7)));
        assert_eq!(code(r#"{"id":"a","method":"ping"}"#), (INVALID_REQUEST, json!("a")));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#), (INVALID_REQUEST, Value::Null));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":3,"method":5}"#), (INVALID_REQUEST, json!(3)));
        assert_eq!(code("[]"), (INVALID_REQUEST, Value::Null));
        assert_eq!(code("42"), (INVALID_REQUEST, Value::Null));
    }

    #[test]
    fn tools_call_params_name_the_field() {
        for (params, field) in [
            (r#"{"name":"list_tasks","arguments":[]}"#, "arguments"),
            (r#"{"name":"list_tasks","arguments":"x"}"#, "arguments"),
            (r#"{"name":"list_tasks","arguments":1}"#, "arguments"),
            (r#"{"name":null}"#, "name"),
            (r#"{}"#, "name"),
            (r#"[]"#, "params"),
        ] {
            let line = format!(r#"{{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{params}}}"#);
            let r = check(line.as_bytes()).unwrap_err();
            assert_eq!((r.code, &r.response["id"]), (INVALID_PARAMS, &json!(9)), "{params}");
            let message = r.response["error"]["message"].as_str().unwrap();
            assert!(message.contains(field), "{params}: {message}");
        }
    }

    #[test]
    fn valid_messages_pass_and_bad_notifications_are_dropped() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}"#;
        assert!(check(ok.as_bytes()).unwrap().is_some());
        assert!(check(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap().is_some());
        assert!(check(br#"{"jsonrpc":"2.0","method":"notifications/whatever","params":1}"#).unwrap().is_none());
    }

    #[test]
    fn long_values_are_quoted_with_their_length() {
        let long = "v".repeat(70_000);
        let line = format!(r#"{{"jsonrpc":"{long}","id":1,"method":"ping"}}"#);
        let r = check(line.as_bytes()).unwrap_err();
        let message = r.response["error"]["message"].as_str().unwrap();
        assert!(message.len() < 300 && message.contains("70000 characters"), "{message}");
    }
}
