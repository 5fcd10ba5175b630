//! Resumable parallel parameter sweeps.
//!
//! Each finished point is appended to a checkpoint file as one JSON line
//! `{"index": i, "key": "<hash>", "result": …}`, where the key is a 64-bit FNV-1a hash
//! (hex) of the point's JSON serialisation. A rerun with the same checkpoint reuses every
//! result whose index and key match, so an interrupted sweep resumes where it stopped and
//! a point whose parameters changed is recomputed.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Evaluates `f` on every point in parallel (rayon's global pool) and returns the results
/// in point order, resuming from `checkpoint` (created if missing, with its parent
/// directories).
///
/// Points are identified by their position and by a hash of their JSON serialisation, so
/// `P` must serialise deterministically (no `HashMap` fields). A progress bar named `name`
/// is drawn on stderr when stderr is a terminal and `CI` is not `true`. A partial or corrupt
/// checkpoint line (e.g. from a kill mid-write) is skipped with a note on stderr, and a
/// stored result that no longer deserialises as `R` is recomputed.
///
/// Errors: the first failing point stops the sweep (points already finished stay in the
/// checkpoint); the error names the sweep, the point's index and its serialisation. Also
/// checkpoint I/O failures and unserialisable points or results.
pub fn run_sweep<P, R, F>(name: &str, points: &[P], checkpoint: &Path, f: F) -> Result<Vec<R>>
where
    P: Serialize + Sync,
    R: Serialize + DeserializeOwned + Send,
    F: Fn(&P) -> Result<R> + Sync,
{
    run_sweep_reporting(name, points, checkpoint, f, None)
}

/// Where a sweep's progress goes besides the terminal (the Python module's bar): called
/// with (points done, points in all) once at the start and after every point, from the
/// threads that run them. With one, the terminal bar is not drawn.
pub type Report<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// [`run_sweep`], reporting its progress to `report` when given.
pub fn run_sweep_reporting<P, R, F>(
    name: &str,
    points: &[P],
    checkpoint: &Path,
    f: F,
    report: Option<Report<'_>>,
) -> Result<Vec<R>>
where
    P: Serialize + Sync,
    R: Serialize + DeserializeOwned + Send,
    F: Fn(&P) -> Result<R> + Sync,
{
    let (mut sweep, stored) = Checkpointed::open(name, points, checkpoint)?;
    if let Some(report) = report {
        sweep.report_to(report);
    }
    let pending = pending(&stored);
    let computed: Result<Vec<(usize, R)>> = pending
        .par_iter()
        .map(|&i| {
            let r = f(&points[i]).with_context(|| format!("{} failed", sweep.point(i)))?;
            sweep.record(i, &r)?;
            Ok((i, r))
        })
        .collect();
    sweep.finish(stored, computed)
}

/// The indices of the points without a result, in order.
pub(crate) fn pending<R>(results: &[Option<R>]) -> Vec<usize> {
    (0..results.len())
        .filter(|&i| results[i].is_none())
        .collect()
}

/// A sweep's points backed by its checkpoint file: the part of [`run_sweep`] that does not
/// decide where the points run (rayon here, MPI ranks in `mpi_sweep`).
pub(crate) struct Checkpointed<'a> {
    name: String,
    path: std::path::PathBuf,
    serialised: Vec<String>,
    keys: Vec<String>,
    writer: Mutex<File>,
    bar: ProgressBar,
    report: Option<Report<'a>>,
}

