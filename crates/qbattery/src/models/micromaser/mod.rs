//! The micromaser quantum battery: a cavity mode charged by a stream of qubits, one
//! Jaynes–Cummings collision each. Ref: `001_03396fee62d82789.txt` (Rodríguez, Rosa,
//! Olle, "Artificial intelligence discovery of a charging protocol in a micromaser
//! quantum battery").
//!
//! - Cavity: Fock levels 0..N_c−1 (`levels`), H_F = ω a†a with ω = 1, initially |n₀⟩.
//! - Qubits (Eq. 2): ρ_q = q|g⟩⟨g| + (1−q)|e⟩⟨e| + c√(q(1−q))(|g⟩⟨e| + |e⟩⟨g|), c, q ∈ [0, 1]
//!   (then ρ_q ≥ 0: det ρ_q = q(1−q)(1−c²)); c is real (a z rotation, Sec. II A).
//! - Collision (Eqs. 4–6): ρ_B ↦ Tr_q[U (ρ_B ⊗ ρ_q) U†], U = exp(−i g τ (a σ⁺ + a† σ⁻)), τ = 1,
//!   applied by [`LadderCollision`] at O(N_c²) per collision (see its documentation for the
//!   real gauge and the truncation edge).
//! - Figures of merit (Eq. 10): energy E = Tr[a†a ρ_B], ergotropy W = E − Σ_k r_k↓ k,
//!   purity P = Tr ρ_B² (note \[67\]), Fock populations, and the populations of the
//!   trapping chambers ([`Chambers`], Eqs. 7 and 9).
//! - The loss of Eq. (11) with its exact gradient by forward propagation: [`loss::StreamLoss`].

pub mod chambers;
pub mod loss;

pub use chambers::Chambers;
pub use loss::{LossBatch, LossParams, LossParts, StreamLoss};

use faer::Side;

use super::model::{Description, Engine, Parameters};
use crate::dynamics::ladder::{GaugedState, LadderCollision};
use crate::simulation::memory::dense_bytes;
use crate::simulation::{Estimate, Method, Progress, Run, Silent, Units};
use crate::{c64, Error, Mat, Result, Warning};
/// The coupling g (with τ = 1): a number, or g = Qπ/√m for a trapping-chamber value
/// (fine-tuned for integer m, Eq. (7); m = m₀ + ε otherwise, Eq. (9)).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Coupling {
    /// g itself.
    Value(f64),
    /// g = Qπ/√m.
    Chamber {
        /// Q ≥ 1.
        #[serde(rename = "Q")]
        big_q: u32,
        /// m > 0 (m + ε in Eq. (9)).
        m: f64,
    },
}

impl Coupling {
    /// The value of g.
    pub fn value(&self) -> f64 {
        match *self {
            Coupling::Value(g) => g,
            Coupling::Chamber { big_q, m } => big_q as f64 * std::f64::consts::PI / m.sqrt(),
        }
    }

    /// Checks g > 0 and finite (and Q ≥ 1, m > 0), naming `field`.
    pub fn validate(&self, field: &str) -> Result<()> {
        if let Coupling::Chamber { big_q, m } = *self {
            if big_q == 0 {
                return Err(Error::invalid(format!("{field}.Q"), big_q, "≥ 1"));
            }
            if !(m.is_finite() && m > 0.0) {
                return Err(Error::invalid(format!("{field}.m"), m, "finite and > 0"));
            }
        }
        let g = self.value();
        if !(g.is_finite() && g > 0.0) {
            return Err(Error::invalid(field, g, "finite and > 0"));
        }
        Ok(())
    }
}

/// A batch of identical qubits in the state of Eq. (2).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Number of qubits; omitted on the last batch, it repeats until `collisions`.
    #[serde(default)]
    pub count: Option<usize>,
    /// Coherence c ∈ [0, 1].
    pub c: f64,
    /// Ground-state population q ∈ [0, 1] (q = 0: fully excited qubits).
    pub q: f64,
}

