//! The `sked` binary as a user runs it: serving, stopping on SIGTERM, the CLI.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::OPERATOR_KEY;

pub const SKED: &str = env!("CARGO_BIN_EXE_sked");

/// A running `sked serve`.
pub struct Server {
    pub base: String,
    child: Child,
    pub output: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Server {
    /// Starts `sked serve` on a free port and waits until it listens.
    pub async fn start(database_url: &str) -> Server {
        Self::start_in(None, database_url, &["serve"]).await
    }

    pub async fn start_in(dir: Option<&Path>, database_url: &str, args: &[&str]) -> Server {
        Self::start_with(dir, database_url, args, &[]).await
    }

    /// As [`start_in`](Self::start_in), with more environment variables.
    pub async fn start_with(
        dir: Option<&Path>,
        database_url: &str,
        args: &[&str],
        env: &[(&str, String)],
    ) -> Server {
        let mut cmd = Command::new(SKED);
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(d) = dir {
            cmd.current_dir(d);
        }
        cmd.args(args);
        if !database_url.is_empty() {
            cmd.env("SKED_DATABASE_URL", database_url).env("SKED_OPERATOR_KEY", OPERATOR_KEY);
        }
        let mut child = cmd
            .env("SKED_LISTEN", "127.0.0.1:0")
            .env("SKED_RATE_LIMIT_PER_SECOND", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (tx, output) = tokio::sync::mpsc::unbounded_channel();
        let base = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                let _ = tx.send(line.clone());
                if let Some(rest) = line.split("listening on ").nth(1) {
                    return rest.split_whitespace().next().unwrap().to_owned();
                }
            }
            panic!("sked exited before listening")
        })
        .await
        .expect("sked did not start listening within 30 s");
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(line);
            }
        });
        Server { base, child, output }
    }

    /// What it printed, up to the first line containing `last` (or the end of its output).
    pub async fn printed_until(&mut self, last: &str) -> String {
        let mut lines = vec![];
        while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(30), self.output.recv()).await {
            let done = line.contains(last);
            lines.push(line);
            if done {
                break;
            }
        }
        lines.join("\n")
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap();
        let status = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("sked did not stop within 20 s")
            .unwrap()
    }

    /// Kills it at once (SIGKILL): nothing runs after this, as after a crash or power loss.
    pub async fn kill(&mut self) {
        self.child.kill().await.unwrap();
    }

    pub async fn stop(mut self) {
        let _ = self.terminate().await;
    }
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(SKED)
        .current_dir(dir)
        .args(args)
        .env("SKED_DATABASE_URL", "sqlite://./cli.db")
        .output()
        .unwrap();
    assert!(out.status.success(), "sked {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.split(label).nth(1))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no `{label}` in {text}"))
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let mut s = Server::start(&url).await;
    let r = sked_test_utils::http().get(format!("{}/healthz", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let status = s.terminate().await;
    assert!(status.success(), "exit status {status:?}");
    // Everything it printed, up to the end of its output (the reader forwards lines as they
    // come, so the last ones may still be on their way when the process is reaped).
    let mut out = vec![];
    while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(30), s.output.recv()).await {
        out.push(line);
    }
    assert!(out.iter().any(|l| l.contains("Sked stopped.")), "{out:?}");
    assert!(
        sked_test_utils::http().get(format!("{}/healthz", s.base)).send().await.is_err(),
        "the port is closed"
    );
}

#[tokio::test]
async fn requests_are_logged_as_json_lines_with_their_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(SKED)
        .args(["serve"])
        .env("SKED_DATABASE_URL", format!("sqlite://{}", dir.path().join("l.db").display()))
        .env("SKED_OPERATOR_KEY", OPERATOR_KEY)
        .env("SKED_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(rest) = line.split("listening on ").nth(1) {
            base = rest.split_whitespace().next().unwrap().to_owned();
            break;
        }
    }
    let client = sked_test_utils::http();
    client.get(format!("{base}/healthz")).header("x-request-id", "abc-123").send().await.unwrap();
    let logged = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && v["span"]["request_id"] == "abc-123"
            {
                return v;
            }
        }
        panic!("no log line for the request")
    })
    .await
    .unwrap();
    assert_eq!((logged["level"].as_str(), logged["status"].as_i64()), (Some("INFO"), Some(200)));
    assert!(!logged["latency"].is_null(), "{logged}");
    assert_eq!(logged["span"]["path"], "/healthz");
}