impl<'a> Checkpointed<'a> {
    /// Opens (or creates) `checkpoint` and returns, with the sweep, every point's stored
    /// result (those whose index and key match; `None` for the rest); starts the progress
    /// bar.
    pub(crate) fn open<P: Serialize, R: DeserializeOwned>(
        name: &str,
        points: &[P],
        checkpoint: &Path,
    ) -> Result<(Self, Vec<Option<R>>)> {
        let ckpt = || checkpoint.display();
        let mut serialised = Vec::with_capacity(points.len());
        for (i, p) in points.iter().enumerate() {
            let json = serde_json::to_string(p)
                .with_context(|| format!("sweep `{name}`: serialising point #{i}"))?;
            serialised.push(json);
        }
        let keys: Vec<String> = serialised.iter().map(|s| point_key(s)).collect();

        if let Some(dir) = checkpoint.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating directory {}", dir.display()))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(checkpoint)
            .with_context(|| format!("opening checkpoint {}", ckpt()))?;
        let Loaded { mut stored, notes } =
            load_checkpoint(&mut file).with_context(|| format!("reading checkpoint {}", ckpt()))?;
        for note in notes {
            eprintln!("note: sweep `{name}`: checkpoint {}: {note}", ckpt());
        }

        let mut results: Vec<Option<R>> = Vec::with_capacity(points.len());
        for (i, key) in keys.iter().enumerate() {
            let reused = stored.remove(&(i, key.clone())).and_then(|value| {
                match serde_json::from_value(value) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        eprintln!(
                            "note: sweep `{name}`: stored result of point #{i} is unreadable \
                             ({e}); recomputing"
                        );
                        None
                    }
                }
            });
            results.push(reused);
        }
        let reused = results.iter().filter(|r| r.is_some()).count();
        if reused > 0 {
            eprintln!(
                "note: sweep `{name}`: {reused} of {} points taken from checkpoint {}",
                points.len(),
                ckpt()
            );
        }
        let sweep = Self {
            name: name.to_string(),
            path: checkpoint.to_path_buf(),
            serialised,
            keys,
            writer: Mutex::new(file),
            bar: progress_bar(name, points.len(), reused),
            report: None,
        };
        Ok((sweep, results))
    }

    /// Sends the progress to `report` instead of the terminal bar (and reports the start).
    pub(crate) fn report_to(&mut self, report: Report<'a>) {
        self.bar.set_draw_target(ProgressDrawTarget::hidden());
        report(self.done(), self.total());
        self.report = Some(report);
    }

    fn done(&self) -> usize {
        self.bar.position() as usize
    }

    fn total(&self) -> usize {
        self.bar.length().unwrap_or(0) as usize
    }

    /// "sweep `name`: point #i {…}", for messages about point `i`.
    pub(crate) fn point(&self, i: usize) -> String {
        format!("sweep `{}`: point #{i} {}", self.name, self.serialised[i])
    }

    /// Appends point `i`'s result to the checkpoint (one line, flushed) and advances the bar.
    pub(crate) fn record<R: Serialize>(&self, i: usize, r: &R) -> Result<()> {
        let mut line = serde_json::to_string(&Line {
            index: i,
            key: &self.keys[i],
            result: r,
        })
        .with_context(|| format!("{}: serialising the result", self.point(i)))?;
        line.push('\n');
        {
            let mut file = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            file.write_all(line.as_bytes())
                .and_then(|()| file.flush())
                .with_context(|| format!("appending to checkpoint {}", self.path.display()))?;
        }
        self.bar.inc(1);
        if let Some(report) = self.report {
            report(self.done(), self.total());
        }
        Ok(())
    }

    /// Every result in point order: the `stored` ones and the newly `computed` ones (or the
    /// sweep's error).
    pub(crate) fn finish<R>(
        self,
        mut stored: Vec<Option<R>>,
        computed: Result<Vec<(usize, R)>>,
    ) -> Result<Vec<R>> {
        let computed = match computed {
            Ok(c) => c,
            Err(e) => {
                self.bar.abandon();
                return Err(e);
            }
        };
        self.bar.finish();
        for (i, r) in computed {
            stored[i] = Some(r);
        }
        Ok(stored
            .into_iter()
            .map(|r| r.expect("every point is reused or computed"))
            .collect())
    }
}

/// One checkpoint line as written.
#[derive(Serialize)]
struct Line<'a, R> {
    index: usize,
    key: &'a str,
    result: &'a R,
}

/// One checkpoint line as read back.
#[derive(Deserialize)]
struct StoredLine {
    index: usize,
    key: String,
    result: serde_json::Value,
}

