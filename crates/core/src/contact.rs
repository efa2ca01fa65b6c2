//! Validated contact details: once a value is an [`Email`] or a [`Phone`], it is well-formed.

use std::fmt;

/// An email address: RFC 5321/5322 syntax as the `email_address` crate reads it, with a domain of
/// at least two labels and no display text or domain literal; on top of that, no white space,
/// control characters or `<>,;` anywhere (nothing that could split a mail header), and at most
/// 254 characters. (Deliverability is the mail server's business, not ours.)
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Checks an address; surrounding spaces are trimmed and the domain lower-cased.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not an email address");
        let rfc = email_address::Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        email_address::EmailAddress::parse_with_options(t, rfc).map_err(|_| bad())?;
        let (local, domain) = t.rsplit_once('@').ok_or_else(bad)?;
        // The crate checked the grammar and the lengths of the parts.
        let ok = t.len() <= 254
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
            // Grammar the crate knows: dots at the ends of the local part or twice in a row,
            // labels starting with a hyphen.
            ".pat@x.test",
            "pat.@x.test",
            "pa..t@x.test",
            "pat@-x.test",
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
