//! ESM PLUS's review list (`GET https://www.esmplus.com/Review/ReviewList?AnsStatus=&BeginDt=
//! YYYY-MM-DD&EndDt=YYYY-MM-DD`, seller-centers.md §4), read from its HTML with `scraper`.
//!
//! What the facts give: the total in `#lblTotalCount`, the rows in `tbody tr`, a
//! `.paging .next` link on the older page. What they do not: the columns, the review id,
//! the photo flag and the page size. So the columns are found by their header labels
//! (`thead th`), never by position, and a page without the columns a review needs is a
//! format change; the labels read are listed in [`COLUMNS`] ([ASSUMED] from the ESM PLUS
//! UI's wording, to be checked against one live page). A review's id is its 상품평 number
//! where a column shows one, else its order number (one review per order line).
//!
//! Each row is kept as JSON (header label → cell text, plus the photo URLs) so that the
//! raw record is stored like every market's, and read one by one: one unreadable row is
//! a rejected record. A page whose total says reviews exist but that shows none, or that
//! has no total at all, is a format change, never "no reviews".

use super::{MAX_DAYS, WWW, is_logged_out_redirect};
use crate::centers::{Expect, Session, resolve};
use crate::error::{CollectError, RawPage};
use crate::markets::{day_chunks, lenient, rows};
use crate::model::{Market, RawJson, Records, RejectKey, Rejected, Review, Window};
use chrono::NaiveDate;
use reqwest::header::LOCATION;
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};
use std::sync::Arc;

pub const ENDPOINT: &str = "/Review/ReviewList";
/// A guard against a listing that never ends: at the simulator's 20 rows a page, 20,000
/// reviews in one month.
const MAX_PAGES: u32 = 1000;

/// What a column holds, found by words in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    ReviewNo,
    OrderNo,
    ProductNo,
    Rating,
    Content,
    Photo,
    Created,
    RepliedAt,
    Replied,
}

/// Header words per column, tried in this order (the first match wins, so "답변일"
/// is the reply time before "답변" is the reply state).
pub const COLUMNS: &[(Column, &[&str])] = &[
    (Column::ReviewNo, &["상품평번호", "리뷰번호", "후기번호"]),
    (Column::OrderNo, &["주문번호"]),
    (Column::ProductNo, &["상품번호"]),
    (Column::Rating, &["평점", "만족도", "별점", "평가"]),
    (Column::Photo, &["사진", "포토", "이미지"]),
    (Column::Created, &["작성일", "등록일"]),
    (Column::RepliedAt, &["답변일"]),
    (Column::Replied, &["답변여부", "답변상태", "답변"]),
    (Column::Content, &["내용", "상품평", "후기"]),
];

fn column_of(label: &str) -> Option<Column> {
    let label: String = label.split_whitespace().collect();
    COLUMNS
        .iter()
        .find(|(_, words)| words.iter().any(|w| label.contains(w)))
        .map(|(c, _)| *c)
}

/// One list page, read.
#[derive(Debug)]
pub struct ListPage {
    /// `#lblTotalCount`: every review of the query, all pages.
    pub total: u64,
    /// Each row as JSON (header label → text; `사진` → photo URLs).
    pub rows: Vec<RawJson>,
    /// The `.paging .next` link, as written on the page.
    pub next: Option<String>,
}

/// Why a page cannot be read as ESM PLUS's review list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("the page is ESM PLUS's login form: the session is logged out")]
    LoggedOut,
    #[error("the review list changed: {0}")]
    Changed(String),
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("a valid CSS selector")
}

