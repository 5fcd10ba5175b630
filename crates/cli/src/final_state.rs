//! Final-state figures of a bosonic mode: its Fock populations (bar plot) and its Wigner
//! function (heatmap), each as CSV data next to PNG + SVG plots.

use anyhow::{Context, Result};
use qbattery::{c64, MatRef};

use crate::output::RunDir;
use crate::plot::{bar_plot, heatmap, Heatmap};

/// Points per phase-space axis of the Wigner grid.
const WIGNER_POINTS: usize = 101;

/// Populations below this are not counted when sizing the Wigner grid.
const OCCUPIED: f64 = 1e-8;

/// Writes `<stem>_populations.{csv,png,svg}` (n, ⟨n|ρ|n⟩) and `<stem>_wigner.{csv,png,svg}`
/// (x, p, W in QuTiP's convention, g = √2, on a square grid reaching past the classical
/// turning point of the highest occupied level) for the mode state `rho`; `label` titles
/// the plots.
pub fn write_mode_state(dir: &RunDir, stem: &str, label: &str, rho: MatRef<'_, c64>) -> Result<()> {
    let pops: Vec<f64> = (0..rho.nrows()).map(|n| rho[(n, n)].re).collect();
    let levels: Vec<f64> = (0..pops.len()).map(|n| n as f64).collect();
    let name = format!("{stem}_populations");
    dir.write_csv(&name, &[("n", &levels), ("population", &pops)])?;
    let bars: Vec<(usize, f64)> = pops.iter().copied().enumerate().collect();
    bar_plot(
        &dir.path().join(&name),
        &format!("Fock populations: {label}"),
        "n",
        "population",
        &bars,
    )?;

    let n_max = pops.iter().rposition(|&p| p > OCCUPIED).unwrap_or(0);
    let half_width = 1.2 * (2.0 * n_max as f64 + 1.0).sqrt() + 1.5;
    let axis: Vec<f64> = (0..WIGNER_POINTS)
        .map(|k| -half_width + 2.0 * half_width * k as f64 / (WIGNER_POINTS - 1) as f64)
        .collect();
    let w = qbattery::metrics::wigner::wigner(rho, &axis, &axis)
        .with_context(|| format!("Wigner function of {label}"))?;
    let (mut xs, mut ps, mut ws) = (Vec::new(), Vec::new(), Vec::new());
    let mut z = vec![vec![0.0; WIGNER_POINTS]; WIGNER_POINTS];
    for (ip, &p) in axis.iter().enumerate() {
        for (ix, &x) in axis.iter().enumerate() {
            xs.push(x);
            ps.push(p);
            ws.push(w[(ip, ix)]);
            z[ip][ix] = w[(ip, ix)];
        }
    }
    let name = format!("{stem}_wigner");
    dir.write_csv(&name, &[("x", &xs), ("p", &ps), ("wigner", &ws)])?;
    heatmap(
        &dir.path().join(&name),
        &Heatmap {
            title: format!("Wigner function: {label}"),
            x_label: "x".into(),
            y_label: "p".into(),
            z_label: "W(x, p)".into(),
            x: axis.clone(),
            y: axis,
            z,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use qbattery::models::micromaser::{self, Batch, Coupling};

    /// The fine-tuned micromaser protocol (paper 001: g = π/4, c = q = 0) ends in the Fock
    /// state |15⟩: its Wigner function at the origin is (−1)^15/π, its populations are a
    /// single bar at n = 15, and every file is written.
    #[test]
    fn fock_state_of_the_fine_tuned_micromaser() {
        let p = micromaser::Params {
            levels: 40,
            g: Coupling::Chamber { big_q: 1, m: 16.0 },
            stream: vec![Batch {
                count: None,
                c: 0.0,
                q: 0.0,
            }],
            collisions: micromaser::CollisionGrid {
                number: 3000,
                grid_points: 10,
                grid: Vec::new(),
            },
            ..micromaser::Params::default()
        };
        let run = micromaser::run(&p).unwrap();
        let out = std::env::temp_dir().join(format!("qbattery-mode-state-{}", std::process::id()));
        let dir = RunDir::create(&out).unwrap();
        write_mode_state(&dir, "final/cavity", "fine-tuned", run.density().as_ref()).unwrap();
        let rows = |name: &str| -> Vec<Vec<f64>> {
            std::fs::read_to_string(out.join(name))
                .unwrap()
                .lines()
                .skip(1)
                .map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect())
                .collect()
        };
        let origin = rows("final/cavity_wigner.csv")
            .into_iter()
            .find(|r| r[0].abs() < 1e-12 && r[1].abs() < 1e-12)
            .expect("the grid is symmetric with 101 points, so it contains the origin");
        assert!(
            (origin[2] + 1.0 / std::f64::consts::PI).abs() < 1e-6,
            "{}",
            origin[2]
        );
        let pops = rows("final/cavity_populations.csv");
        assert_eq!(pops.len(), 40);
        assert!((pops[15][1] - 1.0).abs() < 1e-9);
        for stem in ["final/cavity_wigner", "final/cavity_populations"] {
            for ext in ["png", "svg"] {
                assert!(out.join(format!("{stem}.{ext}")).exists(), "{stem}.{ext}");
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}
