//! ESM rows -> unified records, with the complete status tables.
//!
//! ESM times carry no offset (KST): `YYYY-MM-DD hh:mm:ss`, `YYYY-MM-DDThh:mm:ss` or
//! `YYYY-MM-DD hh:mm`; dates `YYYY-MM-DD`. [`lenient::kst_time`] reads them all.

use super::api;
use crate::markets::lenient;
use crate::markets::rows::{
    add_to_order, amounts_out_of_range, as_refund, bad_field, opt_time, time_field,
};
use crate::model::{
    Claim, ClaimType, Inquiry, InquiryChannel, Order, OrderItem, RawJson, Rejected, Settlement,
    Status, StatusCode,
};
use std::collections::BTreeMap;

/// `RequestOrders` `orderStatus` (esm.md §5) -> canonical. The raw code stored is
/// `RequestOrders.<n>`; `PreRequestOrders` rows are [`PRE_REQUEST`].
pub const ORDER_STATUS: &[(&str, Status)] = &[
    ("RequestOrders.1", Status::Paid), // 결제완료 / 신규주문 (주문확인 전)
    ("RequestOrders.2", Status::Preparing), // 배송준비중 (주문확인 건)
    ("RequestOrders.3", Status::Shipping), // 배송중
    ("RequestOrders.4", Status::Delivered), // 배송완료
    ("RequestOrders.5", Status::PurchaseConfirmed), // 구매결정완료
    (PRE_REQUEST, Status::PaymentWaiting), // 입금확인중 (무통장 입금 대기)
];

/// The raw status of every `PreRequestOrders` row.
pub const PRE_REQUEST: &str = "PreRequestOrders";

/// Cancels `CancelStatus` -> canonical; `None`: the claim no longer applies. The numbers
/// are not in the facts file: [ASSUMED] from the claim family's shape (README notes).
pub const CANCEL_STATUS: &[(&str, Option<Status>)] = &[
    ("1", Some(Status::CancelRequested)), // 취소요청
    ("2", Some(Status::CancelRequested)), // 취소처리중
    ("3", Some(Status::Cancelled)),       // 취소완료
    ("4", None),                          // 취소철회
];

/// Returns `ReturnStatus` (esm.md §6) -> canonical.
pub const RETURN_STATUS: &[(&str, Option<Status>)] = &[
    ("1", Some(Status::ReturnRequested)), // 반품요청
    ("2", Some(Status::ReturnRequested)), // 반품수거완료
    ("3", Some(Status::ReturnRequested)), // 반품환불보류
    ("4", Some(Status::Returned)),        // 반품환불완료
    ("5", None),                          // 반품철회
    ("6", Some(Status::Returned)),        // 이베이 직권환불
];

/// Exchanges `ExchangeStatus` -> canonical ([ASSUMED] numbering, README notes).
pub const EXCHANGE_STATUS: &[(&str, Option<Status>)] = &[
    ("1", Some(Status::ExchangeRequested)), // 교환요청
    ("2", Some(Status::ExchangeRequested)), // 교환수거완료
    ("3", Some(Status::ExchangeRequested)), // 교환재발송
    ("4", Some(Status::Exchanged)),         // 교환완료
    ("5", None),                            // 교환철회
];

fn lookup<T: Copy>(table: &[(&str, T)], code: &str) -> Option<T> {
    table.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

/// `RequestOrders.<n>` for a listing's status, or [`PRE_REQUEST`].
pub fn order_status(raw: &str) -> StatusCode {
    StatusCode::new(lookup(ORDER_STATUS, raw).unwrap_or(Status::Unknown), raw)
}

pub fn claim_status(claim: ClaimType, code: &str) -> Option<Status> {
    let table = match claim {
        ClaimType::Cancel => CANCEL_STATUS,
        ClaimType::Return => RETURN_STATUS,
        ClaimType::Exchange => EXCHANGE_STATUS,
    };
    lookup(table, code).unwrap_or(Some(Status::Unknown))
}

/// The listing of a claim type, as its raw status prefix and endpoint name.
pub fn claim_listing(claim: ClaimType) -> &'static str {
    match claim {
        ClaimType::Cancel => "Cancels",
        ClaimType::Return => "Returns",
        ClaimType::Exchange => "Exchanges",
    }
}

