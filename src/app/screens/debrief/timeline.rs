//! The state timeline on the debrief screen: one panel per meter over the
//! run, drawn with egui's painter from the core's timeline model
//! ([`crate::debrief::timeline`]). x: the decisions; y: the meter's range,
//! its good end a thick green edge; each decision a marker whose SHAPE says
//! what it was (filled circle best available, hollow circle a better choice
//! was open, cross a critical error, diamond a chance roll). Selecting a
//! marker (a click, Tab + Enter, or Left/Right) shows that decision below the chart.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, pos2, vec2};

use super::DebriefAction;
use crate::app::theme::{self, Palette};
use crate::debrief::timeline::{marker, marker_text};
use crate::debrief::{Debrief, DecisionReview, reading_note};
use crate::html::Marker;

/// The decision (1-based) whose marker is selected; made on entering the
/// debrief, dropped on leaving it.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Selected(pub Option<usize>);

/// One marker as drawn last frame (screen points), for tests that click
/// them and check their shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerSpot {
    /// The decision, 1-based.
    pub step: usize,
    /// The meter's id.
    pub meter: String,
    pub shape: Marker,
    pub rect: Rect,
}

/// Set when the selection moved by keys: the next frame scrolls the
/// timeline and the selected decision into view.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reveal(pub bool);

/// Where the debrief's markers and "Rewind" buttons were drawn last frame.
#[derive(Resource, Debug, Default, Clone)]
pub struct Drawn {
    pub markers: Vec<MarkerSpot>,
    /// Each "Rewind to here" button: its decision (1-based) and place.
    pub rewind_buttons: Vec<(usize, Rect)>,
}

const PANEL_H: f32 = 96.0;
const GAP: f32 = 34.0;
const LEFT: f32 = 170.0;
const RIGHT: f32 = 24.0;
const R: f32 = 6.5;
/// Room above the first panel, so a marker at a meter's top is drawn whole.
const TOP: f32 = 12.0;
const GREEN_EDGE: f32 = 5.0;

/// The good end's colour: green in both palettes, said in words beside it.
fn good(p: &Palette) -> Color32 {
    p.good
}

/// Draw `shape` at `c`, about `r` in radius.
pub fn paint_marker(painter: &egui::Painter, shape: Marker, c: Pos2, r: f32, p: &Palette) {
    let line = p.accent;
    match shape {
        Marker::Best => {
            painter.circle(c, r, line, Stroke::new(1.5, Color32::BLACK));
        }
        Marker::Other => {
            painter.circle(c, r, p.bg, Stroke::new(2.5, line));
        }
        Marker::Critical => {
            let d = r * 1.15;
            let s = Stroke::new(4.0, p.bad);
            painter.line_segment([c + vec2(-d, -d), c + vec2(d, d)], s);
            painter.line_segment([c + vec2(-d, d), c + vec2(d, -d)], s);
        }
        Marker::Chance => {
            let d = r * 1.4;
            let pts = vec![c + vec2(0.0, -d), c + vec2(d, 0.0), c + vec2(0.0, d), c + vec2(-d, 0.0)];
            painter.add(Shape::convex_polygon(pts, p.bg, Stroke::new(2.5, p.warn)));
        }
    }
}

