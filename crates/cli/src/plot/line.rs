//! Line plots: curves on linear or logarithmic axes, paired with their references, with a
//! legend placed off the data.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{render, tick_label, Figure, DESC_PX, PALETTE, TICK_PX, TITLE_PX};

/// One curve of a [`LinePlot`]: `y[i]` against `x[i]`, drawn as its [`Role`] says.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry (shown when the plot has more than one series).
    pub label: String,
    /// Abscissae; same length as `y`.
    pub x: Vec<f64>,
    /// Ordinates; same length as `x`.
    pub y: Vec<f64>,
    /// How the curve is drawn.
    pub role: Role,
}

/// How a [`Series`] is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// A curve of its own: the next of ten colours, solid; the 11th–20th curves repeat
    /// the colours dashed, the 21st–30th dotted.
    #[default]
    Curve,
    /// The counterpart of the curve before it (the paper's curve beside ours, a closed
    /// form beside the numbers): the same colour, the next line pattern, thinner.
    Reference,
    /// A guide such as a bound or a limit: black, dotted.
    Guide,
}

impl Series {
    /// A curve of its own ([`Role::Curve`]).
    pub fn new(label: String, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self {
            label,
            x,
            y,
            role: Role::Curve,
        }
    }

    /// The counterpart of the series pushed before it ([`Role::Reference`]).
    pub fn reference(label: String, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self {
            role: Role::Reference,
            ..Self::new(label, x, y)
        }
    }

    /// A bound or limit ([`Role::Guide`]).
    pub fn guide(label: String, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self {
            role: Role::Guide,
            ..Self::new(label, x, y)
        }
    }
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

/// Writes `plot` to `<stem>.png` and `<stem>.svg`, creating the parent directory.
///
/// A legend is drawn when there is more than one series: in a corner of the plot that no
/// data cross, or right of the plot (which narrows) when every corner would cover data.
/// Axis ranges cover the plotted points with 5 % padding (on log axes, rounded out to whole
/// decades when needed for two labelled powers of ten). Each series is drawn as its
/// [`Role`] says: curves in ten colours, solid, then dashed, then dotted (30 distinct); a
/// reference in its curve's colour with the next pattern; guides black and dotted. Points
/// are marked when there are at most 40 per series.
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
        // The box sits LEGEND_MARGIN_PX inside the corner: test the corner with it.
        let (w, h) = legend_box(&plot.series);
        let m = f64::from(2 * LEGEND_MARGIN_PX);
        legend_placement(&unit, ((w + m) / PLOT_PX.0, (h + m) / PLOT_PX.1))
    });
    let legend = legend.map_or(Legend::None, |p| p.map_or(Legend::Outside, Legend::Inside));
    let figure = LineFigure {
        plot,
        segments: &segments,
        x_range,
        y_range,
        legend,
    };
    render(stem, &figure).with_context(what)
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

/// Approximate pixel size of the plotting area inside a figure (axes and title excluded).
const PLOT_PX: (f64, f64) = (850.0, 545.0);

/// Legend rows: the line sample's length, the gap before the label, a character's mean
/// width at the tick font, and the box's inner margin, in pixels.
const SAMPLE_PX: i32 = 34;
const GAP_PX: i32 = 10;
const CHAR_PX: f64 = 10.5;
const PAD_PX: i32 = 10;
/// Gap between a legend inside the plot and the plot's edges.
const LEGEND_MARGIN_PX: i32 = 12;

/// Height of one legend row for `n` rows in at most `room` pixels (24 px, less for
/// very many rows).
fn row_px(n: usize, room: i32) -> i32 {
    (room / n.max(1) as i32).clamp(12, 24)
}

/// The legend box's (width, height) in pixels: the longest label after a line sample,
/// one row per series.
fn legend_box(series: &[Series]) -> (f64, f64) {
    let longest = series.iter().map(|s| s.label.chars().count()).max();
    let w = longest.unwrap_or(0) as f64 * CHAR_PX + f64::from(SAMPLE_PX + GAP_PX + 2 * PAD_PX);
    let h = series.len() as f64 * 24.0 + f64::from(2 * PAD_PX);
    (w, h)
}

/// A corner of the plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corner {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
}

