//! Where collected records land: one unified schema, PostgreSQL in production and SQLite
//! as the embedded default. Both implement [`Store`]; one contract test suite runs
//! against both.

mod group;
mod leases;
mod postgres;
mod rows;
mod sql;
mod sql_store;
mod sqlite;
mod window;

pub use group::Expecting;
pub use leases::PgLeases;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::error::{CollectError, ErrorKind};
use crate::model::{Kind, Market, Records, Rejected, SellerAccount, Window};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// A failure of the database, with a message an operator can act on (never a row's data).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("cannot reach the database at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("unsupported database URL {0:?}: use postgres://... or sqlite:...")]
    UnsupportedUrl(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("database query failed: {0}")]
    Query(String),
}

impl From<StoreError> for CollectError {
    fn from(e: StoreError) -> Self {
        CollectError::Storage(e.to_string())
    }
}

/// Whose data a write belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub market: Market,
    pub seller_id: String,
    pub kind: Kind,
}

/// What one write changed. `history` counts status-history rows written; `rejected` the
/// records that could not be read (kept raw, see [`crate::model::Rejected`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub history: u64,
    pub rejected: u64,
}

impl WriteStats {
    pub fn add(&mut self, o: WriteStats) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.history += o.history;
        self.rejected += o.rejected;
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every window done.
    Complete,
    /// Stopped at a window boundary (deadline or quota); the next run resumes there.
    Partial,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Complete => "complete",
            Outcome::Partial => "partial",
            Outcome::Failed => "failed",
        }
    }
}

/// One row of the collection runs table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub run_id: String,
    pub market: Market,
    pub seller_id: String,
    pub kind: Kind,
    pub window: Window,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub requests: u64,
    pub pages: u64,
    pub throttled: u64,
    pub retries: u64,
    pub stats: WriteStats,
    pub outcome: Outcome,
    pub error_kind: Option<ErrorKind>,
    /// The error's message (already free of secrets and personal data).
    pub error_message: Option<String>,
}

/// One part of one firing of a market's schedule (see `lambda::shards`): schedules and
/// Lambda's asynchronous invocations arrive at least once, so whoever inserts a part first
/// does it and a duplicate finds it taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleClaim {
    pub market: Market,
    /// The schedule's name: its kinds and lookback (`orders`, `orders~7d`).
    pub schedule: String,
    /// The firing's scheduled time: the same for every delivery of it.
    pub scheduled_at: DateTime<Utc>,
    pub part: CyclePart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CyclePart {
    /// The plan: how many shards the firing has (the first planner's count holds).
    Plan { shards: u32 },
    /// The planner started shard `index` of `count`.
    Start { index: u32, count: u32 },
    /// Shard `index` of `count` is collecting.
    Run { index: u32, count: u32 },
}

impl CyclePart {
    fn key(self) -> String {
        match self {
            CyclePart::Plan { .. } => "plan".into(),
            CyclePart::Start { index, count } => format!("start {index}/{count}"),
            CyclePart::Run { index, count } => format!("run {index}/{count}"),
        }
    }

    fn shards(self) -> u32 {
        match self {
            CyclePart::Plan { shards } => shards,
            CyclePart::Start { count, .. } | CyclePart::Run { count, .. } => count,
        }
    }
}

/// What [`Store::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claimed {
    /// This caller inserted the part: it is theirs to do.
    pub first: bool,
    /// The shard count stored with the part (the first claimant's).
    pub shards: u32,
}

/// What one complete run cost: the runs table's figures `sellerbox plan` measures from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunCost {
    pub market: Market,
    pub kind: Kind,
    /// How long the run's window was (a scheduled run: the kind's lookback plus a cycle;
    /// a first run: its backfill).
    pub window: chrono::Duration,
    /// From the run's start to its end.
    pub duration: chrono::Duration,
    pub requests: u64,
}

/// Per market and kind, what `sellerbox status` shows for one seller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindStatus {
    pub market: Market,
    pub kind: Kind,
    pub watermark: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_run_outcome: Option<Outcome>,
    pub last_error_kind: Option<ErrorKind>,
    pub last_error_message: Option<String>,
    /// Rows of this kind stored for the seller (orders for `orders`).
    pub rows: u64,
    /// Records of this kind that could not be read and are still waiting for a reader.
    pub rejected: u64,
}

