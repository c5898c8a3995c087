//! Property tests: arbitrary text and Markdown-ish token soup never panic, parsing is
//! deterministic, and every successful result keeps its invariants.
#![allow(clippy::unwrap_used)]

use orch_prd::{MAX_PRD_BYTES, ParseOptions, ParsedPrd, PrdError, parse_prd};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "# ",
    "## ",
    "### ",
    "#### ",
    "\n",
    "\n\n",
    "  ",
    "    ",
    "\t",
    "- ",
    "* ",
    "1. ",
    "2) ",
    "- [ ] ",
    "- [x] ",
    "> ",
    "---\n",
    "...\n",
    "```\n",
    "```gherkin\n",
    "| a | b |\n",
    "|---|---|\n",
    "| ",
    " |",
    "**",
    "_",
    "`",
    "<div>",
    "</div>",
    "[link](http://x)",
    ":",
    ",",
    " and ",
    "Features",
    "Requirements",
    "User Stories",
    "Acceptance Criteria",
    "Overview",
    "Non-goals",
    "Dependencies",
    "Feature: ",
    "Priority: ",
    "High",
    "P0",
    "Must have",
    "Won't",
    "Depends on: ",
    "requires ",
    "after ",
    "blocked by ",
    "As a user, I want ",
    "to log in",
    " so that ",
    "I can work",
    "Given ",
    "when ",
    "then ",
    "Scenario: ",
    "Login",
    "Signup",
    "Billing",
    "FR-1: ",
    "NFR-2. ",
    "title: x\n",
    "é",
    "🚀",
    "İ",
    "\u{212A}",
    "ẞ",
    "Feature: İ",
    " depends on ",
    "\u{0}",
    "\u{feff}",
    "\r\n",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|t| t.concat())
}

fn check(content: &str, options: &ParseOptions) -> Result<(), TestCaseError> {
    let first = parse_prd(content, options);
    let second = parse_prd(content, options);
    match (&first, &second) {
        (Ok(a), Ok(b)) => {
            prop_assert_eq!(serde_json::to_string(a).unwrap(), serde_json::to_string(b).unwrap());
            invariants(a)?;
        }
        (Err(a), Err(b)) => {
            prop_assert_eq!(a, b);
            prop_assert!(!a.to_string().is_empty());
        }
        _ => prop_assert!(false, "nondeterministic outcome"),
    }
    Ok(())
}

fn invariants(p: &ParsedPrd) -> Result<(), TestCaseError> {
    let keys: Vec<&str> = p.tasks.iter().map(|t| t.key.as_str()).collect();
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    prop_assert_eq!(unique.len(), keys.len());
    prop_assert!((0.0..=1.0).contains(&p.confidence));
    for f in &p.features {
        prop_assert!(f.priority <= 4 && (0.0..=1.0).contains(&f.confidence));
    }
    for t in &p.tasks {
        prop_assert!(!t.depends_on.contains(&t.key));
        for d in &t.depends_on {
            prop_assert!(keys.contains(&d.as_str()));
        }
    }
    // The task graph is acyclic: repeatedly remove tasks whose dependencies are all removed.
    let mut left: Vec<&orch_prd::TaskDraft> = p.tasks.iter().collect();
    let mut done: Vec<&str> = Vec::new();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            if t.depends_on.iter().all(|d| done.contains(&d.as_str())) {
                done.push(&t.key);
                false
            } else {
                true
            }
        });
        prop_assert!(left.len() < before, "dependency cycle among tasks");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(content in any::<String>()) {
        check(&content, &ParseOptions::default())?;
    }

    #[test]
    fn markdown_token_soup_never_panics(content in soup(), threshold in 0.0f64..=1.0, flags in any::<[bool; 4]>()) {
        let options = ParseOptions {
            generate_tasks: flags[0],
            analyze_dependencies: flags[1],
            extract_user_stories: flags[2],
            parse_acceptance_criteria: flags[3],
            confidence_threshold: threshold,
        };
        check(&content, &options)?;
    }

    #[test]
    fn structured_documents_always_parse(
        // The index suffix keeps a name from being a section keyword ("Goals", "TBD", "Why"), which is reported as a
        // non-feature section by design (see `section_keywords_under_features_are_not_features`).
        names in prop::collection::vec("[A-Za-z][A-Za-z ]{0,20}", 1..12)
            .prop_map(|v| v.into_iter().enumerate().map(|(i, n)| format!("{} {i}", n.trim_end())).collect::<Vec<_>>())
    ) {
        let mut md = String::from("# Doc\n\n## Features\n");
        for (i, name) in names.iter().enumerate() {
            md.push_str(&format!("### {name}\n- Priority: High\n- Depends on: {}\n", names[(i * 7) % names.len()]));
        }
        let p = parse_prd(&md, &ParseOptions::default()).unwrap();
        prop_assert_eq!(p.features.len(), names.len());
        invariants(&p)?;
    }
}

#[test]
fn oversize_input_names_the_limit() {
    let content = "a".repeat(MAX_PRD_BYTES + 1);
    let err = parse_prd(&content, &ParseOptions::default()).unwrap_err();
    assert_eq!(err, PrdError::TooLarge { size: MAX_PRD_BYTES + 1, limit: MAX_PRD_BYTES });
}

#[test]
fn deeply_nested_lists_and_quotes_do_not_overflow() {
    let mut md = String::from("# T\n## Features\n");
    for depth in 0..400 {
        md.push_str(&"  ".repeat(depth));
        md.push_str("- item\n");
    }
    md.push_str(&">".repeat(5000));
    md.push_str(" deep\n");
    let p = parse_prd(&md, &ParseOptions::default()).unwrap();
    assert_eq!(p.features.len(), 1);
}

#[test]
fn large_documents_near_the_limit_parse() {
    let mut md = String::from("# Big\n\n## Features\n");
    let mut i = 0;
    while md.len() < MAX_PRD_BYTES - 400 {
        md.push_str(&format!(
            "### Feature number {i}\n- Priority: P{}\n- Depends on: Feature number {}\n- Acceptance Criteria:\n  - [ ] works {i}\n\n",
            i % 4,
            i / 2
        ));
        i += 1;
    }
    let p = parse_prd(&md, &ParseOptions::default()).unwrap();
    assert_eq!(p.features.len(), i);
    assert_eq!(p.tasks.len(), i);
}

#[test]
fn section_keywords_under_features_are_not_features() {
    let md = "# Doc\n\n## Features\n### Login\n- Priority: High\n### TBD\n- Priority: High\n";
    let p = parse_prd(md, &ParseOptions::default()).unwrap();
    let titles: Vec<&str> = p.features.iter().map(|f| f.title.as_str()).collect();
    assert_eq!(titles, vec!["Login"], "a TBD heading is an open question, not a feature");
}
