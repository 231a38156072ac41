//! `limber history --plot FILE.svg`: progress as a picture, drawn with plotters' SVG backend.
//!
//! Three charts one above the other, sized for a phone held upright: minutes of exercise a week
//! (bars), then each exercise's hold in seconds and each
//! exercise's reps, session by session (one line an exercise, as planned at its level, for the
//! sessions that did it). The series drawn are also written into the file as JSON, in
//! `<metadata id="limber-data">`, so a script (or a test) can read what the picture shows.

use std::collections::BTreeMap;

use jiff::civil::Date;
use plotters::prelude::*;
use serde::Serialize;

use super::sessions::Session;
use super::stats::Week;

/// What the picture shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Data {
    pub goal: u32,
    /// Minutes a week, by the week's Monday.
    pub weeks: Vec<(Date, f64)>,
    /// The day of each session drawn, in order: the charts' sessions 1, 2, 3...
    pub sessions: Vec<Date>,
    /// Seconds of each hold, by exercise: (session number from 1, seconds) for each that did it.
    pub holds: BTreeMap<String, Vec<(usize, f64)>>,
    /// Reps (per side), by exercise.
    pub reps: BTreeMap<String, Vec<(usize, u32)>>,
}

impl Data {
    pub fn new<'a>(
        sessions: impl IntoIterator<Item = &'a Session>,
        weeks: &[Week],
        goal: u32,
    ) -> Data {
        let mut holds: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
        let mut reps: BTreeMap<String, Vec<(usize, u32)>> = BTreeMap::new();
        let mut days = Vec::new();
        for s in sessions {
            let (Some(date), Some(begin)) = (s.date, &s.begin) else {
                continue;
            };
            if !begin.exercises.iter().any(|p| s.did(&p.name)) {
                continue;
            }
            days.push(date);
            let date = days.len();
            for p in &begin.exercises {
                if !s.did(&p.name) {
                    continue;
                }
                if let Some(h) = p.hold_s {
                    holds.entry(p.name.clone()).or_default().push((date, h));
                }
                reps.entry(p.name.clone()).or_default().push((date, p.reps));
            }
        }
        // An exercise done once a rep, at one length, is a timed activity: its reps say nothing.
        reps.retain(|_, points| points.iter().any(|(_, r)| *r > 1));
        Data {
            goal,
            weeks: weeks
                .iter()
                .map(|w| (w.start, (w.minutes * 10.0).round() / 10.0))
                .collect(),
            sessions: days,
            holds,
            reps,
        }
    }
}

const BAR: RGBColor = RGBColor(46, 125, 50);
/// Colours told apart also by people who do not see red and green well (Okabe and Ito).
const LINES: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];
const WIDTH: u32 = 720;
const CHART: u32 = 460;
const FONT: &str = "sans-serif";
/// Text sizes in pixels of the 720-pixel-wide picture: large enough to read on a phone's screen.
const TITLE: u32 = 34;
const CAPTION: u32 = 30;
const LABEL: u32 = 22;

/// The SVG picture of `data`.
pub fn svg(data: &Data, title: &str) -> Result<String, String> {
    let mut out = String::new();
    let charts = 1 + u32::from(!data.holds.is_empty()) + u32::from(!data.reps.is_empty());
    let height = 70 + CHART * charts;
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        draw(&root, data, title, charts).map_err(|e| format!("cannot draw the picture: {e}"))?;
        root.present()
            .map_err(|e| format!("cannot draw the picture: {e}"))?;
    }
    // The data beside the drawing, for scripts.
    let json = serde_json::to_string(data).map_err(|e| e.to_string())?;
    let json = json.replace('&', "&amp;").replace('<', "&lt;");
    let metadata = format!("<metadata id=\"limber-data\">{json}</metadata>\n");
    match out.find('>') {
        Some(i) => out.insert_str(i + 1, &format!("\n{metadata}")),
        None => return Err("cannot draw the picture: the SVG has no root".into()),
    }
    Ok(out)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw(root: &Area, data: &Data, title: &str, charts: u32) -> Result<(), String> {
    root.fill(&WHITE).map_err(e)?;
    let (head, body) = root.split_vertically(70);
    head.draw(&Text::new(
        title.to_string(),
        (20, 20),
        (FONT, TITLE).into_font().color(&BLACK),
    ))
    .map_err(e)?;
    let areas = body.split_evenly((charts as usize, 1));
    let mut areas = areas.iter();
    weeks_chart(areas.next().expect("one area a chart"), data).map_err(e)?;
    if !data.holds.is_empty() {
        let series: Vec<(&String, Vec<(usize, f64)>)> =
            data.holds.iter().map(|(k, v)| (k, v.clone())).collect();
        lines_chart(
            areas.next().expect("one area a chart"),
            "Hold (seconds), session by session",
            &series,
            &data.sessions,
        )
        .map_err(e)?;
    }
    if !data.reps.is_empty() {
        let series: Vec<(&String, Vec<(usize, f64)>)> = data
            .reps
            .iter()
            .map(|(k, v)| (k, v.iter().map(|(d, r)| (*d, f64::from(*r))).collect()))
            .collect();
        lines_chart(
            areas.next().expect("one area a chart"),
            "Reps, session by session",
            &series,
            &data.sessions,
        )
        .map_err(e)?;
    }
    Ok(())
}

