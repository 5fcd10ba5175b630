//! Publication plots, each written twice: `<stem>.png` (raster, 1000×700) and `<stem>.svg`
//! (vector). Text uses the embedded DejaVu Sans (`assets/DejaVuSans.ttf`), registered with
//! plotters' `ab_glyph` backend, so rendering needs no system font library.
//!
//! Three kinds: [`line_plot`] (curves, linear or log axes), [`heatmap`] (a value on a 2-D
//! grid with a colour bar: Wigner functions, parameter maps) and [`bar_plot`] (populations).

use std::ffi::OsString;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{bail, ensure, Context, Result};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, SegmentValue, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// Sequential map: viridis sampled at 9 equally spaced points (matplotlib/R `viridis(9)`).
const VIRIDIS: [RGBColor; 9] = [
    RGBColor(68, 1, 84),
    RGBColor(71, 45, 123),
    RGBColor(59, 82, 139),
    RGBColor(44, 114, 142),
    RGBColor(33, 144, 140),
    RGBColor(39, 173, 129),
    RGBColor(93, 200, 99),
    RGBColor(170, 220, 50),
    RGBColor(253, 231, 37),
];

/// Diverging map: ColorBrewer RdBu (11 classes), blue for negative, white at zero, red for
/// positive.
const BLUE_WHITE_RED: [RGBColor; 11] = [
    RGBColor(5, 48, 97),
    RGBColor(33, 102, 172),
    RGBColor(67, 147, 195),
    RGBColor(146, 197, 222),
    RGBColor(209, 229, 240),
    RGBColor(247, 247, 247),
    RGBColor(253, 219, 199),
    RGBColor(244, 165, 130),
    RGBColor(214, 96, 77),
    RGBColor(178, 24, 43),
    RGBColor(103, 0, 31),
];

/// Width in pixels of a heatmap's colour-bar panel (bar, tick labels, z label).
const COLOUR_BAR_PX: u32 = 190;

/// Colour of heatmap cells whose value is not finite.
const NO_DATA: RGBColor = RGBColor(150, 150, 150);

/// Number of colour levels a heatmap is quantised to (adjacent equal cells are merged).
const LEVELS: usize = 256;

/// One curve of a [`LinePlot`]: `y[i]` against `x[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry (shown when the plot has more than one series).
    pub label: String,
    /// Abscissae; same length as `y`.
    pub x: Vec<f64>,
    /// Ordinates; same length as `x`.
    pub y: Vec<f64>,
}

/// A line plot: one or more [`Series`] on shared axes.
///
/// Points with a non-finite coordinate, and points with a non-positive coordinate on a log
/// axis, are skipped; the curve is broken there rather than bridged.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePlot {
    /// Title above the plot.
    pub title: String,
    /// Horizontal axis description, with units.
    pub x_label: String,
    /// Vertical axis description, with units.
    pub y_label: String,
    /// The curves, drawn in order with distinct colours.
    pub series: Vec<Series>,
    /// Logarithmic horizontal axis (e.g. "vs number of collisions").
    pub log_x: bool,
    /// Logarithmic vertical axis.
    pub log_y: bool,
}

/// A scalar field on a rectilinear grid, drawn as coloured cells with a colour bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Title above the plot.
    pub title: String,
    /// Horizontal axis description.
    pub x_label: String,
    /// Vertical axis description.
    pub y_label: String,
    /// Colour bar description (the quantity `z`).
    pub z_label: String,
    /// Grid abscissae, strictly monotonic, cell centres.
    pub x: Vec<f64>,
    /// Grid ordinates, strictly monotonic, cell centres.
    pub y: Vec<f64>,
    /// Values, `z[iy][ix]`: `y.len()` rows of `x.len()` values. Non-finite cells are grey.
    pub z: Vec<Vec<f64>>,
}

