//! The demo tenant: made at a new store's first start (or by `sked demo`), with a tour printed.

use sked_store::DynStore;

use crate::bootstrap::{self, Demo};
use crate::config::Settings;

/// The setting that names the demo tenant once it exists.
pub(super) const DEMO_TENANT: &str = "demo_tenant";

/// The demo tenant, created when the store has no tenant at all (a store in use never gets
/// one), once even with several processes starting together. Its key is printed then and
/// never kept: only its hash is stored, like every key's.
pub(super) async fn first_start_demo(store: &DynStore, now: i64) -> anyhow::Result<Option<Demo>> {
    let page = sked_store::Page { limit: 1, after: None };
    if !store.list_tenants(page).await?.is_empty() || !store.init_setting("demo_created", "1").await? {
        return Ok(None);
    }
    let demo = bootstrap::demo(store, now).await?;
    store.init_setting(DEMO_TENANT, &demo.tenant.to_string()).await?;
    Ok(Some(demo))
}

/// Earlier versions kept the demo key in clear in `demo.json` beside the database: remove it.
pub(super) fn forget_saved_demo_key(settings: &Settings) {
    let file = settings.data_dir().join("demo.json");
    if file.exists() {
        match std::fs::remove_file(&file) {
            Ok(()) => println!("removed {} (it held an API key in clear)", file.display()),
            Err(e) => eprintln!("warning: could not remove {}: {e}; it holds an API key", file.display()),
        }
    }
}

pub(super) async fn print_tour(url: &str, demo: &Demo, store: &DynStore, now: i64) {
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
