//! Lotte ON against its simulator: the acknowledgement write only for sellers who opted in
//! (and once per line), and the daily call cap as a checkpoint, not a failure.

use chrono::Duration;
use sellerbox::ErrorKind;
use sellerbox::collect::{Collector, Range, RunSummary, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::{Kind, Market};
use sellerbox::store::{self, Outcome, Scope};
use serde_json::{Value, json};
use sim::{RunningSim, SimClock, SimConfig};
use sqlx::SqlitePool;
use std::sync::Arc;

struct Rig {
    _dir: tempfile::TempDir,
    sim: RunningSim,
    collector: Collector,
    pool: SqlitePool,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("l.sqlite").display());
    let store = store::connect(&url).await.unwrap();
    let pool = SqlitePool::connect(&url).await.unwrap();
    let clock = SimClock::frozen_at("2025-03-10T03:00:00Z".parse().unwrap());
    let sim = sim::start(
        &sim::lotteon::SIM,
        SimConfig {
            sellers: 2,
            seed: 11,
            rps: Some(1000.0),
            orders_per_day: 60,
            clock: clock.clone(),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let http = Http::new(RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..RetryPolicy::default()
    })
    .unwrap();
    http.limiter().override_rate(Some(1000.0));
    let collector = Collector::new(http, store, Arc::new(move || clock.now()));
    Rig {
        _dir: dir,
        sim,
        collector,
        pool,
    }
}

impl Rig {
    fn target(&self, seller: usize, options: Value) -> Target {
        Target {
            options,
            ..Target::from_entry(&self.sim.credentials[seller]).expect("a credentials entry")
        }
    }

    async fn run(&self, target: &Target, kind: Kind) -> RunSummary {
        self.collector.run(target, kind, Range::Auto, None).await
    }

    /// Every call the simulator recorded as a write (or any non-read) for the seller.
    async fn writes(&self, target: &Target) -> Vec<Value> {
        let all: Value = reqwest::get(format!("http://{}/_sim/lotteon/writes", self.sim.addr))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all[&target.seller_id]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Stored lines of the seller at a flow step.
    async fn lines_at(&self, target: &Target, step: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM order_items WHERE market = 'lotteon' AND seller_id = $1 \
             AND flow_raw_status = $2",
        )
        .bind(&target.seller_id)
        .bind(step)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    async fn daily_cap(&self, calls: Option<u64>) {
        let r = reqwest::Client::new()
            .post(format!("http://{}/_sim/lotteon/daily-cap", self.sim.addr))
            .json(&json!({ "calls": calls }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
}

#[tokio::test]
async fn no_write_request_leaves_the_connector_for_a_seller_without_the_option() {
    let r = rig().await;
    // No options, and options that do not say yes.
    for (seller, options) in [(0, json!({})), (1, json!({ "acknowledge_orders": "no" }))] {
        let t = r.target(seller, options);
        for kind in [Kind::Orders, Kind::Settlements] {
            let s = r.run(&t, kind).await;
            assert_eq!(s.outcome, Outcome::Complete, "{s:?}");
        }
        // A second cycle later: new unacknowledged lines, still nothing written.
        r.sim.clock().advance(Duration::hours(3));
        assert_eq!(r.run(&t, Kind::Orders).await.outcome, Outcome::Complete);
        assert!(
            r.lines_at(&t, "11").await > 0,
            "seller {seller}: no unacknowledged line was collected, the test proves nothing"
        );
        assert_eq!(r.writes(&t).await, Vec::<Value>::new(), "seller {seller}");
    }
}

#[tokio::test]
async fn with_the_option_new_lines_are_acknowledged_once() {
    let r = rig().await;
    let t = r.target(0, json!({ "acknowledge_orders": true }));
    let other = r.target(1, json!({}));
    let first = r.run(&t, Kind::Orders).await;
    assert_eq!(first.outcome, Outcome::Complete, "{first:?}");
    // What the first cycle read as unacknowledged is what it acknowledged, in batches.
    let new_lines = r.lines_at(&t, "11").await;
    assert!(new_lines > 0);
    let writes = r.writes(&t).await;
    assert!(!writes.is_empty());
    for w in &writes {
        assert_eq!(w["method"], "POST");
        assert_eq!(w["path"], "/v1/openapi/delivery/v1/SellerIfCompleteInform");
    }
    let sent: i64 = writes.iter().map(|w| w["lines"].as_i64().unwrap()).sum();
    assert_eq!(sent, new_lines);
    // The next cycle sees them acknowledged (상품준비) and sends nothing again.
    let second = r.run(&t, Kind::Orders).await;
    assert_eq!(second.outcome, Outcome::Complete);
    assert_eq!(r.writes(&t).await.len(), writes.len());
    assert_eq!(r.lines_at(&t, "11").await, 0);
    assert!(r.lines_at(&t, "12").await >= new_lines);
    // The other seller, without the option, wrote nothing.
    assert_eq!(r.run(&other, Kind::Orders).await.outcome, Outcome::Complete);
    assert!(r.writes(&other).await.is_empty());
}

#[tokio::test]
async fn the_daily_cap_stops_the_run_at_a_window_boundary_as_a_checkpoint() {
    let r = rig().await;
    let t = r.target(0, json!({}));
    // The identity call and two days of five listings each; the third day is refused.
    r.daily_cap(Some(1 + 5 + 5 + 2)).await;
    let s = r.run(&t, Kind::Orders).await;
    assert_eq!(s.outcome, Outcome::Partial, "{s:?}");
    assert_eq!(s.windows, 2, "{s:?}");
    assert_eq!(s.error_kind, Some(ErrorKind::RateLimited));
    assert!(s.error.as_deref().unwrap_or_default().contains("quota"));
    assert!(s.inserted > 0);
    let scope = Scope {
        market: Market::LotteOn,
        seller_id: t.seller_id.clone(),
        kind: Kind::Orders,
    };
    let stopped = r.collector.store.watermark(&scope).await.unwrap().unwrap();
    let now = r.sim.clock().now();
    // Two whole KST days after the backfill's first midnight.
    assert!(stopped < now - Duration::days(5), "{stopped} vs {now}");
    // The cap lifted (the next day), the next run resumes and completes.
    r.daily_cap(None).await;
    let next = r.run(&t, Kind::Orders).await;
    assert_eq!(next.outcome, Outcome::Complete, "{next:?}");
    assert!(r.collector.store.watermark(&scope).await.unwrap().unwrap() >= now);
}
