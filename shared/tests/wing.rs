//! Coupang WING end to end: the seller-center connector (shared::centers) against the WING
//! simulator (sim::centers::coupang). The checks: a second run reuses the session
//! (no new login), an expired session costs exactly one login, an SMS seller ends in "code
//! needed" and the 2fa path completes it, a wrong password is one attempt, a captcha waits
//! for a person, and an imported browser session collects without a login. That no password,
//! code or cookie reaches the logs is checked in `center_logs.rs`: a subscriber scoped to one
//! test's thread misses lines while other tests register the same call sites at once.

use chrono::{Duration as Days, Utc};
use sellerbox::centers::{
    CenterConnector, LoginOutcome, MemorySessions, Secret, Services, import_session, submit_code,
};
use sellerbox::error::{CollectError, ErrorKind};
use sellerbox::http::{Http, Meter, RetryPolicy, TokenCache};
use sellerbox::markets::{ConnectCtx, Connector};
use sellerbox::model::{Kind, Market, Window};
use serde_json::{Value, json};
use sim::centers::CenterFaults;
use sim::{RunningSim, SimConfig};
use std::sync::Arc;
use std::time::Duration;

async fn start() -> RunningSim {
    sim::start(
        sim::find("coupang").expect("coupang simulator"),
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
        pace: Duration::from_millis(2),
        ..Services::default()
    }
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
    CenterConnector::new(Market::Coupang, &ctx, services).expect("a WING login in the credentials")
}

fn last_week() -> Window {
    let now = Utc::now();
    Window::new(now - Days::days(7), now)
}

/// One run: a fresh connector (as the runner makes per run) reading a week of reviews.
async fn run(s: &RunningSim, i: usize, services: &Services) -> Result<usize, CollectError> {
    let c = connector(s, i, credentials(s, i), services);
    let r = c.fetch(Kind::Reviews, last_week()).await?;
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    Ok(r.reviews.len())
}

fn stats(s: &RunningSim, i: usize) -> sim::centers::Stats {
    s.center.as_ref().unwrap().stats(&seller(s, i)).unwrap()
}

// Seller 0 verifies no device, seller 1 by SMS (sim::centers::coupang).
const PLAIN: usize = 0;
const SMS: usize = 1;

#[tokio::test]
async fn a_second_run_reuses_the_session_and_an_expired_one_costs_one_login() {
    let s = start().await;
    let svc = services();
    let first = run(&s, PLAIN, &svc).await.unwrap();
    assert!(first > 0, "the simulator has reviews in the last week");
    assert_eq!(stats(&s, PLAIN).logins, 1);
    assert_eq!(run(&s, PLAIN, &svc).await.unwrap(), first);
    assert_eq!(stats(&s, PLAIN).logins, 1, "the saved session was used");
    s.center.as_ref().unwrap().expire_sessions();
    assert_eq!(run(&s, PLAIN, &svc).await.unwrap(), first);
    let st = stats(&s, PLAIN);
    assert_eq!(st.logins, 2, "exactly one new login");
    assert_eq!(st.logged_out_answers, 1, "{st:?}");
}

#[tokio::test]
async fn an_sms_seller_waits_for_the_code_and_the_2fa_path_completes_the_login() {
    let s = start().await;
    let svc = services();
    let err = run(&s, SMS, &svc).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TwoFactorRequired, "{err}");
    assert!(err.to_string().contains("문자"), "{err}");
    assert_eq!((stats(&s, SMS).logins, stats(&s, SMS).codes_sent), (1, 1));
    // Another run before the code: the same status, no new attempt (no new code either).
    let again = run(&s, SMS, &svc).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::TwoFactorRequired);
    assert_eq!((stats(&s, SMS).logins, stats(&s, SMS).codes_sent), (1, 1));
    // A wrong code keeps the login waiting for the right one.
    let code = s
        .center
        .as_ref()
        .unwrap()
        .last_code(&seller(&s, SMS))
        .unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let outcome = submit_code(
        &svc,
        Market::Coupang,
        &seller(&s, SMS),
        &credentials(&s, SMS),
        &Secret::new(wrong),
    )
    .await
    .unwrap();
    assert!(
        matches!(outcome, LoginOutcome::CodeNeeded { .. }),
        "{outcome:?}"
    );
    let outcome = submit_code(
        &svc,
        Market::Coupang,
        &seller(&s, SMS),
        &credentials(&s, SMS),
        &Secret::new(code),
    )
    .await
    .unwrap();
    assert_eq!(outcome, LoginOutcome::LoggedIn);
    assert_eq!(stats(&s, SMS).two_factor_submissions, 2);
    assert!(run(&s, SMS, &svc).await.unwrap() > 0);
    assert_eq!(
        stats(&s, SMS).logins,
        1,
        "collected with the completed session"
    );
    // The device is known now: an expired session logs in again without a code.
    s.center.as_ref().unwrap().expire_sessions();
    assert!(run(&s, SMS, &svc).await.unwrap() > 0);
    let st = stats(&s, SMS);
    assert_eq!((st.logins, st.codes_sent), (2, 1), "{st:?}");
}

