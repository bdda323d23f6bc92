//! The fault suite's rig: one market's simulator served in this process on a frozen clock,
//! databases (SQLite files or fresh PostgreSQL schemas) to collect into, and the built
//! `sellerbox` binary run against them over one fixed range, so that a faulted collection
//! and a clean one see exactly the same data.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sim::{SimClock, SimConfig, SimSpec};
use sqlx::{AssertSqlSafe, PgPool, Row, SqlitePool};
use std::path::PathBuf;
use std::process::{ExitStatus, Output};
use tokio::process::{Child, Command};

#[path = "../../../shared/tests/support/pg_schema.rs"]
mod pg_schema;
use pg_schema::PgSchema;

/// Sellers per simulator: enough for concurrent runs to interleave their commits.
const SELLERS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database to collect into: its URL for the CLI, and a side door for the checks.
pub struct Db {
    pub url: String,
    /// The same database for the side door (PostgreSQL: without the collector's name).
    pub side_url: String,
    backend: Backend,
    /// PostgreSQL: the `application_name` of the collector's connections, so that a
    /// side connection can terminate exactly those.
    pub app: String,
    _schema: Option<PgSchema>,
}

/// A side connection pool, opened once the collector has created the database.
pub enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl Db {
    pub async fn pool(&self) -> Pool {
        match self.backend {
            Backend::Sqlite => {
                Pool::Sqlite(SqlitePool::connect(&self.side_url).await.expect("SQLite"))
            }
            Backend::Postgres => {
                Pool::Pg(PgPool::connect(&self.side_url).await.expect("PostgreSQL"))
            }
        }
    }
}

impl Pool {
    async fn try_text_rows(
        &self,
        sql: &str,
        binds: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        // One body for both drivers: the query's type follows the pool's.
        macro_rules! fetch {
            ($pool:expr) => {
                binds
                    .iter()
                    .fold(sqlx::query(AssertSqlSafe(sql.to_string())), |q, b| {
                        q.bind(b.to_string())
                    })
                    .fetch_all($pool)
                    .await?
                    .iter()
                    .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
                    .collect()
            };
        }
        Ok(match self {
            Pool::Sqlite(p) => fetch!(p),
            Pool::Pg(p) => fetch!(p),
        })
    }

    /// Every row of `sql` (whose columns are all cast to text), with `binds` for `$1`...
    pub async fn text_rows(&self, sql: &str, binds: &[&str]) -> Vec<Vec<Option<String>>> {
        self.try_text_rows(sql, binds)
            .await
            .unwrap_or_else(|e| panic!("side-door query {sql:?} failed: {e}"))
    }

