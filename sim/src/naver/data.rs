//! The data APIs, projected from the seeded world at `clock.now()`.
//!
//! Each world order item is one product order (`productOrderId` = item_no, `orderId` =
//! order_no). The change feed lists an item at the time of its latest story stage that Naver
//! reports as a `lastChangedType` (§5.1): 발주확인 (preparing) and 배송완료 (delivered) are
//! not in that list, so they do not move an item in the feed; its details still show them.

// A refusal is the HTTP answer itself, built at most once per request: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use super::{Sim, kst, kst_time};
use crate::names;
use crate::world::{Order, Stage};
use axum::extract::{Json, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const JSON: &str = "application/json";
const JSON_UTF8: &str = "application/json;charset=UTF-8";
/// Documented limits.
const FEED_MAX_ROWS: usize = 300;
const FEED_MAX_SPAN_HOURS: i64 = 24;
const QUERY_MAX_IDS: usize = 300;
const SETTLE_MAX_PAGE_SIZE: usize = 1000;
const QNA_MAX_SIZE: usize = 100;
const INQUIRY_SIZE: std::ops::RangeInclusive<usize> = 10..=200;
const INQUIRY_MAX_DAYS: i64 = 365;

type Q = Query<HashMap<String, String>>;

/// `productOrderStatus`, `placeOrderStatus`, `claimType`, `claimStatus` of a stage.
fn projection(
    stage: Stage,
) -> (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
) {
    use Stage::*;
    match stage {
        PaymentWaiting => ("PAYMENT_WAITING", None, None, None),
        Paid => ("PAYED", Some("NOT_YET"), None, None),
        Preparing => ("PAYED", Some("OK"), None, None),
        Shipping => ("DELIVERING", Some("OK"), None, None),
        Delivered => ("DELIVERED", Some("OK"), None, None),
        Confirmed => ("PURCHASE_DECIDED", Some("OK"), None, None),
        CancelRequested => (
            "PAYED",
            Some("NOT_YET"),
            Some("CANCEL"),
            Some("CANCEL_REQUEST"),
        ),
        Cancelled => (
            "CANCELED",
            Some("NOT_YET"),
            Some("CANCEL"),
            Some("CANCEL_DONE"),
        ),
        ReturnRequested => (
            "DELIVERED",
            Some("OK"),
            Some("RETURN"),
            Some("RETURN_REQUEST"),
        ),
        Returned => ("RETURNED", Some("OK"), Some("RETURN"), Some("RETURN_DONE")),
        ExchangeRequested => (
            "DELIVERED",
            Some("OK"),
            Some("EXCHANGE"),
            Some("EXCHANGE_REQUEST"),
        ),
        Exchanged => (
            "EXCHANGED",
            Some("OK"),
            Some("EXCHANGE"),
            Some("EXCHANGE_DONE"),
        ),
    }
}

/// The documented `lastChangedType` a stage is reported with, if any.
fn change_type(stage: Stage) -> Option<&'static str> {
    use Stage::*;
    match stage {
        PaymentWaiting => Some("PAY_WAITING"),
        Paid => Some("PAYED"),
        Shipping => Some("DISPATCHED"),
        Confirmed => Some("PURCHASE_DECIDED"),
        CancelRequested | ReturnRequested | ExchangeRequested => Some("CLAIM_REQUESTED"),
        Cancelled | Returned | Exchanged => Some("CLAIM_COMPLETED"),
        Preparing | Delivered => None,
    }
}

/// When the feed says the order's items last changed by `now`, and how.
pub fn last_change(order: &Order, now: DateTime<Utc>) -> Option<(DateTime<Utc>, &'static str)> {
    order
        .story
        .iter()
        .rev()
        .filter(|(_, at)| *at <= now)
        .find_map(|(s, at)| change_type(*s).map(|t| (*at, t)))
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn kst_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&kst()).date_naive()
}

fn product_id(product: usize) -> String {
    (8_000_000_000u64 + product as u64).to_string()
}

// --- orders ------------------------------------------------------------------------------

pub(super) async fn changed_statuses(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
    sim.gateway(&headers, "last-changed-statuses", JSON, |seller| {
        feed(&sim, seller, &q)
    })
    .await
}

