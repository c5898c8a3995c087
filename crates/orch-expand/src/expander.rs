//! The provider chain: sampling, configured HTTP providers, then the offline planner.

use std::sync::Arc;
use std::time::Instant;

use crate::answer::{ParsedAnswer, parse_answer};
use crate::chain::{ChainLink, ProviderChain};
use crate::config::ProvidersConfig;
use crate::error::ExpandError;
use crate::offline::{OFFLINE_PROVIDER, plan_offline};
use crate::prompt::{system_prompt, user_prompt};
use crate::provider::{CompletionRequest, LlmProvider};
use crate::types::{
    ExpandOptions, ExpandedTaskResult, ExpansionMetadata, ProviderAttempt, SUPPORTED_MAX_DEPTH, TaskContext,
    TokenUsage, tree_depth,
};

/// Most repair warnings listed one by one; the rest are counted.
const MAX_REPAIR_WARNINGS: usize = 15;
/// Confidence assumed for a model answer that states none.
const DEFAULT_MODEL_CONFIDENCE: f64 = 0.7;

/// Expands tasks with the best provider available, falling back down the chain.
#[derive(Debug)]
pub struct Expander {
    chain: ProviderChain,
}

impl Expander {
    /// Builds the HTTP providers that `config` enables.
    pub fn new(config: ProvidersConfig) -> Result<Self, ExpandError> {
        Ok(Self { chain: ProviderChain::new(config)? })
    }

    /// Names of the configured HTTP providers, in `auto` order (for status output).
    pub fn configured_providers(&self) -> Vec<String> {
        self.chain.configured_providers()
    }

    /// The provider chain, for other LLM-assisted features (PRD parsing) to share.
    pub fn providers(&self) -> &ProviderChain {
        &self.chain
    }

    /// Expands `task`. Provider failures never fail the call: they are reported in
    /// `metadata.warnings` and the chain ends with the offline planner, which always answers.
    /// `sampling` is the MCP client's model when the client offers `sampling/createMessage`.
    pub async fn expand(
        &self,
        task: &TaskContext,
        options: &ExpandOptions,
        sampling: Option<Arc<dyn LlmProvider>>,
    ) -> Result<ExpandedTaskResult, ExpandError> {
        options.validate()?;
        if task.title.trim().is_empty() {
            return Err(ExpandError::InvalidOption(format!(
                "task {} has a blank title: give it a title before expanding it",
                task.id
            )));
        }
        let started = Instant::now();
        let mut warnings = Vec::new();
        if options.max_depth > SUPPORTED_MAX_DEPTH {
            warnings.push(format!(
                "max_depth {} is above the supported {SUPPORTED_MAX_DEPTH}; used {SUPPORTED_MAX_DEPTH}",
                options.max_depth
            ));
        }
        let mut attempts = Vec::new();
        let mut usage = TokenUsage::default();
        let request = CompletionRequest {
            system: system_prompt(),
            prompt: user_prompt(task, options),
            model: None,
            max_tokens: options.max_tokens,
            temperature: options.temperature,
        };

        for (position, link) in self.chain.links(options.provider, sampling).into_iter().enumerate() {
            let provider = match link {
                ChainLink::Ready(provider) => provider,
                ChainLink::Missing { name, how } => {
                    let detail = format!("requested but not configured: {how}");
                    warnings.push(format!("fell back from {name}: {detail}"));
                    attempts.push(ProviderAttempt::timed(name, "skipped", detail, None, Instant::now()));
                    continue;
                }
            };
            let name = provider.name().to_owned();
            let provider_started = Instant::now();
            let request = CompletionRequest {
                // The caller's model is meant for the provider they expect first; a fallback keeps
                // its own configured model (sampling takes it as a hint only).
                model: (position == 0 || name == "sampling").then(|| options.model.clone()).flatten(),
                ..request.clone()
            };
            match provider.complete(&request).await {
                Ok(completion) => {
                    usage.add(completion.usage);
                    match parse_answer(&completion.text, options) {
                        Ok(parsed) => {
                            tracing::info!(provider = %name, model = %completion.model, "task expanded");
                            attempts.push(ProviderAttempt::timed(
                                &name,
                                "succeeded",
                                String::new(),
                                None,
                                provider_started,
                            ));
                            let fell_back = attempts.len() > 1;
                            return Ok(llm_result(
                                task,
                                parsed,
                                ResultInfo {
                                    provider: name,
                                    model: completion.model,
                                    usage,
                                    warnings,
                                    attempts,
                                    fell_back,
                                    started,
                                },
                            ));
                        }
                        Err(reason) => {
                            let mut detail = format!("answer rejected: {reason}");
                            if completion.truncated {
                                detail.push_str(" (the answer stopped at max_tokens; raise max_tokens)");
                            }
                            tracing::warn!(provider = %name, %detail, "falling back");
                            warnings.push(format!("fell back from {name}: {detail}"));
                            attempts.push(ProviderAttempt::timed(&name, "rejected", detail, None, provider_started));
                        }
                    }
                }
                Err(error) => {
                    let detail = error.to_string();
                    tracing::warn!(provider = %name, %detail, "falling back");
                    warnings.push(format!("fell back from {name}: {detail}"));
                    let requests = Some(error.attempts()).filter(|n| *n > 0);
                    attempts.push(ProviderAttempt::timed(&name, "failed", detail, requests, provider_started));
                }
            }
        }

        let offline_started = Instant::now();
        let mut result = plan_offline(task, options);
        attempts.push(ProviderAttempt::timed(OFFLINE_PROVIDER, "succeeded", String::new(), None, offline_started));
        let metadata = &mut result.metadata;
        warnings.append(&mut metadata.warnings);
        metadata.warnings = warnings;
        metadata.fell_back = attempts.len() > 1;
        metadata.attempts = attempts;
        metadata.token_usage = usage;
        metadata.processing_time = crate::types::elapsed_ms(started);
        Ok(result)
    }
}

struct ResultInfo {
    provider: String,
    model: String,
    usage: TokenUsage,
    warnings: Vec<String>,
    attempts: Vec<ProviderAttempt>,
    fell_back: bool,
    started: Instant,
}

fn llm_result(task: &TaskContext, parsed: ParsedAnswer, info: ResultInfo) -> ExpandedTaskResult {
    let mut warnings = info.warnings;
    let repairs = parsed.repairs.len();
    for repair in parsed.repairs.iter().take(MAX_REPAIR_WARNINGS) {
        warnings.push(format!("repaired {} answer: {repair}", info.provider));
    }
    if repairs > MAX_REPAIR_WARNINGS {
        warnings.push(format!(
            "repaired {} answer: {} more repairs not listed",
            info.provider,
            repairs - MAX_REPAIR_WARNINGS
        ));
    }
    // Each repair is a sign the model misread the format; trust it a little less.
    let confidence = (parsed.confidence.unwrap_or(DEFAULT_MODEL_CONFIDENCE) - 0.02 * repairs as f64).clamp(0.3, 1.0);
    ExpandedTaskResult {
        original_task_id: task.id,
        metadata: ExpansionMetadata {
            expansion_depth: tree_depth(&parsed.subtasks),
            provider: info.provider,
            model: info.model,
            token_usage: info.usage,
            confidence: (confidence * 100.0).round() / 100.0,
            processing_time: crate::types::elapsed_ms(info.started),
            warnings,
            attempts: info.attempts,
            fell_back: info.fell_back,
        },
        subtasks: parsed.subtasks,
        implementation_steps: parsed.implementation_steps,
        test_tasks: parsed.test_tasks,
        documentation_tasks: parsed.documentation_tasks,
    }
}
