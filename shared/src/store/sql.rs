//! What the two backends share below the [`Store`](super::Store) trait: the SQL dialect
//! differences, a tiny execution interface ([`Exec`]) each backend implements for its
//! connection type, table descriptions the batched upserts are generated from, time
//! formatting, and error mapping.
//!
//! Every SQL string here is assembled from `'static` table and column names, never from
//! data: values always travel as bind parameters.

use super::rows::TableRow;
use super::sqlite::LiteRow;
use super::{Scope, StoreError, WriteStats, window};
use crate::model::Records;
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::postgres::PgRow;
use sqlx::query::Query;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Database, Encode, Executor, FromRow, IntoArguments, Type};

/// Where the SQL of the two databases differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// A stored time as canonical text (see [`ts`]), so reads decode the same on both.
    pub fn ts_out(self, expr: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("to_char(({expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            }
            Dialect::Sqlite => expr.to_string(),
        }
    }

    /// A bound canonical-text time parameter, as the column type.
    pub fn ts_in(self, param: &str) -> String {
        match self {
            Dialect::Postgres => format!("{param}::timestamptz"),
            Dialect::Sqlite => param.to_string(),
        }
    }

    /// A stored JSON value as text.
    pub fn json_out(self, col: &str) -> String {
        match self {
            Dialect::Postgres => format!("{col}::text"),
            Dialect::Sqlite => col.to_string(),
        }
    }

    /// A bound JSON-text parameter, as the column type.
    pub fn json_in(self, param: &str) -> String {
        match self {
            Dialect::Postgres => format!("{param}::jsonb"),
            Dialect::Sqlite => param.to_string(),
        }
    }

    /// `col` is one of the strings of the JSON array bound as `param`: one parameter for
    /// any number of keys (no per-key placeholders, no bind limit).
    pub fn in_json_array(self, col: &str, param: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("{col} IN (SELECT jsonb_array_elements_text({param}::jsonb))")
            }
            Dialect::Sqlite => format!("{col} IN (SELECT value FROM json_each({param}))"),
        }
    }

    /// Every row's `(a, b)` as one JSON array text `[[a, b], ...]` (`[]` for no rows):
    /// an aggregate, so a select of many pairs answers in one row.
    pub fn json_pairs(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("COALESCE(json_agg(json_build_array({a}, {b})), '[]')::text")
            }
            Dialect::Sqlite => format!("json_group_array(json_array({a}, {b}))"),
        }
    }

    /// Null-safe "differs".
    fn distinct(self) -> &'static str {
        match self {
            Dialect::Postgres => "IS DISTINCT FROM",
            Dialect::Sqlite => "IS NOT",
        }
    }

    /// A statement taking a transaction-scoped lock on `$1` (a seller), where needed.
    /// PostgreSQL's advisory locks belong to the whole database, while a store is one
    /// schema: the key names the schema too, so that a seller's window in one store
    /// (staging beside production, or two tests) never waits for the same seller's window
    /// in another.
    pub fn lock_seller_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some(
                "SELECT pg_advisory_xact_lock(\
                 hashtextextended(coalesce(current_schema(), '') || '/' || $1, 0))",
            ),
            Dialect::Sqlite => None,
        }
    }

    /// The larger of two values of a row (the watermark only moves forward).
    pub fn greatest(self) -> &'static str {
        match self {
            Dialect::Postgres => "GREATEST",
            Dialect::Sqlite => "MAX",
        }
    }
}

/// A bind parameter of the statements shared by both backends.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Bool(bool),
    Bytes(Vec<u8>),
}

impl From<&str> for Param {
    fn from(s: &str) -> Self {
        Param::Text(s.to_string())
    }
}

impl From<String> for Param {
    fn from(s: String) -> Self {
        Param::Text(s)
    }
}

impl From<Option<String>> for Param {
    fn from(s: Option<String>) -> Self {
        Param::OptText(s)
    }
}

