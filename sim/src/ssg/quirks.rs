//! SSG's fields for quirks mode (crate::quirks), and the spellings SSG's XStream
//! serializer is known to produce: ids and codes as numbers or strings, amounts as strings
//! with separators, times as `yyyy-MM-dd HH:mm:ss`, with `.0`, or compact
//! `yyyyMMddHHmmss`, dates as `yyyyMMdd` or `yyyy-MM-dd`, and lists either as an array of
//! one-row wrappers or as one wrapper holding an array. All times are KST without offset.

use crate::quirks::Rules;
use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

pub const RULES: Rules = Rules {
    market: "ssg",
    ids: &[
        "ordNo",
        "ordItemSeq",
        "orordNo",
        "orordItemSeq",
        "shppSeq",
        "ordStatCd",
        "shppStatCd",
        "itemId",
        "clmNo",
        "clmStatCd",
        "postngId",
    ],
    amounts: &[
        "splprc",
        "sellprc",
        "rlordAmt",
        "dcAmt",
        "shppcst",
        "netAmt",
        "sellFee",
        "settlAmt",
        "dvShppcstAmt",
    ],
    counts: &["ordQty", "cnclItemQty"],
    flags: &[],
    times: &["ordRcpDts", "ordCmplDts", "clmRcpDts", "regDts"],
    dates: &["critnDt"],
    lists: &[
        "shppDirections",
        "warehouseOut",
        "nonDeliveries",
        "deliveryEnds",
        "cancelRequests",
        "resultData",
        "postngList",
    ],
    time,
    date,
    special,
};

/// The same KST instant in another of SSG's spellings.
fn time(s: &str, rng: &mut StdRng) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S"))
        .ok()?;
    let format = match rng.random_range(0..4) {
        0 => return None,
        // java.sql.Timestamp's own spelling, as XStream writes it.
        1 => "%Y-%m-%d %H:%M:%S.0",
        2 => "%Y%m%d%H%M%S",
        _ => "%Y-%m-%d %H:%M:%S",
    };
    Some(t.format(format).to_string())
}

/// The same day as `yyyyMMdd` or `yyyy-MM-dd`.
fn date(s: &str, rng: &mut StdRng) -> Option<String> {
    let d = NaiveDate::parse_from_str(s, "%Y%m%d").ok()?;
    rng.random_bool(0.5)
        .then(|| d.format("%Y-%m-%d").to_string())
}

/// The lists of one-row wrappers, by list and row name.
const WRAPPED: &[(&str, &str)] = &[
    ("shppDirections", "shppDirection"),
    ("nonDeliveries", "nonDelivery"),
    ("deliveryEnds", "deliveryEnd"),
    ("cancelRequests", "cancelRequest"),
    ("postngList", "postng"),
];

fn special(m: &mut Map<String, Value>, rng: &mut StdRng) {
    // XStream's other list spelling: one wrapper holding every row (or the one row bare).
    for (list, row) in WRAPPED {
        let Some(Value::Array(items)) = m.get(*list) else {
            continue;
        };
        if items.is_empty() || !rng.random_bool(0.4) {
            continue;
        }
        let rows: Vec<Value> = items.iter().filter_map(|w| w.get(*row).cloned()).collect();
        let inner = if rows.len() == 1 && rng.random_bool(0.5) {
            rows.into_iter().next().expect("one row")
        } else {
            Value::Array(rows)
        };
        m.insert((*list).to_string(), json!({ *row: inner }));
    }
}
