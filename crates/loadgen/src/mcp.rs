//! `sked-load mcp`: MCP `tools/call` load on `POST /mcp` (scripts/bench-mcp). Each of the
//! concurrent sessions opens as an MCP client does (`initialize`, `notifications/initialized`),
//! then sends `check_availability` calls with callers' phrases, as the seeded voice agent.

use std::time::Duration;

use anyhow::ensure;
use serde_json::{Value, json};

use super::closed_loop;

/// Options of `sked-load mcp`.
#[derive(clap::Args)]
pub struct McpArgs {
    #[arg(long)]
    base: String,
    /// The tenant's API key.
    #[arg(long)]
    key: String,
    /// The voice agent the tools act as (`?agent=`).
    #[arg(long)]
    agent: String,
    #[arg(long, default_value_t = 2_000)]
    count: u64,
    /// Concurrent sessions.
    #[arg(short, long, default_value_t = 50)]
    concurrency: usize,
    /// Each session pauses this long between calls (a model thinking); 0 sends back to back.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
}

const PHRASES: [&str; 5] =
    ["tomorrow afternoon", "next tuesday at 10", "friday morning", "any time next week", "the 15th around 2"];

async fn rpc(c: &reqwest::Client, url: &str, key: &str, body: &Value) -> anyhow::Result<(bool, Value)> {
    let r = c
        .post(url)
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .json(body)
        .send()
        .await?;
    let ok = r.status().is_success();
    Ok((ok, r.json().await.unwrap_or(Value::Null)))
}

pub async fn mcp(args: McpArgs) -> anyhow::Result<()> {
    let McpArgs { base, key, agent, count, concurrency, think_ms } = args;
    let url = format!("{base}/mcp?agent={agent}");
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
        "capabilities": {}, "clientInfo": {"name": "sked-load", "version": "1"}}});
    let opened = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    for _ in 0..concurrency {
        let (ok, v) = rpc(&c, &url, &key, &init).await?;
        ensure!(ok && v["result"]["serverInfo"]["name"] == "sked", "initialize failed: {v}");
        rpc(&c, &url, &key, &opened).await?;
    }
    let run = closed_loop(count, concurrency, think_ms, move |i| {
        let body = json!({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": "check_availability",
            "arguments": {"when": PHRASES[(i % PHRASES.len() as u64) as usize]}}});
        let (c, url, key) = (c.clone(), url.clone(), key.clone());
        async move {
            let (ok, v) = rpc(&c, &url, &key, &body).await?;
            Ok(ok && v["result"]["content"][0]["text"].is_string() && v["result"]["isError"] != json!(true))
        }
    })
    .await?;
    println!(
        "{}",
        json!({
            "tool": "check_availability", "sessions": concurrency, "think_ms": think_ms, "requests": count,
            "unexpected": run.unexpected, "per_second": count as f64 / run.seconds,
            "p50_ms": run.ms(0.50), "p99_ms": run.ms(0.99), "max_ms": run.hist.max() as f64 / 1000.0,
        })
    );
    Ok(())
}
