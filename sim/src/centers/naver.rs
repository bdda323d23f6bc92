//! Naver 스마트스토어센터 (seller-centers.md §1): the commerce-account login on
//! `accounts.commerce.naver.com` (GraphQL `idLogin`; the 2-step verification as
//! `certifySend`/`certifyVerify`, the shape the collector assumes where captures stop),
//! the Naver ID login and its SSO into the commerce accounts (`nid.rs`), the seller
//! center's `/api/login` with `X-NCP-LOGIN-INFO`, its channel list, and the review search
//! with Korean reviews, photos and replies.

use super::{
    Account, CenterSim, CenterState, ChallengeError, PasswordCheck, cookie, session_cookie,
};
use crate::faults::{Injected, truncate};
use crate::names::PRODUCTS;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

mod nid;

pub static CENTER: CenterSim = CenterSim {
    market: "naver",
    accounts,
    build,
};

const ACCOUNTS: &str = "/accounts.commerce.naver.com";
const SELL: &str = "/sell.smartstore.naver.com";
/// The login-level session cookie (set by the commerce login).
const LOGIN_COOKIE: &str = "CBI_SES";
/// The seller-center session cookie (set by `/api/login`).
const CONSOLE_COOKIE: &str = "nstore_session";

/// Whether seller `i` logs in with a Naver ID: sellers 4 and 5 of every 6 (the 5th with
/// SMS codes, a new-device check; the 6th without 2-step verification), so that the
/// first four keep the commerce login (tests and the demo rely on sellers 0–2).
pub fn is_naver_id(i: usize) -> bool {
    i % 6 >= 4
}

/// The seller-center accounts of a simulator's sellers.
pub fn accounts(sellers: &[String], seed: u64) -> Vec<Account> {
    let mut accounts = super::accounts(sellers, seed, "ncp_seller_", 500_100_000);
    for (i, a) in accounts.iter_mut().enumerate() {
        if is_naver_id(i) {
            a.login = Some("naver_id");
            a.login_id = format!("nid_seller{i:03}");
        }
    }
    accounts
}

struct Naver {
    state: Arc<CenterState>,
    root: String,
    /// Every seller's reviews, newest last.
    reviews: Vec<Vec<SimReview>>,
    nid: nid::Nid,
}

#[derive(Debug, Clone)]
struct SimReview {
    id: u64,
    product_no: String,
    product_name: &'static str,
    product_order_no: String,
    score: u8,
    content: &'static str,
    photos: Vec<String>,
    created: DateTime<Utc>,
    reply: Option<(&'static str, DateTime<Utc>)>,
    writer: String,
}

const GOOD: &[&str] = &[
    "배송이 빠르고 포장도 꼼꼼해요. 재구매 의사 있습니다!",
    "생각보다 품질이 훨씬 좋네요. 가족들도 만족합니다.",
    "사진이랑 똑같아요. 가격 대비 최고입니다 👍",
    "두 번째 구매인데 역시 좋아요.",
];
const MIDDLE: &[&str] = &[
    "무난해요. 배송은 조금 늦었어요.",
    "가격 생각하면 괜찮은 편이에요.",
    "보통이에요. 색상이 화면과 약간 달라요.",
];
const BAD: &[&str] = &[
    "포장이 찢어져서 왔어요. 교환 부탁드립니다.",
    "설명과 달라서 실망했어요.",
];
const REPLIES: &[&str] = &[
    "소중한 후기 감사합니다 고객님! 더 좋은 상품으로 보답하겠습니다.",
    "불편을 드려 죄송합니다. 고객센터로 연락 주시면 바로 교환해 드리겠습니다.",
    "재구매 감사합니다 :) 늘 건강하세요.",
];

fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("KST")
}

