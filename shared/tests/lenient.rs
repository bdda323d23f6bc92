//! The connectors read what marketplaces send, not only what their documents show: the
//! same sellers collected from a plain simulator and from one in quirks mode (same seed,
//! same clock: the same world, spelled differently) end as the same rows, table by table,
//! with no failed run. Only the raw JSON differs, as it should.

use chrono::{DateTime, Duration, Utc};
use sellerbox::collect::{Collector, Range, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::markets;
use sellerbox::model::Market;
use sellerbox::store::{self, Outcome};
use sim::{RunningSim, SimClock, SimConfig, SimSpec};
use sqlx::SqlitePool;
use std::sync::Arc;

/// One simulator and the SQLite store its sellers are collected into.
struct Side {
    dir: tempfile::TempDir,
    sim: RunningSim,
    collector: Collector,
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-02T01:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

async fn side(market: &'static SimSpec, quirks: bool) -> Side {
    let dir = tempfile::tempdir().unwrap();
    let store = store::connect(&db_url(&dir)).await.unwrap();
    let clock = SimClock::frozen_at(at());
    let sim = sim::start(
        market,
        SimConfig {
            sellers: 2,
            seed: 2024,
            rps: Some(1000.0),
            orders_per_day: 40,
            inquiries_per_day: 8,
            clock: clock.clone(),
            quirks,
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
    Side {
        dir,
        sim,
        collector,
    }
}

fn db_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}?mode=rwc", dir.path().join("s.sqlite").display())
}

fn market_of(m: &SimSpec) -> Market {
    m.id.parse().unwrap()
}

impl Side {
    /// Every seller, every kind the market offers by API, from the watermark; every run
    /// must complete.
    async fn cycle(&self) {
        let market = market_of(self.sim.market);
        for c in &self.sim.credentials {
            let target = Target::from_entry(c).expect("a simulator's credentials entry");
            for plan in markets::spec(market).unwrap().plans {
                let run = self
                    .collector
                    .run(&target, plan.kind, Range::Auto, None)
                    .await;
                assert_eq!(
                    run.outcome,
                    Outcome::Complete,
                    "quirks={} {run:?}",
                    self.sim.state.quirks()
                );
            }
        }
    }

    async fn pool(&self) -> SqlitePool {
        SqlitePool::connect(&db_url(&self.dir)).await.unwrap()
    }
}

/// The normalized columns of every table (never `raw`, `content_hash` or our own
/// bookkeeping times), one JSON array per row, in key order.
const TABLES: &[(&str, &str)] = &[
    (
        "orders",
        "SELECT json_array(market, seller_id, order_id, ordered_at, paid_at, total_krw,
                shipping_fee_krw) FROM orders ORDER BY market, seller_id, order_id",
    ),
    (
        "order_items",
        "SELECT json_array(market, seller_id, order_id, item_id, product_id, product_name,
                option_name, quantity, unit_price_krw, amount_krw, flow_status, flow_raw_status,
                claim_status, claim_raw_status, claim_id, status, status_unknown,
                status_changed_at)
         FROM order_items ORDER BY market, seller_id, order_id, item_id",
    ),
    (
        "order_status_history",
        "SELECT json_array(market, seller_id, order_id, item_id, from_status, to_status,
                raw_status, observed_at, market_changed_at)
         FROM order_status_history
         ORDER BY market, seller_id, order_id, item_id, observed_at, to_status",
    ),
    (
        "claims",
        "SELECT json_array(market, seller_id, claim_id, claim_type, order_id, item_ids, status,
                raw_status, requested_at) FROM claims ORDER BY market, seller_id, claim_id",
    ),
    (
        "settlements",
        "SELECT json_array(market, seller_id, settlement_id, order_id, item_id, line_type,
                basis_date, payout_date, sale_krw, fee_krw, settlement_krw)
         FROM settlements ORDER BY market, seller_id, settlement_id",
    ),
    (
        "inquiries",
        "SELECT json_array(market, seller_id, inquiry_id, channel, product_id, order_id, title,
                content, asked_at, answered, answered_at, answer)
         FROM inquiries ORDER BY market, seller_id, inquiry_id",
    ),
];

async fn rows(pool: &SqlitePool, sql: &'static str) -> Vec<String> {
    sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
}

async fn count(pool: &SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Both sides collected twice (a first cycle, then another after statuses moved); their
/// tables compared. Returns the quirks side's raw order JSON, for market-specific checks.
async fn same_tables(market: &'static SimSpec) -> Vec<String> {
    let plain = side(market, false).await;
    let quirky = side(market, true).await;
    assert!(quirky.sim.state.quirks() && !plain.sim.state.quirks());
    for round in 0..2 {
        if round > 0 {
            // Later cycles see status changes (and write history) on both sides alike.
            for s in [&plain, &quirky] {
                s.sim.clock().advance(Duration::hours(30));
            }
        }
        plain.cycle().await;
        quirky.cycle().await;
    }
    let (p, q) = (plain.pool().await, quirky.pool().await);
    for (table, sql) in TABLES {
        let (a, b) = (rows(&p, sql).await, rows(&q, sql).await);
        // Naver's claims come through the order feed, folded into the items' status; a
        // market without an inquiry API stores none.
        let no_inquiries = markets::spec(market_of(market))
            .unwrap()
            .plan(sellerbox::model::Kind::Inquiries)
            .is_none();
        let none_expected =
            (market.id == "naver" && *table == "claims") || (no_inquiries && *table == "inquiries");
        assert!(
            none_expected || !a.is_empty(),
            "{market:?}: the plain side stored no {table}"
        );
        assert_eq!(a.len(), b.len(), "{market:?} {table}: row counts");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x, y, "{market:?} {table}");
        }
    }
    for pool in [&p, &q] {
        let failed = count(
            pool,
            "SELECT COUNT(*) FROM collection_runs WHERE outcome <> 'complete'",
        )
        .await;
        assert_eq!(failed, 0, "{market:?}: failed or partial runs");
        let kept = count(pool, "SELECT COUNT(*) FROM raw_pages").await;
        assert_eq!(kept, 0, "{market:?}: pages kept as unreadable");
    }
    // The quirks really were there: the same orders, sent differently.
    let raw = "SELECT raw FROM orders ORDER BY market, seller_id, order_id";
    let (a, b) = (rows(&p, raw).await, rows(&q, raw).await);
    let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(
        differ * 2 > a.len(),
        "{differ} of {} orders differ",
        a.len()
    );
    b
}

