//! Snapshot tests: one fixture PRD per real-world style, parsed with the default options.
#![allow(clippy::unwrap_used)]

use orch_prd::{CriterionKind, ParseOptions, ParsedPrd, parse_prd};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.md", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap()
}

fn parse(name: &str) -> ParsedPrd {
    let content = fixture(name);
    let parsed = parse_prd(&content, &ParseOptions::default()).unwrap();
    // Same input, byte-identical output.
    let again = parse_prd(&content, &ParseOptions::default()).unwrap();
    assert_eq!(serde_json::to_string(&parsed).unwrap(), serde_json::to_string(&again).unwrap());
    check_invariants(&parsed);
    parsed
}

/// Properties every result must have, whatever the input.
fn check_invariants(p: &ParsedPrd) {
    let keys: Vec<&str> = p.tasks.iter().map(|t| t.key.as_str()).collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "task keys are unique");
    for t in &p.tasks {
        assert!(t.priority <= 4);
        assert!((0.0..=1.0).contains(&t.confidence));
        assert!(!t.depends_on.contains(&t.key), "no self dependency");
        for d in &t.depends_on {
            assert!(keys.contains(&d.as_str()), "{} depends on unknown {d}", t.key);
        }
    }
    for s in &p.skipped {
        assert!(!keys.contains(&s.key.as_str()), "skipped items produce no task");
    }
}

#[test]
fn spec_example() {
    let p = parse("01-spec-example");
    assert_eq!(p.title.as_deref(), Some("User Authentication System"));
    assert_eq!(p.features.len(), 2);
    assert_eq!(p.tasks.len(), 2);
    assert!(p.tasks.iter().all(|t| t.priority == 3 && t.acceptance_criteria.len() == 3));
    assert!(p.tasks[0].details.contains("- [ ] Email verification is sent"));
    insta::assert_json_snapshot!(p);
}

#[test]
fn numbered_requirements_with_front_matter() {
    let p = parse("02-numbered-requirements");
    assert_eq!(p.title.as_deref(), Some("Team Workspaces PRD"));
    assert_eq!(p.front_matter["status"], "draft");
    let kinds: Vec<_> = p.sections.iter().map(|s| s.kind).collect();
    assert_eq!(kinds.len(), 4, "overview, goals, non-goals, open questions: {kinds:?}");
    assert_eq!(p.requirements.len(), 6);
    let invite = p.requirements.iter().find(|r| r.key == "invite-members").unwrap();
    assert_eq!(invite.depends_on, vec!["create-workspace"]);
    let nfr = p.requirements.iter().find(|r| r.id.as_deref() == Some("NFR-1")).unwrap();
    assert_eq!(nfr.key, "nfr-1");
    assert_eq!(nfr.tags, vec!["non-functional"]);
    assert!(p.warnings.iter().any(|w| w.contains("Payment provider integration")));
    insta::assert_json_snapshot!(p);
}

#[test]
fn user_stories_in_a_table() {
    let p = parse("03-user-stories-table");
    assert_eq!(p.user_stories.len(), 4);
    assert_eq!(p.features.len(), 4, "a story-driven PRD turns stories into features");
    assert_eq!(p.tasks.len(), 3, "the Won't-have story is not drafted");
    assert_eq!(p.skipped[0].key, "us-4");
    let gwt = p
        .acceptance_criteria
        .iter()
        .filter(|c| c.kind == CriterionKind::GivenWhenThen && c.feature_key.as_deref() == Some("us-1"))
        .count();
    assert_eq!(gwt, 2);
    insta::assert_json_snapshot!(p);
}

#[test]
fn moscow_groups_and_checkboxes() {
    let p = parse("04-moscow-checkboxes");
    let prio: Vec<(&str, u8)> = p.features.iter().map(|f| (f.key.as_str(), f.priority)).collect();
    assert_eq!(
        prio,
        vec![
            ("offline-job-list", 4),
            ("offline-edits", 4),
            ("background-sync", 3),
            ("sync-status-badge", 2),
            ("offline-maps", 0)
        ]
    );
    let checked: Vec<_> = p.acceptance_criteria.iter().map(|c| c.checked).collect();
    assert_eq!(checked[0], Some(true));
    assert!(checked[1..].iter().all(|c| *c == Some(false)));
    let sync = p.tasks.iter().find(|t| t.key == "background-sync").unwrap();
    assert_eq!(sync.depends_on, vec!["offline-edits"], "free-text 'after Offline edits'");
    insta::assert_json_snapshot!(p);
}

#[test]
fn explicit_feature_headings_with_gherkin_and_a_cycle() {
    let p = parse("05-gherkin-epics");
    assert!(p.features.iter().all(|f| f.confidence == 1.0));
    let cart = &p.features[1];
    assert_eq!(cart.acceptance_criteria.len(), 2);
    assert!(cart.acceptance_criteria[0].starts_with("Add an item: Given an empty cart"));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("would close the cycle order-confirmation -> payment -> order-confirmation"))
    );
    assert!(p.warnings.iter().any(|w| w.contains("'Inventory Service'")));
    insta::assert_json_snapshot!(p);
}

#[test]
fn feature_table() {
    let p = parse("06-feature-table");
    assert_eq!(p.features.len(), 5);
    assert_eq!(p.features[0].acceptance_criteria.len(), 2);
    assert_eq!(p.features[3].depends_on, vec!["account-list"]);
    assert!(p.warnings.iter().any(|w| w.contains("'Someday'")));
    insta::assert_json_snapshot!(p);
}

#[test]
fn loose_headings_without_containers() {
    let p = parse("07-loose-headings");
    let drafted: Vec<_> = p.tasks.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(drafted, vec!["in-app-inbox", "email-digest"]);
    let skipped: Vec<_> = p.skipped.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(skipped, vec!["preferences", "engineering-notes"]);
    assert!(p.skipped[0].reason.contains("below the threshold 0.70"));
    insta::assert_json_snapshot!(p);
}

#[test]
fn grouped_features_and_dependency_section() {
    let p = parse("08-grouped-features");
    let keys: Vec<_> = p.features.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        vec!["accounts/sign-up", "accounts/login", "billing/plans", "billing/invoices", "billing/plans-2"]
    );
    assert_eq!(p.features[1].depends_on, vec!["accounts/sign-up"]);
    assert!(p.warnings.iter().any(|w| w.contains("matches several items (billing/plans, billing/plans-2)")));
    insta::assert_json_snapshot!(p);
}
