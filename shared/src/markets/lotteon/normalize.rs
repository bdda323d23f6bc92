//! Lotte ON rows -> unified records, with the status tables.
//!
//! Lotte ON writes times as `yyyyMMddHHmmss` and dates as `yyyyMMdd`, KST (the
//! `X-Timezone: GMT+09:00` header asks for it); [`lenient::kst_time`] reads those and the
//! other spellings. Money is integer KRW.
//!
//! One step code (주문진행단계, `odPrgsStepCd`) runs through every listing: 11 출고지시,
//! 12 상품준비, 13 발송완료, 14 배송완료, 15 수취완료 on delivery lines; 21 취소완료,
//! 22 철회, 23 회수지시, 24 회수진행, 25 회수완료, 26 회수확정, 27 반품완료 on claim lines.
//! What a code means depends on the listing it comes from, so there is one table per
//! listing.

use super::api;
use crate::markets::lenient;
use crate::markets::rows::{add_to_order, amounts_out_of_range, bad_field, krw_sum, time_field};
use crate::model::{
    Claim, ClaimType, Order, OrderItem, RawJson, Rejected, Settlement, Status, StatusCode,
};
use std::collections::{BTreeMap, HashMap};

/// Delivery lines (209 `odTypCd 10` and 140): 주문진행단계 -> canonical.
pub const ORDER_STEP: &[(&str, Status)] = &[
    // 출고지시: paid, the delivery instruction issued, not yet acknowledged by the seller.
    ("11", Status::Paid),
    ("12", Status::Preparing),         // 상품준비 (after acknowledgement)
    ("13", Status::Shipping),          // 발송완료
    ("14", Status::Delivered),         // 배송완료
    ("15", Status::PurchaseConfirmed), // 수취완료: the buyer confirmed receipt
];

/// Lines of the cancel listing (apiNo 50). A pending request carries the step the line
/// was at when the buyer asked (11 or 12); `None` = the request no longer applies.
pub const CANCEL_STEP: &[(&str, Option<Status>)] = &[
    ("11", Some(Status::CancelRequested)), // requested at 출고지시
    ("12", Some(Status::CancelRequested)), // requested at 상품준비
    ("21", Some(Status::Cancelled)),       // 취소완료
    ("22", None),                          // 철회 (withdrawn or refused)
];

/// Lines of the return listing (apiNo 51).
pub const RETURN_STEP: &[(&str, Option<Status>)] = &[
    ("22", None),                          // 철회
    ("23", Some(Status::ReturnRequested)), // 회수지시
    ("24", Some(Status::ReturnRequested)), // 회수진행
    ("25", Some(Status::ReturnRequested)), // 회수완료 (picked up, not yet checked)
    ("26", Some(Status::ReturnRequested)), // 회수확정 (checked, refund pending)
    ("27", Some(Status::Returned)),        // 반품완료
];

/// Lines of the exchange listing (apiNo 69). An exchange has no step of its own once the
/// replacement ships: a line with a completion time (`clmCmptDttm`) is exchanged.
pub const EXCHANGE_STEP: &[(&str, Option<Status>)] = &[
    ("22", None),                            // 철회
    ("23", Some(Status::ExchangeRequested)), // 회수지시
    ("24", Some(Status::ExchangeRequested)), // 회수진행
    ("25", Some(Status::ExchangeRequested)), // 회수완료
    ("26", Some(Status::ExchangeRequested)), // 회수확정 (replacement not yet sent)
];

/// The claim listings, by kind: which table reads their lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimListing {
    Cancel,
    Return,
    Exchange,
}

impl ClaimListing {
    pub fn claim_type(self) -> ClaimType {
        match self {
            ClaimListing::Cancel => ClaimType::Cancel,
            ClaimListing::Return => ClaimType::Return,
            ClaimListing::Exchange => ClaimType::Exchange,
        }
    }

    fn table(self) -> &'static [(&'static str, Option<Status>)] {
        match self {
            ClaimListing::Cancel => CANCEL_STEP,
            ClaimListing::Return => RETURN_STEP,
            ClaimListing::Exchange => EXCHANGE_STEP,
        }
    }

    fn word(self) -> &'static str {
        match self {
            ClaimListing::Cancel => "CANCEL",
            ClaimListing::Return => "RETURN",
            ClaimListing::Exchange => "EXCHANGE",
        }
    }
}

