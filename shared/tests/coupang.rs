//! Coupang connector: status tables, recorded pages, and the connector against the
//! simulator over HTTP.

use chrono::{DateTime, Duration, Utc};
use sellerbox::error::{CollectError, ErrorKind, parse_json};
use sellerbox::http::{Http, Meter, Reply, RetryPolicy, TokenCache, Verdict};
use sellerbox::markets::coupang::{self, SPEC, api, normalize};
use sellerbox::markets::{ConnectCtx, Connector, Span};
use sellerbox::model::{ClaimType, InquiryChannel, Kind, RawJson, Status, Window};
use serde_json::Value;
use sim::coupang::data;
use sim::{RunningSim, SimClock, SimConfig};
use std::collections::{BTreeMap, BTreeSet};

// ---------- status tables ----------

#[test]
fn every_ordersheet_status_maps_as_intended() {
    let expect = [
        ("ACCEPT", Status::Paid),
        ("INSTRUCT", Status::Preparing),
        ("DEPARTURE", Status::Shipping),
        ("DELIVERING", Status::Shipping),
        ("FINAL_DELIVERY", Status::Delivered),
        ("NONE_TRACKING", Status::Shipping),
    ];
    assert_eq!(normalize::ORDER_STATUS.len(), expect.len());
    for (code, status) in expect {
        let s = normalize::order_status(code);
        assert_eq!(s.canonical, status, "{code}");
        assert_eq!(s.raw, code);
    }
    // The six listings the connector reads are exactly the documented codes.
    let listed: BTreeSet<_> = coupang::ORDER_STATUSES.into_iter().collect();
    let mapped: BTreeSet<_> = normalize::ORDER_STATUS.iter().map(|(c, _)| *c).collect();
    assert_eq!(listed, mapped);
    let unknown = normalize::order_status("PICKUP_READY");
    assert_eq!(unknown.canonical, Status::Unknown);
    assert_eq!(unknown.raw, "PICKUP_READY");
}

#[test]
fn every_claim_status_maps_as_intended() {
    for (code, status) in [
        ("RELEASE_STOP_UNCHECKED", Status::CancelRequested),
        ("RETURNS_UNCHECKED", Status::ReturnRequested),
        ("VENDOR_WAREHOUSE_CONFIRM", Status::ReturnRequested),
        ("REQUEST_COUPANG_CHECK", Status::ReturnRequested),
        ("RETURNS_COMPLETED", Status::Returned),
    ] {
        assert_eq!(normalize::return_status(code, false), status, "{code}");
        // Rows of the cancelType=CANCEL listing are cancellations whatever they say.
        assert_eq!(normalize::return_status(code, true), Status::Cancelled);
    }
    assert_eq!(normalize::RECEIPT_STATUS.len(), 5);
    assert_eq!(normalize::return_status("NEW_CODE", false), Status::Unknown);
    let listings: BTreeMap<_, _> = normalize::RETURN_LISTINGS.iter().copied().collect();
    assert_eq!(listings["RU"], Status::CancelRequested);
    assert_eq!(listings["UC"], Status::ReturnRequested);
    assert_eq!(listings["PR"], Status::ReturnRequested);
    assert_eq!(listings["CC"], Status::Returned);
    for (code, status) in [
        ("RECEIPT", Some(Status::ExchangeRequested)),
        ("PROGRESS", Some(Status::ExchangeRequested)),
        ("SUCCESS", Some(Status::Exchanged)),
        ("REJECT", None),
        ("CANCEL", None),
    ] {
        assert_eq!(normalize::exchange_status(code), status, "{code}");
    }
    assert_eq!(normalize::EXCHANGE_STATUS.len(), 5);
    assert_eq!(normalize::exchange_status("HOLD"), Some(Status::Unknown));
}

