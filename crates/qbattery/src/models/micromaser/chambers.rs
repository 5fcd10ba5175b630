//! Trapping chambers of the micromaser (`001_03396fee62d82789.txt`, Eqs. 7 and 9, Fig. 2).

/// The trapping chambers of g = Qπ/√(m + ε) (Eqs. 7, 9; Fig. 2): the transition
/// |n−1⟩ → |n⟩ by an excited qubit has amplitude sin(g√n), which vanishes when g√n = Qπ.
/// The Q-th boundary is n_Q = round((Qπ/g)²): chamber Q holds levels n_{Q−1}..n_Q − 1
/// (n₀ = 0). For fine-tuned g = π/√m this gives [0, m−1], [m, 4m−1], [4m, 9m−1], …
/// (the paper's text writes the second chamber as m < n < 4m; level m belongs to it:
/// it is reached from m−1 only through the blocked transition, and left only downwards
/// or up to 4m−1).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Chambers {
    /// The boundaries n_Q below the cutoff, increasing.
    pub boundaries: Vec<usize>,
    /// |sin(g√n_Q)|: the leak amplitude across each boundary (0 when fine-tuned).
    pub leakage: Vec<f64>,
    /// The number of levels N_c.
    pub levels: usize,
}

impl Chambers {
    /// The chambers of coupling `g` on `levels` Fock levels.
    pub fn new(g: f64, levels: usize) -> Self {
        let mut boundaries = Vec::new();
        let mut leakage = Vec::new();
        for big_q in 1.. {
            let n = ((big_q as f64 * std::f64::consts::PI / g).powi(2)).round() as usize;
            if n >= levels {
                break;
            }
            if n > *boundaries.last().unwrap_or(&0) {
                boundaries.push(n);
                leakage.push((g * (n as f64).sqrt()).sin().abs());
            }
        }
        Self {
            boundaries,
            leakage,
            levels,
        }
    }

    /// The chambers as inclusive level ranges (first, last); the last is cut at N_c − 1.
    pub fn ranges(&self) -> Vec<(usize, usize)> {
        let mut starts = vec![0];
        starts.extend(&self.boundaries);
        let mut ends: Vec<usize> = self.boundaries.iter().map(|&b| b - 1).collect();
        ends.push(self.levels - 1);
        starts.into_iter().zip(ends).collect()
    }

    /// The population of each chamber, from the Fock populations.
    pub fn populations(&self, fock: &[f64]) -> Vec<f64> {
        self.ranges()
            .iter()
            .map(|&(a, b)| fock[a..=b].iter().sum())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_of_the_papers_couplings() {
        // g = π/√15.6 (Sec. III): (Qπ/g)² = 15.6 Q² → 16, 62, 140 below N_c = 150.
        let g = std::f64::consts::PI / 15.6f64.sqrt();
        let ch = Chambers::new(g, 150);
        assert_eq!(ch.boundaries, vec![16, 62, 140]);
        assert_eq!(ch.ranges(), vec![(0, 15), (16, 61), (62, 139), (140, 149)]);
        // Leak amplitude across the first boundary: |sin(π√(16/15.6))|.
        assert!(
            (ch.leakage[0] - (std::f64::consts::PI * (16.0f64 / 15.6).sqrt()).sin().abs()).abs()
                < 1e-15
        );
        assert!(ch.leakage[0] > 0.03);
        let pops = ch.populations(
            &(0..150)
                .map(|n| if n == 15 || n == 16 { 0.5 } else { 0.0 })
                .collect::<Vec<_>>(),
        );
        assert_eq!(pops, vec![0.5, 0.5, 0.0, 0.0]);
    }
}
