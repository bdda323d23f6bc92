//! `sellerbox bench --processes K`: K collector processes at once (each a stable shard of
//! the sellers, as the fleet's containers are) against one simulator that enforces the
//! market's limits, sharing the limits the market scopes to the application or IP through
//! leases in PostgreSQL. Each process streams its limiter's counts ten times a second;
//! the bench adds them up per limit key, so a killed process's requests count up to its
//! death, and reports the busiest shared key's use of its limit.

use super::bench::{COLLECT_CONCURRENCY, SimProcess, read_targets};
use super::{http, open_store, register, simulator};
use crate::args::{BenchArgs, BenchWorkerArgs};
use crate::error::CliError;
use sellerbox::collect::{Collector, Range};
use sellerbox::http::{Http, Reach, Totals};
use sellerbox::lambda::{share_fleet_limits, stable_shard};
use sellerbox::model::{Kind, Market};
use sellerbox::store::Outcome;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Connection};
use std::collections::HashMap;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, BufReader};

/// How often a worker reports its counts.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// One worker's counts at one moment.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Sample {
    /// Seconds since the Unix epoch.
    t: f64,
    /// The keys in use (a seller key at rest may have been let go of).
    keys: Vec<KeySample>,
    /// Every key's requests and throttle answers so far.
    totals: Totals,
    /// The worker's last line: its runs are over.
    done: bool,
    /// Failed runs (in the last line).
    errors: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeySample {
    key: String,
    fleet: bool,
    sent: u64,
    ceiling: f64,
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn sample(http: &Http, done: bool, errors: u64) -> Sample {
    let limiter = http.limiter();
    Sample {
        t: unix_now(),
        totals: limiter.totals(),
        keys: limiter
            .counts()
            .into_iter()
            .map(|c| KeySample {
                key: c.key.label(),
                fleet: c.key.reach == Reach::Fleet,
                sent: c.sent,
                ceiling: c.ceiling,
            })
            .collect(),
        done,
        errors,
    }
}

fn print(s: &Sample) {
    println!("{}", serde_json::to_string(s).expect("samples serialize"));
}

/// One collector process of the fleet bench.
pub async fn worker(args: BenchWorkerArgs) -> Result<ExitCode, CliError> {
    let targets: Vec<_> = read_targets(&args.credentials)?
        .into_iter()
        .filter(|t| stable_shard(&t.seller_id, args.shards) == args.shard)
        .collect();
    let store = open_store(&args.db).await?;
    let http = http(args.rps)?;
    share_fleet_limits(&http, &args.db).await?;
    let collector = Collector::new(http.clone(), store, Arc::new(chrono::Utc::now));
    let reporter = {
        let http = http.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            loop {
                tick.tick().await;
                print(&sample(&http, false, 0));
            }
        })
    };
    let range = Range::Since(chrono::Duration::days(args.days));
    let runs = collector
        .run_all(
            &targets,
            &Kind::ALL,
            range,
            None,
            COLLECT_CONCURRENCY,
            &|_| {},
        )
        .await;
    reporter.abort();
    let errors = runs.iter().filter(|r| r.outcome == Outcome::Failed).count() as u64;
    crate::report::print_failures(&runs);
    print(&sample(&http, true, errors));
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct FleetReport {
    market: Market,
    sellers: usize,
    processes: u32,
    days: i64,
    requests: u64,
    throttled: u64,
    errors: u64,
    /// The shared (application or IP) key with the most requests for its limit.
    busiest_key: String,
    busiest_limit: f64,
    busiest_requests: u64,
    /// From the key's first request to its last, at the samples' 0.1 s resolution.
    busiest_wall_s: f64,
    /// Its requests over what its limit allows in that time.
    utilization: f64,
    killed: Option<Killed>,
    per_process: Vec<ProcessLine>,
}

#[derive(Serialize)]
struct Killed {
    shard: u32,
    /// Seconds after the first request.
    at_s: f64,
    /// The busiest key's use of its limit from the kill to its last request.
    utilization_after: f64,
    /// Until the survivors together have sent 93 % of the limit over a 5-second window
    /// (that window's end, in seconds after the kill).
    recovered_within_s: Option<f64>,
    /// The survivors' requests on the busiest key in each second from 3 s before the kill
    /// to 10 s after it.
    survivors_per_second: Vec<u64>,
}

/// The window over which the survivors' recovery is judged, seconds.
const RECOVERY_WINDOW: f64 = 5.0;

#[derive(Serialize)]
struct ProcessLine {
    shard: u32,
    sellers: usize,
    requests: u64,
    throttled: u64,
    finished: bool,
    errors: u64,
}

