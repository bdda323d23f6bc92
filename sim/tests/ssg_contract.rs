//! The SSG simulator played by a client written straight from SSG's documents (the
//! eapi.ssgadm.com pages as shared/markets/ssg.md cites them): plain reqwest, the raw key in
//! `Authorization`, JSON bodies wrapped in their request name, nothing from the collectors.

use chrono::{Duration, FixedOffset, Utc};
use serde_json::{Value, json};
use sim::{RunningSim, SimClock, SimConfig};
use std::collections::BTreeSet;

fn key(s: &RunningSim, i: usize) -> String {
    s.credentials[i]["credentials"]["api_key"]
        .as_str()
        .unwrap()
        .to_string()
}

fn kst_day(days_ago: i64) -> String {
    (Utc::now().with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap()) - Duration::days(days_ago))
        .format("%Y%m%d")
        .to_string()
}

async fn post(s: &RunningSim, key: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", s.base_url))
        .header("Authorization", key)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap()).unwrap(),
    )
}

async fn get(s: &RunningSim, key: &str, path: &str, query: &[(&str, String)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base_url))
        .query(query)
        .header("Authorization", key)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap()).unwrap(),
    )
}

async fn start(rps: f64) -> RunningSim {
    sim::start(
        &sim::ssg::SIM,
        SimConfig {
            sellers: 2,
            rps: Some(rps),
            orders_per_day: 40,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn directions(from: &str, to: &str) -> Value {
    json!({"requestShppDirection": {"perdType": "01", "perdStrDts": from, "perdEndDts": to}})
}

const CANCEL_REQUESTS: &str = "/api/claim/v2/cancel/requests";
const CANCELLED: &str = "/api/clm/cncl/ord/inquiry.ssg";
const PICK_UPS: &str = "/api/pd/1/listExchangeTarget.ssg";

fn pick_ups(perd_type: &str, from: &str, to: &str, kinds: Option<&str>) -> Value {
    let mut req = json!({"perdType": perd_type, "perdStrDts": from, "perdEndDts": to});
    if let Some(k) = kinds {
        req["shppDivDtlCds"] = json!(k);
    }
    json!({ "requestExchangeTarget": req })
}

/// Rows of a plain list (`resultData`, `data`): an array, or one row bare.
fn plain_rows(v: &Value, list: &str) -> Vec<Value> {
    match &v["result"][list] {
        Value::Array(rows) => rows.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

fn code(v: &Value) -> &str {
    v["result"]["resultCode"].as_str().unwrap_or_default()
}

/// Rows of a list in either XStream spelling.
fn rows<'a>(v: &'a Value, list: &str, row: &str) -> Vec<&'a Value> {
    match &v["result"][list] {
        Value::Array(items) => items.iter().map(|w| &w[row]).collect(),
        Value::Object(m) => match &m[row] {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        },
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn every_stage_listing_answers_with_the_raw_key_and_korean_rows() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    let mut lines = 0;
    for (path, request, list, row) in [
        (
            "/api/pd/1/listShppDirection.ssg",
            "requestShppDirection",
            "shppDirections",
            "shppDirection",
        ),
        (
            "/api/pd/1/listWarehouseOut.ssg",
            "requestWarehouseOut",
            "warehouseOuts",
            "warehouseOut",
        ),
        (
            "/api/pd/1/listNonDelivery.ssg",
            "requestNonDelivery",
            "nonDeliveries",
            "nonDelivery",
        ),
        (
            "/api/pd/1/listDeliveryEnd.ssg",
            "requestDeliveryEnd",
            "deliveryEnds",
            "deliveryEnd",
        ),
    ] {
        let body = json!({ request: {"perdType": "01", "perdStrDts": kst_day(14), "perdEndDts": kst_day(0)} });
        let (status, v) = post(&s, &k, path, body).await;
        assert_eq!((status, code(&v)), (200, "00"), "{path}: {v}");
        assert_eq!(v["result"]["resultMessage"], "SUCCESS");
        let rows = rows(&v, list, row);
        assert!(!rows.is_empty(), "{path}: no rows");
        for r in &rows {
            assert!(r["ordNo"].is_string() && r["ordItemSeq"].is_string(), "{r}");
            assert!(
                r["itemNm"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .any(|c| ('가'..='힣').contains(&c))
            );
        }
        lines += rows.len();
    }
    // The other seller's key sees the other seller's orders.
    let (_, a) = post(
        &s,
        &k,
        "/api/pd/1/listShppDirection.ssg",
        directions(&kst_day(14), &kst_day(0)),
    )
    .await;
    let (_, b) = post(
        &s,
        &key(&s, 1),
        "/api/pd/1/listShppDirection.ssg",
        directions(&kst_day(14), &kst_day(0)),
    )
    .await;
    assert_ne!(a, b);
    assert!(lines > 20, "{lines}");
}

#[tokio::test]
async fn a_wrong_or_prefixed_key_is_refused_with_401_in_ssgs_envelope() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    for wrong in [
        "not-a-key".to_string(),
        format!("Bearer {k}"),
        format!("Basic {k}"),
        String::new(),
    ] {
        let (status, v) = post(
            &s,
            &wrong,
            "/api/pd/1/listShppDirection.ssg",
            directions(&kst_day(1), &kst_day(0)),
        )
        .await;
        assert_eq!(status, 401, "{wrong:?}: {v}");
        assert_eq!(code(&v), "401");
        assert_eq!(v["result"]["resultMessage"], "FAIL");
        assert!(
            v["result"]["resultDesc"]
                .as_str()
                .unwrap()
                .contains("인증키")
        );
    }
    let wrong = (sim::ssg::SIM.wrong_credentials)(&s.credentials[0]["credentials"]);
    let (status, _) = get(
        &s,
        wrong["api_key"].as_str().unwrap(),
        "/api/settle/v1/ven/sales/list.ssg",
        &[("critnDt", kst_day(1))],
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn periods_over_the_documented_maximum_are_refused_in_the_envelope() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    // 180 days is the most a stage listing takes; 181 is refused.
    let (status, v) = post(
        &s,
        &k,
        "/api/pd/1/listShppDirection.ssg",
        directions(&kst_day(179), &kst_day(0)),
    )
    .await;
    assert_eq!((status, code(&v)), (200, "00"), "{v}");
    let (status, v) = post(&s, &k, "/api/pd/1/listNonDelivery.ssg",
        json!({"requestNonDelivery": {"perdType": "02", "perdStrDts": kst_day(180), "perdEndDts": kst_day(0)}})).await;
    assert_eq!((status, code(&v)), (200, "400"), "{v}");
    assert!(
        v["result"]["resultDesc"]
            .as_str()
            .unwrap()
            .contains("180일")
    );
    // The claim listings: 7 days.
    let q = |from: i64| vec![("perdStrDts", kst_day(from)), ("perdEndDts", kst_day(0))];
    let (status, v) = get(&s, &k, CANCEL_REQUESTS, &q(6)).await;
    assert_eq!((status, code(&v)), (200, "00"), "{v}");
    let (status, v) = get(&s, &k, CANCEL_REQUESTS, &q(7)).await;
    assert_eq!((status, code(&v)), (200, "400"), "{v}");
    assert!(v["result"]["resultDesc"].as_str().unwrap().contains("7일"));
    for (path, body) in [
        (
            CANCELLED,
            json!({"request": {"perdStrDts": kst_day(7), "perdEndDts": kst_day(0)}}),
        ),
        (PICK_UPS, pick_ups("01", &kst_day(7), &kst_day(0), None)),
    ] {
        let (status, v) = post(&s, &k, path, body).await;
        assert_eq!((status, code(&v)), (200, "400"), "{path}: {v}");
        assert!(v["result"]["resultDesc"].as_str().unwrap().contains("7일"));
    }
    // Missing or malformed parameters, the wrong perdType, an end before the start.
    for body in [
        json!({"requestShppDirection": {"perdType": "01", "perdStrDts": kst_day(1)}}),
        json!({"requestShppDirection": {"perdType": "09", "perdStrDts": kst_day(1), "perdEndDts": kst_day(0)}}),
        json!({"requestShppDirection": {"perdType": "01", "perdStrDts": "2025-03-01", "perdEndDts": kst_day(0)}}),
        json!({"requestShppDirection": {"perdType": "01", "perdStrDts": kst_day(0), "perdEndDts": kst_day(1)}}),
        json!({"perdType": "01"}),
    ] {
        let (status, v) = post(&s, &k, "/api/pd/1/listShppDirection.ssg", body.clone()).await;
        assert_eq!((status, code(&v)), (200, "400"), "{body}: {v}");
    }
    let (_, v) = get(&s, &k, "/api/settle/v1/ven/sales/list.ssg", &[]).await;
    assert_eq!(code(&v), "400");
}

#[tokio::test]
async fn json_is_served_and_other_formats_are_declined() {
    let s = start(1000.0).await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/pd/1/listShppDirection.ssg", s.base_url))
        .header("Authorization", key(&s, 0))
        .header("Accept", "application/xml")
        .body(directions(&kst_day(1), &kst_day(0)).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 406);
    let (status, v) = post(
        &s,
        &key(&s, 0),
        "/api/pd/1/listShppDirection.ssg",
        directions(&kst_day(1), &kst_day(0)),
    )
    .await;
    assert_eq!(status, 200);
    assert!(v["result"].is_object());
}

#[tokio::test]
async fn settlements_and_unanswered_qna_are_served_and_answers_remove_questions() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    let mut lines = 0;
    for d in 0..14 {
        let (status, v) = get(
            &s,
            &k,
            "/api/settle/v1/ven/sales/list.ssg",
            &[("critnDt", kst_day(d))],
        )
        .await;
        assert_eq!((status, code(&v)), (200, "00"));
        for r in v["result"]["resultData"].as_array().unwrap() {
            assert_eq!(r["critnDt"], kst_day(d));
            assert_eq!(
                r["settlAmt"].as_i64().unwrap(),
                r["netAmt"].as_i64().unwrap() - r["sellFee"].as_i64().unwrap()
                    + r["dvShppcstAmt"].as_i64().unwrap()
            );
            lines += 1;
        }
    }
    assert!(lines > 0);
    let qna = |from: String, to: String| json!({"postngReq": {"qnaStartDt": from, "qnaEndDt": to}});
    let period = || {
        qna(
            format!("{}0000", kst_day(20)),
            format!("{}2359", kst_day(0)),
        )
    };
    let (status, before) = post(&s, &k, "/api/postng/qnaList.ssg", period()).await;
    assert_eq!((status, code(&before)), (200, "00"), "{before}");
    let open: Vec<String> = rows(&before, "postngList", "postng")
        .iter()
        .map(|r| r["postngId"].as_str().unwrap().to_string())
        .collect();
    assert!(!open.is_empty());
    // A week later some of them have been answered, and are no longer listed.
    s.clock().advance(Duration::days(7));
    let (_, after) = post(&s, &k, "/api/postng/qnaList.ssg", period()).await;
    let still: Vec<String> = rows(&after, "postngList", "postng")
        .iter()
        .map(|r| r["postngId"].as_str().unwrap().to_string())
        .collect();
    assert!(
        open.iter().any(|id| !still.contains(id)),
        "nothing was answered"
    );
    let (_, v) = post(
        &s,
        &k,
        "/api/postng/qnaList.ssg",
        qna("2025".into(), "x".into()),
    )
    .await;
    assert_eq!(code(&v), "400");
}

#[tokio::test]
async fn bursts_are_throttled_with_429_and_each_named_throttle_answer_is_given() {
    let s = start(5.0).await;
    let k = key(&s, 0);
    let mut throttled = 0;
    for _ in 0..20 {
        let (status, v) = get(
            &s,
            &k,
            "/api/settle/v1/ven/sales/list.ssg",
            &[("critnDt", kst_day(1))],
        )
        .await;
        if status == 429 {
            assert_eq!(code(&v), "429");
            throttled += 1;
        }
    }
    assert!(throttled > 0, "20 requests at once passed a 5/s bucket");
    let s = start(1000.0).await;
    let admin = format!("http://{}/_sim/inject", s.addr);
    for (name, want_status) in [("429", 429), ("result-429", 200)] {
        reqwest::Client::new()
            .post(&admin)
            .json(&json!({"throttle_next": 1, "throttle_answer": name}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        let (status, v) = get(
            &s,
            &key(&s, 0),
            "/api/settle/v1/ven/sales/list.ssg",
            &[("critnDt", kst_day(1))],
        )
        .await;
        assert_eq!((status, code(&v)), (want_status, "429"), "{name}: {v}");
        assert!(v["result"]["resultDesc"].as_str().unwrap().contains("초과"));
    }
}

/// Claims as the public clients read them: open cancel requests, cancelled lines, and
/// return and exchange pick-ups by the date `perdType` names, each a claim order line that
/// points at its original order line.
#[tokio::test]
async fn claim_listings_serve_cancels_returns_and_exchanges_by_their_dates() {
    let start_at: chrono::DateTime<Utc> = "2025-03-10T03:00:00Z".parse().unwrap();
    let s = sim::start(
        &sim::ssg::SIM,
        SimConfig {
            sellers: 1,
            rps: Some(1000.0),
            orders_per_day: 80,
            clock: SimClock::frozen_at(start_at),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let k = key(&s, 0);
    let kst = FixedOffset::east_opt(9 * 3600).unwrap();
    let day = |t: chrono::DateTime<Utc>, ago: i64| {
        (t.with_timezone(&kst) - Duration::days(ago))
            .format("%Y%m%d")
            .to_string()
    };
    let in_days = |text: &str, from: &str, to: &str| {
        let d: String = text.chars().filter(char::is_ascii_digit).take(8).collect();
        from <= d.as_str() && d.as_str() <= to
    };
    // Open cancel requests last hours: look every hour of a simulated day.
    let mut open = 0;
    for _ in 0..24 {
        let now = s.clock().now();
        let q = [("perdStrDts", day(now, 6)), ("perdEndDts", day(now, 0))];
        let (status, v) = get(&s, &k, CANCEL_REQUESTS, &q).await;
        assert_eq!((status, code(&v)), (200, "00"), "{v}");
        for r in plain_rows(&v, "resultData") {
            assert!(
                r["clmDemndDts"].is_string() && r["orordNo"].is_string(),
                "{r}"
            );
            assert_ne!(r["ordNo"], r["orordNo"], "a claim order has its own number");
            assert!(in_days(
                r["clmDemndDts"].as_str().unwrap(),
                &q[0].1,
                &q[1].1
            ));
            open += 1;
        }
        s.clock().advance(Duration::hours(1));
    }
    assert!(open > 0, "no open cancel request in a simulated day");
    let now = s.clock().now();
    let (from, to) = (day(now, 6), day(now, 0));
    let (status, v) = post(
        &s,
        &k,
        CANCELLED,
        json!({"request": {"perdStrDts": from, "perdEndDts": to}}),
    )
    .await;
    assert_eq!((status, code(&v)), (200, "00"), "{v}");
    let cancelled = plain_rows(&v, "data");
    assert!(!cancelled.is_empty());
    for r in &cancelled {
        assert_eq!(r["ordItemStatCd"], "180", "{r}");
        assert!(in_days(r["ordCnclDts"].as_str().unwrap(), &from, &to));
    }
    // Pick-ups by request date: returns and exchanges, each with its progress.
    let (status, v) = post(&s, &k, PICK_UPS, pick_ups("01", &from, &to, Some("21,22"))).await;
    assert_eq!((status, code(&v)), (200, "00"), "{v}");
    let asked = rows(&v, "exchangeTargets", "exchangeTarget");
    let kinds: BTreeSet<&str> = asked
        .iter()
        .map(|r| r["shppDivDtlCd"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["21", "22"]));
    for r in &asked {
        assert!(
            ["61", "63", "64"].contains(&r["lastShppProgStatDtlCd"].as_str().unwrap()),
            "{r}"
        );
        assert!(in_days(r["rcovDircDt"].as_str().unwrap(), &from, &to));
        assert!(r["orordNo"].is_string() && r["orordItemSeq"].is_string());
    }
    // By completion date: every row is done, and completed in the period.
    let (_, v) = post(&s, &k, PICK_UPS, pick_ups("02", &from, &to, None)).await;
    let done = rows(&v, "exchangeTargets", "exchangeTarget");
    assert!(!done.is_empty());
    for r in &done {
        assert_eq!(r["lastShppProgStatDtlCd"], "64", "{r}");
        assert!(in_days(r["rcovCmplDt"].as_str().unwrap(), &from, &to));
    }
    // One kind asked, one kind served.
    let (_, v) = post(&s, &k, PICK_UPS, pick_ups("01", &from, &to, Some("22"))).await;
    let exchanges = rows(&v, "exchangeTargets", "exchangeTarget");
    assert!(!exchanges.is_empty() && exchanges.iter().all(|r| r["shppDivDtlCd"] == "22"));
    // Refused in the envelope: an unknown perdType or kind, no request object.
    for body in [
        pick_ups("09", &from, &to, None),
        pick_ups("01", &from, &to, Some("21,99")),
        json!({"perdType": "01", "perdStrDts": from, "perdEndDts": to}),
    ] {
        let (status, v) = post(&s, &k, PICK_UPS, body.clone()).await;
        assert_eq!((status, code(&v)), (200, "400"), "{body}: {v}");
    }
}
