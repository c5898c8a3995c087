//! The small inputs of issue 15, one test each: shapes real PRDs use that the parser once missed.
#![allow(clippy::unwrap_used)]

use orch_prd::{CriterionKind, ParseOptions, ParsedPrd, parse_prd};

fn parse(md: &str) -> ParsedPrd {
    parse_prd(md, &ParseOptions::default()).unwrap()
}

fn task<'a>(p: &'a ParsedPrd, title: &str) -> &'a orch_prd::TaskDraft {
    p.tasks
        .iter()
        .find(|t| t.title == title)
        .unwrap_or_else(|| panic!("no task '{title}' in {:?}", p.tasks.iter().map(|t| &t.title).collect::<Vec<_>>()))
}

#[test]
fn a_story_inside_a_paragraph_ends_at_its_sentence_and_the_other_sentences_stay() {
    let p = parse(
        "# P\n\n## Features\n\n### Triage\n\nTickets arrive in one list. As an agent, I want tickets sorted by urgency so that I answer the important ones first. Agents can re-sort by date.\n",
    );
    let story = &p.user_stories[0];
    assert_eq!(story.benefit.as_deref(), Some("I answer the important ones first"));
    assert!(!story.text.contains("re-sort"), "{}", story.text);
    let t = task(&p, "Triage");
    assert!(t.description.contains("Tickets arrive in one list."), "{}", t.description);
    assert!(t.description.contains("Agents can re-sort by date."), "{}", t.description);
}

#[test]
fn dependency_phrases_with_lists_and_plural_verbs() {
    let md = "# P\n\n## Requirements\n\n### R1: Login\nSign in.\n\n### R2: Profile\nEdit the profile.\n\n### R3: Avatar\nDepends on R1 and R2.\n\n### R4: Settings\nNeeds R2 and R3.\n\n### R5: Themes\nThemes build on Settings.\n\n### R6: Export\nBoth export formats depend on Profile and Avatar.\n";
    let p = parse(md);
    let deps = |id: &str| {
        let t = p.tasks.iter().find(|t| t.key == id).unwrap();
        let mut d = t.depends_on.clone();
        d.sort();
        d
    };
    assert_eq!(deps("r3"), vec!["r1", "r2"]);
    assert_eq!(deps("r4"), vec!["r2", "r3"]);
    assert_eq!(deps("r5"), vec!["r4"]);
    assert_eq!(deps("r6"), vec!["r2", "r3"]);
}

#[test]
fn a_dependencies_heading_with_a_table() {
    let md = "# P\n\n## Features\n\n### Job list\nList.\n\n### Signature\nSign.\n\n### Photos\nPhotos.\n\n## Dependencies\n\n| Feature | Depends on |\n|---|---|\n| Signature | Job list |\n| Photos | Signature, Job list |\n";
    let p = parse(md);
    assert_eq!(task(&p, "Signature").depends_on, vec!["job-list"]);
    assert_eq!(task(&p, "Photos").depends_on, vec!["signature", "job-list"]);
}

#[test]
fn boilerplate_sections_never_become_tasks_but_requirement_sections_do() {
    let md = "# RFC 9\n\n## Status of This Memo\n\nThis memo MUST be read.\n\n## 3. Token Request\n\n- The client MUST send a token.\n- The server MUST answer within 1 second.\n\n## 7. Security Considerations\n\n- Keys MUST be rotated.\n\n## 8. IANA Considerations\n\nNone.\n\n## Alternatives considered\n\n### Polling\n\nRejected; Priority: High.\n\n## Not now\n\n- Webhooks MUST wait.\n\n## Offene Fragen\n\n- Priorität: Hoch\n";
    let p = parse(md);
    let titles: Vec<&str> = p.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, vec!["Token Request"]);
    assert_eq!(p.tasks[0].acceptance_criteria.len(), 2);
    assert!(p.sections.iter().any(|s| s.title == "Offene Fragen"));
}