/// Seeded reviews from 90 days before the clock's start to 3 days after it (shown once
/// the clock passes them; replies likewise).
fn generate(seller: usize, seed: u64, origin: DateTime<Utc>) -> Vec<SimReview> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ ((seller as u64 + 1) * 0x9E37_79B9));
    let mut out = Vec::new();
    let mut n = 0u64;
    for day in -90i64..=3 {
        for _ in 0..rng.random_range(1..=4) {
            let created =
                origin + Duration::days(day) + Duration::minutes(rng.random_range(0..1440));
            let score: u8 = match rng.random_range(0..10) {
                0 => 1,
                1 => 2,
                2 | 3 => 3,
                4 | 5 => 4,
                _ => 5,
            };
            let content = match score {
                4 | 5 => GOOD[rng.random_range(0..GOOD.len())],
                3 => MIDDLE[rng.random_range(0..MIDDLE.len())],
                _ => BAD[rng.random_range(0..BAD.len())],
            };
            let p = rng.random_range(0..PRODUCTS.len());
            n += 1;
            let id = 4_000_000_000 + seller as u64 * 1_000_000 + n;
            let photos = (0..[0, 0, 1, 2, 3][rng.random_range(0..5)])
                .map(|k| format!("https://phinf.pstatic.net/checkout.phinf/review/{id}_{k}.jpg"))
                .collect();
            let reply = rng.random_bool(0.6).then(|| {
                (
                    REPLIES[rng.random_range(0..REPLIES.len())],
                    created + Duration::minutes(rng.random_range(30..2880)),
                )
            });
            out.push(SimReview {
                id,
                product_no: format!("88{:05}", seller * 100 + p),
                product_name: PRODUCTS[p].0,
                product_order_no: format!(
                    "{}{:07}",
                    created.with_timezone(&kst()).format("%Y%m%d"),
                    rng.random_range(0..10_000_000)
                ),
                score,
                content,
                photos,
                created,
                reply,
                writer: format!(
                    "{}***",
                    ["kim", "lee", "park", "choi", "jung"][rng.random_range(0..5)]
                ),
            });
        }
    }
    out.sort_by_key(|r| r.created);
    out
}

fn build(state: Arc<CenterState>, root: &str) -> axum::Router {
    let origin = state.sim.clock.now();
    let seed = state.sim.config.seed;
    let reviews = (0..state.accounts.len())
        .map(|i| generate(i, seed, origin))
        .collect();
    let n = Arc::new(Naver {
        state,
        root: root.trim_end_matches('/').to_string(),
        reviews,
        nid: nid::Nid::new(),
    });
    nid::routes().with_state(n.clone()).merge(routes(n))
}

fn routes(n: Arc<Naver>) -> axum::Router {
    axum::Router::new()
        .route(&format!("{ACCOUNTS}/graphql"), post(graphql))
        .route(&format!("{ACCOUNTS}/login"), get(login_page))
        .route(&format!("{SELL}/"), get(console_page))
        .route(&format!("{SELL}/api/login"), post(api_login))
        .route(&format!("{SELL}/api/login/channels"), get(channels))
        .route(
            &format!("{SELL}/api/login/change-channel"),
            post(change_channel),
        )
        .route(
            &format!("{SELL}/api/v3/contents/reviews/search"),
            post(review_search),
        )
        .with_state(n)
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"code": "BAD_REQUEST", "message": message})),
    )
        .into_response()
}

fn gql(data: Value) -> Response {
    Json(json!({ "data": data })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlRequest {
    operation_name: Option<String>,
    query: String,
    #[serde(default)]
    variables: serde_json::Map<String, Value>,
}

fn var<'a>(r: &'a GqlRequest, name: &str) -> Option<&'a str> {
    r.variables.get(name).and_then(Value::as_str)
}

async fn graphql(State(n): State<Arc<Naver>>, body: Bytes) -> Response {
    let Ok(r) = serde_json::from_slice::<GqlRequest>(&body) else {
        return bad_request("GraphQL request must be JSON {operationName, variables, query}");
    };
    match r.operation_name.as_deref() {
        Some("idLogin") if r.query.contains("login(loginRequest:") => id_login(&n, &r),
        Some("certifySend") if r.query.contains("certifySend(certifyRequest:") => {
            certify_send(&n, &r)
        }
        Some("certifyVerify") if r.query.contains("certifyVerify(certifyRequest:") => {
            certify_verify(&n, &r)
        }
        Some("snsLoginBegin") if r.query.contains("snsBegin(snsLoginBeginRequest:") => {
            nid::sns_begin(&n, &r)
        }
        Some("snsLoginCallback") if r.query.contains("snsCallback(snsLoginCallbackRequest:") => {
            nid::sns_callback(&n, &r)
        }
        _ => Json(json!({"errors": [{"message": "unknown operation"}], "data": null}))
            .into_response(),
    }
}

