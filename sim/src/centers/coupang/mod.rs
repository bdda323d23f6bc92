//! Coupang WING seller-center simulator (seller-centers.md §2), on the Coupang simulator's
//! port under its hosts' names (`/wing.coupang.com/…`, `/xauth.coupang.com/…`), with the
//! accounts, lockout, codes, sessions, pace and stats of [`CenterState`].
//!
//! - Login chain: `GET /wing.coupang.com/` → 302 `/login?ui_locales=ko-KR&service_cmdb_role=
//!   wing&…&returnUrl=` → 302 `/sso/login?returnUrl=` → 302 `/xauth.coupang.com/auth/realms/
//!   seller/protocol/openid-connect/auth?client_id=wing&redirect_uri=…` → 200 the login page
//!   (`.cp-loginpage__bg`, `form#kc-form-login[action]`, `#username`, `#password`, and the
//!   same action in a script's `const out = {…}` as `url.loginAction`), which sets
//!   `AUTH_SESSION_ID`. Its action `…/login-actions/authenticate?session_code&execution&
//!   client_id=wing&tab_id&kc_locale` takes `username`, `password` and answers 302
//!   `/wing.coupang.com/sso/login?returnUrl&state&session_state&code`; that one-time code
//!   sets `sxSessionId`, `sid`, `JSESSIONID`, `web-session-id`, `seller-uid` (no
//!   `Expires`) and 302s to `returnUrl`. `session_code` changes with every page: a form of
//!   an older page is answered "페이지가 만료되었습니다".
//! - `GET /wing.coupang.com/tenants/sfl-portal/card/cre/resource` sets `XSRF-TOKEN`.
//! - A seller with SMS verification logging in from a device it has not verified gets a
//!   code page (`form#kc-otp-login-form`, input `code`) instead of the redirect; the code
//!   goes to the outbox (`/_sim/center/outbox`). The right code completes the login and
//!   marks the device (a persistent cookie on the realm's path). The HTTP format of this
//!   step is not captured (seller-centers.md: [UNKNOWN]): this is Keycloak's form
//!   convention. `force_2fa` asks a code of sellers without verification.
//! - Wrong passwords: the form again with Keycloak's error line; the lockout after repeated
//!   failures and the captcha on demand are [`CenterState`]'s, shown as WING's page.
//! - A request without the full cookie set (only `sid` + `JSESSIONID` + `XSRF-TOKEN`, say)
//!   or of an ended session gets 302 to the login chain.
//! - Reviews: `POST /wing.coupang.com/tenants/cs/product/review/search`, JSON `{startTime,
//!   endTime, rating, salesStatus, advancedType, advancedInput, pageIndex, pageSize,
//!   productName}`; dates only; more than a month answers `success:false` "검색 기간은
//!   1개월 이내로 지정해주세요.", `pageSize` over 50 HTTP 500 "오류가 발생했습니다";
//!   `salesStatus:"true"` drops products no longer on sale; a page past the end has an
//!   empty `content`. Items carry the captured field names (`attachment` and
//!   `reviewSurveyAnswers` as JSON strings, times in epoch ms, `vendorId`).

pub mod pages;

use super::{Account, CenterSim, CenterState, ChallengeError, PasswordCheck, SecondFactor, cookie};
use crate::faults::{Injected, truncate};
use crate::reviews::{self, SimReview};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

pub const WING: &str = "/wing.coupang.com";
const REALM: &str = "/xauth.coupang.com/auth/realms/seller";
pub const MAX_PAGE_SIZE: u64 = 50;
/// The cookies a WING session is: all of them, or none (seller-centers.md §2.1).
const SESSION_COOKIES: [&str; 5] = [
    "sxSessionId",
    "sid",
    "JSESSIONID",
    "web-session-id",
    "seller-uid",
];
const DEVICE_COOKIE: &str = "KC_DEVICE";

pub static CENTER: CenterSim = CenterSim {
    market: "coupang",
    accounts,
    build,
};