/// Writes `plot` to `<stem>.png` and `<stem>.svg`, creating the parent directory.
///
/// A legend is drawn when there is more than one series, in the corner of the plot that the
/// data cross least. Axis ranges cover the plotted points with 5 % padding (on log axes,
/// rounded out to whole decades when needed for two labelled powers of ten). Series 11–20
/// repeat the ten colours dashed. Points are marked when there are at most 40 per series.
///
/// Errors: no series, `x` and `y` of different lengths, no plottable point at all (e.g. only
/// non-positive values on a log axis), or a file that can not be written.
pub fn line_plot(stem: &Path, plot: &LinePlot) -> Result<()> {
    let what = || format!("line plot `{}`", plot.title);
    ensure!(!plot.series.is_empty(), "{}: no series to plot", what());
    for s in &plot.series {
        ensure!(
            s.x.len() == s.y.len(),
            "{}: series `{}` has {} x values but {} y values",
            what(),
            s.label,
            s.x.len(),
            s.y.len()
        );
    }
    let keep = |v: f64, log: bool| v.is_finite() && (!log || v > 0.0);
    let segments: Vec<Vec<Vec<(f64, f64)>>> = plot
        .series
        .iter()
        .map(|s| {
            let mut segs = vec![Vec::new()];
            for (&x, &y) in s.x.iter().zip(&s.y) {
                if keep(x, plot.log_x) && keep(y, plot.log_y) {
                    segs.last_mut().expect("never empty").push((x, y));
                } else if segs.last().is_some_and(|seg| !seg.is_empty()) {
                    segs.push(Vec::new());
                }
            }
            segs.retain(|seg| !seg.is_empty());
            segs
        })
        .collect();
    let points = || segments.iter().flatten().flatten();
    let Some(x_range) = axis_range(points().map(|p| p.0), plot.log_x) else {
        let log_note = if plot.log_x || plot.log_y {
            " (values ≤ 0 are skipped on a log axis)"
        } else {
            ""
        };
        bail!("{}: no finite point to plot{log_note}", what());
    };
    let y_range = axis_range(points().map(|p| p.1), plot.log_y).expect("x and y kept together");
    let legend = (plot.series.len() > 1).then(|| {
        let to_unit = |v: f64, r: &std::ops::Range<f64>, log: bool| {
            if log {
                (v.ln() - r.start.ln()) / (r.end.ln() - r.start.ln())
            } else {
                (v - r.start) / (r.end - r.start)
            }
        };
        let unit: Vec<Vec<(f64, f64)>> = segments
            .iter()
            .flatten()
            .map(|seg| {
                seg.iter()
                    .map(|&(x, y)| {
                        (
                            to_unit(x, &x_range, plot.log_x),
                            to_unit(y, &y_range, plot.log_y),
                        )
                    })
                    .collect()
            })
            .collect();
        // Legend box as a fraction of the plot area (about 850 × 545 px): rows of ~24 px,
        // characters of ~11 px after a 30 px line sample, plus margins.
        let longest = plot.series.iter().map(|s| s.label.chars().count()).max();
        let w = (longest.unwrap_or(0) as f64 * 11.0 + 90.0) / 850.0;
        let h = (plot.series.len() as f64 * 24.0 + 45.0) / 545.0;
        legend_corner(&unit, (w.min(0.9), h.min(0.9)))
    });
    let figure = LineFigure {
        plot,
        segments: &segments,
        x_range,
        y_range,
        legend,
    };
    render(stem, &figure).with_context(what)
}

/// Writes `map` to `<stem>.png` and `<stem>.svg`, creating the parent directory.
///
/// Cells are centred on the grid points and extend halfway to their neighbours. When `z`
/// takes both signs the colour map is diverging (blue–white–red) and symmetric about zero,
/// so that negative regions of a Wigner function stand out; otherwise it is sequential
/// (viridis) from min z to max z. Colours are quantised to 256 levels. Non-finite values are
/// drawn grey.
///
/// Errors: empty or non-monotonic grid, non-finite grid coordinates, `z` not
/// `y.len()` × `x.len()`, no finite `z` at all, or a file that can not be written.
pub fn heatmap(stem: &Path, map: &Heatmap) -> Result<()> {
    let what = || format!("heatmap `{}`", map.title);
    let x_edges = cell_edges(&map.x).with_context(|| format!("{}: x grid", what()))?;
    let y_edges = cell_edges(&map.y).with_context(|| format!("{}: y grid", what()))?;
    ensure!(
        map.z.len() == map.y.len(),
        "{}: z has {} rows but y has {} values",
        what(),
        map.z.len(),
        map.y.len()
    );
    if let Some((iy, row)) = map
        .z
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != map.x.len())
    {
        bail!(
            "{}: z row {iy} has {} values but x has {}",
            what(),
            row.len(),
            map.x.len()
        );
    }
    let finite = || map.z.iter().flatten().copied().filter(|v| v.is_finite());
    let Some((lo, hi)) = finite().fold(None, |acc: Option<(f64, f64)>, v| {
        Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
    }) else {
        bail!("{}: no finite z value", what());
    };
    let scale = ColourScale::for_data(lo, hi);
    let figure = HeatFigure {
        map,
        x_edges: &x_edges,
        y_edges: &y_edges,
        scale: &scale,
    };
    render(stem, &figure).with_context(what)
}

