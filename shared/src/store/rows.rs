//! The model's records flattened into table rows: one struct per table, serialized with
//! the column names as field names (the backends write them from that JSON form), times
//! as canonical text ([`ts`]).

use super::sql::{Col, Table, ts};
use crate::model::{Claim, Inquiry, Order, OrderItem, Review, Settlement, Status, content_hash};
use serde::Serialize;

/// A row of a table keyed by one id (after market and seller) with a content hash.
pub trait HashedRow: Serialize + Send + Sync {
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
pub struct OrderRow {
    pub order_id: String,
    ordered_at: String,
    paid_at: Option<String>,
    total_krw: i64,
    shipping_fee_krw: i64,
    raw: serde_json::Value,
    content_hash: String,
}
hashed_row!(OrderRow, ORDERS, order_id);

impl OrderRow {
    pub fn new(o: &Order) -> Self {
        OrderRow {
            order_id: o.order_id.clone(),
            ordered_at: ts(o.ordered_at),
            paid_at: o.paid_at.map(ts),
            total_krw: o.total_krw,
            shipping_fee_krw: o.shipping_fee_krw,
            raw: o.raw.clone(),
            // The whole order, items included: any item change is an order update.
            content_hash: content_hash(o),
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
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ItemRow {
    pub order_id: String,
    pub item_id: String,
    product_id: String,
    product_name: String,
    option_name: Option<String>,
    quantity: i32,
    unit_price_krw: i64,
    amount_krw: i64,
    flow_status: String,
    flow_raw_status: String,
    claim_status: Option<String>,
    claim_raw_status: Option<String>,
    claim_id: Option<String>,
    pub status: String,
    status_unknown: bool,
    pub status_changed_at: Option<String>,
    content_hash: String,
}

impl ItemRow {
    pub fn new(order_id: &str, i: &OrderItem) -> Self {
        let flow_status = i.status.canonical.as_str().to_string();
        ItemRow {
            order_id: order_id.to_string(),
            item_id: i.item_id.clone(),
            product_id: i.product_id.clone(),
            product_name: i.product_name.clone(),
            option_name: i.option_name.clone(),
            quantity: i.quantity,
            unit_price_krw: i.unit_price_krw,
            amount_krw: i.amount_krw,
            status_unknown: i.status.is_unknown(),
            status: flow_status.clone(),
            flow_status,
            flow_raw_status: i.status.raw.clone(),
            claim_status: None,
            claim_raw_status: None,
            claim_id: None,
            status_changed_at: i.status_changed_at.map(ts),
            content_hash: content_hash(i),
        }
    }

    /// Sets the claim overlay (or clears it) and recomputes the effective status.
    pub fn apply_claim(&mut self, claim: Option<&ActiveClaim>) {
        self.claim_id = claim.map(|c| c.claim_id.clone());
        self.claim_status = claim.map(|c| c.status.clone());
        self.claim_raw_status = claim.map(|c| c.raw_status.clone());
        self.status = self
            .claim_status
            .clone()
            .unwrap_or_else(|| self.flow_status.clone());
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
    pub fn status_differs(&self, old: &ItemRow) -> bool {
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

#[derive(Debug, Serialize)]
pub struct HistoryRow {
    pub order_id: String,
    pub item_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub raw_status: String,
    pub observed_at: String,
    pub market_changed_at: Option<String>,
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
pub struct ClaimRow {
    claim_id: String,
    claim_type: &'static str,
    pub order_id: String,
    item_ids: Vec<String>,
    status: Option<&'static str>,
    raw_status: String,
    requested_at: String,
    raw: serde_json::Value,
    content_hash: String,
}
hashed_row!(ClaimRow, CLAIMS, claim_id);

impl ClaimRow {
    pub fn new(c: &Claim) -> Self {
        ClaimRow {
            claim_id: c.claim_id.clone(),
            claim_type: c.claim_type.as_str(),
            order_id: c.order_id.clone(),
            item_ids: c.item_ids.clone(),
            status: c.status.map(Status::as_str),
            raw_status: c.raw_status.clone(),
            requested_at: ts(c.requested_at),
            raw: c.raw.clone(),
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
pub struct SettlementRow {
    settlement_id: String,
    order_id: Option<String>,
    item_id: Option<String>,
    line_type: String,
    basis_date: String,
    payout_date: Option<String>,
    sale_krw: i64,
    fee_krw: i64,
    settlement_krw: i64,
    raw: serde_json::Value,
    content_hash: String,
}
hashed_row!(SettlementRow, SETTLEMENTS, settlement_id);

impl SettlementRow {
    pub fn new(s: &Settlement) -> Self {
        SettlementRow {
            settlement_id: s.settlement_id.clone(),
            order_id: s.order_id.clone(),
            item_id: s.item_id.clone(),
            line_type: s.line_type.clone(),
            basis_date: s.basis_date.format("%Y-%m-%d").to_string(),
            payout_date: s.payout_date.map(|d| d.format("%Y-%m-%d").to_string()),
            sale_krw: s.sale_krw,
            fee_krw: s.fee_krw,
            settlement_krw: s.settlement_krw,
            raw: s.raw.clone(),
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
        ("created_at", Ts),
        ("raw", Json),
        ("content_hash", Text),
    ],
    guard: &["content_hash"],
    stamped: true,
};

#[derive(Debug, Serialize)]
pub struct ReviewRow {
    review_id: String,
    product_id: String,
    order_id: Option<String>,
    rating: Option<i16>,
    content: String,
    created_at: String,
    raw: serde_json::Value,
    content_hash: String,
}
hashed_row!(ReviewRow, REVIEWS, review_id);

impl ReviewRow {
    pub fn new(r: &Review) -> Self {
        ReviewRow {
            review_id: r.review_id.clone(),
            product_id: r.product_id.clone(),
            order_id: r.order_id.clone(),
            rating: r.rating,
            content: r.content.clone(),
            created_at: ts(r.created_at),
            raw: r.raw.clone(),
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
pub struct InquiryRow {
    inquiry_id: String,
    channel: &'static str,
    product_id: Option<String>,
    order_id: Option<String>,
    title: Option<String>,
    content: String,
    asked_at: String,
    answered: bool,
    answered_at: Option<String>,
    answer: Option<String>,
    raw: serde_json::Value,
    content_hash: String,
}
hashed_row!(InquiryRow, INQUIRIES, inquiry_id);

impl InquiryRow {
    pub fn new(q: &Inquiry) -> Self {
        InquiryRow {
            inquiry_id: q.inquiry_id.clone(),
            channel: q.channel.as_str(),
            product_id: q.product_id.clone(),
            order_id: q.order_id.clone(),
            title: q.title.clone(),
            content: q.content.clone(),
            asked_at: ts(q.asked_at),
            answered: q.answered,
            answered_at: q.answered_at.map(ts),
            answer: q.answer.clone(),
            raw: q.raw.clone(),
            content_hash: content_hash(q),
        }
    }
}
