//! Text a person typed: names and titles on one line, notes and descriptions on several, each
//! bounded, with no control characters.
//!
//! Control characters have no business in a name and real harm elsewhere: a NUL is refused by
//! PostgreSQL, a CR or LF in a name becomes a new line in an iCalendar file or an email header.
//! So names are one line of printable text, and free text may hold line breaks and tabs only.

use crate::error::FieldError;

/// Line and paragraph separators that some readers treat as line breaks.
const SEPARATORS: [char; 2] = ['\u{2028}', '\u{2029}'];

/// True when `c` may appear in free text: anything printable, line breaks and tabs.
pub fn allowed_in_text(c: char) -> bool {
    !c.is_control() || matches!(c, '\n' | '\r' | '\t')
}

/// A one-line value of 1 to `max` characters, trimmed.
pub fn line(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(FieldError::new(field, format!("must be 1 to {max} characters")));
    }
    if v.chars().any(|c| c.is_control() || SEPARATORS.contains(&c)) {
        return Err(FieldError::new(field, "must be one line without control characters"));
    }
    Ok(v.to_owned())
}

/// Free text of at most `max` characters: line breaks (stored as `\n`) and tabs are kept,
/// other control characters refused.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if value.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if !value.chars().all(allowed_in_text) {
        return Err(FieldError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(value.replace("\r\n", "\n").replace('\r', "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_refuse_breaks_and_controls() {
        assert_eq!(line("name", "  Pat Lee ", 10).unwrap(), "Pat Lee");
        for bad in ["", "   ", "Pat\r\nATTENDEE:mailto:x@y", "a\0b", "a\u{7f}", "a\u{2028}b", "abcdefghijk"] {
            assert_eq!(line("name", bad, 10).unwrap_err().field, "name", "{bad:?}");
        }
    }

    #[test]
    fn text_keeps_breaks_and_tabs_only() {
        assert_eq!(text("notes", "one\r\ntwo\rthree\tfour", 100).unwrap(), "one\ntwo\nthree\tfour");
        assert!(text("notes", "nul\0here", 100).is_err());
        assert!(text("notes", "bell\u{7}", 100).is_err());
        assert!(text("notes", "abc", 2).is_err());
        assert_eq!(text("notes", "", 2).unwrap(), "");
    }
}
