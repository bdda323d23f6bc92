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
use crate::markets::rows::{bad_field, time_field};
use crate::model::{
    Claim, ClaimType, Inquiry, InquiryChannel, Order, OrderItem, RawJson, Rejected, Settlement,
    Status, StatusCode,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;

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

/// 취소신청 목록 `clmStatCd` -> canonical; `None` = the claim no longer applies.
pub const CANCEL_STATUS: &[(&str, Option<Status>)] = &[
    ("10", Some(Status::CancelRequested)), // 취소신청
    ("20", Some(Status::Cancelled)),       // 취소완료 (승인)
    ("30", None),                          // 취소철회 (withdrawn by the buyer)
    ("40", None),                          // 취소거부 (refused: the order ships)
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

pub fn cancel_status(code: &str) -> Option<Status> {
    lookup(CANCEL_STATUS, code).unwrap_or(Some(Status::Unknown))
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
    type Merged = (Order, Vec<RawJson>, BTreeMap<String, i64>);
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
        let quantity = (row.ord_qty - row.cncl_item_qty).max(0);
        let amount = row
            .rlord_amt
            .unwrap_or(row.sellprc * i64::from(quantity) - row.dc_amt);
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
                    BTreeMap::new(),
                )
            });
        let (order, raws, fees) = entry;
        order.total_krw += amount;
        order.items.push(item);
        // The shipping fee belongs to the shipment (배송번호): once per shipment.
        let shipment = row.shpp_no.clone().unwrap_or_default();
        fees.entry(shipment).or_insert(row.shppcst);
        raws.push(raw);
    }
    let orders = by_order
        .into_values()
        .map(|(mut o, mut raws, fees)| {
            let fee: i64 = fees.values().sum();
            o.shipping_fee_krw = fee;
            o.total_krw += fee;
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

pub fn cancel_claim(
    endpoint: &str,
    row: &api::CancelRow,
    raw: &RawJson,
) -> Result<Claim, Rejected> {
    let requested_at = time_field(endpoint, &row.clm_no, "clmRcpDts", &row.clm_rcp_dts, raw)?;
    Ok(Claim {
        claim_id: format!("cancel-{}-{}", row.clm_no, row.ord_item_seq),
        claim_type: ClaimType::Cancel,
        order_id: row.ord_no.clone(),
        item_ids: vec![row.ord_item_seq.clone()],
        status: cancel_status(&row.clm_stat_cd),
        raw_status: format!("CANCEL/{}", row.clm_stat_cd),
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
    Ok(Settlement {
        settlement_id: settle_key(basis_date, row),
        order_id: row.ord_no.clone(),
        item_id: row.ord_item_seq.clone(),
        line_type: if refund { "REFUND" } else { "SALE" }.to_string(),
        basis_date,
        payout_date: None,
        sale_krw: row.net_amt,
        fee_krw: row.sell_fee.abs(),
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
