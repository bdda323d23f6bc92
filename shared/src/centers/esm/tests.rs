//! ESM PLUS: the review list parser on recorded pages of the shape in seller-centers.md §4
//! (`#lblTotalCount`, `tbody tr`, `.paging .next`); columns by their header labels. Also the
//! store list (GetAMLSellerList, encoded twice) and the sign-in answers.

use super::reviews::{ListError, normalize, parse_list};

const LIST: &str = include_str!("testdata/review_list.html");
const EMPTY: &str = include_str!("testdata/review_list_empty.html");
const PAGED: &str = include_str!("testdata/review_list_paged.html");
const CHANGED: &str = include_str!("testdata/review_list_changed.html");
const SIGNIN: &str = include_str!("testdata/signin.html");

#[test]
fn every_field_of_a_review_row_is_read() {
    let page = parse_list(LIST).unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.next, None);
    let r = normalize(&page.rows);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.reviews.len(), 3);
    let a = &r.reviews[0];
    assert_eq!(a.review_id, "8812345001");
    assert_eq!(a.order_id.as_deref(), Some("4012345678"));
    assert_eq!(a.product_id, "2345678901");
    assert_eq!(a.rating, Some(5));
    assert_eq!(a.content, "아삭하고 달아요. 다음에도 주문할게요!");
    assert_eq!(
        a.photos,
        [
            "https://gdimg.gmarket.co.kr/review/8812345001_1.jpg",
            "https://gdimg.gmarket.co.kr/review/8812345001_2.jpg"
        ]
    );
    assert_eq!(
        a.created_at.to_rfc3339(),
        "2026-11-28T05:05:00+00:00",
        "KST"
    );
    assert_eq!(a.replied, Some(true));
    assert_eq!(
        a.replied_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-11-29T00:30:00+00:00")
    );
    assert!(a.raw.get().contains("kim***"), "the row is kept whole");
    let b = &r.reviews[1];
    assert_eq!(
        (b.rating, b.replied, b.replied_at),
        (Some(3), Some(false), None)
    );
    assert_eq!(
        b.created_at.to_rfc3339(),
        "2026-11-26T15:00:00+00:00",
        "a date alone is KST midnight"
    );
    assert_eq!(r.reviews[2].rating, Some(1), "a satisfaction word");
}

#[test]
fn the_next_link_and_a_row_without_an_id_are_kept_apart() {
    let page = parse_list(PAGED).unwrap();
    assert_eq!(page.total, 1201);
    assert_eq!(
        page.next.as_deref(),
        Some("/Review/ReviewList?AnsStatus=&BeginDt=2026-11-01&EndDt=2026-11-30&page=2")
    );
    let r = normalize(&page.rows);
    assert_eq!(r.reviews.len(), 2);
    assert_eq!(
        r.reviews[0].review_id, "4099000001",
        "the order number as the id"
    );
    assert_eq!(r.reviews[0].rating, Some(5));
    assert_eq!(r.reviews[1].rating, Some(4));
    assert_eq!(r.reviews[1].replied, None, "no reply column: unknown");
    assert_eq!(r.rejected.len(), 1);
    assert!(
        r.rejected[0].reason.contains("number"),
        "{}",
        r.rejected[0].reason
    );
}

#[test]
fn no_reviews_is_only_what_the_page_says() {
    let page = parse_list(EMPTY).unwrap();
    assert_eq!((page.total, page.rows.len()), (0, 0));
    // A page that changed shape is never read as "no reviews".
    assert!(matches!(parse_list(CHANGED), Err(ListError::Changed(_))));
    let without_total = LIST.replace("lblTotalCount", "somethingElse");
    assert!(matches!(
        parse_list(&without_total),
        Err(ListError::Changed(_))
    ));
    let rows_gone = LIST
        .replace("<tbody>", "<tbody><!--")
        .replace("</tbody>", "--></tbody>");
    assert!(matches!(parse_list(&rows_gone), Err(ListError::Changed(m)) if m.contains("says 3")));
    assert_eq!(parse_list(SIGNIN).unwrap_err(), ListError::LoggedOut);
}

mod identity {
    use crate::centers::esm::identity::{AmlSeller, ListError, parse_list, pick};
    use crate::centers::esm::{AUCTION, GMARKET};

