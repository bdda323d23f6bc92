//! The Naver simulator against an independent client written straight from the Commerce
//! API docs (reqwest + bcrypt + base64 only; nothing of sellerbox-shared).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::Value;
use sim::{RunningSim, SimConfig};
use std::collections::HashSet;

async fn start(config: SimConfig) -> RunningSim {
    sim::start(&sim::naver::SIM, config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

struct Creds {
    base: String,
    client_id: String,
    client_secret: String,
    account_id: String,
}

fn creds(sim: &RunningSim, seller: usize) -> Creds {
    let e = &sim.credentials[seller];
    let c = &e["credentials"];
    let s = |v: &Value| v.as_str().unwrap().to_string();
    Creds {
        base: s(&e["base_url"]),
        client_id: s(&c["client_id"]),
        client_secret: s(&c["client_secret"]),
        account_id: s(&c["account_id"]),
    }
}

/// The documented sign: Base64(BCrypt.hashpw(client_id + "_" + timestamp, client_secret)).
fn sign(client_id: &str, secret: &str, timestamp: i64) -> String {
    // `$2a$04$` + 22 salt characters in bcrypt's base64.
    let cost: u32 = secret[4..6].parse().unwrap();
    let b64 = base64::engine::GeneralPurpose::new(
        &base64::alphabet::BCRYPT,
        base64::engine::general_purpose::NO_PAD,
    );
    let salt: [u8; 16] = b64.decode(&secret[7..29]).unwrap().try_into().unwrap();
    let hashed = bcrypt::hash_with_salt(format!("{client_id}_{timestamp}"), cost, salt)
        .unwrap()
        .format_for_version(bcrypt::Version::TwoA);
    STANDARD.encode(hashed)
}

async fn token_request(c: &Creds, secret: &str, timestamp: i64) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v1/oauth2/token", c.base))
        .form(&[
            ("client_id", c.client_id.as_str()),
            ("timestamp", &timestamp.to_string()),
            ("grant_type", "client_credentials"),
            ("client_secret_sign", &sign(&c.client_id, secret, timestamp)),
            ("type", "SELLER"),
            ("account_id", c.account_id.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

async fn token(c: &Creds) -> String {
    let r = token_request(c, &c.client_secret, Utc::now().timestamp_millis()).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 10_000);
    body["access_token"].as_str().unwrap().to_string()
}

fn kst(t: DateTime<Utc>) -> String {
    t.with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

async fn get(c: &Creds, token: &str, path: &str, query: &[(&str, String)]) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", c.base))
        .bearer_auth(token)
        .query(query)
        .send()
        .await
        .unwrap()
}

const FEED: &str = "/v1/pay-order/seller/product-orders/last-changed-statuses";

#[tokio::test]
async fn a_documented_client_gets_orders_through_the_change_feed_and_details() {
    let sim = start(SimConfig {
        orders_per_day: 400,
        ..Default::default()
    })
    .await;
    let c = creds(&sim, 0);
    let t = token(&c).await;
    // The same token while ≥30 minutes are left (§2.6).
    assert_eq!(token(&c).await, t);

    let now = sim.clock().now();
    let (from, to) = (kst(now - Duration::hours(24)), kst(now));
    let mut ids: Vec<String> = Vec::new();
    let mut pages = 0;
    let mut query = vec![
        ("lastChangedFrom", from.clone()),
        ("lastChangedTo", to.clone()),
    ];
    loop {
        let r = get(&c, &t, FEED, &query).await;
        assert_eq!(r.status(), 200);
        for h in [
            "gncp-gw-ratelimit-replenish-rate",
            "gncp-gw-ratelimit-burst-capacity",
            "gncp-gw-ratelimit-remaining",
        ] {
            assert!(r.headers().contains_key(h), "{h}");
        }
        let body: Value = r.json().await.unwrap();
        pages += 1;
        let rows = body["data"]["lastChangeStatuses"].as_array().unwrap();
        assert!(rows.len() <= 300);
        let mut prev: Option<(DateTime<Utc>, u64)> = None;
        for row in rows {
            let at = DateTime::parse_from_rfc3339(row["lastChangedDate"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc);
            assert!(row["lastChangedDate"].as_str().unwrap().ends_with("+09:00"));
            let id: u64 = row["productOrderId"].as_str().unwrap().parse().unwrap();
            assert!(prev.is_none_or(|p| p < (at, id)), "sorted by time, then id");
            prev = Some((at, id));
            ids.push(id.to_string());
        }
        match body["data"].get("more") {
            Some(more) => {
                query = vec![
                    (
                        "lastChangedFrom",
                        more["moreFrom"].as_str().unwrap().to_string(),
                    ),
                    ("lastChangedTo", to.clone()),
                    (
                        "moreSequence",
                        more["moreSequence"].as_str().unwrap().to_string(),
                    ),
                ];
            }
            None => break,
        }
    }
    assert!(pages >= 2, "more than 300 rows need the more cursor");
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no row repeated across pages");

    let world_items: usize = sim
        .state
        .world
        .seller(0)
        .orders
        .iter()
        .map(|o| o.items.len())
        .sum();
    assert!(ids.len() < world_items);

    let client = reqwest::Client::new();
    let url = format!("{}/v1/pay-order/seller/product-orders/query", c.base);
    let r = client
        .post(&url)
        .bearer_auth(&t)
        .json(&serde_json::json!({"productOrderIds": &ids[..300], "quantityClaimCompatibility": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 300);
    assert!(data[0]["order"]["orderId"].is_string());
    assert!(data[0]["productOrder"]["productOrderStatus"].is_string());
    let r = client
        .post(&url)
        .bearer_auth(&t)
        .json(&serde_json::json!({"productOrderIds": &ids[..301]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "more than 300 ids");
}

#[tokio::test]
async fn token_requests_are_refused_as_documented() {
    let sim = start(SimConfig::default()).await;
    let c = creds(&sim, 0);
    let now = Utc::now().timestamp_millis();

    let r = token_request(&c, "$2a$04$abcdefghijklmnopqrstuu", now).await;
    assert_eq!(r.status(), 401, "a wrong secret");
    let body: Value = r.json().await.unwrap();
    assert!(body["code"].is_string() && body["traceId"].is_string());

    let r = token_request(&c, &c.client_secret, now - 6 * 60 * 1000).await;
    assert_eq!(r.status(), 400, "a timestamp older than 5 minutes");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["invalidInputs"][0]["name"], "timestamp");

    let r = token_request(&c, &c.client_secret, now + 10 * 60 * 1000).await;
    assert_eq!(r.status(), 400, "a timestamp from the future");

    let other = Creds {
        account_id: "ncp_notdelegated".into(),
        ..creds(&sim, 0)
    };
    let r = token_request(&other, &c.client_secret, now).await;
    assert_eq!(
        r.status(),
        400,
        "an account that did not delegate to the app"
    );
}

#[tokio::test]
async fn a_bad_or_expired_token_gets_gw_authn() {
    let sim = start(SimConfig::default()).await;
    let c = creds(&sim, 0);
    let now = sim.clock().now();
    let q = [("lastChangedFrom", kst(now - Duration::hours(1)))];
    let r = get(&c, "not-a-token", FEED, &q).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("gncp-gw-trace-id"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "GW.AUTHN");
    assert_eq!(body["message"], "요청을 보낼 권한이 없습니다.");

    let t = token(&c).await;
    sim.faults().expire_tokens_next(1);
    assert_eq!(get(&c, &t, FEED, &q).await.status(), 401);
    assert_eq!(get(&c, &t, FEED, &q).await.status(), 200);
}

#[tokio::test]
async fn documented_ranges_and_page_sizes_are_enforced() {
    let sim = start(SimConfig::default()).await;
    let c = creds(&sim, 0);
    let t = token(&c).await;
    let now = sim.clock().now();

    let r = get(
        &c,
        &t,
        FEED,
        &[
            ("lastChangedFrom", kst(now - Duration::hours(25))),
            ("lastChangedTo", kst(now)),
        ],
    )
    .await;
    assert_eq!(r.status(), 400, "over 24 hours");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["invalidInputs"][0]["name"], "lastChangedTo");
    assert!(body["traceId"].is_string() && body["timestamp"].is_string());

    let day = now.format("%Y-%m-%d").to_string();
    let settle = |size: &str| {
        vec![
            ("searchDate", day.clone()),
            (
                "periodType",
                "SETTLE_CASEBYCASE_SETTLE_BASIS_DATE".to_string(),
            ),
            ("pageNumber", "1".to_string()),
            ("pageSize", size.to_string()),
        ]
    };
    let r = get(&c, &t, "/v1/pay-settle/settle/case", &settle("1000")).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["pagination"]["totalPages"].is_number());
    let r = get(&c, &t, "/v1/pay-settle/settle/case", &settle("1001")).await;
    assert_eq!(r.status(), 400);
    let r = get(
        &c,
        &t,
        "/v1/pay-settle/settle/case",
        &[("searchDate", day.clone())],
    )
    .await;
    assert_eq!(
        r.status(),
        400,
        "periodType, pageNumber and pageSize are required"
    );

    let qna = |size: &str| {
        vec![
            ("fromDate", kst(now - Duration::days(7))),
            ("toDate", kst(now)),
            ("page", "1".to_string()),
            ("size", size.to_string()),
        ]
    };
    assert_eq!(
        get(&c, &t, "/v1/contents/qnas", &qna("100")).await.status(),
        200
    );
    assert_eq!(
        get(&c, &t, "/v1/contents/qnas", &qna("101")).await.status(),
        400
    );

    let inquiries = |start: String, size: &str| {
        vec![
            ("startSearchDate", start),
            ("endSearchDate", day.clone()),
            ("page", "1".to_string()),
            ("size", size.to_string()),
        ]
    };
    let week_ago = (now - Duration::days(7)).format("%Y-%m-%d").to_string();
    let r = get(
        &c,
        &t,
        "/v1/pay-user/inquiries",
        &inquiries(week_ago.clone(), "200"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("charset=UTF-8")
    );
    let long_ago = (now - Duration::days(400)).format("%Y-%m-%d").to_string();
    let r = get(
        &c,
        &t,
        "/v1/pay-user/inquiries",
        &inquiries(long_ago, "200"),
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], 4003);
    let r = get(
        &c,
        &t,
        "/v1/pay-user/inquiries",
        &inquiries(week_ago, "201"),
    )
    .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn the_bucket_per_app_and_api_answers_gw_rate_limit() {
    let sim = start(SimConfig {
        rps: Some(1.0),
        ..Default::default()
    })
    .await;
    let c = creds(&sim, 0);
    let t = token(&c).await;
    let now = sim.clock().now();
    let q = [("lastChangedFrom", kst(now - Duration::hours(1)))];
    // Burst capacity is twice the rate: 2 pass, the third is throttled.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get(&c, &t, FEED, &q).await);
    }
    assert_eq!(statuses[0].status(), 200);
    assert_eq!(
        statuses[0].headers()["gncp-gw-ratelimit-burst-capacity"],
        "2"
    );
    let last = statuses.pop().unwrap();
    assert_eq!(last.status(), 429);
    assert_eq!(last.headers()["gncp-gw-ratelimit-remaining"], "0");
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["code"], "GW.RATE_LIMIT");
    // Another API has its own bucket; another seller of the same app shares this one.
    let qna = [
        ("fromDate", kst(now - Duration::days(1))),
        ("toDate", kst(now)),
    ];
    assert_eq!(get(&c, &t, "/v1/contents/qnas", &qna).await.status(), 200);
    let c2 = creds(&sim, 1);
    let t2 = token(&c2).await;
    assert_eq!(get(&c2, &t2, FEED, &q).await.status(), 429);
}

#[tokio::test]
async fn rows_sharing_one_change_time_are_split_across_pages_without_loss() {
    let sim = start(SimConfig::default()).await;
    let c = creds(&sim, 0);
    let t = token(&c).await;
    let now = sim.clock().now();
    // An order of two items whose current stage is a reported change (§5.1's list has no
    // 발주확인/배송완료): both items change at the same instant.
    let order = sim
        .state
        .world
        .seller(0)
        .orders
        .iter()
        .find(|o| {
            o.items.len() == 2
                && o.stage_at(now).is_some_and(|(s, at)| {
                    now - at < Duration::hours(24)
                        && !matches!(
                            s,
                            sim::world::Stage::Preparing | sim::world::Stage::Delivered
                        )
                })
        })
        .expect("the seeded world has such an order");
    let at = kst(order.stage_at(now).unwrap().1);
    let mut seen = Vec::new();
    let mut query = vec![
        ("lastChangedFrom", at.clone()),
        ("lastChangedTo", at.clone()),
        ("limitCount", "1".to_string()),
    ];
    for _ in 0..10 {
        let body: Value = get(&c, &t, FEED, &query).await.json().await.unwrap();
        for row in body["data"]["lastChangeStatuses"].as_array().unwrap() {
            seen.push(row["productOrderId"].as_str().unwrap().to_string());
        }
        let Some(more) = body["data"].get("more") else {
            break;
        };
        assert_eq!(more["moreFrom"].as_str().unwrap(), at);
        query = vec![
            ("lastChangedFrom", at.clone()),
            ("lastChangedTo", at.clone()),
            ("limitCount", "1".to_string()),
            (
                "moreSequence",
                more["moreSequence"].as_str().unwrap().to_string(),
            ),
        ];
    }
    for item in &order.items {
        let id = item.item_no.to_string();
        assert_eq!(
            seen.iter().filter(|s| **s == id).count(),
            1,
            "{id} exactly once"
        );
    }
}

#[tokio::test]
async fn each_named_throttle_answer_is_given_in_navers_shape() {
    let sim = start(SimConfig::default()).await;
    let c = creds(&sim, 0);
    let t = token(&c).await;
    let now = sim.clock().now();
    let q = [("lastChangedFrom", kst(now - Duration::hours(1)))];
    let inject = |answer: &str| {
        reqwest::Client::new()
            .post(format!("http://{}/_sim/inject", sim.addr))
            .json(&serde_json::json!({"throttle_next": 1, "throttle_answer": answer}))
            .send()
    };
    assert_eq!(
        sim::naver::SIM.throttles,
        ["GW.RATE_LIMIT", "GW.QUOTA_LIMIT"]
    );
    for answer in sim::naver::SIM.throttles {
        assert_eq!(inject(answer).await.unwrap().status(), 200);
        let r = get(&c, &t, FEED, &q).await;
        assert_eq!(r.status(), 429, "{answer}");
        let h = r.headers().clone();
        assert!(
            h.contains_key("gncp-gw-ratelimit-replenish-rate"),
            "{answer}"
        );
        if *answer == "GW.QUOTA_LIMIT" {
            assert_eq!(h["gncp-gw-quota-period"], "SECONDS");
            assert_eq!(h["gncp-gw-quota-remaining"], "0");
            assert!(h.contains_key("gncp-gw-quota-limit"));
        }
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], *answer);
        assert!(body["traceId"].is_string());
        assert_eq!(get(&c, &t, FEED, &q).await.status(), 200, "{answer}");
    }
    let r = inject("akamai-403").await.unwrap();
    assert_eq!(r.status(), 400);
}
