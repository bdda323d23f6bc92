//! SQLite: the embedded store for local runs. One writer connection (SQLite serializes
//! writes anyway; a single connection makes concurrent callers queue instead of failing
//! with SQLITE_BUSY), readers in parallel thanks to WAL.

use super::rows::TableRow;
use super::sql::{AnyRow, Dialect, Exec, Param, Table, execute_statement, fetch_rows, query_error};
use super::sql_store::{Backend, SqlStore};
use super::{Scope, StoreError, WriteStats, redact_url, window};
use crate::model::Records;
use async_trait::async_trait;
use backon::Retryable;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

const READERS: u32 = 4;
/// The page cache of the writer and of each reader, in KiB. The SQLite that
/// libsqlite3-sys builds (`SQLITE_ENABLE_MEMORY_MANAGEMENT`) keeps one page cache for all
/// of a process's connections, as large as their `cache_size`s together. At SQLite's
/// default (2,000 KiB each) the writer's pages took the room of every reader the pool
/// had opened, so the process's memory grew with the readers a run happened to open
/// (heaptrack, first run of Coupang: SQLite's heap 2.8 MB at 50 sellers, 10.6 MB at
/// 1,000; 3.7 MB at 1,000 with these sizes). Readers look up a few rows each (a seller's
/// watermark, its open rejects). The writer keeps about SQLite's default: 4 MB
/// re-read fewer evicted index pages (130 instead of 191 MB read from the file in a first
/// run of 50 Naver sellers) but cost 4 MB of peak RSS and no CPU beyond noise.
const WRITER_CACHE_KIB: u32 = 2 * 1024;
const READER_CACHE_KIB: u32 = 256;
/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The writer may wait behind a long window commit of another task.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// The page size of a database file this store creates.
const PAGE_SIZE: u32 = 16 * 1024;

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
            .busy_timeout(BUSY_TIMEOUT)
            // Takes effect only when the file is created (a WAL database keeps its page
            // size). An order row is ~2.5 KB of raw JSON, so a 4 KB page held ~1.2 rows,
            // and every commit wrote and checkpointed one page per order: 16 KB pages cut
            // SQLite's own cost of a first run by 7-10% (`scripts/sqlite-floor`).
            .page_size(PAGE_SIZE)
            // Statement journals (an upsert of many rows keeps one, to undo just that
            // statement) in memory, not in a temporary file: a first run of 50 Coupang
            // sellers wrote 21 MB to such files, a fifth of its writes.
            .pragma("temp_store", "memory");
        let pool = |max| {
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
        };
        // The first connection to a fresh file switches it to WAL, which needs the file to
        // itself and answers SQLITE_BUSY at once (no busy handler) while another process's
        // first connection does the same: such an open is retried, briefly.
        let writer = options.clone().pragma("cache_size", kib(WRITER_CACHE_KIB));
        let writes = (|| pool(1).connect_with(writer.clone()))
            .retry(
                backon::ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(10))
                    .with_max_delay(Duration::from_millis(500))
                    .with_max_times(12)
                    .with_jitter(),
            )
            .when(is_busy)
            .await
            .map_err(|e| super::unreachable(url, e))?;
        // Each connection to `:memory:` is its own database: share the writer then.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let reads = if in_memory {
            writes.clone()
        } else {
            pool(READERS).connect_lazy_with(options.pragma("cache_size", kib(READER_CACHE_KIB)))
        };
        super::migrate_sqlite(&writes).await?;
        Ok(SqlStore::new(Lite { reads, writes }))
    }
}

/// `PRAGMA cache_size` in KiB (a negative number; a positive one counts pages).
fn kib(kib: u32) -> String {
    format!("-{kib}")
}

/// SQLITE_BUSY or SQLITE_LOCKED, in any of their extended forms.
fn is_busy(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
    matches!(code & 0xff, 5 | 6)
}

impl Backend for Lite {
    type Db = Sqlite;
    type Conn = SqliteConnection;
    /// Take the write lock up front: a deferred transaction that reads first and writes
    /// later can fail with SQLITE_BUSY when another process wrote in between.
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
    const GROUP_COMMIT: bool = true;

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

