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

/// The claim order number (클레임 주문번호) SSG gives an order's claim; its rows point back
/// to the order as 원주문번호 (`orordNo`).
fn claim_order_no(o: &Order) -> String {
    format!("9{}", o.order_no)
}

/// The fields every claim row of line `i` shares: the claim order line and the original.
fn claim_line(o: &Order, i: usize) -> serde_json::Map<String, Value> {
    let it = &o.items[i];
    let (name, option, _) = names::PRODUCTS[it.product];
    let row = json!({
        "ordNo": claim_order_no(o),
        "ordItemSeq": (i + 1).to_string(),
        "orordNo": o.order_no.to_string(),
        "orordItemSeq": (i + 1).to_string(),
        "itemId": item_id(it.product),
        "itemNm": name,
        "uitemId": format!("{:05}", it.product + 1),
        "uitemNm": option,
    });
    match row {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object"),
    }
}

fn with(mut row: serde_json::Map<String, Value>, more: Value) -> Value {
    if let Value::Object(m) = more {
        row.extend(m);
    }
    Value::Object(row)
}

/// When the order's cancel was requested, if it is open (not yet approved) at `now`: the
/// 취소신청 listing holds open requests only.
pub fn open_cancel(o: &Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let requested = o.reached(Stage::CancelRequested, now)?;
    o.reached(Stage::Cancelled, now)
        .is_none()
        .then_some(requested)
}

pub fn cancel_request_rows(o: &Order, requested: DateTime<Utc>) -> Vec<Value> {
    (0..o.items.len())
        .map(|i| {
            with(
                claim_line(o, i),
                json!({
                    "clmDemndDts": kst_time(requested),
                    "procOrdQty": o.items[i].quantity,
                    "shppcstBdnMainCd": "10",
                    "clmRsnCd": "251",
                    "clmRsnCntt": "단순 변심",
                }),
            )
        })
        .collect()
}

/// When the order was cancelled (the request approved), if it is by `now`.
pub fn cancelled_at(o: &Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    o.reached(Stage::Cancelled, now)
}

pub fn cancelled_rows(o: &Order, at: DateTime<Utc>) -> Vec<Value> {
    (0..o.items.len())
        .map(|i| {
            with(
                claim_line(o, i),
                json!({
                    "ordpeNm": names::person(small(o.buyer)),
                    "ordRcpMediaCd": "10",
                    "ordRcpMediaNm": "PC",
                    "ordItemStatCd": "180",
                    "ordItemStatNm": "주문취소",
                    "clmRsnCd": "251",
                    "clmRsnNm": "단순취소",
                    "imptDivCd": "10",
                    "ordCnclDts": kst_time(at),
                    "cnclItemQty": o.items[i].quantity,
                    "dircItemQty": o.items[i].quantity,
                    "ordRcpDts": kst_time(o.ordered_at),
                }),
            )
        })
        .collect()
}

/// A return's or an exchange's pick-up (회수) at `now`.
pub struct Recovery {
    /// 배송구분상세: 21 반품회수, 22 교환회수.
    pub kind: &'static str,
    /// 회수지시일 (the claim's request), 회수확인일 (half-way to completion), 회수완료일.
    pub directed: DateTime<Utc>,
    pub confirmed: Option<DateTime<Utc>>,
    pub completed: Option<DateTime<Utc>>,
}

impl Recovery {
    /// 최종배송진행상태: 61 회수지시, 63 회수확인, 64 회수완료.
    pub fn progress(&self) -> &'static str {
        match (self.confirmed, self.completed) {
            (_, Some(_)) => "64",
            (Some(_), None) => "63",
            _ => "61",
        }
    }

    /// The day a `perdType` filters on: 01 회수지시일, 02 회수완료일, 04 회수확인일 (05
    /// 회수철회일: none, the simulated world withdraws no pick-up).
    pub fn day_of(&self, perd_type: &str) -> Option<NaiveDate> {
        match perd_type {
            "01" => Some(self.directed),
            "02" => self.completed,
            "04" => self.confirmed,
            _ => None,
        }
        .map(kst_date)
    }
}

pub fn recovery(o: &Order, now: DateTime<Utc>) -> Option<Recovery> {
    let (kind, asked, done) = [
        ("21", Stage::ReturnRequested, Stage::Returned),
        ("22", Stage::ExchangeRequested, Stage::Exchanged),
    ]
    .into_iter()
    .find(|(_, asked, _)| o.reached(*asked, now).is_some())?;
    let directed = o.reached(asked, now)?;
    // The planned completion, whether or not it has come: confirmation comes half-way.
    let planned = o.story.iter().find(|(s, _)| *s == done).map(|(_, at)| *at);
    let confirmed = planned
        .map(|p| directed + (p - directed) / 2)
        .filter(|c| *c <= now);
    Some(Recovery {
        kind,
        directed,
        confirmed,
        completed: o.reached(done, now),
    })
}

pub fn recovery_rows(o: &Order, r: &Recovery) -> Vec<Value> {
    let progress = r.progress();
    let (kind_name, reason) = if r.kind == "21" {
        ("반품회수", "사이즈가 맞지 않음")
    } else {
        ("교환회수", "다른 색상으로 교환")
    };
    let progress_name = match progress {
        "64" => "회수완료",
        "63" => "회수확인",
        _ => "회수지시",
    };
    let receiver = names::person(small(o.receiver));
    (0..o.items.len())
        .map(|i| {
            let it = &o.items[i];
            with(
                claim_line(o, i),
                json!({
                    "shppNo": format!("R{}", o.order_no),
                    "shppSeq": (i + 1).to_string(),
                    "shppDivDtlCd": r.kind,
                    "shppDivDtlNm": kind_name,
                    "lastShppProgStatDtlCd": progress,
                    "lastShppProgStatDtlNm": progress_name,
                    "shppStatCd": "10",
                    "shppStatNm": "정상",
                    "retProcStatNm": if r.kind == "21" && progress == "64" { Value::from("반품완료") } else { Value::Null },
                    "rcovDircDt": kst_time(r.directed),
                    "rcovCnfDt": r.confirmed.map(kst_time),
                    "rcovCmplDt": r.completed.map(kst_time),
                    "dircItemQty": it.quantity,
                    "procItemQty": if progress == "64" { it.quantity } else { 0 },
                    "sellprc": it.unit_price,
                    "clmRsnCd": if r.kind == "21" { "351" } else { "451" },
                    "clmRsnNm": reason,
                    "rcptpeNm": receiver,
                }),
            )
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