pub async fn run(args: BenchArgs) -> Result<ExitCode, CliError> {
    let k = args.processes.unwrap_or(1);
    if args.sellers == 0 || args.days <= 0 {
        return Err(CliError::Input(
            "--sellers and --days must be positive".into(),
        ));
    }
    let base = args
        .db
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    if !(base.starts_with("postgres://") || base.starts_with("postgresql://")) {
        return Err(CliError::Input(
            "--processes shares limits through PostgreSQL: give --db postgres://...".into(),
        ));
    }
    let sim_market = simulator(args.market)?;
    let orders_per_day = args
        .orders_per_day
        .unwrap_or(sim_market.bench_orders_per_day);
    // A schema of its own: no lease, rate or account of an earlier run counts.
    let schema = BenchSchema::create(&base).await?;
    let tmp = tempfile::tempdir().map_err(CliError::io("creating a temporary folder"))?;
    let sim = SimProcess::start(&args, orders_per_day, tmp.path()).await?;
    let targets = sim.targets()?;
    let store = open_store(&schema.url).await?;
    register(store.as_ref(), &targets).await?;

    let exe = std::env::current_exe().map_err(CliError::io("finding the sellerbox binary"))?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u32, Sample)>();
    let mut children = Vec::new();
    for shard in 0..k {
        let mut cmd = tokio::process::Command::new(&exe);
        cmd.args(["bench-worker", "--market", args.market.as_str()])
            .arg("--credentials")
            .arg(&sim.credentials)
            .args(["--db", &schema.url])
            .args(["--shard", &shard.to_string(), "--shards", &k.to_string()])
            .args(["--days", &args.days.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(rps) = args.rps {
            cmd.args(["--rps", &rps.to_string()]);
        }
        let mut child = cmd
            .spawn()
            .map_err(CliError::io("starting a collector process"))?;
        let stdout = child.stdout.take().expect("piped");
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(s) = serde_json::from_str::<Sample>(&line) {
                    let _ = tx.send((shard, s));
                }
            }
        });
        children.push(child);
    }
    drop(tx);

    let mut samples: Vec<(u32, Sample)> = Vec::new();
    let mut first_request: Option<f64> = None;
    let mut killed: Option<(u32, f64)> = None;
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    loop {
        tokio::select! {
            got = rx.recv() => match got {
                Some((shard, s)) => {
                    if first_request.is_none() && s.totals.sent > 0 {
                        first_request = Some(s.t);
                    }
                    samples.push((shard, s));
                }
                None => break,
            },
            _ = tick.tick() => {
                if let (Some(after), Some(t0), None) = (args.kill_one_after, first_request, killed)
                    && unix_now() >= t0 + after
                {
                    let _ = children[0].start_kill();
                    killed = Some((0, unix_now()));
                }
            }
        }
    }
    for c in &mut children {
        let _ = c.wait().await;
    }
    drop(sim);

    let report = analyse(&args, k, &targets, &samples, first_request, killed);
    let report = report.ok_or_else(|| {
        CliError::Input("the collector processes sent nothing on a shared limit key".into())
    })?;
    println!(
        "{}",
        if args.json {
            serde_json::to_string(&report)
        } else {
            serde_json::to_string_pretty(&report)
        }
        .expect("report serializes")
    );
    drop(schema);
    Ok(if report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The sends of `key` by `shard` at time `t`: its last sample at or before `t`.
fn sent_at(samples: &[(u32, Sample)], shard: u32, key: &str, t: f64) -> u64 {
    samples
        .iter()
        .filter(|(s, x)| *s == shard && x.t <= t)
        .filter_map(|(_, x)| x.keys.iter().find(|k| k.key == key).map(|k| k.sent))
        .max()
        .unwrap_or(0)
}

fn analyse(
    args: &BenchArgs,
    k: u32,
    targets: &[sellerbox::collect::Target],
    samples: &[(u32, Sample)],
    first_request: Option<f64>,
    killed: Option<(u32, f64)>,
) -> Option<FleetReport> {
    // Every process's last counts per key.
    let mut last: HashMap<u32, &Sample> = HashMap::new();
    for (shard, s) in samples {
        last.insert(*shard, s);
    }
    let mut totals: HashMap<&str, (u64, f64)> = HashMap::new();
    for s in last.values() {
        for key in s.keys.iter().filter(|k| k.fleet) {
            let e = totals.entry(&key.key).or_insert((0, key.ceiling));
            e.0 += key.sent;
            e.1 = e.1.min(key.ceiling);
        }
    }
    let (busiest, (requests, limit)) = totals
        .iter()
        .max_by(|a, b| (a.1.0 as f64 / a.1.1).total_cmp(&(b.1.0 as f64 / b.1.1)))
        .map(|(k, v)| (k.to_string(), *v))?;
    let step = SAMPLE_EVERY.as_secs_f64();
    // The key's first request: the first sample that shows one, less a sample period.
    let first = samples
        .iter()
        .filter(|(_, s)| s.keys.iter().any(|x| x.key == busiest && x.sent > 0))
        .map(|(_, s)| s.t)
        .min_by(f64::total_cmp)?
        - step;
    // Its last: the first sample at which every process had reached its final count.
    let end = last
        .iter()
        .map(|(shard, fin)| {
            let final_sent = fin
                .keys
                .iter()
                .find(|x| x.key == busiest)
                .map_or(0, |x| x.sent);
            samples
                .iter()
                .filter(|(s, x)| {
                    s == shard
                        && x.keys
                            .iter()
                            .find(|y| y.key == busiest)
                            .is_some_and(|y| y.sent >= final_sent)
                })
                .map(|(_, x)| x.t)
                .min_by(f64::total_cmp)
                .unwrap_or(first)
        })
        .max_by(f64::total_cmp)?;
    let wall = (end - first).max(step);
    let killed = killed.map(|(victim, at)| {
        let survivors: Vec<u32> = (0..k).filter(|s| *s != victim).collect();
        let sent_by = |t: f64| -> u64 {
            survivors
                .iter()
                .map(|s| sent_at(samples, *s, &busiest, t))
                .sum()
        };
        let after = sent_by(end) - sent_by(at);
        // Recovered: the survivors' sends over the next RECOVERY_WINDOW reach 93 % of the
        // limit. Over a shorter window the pacer's whole-request windows (3 requests per
        // 1.2 s at 2.5/s) can look like more than the three shares of four.
        let mut recovered = None;
        let mut t = at;
        while t + RECOVERY_WINDOW <= end {
            if (sent_by(t + RECOVERY_WINDOW) - sent_by(t)) as f64 >= 0.93 * limit * RECOVERY_WINDOW
            {
                recovered = Some(t + RECOVERY_WINDOW - at);
                break;
            }
            t += step;
        }
        let survivors_per_second = (-3..10)
            .map(|i| {
                let from = at + f64::from(i);
                sent_by(from + 1.0) - sent_by(from)
            })
            .collect();
        Killed {
            shard: victim,
            at_s: at - first_request.unwrap_or(at),
            utilization_after: after as f64 / (limit * (end - at).max(step)),
            recovered_within_s: recovered,
            survivors_per_second,
        }
    });
    let per_process = (0..k)
        .map(|shard| {
            let fin = last.get(&shard);
            ProcessLine {
                shard,
                sellers: targets
                    .iter()
                    .filter(|t| stable_shard(&t.seller_id, k) == shard)
                    .count(),
                requests: fin.map_or(0, |s| s.totals.sent),
                throttled: fin.map_or(0, |s| s.totals.throttled),
                finished: fin.is_some_and(|s| s.done),
                errors: fin.map_or(0, |s| s.errors),
            }
        })
        .collect::<Vec<_>>();
    Some(FleetReport {
        market: args.market,
        sellers: targets.len(),
        processes: k,
        days: args.days,
        requests: per_process.iter().map(|p| p.requests).sum(),
        throttled: per_process.iter().map(|p| p.throttled).sum(),
        errors: per_process.iter().map(|p| p.errors).sum(),
        busiest_key: busiest,
        busiest_limit: limit,
        busiest_requests: requests,
        busiest_wall_s: wall,
        utilization: requests as f64 / (limit * wall),
        killed,
        per_process,
    })
}

/// A PostgreSQL schema of one bench run, dropped at the end.
struct BenchSchema {
    base: String,
    name: String,
    url: String,
}

impl BenchSchema {
    async fn create(base: &str) -> Result<Self, CliError> {
        let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut c = sqlx::PgConnection::connect(base)
            .await
            .map_err(|e| CliError::Input(format!("the bench database: {e}")))?;
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut c)
            .await
            .map_err(|e| CliError::Input(format!("creating the bench schema: {e}")))?;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options[search_path]={name}");
        Ok(BenchSchema {
            base: base.to_string(),
            name,
            url,
        })
    }
}

impl Drop for BenchSchema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut c = sqlx::PgConnection::connect(&base).await.ok()?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE"
                )))
                .execute(&mut c)
                .await
                .ok()
            })
        })
        .join();
    }
}
