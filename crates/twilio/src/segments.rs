//! How many SMS segments a text costs: GSM-7 (GSM 03.38 basic set and extension table) when
//! every character has a GSM-7 code, UCS-2 otherwise; and [`gsm_friendly`], which replaces
//! typographic punctuation with GSM-7 equivalents so that a text stays cheap.

use std::borrow::Cow;

/// The GSM 03.38 basic character set (one septet each), without the escape code.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table (an escape septet and the character's own).
const GSM_EXTENDED: &str = "^{}\\[~]|€\u{0C}";

/// Septets in a single GSM-7 message, and in each part of a multipart one (the rest is the
/// concatenation header).
const GSM_SINGLE: u32 = 160;
const GSM_PART: u32 = 153;
/// UTF-16 code units in a single UCS-2 message, and in each part of a multipart one.
const UCS2_SINGLE: u32 = 70;
const UCS2_PART: u32 = 67;

/// The character encoding a text is sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The GSM 03.38 7-bit alphabet.
    Gsm7,
    /// UCS-2 (UTF-16 code units), for any text with a character GSM-7 lacks.
    Ucs2,
}

/// What a text costs as an SMS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segments {
    /// The encoding it goes in.
    pub encoding: Encoding,
    /// How many segments (messages billed); 0 for an empty text.
    pub count: u32,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text.
    pub units: u32,
}

/// Septets `c` takes in GSM-7, or `None` when GSM-7 has no code for it.
fn gsm_septets(c: char) -> Option<u32> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENDED.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// True when every character of `text` has a GSM-7 code.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm_septets(c).is_some())
}

/// The encoding and segment count of `text`. A character is never split across segments (an
/// extension character's two septets, or a surrogate pair, stay together).
pub fn segments(text: &str) -> Segments {
    let gsm: Option<Vec<u32>> = text.chars().map(gsm_septets).collect();
    let (encoding, sizes, single, part) = match gsm {
        Some(sizes) => (Encoding::Gsm7, sizes, GSM_SINGLE, GSM_PART),
        None => {
            let sizes = text.chars().map(|c| c.len_utf16() as u32).collect();
            (Encoding::Ucs2, sizes, UCS2_SINGLE, UCS2_PART)
        }
    };
    let units: u32 = sizes.iter().sum();
    let count = if units == 0 {
        0
    } else if units <= single {
        1
    } else {
        pack(&sizes, part)
    };
    Segments { encoding, count, units }
}

/// Parts needed to hold characters of `sizes` in order, at most `part` units in each.
fn pack(sizes: &[u32], part: u32) -> u32 {
    let mut count = 1;
    let mut used = 0;
    for &size in sizes {
        if used + size > part {
            count += 1;
            used = 0;
        }
        used += size;
    }
    count
}

/// GSM-7 stand-ins for characters that keyboards and word processors put in text: curly quotes,
/// dashes, the ellipsis, unusual spaces. Zero-width characters are dropped.
fn friendly(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '\u{00B4}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => "\"",
        '\u{2039}' => "<",
        '\u{203A}' => ">",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => "-",
        '\u{2022}' | '\u{00B7}' => "-",
        '\u{2026}' => "...",
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => "",
        '\u{2028}' | '\u{2029}' => "\n",
        '\u{02C6}' => "^",
        '\u{02DC}' => "~",
        '\u{2044}' | '\u{2215}' => "/",
        _ => return None,
    })
}