// ---------- recorded pages ----------

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/src/markets/coupang/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn rows<T: serde::de::DeserializeOwned>(body: &[u8]) -> Vec<(T, RawJson)> {
    let page: api::Envelope<Vec<RawJson>> =
        parse_json(sellerbox::model::Market::Coupang, "t", body).unwrap();
    let (read, rejected) = sellerbox::markets::rows::read_all("t", page.data, &[]);
    assert!(rejected.is_empty(), "{rejected:?}");
    read
}

/// Every line of a normalizer's output, failing the test on a rejected record.
fn all<T>((ok, rejected): (Vec<T>, Vec<sellerbox::model::Rejected>)) -> Vec<T> {
    assert!(rejected.is_empty(), "{rejected:?}");
    ok
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn recorded_ordersheets_normalize() {
    let orders = all(normalize::orders("t", rows(&testdata("ordersheets.json"))));
    assert_eq!(orders.len(), 2);
    let o = &orders[0];
    assert_eq!(o.order_id, "9100041863244");
    // KST without offset -> UTC.
    assert_eq!(o.ordered_at, utc("2024-04-08T13:54:46Z"));
    assert_eq!(o.paid_at, Some(utc("2024-04-08T13:54:56Z")));
    assert_eq!(o.shipping_fee_krw, 2500);
    assert_eq!(o.total_krw, 65800 + 21000 + 2500);
    assert_eq!(o.items.len(), 2);
    let i = &o.items[0];
    assert_eq!(i.item_id, "85878584632");
    assert_eq!(i.product_id, "1000000");
    assert_eq!(i.product_name, "국내산 햇사과 5kg");
    assert_eq!(i.option_name.as_deref(), Some("중과 20과"));
    assert_eq!(
        (i.quantity, i.unit_price_krw, i.amount_krw),
        (2, 32900, 65800)
    );
    assert_eq!(i.status.canonical, Status::Delivered);
    assert_eq!(
        o.raw.parse::<Value>().unwrap()["shipmentBoxId"],
        642538971006401429u64
    );
    // An unknown status is kept, not dropped.
    assert_eq!(orders[1].items[0].status.canonical, Status::Unknown);
    assert_eq!(orders[1].items[0].status.raw, "PICKUP_READY");
}

#[test]
fn boxes_of_one_order_merge_into_one_order() {
    let page = String::from_utf8(testdata("ordersheets.json")).unwrap();
    let mut v: Value = serde_json::from_str(&page).unwrap();
    let mut second = v["data"][0].clone();
    second["shipmentBoxId"] = 1.into();
    second["orderItems"] = serde_json::json!([v["data"][0]["orderItems"][1].clone()]);
    second["shippingPrice"] = 0.into();
    v["data"][0]["orderItems"] = serde_json::json!([v["data"][0]["orderItems"][0].clone()]);
    v["data"].as_array_mut().unwrap().push(second);
    // And the same box twice (listed by two status calls while it moved).
    let dup = v["data"][0].clone();
    v["data"].as_array_mut().unwrap().push(dup);
    let orders = all(normalize::orders(
        "t",
        rows(&serde_json::to_vec(&v).unwrap()),
    ));
    assert_eq!(orders.len(), 2);
    let o = orders
        .iter()
        .find(|o| o.order_id == "9100041863244")
        .unwrap();
    assert_eq!(o.items.len(), 2);
    assert_eq!(o.total_krw, 65800 + 21000 + 2500);
    assert!(o.raw.parse::<Value>().unwrap().is_array());
}

#[test]
fn recorded_claims_normalize() {
    let r: Vec<(api::ReturnRequest, RawJson)> = rows(&testdata("return_requests.json"));
    let c = normalize::return_claim("t", &r[0].0, &r[0].1, false).unwrap();
    assert_eq!(c.claim_id, "return-365937");
    assert_eq!(c.claim_type, ClaimType::Return);
    assert_eq!(c.order_id, "500004398");
    assert_eq!(c.item_ids, vec!["3000001893"]);
    assert_eq!(c.status, Some(Status::ReturnRequested));
    assert_eq!(c.raw_status, "RETURNS_UNCHECKED");
    assert_eq!(c.requested_at, utc("2016-03-25T04:05:30Z"));
    let unknown = normalize::return_claim("t", &r[1].0, &r[1].1, false).unwrap();
    assert_eq!(unknown.status, Some(Status::Unknown));
    assert_eq!(unknown.raw_status, "RETURNS_SOMETHING_NEW");
    let cancel = normalize::return_claim("t", &r[0].0, &r[0].1, true).unwrap();
    assert_eq!(cancel.claim_type, ClaimType::Cancel);
    assert_eq!(cancel.status, Some(Status::Cancelled));

    let e: Vec<(api::ExchangeRequest, RawJson)> = rows(&testdata("exchange_requests.json"));
    let x = normalize::exchange_claim("t", &e[0].0, &e[0].1).unwrap();
    assert_eq!(x.claim_id, "exchange-100702179");
    assert_eq!(x.claim_type, ClaimType::Exchange);
    assert_eq!(x.item_ids, vec!["3126500806"]);
    assert_eq!(x.status, Some(Status::ExchangeRequested));
    let rejected = normalize::exchange_claim("t", &e[1].0, &e[1].1).unwrap();
    assert_eq!(rejected.status, None);
    assert_eq!(rejected.raw_status, "REJECT");
}

/// Amounts each readable but past `i64` together: the box is rejected (kept as sent, the
/// fields named), the order it would join keeps its earlier total, nothing wraps or panics.
#[test]
fn a_box_whose_amounts_leave_i64_together_is_rejected_alone() {
    let body = testdata("ordersheets.json");
    let before = all(normalize::orders("t", rows(&body)));
    let mut page: Value = serde_json::from_slice(&body).unwrap();
    let boxes = page["data"].as_array_mut().unwrap();
    // A second box of the first order: its own sum fits, the order's total would not.
    let mut joins = boxes[0].clone();
    joins["shipmentBoxId"] = Value::from(1);
    joins["shippingPrice"] = Value::from(i64::MAX);
    for item in joins["orderItems"].as_array_mut().unwrap() {
        item["orderPrice"] = Value::from(0);
    }
    boxes.push(joins);
    // The second order's only box: its items and fee alone leave the range.
    boxes[1]["shippingPrice"] = Value::from(i64::MAX.to_string());
    let (orders, rejected) = normalize::orders("t", rows(&serde_json::to_vec(&page).unwrap()));
    let keys: BTreeSet<&str> = rejected.iter().map(|r| r.key.record_key.as_str()).collect();
    assert_eq!(keys, BTreeSet::from(["1", "642538971006401430"]));
    for r in &rejected {
        assert!(r.reason.contains("out of range"), "{}", r.reason);
        assert!(r.raw.get().contains("9223372036854775807"), "kept as sent");
    }
    assert_eq!(orders.len(), 1, "no order left empty");
    assert_eq!(orders[0].total_krw, before[0].total_krw);
    assert_eq!(orders[0].items.len(), before[0].items.len());
}

#[test]
fn a_revenue_row_whose_fee_leaves_i64_is_rejected() {
    let body = testdata("revenue_history.json");
    let mut page: Value = serde_json::from_slice(&body).unwrap();
    page["data"][0]["items"][0]["serviceFee"] = Value::from(i64::MAX);
    page["data"][0]["items"][0]["serviceFeeVat"] = Value::from(1);
    let page: api::RevenuePage<RawJson> = parse_json(
        sellerbox::model::Market::Coupang,
        "t",
        &serde_json::to_vec(&page).unwrap(),
    )
    .unwrap();
    let (data, _) = sellerbox::markets::rows::read_all::<api::RevenueRow>("t", page.data, &[]);
    let r = normalize::settlements("t", &data[0].0, &data[0].1).unwrap_err();
    assert!(r.reason.contains("out of range"), "{}", r.reason);
    assert!(normalize::settlements("t", &data[1].0, &data[1].1).is_ok());
}

#[test]
fn recorded_revenue_history_normalizes_with_signs() {
    let body = testdata("revenue_history.json");
    let page: api::RevenuePage<RawJson> =
        parse_json(sellerbox::model::Market::Coupang, "t", &body).unwrap();
    assert!(!page.has_next);
    let (data, rejected) =
        sellerbox::markets::rows::read_all::<api::RevenueRow>("t", page.data, &[]);
    assert!(rejected.is_empty());
    let sale = normalize::settlements("t", &data[0].0, &data[0].1).unwrap();
    assert_eq!(sale.len(), 2, "one item line and one delivery line");
    assert_eq!(sale[0].settlement_id, "9100041863244:SALE:85878584632");
    assert_eq!(sale[0].basis_date.to_string(), "2024-04-15");
    assert_eq!(sale[0].payout_date.unwrap().to_string(), "2024-04-30");
    assert_eq!(
        (sale[0].sale_krw, sale[0].fee_krw, sale[0].settlement_krw),
        (65800, 7238, 58562)
    );
    assert_eq!(sale[1].settlement_id, "9100041863244:SALE:DELIVERY");
    assert_eq!(
        (sale[1].sale_krw, sale[1].fee_krw, sale[1].settlement_krw),
        (2500, 82, 2418)
    );
    let refund = normalize::settlements("t", &data[1].0, &data[1].1).unwrap();
    assert_eq!(refund.len(), 1, "no delivery line for a zero fee");
    assert_eq!(refund[0].line_type, "REFUND");
    assert_eq!(
        (
            refund[0].sale_krw,
            refund[0].fee_krw,
            refund[0].settlement_krw
        ),
        (-12900, 1419, -11481)
    );
}

#[test]
fn recorded_inquiries_normalize() {
    let body = testdata("online_inquiries.json");
    let typed: api::Envelope<api::Paged<api::OnlineInquiry>> =
        parse_json(sellerbox::model::Market::Coupang, "t", &body).unwrap();
    let q = normalize::online_inquiry("t", &typed.data.content[0], &RawJson::default()).unwrap();
    assert_eq!(q.inquiry_id, "online-25823540");
    assert_eq!(q.channel, InquiryChannel::Product);
    assert_eq!(q.product_id.as_deref(), Some("7000003"));
    assert_eq!(q.asked_at, utc("2015-05-18T08:37:39Z"));
    assert!(q.answered);
    assert_eq!(q.answered_at, Some(utc("2015-05-18T09:01:00Z")));
    let open = normalize::online_inquiry("t", &typed.data.content[1], &RawJson::default()).unwrap();
    assert!(!open.answered && open.answer.is_none());

    let body = testdata("call_center_inquiries.json");
    let typed: api::Envelope<api::Paged<api::CallCenterInquiry>> =
        parse_json(sellerbox::model::Market::Coupang, "t", &body).unwrap();
    let cc =
        normalize::call_center_inquiry("t", &typed.data.content[0], &RawJson::default()).unwrap();
    assert_eq!(cc.channel, InquiryChannel::CallCenter);
    assert_eq!(cc.order_id.as_deref(), Some("9100041863244"));
    assert!(cc.answered);
    let open =
        normalize::call_center_inquiry("t", &typed.data.content[1], &RawJson::default()).unwrap();
    assert!(!open.answered);
}

#[test]
fn a_box_whose_time_is_no_time_is_rejected_alone_without_the_value() {
    let page = String::from_utf8(testdata("ordersheets.json"))
        .unwrap()
        .replacen("2024-04-08T22:54:46", "08/04/2024 22:54", 1);
    let all_boxes: Vec<(api::OrderSheet, RawJson)> = rows(page.as_bytes());
    let boxes = all_boxes.len();
    let (orders, rejected) = normalize::orders("t", all_boxes);
    assert_eq!(rejected.len(), 1, "only the box with the odd time");
    assert!(
        rejected[0].reason.contains("orderedAt"),
        "{}",
        rejected[0].reason
    );
    assert!(!rejected[0].reason.contains("08/04/2024"));
    assert!(rejected[0].raw.get().contains("08/04/2024"), "kept as sent");
    let kept: usize = orders.iter().map(|o| o.items.len()).sum();
    assert!(
        kept >= boxes - 1 && !orders.is_empty(),
        "the other boxes are kept"
    );
}

// ---------- judge ----------

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status: reqwest::StatusCode::from_u16(status).unwrap(),
        headers: Default::default(),
        body: bytes::Bytes::from(body.to_string()),
    }
}

