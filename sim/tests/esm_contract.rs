//! The Gmarket and Auction simulators played by a client written straight from the ESM
//! Trading API guide (etapi.gmarket.com: 인증 가이드, 주문 조회, 클레임 조회): a JWT made
//! with jsonwebtoken's own `encode`, plain reqwest, nothing from the collectors.

use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sim::{RunningSim, SimConfig, SimSpec};

struct Access {
    seller: String,
    master: String,
    secret: String,
}

fn access(s: &RunningSim, i: usize) -> Access {
    let c = &s.credentials[i];
    Access {
        seller: c["seller_id"].as_str().unwrap().into(),
        master: c["credentials"]["master_id"].as_str().unwrap().into(),
        secret: c["credentials"]["secret_key"].as_str().unwrap().into(),
    }
}

/// As the guide: header `{alg, typ, kid}`, payload `{iss, sub, aud, iat, ssi}`, HS256.
fn jwt(kid: &str, secret: &str, ssi: &str, aud: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_string());
    let claims = json!({
        "iss": "www.esmplus.com",
        "sub": "sell",
        "aud": aud,
        "iat": Utc::now().timestamp(),
        "ssi": ssi,
    });
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn post(s: &RunningSim, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", s.base_url))
        .header("Authorization", format!("Bearer {token}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap()).unwrap(),
    )
}

async fn start(spec: &'static SimSpec, rps: Option<f64>, orders_per_day: u32) -> RunningSim {
    sim::start(
        spec,
        SimConfig {
            sellers: 2,
            rps,
            orders_per_day,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn minute(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&sim::esm::kst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn orders_body(site_type: u64, status: u64, days: i64, page: u64) -> Value {
    // To the next minute: orders paid this minute are in.
    let to = Utc::now() + Duration::minutes(1);
    json!({
        "siteType": site_type,
        "orderStatus": status,
        "requestDateType": 2,
        "requestDateFrom": minute(to - Duration::days(days)),
        "requestDateTo": minute(to),
        "pageIndex": page,
        "pageSize": 100,
    })
}

const ORDERS: &str = "/shipping/v1/Order/RequestOrders";
const DENIED: &str = "The user does not have right access to the api";

fn refused_401(status: u16, body: &Value) {
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["status"]["status_code"], 401, "{body}");
    assert_eq!(body["status"]["message"], DENIED, "{body}");
}

#[tokio::test]
async fn a_token_of_the_right_master_for_its_seller_is_served_in_pascal_case() {
    for (spec, letter, site_type) in [(&sim::esm::GMARKET, "G", 2), (&sim::esm::AUCTION, "A", 1)] {
        let s = start(spec, Some(1000.0), 30).await;
        let a = access(&s, 0);
        let token = jwt(
            &a.master,
            &a.secret,
            &format!("{letter}:{}", a.seller),
            "sa.esmplus.com",
        );
        let (status, body) = post(&s, &token, ORDERS, orders_body(site_type, 4, 7, 1)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["ResultCode"], 0, "{body}");
        let rows = body["data"]["RequestOrders"].as_array().unwrap();
        assert!(!rows.is_empty(), "{}: {body}", spec.id);
        assert!(rows[0]["OrderNo"].is_u64() && rows[0]["PayNo"].is_u64());
        assert_eq!(rows[0]["OrderStatus"], 4);
        // The guide's combined ssi (both sites) names this site's seller too.
        let both = format!("A:{0},G:{0}", a.seller);
        let (status, _) = post(
            &s,
            &jwt(&a.master, &a.secret, &both, "sa.esmplus.com"),
            ORDERS,
            orders_body(site_type, 4, 7, 1),
        )
        .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn a_wrong_secret_another_sellers_ssi_or_audience_is_refused_with_401() {
    let s = start(&sim::esm::GMARKET, Some(1000.0), 30).await;
    let (a, b) = (access(&s, 0), access(&s, 1));
    let ssi = format!("G:{}", a.seller);
    let body = orders_body(2, 1, 1, 1);
    let (st, v) = post(
        &s,
        &jwt(&a.master, "d3Jvbmcgc2VjcmV0", &ssi, "sa.esmplus.com"),
        ORDERS,
        body.clone(),
    )
    .await;
    refused_401(st, &v);
    // The master's token naming another seller.
    let (st, v) = post(
        &s,
        &jwt(
            &a.master,
            &a.secret,
            &format!("G:{}", b.seller),
            "sa.esmplus.com",
        ),
        ORDERS,
        body.clone(),
    )
    .await;
    refused_401(st, &v);
    // Another site's seller only.
    let (st, v) = post(
        &s,
        &jwt(
            &a.master,
            &a.secret,
            &format!("A:{}", a.seller),
            "sa.esmplus.com",
        ),
        ORDERS,
        body.clone(),
    )
    .await;
    refused_401(st, &v);
    let (st, v) = post(
        &s,
        &jwt(&a.master, &a.secret, &ssi, "example.com"),
        ORDERS,
        body.clone(),
    )
    .await;
    refused_401(st, &v);
    let (st, v) = post(
        &s,
        &jwt("nobody", &a.secret, &ssi, "sa.esmplus.com"),
        ORDERS,
        body.clone(),
    )
    .await;
    refused_401(st, &v);
    let r = reqwest::Client::new()
        .post(format!("{}{ORDERS}", s.base_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn ranges_longer_than_the_site_allows_answer_result_code_2000() {
    let g = start(&sim::esm::GMARKET, Some(1000.0), 5).await;
    let a = start(&sim::esm::AUCTION, Some(1000.0), 5).await;
    let (ga, aa) = (access(&g, 0), access(&a, 0));
    let gt = jwt(
        &ga.master,
        &ga.secret,
        &format!("G:{}", ga.seller),
        "sa.esmplus.com",
    );
    let at = jwt(
        &aa.master,
        &aa.secret,
        &format!("A:{}", aa.seller),
        "sa.esmplus.com",
    );
    let (_, v) = post(&g, &gt, ORDERS, orders_body(2, 1, 31, 1)).await;
    assert_eq!(v["ResultCode"], 0, "{v}");
    let (st, v) = post(&g, &gt, ORDERS, orders_body(2, 1, 32, 1)).await;
    assert_eq!((st, v["ResultCode"].clone()), (200, json!(2000)), "{v}");
    // Auction allows 180 days.
    let (_, v) = post(&a, &at, ORDERS, orders_body(1, 1, 90, 1)).await;
    assert_eq!(v["ResultCode"], 0, "{v}");
    let (_, v) = post(&a, &at, ORDERS, orders_body(1, 1, 182, 1)).await;
    assert_eq!(v["ResultCode"], 2000, "{v}");
    // A site's order call with the other site's siteType is refused.
    let (_, v) = post(&a, &at, ORDERS, orders_body(2, 1, 1, 1)).await;
    assert_ne!(v["ResultCode"], 0, "{v}");
    // Claims: 7 days apart is refused, 6 served, with ResultCode "success".
    let today = Utc::now().with_timezone(&sim::esm::kst()).date_naive();
    let claim = |days: i64| json!({"SiteType": 3, "Type": 2, "StartDate": (today - Duration::days(days)).to_string(), "EndDate": today.to_string()});
    let (_, v) = post(&g, &gt, "/claim/v1/sa/Returns", claim(6)).await;
    assert_eq!(v["ResultCode"], "success", "{v}");
    let (_, v) = post(&g, &gt, "/claim/v1/sa/Returns", claim(7)).await;
    assert_eq!(v["ResultCode"], 2000, "{v}");
    // Boards: 7-day windows, end exclusive.
    let board = |days: i64| json!({"qnaType": 3, "status": 1, "type": 1, "startDate": (today - Duration::days(days)).to_string(), "endDate": today.to_string()});
    let (_, v) = post(
        &g,
        &gt,
        "/item/v1/communications/customer/bulletin-board",
        board(7),
    )
    .await;
    assert_eq!(v["resultCode"], 0, "{v}");
    let (_, v) = post(
        &g,
        &gt,
        "/item/v1/communications/customer/bulletin-board",
        board(8),
    )
    .await;
    assert_eq!(v["ResultCode"], 2000, "{v}");
}

#[tokio::test]
async fn pages_follow_page_index_and_cover_the_total() {
    let s = start(&sim::esm::GMARKET, Some(1000.0), 400).await;
    let a = access(&s, 0);
    let t = jwt(
        &a.master,
        &a.secret,
        &format!("G:{}", a.seller),
        "sa.esmplus.com",
    );
    let (_, first) = post(&s, &t, ORDERS, orders_body(2, 5, 14, 1)).await;
    let total = first["data"]["TotalCount"].as_u64().unwrap();
    assert!(total > 100, "{total}");
    let mut seen = std::collections::BTreeSet::new();
    for page in 1..=total.div_ceil(100) {
        let (_, v) = post(&s, &t, ORDERS, orders_body(2, 5, 14, page)).await;
        for r in v["data"]["RequestOrders"].as_array().unwrap() {
            seen.insert(r["OrderNo"].as_u64().unwrap());
        }
    }
    assert_eq!(seen.len() as u64, total);
}

#[tokio::test]
async fn a_second_order_call_within_five_seconds_answers_result_code_3000() {
    // The documented pace: no rps override.
    let s = start(&sim::esm::AUCTION, None, 5).await;
    let (a, b) = (access(&s, 0), access(&s, 1));
    let ta = jwt(
        &a.master,
        &a.secret,
        &format!("A:{}", a.seller),
        "sa.esmplus.com",
    );
    let tb = jwt(
        &b.master,
        &b.secret,
        &format!("A:{}", b.seller),
        "sa.esmplus.com",
    );
    let (_, v) = post(&s, &ta, ORDERS, orders_body(1, 1, 1, 1)).await;
    assert_eq!(v["ResultCode"], 0, "{v}");
    // PreRequestOrders shares the budget.
    let today = Utc::now();
    let pre = json!({"siteType": 1, "requestDateFrom": minute(today - Duration::days(1)), "requestDateTo": minute(today)});
    let (st, v) = post(&s, &ta, "/shipping/v1/Order/PreRequestOrders", pre).await;
    assert_eq!((st, v["ResultCode"].clone()), (200, json!(3000)), "{v}");
    // Another seller has its own budget; claims are another group.
    let (_, v) = post(&s, &tb, ORDERS, orders_body(1, 1, 1, 1)).await;
    assert_eq!(v["ResultCode"], 0, "{v}");
    let d = Utc::now()
        .with_timezone(&sim::esm::kst())
        .date_naive()
        .to_string();
    let (_, v) = post(
        &s,
        &ta,
        "/claim/v1/sa/Cancels",
        json!({"SiteType": 1, "Type": 2, "StartDate": d, "EndDate": d}),
    )
    .await;
    assert_eq!(v["ResultCode"], "success", "{v}");
    // An injected throttle is the same answer.
    let s2 = start(&sim::esm::GMARKET, Some(1000.0), 5).await;
    reqwest::Client::new()
        .post(format!("{}/_sim/inject", s2.base_url))
        .json(&json!({"throttle_next": 1, "throttle_answer": "3000"}))
        .send()
        .await
        .unwrap();
    let g = access(&s2, 0);
    let tg = jwt(
        &g.master,
        &g.secret,
        &format!("G:{}", g.seller),
        "sa.esmplus.com",
    );
    let (_, v) = post(&s2, &tg, ORDERS, orders_body(2, 1, 1, 1)).await;
    assert_eq!(v["ResultCode"], 3000, "{v}");
}

#[tokio::test]
async fn settlements_carry_refunds_with_the_opposite_sign() {
    let s = start(&sim::esm::GMARKET, Some(1000.0), 200).await;
    let a = access(&s, 0);
    let t = jwt(
        &a.master,
        &a.secret,
        &format!("G:{}", a.seller),
        "sa.esmplus.com",
    );
    let today = Utc::now().with_timezone(&sim::esm::kst()).date_naive();
    let mut rows = Vec::new();
    for page in 1..=40 {
        let (_, v) = post(&s, &t, "/account/v1/settle/getsettleorder", json!({
            "SiteType": "G", "SrchType": "D9",
            "SrchStartDate": (today - Duration::days(20)).to_string(), "SrchEndDate": today.to_string(),
            "PageNo": page, "PageRowCnt": 100,
        })).await;
        assert_eq!(v["ResultCode"], 0, "{v}");
        let page_rows = v["Data"].as_array().unwrap().clone();
        if page_rows.is_empty() {
            break;
        }
        rows.extend(page_rows);
    }
    let refunds: Vec<_> = rows.iter().filter(|r| !r["RefundDate"].is_null()).collect();
    assert!(!refunds.is_empty() && refunds.len() < rows.len());
    assert!(refunds.iter().all(|r| r["SellPrice"].as_i64().unwrap() < 0 && r["SettlePrice"].as_i64().unwrap() < 0));
}
