//! SQLite: the embedded store for local runs. One writer connection (SQLite serializes
//! writes anyway; a single connection makes concurrent callers queue instead of failing
//! with SQLITE_BUSY), readers in parallel thanks to WAL.

use super::sql::{
    AnyRow, Col, Dialect, Exec, Param, Table, execute_statement, fetch_rows, query_error,
};
use super::sql_store::{Backend, SqlStore};
use super::{StoreError, redact_url};
use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite};
use std::str::FromStr;
use std::time::Duration;

const READERS: u32 = 4;
/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The writer may wait behind a long window commit of another task.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

pub type SqliteStore = SqlStore<Lite>;

pub struct Lite {
    reads: SqlitePool,
    writes: SqlitePool,
}

impl SqlStore<Lite> {
    /// Opens (creating it if missing) and migrates the database file `url` names.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(redact_url(url)))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = |max| {
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
        };
        let writes = pool(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| super::unreachable(url, e))?;
        // Each connection to `:memory:` is its own database: share the writer then.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let reads = if in_memory {
            writes.clone()
        } else {
            pool(READERS).connect_lazy_with(options)
        };
        sqlx::migrate!("./migrations/sqlite")
            .run(&writes)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(SqlStore(Lite { reads, writes }))
    }
}

impl Backend for Lite {
    type Db = Sqlite;
    type Conn = SqliteConnection;
    /// Take the write lock up front: a deferred transaction that reads first and writes
    /// later can fail with SQLITE_BUSY when another process wrote in between.
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    fn read_pool(&self) -> &SqlitePool {
        &self.reads
    }

    fn write_pool(&self) -> &SqlitePool {
        &self.writes
    }
}

#[async_trait]
impl Exec for SqliteConnection {
    const DIALECT: Dialect = Dialect::Sqlite;

    async fn fetch<T: AnyRow>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<T>, StoreError> {
        fetch_rows(self, sql, params).await
    }

    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<u64, StoreError> {
        Ok(execute_statement(self, sql, params).await?.rows_affected())
    }

    /// One multi-row `INSERT ... VALUES (...), (...)`; [`Table::chunk`] keeps the binds
    /// under SQLite's limit.
    async fn write_rows(
        &mut self,
        table: &Table,
        (market, seller_id): (&str, &str),
        stamp: &str,
        rows: &[serde_json::Value],
    ) -> Result<(), StoreError> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "INSERT INTO {} ({}) ",
            table.name,
            table.col_list()
        ));
        qb.push_values(rows, |mut b, row| {
            b.push_bind(market.to_string())
                .push_bind(seller_id.to_string());
            for (col, ty) in table.cols {
                match (&row[*col], ty) {
                    (serde_json::Value::Null, _) => b.push_bind(None::<String>),
                    (v, Col::Json) => b.push_bind(v.to_string()),
                    (serde_json::Value::String(s), _) => b.push_bind(s.clone()),
                    (serde_json::Value::Bool(v), _) => b.push_bind(*v),
                    (serde_json::Value::Number(n), _) => b.push_bind(n.as_i64()),
                    // Rows are flat: only `Json` columns hold arrays or objects.
                    (v, _) => b.push_bind(v.to_string()),
                };
            }
            if table.stamped {
                b.push_bind(stamp.to_string()).push_bind(stamp.to_string());
            }
        });
        qb.push(table.on_conflict(Dialect::Sqlite));
        qb.build().execute(&mut *self).await.map_err(query_error)?;
        Ok(())
    }
}
