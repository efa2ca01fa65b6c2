//! Zones a caller names after a time: "3pm eastern", "10:30 PST", "noon Pacific time", "14:00
//! CET", "5pm my time", an ISO offset. Region words and abbreviations name the region's zone
//! (a caller who says "PST" in July means Pacific time), so "EST" and "EDT" are both New York.

use jiff::tz::{Offset, TimeZone};

use crate::lexer::Tok;
use crate::parts::P;

/// A zone as named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ZoneRef {
    /// An IANA zone.
    Iana(&'static str),
    /// A fixed UTC offset in seconds ("Z", "+02:00", "UTC+2").
    Fixed(i32),
    /// "my time": the caller's zone, when the context knows it.
    Caller,
    /// "your time", "local time": the business's zone.
    Business,
}

impl ZoneRef {
    /// The zone to compute in, or `None` to stay in the business's zone.
    pub(crate) fn zone(self, caller: Option<&TimeZone>, business: &TimeZone) -> Option<TimeZone> {
        match self {
            ZoneRef::Iana(name) => TimeZone::get(name).ok(),
            ZoneRef::Fixed(secs) => Offset::from_seconds(secs).ok().map(TimeZone::fixed),
            ZoneRef::Caller => caller.cloned(),
            ZoneRef::Business => Some(business.clone()),
        }
    }
}

/// Zone names, longest first within a leading word; a trailing "time" is read by [`parse`].
const NAMES: &[(&[&str], ZoneRef)] = &[
    (&["eastern"], ZoneRef::Iana("America/New_York")),
    (&["east", "coast"], ZoneRef::Iana("America/New_York")),
    (&["est"], ZoneRef::Iana("America/New_York")),
    (&["edt"], ZoneRef::Iana("America/New_York")),
    (&["et"], ZoneRef::Iana("America/New_York")),
    (&["new", "york"], ZoneRef::Iana("America/New_York")),
    (&["central", "european"], ZoneRef::Iana("Europe/Paris")),
    (&["central"], ZoneRef::Iana("America/Chicago")),
    (&["cst"], ZoneRef::Iana("America/Chicago")),
    (&["cdt"], ZoneRef::Iana("America/Chicago")),
    (&["ct"], ZoneRef::Iana("America/Chicago")),
    (&["chicago"], ZoneRef::Iana("America/Chicago")),
    (&["mountain"], ZoneRef::Iana("America/Denver")),
    (&["mst"], ZoneRef::Iana("America/Denver")),
    (&["mdt"], ZoneRef::Iana("America/Denver")),
    (&["mt"], ZoneRef::Iana("America/Denver")),
    (&["denver"], ZoneRef::Iana("America/Denver")),
    (&["arizona"], ZoneRef::Iana("America/Phoenix")),
    (&["pacific"], ZoneRef::Iana("America/Los_Angeles")),
    (&["west", "coast"], ZoneRef::Iana("America/Los_Angeles")),
    (&["pst"], ZoneRef::Iana("America/Los_Angeles")),
    (&["pdt"], ZoneRef::Iana("America/Los_Angeles")),
    (&["pt"], ZoneRef::Iana("America/Los_Angeles")),
    (&["la"], ZoneRef::Iana("America/Los_Angeles")),
    (&["california"], ZoneRef::Iana("America/Los_Angeles")),
    (&["alaska"], ZoneRef::Iana("America/Anchorage")),
    (&["akst"], ZoneRef::Iana("America/Anchorage")),
    (&["akdt"], ZoneRef::Iana("America/Anchorage")),
    (&["hawaii"], ZoneRef::Iana("Pacific/Honolulu")),
    (&["hst"], ZoneRef::Iana("Pacific/Honolulu")),
    (&["atlantic"], ZoneRef::Iana("America/Halifax")),
    (&["newfoundland"], ZoneRef::Iana("America/St_Johns")),
    (&["ndt"], ZoneRef::Iana("America/St_Johns")),
    (&["nst"], ZoneRef::Iana("America/St_Johns")),
    (&["utc"], ZoneRef::Fixed(0)),
    (&["gmt"], ZoneRef::Fixed(0)),
    (&["zulu"], ZoneRef::Fixed(0)),
    (&["z"], ZoneRef::Fixed(0)),
    (&["uk"], ZoneRef::Iana("Europe/London")),
    (&["british"], ZoneRef::Iana("Europe/London")),
    (&["bst"], ZoneRef::Iana("Europe/London")),
    (&["london"], ZoneRef::Iana("Europe/London")),
    (&["irish"], ZoneRef::Iana("Europe/Dublin")),
    (&["dublin"], ZoneRef::Iana("Europe/Dublin")),
    (&["cet"], ZoneRef::Iana("Europe/Paris")),
    (&["cest"], ZoneRef::Iana("Europe/Paris")),
    (&["paris"], ZoneRef::Iana("Europe/Paris")),
    (&["berlin"], ZoneRef::Iana("Europe/Berlin")),
    (&["madrid"], ZoneRef::Iana("Europe/Madrid")),
    (&["peninsular"], ZoneRef::Iana("Europe/Madrid")),
    (&["canarias"], ZoneRef::Iana("Atlantic/Canary")),
    (&["eet"], ZoneRef::Iana("Europe/Athens")),
    (&["eest"], ZoneRef::Iana("Europe/Athens")),
    (&["wet"], ZoneRef::Iana("Europe/Lisbon")),
    (&["ist"], ZoneRef::Iana("Asia/Kolkata")),
    (&["india"], ZoneRef::Iana("Asia/Kolkata")),
    (&["jst"], ZoneRef::Iana("Asia/Tokyo")),
    (&["tokyo"], ZoneRef::Iana("Asia/Tokyo")),
    (&["aest"], ZoneRef::Iana("Australia/Sydney")),
    (&["aedt"], ZoneRef::Iana("Australia/Sydney")),
    (&["sydney"], ZoneRef::Iana("Australia/Sydney")),
    (&["acst"], ZoneRef::Iana("Australia/Adelaide")),
    (&["awst"], ZoneRef::Iana("Australia/Perth")),
    (&["nzst"], ZoneRef::Iana("Pacific/Auckland")),
    (&["nzdt"], ZoneRef::Iana("Pacific/Auckland")),
    (&["mexico", "city"], ZoneRef::Iana("America/Mexico_City")),
    (&["mexico"], ZoneRef::Iana("America/Mexico_City")),
    (&["bogota"], ZoneRef::Iana("America/Bogota")),
    (&["buenos", "aires"], ZoneRef::Iana("America/Argentina/Buenos_Aires")),
    (&["argentina"], ZoneRef::Iana("America/Argentina/Buenos_Aires")),
    (&["my", "local"], ZoneRef::Caller),
    (&["my"], ZoneRef::Caller),
    (&["your", "local"], ZoneRef::Business),
    (&["your"], ZoneRef::Business),
    (&["local"], ZoneRef::Business),
];

