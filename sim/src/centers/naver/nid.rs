//! The Naver ID login (seller-centers.md §1.1, "NID form login over HTTP") and its SSO into
//! the commerce accounts, enforced as the collector must meet them:
//! - `GET nid.naver.com/nidlogin.login?mode=form`: the login form, a fresh `dynamicKey`;
//! - `GET nid.naver.com/login/ext/keys.nhn`: `sessionkey,keyname,n,e` (hex): the
//!   simulator's RSA key (made once per process) and a fresh, single-use session key;
//! - `POST nid.naver.com/nidlogin.login`: the browser's form with empty `id`/`pw`;
//!   `encpw` must decrypt with the private key to `chr(len)+value` for a fresh session
//!   key, the id and the password; a missing or undecodable `bvsd` gets the captcha (as a
//!   2026 client reports); then a wrong password, a lock after 5 failures, the new-device
//!   code (an SMS, `#direct_case`) or success: `NID_AUT` + `NID_SES`;
//! - `POST nid.naver.com/login/ext/2step.nhn` (`key`, `mode`, `otp`): the code;
//! - GraphQL `snsLoginBegin` → `authUrl`; `oauth2.0/authorize` and
//!   `login/noauth/allow_oauth` (both need the NID cookies, and move on with JS
//!   `location.replace`) → `accounts.commerce.naver.com/oauth/callback?code&state`;
//!   GraphQL `snsLoginCallback(code, state)` sets the commerce login cookie, which
//!   `/api/login` takes as after `idLogin`.
//!
//! The answer pages' markup is what the collector assumes (README "Naver center notes").

use super::{GqlRequest, LOGIN_COOKIE, Naver, gql, var};
use crate::centers::{ChallengeError, PasswordCheck, cookie, session_cookie};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use rsa::PrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

const NID: &str = "/nid.naver.com";
const ACCOUNTS: &str = "/accounts.commerce.naver.com";
/// The key's name in `keys.nhn` (Naver's are numeric).
pub const KEY_NAME: &str = "100000001";
/// How long a session key from `keys.nhn` may be used (simulated minutes).
pub const KEY_MINUTES: i64 = 10;
/// Unused keys and SSO steps kept at most (a long `sim serve` stays bounded).
const KEEP: usize = 10_000;

/// The simulator's RSA key: 1024 bits (Naver's size), made once per process, since
/// making one takes a while and every simulator start would pay it.
fn private_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::new(&mut Os, 1024).expect("an RSA key"))
}

/// The OS random source under rand_core 0.10's traits (what rsa 0.10 takes).
struct Os;
impl rsa::rand_core::TryRng for Os {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(rand::random())
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(rand::random())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        rand::fill(dst);
        Ok(())
    }
}
impl rsa::rand_core::TryCryptoRng for Os {}

/// The Naver ID side of the Naver simulator.
pub struct Nid {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    dynamic_keys: HashSet<String>,
    /// Session key -> when it was handed out.
    session_keys: HashMap<String, DateTime<Utc>>,
    /// `snsLoginBegin` states not yet used.
    states: HashSet<String>,
    /// `oauth_token` of the authorisation page -> (seller, state).
    tokens: HashMap<String, (usize, String)>,
    /// Authorisation code -> (seller, state).
    codes: HashMap<String, (usize, String)>,
}

fn bounded<K, V>(m: &mut HashMap<K, V>) {
    if m.len() >= KEEP {
        m.clear();
    }
}

impl Default for Nid {
    fn default() -> Self {
        Self::new()
    }
}

impl Nid {
    pub fn new() -> Self {
        // Made at start-up, not at the first login.
        private_key();
        Nid {
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("nid lock")
    }
}

fn token() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    hex::encode(b)
}

