//! Comparing a faulted database with a clean collection of the same simulator state, table
//! by table, on the columns a collection's outcome is made of (never the ids, run times
//! or first-seen times of the runs themselves): rows lost, duplicated or spurious.

use crate::rig::Pool;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One table: the columns that identify a row, and those that must come out equal.
pub struct Table {
    pub name: &'static str,
    /// Empty for a log with no key (the status history: compared as a multiset).
    pub key: &'static [&'static str],
    pub stable: &'static [&'static str],
    /// The kind whose runs write it (`None`: every kind's).
    pub kind: Option<&'static str>,
}

const ORDER_KEY: &[&str] = &["market", "seller_id", "order_id"];

pub const TABLES: &[Table] = &[
    Table {
        name: "seller_accounts",
        key: &["market", "seller_id"],
        stable: &["market", "seller_id", "secret_name", "enabled", "options"],
        kind: None,
    },
    Table {
        name: "orders",
        key: ORDER_KEY,
        stable: &[
            "market",
            "seller_id",
            "order_id",
            "ordered_at",
            "paid_at",
            "total_krw",
            "shipping_fee_krw",
            "raw",
            "content_hash",
        ],
        kind: Some("orders"),
    },
    Table {
        name: "order_items",
        key: &["market", "seller_id", "order_id", "item_id"],
        stable: &[
            "market",
            "seller_id",
            "order_id",
            "item_id",
            "product_id",
            "product_name",
            "option_name",
            "quantity",
            "unit_price_krw",
            "amount_krw",
            "flow_status",
            "flow_raw_status",
            "claim_status",
            "claim_raw_status",
            "claim_id",
            "status",
            "status_unknown",
            "status_changed_at",
            "content_hash",
        ],
        kind: Some("orders"),
    },
    Table {
        name: "order_status_history",
        key: &[],
        stable: &[
            "market",
            "seller_id",
            "order_id",
            "item_id",
            "from_status",
            "to_status",
            "raw_status",
            "market_changed_at",
        ],
        kind: Some("orders"),
    },
    Table {
        name: "claims",
        key: &["market", "seller_id", "claim_id"],
        stable: &[
            "market",
            "seller_id",
            "claim_id",
            "claim_type",
            "order_id",
            "item_ids",
            "status",
            "raw_status",
            "requested_at",
            "raw",
            "content_hash",
        ],
        kind: Some("orders"),
    },
    Table {
        name: "settlements",
        key: &["market", "seller_id", "settlement_id"],
        stable: &[
            "market",
            "seller_id",
            "settlement_id",
            "order_id",
            "item_id",
            "line_type",
            "basis_date",
            "payout_date",
            "sale_krw",
            "fee_krw",
            "settlement_krw",
            "raw",
            "content_hash",
        ],
        kind: Some("settlements"),
    },
    Table {
        name: "reviews",
        key: &["market", "seller_id", "review_id"],
        stable: &[
            "market",
            "seller_id",
            "review_id",
            "product_id",
            "order_id",
            "rating",
            "content",
            "created_at",
            "raw",
            "content_hash",
        ],
        kind: Some("reviews"),
    },
    Table {
        name: "inquiries",
        key: &["market", "seller_id", "inquiry_id"],
        stable: &[
            "market",
            "seller_id",
            "inquiry_id",
            "channel",
            "product_id",
            "order_id",
            "title",
            "content",
            "asked_at",
            "answered",
            "answered_at",
            "answer",
            "raw",
            "content_hash",
        ],
        kind: Some("inquiries"),
    },
    Table {
        name: "watermarks",
        key: &["market", "seller_id", "kind"],
        // Not the time itself: a kind collected in whole days (Coupang's, Naver's
        // settlements) covers its last day up to the run's own now, and says so.
        // `converges` checks the time against the range instead.
        stable: &["market", "seller_id", "kind"],
        kind: None,
    },
    Table {
        name: "rejected_records",
        key: &["market", "seller_id", "kind", "endpoint", "record_key"],
        // When it was resolved is the run's time; whether it was is the outcome.
        stable: &[
            "market",
            "seller_id",
            "kind",
            "endpoint",
            "record_key",
            "reason",
            "raw",
            "(resolved_at IS NULL)",
        ],
        kind: None,
    },
];