/// Checks c, q ∈ [0, 1] for the qubit of Eq. (2), naming the batch.
pub(crate) fn check_qubit(field: &str, c: f64, q: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&c) {
        return Err(Error::invalid(
            format!("{field}.c"),
            c,
            "in [0, 1] (|c| ≤ 1 keeps ρ_q ≥ 0, Eq. 2)",
        ));
    }
    if !(0.0..=1.0).contains(&q) {
        return Err(Error::invalid(format!("{field}.q"), q, "in [0, 1]"));
    }
    Ok(())
}

/// The real coherence x = c√(q(1−q)) of Eq. (2).
pub(crate) fn coherence(c: f64, q: f64) -> f64 {
    c * (q * (1.0 - q)).max(0.0).sqrt()
}

/// Parameters of a micromaser charging run.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// N_c: the cavity keeps Fock levels 0..N_c−1 (≥ 2; the paper uses 120 and 150).
    pub levels: usize,
    /// The coupling g with τ = 1 (number, or `{ Q = 1, m = 15.6 }` for g = Qπ/√m).
    pub g: Coupling,
    /// The qubit stream: batches in order; the last may omit `count` to fill the run.
    pub stream: Vec<Batch>,
    /// The collisions and the output grid (the `[collisions]` table).
    pub collisions: CollisionGrid,
    /// Initial Fock state |n₀⟩ of the cavity (< N_c).
    pub initial_fock: usize,
    /// Diagnostics (the `[output]` table).
    pub output: CollisionOutput,
}

/// How many collisions, and where the figures are sampled: the `[collisions]` table,
/// the collision-model counterpart of `[time]`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollisionGrid {
    /// Number of collisions k (≥ 1).
    pub number: usize,
    /// Points of the log-spaced output grid in k (≥ 2; k = 0 is added), unless `grid` is given.
    pub grid_points: usize,
    /// Explicit output grid of collision numbers (increasing, ≤ `number`); empty: log-spaced.
    pub grid: Vec<usize>,
}

impl Default for CollisionGrid {
    fn default() -> Self {
        Self {
            number: 100_000,
            grid_points: 200,
            grid: Vec::new(),
        }
    }
}

/// The micromaser's `[output]` table.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollisionOutput {
    /// Warn when the top Fock level holds more than this population (in [0, 1)).
    pub cutoff_tolerance: f64,
}

impl Default for CollisionOutput {
    fn default() -> Self {
        Self {
            cutoff_tolerance: 1e-6,
        }
    }
}

impl Default for Params {
    /// Sec. III A of the paper at λ = 10: N_c = 120, g = π/√15.6, (c, q) = (0.390, 0.168),
    /// 10⁵ collisions.
    fn default() -> Self {
        Self {
            levels: 120,
            g: Coupling::Chamber { big_q: 1, m: 15.6 },
            stream: vec![Batch {
                count: None,
                c: 0.390,
                q: 0.168,
            }],
            collisions: CollisionGrid::default(),
            initial_fock: 0,
            output: CollisionOutput::default(),
        }
    }
}
/// One stretch of identical collisions: (count, q, x).
type Segment = (usize, f64, f64);
impl Params {
    /// Checks every field, naming it and its allowed range.
    pub fn validate(&self) -> Result<()> {
        if self.levels < 2 {
            return Err(Error::invalid("levels", self.levels, "≥ 2"));
        }
        self.g.validate("g")?;
        let grid = &self.collisions;
        if grid.number == 0 {
            return Err(Error::invalid("collisions.number", grid.number, "≥ 1"));
        }
        if self.initial_fock >= self.levels {
            return Err(Error::invalid(
                "initial_fock",
                self.initial_fock,
                format!("< levels = {}", self.levels),
            ));
        }
        if !(0.0..1.0).contains(&self.output.cutoff_tolerance) {
            return Err(Error::invalid(
                "output.cutoff_tolerance",
                self.output.cutoff_tolerance,
                "in [0, 1)",
            ));
        }
        if grid.grid.is_empty() && grid.grid_points < 2 {
            return Err(Error::invalid(
                "collisions.grid_points",
                grid.grid_points,
                "≥ 2",
            ));
        }
        if let Some(w) = grid.grid.windows(2).find(|w| w[1] <= w[0]) {
            return Err(Error::invalid(
                "collisions.grid",
                format!("… {}, {} …", w[0], w[1]),
                "strictly increasing",
            ));
        }
        if let Some(&last) = grid.grid.last() {
            if last > grid.number {
                return Err(Error::invalid(
                    "collisions.grid",
                    last,
                    format!("≤ collisions.number = {}", grid.number),
                ));
            }
        }
        self.segments().map(|_| ())
    }

