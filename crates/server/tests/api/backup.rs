//! `sked backup` and `sked restore` as an operator runs them: real `sked serve` processes on
//! SQLite, a backup taken while bookings are being written, restored into a fresh data
//! directory and served again.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sqlx::{ConnectOptions, Connection};

use crate::crash::{call, setup, tomorrow};
use crate::process::{SKED, Server};

/// Runs `sked ARGS` on the store at `url`.
async fn sked(url: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(SKED).args(args).env("SKED_DATABASE_URL", url).output().await.unwrap()
}

fn succeeded(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "sked failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output) -> String {
    assert!(!out.status.success(), "sked succeeded: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sqlite_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// Books 30-minute slots one after another from tomorrow 00:00 UTC until `stop`, keeping the id
/// and start of each booking the server acknowledged.
struct Writer {
    acked: Arc<Mutex<Vec<(String, String)>>>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    fn start(base: &str, key: &str, event_type: &str) -> Writer {
        let acked = Arc::new(Mutex::new(vec![]));
        let stop = Arc::new(AtomicBool::new(false));
        let (base, key, event_type) = (base.to_owned(), key.to_owned(), event_type.to_owned());
        let (kept, stopped) = (acked.clone(), stop.clone());
        let midnight: jiff::Timestamp = tomorrow().replace("T10:", "T00:").parse().unwrap();
        let task = tokio::spawn(async move {
            for i in 0i64.. {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let start =
                    midnight.checked_add(jiff::SignedDuration::from_mins(30 * i)).unwrap().to_string();
                let body = json!({"event_type_id": event_type, "start": start, "attendee": {"name": format!("Guest {i}"), "email": "g@example.test"}});
                let b = call(&base, &key, "POST", "/v1/bookings", Some(body)).await;
                kept.lock().unwrap().push((b["id"].as_str().unwrap().to_owned(), start));
            }
        });
        Writer { acked, stop, task }
    }

    fn acked(&self) -> Vec<(String, String)> {
        self.acked.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) {
        crate::crash::wait_until("bookings are acknowledged", async || self.acked().len() >= n).await;
    }

    async fn finish(self) -> Vec<(String, String)> {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.unwrap();
        self.acked.lock().unwrap().clone()
    }
}

/// Every booking a server lists: (id, start).
async fn listed(base: &str, key: &str) -> Vec<(String, String)> {
    let page = call(base, key, "GET", "/v1/bookings?limit=500", None).await;
    let data = page["data"].as_array().unwrap();
    assert!(data.len() < 500 && page["next_cursor"].is_null());
    data.iter()
        .map(|b| (b["id"].as_str().unwrap().to_owned(), b["start"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_backup_taken_while_bookings_are_written_restores_every_acknowledged_booking() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("data/sked.db"));
    let server = Server::start(&url).await;
    let (key, event_type) = setup(&server.base).await;
    let writer = Writer::start(&server.base, &key, &event_type);
    writer.wait_for(10).await;

    // While the writer books, one backup; after it stops, with the server still up, another.
    let before = writer.acked();
    let during = dir.path().join("during.db");
    let printed = succeeded(&sked(&url, &["backup", during.to_str().unwrap()]).await);
    assert!(printed.contains("checked"), "{printed}");
    let after = writer.acked();
    writer.wait_for(after.len() + 5).await;
    let acked = writer.finish().await;
    let last = dir.path().join("last.db");
    succeeded(&sked(&url, &["backup", last.to_str().unwrap()]).await);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&last).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = refused(&sked(&url, &["backup", last.to_str().unwrap()]).await);
    assert!(again.contains("already exists; pass --force"), "{again}");
    server.stop().await;

    // The last backup, restored into a fresh data directory, serves every acknowledged booking.
    let fresh = sqlite_url(&dir.path().join("fresh/sked.db"));
    let printed = succeeded(&sked(&fresh, &["restore", last.to_str().unwrap()]).await);
    assert!(printed.contains("restored"), "{printed}");
    let server = Server::start(&fresh).await;
    let mut served = listed(&server.base, &key).await;
    served.sort();
    let mut expected = acked.clone();
    expected.sort();
    assert_eq!(served, expected, "every acknowledged booking, and nothing else");
    for (id, start) in acked.iter().step_by(7) {
        let b = call(&server.base, &key, "GET", &format!("/v1/bookings/{id}"), None).await;
        assert_eq!((b["start"].as_str(), b["status"].as_str()), (Some(start.as_str()), Some("confirmed")));
    }
    // Restoring over a store a server is using is refused, and changes nothing.
    let busy = refused(&sked(&fresh, &["restore", during.to_str().unwrap()]).await);
    assert!(busy.contains("is in use") && busy.contains("stop it first"), "{busy}");
    assert_eq!(listed(&server.base, &key).await.len(), acked.len());
    server.stop().await;

    // The backup taken mid-write holds one moment: everything acknowledged before it started,
    // nothing that was never acknowledged, and the server takes new bookings on it.
    let mid = sqlite_url(&dir.path().join("mid/sked.db"));
    succeeded(&sked(&mid, &["restore", during.to_str().unwrap()]).await);
    let server = Server::start(&mid).await;
    let served = listed(&server.base, &key).await;
    assert!(before.iter().all(|b| served.contains(b)), "{} before, {} served", before.len(), served.len());
    assert!(served.iter().all(|b| acked.contains(b)));
    assert!(served.len() <= after.len() + 1, "taken before the backup ended");
    let body = json!({"event_type_id": event_type, "start": acked.last().unwrap().1, "attendee": {"name": "Late", "email": "late@example.test"}});
    let late: Value = call(&server.base, &key, "POST", "/v1/bookings", Some(body)).await;
    assert_eq!(late["status"], "confirmed");
    server.stop().await;
}

#[tokio::test]
async fn restore_refuses_files_that_are_not_sked_databases_of_this_version_or_older() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store/sked.db");
    let url = sqlite_url(&store);
    succeeded(&sked(&url, &["migrate"]).await);
    let copy = dir.path().join("copy.db");
    succeeded(&sked(&url, &["backup", copy.to_str().unwrap()]).await);
    let before = std::fs::read(&store).unwrap();

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "a list of things to do, not a database").unwrap();
    let e = refused(&sked(&url, &["restore", text.to_str().unwrap()]).await);
    assert!(e.contains("notes.txt is not a SQLite database"), "{e}");

    let other = dir.path().join("other.db");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&other)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT)").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let e = refused(&sked(&url, &["restore", other.to_str().unwrap()]).await);
    assert!(e.contains("other.db is not a Sked database: it has no migrations table"), "{e}");

    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&copy).connect().await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let e = refused(&sked(&url, &["restore", copy.to_str().unwrap()]).await);
    assert!(
        e.contains("copy.db was written by a newer Sked: it has migration 9999 (from the future)"),
        "{e}"
    );

    assert_eq!(std::fs::read(&store).unwrap(), before, "the store is untouched");
    assert!(!dir.path().join("store/sked.db.before-restore").exists());
}

