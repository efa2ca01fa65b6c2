//! The dashboard's editors (event types, hosts, API keys, webhooks, voice agents) as a browser
//! drives them: a change on a page shows in the API and the other way round; host users and
//! forged posts are refused; a wrong field comes back named beside it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin::{csrf, page, post, signed_in, user};
use crate::helpers::{OPERATOR_KEY, TestApp, on_each_store, world};

/// An admin's browser and the session's token.
async fn admin(app: &TestApp, role: &str) -> (reqwest::Client, String) {
    let (email, password) = user(app, &format!("{role}@acme.test"), role, None).await;
    let b = signed_in(app, &email, &password).await;
    let token = csrf(app, &b).await;
    (b, token)
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// The id in `/admin/things/{id}?saved=1`.
fn id_in(location: &str) -> String {
    location.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned()
}

#[tokio::test]
async fn event_types_are_edited_on_the_page_and_seen_in_the_api() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (b, t) = admin(&app, "owner").await;
        let (status, html) = page(&app, &b, "/admin/event-types").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Consultation") && html.contains("/admin/event-types\""), "{html}");
        // A new one starts with the API's default reminders.
        let (_, html) = page(&app, &b, "/admin/event-types/new").await;
        assert!(html.contains("name=\"r0_offset\" value=\"1440\"") && html.contains("name=\"r1_offset\" value=\"60\""), "{html}");
        let (h0, h1) = (format!("order_{}", w.hosts[0]), format!("order_{}", w.hosts[1]));
        let mut form = vec![
            ("csrf", t.as_str()), ("slug", "intro"), ("title", "Intro call"), ("description", ""),
            ("duration_minutes", "45"), ("slot_interval_minutes", "15"), ("buffer_before_minutes", "5"),
            ("buffer_after_minutes", "0"), ("min_notice_minutes", "120"), ("max_days_ahead", "30"),
            ("daily_limit", "4"), ("location", "Zoom"), ("send_updates", "none"), ("assignment", "priority"),
            (h1.as_str(), "1"), (h0.as_str(), "2"),
            ("q0_id", "topic"), ("q0_label", "Topic"), ("q0_type", "choice"), ("q0_required", "1"), ("q0_options", "Tax\r\nAudit\r\n"),
            ("q1_id", ""), ("q1_label", ""), ("q1_type", "text"), ("q1_options", ""),
            ("r0_offset", "60"), ("r0_email", "1"), ("r1_offset", ""),
        ];
        let r = post(&app, &b, "/admin/event-types/new", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let id = id_in(&location(&r));
        let e = app.get(&format!("/v1/event-types/{id}")).await.body;
        assert_eq!((e["slug"].as_str(), e["duration_minutes"].as_i64(), e["daily_limit"].as_i64()), (Some("intro"), Some(45), Some(4)));
        assert_eq!(e["host_ids"], json!([w.hosts[1], w.hosts[0]]));
        assert_eq!((e["assignment"].as_str(), e["send_updates"].as_str()), (Some("priority"), Some("none")));
        assert_eq!(e["questions"], json!([{"id": "topic", "label": "Topic", "type": "choice", "required": true, "options": ["Tax", "Audit"]}]));
        assert_eq!(e["reminders"], json!([{"offset_minutes": 60, "channels": ["email"]}]));
        // A change through the API shows on the page.
        let r = app.patch(&format!("/v1/event-types/{id}"), json!({"title": "Intro chat"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (_, html) = page(&app, &b, &format!("/admin/event-types/{id}")).await;
        assert!(html.contains("value=\"Intro chat\"") && html.contains("Tax\nAudit"), "{html}");
        // Wrong fields come back beside their fields, as typed.
        form[1] = ("slug", "Bad Slug");
        form[20] = ("q0_options", "");
        let r = post(&app, &b, &format!("/admin/event-types/{id}"), &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("data-field=\"slug\"") && html.contains("value=\"Bad Slug\""), "{html}");
        assert!(html.contains("data-field=\"questions[0].options\""), "{html}");
        form[1] = ("slug", "intro");
        form[20] = ("q0_options", "Tax");
        form[4] = ("duration_minutes", "soon");
        let r = post(&app, &b, &format!("/admin/event-types/{id}"), &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("data-field=\"duration_minutes\""));
        assert_eq!(app.get(&format!("/v1/event-types/{id}")).await.body["slug"], "intro");
        // An error is named by the form's row even when a row above it was left empty.
        form[4] = ("duration_minutes", "45");
        form.retain(|(k, _)| !k.starts_with('q'));
        form.extend([("q0_id", ""), ("q0_label", ""), ("q0_type", "text"), ("q1_id", "size"), ("q1_label", "Size")]);
        form.extend([("q1_type", "choice"), ("q1_options", "")]);
        let r = post(&app, &b, &format!("/admin/event-types/{id}"), &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("data-field=\"questions[1].options\"") && html.contains("value=\"size\""), "{html}");
        app
    })
    .await;
}

#[tokio::test]
async fn hosts_are_edited_on_the_page_and_seen_in_the_api() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (b, t) = admin(&app, "admin").await;
        let form = [
            ("csrf", t.as_str()),
            ("name", "Cy"),
            ("email", "Cy@Acme.test"),
            ("phone", ""),
            ("time_zone", "Europe/Paris"),
            ("schedule_id", w.schedule.as_str()),
            ("active", "1"),
        ];
        let r = post(&app, &b, "/admin/hosts/new", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let id = id_in(&location(&r));
        let h = app.get(&format!("/v1/hosts/{id}")).await.body;
        assert_eq!(
            (h["name"].as_str(), h["email"].as_str(), h["time_zone"].as_str()),
            (Some("Cy"), Some("Cy@acme.test"), Some("Europe/Paris"))
        );
        assert_eq!(
            (h["schedule_id"].as_str(), h["active"].as_bool()),
            (Some(w.schedule.as_str()), Some(true))
        );
        let r = app.patch(&format!("/v1/hosts/{id}"), json!({"name": "Cyrus", "active": false})).await;
        assert_eq!(r.status, StatusCode::OK);
        let (_, html) = page(&app, &b, "/admin/hosts").await;
        assert!(html.contains("Cyrus") && html.contains("inactive") && html.contains("Ann"), "{html}");
        // Unticked is inactive; a wrong zone is named, the typed value kept.
        let form = [
            ("csrf", t.as_str()),
            ("name", "Cyrus"),
            ("email", ""),
            ("time_zone", "Mars/Base"),
            ("schedule_id", ""),
        ];
        let r = post(&app, &b, &format!("/admin/hosts/{id}"), &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("data-field=\"time_zone\"") && html.contains("value=\"Mars/Base\""), "{html}");
        let form = [
            ("csrf", t.as_str()),
            ("name", "Cyrus"),
            ("email", ""),
            ("time_zone", "UTC"),
            ("schedule_id", ""),
        ];
        assert_eq!(
            post(&app, &b, &format!("/admin/hosts/{id}"), &form).await.status(),
            StatusCode::SEE_OTHER
        );
        let h = app.get(&format!("/v1/hosts/{id}")).await.body;
        assert_eq!(
            (h["email"].clone(), h["schedule_id"].clone(), h["active"].clone()),
            (Value::Null, Value::Null, json!(false))
        );
        app
    })
    .await;
}

