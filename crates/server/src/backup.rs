//! `sked backup PATH` and `sked restore PATH`: the SQLite store copied while the server runs,
//! and a copy put back while it is stopped (the rules in `sked_store::backup`). PostgreSQL
//! stores are refused with a pointer to `pg_dump` and `pg_restore`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::config::Settings;

/// Where the operations guide explains backups.
const DOCS: &str = "docs/OPERATIONS.md, \"Backups\"";

/// `sked backup`'s arguments.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write (created readable by its owner only).
    pub path: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `sked restore`'s arguments.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file `sked backup` wrote.
    pub path: PathBuf,
    /// Do not keep the replaced store as `<database>.before-restore`.
    #[arg(long)]
    pub no_keep: bool,
    /// Restore even when this server's secret key does not open the copy's sealed secrets
    /// (calendar connections, voice agents, webhooks and Cal.com then need theirs entered again).
    #[arg(long)]
    pub ignore_unknown_key: bool,
}

/// The SQLite file of the configured store, or why these commands do not apply.
fn sqlite_file(settings: &Settings, command: &str, tool: &str) -> anyhow::Result<PathBuf> {
    settings.sqlite_path().ok_or_else(|| {
        anyhow::anyhow!(
            "`sked {command}` works on the SQLite store only; this store is PostgreSQL: use \
             `{tool}` (see {DOCS})"
        )
    })
}

/// `sked backup PATH`: a consistent copy of the SQLite store, while it serves.
pub async fn backup(settings: &Settings, args: &BackupArgs) -> anyhow::Result<()> {
    let db = sqlite_file(settings, "backup", "pg_dump -Fc")?;
    let done = sked_store::backup::backup(&db, &args.path, args.force)
        .await
        .with_context(|| format!("backup of {} not written", db.display()))?;
    println!(
        "backed up {} to {} ({} bytes, migration {}, checked)",
        db.display(),
        args.path.display(),
        done.bytes,
        done.checked.version
    );
    secret_key_note(settings, &db);
    Ok(())
}

/// `sked restore PATH`: the backup put in place of the configured store, which no process may
/// be using.
pub async fn restore(settings: &Settings, args: &RestoreArgs) -> anyhow::Result<()> {
    let db = sqlite_file(settings, "restore", "pg_restore")?;
    if !args.ignore_unknown_key {
        secrets_open(settings, &args.path).await?;
    }
    let done = sked_store::backup::restore(&args.path, &db, !args.no_keep)
        .await
        .with_context(|| format!("{} not restored", db.display()))?;
    println!("restored {} from {}", db.display(), args.path.display());
    if let Some(previous) = &done.previous {
        println!("the store it replaced is kept as {}", previous.display());
    }
    let c = done.checked;
    if c.pending > 0 {
        println!(
            "it has migrations up to {}; the next start applies {} more (up to {})",
            c.version, c.pending, c.known
        );
    }
    secret_key_note(settings, &db);
    Ok(())
}

/// Refuses a copy holding sealed secrets this server's key (with its previous ones) cannot open:
/// restored, every calendar connection, voice agent, webhook and Cal.com link would fail.
async fn secrets_open(settings: &Settings, copy: &Path) -> anyhow::Result<()> {
    let sealed = sked_store::backup::sealed_values(copy)
        .await
        .with_context(|| format!("{} not restored", copy.display()))?;
    if sealed.is_empty() {
        return Ok(());
    }
    let sealer = crate::bootstrap::existing_sealer(settings)?;
    let unopened: Vec<&String> =
        sealed.iter().filter(|v| sealer.as_ref().is_none_or(|s| s.open(v).is_err())).collect();
    let Some(first) = unopened.first() else { return Ok(()) };
    let key = match crate::secrets::Sealer::key_id(first) {
        Some(id) => format!("the key with id {id}"),
        None => "another key".to_owned(),
    };
    anyhow::bail!(
        "{} not restored: {} of its {} sealed secrets (calendar tokens, voice agents' and webhooks' \
         secrets) do not open with this server's secret key; they were sealed with {key}. Put that \
         key in SKED_SECRET_KEY (or the `secret.key` beside the database, or SKED_SECRET_KEY_PREVIOUS) \
         and run the restore again, or pass --ignore-unknown-key to restore without them (see {DOCS})",
        copy.display(),
        unopened.len(),
        sealed.len()
    )
}

/// Sealed secrets in the copy open only with the key they were sealed with: when that key is a
/// file beside the database, say so.
fn secret_key_note(settings: &Settings, db: &Path) {
    if settings.secret_key.is_some() {
        return;
    }
    let key = db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("secret.key");
    if key.exists() {
        println!(
            "note: calendar tokens and other secrets in the store open only with {}: keep a copy \
             of it with the backups (it changes only with `sked secret rotate`)",
            key.display()
        );
    }
}
