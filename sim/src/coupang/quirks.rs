//! Coupang's fields for quirks mode (crate::quirks), and the spellings Coupang is known to
//! use (shared/markets/coupang.md): ordersheets write `yyyy-MM-dd'T'HH:mm:ss`, the inquiry
//! listings `yyyy-MM-dd HH:mm:ss`, Rocket Growth compact `yyyyMMdd` dates; the envelope's
//! `code` is `200` on some endpoints and `"SUCCESS"` on others. All times are KST without
//! an offset.

use crate::quirks::Rules;
use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

pub const RULES: Rules = Rules {
    market: "coupang",
    ids: &[
        "shipmentBoxId",
        "orderId",
        "orderIds",
        "vendorItemId",
        "vendorItemPackageId",
        "productId",
        "sellerProductId",
        "sellerItemId",
        "receiptId",
        "paymentId",
        "returnDeliveryId",
        "exchangeId",
        "exchangeItemId",
        "orderItemId",
        "targetItemId",
        "targetPackageId",
        "originalShipmentBoxId",
        "inquiryId",
        "inquiryCommentId",
        "answerId",
        // The offset of the next row, as this simulator hands it out.
        "nextToken",
    ],
    amounts: &[
        "shippingPrice",
        "remotePrice",
        "salesPrice",
        "orderPrice",
        "discountPrice",
        "salePrice",
        "saleAmount",
        "serviceFee",
        "serviceFeeVat",
        "settlementAmount",
        "amount",
        "fee",
        "feeVat",
        "baseAmount",
        "remoteAmount",
        "remoteFee",
        "remoteFeeVat",
        "coupangDiscountCoupon",
        "sellerDiscountCoupon",
        "downloadableCoupon",
        "enclosePrice",
        "exchangeAmount",
        "orderItemUnitPrice",
        "targetItemUnitPrice",
    ],
    counts: &[
        "shippingCount",
        "purchaseCount",
        "cancelCount",
        "cancelCountSum",
        "quantity",
        "currentPage",
        "countPerPage",
        "totalPages",
        "totalElements",
    ],
    flags: &[
        "hasNext",
        "splitShipping",
        "ableSplitShipping",
        "remoteArea",
        "preRefund",
        "discountCouponPolicyAgreement",
    ],
    times: &[
        "orderedAt",
        "paidAt",
        "createdAt",
        "modifiedAt",
        "inquiryAt",
        "inquiryCommentAt",
        "replyAt",
    ],
    dates: &[
        "saleDate",
        "recognitionDate",
        "settlementDate",
        "finalSettlementDate",
        "estimatedShippingDate",
    ],
    // Not the envelope's `data` or the inquiry page's `content`: those are the page.
    lists: &["orderIds", "commentDtoList", "replies", "items"],
    time,
    date,
    special,
};

/// The same KST instant with `T` or a space, with or without milliseconds, or compact.
fn time(s: &str, rng: &mut StdRng) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .ok()?;
    let format = match rng.random_range(0..5) {
        0 => return None,
        1 => "%Y-%m-%dT%H:%M:%S",
        2 => "%Y-%m-%d %H:%M:%S",
        3 => "%Y-%m-%dT%H:%M:%S%.3f",
        _ => "%Y%m%d%H%M%S",
    };
    Some(t.format(format).to_string())
}

/// The same day as `yyyy-MM-dd` or `yyyyMMdd`.
fn date(s: &str, rng: &mut StdRng) -> Option<String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    rng.random_bool(0.5).then(|| d.format("%Y%m%d").to_string())
}

fn special(m: &mut Map<String, Value>, rng: &mut StdRng) {
    // The envelope: `code` 200, "200" or "SUCCESS".
    if m.contains_key("message") && m.get("code").and_then(Value::as_u64) == Some(200) {
        m["code"] = match rng.random_range(0..3) {
            0 => json!(200),
            1 => json!("200"),
            _ => json!("SUCCESS"),
        };
    }
    // No delivery fee: the zero object, null, `{}` or nothing.
    let zero_fee = m
        .get("deliveryFee")
        .and_then(|f| f.get("amount"))
        // Already re-spelled itself: 0, 0.0 or "0".
        .is_some_and(|a| a.as_f64() == Some(0.0) || a.as_str() == Some("0"));
    if zero_fee {
        match rng.random_range(0..4) {
            0 => {}
            1 => m["deliveryFee"] = Value::Null,
            2 => m["deliveryFee"] = json!({}),
            _ => {
                m.remove("deliveryFee");
            }
        }
    }
}
