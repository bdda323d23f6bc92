//! Database faults that used to break a run or the process (issue 7, faults 1, 2 and the
//! PostgreSQL half of 6): a commit SQLite rolled back on its own, first starts racing on
//! the migrations, and a table another session holds locked.
//!
//! The PostgreSQL tests use `DATABASE_URL` (by default the local server the README names).

use chrono::{DateTime, Duration, TimeZone, Utc};
use sellerbox::model::{Kind, Market, Records};
use sellerbox::store::{self, Scope};
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};

#[path = "support/pg_schema.rs"]
mod pg_schema;
use pg_schema::PgSchema;

fn t(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::hours(hours)
}

fn scope() -> Scope {
    Scope {
        market: Market::Coupang,
        seller_id: "A00010001".into(),
        kind: Kind::Orders,
    }
}

fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite:{}?mode=rwc", dir.path().join(name).display())
}

/// A session of its own holding the schema's `watermarks` table locked, until it rolls back.
async fn lock_watermarks(url: &str) -> PgConnection {
    let mut locker = PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE watermarks IN ACCESS EXCLUSIVE MODE;")
        .execute(&mut locker)
        .await
        .unwrap();
    locker
}

// ------------------------------------------------------------------ fault 1

/// SQLite ends a transaction on its own after some failures (an I/O error during COMMIT,
/// a full disk, `RAISE(ROLLBACK)`): the writer connection then is outside any transaction
/// while the driver still counts one open. Here a trigger raises that rollback on the
/// watermark write of the first window, as `disk I/O error` did during COMMIT: the
/// connection-handling path after the failure is the same. Before the fix every later
/// window failed with "attempted to call begin_with at non-zero transaction depth".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_sqlite_rolled_back_itself_does_not_poison_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir, "poison.sqlite");
    let store = store::connect(&url).await.unwrap();
    let mut side = SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE fault_switch (armed INTEGER NOT NULL); \
         INSERT INTO fault_switch VALUES (1); \
         CREATE TRIGGER injected_fault BEFORE INSERT ON watermarks \
           WHEN (SELECT armed FROM fault_switch) = 1 \
           BEGIN SELECT RAISE(ROLLBACK, 'injected fault'); END;",
    )
    .execute(&mut side)
    .await
    .unwrap();

    let err = store
        .commit_window(&scope(), &Records::default(), t(1), t(1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("injected fault"), "{err}");
    assert_eq!(store.watermark(&scope()).await.unwrap(), None);

    // The fault is over: every next window commits.
    sqlx::query("UPDATE fault_switch SET armed = 0")
        .execute(&mut side)
        .await
        .unwrap();
    for h in 2..5 {
        store
            .commit_window(&scope(), &Records::default(), t(h), t(h))
            .await
            .unwrap_or_else(|e| panic!("window {h} after the fault: {e}"));
    }
    assert_eq!(store.watermark(&scope()).await.unwrap(), Some(t(4)));

    // And the same again later in the process: a second fault, a second recovery.
    sqlx::query("UPDATE fault_switch SET armed = 1")
        .execute(&mut side)
        .await
        .unwrap();
    assert!(
        store
            .commit_window(&scope(), &Records::default(), t(5), t(5))
            .await
            .is_err()
    );
    sqlx::query("UPDATE fault_switch SET armed = 0")
        .execute(&mut side)
        .await
        .unwrap();
    store
        .commit_window(&scope(), &Records::default(), t(6), t(6))
        .await
        .unwrap();
    assert_eq!(store.watermark(&scope()).await.unwrap(), Some(t(6)));
}

// ------------------------------------------------------------------ fault 2

/// Opens at once, each with its own pools, as separate processes (two schedules, or a
/// schedule and an API call) would.
const OPENS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_opens_of_a_fresh_sqlite_file_at_once_all_succeed() {
    for round in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir, "fresh.sqlite");
        // Polled together (each open's SQLite work runs on its connections' own threads).
        let opens = (0..OPENS).map(|_| store::connect(&url));
        for (i, open) in futures::future::join_all(opens)
            .await
            .into_iter()
            .enumerate()
        {
            if let Err(e) = open {
                panic!("round {round}, open {i}: {e}");
            }
        }
        // Migrated once: the store works.
        let s = store::connect(&url).await.unwrap();
        s.commit_window(&scope(), &Records::default(), t(1), t(1))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_opens_of_a_fresh_postgres_schema_at_once_all_succeed() {
    let schema = PgSchema::create("f").await;
    let opens = (0..OPENS).map(|_| store::connect_with(&schema.url, 1));
    let results = futures::future::join_all(opens).await;
    let s = store::connect(&schema.url).await.unwrap();
    s.commit_window(&scope(), &Records::default(), t(1), t(1))
        .await
        .unwrap();
    for (i, r) in results.into_iter().enumerate() {
        if let Err(e) = r {
            panic!("open {i}: {e}");
        }
    }
}

// ------------------------------------------------------------------ fault 6 (PostgreSQL)

/// A table another session holds locked: the window fails with a database error after the
/// lock timeout (seconds), instead of hanging the run until the Lambda deadline; once the
/// lock is gone the next window commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_locked_by_another_session_fails_the_window_instead_of_hanging() {
    let schema = PgSchema::create("f").await;
    let store = store::connect(&schema.url).await.unwrap();
    let mut locker = lock_watermarks(&schema.url).await;

    // Far less than a Lambda's 15 minutes, more than the documented lock timeout.
    let waited = std::time::Instant::now();
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(40),
        store.commit_window(&scope(), &Records::default(), t(1), t(1)),
    )
    .await;
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();
    let result = outcome.unwrap_or_else(|_| {
        panic!(
            "the window still waited for the lock after {:?}",
            waited.elapsed()
        )
    });
    let err = result.unwrap_err();
    assert!(err.to_string().contains("lock timeout"), "{err}");

    store
        .commit_window(&scope(), &Records::default(), t(2), t(2))
        .await
        .unwrap();
    assert_eq!(store.watermark(&scope()).await.unwrap(), Some(t(2)));
}