/// An order line as read from one listing: its raw status (`RequestOrders.<n>` or
/// [`PRE_REQUEST`]), the row and its JSON.
pub struct Line {
    pub status: String,
    pub endpoint: &'static str,
    pub row: api::OrderRow,
    pub raw: RawJson,
}

/// How far along a raw status is: a line read twice at a status boundary keeps the later.
fn progress(status: &str) -> u8 {
    status
        .strip_prefix("RequestOrders.")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Order lines -> orders, one per cart (`PayNo`), its lines as items (`OrderNo`). A line
/// listed twice (its status moved between two listings' calls) is kept once, at its later
/// status. A line whose times do not read is rejected; the others are kept.
pub fn orders(lines: Vec<Line>) -> (Vec<Order>, Vec<Rejected>) {
    let mut best: BTreeMap<String, Line> = BTreeMap::new();
    for line in lines {
        match best.get(&line.row.order_no) {
            Some(kept) if progress(&kept.status) >= progress(&line.status) => {}
            _ => {
                best.insert(line.row.order_no.clone(), line);
            }
        }
    }
    type Cart = (Order, Vec<RawJson>);
    // Keyed by (length, id): numeric ids in numeric order.
    let mut carts: BTreeMap<(usize, String), Cart> = BTreeMap::new();
    let mut rejected = Vec::new();
    for line in best.into_values() {
        let Line {
            status,
            endpoint,
            row,
            raw,
        } = line;
        let key = row.order_no.as_str();
        let times = time_field(endpoint, key, "OrderDate", &row.order_date, &raw).and_then(|o| {
            opt_time(endpoint, key, "PayDate", row.pay_date.as_deref(), &raw).map(|p| (o, p))
        });
        let (ordered_at, paid_at) = match times {
            Ok(t) => t,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        let amount = match row.order_amount {
            Some(a) => Some(a),
            None => row.sale_price.checked_mul(i64::from(row.contr_amount)),
        };
        let line_total = amount.and_then(|a| a.checked_add(row.delivery_fee));
        let (Some(amount), Some(line_total)) = (amount, line_total) else {
            let fields = "OrderAmount, SalePrice, ContrAmount, DeliveryFee";
            rejected.push(amounts_out_of_range(endpoint, key, fields, &raw));
            continue;
        };
        let item = OrderItem {
            item_id: row.order_no.clone(),
            product_id: row.site_goods_no.clone().unwrap_or_default(),
            product_name: row.goods_name.clone().unwrap_or_default(),
            option_name: row.option_name.clone(),
            quantity: row.contr_amount,
            unit_price_krw: row.sale_price,
            amount_krw: amount,
            status: order_status(&status),
            status_changed_at: None,
        };
        let (order, raws) = carts
            .entry((row.pay_no.len(), row.pay_no.clone()))
            .or_insert_with(|| {
                (
                    Order {
                        order_id: row.pay_no.clone(),
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
        // A new cart starts at 0, so only a merge with earlier lines can leave the range.
        if add_to_order(order, row.delivery_fee, line_total).is_none() {
            let fields = "OrderAmount, DeliveryFee";
            rejected.push(amounts_out_of_range(endpoint, key, fields, &raw));
            continue;
        }
        order.ordered_at = order.ordered_at.min(ordered_at);
        order.paid_at = order.paid_at.or(paid_at);
        order.items.push(item);
        raws.push(raw);
    }
    let orders = carts
        .into_values()
        .map(|(mut o, mut raws)| {
            o.items
                .sort_by(|a, b| (a.item_id.len(), &a.item_id).cmp(&(b.item_id.len(), &b.item_id)));
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

pub fn claim(
    endpoint: &str,
    kind: ClaimType,
    row: &api::ClaimRow,
    raw: &RawJson,
) -> Result<Claim, Rejected> {
    let requested_at = time_field(
        endpoint,
        &row.order_no,
        "RequestDate",
        &row.request_date,
        raw,
    )?;
    Ok(Claim {
        claim_id: format!("{}-{}", kind.as_str(), row.order_no),
        claim_type: kind,
        order_id: row.pay_no.clone(),
        item_ids: vec![row.order_no.clone()],
        status: claim_status(kind, &row.status),
        raw_status: format!("{}.{}", claim_listing(kind), row.status),
        requested_at,
        raw: raw.clone(),
    })
}

/// A getsettleorder row -> one settlement line. ESM writes refunds with every amount's
/// sign turned; our schema keeps fees positive and the sale and the seller's amount
/// negative for refunds, whatever sign the row used.
pub fn settlement(
    endpoint: &str,
    row: &api::SettleRow,
    raw: &RawJson,
) -> Result<Settlement, Rejected> {
    let refund = row.refund_date.is_some() || row.sell_price < 0 || row.settle_price < 0;
    let line_type = if refund { "REFUND" } else { "SALE" };
    let key = format!("{}:{line_type}", row.contr_no);
    let basis = if refund {
        ("RefundDate", row.refund_date.as_deref())
    } else {
        (
            "DeliveryCompleteDate",
            row.delivery_complete_date.as_deref(),
        )
    };
    let basis_date = basis
        .1
        .and_then(lenient::kst_date)
        .ok_or_else(|| bad_field(endpoint, &key, basis.0, raw))?;
    let payout = row.remit_date.as_deref().map(|d| ("RemitDate", d)).or(row
        .settle_expect_date
        .as_deref()
        .map(|d| ("SettleExpectDate", d)));
    let payout_date = match payout {
        Some((field, d)) => {
            Some(lenient::kst_date(d).ok_or_else(|| bad_field(endpoint, &key, field, raw))?)
        }
        None => None,
    };
    let signed = |v: i64| if refund { as_refund(v) } else { Some(v) };
    let amounts = (
        signed(row.sell_price),
        row.service_fee.checked_abs(),
        signed(row.settle_price),
    );
    let (Some(sale_krw), Some(fee_krw), Some(settlement_krw)) = amounts else {
        let fields = "SellPrice, ServiceFee, SettlePrice";
        return Err(amounts_out_of_range(endpoint, &key, fields, raw));
    };
    Ok(Settlement {
        settlement_id: key,
        order_id: row.pack_no.clone(),
        item_id: Some(row.contr_no.clone()),
        line_type: line_type.to_string(),
        basis_date,
        payout_date,
        sale_krw,
        fee_krw,
        settlement_krw,
        raw: raw.clone(),
    })
}

/// The board's `qnaType` in our inquiry ids: `board1` (옥션 게시판), `board2` (옥션 쪽지),
/// `board3` (G마켓 게시판).
pub fn board_inquiry(
    endpoint: &str,
    qna_type: u8,
    row: &api::BoardRow,
    raw: &RawJson,
) -> Result<Inquiry, Rejected> {
    let key = row.message_no.as_str();
    let asked_at = time_field(endpoint, key, "RegDate", &row.reg_date, raw)?;
    let answered_at = opt_time(endpoint, key, "AnswerDate", row.answer_date.as_deref(), raw)?;
    let answer = row.answer_comments.clone().filter(|a| !a.trim().is_empty());
    // 3 처리완료; an answer text alone also says so.
    let answered = row.inform_status.as_deref() == Some("3") || answer.is_some();
    Ok(Inquiry {
        inquiry_id: format!("board{qna_type}-{}", row.message_no),
        channel: if row.order_no.is_some() {
            InquiryChannel::Order
        } else {
            InquiryChannel::Product
        },
        product_id: row.goods_no.clone(),
        order_id: row.order_no.clone(),
        title: row.title.clone(),
        content: row.comments.clone(),
        asked_at,
        answered,
        answered_at: answered_at.filter(|_| answered),
        answer,
        raw: raw.clone(),
    })
}

/// 긴급알리미: the marketplace's call center forwarding an urgent request.
pub fn notice_inquiry(
    endpoint: &str,
    row: &api::NoticeRow,
    raw: &RawJson,
) -> Result<Inquiry, Rejected> {
    let key = row.inform_no.as_str();
    let asked_at = time_field(endpoint, key, "RegDate", &row.reg_date, raw)?;
    let answered_at = opt_time(endpoint, key, "ReplyDate", row.reply_date.as_deref(), raw)?;
    let answer = row.reply_contents.clone().filter(|a| !a.trim().is_empty());
    Ok(Inquiry {
        inquiry_id: format!("notice-{}", row.inform_no),
        channel: InquiryChannel::CallCenter,
        product_id: None,
        order_id: row.order_no.clone(),
        title: row.title.clone(),
        content: row.contents.clone(),
        asked_at,
        answered: answer.is_some(),
        answered_at: answered_at.filter(|_| answer.is_some()),
        answer,
        raw: raw.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_status_maps_and_an_unknown_one_is_kept_raw() {
        for n in 1..=5 {
            let raw = format!("RequestOrders.{n}");
            let s = order_status(&raw);
            assert!(!s.is_unknown(), "{raw}");
            assert_eq!(s.raw, raw);
        }
        assert_eq!(order_status("RequestOrders.1").canonical, Status::Paid);
        assert_eq!(order_status("RequestOrders.2").canonical, Status::Preparing);
        assert_eq!(order_status("RequestOrders.3").canonical, Status::Shipping);
        assert_eq!(order_status("RequestOrders.4").canonical, Status::Delivered);
        assert_eq!(
            order_status("RequestOrders.5").canonical,
            Status::PurchaseConfirmed
        );
        assert_eq!(order_status(PRE_REQUEST).canonical, Status::PaymentWaiting);
        let odd = order_status("RequestOrders.9");
        assert!(odd.is_unknown());
        assert_eq!(odd.raw, "RequestOrders.9");
    }

    #[test]
    fn every_claim_status_maps_per_listing() {
        let cases = [
            (ClaimType::Cancel, "1", Some(Status::CancelRequested)),
            (ClaimType::Cancel, "2", Some(Status::CancelRequested)),
            (ClaimType::Cancel, "3", Some(Status::Cancelled)),
            (ClaimType::Cancel, "4", None),
            (ClaimType::Return, "1", Some(Status::ReturnRequested)),
            (ClaimType::Return, "2", Some(Status::ReturnRequested)),
            (ClaimType::Return, "3", Some(Status::ReturnRequested)),
            (ClaimType::Return, "4", Some(Status::Returned)),
            (ClaimType::Return, "5", None),
            (ClaimType::Return, "6", Some(Status::Returned)),
            (ClaimType::Exchange, "1", Some(Status::ExchangeRequested)),
            (ClaimType::Exchange, "2", Some(Status::ExchangeRequested)),
            (ClaimType::Exchange, "3", Some(Status::ExchangeRequested)),
            (ClaimType::Exchange, "4", Some(Status::Exchanged)),
            (ClaimType::Exchange, "5", None),
        ];
        for (kind, code, want) in cases {
            assert_eq!(claim_status(kind, code), want, "{kind:?} {code}");
        }
        assert_eq!(
            CANCEL_STATUS.len() + RETURN_STATUS.len() + EXCHANGE_STATUS.len(),
            cases.len()
        );
        for kind in [ClaimType::Cancel, ClaimType::Return, ClaimType::Exchange] {
            assert_eq!(claim_status(kind, "77"), Some(Status::Unknown));
        }
    }
}