#[tokio::test]
async fn coupang_quirks_store_the_same_rows_as_plain_answers() {
    let raw = same_tables(&sim::coupang::SIM).await.join("\n");
    // A few of the spellings that reached the connector.
    for quirk in [
        r#""shipmentBoxId":""#,
        r#""salesPrice":""#,
        r#""shippingCount":""#,
        r#""promotionInfo":"#,
    ] {
        assert!(
            raw.contains(quirk),
            "no {quirk} in the quirks side's raw orders"
        );
    }
    // Times with a space instead of `T`: `"orderedAt":"2025-06-01 10:00:00"`.
    assert!(
        raw.split(r#""orderedAt":""#)
            .skip(1)
            .any(|s| s.as_bytes().get(10) == Some(&b' ')),
        "no space-separated time"
    );
}

#[tokio::test]
async fn naver_quirks_store_the_same_rows_as_plain_answers() {
    let raw = same_tables(&sim::naver::SIM).await.join("\n");
    for quirk in [
        r#""productOrderId":1"#,
        r#""unitPrice":""#,
        r#""quantity":""#,
        r#"Z""#,
    ] {
        assert!(
            raw.contains(quirk),
            "no {quirk} in the quirks side's raw orders"
        );
    }
}

#[tokio::test]
async fn ssg_quirks_store_the_same_rows_as_plain_answers() {
    let raw = same_tables(&sim::ssg::SIM).await.join("\n");
    for quirk in [r#""ordNo":1"#, r#""sellprc":""#, r#""ordQty":""#] {
        assert!(
            raw.contains(quirk),
            "no {quirk} in the quirks side's raw orders"
        );
    }
    // Compact times: `"ordRcpDts":"20250601100000"`.
    assert!(
        raw.split(r#""ordRcpDts":""#)
            .skip(1)
            .any(|s| s.as_bytes().get(8).is_some_and(u8::is_ascii_digit)),
        "no compact time"
    );
}

#[tokio::test]
async fn lotteon_quirks_store_the_same_rows_as_plain_answers() {
    let raw = same_tables(&sim::lotteon::SIM).await.join("\n");
    for quirk in [r#""odSeq":""#, r#""slAmt":""#, r#""odQty":""#] {
        assert!(
            raw.contains(quirk),
            "no {quirk} in the quirks side's raw orders"
        );
    }
    // `yyyyMMddHHmmss` re-spelled with a space: `"odAcptDttm":"2025-06-01 10:00:00"`.
    assert!(
        raw.split(r#""odAcptDttm":""#)
            .skip(1)
            .any(|s| s.as_bytes().get(10) == Some(&b' ')),
        "no space-separated time"
    );
}

#[tokio::test]
async fn elevenst_quirks_store_the_same_rows_as_plain_answers() {
    let raw = same_tables(&sim::elevenst::SIM).await.join("\n");
    // Every XML value is text: the quirks are the texts 11st may write for the same value.
    assert!(
        raw.split(r#""selPrc":""#)
            .skip(1)
            .any(|s| s.split('"').next().is_some_and(|v| v.contains(','))),
        "no amount with a thousands separator"
    );
    assert!(
        raw.split(r#""ordDt":""#)
            .skip(1)
            .any(|s| s.as_bytes().get(8).is_some_and(u8::is_ascii_digit)),
        "no compact yyyyMMddHHmmss time"
    );
    assert!(
        raw.contains(r#""promotionInfo":{"#),
        "no undocumented nested element"
    );
}

#[tokio::test]
async fn gmarket_quirks_store_the_same_rows_as_plain_answers() {
    let raw = same_tables(&sim::esm::GMARKET).await.join("\n");
    for quirk in [r#""OrderNo":""#, r#""SalePrice":""#, r#""ContrAmount":""#] {
        assert!(
            raw.contains(quirk),
            "no {quirk} in the quirks side's raw orders"
        );
    }
}

#[tokio::test]
async fn auction_quirks_store_the_same_rows_as_plain_answers() {
    let raw = same_tables(&sim::esm::AUCTION).await.join("\n");
    // Times with `T` instead of a space: `"OrderDate":"2025-06-01T10:00:00"`.
    assert!(
        raw.split(r#""OrderDate":""#)
            .skip(1)
            .any(|s| s.as_bytes().get(10) == Some(&b'T')),
        "no T-separated time"
    );
}
