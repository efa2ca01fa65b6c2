//! First-start setup: the operator key, the secret key, and the demo tenant.

use std::io::Write;
use std::path::Path;

use rand::Rng;
use sked_core::ids::{EventTypeId, HostId, ScheduleId, TenantId};
use sked_store::{DynStore, EventType, Host, Schedule};

use crate::auth::{generate_key, hash_key};
use secrecy::ExposeSecret;

use crate::config::{Secret, Settings};
use crate::tenants::create_tenant;
use crate::users::{NewUser, Role, create_user};

const OPERATOR_HASH: &str = "operator_key_hash";

/// The operator key's hash, and the key itself when it was just generated (to print once).
pub async fn operator_key(
    store: &DynStore,
    settings: &Settings,
) -> anyhow::Result<([u8; 32], Option<String>)> {
    if let Some(k) = settings.operator_key.as_ref().map(ExposeSecret::expose_secret) {
        anyhow::ensure!(k.len() >= 16, "SKED_OPERATOR_KEY must be at least 16 characters");
        return Ok((hash_key(k), None));
    }
    if let Some(h) = store.setting(OPERATOR_HASH).await? {
        return Ok((decode_hash(&h)?, None));
    }
    let key = generate_key("op_");
    if store.init_setting(OPERATOR_HASH, &hex::encode(hash_key(&key))).await? {
        return Ok((hash_key(&key), Some(key)));
    }
    // Another process got there first: use its key.
    let h = store.setting(OPERATOR_HASH).await?.unwrap_or_default();
    Ok((decode_hash(&h)?, None))
}

fn decode_hash(h: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(h)?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("stored operator key hash is malformed"))
}

/// The sealer of secrets at rest: the current key (see [`secret_key`]) and any earlier ones in
/// `SKED_SECRET_KEY_PREVIOUS`, or `None` when there is no key.
pub fn sealer(settings: &Settings) -> anyhow::Result<Option<crate::secrets::Sealer>> {
    secret_key(settings)?.map(|key| sealer_of(settings, &key)).transpose()
}

/// The sealer of the key already configured ([`existing_key`]), creating none: `None` when there
/// is no key yet.
pub fn existing_sealer(settings: &Settings) -> anyhow::Result<Option<crate::secrets::Sealer>> {
    existing_key(settings).map(|key| sealer_of(settings, &key)).transpose()
}

/// The sealer of `key`, also opening values of `SKED_SECRET_KEY_PREVIOUS`'s keys.
fn sealer_of(settings: &Settings, key: &Secret) -> anyhow::Result<crate::secrets::Sealer> {
    let previous: Vec<&str> = settings
        .secret_key_previous
        .as_ref()
        .map(|p| p.expose_secret().split(',').map(str::trim).filter(|k| !k.is_empty()).collect())
        .unwrap_or_default();
    crate::secrets::Sealer::new(key.expose_secret(), &previous)
        .map_err(|e| anyhow::anyhow!("SKED_SECRET_KEY: {e}"))
}

/// The key that encrypts tokens at rest: `SKED_SECRET_KEY`, or a key kept in `secret.key` beside
/// the SQLite file (created on first start, readable only by its owner). PostgreSQL deployments
/// must set `SKED_SECRET_KEY`, so the key never sits in the database it protects.
pub fn secret_key(settings: &Settings) -> anyhow::Result<Option<Secret>> {
    if let Some(key) = existing_key(settings) {
        return Ok(Some(key));
    }
    if settings.sqlite_path().is_none() {
        tracing::warn!("SKED_SECRET_KEY is not set; calendar connections will be unavailable");
        return Ok(None);
    }
    let path = settings.data_dir().join("secret.key");
    private_dir(&settings.data_dir())?;
    let key: [u8; 32] = rand::rng().random();
    write_private(&path, &hex::encode(key))?;
    Ok(Some(Secret::from(hex::encode(key))))
}

/// The key configured so far: `SKED_SECRET_KEY`, or the `secret.key` beside a SQLite file.
fn existing_key(settings: &Settings) -> Option<Secret> {
    if let Some(s) = &settings.secret_key {
        return Some(s.clone());
    }
    settings.sqlite_path()?;
    let existing = std::fs::read_to_string(settings.data_dir().join("secret.key")).ok()?;
    Some(Secret::from(existing.trim()))
}

/// What `sked secret rotate` did.
#[derive(Debug)]
pub struct Rotated {
    /// Sealed values re-sealed.
    pub resealed: u64,
    /// The key file that now holds the new key, when the key lives in a file.
    pub key_file: Option<std::path::PathBuf>,
}

