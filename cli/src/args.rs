//! The command line, declared once.

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Parser, Subcommand};
use sellerbox::model::{Kind, Market};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sellerbox",
    version,
    about = "Sellerbox collection fleet: demo, simulators, collection, benchmarks"
)]
pub struct Cli {
    /// Log more (repeat for debug); logs go to stderr as JSON lines.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Also ship the log and metric lines to this CloudWatch Logs group (the fleet's
    /// shared group), as the Lambda functions do. AWS credentials from the environment.
    #[arg(long, global = true, value_name = "GROUP")]
    pub cloudwatch: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start every simulator, register demo sellers, collect every kind into SQLite, report.
    Demo(DemoArgs),
    /// Marketplace simulators.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Collect one seller or all sellers of a market (the Lambda handler's code path).
    Collect(CollectArgs),
    /// One full collection cycle against an in-process simulator with enforced limits.
    Bench(BenchArgs),
    /// One collector process of `bench --processes` (started by the bench, not by hand).
    #[command(hide = true)]
    BenchWorker(BenchWorkerArgs),
    /// Per market and kind: last success, freshness, counts, last error.
    Status(StatusArgs),
    /// Seller accounts the scheduled collection works through.
    #[command(subcommand)]
    Sellers(SellersCommand),
    /// Complete a seller-center login that waits for a 2-factor code ("code needed").
    #[command(name = "2fa")]
    TwoFactor(TwoFactorArgs),
    /// Seller-center sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Capacity plan per market and kind cycle: the busiest limit key's load, the sellers
    /// that fit one application key, shards, containers and the Lambda cost per month.
    Plan(PlanArgs),
}

/// Where the CLI keeps seller-center sessions (encrypted; see `centers::FileSessions`).
pub const SESSIONS_DIR: &str = ".sellerbox/sessions";

#[derive(Args)]
pub struct TwoFactorArgs {
    #[arg(long)]
    pub market: Market,
    #[arg(long)]
    pub seller: String,
    /// The code the seller received (SMS, e-mail, app).
    #[arg(long)]
    pub code: String,
    /// The credentials file holding the seller's `center` login.
    #[arg(long)]
    pub credentials: PathBuf,
    /// Where sessions are kept (encrypted with SELLERBOX_SESSION_KEY or a key file there).
    #[arg(long, env = "SELLERBOX_SESSIONS_DIR", default_value = SESSIONS_DIR)]
    pub sessions: PathBuf,
}

#[derive(Subcommand)]
pub enum SessionsCommand {
    /// Store a browser's exported session (Playwright storage-state JSON or cookies.txt)
    /// for a seller whose login cannot be automated; checked to be the seller's store.
    Import(SessionImportArgs),
}

#[derive(Args)]
pub struct SessionImportArgs {
    #[arg(long)]
    pub market: Market,
    #[arg(long)]
    pub seller: String,
    /// The exported file.
    pub file: PathBuf,
    #[arg(long)]
    pub credentials: PathBuf,
    #[arg(long, env = "SELLERBOX_SESSIONS_DIR", default_value = SESSIONS_DIR)]
    pub sessions: PathBuf,
}