    type Kept = Statements;

    async fn release(&mut self, kept: &mut Statements) {
        // Finalizing needs the connection to itself (it is opened without SQLite's own
        // mutex): the lock waits for the driver's thread to be done with it. Without a
        // driver thread to wait for (the lock fails), nothing else can be using it.
        let _handle = self.lock_handle().await;
        *kept = Statements::default();
    }

    async fn write_rows<R: TableRow>(
        &mut self,
        kept: &mut Statements,
        table: &Table,
        scope: (&str, &str),
        stamp: &str,
        rows: &[&R],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        // Locked for us until `handle` drops: no other thread uses the connection meanwhile.
        let mut handle = self.lock_handle().await.map_err(query_error)?;
        insert_rows(kept.on(handle.as_raw_handle())?, table, scope, stamp, rows)
    }

    /// The whole window under one lock of the connection, each statement run by rusqlite
    /// on this thread. Through sqlx, each of them (the reads of stored hashes and claims,
    /// the watermark, and the lock for each table's rows) was a hand-off to the
    /// connection's worker thread and back, about six per window: a Naver first run of 50
    /// sellers made 7,950 voluntary context switches with them, 4,916 without
    /// (`/usr/bin/time -v`).
    async fn write_window(
        &mut self,
        kept: &mut Statements,
        scope: &Scope,
        records: &Records,
        (watermark, observed_at): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<WriteStats, StoreError> {
        let mut handle = self.lock_handle().await.map_err(query_error)?;
        kept.on(handle.as_raw_handle())?;
        window::commit(&mut Locked(kept), scope, records, watermark, observed_at)
            .now_or_never()
            .expect("a locked connection runs each statement as it is called")
    }
}

/// sqlx's connection while it is locked for one window ([`Exec::write_window`]): every
/// statement runs on rusqlite, on the caller's thread, as it is called, so none of these
/// futures ever waits.
struct Locked<'k>(&'k mut Statements);

#[async_trait]
impl Exec for Locked<'_> {
    const DIALECT: Dialect = Dialect::Sqlite;
    /// The statements are kept by the [`Statements`] this borrows.
    type Kept = ();

    async fn release(&mut self, _: &mut ()) {}

    async fn fetch<T: AnyRow>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<T>, StoreError> {
        let mut statement = self.0.conn().prepare_cached(sql).map_err(lite_error)?;
        bind_params(&mut statement, &params)?;
        let mut rows = statement.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(lite_error)? {
            out.push(T::from_lite(row).map_err(lite_error)?);
        }
        Ok(out)
    }

    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<u64, StoreError> {
        let mut statement = self.0.conn().prepare_cached(sql).map_err(lite_error)?;
        bind_params(&mut statement, &params)?;
        let changed = statement.raw_execute().map_err(lite_error)?;
        Ok(changed as u64)
    }

    async fn write_rows<R: TableRow>(
        &mut self,
        _: &mut (),
        table: &Table,
        scope: (&str, &str),
        stamp: &str,
        rows: &[&R],
    ) -> Result<(), StoreError> {
        insert_rows(self.0.conn(), table, scope, stamp, rows)
    }
}

/// Each row is one step of one prepared single-row upsert, its values bound borrowed from
/// the row. Through sqlx, every statement's values are copied into owned arguments and
/// sent to the connection's worker thread; a first run of 50 Coupang sellers spent about
/// a sixth of its CPU on that (`scripts/collect-cost`).
fn insert_rows<R: TableRow>(
    conn: &rusqlite::Connection,
    table: &Table,
    (market, seller_id): (&str, &str),
    stamp: &str,
    rows: &[&R],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut statement = conn
        .prepare_cached(&insert_sql(table))
        .map_err(lite_error)?;
    // What every row repeats is bound once: a step keeps the statement's bindings, and
    // each row rebinds only its own columns, the table's (see `insert_sql`).
    let stamps = 3 + table.cols.len();
    let mut shared = vec![(1, market), (2, seller_id)];
    if table.stamped {
        shared.extend([(stamps, stamp), (stamps + 1, stamp)]);
    }
    for (index, value) in shared {
        statement
            .raw_bind_parameter(index, value)
            .map_err(lite_error)?;
    }
    for row in rows {
        let next = row.bind(&mut statement, 3).map_err(lite_error)?;
        // The stamps bound once above sit right after the row's own columns.
        debug_assert_eq!(next, stamps, "{} binds its table's columns", table.name);
        statement.raw_execute().map_err(lite_error)?;
    }
    Ok(())
}

