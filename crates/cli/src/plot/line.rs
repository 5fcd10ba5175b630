//! Line plots: curves on linear or logarithmic axes, with a legend placed off the data.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{render, tick_label, Figure, DESC_PX, PALETTE, TICK_PX, TITLE_PX};

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
}