fn feed(sim: &Sim, seller: usize, q: &HashMap<String, String>) -> Result<Value, Response> {
    let from = q
        .get("lastChangedFrom")
        .ok_or_else(|| sim.bad_request("lastChangedFrom", "필수 값입니다."))?;
    let from = parse_time(from)
        .ok_or_else(|| sim.bad_request("lastChangedFrom", "ISO-8601 형식이어야 합니다."))?;
    let to = match q.get("lastChangedTo") {
        Some(t) => parse_time(t)
            .ok_or_else(|| sim.bad_request("lastChangedTo", "ISO-8601 형식이어야 합니다."))?,
        None => from + Duration::hours(FEED_MAX_SPAN_HOURS),
    };
    if to < from {
        return Err(sim.bad_request("lastChangedTo", "lastChangedFrom 이후여야 합니다."));
    }
    if to - from > Duration::hours(FEED_MAX_SPAN_HOURS) {
        return Err(sim.bad_request("lastChangedTo", "조회 기간은 최대 24시간까지 가능합니다."));
    }
    let limit = match q.get("limitCount") {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=FEED_MAX_ROWS).contains(n))
            .ok_or_else(|| sim.bad_request("limitCount", "1 이상 300 이하여야 합니다."))?,
        None => FEED_MAX_ROWS,
    };
    // Our cursor: the productOrderId of the first row not yet returned among the rows at
    // `moreFrom`, so that rows sharing one change time are neither lost nor repeated.
    let sequence = match q.get("moreSequence") {
        Some(s) => Some(
            s.parse::<u64>()
                .map_err(|_| sim.bad_request("moreSequence", "유효하지 않은 값입니다."))?,
        ),
        None => None,
    };
    let type_filter = q.get("lastChangedType");
    let now = sim.state.clock.now();
    let mut rows: Vec<(DateTime<Utc>, u64, &'static str, &Order, Stage)> = Vec::new();
    for order in &sim.state.world.seller(seller).orders {
        let Some((at, kind)) = last_change(order, now) else {
            continue;
        };
        if at < from || at > to || type_filter.is_some_and(|t| t != kind) {
            continue;
        }
        let stage = order.stage_at(now).expect("changed orders exist").0;
        for item in &order.items {
            if at == from && sequence.is_some_and(|s| item.item_no < s) {
                continue;
            }
            rows.push((at, item.item_no, kind, order, stage));
        }
    }
    rows.sort_by_key(|r| (r.0, r.1));
    let more = rows.get(limit).map(
        |(at, no, ..)| json!({"moreFrom": kst_time(*at), "moreSequence": format!("{no:020}")}),
    );
    let list: Vec<Value> = rows
        .iter()
        .take(limit)
        .map(|(at, no, kind, order, stage)| {
            let (status, _, claim_type, claim_status) = projection(*stage);
            json!({
                "orderId": order.order_no.to_string(),
                "productOrderId": no.to_string(),
                "lastChangedType": kind,
                "paymentDate": order.reached(Stage::Paid, now).map(kst_time),
                "lastChangedDate": kst_time(*at),
                "productOrderStatus": status,
                "claimType": claim_type,
                "claimStatus": claim_status,
                "receiverAddressChanged": false,
                "giftReceivingStatus": null,
            })
        })
        .collect();
    let mut data = json!({"count": list.len(), "lastChangeStatuses": list});
    if let Some(m) = more {
        data["more"] = m;
    }
    Ok(json!({
        "timestamp": kst_time(Utc::now()),
        "traceId": sim.trace_id(),
        "data": data,
    }))
}

pub(super) async fn product_orders_query(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    sim.gateway(&headers, "product-orders-query", JSON, |seller| {
        let Ok(Json(body)) = body else {
            return Err(sim.bad_request("body", "JSON 형식이어야 합니다."));
        };
        details(&sim, seller, &body)
    })
    .await
}

fn details(sim: &Sim, seller: usize, body: &Value) -> Result<Value, Response> {
    let ids: Vec<u64> = body
        .get("productOrderIds")
        .and_then(Value::as_array)
        .ok_or_else(|| sim.bad_request("productOrderIds", "필수 값입니다."))?
        .iter()
        .map(|v| match v {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        })
        .collect::<Option<_>>()
        .ok_or_else(|| sim.bad_request("productOrderIds", "상품 주문 번호 형식이 아닙니다."))?;
    if ids.is_empty() || ids.len() > QUERY_MAX_IDS {
        return Err(sim.bad_request("productOrderIds", "1개 이상 300개 이하로 요청해야 합니다."));
    }
    let now = sim.state.clock.now();
    let mut by_item = HashMap::new();
    for order in &sim.state.world.seller(seller).orders {
        for (i, item) in order.items.iter().enumerate() {
            by_item.insert(item.item_no, (order, i));
        }
    }
    // Unknown ids, other sellers' ids and orders not yet placed are left out.
    let data: Vec<Value> = ids
        .iter()
        .filter_map(|id| by_item.get(id))
        .filter_map(|(order, i)| detail(order, *i, now))
        .collect();
    Ok(json!({"timestamp": kst_time(Utc::now()), "traceId": sim.trace_id(), "data": data}))
}

