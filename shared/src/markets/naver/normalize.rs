//! Naver answers -> the unified model. The status tables cover every documented code
//! (shared/markets/naver.md §5.4); a code they do not know yields `Status::Unknown` with the
//! raw code kept.

use super::api;
use crate::markets::lenient;
use crate::markets::rows::{add_to_order, amounts_out_of_range, bad_field, krw_sum};
use crate::model::{
    Inquiry, InquiryChannel, Order, OrderItem, RawJson, Rejected, Settlement, Status, StatusCode,
    kst,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// `productOrderStatus` -> canonical status, before claims. `placeOrderStatus == OK` (발주확인)
/// turns a paid item into one being prepared.
pub fn flow_status(code: &str, place_order_status: Option<&str>) -> Option<Status> {
    Some(match code {
        "PAYMENT_WAITING" => Status::PaymentWaiting,
        "PAYED" if place_order_status == Some("OK") => Status::Preparing,
        "PAYED" => Status::Paid,
        "DELIVERING" => Status::Shipping,
        "DELIVERED" => Status::Delivered,
        "PURCHASE_DECIDED" => Status::PurchaseConfirmed,
        "EXCHANGED" => Status::Exchanged,
        "CANCELED" | "CANCELED_BY_NOPAYMENT" => Status::Cancelled,
        "RETURNED" => Status::Returned,
        _ => return None,
    })
}

/// What an active claim does to the item's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimEffect {
    /// The claim decides the status.
    Override(Status),
    /// Rejected, withdrawn or a purchase-decision hold: the flow status stands.
    None,
    /// A code the table does not know.
    Unknown,
}

pub const CLAIM_TYPES: [&str; 5] = [
    "CANCEL",
    "RETURN",
    "EXCHANGE",
    "PURCHASE_DECISION_HOLDBACK",
    "ADMIN_CANCEL",
];

/// `claimStatus` (with `claimType` where the status is shared by returns and exchanges).
pub fn claim_effect(claim_type: Option<&str>, claim_status: &str) -> ClaimEffect {
    if claim_type.is_some_and(|t| !CLAIM_TYPES.contains(&t)) {
        return ClaimEffect::Unknown;
    }
    let exchange = claim_type == Some("EXCHANGE");
    ClaimEffect::Override(match claim_status {
        "CANCEL_REQUEST" | "CANCELING" | "ADMIN_CANCELING" => Status::CancelRequested,
        "CANCEL_DONE" | "ADMIN_CANCEL_DONE" => Status::Cancelled,
        "RETURN_REQUEST" => Status::ReturnRequested,
        "COLLECTING" | "COLLECT_DONE" if exchange => Status::ExchangeRequested,
        "COLLECTING" | "COLLECT_DONE" => Status::ReturnRequested,
        "EXCHANGE_REQUEST" | "EXCHANGE_REDELIVERING" => Status::ExchangeRequested,
        "RETURN_DONE" => Status::Returned,
        "EXCHANGE_DONE" => Status::Exchanged,
        "CANCEL_REJECT"
        | "RETURN_REJECT"
        | "EXCHANGE_REJECT"
        | "ADMIN_CANCEL_REJECT"
        | "PURCHASE_DECISION_HOLDBACK"
        | "PURCHASE_DECISION_REQUEST"
        | "PURCHASE_DECISION_HOLDBACK_RELEASE" => return ClaimEffect::None,
        _ => return ClaimEffect::Unknown,
    })
}

/// The item's effective status, claims folded in. Raw code: `FLOW` or `FLOW/CLAIM_STATUS`.
pub fn item_status(
    product_order_status: &str,
    place_order_status: Option<&str>,
    claim_type: Option<&str>,
    claim_status: Option<&str>,
) -> StatusCode {
    let claim_status = claim_status.filter(|s| !s.is_empty());
    let raw = match claim_status {
        Some(c) => format!("{product_order_status}/{c}"),
        None => product_order_status.to_string(),
    };
    let flow = flow_status(product_order_status, place_order_status);
    let canonical = match (flow, claim_status.map(|c| claim_effect(claim_type, c))) {
        (None, _) | (_, Some(ClaimEffect::Unknown)) => Status::Unknown,
        (_, Some(ClaimEffect::Override(s))) => s,
        (Some(s), Some(ClaimEffect::None) | None) => s,
    };
    StatusCode::new(canonical, raw)
}

