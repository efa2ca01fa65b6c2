//! The events and zones of a calendar text, each cut out as its own small text.
//!
//! One event the parser cannot read should cost that event, not the whole calendar, so the
//! text is cut into its `VEVENT` and `VTIMEZONE` components before it is parsed. On the way,
//! folded lines are joined, every line end becomes CRLF (the parser looks for CRLF first, and
//! scanning a long text for it on every line of an LF-only file would be quadratic), `BEGIN` and
//! `END` names are upper-cased, an `END` that closes an outer component closes the inner ones
//! too, and components nested deeper than any calendar nests them are dropped (the parser
//! recurses on nesting).

/// Deepest nesting kept inside an event (`VEVENT` > `VALARM` > one more, for extensions).
const MAX_NESTING: usize = 3;

/// Deepest nesting followed by name; deeper `BEGIN`s and `END`s are only counted, so a text of
/// nothing but `BEGIN`s costs no more than its length.
const MAX_OPEN: usize = 32;

/// A component cut out of the text.
#[derive(Debug, Default)]
pub(super) struct Block {
    /// `VEVENT` or `VTIMEZONE`.
    pub name: String,
    /// Its lines, unfolded, each ending in CRLF.
    pub text: String,
    /// Whether it was whole: closed by its `END`, and nested no deeper than a calendar nests.
    pub whole: bool,
}

/// What a text holds.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Its events and zones, in order.
    pub blocks: Vec<Block>,
    /// Events beyond the limit, counted but not kept.
    pub dropped_events: usize,
    /// Whether it had a `VCALENDAR` or an event at all.
    pub calendar: bool,
}

/// Cuts `text` into its events and zones, keeping at most `max_events` events.
pub(super) fn scan(text: &str, max_events: usize) -> Scan {
    let mut cutter = Cutter { max_events, ..Cutter::default() };
    let mut logical = String::new();
    for physical in text.split('\n') {
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        match physical.strip_prefix([' ', '\t']) {
            Some(rest) => logical.push_str(rest),
            None => {
                cutter.line(&logical);
                logical.clear();
                logical.push_str(physical);
            }
        }
    }
    cutter.line(&logical);
    cutter.finish()
}

#[derive(Debug, Default)]
struct Cutter {
    max_events: usize,
    /// Names of the components open around the current line (the outer [`MAX_OPEN`]).
    open: Vec<String>,
    /// Components open deeper than that.
    overflow: usize,
    /// The component being cut, and how many components were open outside it.
    current: Option<(Block, usize)>,
    out: Scan,
}

impl Cutter {
    fn line(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        if let Some(name) = keyword(line, "BEGIN") {
            self.begin(name);
        } else if let Some(name) = keyword(line, "END") {
            self.end(&name);
        } else if let Some((block, _)) = &mut self.current
            && block.whole
        {
            push_line(block, line);
        }
    }

    fn begin(&mut self, name: String) {
        let outer = self.open.len() + self.overflow;
        self.out.calendar |= name == "VCALENDAR" || name == "VEVENT";
        let cut = matches!(name.as_str(), "VEVENT" | "VTIMEZONE");
        if cut && self.current.is_none() && self.open.iter().all(|n| n == "VCALENDAR") {
            // Zones count against the limit too: a text of nothing but zones is no calendar.
            if self.out.blocks.len() < self.max_events {
                self.current = Some((Block { name: name.clone(), text: String::new(), whole: true }, outer));
            } else if name == "VEVENT" {
                self.out.dropped_events += 1;
            }
        }
        if let Some((block, start)) = &mut self.current {
            if outer - *start > MAX_NESTING {
                block.whole = false;
            }
            if block.whole {
                push_line(block, &format!("BEGIN:{name}"));
            }
        }
        if self.open.len() < MAX_OPEN {
            self.open.push(name);
        } else {
            self.overflow += 1;
        }
    }

    fn end(&mut self, name: &str) {
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        // A stray END closes nothing; one that closes an outer component closes the inner ones.
        let Some(at) = self.open.iter().rposition(|n| n == name) else { return };
        while self.open.len() > at {
            let Some(closed) = self.open.pop() else { break };
            let Some((block, start)) = &mut self.current else { continue };
            if block.whole {
                push_line(block, &format!("END:{closed}"));
            }
            if self.open.len() <= *start
                && let Some((block, _)) = self.current.take()
            {
                self.out.blocks.push(block);
            }
        }
    }

    fn finish(mut self) -> Scan {
        // A component the text never closed was cut short: kept, marked as not whole.
        if let Some((mut block, _)) = self.current.take() {
            block.whole = false;
            self.out.blocks.push(block);
        }
        self.out
    }
}

/// The upper-cased component name of a `BEGIN:` or `END:` line.
fn keyword(line: &str, word: &str) -> Option<String> {
    let head = line.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let name = line[word.len()..].trim_start().strip_prefix(':')?;
    Some(name.trim().to_ascii_uppercase())
}

fn push_line(block: &mut Block, line: &str) {
    block.text.push_str(line);
    block.text.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_cut_out_unfolded_with_crlf_and_repaired() {
        let text = "begin:vcalendar\nBEGIN:VTIMEZONE\nTZID:X\nEND:VTIMEZONE\nBEGIN:VEVENT\nSUMMARY:a\n  b\n\
                    BEGIN:VALARM\nTRIGGER:-PT5M\nEND:VEVENT\nEND:VALARM\nBEGIN:VEVENT\r\nUID:2\r\n";
        let s = scan(text, 10);
        assert!(s.calendar);
        let got: Vec<(&str, &str, bool)> =
            s.blocks.iter().map(|b| (b.name.as_str(), b.text.as_str(), b.whole)).collect();
        assert_eq!(
            got,
            [
                ("VTIMEZONE", "BEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\n", true),
                (
                    "VEVENT",
                    "BEGIN:VEVENT\r\nSUMMARY:a b\r\nBEGIN:VALARM\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\n",
                    true
                ),
                ("VEVENT", "BEGIN:VEVENT\r\nUID:2\r\n", false),
            ]
        );
    }

    #[test]
    fn deep_nesting_and_events_beyond_the_limit_are_not_kept() {
        let deep = format!("BEGIN:VEVENT\n{}END:VEVENT\n", "BEGIN:X\n".repeat(10_000));
        let s = scan(&deep, 10);
        assert_eq!(s.blocks.len(), 1);
        assert!(!s.blocks[0].whole);
        assert!(s.blocks[0].text.len() < 100);
        let many = "BEGIN:VEVENT\nUID:1\nEND:VEVENT\n".repeat(5);
        let s = scan(&many, 3);
        assert_eq!((s.blocks.len(), s.dropped_events), (3, 2));
        assert!(!scan("<html>nope</html>", 3).calendar);
        let nested =
            format!("{}BEGIN:VEVENT\n{}", "BEGIN:VCALENDAR\n".repeat(31), "BEGIN:X\n".repeat(10_000));
        assert!(scan(&nested, 3).blocks.iter().all(|b| !b.whole && b.text.len() < 100));
        let begins = format!("BEGIN:VCALENDAR\n{}", "BEGIN:X\nEND:Y\n".repeat(50_000));
        assert!(scan(&begins, 3).blocks.is_empty());
    }
}