    /// The stream as stretches of identical qubits covering exactly `collisions`.
    fn segments(&self) -> Result<Vec<Segment>> {
        if self.stream.is_empty() {
            return Err(Error::invalid(
                "stream",
                "an empty list",
                "at least one batch",
            ));
        }
        let mut out = Vec::new();
        let mut total = 0usize;
        for (i, b) in self.stream.iter().enumerate() {
            let field = format!("stream[{i}]");
            check_qubit(&field, b.c, b.q)?;
            let last = i + 1 == self.stream.len();
            let count = match b.count {
                Some(n) if n == 0 => {
                    return Err(Error::invalid(format!("{field}.count"), n, "≥ 1"))
                }
                Some(n) => n,
                None if last => self.collisions.number.saturating_sub(total),
                None => {
                    return Err(Error::invalid(
                        format!("{field}.count"),
                        "missing",
                        "given on every batch but the last",
                    ))
                }
            };
            total += count;
            if total > self.collisions.number {
                return Err(Error::invalid(
                    format!("{field}.count"),
                    count,
                    format!(
                        "such that the stream has at most collisions.number = {} qubits",
                        self.collisions.number
                    ),
                ));
            }
            if count > 0 {
                out.push((count, b.q, coherence(b.c, b.q)));
            }
        }
        if total < self.collisions.number {
            return Err(Error::invalid(
                "stream",
                format!("{total} qubits"),
                format!(
                    "{} (omit the last batch's count to repeat it)",
                    self.collisions.number
                ),
            ));
        }
        Ok(out)
    }

    /// The output grid: `grid`, or `grid_points` log-spaced collision numbers from 1 to
    /// `collisions` (rounded, duplicates removed), always with k = 0 first.
    pub fn output_grid(&self) -> Vec<usize> {
        let mut g = vec![0];
        let grid = &self.collisions;
        if !grid.grid.is_empty() {
            g.extend(grid.grid.iter().copied().filter(|&k| k > 0));
            return g;
        }
        let top = (grid.number as f64).ln();
        for i in 0..grid.grid_points {
            let k = (top * i as f64 / (grid.grid_points - 1) as f64)
                .exp()
                .round() as usize;
            let k = k.clamp(1, grid.number);
            if *g.last().expect("grid starts with 0") < k {
                g.push(k);
            }
        }
        g
    }
}
/// Energy, ergotropy and purity of a state.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Figures {
    /// E = Tr[a†a ρ] (ω = 1).
    pub energy: f64,
    /// W = E − Σ_k r_k↓ k (Eq. 10).
    pub ergotropy: f64,
    /// P = Tr ρ².
    pub purity: f64,
}

/// The figures of merit of a gauged state r (see [`crate::dynamics::ladder`]); the gauge
/// is a diagonal unitary similarity, so they are those of ρ.
pub fn figures(r: &GaugedState) -> Result<Figures> {
    let d = r.levels();
    let energy = r.energy();
    let purity = r.purity();
    let (eigvals, _) = spectrum(r, false)?;
    // Ascending eigenvalues: the largest sits on level 0.
    let passive: f64 = (0..d).map(|k| k as f64 * eigvals[d - 1 - k]).sum();
    let fig = Figures {
        energy,
        ergotropy: energy - passive,
        purity,
    };
    if [fig.energy, fig.ergotropy, fig.purity]
        .iter()
        .all(|v| v.is_finite())
    {
        Ok(fig)
    } else {
        Err(Error::NonFinite {
            context: "micromaser figures of merit".into(),
        })
    }
}