/// Naver date-times: ISO-8601 with offset (`2022-04-11T15:21:44.000+09:00`); an offset-less
/// value is KST. The shared reader, under the name the connector and its tests use.
pub use crate::markets::lenient::kst_time as parse_time;

/// How we write instants to Naver: KST with milliseconds, as its docs show.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// Product-order details (typed, with their raw JSON) -> orders, grouped by `orderId` in
/// first-seen order. `changed_at` holds the change feed's `lastChangedDate` per item
/// (`None` where it did not read). A detail whose times do not read is rejected; the
/// others are kept.
pub fn orders(
    endpoint: &str,
    details: Vec<(api::ProductOrderDetail, RawJson)>,
    changed_at: &HashMap<String, Option<DateTime<Utc>>>,
) -> (Vec<Order>, Vec<Rejected>) {
    // At most one order per detail (most details are an order of their own).
    let mut out: Vec<Order> = Vec::with_capacity(details.len());
    let mut raws: Vec<Vec<RawJson>> = Vec::with_capacity(details.len());
    let mut rejected = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (d, raw) in details {
        // Taken apart: the item's strings move into it rather than being copied.
        let api::ProductOrderDetail {
            order: o,
            product_order: p,
        } = d;
        let status = item_status(
            &p.product_order_status,
            p.place_order_status.as_deref(),
            p.claim_type.as_deref(),
            p.claim_status.as_deref(),
        );
        let status_changed_at = changed_at.get(&p.product_order_id).copied().flatten();
        let fee = p.delivery_fee_amount;
        let item = OrderItem {
            item_id: p.product_order_id,
            product_id: p.product_id,
            product_name: p.product_name,
            option_name: p.product_option.filter(|s| !s.is_empty()),
            quantity: p.quantity,
            unit_price_krw: p.unit_price,
            amount_krw: p.total_payment_amount,
            status,
            status_changed_at,
        };
        let key = &item.item_id;
        if let Some(&i) = index.get(&o.order_id) {
            let order = &mut out[i];
            // The order's total is what was paid for it all, counted with its first line.
            if add_to_order(order, fee, 0).is_none() {
                let fields = "productOrder.deliveryFeeAmount";
                rejected.push(amounts_out_of_range(endpoint, key, fields, &raw));
                continue;
            }
            order.items.push(item);
            raws[i].push(raw);
            continue;
        }
        let Some(ordered_at) = parse_time(&o.order_date) else {
            rejected.push(bad_field(endpoint, key, "order.orderDate", &raw));
            continue;
        };
        let paid_at = match o.payment_date.as_deref().map(parse_time) {
            Some(None) => {
                rejected.push(bad_field(endpoint, key, "order.paymentDate", &raw));
                continue;
            }
            Some(t) => t,
            None => None,
        };
        // What the buyer paid for the whole order, across payment means.
        let paid = [
            o.general_payment_amount,
            o.naver_mileage_payment_amount,
            o.charge_amount_payment_amount,
            o.pay_later_payment_amount,
        ];
        let Some(total_krw) = krw_sum(paid) else {
            let fields = "order.*PaymentAmount";
            rejected.push(amounts_out_of_range(endpoint, key, fields, &raw));
            continue;
        };
        index.insert(o.order_id.clone(), out.len());
        out.push(Order {
            order_id: o.order_id,
            ordered_at,
            paid_at,
            total_krw,
            shipping_fee_krw: fee,
            items: vec![item],
            raw: RawJson::default(),
        });
        raws.push(vec![raw]);
    }
    // An order's raw JSON is the array of its product orders' details.
    for (order, raws) in out.iter_mut().zip(&raws) {
        order.raw = RawJson::array(raws);
    }
    (out, rejected)
}

