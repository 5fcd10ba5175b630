//! `qbattery reproduce star`: Figs. 2–6 of 002_bb018326d195ff9c.txt (a qubit battery at the
//! centre of a star of N qubits, charged by fermionic reservoirs) — the steady-state
//! normalized ergotropy W = ℰ/(2ω₀) against μ (collective reservoir, Fig. 2), Δμ (individual
//! reservoirs, Figs. 3 and 6), J (Fig. 4) and T (Fig. 5) — as CSV data, PNG/SVG plots and a
//! Markdown report that checks each of the paper's claims against our numbers. Beyond the
//! paper: the null-space dimension of the Liouvillian and the initial-state dependence it
//! brings with the collective reservoir, the approach to the steady state in time with its
//! relaxation rate, and how far in N the steady state can be had.
//!
//! All physics comes from `qbattery::models::star` (units of γ: ω₀ = 10, J = ω = 1); this
//! module only chooses the paper's parameters, runs the sweeps and writes the outputs.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use qbattery::models::model::run_params;
use qbattery::models::star::{Params, Representation, ReservoirKind};
use qbattery::simulation::{Metric, Silent, TimeGrid};
use serde::{Deserialize, Serialize};

use super::Claims;
use crate::output::RunDir;
use crate::plot::{line_plot, LinePlot, Series};
use crate::sweep::run_sweep;

/// Fig. 2's temperatures (T = 0: the step function) and μ ∈ [−2, 10].
const FIG2_T: [f64; 5] = [0.0, 0.5, 1.0, 2.0, 5.0];
const FIG2_MU: (f64, f64, usize) = (-2.0, 10.0, 121);

/// Fig. 3's base chemical potentials μ₁ and Δμ ∈ [0, 10] (T = 1).
const FIG3_MU1: [f64; 6] = [-1.0, 0.0, 1.0, 2.0, 4.0, 8.0];
const FIG3_DMU: (f64, f64, usize) = (0.0, 10.0, 101);

/// Fig. 4's J ∈ [0, 5] (μ = 1, Δμ = 2, T = 1).
const FIG4_J: (f64, f64, usize) = (0.0, 5.0, 101);

/// Fig. 5's T ∈ [0, 20] (μ = 1, Δμ = 2, J = 1) and the high-temperature point beyond it.
const FIG5_T: (f64, f64, usize) = (0.0, 20.0, 101);
const FIG5_HOT: f64 = 1000.0;

/// Fig. 6's network sizes and Δμ ∈ [0, 20] (μ = 0, T = 1).
const FIG6_N: [usize; 5] = [2, 3, 4, 5, 6];
const FIG6_DMU: (f64, f64, usize) = (0.0, 20.0, 201);

/// W above this counts as "charged" when the report locates the bias a network needs.
const CHARGED: f64 = 0.01;

/// The collective setting of the initial-state table (inside Fig. 2's charging region).
const TABLE_MU: f64 = 4.0;
const TABLE_T: f64 = 1.0;
const TABLE_N: [usize; 5] = [2, 3, 4, 5, 6];

/// The approach in time: γt ∈ [0, 20].
const APPROACH_T: (f64, usize) = (20.0, 401);

/// The size study: individual reservoirs to this N (every qubit: 2^N states) and the
/// collective reservoir's Dicke representation at these N.
const SCALE_INDIVIDUAL: usize = 8;
const SCALE_DICKE: [usize; 3] = [10, 100, 1000];

/// Comparison slack for monotonicity and zero checks (the steady state's own accuracy is
/// about 1e-12).
const TOL: f64 = 1e-9;

fn linspace((a, b, n): (f64, f64, usize)) -> Vec<f64> {
    (0..n)
        .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
        .collect()
}

/// One steady state to find: the paper's setting with these values.
#[derive(Debug, Clone, Serialize)]
struct Point {
    qubits: usize,
    kind: ReservoirKind,
    mu: f64,
    delta_mu: f64,
    temperature: f64,
    j: f64,
    /// The initial state's letters (default all `g`).
    initial: Option<String>,
    /// Count the null space in the whole space (every qubit, no reachable-subspace or
    /// permutation reduction; ρ block-diagonal in the excitation number).
    whole_space: bool,
}

