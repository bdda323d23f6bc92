//! 11st's fields for quirks mode (crate::quirks). Every XML value is text, so a quirk is
//! the text 11st may write for the same meaning: amounts with thousands separators or a
//! `.0`, flags as `Y`/`true`/`1`, empty elements or none for absent values, times as
//! `yyyy-MM-dd HH:mm:ss` or compact `yyyyMMddHHmmss`, dates as `yyyy-MM-dd` or
//! `yyyyMMdd`, and undocumented (nested) elements. Times are KST without an offset.

use crate::quirks::Rules;
use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

pub const RULES: Rules = Rules {
    market: "11st",
    ids: &[
        "ordNo",
        "ordPrdSeq",
        "prdNo",
        "dlvNo",
        "bndlDlvSeq",
        "clmReqSeq",
        "ordPrdCnSeq",
        "brdInfoNo",
        "emerNtceSeq",
        "rptNo",
    ],
    amounts: &[
        "selPrc",
        "ordAmt",
        "ordPayAmt",
        "dlvCst",
        "stlPlnAmt",
        "selAmt",
        "selFee",
        "stlAmt",
    ],
    counts: &["ordQty", "clmReqQty", "ordCnQty"],
    flags: &["answerYn", "bndlDlvYN"],
    times: &[
        "ordDt",
        "ordStlEndDt",
        "plcodrCnfDt",
        "sndEndDt",
        "dlvEndDt",
        "pocnfrmDt",
        "reqDt",
        "clmCmplDt",
        "clmWthdrDt",
        "createDt",
        "answerDt",
        "regDt",
        "rptDt",
        "ansDt",
    ],
    dates: &["stlDt", "pocnfrmDt"],
    lists: &[],
    time,
    date,
    special,
};

/// The same KST instant, spaced or compact.
fn time(s: &str, rng: &mut StdRng) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
    rng.random_bool(0.5)
        .then(|| t.format("%Y%m%d%H%M%S").to_string())
}

/// The same day as `yyyy-MM-dd` or `yyyyMMdd`.
fn date(s: &str, rng: &mut StdRng) -> Option<String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    rng.random_bool(0.5).then(|| d.format("%Y%m%d").to_string())
}

/// 11st writes flags `Y`/`N`; the same flag may come as `true`/`false` or `1`/`0`, and an
/// answer flag `N` without an answer as no element at all.
fn special(m: &mut Map<String, Value>, rng: &mut StdRng) {
    for key in ["answerYn", "bndlDlvYN"] {
        let Some(yes) = m.get(key).and_then(Value::as_str).and_then(|v| match v {
            "Y" => Some(true),
            "N" => Some(false),
            _ => None,
        }) else {
            continue;
        };
        let spelled = match rng.random_range(0..3) {
            0 => continue,
            1 => {
                if yes {
                    "true"
                } else {
                    "false"
                }
            }
            _ => {
                if yes {
                    "1"
                } else {
                    "0"
                }
            }
        };
        m.insert(key.to_string(), Value::String(spelled.to_string()));
    }
    if m.get("answerYn").and_then(Value::as_str) == Some("N")
        && !m.contains_key("answerCont")
        && rng.random_bool(0.3)
    {
        m.remove("answerYn");
    }
}
