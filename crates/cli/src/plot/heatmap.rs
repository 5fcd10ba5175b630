//! Heatmaps: a scalar on a rectilinear grid as coloured cells with a colour bar.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{render, tick_label, Figure, DESC_PX, SIZE, TICK_PX, TITLE_PX};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testing::{check_outputs, Scratch};
    use crate::plot::with_suffix;

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
}
