//! ESM's fields for quirks mode (crate::quirks): ids and status codes as numbers or strings
//! (`ResultCode` itself is 0 on orders and "success" on claims), amounts as strings with
//! thousands separators, times with `T` or a space (esm.md §5: `YYYY-MM-DD hh:mm` also
//! occurs), dates compact. All KST, without an offset.

use crate::quirks::Rules;
use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

pub const RULES: Rules = Rules {
    market: "esm",
    ids: &[
        "OrderNo",
        "PayNo",
        "SiteGoodsNo",
        "GoodsNo",
        "ContrNo",
        "PackNo",
        "MessageNo",
        "InformNo",
        "OrderStatus",
        "CancelStatus",
        "ReturnStatus",
        "ExchangeStatus",
        "InformStatus",
        "QnaType",
    ],
    amounts: &[
        "SalePrice",
        "OrderAmount",
        "DeliveryFee",
        "SellPrice",
        "ServiceFee",
        "SettlePrice",
    ],
    counts: &["ContrAmount", "TotalCount", "totalCount", "PageSize"],
    flags: &[],
    times: &[
        "OrderDate",
        "PayDate",
        "RequestDate",
        "RegDate",
        "AnswerDate",
        "ReplyDate",
    ],
    dates: &[
        "DeliveryCompleteDate",
        "RefundDate",
        "RemitDate",
        "SettleExpectDate",
    ],
    lists: &["RequestOrders", "Data"],
    time,
    date,
    special,
};

fn time(s: &str, rng: &mut StdRng) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(match rng.random_range(0..3) {
        0 => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        1 => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        _ => return None,
    })
}

fn date(s: &str, rng: &mut StdRng) -> Option<String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(match rng.random_range(0..3) {
        0 => d.format("%Y%m%d").to_string(),
        1 => d.format("%Y.%m.%d").to_string(),
        _ => return None,
    })
}

fn special(_: &mut Map<String, Value>, _: &mut StdRng) {}
