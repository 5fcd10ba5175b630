//! `qbattery reproduce <paper>`: regenerate a paper's figures and tables.

pub mod cavity_chain;
pub mod cavity_chain_control;
pub mod central_spin;
pub mod micromaser;
pub mod star;

/// Ends a reproduction: the wall time appended to the report `md`, written as
/// `README.md` with `provenance.json` into `dir`, and a line on the terminal.
pub(crate) fn finish(
    dir: &crate::output::RunDir,
    name: &str,
    mut md: String,
    mut prov: crate::output::Provenance,
) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    prov.finish();
    writeln!(md, "\nWall time: {:.1} s.", prov.wall_seconds)?;
    dir.write_markdown("README.md", &md)?;
    dir.write_json("provenance.json", &prov)?;
    println!(
        "{name} reproduction written to {} ({:.1} s)",
        dir.path().display(),
        prov.wall_seconds
    );
    Ok(())
}
