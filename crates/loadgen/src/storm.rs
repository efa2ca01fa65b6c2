//! `sked-load storm`: the reminder storm of scripts/bench-reminders. Up to 10,000 bookings whose
//! email reminders all fall due at one whole minute `T`, made through the public API.
//!
//! 100 hosts (no email: hosts get no confirmation) work 24/7 in UTC. Event type `k` (0..99) is
//! 30 minutes long (less when that would cross midnight: see [`duration`]), offers every whole
//! minute, and has one email reminder `60 + 30·k` minutes before the start. Booking `i` is host `i % 100` on event type `i / 100`, starting at
//! `T + 60 + 30·k` minutes: each host's bookings sit back to back, and every reminder is due at
//! `T`. A separate 24/7 host and event type without reminders ("probe") serve
//! `sked-load book` runs that measure booking latency beside the storm.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};

use super::{closed_loop, id, post, ts};

/// Hosts, and event types: the most bookings a storm makes is their product.
const SIDE: u64 = 100;

/// Options of `sked-load storm`.
#[derive(clap::Args)]
pub struct StormArgs {
    #[arg(long)]
    base: String,
    #[arg(long)]
    operator_key: String,
    /// The minute every reminder falls due (RFC 3339, a whole minute, in the future).
    #[arg(long)]
    at: jiff::Timestamp,
    /// Bookings, hence reminders (at most 10,000).
    #[arg(long, default_value_t = 10_000)]
    count: u64,
    /// Connections creating the bookings.
    #[arg(short, long, default_value_t = 16)]
    concurrency: usize,
}

/// Seeds a tenant, books the storm, and prints what the script needs as JSON.
pub async fn storm(args: StormArgs) -> anyhow::Result<()> {
    let StormArgs { base, operator_key, at, count, concurrency } = args;
    ensure!(at.as_second() % 60 == 0, "--at must be a whole minute, not {at}");
    ensure!((1..=SIDE * SIDE).contains(&count), "--count must be 1 to {}", SIDE * SIDE);
    let c = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let tenant = post(&c, format!("{base}/v1/tenants"), &operator_key, json!({"name": "Storm"})).await?;
    let key = tenant["api_key"].as_str().context("no key")?.to_owned();
    let all_day = json!([{"start": "00:00", "end": "24:00"}]);
    let always = post(&c, format!("{base}/v1/schedules"), &key, json!({"name": "Always", "time_zone": "UTC",
        "weekly": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day}})).await?;
    let schedule = id(&always)?;
    let host = |name: String| json!({"name": name, "time_zone": "UTC", "schedule_id": schedule});
    let mut hosts = Vec::new();
    for h in 0..SIDE {
        hosts.push(id(&post(&c, format!("{base}/v1/hosts"), &key, host(format!("Host {h}"))).await?)?);
    }
    let mut event_types = Vec::new();
    for k in 0..SIDE {
        let body = json!({"slug": format!("storm-{k}"), "title": format!("Storm {k}"), "duration_minutes": duration(at.as_second(), k),
            "slot_interval_minutes": 1, "host_ids": hosts, "assignment": "round_robin", "max_days_ahead": 30,
            "reminders": [{"offset_minutes": offset(k), "channels": ["email"]}]});
        event_types.push(id(&post(&c, format!("{base}/v1/event-types"), &key, body).await?)?);
    }
    // The latency probe books its own host, so its requests never meet the storm's bookings,
    // and its event type has no reminders, so they add none to the storm.
    let probe_host = id(&post(&c, format!("{base}/v1/hosts"), &key, host("Probe".into())).await?)?;
    let probe = post(
        &c,
        format!("{base}/v1/event-types"),
        &key,
        json!({"slug": "probe", "title": "Probe",
        "duration_minutes": 15, "host_ids": [probe_host], "max_days_ahead": 365, "reminders": []}),
    )
    .await?;

    let plan = Arc::new(Plan {
        base: base.clone(),
        key: key.clone(),
        hosts,
        event_types,
        at: at.as_second(),
        refused: AtomicU64::new(0),
    });
    let run = closed_loop(count, concurrency, 0, move |i| {
        let (plan, c) = (plan.clone(), c.clone());
        async move { plan.book(&c, i).await }
    })
    .await?;
    if run.unexpected > 0 {
        bail!("{} of {count} storm bookings were refused (the first are above)", run.unexpected);
    }
    let out = json!({
        "api_key": key, "at": at.to_string(), "reminders": count, "seconds": run.seconds,
        "per_second": count as f64 / run.seconds, "p50_ms": run.ms(0.50), "p99_ms": run.ms(0.99),
        "probe_event_type": id(&probe)?, "probe_first": ts(probe_first(at.as_second())),
    });
    println!("{out}");
    Ok(())
}

/// The first start of the probe's bookings: a UTC midnight a day or two after `T`, on the
/// grid of its 15-minute slots.
fn probe_first(at: i64) -> i64 {
    (at.div_euclid(86_400) + 2) * 86_400
}

/// Minutes before its start that event type `k`'s reminder is due.
fn offset(k: u64) -> i64 {
    60 + 30 * k as i64
}

/// Minutes of event type `k`'s bookings: 30, or less for the one or two whose start is less
/// than 30 minutes before a UTC midnight. Sked does not join one day's 24:00 to the next day's
/// 00:00, so a 24/7 host cannot take a booking across midnight; the reminder does not depend on
/// the duration.
fn duration(at: i64, k: u64) -> i64 {
    let minute_of_day = (at / 60 + offset(k)).rem_euclid(1_440);
    (1_440 - minute_of_day).min(30)
}

/// What the bookings of a storm need.
struct Plan {
    base: String,
    key: String,
    hosts: Vec<String>,
    event_types: Vec<String>,
    /// When every reminder is due (Unix seconds).
    at: i64,
    /// Refusals so far (the first few are printed).
    refused: AtomicU64,
}

impl Plan {
    /// Books storm booking `i`; answers whether it was created (printing the first refusals).
    async fn book(&self, c: &reqwest::Client, i: u64) -> anyhow::Result<bool> {
        // Consecutive requests go to different hosts, so those in flight together do not queue
        // behind one host's bookings.
        let (h, k) = (i % SIDE, i / SIDE);
        let start = ts(self.at + offset(k) * 60);
        let body = json!({"event_type_id": self.event_types[k as usize], "start": start,
            "host_id": self.hosts[h as usize],
            "attendee": {"name": format!("Guest {h}-{k}"), "email": format!("guest{h}-{k}@example.test"), "time_zone": "UTC"}});
        let r =
            c.post(format!("{}/v1/bookings", self.base)).bearer_auth(&self.key).json(&body).send().await?;
        let status = r.status();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        if status.as_u16() != 201 {
            if self.refused.fetch_add(1, Ordering::Relaxed) < 5 {
                eprintln!("storm booking {i} (host {h}, event type {k}, {start}): {status} {answer}");
            }
            return Ok(false);
        }
        Ok(true)
    }
}
