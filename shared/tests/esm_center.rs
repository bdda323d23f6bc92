//! ESM PLUS (Gmarket, Auction) end to end: the seller-center connector (shared::centers::esm)
//! against the ESM PLUS simulator (sim::centers::esm) on each site's port. The issue's
//! checks: a login collects reviews, a second run reuses the session (no new login), an
//! expired session costs exactly one login, a wrong password is one attempt, a captcha
//! waits for a person, a session of another store stores nothing, an imported browser
//! session collects without a login. That no password or cookie reaches the logs is checked
//! in `center_logs.rs`, with the process-wide subscriber of its own binary.

use chrono::{Duration as Days, Utc};
use sellerbox::centers::{CenterConnector, MemorySessions, Services, import_session};
use sellerbox::error::{CollectError, ErrorKind};
use sellerbox::http::{Http, Meter, RetryPolicy, TokenCache};
use sellerbox::markets::{ConnectCtx, Connector};
use sellerbox::model::{Kind, Market, Window};
use serde_json::{Value, json};
use sim::centers::CenterFaults;
use sim::{RunningSim, SimConfig};
use std::sync::Arc;
use std::time::Duration;

const MARKETS: [Market; 2] = [Market::Gmarket, Market::Auction];

async fn start(market: Market) -> RunningSim {
    sim::start(
        sim::find(market.as_str()).expect("an ESM simulator"),
        SimConfig {
            sellers: 3,
            // The console pace is the core's (tested there); here the flows.
            rps: Some(1_000.0),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("simulator starts")
}

fn services() -> Services {
    Services {
        sessions: Arc::new(MemorySessions::default()),
        pace: Duration::from_millis(1),
        ..Services::default()
    }
}

fn market_of(s: &RunningSim) -> Market {
    s.market.id.parse().unwrap()
}

fn seller(s: &RunningSim, i: usize) -> String {
    s.credentials[i]["seller_id"].as_str().unwrap().to_string()
}

fn credentials(s: &RunningSim, i: usize) -> Value {
    s.credentials[i]["credentials"].clone()
}

fn connector(s: &RunningSim, i: usize, creds: Value, services: &Services) -> CenterConnector {
    let ctx = ConnectCtx {
        http: Http::new(RetryPolicy::default()).unwrap(),
        tokens: TokenCache::default(),
        meter: Meter::default(),
        seller_id: seller(s, i),
        credentials: creds,
        base_url: None,
        options: json!({}),
    };
    CenterConnector::new(market_of(s), &ctx, services).expect("an ESM PLUS login")
}

fn last_weeks() -> Window {
    let now = Utc::now();
    Window::new(now - Days::days(20), now)
}

/// One run: a fresh connector (as the runner makes per run) reading the reviews.
async fn run_with(
    s: &RunningSim,
    i: usize,
    creds: Value,
    services: &Services,
) -> Result<usize, CollectError> {
    let c = connector(s, i, creds, services);
    let r = c.fetch(Kind::Reviews, last_weeks()).await?;
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    Ok(r.reviews.len())
}

async fn run(s: &RunningSim, i: usize, services: &Services) -> Result<usize, CollectError> {
    run_with(s, i, credentials(s, i), services).await
}

fn stats(s: &RunningSim, i: usize) -> sim::centers::Stats {
    s.center.as_ref().unwrap().stats(&seller(s, i)).unwrap()
}

// Sellers 0 and 1 log in with their site id, seller 2 with a master account whose store
// list names a sister store first (sim::centers::esm).
const PLAIN: usize = 0;
const MASTER: usize = 2;

#[tokio::test]
async fn a_login_collects_a_second_run_reuses_it_and_an_expiry_costs_one_login() {
    for market in MARKETS {
        let s = start(market).await;
        let svc = services();
        for i in [PLAIN, MASTER] {
            let first = run(&s, i, &svc).await.unwrap();
            assert!(
                first > 20,
                "{market}: more than a page of reviews ({first})"
            );
            assert_eq!(stats(&s, i).logins, 1, "{market}");
            assert_eq!(run(&s, i, &svc).await.unwrap(), first);
            assert_eq!(
                stats(&s, i).logins,
                1,
                "{market}: the saved session was used"
            );
            let saved = svc
                .sessions
                .load(market, &seller(&s, i))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                saved.identity.as_deref(),
                Some(seller(&s, i).as_str()),
                "{market}: the seller's own id, a master account's too"
            );
        }
        s.center.as_ref().unwrap().expire_sessions();
        for i in [PLAIN, MASTER] {
            assert!(run(&s, i, &svc).await.unwrap() > 20);
            let st = stats(&s, i);
            assert_eq!(st.logins, 2, "{market}: exactly one new login: {st:?}");
            assert_eq!(st.logged_out_answers, 1, "{market}: {st:?}");
        }
    }
}

#[tokio::test]
async fn a_wrong_password_is_one_attempt_until_the_seller_changes_it() {
    let s = start(Market::Gmarket).await;
    let svc = services();
    let mut creds = credentials(&s, PLAIN);
    creds["center"]["password"] = json!("not-the-password");
    for _ in 0..3 {
        let err = run_with(&s, PLAIN, creds.clone(), &svc).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReloginRequired, "{err}");
        assert!(err.to_string().contains("비밀번호"), "{err}");
    }
    let st = stats(&s, PLAIN);
    assert_eq!((st.logins, st.failed_logins), (1, 1), "{st:?}");
    assert!(run(&s, PLAIN, &svc).await.unwrap() > 0);
    assert_eq!(stats(&s, PLAIN).logins, 2);
}

