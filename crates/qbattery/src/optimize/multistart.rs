//! Seeded multi-start: the best point of a coarse grid, given starts and uniform random
//! starts in the box, each refined by [`lbfgsb::minimize`]; a report of where each start
//! went and why it stopped.

use rayon::prelude::*;

use super::{lbfgsb, Bounds, Minimum, Objective};
use crate::{Error, Result};

/// The largest coarse grid (points in all) that [`run`] evaluates.
pub const MAX_GRID_POINTS: usize = 100_000;

/// Settings of a multi-start run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Seed of the random starts (splitmix64; the same seed gives the same starts).
    pub seed: u64,
    /// Number of uniform random starts in the box.
    pub random_starts: usize,
    /// Points per coordinate of the coarse grid whose best point is one more start
    /// (0: no grid start; the grid includes both bounds, and has `grid_points`^dim points).
    pub grid_points: usize,
    /// Settings of each bounded search.
    pub search: lbfgsb::Options,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            random_starts: 4,
            grid_points: 5,
            search: lbfgsb::Options::default(),
        }
    }
}

/// Where a start came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartKind {
    /// The best point of the coarse grid.
    Grid,
    /// Given by the caller.
    Given,
    /// Uniform random in the box.
    Random,
}

/// One start and its search.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StartReport {
    /// Where the start came from.
    pub kind: StartKind,
    /// The search from it (its `start`, end point, value, stop reason, history).
    pub minimum: Minimum,
}

/// The outcome of [`run`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// Every start, in the order grid, given, random.
    pub starts: Vec<StartReport>,
    /// Random starts whose search stalled on a flat plateau (see `on_plateau`) and were
    /// replaced by fresh ones from the same seeded stream: their start points, in order.
    pub replaced: Vec<Vec<f64>>,
    /// Index into `starts` of the lowest value among converged searches, or among all
    /// searches with a finite value when none converged.
    pub best: usize,
    /// Objective evaluations spent on the coarse grid.
    pub grid_evaluations: usize,
}

impl Report {
    /// The best search.
    pub fn best(&self) -> &Minimum {
        &self.starts[self.best].minimum
    }
}

/// Probe distance of [`on_plateau`], as a fraction of each coordinate's box width, and
/// the largest change of f over it (relative to 1 + |f|) that still counts as flat.
const PLATEAU_PROBE: f64 = 1e-2;
const PLATEAU_FLATNESS: f64 = 1e-6;

/// Whether a search stalled on a flat plateau rather than found a minimum: it stopped on
/// the projected-gradient test after at most one iteration, and f changes by less than
/// [`PLATEAU_FLATNESS`] (relative to 1 + |f|) a step of [`PLATEAU_PROBE`] of the box into
/// it along every coordinate. (The micromaser loss's no-charging corner: one steepest-descent
/// step from a start with a large penalty lands there.) A curved minimum that one step
/// happened to reach changes by more than that and is kept.
fn on_plateau<O: Objective + ?Sized>(f: &O, bounds: &Bounds, m: &Minimum) -> bool {
    if m.iterations > 1 || m.stop != super::StopReason::ProjectedGradient || !m.value.is_finite() {
        return false;
    }
    let tol = PLATEAU_FLATNESS * (1.0 + m.value.abs());
    (0..m.x.len()).all(|i| {
        let step = PLATEAU_PROBE * (bounds.upper[i] - bounds.lower[i]);
        let mut y = m.x.clone();
        y[i] = if m.x[i] + step <= bounds.upper[i] {
            m.x[i] + step
        } else {
            m.x[i] - step
        };
        f.value(&y).is_ok_and(|v| (v - m.value).abs() <= tol)
    })
}

