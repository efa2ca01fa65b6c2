//! The slots endpoint, end to end.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn starts(r: &Res, date: &str) -> Vec<String> {
    r.body["slots_by_date"][date]
        .as_array()
        .map_or(vec![], |a| a.iter().map(|s| s["start"].as_str().unwrap().to_owned()).collect())
}

#[tokio::test]
async fn slots_follow_hours_notice_buffers_and_bookings() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app.get(&format!("/v1/event-types/{}/slots?from=2026-03-02&to=2026-03-04", w.event_type)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!((r.body["time_zone"].as_str(), r.body["duration_minutes"].as_i64()), (Some("America/New_York"), Some(30)));
        assert_eq!(r.body["available_dates"], json!(["2026-03-02", "2026-03-03"]));
        // Monday: New York 09:00-12:00 and 13:00-17:00, now is 07:00 there: every slot from 09:00.
        let monday = starts(&r, "2026-03-02");
        assert_eq!(monday.len(), 14);
        assert_eq!((monday[0].as_str(), monday[13].as_str()), ("2026-03-02T14:00:00Z", "2026-03-02T21:30:00Z"));
        assert_eq!(r.body["slots_by_date"]["2026-03-02"][0]["host_ids"], json!(w.hosts));
        // Booking Ann at 09:30 blocks 09:30-10:10 (its 10-minute buffer after). Her 09:00 is gone
        // too, since a 09:00 booking's own buffer would run into it; 10:00 overlaps the buffer.
        let b = app.post("/v1/bookings", json!({"event_type_id": w.event_type, "start": "2026-03-02T14:30:00Z", "host_id": w.hosts[0], "attendee": {"name": "Pat"}})).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
        let r = app.get(&format!("/v1/event-types/{}/slots?from=2026-03-02&to=2026-03-03&host_id={}", w.event_type, w.hosts[0])).await;
        let ann = starts(&r, "2026-03-02");
        assert_eq!(ann.len(), 11);
        assert_eq!(ann[0], "2026-03-02T15:30:00Z");
        // The team still offers 09:30 and 10:00, with Bob only.
        let r = app.get(&format!("/v1/event-types/{}/slots?from=2026-03-02&to=2026-03-03", w.event_type)).await;
        let slot = r.body["slots_by_date"]["2026-03-02"].as_array().unwrap().iter().find(|s| s["start"] == "2026-03-02T14:30:00Z").unwrap().clone();
        assert_eq!(slot["host_ids"], json!([w.hosts[1]]));
        // Later in the day, minimum notice (set to 2 hours) removes the next slots.
        app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"min_notice_minutes": 120})).await;
        app.set_now("2026-03-02T16:10:00Z");
        let r = app.get(&format!("/v1/event-types/{}/slots?from=2026-03-02&to=2026-03-03", w.event_type)).await;
        assert_eq!(starts(&r, "2026-03-02")[0], "2026-03-02T18:30:00Z");
        app
    })
    .await;
}

#[tokio::test]
async fn slots_group_by_the_requested_zone() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        // 16:30-17:00 New York on Monday is 06:30 Tuesday in Tokyo.
        let r = app.get(&format!("/v1/event-types/{}/slots?from=2026-03-02T21:30:00Z&to=2026-03-02T22:00:00Z&time_zone=Asia/Tokyo", w.event_type)).await;
        assert_eq!(r.body["available_dates"], json!(["2026-03-03"]));
        assert_eq!(r.body["time_zone"], "Asia/Tokyo");
        // Dates are read in the requested zone: 2026-03-03 in Tokyo starts 15:00Z on the 2nd.
        let r = app.get(&format!("/v1/event-types/{}/slots?from=2026-03-03&to=2026-03-04&time_zone=Asia/Tokyo", w.event_type)).await;
        let all: Vec<Value> = r.body["slots_by_date"].as_object().unwrap().values().flat_map(|v| v.as_array().unwrap().clone()).collect();
        assert!(all.iter().all(|s| s["start"].as_str().unwrap() >= "2026-03-02T15:00:00Z"));
        assert_eq!(all[0]["start"], "2026-03-02T15:00:00Z");
        app
    })
    .await;
}

#[tokio::test]
async fn bad_slot_queries_name_the_field() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let base = format!("/v1/event-types/{}/slots", w.event_type);
        assert_eq!(app.get(&format!("{base}?from=2026-03-02&to=2026-09-18")).await.fields(), vec!["to"]);
        assert_eq!(app.get(&format!("{base}?from=2026-03-05&to=2026-03-02")).await.fields(), vec!["to"]);
        assert_eq!(app.get(&format!("{base}?from=yesterday&to=2026-03-02")).await.fields(), vec!["from"]);
        assert_eq!(
            app.get(&format!("{base}?from=2026-03-02&to=2026-03-03&time_zone=Moon/Base")).await.fields(),
            vec!["time_zone"]
        );
        assert_eq!(
            app.get(&format!("{base}?from=2026-03-02&to=2026-03-03&host_id=nope")).await.fields(),
            vec!["host_id"]
        );
        assert_eq!(app.get(&format!("{base}?to=2026-03-03")).await.fields(), vec!["from"]);
        assert_eq!(
            app.get(&format!("{base}?from=2026-03-02&to=2026-03-03&colour=red")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // 62 days is allowed.
        assert_eq!(app.get(&format!("{base}?from=2026-03-02&to=2026-05-03")).await.status, StatusCode::OK);
        app
    })
    .await;
}
