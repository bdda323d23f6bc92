//! `commit_window` for both backends, inside the caller's transaction: what changed is
//! decided here in Rust from one read per table and batch, and only new or changed rows
//! are written, in statements of up to [`Table::chunk`] rows.
//!
//! Counting: `inserted` / `updated` / `unchanged` count orders, claims, settlements,
//! reviews and inquiries. Order items are part of their order (the order's hash covers
//! them), so they are not counted on their own; their status changes are `history`.

use super::rows::{
    ActiveClaim, ClaimRow, HISTORY, HashedRow, HistoryRow, InquiryRow, ItemRow, ORDER_ITEMS,
    OrderRow, REJECTED, RejectedRow, ReviewRow, SettlementRow, TableRow,
};
use super::sql::{Dialect, Exec, Param, Table, ts};
use super::{Scope, StoreError, WriteStats};
use crate::model::{OrderHashes, Records};
use chrono::{DateTime, Utc};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub async fn commit<E: Exec + ?Sized>(
    ex: &mut E,
    scope: &Scope,
    records: &Records,
    watermark: DateTime<Utc>,
    observed_at: DateTime<Utc>,
) -> Result<WriteStats, StoreError> {
    let w = Writer {
        market: scope.market.as_str(),
        seller_id: &scope.seller_id,
        observed_at: ts(observed_at),
    };
    let d = E::DIALECT;
    if let Some(lock) = d.lock_seller_sql() {
        // Concurrent windows of one seller would both see a row as new and both write
        // its first history row: serialize them (SQLite's BEGIN IMMEDIATE already does).
        ex.execute(lock, vec![format!("{}/{}", w.market, w.seller_id).into()])
            .await?;
    }

    let mut stats = WriteStats::default();
    // Claims first: the items written below read the active claims back from the table.
    //
    // Order items are re-derived only for orders whose row changed and orders named by a
    // claim that changed: every commit leaves the stored items of the orders it touches
    // equal to their order's items under the claims then stored, so an order and claims
    // stored unchanged mean items stored unchanged (the steady state reads none back).
    // A key listed twice in one window is always re-derived, as its copies may differ.
    let claims: Vec<ClaimRow> = records.claims.iter().map(ClaimRow::new).collect();
    let (claim_stats, changed_claims) = w.upsert(ex, claims).await?;
    stats.add(claim_stats);
    let closed = w.closed_by_absence(ex, records).await?;
    stats.updated += closed.len() as u64;
    let repeated_claims = repeated(records.claims.iter().map(|c| c.claim_id.as_str()));
    let claimed_orders: Vec<String> = records
        .claims
        .iter()
        .filter(|c| {
            changed_claims.contains(c.claim_id.as_str())
                || repeated_claims.contains(c.claim_id.as_str())
        })
        .map(|c| c.order_id.clone())
        .chain(closed)
        .collect();

    let hashes: Vec<OrderHashes> = records.orders.iter().map(OrderHashes::of).collect();
    let orders: Vec<OrderRow> = (records.orders.iter().zip(&hashes))
        .map(|(o, h)| OrderRow::new(o, h))
        .collect();
    let (order_stats, changed_orders) = w.upsert(ex, orders).await?;
    // An item's row needs its order's: when none of the window's orders was stored
    // before (a first run, new orders), neither were their items.
    let orders_were_stored = order_stats.updated + order_stats.unchanged > 0;
    stats.add(order_stats);
    let repeated_orders = repeated(records.orders.iter().map(|o| o.order_id.as_str()));
    let items: Vec<ItemRow> = (records.orders.iter().zip(&hashes))
        .filter(|(o, _)| {
            changed_orders.contains(o.order_id.as_str())
                || repeated_orders.contains(o.order_id.as_str())
        })
        .flat_map(|(o, h)| {
            (o.items.iter().enumerate()).map(|(n, i)| ItemRow::new(&o.order_id, i, h.item(n)))
        })
        .collect();
    stats.history = w
        .write_items(ex, items, claimed_orders, orders_were_stored)
        .await?;

    let settlements = records.settlements.iter().map(SettlementRow::new).collect();
    stats.add(w.upsert(ex, settlements).await?.0);
    let reviews = records.reviews.iter().map(ReviewRow::new).collect();
    stats.add(w.upsert(ex, reviews).await?.0);
    let inquiries = records.inquiries.iter().map(InquiryRow::new).collect();
    stats.add(w.upsert(ex, inquiries).await?.0);
    stats.updated += w.answered_by_absence(ex, records).await?;
    stats.rejected = w.keep_rejected(ex, scope, records).await?;

    let sql = format!(
        "INSERT INTO watermarks (market, seller_id, kind, watermark, updated_at) \
         VALUES ($1, $2, $3, {wm}, {now}) \
         ON CONFLICT (market, seller_id, kind) DO UPDATE \
         SET watermark = {greatest}(watermarks.watermark, excluded.watermark), \
             updated_at = excluded.updated_at",
        wm = d.ts_in("$4"),
        now = d.ts_in("$5"),
        greatest = d.greatest(),
    );
    let params = vec![
        w.market.into(),
        w.seller_id.into(),
        scope.kind.as_str().into(),
        ts(watermark).into(),
        ts(Utc::now()).into(),
    ];
    ex.execute(&sql, params).await?;
    Ok(stats)
}

