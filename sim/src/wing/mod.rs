//! Coupang WING seller-center simulator (seller-centers.md §2): the Keycloak login of
//! realm `seller` with its redirect chain, a code challenge on a new device, the XSRF
//! resource and the review search, served beside the Open API on the Coupang simulator's
//! root (paths do not overlap; on the real service they are three hosts, `wing.`,
//! `xauth.` and `api-gateway.coupang.com`, and every redirect here is absolute, so a
//! client that follows `Location` as given works on both).
//!
//! - Login chain: `GET /` → 302 `/login?ui_locales=ko-KR&service_cmdb_role=wing&…&returnUrl=`
//!   → 302 `/sso/login?returnUrl=` → 302 `/auth/realms/seller/protocol/openid-connect/auth?
//!   client_id=wing&redirect_uri=…` → 200 the login page (`.cp-loginpage__bg`,
//!   `form#kc-form-login[action]`, `#username`, `#password`, and the same action in a
//!   script's `const out = {…}` as `url.loginAction`), setting `AUTH_SESSION_ID`.
//!   `POST …/login-actions/authenticate?session_code&execution&client_id=wing&tab_id&kc_locale`
//!   with `username`, `password` → 302 `…/sso/login?returnUrl&state&session_state&code`;
//!   that one-time code sets the session cookies `sxSessionId`, `sid`, `JSESSIONID`,
//!   `web-session-id`, `seller-uid` (no `Expires`: browser-session cookies) and 302s to
//!   `returnUrl`. `GET /tenants/sfl-portal/card/cre/resource` sets `XSRF-TOKEN`.
//! - A seller with device verification (SMS or e-mail) logging in from a device it has not
//!   verified gets a code page instead of the redirect (`form#kc-otp-login-form`, input
//!   `code`); the code goes to the seller's outbox (`GET /_sim/wing/outbox?seller=`, the
//!   phone or mailbox). The right code within 10 simulated minutes completes the login and
//!   marks the device (a persistent cookie on the realm path); 5 wrong codes end the login.
//!   The HTTP format of this step is not captured (seller-centers.md: [UNKNOWN]); this is
//!   Keycloak's own form convention.
//! - Wrong password: the login page again with an error; 5 in a row lock the account for
//!   30 simulated minutes (a locked account is refused even with the right password).
//!   Captcha on demand (`/_sim/wing/inject {"force_captcha":[vendorId]}`): the login page
//!   with a reCAPTCHA widget, which no HTTP client passes.
//! - Sessions live 12 simulated hours; `{"expire_sessions":true}` ends every session now,
//!   `{"expire_sessions_next":N}` the next N that are used. A request without the full
//!   cookie set (e.g. only `sid` + `JSESSIONID` + `XSRF-TOKEN`) or with an ended session
//!   is answered 302 to the login chain, as the real console does.
//! - Review search: `POST /tenants/cs/product/review/search`, JSON
//!   `{startTime, endTime, rating, salesStatus, advancedType, advancedInput, pageIndex,
//!   pageSize, productName}`; dates only; ≤ 1 month ("검색 기간은 1개월 이내로 지정해주세요.",
//!   `success:false`), `pageSize` ≤ 50 (HTTP 500 "오류가 발생했습니다"), `salesStatus:"true"`
//!   drops products no longer on sale, a page past the end has an empty `content`. Answer
//!   `{code:"OK", message, data:{content[], pagination{currentPage, totalPages,
//!   totalElements, countPerPage}}, success:true}`, items in the captured field names
//!   (`attachment` and `reviewSurveyAnswers` as JSON strings, times in epoch ms).
//! - Pace: one bucket per session, 1 request/s, burst 2 (none is published; seller-centers.md
//!   §0 assumes ≤ 1/s), `config.rps` replaces the rate; over it: HTTP 429 HTML with
//!   `Retry-After`. Counted faults of `/_sim/inject` (`fail_next`, `throttle_next`,
//!   `truncate_next`) apply to review searches too.
//! - `GET /_sim/wing/stats`: per seller, logins completed, password posts, codes sent and
//!   code submissions, review searches, logged-out answers.

pub mod pages;

