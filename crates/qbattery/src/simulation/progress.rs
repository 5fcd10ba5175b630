//! Progress of a long run, reported to whoever drives it (a terminal bar, a notebook).

/// Receives a run's progress: `start` once with the unit and the total, then `advance`
/// with the number done so far (non-decreasing).
pub trait Progress {
    /// The run has `total` units of `unit` (e.g. "time steps", "collisions") to do.
    fn start(&mut self, unit: &str, total: usize) {
        let _ = (unit, total);
    }
    /// `done` units are finished.
    fn advance(&mut self, done: usize) {
        let _ = done;
    }
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// A closure called with the number done.
impl<F: FnMut(usize)> Progress for F {
    fn advance(&mut self, done: usize) {
        self(done)
    }
}
