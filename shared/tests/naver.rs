//! Naver: status tables, normalizer on recorded pages, and the connector against the
//! simulator over HTTP.

use chrono::{DateTime, Duration, Utc};
use sellerbox::ErrorKind;
use sellerbox::error::CollectError;
use sellerbox::http::{Http, LimitKey, Meter, Reply, RetryPolicy, TokenCache, Verdict};
use sellerbox::markets::naver::{self, api, normalize};
use sellerbox::markets::{ConnectCtx, Connector};
use sellerbox::model::{InquiryChannel, Kind, Market, RawJson, Status, Window};
use serde_json::Value;
use sim::world::{Order as WorldOrder, Stage};
use sim::{RunningSim, SimConfig};
use std::collections::{HashMap, HashSet};

// --- status tables -----------------------------------------------------------------------

#[test]
fn every_product_order_status_maps() {
    use normalize::item_status as st;
    let cases = [
        ("PAYMENT_WAITING", None, Status::PaymentWaiting),
        ("PAYED", Some("NOT_YET"), Status::Paid),
        ("PAYED", None, Status::Paid),
        ("PAYED", Some("OK"), Status::Preparing),
        ("DELIVERING", Some("OK"), Status::Shipping),
        ("DELIVERED", Some("OK"), Status::Delivered),
        ("PURCHASE_DECIDED", Some("OK"), Status::PurchaseConfirmed),
        ("EXCHANGED", Some("OK"), Status::Exchanged),
        ("CANCELED", None, Status::Cancelled),
        ("RETURNED", Some("OK"), Status::Returned),
        ("CANCELED_BY_NOPAYMENT", None, Status::Cancelled),
    ];
    for (code, place, want) in cases {
        let s = st(code, place, None, None);
        assert_eq!(s.canonical, want, "{code}");
        assert_eq!(s.raw, code);
    }
}

#[test]
fn every_claim_status_maps_and_overrides_the_flow_only_when_active() {
    use normalize::item_status as st;
    let cases = [
        ("PAYED", "CANCEL", "CANCEL_REQUEST", Status::CancelRequested),
        ("PAYED", "CANCEL", "CANCELING", Status::CancelRequested),
        ("CANCELED", "CANCEL", "CANCEL_DONE", Status::Cancelled),
        ("PAYED", "CANCEL", "CANCEL_REJECT", Status::Paid),
        (
            "DELIVERED",
            "RETURN",
            "RETURN_REQUEST",
            Status::ReturnRequested,
        ),
        ("DELIVERED", "RETURN", "COLLECTING", Status::ReturnRequested),
        (
            "DELIVERED",
            "RETURN",
            "COLLECT_DONE",
            Status::ReturnRequested,
        ),
        ("RETURNED", "RETURN", "RETURN_DONE", Status::Returned),
        ("DELIVERED", "RETURN", "RETURN_REJECT", Status::Delivered),
        (
            "DELIVERED",
            "EXCHANGE",
            "EXCHANGE_REQUEST",
            Status::ExchangeRequested,
        ),
        (
            "DELIVERED",
            "EXCHANGE",
            "COLLECTING",
            Status::ExchangeRequested,
        ),
        (
            "DELIVERED",
            "EXCHANGE",
            "COLLECT_DONE",
            Status::ExchangeRequested,
        ),
        (
            "DELIVERED",
            "EXCHANGE",
            "EXCHANGE_REDELIVERING",
            Status::ExchangeRequested,
        ),
        ("EXCHANGED", "EXCHANGE", "EXCHANGE_DONE", Status::Exchanged),
        (
            "DELIVERED",
            "EXCHANGE",
            "EXCHANGE_REJECT",
            Status::Delivered,
        ),
        (
            "DELIVERED",
            "PURCHASE_DECISION_HOLDBACK",
            "PURCHASE_DECISION_HOLDBACK",
            Status::Delivered,
        ),
        (
            "DELIVERED",
            "PURCHASE_DECISION_HOLDBACK",
            "PURCHASE_DECISION_REQUEST",
            Status::Delivered,
        ),
        (
            "DELIVERED",
            "PURCHASE_DECISION_HOLDBACK",
            "PURCHASE_DECISION_HOLDBACK_RELEASE",
            Status::Delivered,
        ),
        (
            "PAYED",
            "ADMIN_CANCEL",
            "ADMIN_CANCELING",
            Status::CancelRequested,
        ),
        (
            "CANCELED",
            "ADMIN_CANCEL",
            "ADMIN_CANCEL_DONE",
            Status::Cancelled,
        ),
        ("PAYED", "ADMIN_CANCEL", "ADMIN_CANCEL_REJECT", Status::Paid),
    ];
    for (flow, ty, claim, want) in cases {
        let s = st(flow, Some("NOT_YET"), Some(ty), Some(claim));
        assert_eq!(s.canonical, want, "{flow}/{ty}/{claim}");
        assert_eq!(s.raw, format!("{flow}/{claim}"));
    }
}

