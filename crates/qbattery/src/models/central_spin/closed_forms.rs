//! Closed forms of 004_5856515c11cfbeb7.txt, each tested here against the exact numerics
//! of [`super::Charging`].
//!
//! - the single central spin N_B = 1 (Eqs. 11–16, A2–A8) for any B, h, Δ;
//! - the resonant maximum power P_max = κ B A √b_{N,k} (Eq. 15, where the paper prints
//!   0.72), with κ = max_{x>0} sin²x/x exactly ([`power_constant`]);
//! - the Holstein–Primakoff (two-boson) limit, Eqs. (29)–(31).

use super::model::{dicke_coefficient, CentralSpin};
use crate::error::{Error, Result};
use qbattery_linalg::c64;

/// (x*, κ): x* ≈ 1.16556 is the root of tan x = 2x in (0, π/2) and
/// κ = sin²x*/x* ≈ 0.724611 = max_{x>0} sin²x/x, the constant behind the paper's "0.72"
/// and "1.16" (Eq. 15 and after Eq. 30). Computed by Newton's method to machine precision.
pub fn power_constant() -> (f64, f64) {
    // f(x) = sin 2x · x − sin²x ∝ d/dx (sin²x/x); root of 2x cos x − sin x = 0.
    let mut x: f64 = 1.1655;
    for _ in 0..50 {
        let f = 2.0 * x * x.cos() - x.sin();
        let df = 2.0 * x.cos() - 2.0 * x * x.sin() - x.cos();
        let step = f / df;
        x -= step;
        if step.abs() < 1e-16 {
            break;
        }
    }
    (x, x.sin().powi(2) / x)
}

/// Eq. (31)'s large-bath prefactor of the power: P_max / (B A √N N_B^{3/2}), which Eq. (31)
/// predicts to be κ ([`power_constant`]) for every N_B when N ≫ N_B, the battery starts
/// empty and the charger holds n = N_B excitations.
pub fn eq31_prefactor(p_max: f64, n: u32, n_b: u32) -> f64 {
    p_max / ((n as f64).sqrt() * (n_b as f64).powf(1.5))
}

/// The thermodynamic-limit β of Table I: κ √N (the paper prints 0.72 √N), the β of the
/// fit ln P_max = 1.5 ln N_B + ln β that Eq. (31) predicts.
pub fn thermodynamic_limit_beta(n: u32) -> f64 {
    power_constant().1 * (n as f64).sqrt()
}

/// The single-central-spin battery (N_B = 1) started in |↓⟩ ⊗ |k⟩: a two-level problem
/// on {|↓⟩|k⟩, |↑⟩|k−1⟩} (Eq. A1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SingleSpin {
    /// The model (n_b = 1).
    pub model: CentralSpin,
    /// Initial number of excited charger spins (the paper's n), 1 ≤ k ≤ N.
    pub k: u32,
}

impl SingleSpin {
    /// Checks N_B = 1 and 1 ≤ k ≤ N.
    pub fn new(model: CentralSpin, k: u32) -> Result<Self> {
        model.validate()?;
        if model.n_b != 1 {
            return Err(Error::invalid(
                "n_b",
                model.n_b,
                "= 1 for the single-spin closed form",
            ));
        }
        if k == 0 || k > model.n {
            return Err(Error::invalid("k", k, format!("1 ≤ k ≤ n = {}", model.n)));
        }
        Ok(Self { model, k })
    }

    /// b_{N,k} = k(N − k + 1).
    pub fn b_coefficient(&self) -> f64 {
        dicke_coefficient(self.model.n, self.k)
    }

    /// Δ_n = B − h + (2k − 1 − N)Δ (Eq. after 13): the energy of |↑⟩|k−1⟩ minus that of
    /// |↓⟩|k⟩. The sign (not only Δ_n², which is all the energies need) is confirmed by
    /// the amplitudes of Eq. (11) in the tests.
    pub fn detuning(&self) -> f64 {
        let m = &self.model;
        m.b - m.h + (2.0 * self.k as f64 - 1.0 - m.n as f64) * m.delta
    }

