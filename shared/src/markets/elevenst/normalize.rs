//! 11st rows -> unified records, with the complete status tables.
//!
//! 11st has no change feed and documents one `ordPrdStat` code only (`202` 결제완료):
//! what a line's state is, is the list it was polled from (each list is one state, §3-§4).
//! The tables below are keyed by those lists; a line's raw status is the list's name, and
//! its own `ordPrdStat` stays in its raw record. Times are KST without an offset
//! (`yyyy-MM-dd HH:mm:ss`, sometimes `yyyyMMddHHmmss`): [`lenient::kst_time`] reads them.

use super::api;
use crate::markets::lenient;
use crate::markets::rows::{
    amounts_out_of_range, bad_field, krw_sum, opt_time, reject, time_field,
};
use crate::model::{
    Claim, ClaimType, Inquiry, InquiryChannel, Order, OrderItem, RawJson, Rejected, Settlement,
    Status, StatusCode,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// The order state lists (`/ordservices/{list}/{startTime}/{endTime}`) -> canonical.
pub const ORDER_LISTS: &[(&str, Status)] = &[
    ("standby", Status::PaymentWaiting), // 결제대기
    ("complete", Status::Paid),          // 결제완료 (발주확인할 내역)
    // 배송지 입력대기: a gift paid for, waiting for the receiver's address.
    ("delvplacestandby", Status::Paid),
    ("reservatecomplete", Status::Paid),      // 예약판매 결제완료
    ("packaging", Status::Preparing),         // 배송준비중 (발송처리할 내역)
    ("shipping", Status::Shipping),           // 배송중
    ("dlvcompleted", Status::Delivered),      // 배송완료
    ("completed", Status::PurchaseConfirmed), // 판매완료 (구매확정)
];

/// The claim lists (`/claimservice/{list}/{startTime}/{endTime}`) -> claim type and
/// canonical status; `None` = the claim was withdrawn and no longer applies.
pub const CLAIM_LISTS: &[(&str, ClaimType, Option<Status>)] = &[
    (
        "cancelorders",
        ClaimType::Cancel,
        Some(Status::CancelRequested),
    ), // 취소신청
    ("canceledorders", ClaimType::Cancel, Some(Status::Cancelled)), // 취소완료
    ("withdrawcanceledorders", ClaimType::Cancel, None),            // 취소철회완료
    (
        "officecancellist",
        ClaimType::Cancel,
        Some(Status::Cancelled),
    ), // 구매확정후 직권취소
    (
        "returnorders",
        ClaimType::Return,
        Some(Status::ReturnRequested),
    ), // 반품신청
    ("returnedorders", ClaimType::Return, Some(Status::Returned)),  // 반품완료
    ("retractretorders", ClaimType::Return, None),                  // 반품철회
    (
        "exchangeorders",
        ClaimType::Exchange,
        Some(Status::ExchangeRequested),
    ), // 교환신청
    (
        "exchangedorders",
        ClaimType::Exchange,
        Some(Status::Exchanged),
    ), // 교환완료
    ("retractexcorders", ClaimType::Exchange, None),                // 교환철회
];

pub fn order_status(list: &str) -> StatusCode {
    let canonical = ORDER_LISTS
        .iter()
        .find(|(l, _)| *l == list)
        .map_or(Status::Unknown, |(_, s)| *s);
    StatusCode::new(canonical, list)
}

/// A claim list's type and status; an unknown list is an unknown status of an unknown type
/// (reported as a cancel, the type every claim list can end in).
pub fn claim_status(list: &str) -> (ClaimType, Option<Status>) {
    CLAIM_LISTS
        .iter()
        .find(|(l, _, _)| *l == list)
        .map_or((ClaimType::Cancel, Some(Status::Unknown)), |(_, t, s)| {
            (*t, *s)
        })
}

/// How far along its life a line is in a list: when one line shows up in two lists (it
/// moved between two calls), the later state wins.
fn rank(list: &str) -> usize {
    ORDER_LISTS
        .iter()
        .position(|(l, _)| *l == list)
        .unwrap_or(usize::MAX)
}

/// A line read from one order state list: the list (its state), its endpoint and the row.
pub struct ListedLine {
    pub list: &'static str,
    pub endpoint: &'static str,
    pub row: api::OrderLine,
    pub raw: RawJson,
}

/// 상품주문 lines -> orders: lines of one `ordNo` are one order, each line one item (its
/// `ordPrdSeq`). A line listed twice keeps its later state; lines sharing a `dlvNo` pay
/// its delivery fee once.
pub fn orders(lines: Vec<ListedLine>) -> (Vec<Order>, Vec<Rejected>) {
    let mut rejected = Vec::new();
    // Per order, per line (ids as read, numeric ids in numeric order): the latest listing.
    let mut by_order: BTreeMap<(usize, String), BTreeMap<(usize, String), ListedLine>> =
        BTreeMap::new();
    for line in lines {
        let order = (line.row.ord_no.len(), line.row.ord_no.clone());
        let seq = (line.row.ord_prd_seq.len(), line.row.ord_prd_seq.clone());
        let entry = by_order.entry(order).or_default();
        match entry.get(&seq) {
            Some(kept) if rank(kept.list) >= rank(line.list) => {}
            _ => {
                entry.insert(seq, line);
            }
        }
    }
    let mut out = Vec::with_capacity(by_order.len());
    'orders: for ((_, ord_no), lines) in by_order {
        let mut items = Vec::with_capacity(lines.len());
        let mut raws = Vec::with_capacity(lines.len());
        // The deliveries (배송번호) whose fee is counted: once each.
        let mut deliveries: BTreeSet<String> = BTreeSet::new();
        let (mut shipping, mut total) = (0_i64, 0_i64);
        let mut ordered_at = None;
        let mut paid_at = None;
        for line in lines.into_values() {
            let (row, raw) = (&line.row, &line.raw);
            let key = format!("{}:{}", row.ord_no, row.ord_prd_seq);
            let times = time_field(line.endpoint, &key, "ordDt", &row.ord_dt, raw).and_then(|o| {
                opt_time(
                    line.endpoint,
                    &key,
                    "ordStlEndDt",
                    row.ord_stl_end_dt.as_deref(),
                    raw,
                )
                .map(|p| (o, p))
            });
            let (o, p) = match times {
                Ok(t) => t,
                Err(r) => {
                    // The order's lines are one record: one unreadable line rejects it.
                    rejected.push(r);
                    continue 'orders;
                }
            };
            let amount = match row.ord_amt {
                Some(a) => Some(a),
                None => row.sel_prc.checked_mul(i64::from(row.ord_qty)),
            };
            let delivery = row.dlv_no.clone().unwrap_or_else(|| key.clone());
            let fee = if deliveries.contains(&delivery) {
                0
            } else {
                row.dlv_cst
            };
            let sums =
                amount.and_then(|a| Some((shipping.checked_add(fee)?, krw_sum([total, a, fee])?)));
            let (Some(amount), Some((s, t))) = (amount, sums) else {
                let fields = "ordAmt, selPrc, ordQty, dlvCst";
                rejected.push(amounts_out_of_range(line.endpoint, &key, fields, raw));
                continue 'orders;
            };
            (shipping, total) = (s, t);
            deliveries.insert(delivery);
            ordered_at = Some(ordered_at.map_or(o, |t: DateTime<Utc>| t.min(o)));
            paid_at = paid_at.or(p);
            items.push(OrderItem {
                item_id: row.ord_prd_seq.clone(),
                product_id: row.prd_no.clone().unwrap_or_default(),
                product_name: row.prd_nm.clone().unwrap_or_default(),
                option_name: row.slct_prd_opt_nm.clone(),
                quantity: row.ord_qty,
                unit_price_krw: row.sel_prc,
                amount_krw: amount,
                status: order_status(line.list),
                status_changed_at: None,
            });
            raws.push(line.raw);
        }
        let Some(ordered_at) = ordered_at else {
            continue;
        };
        out.push(Order {
            order_id: ord_no,
            ordered_at,
            paid_at,
            total_krw: total,
            shipping_fee_krw: shipping,
            items,
            raw: if raws.len() == 1 {
                raws.pop().expect("one line")
            } else {
                RawJson::array(raws.iter())
            },
        });
    }
    (out, rejected)
}

