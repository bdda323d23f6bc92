//! Every file in events/ through the handler, against the simulators and a database.
//! A file's name says what it expects: `<market>.<shape>.<ok|error|HTTP status>.json`.
//! `scripts/market-events <market>` writes a market's full set.

mod support;

use sellerbox::ErrorKind;
use sellerbox::model::Market;
use serde_json::Value;
use std::path::PathBuf;

enum Expect {
    Ok,
    Error,
    Http(i64),
}

fn expectation(name: &str) -> (Market, String, Expect) {
    let parts: Vec<&str> = name.trim_end_matches(".json").split('.').collect();
    let [market, shape, expect] = parts.as_slice() else {
        panic!("events/{name}: name it <market>.<shape>.<ok|error|HTTP status>.json");
    };
    let market: Market = market
        .parse()
        .unwrap_or_else(|e| panic!("events/{name}: {e}"));
    let expect = match *expect {
        "ok" => Expect::Ok,
        "error" => Expect::Error,
        code => Expect::Http(
            code.parse()
                .unwrap_or_else(|_| panic!("events/{name}: no expectation in the name")),
        ),
    };
    (market, shape.to_string(), expect)
}

#[tokio::test]
async fn every_sample_event_has_the_outcome_its_name_expects() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut files: Vec<(bool, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .map(|n| (n.contains(".api-"), n))
        .collect();
    // Scheduled and direct collections first, so status requests find data.
    files.sort();
    assert!(files.len() >= 2 * 14, "events/ lost files: {files:?}");

    let fleet = support::fleet(2).await;
    let apps: Vec<_> = Market::ALL.iter().map(|m| fleet.app(*m)).collect();
    let mut seen_shapes = std::collections::BTreeSet::new();
    for (_, name) in files {
        let (market, shape, expect) = expectation(&name);
        seen_shapes.insert((market, shape.split('-').next().unwrap().to_string()));
        let app = apps.iter().find(|a| a.market == market).unwrap();
        let payload: Value = serde_json::from_slice(&std::fs::read(dir.join(&name)).unwrap())
            .unwrap_or_else(|e| panic!("events/{name} is not JSON: {e}"));
        let before = fleet.store.totals(Some(market)).await.unwrap();
        let result = app.handle(payload, None).await;
        let after = fleet.store.totals(Some(market)).await.unwrap();
        match expect {
            Expect::Ok => {
                let v = result.unwrap_or_else(|e| panic!("events/{name}: {e}"));
                let started = fleet.started.take();
                if v.get("shards").is_some() {
                    // A schedule firing: it started every shard it planned, and each of
                    // them (what Lambda would run next) collects with no failed run.
                    let shards = v["shards"].as_u64().unwrap();
                    assert!(shards >= 1, "events/{name}: {v}");
                    assert_eq!(started.len() as u64, shards, "events/{name}: {v}");
                    for shard in started {
                        let payload = serde_json::to_value(&shard).unwrap();
                        let r = app.handle(payload, None).await.unwrap();
                        assert_eq!(r["failed"], 0, "events/{name}'s shard: {r}");
                        assert!(!r["runs"].as_array().unwrap().is_empty(), "{r}");
                    }
                } else {
                    assert!(started.is_empty(), "events/{name} started shards");
                    assert_eq!(v["failed"], 0, "events/{name}: {v}");
                    assert!(
                        !v["runs"].as_array().unwrap().is_empty(),
                        "events/{name}: {v}"
                    );
                }
            }
            Expect::Error => {
                let e = result
                    .err()
                    .unwrap_or_else(|| panic!("events/{name} was accepted"));
                assert_eq!(e.kind(), ErrorKind::InvalidInput, "events/{name}: {e}");
                assert_eq!(before, after, "events/{name} collected something");
            }
            Expect::Http(code) => {
                let v = result.unwrap_or_else(|e| panic!("events/{name}: {e}"));
                assert_eq!(v["statusCode"], code, "events/{name}: {v}");
                let body: Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
                if code >= 400 {
                    assert!(body["message"].is_string(), "events/{name}: {body}");
                    assert_eq!(before, after, "events/{name} collected something");
                }
            }
        }
    }
    // Every market has every shape.
    for &m in Market::ALL {
        for shape in ["scheduler", "shard", "rule", "direct", "api"] {
            assert!(
                seen_shapes.contains(&(m, shape.to_string())),
                "no {shape} event for {m}"
            );
        }
    }
}

