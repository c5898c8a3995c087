//! Tool-argument extraction that names the offending parameter.
//!
//! rmcp's own `Parameters` reports serde's bare message ("invalid type: string, expected u8"), which does not tell an
//! agent which argument to fix. This extractor reports the path (`priority: invalid type: …`). rmcp's `#[tool]`
//! macro takes the input schema from any argument type named `Parameters`, so the schema is unchanged.

use std::borrow::Cow;

use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// Tool parameters of type `P` decoded from the call's arguments, or the message saying which argument was wrong.
///
/// Decoding never fails the extraction: the tool body reports the error as a tool result with `isError: true`, so the
/// behaviour does not depend on how rmcp classifies extractor errors.
#[derive(Debug, Clone)]
pub struct Parameters<P>(pub Result<P, String>);

impl<P: JsonSchema> JsonSchema for Parameters<P> {
    fn schema_name() -> Cow<'static, str> {
        P::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        P::json_schema(generator)
    }
}

/// Decodes arguments, naming the parameter that failed.
pub fn decode<P: DeserializeOwned>(arguments: serde_json::Map<String, serde_json::Value>) -> Result<P, String> {
    serde_path_to_error::deserialize(serde_json::Value::Object(arguments)).map_err(|e| {
        let path = e.path().to_string();
        let inner = bounded(&e.into_inner().to_string());
        if path == "." {
            format!("invalid arguments: {inner}; see the tool's inputSchema")
        } else {
            format!("invalid {path}: {inner}; see the tool's inputSchema")
        }
    })
}

/// Longest serde message passed on whole; serde quotes the offending value in full ("invalid type: string \"…\"").
const MAX_MESSAGE_CHARS: usize = 240;

/// `message` cut to its start and end (which says what was expected) when a long value made it long.
fn bounded(message: &str) -> String {
    let len = message.chars().count();
    if len <= MAX_MESSAGE_CHARS {
        return message.to_string();
    }
    let head: String = message.chars().take(120).collect();
    let tail: String = message.chars().skip(len - 100).collect();
    format!("{head}… ({len} characters in all) …{tail}")
}

impl<S, P: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<P> {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, rmcp::ErrorData> {
        let arguments = context.arguments.take().unwrap_or_default();
        Ok(Parameters(decode(arguments)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::dto::CreateTaskParams;

    #[test]
    fn errors_name_the_parameter() {
        let args = serde_json::json!({"title": "t", "priority": "high"}).as_object().cloned().unwrap();
        let err = decode::<CreateTaskParams>(args).unwrap_err();
        assert!(err.starts_with("invalid priority: invalid type: string \"high\""), "{err}");
        let long = serde_json::json!({"title": "t", "priority": "p".repeat(70_000)}).as_object().cloned().unwrap();
        let err = decode::<CreateTaskParams>(long).unwrap_err();
        assert!(err.len() < 400 && err.contains("expected u8") && err.contains("characters in all"), "{err}");
        let missing = decode::<CreateTaskParams>(serde_json::Map::new()).unwrap_err();
        assert!(missing.contains("missing field `title`"), "{missing}");
    }
}
