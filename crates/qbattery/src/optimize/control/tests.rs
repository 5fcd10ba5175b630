use super::*;
use crate::models::cavity_chain::Params;
use crate::simulation::{self, Drive, OutputSettings, SolverSettings, TimeGrid};

/// A small closed chain (2 sites of spin `two_j`/2, `levels` Fock levels, 2 photons) with
/// g given as the piecewise protocol `values` on [0, τ].
fn chain(two_j: u32, j: f64, levels: usize, tau: f64, values: &[f64]) -> Params {
    let mut p = Params::paper(
        two_j,
        j,
        1.0,
        TimeGrid {
            t_max: tau,
            steps: 4,
        },
    );
    p.chain.sites = 2;
    p.cavity.levels = levels;
    p.cavity.photons = 2;
    let k = values.len();
    p.coupling.g = Drive::Piecewise {
        edges: (0..=k).map(|i| tau * i as f64 / k as f64).collect(),
        values: values.to_vec(),
    };
    p
}

/// The problem of `params` and its plan with the default settings.
fn planned(params: &Params) -> (Problem, Plan) {
    let (problem, _) = params.problem().unwrap();
    let plan = simulation::plan(
        &problem,
        &SolverSettings::default(),
        &OutputSettings::default(),
    )
    .unwrap();
    (problem, plan)
}

fn prepared(params: &Params, steps: usize, tau: f64, weights: Weights) -> ControlProblem {
    let (problem, plan) = planned(params);
    ControlProblem::new(
        &problem,
        &plan,
        "coupling.g",
        Protocol { tau, steps },
        weights,
    )
    .unwrap()
}

/// `exact` agrees with central finite differences of J at `g` to 1e-6, and is not zero.
fn assert_gradient(c: &ControlProblem, g: &[f64], exact: &[f64], case: &str) {
    let h = 1e-5;
    for k in 0..g.len() {
        let (mut up, mut down) = (g.to_vec(), g.to_vec());
        up[k] += h;
        down[k] -= h;
        let fd = (c.evaluate(&up, false).unwrap().objective
            - c.evaluate(&down, false).unwrap().objective)
            / (2.0 * h);
        assert!(
            (fd - exact[k]).abs() < 1e-6 * (1.0 + fd.abs()),
            "{case}, step {k}: exact {} vs finite difference {fd}",
            exact[k]
        );
    }
    assert!(exact.iter().any(|d| d.abs() > 1e-3), "{case}: {exact:?}");
}

/// The exact gradient agrees with central finite differences, for every term of the
/// objective (energy, mean power, top-level penalty) and for spin-1/2 and spin-1.
#[test]
fn gradient_matches_finite_differences() {
    let g: Vec<f64> = (0..8)
        .map(|k| 0.3 + 0.5 * ((k as f64) * 1.3).sin().abs())
        .collect();
    let weights = Weights {
        energy: 1.0,
        mean_power: 0.7,
        top_level: 3.0,
        top_levels: 2,
    };
    for two_j in [1, 2] {
        let tau = 4.0;
        let c = prepared(&chain(two_j, -1.0, 5, tau, &g), g.len(), tau, weights);
        let exact = c.evaluate(&g, true).unwrap().gradient.unwrap();
        assert_gradient(&c, &g, &exact, &format!("spin {two_j}/2"));
    }
}

/// A piecewise protocol's E(t_k) equals the runner's (Krylov propagation in the full
/// reflection sector, sampled at the step edges) to 1e-8.
#[test]
fn energies_match_the_runner() {
    let g = [0.9, 0.1, 0.6, 1.0, 0.0, 0.4];
    let tau = 3.0;
    let mut params = chain(1, -1.0, 6, tau, &g);
    params.time = TimeGrid {
        t_max: tau,
        steps: g.len() + 1,
    };
    let c = prepared(&params, g.len(), tau, Weights::default());
    let ours = c.evaluate(&g, false).unwrap();
    let run = crate::models::cavity_chain::simulate(&params).unwrap();
    let theirs = run.series("energy").unwrap();
    assert_eq!(theirs.len(), ours.energies.len());
    for (a, b) in ours.energies.iter().zip(theirs) {
        assert!((a - b).abs() < 1e-8, "{a} vs {b}");
    }
    assert!(ours.energies[g.len()] > 0.1);
    assert_eq!(ours.energy, ours.energies[g.len()]);
    assert!((ours.power - ours.energy / tau).abs() < 1e-15);
}

/// The optimized protocol beats the best constant one, stays in the box, and the
/// report's values are −J.
#[test]
fn optimum_beats_the_best_constant_protocol() {
    let tau = 3.0;
    let steps = 6;
    let c = prepared(
        &chain(1, -1.0, 6, tau, &[0.5; 6]),
        steps,
        tau,
        Weights::default(),
    );
    let options = multistart::Options {
        random_starts: 1,
        seed: 7,
        ..multistart::Options::default()
    };
    let (report, scan) = c.optimize((0.0, 1.0), &[1.0], &[], 11, &options).unwrap();
    let best_constant = scan.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    let best = report.best();
    assert!(best.x.iter().all(|&g| (0.0..=1.0).contains(&g)));
    let e = c.evaluate(&best.x, false).unwrap();
    assert!((e.objective + best.value).abs() < 1e-12);
    assert!(
        e.objective >= best_constant - 1e-12,
        "{} < {best_constant}",
        e.objective
    );
    // The constant start, the scan's best unless it is that one, the random start.
    let scan_best = scan.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
    assert_eq!(report.starts.len(), 2 + usize::from(scan_best != 1.0));
}

