//! Publication plots, each written twice: `<stem>.png` (raster, 1000×700) and `<stem>.svg`
//! (vector). Text uses the embedded DejaVu Sans (`assets/DejaVuSans.ttf`), registered with
//! plotters' `ab_glyph` backend, so rendering needs no system font library.
//!
//! Three kinds: [`line_plot`] (curves, linear or log axes), [`heatmap`] (a value on a 2-D
//! grid with a colour bar: Wigner functions, parameter maps) and [`bar_plot`] (populations).

mod bar;
mod heatmap;
mod line;

pub use bar::bar_plot;
pub use heatmap::{heatmap, Heatmap};
pub use line::{line_plot, LinePlot, Series};

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{ensure, Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;

/// The embedded font, DejaVu Sans (free licence, see the DejaVu fonts' LICENSE).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Pixel size of every figure (the SVG uses the same user units).
const SIZE: (u32, u32) = (1000, 700);

/// Font sizes in pixels: title, axis descriptions, tick and legend labels.
const TITLE_PX: u32 = 30;
const DESC_PX: u32 = 24;
const TICK_PX: u32 = 19;

/// Tableau-10 qualitative palette: distinct hues that survive greyscale printing reasonably.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Registers the embedded font under the family names plotters asks for (once per process).
fn register_fonts() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        ["sans-serif", "serif", "monospace"]
            .iter()
            .all(|family| register_font(family, FontStyle::Normal, FONT).is_ok())
    });
    ensure!(
        ok,
        "the embedded font assets/DejaVuSans.ttf could not be parsed"
    );
    Ok(())
}

/// `<stem>.<ext>`, keeping any dots already in the stem.
fn with_suffix(stem: &Path, ext: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// A figure that can be drawn on any plotters backend.
trait Figure {
    fn draw<DB>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static;
}

/// Draws the same figure on a PNG and an SVG backend.
fn render(stem: &Path, figure: &impl Figure) -> Result<()> {
    register_fonts()?;
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating directory {}", dir.display()))?;
    }
    let png = with_suffix(stem, "png");
    figure
        .draw(BitMapBackend::new(&png, SIZE).into_drawing_area())
        .with_context(|| format!("writing {}", png.display()))?;
    let svg = with_suffix(stem, "svg");
    figure
        .draw(SVGBackend::new(&svg, SIZE).into_drawing_area())
        .with_context(|| format!("writing {}", svg.display()))?;
    Ok(())
}

/// Tick label on an axis whose range spans `span` (0 for a log axis): values within
/// 1e-9 · span of zero are zero (a linear tick computed as 0.1·k − 0.3 is 0, not
/// −5.55e-17), then up to 10 significant digits (hiding float noise such as
/// 0.30000000000000004), plain for 1e-4 ≤ |v| < 1e5 and scientific otherwise.
fn tick_label(v: f64, span: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.abs() <= 1e-9 * span || v == 0.0 {
        return "0".into();
    }
    let rounded: f64 = format!("{v:.9e}").parse().unwrap_or(v);
    if (1e-4..1e5).contains(&rounded.abs()) {
        rounded.to_string()
    } else {
        format!("{rounded:e}")
    }
}

/// Test helpers shared by the plot modules.
#[cfg(test)]
mod testing {
    use super::*;

    /// A fresh directory under the system temp dir, unique to this test and process, removed
    /// on drop unless `QBATTERY_KEEP_TEST_PLOTS` is set (to look at the figures).
    pub(super) struct Scratch(pub(super) PathBuf);

    impl Scratch {
        pub(super) fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("qbattery-plot-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if std::env::var_os("QBATTERY_KEEP_TEST_PLOTS").is_none() {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    /// Both files exist; the PNG starts with the PNG signature and the SVG names `title`.
    pub(super) fn check_outputs(stem: &Path, title: &str) {
        let png = std::fs::read(with_suffix(stem, "png")).expect("png written");
        assert!(png.len() > 1000, "png too small: {} bytes", png.len());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = std::fs::read_to_string(with_suffix(stem, "svg")).expect("svg written");
        assert!(svg.contains(title), "svg lacks the title {title:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_hide_float_noise() {
        assert_eq!(tick_label(0.1 + 0.2, 1.0), "0.3");
        assert_eq!(tick_label(0.0, 1.0), "0");
        assert_eq!(tick_label(0.1 * 3.0 - 0.3, 0.6), "0");
        assert_eq!(tick_label(2.5e-7, 0.0), "2.5e-7");
        assert_eq!(tick_label(2.5e-7, 1e-6), "2.5e-7");
        assert_eq!(tick_label(1e6, 0.0), "1e6");
        assert_eq!(tick_label(-12.5, 30.0), "-12.5");
    }
}
