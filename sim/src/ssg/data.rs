//! The seeded world as SSG shows it at simulated time `now`: the stage an order line is
//! listed under, cancel requests, 위수탁 마감 rows and unanswered product Q&A, in SSG's
//! field names (shared/markets/ssg.md) and KST formats.

use crate::names;
use crate::world::{Inquiry, Order, Stage};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};

pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00")
}

/// `yyyy-MM-dd HH:mm:ss` in KST, no offset.
pub fn kst_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `yyyyMMddHHmmss` in KST: how 주문완료일시 and the Q&A 등록일시 are written.
pub fn kst_compact(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst()).format("%Y%m%d%H%M%S").to_string()
}

pub fn kst_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&kst()).date_naive()
}

/// The stage listings, in flow order, by the code the simulator gives them.
pub const STAGES: [&str; 4] = [
    "SHPP_DIRECTION",
    "WAREHOUSE_OUT",
    "NON_DELIVERY",
    "DELIVERY_END",
];

/// The stage listing that shows the order at `now` (index into [`STAGES`]), or `None`: not
/// paid yet, or cancelled (a cancelled order is only in the cancel requests).
pub fn stage(o: &Order, now: DateTime<Utc>) -> Option<usize> {
    let (stage, _) = o.stage_at(now)?;
    Some(match stage {
        Stage::PaymentWaiting | Stage::Cancelled => return None,
        // A cancel request waits for the seller's approval: the line is still directed.
        Stage::Paid | Stage::CancelRequested => 0,
        Stage::Preparing => 1,
        Stage::Shipping => 2,
        Stage::Delivered
        | Stage::Confirmed
        | Stage::ReturnRequested
        | Stage::Returned
        | Stage::ExchangeRequested
        | Stage::Exchanged => 3,
    })
}

/// 배송상태코드: some directed lines are held (대기, e.g. 예약판매) before they ship.
fn shpp_stat(o: &Order, stage_index: usize) -> &'static str {
    if stage_index == 0 && o.order_no.is_multiple_of(11) {
        "30"
    } else {
        "10"
    }
}

fn small(n: u64) -> u64 {
    n % 1_000_003
}

fn item_id(product: usize) -> String {
    format!("{}", 1_000_012_340_000u64 + product as u64)
}

/// The stage rows of an order: one per order line (주문순번), one shipment per order.
pub fn stage_rows(o: &Order, stage_index: usize) -> Vec<Value> {
    let buyer = names::person(small(o.buyer));
    let receiver = names::person(small(o.receiver));
    let (addr, detail, post) = names::address(small(o.receiver));
    let paid = o.paid_at().unwrap_or(o.ordered_at);
    o.items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let (name, option, _) = names::PRODUCTS[it.product];
            let amount = it.unit_price * i64::from(it.quantity);
            json!({
                "ordNo": o.order_no.to_string(),
                "ordItemSeq": (i + 1).to_string(),
                "orordNo": o.order_no.to_string(),
                "orordItemSeq": (i + 1).to_string(),
                "shppNo": format!("D{}", o.order_no),
                "shppSeq": (i + 1).to_string(),
                "ordStatCd": "120",
                "shppStatCd": shpp_stat(o, stage_index),
                "shppStatNm": if shpp_stat(o, stage_index) == "30" { "대기" } else { "정상" },
                "itemId": item_id(it.product),
                "itemNm": name,
                "uitemId": format!("{:05}", it.product + 1),
                "uitemNm": option,
                "ordQty": it.quantity,
                "cnclItemQty": 0,
                "splprc": it.unit_price * 85 / 100,
                "sellprc": it.unit_price,
                "rlordAmt": amount,
                "dcAmt": 0,
                // One shipment per order: its fee on every line, as SSG repeats it.
                "shppcst": o.shipping_fee,
                "ordRcpDts": kst_time(o.ordered_at),
                "ordCmplDts": kst_compact(paid),
                "ordpeNm": buyer,
                "rcptpeNm": receiver,
                "rcptpeHpno": names::safe_number(small(o.receiver)),
                "shpplocAddr": format!("{addr} {detail}"),
                "shpplocZipcd": post,
                "ordMemoCntt": "부재 시 문 앞에 놓아주세요",
                "shppDivDtlCd": "11",
                "shppDivDtlNm": "일반출고",
                "mallTypeCd": "10",
            })
        })
        .collect()
}

/// The order's cancel request: when it was asked, and 10 (신청) or 20 (완료) at `now`.
pub fn cancel_state(o: &Order, now: DateTime<Utc>) -> Option<(DateTime<Utc>, &'static str)> {
    let requested = o.reached(Stage::CancelRequested, now)?;
    let code = if o.reached(Stage::Cancelled, now).is_some() {
        "20"
    } else {
        "10"
    };
    Some((requested, code))
}

pub fn cancel_rows(o: &Order, now: DateTime<Utc>) -> Vec<Value> {
    let Some((requested, code)) = cancel_state(o, now) else {
        return Vec::new();
    };
    (0..o.items.len())
        .map(|i| {
            json!({
                "clmNo": format!("C{}", o.order_no),
                "ordNo": o.order_no.to_string(),
                "ordItemSeq": (i + 1).to_string(),
                "clmStatCd": code,
                "clmStatNm": if code == "20" { "취소완료" } else { "취소신청" },
                "clmRsnNm": "단순 변심",
                "clmRcpDts": kst_time(requested),
            })
        })
        .collect()
}

/// 위수탁 마감: a sale line per item on the day the purchase is confirmed (구매확정), a
/// refund line on the day a return completes. `(critn day, rows)` at `now`.
pub fn settle_rows(o: &Order, day: NaiveDate, now: DateTime<Utc>) -> Vec<Value> {
    let mut out = Vec::new();
    let events = [
        (o.reached(Stage::Confirmed, now), 1i64),
        (o.reached(Stage::Returned, now), -1i64),
    ];
    for (at, sign) in events {
        let Some(at) = at else { continue };
        if kst_date(at) != day {
            continue;
        }
        for (i, it) in o.items.iter().enumerate() {
            let net = sign * it.unit_price * i64::from(it.quantity);
            let fee = net * 11 / 100;
            let ship = if i == 0 { sign * o.shipping_fee } else { 0 };
            out.push(json!({
                "critnDt": day.format("%Y%m%d").to_string(),
                "ordNo": o.order_no.to_string(),
                "ordItemSeq": (i + 1).to_string(),
                "itemId": item_id(it.product),
                "itemNm": names::PRODUCTS[it.product].0,
                "netAmt": net,
                "sellFee": fee,
                "settlAmt": net - fee + ship,
                "dvShppcstAmt": ship,
            }));
        }
    }
    out
}

/// SSG lists a Q&A while it is unanswered.
pub fn unanswered(q: &Inquiry, now: DateTime<Utc>) -> bool {
    q.asked_at <= now && q.answered_at.is_none_or(|a| a > now)
}

pub fn qna_row(q: &Inquiry) -> Value {
    json!({
        "postngId": q.inquiry_no.to_string(),
        "itemId": item_id(q.product),
        "itemNm": names::PRODUCTS[q.product].0,
        "ordNo": q.about_order.map(|n| n.to_string()),
        "postngTitleNm": "상품 문의",
        "postngCntt": names::QUESTIONS[q.question],
        "regDts": kst_compact(q.asked_at),
        "wrtpeId": format!("{}***", ["kim", "lee", "park"][(q.asker % 3) as usize]),
    })
}
