//! CloudWatch Embedded Metric Format: a log line that CloudWatch turns into metrics.

use crate::collect::RunSummary;
use crate::model::Kind;
use crate::store::Outcome;
use chrono::{DateTime, Utc};
use serde_json::json;

pub const NAMESPACE: &str = "Sellerbox/Collectors";

/// One run's metrics, dimensioned by market and kind (sellers are a property, not a
/// dimension: a dimension per seller would be thousands of metrics).
pub fn run_metrics_line(r: &RunSummary, at: DateTime<Utc>) -> String {
    let orders = if r.kind == Kind::Orders {
        r.inserted + r.updated + r.unchanged
    } else {
        0
    };
    json!({
        "_aws": {
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["market", "kind"], ["market"]],
                "Metrics": [
                    {"Name": "OrdersCollected", "Unit": "Count"},
                    {"Name": "ThrottledAnswers", "Unit": "Count"},
                    {"Name": "Errors", "Unit": "Count"},
                    {"Name": "Duration", "Unit": "Milliseconds"}
                ]
            }]
        },
        "market": r.market,
        "kind": r.kind,
        "seller": r.seller_id,
        "outcome": r.outcome,
        "error_kind": r.error_kind,
        "OrdersCollected": orders,
        "ThrottledAnswers": r.throttled,
        "Errors": u64::from(r.outcome == Outcome::Failed),
        "Duration": (r.seconds * 1000.0).round() as u64,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Market;

    #[test]
    fn a_run_becomes_an_emf_line_with_its_metrics_and_dimensions() {
        let r = RunSummary {
            market: Market::Coupang,
            seller_id: "A1".into(),
            kind: Kind::Orders,
            requests: 12,
            pages: 10,
            throttled: 2,
            retries: 2,
            inserted: 5,
            updated: 1,
            unchanged: 4,
            history: 6,
            rejected: 0,
            windows: 1,
            outcome: Outcome::Complete,
            error_kind: None,
            error: None,
            seconds: 1.5,
        };
        let v: serde_json::Value = serde_json::from_str(&run_metrics_line(&r, Utc::now())).unwrap();
        let spec = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(spec["Namespace"], NAMESPACE);
        for m in spec["Metrics"].as_array().unwrap() {
            let name = m["Name"].as_str().unwrap();
            assert!(v[name].is_number(), "{name} has a value");
        }
        for d in spec["Dimensions"][0].as_array().unwrap() {
            assert!(v[d.as_str().unwrap()].is_string());
        }
        assert_eq!(v["OrdersCollected"], 10);
        assert_eq!(v["ThrottledAnswers"], 2);
        assert_eq!(v["Errors"], 0);
        assert_eq!(v["Duration"], 1500);
    }
}