/// One claim line. Its id is the claim's own (the request's sequence), the same in the
/// requested, completed and withdrawn lists, so one claim is one row that moves.
pub fn claim(
    list: &str,
    endpoint: &str,
    row: &api::ClaimLine,
    raw: &RawJson,
) -> Result<Claim, Rejected> {
    let (claim_type, status) = claim_status(list);
    let seq = row
        .clm_req_seq
        .as_deref()
        .or(row.ord_prd_cn_seq.as_deref())
        .unwrap_or(&row.ord_prd_seq);
    let key = format!("{}:{}:{seq}", row.ord_no, row.ord_prd_seq);
    let requested = row
        .req_dt
        .as_deref()
        .or(row.create_dt.as_deref())
        .ok_or_else(|| reject(endpoint, &key, "missing field at `reqDt`", raw))?;
    let requested_at = time_field(endpoint, &key, "reqDt", requested, raw)?;
    Ok(Claim {
        claim_id: format!(
            "{}-{}-{}-{seq}",
            claim_type.as_str(),
            row.ord_no,
            row.ord_prd_seq
        ),
        claim_type,
        order_id: row.ord_no.clone(),
        item_ids: vec![row.ord_prd_seq.clone()],
        status,
        raw_status: list.to_string(),
        requested_at,
        raw: raw.clone(),
    })
}

