//! The seller-center path end to end against the Naver center simulator: what issue 10
//! checks. Seller 0 of the simulator has TOTP, seller 1 SMS codes, seller 2 no 2-step
//! verification (sim/src/centers/mod.rs `accounts`).

use sellerbox::ErrorKind;
use sellerbox::centers::{
    self, LoginOutcome, MemorySessions, Secret, Services, SessionState, SessionStore,
};
use sellerbox::collect::{Collector, Range, RunSummary, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::{Kind, Market};
use sellerbox::store::{self, Outcome, Store};
use sim::centers::{CenterFaults, CenterState, Stats};
use sim::{SimClock, SimConfig};
use std::sync::Arc;
use std::time::Duration;

struct Rig {
    _dir: tempfile::TempDir,
    sim: sim::RunningSim,
    store: Arc<dyn Store>,
    sessions: Arc<MemorySessions>,
    collector: Collector,
    targets: Vec<Target>,
}

const TOTP: usize = 0;
const SMS: usize = 1;
const PLAIN: usize = 2;

async fn rig_with(rps: f64) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("c.sqlite").display());
    let store = store::connect(&url).await.unwrap();
    let config = SimConfig {
        sellers: 3,
        clock: SimClock::frozen_now(),
        rps: Some(rps),
        ..SimConfig::default()
    };
    let sim = sim::start(
        sim::find("naver").unwrap(),
        config,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let targets = sim
        .credentials
        .iter()
        .map(|c| Target::from_entry(c).expect("a simulator's credentials entry"))
        .collect();
    let sessions = Arc::new(MemorySessions::default());
    let clock = sim.clock().clone();
    let collector = Collector::new(
        Http::new(RetryPolicy::default()).unwrap(),
        store.clone(),
        Arc::new(move || clock.now()),
    )
    .with_centers(Services {
        sessions: sessions.clone(),
        pace: Duration::ZERO,
        ..Services::default()
    });
    Rig {
        _dir: dir,
        sim,
        store,
        sessions,
        collector,
        targets,
    }
}

async fn rig() -> Rig {
    rig_with(1000.0).await
}

impl Rig {
    fn center(&self) -> &CenterState {
        self.sim
            .center
            .as_deref()
            .expect("naver has a center simulator")
    }
    fn stats(&self, i: usize) -> Stats {
        self.center().stats(&self.targets[i].seller_id).unwrap()
    }
    async fn reviews(&self, i: usize) -> RunSummary {
        self.run(&self.targets[i]).await
    }
    async fn run(&self, t: &Target) -> RunSummary {
        self.collector
            .run(t, Kind::Reviews, Range::Auto, None)
            .await
    }
    fn services(&self) -> Services {
        self.collector.centers.clone()
    }
    async fn state(&self, i: usize) -> Option<SessionState> {
        self.sessions
            .load(Market::Naver, &self.targets[i].seller_id)
            .await
            .unwrap()
            .map(|s| s.state)
    }
}

fn complete(r: &RunSummary) {
    assert_eq!(r.outcome, Outcome::Complete, "{r:?}");
    assert!(r.error.is_none(), "{r:?}");
}

#[tokio::test]
async fn a_totp_seller_needs_no_person_and_a_second_run_reuses_the_session() {
    let rig = rig().await;
    let first = rig.reviews(TOTP).await;
    complete(&first);
    assert!(first.inserted > 20, "{first:?}");
    let s = rig.stats(TOTP);
    assert_eq!((s.logins, s.two_factor_submissions), (1, 1), "{s:?}");
    assert_eq!(rig.state(TOTP).await, Some(SessionState::Active));

    let second = rig.reviews(TOTP).await;
    complete(&second);
    let s = rig.stats(TOTP);
    assert_eq!(s.logins, 1, "the second run logs in again: {s:?}");
    assert_eq!(s.two_factor_submissions, 1);
    assert!(s.data_requests >= 2);
}

#[tokio::test]
async fn an_expired_session_logs_in_exactly_once_and_keeps_the_work_done() {
    let rig = rig().await;
    complete(&rig.reviews(PLAIN).await);
    assert_eq!(rig.stats(PLAIN).logins, 1);
    rig.center().expire_sessions();
    let again = rig.reviews(PLAIN).await;
    complete(&again);
    let s = rig.stats(PLAIN);
    assert_eq!(s.logins, 2, "exactly one new login: {s:?}");
    assert_eq!(s.logged_out_answers, 1, "{s:?}");
}

