//! Drives one seller's connector through the windows of each kind, within a deadline.

use super::budget::{Held, MemoryBudget};
use super::planner::{start_of_run, windows};
use crate::centers;
use crate::error::{CollectError, ErrorKind};
use crate::http::{Http, Meter, TokenCache};
use crate::markets::{self, ConnectCtx};
use crate::model::{Kind, Market, Records, Window};
use crate::secrets::Credentials;
use crate::store::{Expecting, Outcome, RunRecord, Scope, Store, WriteStats};
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// The time the runner plans with. Real time in production; simulated in the demo.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// One seller account ready to collect: its credentials resolved.
#[derive(Clone)]
pub struct Target {
    pub market: Market,
    pub seller_id: String,
    pub credentials: Credentials,
    pub base_url: Option<String>,
    /// The account's options (`SellerAccount::options`; `{}` when none).
    pub options: serde_json::Value,
}

impl Target {
    /// Whether this seller's `kind` is read from the market's seller center: the market's
    /// API does not serve it, its center does, and the seller opted in with a center login.
    pub fn logs_in_for(&self, kind: Kind) -> bool {
        markets::spec(self.market).is_some_and(|s| s.plan(kind).is_none())
            && self.credentials.has_center_login()
            && centers::plan(self.market, kind).is_some()
    }

    /// The target one credentials-file entry describes (`{"market", "seller_id",
    /// "base_url"?, "credentials"}`, as `sellerbox sim serve` writes them), without options;
    /// `None` when its market is missing or unknown or it has no seller id.
    pub fn from_entry(entry: &serde_json::Value) -> Option<Target> {
        Some(Target {
            market: entry["market"].as_str()?.parse().ok()?,
            seller_id: entry["seller_id"].as_str()?.to_string(),
            credentials: Credentials::from(&entry["credentials"]),
            base_url: entry["base_url"].as_str().map(str::to_string),
            options: serde_json::json!({}),
        })
    }
}

/// Which time range a run covers.
#[derive(Debug, Clone, Copy)]
pub enum Range {
    /// From the watermark (minus the kind's lookback), or the backfill on a first run.
    Auto,
    /// The last `Duration` up to now (e.g. the daily 7-day reconciliation).
    Since(Duration),
    Between(DateTime<Utc>, DateTime<Utc>),
}

/// Every target's credentials read as its market's credential type, without a request:
/// one line per bad target (market, seller, the field and what is wrong with it, never a
/// value), so that bad input is refused before anything is written.
pub fn check_credentials(http: &Http, targets: &[Target]) -> Result<(), Vec<String>> {
    let bad: Vec<String> = targets
        .iter()
        .filter_map(|t| {
            let connected = markets::require(t.market).and_then(|spec| {
                (spec.connect)(ConnectCtx {
                    http: http.clone(),
                    tokens: TokenCache::default(),
                    meter: Meter::default(),
                    seller_id: t.seller_id.clone(),
                    credentials: t.credentials.value(),
                    base_url: t.base_url.clone(),
                    options: t.options.clone(),
                })
            });
            let why = match connected.err()? {
                CollectError::InvalidInput(why) => why,
                other => other.to_string(),
            };
            Some(format!("{} seller {}: {why}", t.market, t.seller_id))
        })
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(bad) }
}

/// Why a range was refused: it reaches further back than the market serves a kind (or
/// than any date can say). The message names the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error(
        "reaches back further than any date; {market} serves {kind} at most {limit_days} days back"
    )]
    Unrepresentable {
        market: Market,
        kind: Kind,
        limit_days: i64,
    },
    #[error(
        "reaches {days} days back; {market} serves {kind} at most {limit_days} days back (from {earliest})"
    )]
    TooFarBack {
        market: Market,
        kind: Kind,
        days: i64,
        limit_days: i64,
        /// The oldest start allowed now, to the second.
        earliest: String,
    },
}

impl From<RangeError> for CollectError {
    fn from(e: RangeError) -> Self {
        CollectError::InvalidInput(e.to_string())
    }
}

