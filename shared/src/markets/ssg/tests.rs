//! SSG's parsing and normalizing against recorded-shape pages (testdata/), the status
//! tables code by code, and the judge on SSG's answer shapes.

use super::*;
use crate::model::{ClaimType, Status};
use reqwest::StatusCode;

fn page(name: &str) -> Map<String, Value> {
    let text = match name {
        "direction" => include_str!("testdata/list_shpp_direction.json"),
        "warehouse" => include_str!("testdata/list_warehouse_out.json"),
        "cancels" => include_str!("testdata/cancel_requests.json"),
        "cancel_one" => include_str!("testdata/cancel_requests_one.json"),
        "cancelled" => include_str!("testdata/cancelled.json"),
        "recoveries" => include_str!("testdata/exchange_targets.json"),
        "settle" => include_str!("testdata/settle_list.json"),
        "qna" => include_str!("testdata/qna_list.json"),
        other => panic!("no page {other}"),
    };
    serde_json::from_str::<api::Envelope>(text).unwrap().result
}

fn stage_lines(name: &str, stage: usize) -> (Vec<(usize, api::ShppRow, RawJson)>, Vec<Rejected>) {
    let s = &normalize::STAGES[stage];
    let rows = api::rows(&page(name), s.list, s.row).unwrap();
    let (read, rejected) = read_rows::<api::ShppRow>(s.endpoint, rows, ID_LINE);
    (
        read.into_iter().map(|(r, raw)| (stage, r, raw)).collect(),
        rejected,
    )
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap(),
        headers: Default::default(),
        body: body.as_bytes().to_vec().into(),
    }
}

#[test]
fn both_xstream_list_spellings_and_a_single_row_read() {
    let wrappers = api::rows(&page("direction"), "shppDirections", "shppDirection").unwrap();
    assert_eq!(wrappers.len(), 2);
    let wrapped_array = api::rows(&page("warehouse"), "warehouseOuts", "warehouseOut").unwrap();
    assert_eq!(wrapped_array.len(), 2);
    let single: Map<String, Value> = serde_json::from_value(json!({
        "resultCode": "00",
        "deliveryEnds": {"deliveryEnd": {"ordNo": "1", "ordItemSeq": "1"}}
    }))
    .unwrap();
    assert_eq!(
        api::rows(&single, "deliveryEnds", "deliveryEnd")
            .unwrap()
            .len(),
        1
    );
    let empty: Map<String, Value> =
        serde_json::from_value(json!({"resultCode": "00", "deliveryEnds": null})).unwrap();
    assert!(
        api::rows(&empty, "deliveryEnds", "deliveryEnd")
            .unwrap()
            .is_empty()
    );
    let broken: Map<String, Value> =
        serde_json::from_value(json!({"resultCode": "00", "deliveryEnds": 12})).unwrap();
    assert!(api::rows(&broken, "deliveryEnds", "deliveryEnd").is_err());
}

#[test]
fn direction_lines_become_one_order_with_korean_text_byte_for_byte() {
    let (lines, rejected) = stage_lines("direction", 0);
    assert!(rejected.is_empty());
    let (orders, rejected) = normalize::orders(lines);
    assert!(rejected.is_empty());
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(o.order_id, "20250308123456");
    assert_eq!(o.items.len(), 2);
    let first = &o.items[0];
    assert_eq!(first.item_id, "1");
    assert_eq!(first.product_name, "제주 감귤 5kg (로얄과)");
    assert_eq!(
        first.option_name.as_deref(),
        Some("색상: 주황 / 크기: 중과")
    );
    assert_eq!(
        (first.quantity, first.unit_price_krw, first.amount_krw),
        (2, 19_900, 39_800)
    );
    assert_eq!(first.status.raw, "SHPP_DIRECTION/10");
    assert_eq!(first.status.canonical, Status::Paid);
    // No rlordAmt: price times quantity less the discount; held (30) is still paid.
    let second = &o.items[1];
    assert_eq!((second.item_id.as_str(), second.amount_krw), ("2", 23_000));
    assert_eq!(second.status.raw, "SHPP_DIRECTION/30");
    assert_eq!(second.status.canonical, Status::Paid);
    // One shipment (배송번호): its fee once.
    assert_eq!(o.shipping_fee_krw, 3_000);
    assert_eq!(o.total_krw, 39_800 + 23_000 + 3_000);
    assert_eq!(
        o.ordered_at.to_rfc3339(),
        "2025-03-08T01:11:12+00:00",
        "KST without an offset"
    );
    assert_eq!(o.paid_at.unwrap().to_rfc3339(), "2025-03-08T01:15:30+00:00");
}