impl From<u64> for Param {
    fn from(n: u64) -> Self {
        Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A result row both backends can decode (derive `sqlx::FromRow` over text, integer and
/// boolean columns; times come back as canonical text through [`Dialect::ts_out`]), and
/// SQLite's window writes read on rusqlite ([`LiteRow`]).
pub trait AnyRow:
    for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + LiteRow + Send + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + LiteRow + Send + Unpin
{
}

/// How [`commit_window`](super::window) and the shared reads talk to a connection (or a
/// transaction, which derefs to one).
#[async_trait]
pub trait Exec: Send {
    const DIALECT: Dialect;

    async fn fetch<T: AnyRow>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<T>, StoreError>;

    /// Runs a statement; returns the rows it affected.
    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<u64, StoreError>;

    /// What the connection keeps from one window's writes to the next while it stays in
    /// one caller's hands (SQLite: its prepared row statements). Dropped before the
    /// connection is.
    type Kept: Default + Send;

    /// Drops what `kept` holds once no statement runs on the connection: a caller
    /// cancelled midway may have left one running on the driver's thread.
    async fn release(&mut self, kept: &mut Self::Kept);

    /// Writes `rows` (with `table`'s columns) into `table`, upserting on its key, in as
    /// few statements as the backend allows. Stamped tables get `first_seen_at` (on
    /// insert) and `updated_at` set to `stamp`.
    async fn write_rows<R: TableRow>(
        &mut self,
        kept: &mut Self::Kept,
        table: &Table,
        scope: (&str, &str),
        stamp: &str,
        rows: &[&R],
    ) -> Result<(), StoreError>;

    /// Writes one window into the transaction open on this connection
    /// ([`window::commit`]), keeping in `kept` what the windows after it reuse.
    async fn write_window(
        &mut self,
        kept: &mut Self::Kept,
        scope: &Scope,
        records: &Records,
        (watermark, observed_at): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<WriteStats, StoreError>
    where
        Self: Sized,
    {
        let mut keeping = Keeping { conn: self, kept };
        window::commit(&mut keeping, scope, records, watermark, observed_at).await
    }
}

/// A connection together with what it keeps between windows: each window written through
/// it reuses what the earlier ones kept (a [group commit](super::group) writes up to 16
/// windows on one connection). A bare connection keeps nothing past one `write_rows`.
pub struct Keeping<'a, C: Exec> {
    pub conn: &'a mut C,
    pub kept: &'a mut C::Kept,
}

#[async_trait]
impl<C: Exec> Exec for Keeping<'_, C> {
    const DIALECT: Dialect = C::DIALECT;
    /// What is kept lives in the caller's `kept`, released by the caller.
    type Kept = ();

    async fn release(&mut self, _: &mut ()) {}

    async fn fetch<T: AnyRow>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<T>, StoreError> {
        self.conn.fetch(sql, params).await
    }

    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<u64, StoreError> {
        self.conn.execute(sql, params).await
    }

    async fn write_rows<R: TableRow>(
        &mut self,
        _: &mut (),
        table: &Table,
        scope: (&str, &str),
        stamp: &str,
        rows: &[&R],
    ) -> Result<(), StoreError> {
        self.conn
            .write_rows(self.kept, table, scope, stamp, rows)
            .await
    }
}

/// JSON columns hold the record's JSON text as the marketplace sent it, bound as it is.
impl rusqlite::ToSql for crate::model::RawJson {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            rusqlite::types::ValueRef::Text(self.get().as_bytes()),
        ))
    }
}

impl rusqlite::ToSql for super::rows::JsonList<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        let text = serde_json::to_string(self.0).expect("strings serialize");
        Ok(rusqlite::types::ToSqlOutput::from(text))
    }
}

/// A database that can bind every kind of [`Param`] (both backends can).
pub trait BindParams: Database {
    /// `sql` with `params` bound in order. The SQL is assembled from static names only
    /// (see the module docs); values are always bound.
    fn bind_params(sql: &str, params: Vec<Param>) -> Query<'static, Self, Self::Arguments>;
}

impl<DB> BindParams for DB
where
    DB: Database,
    String: for<'t> Encode<'t, DB> + Type<DB>,
    Option<String>: for<'t> Encode<'t, DB> + Type<DB>,
    i64: for<'t> Encode<'t, DB> + Type<DB>,
    bool: for<'t> Encode<'t, DB> + Type<DB>,
    Vec<u8>: for<'t> Encode<'t, DB> + Type<DB>,
{
    fn bind_params(sql: &str, params: Vec<Param>) -> Query<'static, DB, DB::Arguments> {
        params.into_iter().fold(
            sqlx::query(AssertSqlSafe(sql.to_string())),
            |q, p| match p {
                Param::Text(s) => q.bind(s),
                Param::OptText(s) => q.bind(s),
                Param::Int(n) => q.bind(n),
                Param::Bool(b) => q.bind(b),
                Param::Bytes(b) => q.bind(b),
            },
        )
    }
}

/// [`Exec::fetch`] for any sqlx connection.
pub async fn fetch_rows<DB, C, T>(
    conn: &mut C,
    sql: &str,
    params: Vec<Param>,
) -> Result<Vec<T>, StoreError>
where
    DB: BindParams,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut C: Executor<'c, Database = DB>,
    T: for<'r> FromRow<'r, DB::Row>,
{
    let rows = DB::bind_params(sql, params)
        .fetch_all(conn)
        .await
        .map_err(query_error)?;
    rows.iter()
        .map(|r| T::from_row(r).map_err(query_error))
        .collect()
}

