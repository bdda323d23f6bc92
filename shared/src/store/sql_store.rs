//! [`Store`] implemented once over any [`Backend`]: the two databases differ only in
//! their pools, how a write transaction begins and the [`Dialect`](super::sql::Dialect)
//! their connection speaks.

use super::group::{self, Group};
use super::sql::{AnyRow, Exec, Param, parse_ts, query_error, ts};
use super::{
    Claimed, CycleClaim, KindStatus, Outcome, RunCost, RunRecord, Scope, Store, StoreError, Totals,
    WriteStats, window,
};
use crate::error::ErrorKind;
use crate::model::{Kind, Market, RawJson, Records, RejectKey, Rejected, SellerAccount};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Pool};
use std::collections::BTreeMap;

/// What a database brings to [`SqlStore`].
pub trait Backend: Send + Sync + 'static {
    type Db: sqlx::Database<Connection = Self::Conn>;
    type Conn: Exec + sqlx::Connection<Database = Self::Db>;
    /// The statement that opens a write transaction.
    const BEGIN: &'static str;
    /// Whether windows share transactions ([`group`](super::group)): SQLite's WAL rewrites
    /// every page a commit touched; PostgreSQL keeps a transaction per window, so that
    /// its sellers' advisory locks are held one window at a time.
    const GROUP_COMMIT: bool;
    fn read_pool(&self) -> &Pool<Self::Db>;
    /// Where writes go (SQLite: a single connection, as SQLite has one writer anyway).
    fn write_pool(&self) -> &Pool<Self::Db>;
}

pub struct SqlStore<B: Backend> {
    backend: B,
    pub(super) group: Group<B::Db>,
}

impl<B: Backend> SqlStore<B> {
    pub(super) fn new(backend: B) -> Self {
        SqlStore {
            backend,
            group: Group::default(),
        }
    }

    #[cfg(test)]
    pub(super) fn backend(&self) -> &B {
        &self.backend
    }

    async fn reader(&self) -> Result<PoolConnection<B::Db>, StoreError> {
        self.backend
            .read_pool()
            .acquire()
            .await
            .map_err(query_error)
    }

    async fn writer(&self) -> Result<PoolConnection<B::Db>, StoreError> {
        self.backend
            .write_pool()
            .acquire()
            .await
            .map_err(query_error)
    }

    async fn fetch<T: AnyRow>(&self, sql: &str, params: Vec<Param>) -> Result<Vec<T>, StoreError> {
        self.reader().await?.fetch(sql, params).await
    }
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn commit_window(
        &self,
        scope: &Scope,
        records: &Records,
        watermark: DateTime<Utc>,
        observed_at: DateTime<Utc>,
    ) -> Result<WriteStats, StoreError> {
        if B::GROUP_COMMIT {
            let times = (watermark, observed_at);
            let pool = self.backend.write_pool();
            return self
                .group
                .commit(pool, B::BEGIN, scope, records, times)
                .await;
        }
        let mut conn = self.writer().await?;
        let result = async {
            let mut tx = (*conn).begin_with(B::BEGIN).await.map_err(query_error)?;
            // On error `tx` is dropped unfinished, which rolls everything back.
            let stats = window::commit(&mut *tx, scope, records, watermark, observed_at).await?;
            tx.commit().await.map_err(query_error)?;
            Ok::<_, StoreError>(stats)
        }
        .await;
        if result.is_err() {
            // The ping runs after the rollback the dropped transaction queued.
            group::retire_if_in_doubt(&mut conn).await;
        }
        result
    }

    fn writes_in_flight(&self) -> usize {
        if B::GROUP_COMMIT {
            group::MAX_WINDOWS
        } else {
            2
        }
    }

    fn expect_windows(&self) -> Option<super::Expecting> {
        B::GROUP_COMMIT.then(|| self.group.expect())
    }

