//! The retry loop shared by the HTTP providers: per-request timeout, bounded attempts,
//! exponential backoff with jitter on 429, 5xx, timeouts and connection errors, `Retry-After`
//! honoured up to a cap.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::config::{ApiKey, HttpSettings};
use crate::error::ProviderError;

/// Longest excerpt of an error body kept in messages.
const ERROR_EXCERPT_CHARS: usize = 300;

/// A successful JSON answer.
pub(crate) struct JsonResponse {
    pub body: serde_json::Value,
}

/// Builds the shared client (rustls, connect timeout; the request timeout is set per request).
pub(crate) fn build_client(settings: &HttpSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .user_agent(concat!("task-orchestrator/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// POSTs `body` to `url` until it succeeds, fails for good, or runs out of attempts.
pub(crate) async fn post_json(
    client: &reqwest::Client,
    settings: &HttpSettings,
    provider: &str,
    url: &str,
    headers: HeaderMap,
    body: &serde_json::Value,
    key: Option<&ApiKey>,
) -> Result<JsonResponse, ProviderError> {
    let max_attempts = settings.max_attempts.max(1);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome =
            client.post(url).headers(headers.clone()).json(body).timeout(settings.request_timeout).send().await;
        let failure = match outcome {
            Ok(response) => {
                let status = response.status();
                let retry_after = parse_retry_after(response.headers());
                let read = response.text().await;
                match read {
                    Ok(text) if status.is_success() => {
                        if attempt > 1 {
                            tracing::info!(provider, attempt, "LLM request succeeded after retrying");
                        }
                        return serde_json::from_str(&text).map(|body| JsonResponse { body }).map_err(|e| {
                            ProviderError::InvalidResponse(format!(
                                "the body is not JSON ({e}): {}",
                                excerpt(&text, key)
                            ))
                        });
                    }
                    Ok(text) => {
                        let error = ProviderError::Http {
                            status: status.as_u16(),
                            attempts: attempt,
                            message: error_message(&text, key),
                        };
                        if !is_retryable_status(status) {
                            return Err(error);
                        }
                        Failure { error, retry_after }
                    }
                    Err(e) => Failure { error: transport_error(&e, settings, attempt), retry_after: None },
                }
            }
            Err(e) => Failure { error: transport_error(&e, settings, attempt), retry_after: None },
        };
        if attempt >= max_attempts {
            return Err(failure.error);
        }
        let wait = match failure.retry_after {
            Some(wait) if wait > settings.max_retry_after => {
                let status = match &failure.error {
                    ProviderError::Http { status, .. } => *status,
                    _ => 0,
                };
                return Err(ProviderError::RetryAfterTooLong {
                    status,
                    attempts: attempt,
                    retry_after: wait,
                    cap: settings.max_retry_after,
                });
            }
            Some(wait) => wait,
            None => backoff(settings, attempt),
        };
        tracing::warn!(
            provider,
            attempt,
            max_attempts,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            error = %failure.error,
            "LLM request failed, retrying"
        );
        tokio::time::sleep(wait).await;
    }
}

struct Failure {
    error: ProviderError,
    retry_after: Option<Duration>,
}

fn is_retryable_status(status: StatusCode) -> bool {
    // 529 is Anthropic's "overloaded".
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() || status.as_u16() == 529
}

fn transport_error(error: &reqwest::Error, settings: &HttpSettings, attempts: u32) -> ProviderError {
    if error.is_timeout() {
        ProviderError::Timeout { timeout: settings.request_timeout, attempts }
    } else {
        // Describe by kind only: reqwest's Display includes the URL, which may carry credentials.
        let kind = if error.is_connect() {
            "could not connect"
        } else if error.is_body() || error.is_decode() {
            "the response body could not be read"
        } else if error.is_request() {
            "the request could not be sent"
        } else {
            "transport error"
        };
        ProviderError::Connection { attempts, message: kind.to_owned() }
    }
}

/// Exponential backoff `initial * 2^(attempt-1)`, capped, with jitter in `[base/2, base]` so that
/// many clients rate-limited together do not retry in lockstep.
fn backoff(settings: &HttpSettings, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let base = settings.initial_backoff.saturating_mul(1u32 << exponent).min(settings.max_backoff);
    let half = base / 2;
    half + half.mul_f64(fastrand::f64())
}

/// `Retry-After` as seconds or an HTTP date, or OpenAI's `retry-after-ms`.
fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// The `error.message` of an OpenAI/Anthropic error body, else an excerpt of the body.
fn error_message(text: &str, key: Option<&ApiKey>) -> String {
    let message = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.pointer("/error/message").and_then(|m| m.as_str()).map(str::to_owned));
    match message {
        Some(message) => excerpt(&message, key),
        None if text.trim().is_empty() => "empty body".to_owned(),
        None => excerpt(text, key),
    }
}

/// First characters of `text`, keys redacted.
pub(crate) fn excerpt(text: &str, key: Option<&ApiKey>) -> String {
    let redacted = match key {
        Some(key) => key.redact(text),
        None => text.to_owned(),
    };
    let trimmed = redacted.trim();
    let mut out: String = trimmed.chars().take(ERROR_EXCERPT_CHARS).collect();
    if trimmed.chars().count() > ERROR_EXCERPT_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let settings = HttpSettings {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            ..HttpSettings::default()
        };
        for _ in 0..50 {
            let first = backoff(&settings, 1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = backoff(&settings, 2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let late = backoff(&settings, 30);
            assert!(late >= Duration::from_millis(150) && late <= Duration::from_millis(300));
        }
    }

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("150"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_millis(150)));
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers), None);
    }

    #[test]
    fn error_bodies_are_summarised_and_redacted() {
        let key = ApiKey::new("sk-live-abc").unwrap();
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-live-abc","type":"invalid_request_error"}}"#;
        let message = error_message(body, Some(&key));
        assert_eq!(message, "Incorrect API key provided: [REDACTED]");
        assert_eq!(error_message("", None), "empty body");
        let long = "x".repeat(1000);
        assert_eq!(error_message(&long, None).chars().count(), ERROR_EXCERPT_CHARS + 1);
    }
}
