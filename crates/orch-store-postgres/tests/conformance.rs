//! The shared storage conformance suite, on PostgreSQL, each test in its own schema.
//!
//! Runs when `TEST_DATABASE_URL` is set (and fails if that server is unreachable); skipped with a note otherwise.

mod common;

orch_core::store_conformance_tests!(match common::fresh(module_path!()).await {
    Some(fresh) => fresh,
    None => return,
});