/// splitmix64: a small, well-mixed generator for reproducible starts.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Runs the grid start, the `given` starts and `options.random_starts` random starts (in
/// parallel) and reports each.
///
/// Fails on invalid options or bounds, or if no search reached a finite value.
pub fn run<O: Objective + Sync + ?Sized>(
    f: &O,
    bounds: &Bounds,
    given: &[Vec<f64>],
    options: &Options,
) -> Result<Report> {
    options.search.validate()?;
    let n = f.dim();
    if bounds.dim() != n {
        return Err(Error::DimensionMismatch {
            context: "bounds".into(),
            expected: n,
            found: bounds.dim(),
        });
    }
    let mut starts: Vec<(StartKind, Vec<f64>)> = Vec::new();
    let mut grid_evaluations = 0;
    if options.grid_points > 0 {
        let k = options.grid_points;
        let total = (0..n)
            .try_fold(1usize, |acc, _| acc.checked_mul(k))
            .filter(|&t| t <= MAX_GRID_POINTS);
        let Some(total) = total else {
            return Err(Error::invalid(
                "grid_points",
                k,
                format!("such that grid_points^{n} ≤ {MAX_GRID_POINTS} (or 0 for no grid start)"),
            ));
        };
        let point = |mut idx: usize| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    let j = idx % k;
                    idx /= k;
                    let t = if k == 1 {
                        0.5
                    } else {
                        j as f64 / (k - 1) as f64
                    };
                    bounds.lower[i] + t * (bounds.upper[i] - bounds.lower[i])
                })
                .collect()
        };
        let values: Vec<f64> = (0..total)
            .into_par_iter()
            .map(|i| {
                f.value(&point(i))
                    .ok()
                    .filter(|v| v.is_finite())
                    .unwrap_or(f64::INFINITY)
            })
            .collect();
        grid_evaluations = total;
        let best = (0..total).min_by(|&a, &b| values[a].total_cmp(&values[b]));
        if let Some(b) = best.filter(|&b| values[b].is_finite()) {
            starts.push((StartKind::Grid, point(b)));
        }
    }
    for g in given {
        if g.len() != n {
            return Err(Error::DimensionMismatch {
                context: "given start".into(),
                expected: n,
                found: g.len(),
            });
        }
        starts.push((StartKind::Given, g.clone()));
    }
    let mut state = options.seed;
    let mut draw = || -> Vec<f64> {
        (0..n)
            .map(|i| bounds.lower[i] + splitmix(&mut state) * (bounds.upper[i] - bounds.lower[i]))
            .collect()
    };
    for _ in 0..options.random_starts {
        starts.push((StartKind::Random, draw()));
    }
    let search = |starts: Vec<(StartKind, Vec<f64>)>| -> Result<Vec<StartReport>> {
        starts
            .into_par_iter()
            .map(|(kind, x)| {
                lbfgsb::minimize(f, bounds, &x, &options.search)
                    .map(|minimum| StartReport { kind, minimum })
            })
            .collect()
    };
    let mut searched = search(starts)?;
    // Random starts stalled on a plateau are replaced from the same seeded stream, in
    // rounds, at most `random_starts` times in all (a box that is mostly plateau ends).
    let mut replaced = Vec::new();
    loop {
        let stalled: Vec<usize> = (0..searched.len())
            .filter(|&i| searched[i].kind == StartKind::Random)
            .filter(|&i| on_plateau(f, bounds, &searched[i].minimum))
            .take(options.random_starts - replaced.len())
            .collect();
        if stalled.is_empty() {
            break;
        }
        let fresh = search(
            stalled
                .iter()
                .map(|_| (StartKind::Random, draw()))
                .collect(),
        )?;
        for (i, s) in stalled.into_iter().zip(fresh) {
            replaced.push(std::mem::replace(&mut searched[i], s).minimum.start);
        }
    }
    let pick = |converged_only: bool| {
        (0..searched.len())
            .filter(|&i| searched[i].minimum.value.is_finite())
            .filter(|&i| !converged_only || searched[i].minimum.stop.converged())
            .min_by(|&a, &b| {
                searched[a]
                    .minimum
                    .value
                    .total_cmp(&searched[b].minimum.value)
            })
    };
    let best = pick(true)
        .or_else(|| pick(false))
        .ok_or_else(|| Error::NoConvergence {
            solver: "multi-start L-BFGS-B".into(),
            steps: searched.len(),
            residual: f64::NAN,
        })?;
    Ok(Report {
        starts: searched,
        replaced,
        best,
        grid_evaluations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tilted double well in x times a quadratic in y: minima near x = ±1, the one
    /// at x < 0 lower (f ≈ −0.3 there versus +0.3 near x = +1).
    struct DoubleWell;
    impl Objective for DoubleWell {
        fn dim(&self) -> usize {
            2
        }
        fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> Result<f64> {
            let (a, b) = (x[0], x[1] - 0.25);
            g[0] = 4.0 * a * (a * a - 1.0) + 0.3;
            g[1] = 2.0 * b;
            Ok((a * a - 1.0).powi(2) + 0.3 * a + b * b)
        }
    }

    #[test]
    fn finds_the_global_well_and_reports_every_start() {
        let b = Bounds::new(vec![-2.0, -1.0], vec![2.0, 1.0]).unwrap();
        let opts = Options {
            random_starts: 6,
            seed: 7,
            ..Options::default()
        };
        let rep = run(&DoubleWell, &b, &[vec![1.5, 0.0]], &opts).unwrap();
        assert_eq!(rep.starts.len(), 8);
        assert_eq!(rep.grid_evaluations, 25);
        assert_eq!(rep.starts[0].kind, StartKind::Grid);
        assert_eq!(rep.starts[1].kind, StartKind::Given);
        // Every converged search ends in one of the two wells (4a(a² − 1) + 0.3 = 0 at
        // a ≈ −1.0359 and a ≈ 0.9604), never at the local maximum a ≈ 0.0753.
        for s in rep.starts.iter().filter(|s| s.minimum.stop.converged()) {
            let a = s.minimum.x[0];
            assert!(
                (a + 1.0359).abs() < 1e-3 || (a - 0.9604).abs() < 1e-3,
                "{a}"
            );
        }
        let best = rep.best();
        assert!(best.stop.converged());
        assert!(
            best.x[0] < -0.9 && (best.x[1] - 0.25).abs() < 1e-5,
            "{:?}",
            best.x
        );
        assert!(rep.replaced.is_empty(), "{:?}", rep.replaced);
        // Same seed, same starts.
        let again = run(&DoubleWell, &b, &[vec![1.5, 0.0]], &opts).unwrap();
        assert_eq!(again.starts[3].minimum.start, rep.starts[3].minimum.start);
        let too_fine = Options {
            grid_points: 1000,
            ..Options::default()
        };
        assert!(run(&DoubleWell, &b, &[], &too_fine)
            .unwrap_err()
            .to_string()
            .contains("grid_points"));
    }

    /// A bowl at (0.3, 0.3) whose far side (x + y > 1.2) is a flat plateau at 0 reached
    /// through a steep penalty wall: starts there stall after one step and are replaced,
    /// reproducibly; none is replaced where the bowl is found directly.
    struct BowlAndPlateau;
    impl Objective for BowlAndPlateau {
        fn dim(&self) -> usize {
            2
        }
        fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> Result<f64> {
            let s = x[0] + x[1];
            if s > 1.2 {
                g.fill(0.0);
                return Ok(0.0);
            }
            let (a, b) = (x[0] - 0.3, x[1] - 0.3);
            g[0] = 2.0 * a;
            g[1] = 2.0 * b;
            Ok(a * a + b * b - 1.0)
        }
    }

    #[test]
    fn starts_stalled_on_a_plateau_are_replaced_from_the_seed() {
        let b = Bounds::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
        let opts = Options {
            random_starts: 6,
            seed: 3,
            grid_points: 0,
            ..Options::default()
        };
        // A start on the plateau: one search that goes nowhere, flagged.
        let m = lbfgsb::minimize(&BowlAndPlateau, &b, &[0.9, 0.9], &opts.search).unwrap();
        assert!(
            m.iterations <= 1 && on_plateau(&BowlAndPlateau, &b, &m),
            "{m:?}"
        );
        // The bowl's minimum, even when reached in one step, is not a plateau.
        let m = lbfgsb::minimize(&BowlAndPlateau, &b, &[0.3, 0.5], &opts.search).unwrap();
        assert!(!on_plateau(&BowlAndPlateau, &b, &m), "{m:?}");
        let rep = run(&BowlAndPlateau, &b, &[], &opts).unwrap();
        assert!(
            !rep.replaced.is_empty(),
            "seed 3 puts a start on the plateau"
        );
        for r in &rep.replaced {
            assert!(r[0] + r[1] > 1.2, "{r:?}");
        }
        let on_bowl = rep
            .starts
            .iter()
            .filter(|s| (s.minimum.value + 1.0).abs() < 1e-9)
            .count();
        let left_on_plateau = rep.starts.iter().filter(|s| s.minimum.value == 0.0).count();
        assert_eq!(on_bowl + left_on_plateau, rep.starts.len());
        if rep.replaced.len() < opts.random_starts {
            assert_eq!(
                left_on_plateau, 0,
                "below the cap every stalled start is replaced"
            );
        }
        let again = run(&BowlAndPlateau, &b, &[], &opts).unwrap();
        assert_eq!(again.replaced, rep.replaced);
        assert_eq!(again.starts, rep.starts);
    }
}
