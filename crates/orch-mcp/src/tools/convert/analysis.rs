//! `ComplexityAnalysis` → `ComplexityAnalysisDto` (analyze_complexity) and `EffortBreakdown` → `EffortBreakdownDto`
//! (estimate_effort).

use orch_service::analyze::{
    AnalysisMetadata, AnalysisOptions, ComplexityAnalysis, EffortBreakdown, FactorScore, FileDependency, HistoryUsed,
    Risk, RiskAssessment, RiskCategory, Severity, SimilarTask, TechnicalDebt, Weights,
};

use super::count;
use crate::dto::*;

/// The whole analysis.
pub(crate) fn complexity(a: ComplexityAnalysis) -> ComplexityAnalysisDto {
    ComplexityAnalysisDto {
        score: a.score,
        estimated_hours: a.estimated_hours,
        factors: ComplexityFactorsDto {
            code_volume: factor(a.factors.code_volume),
            dependencies: factor(a.factors.dependencies),
            technical_risk: factor(a.factors.technical_risk),
            historical_data: factor(a.factors.historical_data),
        },
        risk_assessment: risk_assessment(a.risk_assessment),
        dependencies: a.dependencies.into_iter().map(file).collect(),
        estimated_lines_of_code: a.estimated_lines_of_code,
        confidence: a.confidence,
        metadata: metadata(a.metadata),
    }
}

/// How the hours were derived.
pub(crate) fn effort(e: EffortBreakdown) -> EffortBreakdownDto {
    EffortBreakdownDto {
        model_score: e.model_score,
        model_hours: e.model_hours,
        history_ratio: e.history_ratio,
        history_hours: e.history_hours,
        history_weight: e.history_weight,
        evidence: e.evidence,
    }
}

/// A severity as the wire spells it.
pub(crate) fn severity(s: Severity) -> SeverityDto {
    match s {
        Severity::Low => SeverityDto::Low,
        Severity::Medium => SeverityDto::Medium,
        Severity::High => SeverityDto::High,
        Severity::Critical => SeverityDto::Critical,
    }
}

fn factor(f: FactorScore) -> FactorScoreDto {
    FactorScoreDto {
        score: f.score,
        weight: f.weight,
        configured_weight: f.configured_weight,
        contribution: f.contribution,
        enabled: f.enabled,
        evidence: f.evidence,
    }
}

fn risk_assessment(r: RiskAssessment) -> RiskAssessmentDto {
    RiskAssessmentDto {
        assessed: r.assessed,
        level: r.level.map(severity),
        technical_debt: debt(r.technical_debt),
        risks: r.risks.into_iter().map(risk).collect(),
    }
}

fn debt(d: TechnicalDebt) -> TechnicalDebtDto {
    TechnicalDebtDto { level: severity(d.level), score: d.score, evidence: d.evidence }
}

fn risk(r: Risk) -> RiskDto {
    RiskDto { category: category(r.category), severity: severity(r.severity), points: r.points, evidence: r.evidence }
}

fn category(c: RiskCategory) -> RiskCategoryDto {
    match c {
        RiskCategory::Security => RiskCategoryDto::Security,
        RiskCategory::DataMigration => RiskCategoryDto::DataMigration,
        RiskCategory::Concurrency => RiskCategoryDto::Concurrency,
        RiskCategory::ExternalIntegration => RiskCategoryDto::ExternalIntegration,
        RiskCategory::Performance => RiskCategoryDto::Performance,
        RiskCategory::UnfamiliarTech => RiskCategoryDto::UnfamiliarTech,
        RiskCategory::DagFanIn => RiskCategoryDto::DagFanIn,
        RiskCategory::DagFanOut => RiskCategoryDto::DagFanOut,
    }
}

fn file(f: FileDependency) -> FileDependencyDto {
    FileDependencyDto {
        path: f.path,
        reason: f.reason,
        lines: f.lines,
        imported_by: f.imported_by,
        language: f.language,
    }
}

fn metadata(m: AnalysisMetadata) -> AnalysisMetadataDto {
    AnalysisMetadataDto {
        analysis_time: m.analysis_time,
        version: m.version,
        method: m.method,
        options: options(m.options),
        weights: weights(m.weights),
        weights_note: m.weights_note,
        files_scanned: count(m.files_scanned),
        files_read: count(m.files_read),
        import_edges: count(m.import_edges),
        walk_capped: WalkCapDto { capped: m.walk_capped.capped, reason: m.walk_capped.reason },
        history_used: history(m.history_used),
        effort: effort(m.effort),
        confidence_reasons: m.confidence_reasons,
    }
}

fn options(o: AnalysisOptions) -> AnalysisOptionsDto {
    AnalysisOptionsDto {
        analyze_dependencies: o.analyze_dependencies,
        estimate_code_volume: o.estimate_code_volume,
        assess_risk: o.assess_risk,
        use_historical_data: o.use_historical_data,
        project_root: o.project_root.map(|p| p.display().to_string()),
        max_files: count(o.max_files),
        timeout_seconds: o.timeout.as_secs_f64(),
    }
}

fn weights(w: Weights) -> ComplexityWeightsDto {
    ComplexityWeightsDto {
        code_volume: w.code_volume,
        dependencies: w.dependencies,
        technical_risk: w.technical_risk,
        historical_data: w.historical_data,
    }
}

fn history(h: HistoryUsed) -> HistoryUsedDto {
    HistoryUsedDto {
        count: count(h.count),
        task_ids: h.task_ids,
        considered: count(h.considered),
        similar: h.similar.into_iter().map(similar).collect(),
    }
}

fn similar(s: SimilarTask) -> SimilarTaskDto {
    SimilarTaskDto {
        id: s.id,
        title: s.title,
        similarity: s.similarity,
        actual_hours: s.actual_hours,
        estimated_hours: s.estimated_hours,
        shared_terms: s.shared_terms,
    }
}
