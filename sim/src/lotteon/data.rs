//! The seeded world as Lotte ON shows it at simulated time `now`: 출고지시 lines (209),
//! their steps after acknowledgement (140), the cancel / return / exchange listings and
//! SettleItmdSales lines, in Lotte ON's field names and `yyyyMMddHHmmss` KST times.

use crate::names;
use crate::world::{Order, SellerData, Stage};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00")
}

/// `yyyyMMddHHmmss`, KST: how Lotte ON writes times.
pub fn time(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst()).format("%Y%m%d%H%M%S").to_string()
}

pub fn kst_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&kst()).date_naive()
}

fn small(n: u64) -> u64 {
    n % 1_000_003
}

/// Lotte ON's order number: the world's (every simulator shows it as the order id).
pub fn od_no(o: &Order) -> String {
    o.order_no.to_string()
}

/// The world's order number back from an `odNo`.
pub fn order_no_of(od_no: &str) -> Option<u64> {
    od_no.trim().parse().ok()
}

/// When the delivery instruction (출고지시) was issued: at payment.
pub fn instructed_at(o: &Order) -> Option<DateTime<Utc>> {
    o.paid_at()
}

/// Whether 209 lists the order's lines at `now`: paid, and not cancelled (a completed
/// cancellation withdraws the instruction).
pub fn listed(o: &Order, now: DateTime<Utc>) -> bool {
    match o.stage_at(now) {
        None | Some((Stage::PaymentWaiting, _)) => false,
        Some(_) => o.reached(Stage::Cancelled, now).is_none(),
    }
}

/// Whether the line is acknowledged at `now`: the seller (elsewhere) moved it to 상품준비
/// (the story's Preparing), or apiNo 210 acknowledged it here.
pub fn acknowledged(o: &Order, now: DateTime<Utc>, acked: bool) -> bool {
    acked || o.reached(Stage::Preparing, now).is_some()
}

/// The line's 140 step and since when, once acknowledged; `None` before (140 does not
/// list it) or once cancelled.
pub fn progress_step(
    o: &Order,
    now: DateTime<Utc>,
    acked: bool,
) -> Option<(&'static str, DateTime<Utc>)> {
    if !listed(o, now) || !acknowledged(o, now, acked) {
        return None;
    }
    let at = |s: Stage| o.reached(s, now);
    let step = if let Some(t) = at(Stage::Confirmed) {
        ("15", t)
    } else if let Some(t) = at(Stage::Delivered) {
        // Returns and exchanges follow delivery: the delivery line stays delivered.
        ("14", t)
    } else if let Some(t) = at(Stage::Shipping) {
        ("13", t)
    } else if let Some(t) = at(Stage::Preparing) {
        ("12", t)
    } else {
        // Acknowledged through apiNo 210 before the story's own preparation.
        ("12", o.paid_at().unwrap_or(o.ordered_at))
    };
    Some(step)
}

fn product_no(p: usize) -> String {
    format!("LO{:010}", 1_200_000_000 + p as u64)
}

/// One 출고지시 line (209), `seq` from 1.
pub fn delivery_line(o: &Order, seq: usize, now: DateTime<Utc>, acked: bool) -> Value {
    let item = &o.items[seq - 1];
    let (name, option, _) = names::PRODUCTS[item.product];
    let (addr1, addr2, zip) = names::address(small(o.receiver));
    json!({
        "odNo": od_no(o),
        "odSeq": seq,
        "procSeq": 1,
        "orglProcSeq": 1,
        "clmNo": null,
        "odPrgsStepCd": "11",
        "dvRtrvDvsCd": "DV",
        "odTypCd": "10",
        "odTypDtlCd": "1010",
        "ifCplYN": if acknowledged(o, now, acked) { "Y" } else { "N" },
        "spdNo": product_no(item.product),
        "spdNm": name,
        "sitmNo": format!("{}_1", product_no(item.product)),
        "sitmNm": option,
        "odQty": item.quantity,
        "slPrc": item.unit_price,
        "slAmt": item.unit_price * i64::from(item.quantity),
        "dvCst": if seq == 1 { o.shipping_fee } else { 0 },
        "odAcptDttm": time(o.ordered_at),
        "odCmptDttm": o.paid_at().map(time),
        "dvpCustNm": names::person(small(o.receiver)),
        "dvpMphnNo": names::safe_number(small(o.receiver)),
        "dvpZipNo": zip,
        "dvpStnmZipAddr": addr1,
        "dvpStnmDtlAddr": addr2,
        "dvMsg": "부재 시 경비실에 맡겨주세요",
        "invcNo": null,
        "dvCoCd": null,
    })
}

