//! Look and feel: the bundled font, the palette (normal and high contrast),
//! text scale, and the trainee preferences remembered between runs.
//!
//! Screens call the helpers here (`heading`, `card`, `big_button`, colours by
//! role and grade) instead of styling inline.

use std::path::PathBuf;
use std::sync::Arc;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui::{Color32, FontData, FontDefinitions, FontFamily, FontId, RichText, TextStyle};
use serde::{Deserialize, Serialize};

use crate::engine::{Mode, Timing};
use crate::scenario::model::Role;
use crate::scenario::rubric::Grade;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<FontsReady>().add_systems(EguiPrimaryContextPass, apply_theme.before(super::UiSet));
}

/// egui binds fonts set in one pass at the start of the next: screens wait
/// for that (a label in the bold family before then would panic).
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FontsReady(pub bool);

pub fn fonts_ready(ready: Res<FontsReady>) -> bool {
    ready.0
}

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Bold.ttf");

pub const MIN_SCALE: f32 = 0.8;
pub const MAX_SCALE: f32 = 2.0;

/// What the app remembers between runs: who is training, in which mode, and
/// how the screen should look. Saved as JSON in the user's config folder.
#[derive(Resource, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The name typed last. Offered again only on a station that allows it
    /// (`remember_trainee`): on a shared station the next cadet must never
    /// play under the previous cadet's name.
    pub trainee: String,
    pub mode: Mode,
    /// The time allowed at timed moments (an accommodation when not standard).
    pub timing: Timing,
    pub text_scale: f32,
    pub high_contrast: bool,
    /// A station setting (in this file): put the last trainee's name in the
    /// name field. Off by default, for shared lab stations.
    pub remember_trainee: bool,
    /// Speak the scene aloud (F4; off by default): see `app/speech.rs`.
    pub speech: bool,
    /// Where to save; `None` in tests and scripted runs (nothing is written).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            trainee: String::new(),
            mode: Mode::Training,
            timing: Timing::Standard,
            text_scale: 1.0,
            high_contrast: false,
            remember_trainee: false,
            speech: false,
            path: None,
        }
    }
}

impl Prefs {
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "Talkdown", "talkdown")
            .map(|d| d.config_dir().join("prefs.json"))
    }

    /// Read from `path` (defaults if missing or unreadable); later saves go there.
    pub fn load(path: Option<PathBuf>) -> Prefs {
        let mut prefs = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| serde_json::from_str::<Prefs>(&t).ok())
            .unwrap_or_default();
        prefs.text_scale = prefs.text_scale.clamp(MIN_SCALE, MAX_SCALE);
        if !prefs.remember_trainee {
            prefs.trainee.clear();
        }
        prefs.path = path;
        prefs
    }

    pub fn save(&self) {
        let Some(path) = &self.path else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(text) = serde_json::to_string_pretty(self)
            && let Err(e) = std::fs::write(path, text)
        {
            warn!("could not save preferences to {}: {e}", path.display());
        }
    }

    pub fn change_scale(&mut self, by: f32) {
        self.text_scale = ((self.text_scale + by) * 10.0).round() / 10.0;
        self.text_scale = self.text_scale.clamp(MIN_SCALE, MAX_SCALE);
    }
}

/// The colours every screen uses.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub bg: Color32,
    pub panel: Color32,
    pub card: Color32,
    pub text: Color32,
    pub muted: Color32,
    pub accent: Color32,
    pub good: Color32,
    pub warn: Color32,
    pub bad: Color32,
    pub selected: Color32,
}

