//! PostgreSQL: the production store. Window rows travel as one JSON array per statement
//! and are unpacked server-side by `jsonb_to_recordset`: one statement per table and
//! chunk, however many rows.

use super::rows::TableRow;
use super::sql::{
    AnyRow, Dialect, Exec, PG_CHUNK_ROWS, Param, Table, execute_statement, fetch_rows, query_error,
};
use super::sql_store::{Backend, SqlStore};
use super::{StoreError, redact_url};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres};
use std::str::FromStr;
use std::time::Duration;

/// Connections per process by default; Lambda containers ask for one or two (see
/// `store::connect_with`) and RDS Proxy multiplexes the rest.
const MAX_CONNECTIONS: u32 = 5;
/// An unreachable database should fail a run within seconds, not hang it.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

pub type PgStore = SqlStore<Pg>;

pub struct Pg {
    pool: PgPool,
}

impl SqlStore<Pg> {
    /// Connects and applies the embedded migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_pooled(url, MAX_CONNECTIONS).await
    }

    /// [`Self::connect`] with a pool of at most `max_connections`.
    pub async fn connect_pooled(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(redact_url(url)))?;
        let options = with_timeouts(options);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| super::unreachable(url, e))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(SqlStore::new(Pg { pool }))
    }
}

/// How long one statement may wait for a lock another session holds (a table locked by a
/// migration or by hand): the window fails with a database error and the run ends,
/// recorded, instead of hanging until the Lambda deadline. Well inside the 10 s a Lambda
/// keeps back from its deadline to record runs and answer.
pub const LOCK_TIMEOUT: &str = "5s";
/// The longest any one statement may run. A window's statements are chunked (a few
/// thousand rows each) and take milliseconds; this only ends a stuck one.
pub const STATEMENT_TIMEOUT: &str = "30s";

/// Sets `lock_timeout` and `statement_timeout` on every connection (startup options),
/// unless the URL's own `options` already set them.
pub(super) fn with_timeouts(options: PgConnectOptions) -> PgConnectOptions {
    let given = options.get_options().unwrap_or_default().to_string();
    let mut extra = Vec::new();
    if !given.contains("lock_timeout") {
        extra.push(("lock_timeout", LOCK_TIMEOUT));
    }
    if !given.contains("statement_timeout") {
        extra.push(("statement_timeout", STATEMENT_TIMEOUT));
    }
    if extra.is_empty() {
        options
    } else {
        options.options(extra)
    }
}

impl Backend for Pg {
    type Db = Postgres;
    type Conn = PgConnection;
    const BEGIN: &'static str = "BEGIN";
    const GROUP_COMMIT: bool = false;

    fn read_pool(&self) -> &PgPool {
        &self.pool
    }

    fn write_pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Exec for PgConnection {
    const DIALECT: Dialect = Dialect::Postgres;

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

    /// sqlx caches the connection's prepared statements itself.
    type Kept = ();

    async fn release(&mut self, _: &mut ()) {}

    /// Each chunk of rows is serialized straight into one JSON array parameter and
    /// unpacked server-side: one statement per table and chunk.
    async fn write_rows<R: TableRow>(
        &mut self,
        _: &mut (),
        table: &Table,
        (market, seller_id): (&str, &str),
        stamp: &str,
        rows: &[&R],
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(PG_CHUNK_ROWS) {
            write_chunk(self, table, (market, seller_id), stamp, chunk).await?;
        }
        Ok(())
    }
}

async fn write_chunk<R: TableRow>(
    conn: &mut PgConnection,
    table: &Table,
    (market, seller_id): (&str, &str),
    stamp: &str,
    rows: &[&R],
) -> Result<(), StoreError> {
    let typed: Vec<String> = table
        .cols
        .iter()
        .map(|(c, ty)| format!("{c} {}", ty.pg()))
        .collect();
    let names: Vec<&str> = table.cols.iter().map(|(c, _)| *c).collect();
    let stamps = if table.stamped {
        ", $4::timestamptz, $4::timestamptz"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO {t} ({all}) SELECT $1, $2, {names}{stamps} \
             FROM jsonb_to_recordset($3) AS r({typed}){conflict}",
        t = table.name,
        all = table.col_list(),
        names = names.join(", "),
        typed = typed.join(", "),
        conflict = table.on_conflict(Dialect::Postgres),
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(market.to_string())
        .bind(seller_id.to_string())
        .bind(Json(rows));
    if table.stamped {
        q = q.bind(stamp.to_string());
    }
    q.execute(&mut *conn).await.map_err(query_error)?;
    Ok(())
}
