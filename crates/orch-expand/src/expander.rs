//! The provider chain: sampling, configured HTTP providers, then the offline planner.

use std::sync::Arc;
use std::time::Instant;

use crate::answer::{ParsedAnswer, parse_answer};
use crate::anthropic::AnthropicProvider;
use crate::config::ProvidersConfig;
use crate::error::ExpandError;
use crate::http::build_client;
use crate::offline::{OFFLINE_PROVIDER, plan_offline};
use crate::openai::OpenAiProvider;
use crate::prompt::{system_prompt, user_prompt};
use crate::provider::{CompletionRequest, LlmProvider};
use crate::types::{
    ExpandOptions, ExpandedTaskResult, ExpansionMetadata, ProviderAttempt, ProviderChoice, SUPPORTED_MAX_DEPTH,
    TaskContext, TokenUsage, tree_depth,
};

/// Most repair warnings listed one by one; the rest are counted.
const MAX_REPAIR_WARNINGS: usize = 15;
/// Confidence assumed for a model answer that states none.
const DEFAULT_MODEL_CONFIDENCE: f64 = 0.7;

/// Expands tasks with the best provider available, falling back down the chain.
pub struct Expander {
    config: ProvidersConfig,
    openai: Option<Arc<dyn LlmProvider>>,
    anthropic: Option<Arc<dyn LlmProvider>>,
}

impl std::fmt::Debug for Expander {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expander").field("config", &self.config).finish_non_exhaustive()
    }
}

/// One link of the chain.
enum Slot {
    Ready(Arc<dyn LlmProvider>),
    /// Named by the caller but not configured: `(name, how to configure it)`.
    Missing(&'static str, &'static str),
}

impl Expander {
    /// Builds the HTTP providers that `config` enables.
    pub fn new(config: ProvidersConfig) -> Result<Self, ExpandError> {
        let client = build_client(&config.http)
            .map_err(|e| ExpandError::Config(format!("cannot build the HTTP client: {}", e.without_url())))?;
        let openai = config
            .openai
            .clone()
            .map(|c| Arc::new(OpenAiProvider::new(c, config.http.clone(), client.clone())) as Arc<dyn LlmProvider>);
        let anthropic = config
            .anthropic
            .clone()
            .map(|c| Arc::new(AnthropicProvider::new(c, config.http.clone(), client.clone())) as Arc<dyn LlmProvider>);
        Ok(Self { config, openai, anthropic })
    }

    /// Names of the configured HTTP providers, in `auto` order (for status output).
    pub fn configured_providers(&self) -> Vec<String> {
        self.http_order()
            .into_iter()
            .filter_map(|choice| self.http_provider(choice))
            .map(|p| p.name().to_owned())
            .collect()
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

        for (position, slot) in self.chain(options, sampling).into_iter().enumerate() {
            let provider = match slot {
                Slot::Ready(provider) => provider,
                Slot::Missing(name, how) => {
                    let detail = format!("requested but not configured: {how}");
                    warnings.push(format!("fell back from {name}: {detail}"));
                    attempts.push(attempt(name, "skipped", detail, None, Instant::now()));
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
                            attempts.push(attempt(&name, "succeeded", String::new(), None, provider_started));
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
                            attempts.push(attempt(&name, "rejected", detail, None, provider_started));
                        }
                    }
                }
                Err(error) => {
                    let detail = error.to_string();
                    tracing::warn!(provider = %name, %detail, "falling back");
                    warnings.push(format!("fell back from {name}: {detail}"));
                    let requests = Some(error.attempts()).filter(|n| *n > 0);
                    attempts.push(attempt(&name, "failed", detail, requests, provider_started));
                }
            }
        }

        let offline_started = Instant::now();
        let mut result = plan_offline(task, options);
        attempts.push(attempt(OFFLINE_PROVIDER, "succeeded", String::new(), None, offline_started));
        let metadata = &mut result.metadata;
        warnings.append(&mut metadata.warnings);
        metadata.warnings = warnings;
        metadata.fell_back = attempts.len() > 1;
        metadata.attempts = attempts;
        metadata.token_usage = usage;
        metadata.processing_time = elapsed_ms(started);
        Ok(result)
    }

    fn http_order(&self) -> [ProviderChoice; 2] {
        match self.config.default_provider {
            ProviderChoice::Anthropic => [ProviderChoice::Anthropic, ProviderChoice::OpenAi],
            _ => [ProviderChoice::OpenAi, ProviderChoice::Anthropic],
        }
    }

    fn http_provider(&self, choice: ProviderChoice) -> Option<&Arc<dyn LlmProvider>> {
        match choice {
            ProviderChoice::OpenAi => self.openai.as_ref(),
            ProviderChoice::Anthropic => self.anthropic.as_ref(),
            ProviderChoice::Auto => None,
        }
    }

    /// `auto`: sampling, then HTTP providers (`DEFAULT_LLM_PROVIDER` first). A named provider goes
    /// first and the rest of the `auto` chain follows it.
    fn chain(&self, options: &ExpandOptions, sampling: Option<Arc<dyn LlmProvider>>) -> Vec<Slot> {
        let mut chain = Vec::new();
        let named = options.provider;
        if named != ProviderChoice::Auto {
            match self.http_provider(named) {
                Some(provider) => chain.push(Slot::Ready(provider.clone())),
                None => chain.push(match named {
                    ProviderChoice::OpenAi => Slot::Missing(
                        "openai",
                        "set OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server",
                    ),
                    _ => Slot::Missing("anthropic", "set ANTHROPIC_API_KEY"),
                }),
            }
        }
        if let Some(sampling) = sampling {
            chain.push(Slot::Ready(sampling));
        }
        for choice in self.http_order() {
            if choice != named
                && let Some(provider) = self.http_provider(choice)
            {
                chain.push(Slot::Ready(provider.clone()));
            }
        }
        chain
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
            processing_time: elapsed_ms(info.started),
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

fn attempt(provider: &str, outcome: &str, detail: String, requests: Option<u32>, started: Instant) -> ProviderAttempt {
    ProviderAttempt {
        provider: provider.to_owned(),
        outcome: outcome.to_owned(),
        detail,
        requests,
        duration_ms: elapsed_ms(started),
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
