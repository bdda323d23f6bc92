//! Lotte ON unit tests: the status tables (a test per documented code), the judge
//! (returnCode on HTTP 200), and recorded-shape pages (testdata/) through the normalizer.

use super::normalize::{self, ClaimListing};
use super::*;
use crate::error::ErrorKind;
use crate::model::{ClaimType, Status};

fn page<D: DeserializeOwned + api::Listing>(json: &str) -> Vec<RawJson> {
    let env: api::Envelope<D> = serde_json::from_str(json).unwrap();
    assert_eq!(env.return_code, OK);
    env.data.map(api::Listing::into_rows).unwrap_or_default()
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status: reqwest::StatusCode::from_u16(status).unwrap(),
        headers: Default::default(),
        body: Bytes::from(body.to_string()),
    }
}

// ---- status tables: one test per documented code ----

#[test]
fn order_step_11_is_paid_awaiting_acknowledgement() {
    assert_eq!(normalize::order_status("11").canonical, Status::Paid);
}

#[test]
fn order_step_12_is_preparing() {
    assert_eq!(normalize::order_status("12").canonical, Status::Preparing);
}

#[test]
fn order_step_13_is_shipping() {
    assert_eq!(normalize::order_status("13").canonical, Status::Shipping);
}

#[test]
fn order_step_14_is_delivered() {
    assert_eq!(normalize::order_status("14").canonical, Status::Delivered);
}

#[test]
fn order_step_15_is_purchase_confirmed() {
    assert_eq!(
        normalize::order_status("15").canonical,
        Status::PurchaseConfirmed
    );
}

#[test]
fn an_unknown_order_step_is_kept_raw_and_flagged() {
    let s = normalize::order_status("19");
    assert!(s.is_unknown());
    assert_eq!(s.raw, "19");
}

#[test]
fn cancel_steps_11_and_12_are_requests() {
    for code in ["11", "12"] {
        assert_eq!(
            normalize::claim_status(ClaimListing::Cancel, code, false),
            Some(Status::CancelRequested),
            "{code}"
        );
    }
}

#[test]
fn cancel_step_21_is_cancelled() {
    assert_eq!(
        normalize::claim_status(ClaimListing::Cancel, "21", true),
        Some(Status::Cancelled)
    );
}

#[test]
fn step_22_withdraws_every_kind_of_claim() {
    for listing in [
        ClaimListing::Cancel,
        ClaimListing::Return,
        ClaimListing::Exchange,
    ] {
        assert_eq!(normalize::claim_status(listing, "22", false), None);
        assert_eq!(normalize::claim_status(listing, "22", true), None);
    }
}

#[test]
fn return_steps_23_to_26_are_requested_and_27_is_returned() {
    for code in ["23", "24", "25", "26"] {
        assert_eq!(
            normalize::claim_status(ClaimListing::Return, code, false),
            Some(Status::ReturnRequested),
            "{code}"
        );
    }
    assert_eq!(
        normalize::claim_status(ClaimListing::Return, "27", true),
        Some(Status::Returned)
    );
}

#[test]
fn exchange_steps_23_to_26_are_requested_until_completed() {
    for code in ["23", "24", "25", "26"] {
        assert_eq!(
            normalize::claim_status(ClaimListing::Exchange, code, false),
            Some(Status::ExchangeRequested),
            "{code}"
        );
    }
    assert_eq!(
        normalize::claim_status(ClaimListing::Exchange, "26", true),
        Some(Status::Exchanged)
    );
}

#[test]
fn an_unknown_claim_step_is_flagged_not_dropped() {
    assert_eq!(
        normalize::claim_status(ClaimListing::Return, "99", false),
        Some(Status::Unknown)
    );
    assert_eq!(
        normalize::claim_status(ClaimListing::Cancel, "27", false),
        Some(Status::Unknown)
    );
}

#[test]
fn every_table_code_maps_to_a_known_status() {
    for (code, s) in normalize::ORDER_STEP {
        assert_ne!(*s, Status::Unknown, "{code}");
    }
    for table in [
        normalize::CANCEL_STEP,
        normalize::RETURN_STEP,
        normalize::EXCHANGE_STEP,
    ] {
        for (code, s) in table {
            assert_ne!(*s, Some(Status::Unknown), "{code}");
        }
    }
}

// ---- the judge ----