/// [`Exec::execute`] for any sqlx connection.
pub async fn execute_statement<DB, C>(
    conn: &mut C,
    sql: &str,
    params: Vec<Param>,
) -> Result<DB::QueryResult, StoreError>
where
    DB: BindParams,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut C: Executor<'c, Database = DB>,
{
    DB::bind_params(sql, params)
        .execute(conn)
        .await
        .map_err(query_error)
}

/// A column's type, for PostgreSQL's `jsonb_to_recordset` and SQLite's binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Text,
    BigInt,
    Int,
    SmallInt,
    Bool,
    /// Canonical-text time (see [`ts`]).
    Ts,
    /// `YYYY-MM-DD`.
    Date,
    Json,
}

impl Col {
    pub fn pg(self) -> &'static str {
        match self {
            Col::Text => "text",
            Col::BigInt => "bigint",
            Col::Int => "integer",
            Col::SmallInt => "smallint",
            Col::Bool => "boolean",
            Col::Ts => "timestamptz",
            Col::Date => "date",
            Col::Json => "jsonb",
        }
    }
}

/// A table the window writes, described once for both backends. Every such table starts
/// with `market, seller_id`, which come from the scope, not from the rows.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// Key columns after `market, seller_id`; empty for append-only tables.
    pub key: &'static [&'static str],
    /// The columns the rows carry (serialized field names), key columns included.
    pub cols: &'static [(&'static str, Col)],
    /// Columns whose change makes an upsert update the stored row.
    pub guard: &'static [&'static str],
    /// Whether the table has `first_seen_at` / `updated_at`.
    pub stamped: bool,
}

/// Rows per PostgreSQL statement (one JSON array each): large enough to amortize round
/// trips, small enough to keep one statement's JSON modest.
pub const PG_CHUNK_ROWS: usize = 1000;

impl Table {
    pub fn col_list(&self) -> String {
        let mut names: Vec<&str> = vec!["market", "seller_id"];
        names.extend(self.cols.iter().map(|(c, _)| *c));
        if self.stamped {
            names.extend(["first_seen_at", "updated_at"]);
        }
        names.join(", ")
    }

    /// `ON CONFLICT ... DO UPDATE ... WHERE <guard differs>`: re-writing an unchanged
    /// row touches nothing (not even `updated_at`).
    pub fn on_conflict(&self, d: Dialect) -> String {
        if self.key.is_empty() {
            return String::new();
        }
        let mut set: Vec<String> = self
            .cols
            .iter()
            .filter(|(c, _)| !self.key.contains(c))
            .map(|(c, _)| format!("{c} = excluded.{c}"))
            .collect();
        if self.stamped {
            set.push("updated_at = excluded.updated_at".into());
        }
        let guard: Vec<String> = self
            .guard
            .iter()
            .map(|c| {
                format!(
                    "{t}.{c} {op} excluded.{c}",
                    t = self.name,
                    op = d.distinct()
                )
            })
            .collect();
        format!(
            " ON CONFLICT (market, seller_id, {key}) DO UPDATE SET {set} WHERE {guard}",
            key = self.key.join(", "),
            set = set.join(", "),
            guard = guard.join(" OR "),
        )
    }
}

/// The one text form of a time on SQLite (and in rows on their way to either database):
/// RFC3339 UTC with exactly six fractional digits, so text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    crate::model::rfc3339::text(&t, SecondsFormat::Micros).to_string()
}

pub fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Query(format!("stored time is not RFC3339: {s:?}")))
}

/// A query failure as an operator-facing message without row data: PostgreSQL's messages
/// can quote values (e.g. "invalid input syntax ... \"<value>\""), so only the error's
/// class, code, table and constraint are kept; SQLite's messages name columns, not values.
pub fn query_error(e: sqlx::Error) -> StoreError {
    StoreError::Query(match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            let mut msg = format!("{:?}", db.kind());
            // SQLSTATE classes that describe the schema, connection or server, never rows
            // (55: a lock not obtained in `lock_timeout`; 57: a statement cancelled).
            let schema_or_server = ["08", "3D", "3F", "42", "53", "55", "57"]
                .iter()
                .any(|class| code.starts_with(class));
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() || schema_or_server {
                msg = db.message().to_string();
            }
            let mut out = format!("{msg} (code {code}");
            if let Some(t) = db.table() {
                out += &format!(", table {t}");
            }
            if let Some(c) = db.constraint() {
                out += &format!(", constraint {c}");
            }
            out + ")"
        }
        other => other.to_string(),
    })
}
