//! The Lotte ON simulator played by a client written straight from Lotte ON's documents
//! (GetStarted: Bearer key + Accept / Accept-Language / X-Timezone headers, the
//! `returnCode` envelope; the 209 page: one day per query): plain reqwest, nothing from
//! the collectors.

use chrono::Duration;
use serde_json::{Value, json};
use sim::{RunningSim, SimClock, SimConfig};

fn key(s: &RunningSim, i: usize) -> String {
    s.credentials[i]["credentials"]["api_key"]
        .as_str()
        .unwrap()
        .to_string()
}

fn tr_no(s: &RunningSim, i: usize) -> String {
    s.credentials[i]["seller_id"].as_str().unwrap().to_string()
}

async fn call(s: &RunningSim, key: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", s.base_url);
    let req = match &body {
        Some(b) => client
            .post(url)
            .header("Content-Type", "application/json")
            .body(b.to_string()),
        None => client.get(url),
    };
    let r = req
        .header("Authorization", format!("Bearer {key}"))
        .header("Accept", "application/json")
        .header("Accept-Language", "ko")
        .header("X-Timezone", "GMT+09:00")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn start(sellers: usize, orders_per_day: u32, rps: f64) -> RunningSim {
    sim::start(
        &sim::lotteon::SIM,
        SimConfig {
            sellers,
            rps: Some(rps),
            orders_per_day,
            clock: SimClock::frozen_at("2025-03-10T03:00:00Z".parse().unwrap()),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

const IDENTITY: &str = "/v1/openapi/common/v1/identity";
const DELIVERY: &str = "/v1/openapi/delivery/v1/SellerDeliveryOrdersSearch";
const PROGRESS: &str = "/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch";
const RETURNS: &str = "/v1/openapi/claim/v1/returningOpenApi/returnRequestSearch";
const SETTLE: &str = "/v1/openapi/settle/v1/se/SettleItmdSales";

fn day(days_ago: i64) -> String {
    ("2025-03-10T12:00:00+09:00"
        .parse::<chrono::DateTime<chrono::FixedOffset>>()
        .unwrap()
        - Duration::days(days_ago))
    .format("%Y%m%d")
    .to_string()
}

#[tokio::test]
async fn a_wrong_key_is_refused_with_http_401_in_the_envelope() {
    let s = start(1, 20, 1000.0).await;
    let (status, body) = call(&s, "0123456789abcdef", IDENTITY, None).await;
    assert_eq!(status, 401);
    assert!(body["returnCode"].is_string(), "{body}");
    assert_ne!(body["returnCode"], "0000");
    let (status, body) = call(&s, &key(&s, 0), IDENTITY, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["returnCode"], "0000");
    assert_eq!(body["data"]["trNo"], tr_no(&s, 0));
    assert_eq!(body["data"]["trGrpCd"], "SR");
}

#[tokio::test]
async fn more_than_one_day_of_orders_is_refused_with_2003_on_http_200() {
    let s = start(1, 20, 1000.0).await;
    let k = key(&s, 0);
    let two_days = json!({
        "srchStrtDt": format!("{}000000", day(2)),
        "srchEndDt": format!("{}235959", day(1)),
    });
    for path in [DELIVERY, PROGRESS] {
        let (status, body) = call(&s, &k, path, Some(two_days.clone())).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body["returnCode"], "2003", "{path}: {body}");
        assert!(body["data"].is_null());
    }
    let one_day = json!({
        "srchStrtDt": format!("{}000000", day(1)),
        "srchEndDt": format!("{}235959", day(1)),
        "trNo": tr_no(&s, 0),
    });
    let (status, body) = call(&s, &k, DELIVERY, Some(one_day)).await;
    assert_eq!((status, &body["returnCode"]), (200, &json!("0000")));
    let rows = body["data"]["deliveryOrderList"].as_array().unwrap();
    assert!(!rows.is_empty());
    // Korean text as sent, the documented field names.
    assert!(
        rows[0]["spdNm"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| ('가'..='힣').contains(&c))
    );
    for field in [
        "odNo",
        "odSeq",
        "procSeq",
        "odPrgsStepCd",
        "dvRtrvDvsCd",
        "ifCplYN",
        "slAmt",
    ] {
        assert!(!rows[0][field].is_null(), "{field}");
    }
    // Claims and settlements allow 30 days; 31 are refused.
    let (_, body) = call(
        &s,
        &k,
        RETURNS,
        Some(json!({
            "srchStrtDttm": format!("{}000000", day(31)),
            "srchEndDttm": format!("{}235959", day(0)),
        })),
    )
    .await;
    assert_eq!(body["returnCode"], "2003");
    let (_, body) = call(
        &s,
        &k,
        SETTLE,
        Some(json!({ "startDate": day(30), "endDate": day(0) })),
    )
    .await;
    assert_eq!(body["returnCode"], "2003");
}

#[tokio::test]
async fn another_partners_number_and_bad_parameters_are_refused_in_the_envelope() {
    let s = start(2, 20, 1000.0).await;
    let body = json!({
        "srchStrtDt": format!("{}000000", day(1)),
        "srchEndDt": format!("{}235959", day(1)),
        "trNo": tr_no(&s, 1),
    });
    let (status, answer) = call(&s, &key(&s, 0), DELIVERY, Some(body)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["returnCode"], "2002");
    let (_, answer) = call(
        &s,
        &key(&s, 0),
        DELIVERY,
        Some(json!({ "srchStrtDt": "2025-03-09", "srchEndDt": "2025-03-09" })),
    )
    .await;
    assert_eq!(answer["returnCode"], "2001");
}

#[tokio::test]
async fn pages_of_100_add_up_to_data_count() {
    let s = start(1, 400, 1000.0).await;
    let k = key(&s, 0);
    let mut seen = std::collections::BTreeSet::new();
    let mut total = None;
    for page in 1..=10 {
        let (_, body) = call(
            &s,
            &k,
            DELIVERY,
            Some(json!({
                "srchStrtDt": format!("{}000000", day(2)),
                "srchEndDt": format!("{}235959", day(2)),
                "pageNo": page,
                "rowsPerPage": 100,
            })),
        )
        .await;
        assert_eq!(body["returnCode"], "0000");
        total = body["dataCount"].as_u64();
        let rows = body["data"]["deliveryOrderList"].as_array().unwrap();
        for r in rows {
            seen.insert(format!("{}-{}", r["odNo"], r["odSeq"]));
        }
        if rows.len() < 100 {
            break;
        }
    }
    let total = total.unwrap();
    assert!(total > 100, "{total}");
    assert_eq!(seen.len() as u64, total);
    let (_, body) = call(
        &s,
        &k,
        DELIVERY,
        Some(json!({
            "srchStrtDt": format!("{}000000", day(2)),
            "srchEndDt": format!("{}235959", day(2)),
            "rowsPerPage": 101,
        })),
    )
    .await;
    assert_eq!(body["returnCode"], "2001");
}

#[tokio::test]
async fn over_the_rate_the_key_is_throttled_with_429() {
    // 1 call a second, a minute's burst: once the burst is spent, calls are refused. The
    // bucket refills while the calls run (a loaded machine takes seconds for 60 of them),
    // so what is accepted is the burst plus at most one call per second elapsed.
    let s = start(1, 5, 1.0).await;
    let k = key(&s, 0);
    let started = std::time::Instant::now();
    let mut accepted = 0;
    let refused = loop {
        match call(&s, &k, IDENTITY, None).await.0 {
            200 if accepted < 1000 => accepted += 1,
            status => break status,
        }
    };
    let refilled = started.elapsed().as_secs_f64().ceil() as usize;
    assert_eq!(refused, 429, "after {accepted} accepted calls");
    assert!(
        (60..=60 + refilled).contains(&accepted),
        "{accepted} calls accepted in {refilled} s"
    );
}

#[tokio::test]
async fn the_daily_cap_answers_1004_on_http_200() {
    let s = start(1, 5, 1000.0).await;
    let k = key(&s, 0);
    let admin = format!("http://{}/_sim/lotteon/daily-cap", s.addr);
    reqwest::Client::new()
        .post(&admin)
        .json(&json!({ "calls": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &k, IDENTITY, None).await.1["returnCode"], "0000");
    assert_eq!(call(&s, &k, IDENTITY, None).await.1["returnCode"], "0000");
    let (status, body) = call(&s, &k, IDENTITY, None).await;
    assert_eq!((status, &body["returnCode"]), (200, &json!("1004")));
    reqwest::Client::new()
        .post(&admin)
        .json(&json!({ "calls": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &k, IDENTITY, None).await.1["returnCode"], "0000");
}

#[tokio::test]
async fn acknowledging_moves_a_line_to_preparing_and_is_recorded_as_a_write() {
    let s = start(1, 60, 1000.0).await;
    let k = key(&s, 0);
    let today = json!({
        "srchStrtDt": format!("{}000000", day(0)),
        "srchEndDt": format!("{}235959", day(0)),
        "ifCplYN": "N",
    });
    let (_, body) = call(&s, &k, DELIVERY, Some(today.clone())).await;
    let rows = body["data"]["deliveryOrderList"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!rows.is_empty(), "no unacknowledged line today");
    let line = &rows[0];
    let (_, ack) = call(
        &s,
        &k,
        "/v1/openapi/delivery/v1/SellerIfCompleteInform",
        Some(json!({ "ifCompleteList": [{
            "dvRtrvDvsCd": "DV", "odNo": line["odNo"], "odSeq": line["odSeq"],
            "procSeq": line["procSeq"], "ifCplYN": "Y",
        }]})),
    )
    .await;
    assert_eq!(ack["returnCode"], "0000");
    assert_eq!(ack["data"]["rsltCd"], "0000");
    let (_, after) = call(&s, &k, DELIVERY, Some(today)).await;
    assert_eq!(
        after["data"]["deliveryOrderList"].as_array().unwrap().len(),
        rows.len() - 1
    );
    let (_, progress) = call(&s, &k, PROGRESS, Some(json!({ "odNo": line["odNo"] }))).await;
    let steps = progress["data"]["deliveryProgressStateList"]
        .as_array()
        .unwrap();
    assert!(
        steps
            .iter()
            .any(|p| p["odSeq"] == line["odSeq"] && p["odPrgsStepCd"] == "12")
    );
    let writes: Value = reqwest::get(format!("http://{}/_sim/lotteon/writes", s.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = writes[tr_no(&s, 0)].as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["lines"], 1);
}

#[tokio::test]
async fn statuses_move_as_simulated_time_passes() {
    let s = start(1, 80, 1000.0).await;
    let k = key(&s, 0);
    let body = json!({
        "srchStrtDt": format!("{}000000", day(1)),
        "srchEndDt": format!("{}235959", day(1)),
    });
    let steps = |v: Value| -> Vec<String> {
        v["data"]["deliveryProgressStateList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}-{}:{}", p["odNo"], p["odSeq"], p["odPrgsStepCd"]))
            .collect()
    };
    let before = steps(call(&s, &k, PROGRESS, Some(body.clone())).await.1);
    s.clock().advance(Duration::hours(12));
    let after = steps(call(&s, &k, PROGRESS, Some(body)).await.1);
    assert_ne!(before, after);
}
