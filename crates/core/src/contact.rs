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
///
/// Numbers are read by the `phonenumber` crate (libphonenumber's metadata) and must have a
/// known country calling code and a national number of a length that country uses. Whether the
/// number is actually assigned is not checked: the `+1 555` numbers kept for fiction and tests
/// pass.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts a number in international form (`+` and the country code), ignoring spaces,
    /// dots, dashes and parentheses.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not a phone number in international form, such as +15551234567");
        if !t.starts_with('+') {
            return Err(bad());
        }
        Self::read(t, None).ok_or_else(bad)
    }

    /// Accepts a number in international form, or in the national form of `region` (an ISO
    /// 3166 alpha-2 code such as `US`, `GB` or `ES`): `(415) 555-2671` in `US` is
    /// `+14155552671`.
    pub fn parse_in(text: &str, region: &str) -> Result<Self, String> {
        let t = text.trim();
        let id: phonenumber::country::Id = region
            .trim()
            .to_ascii_uppercase()
            .parse()
            .map_err(|_| format!("`{region}` is not a country code"))?;
        Self::read(t, Some(id)).ok_or_else(|| format!("`{t}` is not a phone number in {}", id.as_ref()))
    }

    fn read(t: &str, region: Option<phonenumber::country::Id>) -> Option<Self> {
        // Only digits and the usual separators: phonenumber would also read letters (vanity
        // numbers) and extensions, which a contact number should not carry.
        let rest = t.strip_prefix('+').unwrap_or(t);
        if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')')) {
            return None;
        }
        let number = phonenumber::parse(region, t).ok()?;
        let code = number.code().value();
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        let national = e164.len().checked_sub(1 + code.to_string().len())?;
        let possible = u16::try_from(national).is_ok_and(|n| possible_lengths(code).contains(&n));
        (possible && (9..=16).contains(&e164.len())).then_some(Self(e164))
    }

    /// The number, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The national number lengths some kind of number has under a country calling code (empty for
/// a code no country uses).
fn possible_lengths(code: u16) -> Vec<u16> {
    let mut metas = phonenumber::metadata::DATABASE.by_code(&code).unwrap_or_default();
    // A code shared by several countries (+1, +44, +7) is read by its main country's lengths.
    if metas.iter().any(|m| m.is_main_country_for_code()) {
        metas.retain(|m| m.is_main_country_for_code());
    }
    let mut out: Vec<u16> = metas
        .iter()
        .flat_map(|m| {
            let d = m.descriptors();
            [d.fixed_line(), d.mobile(), d.toll_free(), d.premium_rate(), d.shared_cost()]
                .into_iter()
                .chain([d.personal_number(), d.voip(), d.pager(), d.uan(), d.voicemail()])
                .flatten()
                .flat_map(|desc| desc.possible_length().iter().copied())
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
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
        assert_eq!(Phone::parse("+34 612 345 678").map(|p| p.0), Ok("+34612345678".into()));
        for bad in ["5551234567", "+1", "+1555abc4567", "+0123456789", "+1234567890123456"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_of_the_wrong_length_are_refused() {
        for bad in
            ["+1 555 000", "+1 415 555 26710", "+44 20 7946", "+999 1234 5678", "+1 415 555 2671 ext 2"]
        {
            let err = Phone::parse(bad).unwrap_err();
            assert!(err.contains("is not a phone number in international form"), "{bad}: {err}");
        }
    }

    #[test]
    fn national_forms_in_a_region() {
        for (text, region, e164) in [
            ("(415) 555-2671", "US", "+14155552671"),
            ("415.555.2671", "us", "+14155552671"),
            ("020 7946 0958", "GB", "+442079460958"),
            ("612 34 56 78", "ES", "+34612345678"),
            ("+44 20 7946 0958", "US", "+442079460958"),
        ] {
            assert_eq!(Phone::parse_in(text, region).map(|p| p.0), Ok(e164.to_owned()), "{text} in {region}");
        }
        assert_eq!(Phone::parse_in("555 2671", "US"), Err("`555 2671` is not a phone number in US".into()));
        assert!(Phone::parse_in("(415) 555-2671", "XX").is_err());
        assert!(Phone::parse_in("07946 0958", "GB").is_err());
        // Without a region a national form is refused.
        assert!(Phone::parse("(415) 555-2671").is_err());
    }
}
