//! ESM PLUS seller-center simulator (Gmarket and Auction; research-esm §2–§4), served on
//! each site's port under its hosts' names (`/signin.esmplus.com/…`, `/www.esmplus.com/…`),
//! with the accounts, lockout, captcha, sessions, pace and stats of [`CenterState`].
//!
//! - `POST /signin.esmplus.com/api/login`, JSON `{loginId, password, siteType, rememberMe,
//!   nextUrl, captcha, captchaRequest, atoCollectData}`: `siteType` must be the port's site
//!   ("GMARKET" captured; "AUCTION" assumed). Signed in: `{"success":true,"data":{"encData",
//!   "cookieValue":"ESM_PC=pcid=…"}}`. The refusals' shapes are not captured; here a wrong
//!   password is HTTP 401 `{"success":false,"message":"아이디 또는 비밀번호를…"}`, a lock,
//!   a captcha (`data.captcha: true`) and an extra authentication (`force_2fa`: ESM PLUS
//!   has no known code step, only "추가 인증" for a new environment) HTTP 200 with
//!   `success:false` and their Korean message.
//! - `GET /www.esmplus.com/Member/Authenticate/JwtAuthService?JwtToken=<encData>&NextUrl=`
//!   (once per token, with the `ESM_PC` of its login): sets `ESM_TOKEN`, `ESM_AUTH` and
//!   302s to `NextUrl`; `GET /www.esmplus.com/Member/SignIn/RegisterContacts` (with those
//!   two) sets `ESM_REQUEST_AUTH_PC`. A session is the three cookies together.
//! - `GET /www.esmplus.com/Member/AntiMoneyLaundering/GetAMLSellerList`: a JSON string
//!   holding the array of the login's site sellers (`SiteId` 2 Gmarket, 1 Auction,
//!   `SellerId`, `SellerCustNo`); every third seller logs in with a master account that
//!   lists a sister store of the same site before its own, and an id of the other site.
//!   Without `X-Requested-With` the full HTML page (S6); logged out, 302 to the legacy
//!   `/Member/SignIn/LogOn`.
//! - The review list (`crate::esm::review_list`) for a full session; without one, 302 to
//!   `signin.esmplus.com/login`.
//! - `POST /_sim/esm/browser-session?seller=ID` plays a person who logged in with a
//!   browser (a captcha seller): the Playwright storage state of a full session. It is
//!   not a login the center counts.

use super::{Account, CenterSim, CenterState, PasswordCheck, SecondFactor, cookie};
use crate::esm::review_list::{self, Params};
use crate::faults::Injected;
use crate::reviews::{self, SimReview};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

const SIGNIN: &str = "/signin.esmplus.com";
const WWW: &str = "/www.esmplus.com";

/// What differs between the two sites' consoles.
pub struct Site {
    market: &'static str,
    site_type: &'static str,
    site_id: u64,
    other_site_id: u64,
}

static GMARKET_SITE: Site = Site {
    market: "gmarket",
    site_type: "GMARKET",
    site_id: 2,
    other_site_id: 1,
};

static AUCTION_SITE: Site = Site {
    market: "auction",
    site_type: "AUCTION",
    site_id: 1,
    other_site_id: 2,
};

pub static GMARKET: CenterSim = CenterSim {
    market: "gmarket",
    accounts: gmarket_accounts,
    build: build_gmarket,
};

pub static AUCTION: CenterSim = CenterSim {
    market: "auction",
    accounts: auction_accounts,
    build: build_auction,
};

/// Whether seller `i` logs in with a master account (every third: 2, 5, 8, …).
pub fn is_master(i: usize) -> bool {
    i % 3 == 2
}

/// The ESM PLUS logins of one site's sellers: the store is the seller's site id (its
/// seller id here); every third logs in with a master account. No 2-step verification.
fn accounts(site: &Site, sellers: &[String], seed: u64) -> Vec<Account> {
    sellers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let d =
                Sha256::digest(format!("esmplus/{}/{seed}/{s}/password", site.market).as_bytes());
            Account {
                seller_id: s.clone(),
                login_id: if is_master(i) {
                    format!("{}_master{:03}", site.market, i + 1)
                } else {
                    s.clone()
                },
                password: format!("Esm#{}", hex::encode(&d[..6])),
                second_factor: SecondFactor::None,
                store_id: s.clone(),
                login: None,
            }
        })
        .collect()
}

