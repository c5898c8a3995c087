//! Prints the analysis of a task given on the command line: `explain "<title>" ["<description>"] [project_root]`.
#![allow(clippy::unwrap_used)]

use orch_analyze::{AnalysisOptions, TaskProfile, Weights, analyze};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let title = args.first().cloned().ok_or("usage: explain \"<title>\" [\"<description>\"] [project_root]")?;
    let task = TaskProfile {
        id: 1,
        title,
        description: args.get(1).filter(|d| !d.is_empty()).cloned(),
        ..TaskProfile::default()
    };
    let options = AnalysisOptions { project_root: args.get(2).map(Into::into), ..AnalysisOptions::from_env()? };
    let result = analyze(&task, &[], &options, &Weights::from_env()?, "1970-01-01T00:00:00Z")?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}