#[test]
fn unknown_codes_are_unknown_and_kept_raw() {
    use normalize::item_status as st;
    let s = st("TELEPORTED", None, None, None);
    assert_eq!(
        (s.canonical, s.raw.as_str()),
        (Status::Unknown, "TELEPORTED")
    );
    let s = st("DELIVERED", None, Some("RETURN"), Some("RETURN_LOST"));
    assert_eq!(
        (s.canonical, s.raw.as_str()),
        (Status::Unknown, "DELIVERED/RETURN_LOST")
    );
    let s = st("DELIVERED", None, Some("REFURBISH"), Some("RETURN_REQUEST"));
    assert_eq!(s.canonical, Status::Unknown);
}

// --- normalizer on recorded pages --------------------------------------------------------

fn rows<T: serde::de::DeserializeOwned>(page: &str, at: &str) -> Vec<(T, RawJson)> {
    let raw: Value = serde_json::from_str(page).unwrap();
    let rows: Vec<RawJson> = raw
        .pointer(at)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(RawJson::from_value)
        .collect();
    let (read, rejected) = sellerbox::markets::rows::read_all("t", rows, &[]);
    assert!(rejected.is_empty(), "{rejected:?}");
    read
}

/// Each row through a per-row normalizer, failing the test on a rejected record.
fn each<T, R>(
    rows: Vec<(T, RawJson)>,
    f: impl Fn(&T, &RawJson) -> Result<R, sellerbox::model::Rejected>,
) -> Vec<R> {
    rows.iter().map(|(t, raw)| f(t, raw).unwrap()).collect()
}

const FEED: &str = include_str!("../src/markets/naver/testdata/last_changed_statuses.json");
const DETAILS: &str = include_str!("../src/markets/naver/testdata/product_orders_query.json");
const SETTLE: &str = include_str!("../src/markets/naver/testdata/settle_case.json");
const QNAS: &str = include_str!("../src/markets/naver/testdata/qnas.json");
const INQUIRIES: &str = include_str!("../src/markets/naver/testdata/pay_user_inquiries.json");

#[test]
fn recorded_feed_and_details_normalize_into_orders() {
    let feed: api::ChangedPage = serde_json::from_str(FEED).unwrap();
    let more = feed.data.more.clone().unwrap();
    assert_eq!(more.more_sequence, "00000000000000000004");
    let changed: HashMap<String, Option<DateTime<Utc>>> = feed
        .data
        .last_change_statuses
        .iter()
        .map(|r| {
            (
                r.product_order_id.clone(),
                Some(normalize::parse_time(&r.last_changed_date).unwrap()),
            )
        })
        .collect();
    let (orders, rejected) = normalize::orders("/q", rows(DETAILS, "/data"), &changed);
    assert!(rejected.is_empty());
    assert_eq!(orders.len(), 2);
    let o = &orders[0];
    assert_eq!(o.order_id, "2022041112345671");
    assert_eq!(o.ordered_at.to_rfc3339(), "2022-04-11T06:20:10+00:00");
    assert_eq!(o.total_krw, 62_800, "general + mileage payment");
    assert_eq!(o.shipping_fee_krw, 3_000);
    assert_eq!(o.items.len(), 2);
    assert_eq!(o.items[0].status.canonical, Status::Preparing);
    assert_eq!(o.items[1].status.canonical, Status::Paid);
    assert_eq!(
        o.items[1].product_id, "8000000002",
        "numeric ids read as strings"
    );
    assert_eq!(o.items[1].option_name, None);
    assert_eq!(o.items[1].amount_krw, 26_900);
    assert_eq!(
        o.items[0].status_changed_at.unwrap().to_rfc3339(),
        "2022-04-11T06:21:44+00:00"
    );
    let r = &orders[1].items[0];
    assert_eq!(r.status.canonical, Status::ReturnRequested);
    assert_eq!(r.status.raw, "DELIVERED/RETURN_REQUEST");
    let raw: Value = orders[1].raw.parse().unwrap();
    assert_eq!(raw.as_array().unwrap().len(), 1);
}

