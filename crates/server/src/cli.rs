//! The command line: `sked [serve|worker|migrate|backup|restore|tenant|user|key|demo|import|mcp|export|erase]`. With no command, `sked` serves on
//! 127.0.0.1:8080 with the SQLite store in `./sked-data/`, creating a demo tenant when the store
//! is new (no tenant at all), unless `--no-demo` or `SKED_DEMO=false` says not to.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use sked_core::Clock;
use sked_core::ids::{ApiKeyId, HostId, TenantId};
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
    /// Never create the demo tenant (as `SKED_DEMO=false`).
    #[arg(long, global = true)]
    pub no_demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve {
        /// Create a demo tenant if the store has no tenant yet, and print how to try it.
        #[arg(long)]
        demo: bool,
    },
    /// Run only the job worker, with no HTTP listener: a process of its own beside servers
    /// started with SKED_RUN_WORKER=false (or several, sharing the queue).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Copy the SQLite store to a file, consistently, while servers keep using it.
    Backup(crate::backup::BackupArgs),
    /// Replace the SQLite store with a backup (every sked process on it stopped first).
    Restore(crate::backup::RestoreArgs),
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
    /// Manage dashboard users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Create a demo tenant (two hosts, a schedule, an event type) and print curl lines.
    Demo,
    /// Import another scheduler's records into a tenant.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Manage the key that seals calendar tokens and voice secrets at rest.
    Secret {
        #[command(subcommand)]
        action: SecretAction,
    },
    /// Serve the voice tools over MCP on stdin and stdout, for a local agent (logs go to stderr).
    Mcp {
        /// The tenant's API key the tools act with.
        #[arg(long, env = "SKED_API_KEY", hide_env_values = true)]
        api_key: String,
        /// A voice agent of that tenant: its event types, zone and language.
        #[arg(long)]
        agent: Option<sked_core::ids::VoiceAgentId>,
    },
    /// Print, as JSON, everything kept about one attendee of a tenant (a privacy request).
    Export(crate::privacy::Person),
    /// Erase one attendee's personal data in a tenant: their bookings keep their times, not who
    /// they were for.
    Erase {
        #[command(flatten)]
        person: crate::privacy::Person,
        /// Do it (without this, only say how much would be erased).
        #[arg(long)]
        yes: bool,
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
        /// The language it was said in: en or es.
        #[arg(long, default_value = "en")]
        language: String,
    },
}

/// What to import from.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// A Cal.com account, through its API v2.
    Calcom(crate::calcom::command::Args),
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

