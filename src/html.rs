//! Small helpers shared by the HTML pages (the debrief, the class report):
//! escaping text from files and people, and the marker shapes the state
//! timeline draws (shape, not only colour, tells a critical error or a chance
//! roll, so the chart reads in black and white and for colour-blind readers).

/// HTML-escaped, with control characters and bidirectional overrides shown
/// as escapes (see [`crate::text::printable`]).
pub fn escape(s: &str) -> String {
    crate::text::printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// How a decision is marked on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// The best available there: a filled circle.
    Best,
    /// Not the best available: a hollow circle.
    Other,
    /// A critical error: a cross.
    Critical,
    /// A weighted random route decided what happened next: a diamond.
    Chance,
}

impl Marker {
    /// What the legend says.
    pub fn label(self) -> &'static str {
        match self {
            Marker::Best => "best available",
            Marker::Other => "a better choice was open",
            Marker::Critical => "critical error",
            Marker::Chance => "chance roll",
        }
    }

    pub const ALL: [Marker; 4] = [Marker::Best, Marker::Other, Marker::Critical, Marker::Chance];

    /// The shape at `(x, y)`, about `r` in radius, as SVG, in `colour`.
    pub fn svg(self, x: f64, y: f64, r: f64, colour: &str) -> String {
        match self {
            Marker::Best => {
                format!(
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{colour}\" stroke=\"#000\"/>"
                )
            }
            Marker::Other => format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"#fff\" stroke=\"{colour}\" stroke-width=\"2.5\"/>"
            ),
            Marker::Critical => {
                let d = r * 1.1;
                format!(
                    "<path d=\"M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}\" stroke=\"#b71c1c\" stroke-width=\"4\" stroke-linecap=\"round\"/>",
                    x - d,
                    y - d,
                    x + d,
                    y + d,
                    x - d,
                    y + d,
                    x + d,
                    y - d
                )
            }
            Marker::Chance => {
                let d = r * 1.35;
                format!(
                    "<path d=\"M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z\" fill=\"#fff\" stroke=\"{colour}\" stroke-width=\"2.5\"/>",
                    y - d,
                    x + d,
                    y + d,
                    x - d
                )
            }
        }
    }
}
