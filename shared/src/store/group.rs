//! Group commit: a window joins the transaction open for other windows, and one commit
//! writes them all.
//!
//! Why: a commit writes every page its transaction touched to SQLite's WAL, and windows
//! touch the same index and table pages as the windows before them: when a Naver window
//! was one day of one seller (~80 items), a first run of 50 Naver sellers wrote 384 MB to
//! a WAL and database of 87 MB with a commit per window (strace), and commits and
//! checkpoints were a fifth of its CPU (perf).
//!
//! A batch stays open while another window is queued, or for up to [`LINGER`] while a run
//! that may bring one is still going ([`Store::expect_windows`](super::Store)): runs are
//! paced by the marketplaces' rate limits, so windows rarely arrive together, and a run
//! fetches its next window while its last one waits here.
//!
//! What a caller sees does not change: `commit_window` returns once its rows are committed
//! or have failed, and only its own fault fails it. When a batch is lost (a window in it
//! fails, its commit fails, SQLite ends the transaction itself, a turn was cancelled
//! midway), it is rolled back and each of its other windows is written again, alone. A
//! turn cancelled midway leaves its batch in doubt: the next to come (a caller, or a
//! window waiting in the batch) rolls all of it back.
//!
//! Windows share the transaction without a savepoint each: a savepoint makes SQLite copy
//! every page its window first touches (16 KB each), 2.6% of a Naver first run's
//! instructions (callgrind, 10 sellers), paid by every window for the sake of the rare one
//! that fails, which now costs its batch's windows a second write instead.

use super::sql::{Exec, query_error};
use super::{Scope, StoreError, WriteStats};
use crate::model::Records;
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Pool, SqlSafeStr};
use sqlx_core::transaction::TransactionManager;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard, Notify, watch};
use tokio::time::Instant;

type Manager<DB> = <DB as Database>::TransactionManager;
type Outcome = Option<Result<(), StoreError>>;

/// Windows written in one transaction at most: past ~16, a larger batch saved nothing more
/// of SQLite's own cost (a 50-seller Naver first run, replayed with a commit every 1, 4,
/// 16 and 400 windows), and the windows that wait in it would only wait longer.
pub(super) const MAX_WINDOWS: usize = 16;
/// How long a batch waits for windows still being fetched: a run's next window takes a
/// few paced requests (seconds), so this delays no run's fetching, only its last answer.
pub(super) const LINGER: Duration = Duration::from_millis(500);

pub(super) struct Group<DB: Database>
where
    DB::Connection: Exec,
{
    open: Mutex<Option<Batch<DB>>>,
    signals: Arc<Signals>,
    /// [`LINGER`]; tests make it outlast them, so that what they see does not depend on
    /// the machine's speed.
    linger: Duration,
}

/// What may end a batch's wait.
#[derive(Default)]
struct Signals {
    /// Callers waiting for their turn: each will join the open batch.
    queued: AtomicUsize,
    /// Runs that may still bring windows ([`Expecting`]).
    expected: AtomicUsize,
    /// A queued caller gave up (its future was dropped) or a run ended: the windows
    /// waiting in the open batch may have to commit it themselves.
    changed: Notify,
    /// Windows waiting for their batch's outcome, for tests to step through a batch.
    #[cfg(test)]
    waiting: AtomicUsize,
}

/// A run that may still commit windows; dropped when it has ended.
pub struct Expecting(Arc<Signals>);

impl Expecting {
    /// The run cannot bring a window for now: it waits for memory that only committed
    /// windows give back (the collector's budget for fetched data). Until the result is
    /// dropped it is not waited for, or a batch would linger for a window that waits for
    /// the batch.
    pub fn pause(&self) -> Paused<'_> {
        self.0.expected.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
        Paused(&self.0)
    }
}

impl Drop for Expecting {
    fn drop(&mut self) {
        self.0.expected.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

/// A run of [`Expecting`] paused; counted again when dropped.
pub struct Paused<'a>(&'a Signals);

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        self.0.expected.fetch_add(1, Ordering::SeqCst);
    }
}

/// Whether a window may join the open batch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Join {
    Batch,
    /// Written and committed on its own (its batch failed for another's fault).
    Alone,
}

/// Why a window was not committed.
enum Failed {
    /// Its own write failed (or broke the batch).
    Own(StoreError),
    /// It was written, but its batch did not commit.
    Batch(StoreError),
}

impl Failed {
    fn into_inner(self) -> StoreError {
        match self {
            Failed::Own(e) | Failed::Batch(e) => e,
        }
    }
}

