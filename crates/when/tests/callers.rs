//! Whole caller utterances: corrections, alternatives, refusals, filler, casing and spelling
//! noise, and phrases that are not times at all.

mod common;

use common::*;

#[test]
fn corrections() {
    run(&[
        ("Tuesday — no wait, Thursday", MON, NY, "date 2026-03-12"),
        ("Tuesday, no, Thursday", MON, NY, "date 2026-03-12"),
        ("Tuesday - sorry, I mean Thursday", MON, NY, "date 2026-03-12"),
        ("Tuesday... actually Thursday", MON, NY, "date 2026-03-12"),
        ("let's do Tuesday, actually make that Wednesday", MON, NY, "date 2026-03-11"),
        ("Tuesday, on second thought, Wednesday", MON, NY, "date 2026-03-11"),
        ("Tuesday, or rather Wednesday", MON, NY, "date 2026-03-11"),
        ("Thursday, scratch that, Friday", MON, NY, "date 2026-03-13"),
        ("um, Friday — no wait, Monday morning", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 12:00"),
        ("Tuesday at 3 — no, 4", MON, NY, "exact 2026-03-10 16:00"),
        ("Tuesday at 3, no wait, Thursday", MON, NY, "exact 2026-03-12 15:00"),
        ("at 3, sorry, 3:30", TUE, NY, "exact 2026-03-10 15:30"),
        ("tomorrow at 10, actually make it 11", TUE, NY, "exact 2026-03-11 11:00"),
        ("next Tuesday — no, next Wednesday", TUE, NY, "date 2026-03-18"),
        ("Friday at 2. Hmm, how about Monday instead?", TUE, NY, "exact 2026-03-16 14:00"),
        ("let's say Wednesday at 4. Oh wait, I mean Thursday", MON, LON, "exact 2026-03-12 16:00"),
        ("next week, maybe Tuesday afternoon", TUE, NY, "window 2026-03-17 12:00 .. 2026-03-17 17:00"),
        ("tomorrow... tomorrow at 3 would be good", TUE, NY, "exact 2026-03-11 15:00"),
        ("I have an appointment Tuesday and need to move it to Thursday", MON, NY, "date 2026-03-12"),
        ("can we move my Tuesday appointment to Friday at 2", MON, NY, "exact 2026-03-13 14:00"),
        ("reschedule from Monday to Wednesday", TUE, CHI, "date 2026-03-11"),
    ]);
}

#[test]
fn alternatives_and_refusals() {
    run(&[
        ("Tuesday or Wednesday", MON, NY, "date 2026-03-10"),
        ("Tuesday or Wednesday afternoon", MON, NY, "date 2026-03-10"),
        ("either Monday or Tuesday", TUE, NY, "date 2026-03-16"),
        ("Tuesday at 3 or 4", MON, NY, "exact 2026-03-10 15:00"),
        ("tomorrow or the day after", TUE, NY, "date 2026-03-11"),
        ("not Tuesday, Thursday", MON, NY, "date 2026-03-12"),
        ("I can't do Tuesday, how about Thursday?", MON, NY, "date 2026-03-12"),
        ("Tuesday doesn't work, Thursday would be better", MON, NY, "date 2026-03-12"),
        ("I'm busy Monday but Tuesday works", SUN, NY, "date 2026-03-17"),
        ("Tuesday's no good for me", MON, NY, "none"),
        ("Tuesday at 3 doesn't work but 4 does", MON, NY, "exact 2026-03-10 16:00"),
        ("anything but Friday", TUE, NY, "none"),
        ("if not Tuesday then Wednesday", MON, NY, "date 2026-03-10"),
        ("I don't mind, Thursday is fine", MON, NY, "date 2026-03-12"),
        ("Thursday instead", MON, NY, "date 2026-03-12"),
        ("is 2 available? if not, 3", TUE, NY, "exact 2026-03-10 14:00"),
        ("not 2, 4", TUE, NY, "exact 2026-03-10 16:00"),
        ("Tuesday, not Wednesday", MON, NY, "date 2026-03-10"),
        ("I can't make 3, how about 4", TUE, NY, "exact 2026-03-10 16:00"),
        ("3 is no good", TUE, NY, "none"),
        ("my appointment is at 3 but I want to change it to 4", TUE, NY, "exact 2026-03-10 16:00"),
        ("I'm booked Tuesday at 3, can we do 4 instead", MON, NY, "exact 2026-03-10 16:00"),
        ("I said Tuesday but I meant Thursday", MON, NY, "date 2026-03-12"),
        ("Tuesday. No. Wednesday.", MON, NY, "date 2026-03-11"),
        ("Could we do Wednesday? Actually, Thursday would be better.", MON, NY, "date 2026-03-12"),
        ("Thursday or Friday, whichever is earlier", MON, NY, "date 2026-03-12"),
        ("anytime next week except wednesday", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("next week but not monday", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("Tuesday but after 3", MON, NY, "window 2026-03-10 15:00 .. 2026-03-11 00:00"),
        ("Tuesday at 3. Actually Tuesday doesn't work", MON, NY, "none"),
        ("this week or Friday", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-16 00:00"),
        ("what about friday no actually saturday", TUE, NY, "date 2026-03-14"),
    ]);
}

#[test]
fn alternatives_list_every_match() {
    let u = run_at("Tuesday at 3 or 4", MON, NY);
    let got: Vec<String> = u.matches.iter().map(|m| show(m, NY)).collect();
    assert_eq!(
        got,
        [r#"exact 2026-03-10 15:00 (text "Tuesday at 3")"#, r#"exact 2026-03-10 16:00 (text "4")"#]
    );
    let u = run_at("tomorrow or the day after", TUE, NY);
    let got: Vec<String> = u.matches.iter().map(|m| show(m, NY)).collect();
    assert_eq!(got, [r#"date 2026-03-11 (text "tomorrow")"#, r#"date 2026-03-12 (text "the day after")"#]);
    let u = run_at("Tuesday — no wait, Thursday", MON, NY);
    assert_eq!(u.matches.len(), 2);
    assert_eq!(u.best.as_ref().map(|m| m.text.as_str()), Some("Thursday"));
}

#[test]
fn spans_point_into_the_input() {
    let text = "Hi, could I come in next Tuesday afternoon, please?";
    let u = run_at(text, TUE, NY);
    let best = u.best.unwrap();
    assert_eq!(best.text, "next Tuesday afternoon");
    assert_eq!(&text[best.span.0..best.span.1], "next Tuesday afternoon");
    let u = run_at("Café? Jeudi... no: Friday at 3pm ✓", TUE, NY);
    let best = u.best.unwrap();
    assert_eq!(best.text, "Friday at 3pm");
}

#[test]
fn filler_and_noise() {
    run(&[
        ("um, let's see, maybe Thursday?", MON, NY, "date 2026-03-12"),
        ("uh, THURSDAY!!!", MON, NY, "date 2026-03-12"),
        ("NEXT TUESDAY AFTERNOON", TUE, NY, "window 2026-03-17 12:00 .. 2026-03-17 17:00"),
        ("Tues.", MON, NY, "date 2026-03-10"),
        ("thurs", MON, NY, "date 2026-03-12"),
        ("Thur at 2", MON, NY, "exact 2026-03-12 14:00"),
        ("wed", MON, NY, "date 2026-03-11"),
        ("on sat", MON, NY, "date 2026-03-14"),
        ("tmrw", TUE, NY, "date 2026-03-11"),
        ("tmr at 4", TUE, NY, "exact 2026-03-11 16:00"),
        ("tomorow", TUE, NY, "date 2026-03-11"),
        ("tommorrow morning", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 12:00"),
        ("2moro at 3", TUE, NY, "exact 2026-03-11 15:00"),
        ("wensday", MON, NY, "date 2026-03-11"),
        ("wednsday afternoon", MON, NY, "window 2026-03-11 12:00 .. 2026-03-11 17:00"),
        ("thrusday", MON, NY, "date 2026-03-12"),
        ("saterday", MON, NY, "date 2026-03-14"),
        ("tonite", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("can u do fri @ 3", TUE, NY, "exact 2026-03-13 15:00"),
        ("Thursday...at like 3ish", MON, NY, "window 2026-03-12 14:30 .. 2026-03-12 15:30"),
        ("like, tomorrow-ish, in the afternoon", TUE, NY, "window 2026-03-11 12:00 .. 2026-03-11 17:00"),
        ("Friday, um, in the afternoon", TUE, NY, "window 2026-03-13 12:00 .. 2026-03-13 17:00"),
        ("Tuesday. At 3.", MON, NY, "exact 2026-03-10 15:00"),
        ("next Tuesday’s good", TUE, NY, "date 2026-03-17"),
        ("Mon 16th", TUE, NY, "date 2026-03-16"),
        ("Mon?", TUE, NY, "date 2026-03-16"),
        ("3 on the dot", TUE, NY, "exact 2026-03-10 15:00"),
        ("at 3 sharp", TUE, NY, "exact 2026-03-10 15:00"),
        ("thursady", MON, NY, "date 2026-03-12"),
        ("tmorrow afternoon", TUE, NY, "window 2026-03-11 12:00 .. 2026-03-11 17:00"),
        ("afternooon", TUE, NY, "window 2026-03-10 12:00 .. 2026-03-10 17:00"),
        ("Decemeber 3rd", TUE, NY, "date 2026-12-03"),
        ("chirstmas eve", TUE, NY, "date 2026-12-24"),
        ("nine-thirty", TUE, NY, "exact 2026-03-10 09:30"),
        ("ten thirty a.m.", TUE, NY, "exact 2026-03-10 10:30"),
    ]);
}

#[test]
fn sentences() {
    run(&[
        (
            "Hi, I'd like to book an appointment for next Tuesday afternoon if you have anything",
            TUE,
            NY,
            "window 2026-03-17 12:00 .. 2026-03-17 17:00",
        ),
        ("Do you have anything Tuesday afternoon?", MON, NY, "window 2026-03-10 12:00 .. 2026-03-10 17:00"),
        ("Could I come in tomorrow at 3?", TUE, NY, "exact 2026-03-11 15:00"),
        ("What about Friday between 2 and 4?", TUE, NY, "window 2026-03-13 14:00 .. 2026-03-13 16:00"),
        ("I can do any time after 4 tomorrow", TUE, NY, "window 2026-03-11 16:00 .. 2026-03-12 00:00"),
        (
            "Is there anything available the second Tuesday of next month around 10?",
            TUE,
            NY,
            "window 2026-04-14 09:30 .. 2026-04-14 10:30",
        ),
        ("I'm free Tuesday after 3", MON, NY, "window 2026-03-10 15:00 .. 2026-03-11 00:00"),
        ("I get off work at 5 so anytime after that on Friday", TUE, NY, "exact 2026-03-13 17:00"),
        (
            "my daughter has school so it'd have to be after 3 on Wednesday",
            TUE,
            NY,
            "window 2026-03-11 15:00 .. 2026-03-12 00:00",
        ),
        (
            "we're looking at a showing sometime this weekend",
            TUE,
            NY,
            "window 2026-03-14 00:00 .. 2026-03-16 00:00",
        ),
        ("how's the 21st looking", TUE, NY, "date 2026-03-21"),
        ("anything first thing Monday?", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 10:00"),
        (
            "I'll be in the area on the 15th around lunchtime",
            TUE,
            LON,
            "window 2026-03-15 11:00 .. 2026-03-15 14:00",
        ),
        ("can I bring 2 people on Thursday at 6", TUE, NY, "exact 2026-03-12 18:00"),
        ("my number is 555 123 4567, call me tomorrow", TUE, NY, "date 2026-03-11"),
        ("meet me at 5 Elm Street at 3", TUE, NY, "exact 2026-03-10 15:00"),
        ("we'll be 2 adults and 3 kids, Saturday at 10", TUE, NY, "exact 2026-03-14 10:00"),
        ("I have 2 kids and I can come Tuesday at 3", MON, NY, "exact 2026-03-10 15:00"),
        ("I need a 2 hour appointment on Friday", TUE, NY, "date 2026-03-13"),
        ("Can we do 10:30 tomorrow?", TUE, NY, "exact 2026-03-11 10:30"),
        ("how about the morning of the 12th", TUE, NY, "window 2026-03-12 06:00 .. 2026-03-12 12:00"),
        ("any chance for a slot at 4:15 on Monday", TUE, NY, "exact 2026-03-16 16:15"),
        ("ideally before lunch on Thursday", TUE, NY, "window 2026-03-12 06:00 .. 2026-03-12 11:00"),
        (
            "Do you have anything for tomorrow? Like around 4?",
            TUE,
            NY,
            "window 2026-03-11 15:30 .. 2026-03-11 16:30",
        ),
        ("let's go with 11am on the 14th", TUE, NY, "exact 2026-03-14 11:00"),
        ("I'm flexible, any day next week", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("what's your earliest on Monday", TUE, NY, "date 2026-03-16"),
        ("yeah um can i come in tuesday at like two thirty", MON, NY, "exact 2026-03-10 14:30"),
        ("uh next thursday maybe around four ish", TUE, NY, "window 2026-03-19 15:30 .. 2026-03-19 16:30"),
        ("does the 18th work at 2", TUE, NY, "exact 2026-03-18 14:00"),
        ("sometime after two on monday", TUE, NY, "window 2026-03-16 14:00 .. 2026-03-17 00:00"),
        (
            "is there anything open tomorrow before noon",
            TUE,
            NY,
            "window 2026-03-11 06:00 .. 2026-03-11 12:00",
        ),
        ("the week after next on wednesday", TUE, NY, "date 2026-03-25"),
        ("sometime in the next couple weeks", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-24 09:00"),
        ("later next week", TUE, NY, "window 2026-03-19 00:00 .. 2026-03-21 00:00"),
    ]);
}

#[test]
fn not_times() {
    run(&[
        ("my name is April", TUE, NY, "none"),
        ("This is June calling", TUE, NY, "none"),
        ("May I book an appointment?", TUE, NY, "none"),
        ("I'd like to reschedule", TUE, NY, "none"),
        ("Will you be open?", TUE, NY, "none"),
        ("Mr Sunday", TUE, NY, "none"),
        ("this is Mrs. Friday", TUE, NY, "none"),
        ("just a second", TUE, NY, "none"),
        ("one more thing", TUE, NY, "none"),
        ("hold on a sec", TUE, NY, "none"),
        ("give me a minute", TUE, NY, "none"),
        ("I'll be with you in a minute", TUE, NY, "none"),
        ("wait a minute", TUE, NY, "none"),
        ("I have 3 kids", TUE, NY, "none"),
        ("for 2 people", TUE, NY, "none"),
        ("room 12", TUE, NY, "none"),
        ("it's apartment 2A", TUE, NY, "none"),
        ("my number is 555 123 4567", TUE, NY, "none"),
        ("call me at 555-1234", TUE, NY, "none"),
        ("we are a party of 4", TUE, NY, "none"),
        ("I need 2 rooms", TUE, NY, "none"),
        ("I'm 45 years old", TUE, NY, "none"),
        ("it takes 30 minutes", TUE, NY, "none"),
        ("the second option", TUE, NY, "none"),
        ("the first one", TUE, NY, "none"),
        ("is this the first time", TUE, NY, "none"),
        ("I'm on the second floor", TUE, NY, "none"),
        ("good morning", TUE, NY, "none"),
        ("Good afternoon, I'd like to book a viewing", TUE, NY, "none"),
        ("Morning, this is Pat", TUE, NY, "none"),
        ("hello", TUE, NY, "none"),
        ("", TUE, NY, "none"),
        ("thanks so much", TUE, NY, "none"),
        ("Merry Christmas!", TUE, NY, "none"),
        ("happy new year", TUE, NY, "none"),
        ("I was there last Tuesday", TUE, NY, "none"),
        ("yesterday", TUE, NY, "none"),
        ("3 days ago", TUE, NY, "none"),
        ("April is my daughter's name", TUE, NY, "none"),
        ("August will call you back", TUE, NY, "none"),
        ("I sat down with the agent", TUE, NY, "none"),
        ("the sun is out", TUE, NY, "none"),
        ("it's 24/7", TUE, NY, "none"),
        ("the house has 4 bedrooms and 2 baths", TUE, NY, "none"),
        ("it was $450,000", TUE, NY, "none"),
        ("version 2.5", TUE, NY, "none"),
        ("I'm calling about 123 Main Street", TUE, NY, "none"),
        ("how are you today?", TUE, NY, "none"),
        ("no problem, thanks", TUE, NY, "none"),
        ("Hi, this is Sunday Adams", TUE, NY, "none"),
        ("those two work for me", TUE, NY, "none"),
        ("I live at 45 Elm Street", TUE, NY, "none"),
        ("I'm calling about 123 Main Street", TUE, NY, "none"),
        ("book me for 3", TUE, NY, "none"),
        ("as soon as possible", TUE, NY, "none"),
        ("could we push it back an hour", TUE, NY, "none"),
        ("my zip is 10001", TUE, NY, "none"),
        ("just a second, let me check", TUE, NY, "none"),
        ("I'd like a second opinion", TUE, NY, "none"),
        ("I have one question", TUE, NY, "none"),
        ("I'll be there in one second", TUE, NY, "none"),
        ("I have a 2 year old", TUE, NY, "none"),
        ("press 1 for sales", TUE, NY, "none"),
        ("sorry, can you repeat that", TUE, NY, "none"),
    ]);
}
