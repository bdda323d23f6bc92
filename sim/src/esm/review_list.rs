//! ESM PLUS's review list page (seller-centers.md §4), served on the Gmarket and Auction
//! simulators' ports under `/www.esmplus.com/…`, as far as the facts reach:
//!
//! - `GET /www.esmplus.com/Review/ReviewList?AnsStatus=&BeginDt=YYYY-MM-DD&EndDt=YYYY-MM-DD`
//!   (`AnsStatus=N`: unanswered only, `Y`: answered, empty: all; dates of 작성일, KST,
//!   both inclusive; `page` from 1): the total in `#lblTotalCount`, rows in `tbody tr`, a
//!   `.paging .next` link while older rows remain. The columns, the review id and the page
//!   size are not captured: this page's (상품평번호, 주문번호, 상품번호, 상품명, 평점, 상품평
//!   내용, 사진, 작성자, 작성일, 답변여부, 답변일; 20 rows) are the simulator's choice.
//! - Without a session: 302 to `/signin.esmplus.com/login`, the sign-in page with the
//!   captured form (`.box__tab`, `#typeMemberInputId01`, `#typeMemberInputPassword01`,
//!   `button.button--blue`). What that form posts is not captured, so the simulator has no
//!   login: a session comes from a person's browser, as in production.
//!   `POST /_sim/esm/browser-session?seller=ID` plays that person: it answers the Playwright
//!   storage state (`{"cookies":[…],"origins":[]}`) a browser would export after logging in.

use crate::reviews::{self, SimReview};
use crate::server::SimState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

const HOST: &str = "/www.esmplus.com";
const SIGNIN: &str = "/signin.esmplus.com/login";
/// The simulator's own cookie name: ESM PLUS's are not captured.
const COOKIE: &str = "ESM_SIM_SESSION";
pub const PAGE_SIZE: usize = 20;

struct Pages {
    state: Arc<SimState>,
    root: String,
    sellers: Vec<String>,
    reviews: Vec<OnceLock<Vec<SimReview>>>,
    sessions: Mutex<HashMap<String, usize>>,
}

/// The routes, for the sellers (by id, in world order) of one ESM site.
pub fn router(state: Arc<SimState>, root: &str, sellers: Vec<String>) -> Router {
    let pages = Arc::new(Pages {
        reviews: sellers.iter().map(|_| OnceLock::new()).collect(),
        root: root.trim_end_matches('/').to_string(),
        sellers,
        state,
        sessions: Mutex::default(),
    });
    Router::new()
        .route(&format!("{HOST}/Review/ReviewList"), get(review_list))
        .route(SIGNIN, get(signin))
        .route("/_sim/esm/browser-session", post(browser_session))
        .with_state(pages)
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

async fn signin() -> Response {
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

#[derive(serde::Deserialize)]
struct SellerQuery {
    seller: String,
}

async fn browser_session(State(p): State<Arc<Pages>>, Query(q): Query<SellerQuery>) -> Response {
    let Some(i) = p.sellers.iter().position(|s| *s == q.seller) else {
        return (StatusCode::NOT_FOUND, "no such seller").into_response();
    };
    let mut b = [0u8; 18];
    rand::rng().fill(&mut b);
    let value = hex::encode(b);
    p.sessions
        .lock()
        .expect("esm sessions")
        .insert(value.clone(), i);
    let domain = p
        .root
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap_or("127.0.0.1")
        .to_string();
    Json(json!({
        "cookies": [{
            "name": COOKIE, "value": value, "domain": domain, "path": HOST,
            "expires": -1, "httpOnly": true, "secure": false, "sameSite": "Lax"
        }],
        "origins": []
    }))
    .into_response()
}

fn session(p: &Pages, h: &HeaderMap) -> Option<usize> {
    let value = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())?;
    p.sessions
        .lock()
        .expect("esm sessions")
        .get(&value)
        .copied()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

type Params = HashMap<String, String>;

async fn review_list(
    State(p): State<Arc<Pages>>,
    h: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let Some(i) = session(&p, &h) else {
        let mut r = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{}{SIGNIN}?ReturnUrl=%2FReview%2FReviewList",
            p.root
        )) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    };
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
    let now = p.state.clock.now();
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("KST");
    let all = p.reviews[i].get_or_init(|| {
        reviews::of_seller(p.state.config.seed, i, &p.state.world.seller(i).orders)
    });
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
