//! `qbattery reproduce central-spin`: Figs. 2–5 and Table I of 004_5856515c11cfbeb7.txt
//! (the multiple central-spin battery), as CSV data, PNG/SVG plots and a Markdown report
//! that compares our exact values with the paper's printed ones.
//!
//! All physics comes from `qbattery::models::central_spin`; this module only chooses the
//! paper's parameters, runs the sweeps and writes the outputs.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use qbattery::models::central_spin::closed_forms::{self, SingleSpin};
use qbattery::models::central_spin::scaling::{self, PowerLawFit, PowerPoint};
use qbattery::models::central_spin::{CentralSpin, Charging, InitialState};

use crate::output::{Provenance, RunDir};
use crate::plot::{heatmap, line_plot, Heatmap, LinePlot, Series};
use crate::sweep::run_sweep;

/// E_max of Figs. 3(a), 4(a) is the maximum of ΔE_B over [0, ENERGY_WINDOW · t_Pmax].
const ENERGY_WINDOW: f64 = 4.0;

/// The time step that reproduces the paper's Table I digits: its P_max values are grid
/// maxima of ΔE_B(t)/t on t = i·dt (found by scanning dt ∈ {1e-3, 2e-3, 5e-3, 1e-2}).
const PAPER_DT: f64 = 0.002;

/// The paper's Table I: (N, α, β) for the lower and upper bounds, and the
/// thermodynamic-limit β = 0.72 √N.
const TABLE_LOWER: [(u32, f64, f64); 3] = [
    (5, 0.5013, 4.3706),
    (10, 0.5067, 9.9668),
    (15, 0.5172, 15.9241),
];
const TABLE_UPPER: [(u32, f64, f64); 3] = [
    (100, 1.4075, 7.0056),
    (200, 1.4434, 9.4058),
    (300, 1.4540, 11.3456),
];
const TABLE_LIMIT: [(u32, f64); 3] = [(100, 7.2), (200, 10.1823), (300, 12.4708)];

fn resonant(n_b: u32, n: u32) -> CentralSpin {
    CentralSpin {
        n_b,
        n,
        b: 1.0,
        h: 1.0,
        a: 1.0,
        delta: 0.0,
    }
}

/// A sweep point: (N_B, N, m, k).
#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Point {
    n_b: u32,
    n: u32,
    m: u32,
    k: u32,
}

fn sweep(dir: &RunDir, name: &str, points: &[Point]) -> Result<Vec<PowerPoint>> {
    let ckpt = dir.path().join("checkpoints").join(format!("{name}.jsonl"));
    run_sweep(name, points, &ckpt, |p| {
        Ok(scaling::power_point(
            &resonant(p.n_b, p.n),
            p.m,
            p.k,
            ENERGY_WINDOW,
        )?)
    })
}

fn fit(points: &[PowerPoint], lo: u32, hi: u32) -> Result<PowerLawFit> {
    let sel: Vec<&PowerPoint> = points
        .iter()
        .filter(|p| p.n_b >= lo && p.n_b <= hi)
        .collect();
    let x: Vec<f64> = sel.iter().map(|p| p.n_b as f64).collect();
    let y: Vec<f64> = sel.iter().map(|p| p.p_max).collect();
    Ok(scaling::fit_power_law(&x, &y)?)
}

