//! `sked-load`: seeds a Sked server with the benchmark's data and drives booking load.
//!
//! - `sked-load seed --base URL --operator-key K --now RFC3339` creates a tenant with the issue's
//!   slots scenario (a 2-host round-robin event type, Mon–Fri two blocks a day, 200 busy blocks
//!   per host over the next 60 days) and a 24/7 event type for booking load, and prints their
//!   ids as JSON.
//! - `sked-load book --base URL --key K --event-type ID --first RFC3339 --count N -c 32` creates
//!   N bookings on distinct free starts (15 minutes apart) with 32 connections and prints
//!   throughput and latency percentiles as JSON.

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create the benchmark's data.
    Seed {
        #[arg(long)]
        base: String,
        #[arg(long)]
        operator_key: String,
        /// The server's current time (blocks are placed after it).
        #[arg(long)]
        now: jiff::Timestamp,
    },
    /// Create bookings on distinct free starts.
    Book {
        #[arg(long)]
        base: String,
        #[arg(long)]
        key: String,
        #[arg(long)]
        event_type: String,
        /// First start; the others follow every `step` minutes.
        #[arg(long)]
        first: jiff::Timestamp,
        #[arg(long, default_value_t = 15)]
        step: i64,
        #[arg(long, default_value_t = 5_000)]
        count: u64,
        #[arg(short, long, default_value_t = 32)]
        concurrency: usize,
        /// Open loop: send this many requests per second whatever the answers' speed, timing
        /// each from when it was due (so a slow server cannot hide its queueing). Without it,
        /// `concurrency` connections send back to back (closed loop: maximum throughput).
        #[arg(long)]
        rate: Option<u64>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Seed { base, operator_key, now } => seed(&base, &operator_key, now).await,
        Cmd::Book { base, key, event_type, first, step, count, concurrency, rate } => {
            let target = Target { base, key, event_type, first, step };
            match rate {
                Some(rate) => book_open_loop(&target, count, rate).await,
                None => {
                    book(&target.base, &target.key, &target.event_type, first, step, count, concurrency).await
                }
            }
        }
    }
}

async fn post(c: &reqwest::Client, url: String, key: &str, body: Value) -> anyhow::Result<Value> {
    let r = c.post(&url).bearer_auth(key).json(&body).send().await?;
    let status = r.status();
    let v: Value = r.json().await?;
    if !status.is_success() {
        bail!("POST {url}: {status} {v}");
    }
    Ok(v)
}

fn id(v: &Value) -> anyhow::Result<String> {
    v["id"].as_str().map(str::to_owned).context("no id")
}