pub const NORMAL: Palette = Palette {
    bg: Color32::from_rgb(0x12, 0x16, 0x1c),
    panel: Color32::from_rgb(0x1b, 0x21, 0x2a),
    card: Color32::from_rgb(0x24, 0x2c, 0x38),
    text: Color32::from_rgb(0xee, 0xf1, 0xf5),
    muted: Color32::from_rgb(0xb4, 0xbd, 0xc9),
    accent: Color32::from_rgb(0x6c, 0xb4, 0xff),
    good: Color32::from_rgb(0x5c, 0xd6, 0x8a),
    warn: Color32::from_rgb(0xf2, 0xc1, 0x4e),
    bad: Color32::from_rgb(0xff, 0x7a, 0x6b),
    // Dark enough that every text colour keeps 4.5:1 on a selected card
    // (tests::every_text_colour_meets_wcag_aa_on_every_background).
    selected: Color32::from_rgb(0x1f, 0x33, 0x52),
};

pub const HIGH_CONTRAST: Palette = Palette {
    bg: Color32::BLACK,
    panel: Color32::BLACK,
    card: Color32::from_rgb(0x10, 0x10, 0x10),
    text: Color32::WHITE,
    muted: Color32::from_rgb(0xe6, 0xe6, 0xe6),
    accent: Color32::from_rgb(0xff, 0xe6, 0x00),
    good: Color32::from_rgb(0x4d, 0xff, 0x88),
    warn: Color32::from_rgb(0xff, 0xe6, 0x00),
    bad: Color32::from_rgb(0xff, 0x66, 0x66),
    selected: Color32::from_rgb(0x00, 0x26, 0x66),
};

pub fn palette(high_contrast: bool) -> Palette {
    if high_contrast { HIGH_CONTRAST } else { NORMAL }
}

/// The palette in use, for screens that only hold an egui `Ui`.
pub fn current(ui: &egui::Ui) -> Palette {
    let hc = ui.ctx().data(|d| d.get_temp::<bool>(egui::Id::new("talkdown_high_contrast"))).unwrap_or(false);
    palette(hc)
}

/// Colour of a speaker's name in the transcript, by role.
pub fn role_color(p: &Palette, role: Role) -> Color32 {
    match role {
        Role::Subject => p.warn,
        Role::Partner => p.accent,
        Role::Family => Color32::from_rgb(0xe3, 0x9b, 0xff),
        Role::Bystander => Color32::from_rgb(0x9f, 0xe0, 0xd8),
        Role::Dispatcher => Color32::from_rgb(0xff, 0xb0, 0x70),
        Role::Responder => p.good,
        Role::Narrator => p.muted,
    }
}

pub fn grade_color(p: &Palette, grade: Grade) -> Color32 {
    match grade {
        Grade::Good => p.good,
        Grade::Acceptable => p.warn,
        _ => p.bad,
    }
}

/// Fonts and styles are set when something changed, not every frame.
#[derive(Default)]
struct Applied {
    fonts: bool,
    scale: f32,
    high_contrast: Option<bool>,
}

fn apply_theme(
    mut contexts: EguiContexts,
    mut prefs: ResMut<Prefs>,
    mut applied: Local<Applied>,
    mut clear: ResMut<ClearColor>,
    mut ready: ResMut<FontsReady>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !applied.fonts {
        ctx.set_fonts(fonts());
        applied.fonts = true;
        return Ok(());
    }
    if !ready.0 {
        ready.0 = true;
    }
    // egui's own Ctrl+= / Ctrl+- change the zoom: keep the preference in step.
    let zoom = ctx.zoom_factor();
    if applied.scale != 0.0 && (zoom - applied.scale).abs() > 0.01 && (zoom - prefs.text_scale).abs() > 0.01 {
        prefs.text_scale = zoom.clamp(MIN_SCALE, MAX_SCALE);
        prefs.save();
    }
    if (applied.scale - prefs.text_scale).abs() > 0.001 {
        ctx.set_zoom_factor(prefs.text_scale);
        applied.scale = prefs.text_scale;
    }
    if applied.high_contrast != Some(prefs.high_contrast) {
        let p = palette(prefs.high_contrast);
        ctx.data_mut(|d| d.insert_temp(egui::Id::new("talkdown_high_contrast"), prefs.high_contrast));
        ctx.set_theme(egui::Theme::Dark);
        ctx.all_styles_mut(|s| style(s, &p, prefs.high_contrast));
        clear.0 = Color::srgb_u8(p.bg.r(), p.bg.g(), p.bg.b());
        applied.high_contrast = Some(prefs.high_contrast);
    }
    Ok(())
}