/// Ascending eigenvalues of the real symmetric r and (if asked) its eigenvectors.
pub(crate) fn spectrum(r: &GaugedState, vectors: bool) -> Result<(Vec<f64>, Option<Mat<f64>>)> {
    let eig = r
        .to_symmetric()
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::LinearAlgebra {
            context: "micromaser ergotropy (eigen-decomposition)".into(),
            detail: format!("{e:?}"),
        })?;
    let vals = eig.S().column_vector().iter().copied().collect();
    Ok((vals, vectors.then(|| eig.U().to_owned())))
}

/// A finished collision run: the common result, the final state and the chambers.
#[derive(Debug, Clone)]
pub struct CollisionRun {
    /// Series on the grid "collisions", scalars, solver record, warnings.
    pub trajectory: Run,
    /// Final cavity state in the real gauge.
    pub state: GaugedState,
    /// The trapping chambers of g.
    pub chambers: Chambers,
}

impl CollisionRun {
    /// The number of levels N_c.
    pub fn levels(&self) -> usize {
        self.chambers.levels
    }

    /// The final cavity density matrix ρ_B (Fock basis).
    pub fn density(&self) -> Mat<c64> {
        self.state.to_density()
    }

    /// The final Fock populations ρ_B^{(n,n)}.
    pub fn fock_populations(&self) -> Vec<f64> {
        self.state.diagonal()
    }
}

/// Runs the collisions of `p` and samples the figures of merit on its grid.
///
/// Series: `energy`, `ergotropy`, `purity`, `chamber_<Q>` (population of chamber Q),
/// `top_population` (of level N_c − 1). Scalars: `final_energy`, `final_ergotropy`,
/// `final_purity`, `final_chamber_<Q>`, `max_top_population`, `g`, `chamber_boundary_<Q>`.
/// Warns with [`Warning::CutoffPopulation`] when the top level ever holds more than
/// `cutoff_tolerance` on the grid.
pub fn run(p: &Params) -> Result<CollisionRun> {
    run_with_progress(p, &mut Silent)
}

/// Collisions between two calls of the progress callback of [`run_with_progress`].
pub const PROGRESS_EVERY: usize = 4096;