fn detail(order: &Order, i: usize, now: DateTime<Utc>) -> Option<Value> {
    let (stage, _) = order.stage_at(now)?;
    let item = &order.items[i];
    let (status, place, claim_type, claim_status) = projection(stage);
    let (name, option, _) = names::PRODUCTS[item.product];
    let amount = item.unit_price * i64::from(item.quantity);
    let fee = if i == 0 { order.shipping_fee } else { 0 };
    let (addr, detail, zip) = names::address(order.receiver % 1_000_000);
    let shipped = order.reached(Stage::Shipping, now);
    let mut po = json!({
        "productOrderId": item.item_no.to_string(),
        "productOrderStatus": status,
        "claimType": claim_type,
        "claimStatus": claim_status,
        "claimId": claim_type.map(|_| format!("C{}", item.item_no)),
        "placeOrderStatus": place,
        "placeOrderDate": order.reached(Stage::Preparing, now).map(kst_time),
        "productId": product_id(item.product),
        "originalProductId": product_id(item.product),
        "productName": name,
        "productOption": option,
        "optionCode": format!("OPT{}", item.product),
        "quantity": item.quantity,
        "initialQuantity": item.quantity,
        "remainQuantity": item.quantity,
        "unitPrice": item.unit_price,
        "totalProductAmount": amount,
        "totalPaymentAmount": amount,
        "productDiscountAmount": 0,
        "sellerBurdenDiscountAmount": 0,
        "deliveryFeeAmount": fee,
        "deliveryDiscountAmount": 0,
        "paymentCommission": -(amount * 363 / 10_000),
        "saleCommission": -(amount * 2 / 100),
        "expectedSettlementAmount": amount - amount * 363 / 10_000 - amount * 2 / 100,
        "shippingAddress": {
            "name": names::person(order.receiver),
            "tel1": names::safe_number(order.receiver % 1_000_000),
            "baseAddress": addr,
            "detailedAddress": detail,
            "zipCode": zip,
        },
        "shippingMemo": "문 앞에 놓아주세요",
        "shippingDueDate": kst_time(order.ordered_at + Duration::days(3)),
        "decisionDate": order.reached(Stage::Confirmed, now).map(kst_time),
        "inflowPath": "네이버쇼핑",
        "deliveryAttributeType": "NORMAL",
        "taxType": "TAX",
    });
    if let Some(cs) = claim_status {
        po["currentClaim"] = json!({"claimType": claim_type, "claimStatus": cs});
    }
    let paid = order.reached(Stage::Paid, now);
    Some(json!({
        "order": {
            "orderId": order.order_no.to_string(),
            "orderDate": kst_time(order.ordered_at),
            "ordererId": format!("buyer{}", order.buyer % 1_000_000),
            "ordererNo": (order.buyer % 1_000_000_000).to_string(),
            "ordererName": names::person(order.buyer),
            "ordererTel": names::safe_number(order.buyer % 1_000_000),
            "paymentDate": paid.map(kst_time),
            "paymentDueDate": kst_time(order.ordered_at + Duration::days(2)),
            "paymentMeans": "신용카드",
            "payLocationType": "MOBILE",
            "orderDiscountAmount": 0,
            "generalPaymentAmount": order.total(),
            "naverMileagePaymentAmount": 0,
            "chargeAmountPaymentAmount": 0,
            "checkoutAccumulationPaymentAmount": 0,
            "payLaterPaymentAmount": 0,
            "isMembershipSubscribed": false,
        },
        "productOrder": po,
        "delivery": shipped.map(|t| json!({
            "deliveryCompany": "CJGLS",
            "trackingNumber": format!("{}", 600_000_000_000u64 + item.item_no % 100_000_000),
            "sendDate": kst_time(t),
            "deliveredDate": order.reached(Stage::Delivered, now).map(kst_time),
        })),
    }))
}

// --- settlements -------------------------------------------------------------------------