pub fn routes() -> axum::Router<Arc<Naver>> {
    axum::Router::new()
        .route(&format!("{NID}/nidlogin.login"), get(form).post(login))
        .route(&format!("{NID}/login/ext/keys.nhn"), get(keys))
        .route(&format!("{NID}/login/ext/2step.nhn"), post(two_step))
        .route(&format!("{NID}/oauth2.0/authorize"), get(authorize))
        .route(&format!("{NID}/login/noauth/allow_oauth"), get(allow_oauth))
        .route(&format!("{ACCOUNTS}/oauth/callback"), get(callback_page))
}

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!doctype html><html><head><title>네이버 : 로그인</title></head><body>{body}</body></html>"),
    )
        .into_response()
}

/// The login form, with a fresh `dynamicKey` and `message` above it.
fn form_page(n: &Naver, message: &str) -> Response {
    let key = token();
    {
        let mut g = n.nid.lock();
        if g.dynamic_keys.len() >= KEEP {
            g.dynamic_keys.clear();
        }
        g.dynamic_keys.insert(key.clone());
    }
    html(format!(
        "<div id=\"err_common\">{message}</div><form id=\"frmNIDLogin\" method=\"post\" action=\"/nidlogin.login\">\
         <input type=\"hidden\" name=\"localechange\" value=\"\"><input type=\"hidden\" name=\"dynamicKey\" value=\"{key}\">\
         <input type=\"hidden\" name=\"encpw\" value=\"\"><input type=\"hidden\" name=\"enctp\" value=\"1\">\
         <input type=\"hidden\" name=\"svctype\" value=\"1\"><input type=\"hidden\" name=\"smart_LEVEL\" value=\"1\">\
         <input type=\"hidden\" name=\"bvsd\" value=\"\"><input type=\"hidden\" name=\"encnm\" value=\"\">\
         <input type=\"hidden\" name=\"locale\" value=\"ko_KR\"><input type=\"hidden\" name=\"url\" value=\"https://www.naver.com\">\
         <input type=\"text\" id=\"id\" name=\"id\"><input type=\"password\" id=\"pw\" name=\"pw\">\
         <button type=\"submit\" id=\"log.login\">로그인</button></form>"
    ))
}

async fn form(State(n): State<Arc<Naver>>) -> Response {
    form_page(&n, "")
}

async fn keys(State(n): State<Arc<Naver>>) -> Response {
    let session_key = token();
    let now = n.state.sim.clock.now();
    {
        let mut g = n.nid.lock();
        bounded(&mut g.session_keys);
        g.session_keys.insert(session_key.clone(), now);
    }
    let public = private_key().to_public_key();
    let n_hex = hex::encode(public.n().to_be_bytes());
    let e_hex = hex::encode(public.e().to_be_bytes_trimmed_vartime());
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{session_key},{KEY_NAME},{n_hex},{e_hex}"),
    )
        .into_response()
}

/// The parts of a framed plaintext (each preceded by the character of its length).
fn unframe(text: &str) -> Option<Vec<String>> {
    let mut chars = text.chars();
    let mut out = Vec::new();
    while let Some(len) = chars.next() {
        let part: String = chars.by_ref().take(len as usize).collect();
        if part.chars().count() != len as usize {
            return None;
        }
        out.push(part);
    }
    Some(out)
}

/// `[session key, id, password]` from `encpw`, or `None` when it is not the login's.
fn decrypt(encpw: &str) -> Option<[String; 3]> {
    let sealed = hex::decode(encpw).ok()?;
    let plain = private_key().pkcs1v15_decrypt(&sealed).ok()?;
    let parts = unframe(&String::from_utf8(plain).ok()?)?;
    <[String; 3]>::try_from(parts).ok()
}

/// A `bvsd` the browser's script would send: `{"uuid", "encData"}`, `encData` an
/// LZString (`compressToEncodedURIComponent`) of a JSON input log made for this uuid.
pub fn bvsd_ok(raw: Option<&str>) -> bool {
    let Some(v) = raw.and_then(|r| serde_json::from_str::<Value>(r).ok()) else {
        return false;
    };
    let (Some(uuid), Some(data)) = (v["uuid"].as_str(), v["encData"].as_str()) else {
        return false;
    };
    let Some(log) = lz_str::decompress_from_encoded_uri_component(data)
        .and_then(|w| String::from_utf16(&w).ok())
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
    else {
        return false;
    };
    !uuid.is_empty()
        && log["a"].as_str().is_some_and(|a| a.starts_with(uuid))
        && log["d"].is_array()
}

