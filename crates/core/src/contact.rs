//! Validated contact details: once a value is an [`Email`] or a [`Phone`], it is well-formed.

use std::fmt;

/// An email address: one `@`, a non-empty local part, a domain with a dot, no spaces, at most
/// 254 characters. (Deliverability is the mail server's business, not ours.)
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Checks an address; surrounding spaces are trimmed and the domain lower-cased.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not an email address");
        let (local, domain) = t.rsplit_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && t.len() <= 254
            && !t.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
            && !local.contains('@');
        if !ok {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number in E.164 form (`+15551234567`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts `+` and 8 to 15 digits, ignoring spaces, dots, dashes and parentheses.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not a phone number in international form, such as +15551234567");
        let rest = t.strip_prefix('+').ok_or_else(bad)?;
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(bad()),
            }
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(bad());
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The number, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Pat@Example.TEST ").map(|e| e.0), Ok("Pat@example.test".into()));
        for bad in [
            "",
            "pat",
            "pat@",
            "@x.test",
            "pat@x",
            "pa t@x.test",
            "pat@x..test",
            "a@b@c.test",
            "<pat@x.test>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(Phone::parse("+1 (555) 123-4567").map(|p| p.0), Ok("+15551234567".into()));
        assert_eq!(Phone::parse("+44 20 7946 0958").map(|p| p.0), Ok("+442079460958".into()));
        for bad in ["5551234567", "+1", "+1555abc4567", "+0123456789", "+1234567890123456"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