fn clean(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A review list page's HTML read: total, rows, next link.
pub fn parse_list(html: &str) -> Result<ListPage, ListError> {
    let doc = Html::parse_document(html);
    if doc
        .select(&sel("#typeMemberInputId01, input[type=password]"))
        .next()
        .is_some()
    {
        return Err(ListError::LoggedOut);
    }
    let total_text = doc
        .select(&sel("#lblTotalCount"))
        .next()
        .map(clean)
        .ok_or_else(|| ListError::Changed("no #lblTotalCount".into()))?;
    let digits: String = total_text.chars().filter(char::is_ascii_digit).collect();
    let total: u64 = digits
        .parse()
        .map_err(|_| ListError::Changed("#lblTotalCount holds no number".into()))?;
    // The table whose body holds the rows: the first with a header row.
    let table = doc
        .select(&sel("table"))
        .find(|t| t.select(&sel("thead th")).next().is_some())
        .ok_or_else(|| ListError::Changed("no table with a header".into()))?;
    let labels: Vec<String> = table.select(&sel("thead th")).map(clean).collect();
    let columns: Vec<Option<Column>> = labels.iter().map(|l| column_of(l)).collect();
    for needed in [Column::ProductNo, Column::Content, Column::Created] {
        if !columns.contains(&Some(needed)) {
            return Err(ListError::Changed(format!(
                "no {needed:?} column among the headers {labels:?}"
            )));
        }
    }
    if !columns.contains(&Some(Column::ReviewNo)) && !columns.contains(&Some(Column::OrderNo)) {
        return Err(ListError::Changed(format!(
            "neither a review nor an order number among the headers {labels:?}"
        )));
    }
    let mut out = Vec::new();
    for tr in table.select(&sel("tbody tr")) {
        let cells: Vec<ElementRef<'_>> = tr.select(&sel("td")).collect();
        // "조회된 데이터가 없습니다": one cell across the table.
        if cells.len() == 1 && cells[0].value().attr("colspan").is_some() {
            continue;
        }
        if cells.len() != labels.len() {
            return Err(ListError::Changed(format!(
                "a row has {} cells under {} headers",
                cells.len(),
                labels.len()
            )));
        }
        let mut obj = Map::new();
        for ((label, column), cell) in labels.iter().zip(&columns).zip(&cells) {
            let value = if *column == Some(Column::Photo) {
                Value::Array(
                    cell.select(&sel("img[src], a[href]"))
                        .filter_map(|e| e.value().attr("src").or_else(|| e.value().attr("href")))
                        .filter(|u| !u.is_empty() && !u.starts_with("javascript"))
                        .map(|u| Value::String(u.to_string()))
                        .collect(),
                )
            } else {
                Value::String(clean(*cell))
            };
            obj.insert(label.clone(), value);
        }
        let raw = RawJson::from_text(Value::Object(obj).to_string())
            .map_err(|_| ListError::Changed("a row is not representable as JSON".into()))?;
        out.push(raw);
    }
    if total > 0 && out.is_empty() {
        return Err(ListError::Changed(format!(
            "#lblTotalCount says {total} but no row is shown"
        )));
    }
    let next = doc
        .select(&sel(".paging .next, .paging a.next"))
        .next()
        .and_then(|a| a.value().attr("href"))
        .filter(|h| !h.is_empty() && !h.starts_with("javascript") && *h != "#")
        .map(str::to_string);
    Ok(ListPage {
        total,
        rows: out,
        next,
    })
}

/// The value of `column` in a row kept as JSON.
fn cell(row: &Map<String, Value>, column: Column) -> Option<&Value> {
    row.iter()
        .find(|(label, _)| column_of(label) == Some(column))
        .map(|(_, v)| v)
}

fn cell_text(row: &Map<String, Value>, column: Column) -> Option<String> {
    cell(row, column)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-")
        .map(str::to_string)
}

/// Stars from "5", "4점", "★★★★☆", or the satisfaction words (만족/추천 = 5, 보통 = 3,
/// 불만/별로 = 1) where the market has no stars.
fn rating_of(text: &str) -> Result<Option<i16>, String> {
    let stars = text.chars().filter(|c| *c == '★').count();
    if stars > 0 {
        return i16::try_from(stars)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .map(Some)
            .ok_or_else(|| "the star rating is outside 1..5".into());
    }
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        return match digits.parse::<i16>() {
            Ok(r @ 1..=5) => Ok(Some(r)),
            _ => Err("the rating is outside 1..5".into()),
        };
    }
    Ok(match text {
        t if t.contains("불만") || t.contains("별로") => Some(1),
        t if t.contains("보통") => Some(3),
        t if t.contains("만족") || t.contains("추천") || t.contains("좋") => Some(5),
        _ => return Err("the rating is neither stars, a number nor a satisfaction word".into()),
    })
}

fn replied_of(text: &str) -> Option<bool> {
    match text.trim() {
        t if t.contains("미답변") || t.eq_ignore_ascii_case("N") || t.contains("대기") => {
            Some(false)
        }
        t if t.contains("답변완료") || t.eq_ignore_ascii_case("Y") || t.contains("완료") => {
            Some(true)
        }
        _ => None,
    }
}

/// A time or date as ESM writes it, also with dots (`2026.11.20 10:00:00`), read as KST.
fn kst_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let dashed: String = match text.get(..10) {
        Some(d) if d.chars().filter(|c| *c == '.').count() == 2 => {
            format!("{}{}", d.replace('.', "-"), &text[10..])
        }
        _ => text.to_string(),
    };
    lenient::kst_time(&dashed).or_else(|| {
        lenient::kst_date(&dashed)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(crate::model::kst()).single())
            .map(|t| t.to_utc())
    })
}

/// The id a row is stored under: its 상품평 number, else its order number.
fn id_of(row: &Map<String, Value>) -> Option<String> {
    cell_text(row, Column::ReviewNo).or_else(|| cell_text(row, Column::OrderNo))
}