/// Runs the reproduction into `out` and prints a short summary.
pub fn run(out: &Path) -> Result<()> {
    let mut prov = Provenance::start(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
    let dir = RunDir::create(out)?;
    let mut md = String::new();
    let (x_star, kappa) = closed_forms::power_constant();
    writeln!(
        md,
        "# Multiple central-spin battery — reproduction of 004_5856515c11cfbeb7\n\n\
         Exact block eigen-decomposition in the conserved sector m + k; P_max is the certified \
         global maximum of ΔE_B(t)/t over t > 0 (relative gap ≤ 1e-10), not a grid value.\n\
         The paper's constants are κ = max sin²x/x = {kappa:.10} (printed 0.72) at \
         x* = {x_star:.10} (printed 1.16).\n"
    )?;
    let clock = std::time::Instant::now();
    fig2(&dir, &mut md).context("Fig. 2")?;
    let t_fig2 = clock.elapsed().as_secs_f64();
    let (fits_lower, fits_upper) = figs3_4(&dir, &mut md).context("Figs. 3–4")?;
    table1(&dir, &mut md, &fits_lower, &fits_upper).context("Table I")?;
    let t_table = clock.elapsed().as_secs_f64() - t_fig2;
    fig5(&dir, &mut md).context("Fig. 5")?;
    let t_fig5 = clock.elapsed().as_secs_f64() - t_fig2 - t_table;
    thermodynamic_limit(&dir, &mut md, kappa).context("Eq. (31) check")?;
    let t_eq31 = clock.elapsed().as_secs_f64() - t_fig2 - t_table - t_fig5;
    writeln!(
        md,
        "\nTimings: Fig. 2 {t_fig2:.2} s; Figs. 3–4 + Table I {t_table:.2} s; Fig. 5 {t_fig5:.2} s; \
         Eq. (31) check {t_eq31:.2} s."
    )?;
    prov.finish();
    writeln!(md, "\nWall time: {:.2} s.", prov.wall_seconds)?;
    dir.write_markdown("README.md", &md)?;
    dir.write_json("provenance.json", &prov)?;
    println!(
        "central-spin reproduction written to {} ({:.2} s)",
        dir.path().display(),
        prov.wall_seconds
    );
    println!(
        "  timings: Figs. 3–4 + Table I {t_table:.2} s, Fig. 5 {t_fig5:.2} s, Eq. (31) {t_eq31:.2} s"
    );
    for (n, f, g) in fits_lower.iter().chain(&fits_upper) {
        println!(
            "  N = {n:>3}: α = {:.4} ± {:.4}, β = {:.4} ± {:.4} (grid dt = {PAPER_DT}: α = {:.4}, β = {:.4})",
            f.alpha, f.alpha_se, f.beta, f.beta_se, g.alpha, g.beta
        );
    }
    Ok(())
}

/// Fig. 2: N_B = 1, N = 10, k = 5, A = 1; ΔE_B, ΔE_C, E_I against Ω_n t/2.
fn fig2(dir: &RunDir, md: &mut String) -> Result<()> {
    writeln!(
        md,
        "## Fig. 2 — single central spin (N_B = 1, N = 10, n = 5)\n\n\
         | panel | B | h | Δ | Δ_n | max ΔE_B (numerics) | 4bA²B/Ω² (Eq. 12) | max \\|numerics − Eqs. 12, A7, A8\\| |\n|---|---|---|---|---|---|---|---|"
    )?;
    for (panel, b, h, delta) in [
        ("a", 1.0, 1.0, 0.0),
        ("b", 1.0, 1.0, 5.0),
        ("c", 5.0, 1.0, 0.0),
        ("d", 5.0, 1.0, 5.0),
    ] {
        let model = CentralSpin {
            n_b: 1,
            n: 10,
            b,
            h,
            a: 1.0,
            delta,
        };
        let cf = SingleSpin::new(model, 5)?;
        let ch = Charging::new(&model, &InitialState::dicke(0, 5))?;
        let om = cf.rabi_frequency();
        let x: Vec<f64> = (0..=400)
            .map(|i| 2.0 * std::f64::consts::PI * i as f64 / 400.0)
            .collect();
        let t: Vec<f64> = x.iter().map(|x| 2.0 * x / om).collect();
        let jets = ch.jets(&t);
        let eb: Vec<f64> = jets.iter().map(|j| j.de).collect();
        let ec: Vec<f64> = eb.iter().map(|&e| ch.charger_energy_change(e)).collect();
        let ei: Vec<f64> = eb.iter().map(|&e| ch.interaction_energy(e)).collect();
        let eb_cf: Vec<f64> = t.iter().map(|&t| cf.energy(t)).collect();
        let ec_cf: Vec<f64> = t.iter().map(|&t| cf.charger_energy(t)).collect();
        let ei_cf: Vec<f64> = t.iter().map(|&t| cf.interaction_energy(t)).collect();
        let diff = [(&eb, &eb_cf), (&ec, &ec_cf), (&ei, &ei_cf)]
            .iter()
            .flat_map(|(a, b)| a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()))
            .fold(0.0, f64::max);
        dir.write_csv(
            &format!("fig2/fig2{panel}.csv"),
            &[
                ("omega_t_over_2", &x),
                ("t", &t),
                ("delta_e_b", &eb),
                ("delta_e_c", &ec),
                ("e_i", &ei),
                ("delta_e_b_closed_form", &eb_cf),
                ("delta_e_c_closed_form", &ec_cf),
                ("e_i_closed_form", &ei_cf),
            ],
        )?;
        line_plot(
            &dir.path().join(format!("fig2/fig2{panel}")),
            &LinePlot {
                title: format!("Fig. 2({panel}): B = {b}, h = {h}, Δ = {delta}"),
                x_label: "Ω_n t / 2".into(),
                y_label: "energy (units of A)".into(),
                series: vec![
                    Series::new("ΔE_B".into(), x.clone(), eb.clone()),
                    Series::new("ΔE_C".into(), x.clone(), ec),
                    Series::new("E_I".into(), x, ei),
                ],
                log_x: false,
                log_y: false,
            },
        )?;
        let e_max = eb.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        writeln!(
            md,
            "| ({panel}) | {b} | {h} | {delta} | {:.4} | {e_max:.6} | {:.6} | {diff:.1e} |",
            cf.detuning(),
            cf.max_energy().1
        )?;
    }
    writeln!(
        md,
        "\nPanel (b): Δ_n = B − h + (2n − 1 − N)Δ = −Δ ≠ 0 for n = N/2, so the transfer is \
         4bA²/Ω² = 120/145 = 0.8276 of B, not complete as the caption states; E_I stays 0 as \
         stated (both (N/2 − n) and (B − h) vanish).\n"
    )?;
    Ok(())
}

