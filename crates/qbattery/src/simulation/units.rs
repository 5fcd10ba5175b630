//! The units a run's numbers are in (ħ = k_B = 1, DESIGN.md): each model names its
//! natural energy and time units after the parameter its paper sets to 1 (ħω_a and 1/ω_a
//! for the cavity chain, B and 1/A for the central spin, ħγ and 1/γ for the star network,
//! …), and every plot axis, CSV header and summary states them.
//!
//! qbattery never rescales: the numbers are in the unit of the scenario's parameters. The
//! paper's names hold only when the scenario sets the reference parameter to 1; otherwise
//! the labels say "u" (the scenario's frequency unit) and [`Units::note`] says why.

use serde::Serialize;

/// Energy, time and power units of a run, and the unit of each named quantity
/// ([`Units::of`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Units {
    /// Unit of energies (stored energy, ergotropy, E_max), e.g. `ħω_a`.
    pub energy: String,
    /// Unit of times (the grid `t`, t_Pmax), e.g. `1/ω_a`.
    pub time: String,
    /// Unit of powers (P = E/t, P_max), e.g. `ħω_a²`.
    pub power: String,
    /// Unit of rates (the Liouvillian gap), e.g. `ω_a`.
    pub rate: String,
    /// Why the paper's names are not used, when the scenario's reference parameter is
    /// not 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Entropies, the log-negativity and the entropic steering are in bits (base-2 logarithms).
pub const BITS: &str = "bits";

impl Default for Units {
    /// The scenario's own units, named `u`.
    fn default() -> Self {
        Self::frequency("u", 1.0)
    }
}

impl Units {
    /// Energies in ħ·`symbol`, times in 1/`symbol`, when the scenario sets `symbol` =
    /// `value` = 1 (the cavity chain's ω_a, the star network's γ); otherwise in the
    /// scenario's frequency unit u, with a note.
    pub fn frequency(symbol: &str, value: f64) -> Self {
        let (s, note) = reference(&[(symbol, value)]);
        let s = s.unwrap_or("u");
        Self {
            energy: format!("ħ{s}"),
            time: format!("1/{s}"),
            power: format!("ħ{s}²"),
            rate: s.to_string(),
            note,
        }
    }

    /// Energies in units of the energy `energy` and times in 1/`rate` (the central spin's
    /// B and A, powers in BA), when the scenario sets both to 1; otherwise in the
    /// scenario's unit u, with a note.
    pub fn energy_and_rate(energy: (&str, f64), rate: (&str, f64)) -> Self {
        match reference(&[energy, rate]) {
            (Some(_), _) => Self {
                energy: energy.0.to_string(),
                time: format!("1/{}", rate.0),
                power: format!("{}{}", energy.0, rate.0),
                rate: rate.0.to_string(),
                note: None,
            },
            (None, note) => Self {
                note,
                ..Self::frequency("u", 1.0)
            },
        }
    }

    /// A collision model: energies in ħ·`symbol` (the paper's fixed mode frequency) and the
    /// grid counts collisions.
    pub fn collisions(symbol: &str) -> Self {
        Self {
            energy: format!("ħ{symbol}"),
            time: "collisions".into(),
            power: format!("ħ{symbol} per collision"),
            rate: "per collision".into(),
            note: None,
        }
    }

    /// The unit of the series or scalar `name` (`t`, `energy`, `ergotropy_b1`, `p_max`,
    /// `steady_log_negativity`, `final_power`, …); `None` when it is dimensionless
    /// (purity, efficiency, populations, photon numbers, concurrence) or when the grid
    /// counts something (`collisions`).
    pub fn of(&self, name: &str) -> Option<&str> {
        let base = name
            .strip_prefix("final_")
            .or_else(|| name.strip_prefix("steady_"))
            .unwrap_or(name);
        let is = |prefix: &str| base == prefix || base.starts_with(&format!("{prefix}_"));
        if base == "t" || base.starts_with("t_") || base == "relaxation_time" {
            Some(&self.time)
        } else if base == "e_max" || is("energy") || is("ergotropy") || base.ends_with("_energy") {
            Some(&self.energy)
        } else if base == "p_max" || is("power") {
            Some(&self.power)
        } else if base == "gap" {
            Some(&self.rate)
        } else if is("entropy") || is("log_negativity") || is("steering") {
            Some(BITS)
        } else {
            None
        }
    }

