//! English: the canonical vocabulary itself, so no words or phrases to rewrite.

use std::sync::OnceLock;

use super::Lexicon;
use crate::Language;

pub(super) static LEXICON: Lexicon = Lexicon {
    language: Language::En,
    day_first: false,
    fold: false,
    decimal_comma: false,
    passes: &[],
    words: &[],
    weekdays: &[&[], &[], &[], &[], &[], &[], &[]],
    numbers: &[],
    tens_joiner: None,
    too_far: "That date is too far ahead; I can book up to two years out.",
    past: "That date has already passed.",
    index: OnceLock::new(),
};
