//! No password, OTP secret, 2-factor code, `encpw` or cookie reaches the logs, at any
//! level: a global subscriber at `trace` for every crate (with `log` records bridged in, as
//! the CLI and the Lambda functions set up), the production caps applied, while a TOTP
//! login, an SMS code, a wrong password, Naver ID logins (RSA `encpw`, a new-device code),
//! a session import and a logged-out session run; ESM PLUS's JSON sign-in, store list,
//! a wrong password, an expiry and an import; and Coupang WING's login, its SMS code, a
//! wrong password and an expiry.
//! One test in its own binary: it installs the process-wide subscriber (a subscriber scoped
//! to one test's thread misses lines while other tests of the binary register the same call
//! sites at the same moment, so the checks of every seller center live here).

#[path = "support/capture.rs"]
mod capture;
use capture::Capture;
use sellerbox::centers::{self, MemorySessions, Secret, Services, SessionStore};
use sellerbox::collect::{Collector, Range, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::{Kind, Market};
use sellerbox::store;
use sellerbox::telemetry;
use sim::{SimClock, SimConfig};
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::util::SubscriberInitExt;

/// Every cookie value of a saved jar (cookie_store's JSON keeps each `raw_cookie`).
fn cookie_values(jar_json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(jar_json).unwrap();
    let mut out = Vec::new();
    let mut stack = vec![&v];
    while let Some(x) = stack.pop() {
        match x {
            serde_json::Value::Object(m) => {
                if let Some(raw) = m.get("raw_cookie").and_then(|r| r.as_str()) {
                    let value = raw.split(';').next().unwrap().split_once('=').unwrap().1;
                    if value.len() >= 8 {
                        out.push(value.to_string());
                    }
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    out
}

/// A market's simulator with `sellers` sellers on `clock`, and its sellers as the fleet's
/// targets.
async fn start(market: Market, sellers: usize, clock: SimClock) -> (sim::RunningSim, Vec<Target>) {
    let sim = sim::start(
        sim::find(market.as_str()).unwrap(),
        SimConfig {
            sellers,
            clock,
            rps: Some(1000.0),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let targets = sim
        .credentials
        .iter()
        .map(|c| Target::from_entry(c).expect("a simulator's credentials entry"))
        .collect();
    (sim, targets)
}

/// Each target's seller-center password, planted.
fn passwords(targets: &[Target]) -> impl Iterator<Item = String> + '_ {
    targets.iter().map(|t| {
        t.credentials.value()["center"]["password"]
            .as_str()
            .unwrap()
            .to_string()
    })
}

/// Every cookie value the sessions saved for the targets.
async fn saved_cookies(sessions: &MemorySessions, targets: &[Target]) -> Vec<String> {
    let mut out = Vec::new();
    for t in targets {
        if let Some(s) = sessions.load(t.market, &t.seller_id).await.unwrap() {
            out.extend(cookie_values(&s.cookies));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_otp_secret_code_or_cookie_in_the_logs_at_any_level() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_env_filter(telemetry::capped(tracing_subscriber::EnvFilter::new(
            "trace",
        )))
        .with_writer(move || writer.clone())
        .finish()
        .try_init()
        .expect("the only subscriber of this test binary");

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("l.sqlite").display());
    let db = store::connect(&url).await.unwrap();
    // 0 TOTP, 1 SMS, 2 plain, 3 TOTP (commerce logins); 4 Naver ID with a new-device
    // code, 5 Naver ID plain.
    let (sim, targets) = start(Market::Naver, 6, SimClock::frozen_now()).await;
    let center = sim.center.clone().unwrap();
    let sessions = Arc::new(MemorySessions::default());
    let clock = sim.clock().clone();
    let collector = Collector::new(
        Http::new(RetryPolicy::default()).unwrap(),
        db,
        Arc::new(move || clock.now()),
    )
    .with_centers(Services {
        sessions: sessions.clone(),
        pace: Duration::ZERO,
        ..Services::default()
    });
    let services = collector.centers.clone();
    let mut planted: Vec<String> = Vec::new();
    for t in &targets {
        let c = &t.credentials.value()["center"];
        planted.push(c["password"].as_str().unwrap().to_string());
        if let Some(s) = c["otp_secret"].as_str() {
            planted.push(s.to_string());
        }
    }

    // TOTP seller, SMS seller (code needed, a wrong code, the right one), plain seller
    // with a wrong password, then the right one, then an expiry and a re-login.
    for t in &targets {
        collector.run(t, Kind::Reviews, Range::Auto, None).await;
    }
    let sms = &targets[1];
    let wrong_code = "909090";
    planted.push(wrong_code.into());
    let _ = centers::submit_code(
        &services,
        Market::Naver,
        &sms.seller_id,
        &sms.credentials.value(),
        &Secret::new(wrong_code),
    )
    .await;
    let code = center.last_code(&sms.seller_id).unwrap();
    planted.push(code.clone());
    centers::submit_code(
        &services,
        Market::Naver,
        &sms.seller_id,
        &sms.credentials.value(),
        &Secret::new(code),
    )
    .await
    .unwrap();
    // The Naver ID seller's new-device code.
    let nid_sms = &targets[4];
    assert_eq!(nid_sms.credentials.value()["center"]["login"], "naver_id");
    let code = center.last_code(&nid_sms.seller_id).unwrap();
    planted.push(code.clone());
    centers::submit_code(
        &services,
        Market::Naver,
        &nid_sms.seller_id,
        &nid_sms.credentials.value(),
        &Secret::new(code),
    )
    .await
    .unwrap();
    let mut wrong = targets[2].clone();
    wrong.credentials = wrong
        .credentials
        .with(|c| c["center"]["password"] = "planted-wrong-password".into());
    planted.push("planted-wrong-password".into());
    collector
        .run(&wrong, Kind::Reviews, Range::Auto, None)
        .await;
    center.expire_sessions();
    // A logged-out Naver ID session logs in again, with a wrong password.
    let mut wrong_nid = targets[5].clone();
    wrong_nid.credentials = wrong_nid
        .credentials
        .with(|c| c["center"]["password"] = "planted-wrong-nid-password".into());
    planted.push("planted-wrong-nid-password".into());
    collector
        .run(&wrong_nid, Kind::Reviews, Range::Auto, None)
        .await;
    assert_eq!(center.stats(&wrong_nid.seller_id).unwrap().failed_logins, 1);
    for t in &targets {
        collector.run(t, Kind::Reviews, Range::Auto, None).await;
    }
    // A browser session imported.
    let browser = center.sign_in(0);
    planted.push(browser.clone());
    let state = serde_json::json!({"cookies": [{"name": "nstore_session", "value": browser,
        "domain": "127.0.0.1", "path": "/", "expires": -1, "httpOnly": true, "secure": false}]});
    centers::import_session(
        &services,
        Market::Naver,
        &targets[0].seller_id,
        &targets[0].credentials.value(),
        state.to_string().as_bytes(),
    )
    .await
    .unwrap();
    // Every cookie the sessions hold.
    planted.extend(saved_cookies(&sessions, &targets).await);
    assert!(planted.len() >= 10, "{} values planted", planted.len());

    // ESM PLUS (Gmarket): its JSON sign-in, the master account's store list, a wrong
    // password, an expiry, a browser session imported.
    let (esm, esm_targets) = start(Market::Gmarket, 3, sim.clock().clone()).await;
    planted.extend(passwords(&esm_targets));
    for t in &esm_targets {
        collector.run(t, Kind::Reviews, Range::Auto, None).await;
    }
    let mut wrong = esm_targets[1].clone();
    wrong.credentials = wrong
        .credentials
        .with(|c| c["center"]["password"] = "planted-wrong-esm-password".into());
    planted.push("planted-wrong-esm-password".into());
    esm.center.as_ref().unwrap().expire_sessions();
    collector
        .run(&wrong, Kind::Reviews, Range::Auto, None)
        .await;
    collector
        .run(&esm_targets[2], Kind::Reviews, Range::Auto, None)
        .await;
    let export = reqwest::Client::new()
        .post(format!(
            "http://{}/_sim/esm/browser-session?seller={}",
            esm.addr, esm_targets[0].seller_id
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let state: serde_json::Value = serde_json::from_slice(&export).unwrap();
    planted.extend(
        state["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["value"].as_str())
            .filter(|v| v.len() >= 8)
            .map(str::to_string),
    );
    let imported = centers::import_session(
        &services,
        Market::Gmarket,
        &esm_targets[0].seller_id,
        &esm_targets[0].credentials.value(),
        &export,
    )
    .await;
    assert!(imported.is_ok(), "{imported:?}");
    planted.extend(saved_cookies(&sessions, &esm_targets).await);
    let esm_stats = esm.center.as_ref().unwrap();
    assert_eq!(
        esm_stats.stats(&esm_targets[2].seller_id).unwrap().logins,
        2
    );
    assert_eq!(esm_stats.stats(&wrong.seller_id).unwrap().failed_logins, 1);

    // Coupang WING: a login without a device check, an SMS code (a wrong one first), a
    // wrong password, an expiry.
    // 0 verifies no device, 1 by SMS (sim::centers::coupang).
    let (wing, wing_targets) = start(Market::Coupang, 2, sim.clock().clone()).await;
    planted.extend(passwords(&wing_targets));
    for t in &wing_targets {
        collector.run(t, Kind::Reviews, Range::Auto, None).await;
    }
    let wing_center = wing.center.as_ref().unwrap();
    let sms = &wing_targets[1];
    let code = wing_center.last_code(&sms.seller_id).unwrap();
    let wrong_code = if code == "808080" { "818181" } else { "808080" };
    planted.extend([code.clone(), wrong_code.to_string()]);
    let _ = centers::submit_code(
        &services,
        Market::Coupang,
        &sms.seller_id,
        &sms.credentials.value(),
        &Secret::new(wrong_code),
    )
    .await;
    centers::submit_code(
        &services,
        Market::Coupang,
        &sms.seller_id,
        &sms.credentials.value(),
        &Secret::new(code),
    )
    .await
    .unwrap();
    let mut wrong = wing_targets[0].clone();
    wrong.credentials = wrong
        .credentials
        .with(|c| c["center"]["password"] = "planted-wrong-wing-password".into());
    planted.push("planted-wrong-wing-password".into());
    wing_center.expire_sessions();
    collector
        .run(&wrong, Kind::Reviews, Range::Auto, None)
        .await;
    collector.run(sms, Kind::Reviews, Range::Auto, None).await;
    planted.extend(saved_cookies(&sessions, &wing_targets).await);
    let sms_stats = wing_center.stats(&sms.seller_id).unwrap();
    assert_eq!(
        (sms_stats.logins, sms_stats.codes_sent),
        (2, 1),
        "the SMS seller's code, then one login after the expiry on the known device"
    );
    assert_eq!(
        wing_center.stats(&wrong.seller_id).unwrap().failed_logins,
        1
    );

    // cookie_store's own debug line prints every non-Secure `Set-Cookie` it stores (the
    // simulators' are not Secure): the cap must keep its target out at any level, while
    // other targets at debug still log.
    tracing::debug!(target: "cookie_store::cookie_store", "inserting Set-Cookie 'canary=planted-canary-value'");
    tracing::debug!(target: "sellerbox::canary", "control-line-is-logged");
    planted.push("planted-canary-value".into());

    // Each line's own timestamp left out: its microseconds can spell a planted 6-digit
    // code (the HTML parser of ESM PLUS's pages logs thousands of lines at trace).
    let text: String = capture
        .text()
        .lines()
        .map(|l| match l.strip_prefix("{\"timestamp\":\"") {
            Some(rest) => rest.split_once('"').map_or(rest, |(_, after)| after),
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("control-line-is-logged"));
    assert!(
        text.lines().count() > 50,
        "trace logging captured too little to mean anything"
    );
    assert!(
        text.contains("seller-center login"),
        "the logins are logged"
    );
    for secret in &planted {
        assert!(
            !text.contains(secret.as_str()),
            "a password, OTP secret, code or cookie reached the logs"
        );
    }
    // `encpw` (hex of a 1024-bit RSA block, fresh each login) is never logged: no long
    // hex run anywhere.
    let longest_hex = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(
        longest_hex < 128,
        "a {longest_hex}-digit hex run in the logs"
    );
}
