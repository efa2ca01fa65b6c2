//! The command line: `sked [serve|migrate|tenant|key|demo]`. With no command, `sked` serves on
//! 127.0.0.1:8080 with the SQLite store in `./sked-data/`, creating a demo tenant on first start.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use sked_core::Clock;
use sked_core::ids::{ApiKeyId, TenantId};
use sked_store::DynStore;

use crate::bootstrap::{self, Demo};
use crate::config::Settings;
use crate::{Application, SystemClock, telemetry, tenants};

/// Sked: scheduling and booking server.
#[derive(Debug, Parser)]
#[command(name = "sked", version, about)]
pub struct Cli {
    /// A TOML settings file (environment variables SKED_* override it).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve {
        /// Create a demo tenant on first start and print how to try it.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Create a demo tenant (two hosts, a schedule, an event type) and print curl lines.
    Demo,
    /// Manage the key that seals calendar tokens and voice secrets at rest.
    Secret {
        #[command(subcommand)]
        action: SecretAction,
    },
    /// Show what a caller's phrase means: `sked when "next tuesday afternoon" --tz America/New_York`.
    When {
        /// The phrase.
        text: String,
        /// The business's zone.
        #[arg(long, default_value = "UTC")]
        tz: String,
        /// The moment it was said (RFC 3339; default now).
        #[arg(long)]
        now: Option<jiff::Timestamp>,
    },
}

/// Tenant commands.
#[derive(Debug, Subcommand)]
pub enum TenantAction {
    /// Create a tenant and print its API key (shown only once).
    Create {
        /// The tenant's name.
        name: String,
    },
}

/// Secret key commands.
#[derive(Debug, Subcommand)]
pub enum SecretAction {
    /// Re-seal every stored secret under a new key. With the key in SKED_SECRET_KEY, set it to
    /// the new key and SKED_SECRET_KEY_PREVIOUS to the old one first; with the key in the file
    /// beside the SQLite database, a new key is made (or --new-key used) and the file replaced.
    Rotate {
        /// The new key (64 hex characters); only when the key lives in the file.
        #[arg(long)]
        new_key: Option<String>,
    },
    /// Print a new random key (64 hex characters).
    Generate,
}

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Create an API key for a tenant and print it (shown only once).
    Create {
        /// The tenant's id.
        #[arg(long)]
        tenant: TenantId,
        /// A label for the key.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Revoke an API key.
    Revoke {
        /// The key's id.
        id: ApiKeyId,
    },
}

/// Runs the command line.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        None => serve(settings, clock, true).await,
        Some(Command::Serve { demo }) => serve(settings, clock, demo).await,
        Some(Command::Migrate) => {
            sked_store::connect(&settings.database_url).await?;
            println!("migrations applied to {}", redact(&settings.database_url));
            Ok(())
        }
        Some(Command::Tenant { action: TenantAction::Create { name } }) => {
            let store = sked_store::connect(&settings.database_url).await?;
            let (t, key) = tenants::create_tenant(&store, &name, clock.now_second()).await?;
            println!("tenant: {}\napi key (shown once): {key}", t.id);
            Ok(())
        }
        Some(Command::Key { action: KeyAction::Create { tenant, name } }) => {
            let store = sked_store::connect(&settings.database_url).await?;
            store.tenant(tenant).await.map_err(|_| anyhow::anyhow!("no tenant {tenant}"))?;
            let (k, secret) = tenants::create_key(&store, tenant, &name, clock.now_second()).await?;
            println!("key id: {}\napi key (shown once): {secret}", k.id);
            Ok(())
        }
        Some(Command::Key { action: KeyAction::Revoke { id } }) => {
            let store = sked_store::connect(&settings.database_url).await?;
            let k = store
                .revoke_api_key(id, clock.now_second())
                .await
                .map_err(|_| anyhow::anyhow!("no key {id}"))?;
            println!(
                "revoked key {} of tenant {} (running servers stop accepting it within 30 s)",
                k.id, k.tenant_id
            );
            Ok(())
        }
        Some(Command::When { text, tz, now }) => {
            let zone = sked_core::local::parse_zone("tz", &tz).map_err(|e| anyhow::anyhow!("{e}"))?;
            let u = crate::time_api::understand(&text, &zone, now.unwrap_or_else(|| clock.now()));
            println!("{}", serde_json::to_string_pretty(&u)?);
            Ok(())
        }
        Some(Command::Secret { action: SecretAction::Generate }) => {
            println!("{}", hex::encode(rand::random::<[u8; 32]>()));
            Ok(())
        }
        Some(Command::Secret { action: SecretAction::Rotate { new_key } }) => {
            let store = sked_store::connect(&settings.database_url).await?;
            let r = bootstrap::rotate_secret(&settings, &store, new_key.as_deref()).await?;
            println!("re-sealed {} secrets under the new key", r.resealed);
            match r.key_file {
                Some(path) => println!("the new key is in {}; restart running servers", path.display()),
                None => println!("SKED_SECRET_KEY_PREVIOUS can now be removed"),
            }
            Ok(())
        }
        Some(Command::Demo) => {
            let store = sked_store::connect(&settings.database_url).await?;
            let demo = bootstrap::demo(&store, clock.now_second()).await?;
            print_tour(&settings.base_url(&settings.listen), &demo, &store, clock.now_second()).await;
            Ok(())
        }
    }
}

