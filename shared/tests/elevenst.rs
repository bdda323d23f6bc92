//! 11st connector against its simulator over HTTP: EUC-KR XML with names EUC-KR cannot
//! hold (character references on the wire) stored byte for byte, typed refusals, and
//! every list polled in one cycle.

use chrono::Duration;
use sellerbox::ErrorKind;
use sellerbox::collect::{Collector, Range, Target};
use sellerbox::http::{Http, Meter, RetryPolicy, TokenCache};
use sellerbox::markets::elevenst::{CLAIM_ENDPOINTS, ORDER_ENDPOINTS};
use sellerbox::markets::{ConnectCtx, Connector, spec};
use sellerbox::model::{Kind, Market, Window};
use sellerbox::store::{self, Outcome};
use sim::elevenst::data;
use sim::{RunningSim, SimClock, SimConfig};
use sqlx::SqlitePool;
use std::collections::BTreeSet;
use std::sync::Arc;

async fn start() -> RunningSim {
    sim::start(
        &sim::elevenst::SIM,
        SimConfig {
            sellers: 1,
            rps: Some(1000.0),
            orders_per_day: 40,
            inquiries_per_day: 6,
            clock: SimClock::frozen_now(),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn http() -> Http {
    let http = Http::new(RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..RetryPolicy::default()
    })
    .unwrap();
    http.limiter().override_rate(Some(1000.0));
    http
}

fn connector(s: &RunningSim, credentials: serde_json::Value, meter: &Meter) -> Box<dyn Connector> {
    let c = &s.credentials[0];
    (spec(Market::Elevenst).unwrap().connect)(ConnectCtx {
        http: http(),
        tokens: TokenCache::default(),
        meter: meter.clone(),
        seller_id: c["seller_id"].as_str().unwrap().to_string(),
        credentials,
        base_url: c["base_url"].as_str().map(str::to_string),
        options: serde_json::json!({}),
    })
    .unwrap()
}

fn week(s: &RunningSim) -> Window {
    let now = s.clock().now();
    Window::new(now - Duration::days(7), now)
}

#[tokio::test]
async fn one_cycle_asks_every_list_once_and_reads_orders_and_claims() {
    let s = start().await;
    let meter = Meter::default();
    let c = connector(&s, s.credentials[0]["credentials"].clone(), &meter);
    let recs = c.fetch(Kind::Orders, week(&s)).await.unwrap();
    assert_eq!(
        meter.snapshot().requests as usize,
        ORDER_ENDPOINTS.len() + CLAIM_ENDPOINTS.len()
    );
    assert!(!recs.orders.is_empty() && !recs.claims.is_empty());
    assert!(recs.rejected.is_empty(), "{:?}", recs.rejected);
    let want = s
        .truth("11st-10000", "orders", week(&s).from, week(&s).to)
        .unwrap()
        .ids;
    let got: Vec<String> = recs.orders.iter().map(|o| o.order_id.clone()).collect();
    assert_eq!(
        got.iter().collect::<BTreeSet<_>>(),
        want.iter().collect::<BTreeSet<_>>()
    );
}

#[tokio::test]
async fn names_outside_euc_kr_are_stored_byte_for_byte() {
    let s = start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("e.sqlite").display());
    let store = store::connect(&url).await.unwrap();
    let clock = s.clock().clone();
    let collector = Collector::new(http(), store, Arc::new(move || clock.now()));
    let c = &s.credentials[0];
    let target = Target::from_entry(c).expect("a simulator's credentials entry");
    let run = collector
        .run(&target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(run.outcome, Outcome::Complete, "{run:?}");
    let pool = SqlitePool::connect(&url).await.unwrap();
    let items: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT product_name, option_name FROM order_items WHERE market = '11st'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(!items.is_empty());
    let products: BTreeSet<String> = (0..sim::names::PRODUCTS.len())
        .map(data::product_name)
        .collect();
    let options: BTreeSet<String> = (0..sim::names::PRODUCTS.len())
        .map(data::option_name)
        .collect();
    for (name, option) in &items {
        assert!(
            products.contains(name),
            "{name:?} is not a name the seller lists"
        );
        assert!(options.contains(option.as_ref().unwrap()), "{option:?}");
    }
    // Characters EUC-KR has no code for, sent as character references, stored as sent.
    let stored: String = items
        .iter()
        .map(|(n, o)| format!("{n}|{}", o.as_deref().unwrap_or("")))
        .collect();
    for ch in ["🍎", "𠮷", "é", "✨", "똠"]
        .iter()
        .filter(|c| products.iter().chain(&options).any(|n| n.contains(**c)))
    {
        assert!(stored.contains(ch), "{ch} lost");
    }
    assert!(stored.contains("🍎") && stored.contains("é"));
    assert!(
        !stored.contains("&#"),
        "a character reference stored unresolved"
    );
    let raws: Vec<(String,)> = sqlx::query_as("SELECT raw FROM orders WHERE market = '11st'")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        raws.iter().any(|(r,)| r.contains("𠮷")),
        "no receiver name outside EUC-KR in the raw records"
    );
}

#[tokio::test]
async fn a_wrong_key_is_credentials_rejected_and_a_long_window_rejected() {
    let s = start().await;
    let meter = Meter::default();
    let wrong = serde_json::json!({ "api_key": "00000000000000000000000000000000" });
    let err = connector(&s, wrong, &meter)
        .fetch(Kind::Orders, week(&s))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialsRejected, "{err}");
    assert!(!err.to_string().contains("0000000000"));
    let c = connector(&s, s.credentials[0]["credentials"].clone(), &meter);
    let now = s.clock().now();
    let err = c
        .fetch(Kind::Orders, Window::new(now - Duration::days(8), now))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected, "{err}");
    assert!(err.to_string().contains("-3"), "{err}");
    let err = c
        .fetch(Kind::Inquiries, Window::new(now - Duration::days(14), now))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected, "{err}");
    c.verify().await.unwrap();
}

#[tokio::test]
async fn settlements_and_every_inquiry_channel_are_read() {
    let s = start().await;
    let meter = Meter::default();
    let c = connector(&s, s.credentials[0]["credentials"].clone(), &meter);
    let now = s.clock().now();
    let recs = c
        .fetch(
            Kind::Settlements,
            Window::new(now - Duration::days(14), now),
        )
        .await
        .unwrap();
    assert!(!recs.settlements.is_empty());
    for l in &recs.settlements {
        assert_eq!(
            l.sale_krw - l.fee_krw,
            l.settlement_krw,
            "{}",
            l.settlement_id
        );
    }
    let recs = c
        .fetch(Kind::Inquiries, Window::new(now - Duration::days(6), now))
        .await
        .unwrap();
    let channels: BTreeSet<&str> = recs
        .inquiries
        .iter()
        .map(|q| q.inquiry_id.split('-').next().unwrap())
        .collect();
    assert_eq!(
        channels,
        ["alimi", "nondelivery", "qna"]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    assert!(
        recs.inquiries.iter().any(|q| q.answered) && recs.inquiries.iter().any(|q| !q.answered)
    );
}
