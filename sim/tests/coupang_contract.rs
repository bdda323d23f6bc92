//! The Coupang simulator played by a client written straight from Coupang's documents
//! (developers.coupangcorp.com "Creating HMAC Signature" and the ordersheets page): plain
//! reqwest + hmac, nothing from the collectors.

use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use sim::{RunningSim, SimConfig};

struct Keys {
    vendor: String,
    access: String,
    secret: String,
}

fn keys(s: &RunningSim, i: usize) -> Keys {
    let c = &s.credentials[i]["credentials"];
    Keys {
        vendor: c["vendor_id"].as_str().unwrap().into(),
        access: c["access_key"].as_str().unwrap().into(),
        secret: c["secret_key"].as_str().unwrap().into(),
    }
}

/// As the official Python sample: signed-date in UTC `yyMMdd'T'HHmmss'Z'`, message =
/// date + method + path + query, lowercase hex HMAC-SHA256.
fn authorization(k: &Keys, date: chrono::DateTime<Utc>, path: &str, query: &str) -> String {
    let signed = date.format("%y%m%dT%H%M%SZ").to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(k.secret.as_bytes()).unwrap();
    mac.update(format!("{signed}GET{path}{query}").as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    format!(
        "CEA algorithm=HmacSHA256, access-key={}, signed-date={signed}, signature={sig}",
        k.access
    )
}

async fn get(
    s: &RunningSim,
    k: &Keys,
    date: chrono::DateTime<Utc>,
    path: &str,
    query: &str,
) -> (u16, String) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}?{query}", s.base_url))
        .header("Authorization", authorization(k, date, path, query))
        .header("Content-Type", "application/json;charset=UTF-8")
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn start() -> RunningSim {
    sim::start(
        &sim::coupang::SIM,
        SimConfig {
            sellers: 2,
            rps: Some(1000.0),
            orders_per_day: 40,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn ordersheets(k: &Keys) -> String {
    format!(
        "/v2/providers/openapi/apis/api/v4/vendors/{}/ordersheets",
        k.vendor
    )
}

fn kst_date(days_ago: i64) -> String {
    (Utc::now() + Duration::hours(9) - Duration::days(days_ago))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn orders_are_served_with_valid_keys_and_paged_by_next_token() {
    let s = start().await;
    let k = keys(&s, 0);
    let path = ordersheets(&k);
    let (from, to) = (kst_date(10), kst_date(0));
    let mut token = String::new();
    let mut rows = Vec::new();
    let mut pages = 0;
    loop {
        let mut q =
            format!("createdAtFrom={from}&createdAtTo={to}&status=FINAL_DELIVERY&maxPerPage=50");
        if !token.is_empty() {
            q.push_str(&format!("&nextToken={token}"));
        }
        let (status, body) = get(&s, &k, Utc::now(), &path, &q).await;
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["code"], 200);
        let data = v["data"].as_array().unwrap();
        assert!(data.len() <= 50);
        rows.extend(data.iter().cloned());
        pages += 1;
        token = v["nextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert!(pages > 1, "more than one page at this volume");
    let row = &rows[0];
    assert_eq!(row["status"], "FINAL_DELIVERY");
    for field in [
        "shipmentBoxId",
        "orderId",
        "orderedAt",
        "paidAt",
        "orderer",
        "receiver",
        "orderItems",
    ] {
        assert!(!row[field].is_null(), "{field}");
    }
    // KST without offset.
    let paid = row["paidAt"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(paid, "%Y-%m-%dT%H:%M:%S").is_ok(),
        "{paid}"
    );
    let item = &row["orderItems"][0];
    for field in [
        "vendorItemId",
        "shippingCount",
        "salesPrice",
        "orderPrice",
        "sellerProductName",
    ] {
        assert!(!item[field].is_null(), "{field}");
    }
    let ids: std::collections::BTreeSet<_> = rows
        .iter()
        .map(|r| r["shipmentBoxId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), rows.len(), "no box twice across pages");

    // The Partners-API sample style (no spaces after commas) is accepted as well.
    let q = format!("createdAtFrom={to}&createdAtTo={to}&status=ACCEPT");
    let compact = authorization(&k, Utc::now(), &path, &q).replace(", ", ",");
    let r = reqwest::Client::new()
        .get(format!("{}{path}?{q}", s.base_url))
        .header("Authorization", compact)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn refusals_are_as_documented() {
    let s = start().await;
    let k = keys(&s, 0);
    let path = ordersheets(&k);
    let today = kst_date(0);
    let q = format!("createdAtFrom={today}&createdAtTo={today}&status=ACCEPT");

    // Wrong secret key.
    let wrong = Keys {
        secret: "wrong-secret".into(),
        ..keys(&s, 0)
    };
    let (status, body) = get(&s, &wrong, Utc::now(), &path, &q).await;
    assert_eq!(status, 401, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], 401);

    // A signed-date 10 minutes old (CEA has no token: the signature is what expires).
    let (status, body) = get(&s, &k, Utc::now() - Duration::minutes(10), &path, &q).await;
    assert_eq!(status, 401);
    assert!(body.contains("Specified signature is expired"), "{body}");
    // ... and one from the future alike.
    let (status, _) = get(&s, &k, Utc::now() + Duration::minutes(10), &path, &q).await;
    assert_eq!(status, 401);

    // A signature over another query than the one sent.
    let auth = authorization(&k, Utc::now(), &path, &q);
    let r = reqwest::Client::new()
        .get(format!("{}{path}?{q}&maxPerPage=1", s.base_url))
        .header("Authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // Another seller's vendorId with these keys.
    let other = keys(&s, 1);
    let (status, _) = get(&s, &k, Utc::now(), &ordersheets(&other), &q).await;
    assert_eq!(status, 403);

    // Ranges: 40 days of ordersheets, 8 days of inquiries, over 7 days of exchanges.
    let (status, body) = get(
        &s,
        &k,
        Utc::now(),
        &path,
        &format!(
            "createdAtFrom={}&createdAtTo={today}&status=ACCEPT",
            kst_date(39)
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], 400);
    assert!(v["message"].as_str().unwrap().contains("31"));
    let inq = format!(
        "/v2/providers/openapi/apis/api/v4/vendors/{}/onlineInquiries",
        k.vendor
    );
    let (status, _) = get(
        &s,
        &k,
        Utc::now(),
        &inq,
        &format!("vendorId={}&inquiryStartAt={}&inquiryEndAt={today}&answeredType=ALL&pageNum=1&pageSize=50", k.vendor, kst_date(7)),
    )
    .await;
    assert_eq!(status, 400);
    let exch = format!(
        "/v2/providers/openapi/apis/api/v4/vendors/{}/exchangeRequests",
        k.vendor
    );
    let (status, _) = get(
        &s,
        &k,
        Utc::now(),
        &exch,
        &format!(
            "createdAtFrom={}T00%3A00%3A00&createdAtTo={today}T23%3A59%3A59",
            kst_date(7)
        ),
    )
    .await;
    assert_eq!(status, 400);
    // Status is required and must be documented; revenue-history needs its token.
    let (status, _) = get(
        &s,
        &k,
        Utc::now(),
        &path,
        &format!("createdAtFrom={today}&createdAtTo={today}"),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = get(
        &s,
        &k,
        Utc::now(),
        &path,
        &format!("createdAtFrom={today}&createdAtTo={today}&status=SHIPPED"),
    )
    .await;
    assert_eq!(status, 400);
    let rev = "/v2/providers/openapi/apis/api/v1/revenue-history";
    let (status, _) = get(
        &s,
        &k,
        Utc::now(),
        rev,
        &format!(
            "vendorId={}&recognitionDateFrom={today}&recognitionDateTo={today}&maxPerPage=50",
            k.vendor
        ),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = get(
        &s,
        &k,
        Utc::now(),
        rev,
        &format!("vendorId={}&recognitionDateFrom={today}&recognitionDateTo={today}&token=&maxPerPage=51", k.vendor),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = get(
        &s,
        &k,
        Utc::now(),
        rev,
        &format!(
            "vendorId={}&recognitionDateFrom={}&recognitionDateTo={today}&token=&maxPerPage=50",
            k.vendor,
            kst_date(20)
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn bursts_are_throttled_and_failures_earn_akamais_access_denied() {
    // At the documented 10 calls/s per vendorId.
    let s = sim::start(
        &sim::coupang::SIM,
        SimConfig {
            sellers: 2,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let k = keys(&s, 0);
    let path = ordersheets(&k);
    let today = kst_date(0);
    let q = format!("createdAtFrom={today}&createdAtTo={today}&status=ACCEPT&maxPerPage=1");
    // Warm the seller's world first, then 30 requests at once.
    assert_eq!(get(&s, &k, Utc::now(), &path, &q).await.0, 200);
    let client = reqwest::Client::new();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let req = client
            .get(format!("{}{path}?{q}", s.base_url))
            .header("Authorization", authorization(&k, Utc::now(), &path, &q));
        set.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    let statuses = set.join_all().await;
    assert!(
        statuses.iter().filter(|s| **s == 200).count() >= 9,
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    // The other vendor has its own bucket.
    let k1 = keys(&s, 1);
    assert_eq!(get(&s, &k1, Utc::now(), &ordersheets(&k1), &q).await.0, 200);

    // More than 20 failures within 10 s: the access key gets the HTML 403 for a while,
    // even with a correct signature.
    let wrong = Keys {
        secret: "wrong".into(),
        ..keys(&s, 1)
    };
    for _ in 0..21 {
        get(&s, &wrong, Utc::now(), &ordersheets(&k1), &q).await;
    }
    let (status, body) = get(&s, &k1, Utc::now(), &ordersheets(&k1), &q).await;
    assert_eq!(status, 403);
    assert!(body.contains("Access Denied"), "{body}");
}

#[tokio::test]
async fn each_named_throttle_answer_is_given_in_coupangs_shape() {
    let s = start().await;
    let k = keys(&s, 0);
    let today = kst_date(0);
    let q = format!("createdAtFrom={today}&createdAtTo={today}&status=ACCEPT&maxPerPage=1");
    let inject = |body: Value| {
        let url = format!("{}/_sim/inject", s.base_url);
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(sim::coupang::SIM.throttles, ["429", "akamai-403"]);
    assert_eq!(
        inject(serde_json::json!({"throttle_next": 1, "throttle_answer": "429"}))
            .await
            .0,
        200
    );
    let (status, body) = get(&s, &k, Utc::now(), &ordersheets(&k), &q).await;
    assert_eq!(status, 429);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], 429);
    inject(serde_json::json!({"throttle_next": 1, "throttle_answer": "akamai-403"})).await;
    let (status, body) = get(&s, &k, Utc::now(), &ordersheets(&k), &q).await;
    assert_eq!(status, 403);
    assert!(body.contains("Access Denied"), "{body}");
    // Counted: the next answer is data again.
    assert_eq!(get(&s, &k, Utc::now(), &ordersheets(&k), &q).await.0, 200);
    let (status, body) =
        inject(serde_json::json!({"throttle_next": 1, "throttle_answer": "GW.RATE_LIMIT"})).await;
    assert_eq!(status, 400);
    assert!(body.contains("akamai-403"), "{body}");
}
