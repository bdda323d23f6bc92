//! The seeded world as Coupang shows it at simulated time `now`: ordersheets (one
//! shipment box per order), returnRequests, exchangeRequests, revenue-history rows and
//! the two inquiry listings, in Coupang's field names and KST formats.

use crate::names;
use crate::world::{Inquiry, Order, SellerData, Stage};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};

pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00")
}

/// `yyyy-MM-dd'T'HH:mm:ss` in KST, no offset: how Coupang writes times.
pub fn kst_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// `yyyy-MM-dd HH:mm:ss` in KST: the inquiry listings' format.
pub fn kst_time_spaced(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub fn kst_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&kst()).date_naive()
}

/// How long a shipped box shows `DEPARTURE` (배송지시) before the carrier picks it up.
const DEPARTURE_HOURS: i64 = 6;

/// The ordersheets status an order shows at `now`, or `None` when ordersheets does not
/// list it: not paid yet, cancelled before shipping (those are in returnRequests with
/// cancelType=CANCEL or status RU), or returned (return-completed orders are not listed).
pub fn ordersheet_status(o: &Order, now: DateTime<Utc>) -> Option<&'static str> {
    let (stage, since) = o.stage_at(now)?;
    Some(match stage {
        Stage::PaymentWaiting => return None,
        Stage::Paid => "ACCEPT",
        Stage::Preparing => "INSTRUCT",
        Stage::Shipping if now < since + Duration::hours(DEPARTURE_HOURS) => "DEPARTURE",
        // A share of sellers ship some orders themselves without tracking.
        Stage::Shipping if o.order_no.is_multiple_of(17) => "NONE_TRACKING",
        Stage::Shipping => "DELIVERING",
        Stage::Delivered
        | Stage::Confirmed
        | Stage::ReturnRequested
        | Stage::ExchangeRequested
        | Stage::Exchanged => "FINAL_DELIVERY",
        Stage::Returned | Stage::CancelRequested | Stage::Cancelled => return None,
    })
}

/// The world's person numbers are random u64s; `names` multiplies them, so keep them
/// small enough not to overflow (the name chosen stays deterministic).
fn small(n: u64) -> u64 {
    n % 1_000_003
}

fn product_ids(p: usize) -> (u64, u64) {
    (7_000_000 + p as u64, 1_000_000 + p as u64)
}

pub fn shipment_box_id(o: &Order) -> u64 {
    o.order_no * 10 + 1
}

fn masked_email(n: u64) -> String {
    format!(
        "{}***@coupang.test",
        ["kim", "lee", "park", "choi"][(n % 4) as usize]
    )
}

pub fn ordersheet(o: &Order, status: &str) -> Value {
    let (addr1, addr2, post) = names::address(small(o.receiver));
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|i| {
            let (name, option, _) = names::PRODUCTS[i.product];
            let (product_id, seller_product_id) = product_ids(i.product);
            json!({
                "vendorItemPackageId": 0,
                "vendorItemPackageName": name,
                "productId": product_id,
                "vendorItemId": i.item_no,
                "vendorItemName": format!("{name}, {option}"),
                "shippingCount": i.quantity,
                "salesPrice": i.unit_price,
                "orderPrice": i.unit_price * i64::from(i.quantity),
                "discountPrice": 0,
                "externalVendorSkuCode": "",
                "etcInfoHeader": null,
                "etcInfoValue": null,
                "sellerProductId": seller_product_id,
                "sellerProductName": name,
                "sellerProductItemName": option,
                "estimatedShippingDate": kst_date(o.ordered_at + Duration::days(2)).to_string(),
                "plannedShippingDate": "",
                "invoiceNumberUploadDate": null,
                "extraProperties": {},
            })
        })
        .collect();
    json!({
        "shipmentBoxId": shipment_box_id(o),
        "orderId": o.order_no,
        "orderedAt": kst_time(o.ordered_at),
        "orderer": {
            "name": names::person(small(o.buyer)),
            "email": masked_email(small(o.buyer)),
            "safeNumber": names::safe_number(small(o.buyer)),
        },
        "paidAt": o.paid_at().map(kst_time),
        "status": status,
        "shippingPrice": o.shipping_fee,
        "remotePrice": 0,
        "remoteArea": false,
        "parcelPrintMessage": "문 앞에 놓아주세요",
        "splitShipping": false,
        "ableSplitShipping": false,
        "receiver": {
            "name": names::person(small(o.receiver)),
            "safeNumber": names::safe_number(small(o.receiver)),
            "addr1": addr1,
            "addr2": addr2,
            "postCode": post,
        },
        "orderItems": items,
        "overseaShippingInfoDto": {
            "personalCustomsClearanceCode": null,
            "ordererSsn": null,
            "ordererPhoneNumber": null,
        },
    })
}

