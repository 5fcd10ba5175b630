//! The two-qubit cavity battery of paper 003 (Eqs. 22–24) as the cavity-chain model with
//! N = 2, j = 1/2, the Jaynes–Cummings coupling and |7, g, g⟩: against the four-state
//! matrix of Eq. 24, exponentiated here independently.

use faer::{c64, Mat};
use qbattery::models::cavity_chain::{ChainStart, CouplingKind, Params};
use qbattery::models::model::run_params;
use qbattery::simulation::{Metric, Run, Silent, TimeGrid};

const PHOTONS: usize = 7;

fn series<'a>(run: &'a Run, name: &str) -> &'a [f64] {
    &run.series.iter().find(|(n, _)| n == name).unwrap().1
}

/// The scenario of `examples/cavity_pair.toml` at anisotropy J₂, E(t) and purity.
fn pair(j2: f64) -> Params {
    let mut p = Params::cavity_pair(
        j2,
        TimeGrid {
            t_max: 10.0,
            steps: 201,
        },
    );
    p.output.metrics = vec![Metric::Energy, Metric::Purity];
    p
}

/// E(t) and the pair's purity from Eq. 24 on |n,gg⟩, |n−1,eg⟩, |n−1,ge⟩, |n−2,ee⟩.
fn four_states(j2: f64, times: &[f64]) -> Vec<(f64, f64)> {
    let n = PHOTONS as f64;
    let j1 = 1.0;
    let diag = [
        n + (j2 - 1.0),
        n - 1.0 - j2,
        n - 1.0 - j2,
        n - 2.0 + (j2 + 1.0),
    ];
    let (s0, s1) = (n.sqrt(), (n - 1.0).sqrt());
    let off = |i: usize, j: usize| match (i.min(j), i.max(j)) {
        (0, 1) | (0, 2) => s0,
        (1, 2) => 2.0 * j1,
        (1, 3) | (2, 3) => s1,
        _ => 0.0,
    };
    let h = Mat::<c64>::from_fn(4, 4, |i, j| {
        c64::new(if i == j { diag[i] } else { off(i, j) }, 0.0)
    });
    let evd = h.self_adjoint_eigen(faer::Side::Lower).unwrap();
    let (u, w): (Mat<c64>, Vec<f64>) =
        (evd.U().to_owned(), (0..4).map(|k| evd.S()[k].re).collect());
    // H_b on the same states (the photon energy left out): diag and the eg–ge flip-flop.
    let hb_diag = [-1.0 + j2, -j2, -j2, 1.0 + j2];
    times
        .iter()
        .map(|&t| {
            let c: Vec<c64> = (0..4)
                .map(|i| {
                    (0..4)
                        .map(|k| u[(i, k)] * u[(0, k)].conj() * c64::cis(-w[k] * t))
                        .sum()
                })
                .collect();
            let p: Vec<f64> = c.iter().map(|z| z.norm_sqr()).collect();
            let flip = 2.0 * j1 * 2.0 * (c[1].conj() * c[2]).re;
            let e = (0..4).map(|i| hb_diag[i] * p[i]).sum::<f64>() + flip - hb_diag[0];
            let purity = p[0].powi(2) + (p[1] + p[2]).powi(2) + p[3].powi(2);
            (e, purity)
        })
        .collect()
}

#[test]
fn the_pair_follows_the_four_state_matrix_of_eq_24() {
    for j2 in [0.0, 1.0] {
        let run = run_params(pair(j2), &mut Silent).unwrap();
        let reference = four_states(j2, &run.grid);
        let (e, purity) = (series(&run, "energy"), series(&run, "purity"));
        for (k, (e_ref, p_ref)) in reference.iter().enumerate() {
            assert!(
                (e[k] - e_ref).abs() < 1e-9,
                "J₂ = {j2}, t = {}: E {} vs {e_ref}",
                run.grid[k],
                e[k]
            );
            assert!(
                (purity[k] - p_ref).abs() < 1e-9,
                "J₂ = {j2}, t = {}: purity {} vs {p_ref}",
                run.grid[k],
                purity[k]
            );
        }
        let e_max = e.iter().fold(0.0_f64, |m, v| m.max(*v));
        assert!(e_max > 0.5, "J₂ = {j2}: the pair charges (E_max = {e_max})");
    }
}

/// "down" starts |gg⟩, not the ground state of H_b (here the singlet).
#[test]
fn down_is_not_the_ground_state_here() {
    let mut ground = pair(1.0);
    ground.chain.initial = ChainStart::Ground;
    let e = |p: Params| series(&run_params(p, &mut Silent).unwrap(), "energy").to_vec();
    let (from_down, from_ground) = (e(pair(1.0)), e(ground));
    let dev = from_down
        .iter()
        .zip(&from_ground)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(dev > 0.1, "{dev}");
}

/// With the Jaynes–Cummings coupling from |7, g, g⟩, 8 Fock levels are exact (the top level
/// starts full, and no warning is due); with the Rabi coupling of Eq. 22 they are not.
#[test]
fn an_exact_cutoff_is_not_reported_as_too_small() {
    let cutoff_warned = |p: Params| {
        run_params(p, &mut Silent)
            .unwrap()
            .warnings
            .iter()
            .any(|w| matches!(w, qbattery::Warning::CutoffPopulation { .. }))
    };
    assert!(!cutoff_warned(pair(1.0)));
    let mut rabi = pair(1.0);
    rabi.coupling.kind = CouplingKind::Rabi;
    assert!(cutoff_warned(rabi));
}

/// `output.ergotropy_of` takes battery sites only, and says so.
#[test]
fn ergotropy_of_a_charger_site_is_refused() {
    let mut p = pair(1.0);
    p.output.metrics = vec![Metric::Energy, Metric::Ergotropy];
    p.output.ergotropy_of = vec!["cavity".into()];
    let e = run_params(p, &mut Silent).unwrap_err().to_string();
    assert!(e.contains("output.ergotropy_of[0]"), "{e}");
}

/// Per-site values without their metric are refused, naming the field and the metric.
#[test]
fn per_site_values_need_their_metric() {
    let mut p = pair(1.0);
    p.output.ergotropy_of = vec!["spin1".into()];
    let e = run_params(p, &mut Silent).unwrap_err().to_string();
    assert!(
        e.contains("output.ergotropy_of") && e.contains("\"ergotropy\""),
        "{e}"
    );
    let mut p = pair(1.0);
    p.output.entropy_of = vec!["spin1".into()];
    let e = run_params(p, &mut Silent).unwrap_err().to_string();
    assert!(
        e.contains("output.entropy_of") && e.contains("\"entropy\""),
        "{e}"
    );
}