impl Range {
    /// Refuses a range that starts further back than `market` serves any of `kinds`
    /// (each kind's [`KindPlan::max_history`](markets::KindPlan)), with checked
    /// arithmetic: callers check before anything is written.
    pub fn check(
        &self,
        market: Market,
        kinds: &[Kind],
        now: DateTime<Utc>,
    ) -> Result<(), RangeError> {
        let Some(spec) = markets::spec(market) else {
            return Ok(()); // refused by `markets::require` with its own message
        };
        for plan in kinds
            .iter()
            .filter_map(|k| spec.plan(*k).or_else(|| centers::plan(market, *k)))
        {
            self.check_plan(market, plan, now)?;
        }
        Ok(())
    }

    fn check_plan(
        &self,
        market: Market,
        plan: &markets::KindPlan,
        now: DateTime<Utc>,
    ) -> Result<(), RangeError> {
        let from = match *self {
            Range::Auto => return Ok(()),
            Range::Since(d) => now.checked_sub_signed(d),
            Range::Between(a, _) => Some(a),
        };
        let limit_days = plan.max_history.num_days();
        let Some(from) = from else {
            return Err(RangeError::Unrepresentable {
                market,
                kind: plan.kind,
                limit_days,
            });
        };
        let earliest = now - plan.max_history;
        if from < earliest {
            return Err(RangeError::TooFarBack {
                market,
                kind: plan.kind,
                days: days_rounded_up(now - from),
                limit_days,
                earliest: earliest.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            });
        }
        Ok(())
    }
}

/// 180 days and a minute is "181 days".
fn days_rounded_up(d: Duration) -> i64 {
    let days = d.num_days();
    if d > Duration::days(days) {
        days + 1
    } else {
        days
    }
}

/// What one (seller, market, kind) run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub market: Market,
    pub seller_id: String,
    pub kind: Kind,
    pub requests: u64,
    pub pages: u64,
    pub throttled: u64,
    pub retries: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub history: u64,
    /// Records that could not be read: kept raw, counted, read again by later runs.
    pub rejected: u64,
    pub windows: usize,
    pub outcome: Outcome,
    pub error_kind: Option<ErrorKind>,
    pub error: Option<String>,
    pub seconds: f64,
}

/// Why a run that did not fail ended.
enum Ended {
    Complete,
    /// The deadline came first.
    Deadline,
    /// A checkpoint: the marketplace said its quota is spent
    /// ([`CollectError::QuotaExhausted`]), or a seller-center login waits for the seller
    /// ([`CollectError::TwoFactorRequired`], [`CollectError::ReloginRequired`]).
    Checkpoint(CollectError),
}

/// How far a run got: what the runs table records even when the run fails midway.
struct Progress {
    stats: WriteStats,
    windows: usize,
    covered: Window,
}

pub struct Collector {
    pub http: Http,
    pub tokens: TokenCache,
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    /// Writes in flight at once (as many as the store takes, [`Store::writes_in_flight`]).
    /// Hundreds of runs may finish windows together; they queue here, without a deadline,
    /// instead of timing out on the database pool (SQLite has one writer; a Lambda
    /// container keeps one or two connections).
    writes: tokio::sync::Semaphore,
    /// The fetched data all runs hold at once, bounded (see [`MemoryBudget`]).
    budget: MemoryBudget,
    /// Seller-center sessions: where they are saved, the console pace, the IP pause.
    pub centers: centers::Services,
}

/// Rejected records read again per run: enough for any real backlog, bounded so that a
/// market that changed its format everywhere does not make every run re-read everything.
const REREAD_LIMIT: u32 = 1_000;
/// Memory for fetched windows, all runs together: enough to keep dozens of sellers'
/// windows in flight, small enough that a 1,000-seller shard fits a small Lambda.
const HELD_BYTES: usize = 16 << 20;

impl Collector {
    pub fn new(http: Http, store: Arc<dyn Store>, clock: Clock) -> Self {
        let writes = tokio::sync::Semaphore::new(store.writes_in_flight());
        Collector {
            http,
            tokens: TokenCache::default(),
            store,
            clock,
            writes,
            budget: MemoryBudget::new(HELD_BYTES),
            centers: centers::Services::default(),
        }
    }