fn login_result(status: &str, stat: Option<&str>, captcha: bool, key: Option<&str>) -> Value {
    json!({"login": {
        "id": null, "statCd": stat, "loginStatus": status, "showCaptcha": captcha,
        "captchaKey": if captcha { Some("cap-sim") } else { None }, "sessionKey": key, "idNo": null
    }})
}

fn id_login(n: &Naver, r: &GqlRequest) -> Response {
    // The captured request: every variable of the login form.
    for field in ["id", "password", "svcUrl"] {
        if var(r, field).is_none() {
            return Json(
                json!({"errors": [{"message": format!("variable {field} missing")}], "data": null}),
            )
            .into_response();
        }
    }
    if !["saveId", "chkLong"]
        .iter()
        .all(|f| r.variables.get(*f).is_some_and(Value::is_boolean))
    {
        return Json(
            json!({"errors": [{"message": "saveId and chkLong are Boolean!"}], "data": null}),
        )
        .into_response();
    }
    let id = var(r, "id").unwrap_or_default();
    let pw = var(r, "password").unwrap_or_default();
    // A Naver ID is no 판매자 아이디: unknown here, as for any unknown id.
    if n.is_naver_id_login(id) {
        return gql(login_result(
            "FAIL",
            Some("INVALID_ID_PASSWORD"),
            false,
            None,
        ));
    }
    match n.state.password_login(id, pw) {
        PasswordCheck::SignedIn(_, token) => {
            let (k, v) = session_cookie(LOGIN_COOKIE, &token);
            (
                [(k, v)],
                gql(login_result("SUCCESS", Some("SUCCESS"), false, None)),
            )
                .into_response()
        }
        PasswordCheck::SecondFactor { key, method } => {
            gql(login_result("CERTIFY", Some(method), false, Some(&key)))
        }
        PasswordCheck::Wrong => gql(login_result(
            "FAIL",
            Some("INVALID_ID_PASSWORD"),
            false,
            None,
        )),
        PasswordCheck::Locked => gql(login_result("FAIL", Some("ACCOUNT_LOCKED"), false, None)),
        PasswordCheck::Captcha => gql(login_result("FAIL", Some("CAPTCHA"), true, None)),
    }
}

fn certify_send(n: &Naver, r: &GqlRequest) -> Response {
    let (Some(key), Some(_)) = (var(r, "sessionKey"), var(r, "certType")) else {
        return Json(
            json!({"errors": [{"message": "sessionKey and certType required"}], "data": null}),
        )
        .into_response();
    };
    let stat = match n.state.send_code(key) {
        Ok(()) => "SENT",
        Err(ChallengeError::Expired) => "CERTIFY_EXPIRED",
        Err(_) => "INVALID_SESSION",
    };
    gql(json!({"certifySend": {"statCd": stat}}))
}

fn certify_verify(n: &Naver, r: &GqlRequest) -> Response {
    let (Some(key), Some(_), Some(code)) =
        (var(r, "sessionKey"), var(r, "certType"), var(r, "code"))
    else {
        return Json(json!({"errors": [{"message": "sessionKey, certType and code required"}], "data": null}))
            .into_response();
    };
    let verify = |status: &str, stat: &str| {
        gql(json!({"certifyVerify": {"loginStatus": status, "statCd": stat}}))
    };
    match n.state.verify_code(key, code) {
        Ok((_, token)) => {
            let (k, v) = session_cookie(LOGIN_COOKIE, &token);
            ([(k, v)], verify("SUCCESS", "SUCCESS")).into_response()
        }
        Err(ChallengeError::WrongCode) => verify("FAIL", "INVALID_CODE"),
        Err(_) => verify("FAIL", "CERTIFY_EXPIRED"),
    }
}