/// [`run`], reporting `advance(k)` every [`PROGRESS_EVERY`] collisions and after the last
/// (e.g. to advance a progress bar).
pub fn run_with_progress(p: &Params, progress: &mut dyn Progress) -> Result<CollisionRun> {
    let clock = std::time::Instant::now();
    p.validate()?;
    progress.start("collisions", p.collisions.number);
    let d = p.levels;
    let g = p.g.value();
    let lc = LadderCollision::jaynes_cummings(d, g)?;
    let chambers = Chambers::new(g, d);
    let grid = p.output_grid();
    let mut r = GaugedState::fock(d, p.initial_fock)?;
    let mut next = GaugedState::zeros(d);
    let n_ch = chambers.ranges().len();
    let (mut energy, mut ergotropy, mut purity, mut top) = (vec![], vec![], vec![], vec![]);
    let mut chamber_pops: Vec<Vec<f64>> = vec![Vec::new(); n_ch];
    let mut sample = |r: &GaugedState| -> Result<()> {
        let f = figures(r)?;
        energy.push(f.energy);
        ergotropy.push(f.ergotropy);
        purity.push(f.purity);
        let fock = r.diagonal();
        top.push(fock[d - 1]);
        for (s, v) in chamber_pops.iter_mut().zip(chambers.populations(&fock)) {
            s.push(v);
        }
        Ok(())
    };
    sample(&r)?;
    let mut k = 0usize;
    let mut next_sample = 1;
    for (count, q, x) in p.segments()? {
        for _ in 0..count {
            lc.apply(&r, q, x, &mut next);
            std::mem::swap(&mut r, &mut next);
            k += 1;
            if next_sample < grid.len() && grid[next_sample] == k {
                sample(&r)?;
                next_sample += 1;
            }
            if k % PROGRESS_EVERY == 0 {
                progress.advance(k);
            }
        }
    }
    progress.advance(k);
    let mut t = Run::new(
        "collisions",
        grid.iter().map(|&k| k as f64).collect(),
        Method::LadderCollisions,
    );
    t.units = Parameters::units(p);
    let last = |v: &[f64]| *v.last().expect("the grid holds k = 0");
    t.scalars.insert("final_energy".into(), last(&energy));
    t.scalars.insert("final_ergotropy".into(), last(&ergotropy));
    t.scalars.insert("final_purity".into(), last(&purity));
    let max_top = top.iter().copied().fold(0.0, f64::max);
    t.scalars.insert("max_top_population".into(), max_top);
    t.scalars.insert("g".into(), g);
    for (i, &b) in chambers.boundaries.iter().enumerate() {
        t.scalars
            .insert(format!("chamber_boundary_{}", i + 1), b as f64);
    }
    t.push_series("energy", energy);
    t.push_series("ergotropy", ergotropy);
    t.push_series("purity", purity);
    for (i, s) in chamber_pops.into_iter().enumerate() {
        t.scalars
            .insert(format!("final_chamber_{}", i + 1), last(&s));
        t.push_series(&format!("chamber_{}", i + 1), s);
    }
    t.push_series("top_population", top);
    if max_top > p.output.cutoff_tolerance {
        t.warnings.push(Warning::CutoffPopulation {
            mode: "cavity".into(),
            top_population: max_top,
            tolerance: p.output.cutoff_tolerance,
        });
    }
    t.record(
        "method_detail",
        "ladder collision kernel (real gauge), O(N_c²) per collision",
    );
    t.record("levels", d);
    t.record("collisions", p.collisions.number);
    t.record(
        "truncation",
        "exp of the truncated generator: |N_c−1, e⟩ uncoupled, trace exact",
    );
    let cavity = r.to_density();
    t.final_battery = Some(cavity.clone());
    t.final_modes.push(("cavity".into(), cavity));
    t.wall_seconds = clock.elapsed().as_secs_f64();
    Ok(CollisionRun {
        trajectory: t,
        state: r,
        chambers,
    })
}

/// [`run`]'s common result.
pub fn simulate(p: &Params) -> Result<Run> {
    run(p).map(|r| r.trajectory)
}

impl Params {
    /// The collision kernel's memory: two gauged states and the dense eigen-decomposition
    /// of each sample.
    fn memory(&self) -> Estimate {
        let mut e = Estimate::default();
        e.add(
            "cavity states and their eigen-decomposition",
            4 * dense_bytes(self.levels),
        );
        e
    }
}

impl Parameters for Params {
    const NAME: &'static str = "micromaser";
    const ABOUT: &'static str =
        "a cavity charged by a stream of qubits, one collision each (paper 001)";

    /// Named after the cavity frequency ω (H_B = ω a†a, paper 001); the grid counts collisions.
    fn units(&self) -> Units {
        Units::collisions("ω")
    }

    fn validate(&self) -> Result<()> {
        Params::validate(self)
    }
}

impl Engine for Params {
    fn describe(&self, _memory_limit: u64) -> Result<Description> {
        Ok(Description {
            model: Params::NAME,
            space: format!(
                "cavity: mode({} levels), met by one fresh qubit per collision",
                self.levels
            ),
            dimension: Some(self.levels),
            symmetry: "none needed: the collision unitary is block diagonal on {|n,e⟩, |n+1,g⟩}"
                .into(),
            evolved_in: None,
            blocks: Vec::new(),
            method: Some(Method::LadderCollisions),
            method_detail: Some(format!(
                "O(N_c²) per collision, {} collisions",
                self.collisions.number
            )),
            memory: self.memory(),
            notes: Vec::new(),
        })
    }

