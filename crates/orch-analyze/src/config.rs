//! Factor weights and analysis options, with their environment variables.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::AnalyzeError;

/// Environment variable for the code-volume weight.
pub const ENV_WEIGHT_CODE_VOLUME: &str = "COMPLEXITY_WEIGHTS_CODE_VOLUME";
/// Environment variable for the dependencies weight.
pub const ENV_WEIGHT_DEPENDENCIES: &str = "COMPLEXITY_WEIGHTS_DEPENDENCIES";
/// Environment variable for the technical-risk weight.
pub const ENV_WEIGHT_TECHNICAL_RISK: &str = "COMPLEXITY_WEIGHTS_TECHNICAL_RISK";
/// Environment variable for the historical-data weight.
pub const ENV_WEIGHT_HISTORICAL_DATA: &str = "COMPLEXITY_WEIGHTS_HISTORICAL_DATA";
/// Environment variable for the analysis time limit, in seconds.
pub const ENV_ANALYSIS_TIMEOUT: &str = "ANALYSIS_TIMEOUT";

/// Default time limit of a project scan (`ANALYSIS_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Default cap on the number of files a project scan looks at.
pub const DEFAULT_MAX_FILES: usize = 10_000;

/// Relative weights of the four complexity factors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Weights {
    /// Weight of the code-volume factor (default 0.35).
    pub code_volume: f64,
    /// Weight of the dependencies factor (default 0.25).
    pub dependencies: f64,
    /// Weight of the technical-risk factor (default 0.25).
    pub technical_risk: f64,
    /// Weight of the historical-data factor (default 0.15).
    pub historical_data: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self { code_volume: 0.35, dependencies: 0.25, technical_risk: 0.25, historical_data: 0.15 }
    }
}