    async fn watermark(&self, scope: &Scope) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = format!(
            "SELECT {} FROM watermarks WHERE market = $1 AND seller_id = $2 AND kind = $3",
            B::Conn::DIALECT.ts_out("watermark")
        );
        let params = vec![
            scope.market.as_str().into(),
            scope.seller_id.as_str().into(),
            scope.kind.as_str().into(),
        ];
        let rows: Vec<(String,)> = self.fetch(&sql, params).await?;
        rows.first().map(|(t,)| parse_ts(t)).transpose()
    }

    async fn keep_raw_page(
        &self,
        scope: &Scope,
        endpoint: &str,
        body: &[u8],
    ) -> Result<String, StoreError> {
        let sql = format!(
            "INSERT INTO raw_pages (market, seller_id, kind, endpoint, body, kept_at) \
             VALUES ($1, $2, $3, $4, $5, {}) RETURNING id",
            B::Conn::DIALECT.ts_in("$6")
        );
        let params = vec![
            scope.market.as_str().into(),
            scope.seller_id.as_str().into(),
            scope.kind.as_str().into(),
            endpoint.into(),
            Param::Bytes(body.to_vec()),
            ts(Utc::now()).into(),
        ];
        let ids: Vec<(i64,)> = self.writer().await?.fetch(&sql, params).await?;
        let (id,) = ids
            .first()
            .ok_or_else(|| StoreError::Query("INSERT ... RETURNING returned no row".into()))?;
        Ok(format!("raw_pages/{id}"))
    }

    async fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let d = B::Conn::DIALECT;
        let sql = format!(
            "INSERT INTO collection_runs (run_id, market, seller_id, kind, window_from, \
               window_to, started_at, finished_at, requests, pages, throttled, retries, \
               inserted, updated, unchanged, history, outcome, error_kind, error_message, \
               rejected) \
             VALUES ($1, $2, $3, $4, {}, {}, {}, {}, $9, $10, $11, $12, $13, $14, $15, $16, \
               $17, $18, $19, $20)",
            d.ts_in("$5"),
            d.ts_in("$6"),
            d.ts_in("$7"),
            d.ts_in("$8"),
        );
        let params = vec![
            run.run_id.as_str().into(),
            run.market.as_str().into(),
            run.seller_id.as_str().into(),
            run.kind.as_str().into(),
            ts(run.window.from).into(),
            ts(run.window.to).into(),
            ts(run.started_at).into(),
            ts(run.finished_at).into(),
            run.requests.into(),
            run.pages.into(),
            run.throttled.into(),
            run.retries.into(),
            run.stats.inserted.into(),
            run.stats.updated.into(),
            run.stats.unchanged.into(),
            run.stats.history.into(),
            run.outcome.as_str().into(),
            run.error_kind.map(|k| k.as_str().to_string()).into(),
            run.error_message.clone().into(),
            run.stats.rejected.into(),
        ];
        self.writer().await?.execute(&sql, params).await?;
        Ok(())
    }

    async fn open_rejects(&self, scope: &Scope, limit: u32) -> Result<Vec<Rejected>, StoreError> {
        let sql = format!(
            "SELECT endpoint, record_key, reason, {raw} FROM rejected_records \
             WHERE market = $1 AND seller_id = $2 AND kind = $3 AND resolved_at IS NULL \
             ORDER BY first_seen_at, endpoint, record_key LIMIT {limit}",
            raw = B::Conn::DIALECT.json_out("raw"),
        );
        let params = vec![
            scope.market.as_str().into(),
            scope.seller_id.as_str().into(),
            scope.kind.as_str().into(),
        ];
        let rows: Vec<(String, String, String, String)> = self.fetch(&sql, params).await?;
        rows.into_iter()
            .map(|(endpoint, record_key, reason, raw)| {
                Ok(Rejected {
                    key: RejectKey {
                        endpoint,
                        record_key,
                    },
                    reason,
                    raw: RawJson::from_text(raw).map_err(|_| {
                        StoreError::Query("a stored rejected record is not JSON".into())
                    })?,
                })
            })
            .collect()
    }

    async fn upsert_account(&self, account: &SellerAccount) -> Result<(), StoreError> {
        let d = B::Conn::DIALECT;
        let sql = format!(
            "INSERT INTO seller_accounts \
               (market, seller_id, secret_name, enabled, options, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, {options}, {now}, {now}) \
             ON CONFLICT (market, seller_id) DO UPDATE SET secret_name = excluded.secret_name, \
               enabled = excluded.enabled, options = excluded.options, \
               updated_at = excluded.updated_at",
            options = d.json_in("$5"),
            now = d.ts_in("$6"),
        );
        let options = match &account.options {
            serde_json::Value::Null => serde_json::json!({}),
            o => o.clone(),
        };
        let params = vec![
            account.market.as_str().into(),
            account.seller_id.as_str().into(),
            account.secret_name.as_str().into(),
            Param::Bool(account.enabled),
            options.to_string().into(),
            ts(Utc::now()).into(),
        ];
        self.writer().await?.execute(&sql, params).await?;
        Ok(())
    }

    async fn accounts(&self, market: Option<Market>) -> Result<Vec<SellerAccount>, StoreError> {
        let sql = format!(
            "SELECT market, seller_id, secret_name, enabled, {} AS options \
             FROM seller_accounts WHERE ($1 IS NULL OR market = $1) ORDER BY market, seller_id",
            B::Conn::DIALECT.json_out("options")
        );
        let rows: Vec<(String, String, String, bool, String)> =
            self.fetch(&sql, vec![market_param(market)]).await?;
        rows.into_iter()
            .filter_map(|(market, seller_id, secret_name, enabled, options)| {
                // A market this build does not know (a newer deployment's) is skipped.
                let market = market.parse().ok()?;
                Some(Ok(SellerAccount {
                    market,
                    seller_id,
                    secret_name,
                    enabled,
                    options: match serde_json::from_str(&options) {
                        Ok(o) => o,
                        Err(_) => {
                            return Some(Err(StoreError::Query(
                                "a stored account's options are not JSON".into(),
                            )));
                        }
                    },
                }))
            })
            .collect()
    }

    async fn set_account_enabled(
        &self,
        market: Market,
        seller_id: &str,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE seller_accounts SET enabled = $3, updated_at = {} \
             WHERE market = $1 AND seller_id = $2",
            B::Conn::DIALECT.ts_in("$4")
        );
        let params = vec![
            market.as_str().into(),
            seller_id.into(),
            Param::Bool(enabled),
            ts(Utc::now()).into(),
        ];
        Ok(self.writer().await?.execute(&sql, params).await? > 0)
    }

    async fn status(&self, seller_id: &str) -> Result<Vec<KindStatus>, StoreError> {
        let d = B::Conn::DIALECT;
        let mut out: BTreeMap<(Market, Kind), KindStatus> = BTreeMap::new();
        let seller = || vec![Param::from(seller_id)];

        let sql = format!(
            "SELECT market, kind, {} FROM watermarks WHERE seller_id = $1",
            d.ts_out("watermark")
        );
        let rows: Vec<(String, String, String)> = self.fetch(&sql, seller()).await?;
        for (m, k, wm) in rows {
            if let Some(s) = entry(&mut out, &m, &k) {
                s.watermark = Some(parse_ts(&wm)?);
            }
        }

        // Partial runs stopped at a checkpoint on purpose: they count as successes.
        let sql = format!(
            "SELECT market, kind, {} FROM collection_runs WHERE seller_id = $1 \
             GROUP BY market, kind",
            d.ts_out("MAX(CASE WHEN outcome <> 'failed' THEN finished_at END)")
        );
        let rows: Vec<(String, String, Option<String>)> = self.fetch(&sql, seller()).await?;
        for (m, k, success) in rows {
            if let Some(s) = entry(&mut out, &m, &k) {
                s.last_success = success.as_deref().map(parse_ts).transpose()?;
            }
        }

        let latest = |filter: &str| {
            format!(
                "SELECT market, kind, outcome, error_kind, error_message FROM ( \
                   SELECT market, kind, outcome, error_kind, error_message, ROW_NUMBER() OVER \
                     (PARTITION BY market, kind ORDER BY finished_at DESC, id DESC) AS rn \
                   FROM collection_runs WHERE seller_id = $1 {filter}) latest WHERE rn = 1"
            )
        };
        type RunRow = (String, String, String, Option<String>, Option<String>);
        let rows: Vec<RunRow> = self.fetch(&latest(""), seller()).await?;
        for (m, k, outcome, _, _) in rows {
            if let Some(s) = entry(&mut out, &m, &k) {
                s.last_run_outcome = parse_outcome(&outcome);
            }
        }
        let sql = latest("AND error_kind IS NOT NULL");
        let rows: Vec<RunRow> = self.fetch(&sql, seller()).await?;
        for (m, k, _, kind, message) in rows {
            if let Some(s) = entry(&mut out, &m, &k) {
                s.last_error_kind = kind.as_deref().and_then(parse_error_kind);
                s.last_error_message = message;
            }
        }

        let sql = "SELECT market, kind, COUNT(*) FROM rejected_records \
                   WHERE seller_id = $1 AND resolved_at IS NULL GROUP BY market, kind";
        let rows: Vec<(String, String, i64)> = self.fetch(sql, seller()).await?;
        for (m, k, n) in rows {
            if let Some(s) = entry(&mut out, &m, &k) {
                s.rejected = n as u64;
            }
        }

        let sql = "SELECT market, 'orders', COUNT(*) FROM orders WHERE seller_id = $1 \
                     GROUP BY market \
                   UNION ALL SELECT market, 'settlements', COUNT(*) FROM settlements \
                     WHERE seller_id = $1 GROUP BY market \
                   UNION ALL SELECT market, 'reviews', COUNT(*) FROM reviews \
                     WHERE seller_id = $1 GROUP BY market \
                   UNION ALL SELECT market, 'inquiries', COUNT(*) FROM inquiries \
                     WHERE seller_id = $1 GROUP BY market";
        let rows: Vec<(String, String, i64)> = self.fetch(sql, seller()).await?;
        for (m, k, n) in rows {
            // Rows alone do not make a kind appear: only watermarks and runs do.
            if let (Ok(m), Ok(k)) = (m.parse(), k.parse())
                && let Some(s) = out.get_mut(&(m, k))
            {
                s.rows = n as u64;
            }
        }
        Ok(out.into_values().collect())
    }

    async fn run_costs(
        &self,
        market: Option<Market>,
        since: DateTime<Utc>,
    ) -> Result<Vec<RunCost>, StoreError> {
        let d = B::Conn::DIALECT;
        let sql = format!(
            "SELECT market, kind, {}, {}, {}, {}, requests FROM collection_runs \
             WHERE outcome = 'complete' AND started_at >= {}{} ORDER BY id",
            d.ts_out("window_from"),
            d.ts_out("window_to"),
            d.ts_out("started_at"),
            d.ts_out("finished_at"),
            d.ts_in("$1"),
            if market.is_some() {
                " AND market = $2"
            } else {
                ""
            },
        );
        type Row = (String, String, String, String, String, String, i64);
        let mut params = vec![ts(since).into()];
        params.extend(market.map(|m| m.as_str().into()));
        let rows: Vec<Row> = self.fetch(&sql, params).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (market, kind, from, to, started, finished, requests) in rows {
            // A market or kind this build does not know (a newer deployment's) is skipped.
            let (Ok(market), Ok(kind)) = (market.parse(), kind.parse()) else {
                continue;
            };
            out.push(RunCost {
                market,
                kind,
                window: parse_ts(&to)? - parse_ts(&from)?,
                duration: parse_ts(&finished)? - parse_ts(&started)?,
                requests: requests.max(0) as u64,
            });
        }
        Ok(out)
    }

    async fn claim(&self, claim: &CycleClaim, now: DateTime<Utc>) -> Result<Claimed, StoreError> {
        let d = B::Conn::DIALECT;
        let key = claim_params(claim);
        let insert = format!(
            "INSERT INTO cycle_claims (market, schedule, scheduled_at, part, shards, claimed_at) \
             VALUES ($1, $2, {}, $4, $5, {}) ON CONFLICT DO NOTHING",
            d.ts_in("$3"),
            d.ts_in("$6")
        );
        let mut params = key.clone();
        params.push(u64::from(claim.part.shards()).into());
        params.push(ts(now).into());
        if self.writer().await?.execute(&insert, params).await? > 0 {
            return Ok(Claimed {
                first: true,
                shards: claim.part.shards(),
            });
        }
        let select = format!(
            "SELECT shards FROM cycle_claims WHERE market = $1 AND schedule = $2 \
             AND scheduled_at = {} AND part = $4",
            d.ts_in("$3")
        );
        let rows: Vec<(i64,)> = self.fetch(&select, key).await?;
        let shards = rows.first().map_or(0, |r| r.0.max(0) as u32);
        Ok(Claimed {
            first: false,
            shards,
        })
    }

    async fn release(&self, claim: &CycleClaim) -> Result<(), StoreError> {
        let sql = format!(
            "DELETE FROM cycle_claims WHERE market = $1 AND schedule = $2 \
             AND scheduled_at = {} AND part = $4",
            B::Conn::DIALECT.ts_in("$3")
        );
        self.writer()
            .await?
            .execute(&sql, claim_params(claim))
            .await?;
        Ok(())
    }

    async fn prune_claims(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let sql = format!(
            "DELETE FROM cycle_claims WHERE scheduled_at < {}",
            B::Conn::DIALECT.ts_in("$1")
        );
        self.writer()
            .await?
            .execute(&sql, vec![ts(before).into()])
            .await
    }

    async fn totals(&self, market: Option<Market>) -> Result<Totals, StoreError> {
        let count = |table: &str, extra: &str| {
            format!("(SELECT COUNT(*) FROM {table} WHERE ($1 IS NULL OR market = $1) {extra})")
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}",
            count("orders", ""),
            count("order_items", ""),
            count("order_status_history", "AND from_status IS NOT NULL"),
            count("claims", ""),
            count("settlements", ""),
            count("reviews", ""),
            count("inquiries", ""),
            count("order_items", "AND status_unknown"),
            count("rejected_records", "AND resolved_at IS NULL"),
        );
        type Row = (i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = self.fetch(&sql, vec![market_param(market)]).await?;
        let (
            orders,
            order_items,
            status_changes,
            claims,
            settlements,
            reviews,
            inquiries,
            unknown,
            rejected,
        ) = rows.first().copied().unwrap_or_default();
        let n = |v: i64| v as u64;
        Ok(Totals {
            orders: n(orders),
            order_items: n(order_items),
            status_changes: n(status_changes),
            claims: n(claims),
            settlements: n(settlements),
            reviews: n(reviews),
            inquiries: n(inquiries),
            unknown_statuses: n(unknown),
            rejected: n(rejected),
        })
    }
}