/// Per N: the fit of the exact P_max and the fit of the grid maxima at [`PAPER_DT`].
type Fits = Vec<(u32, PowerLawFit, PowerLawFit)>;

/// The fit of grid maxima on t = i·[`PAPER_DT`] over the same points as `rows`.
fn grid_fit(rows: &[PowerPoint], lo: u32, hi: u32) -> Result<PowerLawFit> {
    let sel: Vec<&PowerPoint> = rows.iter().filter(|p| p.n_b >= lo && p.n_b <= hi).collect();
    let mut x = Vec::with_capacity(sel.len());
    let mut y = Vec::with_capacity(sel.len());
    for p in sel {
        let t_end = 2.0 * p.t_p_max + PAPER_DT;
        let (_, pg) = scaling::grid_max_power(&resonant(p.n_b, p.n), p.m, p.k, PAPER_DT, t_end)?;
        x.push(p.n_b as f64);
        y.push(pg);
    }
    Ok(scaling::fit_power_law(&x, &y)?)
}

/// Figs. 3 and 4: E_max and P_max against N_B, with the power-law fits.
fn figs3_4(dir: &RunDir, md: &mut String) -> Result<(Fits, Fits)> {
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    for (fig, ns, nb_max, fit_range, charger_full) in [
        ("fig3", [5u32, 10, 15], 80u32, (20u32, 80u32), true),
        ("fig4", [100, 200, 300], 50, (1, 50), false),
    ] {
        let points: Vec<Point> = ns
            .iter()
            .flat_map(|&n| {
                (1..=nb_max).map(move |n_b| Point {
                    n_b,
                    n,
                    m: 0,
                    k: if charger_full { n } else { n_b },
                })
            })
            .collect();
        let res = sweep(dir, fig, &points)?;
        let mut e_series = Vec::new();
        let mut p_series = Vec::new();
        for &n in &ns {
            let rows: Vec<PowerPoint> = res.iter().filter(|p| p.n == n).copied().collect();
            let nb: Vec<f64> = rows.iter().map(|p| p.n_b as f64).collect();
            let p: Vec<f64> = rows.iter().map(|p| p.p_max).collect();
            let tp: Vec<f64> = rows.iter().map(|p| p.t_p_max).collect();
            let e: Vec<f64> = rows.iter().map(|p| p.e_max).collect();
            let te: Vec<f64> = rows.iter().map(|p| p.t_e_max).collect();
            let e_plot: Vec<f64> = if charger_full {
                e.clone()
            } else {
                e.iter().zip(&nb).map(|(e, n)| e / n).collect()
            };
            dir.write_csv(
                &format!("{fig}/{fig}_n{n}.csv"),
                &[
                    ("n_b", &nb),
                    ("p_max", &p),
                    ("t_p_max", &tp),
                    ("e_max", &e),
                    ("t_e_max", &te),
                ],
            )?;
            let f = fit(&rows, fit_range.0, fit_range.1)?;
            let fitted: Vec<f64> = nb.iter().map(|x| f.beta * x.powf(f.alpha)).collect();
            e_series.push(Series::new(format!("N = {n}"), nb.clone(), e_plot));
            p_series.push(Series::new(format!("N = {n}"), nb.clone(), p));
            p_series.push(Series::reference(
                format!("fit N = {n}: α = {:.4}", f.alpha),
                nb,
                fitted,
            ));
            let g = grid_fit(&rows, fit_range.0, fit_range.1)?;
            if charger_full {
                lower.push((n, f, g));
            } else {
                upper.push((n, f, g));
            }
        }
        let (e_label, init) = if charger_full {
            ("E_max", "m = 0, n = N")
        } else {
            ("E_max / N_B", "m = 0, n = N_B")
        };
        line_plot(
            &dir.path().join(format!("{fig}/{fig}a")),
            &LinePlot {
                title: format!("{fig}(a): maximum energy ({init})"),
                x_label: "N_B".into(),
                y_label: format!("{e_label} (units of B)"),
                series: e_series,
                log_x: false,
                log_y: false,
            },
        )?;
        line_plot(
            &dir.path().join(format!("{fig}/{fig}b")),
            &LinePlot {
                title: format!("{fig}(b): maximum power ({init})"),
                x_label: "N_B".into(),
                y_label: "P_max (units of BA)".into(),
                series: p_series,
                log_x: true,
                log_y: true,
            },
        )?;
    }
    writeln!(
        md,
        "## Figs. 3–4 — E_max and P_max against N_B\n\n\
         Data in `fig3/` (N = 5, 10, 15; n = N; fit over N_B ∈ [20, 80]) and `fig4/` \
         (N = 100, 200, 300; n = N_B; fit over N_B ∈ [1, 50]). E_max is the maximum of ΔE_B over \
         [0, {ENERGY_WINDOW} t_Pmax] (the paper does not state its time window).\n"
    )?;
    Ok((lower, upper))
}

