//! The defaults of the tool parameters, once: each type's `Default` is what an omitted field becomes on the wire
//! (serde reads the field from it) and what the CLI starts from (`..Default::default()`). The JSON Schema shows
//! the same values, since schemars serialises serde's defaults.

use orch_core::select::Constraints;

use super::{AnalyzeParams, ExpandTaskParams, GetNextTaskParams, ParsePrdParams, ProviderDto, default_project};

/// `Type::field()`: the default of one field, read from `Type::default()`, for `#[serde(default = "...")]`.
macro_rules! field_defaults {
    ($ty:ident { $($field:ident: $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                pub(crate) fn $field() -> $t {
                    Self::default().$field
                }
            )*
        }
    };
}

impl Default for AnalyzeParams {
    /// Every analysis on; `task_id` 0 is no task (refused until set).
    fn default() -> Self {
        AnalyzeParams {
            task_id: 0,
            analyze_dependencies: true,
            estimate_code_volume: true,
            assess_risk: true,
            use_historical_data: true,
            project_root: None,
        }
    }
}
field_defaults!(AnalyzeParams {
    analyze_dependencies: bool,
    estimate_code_volume: bool,
    assess_risk: bool,
    use_historical_data: bool,
});

impl Default for ExpandTaskParams {
    /// Depth 2 of at most 3, every kind of subtask, the automatic provider; `task_id` 0 is no task.
    fn default() -> Self {
        ExpandTaskParams {
            task_id: 0,
            depth: 2,
            max_depth: 3,
            include_tests: true,
            include_documentation: true,
            include_implementation: true,
            provider: ProviderDto::Auto,
            model: None,
            max_tokens: 2000,
            temperature: 0.7,
            replace: false,
        }
    }
}
field_defaults!(ExpandTaskParams {
    depth: u32,
    max_depth: u32,
    include_tests: bool,
    include_documentation: bool,
    include_implementation: bool,
    max_tokens: u32,
    temperature: f32,
});

impl Default for ParsePrdParams {
    /// The default project, every extraction on, confidence threshold 0.7; `content` empty (refused until set).
    fn default() -> Self {
        ParsePrdParams {
            content: String::new(),
            project_id: default_project(),
            generate_tasks: true,
            analyze_dependencies: true,
            extract_user_stories: true,
            parse_acceptance_criteria: true,
            confidence_threshold: 0.7,
        }
    }
}
field_defaults!(ParsePrdParams {
    project_id: String,
    generate_tasks: bool,
    analyze_dependencies: bool,
    extract_user_stories: bool,
    parse_acceptance_criteria: bool,
    confidence_threshold: f64,
});

impl Default for GetNextTaskParams {
    /// The selection constraints' own defaults (orch-core's `Constraints`), no claim; `project_id` empty.
    fn default() -> Self {
        let c = Constraints::default();
        GetNextTaskParams {
            project_id: String::new(),
            max_complexity: c.max_complexity,
            max_complexity_limit: c.max_complexity_limit,
            preferred_task_types: c.preferred_task_types,
            preferred_languages: c.preferred_languages,
            excluded_tags: c.excluded_tags,
            required_tags: c.required_tags,
            max_estimated_hours: c.max_estimated_hours,
            min_estimated_hours: c.min_estimated_hours,
            priority_threshold: c.priority_threshold,
            enable_grouping: c.enable_grouping,
            minimize_context_switching: c.minimize_context_switching,
            hours_available_today: c.hours_available_today,
            available_developers: c.available_developers,
            claim: false,
            assignee: None,
        }
    }
}
field_defaults!(GetNextTaskParams {
    max_complexity: f64,
    max_complexity_limit: f64,
    enable_grouping: bool,
    minimize_context_switching: bool,
});

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // An omitted field decodes to the type's Default, so the two cannot drift apart.
    #[test]
    fn omitted_fields_decode_to_the_defaults() {
        let a: AnalyzeParams = serde_json::from_str(r#"{"task_id": 0}"#).unwrap();
        assert_eq!(format!("{a:?}"), format!("{:?}", AnalyzeParams::default()));
        let e: ExpandTaskParams = serde_json::from_str(r#"{"task_id": 0}"#).unwrap();
        assert_eq!(format!("{e:?}"), format!("{:?}", ExpandTaskParams::default()));
        let p: ParsePrdParams = serde_json::from_str(r#"{"content": ""}"#).unwrap();
        assert_eq!(format!("{p:?}"), format!("{:?}", ParsePrdParams::default()));
        let n: GetNextTaskParams = serde_json::from_str(r#"{"project_id": ""}"#).unwrap();
        assert_eq!(format!("{n:?}"), format!("{:?}", GetNextTaskParams::default()));
    }

    #[test]
    fn the_documented_values() {
        let e = ExpandTaskParams::default();
        assert_eq!((e.depth, e.max_depth, e.max_tokens, e.temperature), (2, 3, 2000, 0.7));
        let n = GetNextTaskParams::default();
        assert_eq!((n.max_complexity, n.max_complexity_limit), (8.0, 8.0));
        assert!(n.enable_grouping && n.minimize_context_switching && !n.claim);
        let p = ParsePrdParams::default();
        assert_eq!((p.project_id.as_str(), p.confidence_threshold), ("default-project", 0.7));
    }
}
