//! Sweeps over MPI ranks (cargo feature `mpi`): `mpirun -n P qbattery sweep …`.
//!
//! Every rank reads the scenario and builds the same grid. Rank 0 owns the run directory
//! and its checkpoint (no other rank writes a file) and hands the pending points out one
//! at a time to whichever slot asks next, so slow and fast points balance themselves. Each
//! rank, rank 0 included, runs `rayon::current_num_threads()` points at once: with one
//! rank per core, set `RAYON_NUM_THREADS=1`. A result travels back to rank 0 as JSON
//! (serde_json's round-trip floats, as in the checkpoint), so the tables are the ones a
//! local run writes, byte for byte.
//!
//! A killed rank ends the job (mpirun stops the others). Rank 0 appends each result to
//! the checkpoint as it arrives, so rerunning the command redoes only the points that had
//! not come back, and the checkpoint holds each point once.

use std::collections::VecDeque;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use mpi::environment::Universe;
use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::{Tag, Threading};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::sweep::{pending, Checkpointed, Report};

/// The tag of every message of a sweep.
const TAG: Tag = 17;

/// How long rank 0 waits for its own points before looking for messages again.
const POLL: Duration = Duration::from_millis(1);

/// The ranks of an `mpirun` job (MPI is finalised when this is dropped).
pub struct Ranks {
    world: SimpleCommunicator,
    on_node: usize,
    _universe: Universe,
}

impl Ranks {
    /// Initialises MPI. `None` when this process is the job's only rank (a plain
    /// `qbattery sweep`, which then runs as without MPI).
    ///
    /// Errors: MPI was initialised before.
    pub fn init() -> Result<Option<Self>> {
        let (universe, _threading) = mpi::initialize_with_threading(Threading::Funneled)
            .context("MPI was initialised twice")?;
        let world = universe.world();
        if world.size() == 1 {
            return Ok(None);
        }
        let on_node = world.split_shared(0).size().max(1) as usize;
        Ok(Some(Self {
            world,
            on_node,
            _universe: universe,
        }))
    }

    /// Whether this is rank 0, which writes the outputs.
    pub fn is_root(&self) -> bool {
        self.world.rank() == 0
    }

    /// The number of ranks on this machine (they share its memory).
    pub fn on_node(&self) -> usize {
        self.on_node
    }

    /// Ends the whole job after an error on rank 0 that the other ranks would wait on.
    pub fn abort(&self, error: &anyhow::Error) -> ! {
        eprintln!("error: {error:#}");
        self.world.abort(1)
    }
}

/// A worker's message to rank 0.
#[derive(Serialize, Deserialize)]
enum ToRoot {
    /// A slot is free: send a point's index, or `None` when there is none left.
    Ready,
    /// Point `index` finished: its result as JSON, or the error's message.
    Done {
        index: usize,
        outcome: std::result::Result<serde_json::Value, String>,
    },
}

/// [`crate::sweep::run_sweep_reporting`] over the job's ranks: on rank 0, every result in
/// point order (`Some`) and the progress; on the other ranks, `None` once rank 0 has no
/// more points for them.
///
/// Errors: as `run_sweep`, with the rank that failed; a worker's error on a malformed
/// message from rank 0. An error on rank 0 that the workers would wait on (its checkpoint
/// cannot be opened, a malformed message) aborts the job instead.
pub fn run_sweep<P, R, F>(
    ranks: &Ranks,
    name: &str,
    points: &[P],
    checkpoint: &std::path::Path,
    f: F,
    report: Option<Report<'_>>,
) -> Result<Option<Vec<R>>>
where
    P: Serialize + Sync,
    R: Serialize + DeserializeOwned + Send,
    F: Fn(&P) -> Result<R> + Sync,
{
    let slots = rayon::current_num_threads().max(1);
    if !ranks.is_root() {
        work(&ranks.world, points, &f, slots)?;
        return Ok(None);
    }
    let (mut sweep, stored) = match Checkpointed::open::<P, R>(name, points, checkpoint) {
        Ok(opened) => opened,
        Err(e) => ranks.abort(&e),
    };
    if let Some(report) = report {
        sweep.report_to(report);
    }
    let queue: VecDeque<usize> = pending(&stored).into();
    let computed = lead(&ranks.world, &sweep, queue, points, &f, slots);
    sweep.finish(stored, computed).map(Some)
}