#[test]
fn a_failure_on_http_200_is_refused_with_its_code() {
    let r = reply(
        200,
        r#"{"returnCode":"2003","message":"조회기간은 1일을 초과할 수 없습니다.","data":null}"#,
    );
    match judge(EP_DELIVERY, &r) {
        Verdict::Fail(e) => {
            assert_eq!(e.kind(), ErrorKind::Rejected);
            assert!(e.to_string().contains("2003"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        judge(
            EP_DELIVERY,
            &reply(200, r#"{"returnCode":"0000","data":{}}"#)
        ),
        Verdict::Done
    ));
}

#[test]
fn the_daily_cap_is_a_quota_checkpoint() {
    let r = reply(
        200,
        r#"{"returnCode":"1004","message":"일 호출 회수 제한"}"#,
    );
    match judge(EP_SETTLE, &r) {
        Verdict::Fail(CollectError::QuotaExhausted { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn http_statuses_map_to_their_kinds() {
    let kind = |status: u16| match judge(EP_DELIVERY, &reply(status, "{}")) {
        Verdict::Fail(e) => Some(e.kind()),
        _ => None,
    };
    assert_eq!(kind(401), Some(ErrorKind::CredentialsRejected));
    assert_eq!(kind(403), Some(ErrorKind::IpNotWhitelisted));
    assert_eq!(kind(404), Some(ErrorKind::Rejected));
    assert!(matches!(
        judge(EP_DELIVERY, &reply(429, "{}")),
        Verdict::Throttled { .. }
    ));
    assert!(matches!(
        judge(EP_DELIVERY, &reply(503, "")),
        Verdict::Transient(_)
    ));
    assert!(matches!(
        judge(EP_SETTLE, &reply(200, r#"{"returnCode":"9000"}"#)),
        Verdict::Transient(_)
    ));
}

#[test]
fn day_bounds_cover_whole_kst_days() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(
        day_bounds(d("2025-03-10"), d("2025-03-10")),
        ("20250310000000".to_string(), "20250310235959".to_string())
    );
}

#[test]
fn credentials_debug_hides_the_key() {
    let c = Credentials {
        api_key: "KEY-VISIBLE?".into(),
    };
    assert!(!format!("{c:?}").contains("KEY-VISIBLE"));
}

// ---- recorded-shape pages ----

#[test]
fn identity_names_the_trading_partner() {
    let env: api::Envelope<api::Identity> =
        serde_json::from_str(include_str!("testdata/identity.json")).unwrap();
    let id = env.data.unwrap();
    assert_eq!(
        (id.tr_grp_cd.as_str(), id.tr_no.as_str()),
        ("SR", "LO10000001")
    );
}

/// Amounts each readable but past `i64` together: the line is rejected (kept as sent, the
/// fields named), the order it would join keeps its total, nothing wraps or panics.
#[test]
fn lines_whose_amounts_leave_i64_together_are_rejected_alone() {
    let mut body: Value =
        serde_json::from_str(include_str!("testdata/delivery_orders.json")).unwrap();
    let list = &mut body["data"]["deliveryOrderList"];
    // The first order's second line: its fee would take the order's total past i64.
    list[1]["slAmt"] = Value::from(0);
    list[1]["dvCst"] = Value::from(i64::MAX);
    // The second order's only line: its amount and fee alone leave the range.
    list[2]["slAmt"] = Value::from(i64::MAX.to_string());
    list[2]["dvCst"] = Value::from(1);
    let lines = page::<api::DeliveryOrders>(&body.to_string());
    let (lines, _) = rows::read_all::<api::DeliveryOrder>(EP_DELIVERY, lines, ID_LINE);
    let (orders, rejected) = normalize::orders(EP_DELIVERY, lines, &[]);
    let keys: Vec<&str> = rejected.iter().map(|r| r.key.record_key.as_str()).collect();
    assert_eq!(keys, ["2025031012345678-2", "2025031099999999-1"]);
    assert!(rejected.iter().all(|r| r.reason.contains("out of range")));
    assert_eq!(orders.len(), 1, "no order left empty");
    assert_eq!(orders[0].items.len(), 1);

    let mut body: Value =
        serde_json::from_str(include_str!("testdata/settle_itmd_sales.json")).unwrap();
    body["data"][0]["bseCmsn"] = Value::from(i64::MAX);
    body["data"][0]["pcsCmsn"] = Value::from(1);
    let settle_rows = page::<api::Rows>(&body.to_string());
    let (read, _) = rows::read_all::<api::SettleRow>(EP_SETTLE, settle_rows, ID_LINE);
    let r = normalize::settlement(EP_SETTLE, &read[0].0, &read[0].1).unwrap_err();
    assert!(r.reason.contains("out of range"), "{}", r.reason);
}

#[test]
fn delivery_lines_and_their_steps_make_orders() {
    let lines = page::<api::DeliveryOrders>(include_str!("testdata/delivery_orders.json"));
    let states = page::<api::ProgressStates>(include_str!("testdata/progress_states.json"));
    let (lines, rejected) = rows::read_all::<api::DeliveryOrder>(EP_DELIVERY, lines, ID_LINE);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert!(lines[0].0.awaits_acknowledgement());
    assert!(!lines[1].0.awaits_acknowledgement());
    let (states, _) = rows::read_all::<api::ProgressState>(EP_PROGRESS, states, ID_LINE);
    let (orders, rejected) = normalize::orders(EP_DELIVERY, lines, &states);
    assert!(rejected.is_empty());
    assert_eq!(orders.len(), 2);
    let o = &orders[0];
    assert_eq!(o.order_id, "2025031012345678");
    assert_eq!(o.items.len(), 2);
    assert_eq!(o.items[0].product_name, "국내산 햇사과 5kg");
    assert_eq!(o.items[0].option_name.as_deref(), Some("중과 20과"));
    // Not in 140: its 209 step. In 140: its 140 step, with the time it changed.
    assert_eq!(o.items[0].status.canonical, Status::Paid);
    assert_eq!(o.items[1].status.raw, "13");
    assert!(o.items[1].status_changed_at.is_some());
    assert_eq!(o.items[1].unit_price_krw, 21_000);
    assert_eq!(o.shipping_fee_krw, 3_000);
    assert_eq!(o.total_krw, 65_800 + 21_000 + 3_000);
    assert_eq!(orders[1].order_id, "2025031099999999");
    assert_eq!(orders[1].items[0].status.canonical, Status::Preparing);
    assert_eq!(orders[1].paid_at, None);
}

#[test]
fn claim_rows_become_one_claim_per_line() {
    let raw = page::<api::Rows>(include_str!("testdata/returns.json"));
    let (rows, rejected) = rows::read_all::<api::ClaimRow>(EP_RETURNS, raw, ID_CLAIM);
    assert!(rejected.is_empty());
    let claims =
        normalize::claims(EP_RETURNS, ClaimListing::Return, &rows[0].0, &rows[0].1).unwrap();
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0].claim_type, ClaimType::Return);
    assert_eq!(claims[0].item_ids, ["1"]);
    assert_eq!(claims[0].status, Some(Status::ReturnRequested));
    assert_eq!(claims[1].status, Some(Status::Returned));
    assert_eq!(claims[1].raw_status, "RETURN/27/DONE");
    let unknown =
        normalize::claims(EP_RETURNS, ClaimListing::Return, &rows[1].0, &rows[1].1).unwrap();
    assert_eq!(unknown[0].status, Some(Status::Unknown));
    assert_eq!(unknown[0].raw_status, "RETURN/99");
}

#[test]
fn a_claim_whose_time_does_not_read_is_rejected_alone() {
    let raw = page::<api::Rows>(include_str!("testdata/cancels.json"));
    let (rows, _) = rows::read_all::<api::ClaimRow>(EP_CANCELS, raw, ID_CLAIM);
    let read: Vec<_> = rows
        .iter()
        .map(|(r, raw)| normalize::claims(EP_CANCELS, ClaimListing::Cancel, r, raw))
        .collect();
    assert_eq!(
        read[0].as_ref().unwrap()[0].status,
        Some(Status::CancelRequested)
    );
    assert_eq!(read[1].as_ref().unwrap()[0].status, Some(Status::Cancelled));
    let r = read[2].as_ref().unwrap_err();
    assert_eq!(r.key.record_key, "N2025031000003");
    assert!(r.reason.contains("clmReqDttm") && !r.reason.contains("not a time"));
}

#[test]
fn completed_exchanges_are_exchanged() {
    let raw = page::<api::Rows>(include_str!("testdata/exchanges.json"));
    let (rows, _) = rows::read_all::<api::ClaimRow>(EP_EXCHANGES, raw, ID_CLAIM);
    let s: Vec<_> = rows
        .iter()
        .map(|(r, raw)| {
            normalize::claims(EP_EXCHANGES, ClaimListing::Exchange, r, raw).unwrap()[0].status
        })
        .collect();
    assert_eq!(
        s,
        [Some(Status::ExchangeRequested), Some(Status::Exchanged)]
    );
}

#[test]
fn settlement_lines_keep_their_amounts_and_types() {
    let raw = page::<api::Rows>(include_str!("testdata/settle_itmd_sales.json"));
    let (rows, rejected) = rows::read_all::<api::SettleRow>(EP_SETTLE, raw, ID_LINE);
    assert!(rejected.is_empty());
    let s: Vec<_> = rows
        .iter()
        .map(|(r, raw)| normalize::settlement(EP_SETTLE, r, raw).unwrap())
        .collect();
    assert_eq!(s[0].settlement_id, "2025030112340000:1:1");
    assert_eq!(s[0].line_type, "SALE");
    assert_eq!(
        (s[0].sale_krw, s[0].fee_krw, s[0].settlement_krw),
        (65_800, 6_670, 62_130)
    );
    assert_eq!(s[0].basis_date.to_string(), "2025-03-09");
    assert_eq!(s[1].line_type, "RETURN");
    assert_eq!(s[1].settlement_krw, -17_820);
    assert_eq!(s[1].fee_krw, 1_980);
}

#[test]
fn rejected_rows_are_read_again_by_their_listing() {
    let raw = page::<api::Rows>(include_str!("testdata/exchanges.json"));
    let rejected = crate::markets::rows::reject(EP_EXCHANGES, "X2025031000001", "old", &raw[0]);
    let records = reread(&rejected).unwrap();
    assert_eq!(records.claims.len(), 1);
    let unknown = crate::markets::rows::reject("/elsewhere", "k", "old", &raw[0]);
    assert!(reread(&unknown).is_err());
}