pub fn fonts() -> FontDefinitions {
    let mut f = FontDefinitions::default();
    f.font_data.insert("atkinson".into(), Arc::new(FontData::from_static(REGULAR)));
    f.font_data.insert("atkinson-bold".into(), Arc::new(FontData::from_static(BOLD)));
    // Atkinson first; egui's bundled fonts stay as fallbacks for symbols and emoji.
    f.families.entry(FontFamily::Proportional).or_default().insert(0, "atkinson".into());
    let bold = f.families.get(&FontFamily::Proportional).cloned().unwrap_or_default();
    let mut bold_list = vec!["atkinson-bold".to_string()];
    bold_list.extend(bold.into_iter().filter(|n| n != "atkinson"));
    f.families.insert(FontFamily::Name("bold".into()), bold_list);
    f
}

fn style(s: &mut egui::Style, p: &Palette, high_contrast: bool) {
    use FontFamily::Proportional;
    s.text_styles = [
        (TextStyle::Heading, FontId::new(32.0, FontFamily::Name("bold".into()))),
        (TextStyle::Body, FontId::new(21.0, Proportional)),
        (TextStyle::Button, FontId::new(21.0, Proportional)),
        (TextStyle::Small, FontId::new(17.0, Proportional)),
        (TextStyle::Monospace, FontId::new(17.0, FontFamily::Monospace)),
    ]
    .into();
    s.spacing.item_spacing = egui::vec2(10.0, 10.0);
    s.spacing.button_padding = egui::vec2(14.0, 8.0);
    s.spacing.interact_size.y = 36.0;
    let v = &mut s.visuals;
    v.override_text_color = Some(p.text);
    v.panel_fill = p.panel;
    v.window_fill = p.panel;
    v.extreme_bg_color = p.bg;
    v.faint_bg_color = p.card;
    v.hyperlink_color = p.accent;
    v.selection.bg_fill = p.selected;
    v.selection.stroke = egui::Stroke::new(2.0, p.accent);
    let w = &mut v.widgets;
    w.inactive.weak_bg_fill = p.card;
    w.inactive.bg_fill = p.card;
    w.hovered.weak_bg_fill = p.selected;
    w.hovered.bg_fill = p.selected;
    w.active.weak_bg_fill = p.selected;
    let edge = if high_contrast { 2.0 } else { 1.0 };
    w.inactive.bg_stroke =
        egui::Stroke::new(edge, if high_contrast { p.text } else { p.muted.gamma_multiply(0.4) });
    w.hovered.bg_stroke = egui::Stroke::new(2.0, p.accent);
    w.active.bg_stroke = egui::Stroke::new(2.0, p.accent);
    // Keyboard focus must be plain to see from the back of a room.
    v.widgets.noninteractive.fg_stroke.color = p.text;
}

// ---------------------------------------------------------------------------
// Helpers the screens use.

/// The type scale every screen uses, in points at text scale 1.0: screens
/// call the widgets below instead of choosing sizes inline.
pub const BANNER_SIZE: f32 = 30.0;
pub const SCREEN_TITLE_SIZE: f32 = 28.0;
pub const SECTION_SIZE: f32 = 26.0;
pub const SUBHEADING_SIZE: f32 = 24.0;
pub const LABEL_SIZE: f32 = 22.0;
pub const INPUT_SIZE: f32 = 26.0;
pub const HINT_SIZE: f32 = 18.0;
/// A row of a compact list (the library's scenarios).
pub const LIST_SIZE: f32 = 20.0;
pub const CODE_SIZE: f32 = 16.0;

/// The largest line on a screen: a scenario's title, the debrief's outcome.
pub fn banner(ui: &mut egui::Ui, text: impl Into<String>) -> egui::Response {
    ui.label(bold(text).size(BANNER_SIZE))
}

