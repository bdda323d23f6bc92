//! The model's records flattened into table rows: one struct per table, borrowing from
//! the records (the raw JSON is never copied), with the column names as field names.
//! PostgreSQL receives a batch serialized as one JSON array; SQLite binds each column
//! borrowed from the row ([`TableRow::bind`], generated in column order by [`columns!`]).
//! Times are canonical text ([`ts`]).

use super::sql::{Col, Table, ts};
use super::sqlite::LiteRow;
use crate::model::{
    Claim, Inquiry, Order, OrderHashes, OrderItem, RawJson, Rejected, Review, Settlement, Status,
    content_hash,
};
use serde::Serialize;
use std::borrow::Cow;

/// A row of one table: serializable for PostgreSQL, bindable for SQLite.
pub trait TableRow: Serialize + Send + Sync {
    /// The row's fields, in the order [`TableRow::bind`] binds them: the table's columns.
    const FIELDS: &'static [&'static str];
    /// Binds the row's columns, in [`Table::cols`] order, to the statement's parameters
    /// from `first` (1-based) on; returns the next parameter's index.
    fn bind(&self, s: &mut rusqlite::Statement<'_>, first: usize) -> rusqlite::Result<usize>;
}

/// Implements [`TableRow`] from the row's fields in column order (a test checks the order
/// against each [`Table`]).
macro_rules! columns {
    ($row:ident $(<$lt:lifetime>)?: $($field:ident),+ $(,)?) => {
        impl$(<$lt>)? TableRow for $row $(<$lt>)? {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
            fn bind(
                &self,
                s: &mut rusqlite::Statement<'_>,
                first: usize,
            ) -> rusqlite::Result<usize> {
                let mut next = first;
                $(
                    s.raw_bind_parameter(next, &self.$field)?;
                    next += 1;
                )+
                Ok(next)
            }
        }
    };
}

/// A row of a table keyed by one id (after market and seller) with a content hash.
pub trait HashedRow: TableRow {
    const TABLE: &'static Table;
    fn id(&self) -> &str;
    fn hash(&self) -> &str;
}

macro_rules! hashed_row {
    ($row:ty, $table:expr, $id:ident) => {
        impl HashedRow for $row {
            const TABLE: &'static Table = &$table;
            fn id(&self) -> &str {
                &self.$id
            }
            fn hash(&self) -> &str {
                &self.content_hash
            }
        }
    };
}

use Col::*;

pub static ORDERS: Table = Table {
    name: "orders",
    key: &["order_id"],
    cols: &[
        ("order_id", Text),
        ("ordered_at", Ts),
        ("paid_at", Ts),
        ("total_krw", BigInt),
        ("shipping_fee_krw", BigInt),
        ("raw", Json),
        ("content_hash", Text),
    ],
    guard: &["content_hash"],
    stamped: true,
};

