//! The business's country, guessed from its zone: it decides holidays and whether "3/4" is
//! March 4th (US, Canada) or 3 April (everyone else).

use jiff::tz::TimeZone;

/// Country for holidays and date-order conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Country {
    Us,
    Ca,
    Gb,
    Ie,
    Au,
    Nz,
    Other,
}

/// IANA zones in Canada (`America/...`), current and linked names.
const CANADIAN: &[&str] = &[
    "Toronto",
    "Vancouver",
    "Edmonton",
    "Winnipeg",
    "Halifax",
    "St_Johns",
    "Regina",
    "Montreal",
    "Moncton",
    "Glace_Bay",
    "Goose_Bay",
    "Whitehorse",
    "Dawson",
    "Dawson_Creek",
    "Fort_Nelson",
    "Creston",
    "Yellowknife",
    "Inuvik",
    "Iqaluit",
    "Rankin_Inlet",
    "Resolute",
    "Cambridge_Bay",
    "Swift_Current",
    "Atikokan",
    "Coral_Harbour",
    "Blanc-Sablon",
    "Nipigon",
    "Thunder_Bay",
    "Rainy_River",
    "Pangnirtung",
];

impl Country {
    /// `America/*` is the US, except Canada's zones; `Europe/London` is Great Britain,
    /// `Europe/Dublin` Ireland, `Australia/*` Australia, `Pacific/Auckland` and
    /// `Pacific/Chatham` New Zealand; the legacy names (`US/*`, `Canada/*`, `GB`, `Eire`, `NZ`)
    /// count too. Everything else, including zones without a name, is `Other`.
    pub fn from_zone(tz: &TimeZone) -> Country {
        let Some(name) = tz.iana_name() else { return Country::Other };
        if let Some(city) = name.strip_prefix("America/") {
            return if CANADIAN.contains(&city) { Country::Ca } else { Country::Us };
        }
        if name.starts_with("US/") {
            return Country::Us;
        }
        if name.starts_with("Canada/") {
            return Country::Ca;
        }
        if name.starts_with("Australia/") {
            return Country::Au;
        }
        match name {
            "Europe/London" | "GB" | "GB-Eire" | "Europe/Belfast" => Country::Gb,
            "Europe/Dublin" | "Eire" => Country::Ie,
            "Pacific/Auckland" | "Pacific/Chatham" | "NZ" | "NZ-CHAT" => Country::Nz,
            _ => Country::Other,
        }
    }
}