    /// Ω_n = √(Δ_n² + 4 b_{N,k} A²).
    pub fn rabi_frequency(&self) -> f64 {
        let d = self.detuning();
        (d * d + 4.0 * self.b_coefficient() * self.model.a * self.model.a).sqrt()
    }

    /// The amplitudes (P_↑, P_↓) of Eq. (11) (global phase e^{−iθt} omitted).
    pub fn amplitudes(&self, t: f64) -> (c64, c64) {
        let om = self.rabi_frequency();
        let (s, c) = (om * t / 2.0).sin_cos();
        let g = self.b_coefficient().sqrt() * self.model.a;
        (
            c64::new(0.0, -2.0 * g / om * s),
            c64::new(c, self.detuning() / om * s),
        )
    }

    /// The excited probability 4 b A²/Ω² sin²(Ωt/2).
    fn transfer(&self, t: f64) -> f64 {
        let om = self.rabi_frequency();
        4.0 * self.b_coefficient() * self.model.a.powi(2) / (om * om) * (om * t / 2.0).sin().powi(2)
    }

    /// ΔE_B(t), Eq. (12).
    pub fn energy(&self, t: f64) -> f64 {
        self.model.b * self.transfer(t)
    }

    /// ΔE_C(t) = E_C(t) − E_C(0), from Eq. (A7).
    pub fn charger_energy(&self, t: f64) -> f64 {
        -self.model.h * self.transfer(t)
    }

    /// E_I(t) = Δ(N/2 − k) − (B − h) · 4bA²/Ω² sin²(Ωt/2), Eq. (A8).
    pub fn interaction_energy(&self, t: f64) -> f64 {
        let m = &self.model;
        m.delta * (m.n as f64 / 2.0 - self.k as f64) - (m.b - m.h) * self.transfer(t)
    }

    /// P_B(t) = ΔE_B(t)/t, Eq. (13).
    pub fn power(&self, t: f64) -> f64 {
        self.energy(t) / t
    }

    /// (τ, E_max): the first maximum of Eq. (12), τ = π/Ω, E_max = 4 b A² B/Ω² (Eq. 16 at
    /// resonance: E_max = B, τ = π/(2A√b)). For B > 0.
    pub fn max_energy(&self) -> (f64, f64) {
        let om = self.rabi_frequency();
        (
            std::f64::consts::PI / om,
            self.energy(std::f64::consts::PI / om),
        )
    }

    /// (t*, P_max) = (2x*/Ω, 2κ B b A²/Ω), the exact maximum of Eq. (13) for B > 0; at
    /// resonance P_max = κ B A √b (Eq. 15).
    pub fn max_power(&self) -> (f64, f64) {
        let (x, kappa) = power_constant();
        let om = self.rabi_frequency();
        (
            2.0 * x / om,
            2.0 * kappa * self.model.b * self.b_coefficient() * self.model.a.powi(2) / om,
        )
    }
}

/// (t*, P_max) of a resonant two-level exchange with coupling A√b: ΔE = B sin²(A√b t),
/// t* = x*/(A√b), P_max = κ B A √b (Eq. 15; with b = b_{N_B,m+1} it is the N = 1 case
/// after Eq. 31).
pub fn resonant_max_power(b_field: f64, a: f64, b_coefficient: f64) -> (f64, f64) {
    let (x, kappa) = power_constant();
    let g = a.abs() * b_coefficient.sqrt();
    (x / g, kappa * b_field * g)
}

/// ΔE_B(t) = B (k − m) sin²(A√(N_B N) t) in the Holstein–Primakoff limit, Eq. (29):
/// both spins replaced by bosons (valid while k − m ≪ N_B and k ≪ N, B = h, Δ = 0).
pub fn holstein_primakoff_energy(model: &CentralSpin, m: u32, k: u32, t: f64) -> f64 {
    let g = model.a * (model.n_b as f64 * model.n as f64).sqrt();
    model.b * (k as f64 - m as f64) * (g * t).sin().powi(2)
}