/// Names that are zones only with "time" after them ("central time", "my time").
fn needs_time(ws: &[&str]) -> bool {
    matches!(
        ws.first().copied(),
        Some(
            "my" | "your"
                | "local"
                | "new"
                | "chicago"
                | "denver"
                | "la"
                | "london"
                | "dublin"
                | "paris"
                | "berlin"
                | "madrid"
                | "tokyo"
                | "sydney"
                | "mexico"
                | "bogota"
                | "buenos"
                | "argentina"
                | "uk"
                | "india"
                | "california"
                | "arizona"
                | "east"
                | "west"
        )
    )
}

/// A zone named at token `i` (after a time): the zone and the token after it.
pub(crate) fn parse(p: &P, i: usize) -> Option<(ZoneRef, usize)> {
    let w = p.word(i)?;
    let (ws, zone, mut e) = NAMES
        .iter()
        .filter(|(ws, _)| ws.first() == Some(&w))
        .find_map(|(ws, z)| p.seq(i, ws).map(|e| (*ws, *z, e)))?;
    e = p.one_of(e, &[&["standard"], &["daylight"], &["summer"]]).unwrap_or(e);
    let timed = p.one_of(e, &[&["time"], &["timezone"], &["zone"], &["time", "zone"]]);
    if needs_time(ws) && timed.is_none() {
        return None;
    }
    e = timed.unwrap_or(e);
    if let ZoneRef::Fixed(0) = zone {
        return Some(offset_after(p, e).unwrap_or((zone, e)));
    }
    Some((zone, e))
}

/// "UTC+2", "GMT-5", "UTC +05:30".
fn offset_after(p: &P, e: usize) -> Option<(ZoneRef, usize)> {
    let (k, sign) = match p.tok(e)? {
        Tok::Dash => (e + 1, -1),
        Tok::Word(w) if w == "in" => (e + 1, 1), // the lexer reads a glued "+2" as "in 2"
        Tok::Num(_) | Tok::Clock { .. } => {
            let gap = p
                .toks
                .get(e.wrapping_sub(1))
                .zip(p.toks.get(e))
                .and_then(|(a, b)| p.text.get(a.end..b.start));
            if !gap.is_some_and(|g| g.contains('+')) {
                return None;
            }
            (e, 1)
        }
        _ => return None,
    };
    let secs = match p.tok(k)? {
        Tok::Num(n) if !n.ord && n.val <= 14 => i32::try_from(n.val).ok()? * 3600,
        Tok::Clock { h, m, .. } if *h <= 14 => i32::try_from(h * 3600 + m * 60).ok()?,
        _ => return None,
    };
    Some((ZoneRef::Fixed(sign * secs), k + 1))
}
