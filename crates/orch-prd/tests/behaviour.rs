//! Focused behaviour tests: option flags, dependency phrases, priorities, stories, criteria.
#![allow(clippy::unwrap_used)]

use orch_prd::{CriterionKind, ParseOptions, ParsedPrd, parse_prd};

fn parse(md: &str) -> ParsedPrd {
    parse_prd(md, &ParseOptions::default()).unwrap()
}

fn parse_with(md: &str, options: ParseOptions) -> ParsedPrd {
    parse_prd(md, &options).unwrap()
}

fn deps_of<'a>(p: &'a ParsedPrd, key: &str) -> &'a [String] {
    &p.tasks.iter().find(|t| t.key == key).unwrap().depends_on
}

const RICH: &str = "# Shop

## Features

### Catalog
- Priority: P0
- Description: Browse products
- Acceptance Criteria:
  - [ ] Products are listed
  - Given a product, when I open it, then I see its price
- User story: As a shopper, I want to browse products so that I can find things

### Checkout
- Priority: High
- Depends on: Catalog
- Acceptance Criteria:
  - Orders are saved
";

#[test]
fn defaults_match_the_spec() {
    let o = ParseOptions::default();
    assert!(o.generate_tasks && o.analyze_dependencies && o.extract_user_stories && o.parse_acceptance_criteria);
    assert_eq!(o.confidence_threshold, 0.7);
    let p = parse(RICH);
    assert_eq!(p.tasks.len(), 2);
    assert_eq!(deps_of(&p, "checkout"), ["catalog"]);
    assert_eq!(p.user_stories.len(), 1);
    assert_eq!(p.acceptance_criteria.len(), 3);
}

#[test]
fn generate_tasks_false_drafts_nothing_but_still_parses() {
    let p = parse_with(RICH, ParseOptions { generate_tasks: false, ..ParseOptions::default() });
    assert!(p.tasks.is_empty());
    assert_eq!(p.features.len(), 2);
}

#[test]
fn analyze_dependencies_false_infers_no_dependencies() {
    let p = parse_with(RICH, ParseOptions { analyze_dependencies: false, ..ParseOptions::default() });
    assert!(p.features.iter().all(|f| f.depends_on.is_empty()));
    assert!(p.tasks.iter().all(|t| t.depends_on.is_empty()));
}

#[test]
fn extract_user_stories_false_leaves_stories_out() {
    let p = parse_with(RICH, ParseOptions { extract_user_stories: false, ..ParseOptions::default() });
    assert!(p.user_stories.is_empty());
    assert!(p.features.iter().all(|f| f.user_stories.is_empty()));
    assert!(p.tasks.iter().all(|t| !t.details.contains("As a shopper")));
    // A story-driven PRD then has nothing to draft.
    let stories = "# X\n\n## User Stories\n\n- As a user, I want to log in so that I see my data\n";
    assert_eq!(parse(stories).tasks.len(), 1);
    let off = parse_with(stories, ParseOptions { extract_user_stories: false, ..ParseOptions::default() });
    assert!(off.tasks.is_empty() && off.features.is_empty());
}

#[test]
fn parse_acceptance_criteria_false_leaves_criteria_out() {
    let p = parse_with(RICH, ParseOptions { parse_acceptance_criteria: false, ..ParseOptions::default() });
    assert!(p.acceptance_criteria.is_empty());
    assert!(p.features.iter().all(|f| f.acceptance_criteria.is_empty()));
    assert!(p.tasks.iter().all(|t| t.acceptance_criteria.is_empty() && !t.details.contains("Acceptance criteria")));
}

#[test]
fn threshold_moves_items_between_tasks_and_skipped() {
    let md = "# X\n\n## Search\n\nFind things fast.\n\n- Priority: Low\n";
    let p = parse(md);
    // A stated priority is content that reads as a requirement: base 0.70 + priority + description.
    assert_eq!(p.features[0].confidence, 0.8);
    assert_eq!(p.tasks.len(), 1);
    let strict = parse_with(md, ParseOptions { confidence_threshold: 0.85, ..ParseOptions::default() });
    assert!(strict.tasks.is_empty());
    assert_eq!(strict.skipped.len(), 1);
    assert!(strict.skipped[0].reason.contains("below the threshold 0.85"));
    assert!(strict.skipped[0].reason.contains("heading outside any Features/Requirements section"));
}

