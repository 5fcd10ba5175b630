//! The `qbattery` command.

// Only their tests use these until the command dispatch calls them; then drop the allows.
#[allow(dead_code)]
mod output;
#[allow(dead_code, unused_imports)]
mod plot;
#[allow(dead_code)]
mod sweep;

fn main() {}
