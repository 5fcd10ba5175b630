//! How a problem will be run: the subspace and its blocks, the method (chosen from what
//! the problem is) and a memory estimate — all decided before any large allocation, so
//! that bad or too big input is refused before work starts.

use crate::dynamics::hamiltonian::Control;
use crate::error::{Error, Result};
use crate::sector::{Charge, Subspace};
use crate::space::Space;

use super::memory::{dense_bytes, Estimate};
use super::problem::Problem;
use super::settings::{Metric, OutputSettings, SolverSettings};

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

/// One block that is evolved (closed systems: one per charge value; open: one).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Block {
    /// The charge value, when the block is a sector.
    pub charge: Option<i64>,
    /// Its dimension.
    pub dim: usize,
}

/// How a problem will be run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Dimension of the full space.
    pub full_dim: usize,
    /// The subspace that is evolved.
    pub subspace: Subspace,
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
}

/// Full dimension above which global metrics (log-negativity) are refused.
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
    check_requests(problem, output, full_dim, driven)?;
    let (subspace, blocks) = subspace_and_blocks(problem, method)?;
    let d = subspace.dim();
    let mut memory = Estimate::default();
    let battery_dim = problem.battery.space.dim()?;
    memory.add(
        "battery Hamiltonian and its spectrum",
        3 * dense_bytes(battery_dim),
    );
    memory.add("subspace index", 8 * d as u64);
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
            memory.add("density matrix and Runge–Kutta stages", 12 * dense_bytes(d))
        }
        Method::CentralSpinBlocks | Method::LadderCollisions => {}
    }
    if output.metrics.contains(&Metric::LogNegativity) {
        memory.add(
            "global state for the log-negativity",
            3 * dense_bytes(full_dim),
        );
    }
    if output.steady_state {
        memory.add(
            "steady state (Liouvillian null space)",
            super::memory::steady_state_bytes(d, solver_steady_method),
        );
    }
    let pair = resolve_pair(problem, output)?;
    let entropy_sites = output
        .entropy_of
        .iter()
        .enumerate()
        .map(|(i, name)| site_named(&problem.space, name, &format!("output.entropy_of[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    Ok(Plan {
        full_dim,
        subspace,
        blocks,
        method,
        memory,
        pair,
        entropy_sites,
    })
}

/// Requests that the problem can not honour, refused before any work.
fn check_requests(
    problem: &Problem,
    output: &OutputSettings,
    full_dim: usize,
    driven: bool,
) -> Result<()> {
    if output.metrics.contains(&Metric::LogNegativity) && full_dim > MAX_FULL_DIM_FOR_GLOBAL_METRICS
    {
        return Err(Error::invalid(
            "output.metrics",
            "log_negativity",
            format!(
                "only for full dimensions ≤ {MAX_FULL_DIM_FOR_GLOBAL_METRICS} (this space has {full_dim}); drop it or make the space smaller"
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

/// The evolved subspace and its blocks: with a conserved charge, only the sectors the
/// initial state occupies (closed) or can reach through the jump operators (open).
fn subspace_and_blocks(problem: &Problem, method: Method) -> Result<(Subspace, Vec<Block>)> {
    let Some(charge) = &problem.charge else {
        let subspace = Subspace::full(&problem.space)?;
        let dim = subspace.dim();
        return Ok((subspace, vec![Block { charge: None, dim }]));
    };
    let support = problem.initial.charges(charge);
    if method == Method::LindbladRk45 {
        let mut shifts = Vec::new();
        for j in &problem.jumps {
            shifts.extend(j.charge_shifts(charge.weights(), &problem.space)?);
        }
        let subspace = Subspace::reachable(&problem.space, charge, &support, &shifts)?;
        let dim = subspace.dim();
        return Ok((subspace, vec![Block { charge: None, dim }]));
    }
    let subspace = Subspace::sectors(&problem.space, charge, &support)?;
    let blocks = if method == Method::EigenPropagation {
        sector_blocks(&problem.space, charge, &subspace)?
    } else {
        vec![Block {
            charge: None,
            dim: subspace.dim(),
        }]
    };
    Ok((subspace, blocks))
}

fn sector_blocks(space: &Space, charge: &Charge, subspace: &Subspace) -> Result<Vec<Block>> {
    subspace
        .sector_values()
        .iter()
        .map(|&q| {
            Ok(Block {
                charge: Some(q),
                dim: Subspace::sector(space, charge, q)?.dim(),
            })
        })
        .collect()
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
