//! `sellerbox bench`: one full cycle against an in-process simulator that enforces the
//! market's limits, measured against what those limits allow.

use super::{http, open_store, register, simulator, targets_of};
use crate::args::BenchArgs;
use crate::error::CliError;
use crate::progress;
use sellerbox::collect::{Collector, Range, RunSummary};
use sellerbox::model::{Kind, Market};
use sellerbox::store::Outcome;
use serde::Serialize;
use sim::{SellerSizes, SimClock, SimConfig};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Serialize)]
struct BenchReport {
    market: Market,
    sellers: usize,
    days: i64,
    orders_per_day: u32,
    requests: u64,
    throttled: u64,
    errors: u64,
    orders: u64,
    rows: u64,
    wall_s: f64,
    /// The busiest limit key's requests divided by its rate: the shortest wall time the
    /// marketplace's limits allow.
    ideal_wall_s: f64,
    busiest_key: String,
    utilization: f64,
    cpu_s: f64,
    peak_rss_mb: f64,
    rows_per_s: f64,
}

pub async fn run(args: BenchArgs) -> Result<ExitCode, CliError> {
    if args.sellers == 0 || args.days <= 0 {
        return Err(CliError::Input(
            "--sellers and --days must be positive".into(),
        ));
    }
    let sim_market = simulator(args.market)?;
    let orders_per_day = args
        .orders_per_day
        .unwrap_or(sim_market.bench_orders_per_day);
    let tmp = tempfile::tempdir().map_err(CliError::io("creating a temporary folder"))?;
    let db = args.db.clone().unwrap_or_else(|| {
        format!(
            "sqlite:{}?mode=rwc",
            tmp.path().join("bench.sqlite").display()
        )
    });
    let store = open_store(&db).await?;
    let clock = SimClock::frozen_now();
    let running = sim::start(
        sim_market,
        SimConfig {
            sellers: args.sellers,
            rps: args.rps,
            orders_per_day,
            seller_sizes: SellerSizes::Zipf,
            clock: clock.clone(),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().expect("loopback"),
    )
    .await
    .map_err(CliError::io("starting the simulator"))?;
    let targets = targets_of(&running);
    register(store.as_ref(), &targets).await?;

    let http = http(args.rps)?;
    let sim_clock = clock.clone();
    let collector = Collector::new(
        http.clone(),
        store.clone(),
        Arc::new(move || sim_clock.now()),
    );
    let bar = progress::bar(targets.len() * Kind::ALL.len(), "bench");
    let done = |_: &RunSummary| bar.inc(1);
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let runs = collector
        .run_all(
            &targets,
            &Kind::ALL,
            Range::Since(chrono::Duration::days(args.days)),
            None,
            targets.len() * Kind::ALL.len(),
            &done,
        )
        .await;
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    bar.finish_and_clear();

    let totals = store.totals(Some(args.market)).await?;
    let (busiest_key, ideal_wall_s) = match http.limiter().busiest() {
        Some((k, sent, rate)) => (
            format!("{}:{}:{}", k.market, k.scope, k.group),
            sent as f64 / rate,
        ),
        None => ("-".into(), 0.0),
    };
    let rows: u64 = runs
        .iter()
        .map(|r| r.inserted + r.updated + r.unchanged)
        .sum();
    let report = BenchReport {
        market: args.market,
        sellers: args.sellers,
        days: args.days,
        orders_per_day,
        requests: runs.iter().map(|r| r.requests).sum(),
        throttled: runs.iter().map(|r| r.throttled).sum(),
        errors: runs.iter().filter(|r| r.outcome == Outcome::Failed).count() as u64,
        orders: totals.orders,
        rows,
        wall_s,
        ideal_wall_s,
        busiest_key,
        utilization: if wall_s > 0.0 {
            ideal_wall_s / wall_s
        } else {
            0.0
        },
        cpu_s,
        peak_rss_mb: peak_rss_mb(),
        rows_per_s: rows as f64 / wall_s.max(1e-9),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("report serializes")
        );
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("report serializes")
        );
    }
    crate::report::print_failures(&runs);
    Ok(if report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// User + system CPU time of this process (simulator included: it runs in-process).
fn cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15 are utime and stime in clock ticks (100 Hz on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory of this process.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
