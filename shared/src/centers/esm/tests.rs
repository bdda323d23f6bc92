//! The ESM PLUS review list parser on recorded pages of the shape in seller-centers.md §4
//! (`#lblTotalCount`, `tbody tr`, `.paging .next`); columns by their header labels.

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
