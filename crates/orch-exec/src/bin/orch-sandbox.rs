//! Stand-alone sandbox helper, used by tests and the benchmark (production re-executes the server binary instead).

fn main() -> std::process::ExitCode {
    orch_exec::sandbox_helper_main()
}