type Row = Vec<Option<String>>;

/// `columns` of `table` (each cast to text, so that one reader serves both backends),
/// counted per distinct row, optionally for one seller.
async fn counted(
    pool: &Pool,
    table: &str,
    columns: &[&str],
    seller: Option<&str>,
) -> BTreeMap<Row, usize> {
    let list = columns
        .iter()
        .map(|c| format!("CAST({c} AS TEXT)"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = match seller {
        Some(s) => {
            let sql = format!("SELECT {list} FROM {table} WHERE seller_id = $1");
            pool.text_rows(&sql, &[s]).await
        }
        None => {
            pool.text_rows(&format!("SELECT {list} FROM {table}"), &[])
                .await
        }
    };
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r).or_insert(0) += 1;
    }
    out
}

/// What differs in one table.
#[derive(Default)]
struct Diff {
    /// In the clean database, missing (or fewer times) in the faulted one.
    lost: Vec<(Row, usize)>,
    /// In both, more times in the faulted one.
    duplicated: Vec<(Row, usize)>,
    /// Only in the faulted one (a changed value shows as one lost and one spurious row).
    spurious: Vec<(Row, usize)>,
}

fn diff(clean: &BTreeMap<Row, usize>, faulted: &BTreeMap<Row, usize>) -> Diff {
    let mut d = Diff::default();
    for (row, &n) in clean {
        let m = faulted.get(row).copied().unwrap_or(0);
        if m < n {
            d.lost.push((row.clone(), n - m));
        } else if m > n {
            d.duplicated.push((row.clone(), m - n));
        }
    }
    for (row, &m) in faulted {
        if !clean.contains_key(row) {
            d.spurious.push((row.clone(), m));
        }
    }
    d
}

/// A few rows of a difference, each cut short: enough to see what went wrong.
fn examples(rows: &[(Row, usize)]) -> String {
    let mut s = String::new();
    for (row, n) in rows.iter().take(3) {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let c = c.as_deref().unwrap_or("NULL");
                c.chars().take(40).collect()
            })
            .collect();
        let _ = write!(s, "\n      {n} x ({})", cells.join(", "));
    }
    s
}

/// Every table of `faulted` holds what `clean` holds: 0 rows lost, 0 duplicated and 0
/// spurious (status history included), or a panic listing each table that differs.
pub async fn assert_same(what: &str, clean: &Pool, faulted: &Pool) {
    let mut report = String::new();
    for t in TABLES {
        let d = diff(
            &counted(clean, t.name, t.stable, None).await,
            &counted(faulted, t.name, t.stable, None).await,
        );
        for (label, rows) in [
            ("lost", &d.lost),
            ("duplicated", &d.duplicated),
            ("spurious", &d.spurious),
        ] {
            if !rows.is_empty() {
                let n: usize = rows.iter().map(|r| r.1).sum();
                let _ = write!(report, "\n  {}: {n} {label}{}", t.name, examples(rows));
            }
        }
    }
    assert!(
        report.is_empty(),
        "{what}: the faulted database differs from the clean collection:{report}"
    );
}

/// The keys of `kind`'s tables that `covered` holds for `seller` and `faulted` lacks: what
/// a watermark claimed committed but is not.
pub async fn missing_keys(
    covered: &Pool,
    faulted: &Pool,
    seller: &str,
    kind: &str,
) -> BTreeMap<&'static str, BTreeSet<Row>> {
    let mut out = BTreeMap::new();
    for t in TABLES
        .iter()
        .filter(|t| t.kind == Some(kind) && !t.key.is_empty())
    {
        let have = counted(faulted, t.name, t.key, Some(seller)).await;
        let missing: BTreeSet<Row> = counted(covered, t.name, t.key, Some(seller))
            .await
            .into_keys()
            .filter(|k| !have.contains_key(k))
            .collect();
        if !missing.is_empty() {
            out.insert(t.name, missing);
        }
    }
    out
}
