//! Fuzz target: any UTF-8 input must parse or fail with an error, never panic, and parsing
//! must be deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orch_prd::{ParseOptions, parse_prd};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first byte picks the option flags so every combination gets exercised.
    let flags = data.first().copied().unwrap_or(0);
    let options = ParseOptions {
        generate_tasks: flags & 1 != 0,
        analyze_dependencies: flags & 2 != 0,
        extract_user_stories: flags & 4 != 0,
        parse_acceptance_criteria: flags & 8 != 0,
        confidence_threshold: f64::from(flags >> 4) / 15.0,
    };
    let first = parse_prd(text, &options);
    let second = parse_prd(text, &options);
    match (first, second) {
        (Ok(a), Ok(b)) => {
            let (a, b) = (serde_json::to_string(&a), serde_json::to_string(&b));
            assert_eq!(a.ok(), b.ok(), "parsing must be deterministic");
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("parsing must be deterministic"),
    }
});
