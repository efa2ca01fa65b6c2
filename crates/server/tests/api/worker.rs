//! `sked worker`: the job worker as a process of its own, with no HTTP listener.

use std::process::Stdio;
use std::time::Duration;

use sked_store::NewJob;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::process::SKED;

fn queued(kind: &str, payload: serde_json::Value) -> NewJob {
    NewJob {
        id: sked_core::ids::JobId::new(),
        tenant_id: None,
        kind: kind.into(),
        payload: payload.to_string(),
        dedupe_key: None,
        run_at: 0,
        max_attempts: 5,
        created_at: 0,
    }
}

#[tokio::test]
async fn sked_worker_runs_queued_jobs_without_listening() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let store = sked_store::connect(&url).await.unwrap();
    let id = "01930000-0000-7000-8000-000000000001";
    let event = queued(
        "booking.event.calendar",
        serde_json::json!({"event": "booking.created", "booking_id": id, "occurred_at": "2026-03-02T12:00:00Z",
            "booking": {"host_ids": []}, "previous": null}),
    );
    let alert = queued(
        "connection.event",
        serde_json::json!({"event": "connection.unhealthy", "connection_id": id, "host_id": id,
            "provider": "google", "account": "ann@acme.test", "status": "error", "previous_status": "healthy",
            "error": "503", "occurred_at": "2026-03-02T12:00:00Z"}),
    );
    for j in [&event, &alert] {
        store.enqueue(j).await.unwrap();
    }

    let mut child = Command::new(SKED)
        .arg("worker")
        .env("SKED_DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        // Each job's handler logs as it runs.
        while !(out.iter().any(|l: &String| l.contains("\"booking event\""))
            && out.iter().any(|l| l.contains("\"connection event\"")))
        {
            match lines.next_line().await.unwrap() {
                Some(line) => out.push(line),
                None => panic!("sked worker exited: {out:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the jobs did not run within 30 s: {out:?}"));
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "{status:?}");
    while let Some(line) = lines.next_line().await.unwrap() {
        out.push(line);
    }
    assert!(out.iter().any(|l| l.contains("Sked worker running")), "{out:?}");
    assert!(out.iter().any(|l| l.contains("Sked worker stopped.")), "{out:?}");
    assert!(!out.iter().any(|l| l.contains("listening on")), "a worker serves no HTTP: {out:?}");
    // Settled before it stopped.
    for j in [&event, &alert] {
        assert_eq!(store.job(j.id).await.unwrap().status.as_str(), "done", "{}", j.kind);
    }
}
