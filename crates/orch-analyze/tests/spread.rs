//! Estimates on one board must spread like real work does: a typo fix and a distributed-systems
//! feature are far apart in hours, and keyword rules do not misfire on negations or other senses.
#![allow(clippy::unwrap_used)]

use orch_analyze::{AnalysisOptions, ComplexityAnalysis, RiskCategory, TaskProfile, Weights, analyze};

const NOW: &str = "2026-01-01T00:00:00Z";

fn run(title: &str, description: &str) -> ComplexityAnalysis {
    let task = TaskProfile {
        id: 1,
        title: title.to_owned(),
        description: Some(description.to_owned()).filter(|d| !d.is_empty()),
        priority: 2,
        ..TaskProfile::default()
    };
    analyze(&task, &[], &AnalysisOptions::default(), &Weights::default(), NOW).unwrap()
}

/// A hand ranking from least to most work (ties not allowed).
const BOARD: [(&str, &str); 15] = [
    ("Fix a typo in the README", ""),
    ("Rename the Submit button on the signup form", ""),
    ("Update the copyright year in the footer", ""),
    ("Fix crash when the cart is empty", "Guard against a missing cart."),
    ("Add a created_at column to the exports table", ""),
    ("Add a password reset flow", "Email a one-time link; the link expires after an hour."),
    ("Implement CSV export of invoices", "Users download their invoices as CSV."),
    ("Search with typo tolerance", "Results still match when the query has typos."),
    ("Build the admin dashboard for usage reports", "Charts per account, filters by date."),
    ("Integrate Stripe payments with webhooks", "Handle payment events and retries idempotently."),
    ("Migrate user data to the new schema", "Backfill 40 million rows without downtime."),
    ("Single sign-on with SAML and SCIM provisioning", "Enterprise customers manage users from their IdP."),
    ("Real-time collaborative editing with CRDTs", "Several users edit one document; presence and cursors."),
    ("Distributed job scheduler with leader election", "Consensus via Raft; exactly-once execution across nodes."),
    (
        "Multi-region active-active replication",
        "Replicate writes across regions with conflict resolution and eventual consistency.",
    ),
];

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let rank = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (pos, &i) in idx.iter().enumerate() {
            r[i] = pos as f64;
        }
        r
    };
    let (ra, rb) = (rank(a), rank(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[test]
fn hours_spread_twenty_fold_from_a_typo_to_distributed_systems() {
    let hours: Vec<f64> = BOARD.iter().map(|(t, d)| run(t, d).estimated_hours).collect();
    for ((t, _), h) in BOARD.iter().zip(&hours) {
        println!("{h:6.1} h  {t}");
    }
    let typo = hours[0];
    let replication = hours[14];
    let scheduler = hours[13];
    let crdt = hours[12];
    assert!(replication >= 20.0 * typo, "replication {replication} h vs typo {typo} h");
    assert!(scheduler >= 20.0 * typo, "scheduler {scheduler} h vs typo {typo} h");
    let reset = hours[5];
    assert!(crdt >= 2.0 * reset, "collaborative editing {crdt} h vs password reset {reset} h");
    let hand: Vec<f64> = (0..BOARD.len()).map(|i| i as f64).collect();
    let rho = spearman(&hand, &hours);
    println!("Spearman rho against the hand ranking: {rho:.2}");
    assert!(rho >= 0.8, "rho {rho:.2}");
}

#[test]
fn risk_vocabulary_covers_distributed_systems_collaboration_and_compliance() {
    let risks = |title: &str| -> Vec<RiskCategory> {
        run(title, "").risk_assessment.risks.iter().map(|r| r.category).collect()
    };
    assert!(
        risks("Multi-region active-active replication with conflict resolution").contains(&RiskCategory::Concurrency)
    );
    assert!(risks("Keep read replicas strongly consistent").contains(&RiskCategory::Concurrency));
    assert!(risks("Collaborative editing with operational transforms").contains(&RiskCategory::Concurrency));
    assert!(risks("Make audit logs HIPAA and SOC 2 compliant").contains(&RiskCategory::Security));
}

#[test]
fn negations_and_other_senses_do_not_misfire() {
    let plain = run("Reorder the settings menu", "");
    let negated = run("Reorder the settings menu", "No API changes and no database migration.");
    let cats = |a: &ComplexityAnalysis| a.risk_assessment.risks.iter().map(|r| r.category).collect::<Vec<_>>();
    assert!(!cats(&negated).contains(&RiskCategory::ExternalIntegration), "{:?}", cats(&negated));
    assert!(!cats(&negated).contains(&RiskCategory::DataMigration), "{:?}", cats(&negated));
    assert!(negated.estimated_hours <= plain.estimated_hours * 1.5);
    // "typo tolerance" is a search feature, not a typo fix.
    let search = run("Search with typo tolerance", "Results still match when the query has typos.");
    let typo = run("Fix a typo in the README", "");
    assert!(
        search.estimated_hours >= 3.0 * typo.estimated_hours,
        "{} vs {}",
        search.estimated_hours,
        typo.estimated_hours
    );
    // A rename stays trivial when it names where it happens ("form").
    let rename = run("Rename the Submit button on the signup form", "");
    let feature = run("Implement the signup form", "");
    assert!(
        rename.estimated_hours * 2.0 <= feature.estimated_hours,
        "{} vs {}",
        rename.estimated_hours,
        feature.estimated_hours
    );
}
