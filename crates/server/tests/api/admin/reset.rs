//! Passwords: a forgotten one reset through the emailed link, a one-time one replaced.

use reqwest::StatusCode;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;

use super::{browser, login, page, signed_in, user};
use crate::helpers::TestApp;
use crate::notify::{parse, with_email};

#[tokio::test]
async fn a_forgotten_password_is_reset_by_the_emailed_link_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(sink) = SmtpSink::start() else { return };
        let app = TestApp::start(db, |s| with_email(s, &sink)).await;
        let (email, old) = user(&app, "kim@acme.test", "admin", None).await;
        let other_browser = signed_in(&app, &email, &old).await;
        let b = browser();
        let (status, html) = page(&app, &b, "/admin/forgot").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("name=\"email\""));
        // The same answer for an address without an account, and no email for it.
        for who in ["nobody@acme.test", "KIM@acme.test"] {
            let r =
                b.post(format!("{}/admin/forgot", app.base)).form(&[("email", who)]).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert!(r.text().await.unwrap().contains("on its way"));
        }
        app.run_pending_jobs().await;
        let mails: Vec<_> = sink.messages().iter().map(|m| parse(m)).collect();
        assert_eq!(mails.len(), 1, "{mails:#?}");
        assert_eq!(mails[0].to, "kim@acme.test");
        let link =
            mails[0].text.lines().find(|l| l.contains("/admin/reset?token=")).unwrap().trim().to_owned();
        let token = link.split("token=").nth(1).unwrap().to_owned();
        // The database keeps the message, but not a working link: it is sealed at rest.
        let tenant = app.get("/v1/tenant").await.body["id"].as_str().unwrap().parse().unwrap();
        let filter = sked_store::MessageFilter { kind: Some("password_reset".into()), ..Default::default() };
        let kept = app
            .store
            .list_messages(tenant, &filter, sked_store::Page { limit: 10, after: None })
            .await
            .unwrap();
        assert_eq!(kept.len(), 1);
        assert!(
            !kept[0].payload.contains(&token) && kept[0].payload.contains("sealed:"),
            "{}",
            kept[0].payload
        );
        let (status, form) = page(&app, &b, &link.replace(&app.base, "")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains(&token));
        let reset = |password: &str, token: &str| {
            b.post(format!("{}/admin/reset", app.base))
                .form(&[("token", token), ("password", password)])
                .send()
        };
        assert_eq!(reset("short", &token).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
        let forged = format!("{}x", &token[..token.len() - 1]);
        assert_eq!(reset("a new long password", &forged).await.unwrap().status(), StatusCode::NOT_FOUND);
        let r = reset("a new long password", &token).await.unwrap();
        assert_eq!(
            (r.status(), r.headers()["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/admin")
        );
        assert_eq!(page(&app, &b, "/admin").await.0, StatusCode::OK, "signed in");
        // Every other session ended; the old password is refused, the new one works; the link
        // works once.
        assert_eq!(page(&app, &other_browser, "/admin").await.0, StatusCode::SEE_OTHER);
        assert_eq!(login(&app, &browser(), &email, &old).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            login(&app, &browser(), &email, "a new long password").await.status(),
            StatusCode::SEE_OTHER
        );
        assert_eq!(reset("another long password", &token).await.unwrap().status(), StatusCode::NOT_FOUND);
        // A link past its hour does not work.
        let r = browser()
            .post(format!("{}/admin/forgot", app.base))
            .form(&[("email", "kim@acme.test")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        app.run_pending_jobs().await;
        let last = sink.messages().last().map(|m| parse(m)).unwrap();
        let token = last.text.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
        app.clock.advance(jiff::SignedDuration::from_secs(3_601));
        assert_eq!(reset("yet another password", &token).await.unwrap().status(), StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_user_replaces_their_one_time_password() {
    crate::helpers::on_each_store(|app| async move {
        let (email, first) = user(&app, "lee@acme.test", "owner", None).await;
        let b = signed_in(&app, &email, &first).await;
        let elsewhere = signed_in(&app, &email, &first).await;
        let token = super::csrf(&app, &b).await;
        let change = |current: &str, new: &str| {
            let form = [("csrf", token.as_str()), ("current", current), ("password", new)];
            b.post(format!("{}/admin/password", app.base)).form(&form).send()
        };
        assert_eq!(
            change("not-it-at-all", "my own long password").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(change(&first, "short").await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = change(&first, "my own long password").await.unwrap();
        assert_eq!(r.headers()["location"], "/admin/password?changed=1");
        assert_eq!(page(&app, &b, "/admin").await.0, StatusCode::OK, "this browser stays signed in");
        assert_eq!(page(&app, &elsewhere, "/admin").await.0, StatusCode::SEE_OTHER, "other sessions end");
        assert_eq!(login(&app, &browser(), &email, &first).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            login(&app, &browser(), &email, "my own long password").await.status(),
            StatusCode::SEE_OTHER
        );
        app
    })
    .await;
}