    /// An axis description: `name` with underscores as spaces, and its unit in
    /// parentheses when it has one, e.g. `energy (ħω_a)`, `purity`.
    pub fn label(&self, name: &str) -> String {
        let text = name.replace('_', " ");
        match self.of(name) {
            Some(unit) => format!("{text} ({unit})"),
            None => text,
        }
    }

    /// A CSV column header: `name [unit]` when it has a unit, else `name`.
    pub fn header(&self, name: &str) -> String {
        match self.of(name) {
            Some(unit) => format!("{name} [{unit}]"),
            None => name.to_string(),
        }
    }
}

/// The symbol of the first reference when every reference parameter is 1; otherwise
/// `None` and a note naming the ones that are not.
fn reference<'a>(refs: &[(&'a str, f64)]) -> (Option<&'a str>, Option<String>) {
    let off: Vec<String> = refs
        .iter()
        .filter(|(_, v)| *v != 1.0)
        .map(|(s, v)| format!("{s} = {v}"))
        .collect();
    if off.is_empty() {
        (refs.first().map(|r| r.0), None)
    } else {
        (
            None,
            Some(format!(
                "the scenario sets {}, not 1: numbers are in the unit u of its parameters \
                 (energies ħu, times 1/u), as given, not rescaled",
                off.join(", ")
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_units_when_the_reference_is_one() {
        let u = Units::frequency("ω_a", 1.0);
        assert_eq!(u.label("energy"), "energy (ħω_a)");
        assert_eq!(u.label("t"), "t (1/ω_a)");
        assert_eq!(u.header("p_max"), "p_max [ħω_a²]");
        assert_eq!(u.of("t_p_max"), Some("1/ω_a"));
        assert_eq!(u.of("ergotropy_b1"), Some("ħω_a"));
        assert_eq!(u.of("steady_energy"), Some("ħω_a"));
        assert_eq!(u.of("final_log_negativity"), Some(BITS));
        assert_eq!(u.of("entropy_cavity"), Some(BITS));
        assert_eq!(u.of("gap"), Some("ω_a"));
        assert_eq!(u.note, None);
        for dimensionless in [
            "purity",
            "normalized_ergotropy",
            "efficiency",
            "photons",
            "concurrence",
            "top_level_population_cavity",
        ] {
            assert_eq!(u.of(dimensionless), None, "{dimensionless}");
        }
        assert_eq!(u.label("normalized_ergotropy"), "normalized ergotropy");
    }

    #[test]
    fn other_references_fall_back_to_the_scenario_unit_with_a_note() {
        let u = Units::frequency("ω_a", 2.0);
        assert_eq!(u.energy, "ħu");
        assert_eq!(u.time, "1/u");
        assert!(u.note.as_deref().unwrap().contains("ω_a = 2"));
        let cs = Units::energy_and_rate(("B", 1.0), ("A", 1.0));
        assert_eq!((cs.energy.as_str(), cs.power.as_str()), ("B", "BA"));
        let cs = Units::energy_and_rate(("B", 1.0), ("A", 0.5));
        assert_eq!(cs.energy, "ħu");
        assert!(cs.note.unwrap().contains("A = 0.5"));
    }

    #[test]
    fn collision_grids_have_no_time_unit() {
        let u = Units::collisions("ω");
        assert_eq!(u.of("collisions"), None);
        assert_eq!(u.label("ergotropy"), "ergotropy (ħω)");
    }
}