fn gmarket_accounts(sellers: &[String], seed: u64) -> Vec<Account> {
    accounts(&GMARKET_SITE, sellers, seed)
}

fn auction_accounts(sellers: &[String], seed: u64) -> Vec<Account> {
    accounts(&AUCTION_SITE, sellers, seed)
}

fn build_gmarket(st: Arc<CenterState>, root: &str) -> Router {
    build(&GMARKET_SITE, st, root)
}

fn build_auction(st: Arc<CenterState>, root: &str) -> Router {
    build(&AUCTION_SITE, st, root)
}

/// A console session's cookies past `ESM_TOKEN` (the [`CenterState`] session).
struct Console {
    auth: String,
    /// Set by RegisterContacts.
    request_auth_pc: Option<String>,
}

#[derive(Default)]
struct Inner {
    /// encData → (its `ESM_PC`, the session's `ESM_TOKEN`): used once.
    tokens: HashMap<String, (String, String)>,
    consoles: HashMap<String, Console>,
}

struct Esm {
    st: Arc<CenterState>,
    site: &'static Site,
    root: String,
    reviews: Vec<OnceLock<Vec<SimReview>>>,
    inner: Mutex<Inner>,
}

fn build(site: &'static Site, st: Arc<CenterState>, root: &str) -> Router {
    let esm = Arc::new(Esm {
        reviews: (0..st.accounts.len()).map(|_| OnceLock::new()).collect(),
        root: root.trim_end_matches('/').to_string(),
        site,
        st,
        inner: Mutex::default(),
    });
    Router::new()
        .route(
            &format!("{SIGNIN}/login"),
            get(|| async { review_list::signin() }),
        )
        .route(&format!("{SIGNIN}/api/login"), post(api_login))
        .route(
            &format!("{WWW}/Member/Authenticate/JwtAuthService"),
            get(jwt_auth_service),
        )
        .route(
            &format!("{WWW}/Member/SignIn/RegisterContacts"),
            get(register_contacts),
        )
        .route(
            &format!("{WWW}/Member/SignIn/LogOn"),
            get(|| async { review_list::signin() }),
        )
        .route(
            &format!("{WWW}/Member/AntiMoneyLaundering/GetAMLSellerList"),
            get(aml_seller_list),
        )
        .route(&format!("{WWW}/Review/ReviewList"), get(review_list_page))
        .route("/_sim/esm/browser-session", post(browser_session))
        .with_state(esm)
}

fn token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill(&mut b[..]);
    hex::encode(b)
}

fn set_cookie(name: &str, value: &str) -> HeaderValue {
    // ESM's cookies are the whole esmplus.com's; on one port that is path `/`.
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly"))
        .expect("a cookie header value")
}

