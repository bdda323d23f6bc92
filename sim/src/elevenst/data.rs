//! The seeded world as 11st shows it at simulated time `now`: the order state lists, the
//! claim lists (with requests that are withdrawn), settlement lines, 상품 Q&A, 긴급알리미 and
//! 상품미도착 신고, as JSON rows in 11st's field names (rendered to EUC-KR XML by the
//! module). Times are KST `yyyy-MM-dd HH:mm:ss`.
//!
//! Some product, option and receiver names carry characters EUC-KR cannot hold (emoji, a
//! CJK extension ideograph, Latin accents): on the wire they become character references,
//! as 11st's EUC-KR pages carry them.

use crate::names;
use crate::world::{Inquiry, Order, SellerData, Stage};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};

pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00")
}

/// `yyyy-MM-dd HH:mm:ss`, KST: how 11st writes times.
pub fn kst_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub fn kst_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&kst()).date_naive()
}

/// The order state lists this simulator fills, by the stage an order is at.
pub fn order_list(o: &Order, now: DateTime<Utc>) -> Option<&'static str> {
    let (stage, _) = o.stage_at(now)?;
    Some(match stage {
        Stage::PaymentWaiting => "standby",
        Stage::Paid => "complete",
        Stage::Preparing => "packaging",
        Stage::Shipping => "shipping",
        Stage::Delivered => "dlvcompleted",
        Stage::Confirmed => "completed",
        // Orders under a claim, or cancelled, returned or exchanged, are in the claim lists.
        _ => return None,
    })
}

/// The `ordPrdStat` code and name a state list's lines carry. Only `202` is documented;
/// the others follow 11st's numbering as third-party integrations show it.
fn ord_prd_stat(list: &str) -> (&'static str, &'static str) {
    match list {
        "standby" => ("102", "결제대기"),
        "complete" => ("202", "결제완료"),
        "packaging" => ("301", "배송준비중"),
        "shipping" => ("401", "배송중"),
        "dlvcompleted" => ("501", "배송완료"),
        _ => ("901", "구매확정"),
    }
}

/// Product names as this seller lists them on 11st: some with characters outside EUC-KR.
pub fn product_name(p: usize) -> String {
    let (name, _, _) = names::PRODUCTS[p];
    match p % 4 {
        0 => format!("{name} 🍎"),
        2 => format!("{name} [𠮷野家 콜라보]"),
        _ => name.to_string(),
    }
}

pub fn option_name(p: usize) -> String {
    let (_, option, _) = names::PRODUCTS[p];
    if p.is_multiple_of(3) {
        format!("{option} / café 에디션 ✨")
    } else {
        option.to_string()
    }
}

fn receiver_name(n: u64) -> String {
    let name = names::person(small(n));
    if n.is_multiple_of(5) {
        format!("{name}𠮷")
    } else {
        name
    }
}

fn small(n: u64) -> u64 {
    n % 1_000_003
}

pub fn prd_no(p: usize) -> u64 {
    3_000_000_000 + p as u64
}

/// 상품주문순번: an order's lines are numbered from 1.
pub fn seq(i: usize) -> u64 {
    i as u64 + 1
}

/// One line per item of `o`, as the state list `list` shows it.
pub fn order_lines(o: &Order, list: &str, now: DateTime<Utc>) -> Vec<Value> {
    let (stat, stat_name) = ord_prd_stat(list);
    let (addr1, addr2, post) = names::address(small(o.receiver));
    let at = |stage| o.reached(stage, now).map(kst_time);
    let dlv_no = o.order_no * 10 + 7;
    o.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let amount = item.unit_price * i64::from(item.quantity);
            let shipped = o.reached(Stage::Shipping, now);
            json!({
                "ordNo": o.order_no,
                "ordPrdSeq": seq(i),
                "ordDt": kst_time(o.ordered_at),
                "ordStlEndDt": at(Stage::Paid),
                "plcodrCnfDt": at(Stage::Preparing),
                "ordPrdStat": stat,
                "ordPrdStatNm": stat_name,
                "prdNo": prd_no(item.product),
                "prdNm": product_name(item.product),
                "slctPrdOptNm": option_name(item.product),
                "sellerPrdCd": format!("SKU-{:04}", item.product),
                "ordQty": item.quantity,
                "selPrc": item.unit_price,
                "ordAmt": amount,
                "ordPayAmt": amount + if i == 0 { o.shipping_fee } else { 0 },
                "dlvCst": o.shipping_fee,
                "bndlDlvSeq": dlv_no,
                "bndlDlvYN": if o.items.len() > 1 { "Y" } else { "N" },
                "dlvNo": dlv_no,
                "dlvCstType": "01",
                "invcNo": shipped.map(|_| format!("{}", 600_000_000_000u64 + o.order_no % 1_000_000_000)),
                "dlvEtprsCd": shipped.map(|_| "00034"),
                "sndEndDt": at(Stage::Shipping),
                "dlvEndDt": at(Stage::Delivered),
                "pocnfrmDt": at(Stage::Confirmed),
                "ordNm": names::person(small(o.buyer)),
                "memID": format!("{}***", ["kim", "lee", "park", "choi"][(o.buyer % 4) as usize]),
                "ordPrtblTel": names::safe_number(small(o.buyer)),
                "rcvrNm": receiver_name(o.receiver),
                "rcvrPrtblNo": names::safe_number(small(o.receiver)),
                "rcvrBaseAddr": addr1,
                "rcvrDtlsAddr": addr2,
                "rcvrMailNo": post,
                "ordDlvReqCont": "부재 시 문 앞에 놓아주세요",
                "stlPlnAmt": amount - amount * 12 / 100,
                "psnCscUniqNo": "",
            })
        })
        .collect()
}

