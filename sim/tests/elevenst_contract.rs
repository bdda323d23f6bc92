//! The 11st simulator played by a client written straight from 11st's documents (the Open
//! API catalog, shared/markets/11st.md): plain reqwest and encoding_rs, the `openapikey`
//! header, paths under `/rest`, EUC-KR XML; nothing from the collectors.

use chrono::Duration;
use serde_json::json;
use sim::{RunningSim, SimConfig};

async fn start(rps: f64) -> RunningSim {
    sim::start(
        &sim::elevenst::SIM,
        SimConfig {
            sellers: 2,
            rps: Some(rps),
            orders_per_day: 60,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn key(s: &RunningSim, i: usize) -> String {
    s.credentials[i]["credentials"]["api_key"]
        .as_str()
        .unwrap()
        .to_string()
}

struct Answer {
    status: u16,
    content_type: String,
    bytes: Vec<u8>,
    text: String,
}

async fn get(s: &RunningSim, key: &str, path: &str) -> Answer {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base_url))
        .header("openapikey", key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = r.bytes().await.unwrap().to_vec();
    let (text, _, bad) = encoding_rs::EUC_KR.decode(&bytes);
    assert!(!bad || status != 200, "an answer that is not EUC-KR");
    Answer {
        status,
        content_type,
        text: text.into_owned(),
        bytes,
    }
}

/// `yyyyMMddHHmm` in KST, `minutes_ago` before the simulator's clock.
fn minute(s: &RunningSim, minutes_ago: i64) -> String {
    (s.clock().now() + Duration::hours(9) - Duration::minutes(minutes_ago))
        .format("%Y%m%d%H%M")
        .to_string()
}

fn day(s: &RunningSim, days_ago: i64) -> String {
    (s.clock().now() + Duration::hours(9) - Duration::days(days_ago))
        .format("%Y%m%d")
        .to_string()
}

fn week_of(s: &RunningSim, list: &str) -> String {
    format!(
        "/ordservices/{list}/{}/{}",
        minute(s, 7 * 24 * 60),
        minute(s, 0)
    )
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_refused_with_an_auth_message() {
    let s = start(1000.0).await;
    for k in ["0123456789abcdef0123456789abcdef", ""] {
        let a = get(&s, k, &week_of(&s, "complete")).await;
        assert_eq!(a.status, 500);
        assert!(a.text.contains("<AuthMessage>"), "{}", a.text);
        assert!(a.text.contains("<resultCode>-1</resultCode>"));
        assert!(a.text.contains("OpenAPI Key 에 해당하는 유저가 없습니다"));
    }
    // A path that is no registered API: -997, whatever the key.
    let a = get(
        &s,
        &key(&s, 0),
        "/ordservices/nosuchlist/202501010000/202501020000",
    )
    .await;
    assert_eq!(a.status, 500);
    assert!(
        a.text.contains("<resultCode>-997</resultCode>"),
        "{}",
        a.text
    );
    let a = get(&s, &key(&s, 0), "/no/such/api").await;
    assert!(a.text.contains("-997"));
}

#[tokio::test]
async fn answers_are_euc_kr_xml_with_korean_and_character_references() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    let mut seen_reference = false;
    let mut rows = 0;
    for list in [
        "complete",
        "packaging",
        "shipping",
        "dlvcompleted",
        "completed",
    ] {
        let a = get(&s, &k, &week_of(&s, list)).await;
        assert_eq!(a.status, 200, "{list}: {}", a.text);
        assert_eq!(a.content_type, "text/xml;charset=EUC-KR");
        assert!(
            a.text
                .starts_with("<?xml version=\"1.0\" encoding=\"euc-kr\"")
        );
        assert!(
            a.text
                .contains("<ns2:orders xmlns:ns2=\"http://www.11st.co.kr/Order\">")
        );
        // Korean is in EUC-KR bytes, not UTF-8.
        assert!(std::str::from_utf8(&a.bytes).is_err() || !a.text.contains("<ns2:order>"));
        rows += a.text.matches("<ns2:order>").count();
        seen_reference |= a.text.contains("&#127822;"); // 🍎, not in EUC-KR
    }
    assert!(rows > 0, "a week of orders holds none");
    assert!(seen_reference, "no name needed a character reference");
}

#[tokio::test]
async fn ranges_longer_than_documented_are_refused_in_the_lists_own_envelope() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    for (list, code) in [
        ("complete", "-3105"),
        ("packaging", "-3305"),
        ("dlvcompleted", "-3904"),
        ("completed", "-3904"),
    ] {
        let eight_days = format!(
            "/ordservices/{list}/{}/{}",
            minute(&s, 8 * 24 * 60),
            minute(&s, 0)
        );
        let a = get(&s, &k, &eight_days).await;
        assert_eq!(a.status, 200);
        assert!(
            a.text
                .contains(&format!("<ns2:result_code>{code}</ns2:result_code>")),
            "{list}: {}",
            a.text
        );
        assert!(!a.text.contains("<ns2:order>"));
        // Exactly 7 days is served.
        let a = get(&s, &k, &week_of(&s, list)).await;
        assert!(!a.text.contains(code), "{list}: {}", a.text);
    }
    let a = get(
        &s,
        &k,
        &format!(
            "/claimservice/returnorders/{}/{}",
            minute(&s, 31 * 24 * 60),
            minute(&s, 0)
        ),
    )
    .await;
    assert!(
        a.text.contains("<ns2:result_code>-28008</ns2:result_code>"),
        "{}",
        a.text
    );
    let a = get(
        &s,
        &k,
        &format!(
            "/claimservice/returnorders/{}/{}",
            minute(&s, 30 * 24 * 60),
            minute(&s, 0)
        ),
    )
    .await;
    assert!(!a.text.contains("-28008"));
    let a = get(
        &s,
        &k,
        &format!("/settlement/settlementList/{}/{}", day(&s, 31), day(&s, 0)),
    )
    .await;
    assert!(
        a.text.contains("<ns2:result_code>2</ns2:result_code>"),
        "{}",
        a.text
    );
    let a = get(
        &s,
        &k,
        &format!(
            "/prodqnaservices/prodqnalist/{}/{}/00",
            day(&s, 7),
            day(&s, 0)
        ),
    )
    .await;
    assert!(
        a.text.contains("<ns2:result_code>500</ns2:result_code>"),
        "{}",
        a.text
    );
    let a = get(
        &s,
        &k,
        &format!(
            "/prodqnaservices/prodqnalist/{}/{}/00",
            day(&s, 6),
            day(&s, 0)
        ),
    )
    .await;
    assert!(
        a.text.contains("<ns2:result_code>0</ns2:result_code>"),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn lists_are_whole_and_empty_lists_say_so() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    // Far in the past: nothing. An order list says 0, a claim list -1.
    let a = get(&s, &k, "/ordservices/complete/202001010000/202001070000").await;
    assert!(a.text.contains("<ns2:result_code>0</ns2:result_code>"));
    assert!(a.text.contains("조회된 결과가 없습니다."));
    let a = get(
        &s,
        &k,
        "/claimservice/cancelorders/202001010000/202001070000",
    )
    .await;
    assert!(a.text.contains("<ns2:result_code>-1</ns2:result_code>"));
    assert!(a.text.contains("해당 건이 없습니다."));
    // Every line of the week in one answer: the two halves add up to the whole.
    let whole = get(&s, &k, &week_of(&s, "completed")).await;
    let half = 7 * 24 * 60 / 2;
    let first = get(
        &s,
        &k,
        &format!(
            "/ordservices/completed/{}/{}",
            minute(&s, 7 * 24 * 60),
            minute(&s, half + 1)
        ),
    )
    .await;
    let second = get(
        &s,
        &k,
        &format!(
            "/ordservices/completed/{}/{}",
            minute(&s, half),
            minute(&s, 0)
        ),
    )
    .await;
    let n = |a: &Answer| a.text.matches("<ns2:order>").count();
    assert!(n(&whole) > 0);
    assert_eq!(n(&whole), n(&first) + n(&second));
}

#[tokio::test]
async fn statuses_move_as_time_passes() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    // Which lines are in shipping, not how many: as many can enter the list as leave it.
    let listed = |t: &str| -> std::collections::BTreeSet<String> {
        t.split("<ns2:ordNo>")
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap_or_default().to_string())
            .collect()
    };
    let before = listed(&get(&s, &k, &week_of(&s, "shipping")).await.text);
    s.clock().advance(Duration::hours(12));
    let after = listed(&get(&s, &k, &week_of(&s, "shipping")).await.text);
    assert!(!before.is_empty(), "no order in shipping to move");
    assert_ne!(before, after, "nothing moved in 12 hours");
}

