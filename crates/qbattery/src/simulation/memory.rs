//! Memory: what a run will hold, estimated from dimensions before anything is allocated,
//! and what the machine has. A run whose estimate exceeds the limit is refused with the
//! estimate and what to change, instead of failing in an allocation.

use crate::dynamics::steady::SteadyMethod;
use crate::error::{Error, Result};

/// Bytes of a dense complex d×d matrix.
pub fn dense_bytes(d: usize) -> u64 {
    16 * (d as u64) * (d as u64)
}

/// Bytes the steady-state solver needs for an open system of Hilbert dimension d whose
/// density matrix has `unknowns` free entries (d², or Σ_b d_b² when a weak symmetry keeps
/// it block-diagonal) with `method`: the dense Liouvillian and its SVD (d ≤ 20 under
/// `auto`); its sparse LU, whose fill-in grows like n^{3/2} in the number n of unknowns
/// for these many-body generators; or the iterative method's Krylov basis.
pub fn steady_state_bytes(d: usize, unknowns: usize, method: SteadyMethod) -> u64 {
    let n = unknowns as f64;
    let dense = d <= crate::dynamics::steady::DENSE_MAX_DIM;
    match method {
        SteadyMethod::Dense => (3.0 * 16.0 * n * n) as u64,
        SteadyMethod::Auto if dense => (3.0 * 16.0 * n * n) as u64,
        SteadyMethod::Iterative => (ITERATIVE_BASIS as f64 * 16.0 * n) as u64,
        _ => (STEADY_LU_BYTES_PER_N15 * n.powf(1.5)) as u64,
    }
}

/// Bytes per n^{3/2} (n unknowns) of the sparse steady-state LU of the real 𝓛, measured
/// on the open spin-1 cavity chain: peak resident memory 2.8 GB for the whole space at
/// 6 Fock levels (n = 26 244: 663) and 4.4 GB for the reflection sector with its two
/// parity blocks at 14 levels (n = 31 752: 783).
const STEADY_LU_BYTES_PER_N15: f64 = 800.0;

/// Krylov vectors the iterative steady-state method keeps (its largest subspace).
const ITERATIVE_BASIS: usize = 100;

/// An itemised memory estimate.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// (what, bytes), the largest items first once [`Estimate::items`] is read.
    pub parts: Vec<(String, u64)>,
    /// (what, bytes): upper bounds of items whose size is known only during the run (the
    /// steady state on the subspace reachable from ρ₀); not in [`Estimate::total`], each
    /// checked against the limit once its size is known, before it is allocated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bounds: Vec<(String, u64)>,
}

impl Estimate {
    /// Adds an item.
    pub fn add(&mut self, what: &str, bytes: u64) {
        self.parts.push((what.to_string(), bytes));
    }

    /// Adds an upper bound of an item checked later (see [`Estimate::bounds`]).
    pub fn add_bound(&mut self, what: &str, bytes: u64) {
        self.bounds.push((what.to_string(), bytes));
    }

    /// The total in bytes.
    pub fn total(&self) -> u64 {
        self.parts.iter().map(|p| p.1).sum()
    }

    /// The items, largest first.
    pub fn items(&self) -> Vec<(String, u64)> {
        let mut p = self.parts.clone();
        p.sort_by_key(|b| std::cmp::Reverse(b.1));
        p
    }

    /// Refuses an estimate over `limit` bytes: the error gives the estimate, its largest
    /// item and `suggestion`.
    pub fn check(&self, limit: u64, suggestion: &str) -> Result<()> {
        let total = self.total();
        if total <= limit {
            return Ok(());
        }
        let (what, bytes) = self.items().into_iter().next().unwrap_or_default();
        Err(Error::TooLarge {
            needed: human_bytes(total),
            limit: human_bytes(limit),
            largest: format!("{what}: {}", human_bytes(bytes)),
            suggestion: suggestion.to_string(),
        })
    }
}

/// The memory a run may use: `max_memory` when given, else what the operating system
/// reports as available (Linux `MemAvailable`), else unlimited.
pub fn limit(max_memory: Option<u64>) -> u64 {
    max_memory.or_else(available).unwrap_or(u64::MAX)
}

/// Available memory in bytes (Linux: `MemAvailable` of /proc/meminfo), if known.
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A size in B, KiB, MiB, GiB or TiB with one decimal.
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", units[u])
}

/// Parses a size such as `8G`, `512MiB`, `2.5 GB` or `1000000` (bytes); binary units.
pub fn parse_bytes(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        Error::invalid(
            "max-memory",
            text,
            "a size such as 8G, 512M or 1000000 (bytes)",
        )
    })?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1u64,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            return Err(Error::invalid(
                "max-memory",
                text,
                "a size with unit B, K, M, G or T",
            ))
        }
    };
    Ok((value * scale as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_bytes("8G").unwrap(), 8 << 30);
        assert_eq!(parse_bytes("512 MiB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("1000").unwrap(), 1000);
        assert!(parse_bytes("lots").is_err());
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }

    #[test]
    fn an_estimate_over_the_limit_names_its_largest_part() {
        let mut e = Estimate::default();
        e.add("small", 10);
        e.add("the big matrix", 5 << 30);
        assert!(e.check(6 << 30, "").is_ok());
        let msg = e
            .check(1 << 30, "lower the cutoff")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("5.0 GiB") && msg.contains("the big matrix"),
            "{msg}"
        );
        assert!(msg.contains("lower the cutoff"), "{msg}");
    }
}
