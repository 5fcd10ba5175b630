//! The `qbattery` command.

// Only their tests use these until the command dispatch calls them; then drop the allows.
#[allow(dead_code)]
mod output;
#[allow(dead_code, unused_imports)]
mod plot;
mod reproduce;
#[allow(dead_code)]
mod sweep;

/// Temporary dispatch (central-spin branch) until the lead's clap CLI lands:
/// `qbattery reproduce central-spin [--out DIR]`.
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("reproduce")
        || args.get(2).map(String::as_str) != Some("central-spin")
    {
        eprintln!("usage: qbattery reproduce central-spin [--out DIR]");
        return std::process::ExitCode::FAILURE;
    }
    let out = match args.iter().position(|a| a == "--out") {
        Some(i) => args.get(i + 1).cloned().unwrap_or_default(),
        None => "out/reproduce/central-spin".to_string(),
    };
    match reproduce::central_spin::run(std::path::Path::new(&out)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