/// Where the legend goes: the corner that no data cross, for a legend box of `(w, h)`
/// axis fractions, or `None` (outside, right of the plot) when every corner would cover
/// data or the box is too large for a corner. `unit` holds the curves in axis-fraction
/// coordinates (0..1 each way); segments are sampled between points so that a line
/// passing through a corner counts even without a data point there.
fn legend_placement(unit: &[Vec<(f64, f64)>], (w, h): (f64, f64)) -> Option<Corner> {
    if w > 0.6 || h > 0.6 {
        return None;
    }
    let corners = [
        (Corner::UpperRight, 1.0 - w, 1.0 - h),
        (Corner::UpperLeft, 0.0, 1.0 - h),
        (Corner::LowerRight, 1.0 - w, 0.0),
        (Corner::LowerLeft, 0.0, 0.0),
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
    let crossed = |x0: f64, y0: f64| {
        samples
            .iter()
            .any(|&(x, y)| (x0..=x0 + w).contains(&x) && (y0..=y0 + h).contains(&y))
    };
    corners
        .into_iter()
        .find(|&(_, x0, y0)| !crossed(x0, y0))
        .map(|(corner, _, _)| corner)
}

/// A line pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Solid,
    Dashed,
    Dotted,
}

impl Pattern {
    const ALL: [Pattern; 3] = [Pattern::Solid, Pattern::Dashed, Pattern::Dotted];

    /// The pattern a reference curve takes beside a curve drawn with `self`.
    fn next(self) -> Self {
        match self {
            Pattern::Solid => Pattern::Dashed,
            Pattern::Dashed => Pattern::Dotted,
            Pattern::Dotted => Pattern::Solid,
        }
    }

    /// (dash, gap) lengths in pixels of a broken pattern.
    fn dash(self) -> Option<(u32, u32)> {
        match self {
            Pattern::Solid => None,
            Pattern::Dashed => Some((12, 6)),
            Pattern::Dotted => Some((3, 5)),
        }
    }

    /// The x-intervals of a legend sample `len` pixels long.
    fn sample(self, len: i32) -> Vec<(i32, i32)> {
        let Some((dash, gap)) = self.dash() else {
            return vec![(0, len)];
        };
        let (dash, period) = (dash as i32, (dash + gap) as i32);
        (0..len)
            .step_by(period as usize)
            .map(|x| (x, (x + dash).min(len)))
            .collect()
    }
}

/// How one series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stroke {
    colour: RGBColor,
    pattern: Pattern,
    width: u32,
}

/// The strokes of `series` by [`Role`]: curves take the palette's colours in order and,
/// after every ten, the next pattern; a reference takes its curve's colour and the next
/// pattern; guides are black and dotted.
fn strokes(series: &[Series]) -> Vec<Stroke> {
    let mut curves = 0;
    let curve = |curves: &mut usize| {
        let k = *curves;
        *curves += 1;
        Stroke {
            colour: PALETTE[k % PALETTE.len()],
            pattern: Pattern::ALL[(k / PALETTE.len()) % Pattern::ALL.len()],
            width: 3,
        }
    };
    let mut last: Option<Stroke> = None;
    series
        .iter()
        .map(|s| match s.role {
            Role::Curve => {
                let st = curve(&mut curves);
                last = Some(st);
                st
            }
            Role::Reference => {
                let of = *last.get_or_insert_with(|| curve(&mut curves));
                Stroke {
                    pattern: of.pattern.next(),
                    width: 2,
                    ..of
                }
            }
            Role::Guide => Stroke {
                colour: BLACK,
                pattern: Pattern::Dotted,
                width: 2,
            },
        })
        .collect()
}

/// A checked [`LinePlot`]: curves split at skipped points, axis ranges, legend corner.
struct LineFigure<'a> {
    plot: &'a LinePlot,
    segments: &'a [Vec<Vec<(f64, f64)>>],
    x_range: std::ops::Range<f64>,
    y_range: std::ops::Range<f64>,
    legend: Legend,
}

