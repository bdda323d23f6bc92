//! Reading a listing's rows one by one, so that one unreadable record is not the end of
//! the seller's cycle: each row is read as its typed form with its raw JSON; a row that
//! does not read is kept as a [`Rejected`] record (stored as sent, counted, read again by
//! later runs). Only a page whose envelope cannot be read is a format change.
//!
//! A page's rows are taken as raw JSON text (`Vec<RawJson>` in the envelope type), then
//! each row's text is read into its typed form ([`read_all`]). A listing whose rows are an
//! array under a key of the page's top-level object is read in one pass instead
//! ([`super::listing`], Naver's and Coupang's listings): its rows are scanned once.

use crate::markets::lenient;
use crate::model::{Order, RawJson, RejectKey, Rejected};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

/// `raw` read as `T`, or why not: the JSON path and serde's category, never a value (it
/// may be a buyer's name or phone number).
pub fn read<T: DeserializeOwned>(raw: &RawJson) -> Result<T, String> {
    // The plain read first: tracking the path costs an allocation per key, so it is only
    // paid again for a row that failed, to say where.
    serde_json::from_str(raw.get()).map_err(|_| explain::<T>(raw))
}

/// Why `raw` does not read as `T`.
pub(super) fn explain<T: DeserializeOwned>(raw: &RawJson) -> String {
    let de = &mut serde_json::Deserializer::from_str(raw.get());
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(_) => "unreadable record".to_string(),
        Err(e) => {
            let what = match e.inner().classify() {
                serde_json::error::Category::Data => "unexpected field type or missing field",
                serde_json::error::Category::Syntax => "malformed JSON",
                serde_json::error::Category::Eof => "truncated record",
                serde_json::error::Category::Io => "unreadable record",
            };
            format!("{what} at `{}`", e.path())
        }
    }
}

/// Every row read as `T`; the rows that do not read, rejected. `id_fields` are JSON
/// pointers (`/shipmentBoxId`) to the record's own id, tried in order, for the rejected
/// record's key.
pub fn read_all<T: DeserializeOwned>(
    endpoint: &str,
    rows: Vec<RawJson>,
    id_fields: &[&str],
) -> (Vec<(T, RawJson)>, Vec<Rejected>) {
    let mut read_rows = Vec::with_capacity(rows.len());
    let mut rejected = Vec::new();
    for raw in rows {
        match read::<T>(&raw) {
            Ok(row) => read_rows.push((row, raw)),
            Err(reason) => {
                let key = key_of(&raw, id_fields);
                rejected.push(reject(endpoint, key, reason, &raw));
            }
        }
    }
    (read_rows, rejected)
}

/// Each read row normalized by `f` into `out`; the rows `f` cannot normalize, rejected.
pub fn normalize_each<T, R>(
    rows: &[(T, RawJson)],
    f: impl Fn(&T, &RawJson) -> Result<R, Rejected>,
    out: &mut Vec<R>,
    rejected: &mut Vec<Rejected>,
) {
    for (row, raw) in rows {
        match f(row, raw) {
            Ok(r) => out.push(r),
            Err(r) => rejected.push(r),
        }
    }
}

/// A record of `endpoint` that did not read.
pub fn reject(
    endpoint: &str,
    record_key: impl Into<String>,
    reason: impl Into<String>,
    raw: &RawJson,
) -> Rejected {
    Rejected {
        key: RejectKey {
            endpoint: endpoint.to_string(),
            record_key: record_key.into(),
        },
        reason: reason.into(),
        raw: raw.clone(),
    }
}

/// A record with a field that parsed as JSON but not as what it should hold (a time that
/// is no time): rejected, naming the field, never the value.
pub fn bad_field(endpoint: &str, key: &str, field: &str, raw: &RawJson) -> Rejected {
    reject(endpoint, key, format!("unreadable value at `{field}`"), raw)
}

/// KRW amounts are `i64` as read. A sum, product or sign change of readable amounts can
/// still leave that range (a hostile or corrupt answer can hold any integer), and no real
/// record comes near it: such a record is rejected at the fields named, never wrapped (as
/// release builds would) nor a panic (as debug builds would).
pub fn krw_sum(amounts: impl IntoIterator<Item = i64>) -> Option<i64> {
    amounts.into_iter().try_fold(0_i64, i64::checked_add)
}

