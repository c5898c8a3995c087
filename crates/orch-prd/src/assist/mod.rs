//! LLM-assisted parsing: the offline parse, cross-checked and completed by a model.
//!
//! The document is split into parts of at most `chunk_tokens` estimated tokens ([`chunk`]); each
//! part goes to the first provider of the chain (MCP sampling, then the configured API providers,
//! the same chain as `expand_task`) with the items the offline parser found in it; every answer is
//! validated and repaired ([`answer`]); the items are merged into the offline result, and items
//! the document does not support are dropped or flagged ([`merge`], [`support`]). A provider that
//! fails or answers unusably on any part hands the whole document to the next one; when none is
//! left, the offline result is returned. Documented in `docs/prd-format.md`.

mod answer;
mod chunk;
mod merge;
mod prompt;
mod support;

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use orch_expand::{ChainLink, CompletionRequest, ProviderAttempt, TokenUsage};
use serde::{Deserialize, Serialize};

pub use self::chunk::{CHARS_PER_TOKEN, estimate_tokens};
use self::merge::Sourced;
pub use self::merge::{CONFIRMED_CONFIDENCE, CheckedItem, FLAGGED_CONFIDENCE, MODEL_ONLY_CONFIDENCE};
pub use self::prompt::ANSWER_SCHEMA;
use crate::{ParseOptions, ParsedPrd, PrdError};

/// Default document tokens per call (about 24 000 characters).
pub const DEFAULT_CHUNK_TOKENS: u32 = 6000;
/// Smallest `chunk_tokens` accepted.
pub const MIN_CHUNK_TOKENS: u32 = 200;
/// Largest `chunk_tokens` accepted.
pub const MAX_CHUNK_TOKENS: u32 = 200_000;
/// Default answer tokens per call.
pub const DEFAULT_MAX_TOKENS: u32 = 4000;
/// Most calls one provider may make for one document; a longer document is parsed offline.
pub const MAX_CALLS_PER_PROVIDER: usize = 32;
/// Temperature of every call: extraction wants the most literal answer.
const TEMPERATURE: f32 = 0.0;
/// Most repair warnings listed one by one; the rest are counted.
const MAX_REPAIR_WARNINGS: usize = 15;
/// Name of the offline parser in results.
pub const OFFLINE_PARSER: &str = "offline";

/// How `parse_prd` may use a model (`mode` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParseMode {
    /// A model when one is available (sampling or a configured key), else offline.
    #[default]
    Auto,
    /// The rule-based parser only; no model is asked.
    Offline,
    /// A model is required: refused when none is available (failures still fall back offline).
    Llm,
}

impl ParseMode {
    /// The value as written in parameters.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Offline => "offline",
            Self::Llm => "llm",
        }
    }
}

impl fmt::Display for ParseMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ParseMode {
    type Err = PrdError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "offline" => Ok(Self::Offline),
            "llm" => Ok(Self::Llm),
            _ => Err(PrdError::InvalidOption(format!(
                "mode {value:?} is not valid: use \"auto\", \"offline\" or \"llm\""
            ))),
        }
    }
}

/// How to use a model for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistOptions {
    /// Whether a model is used.
    pub mode: ParseMode,
    /// Model for the first provider tried; fallbacks use their configured model.
    pub model: Option<String>,
    /// Document tokens (estimated, [`CHARS_PER_TOKEN`] characters each) per call.
    pub chunk_tokens: u32,
    /// Answer tokens per call.
    pub max_tokens: u32,
}

impl Default for AssistOptions {
    fn default() -> Self {
        Self { mode: ParseMode::Auto, model: None, chunk_tokens: DEFAULT_CHUNK_TOKENS, max_tokens: DEFAULT_MAX_TOKENS }
    }
}

