//! The commands that manage a store's records: tenants, users, keys, the secret key, and one
//! attendee's data (export and erase).

use std::sync::Arc;

use clap::Subcommand;
use sked_core::Clock;
use sked_core::ids::{ApiKeyId, HostId, TenantId};

use crate::bootstrap;
use crate::config::Settings;
use crate::tenants;

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

/// `sked tenant ...`.
pub async fn tenant(settings: &Settings, clock: &Arc<dyn Clock>, action: TenantAction) -> anyhow::Result<()> {
    let TenantAction::Create { name } = action;
    let store = sked_store::connect(&settings.database_url).await?;
    let (t, key) = tenants::create_tenant(&store, &name, clock.now_second()).await?;
    println!("tenant: {}\nslug: {}\napi key (shown once): {key}", t.id, t.slug);
    Ok(())
}

/// `sked user ...`.
pub async fn user(settings: &Settings, clock: &Arc<dyn Clock>, action: UserAction) -> anyhow::Result<()> {
    let UserAction::Create { tenant, email, role, host } = action;
    let store = sked_store::connect(&settings.database_url).await?;
    store.tenant(tenant).await.map_err(|_| anyhow::anyhow!("no tenant {tenant}"))?;
    let new = crate::users::NewUser { email, role, host_id: host };
    let (u, password) =
        crate::users::create_user(&store, tenant, &new, clock.now_second()).await.map_err(|e| match e {
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

/// `sked key ...`.
pub async fn key(settings: &Settings, clock: &Arc<dyn Clock>, action: KeyAction) -> anyhow::Result<()> {
    let store = sked_store::connect(&settings.database_url).await?;
    match action {
        KeyAction::Create { tenant, name } => {
            store.tenant(tenant).await.map_err(|_| anyhow::anyhow!("no tenant {tenant}"))?;
            let (k, secret) = tenants::create_key(&store, tenant, &name, clock.now_second()).await?;
            println!("key id: {}\napi key (shown once): {secret}", k.id);
        }
        KeyAction::Revoke { id } => {
            let k = store
                .revoke_api_key(id, clock.now_second())
                .await
                .map_err(|_| anyhow::anyhow!("no key {id}"))?;
            println!(
                "revoked key {} of tenant {} (running servers stop accepting it within 30 s)",
                k.id, k.tenant_id
            );
        }
    }
    Ok(())
}

/// `sked secret ...`.
pub async fn secret(settings: &Settings, action: SecretAction) -> anyhow::Result<()> {
    match action {
        SecretAction::Generate => println!("{}", hex::encode(rand::random::<[u8; 32]>())),
        SecretAction::Rotate { new_key } => {
            let store = sked_store::connect(&settings.database_url).await?;
            let r = bootstrap::rotate_secret(settings, &store, new_key.as_deref()).await?;
            println!("re-sealed {} secrets under the new key", r.resealed);
            match r.key_file {
                Some(path) => println!("the new key is in {}; restart running servers", path.display()),
                None => println!("SKED_SECRET_KEY_PREVIOUS can now be removed"),
            }
        }
    }
    Ok(())
}

/// `sked export`: everything kept about one attendee, as JSON.
pub async fn export(
    settings: &Settings,
    clock: &Arc<dyn Clock>,
    person: &crate::privacy::Person,
) -> anyhow::Result<()> {
    let store = sked_store::connect(&settings.database_url).await?;
    let data = crate::privacy::export(&store, person, clock.now_second()).await?;
    println!("{}", serde_json::to_string_pretty(&data)?);
    Ok(())
}

/// `sked erase`: one attendee's personal data, or (without `yes`) how much there is.
pub async fn erase(
    settings: &Settings,
    clock: &Arc<dyn Clock>,
    person: &crate::privacy::Person,
    yes: bool,
) -> anyhow::Result<()> {
    let store = sked_store::connect(&settings.database_url).await?;
    if !yes {
        let data = crate::privacy::export(&store, person, clock.now_second()).await?;
        let n = |k: &str| data[k].as_array().map_or(0, Vec::len);
        println!(
            "would erase {} bookings and {} messages, and forget {} notification choices; run again with --yes",
            n("bookings"),
            n("messages"),
            n("preferences")
        );
        return Ok(());
    }
    let e = crate::privacy::erase(&store, person, clock.now_second()).await?;
    println!("erased {} bookings and {} messages", e.bookings, e.messages);
    Ok(())
}