/// Which returnRequests listing an order's claim shows in at `now`:
/// `(listing, receiptType, receiptStatus, created_at)`; listing `"CANCEL"` is the
/// `cancelType=CANCEL` one.
pub fn return_receipt(
    o: &Order,
    now: DateTime<Utc>,
) -> Option<(&'static str, &'static str, &'static str, DateTime<Utc>)> {
    if let Some(req) = o.reached(Stage::CancelRequested, now) {
        return Some(if o.reached(Stage::Cancelled, now).is_some() {
            ("CANCEL", "CANCEL", "RETURNS_COMPLETED", req)
        } else {
            ("RU", "CANCEL", "RELEASE_STOP_UNCHECKED", req)
        });
    }
    let req = o.reached(Stage::ReturnRequested, now)?;
    Some(if o.reached(Stage::Returned, now).is_some() {
        ("CC", "RETURN", "RETURNS_COMPLETED", req)
    } else if o.order_no.is_multiple_of(5) {
        ("PR", "RETURN", "REQUEST_COUPANG_CHECK", req)
    } else {
        ("UC", "RETURN", "RETURNS_UNCHECKED", req)
    })
}

pub fn return_row(o: &Order, now: DateTime<Utc>) -> Option<Value> {
    let (_, receipt_type, receipt_status, created) = return_receipt(o, now)?;
    let modified = o.stage_at(now).map(|s| s.1).unwrap_or(created);
    let count: u32 = o.items.iter().map(|i| i.quantity).sum();
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|i| {
            let (name, option, _) = names::PRODUCTS[i.product];
            json!({
                "vendorItemPackageId": 0,
                "vendorItemPackageName": name,
                "vendorItemId": i.item_no,
                "vendorItemName": format!("{name}, {option}"),
                "purchaseCount": i.quantity,
                "cancelCount": i.quantity,
                "shipmentBoxId": shipment_box_id(o),
                "sellerProductId": product_ids(i.product).1,
                "sellerProductName": name,
                "releaseStatus": if receipt_type == "CANCEL" { "S" } else { "Y" },
            })
        })
        .collect();
    Some(json!({
        "receiptId": o.order_no + 5_000_000_000,
        "orderId": o.order_no,
        "paymentId": o.order_no + 6_000_000_000,
        "receiptType": receipt_type,
        "receiptStatus": receipt_status,
        "createdAt": kst_time(created),
        "modifiedAt": kst_time(modified),
        "requesterName": names::person(small(o.buyer)),
        "requesterPhoneNumber": names::safe_number(small(o.buyer)),
        "cancelReasonCategory1": "고객변심",
        "cancelReasonCategory2": "단순변심(사유없음)",
        "cancelReason": "",
        "cancelCountSum": count,
        "returnDeliveryId": o.order_no + 4_000_000_000,
        "returnDeliveryType": "연동택배",
        "releaseStopStatus": "미처리",
        "enclosePrice": 0,
        "faultByType": "고객 과실",
        "preRefund": false,
        "completeConfirmType": if receipt_status == "RETURNS_COMPLETED" { "파트너 확인" } else { "미확인" },
        "completeConfirmDate": "",
        "returnItems": items,
    }))
}