/// Rank 0's loop: hands out the `queue` of pending points to its own slots and to the
/// workers as they ask, records each result in the checkpoint, and returns the computed
/// results, or the first error once every point in flight has come back.
fn lead<P, R, F>(
    world: &SimpleCommunicator,
    sweep: &Checkpointed,
    mut queue: VecDeque<usize>,
    points: &[P],
    f: &F,
    slots: usize,
) -> Result<Vec<(usize, R)>>
where
    P: Sync,
    R: Serialize + DeserializeOwned + Send,
    F: Fn(&P) -> Result<R> + Sync,
{
    let workers = world.size() as usize - 1;
    let mut results = Collected {
        computed: Vec::new(),
        failure: None,
        per_rank: vec![0; workers + 1],
    };
    std::thread::scope(|scope| -> Result<()> {
        let (jobs, done) = spawn_slots(scope, points, f, slots);
        let (mut local, mut remote, mut stopped) = (0usize, 0usize, 0usize);
        loop {
            while results.failure.is_none() && local < slots {
                let Some(i) = queue.pop_front() else { break };
                jobs.send(i).expect("the slots outlive the loop");
                local += 1;
            }
            while let Some(message) = world.any_process().immediate_matched_probe_with_tag(TAG) {
                let (bytes, status) = message.matched_receive_vec::<u8>();
                let rank = status.source_rank();
                let message = match serde_json::from_slice::<ToRoot>(&bytes) {
                    Ok(m) => m,
                    // A bug between ranks of one binary: end the job rather than return
                    // and leave the workers waiting for rank 0.
                    Err(e) => {
                        eprintln!("error: a malformed message from rank {rank}: {e}");
                        world.abort(3)
                    }
                };
                match message {
                    ToRoot::Ready => {
                        let next = if results.failure.is_some() {
                            None
                        } else {
                            queue.pop_front()
                        };
                        match next {
                            Some(_) => remote += 1,
                            None => stopped += 1,
                        }
                        send(&world.process_at_rank(rank), &next)?;
                    }
                    ToRoot::Done { index, outcome } => {
                        remote -= 1;
                        results.accept(sweep, index, outcome, rank);
                    }
                }
            }
            let drained = results.failure.is_some() || queue.is_empty();
            if drained && local == 0 && remote == 0 && stopped == workers {
                return Ok(());
            }
            match done.recv_timeout(POLL) {
                Ok((index, outcome)) => {
                    local -= 1;
                    results.accept(sweep, index, outcome, 0);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => unreachable!("the slots outlive the loop"),
            }
        }
    })?;
    let counts: Vec<String> = (results.per_rank.iter().enumerate())
        .map(|(rank, n)| format!("rank {rank}: {n}"))
        .collect();
    eprintln!(
        "qbattery: {} points over {} ranks ({})",
        results.computed.len(),
        workers + 1,
        counts.join(", ")
    );
    results.failure.map_or(Ok(results.computed), Err)
}

/// The results that came back to rank 0, and the first error.
struct Collected<R> {
    computed: Vec<(usize, R)>,
    failure: Option<anyhow::Error>,
    /// How many results each rank sent.
    per_rank: Vec<usize>,
}

impl<R: Serialize + DeserializeOwned> Collected<R> {
    /// Takes point `index`'s outcome from `rank`: records a result in the checkpoint, or
    /// keeps the first error.
    fn accept(&mut self, sweep: &Checkpointed, index: usize, outcome: Outcome, rank: i32) {
        let result = outcome
            .map_err(anyhow::Error::msg)
            .and_then(|v| serde_json::from_value::<R>(v).context("reading the result"))
            .with_context(|| format!("{} failed on rank {rank}", sweep.point(index)))
            .and_then(|r| sweep.record(index, &r).map(|()| r));
        match result {
            Ok(r) => {
                self.computed.push((index, r));
                self.per_rank[rank as usize] += 1;
            }
            Err(e) => {
                self.failure.get_or_insert(e);
            }
        }
    }
}

/// A worker rank's loop: asks rank 0 for a point whenever one of its `slots` is free and
/// sends each result back, until rank 0 has none left and every slot is idle.
fn work<P, R, F>(world: &SimpleCommunicator, points: &[P], f: &F, slots: usize) -> Result<()>
where
    P: Sync,
    R: Serialize,
    F: Fn(&P) -> Result<R> + Sync,
{
    let root = world.process_at_rank(0);
    std::thread::scope(|scope| {
        let (jobs, done) = spawn_slots(scope, points, f, slots);
        let (mut in_flight, mut stopped) = (0usize, false);
        loop {
            while !stopped && in_flight < slots {
                send(&root, &ToRoot::Ready)?;
                let (bytes, _) = root.receive_vec_with_tag::<u8>(TAG);
                match serde_json::from_slice::<Option<usize>>(&bytes)
                    .context("a malformed message from rank 0")?
                {
                    Some(i) if i < points.len() => {
                        jobs.send(i).expect("the slots outlive the loop");
                        in_flight += 1;
                    }
                    Some(i) => anyhow::bail!("rank 0 sent point #{i} of {}", points.len()),
                    None => stopped = true,
                }
            }
            if in_flight == 0 {
                return Ok(());
            }
            let (index, outcome) = done.recv().expect("the slots outlive the loop");
            in_flight -= 1;
            send(&root, &ToRoot::Done { index, outcome })?;
        }
    })
}

/// A point's result as JSON, or its error's message.
type Outcome = std::result::Result<serde_json::Value, String>;

/// Starts `slots` threads that evaluate `f` on the points whose indices arrive on the
/// returned sender and send `(index, outcome)` back on the returned receiver. They end
/// when the sender is dropped.
fn spawn_slots<'scope, 'env, P, R, F>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    points: &'env [P],
    f: &'env F,
    slots: usize,
) -> (mpsc::Sender<usize>, mpsc::Receiver<(usize, Outcome)>)
where
    P: Sync,
    R: Serialize,
    F: Fn(&P) -> Result<R> + Sync,
{
    let (jobs, queue) = mpsc::channel::<usize>();
    let (report, done) = mpsc::channel();
    let queue = std::sync::Arc::new(Mutex::new(queue));
    for _ in 0..slots {
        let (queue, report) = (queue.clone(), report.clone());
        scope.spawn(move || loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok(index) = next else { return };
            let outcome = f(&points[index])
                .and_then(|r| serde_json::to_value(&r).context("serialising the result"))
                .map_err(|e| format!("{e:#}"));
            if report.send((index, outcome)).is_err() {
                return;
            }
        });
    }
    (jobs, done)
}

/// Sends `message` as JSON to `to`.
fn send<T: Serialize>(to: &impl Destination, message: &T) -> Result<()> {
    let bytes = serde_json::to_vec(message).context("encoding a message")?;
    to.send_with_tag(&bytes[..], TAG);
    Ok(())
}