impl Point {
    fn individual(qubits: usize, mu: f64, delta_mu: f64, temperature: f64, j: f64) -> Self {
        Self {
            qubits,
            kind: ReservoirKind::Individual,
            mu,
            delta_mu,
            temperature,
            j,
            initial: None,
            whole_space: false,
        }
    }

    fn collective(qubits: usize, mu: f64, temperature: f64) -> Self {
        Self {
            kind: ReservoirKind::Collective,
            ..Self::individual(qubits, mu, 0.0, temperature, 1.0)
        }
    }

    /// The scenario, with outputs on `time`.
    fn params(&self, time: TimeGrid) -> Params {
        let mut p = Params::paper(self.qubits, self.kind, self.mu, self.temperature);
        p.reservoir.delta_mu = self.delta_mu;
        p.network.j = self.j.into();
        p.network.initial.clone_from(&self.initial);
        if self.whole_space {
            p.network.representation = Representation::Qubits;
            p.solver.steady.reachable = false;
            p.solver.symmetries = false;
        }
        p.time = time;
        p.output.metrics = vec![
            Metric::Energy,
            Metric::Ergotropy,
            Metric::NormalizedErgotropy,
            Metric::Purity,
            Metric::LogNegativity,
        ];
        p.output.steady_state = true;
        p
    }
}

/// The steady state of a [`Point`] (of the battery unless said).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Steady {
    /// W = ℰ/ℰ_max.
    w: f64,
    /// ℰ (units of γ).
    ergotropy: f64,
    /// E(∞) − E(0) of the battery (units of γ).
    energy: f64,
    purity: f64,
    /// Battery–chargers log-negativity.
    log_negativity: f64,
    null_space_dimension: usize,
    unique: bool,
    gap: Option<f64>,
    /// Wall time of the point (s).
    seconds: f64,
}

fn steady(p: &Point) -> Result<Steady> {
    // The steady state only: the shortest grid keeps the time evolution negligible (the
    // collective reservoir's rates grow as γN², and with them the explicit integrator's
    // step count per unit time).
    let time = TimeGrid {
        t_max: 1e-3,
        steps: 4,
    };
    let clock = std::time::Instant::now();
    let run = run_params(p.params(time), &mut Silent)?;
    let ss = run.steady_state.context("a steady state was asked for")?;
    let m = |k: &str| ss.metrics.get(k).copied().unwrap_or(f64::NAN);
    Ok(Steady {
        w: m("normalized_ergotropy"),
        ergotropy: m("ergotropy"),
        energy: ss.energy,
        purity: m("purity"),
        log_negativity: m("log_negativity"),
        null_space_dimension: ss.null_space_dimension,
        unique: ss.unique,
        gap: ss.gap,
        seconds: clock.elapsed().as_secs_f64(),
    })
}

/// A family of curves: one label per curve, the common abscissa, W per curve.
struct Family {
    labels: Vec<String>,
    x: Vec<f64>,
    rows: Vec<Vec<Steady>>,
}

impl Family {
    fn w(&self, curve: usize) -> Vec<f64> {
        self.rows[curve].iter().map(|s| s.w).collect()
    }
}

/// Runs `point(curve, x)` for every curve and abscissa as one resumable sweep `name`.
fn family(
    dir: &RunDir,
    name: &str,
    labels: Vec<String>,
    x: Vec<f64>,
    point: impl Fn(usize, f64) -> Point,
) -> Result<Family> {
    let points: Vec<Point> = (0..labels.len())
        .flat_map(|c| x.iter().map(move |&v| (c, v)))
        .map(|(c, v)| point(c, v))
        .collect();
    let ckpt = dir.path().join("checkpoints").join(format!("{name}.jsonl"));
    let results = run_sweep(name, &points, &ckpt, steady)?;
    let rows = results.chunks(x.len()).map(<[Steady]>::to_vec).collect();
    Ok(Family { labels, x, rows })
}