use crate::faults::{Injected, truncate};
use crate::limits::Buckets;
use crate::reviews::{self, SimReview};
use crate::server::SimState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub const SESSION_HOURS: i64 = 12;
pub const LOCK_AFTER_FAILURES: u32 = 5;
pub const LOCK_MINUTES: i64 = 30;
pub const CODE_MINUTES: i64 = 10;
pub const CODE_ATTEMPTS: u32 = 5;
pub const MAX_PAGE_SIZE: u64 = 50;
/// Assumed: no console limit is published (seller-centers.md §0).
pub const RATE_PER_SESSION: f64 = 1.0;
pub const THROTTLE_RETRY_AFTER_S: u32 = 30;

/// WING and its login host, each under its host name on the simulator's root
/// (`{root}/{host}{path}`, as the seller-center sessions address simulators).
pub const WING: &str = "/wing.coupang.com";
pub const XAUTH: &str = "/xauth.coupang.com";
const REALM: &str = "/xauth.coupang.com/auth/realms/seller";
const SESSION_COOKIES: [&str; 5] = [
    "sxSessionId",
    "sid",
    "JSESSIONID",
    "web-session-id",
    "seller-uid",
];
const DEVICE_COOKIE: &str = "KC_DEVICE";

/// How a seller's account verifies a new device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
}

/// One seller's WING login.
#[derive(Debug, Clone)]
pub struct Login {
    pub vendor_id: String,
    pub username: String,
    pub password: String,
    /// `None`: the account has no device verification.
    pub device_check: Option<Channel>,
}

/// Seller `i`'s login, deterministic from the seed. Sellers 1, 6, 11… verify new devices
/// by SMS, 3, 8, 13… by e-mail, the others not at all.
pub fn login_of(seed: u64, i: usize) -> Login {
    let d = Sha256::digest(format!("wing/{seed}/{i}/password").as_bytes());
    Login {
        vendor_id: format!("A{:08}", 10_000 + i),
        username: format!("seller{:05}", 10_000 + i),
        password: format!("Wg!{}", hex::encode(&d[..6])),
        device_check: match i % 5 {
            1 => Some(Channel::Sms),
            3 => Some(Channel::Email),
            _ => None,
        },
    }
}

/// What `/_sim/wing/stats` counts per seller.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SellerStats {
    /// Logins completed (a session issued).
    pub logins: u32,
    /// Username/password posts, right or wrong.
    pub password_posts: u32,
    pub wrong_passwords: u32,
    pub codes_sent: u32,
    /// 2FA code posts, right or wrong.
    pub code_submissions: u32,
    pub review_searches: u32,
    /// Requests answered with the redirect to login.
    pub logged_out_answers: u32,
    pub throttled: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SentCode {
    pub channel: Channel,
    pub code: String,
    pub sent_at: DateTime<Utc>,
}

enum Step {
    Password,
    Code {
        seller: usize,
        channel: Channel,
        code: String,
        sent_at: DateTime<Utc>,
        attempts: u32,
    },
}

/// A login in progress (Keycloak's authentication session).
struct AuthSession {
    tab_id: String,
    execution: String,
    /// Rotates with every page; a form of an older page is expired.
    session_code: String,
    redirect_uri: String,
    state: String,
    step: Step,
}

struct Session {
    seller: usize,
    cookies: BTreeMap<&'static str, String>,
    started: DateTime<Utc>,
    xsrf: Option<String>,
}

#[derive(Default)]
struct Inner {
    auth: HashMap<String, AuthSession>,
    /// One-time authorization codes → seller.
    codes: HashMap<String, usize>,
    sessions: HashMap<String, Session>,
    devices: HashMap<String, usize>,
    failures: HashMap<usize, u32>,
    locked_until: HashMap<usize, DateTime<Utc>>,
    force_captcha: HashSet<usize>,
    force_code: HashSet<usize>,
    outbox: HashMap<usize, Vec<SentCode>>,
    stats: HashMap<usize, SellerStats>,
}

pub struct Wing {
    state: Arc<SimState>,
    root: String,
    logins: Vec<Login>,
    reviews: Vec<OnceLock<Vec<SimReview>>>,
    buckets: Buckets,
    expire_next: AtomicU32,
    inner: Mutex<Inner>,
}

impl Wing {
    pub fn new(state: Arc<SimState>, root: &str) -> Arc<Self> {
        let n = state.world.seller_count();
        let rate = state.config.rps.unwrap_or(RATE_PER_SESSION);
        Arc::new(Wing {
            logins: (0..n).map(|i| login_of(state.config.seed, i)).collect(),
            reviews: (0..n).map(|_| OnceLock::new()).collect(),
            buckets: Buckets::new(rate, (rate.ceil() as u32).max(2)),
            root: root.trim_end_matches('/').to_string(),
            state,
            expire_next: AtomicU32::new(0),
            inner: Mutex::default(),
        })
    }