/// Deterministic pseudo-random numbers.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn seed(base: &str, operator_key: &str, now: jiff::Timestamp) -> anyhow::Result<()> {
    let c = reqwest::Client::new();
    let tenant = post(&c, format!("{base}/v1/tenants"), operator_key, json!({"name": "Bench"})).await?;
    let key = tenant["api_key"].as_str().context("no key")?.to_owned();
    let day = json!([{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]);
    let office = post(
        &c,
        format!("{base}/v1/schedules"),
        &key,
        json!({"name": "Office", "time_zone": "America/Chicago",
        "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}}),
    )
    .await?;
    let all_day = json!([{"start": "00:00", "end": "24:00"}]);
    let always = post(&c, format!("{base}/v1/schedules"), &key, json!({"name": "Always", "time_zone": "UTC",
        "weekly": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day}})).await?;
    let mut hosts = vec![];
    let mut busy_hosts = vec![];
    for name in ["Ann", "Bob"] {
        let h = post(
            &c,
            format!("{base}/v1/hosts"),
            &key,
            json!({"name": name, "time_zone": "America/Chicago", "schedule_id": id(&office)?}),
        )
        .await?;
        hosts.push(id(&h)?);
        let b = post(
            &c,
            format!("{base}/v1/hosts"),
            &key,
            json!({"name": format!("{name} (24/7)"), "time_zone": "UTC", "schedule_id": id(&always)?}),
        )
        .await?;
        busy_hosts.push(id(&b)?);
    }
    // 200 busy blocks per host over the next 60 days, 30–90 minutes each, in working hours.
    let mut rng = Lcg(42);
    let start_day = now.as_second().div_euclid(86_400) * 86_400;
    for h in &hosts {
        for _ in 0..200 {
            let s = start_day + rng.below(60) as i64 * 86_400 + (14 * 3_600) + rng.below(14) as i64 * 1_800;
            let len = (1 + rng.below(3) as i64) * 1_800;
            let body = json!({"title": "Busy", "start": ts(s), "end": ts(s + len)});
            post(&c, format!("{base}/v1/hosts/{h}/blocks"), &key, body).await?;
        }
    }
    let slots = post(
        &c,
        format!("{base}/v1/event-types"),
        &key,
        json!({"slug": "consult", "title": "Consultation",
        "duration_minutes": 30, "host_ids": hosts, "assignment": "round_robin", "max_days_ahead": 60}),
    )
    .await?;
    let booking = post(
        &c,
        format!("{base}/v1/event-types"),
        &key,
        json!({"slug": "quick", "title": "Quick call",
        "duration_minutes": 15, "host_ids": busy_hosts, "assignment": "round_robin", "max_days_ahead": 365}),
    )
    .await?;
    let out = json!({"api_key": key, "slots_event_type": id(&slots)?, "booking_event_type": id(&booking)?,
        "first_start": ts(start_day + 2 * 86_400)});
    println!("{out}");
    Ok(())
}

fn ts(s: i64) -> String {
    jiff::Timestamp::from_second(s).map(|t| t.to_string()).unwrap_or_default()
}

async fn book(
    base: &str,
    key: &str,
    event_type: &str,
    first: jiff::Timestamp,
    step: i64,
    count: u64,
    concurrency: usize,
) -> anyhow::Result<()> {
    let c = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = vec![];
    for _ in 0..concurrency {
        let (c, next, base, key, et) =
            (c.clone(), next.clone(), base.to_owned(), key.to_owned(), event_type.to_owned());
        workers.push(tokio::spawn(async move {
            let mut hist = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let mut statuses: Vec<u16> = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return anyhow::Ok((hist, statuses));
                }
                let start = ts(first.as_second() + i as i64 * step * 60);
                let body = json!({"event_type_id": et, "start": start, "attendee": {"name": format!("Load {i}"), "email": "load@example.test"}});
                let t = Instant::now();
                let r = c.post(format!("{base}/v1/bookings")).bearer_auth(&key).json(&body).send().await?;
                let status = r.status().as_u16();
                let _ = r.bytes().await?;
                hist.record(t.elapsed().as_micros().max(1) as u64)?;
                statuses.push(status);
            }
        }));
    }
    let mut hist = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut statuses = vec![];
    for w in workers {
        let (h, s) = w.await??;
        hist.add(h)?;
        statuses.extend(s);
    }
    let secs = started.elapsed().as_secs_f64().max(Duration::from_millis(1).as_secs_f64());
    let ok = statuses.iter().filter(|&&s| s == 201).count();
    let out = json!({
        "requests": statuses.len(),
        "created": ok,
        "other_statuses": statuses.iter().filter(|&&s| s != 201).count(),
        "seconds": secs,
        "per_second": ok as f64 / secs,
        "p50_ms": hist.value_at_quantile(0.50) as f64 / 1000.0,
        "p90_ms": hist.value_at_quantile(0.90) as f64 / 1000.0,
        "p99_ms": hist.value_at_quantile(0.99) as f64 / 1000.0,
        "max_ms": hist.max() as f64 / 1000.0,
    });
    println!("{out}");
    Ok(())
}

struct Target {
    base: String,
    key: String,
    event_type: String,
    first: jiff::Timestamp,
    step: i64,
}

impl Target {
    fn request(&self, c: &reqwest::Client, i: u64) -> reqwest::RequestBuilder {
        let start = ts(self.first.as_second() + i as i64 * self.step * 60);
        let body = json!({"event_type_id": self.event_type, "start": start,
            "attendee": {"name": format!("Load {i}"), "email": "load@example.test"}});
        c.post(format!("{}/v1/bookings", self.base)).bearer_auth(&self.key).json(&body)
    }
}

async fn book_open_loop(t: &Target, count: u64, rate: u64) -> anyhow::Result<()> {
    let c = reqwest::Client::builder().pool_max_idle_per_host(512).build()?;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(count as usize);
    for i in 0..count {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due).await;
        let req = t.request(&c, i);
        tasks.push(tokio::spawn(async move {
            let r = req.send().await?;
            let status = r.status().as_u16();
            let _ = r.bytes().await?;
            anyhow::Ok((status, due.elapsed()))
        }));
    }
    let mut hist = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut ok = 0;
    let mut other = 0;
    for task in tasks {
        let (status, took) = task.await??;
        hist.record(took.as_micros().max(1) as u64)?;
        if status == 201 { ok += 1 } else { other += 1 }
    }
    let secs = started.elapsed().as_secs_f64();
    let out = json!({
        "mode": "open_loop",
        "offered_per_second": rate,
        "requests": count,
        "created": ok,
        "other_statuses": other,
        "per_second": ok as f64 / secs,
        "p50_ms": hist.value_at_quantile(0.50) as f64 / 1000.0,
        "p90_ms": hist.value_at_quantile(0.90) as f64 / 1000.0,
        "p99_ms": hist.value_at_quantile(0.99) as f64 / 1000.0,
        "max_ms": hist.max() as f64 / 1000.0,
    });
    println!("{out}");
    Ok(())
}
