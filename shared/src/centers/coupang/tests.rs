//! The WING parsers on recorded pages of the shapes in seller-centers.md §2.

use super::login::{PageKind, classify};
use super::reviews::{Page, normalize, parse_page, review_search_body};
use crate::centers::CodeChannel;
use crate::error::CollectError;
use chrono::NaiveDate;

fn page(name: &str) -> &'static str {
    match name {
        "review_page" => include_str!("testdata/review_page.json"),
        "other_store" => include_str!("testdata/review_page_other_store.json"),
        "too_long" => include_str!("testdata/review_page_too_long.json"),
        "changed" => include_str!("testdata/review_page_changed.json"),
        "login" => include_str!("testdata/login_page.html"),
        "login_script" => include_str!("testdata/login_page_script_only.html"),
        "wrong_password" => include_str!("testdata/login_wrong_password.html"),
        "locked" => include_str!("testdata/login_locked.html"),
        "captcha" => include_str!("testdata/login_captcha.html"),
        "code" => include_str!("testdata/code_page.html"),
        "expired" => include_str!("testdata/expired.html"),
        "update_password" => include_str!("testdata/update_password.html"),
        other => panic!("no recorded page {other}"),
    }
}

#[test]
fn the_search_body_is_the_ui_s_with_every_product_and_fifty_a_page() {
    let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let b = review_search_body(d("2026-11-03"), d("2026-11-30"), 2);
    assert_eq!(b["startTime"], "2026-11-03");
    assert_eq!(b["endTime"], "2026-11-30");
    assert_eq!(b["pageIndex"], 2);
    assert_eq!(b["pageSize"], 50);
    assert_eq!(
        b["salesStatus"], "",
        "\"true\" would drop 판매중지 products"
    );
    assert_eq!(b["advancedType"], "productName");
}

#[test]
fn every_field_of_a_review_is_read_and_a_bad_row_is_rejected_not_lost() {
    let Page::Rows { rows, total_pages } = parse_page(page("review_page").as_bytes()).unwrap()
    else {
        panic!("a page of rows");
    };
    assert_eq!(total_pages, Some(1));
    let r = normalize(rows).unwrap();
    assert_eq!(r.reviews.len(), 2);
    let a = &r.reviews[0];
    assert_eq!(a.review_id, "1234567890");
    assert_eq!(a.product_id, "7012345678");
    assert_eq!(a.order_id, None, "WING rows name no order");
    assert_eq!(a.rating, Some(5));
    assert_eq!(a.content, "배송도 빠르고 포장도 꼼꼼해요.");
    // The blinded image is left out.
    assert_eq!(
        a.photos,
        ["https://img1c.coupangcdn.com/image/review/a.jpg"]
    );
    assert_eq!(a.created_at.timestamp_millis(), 1_764_489_600_000);
    assert_eq!(
        a.replied, None,
        "WING's reply state is unknown, never \"no\""
    );
    assert_eq!(a.replied_at, None);
    assert!(
        a.raw.get().contains("reviewSurveyAnswers"),
        "raw kept whole"
    );
    // Ids, ratings and times spelled as strings read the same.
    let b = &r.reviews[1];
    assert_eq!((b.review_id.as_str(), b.rating), ("1234567891", Some(3)));
    assert!(b.photos.is_empty());
    assert_eq!(b.created_at.timestamp_millis(), 1_764_403_200_000);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].key.record_key, "1234567892");
    assert!(
        r.rejected[0].reason.contains("rating"),
        "{}",
        r.rejected[0].reason
    );
}

#[test]
fn reviews_of_two_stores_in_one_listing_store_nothing() {
    let Page::Rows { rows, .. } = parse_page(page("other_store").as_bytes()).unwrap() else {
        panic!("a page of rows");
    };
    let err = normalize(rows).unwrap_err();
    assert!(matches!(err, CollectError::ReloginRequired { .. }), "{err}");
    assert!(err.to_string().contains("A00099999"), "{err}");
}

#[test]
fn a_refusal_is_wings_message_and_an_unknown_shape_is_a_format_change() {
    match parse_page(page("too_long").as_bytes()).unwrap() {
        Page::Refused { message } => assert_eq!(message, "검색 기간은 1개월 이내로 지정해주세요."),
        other => panic!("{other:?}"),
    }
    let err = parse_page(page("changed").as_bytes()).unwrap_err();
    assert!(matches!(err, CollectError::FormatChanged { .. }), "{err}");
    let err = parse_page(b"<html><body>login</body></html>").unwrap_err();
    assert!(matches!(err, CollectError::FormatChanged { .. }), "{err}");
}

#[test]
fn the_login_form_is_read_from_its_action_or_from_the_out_script() {
    let PageKind::Login {
        action,
        fields,
        error,
        captcha,
    } = classify(page("login"))
    else {
        panic!("a login page");
    };
    assert!(action.starts_with(
        "https://xauth.coupang.com/auth/realms/seller/login-actions/authenticate?session_code=S1&execution=E1&client_id=wing"
    ), "{action}");
    assert_eq!(fields, [("credentialId".to_string(), String::new())]);
    assert_eq!((error, captcha), (None, false));
    let PageKind::Login { action, .. } = classify(page("login_script")) else {
        panic!("a login page");
    };
    assert!(action.contains("session_code=S2"), "{action}");
}

#[test]
fn login_answers_are_told_apart() {
    assert!(matches!(
        classify(page("wrong_password")),
        PageKind::Login { error: Some(e), captcha: false, .. } if e.contains("비밀번호")
    ));
    assert!(matches!(
        classify(page("locked")),
        PageKind::Login { error: Some(e), .. } if e.contains("잠겼")
    ));
    assert!(matches!(
        classify(page("captcha")),
        PageKind::Login { captcha: true, .. }
    ));
    assert_eq!(classify(page("expired")), PageKind::Expired);
    assert_eq!(classify(page("update_password")), PageKind::PasswordChange);
    let PageKind::Code {
        action,
        fields,
        code_field,
        channel,
        ..
    } = classify(page("code"))
    else {
        panic!("a code page");
    };
    assert!(action.contains("session_code=S6"));
    assert_eq!(code_field, "code");
    assert_eq!(channel, CodeChannel::Email);
    assert_eq!(fields, [("channel".to_string(), "email".to_string())]);
    assert_eq!(
        classify("<html><body><div id=wing-app></div></body></html>"),
        PageKind::Other
    );
}