/// exchangeRequests status at `now` and when the exchange was requested.
pub fn exchange_state(o: &Order, now: DateTime<Utc>) -> Option<(&'static str, DateTime<Utc>)> {
    let req = o.reached(Stage::ExchangeRequested, now)?;
    Some(if o.reached(Stage::Exchanged, now).is_some() {
        ("SUCCESS", req)
    } else if now >= req + Duration::hours(24) {
        ("PROGRESS", req)
    } else {
        ("RECEIPT", req)
    })
}

pub fn exchange_row(o: &Order, now: DateTime<Utc>) -> Option<Value> {
    let (status, created) = exchange_state(o, now)?;
    let modified = o.stage_at(now).map(|s| s.1).unwrap_or(created);
    let items: Vec<Value> = o
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let (name, option, _) = names::PRODUCTS[i.product];
            json!({
                "exchangeItemId": o.order_no * 10 + n as u64,
                "orderItemId": i.item_no,
                "orderItemUnitPrice": i.unit_price,
                "orderItemName": format!("{name}, {option}"),
                "orderPackageId": null,
                "orderPackageName": null,
                "targetItemId": i.item_no,
                "targetItemUnitPrice": i.unit_price,
                "targetItemName": format!("{name}, {option}"),
                "targetPackageId": -1,
                "targetPackageName": "",
                "quantity": i.quantity,
                "orderItemDeliveryComplete": null,
                "orderItemReturnComplete": null,
                "targetItemDeliveryComplete": null,
                "createdAt": kst_time(created),
                "modifiedAt": kst_time(modified),
                "originalShipmentBoxId": shipment_box_id(o),
            })
        })
        .collect();
    Some(json!({
        "exchangeId": o.order_no + 3_000_000_000,
        "orderId": o.order_no,
        "vendorId": null,
        "orderDeliveryStatusCode": "FINAL_DELIVERY",
        "exchangeStatus": status,
        "referType": "WEB_MOBILE",
        "faultType": "CUSTOMER",
        "exchangeAmount": 0,
        "reason": "사이즈 교환",
        "cancelReason": null,
        "createdByType": "CUSTOMER",
        "createdAt": kst_time(created),
        "modifiedByType": "CUSTOMER",
        "modifiedAt": kst_time(modified),
        "exchangeItemDtoV1s": items,
    }))
}

/// Sales are recognized (매출인식) 7 days after delivery or at purchase confirmation,
/// whichever comes first; a completed return forces the recognition of the sale and
/// books its refund the same day.
pub fn recognitions(o: &Order, now: DateTime<Utc>) -> Vec<(&'static str, DateTime<Utc>)> {
    let Some(delivered) = o.reached(Stage::Delivered, now) else {
        return Vec::new();
    };
    let returned = o.reached(Stage::Returned, now);
    let sale = [
        Some(delivered + Duration::days(7)),
        o.reached(Stage::Confirmed, now),
        returned,
    ]
    .into_iter()
    .flatten()
    .min()
    .expect("one candidate at least");
    let mut out = Vec::new();
    if sale <= now {
        out.push(("SALE", sale));
    }
    if let Some(r) = returned {
        out.push(("REFUND", r));
    }
    out
}

