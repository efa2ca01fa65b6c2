//! A real server per test, on each store, with time from a manual clock.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_core::ManualClock;
use sked_jobs::Worker;
use sked_server::config::Secret;
use sked_server::{Application, Settings};
use sked_store::{Backend, DynStore};
use sked_test_utils::TestDb;

/// Monday 2 March 2026, 12:00 UTC (07:00 in New York).
pub const NOW: &str = "2026-03-02T12:00:00Z";
pub const OPERATOR_KEY: &str = "op_test_operator_key_0123456789";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub store: DynStore,
    pub worker: Arc<Worker>,
    /// The server's shared state (for driving periodic work by hand).
    pub state: sked_server::state::AppState,
    /// The tenant key of tenant "Acme".
    pub key: String,
    pub backend: Backend,
    db: Option<TestDb>,
    server: tokio::task::JoinHandle<()>,
}

/// A JSON answer.
#[derive(Debug, Clone)]
pub struct Res {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["field"].as_str().unwrap_or("").to_owned())
            .collect()
    }
    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", self.body)).to_owned()
    }
}

pub fn settings(db: &TestDb) -> Settings {
    Settings {
        database_url: db.url.clone(),
        listen: "127.0.0.1:0".into(),
        operator_key: Some(Secret::from(OPERATOR_KEY)),
        secret_key: Some(Secret::from("5ec2e7000000000000000000000000000000000000000000000000000000c0de")),
        run_worker: false,
        rate_limit_per_second: 0,
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn start(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let clock = Arc::new(ManualClock::new(NOW.parse::<Timestamp>().unwrap()));
        Self::start_with_clock(db, clock, tweak).await
    }

    /// As [`start`](Self::start), on a clock the test shares with stand-ins.
    pub async fn start_with_clock(
        db: TestDb,
        clock: Arc<ManualClock>,
        tweak: impl FnOnce(&mut Settings),
    ) -> TestApp {
        // The server's errors (a 500's cause) go with a failing test's output.
        let _ = tracing_subscriber::fmt().with_env_filter("error").with_test_writer().try_init();
        let mut s = settings(&db);
        tweak(&mut s);
        let store = db.store().await;
        let app = Application::build(s, store.clone(), clock.clone()).await.unwrap();
        let base = format!("http://{}", app.address());
        let worker = app.worker();
        let state = app.state();
        let server = tokio::spawn(async move {
            app.run_until_stopped(std::future::pending()).await.unwrap();
        });
        let mut t = TestApp {
            base,
            client: sked_test_utils::http(),
            clock,
            store,
            worker,
            state,
            key: String::new(),
            backend: db.backend,
            db: Some(db),
            server,
        };
        t.key = t.new_tenant("Acme").await;
        t
    }

    /// The database's URL, for running the `sked` binary on it.
    pub fn db_url(&self) -> &str {
        self.db.as_ref().map_or("", |d| d.url.as_str())
    }

    /// Creates a tenant with the operator key; returns its API key.
    pub async fn new_tenant(&self, name: &str) -> String {
        let r = self.call_with("POST", "/v1/tenants", Some(json!({"name": name})), OPERATOR_KEY, &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["api_key"].as_str().unwrap().to_owned()
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        key: &str,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req =
            self.client.request(method.parse().unwrap(), format!("{}{path}", self.base)).bearer_auth(key);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::send(req).await
    }

    /// Sends a request and reads its answer as JSON (or as a string when it is not JSON).
    pub async fn send(req: reqwest::RequestBuilder) -> Res {
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Res { status, body, headers }
    }

    pub async fn get(&self, path: &str) -> Res {
        self.call_with("GET", path, None, &self.key, &[]).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Res {
        self.call_with("POST", path, Some(body), &self.key, &[]).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Res {
        self.call_with("PATCH", path, Some(body), &self.key, &[]).await
    }
    pub async fn delete(&self, path: &str) -> Res {
        self.call_with("DELETE", path, None, &self.key, &[]).await
    }

    /// Another server process on this test's database, with the same settings and clock: its
    /// base URL, and the task serving it (abort it when done).
    pub async fn second_server(&self) -> (String, tokio::task::JoinHandle<()>) {
        let settings = self.state.settings.clone();
        let store = sked_store::connect(&settings.database_url).await.unwrap();
        let app = Application::build(settings, store, self.clock.clone()).await.unwrap();
        let base = format!("http://{}", app.address());
        let server = tokio::spawn(async move {
            app.run_until_stopped(std::future::pending()).await.unwrap();
        });
        (base, server)
    }

    /// Runs every due background job.
    pub async fn run_pending_jobs(&self) -> sked_jobs::Pass {
        self.worker.run_until_idle().await.unwrap()
    }

    pub fn set_now(&self, at: &str) {
        self.clock.set(at.parse().unwrap());
    }

    pub async fn stop(mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}

/// Runs `test` against a fresh server on each store (PostgreSQL when configured).
pub async fn on_each_store<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    on_each_store_with(|_| {}, test).await;
}

/// As [`on_each_store`], with settings changed first.
pub async fn on_each_store_with<F, Fut>(tweak: impl Fn(&mut Settings), test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let dropper = db.dropper();
        let app = TestApp::start(db, &tweak).await;
        match AssertUnwindSafe(test(app)).catch_unwind().await {
            Ok(app) => app.stop().await,
            Err(panic) => {
                dropper.drop_db().await;
                eprintln!("failed on {backend:?}");
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// The usual world: a weekday schedule (09:00–12:00 and 13:00–17:00 New York), two hosts, and a
/// 30-minute round-robin event type with a 10-minute buffer after.
pub struct World {
    pub schedule: String,
    pub hosts: Vec<String>,
    pub event_type: String,
}

pub async fn world(app: &TestApp) -> World {
    let day = json!([{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]);
    let s = app
        .post(
            "/v1/schedules",
            json!({"name": "Office", "time_zone": "America/New_York",
            "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}}),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
    let mut hosts = vec![];
    for name in ["Ann", "Bob"] {
        let h = app
            .post(
                "/v1/hosts",
                json!({"name": name, "email": format!("{}@acme.test", name.to_lowercase()),
                "time_zone": "America/New_York", "schedule_id": s.id()}),
            )
            .await;
        assert_eq!(h.status, StatusCode::CREATED, "{}", h.body);
        hosts.push(h.id());
    }
    let e = app
        .post(
            "/v1/event-types",
            json!({"slug": "consult", "title": "Consultation", "duration_minutes": 30,
            "buffer_after_minutes": 10, "host_ids": hosts, "assignment": "round_robin"}),
        )
        .await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
    World { schedule: s.id(), hosts, event_type: e.id() }
}

/// A booking request body.
pub fn booking(event_type: &str, start: &str, name: &str) -> Value {
    json!({"event_type_id": event_type, "start": start, "attendee": {"name": name, "email": "guest@example.test"}})
}

/// Every text value of the tables that could hold a token.
pub async fn database_text(app: &TestApp) -> String {
    let url = app.state.settings.database_url.clone();
    let mut out = String::new();
    for table in [
        "connections",
        "connection_calendars",
        "oauth_states",
        "token_audit",
        "jobs",
        "pending_revocations",
        "external_events",
        "settings",
    ] {
        let sql = match app.backend {
            Backend::Sqlite => format!("SELECT * FROM {table}"),
            Backend::Postgres => format!("SELECT t::text FROM {table} t"),
        };
        match app.backend {
            Backend::Sqlite => {
                use sqlx::{Connection, Row};
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                for row in sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch_all(&mut conn).await.unwrap() {
                    for i in 0..row.len() {
                        if let Ok(Some(v)) = row.try_get::<Option<String>, _>(i) {
                            out.push_str(&v);
                            out.push('\n');
                        }
                    }
                }
            }
            Backend::Postgres => {
                use sqlx::{Connection, Row};
                let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                for row in sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch_all(&mut conn).await.unwrap() {
                    out.push_str(&row.get::<String, _>(0));
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// A host's free starts (UTC) on a New York date, for the usual world's event type.
pub async fn free_starts(app: &TestApp, w: &World, host: &str, date: &str) -> Vec<String> {
    let next = date.parse::<jiff::civil::Date>().unwrap().tomorrow().unwrap();
    let r = app
        .get(&format!(
            "/v1/event-types/{}/slots?from={date}&to={next}&time_zone=America/New_York&host_id={host}",
            w.event_type
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["slots_by_date"][date]
        .as_array()
        .map(|a| a.iter().map(|s| s["start"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// A host's busy time from connected calendars between two instants, as `(start, end)`.
pub async fn calendar_busy(app: &TestApp, host: &str, from: &str, to: &str) -> Vec<(String, String)> {
    let r = app.get(&format!("/v1/hosts/{host}/busy?from={from}&to={to}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["source"] != "booking")
        .map(|b| (b["start"].as_str().unwrap().to_owned(), b["end"].as_str().unwrap().to_owned()))
        .collect()
}
