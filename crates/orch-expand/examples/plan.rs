//! Prints the offline plan of a sample task: `cargo run -p orch-expand --example plan`. (The JSON an agent reads is
//! expand_task's, in orch-protocol; this crate has no wire format.)
use orch_expand::{ExpandOptions, TaskContext, plan_offline};

fn main() {
    let task = TaskContext {
        id: 42,
        title: "Add user registration endpoint with email verification".into(),
        description: Some("New users sign up with email and password; store them in the users table.".into()),
        tags: vec!["backend".into()],
        code_language: Some("python".into()),
        priority: 3,
        acceptance_criteria: vec![
            "POST /users returns 201 with the new user's id".into(),
            "a duplicate email is rejected with 409".into(),
            "the verification email contains a one-time link".into(),
        ],
        estimated_hours: Some(12.0),
        ..TaskContext::default()
    };
    let result = plan_offline(&task, &ExpandOptions::default());
    eprintln!("{result:#?}");
}
