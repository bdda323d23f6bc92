//! Logs never carry secrets, tokens or buyers' personal data. Collections run with
//! planted credentials, a wrong key, a token expiry and a truncated page, at debug level
//! with the production filter; every captured line (logs and metric lines) is searched.

mod support;

#[path = "support/capture.rs"]
mod capture;
use capture::Capture;
use sellerbox::model::Market;
use sellerbox::telemetry::{self, DEFAULT_FILTER};
use std::io::Write;
use std::sync::Arc;

#[tokio::test(flavor = "current_thread")]
async fn planted_secrets_and_buyers_data_never_reach_the_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_env_filter(DEFAULT_FILTER.replace("info,", "debug,"))
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let metrics = capture.clone();
    telemetry::set_metrics_sink(Box::new(move |line| {
        let mut m = metrics.clone();
        let _ = writeln!(m, "{line}");
    }));

    let fleet = support::fleet(2).await;
    let mut planted: Vec<String> = Vec::new();
    for e in &fleet.secrets.entries {
        for key in ["secret_key", "access_key", "client_secret"] {
            if let Some(v) = e.credentials.get(key).and_then(|v| v.as_str()) {
                planted.push(v.to_string());
            }
        }
    }
    assert!(
        planted.len() >= 4,
        "the simulators hand out secrets to plant"
    );

    // The simulators run in registry order.
    for (&market, sim) in Market::ALL.iter().zip(&fleet._sims) {
        let app = fleet.app(market);
        // A full collection, a token expiry (Naver re-issues), a truncated page.
        let ok = app
            .handle(serde_json::json!({"kinds": []}), None)
            .await
            .unwrap();
        assert_eq!(ok["failed"], 0, "{ok}");
        sim.faults().expire_tokens_next(1);
        sim.faults().truncate_next(1);
        let _ = app
            .handle(
                serde_json::json!({"kinds": ["orders"], "lookback": "1d"}),
                None,
            )
            .await
            .unwrap();
    }
    // Wrong keys: the error is logged; the key is not.
    let mut wrong = (*fleet.secrets).clone();
    for e in &mut wrong.entries {
        if let Some(obj) = e.credentials.as_object_mut() {
            for key in ["secret_key", "client_secret", "api_key"] {
                if obj.contains_key(key) {
                    let bad = format!("planted-wrong-{key}-0451");
                    obj.insert(key.into(), bad.clone().into());
                    planted.push(bad);
                }
            }
        }
    }
    for &market in Market::ALL {
        let app = sellerbox::lambda::App::new(
            market,
            fleet.store.clone(),
            Arc::new(wrong.clone()),
            sellerbox::http::Http::new(Default::default()).unwrap(),
            Default::default(),
        );
        let refused = app
            .handle(serde_json::json!({"kinds": ["orders"]}), None)
            .await
            .unwrap();
        assert!(refused["failed"].as_u64().unwrap() > 0, "{refused}");
    }

    let logs = capture.text();
    assert!(logs.contains("run finished"), "logs were captured");
    assert!(
        logs.contains("credentials_rejected"),
        "failures were logged"
    );
    for secret in &planted {
        assert!(
            !logs.contains(secret.as_str()),
            "a planted secret reached the logs"
        );
    }
    for needle in [
        "Bearer ",
        "access_token",
        "client_secret_sign",
        "signature=",
        "Authorization",
    ] {
        assert!(!logs.contains(needle), "{needle:?} reached the logs");
    }
    // Buyers' names, phone numbers and addresses from the simulated world, and the
    // objects holding them as keys of a logged field or of a raw page inside a message.
    // (A parse error may name the path where a page broke, e.g. `data[3].receiver`: a
    // field name, not a buyer's data.)
    for needle in [
        "0507-",
        "서울특별시",
        "101동",
        "김민준",
        r#""receiver""#,
        r#"\"receiver\""#,
        r#""orderer""#,
        r#"\"orderer\""#,
    ] {
        assert!(
            !logs.contains(needle),
            "buyer data {needle:?} reached the logs: {}",
            logs.lines()
                .find(|l| l.contains(needle))
                .unwrap_or_default()
        );
    }
}