/// WING logins of the Coupang sellers: every third (1, 4, 7, …) verifies new devices by
/// SMS; the store is the seller's vendorId.
fn accounts(sellers: &[String], seed: u64) -> Vec<Account> {
    sellers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let d = Sha256::digest(format!("wing/{seed}/{s}/password").as_bytes());
            Account {
                seller_id: s.clone(),
                login_id: format!("wing{:05}", i + 1),
                password: format!("Wg!{}", hex::encode(&d[..6])),
                second_factor: if i % 3 == 1 {
                    SecondFactor::Sms
                } else {
                    SecondFactor::None
                },
                store_id: s.clone(),
                login: None,
            }
        })
        .collect()
}

fn build(st: Arc<CenterState>, root: &str) -> Router {
    router(Arc::new(Wing {
        reviews: (0..st.accounts.len()).map(|_| OnceLock::new()).collect(),
        root: root.trim_end_matches('/').to_string(),
        st,
        inner: Mutex::default(),
    }))
}

enum Step {
    Password,
    Code { seller: usize, key: String },
}

/// A login in progress (Keycloak's authentication session).
struct AuthSession {
    tab_id: String,
    execution: String,
    session_code: String,
    redirect_uri: String,
    state: String,
    step: Step,
}

#[derive(Default)]
struct Inner {
    auth: HashMap<String, AuthSession>,
    /// One-time authorization codes → (seller, sxSessionId).
    codes: HashMap<String, (usize, String)>,
    /// sxSessionId → the session's cookie values.
    cookies: HashMap<String, BTreeMap<&'static str, String>>,
    /// seller-uid → seller, to count logged-out answers.
    uids: HashMap<String, usize>,
    devices: HashMap<String, usize>,
}

pub struct Wing {
    st: Arc<CenterState>,
    root: String,
    reviews: Vec<OnceLock<Vec<SimReview>>>,
    inner: Mutex<Inner>,
}

impl Wing {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("wing lock")
    }

    /// Every review seller `i` has by simulated time `now`, newest first.
    fn reviews_at(&self, i: usize, now: DateTime<Utc>) -> Vec<&SimReview> {
        let all = self.reviews[i].get_or_init(|| {
            reviews::of_seller(
                self.st.sim.config.seed,
                i,
                &self.st.sim.world.seller(i).orders,
            )
        });
        all.iter().rev().filter(|r| r.created_at <= now).collect()
    }

    fn login_chain_start(&self, return_path: &str) -> Response {
        redirect(
            &format!(
                "{}{WING}/login?ui_locales=ko-KR&service_cmdb_role=wing&sxauth_sdk_version=2.7.0&returnUrl={}",
                self.root,
                enc(&format!("{}{WING}{}", self.root, return_path))
            ),
            Vec::new(),
        )
    }

    fn action(&self, a: &AuthSession) -> String {
        format!(
            "{}{REALM}/login-actions/authenticate?session_code={}&execution={}&client_id=wing&tab_id={}&kc_locale=ko-KR",
            self.root, a.session_code, a.execution, a.tab_id
        )
    }

    /// The seller whose complete, live session the request carries, and its sxSessionId.
    fn session(&self, h: &HeaderMap) -> Option<(String, usize)> {
        let sx = cookie(h, "sxSessionId")?.to_string();
        let complete = self.lock().cookies.get(&sx).is_some_and(|set| {
            set.iter()
                .all(|(name, value)| cookie(h, name) == Some(value.as_str()))
        });
        if !complete {
            return None;
        }
        let signed = self.st.session(Some(&sx))?;
        Some((sx, signed.seller))
    }

    /// The seller a request's leftover `seller-uid` names, for the logged-out count.
    fn seller_of_uid(&self, h: &HeaderMap) -> Option<usize> {
        let uid = cookie(h, "seller-uid")?;
        self.lock().uids.get(uid).copied()
    }
}