/// Writes a bar chart of `values` (label, height) to `<stem>.png` and `<stem>.svg`, e.g.
/// level populations with the level index as label. Bars start at zero; negative values
/// hang below it.
///
/// Errors: no values, a non-finite value (named by its label), or a file that can not be
/// written.
pub fn bar_plot<L: Display>(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    values: &[(L, f64)],
) -> Result<()> {
    let what = || format!("bar plot `{title}`");
    ensure!(!values.is_empty(), "{}: no values", what());
    if let Some((label, v)) = values.iter().find(|(_, v)| !v.is_finite()) {
        bail!("{}: bar `{label}` has the non-finite value {v}", what());
    }
    let labels: Vec<String> = values.iter().map(|(l, _)| l.to_string()).collect();
    let heights: Vec<f64> = values.iter().map(|&(_, v)| v).collect();
    let figure = BarFigure {
        title,
        x_label,
        y_label,
        labels: &labels,
        heights: &heights,
    };
    render(stem, &figure).with_context(what)
}

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

/// Plot range covering `values`, padded by 5 % of the span (of the log span on log axes,
/// rounded out to whole decades when fewer than two powers of ten would be inside); `None`
/// when there are no values.
fn axis_range(values: impl Iterator<Item = f64>, log: bool) -> Option<std::ops::Range<f64>> {
    let (lo, hi) = values.fold(None, |acc: Option<(f64, f64)>, v| {
        Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
    })?;
    Some(if log {
        let (l0, l1) = (lo.log10(), hi.log10());
        let pad = if l1 > l0 { 0.05 * (l1 - l0) } else { 0.5 };
        let (a, b) = (l0 - pad, l1 + pad);
        // plotters labels the powers of ten inside a log range: keep at least two.
        if b.floor() - a.ceil() >= 1.0 {
            10f64.powf(a)..10f64.powf(b)
        } else {
            10f64.powf(a.floor())..10f64.powf(b.ceil())
        }
    } else {
        let pad = if hi > lo {
            0.05 * (hi - lo)
        } else if lo != 0.0 {
            0.1 * lo.abs()
        } else {
            1.0
        };
        (lo - pad)..(hi + pad)
    })
}

/// The legend corner that the data cross least, for a legend box of `(w, h)` axis fractions.
/// `unit` holds the curves in axis-fraction coordinates (0..1 each way); segments are
/// sampled between points so that a line passing through a corner counts even without a
/// data point there.
fn legend_corner(unit: &[Vec<(f64, f64)>], (w, h): (f64, f64)) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, 1.0 - w, 1.0 - h),
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0 - h),
        (SeriesLabelPosition::LowerRight, 1.0 - w, 0.0),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
    ];
    let mut samples = Vec::new();
    for seg in unit {
        samples.extend(seg.first().copied());
        for pair in seg.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            samples.extend((1..=16).map(|k| {
                let t = f64::from(k) / 16.0;
                (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            }));
        }
    }
    let hits = |x0: f64, y0: f64| {
        samples
            .iter()
            .filter(|&&(x, y)| (x0..=x0 + w).contains(&x) && (y0..=y0 + h).contains(&y))
            .count()
    };
    corners
        .into_iter()
        .min_by_key(|&(_, x0, y0)| hits(x0, y0))
        .map(|(pos, _, _)| pos)
        .expect("four corners")
}

/// Style of series `i`: colour from the palette, solid for the first ten, then dashed.
fn series_colour(i: usize) -> (RGBColor, bool) {
    (PALETTE[i % PALETTE.len()], (i / PALETTE.len()) % 2 == 1)
}

/// A checked [`LinePlot`]: curves split at skipped points, axis ranges, legend corner.
struct LineFigure<'a> {
    plot: &'a LinePlot,
    segments: &'a [Vec<Vec<(f64, f64)>>],
    x_range: std::ops::Range<f64>,
    y_range: std::ops::Range<f64>,
    legend: Option<SeriesLabelPosition>,
}

impl Figure for LineFigure<'_> {
    fn draw<DB>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (x, y) = (self.x_range.clone(), self.y_range.clone());
        match (self.plot.log_x, self.plot.log_y) {
            (false, false) => self.draw_on(root, x, y),
            (true, false) => self.draw_on(root, x.log_scale(), y),
            (false, true) => self.draw_on(root, x, y.log_scale()),
            (true, true) => self.draw_on(root, x.log_scale(), y.log_scale()),
        }
    }
}

