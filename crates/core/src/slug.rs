//! Slugs: the names public URLs use (`/book/{tenant}/{event-type}`). Lower-case ASCII letters,
//! digits and dashes, 1 to 63 characters, starting and ending with a letter or digit.

use crate::error::FieldError;

/// Longest slug.
pub const MAX_LEN: usize = 63;

/// Checks a slug.
pub fn check(field: &str, slug: &str) -> Result<(), FieldError> {
    let ok = (1..=MAX_LEN).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must be 1 to {MAX_LEN} lower-case letters, digits and dashes, not starting or ending with a dash"
            ),
        ))
    }
}

/// A slug made from a name: letters written in ASCII (`Café Müller` → `cafe-muller`), every
/// run of other characters one dash; `t` when nothing is left.
pub fn from_name(name: &str) -> String {
    let ascii = deunicode::deunicode(name).to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len().min(MAX_LEN));
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= MAX_LEN {
            break;
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() { "t".to_owned() } else { trimmed.to_owned() }
}

/// The `n`th choice for `base` when earlier ones are taken: `base`, `base-2`, `base-3`, ...,
/// cut so the whole stays within [`MAX_LEN`].
pub fn candidate(base: &str, n: u32) -> String {
    if n <= 1 {
        return base.to_owned();
    }
    let suffix = format!("-{n}");
    let keep = base.len().min(MAX_LEN - suffix.len());
    format!("{}{suffix}", base[..keep].trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_slugs_that_check() {
        for (name, slug) in [
            ("Acme Dental, Inc.", "acme-dental-inc"),
            ("Café Müller", "cafe-muller"),
            ("  --Hello__World--  ", "hello-world"),
            ("東京", "dong-jing"),
            ("!!!", "t"),
            ("", "t"),
        ] {
            assert_eq!(from_name(name), slug, "{name}");
            assert!(check("slug", slug).is_ok());
        }
        let long = from_name(&"a".repeat(500));
        assert_eq!(long.len(), MAX_LEN);
        assert!(check("slug", &candidate(&long, 12)).is_ok());
        assert_eq!(candidate("acme", 1), "acme");
        assert_eq!(candidate("acme", 2), "acme-2");
    }

    #[test]
    fn bad_slugs_are_refused() {
        for bad in ["", "-a", "a-", "A", "a b", "a_b", "é", &"a".repeat(64)] {
            assert!(check("slug", bad).is_err(), "{bad:?}");
        }
    }
}
