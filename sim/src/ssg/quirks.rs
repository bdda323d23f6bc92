//! SSG's fields for quirks mode (crate::quirks), and the spellings SSG's XStream
//! serializer is known to produce: ids and codes as numbers or strings, amounts as strings
//! with separators, times as `yyyy-MM-dd HH:mm:ss`, with `.0`, or compact
//! `yyyyMMddHHmmss`, dates as `yyyyMMdd` or `yyyy-MM-dd`, and lists either as an array of
//! one-row wrappers or as one wrapper holding an array, an empty list as `[""]`, and
//! 원주문번호 as `orordNo` or `orOrdNo`. All times are KST without offset.

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
        "ordItemStatCd",
        "shppDivDtlCd",
        "lastShppProgStatDtlCd",
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
    counts: &[
        "ordQty",
        "cnclItemQty",
        "procOrdQty",
        "dircItemQty",
        "procItemQty",
    ],
    flags: &[],
    times: &[
        "ordRcpDts",
        "ordCmplDts",
        "clmDemndDts",
        "ordCnclDts",
        "rcovDircDt",
        "rcovCnfDt",
        "rcovCmplDt",
        "regDts",
    ],
    dates: &["critnDt"],
    lists: &[
        "shppDirections",
        "warehouseOut",
        "nonDeliveries",
        "deliveryEnds",
        "exchangeTargets",
        "resultData",
        "data",
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
    ("exchangeTargets", "exchangeTarget"),
    ("postngList", "postng"),
];

/// The lists that may arrive empty as `[""]` (two public clients guard against it).
const BLANK_WHEN_EMPTY: &[&str] = &[
    "shppDirections",
    "nonDeliveries",
    "deliveryEnds",
    "exchangeTargets",
    "postngList",
];

fn special(m: &mut Map<String, Value>, rng: &mut StdRng) {
    for list in BLANK_WHEN_EMPTY {
        if matches!(m.get(*list), Some(Value::Array(a)) if a.is_empty()) && rng.random_bool(0.5) {
            m.insert((*list).to_string(), json!([""]));
        }
    }
    // 원주문번호 in its other case ("대소문자 유의", one client notes).
    if m.contains_key("orordNo") && rng.random_bool(0.3) {
        for (from, to) in [("orordNo", "orOrdNo"), ("orordItemSeq", "orOrdItemSeq")] {
            if let Some(v) = m.remove(from) {
                m.insert(to.to_string(), v);
            }
        }
    }
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