/// (τ, P_max) = (x*/(A√(N_B N)), κ B A √(N_B N) (k − m)) from Eq. (30); with k − m = N_B
/// this is Eq. (31), P_max = κ B A √N N_B^{3/2}.
pub fn holstein_primakoff_max_power(model: &CentralSpin, m: u32, k: u32) -> (f64, f64) {
    let (x, kappa) = power_constant();
    let g = model.a.abs() * (model.n_b as f64 * model.n as f64).sqrt();
    (x / g, kappa * model.b * g * (k as f64 - m as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::central_spin::{Charging, InitialState};
    use crate::sector::Subspace;
    use faer::{Mat, Side};

    fn single(n: u32, b: f64, h: f64, delta: f64) -> CentralSpin {
        CentralSpin {
            n_b: 1,
            n,
            b,
            h,
            a: 1.0,
            delta,
        }
    }

    #[test]
    fn power_constant_is_the_maximum_of_sin2_over_x() {
        let (x, kappa) = power_constant();
        assert!(((2.0 * x).tan() * 0.0 + x.tan() - 2.0 * x).abs() < 1e-13);
        // brute force on a fine grid
        let grid_max = (1..200_000)
            .map(|i| i as f64 * 1e-5)
            .map(|x| x.sin().powi(2) / x)
            .fold(0.0, f64::max);
        assert!(kappa >= grid_max && kappa - grid_max < 1e-10);
        assert!((kappa - 0.724_611_353_776_708_5).abs() < 1e-14, "{kappa}");
        assert!((x - 1.165_561_185_207_211_3).abs() < 1e-14, "{x}");
    }

    #[test]
    fn single_spin_energies_match_the_numerics() {
        // Fig. 2 settings and off-resonant, anisotropic, negative-detuning cases.
        for &(n, k, b, h, delta) in &[
            (10, 5, 1.0, 1.0, 0.0),
            (10, 5, 1.0, 1.0, 5.0),
            (10, 5, 5.0, 1.0, 0.0),
            (10, 5, 5.0, 1.0, 5.0),
            (7, 2, 0.3, 1.7, -0.8),
            (1, 1, 2.0, 0.5, 0.3),
        ] {
            let model = single(n, b, h, delta);
            let cf = SingleSpin::new(model, k).unwrap();
            let ch = Charging::new(&model, &InitialState::dicke(0, k)).unwrap();
            let ts: Vec<f64> = (0..200).map(|i| i as f64 * 0.0371).collect();
            for j in ch.jets(&ts) {
                let scale = b.abs();
                assert!(
                    (j.de - cf.energy(j.t)).abs() < 1e-12 * scale,
                    "{n} {k} {b} {h} {delta}"
                );
                assert!(
                    (ch.charger_energy_change(j.de) - cf.charger_energy(j.t)).abs()
                        < 1e-11 * scale.max(h.abs())
                );
                assert!(
                    (ch.interaction_energy(j.de) - cf.interaction_energy(j.t)).abs()
                        < 1e-11 * (scale + h.abs() + delta.abs() * n as f64)
                );
            }
            let (tp, pp) = cf.max_power();
            let num = ch.max_power();
            assert!(num.certified);
            assert!((num.value - pp).abs() < 1e-12 * pp, "{} vs {pp}", num.value);
            assert!((num.t - tp).abs() < 1e-9 * tp, "{} vs {tp}", num.t);
            let (te, em) = cf.max_energy();
            let num = ch.max_energy(1.5 * te, &[]);
            assert!((num.value - em).abs() < 1e-12 * em);
            assert!((num.t - te).abs() < 1e-7 * te, "{} vs {te}", num.t);
        }
    }

    #[test]
    fn detuning_sign_matches_the_amplitudes_of_eq_11() {
        // Evolve |↓⟩|k⟩ in its 2×2 block and compare P_↓/P_↑ (free of the global phase).
        let model = single(9, 2.3, 0.4, 0.7);
        let k = 3;
        let cf = SingleSpin::new(model, k).unwrap();
        assert!(cf.detuning().abs() > 0.5);
        let space = model.space().unwrap();
        let sector = Subspace::sector(&space, &model.charge().unwrap(), k as i64).unwrap();
        let h = model.hamiltonian().build(&sector).unwrap().to_dense();
        let hr = Mat::from_fn(2, 2, |i, j| h[(i, j)].re);
        let eig = hr.self_adjoint_eigen(Side::Lower).unwrap();
        let (down, up) = (
            sector.position_of_levels(&[0, k as usize]).unwrap(),
            sector.position_of_levels(&[1, k as usize - 1]).unwrap(),
        );
        for &t in &[0.13, 0.71, 1.9] {
            let amp = |row: usize| -> c64 {
                (0..2)
                    .map(|i| {
                        let l = eig.S().column_vector()[i];
                        c64::new(0.0, -l * t).exp() * eig.U()[(row, i)] * eig.U()[(down, i)]
                    })
                    .sum()
            };
            let (p_up, p_down) = cf.amplitudes(t);
            let ratio_num = amp(down) / amp(up);
            let ratio_cf = p_down / p_up;
            assert!(
                (ratio_num - ratio_cf).norm() < 1e-12 * ratio_cf.norm(),
                "t = {t}"
            );
            // the opposite sign of Δ_n fails
            let flipped = c64::new(p_down.re, -p_down.im) / p_up;
            assert!((ratio_num - flipped).norm() > 1e-3);
        }
    }

    #[test]
    fn single_charger_spin_gives_the_lower_bound_power() {
        // N = 1, resonant: ΔE = B sin²(√b_{N_B,m+1} A t), P_max = κ B A √b (after Eq. 31).
        for &(n_b, m) in &[(1, 0), (20, 0), (80, 0), (30, 7)] {
            let model = CentralSpin {
                n_b,
                n: 1,
                b: 1.0,
                h: 1.0,
                a: 0.8,
                delta: 0.0,
            };
            let ch = Charging::new(&model, &InitialState::dicke(m, 1)).unwrap();
            let (t, p) = resonant_max_power(1.0, 0.8, dicke_coefficient(n_b, m + 1));
            let num = ch.max_power();
            assert!((num.value - p).abs() < 1e-12 * p);
            assert!((num.t - t).abs() < 1e-9 * t);
        }
    }

    #[test]
    fn holstein_primakoff_limit_is_approached_at_large_sizes() {
        // k − m ≪ N_B, N: relative corrections O(k/N_B + k/N).
        for &(n_b, n, k) in &[(20_000u32, 20_000u32, 2u32), (50_000, 200_000, 3)] {
            let model = CentralSpin {
                n_b,
                n,
                b: 1.0,
                h: 1.0,
                a: 1.0,
                delta: 0.0,
            };
            let ch = Charging::new(&model, &InitialState::dicke(0, k)).unwrap();
            let (t, p) = holstein_primakoff_max_power(&model, 0, k);
            let num = ch.max_power();
            let tol = 4.0 * k as f64 / n_b.min(n) as f64;
            assert!((num.value - p).abs() < tol * p, "{} vs {p}", num.value);
            assert!((num.t - t).abs() < tol * t);
            let e = ch.energy(0.7 * t);
            let ehp = holstein_primakoff_energy(&model, 0, k, 0.7 * t);
            assert!((e - ehp).abs() < tol * ehp);
        }
        // one excitation: the two-state block is exact, ΔE = B sin²(A√(N_B N) t).
        let model = CentralSpin {
            n_b: 40,
            n: 300,
            b: 1.0,
            h: 1.0,
            a: 1.0,
            delta: 0.0,
        };
        let ch = Charging::new(&model, &InitialState::dicke(0, 1)).unwrap();
        let (t, p) = holstein_primakoff_max_power(&model, 0, 1);
        let num = ch.max_power();
        assert!((num.value - p).abs() < 1e-12 * p && (num.t - t).abs() < 1e-9 * t);
    }
}