/// Amounts each readable but past `i64` together: the product order is rejected (kept as
/// sent, the fields named), the others are kept, nothing wraps or panics.
#[test]
fn product_orders_whose_amounts_leave_i64_together_are_rejected_alone() {
    let mut page: Value = serde_json::from_str(DETAILS).unwrap();
    // The first order's second product order: its fee would take the order's past i64.
    page["data"][1]["productOrder"]["deliveryFeeAmount"] = Value::from(i64::MAX);
    // The second order: its payment means add up past i64.
    page["data"][2]["order"]["generalPaymentAmount"] = Value::from(i64::MAX);
    page["data"][2]["order"]["naverMileagePaymentAmount"] = Value::from("1");
    let page = page.to_string();
    let (orders, rejected) = normalize::orders("/q", rows(&page, "/data"), &HashMap::new());
    let keys: Vec<&str> = rejected.iter().map(|r| r.key.record_key.as_str()).collect();
    assert_eq!(keys, ["2022041198765432", "2022040922222222"]);
    for r in &rejected {
        assert!(r.reason.contains("out of range"), "{}", r.reason);
        assert!(r.raw.get().contains("9223372036854775807"), "kept as sent");
    }
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].items.len(), 1);
    assert_eq!(orders[0].shipping_fee_krw, 3_000);

    let mut settle: Value = serde_json::from_str(SETTLE).unwrap();
    settle["elements"][0]["totalPayCommissionAmount"] = Value::from(i64::MIN);
    let settle = settle.to_string();
    let lines = rows::<api::SettleCase>(&settle, "/elements");
    let r = normalize::settlement("/s", &lines[0].0, &lines[0].1).unwrap_err();
    assert!(r.reason.contains("out of range"), "{}", r.reason);
}

#[test]
fn recorded_settlements_have_positive_fees_and_signed_amounts() {
    let s = each(rows(SETTLE, "/elements"), |s, raw| {
        normalize::settlement("/s", s, raw)
    });
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].line_type, "PROD_ORDER");
    assert_eq!(
        (s[0].sale_krw, s[0].fee_krw, s[0].settlement_krw),
        (32_900, 1_852, 31_048)
    );
    assert_eq!(s[0].basis_date.to_string(), "2024-03-05");
    assert_eq!(s[0].payout_date.unwrap().to_string(), "2024-03-06");
    assert_eq!(s[1].line_type, "REFUND");
    assert_eq!(
        (s[1].sale_krw, s[1].fee_krw, s[1].settlement_krw),
        (-19_800, -1_114, -18_686)
    );
    assert_ne!(s[0].settlement_id, s[1].settlement_id);
}

#[test]
fn recorded_inquiries_normalize() {
    let q = each(rows(QNAS, "/contents"), |q, raw| {
        normalize::qna("/q", q, raw)
    });
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].channel, InquiryChannel::Product);
    assert!(q[0].answered && q[0].answer.is_some());
    assert!(!q[1].answered && q[1].answer.is_none());
    assert_eq!(q[1].product_id.as_deref(), Some("8000000002"));
    let c = each(rows(INQUIRIES, "/content"), |q, raw| {
        normalize::customer_inquiry("/i", q, raw)
    });
    assert_eq!(c[0].channel, InquiryChannel::Order);
    assert_eq!(c[0].inquiry_id, "inquiry:5550001");
    assert_eq!(c[0].order_id.as_deref(), Some("2024022711111111"));
    assert_eq!(
        c[0].answered_at.unwrap().to_rfc3339(),
        "2024-03-01T02:00:00+00:00"
    );
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status: reqwest::StatusCode::from_u16(status).unwrap(),
        headers: Default::default(),
        body: bytes::Bytes::from(body.to_string()),
    }
}