impl LineFigure<'_> {
    fn draw_on<DB, X, Y>(&self, root: DrawingArea<DB, Shift>, x: X, y: Y) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let (plot, segments, legend) = (self.plot, self.segments, self.legend.clone());
        let span = |r: &std::ops::Range<f64>, log: bool| if log { 0.0 } else { r.end - r.start };
        let (x_span, y_span) = (
            span(&self.x_range, plot.log_x),
            span(&self.y_range, plot.log_y),
        );
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&plot.title, ("sans-serif", TITLE_PX))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_desc(&plot.x_label)
            .y_desc(&plot.y_label)
            .axis_desc_style(("sans-serif", DESC_PX))
            .label_style(("sans-serif", TICK_PX))
            .x_label_formatter(&|v| tick_label(*v, x_span))
            .y_label_formatter(&|v| tick_label(*v, y_span))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()?;
        let markers = segments.iter().flatten().flatten().count() <= 40 * segments.len();
        for (i, (series, segs)) in plot.series.iter().zip(segments).enumerate() {
            let (colour, dashed) = series_colour(i);
            let style = colour.stroke_width(3);
            // An empty series carries the legend entry, even for a curve with no finite point.
            let anno = chart.draw_series(LineSeries::new(std::iter::empty(), style))?;
            if legend.is_some() {
                anno.label(&series.label)
                    .legend(move |(px, py)| PathElement::new(vec![(px, py), (px + 20, py)], style));
            }
            for seg in segs {
                if dashed {
                    chart.draw_series(DashedLineSeries::new(seg.iter().copied(), 12, 6, style))?;
                } else {
                    chart.draw_series(LineSeries::new(seg.iter().copied(), style))?;
                }
                if markers {
                    chart.draw_series(seg.iter().map(|&p| Circle::new(p, 4, colour.filled())))?;
                }
            }
        }
        if let Some(position) = legend {
            chart
                .configure_series_labels()
                .position(position)
                .margin(15)
                .label_font(("sans-serif", TICK_PX))
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.4))
                .draw()?;
        }
        root.present()?;
        Ok(())
    }
}

/// Cell edges for cell centres `c` (strictly monotonic, finite): midpoints between
/// neighbours, the outer edges mirrored; a single centre gets a unit-wide cell.
fn cell_edges(c: &[f64]) -> Result<Vec<f64>> {
    ensure!(!c.is_empty(), "no grid points");
    if let Some(v) = c.iter().find(|v| !v.is_finite()) {
        bail!("grid coordinate {v} is not finite");
    }
    if c.len() == 1 {
        return Ok(vec![c[0] - 0.5, c[0] + 0.5]);
    }
    let up = c[1] > c[0];
    if let Some(w) = c.windows(2).find(|w| (w[1] > w[0]) != up || w[1] == w[0]) {
        bail!("grid is not strictly monotonic ({} then {})", w[0], w[1]);
    }
    let n = c.len();
    let mut edges = Vec::with_capacity(n + 1);
    edges.push(c[0] - 0.5 * (c[1] - c[0]));
    edges.extend(c.windows(2).map(|w| 0.5 * (w[0] + w[1])));
    edges.push(c[n - 1] + 0.5 * (c[n - 1] - c[n - 2]));
    Ok(edges)
}

/// Maps values to colours: a linear map of `lo..hi` onto one of the two colour maps.
#[derive(Debug, Clone, PartialEq)]
struct ColourScale {
    lo: f64,
    hi: f64,
    diverging: bool,
}

impl ColourScale {
    /// Diverging and symmetric about zero when the data take both signs, sequential otherwise;
    /// a constant field gets a small range around its value.
    fn for_data(lo: f64, hi: f64) -> Self {
        if lo < 0.0 && hi > 0.0 {
            let m = lo.abs().max(hi);
            return Self {
                lo: -m,
                hi: m,
                diverging: true,
            };
        }
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            let pad = if lo != 0.0 { 0.05 * lo.abs() } else { 0.5 };
            (lo - pad, hi + pad)
        };
        Self {
            lo,
            hi,
            diverging: false,
        }
    }

    /// Quantised level in `0..LEVELS`, or `None` for a non-finite value.
    fn level(&self, v: f64) -> Option<usize> {
        v.is_finite().then(|| {
            let t = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
            ((t * LEVELS as f64) as usize).min(LEVELS - 1)
        })
    }

    /// Colour of a level (`None`: no data).
    fn colour(&self, level: Option<usize>) -> RGBColor {
        let Some(level) = level else {
            return NO_DATA;
        };
        let anchors: &[RGBColor] = if self.diverging {
            &BLUE_WHITE_RED
        } else {
            &VIRIDIS
        };
        let t = (level as f64 + 0.5) / LEVELS as f64 * (anchors.len() - 1) as f64;
        let k = (t.floor() as usize).min(anchors.len() - 2);
        let f = t - k as f64;
        let mix = |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
        let (a, b) = (anchors[k], anchors[k + 1]);
        RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

/// Range spanned by a list of edges, ascending.
fn edge_range(edges: &[f64]) -> std::ops::Range<f64> {
    let (a, b) = (edges[0], edges[edges.len() - 1]);
    a.min(b)..a.max(b)
}

/// A checked [`Heatmap`] with its cell edges and colour scale.
struct HeatFigure<'a> {
    map: &'a Heatmap,
    x_edges: &'a [f64],
    y_edges: &'a [f64],
    scale: &'a ColourScale,
}