fn router(w: Arc<Wing>) -> Router {
    Router::new()
        .route(&format!("{WING}/"), get(home))
        .route(WING, get(home))
        .route(&format!("{WING}/login"), get(login_entry))
        .route(&format!("{WING}/sso/login"), get(sso_login))
        .route(
            &format!("{REALM}/protocol/openid-connect/auth"),
            get(keycloak_auth),
        )
        .route(
            &format!("{REALM}/login-actions/authenticate"),
            post(authenticate),
        )
        .route(&format!("{REALM}/login-actions/restart"), get(restart))
        .route(
            &format!("{WING}/tenants/sfl-portal/card/cre/resource"),
            get(xsrf_resource),
        )
        .route(
            &format!("{WING}/tenants/cs/product/review/search"),
            post(review_search),
        )
        .with_state(w)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill(&mut b[..]);
    hex::encode(b)
}

fn set_cookie(name: &str, value: &str, path: &str, persistent: bool, http_only: bool) -> String {
    let mut c = cookie::Cookie::build((name.to_string(), value.to_string()))
        .path(path.to_string())
        .http_only(http_only);
    if persistent {
        c = c.max_age(cookie::time::Duration::days(365));
    }
    c.build().to_string()
}

fn with_cookies(mut r: Response, set: Vec<String>) -> Response {
    for c in set {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

fn redirect(to: &str, set: Vec<String>) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    with_cookies(r, set)
}

fn html(status: StatusCode, body: String, set: Vec<String>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=UTF-8"),
    );
    with_cookies(r, set)
}

fn json_answer(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

async fn home(State(w): State<Arc<Wing>>, h: HeaderMap) -> Response {
    match w.session(&h) {
        Some((_, seller)) => html(
            StatusCode::OK,
            pages::home(&w.st.accounts[seller].store_id),
            Vec::new(),
        ),
        None => w.login_chain_start("/"),
    }
}

type Params = HashMap<String, String>;

async fn login_entry(State(w): State<Arc<Wing>>, Query(q): Query<Params>) -> Response {
    let back = q
        .get("returnUrl")
        .cloned()
        .unwrap_or_else(|| format!("{}{WING}/", w.root));
    redirect(
        &format!("{}{WING}/sso/login?returnUrl={}", w.root, enc(&back)),
        Vec::new(),
    )
}

async fn sso_login(State(w): State<Arc<Wing>>, Query(q): Query<Params>) -> Response {
    let back = q
        .get("returnUrl")
        .cloned()
        .unwrap_or_else(|| format!("{}{WING}/", w.root));
    let Some(code) = q.get("code") else {
        // Not logged in: off to Keycloak, which comes back here with a code.
        let here = format!("{}{WING}/sso/login?returnUrl={}", w.root, enc(&back));
        return redirect(
            &format!(
                "{}{REALM}/protocol/openid-connect/auth?response_type=code&client_id=wing&redirect_uri={}&state={}&login=true&ui_locales=ko-KR&scope=openid",
                w.root,
                enc(&here),
                token(16)
            ),
            Vec::new(),
        );
    };
    let Some((seller, sx)) = w.lock().codes.remove(code) else {
        // A used or unknown code: start over, as an OIDC client does.
        return w.login_chain_start("/");
    };
    let store = &w.st.accounts[seller].store_id;
    let values: BTreeMap<&'static str, String> = SESSION_COOKIES
        .iter()
        .map(|name| {
            let v = match *name {
                "sxSessionId" => sx.clone(),
                "seller-uid" => format!("{}-{}", store, token(4)),
                "JSESSIONID" => token(16).to_uppercase(),
                _ => token(16),
            };
            (*name, v)
        })
        .collect();
    let set = values
        .iter()
        .map(|(n, v)| set_cookie(n, v, WING, false, true))
        .collect();
    {
        let mut inner = w.lock();
        inner.uids.insert(values["seller-uid"].clone(), seller);
        inner.cookies.insert(sx, values);
    }
    redirect(&back, set)
}

async fn keycloak_auth(State(w): State<Arc<Wing>>, Query(q): Query<Params>) -> Response {
    let bad = |m: &str| {
        html(
            StatusCode::BAD_REQUEST,
            format!(
                "<html><body><p id=\"kc-error-message\">{}</p></body></html>",
                pages::esc(m)
            ),
            Vec::new(),
        )
    };
    if q.get("client_id").map(String::as_str) != Some("wing") {
        return bad("Client not found.");
    }
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        return bad("Invalid parameter: redirect_uri");
    };
    let id = token(16);
    let a = AuthSession {
        tab_id: token(6),
        execution: "b7c1e2d4-username-password-form".into(),
        session_code: token(12),
        redirect_uri,
        state: q.get("state").cloned().unwrap_or_default(),
        step: Step::Password,
    };
    let page = pages::login(&w.action(&a), "", pages::LoginNotice::None);
    w.lock().auth.insert(id.clone(), a);
    let path = format!("{REALM}/");
    html(
        StatusCode::OK,
        page,
        vec![
            set_cookie("AUTH_SESSION_ID", &id, &path, false, true),
            set_cookie("KC_RESTART", &token(24), &path, false, true),
        ],
    )
}