#[tokio::test]
async fn a_session_that_dies_mid_run_logs_in_once_and_keeps_the_windows_done() {
    let rig = rig().await;
    let now = rig.sim.clock().now();
    let range = Range::Between(now - chrono::Duration::days(80), now);
    rig.center()
        .apply(&CenterFaults {
            expire_after_requests: Some(1),
            ..CenterFaults::default()
        })
        .unwrap();
    let t = &rig.targets[PLAIN];
    let r = rig.collector.run(t, Kind::Reviews, range, None).await;
    complete(&r);
    assert_eq!(r.windows, 3, "{r:?}");
    let s = rig.stats(PLAIN);
    assert_eq!(s.logins, 2, "one login, and one after the expiry: {s:?}");
    assert_eq!(s.logged_out_answers, 1, "{s:?}");
    assert_eq!(
        s.data_requests, 3,
        "the window done before is not fetched again: {s:?}"
    );

    // A center that logs every session out at once: one login, then "re-login required".
    rig.center()
        .apply(&CenterFaults {
            expire_always: Some(true),
            ..CenterFaults::default()
        })
        .unwrap();
    let r = rig.collector.run(t, Kind::Reviews, range, None).await;
    assert_eq!(r.error_kind, Some(ErrorKind::ReloginRequired), "{r:?}");
    assert_eq!(r.outcome, Outcome::Partial);
    assert_eq!(rig.stats(PLAIN).logins, 3, "exactly one more login");
}