impl Figure for HeatFigure<'_> {
    fn draw<DB>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (map, x_edges, y_edges, scale) = (self.map, self.x_edges, self.y_edges, self.scale);
        root.fill(&WHITE)?;
        let (main, bar) = root.split_horizontally(SIZE.0 - COLOUR_BAR_PX);
        let x_span = x_edges[x_edges.len() - 1] - x_edges[0];
        let y_span = y_edges[y_edges.len() - 1] - y_edges[0];
        let mut chart = ChartBuilder::on(&main)
            .caption(&map.title, ("sans-serif", TITLE_PX))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(edge_range(x_edges), edge_range(y_edges))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&map.x_label)
            .y_desc(&map.y_label)
            .axis_desc_style(("sans-serif", DESC_PX))
            .label_style(("sans-serif", TICK_PX))
            .x_label_formatter(&|v| tick_label(*v, x_span.abs()))
            .y_label_formatter(&|v| tick_label(*v, y_span.abs()))
            .draw()?;
        // One rectangle per run of equal colour level along each row keeps the SVG small.
        let mut cells = Vec::new();
        for (iy, row) in map.z.iter().enumerate() {
            let mut ix = 0;
            while ix < row.len() {
                let level = scale.level(row[ix]);
                let mut end = ix + 1;
                while end < row.len() && scale.level(row[end]) == level {
                    end += 1;
                }
                cells.push(Rectangle::new(
                    [(x_edges[ix], y_edges[iy]), (x_edges[end], y_edges[iy + 1])],
                    scale.colour(level).filled(),
                ));
                ix = end;
            }
        }
        chart.draw_series(cells)?;
        // Redraw the frame over the cells.
        let (xr, yr) = (chart.x_range(), chart.y_range());
        chart.draw_series(std::iter::once(Rectangle::new(
            [(xr.start, yr.start), (xr.end, yr.end)],
            BLACK.stroke_width(1),
        )))?;

        // The caption " " reserves the same height as the main title, aligning the two frames.
        let mut bar_chart = ChartBuilder::on(&bar)
            .caption(" ", ("sans-serif", TITLE_PX))
            .margin_top(20)
            .margin_bottom(20)
            .margin_left(10)
            .margin_right(36)
            .x_label_area_size(70)
            .right_y_label_area_size(100)
            .build_cartesian_2d(0.0..1.0, scale.lo..scale.hi)?;
        let z_span = scale.hi - scale.lo;
        bar_chart
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .set_tick_mark_size(LabelAreaPosition::Right, 6)
            .label_style(("sans-serif", TICK_PX))
            .y_label_formatter(&|v| tick_label(*v, z_span))
            .draw()?;
        let step = (scale.hi - scale.lo) / LEVELS as f64;
        bar_chart.draw_series((0..LEVELS).map(|k| {
            let z0 = scale.lo + step * k as f64;
            Rectangle::new(
                [(0.0, z0), (1.0, z0 + step)],
                scale.colour(Some(k)).filled(),
            )
        }))?;
        bar_chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, scale.lo), (1.0, scale.hi)],
            BLACK.stroke_width(1),
        )))?;
        // The z label, rotated like a y label, in the right margin beside the tick labels.
        let frame = bar_chart.plotting_area().get_pixel_range().1;
        let top = bar.get_pixel_range().1.start;
        let centre = (frame.start + frame.end) / 2 - top;
        let font = ("sans-serif", DESC_PX)
            .into_font()
            .transform(FontTransform::Rotate270);
        let style = TextStyle::from(font).pos(Pos::new(HPos::Center, VPos::Center));
        let x = i32::try_from(COLOUR_BAR_PX).expect("small") - 22;
        bar.draw(&Text::new(map.z_label.as_str(), (x, centre), style))?;
        root.present()?;
        Ok(())
    }
}