#[test]
fn an_unreadable_line_is_rejected_with_its_order_and_line_and_the_rest_is_kept() {
    let (lines, rejected) = stage_lines("warehouse", 1);
    assert_eq!(lines.len(), 1);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].key.record_key, "20250307000888-1");
    assert_eq!(rejected[0].key.endpoint, "/api/pd/1/listWarehouseOut.ssg");
    assert!(
        rejected[0].reason.contains("sellprc"),
        "{}",
        rejected[0].reason
    );
    let again = reread(&rejected[0]).unwrap_err();
    assert!(again.contains("sellprc"));
}

#[test]
fn a_line_listed_by_several_stages_takes_the_furthest() {
    let (direction, _) = stage_lines("direction", 0);
    let (mut later, _) = stage_lines("direction", 0);
    // The same two lines, listed again by 배송완료 and 출고대상.
    later[0].0 = 3;
    later[1].0 = 1;
    let mut all = later;
    all.extend(direction);
    let (orders, _) = normalize::orders(all);
    let raws: Vec<&str> = orders[0]
        .items
        .iter()
        .map(|i| i.status.raw.as_str())
        .collect();
    assert_eq!(raws, ["DELIVERY_END/10", "WAREHOUSE_OUT/30"]);
    assert_eq!(orders[0].items[0].status.canonical, Status::Delivered);
}

#[test]
fn every_stage_and_shipping_state_code_maps_and_unknown_ones_are_flagged() {
    let want = [
        ("SHPP_DIRECTION", Status::Paid),
        ("WAREHOUSE_OUT", Status::Preparing),
        ("NON_DELIVERY", Status::Shipping),
        ("DELIVERY_END", Status::Delivered),
    ];
    for (i, (code, status)) in want.iter().enumerate() {
        assert_eq!(normalize::STAGES[i].code, *code, "flow order");
        for (shpp, _) in normalize::SHPP_STAT {
            let s = normalize::item_status(code, Some(shpp));
            assert_eq!(
                (s.canonical, s.raw.as_str()),
                (*status, format!("{code}/{shpp}").as_str())
            );
        }
    }
    let unknown = normalize::item_status("WAREHOUSE_OUT", Some("99"));
    assert_eq!(unknown.canonical, Status::Unknown);
    assert_eq!(unknown.raw, "WAREHOUSE_OUT/99");
}

#[test]
fn every_cancelled_status_code_maps_and_unknown_ones_are_flagged() {
    for (code, status) in normalize::CANCELLED_STATUS {
        assert_eq!(normalize::cancelled_status(code), *status, "{code}");
    }
    assert_eq!(normalize::cancelled_status("180"), Status::Cancelled);
    assert_eq!(normalize::cancelled_status("999"), Status::Unknown);
}

#[test]
fn every_pick_up_code_maps_per_claim_type_and_unknown_ones_are_flagged() {
    use normalize::{Progress, recovery_status};
    let expected = |kind: ClaimType, p: Progress| match (kind, p) {
        (_, Progress::Withdrawn) => None,
        (ClaimType::Exchange, Progress::Open) => Some(Status::ExchangeRequested),
        (ClaimType::Exchange, Progress::Done) => Some(Status::Exchanged),
        (_, Progress::Open) => Some(Status::ReturnRequested),
        (_, Progress::Done) => Some(Status::Returned),
    };
    for (kind_code, kind) in normalize::RECOVERY_KIND {
        for (code, progress) in normalize::RECOVERY_PROGRESS {
            assert_eq!(
                recovery_status(kind_code, code, None),
                (*kind, expected(*kind, *progress)),
                "{kind_code}/{code}"
            );
        }
    }
    assert_eq!(normalize::RECOVERY_PROGRESS.len(), 6);
    assert_eq!(
        recovery_status("21", "61", None),
        (ClaimType::Return, Some(Status::ReturnRequested))
    );
    assert_eq!(
        recovery_status("22", "64", Some("")),
        (ClaimType::Exchange, Some(Status::Exchanged))
    );
    // A refused return, or one withdrawn as the return's state, no longer applies.
    assert_eq!(recovery_status("21", "64", Some("반품거부")).1, None);
    assert_eq!(recovery_status("21", "61", Some("회수철회")).1, None);
    assert_eq!(recovery_status("21", "66", None).1, None);
    // Unknown progress, unknown kind (23 AS회수 is not asked for): kept, flagged.
    assert_eq!(recovery_status("21", "69", None).1, Some(Status::Unknown));
    assert_eq!(recovery_status("23", "61", None).1, Some(Status::Unknown));
}