#[derive(Debug, Serialize)]
pub struct OrderRow<'a> {
    pub order_id: &'a str,
    ordered_at: String,
    paid_at: Option<String>,
    total_krw: i64,
    shipping_fee_krw: i64,
    raw: &'a RawJson,
    content_hash: &'a str,
}
hashed_row!(OrderRow<'_>, ORDERS, order_id);
columns!(OrderRow<'a>: order_id, ordered_at, paid_at, total_krw, shipping_fee_krw, raw, content_hash);

impl<'a> OrderRow<'a> {
    /// `hashes.order` covers the whole order, items included: any item change is an
    /// order update.
    pub fn new(o: &'a Order, hashes: &'a OrderHashes) -> Self {
        OrderRow {
            order_id: &o.order_id,
            ordered_at: ts(o.ordered_at),
            paid_at: o.paid_at.map(ts),
            total_krw: o.total_krw,
            shipping_fee_krw: o.shipping_fee_krw,
            raw: &o.raw,
            content_hash: &hashes.order,
        }
    }
}

pub static ORDER_ITEMS: Table = Table {
    name: "order_items",
    key: &["order_id", "item_id"],
    cols: &[
        ("order_id", Text),
        ("item_id", Text),
        ("product_id", Text),
        ("product_name", Text),
        ("option_name", Text),
        ("quantity", Int),
        ("unit_price_krw", BigInt),
        ("amount_krw", BigInt),
        ("flow_status", Text),
        ("flow_raw_status", Text),
        ("claim_status", Text),
        ("claim_raw_status", Text),
        ("claim_id", Text),
        ("status", Text),
        ("status_unknown", Bool),
        ("status_changed_at", Ts),
        ("content_hash", Text),
    ],
    // The claim overlay is not part of the item's hash but changes the row.
    guard: &[
        "content_hash",
        "claim_id",
        "claim_status",
        "claim_raw_status",
    ],
    stamped: true,
};

/// An order item with its effective status: the flow status from the order listing,
/// overridden by an active claim (see [`ItemRow::apply_claim`]).
///
/// A new item's text borrows from its order (`'a`); an item read back from the table owns
/// its text (`ItemRow<'static>`). A first run makes one row per item, and copying its
/// eight strings was the largest share of the store's allocations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow<'a> {
    pub order_id: Cow<'a, str>,
    pub item_id: Cow<'a, str>,
    product_id: Cow<'a, str>,
    product_name: Cow<'a, str>,
    option_name: Option<Cow<'a, str>>,
    quantity: i32,
    unit_price_krw: i64,
    amount_krw: i64,
    flow_status: Cow<'a, str>,
    flow_raw_status: Cow<'a, str>,
    claim_status: Option<String>,
    claim_raw_status: Option<String>,
    claim_id: Option<String>,
    pub status: Cow<'a, str>,
    status_unknown: bool,
    pub status_changed_at: Option<String>,
    content_hash: String,
}
columns!(ItemRow<'a>: order_id, item_id, product_id, product_name, option_name, quantity,
    unit_price_krw, amount_krw, flow_status, flow_raw_status, claim_status, claim_raw_status,
    claim_id, status, status_unknown, status_changed_at, content_hash);

/// By hand: sqlx's derive would tie the row's lifetime to `'a`, and a stored item must
/// decode from a row of any lifetime ([`AnyRow`](super::sql::AnyRow)).
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for ItemRow<'static>
where
    &'r str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        let text = |col: &'static str| row.try_get::<String, _>(col).map(Cow::Owned);
        Ok(ItemRow {
            order_id: text("order_id")?,
            item_id: text("item_id")?,
            product_id: text("product_id")?,
            product_name: text("product_name")?,
            option_name: row
                .try_get::<Option<String>, _>("option_name")?
                .map(Cow::Owned),
            quantity: row.try_get("quantity")?,
            unit_price_krw: row.try_get("unit_price_krw")?,
            amount_krw: row.try_get("amount_krw")?,
            flow_status: text("flow_status")?,
            flow_raw_status: text("flow_raw_status")?,
            claim_status: row.try_get("claim_status")?,
            claim_raw_status: row.try_get("claim_raw_status")?,
            claim_id: row.try_get("claim_id")?,
            status: text("status")?,
            status_unknown: row.try_get("status_unknown")?,
            status_changed_at: row.try_get("status_changed_at")?,
            content_hash: row.try_get("content_hash")?,
        })
    }
}

/// The same columns read on rusqlite, within a SQLite window ([`LiteRow`]).
impl LiteRow for ItemRow<'static> {
    fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        let text = |col: &str| row.get::<_, String>(col).map(Cow::Owned);
        Ok(ItemRow {
            order_id: text("order_id")?,
            item_id: text("item_id")?,
            product_id: text("product_id")?,
            product_name: text("product_name")?,
            option_name: row.get::<_, Option<String>>("option_name")?.map(Cow::Owned),
            quantity: row.get("quantity")?,
            unit_price_krw: row.get("unit_price_krw")?,
            amount_krw: row.get("amount_krw")?,
            flow_status: text("flow_status")?,
            flow_raw_status: text("flow_raw_status")?,
            claim_status: row.get("claim_status")?,
            claim_raw_status: row.get("claim_raw_status")?,
            claim_id: row.get("claim_id")?,
            status: text("status")?,
            status_unknown: row.get("status_unknown")?,
            status_changed_at: row.get("status_changed_at")?,
            content_hash: row.get("content_hash")?,
        })
    }
}