    /// The same collector with these seller-center services (a session store that
    /// outlives the process, another pace).
    pub fn with_centers(mut self, services: centers::Services) -> Self {
        self.centers = services;
        self
    }

    /// Collect every `(target, kind)` pair, up to `concurrency` at once (the rate limiter
    /// paces the requests; concurrency only keeps every limit key busy). `deadline` stops
    /// runs at a window boundary; `on_done` sees each summary as it finishes.
    pub async fn run_all(
        &self,
        targets: &[Target],
        kinds: &[Kind],
        range: Range,
        deadline: Option<Instant>,
        concurrency: usize,
        on_done: &(dyn Fn(&RunSummary) + Sync),
    ) -> Vec<RunSummary> {
        // A market this build does not carry still gets its runs, which fail as
        // `invalid_input` saying so.
        let jobs = targets.iter().flat_map(|t| {
            let spec = markets::spec(t.market);
            // Seller-center kinds only for sellers who opted in with a center login.
            kinds
                .iter()
                .filter(move |k| spec.is_none_or(|s| s.plan(**k).is_some() || t.logs_in_for(**k)))
                .map(move |k| (t, *k))
        });
        futures::stream::iter(jobs)
            .map(|(t, k)| async move {
                let s = self.run(t, k, range, deadline).await;
                on_done(&s);
                s
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await
    }

    /// One cheap authenticated call: are the seller's credentials (and our IP) accepted?
    pub async fn verify(&self, target: &Target) -> Result<(), CollectError> {
        let spec = markets::require(target.market)?;
        let connector = (spec.connect)(ConnectCtx {
            http: self.http.clone(),
            tokens: self.tokens.clone(),
            meter: Meter::default(),
            seller_id: target.seller_id.clone(),
            credentials: target.credentials.value(),
            base_url: target.base_url.clone(),
            options: target.options.clone(),
        })?;
        connector.verify().await
    }

    /// Collect one kind for one seller: window after window, each committed with its
    /// watermark, stopping cleanly at the deadline. The run is recorded either way.
    pub async fn run(
        &self,
        target: &Target,
        kind: Kind,
        range: Range,
        deadline: Option<Instant>,
    ) -> RunSummary {
        let started = Instant::now();
        let started_at = (self.clock)();
        let meter = Meter::default();
        let scope = Scope {
            market: target.market,
            seller_id: target.seller_id.clone(),
            kind,
        };
        let mut progress = Progress {
            stats: WriteStats::default(),
            windows: 0,
            covered: Window::new(started_at, started_at),
        };
        let result = self
            .drive(target, &scope, range, deadline, &meter, &mut progress)
            .await;
        let Progress {
            stats,
            windows: done_windows,
            covered,
        } = progress;

        // A checkpoint (quota, a seller-center login waiting for the seller) is recorded
        // with its reason but is no failure.
        let (outcome, error, stopped_by) = match result {
            Ok(Ended::Complete) => (Outcome::Complete, None, None),
            Ok(Ended::Deadline) => (Outcome::Partial, None, None),
            Ok(Ended::Checkpoint(why)) => (Outcome::Partial, None, Some(why)),
            Err(e) => (
                Outcome::Failed,
                Some(self.keep_evidence(&scope, e).await),
                None,
            ),
        };
        if let Some(why) = &stopped_by {
            tracing::info!(market = %target.market, seller = %target.seller_id, %kind,
                until = %covered.to, error_kind = %why.kind(), reason = %why,
                "stopped at a checkpoint; the next run resumes here");
        }
        let noted = error.as_ref().or(stopped_by.as_ref());
        let m = meter.snapshot();
        let record = RunRecord {
            run_id: uuid::Uuid::new_v4().to_string(),
            market: target.market,
            seller_id: target.seller_id.clone(),
            kind,
            window: covered,
            started_at,
            finished_at: (self.clock)(),
            requests: m.requests,
            pages: m.pages,
            throttled: m.throttled,
            retries: m.retries,
            stats,
            outcome,
            error_kind: noted.map(CollectError::kind),
            error_message: noted.map(ToString::to_string),
        };
        let mut error = error;
        let recorded = {
            let _permit = self.writes.acquire().await.expect("never closed");
            self.store.record_run(&record).await
        };
        if let Err(e) = recorded {
            error.get_or_insert(e.into());
        }
        if let Some(e) = &error {
            tracing::warn!(market = %target.market, seller = %target.seller_id, %kind,
                run = %record.run_id, error_kind = %e.kind(), error = %e, "collection run failed");
        }
        let summary = RunSummary {
            market: target.market,
            seller_id: target.seller_id.clone(),
            kind,
            requests: m.requests,
            pages: m.pages,
            throttled: m.throttled,
            retries: m.retries,
            inserted: stats.inserted,
            updated: stats.updated,
            unchanged: stats.unchanged,
            history: stats.history,
            rejected: stats.rejected,
            windows: done_windows,
            outcome: if error.is_some() {
                Outcome::Failed
            } else {
                outcome
            },
            error_kind: error
                .as_ref()
                .or(stopped_by.as_ref())
                .map(CollectError::kind),
            error: error
                .as_ref()
                .or(stopped_by.as_ref())
                .map(ToString::to_string),
            seconds: started.elapsed().as_secs_f64(),
        };
        crate::telemetry::emit_run_metrics(&summary, &record.run_id);
        summary
    }

    /// How far the run got: every window committed, or stopped at a window boundary by the
    /// deadline or by the marketplace's quota (every window before it committed).
    async fn drive(
        &self,
        target: &Target,
        scope: &Scope,
        range: Range,
        deadline: Option<Instant>,
        meter: &Meter,
        progress: &mut Progress,
    ) -> Result<Ended, CollectError> {
        let spec = markets::require(target.market)?;
        let from_center = spec.plan(scope.kind).is_none();
        let plan = spec
            .plan(scope.kind)
            .or_else(|| centers::plan(target.market, scope.kind))
            .ok_or_else(|| {
                CollectError::InvalidInput(format!(
                    "{} does not offer {} through its API or its seller center",
                    target.market, scope.kind
                ))
            })?;
        let now = (self.clock)();
        // Callers check before writing anything; this keeps the arithmetic below checked
        // for any caller that did not.
        range.check_plan(target.market, plan, now)?;
        let (from, to) = match range {
            Range::Auto => {
                let wm = self.store.watermark(scope).await?;
                (start_of_run(plan, wm, now), now)
            }
            Range::Since(d) => (now - d, now),
            Range::Between(a, b) => (a, b.min(now)),
        };
        progress.covered = Window::new(from, from);
        let ctx = ConnectCtx {
            http: self.http.clone(),
            tokens: self.tokens.clone(),
            meter: meter.clone(),
            seller_id: target.seller_id.clone(),
            credentials: target.credentials.value(),
            base_url: target.base_url.clone(),
            options: target.options.clone(),
        };
        let connector: Box<dyn markets::Connector> = if from_center {
            // A run-wide rate (`--rps`) paces the consoles too.
            let mut services = self.centers.clone();
            if let Some(rate) = self.http.limiter().overridden_rate().filter(|r| *r > 0.0) {
                services.pace = std::time::Duration::from_secs_f64(1.0 / rate);
            }
            Box::new(centers::CenterConnector::new(
                target.market,
                &ctx,
                &services,
            )?)
        } else {
            (spec.connect)(ctx)?
        };
        // From here the run brings windows: a store that shares commits may wait for them.
        let expecting = self.store.expect_windows();
        // Records earlier runs could not read, read again with this build's code: those
        // that read now go in with the first window (before its own rows, so that a
        // fresher copy of the same record in the window wins).
        let mut recovered = self.reread_rejects(connector.as_ref(), scope).await?;
        // Fetching window N+1 overlaps with writing window N; writes stay in window order,
        // so the watermark only ever covers committed rows.
        let mut last_window_took = std::time::Duration::ZERO;
        let mut fetched: Option<(Window, Records, Held)> = None;
        let mut ended = Ended::Complete;
        for w in windows(plan.span, from, to) {
            if let Some(d) = deadline {
                // Stop before a window we could not finish: the next run resumes here.
                if Instant::now() + last_window_took >= d {
                    ended = Ended::Deadline;
                    break;
                }
            }
            let t0 = Instant::now();
            let fetch = async {
                let mut held = match self.budget.try_reserve() {
                    Some(held) => held,
                    None => {
                        let _paused = expecting.as_ref().map(Expecting::pause);
                        self.budget.reserve().await
                    }
                };
                let mut records = connector.fetch(scope.kind, w).await?;
                self.budget.settle(&mut held, records.raw_bytes());
                if let Some(mut first) = recovered.take() {
                    first.extend(std::mem::take(&mut records));
                    records = first;
                }
                Ok::<_, CollectError>((records, held))
            };
            let next = match fetched.take() {
                Some((done, records, held)) => {
                    let commit = async {
                        let written = self.commit(scope, done, &records, now, progress).await;
                        drop((records, held));
                        written
                    };
                    let (written, next) = futures::join!(commit, fetch);
                    written?;
                    next
                }
                None => fetch.await,
            };
            let next = match next {
                // The marketplace's quota, or a seller-center login that waits for the
                // seller, is a checkpoint, not a failure: the windows before this one are
                // committed (above); this one is the next run's.
                Err(
                    e @ (CollectError::QuotaExhausted { .. }
                    | CollectError::TwoFactorRequired { .. }
                    | CollectError::ReloginRequired { .. }),
                ) => {
                    ended = Ended::Checkpoint(e);
                    break;
                }
                other => other?,
            };
            fetched = Some((w, next.0, next.1));
            last_window_took = t0.elapsed();
        }
        if let Some((done, records, _held)) = fetched {
            self.commit(scope, done, &records, now, progress).await?;
        }
        if let Some(records) = recovered.filter(|r| !r.is_empty()) {
            // No window this run (or the deadline came first): the recovered records
            // still go in; the watermark stays where it is.
            self.commit(scope, Window::new(from, from), &records, now, progress)
                .await?;
        }
        Ok(ended)
    }

    /// The scope's open rejected records read again; `None` when there are none.
    async fn reread_rejects(
        &self,
        connector: &dyn markets::Connector,
        scope: &Scope,
    ) -> Result<Option<Records>, CollectError> {
        let open = self.store.open_rejects(scope, REREAD_LIMIT).await?;
        if open.is_empty() {
            return Ok(None);
        }
        let mut out = Records::default();
        for rejected in &open {
            if let Ok(records) = connector.reread(scope.kind, rejected) {
                out.extend(records);
                out.resolved.push(rejected.key.clone());
            }
        }
        Ok(Some(out))
    }

    /// Write one window's records with its watermark, and count them.
    async fn commit(
        &self,
        scope: &Scope,
        w: Window,
        records: &Records,
        now: DateTime<Utc>,
        progress: &mut Progress,
    ) -> Result<(), CollectError> {
        let watermark = w.to.min(now);
        let stats = {
            let _permit = self.writes.acquire().await.expect("never closed");
            self.store
                .commit_window(scope, records, watermark, (self.clock)())
                .await?
        };
        progress.stats.add(stats);
        progress.windows += 1;
        progress.covered.to = watermark;
        Ok(())
    }

    /// Keep the raw page of a format change and point the error at it.
    async fn keep_evidence(&self, scope: &Scope, e: CollectError) -> CollectError {
        match e {
            CollectError::FormatChanged {
                market,
                endpoint,
                detail,
                raw,
                ..
            } => {
                let page_ref = match self.store.keep_raw_page(scope, &endpoint, &raw.0).await {
                    Ok(r) => r,
                    Err(se) => format!("(not stored: {se})"),
                };
                CollectError::FormatChanged {
                    market,
                    endpoint,
                    detail,
                    page_ref,
                    raw,
                }
            }
            other => other,
        }
    }
}
