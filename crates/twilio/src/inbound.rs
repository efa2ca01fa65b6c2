//! Messages people send to Sked's number: what their words ask for ([`classify`]), and the TwiML
//! answer that Twilio turns into a reply ([`twiml`]).

/// What an inbound message asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    /// Stop sending me messages (`STOP`, `UNSUBSCRIBE`, ...). Twilio itself blocks further
    /// messages to the sender after these.
    OptOut,
    /// Send me messages again (`START`, `YES`, `UNSTOP`).
    OptIn,
    /// What is this (`HELP`, `INFO`).
    Help,
    /// I confirm my booking (`C`, `CONFIRM`).
    Confirm,
    /// I want to change my booking (`R`).
    Manage,
    /// Anything else.
    Other,
}

/// The keyword `body` is, ignoring case, surrounding white space, a trailing `.` or `!`, and
/// runs of spaces inside (`stop  all!` is `STOP ALL`). Only a whole message is a keyword:
/// `please stop` is [`Keyword::Other`].
pub fn classify(body: &str) -> Keyword {
    let trimmed = body.trim().trim_end_matches(['.', '!']);
    let words: Vec<String> = trimmed.split_whitespace().map(str::to_uppercase).collect();
    match words.join(" ").as_str() {
        "STOP" | "STOPALL" | "STOP ALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "OPTOUT" | "REVOKE" => {
            Keyword::OptOut
        }
        "START" | "YES" | "UNSTOP" => Keyword::OptIn,
        "HELP" | "INFO" => Keyword::Help,
        "C" | "CONFIRM" => Keyword::Confirm,
        "R" => Keyword::Manage,
        _ => Keyword::Other,
    }
}

/// The content type of a [`twiml`] answer.
pub const TWIML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// A TwiML answer to an inbound message: one `<Message>` with `reply` (escaped), or an empty
/// `<Response/>` for no reply.
pub fn twiml(reply: Option<&str>) -> String {
    let head = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
    match reply {
        None => format!("{head}<Response/>"),
        Some(text) => format!("{head}<Response><Message>{}</Message></Response>", escape(text)),
    }
}

/// `text` escaped for XML character data, without the characters XML 1.0 cannot carry at all
/// (control characters other than tab, newline and carriage return).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords() {
        use Keyword::*;
        for (body, want) in [
            ("STOP", OptOut),
            ("stop", OptOut),
            ("  Stop.  ", OptOut),
            ("STOP!", OptOut),
            ("stopall", OptOut),
            ("Stop  All", OptOut),
            ("unsubscribe", OptOut),
            ("CANCEL", OptOut),
            ("end", OptOut),
            ("Quit", OptOut),
            ("optout", OptOut),
            ("REVOKE", OptOut),
            ("start", OptIn),
            ("Yes!", OptIn),
            ("UNSTOP", OptIn),
            ("help", Help),
            ("Info.", Help),
            ("c", Confirm),
            (" C ", Confirm),
            ("confirm!", Confirm),
            ("Confirm.", Confirm),
            ("r", Manage),
            ("R.", Manage),
            ("please stop", Other),
            ("stop it", Other),
            ("", Other),
            ("!!", Other),
            ("CONFIRMED", Other),
            ("yes please", Other),
            ("Can I move to Friday?", Other),
        ] {
            assert_eq!(classify(body), want, "{body:?}");
        }
    }

    #[test]
    fn twiml_answers() {
        assert_eq!(twiml(None), r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#);
        assert_eq!(
            twiml(Some("See you at 10:00")),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>See you at 10:00</Message></Response>"#
        );
        assert_eq!(
            twiml(Some("<b>Tom & \"Jerry\"</b>'s\u{0}\u{7} day\n")),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>"#,
                "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;&apos;s day\n",
                "</Message></Response>"
            )
        );
        assert_eq!(
            twiml(Some("")),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message></Message></Response>"#
        );
    }
}