impl<'a> ItemRow<'a> {
    /// `content_hash` is the item's own ([`OrderHashes::item`]).
    pub fn new(order_id: &'a str, i: &'a OrderItem, content_hash: String) -> Self {
        let flow_status = Cow::Borrowed(i.status.canonical.as_str());
        ItemRow {
            order_id: Cow::Borrowed(order_id),
            item_id: Cow::Borrowed(&i.item_id),
            product_id: Cow::Borrowed(&i.product_id),
            product_name: Cow::Borrowed(&i.product_name),
            option_name: i.option_name.as_deref().map(Cow::Borrowed),
            quantity: i.quantity,
            unit_price_krw: i.unit_price_krw,
            amount_krw: i.amount_krw,
            status_unknown: i.status.is_unknown(),
            status: flow_status.clone(),
            flow_status,
            flow_raw_status: Cow::Borrowed(&i.status.raw),
            claim_status: None,
            claim_raw_status: None,
            claim_id: None,
            status_changed_at: i.status_changed_at.map(ts),
            content_hash,
        }
    }

    /// Sets the claim overlay (or clears it) and recomputes the effective status.
    pub fn apply_claim(&mut self, claim: Option<&ActiveClaim>) {
        self.claim_id = claim.map(|c| c.claim_id.clone());
        self.claim_status = claim.map(|c| c.status.clone());
        self.claim_raw_status = claim.map(|c| c.raw_status.clone());
        self.status = match &self.claim_status {
            Some(claimed) => Cow::Owned(claimed.clone()),
            None => self.flow_status.clone(),
        };
        self.status_unknown = self.status == Status::Unknown.as_str();
    }

    pub fn claimed(&self) -> bool {
        self.claim_status.is_some()
    }

    /// The market's code behind the effective status.
    pub fn raw_status(&self) -> &str {
        match &self.claim_raw_status {
            Some(raw) if self.claimed() => raw,
            _ => &self.flow_raw_status,
        }
    }

    /// Whether `self` is in a different status than `old`. Two unknown codes are two
    /// different statuses we cannot name, so for `unknown` the raw code decides.
    pub fn status_differs(&self, old: &ItemRow<'_>) -> bool {
        self.status != old.status || (self.status_unknown && self.raw_status() != old.raw_status())
    }
}

/// An active claim as the items it names need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveClaim {
    pub claim_id: String,
    pub order_id: String,
    /// JSON array text.
    pub item_ids: String,
    pub status: String,
    pub raw_status: String,
}

impl LiteRow for ActiveClaim {
    fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(ActiveClaim {
            claim_id: row.get("claim_id")?,
            order_id: row.get("order_id")?,
            item_ids: row.get("item_ids")?,
            status: row.get("status")?,
            raw_status: row.get("raw_status")?,
        })
    }
}

pub static HISTORY: Table = Table {
    name: "order_status_history",
    key: &[],
    cols: &[
        ("order_id", Text),
        ("item_id", Text),
        ("from_status", Text),
        ("to_status", Text),
        ("raw_status", Text),
        ("observed_at", Ts),
        ("market_changed_at", Ts),
    ],
    guard: &[],
    stamped: false,
};

/// One status change of an item, borrowed from the item rows it compares: a first run
/// writes one per item, and copying its six strings was a sixth of the items' allocations.
#[derive(Debug, Serialize)]
pub struct HistoryRow<'a> {
    pub order_id: &'a str,
    pub item_id: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub raw_status: &'a str,
    pub observed_at: &'a str,
    pub market_changed_at: Option<&'a str>,
}
columns!(HistoryRow<'a>: order_id, item_id, from_status, to_status, raw_status, observed_at,
    market_changed_at);

impl<'a> HistoryRow<'a> {
    /// `item`'s move from `prev` (`None`: first seen), observed at `observed_at`.
    pub fn new(item: &'a ItemRow<'_>, prev: Option<&'a ItemRow<'_>>, observed_at: &'a str) -> Self {
        HistoryRow {
            order_id: &item.order_id,
            item_id: &item.item_id,
            from_status: prev.map(|p| &*p.status),
            to_status: &item.status,
            raw_status: item.raw_status(),
            observed_at,
            // The market's change time describes the flow status, not a claim.
            market_changed_at: if item.claimed() {
                None
            } else {
                item.status_changed_at.as_deref()
            },
        }
    }
}

pub static CLAIMS: Table = Table {
    name: "claims",
    key: &["claim_id"],
    cols: &[
        ("claim_id", Text),
        ("claim_type", Text),
        ("order_id", Text),
        ("item_ids", Json),
        ("status", Text),
        ("raw_status", Text),
        ("requested_at", Ts),
        ("raw", Json),
        ("content_hash", Text),
    ],
    guard: &["content_hash"],
    stamped: true,
};

