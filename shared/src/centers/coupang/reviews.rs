//! WING's review search (`POST /tenants/cs/product/review/search`, seller-centers.md §2.2):
//! the request body the UI sends, the page envelope and one review row, in WING's names.
//!
//! - Dates only, at most one month per query (28 dates here), `pageSize` at most 50,
//!   `pageIndex` from 0; a page past the end has an empty `content`.
//! - `salesStatus: ""` (every product; the UI's default `"true"` drops 판매중지 ones).
//! - No order id, and no reply field anyone has explained (`emptyComment` is not): the
//!   reply state is stored as unknown, never guessed (seller-centers.md §11).
//! - Every row carries `vendorId`, the store check of §0: a page with rows of two vendors
//!   is refused whole, and the session's identity is the vendorId of its reviews.
//!
//! A page is parsed once, its rows kept as the JSON they came in and read one by one, so
//! that one unreadable review is a rejected record; a page that is not WING's envelope is a
//! format change, never "no reviews".

use super::{MAX_DAYS, WING};
use crate::centers::{Expect, Session};
use crate::error::{CollectError, parse_json};
use crate::markets::{day_chunks, lenient, rows};
use crate::model::{Market, RawJson, Records, RejectKey, Rejected, Review, Window, kst};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

pub const ENDPOINT: &str = "/tenants/cs/product/review/search";
pub const XSRF_RESOURCE: &str = "/tenants/sfl-portal/card/cre/resource";
/// The UI's review page (the `Referer` of its searches).
const REVIEW_UI: &str = "/tenants/cs/product/review";
/// Measured: 100 answers "오류가 발생했습니다" (seller-centers.md §2.2).
pub const PAGE_SIZE: u32 = 50;
/// A guard against a listing that never ends: 50 x 400 = 20,000 reviews in 28 days.
const MAX_PAGES: u32 = 400;
/// How far back [`vendor_of`] looks for a review to read the store from: six searches.
const IDENTITY_SEARCHES: i64 = 6;

/// The body the WING UI sends for one page.
pub fn review_search_body(start: NaiveDate, end: NaiveDate, page_index: u32) -> serde_json::Value {
    serde_json::json!({
        "startTime": start.format("%Y-%m-%d").to_string(),
        "endTime": end.format("%Y-%m-%d").to_string(),
        "rating": "",
        "salesStatus": "",
        "advancedType": "productName",
        "advancedInput": "",
        "pageIndex": page_index,
        "pageSize": PAGE_SIZE,
        "productName": "",
    })
}

#[derive(Deserialize)]
pub struct Envelope {
    #[serde(default, deserialize_with = "lenient::opt_text")]
    code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    message: Option<String>,
    #[serde(default)]
    success: Option<serde_json::Value>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Strict {
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default, deserialize_with = "lenient::list")]
    content: Vec<RawJson>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    #[serde(default, deserialize_with = "lenient::count")]
    total_pages: u32,
}

/// One page of the search, as WING answered it.
#[derive(Debug)]
pub enum Page {
    Rows {
        rows: Vec<RawJson>,
        total_pages: Option<u32>,
    },
    /// WING's envelope says no (`success: false` or a `code` other than `OK`), with its
    /// message, e.g. "검색 기간은 1개월 이내로 지정해주세요.".
    Refused { message: String },
}

/// A page's JSON read as WING's envelope.
pub fn parse_page(body: &[u8]) -> Result<Page, CollectError> {
    let env: Envelope = parse_json(Market::Coupang, ENDPOINT, body)?;
    let success = match &env.success {
        None => None,
        Some(serde_json::Value::Bool(b)) => Some(*b),
        Some(serde_json::Value::String(s)) => Some(s.eq_ignore_ascii_case("true")),
        Some(_) => None,
    };
    let code_ok = env
        .code
        .as_deref()
        .is_none_or(|c| c.eq_ignore_ascii_case("OK"));
    if success == Some(false) || !code_ok {
        return Ok(Page::Refused {
            message: env
                .message
                .filter(|m| !m.trim().is_empty())
                .or(env.code)
                .unwrap_or_else(|| "refused without a message".into()),
        });
    }
    let data = match env.data {
        Some(d) => d,
        // A successful answer without its data: read strictly, to say so as a format change.
        None => parse_json::<Strict>(Market::Coupang, ENDPOINT, body)?.data,
    };
    let total_pages = data.pagination.map(|p| p.total_pages);
    Ok(Page::Rows {
        rows: data.content,
        total_pages,
    })
}

