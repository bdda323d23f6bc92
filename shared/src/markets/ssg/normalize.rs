//! SSG rows -> unified records, with the status tables.
//!
//! SSG lists orders by stage, one listing per stage, and a row carries no code that names
//! its stage: the listing it came from does. An order line's raw status is therefore
//! `<stage>/<배송상태코드>`, e.g. `WAREHOUSE_OUT/10`. A line found in several stage listings
//! of one collection (it moved while we read them, or SSG lists it in two) takes the stage
//! furthest along the flow, which is the latest: stages never move backwards (a cancel or
//! a return is a claim, not an earlier stage). Times without an offset are KST.

use super::api;
use crate::markets::lenient;
use crate::markets::rows::{add_to_order, amounts_out_of_range, bad_field, time_field};
use crate::model::{
    Claim, ClaimType, Inquiry, InquiryChannel, Order, OrderItem, RawJson, Rejected, Settlement,
    Status, StatusCode,
};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// The stage listings in flow order (later = further along), with their endpoint, the
/// request object their body wraps, the list and row names of their answer, the period
/// type they are asked with, and the canonical status of their rows.
pub struct Stage {
    pub code: &'static str,
    pub endpoint: &'static str,
    pub request: &'static str,
    pub list: &'static str,
    pub row: &'static str,
    /// `perdType`: listShppDirection `01` 주문완료일; the others `02` 결제완료일 (주문완료 is
    /// payment on SSG, so every listing files an order under the same day).
    pub perd_type: &'static str,
    pub status: Status,
}

pub static STAGES: [Stage; 4] = [
    Stage {
        code: "SHPP_DIRECTION", // 배송지시: paid, not yet confirmed by the seller
        endpoint: "/api/pd/1/listShppDirection.ssg",
        request: "requestShppDirection",
        list: "shppDirections",
        row: "shppDirection",
        perd_type: "01",
        status: Status::Paid,
    },
    Stage {
        code: "WAREHOUSE_OUT", // 출고대상: confirmed (피킹완료), waiting for release
        endpoint: "/api/pd/1/listWarehouseOut.ssg",
        request: "requestWarehouseOut",
        list: "warehouseOuts",
        row: "warehouseOut",
        perd_type: "02",
        status: Status::Preparing,
    },
    Stage {
        code: "NON_DELIVERY", // 미배송완료: released (출고완료), not delivered yet
        endpoint: "/api/pd/1/listNonDelivery.ssg",
        request: "requestNonDelivery",
        list: "nonDeliveries",
        row: "nonDelivery",
        perd_type: "02",
        status: Status::Shipping,
    },
    Stage {
        code: "DELIVERY_END", // 배송완료
        endpoint: "/api/pd/1/listDeliveryEnd.ssg",
        request: "requestDeliveryEnd",
        list: "deliveryEnds",
        row: "deliveryEnd",
        perd_type: "02",
        status: Status::Delivered,
    },
];

/// 배송상태코드 (`shppStatCd`): whether the line ships normally or is held; neither changes
/// the stage's canonical status. Any other code is kept raw and flagged unknown.
pub const SHPP_STAT: &[(&str, &str)] = &[
    ("10", "정상"),
    ("30", "대기"), // held (e.g. 예약판매, 재고 대기): still at its stage
];

/// 취소주문목록조회 `ordItemStatCd` -> canonical. (An open cancel request has no code: the
/// 취소신청 listing holds open requests only, so its rows are [`CANCEL_REQUESTED`].)
pub const CANCELLED_STATUS: &[(&str, Status)] = &[
    ("180", Status::Cancelled), // 주문취소
];

/// The raw status of a row of the open cancel requests.
pub const CANCEL_REQUESTED: &str = "CANCEL/REQUESTED";

/// The raw status of a request that left the open list without being cancelled: withdrawn
/// by the buyer or refused by the seller (SSG tells neither). It no longer applies.
pub const CANCEL_LEFT_OPEN_LIST: &str = "CANCEL/LEFT_OPEN_LIST";

/// 배송구분상세 (`shppDivDtlCd`) of a pick-up row -> the claim it serves. 23 AS회수 (a repair
/// pick-up) is neither: it is not asked for (`shppDivDtlCds` 21,22), and kept flagged
/// unknown if it arrives.
pub const RECOVERY_KIND: &[(&str, ClaimType)] = &[
    ("21", ClaimType::Return),   // 반품회수
    ("22", ClaimType::Exchange), // 교환회수
];

/// Where a pick-up stands, by its 최종배송진행상태 (`lastShppProgStatDtlCd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Asked for and under way (the claim is requested).
    Open,
    /// Picked up and closed: the return is refunded, the exchange's item is back.
    Done,
    /// Withdrawn by the buyer: the claim no longer applies.
    Withdrawn,
}

