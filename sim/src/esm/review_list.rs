//! ESM PLUS's review list page (seller-centers.md §4), served on the Gmarket and Auction
//! simulators' ports under `/www.esmplus.com/…`, as far as the facts reach:
//!
//! - `GET /www.esmplus.com/Review/ReviewList?AnsStatus=&BeginDt=YYYY-MM-DD&EndDt=YYYY-MM-DD`
//!   (`AnsStatus=N`: unanswered only, `Y`: answered, empty: all; dates of 작성일, KST,
//!   both inclusive; `page` from 1): the total in `#lblTotalCount`, rows in `tbody tr`, a
//!   `.paging .next` link while older rows remain. The columns, the review id and the page
//!   size are not captured: this page's (상품평번호, 주문번호, 상품번호, 상품명, 평점, 상품평
//!   내용, 사진, 작성자, 작성일, 답변여부, 답변일; 20 rows) are the simulator's choice.
//! - Sessions, the sign-in and the logged-out answers are the ESM PLUS center simulator's
//!   (`crate::centers::esm`), which serves this page for a signed-in seller.

use crate::reviews::SimReview;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

const HOST: &str = "/www.esmplus.com";
pub const PAGE_SIZE: usize = 20;

pub fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// The sign-in page with the captured form.
pub fn signin() -> Response {
    html(
        StatusCode::OK,
        r#"<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>ESM PLUS 로그인</title></head><body>
<div class="box__tab"><button class="button__tab--esm">ESM(Master)</button><button>G마켓</button><button>옥션</button></div>
<input id="typeMemberInputId01" type="text" placeholder="아이디"><input id="typeMemberInputPassword01" type="password" placeholder="비밀번호">
<button class="button--blue" type="button">로그인</button><p class="text--red"></p>
</body></html>"#
            .into(),
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub type Params = HashMap<String, String>;

/// The list page of seller `seller` (world index) for a signed-in session: `all` is the
/// seller's reviews, oldest first; `now` the simulated time.
pub fn review_list(seller: usize, all: &[SimReview], now: DateTime<Utc>, q: &Params) -> Response {
    let i = seller;
    let date = |k: &str| {
        q.get(k)
            .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    };
    let (Some(begin), Some(end)) = (date("BeginDt"), date("EndDt")) else {
        return html(
            StatusCode::OK,
            "<html><body><script>alert('조회기간을 입력해 주세요.');</script></body></html>".into(),
        );
    };
    let page: usize = q
        .get("page")
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1);
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("KST");
    let answered = |r: &SimReview| r.replied_at.is_some_and(|t| t <= now);
    let listed: Vec<&SimReview> = all
        .iter()
        .rev()
        .filter(|r| r.created_at <= now)
        .filter(|r| {
            let d = r.created_at.with_timezone(&kst).date_naive();
            d >= begin && d <= end
        })
        .filter(|r| match q.get("AnsStatus").map(String::as_str) {
            Some("N") => !answered(r),
            Some("Y") => answered(r),
            _ => true,
        })
        .collect();
    let when = |t: DateTime<Utc>| t.with_timezone(&kst).format("%Y-%m-%d %H:%M").to_string();
    let mut rows = String::new();
    for (n, r) in listed
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .enumerate()
    {
        let product = &crate::names::PRODUCTS[r.product];
        let photos: String = r
            .photos
            .iter()
            .map(|f| {
                format!(
                    "<img src=\"https://gdimg.gmarket.co.kr/review/{}\" alt=\"\">",
                    esc(f)
                )
            })
            .collect();
        let writer: String = crate::names::person(r.member)
            .chars()
            .enumerate()
            .map(|(k, c)| if k == 0 { c } else { '*' })
            .collect();
        let (state, at) = if answered(r) {
            ("답변완료", r.replied_at.map(when).unwrap_or_default())
        } else {
            ("미답변", "-".to_string())
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"javascript:void(0)\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            (page - 1) * PAGE_SIZE + n + 1,
            r.review_id,
            r.order_no,
            (i as u64 + 1) * 10_000_000 + r.product as u64,
            esc(product.0),
            "★".repeat(usize::from(r.rating)),
            esc(r.content),
            photos,
            esc(&writer),
            when(r.created_at),
            state,
            at,
        ));
    }
    if listed.is_empty() {
        rows.push_str("<tr><td colspan=\"12\">조회된 데이터가 없습니다.</td></tr>");
    }
    let next = if page * PAGE_SIZE < listed.len() {
        format!(
            "<a class=\"next\" href=\"{HOST}/Review/ReviewList?AnsStatus={}&amp;BeginDt={begin}&amp;EndDt={end}&amp;page={}\">다음</a>",
            esc(q.get("AnsStatus").map(String::as_str).unwrap_or("")),
            page + 1
        )
    } else {
        String::new()
    };
    html(
        StatusCode::OK,
        format!(
            r#"<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>상품평 관리 - ESM PLUS</title></head><body>
<div class="box__search-result">총 <span id="lblTotalCount">{total}</span>건</div>
<table class="tbl_list"><thead><tr><th>No</th><th>상품평번호</th><th>주문번호</th><th>상품번호</th><th>상품명</th><th>평점</th><th>상품평 내용</th><th>사진</th><th>작성자</th><th>작성일</th><th>답변여부</th><th>답변일</th></tr></thead>
<tbody>
{rows}</tbody></table>
<div class="paging"><strong>{page}</strong>{next}</div>
</body></html>"#,
            total = listed.len(),
        ),
    )
}