#[derive(Args)]
pub struct PlanArgs {
    /// One market (default: every market this build collects).
    #[arg(long)]
    pub market: Option<Market>,
    /// Plan for N sellers per market (default: the enabled accounts in the database).
    #[arg(long, value_name = "N")]
    pub sellers: Option<u64>,
    /// Requests per seller per cycle, for every kind (default: the mean of the runs
    /// table's scheduled runs of the last 7 days; a floor estimate where there are none).
    #[arg(long, value_name = "R")]
    pub requests_per_seller: Option<f64>,
    #[arg(long, default_value = "sqlite:sellerbox.sqlite?mode=rwc")]
    pub db: String,
    /// The collector's memory in MiB (template parameter CollectorMemorySize).
    #[arg(long, default_value_t = 512)]
    pub memory_mb: u32,
    /// Seller runs in flight at once per container (the Lambda settings' concurrency).
    #[arg(long, default_value_t = 64)]
    pub concurrency: u32,
    /// USD per GB-second (AWS Lambda x86, us-east-1 and Seoul, before the free tier).
    #[arg(long, default_value_t = 0.000_016_666_7)]
    pub price_gb_s: f64,
    /// USD per million Lambda requests.
    #[arg(long, default_value_t = 0.20)]
    pub price_per_million_requests: f64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum SellersCommand {
    /// Register (or update and re-enable) a seller account.
    Add(SellerAddArgs),
    /// List seller accounts.
    List(SellerListArgs),
    /// Stop collecting a seller (its data stays).
    Disable(SellerRefArgs),
}

#[derive(Args)]
pub struct SellerAddArgs {
    #[arg(long)]
    pub market: Market,
    #[arg(long)]
    pub seller: String,
    /// Where its credentials live (default: sellerbox/<market>/<seller>).
    #[arg(long)]
    pub secret: Option<String>,
    /// Register without collecting yet (verify the credentials first).
    #[arg(long)]
    pub disabled: bool,
    /// A per-seller option `NAME=VALUE` (repeatable), stored with the account, e.g.
    /// `--option acknowledge_orders=true` (Lotte ON). `true`/`false` are stored as yes/no.
    #[arg(long = "option", value_name = "NAME=VALUE")]
    pub options: Vec<String>,
    #[arg(long, default_value = "sqlite:sellerbox.sqlite?mode=rwc")]
    pub db: String,
}

#[derive(Args)]
pub struct SellerListArgs {
    #[arg(long)]
    pub market: Option<Market>,
    #[arg(long, default_value = "sqlite:sellerbox.sqlite?mode=rwc")]
    pub db: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SellerRefArgs {
    #[arg(long)]
    pub market: Market,
    #[arg(long)]
    pub seller: String,
    #[arg(long, default_value = "sqlite:sellerbox.sqlite?mode=rwc")]
    pub db: String,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Demo sellers per market.
    #[arg(long, default_value_t = 5)]
    pub sellers: usize,
    /// Collection cycles; simulated time advances 10 minutes between cycles.
    #[arg(long, default_value_t = 1)]
    pub cycles: u32,
    /// Database URL (default: a fresh `sellerbox-demo.sqlite` in the current folder).
    #[arg(long)]
    pub db: Option<String>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Run every simulator and the collector at R requests per second per limit key
    /// instead of each market's documented rate (default: the documented rates, so ESM's
    /// one order call per 5 s per seller makes a cycle take about a minute).
    #[arg(long, value_name = "R")]
    pub rps: Option<f64>,
}

#[derive(Subcommand)]
pub enum SimCommand {
    /// Serve every marketplace simulator until stopped (Ctrl-C). Each market is served at
    /// the root of its own port, in `sim::MARKETS` order from PORT (port 0: any free ports).
    Serve(SimServeArgs),
}

#[derive(Args)]
pub struct SimServeArgs {
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    #[arg(long, default_value_t = 5)]
    pub sellers: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Enforce this rate limit (requests per second per scope) instead of the documented one.
    #[arg(long)]
    pub rps: Option<f64>,
    /// Vary every answer's encoding as real marketplaces do (ids as numbers or strings,
    /// amounts as strings, null vs absent, other date formats, undocumented fields), without
    /// changing its meaning. Also switchable with `POST /_sim/quirks {"on": true}`.
    #[arg(long)]
    pub quirks: bool,
    /// Write the sellers' credentials here (JSON array for `sellerbox collect --credentials`).
    #[arg(long)]
    pub write_credentials: Option<PathBuf>,
    /// Serve only this market (default: every market, each on its own port).
    #[arg(long)]
    pub market: Option<Market>,
    /// Orders per day of each seller (with --zipf: of the largest one).
    #[arg(long)]
    pub orders_per_day: Option<u32>,
    /// Seller n gets 1/n of the largest seller's orders, as on real marketplaces.
    #[arg(long)]
    pub zipf: bool,
}

#[derive(Args)]
pub struct CollectArgs {
    #[arg(long)]
    pub market: Market,
    #[command(flatten)]
    pub who: Who,
    /// Kinds to collect (default: every kind the market offers by API).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Vec<Kind>,
    /// Collect the last DURATION (e.g. 7d, 24h, 30m) instead of resuming from the watermark.
    #[arg(long, value_parser = parse_duration, conflicts_with_all = ["from", "to"])]
    pub since: Option<Since>,
    /// Start of an explicit range (RFC 3339, e.g. 2025-01-01T00:00:00+09:00).
    #[arg(long, requires = "to")]
    pub from: Option<DateTime<Utc>>,
    #[arg(long, requires = "from")]
    pub to: Option<DateTime<Utc>>,
    /// The credentials file (JSON array of {market, seller_id, base_url?, credentials}).
    #[arg(long)]
    pub credentials: PathBuf,
    #[arg(long, default_value = "sqlite:sellerbox.sqlite?mode=rwc")]
    pub db: String,
    /// Where seller-center sessions are kept between runs (encrypted).
    #[arg(long, env = "SELLERBOX_SESSIONS_DIR", default_value = SESSIONS_DIR)]
    pub sessions: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct Who {
    /// One seller id from the credentials file.
    #[arg(long)]
    pub seller: Option<String>,
    /// Every seller of the market in the credentials file.
    #[arg(long)]
    pub all: bool,
}

#[derive(Args)]
pub struct BenchArgs {
    #[arg(long)]
    pub market: Market,
    #[arg(long, default_value_t = 200)]
    pub sellers: usize,
    #[arg(long, default_value_t = 7)]
    pub days: i64,
    /// The simulator's enforced rate per scope (default: the documented rate).
    #[arg(long)]
    pub rps: Option<f64>,
    /// Orders per day of the largest seller; seller n gets 1/n of it (Zipf, like real
    /// marketplaces: a few large sellers, many small ones). Default: enough to keep the
    /// busiest limit key busy for at least 30 seconds.
    #[arg(long)]
    pub orders_per_day: Option<u32>,
    /// Database URL (default: a SQLite file in a temporary folder; with --processes,
    /// DATABASE_URL or the local PostgreSQL: the processes share limits through it).
    #[arg(long)]
    pub db: Option<String>,
    /// Run K collector processes at once, each a stable shard of the sellers, sharing the
    /// limits the market scopes to the application or IP through leases in PostgreSQL.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub processes: Option<u32>,
    /// With --processes: kill one process (SIGKILL, as a container dies) this many seconds
    /// after the first request, and report how the others took its share.
    #[arg(long, value_name = "SECONDS", requires = "processes")]
    pub kill_one_after: Option<f64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct BenchWorkerArgs {
    #[arg(long)]
    pub market: Market,
    /// The simulator's credentials file.
    #[arg(long)]
    pub credentials: PathBuf,
    #[arg(long)]
    pub db: String,
    #[arg(long)]
    pub shard: u32,
    #[arg(long)]
    pub shards: u32,
    #[arg(long)]
    pub days: i64,
    #[arg(long)]
    pub rps: Option<f64>,
}

#[derive(Args)]
pub struct StatusArgs {
    #[arg(long)]
    pub seller: String,
    #[arg(long, default_value = "sqlite:sellerbox.sqlite?mode=rwc")]
    pub db: String,
    #[arg(long)]
    pub json: bool,
}

/// A `--since` as given, and its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Since {
    pub text: String,
    /// `None`: longer than any duration a clock can hold (e.g. `99999999999999d`); the
    /// collect command refuses it naming the market's limit, as any range too long.
    pub duration: Option<Duration>,
}

/// `7d`, `24h`, `30m`, `90s`.
pub fn parse_duration(s: &str) -> Result<Since, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not a duration like 7d, 24h, 30m");
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // Digits that overflow i64 are still a duration, just one no market serves.
    let n: Option<i64> = n.parse().ok();
    let duration = match unit {
        "d" => n.and_then(Duration::try_days),
        "h" => n.and_then(Duration::try_hours),
        "m" => n.and_then(Duration::try_minutes),
        "s" => n.and_then(Duration::try_seconds),
        _ => return Err(bad()),
    };
    Ok(Since {
        text: s.to_string(),
        duration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse_with_units_and_reject_garbage() {
        assert_eq!(
            parse_duration("7d").unwrap().duration,
            Some(Duration::days(7))
        );
        assert_eq!(
            parse_duration("30m").unwrap().duration,
            Some(Duration::minutes(30))
        );
        // Too long for any clock: parsed, refused later with the market's limit.
        for huge in [
            "999999999999d",
            "9223372036854775807s",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_duration(huge).unwrap().duration, None, "{huge}");
        }
        assert!(parse_duration("7").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("7w").is_err());
    }
}