pub const RECOVERY_PROGRESS: &[(&str, Progress)] = &[
    ("61", Progress::Open), // 회수지시 (the claim's request creates the pick-up)
    ("62", Progress::Open), // 물류회수확인
    ("63", Progress::Open), // 회수확인 (the seller has the item; 64 follows in 3 days)
    ("64", Progress::Done), // 회수완료
    ("65", Progress::Open), // 회수완료보류
    ("66", Progress::Withdrawn), // 회수철회
];

fn lookup<T: Copy>(table: &[(&str, T)], code: &str) -> Option<T> {
    table.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

pub fn stage(code: &str) -> Option<&'static Stage> {
    STAGES.iter().find(|s| s.code == code)
}

/// The item status of a row of stage `stage` with `shppStatCd` `shpp_stat`.
pub fn item_status(stage_code: &str, shpp_stat: Option<&str>) -> StatusCode {
    let shpp = shpp_stat.unwrap_or("10");
    let raw = format!("{stage_code}/{shpp}");
    let status = match (stage(stage_code), lookup(SHPP_STAT, shpp)) {
        (Some(s), Some(_)) => s.status,
        _ => Status::Unknown,
    };
    StatusCode::new(status, raw)
}

/// The canonical status of a cancelled line's `ordItemStatCd`; an unknown code is kept
/// and flagged.
pub fn cancelled_status(code: &str) -> Status {
    lookup(CANCELLED_STATUS, code).unwrap_or(Status::Unknown)
}

/// A pick-up's claim type and status. A refused return (반품거부…) or a withdrawn pick-up
/// (66, or 회수철회 as the return's state) no longer applies (`None`); an unknown kind or
/// progress code is kept and flagged.
pub fn recovery_status(
    kind_code: &str,
    progress_code: &str,
    ret_proc: Option<&str>,
) -> (ClaimType, Option<Status>) {
    let Some(kind) = lookup(RECOVERY_KIND, kind_code) else {
        return (ClaimType::Return, Some(Status::Unknown));
    };
    let ret_proc = ret_proc.unwrap_or_default();
    if ret_proc.contains("반품거부") || ret_proc.contains("회수철회") {
        return (kind, None);
    }
    let status = match (lookup(RECOVERY_PROGRESS, progress_code), kind) {
        (None, _) => Some(Status::Unknown),
        (Some(Progress::Withdrawn), _) => None,
        (Some(Progress::Open), ClaimType::Exchange) => Some(Status::ExchangeRequested),
        (Some(Progress::Done), ClaimType::Exchange) => Some(Status::Exchanged),
        (Some(Progress::Open), _) => Some(Status::ReturnRequested),
        (Some(Progress::Done), _) => Some(Status::Returned),
    };
    (kind, status)
}

/// A stage row's own key: the order and its line.
pub fn line_key(row: &api::ShppRow) -> String {
    format!("{}-{}", row.ord_no, row.ord_item_seq)
}