async fn restart(State(w): State<Arc<Wing>>) -> Response {
    w.login_chain_start("/")
}

/// Where a form post lands: the login's next page, a redirect back to WING, or the
/// expired page.
async fn authenticate(
    State(w): State<Arc<Wing>>,
    Query(q): Query<Params>,
    h: HeaderMap,
    Form(form): Form<Params>,
) -> Response {
    let expired = || {
        html(
            StatusCode::OK,
            pages::expired(&format!("{}{REALM}/login-actions/restart", w.root)),
            Vec::new(),
        )
    };
    let Some(id) = cookie(&h, "AUTH_SESSION_ID").map(str::to_string) else {
        return expired();
    };
    // The step and the next page's action, with the session's code rotated.
    let (step, action, back) = {
        let mut inner = w.lock();
        let Some(a) = inner.auth.get_mut(&id) else {
            return expired();
        };
        let fresh = q.get("session_code") == Some(&a.session_code)
            && q.get("tab_id") == Some(&a.tab_id)
            && q.get("execution") == Some(&a.execution)
            && q.get("client_id").map(String::as_str) == Some("wing");
        if !fresh {
            return expired();
        }
        a.session_code = token(12);
        let sep = if a.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        let back = format!(
            "{}{sep}state={}&session_state={}",
            a.redirect_uri,
            enc(&a.state),
            token(16)
        );
        let step = match &a.step {
            Step::Password => None,
            Step::Code { seller, key } => Some((*seller, key.clone())),
        };
        (step, w.action(a), back)
    };
    // Back to WING with a one-time code for a signed-in session.
    let signed_in = |seller: usize, sx: String, set: Vec<String>| {
        let code = token(20);
        let mut inner = w.lock();
        inner.codes.insert(code.clone(), (seller, sx));
        inner.auth.remove(&id);
        redirect(&format!("{back}&code={code}"), set)
    };
    match step {
        None => {
            let username = form.get("username").cloned().unwrap_or_default();
            let password = form.get("password").cloned().unwrap_or_default();
            let login_page = |notice| {
                html(
                    StatusCode::OK,
                    pages::login(&action, &username, notice),
                    Vec::new(),
                )
            };
            match w.st.password_login(&username, &password) {
                PasswordCheck::Wrong => login_page(pages::LoginNotice::Error(
                    "아이디 또는 비밀번호가 올바르지 않습니다.",
                )),
                PasswordCheck::Locked => login_page(pages::LoginNotice::Error(
                    "로그인 실패 횟수 초과로 계정이 잠겼습니다. 비밀번호를 재설정하거나 고객센터에 문의해 주세요.",
                )),
                PasswordCheck::Captcha => login_page(pages::LoginNotice::Captcha),
                PasswordCheck::SignedIn(seller, sx) => signed_in(seller, sx, Vec::new()),
                PasswordCheck::SecondFactor { key, .. } => {
                    let Some(seller) = w.st.accounts.iter().position(|a| a.login_id == username)
                    else {
                        return expired();
                    };
                    let verifies = w.st.accounts[seller].second_factor != SecondFactor::None;
                    let known = cookie(&h, DEVICE_COOKIE)
                        .is_some_and(|d| w.lock().devices.get(d) == Some(&seller));
                    if verifies && known {
                        // A device this seller verified before: no code.
                        let sx = w.st.sign_in(seller);
                        return signed_in(seller, sx, Vec::new());
                    }
                    if w.st.send_code(&key).is_err() {
                        return expired();
                    }
                    if let Some(a) = w.lock().auth.get_mut(&id) {
                        a.step = Step::Code { seller, key };
                    }
                    let to = format!("010-****-{:04}", 1000 + seller % 9000);
                    html(
                        StatusCode::OK,
                        pages::code_challenge(&action, "sms", &to, None),
                        Vec::new(),
                    )
                }
            }
        }
        Some((seller, key)) => {
            let code = form.get("code").map(|c| c.trim()).unwrap_or_default();
            match w.st.verify_code(&key, code) {
                Ok((seller, sx)) => {
                    let device = token(16);
                    w.lock().devices.insert(device.clone(), seller);
                    let path = format!("{REALM}/");
                    signed_in(
                        seller,
                        sx,
                        vec![set_cookie(DEVICE_COOKIE, &device, &path, true, true)],
                    )
                }
                Err(ChallengeError::WrongCode) => html(
                    StatusCode::OK,
                    pages::code_challenge(
                        &action,
                        "sms",
                        &format!("010-****-{:04}", 1000 + seller % 9000),
                        Some("인증번호가 일치하지 않습니다. 다시 입력해 주세요."),
                    ),
                    Vec::new(),
                ),
                Err(ChallengeError::Expired | ChallengeError::Unknown) => {
                    w.lock().auth.remove(&id);
                    expired()
                }
            }
        }
    }
}