#[tokio::test]
async fn a_wrong_password_is_one_attempt_until_the_seller_changes_it() {
    let s = start().await;
    let svc = services();
    let mut creds = credentials(&s, PLAIN);
    creds["center"]["password"] = json!("not-the-password");
    for _ in 0..3 {
        let c = connector(&s, PLAIN, creds.clone(), &svc);
        let err = c.fetch(Kind::Reviews, last_week()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReloginRequired, "{err}");
        assert!(err.to_string().contains("비밀번호"), "{err}");
    }
    let st = stats(&s, PLAIN);
    assert_eq!((st.logins, st.failed_logins), (1, 1), "{st:?}");
    // The right password is a new attempt, and it works.
    assert!(run(&s, PLAIN, &svc).await.unwrap() > 0);
    assert_eq!(stats(&s, PLAIN).logins, 2);
}

#[tokio::test]
async fn a_captcha_waits_for_a_person() {
    let s = start().await;
    let svc = services();
    let center = s.center.as_ref().unwrap();
    center
        .apply(&CenterFaults {
            force_captcha: vec![seller(&s, PLAIN)],
            ..CenterFaults::default()
        })
        .unwrap();
    let err = run(&s, PLAIN, &svc).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReloginRequired, "{err}");
    assert!(err.to_string().contains("캡차"), "{err}");
    let _ = run(&s, PLAIN, &svc).await.unwrap_err();
    assert_eq!(stats(&s, PLAIN).logins, 1, "no second attempt");
}

/// A Playwright storage state of the cookies a logged-in jar holds (what a seller exports
/// after logging in by hand).
fn storage_state(saved_jar: &str, host: &str) -> Vec<u8> {
    let jar: Value = serde_json::from_str(saved_jar).unwrap();
    let cookies: Vec<Value> = jar
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let raw = c["raw_cookie"].as_str().unwrap_or_default();
            let (pair, _) = raw.split_once(';').unwrap_or((raw, ""));
            let (name, value) = pair.split_once('=').unwrap();
            json!({"name": name, "value": value, "domain": host, "path": c["path"][0],
                   "expires": -1, "httpOnly": true, "secure": false, "sameSite": "Lax"})
        })
        .collect();
    serde_json::to_vec(&json!({"cookies": cookies, "origins": []})).unwrap()
}

#[tokio::test]
async fn an_imported_browser_session_collects_without_a_login() {
    let s = start().await;
    let browser = services();
    assert!(run(&s, PLAIN, &browser).await.unwrap() > 0);
    let saved = browser
        .sessions
        .load(Market::Coupang, &seller(&s, PLAIN))
        .await
        .unwrap()
        .unwrap();
    let file = storage_state(&saved.cookies, &s.addr.ip().to_string());
    let fleet = services();
    let store = import_session(
        &fleet,
        Market::Coupang,
        &seller(&s, PLAIN),
        &credentials(&s, PLAIN),
        &file,
    )
    .await
    .unwrap();
    assert_eq!(store, seller(&s, PLAIN), "the vendorId checked");
    assert!(run(&s, PLAIN, &fleet).await.unwrap() > 0);
    assert_eq!(stats(&s, PLAIN).logins, 1, "the fleet never logged in");
}