#[test]
fn the_judge_tells_throttles_keys_clock_and_ip_apart() {
    let j = |s, b| coupang::judge("/x", &reply(s, b));
    assert!(matches!(j(200, "{}"), Verdict::Done));
    assert!(matches!(
        j(429, r#"{"code":429}"#),
        Verdict::Throttled { .. }
    ));
    assert!(matches!(
        j(403, "<HTML><TITLE>Access Denied</TITLE></HTML>"),
        Verdict::Throttled { .. }
    ));
    match j(
        401,
        r#"{"code":401,"message":"Specified signature is expired."}"#,
    ) {
        Verdict::Fail(e @ CollectError::CredentialsRejected { .. }) => {
            assert!(e.to_string().contains("clock"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    match j(401, r#"{"code":401,"message":"Invalid signature."}"#) {
        Verdict::Fail(e @ CollectError::CredentialsRejected { .. }) => {
            assert!(e.to_string().contains("180 days"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        j(
            403,
            r#"{"code":403,"message":"Your IP address is not allowed"}"#
        ),
        Verdict::Fail(CollectError::IpNotWhitelisted { .. })
    ));
    assert!(matches!(j(503, ""), Verdict::Transient(_)));
    match j(
        400,
        r#"{"code":400,"message":"The search period can be at most 31 days."}"#,
    ) {
        Verdict::Fail(CollectError::Rejected { detail, .. }) => assert!(detail.contains("31 days")),
        other => panic!("{other:?}"),
    }
}

// ---------- against the simulator ----------

fn now() -> DateTime<Utc> {
    utc("2025-03-10T03:00:00Z")
}

async fn start(orders_per_day: u32, rps: Option<f64>) -> RunningSim {
    sim::start(
        &sim::coupang::SIM,
        SimConfig {
            sellers: 2,
            seed: 11,
            rps,
            orders_per_day,
            inquiries_per_day: 10,
            clock: SimClock::frozen_at(now()),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn ctx_with(s: &RunningSim, seller: usize, credentials: Value, fast: bool) -> ConnectCtx {
    let http = Http::new(RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..Default::default()
    })
    .unwrap();
    if fast {
        http.limiter().override_rate(Some(1000.0));
    }
    ConnectCtx {
        http,
        tokens: TokenCache::default(),
        meter: Meter::default(),
        seller_id: s.credentials[seller]["seller_id"]
            .as_str()
            .unwrap()
            .to_string(),
        credentials,
        base_url: Some(s.base_url.clone()),
        options: serde_json::json!({}),
    }
}

fn ctx(s: &RunningSim, seller: usize) -> ConnectCtx {
    ctx_with(
        s,
        seller,
        s.credentials[seller]["credentials"].clone(),
        true,
    )
}

fn connect(c: &ConnectCtx) -> Box<dyn Connector> {
    (SPEC.connect)(c.clone()).unwrap()
}

fn last_week() -> Window {
    Window::new(now() - Duration::days(7), now())
}

fn pages(n: usize) -> u64 {
    n.div_ceil(50).max(1) as u64
}

#[tokio::test]
async fn orders_and_claims_come_whole_over_many_pages() {
    let s = start(120, Some(1000.0)).await;
    let c = ctx(&s, 0);
    let recs = connect(&c).fetch(Kind::Orders, last_week()).await.unwrap();

    // Expected from the world, as of the simulated clock.
    let world = s.state.world.seller(0);
    let (from, to) = last_week().kst_dates();
    let in_range = |t: DateTime<Utc>| {
        let d = data::kst_date(t);
        d >= from && d <= to
    };
    let mut per_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut expected = BTreeSet::new();
    for o in &world.orders {
        if let (Some(paid), Some(st)) = (o.paid_at(), data::ordersheet_status(o, now()))
            && paid <= now()
            && in_range(paid)
        {
            *per_status.entry(st).or_default() += 1;
            expected.insert(o.order_no.to_string());
        }
    }
    let got: Vec<_> = recs.orders.iter().map(|o| o.order_id.clone()).collect();
    let got_set: BTreeSet<_> = got.iter().cloned().collect();
    assert_eq!(got.len(), got_set.len(), "no order twice");
    assert_eq!(got_set, expected, "no order lost");
    assert!(
        per_status["FINAL_DELIVERY"] > 50,
        "several pages: {per_status:?}"
    );
    for code in coupang::ORDER_STATUSES {
        assert!(
            per_status.contains_key(code),
            "{code} occurs: {per_status:?}"
        );
    }
    // Every item carries its box's status.
    for o in &recs.orders {
        let w = world
            .orders
            .iter()
            .find(|w| w.order_no.to_string() == o.order_id)
            .unwrap();
        assert_eq!(o.items.len(), w.items.len());
        let code = data::ordersheet_status(w, now()).unwrap();
        assert!(o.items.iter().all(|i| i.status.raw == code));
    }

    // Claims: every return/cancel receipt and exchange requested in range.
    let mut listing_counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut expected_claims = BTreeSet::new();
    let mut exchanges = 0;
    for o in &world.orders {
        if let Some((listing, _, _, created)) = data::return_receipt(o, now())
            && in_range(created)
        {
            *listing_counts.entry(listing).or_default() += 1;
            expected_claims.insert(format!("return-{}", o.order_no + 5_000_000_000));
        }
        if let Some((_, created)) = data::exchange_state(o, now())
            && in_range(created)
        {
            exchanges += 1;
            expected_claims.insert(format!("exchange-{}", o.order_no + 3_000_000_000));
        }
    }
    let got_claims: BTreeSet<_> = recs.claims.iter().map(|c| c.claim_id.clone()).collect();
    assert_eq!(recs.claims.len(), got_claims.len());
    assert_eq!(got_claims, expected_claims);
    assert!(
        recs.claims
            .iter()
            .any(|c| c.status == Some(Status::Cancelled))
    );
    assert!(
        recs.claims
            .iter()
            .any(|c| c.status == Some(Status::Returned))
    );
    assert!(
        recs.claims
            .iter()
            .any(|c| c.claim_type == ClaimType::Exchange)
    );

    // Pages: each listing's rows in pages of 50, at least one page each; exchanges in
    // 7-day slices (8 KST dates -> 2 slices, each a page at this volume).
    let mut want: u64 = coupang::ORDER_STATUSES
        .iter()
        .map(|s| pages(per_status.get(s).copied().unwrap_or(0)))
        .sum();
    want += ["RU", "UC", "PR", "CC", "CANCEL"]
        .iter()
        .map(|l| pages(listing_counts.get(l).copied().unwrap_or(0)))
        .sum::<u64>();
    let slices = sellerbox::markets::day_chunks(from, to, 7).len() as u64;
    assert_eq!(slices, 2);
    assert!(exchanges < 50);
    want += slices;
    let m = c.meter.snapshot();
    assert_eq!(m.pages, want, "{m:?}");
    assert_eq!(m.requests, want);
    assert_eq!((m.throttled, m.retries), (0, 0));
}

#[tokio::test]
async fn the_documented_rate_is_kept_without_throttles() {
    // Sim at Coupang's 10/s per vendor; the client at its documented rate too.
    let s = start(30, None).await;
    let c = ctx_with(&s, 1, s.credentials[1]["credentials"].clone(), false);
    let recs = connect(&c).fetch(Kind::Orders, last_week()).await.unwrap();
    assert!(!recs.orders.is_empty());
    let m = c.meter.snapshot();
    assert!(m.requests >= 13, "{m:?}");
    assert_eq!(m.throttled, 0, "{m:?}");
}

#[tokio::test]
async fn an_over_long_range_is_refused_by_coupang() {
    let s = start(5, Some(1000.0)).await;
    let c = ctx(&s, 0);
    let err = connect(&c)
        .fetch(Kind::Orders, Window::new(now() - Duration::days(40), now()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected, "{err}");
    assert!(err.to_string().contains("31 days"), "{err}");
}

#[tokio::test]
async fn throttles_are_counted_retried_and_then_succeed() {
    let s = start(5, Some(1000.0)).await;
    // HTTP 429.
    let c = ctx(&s, 0);
    s.faults().throttle_next(2);
    connect(&c).verify().await.unwrap();
    let m = c.meter.snapshot();
    assert_eq!((m.throttled, m.retries, m.requests, m.pages), (2, 2, 3, 1));
    // Akamai's 403 "Access Denied" page.
    let c = ctx(&s, 0);
    reqwest::Client::new()
        .post(format!("{}/_sim/coupang/access-denied?n=2", s.base_url))
        .send()
        .await
        .unwrap();
    connect(&c).verify().await.unwrap();
    let m = c.meter.snapshot();
    assert_eq!((m.throttled, m.retries, m.requests), (2, 2, 3));
}

#[tokio::test]
async fn server_errors_are_retried_and_a_repeated_truncation_is_a_format_change() {
    let s = start(5, Some(1000.0)).await;
    let c = ctx(&s, 0);
    s.faults().fail_next(2);
    connect(&c).verify().await.unwrap();
    let m = c.meter.snapshot();
    assert_eq!((m.retries, m.requests), (2, 3));

    let c = ctx(&s, 0);
    s.faults().truncate_next(10);
    let err = connect(&c)
        .fetch(Kind::Settlements, last_week())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FormatChanged, "{err}");
    assert_eq!(
        c.meter.snapshot().requests,
        u64::from(RetryPolicy::default().max_transient) + 1,
        "a cut-off body is retried like a 5xx; only one cut off every time is a format change"
    );
    s.faults().truncate_next(0);

    // Cut off twice, then whole: the page is read.
    let c = ctx(&s, 0);
    s.faults().truncate_next(2);
    connect(&c)
        .fetch(Kind::Settlements, last_week())
        .await
        .unwrap();
    assert_eq!(c.meter.snapshot().retries, 2);
}

#[tokio::test]
async fn wrong_keys_are_rejected_with_advice_and_verify_says_so() {
    let s = start(5, Some(1000.0)).await;
    assert!(connect(&ctx(&s, 0)).verify().await.is_ok());

    let mut creds = s.credentials[0]["credentials"].clone();
    creds["secret_key"] = "not-the-secret".into();
    let c = ctx_with(&s, 0, creds, true);
    let err = connect(&c).verify().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialsRejected);
    let msg = err.to_string();
    assert!(msg.contains("180 days"), "{msg}");
    assert!(!msg.contains("not-the-secret"));
    let err = connect(&c)
        .fetch(Kind::Orders, last_week())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialsRejected);

    let mut creds = s.credentials[0]["credentials"].clone();
    creds["access_key"] = "00000000-0000-0000-0000-000000000000".into();
    let err = connect(&ctx_with(&s, 0, creds, true))
        .verify()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialsRejected);

    // Malformed credentials never reach the network.
    let mut creds = s.credentials[0]["credentials"].clone();
    creds["extra"] = "x".into();
    let c = ctx_with(&s, 0, creds, true);
    assert_eq!(
        (SPEC.connect)(c).err().unwrap().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn settlements_are_every_recognized_line() {
    let s = start(30, Some(1000.0)).await;
    let c = ctx(&s, 0);
    let window = Window::new(now() - Duration::days(20), now());
    let recs = connect(&c).fetch(Kind::Settlements, window).await.unwrap();
    let (from, to) = window.kst_dates();
    let world = s.state.world.seller(0);
    let mut expected = BTreeSet::new();
    for o in &world.orders {
        for (sale_type, at) in data::recognitions(o, now()) {
            let d = data::kst_date(at);
            if d >= from && d <= to {
                for i in &o.items {
                    expected.insert(format!("{}:{sale_type}:{}", o.order_no, i.item_no));
                }
                if o.shipping_fee != 0 {
                    expected.insert(format!("{}:{sale_type}:DELIVERY", o.order_no));
                }
            }
        }
    }
    let got: BTreeSet<_> = recs
        .settlements
        .iter()
        .map(|s| s.settlement_id.clone())
        .collect();
    assert_eq!(got.len(), recs.settlements.len(), "no line twice");
    assert_eq!(got, expected);
    assert!(c.meter.snapshot().pages > 1, "several pages");
    assert!(
        recs.settlements
            .iter()
            .all(|s| s.basis_date <= data::kst_date(now()))
    );
    let refunds: Vec<_> = recs
        .settlements
        .iter()
        .filter(|s| s.line_type == "REFUND")
        .collect();
    assert!(!refunds.is_empty());
    assert!(
        refunds
            .iter()
            .all(|s| s.settlement_krw < 0 && s.fee_krw >= 0)
    );
    assert!(
        recs.settlements
            .iter()
            .filter(|s| s.line_type == "SALE")
            .all(|s| s.settlement_krw > 0 && s.fee_krw > 0 && s.sale_krw > s.settlement_krw)
    );
}

#[tokio::test]
async fn inquiries_come_from_both_channels_and_answers_follow_the_clock() {
    let s = start(5, Some(1000.0)).await;
    let c = ctx(&s, 0);
    let conn = connect(&c);
    let plan = SPEC.plan(Kind::Inquiries).unwrap();
    assert_eq!(plan.span, Span::KstDays(7));
    let windows = sellerbox::collect::windows(plan.span, now() - Duration::days(7), now());
    let mut all = Vec::new();
    for w in &windows {
        all.extend(conn.fetch(Kind::Inquiries, *w).await.unwrap().inquiries);
    }
    let world = s.state.world.seller(0);
    let (from, _) = windows[0].kst_dates();
    let expected: BTreeSet<String> = world
        .inquiries
        .iter()
        .filter(|q| q.asked_at <= now() && data::kst_date(q.asked_at) >= from)
        .map(|q| {
            if q.about_order.is_some() {
                format!("callcenter-{}", q.inquiry_no)
            } else {
                format!("online-{}", q.inquiry_no)
            }
        })
        .collect();
    let got: BTreeSet<_> = all.iter().map(|q| q.inquiry_id.clone()).collect();
    assert_eq!(got.len(), all.len());
    assert_eq!(got, expected);
    assert!(all.iter().any(|q| q.channel == InquiryChannel::CallCenter));
    assert!(all.iter().any(|q| q.channel == InquiryChannel::Product));
    for q in &all {
        let no: u64 = q.inquiry_id.rsplit('-').next().unwrap().parse().unwrap();
        let w = world.inquiries.iter().find(|w| w.inquiry_no == no).unwrap();
        assert_eq!(
            q.answered,
            w.answered_at.is_some_and(|a| a <= now()),
            "{}",
            q.inquiry_id
        );
    }

    // A 7-day listing asked for 8 days is refused.
    let err = conn
        .fetch(
            Kind::Inquiries,
            Window::new(now() - Duration::days(8), now()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
}

#[tokio::test]
async fn reviews_are_not_by_api() {
    assert!(SPEC.plan(Kind::Reviews).is_none());
    assert!(SPEC.not_by_api.iter().any(|(k, _)| *k == Kind::Reviews));
}