async fn login_page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html><body><form id=\"login\"><input name=\"id\"><input type=\"password\" name=\"pw\"></form></body></html>",
    )
        .into_response()
}

async fn console_page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html><head><title>스마트스토어센터</title></head><body><div id=\"app\"></div></body></html>",
    )
        .into_response()
}

impl Naver {
    fn is_naver_id_login(&self, login_id: &str) -> bool {
        self.state
            .accounts
            .iter()
            .any(|a| a.login_id == login_id && a.login == Some("naver_id"))
    }

    /// Where a logged-out request is sent: the commerce login, as the real console does.
    fn to_login(&self, seller: Option<usize>) -> Response {
        self.state.logged_out(seller);
        (
            StatusCode::FOUND,
            [(
                header::LOCATION,
                format!(
                    "{}{ACCOUNTS}/login?url=https%3A%2F%2Fsell.smartstore.naver.com%2F%23%2Flogin-callback",
                    self.root
                ),
            )],
        )
            .into_response()
    }

    fn console_session(&self, headers: &HeaderMap) -> Option<(String, usize)> {
        let c = cookie(headers, CONSOLE_COOKIE)?;
        self.state
            .session(Some(c))
            .map(|s| (c.to_string(), s.seller))
    }

    fn login_info(&self, seller: usize) -> String {
        let info = json!({
            "channelNo": self.state.accounts[seller].store_id.parse::<u64>().unwrap_or(0),
            "roleNo": 1,
            "redirectUrl": format!("{}{SELL}/#/home/dashboard", self.root),
        });
        url::form_urlencoded::byte_serialize(info.to_string().as_bytes()).collect()
    }
}

fn has_state_headers(h: &HeaderMap) -> bool {
    ["x-current-state", "x-current-statename", "x-to-statename"]
        .iter()
        .all(|k| h.contains_key(*k))
}

async fn api_login(State(n): State<Arc<Naver>>, headers: HeaderMap) -> Response {
    if !has_state_headers(&headers) {
        return bad_request("x-current-state, x-current-statename and x-to-statename required");
    }
    // A fresh commerce login, or an existing console session (an imported browser's).
    let seller = n
        .state
        .session(cookie(&headers, LOGIN_COOKIE))
        .map(|s| s.seller)
        .or_else(|| n.console_session(&headers).map(|(_, s)| s));
    let Some(seller) = seller else {
        return n.to_login(None);
    };
    let token = match n.console_session(&headers) {
        Some((t, s)) if s == seller => t,
        _ => n.state.sign_in(seller),
    };
    let (k, v) = session_cookie(CONSOLE_COOKIE, &token);
    (
        [
            (k, v),
            (
                header::HeaderName::from_static("x-ncp-login-info"),
                n.login_info(seller),
            ),
        ],
        Json(json!({"success": true})),
    )
        .into_response()
}

async fn channels(State(n): State<Arc<Naver>>, headers: HeaderMap) -> Response {
    let Some((_, seller)) = n.console_session(&headers) else {
        return n.to_login(None);
    };
    let a = &n.state.accounts[seller];
    Json(json!([{
        "channelNo": a.store_id.parse::<u64>().unwrap_or(0),
        "roleNo": 1,
        "channelName": format!("{} 스토어", a.login_id),
    }]))
    .into_response()
}

async fn change_channel(State(n): State<Arc<Naver>>, headers: HeaderMap) -> Response {
    let Some((_, seller)) = n.console_session(&headers) else {
        return n.to_login(None);
    };
    (
        [(
            header::HeaderName::from_static("x-ncp-login-info"),
            n.login_info(seller),
        )],
        Json(json!({"success": true})),
    )
        .into_response()
}

/// The captured request body: every field present, dates in the UI's format.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)] // the filters are required by the contract, not used by the data
struct SearchBody {
    benefit_kind_type_string_list: Vec<Value>,
    contents_status_types: Vec<Value>,
    from_date: String,
    page: u32,
    review_content_class_types: Vec<Value>,
    review_scores: Vec<Value>,
    review_search_sort_type: String,
    review_types: Vec<Value>,
    search_keyword: String,
    search_keyword_type: String,
    size: u32,
    sort: Vec<Value>,
    store_types: Vec<Value>,
    to_date: String,
    use_selected_date: bool,
}

