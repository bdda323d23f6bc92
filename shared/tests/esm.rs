//! Gmarket and Auction: what the per-seller pace (one order call per 5 s) buys. The
//! connector reads 결제완료 and 입금확인중 from the watermark on and re-reads statuses
//! 2-5 over 7 days; here ten-minute cycles over simulated hours must keep every order of
//! the last 7 days exactly as current as a full 7-day re-read would, and the order calls
//! each cycle spends are counted by the simulator.

use chrono::Duration;
use sellerbox::collect::{Collector, Range, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::Kind;
use sellerbox::store::{self, Outcome};
use sim::{RunningSim, SimClock, SimConfig, SimSpec};
use sqlx::SqlitePool;
use std::collections::BTreeMap;
use std::sync::Arc;

const T0: &str = "2025-03-10T03:00:00Z";

struct Side {
    _dir: tempfile::TempDir,
    url: String,
    collector: Collector,
}

async fn side(clock: &SimClock) -> Side {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("s.sqlite").display());
    let store = store::connect(&url).await.unwrap();
    let http = Http::new(RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..RetryPolicy::default()
    })
    .unwrap();
    // Counting calls, not pacing them: the simulator's buckets are opened as wide.
    http.limiter().override_rate(Some(1000.0));
    let c = clock.clone();
    Side {
        _dir: dir,
        url,
        collector: Collector::new(http, store, Arc::new(move || c.now())),
    }
}

fn target(sim: &RunningSim) -> Target {
    let c = &sim.credentials[0];
    Target::from_entry(c).expect("a simulator's credentials entry")
}

async fn order_calls(sim: &RunningSim, seller: &str) -> u64 {
    let v: serde_json::Value = reqwest::get(format!(
        "{}/_sim/esm/order-calls?seller={seller}",
        sim.base_url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    v["order_calls"].as_u64().unwrap()
}

/// (order, item) -> (effective status, flow raw status) of every stored item.
async fn statuses(url: &str) -> BTreeMap<(String, String), (String, String)> {
    let pool = SqlitePool::connect(url).await.unwrap();
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT order_id, item_id, status, flow_raw_status FROM order_items")
            .fetch_all(&pool)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(o, i, s, raw)| ((o, i), (s, raw)))
        .collect()
}

async fn cycles(spec: &'static SimSpec, orders_per_day: u32, hours: i64) -> Vec<u64> {
    let clock = SimClock::frozen_at(T0.parse().unwrap());
    let sim = sim::start(
        spec,
        SimConfig {
            sellers: 1,
            seed: 11,
            rps: Some(1000.0),
            orders_per_day,
            inquiries_per_day: 1,
            clock: clock.clone(),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let t = target(&sim);
    let cycled = side(&clock).await;
    let first = cycled
        .collector
        .run(&t, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(first.outcome, Outcome::Complete, "{first:?}");
    let mut per_cycle = Vec::new();
    for _ in 0..hours * 6 {
        clock.advance(Duration::minutes(10));
        let before = order_calls(&sim, &t.seller_id).await;
        let s = cycled
            .collector
            .run(&t, Kind::Orders, Range::Auto, None)
            .await;
        assert_eq!(s.outcome, Outcome::Complete, "{s:?}");
        per_cycle.push(order_calls(&sim, &t.seller_id).await - before);
    }
    // A full 7-day re-read of every status, into a store of its own, now.
    let fresh = side(&clock).await;
    let s = fresh
        .collector
        .run(&t, Kind::Orders, Range::Since(Duration::days(7)), None)
        .await;
    assert_eq!(s.outcome, Outcome::Complete, "{s:?}");
    // Every item of the last 7 days, as the full re-read stores it.
    let want = statuses(&fresh.url).await;
    let got = statuses(&cycled.url).await;
    assert!(!want.is_empty());
    let differ: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(*v))
        .take(5)
        .collect();
    assert!(
        differ.is_empty(),
        "{}: after {} ten-minute cycles, items whose stored status is not what a full \
         re-read shows: {differ:?}",
        spec.id,
        per_cycle.len()
    );
    per_cycle
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_minute_cycles_keep_a_week_of_statuses_current_within_the_order_budget() {
    for spec in [&sim::esm::GMARKET, &sim::esm::AUCTION] {
        for orders_per_day in [30, 300] {
            let calls = cycles(spec, orders_per_day, 8).await;
            let max = *calls.iter().max().unwrap();
            let mean = calls.iter().sum::<u64>() as f64 / calls.len() as f64;
            println!(
                "{}: {orders_per_day} orders/day: order calls per 10-minute cycle: mean {mean:.1}, max {max}",
                spec.id
            );
            // Statuses 1, 2, 3, 4, 5 and 입금확인중: one call each at least.
            assert!(calls.iter().all(|c| *c >= 6), "{calls:?}");
            // 120 calls fit in 10 minutes at one per 5 s.
            assert!(max <= 120, "{}: {calls:?}", spec.id);
        }
    }
}