/// A claim of an order: which kind, when requested, and when it completed or was withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimKind {
    Cancel,
    Return,
    Exchange,
}

#[derive(Debug, Clone, Copy)]
pub struct ClaimEpisode {
    pub kind: ClaimKind,
    pub requested: DateTime<Utc>,
    /// Completed (`Some(true)` at that time) or withdrawn (`Some(false)`), if it ended.
    pub ended: Option<(bool, DateTime<Utc>)>,
}

/// The claims of `o` that exist by `now`: the world's own cancels, returns and exchanges,
/// and, for some orders that went on normally, a request the buyer withdrew (before
/// preparation for a cancel, before confirmation for a return or exchange).
pub fn claims(o: &Order, now: DateTime<Utc>) -> Vec<ClaimEpisode> {
    let mut out = Vec::new();
    let story = |kind, requested: Stage, done: Stage| {
        o.reached(requested, now).map(|r| ClaimEpisode {
            kind,
            requested: r,
            ended: o.reached(done, now).map(|d| (true, d)),
        })
    };
    out.extend(story(
        ClaimKind::Cancel,
        Stage::CancelRequested,
        Stage::Cancelled,
    ));
    out.extend(story(
        ClaimKind::Return,
        Stage::ReturnRequested,
        Stage::Returned,
    ));
    out.extend(story(
        ClaimKind::Exchange,
        Stage::ExchangeRequested,
        Stage::Exchanged,
    ));
    let withdrawn = |kind, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>| {
        let (a, b) = (from?, to?);
        let requested = a + (b - a) / 3;
        let withdrawn = a + (b - a) * 2 / 3;
        (requested <= now).then_some(ClaimEpisode {
            kind,
            requested,
            ended: (withdrawn <= now).then_some((false, withdrawn)),
        })
    };
    // `story` holds each stage's start even in the future; only what has begun is listed.
    let begins = |stage| o.story.iter().find(|(s, _)| *s == stage).map(|(_, t)| *t);
    match o.order_no % 10 {
        5 => out.extend(withdrawn(
            ClaimKind::Cancel,
            begins(Stage::Paid),
            begins(Stage::Preparing),
        )),
        3 => out.extend(withdrawn(
            ClaimKind::Return,
            begins(Stage::Delivered),
            begins(Stage::Confirmed),
        )),
        7 => out.extend(withdrawn(
            ClaimKind::Exchange,
            begins(Stage::Delivered),
            begins(Stage::Confirmed),
        )),
        _ => {}
    }
    out
}

/// The claim list an episode is in at `now`.
pub fn claim_list(c: &ClaimEpisode) -> &'static str {
    match (c.kind, c.ended) {
        (ClaimKind::Cancel, None) => "cancelorders",
        (ClaimKind::Cancel, Some((true, _))) => "canceledorders",
        (ClaimKind::Cancel, Some((false, _))) => "withdrawcanceledorders",
        (ClaimKind::Return, None) => "returnorders",
        (ClaimKind::Return, Some((true, _))) => "returnedorders",
        (ClaimKind::Return, Some((false, _))) => "retractretorders",
        (ClaimKind::Exchange, None) => "exchangeorders",
        (ClaimKind::Exchange, Some((true, _))) => "exchangedorders",
        (ClaimKind::Exchange, Some((false, _))) => "retractexcorders",
    }
}

const REASONS: &[&str] = &["단순 변심", "상품 불량", "배송 지연", "옵션 잘못 선택"];