/// `text` with typographic punctuation and spaces replaced by GSM-7 equivalents, so that it stays
/// GSM-7 (160 characters a segment rather than 70) when nothing else needs UCS-2. Letters are
/// never changed; text that needs no change is returned as it is.
pub fn gsm_friendly(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| friendly(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match friendly(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seg(text: &str) -> (Encoding, u32, u32) {
        let s = segments(text);
        (s.encoding, s.count, s.units)
    }

    #[test]
    fn counts() {
        use Encoding::{Gsm7, Ucs2};
        let a = |n: usize| "a".repeat(n);
        let cases: Vec<(String, (Encoding, u32, u32))> = vec![
            (String::new(), (Gsm7, 0, 0)),
            ("Hello".into(), (Gsm7, 1, 5)),
            (a(160), (Gsm7, 1, 160)),
            (a(161), (Gsm7, 2, 161)),
            (a(306), (Gsm7, 2, 306)),
            (a(307), (Gsm7, 3, 307)),
            ("€".repeat(80), (Gsm7, 1, 160)),
            ("€".repeat(81), (Gsm7, 2, 162)),
            // 152 septets, then a two-septet character that must not straddle the boundary.
            (format!("{}€{}", a(152), a(7)), (Gsm7, 2, 161)),
            (format!("{}€{}", a(152), a(153)), (Gsm7, 3, 307)),
            ("{[|]}\\^~\u{0C}".into(), (Gsm7, 1, 18)),
            ("Café à 9h, Ñandú? ¿Sí? £5 ¥ §".into(), (Ucs2, 1, 29)),
            ("Café à 9h £5 ¥ §".into(), (Gsm7, 1, 16)),
            ("Grüße".into(), (Gsm7, 1, 5)),
            ("Привет".into(), (Ucs2, 1, 6)),
            ("ł".repeat(70), (Ucs2, 1, 70)),
            ("ł".repeat(71), (Ucs2, 2, 71)),
            ("ł".repeat(134), (Ucs2, 2, 134)),
            ("ł".repeat(135), (Ucs2, 3, 135)),
            ("😀".into(), (Ucs2, 1, 2)),
            ("😀".repeat(35), (Ucs2, 1, 70)),
            // 66 units then a surrogate pair: the pair goes whole to the second part.
            (format!("{}😀{}", "ł".repeat(66), "ł".repeat(5)), (Ucs2, 2, 73)),
            (format!("{}😀{}", "ł".repeat(66), "ł".repeat(66)), (Ucs2, 3, 134)),
            ("`".into(), (Ucs2, 1, 1)),
            ("tab\there".into(), (Ucs2, 1, 8)),
        ];
        for (text, want) in cases {
            assert_eq!(seg(&text), want, "{text:?}");
        }
        assert!(is_gsm7("Hi [Pat] {ok}"));
        assert!(!is_gsm7("Hi “Pat”"));
    }

    #[test]
    fn friendly_replacements() {
        for (text, want) in [
            ("It’s “fine” – really…", "It's \"fine\" - really..."),
            ("9\u{00A0}am\u{202F}–\u{2009}5\u{00A0}pm", "9 am - 5 pm"),
            ("zero\u{200B}width\u{FEFF}", "zerowidth"),
            ("• one\u{2028}• two", "- one\n- two"),
            ("«Hola» ‹x›", "\"Hola\" <x>"),
        ] {
            let out = gsm_friendly(text);
            assert_eq!(out, want, "{text:?}");
            assert_eq!(segments(&out).encoding, Encoding::Gsm7, "{text:?}");
        }
        assert!(matches!(gsm_friendly("plain text"), Cow::Borrowed(_)));
        // Letters stay: a Polish name keeps its UCS-2 encoding.
        assert_eq!(gsm_friendly("Łukasz — 10:00"), "Łukasz - 10:00");
    }

    proptest! {
        #[test]
        fn appending_never_lowers_the_count(
            a in "[a-zA-Z0-9 €{}łé😀“\u{00A0}]{0,400}",
            b in "[a-zA-Z0-9 €{}łé😀“\u{00A0}]{0,200}",
        ) {
            let whole = format!("{a}{b}");
            prop_assert!(segments(&a).count <= segments(&whole).count);
            prop_assert!(segments(&whole).count <= segments(&whole).units.max(1));
        }

        #[test]
        fn ascii_is_left_alone(text in "[\\x00-\\x7F]{0,300}") {
            prop_assert_eq!(gsm_friendly(&text), Cow::Borrowed(text.as_str()));
        }

        #[test]
        fn typographic_text_becomes_gsm7(text in "[a-zA-Z0-9 “”‘’–—…\u{00A0}\u{200B}€]{0,300}") {
            prop_assert_eq!(segments(&gsm_friendly(&text)).encoding, Encoding::Gsm7);
        }
    }
}