fn claims<T: serde::de::DeserializeOwned>(
    name: &str,
    (list, row): (&str, &str),
    endpoint: &str,
    normalize: impl Fn(&str, &T, &RawJson) -> Result<Claim, Rejected>,
) -> Records {
    Ssg::claims_of(
        endpoint,
        api::rows(&page(name), list, row).unwrap(),
        normalize,
    )
}

#[test]
fn open_cancel_requests_are_read_from_result_data_against_the_original_line() {
    let out = claims(
        "cancels",
        ("resultData", "resultData"),
        EP_CANCELS,
        normalize::cancel_request,
    );
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let c = &out.claims;
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].claim_id, "cancel-20250309500001-1");
    assert_eq!(c[0].claim_type, ClaimType::Cancel);
    assert_eq!(
        (c[0].order_id.as_str(), c[0].item_ids.as_slice()),
        ("20250308123456", &["2".to_string()][..])
    );
    assert_eq!(c[0].status, Some(Status::CancelRequested));
    assert_eq!(c[0].requested_at.to_rfc3339(), "2025-03-08T23:00:00+00:00");
    // Numbers for ids, the `orOrdNo` spelling, a compact time.
    assert_eq!(c[1].order_id, "20250307000555");
    assert_eq!(c[1].claim_id, "cancel-20250309500002-1");
    assert_eq!(c[1].requested_at.to_rfc3339(), "2025-03-09T00:00:00+00:00");
    // One row arrives as a bare object.
    let one = claims(
        "cancel_one",
        ("resultData", "resultData"),
        EP_CANCELS,
        normalize::cancel_request,
    );
    assert_eq!(one.claims.len(), 1);
    assert_eq!(one.claims[0].order_id, "20250306000777");
}

#[test]
fn a_cancelled_line_keeps_the_id_of_its_request_and_an_unknown_code_is_flagged() {
    let out = claims(
        "cancelled",
        ("data", "data"),
        EP_CANCELLED,
        normalize::cancelled,
    );
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let c = &out.claims;
    // The request read above and its completion are one claim.
    assert_eq!(c[0].claim_id, "cancel-20250309500002-1");
    assert_eq!(c[0].order_id, "20250307000555");
    assert_eq!(
        (c[0].status, c[0].raw_status.as_str()),
        (Some(Status::Cancelled), "CANCEL/180")
    );
    assert_eq!(
        (c[1].status, c[1].raw_status.as_str()),
        (Some(Status::Unknown), "CANCEL/999")
    );
}

#[test]
fn pick_ups_become_returns_and_exchanges_and_an_unreadable_one_is_kept_raw() {
    let out = claims(
        "recoveries",
        ("exchangeTargets", "exchangeTarget"),
        EP_RECOVERY,
        normalize::recovery,
    );
    let c = &out.claims;
    assert_eq!(c.len(), 3);
    assert_eq!(
        (c[0].claim_id.as_str(), c[0].claim_type, c[0].status),
        (
            "return-20250310600001-1",
            ClaimType::Return,
            Some(Status::ReturnRequested)
        )
    );
    assert_eq!(c[0].order_id, "20250301000111");
    assert_eq!(c[0].raw_status, "RCOV/21/61");
    assert_eq!(
        (c[1].claim_type, c[1].status, c[1].order_id.as_str()),
        (
            ClaimType::Exchange,
            Some(Status::Exchanged),
            "20250301000112"
        )
    );
    assert_eq!(c[1].item_ids, ["2"]);
    assert_eq!(c[1].requested_at.to_rfc3339(), "2025-03-10T01:00:00+00:00");
    // A refused return no longer applies; without 회수지시일 it is dated by 회수확인일.
    assert_eq!(c[2].status, None);
    assert_eq!(c[2].raw_status, "RCOV/21/64/반품거부");
    assert_eq!(c[2].requested_at.to_rfc3339(), "2025-03-11T01:00:00+00:00");
    // A date that does not read: that row alone is kept raw, and read again later.
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].key.record_key, "return-20250310600004-1");
    assert!(reread(&out.rejected[0]).is_err());
}