fn ui_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3f%:z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

async fn review_search(State(n): State<Arc<Naver>>, headers: HeaderMap, body: Bytes) -> Response {
    let token = cookie(&headers, CONSOLE_COOKIE).map(str::to_string);
    let Some(seller) = n.state.data_session(token.as_deref()).map(|s| s.seller) else {
        let known = token.and_then(|t| n.state.seller_of_expired(&t));
        return n.to_login(known);
    };
    let token = token.unwrap_or_default();
    if !n.state.admit(&token, seller) {
        return super::throttled();
    }
    if !has_state_headers(&headers)
        || !headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    {
        return bad_request("a JSON body with the console's state headers is expected");
    }
    let Ok(q) = serde_json::from_slice::<SearchBody>(&body) else {
        return bad_request("the search body does not have the console's fields");
    };
    let (Some(from), Some(to)) = (ui_time(&q.from_date), ui_time(&q.to_date)) else {
        return bad_request("fromDate/toDate must look like 2026-01-01T00:00:00.000+09:00");
    };
    if q.size == 0 || q.size > 500 || q.review_search_sort_type != "REVIEW_CREATE_DATE_DESC" {
        return bad_request("size must be 1..500 and the sort REVIEW_CREATE_DATE_DESC");
    }
    if to < from || to - from > Duration::days(366) {
        return bad_request("the period must be at most a year");
    }
    match n.state.sim.faults.draw() {
        Injected::ServerError => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "일시적인 오류입니다").into_response();
        }
        Injected::Throttle(_) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "1")],
                "Too Many Requests",
            )
                .into_response();
        }
        Injected::Truncate => {
            let page = n.page(seller, from, to, &q);
            return (
                [(header::CONTENT_TYPE, "application/json")],
                truncate(page.to_string().into_bytes()),
            )
                .into_response();
        }
        Injected::None => {}
    }
    Json(n.page(seller, from, to, &q)).into_response()
}

impl Naver {
    fn page(&self, seller: usize, from: DateTime<Utc>, to: DateTime<Utc>, q: &SearchBody) -> Value {
        let now = self.state.sim.clock.now();
        let listed: Vec<&SimReview> = self.reviews[seller]
            .iter()
            .rev()
            .filter(|r| r.created <= now && r.created >= from && r.created <= to)
            .collect();
        let total = listed.len();
        let size = q.size as usize;
        let start = q.page as usize * size;
        let contents: Vec<Value> = listed
            .iter()
            .skip(start)
            .take(size)
            .map(|r| render(r, now))
            .collect();
        let pages = total.div_ceil(size);
        json!({
            "contents": contents, "page": q.page, "size": q.size,
            "totalElements": total, "totalPages": pages,
            "first": q.page == 0, "last": start + size >= total,
        })
    }
}

fn render(r: &SimReview, now: DateTime<Utc>) -> Value {
    let t = |d: DateTime<Utc>| {
        d.with_timezone(&kst())
            .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string()
    };
    let reply = r.reply.filter(|(_, at)| *at <= now);
    json!({
        "id": r.id,
        "productNo": r.product_no,
        "productName": r.product_name,
        "productOrderNo": r.product_order_no,
        "reviewScore": r.score,
        "reviewContent": r.content,
        "reviewType": if r.photos.is_empty() { "NORMAL" } else { "AFTER_USE" },
        "reviewContentClassType": if r.photos.is_empty() { "TEXT" } else { "PHOTO" },
        "reviewAttaches": r.photos.iter().map(|u| json!({"attachType": "PHOTO", "attachUrl": u})).collect::<Vec<_>>(),
        "createDate": t(r.created),
        "modifyDate": t(r.created),
        "hasComment": reply.is_some(),
        "reviewComment": reply.map(|(text, at)| json!({"commentContent": text, "createDate": t(at)})),
        "helpCount": r.id % 7,
        "bestReview": false,
        "reviewDisplayStatus": "DISPLAY",
        "maskedWriterId": r.writer,
        "writerIdNo": format!("{}", r.id % 100_000),
    })
}