#[derive(Debug, Serialize)]
pub struct ClaimRow<'a> {
    claim_id: &'a str,
    claim_type: &'static str,
    pub order_id: &'a str,
    item_ids: JsonList<'a>,
    status: Option<&'static str>,
    raw_status: &'a str,
    requested_at: String,
    raw: &'a RawJson,
    content_hash: String,
}
hashed_row!(ClaimRow<'_>, CLAIMS, claim_id);
columns!(ClaimRow<'a>: claim_id, claim_type, order_id, item_ids, status, raw_status,
    requested_at, raw, content_hash);

impl<'a> ClaimRow<'a> {
    pub fn new(c: &'a Claim) -> Self {
        ClaimRow {
            claim_id: &c.claim_id,
            claim_type: c.claim_type.as_str(),
            order_id: &c.order_id,
            item_ids: JsonList(&c.item_ids),
            status: c.status.map(Status::as_str),
            raw_status: &c.raw_status,
            requested_at: ts(c.requested_at),
            raw: &c.raw,
            content_hash: content_hash(c),
        }
    }
}

pub static SETTLEMENTS: Table = Table {
    name: "settlements",
    key: &["settlement_id"],
    cols: &[
        ("settlement_id", Text),
        ("order_id", Text),
        ("item_id", Text),
        ("line_type", Text),
        ("basis_date", Date),
        ("payout_date", Date),
        ("sale_krw", BigInt),
        ("fee_krw", BigInt),
        ("settlement_krw", BigInt),
        ("raw", Json),
        ("content_hash", Text),
    ],
    guard: &["content_hash"],
    stamped: true,
};

#[derive(Debug, Serialize)]
pub struct SettlementRow<'a> {
    settlement_id: &'a str,
    order_id: Option<&'a str>,
    item_id: Option<&'a str>,
    line_type: &'a str,
    basis_date: String,
    payout_date: Option<String>,
    sale_krw: i64,
    fee_krw: i64,
    settlement_krw: i64,
    raw: &'a RawJson,
    content_hash: String,
}
hashed_row!(SettlementRow<'_>, SETTLEMENTS, settlement_id);
columns!(SettlementRow<'a>: settlement_id, order_id, item_id, line_type, basis_date,
    payout_date, sale_krw, fee_krw, settlement_krw, raw, content_hash);

impl<'a> SettlementRow<'a> {
    pub fn new(s: &'a Settlement) -> Self {
        SettlementRow {
            settlement_id: &s.settlement_id,
            order_id: s.order_id.as_deref(),
            item_id: s.item_id.as_deref(),
            line_type: &s.line_type,
            basis_date: s.basis_date.format("%Y-%m-%d").to_string(),
            payout_date: s.payout_date.map(|d| d.format("%Y-%m-%d").to_string()),
            sale_krw: s.sale_krw,
            fee_krw: s.fee_krw,
            settlement_krw: s.settlement_krw,
            raw: &s.raw,
            content_hash: content_hash(s),
        }
    }
}

pub static REVIEWS: Table = Table {
    name: "reviews",
    key: &["review_id"],
    cols: &[
        ("review_id", Text),
        ("product_id", Text),
        ("order_id", Text),
        ("rating", SmallInt),
        ("content", Text),
        ("photos", Json),
        ("created_at", Ts),
        ("replied", Bool),
        ("replied_at", Ts),
        ("raw", Json),
        ("content_hash", Text),
    ],
    guard: &["content_hash"],
    stamped: true,
};

#[derive(Debug, Serialize)]
pub struct ReviewRow<'a> {
    review_id: &'a str,
    product_id: &'a str,
    order_id: Option<&'a str>,
    rating: Option<i16>,
    content: &'a str,
    photos: JsonList<'a>,
    created_at: String,
    replied: Option<bool>,
    replied_at: Option<String>,
    raw: &'a RawJson,
    content_hash: String,
}
hashed_row!(ReviewRow<'_>, REVIEWS, review_id);
columns!(ReviewRow<'a>: review_id, product_id, order_id, rating, content, photos, created_at,
    replied, replied_at, raw, content_hash);

impl<'a> ReviewRow<'a> {
    pub fn new(r: &'a Review) -> Self {
        ReviewRow {
            review_id: &r.review_id,
            product_id: &r.product_id,
            order_id: r.order_id.as_deref(),
            rating: r.rating,
            content: &r.content,
            photos: JsonList(&r.photos),
            created_at: ts(r.created_at),
            replied: r.replied,
            replied_at: r.replied_at.map(ts),
            raw: &r.raw,
            content_hash: content_hash(r),
        }
    }
}

pub static INQUIRIES: Table = Table {
    name: "inquiries",
    key: &["inquiry_id"],
    cols: &[
        ("inquiry_id", Text),
        ("channel", Text),
        ("product_id", Text),
        ("order_id", Text),
        ("title", Text),
        ("content", Text),
        ("asked_at", Ts),
        ("answered", Bool),
        ("answered_at", Ts),
        ("answer", Text),
        ("raw", Json),
        ("content_hash", Text),
    ],
    guard: &["content_hash"],
    stamped: true,
};

#[derive(Debug, Serialize)]
pub struct InquiryRow<'a> {
    inquiry_id: &'a str,
    channel: &'static str,
    product_id: Option<&'a str>,
    order_id: Option<&'a str>,
    title: Option<&'a str>,
    content: &'a str,
    asked_at: String,
    answered: bool,
    answered_at: Option<String>,
    answer: Option<&'a str>,
    raw: &'a RawJson,
    content_hash: String,
}
hashed_row!(InquiryRow<'_>, INQUIRIES, inquiry_id);
columns!(InquiryRow<'a>: inquiry_id, channel, product_id, order_id, title, content, asked_at,
    answered, answered_at, answer, raw, content_hash);

impl<'a> InquiryRow<'a> {
    pub fn new(q: &'a Inquiry) -> Self {
        InquiryRow {
            inquiry_id: &q.inquiry_id,
            channel: q.channel.as_str(),
            product_id: q.product_id.as_deref(),
            order_id: q.order_id.as_deref(),
            title: q.title.as_deref(),
            content: &q.content,
            asked_at: ts(q.asked_at),
            answered: q.answered,
            answered_at: q.answered_at.map(ts),
            answer: q.answer.as_deref(),
            raw: &q.raw,
            content_hash: content_hash(q),
        }
    }
}

/// A list stored in a JSON column: a JSON array for PostgreSQL's batch, its text for SQLite.
#[derive(Debug)]
pub struct JsonList<'a>(pub &'a [String]);

