//! Reviews from `POST /api/v3/contents/reviews/search` (seller-centers.md §1.4): the
//! captured request body, 0-based pages of 500 until `contents` is empty or `last`,
//! each row read tolerantly (the writer-id fields drift between captures).

use super::SELL;
use crate::centers::{Expect, Session};
use crate::error::{CollectError, parse_json};
use crate::markets::{lenient, rows};
use crate::model::{Market, RawJson, Records, Rejected, Review, Window};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

pub const ENDPOINT: &str = "/api/v3/contents/reviews/search";
/// The page size the UI offers ("500개씩").
const PAGE_SIZE: u32 = 500;
/// A guard against a listing that never ends (500 x 400 = 200,000 reviews a window).
const MAX_PAGES: u32 = 400;

/// The request body of one page, as the captured script sends it.
pub fn review_search_body(from: NaiveDate, to: NaiveDate, page: u32) -> serde_json::Value {
    json!({
        "benefitKindTypeStringList": [],
        "contentsStatusTypes": [],
        "fromDate": format!("{}T00:00:00.000+09:00", from.format("%Y-%m-%d")),
        "page": page,
        "reviewContentClassTypes": [],
        "reviewScores": [],
        "reviewSearchSortType": "REVIEW_CREATE_DATE_DESC",
        "reviewTypes": [],
        "searchKeyword": "",
        "searchKeywordType": "IDS",
        "size": PAGE_SIZE,
        "sort": [],
        "storeTypes": [],
        "toDate": format!("{}T23:59:59.999+09:00", to.format("%Y-%m-%d")),
        "useSelectedDate": false,
    })
}

/// One page's envelope; rows kept raw and read one by one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    #[serde(deserialize_with = "lenient::list")]
    pub contents: Vec<RawJson>,
    #[serde(default)]
    pub last: Option<bool>,
    #[serde(default)]
    pub total_pages: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(deserialize_with = "lenient::id")]
    id: String,
    #[serde(deserialize_with = "lenient::id")]
    product_no: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    product_order_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_amount")]
    review_score: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    review_content: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    create_date: String,
    #[serde(default, deserialize_with = "lenient::list")]
    review_attaches: Vec<serde_json::Value>,
    #[serde(default)]
    has_comment: Option<serde_json::Value>,
    #[serde(default)]
    review_comment: Option<serde_json::Value>,
}

/// What one page said about paging, beside its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub rows: usize,
    pub last: Option<bool>,
    pub total_pages: Option<u64>,
}

/// A page's rows normalized (the ones that do not read, rejected), and its paging.
pub fn parse_page(body: &[u8]) -> Result<(Paging, Records), CollectError> {
    let page: Page = parse_json(Market::Naver, ENDPOINT, body)?;
    let paging = Paging {
        rows: page.contents.len(),
        last: page.last,
        total_pages: page.total_pages,
    };
    Ok((paging, normalize(page.contents)))
}

fn normalize(rows: Vec<RawJson>) -> Records {
    let (read, mut rejected) = rows::read_all::<Row>(ENDPOINT, rows, &["/id"]);
    let mut out = Records::default();
    rows::normalize_each(&read, to_review, &mut out.reviews, &mut rejected);
    out.rejected = rejected;
    out
}

fn to_review(r: &Row, raw: &RawJson) -> Result<Review, Rejected> {
    let reject = |why: &str| rows::reject(ENDPOINT, r.id.clone(), why, raw);
    let created_at = lenient::kst_time(&r.create_date)
        .ok_or_else(|| reject("`createDate` is no time in a known format"))?;
    let rating = match r.review_score {
        None => None,
        Some(s @ 1..=5) => Some(s as i16),
        Some(_) => return Err(reject("`reviewScore` is outside 1..5")),
    };
    let (replied, replied_at) = reply_of(r);
    Ok(Review {
        review_id: r.id.clone(),
        product_id: r.product_no.clone(),
        order_id: r.product_order_no.clone(),
        rating,
        content: r.review_content.clone().unwrap_or_default(),
        photos: r.review_attaches.iter().filter_map(photo_url).collect(),
        created_at,
        replied,
        replied_at,
        raw: raw.clone(),
    })
}

/// A media entry's URL, whichever name it is under (`attachUrl` in the simulator's and
/// the 2026 captures' shape; older names tolerated).
fn photo_url(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Object(m) => ["attachUrl", "url", "imageUrl", "attachPath"]
            .iter()
            .find_map(|k| m.get(*k).and_then(|u| u.as_str()))
            .filter(|u| !u.is_empty())
            .map(str::to_string),
        _ => None,
    }
}

/// `hasComment` (the reply state) and the reply's time from `reviewComment` when given.
fn reply_of(r: &Row) -> (Option<bool>, Option<DateTime<Utc>>) {
    let replied = match &r.has_comment {
        Some(serde_json::Value::Bool(b)) => Some(*b),
        Some(serde_json::Value::String(s)) => match s.to_ascii_uppercase().as_str() {
            "Y" | "TRUE" => Some(true),
            "N" | "FALSE" => Some(false),
            _ => None,
        },
        _ => None,
    };
    let at = r.review_comment.as_ref().and_then(|c| {
        ["createDate", "commentCreateDate", "modifyDate"]
            .iter()
            .find_map(|k| c.get(*k).and_then(|t| t.as_str()))
            .and_then(lenient::kst_time)
    });
    // A reply with a time is a reply, whatever the flag's spelling.
    (replied.or(at.map(|_| true)), at)
}