/// How far along a claim is in a list, for a claim read from two lists in one run.
pub fn claim_rank(list: &str) -> usize {
    match claim_status(list).1 {
        Some(Status::CancelRequested | Status::ReturnRequested | Status::ExchangeRequested) => 0,
        _ => 1,
    }
}

/// One settlement line per 상품주문 line: the sale, 11st's fee and what is paid out. The
/// delivery fee the buyer paid is paid out with it (part of `stlAmt`).
pub fn settlement(
    endpoint: &str,
    row: &api::SettlementLine,
    raw: &RawJson,
) -> Result<Settlement, Rejected> {
    let key = format!("{}:{}", row.ord_no, row.ord_prd_seq);
    let basis_date = lenient::kst_date(&row.pocnfrm_dt)
        .ok_or_else(|| bad_field(endpoint, &key, "pocnfrmDt", raw))?;
    let payout_date = match row.stl_dt.as_deref() {
        Some(s) => {
            Some(lenient::kst_date(s).ok_or_else(|| bad_field(endpoint, &key, "stlDt", raw))?)
        }
        None => None,
    };
    let amounts = (
        row.sel_amt.checked_add(row.dlv_cst),
        row.sel_fee.checked_abs(),
    );
    let (Some(sale_krw), Some(fee_krw)) = amounts else {
        let fields = "selAmt, dlvCst, selFee";
        return Err(amounts_out_of_range(endpoint, &key, fields, raw));
    };
    Ok(Settlement {
        settlement_id: key,
        order_id: Some(row.ord_no.clone()),
        item_id: Some(row.ord_prd_seq.clone()),
        line_type: "SALE".into(),
        basis_date,
        payout_date,
        sale_krw,
        fee_krw,
        settlement_krw: row.stl_amt,
        raw: raw.clone(),
    })
}

pub fn product_qna(
    endpoint: &str,
    row: &api::ProductQna,
    raw: &RawJson,
) -> Result<Inquiry, Rejected> {
    let key = row.brd_info_no.clone();
    let asked_at = time_field(endpoint, &key, "createDt", &row.create_dt, raw)?;
    let answered_at = opt_time(endpoint, &key, "answerDt", row.answer_dt.as_deref(), raw)?;
    Ok(Inquiry {
        inquiry_id: format!("qna-{}", row.brd_info_no),
        channel: InquiryChannel::Product,
        product_id: row.prd_no.clone(),
        order_id: None,
        title: row.brd_info_sbjct.clone(),
        content: row.brd_info_cont.clone(),
        asked_at,
        answered: row.answer_yn || row.answer_cont.is_some(),
        answered_at,
        answer: row.answer_cont.clone(),
        raw: raw.clone(),
    })
}

pub fn alimi(endpoint: &str, row: &api::Alimi, raw: &RawJson) -> Result<Inquiry, Rejected> {
    let key = row.emer_ntce_seq.clone();
    let asked_at = time_field(endpoint, &key, "regDt", &row.reg_dt, raw)?;
    let answered_at = opt_time(endpoint, &key, "answerDt", row.answer_dt.as_deref(), raw)?;
    Ok(Inquiry {
        inquiry_id: format!("alimi-{}", row.emer_ntce_seq),
        channel: InquiryChannel::CallCenter,
        product_id: row.prd_no.clone(),
        order_id: row.ord_no.clone(),
        title: row.emer_ctgr_nm.clone(),
        content: row.emer_ntce_cont.clone(),
        asked_at,
        answered: row.emer_ntce_crnt_cd.as_deref() == Some("02") || row.answer_cont.is_some(),
        answered_at,
        answer: row.answer_cont.clone(),
        raw: raw.clone(),
    })
}