fn captcha_page() -> Response {
    html(
        "<div id=\"err_capcha\"><img id=\"captchaimg\" src=\"https://nid.naver.com/login/image/captcha/nhncaptchav4.gif?key=sim\" alt=\"캡차이미지\">\
         <p id=\"captcha_info\">위 이미지의 가게 전화번호의 뒤에서 두 번째 숫자는 무엇입니까?</p>\
         <input type=\"hidden\" name=\"chptchakey\" value=\"sim\"><input type=\"text\" name=\"chptcha\"></div>\
         <input type=\"password\" id=\"pw\" name=\"pw\">"
            .to_string(),
    )
}

fn wrong_page(n: &Naver) -> Response {
    form_page(
        n,
        "비밀번호가 잘못 입력되었습니다. 입력하신 내용을 다시 확인해주세요.",
    )
}

fn locked_page() -> Response {
    html(
        "<div class=\"protect\"><h2>회원님의 아이디를 보호하고 있습니다</h2>\
         <p>개인정보 보호를 위해 아이디에 보호조치를 했습니다.</p>\
         <a href=\"https://nid.naver.com/user2/help/idSafetyRelease?m=viewInputUserId\">보호조치 해제</a></div>"
            .to_string(),
    )
}

/// The new-device check: the code went to the seller's phone (or comes from the OTP app).
fn two_step_page(key: &str, mode: &str, message: &str) -> Response {
    html(format!(
        "<div class=\"new_device\"><h2>새로운 기기(브라우저)에서 로그인되었습니다</h2><p class=\"err\">{message}</p>\
         <form id=\"frm2step\" method=\"post\" action=\"/login/ext/2step.nhn\">\
         <div id=\"direct_case\"><label for=\"otp\">{}</label><input type=\"text\" id=\"otp\" name=\"otp\"></div>\
         <input type=\"hidden\" name=\"key\" value=\"{key}\"><input type=\"hidden\" name=\"mode\" value=\"{mode}\">\
         <button type=\"submit\">확인</button></form></div>",
        if mode == "sms" {
            "휴대전화로 받은 인증번호"
        } else {
            "OTP 인증번호"
        }
    ))
}

/// A login is done: the NID session cookies, and the page that moves on to the SSO
/// finalisation as Naver's does.
fn signed_in(n: &Naver, seller: usize, ses: &str) -> Response {
    let aut = n.state.sign_in(seller);
    let (_, aut) = session_cookie("NID_AUT", &aut);
    let (_, ses) = session_cookie("NID_SES", ses);
    (
        AppendHeaders([(header::SET_COOKIE, aut), (header::SET_COOKIE, ses)]),
        html(format!(
            "<script>location.replace(\"{}{NID}/login/sso/finalize.nhn?url=https%3A%2F%2Fwww.naver.com\");</script>",
            n.root
        )),
    )
        .into_response()
}

