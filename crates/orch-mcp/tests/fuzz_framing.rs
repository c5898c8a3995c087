//! Fuzzing the message check every stdio line and HTTP body goes through: whatever the bytes, no panic, and a
//! refusal is a well-formed JSON-RPC error with a bounded message and the right id. Cases: `PROPTEST_CASES`.
#![allow(clippy::unwrap_used, missing_docs)]

use orch_mcp::framing::{INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, check};
use proptest::prelude::*;
use serde_json::{Value, json};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        (1usize..3000).prop_map(|n| Value::String("x".repeat(n))),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn method() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("tools/call")),
        Just(json!("tools/list")),
        Just(json!("ping")),
        Just(json!("initialize")),
        Just(json!("notifications/initialized")),
        ".{0,12}".prop_map(Value::String),
        json_value(),
    ]
}

/// A JSON-RPC-looking object with every member possibly missing or of the wrong type.
fn envelope() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![Just(json!("2.0")), json_value()]),
        prop::option::of(json_value()),
        prop::option::of(method()),
        prop::option::of(prop_oneof![
            json_value(),
            (".{0,12}", prop::option::of(json_value()))
                .prop_map(|(name, args)| json!({"name": name, "arguments": args})),
        ]),
    )
        .prop_map(|(jsonrpc, id, method, params)| {
            let mut m = serde_json::Map::new();
            for (k, v) in [("jsonrpc", jsonrpc), ("id", id), ("method", method), ("params", params)] {
                if let Some(v) = v {
                    m.insert(k.to_string(), v);
                }
            }
            Value::Object(m)
        })
}

fn assert_well_formed(input: &[u8], sent_id: Option<&Value>) {
    let Err(rejection) = check(input) else { return };
    let r = &rejection.response;
    assert_eq!(r["jsonrpc"], "2.0");
    let code = r["error"]["code"].as_i64().unwrap();
    assert!([PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS].contains(&code), "{code}");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(!message.is_empty() && message.len() < 1_000, "{} byte message: {message:.200}", message.len());
    match (code, sent_id) {
        (PARSE_ERROR, _) => assert_eq!(r["id"], Value::Null),
        // Fractional ids (JSON-RPC discourages them) may lose their last digit in serde_json's float round trip.
        (_, Some(Value::Number(n))) if n.is_f64() => assert!(r["id"].is_number()),
        (_, Some(id @ (Value::String(_) | Value::Number(_)))) => assert_eq!(&r["id"], id),
        _ => assert_eq!(r["id"], Value::Null),
    }
    // The answer is itself a valid line: JSON without a raw newline.
    assert!(!rejection.to_bytes().contains(&b'\n'));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        assert_well_formed(&bytes, None);
    }

    #[test]
    fn broken_envelopes_are_answered_with_their_id(message in envelope()) {
        let bytes = serde_json::to_vec(&message).unwrap();
        assert_well_formed(&bytes, message.get("id"));
    }

    #[test]
    fn truncated_and_corrupted_messages_are_parse_errors_or_valid(message in envelope(), cut in any::<prop::sample::Index>(), flip in any::<u8>()) {
        let mut bytes = serde_json::to_vec(&message).unwrap();
        let at = cut.index(bytes.len());
        bytes.truncate(at.max(1));
        if let Some(last) = bytes.last_mut() {
            *last ^= flip;
        }
        let sent = serde_json::from_slice::<Value>(&bytes).ok();
        assert_well_formed(&bytes, sent.as_ref().and_then(|v| v.get("id")));
    }
}