fn table1(dir: &RunDir, md: &mut String, lower: &Fits, upper: &Fits) -> Result<()> {
    writeln!(
        md,
        "## Table I — scaling exponent α and prefactor β of P_max = β N_B^α\n\n\
         *exact*: fit of the certified maxima (± standard errors of the fit). *grid*: the same \
         fit of the largest ΔE_B/t on the time grid t = i·dt with dt = {PAPER_DT}. The paper's \
         numbers are grid maxima: the grid column reproduces every printed digit to within 3 \
         units of the last place, while the exact values differ by up to {:.4} in α and {:.4} \
         in β. The exact column is the true maximum power.\n\n\
         | regime | N | α exact (± s.e.) | α grid | α paper | paper − grid | β exact (± s.e.) | β grid | β paper | paper − grid |\n\
         |---|---|---|---|---|---|---|---|---|---|",
        lower
            .iter()
            .chain(upper)
            .zip(TABLE_LOWER.iter().chain(&TABLE_UPPER))
            .map(|((_, f, _), p)| (f.alpha - p.1).abs())
            .fold(0.0, f64::max),
        lower
            .iter()
            .chain(upper)
            .zip(TABLE_LOWER.iter().chain(&TABLE_UPPER))
            .map(|((_, f, _), p)| (f.beta - p.2).abs())
            .fold(0.0, f64::max),
    )?;
    let mut rows = Vec::new();
    for ((n, f, g), &(pn, pa, pb)) in lower
        .iter()
        .zip(&TABLE_LOWER)
        .chain(upper.iter().zip(&TABLE_UPPER))
    {
        debug_assert_eq!(*n, pn);
        let regime = if *n < 100 {
            "lower bound"
        } else {
            "upper bound"
        };
        writeln!(
            md,
            "| {regime} | {n} | {:.4} ± {:.4} | {:.4} | {pa:.4} | {:+.4} | {:.4} ± {:.4} | {:.4} | {pb:.4} | {:+.4} |",
            f.alpha,
            f.alpha_se,
            g.alpha,
            pa - g.alpha,
            f.beta,
            f.beta_se,
            g.beta,
            pb - g.beta
        )?;
        rows.push(
            serde_json::json!({"n": n, "exact_fit": f, "grid_fit": g, "grid_dt": PAPER_DT,
            "paper_alpha": pa, "paper_beta": pb}),
        );
    }
    for &(n, pb) in &TABLE_LIMIT {
        let ours = closed_forms::thermodynamic_limit_beta(n);
        writeln!(
            md,
            "| thermodynamic limit (Eq. 31) | {n} | 1.5 | | 1.5 | | {ours:.4} (κ√N) | | {pb} (0.72√N) | {:+.4} vs κ√N |",
            pb - ours
        )?;
        rows.push(serde_json::json!({"n": n, "limit_beta": ours, "paper_beta": pb}));
    }
    dir.write_json("table1.json", &rows)?;
    writeln!(
        md,
        "\nThe thermodynamic-limit column is Eq. (31), β = 0.72√N with 0.72 rounded from \
         κ = 0.72461; see the Eq. (31) section below for the exact large-N prefactor.\n"
    )?;
    Ok(())
}