#[tokio::test]
async fn the_first_start_creates_a_demo_and_prints_its_key_once() {
    let dir = tempfile::tempdir().unwrap();
    // An earlier version's saved demo key, in clear: removed at start.
    std::fs::create_dir_all(dir.path().join("sked-data")).unwrap();
    std::fs::write(dir.path().join("sked-data/demo.json"), r#"{"api_key":"sk_old"}"#).unwrap();
    std::fs::write(dir.path().join("sked-data/sked.db"), "").unwrap();
    // No arguments and no settings: SQLite in ./sked-data, a demo tenant, an operator key.
    let mut first = Server::start_in(Some(dir.path()), "", &[]).await;
    let text = first.printed_until("API description:").await;
    assert!(dir.path().join("sked-data/sked.db").exists());
    assert!(!dir.path().join("sked-data/demo.json").exists(), "the old key file is gone");
    let key = after(&text, "API key:").to_owned();
    assert!(text.contains("operator key (shown once"), "{text}");
    assert!(text.contains("curl -s -X POST"), "{text}");
    // The printed curl lines work.
    let slots_line = text.lines().find(|l| l.contains("/slots?")).unwrap();
    let url = slots_line.split('"').nth(1).unwrap();
    let r: serde_json::Value =
        sked_test_utils::http().get(url).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    assert!(r["available_dates"].is_array(), "{r}");
    // The demo's owner signs in to the dashboard with what was printed.
    let owner = after(&text, "one-time password").trim_end_matches(')').to_owned();
    assert!(text.contains("email owner@demo.test"), "{text}");
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = browser
        .post(format!("{}/admin/login", first.base))
        .form(&[("email", "owner@demo.test"), ("password", owner.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "{owner}");
    first.terminate().await;
    // The key is in no file of the data directory, and every file there is the owner's alone.
    for entry in std::fs::read_dir(dir.path().join("sked-data")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()), "{} holds the key", path.display());
        assert!(
            !bytes.windows(owner.len()).any(|w| w == owner.as_bytes()),
            "{} holds the password",
            path.display()
        );
        assert_eq!(mode(&path) & 0o077, 0, "{} is {:o}", path.display(), mode(&path));
    }
    // A directory Sked makes is its owner's alone too.
    let fresh = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(SKED)
        .current_dir(fresh.path())
        .arg("migrate")
        .env("SKED_DATABASE_URL", "sqlite://./data/new.db")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(mode(&fresh.path().join("data")) & 0o077, 0);
    assert_eq!(mode(&fresh.path().join("data/new.db")) & 0o077, 0);
    let mut second = Server::start_in(Some(dir.path()), "", &[]).await;
    let again = second.printed_until("API description:").await;
    assert!(!again.contains("sk_"), "no key printed after the first start: {again}");
    assert!(again.contains("demo tenant:"), "{again}");
    assert!(!again.contains("operator key (shown once"), "the operator key is shown only once");
    second.terminate().await;
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode()
}

#[tokio::test]
async fn no_demo_on_a_store_in_use_nor_when_turned_off() {
    // A store that already has a tenant never gets a demo.
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["tenant", "create", "Acme Brokers"]);
    let mut s = Server::start_in(Some(dir.path()), "sqlite://./cli.db", &[]).await;
    let text = s.printed_until("API description:").await;
    assert!(!text.contains("Demo tenant") && !text.contains("sk_"), "{text}");
    s.terminate().await;
    // A new store with --no-demo gets none either.
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start_in(Some(dir.path()), "", &["--no-demo"]).await;
    let text = s.printed_until("API description:").await;
    assert!(!text.contains("Demo tenant"), "{text}");
    s.terminate().await;
}