/// Totals for reports (demo, bench) over some markets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub orders: u64,
    pub order_items: u64,
    pub status_changes: u64,
    pub claims: u64,
    pub settlements: u64,
    pub reviews: u64,
    pub inquiries: u64,
    pub unknown_statuses: u64,
    /// Rejected records not yet resolved.
    pub rejected: u64,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// Write one window's records and move the watermark to `watermark` in one
    /// transaction: the watermark never runs ahead of committed rows. Idempotent:
    /// writing the same records again changes nothing and adds no history.
    /// `observed_at` is when we saw the data (the time written into status history).
    async fn commit_window(
        &self,
        scope: &Scope,
        records: &Records,
        watermark: DateTime<Utc>,
        observed_at: DateTime<Utc>,
    ) -> Result<WriteStats, StoreError>;

    /// How many writes may wait on the store at once: windows that wait together can
    /// share a commit (SQLite), while a pool of one or two connections wants few callers.
    fn writes_in_flight(&self) -> usize {
        2
    }

    /// A run that will commit windows has started: while the result lives, a store that
    /// shares commits between windows (SQLite) may hold a batch open, briefly, for the
    /// run's next window. `None`: the store commits each window on its own.
    fn expect_windows(&self) -> Option<Expecting> {
        None
    }

    /// The newest point up to which `scope`'s data is known complete.
    async fn watermark(&self, scope: &Scope) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Keep a page that did not parse, for diagnosis; returns its reference.
    async fn keep_raw_page(
        &self,
        scope: &Scope,
        endpoint: &str,
        body: &[u8],
    ) -> Result<String, StoreError>;

    async fn record_run(&self, run: &RunRecord) -> Result<(), StoreError>;

    /// `scope`'s rejected records that no run has read yet, oldest first, at most `limit`:
    /// every run tries them again with the current code.
    async fn open_rejects(&self, scope: &Scope, limit: u32) -> Result<Vec<Rejected>, StoreError>;

    async fn upsert_account(&self, account: &SellerAccount) -> Result<(), StoreError>;
    async fn accounts(&self, market: Option<Market>) -> Result<Vec<SellerAccount>, StoreError>;
    async fn set_account_enabled(
        &self,
        market: Market,
        seller_id: &str,
        enabled: bool,
    ) -> Result<bool, StoreError>;

    async fn status(&self, seller_id: &str) -> Result<Vec<KindStatus>, StoreError>;
    /// Every complete run of `market` (None: of every market this build knows) that started
    /// at or after `since`.
    async fn run_costs(
        &self,
        market: Option<Market>,
        since: DateTime<Utc>,
    ) -> Result<Vec<RunCost>, StoreError>;
    async fn totals(&self, market: Option<Market>) -> Result<Totals, StoreError>;

    /// Take `claim` if nobody has: atomic, so of two concurrent deliveries one is first.
    async fn claim(&self, claim: &CycleClaim, now: DateTime<Utc>) -> Result<Claimed, StoreError>;
    /// Give a claim back: the work it guarded did not start, a retry may take it.
    async fn release(&self, claim: &CycleClaim) -> Result<(), StoreError>;
    /// Forget the claims of firings scheduled before `before`; returns how many.
    async fn prune_claims(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Open the store a URL names (`postgres://...` or `sqlite:...`), applying the embedded
/// migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// [`connect`] with a pool of at most `max_connections` (Lambda: one or two per container,
/// behind RDS Proxy).
/// SQLite keeps its own single-writer pool.
pub async fn connect_with(url: &str, max_connections: u32) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            PgStore::connect_pooled(url, max_connections).await?,
        ))
    } else {
        connect(url).await
    }
}

/// Applies SQLite's embedded migrations holding the database's write lock. Two first runs
/// on a fresh file (two schedules, a schedule and an API call) would otherwise both find
/// nothing applied and both apply it: one fails with `database is locked` or `table ...
/// already exists`. `BEGIN IMMEDIATE` makes the second wait (the busy timeout) until the
/// first has committed, then find everything applied. (sqlx's PostgreSQL migrator takes
/// an advisory lock itself.)
async fn migrate_sqlite(writes: &sqlx::SqlitePool) -> Result<(), StoreError> {
    use sqlx::Connection;
    let failed = |e: sqlx::Error| StoreError::Migration(e.to_string());
    let mut conn = writes.acquire().await.map_err(failed)?;
    let mut tx = (*conn)
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(failed)?;
    // The migrator's own per-migration transactions become savepoints inside this one.
    sqlx::migrate!("./migrations/sqlite")
        .run(&mut *tx)
        .await
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    tx.commit().await.map_err(failed)
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// A failed first connection, for the operator: where (without password) and why (with
/// the password scrubbed, should a driver message ever echo the URL).
fn unreachable(url: &str, e: sqlx::Error) -> StoreError {
    let mut detail = e.to_string();
    if let Some(password) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(String::from))
        && !password.is_empty()
    {
        detail = detail.replace(&password, "***");
    }
    StoreError::Unreachable {
        url: redact_url(url),
        detail,
    }
}