/// One row read as a review; `Err` names the column that did not read (never its value).
pub fn to_review(raw: &RawJson) -> Result<Review, Rejected> {
    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    let key = value
        .as_object()
        .and_then(id_of)
        .unwrap_or_else(|| rows::key_of(raw, &[]));
    let reject = |why: &str| rows::reject(ENDPOINT, key.clone(), why, raw);
    let row = value
        .as_object()
        .ok_or_else(|| reject("not a row object"))?;
    let review_id = id_of(row).ok_or_else(|| reject("no review or order number"))?;
    let product_id = cell_text(row, Column::ProductNo).ok_or_else(|| reject("no 상품번호"))?;
    let created = cell_text(row, Column::Created).ok_or_else(|| reject("no 작성일"))?;
    let created_at =
        kst_time(&created).ok_or_else(|| reject("작성일 is no date or time in a known format"))?;
    let rating = match cell_text(row, Column::Rating) {
        None => None,
        Some(t) => rating_of(&t).map_err(|why| reject(&why))?,
    };
    let replied_at = match cell_text(row, Column::RepliedAt) {
        None => None,
        Some(t) => Some(
            kst_time(&t).ok_or_else(|| reject("답변일 is no date or time in a known format"))?,
        ),
    };
    let replied = cell_text(row, Column::Replied)
        .and_then(|t| replied_of(&t))
        .or(replied_at.map(|_| true));
    let photos = match cell(row, Column::Photo) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Review {
        review_id,
        product_id,
        order_id: cell_text(row, Column::OrderNo),
        rating,
        content: cell_text(row, Column::Content).unwrap_or_default(),
        photos,
        created_at,
        replied,
        replied_at,
        raw: raw.clone(),
    })
}

/// A page's rows as reviews; the ones that do not read, rejected.
pub fn normalize(rows: &[RawJson]) -> Records {
    let mut out = Records::default();
    for raw in rows {
        match to_review(raw) {
            Ok(r) => out.reviews.push(r),
            Err(r) => out.rejected.push(r),
        }
    }
    out
}

/// A rejected row read again (no request).
pub fn reread(rejected: &Rejected) -> Result<Records, String> {
    let review = to_review(&rejected.raw).map_err(|r| r.reason)?;
    Ok(Records {
        reviews: vec![review],
        resolved: vec![RejectKey {
            endpoint: rejected.key.endpoint.clone(),
            record_key: rejected.key.record_key.clone(),
        }],
        ..Records::default()
    })
}

/// The first page's URL of `[begin, end]` (KST dates, both inclusive), every answer state.
pub fn list_url(s: &Session, begin: NaiveDate, end: NaiveDate) -> String {
    s.url(
        WWW,
        &format!(
            "{ENDPOINT}?AnsStatus=&BeginDt={}&EndDt={}",
            begin.format("%Y-%m-%d"),
            end.format("%Y-%m-%d")
        ),
    )
}

fn changed(market: Market, detail: String, body: &[u8]) -> CollectError {
    CollectError::FormatChanged {
        market,
        endpoint: ENDPOINT.into(),
        detail,
        page_ref: String::new(),
        raw: RawPage(Arc::from(body)),
    }
}

/// One page of the list; logged-out signs are `SessionExpired`.
async fn page(s: &Session, market: Market, url: &str) -> Result<ListPage, CollectError> {
    let reply = s
        .send(
            s.client()
                .get(url)
                .header("referer", s.url(WWW, "/Home/v2")),
            ENDPOINT,
            Expect::Html,
        )
        .await?;
    if reply.status.is_redirection() {
        let to = reply.header(LOCATION.as_str()).unwrap_or_default();
        if is_logged_out_redirect(s, to) {
            tracing::info!(market = %market, endpoint = ENDPOINT, "ESM PLUS sent the session to sign in");
            return Err(CollectError::SessionExpired { market });
        }
        return Err(CollectError::Rejected {
            market,
            endpoint: ENDPOINT.into(),
            detail: format!("HTTP {} to an unexpected place", reply.status.as_u16()),
        });
    }
    s.meter().page();
    match parse_list(&reply.text()) {
        Ok(p) => Ok(p),
        Err(ListError::LoggedOut) => Err(CollectError::SessionExpired { market }),
        Err(ListError::Changed(detail)) => Err(changed(market, detail, &reply.body)),
    }
}

/// Every review of the window's KST dates: every page of each month, following the
/// page's own next link. A month whose pages hold fewer rows than its total is an error,
/// never a partial "all".
pub async fn fetch(s: &Session, market: Market, window: Window) -> Result<Records, CollectError> {
    let (first, last) = window.kst_dates();
    let mut out = Records::default();
    for (begin, end) in day_chunks(first, last, MAX_DAYS) {
        let mut url = list_url(s, begin, end);
        let mut rows = 0u64;
        let mut total = 0u64;
        for n in 0.. {
            if n >= MAX_PAGES {
                return Err(CollectError::Rejected {
                    market,
                    endpoint: ENDPOINT.into(),
                    detail: format!(
                        "{begin}..{end}: more than {MAX_PAGES} pages; nothing of it was stored"
                    ),
                });
            }
            let p = page(s, market, &url).await?;
            total = total.max(p.total);
            rows += p.rows.len() as u64;
            out.extend(normalize(&p.rows));
            match p.next.as_deref().and_then(|next| resolve(&url, next)) {
                Some(next) if !p.rows.is_empty() => url = next,
                _ => break,
            }
        }
        if rows < total {
            return Err(CollectError::Rejected {
                market,
                endpoint: ENDPOINT.into(),
                detail: format!(
                    "{begin}..{end}: the list counts {total} reviews but its pages showed {rows}; nothing of it was stored"
                ),
            });
        }
    }
    Ok(out)
}