/// A claim's key: market, schedule, scheduled time, part ($1..$4).
fn claim_params(c: &CycleClaim) -> Vec<Param> {
    vec![
        c.market.as_str().into(),
        c.schedule.as_str().into(),
        ts(c.scheduled_at).into(),
        c.part.key().into(),
    ]
}

fn market_param(market: Option<Market>) -> Param {
    Param::OptText(market.map(|m| m.as_str().to_string()))
}

/// The status entry of a stored (market, kind), created on first sight; `None` for names
/// this build does not know.
fn entry<'a>(
    out: &'a mut BTreeMap<(Market, Kind), KindStatus>,
    market: &str,
    kind: &str,
) -> Option<&'a mut KindStatus> {
    let (market, kind): (Market, Kind) = (market.parse().ok()?, kind.parse().ok()?);
    Some(out.entry((market, kind)).or_insert(KindStatus {
        market,
        kind,
        watermark: None,
        last_success: None,
        last_run_outcome: None,
        last_error_kind: None,
        last_error_message: None,
        rows: 0,
        rejected: 0,
    }))
}

fn parse_outcome(s: &str) -> Option<Outcome> {
    [Outcome::Complete, Outcome::Partial, Outcome::Failed]
        .into_iter()
        .find(|o| o.as_str() == s)
}

fn parse_error_kind(s: &str) -> Option<ErrorKind> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}