    /// A master account's list, encoded twice as ESM PLUS answers it (research §1a).
    const MASTER: &str = r#""[{\"SiteId\":2,\"SellerId\":\"gsister\",\"SellerCustNo\":\"100200301\"},{\"SiteId\":1,\"SellerId\":\"amine\",\"SellerCustNo\":100200302},{\"SiteId\":2,\"SellerId\":\"gmine\",\"SellerCustNo\":\"100200303\",\"Other\":true}]""#;

    #[test]
    fn a_double_encoded_list_reads_and_a_plain_array_too() {
        let list = parse_list(MASTER.as_bytes()).unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(
            list[1],
            AmlSeller {
                site_id: "1".into(),
                seller_id: "amine".into(),
                seller_cust_no: Some("100200302".into()),
            },
            "numbers and strings alike"
        );
        let plain: String = serde_json::from_str(MASTER).unwrap();
        assert_eq!(parse_list(plain.as_bytes()).unwrap(), list);
    }

    #[test]
    fn the_seller_s_own_id_of_the_site_is_picked_else_the_site_s_first() {
        let list = parse_list(MASTER.as_bytes()).unwrap();
        assert_eq!(pick(&list, GMARKET, "gmine").as_deref(), Some("gmine"));
        assert_eq!(
            pick(&list, GMARKET, "someone").as_deref(),
            Some("gsister"),
            "another store: the identity check fails on it"
        );
        assert_eq!(
            pick(&list, AUCTION, "gmine").as_deref(),
            Some("amine"),
            "a Gmarket id is no Auction store"
        );
        let gmarket_only: Vec<_> = list.into_iter().filter(|s| s.site_id == "2").collect();
        assert_eq!(pick(&gmarket_only, AUCTION, "amine"), None);
    }

    #[test]
    fn html_is_no_list_and_an_object_is_a_changed_format() {
        assert_eq!(
            parse_list(b"<!DOCTYPE html><html>login</html>"),
            Err(ListError::NotJson)
        );
        assert!(matches!(
            parse_list(br#"{"SiteId":2}"#),
            Err(ListError::Shape(_))
        ));
        assert!(matches!(
            parse_list(br#""not json""#),
            Err(ListError::Shape(_))
        ));
    }
}

mod sign_in {
    use crate::centers::LoginOutcome;
    use crate::centers::esm::GMARKET;
    use crate::centers::esm::login::{SignIn, login_body, read_sign_in};

    #[test]
    fn the_body_has_the_captured_fields() {
        let b = login_body("me", "pw", GMARKET);
        for k in [
            "loginId",
            "password",
            "siteType",
            "rememberMe",
            "nextUrl",
            "captcha",
            "captchaRequest",
            "atoCollectData",
        ] {
            assert!(b.get(k).is_some(), "{k}");
        }
        assert_eq!(b["siteType"], "GMARKET");
        assert_eq!(b["captchaRequest"]["sessionID"], "");
    }

    #[test]
    fn a_token_or_a_refusal_read_by_its_words() {
        assert_eq!(
            read_sign_in(br#"{"data":{"encData":"e.n.c","cookieValue":"ESM_PC=x; Path=/"}}"#),
            Some(SignIn::Token {
                enc_data: "e.n.c".into(),
                cookie: "ESM_PC=x; Path=/".into()
            })
        );
        let refused = |body: &str| match read_sign_in(body.as_bytes()) {
            Some(SignIn::Refused(o)) => o,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            refused(
                r#"{"success":false,"message":"아이디 또는 비밀번호를 확인해 주세요.","data":null}"#
            ),
            LoginOutcome::WrongPassword
        );
        assert_eq!(
            refused(r#"{"success":false,"data":{"isCaptcha":true}}"#),
            LoginOutcome::Captcha
        );
        assert_eq!(
            refused(r#"{"message":"자동입력 방지문자를 입력해 주세요."}"#),
            LoginOutcome::Captcha
        );
        assert_eq!(
            refused(r#"{"message":"로그인 실패가 5회를 넘어 계정이 잠겼습니다."}"#),
            LoginOutcome::AccountLocked
        );
        assert_eq!(
            refused(r#"{"data":{"encData":""}}"#),
            LoginOutcome::WrongPassword,
            "an empty token is no token"
        );
        assert_eq!(read_sign_in(b"<html></html>"), None);
    }
}