async fn xsrf_resource(State(w): State<Arc<Wing>>, h: HeaderMap) -> Response {
    if w.session(&h).is_none() {
        w.st.logged_out(w.seller_of_uid(&h));
        return w.login_chain_start("/tenants/sfl-portal/card/cre/resource");
    }
    let r = json_answer(StatusCode::OK, &json!({ "code": "OK", "data": [] }));
    with_cookies(
        r,
        vec![set_cookie("XSRF-TOKEN", &token(18), WING, false, false)],
    )
}

fn refused(status: StatusCode, message: &str) -> Response {
    json_answer(
        status,
        &json!({ "code": "ERROR", "message": message, "data": null, "success": false }),
    )
}

async fn review_search(
    State(w): State<Arc<Wing>>,
    h: HeaderMap,
    uri: Uri,
    body: axum::body::Bytes,
) -> Response {
    let Some((sx, seller)) = w.session(&h) else {
        w.st.logged_out(w.seller_of_uid(&h));
        return w.login_chain_start(uri.path().trim_start_matches(WING));
    };
    if !w.st.admit(&sx, seller) {
        return super::throttled();
    }
    let faults = &w.st.sim.faults;
    faults.delay().await;
    let fault = faults.draw();
    match fault {
        Injected::Throttle(_) => {
            let mut r = html(
                StatusCode::TOO_MANY_REQUESTS,
                pages::TOO_MANY.into(),
                Vec::new(),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            return r;
        }
        Injected::ServerError => {
            return refused(StatusCode::INTERNAL_SERVER_ERROR, "오류가 발생했습니다");
        }
        Injected::Truncate | Injected::None => {}
    }
    let answer = match search(&w, seller, &body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut bytes = answer.to_string().into_bytes();
    if fault == Injected::Truncate {
        bytes = truncate(bytes);
    }
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

fn search(w: &Wing, seller: usize, body: &[u8]) -> Result<Value, Box<Response>> {
    let generic = || {
        Box::new(refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "오류가 발생했습니다",
        ))
    };
    let q: Value = serde_json::from_slice(body).map_err(|_| generic())?;
    let date = |name: &str| {
        q.get(name)
            .and_then(Value::as_str)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    };
    let (Some(start), Some(end)) = (date("startTime"), date("endTime")) else {
        return Err(generic());
    };
    let page_index = q
        .get("pageIndex")
        .and_then(Value::as_u64)
        .ok_or_else(generic)?;
    let page_size = q
        .get("pageSize")
        .and_then(Value::as_u64)
        .ok_or_else(generic)?;
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(generic());
    }
    let month = start.checked_add_months(chrono::Months::new(1));
    if end < start || month.is_none_or(|m| end > m) {
        return Err(Box::new(json_answer(
            StatusCode::OK,
            &json!({ "code": "ERROR", "message": "검색 기간은 1개월 이내로 지정해주세요.", "data": null, "success": false }),
        )));
    }
    let on_sale_only = q.get("salesStatus").and_then(Value::as_str) == Some("true");
    let rating = q
        .get("rating")
        .and_then(Value::as_str)
        .and_then(|r| r.parse::<u8>().ok());
    let now = w.st.sim.clock.now();
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("KST");
    let listed: Vec<&SimReview> = w
        .reviews_at(seller, now)
        .into_iter()
        .filter(|r| {
            let d = r.created_at.with_timezone(&kst).date_naive();
            d >= start && d <= end
        })
        .filter(|r| !on_sale_only || r.on_sale)
        .filter(|r| rating.is_none_or(|x| r.rating == x))
        .collect();
    let total = listed.len() as u64;
    let content: Vec<Value> = listed
        .iter()
        .skip((page_index * page_size) as usize)
        .take(page_size as usize)
        .map(|r| item(&w.st.accounts[seller].store_id, seller, r))
        .collect();
    Ok(json!({
        "code": "OK",
        "message": "",
        "data": {
            "content": content,
            "pagination": {
                "currentPage": page_index,
                "totalPages": total.div_ceil(page_size),
                "totalElements": total,
                "countPerPage": page_size,
            }
        },
        "success": true,
    }))
}

fn item(vendor_id: &str, seller: usize, r: &SimReview) -> Value {
    let product = &crate::names::PRODUCTS[r.product];
    let product_id = (seller as u64 + 1) * 10_000_000 + r.product as u64;
    let images: Vec<Value> = r
        .photos
        .iter()
        .map(|p| {
            json!({
                "caption": "",
                "blinded": false,
                "attachmentType": "IMAGE",
                "uploadedFilePath": format!("review/2026/{p}"),
                "thumbnailSrc": format!("https://img1c.coupangcdn.com/image/review/thumb/{p}"),
                "imgSrc": format!("https://img1c.coupangcdn.com/image/review/{p}"),
            })
        })
        .collect();
    let attachment = json!({ "imageAttachments": images, "videoAttachments": [] }).to_string();
    let survey = json!([{ "questions": "사이즈는 어떤가요?", "answer": "정사이즈예요", "questionType": "SINGLE" }])
        .to_string();
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    let masked: String = crate::names::person(r.member)
        .chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c } else { '*' })
        .collect();
    json!({
        "reviewId": r.review_id,
        "productId": product_id,
        "itemName": format!("{}, {}", product.0, product.1),
        "vendorItemId": product_id * 10 + 1,
        "itemId": product_id * 10 + 2,
        "vendorId": vendor_id,
        "reviewAt": ms(r.created_at),
        "firstReviewAt": ms(r.created_at),
        "modifiedAt": ms(r.modified_at.unwrap_or(r.created_at)),
        "createdAt": ms(r.created_at),
        "rating": r.rating,
        "memberName": masked,
        "memberSrl": r.member % 1_000_000_000,
        "reviewTitle": r.title,
        "reviewContent": r.content,
        "viSaleStatus": r.on_sale,
        "deleted": false,
        "blinded": false,
        "emptyComment": r.empty_comment,
        "reviewSurveyAnswers": survey,
        "attachment": attachment,
        "eventId": null,
    })
}