async fn serve(settings: Settings, clock: Arc<dyn Clock>, demo: bool) -> anyhow::Result<()> {
    telemetry::init_logs(&settings.log_format);
    let store = sked_store::connect_with(&settings.database_url, settings.db_max_connections).await?;
    bootstrap::secret_key(&settings)?;
    let demo = if demo { Some(ensure_demo(&settings, &store, clock.now_second()).await?) } else { None };
    let app = Application::build(settings.clone(), store.clone(), clock.clone()).await?;
    let url = settings.base_url(&app.address());
    println!("\nSked is listening on {url}  (store: {})", redact(&settings.database_url));
    if let Some(key) = &app.new_operator_key {
        println!("operator key (shown once; manages tenants): {key}");
    }
    if let Some(demo) = demo {
        print_tour(&url, &demo, &store, clock.now_second()).await;
    }
    app.run_until_stopped(shutdown_signal()).await?;
    println!("Sked stopped.");
    Ok(())
}

/// The demo tenant: created on the first start, its key kept in the data directory so every
/// start can print it.
async fn ensure_demo(settings: &Settings, store: &DynStore, now: i64) -> anyhow::Result<Demo> {
    let file = settings.data_dir().join("demo.json");
    if let Ok(text) = std::fs::read_to_string(&file)
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && let (Some(t), Some(k), Some(e)) =
            (v["tenant"].as_str(), v["api_key"].as_str(), v["event_type"].as_str())
        && let (Ok(tenant), Ok(event_type)) = (t.parse(), e.parse())
    {
        return Ok(Demo { tenant, api_key: k.to_owned(), event_type, hosts: vec![] });
    }
    let demo = bootstrap::demo(store, now).await?;
    std::fs::create_dir_all(settings.data_dir())?;
    let saved =
        serde_json::json!({"tenant": demo.tenant, "api_key": demo.api_key, "event_type": demo.event_type});
    bootstrap::write_private(&file, &saved.to_string())?;
    Ok(demo)
}

async fn print_tour(url: &str, demo: &Demo, store: &DynStore, now: i64) {
    let key = &demo.api_key;
    let et = demo.event_type;
    let today = sked_core::interval::timestamp(now).strftime("%Y-%m-%d").to_string();
    let week = sked_core::interval::timestamp(now + 7 * 86_400).strftime("%Y-%m-%d").to_string();
    let first = crate::availability::AvailabilityCache::new(store.clone())
        .get(demo.tenant, et, now)
        .await
        .ok()
        .and_then(|s| {
            let inputs = s.inputs();
            sked_core::earliest(&s.rules, &inputs, now, 1, None).starts().first().copied()
        })
        .map(crate::time::rfc3339)
        .unwrap_or_else(|| "2030-01-07T14:00:00Z".into());
    println!(
        r#"
Demo tenant "Demo Clinic" (two hosts, weekdays 9-12 and 13-17 New York time, a 30-minute consultation).
API key: {key}

Try it:
  curl -s {url}/v1/event-types -H "Authorization: Bearer {key}"
  curl -s "{url}/v1/event-types/{et}/slots?from={today}&to={week}" -H "Authorization: Bearer {key}"
  curl -s -X POST {url}/v1/bookings -H "Authorization: Bearer {key}" -H "Content-Type: application/json" \
    -d '{{"event_type_id":"{et}","start":"{first}","attendee":{{"name":"Pat Lee","email":"pat@example.com"}}}}'
  curl -s "{url}/v1/bookings?q=pat" -H "Authorization: Bearer {key}"
  API description: {url}/v1/openapi.json   Health: {url}/healthz   Metrics: {url}/metrics
"#
    );
}

/// The database URL without a password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