    pub async fn execute(&self, sql: &str) {
        let sql = AssertSqlSafe(sql.to_string());
        let done = match self {
            Pool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
            Pool::Pg(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
        };
        done.unwrap_or_else(|e| panic!("side-door statement failed: {e}"));
    }

    /// Committed watermarks: the collector's progress, polled while it runs.
    pub async fn watermarks(&self) -> usize {
        let rows = self
            .try_text_rows("SELECT CAST(COUNT(*) AS TEXT) FROM watermarks", &[])
            .await;
        // A database the collector has not migrated yet has none.
        rows.ok()
            .and_then(|r| r.first()?.first()?.as_deref()?.parse().ok())
            .unwrap_or(0)
    }
}

/// One market's simulator and the range every collection of a scenario covers.
pub struct Case {
    pub market: &'static SimSpec,
    pub sim: sim::RunningSim,
    pub backend: Backend,
    dir: tempfile::TempDir,
    creds: PathBuf,
    /// The range: the last 7 days up to the simulator's frozen "now".
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    dbs: std::cell::Cell<usize>,
}

/// What one `sellerbox collect --json` printed and how it ended.
#[derive(Debug)]
pub struct Collected {
    pub status: ExitStatus,
    /// The `runs` of its report; empty when it printed none (killed).
    pub runs: Vec<Value>,
    pub stderr: String,
}

impl Collected {
    fn of(out: Output) -> Collected {
        let runs = serde_json::from_slice::<Value>(&out.stdout)
            .ok()
            .and_then(|v| v["runs"].as_array().cloned())
            .unwrap_or_default();
        Collected {
            status: out.status,
            runs,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Ended on its own, as a run that failed may (exit 1), never by a panic or a signal.
    pub fn ended_cleanly(&self) -> bool {
        matches!(self.status.code(), Some(0 | 1)) && !self.stderr.contains("panicked")
    }

    pub fn assert_complete(&self, what: &str) {
        assert!(
            self.status.success()
                && !self.runs.is_empty()
                && self.runs.iter().all(|r| r["outcome"] == "complete"),
            "{what}: not every run completed ({:?})\nruns: {:#?}\nstderr: {}",
            self.status,
            self.runs,
            self.stderr
        );
    }

    /// A run that finds nothing new: the database has converged.
    pub fn assert_changed_nothing(&self, what: &str) {
        self.assert_complete(what);
        for r in &self.runs {
            for field in ["inserted", "updated", "history"] {
                assert_eq!(
                    r[field], 0,
                    "{what}: a run after convergence changed rows: {r}"
                );
            }
        }
    }
}

impl Case {
    pub async fn start(market: &'static SimSpec, backend: Backend) -> Case {
        let clock = SimClock::frozen_now();
        let config = SimConfig {
            sellers: SELLERS,
            clock: clock.clone(),
            ..SimConfig::default()
        };
        let sim = sim::start(market, config, "127.0.0.1:0".parse().expect("loopback"))
            .await
            .unwrap_or_else(|e| panic!("{}: the simulator does not start: {e}", market.id));
        let dir = tempfile::tempdir().expect("temporary folder");
        let creds = dir.path().join("credentials.json");
        // The API keys only: these faults are the runner's and the store's, and a
        // seller-center seller with SMS codes would end its first run "code needed" (the
        // seller-center faults, expiry, 429 and codes, are shared/tests/centers.rs and wing.rs).
        let api_only: Vec<serde_json::Value> = sim
            .credentials
            .iter()
            .cloned()
            .map(|mut entry| {
                if let Some(c) = entry["credentials"].as_object_mut() {
                    c.remove("center");
                }
                entry
            })
            .collect();
        std::fs::write(&creds, serde_json::to_vec(&api_only).expect("JSON"))
            .expect("credentials file");
        let to = clock.now();
        Case {
            market,
            sim,
            backend,
            dir,
            creds,
            from: to - Duration::days(7),
            to,
            dbs: std::cell::Cell::new(0),
        }
    }

    pub fn seller_ids(&self) -> Vec<String> {
        self.sim
            .credentials
            .iter()
            .map(|c| c["seller_id"].as_str().expect("seller_id").to_string())
            .collect()
    }

    /// A new, empty database on the case's backend (the SQLite file is not created yet).
    pub async fn db(&self) -> Db {
        let n = self.dbs.get() + 1;
        self.dbs.set(n);
        match self.backend {
            Backend::Sqlite => {
                let url = format!(
                    "sqlite:{}?mode=rwc",
                    self.dir.path().join(format!("db{n}.sqlite")).display()
                );
                Db {
                    side_url: url.clone(),
                    url,
                    backend: Backend::Sqlite,
                    app: String::new(),
                    _schema: None,
                }
            }
            Backend::Postgres => {
                let schema = PgSchema::create("faults").await;
                let app = format!("faults_{}", uuid::Uuid::new_v4().simple());
                Db {
                    url: format!("{}&application_name={app}", schema.url),
                    side_url: schema.url.clone(),
                    backend: Backend::Postgres,
                    app,
                    _schema: Some(schema),
                }
            }
        }
    }

    /// `sellerbox collect` of every seller and kind over the case's range into `db`.
    pub fn collect(&self, db: &Db) -> Command {
        self.collect_to(db, None, self.to)
    }

    /// `sellerbox collect` of one seller's `kind` (or every seller's every kind) up to `to`.
    pub fn collect_to(&self, db: &Db, only: Option<(&str, &str)>, to: DateTime<Utc>) -> Command {
        let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut c = Command::new(env!("CARGO_BIN_EXE_sellerbox"));
        c.env_remove("RUST_LOG")
            // Seller-center sessions land in the working folder's .sellerbox/.
            .current_dir(self.dir.path())
            .args(["collect", "--market", self.market.id, "--json"])
            .args(["--from", &rfc(self.from), "--to", &rfc(to)])
            .arg("--credentials")
            .arg(&self.creds)
            .args(["--db", &db.url])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        match only {
            Some((seller, kind)) => c.args(["--seller", seller, "--kinds", kind]),
            None => c.arg("--all"),
        };
        c
    }

    /// Run a collection to its end.
    pub async fn run(&self, mut cmd: Command) -> Collected {
        Collected::of(cmd.output().await.expect("sellerbox runs"))
    }

    pub fn spawn(&self, mut cmd: Command) -> Child {
        cmd.spawn().expect("sellerbox starts")
    }

    /// Create and migrate `db` (`sellerbox sellers list`), so that a side connection can
    /// watch it from the first moment of a collection without racing its creation.
    pub async fn migrate(&self, db: &Db) {
        let out = Command::new(env!("CARGO_BIN_EXE_sellerbox"))
            .env_remove("RUST_LOG")
            .args(["sellers", "list", "--db", &db.url])
            .output()
            .await
            .expect("sellerbox runs");
        assert!(out.status.success(), "migrating {}: {out:?}", db.url);
    }

    /// A clean collection of the range: what every faulted one must end equal to.
    pub async fn clean(&self) -> Db {
        let db = self.db().await;
        self.run(self.collect(&db))
            .await
            .assert_complete(&format!("{}: the clean collection", self.market.id));
        db
    }
}

pub async fn finish(child: Child) -> Collected {
    Collected::of(child.wait_with_output().await.expect("sellerbox ends"))
}

/// Poll (every 10 ms, up to a minute) until the collector has committed more than `n`
/// watermarks, or it ended; whether it is still running.
pub async fn wait_for_progress(pool: &Pool, child: &mut Child, n: usize) -> bool {
    for _ in 0..6000 {
        if child.try_wait().expect("child state").is_some() {
            return false;
        }
        if pool.watermarks().await > n {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the collector made no progress in a minute");
}