#[test]
fn github_task_lists_and_notion_toggles_are_one_task_per_item() {
    let gh = "# Plugins\n\n### Tasks\n\n- [ ] Define the Plugin trait #1219\n- [ ] Load plugins from disk #1220 (needs #1219)\n- [x] Sandbox panics #1221\n";
    let p = parse(gh);
    let titles: Vec<&str> = p.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, vec!["Define the Plugin trait", "Load plugins from disk", "Sandbox panics"]);
    assert_eq!(p.tasks[1].depends_on, vec![p.tasks[0].key.clone()]);

    let notion = "# Referrals\n\n# Scope\n\n<details>\n<summary>Invite links</summary>\n\nA link per customer. Priority: High.\n\n- [ ] The link never changes.\n\n</details>\n\n<details>\n<summary>Reward ledger</summary>\n\nRequires Invite links.\n\n</details>\n";
    let p = parse(notion);
    let titles: Vec<&str> = p.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, vec!["Invite links", "Reward ledger"]);
    assert_eq!(p.tasks[0].priority, 3);
    assert_eq!(p.tasks[0].acceptance_criteria, vec!["The link never changes."]);
    assert_eq!(p.tasks[1].depends_on, vec![p.tasks[0].key.clone()]);
    assert_eq!(p.tasks[1].source_line, 15, "toggles keep their source lines");
}

#[test]
fn gherkin_features_tags_narrative_and_background() {
    let md = "# Checkout specs\n\n```gherkin\n@p0 @checkout\nFeature: Guest checkout\n  In order to buy without an account\n  As a shopper\n  I want to check out as a guest\n\n  Background:\n    Given a cart with 2 items\n\n  Scenario: Pay\n    When I pay by card\n    Then the order is placed\n```\n";
    let p = parse(md);
    assert_eq!(p.tasks.len(), 1);
    let t = &p.tasks[0];
    assert_eq!((t.title.as_str(), t.priority), ("Guest checkout", 4));
    assert!(t.tags.contains(&"checkout".to_string()), "{:?}", t.tags);
    assert_eq!(t.acceptance_criteria, vec!["Pay: When I pay by card, then the order is placed"]);
    let story = &p.user_stories[0];
    assert_eq!((story.role.as_str(), story.goal.as_str()), ("shopper", "check out as a guest"));
    assert_eq!(story.benefit.as_deref(), Some("buy without an account"));
    assert!(p.acceptance_criteria.iter().all(|c| c.kind == CriterionKind::GivenWhenThen));
}

#[test]
fn priorities_in_metadata_lines_and_inside_prose() {
    let md = "# Epic\n\n## Sub-issues\n\n### ENG-1 Cache\n\nType: Story · Priority: Urgent · Estimate: 5\n\n### ENG-2 Queue\n\nEdits are queued. Priority: High. Blocked by ENG-1.\n\n### ENG-3 Badge\n\n**Prioridad:** Baja\n**Depende de:** Queue\n";
    let p = parse(md);
    assert_eq!(task(&p, "Cache").priority, 4);
    let queue = task(&p, "Queue");
    assert_eq!(queue.priority, 3);
    assert_eq!(queue.depends_on, vec!["eng-1"]);
    assert!(queue.description.starts_with("Edits are queued.") && !queue.description.contains("Priority"));
    let badge = task(&p, "Badge");
    assert_eq!(badge.priority, 1);
    assert_eq!(badge.depends_on, vec!["eng-2"]);
}

#[test]
fn srs_shall_lines_are_criteria_and_prose_one_pagers_list_features() {
    let srs = "# SRS\n\n## 3. System Features\n\n### 3.1 Registration\n\nPriority: High\n\n3.1.1 The system shall register a patient.\n3.1.2 The system shall reject duplicates.\n";
    let p = parse(srs);
    assert_eq!(
        p.tasks[0].acceptance_criteria,
        vec!["The system shall register a patient.", "The system shall reject duplicates."]
    );
    let prose = "# One-pager\n\n## Proposal\n\n**Metering.** Jobs report their minutes. Priority: High. It is done when totals match the logs.\n\n**Alerts.** Owners get an email at 80%. This needs metering. Priority: Medium.\n";
    let p = parse(prose);
    let titles: Vec<&str> = p.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, vec!["Metering", "Alerts"]);
    assert_eq!(p.tasks[0].acceptance_criteria, vec!["totals match the logs"]);
    assert_eq!(p.tasks[1].depends_on, vec![p.tasks[0].key.clone()]);
}
