//! Small helpers shared by the HTML pages (the debrief, the class report):
//! escaping text from files and people, one meter's chart panel (frame,
//! range, good end), and the marker shapes the state timeline draws (shape, not only colour, tells a critical error or a chance
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

    /// Every marker, in the order the legend lists them.
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

/// One meter's panel in an SVG chart: where it sits and the meter's range.
#[derive(Debug, Clone, Copy)]
pub struct MeterPanel<'a> {
    /// The meter's name, as the scenario gives it (shown left of the plot).
    pub name: &'a str,
    /// The meter's lowest value (the scenario's `min`); the panel's bottom edge.
    pub min: i32,
    /// The meter's highest value (the scenario's `max`); the panel's top edge.
    pub max: i32,
    /// True when the high end is the good one for the person.
    pub higher_is_better: bool,
    /// Left edge of the plot (the meter's name and range sit left of it).
    pub left: f64,
    /// Top edge of the plot, in SVG user units (y grows downwards).
    pub top: f64,
    /// Width of the plot, in SVG user units.
    pub width: f64,
    /// Height of the plot, in SVG user units; `min` is drawn at `top + height`.
    pub height: f64,
}

impl MeterPanel<'_> {
    /// The good end of the range.
    pub fn good_end(&self) -> i32 {
        if self.higher_is_better { self.max } else { self.min }
    }

    /// The y coordinate of a meter value.
    pub fn y(&self, v: f64) -> f64 {
        let span = f64::from(self.max - self.min).max(1.0);
        self.top + self.height - self.height * (v - f64::from(self.min)) / span
    }

    /// The frame, the good end as a thick green edge labelled in words, the
    /// meter's name and its range: everything but the data.
    pub fn frame(&self) -> String {
        let (left, top, right) = (self.left, self.top, self.left + self.width);
        let good_y = self.y(f64::from(self.good_end()));
        format!(
            "<rect x=\"{left}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n\
             <line class=\"good-end\" x1=\"{left}\" y1=\"{good_y:.1}\" x2=\"{right:.1}\" y2=\"{good_y:.1}\" stroke=\"#2e7d32\" stroke-width=\"4\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#2e7d32\">good end ({})</text>\n\
             <text x=\"6\" y=\"{:.1}\" font-weight=\"bold\" font-size=\"13\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            self.width,
            self.height,
            right - 4.0,
            if self.higher_is_better { good_y + 14.0 } else { good_y - 5.0 },
            self.good_end(),
            top + self.height / 2.0,
            escape(self.name),
            left - 4.0,
            top + 10.0,
            self.max,
            left - 4.0,
            top + self.height,
            self.min
        )
    }
}
