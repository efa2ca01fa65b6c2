//! `sked-load`: seeds a Sked server with the benchmark's data and drives booking load.
//!
//! - `sked-load seed --base URL --operator-key K --now RFC3339` creates a tenant with the issue's
//!   slots scenario (a 2-host round-robin event type, Mon–Fri two blocks a day, 200 busy blocks
//!   per host over the next 60 days) and a 24/7 event type for booking load, and prints their
//!   ids as JSON.
//! - `sked-load book --base URL --key K --event-type ID --first RFC3339 --count N -c 32` creates
//!   N bookings on distinct free starts (15 minutes apart) with 32 connections and prints
//!   throughput and latency percentiles as JSON.
//! - `sked-load mcp --base URL --key K --agent ID -c 50` sends MCP `check_availability` calls
//!   from 50 concurrent sessions ([`mcp`], for scripts/bench-mcp).
//! - `sked-load storm --base URL --operator-key K --at RFC3339 --count N` books N bookings whose
//!   reminders all fall due at one minute ([`storm`], for scripts/bench-reminders).

#![forbid(unsafe_code)]

mod mcp;
mod storm;

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
    /// Seed and book a reminder storm: every reminder due at one minute.
    Storm(storm::StormArgs),
    /// Drive the Retell endpoint of a voice agent with signed tool calls.
    Voice(VoiceArgs),
    /// Drive `POST /mcp` with `check_availability` calls from concurrent MCP sessions.
    Mcp(mcp::McpArgs),
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
        /// Open loop only: first book this many (on the starts after the measured ones) back to
        /// back on `concurrency` connections, untimed, so that the measured requests find the
        /// servers' connections and prepared statements as a running service has them.
        #[arg(long, default_value_t = 0)]
        warmup: u64,
        /// Open loop only: keep at most this many requests in flight, as a fixed set of
        /// keep-alive connections would (wrk2's model); a request due while all are busy waits
        /// for one, and that wait counts in its time. Without it, every request due is sent at
        /// once, on a new connection when none is free (many independent clients).
        #[arg(long)]
        connections: Option<usize>,
    },
}

/// Options of `sked-load voice`.
#[derive(clap::Args)]
struct VoiceArgs {
    #[arg(long)]
    base: String,
    #[arg(long)]
    agent: String,
    /// The agent's Retell key (signs the requests).
    #[arg(long)]
    secret: String,
    /// `check_availability` or `book_appointment`.
    #[arg(long)]
    tool: String,
    /// First start for bookings (each call books the next 15-minute start).
    #[arg(long)]
    first: Option<jiff::Timestamp>,
    #[arg(long, default_value_t = 2_000)]
    count: u64,
    #[arg(short, long, default_value_t = 50)]
    concurrency: usize,
    /// Each caller pauses this long between tool calls (a person talking); 0 sends back to back.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // reqwest is built without a default TLS crypto provider; ring is the workspace's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().cmd {
        Cmd::Seed { base, operator_key, now } => seed(&base, &operator_key, now).await,
        Cmd::Voice(args) => voice(args).await,
        Cmd::Mcp(args) => mcp::mcp(args).await,
        Cmd::Storm(args) => storm::storm(args).await,
        Cmd::Book { base, key, event_type, first, step, count, concurrency, rate, warmup, connections } => {
            let target = Target { base, key, event_type, first, step };
            match rate {
                Some(rate) => book_open_loop(target, count, rate, (warmup, concurrency), connections).await,
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
        "duration_minutes": 15, "host_ids": busy_hosts, "assignment": "round_robin", "max_days_ahead": 1000}),
    )
    .await?;
    let agent = post(&c, format!("{base}/v1/voice-agents"), &key, json!({"platform": "retell",
        "event_type_ids": [id(&slots)?, id(&booking)?], "time_zone": "America/Chicago", "secret": VOICE_SECRET})).await?;
    let out = json!({"api_key": key, "slots_event_type": id(&slots)?, "booking_event_type": id(&booking)?,
        "first_start": ts(start_day + 2 * 86_400), "voice_agent": id(&agent)?, "voice_secret": VOICE_SECRET});
    println!("{out}");
    Ok(())
}

/// The Retell key of the seeded voice agent.
const VOICE_SECRET: &str = "bench_retell_webhook_key_0123456789";

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
    let t = Arc::new(Target {
        base: base.to_owned(),
        key: key.to_owned(),
        event_type: event_type.to_owned(),
        first,
        step,
    });
    let c = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let run = closed_loop(count, concurrency, 0, move |i| {
        let req = t.request(&c, i);
        async move {
            let r = req.send().await?;
            let created = r.status().as_u16() == 201;
            let _ = r.bytes().await?;
            Ok(created)
        }
    })
    .await?;
    let created = count - run.unexpected;
    println!(
        "{}",
        json!({
            "requests": count, "created": created, "other_statuses": run.unexpected, "seconds": run.seconds,
            "per_second": created as f64 / run.seconds,
            "p50_ms": run.ms(0.50), "p90_ms": run.ms(0.90), "p99_ms": run.ms(0.99), "max_ms": run.hist.max() as f64 / 1000.0,
        })
    );
    Ok(())
}

