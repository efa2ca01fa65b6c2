use super::*;

fn notice(kind: &str, role: &str) -> Notice {
    Notice { kind: kind.into(), role: role.into(), ..sample() }
}

#[test]
fn every_kind_renders_for_both_readers_with_the_time_in_their_zone() {
    for kind in ["confirmation", "reschedule", "cancellation", "reminder"] {
        for role in ["attendee", "host"] {
            let r = Templates::builtin().render(&notice(kind, role)).unwrap();
            assert!(r.subject.contains("Cleaning"), "{kind}: {}", r.subject);
            assert!(r.text.contains("Tuesday 10 March 2026, 11:00 EDT (America/New_York)"), "{}", r.text);
            assert!(r.text.contains("ABC234") && r.html.contains("ABC234"));
            assert!(
                r.sms.contains("Tue 10 Mar 11:00 EDT") && r.sms.ends_with("Reply STOP to opt out."),
                "{}",
                r.sms
            );
            let manage = r.text.contains("https://sked.example/m/token");
            assert_eq!(manage, role == "attendee" && kind != "cancellation", "{kind} {role}");
        }
    }
    for kind in ["connection_alert", "forward", "webhook_disabled", "password_reset"] {
        let r =
            Templates::builtin().render(&Notice { text: Some("hi".into()), ..notice(kind, "host") }).unwrap();
        assert!(!r.subject.is_empty() && !r.text.contains("Confirmation code"), "{kind}");
    }
}

#[test]
fn fields_cannot_inject_markup_or_headers() {
    let n = Notice {
        attendee_name: "<script>alert(1)</script>".into(),
        title: "Cut\r\nBcc: evil@example.com".into(),
        ..notice("confirmation", "host")
    };
    let r = Templates::builtin().render(&n).unwrap();
    assert!(!r.html.contains("<script>") && r.html.contains("&lt;script&gt;"));
    assert!(!r.subject.contains('\n') && !r.subject.contains('\r'), "{}", r.subject);
}

#[test]
fn a_tenant_template_replaces_one_part_and_bad_ones_are_refused_with_the_reason() {
    let mut t = Templates::builtin();
    t.set("confirmation", "subject", "Booked with {{ business }}: {{ title }}").unwrap();
    assert_eq!(
        t.render(&notice("confirmation", "attendee")).unwrap().subject,
        "Booked with Acme Dental: Cleaning"
    );
    assert!(t.render(&notice("reminder", "attendee")).unwrap().subject.starts_with("Reminder:"));
    let unclosed = t.set("confirmation", "text", "{% if x %}").unwrap_err();
    assert!(unclosed.0.contains("line"), "{unclosed}");
    assert!(t.set("confirmation", "footer", "x").is_err());
    let endless = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}";
    assert!(t.set("confirmation", "text", endless).is_err(), "fuel ends runaway templates");
    assert!(t.set("confirmation", "text", &"x".repeat(MAX_TEMPLATE_BYTES + 1)).is_err());
}

#[test]
fn a_booking_notice_carries_an_invitation_and_a_cancellation_cancels_it() {
    let (m, ics) =
        invitation(&Notice { sequence: 2, ..notice("reschedule", "attendee") }, "b@sked.example").unwrap();
    assert_eq!(m, Method::Request);
    assert!(ics.contains("METHOD:REQUEST") && ics.contains("SEQUENCE:2") && ics.contains("UID:sample@sked"));
    let (m, ics) =
        invitation(&Notice { cancelled: true, ..notice("cancellation", "attendee") }, "b@sked.example")
            .unwrap();
    assert_eq!(m, Method::Cancel);
    assert!(ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"));
    assert!(invitation(&notice("forward", "host"), "b@sked.example").is_none());
}