/// The usable contents of a checkpoint and notes on what was skipped.
struct Loaded {
    stored: HashMap<(usize, String), serde_json::Value>,
    notes: Vec<String>,
}

/// Reads every complete, valid line of the checkpoint. A trailing line without its newline
/// (an interrupted write) is cut off the file so that new lines start cleanly; invalid
/// lines are skipped. Each skip gives a note. Leaves the file positioned at its end.
fn load_checkpoint(file: &mut File) -> Result<Loaded> {
    file.seek(SeekFrom::Start(0))?;
    let mut stored = HashMap::new();
    let mut notes = Vec::new();
    let mut reader = BufReader::new(&mut *file);
    let (mut good_len, mut line_no) = (0u64, 0usize);
    let mut buf = Vec::new();
    let mut partial = false;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.last() != Some(&b'\n') {
            notes.push(format!(
                "line {line_no} is incomplete ({n} bytes, no newline); ignored and removed"
            ));
            partial = true;
            break;
        }
        good_len += n as u64;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<StoredLine>(&buf) {
            Ok(line) => {
                stored.insert((line.index, line.key), line.result);
            }
            Err(e) => notes.push(format!(
                "line {line_no} is not a result record ({e}); ignored"
            )),
        }
    }
    drop(reader);
    if partial {
        file.set_len(good_len)?;
    }
    file.seek(SeekFrom::End(0))?;
    Ok(Loaded { stored, notes })
}

/// The results stored in a sweep's checkpoint, by point key (for merging the shards of a
/// sweep, whose positions differ from the whole grid's). Skipped lines are noted on stderr.
pub(crate) fn stored_results(checkpoint: &Path) -> Result<HashMap<String, serde_json::Value>> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .open(checkpoint)
        .with_context(|| format!("opening checkpoint {}", checkpoint.display()))?;
    let Loaded { stored, notes } = load_checkpoint(&mut file)
        .with_context(|| format!("reading checkpoint {}", checkpoint.display()))?;
    for note in notes {
        eprintln!("note: checkpoint {}: {note}", checkpoint.display());
    }
    Ok(stored.into_iter().map(|((_, key), v)| (key, v)).collect())
}

/// The key of a point: its JSON serialisation's [`point_key`].
pub(crate) fn key_of<P: Serialize>(point: &P) -> Result<String> {
    Ok(point_key(&serde_json::to_string(point)?))
}