/// Fig. 5: ln P_max over N_B ∈ [1, 40] × N ∈ [1, 200], initial state m = 0, n = N.
fn fig5(dir: &RunDir, md: &mut String) -> Result<()> {
    let nbs: Vec<u32> = (1..=40).collect();
    let ns: Vec<u32> = (1..=200).collect();
    let points: Vec<Point> = ns
        .iter()
        .flat_map(|&n| nbs.iter().map(move |&n_b| Point { n_b, n, m: 0, k: n }))
        .collect();
    let res = sweep(dir, "fig5", &points)?;
    let col = |f: fn(&PowerPoint) -> f64| -> Vec<f64> { res.iter().map(f).collect() };
    dir.write_csv(
        "fig5/fig5.csv",
        &[
            ("n_b", &col(|p| p.n_b as f64)),
            ("n", &col(|p| p.n as f64)),
            ("p_max", &col(|p| p.p_max)),
            ("t_p_max", &col(|p| p.t_p_max)),
        ],
    )?;
    let z: Vec<Vec<f64>> = res
        .chunks(nbs.len())
        .map(|row| row.iter().map(|p| p.p_max.ln()).collect())
        .collect();
    heatmap(
        &dir.path().join("fig5/fig5"),
        &Heatmap {
            title: "Fig. 5: ln P_max (m = 0, n = N)".into(),
            x_label: "N_B".into(),
            y_label: "N".into(),
            z_label: "ln P_max".into(),
            x: nbs.iter().map(|&v| v as f64).collect(),
            y: ns.iter().map(|&v| v as f64).collect(),
            z,
        },
    )?;
    let uncertified = res.iter().filter(|p| !p.certified).count();
    writeln!(
        md,
        "## Fig. 5 — ln P_max over N_B ∈ [1, 40] × N ∈ [1, 200]\n\n\
         {} points in `fig5/` ({uncertified} not certified).\n",
        res.len()
    )?;
    Ok(())
}