#[tokio::test]
async fn a_captcha_or_an_extra_authentication_waits_for_a_person() {
    let s = start(Market::Auction).await;
    let svc = services();
    let center = s.center.as_ref().unwrap();
    center
        .apply(&CenterFaults {
            force_captcha: vec![seller(&s, PLAIN)],
            force_2fa: vec![seller(&s, 1)],
            ..CenterFaults::default()
        })
        .unwrap();
    for i in [PLAIN, 1] {
        let err = run(&s, i, &svc).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReloginRequired, "{err}");
        assert!(err.to_string().contains("캡차"), "{err}");
        let _ = run(&s, i, &svc).await.unwrap_err();
        assert_eq!(stats(&s, i).logins, 1, "no second attempt");
    }
}

#[tokio::test]
async fn a_session_of_another_store_stores_nothing() {
    for market in MARKETS {
        let s = start(market).await;
        let svc = services();
        for i in [PLAIN, MASTER] {
            let mut creds = credentials(&s, i);
            creds["center"]["store_id"] = json!("someone_else");
            let c = connector(&s, i, creds, &svc);
            let err = c.fetch(Kind::Reviews, last_weeks()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ReloginRequired, "{market}: {err}");
            assert!(err.to_string().contains("someone_else"), "{err}");
            assert_eq!(
                stats(&s, i).data_requests,
                0,
                "{market}: no review page read"
            );
        }
    }
}

/// The Playwright storage state the simulator's "person with a browser" exports.
async fn browser_export(s: &RunningSim, i: usize) -> Vec<u8> {
    reqwest::Client::new()
        .post(format!(
            "http://{}/_sim/esm/browser-session?seller={}",
            s.addr,
            seller(s, i)
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn an_imported_browser_session_collects_without_a_login() {
    for market in MARKETS {
        let s = start(market).await;
        let fleet = services();
        let file = browser_export(&s, MASTER).await;
        let store = import_session(
            &fleet,
            market,
            &seller(&s, MASTER),
            &credentials(&s, MASTER),
            &file,
        )
        .await
        .unwrap();
        assert_eq!(
            store,
            seller(&s, MASTER),
            "{market}: the store list checked"
        );
        let mut no_password = credentials(&s, MASTER);
        no_password["center"]
            .as_object_mut()
            .unwrap()
            .remove("password");
        assert!(run_with(&s, MASTER, no_password, &fleet).await.unwrap() > 0);
        assert_eq!(
            stats(&s, MASTER).logins,
            0,
            "{market}: the fleet never logged in"
        );
    }
}