/// Settlement lines (건별 정산). Naver reports commissions as negative amounts; the model
/// wants the fee as a positive number taken from the sale.
pub fn settlement(
    endpoint: &str,
    s: &api::SettleCase,
    raw: &RawJson,
) -> Result<Settlement, Rejected> {
    let Some(basis_date) = lenient::kst_date(&s.settle_basis_date) else {
        let key = settlement_key(s, &s.settle_basis_date);
        return Err(bad_field(endpoint, &key, "settleBasisDate", raw));
    };
    let payout_date = s
        .settle_complete_date
        .as_deref()
        .or(s.settle_expect_date.as_deref())
        .and_then(lenient::kst_date);
    // The day as read, not as spelled: the id must not change with the format.
    let settlement_id = settlement_key(s, &basis_date.format("%Y-%m-%d").to_string());
    let commissions = [
        s.total_pay_commission_amount,
        s.free_installment_commission_amount,
        s.selling_interlock_commission_amount,
    ];
    let Some(fee_krw) = krw_sum(commissions).and_then(i64::checked_neg) else {
        return Err(amounts_out_of_range(
            endpoint,
            &settlement_id,
            "*CommissionAmount",
            raw,
        ));
    };
    Ok(Settlement {
        settlement_id,
        order_id: s.order_id.clone(),
        item_id: s.product_order_id.clone(),
        line_type: s.product_order_type.clone(),
        basis_date,
        payout_date,
        sale_krw: s.pay_settle_amount,
        fee_krw,
        settlement_krw: s.settle_expect_amount,
        raw: raw.clone(),
    })
}

/// A settlement line's own id: the product order (or order), its type, settle type and
/// basis day.
pub fn settlement_key(s: &api::SettleCase, basis_day: &str) -> String {
    [
        s.product_order_id
            .as_deref()
            .or(s.order_id.as_deref())
            .unwrap_or("-"),
        &s.product_order_type,
        s.settle_type.as_deref().unwrap_or("-"),
        basis_day,
    ]
    .join(":")
}

/// Product Q&A (상품문의). Naver does not report when the answer was given.
pub fn qna(endpoint: &str, q: &api::Qna, raw: &RawJson) -> Result<Inquiry, Rejected> {
    let asked_at = parse_time(&q.create_date)
        .ok_or_else(|| bad_field(endpoint, &q.question_id, "createDate", raw))?;
    Ok(Inquiry {
        inquiry_id: format!("qna:{}", q.question_id),
        channel: InquiryChannel::Product,
        product_id: q.product_id.clone(),
        order_id: None,
        title: None,
        content: q.question.clone(),
        asked_at,
        answered: q.answered,
        answered_at: None,
        answer: q.answer.clone().filter(|a| !a.is_empty()),
        raw: raw.clone(),
    })
}

/// A customer inquiry about an order (고객문의).
pub fn customer_inquiry(
    endpoint: &str,
    q: &api::CustomerInquiry,
    raw: &RawJson,
) -> Result<Inquiry, Rejected> {
    let asked_at = parse_time(&q.inquiry_registration_date_time)
        .ok_or_else(|| bad_field(endpoint, &q.inquiry_no, "inquiryRegistrationDateTime", raw))?;
    let answered_at = q
        .answer_registration_date_time
        .as_deref()
        .and_then(parse_time);
    Ok(Inquiry {
        inquiry_id: format!("inquiry:{}", q.inquiry_no),
        channel: InquiryChannel::Order,
        product_id: q.product_no.clone(),
        order_id: q.order_id.clone(),
        title: q.title.clone().or(q.category.clone()),
        content: q.inquiry_content.clone(),
        asked_at,
        answered: q.answered,
        answered_at,
        answer: q.answer_content.clone().filter(|a| !a.is_empty()),
        raw: raw.clone(),
    })
}