/// A section of a screen ("Decision by decision", "Resources").
pub fn section(ui: &mut egui::Ui, text: impl Into<String>) -> egui::Response {
    ui.label(bold(text).size(SECTION_SIZE))
}

/// A heading inside a section ("Mode", "Teaching points").
pub fn subheading(ui: &mut egui::Ui, text: impl Into<String>) -> egui::Response {
    ui.label(bold(text).size(SUBHEADING_SIZE))
}

/// A bold label for a block of figures ("Outcomes").
pub fn label_heading(ui: &mut egui::Ui, text: impl Into<String>) -> egui::Response {
    ui.label(bold(text).size(LABEL_SIZE))
}

pub fn heading(ui: &mut egui::Ui, text: impl Into<String>) {
    ui.label(RichText::new(text.into()).heading());
}

pub fn bold(text: impl Into<String>) -> RichText {
    RichText::new(text.into()).family(FontFamily::Name("bold".into()))
}

pub fn muted(ui: &egui::Ui, text: impl Into<String>) -> RichText {
    RichText::new(text.into()).color(current(ui).muted)
}

/// A framed block with the card colour; `selected` draws a thick accent edge.
pub fn card<R>(
    ui: &mut egui::Ui,
    selected: bool,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> egui::InnerResponse<R> {
    let p = current(ui);
    egui::Frame::new()
        .fill(if selected { p.selected } else { p.card })
        .stroke(if selected {
            egui::Stroke::new(3.0, p.accent)
        } else {
            egui::Stroke::new(1.0, p.muted.gamma_multiply(0.3))
        })
        .corner_radius(8)
        .inner_margin(egui::Margin::same(14))
        .show(ui, add)
}

/// A full-width button with a key hint, e.g. `[1]  I'm Alex...`.
pub fn big_button(ui: &mut egui::Ui, key: &str, text: &str, highlighted: bool) -> egui::Response {
    let p = current(ui);
    let label = RichText::new(format!("{key}   {text}")).size(LABEL_SIZE);
    let button = egui::Button::new(label)
        .wrap()
        .fill(if highlighted { p.selected } else { p.card })
        .stroke(if highlighted {
            egui::Stroke::new(3.0, p.accent)
        } else {
            egui::Stroke::new(1.0, p.muted.gamma_multiply(0.4))
        })
        .min_size(egui::vec2(ui.available_width(), 48.0));
    ui.add(button)
}

/// A horizontal bar with a label, filled to `fraction` (0–1).
pub fn bar(ui: &mut egui::Ui, fraction: f32, color: Color32, text: impl Into<String>) {
    let p = current(ui);
    let width = ui.available_width();
    let text = text.into();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 30.0), egui::Sense::hover());
    // Painted, so it says what it is itself: a progress bar named by its words
    // ("Distress 6/10", "12 s to respond"), its fill as the value.
    response.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::ProgressIndicator, true, &text));
    ui.ctx().accesskit_node_builder(response.id, |node| {
        node.set_min_numeric_value(0.0);
        node.set_max_numeric_value(1.0);
        node.set_numeric_value(f64::from(fraction.clamp(0.0, 1.0)));
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 6.0, p.bg);
    let mut fill = rect;
    fill.set_width(rect.width() * fraction.clamp(0.0, 1.0));
    painter.rect_filled(fill, 6.0, color);
    painter.rect_stroke(
        rect,
        6.0,
        egui::Stroke::new(1.0, p.muted.gamma_multiply(0.5)),
        egui::StrokeKind::Inside,
    );
    let galley = painter.layout_no_wrap(text, FontId::new(18.0, FontFamily::Name("bold".into())), p.text);
    // Dark text where the fill is under the whole label, light text otherwise.
    let on_fill = fill.width() > galley.size().x + 16.0;
    let color = if on_fill { Color32::BLACK } else { p.text };
    let pos = rect.left_center() + egui::vec2(10.0, -galley.size().y / 2.0);
    painter.galley_with_override_text_color(pos, galley, color);
}

