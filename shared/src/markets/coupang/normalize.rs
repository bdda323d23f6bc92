//! Coupang rows -> unified records, with the complete status tables.
//!
//! Coupang times carry no offset: they are KST (`yyyy-MM-dd'T'HH:mm:ss`, inquiries
//! `yyyy-MM-dd HH:mm:ss`); [`lenient::kst_time`] reads them and the other spellings.
//! Money is integer KRW already.

use super::api;
use crate::markets::lenient;
use crate::markets::rows::{
    add_to_order, amounts_out_of_range, as_refund, bad_field, krw_sum, time_field,
};
use crate::model::{
    Claim, ClaimType, Inquiry, InquiryChannel, Order, OrderItem, RawJson, Rejected, Settlement,
    Status, StatusCode,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// ordersheets `status` (발주서 상태, coupang.md §5.4) -> canonical.
pub const ORDER_STATUS: &[(&str, Status)] = &[
    ("ACCEPT", Status::Paid),              // 결제완료
    ("INSTRUCT", Status::Preparing),       // 상품준비중
    ("DEPARTURE", Status::Shipping),       // 배송지시
    ("DELIVERING", Status::Shipping),      // 배송중
    ("FINAL_DELIVERY", Status::Delivered), // 배송완료
    // 업체 직접 배송 (배송 연동 미적용, 추적불가): shipped by the vendor, never tracked.
    ("NONE_TRACKING", Status::Shipping),
];

/// The `status` filters of returnRequests and what each listing's rows mean
/// (반품/취소 요청 목록, coupang.md §6). Rows are mapped by their own `receiptStatus`
/// (below); this table says which listings exist and is checked against it in tests.
pub const RETURN_LISTINGS: &[(&str, Status)] = &[
    ("RU", Status::CancelRequested), // 출고중지요청
    ("UC", Status::ReturnRequested), // 반품접수
    ("PR", Status::ReturnRequested), // 쿠팡확인요청
    ("CC", Status::Returned),        // 반품완료
];

/// returnRequests rows' `receiptStatus` -> canonical.
pub const RECEIPT_STATUS: &[(&str, Status)] = &[
    ("RELEASE_STOP_UNCHECKED", Status::CancelRequested), // 출고중지요청 미확인
    ("RETURNS_UNCHECKED", Status::ReturnRequested),      // 반품접수 미확인
    ("VENDOR_WAREHOUSE_CONFIRM", Status::ReturnRequested), // 입고완료 (not yet completed)
    ("REQUEST_COUPANG_CHECK", Status::ReturnRequested),  // 쿠팡확인요청
    ("RETURNS_COMPLETED", Status::Returned),             // 반품완료
];

/// exchangeRequests `exchangeStatus` -> canonical; `None` = the claim no longer applies.
pub const EXCHANGE_STATUS: &[(&str, Option<Status>)] = &[
    ("RECEIPT", Some(Status::ExchangeRequested)),  // 접수
    ("PROGRESS", Some(Status::ExchangeRequested)), // 진행
    ("SUCCESS", Some(Status::Exchanged)),          // 완료
    ("REJECT", None),                              // 불가
    ("CANCEL", None),                              // 철회
];

fn lookup<T: Copy>(table: &[(&str, T)], code: &str) -> Option<T> {
    table.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

pub fn order_status(code: &str) -> StatusCode {
    StatusCode::new(lookup(ORDER_STATUS, code).unwrap_or(Status::Unknown), code)
}

/// A returnRequests row's status. Rows of the `cancelType=CANCEL` listing are orders
/// cancelled at 결제완료: cancelled, whatever their receiptStatus says.
pub fn return_status(receipt_status: &str, cancel_listing: bool) -> Status {
    if cancel_listing {
        Status::Cancelled
    } else {
        lookup(RECEIPT_STATUS, receipt_status).unwrap_or(Status::Unknown)
    }
}

pub fn exchange_status(code: &str) -> Option<Status> {
    lookup(EXCHANGE_STATUS, code).unwrap_or(Some(Status::Unknown))
}

/// Shipment boxes -> orders. Coupang lists one row per shipment box; an order split into
/// several boxes comes back as several rows with the same `orderId`, merged here. A box
/// whose times do not read is rejected; the others are kept.
pub fn orders(
    endpoint: &str,
    boxes: Vec<(api::OrderSheet, RawJson)>,
) -> (Vec<Order>, Vec<Rejected>) {
    // Per order: the order and its boxes (their ids as read, their rows as sent).
    type Merged = (Order, Vec<(String, RawJson)>);
    // Keyed by (length, id): numeric ids in numeric order, as when they were integers.
    let mut by_order: BTreeMap<(usize, String), Merged> = BTreeMap::new();
    let mut rejected = Vec::new();
    for (mut b, raw) in boxes {
        let box_key = b.shipment_box_id.clone();
        let times =
            time_field(endpoint, &box_key, "orderedAt", &b.ordered_at, &raw).and_then(|o| match b
                .paid_at
                .as_deref()
            {
                Some(p) => time_field(endpoint, &box_key, "paidAt", p, &raw).map(|p| (o, Some(p))),
                None => Ok((o, None)),
            });
        let (ordered_at, paid_at) = match times {
            Ok(t) => t,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        let status = order_status(&b.status);
        // Taken from the box: the items' strings move rather than being copied.
        let items: Vec<OrderItem> = std::mem::take(&mut b.order_items)
            .into_iter()
            .map(|i| OrderItem {
                item_id: i.vendor_item_id,
                product_id: i.seller_product_id.or(i.product_id).unwrap_or_default(),
                product_name: (i.seller_product_name)
                    .or(i.vendor_item_name)
                    .unwrap_or_default(),
                option_name: i.seller_product_item_name,
                quantity: i.shipping_count,
                unit_price_krw: i.sales_price,
                amount_krw: i.order_price,
                status: status.clone(),
                status_changed_at: None,
            })
            .collect();
        let box_total = krw_sum(items.iter().map(|i| i.amount_krw).chain([b.shipping_price]));
        let Some(box_total) = box_total else {
            let fields = "orderItems.orderPrice, shippingPrice";
            rejected.push(amounts_out_of_range(endpoint, &box_key, fields, &raw));
            continue;
        };
        let key = (b.order_id.len(), b.order_id);
        let entry = by_order.entry(key).or_insert_with_key(|(_, order_id)| {
            (
                Order {
                    order_id: order_id.clone(),
                    ordered_at,
                    paid_at,
                    total_krw: 0,
                    shipping_fee_krw: 0,
                    items: Vec::new(),
                    raw: RawJson::default(),
                },
                Vec::new(),
            )
        });
        let (order, raws) = entry;
        // The same box can be listed twice at a status boundary between two listings;
        // keep its items once. Compared as read, not as sent: one listing may spell the
        // id as a number and the next as a string.
        if raws.iter().any(|(id, _)| *id == b.shipment_box_id) {
            continue;
        }
        // A new order starts at 0, so only a merge with earlier boxes can leave the range.
        if add_to_order(order, b.shipping_price, box_total).is_none() {
            let fields = "orderItems.orderPrice, shippingPrice";
            rejected.push(amounts_out_of_range(endpoint, &box_key, fields, &raw));
            continue;
        }
        order.items.extend(items);
        raws.push((box_key, raw));
    }
    let orders = by_order
        .into_values()
        .map(|(mut o, mut raws)| {
            o.raw = if raws.len() == 1 {
                raws.pop().expect("one box").1
            } else {
                RawJson::array(raws.iter().map(|(_, r)| r))
            };
            o
        })
        .collect();
    (orders, rejected)
}

pub fn return_claim(
    endpoint: &str,
    row: &api::ReturnRequest,
    raw: &RawJson,
    cancel_listing: bool,
) -> Result<Claim, Rejected> {
    let key = row.receipt_id.to_string();
    let requested_at = time_field(endpoint, &key, "createdAt", &row.created_at, raw)?;
    let is_cancel = cancel_listing
        || matches!(row.receipt_type.as_deref(), Some("CANCEL") | Some("취소"))
        || row.receipt_status == "RELEASE_STOP_UNCHECKED";
    Ok(Claim {
        claim_id: format!("return-{}", row.receipt_id),
        claim_type: if is_cancel {
            ClaimType::Cancel
        } else {
            ClaimType::Return
        },
        order_id: row.order_id.clone(),
        item_ids: row
            .return_items
            .iter()
            .map(|i| i.vendor_item_id.clone())
            .collect(),
        status: Some(return_status(&row.receipt_status, cancel_listing)),
        raw_status: if cancel_listing {
            format!("CANCEL/{}", row.receipt_status)
        } else {
            row.receipt_status.clone()
        },
        requested_at,
        raw: raw.clone(),
    })
}

pub fn exchange_claim(
    endpoint: &str,
    row: &api::ExchangeRequest,
    raw: &RawJson,
) -> Result<Claim, Rejected> {
    let key = row.exchange_id.to_string();
    let requested_at = time_field(endpoint, &key, "createdAt", &row.created_at, raw)?;
    Ok(Claim {
        claim_id: format!("exchange-{}", row.exchange_id),
        claim_type: ClaimType::Exchange,
        order_id: row.order_id.clone(),
        item_ids: row
            .exchange_item_dto_v1s
            .iter()
            .map(|i| i.order_item_id.clone())
            .collect(),
        status: exchange_status(&row.exchange_status),
        raw_status: row.exchange_status.clone(),
        requested_at,
        raw: raw.clone(),
    })
}

/// One revenue-history row -> one settlement line per item, plus one for the delivery fee
/// when there is one. Refund lines are negative whatever sign convention the page uses;
/// fees are positive.
pub fn settlements(
    endpoint: &str,
    row: &api::RevenueRow,
    raw: &RawJson,
) -> Result<Vec<Settlement>, Rejected> {
    let key = revenue_key(row);
    // Every line of the row carries the row's JSON, and each line's hash serializes it.
    let raw = &raw.shared();
    let basis_date = lenient::kst_date(&row.recognition_date)
        .ok_or_else(|| bad_field(endpoint, &key, "recognitionDate", raw))?;
    let payout_date: Option<NaiveDate> = match row.settlement_date.as_deref() {
        Some(s) => Some(
            lenient::kst_date(s).ok_or_else(|| bad_field(endpoint, &key, "settlementDate", raw))?,
        ),
        None => None,
    };
    let refund = row.sale_type == "REFUND";
    let signed = |v: i64| if refund { as_refund(v) } else { Some(v) };
    // A line, or `None` when its amounts leave the range of an amount.
    let line = |id: String, item: Option<String>, sale: i64, fee: [i64; 2], settle: i64| {
        Some(Settlement {
            settlement_id: id,
            order_id: Some(row.order_id.clone()),
            item_id: item,
            line_type: row.sale_type.clone(),
            basis_date,
            payout_date,
            sale_krw: signed(sale)?,
            fee_krw: krw_sum(fee)?.checked_abs()?,
            settlement_krw: signed(settle)?,
            raw: raw.clone(),
        })
    };
    let items = row.items.iter().map(|i| {
        line(
            format!("{}:{}:{}", row.order_id, row.sale_type, i.vendor_item_id),
            Some(i.vendor_item_id.clone()),
            i.sale_amount,
            [i.service_fee, i.service_fee_vat],
            i.settlement_amount,
        )
    });
    let delivery = row
        .delivery_fee
        .as_ref()
        .filter(|d| d.amount != 0)
        .map(|d| {
            line(
                format!("{}:{}:DELIVERY", row.order_id, row.sale_type),
                None,
                d.amount,
                [d.fee, d.fee_vat],
                d.settlement_amount,
            )
        });
    items
        .chain(delivery)
        .collect::<Option<Vec<Settlement>>>()
        .ok_or_else(|| amounts_out_of_range(endpoint, &key, "items, deliveryFee", raw))
}

pub fn online_inquiry(
    endpoint: &str,
    row: &api::OnlineInquiry,
    raw: &RawJson,
) -> Result<Inquiry, Rejected> {
    let key = row.inquiry_id.to_string();
    let asked_at = time_field(endpoint, &key, "inquiryAt", &row.inquiry_at, raw)?;
    let last = row.comment_dto_list.last();
    let answered_at = match last {
        Some(c) => Some(time_field(
            endpoint,
            &key,
            "commentDtoList.inquiryCommentAt",
            &c.inquiry_comment_at,
            raw,
        )?),
        None => None,
    };
    Ok(Inquiry {
        inquiry_id: format!("online-{}", row.inquiry_id),
        channel: InquiryChannel::Product,
        product_id: row.product_id.clone(),
        order_id: row.order_ids.first().cloned(),
        title: None,
        content: row.content.clone(),
        asked_at,
        answered: last.is_some(),
        answered_at,
        answer: last.map(|c| c.content.clone()),
        raw: raw.clone(),
    })
}

pub fn call_center_inquiry(
    endpoint: &str,
    row: &api::CallCenterInquiry,
    raw: &RawJson,
) -> Result<Inquiry, Rejected> {
    let key = row.inquiry_id.to_string();
    let asked_at = time_field(endpoint, &key, "inquiryAt", &row.inquiry_at, raw)?;
    let last = row.replies.last();
    let answered_at = match last {
        Some(r) => Some(time_field(
            endpoint,
            &key,
            "replies.replyAt",
            &r.reply_at,
            raw,
        )?),
        None => None,
    };
    Ok(Inquiry {
        inquiry_id: format!("callcenter-{}", row.inquiry_id),
        channel: InquiryChannel::CallCenter,
        product_id: row.vendor_item_id.clone(),
        order_id: row.order_id.clone(),
        title: None,
        content: row.content.clone(),
        asked_at,
        answered: last.is_some() || row.inquiry_status.as_deref() == Some("complete"),
        answered_at,
        answer: last.map(|r| r.content.clone()),
        raw: raw.clone(),
    })
}

/// A revenue-history row's own key: the order and the sale type (a refund of the same
/// order is another row).
pub fn revenue_key(row: &api::RevenueRow) -> String {
    format!("{}:{}", row.order_id, row.sale_type)
}