/// Every review created in the window's KST days, every page.
pub async fn fetch(s: &Session, window: Window) -> Result<Records, CollectError> {
    let (from, to) = window.kst_dates();
    let url = s.url(SELL, ENDPOINT);
    let mut out = Records::default();
    for page_no in 0..MAX_PAGES {
        let req = s
            .client()
            .post(&url)
            .header("content-type", "application/json;charset=UTF-8")
            .header("origin", s.origin(SELL))
            .header("referer", s.url(SELL, "/"))
            .header("x-current-state", format!("https://{SELL}/#/review/search"))
            .header("x-current-statename", "main.contents.review.search")
            .header("x-to-statename", "main.contents.review.search")
            .body(review_search_body(from, to, page_no).to_string());
        let reply = s.send(req, ENDPOINT, Expect::Json).await?;
        s.meter().page();
        let (page, records) = parse_page(&reply.body)?;
        let empty = page.rows == 0;
        out.extend(records);
        let last = page.last == Some(true)
            || page
                .total_pages
                .is_some_and(|t| u64::from(page_no) + 1 >= t);
        if empty || last {
            return Ok(out);
        }
    }
    Err(CollectError::Rejected {
        market: Market::Naver,
        endpoint: ENDPOINT.into(),
        detail: format!(
            "more than {MAX_PAGES} pages of {PAGE_SIZE} in one window ({from}..{to}); nothing of it was stored"
        ),
    })
}

/// A rejected review read again.
pub fn reread(rejected: &Rejected) -> Result<Records, String> {
    let row: Row = rows::read(&rejected.raw)?;
    let review = to_review(&row, &rejected.raw).map_err(|r| r.reason)?;
    Ok(Records {
        reviews: vec![review],
        ..Records::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page in the shape of the captures (2025-10 and 2026-09 writer fields both).
    const PAGE: &str = r#"{"contents":[
      {"id":4012345678,"productNo":"8812345","productName":"무선 이어폰","productOrderNo":"2026112812345671",
       "reviewScore":5,"reviewContent":"배송이 빠르고 음질이 좋아요!","reviewType":"AFTER_USE",
       "reviewContentClassType":"PHOTO","reviewAttaches":[{"attachType":"PHOTO","attachUrl":"https://phinf.pstatic.net/review/1.jpg"}],
       "createDate":"2026-11-28T10:15:00.000+09:00","modifyDate":"2026-11-28T10:15:00.000+09:00",
       "hasComment":true,"reviewComment":{"commentContent":"감사합니다 고객님","createDate":"2026-11-29T09:00:00+09:00"},
       "maskedWriterId":"abc***","writerIdNo":"1"},
      {"id":"4012345679","productNo":8812346,"reviewScore":"3","reviewContent":"보통이에요",
       "reviewAttaches":null,"createDate":"2026-11-28 11:00:00","hasComment":false,"maskedMemberId":"x***"},
      {"id":4012345680,"productNo":"8812346","reviewScore":9,"createDate":"2026-11-28T12:00:00+09:00"}
    ],"page":0,"size":500,"totalElements":3,"totalPages":1,"first":true,"last":true}"#;

    #[test]
    fn a_page_reads_with_photos_replies_and_rejects_what_it_cannot() {
        let (page, r) = parse_page(PAGE.as_bytes()).unwrap();
        assert_eq!(page.last, Some(true));
        assert_eq!(r.reviews.len(), 2);
        let a = &r.reviews[0];
        assert_eq!(a.review_id, "4012345678");
        assert_eq!(a.order_id.as_deref(), Some("2026112812345671"));
        assert_eq!(a.rating, Some(5));
        assert_eq!(a.photos, ["https://phinf.pstatic.net/review/1.jpg"]);
        assert_eq!(a.replied, Some(true));
        assert_eq!(
            a.replied_at.unwrap().to_rfc3339(),
            "2026-11-29T00:00:00+00:00"
        );
        assert_eq!(a.created_at.to_rfc3339(), "2026-11-28T01:15:00+00:00");
        let b = &r.reviews[1];
        assert_eq!((b.product_id.as_str(), b.rating), ("8812346", Some(3)));
        assert_eq!(b.replied, Some(false));
        assert!(b.photos.is_empty());
        assert_eq!(r.rejected.len(), 1);
        assert_eq!(r.rejected[0].key.record_key, "4012345680");
        assert!(r.rejected[0].reason.contains("reviewScore"));
    }

    #[test]
    fn a_login_page_is_no_page_of_reviews() {
        let err = parse_page(b"<html><input type=\"password\"></html>").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::FormatChanged);
        let err = parse_page(br#"{"contents":"x"}"#).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::FormatChanged);
    }

    #[test]
    fn the_body_is_the_captured_one() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let b = review_search_body(d("2026-11-01"), d("2026-11-30"), 2);
        assert_eq!(b["fromDate"], "2026-11-01T00:00:00.000+09:00");
        assert_eq!(b["toDate"], "2026-11-30T23:59:59.999+09:00");
        assert_eq!(b["page"], 2);
        assert_eq!(b["size"], 500);
        assert_eq!(b["reviewSearchSortType"], "REVIEW_CREATE_DATE_DESC");
        assert_eq!(b["searchKeywordType"], "IDS");
    }
}
