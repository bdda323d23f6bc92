//! One market under test: its simulator on 127.0.0.1, a fresh store (SQLite file or a
//! PostgreSQL schema of its own), a collector on the simulator's clock, the first seller as
//! the target, and a side door to the tables for what the `Store` trait does not expose.

use chrono::{DateTime, Utc};
use sellerbox::collect::{Collector, Range, RunSummary, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::markets::{self, MarketSpec};
use sellerbox::model::{Kind, Market};
use sellerbox::store::{self, Scope, Store, Totals};
use sim::{RunningSim, SimClock, SimConfig, SimSpec};
use sqlx::{AssertSqlSafe, PgPool, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[path = "../support/pg_schema.rs"]
mod pg_schema;
use pg_schema::PgSchema;

/// Where the simulated clock starts: fixed, so that every run sees the same world (which
/// statuses occur depends on it).
pub const T0: &str = "2025-03-10T03:00:00Z";

/// The retry policy of the suite: the default budget, short backoffs.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// The registered market's simulator; a market without one fails here, loudly.
pub fn simulator(spec: &MarketSpec) -> &'static SimSpec {
    sim::find(spec.market.as_str()).unwrap_or_else(|| {
        panic!(
            "{}: registered in markets::registry! but not in sim::MARKETS; every market needs \
             its simulator for the conformance suite",
            spec.market
        )
    })
}

/// Every market this build collects; at least one.
/// Every compiled-in market, or those `SELLERBOX_TEST_MARKETS` names (comma-separated ids),
/// so that a developer adding one market can run the suite for it alone.
pub fn markets() -> Vec<&'static MarketSpec> {
    let only = std::env::var("SELLERBOX_TEST_MARKETS").unwrap_or_default();
    let wanted: Vec<&str> = only
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let all: Vec<_> = markets::compiled()
        .filter(|s| wanted.is_empty() || wanted.contains(&s.market.as_str()))
        .collect();
    assert!(
        !all.is_empty(),
        "no market compiled in (or none named by SELLERBOX_TEST_MARKETS={only:?})"
    );
    all
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How much the simulated seller sells and asks.
#[derive(Debug, Clone, Copy)]
pub struct Volume {
    pub orders_per_day: u32,
    pub inquiries_per_day: u32,
}

pub const SMALL: Volume = Volume {
    orders_per_day: 40,
    inquiries_per_day: 4,
};

pub struct Rig {
    pub market: Market,
    pub spec: &'static MarketSpec,
    pub sim: RunningSim,
    pub store: Arc<dyn Store>,
    pub collector: Collector,
    pub target: Target,
    pub db: Db,
    /// Last: the schema is dropped after the pools above are closed.
    _place: Place,
}

pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// What the store lives in; kept for the rig's life, removed with it.
struct Place {
    _dir: Option<tempfile::TempDir>,
    _schema: Option<PgSchema>,
}

impl Rig {
    pub async fn start(spec: &'static MarketSpec, backend: Backend, volume: Volume) -> Rig {
        let market = spec.market;
        let sim_spec = simulator(spec);
        let clock = SimClock::frozen_at(T0.parse().expect("T0 is RFC 3339"));
        let config = SimConfig {
            sellers: 1,
            seed: 7,
            // Fast buckets: the suite checks contracts, not pacing (the bench does that).
            rps: Some(1000.0),
            orders_per_day: volume.orders_per_day,
            inquiries_per_day: volume.inquiries_per_day,
            clock: clock.clone(),
            ..SimConfig::default()
        };
        let sim = sim::start(sim_spec, config, "127.0.0.1:0".parse().expect("loopback"))
            .await
            .unwrap_or_else(|e| panic!("{market}: its simulator does not start: {e}"));
        let (store, db, place) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite:{}?mode=rwc", dir.path().join("c.sqlite").display());
                let store = store::connect(&url).await.expect("SQLite store");
                let db = Db::Sqlite(SqlitePool::connect(&url).await.expect("SQLite pool"));
                (
                    store,
                    db,
                    Place {
                        _dir: Some(dir),
                        _schema: None,
                    },
                )
            }
            Backend::Postgres => {
                let schema = PgSchema::create("conformance").await;
                let url = schema.url.clone();
                let store = store::connect(&url).await.expect("PostgreSQL store");
                let db = Db::Pg(PgPool::connect(&url).await.expect("PostgreSQL pool"));
                (
                    store,
                    db,
                    Place {
                        _dir: None,
                        _schema: Some(schema),
                    },
                )
            }
        };
        let http = Http::new(retry_policy()).expect("HTTP client");
        http.limiter().override_rate(Some(1000.0));
        let sim_clock = clock.clone();
        let collector = Collector::new(http, store.clone(), Arc::new(move || sim_clock.now()));
        let c = &sim.credentials[0];
        let target = Target {
            market,
            seller_id: c["seller_id"].as_str().expect("seller_id").to_string(),
            credentials: (&c["credentials"]).into(),
            base_url: c["base_url"].as_str().map(str::to_string),
            options: serde_json::json!({}),
        };
        Rig {
            market,
            spec,
            sim,
            store,
            collector,
            target,
            db,
            _place: place,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.sim.clock().now()
    }

    pub fn kinds(&self) -> Vec<Kind> {
        self.spec.plans.iter().map(|p| p.kind).collect()
    }

    pub fn scope(&self, kind: Kind) -> Scope {
        Scope {
            market: self.market,
            seller_id: self.target.seller_id.clone(),
            kind,
        }
    }

    pub async fn run(&self, kind: Kind, range: Range) -> RunSummary {
        self.collector.run(&self.target, kind, range, None).await
    }

    /// A run that must complete; its summary.
    pub async fn complete(&self, kind: Kind, range: Range) -> RunSummary {
        let s = self.run(kind, range).await;
        assert_eq!(
            s.outcome,
            store::Outcome::Complete,
            "{}: the {kind} run did not complete: {s:?}",
            self.market
        );
        s
    }

    pub async fn watermark(&self, kind: Kind) -> Option<DateTime<Utc>> {
        self.store
            .watermark(&self.scope(kind))
            .await
            .unwrap_or_else(|e| panic!("{}: watermark: {e}", self.market))
    }

    pub async fn totals(&self) -> Totals {
        self.store
            .totals(Some(self.market))
            .await
            .unwrap_or_else(|e| panic!("{}: totals: {e}", self.market))
    }

    fn admin(&self, path: &str) -> String {
        format!("http://{}{path}", self.sim.addr)
    }

    /// `POST /_sim/inject` with `body`; the simulator must accept it.
    pub async fn inject(&self, body: serde_json::Value) {
        let resp = reqwest::Client::new()
            .post(self.admin("/_sim/inject"))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: /_sim/inject: {e}", self.market));
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{}: /_sim/inject {body} refused: {status} {text}",
            self.market
        );
    }

    /// `GET /_sim/truth`: the ids of `kind` the simulator lists for the seller in
    /// `[from, to)`.
    pub async fn truth(
        &self,
        kind: Kind,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BTreeSet<String> {
        let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let resp = reqwest::Client::new()
            .get(self.admin("/_sim/truth"))
            .query(&[
                ("seller", self.target.seller_id.clone()),
                ("kind", kind.as_str().to_string()),
                ("from", rfc(from)),
                ("to", rfc(to)),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: /_sim/truth: {e}", self.market));
        assert!(
            resp.status().is_success(),
            "{}: /_sim/truth answered {}",
            self.market,
            resp.status()
        );
        let t: sim::Truth = resp
            .json()
            .await
            .unwrap_or_else(|e| panic!("{}: /_sim/truth body: {e}", self.market));
        t.ids.into_iter().collect()
    }

    // ----------------------------------------------------------- the side door

    async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: Send + Unpin,
        for<'r> T:
            sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let sql = AssertSqlSafe(sql.to_string());
        let (m, s) = (self.market.as_str(), self.target.seller_id.as_str());
        let rows = match &self.db {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(m).bind(s).fetch_all(p).await,
            Db::Pg(p) => sqlx::query_as(sql).bind(m).bind(s).fetch_all(p).await,
        };
        rows.unwrap_or_else(|e| panic!("{}: side-door query failed: {e}", self.market))
    }

    /// Rows of `table` for the seller.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE market = $1 AND seller_id = $2");
        let rows: Vec<(i64,)> = self.rows(&sql).await;
        rows[0].0
    }

    /// Stored order ids.
    pub async fn order_ids(&self) -> BTreeSet<String> {
        let rows: Vec<(String,)> = self
            .rows("SELECT order_id FROM orders WHERE market = $1 AND seller_id = $2")
            .await;
        rows.into_iter().map(|r| r.0).collect()
    }

    /// (order, item) -> canonical status of every stored item.
    pub async fn item_statuses(&self) -> BTreeMap<(String, String), String> {
        let rows: Vec<(String, String, String)> = self
            .rows(
                "SELECT order_id, item_id, status FROM order_items \
                 WHERE market = $1 AND seller_id = $2",
            )
            .await;
        rows.into_iter().map(|(o, i, s)| ((o, i), s)).collect()
    }

    /// Every history row: (id, order, item, from, to), in the order written.
    pub async fn history(&self) -> Vec<(i64, String, String, Option<String>, String)> {
        self.rows(
            "SELECT id, order_id, item_id, from_status, to_status FROM order_status_history \
             WHERE market = $1 AND seller_id = $2 ORDER BY id",
        )
        .await
    }

    /// What a failed window must not have touched: every data table's rows, by id, with
    /// their content hash (items: their status).
    pub async fn snapshot(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for (table, id) in [
            ("orders", "order_id"),
            ("claims", "claim_id"),
            ("settlements", "settlement_id"),
            ("inquiries", "inquiry_id"),
        ] {
            let sql = format!(
                "SELECT {id}, content_hash FROM {table} WHERE market = $1 AND seller_id = $2"
            );
            let rows: Vec<(String, String)> = self.rows(&sql).await;
            out.insert(table.to_string(), rows.into_iter().collect());
        }
        let items = self
            .item_statuses()
            .await
            .into_iter()
            .map(|((o, i), s)| (format!("{o}/{i}"), s))
            .collect();
        out.insert("order_items".into(), items);
        let history = self
            .history()
            .await
            .into_iter()
            .map(|(id, o, i, _, to)| (id.to_string(), format!("{o}/{i}:{to}")))
            .collect();
        out.insert("order_status_history".into(), history);
        out
    }

    /// Every raw status code stored for the seller (items' flow and claim codes, claims',
    /// history's), split into its words: a connector may compose codes (`PAYED/CANCEL_DONE`).
    pub async fn raw_codes(&self) -> BTreeSet<String> {
        let mut raw: Vec<(Option<String>,)> = Vec::new();
        for sql in [
            "SELECT flow_raw_status FROM order_items WHERE market = $1 AND seller_id = $2",
            "SELECT claim_raw_status FROM order_items WHERE market = $1 AND seller_id = $2",
            "SELECT raw_status FROM claims WHERE market = $1 AND seller_id = $2",
            "SELECT raw_status FROM order_status_history WHERE market = $1 AND seller_id = $2",
        ] {
            raw.extend(self.rows::<(Option<String>,)>(sql).await);
        }
        raw.into_iter()
            .filter_map(|r| r.0)
            .flat_map(|r| {
                r.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Stored rows whose canonical status is `unknown`, in any table that has one.
    pub async fn unknown_statuses(&self) -> i64 {
        let mut n = 0;
        for sql in [
            "SELECT COUNT(*) FROM order_items WHERE market = $1 AND seller_id = $2 AND status = 'unknown'",
            "SELECT COUNT(*) FROM claims WHERE market = $1 AND seller_id = $2 AND status = 'unknown'",
            "SELECT COUNT(*) FROM order_status_history WHERE market = $1 AND seller_id = $2 AND to_status = 'unknown'",
        ] {
            n += self.rows::<(i64,)>(sql).await[0].0;
        }
        n
    }

    /// Raw pages kept for the seller's `kind`.
    pub async fn raw_pages(&self, kind: Kind) -> i64 {
        let sql = format!(
            "SELECT COUNT(*) FROM raw_pages WHERE market = $1 AND seller_id = $2 AND kind = '{}'",
            kind.as_str()
        );
        self.rows::<(i64,)>(&sql).await[0].0
    }

    /// The error messages of the seller's recorded runs.
    pub async fn run_errors(&self) -> Vec<String> {
        let rows: Vec<(Option<String>,)> = self
            .rows("SELECT error_message FROM collection_runs WHERE market = $1 AND seller_id = $2")
            .await;
        rows.into_iter().flat_map(|r| r.0).collect()
    }
}