#[test]
fn an_empty_listing_spelled_as_a_blank_string_is_no_rows() {
    let result: Map<String, Value> = serde_json::from_str(
        r#"{"resultCode":"00","exchangeTargets":[""],"shppDirections":[" "]}"#,
    )
    .unwrap();
    assert!(
        api::rows(&result, "exchangeTargets", "exchangeTarget")
            .unwrap()
            .is_empty()
    );
    assert!(
        api::rows(&result, "shppDirections", "shppDirection")
            .unwrap()
            .is_empty()
    );
    let bad: Map<String, Value> =
        serde_json::from_str(r#"{"exchangeTargets":["not a row"]}"#).unwrap();
    assert!(api::rows(&bad, "exchangeTargets", "exchangeTarget").is_err());
}

/// Amounts each readable but past `i64` together: the line is rejected (kept as sent, the
/// fields named), the order it would join keeps its total, nothing wraps or panics.
#[test]
fn lines_whose_amounts_leave_i64_together_are_rejected_alone() {
    let line = |ord: u32, seq: u32, shipment: u32, amounts: Value| {
        let mut row = json!({
            "ordNo": ord, "ordItemSeq": seq, "shppNo": shipment, "ordQty": 2,
            "ordRcpDts": "2025-03-08 10:00:00",
        });
        row.as_object_mut()
            .unwrap()
            .extend(amounts.as_object().unwrap().clone());
        let raw = RawJson::from_value(&row);
        (0, rows::read(&raw).unwrap(), raw)
    };
    let max = i64::MAX;
    let (orders, rejected) = normalize::orders(vec![
        line(1, 1, 7, json!({"sellprc": 100, "shppcst": 3000})),
        // A second shipment of order 1: its fee would take the order's past i64.
        line(1, 2, 8, json!({"sellprc": 0, "shppcst": max})),
        // Order 2's only line: its price times quantity leaves the range.
        line(2, 1, 9, json!({"sellprc": max.to_string()})),
        // Order 3: the canceled quantity is past what a subtraction can hold.
        line(3, 1, 9, json!({"sellprc": 1, "cnclItemQty": i32::MIN})),
    ]);
    let keys: Vec<&str> = rejected.iter().map(|r| r.key.record_key.as_str()).collect();
    assert_eq!(keys, ["1-2", "2-1", "3-1"]);
    assert!(rejected.iter().all(|r| r.reason.contains("out of range")));
    assert_eq!(orders.len(), 1, "no order left empty");
    assert_eq!(orders[0].total_krw, 200 + 3_000);
    assert_eq!(orders[0].shipping_fee_krw, 3_000);

    let raw = RawJson::from_value(&json!({
        "critnDt": "20250308", "ordNo": 1, "netAmt": 1, "sellFee": i64::MIN, "settlAmt": 0,
    }));
    let row: api::SettleRow = rows::read(&raw).unwrap();
    let r = normalize::settlement(EP_SETTLE, &row, &raw).unwrap_err();
    assert!(r.reason.contains("out of range"), "{}", r.reason);
}

#[test]
fn settlement_rows_read_amounts_in_any_spelling_and_refunds_stay_negative() {
    let rows = api::rows(&page("settle"), "resultData", "resultData").unwrap();
    let (read, rejected) = read_rows::<api::SettleRow>(EP_SETTLE, rows, ID_SETTLE);
    assert!(rejected.is_empty());
    let lines: Vec<_> = read
        .iter()
        .map(|(r, raw)| normalize::settlement(EP_SETTLE, r, raw).unwrap())
        .collect();
    assert_eq!(
        (lines[0].sale_krw, lines[0].fee_krw, lines[0].settlement_krw),
        (32_000, 3_520, 28_480)
    );
    assert_eq!(lines[0].line_type, "SALE");
    assert_eq!(lines[1].line_type, "REFUND");
    assert_eq!(
        (lines[1].sale_krw, lines[1].fee_krw, lines[1].settlement_krw),
        (-19_900, 2_189, -17_711)
    );
    assert_eq!(lines[1].basis_date.to_string(), "2025-03-09");
    assert_ne!(lines[0].settlement_id, lines[1].settlement_id);
}

#[test]
fn qna_rows_are_open_product_inquiries() {
    let rows = api::rows(&page("qna"), "postngList", "postng").unwrap();
    let (read, rejected) = read_rows::<api::QnaRow>(EP_QNA, rows, ID_QNA);
    assert!(rejected.is_empty());
    let q = normalize::qna(EP_QNA, &read[0].0, &read[0].1).unwrap();
    assert_eq!(q.inquiry_id, "qna-1000000123");
    assert_eq!(q.content, "언제 출고되나요? 🍊");
    assert!(!q.answered && q.answered_at.is_none());
    let q2 = normalize::qna(EP_QNA, &read[1].0, &read[1].1).unwrap();
    assert_eq!(q2.inquiry_id, "qna-1000000124");
}

#[test]
fn the_judge_reads_ssg_answer_shapes() {
    let ok = r#"{"result":{"resultCode":"00","resultMessage":"SUCCESS"}}"#;
    assert!(matches!(judge("/x", &reply(200, ok)), Verdict::Done));
    let throttled = r#"{"result":{"resultCode":"429","resultMessage":"FAIL","resultDesc":"API 호출 허용량을 초과하였습니다."}}"#;
    assert!(matches!(
        judge("/x", &reply(200, throttled)),
        Verdict::Throttled { .. }
    ));
    assert!(matches!(
        judge("/x", &reply(429, "")),
        Verdict::Throttled { .. }
    ));
    let bad_key = r#"{"result":{"resultCode":"401","resultMessage":"FAIL","resultDesc":"유효하지 않은 인증키입니다."}}"#;
    match judge("/x", &reply(401, bad_key)) {
        Verdict::Fail(e) => assert_eq!(e.kind(), crate::ErrorKind::CredentialsRejected),
        other => panic!("{other:?}"),
    }
    let ip = r#"{"result":{"resultCode":"403","resultMessage":"FAIL","resultDesc":"등록되지 않은 IP 입니다."}}"#;
    match judge("/x", &reply(403, ip)) {
        Verdict::Fail(e) => assert_eq!(e.kind(), crate::ErrorKind::IpNotWhitelisted),
        other => panic!("{other:?}"),
    }
    let range = r#"{"result":{"resultCode":"400","resultMessage":"FAIL","resultDesc":"조회기간은 최대 180일입니다."}}"#;
    match judge("/x", &reply(200, range)) {
        Verdict::Fail(e) => {
            assert_eq!(e.kind(), crate::ErrorKind::Rejected);
            assert!(e.to_string().contains("180일"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        judge("/x", &reply(503, "")),
        Verdict::Transient(_)
    ));
    // Not an envelope: for the parser to call a format change (or the cut-off check).
    assert!(matches!(
        judge("/x", &reply(200, "{\"result\":")),
        Verdict::Done
    ));
}

#[test]
fn day_chunks_keep_to_seven_days() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let c = day_chunks(d("2025-03-01"), d("2025-03-08"), CLAIM_DAYS);
    assert_eq!(
        c,
        [
            (d("2025-03-01"), d("2025-03-07")),
            (d("2025-03-08"), d("2025-03-08"))
        ]
    );
}

#[test]
fn qna_periods_are_kst_minutes_and_inclusive() {
    let w = Window::new(
        "2025-03-01T15:00:00Z".parse().unwrap(),
        "2025-03-08T15:00:00Z".parse().unwrap(),
    );
    assert_eq!(minute(w.from), "202503020000");
    assert_eq!(minute(w.to - Duration::minutes(1)), "202503082359");
}