const PERIOD_TYPES: [&str; 5] = [
    "SETTLE_CASEBYCASE_SETTLE_SCHEDULE_DATE",
    "SETTLE_CASEBYCASE_SETTLE_BASIS_DATE",
    "SETTLE_CASEBYCASE_SETTLE_COMPLETE_DATE",
    "SETTLE_CASEBYCASE_PAY_DATE",
    "SETTLE_CASEBYCASE_TAXRETURN_BASIS_DATE",
];

pub(super) async fn settle_case(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
    sim.gateway(&headers, "settle-case", JSON, |seller| {
        settlements(&sim, seller, &q)
    })
    .await
}

/// One settlement line as the world implies it: sales settle on purchase confirmation (or
/// exchange completion), returns produce a refund line on the return's completion.
struct Line<'a> {
    basis: DateTime<Utc>,
    order: &'a Order,
    item: usize,
    kind: &'static str,
    settle_type: &'static str,
    amount: i64,
}

fn settlements(sim: &Sim, seller: usize, q: &HashMap<String, String>) -> Result<Value, Response> {
    let required = |k: &str| {
        q.get(k)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| sim.bad_request(k, "필수 값입니다."))
    };
    let day = parse_date(required("searchDate")?)
        .ok_or_else(|| sim.bad_request("searchDate", "yyyy-MM-dd 형식이어야 합니다."))?;
    let period = required("periodType")?;
    if !PERIOD_TYPES.contains(&period.as_str()) {
        return Err(sim.bad_request("periodType", "유효하지 않은 값입니다."));
    }
    let page: usize = required("pageNumber")?
        .parse()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| sim.bad_request("pageNumber", "1 이상이어야 합니다."))?;
    let size: usize = required("pageSize")?
        .parse()
        .ok()
        .filter(|s| (1..=SETTLE_MAX_PAGE_SIZE).contains(s))
        .ok_or_else(|| sim.bad_request("pageSize", "1 이상 1000 이하여야 합니다."))?;
    let now = sim.state.clock.now();
    let mut lines = Vec::new();
    for order in &sim.state.world.seller(seller).orders {
        let sale = order
            .reached(Stage::Confirmed, now)
            .or(order.reached(Stage::Exchanged, now));
        let refund = order.reached(Stage::Returned, now);
        for (i, item) in order.items.iter().enumerate() {
            let amount = item.unit_price * i64::from(item.quantity);
            if let Some(t) = sale {
                lines.push(Line {
                    basis: t,
                    order,
                    item: i,
                    kind: "PROD_ORDER",
                    settle_type: "NORMAL_SETTLE_ORIGINAL",
                    amount,
                });
                if i == 0 && order.shipping_fee > 0 {
                    lines.push(Line {
                        basis: t,
                        order,
                        item: i,
                        kind: "DELIVERY",
                        settle_type: "NORMAL_SETTLE_ORIGINAL",
                        amount: order.shipping_fee,
                    });
                }
            }
            if let Some(t) = refund {
                lines.push(Line {
                    basis: t,
                    order,
                    item: i,
                    kind: "REFUND",
                    settle_type: "NORMAL_SETTLE_AFTER_CANCEL",
                    amount: -amount,
                });
            }
        }
    }
    // Every period type is answered by its own date; the schedule date is the next day.
    let key_date = |l: &Line| match period.as_str() {
        "SETTLE_CASEBYCASE_SETTLE_SCHEDULE_DATE" | "SETTLE_CASEBYCASE_SETTLE_COMPLETE_DATE" => {
            kst_date(l.basis) + Duration::days(1)
        }
        "SETTLE_CASEBYCASE_PAY_DATE" => kst_date(l.order.paid_at().unwrap_or(l.basis)),
        _ => kst_date(l.basis),
    };
    lines.retain(|l| key_date(l) == day);
    if period == "SETTLE_CASEBYCASE_SETTLE_COMPLETE_DATE" {
        lines.retain(|l| kst_date(l.basis) + Duration::days(1) <= kst_date(now));
    }
    lines.sort_by_key(|l| (l.basis, l.order.items[l.item].item_no, l.kind));
    let total = lines.len();
    let elements: Vec<Value> = lines
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|l| settle_line(l, now))
        .collect();
    Ok(json!({
        "elements": elements,
        "pagination": {
            "page": page,
            "size": size,
            "totalPages": total.div_ceil(size),
            "totalElements": total,
        },
    }))
}

