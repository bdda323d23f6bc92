//! The ESM PLUS review list parser against the list page the Gmarket and Auction
//! simulators serve: a browser session's cookie reads every page; without it, the
//! sign-in page, which the parser calls logged out.

use chrono::{Duration, Utc};
use sellerbox::centers::esm::reviews::{ListError, normalize, parse_list};
use sellerbox::model::kst;
use sim::SimConfig;

async fn pages_of(market: &str) {
    let s = sim::start(
        sim::find(market).unwrap(),
        SimConfig {
            sellers: 2,
            // The console's per-session pace is not what this test is about.
            rps: Some(1_000.0),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let seller = s.credentials[0]["seller_id"].as_str().unwrap().to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = format!("http://{}", s.addr);
    let state: serde_json::Value = http
        .post(format!("{root}/_sim/esm/browser-session?seller={seller}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The whole session: ESM_TOKEN, ESM_AUTH, ESM_REQUEST_AUTH_PC (and ESM_PC).
    let cookie = state["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c["name"].as_str().unwrap(),
                c["value"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let today = Utc::now().with_timezone(&kst()).date_naive();
    let mut url = format!(
        "{root}/www.esmplus.com/Review/ReviewList?AnsStatus=&BeginDt={}&EndDt={today}",
        today - Duration::days(20)
    );
    let (mut seen, mut pages) = (0, 0);
    let mut total: u64;
    loop {
        let body = http
            .get(&url)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page = parse_list(&body).unwrap();
        let records = normalize(&page.rows);
        assert!(records.rejected.is_empty(), "{:?}", records.rejected);
        assert!(
            records
                .reviews
                .iter()
                .all(|r| r.rating.is_some() && !r.content.is_empty())
        );
        seen += records.reviews.len();
        total = page.total;
        pages += 1;
        match page.next {
            Some(next) => url = format!("{root}{next}"),
            None => break,
        }
    }
    assert!(
        total > 20,
        "{market}: more than one page of reviews ({total})"
    );
    assert_eq!(seen as u64, total, "{market}: every page read");
    assert_eq!(pages, total.div_ceil(20));
    // Without the browser's cookies (or with only one of them): the sign-in page.
    let one = cookie.split("; ").next().unwrap().to_string();
    let r = http.get(&url).header("cookie", one).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let signin = r.headers()["location"].to_str().unwrap().to_string();
    let body = http
        .get(&signin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(parse_list(&body).unwrap_err(), ListError::LoggedOut);
}

#[tokio::test]
async fn gmarket_and_auction_review_pages_read_whole_with_a_browser_session() {
    pages_of("gmarket").await;
    pages_of("auction").await;
}
