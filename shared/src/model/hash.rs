//! Content hashes: a stable digest of a record's content, for "did anything change?"
//! checks in the store.
//!
//! XXH3-128: nobody gains from forging a collision here (a record's content comes from
//! the marketplace, and the hash only decides whether a row is rewritten), and SHA-256
//! was 3-5% of a Naver run's CPU. Hashes stored by an earlier version (SHA-256) differ
//! once: the first run after the change rewrites each row it sees, with the same content
//! and no status history (history follows status changes, not hashes).

use super::{Order, rfc3339};
use serde::Serialize;
use std::cell::RefCell;

thread_local! {
    /// The serialized record being hashed, reused from one record to the next.
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The digest of `record`'s JSON. The record is serialized into one reused buffer (a
/// record's raw JSON goes in as the text it already is), then hashed in one call: feeding
/// the hash serde's many small writes one by one cost more than the hashing itself.
pub fn content_hash<T: Serialize>(record: &T) -> String {
    with_buf(|buf| {
        json(buf, record);
        hex(digest(buf))
    })
}

/// The content hashes of an order and of each of its items, exactly
/// `content_hash(order)` and `content_hash(item)` for each item, from one serialization.
///
/// Why: an order's JSON holds its items' JSON, so hashing the order and then each new or
/// changed item serialized every item twice, 5% of a Naver first run's instructions
/// (callgrind). Here the order's JSON is written field by field as `Order`'s derived
/// `Serialize` writes it (a test holds the two to the same bytes), and each item's hash
/// is taken of its own slice of that text.
pub struct OrderHashes {
    pub order: String,
    /// In the order's item order.
    items: Vec<u128>,
}

impl OrderHashes {
    pub fn of(order: &Order) -> OrderHashes {
        with_buf(|buf| {
            let mut items = Vec::with_capacity(order.items.len());
            buf.extend_from_slice(br#"{"order_id":"#);
            json(buf, &order.order_id);
            buf.extend_from_slice(br#","ordered_at":"#);
            rfc3339::at(
                &order.ordered_at,
                &mut serde_json::Serializer::new(&mut *buf),
            )
            .expect("a time serializes");
            buf.extend_from_slice(br#","paid_at":"#);
            rfc3339::opt_at(&order.paid_at, &mut serde_json::Serializer::new(&mut *buf))
                .expect("a time serializes");
            buf.extend_from_slice(br#","total_krw":"#);
            json(buf, &order.total_krw);
            buf.extend_from_slice(br#","shipping_fee_krw":"#);
            json(buf, &order.shipping_fee_krw);
            buf.extend_from_slice(br#","items":["#);
            for (n, item) in order.items.iter().enumerate() {
                if n > 0 {
                    buf.push(b',');
                }
                let start = buf.len();
                json(buf, item);
                items.push(digest(&buf[start..]));
            }
            buf.extend_from_slice(br#"],"raw":"#);
            buf.extend_from_slice(order.raw.get().as_bytes());
            buf.push(b'}');
            OrderHashes {
                order: hex(digest(buf)),
                items,
            }
        })
    }

    /// The content hash of the order's `n`th item.
    pub fn item(&self, n: usize) -> String {
        hex(self.items[n])
    }
}

/// Appends `value`'s JSON to `buf`.
fn json<T: Serialize + ?Sized>(buf: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(buf, value).expect("records serialize to JSON");
}

/// Runs `f` on the thread's cleared buffer.
fn with_buf<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        let out = f(buf);
        // An unusually large record does not keep its buffer for the thread's life.
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        out
    })
}

fn digest(json: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(json)
}

fn hex(digest: u128) -> String {
    format!("{digest:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OrderItem, RawJson, Status, StatusCode};
    use chrono::{TimeZone, Utc};

    #[test]
    fn content_hash_changes_with_content_only() {
        let a = serde_json::json!({"status": "PAYED", "qty": 1});
        let b = serde_json::json!({"status": "PAYED", "qty": 1});
        let c = serde_json::json!({"status": "DELIVERING", "qty": 1});
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&c));
    }

    fn item(id: &str, name: &str, option: Option<&str>) -> OrderItem {
        OrderItem {
            item_id: id.into(),
            product_id: "p\"1".into(),
            product_name: name.into(),
            option_name: option.map(Into::into),
            quantity: 2,
            unit_price_krw: 15_000,
            amount_krw: -30_000,
            status: StatusCode::new(Status::Paid, "PAYED"),
            status_changed_at: Some(Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap()),
        }
    }

    /// The order's JSON written field by field is byte for byte its derived JSON, so
    /// hashes stored earlier still match: with no item, one, and several; with text that
    /// needs escaping (quotes, backslashes, control characters, Hangul); with and
    /// without the optional fields.
    #[test]
    fn order_hashes_are_the_content_hashes_of_the_order_and_its_items() {
        let several = vec![
            item("1", "무선 이어폰 \"프로\"", Some("색상: 블랙\\화이트")),
            item("2", "tab\there\nnewline \u{1}", None),
            item("3", "", Some("")),
        ];
        for (items, paid_at) in [
            (vec![], None),
            (
                several[..1].to_vec(),
                Some(Utc.timestamp_opt(1_740_000_000, 123_000_000).unwrap()),
            ),
            (
                several,
                Some(Utc.with_ymd_and_hms(2025, 2, 28, 23, 59, 59).unwrap()),
            ),
        ] {
            let order = Order {
                order_id: "2025022812345".into(),
                ordered_at: Utc.timestamp_opt(1_740_000_000, 456_789).unwrap(),
                paid_at,
                total_krw: 45_000,
                shipping_fee_krw: 3_000,
                items,
                raw: RawJson::from_text(r#"{"a": [1, 2.5, "b"], "c": null}"#.into()).unwrap(),
            };
            let hashes = OrderHashes::of(&order);
            assert_eq!(hashes.order, content_hash(&order));
            assert_eq!(hashes.items.len(), order.items.len());
            for (n, item) in order.items.iter().enumerate() {
                assert_eq!(hashes.item(n), content_hash(item), "item {n}");
            }
        }
    }
}
