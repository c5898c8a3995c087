//! The offline planner: a deterministic decomposition from the task's own text, tags, language,
//! acceptance criteria and estimate. See `docs/expansion.md` for the method and the weights.
//!
//! `analysis` reads the task, `pieces` lays out the top level, `children` splits pieces further down, `drafts` lists
//! the tests and documents, `effort` splits hours; every text, weight and link they use is a table in `templates`.

mod analysis;
mod children;
mod drafts;
mod effort;
mod lang;
mod pieces;
mod templates;

use analysis::{Analysis, EstimateSource, WorkKind, analyse};

use crate::answer::round_quarter;
use crate::types::{
    ExpandOptions, ExpandedSubtask, ExpandedTaskResult, ExpansionMetadata, TaskContext, TokenUsage, tree_depth,
};

/// Name of the offline provider in results.
pub const OFFLINE_PROVIDER: &str = "offline";
/// Version of the planner, reported as the model.
pub const OFFLINE_MODEL: &str = "offline-planner-1";
/// A piece smaller than this (hours) is not split further, whatever the depth.
pub const MIN_SPLIT_HOURS: f64 = 1.0;

/// What a piece of the plan is, which decides how it splits at the next level.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Design,
    Contract,
    Component(String),
    CoreLogic(String),
    ForwardMigration,
    Backfill,
    Tests,
    Docs,
    Rollout,
    Research,
    Evaluate(String),
    Prototype,
    Section(String),
    Leaf,
}

/// A piece of the plan before efforts are assigned.
#[derive(Debug, Clone)]
struct Piece {
    role: Role,
    title: String,
    description: String,
    task_type: &'static str,
    weight: f64,
    dependencies: Vec<usize>,
    criteria: Vec<String>,
}

impl Piece {
    fn new(role: Role, task_type: &'static str, weight: f64, title: String, description: String) -> Self {
        Self { role, title, description, task_type, weight, dependencies: Vec::new(), criteria: Vec::new() }
    }

    fn after(mut self, dependencies: &[usize]) -> Self {
        self.dependencies = dependencies.to_vec();
        self
    }

    fn done_when(mut self, criteria: Vec<String>) -> Self {
        self.criteria = criteria;
        self
    }
}

/// Plans `task` without any model. Deterministic: the same input gives the same output
/// (`processingTime` is 0; the expander fills in the real time).
pub fn plan_offline(task: &TaskContext, options: &ExpandOptions) -> ExpandedTaskResult {
    let a = analyse(task);
    let depth = options.effective_depth();
    let mut warnings = Vec::new();
    match a.estimate_source {
        EstimateSource::Given => {}
        EstimateSource::Complexity => warnings.push(format!(
            "no estimate given: used {:.1} hours from the complexity score (2 hours per point)",
            a.estimate
        )),
        EstimateSource::Assumed => warnings.push(format!(
            "no estimate or complexity score given: assumed {:.1} hours for a {} task; run analyze_complexity first for a better split",
            a.estimate,
            a.kind.tag()
        )),
    }
    if a.kind == WorkKind::Documentation && !options.include_documentation {
        warnings.push(
            "the task itself is documentation: its writing subtasks are kept although include_documentation is false"
                .into(),
        );
    }

    let tests = if options.include_tests { drafts::test_tasks(&a) } else { Vec::new() };
    let docs = if options.include_documentation { drafts::doc_tasks(&a) } else { Vec::new() };
    let plan = pieces::top_level(&a, options, !tests.is_empty());

    let total = round_quarter(a.estimate);
    let weights: Vec<f64> = plan.iter().map(|p| p.weight).collect();
    let efforts = effort::split_effort(total, &weights);
    if efforts.iter().sum::<f64>() > total + 1e-9 {
        warnings.push(format!(
            "the estimate of {total} hours is smaller than the {} pieces need at a quarter hour each",
            plan.len()
        ));
    }
    let tests_index = plan.iter().position(|p| p.role == Role::Tests);
    let docs_index = plan.iter().position(|p| p.role == Role::Docs);

    let mut subtasks = Vec::with_capacity(plan.len());
    for (piece, effort) in plan.iter().zip(&efforts) {
        let children = if depth > 1 {
            children::children_of(&a, &piece.role, *effort, 2, depth, &tests, &docs)
        } else {
            Vec::new()
        };
        subtasks.push(ExpandedSubtask {
            title: piece.title.clone(),
            description: piece.description.clone(),
            estimated_effort: *effort,
            dependencies: piece.dependencies.clone(),
            task_type: piece.task_type.to_owned(),
            tags: subtask_tags(&a, piece.task_type),
            acceptance_criteria: piece.criteria.clone(),
            subtasks: children,
        });
    }

    let test_tasks = drafts::distribute_tests(&a, tests, tests_index.map(|i| (i, efforts[i])));
    let documentation_tasks = drafts::distribute_docs(docs, docs_index.map(|i| (i, efforts[i])));
    let implementation_steps = if options.include_implementation {
        children::implementation_steps(&a, &plan, tests_index)
    } else {
        Vec::new()
    };

    ExpandedTaskResult {
        original_task_id: task.id,
        metadata: ExpansionMetadata {
            expansion_depth: tree_depth(&subtasks),
            provider: OFFLINE_PROVIDER.to_owned(),
            model: OFFLINE_MODEL.to_owned(),
            token_usage: TokenUsage::default(),
            confidence: confidence(task, &a),
            processing_time: 0,
            warnings,
            attempts: Vec::new(),
            fell_back: false,
        },
        subtasks,
        implementation_steps,
        test_tasks,
        documentation_tasks,
    }
}

/// The task's tags, the kind of work, and the language on pieces that touch code.
fn subtask_tags(a: &Analysis, task_type: &str) -> Vec<String> {
    let mut tags: Vec<String> = a.tags.clone();
    let lang = a
        .lang
        .filter(|_| matches!(task_type, "implementation" | "test" | "migration"))
        .map(|l| l.name().to_lowercase());
    for extra in std::iter::once(a.kind.tag().to_owned()).chain(lang) {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(&extra)) {
            tags.push(extra);
        }
    }
    tags
}

/// 0.35 plus what the task gives to go on, at most 0.75: the planner knows the kind of work, not
/// the code.
fn confidence(task: &TaskContext, a: &Analysis) -> f64 {
    let mut c: f64 = 0.35;
    if !a.criteria.is_empty() {
        c += 0.1;
    }
    if a.estimate_source != EstimateSource::Assumed {
        c += 0.1;
    }
    let text_len = task.description.as_deref().map_or(0, str::len) + task.details.as_deref().map_or(0, str::len);
    if text_len >= 80 {
        c += 0.05;
    }
    if a.kind_score >= 3 {
        c += 0.1;
    }
    if a.explicit_components {
        c += 0.05;
    }
    (c.min(0.75) * 100.0).round() / 100.0
}