    fn run(&self, memory_limit: u64, progress: &mut dyn Progress) -> Result<Run> {
        self.memory().check(memory_limit, "lower `levels`")?;
        run_with_progress(self, progress).map(|r| r.trajectory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(levels: usize, g: Coupling, c: f64, q: f64, collisions: usize) -> Params {
        Params {
            levels,
            g,
            stream: vec![Batch { count: None, c, q }],
            collisions: CollisionGrid {
                number: collisions,
                grid_points: 20,
                grid: Vec::new(),
            },
            ..Params::default()
        }
    }

    #[test]
    fn progress_is_reported_every_block_and_at_the_end() {
        let p = params(20, Coupling::Value(0.8), 0.3, 0.2, 10_000);
        let mut seen = Vec::new();
        let run = run_with_progress(&p, &mut |k| seen.push(k)).unwrap();
        assert_eq!(seen, vec![4096, 8192, 10_000]);
        assert_eq!(run.state, super::run(&p).unwrap().state);
    }

    #[test]
    fn fine_tuned_incoherent_protocol_reaches_fock_15() {
        // g = π/4 = π/√16, c = q = 0: every qubit excited; the cavity climbs to |15⟩ and
        // stops there (sin(g√16) = 0), a pure state with W = E = 15.
        let run = run(&params(
            40,
            Coupling::Chamber { big_q: 1, m: 16.0 },
            0.0,
            0.0,
            3000,
        ))
        .unwrap();
        let t = &run.trajectory;
        assert!(
            (t.scalars["final_ergotropy"] - 15.0).abs() < 1e-9,
            "{}",
            t.scalars["final_ergotropy"]
        );
        assert!((t.scalars["final_energy"] - 15.0).abs() < 1e-9);
        assert!((t.scalars["final_purity"] - 1.0).abs() < 1e-9);
        assert!((run.fock_populations()[15] - 1.0).abs() < 1e-9);
        assert_eq!(run.chambers.boundaries, vec![16]);
        assert_eq!(run.chambers.ranges(), vec![(0, 15), (16, 39)]);
        assert!(run.chambers.leakage[0] < 1e-15);
        assert!((t.scalars["final_chamber_1"] - 1.0).abs() < 1e-12);
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn coherent_steady_state_obeys_the_recursion_of_eq_8() {
        // c = 1, fine-tuned g = π/√m: the steady state in the first chamber is pure with
        // p_n / p_{n−1} = ((1−q)/q) cot²(π√n / (2√m)) (Eq. 8), n < m.
        let m = 9.0;
        let q = 0.6;
        let run = run(&params(
            20,
            Coupling::Chamber { big_q: 1, m },
            1.0,
            q,
            20_000,
        ))
        .unwrap();
        let p = run.fock_populations();
        for n in 1..9 {
            let ratio = (1.0 - q)
                / q
                / (std::f64::consts::PI * (n as f64).sqrt() / (2.0 * m.sqrt()))
                    .tan()
                    .powi(2);
            assert!(
                (p[n] - ratio * p[n - 1]).abs() < 1e-8,
                "n={n}: {} vs {}",
                p[n],
                ratio * p[n - 1]
            );
        }
        assert!((run.trajectory.scalars["final_purity"] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn truncation_warning_and_validation() {
        // Non fine-tuned incoherent charging climbs without bound: with 12 levels the top fills.
        let run = run(&params(12, Coupling::Value(0.5), 0.0, 0.0, 500)).unwrap();
        assert!(matches!(
            run.trajectory.warnings[0],
            Warning::CutoffPopulation { .. }
        ));
        let tr: f64 = run.fock_populations().iter().sum();
        assert!((tr - 1.0).abs() < 1e-12);
        let mut p = Params::default();
        p.stream[0].c = 1.2;
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("stream[0].c"));
        let p = Params {
            stream: vec![Batch {
                count: Some(10),
                c: 0.0,
                q: 0.0,
            }],
            ..Params::default()
        };
        assert!(p.validate().unwrap_err().to_string().contains("stream"));
        let p = Params {
            levels: 1,
            ..Params::default()
        };
        assert!(p.validate().unwrap_err().to_string().contains("levels"));
        assert!(Coupling::Chamber { big_q: 0, m: 4.0 }
            .validate("g")
            .is_err());
        let p = Params {
            collisions: CollisionGrid {
                number: 1000,
                grid_points: 4,
                grid: Vec::new(),
            },
            ..Params::default()
        };
        assert_eq!(p.output_grid(), vec![0, 1, 10, 100, 1000]);
    }
}
