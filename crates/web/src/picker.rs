//! The time picker both public pages show without JavaScript: a month of days (those with free
//! times are links), the free times of the chosen day, and the zone they are shown in.

/// One cell of the month grid.
#[derive(Clone, Debug, Default)]
pub struct Day {
    /// Day of the month (empty for cells outside the month).
    pub label: String,
    /// Where choosing it leads, when it has free times.
    pub href: Option<String>,
    /// Read by screen readers: "Tuesday 3 March, free times".
    pub aria_label: String,
    /// The day whose times are shown.
    pub selected: bool,
}

/// A month of days, Monday first.
#[derive(Clone, Debug, Default)]
pub struct Month {
    /// "March 2026".
    pub title: String,
    /// Rows of seven cells.
    pub weeks: Vec<Vec<Day>>,
    /// The month before, when it can still hold free times.
    pub prev: Option<String>,
    /// The month after, when it is within the booking horizon.
    pub next: Option<String>,
}

/// A free time of the chosen day.
#[derive(Clone, Debug)]
pub struct Time {
    /// "9:30 AM" or "09:30", as the visitor's locale writes times.
    pub label: String,
    /// Where choosing it leads.
    pub href: String,
}

/// A zone the visitor may pick.
#[derive(Clone, Debug)]
pub struct Zone {
    /// IANA name.
    pub name: String,
    /// Whether it is the zone times are shown in.
    pub selected: bool,
}

/// Everything the picker shows.
#[derive(Clone, Debug, Default)]
pub struct Picker {
    /// The section's heading ("Choose a time", "Choose a new time").
    pub heading: String,
    /// The month shown.
    pub month: Month,
    /// "Tuesday 3 March" when a day is chosen.
    pub day_title: Option<String>,
    /// The chosen day's free times.
    pub times: Vec<Time>,
    /// The zone times are shown in (IANA name).
    pub zone: String,
    /// Zones to choose from.
    pub zones: Vec<Zone>,
    /// Query fields the zone form keeps (name, value), besides `tz`.
    pub keep: Vec<(String, String)>,
}