/// Dashboard user commands.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a dashboard user and print their one-time password alone on the last line.
    Create {
        /// The tenant's id.
        #[arg(long)]
        tenant: TenantId,
        /// The address they sign in with.
        #[arg(long)]
        email: String,
        /// owner, admin or host.
        #[arg(long)]
        role: crate::users::Role,
        /// The host a `host` user acts for.
        #[arg(long)]
        host: Option<HostId>,
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
    let demo_allowed = settings.demo && !cli.no_demo;
    match cli.command {
        None => serve(settings, clock, demo_allowed).await,
        Some(Command::Serve { demo }) => serve(settings, clock, demo && demo_allowed).await,
        Some(Command::Worker) => work(settings, clock).await,
        Some(Command::Migrate) => {
            sked_store::connect(&settings.database_url).await?;
            println!("migrations applied to {}", redact(&settings.database_url));
            Ok(())
        }
        Some(Command::Backup(args)) => crate::backup::backup(&settings, &args).await,
        Some(Command::Restore(args)) => crate::backup::restore(&settings, &args).await,
        Some(Command::Tenant { action: TenantAction::Create { name } }) => {
            let store = sked_store::connect(&settings.database_url).await?;
            let (t, key) = tenants::create_tenant(&store, &name, clock.now_second()).await?;
            println!("tenant: {}\nslug: {}\napi key (shown once): {key}", t.id, t.slug);
            Ok(())
        }
        Some(Command::User { action: UserAction::Create { tenant, email, role, host } }) => {
            let store = sked_store::connect(&settings.database_url).await?;
            store.tenant(tenant).await.map_err(|_| anyhow::anyhow!("no tenant {tenant}"))?;
            let new = crate::users::NewUser { email, role, host_id: host };
            let (u, password) = crate::users::create_user(&store, tenant, &new, clock.now_second())
                .await
                .map_err(|e| match e {
                    crate::error::ApiError::Internal(e) => e,
                    other => anyhow::anyhow!("{}", other.problem().detail),
                })?;
            println!(
                "user: {} ({}, {})\none-time password (shown once; sign in at /admin/login):",
                u.id, u.email, u.role
            );
            println!("{password}");
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
        Some(Command::Export(person)) => {
            let store = sked_store::connect(&settings.database_url).await?;
            let data = crate::privacy::export(&store, &person, clock.now_second()).await?;
            println!("{}", serde_json::to_string_pretty(&data)?);
            Ok(())
        }
        Some(Command::Erase { person, yes }) => {
            let store = sked_store::connect(&settings.database_url).await?;
            if !yes {
                let data = crate::privacy::export(&store, &person, clock.now_second()).await?;
                let n = |k: &str| data[k].as_array().map_or(0, Vec::len);
                println!(
                    "would erase {} bookings and {} messages, and forget {} notification choices; run again with --yes",
                    n("bookings"),
                    n("messages"),
                    n("preferences")
                );
                return Ok(());
            }
            let e = crate::privacy::erase(&store, &person, clock.now_second()).await?;
            println!("erased {} bookings and {} messages", e.bookings, e.messages);
            Ok(())
        }
        Some(Command::Mcp { api_key, agent }) => mcp(settings, clock, &api_key, agent).await,
        Some(Command::When { text, tz, now, language }) => {
            let zone = sked_core::local::parse_zone("tz", &tz).map_err(|e| anyhow::anyhow!("{e}"))?;
            let language = sked_when::Language::from_code(&language)
                .ok_or_else(|| anyhow::anyhow!("--language: must be en or es"))?;
            let ctx = sked_when::Context::new(now.unwrap_or_else(|| clock.now()), zone).in_language(language);
            let u = crate::time_api::understand(&text, &ctx);
            println!("{}", serde_json::to_string_pretty(&u)?);
            Ok(())
        }
        Some(Command::Import { source: ImportSource::Calcom(args) }) => {
            crate::calcom::command::import(settings, clock, args).await
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
    forget_saved_demo_key(&settings);
    let demo = if demo { first_start_demo(&store, clock.now_second()).await? } else { None };
    let app = Application::build(settings.clone(), store.clone(), clock.clone()).await?;
    let url = settings.base_url(&app.address());
    println!("\nSked is listening on {url}  (store: {})", redact(&settings.database_url));
    if let Some(key) = &app.new_operator_key {
        println!("operator key (shown once; manages tenants): {key}");
    }
    match demo {
        Some(demo) => print_tour(&url, &demo, &store, clock.now_second()).await,
        None => {
            if let Ok(Some(id)) = store.setting(DEMO_TENANT).await {
                println!(
                    "demo tenant: {id} (its API key was shown at its first start; \
                     `sked key create --tenant {id}` makes another)"
                );
            }
        }
    }
    println!("API description: {url}/v1/openapi.json   Health: {url}/healthz   Metrics: {url}/metrics");
    app.run_until_stopped(shutdown_signal()).await?;
    close(&store).await;
    println!("Sked stopped.");
    Ok(())
}

/// `sked worker`: the job worker alone, until SIGTERM or Ctrl-C.
async fn work(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    telemetry::init_logs(&settings.log_format);
    let store = sked_store::connect_with(&settings.database_url, settings.db_max_connections).await?;
    bootstrap::secret_key(&settings)?;
    println!("Sked worker running (store: {})", redact(&settings.database_url));
    crate::worker::run(settings, store.clone(), clock, shutdown_signal()).await?;
    close(&store).await;
    println!("Sked worker stopped.");
    Ok(())
}

/// `sked mcp`: the MCP server on stdio over the configured store. Nothing but protocol
/// messages is written to stdout. Jobs the tools enqueue are worked by the server or worker
/// sharing the store.
async fn mcp(
    settings: Settings,
    clock: Arc<dyn Clock>,
    api_key: &str,
    agent: Option<sked_core::ids::VoiceAgentId>,
) -> anyhow::Result<()> {
    telemetry::init_logs_to_stderr(&settings.log_format);
    let store = sked_store::connect_with(&settings.database_url, settings.db_max_connections).await?;
    let worker = crate::worker::new_worker(&settings, store.clone(), clock.clone());
    let base_url = settings.base_url(&settings.listen);
    let services = Arc::new(crate::worker::services(&settings, store, clock, &worker, base_url)?);
    crate::mcp::stdio::run(services, api_key, agent).await
}

/// Closes the store after a drain (on SQLite, folding the write-ahead log into the database), but
/// never waits long for a connection some task still holds.
async fn close(store: &DynStore) {
    if tokio::time::timeout(std::time::Duration::from_secs(5), store.close()).await.is_err() {
        tracing::warn!("the store did not close within 5 s; exiting anyway");
    }
}

const DEMO_TENANT: &str = "demo_tenant";

/// The demo tenant, created when the store has no tenant at all (a store in use never gets
/// one), once even with several processes starting together. Its key is printed then and
/// never kept: only its hash is stored, like every key's.
async fn first_start_demo(store: &DynStore, now: i64) -> anyhow::Result<Option<Demo>> {
    let page = sked_store::Page { limit: 1, after: None };
    if !store.list_tenants(page).await?.is_empty() || !store.init_setting("demo_created", "1").await? {
        return Ok(None);
    }
    let demo = bootstrap::demo(store, now).await?;
    store.init_setting(DEMO_TENANT, &demo.tenant.to_string()).await?;
    Ok(Some(demo))
}

/// Earlier versions kept the demo key in clear in `demo.json` beside the database: remove it.
fn forget_saved_demo_key(settings: &Settings) {
    let file = settings.data_dir().join("demo.json");
    if file.exists() {
        match std::fs::remove_file(&file) {
            Ok(()) => println!("removed {} (it held an API key in clear)", file.display()),
            Err(e) => eprintln!("warning: could not remove {}: {e}; it holds an API key", file.display()),
        }
    }
}

async fn print_tour(url: &str, demo: &Demo, store: &DynStore, now: i64) {
    let key = &demo.api_key;
    let (owner, password) = &demo.owner;
    let et = demo.event_type;
    let today = sked_core::interval::timestamp(now).strftime("%Y-%m-%d").to_string();
    let week = sked_core::interval::timestamp(now + 7 * 86_400).strftime("%Y-%m-%d").to_string();
    let first = sked_app::AvailabilityCache::new(store.clone())
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
Dashboard: {url}/admin  (email {owner}, one-time password {password})

Try it:
  curl -s {url}/v1/event-types -H "Authorization: Bearer {key}"
  curl -s "{url}/v1/event-types/{et}/slots?from={today}&to={week}" -H "Authorization: Bearer {key}"
  curl -s -X POST {url}/v1/bookings -H "Authorization: Bearer {key}" -H "Content-Type: application/json" \
    -d '{{"event_type_id":"{et}","start":"{first}","attendee":{{"name":"Pat Lee","email":"pat@example.com"}}}}'
  curl -s "{url}/v1/bookings?q=pat" -H "Authorization: Bearer {key}"
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
