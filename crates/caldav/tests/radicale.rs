//! The client against a real CalDAV server: Radicale, started by each test (skipped, with the
//! reason printed, where it is not installed; `scripts/test` installs it).

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use jiff::tz::TimeZone;
use sked_caldav::{Account, CalDav, CalDavConfig, ProviderError};
use sked_calendar::busy::{StoredEvent, series_busy};
use sked_core::Interval;
use sked_ics::{Naming, ReadOptions, read_events};
use sked_test_utils::radicale::Radicale;

fn client() -> CalDav {
    CalDav::new(CalDavConfig::default()).unwrap()
}

fn ts(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap().as_second()
}

/// A Radicale letting anyone in, alice's account on it, and her new calendar `/alice/work/`.
async fn setup() -> Option<(Radicale, CalDav, Account, String)> {
    let server = Radicale::start()?;
    let caldav = client();
    let alice = Account::new(&server.url(), "alice", "anything").unwrap();
    let work = format!("{}alice/work/", server.url());
    caldav.mkcalendar(&alice, &work, "Work").await.unwrap();
    Some((server, caldav, alice, work))
}

fn event(uid: &str, start: &str, end: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART{start}\r\nDTEND{end}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Busy time of resources read back, as `start/end` in UTC.
fn busy(resources: &[sked_caldav::Resource], range: Interval) -> Vec<String> {
    let zone = TimeZone::UTC;
    let options = ReadOptions { calendar_zone: &zone, owner: &[] };
    let mut out = Vec::new();
    for r in resources {
        let events: Vec<StoredEvent> =
            read_events(&r.data, Naming::Resource(&r.href), &options).unwrap().events;
        out.extend(series_busy(&events, &zone, range));
    }
    out.sort_by_key(|iv| iv.start);
    out.iter()
        .map(|iv| {
            format!(
                "{}/{}",
                Timestamp::from_second(iv.start).unwrap(),
                Timestamp::from_second(iv.end).unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn discovery_finds_event_calendars_from_the_root_the_well_known_url_or_the_principal() {
    let Some((server, caldav, alice, work)) = setup().await else { return };
    // A task list is no place for events.
    let tasks = format!("{}alice/tasks/", server.url());
    let body = r#"<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"#;
    let made = sked_test_utils::http()
        .request(reqwest::Method::from_bytes(b"MKCALENDAR").unwrap(), &tasks)
        .basic_auth("alice", Some("x"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);

    let root = server.url();
    for start in [root.clone(), format!("{root}.well-known/caldav"), format!("{root}alice/"), work.clone()] {
        let account = Account { base_url: start.parse().unwrap(), ..alice.clone() };
        let d = caldav.discover(&account).await.unwrap_or_else(|e| panic!("from {start}: {e}"));
        assert_eq!(d.principal, format!("{root}alice/"), "from {start}");
        assert_eq!(d.home, format!("{root}alice/"), "from {start}");
        let urls: Vec<&str> = d.calendars.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(urls, [work.as_str()], "from {start}");
        let c = &d.calendars[0];
        assert_eq!(c.name.as_deref(), Some("Work"));
        assert!(c.writable && c.supports_sync, "{c:?}");
        assert!(c.sync_token.is_some() && c.ctag.is_some(), "{c:?}");
    }
}

#[tokio::test]
async fn writes_never_overwrite_unseen() {
    let Some((_server, caldav, alice, work)) = setup().await else { return };
    let href = format!("{work}sked-1.ics");
    let ics = event("sked-1@sked", ":20260310T150000Z", ":20260310T153000Z", "");
    let etag = caldav.put_new(&alice, &href, &ics).await.unwrap().expect("Radicale answers an ETag");
    assert_eq!(caldav.put_new(&alice, &href, &ics).await, Err(ProviderError::Duplicate));
    let elsewhere = format!("{work}other.ics");
    assert_eq!(caldav.put_new(&alice, &elsewhere, &ics).await, Err(ProviderError::Duplicate), "same UID");

    let moved = ics.replace("T150000Z", "T160000Z").replace("T153000Z", "T163000Z");
    assert_eq!(caldav.put_update(&alice, &href, &moved, "\"stale\"").await, Err(ProviderError::Changed));
    let new_etag = caldav.put_update(&alice, &href, &moved, &etag).await.unwrap().unwrap();
    assert_ne!(new_etag, etag);
    let got = caldav.get(&alice, &href).await.unwrap();
    assert_eq!((got.href.as_str(), got.etag.as_deref()), (href.as_str(), Some(new_etag.as_str())));
    assert!(got.data.contains("DTSTART:20260310T160000Z"), "{}", got.data);

    assert_eq!(caldav.delete(&alice, &href, Some(&etag)).await, Err(ProviderError::Changed));
    assert_eq!(caldav.delete(&alice, &href, Some(&new_etag)).await, Ok(true));
    assert_eq!(caldav.delete(&alice, &href, None).await, Ok(false));
    assert_eq!(caldav.get(&alice, &href).await, Err(ProviderError::NotFound));
    let garbage = caldav.put_new(&alice, &href, "garbage").await;
    assert!(matches!(garbage, Err(ProviderError::Refused { status: 400, .. })), "{garbage:?}");
}

#[tokio::test]
async fn calendar_query_finds_zoned_and_recurring_events_in_a_range() {
    let Some((_server, caldav, alice, work)) = setup().await else { return };
    let ny =
        event("ny", ";TZID=America/New_York:20260310T130000", ";TZID=America/New_York:20260310T140000", "");
    let weekly = event(
        "weekly",
        ";TZID=Europe/Berlin:20260302T090000",
        ";TZID=Europe/Berlin:20260302T100000",
        "RRULE:FREQ=WEEKLY;COUNT=10\r\n",
    );
    let later = event("later", ":20260601T090000Z", ":20260601T100000Z", "");
    for (name, ics) in [("ny", &ny), ("weekly", &weekly), ("later", &later)] {
        caldav.put_new(&alice, &format!("{work}{name}.ics"), ics).await.unwrap();
    }
    let week = Interval::new(ts("2026-03-09T00:00:00Z"), ts("2026-03-16T00:00:00Z"));
    let found = caldav.calendar_query(&alice, &work, Some(week), false).await.unwrap();
    let mut hrefs: Vec<&str> = found.iter().map(|r| r.href.as_str()).collect();
    hrefs.sort_unstable();
    assert_eq!(hrefs, [format!("{work}ny.ics"), format!("{work}weekly.ics")]);
    assert!(found.iter().all(|r| r.etag.is_some()));
    let want = ["2026-03-09T08:00:00Z/2026-03-09T09:00:00Z", "2026-03-10T17:00:00Z/2026-03-10T18:00:00Z"];
    assert_eq!(busy(&found, week), want);

    // Expanded by the server: occurrences in the range as overrides, no rules.
    let expanded = caldav.calendar_query(&alice, &work, Some(week), true).await.unwrap();
    let series = expanded.iter().find(|r| r.href.ends_with("weekly.ics")).unwrap();
    assert!(series.data.contains("RECURRENCE-ID") && !series.data.contains("RRULE"), "{}", series.data);
    assert_eq!(busy(&expanded, week), want);

    let all = caldav.calendar_query(&alice, &work, None, false).await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn sync_collection_reports_changes_and_removals_since_a_token() {
    let Some((_server, caldav, alice, work)) = setup().await else { return };
    let href = |n: &str| format!("{work}{n}.ics");
    let mut etags = Vec::new();
    for n in ["a", "b"] {
        let ics = event(n, ":20260310T150000Z", ":20260310T153000Z", "");
        etags.push(caldav.put_new(&alice, &href(n), &ics).await.unwrap().unwrap());
    }
    let ctag = caldav.ctag(&alice, &work).await.unwrap().unwrap();
    let first = caldav.sync_collection(&alice, &work, None).await.unwrap();
    let mut changed: Vec<_> =
        first.changed.iter().map(|c| (c.href.clone(), c.etag.clone().unwrap())).collect();
    changed.sort();
    assert_eq!(changed, [(href("a"), etags[0].clone()), (href("b"), etags[1].clone())]);
    assert!(first.removed.is_empty() && !first.truncated);

    let moved = event("a", ":20260311T150000Z", ":20260311T153000Z", "");
    caldav.put_update(&alice, &href("a"), &moved, &etags[0]).await.unwrap();
    caldav.delete(&alice, &href("b"), None).await.unwrap();
    caldav
        .put_new(&alice, &href("c"), &event("c", ":20260312T150000Z", ":20260312T153000Z", ""))
        .await
        .unwrap();
    let next = caldav.sync_collection(&alice, &work, Some(&first.token)).await.unwrap();
    let mut changed: Vec<&str> = next.changed.iter().map(|c| c.href.as_str()).collect();
    changed.sort_unstable();
    assert_eq!(changed, [href("a"), href("c")]);
    assert_eq!(next.removed, [href("b")]);
    assert_ne!(next.token, first.token);
    assert_ne!(caldav.ctag(&alice, &work).await.unwrap().unwrap(), ctag);

    let unknown = caldav.sync_collection(&alice, &work, Some("http://radicale.org/ns/sync/deadbeef")).await;
    assert_eq!(unknown, Err(ProviderError::Gone { reason: "valid-sync-token".into() }));

    // The changed members, read in one go; one deleted meanwhile is left out.
    let wanted = [href("a"), href("c"), href("b")];
    let got = caldav.multiget(&alice, &work, &wanted).await.unwrap();
    let mut hrefs: Vec<&str> = got.iter().map(|r| r.href.as_str()).collect();
    hrefs.sort_unstable();
    assert_eq!(hrefs, [href("a"), href("c")]);
    assert!(got.iter().all(|r| r.data.contains("BEGIN:VEVENT") && r.etag.is_some()));
}

#[tokio::test]
async fn a_wrong_password_is_unauthorized() {
    let Some(server) = Radicale::with_users(&[("alice", "right")]) else { return };
    let caldav = client();
    let wrong = Account::new(&server.url(), "alice", "wrong").unwrap();
    assert_eq!(caldav.discover(&wrong).await, Err(ProviderError::Unauthorized));
    let right = Account::new(&server.url(), "alice", "right").unwrap();
    caldav.mkcalendar(&right, &format!("{}alice/work/", server.url()), "Work").await.unwrap();
    assert_eq!(caldav.discover(&right).await.unwrap().calendars.len(), 1);
}

#[tokio::test]
async fn a_server_that_is_down_is_a_transport_error() {
    // A port nobody listens on: no Radicale needed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let account = Account::new(&format!("http://127.0.0.1:{port}/"), "alice", "x").unwrap();
    let e = client().discover(&account).await.unwrap_err();
    assert!(matches!(e, ProviderError::Transport(_)) && e.is_transient(), "{e:?}");
    let e = client().get(&account, "/alice/work/a.ics").await.unwrap_err();
    assert!(matches!(e, ProviderError::Transport(_)), "{e:?}");
}