/// The penalty counts the `top_levels` highest Fock levels: a state with photons only in
/// the band pays for them, and a wider band never pays less.
#[test]
fn top_level_band_counts_the_highest_levels() {
    let g = [1.0; 4];
    let tau = 2.0;
    let params = chain(1, -1.0, 4, tau, &g);
    let population = |band: usize| {
        let w = Weights {
            top_levels: band,
            ..Weights::default()
        };
        prepared(&params, g.len(), tau, w)
            .evaluate(&g, false)
            .unwrap()
            .top_population
    };
    let (one, two, all) = (population(1), population(2), population(4));
    assert!(one > 0.0 && one <= two && two <= all, "{one} {two} {all}");
    // The band of every level holds the whole state.
    assert!((all - 1.0).abs() < 1e-12, "{all}");
}

/// Bad input is refused by name.
#[test]
fn bad_input_is_refused() {
    let (problem, plan) = planned(&chain(1, -1.0, 4, 2.0, &[0.5; 4]));
    let protocol = Protocol { tau: 2.0, steps: 4 };
    let err = ControlProblem::new(&problem, &plan, "coupling.h", protocol, Weights::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("control.drive"), "{err}");
    let err = ControlProblem::new(
        &problem,
        &plan,
        "coupling.g",
        Protocol { tau: 0.0, steps: 4 },
        Weights::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("control.tau"), "{err}");
    let none = Weights {
        top_levels: 0,
        ..Weights::default()
    };
    let err = ControlProblem::new(&problem, &plan, "coupling.g", protocol, none)
        .unwrap_err()
        .to_string();
    assert!(err.contains("objective.top_levels"), "{err}");
    let c =
        ControlProblem::new(&problem, &plan, "coupling.g", protocol, Weights::default()).unwrap();
    assert!(c.evaluate(&[0.5; 3], false).is_err());
    assert!(c.evaluate(&[0.5, f64::NAN, 0.5, 0.5], false).is_err());
}

/// The open system: the adjoint-Lindblad gradient agrees with central finite
/// differences, and the Krylov steps' E(t_k) with the runner's Runge–Kutta evolution of
/// the same piecewise protocol.
#[test]
fn open_gradient_and_energies_match() {
    let g = [0.8, 0.2, 0.6, 1.0, 0.0, 0.4];
    let tau = 3.0;
    let mut params = chain(1, -1.0, 4, tau, &g);
    params.cavity.kappa = 0.5;
    params.cavity.n_th = 0.2;
    params.time = TimeGrid {
        t_max: tau,
        steps: g.len() + 1,
    };
    params.solver.rtol = 1e-11;
    params.solver.atol = 1e-13;
    let weights = Weights {
        energy: 1.0,
        mean_power: 0.5,
        top_level: 2.0,
        top_levels: 1,
    };
    let c = prepared(&params, g.len(), tau, weights);
    assert!(c.is_open());
    let e = c.evaluate(&g, true).unwrap();
    assert_gradient(&c, &g, e.gradient.as_ref().unwrap(), "open");
    let run = crate::models::cavity_chain::simulate(&params).unwrap();
    for (a, b) in e.energies.iter().zip(run.series("energy").unwrap()) {
        assert!((a - b).abs() < 1e-8, "{a} vs {b}");
    }
    assert!(e.energy > 0.1, "{}", e.energy);
}

/// An episode played with the protocol's values reaches `evaluate`'s E(t_k) and
/// top-level populations (closed and open), P = E/t, and refuses a step past τ.
#[test]
fn episode_replays_the_evaluation() {
    let g = [0.8, 0.2, 0.6, 1.0, 0.0, 0.4];
    let tau = 3.0;
    for kappa in [0.0, 0.5] {
        let mut params = chain(1, -1.0, 4, tau, &g);
        params.cavity.kappa = kappa;
        params.cavity.n_th = 0.2;
        let c = prepared(&params, g.len(), tau, Weights::default());
        assert_eq!(c.is_open(), kappa > 0.0);
        let e = c.evaluate(&g, false).unwrap();
        let mut episode = c.episode();
        assert_eq!(episode.outcome().energy, 0.0);
        let features = episode.state_features().len();
        assert_eq!(features % 2, 0);
        let mut top = episode.outcome().top_population;
        for (k, &gk) in g.iter().enumerate() {
            assert!(!episode.outcome().done);
            let o = episode.step(gk).unwrap();
            assert!(
                (o.energy - e.energies[k + 1]).abs() < 1e-12,
                "κ = {kappa}, step {k}: {} vs {}",
                o.energy,
                e.energies[k + 1]
            );
            assert!((o.time - tau * (k + 1) as f64 / g.len() as f64).abs() < 1e-14);
            assert!((o.power - o.energy / o.time).abs() < 1e-14);
            top = top.max(o.top_population);
        }
        assert!((top - e.top_population).abs() < 1e-12);
        assert!(episode.outcome().done);
        assert_eq!(episode.state_features().len(), features);
        assert!(episode.step(0.5).is_err());
        assert!(c.episode().step(f64::NAN).is_err());
    }
}