/// Re-seals every secret at rest under a new key.
///
/// - Key in `SKED_SECRET_KEY`: set it to the new key and `SKED_SECRET_KEY_PREVIOUS` to the old
///   one (servers open both meanwhile), then rotate: everything is re-sealed with the new key,
///   after which the previous key can be dropped.
/// - Key in the file beside the SQLite database: a new key is made (or `new_key` used), every
///   value re-sealed with it in one transaction, and the file replaced. Restart the server.
pub async fn rotate_secret(
    settings: &Settings,
    store: &DynStore,
    new_key: Option<&str>,
) -> anyhow::Result<Rotated> {
    if settings.secret_key.is_some() {
        anyhow::ensure!(
            new_key.is_none(),
            "the key comes from SKED_SECRET_KEY: set SKED_SECRET_KEY to the new key and \
             SKED_SECRET_KEY_PREVIOUS to the old one, then run `sked secret rotate` without --new-key"
        );
        let sealer = sealer(settings)?.ok_or_else(|| anyhow::anyhow!("no secret key"))?;
        return Ok(Rotated { resealed: reseal(store, &sealer).await?, key_file: None });
    }
    let old = secret_key(settings)?
        .ok_or_else(|| anyhow::anyhow!("no secret key: PostgreSQL deployments set SKED_SECRET_KEY"))?;
    let new = match new_key {
        Some(k) => k.trim().to_owned(),
        None => hex::encode(rand::rng().random::<[u8; 32]>()),
    };
    let mut known = vec![old.expose_secret()];
    if let Some(p) = &settings.secret_key_previous {
        known.extend(p.expose_secret().split(',').map(str::trim).filter(|k| !k.is_empty()));
    }
    let sealer = crate::secrets::Sealer::new(&new, &known).map_err(|e| anyhow::anyhow!("new key: {e}"))?;
    let path = settings.data_dir().join("secret.key");
    // The new key is on disk before any value is sealed with it.
    let staged = settings.data_dir().join("secret.key.new");
    write_private(&staged, &new)?;
    let resealed = reseal(store, &sealer).await?;
    std::fs::rename(&staged, &path)?;
    Ok(Rotated { resealed, key_file: Some(path) })
}

async fn reseal(store: &DynStore, sealer: &crate::secrets::Sealer) -> anyhow::Result<u64> {
    let again = |v: &str| sealer.open(v).and_then(|plain| sealer.seal(&plain)).map_err(|e| e.to_string());
    Ok(store.reseal_secrets(&again).await?)
}

/// Creates a directory (and its parents) only its owner can enter, if it is not there.
pub fn private_dir(path: &Path) -> anyhow::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    Ok(b.create(path)?)
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(contents.as_bytes())?;
    Ok(())
}

/// What `demo` made.
#[derive(Debug)]
pub struct Demo {
    pub tenant: TenantId,
    pub api_key: String,
    pub event_type: EventTypeId,
    pub hosts: Vec<HostId>,
    /// The dashboard owner's email and one-time password (shown once).
    pub owner: (String, String),
}

/// A demo tenant: two hosts working weekdays 09:00–12:00 and 13:00–17:00 New York time, and a
/// 30-minute round-robin consultation with a 10-minute buffer after, and its owner for the
/// dashboard (`owner@demo.test`, with a one-time password).
pub async fn demo(store: &DynStore, now: i64) -> anyhow::Result<Demo> {
    let (tenant, api_key) = create_tenant(store, "Demo Clinic", now).await?;
    let day = r#"[{"start":"09:00","end":"12:00"},{"start":"13:00","end":"17:00"}]"#;
    let zone = sked_core::Zone::parse("time_zone", "America/New_York").map_err(|e| anyhow::anyhow!("{e}"))?;
    let schedule = Schedule {
        id: ScheduleId::new(),
        tenant_id: tenant.id,
        name: "Office hours".into(),
        time_zone: zone.clone(),
        weekly: format!(r#"{{"mon":{day},"tue":{day},"wed":{day},"thu":{day},"fri":{day}}}"#),
        overrides: "[]".into(),
        created_at: now,
        updated_at: now,
    };
    store.insert_schedule(&schedule).await?;
    let mut hosts = Vec::new();
    for (name, email) in [("Dana Lee", "dana@demo.test"), ("Sam Ortiz", "sam@demo.test")] {
        let h = Host {
            id: HostId::new(),
            tenant_id: tenant.id,
            name: name.into(),
            email: Some(email.into()),
            phone: None,
            time_zone: zone.clone(),
            schedule_id: Some(schedule.id),
            priority: 0,
            weight: 100,
            active: true,
            version: 1,
            max_span: 0,
            external_span: 0,
            external_version: 0,
            feed_version: 1,
            created_at: now,
            updated_at: now,
        };
        store.insert_host(&h).await?;
        hosts.push(h.id);
    }
    let e = EventType {
        id: EventTypeId::new(),
        tenant_id: tenant.id,
        slug: "consultation".into(),
        title: "Consultation".into(),
        description: Some("A 30-minute first consultation.".into()),
        duration_minutes: 30,
        slot_interval_minutes: None,
        buffer_before_minutes: 0,
        buffer_after_minutes: 10,
        min_notice_minutes: 60,
        max_days_ahead: 60,
        daily_limit: None,
        assignment: sked_core::assign::Assignment::RoundRobin,
        location: Some("Phone call".into()),
        send_updates: sked_core::notify::SendUpdates::All,
        reminders: "[]".into(),
        questions: "[]".into(),
        version: 1,
        created_at: now,
        updated_at: now,
        host_ids: hosts.clone(),
    };
    store.insert_event_type(&e).await?;
    let owner = NewUser { email: "owner@demo.test".into(), role: Role::Owner, host_id: None };
    let (user, password) = create_user(store, tenant.id, &owner, now)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
    Ok(Demo { tenant: tenant.id, api_key, event_type: e.id, hosts, owner: (user.email, password) })
}