/// A seller's window waiting for a lock in one store (schema) does not hold up the same
/// seller's window in another store of the same database: the seller lock is per store.
/// (It was database-wide: two tests' stores once failed each other in CI this way.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sellers_window_waiting_in_one_schema_does_not_hold_up_another_schema() {
    let (held, free) = (PgSchema::create("f").await, PgSchema::create("f").await);
    // The held store waits for locks far longer than the other store's lock timeout.
    let patient = format!("{}&options[lock_timeout]=60s", held.url);
    let held_store = store::connect(&patient).await.unwrap();
    let free_store = store::connect(&free.url).await.unwrap();
    let mut locker = lock_watermarks(&held.url).await;
    // The held store's window takes its seller lock, then waits for the table.
    let waiting = tokio::spawn(async move {
        held_store
            .commit_window(&scope(), &Records::default(), t(1), t(1))
            .await
    });
    let mut watcher = PgConnection::connect(&free.url).await.unwrap();
    let blocked_sql = format!(
        "SELECT count(*) FROM pg_locks \
         WHERE relation = '{}.watermarks'::regclass AND NOT granted",
        held.name
    );
    loop {
        let (blocked,): (i64,) = sqlx::query_as(AssertSqlSafe(blocked_sql.clone()))
            .fetch_one(&mut watcher)
            .await
            .unwrap();
        if blocked > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }

    // The same seller in the other store: committed while the held window still waits,
    // not refused by a lock timeout.
    let result = free_store
        .commit_window(&scope(), &Records::default(), t(1), t(1))
        .await;
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();
    let waited = waiting.await.unwrap();
    result.unwrap();
    assert_eq!(free_store.watermark(&scope()).await.unwrap(), Some(t(1)));
    waited.unwrap();
}

// ------------------------------------------------------------------ group commit (SQLite)

/// Windows of eight sellers, written at once: polled together, they queue behind the
/// first and share its transaction (shared/src/store/group.rs).
async fn eight_windows_at_once(
    store: &dyn store::Store,
) -> Vec<(String, Result<store::WriteStats, store::StoreError>)> {
    let scopes: Vec<Scope> = (0..8)
        .map(|n| Scope {
            seller_id: if n == 5 {
                "bad".into()
            } else {
                format!("s-{n}")
            },
            ..scope()
        })
        .collect();
    let records = Records::default();
    let writes = scopes
        .iter()
        .map(|s| store.commit_window(s, &records, t(1), t(1)));
    let results = futures::future::join_all(writes).await;
    scopes
        .into_iter()
        .map(|s| s.seller_id)
        .zip(results)
        .collect()
}

/// Writes [`eight_windows_at_once`]: the window of seller `bad` fails with `fault` and
/// leaves no watermark; the seven others are committed.
async fn only_the_bad_window_fails(store: &dyn store::Store, fault: &str) {
    for (seller, result) in eight_windows_at_once(store).await {
        let scope = Scope {
            seller_id: seller.clone(),
            ..scope()
        };
        let watermark = store.watermark(&scope).await.unwrap();
        if seller == "bad" {
            let err = result.unwrap_err();
            assert!(err.to_string().contains(fault), "{err}");
            assert_eq!(watermark, None);
        } else {
            result.unwrap_or_else(|e| panic!("{seller}: {e}"));
            assert_eq!(watermark, Some(t(1)), "{seller}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_that_fails_in_a_shared_commit_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir, "group.sqlite");
    let store = store::connect(&url).await.unwrap();
    let mut side = SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON watermarks \
           WHEN NEW.seller_id = 'bad' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
    )
    .execute(&mut side)
    .await
    .unwrap();

    only_the_bad_window_fails(store.as_ref(), "injected fault").await;
}

/// A failure only the commit sees (a deferred foreign key, as a full disk or an I/O error
/// during COMMIT would be) loses the whole batch: each window is then written again, alone,
/// so that only the window at fault fails and the others are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_commit_that_fails_fails_only_the_window_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir, "group.sqlite");
    let store = store::connect(&url).await.unwrap();
    let mut side = SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE nowhere (id TEXT PRIMARY KEY); \
         CREATE TABLE checked_at_commit (id TEXT \
           REFERENCES nowhere (id) DEFERRABLE INITIALLY DEFERRED); \
         CREATE TRIGGER injected_fault AFTER INSERT ON watermarks \
           WHEN NEW.seller_id = 'bad' BEGIN INSERT INTO checked_at_commit VALUES ('x'); END;",
    )
    .execute(&mut side)
    .await
    .unwrap();

    only_the_bad_window_fails(store.as_ref(), "FOREIGN KEY").await;

    // The writer is not left inside the failed transaction: the next window commits.
    sqlx::query("DROP TRIGGER injected_fault")
        .execute(&mut side)
        .await
        .unwrap();
    store
        .commit_window(&scope(), &Records::default(), t(2), t(2))
        .await
        .unwrap();
    assert_eq!(store.watermark(&scope()).await.unwrap(), Some(t(2)));
}