fn weeks_chart(area: &Area, data: &Data) -> Result<(), String> {
    let n = data.weeks.len().max(1) as u32;
    let top = data.weeks.iter().map(|w| w.1).fold(30.0f64, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption("Minutes a week", (FONT, CAPTION))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0f64..top)
        .map_err(e)?;
    let weeks = data.weeks.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_labels(weeks.len().min(6))
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => weeks
                .get(*i as usize)
                .map(|(d, _)| d.strftime("%-d %b").to_string())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FONT, LABEL))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(
            data.weeks
                .iter()
                .enumerate()
                .filter(|(_, (_, m))| *m > 0.0)
                .map(|(i, (_, m))| {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i as u32), 0.0),
                            (SegmentValue::Exact(i as u32 + 1), *m),
                        ],
                        BAR.filled(),
                    );
                    bar.set_margin(0, 0, 12, 12);
                    bar
                }),
        )
        .map_err(e)?;
    Ok(())
}

fn lines_chart(
    area: &Area,
    caption: &str,
    series: &[(&String, Vec<(usize, f64)>)],
    sessions: &[Date],
) -> Result<(), String> {
    let n = sessions.len().max(1) as f64;
    let top = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, v)| *v))
        .fold(1.0f64, f64::max)
        * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, CAPTION))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.5f64..n + 0.5, 0f64..top)
        .map_err(e)?;
    // Whole numbers on the axis: as many labels as fit, at most one a unit.
    let y_labels = (top.floor() as usize + 1).min(11);
    chart
        .configure_mesh()
        .x_labels(sessions.len().clamp(1, 5))
        .x_label_formatter(&|x| {
            let i = x.round() as usize;
            match sessions.get(i.wrapping_sub(1)) {
                Some(d) if (x - i as f64).abs() < 0.01 => d.strftime("%-d %b").to_string(),
                _ => String::new(),
            }
        })
        .y_labels(y_labels)
        .light_line_style(TRANSPARENT)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FONT, LABEL))
        .draw()
        .map_err(e)?;
    for (i, (name, points)) in series.iter().enumerate() {
        let colour = LINES[i % LINES.len()];
        let xy: Vec<(f64, f64)> = points.iter().map(|(i, v)| (*i as f64, *v)).collect();
        chart
            .draw_series(LineSeries::new(xy.clone(), colour.stroke_width(3)))
            .map_err(e)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], colour.filled()));
        chart
            .draw_series(xy.into_iter().map(|p| Circle::new(p, 5, colour.filled())))
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, LABEL))
        .draw()
        .map_err(e)?;
    Ok(())
}

fn e(error: impl std::fmt::Display) -> String {
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn data() -> Data {
        let mut holds = BTreeMap::new();
        holds.insert("Bridge".to_string(), vec![(1, 5.0), (2, 6.0), (3, 6.0)]);
        holds.insert("Plank".to_string(), vec![(2, 10.0)]);
        let mut reps = BTreeMap::new();
        reps.insert("Bridge".to_string(), vec![(1, 8), (3, 9)]);
        Data {
            goal: 3,
            weeks: vec![(date(2026, 11, 23), 0.0), (date(2026, 11, 30), 61.5)],
            sessions: vec![date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 4)],
            holds,
            reps,
        }
    }

    #[test]
    fn the_picture_is_xml_that_draws_its_data() {
        let d = data();
        let text = svg(&d, "Progress").unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let meta = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("limber-data"))
            .unwrap();
        let back: serde_json::Value = serde_json::from_str(meta.text().unwrap()).unwrap();
        assert_eq!(back, serde_json::to_value(&d).unwrap());
        // One line per series (holds: Bridge and Plank; reps: Bridge), with a point per session.
        let lines: Vec<usize> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("3"))
            .map(|n| n.attribute("points").unwrap().split_whitespace().count())
            .collect();
        assert_eq!(lines, [3, 1, 2]);
        let circles = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle"))
            .count();
        assert_eq!(circles, 6);
        // One bar for the week with minutes.
        let bars = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#2E7D32"))
            .count();
        assert_eq!(bars, 1);
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        for want in [
            "Progress",
            "Minutes a week",
            "Bridge",
            "Plank",
            "Reps, session by session",
        ] {
            assert!(
                texts.iter().any(|t| t.contains(want)),
                "{want} in {texts:?}"
            );
        }
    }
}