pub fn revenue_row(o: &Order, sale_type: &str, at: DateTime<Utc>) -> Value {
    let sign = if sale_type == "REFUND" { -1 } else { 1 };
    let day = kst_date(at);
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|i| {
            let (name, option, _) = names::PRODUCTS[i.product];
            let sale = i.unit_price * i64::from(i.quantity);
            let fee = sale * 10 / 100;
            let vat = fee / 10;
            json!({
                "taxType": "TAX",
                "productId": product_ids(i.product).0,
                "productName": name,
                "vendorItemId": i.item_no,
                "vendorItemName": format!("{name}, {option}"),
                "salePrice": i.unit_price,
                "quantity": i.quantity,
                "coupangDiscountCoupon": 0,
                "discountCouponPolicyAgreement": true,
                "saleAmount": sign * sale,
                "sellerDiscountCoupon": 0,
                "downloadableCoupon": 0,
                "serviceFee": sign * fee,
                "serviceFeeVat": sign * vat,
                "serviceFeeRatio": 10.0,
                "settlementAmount": sign * (sale - fee - vat),
                "externalSellerSkuCode": "",
            })
        })
        .collect();
    let amount = o.shipping_fee;
    let fee = amount * 3 / 100;
    let fee_vat = fee / 10;
    json!({
        "orderId": o.order_no,
        "saleType": sale_type,
        "saleDate": kst_date(o.paid_at().unwrap_or(o.ordered_at)).to_string(),
        "recognitionDate": day.to_string(),
        "settlementDate": (day + Duration::days(15)).to_string(),
        "finalSettlementDate": (day + Duration::days(15)).to_string(),
        "deliveryFee": {
            "amount": sign * amount,
            "fee": sign * fee,
            "feeVat": sign * fee_vat,
            "feeRatio": 3.0,
            "settlementAmount": sign * (amount - fee - fee_vat),
            "baseAmount": sign * amount,
            "remoteAmount": 0,
            "remoteFee": 0,
            "remoteFeeVat": 0,
        },
        "items": items,
    })
}

/// Inquiries about an order reach the seller through Coupang's call center; the others
/// are product Q&A (onlineInquiries).
pub fn is_call_center(q: &Inquiry) -> bool {
    q.about_order.is_some()
}

pub fn answered(q: &Inquiry, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    q.answered_at.filter(|a| *a <= now)
}

pub fn online_row(q: &Inquiry, now: DateTime<Utc>) -> Value {
    let (product_id, seller_product_id) = product_ids(q.product);
    let comments: Vec<Value> = answered(q, now)
        .map(|at| {
            vec![json!({
                "inquiryCommentId": q.inquiry_no + 1_000_000_000,
                "content": names::ANSWERS[q.answer],
                "inquiryCommentAt": kst_time_spaced(at),
            })]
        })
        .unwrap_or_default();
    json!({
        "inquiryId": q.inquiry_no,
        "productId": product_id,
        "sellerProductId": seller_product_id,
        "sellerItemId": seller_product_id * 10,
        "vendorItemId": 0,
        "content": names::QUESTIONS[q.question],
        "inquiryAt": kst_time_spaced(q.asked_at),
        "orderIds": [],
        "buyerEmail": masked_email(small(q.asker)),
        "commentDtoList": comments,
    })
}

pub fn call_center_row(q: &Inquiry, data: &SellerData, now: DateTime<Utc>) -> Value {
    let order = q
        .about_order
        .and_then(|no| data.orders.iter().find(|o| o.order_no == no));
    let answered_at = answered(q, now);
    let replies: Vec<Value> = answered_at
        .map(|at| {
            vec![json!({
                "answerId": q.inquiry_no + 2_000_000_000,
                "content": names::ANSWERS[q.answer],
                "replyAt": kst_time_spaced(at),
                "partnerTransferStatus": "",
            })]
        })
        .unwrap_or_default();
    json!({
        "inquiryId": q.inquiry_no,
        "orderId": q.about_order,
        "vendorItemId": order.and_then(|o| o.items.first()).map(|i| i.item_no),
        "vendorItemName": order
            .and_then(|o| o.items.first())
            .map(|i| names::PRODUCTS[i.product].0),
        "buyerName": names::person(small(q.asker)),
        "content": names::QUESTIONS[q.question],
        "inquiryAt": kst_time_spaced(q.asked_at),
        "inquiryStatus": if answered_at.is_some() { "complete" } else { "progress" },
        "csPartnerCounselingStatus": if answered_at.is_some() { "answered" } else { "requestAnswer" },
        "replies": replies,
    })
}
