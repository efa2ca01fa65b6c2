//! The slots endpoint, end to end.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin::{csrf, post, signed_in, user};
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

#[tokio::test]
async fn every_change_shows_in_the_very_next_answer() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (ann, bob) = (w.hosts[0].as_str(), w.hosts[1].as_str());
        // One query asked again after each change, the clock standing still: only the change
        // itself can make the answer differ, and it must, at once.
        let path = format!("/v1/event-types/{}/slots?from=2026-03-03&to=2026-03-04", w.event_type);
        let at_nine = || async {
            let r = app.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let first = r.body["slots_by_date"]["2026-03-03"][0].clone();
            (starts(&r, "2026-03-03").len(), first["start"].as_str().unwrap_or("").to_owned(), first["host_ids"].clone())
        };
        let nine = "2026-03-03T14:00:00Z".to_owned();
        assert_eq!(at_nine().await, (14, nine.clone(), json!([ann, bob])));
        // A booking, and its cancellation.
        let b = app.post("/v1/bookings", json!({"event_type_id": w.event_type, "start": nine, "host_id": ann, "attendee": {"name": "Pat"}})).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
        assert_eq!(at_nine().await, (14, nine.clone(), json!([bob])));
        let c = app.post(&format!("/v1/bookings/{}/cancel", b.id()), json!({})).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);
        assert_eq!(at_nine().await, (14, nine.clone(), json!([ann, bob])));
        // A block, and its removal.
        let block = app.post(&format!("/v1/hosts/{bob}/blocks"), json!({"start": nine, "end": "2026-03-03T15:00:00Z"})).await;
        assert_eq!(block.status, StatusCode::CREATED, "{}", block.body);
        assert_eq!(at_nine().await, (14, nine.clone(), json!([ann])));
        let gone = app.delete(&format!("/v1/hosts/{bob}/blocks/{}", block.id())).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        assert_eq!(at_nine().await, (14, nine.clone(), json!([ann, bob])));
        // A host made inactive through the API, and on the dashboard.
        let r = app.patch(&format!("/v1/hosts/{bob}"), json!({"active": false})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(at_nine().await, (14, nine.clone(), json!([ann])));
        app.patch(&format!("/v1/hosts/{bob}"), json!({"active": true})).await;
        assert_eq!(at_nine().await, (14, nine.clone(), json!([ann, bob])));
        let (email, password) = user(&app, "admin@acme.test", "admin", None).await;
        let browser = signed_in(&app, &email, &password).await;
        let token = csrf(&app, &browser).await;
        let form = [("csrf", token.as_str()), ("name", "Ann"), ("email", ""), ("time_zone", "America/New_York"),
            ("schedule_id", w.schedule.as_str())];
        assert_eq!(post(&app, &browser, &format!("/admin/hosts/{ann}"), &form).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(at_nine().await, (14, nine.clone(), json!([bob])));
        // The schedule's hours, then the event type's duration.
        let hours = json!({"tue": [{"start": "09:00", "end": "10:00"}]});
        let r = app.patch(&format!("/v1/schedules/{}", w.schedule), json!({"weekly": hours})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(at_nine().await, (2, nine.clone(), json!([bob])));
        let r = app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"duration_minutes": 60})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(at_nine().await, (1, nine.clone(), json!([bob])));
        app
    })
    .await;
}

#[tokio::test]
async fn the_json_sent_is_the_answer_byte_for_byte() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let tenant: sked_core::ids::TenantId = app.get("/v1/tenant").await.id().parse().unwrap();
        let id: sked_core::ids::EventTypeId = w.event_type.parse().unwrap();
        let b = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
        let ann = w.hosts[0].as_str();
        let queries = [
            ("2026-03-02", "2026-04-01", None, None),
            ("2026-03-02", "2026-03-04", Some("Asia/Tokyo"), None),
            ("2026-03-02", "2026-03-09", None, Some(ann)),
            // Across the change to summer time, and a weekend with nothing free.
            ("2026-03-06", "2026-03-10", Some("America/New_York"), None),
            ("2026-03-07T00:00:00Z", "2026-03-08T00:00:00Z", None, None),
        ];
        for (from, to, zone, host) in queries {
            let mut url = format!("{}/v1/event-types/{id}/slots?from={from}&to={to}", app.base);
            if let Some(z) = zone {
                url += &format!("&time_zone={z}");
            }
            if let Some(h) = host {
                url += &format!("&host_id={h}");
            }
            let fetch = || async {
                let r = app.client.get(&url).bearer_auth(&app.key).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{url}");
                let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
                (kind, r.bytes().await.unwrap().to_vec())
            };
            // The first is computed, the second (same snapshot, query and second) is the kept one.
            let (first, second) = (fetch().await, fetch().await);
            assert_eq!(first.0, "application/json");
            assert_eq!(first, second, "{url}");
            // Both are what serde_json writes for the answer's view (what the pages read).
            let q = sked_server::slots::SlotsQuery {
                from: from.into(),
                to: to.into(),
                time_zone: zone.map(Into::into),
                host_id: host.map(Into::into),
            };
            let view = sked_server::slots::answer(&app.state, tenant, id, q).await.unwrap();
            let expected = serde_json::to_vec(&view).unwrap();
            assert_eq!(String::from_utf8(first.1).unwrap(), String::from_utf8(expected).unwrap(), "{url}");
        }
        app
    })
    .await;
}