/// Stage rows (each with its stage's index in [`STAGES`]) -> orders. One row per order
/// line and shipment; lines of one order merge into one order. A line listed by several
/// stages keeps the furthest stage (see the module docs); a row whose times do not read is
/// rejected, the others are kept.
pub fn orders(rows: Vec<(usize, api::ShppRow, RawJson)>) -> (Vec<Order>, Vec<Rejected>) {
    // Per line, keyed (numerically ordered) by order and line: the furthest stage's row.
    type LineKey = (usize, String, usize, String);
    let mut lines: BTreeMap<LineKey, (usize, api::ShppRow, RawJson)> = BTreeMap::new();
    for (stage_index, row, raw) in rows {
        let key = (
            row.ord_no.len(),
            row.ord_no.clone(),
            row.ord_item_seq.len(),
            row.ord_item_seq.clone(),
        );
        let further_seen = lines
            .get(&key)
            .is_some_and(|(seen, _, _)| *seen >= stage_index);
        if !further_seen {
            lines.insert(key, (stage_index, row, raw));
        }
    }
    // Per order: the order, its lines' rows, and the shipments whose fee it counts.
    type Merged = (Order, Vec<RawJson>, BTreeSet<String>);
    let mut by_order: BTreeMap<(usize, String), Merged> = BTreeMap::new();
    let mut rejected = Vec::new();
    for (stage_index, row, raw) in lines.into_values() {
        let stage = &STAGES[stage_index];
        let key = line_key(&row);
        let times =
            time_field(stage.endpoint, &key, "ordRcpDts", &row.ord_rcp_dts, &raw).and_then(|o| {
                match row.ord_cmpl_dts.as_deref() {
                    Some(p) => time_field(stage.endpoint, &key, "ordCmplDts", p, &raw)
                        .map(|p| (o, Some(p))),
                    None => Ok((o, None)),
                }
            });
        let (ordered_at, paid_at) = match times {
            Ok(t) => t,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        let quantity = row.ord_qty.checked_sub(row.cncl_item_qty).map(|q| q.max(0));
        let amount = match (row.rlord_amt, quantity) {
            (Some(a), _) => Some(a),
            (None, Some(q)) => row
                .sellprc
                .checked_mul(i64::from(q))
                .and_then(|a| a.checked_sub(row.dc_amt)),
            (None, None) => None,
        };
        // Checked before the line can open an order, so that no order is left empty.
        let line_total = amount.and_then(|a| a.checked_add(row.shppcst));
        let (Some(quantity), Some(amount), Some(_)) = (quantity, amount, line_total) else {
            let fields = "ordQty, cnclItemQty, sellprc, dcAmt, rlordAmt, shppcst";
            rejected.push(amounts_out_of_range(stage.endpoint, &key, fields, &raw));
            continue;
        };
        let item = OrderItem {
            item_id: row.ord_item_seq.clone(),
            product_id: row.item_id.clone().unwrap_or_default(),
            product_name: row.item_nm.clone().unwrap_or_default(),
            option_name: row.uitem_nm.clone(),
            quantity,
            unit_price_krw: row.sellprc,
            amount_krw: amount,
            status: item_status(stage.code, row.shpp_stat_cd.as_deref()),
            status_changed_at: None,
        };
        let entry = by_order
            .entry((row.ord_no.len(), row.ord_no.clone()))
            .or_insert_with(|| {
                (
                    Order {
                        order_id: row.ord_no.clone(),
                        ordered_at,
                        paid_at,
                        total_krw: 0,
                        shipping_fee_krw: 0,
                        items: Vec::new(),
                        raw: RawJson::default(),
                    },
                    Vec::new(),
                    BTreeSet::new(),
                )
            });
        let (order, raws, shipments) = entry;
        // The shipping fee belongs to the shipment (배송번호): once per shipment.
        let shipment = row.shpp_no.clone().unwrap_or_default();
        let fee = if shipments.contains(&shipment) {
            0
        } else {
            row.shppcst
        };
        let added = amount
            .checked_add(fee)
            .and_then(|line_total| add_to_order(order, fee, line_total));
        if added.is_none() {
            let fields = "rlordAmt, shppcst";
            rejected.push(amounts_out_of_range(stage.endpoint, &key, fields, &raw));
            continue;
        }
        order.items.push(item);
        shipments.insert(shipment);
        raws.push(raw);
    }
    let orders = by_order
        .into_values()
        .map(|(mut o, mut raws, _)| {
            o.raw = if raws.len() == 1 {
                raws.pop().expect("one line")
            } else {
                RawJson::array(raws.iter())
            };
            o
        })
        .collect();
    (orders, rejected)
}

/// The order and line a claim row concerns: the original's when given, else its own.
fn claimed_line(line: &api::ClaimLine) -> (String, String) {
    (
        line.orord_no.clone().unwrap_or_else(|| line.ord_no.clone()),
        line.orord_item_seq
            .clone()
            .unwrap_or_else(|| line.ord_item_seq.clone()),
    )
}

/// A cancel of one line, as either listing shows it: one id in both (its claim order line),
/// so that the history reads requested, then cancelled. `dated` names the time field that
/// dates it.
fn cancel(
    endpoint: &str,
    line: &api::ClaimLine,
    dated: (&str, &str),
    status: Status,
    raw_status: String,
    raw: &RawJson,
) -> Result<Claim, Rejected> {
    let id = format!("cancel-{}-{}", line.ord_no, line.ord_item_seq);
    let requested_at = time_field(endpoint, &id, dated.0, dated.1, raw)?;
    let (order_id, item) = claimed_line(line);
    Ok(Claim {
        claim_id: id,
        claim_type: ClaimType::Cancel,
        order_id,
        item_ids: vec![item],
        status: Some(status),
        raw_status,
        requested_at,
        raw: raw.clone(),
    })
}

/// An open cancel request.
pub fn cancel_request(
    endpoint: &str,
    row: &api::CancelRow,
    raw: &RawJson,
) -> Result<Claim, Rejected> {
    cancel(
        endpoint,
        &row.line,
        ("clmDemndDts", &row.clm_demnd_dts),
        Status::CancelRequested,
        CANCEL_REQUESTED.to_string(),
        raw,
    )
}

/// A cancelled line. Its listing gives no request time: the cancel time stands for it.
pub fn cancelled(
    endpoint: &str,
    row: &api::CancelledRow,
    raw: &RawJson,
) -> Result<Claim, Rejected> {
    cancel(
        endpoint,
        &row.line,
        ("ordCnclDts", &row.ord_cncl_dts),
        cancelled_status(&row.ord_item_stat_cd),
        format!("CANCEL/{}", row.ord_item_stat_cd),
        raw,
    )
}

/// A return or exchange pick-up. Requested at its 회수지시일, or, where that is missing, the
/// first later date it carries.
pub fn recovery(endpoint: &str, row: &api::RecoveryRow, raw: &RawJson) -> Result<Claim, Rejected> {
    let (claim_type, status) = recovery_status(
        &row.shpp_div_dtl_cd,
        &row.last_shpp_prog_stat_dtl_cd,
        row.ret_proc_stat_nm.as_deref(),
    );
    let id = format!(
        "{}-{}-{}",
        claim_type.as_str(),
        row.line.ord_no,
        row.line.ord_item_seq
    );
    let dated = [
        ("rcovDircDt", &row.rcov_dirc_dt),
        ("rcovCnfDt", &row.rcov_cnf_dt),
        ("rcovCmplDt", &row.rcov_cmpl_dt),
        ("rcovRvkDt", &row.rcov_rvk_dt),
    ];
    let (field, at) = dated
        .iter()
        .find_map(|(f, v)| v.as_deref().map(|v| (*f, v)))
        .ok_or_else(|| bad_field(endpoint, &id, "rcovDircDt", raw))?;
    let requested_at = time_field(endpoint, &id, field, at, raw)?;
    let (order_id, item) = claimed_line(&row.line);
    let mut raw_status = format!(
        "RCOV/{}/{}",
        row.shpp_div_dtl_cd, row.last_shpp_prog_stat_dtl_cd
    );
    if let Some(state) = &row.ret_proc_stat_nm {
        raw_status = format!("{raw_status}/{state}");
    }
    Ok(Claim {
        claim_id: id,
        claim_type,
        order_id,
        item_ids: vec![item],
        status,
        raw_status,
        requested_at,
        raw: raw.clone(),
    })
}

/// A settlement row's own key: its day as read (not as spelled), order, line and sign.
pub fn settle_key(day: NaiveDate, row: &api::SettleRow) -> String {
    format!(
        "{}:{}:{}:{}",
        day.format("%Y%m%d"),
        row.ord_no.as_deref().unwrap_or("-"),
        row.ord_item_seq.as_deref().unwrap_or("-"),
        if row.net_amt < 0 { "REFUND" } else { "SALE" }
    )
}

/// One 위수탁 마감 row -> one settlement line. A negative 순판매액 is a refund line.
pub fn settlement(
    endpoint: &str,
    row: &api::SettleRow,
    raw: &RawJson,
) -> Result<Settlement, Rejected> {
    let basis_date = lenient::kst_date(&row.critn_dt).ok_or_else(|| {
        let key = format!("{}:{}", row.critn_dt, row.ord_no.as_deref().unwrap_or("-"));
        bad_field(endpoint, &key, "critnDt", raw)
    })?;
    let refund = row.net_amt < 0;
    let Some(fee_krw) = row.sell_fee.checked_abs() else {
        let key = settle_key(basis_date, row);
        return Err(amounts_out_of_range(endpoint, &key, "sellFee", raw));
    };
    Ok(Settlement {
        settlement_id: settle_key(basis_date, row),
        order_id: row.ord_no.clone(),
        item_id: row.ord_item_seq.clone(),
        line_type: if refund { "REFUND" } else { "SALE" }.to_string(),
        basis_date,
        payout_date: None,
        sale_krw: row.net_amt,
        fee_krw,
        settlement_krw: row.settl_amt,
        raw: raw.clone(),
    })
}

/// An unanswered product Q&A. SSG lists only unanswered ones: `answered` is false here,
/// and the store marks it answered once a complete listing no longer shows it.
pub fn qna(endpoint: &str, row: &api::QnaRow, raw: &RawJson) -> Result<Inquiry, Rejected> {
    let asked_at = time_field(endpoint, &row.postng_id, "regDts", &row.reg_dts, raw)?;
    Ok(Inquiry {
        inquiry_id: format!("qna-{}", row.postng_id),
        channel: InquiryChannel::Product,
        product_id: row.item_id.clone(),
        order_id: row.ord_no.clone(),
        title: row.postng_title_nm.clone(),
        content: row.postng_cntt.clone(),
        asked_at,
        answered: false,
        answered_at: None,
        answer: None,
        raw: raw.clone(),
    })
}