/// Eq. (31) against the exact numerics at N ≫ N_B: the prefactor P_max / (B A √N N_B^{3/2}).
fn thermodynamic_limit(dir: &RunDir, md: &mut String, kappa: f64) -> Result<()> {
    let n = 200_000u32;
    let nbs = [1u32, 2, 5, 10, 20, 50, 100, 200];
    let mut ratio = Vec::new();
    for &n_b in &nbs {
        let ch = Charging::new(&resonant(n_b, n), &InitialState::dicke(0, n_b))?;
        let p = ch.max_power();
        ratio.push(closed_forms::eq31_prefactor(p.value, n, n_b));
    }
    let x: Vec<f64> = nbs.iter().map(|&v| v as f64).collect();
    dir.write_csv(
        "eq31/prefactor_n2e5.csv",
        &[("n_b", &x), ("prefactor", &ratio)],
    )?;
    line_plot(
        &dir.path().join("eq31/prefactor"),
        &LinePlot {
            title: "P_max / (B A √N N_B^{3/2}) at N = 2·10⁵, n = N_B".into(),
            x_label: "N_B".into(),
            y_label: "prefactor".into(),
            series: vec![
                Series::new("exact".into(), x.clone(), ratio.clone()),
                Series::reference(
                    "Eq. (31): κ = 0.7246".into(),
                    x.clone(),
                    vec![kappa; x.len()],
                ),
            ],
            log_x: true,
            log_y: false,
        },
    )?;
    writeln!(
        md,
        "## Eq. (31) — the large-bath prefactor\n\n\
         Exact P_max / (B A √N N_B^{{3/2}}) at N = 2·10⁵ ≫ N_B with n = N_B, m = 0 (`eq31/`):\n\n\
         | N_B | {} |\n|---|{}\n| prefactor | {} |\n\n\
         Eq. (31) predicts κ = {kappa:.4} for every N_B. It holds at N_B = 1 and fails as N_B grows: \
         the Holstein–Primakoff step also bosonizes the battery, which is invalid when the \
         battery receives n − m = N_B excitations (it fills up). The exact large-N_B \
         prefactor is {:.4} (N_B = {}), so P_max still scales as N_B^{{3/2}} √N but with a \
         smaller constant.\n",
        nbs.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" | "),
        "---|".repeat(nbs.len()),
        ratio.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(" | "),
        ratio[ratio.len() - 1],
        nbs[nbs.len() - 1]
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use qbattery::models::central_spin::{simulate, Params};

    /// The example scenario (without its `model` tag, which the scenario layer consumes)
    /// deserialises into the model's parameters, validates and runs.
    #[test]
    fn example_scenario_runs() {
        let text = include_str!("../../../../examples/central_spin.toml");
        let mut table: toml::Table = toml::from_str(text).expect("valid TOML");
        assert_eq!(
            table
                .remove("model")
                .and_then(|v| v.as_str().map(String::from)),
            Some("central_spin".to_string())
        );
        let params: Params = table.try_into().expect("fields of central_spin::Params");
        let traj = simulate(&params).expect("runs");
        for key in ["e_max", "t_e_max", "p_max", "t_p_max"] {
            assert!(
                traj.scalars[key].is_finite() && traj.scalars[key] > 0.0,
                "{key}"
            );
        }
        assert!(traj.warnings.is_empty());
    }
}
