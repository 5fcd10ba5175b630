//! `qbattery reproduce <paper>`: regenerate a paper's figures and tables.

pub mod cavity_chain;
pub mod cavity_chain_control;
pub mod central_spin;
pub mod micromaser;
pub mod star;
pub mod steering;

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

/// Pearson correlation of two equal-length samples.
pub(crate) fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(x), mean(y));
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Text for a Markdown table cell: a `|` (as in a ket |g⟩) escaped so it does not split
/// the cell.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A report's claim table: one row per claim of a paper, (figure, what the paper says,
/// what we find, verdict).
#[derive(Default)]
pub(crate) struct Claims(Vec<[String; 4]>);

impl Claims {
    /// Adds a claim and whether our numbers support it.
    pub(crate) fn add(&mut self, fig: &str, claim: &str, ours: String, holds: bool) {
        let verdict = if holds { "holds" } else { "**does not hold**" };
        self.0
            .push([fig.into(), claim.into(), ours, verdict.into()]);
    }

    /// How many claims, and how many of them do not hold.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let failed = self.0.iter().filter(|c| c[3] != "holds").count();
        (self.0.len(), failed)
    }

    /// The table, under its heading.
    pub(crate) fn write(&self, md: &mut String) -> anyhow::Result<()> {
        use std::fmt::Write as _;
        writeln!(
            md,
            "## The paper's claims against our numbers\n\n| figure | the paper says | we find | verdict |\n|---|---|---|---|"
        )?;
        for [a, b, c, d] in &self.0 {
            let [a, b, c] = [a, b, c].map(|t| cell(t));
            writeln!(md, "| {a} | {b} | {c} | {d} |")?;
        }
        writeln!(md)?;
        Ok(())
    }
}