/// One line's step after acknowledgement (140).
pub fn progress_line(
    o: &Order,
    seq: usize,
    step: &str,
    since: DateTime<Utc>,
    dispatched: bool,
) -> Value {
    let item = &o.items[seq - 1];
    json!({
        "odNo": od_no(o),
        "odSeq": seq,
        "procSeq": 1,
        "odPrgsStepCd": step,
        "dvRtrvDvsCd": "DV",
        "dvTrcStatDttm": time(since),
        "spdNo": product_no(item.product),
        "sitmNo": format!("{}_1", product_no(item.product)),
        "slQty": item.quantity,
        "dvCoCd": if dispatched { json!("0002") } else { Value::Null },
        "invcNoList": if dispatched {
            json!([{ "invcNo": format!("6{:011}", o.order_no % 100_000_000_000) }])
        } else {
            json!([])
        },
    })
}

/// The claim listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Claims {
    Cancel,
    Return,
    Exchange,
}

impl Claims {
    fn requested(self) -> Stage {
        match self {
            Claims::Cancel => Stage::CancelRequested,
            Claims::Return => Stage::ReturnRequested,
            Claims::Exchange => Stage::ExchangeRequested,
        }
    }

    fn completed(self) -> Stage {
        match self {
            Claims::Cancel => Stage::Cancelled,
            Claims::Return => Stage::Returned,
            Claims::Exchange => Stage::Exchanged,
        }
    }

    fn prefix(self) -> char {
        match self {
            Claims::Cancel => 'N',
            Claims::Return => 'R',
            Claims::Exchange => 'X',
        }
    }

    pub const ALL: [Claims; 3] = [Claims::Cancel, Claims::Return, Claims::Exchange];
}

/// When the order's claim of this listing was requested (fixed by its story; visible
/// once `now` has reached it).
pub fn claim_requested_at(o: &Order, listing: Claims) -> Option<DateTime<Utc>> {
    o.story
        .iter()
        .find(|(s, _)| *s == listing.requested())
        .map(|(_, t)| *t)
}

/// The claim's step at `now` and its completion time.
pub fn claim_step(
    o: &Order,
    listing: Claims,
    now: DateTime<Utc>,
    acked: bool,
) -> Option<(&'static str, Option<DateTime<Utc>>)> {
    let requested = o.reached(listing.requested(), now)?;
    let done = o.reached(listing.completed(), now);
    let step = match (listing, done) {
        (Claims::Cancel, Some(_)) => "21",
        (Claims::Cancel, None) if acknowledged(o, requested, acked) => "12",
        (Claims::Cancel, None) => "11",
        (Claims::Return, Some(_)) => "27",
        // An exchange keeps the retrieval's last step when the replacement ships.
        (Claims::Exchange, Some(_)) => "26",
        (_, None) => {
            let elapsed = now - requested;
            if elapsed < Duration::hours(6) {
                "23"
            } else if elapsed < Duration::hours(18) {
                "24"
            } else if elapsed < Duration::hours(24) {
                "25"
            } else {
                "26"
            }
        }
    };
    Some((step, done))
}

