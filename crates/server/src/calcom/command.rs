//! `sked import calcom`: the command line of the importer ([`super::import`]).

use std::sync::Arc;

use secrecy::SecretString;
use sked_core::Clock;

use super::import::{Options, run};
use crate::config::Settings;

/// Import a Cal.com account into a tenant: schedules, event types (with a host for the Cal.com
/// user) and upcoming bookings, then the event-type map the webhook mirror reads. Running it
/// again makes nothing twice.
#[derive(Clone, clap::Args)]
pub struct Args {
    /// The tenant: its slug or its id.
    #[arg(long)]
    pub tenant: String,
    /// A Cal.com API key (`cal_live_...`); better given in the environment than on the command
    /// line, where other users can see it.
    #[arg(long, env = "SKED_CALCOM_API_KEY", hide_env_values = true)]
    pub api_key: String,
    /// Cal.com's API v2 address.
    #[arg(long, default_value = "https://api.cal.com/v2")]
    pub base_url: String,
    /// Read Cal.com and report what would be made, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("tenant", &self.tenant)
            .field("base_url", &self.base_url)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// Runs the import against the configured database and prints its summary.
pub async fn import(settings: Settings, clock: Arc<dyn Clock>, args: Args) -> anyhow::Result<()> {
    let store = sked_store::connect(&settings.database_url).await?;
    // The bookings it records enqueue their jobs; a running server's worker does them.
    let worker = crate::worker::new_worker(&settings, store.clone(), clock.clone());
    let base_url = settings.base_url(&settings.listen);
    let services = crate::worker::services(&settings, store, clock, &worker, base_url)?;
    let options = Options {
        tenant: args.tenant,
        api_key: SecretString::from(args.api_key),
        base_url: args.base_url,
        dry_run: args.dry_run,
    };
    let summary = run(&services, &options).await?;
    println!("{summary}");
    Ok(())
}