/// Binds `params` as sqlx binds them on SQLite: `$N` (or `?N`) takes the Nth, a bare `?`
/// the next; a parameter past the last stays NULL.
fn bind_params(
    statement: &mut rusqlite::Statement<'_>,
    params: &[Param],
) -> Result<(), StoreError> {
    let mut next = 0;
    for index in 1..=statement.parameter_count() {
        let n = match statement.parameter_name(index) {
            Some(name) => name
                .strip_prefix(['$', '?'])
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| StoreError::Query(format!("unsupported SQL parameter {name}")))?,
            None => {
                next += 1;
                next
            }
        };
        let Some(param) = n.checked_sub(1).and_then(|n| params.get(n)) else {
            continue;
        };
        let bound = match param {
            Param::Text(s) => statement.raw_bind_parameter(index, s.as_str()),
            Param::OptText(s) => statement.raw_bind_parameter(index, s.as_deref()),
            Param::Int(n) => statement.raw_bind_parameter(index, n),
            Param::Bool(b) => statement.raw_bind_parameter(index, b),
            Param::Bytes(b) => statement.raw_bind_parameter(index, b.as_slice()),
        };
        bound.map_err(lite_error)?;
    }
    Ok(())
}

/// A result row read on rusqlite: what [`Locked`] reads back within a window.
pub trait LiteRow: Sized {
    fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

macro_rules! lite_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: rusqlite::types::FromSql),+> LiteRow for ($($t,)+) {
            fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}
lite_tuple!(A 0);
lite_tuple!(A 0, B 1);
lite_tuple!(A 0, B 1, C 2);
lite_tuple!(A 0, B 1, C 2, D 3);
lite_tuple!(A 0, B 1, C 2, D 3, E 4);
lite_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
lite_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
lite_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
lite_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);

/// The row statements prepared on one sqlx connection, kept while one caller holds it:
/// preparing a statement parses its SQL and plans it, 3% of a first run of 50 Naver
/// sellers when each window prepared its own (`perf record -g`).
#[derive(Default)]
pub struct Statements {
    /// rusqlite's view of the connection, with its statement cache, and the connection's
    /// address.
    on: Option<(rusqlite::Connection, usize)>,
}

impl Statements {
    /// rusqlite's view of `handle`, the connection these statements were prepared on.
    #[allow(unsafe_code)]
    fn on(
        &mut self,
        handle: std::ptr::NonNull<rusqlite::ffi::sqlite3>,
    ) -> Result<&rusqlite::Connection, StoreError> {
        let address = handle.as_ptr() as usize;
        if let Some((_, on)) = &self.on {
            assert_eq!(*on, address, "statements are kept for one connection");
        } else {
            // SAFETY: `handle` is sqlx's open connection, used here only while it is locked
            // for us (`lock_handle`). `from_handle` does not take ownership (rusqlite never
            // closes it). Dropping `Statements` finalizes the statements, so it must be
            // dropped before the connection is closed (sqlx panics on a connection closed
            // with statements open): its holders declare it before the connection. sqlx and
            // rusqlite link the same libsqlite3-sys (one version in Cargo.lock).
            let conn = unsafe { rusqlite::Connection::from_handle(handle.as_ptr()) }
                .map_err(lite_error)?;
            self.on = Some((conn, address));
        }
        Ok(self.conn())
    }