/// Every market has a file for every `<shape>.<expectation>` that any market has (the shapes
/// are the ones `scripts/market-events` writes; a new market gets them all from it).
#[test]
fn every_market_has_every_shape_of_sample_event() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut by_market: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".json") {
            let (market, shape) = stem.split_once('.').unwrap_or((stem, ""));
            by_market
                .entry(market.to_string())
                .or_default()
                .insert(shape.to_string());
        }
    }
    let every_shape: std::collections::BTreeSet<String> =
        by_market.values().flatten().cloned().collect();
    for base in [
        "scheduler.ok",
        "shard.ok",
        "rule.ok",
        "direct.ok",
        "api-collect.200",
    ] {
        assert!(
            every_shape.contains(base),
            "no market has events/<market>.{base}.json"
        );
    }
    let mut missing = Vec::new();
    for &m in Market::ALL {
        let have = by_market.get(m.as_str()).cloned().unwrap_or_default();
        missing.extend(
            every_shape
                .difference(&have)
                .map(|shape| format!("events/{m}.{shape}.json")),
        );
    }
    assert!(
        missing.is_empty(),
        "missing sample events (write them with `scripts/market-events <market> [<seller-id>]`): {missing:?}"
    );
}

#[tokio::test]
async fn verify_names_the_error_kind_and_what_to_tell_the_seller() {
    let fleet = support::fleet(1).await;
    let app = fleet.app(Market::Coupang);
    let seller = fleet
        .secrets
        .entries
        .iter()
        .find(|e| e.market == Market::Coupang)
        .unwrap();
    // A disabled account can still be verified (onboarding checks before enabling).
    fleet
        .store
        .set_account_enabled(Market::Coupang, &seller.seller_id, false)
        .await
        .unwrap();
    let event = |seller: &str| {
        serde_json::json!({
            "resource": "/v1/markets/coupang/sellers/{seller}/verify",
            "path": format!("/v1/markets/coupang/sellers/{seller}/verify"),
            "httpMethod": "POST", "headers": {}, "multiValueHeaders": {},
            "pathParameters": {"seller": seller}, "requestContext": {"httpMethod": "POST"},
            "body": null, "isBase64Encoded": false
        })
    };
    let ok = app.handle(event(&seller.seller_id), None).await.unwrap();
    assert_eq!(ok["statusCode"], 200, "{ok}");

    // Wrong keys: 422 with the kind and a sentence for the seller, no secret in it.
    let mut wrong = (*fleet.secrets).clone();
    wrong.entries[0].credentials["secret_key"] = "planted-wrong-secret".into();
    let app = sellerbox::lambda::App::new(
        Market::Coupang,
        fleet.store.clone(),
        std::sync::Arc::new(wrong),
        sellerbox::http::Http::new(Default::default()).unwrap(),
        Default::default(),
    );
    let refused = app.handle(event(&seller.seller_id), None).await.unwrap();
    assert_eq!(refused["statusCode"], 422, "{refused}");
    let body: Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error_kind"], "credentials_rejected");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("reissue the API key"),
        "{body}"
    );
    assert!(!refused.to_string().contains("planted-wrong-secret"));
}

/// The template schedules every kind for every market; a schedule of a kind the market
/// does not offer through its API (reviews anywhere, inquiries on Lotte ON) ends quietly
/// with nothing collected, while a direct invocation asking for it is still refused.
#[tokio::test]
async fn a_schedule_of_a_kind_the_market_does_not_offer_ends_quietly() {
    let fleet = support::fleet(1).await;
    for &market in Market::ALL {
        let app = fleet.app(market);
        let spec = sellerbox::markets::require(market).unwrap();
        let center = sellerbox::centers::center(market);
        for kind in sellerbox::model::Kind::ALL {
            // Offered through the API or the seller center (for sellers with its login).
            if spec.plan(kind).is_some() || center.and_then(|c| c.plan(kind)).is_some() {
                continue;
            }
            let before = fleet.store.totals(Some(market)).await.unwrap();
            let scheduled = serde_json::json!({
                "kinds": [kind], "shard": {"index": 0, "count": 1}
            });
            let v = app
                .handle(scheduled, None)
                .await
                .unwrap_or_else(|e| panic!("{market} {kind}: {e}"));
            assert_eq!(v["failed"], 0, "{market} {kind}: {v}");
            assert_eq!(v["skipped_kinds"], serde_json::json!([kind]), "{v}");
            assert_eq!(before, fleet.store.totals(Some(market)).await.unwrap());
            let direct = serde_json::json!({ "kinds": [kind] });
            let e = app.handle(direct, None).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{market} {kind}: {e}");
        }
    }
}