/// A checked bar chart.
struct BarFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    labels: &'a [String],
    heights: &'a [f64],
}

impl Figure for BarFigure<'_> {
    fn draw<DB>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (text, labels, heights) = (self, self.labels, self.heights);
        root.fill(&WHITE)?;
        let lo = heights.iter().copied().fold(0.0, f64::min);
        let hi = heights.iter().copied().fold(0.0, f64::max);
        let pad = if hi > lo { 0.05 * (hi - lo) } else { 1.0 };
        let y_lo = if lo < 0.0 { lo - pad } else { 0.0 };
        let y_span = hi + pad - y_lo;
        let n = i32::try_from(labels.len()).context("too many bars")?;
        let mut chart = ChartBuilder::on(&root)
            .caption(text.title, ("sans-serif", TITLE_PX))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d((0..n).into_segmented(), y_lo..hi + pad)?;
        let x_label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => usize::try_from(*i)
                .ok()
                .and_then(|i| labels.get(i))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(text.x_label)
            .y_desc(text.y_label)
            .axis_desc_style(("sans-serif", DESC_PX))
            .label_style(("sans-serif", TICK_PX))
            .x_labels(labels.len().min(30))
            .x_label_formatter(&x_label)
            .y_label_formatter(&|v| tick_label(*v, y_span))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()?;
        // Gaps between bars: 4 px, less when there are so many bars that they would vanish.
        let gap = (80.0 / labels.len() as f64).min(4.0) as u32;
        chart.draw_series((0..n).zip(heights).map(|(i, &v)| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), v),
                ],
                PALETTE[0].filled(),
            );
            bar.set_margin(0, 0, gap, gap);
            bar
        }))?;
        root.present()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system temp dir, unique to this test and process, removed
    /// on drop unless `QBATTERY_KEEP_TEST_PLOTS` is set (to look at the figures).
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
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
    fn check_outputs(stem: &Path, title: &str) {
        let png = std::fs::read(with_suffix(stem, "png")).expect("png written");
        assert!(png.len() > 1000, "png too small: {} bytes", png.len());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = std::fs::read_to_string(with_suffix(stem, "svg")).expect("svg written");
        assert!(svg.contains(title), "svg lacks the title {title:?}");
    }

    fn damped(label: &str, rate: f64) -> Series {
        let x: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.05).collect();
        let y = x
            .iter()
            .map(|t| (-rate * t).exp() * (3.0 * t).cos())
            .collect();
        Series {
            label: label.into(),
            x,
            y,
        }
    }

    #[test]
    fn line_plot_writes_png_and_svg() {
        let scratch = Scratch::new("line");
        let dir = &scratch.0;
        let plot = LinePlot {
            title: "Damped Rabi oscillation".into(),
            x_label: "time t (1/ω₀)".into(),
            y_label: "⟨σz⟩".into(),
            series: vec![damped("γ = 0.1", 0.1), damped("γ = 0.5", 0.5)],
            log_x: false,
            log_y: false,
        };
        let stem = dir.join("rabi");
        line_plot(&stem, &plot).unwrap();
        check_outputs(&stem, "Damped Rabi oscillation");
        let svg = std::fs::read_to_string(with_suffix(&stem, "svg")).unwrap();
        assert!(svg.contains("γ = 0.5"), "legend entry missing");
    }

    #[test]
    fn log_axes_skip_non_positive_points() {
        let scratch = Scratch::new("log");
        let dir = &scratch.0;
        // E(n) = 1 − (1 − p)^n, zero at n = 0: that point can not sit on a log axis.
        let n: Vec<f64> = (0..=300).map(f64::from).collect();
        let series = [0.3, 0.03, 0.003]
            .iter()
            .map(|&p: &f64| Series {
                label: format!("p = {p}"),
                x: n.clone(),
                y: n.iter().map(|&k| 1.0 - (1.0 - p).powf(k)).collect(),
            })
            .collect();
        let plot = LinePlot {
            title: "Energy vs collisions".into(),
            x_label: "collisions n".into(),
            y_label: "E_n / ω".into(),
            series,
            log_x: true,
            log_y: true,
        };
        let stem = dir.join("energy");
        line_plot(&stem, &plot).unwrap();
        check_outputs(&stem, "Energy vs collisions");
        // Each curve is one polyline of the 300 points with n ≥ 1.
        let svg = std::fs::read_to_string(with_suffix(&stem, "svg")).unwrap();
        let curve = r##"stroke="#1F77B4" stroke-width="3" points=""##;
        let start = svg.find(curve).expect("first curve") + curve.len();
        let points = svg[start..].split('"').next().unwrap();
        assert_eq!(points.split_whitespace().count(), 300);
    }

    #[test]
    fn no_plottable_point_is_an_error() {
        let scratch = Scratch::new("empty");
        let dir = &scratch.0;
        let plot = LinePlot {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                label: "s".into(),
                x: vec![1.0, 2.0, 3.0],
                y: vec![0.0, -1.0, f64::NAN],
            }],
            log_x: false,
            log_y: true,
        };
        let err = line_plot(&dir.join("bad"), &plot).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("no finite point") && msg.contains("log axis"),
            "{msg}"
        );
        assert!(!with_suffix(&dir.join("bad"), "png").exists());

        let ragged = LinePlot {
            series: vec![Series {
                label: "ragged".into(),
                x: vec![1.0, 2.0],
                y: vec![1.0],
            }],
            log_y: false,
            ..plot
        };
        let msg = format!("{:#}", line_plot(&dir.join("bad"), &ragged).unwrap_err());
        assert!(
            msg.contains("`ragged` has 2 x values but 1 y values"),
            "{msg}"
        );
    }

    #[test]
    fn non_finite_points_break_the_curve() {
        let scratch = Scratch::new("gap");
        let dir = &scratch.0;
        let plot = LinePlot {
            title: "gap".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                label: "s".into(),
                x: vec![0.0, 1.0, 2.0, 3.0, 4.0],
                y: vec![0.0, 1.0, f64::NAN, 3.0, 4.0],
            }],
            log_x: false,
            log_y: false,
        };
        line_plot(&dir.join("gap"), &plot).unwrap();
        // Two polylines (0–1 and 3–4), none bridging the NaN.
        let svg = std::fs::read_to_string(dir.join("gap.svg")).unwrap();
        let curve = r##"<polyline fill="none" opacity="1" stroke="#1F77B4" stroke-width="3""##;
        assert_eq!(svg.matches(curve).count(), 2);
    }

    #[test]
    fn axis_ranges_pad_and_round_decades() {
        let r = axis_range([0.0, 10.0].into_iter(), false).unwrap();
        assert!((r.start + 0.5).abs() < 1e-12 && (r.end - 10.5).abs() < 1e-12);
        let r = axis_range([3.0, 3.0].into_iter(), false).unwrap();
        assert!(r.start < 3.0 && r.end > 3.0);
        let r = axis_range([2.0, 8.0].into_iter(), true).unwrap();
        assert_eq!((r.start, r.end), (1.0, 10.0));
        let r = axis_range([1e-3, 1e2].into_iter(), true).unwrap();
        let (lo, hi) = (10f64.powf(-3.25), 10f64.powf(2.25));
        assert!((r.start / lo - 1.0).abs() < 1e-12 && (r.end / hi - 1.0).abs() < 1e-12);
        let r = axis_range([2.0, 30.0].into_iter(), true).unwrap();
        assert_eq!((r.start, r.end), (1.0, 100.0));
        assert!(axis_range(std::iter::empty(), false).is_none());
    }

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

    #[test]
    fn legend_avoids_the_data() {
        // A curve rising along the diagonal leaves the upper-left and lower-right corners free;
        // one filling the top half leaves the lower corners.
        let diagonal = vec![(0..=10)
            .map(|i| (f64::from(i) / 10.0, f64::from(i) / 10.0))
            .collect()];
        assert!(matches!(
            legend_corner(&diagonal, (0.4, 0.2)),
            SeriesLabelPosition::UpperLeft | SeriesLabelPosition::LowerRight
        ));
        let top = vec![(0..=10).map(|i| (f64::from(i) / 10.0, 0.9)).collect()];
        assert!(matches!(
            legend_corner(&top, (0.4, 0.2)),
            SeriesLabelPosition::LowerRight | SeriesLabelPosition::LowerLeft
        ));
    }

    fn wigner_like(n: usize) -> Heatmap {
        let grid: Vec<f64> = (0..n)
            .map(|i| -3.0 + 6.0 * i as f64 / (n - 1) as f64)
            .collect();
        // W of the Fock state |1⟩: (2/π)(2r² − 1) e^{−r²}·… (shape only; negative at the origin).
        let z = grid
            .iter()
            .map(|&p| {
                grid.iter()
                    .map(|&x| {
                        let r2 = x * x + p * p;
                        (2.0 * r2 - 1.0) * (-r2).exp() / std::f64::consts::PI
                    })
                    .collect()
            })
            .collect();
        Heatmap {
            title: "Wigner function".into(),
            x_label: "x".into(),
            y_label: "p".into(),
            z_label: "W(x, p)".into(),
            x: grid.clone(),
            y: grid,
            z,
        }
    }

    #[test]
    fn heatmap_writes_png_and_svg() {
        let scratch = Scratch::new("heat");
        let dir = &scratch.0;
        let stem = dir.join("wigner");
        heatmap(&stem, &wigner_like(61)).unwrap();
        check_outputs(&stem, "Wigner function");
        let svg = std::fs::read_to_string(with_suffix(&stem, "svg")).unwrap();
        assert!(svg.contains("W(x, p)"), "colour bar label missing");
    }

    #[test]
    fn heatmap_rejects_bad_grids() {
        let scratch = Scratch::new("heat-bad");
        let dir = &scratch.0;
        let mut map = wigner_like(5);
        map.z[2].pop();
        let msg = format!("{:#}", heatmap(&dir.join("a"), &map).unwrap_err());
        assert!(msg.contains("z row 2 has 4 values but x has 5"), "{msg}");
        let mut map = wigner_like(5);
        map.x[3] = map.x[1];
        let msg = format!("{:#}", heatmap(&dir.join("a"), &map).unwrap_err());
        assert!(msg.contains("not strictly monotonic"), "{msg}");
        let mut map = wigner_like(3);
        map.z = vec![vec![f64::NAN; 3]; 3];
        let msg = format!("{:#}", heatmap(&dir.join("a"), &map).unwrap_err());
        assert!(msg.contains("no finite z"), "{msg}");
    }

    #[test]
    fn cell_edges_are_midpoints() {
        assert_eq!(
            cell_edges(&[0.0, 1.0, 3.0]).unwrap(),
            vec![-0.5, 0.5, 2.0, 4.0]
        );
        assert_eq!(cell_edges(&[2.0, 1.0]).unwrap(), vec![2.5, 1.5, 0.5]);
        assert_eq!(cell_edges(&[7.0]).unwrap(), vec![6.5, 7.5]);
        assert!(cell_edges(&[]).is_err());
        assert!(cell_edges(&[0.0, f64::INFINITY]).is_err());
    }

    #[test]
    fn colour_scales() {
        // Both signs: symmetric, diverging, zero maps to (nearly) white.
        let s = ColourScale::for_data(-0.1, 0.3);
        assert_eq!((s.lo, s.hi, s.diverging), (-0.3, 0.3, true));
        let white = s.colour(s.level(0.0));
        assert!(white.0 > 235 && white.1 > 235 && white.2 > 235, "{white:?}");
        assert!(
            s.colour(s.level(-0.3)).2 > s.colour(s.level(-0.3)).0,
            "negative is blue"
        );
        assert!(
            s.colour(s.level(0.3)).0 > s.colour(s.level(0.3)).2,
            "positive is red"
        );
        // One sign: sequential from min to max, ends at the viridis ends.
        let s = ColourScale::for_data(0.2, 0.7);
        assert_eq!((s.lo, s.hi, s.diverging), (0.2, 0.7, false));
        assert_eq!(s.level(0.2), Some(0));
        assert_eq!(s.level(0.7), Some(LEVELS - 1));
        assert_eq!(s.level(f64::NAN), None);
        assert_eq!(s.colour(None), NO_DATA);
        let (c0, c1) = (s.colour(Some(0)), s.colour(Some(LEVELS - 1)));
        assert!(
            c0.0.abs_diff(68) <= 2 && c1.1.abs_diff(231) <= 2,
            "{c0:?} {c1:?}"
        );
        // Constant field: a non-empty range around the value.
        let s = ColourScale::for_data(0.0, 0.0);
        assert!(s.lo < 0.0 && s.hi > 0.0 && !s.diverging);
    }

    #[test]
    fn bar_plot_writes_and_checks_values() {
        let scratch = Scratch::new("bars");
        let dir = &scratch.0;
        let pops: Vec<(usize, f64)> = (0..12)
            .map(|n| {
                (
                    n,
                    (-2.0f64).exp() * 2f64.powi(n as i32) / (1..=n).product::<usize>() as f64,
                )
            })
            .collect();
        let stem = dir.join("populations");
        bar_plot(&stem, "Fock populations", "n", "P(n)", &pops).unwrap();
        check_outputs(&stem, "Fock populations");
        let bad = [("a", 0.5), ("b", f64::NAN)];
        let msg = format!("{:#}", bar_plot(&stem, "t", "x", "y", &bad).unwrap_err());
        assert!(msg.contains("bar `b`"), "{msg}");
    }
}
