//! `qbattery reproduce <paper>`: regenerate a paper's figures and tables.

pub mod cavity_chain;
pub mod cavity_chain_control;
pub mod central_spin;
pub mod micromaser;
pub mod star;
pub mod steering;

use std::path::Path;

/// One reproduction: the directory (and `reproduce` argument) it writes, the paper and
/// what it covers, and the function that runs it into a directory.
pub struct Reproduction {
    /// Directory name under `--out`, and the `qbattery reproduce` argument.
    pub name: &'static str,
    /// The paper and what is reproduced.
    pub about: &'static str,
    /// Runs it into the given directory.
    pub run: fn(&Path) -> anyhow::Result<()>,
}

/// Every reproduction, in the order `reproduce all` runs them.
pub const ALL: &[Reproduction] = &[
    Reproduction {
        name: "central-spin",
        about: "paper 004, multiple central-spin battery: Figs. 2–5, Table I, Eq. (31)",
        run: central_spin::run,
    },
    Reproduction {
        name: "micromaser",
        about: "paper 001, micromaser battery: Figs. 3–4, the optimisations of Sec. III",
        run: micromaser::run,
    },
    Reproduction {
        name: "star",
        about: "paper 002, star network with fermionic reservoirs: Figs. 2–6",
        run: star::run,
    },
    Reproduction {
        name: "steering",
        about: "paper 003, entanglement and steering batteries: Figs. 1–5",
        run: steering::run,
    },
    Reproduction {
        name: "cavity-chain",
        about: "paper 000, cavity–Heisenberg spin-j chain: Figs. 2, 3, 7–9, 12, 13",
        run: cavity_chain::run,
    },
    Reproduction {
        name: "cavity-chain-control",
        about: "paper 000, optimal control of the chain: Figs. 4–6, 10–11 (GRAPE)",
        run: cavity_chain_control::run,
    },
];

/// The reproduction called `name`.
pub fn find(name: &str) -> Option<&'static Reproduction> {
    ALL.iter().find(|r| r.name == name)
}

/// `qbattery reproduce all`: every reproduction of `set` into `out/<name>` (a failure does
/// not stop the others), then `out/README.md`, an index linking each report with its wall
/// time and outcome. Errors after the index is written when any reproduction failed.
pub fn run_all(out: &Path, set: &[Reproduction]) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let (dir, mut prov) = begin(out)?;
    let mut md = String::from(
        "# qbattery reproductions\n\n| reproduction | paper | report | wall time | outcome |\n|---|---|---|---|---|\n",
    );
    let mut failed = Vec::new();
    for r in set {
        println!("reproduce {}: {}", r.name, r.about);
        let clock = std::time::Instant::now();
        let outcome = (r.run)(&out.join(r.name));
        let seconds = clock.elapsed().as_secs_f64();
        let status = match &outcome {
            Ok(()) => "ok".to_string(),
            Err(e) => {
                eprintln!("error: reproduce {}: {e:#}", r.name);
                failed.push(r.name);
                format!("**failed**: {}", cell(&format!("{e:#}")))
            }
        };
        writeln!(
            md,
            "| {} | {} | [{}/README.md]({}/README.md) | {seconds:.1} s | {status} |",
            r.name, r.about, r.name, r.name
        )?;
    }
    prov.finish();
    writeln!(md, "\nWall time: {:.1} s.", prov.wall_seconds)?;
    dir.write_markdown("README.md", &md)?;
    dir.write_json("provenance.json", &prov)?;
    println!("index written to {}", out.join("README.md").display());
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} reproduction(s) failed: {}",
            failed.len(),
            failed.join(", ")
        )
    }
}

/// Starts a reproduction: its output directory `out`, created, and the provenance of
/// this process's command line (closed by [`finish`]).
pub(crate) fn begin(
    out: &Path,
) -> anyhow::Result<(crate::output::RunDir, crate::output::Provenance)> {
    let prov = crate::output::Provenance::start(
        std::env::args_os().map(|a| a.to_string_lossy().into_owned()),
    );
    Ok((crate::output::RunDir::create(out)?, prov))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(dir: &Path) -> anyhow::Result<()> {
        crate::output::RunDir::create(dir)?.write_markdown("README.md", "# ok\n")?;
        Ok(())
    }

    fn fails(_: &Path) -> anyhow::Result<()> {
        anyhow::bail!("no | good")
    }

    #[test]
    fn run_all_indexes_every_reproduction_and_fails_when_one_does() {
        let out = std::env::temp_dir().join(format!("qbattery-run-all-{}", std::process::id()));
        let set = [
            Reproduction {
                name: "first",
                about: "works",
                run: writes,
            },
            Reproduction {
                name: "second",
                about: "fails",
                run: fails,
            },
            Reproduction {
                name: "third",
                about: "still runs",
                run: writes,
            },
        ];
        let err = run_all(&out, &set).unwrap_err().to_string();
        assert!(err.contains("second"), "{err}");
        let index = std::fs::read_to_string(out.join("README.md")).unwrap();
        assert!(
            index.contains("[first/README.md](first/README.md)"),
            "{index}"
        );
        assert!(index.contains("**failed**: no \\| good"), "{index}");
        assert!(out.join("third/README.md").exists());
        assert!(run_all(&out, &set[..1]).is_ok());
        std::fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn every_reproduction_is_found_by_name() {
        for r in ALL {
            assert_eq!(find(r.name).map(|f| f.name), Some(r.name));
        }
        assert!(find("all").is_none());
    }
}