/// Writes `<name>/<name>.csv` (W, ℰ, E, purity, E_N per curve) and the W plot.
fn write_family(
    dir: &RunDir,
    name: &str,
    title: &str,
    (x_name, x_label): (&str, &str),
    f: &Family,
) -> Result<()> {
    let mut names = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    for (label, rows) in f.labels.iter().zip(&f.rows) {
        let tag = label.replace(' ', "");
        for (q, get) in [
            ("W", (|s: &Steady| s.w) as fn(&Steady) -> f64),
            ("ergotropy", |s| s.ergotropy),
            ("energy", |s| s.energy),
            ("purity", |s| s.purity),
            ("log_negativity", |s| s.log_negativity),
        ] {
            names.push(format!("{q}[{tag}]"));
            columns.push(rows.iter().map(get).collect());
        }
    }
    let mut table: Vec<(&str, &[f64])> = vec![(x_name, &f.x)];
    table.extend(
        names
            .iter()
            .map(String::as_str)
            .zip(columns.iter().map(Vec::as_slice)),
    );
    dir.write_csv(&format!("{name}/{name}.csv"), &table)?;
    let series = (0..f.labels.len())
        .map(|c| Series::new(f.labels[c].clone(), f.x.clone(), f.w(c)))
        .collect();
    line_plot(
        &dir.path().join(format!("{name}/{name}")),
        &LinePlot {
            title: title.into(),
            x_label: x_label.into(),
            y_label: "W = ℰ/ℰ_max (steady state)".into(),
            series,
            log_x: false,
            log_y: false,
        },
    )
}

/// Whether `y` never falls (`up`) or never rises, to [`TOL`].
fn monotone(y: &[f64], up: bool) -> bool {
    y.windows(2).all(|w| {
        if up {
            w[1] >= w[0] - TOL
        } else {
            w[1] <= w[0] + TOL
        }
    })
}

fn max(y: impl IntoIterator<Item = f64>) -> f64 {
    y.into_iter().fold(f64::NEG_INFINITY, f64::max)
}

fn min(y: impl IntoIterator<Item = f64>) -> f64 {
    y.into_iter().fold(f64::INFINITY, f64::min)
}

/// Runs the reproduction into `out` and prints a short summary.
pub fn run(out: &Path) -> Result<()> {
    let (dir, prov) = super::begin(out)?;
    let mut md = String::new();
    writeln!(
        md,
        "# Star network charged by fermionic reservoirs — reproduction of 002_bb018326d195ff9c\n\n\
         Units of γ: ω₀ = 10, ω = J = 1 unless a figure varies them; H_S = Σ ω₀ σ^z + \
         J Σ_{{i≥2}} (σ⁺₁σ⁻ᵢ + h.c.) (Eq. 1), W = ℰ/ℰ_max with ℰ_max = 2ω₀. Every value is the \
         steady state of the Liouvillian (Eqs. 6–8, 11–12) reached from |g…g⟩, solved directly \
         in the excitation-number blocks (ρ stays block-diagonal: a weak U(1) symmetry), with \
         the collective reservoir's outer qubits held as one Dicke spin j = (N − 1)/2 (exact \
         from |g…g⟩). Data in `figN/figN.csv` (W, ℰ, E(∞) − E(0), purity and the \
         battery–chargers log-negativity per curve).\n"
    )?;
    let mut claims = Claims::default();
    let clock = std::time::Instant::now();
    let mut timings = Vec::new();
    let lap = |what: &str, timings: &mut Vec<(String, f64)>| {
        let t = clock.elapsed().as_secs_f64() - timings.iter().map(|(_, s)| s).sum::<f64>();
        timings.push((what.to_string(), t));
    };
    fig2(&dir, &mut claims).context("Fig. 2")?;
    lap("Fig. 2", &mut timings);
    fig3(&dir, &mut claims).context("Fig. 3")?;
    lap("Fig. 3", &mut timings);
    fig4(&dir, &mut claims).context("Fig. 4")?;
    lap("Fig. 4", &mut timings);
    fig5(&dir, &mut claims).context("Fig. 5")?;
    lap("Fig. 5", &mut timings);
    fig6(&dir, &mut claims).context("Fig. 6")?;
    lap("Fig. 6", &mut timings);
    claims.write(&mut md)?;
    initial_states(&dir, &mut md).context("initial-state table")?;
    lap("initial-state table", &mut timings);
    approach(&dir, &mut md).context("approach in time")?;
    lap("approach in time", &mut timings);
    scale(&mut md).context("size study")?;
    lap("size study", &mut timings);
    let list: Vec<String> = timings
        .iter()
        .map(|(w, s)| format!("{w} {s:.1} s"))
        .collect();
    writeln!(md, "\nTimings: {}.", list.join("; "))?;
    let (checked, failed) = claims.counts();
    println!("  {checked} of the paper's claims checked, {failed} do not hold (see the report)");
    super::finish(&dir, "star", md, prov)
}

