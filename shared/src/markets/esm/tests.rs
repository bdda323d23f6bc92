//! The connector's reading of recorded-shape pages and of ESM's answers.

use super::*;
use crate::error::{ErrorKind, parse_json};
use crate::model::Status;
use bytes::Bytes;

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status: reqwest::StatusCode::from_u16(status).unwrap(),
        headers: Default::default(),
        body: Bytes::from(body.to_string()),
    }
}

fn verdict(status: u16, body: &str) -> Verdict {
    judge(Market::Gmarket, EP_ORDERS, &reply(status, body))
}

#[test]
fn result_code_0_and_success_are_done_3000_is_a_throttle() {
    assert!(matches!(
        verdict(200, r#"{"ResultCode":0,"Message":"성공","data":null}"#),
        Verdict::Done
    ));
    assert!(matches!(
        verdict(200, r#"{"ResultCode":"success","Message":"","Data":[]}"#),
        Verdict::Done
    ));
    assert!(matches!(
        verdict(200, r#"{"resultCode":0,"message":"ok","data":[]}"#),
        Verdict::Done
    ));
    assert!(matches!(
        verdict(
            200,
            r#"{"ResultCode":3000,"Message":"호출 제한을 초과하였습니다.","data":null}"#
        ),
        Verdict::Throttled { retry_after: None }
    ));
    assert!(matches!(
        verdict(200, r#"{"ResultCode":"3000","Message":""}"#),
        Verdict::Throttled { .. }
    ));
}

#[test]
fn other_result_codes_are_refusals_with_esms_message() {
    match verdict(
        200,
        r#"{"ResultCode":2000,"Message":"조회 기간은 최대 31일입니다.","data":null}"#,
    ) {
        Verdict::Fail(e) => {
            assert_eq!(e.kind(), ErrorKind::Rejected);
            assert!(
                e.to_string().contains("ResultCode 2000") && e.to_string().contains("31일"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    // 3000 about a parameter ESM could not convert (etapi.gmarket.com/73) is no throttle.
    match verdict(
        200,
        r#"{"ResultCode":3000,"Message":"매개 변수 값을 Int64에서 Int32(으)로 변환하지 못했습니다.","Data":null}"#,
    ) {
        Verdict::Fail(e) => assert_eq!(e.kind(), ErrorKind::Rejected),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        verdict(503, "Service Unavailable"),
        Verdict::Transient(_)
    ));
}

#[test]
fn http_401_is_credentials_with_a_message_staff_can_read_including_the_ip() {
    let body = r#"{"status":{"message":"The user does not have right access to the api","status_code":401}}"#;
    match verdict(401, body) {
        Verdict::Fail(e) => {
            assert_eq!(e.kind(), ErrorKind::CredentialsRejected);
            let msg = e.to_string();
            for part in [
                "right access",
                "master id",
                "secret key",
                "egress IP",
                "서비스 제공사",
            ] {
                assert!(msg.contains(part), "{part}: {msg}");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn order_lines_merge_into_carts_and_a_bad_line_is_rejected_alone() {
    let body = include_str!("testdata/request_orders.json");
    let answer: api::OrdersAnswer<RawJson> =
        parse_json(Market::Gmarket, EP_ORDERS, body.as_bytes()).unwrap();
    let page = answer.data.unwrap();
    assert_eq!(page.total_count, 3);
    let (read, bad) = rows::read_all::<api::OrderRow>(EP_ORDERS, page.rows, ID_ORDER);
    assert!(bad.is_empty());
    let lines = read
        .into_iter()
        .map(|(row, raw)| normalize::Line {
            status: format!("RequestOrders.{}", row.order_status.clone().unwrap()),
            endpoint: EP_ORDERS,
            row,
            raw,
        })
        .collect();
    let (orders, rejected) = normalize::orders(lines);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].key.record_key, "3012345700");
    assert!(rejected[0].reason.contains("OrderDate"));
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(o.order_id, "2012345678");
    assert_eq!(o.items.len(), 2);
    assert_eq!(o.items[0].amount_krw, 58_000);
    assert_eq!(o.items[1].amount_krw, 9_900);
    assert_eq!(o.shipping_fee_krw, 3_000);
    assert_eq!(o.total_krw, 58_000 + 9_900 + 3_000);
    assert!(
        o.items
            .iter()
            .all(|i| i.status.canonical == Status::Preparing)
    );
    assert_eq!(o.paid_at.unwrap().to_rfc3339(), "2025-03-09T12:15:00+00:00");
}

#[test]
fn a_line_listed_twice_keeps_its_later_status() {
    let row = |status: &str| {
        let raw = RawJson::from_text(format!(
            r#"{{"OrderNo":1,"PayNo":2,"OrderStatus":{status},"OrderDate":"2025-03-01 10:00:00","ContrAmount":1,"SalePrice":100}}"#
        ))
        .unwrap();
        normalize::Line {
            status: format!("RequestOrders.{status}"),
            endpoint: EP_ORDERS,
            row: rows::read(&raw).unwrap(),
            raw,
        }
    };
    let (orders, _) = normalize::orders(vec![row("3"), row("2")]);
    assert_eq!(orders[0].items.len(), 1);
    assert_eq!(orders[0].items[0].status.raw, "RequestOrders.3");
}

/// Amounts each readable but past `i64` together: the line is rejected (kept as sent, the
/// fields named), the cart it would join keeps its total, nothing wraps or panics.
#[test]
fn lines_whose_amounts_leave_i64_together_are_rejected_alone() {
    let line = |order: u32, pay: u32, amounts: &str| {
        let raw = RawJson::from_text(format!(
            r#"{{"OrderNo":{order},"PayNo":{pay},"OrderStatus":2,"OrderDate":"2025-03-01 10:00:00",{amounts}}}"#
        ))
        .unwrap();
        normalize::Line {
            status: "RequestOrders.2".into(),
            endpoint: EP_ORDERS,
            row: rows::read(&raw).unwrap(),
            raw,
        }
    };
    let max = i64::MAX;
    let (orders, rejected) = normalize::orders(vec![
        line(
            1,
            10,
            r#""ContrAmount":1,"SalePrice":100,"DeliveryFee":3000"#,
        ),
        line(
            2,
            10,
            &format!(r#""ContrAmount":1,"SalePrice":1,"OrderAmount":{max}"#),
        ),
        line(3, 20, &format!(r#""ContrAmount":2,"SalePrice":"{max}""#)),
    ]);
    let keys: Vec<&str> = rejected.iter().map(|r| r.key.record_key.as_str()).collect();
    assert_eq!(keys, ["2", "3"]);
    assert!(rejected.iter().all(|r| r.reason.contains("out of range")));
    assert_eq!(orders.len(), 1, "no cart left empty");
    assert_eq!(orders[0].total_krw, 3_100);

    let raw = RawJson::from_text(format!(
        r#"{{"ContrNo":9,"SellPrice":{},"SettlePrice":0,"RefundDate":"2025-03-12"}}"#,
        i64::MIN
    ))
    .unwrap();
    let row: api::SettleRow = rows::read(&raw).unwrap();
    let r = normalize::settlement(EP_SETTLE, &row, &raw).unwrap_err();
    assert!(r.reason.contains("out of range"), "{}", r.reason);
}

#[test]
fn refunds_are_stored_negative_with_positive_fees_whatever_sign_esm_wrote() {
    let body = include_str!("testdata/settle_orders.json");
    let answer: api::SettleAnswer<RawJson> =
        parse_json(Market::Gmarket, EP_SETTLE, body.as_bytes()).unwrap();
    let (read, bad) = rows::read_all::<api::SettleRow>(EP_SETTLE, answer.rows, ID_SETTLE);
    assert!(bad.is_empty());
    let lines: Vec<_> = read
        .iter()
        .map(|(r, raw)| normalize::settlement(EP_SETTLE, r, raw).unwrap())
        .collect();
    let sale = &lines[0];
    assert_eq!(
        (
            sale.line_type.as_str(),
            sale.sale_krw,
            sale.fee_krw,
            sale.settlement_krw
        ),
        ("SALE", 58_000, 6_960, 51_040)
    );
    assert_eq!(sale.basis_date.to_string(), "2025-03-11");
    assert_eq!(sale.payout_date.unwrap().to_string(), "2025-03-20");
    let refund = &lines[1];
    assert_eq!(
        (
            refund.line_type.as_str(),
            refund.sale_krw,
            refund.fee_krw,
            refund.settlement_krw
        ),
        ("REFUND", -29_000, 3_480, -25_520)
    );
    assert_eq!(refund.basis_date.to_string(), "2025-03-12");
    assert_eq!(refund.settlement_id, "3012345690:REFUND");
    // A refund row written with positive amounts (and its 환불일) is still a refund.
    let raw = RawJson::from_text(
        r#"{"ContrNo":9,"SellPrice":1000,"ServiceFee":100,"SettlePrice":900,"RefundDate":"2025-03-12"}"#.into(),
    )
    .unwrap();
    let row: api::SettleRow = rows::read(&raw).unwrap();
    let s = normalize::settlement(EP_SETTLE, &row, &raw).unwrap();
    assert_eq!(
        (s.sale_krw, s.fee_krw, s.settlement_krw),
        (-1000, 100, -900)
    );
}

#[test]
fn windows_are_written_in_minutes_kst_and_cut_within_limits() {
    let t: DateTime<Utc> = "2025-03-10T03:00:30Z".parse().unwrap();
    assert_eq!(minute(t), "2025-03-10 12:00");
    assert_eq!(ceil_minute(t).to_rfc3339(), "2025-03-10T03:01:00+00:00");
    assert_eq!(floor_minute(t).to_rfc3339(), "2025-03-10T03:00:00+00:00");
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let c = day_chunks(d("2025-03-02"), d("2025-03-10"), CLAIM_DATES);
    assert_eq!(
        c,
        vec![
            (d("2025-03-02"), d("2025-03-08")),
            (d("2025-03-09"), d("2025-03-10"))
        ]
    );
    let s = spans(t - Duration::days(40), t, Duration::days(31));
    assert_eq!(s.len(), 2);
    assert!(s.iter().all(|(a, b)| *b - *a <= Duration::days(31)));
}

#[test]
fn credentials_debug_hides_the_secret_and_the_ssi_names_the_site() {
    let c = Credentials {
        master_id: "master01".into(),
        secret_key: "SK-VISIBLE?".into(),
        center: None,
    };
    let s = format!("{c:?}");
    assert!(s.contains("master01") && !s.contains("SK-VISIBLE"));
    assert_eq!(GMARKET_SITE.letter, "G");
    assert_eq!(AUCTION_SITE.letter, "A");
    assert_eq!(
        (GMARKET_SITE.order_site_type, GMARKET_SITE.claim_site_type),
        (2, 3)
    );
    assert_eq!(
        (AUCTION_SITE.order_site_type, AUCTION_SITE.claim_site_type),
        (1, 1)
    );
}
