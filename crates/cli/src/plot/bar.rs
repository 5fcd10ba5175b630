//! Bar charts, e.g. level or Fock populations.

use std::fmt::Display;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{render, tick_label, Figure, DESC_PX, PALETTE, TICK_PX, TITLE_PX};

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
    use crate::plot::testing::{check_outputs, Scratch};

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