pub fn claim_row(o: &Order, listing: Claims, now: DateTime<Utc>, acked: bool) -> Option<Value> {
    let (step, done) = claim_step(o, listing, now, acked)?;
    let requested = o.reached(listing.requested(), now)?;
    let qty_field = match listing {
        Claims::Cancel => "cnclQty",
        Claims::Return => "rtngQty",
        Claims::Exchange => "xchgQty",
    };
    let (reason_code, reason) = match listing {
        Claims::Cancel => ("101", "단순변심"),
        Claims::Return => ("301", "사이즈가 맞지 않아요"),
        Claims::Exchange => ("201", "색상 교환을 원합니다"),
    };
    let items: Vec<Value> = o
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let (name, option, _) = names::PRODUCTS[i.product];
            let mut item = json!({
                "odSeq": n + 1,
                "procSeq": 2,
                "orglProcSeq": 1,
                "odPrgsStepCd": step,
                "spdNo": product_no(i.product),
                "spdNm": name,
                "sitmNm": option,
                "odQty": i.quantity,
                "itmSlPrc": i.unit_price,
                "clmRsnCd": reason_code,
                "clmRsnCnts": reason,
                "clmReqDttm": time(requested),
            });
            item[qty_field] = json!(i.quantity);
            if let Some(d) = done {
                item["clmCmptDttm"] = json!(time(d));
            }
            item
        })
        .collect();
    Some(json!({
        "odNo": od_no(o),
        "clmNo": format!("{}{}", listing.prefix(), o.order_no),
        "clmReqDttm": time(requested),
        "custNm": names::person(small(o.buyer)),
        "itemList": items,
    }))
}

/// 정산기준일: the purchase confirmation day, once confirmed.
pub fn settled_at(o: &Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    o.reached(Stage::Confirmed, now)
}

/// SettleItmdSales lines of a confirmed order: one per order line.
pub fn settle_rows(o: &Order, at: DateTime<Utc>) -> Vec<Value> {
    o.items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let (name, _, _) = names::PRODUCTS[i.product];
            let sale = i.unit_price * i64::from(i.quantity);
            let base_fee = sale * 10 / 100;
            let delivery = if n == 0 { o.shipping_fee } else { 0 };
            let delivery_fee = delivery * 3 / 100;
            json!({
                "odNo": od_no(o),
                "odSeq": n + 1,
                "procSeq": 1,
                "odTypCd": "10",
                "spdNo": product_no(i.product),
                "spdNm": name,
                "sitmNo": format!("{}_1", product_no(i.product)),
                "slQty": i.quantity,
                "slAmt": sale,
                "slrDcAmt": 0,
                "pdDcOcoAmt": 0,
                "pdDcSlrAmt": 0,
                "dvSeAmt": delivery,
                "bseCmsn": base_fee,
                "pcsCmsn": 0,
                "dvCmsn": delivery_fee,
                "ajstDcAmt": 0,
                "pymtAmt": sale + delivery - base_fee - delivery_fee,
                "seStdDt": kst_date(at).format("%Y%m%d").to_string(),
            })
        })
        .collect()
}

/// One seller's orders indexed by the KST day each listing files them under, so that a
/// day's query looks at that day's orders only.
#[derive(Debug, Default)]
pub struct Index {
    pub instructed: HashMap<NaiveDate, Vec<usize>>,
    pub claims: HashMap<(Claims, NaiveDate), Vec<usize>>,
    pub confirmed: HashMap<NaiveDate, Vec<usize>>,
}

impl Index {
    pub fn new(d: &SellerData) -> Self {
        let mut ix = Index::default();
        for (i, o) in d.orders.iter().enumerate() {
            if let Some(t) = instructed_at(o) {
                ix.instructed.entry(kst_date(t)).or_default().push(i);
            }
            for listing in Claims::ALL {
                if let Some(t) = claim_requested_at(o, listing) {
                    ix.claims.entry((listing, kst_date(t))).or_default().push(i);
                }
            }
            if let Some((_, t)) = o.story.iter().find(|(s, _)| *s == Stage::Confirmed) {
                ix.confirmed.entry(kst_date(*t)).or_default().push(i);
            }
        }
        ix
    }
}