#[tokio::test]
async fn api_keys_are_made_and_revoked_by_the_owner_only() {
    on_each_store(|app| async move {
        let tenant = app.get("/v1/tenant").await.id();
        let keys = format!("/v1/tenants/{tenant}/api-keys");
        let (b, t) = admin(&app, "owner").await;
        let r = post(&app, &b, "/admin/api-keys", &[("csrf", t.as_str()), ("name", "zapier")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        let at = html.find("class=\"secret\">").unwrap() + 15;
        let key = html[at..].split('<').next().unwrap().to_owned();
        assert_eq!(app.call_with("GET", "/v1/event-types", None, &key, &[]).await.status, StatusCode::OK);
        let listed = app.call_with("GET", &keys, None, OPERATOR_KEY, &[]).await.body;
        let made = listed["data"].as_array().unwrap().iter().find(|k| k["name"] == "zapier").unwrap().clone();
        // A key made through the API is listed on the page.
        let r = app.call_with("POST", &keys, Some(json!({"name": "from-api"})), OPERATOR_KEY, &[]).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let (_, html) = page(&app, &b, "/admin/api-keys").await;
        assert!(html.contains("zapier") && html.contains("from-api") && !html.contains(&key), "{html}");
        let r = post(&app, &b, "/admin/api-keys", &[("csrf", t.as_str()), ("name", "  ")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("data-field=\"name\""));
        let path = format!("/admin/api-keys/{}/revoke", made["id"].as_str().unwrap());
        assert_eq!(post(&app, &b, &path, &[("csrf", t.as_str())]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.call_with("GET", "/v1/event-types", None, &key, &[]).await.status,
            StatusCode::UNAUTHORIZED
        );
        let listed = app.call_with("GET", &keys, None, OPERATOR_KEY, &[]).await.body;
        assert!(
            listed["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["name"] == "zapier" && !k["revoked_at"].is_null())
        );
        // An admin is not an owner.
        let (b, t) = admin(&app, "admin").await;
        assert_eq!(page(&app, &b, "/admin/api-keys").await.0, StatusCode::FORBIDDEN);
        let r = post(&app, &b, "/admin/api-keys", &[("csrf", t.as_str()), ("name", "sneaky")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        app
    })
    .await;
}

#[tokio::test]
async fn webhooks_are_added_switched_and_deleted_on_the_page() {
    on_each_store(|app| async move {
        let (b, t) = admin(&app, "admin").await;
        let url = "https://hooks.example.com/sked";
        let form = [
            ("csrf", t.as_str()),
            ("url", url),
            ("events", "booking.created"),
            ("events", "booking.cancelled"),
            ("description", "CRM"),
        ];
        let r = post(&app, &b, "/admin/webhooks", &form).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("whsec_"));
        let list = app.get("/v1/webhooks").await.body;
        let hook = list["data"][0].clone();
        let id = hook["id"].as_str().unwrap().to_owned();
        assert_eq!(
            (hook["url"].as_str(), hook["events"].clone(), hook["active"].as_bool()),
            (Some(url), json!(["booking.created", "booking.cancelled"]), Some(true))
        );
        let path = format!("/admin/webhooks/{id}/active");
        assert_eq!(
            post(&app, &b, &path, &[("csrf", t.as_str()), ("active", "false")]).await.status(),
            StatusCode::SEE_OTHER
        );
        assert_eq!(app.get(&format!("/v1/webhooks/{id}")).await.body["active"], false);
        // Through the API: a test delivery and a second endpoint show on the pages.
        assert_eq!(
            app.post(&format!("/v1/webhooks/{id}/test"), json!({})).await.status,
            StatusCode::ACCEPTED
        );
        let r =
            app.post("/v1/webhooks", json!({"url": "https://other.example.com/in", "events": ["*"]})).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let (_, html) = page(&app, &b, "/admin/webhooks").await;
        assert!(
            html.contains("other.example.com") && html.contains("inactive") && !html.contains("whsec_"),
            "{html}"
        );
        let (status, html) = page(&app, &b, &format!("/admin/webhooks/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("webhook.test"), "{html}");
        let form = [
            ("csrf", t.as_str()),
            ("url", "http://localhost/x"),
            ("events", "booking.created"),
            ("description", ""),
        ];
        let r = post(&app, &b, "/admin/webhooks", &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("data-field=\"url\"") && html.contains("value=\"http://localhost/x\""),
            "{html}"
        );
        let path = format!("/admin/webhooks/{id}/delete");
        assert_eq!(post(&app, &b, &path, &[("csrf", t.as_str())]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get(&format!("/v1/webhooks/{id}")).await.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn voice_agents_are_edited_on_the_page_and_seen_in_the_api() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (b, t) = admin(&app, "admin").await;
        let form = [
            ("csrf", t.as_str()),
            ("platform", "vapi"),
            ("platform_agent_id", "asst_1"),
            ("event_type_ids", w.event_type.as_str()),
            ("default_event_type_id", ""),
            ("time_zone", "America/New_York"),
            ("secret", "s3cret-value"),
            ("auth_header", ""),
            ("max_options_spoken", "2"),
            ("clock", "24h"),
        ];
        let r = post(&app, &b, "/admin/voice-agents/new", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let id = id_in(&location(&r));
        let a = app.get(&format!("/v1/voice-agents/{id}")).await.body;
        assert_eq!(
            (a["platform"].as_str(), a["clock"].as_str(), a["max_options_spoken"].as_i64()),
            (Some("vapi"), Some("24h"), Some(2))
        );
        assert_eq!(
            (a["event_type_ids"].clone(), a["has_secret"].as_bool()),
            (json!([w.event_type]), Some(true))
        );
        let r = app.patch(&format!("/v1/voice-agents/{id}"), json!({"time_zone": "Europe/London"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (_, html) = page(&app, &b, &format!("/admin/voice-agents/{id}")).await;
        assert!(html.contains("value=\"Europe/London\"") && html.contains("asst_1"), "{html}");
        let mut form = form.to_vec();
        form[5] = ("time_zone", "Nowhere/Land");
        form[6] = ("secret", "");
        let r = post(&app, &b, &format!("/admin/voice-agents/{id}"), &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("data-field=\"time_zone\"") && html.contains("value=\"Nowhere/Land\""),
            "{html}"
        );
        form[5] = ("time_zone", "Asia/Tokyo");
        assert_eq!(
            post(&app, &b, &format!("/admin/voice-agents/{id}"), &form).await.status(),
            StatusCode::SEE_OTHER
        );
        let a = app.get(&format!("/v1/voice-agents/{id}")).await.body;
        assert_eq!((a["time_zone"].as_str(), a["has_secret"].as_bool()), (Some("Asia/Tokyo"), Some(true)));
        app
    })
    .await;
}

#[tokio::test]
async fn host_users_and_forged_posts_are_refused_by_every_editor() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (email, password) = user(&app, "ann@acme.test", "host", Some(&w.hosts[0])).await;
        let b = signed_in(&app, &email, &password).await;
        let t = csrf(&app, &b).await;
        let pages = [
            "/admin/event-types",
            "/admin/event-types/new",
            &format!("/admin/event-types/{}", w.event_type),
            "/admin/hosts",
            "/admin/hosts/new",
            &format!("/admin/hosts/{}", w.hosts[0]),
            "/admin/api-keys",
            "/admin/webhooks",
            "/admin/voice-agents",
            "/admin/voice-agents/new",
        ];
        let posts = [
            &format!("/admin/event-types/{}", w.event_type),
            "/admin/event-types/new",
            &format!("/admin/hosts/{}", w.hosts[0]),
            "/admin/hosts/new",
            "/admin/api-keys",
            "/admin/webhooks",
            "/admin/voice-agents/new",
        ];
        for p in pages {
            assert_eq!(page(&app, &b, p).await.0, StatusCode::FORBIDDEN, "{p}");
        }
        for p in posts {
            let r =
                post(&app, &b, p, &[("csrf", t.as_str()), ("name", "Mallory"), ("time_zone", "UTC")]).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{p}");
        }
        let (_, html) = page(&app, &b, "/admin").await;
        assert!(!html.contains("/admin/event-types"), "{html}");
        // An owner without the session's token is refused too, and nothing changes.
        let (b, _) = admin(&app, "owner").await;
        for p in posts {
            let r = post(&app, &b, p, &[("name", "Mallory"), ("time_zone", "UTC")]).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{p}");
        }
        assert_eq!(app.get("/v1/hosts").await.body["data"].as_array().unwrap().len(), 2);
        let (_, html) = page(&app, &b, "/admin").await;
        for link in [
            "/admin/event-types",
            "/admin/hosts",
            "/admin/api-keys",
            "/admin/webhooks",
            "/admin/voice-agents",
        ] {
            assert!(html.contains(link), "{link}");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn event_types_hosts_and_agents_are_deleted_on_their_pages() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (b, t) = admin(&app, "admin").await;
        // An event type with bookings stays, and the page says why.
        let booked = app
            .post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat"))
            .await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
        let r = post(&app, &b, &format!("/admin/event-types/{}/delete", w.event_type), &[("csrf", &t)]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(app.get(&format!("/v1/event-types/{}", w.event_type)).await.status, StatusCode::OK);
        // One without bookings goes; the list says so.
        let spare = app
            .post("/v1/event-types", json!({"slug": "spare", "title": "Spare", "duration_minutes": 15, "host_ids": [w.hosts[0]]}))
            .await;
        let path = format!("/admin/event-types/{}/delete", spare.id());
        // Without the form's token, nothing happens.
        assert_eq!(post(&app, &b, &path, &[]).await.status(), StatusCode::FORBIDDEN);
        let r = post(&app, &b, &path, &[("csrf", &t)]).await;
        assert_eq!(location(&r), "/admin/event-types?deleted=1");
        assert_eq!(app.get(&format!("/v1/event-types/{}", spare.id())).await.status, StatusCode::NOT_FOUND);
        let (_, list) = page(&app, &b, &location(&r)).await;
        assert!(list.contains("Deleted.") && !list.contains("Spare"));

        let host = app.post("/v1/hosts", json!({"name": "Temp", "time_zone": "UTC"})).await;
        let r = post(&app, &b, &format!("/admin/hosts/{}/delete", host.id()), &[("csrf", &t)]).await;
        assert_eq!(location(&r), "/admin/hosts?deleted=1");
        assert_eq!(app.get(&format!("/v1/hosts/{}", host.id())).await.status, StatusCode::NOT_FOUND);

        let agent = app
            .post("/v1/voice-agents", json!({"platform": "vapi", "event_type_ids": [w.event_type], "time_zone": "UTC", "secret": "a-long-secret"}))
            .await;
        assert_eq!(agent.status, StatusCode::CREATED, "{}", agent.body);
        let (_, html) = page(&app, &b, &format!("/admin/voice-agents/{}", agent.id())).await;
        assert!(html.contains("Delete this voice agent"));
        let r = post(&app, &b, &format!("/admin/voice-agents/{}/delete", agent.id()), &[("csrf", &t)]).await;
        assert_eq!(location(&r), "/admin/voice-agents?deleted=1");
        assert_eq!(app.get(&format!("/v1/voice-agents/{}", agent.id())).await.status, StatusCode::NOT_FOUND);

        // Host users may not.
        let (email, password) = user(&app, "hal@acme.test", "host", Some(&w.hosts[1])).await;
        let hb = signed_in(&app, &email, &password).await;
        let ht = csrf(&app, &hb).await;
        let r = post(&app, &hb, &format!("/admin/hosts/{}/delete", w.hosts[0]), &[("csrf", &ht)]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.get(&format!("/v1/hosts/{}", w.hosts[0])).await.status, StatusCode::OK);
        app
    })
    .await;
}

#[tokio::test]
async fn a_webhook_is_changed_tested_and_redelivered_on_its_page() {
    on_each_store(|app| async move {
        let (b, t) = admin(&app, "admin").await;
        let r = app
            .post(
                "/v1/webhooks",
                json!({"url": "https://hooks.example.com/a", "events": ["booking.created"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.id();
        let path = format!("/admin/webhooks/{id}");
        let (_, html) = page(&app, &b, &path).await;
        assert!(html.contains("value=\"https://hooks.example.com/a\""), "the form holds the stored URL");
        // A change on the page is the API's change.
        let form = [
            ("csrf", t.as_str()),
            ("url", "https://hooks.example.com/b"),
            ("events", "booking.cancelled"),
            ("events", "booking.rescheduled"),
            ("description", "Billing"),
        ];
        assert_eq!(post(&app, &b, &path, &form).await.status(), StatusCode::SEE_OTHER);
        let w = app.get(&format!("/v1/webhooks/{id}")).await.body;
        assert_eq!(w["url"], "https://hooks.example.com/b");
        assert_eq!(w["events"], json!(["booking.cancelled", "booking.rescheduled"]));
        assert_eq!(w["description"], "Billing");
        // Refused as the API refuses it, beside the field, with what was typed.
        let bad = [("csrf", t.as_str()), ("url", "http://10.0.0.1/x"), ("events", "booking.created")];
        let r = post(&app, &b, &path, &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("data-field=\"url\"") && html.contains("value=\"http://10.0.0.1/x\""),
            "{html}"
        );
        assert_eq!(app.get(&format!("/v1/webhooks/{id}")).await.body["url"], "https://hooks.example.com/b");

        // A test event, then that delivery sent again: both through the API's own queueing.
        assert_eq!(
            post(&app, &b, &format!("{path}/test"), &[("csrf", &t)]).await.status(),
            StatusCode::SEE_OTHER
        );
        let sent = app.get(&format!("/v1/webhooks/{id}/deliveries")).await.body;
        assert_eq!(sent["data"][0]["kind"], "webhook.test", "{sent}");
        let delivery = sent["data"][0]["id"].as_str().unwrap().to_owned();
        let (_, html) = page(&app, &b, &path).await;
        assert!(html.contains(&format!("/deliveries/{delivery}/redeliver")));
        let again = format!("{path}/deliveries/{delivery}/redeliver");
        assert_eq!(
            post(&app, &b, &again, &[]).await.status(),
            StatusCode::FORBIDDEN,
            "no token, no delivery"
        );
        assert_eq!(post(&app, &b, &again, &[("csrf", &t)]).await.status(), StatusCode::SEE_OTHER);
        let other = format!("{path}/deliveries/{}/redeliver", uuid::Uuid::now_v7());
        assert_eq!(post(&app, &b, &other, &[("csrf", &t)]).await.status(), StatusCode::NOT_FOUND);
        app
    })
    .await;
}
