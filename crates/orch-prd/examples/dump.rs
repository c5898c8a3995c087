//! Prints the parsed structure of a PRD file as JSON (debugging aid).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: dump <file.md>")?;
    let content = std::fs::read_to_string(path)?;
    let parsed = orch_prd::parse_prd(&content, &orch_prd::ParseOptions::default())?;
    println!("{}", serde_json::to_string_pretty(&parsed)?);
    Ok(())
}