fn lookup<T: Copy>(table: &[(&str, T)], code: &str) -> Option<T> {
    table.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

/// A delivery line's step; an unknown code is kept raw and flagged.
pub fn order_status(code: &str) -> StatusCode {
    StatusCode::new(lookup(ORDER_STEP, code).unwrap_or(Status::Unknown), code)
}

/// A claim line's status: `None` once the claim no longer applies; `Unknown` for a code
/// the listing's table does not know.
pub fn claim_status(listing: ClaimListing, code: &str, completed: bool) -> Option<Status> {
    if listing == ClaimListing::Exchange && completed && code != "22" {
        return Some(Status::Exchanged);
    }
    lookup(listing.table(), code).unwrap_or(Some(Status::Unknown))
}

/// The line key both delivery listings share.
fn line_key(od_no: &str, od_seq: &str) -> (String, String) {
    (od_no.to_string(), od_seq.to_string())
}

/// Delivery lines (209) and their current steps (140) -> orders. 209 lists one row per
/// order line; its step stays at 11 once the line is acknowledged, so a line's status is
/// its 140 step where 140 lists it, else its 209 step. Lines of one order merge into one
/// order; a line whose times do not read is rejected, the others are kept.
pub fn orders(
    endpoint: &str,
    lines: Vec<(api::DeliveryOrder, RawJson)>,
    progress: &[(api::ProgressState, RawJson)],
) -> (Vec<Order>, Vec<Rejected>) {
    let states: HashMap<(String, String), &(api::ProgressState, RawJson)> = progress
        .iter()
        .map(|p| (line_key(&p.0.od_no, &p.0.od_seq), p))
        .collect();
    type Merged = (Order, Vec<(String, RawJson)>);
    // Keyed by (length, id): numeric order numbers in numeric order.
    let mut by_order: BTreeMap<(usize, String), Merged> = BTreeMap::new();
    let mut rejected = Vec::new();
    for (line, raw) in lines {
        let key = format!("{}-{}", line.od_no, line.od_seq);
        let state = states.get(&line_key(&line.od_no, &line.od_seq));
        let times = time_field(endpoint, &key, "odAcptDttm", &line.od_acpt_dttm, &raw)
            .and_then(|ordered| match line.od_cmpt_dttm.as_deref() {
                Some(p) => {
                    time_field(endpoint, &key, "odCmptDttm", p, &raw).map(|p| (ordered, Some(p)))
                }
                None => Ok((ordered, None)),
            })
            .and_then(|(ordered, paid)| {
                match state.and_then(|s| s.0.dv_trc_stat_dttm.as_deref()) {
                    Some(at) => time_field(endpoint, &key, "dvTrcStatDttm", at, &raw)
                        .map(|at| (ordered, paid, Some(at))),
                    None => Ok((ordered, paid, None)),
                }
            });
        let (ordered_at, paid_at, changed_at) = match times {
            Ok(t) => t,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        // Checked before the line can open an order, so that no order is left empty.
        let Some(line_total) = line.sl_amt.checked_add(line.dv_cst) else {
            rejected.push(amounts_out_of_range(endpoint, &key, "slAmt, dvCst", &raw));
            continue;
        };
        let status = match state {
            Some(s) => order_status(&s.0.od_prgs_step_cd),
            None => order_status(&line.od_prgs_step_cd),
        };
        let item = OrderItem {
            item_id: line.od_seq.clone(),
            product_id: line.spd_no.clone().unwrap_or_default(),
            product_name: line.spd_nm.clone().unwrap_or_default(),
            option_name: line.sitm_nm.clone(),
            quantity: line.od_qty,
            unit_price_krw: line.sl_prc,
            amount_krw: line.sl_amt,
            status,
            status_changed_at: changed_at,
        };
        let entry = by_order
            .entry((line.od_no.len(), line.od_no.clone()))
            .or_insert_with(|| {
                (
                    Order {
                        order_id: line.od_no.clone(),
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
        // A line listed twice (two pages that moved under us) counts once; compared as
        // read, not as sent.
        if order.items.iter().any(|i| i.item_id == item.item_id) {
            continue;
        }
        if add_to_order(order, line.dv_cst, line_total).is_none() {
            rejected.push(amounts_out_of_range(endpoint, &key, "slAmt, dvCst", &raw));
            continue;
        }
        order.items.push(item);
        raws.push((line.od_seq.clone(), raw));
        if let Some((_, state_raw)) = state {
            raws.push((line.od_seq.clone(), state_raw.clone()));
        }
    }
    let orders = by_order
        .into_values()
        .map(|(mut o, mut raws)| {
            o.raw = if raws.len() == 1 {
                raws.pop().expect("one row").1
            } else {
                RawJson::array(raws.iter().map(|(_, r)| r))
            };
            o
        })
        .collect();
    (orders, rejected)
}

/// One claim row -> one claim per order line it covers (lines of one claim may stand at
/// different steps).
pub fn claims(
    endpoint: &str,
    listing: ClaimListing,
    row: &api::ClaimRow,
    raw: &RawJson,
) -> Result<Vec<Claim>, Rejected> {
    let key = row.clm_no.clone();
    let mut out = Vec::with_capacity(row.item_list.len());
    for item in &row.item_list {
        let requested = item
            .clm_req_dttm
            .as_deref()
            .or(row.clm_req_dttm.as_deref())
            .ok_or_else(|| bad_field(endpoint, &key, "clmReqDttm", raw))?;
        let requested_at = time_field(endpoint, &key, "clmReqDttm", requested, raw)?;
        if let Some(done) = item.clm_cmpt_dttm.as_deref() {
            time_field(endpoint, &key, "itemList.clmCmptDttm", done, raw)?;
        }
        let completed = item.clm_cmpt_dttm.is_some();
        let status = claim_status(listing, &item.od_prgs_step_cd, completed);
        let mut raw_status = format!("{}/{}", listing.word(), item.od_prgs_step_cd);
        if completed {
            raw_status.push_str("/DONE");
        }
        out.push(Claim {
            claim_id: format!(
                "{}-{}-{}",
                listing.word().to_ascii_lowercase(),
                row.clm_no,
                item.od_seq
            ),
            claim_type: listing.claim_type(),
            order_id: row.od_no.clone(),
            item_ids: vec![item.od_seq.clone()],
            status,
            raw_status,
            requested_at,
            raw: raw.clone(),
        });
    }
    Ok(out)
}

/// SettleItmdSales `odTypCd` -> the settlement line's type.
pub const SETTLE_TYPE: &[(&str, &str)] = &[
    ("10", "SALE"),
    ("20", "CANCEL"),
    ("30", "EXCHANGE"),
    ("40", "RETURN"),
];

/// One settlement line. Commissions add up to the fee; 지급대상금액 is what the seller gets.
pub fn settlement(
    endpoint: &str,
    row: &api::SettleRow,
    raw: &RawJson,
) -> Result<Settlement, Rejected> {
    let key = settle_key(row);
    let basis_date = lenient::kst_date(&row.se_std_dt)
        .ok_or_else(|| bad_field(endpoint, &key, "seStdDt", raw))?;
    let line_type = match row.od_typ_cd.as_deref() {
        None => "SALE".to_string(),
        Some(code) => lookup(SETTLE_TYPE, code)
            .map(str::to_string)
            .unwrap_or_else(|| format!("odTypCd/{code}")),
    };
    let commissions = [row.bse_cmsn, row.pcs_cmsn, row.dv_cmsn];
    let Some(fee_krw) = krw_sum(commissions).and_then(i64::checked_abs) else {
        let fields = "bseCmsn, pcsCmsn, dvCmsn";
        return Err(amounts_out_of_range(endpoint, &key, fields, raw));
    };
    Ok(Settlement {
        settlement_id: key,
        order_id: Some(row.od_no.clone()),
        item_id: row.od_seq.clone(),
        line_type,
        basis_date,
        payout_date: None,
        sale_krw: row.sl_amt,
        fee_krw,
        settlement_krw: row.pymt_amt,
        raw: raw.clone(),
    })
}

/// A settlement line's own key: the order line and its processing sequence (a claim on
/// the line is another sequence, another line).
pub fn settle_key(row: &api::SettleRow) -> String {
    format!(
        "{}:{}:{}",
        row.od_no,
        row.od_seq.as_deref().unwrap_or("-"),
        row.proc_seq.as_deref().unwrap_or("1")
    )
}