/// Where a figure's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Legend {
    /// One series: no legend.
    None,
    /// In a corner the data leave free.
    Inside(Corner),
    /// Right of the plot, which narrows to make room.
    Outside,
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
        let (plot, segments) = (self.plot, self.segments);
        let span = |r: &std::ops::Range<f64>, log: bool| if log { 0.0 } else { r.end - r.start };
        let (x_span, y_span) = (
            span(&self.x_range, plot.log_x),
            span(&self.y_range, plot.log_y),
        );
        root.fill(&WHITE)?;
        let (box_w, _) = legend_box(&plot.series);
        let (chart_area, side) = if self.legend == Legend::Outside {
            let width = root.dim_in_pixel().0 as i32;
            let strip = (box_w as i32 + 20).clamp(160, width * 2 / 5);
            let (left, right) = root.split_horizontally(width - strip);
            (left, Some(right))
        } else {
            (root.clone(), None)
        };
        let mut chart = ChartBuilder::on(&chart_area)
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
        let strokes = strokes(&plot.series);
        for (stroke, segs) in strokes.iter().zip(segments) {
            let style = stroke.colour.stroke_width(stroke.width);
            for seg in segs {
                match stroke.pattern.dash() {
                    None => {
                        chart.draw_series(LineSeries::new(seg.iter().copied(), style))?;
                    }
                    Some((dash, gap)) => {
                        chart.draw_series(DashedLineSeries::new(
                            seg.iter().copied(),
                            dash,
                            gap,
                            style,
                        ))?;
                    }
                }
                if markers {
                    chart.draw_series(
                        seg.iter()
                            .map(|&p| Circle::new(p, stroke.width + 1, stroke.colour.filled())),
                    )?;
                }
            }
        }
        let entries: Vec<(&str, Stroke)> = plot
            .series
            .iter()
            .map(|s| s.label.as_str())
            .zip(strokes)
            .collect();
        match (self.legend, side) {
            (Legend::Inside(corner), _) => {
                let (xs, ys) = chart.plotting_area().get_pixel_range();
                let w = box_w as i32;
                let h = 24 * entries.len() as i32 + 2 * PAD_PX;
                let m = LEGEND_MARGIN_PX;
                let x0 = match corner {
                    Corner::UpperLeft | Corner::LowerLeft => xs.start + m,
                    Corner::UpperRight | Corner::LowerRight => xs.end - m - w,
                };
                let y0 = match corner {
                    Corner::UpperLeft | Corner::UpperRight => ys.start + m,
                    Corner::LowerLeft | Corner::LowerRight => ys.end - m - h,
                };
                draw_legend(&root, (x0, y0), w, 24, &entries)?;
            }
            (Legend::Outside, Some(side)) => {
                let room = side.dim_in_pixel().1 as i32 - 120;
                let row = row_px(entries.len(), room);
                let w = side.dim_in_pixel().0 as i32 - 10;
                draw_legend(&side, (0, 70), w, row, &entries)?;
            }
            _ => {}
        }
        root.present()?;
        Ok(())
    }
}