struct Batch<DB: Database>
where
    DB::Connection: Exec,
{
    /// Released when the batch ends ([`Exec::release`]); declared before `conn`, so that
    /// even a batch dropped unfinished drops it first: what a connection keeps must not
    /// outlive it.
    kept: <DB::Connection as Exec>::Kept,
    conn: PoolConnection<DB>,
    windows: usize,
    /// When the batch stops waiting for windows still being fetched.
    linger_until: Instant,
    /// Set while a turn writes; still set when a turn was dropped midway.
    in_turn: bool,
    outcome: watch::Sender<Outcome>,
}

impl<DB: Database> Default for Group<DB>
where
    DB::Connection: Exec,
{
    fn default() -> Self {
        Group {
            open: Mutex::new(None),
            signals: Arc::default(),
            linger: LINGER,
        }
    }
}

impl<DB: Database> Group<DB>
where
    DB::Connection: Exec,
{
    /// Counts a run whose windows are worth waiting for, until the result is dropped.
    pub(super) fn expect(&self) -> Expecting {
        self.signals.expected.fetch_add(1, Ordering::SeqCst);
        Expecting(self.signals.clone())
    }

    /// Writes one window in the open batch (opening one with `begin` on a connection of
    /// `pool` if none is), and returns once that batch has committed. A window whose batch
    /// failed for a fault not its own (another window's, its commit's) is written again,
    /// alone: one window's fault fails that window only, and a fault of the commit itself
    /// fails its windows only if they fail alone too.
    pub(super) async fn commit(
        &self,
        pool: &Pool<DB>,
        begin: &'static str,
        scope: &Scope,
        records: &Records,
        times: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<WriteStats, StoreError> {
        let window = (scope, records, times);
        match self.write(pool, begin, window, Join::Batch).await {
            Err(Failed::Batch(_)) => self.write(pool, begin, window, Join::Alone).await,
            other => other,
        }
        .map_err(Failed::into_inner)
    }

    async fn write(
        &self,
        pool: &Pool<DB>,
        begin: &'static str,
        (scope, records, (watermark, observed_at)): (
            &Scope,
            &Records,
            (DateTime<Utc>, DateTime<Utc>),
        ),
        join: Join,
    ) -> Result<WriteStats, Failed> {
        let mut slot = self.turn().await;
        if slot.as_ref().is_some_and(|b| b.in_turn) {
            abandon(&mut slot, "a window before it was cancelled midway").await;
        } else if join == Join::Alone {
            // The windows waiting in the open batch are committed first, without this one.
            let _ = finish(&mut slot).await;
        }
        if slot.is_none() {
            let batch = Batch::begin(pool, begin, self.linger).await;
            *slot = Some(batch.map_err(Failed::Own)?);
        }
        let batch = slot.as_mut().expect("opened above");
        batch.in_turn = true;
        let stats = match batch.write(scope, records, watermark, observed_at).await {
            Ok(stats) => stats,
            Err(own) => {
                abandon(&mut slot, &own.to_string()).await;
                return Err(Failed::Own(own));
            }
        };
        let batch = slot.as_mut().expect("still open");
        batch.in_turn = false;
        batch.windows += 1;
        // Armed before the signals are read: a change after the read still wakes us.
        let changed = self.signals.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let committed = if join == Join::Batch && self.holds_open(batch) {
            let outcome = batch.outcome.subscribe();
            let until = batch.linger_until;
            drop(slot);
            #[cfg(test)]
            self.signals.waiting.fetch_add(1, Ordering::SeqCst);
            self.wait(outcome, changed, until).await
        } else {
            finish(&mut slot).await
        };
        committed.map_err(Failed::Batch)?;
        Ok(stats)
    }

    /// Whether the open batch waits for more windows: one is queued, or a run that may
    /// bring one is still going (each window in the batch is a run's, and a run has one
    /// window at a time in a commit) and the batch has not lingered long enough.
    fn holds_open(&self, batch: &Batch<DB>) -> bool {
        let queued = self.signals.queued.load(Ordering::SeqCst);
        let expected = self.signals.expected.load(Ordering::SeqCst);
        batch.windows < MAX_WINDOWS
            && (queued > 0
                || (expected > batch.windows + queued && Instant::now() < batch.linger_until))
    }

    /// The batch, once every caller queued before this one has had its turn.
    async fn turn(&self) -> MutexGuard<'_, Option<Batch<DB>>> {
        /// Counted while waiting; a caller dropped while it waits wakes the batch's windows,
        /// which may have counted on it to carry the batch on.
        struct Queued<'a> {
            signals: &'a Signals,
            waiting: bool,
        }
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.signals.queued.fetch_sub(1, Ordering::SeqCst);
                if self.waiting {
                    self.signals.changed.notify_waiters();
                }
            }
        }
        self.signals.queued.fetch_add(1, Ordering::SeqCst);
        let mut queued = Queued {
            signals: &self.signals,
            waiting: true,
        };
        let slot = self.open.lock().await;
        queued.waiting = false;
        drop(queued);
        slot
    }

    /// The outcome of the batch this caller's window is in. When no one is left to carry
    /// the batch on (the caller expected to has left, the runs have ended, or the linger is
    /// over), a waiting window commits it.
    async fn wait<'a>(
        &'a self,
        mut outcome: watch::Receiver<Outcome>,
        mut changed: std::pin::Pin<&mut tokio::sync::futures::Notified<'a>>,
        linger_until: Instant,
    ) -> Result<(), StoreError> {
        let settled_yet = outcome.clone();
        let mut lingering = true;
        loop {
            tokio::select! {
                settled = settled(&mut outcome) => return settled,
                () = changed.as_mut() => {
                    changed.set(self.signals.changed.notified());
                    changed.as_mut().enable();
                }
                () = tokio::time::sleep_until(linger_until), if lingering => lingering = false,
            }
            let mut slot = self.open.lock().await;
            let unsettled = settled_yet.borrow().is_none();
            // Unsettled, the open batch is still this window's.
            let Some(batch) = slot.as_ref().filter(|_| unsettled) else {
                continue;
            };
            if batch.in_turn {
                abandon(&mut slot, "a window after it was cancelled midway").await;
            } else if !self.holds_open(batch) {
                let _ = finish(&mut slot).await;
            }
        }
    }
}