/// One review row in WING's names: the fields a review is made of (the others, e.g.
/// `itemName`, `vendorItemId`, `reviewTitle`, `deleted`, `blinded`, `emptyComment`,
/// `reviewSurveyAnswers`, stay in its raw JSON).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(deserialize_with = "lenient::id")]
    review_id: String,
    #[serde(deserialize_with = "lenient::id")]
    product_id: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    vendor_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_amount")]
    rating: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    review_content: Option<String>,
    /// Epoch milliseconds.
    #[serde(default, deserialize_with = "lenient::opt_amount")]
    review_at: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_amount")]
    created_at: Option<i64>,
    /// A JSON string `{imageAttachments[], videoAttachments[]}` (or the object itself).
    #[serde(default)]
    attachment: Option<serde_json::Value>,
}

/// One page's rows normalized: the ones that do not read are rejected; rows of two
/// different vendors refuse the page (a session of another store stores nothing).
pub fn normalize(rows: Vec<RawJson>) -> Result<Records, CollectError> {
    let (read, mut rejected) = rows::read_all::<Row>(ENDPOINT, rows, &["/reviewId"]);
    let mut vendors = read.iter().filter_map(|(r, _)| r.vendor_id.as_deref());
    if let Some(first) = vendors.next()
        && let Some(other) = vendors.find(|v| *v != first)
    {
        return Err(CollectError::ReloginRequired {
            market: Market::Coupang,
            message: format!(
                "WING listed reviews of two stores (vendorId {first} and {other}) in one session; nothing was stored"
            ),
        });
    }
    let mut out = Records::default();
    rows::normalize_each(&read, to_review, &mut out.reviews, &mut rejected);
    out.rejected = rejected;
    Ok(out)
}

fn epoch_ms(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).filter(|_| ms > 0)
}

fn to_review(r: &Row, raw: &RawJson) -> Result<Review, Rejected> {
    let reject = |why: &str| rows::reject(ENDPOINT, r.review_id.clone(), why, raw);
    if r.vendor_id.is_none() {
        return Err(reject("`vendorId` missing: the store cannot be checked"));
    }
    let created_at = match (r.review_at, r.created_at) {
        (Some(ms), _) => epoch_ms(ms).ok_or_else(|| reject("`reviewAt` is no epoch-ms time"))?,
        (None, Some(ms)) => {
            epoch_ms(ms).ok_or_else(|| reject("`createdAt` is no epoch-ms time"))?
        }
        (None, None) => return Err(reject("`reviewAt` missing")),
    };
    let rating = match r.rating {
        None => None,
        Some(x @ 1..=5) => Some(x as i16),
        Some(_) => return Err(reject("`rating` is outside 1..5")),
    };
    let photos = photos(r.attachment.as_ref()).map_err(|why| reject(&why))?;
    Ok(Review {
        review_id: r.review_id.clone(),
        product_id: r.product_id.clone(),
        // WING's review rows name no order.
        order_id: None,
        rating,
        content: r.review_content.clone().unwrap_or_default(),
        photos,
        created_at,
        // No captured field says whether the seller replied (§11): unknown, not "no".
        replied: None,
        replied_at: None,
        raw: raw.clone(),
    })
}