impl AssistOptions {
    /// Checks the values a caller can get wrong.
    pub fn validate(&self) -> Result<(), PrdError> {
        if !(MIN_CHUNK_TOKENS..=MAX_CHUNK_TOKENS).contains(&self.chunk_tokens) {
            return Err(PrdError::InvalidOption(format!(
                "chunk_tokens must be from {MIN_CHUNK_TOKENS} to {MAX_CHUNK_TOKENS} (got {}; default \
                 {DEFAULT_CHUNK_TOKENS})",
                self.chunk_tokens
            )));
        }
        if self.max_tokens == 0 {
            return Err(PrdError::InvalidOption(format!(
                "max_tokens must be greater than 0 (default {DEFAULT_MAX_TOKENS})"
            )));
        }
        if let Some(model) = &self.model
            && (model.trim().is_empty() || model.chars().count() > 256 || model.chars().any(char::is_control))
        {
            return Err(PrdError::InvalidOption(
                "model must be a model name of 1 to 256 characters without control characters; omit it to use the \
                 configured default"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// How the result was produced (`parser` in the `parse_prd` result).
#[derive(Debug, Clone, PartialEq)]
pub struct ParserReport {
    /// The mode asked for.
    pub mode: ParseMode,
    /// "offline", or the provider whose answers were merged: sampling, openai, openai-compatible, anthropic.
    pub provider: String,
    /// The model that answered ("offline" for the rule-based parser).
    pub model: String,
    /// Parts the document was split into for the model (0 when no model was asked).
    pub chunks: usize,
    /// Model calls made, over every provider tried.
    pub calls: u32,
    /// Tokens used over every call, rejected answers included.
    pub token_usage: TokenUsage,
    /// Every provider tried, in order.
    pub attempts: Vec<ProviderAttempt>,
    /// True when the result comes from a provider other than the first one tried.
    pub fell_back: bool,
    /// Keys of items the rule-based parser and the model both found.
    pub confirmed: Vec<String>,
    /// Keys of items only the model found; their titles are written in the document.
    pub added: Vec<String>,
    /// Items only the model found whose titles are not written in the document: kept with a low confidence.
    pub flagged: Vec<CheckedItem>,
    /// Items the model gave that the document does not support: not kept.
    pub dropped: Vec<CheckedItem>,
    /// Fallbacks and why, repairs made to answers, dependencies left out.
    pub warnings: Vec<String>,
}

impl ParserReport {
    fn offline(mode: ParseMode) -> Self {
        Self {
            mode,
            provider: OFFLINE_PARSER.into(),
            model: OFFLINE_PARSER.into(),
            chunks: 0,
            calls: 0,
            token_usage: TokenUsage::default(),
            attempts: Vec::new(),
            fell_back: false,
            confirmed: Vec::new(),
            added: Vec::new(),
            flagged: Vec::new(),
            dropped: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// The parse result and how it was produced.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistedPrd {
    /// The parse result, in the offline parser's shape.
    pub parsed: ParsedPrd,
    /// Provider, tokens, cross-check.
    pub report: ParserReport,
}

/// Completes `offline` (the result of [`crate::parse_prd`] for `content` under `options`) with
/// the first provider of `links` that answers every part usably. `links` is the provider chain
/// (empty when no model is available); it is not used in [`ParseMode::Offline`].
pub async fn assist(
    content: &str,
    offline: ParsedPrd,
    options: &ParseOptions,
    assist: &AssistOptions,
    links: Vec<ChainLink>,
) -> Result<AssistedPrd, PrdError> {
    assist.validate()?;
    let mut report = ParserReport::offline(assist.mode);
    if assist.mode == ParseMode::Offline {
        return Ok(AssistedPrd { parsed: offline, report });
    }
    let ready = links.iter().any(|l| matches!(l, ChainLink::Ready(_)));
    if assist.mode == ParseMode::Llm && !ready {
        return Err(PrdError::NoModel);
    }
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let chunks = chunk::split(content, assist.chunk_tokens as usize);
    if ready && chunks.len() > MAX_CALLS_PER_PROVIDER {
        let message = format!(
            "the document needs {} model calls at chunk_tokens={}, above the limit of {MAX_CALLS_PER_PROVIDER}: raise \
             chunk_tokens, split the PRD, or use mode \"offline\"",
            chunks.len(),
            assist.chunk_tokens
        );
        if assist.mode == ParseMode::Llm {
            return Err(PrdError::InvalidOption(message));
        }
        report.warnings.push(message);
        return Ok(AssistedPrd { parsed: offline, report });
    }
    report.chunks = chunks.len();
    let system = prompt::system_prompt();

    for (position, link) in links.into_iter().enumerate() {
        let provider = match link {
            ChainLink::Ready(provider) => provider,
            ChainLink::Missing { name, how } => {
                let detail = format!("requested but not configured: {how}");
                report.warnings.push(format!("fell back from {name}: {detail}"));
                report.attempts.push(ProviderAttempt::timed(name, "skipped", detail, None, Instant::now()));
                continue;
            }
        };
        let name = provider.name().to_owned();
        let started = Instant::now();
        let model_hint = (position == 0 || name == "sampling").then(|| assist.model.clone()).flatten();
        let mut items = Vec::new();
        let mut repairs = Vec::new();
        let mut answered_by = String::new();
        let mut failure = None;
        for (index, part) in chunks.iter().enumerate() {
            let known: Vec<prompt::KnownItem<'_>> = known_items(&offline, part.first_line, part.last_line);
            let request = CompletionRequest {
                system: system.clone(),
                prompt: prompt::user_prompt(offline.title.as_deref(), part, index, chunks.len(), &known),
                model: model_hint.clone(),
                max_tokens: assist.max_tokens,
                temperature: TEMPERATURE,
            };
            report.calls += 1;
            match provider.complete(&request).await {
                Ok(completion) => {
                    report.token_usage.add(completion.usage);
                    match answer::parse_answer(&completion.text) {
                        Ok((found, fixed)) => {
                            let part_no = index + 1;
                            repairs.extend(fixed.into_iter().map(|r| format!("part {part_no}: {r}")));
                            items.extend(found.into_iter().map(|item| Sourced {
                                item,
                                context: part.text.as_str(),
                                first_line: part.first_line,
                            }));
                            answered_by = completion.model;
                        }
                        Err(reason) => {
                            let mut detail =
                                format!("part {} of {}: answer rejected: {reason}", index + 1, chunks.len());
                            if completion.truncated {
                                detail.push_str(" (the answer stopped at max_tokens; raise max_tokens)");
                            }
                            failure = Some(("rejected", detail, None));
                            break;
                        }
                    }
                }
                Err(error) => {
                    let requests = Some(error.attempts()).filter(|n| *n > 0);
                    failure = Some(("failed", format!("part {} of {}: {error}", index + 1, chunks.len()), requests));
                    break;
                }
            }
        }
        if let Some((outcome, detail, requests)) = failure {
            tracing::warn!(provider = %name, %detail, "PRD parsing falls back");
            report.warnings.push(format!("fell back from {name}: {detail}"));
            report.attempts.push(ProviderAttempt::timed(&name, outcome, detail, requests, started));
            continue;
        }
        report.attempts.push(ProviderAttempt::timed(&name, "succeeded", String::new(), None, started));
        for repair in repairs.iter().take(MAX_REPAIR_WARNINGS) {
            report.warnings.push(format!("repaired {name} answer: {repair}"));
        }
        if repairs.len() > MAX_REPAIR_WARNINGS {
            report.warnings.push(format!(
                "repaired {name} answer: {} more repairs not listed",
                repairs.len() - MAX_REPAIR_WARNINGS
            ));
        }
        let mut parsed = offline.clone();
        let outcome = merge::merge(&mut parsed, content, items, options, &name);
        tracing::info!(provider = %name, calls = report.calls, "PRD parsed with a model");
        report.fell_back = report.attempts.len() > 1;
        report.provider = name;
        report.model = answered_by;
        report.confirmed = outcome.confirmed;
        report.added = outcome.added;
        report.flagged = outcome.flagged;
        report.dropped = outcome.dropped;
        report.warnings.extend(outcome.warnings);
        return Ok(AssistedPrd { parsed, report });
    }
    if !report.attempts.is_empty() {
        report.attempts.push(ProviderAttempt::timed(OFFLINE_PARSER, "succeeded", String::new(), None, Instant::now()));
        report.fell_back = true;
    }
    Ok(AssistedPrd { parsed: offline, report })
}

/// Offline items whose line falls in `first..=last`, offered to the model with their keys.
fn known_items(parsed: &ParsedPrd, first: usize, last: usize) -> Vec<prompt::KnownItem<'_>> {
    let features = parsed.features.iter().map(|f| (f.source_line, f.key.as_str(), f.title.as_str()));
    let requirements = parsed.requirements.iter().map(|r| (r.source_line, r.key.as_str(), r.title.as_str()));
    features
        .chain(requirements)
        .filter(|(line, _, _)| (first..=last).contains(line))
        .map(|(_, key, title)| prompt::KnownItem { key, title })
        .collect()
}