impl Weights {
    /// Reads the `COMPLEXITY_WEIGHTS_*` variables; unset ones keep their default.
    pub fn from_env() -> Result<Self, AnalyzeError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Weights::from_env`] with a custom variable lookup (tests, config files).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AnalyzeError> {
        let defaults = Self::default();
        let read = |name: &'static str, default: f64| -> Result<f64, AnalyzeError> {
            match lookup(name) {
                None => Ok(default),
                Some(raw) if raw.trim().is_empty() => Ok(default),
                Some(raw) => raw.trim().parse::<f64>().map_err(|e| AnalyzeError::InvalidEnv {
                    name,
                    value: raw.clone(),
                    why: e.to_string(),
                }),
            }
        };
        let weights = Self {
            code_volume: read(ENV_WEIGHT_CODE_VOLUME, defaults.code_volume)?,
            dependencies: read(ENV_WEIGHT_DEPENDENCIES, defaults.dependencies)?,
            technical_risk: read(ENV_WEIGHT_TECHNICAL_RISK, defaults.technical_risk)?,
            historical_data: read(ENV_WEIGHT_HISTORICAL_DATA, defaults.historical_data)?,
        };
        weights.validate()?;
        Ok(weights)
    }

    /// Checks every weight is finite and non-negative and that they do not all vanish.
    pub fn validate(&self) -> Result<(), AnalyzeError> {
        for (name, value) in self.named() {
            if !value.is_finite() {
                return Err(AnalyzeError::InvalidWeights(format!(
                    "{name} is {value}; use a finite number such as 0.25"
                )));
            }
            if value < 0.0 {
                return Err(AnalyzeError::InvalidWeights(format!("{name} is {value}; weights must be >= 0")));
            }
        }
        if self.sum() <= 0.0 {
            return Err(AnalyzeError::InvalidWeights(
                "all weights are 0; give at least one factor a positive weight".to_owned(),
            ));
        }
        Ok(())
    }

    /// Validates and scales the weights so they sum to 1; the note says when scaling happened.
    pub fn normalized(&self) -> Result<(Self, Option<String>), AnalyzeError> {
        self.validate()?;
        let sum = self.sum();
        if (sum - 1.0).abs() < 1e-9 {
            return Ok((*self, None));
        }
        let scaled = Self {
            code_volume: self.code_volume / sum,
            dependencies: self.dependencies / sum,
            technical_risk: self.technical_risk / sum,
            historical_data: self.historical_data / sum,
        };
        let note = format!("configured weights summed to {sum:.3}, not 1; each was divided by {sum:.3}");
        Ok((scaled, Some(note)))
    }

    fn sum(&self) -> f64 {
        self.code_volume + self.dependencies + self.technical_risk + self.historical_data
    }

    fn named(&self) -> [(&'static str, f64); 4] {
        [
            ("codeVolume", self.code_volume),
            ("dependencies", self.dependencies),
            ("technicalRisk", self.technical_risk),
            ("historicalData", self.historical_data),
        ]
    }
}

/// Which factors to compute and how far a project scan may go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisOptions {
    /// DAG fan-in/fan-out and file import analysis (`analyze_dependencies`).
    pub analyze_dependencies: bool,
    /// Lines-of-code estimation (`estimate_code_volume`).
    pub estimate_code_volume: bool,
    /// Technical risk assessment (`assess_risk`).
    pub assess_risk: bool,
    /// Calibration by similar completed tasks (`use_historical_data`).
    pub use_historical_data: bool,
    /// Project tree to scan; `None` analyses the task text only.
    pub project_root: Option<PathBuf>,
    /// Stop the walk after this many files.
    pub max_files: usize,
    /// Stop the scan after this long (`ANALYSIS_TIMEOUT`).
    #[serde(rename = "timeoutSeconds", serialize_with = "serialize_secs", deserialize_with = "deserialize_secs")]
    pub timeout: Duration,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            analyze_dependencies: true,
            estimate_code_volume: true,
            assess_risk: true,
            use_historical_data: true,
            project_root: None,
            max_files: DEFAULT_MAX_FILES,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl AnalysisOptions {
    /// Defaults, with the timeout from `ANALYSIS_TIMEOUT` (seconds) when set.
    pub fn from_env() -> Result<Self, AnalyzeError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`AnalysisOptions::from_env`] with a custom variable lookup.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AnalyzeError> {
        let mut options = Self::default();
        if let Some(raw) = lookup(ENV_ANALYSIS_TIMEOUT).filter(|raw| !raw.trim().is_empty()) {
            let invalid =
                |why: String| AnalyzeError::InvalidEnv { name: ENV_ANALYSIS_TIMEOUT, value: raw.clone(), why };
            let secs = raw.trim().parse::<f64>().map_err(|e| invalid(e.to_string()))?;
            if !secs.is_finite() || secs <= 0.0 {
                return Err(invalid("must be a positive number of seconds".to_owned()));
            }
            options.timeout = Duration::try_from_secs_f64(secs).map_err(|e| invalid(e.to_string()))?;
        }
        Ok(options)
    }
}

fn deserialize_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let secs = f64::deserialize(deserializer)?;
    Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
}

fn serialize_secs<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(value.as_secs_f64())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| owned.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn defaults_sum_to_one_and_need_no_normalising() {
        let (w, note) = Weights::default().normalized().unwrap();
        assert_eq!(w, Weights::default());
        assert!(note.is_none());
    }

    #[test]
    fn env_overrides_and_normalises() {
        let w =
            Weights::from_lookup(env(&[(ENV_WEIGHT_CODE_VOLUME, "1"), (ENV_WEIGHT_HISTORICAL_DATA, " 0.4 ")])).unwrap();
        assert_eq!(w.code_volume, 1.0);
        assert_eq!(w.dependencies, 0.25);
        assert_eq!(w.historical_data, 0.4);
        let (n, note) = w.normalized().unwrap();
        assert!((n.code_volume - 1.0 / 1.9).abs() < 1e-12);
        assert!(note.unwrap().contains("1.900"));
    }

    #[test]
    fn env_rejects_garbage_negative_nan_and_all_zero() {
        let err = Weights::from_lookup(env(&[(ENV_WEIGHT_DEPENDENCIES, "lots")])).unwrap_err();
        assert!(err.to_string().contains("COMPLEXITY_WEIGHTS_DEPENDENCIES"), "{err}");
        let err = Weights::from_lookup(env(&[(ENV_WEIGHT_TECHNICAL_RISK, "-0.1")])).unwrap_err();
        assert!(err.to_string().contains(">= 0"), "{err}");
        let err = Weights::from_lookup(env(&[(ENV_WEIGHT_TECHNICAL_RISK, "NaN")])).unwrap_err();
        assert!(err.to_string().contains("finite"), "{err}");
        let zero = Weights { code_volume: 0.0, dependencies: 0.0, technical_risk: 0.0, historical_data: 0.0 };
        assert!(matches!(zero.normalized(), Err(AnalyzeError::InvalidWeights(_))));
    }

    #[test]
    fn timeout_from_env() {
        let o = AnalysisOptions::from_lookup(env(&[])).unwrap();
        assert_eq!(o.timeout, DEFAULT_TIMEOUT);
        let o = AnalysisOptions::from_lookup(env(&[(ENV_ANALYSIS_TIMEOUT, "12.5")])).unwrap();
        assert_eq!(o.timeout, Duration::from_millis(12_500));
        assert!(AnalysisOptions::from_lookup(env(&[(ENV_ANALYSIS_TIMEOUT, "0")])).is_err());
        assert!(AnalysisOptions::from_lookup(env(&[(ENV_ANALYSIS_TIMEOUT, "soon")])).is_err());
    }
}