impl<DB: Database> Batch<DB>
where
    DB::Connection: Exec,
{
    async fn begin(
        pool: &Pool<DB>,
        begin: &'static str,
        linger: Duration,
    ) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await.map_err(query_error)?;
        if let Err(e) = Manager::<DB>::begin(&mut conn, Some(begin.into_sql_str())).await {
            retire_if_in_doubt(&mut conn).await;
            return Err(query_error(e));
        }
        Ok(Batch {
            kept: Default::default(),
            conn,
            windows: 0,
            linger_until: Instant::now() + linger,
            in_turn: false,
            outcome: watch::Sender::new(None),
        })
    }

    /// The window written into the batch's transaction. On error the transaction holds
    /// part of the window: the batch is broken.
    async fn write(
        &mut self,
        scope: &Scope,
        records: &Records,
        watermark: DateTime<Utc>,
        observed_at: DateTime<Utc>,
    ) -> Result<WriteStats, StoreError> {
        (*self.conn)
            .write_window(&mut self.kept, scope, records, (watermark, observed_at))
            .await
    }
}

/// What the batch a window waits in came to.
async fn settled(outcome: &mut watch::Receiver<Outcome>) -> Result<(), StoreError> {
    match outcome.wait_for(Option::is_some).await {
        Ok(settled) => settled.clone().expect("waited for"),
        Err(_) => Err(StoreError::Query("the batch was dropped unfinished".into())),
    }
}

/// Commits the open batch and tells its windows.
async fn finish<DB: Database>(slot: &mut Option<Batch<DB>>) -> Result<(), StoreError>
where
    DB::Connection: Exec,
{
    let Some(mut batch) = slot.take() else {
        return Ok(());
    };
    let committed = Manager::<DB>::commit(&mut batch.conn)
        .await
        .map_err(query_error);
    batch.conn.release(&mut batch.kept).await;
    if committed.is_err() {
        retire_if_in_doubt(&mut batch.conn).await;
    }
    batch.outcome.send_replace(Some(committed.clone()));
    committed
}

/// Rolls the open batch back (its connection is closed, which discards the transaction
/// whatever state a dropped turn left it in) and fails its windows.
async fn abandon<DB: Database>(slot: &mut Option<Batch<DB>>, why: &str)
where
    DB::Connection: Exec,
{
    // Before the batch leaves the slot: if this is cancelled, the next to come abandons it.
    if let Some(batch) = slot.as_mut() {
        batch.conn.release(&mut batch.kept).await;
    }
    if let Some(mut batch) = slot.take() {
        tracing::warn!(
            windows = batch.windows,
            "rolling back a batch of windows: {why}"
        );
        batch.conn.close_on_drop();
        batch
            .outcome
            .send_replace(Some(Err(StoreError::Query(format!(
                "rolled back with the windows committed beside it: {why}"
            )))));
    }
}