/// One line per item of a claim, in the claim lists' fields: the cancel lists number a
/// claim by `ordPrdCnSeq` with `ordCnQty`, the return and exchange lists by `clmReqSeq`.
pub fn claim_lines(o: &Order, c: &ClaimEpisode) -> Vec<Value> {
    let digit = match c.kind {
        ClaimKind::Cancel => 1,
        ClaimKind::Return => 2,
        ClaimKind::Exchange => 3,
    };
    let claim_seq = (o.order_no % 100_000_000) * 10 + digit;
    let reason = REASONS[(o.order_no % REASONS.len() as u64) as usize];
    o.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut row = json!({
                "ordNo": o.order_no,
                "ordPrdSeq": seq(i),
                "reqDt": kst_time(c.requested),
                "prdNo": prd_no(item.product),
                "prdNm": product_name(item.product),
                "optName": option_name(item.product),
                "ordQty": item.quantity,
            });
            let m = row.as_object_mut().expect("an object");
            if c.kind == ClaimKind::Cancel {
                m.insert("ordPrdCnSeq".into(), json!(claim_seq));
                m.insert("ordCnQty".into(), json!(item.quantity));
                m.insert("ordCnDtlsRsn".into(), json!(reason));
            } else {
                m.insert("clmReqSeq".into(), json!(claim_seq));
                m.insert("clmReqQty".into(), json!(item.quantity));
                m.insert("clmReqRsn".into(), json!(reason));
            }
            if let Some((done, at)) = c.ended {
                let field = if done { "clmCmplDt" } else { "clmWthdrDt" };
                m.insert(field.into(), json!(kst_time(at)));
            }
            row
        })
        .collect()
}

/// 11st's sales fee in this simulator: 12% of the sale.
pub fn fee(amount: i64) -> i64 {
    amount * 12 / 100
}

/// Settlement lines of a confirmed order: one per item, the delivery fee with the first.
pub fn settlement_lines(o: &Order, confirmed: DateTime<Utc>) -> Vec<Value> {
    let paid_out = kst_date(confirmed) + Duration::days(10);
    o.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let amount = item.unit_price * i64::from(item.quantity);
            let delivery = if i == 0 { o.shipping_fee } else { 0 };
            json!({
                "ordNo": o.order_no,
                "ordPrdSeq": seq(i),
                "prdNo": prd_no(item.product),
                "prdNm": product_name(item.product),
                "pocnfrmDt": kst_date(confirmed).format("%Y-%m-%d").to_string(),
                "stlDt": paid_out.format("%Y-%m-%d").to_string(),
                "selPrc": item.unit_price,
                "ordQty": item.quantity,
                "selAmt": amount,
                "selFee": fee(amount),
                "dlvCst": delivery,
                "stlAmt": amount - fee(amount) + delivery,
            })
        })
        .collect()
}

/// Which channel a world inquiry reaches the seller through on 11st.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// 상품 Q&A: questions on the product page.
    Qna,
    /// 긴급알리미: 11st's CS forwarding an order matter.
    Alimi,
    /// 상품미도착 신고: a buyer reporting an order not arrived.
    NonDelivery,
}

pub fn channel(q: &Inquiry) -> Channel {
    match q.about_order {
        None => Channel::Qna,
        Some(_) if q.inquiry_no.is_multiple_of(2) => Channel::Alimi,
        Some(_) => Channel::NonDelivery,
    }
}

pub fn answered(q: &Inquiry, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    q.answered_at.filter(|a| *a <= now)
}

pub fn qna_row(q: &Inquiry, now: DateTime<Utc>) -> Value {
    let answer = answered(q, now);
    json!({
        "brdInfoNo": q.inquiry_no,
        "prdNo": prd_no(q.product),
        "prdNm": product_name(q.product),
        "brdInfoSbjct": "상품 문의",
        "brdInfoCont": names::QUESTIONS[q.question],
        "createDt": kst_time(q.asked_at),
        "memID": format!("{}***", ["kim", "lee", "park"][(q.asker % 3) as usize]),
        "answerYn": if answer.is_some() { "Y" } else { "N" },
        "answerCont": answer.map(|_| names::ANSWERS[q.answer]),
        "answerDt": answer.map(kst_time),
    })
}

pub fn alimi_row(q: &Inquiry, now: DateTime<Utc>) -> Value {
    let answer = answered(q, now);
    json!({
        "emerNtceSeq": q.inquiry_no,
        "ordNo": q.about_order,
        "prdNo": prd_no(q.product),
        "emerCtgrNm": "배송 문의",
        "emerNtceCont": names::QUESTIONS[q.question],
        "regDt": kst_time(q.asked_at),
        "emerNtceCrntCd": if answer.is_some() { "02" } else { "01" },
        "answerCont": answer.map(|_| names::ANSWERS[q.answer]),
        "answerDt": answer.map(kst_time),
    })
}

pub fn non_delivery_row(q: &Inquiry, d: &SellerData, now: DateTime<Utc>) -> Value {
    let answer = answered(q, now);
    let product = q
        .about_order
        .and_then(|no| d.orders.iter().find(|o| o.order_no == no))
        .and_then(|o| o.items.first())
        .map_or(q.product, |i| i.product);
    json!({
        "rptNo": q.inquiry_no,
        "ordNo": q.about_order,
        "ordPrdSeq": 1,
        "prdNo": prd_no(product),
        "rptCont": "상품을 아직 받지 못했습니다.",
        "rptDt": kst_time(q.asked_at),
        "ansCont": answer.map(|_| names::ANSWERS[q.answer]),
        "ansDt": answer.map(kst_time),
    })
}