async fn login(State(n): State<Arc<Naver>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let field = |k: &str| f.get(k).map(String::as_str);
    let filled = |k: &str| field(k).is_some_and(|v| !v.is_empty());
    // The browser's form: every field, the key it was given, the plain id and pw empty.
    let form_ok = ["encpw", "encnm", "svctype", "smart_LEVEL", "locale", "url"]
        .into_iter()
        .all(filled)
        && field("enctp") == Some("1")
        && field("encnm") == Some(KEY_NAME)
        && field("id") == Some("")
        && field("pw") == Some("");
    if !form_ok {
        return form_page(&n, "잘못된 접근입니다.");
    }
    let dynamic =
        field("dynamicKey").is_some_and(|k| !k.is_empty() && n.nid.lock().dynamic_keys.remove(k));
    if !dynamic {
        return form_page(&n, "로그인 화면을 새로고침한 뒤 다시 시도해 주세요.");
    }
    let Some([session_key, id, pw]) = field("encpw").and_then(decrypt) else {
        return form_page(&n, "잘못된 접근입니다.");
    };
    let issued = n.nid.lock().session_keys.remove(&session_key);
    let now = n.state.sim.clock.now();
    if issued.is_none_or(|t| now - t > Duration::minutes(KEY_MINUTES)) {
        return form_page(&n, "로그인 시간이 초과되었습니다. 다시 시도해 주세요.");
    }
    let Some(seller) = n
        .state
        .accounts
        .iter()
        .position(|a| a.login_id == id && a.login == Some("naver_id"))
    else {
        // Not a Naver ID of this center (a 판매자 아이디 is not one).
        return wrong_page(&n);
    };
    if !bvsd_ok(field("bvsd")) {
        n.state.captcha_for(seller);
        return captcha_page();
    }
    match n.state.password_login(&id, &pw) {
        PasswordCheck::SignedIn(i, token) => signed_in(&n, i, &token),
        PasswordCheck::SecondFactor { key, method } => {
            let mode = if method == "SMS" { "sms" } else { "otp" };
            if mode == "sms" && n.state.send_code(&key).is_err() {
                return form_page(&n, "잠시 후 다시 시도해 주세요.");
            }
            two_step_page(&key, mode, "")
        }
        PasswordCheck::Wrong => wrong_page(&n),
        PasswordCheck::Locked => locked_page(),
        PasswordCheck::Captcha => captcha_page(),
    }
}

async fn two_step(State(n): State<Arc<Naver>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let (Some(key), Some(mode), Some(code)) = (f.get("key"), f.get("mode"), f.get("otp")) else {
        return form_page(&n, "잘못된 접근입니다.");
    };
    match n.state.verify_code(key, code) {
        Ok((seller, token)) => signed_in(&n, seller, &token),
        Err(ChallengeError::WrongCode) => two_step_page(key, mode, "인증번호가 일치하지 않습니다."),
        Err(_) => form_page(&n, "인증 시간이 만료되었습니다. 다시 로그인해 주세요."),
    }
}

/// The seller whose NID cookies a request carries (both, of one seller).
fn nid_seller(n: &Naver, headers: &HeaderMap) -> Option<usize> {
    let aut = n.state.session(cookie(headers, "NID_AUT"))?.seller;
    let ses = n.state.session(cookie(headers, "NID_SES"))?.seller;
    (aut == ses).then_some(aut)
}

fn to_nid_login(n: &Naver) -> Response {
    (
        StatusCode::FOUND,
        [(
            header::LOCATION,
            format!(
                "{}{NID}/nidlogin.login?mode=form&url=https%3A%2F%2Fnid.naver.com%2Foauth2.0%2Fauthorize",
                n.root
            ),
        )],
    )
        .into_response()
}

