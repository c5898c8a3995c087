//! Task expansion for task-orchestrator: turns one task into a tree of subtasks with
//! implementation steps, test tasks and documentation tasks (the `expand_task` tool).
//!
//! Providers are tried in order — MCP sampling (the client's own model, passed in by the MCP
//! adapter as an [`LlmProvider`]), then the configured HTTP providers (OpenAI, any
//! OpenAI-compatible server such as a local Ollama, Anthropic), then the offline planner
//! ([`plan_offline`]), which needs no network and always answers. A provider that fails is
//! reported in `metadata.warnings` and the next one is tried. This crate stores nothing: the
//! service layer persists the subtasks.

mod answer;
mod anthropic;
mod chain;
mod config;
mod error;
mod expander;
mod http;
mod offline;
mod openai;
pub mod prompt;
mod provider;
mod types;

pub use answer::extract_json;
pub use anthropic::{ANTHROPIC_API_VERSION, AnthropicProvider};
pub use chain::{ChainLink, ProviderChain};
pub use config::{
    ANTHROPIC_DEFAULT_BASE_URL, ANTHROPIC_DEFAULT_MODEL, AnthropicConfig, ApiKey, HttpSettings,
    OPENAI_DEFAULT_BASE_URL, OPENAI_DEFAULT_MODEL, OpenAiConfig, ProvidersConfig,
};
pub use error::{ExpandError, ProviderError};
pub use expander::Expander;
pub use offline::{MIN_SPLIT_HOURS, OFFLINE_MODEL, OFFLINE_PROVIDER, plan_offline};
pub use openai::OpenAiProvider;
pub use provider::{Completion, CompletionRequest, LlmProvider};
pub use types::{
    DocumentationTask, ExpandOptions, ExpandedSubtask, ExpandedTaskResult, ExpansionMetadata, ImplementationStep,
    MAX_MODEL_CHARS, ProviderAttempt, ProviderChoice, SUPPORTED_MAX_DEPTH, TaskContext, TestTask, TokenUsage,
    tree_depth,
};
