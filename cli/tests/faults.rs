//! The fault suite: `sellerbox collect` (the built binary) against each market's simulator
//! with one fault at a time: 5xx storms, latency, throttle bursts, truncated bodies, token
//! expiry, kill -9 mid-run, terminated PostgreSQL connections, a locked SQLite file, a
//! commit SQLite rolled back itself, two collectors at once. After each, the database is
//! checked against a clean collection of the same simulator state (frozen clock, one fixed
//! range): no watermark ahead of committed data, then, once a re-run without faults has
//! run, every table equal (0 rows lost, duplicated or spurious, status history included)
//! and the run after that changing nothing.
//!
//! PostgreSQL scenarios need `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test).
//! Run just this suite: `cargo test -p sellerbox-cli --test faults`.

#[path = "faults/compare.rs"]
mod compare;
#[path = "faults/rig.rs"]
mod rig;

use chrono::{DateTime, Utc};
use rig::{Backend, Case, Db, Pool, finish, wait_for_progress};
use sim::faults::FaultRates;
use sqlx::Connection;

/// The markets the suite runs: `SELLERBOX_FAULT_MARKETS` (comma-separated ids, `all` for
/// every simulator), by default Coupang and Naver. The faults here are the runner's and the
/// store's, the same whatever the market; the two cover both limit scopes (per seller, per
/// application) and both token kinds (signed requests, expiring OAuth2 tokens). Each
/// market's own fault answers (throttles, cut-off pages, wrong keys) are in the
/// conformance suite every registered market runs.
fn markets() -> impl Iterator<Item = &'static sim::SimSpec> {
    let wanted =
        std::env::var("SELLERBOX_FAULT_MARKETS").unwrap_or_else(|_| "coupang,naver".into());
    let all = wanted.trim() == "all";
    let ids: Vec<String> = wanted.split(',').map(|s| s.trim().to_string()).collect();
    if let Some(id) = ids.iter().find(|id| !all && sim::find(id).is_none()) {
        panic!("SELLERBOX_FAULT_MARKETS names {id:?}, which has no simulator");
    }
    sim::MARKETS
        .iter()
        .copied()
        .filter(move |m| all || ids.iter().any(|id| id == m.id))
}

/// The markets whose sellers hold expiring tokens (OAuth2): Naver.
fn token_markets() -> impl Iterator<Item = &'static sim::SimSpec> {
    sim::find("naver").into_iter()
}

/// A stored time as text: SQLite's RFC 3339, or PostgreSQL's `timestamptz` cast to text.
fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .unwrap_or_else(|e| panic!("stored time {s:?}: {e}"))
        .with_timezone(&Utc)
}

/// Every watermark: (seller, kind, time).
async fn watermarks(what: &str, pool: &Pool) -> Vec<(String, String, DateTime<Utc>)> {
    let rows = pool
        .text_rows(
            "SELECT seller_id, kind, CAST(watermark AS TEXT) FROM watermarks",
            &[],
        )
        .await;
    rows.into_iter()
        .map(|row| match &row[..] {
            [Some(seller), Some(kind), Some(at)] => (seller.clone(), kind.clone(), parse_time(at)),
            _ => panic!("{what}: a watermark row with NULLs: {row:?}"),
        })
        .collect()
}

/// Watermarks never ahead of committed data: for each watermark the faulted collection
/// left, everything a clean collection of the range up to it stores for that seller and
/// kind is in the faulted database, by key. (A kind collected in whole days may put its
/// watermark past the range's end, up to the run's now: it asked for the whole day.)
async fn assert_watermarks_behind_data(case: &Case, what: &str, clean: &Pool, faulted: &Pool) {
    for (seller, kind, at) in watermarks(what, faulted).await {
        assert!(
            at <= Utc::now(),
            "{what}: {seller} {kind}: watermark {at} is in the future"
        );
        if at <= case.from {
            continue; // claims nothing
        }
        let missing = if at >= case.to {
            compare::missing_keys(clean, faulted, &seller, &kind).await
        } else {
            let covered = case.db().await;
            case.run(case.collect_to(&covered, Some((&seller, &kind)), at))
                .await
                .assert_complete(&format!("{what}: a clean collection up to {at}"));
            compare::missing_keys(&covered.pool().await, faulted, &seller, &kind).await
        };
        assert!(
            missing.is_empty(),
            "{what}: {seller} {kind}: the watermark says {at}, but rows up to it are \
             missing: {missing:?}"
        );
    }
}