/// Adds a line's shipping fee and its part of the total to `order`, both or neither:
/// `None`, the order unchanged, when either sum leaves the range of an amount.
pub fn add_to_order(order: &mut Order, shipping_fee: i64, total: i64) -> Option<()> {
    let shipping = order.shipping_fee_krw.checked_add(shipping_fee)?;
    let total = order.total_krw.checked_add(total)?;
    (order.shipping_fee_krw, order.total_krw) = (shipping, total);
    Some(())
}

/// A refund line's amount: negative, whatever sign the marketplace wrote it with (`None`
/// for `i64::MIN`, which has no positive twin).
pub fn as_refund(amount: i64) -> Option<i64> {
    amount.checked_abs().map(|a| -a)
}

/// The record whose amounts at `fields` leave the range of an amount together.
pub fn amounts_out_of_range(endpoint: &str, key: &str, fields: &str, raw: &RawJson) -> Rejected {
    reject(
        endpoint,
        key,
        format!("amounts at `{fields}` out of range together"),
        raw,
    )
}

/// A Korean marketplace time in any of the formats [`lenient::kst_time`] reads, or the
/// record rejected at `field`.
pub fn time_field(
    endpoint: &str,
    key: &str,
    field: &str,
    s: &str,
    raw: &RawJson,
) -> Result<DateTime<Utc>, Rejected> {
    lenient::kst_time(s).ok_or_else(|| bad_field(endpoint, key, field, raw))
}

/// [`time_field`] of a field that may be absent.
pub fn opt_time(
    endpoint: &str,
    key: &str,
    field: &str,
    s: Option<&str>,
    raw: &RawJson,
) -> Result<Option<DateTime<Utc>>, Rejected> {
    s.map(|s| time_field(endpoint, key, field, s, raw))
        .transpose()
}

/// The record's own id at the first of `id_fields` (JSON pointers) that holds a string
/// or a number; else a digest of its JSON, so that the same record keeps its key. The
/// digest stays SHA-256 of the text (rejected rows already stored are keyed by it; only
/// rejected records come here, so its cost does not matter).
pub fn key_of(raw: &RawJson, id_fields: &[&str]) -> String {
    // Only rejected rows come here: a Value tree is affordable.
    let value: serde_json::Value = raw.parse().unwrap_or_default();
    id_fields
        .iter()
        .find_map(|p| match value.pointer(p)? {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(raw.get().as_bytes());
            format!("sha256:{}", hex::encode(&digest[..16]))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        box_id: u64,
        qty: i64,
    }

    fn rows(json: &str) -> Vec<RawJson> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_row_that_does_not_read_is_rejected_and_the_others_are_kept() {
        let page = rows(
            r#"[{"boxId":1,"qty":2},{"boxId":2,"qty":"홍길동 010-1234-5678"},{"boxId":3,"qty":1,"new":true}]"#,
        );
        let (ok, rejected) = read_all::<Row>("/v1/boxes", page, &["/boxId"]);
        assert_eq!(ok.iter().map(|(r, _)| r.box_id).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(ok[1].1.get(), r#"{"boxId":3,"qty":1,"new":true}"#);
        assert_eq!(rejected.len(), 1);
        let r = &rejected[0];
        assert_eq!(r.key.endpoint, "/v1/boxes");
        assert_eq!(r.key.record_key, "2");
        assert!(r.reason.contains("`qty`"), "{}", r.reason);
        assert!(!r.reason.contains("010") && !r.reason.contains("홍길동"));
        assert!(r.raw.get().contains("010-1234-5678"), "kept as sent");
        let _ = ok[0].0.qty;
    }

    #[test]
    fn a_record_without_a_readable_id_keeps_a_stable_digest_key() {
        let raw = rows(r#"[{"qty":1}]"#).remove(0);
        let a = key_of(&raw, &["/boxId"]);
        assert!(a.starts_with("sha256:"));
        assert_eq!(a, key_of(&raw, &["/boxId", "/other"]));
        let other = rows(r#"[{"qty":2}]"#).remove(0);
        assert_ne!(a, key_of(&other, &["/boxId"]));
        // The key rejected rows are already stored under (the first 16 bytes of SHA-256
        // of the text): a change of digest would orphan them.
        assert_eq!(a, "sha256:92438ddd4266b3271fcebff491a7db7f");
    }
}