/// Draws a legend box at `(x0, y0)` on `area`: one row of `row` pixels per entry, a line
/// sample in the entry's stroke, then its label.
fn draw_legend<DB>(
    area: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    w: i32,
    row: i32,
    entries: &[(&str, Stroke)],
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let h = row * entries.len() as i32 + 2 * PAD_PX;
    area.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        WHITE.mix(0.9).filled(),
    ))?;
    area.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        BLACK.mix(0.4).stroke_width(1),
    ))?;
    // Smaller type where the longest label would not fit the box (a narrow outside strip).
    let longest = entries
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(1);
    let room = f64::from(w - SAMPLE_PX - GAP_PX - 2 * PAD_PX);
    let fit = (room / (longest.max(1) as f64 * CHAR_PX / f64::from(TICK_PX))) as i32;
    let px = (row - 5).min(fit).clamp(10, TICK_PX as i32);
    let font = ("sans-serif", px)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, stroke)) in entries.iter().enumerate() {
        let y = y0 + PAD_PX + row * i as i32 + row / 2;
        let x = x0 + PAD_PX;
        let style = stroke.colour.stroke_width(stroke.width);
        for (a, b) in stroke.pattern.sample(SAMPLE_PX) {
            area.draw(&PathElement::new(vec![(x + a, y), (x + b, y)], style))?;
        }
        area.draw(&Text::new(
            label.to_string(),
            (x + SAMPLE_PX + GAP_PX, y),
            font.clone(),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testing::{check_outputs, Scratch};
    use crate::plot::with_suffix;

    fn damped(label: &str, rate: f64) -> Series {
        let x: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.05).collect();
        let y = x
            .iter()
            .map(|t| (-rate * t).exp() * (3.0 * t).cos())
            .collect();
        Series::new(label.into(), x, y)
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
            .map(|&p: &f64| {
                Series::new(
                    format!("p = {p}"),
                    n.clone(),
                    n.iter().map(|&k| 1.0 - (1.0 - p).powf(k)).collect(),
                )
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
            series: vec![Series::new(
                "s".into(),
                vec![1.0, 2.0, 3.0],
                vec![0.0, -1.0, f64::NAN],
            )],
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
            series: vec![Series::new("ragged".into(), vec![1.0, 2.0], vec![1.0])],
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
            series: vec![Series::new(
                "s".into(),
                vec![0.0, 1.0, 2.0, 3.0, 4.0],
                vec![0.0, 1.0, f64::NAN, 3.0, 4.0],
            )],
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
    fn legend_avoids_the_data_or_goes_outside() {
        // A curve rising along the diagonal leaves the upper-left and lower-right corners free;
        // one filling the top half leaves the lower corners; a zigzag over the whole area
        // leaves none, and the legend goes outside.
        let diagonal = vec![(0..=10)
            .map(|i| (f64::from(i) / 10.0, f64::from(i) / 10.0))
            .collect()];
        assert!(matches!(
            legend_placement(&diagonal, (0.4, 0.2)),
            Some(Corner::UpperLeft | Corner::LowerRight)
        ));
        let top = vec![(0..=10).map(|i| (f64::from(i) / 10.0, 0.9)).collect()];
        assert!(matches!(
            legend_placement(&top, (0.4, 0.2)),
            Some(Corner::LowerRight | Corner::LowerLeft)
        ));
        let zigzag = vec![(0..=40)
            .map(|i| (f64::from(i) / 40.0, f64::from(i % 2)))
            .collect()];
        assert_eq!(legend_placement(&zigzag, (0.3, 0.2)), None);
        assert_eq!(legend_placement(&[], (0.7, 0.2)), None, "too wide");
    }

    #[test]
    fn many_curves_and_pairs_stay_distinguishable() {
        let curve = |i: usize| Series::new(format!("c{i}"), vec![0.0], vec![0.0]);
        let many: Vec<Series> = (0..24).map(curve).collect();
        let st = strokes(&many);
        for i in 0..24 {
            for j in 0..i {
                assert!(
                    (st[i].colour, st[i].pattern) != (st[j].colour, st[j].pattern),
                    "curves {j} and {i} look alike"
                );
            }
        }
        // Ours then the paper's: same colour, another pattern; the next pair the next colour;
        // a guide is black and dotted whatever precedes it.
        let paired = vec![
            curve(0),
            Series::reference("paper 0".into(), vec![0.0], vec![0.0]),
            curve(1),
            Series::reference("paper 1".into(), vec![0.0], vec![0.0]),
            Series::guide("bound".into(), vec![0.0], vec![0.0]),
        ];
        let st = strokes(&paired);
        assert_eq!(st[0].colour, st[1].colour);
        assert_ne!(st[0].pattern, st[1].pattern);
        assert_eq!(st[2].colour, st[3].colour);
        assert_ne!(st[0].colour, st[2].colour);
        assert_eq!((st[4].colour, st[4].pattern), (BLACK, Pattern::Dotted));
        assert_eq!(Pattern::Dashed.sample(34), vec![(0, 12), (18, 30)]);
    }

    #[test]
    fn crowded_legends_are_drawn_outside() {
        let scratch = Scratch::new("outside");
        let stem = scratch.0.join("crowded");
        // 24 oscillations filling the plot: no free corner for a 24-row legend.
        let series = (0..24)
            .map(|i| damped(&format!("curve {i}"), 0.01 * i as f64))
            .collect();
        let plot = LinePlot {
            title: "crowded".into(),
            x_label: "t".into(),
            y_label: "y".into(),
            series,
            log_x: false,
            log_y: false,
        };
        line_plot(&stem, &plot).unwrap();
        check_outputs(&stem, "crowded");
        let svg = std::fs::read_to_string(with_suffix(&stem, "svg")).unwrap();
        assert!(svg.contains("curve 23"), "every legend entry drawn");
    }
}