/// The chart; returns the decision clicked (or pressed with Enter on a
/// focused marker) this frame.
pub fn chart(
    ui: &mut egui::Ui,
    d: &Debrief,
    p: &Palette,
    selected: Option<usize>,
    drawn: &mut Drawn,
) -> Option<usize> {
    if d.meters.is_empty() {
        return None;
    }
    let mut picked = None;
    let width = ui.available_width().max(LEFT + RIGHT + 120.0);
    let n = d.decisions.len().max(1) as f32;
    let panels = d.meters.len() as f32;
    let height = TOP + panels * (PANEL_H + GAP) + 58.0;
    let (area, chart) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    // Painted, so it names itself for screen readers; its markers below are
    // buttons that say each meter's value after each decision.
    chart.widget_info(|| {
        let names: Vec<&str> = d.meters.iter().map(|m| m.name.as_str()).collect();
        egui::WidgetInfo::labeled(
            egui::WidgetType::Image,
            true,
            format!(
                "State timeline: {} after each of {} decisions; each marker is a button",
                names.join(", "),
                d.decisions.len()
            ),
        )
    });
    let painter = ui.painter_at(area.expand(10.0));
    let plot_w = width - LEFT - RIGHT;
    let x = |i: usize| area.left() + LEFT + plot_w * i as f32 / n;
    let small = FontId::proportional(15.0);
    let name_font = FontId::new(18.0, egui::FontFamily::Name("bold".into()));

    for (k, m) in d.meters.iter().enumerate() {
        let top = area.top() + TOP + k as f32 * (PANEL_H + GAP);
        let plot = Rect::from_min_size(pos2(area.left() + LEFT, top), vec2(plot_w, PANEL_H));
        let span = (m.max - m.min).max(1) as f32;
        let y = |v: i32| plot.bottom() - PANEL_H * (v - m.min) as f32 / span;
        painter.rect_filled(plot, 4.0, p.bg);
        painter.rect_stroke(
            plot,
            4.0,
            Stroke::new(1.0, p.muted.gamma_multiply(0.5)),
            egui::StrokeKind::Inside,
        );
        // The good end: a thick green edge, labelled in words (not colour alone).
        let gy = y(m.good_end());
        painter
            .line_segment([pos2(plot.left(), gy), pos2(plot.right(), gy)], Stroke::new(GREEN_EDGE, good(p)));
        let (anchor, dy) =
            if m.higher_is_better { (Align2::RIGHT_TOP, 6.0) } else { (Align2::RIGHT_BOTTOM, -6.0) };
        painter.text(
            pos2(plot.right() - 6.0, gy + dy),
            anchor,
            format!("good end ({})", m.good_end()),
            small.clone(),
            good(p),
        );
        // The meter's name and range at the left.
        // (wrapped to the room left of the range's numbers)
        let g = painter.layout(m.name.clone(), name_font.clone(), p.text, LEFT - 44.0);
        painter.galley(pos2(area.left(), plot.center().y - g.size().y / 2.0), g, p.text);
        for v in [m.max, m.min] {
            painter.text(
                pos2(plot.left() - 6.0, y(v)),
                Align2::RIGHT_CENTER,
                v.to_string(),
                small.clone(),
                p.muted,
            );
        }
        // The selected decision: a band across the panel.
        if let Some(s) = selected.filter(|s| (1..=d.decisions.len()).contains(s)) {
            let band = Rect::from_center_size(pos2(x(s), plot.center().y), vec2(22.0, PANEL_H));
            painter.rect_filled(band, 4.0, p.selected);
            painter.rect_stroke(band, 4.0, Stroke::new(1.5, p.accent), egui::StrokeKind::Inside);
        }
        // The line, then the start point and the markers on top.
        let pts: Vec<Pos2> = m.values.iter().enumerate().map(|(i, v)| pos2(x(i), y(*v))).collect();
        painter.add(Shape::line(pts, Stroke::new(2.5, p.accent)));
        painter.circle_filled(pos2(x(0), y(m.values[0])), 3.5, p.accent);
        for (i, dec) in d.decisions.iter().enumerate() {
            let v = m.values.get(i + 1).copied().unwrap_or(m.values[0]);
            let c = pos2(x(i + 1), y(v));
            let shape = marker(dec);
            paint_marker(&painter, shape, c, R, p);
            let rect = Rect::from_center_size(c, vec2(26.0, 26.0));
            let r = ui.interact(rect, ui.id().with(("timeline_marker", k, dec.step)), Sense::click());
            let what = format!("{} at {v}. {}", m.name, marker_text(dec).replace('\n', " "));
            r.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, what.clone()));
            if r.has_focus() {
                painter.circle_stroke(c, R + 5.0, Stroke::new(2.0, p.text));
            }
            let r = r.on_hover_text(format!("Decision {}: {}\n{}: {v}", dec.step, dec.text, m.name));
            if r.clicked() {
                picked = Some(dec.step);
            }
            drawn.markers.push(MarkerSpot { step: dec.step, meter: m.id.clone(), shape, rect });
        }
    }
    // The decisions' numbers along the bottom, then the legend.
    let base = area.top() + TOP + panels * (PANEL_H + GAP) - GAP + 14.0;
    painter.text(pos2(x(0), base), Align2::CENTER_CENTER, "start", small.clone(), p.muted);
    for dec in &d.decisions {
        let color = if selected == Some(dec.step) { p.text } else { p.muted };
        painter.text(
            pos2(x(dec.step), base),
            Align2::CENTER_CENTER,
            dec.step.to_string(),
            small.clone(),
            color,
        );
    }
    painter.text(pos2(area.left(), base), Align2::LEFT_CENTER, "decision", small.clone(), p.muted);
    let mut lx = area.left() + LEFT;
    let ly = base + 28.0;
    for shape in Marker::ALL {
        paint_marker(&painter, shape, pos2(lx, ly), 6.0, p);
        let g = painter.layout_no_wrap(shape.label().to_string(), small.clone(), p.text);
        let w = g.size().x;
        painter.galley(pos2(lx + 14.0, ly - g.size().y / 2.0), g, p.text);
        lx += w + 44.0;
    }
    picked
}

/// The selected decision in full: the choice, what happened, the clinician's
/// commentary, the better alternative, the trainee's own reasons and read,
/// and (for the run just played) "Rewind to here".
pub fn details(
    ui: &mut egui::Ui,
    r: &DecisionReview,
    p: &Palette,
    can_rewind: bool,
    drawn: &mut Drawn,
    out: &mut Vec<DebriefAction>,
) {
    theme::card(ui, true, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            let (rect, _) = ui.allocate_exact_size(vec2(20.0, 20.0), Sense::hover());
            paint_marker(ui.painter(), marker(r), rect.center(), 6.5, p);
            let label = marker(r).label();
            let mut words = label.chars();
            let first = words.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
            ui.label(theme::bold(format!("{first}{}", words.as_str())));
        });
        let mut lines = marker_text(r).lines().map(str::to_string).collect::<Vec<_>>();
        // The first line is the choice: bold; the rest as the core words them.
        if !lines.is_empty() {
            ui.label(theme::bold(lines.remove(0)));
        }
        for l in lines {
            let color = if l.starts_with("Better here") {
                p.good
            } else if l.starts_with("A critical error") {
                p.bad
            } else {
                p.text
            };
            ui.label(egui::RichText::new(l).color(color));
        }
        if let Some(read) = &r.reading {
            ui.label(theme::muted(ui, reading_note(read)));
        }
        if let Some(prompt) = &r.reflect_prompt {
            let said = r.reflection.as_deref().unwrap_or("(skipped)");
            ui.label(egui::RichText::new(format!("{prompt} You: {said}")).color(p.accent));
        }
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            if can_rewind {
                let b = ui.button(theme::bold(format!("Rewind to decision {} (W)", r.step)));
                drawn.rewind_buttons.push((r.step, b.rect));
                if b.clicked() {
                    out.push(DebriefAction::Rewind(r.step));
                }
            }
            ui.label(theme::muted(ui, "Left/Right: the previous or next decision"));
        });
    });
}
