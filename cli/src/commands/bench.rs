//! `sellerbox bench`: one full cycle against an in-process simulator that enforces the
//! market's limits, measured against what those limits allow.

use super::{http, open_store, register, simulator, target_of};
use crate::args::BenchArgs;
use crate::error::CliError;
use crate::progress;
use sellerbox::collect::{Collector, Range, RunSummary};
use sellerbox::model::{Kind, Market};
use sellerbox::store::Outcome;
use serde::Serialize;
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
    /// Records that could not be read (kept raw).
    rejected: u64,
    orders: u64,
    order_items: u64,
    rows: u64,
    wall_s: f64,
    /// The busiest limit key's requests divided by its rate: the shortest wall time the
    /// marketplace's limits allow.
    ideal_wall_s: f64,
    busiest_key: String,
    utilization: f64,
    /// The collector's own CPU (user + system), without the simulator.
    cpu_s: f64,
    cpu_s_per_1k_items: f64,
    /// The collector's own peak RSS.
    peak_rss_mb: f64,
    /// The simulator process, for reference.
    sim_cpu_s: f64,
    sim_peak_rss_mb: f64,
    rows_per_s: f64,
}

pub async fn run(args: BenchArgs) -> Result<ExitCode, CliError> {
    if args.sellers == 0 || args.days <= 0 {
        return Err(CliError::Input(
            "--sellers and --days must be positive".into(),
        ));
    }
    // Checked before the simulator starts or a database is opened.
    let range =
        Range::Since(chrono::Duration::try_days(args.days).unwrap_or(chrono::Duration::MAX));
    let kinds: Vec<Kind> = sellerbox::markets::require(args.market)?
        .plans
        .iter()
        .map(|p| p.kind)
        .collect();
    range
        .check(args.market, &kinds, chrono::Utc::now())
        .map_err(|e| CliError::Input(format!("--days {}: {e}", args.days)))?;
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
    // The simulator runs in its own process, so that the figures below are the
    // collector's alone (the simulator's world of orders is large; its CPU is not ours).
    let sim = SimProcess::start(&args, orders_per_day, tmp.path()).await?;
    let targets = sim.targets()?;
    register(store.as_ref(), &targets).await?;

    let http = http(args.rps)?;
    let collector = Collector::new(http.clone(), store.clone(), Arc::new(chrono::Utc::now));
    let bar = progress::bar(targets.len() * Kind::ALL.len(), "bench");
    let done = |_: &RunSummary| bar.inc(1);
    let cpu0 = cpu_seconds("self");
    let started = Instant::now();
    let runs = collector
        .run_all(
            &targets,
            &Kind::ALL,
            range,
            None,
            COLLECT_CONCURRENCY,
            &done,
        )
        .await;
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds("self") - cpu0;
    bar.finish_and_clear();
    let (sim_cpu_s, sim_peak_rss_mb) = sim.usage();
    drop(sim);

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
        rejected: runs.iter().map(|r| r.rejected).sum(),
        orders: totals.orders,
        order_items: totals.order_items,
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
        cpu_s_per_1k_items: cpu_s * 1000.0 / (totals.order_items.max(1) as f64),
        peak_rss_mb: peak_rss_mb("self"),
        sim_cpu_s,
        sim_peak_rss_mb,
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

/// Runs at once, as `sellerbox collect` runs them: the limiter paces the requests, this
/// only keeps every limit key busy.
pub(super) const COLLECT_CONCURRENCY: usize = 64;

/// `sellerbox sim serve` for one market, as a child process of the bench.
pub(super) struct SimProcess {
    child: tokio::process::Child,
    pub(super) credentials: std::path::PathBuf,
}

impl SimProcess {
    pub(super) async fn start(
        args: &BenchArgs,
        orders_per_day: u32,
        dir: &std::path::Path,
    ) -> Result<Self, CliError> {
        let credentials = dir.join("credentials.json");
        let exe = std::env::current_exe().map_err(CliError::io("finding the sellerbox binary"))?;
        let mut cmd = tokio::process::Command::new(exe);
        cmd.args(["sim", "serve", "--addr", "127.0.0.1:0", "--zipf"])
            .args(["--market", args.market.as_str()])
            .args(["--sellers", &args.sellers.to_string()])
            .args(["--orders-per-day", &orders_per_day.to_string()])
            .arg("--write-credentials")
            .arg(&credentials)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        if let Some(rps) = args.rps {
            cmd.args(["--rps", &rps.to_string()]);
        }
        let mut child = cmd
            .spawn()
            .map_err(CliError::io("starting the simulator"))?;
        // The simulator builds its world first, then writes the credentials file.
        loop {
            if credentials.exists() {
                return Ok(SimProcess { child, credentials });
            }
            if let Some(status) = child.try_wait().map_err(CliError::io("the simulator"))? {
                return Err(CliError::Input(format!(
                    "the simulator exited before serving ({status})"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub(super) fn targets(&self) -> Result<Vec<sellerbox::collect::Target>, CliError> {
        read_targets(&self.credentials)
    }

    /// CPU seconds and peak RSS of the simulator process so far.
    fn usage(&self) -> (f64, f64) {
        match self.child.id() {
            Some(pid) => (cpu_seconds(&pid.to_string()), peak_rss_mb(&pid.to_string())),
            None => (0.0, 0.0),
        }
    }
}

/// The collection targets of a simulator's credentials file.
pub(super) fn read_targets(
    path: &std::path::Path,
) -> Result<Vec<sellerbox::collect::Target>, CliError> {
    let text = std::fs::read(path).map_err(CliError::io("reading the simulator's credentials"))?;
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&text)
        .map_err(|e| CliError::Input(format!("the simulator's credentials: {e}")))?;
    Ok(entries.iter().map(target_of).collect())
}

/// User + system CPU time of a process (`self` or a pid).
fn cpu_seconds(pid: &str) -> f64 {
    // /proc/<pid>/stat fields 14 and 15 are utime and stime in clock ticks (100 Hz on Linux).
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
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

/// Peak resident memory of a process (`self` or a pid).
fn peak_rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
