//! How a problem will be run: the subspace and its blocks, the method (chosen from what
//! the problem is) and a memory estimate — all decided before any large allocation, so
//! that bad or too big input is refused before work starts.

use crate::dynamics::hamiltonian::Control;
use crate::error::{Error, Result};
use crate::permutation::PermutationSector;
use crate::sector::Subspace;
use crate::space::Space;

use super::memory::{dense_bytes, Estimate};
use super::problem::Problem;
use super::settings::{Metric, OutputSettings, SolverSettings};
use super::symmetry::{self, sign_label, Reduction};

/// The method a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Closed, time-independent: exact eigen-propagation of each symmetry block.
    EigenPropagation,
    /// Closed, piecewise-constant drives: Krylov propagation between the break points.
    KrylovPiecewise,
    /// Closed, continuous drives: adaptive Runge–Kutta 5(4) on the ket.
    SchrodingerRk45,
    /// Open: adaptive Runge–Kutta 5(4) on the density matrix (Lindblad equation).
    LindbladRk45,
    /// Central spin (004): exact block eigen-decomposition and certified maxima.
    CentralSpinBlocks,
    /// Micromaser (001): the ladder collision kernel.
    LadderCollisions,
}

impl Method {
    /// The method's name in records and `qbattery info`.
    pub fn name(self) -> &'static str {
        match self {
            Method::EigenPropagation => "eigen-propagation",
            Method::KrylovPiecewise => "krylov-piecewise",
            Method::SchrodingerRk45 => "schrodinger-rk45",
            Method::LindbladRk45 => "lindblad-rk45",
            Method::CentralSpinBlocks => "central-spin-blocks",
            Method::LadderCollisions => "ladder-collisions",
        }
    }
}

/// One block: closed systems, one per charge value (and sign of a site permutation)
/// diagonalised or evolved apart; open systems, the diagonal blocks of ρ in a weak
/// charge, or the one evolved space.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Block {
    /// The charge value, when the block is a sector.
    pub charge: Option<i64>,
    /// The eigenvalue ±1 of the site permutation, when it splits the space.
    pub sign: Option<i8>,
    /// Its dimension.
    pub dim: usize,
}

impl Block {
    /// A label such as `Q=1, P=+1: 126`, or the dimension alone.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = self.charge {
            parts.push(format!("Q={q}"));
        }
        if let Some(s) = self.sign {
            parts.push(format!("P={}", sign_label(s)));
        }
        if parts.is_empty() {
            format!("{}", self.dim)
        } else {
            format!("{}: {}", parts.join(", "), self.dim)
        }
    }
}

/// How a problem will be run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Dimension of the full space.
    pub full_dim: usize,
    /// The subspace of product states the run works in (states are observed there).
    pub subspace: Subspace,
    /// The symmetries used within it (a site permutation, a weak charge).
    pub reduction: Reduction,
    /// Dimension of the space evolved: the subspace, or the eigenspace of the site
    /// permutation within it (eigen-propagation: the largest block).
    pub evolved_dim: usize,
    /// The blocks diagonalised (closed, constant H) or evolved (otherwise) separately.
    pub blocks: Vec<Block>,
    /// The method.
    pub method: Method,
    /// What the run will hold in memory.
    pub memory: Estimate,
    /// The sites of `output.pair`, resolved (or the battery's two qubits).
    pub pair: Option<[usize; 2]>,
    /// The sites of `output.entropy_of`, resolved.
    pub entropy_sites: Vec<usize>,
    /// The sites of `output.ergotropy_of`, resolved (battery sites).
    pub ergotropy_sites: Vec<usize>,
}

/// Full dimension above which the log-negativity of a mixed state (a partial transpose of
/// the full density matrix) is refused; a pure state's needs its Schmidt values only.
pub const MAX_FULL_DIM_FOR_GLOBAL_METRICS: usize = 4096;

