//! The admin dashboard through HTTP, as a browser drives it: a cookie jar, forms, redirects.

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, on_each_store, on_each_store_with, world};

mod analytics;
mod calendar;
mod cli;
mod reset;

/// A browser: cookies kept, redirects not followed (so they can be checked).
pub fn browser() -> reqwest::Client {
    sked_test_utils::http();
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

/// Creates a dashboard user through the API; answers their email and one-time password.
pub async fn user(app: &TestApp, email: &str, role: &str, host: Option<&str>) -> (String, String) {
    let r = app.post("/v1/users", json!({"email": email, "role": role, "host_id": host})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.get("password_hash").is_none());
    (email.to_owned(), r.body["password"].as_str().unwrap().to_owned())
}

pub async fn login(app: &TestApp, b: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    b.post(format!("{}/admin/login", app.base))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Signs in a new browser; answers it.
pub async fn signed_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let b = browser();
    let r = login(app, &b, email, password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/admin");
    b
}

pub async fn page(app: &TestApp, b: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = b.get(format!("{}{path}", app.base)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The CSRF token of the session, read from a page's forms.
pub async fn csrf(app: &TestApp, b: &reqwest::Client) -> String {
    let (_, html) = page(app, b, "/admin").await;
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a token") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

pub async fn post(
    app: &TestApp,
    b: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    b.post(format!("{}{path}", app.base)).form(form).send().await.unwrap()
}

async fn book(app: &TestApp, w: &World, host: usize, start: &str, name: &str) -> Value {
    let body = json!({"event_type_id": w.event_type, "start": start, "host_id": w.hosts[host],
        "attendee": {"name": name, "email": format!("{}@example.test", name.to_lowercase())}});
    let r = app.post("/v1/bookings", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

#[tokio::test]
async fn sign_in_sign_out_and_wrong_passwords_limited() {
    on_each_store_with(
        |s| s.failure_limit_burst = 3,
        |app| async move {
            let (email, password) = user(&app, "Owner@Acme.test", "owner", None).await;
            let b = browser();
            let r = b.get(format!("{}/admin", app.base)).send().await.unwrap();
            assert_eq!((r.status(), r.headers()["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, "/admin/login"));
            let (status, form) = page(&app, &b, "/admin/login").await;
            assert_eq!(status, StatusCode::OK);
            assert!(form.contains("name=\"email\"") && form.contains("name=\"password\""));
            // The address is matched whatever its case.
            let r = login(&app, &b, "owner@acme.TEST", &password).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
            assert!(cookie.starts_with("sked_session="), "{cookie}");
            for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
                assert!(cookie.contains(part), "{cookie}");
            }
            let r = b.get(format!("{}/admin", app.base)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let h = r.headers();
            assert_eq!(
                h["content-security-policy"],
                "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'"
            );
            assert_eq!((h["x-frame-options"].to_str().unwrap(), h["referrer-policy"].to_str().unwrap()), ("DENY", "same-origin"));
            assert_eq!(h["cache-control"], "no-store");
            let html = r.text().await.unwrap();
            assert!(html.contains("owner@acme.test") && !html.contains("<script>"), "{html}");
            // Signing out ends the session on the server.
            let token = csrf(&app, &b).await;
            let r = post(&app, &b, "/admin/logout", &[("csrf", &token)]).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            assert_eq!(b.get(format!("{}/admin", app.base)).send().await.unwrap().status(), StatusCode::SEE_OTHER);
            // Wrong passwords and unknown addresses are refused alike, then the address is
            // limited: even the right password waits.
            for (who, pw) in [(email.as_str(), "wrong-password"), ("nobody@acme.test", "whatever-pw"), (email.as_str(), "again-wrong")] {
                let r = login(&app, &browser(), who, pw).await;
                assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
                assert!(r.text().await.unwrap().contains("Wrong email or password."));
            }
            let r = login(&app, &browser(), &email, &password).await;
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
            assert!(r.headers().contains_key("retry-after"));
            app
        },
    )
    .await;
}

#[tokio::test]
async fn a_post_without_the_sessions_token_is_refused() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let booking = book(&app, &w, 0, "2026-03-03T14:00:00Z", "Pat").await;
        let id = booking["id"].as_str().unwrap();
        let (email, password) = user(&app, "admin@acme.test", "admin", None).await;
        let b = signed_in(&app, &email, &password).await;
        let token = csrf(&app, &b).await;
        let path = format!("/admin/bookings/{id}/cancel");
        for form in [vec![("reason", "x")], vec![("reason", "x"), ("csrf", "forged")]] {
            assert_eq!(post(&app, &b, &path, &form).await.status(), StatusCode::FORBIDDEN);
        }
        // The right token from another site is refused too.
        let r = b
            .post(format!("{}{path}", app.base))
            .header("origin", "https://evil.example")
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = b
            .post(format!("{}{path}", app.base))
            .header("sec-fetch-site", "cross-site")
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.get(&format!("/v1/bookings/{id}")).await.body["status"], "confirmed");
        app
    })
    .await;
}

#[tokio::test]
async fn a_host_user_sees_and_changes_only_their_hosts_bookings() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let mine = book(&app, &w, 0, "2026-03-03T14:00:00Z", "Mia").await;
        let theirs = book(&app, &w, 1, "2026-03-03T15:00:00Z", "Theo").await;
        let (email, password) = user(&app, "ann@acme.test", "host", Some(&w.hosts[0])).await;
        // A host user needs a host.
        let r = app.post("/v1/users", json!({"email": "x@acme.test", "role": "host"})).await;
        assert_eq!((r.status, r.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["host_id".to_owned()]));
        let b = signed_in(&app, &email, &password).await;
        let code = |v: &Value| v["confirmation_code"].as_str().unwrap().to_owned();
        let (_, list) = page(&app, &b, "/admin").await;
        assert!(list.contains(&code(&mine)) && !list.contains(&code(&theirs)), "{list}");
        // Asking for the other host's bookings changes nothing.
        let (_, list) = page(&app, &b, &format!("/admin?host={}", w.hosts[1])).await;
        assert!(list.contains(&code(&mine)) && !list.contains(&code(&theirs)), "{list}");
        let other = theirs["id"].as_str().unwrap();
        assert_eq!(page(&app, &b, &format!("/admin/bookings/{other}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            page(&app, &b, &format!("/admin/bookings/{}", mine["id"].as_str().unwrap())).await.0,
            StatusCode::OK
        );
        let (status, csv) = page(&app, &b, "/admin/bookings.csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.contains(&code(&mine)) && !csv.contains(&code(&theirs)), "{csv}");
        let token = csrf(&app, &b).await;
        let r = post(&app, &b, &format!("/admin/bookings/{other}/cancel"), &[("csrf", &token)]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get(&format!("/v1/bookings/{other}")).await.body["status"], "confirmed");
        assert_eq!(page(&app, &b, "/admin/schedules").await.0, StatusCode::FORBIDDEN);
        app
    })
    .await;
}

#[tokio::test]
async fn the_csv_export_matches_the_api_for_the_same_filter() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let mut ids = Vec::new();
        for (i, start) in ["2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z", "2026-03-04T14:00:00Z", "2026-03-05T18:00:00Z"].iter().enumerate() {
            ids.push(book(&app, &w, i % 2, start, &format!("Guest{i}")).await["id"].as_str().unwrap().to_owned());
        }
        // A comma, a quote and a line break in one field, for the quoting rules.
        let body = json!({"event_type_id": w.event_type, "start": "2026-03-04T15:00:00Z", "host_id": w.hosts[0],
            "attendee": {"name": "Lee, \"Sam\""}, "notes": "two\nlines"});
        assert_eq!(app.post("/v1/bookings", body).await.status, StatusCode::CREATED);
        assert_eq!(app.post(&format!("/v1/bookings/{}/cancel", ids[1]), json!({})).await.status, StatusCode::OK);
        let (email, password) = user(&app, "owner@acme.test", "owner", None).await;
        let b = signed_in(&app, &email, &password).await;
        for (dash, api) in [
            ("status=confirmed", "status=confirmed"),
            (&format!("host={}", w.hosts[0]) as &str, &format!("host_id={}", w.hosts[0]) as &str),
            ("from=2026-03-04&to=2026-03-04", "from=2026-03-04T00:00:00Z&to=2026-03-05T00:00:00Z"),
            ("", ""),
        ] {
            let r = b.get(format!("{}/admin/bookings.csv?{dash}", app.base)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
            let text = r.text().await.unwrap();
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let headers = reader.headers().unwrap().clone();
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            let listed = app.get(&format!("/v1/bookings?limit=100&{api}")).await;
            let data = listed.body["data"].as_array().unwrap();
            assert_eq!(rows.len(), data.len(), "{dash}: {text}");
            assert!(!rows.is_empty());
            for (row, v) in rows.iter().zip(data) {
                let col = |name: &str| row.get(headers.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
                let s = |f: &Value| f.as_str().unwrap_or("").to_owned();
                for field in ["id", "confirmation_code", "status", "start", "end", "source", "host_id", "updated_at"] {
                    assert_eq!(col(field), s(&v[field]), "{field}");
                }
                assert_eq!(col("attendee_name"), s(&v["attendee"]["name"]));
                assert_eq!(col("attendee_email"), s(&v["attendee"]["email"]));
                assert_eq!(col("notes"), s(&v["notes"]));
                assert_eq!(col("no_show"), v["no_show"].to_string());
                assert_eq!(col("manage_url"), s(&v["manage_url"]));
            }
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_schedule_changed_in_the_dashboard_changes_the_slots() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let url = format!("/v1/event-types/{}/slots?from=2026-03-03&to=2026-03-05", w.event_type);
        let slots = || app.get(&url);
        let before = slots().await;
        assert_eq!(before.body["available_dates"], json!(["2026-03-03", "2026-03-04"]));
        let (email, password) = user(&app, "admin@acme.test", "admin", None).await;
        let b = signed_in(&app, &email, &password).await;
        let (status, html) = page(&app, &b, &format!("/admin/schedules/{}", w.schedule)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("09:00-12:00, 13:00-17:00"), "{html}");
        let token = csrf(&app, &b).await;
        let path = format!("/admin/schedules/{}", w.schedule);
        let day = "09:00-12:00, 13:00-17:00";
        let mut form = vec![("csrf", token.as_str()), ("name", "Office"), ("time_zone", "America/New_York")];
        form.extend([("mon", day), ("wed", day), ("thu", day), ("fri", day), ("tue", "10:00-11:00")]);
        // The API's checks apply: an end before its start is refused, and nothing changes.
        let mut bad = form.clone();
        bad.push(("overrides", "2026-03-04 12:00-09:00"));
        let r = post(&app, &b, &path, &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(slots().await.body, before.body);
        // Tuesday shortened, Wednesday closed by an override.
        form.push(("overrides", "2026-03-04 closed"));
        let r = post(&app, &b, &path, &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let after = slots().await;
        assert_eq!(after.body["available_dates"], json!(["2026-03-03"]));
        let tuesday: Vec<_> = after.body["slots_by_date"]["2026-03-03"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].clone())
            .collect();
        assert_eq!(tuesday, [json!("2026-03-03T15:00:00Z"), json!("2026-03-03T15:30:00Z")]);
        let s = app.get(&format!("/v1/schedules/{}", w.schedule)).await;
        assert_eq!(s.body["overrides"], json!([{"date": "2026-03-04", "intervals": []}]));
        app
    })
    .await;
}

#[tokio::test]
async fn cancel_and_no_show_in_the_dashboard_show_in_the_api() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let one = book(&app, &w, 0, "2026-03-03T14:00:00Z", "Una").await;
        let two = book(&app, &w, 1, "2026-03-03T15:00:00Z", "Dos").await;
        let (email, password) = user(&app, "admin@acme.test", "admin", None).await;
        let b = signed_in(&app, &email, &password).await;
        let users = app.get("/v1/users").await;
        let user_id = users.body["data"][0]["id"].as_str().unwrap().to_owned();
        let token = csrf(&app, &b).await;
        let id = one["id"].as_str().unwrap();
        let r = post(
            &app,
            &b,
            &format!("/admin/bookings/{id}/cancel"),
            &[("csrf", &token), ("reason", "Clinic closed")],
        )
        .await;
        assert_eq!(r.headers()["location"].to_str().unwrap(), format!("/admin/bookings/{id}?done=cancelled"));
        let v = app.get(&format!("/v1/bookings/{id}")).await.body;
        assert_eq!(
            (v["status"].as_str(), v["cancel_reason"].as_str()),
            (Some("cancelled"), Some("Clinic closed"))
        );
        let h = app.get(&format!("/v1/bookings/{id}/history")).await.body;
        let last = h["data"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["action"].as_str(), last["actor"].as_str()),
            (Some("cancelled"), Some(&*format!("user:{user_id}")))
        );
        // A no-show only once the booking has started.
        let id = two["id"].as_str().unwrap();
        let path = format!("/admin/bookings/{id}/no-show");
        let r = post(&app, &b, &path, &[("csrf", &token), ("no_show", "true")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        app.set_now("2026-03-03T15:20:00Z");
        // More than 12 hours unused: the session is over.
        let r = post(&app, &b, &path, &[("csrf", &token), ("no_show", "true")]).await;
        assert_eq!(r.headers()["location"], "/admin/login");
        let b = signed_in(&app, &email, &password).await;
        let token = csrf(&app, &b).await;
        let r = post(&app, &b, &path, &[("csrf", &token), ("no_show", "true")]).await;
        assert_eq!(r.headers()["location"].to_str().unwrap(), format!("/admin/bookings/{id}?done=no_show"));
        let v = app.get(&format!("/v1/bookings/{id}")).await.body;
        assert_eq!((v["status"].as_str(), v["no_show"].as_bool()), (Some("confirmed"), Some(true)));
        let h = app.get(&format!("/v1/bookings/{id}/history")).await.body;
        assert_eq!(h["data"].as_array().unwrap().last().unwrap()["action"], "no_show");
        let (_, html) = page(&app, &b, &format!("/admin/bookings/{id}")).await;
        assert!(html.contains("(no-show)") && html.contains("Clear the no-show mark"), "{html}");
        app
    })
    .await;
}

#[tokio::test]
async fn users_are_managed_with_the_tenant_key() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (email, password) = user(&app, "sam@acme.test", "admin", None).await;
        let r = app.post("/v1/users", json!({"email": "SAM@acme.test", "role": "owner"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let list = app.get("/v1/users").await;
        let id = list.body["data"][0]["id"].as_str().unwrap().to_owned();
        assert!(list.body["data"][0].get("password").is_none());
        let r = app.patch(&format!("/v1/users/{id}"), json!({"role": "host", "host_id": w.hosts[1]})).await;
        assert_eq!((r.status, r.body["role"].as_str()), (StatusCode::OK, Some("host")));
        let b = signed_in(&app, &email, &password).await;
        assert_eq!(
            page(&app, &b, "/admin/schedules").await.0,
            StatusCode::FORBIDDEN,
            "the new role applies at once"
        );
        assert_eq!(app.delete(&format!("/v1/users/{id}")).await.status, StatusCode::NO_CONTENT);
        assert_eq!(page(&app, &b, "/admin").await.0, StatusCode::SEE_OTHER, "a deleted user's session ends");
        let other = app.new_tenant("Other").await;
        let r = app.call_with("DELETE", &format!("/v1/users/{id}"), None, &other, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}
