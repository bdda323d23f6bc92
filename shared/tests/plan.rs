//! The capacity plan reads measured requests from the runs table: a database with a few
//! run rows (a backfill, scheduled runs, a failed one, another market) gives the plan the
//! mean of the scheduled complete runs, on SQLite and on PostgreSQL.

#[path = "support/pg_schema.rs"]
mod pg_schema;

use chrono::{DateTime, Duration, Utc};
use pg_schema::PgSchema;
use sellerbox::markets::spec;
use sellerbox::model::{Kind, Market, Window};
use sellerbox::plan::{self, Containers, Prices, Source};
use sellerbox::store::{self, Outcome, RunRecord, Store, WriteStats};

fn run(
    market: Market,
    kind: Kind,
    window: Duration,
    secs: i64,
    requests: u64,
    outcome: Outcome,
) -> RunRecord {
    let finished: DateTime<Utc> = Utc::now() - Duration::hours(1);
    RunRecord {
        run_id: uuid::Uuid::new_v4().to_string(),
        market,
        seller_id: "seller-1".into(),
        kind,
        window: Window::new(finished - window, finished),
        started_at: finished - Duration::seconds(secs),
        finished_at: finished,
        requests,
        pages: requests,
        throttled: 0,
        retries: 0,
        stats: WriteStats::default(),
        outcome,
        error_kind: None,
        error_message: None,
    }
}

async fn plan_reads_measured_requests(store: &dyn Store) {
    let forty_min = Duration::minutes(40);
    for r in [
        // A first run's 7-day backfill: not a cycle's cost.
        run(
            Market::Naver,
            Kind::Orders,
            Duration::days(7),
            120,
            900,
            Outcome::Complete,
        ),
        // Scheduled order runs: 6 and 10 requests, 2 s and 4 s.
        run(
            Market::Naver,
            Kind::Orders,
            forty_min,
            2,
            6,
            Outcome::Complete,
        ),
        run(
            Market::Naver,
            Kind::Orders,
            forty_min,
            4,
            10,
            Outcome::Complete,
        ),
        // A failed run says nothing about a complete cycle's cost.
        run(
            Market::Naver,
            Kind::Orders,
            forty_min,
            1,
            1,
            Outcome::Failed,
        ),
        // Another market's runs are its own.
        run(
            Market::Coupang,
            Kind::Orders,
            Duration::days(7),
            3,
            50,
            Outcome::Complete,
        ),
    ] {
        store.record_run(&r).await.unwrap();
    }
    let runs = store
        .run_costs(None, Utc::now() - Duration::days(7))
        .await
        .unwrap();
    assert_eq!(runs.len(), 4, "complete runs only: {runs:?}");
    // A schedule's planner reads its own market's runs only.
    let coupang = store
        .run_costs(Some(Market::Coupang), Utc::now() - Duration::days(7))
        .await
        .unwrap();
    assert_eq!(coupang.len(), 1, "{coupang:?}");
    assert_eq!(coupang[0].market, Market::Coupang);

    let naver = spec(Market::Naver).unwrap();
    let orders = naver.plan(Kind::Orders).unwrap();
    let d = plan::measured(&runs, Market::Naver, orders).unwrap();
    assert_eq!(d.source, Source::Measured);
    assert_eq!((d.requests, d.run_seconds, d.runs), (8.0, Some(3.0), 2));

    // The plan carries it: 1,000 sellers x 8 requests, half on each of two 10/s buckets.
    let m = plan::plan_market(
        naver,
        1_000,
        |p| plan::demand(&runs, naver, p),
        &Containers::default(),
        &Prices::default(),
    );
    let k = m.kinds.iter().find(|k| k.kind == Kind::Orders).unwrap();
    assert_eq!(k.requests_source, Source::Measured);
    assert_eq!(k.requests_per_seller, 8.0);
    let load = k.busiest_key.as_ref().unwrap().load;
    assert!((load - 4_000.0 / 5_900.0).abs() < 1e-9, "{load}");
    // Kinds without runs fall back to the estimate, and say so.
    let s = m
        .kinds
        .iter()
        .find(|k| k.kind == Kind::Settlements)
        .unwrap();
    assert_eq!(s.requests_source, Source::Estimate);

    // Runs older than the asked range are left out.
    let none = store.run_costs(None, Utc::now()).await.unwrap();
    assert!(none.is_empty(), "{none:?}");
}

#[tokio::test]
async fn plan_reads_measured_requests_from_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("plan.db").display());
    let store = store::connect(&url).await.unwrap();
    plan_reads_measured_requests(store.as_ref()).await;
}

#[tokio::test]
async fn plan_reads_measured_requests_from_postgres() {
    let schema = PgSchema::create("plan").await;
    let store = store::connect(&schema.url).await.unwrap();
    plan_reads_measured_requests(store.as_ref()).await;
}