/// Decides the subspace, the blocks, the method and the memory a run of `problem` with
/// `solver` and `output` needs, and checks every request against the problem (steady states need an
/// open, time-independent problem; steering a pair of qubits; …). Builds no operator.
pub fn plan(problem: &Problem, solver: &SolverSettings, output: &OutputSettings) -> Result<Plan> {
    let solver_steady_method = solver.steady.method;
    let full_dim = problem.space.dim()?;
    let closed = problem.is_closed_pure();
    let driven = problem.is_driven();
    let method = match (closed, driven) {
        (true, false) => Method::EigenPropagation,
        (true, true)
            if problem
                .drives
                .iter()
                .all(|d| !matches!(d.control, Control::Function(_))) =>
        {
            Method::KrylovPiecewise
        }
        (true, true) => Method::SchrodingerRk45,
        (false, _) => Method::LindbladRk45,
    };
    check_requests(problem, output, full_dim, closed, driven)?;
    let subspace = evolved_subspace(problem, method)?;
    let reduction = if solver.symmetries {
        symmetry::find(problem, &subspace, method)?
    } else {
        Reduction::default()
    };
    let (blocks, evolved_dim) = blocks(problem, &subspace, &reduction, method)?;
    let d = evolved_dim;
    let mut memory = Estimate::default();
    let battery_dim = problem.battery.space.dim()?;
    memory.add(
        "battery Hamiltonian and its spectrum",
        3 * dense_bytes(battery_dim),
    );
    memory.add("subspace index", 8 * subspace.dim() as u64);
    match method {
        Method::EigenPropagation => {
            let largest = blocks.iter().map(|b| b.dim).max().unwrap_or(0);
            let held: u64 = blocks.iter().map(|b| dense_bytes(b.dim)).sum();
            memory.add("eigenvectors of every block", held);
            memory.add("eigen-decomposition workspace", 2 * dense_bytes(largest));
        }
        Method::KrylovPiecewise => memory.add("Krylov basis", 40 * 16 * d as u64),
        Method::SchrodingerRk45 => memory.add("Runge–Kutta stages", 12 * 16 * d as u64),
        Method::LindbladRk45 => {
            // The diagonal blocks of ρ side by side: (largest block) × d.
            let rows = if reduction.weak {
                blocks.iter().map(|b| b.dim).max().unwrap_or(d)
            } else {
                d
            };
            memory.add(
                "density matrix and Runge–Kutta stages",
                12 * 16 * (rows * d) as u64,
            );
            if d != subspace.dim() {
                memory.add(
                    "state lifted for the observers",
                    dense_bytes(subspace.dim()),
                );
            }
        }
        Method::CentralSpinBlocks | Method::LadderCollisions => {}
    }
    if output.metrics.contains(&Metric::LogNegativity) {
        if closed {
            // The blocks of the ket's Schmidt matrix: about as many entries as the ket.
            memory.add(
                "Schmidt blocks for the log-negativity",
                3 * 16 * subspace.dim() as u64,
            );
        } else {
            memory.add(
                "global state for the log-negativity",
                3 * dense_bytes(full_dim),
            );
        }
    }
    if output.steady_state {
        let unknowns = if reduction.weak {
            blocks.iter().map(|b| b.dim * b.dim).sum()
        } else {
            d * d
        };
        let bytes = super::memory::steady_state_bytes(d, unknowns, solver_steady_method);
        if solver.steady.reachable && d <= crate::dynamics::steady::REACHABLE_MAX_DIM {
            // Solved on the subspace reachable from ρ₀, known only once the operators are
            // built: the whole sector's cost bounds it, and the run checks the actual one.
            memory.add_bound(
                "steady state (Liouvillian null space) in the whole sector",
                bytes,
            );
        } else {
            memory.add("steady state (Liouvillian null space)", bytes);
        }
    }
    let pair = resolve_pair(problem, output)?;
    let entropy_sites = output
        .entropy_of
        .iter()
        .enumerate()
        .map(|(i, name)| site_named(&problem.space, name, &format!("output.entropy_of[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    let ergotropy_sites = output
        .ergotropy_of
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let field = format!("output.ergotropy_of[{i}]");
            let s = site_named(&problem.space, name, &field)?;
            if problem.battery.sites.contains(&s) {
                Ok(s)
            } else {
                Err(Error::invalid(
                    field,
                    format!("{name:?}"),
                    "a site of the battery (its own ergotropy is taken against H_B's terms on it)",
                ))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Plan {
        full_dim,
        subspace,
        reduction,
        evolved_dim,
        blocks,
        method,
        memory,
        pair,
        entropy_sites,
        ergotropy_sites,
    })
}

/// Requests that the problem can not honour, refused before any work.
fn check_requests(
    problem: &Problem,
    output: &OutputSettings,
    full_dim: usize,
    closed: bool,
    driven: bool,
) -> Result<()> {
    if output.metrics.contains(&Metric::LogNegativity)
        && !closed
        && full_dim > MAX_FULL_DIM_FOR_GLOBAL_METRICS
    {
        return Err(Error::invalid(
            "output.metrics",
            "log_negativity",
            format!(
                "only for full dimensions ≤ {MAX_FULL_DIM_FOR_GLOBAL_METRICS} in an open system (this space has {full_dim}); drop it or make the space smaller"
            ),
        ));
    }
    if output.steady_state {
        if problem.jumps.is_empty() {
            return Err(Error::invalid(
                "output.steady_state",
                true,
                "false for a closed system (it has no jump operators: give the model a loss rate, e.g. cavity.kappa > 0)",
            ));
        }
        if driven {
            let names: Vec<&str> = problem.drives.iter().map(|d| d.name.as_str()).collect();
            return Err(Error::invalid(
                "output.steady_state",
                true,
                format!("false for a time-dependent Hamiltonian (driven: {names:?}); use a constant value"),
            ));
        }
    }
    Ok(())
}

/// The subspace of the run: with a conserved charge, only the sectors the initial state
/// occupies (closed) or can reach through the jump operators (open).
fn evolved_subspace(problem: &Problem, method: Method) -> Result<Subspace> {
    let Some(charge) = &problem.charge else {
        return Subspace::full(&problem.space);
    };
    let support = problem.initial.charges(charge);
    if method == Method::LindbladRk45 {
        let mut shifts = Vec::new();
        for j in &problem.jumps {
            shifts.extend(j.charge_shifts(charge.weights(), &problem.space)?);
        }
        return Subspace::reachable(&problem.space, charge, &support, &shifts);
    }
    Subspace::sectors(&problem.space, charge, &support)
}

/// The blocks and the evolved dimension: eigen-propagation diagonalises each charge
/// sector and sign apart; an open run with a weak charge keeps ρ block-diagonal in it;
/// otherwise one block, the evolved space.
fn blocks(
    problem: &Problem,
    subspace: &Subspace,
    reduction: &Reduction,
    method: Method,
) -> Result<(Vec<Block>, usize)> {
    let charge = problem.charge.as_ref();
    let signs: Vec<Option<i8>> = match reduction.permutation {
        Some(_) => reduction.signs.iter().map(|&s| Some(s)).collect(),
        None => vec![None],
    };
    if method == Method::EigenPropagation {
        let sectors: Vec<(Option<i64>, Subspace)> = match charge {
            Some(c) => subspace
                .sector_values()
                .iter()
                .map(|&q| Ok((Some(q), Subspace::sector(&problem.space, c, q)?)))
                .collect::<Result<_>>()?,
            None => vec![(None, subspace.clone())],
        };
        let mut out = Vec::new();
        for (q, sector) in &sectors {
            for &sign in &signs {
                let dim = block_basis(sector, reduction, sign)?.dim();
                out.push(Block {
                    charge: *q,
                    sign,
                    dim,
                });
            }
        }
        let largest = out.iter().map(|b| b.dim).max().unwrap_or(0);
        return Ok((out, largest));
    }
    let basis = symmetry::evolved_basis(reduction, subspace, charge)?;
    let sign = reduction.sign();
    let labels = symmetry::block_labels(reduction, &basis, subspace, charge);
    let blocks = if reduction.weak {
        let mut counts = std::collections::BTreeMap::new();
        for q in &labels {
            *counts.entry(*q).or_insert(0usize) += 1;
        }
        counts
            .into_iter()
            .map(|(q, dim)| Block {
                charge: Some(q),
                sign,
                dim,
            })
            .collect()
    } else {
        vec![Block {
            charge: None,
            sign,
            dim: basis.dim(),
        }]
    };
    Ok((blocks, basis.dim()))
}

/// The basis of one eigen-propagation block: the eigenspace `sign` of the permutation in
/// `sector`, or the sector's own basis.
pub(crate) fn block_basis(
    sector: &Subspace,
    reduction: &Reduction,
    sign: Option<i8>,
) -> Result<PermutationSector> {
    match (&reduction.permutation, sign) {
        (Some(p), Some(s)) => PermutationSector::new(sector, p, s),
        _ => Ok(PermutationSector::whole(sector.dim())),
    }
}

/// The site called `name`, as an error naming `field` when there is none.
fn site_named(space: &Space, name: &str, field: &str) -> Result<usize> {
    space.site(name).map_err(|_| {
        let names: Vec<&str> = space.sites().iter().map(|s| s.name.as_str()).collect();
        Error::invalid(field, name, format!("one of the sites {names:?}"))
    })
}

/// The two qubits whose steering and concurrence are asked for.
fn resolve_pair(problem: &Problem, output: &OutputSettings) -> Result<Option<[usize; 2]>> {
    let wanted = output.metrics.iter().any(|m| m.needs_pair());
    let sites = if !output.pair.is_empty() {
        let a = site_named(&problem.space, &output.pair[0], "output.pair[0]")?;
        let b = site_named(&problem.space, &output.pair[1], "output.pair[1]")?;
        if a == b {
            return Err(Error::invalid(
                "output.pair",
                format!("{:?}", output.pair),
                "two different sites",
            ));
        }
        [a, b]
    } else if !wanted {
        return Ok(None);
    } else if problem.battery.sites.len() == 2 {
        [problem.battery.sites[0], problem.battery.sites[1]]
    } else {
        return Err(Error::invalid(
            "output.pair",
            "[] (empty)",
            "two qubit sites for steering_ab, steering_ba and concurrence (the battery is not two qubits)",
        ));
    };
    for (k, &s) in sites.iter().enumerate() {
        let site = &problem.space.sites()[s];
        if site.subsystem.dim() != 2 {
            return Err(Error::invalid(
                format!("output.pair[{k}]"),
                &site.name,
                format!(
                    "a qubit (dimension 2) for steering and concurrence; `{}` is a {}",
                    site.name,
                    site.subsystem.describe()
                ),
            ));
        }
    }
    Ok(Some(sites))
}