/// What every scenario ends with, once its fault is gone: the watermarks it left checked,
/// a re-run, a run that changes nothing, and every table equal to the clean collection's.
async fn converges(case: &Case, what: &str, clean: &Db, faulted: &Db) {
    case.sim.faults().set_rates(FaultRates::default());
    let (clean, pool) = (clean.pool().await, faulted.pool().await);
    assert_watermarks_behind_data(case, what, &clean, &pool).await;
    case.run(case.collect(faulted))
        .await
        .assert_complete(&format!("{what}: the re-run without faults"));
    case.run(case.collect(faulted))
        .await
        .assert_changed_nothing(&format!("{what}: the run after the re-run"));
    compare::assert_same(what, &clean, &pool).await;
    for (seller, kind, at) in watermarks(what, &pool).await {
        assert!(
            case.to <= at && at <= Utc::now(),
            "{what}: {seller} {kind}: after the re-run the watermark is {at}, not from the \
             range's end {} to now",
            case.to
        );
    }
}

fn label(case: &Case, fault: &str) -> String {
    format!("{} on {:?}, {fault}", case.market.id, case.backend)
}

/// Faults the simulator injects while one collection runs; `must_finish`: the collector
/// must ride them out (retries, backoff, token re-issue), otherwise a run may fail, but
/// the process must end by itself.
async fn with_sim_fault(case: Case, fault: &str, must_finish: bool, inject: impl Fn(&Case)) {
    let what = label(&case, fault);
    let clean = case.clean().await;
    let faulted = case.db().await;
    inject(&case);
    let run = case.run(case.collect(&faulted)).await;
    if must_finish {
        run.assert_complete(&what);
    } else {
        assert!(run.ended_cleanly(), "{what}: {run:?}");
    }
    converges(&case, &what, &clean, &faulted).await;
}

async fn storm_of_5xx(case: Case) {
    with_sim_fault(case, "half the answers 5xx", false, |c| {
        c.sim.faults().set_rates(FaultRates {
            server_error_rate: 0.5,
            ..FaultRates::default()
        })
    })
    .await
}

async fn latency(case: Case) {
    with_sim_fault(case, "150 ms per answer", true, |c| {
        c.sim.faults().set_rates(FaultRates {
            latency_ms: 150,
            ..FaultRates::default()
        })
    })
    .await
}

async fn throttle_burst(case: Case) {
    // Fewer than one request's throttle budget (RetryPolicy::max_throttles, 6): every run
    // must finish, however the burst falls on the requests.
    with_sim_fault(case, "a burst of 5 throttles", true, |c| {
        c.sim.faults().throttle_next(5)
    })
    .await
}

async fn truncated_bodies(case: Case) {
    with_sim_fault(case, "10% of bodies cut in half", true, |c| {
        c.sim.faults().set_rates(FaultRates {
            truncate_rate: 0.1,
            ..FaultRates::default()
        })
    })
    .await
}

async fn token_expiry(case: Case) {
    with_sim_fault(case, "20 token expiries", true, |c| {
        c.sim.faults().expire_tokens_next(20)
    })
    .await
}

/// Answers slow enough that a collection is still running when the test acts on it.
fn slow_answers(case: &Case) {
    case.sim.faults().set_rates(FaultRates {
        latency_ms: 30,
        ..FaultRates::default()
    });
}

async fn kill_9(case: Case) {
    let what = label(&case, "kill -9 after its first commit");
    let clean = case.clean().await;
    let faulted = case.db().await;
    case.migrate(&faulted).await;
    let pool = faulted.pool().await;
    slow_answers(&case);
    let mut child = case.spawn(case.collect(&faulted));
    assert!(
        wait_for_progress(&pool, &mut child, 0).await,
        "{what}: the collection ended before it could be killed"
    );
    child.start_kill().expect("SIGKILL");
    let killed = finish(child).await;
    assert_eq!(killed.status.code(), None, "{what}: not killed: {killed:?}");
    converges(&case, &what, &clean, &faulted).await;
}

async fn postgres_connections_terminated(case: Case) {
    let what = label(&case, "its connections terminated three times");
    let clean = case.clean().await;
    let faulted = case.db().await;
    let pool = faulted.pool().await;
    slow_answers(&case);
    let mut child = case.spawn(case.collect(&faulted));
    let kill = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}'",
        faulted.app
    );
    let mut seen = 0;
    for _ in 0..3 {
        if !wait_for_progress(&pool, &mut child, seen).await {
            break;
        }
        seen = pool.watermarks().await;
        pool.execute(&kill).await;
    }
    let run = finish(child).await;
    assert!(run.ended_cleanly(), "{what}: {run:?}");
    converges(&case, &what, &clean, &faulted).await;
}