#[test]
fn dependency_phrases() {
    let md = "# P

## Features

### Accounts
Create accounts.

### Login
- Depends on: accounts
- Description: Sign in.

### Profile
Edit the profile; requires Login to be done.

### Avatars
Upload avatars, available after the profile feature ships.

### Billing
- Blocked by: ACCOUNTS, Login

### Reports
- Prerequisites: Nonexistent Thing
";
    let p = parse(md);
    assert_eq!(deps_of(&p, "login"), ["accounts"]);
    assert_eq!(deps_of(&p, "profile"), ["login"]);
    assert_eq!(deps_of(&p, "avatars"), ["profile"]);
    assert_eq!(deps_of(&p, "billing"), ["accounts", "login"]);
    assert!(deps_of(&p, "reports").is_empty());
    assert!(p.warnings.iter().any(|w| w.contains("'Nonexistent Thing'") && w.contains("left out")));
}

#[test]
fn prose_that_merely_says_requires_adds_nothing() {
    let md =
        "# P\n\n## Features\n\n### Signup\nRequires a valid email after confirmation.\n\n### Email\n- Priority: Low\n";
    let p = parse(md);
    assert!(p.tasks.iter().all(|t| t.depends_on.is_empty()));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn self_dependencies_and_cycles_are_dropped_with_warnings() {
    let md = "# P

## Features

### A
- Depends on: A, C

### B
- Depends on: A

### C
- Depends on: B
";
    let p = parse(md);
    assert!(p.warnings.iter().any(|w| w.contains("'A' lists itself")));
    // A depth-first walk in document order (a -> c -> b) meets b -> a as the closing edge.
    assert_eq!(deps_of(&p, "a"), ["c"]);
    assert_eq!(deps_of(&p, "c"), ["b"]);
    assert!(deps_of(&p, "b").is_empty());
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("dependency of 'b' on 'a' dropped: it would close the cycle b -> a -> c -> b")),
        "{:?}",
        p.warnings
    );
    // Deterministic: the same edge is dropped every time.
    assert_eq!(serde_json::to_string(&p).unwrap(), serde_json::to_string(&parse(md)).unwrap());
}

#[test]
fn priorities_in_every_form() {
    let md = "# P

## Features

### A
- Priority: Critical
### B
**Priority:** p1
### C (P2)
### D [Low]
### E — Could have
### F
- MoSCoW: Must have
### G
- Priority: whenever
";
    let p = parse(md);
    let got: Vec<(&str, u8, Option<&str>)> =
        p.features.iter().map(|f| (f.title.as_str(), f.priority, f.priority_label.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            ("A", 4, Some("Critical")),
            ("B", 3, Some("p1")),
            ("C", 2, Some("P2")),
            ("D", 1, Some("Low")),
            ("E", 2, Some("Could have")),
            ("F", 4, Some("Must have")),
            ("G", 2, None),
        ]
    );
    assert!(p.warnings.iter().any(|w| w.contains("priority 'whenever'")));
}

#[test]
fn priority_group_headings_apply_to_their_items() {
    let md = "# P\n\n## Requirements\n\n### P0\n\n1. Export data\n2. Import data\n\n### Won't have\n\n- Sync with fax machines\n";
    let p = parse(md);
    let got: Vec<(&str, u8)> = p.requirements.iter().map(|r| (r.title.as_str(), r.priority)).collect();
    assert_eq!(got, vec![("Export data", 4), ("Import data", 4), ("Sync with fax machines", 0)]);
    assert_eq!(p.tasks.len(), 2);
    assert!(p.skipped[0].reason.contains("Won't have"));
}

#[test]
fn user_stories_anywhere() {
    let md = "# P

## Overview
As a manager, I want weekly reports so that I can plan.

## Features
### Reports
| Who | Story |
|-----|-------|
| admin | As an admin I need to export reports |

| As a | I want | So that |
|------|--------|---------|
| analyst | to filter by date | I compare weeks |
";
    let p = parse(md);
    let stories: Vec<(&str, &str, Option<&str>, Option<&str>)> = p
        .user_stories
        .iter()
        .map(|s| (s.role.as_str(), s.goal.as_str(), s.benefit.as_deref(), s.feature_key.as_deref()))
        .collect();
    assert_eq!(
        stories,
        vec![
            ("manager", "weekly reports", Some("I can plan"), None),
            ("admin", "export reports", None, Some("reports")),
            ("analyst", "filter by date", Some("I compare weeks"), Some("reports")),
        ]
    );
    assert_eq!(p.tasks.len(), 1, "the overview is reported, not drafted");
    assert_eq!(p.sections[0].summary, "As a manager, I want weekly reports so that I can plan.");
}