    pub fn logins(&self) -> &[Login] {
        &self.logins
    }

    /// Every review seller `i` has by simulated time `now`, newest first.
    pub fn reviews_at(&self, i: usize, now: DateTime<Utc>) -> Vec<&SimReview> {
        let all = self.reviews[i].get_or_init(|| {
            reviews::of_seller(
                self.state.config.seed,
                i,
                &self.state.world.seller(i).orders,
            )
        });
        all.iter().rev().filter(|r| r.created_at <= now).collect()
    }

    pub fn stats(&self) -> BTreeMap<String, SellerStats> {
        let inner = self.inner.lock().expect("wing lock");
        self.logins
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    l.vendor_id.clone(),
                    inner.stats.get(&i).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn seller_by_vendor(&self, vendor: &str) -> Option<usize> {
        self.logins.iter().position(|l| l.vendor_id == vendor)
    }

    fn login_chain_start(&self, return_path: &str) -> Response {
        let to = format!(
            "{}{WING}/login?ui_locales=ko-KR&service_cmdb_role=wing&sxauth_sdk_version=2.7.0&returnUrl={}",
            self.root,
            enc(&format!("{}{WING}{}", self.root, return_path))
        );
        redirect(&to, Vec::new())
    }

    fn action(&self, a: &AuthSession) -> String {
        format!(
            "{}{REALM}/login-actions/authenticate?session_code={}&execution={}&client_id=wing&tab_id={}&kc_locale=ko-KR",
            self.root, a.session_code, a.execution, a.tab_id
        )
    }

    /// The seller whose complete, live session the request carries.
    fn session(&self, h: &HeaderMap) -> Option<(String, usize)> {
        let jar = cookies(h);
        let sx = jar.get("sxSessionId")?.clone();
        let now = self.state.clock.now();
        let mut inner = self.inner.lock().expect("wing lock");
        let s = inner.sessions.get(&sx)?;
        let complete = s
            .cookies
            .iter()
            .all(|(name, value)| jar.get(*name) == Some(value));
        if !complete {
            return None;
        }
        let ended = now - s.started >= Duration::hours(SESSION_HOURS)
            || self
                .expire_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if ended {
            inner.sessions.remove(&sx);
            return None;
        }
        let seller = s.seller;
        Some((sx, seller))
    }

    fn count(&self, seller: usize, f: impl FnOnce(&mut SellerStats)) {
        f(self
            .inner
            .lock()
            .expect("wing lock")
            .stats
            .entry(seller)
            .or_default());
    }
}

/// The WING routes over `wing`, to be merged into the Coupang simulator's router.
pub fn router(wing: Arc<Wing>) -> Router {
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
        .route("/_sim/wing/stats", get(stats))
        .route("/_sim/wing/outbox", get(outbox))
        .route("/_sim/wing/inject", post(inject))
        .with_state(wing)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn token(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

fn cookies(h: &HeaderMap) -> HashMap<String, String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .map(|c| (c.name().to_string(), c.value().to_string()))
        .collect()
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

fn redirect(to: &str, set: Vec<String>) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    for c in set {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

fn html(status: StatusCode, body: String, set: Vec<String>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=UTF-8"),
    );
    for c in set {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
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
            pages::home(&w.logins[seller].vendor_id),
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
        // Not logged in: off to Keycloak, which will come back here with a code.
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
    let seller = w.inner.lock().expect("wing lock").codes.remove(code);
    let Some(seller) = seller else {
        // A used or unknown code: start over, as an OIDC client does.
        return w.login_chain_start("/");
    };
    let l = &w.logins[seller];
    let values: BTreeMap<&'static str, String> = SESSION_COOKIES
        .iter()
        .map(|name| {
            let v = match *name {
                "seller-uid" => format!("{}-{}", l.vendor_id, token(4)),
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
        let mut inner = w.inner.lock().expect("wing lock");
        inner.sessions.insert(
            values["sxSessionId"].clone(),
            Session {
                seller,
                cookies: values,
                started: w.state.clock.now(),
                xsrf: None,
            },
        );
        inner.stats.entry(seller).or_default().logins += 1;
    }
    redirect(&back, set)
}

async fn keycloak_auth(State(w): State<Arc<Wing>>, Query(q): Query<Params>) -> Response {
    if q.get("client_id").map(String::as_str) != Some("wing") {
        return html(
            StatusCode::BAD_REQUEST,
            "<html><body><p id=\"kc-error-message\">Client not found.</p></body></html>".into(),
            Vec::new(),
        );
    }
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        return html(
            StatusCode::BAD_REQUEST,
            "<html><body><p id=\"kc-error-message\">Invalid parameter: redirect_uri</p></body></html>".into(),
            Vec::new(),
        );
    };
    let id = token(16);
    let a = AuthSession {
        tab_id: token(6),
        execution: "a1b2c3d4-sim-wing-username-password".into(),
        session_code: token(12),
        redirect_uri,
        state: q.get("state").cloned().unwrap_or_default(),
        step: Step::Password,
    };
    let page = pages::login(&w.action(&a), "", pages::LoginNotice::None);
    w.inner
        .lock()
        .expect("wing lock")
        .auth
        .insert(id.clone(), a);
    html(
        StatusCode::OK,
        page,
        vec![
            set_cookie("AUTH_SESSION_ID", &id, &format!("{REALM}/"), false, true),
            set_cookie("KC_RESTART", &token(24), &format!("{REALM}/"), false, true),
        ],
    )
}

async fn restart(State(w): State<Arc<Wing>>) -> Response {
    w.login_chain_start("/")
}

/// Where a form post lands: the login's next page, a redirect back to WING, or an error.
async fn authenticate(
    State(w): State<Arc<Wing>>,
    Query(q): Query<Params>,
    h: HeaderMap,
    Form(form): Form<Params>,
) -> Response {
    let jar = cookies(&h);
    let now = w.state.clock.now();
    let restart_url = format!("{}{REALM}/login-actions/restart", w.root);
    let mut guard = w.inner.lock().expect("wing lock");
    let inner = &mut *guard;
    let Some(id) = jar.get("AUTH_SESSION_ID") else {
        return html(StatusCode::OK, pages::expired(&restart_url), Vec::new());
    };
    let Some(a) = inner.auth.get_mut(id) else {
        return html(StatusCode::OK, pages::expired(&restart_url), Vec::new());
    };
    let fresh = q.get("session_code") == Some(&a.session_code)
        && q.get("tab_id") == Some(&a.tab_id)
        && q.get("execution") == Some(&a.execution)
        && q.get("client_id").map(String::as_str) == Some("wing");
    if !fresh {
        return html(StatusCode::OK, pages::expired(&restart_url), Vec::new());
    }
    a.session_code = token(12);
    let action = format!(
        "{}{REALM}/login-actions/authenticate?session_code={}&execution={}&client_id=wing&tab_id={}&kc_locale=ko-KR",
        w.root, a.session_code, a.execution, a.tab_id
    );
    let back_with_code = |a: &AuthSession, code: &str| {
        let sep = if a.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{sep}state={}&session_state={}&code={}",
            a.redirect_uri,
            enc(&a.state),
            token(16),
            code
        )
    };
    match &mut a.step {
        Step::Password => {
            let username = form.get("username").cloned().unwrap_or_default();
            let password = form.get("password").cloned().unwrap_or_default();
            let Some(seller) = w.logins.iter().position(|l| l.username == username) else {
                return html(
                    StatusCode::OK,
                    pages::login(
                        &action,
                        &username,
                        pages::LoginNotice::Error("아이디 또는 비밀번호가 올바르지 않습니다."),
                    ),
                    Vec::new(),
                );
            };
            inner.stats.entry(seller).or_default().password_posts += 1;
            if inner.force_captcha.contains(&seller) && !form.contains_key("g-recaptcha-response") {
                return html(
                    StatusCode::OK,
                    pages::login(&action, &username, pages::LoginNotice::Captcha),
                    Vec::new(),
                );
            }
            if inner.locked_until.get(&seller).is_some_and(|t| now < *t) {
                return html(
                    StatusCode::OK,
                    pages::login(
                        &action,
                        &username,
                        pages::LoginNotice::Error(
                            "로그인 실패 횟수 초과로 계정이 잠겼습니다. 30분 후 다시 시도하거나 비밀번호를 재설정해 주세요.",
                        ),
                    ),
                    Vec::new(),
                );
            }
            let l = &w.logins[seller];
            if password != l.password {
                let n = inner.failures.entry(seller).or_default();
                *n += 1;
                if *n >= LOCK_AFTER_FAILURES {
                    *n = 0;
                    inner
                        .locked_until
                        .insert(seller, now + Duration::minutes(LOCK_MINUTES));
                }
                inner.stats.entry(seller).or_default().wrong_passwords += 1;
                return html(
                    StatusCode::OK,
                    pages::login(
                        &action,
                        &username,
                        pages::LoginNotice::Error("아이디 또는 비밀번호가 올바르지 않습니다."),
                    ),
                    Vec::new(),
                );
            }
            inner.failures.remove(&seller);
            let known_device = jar
                .get(DEVICE_COOKIE)
                .is_some_and(|d| inner.devices.get(d) == Some(&seller));
            let forced = inner.force_code.remove(&seller);
            let channel = match (l.device_check, forced) {
                (Some(c), _) if !known_device || forced => Some(c),
                (None, true) => Some(Channel::Sms),
                _ => None,
            };
            if let Some(channel) = channel {
                let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
                inner.outbox.entry(seller).or_default().push(SentCode {
                    channel,
                    code: code.clone(),
                    sent_at: now,
                });
                inner.stats.entry(seller).or_default().codes_sent += 1;
                a.step = Step::Code {
                    seller,
                    channel,
                    code,
                    sent_at: now,
                    attempts: 0,
                };
                let to = match channel {
                    Channel::Sms => "010-****-12".to_string() + &format!("{:02}", seller % 100),
                    Channel::Email => format!("s***{}@example.co.kr", seller),
                };
                let kind = if channel == Channel::Email {
                    "email"
                } else {
                    "sms"
                };
                return html(
                    StatusCode::OK,
                    pages::code_challenge(&action, kind, &to, None),
                    Vec::new(),
                );
            }
            let code = token(20);
            let to = back_with_code(a, &code);
            inner.codes.insert(code, seller);
            inner.auth.remove(id);
            redirect(&to, Vec::new())
        }
        Step::Code {
            seller,
            channel,
            code,
            sent_at,
            attempts,
        } => {
            let seller = *seller;
            inner.stats.entry(seller).or_default().code_submissions += 1;
            let kind = if *channel == Channel::Email {
                "email"
            } else {
                "sms"
            };
            if now - *sent_at > Duration::minutes(CODE_MINUTES) {
                inner.auth.remove(id);
                return html(StatusCode::OK, pages::expired(&restart_url), Vec::new());
            }
            if form.get("code").map(|c| c.trim()) != Some(code.as_str()) {
                *attempts += 1;
                if *attempts >= CODE_ATTEMPTS {
                    inner.auth.remove(id);
                    return html(StatusCode::OK, pages::expired(&restart_url), Vec::new());
                }
                return html(
                    StatusCode::OK,
                    pages::code_challenge(
                        &action,
                        kind,
                        "",
                        Some("인증번호가 일치하지 않습니다. 다시 입력해 주세요."),
                    ),
                    Vec::new(),
                );
            }
            let device = token(16);
            inner.devices.insert(device.clone(), seller);
            let oauth_code = token(20);
            let to = back_with_code(a, &oauth_code);
            inner.codes.insert(oauth_code, seller);
            inner.auth.remove(id);
            redirect(
                &to,
                vec![set_cookie(
                    DEVICE_COOKIE,
                    &device,
                    &format!("{REALM}/"),
                    true,
                    true,
                )],
            )
        }
    }
}

async fn xsrf_resource(State(w): State<Arc<Wing>>, h: HeaderMap) -> Response {
    let Some((sx, _)) = w.session(&h) else {
        return w.login_chain_start("/tenants/sfl-portal/card/cre/resource");
    };
    let xsrf = token(18);
    if let Some(s) = w.inner.lock().expect("wing lock").sessions.get_mut(&sx) {
        s.xsrf = Some(xsrf.clone());
    }
    let mut r = json_answer(StatusCode::OK, &json!({ "code": "OK", "data": [] }));
    if let Ok(v) = HeaderValue::from_str(&set_cookie("XSRF-TOKEN", &xsrf, WING, false, false)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
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
        if let Some(seller) = cookies(&h)
            .get("seller-uid")
            .and_then(|u| u.split('-').next().and_then(|v| w.seller_by_vendor(v)))
        {
            w.count(seller, |s| s.logged_out_answers += 1);
        }
        return w.login_chain_start(uri.path().trim_start_matches(WING));
    };
    w.count(seller, |s| s.review_searches += 1);
    if let Some(sent) = h.get("x-xsrf-token") {
        let expected = w
            .inner
            .lock()
            .expect("wing lock")
            .sessions
            .get(&sx)
            .and_then(|s| s.xsrf.clone());
        if expected.as_deref().map(str::as_bytes) != Some(sent.as_bytes()) {
            return refused(StatusCode::FORBIDDEN, "Invalid CSRF Token");
        }
    }
    if !w.buckets.admit(&sx) {
        w.count(seller, |s| s.throttled += 1);
        let mut r = html(
            StatusCode::TOO_MANY_REQUESTS,
            pages::TOO_MANY.into(),
            Vec::new(),
        );
        r.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(THROTTLE_RETRY_AFTER_S),
        );
        return r;
    }
    let faults = &w.state.faults;
    faults.delay().await;
    let fault = faults.draw();
    match fault {
        Injected::Throttle(_) => {
            w.count(seller, |s| s.throttled += 1);
            let mut r = html(
                StatusCode::TOO_MANY_REQUESTS,
                pages::TOO_MANY.into(),
                Vec::new(),
            );
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(THROTTLE_RETRY_AFTER_S),
            );
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
    if end < start
        || start
            .checked_add_months(chrono::Months::new(1))
            .is_none_or(|m| end > m)
    {
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
    let now = w.state.clock.now();
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
    let pages = total.div_ceil(page_size);
    let content: Vec<Value> = listed
        .iter()
        .skip((page_index * page_size) as usize)
        .take(page_size as usize)
        .map(|r| item(w, seller, r))
        .collect();
    Ok(json!({
        "code": "OK",
        "message": "",
        "data": {
            "content": content,
            "pagination": {
                "currentPage": page_index,
                "totalPages": pages,
                "totalElements": total,
                "countPerPage": page_size,
            }
        },
        "success": true,
    }))
}

fn item(w: &Wing, seller: usize, r: &SimReview) -> Value {
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
    let name = crate::names::person(r.member);
    let masked: String = name
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
        "vendorId": w.logins[seller].vendor_id,
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

async fn stats(State(w): State<Arc<Wing>>) -> Json<Value> {
    Json(json!({ "sellers": w.stats() }))
}

#[derive(Deserialize)]
struct OutboxQuery {
    seller: String,
}

/// The seller's phone / mailbox: the codes WING sent, newest last.
async fn outbox(State(w): State<Arc<Wing>>, Query(q): Query<OutboxQuery>) -> Response {
    let Some(i) = w.seller_by_vendor(&q.seller) else {
        return refused(StatusCode::NOT_FOUND, "no such seller");
    };
    let sent = w
        .inner
        .lock()
        .expect("wing lock")
        .outbox
        .get(&i)
        .cloned()
        .unwrap_or_default();
    Json(json!({ "seller": q.seller, "codes": sent })).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Inject {
    /// Sellers (vendorId) whose logins meet a captcha until cleared.
    force_captcha: Vec<String>,
    /// Sellers whose next login must pass a code, even from a verified device.
    force_2fa: Vec<String>,
    /// Clear every forced captcha.
    clear_captcha: bool,
    /// End every session now.
    expire_sessions: bool,
    /// The next N session checks find their session ended.
    expire_sessions_next: u32,
}

async fn inject(State(w): State<Arc<Wing>>, Json(i): Json<Inject>) -> Response {
    let mut inner = w.inner.lock().expect("wing lock");
    let unknown = i
        .force_captcha
        .iter()
        .chain(&i.force_2fa)
        .find(|v| w.seller_by_vendor(v).is_none());
    if let Some(v) = unknown {
        return refused(StatusCode::BAD_REQUEST, &format!("no seller {v:?}"));
    }
    if i.clear_captcha {
        inner.force_captcha.clear();
    }
    inner
        .force_captcha
        .extend(i.force_captcha.iter().filter_map(|v| w.seller_by_vendor(v)));
    inner
        .force_code
        .extend(i.force_2fa.iter().filter_map(|v| w.seller_by_vendor(v)));
    if i.expire_sessions {
        inner.sessions.clear();
    }
    w.expire_next
        .fetch_add(i.expire_sessions_next, Ordering::SeqCst);
    Json(json!({ "ok": true })).into_response()
}