struct Writer<'a> {
    market: &'a str,
    seller_id: &'a str,
    observed_at: String,
}

impl Writer<'_> {
    /// Upserts rows of a table with a content hash; returns what changed, and the ids of
    /// the rows written (new or changed).
    async fn upsert<E: Exec + ?Sized, R: HashedRow>(
        &self,
        ex: &mut E,
        rows: Vec<R>,
    ) -> Result<(WriteStats, HashSet<String>), StoreError> {
        let rows = last_per_key(rows, |r| (r.id(), ""));
        if rows.is_empty() {
            return Ok(Default::default());
        }
        let old = self
            .hashes(ex, R::TABLE, rows.iter().map(|r| r.id()))
            .await?;
        let mut stats = WriteStats::default();
        let mut changed = Vec::new();
        for row in &rows {
            match old.get(row.id()) {
                None => stats.inserted += 1,
                Some(h) if h == row.hash() => {
                    stats.unchanged += 1;
                    continue;
                }
                Some(_) => stats.updated += 1,
            }
            changed.push(row);
        }
        self.write(ex, R::TABLE, &changed).await?;
        Ok((stats, changed.iter().map(|r| r.id().to_string()).collect()))
    }

    /// Keeps the window's rejected records (refreshing ones seen before) and marks the
    /// earlier rejections that now read as resolved. Returns how many were rejected.
    async fn keep_rejected<E: Exec + ?Sized>(
        &self,
        ex: &mut E,
        scope: &Scope,
        records: &Records,
    ) -> Result<u64, StoreError> {
        let rows: Vec<RejectedRow> = records
            .rejected
            .iter()
            .map(|r| RejectedRow::new(scope.kind, r))
            .collect();
        let rows: Vec<&RejectedRow> = rows.iter().collect();
        self.write(ex, &REJECTED, &rows).await?;
        let d = E::DIALECT;
        let sql = format!(
            "UPDATE rejected_records SET resolved_at = {now}, updated_at = {now}              WHERE market = $1 AND seller_id = $2 AND kind = $3 AND endpoint = $4                AND record_key = $5 AND resolved_at IS NULL",
            now = d.ts_in("$6"),
        );
        // Rejected again in this same window: still open.
        let still: std::collections::HashSet<_> = records.rejected.iter().map(|r| &r.key).collect();
        for key in records.resolved.iter().filter(|k| !still.contains(k)) {
            let params = vec![
                self.market.into(),
                self.seller_id.into(),
                scope.kind.as_str().into(),
                key.endpoint.as_str().into(),
                key.record_key.as_str().into(),
                self.observed_at.clone().into(),
            ];
            ex.execute(&sql, params).await?;
        }
        Ok(records.rejected.len() as u64)
    }

    /// Marks answered every stored open inquiry that a complete listing of open inquiries
    /// (`Records::open_inquiries`) of its channel and range did not show: it was answered
    /// (or removed) since it was last listed. `answered_at` is the time we noticed; the
    /// answer text stays unknown. The content hash is cleared, so that the inquiry is
    /// written again should a later listing show it open. Returns the inquiries marked.
    async fn answered_by_absence<E: Exec + ?Sized>(
        &self,
        ex: &mut E,
        records: &Records,
    ) -> Result<u64, StoreError> {
        let d = E::DIALECT;
        let mut marked = 0;
        for listing in &records.open_inquiries {
            let channel = listing.channel.as_str();
            let listed = records
                .inquiries
                .iter()
                .filter(|q| q.channel == listing.channel)
                .map(|q| q.inquiry_id.as_str());
            let sql = format!(
                "UPDATE inquiries SET answered = TRUE, answered_at = {now}, content_hash = '', \
                   updated_at = {now} \
                 WHERE market = $1 AND seller_id = $2 AND channel = $3 AND NOT answered \
                   AND asked_at >= {from} AND asked_at < {to} AND NOT ({listed})",
                now = d.ts_in("$4"),
                from = d.ts_in("$5"),
                to = d.ts_in("$6"),
                listed = d.in_json_array("inquiry_id", "$7"),
            );
            let params = vec![
                self.market.into(),
                self.seller_id.into(),
                channel.into(),
                self.observed_at.clone().into(),
                ts(listing.asked.from).into(),
                ts(listing.asked.to).into(),
                json_list(listed).into(),
            ];
            marked += ex.execute(&sql, params).await?;
        }
        Ok(marked)
    }

    /// Closes every stored active claim that a complete listing of open claims
    /// (`Records::open_claims`) of its raw status and range did not show: it was withdrawn
    /// (or otherwise ended) since it was last listed. The content hash is cleared, so that
    /// the claim is written again should a later listing show it. Returns the order ids of
    /// the claims closed, whose items are derived again.
    async fn closed_by_absence<E: Exec + ?Sized>(
        &self,
        ex: &mut E,
        records: &Records,
    ) -> Result<Vec<String>, StoreError> {
        let d = E::DIALECT;
        let mut orders = Vec::new();
        for listing in &records.open_claims {
            // Every claim of this window, whatever listing showed it: a request completed
            // since (the same id, in a later status) is not a withdrawal.
            let listed = records.claims.iter().map(|c| c.claim_id.as_str());
            let sql = format!(
                "UPDATE claims SET status = NULL, raw_status = $4, content_hash = '', \
                   updated_at = {now} \
                 WHERE market = $1 AND seller_id = $2 AND raw_status = $3 \
                   AND status IS NOT NULL \
                   AND requested_at >= {from} AND requested_at < {to} AND NOT ({listed}) \
                 RETURNING order_id",
                now = d.ts_in("$5"),
                from = d.ts_in("$6"),
                to = d.ts_in("$7"),
                listed = d.in_json_array("claim_id", "$8"),
            );
            let params = vec![
                self.market.into(),
                self.seller_id.into(),
                listing.raw_status.as_str().into(),
                listing.closed_raw_status.as_str().into(),
                self.observed_at.clone().into(),
                ts(listing.requested.from).into(),
                ts(listing.requested.to).into(),
                json_list(listed).into(),
            ];
            let rows: Vec<(String,)> = ex.fetch(&sql, params).await?;
            orders.extend(rows.into_iter().map(|(order_id,)| order_id));
        }
        Ok(orders)
    }

    /// Upserts the order items (and re-applies claims to stored items of the orders the
    /// claims name); writes one history row per effective-status change. Returns the
    /// number of history rows. Without `orders_were_stored` (none of the items' orders had
    /// a row) and without claimed orders, no stored item can be among them: they are not
    /// read back.
    async fn write_items<E: Exec + ?Sized>(
        &self,
        ex: &mut E,
        items: Vec<ItemRow<'_>>,
        claimed_orders: Vec<String>,
        orders_were_stored: bool,
    ) -> Result<u64, StoreError> {
        let items = last_per_key(items, |i| (&i.order_id, &i.item_id));
        let any_stored = orders_were_stored || !claimed_orders.is_empty();
        let order_ids: BTreeSet<String> = items
            .iter()
            .map(|i| i.order_id.to_string())
            .chain(claimed_orders)
            .collect();
        if order_ids.is_empty() {
            return Ok(0);
        }
        let old = if any_stored {
            self.stored_items(ex, &order_ids).await?
        } else {
            BTreeMap::new()
        };
        let claims = self.active_claims(ex, &order_ids).await?;

        // Every item of the touched orders: the new ones, then stored ones not re-sent.
        let mut candidates: BTreeMap<(String, String), ItemRow> = old.clone();
        for i in items {
            candidates.insert((i.order_id.to_string(), i.item_id.to_string()), i);
        }
        let mut changed = Vec::new();
        // Which changed items moved status, and from what: their history rows borrow
        // from `changed` once it is complete.
        let mut moved = Vec::new();
        for (key, mut item) in candidates {
            item.apply_claim(claims.get(&key));
            let prev = old.get(&key);
            if prev == Some(&item) {
                continue;
            }
            if prev.is_none_or(|p| item.status_differs(p)) {
                moved.push((changed.len(), prev));
            }
            changed.push(item);
        }
        let history: Vec<HistoryRow> = (moved.into_iter())
            .map(|(n, prev)| HistoryRow::new(&changed[n], prev, &self.observed_at))
            .collect();
        self.write(ex, &ORDER_ITEMS, &changed.iter().collect::<Vec<_>>())
            .await?;
        self.write(ex, &HISTORY, &history.iter().collect::<Vec<_>>())
            .await?;
        Ok(history.len() as u64)
    }

    /// Content hashes of the stored rows among `ids`, by id.
    async fn hashes<'i, E: Exec + ?Sized>(
        &self,
        ex: &mut E,
        table: &Table,
        ids: impl Iterator<Item = &'i str>,
    ) -> Result<HashMap<String, String>, StoreError> {
        let sql = hashes_sql(E::DIALECT, table);
        let rows: Vec<(String,)> = ex.fetch(&sql, self.params(json_list(ids))).await?;
        let Some((pairs,)) = rows.first() else {
            return Ok(HashMap::new());
        };
        let pairs: Vec<(String, String)> = serde_json::from_str(pairs)
            .map_err(|_| StoreError::Query("stored content hashes did not read back".into()))?;
        Ok(pairs.into_iter().collect())
    }

    async fn stored_items<E: Exec + ?Sized>(
        &self,
        ex: &mut E,
        order_ids: &BTreeSet<String>,
    ) -> Result<BTreeMap<(String, String), ItemRow<'static>>, StoreError> {
        let d = E::DIALECT;
        let cols: Vec<String> = ORDER_ITEMS
            .cols
            .iter()
            .map(|(c, ty)| match ty {
                super::sql::Col::Ts => format!("{} AS {c}", d.ts_out(c)),
                _ => c.to_string(),
            })
            .collect();
        let sql = format!(
            "SELECT {cols} FROM order_items WHERE market = $1 AND seller_id = $2 AND {filter}",
            cols = cols.join(", "),
            filter = d.in_json_array("order_id", "$3"),
        );
        let params = self.params(json_list(order_ids.iter().map(String::as_str)));
        let rows: Vec<ItemRow<'static>> = ex.fetch(&sql, params).await?;
        Ok(rows
            .into_iter()
            .map(|i| ((i.order_id.to_string(), i.item_id.to_string()), i))
            .collect())
    }

    /// The claim in force for each (order, item) of `order_ids`: the most recently
    /// requested active claim naming the item.
    async fn active_claims<E: Exec + ?Sized>(
        &self,
        ex: &mut E,
        order_ids: &BTreeSet<String>,
    ) -> Result<HashMap<(String, String), ActiveClaim>, StoreError> {
        let d = E::DIALECT;
        let sql = format!(
            "SELECT claim_id, order_id, {items} AS item_ids, status, raw_status \
             FROM claims WHERE market = $1 AND seller_id = $2 AND status IS NOT NULL AND {filter} \
             ORDER BY claims.requested_at, claims.claim_id",
            items = d.json_out("item_ids"),
            filter = d.in_json_array("order_id", "$3"),
        );
        let params = self.params(json_list(order_ids.iter().map(String::as_str)));
        let claims: Vec<ActiveClaim> = ex.fetch(&sql, params).await?;
        let mut by_item = HashMap::new();
        for c in claims {
            let item_ids: Vec<String> = serde_json::from_str(&c.item_ids).map_err(|_| {
                StoreError::Query("a stored claim's item_ids is not a JSON array".into())
            })?;
            // Ascending order: a later claim replaces an earlier one.
            for item_id in item_ids {
                by_item.insert((c.order_id.clone(), item_id), c.clone());
            }
        }
        Ok(by_item)
    }

    async fn write<E: Exec + ?Sized, R: TableRow>(
        &self,
        ex: &mut E,
        table: &Table,
        rows: &[&R],
    ) -> Result<(), StoreError> {
        // A fresh `Kept`, dropped once the write is done (no statement runs then): what
        // outlives one write is kept by the caller's `Keeping` (or SQLite's `Locked`).
        ex.write_rows(
            &mut E::Kept::default(),
            table,
            (self.market, self.seller_id),
            &self.observed_at,
            rows,
        )
        .await
    }

    fn params(&self, third: String) -> Vec<Param> {
        vec![self.market.into(), self.seller_id.into(), third.into()]
    }
}