async fn sqlite_locked(case: Case) {
    let what = label(&case, "another connection holding BEGIN IMMEDIATE for 2 s");
    let clean = case.clean().await;
    let faulted = case.db().await;
    case.migrate(&faulted).await;
    let pool = faulted.pool().await;
    slow_answers(&case);
    let mut child = case.spawn(case.collect(&faulted));
    let mut holder = sqlx::SqliteConnection::connect(&faulted.side_url)
        .await
        .expect("SQLite side connection");
    if wait_for_progress(&pool, &mut child, 0).await {
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut holder)
            .await
            .expect("BEGIN IMMEDIATE");
        // How long the lock is held (the fault's length, within the 10 s busy timeout),
        // not a timing assertion.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        sqlx::raw_sql("COMMIT")
            .execute(&mut holder)
            .await
            .expect("COMMIT");
    }
    finish(child).await.assert_complete(&what);
    converges(&case, &what, &clean, &faulted).await;
}

/// SQLite ends a transaction itself on some failures (an I/O error during COMMIT, a full
/// disk, `RAISE(ROLLBACK)`). A trigger raises that rollback on one seller's order
/// watermark, so every window of that run fails; the writer connection must come out
/// usable: every other run completes (issue 7, fault 1).
async fn sqlite_rolled_back_a_commit_itself(case: Case) {
    let what = label(&case, "SQLite rolling back one run's commits itself");
    let clean = case.clean().await;
    let faulted = case.db().await;
    case.migrate(&faulted).await;
    let pool = faulted.pool().await;
    let victim = case.seller_ids()[0].clone();
    pool.execute(&format!(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON watermarks \
         WHEN NEW.seller_id = '{victim}' AND NEW.kind = 'orders' \
         BEGIN SELECT RAISE(ROLLBACK, 'injected fault'); END;"
    ))
    .await;
    let run = case.run(case.collect(&faulted)).await;
    for r in &run.runs {
        let hit = r["seller_id"] == victim.as_str() && r["kind"] == "orders";
        let expected = if hit { "failed" } else { "complete" };
        assert_eq!(
            r["outcome"], expected,
            "{what}: {r}\nstderr: {}",
            run.stderr
        );
    }
    assert!(!run.runs.is_empty(), "{what}: {run:?}");
    pool.execute("DROP TRIGGER injected_fault").await;
    converges(&case, &what, &clean, &faulted).await;
}

/// Two collectors of the same sellers at once on one fresh database: both start (they
/// race on the migrations, issue 7 fault 2), both complete, and the rows are not doubled.
async fn two_collectors_at_once(case: Case) {
    let what = label(&case, "two collectors at once on a fresh database");
    let clean = case.clean().await;
    let faulted = case.db().await;
    let (a, b) = (
        case.spawn(case.collect(&faulted)),
        case.spawn(case.collect(&faulted)),
    );
    let (a, b) = tokio::join!(finish(a), finish(b));
    a.assert_complete(&format!("{what}: the first"));
    b.assert_complete(&format!("{what}: the second"));
    converges(&case, &what, &clean, &faulted).await;
}

/// One test per scenario and backend, each over the markets the scenario applies to.
macro_rules! scenarios {
    ($($test:ident: $scenario:ident on $backend:ident for $markets:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            for m in $markets {
                $scenario(Case::start(m, Backend::$backend).await).await;
            }
        }
    )*};
}

scenarios! {
    storm_of_5xx_sqlite: storm_of_5xx on Sqlite for markets();
    storm_of_5xx_postgres: storm_of_5xx on Postgres for markets();
    latency_sqlite: latency on Sqlite for markets();
    throttle_burst_sqlite: throttle_burst on Sqlite for markets();
    truncated_bodies_sqlite: truncated_bodies on Sqlite for markets();
    truncated_bodies_postgres: truncated_bodies on Postgres for markets();
    token_expiry_sqlite: token_expiry on Sqlite for token_markets();
    kill_9_sqlite: kill_9 on Sqlite for markets();
    kill_9_postgres: kill_9 on Postgres for markets();
    connections_terminated_postgres: postgres_connections_terminated on Postgres for markets();
    locked_sqlite: sqlite_locked on Sqlite for markets();
    commit_rolled_back_by_sqlite: sqlite_rolled_back_a_commit_itself on Sqlite for markets();
    two_collectors_at_once_sqlite: two_collectors_at_once on Sqlite for markets();
    two_collectors_at_once_postgres: two_collectors_at_once on Postgres for markets();
}