    /// rusqlite's view of the connection, made by [`Statements::on`].
    fn conn(&self) -> &rusqlite::Connection {
        &self
            .on
            .as_ref()
            .expect("made while the connection is locked")
            .0
    }
}

/// `INSERT INTO t (cols) VALUES (?, ...) ON CONFLICT ...`: one row (market, seller, the
/// table's columns, and for stamped tables created_at and updated_at).
fn insert_sql(table: &Table) -> String {
    let per_row = 2 + table.cols.len() + if table.stamped { 2 } else { 0 };
    format!(
        "INSERT INTO {} ({}) VALUES ({}){}",
        table.name,
        table.col_list(),
        vec!["?"; per_row].join(", "),
        table.on_conflict(Dialect::Sqlite)
    )
}

/// A failed write, as sqlx's SQLite errors read: SQLite's message and code (never a
/// bound value).
fn lite_error(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => StoreError::Query(format!(
            "{} (code {})",
            msg.unwrap_or_else(|| f.to_string()),
            f.extended_code
        )),
        other => StoreError::Query(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Market, Order, OrderItem, RawJson, Status, StatusCode};
    use crate::store::rows::{HISTORY, HistoryRow};
    use chrono::TimeZone;
    use sqlx::Connection;

    /// Statements open on `conn`, sqlx's own included.
    #[allow(unsafe_code)]
    async fn open_statements(conn: &mut SqliteConnection) -> usize {
        let mut handle = conn.lock_handle().await.unwrap();
        let db = handle.as_raw_handle().as_ptr();
        let mut statement = std::ptr::null_mut();
        let mut open = 0;
        loop {
            // SAFETY: the connection is locked for us; the statements are only counted.
            statement = unsafe { rusqlite::ffi::sqlite3_next_stmt(db, statement) };
            if statement.is_null() {
                return open;
            }
            open += 1;
        }
    }

    /// A table's row statement is prepared once for all the writes of one holder of the
    /// connection, and finalized when released: sqlx refuses to close a connection with
    /// statements open.
    #[tokio::test]
    async fn row_statements_are_prepared_once_and_finalized_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}?mode=rwc", dir.path().join("s.sqlite").display());
        SqliteStore::connect(&url).await.unwrap();
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        let before = open_statements(&mut conn).await;
        let row = HistoryRow {
            order_id: "o1",
            item_id: "i1",
            from_status: None,
            to_status: "PAID",
            raw_status: "ACCEPT",
            observed_at: "2025-01-01T00:00:00.000000Z",
            market_changed_at: None,
        };
        let mut kept = Statements::default();
        for _ in 0..3 {
            conn.write_rows(&mut kept, &HISTORY, ("coupang", "s1"), "", &[&row])
                .await
                .unwrap();
            assert_eq!(open_statements(&mut conn).await, before + 1, "one, reused");
        }
        conn.release(&mut kept).await;
        assert_eq!(open_statements(&mut conn).await, before);
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM order_status_history")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(stored, 3);
        conn.close().await.unwrap();
    }

    /// `$N` takes the Nth parameter wherever it stands, and one past the last is NULL, as
    /// sqlx binds them: the window's SQL is written for sqlx (`$6` may come before `$1`).
    #[test]
    fn parameters_bind_by_their_number_as_through_sqlx() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut statement = conn.prepare("SELECT $3, $1, $2, $2, $4").unwrap();
        let params = [Param::Int(7), Param::Text("two".into()), Param::Bool(true)];
        bind_params(&mut statement, &params).unwrap();
        let mut rows = statement.raw_query();
        let row = rows.next().unwrap().expect("one row");
        let read: (bool, i64, String, String, Option<String>) = LiteRow::from_lite(row).unwrap();
        assert_eq!(read, (true, 7, "two".into(), "two".into(), None));
    }

    fn window(order_id: &str) -> Records {
        let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let item = OrderItem {
            item_id: format!("{order_id}-1"),
            product_id: "p1".into(),
            product_name: "무선 이어폰".into(),
            option_name: None,
            quantity: 1,
            unit_price_krw: 15_000,
            amount_krw: 15_000,
            status: StatusCode::new(Status::Paid, "PAYED"),
            status_changed_at: Some(at),
        };
        let order = Order {
            order_id: order_id.into(),
            ordered_at: at,
            paid_at: None,
            total_krw: 15_000,
            shipping_fee_krw: 0,
            items: vec![item],
            raw: RawJson::from_text(format!(r#"{{"orderId":"{order_id}"}}"#)).unwrap(),
        };
        Records {
            orders: vec![order],
            ..Records::default()
        }
    }

    /// A window is written on the caller's thread under one lock: its statements (reads
    /// and writes alike) are prepared once for all the windows of one holder of the
    /// connection, and finalized when released.
    #[tokio::test]
    async fn window_statements_are_prepared_once_per_holder_and_finalized_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}?mode=rwc", dir.path().join("w.sqlite").display());
        SqliteStore::connect(&url).await.unwrap();
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        let scope = Scope {
            market: Market::Coupang,
            seller_id: "s1".into(),
            kind: Kind::Orders,
        };
        let at = Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 0).unwrap();
        let before = open_statements(&mut conn).await;
        let mut kept = Statements::default();
        let first = conn
            .write_window(&mut kept, &scope, &window("o1"), (at, at))
            .await
            .unwrap();
        assert_eq!((first.inserted, first.history), (1, 1));
        let prepared = open_statements(&mut conn).await;
        assert!(prepared > before, "the window's statements stay prepared");
        let second = conn
            .write_window(&mut kept, &scope, &window("o2"), (at, at))
            .await
            .unwrap();
        assert_eq!((second.inserted, second.history), (1, 1));
        assert_eq!(open_statements(&mut conn).await, prepared, "reused");
        let again = conn
            .write_window(&mut kept, &scope, &window("o2"), (at, at))
            .await
            .unwrap();
        assert_eq!((again.inserted, again.unchanged, again.history), (0, 1, 0));
        conn.release(&mut kept).await;
        assert_eq!(open_statements(&mut conn).await, before);
        let stored: (i64, i64, String) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM order_items), \
             (SELECT watermark FROM watermarks)",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(stored, (2, 2, crate::store::sql::ts(at)));
        conn.close().await.unwrap();
    }

    /// The writer and each reader get the page cache meant for them: left at SQLite's
    /// default, the writer's share of the process-wide cache grew with the readers opened.
    #[tokio::test]
    async fn the_writer_and_the_readers_each_get_their_own_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}?mode=rwc", dir.path().join("c.sqlite").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        async fn cache_kib(pool: &SqlitePool) -> i64 {
            let size: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(pool)
                .await
                .unwrap();
            -size
        }
        let backend = store.backend();
        assert_eq!(
            cache_kib(backend.write_pool()).await,
            i64::from(WRITER_CACHE_KIB)
        );
        assert_eq!(
            cache_kib(backend.read_pool()).await,
            i64::from(READER_CACHE_KIB)
        );
    }

    async fn page_size(path: &std::path::Path) -> i64 {
        let url = format!("sqlite:{}", path.display());
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&mut conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_new_file_gets_large_pages_and_an_existing_file_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.sqlite");
        SqliteStore::connect(&format!("sqlite:{}?mode=rwc", fresh.display()))
            .await
            .unwrap();
        assert_eq!(page_size(&fresh).await, i64::from(PAGE_SIZE));

        // A file an earlier version created (4 KB pages, WAL) opens, migrates and keeps
        // its pages: WAL databases cannot change page size, and the store must not try.
        let old = dir.path().join("old.sqlite");
        let url = format!("sqlite:{}?mode=rwc", old.display());
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        for pragma in ["PRAGMA page_size = 4096", "PRAGMA journal_mode = WAL"] {
            sqlx::query(pragma).execute(&mut conn).await.unwrap();
        }
        sqlx::query("CREATE TABLE earlier (x)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        SqliteStore::connect(&url).await.unwrap();
        assert_eq!(page_size(&old).await, 4096);
    }
}