#[tokio::test]
async fn backup_and_restore_point_postgresql_stores_to_pg_dump() {
    let url = "postgres://sked@127.0.0.1:1/none";
    let e = refused(&sked(url, &["backup", "/nonexistent/b.db"]).await);
    assert!(e.contains("this store is PostgreSQL: use `pg_dump -Fc` (see docs/OPERATIONS.md"), "{e}");
    let e = refused(&sked(url, &["restore", "/nonexistent/b.db"]).await);
    assert!(e.contains("use `pg_restore`"), "{e}");
}

#[tokio::test]
async fn restore_refuses_a_copy_whose_secrets_the_servers_key_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("a/sked.db"));
    let server = Server::start(&url).await;
    let (key, event_type) = setup(&server.base).await;
    let agent = json!({"platform": "retell", "event_type_ids": [event_type], "time_zone": "UTC",
        "secret": "retell_webhook_key_0123456789abcdef"});
    call(&server.base, &key, "POST", "/v1/voice-agents", Some(agent)).await;
    server.stop().await;
    let copy = dir.path().join("copy.db");
    succeeded(&sked(&url, &["backup", copy.to_str().unwrap()]).await);

    // A fresh data directory has no key (and the first start would make a new one): refused,
    // saying which key and how to go on; nothing written.
    let fresh = dir.path().join("b/sked.db");
    let e = refused(&sked(&sqlite_url(&fresh), &["restore", copy.to_str().unwrap()]).await);
    assert!(
        e.contains("1 of its 1 sealed secrets") && e.contains("do not open with this server's secret key"),
        "{e}"
    );
    assert!(e.contains("--ignore-unknown-key"), "{e}");
    assert!(!fresh.exists() && !dir.path().join("b/secret.key").exists());
    // Another key is no better.
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/secret.key"), "11".repeat(32)).unwrap();
    refused(&sked(&sqlite_url(&fresh), &["restore", copy.to_str().unwrap()]).await);

    // With the key that sealed them, the copy restores; or without it when the operator says so.
    std::fs::copy(dir.path().join("a/secret.key"), dir.path().join("b/secret.key")).unwrap();
    succeeded(&sked(&sqlite_url(&fresh), &["restore", copy.to_str().unwrap()]).await);
    let other = sqlite_url(&dir.path().join("c/sked.db"));
    succeeded(&sked(&other, &["restore", "--ignore-unknown-key", copy.to_str().unwrap()]).await);
    let server = Server::start(&sqlite_url(&fresh)).await;
    let agents = call(&server.base, &key, "GET", "/v1/voice-agents", None).await;
    assert_eq!(agents["data"].as_array().map(Vec::len), Some(1), "{agents}");
    server.stop().await;
}
