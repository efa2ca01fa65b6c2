//! The command line: `sked [serve|worker|migrate|backup|restore|tenant|user|key|demo|import|mcp|
//! export|erase|secret|when]`. With no command, `sked` serves on 127.0.0.1:8080 with the SQLite
//! store in `./sked-data/`, creating a demo tenant when the store is new (no tenant at all),
//! unless `--no-demo` or `SKED_DEMO=false` says not to.
//!
//! Here the commands and their dispatch; running the server, the worker alone and MCP on stdio
//! in `serve.rs`; the commands that manage records in `admin.rs`; the demo tenant in `demo.rs`.

mod admin;
mod demo;
mod serve;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use sked_core::Clock;

pub use admin::{KeyAction, SecretAction, TenantAction, UserAction};
pub use serve::shutdown_signal;

use crate::SystemClock;
use crate::bootstrap;
use crate::config::Settings;

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

/// Runs the command line.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let demo_allowed = settings.demo && !cli.no_demo;
    match cli.command {
        None => serve::serve(settings, clock, demo_allowed).await,
        Some(Command::Serve { demo }) => serve::serve(settings, clock, demo && demo_allowed).await,
        Some(Command::Worker) => serve::work(settings, clock).await,
        Some(Command::Migrate) => {
            sked_store::connect(&settings.database_url).await?;
            println!("migrations applied to {}", serve::redact(&settings.database_url));
            Ok(())
        }
        Some(Command::Backup(args)) => crate::backup::backup(&settings, &args).await,
        Some(Command::Restore(args)) => crate::backup::restore(&settings, &args).await,
        Some(Command::Tenant { action }) => admin::tenant(&settings, &clock, action).await,
        Some(Command::User { action }) => admin::user(&settings, &clock, action).await,
        Some(Command::Key { action }) => admin::key(&settings, &clock, action).await,
        Some(Command::Export(person)) => admin::export(&settings, &clock, &person).await,
        Some(Command::Erase { person, yes }) => admin::erase(&settings, &clock, &person, yes).await,
        Some(Command::Mcp { api_key, agent }) => serve::mcp(settings, clock, &api_key, agent).await,
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
        Some(Command::Secret { action }) => admin::secret(&settings, action).await,
        Some(Command::Demo) => {
            let store = sked_store::connect(&settings.database_url).await?;
            let demo = bootstrap::demo(&store, clock.now_second()).await?;
            demo::print_tour(&settings.base_url(&settings.listen), &demo, &store, clock.now_second()).await;
            Ok(())
        }
    }
}
