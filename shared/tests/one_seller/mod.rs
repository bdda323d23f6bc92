//! One seller of one market's simulator, collected into a fresh SQLite file with retries
//! that back off in milliseconds: the rig of the runner's own tests.

use sellerbox::collect::{Collector, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::{Kind, Market};
use sellerbox::store::{self, Scope};
use sim::{SimClock, SimConfig, SimSpec};
use std::sync::Arc;

pub struct Rig {
    _dir: tempfile::TempDir,
    pub sim: sim::RunningSim,
    pub collector: Collector,
    pub target: Target,
}

impl Rig {
    pub fn scope(&self, kind: Kind) -> Scope {
        Scope {
            market: self.target.market,
            seller_id: self.target.seller_id.clone(),
            kind,
        }
    }
}

const FAST_RPS: f64 = 500.0;

pub async fn rig(market: &'static SimSpec) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("r.sqlite").display());
    let store = store::connect(&url).await.unwrap();
    // Frozen: the collector's "now" is the simulator's, moved on only by the test.
    let clock = SimClock::frozen_now();
    // Fast on both sides: these tests are about retries, windows and deadlines, not pacing
    // (the conformance suite holds each market to its documented limits), and ESM's
    // documented pace (one order call per 5 s) would make every retry wait.
    let config = SimConfig {
        sellers: 1,
        clock: clock.clone(),
        rps: Some(FAST_RPS),
        ..SimConfig::default()
    };
    let sim = sim::start(market, config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let c = &sim.credentials[0];
    let target = Target {
        market: market.id.parse::<Market>().unwrap(),
        seller_id: c["seller_id"].as_str().unwrap().to_string(),
        credentials: (&c["credentials"]).into(),
        base_url: c["base_url"].as_str().map(str::to_string),
        options: serde_json::json!({}),
    };
    let http = Http::new(RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..RetryPolicy::default()
    })
    .unwrap();
    http.limiter().override_rate(Some(FAST_RPS));
    let collector = Collector::new(http, store, Arc::new(move || clock.now()));
    Rig {
        _dir: dir,
        sim,
        collector,
        target,
    }
}