/// Fig. 2: collective reservoir, N = 3, W against μ for several T.
fn fig2(dir: &RunDir, claims: &mut Claims) -> Result<()> {
    let labels = FIG2_T.iter().map(|t| format!("T = {t}")).collect();
    let f = family(dir, "fig2", labels, linspace(FIG2_MU), |c, mu| {
        Point::collective(3, mu, FIG2_T[c])
    })?;
    write_family(
        dir,
        "fig2",
        "Fig. 2: collective reservoir, N = 3",
        ("mu", "μ (units of γ)"),
        &f,
    )?;
    let below = (0..FIG2_T.len())
        .flat_map(|c| {
            f.x.iter()
                .zip(f.w(c))
                .filter(|(mu, _)| **mu <= 1.0)
                .map(|(_, w)| w)
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max);
    claims.add(
        "2",
        "W = 0 for μ ≤ ω",
        format!("max W over μ ≤ ω and every T: {below:.1e}"),
        below < TOL,
    );
    let up: Vec<bool> = (0..FIG2_T.len()).map(|c| monotone(&f.w(c), true)).collect();
    claims.add(
        "2",
        "W increases monotonically with μ",
        format!("non-decreasing in μ for every T: {up:?}"),
        up.iter().all(|&u| u),
    );
    let hotter_lower = (0..f.x.len()).all(|i| {
        let col: Vec<f64> = (0..FIG2_T.len()).map(|c| f.rows[c][i].w).collect();
        monotone(&col, false)
    });
    claims.add(
        "2",
        "a higher temperature lowers W",
        format!(
            "W non-increasing in T at every μ: {hotter_lower}; at μ = 10: {}",
            (0..FIG2_T.len())
                .map(|c| format!("{:.4}", f.rows[c].last().map_or(f64::NAN, |s| s.w)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        hotter_lower,
    );
    let closed = (0..FIG2_T.len())
        .flat_map(|c| {
            f.x.iter()
                .zip(f.w(c))
                .map(|(&mu, w)| (w - equilibrium_w(mu, FIG2_T[c])).abs())
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max);
    claims.add(
        "2",
        "(not in the paper) in equilibrium the steady state is the grand-canonical ρ ∝ \
         e^{(μ−ω)N_exc/T} (it commutes with H and balances every jump), so \
         W = max(0, tanh((μ − ω)/2T)) whatever N, J and ω₀",
        format!("largest deviation from the closed form over Fig. 2's points: {closed:.1e}"),
        closed < TOL,
    );
    let cold = f.rows[0].last().map_or(f64::NAN, |s| s.w);
    claims.add(
        "2",
        "full charge (W → 1) as T → 0 at μ ≫ ω",
        format!("W(T = 0, μ = 10) = {cold:.6} from |ggg⟩"),
        cold > 1.0 - 1e-3,
    );
    Ok(())
}

/// W of the equilibrium grand-canonical state at (μ, T), reservoir frequency ω = 1: the
/// battery's p_e/p_g = e^{(μ−ω)/T} (the step at T = 0; W = 0 at μ = ω).
fn equilibrium_w(mu: f64, temperature: f64) -> f64 {
    let x = mu - 1.0;
    if temperature == 0.0 {
        return if x > 0.0 { 1.0 } else { 0.0 };
    }
    (x / (2.0 * temperature)).tanh().max(0.0)
}

/// Fig. 3: individual reservoirs, N = 3, T = 1, W against Δμ for several μ₁.
fn fig3(dir: &RunDir, claims: &mut Claims) -> Result<()> {
    let labels = FIG3_MU1.iter().map(|m| format!("μ1 = {m}")).collect();
    let f = family(dir, "fig3", labels, linspace(FIG3_DMU), |c, dmu| {
        Point::individual(3, FIG3_MU1[c], dmu, 1.0, 1.0)
    })?;
    write_family(
        dir,
        "fig3",
        "Fig. 3: individual reservoirs, N = 3, T = 1",
        ("delta_mu", "Δμ (units of γ)"),
        &f,
    )?;
    let rising: Vec<(f64, bool)> = FIG3_MU1
        .iter()
        .enumerate()
        .filter(|(_, &m)| m >= 1.0)
        .map(|(c, &m)| (m, monotone(&f.w(c), true)))
        .collect();
    claims.add(
        "3",
        "for μ₁ ≥ ω, W increases monotonically with Δμ from its equilibrium value",
        format!("non-decreasing (μ₁, holds): {rising:?}"),
        rising.iter().all(|r| r.1),
    );
    let top = f.w(FIG3_MU1.len() - 1);
    let (lo, hi) = (min(top.iter().copied()), max(top.iter().copied()));
    let others_below =
        (0..FIG3_MU1.len() - 1).all(|c| f.w(c).iter().zip(&top).all(|(w, t)| *w <= *t + TOL));
    claims.add(
        "3",
        "at large μ₁ (μ₁ = 8) W is maximal regardless of Δμ",
        format!(
            "μ₁ = 8: W ∈ [{lo:.4}, {hi:.4}] over Δμ ∈ [0, 10], above every other curve: {others_below}"
        ),
        others_below && hi - lo < 0.05,
    );
    let tails: Vec<f64> = (0..FIG3_MU1.len())
        .map(|c| {
            let w = f.w(c);
            (w[w.len() - 1] - w[w.len() - 11]).abs()
        })
        .collect();
    let flat = max(tails.iter().copied());
    claims.add(
        "3",
        "W approaches fixed values as Δμ grows large",
        format!("largest change of W over Δμ ∈ [9, 10]: {flat:.1e}"),
        flat < 0.01,
    );
    Ok(())
}

/// Fig. 4: individual reservoirs, N = 3, μ = 1, Δμ = 2, T = 1, W against J.
fn fig4(dir: &RunDir, claims: &mut Claims) -> Result<()> {
    let f = family(
        dir,
        "fig4",
        vec!["N = 3".into()],
        linspace(FIG4_J),
        |_, j| Point::individual(3, 1.0, 2.0, 1.0, j),
    )?;
    write_family(
        dir,
        "fig4",
        "Fig. 4: individual reservoirs, N = 3, μ = 1, Δμ = 2, T = 1",
        ("j", "J (units of γ)"),
        &f,
    )?;
    let w = f.w(0);
    let (i_max, w_max) = w
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |a, (i, v)| if v > a.1 { (i, v) } else { a },
        );
    let at = |j: f64| {
        let i = f.x.iter().position(|&x| (x - j).abs() < 1e-9).unwrap_or(0);
        w[i]
    };
    let small = at(0.25);
    claims.add(
        "4",
        "W increases with J in general and is much reduced at small J",
        format!(
            "W(J = 0) = {:.4}, W(0.25) = {small:.4}, W(1) = {:.4}, largest W = {w_max:.4} at J = {:.2}, W(5) = {:.4}; non-decreasing over the whole range: {}",
            w[0],
            at(1.0),
            f.x[i_max],
            w[w.len() - 1],
            monotone(&w, true)
        ),
        w[0] < TOL && small < at(1.0),
    );
    let beyond: Vec<f64> =
        f.x.iter()
            .zip(&w)
            .filter(|(j, _)| **j >= 1.0)
            .map(|(_, w)| *w)
            .collect();
    let spread = max(beyond.iter().copied()) - min(beyond.iter().copied());
    claims.add(
        "4",
        "for J ≥ ω the curves behave alike whatever J",
        format!("W varies by {spread:.4} over J ∈ [1, 5] (relative to its largest {w_max:.4})"),
        spread < 0.5 * w_max,
    );
    Ok(())
}

/// Fig. 5: individual reservoirs, N = 3, μ = 1, Δμ = 2, J = 1, W against T.
fn fig5(dir: &RunDir, claims: &mut Claims) -> Result<()> {
    let f = family(
        dir,
        "fig5",
        vec!["N = 3".into()],
        linspace(FIG5_T),
        |_, t| Point::individual(3, 1.0, 2.0, t, 1.0),
    )?;
    write_family(
        dir,
        "fig5",
        "Fig. 5: individual reservoirs, N = 3, μ = 1, Δμ = 2, J = 1",
        ("temperature", "T (units of γ)"),
        &f,
    )?;
    let w = f.w(0);
    let hot = steady(&Point::individual(3, 1.0, 2.0, FIG5_HOT, 1.0))?.w;
    claims.add(
        "5",
        "temperature is destructive: at high T the battery stays almost empty",
        format!(
            "W(T = 0) = {:.4}, W(T = 1) = {:.4}, W(T = 20) = {:.2e}, W(T = {FIG5_HOT}) = {hot:.1e}; non-increasing in T: {}",
            w[0],
            w[5],
            w[w.len() - 1],
            monotone(&w, false)
        ),
        monotone(&w, false) && hot < 0.01,
    );
    Ok(())
}

/// Fig. 6: individual reservoirs, μ = 0, T = 1, W against Δμ for N = 2 … 6.
fn fig6(dir: &RunDir, claims: &mut Claims) -> Result<()> {
    let labels = FIG6_N.iter().map(|n| format!("N = {n}")).collect();
    let f = family(dir, "fig6", labels, linspace(FIG6_DMU), |c, dmu| {
        Point::individual(FIG6_N[c], 0.0, dmu, 1.0, 1.0)
    })?;
    write_family(
        dir,
        "fig6",
        "Fig. 6: individual reservoirs, μ = 0, T = 1",
        ("delta_mu", "Δμ (units of γ)"),
        &f,
    )?;
    let onset: Vec<Option<f64>> = (0..FIG6_N.len())
        .map(|c| {
            f.x.iter()
                .zip(f.w(c))
                .find(|(_, w)| *w > CHARGED)
                .map(|(x, _)| *x)
        })
        .collect();
    let shown: Vec<String> = FIG6_N
        .iter()
        .zip(&onset)
        .map(|(n, o)| match o {
            Some(x) => format!("N = {n}: {x:.1}"),
            None => format!("N = {n}: none ≤ {}", FIG6_DMU.1),
        })
        .collect();
    let found: Vec<f64> = onset.iter().flatten().copied().collect();
    let falling = found.len() == onset.len() && monotone(&found, false);
    let steps: Vec<f64> = found.windows(2).map(|w| w[0] - w[1]).collect();
    let shrinking = monotone(&steps, false);
    claims.add(
        "6",
        "the smaller N, the larger the bias Δμ needed to charge",
        format!("Δμ where W first exceeds {CHARGED}: {}", shown.join(", ")),
        falling,
    );
    claims.add(
        "6",
        "the sensitivity to N diminishes for larger N",
        format!("the onset moves by {steps:.2?} from one N to the next"),
        falling && shrinking,
    );
    let ends: Vec<f64> = (0..FIG6_N.len()).map(|c| f.w(c)[f.x.len() - 1]).collect();
    let shown: Vec<String> = FIG6_N
        .iter()
        .zip(&ends)
        .map(|(n, w)| format!("N = {n}: {w:.4}"))
        .collect();
    claims.add(
        "6",
        "at small N even one more cell shifts the ergotropy significantly",
        format!("W at Δμ = {}: {}", FIG6_DMU.1, shown.join(", ")),
        (ends[1] - ends[0]).abs() > 0.05,
    );
    Ok(())
}

/// The null-space dimension with the collective reservoir and the steady state reached
/// from several initial states, for N = 2 … 6; and the individual reservoirs' uniqueness.
fn initial_states(dir: &RunDir, md: &mut String) -> Result<()> {
    writeln!(
        md,
        "## Does the steady state depend on the initial state?\n\n\
         The paper says the system relaxes to the steady state regardless of the initial \
         conditions. With the collective reservoir (μ = {TABLE_MU}, T = {TABLE_T}) the \
         Liouvillian's null space is degenerate: counted in the whole space (every qubit, ρ \
         block-diagonal in the excitation number), with W, the battery's purity and the \
         battery–chargers log-negativity of the steady state reached from each initial \
         state (letters: the battery first):\n\n\
         | N | reservoir | null-space dimension | initial state | W | purity | E_N |\n|---|---|---|---|---|---|---|"
    )?;
    let mut points = Vec::new();
    for &n in &TABLE_N {
        let rest = |c: char| c.to_string().repeat(n - 1);
        let starts = [
            format!("g{}", rest('g')),
            format!("e{}", rest('g')),
            format!("ge{}", "g".repeat(n - 2)),
            format!("e{}", rest('e')),
        ];
        for kind in [ReservoirKind::Collective, ReservoirKind::Individual] {
            for s in &starts {
                let mut p = match kind {
                    ReservoirKind::Collective => Point::collective(n, TABLE_MU, TABLE_T),
                    ReservoirKind::Individual => Point::individual(n, TABLE_MU, 0.0, TABLE_T, 1.0),
                };
                p.initial = Some(s.clone());
                p.whole_space = true;
                points.push(p);
            }
        }
    }
    let ckpt = dir.path().join("checkpoints").join("initial_states.jsonl");
    let results = run_sweep("initial_states", &points, &ckpt, steady)?;
    let mut spread_rows = Vec::new();
    let mut i = 0;
    while i < points.len() {
        let (n, kind) = (points[i].qubits, points[i].kind);
        let group: Vec<usize> = (i..points.len())
            .take_while(|&k| points[k].qubits == n && points[k].kind == kind)
            .collect();
        for &k in &group {
            let (p, s) = (&points[k], &results[k]);
            writeln!(
                md,
                "| {n} | {kind:?} | {} | {} | {:.6} | {:.6} | {:.2e} |",
                s.null_space_dimension,
                p.initial.as_deref().unwrap_or(""),
                s.w,
                s.purity,
                s.log_negativity
            )?;
        }
        let ws: Vec<f64> = group.iter().map(|&k| results[k].w).collect();
        let spread = max(ws.iter().copied()) - min(ws.iter().copied());
        spread_rows.push(format!(
            "N = {n}, {kind:?}: null space {}, W spread over the initial states {spread:.1e}",
            results[i].null_space_dimension
        ));
        i += group.len();
    }
    writeln!(md, "\n{}.\n", spread_rows.join("; "))?;
    writeln!(
        md,
        "So with the collective reservoir the battery's W depends on where the network starts \
         wherever the spread above is nonzero (the dark states of Σσ⁻ keep what they hold); \
         with individual reservoirs the null space is one-dimensional and the steady state is \
         the same from every start. Where the state reached is the grand-canonical one, \
         W = tanh((μ − ω)/2T) = {:.6}; the other values come from starts with weight on dark \
         states (at N = 2 from |gg⟩ the triplet alone: W = (x² − 1)/(1 + x + x²), \
         x = e^{{(μ−ω)/T}}). Figs. 2–6 above start from |g…g⟩.\n",
        equilibrium_w(TABLE_MU, TABLE_T)
    )?;
    Ok(())
}

/// W(t) from |ggg⟩ towards its steady state, with the Liouvillian gap's time scale.
fn approach(dir: &RunDir, md: &mut String) -> Result<()> {
    writeln!(
        md,
        "## The approach to the steady state (N = 3, from |ggg⟩)\n\n\
         | reservoir | W(∞) | gap g (units of γ) | 1/g | γt when \\|W(t) − W(∞)\\| stays below 1 % of W(∞) |\n|---|---|---|---|---|"
    )?;
    let cases = [
        ("collective μ = 4, T = 1", Point::collective(3, 4.0, 1.0)),
        (
            "individual μ = 1, Δμ = 2, T = 1",
            Point::individual(3, 1.0, 2.0, 1.0, 1.0),
        ),
    ];
    let mut series = Vec::new();
    let mut columns = Vec::new();
    let mut grid = Vec::new();
    for (label, p) in &cases {
        let time = TimeGrid {
            t_max: APPROACH_T.0,
            steps: APPROACH_T.1,
        };
        let run = run_params(p.params(time), &mut Silent)?;
        let ss = run
            .steady_state
            .as_ref()
            .context("a steady state was asked for")?;
        let w_inf = ss.metrics["normalized_ergotropy"];
        let w = run
            .series
            .iter()
            .find(|(n, _)| n == "normalized_ergotropy")
            .map(|(_, v)| v.clone())
            .context("W(t) was asked for")?;
        let settled = (0..w.len())
            .rev()
            .take_while(|&k| (w[k] - w_inf).abs() <= 0.01 * w_inf.abs())
            .last()
            .map_or("not within the window".to_string(), |k| {
                format!("{:.2}", run.grid[k])
            });
        let gap = ss.gap.map_or("–".to_string(), |g| format!("{g:.4}"));
        let inv = ss
            .gap
            .map_or("–".to_string(), |g| format!("{:.2}", 1.0 / g));
        writeln!(md, "| {label} | {w_inf:.6} | {gap} | {inv} | {settled} |")?;
        series.push(Series::new(
            format!("{label}: W(t)"),
            run.grid.clone(),
            w.clone(),
        ));
        series.push(Series::reference(
            format!("{label}: W(∞)"),
            vec![0.0, APPROACH_T.0],
            vec![w_inf; 2],
        ));
        columns.push(w);
        grid.clone_from(&run.grid);
    }
    dir.write_csv(
        "approach/approach.csv",
        &[
            ("t", &grid),
            ("W[collective]", &columns[0]),
            ("W[individual]", &columns[1]),
        ],
    )?;
    line_plot(
        &dir.path().join("approach/approach"),
        &LinePlot {
            title: "Approach to the steady state, N = 3, from |ggg⟩".into(),
            x_label: "γt".into(),
            y_label: "W = ℰ/ℰ_max".into(),
            series,
            log_x: false,
            log_y: false,
        },
    )?;
    writeln!(md)?;
    Ok(())
}

/// How the steady state's cost grows with N.
fn scale(md: &mut String) -> Result<()> {
    writeln!(
        md,
        "## How far in N\n\n\
         One steady state (direct solve in the excitation-number blocks) on this machine; the \
         individual reservoirs hold every qubit (2^N states), the collective reservoir from \
         |g…g⟩ one Dicke spin (2N states).\n\n\
         | reservoir | N | W | null-space dimension | seconds |\n|---|---|---|---|---|"
    )?;
    let mut points: Vec<Point> = (2..=SCALE_INDIVIDUAL)
        .map(|n| Point::individual(n, 1.0, 2.0, 1.0, 1.0))
        .collect();
    points.extend(SCALE_DICKE.iter().map(|&n| Point::collective(n, 4.0, 1.0)));
    // Timed afresh every time: a checkpoint would keep an old machine's seconds.
    for p in &points {
        let s = steady(p)?;
        writeln!(
            md,
            "| {:?} | {} | {:.6} | {} | {:.3} |",
            p.kind, p.qubits, s.w, s.null_space_dimension, s.seconds
        )?;
    }
    writeln!(md)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closed_form_has_the_step_at_zero_temperature_and_no_nan() {
        assert_eq!(equilibrium_w(1.0, 0.0), 0.0);
        assert_eq!(equilibrium_w(1.5, 0.0), 1.0);
        assert_eq!(equilibrium_w(0.5, 1.0), 0.0);
        assert!((equilibrium_w(4.0, 1.0) - 1.5_f64.tanh()).abs() < 1e-15);
    }

    #[test]
    fn monotone_allows_ties_and_catches_a_fall() {
        assert!(monotone(&[0.0, 0.0, 1.0], true));
        assert!(!monotone(&[0.0, 1.0, 0.5], true));
        assert!(monotone(&[1.0, 0.5, 0.5], false));
    }
}