#[test]
fn the_cli_manages_tenants_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["migrate"]).contains("migrations applied"));
    let out = run(dir.path(), &["tenant", "create", "Acme Brokers"]);
    let tenant = after(&out, "tenant:").to_owned();
    assert!(after(&out, "api key (shown once):").starts_with("sk_"));
    let out = run(dir.path(), &["key", "create", "--tenant", &tenant, "--name", "crm"]);
    let key_id = after(&out, "key id:").to_owned();
    let out = run(dir.path(), &["key", "revoke", &key_id]);
    assert!(out.contains("revoked key"));
    let out = run(dir.path(), &["demo"]);
    assert!(out.contains("API key: sk_") && out.contains("/v1/bookings"), "{out}");
    let bad = std::process::Command::new(SKED)
        .current_dir(dir.path())
        .args(["key", "revoke", "not-an-id"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[tokio::test]
async fn secret_rotation_reseals_every_token_under_the_new_key() {
    use sked_core::ids::{ConnectionId, HostId};
    use sked_server::secrets::Sealer;
    use sked_store::{Connection, Host, Tenant, TokenAudit};

    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["migrate"]);
    let settings = sked_server::Settings {
        database_url: format!("sqlite://{}", dir.path().join("cli.db").display()),
        ..Default::default()
    };
    let old = secrecy::ExposeSecret::expose_secret(
        &sked_server::bootstrap::secret_key(&settings).unwrap().unwrap(),
    )
    .to_owned();
    let store = sked_store::connect(&settings.database_url).await.unwrap();
    let tenant = Tenant { id: Default::default(), name: "Acme".into(), slug: "acme".into(), created_at: 0 };
    store.insert_tenant(&tenant).await.unwrap();
    let host = Host {
        id: HostId::new(),
        tenant_id: tenant.id,
        name: "Ann".into(),
        email: None,
        phone: None,
        time_zone: sked_core::Zone::utc(),
        schedule_id: None,
        priority: 0,
        weight: 100,
        active: true,
        version: 1,
        max_span: 0,
        external_span: 0,
        external_version: 0,
        feed_version: 1,
        created_at: 0,
        updated_at: 0,
    };
    store.insert_host(&host).await.unwrap();
    let sealer = Sealer::new(&old, &[]).unwrap();
    let c = Connection {
        id: ConnectionId::new(),
        tenant_id: tenant.id,
        host_id: host.id,
        provider: "google".into(),
        account: "ann@acme.test".into(),
        status: "healthy".into(),
        access_token: Some(sealer.seal("ya29.access").unwrap()),
        refresh_token: Some(sealer.seal("1//refresh").unwrap()),
        token_expires_at: Some(3_599),
        refresh_expires_at: None,
        scopes: String::new(),
        booking_calendar_id: None,
        last_checked_at: None,
        last_error: None,
        next_check_at: 0,
        created_at: 0,
        updated_at: 0,
        server_url: None,
        username: None,
        password: None,
    };
    let audit = TokenAudit {
        id: uuid::Uuid::now_v7(),
        connection_id: c.id,
        tenant_id: tenant.id,
        at: 0,
        action: "granted".into(),
        detail: None,
    };
    store.insert_connection(&c, &[], &audit, &[]).await.unwrap();
    let tokens = || async {
        let c = store.find_connection(c.id).await.unwrap();
        (c.access_token.unwrap(), c.refresh_token.unwrap())
    };

    // The key in the file: a new key is made and the file replaced.
    let out = run(dir.path(), &["secret", "rotate"]);
    assert!(out.contains("re-sealed 2 secrets"), "{out}");
    let new = std::fs::read_to_string(dir.path().join("secret.key")).unwrap().trim().to_owned();
    assert_ne!(new, old);
    assert!(!dir.path().join("secret.key.new").exists());
    let (access, refresh) = tokens().await;
    let new_sealer = Sealer::new(&new, &[]).unwrap();
    assert_eq!(
        (new_sealer.open(&access).unwrap().as_str(), new_sealer.open(&refresh).unwrap().as_str()),
        ("ya29.access", "1//refresh")
    );
    assert!(sealer.open(&access).is_err(), "the old key opens nothing");

    // The key in SKED_SECRET_KEY: the new one set, the old one still known while rotating.
    let newest = run(dir.path(), &["secret", "generate"]).trim().to_owned();
    assert_eq!(newest.len(), 64);
    let env_rotate = |extra: &[&str]| {
        std::process::Command::new(SKED)
            .current_dir(dir.path())
            .args(["secret", "rotate"])
            .args(extra)
            .env("SKED_DATABASE_URL", "sqlite://./cli.db")
            .env("SKED_SECRET_KEY", &newest)
            .env("SKED_SECRET_KEY_PREVIOUS", &new)
            .output()
            .unwrap()
    };
    assert!(!env_rotate(&["--new-key", &newest]).status.success(), "the new key comes from the environment");
    let out = env_rotate(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (access, _) = tokens().await;
    assert_eq!(Sealer::new(&newest, &[]).unwrap().open(&access).unwrap(), "ya29.access");
    assert!(new_sealer.open(&access).is_err());
}