#[test]
fn acceptance_criteria_forms() {
    let md = "# P

## Features
### Login
Acceptance criteria:

- Works with email
- [x] Works with Google
- Given a locked account
- When I log in
- Then I see an unlock link
- Given MFA, when I log in, then I am asked for a code

```gherkin
Scenario: Expired session
  Given an expired session
  When I open the app
  Then I am asked to log in
```
";
    let p = parse(md);
    let got: Vec<(CriterionKind, Option<bool>, &str)> =
        p.acceptance_criteria.iter().map(|c| (c.kind, c.checked, c.text.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (CriterionKind::Bullet, None, "Works with email"),
            (CriterionKind::Checkbox, Some(true), "Works with Google"),
            (CriterionKind::GivenWhenThen, None, "Given a locked account, when I log in, then I see an unlock link"),
            (CriterionKind::GivenWhenThen, None, "Given MFA, when I log in, then I am asked for a code"),
            (
                CriterionKind::GivenWhenThen,
                None,
                "Expired session: Given an expired session, when I open the app, then I am asked to log in"
            ),
        ]
    );
    assert!(p.tasks[0].details.contains("- [x] Works with Google"));
}

#[test]
fn non_feature_sections_never_become_tasks() {
    let md = "# P

## Background
- Users complain a lot and the system must be faster

## Goals
- Must reduce churn

## Non-Goals
- Mobile app

## Out of Scope
- Payments

## Open Questions
- Which region first?

## Risks
- The vendor must sign the contract

## Glossary
- SLA: service level agreement

## Appendix
- Link

## Features
- **Dashboard**: one page with KPIs
";
    let p = parse(md);
    assert_eq!(p.sections.len(), 8);
    assert_eq!(p.tasks.len(), 1);
    assert_eq!(p.tasks[0].key, "dashboard");
    assert_eq!(p.tasks[0].description, "one page with KPIs");
}

#[test]
fn requirements_inside_a_feature_are_rendered_into_its_task() {
    let md = "# P

## Features
### Export
- Priority: High
- Requirements:
  1. CSV format
  2. Excel format
     - [ ] Opens in Excel 2016
";
    let p = parse(md);
    assert_eq!(p.requirements.len(), 2);
    assert_eq!(p.requirements[1].feature_key.as_deref(), Some("export"));
    assert_eq!(p.requirements[1].key, "export/excel-format");
    assert_eq!(p.tasks.len(), 1);
    assert!(p.tasks[0].details.contains("- Excel format\n  - [ ] Opens in Excel 2016"));
    assert_eq!(p.tasks[0].acceptance_criteria, vec!["Opens in Excel 2016"]);
}

#[test]
fn keys_are_stable_when_the_document_grows() {
    let before = parse(RICH);
    let grown = format!("{RICH}\n### Wishlist\n- Priority: Low\n");
    let after = parse(&grown);
    let keys = |p: &ParsedPrd| p.tasks.iter().map(|t| t.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&after)[..2], keys(&before)[..]);
    assert_ne!(before.content_hash, after.content_hash);
}

#[test]
fn task_types_follow_the_title() {
    let md = "# P\n\n## Features\n- Research: spike on vector search\n- API documentation\n- Wireframes for onboarding\n- Load testing\n- Checkout\n";
    let p = parse(md);
    let types: Vec<&str> = p.tasks.iter().map(|t| t.task_type.as_str()).collect();
    assert_eq!(types, vec!["research", "documentation", "design", "test", "implementation"]);
}

#[test]
fn cycles_through_sub_requirements_are_broken_in_the_task_graph() {
    let md = "# P

## Features
### A
- Requirements:
  1. A one
     - Depends on: B
### B
- Depends on: A
";
    let p = parse(md);
    assert_eq!(p.requirements[0].depends_on, vec!["b"]);
    assert_eq!(deps_of(&p, "a"), ["b"]);
    assert!(deps_of(&p, "b").is_empty());
    assert!(p.warnings.iter().any(|w| w.contains("dependency of 'b' on 'a' dropped")), "{:?}", p.warnings);
}

#[test]
fn case_folding_that_changes_byte_lengths_is_safe() {
    // 'İ' lowercases to two chars and the Kelvin sign to ASCII 'k': slicing must not use
    // offsets from a lowercased copy.
    let md = "# P\n\n## Feature: İstanbul office\n- Priority: High\n\n## Features\n| As a | I want | So that |\n|---|---|---|\n| \u{212A}ing | İ want to rule | İt works |\n\n## Dependencies\n- İİİ Depends on İstanbul office\n";
    let p = parse(md);
    assert_eq!(p.features[0].title, "İstanbul office");
    assert_eq!(p.user_stories.len(), 1);
}