#[tokio::test]
async fn an_sms_seller_ends_in_code_needed_and_the_2fa_path_completes_it() {
    let rig = rig().await;
    let r = rig.reviews(SMS).await;
    assert_eq!(
        r.outcome,
        Outcome::Partial,
        "a checkpoint, not a failure: {r:?}"
    );
    assert_eq!(r.error_kind, Some(ErrorKind::TwoFactorRequired));
    assert!(r.error.as_deref().unwrap().contains("인증번호"), "{r:?}");
    assert_eq!(r.inserted, 0);
    let s = rig.stats(SMS);
    assert_eq!((s.logins, s.codes_sent), (1, 1), "{s:?}");

    // Later runs wait for the code: no new login, no new SMS.
    let r = rig.reviews(SMS).await;
    assert_eq!(r.error_kind, Some(ErrorKind::TwoFactorRequired));
    let s = rig.stats(SMS);
    assert_eq!((s.logins, s.codes_sent), (1, 1), "{s:?}");

    let t = &rig.targets[SMS];
    let wrong = centers::submit_code(
        &rig.services(),
        Market::Naver,
        &t.seller_id,
        &t.credentials.value(),
        &Secret::new("000000x"),
    )
    .await
    .unwrap();
    assert!(
        matches!(wrong, LoginOutcome::CodeNeeded { .. }),
        "{wrong:?}"
    );
    let code = rig.center().last_code(&t.seller_id).unwrap();
    let done = centers::submit_code(
        &rig.services(),
        Market::Naver,
        &t.seller_id,
        &t.credentials.value(),
        &Secret::new(code),
    )
    .await
    .unwrap();
    assert_eq!(done, LoginOutcome::LoggedIn);
    let s = rig.stats(SMS);
    assert_eq!((s.logins, s.two_factor_submissions), (1, 2), "{s:?}");

    let r = rig.reviews(SMS).await;
    complete(&r);
    assert!(r.inserted > 0);
    assert_eq!(rig.stats(SMS).logins, 1);

    // No login waits for a code any more: a code now is refused with a reason.
    let err = centers::submit_code(
        &rig.services(),
        Market::Naver,
        &t.seller_id,
        &t.credentials.value(),
        &Secret::new("123456"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_wrong_password_makes_one_attempt_not_five() {
    let rig = rig().await;
    let mut t = rig.targets[PLAIN].clone();
    let right = t.credentials.value()["center"]["password"].clone();
    t.credentials = t
        .credentials
        .with(|c| c["center"]["password"] = "not-the-password".into());
    for _ in 0..5 {
        let r = rig.run(&t).await;
        assert_eq!(r.outcome, Outcome::Partial, "{r:?}");
        assert_eq!(r.error_kind, Some(ErrorKind::ReloginRequired));
        assert!(r.error.as_deref().unwrap().contains("비밀번호"), "{r:?}");
    }
    let s = rig.stats(PLAIN);
    assert_eq!((s.logins, s.failed_logins), (1, 1), "{s:?}");
    assert!(!s.locked);

    // The seller registers the right password: the next run logs in.
    t.credentials = t.credentials.with(|c| c["center"]["password"] = right);
    complete(&rig.run(&t).await);
    assert_eq!(rig.stats(PLAIN).logins, 2);
}

#[tokio::test]
async fn a_captcha_waits_for_a_person_with_a_message_for_cs() {
    let rig = rig().await;
    rig.center()
        .apply(&CenterFaults {
            force_captcha: vec![rig.targets[PLAIN].seller_id.clone()],
            ..CenterFaults::default()
        })
        .unwrap();
    let r = rig.reviews(PLAIN).await;
    assert_eq!(r.error_kind, Some(ErrorKind::ReloginRequired), "{r:?}");
    assert!(
        r.error.as_deref().unwrap().contains("sessions import"),
        "{r:?}"
    );
    rig.reviews(PLAIN).await;
    assert_eq!(rig.stats(PLAIN).logins, 1);
}

/// A Playwright storage state holding a browser's seller-center cookies.
fn storage_state(cookies: &[(&str, &str)]) -> String {
    let list: Vec<serde_json::Value> = cookies
        .iter()
        .map(|(n, v)| {
            serde_json::json!({"name": n, "value": v, "domain": "127.0.0.1", "path": "/",
                "expires": -1, "httpOnly": true, "secure": false, "sameSite": "Lax"})
        })
        .collect();
    serde_json::json!({"cookies": list, "origins": []}).to_string()
}

#[tokio::test]
async fn an_imported_storage_state_collects_without_a_login() {
    let rig = rig().await;
    let t = &rig.targets[SMS];
    // The seller logged in in a browser (2-step verification included) and exported it.
    let browser = rig.center().sign_in(SMS);
    let file = storage_state(&[("nstore_session", &browser)]);
    let store_id = centers::import_session(
        &rig.services(),
        Market::Naver,
        &t.seller_id,
        &t.credentials.value(),
        file.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(
        store_id,
        t.credentials.value()["center"]["store_id"]
            .as_str()
            .unwrap()
    );
    let r = rig.reviews(SMS).await;
    complete(&r);
    assert!(r.inserted > 0);
    assert_eq!(rig.stats(SMS).logins, 0, "no login: the browser's session");

    // Logged-out cookies are refused, and another store's session too.
    let err = centers::import_session(
        &rig.services(),
        Market::Naver,
        &t.seller_id,
        &t.credentials.value(),
        storage_state(&[("nstore_session", "stale")]).as_bytes(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("logged out"), "{err}");
    let other = rig.center().sign_in(PLAIN);
    let err = centers::import_session(
        &rig.services(),
        Market::Naver,
        &t.seller_id,
        &t.credentials.value(),
        storage_state(&[("nstore_session", &other)]).as_bytes(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReloginRequired, "{err}");
    assert!(err.to_string().contains("not the seller's store"), "{err}");
}

#[tokio::test]
async fn a_console_429_pauses_the_ip_instead_of_retrying() {
    // One request a second per session in the simulator; the collector unpaced.
    let rig = rig_with(1.0).await;
    let mut summaries = Vec::new();
    for _ in 0..3 {
        summaries.push(rig.reviews(PLAIN).await);
    }
    let paused: Vec<_> = summaries
        .iter()
        .filter(|r| r.error_kind == Some(ErrorKind::RateLimited))
        .collect();
    assert!(!paused.is_empty(), "{summaries:?}");
    assert!(paused.iter().all(|r| r.outcome == Outcome::Partial));
    let s = rig.stats(PLAIN);
    assert_eq!(
        s.throttled, 1,
        "one 429, then no request until the pause ends: {s:?}"
    );
    assert!(rig.collector.centers.ip.left().is_some());
}

#[tokio::test]
async fn reviews_are_stored_with_photos_and_replies() {
    let rig = rig().await;
    complete(&rig.reviews(PLAIN).await);
    let totals = rig.store.totals(Some(Market::Naver)).await.unwrap();
    assert!(totals.reviews > 20, "{totals:?}");
}
