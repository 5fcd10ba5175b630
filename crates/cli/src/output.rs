//! A run directory: where one `qbattery` invocation writes its tables (CSV), records (JSON),
//! summaries (Markdown) and plots, together with a [`Provenance`] record of how it was made.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context, Result};
use npyz::WriterBuilder as _;
use serde::Serialize;

/// A directory that receives the outputs of one run. File names passed to its writers are
/// relative to it and may contain sub-directories (created as needed), but not `..` or an
/// absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Creates `path` (and its parents) if needed. The error names the path.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let root = path.as_ref().to_path_buf();
        std::fs::create_dir_all(&root)
            .with_context(|| format!("creating run directory {}", root.display()))?;
        Ok(Self { root })
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Writes a CSV table: a header row of column names, then one row per index. Values are
    /// written in Rust's shortest round-trip form (plain for 1e-4 ≤ |v| < 1e15, else
    /// scientific, e.g. `2.5e-7`), so reading them back gives the identical `f64`; non-finite
    /// values are written `NaN`, `inf`, `-inf`. `.csv` is appended to a name without
    /// extension. Returns the file's path.
    ///
    /// Errors: no columns, columns of different lengths (named), or an I/O failure.
    pub fn write_csv(&self, name: &str, columns: &[(&str, &[f64])]) -> Result<PathBuf> {
        let path = self.file(name, "csv")?;
        let Some(&(first, first_values)) = columns.first() else {
            bail!("{}: no columns to write", path.display());
        };
        if let Some((col, values)) = columns.iter().find(|(_, v)| v.len() != first_values.len()) {
            bail!(
                "{}: column `{col}` has {} values but column `{first}` has {}",
                path.display(),
                values.len(),
                first_values.len()
            );
        }
        let write = || -> Result<()> {
            let mut out = csv::Writer::from_path(&path)?;
            out.write_record(columns.iter().map(|(name, _)| name))?;
            let mut row = Vec::with_capacity(columns.len());
            for i in 0..first_values.len() {
                row.clear();
                row.extend(columns.iter().map(|(_, values)| format_f64(values[i])));
                out.write_record(&row)?;
            }
            out.flush()?;
            Ok(())
        };
        write().with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Writes `value` as pretty-printed JSON (`.json` appended to a name without extension).
    /// Note that JSON has no NaN: serde_json writes non-finite floats as `null`.
    pub fn write_json(&self, name: &str, value: &impl Serialize) -> Result<PathBuf> {
        let path = self.file(name, "json")?;
        let mut text = serde_json::to_string_pretty(value)
            .with_context(|| format!("serialising {}", path.display()))?;
        text.push('\n');
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Writes `text` verbatim (`.md` appended to a name without extension).
    pub fn write_markdown(&self, name: &str, text: &str) -> Result<PathBuf> {
        let path = self.file(name, "md")?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Writes one array as NumPy's `.npy` (`.npy` appended to a name without extension):
    /// `data` in C order with `shape` (e.g. `[n, n]` for a density matrix, `c64` for
    /// complex128), readable by `numpy.load`.
    ///
    /// Errors: `shape` that does not hold `data`, or an I/O failure.
    pub fn write_npy<T>(&self, name: &str, shape: &[usize], data: &[T]) -> Result<PathBuf>
    where
        T: npyz::AutoSerialize + Copy,
    {
        let path = self.file(name, "npy")?;
        let write = || -> Result<()> {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
            write_array(&mut file, shape, data)?;
            file.flush()?;
            Ok(())
        };
        write().with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Writes 1-d arrays as one NumPy `.npz` archive (`.npz` appended to a name without
    /// extension), each under its name: `numpy.load(path)["energy"]`. Entries are stored
    /// uncompressed, as `numpy.savez` does.
    ///
    /// Errors: an array name that is not a plain file name, or an I/O failure.
    pub fn write_npz(&self, name: &str, arrays: &[(&str, &[f64])]) -> Result<PathBuf> {
        let path = self.file(name, "npz")?;
        if let Some((bad, _)) = arrays
            .iter()
            .find(|(a, _)| a.is_empty() || a.contains(['/', '\\']))
        {
            bail!("{}: array name {bad:?} is not a plain name", path.display());
        }
        let write = || -> Result<()> {
            let mut zip = zip::ZipWriter::new(std::fs::File::create(&path)?);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(arrays.iter().any(|(_, v)| v.len() > 1 << 28));
            for (array, values) in arrays {
                zip.start_file(format!("{array}.npy"), options)?;
                write_array(&mut zip, &[values.len()], values)?;
            }
            zip.finish()?.flush()?;
            Ok(())
        };
        write().with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// The path of `name` inside the run directory, with `ext` appended when `name` has no
    /// extension; creates its parent directory.
    fn file(&self, name: &str, ext: &str) -> Result<PathBuf> {
        let rel = Path::new(name);
        ensure!(
            !name.is_empty() && rel.components().all(|c| matches!(c, Component::Normal(_))),
            "output name {name:?} must be a relative path inside the run directory {}",
            self.root.display()
        );
        let mut path = self.root.join(rel);
        if path.extension().is_none() {
            path.set_extension(ext);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating directory {}", dir.display()))?;
        }
        Ok(path)
    }
}

/// One `.npy` stream: header, then `data` in C order.
fn write_array<T>(out: &mut impl std::io::Write, shape: &[usize], data: &[T]) -> Result<()>
where
    T: npyz::AutoSerialize + Copy,
{
    ensure!(
        shape.iter().product::<usize>() == data.len(),
        "shape {shape:?} does not hold {} values",
        data.len()
    );
    let shape: Vec<u64> = shape.iter().map(|&n| n as u64).collect();
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(out)
        .begin_nd()?;
    writer.extend(data.iter().copied())?;
    writer.finish()?;
    Ok(())
}

/// Shortest decimal that parses back to exactly `v` (Rust's `Display`/`LowerExp` guarantee
/// this), plain for moderate magnitudes and scientific otherwise.
fn format_f64(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e15).contains(&v.abs()) {
        v.to_string()
    } else {
        format!("{v:e}")
    }
}

/// How a run was made: written next to its outputs (e.g. `provenance.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// Version of the `qbattery` package that ran.
    pub package_version: &'static str,
    /// The full command line, arguments quoted where a shell would need it.
    pub command: String,
    /// Start time, RFC 3339 in UTC with second resolution, e.g. `2026-11-21T11:42:58Z`.
    pub started_utc: String,
    /// Wall-clock seconds from [`Provenance::start`] to the last [`Provenance::finish`];
    /// 0 until `finish` is called.
    pub wall_seconds: f64,
    #[serde(skip)]
    timer: Instant,
}

impl Provenance {
    /// Starts the clock for a run invoked as `argv`, e.g.
    /// `std::env::args_os().map(|a| a.to_string_lossy().into_owned())` (`std::env::args()`
    /// panics on an argument that is not UTF-8).
    pub fn start<I, S>(argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let command = argv
            .into_iter()
            .map(|a| shell_quote(a.as_ref()))
            .collect::<Vec<_>>()
            .join(" ");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self {
            package_version: env!("CARGO_PKG_VERSION"),
            command,
            started_utc: rfc3339_utc(now),
            wall_seconds: 0.0,
            timer: Instant::now(),
        }
    }

    /// Records the wall-clock time elapsed since [`Provenance::start`]; may be called again
    /// to update it.
    pub fn finish(&mut self) {
        self.wall_seconds = self.timer.elapsed().as_secs_f64();
    }
}

/// `arg` as a POSIX shell word: unchanged when it holds only safe characters, otherwise in
/// single quotes (an embedded `'` written as `'\''`).
fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        return arg.to_string();
    }
    let mut out = String::from("'");
    for c in arg.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// RFC 3339 UTC timestamp for `secs` seconds after the Unix epoch (proleptic Gregorian
/// calendar; civil-from-days algorithm of H. Hinnant, "chrono-Compatible Low-Level Date
/// Algorithms").
fn rfc3339_utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut s = String::with_capacity(20);
    let _ = write!(
        s,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh (absent) path under the system temp dir, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("qbattery-output-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn npy_and_npz_round_trip_exactly() {
        let scratch = Scratch::new("npy");
        let run = RunDir::create(&scratch.0).unwrap();
        let t: Vec<f64> = (0..7).map(|i| f64::from(i) / 3.0).collect();
        let e: Vec<f64> = t.iter().map(|t| t.sin() * 1e-300).collect();
        let path = run
            .write_npz("series", &[("t", &t), ("energy", &e)])
            .unwrap();
        assert!(path.ends_with("series.npz"));
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut names: Vec<&str> = zip.file_names().collect();
        names.sort_unstable();
        assert_eq!(names, ["energy.npy", "t.npy"]);
        for (name, values) in [("t.npy", &t), ("energy.npy", &e)] {
            let npy = npyz::NpyFile::new(zip.by_name(name).unwrap()).unwrap();
            assert_eq!(npy.shape(), &[values.len() as u64]);
            assert_eq!(&npy.into_vec::<f64>().unwrap(), values);
        }
        // A 2×3 complex array in C order: element (i, j) at 3i + j.
        let z: Vec<qbattery::c64> = (0..6)
            .map(|k| qbattery::c64::new(f64::from(k), -0.5 * f64::from(k)))
            .collect();
        let path = run.write_npy("state", &[2, 3], &z).unwrap();
        let npy = npyz::NpyFile::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(npy.shape(), &[2, 3]);
        assert_eq!(npy.dtype().descr(), "'<c16'");
        assert_eq!(npy.into_vec::<qbattery::c64>().unwrap(), z);
        let err = run.write_npy("bad", &[4, 2], &z).unwrap_err();
        assert!(
            format!("{err:#}").contains("does not hold 6 values"),
            "{err:#}"
        );
        assert!(run.write_npz("bad", &[("a/b", &t)]).is_err());
    }

    #[test]
    fn csv_round_trips_exactly() {
        let scratch = Scratch::new("csv");
        let run = RunDir::create(scratch.0.join("nested")).unwrap();
        let t: Vec<f64> = (0..50).map(|i| f64::from(i) * 0.1).collect();
        let e: Vec<f64> = t.iter().map(|t| (1.0 / 3.0) * t.sin() * 1e-9).collect();
        let odd = [
            0.1 + 0.2,
            -1.0 / 7.0,
            1e-300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -0.0,
            f64::INFINITY,
            f64::NAN,
            123456.789,
        ];
        let odd: Vec<f64> = odd.iter().copied().cycle().take(t.len()).collect();
        let path = run
            .write_csv("energy", &[("t", &t), ("E", &e), ("odd", &odd)])
            .unwrap();
        assert_eq!(path, run.path().join("energy.csv"));

        let mut reader = csv::Reader::from_path(&path).unwrap();
        assert_eq!(reader.headers().unwrap(), vec!["t", "E", "odd"]);
        let rows: Vec<Vec<f64>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(|f| f.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), t.len());
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[0].to_bits(), t[i].to_bits());
            assert_eq!(row[1].to_bits(), e[i].to_bits());
            if odd[i].is_nan() {
                assert!(row[2].is_nan());
            } else {
                assert_eq!(row[2].to_bits(), odd[i].to_bits(), "{}", odd[i]);
            }
        }
    }

    #[test]
    fn csv_rejects_ragged_columns_and_escaping_names() {
        let scratch = Scratch::new("ragged");
        let run = RunDir::create(&scratch.0).unwrap();
        let msg = format!(
            "{:#}",
            run.write_csv("x", &[("a", &[1.0, 2.0]), ("b", &[1.0])])
                .unwrap_err()
        );
        assert!(
            msg.contains("column `b` has 1 values but column `a` has 2"),
            "{msg}"
        );
        assert!(run.write_csv("x", &[]).is_err());
        for bad in ["../x.csv", "/tmp/x.csv", ""] {
            let err = run.write_csv(bad, &[("a", &[1.0])]).unwrap_err();
            assert!(format!("{err:#}").contains("relative path"), "{bad}");
        }
    }

    #[test]
    fn create_names_the_path_on_failure() {
        let scratch = Scratch::new("blocked");
        let dir = &scratch.0;
        std::fs::create_dir_all(dir).unwrap();
        let file = dir.join("a-file");
        std::fs::write(&file, "x").unwrap();
        let err = RunDir::create(file.join("sub")).unwrap_err();
        assert!(format!("{err:#}").contains(&file.join("sub").display().to_string()));
    }

    #[test]
    fn json_and_markdown() {
        let scratch = Scratch::new("json");
        let run = RunDir::create(&scratch.0).unwrap();
        let mut prov = Provenance::start(["qbattery", "run", "my scenario.toml", "it's"]);
        assert_eq!(prov.command, "qbattery run 'my scenario.toml' 'it'\\''s'");
        prov.finish();
        assert!(prov.wall_seconds >= 0.0);
        let path = run.write_json("sub/provenance", &prov).unwrap();
        assert!(path.ends_with("sub/provenance.json"));
        let back: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back["package_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(back["command"], prov.command.as_str());
        assert_eq!(back["wall_seconds"], prov.wall_seconds);
        assert_eq!(
            back.as_object().unwrap().len(),
            4,
            "timer is not serialised"
        );
        let md = run.write_markdown("summary", "# Run\n").unwrap();
        assert_eq!(std::fs::read_to_string(md).unwrap(), "# Run\n");
    }

    #[test]
    fn timestamps_match_known_dates() {
        // Reference values: `date -u -d @SECS +%FT%TZ`.
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(4_107_542_399), "2100-02-28T23:59:59Z");
        let started = Provenance::start(["q"]).started_utc;
        assert_eq!(started.len(), 20);
        assert!(started.as_str() > "2024-01-01T00:00:00Z", "{started}");
    }
}