fn redirect(to: &str, set: Vec<HeaderValue>) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    for c in set {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

fn json_answer(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

impl Esm {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("esm center lock")
    }

    fn to_signin(&self, back: &str) -> Response {
        let back: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
        redirect(
            &format!("{}{SIGNIN}/login?ReturnUrl={back}", self.root),
            Vec::new(),
        )
    }

    /// The `ESM_TOKEN` of a request that carries a whole console session (the three
    /// cookies, matching), whether or not the session is still alive.
    fn console_token(&self, h: &HeaderMap) -> Option<String> {
        let t = cookie(h, "ESM_TOKEN")?;
        let g = self.lock();
        let c = g.consoles.get(t)?;
        let whole = cookie(h, "ESM_AUTH") == Some(c.auth.as_str())
            && c.request_auth_pc.is_some()
            && cookie(h, "ESM_REQUEST_AUTH_PC") == c.request_auth_pc.as_deref();
        whole.then(|| t.to_string())
    }

    /// The seller of a logged-out request, to count what it is answered.
    fn logged_out(&self, h: &HeaderMap) {
        let seller = cookie(h, "ESM_TOKEN").and_then(|t| self.st.seller_of_expired(t));
        self.st.logged_out(seller);
    }

    /// The AML list of seller `i`'s login.
    fn aml_list(&self, i: usize) -> Value {
        let site = self.site;
        let a = &self.st.accounts[i];
        let cust = |n: u64| (100_200_000 + i as u64 * 10 + n).to_string();
        let own = json!({"SiteId": site.site_id, "SellerId": a.store_id, "SellerCustNo": cust(1)});
        if !is_master(i) {
            return json!([own]);
        }
        json!([
            {"SiteId": site.site_id, "SellerId": format!("{}_sister", a.store_id), "SellerCustNo": cust(2)},
            own,
            {"SiteId": site.other_site_id, "SellerId": format!("{}_other", a.store_id), "SellerCustNo": cust(3)},
        ])
    }
}

async fn api_login(State(e): State<Arc<Esm>>, body: axum::body::Bytes) -> Response {
    let refused = |status: StatusCode, code: i32, message: &str, data: Value| {
        json_answer(
            status,
            &json!({"success": false, "resultCode": code, "message": message, "data": data}),
        )
    };
    let Ok(q) = serde_json::from_slice::<Value>(&body) else {
        return refused(
            StatusCode::BAD_REQUEST,
            -9,
            "잘못된 요청입니다.",
            Value::Null,
        );
    };
    let text = |k: &str| q.get(k).and_then(Value::as_str).unwrap_or_default();
    let complete = [
        "rememberMe",
        "nextUrl",
        "captcha",
        "captchaRequest",
        "atoCollectData",
    ]
    .iter()
    .all(|k| q.get(k).is_some());
    if !complete || text("loginId").is_empty() {
        return refused(
            StatusCode::BAD_REQUEST,
            -9,
            "잘못된 요청입니다.",
            Value::Null,
        );
    }
    if text("siteType") != e.site.site_type {
        // Another site's tab: that site has no such seller.
        return refused(
            StatusCode::UNAUTHORIZED,
            -1,
            "아이디 또는 비밀번호를 잘못 입력하셨습니다.",
            Value::Null,
        );
    }
    match e.st.password_login(text("loginId"), text("password")) {
        PasswordCheck::SignedIn(_, session) => {
            let enc = format!("eyJ{}.{}.{}", token(12), token(24), token(16));
            let pc = token(16);
            e.lock().tokens.insert(enc.clone(), (pc.clone(), session));
            json_answer(
                StatusCode::OK,
                &json!({"success": true, "resultCode": 0, "message": "", "data": {
                    "encData": enc,
                    "cookieValue": format!("ESM_PC=pcid={pc}; Path=/; HttpOnly"),
                }}),
            )
        }
        PasswordCheck::Wrong => refused(
            StatusCode::UNAUTHORIZED,
            -1,
            "아이디 또는 비밀번호를 잘못 입력하셨습니다.",
            Value::Null,
        ),
        PasswordCheck::Locked => refused(
            StatusCode::OK,
            -2,
            "로그인 5회 실패로 계정이 잠겼습니다. 비밀번호 찾기 후 이용해 주세요.",
            Value::Null,
        ),
        PasswordCheck::Captcha => refused(
            StatusCode::OK,
            -3,
            "자동입력 방지문자를 입력해 주세요.",
            json!({"captcha": true}),
        ),
        PasswordCheck::SecondFactor { .. } => refused(
            StatusCode::OK,
            -4,
            "새로운 환경에서 로그인하여 추가 인증이 필요합니다.",
            Value::Null,
        ),
    }
}

async fn jwt_auth_service(
    State(e): State<Arc<Esm>>,
    h: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let jwt = q.get("JwtToken").cloned().unwrap_or_default();
    let Some((pc, session)) = e.lock().tokens.remove(&jwt) else {
        return e.to_signin("/");
    };
    if cookie(&h, "ESM_PC") != Some(format!("pcid={pc}").as_str()) {
        // Not the browser that signed in.
        return e.to_signin("/");
    }
    let auth = token(20);
    e.lock().consoles.insert(
        session.clone(),
        Console {
            auth: auth.clone(),
            request_auth_pc: None,
        },
    );
    let next = q
        .get("NextUrl")
        .filter(|n| n.starts_with('/'))
        .cloned()
        .unwrap_or_else(|| "/Home/v2".into());
    redirect(
        &format!("{}{WWW}{next}", e.root),
        vec![
            set_cookie("ESM_TOKEN", &session),
            set_cookie("ESM_AUTH", &auth),
        ],
    )
}

async fn register_contacts(State(e): State<Arc<Esm>>, h: HeaderMap) -> Response {
    let (Some(t), Some(auth)) = (cookie(&h, "ESM_TOKEN"), cookie(&h, "ESM_AUTH")) else {
        return e.to_signin("/Member/SignIn/RegisterContacts");
    };
    if e.st.session(Some(t)).is_none() {
        return e.to_signin("/Member/SignIn/RegisterContacts");
    }
    let pc = token(20);
    let registered = match e.lock().consoles.get_mut(t) {
        Some(c) if c.auth == auth => {
            c.request_auth_pc = Some(pc.clone());
            true
        }
        _ => false,
    };
    if !registered {
        return e.to_signin("/Member/SignIn/RegisterContacts");
    }
    let mut r = review_list::html(
        StatusCode::OK,
        "<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>ESM PLUS</title></head><body><h2>고객 응대 연락처 인증 및 변경</h2><a href=\"/Home/v2\">다음에 하기</a></body></html>".into(),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie("ESM_REQUEST_AUTH_PC", &pc));
    r
}

async fn aml_seller_list(State(e): State<Arc<Esm>>, h: HeaderMap) -> Response {
    let seller = e
        .console_token(&h)
        .and_then(|t| e.st.session(Some(&t)))
        .map(|s| s.seller);
    let Some(seller) = seller else {
        e.logged_out(&h);
        return redirect(
            &format!(
                "{}{WWW}/Member/SignIn/LogOn?ReturnUrl=%2FMember%2FAntiMoneyLaundering%2FGetAMLSellerList",
                e.root
            ),
            Vec::new(),
        );
    };
    let ajax = h
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"));
    if !ajax {
        // ESM answers AJAX endpoints called without the header with the whole page.
        return review_list::html(
            StatusCode::OK,
            "<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>ESM PLUS</title></head><body><div id=\"header\"><h1><a class=\"link__logo\" href=\"/Home/v2\">ESM PLUS</a></h1></div></body></html>".into(),
        );
    }
    // Encoded twice: a JSON string holding the array.
    let inner = e.aml_list(seller).to_string();
    json_answer(StatusCode::OK, &Value::String(inner))
}

async fn review_list_page(
    State(e): State<Arc<Esm>>,
    h: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let live = e
        .console_token(&h)
        .and_then(|t| e.st.data_session(Some(&t)).map(|s| (t, s.seller)));
    let Some((t, seller)) = live else {
        e.logged_out(&h);
        return e.to_signin("/Review/ReviewList");
    };
    if !e.st.admit(&t, seller) {
        return super::throttled();
    }
    let faults = &e.st.sim.faults;
    faults.delay().await;
    match faults.draw() {
        Injected::Throttle(_) => return super::throttled(),
        Injected::ServerError => {
            return review_list::html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html><body>일시적인 오류입니다.</body></html>".into(),
            );
        }
        Injected::Truncate | Injected::None => {}
    }
    let all = e.reviews[seller].get_or_init(|| {
        reviews::of_seller(
            e.st.sim.config.seed,
            seller,
            &e.st.sim.world.seller(seller).orders,
        )
    });
    review_list::review_list(seller, all, e.st.sim.clock.now(), &q)
}

