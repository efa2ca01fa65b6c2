//! Test support: a fresh database per test on each store, and stand-ins for outside services
//! ([`google`]: Google OAuth 2.0 and Calendar API v3; [`microsoft`]: the Microsoft identity
//! platform and Graph's calendar API; [`twilio`]: Twilio's Messages API and its webhooks;
//! [`calcom`]: Cal.com's API v2 and its signed webhooks), a real SMTP server ([`smtp`]) and a
//! real CalDAV server ([`radicale`]).
//!
//! SQLite databases are files in a temporary directory. PostgreSQL databases are created on the
//! server named by `SKED_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`) and
//! dropped afterwards; without that variable PostgreSQL tests are skipped with a printed reason,
//! so plain `cargo test` passes on a machine without PostgreSQL.

#![allow(clippy::unwrap_used)]

pub mod calcom;
pub mod google;
pub mod microsoft;
pub mod radicale;
pub mod smtp;
pub mod twilio;

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use sked_store::{Backend, DynStore};
use sqlx::Connection;

/// Installs the TLS crypto provider (ring) that HTTP clients need: reqwest is built without a
/// default one, so a client made before this panics. Harmless to call often.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An HTTP client for tests.
pub fn http() -> reqwest::Client {
    install_tls();
    reqwest::Client::new()
}

/// Environment variable naming the PostgreSQL server tests may create databases on.
pub const POSTGRES_ENV: &str = "SKED_TEST_POSTGRES_URL";

/// A database made for one test.
#[derive(Debug)]
pub struct TestDb {
    /// Its URL (`sqlite://...` or `postgres://...`).
    pub url: String,
    /// Its backend.
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    admin: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database on `backend`, or `None` (with the reason printed) when that backend is
    /// not available here.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("sked.db").display());
                Some(TestDb { url, backend, _dir: Some(dir), admin: None })
            }
            Backend::Postgres => {
                let Ok(admin) = std::env::var(POSTGRES_ENV) else {
                    skip_notice(&format!(
                        "PostgreSQL halves of store tests are skipped: {POSTGRES_ENV} is not set"
                    ));
                    return None;
                };
                let name = format!("sked_t_{}", uuid::Uuid::now_v7().simple());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin}: cannot connect: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let url = with_database(&admin, &name);
                Some(TestDb { url, backend, _dir: None, admin: Some((admin, name)) })
            }
        }
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> DynStore {
        sked_store::connect(&self.url).await.unwrap()
    }

    /// A handle that can drop this database later (after the `TestDb` itself was moved away).
    pub fn dropper(&self) -> Dropper {
        Dropper(self.admin.clone())
    }

    /// Drops the database (PostgreSQL; SQLite files go with the temporary directory).
    pub async fn drop_db(self) {
        if let Some((admin, name)) = &self.admin
            && let Ok(mut conn) = sqlx::PgConnection::connect(admin).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await;
        }
    }
}

/// Drops a PostgreSQL test database (does nothing for SQLite).
#[derive(Debug, Clone)]
pub struct Dropper(Option<(String, String)>);

impl Dropper {
    /// Drops the database.
    pub async fn drop_db(self) {
        TestDb { url: String::new(), backend: Backend::Postgres, _dir: None, admin: self.0 }.drop_db().await;
    }
}

/// Prints why tests are skipped, once per test binary, past libtest's output capture (a skip
/// should be visible in a passing run).
pub fn skip_notice(reason: &str) {
    use std::io::Write;
    static SHOWN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
    if !shown.iter().any(|r| r == reason) {
        let _ = writeln!(std::io::stderr().lock(), "note: {reason}");
        shown.push(reason.to_owned());
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Runs `test` on a fresh database of each store (PostgreSQL only when configured), dropping
/// each database afterwards even when the test fails.
pub async fn on_each_store<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = TestDb>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        on_store(backend, &test).await;
    }
}

/// Runs `test` on a fresh database of `backend` (PostgreSQL only when configured, else nothing),
/// dropping it afterwards even when the test fails.
pub async fn on_store<F, Fut>(backend: Backend, test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = TestDb>,
{
    let Some(db) = TestDb::new(backend).await else { return };
    let cleanup = db.admin.clone();
    match AssertUnwindSafe(test(db)).catch_unwind().await {
        Ok(db) => db.drop_db().await,
        Err(panic) => {
            if let Some((admin, name)) = cleanup {
                TestDb { url: String::new(), backend, _dir: None, admin: Some((admin, name)) }
                    .drop_db()
                    .await;
            }
            eprintln!("failed on {backend:?}");
            std::panic::resume_unwind(panic);
        }
    }
}