/// The stored `(id, content_hash)` pairs of a table among the ids of `$3`, in one row: a
/// result row is a message from the database driver's worker thread, and a window re-read
/// in full has thousands of them. Answered from the table's `<table>_hash` index alone
/// (migrations 0005 / 0006), never from the rows, which are mostly raw JSON.
fn hashes_sql(d: Dialect, table: &Table) -> String {
    let id_col = table.key[0];
    format!(
        "SELECT {pairs} FROM {t} WHERE market = $1 AND seller_id = $2 AND {filter}",
        pairs = d.json_pairs(id_col, "content_hash"),
        t = table.name,
        filter = d.in_json_array(id_col, "$3"),
    )
}

/// The keys that occur more than once.
fn repeated<'k>(keys: impl Iterator<Item = &'k str>) -> HashSet<&'k str> {
    let mut seen = HashSet::new();
    keys.filter(|k| !seen.insert(*k)).collect()
}

fn json_list<'i>(ids: impl Iterator<Item = &'i str>) -> String {
    serde_json::to_string(&ids.collect::<Vec<_>>()).expect("strings serialize")
}

/// Keeps the last row of each key, in first-seen order: a record repeated within one
/// window (at a page edge) is one row, and the newest copy wins. A key is up to two
/// strings borrowed from its row (an id, or an order's and an item's), so that finding
/// repeats copies none: the window that repeats nothing, nearly every one, is returned
/// as it came.
fn last_per_key<R>(rows: Vec<R>, key: impl Fn(&R) -> (&str, &str)) -> Vec<R> {
    // For each key in first-seen order, the index of its last row.
    let mut last: Vec<usize> = Vec::with_capacity(rows.len());
    {
        let mut slot: HashMap<(&str, &str), usize> = HashMap::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            match slot.entry(key(row)) {
                Entry::Occupied(s) => last[*s.get()] = i,
                Entry::Vacant(s) => {
                    s.insert(last.len());
                    last.push(i);
                }
            }
        }
    }
    if last.len() == rows.len() {
        return rows;
    }
    let mut rows: Vec<Option<R>> = rows.into_iter().map(Some).collect();
    last.into_iter()
        .map(|i| rows[i].take().expect("each row is kept at most once"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rows::{CLAIMS, INQUIRIES, ORDERS, REVIEWS, SETTLEMENTS};

    /// A repeated key keeps its first place and its last copy; keys that differ in either
    /// part are different rows; a window without repeats comes back as it was.
    #[test]
    fn last_per_key_keeps_the_newest_copy_in_the_first_place() {
        let rows = vec![
            ("o1", "i1", "old"),
            ("o1", "i2", "only"),
            ("o2", "i1", "only"),
            ("o1", "i1", "new"),
        ];
        let kept = last_per_key(rows.clone(), |r| (r.0, r.1));
        assert_eq!(
            kept,
            vec![
                ("o1", "i1", "new"),
                ("o1", "i2", "only"),
                ("o2", "i1", "only")
            ]
        );
        let distinct = rows[..3].to_vec();
        assert_eq!(last_per_key(distinct.clone(), |r| (r.0, r.1)), distinct);
        assert_eq!(last_per_key(rows, |r| (r.0, "")).len(), 2);
    }

    /// A steady-state commit reads every hash of its window: from a row, that is a page
    /// of raw JSON per id; from the index, a few pages for the whole window.
    #[tokio::test]
    async fn stored_hashes_are_read_from_the_index_alone() {
        let db = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        crate::store::migrate_sqlite(&db).await.unwrap();
        for table in [&ORDERS, &CLAIMS, &SETTLEMENTS, &REVIEWS, &INQUIRIES] {
            let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "EXPLAIN QUERY PLAN {}",
                hashes_sql(Dialect::Sqlite, table)
            )))
            .fetch_all(&db)
            .await
            .unwrap();
            let index = format!("USING COVERING INDEX {}_hash ", table.name);
            assert!(
                plan.iter().any(|(.., step)| step.contains(&index)),
                "{}: {plan:?}",
                table.name
            );
        }
    }
}