#[test]
fn judge_recognises_naver_throttles_ip_refusals_and_token_refusals() {
    let quota = reply(
        429,
        r#"{"code":"GW.QUOTA_LIMIT","message":"m","timestamp":"t","traceId":"x"}"#,
    );
    assert!(matches!(
        naver::judge("/x", &quota),
        Verdict::Throttled { .. }
    ));
    let rate = reply(429, r#"{"code":"GW.RATE_LIMIT","message":"m"}"#);
    assert!(matches!(
        naver::judge("/x", &rate),
        Verdict::Throttled { .. }
    ));
    let ip = reply(403, r#"{"code":"GW.IP_NOT_ALLOWED","message":"m"}"#);
    match naver::judge("/x", &ip) {
        Verdict::Fail(e) => assert_eq!(e.kind(), ErrorKind::IpNotWhitelisted),
        v => panic!("{v:?}"),
    }
    match naver::judge_token(&ip) {
        Verdict::Fail(e) => assert_eq!(e.kind(), ErrorKind::IpNotWhitelisted),
        v => panic!("{v:?}"),
    }
    assert!(matches!(
        naver::judge("/x", &reply(503, "")),
        Verdict::Transient(_)
    ));
    let stale = reply(
        400,
        r#"{"code":"BAD_REQUEST","message":"m","invalidInputs":[{"name":"timestamp","type":"NotValid","message":"m"}]}"#,
    );
    match naver::judge_token(&stale) {
        Verdict::Fail(e) => {
            assert_eq!(e.kind(), ErrorKind::CredentialsRejected);
            assert!(e.to_string().contains("clock"), "{e}");
        }
        v => panic!("{v:?}"),
    }
    let bad = reply(
        400,
        r#"{"code":4003,"message":"조회 기간 초과 010-1234-5678"}"#,
    );
    match naver::judge("/x", &bad) {
        Verdict::Fail(e) => {
            assert_eq!(e.kind(), ErrorKind::Rejected);
            assert!(e.to_string().contains("4003") && !e.to_string().contains("010-1234"));
        }
        v => panic!("{v:?}"),
    }
}

// --- against the simulator ---------------------------------------------------------------

async fn start(config: SimConfig) -> RunningSim {
    sim::start(&sim::naver::SIM, config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn http() -> Http {
    Http::new(RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..Default::default()
    })
    .unwrap()
}

fn ctx(sim: &RunningSim, seller: usize, http: &Http) -> ConnectCtx {
    let entry = &sim.credentials[seller];
    ConnectCtx {
        http: http.clone(),
        tokens: TokenCache::default(),
        meter: Meter::default(),
        seller_id: entry["seller_id"].as_str().unwrap().to_string(),
        credentials: entry["credentials"].clone(),
        base_url: Some(entry["base_url"].as_str().unwrap().to_string()),
        options: serde_json::json!({}),
    }
}

fn connect(ctx: &ConnectCtx) -> Box<dyn Connector> {
    (naver::SPEC.connect)(ctx.clone()).unwrap()
}

/// The feed's notion of an item's last change, from the docs' `lastChangedType` list:
/// 발주확인 (Preparing) and 배송완료 (Delivered) are not reported changes.
fn last_change(o: &WorldOrder, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    o.story
        .iter()
        .rev()
        .filter(|(s, at)| *at <= now && !matches!(s, Stage::Preparing | Stage::Delivered))
        .map(|(_, at)| *at)
        .next()
}

fn canonical(stage: Stage) -> Status {
    match stage {
        Stage::PaymentWaiting => Status::PaymentWaiting,
        Stage::Paid => Status::Paid,
        Stage::Preparing => Status::Preparing,
        Stage::Shipping => Status::Shipping,
        Stage::Delivered => Status::Delivered,
        Stage::Confirmed => Status::PurchaseConfirmed,
        Stage::CancelRequested => Status::CancelRequested,
        Stage::Cancelled => Status::Cancelled,
        Stage::ReturnRequested => Status::ReturnRequested,
        Stage::Returned => Status::Returned,
        Stage::ExchangeRequested => Status::ExchangeRequested,
        Stage::Exchanged => Status::Exchanged,
    }
}

#[tokio::test]
async fn orders_over_several_pages_and_feed_requests_match_the_world_exactly() {
    let sim = start(SimConfig {
        orders_per_day: 500,
        sellers: 2,
        ..Default::default()
    })
    .await;
    let http = http();
    let c = ctx(&sim, 1, &http);
    let now = sim.clock().now();
    // Longer than one feed request may ask (24 hours): asked as 24 hours, then 6.
    let window = Window::new(now - Duration::hours(30), now);
    let second_from = window.from + Duration::hours(24);

    let mut want: HashMap<String, Status> = HashMap::new();
    let mut changed_per_request = [0usize; 2];
    for o in &sim.state.world.seller(1).orders {
        let Some(at) = last_change(o, now) else {
            continue;
        };
        if at >= window.from && at < window.to {
            for it in &o.items {
                want.insert(
                    it.item_no.to_string(),
                    canonical(o.stage_at(now).unwrap().0),
                );
                changed_per_request[usize::from(at >= second_from)] += 1;
            }
        }
    }
    let records = connect(&c).fetch(Kind::Orders, window).await.unwrap();
    let mut got: HashMap<String, Status> = HashMap::new();
    for o in &records.orders {
        for it in &o.items {
            assert!(
                got.insert(it.item_id.clone(), it.status.canonical)
                    .is_none(),
                "duplicate {}",
                it.item_id
            );
            assert!(it.status_changed_at.is_some());
        }
    }
    assert!(
        changed_per_request[0] > 300 && changed_per_request[1] > 0,
        "the test needs several feed pages and two feed requests, got {changed_per_request:?}"
    );
    assert_eq!(got, want, "every changed item once, in its current status");
    let orders: HashSet<&str> = records.orders.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(
        orders.len(),
        records.orders.len(),
        "items grouped per order"
    );

    let feed_pages: usize = changed_per_request.iter().map(|n| n.div_ceil(300)).sum();
    // The details of the whole window, 300 ids a request.
    let detail_pages = want.len().div_ceil(300);
    let m = c.meter.snapshot();
    assert_eq!(m.pages as usize, feed_pages + detail_pages);
    assert_eq!(
        m.requests as usize,
        feed_pages + detail_pages + 1,
        "plus one token request"
    );
    assert_eq!((m.throttled, m.retries), (0, 0));
}

#[tokio::test]
async fn a_week_is_asked_of_the_feed_a_day_at_a_time() {
    // The simulator refuses a feed request over 24 hours (sim/tests/naver_contract.rs), as
    // Naver does: a week's window is one request a day, and every change in it is found.
    let sim = start(SimConfig::default()).await;
    let http = http();
    let c = ctx(&sim, 0, &http);
    let now = sim.clock().now();
    let window = Window::new(now - Duration::days(7), now);
    let records = connect(&c).fetch(Kind::Orders, window).await.unwrap();
    let want: HashSet<String> = sim
        .state
        .world
        .seller(0)
        .orders
        .iter()
        .filter(|o| last_change(o, now).is_some_and(|at| at >= window.from && at < window.to))
        .flat_map(|o| o.items.iter().map(|it| it.item_no.to_string()))
        .collect();
    let got: HashSet<String> = records
        .orders
        .iter()
        .flat_map(|o| o.items.iter().map(|it| it.item_id.clone()))
        .collect();
    assert!(want.len() > 100, "{}", want.len());
    assert_eq!(got, want);
    let m = c.meter.snapshot();
    assert!(
        m.pages as usize >= 7 + want.len().div_ceil(300),
        "a feed page a day at least, then the details: {m:?}"
    );
}

#[tokio::test]
async fn throttles_are_counted_retried_and_then_succeed() {
    let sim = start(SimConfig::default()).await;
    let http = http();
    let c = ctx(&sim, 0, &http);
    sim.faults().throttle_next(2);
    let now = sim.clock().now();
    connect(&c)
        .fetch(Kind::Orders, Window::new(now - Duration::hours(2), now))
        .await
        .unwrap();
    let m = c.meter.snapshot();
    assert_eq!(m.throttled, 2);
    assert!(m.retries >= 2);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let sim = start(SimConfig::default()).await;
    let http = http();
    let c = ctx(&sim, 0, &http);
    sim.faults().fail_next(2);
    let now = sim.clock().now();
    connect(&c)
        .fetch(Kind::Orders, Window::new(now - Duration::hours(2), now))
        .await
        .unwrap();
    assert_eq!(c.meter.snapshot().retries, 2);
}

#[tokio::test]
async fn a_truncated_body_is_a_format_change() {
    let sim = start(SimConfig::default()).await;
    let http = http();
    let c = ctx(&sim, 0, &http);
    sim.faults().truncate_next(10);
    let now = sim.clock().now();
    let err = connect(&c)
        .fetch(Kind::Orders, Window::new(now - Duration::hours(24), now))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FormatChanged, "{err}");
    assert!(matches!(err, CollectError::FormatChanged { ref raw, .. } if !raw.0.is_empty()));
}

#[tokio::test]
async fn wrong_credentials_are_rejected_and_verify_tells() {
    let sim = start(SimConfig::default()).await;
    let http = http();
    let good = ctx(&sim, 0, &http);
    connect(&good).verify().await.unwrap();

    let mut wrong_secret = ctx(&sim, 0, &http);
    // Another valid salt: the signature does not verify.
    wrong_secret.credentials["client_secret"] = "$2a$04$abcdefghijklmnopqrstuu".into();
    let err = connect(&wrong_secret).verify().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialsRejected, "{err}");
    assert!(!err.to_string().contains("abcdefghijklmnopqrstuu"));

    let mut wrong_account = ctx(&sim, 0, &http);
    wrong_account.credentials["account_id"] = "ncp_nobody".into();
    let err = connect(&wrong_account)
        .fetch(
            Kind::Orders,
            Window::new(sim.clock().now() - Duration::hours(1), sim.clock().now()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialsRejected, "{err}");

    let mut missing = ctx(&sim, 0, &http);
    missing.credentials = serde_json::json!({"client_id": "x"});
    assert_eq!(
        (naver::SPEC.connect)(missing).err().unwrap().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn an_expired_token_is_reissued_as_often_as_naver_expires_it_within_the_budget() {
    let sim = start(SimConfig {
        rps: Some(1000.0),
        ..Default::default()
    })
    .await;
    let http = http();
    http.limiter().override_rate(Some(1000.0));
    let c = ctx(&sim, 0, &http);
    let conn = connect(&c);
    conn.verify().await.unwrap();
    sim.faults().expire_tokens_next(1);
    conn.verify().await.unwrap();
    sim.faults().expire_tokens_next(20);
    conn.verify().await.unwrap();
    // A token refused for good (the seller withdrew the delegation) ends the run once
    // the run's re-issues are spent, instead of looping.
    sim.faults().expire_tokens_next(10_000);
    let err = conn.verify().await.unwrap_err();
    sim.faults().expire_tokens_next(0);
    assert_eq!(err.kind(), ErrorKind::CredentialsRejected, "{err}");
    assert!(err.to_string().contains("GW.AUTHN"), "{err}");
}

#[tokio::test]
async fn the_told_replenish_rate_lowers_our_ceiling() {
    let sim = start(SimConfig {
        rps: Some(4.0),
        ..Default::default()
    })
    .await;
    let http = http();
    let c = ctx(&sim, 0, &http);
    connect(&c).verify().await.unwrap();
    let client_id = c.credentials["client_id"].as_str().unwrap();
    let key = LimitKey::fleet(Market::Naver, client_id, naver::limits::CHANGED_STATUSES);
    assert_eq!(
        http.limiter()
            .current_rate(&key, naver::limits::DEFAULT_RATE),
        4.0
    );
}

/// `n` whole KST days from the day of `t`, as the runner cuts `Span::KstDays` windows.
fn kst_days(t: DateTime<Utc>, n: i64) -> Window {
    use chrono::TimeZone;
    let day = t.with_timezone(&sellerbox::model::kst()).date_naive();
    let from = sellerbox::model::kst()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    Window::new(from, from + Duration::days(n))
}

#[tokio::test]
async fn settlements_of_a_day_are_fetched() {
    let sim = start(SimConfig {
        orders_per_day: 200,
        ..Default::default()
    })
    .await;
    let http = http();
    let c = ctx(&sim, 0, &http);
    let now = sim.clock().now();
    let w = kst_days(now - Duration::days(3), 1);
    let records = connect(&c).fetch(Kind::Settlements, w).await.unwrap();
    let (day, _) = w.kst_dates();
    let kst = |t: DateTime<Utc>| t.with_timezone(&sellerbox::model::kst()).date_naive();
    let mut sold = 0;
    for o in &sim.state.world.seller(0).orders {
        if o.reached(Stage::Confirmed, now)
            .or(o.reached(Stage::Exchanged, now))
            .map(kst)
            == Some(day)
        {
            sold += o.items.len();
        }
    }
    let lines: Vec<_> = records
        .settlements
        .iter()
        .filter(|s| s.line_type == "PROD_ORDER")
        .collect();
    assert!(sold > 0);
    assert_eq!(lines.len(), sold);
    assert!(
        lines
            .iter()
            .all(|s| s.fee_krw > 0 && s.basis_date == day && s.settlement_krw < s.sale_krw)
    );
    let ids: HashSet<_> = records
        .settlements
        .iter()
        .map(|s| &s.settlement_id)
        .collect();
    assert_eq!(ids.len(), records.settlements.len());
}

#[tokio::test]
async fn inquiries_of_both_kinds_are_fetched() {
    let sim = start(SimConfig {
        inquiries_per_day: 10,
        ..Default::default()
    })
    .await;
    let http = http();
    let c = ctx(&sim, 0, &http);
    let now = sim.clock().now();
    let w = [
        kst_days(now - Duration::days(8), 7),
        kst_days(now - Duration::days(1), 7),
    ];
    let conn = connect(&c);
    let mut got = Vec::new();
    for win in &w {
        got.extend(conn.fetch(Kind::Inquiries, *win).await.unwrap().inquiries);
    }
    let (from, to) = (w[0].from, w.last().unwrap().to);
    let world: Vec<_> = sim
        .state
        .world
        .seller(0)
        .inquiries
        .iter()
        .filter(|i| i.asked_at >= from && i.asked_at < to && i.asked_at <= now)
        .collect();
    let product = got
        .iter()
        .filter(|i| i.channel == InquiryChannel::Product)
        .count();
    let order = got
        .iter()
        .filter(|i| i.channel == InquiryChannel::Order)
        .count();
    assert_eq!(
        product,
        world.iter().filter(|i| i.about_order.is_none()).count()
    );
    assert_eq!(
        order,
        world.iter().filter(|i| i.about_order.is_some()).count()
    );
    assert!(product > 0 && order > 0);
    let answered = world
        .iter()
        .filter(|i| i.answered_at.is_some_and(|t| t <= now))
        .count();
    assert_eq!(got.iter().filter(|i| i.answered).count(), answered);
}

#[test]
fn naver_times_are_written_in_kst_with_milliseconds_and_read_with_or_without_offset() {
    let t = normalize::parse_time("2022-04-11T15:21:44.000+09:00").unwrap();
    assert_eq!(t.to_rfc3339(), "2022-04-11T06:21:44+00:00");
    assert_eq!(normalize::format_time(t), "2022-04-11T15:21:44.000+09:00");
    assert_eq!(normalize::parse_time("2022-04-11T15:21:44").unwrap(), t);
    assert_eq!(normalize::parse_time("2022-04-11 15:21:44").unwrap(), t);
    assert_eq!(
        normalize::parse_time("2020-07-25T01:10:10.100Z")
            .unwrap()
            .timestamp_millis()
            % 1000,
        100
    );
    assert!(normalize::parse_time("yesterday").is_none());
}

#[test]
fn the_spec_plans_orders_settlements_and_inquiries_and_names_reviews() {
    use sellerbox::markets::Span;
    let plan = |k| naver::SPEC.plan(k).unwrap();
    assert_eq!(plan(Kind::Orders).span, Span::Hours(3 * 24));
    // Split by the connector: no window is too long for it.
    assert_eq!(plan(Kind::Orders).max_range, None);
    assert_eq!(plan(Kind::Settlements).span, Span::KstDays(1));
    assert_eq!(plan(Kind::Inquiries).span, Span::KstDays(7));
    assert!(naver::SPEC.plan(Kind::Reviews).is_none());
    assert_eq!(naver::SPEC.not_by_api[0].0, Kind::Reviews);
}
