//! A simple 2D backdrop behind the play screen's transcript: a skyline, a
//! bridge rail, street lights and a sky whose mood follows the subject's
//! distress in training mode (calm dusk blue → stormy red). In assessment mode
//! it stays neutral, so the backdrop gives no hint.
//!
//! The mood is read from the engine's meters (the meter called `distress`, or
//! else the first meter where higher is worse); nothing here is scored.

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy_egui::egui::{self, Color32, Pos2, Rect, Stroke, pos2, vec2};

use crate::scenario::model::Direction;

use super::session::Current;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Mood>().add_systems(Update, follow_distress);
}

/// 0 = calm, 1 = most distressed; `shown` eases towards `target`.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct Mood {
    pub target: f32,
    pub shown: f32,
}

/// Neutral mood: assessment mode and screens without a run.
pub const NEUTRAL: f32 = 0.35;

impl Default for Mood {
    fn default() -> Self {
        Mood { target: NEUTRAL, shown: NEUTRAL }
    }
}

/// The subject's distress as 0–1, if the scenario has such a meter.
pub fn distress(current: &Current) -> Option<f32> {
    let run = current.0.as_ref()?;
    if !run.training() {
        return None;
    }
    let s = run.play().scenario();
    let i = s
        .file
        .meters
        .iter()
        .position(|m| m.id == "distress")
        .or_else(|| s.file.meters.iter().position(|m| m.higher_is == Direction::Worse))?;
    let v = *run.play().state().meters.get(i)?;
    Some(s.meter_fraction(i, v))
}

fn follow_distress(
    current: Res<Current>,
    time: Res<Time>,
    mut mood: ResMut<Mood>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let target = distress(&current).unwrap_or(NEUTRAL);
    if mood.target != target {
        mood.target = target;
    }
    let gap = mood.target - mood.shown;
    if gap.abs() > 0.005 {
        // Ease over about a second; keep frames coming only while it moves.
        let step = (time.delta_secs().min(0.1) * 1.5).min(1.0);
        mood.shown += gap * step.max(0.05);
        redraw.write(RequestRedraw);
    } else if mood.shown != mood.target {
        mood.shown = mood.target;
    }
}

fn mix(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let l = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    Color32::from_rgb(l(a.r(), b.r()), l(a.g(), b.g()), l(a.b(), b.b()))
}

/// Paint the scene into `rect`. `mood` 0 (calm) to 1 (distressed).
pub fn paint(painter: &egui::Painter, rect: Rect, mood: f32) {
    let calm_top = Color32::from_rgb(0x1d, 0x3b, 0x63);
    let calm_low = Color32::from_rgb(0x6a, 0x86, 0xa8);
    let storm_top = Color32::from_rgb(0x2a, 0x0d, 0x12);
    let storm_low = Color32::from_rgb(0x8a, 0x2c, 0x1c);
    let top = mix(calm_top, storm_top, mood);
    let low = mix(calm_low, storm_low, mood);
    // Sky as horizontal bands (a cheap gradient).
    let bands = 12;
    for i in 0..bands {
        let t0 = i as f32 / bands as f32;
        let band = Rect::from_min_max(
            pos2(rect.left(), rect.top() + rect.height() * t0),
            pos2(rect.right(), rect.top() + rect.height() * (t0 + 1.0 / bands as f32) + 1.0),
        );
        painter.rect_filled(band, 0.0, mix(top, low, t0));
    }
    // Moon, dimmed as the mood darkens.
    let moon = mix(Color32::from_rgb(0xf4, 0xee, 0xd0), Color32::from_rgb(0xc0, 0x60, 0x40), mood);
    painter.circle_filled(
        pos2(rect.right() - rect.width() * 0.12, rect.top() + rect.height() * 0.28),
        rect.height() * 0.12,
        moon,
    );
    // Skyline.
    let ground = rect.bottom() - rect.height() * 0.18;
    let city = mix(Color32::from_rgb(0x14, 0x22, 0x36), Color32::from_rgb(0x1a, 0x08, 0x0a), mood);
    let widths = [0.06, 0.09, 0.05, 0.08, 0.07, 0.1, 0.06, 0.09, 0.05, 0.08, 0.07, 0.1];
    let heights = [0.35, 0.55, 0.42, 0.7, 0.3, 0.5, 0.62, 0.38, 0.48, 0.58, 0.33, 0.45];
    let mut x = rect.left();
    let mut i = 0;
    while x < rect.right() {
        let w = rect.width() * widths[i % widths.len()];
        let h = rect.height() * heights[i % heights.len()] * 0.8;
        painter.rect_filled(Rect::from_min_max(pos2(x, ground - h), pos2(x + w - 4.0, ground)), 0.0, city);
        // A few lit windows.
        let lit = mix(Color32::from_rgb(0xf5, 0xd3, 0x7a), Color32::from_rgb(0x7a, 0x30, 0x20), mood);
        for row in 0..3 {
            let wy = ground - h + 10.0 + row as f32 * 18.0;
            if wy + 8.0 < ground && (i + row) % 3 != 0 {
                painter.rect_filled(Rect::from_min_size(pos2(x + 8.0, wy), vec2(6.0, 8.0)), 0.0, lit);
            }
        }
        x += w;
        i += 1;
    }
    // Bridge deck, rail and posts in the foreground.
    let deck = mix(Color32::from_rgb(0x2b, 0x2f, 0x36), Color32::from_rgb(0x24, 0x16, 0x16), mood);
    painter.rect_filled(Rect::from_min_max(pos2(rect.left(), ground), rect.max), 0.0, deck);
    let rail_y = ground - rect.height() * 0.1;
    let rail =
        Stroke::new(4.0, mix(Color32::from_rgb(0x9a, 0xa4, 0xb0), Color32::from_rgb(0x70, 0x50, 0x50), mood));
    painter.line_segment([pos2(rect.left(), rail_y), pos2(rect.right(), rail_y)], rail);
    let mut px = rect.left() + 20.0;
    while px < rect.right() {
        painter.line_segment([Pos2::new(px, rail_y), Pos2::new(px, ground)], Stroke::new(3.0, rail.color));
        px += 60.0;
    }
    // Street lights: warm when calm, flickering red when not.
    for lx in [0.2, 0.5, 0.8] {
        let x = rect.left() + rect.width() * lx;
        painter.line_segment(
            [pos2(x, ground), pos2(x, rail_y - rect.height() * 0.25)],
            Stroke::new(3.0, rail.color),
        );
        let glow = mix(Color32::from_rgb(0xff, 0xd9, 0x8a), Color32::from_rgb(0xff, 0x55, 0x33), mood);
        painter.circle_filled(pos2(x, rail_y - rect.height() * 0.25), 7.0, glow);
    }
}