#[tokio::test]
async fn throttles_answer_429_and_503_and_the_bucket_holds() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    let client = reqwest::Client::new();
    for (name, status) in [("429", 429), ("503", 503)] {
        client
            .post(format!("http://{}/_sim/inject", s.addr))
            .json(&json!({ "throttle_next": 1, "throttle_answer": name }))
            .send()
            .await
            .unwrap();
        let a = get(&s, &k, &week_of(&s, "complete")).await;
        assert_eq!(a.status, status, "{name}");
        assert_eq!(get(&s, &k, &week_of(&s, "complete")).await.status, 200);
    }
    // One request per 100 s, burst 1: the second at once is throttled, whichever key.
    let slow = start(0.01).await;
    assert_eq!(
        get(&slow, &key(&slow, 0), &week_of(&slow, "complete"))
            .await
            .status,
        200
    );
    assert_eq!(
        get(&slow, &key(&slow, 1), &week_of(&slow, "complete"))
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn truncated_answers_end_before_their_root_closes() {
    let s = start(1000.0).await;
    let k = key(&s, 0);
    reqwest::Client::new()
        .post(format!("http://{}/_sim/inject", s.addr))
        .json(&json!({ "truncate_next": 1 }))
        .send()
        .await
        .unwrap();
    let a = get(&s, &k, &week_of(&s, "completed")).await;
    assert!(!a.text.trim_end().ends_with("</ns2:orders>"));
    let a = get(&s, &k, &week_of(&s, "completed")).await;
    assert!(a.text.trim_end().ends_with("</ns2:orders>"));
}
