//! What the handler tests share: both simulators, a SQLite store with their sellers
//! registered, and a credentials-file secrets provider pointing at them.

use sellerbox::error::CollectError;
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::lambda::{App, Command, Settings, ShardStarter};
use sellerbox::model::{Market, SellerAccount};
use sellerbox::secrets::{CredentialsFile, secret_name};
use sellerbox::store::{self, Store};
use sim::{SimClock, SimConfig};
use std::sync::Arc;

pub struct Fleet {
    pub _dir: tempfile::TempDir,
    /// Kept alive for the test: dropping a simulator stops it.
    pub _sims: Vec<sim::RunningSim>,
    pub store: Arc<dyn Store>,
    pub secrets: Arc<CredentialsFile>,
    /// The shards the apps' schedule firings started, in order (Lambda's part).
    pub started: Arc<Started>,
}

/// Records the shard commands a firing starts instead of invoking Lambda.
#[derive(Default)]
pub struct Started(std::sync::Mutex<Vec<Command>>);

impl Started {
    /// The commands started since the last call.
    #[allow(dead_code)] // Not every test binary that shares this module starts shards.
    pub fn take(&self) -> Vec<Command> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

#[async_trait::async_trait]
impl ShardStarter for Started {
    async fn start(&self, shard: &Command) -> Result<(), CollectError> {
        self.0.lock().unwrap().push(shard.clone());
        Ok(())
    }
}

/// The rate every simulator of the fleet allows and every app sends at: these tests are
/// about events, handlers and logs, not pacing (the conformance suite holds each market to
/// its documented limits), and ESM's documented pace (one order call per 5 s per seller)
/// would make one scheduled event take minutes.
const FAST_RPS: f64 = 500.0;

pub async fn fleet(sellers: usize) -> Fleet {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite:{}?mode=rwc",
        dir.path().join("fleet.sqlite").display()
    );
    let store = store::connect(&url).await.unwrap();
    let clock = SimClock::frozen_now();
    let mut sims = Vec::new();
    for &m in sim::MARKETS {
        let config = SimConfig {
            sellers,
            clock: clock.clone(),
            rps: Some(FAST_RPS),
            ..SimConfig::default()
        };
        sims.push(
            sim::start(m, config, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
        );
    }
    let entries: Vec<serde_json::Value> = sims.iter().flat_map(|s| s.credentials.clone()).collect();
    let secrets = CredentialsFile::parse(&serde_json::to_vec(&entries).unwrap()).unwrap();
    for e in &secrets.entries {
        store
            .upsert_account(&SellerAccount {
                market: e.market,
                seller_id: e.seller_id.clone(),
                secret_name: secret_name(e.market, &e.seller_id),
                enabled: true,
                options: serde_json::json!({}),
            })
            .await
            .unwrap();
    }
    Fleet {
        _dir: dir,
        _sims: sims,
        store,
        secrets: Arc::new(secrets),
        started: Arc::default(),
    }
}

impl Fleet {
    pub fn app(&self, market: Market) -> App {
        let http = Http::new(RetryPolicy {
            backoff_min: std::time::Duration::from_millis(1),
            backoff_max: std::time::Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .unwrap();
        http.limiter().override_rate(Some(FAST_RPS));
        let settings = Settings {
            egress_ip: Some("203.0.113.10".into()),
            ..Settings::default()
        };
        let mut app = App::new(
            market,
            self.store.clone(),
            self.secrets.clone(),
            http,
            settings,
        );
        app.starter = Some(self.started.clone());
        app
    }
}