/// The strip of controls every screen shows at the top right: text size, contrast and speech.
pub fn display_controls(ui: &mut egui::Ui, prefs: &mut Prefs) {
    let mut changed = false;
    if ui.button("A+").on_hover_text("Larger text (Ctrl +)").clicked() {
        prefs.change_scale(0.1);
        changed = true;
    }
    if ui.button("A−").on_hover_text("Smaller text (Ctrl −)").clicked() {
        prefs.change_scale(-0.1);
        changed = true;
    }
    let label = if prefs.high_contrast { "Contrast: high" } else { "Contrast: normal" };
    if ui.button(label).on_hover_text("High-contrast theme (F3)").clicked() {
        prefs.high_contrast = !prefs.high_contrast;
        changed = true;
    }
    let label = if prefs.speech { "Speech: on" } else { "Speech: off" };
    if ui.button(label).on_hover_text("Speak the scene aloud (F4)").clicked() {
        prefs.speech = !prefs.speech;
        changed = true;
    }
    if changed {
        prefs.save();
    }
}

#[cfg(test)]
mod tests {
    //! Colour and contrast (issue 15, point 4): every text colour of both
    //! themes against every background it is drawn on meets WCAG 2.x AA for
    //! body text (4.5:1), and so does the dark label drawn over a filled bar.
    use super::*;

    /// WCAG 2.x relative luminance of an sRGB colour.
    fn luminance(c: Color32) -> f64 {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
    }

    fn contrast(a: Color32, b: Color32) -> f64 {
        let (hi, lo) = {
            let (x, y) = (luminance(a), luminance(b));
            if x > y { (x, y) } else { (y, x) }
        };
        (hi + 0.05) / (lo + 0.05)
    }

    const AA_BODY: f64 = 4.5;

    #[test]
    fn the_contrast_formula_matches_wcag_reference_values() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 1e-9);
        // #777777 on white is the classic just-below-AA grey (4.48:1).
        let grey = Color32::from_rgb(0x77, 0x77, 0x77);
        assert!((contrast(grey, Color32::WHITE) - 4.48).abs() < 0.01);
    }

    #[test]
    fn every_text_colour_meets_wcag_aa_on_every_background() {
        let mut failures = Vec::new();
        for (theme, p) in [("normal", NORMAL), ("high contrast", HIGH_CONTRAST)] {
            let mut texts = vec![
                ("text", p.text),
                ("muted", p.muted),
                ("accent", p.accent),
                ("good", p.good),
                ("warn", p.warn),
                ("bad", p.bad),
            ];
            for role in [
                Role::Subject,
                Role::Partner,
                Role::Family,
                Role::Bystander,
                Role::Dispatcher,
                Role::Responder,
                Role::Narrator,
            ] {
                texts.push(("a speaker's name", role_color(&p, role)));
            }
            let backgrounds =
                [("bg", p.bg), ("panel", p.panel), ("card", p.card), ("selected card", p.selected)];
            for (fg_name, fg) in &texts {
                for (bg_name, bg) in &backgrounds {
                    let ratio = contrast(*fg, *bg);
                    if ratio < AA_BODY {
                        failures.push(format!("{theme}: {fg_name} on {bg_name} is {ratio:.2}:1"));
                    }
                }
            }
            // `bar` draws its label in black over the fill once the fill is wide enough.
            for (fill_name, fill) in
                [("good", p.good), ("warn", p.warn), ("bad", p.bad), ("accent", p.accent)]
            {
                let ratio = contrast(Color32::BLACK, fill);
                if ratio < AA_BODY {
                    failures.push(format!("{theme}: black bar label on {fill_name} is {ratio:.2}:1"));
                }
            }
        }
        assert!(failures.is_empty(), "below WCAG AA (4.5:1):\n{}", failures.join("\n"));
    }
}
