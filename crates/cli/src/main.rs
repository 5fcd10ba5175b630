//! The `qbattery` command.

fn main() {}