/// The image URLs of `attachment` (a JSON string, or the object itself); blinded images
/// are left out.
fn photos(attachment: Option<&serde_json::Value>) -> Result<Vec<String>, String> {
    use serde_json::Value;
    let parsed;
    let obj = match attachment {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Vec::new()),
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|_| "`attachment` is not JSON text".to_string())?;
            &parsed
        }
        Some(v) => v,
    };
    let images = match obj.get("imageAttachments") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("`attachment.imageAttachments` is not a list".into()),
    };
    Ok(images
        .iter()
        .filter(|i| i.get("blinded").and_then(Value::as_bool) != Some(true))
        .filter_map(|i| {
            ["imgSrc", "thumbnailSrc", "uploadedFilePath"]
                .iter()
                .find_map(|k| i.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .collect())
}

/// One search of WING's reviews, `[start, end]` (≤ 28 dates), one page.
async fn search(
    s: &Session,
    start: NaiveDate,
    end: NaiveDate,
    page_index: u32,
) -> Result<Page, CollectError> {
    let url = s.url(WING, ENDPOINT);
    let req = s
        .client()
        .post(&url)
        .header("content-type", "application/json;charset=UTF-8")
        .header("accept", "application/json, text/plain, */*")
        .header("origin", s.origin(WING))
        .header("referer", s.url(WING, REVIEW_UI))
        .body(review_search_body(start, end, page_index).to_string());
    // No `x-xsrf-token`: the search answers to the cookies alone (seller-centers.md §2.2).
    let reply = s.send(req, ENDPOINT, Expect::Json).await?;
    if reply.status.is_redirection() {
        // WING sends a logged-out API call to its own /login first, then to xauth.
        return Err(CollectError::SessionExpired {
            market: Market::Coupang,
        });
    }
    s.meter().page();
    parse_page(&reply.body)
}

fn refused(start: NaiveDate, end: NaiveDate, message: String) -> CollectError {
    CollectError::Rejected {
        market: Market::Coupang,
        endpoint: ENDPOINT.into(),
        detail: format!("{start}..{end}: {message}"),
    }
}

/// Every review of the window's KST dates, every page, in searches of ≤ 28 dates.
pub async fn fetch(s: &Session, window: Window) -> Result<Records, CollectError> {
    let (first, last) = window.kst_dates();
    let mut out = Records::default();
    let mut vendor: Option<String> = None;
    for (start, end) in day_chunks(first, last, MAX_DAYS) {
        let mut page_index = 0;
        loop {
            if page_index >= MAX_PAGES {
                return Err(refused(
                    start,
                    end,
                    format!("more than {MAX_PAGES} pages of {PAGE_SIZE}; nothing of it was stored"),
                ));
            }
            let (rows, total_pages) = match search(s, start, end, page_index).await? {
                Page::Rows { rows, total_pages } => (rows, total_pages),
                Page::Refused { message } => return Err(refused(start, end, message)),
            };
            let empty = rows.is_empty();
            let records = normalize(rows)?;
            // One store across the whole fetch, not only within a page.
            for r in &records.reviews {
                let v = vendor_in(&r.raw);
                match (&vendor, v) {
                    (None, Some(v)) => vendor = Some(v),
                    (Some(a), Some(b)) if *a != b => {
                        return Err(CollectError::ReloginRequired {
                            market: Market::Coupang,
                            message: format!(
                                "WING listed reviews of two stores (vendorId {a} and {b}) in one session; nothing was stored"
                            ),
                        });
                    }
                    _ => {}
                }
            }
            out.extend(records);
            page_index += 1;
            if empty || total_pages.is_some_and(|t| page_index >= t) {
                break;
            }
        }
    }
    Ok(out)
}

fn vendor_in(raw: &RawJson) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct V {
        #[serde(default, deserialize_with = "lenient::opt_id")]
        vendor_id: Option<String>,
    }
    rows::read::<V>(raw).ok()?.vendor_id
}

/// The store the session is logged into: the `vendorId` of its newest review. WING's
/// console shows no other store id in any captured answer; a store without a review in
/// the last six months cannot be checked yet, and nothing is collected for it.
pub async fn vendor_of(s: &Session) -> Result<String, CollectError> {
    let today = Utc::now().with_timezone(&kst()).date_naive();
    for n in 0..IDENTITY_SEARCHES {
        let end = today - Duration::days(n * MAX_DAYS);
        let start = end - Duration::days(MAX_DAYS - 1);
        let rows = match search(s, start, end, 0).await? {
            Page::Rows { rows, .. } => rows,
            Page::Refused { message } => return Err(refused(start, end, message)),
        };
        if let Some(v) = rows.iter().find_map(vendor_in) {
            return Ok(v);
        }
    }
    Err(CollectError::Rejected {
        market: Market::Coupang,
        endpoint: ENDPOINT.into(),
        detail: format!(
            "WING shows no review in the last {} days, so the session's store (vendorId) cannot be checked; nothing is collected until it can",
            IDENTITY_SEARCHES * MAX_DAYS
        ),
    })
}

/// A rejected review read again (no request).
pub fn reread(rejected: &Rejected) -> Result<Records, String> {
    let row: Row = rows::read(&rejected.raw)?;
    let review = to_review(&row, &rejected.raw).map_err(|r| r.reason)?;
    Ok(Records {
        reviews: vec![review],
        resolved: vec![RejectKey {
            endpoint: rejected.key.endpoint.clone(),
            record_key: rejected.key.record_key.clone(),
        }],
        ..Records::default()
    })
}