/// What a closed-loop run measured.
struct Run {
    hist: hdrhistogram::Histogram<u64>,
    unexpected: u64,
    seconds: f64,
}

impl Run {
    fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

/// Sends requests `0..count` back to back on `concurrency` connections; `send(i)` answers
/// whether request `i` got the expected answer.
async fn closed_loop<F, Fut>(count: u64, concurrency: usize, think_ms: u64, send: F) -> anyhow::Result<Run>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<bool>> + Send,
{
    let send = Arc::new(send);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = vec![];
    for worker in 0..concurrency {
        let (send, next) = (send.clone(), next.clone());
        // Callers who pause between requests do not all start at once: spread them over a pause.
        let stagger = Duration::from_millis(think_ms * worker as u64 / concurrency.max(1) as u64);
        workers.push(tokio::spawn(async move {
            tokio::time::sleep(stagger).await;
            let mut hist = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let mut unexpected = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return anyhow::Ok((hist, unexpected));
                }
                let t = Instant::now();
                let ok = send(i).await?;
                hist.record(t.elapsed().as_micros().max(1) as u64)?;
                unexpected += u64::from(!ok);
                if think_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(think_ms)).await;
                }
            }
        }));
    }
    let mut hist = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut unexpected = 0;
    for w in workers {
        let (h, u) = w.await??;
        hist.add(h)?;
        unexpected += u;
    }
    Ok(Run { hist, unexpected, seconds: started.elapsed().as_secs_f64().max(0.001) })
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

async fn book_open_loop(
    t: Target,
    count: u64,
    rate: u64,
    (warmup, concurrency): (u64, usize),
    connections: Option<usize>,
) -> anyhow::Result<()> {
    let c = reqwest::Client::builder().pool_max_idle_per_host(512).build()?;
    let t = Arc::new(t);
    if warmup > 0 {
        let (t, c) = (t.clone(), c.clone());
        closed_loop(warmup, concurrency, 0, move |i| {
            let req = t.request(&c, count + i);
            async move {
                let r = req.send().await?;
                let _ = r.bytes().await?;
                Ok(true)
            }
        })
        .await?;
    }
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let free = connections.map(|n| Arc::new(tokio::sync::Semaphore::new(n.max(1))));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(count as usize);
    for i in 0..count {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due).await;
        let req = t.request(&c, i);
        let free = free.clone();
        tasks.push(tokio::spawn(async move {
            let _connection = match free {
                Some(f) => Some(f.acquire_owned().await?),
                None => None,
            };
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
        "connections": connections,
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

/// `v=<ms>,d=<hex HMAC-SHA256(key, body ‖ ms)>`, as Retell signs.
fn retell_signature(secret: &str, body: &[u8], ms: i64) -> anyhow::Result<String> {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())?;
    mac.update(body);
    mac.update(ms.to_string().as_bytes());
    Ok(format!("v={ms},d={}", hex::encode(mac.finalize().into_bytes())))
}

async fn voice(args: VoiceArgs) -> anyhow::Result<()> {
    let VoiceArgs { base, agent, secret, tool, first, count, concurrency, think_ms } = args;
    const PHRASES: [&str; 5] = [
        "tomorrow afternoon",
        "next tuesday at 10",
        "friday morning",
        "any time next week",
        "the 15th around 2",
    ];
    let c = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let (url, name) = (format!("{base}/v1/voice/retell/{agent}"), tool.clone());
    let run = closed_loop(count, concurrency, think_ms, move |i| {
        let args = match name.as_str() {
            "book_appointment" => {
                let start = first.map(|f| ts(f.as_second() + i as i64 * 900)).unwrap_or_default();
                json!({"start": start, "name": format!("Caller {i}"), "event_type": "quick"})
            }
            _ => json!({"when": PHRASES[(i % PHRASES.len() as u64) as usize]}),
        };
        let body = json!({"name": name, "args": args, "call": {"call_id": format!("bench_{i}"), "from_number": "+15551230000"}});
        let (c, url, secret, booking) = (c.clone(), url.clone(), secret.clone(), name == "book_appointment");
        async move {
            let body = serde_json::to_vec(&body)?;
            #[allow(clippy::disallowed_methods)] // Signatures carry the real time.
            let now = jiff::Timestamp::now().as_millisecond();
            let r = c
                .post(&url)
                .header("content-type", "application/json")
                .header("x-retell-signature", retell_signature(&secret, &body, now)?)
                .body(body)
                .send()
                .await?;
            let ok = r.status().is_success();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            Ok(ok && (!booking || v["data"]["booked"] == json!(true)))
        }
    })
    .await?;
    println!(
        "{}",
        json!({
        "tool": tool, "think_ms": think_ms, "requests": count, "unexpected": run.unexpected, "per_second": count as f64 / run.seconds,
            "p50_ms": run.ms(0.50), "p99_ms": run.ms(0.99), "max_ms": run.hist.max() as f64 / 1000.0,
        })
    );
    Ok(())
}