fn settle_line(l: &Line, now: DateTime<Utc>) -> Value {
    let item = &l.order.items[l.item];
    let basis = kst_date(l.basis);
    let expect = basis + Duration::days(1);
    let pay_fee = -(l.amount * 363 / 10_000);
    let interlock = -(l.amount * 2 / 100);
    json!({
        "settleBasisDate": basis.format("%Y-%m-%d").to_string(),
        "settleExpectDate": expect.format("%Y-%m-%d").to_string(),
        "settleCompleteDate": (expect <= kst_date(now)).then(|| expect.format("%Y-%m-%d").to_string()),
        "payDate": l.order.paid_at().map(|t| kst_date(t).format("%Y-%m-%d").to_string()),
        "orderId": l.order.order_no.to_string(),
        "productOrderId": item.item_no.to_string(),
        "productOrderType": l.kind,
        "settleType": l.settle_type,
        "productId": product_id(item.product),
        "productName": names::PRODUCTS[item.product].0,
        "purchaserName": names::person(l.order.buyer),
        "paySettleAmount": l.amount,
        "totalPayCommissionAmount": pay_fee,
        "freeInstallmentCommissionAmount": 0,
        "sellingInterlockCommissionAmount": interlock,
        "benefitSettleAmount": 0,
        "settleExpectAmount": l.amount + pay_fee + interlock,
        "merchantId": "sim-merchant",
        "merchantName": "시뮬레이터 스토어",
        "contractNo": "C0001",
    })
}

// --- inquiries ---------------------------------------------------------------------------

pub(super) async fn qnas(State(sim): State<Arc<Sim>>, headers: HeaderMap, Query(q): Q) -> Response {
    sim.gateway(&headers, "qnas", JSON, |seller| {
        product_qnas(&sim, seller, &q)
    })
    .await
}

fn product_qnas(sim: &Sim, seller: usize, q: &HashMap<String, String>) -> Result<Value, Response> {
    let time = |k: &str| {
        q.get(k)
            .ok_or_else(|| sim.bad_request(k, "필수 값입니다."))
            .and_then(|v| {
                parse_time(v).ok_or_else(|| sim.bad_request(k, "date-time 형식이어야 합니다."))
            })
    };
    let (from, to) = (time("fromDate")?, time("toDate")?);
    let page: usize = q
        .get("page")
        .map_or(Some(1), |p| p.parse().ok())
        .filter(|p| *p >= 1)
        .ok_or_else(|| sim.bad_request("page", "1 이상이어야 합니다."))?;
    let size: usize = q
        .get("size")
        .map_or(Some(QNA_MAX_SIZE), |s| s.parse().ok())
        .filter(|s| (1..=QNA_MAX_SIZE).contains(s))
        .ok_or_else(|| sim.bad_request("size", "1 이상 100 이하여야 합니다."))?;
    let answered_filter = q.get("answered").map(|a| a == "true");
    let now = sim.state.clock.now();
    let mut rows: Vec<_> = sim
        .state
        .world
        .seller(seller)
        .inquiries
        .iter()
        .filter(|i| i.about_order.is_none() && i.asked_at <= now)
        .filter(|i| i.asked_at >= from && i.asked_at <= to)
        .filter(|i| answered_filter.is_none_or(|a| a == i.answered_at.is_some_and(|t| t <= now)))
        .collect();
    rows.sort_by_key(|i| (std::cmp::Reverse(i.asked_at), i.inquiry_no));
    let total = rows.len();
    let total_pages = total.div_ceil(size);
    let contents: Vec<Value> = rows
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|i| {
            let answered = i.answered_at.is_some_and(|t| t <= now);
            json!({
                "questionId": i.inquiry_no,
                "createDate": kst_time(i.asked_at),
                "question": names::QUESTIONS[i.question],
                "answer": answered.then(|| names::ANSWERS[i.answer]),
                "answered": answered,
                "productId": product_id(i.product),
                "productName": names::PRODUCTS[i.product].0,
                "maskedWriterId": format!("{}***", &names::person(i.asker).chars().next().unwrap_or('k')),
            })
        })
        .collect();
    Ok(json!({
        "contents": contents,
        "page": page,
        "size": size,
        "totalElements": total,
        "totalPages": total_pages,
        "sort": {"sorted": true, "unsorted": false, "empty": false},
        "first": page == 1,
        "last": page >= total_pages,
    }))
}

pub(super) async fn pay_user_inquiries(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
    sim.gateway(&headers, "pay-user-inquiries", JSON_UTF8, |seller| {
        customer_inquiries(&sim, seller, &q)
    })
    .await
}