pub fn non_delivery(
    endpoint: &str,
    row: &api::NonDelivery,
    raw: &RawJson,
) -> Result<Inquiry, Rejected> {
    let key = row.rpt_no.clone();
    let asked_at = time_field(endpoint, &key, "rptDt", &row.rpt_dt, raw)?;
    let answered_at = opt_time(endpoint, &key, "ansDt", row.ans_dt.as_deref(), raw)?;
    Ok(Inquiry {
        inquiry_id: format!("nondelivery-{}", row.rpt_no),
        channel: InquiryChannel::Order,
        product_id: row.prd_no.clone(),
        order_id: row.ord_no.clone(),
        title: Some("상품미도착 신고".into()),
        content: row.rpt_cont.clone(),
        asked_at,
        answered: row.ans_cont.is_some(),
        answered_at,
        answer: row.ans_cont.clone(),
        raw: raw.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Amounts each readable but past `i64` together: the order is rejected at that line
    /// (an order's lines are one record here), the others are kept, nothing wraps or panics.
    #[test]
    fn orders_whose_amounts_leave_i64_together_are_rejected() {
        let line = |ord: u32, seq: u32, amounts: &str| {
            let raw = RawJson::from_text(format!(
                r#"{{"ordNo":{ord},"ordPrdSeq":{seq},"ordDt":"2025-03-08 10:00:00","ordQty":2,{amounts}}}"#
            ))
            .unwrap();
            ListedLine {
                list: "complete",
                endpoint: "/t",
                row: crate::markets::rows::read(&raw).unwrap(),
                raw,
            }
        };
        let max = i64::MAX;
        let (orders, rejected) = orders(vec![
            line(1, 1, r#""selPrc":100,"dlvNo":7,"dlvCst":3000"#),
            // A second delivery: its fee would take the order's total past i64.
            line(1, 2, &format!(r#""selPrc":0,"dlvNo":8,"dlvCst":{max}"#)),
            // Price times quantity leaves the range.
            line(2, 1, &format!(r#""selPrc":"{max}""#)),
            line(3, 1, r#""selPrc":100,"dlvNo":9,"dlvCst":2500"#),
        ]);
        let keys: Vec<&str> = rejected.iter().map(|r| r.key.record_key.as_str()).collect();
        assert_eq!(keys, ["1:2", "2:1"]);
        assert!(rejected.iter().all(|r| r.reason.contains("out of range")));
        let kept: Vec<(&str, i64)> = orders
            .iter()
            .map(|o| (o.order_id.as_str(), o.total_krw))
            .collect();
        assert_eq!(kept, [("3", 200 + 2_500)]);

        let raw = RawJson::from_text(format!(
            r#"{{"ordNo":1,"ordPrdSeq":1,"pocnfrmDt":"2025-03-08","selAmt":1,"selFee":{},"stlAmt":0}}"#,
            i64::MIN
        ))
        .unwrap();
        let row: api::SettlementLine = crate::markets::rows::read(&raw).unwrap();
        let r = settlement("/s", &row, &raw).unwrap_err();
        assert!(r.reason.contains("out of range"), "{}", r.reason);
    }

    #[test]
    fn every_order_list_maps_to_its_state() {
        let want = [
            ("standby", Status::PaymentWaiting),
            ("complete", Status::Paid),
            ("delvplacestandby", Status::Paid),
            ("reservatecomplete", Status::Paid),
            ("packaging", Status::Preparing),
            ("shipping", Status::Shipping),
            ("dlvcompleted", Status::Delivered),
            ("completed", Status::PurchaseConfirmed),
        ];
        assert_eq!(want.len(), ORDER_LISTS.len());
        for (list, status) in want {
            let s = order_status(list);
            assert_eq!(s.canonical, status, "{list}");
            assert_eq!(s.raw, list);
        }
    }

    #[test]
    fn every_claim_list_maps_to_its_type_and_state() {
        let want = [
            (
                "cancelorders",
                ClaimType::Cancel,
                Some(Status::CancelRequested),
            ),
            ("canceledorders", ClaimType::Cancel, Some(Status::Cancelled)),
            ("withdrawcanceledorders", ClaimType::Cancel, None),
            (
                "officecancellist",
                ClaimType::Cancel,
                Some(Status::Cancelled),
            ),
            (
                "returnorders",
                ClaimType::Return,
                Some(Status::ReturnRequested),
            ),
            ("returnedorders", ClaimType::Return, Some(Status::Returned)),
            ("retractretorders", ClaimType::Return, None),
            (
                "exchangeorders",
                ClaimType::Exchange,
                Some(Status::ExchangeRequested),
            ),
            (
                "exchangedorders",
                ClaimType::Exchange,
                Some(Status::Exchanged),
            ),
            ("retractexcorders", ClaimType::Exchange, None),
        ];
        assert_eq!(want.len(), CLAIM_LISTS.len());
        for (list, t, s) in want {
            assert_eq!(claim_status(list), (t, s), "{list}");
        }
    }

    #[test]
    fn an_unknown_list_is_kept_raw_and_flagged() {
        let s = order_status("newstate");
        assert!(s.is_unknown());
        assert_eq!(s.raw, "newstate");
        assert_eq!(claim_status("newclaims").1, Some(Status::Unknown));
    }
}
