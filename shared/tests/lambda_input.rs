//! Ranges a Lambda event may ask for (issue 7, fault 3): an oversized lookback is refused
//! without a panic, and a range that reaches further back than the market serves the kind
//! is `invalid_input` (a 400 through API Gateway) before any run starts.

mod support;

use sellerbox::ErrorKind;
use sellerbox::lambda::decode;
use sellerbox::model::Market;
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn oversized_lookbacks_are_refused_without_a_panic() {
    for lookback in [
        "99999999999999d",
        "9223372036854775807d",
        "9223372036854775807h",
        "9223372036854775807m",
        "3000000d",
        "0d",
        "32d",
    ] {
        let r = std::panic::catch_unwind(|| decode(json!({ "lookback": lookback })));
        let decoded = r.unwrap_or_else(|_| panic!("lookback {lookback} panicked"));
        let err = decoded.expect_err(lookback).to_string();
        assert!(err.contains("31 days"), "{lookback}: {err}");
    }
}

#[tokio::test]
async fn a_range_older_than_the_market_serves_is_invalid_input_and_runs_nothing() {
    let fleet = support::fleet(1).await;
    let app = fleet.app(Market::Coupang);
    let seller = fleet
        .secrets
        .entries
        .iter()
        .find(|e| e.market == Market::Coupang)
        .unwrap()
        .seller_id
        .clone();
    // Without the check this would page for hours; the deadline keeps a failing test short.
    let deadline = || Some(Instant::now() + Duration::from_secs(5));

    let direct = json!({"kinds": ["orders"], "from": "0001-01-01T00:00:00Z",
                        "to": "2025-01-01T00:00:00Z"});
    let err = app.handle(direct, deadline()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("orders"), "{err}");

    let body = json!({"from": "0001-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"});
    let path = format!("/v1/markets/coupang/sellers/{seller}/collect");
    let api = json!({
        "resource": "/v1/markets/coupang/sellers/{seller}/collect",
        "path": path, "httpMethod": "POST",
        "headers": {}, "multiValueHeaders": {}, "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": {"seller": seller}, "stageVariables": null,
        "requestContext": {"httpMethod": "POST", "path": path, "stage": "v1",
                           "requestId": "r", "identity": {}},
        "body": body.to_string(), "isBase64Encoded": false
    });
    let answer = app.handle(api, deadline()).await.unwrap();
    assert_eq!(answer["statusCode"], 400, "{answer}");
    let body: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"], "invalid_input", "{body}");

    // Nothing ran: no run recorded for the seller.
    assert!(fleet.store.status(&seller).await.unwrap().is_empty());
}