fn customer_inquiries(
    sim: &Sim,
    seller: usize,
    q: &HashMap<String, String>,
) -> Result<Value, Response> {
    use axum::http::StatusCode;
    // This API answers with numeric codes (§8.2).
    let refuse = |code: u32, field: &str, message: &str| {
        sim.error(
            StatusCode::BAD_REQUEST,
            code,
            message,
            &[(field, "NotValid", message)],
        )
    };
    let date = |k: &str| {
        q.get(k)
            .and_then(|v| parse_date(v))
            .ok_or_else(|| refuse(4001, k, "yyyy-MM-dd 형식의 필수 값입니다."))
    };
    let (start, end) = (date("startSearchDate")?, date("endSearchDate")?);
    if start > end {
        return Err(refuse(
            4002,
            "startSearchDate",
            "시작일이 종료일보다 늦습니다.",
        ));
    }
    if (end - start).num_days() > INQUIRY_MAX_DAYS {
        return Err(refuse(
            4003,
            "endSearchDate",
            "조회 기간은 최대 365일입니다.",
        ));
    }
    let page: usize = match q.get("page") {
        None => 1,
        Some(p) => match p.parse::<usize>() {
            Ok(p) if p < 1 => return Err(refuse(4004, "page", "page는 1 이상이어야 합니다.")),
            Ok(p) if p > 1_000_000 => {
                return Err(refuse(4005, "page", "page는 1,000,000 이하여야 합니다."));
            }
            Ok(p) => p,
            Err(_) => return Err(refuse(4001, "page", "숫자여야 합니다.")),
        },
    };
    let size: usize = match q.get("size") {
        None => 10,
        Some(s) => match s.parse::<usize>() {
            Ok(s) if s < *INQUIRY_SIZE.start() => {
                return Err(refuse(4006, "size", "size는 10 이상이어야 합니다."));
            }
            Ok(s) if s > *INQUIRY_SIZE.end() => {
                return Err(refuse(4007, "size", "size는 200 이하여야 합니다."));
            }
            Ok(s) => s,
            Err(_) => return Err(refuse(4001, "size", "숫자여야 합니다.")),
        },
    };
    let answered_filter = q.get("answered").map(|a| a == "true");
    let now = sim.state.clock.now();
    let data = sim.state.world.seller(seller);
    let mut rows: Vec<_> = data
        .inquiries
        .iter()
        .filter(|i| i.about_order.is_some() && i.asked_at <= now)
        .filter(|i| (start..=end).contains(&kst_date(i.asked_at)))
        .filter(|i| answered_filter.is_none_or(|a| a == i.answered_at.is_some_and(|t| t <= now)))
        .collect();
    rows.sort_by_key(|i| (std::cmp::Reverse(i.asked_at), i.inquiry_no));
    let total = rows.len();
    let total_pages = total.div_ceil(size);
    let content: Vec<Value> = rows
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|i| {
            let answered_at = i.answered_at.filter(|t| *t <= now);
            let order = data
                .orders
                .iter()
                .find(|o| Some(o.order_no) == i.about_order);
            let item = order.and_then(|o| o.items.first());
            let product = item.map_or(i.product, |it| it.product);
            json!({
                "inquiryNo": i.inquiry_no,
                "category": "배송",
                "title": names::QUESTIONS[i.question],
                "inquiryContent": names::QUESTIONS[i.question],
                "inquiryRegistrationDateTime": kst_time(i.asked_at),
                "answerContentId": answered_at.map(|_| i.inquiry_no + 1),
                "answerContent": answered_at.map(|_| names::ANSWERS[i.answer]),
                "answerTemplateNo": null,
                "answerRegistrationDateTime": answered_at.map(kst_time),
                "answered": answered_at.is_some(),
                "orderId": i.about_order.map(|o| o.to_string()),
                "productNo": product_id(product),
                "productOrderIdList": order
                    .map(|o| o.items.iter().map(|it| it.item_no.to_string()).collect::<Vec<_>>().join(",")),
                "productName": names::PRODUCTS[product].0,
                "productOrderOption": names::PRODUCTS[product].1,
                "customerId": format!("buyer{}", i.asker % 1_000_000),
                "customerName": names::person(i.asker),
            })
        })
        .collect();
    Ok(json!({
        "totalPages": total_pages,
        "totalElements": total,
        "number": page - 1,
        "size": size,
        "numberOfElements": content.len(),
        "first": page == 1,
        "last": page >= total_pages,
        "empty": content.is_empty(),
        "content": content,
    }))
}
