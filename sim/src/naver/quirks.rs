//! Naver's fields for quirks mode (crate::quirks), and the spellings Naver is known to use
//! (shared/markets/naver.md): ISO-8601 date-times with milliseconds and `+09:00`
//! (`2022-04-11T15:21:44.000+09:00`), in UTC with `Z` (`2020-07-25T10:10:10.100Z`, the Q&A
//! page's example), and offset-less KST; ids documented as strings but sent as numbers by
//! some answers.

use crate::quirks::Rules;
use chrono::{DateTime, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

pub const RULES: Rules = Rules {
    market: "naver",
    ids: &[
        "orderId",
        "productOrderId",
        "productId",
        "originalProductId",
        "questionId",
        "inquiryNo",
        "productNo",
        "answerContentId",
        "ordererNo",
    ],
    amounts: &[
        "orderDiscountAmount",
        "generalPaymentAmount",
        "naverMileagePaymentAmount",
        "chargeAmountPaymentAmount",
        "checkoutAccumulationPaymentAmount",
        "payLaterPaymentAmount",
        "unitPrice",
        "totalProductAmount",
        "totalPaymentAmount",
        "productDiscountAmount",
        "sellerBurdenDiscountAmount",
        "deliveryFeeAmount",
        "deliveryDiscountAmount",
        "paymentCommission",
        "saleCommission",
        "expectedSettlementAmount",
        "paySettleAmount",
        "totalPayCommissionAmount",
        "freeInstallmentCommissionAmount",
        "sellingInterlockCommissionAmount",
        "benefitSettleAmount",
        "settleExpectAmount",
    ],
    counts: &[
        "quantity",
        "initialQuantity",
        "remainQuantity",
        "count",
        "page",
        "size",
        "totalPages",
        "totalElements",
        "number",
        "numberOfElements",
        "expires_in",
    ],
    flags: &[
        "answered",
        "first",
        "last",
        "empty",
        "sorted",
        "unsorted",
        "isMembershipSubscribed",
        "receiverAddressChanged",
    ],
    // Not `moreFrom`: a cursor the client sends back as it came.
    times: &[
        "timestamp",
        "orderDate",
        "paymentDate",
        "paymentDueDate",
        "lastChangedDate",
        "placeOrderDate",
        "shippingDueDate",
        "decisionDate",
        "sendDate",
        "deliveredDate",
        "createDate",
        "inquiryRegistrationDateTime",
        "answerRegistrationDateTime",
    ],
    // No other date spelling is known for Naver's `yyyy-MM-dd` fields.
    dates: &[],
    lists: &[
        "lastChangeStatuses",
        "data",
        "contents",
        "content",
        "elements",
    ],
    time,
    date,
    special,
};

/// The same instant in KST with or without milliseconds, in UTC, or without an offset.
fn time(s: &str, rng: &mut StdRng) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(s).ok()?;
    let whole_second = t.timestamp_subsec_nanos() == 0;
    Some(match rng.random_range(0..4) {
        0 => return None,
        1 => t
            .with_timezone(&Utc)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        2 => t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        // Milliseconds left out only where there are none to lose.
        _ if whole_second => t.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        _ => return None,
    })
}

fn date(_: &str, _: &mut StdRng) -> Option<String> {
    None
}

fn special(m: &mut Map<String, Value>, rng: &mut StdRng) {
    // The change feed's end: no `more`, `more: null` or `more: {}`.
    if m.contains_key("lastChangeStatuses") && !m.contains_key("more") {
        match rng.random_range(0..3) {
            0 => {}
            1 => {
                m.insert("more".into(), Value::Null);
            }
            _ => {
                m.insert("more".into(), json!({}));
            }
        }
    }
}
