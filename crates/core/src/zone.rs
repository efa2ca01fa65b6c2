//! A zone as Sked keeps it (a schedule's, a host's, a voice agent's): an IANA name the tz
//! database lists, with its rules loaded. Once a value is a [`Zone`] it is one; a stored name
//! that is not is an error where it is read, never UTC in its place.

use std::fmt;

use jiff::tz::TimeZone;

use crate::error::FieldError;
use crate::local::parse_zone;

/// A known IANA zone: the name as given (shown and stored as it came) and its rules.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// Checks `name` (`America/New_York`, `UTC`); an error names `field`.
    pub fn parse(field: &str, name: &str) -> Result<Self, FieldError> {
        Ok(Self { tz: parse_zone(field, name)?, name: name.to_owned() })
    }

    /// `UTC`, where it is meant (not as a stand-in for an unknown zone).
    pub fn utc() -> Self {
        Self { name: "UTC".to_owned(), tz: TimeZone::UTC }
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The zone's rules.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }
}

/// Two zones are the same when their names are.
impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::str::FromStr for Zone {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        Self::parse("time_zone", s)
    }
}

/// How the store reads a stored name back.
impl TryFrom<String> for Zone {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Ok(Self { tz: parse_zone("time_zone", &s)?, name: s })
    }
}

impl serde::Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> serde::Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::try_from(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_names_are_zones() {
        let ny = Zone::try_from("America/New_York".to_owned()).unwrap();
        assert_eq!((ny.as_str(), ny.tz().iana_name()), ("America/New_York", Some("America/New_York")));
        assert_eq!(Zone::parse("tz", "UTC").unwrap(), Zone::utc());
        for bad in ["Mars/Olympus", "", "localtime", "EST5EDT,M3.2.0,M11.1.0"] {
            assert!(Zone::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        assert_eq!(Zone::parse("tz", "Nowhere").unwrap_err().field, "tz");
        let json = serde_json::to_string(&ny).unwrap();
        assert_eq!(json, "\"America/New_York\"");
        assert_eq!(serde_json::from_str::<Zone>(&json).unwrap(), ny);
        assert!(serde_json::from_str::<Zone>("\"Mars/Olympus\"").is_err());
    }
}