#[derive(serde::Deserialize)]
struct SellerQuery {
    seller: String,
}

async fn browser_session(State(e): State<Arc<Esm>>, Query(q): Query<SellerQuery>) -> Response {
    let Some(i) = e.st.seller_index(&q.seller) else {
        return (StatusCode::NOT_FOUND, "no such seller").into_response();
    };
    let session = e.st.sign_in(i);
    let (auth, pc_auth, pc) = (token(20), token(20), token(16));
    e.lock().consoles.insert(
        session.clone(),
        Console {
            auth: auth.clone(),
            request_auth_pc: Some(pc_auth.clone()),
        },
    );
    let domain = e
        .root
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap_or("127.0.0.1")
        .to_string();
    let cookies: Vec<Value> = [
        ("ESM_TOKEN", session),
        ("ESM_AUTH", auth),
        ("ESM_REQUEST_AUTH_PC", pc_auth),
        ("ESM_PC", format!("pcid={pc}")),
    ]
    .into_iter()
    .map(|(name, value)| {
        json!({
            "name": name, "value": value, "domain": domain, "path": "/",
            "expires": -1, "httpOnly": true, "secure": false, "sameSite": "Lax"
        })
    })
    .collect();
    Json(json!({ "cookies": cookies, "origins": [] })).into_response()
}
