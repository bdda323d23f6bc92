//! Lotte ON's fields for quirks mode (crate::quirks), and the spellings public clients
//! guard against (shared/markets/lotteon.md): `odSeq`/`procSeq` as numbers or strings,
//! amounts as numbers or strings, `yyyyMMddHHmmss` times that some answers write as
//! `yyyy-MM-dd HH:mm:ss`, `yyyyMMdd` dates as `yyyy-MM-dd`, empty lists as `null`. All
//! times are KST without an offset. `returnCode` is never re-spelled: it is the contract.

use crate::quirks::Rules;
use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

pub const RULES: Rules = Rules {
    market: "lotteon",
    ids: &["odNo", "odSeq", "procSeq", "orglProcSeq", "clmNo", "trNo"],
    amounts: &[
        "slPrc",
        "slAmt",
        "dvCst",
        "itmSlPrc",
        "slrDcAmt",
        "pdDcOcoAmt",
        "pdDcSlrAmt",
        "dvSeAmt",
        "bseCmsn",
        "pcsCmsn",
        "dvCmsn",
        "ajstDcAmt",
        "pymtAmt",
    ],
    counts: &[
        "odQty",
        "slQty",
        "cnclQty",
        "rtngQty",
        "xchgQty",
        "dataCount",
    ],
    flags: &[],
    times: &[
        "odAcptDttm",
        "odCmptDttm",
        "dvTrcStatDttm",
        "clmReqDttm",
        "clmCmptDttm",
    ],
    dates: &["seStdDt"],
    // Not `deliveryOrderList` or the claim / settlement `data`: those are the page.
    lists: &["itemList", "invcNoList", "subMessages", "failList"],
    time,
    date,
    special,
};

/// The same KST instant compact, with a space or with `T`.
fn time(s: &str, rng: &mut StdRng) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").ok()?;
    let format = match rng.random_range(0..4) {
        0 => return None,
        1 => "%Y-%m-%d %H:%M:%S",
        2 => "%Y-%m-%dT%H:%M:%S",
        _ => "%Y-%m-%d %H:%M:%S%.3f",
    };
    Some(t.format(format).to_string())
}

/// The same day as `yyyyMMdd` or `yyyy-MM-dd`.
fn date(s: &str, rng: &mut StdRng) -> Option<String> {
    let d = NaiveDate::parse_from_str(s, "%Y%m%d").ok()?;
    rng.random_bool(0.5)
        .then(|| d.format("%Y-%m-%d").to_string())
}

fn special(_m: &mut Map<String, Value>, _rng: &mut StdRng) {}