/// After some failures (an I/O error during COMMIT, a full disk) SQLite has already ended
/// the transaction itself: the driver's rollback then fails and it still counts a
/// transaction open, so every later BEGIN on this connection would fail ("begin_with at
/// non-zero transaction depth"). A connection still in doubt is never handed out again:
/// it is closed and the pool opens a fresh one.
pub(super) async fn retire_if_in_doubt<DB: Database>(conn: &mut PoolConnection<DB>) {
    let usable = (**conn).ping().await.is_ok() && !conn.is_in_transaction();
    if !usable {
        tracing::warn!("closing the database writer connection left inside a failed transaction");
        conn.close_on_drop();
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Kind, Market, Records};
    use crate::store::{Scope, SqliteStore, Store};
    use chrono::{DateTime, TimeZone, Utc};
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    fn scope(seller: &str) -> Scope {
        Scope {
            market: Market::Coupang,
            seller_id: seller.into(),
            kind: Kind::Orders,
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
    }

    /// A store whose batches wait for expected runs for longer than a test runs.
    async fn store(dir: &tempfile::TempDir) -> SqliteStore {
        let url = format!("sqlite:{}?mode=rwc", dir.path().join("g.sqlite").display());
        let mut store = SqliteStore::connect(&url).await.unwrap();
        store.group.linger = Duration::from_secs(24 * 3600);
        store
    }

    async fn finishes<T>(what: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(60), what)
            .await
            .expect("a window waited for a batch nobody would commit")
    }

    /// Polls `first` until its window is written and waits in the open batch.
    async fn until_waiting(
        store: &SqliteStore,
        first: &mut (impl std::future::Future<Output = impl std::fmt::Debug> + Unpin),
    ) {
        while store.group.signals.waiting.load(Ordering::SeqCst) == 0 {
            assert!(
                futures::poll!(&mut *first).is_pending(),
                "waits for the batch"
            );
            tokio::task::yield_now().await;
        }
    }

    /// The window that was to carry the batch on is dropped while it waits for its turn:
    /// the window waiting in the batch still commits.
    #[tokio::test]
    async fn a_batch_commits_when_the_window_queued_behind_it_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let records = Records::default();
        let (first_scope, second_scope) = (scope("first"), scope("second"));
        let mut first = store.commit_window(&first_scope, &records, at(), at());
        let mut second = store.commit_window(&second_scope, &records, at(), at());
        assert!(
            futures::poll!(first.as_mut()).is_pending(),
            "takes its turn"
        );
        assert!(
            futures::poll!(second.as_mut()).is_pending(),
            "queues behind it"
        );
        until_waiting(&store, &mut first).await;
        drop(second);
        finishes(first).await.unwrap();
        assert_eq!(store.watermark(&first_scope).await.unwrap(), Some(at()));
        assert_eq!(store.watermark(&second_scope).await.unwrap(), None);
    }

    /// Windows of two runs that do not arrive together still share a commit: the first
    /// waits, uncommitted, while the other run is going, and the second's commit is both's.
    #[tokio::test]
    async fn a_batch_waits_for_the_window_of_a_run_still_going() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let (_run_a, _run_b) = (store.expect_windows(), store.expect_windows());
        let records = Records::default();
        let (first_scope, second_scope) = (scope("first"), scope("second"));
        let mut first = store.commit_window(&first_scope, &records, at(), at());
        until_waiting(&store, &mut first).await;
        // Not committed yet: a reader does not see it.
        assert_eq!(store.watermark(&first_scope).await.unwrap(), None);
        store
            .commit_window(&second_scope, &records, at(), at())
            .await
            .unwrap();
        first.await.unwrap();
        assert_eq!(store.watermark(&first_scope).await.unwrap(), Some(at()));
        assert_eq!(store.watermark(&second_scope).await.unwrap(), Some(at()));
    }

    /// A run that waits for memory only committed windows give back is not waited for: the
    /// window already written commits without it.
    #[tokio::test]
    async fn a_batch_does_not_wait_for_a_run_paused_for_memory() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let (run_a, run_b) = (store.expect_windows(), store.expect_windows());
        let records = Records::default();
        let first_scope = scope("first");
        let mut first = store.commit_window(&first_scope, &records, at(), at());
        until_waiting(&store, &mut first).await;
        assert!(
            futures::poll!(first.as_mut()).is_pending(),
            "run b is going"
        );
        let _paused = run_b.as_ref().map(|run| run.pause());
        finishes(first).await.unwrap();
        assert_eq!(store.watermark(&first_scope).await.unwrap(), Some(at()));
        drop(run_a);
    }
}