/// 64-bit FNV-1a of the serialised point, as 16 hex digits: stable across Rust versions and
/// platforms (unlike `std`'s `DefaultHasher`).
fn point_key(serialised: &str) -> String {
    let hash = serialised.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// A progress bar on stderr, hidden when stderr is not a terminal (indicatif's rule) or when
/// the environment variable `CI` is `true`.
pub(crate) fn progress_bar(name: &str, len: usize, done: usize) -> ProgressBar {
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let target = if ci {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let style = ProgressStyle::with_template(
        "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} (ETA {eta})",
    )
    .expect("valid template");
    ProgressBar::with_draw_target(Some(len as u64), target)
        .with_style(style)
        .with_message(name.to_string())
        .with_position(done as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Serialize)]
    struct Point {
        g: f64,
        n: u32,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Out {
        energy: f64,
        label: String,
    }

    fn model(p: &Point) -> Result<Out> {
        anyhow::ensure!(p.g >= 0.0, "coupling g = {} must be ≥ 0", p.g);
        Ok(Out {
            energy: p.g * f64::from(p.n) + 1.0 / 3.0,
            label: format!("n{}", p.n),
        })
    }

    /// A checkpoint path in a fresh temp directory (not created), removed on drop.
    struct Scratch(std::path::PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn checkpoint(name: &str) -> (Scratch, std::path::PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("qbattery-sweep-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ckpt = dir.join("sub").join("checkpoint.jsonl");
        (Scratch(dir), ckpt)
    }

    fn points() -> Vec<Point> {
        (0..10)
            .map(|i| Point {
                g: 0.1 * f64::from(i),
                n: i,
            })
            .collect()
    }

    /// Runs the sweep counting evaluations of `model`.
    fn counted(points: &[Point], ckpt: &Path) -> (Vec<Out>, usize) {
        let calls = AtomicUsize::new(0);
        let out = run_sweep("test", points, ckpt, |p| {
            calls.fetch_add(1, Ordering::Relaxed);
            model(p)
        })
        .unwrap();
        (out, calls.into_inner())
    }

    #[test]
    fn resumes_and_recomputes_changed_points() {
        let (_scratch, ckpt) = checkpoint("resume");
        let mut pts = points();
        let expected: Vec<Out> = pts.iter().map(|p| model(p).unwrap()).collect();

        let (first, calls) = counted(&pts, &ckpt);
        assert_eq!((first.as_slice(), calls), (expected.as_slice(), 10));

        let (again, calls) = counted(&pts, &ckpt);
        assert_eq!((again.as_slice(), calls), (expected.as_slice(), 0));

        pts[4].g = 7.0;
        let (changed, calls) = counted(&pts, &ckpt);
        assert_eq!(calls, 1);
        assert_eq!(changed[4], model(&pts[4]).unwrap());
        assert_eq!(changed[3], expected[3]);

        let (_, calls) = counted(&pts, &ckpt);
        assert_eq!(calls, 0);
        let lines = std::fs::read_to_string(&ckpt).unwrap().lines().count();
        assert_eq!(lines, 11);
    }

    #[test]
    fn truncated_last_line_is_recomputed() {
        let (_scratch, ckpt) = checkpoint("truncated");
        let pts = points();
        counted(&pts, &ckpt);
        // Simulate a kill mid-write: cut the file in the middle of its last line.
        let text = std::fs::read_to_string(&ckpt).unwrap();
        let last_start = text.trim_end().rfind('\n').unwrap() + 1;
        let cut = last_start + (text.len() - last_start) / 2;
        std::fs::write(&ckpt, &text[..cut]).unwrap();
        let lost: StoredLine = serde_json::from_str(text[last_start..].trim()).unwrap();

        let (out, calls) = counted(&pts, &ckpt);
        assert_eq!(calls, 1);
        assert_eq!(out[lost.index], model(&pts[lost.index]).unwrap());
        // The partial line was removed: every line of the file parses again.
        let text = std::fs::read_to_string(&ckpt).unwrap();
        assert_eq!(text.lines().count(), 10);
        for line in text.lines() {
            serde_json::from_str::<StoredLine>(line).unwrap();
        }
        assert_eq!(counted(&pts, &ckpt).1, 0);
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let (_scratch, ckpt) = checkpoint("garbage");
        std::fs::create_dir_all(ckpt.parent().unwrap()).unwrap();
        // A stale result of the wrong type for point 0, a junk line, and a valid one for #1.
        let pts = points();
        let good = serde_json::to_string(&Line {
            index: 1,
            key: &point_key(&serde_json::to_string(&pts[1]).unwrap()),
            result: &model(&pts[1]).unwrap(),
        })
        .unwrap();
        let stale = format!(
            "{{\"index\":0,\"key\":\"{}\",\"result\":17}}",
            point_key(&serde_json::to_string(&pts[0]).unwrap())
        );
        std::fs::write(&ckpt, format!("{stale}\nnot json\n{good}\n")).unwrap();
        let (out, calls) = counted(&pts, &ckpt);
        assert_eq!(calls, 9);
        assert_eq!(out[0], model(&pts[0]).unwrap());
    }

    #[test]
    fn failing_point_is_named() {
        let (_scratch, ckpt) = checkpoint("fail");
        let mut pts = points();
        pts[6].g = -1.0;
        let err = run_sweep("coupling", &pts, &ckpt, model).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("sweep `coupling`: point #6 {\"g\":-1.0,\"n\":6} failed"),
            "{msg}"
        );
        assert!(msg.contains("must be ≥ 0"), "{msg}");
    }

    #[test]
    fn keys_are_fnv1a() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(point_key(""), "cbf29ce484222325");
        assert_eq!(point_key("a"), "af63dc4c8601ec8c");
        assert_eq!(point_key("foobar"), "85944171f73967e8");
    }
}