fn js_redirect(to: &str) -> Response {
    // Escaped as Naver's pages do (`\/`), which the collector must undo.
    html(format!(
        "<script>location.replace(\"{}\");</script>",
        to.replace('/', "\\/")
    ))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn authorize(
    State(n): State<Arc<Naver>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let callback = format!("{}{ACCOUNTS}/oauth/callback", n.root);
    let state = q.get("state").cloned().unwrap_or_default();
    if q.get("response_type").map(String::as_str) != Some("code")
        || q.get("client_id").is_none_or(String::is_empty)
        || q.get("redirect_uri") != Some(&callback)
        || !n.nid.lock().states.remove(&state)
    {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    let Some(seller) = nid_seller(&n, &headers) else {
        return to_nid_login(&n);
    };
    let t = token();
    {
        let mut g = n.nid.lock();
        bounded(&mut g.tokens);
        g.tokens.insert(t.clone(), (seller, state));
    }
    js_redirect(&format!(
        "{}{NID}/login/noauth/allow_oauth?oauth_token={t}&with_pin&step=agree_term&inapp_view&oauth_os",
        n.root
    ))
}

async fn allow_oauth(
    State(n): State<Arc<Naver>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some((seller, state)) = q
        .get("oauth_token")
        .and_then(|t| n.nid.lock().tokens.remove(t))
    else {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    };
    if nid_seller(&n, &headers) != Some(seller) {
        return to_nid_login(&n);
    }
    let code = token();
    {
        let mut g = n.nid.lock();
        bounded(&mut g.codes);
        g.codes.insert(code.clone(), (seller, state.clone()));
    }
    js_redirect(&format!(
        "{}{ACCOUNTS}/oauth/callback?code={code}&state={}",
        n.root,
        enc(&state)
    ))
}

async fn callback_page() -> Response {
    html("<div id=\"app\"></div>".to_string())
}

/// GraphQL `snsLoginBegin`: where the browser goes to authorise the commerce accounts.
pub fn sns_begin(n: &Naver, r: &GqlRequest) -> Response {
    let ok = var(r, "mode") == Some("login")
        && var(r, "snsCd") == Some("naver")
        && var(r, "svcUrl").is_some_and(|u| !u.is_empty())
        && r.variables.get("userInfos").is_some_and(Value::is_array);
    if !ok {
        return axum::Json(
            json!({"errors": [{"message": "mode, snsCd, svcUrl and userInfos required"}], "data": null}),
        )
        .into_response();
    }
    let state = token();
    {
        let mut g = n.nid.lock();
        if g.states.len() >= KEEP {
            g.states.clear();
        }
        g.states.insert(state.clone());
    }
    let callback = format!("{}{ACCOUNTS}/oauth/callback", n.root);
    gql(json!({"snsBegin": {"authUrl": format!(
        "{}{NID}/oauth2.0/authorize?response_type=code&client_id=ncp_commerce_sim&redirect_uri={}&state={state}",
        n.root,
        enc(&callback)
    )}}))
}

/// GraphQL `snsLoginCallback(code, state)`: the commerce login of the authorised seller.
pub fn sns_callback(n: &Naver, r: &GqlRequest) -> Response {
    let answer = |status: &str, stat: &str, next: Option<&str>| json!({"snsCallback": {"statCd": stat, "loginStatus": status, "nextUrl": next}});
    let (Some(code), Some(state)) = (var(r, "code"), var(r, "state")) else {
        return gql(answer("FAIL", "INVALID_REQUEST", None));
    };
    let found = n.nid.lock().codes.remove(code);
    match found {
        Some((seller, s)) if s == state => {
            let t = n.state.sign_in(seller);
            let (k, v) = session_cookie(LOGIN_COOKIE, &t);
            (
                [(k, v)],
                gql(answer(
                    "SUCCESS",
                    "SUCCESS",
                    Some("https://sell.smartstore.naver.com/#/login-callback?returnUrl=https%3A%2F%2Fsell.smartstore.naver.com%2F%23%2Fhome%2Fdashboard"),
                )),
            )
                .into_response()
        }
        _ => gql(answer("FAIL", "INVALID_CODE", None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bvsd_must_decode_to_a_log_of_its_uuid() {
        let log = json!({"a": "u-1-4", "b": "1.3.4", "d": []}).to_string();
        let data = lz_str::compress_to_encoded_uri_component(log.as_str());
        let good = json!({"uuid": "u-1", "encData": data}).to_string();
        assert!(bvsd_ok(Some(&good)));
        assert!(!bvsd_ok(None));
        assert!(!bvsd_ok(Some("")));
        let other = json!({"uuid": "u-2", "encData": data}).to_string();
        assert!(!bvsd_ok(Some(&other)));
        let junk = json!({"uuid": "u-1", "encData": "not lz at all"}).to_string();
        assert!(!bvsd_ok(Some(&junk)));
    }

    #[test]
    fn encpw_decrypts_to_the_framed_parts() {
        let public = private_key().to_public_key();
        let plain = "\u{3}abc\u{2}id\u{4}pw!!";
        let sealed = public.pkcs1v15_encrypt(plain.as_bytes()).unwrap();
        assert_eq!(
            decrypt(&hex::encode(sealed)),
            Some(["abc".to_string(), "id".to_string(), "pw!!".to_string()])
        );
        assert_eq!(decrypt("00ff"), None);
        assert_eq!(unframe("\u{5}ab"), None, "a part shorter than its length");
    }
}
