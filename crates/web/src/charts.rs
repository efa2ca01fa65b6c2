//! Charts drawn on the server as SVG, for the dashboard's analytics: vertical bars with a
//! labelled axis, each bar titled with its number (the page puts the same numbers in a table
//! beside the chart, for screen readers and for copying).

use askama::Template;

/// Width and height of the drawing, in user units (it scales to its container).
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
/// Room for the value axis on the left and the labels below.
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 36.0;
const TOP: f64 = 12.0;

/// One drawn bar.
#[derive(Clone, Debug)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Its label and value, shown on hover.
    pub title: String,
    /// Its label under the axis, when there is room for it.
    pub label: Option<String>,
    /// Where the label goes.
    pub label_x: f64,
}

/// A tick of the value axis.
#[derive(Clone, Debug)]
pub struct Tick {
    pub y: f64,
    pub value: u64,
}

/// A bar chart, ready to draw.
#[derive(Clone, Debug, Template)]
#[template(path = "charts/bars.svg")]
pub struct BarChart {
    /// Unique within the page (the SVG's title and description ids derive from it).
    pub id: String,
    /// What it shows.
    pub title: String,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub baseline: f64,
}

/// The step between value-axis ticks: 1, 2 or 5 times a power of ten, about four ticks high.
fn step(max: u64) -> u64 {
    let rough = (max as f64 / 4.0).max(1.0);
    let power = 10f64.powf(rough.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0].into_iter().find(|m| m * power >= rough).unwrap_or(10.0);
    (nice * power) as u64
}

impl BarChart {
    /// A chart of `values`, one bar per label; at most about twelve labels are written under
    /// the axis (every n-th one when there are more).
    pub fn new(id: &str, title: &str, labels: &[String], values: &[u64]) -> Self {
        let max = values.iter().copied().max().unwrap_or(0).max(1);
        let step = step(max);
        let top_value = max.div_ceil(step) * step;
        let baseline = HEIGHT - BOTTOM;
        let scale = (baseline - TOP) / top_value as f64;
        let n = values.len().max(1);
        let slot = (WIDTH - LEFT) / n as f64;
        let every = n.div_ceil(12);
        let bars = labels
            .iter()
            .zip(values)
            .enumerate()
            .map(|(i, (label, &v))| {
                let height = v as f64 * scale;
                let x = LEFT + i as f64 * slot + slot * 0.15;
                Bar {
                    x,
                    y: baseline - height,
                    width: slot * 0.7,
                    height,
                    title: format!("{label}: {v}"),
                    label: (i % every == 0).then(|| label.clone()),
                    label_x: x + slot * 0.35,
                }
            })
            .collect();
        let ticks = (0..=top_value / step)
            .map(|k| Tick { y: baseline - (k * step) as f64 * scale, value: k * step })
            .collect();
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            bars,
            ticks,
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            baseline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_tallest_bar() {
        assert_eq!(step(3), 1);
        assert_eq!(step(9), 5);
        assert_eq!(step(37), 10);
        assert_eq!(step(180), 50);
        let c = BarChart::new("d", "Per day", &["Mon".into(), "Tue".into()], &[3, 7]);
        assert_eq!(c.ticks.last().map(|t| t.value), Some(8));
        assert!(c.bars[1].height > c.bars[0].height);
        assert!((c.bars[1].y + c.bars[1].height - c.baseline).abs() < 1e-9);
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let c = BarChart::new("s", "By <source>", &["a&b".into()], &[1]);
        let svg = c.render().unwrap();
        assert!(svg.contains("By &#60;source&#62;") || svg.contains("By &lt;source&gt;"), "{svg}");
        assert!(!svg.contains("a&b"));
        assert!(svg.starts_with("<svg"));
    }

    #[test]
    fn many_bars_keep_a_readable_number_of_labels() {
        let labels: Vec<String> = (0..60).map(|i| i.to_string()).collect();
        let c = BarChart::new("m", "Many", &labels, &[1; 60]);
        assert!(c.bars.iter().filter(|b| b.label.is_some()).count() <= 12);
        let empty = BarChart::new("e", "None", &[], &[]);
        assert!(empty.bars.is_empty() && !empty.ticks.is_empty());
    }
}