impl Serialize for JsonList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

pub static REJECTED: Table = Table {
    name: "rejected_records",
    key: &["kind", "endpoint", "record_key"],
    cols: &[
        ("kind", Text),
        ("endpoint", Text),
        ("record_key", Text),
        ("reason", Text),
        ("raw", Json),
        ("resolved_at", Ts),
    ],
    // Seen again unchanged: nothing to write. A new reason, new JSON, or a record that had
    // been resolved and is rejected again: the row is refreshed (and reopened).
    guard: &["reason", "raw", "resolved_at"],
    stamped: true,
};

/// A record the normalizer could not read, kept as sent (see [`Rejected`]).
#[derive(Debug, Serialize)]
pub struct RejectedRow<'a> {
    kind: &'static str,
    endpoint: &'a str,
    record_key: &'a str,
    reason: &'a str,
    raw: &'a RawJson,
    /// Always empty on write: a rejection reopens the record.
    resolved_at: Option<String>,
}
columns!(RejectedRow<'a>: kind, endpoint, record_key, reason, raw, resolved_at);

impl<'a> RejectedRow<'a> {
    pub fn new(kind: crate::model::Kind, r: &'a Rejected) -> Self {
        RejectedRow {
            kind: kind.as_str(),
            endpoint: &r.key.endpoint,
            record_key: &r.key.record_key,
            reason: &r.reason,
            raw: &r.raw,
            resolved_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &Table) -> Vec<&'static str> {
        t.cols.iter().map(|(c, _)| *c).collect()
    }

    #[test]
    fn every_row_binds_its_tables_columns_in_order() {
        assert_eq!(OrderRow::FIELDS, names(&ORDERS));
        assert_eq!(ItemRow::FIELDS, names(&ORDER_ITEMS));
        assert_eq!(HistoryRow::FIELDS, names(&HISTORY));
        assert_eq!(ClaimRow::FIELDS, names(&CLAIMS));
        assert_eq!(SettlementRow::FIELDS, names(&SETTLEMENTS));
        assert_eq!(ReviewRow::FIELDS, names(&REVIEWS));
        assert_eq!(InquiryRow::FIELDS, names(&INQUIRIES));
        assert_eq!(RejectedRow::FIELDS, names(&REJECTED));
    }
}
