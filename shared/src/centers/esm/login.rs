//! ESM PLUS's login over plain HTTP, as two independent clients did it (research-esm §2,
//! sources S2 ≈2023-09 and S3 ≈2025-05 agree):
//!
//! 1. `POST https://signin.esmplus.com/api/login`, JSON `{loginId, password, siteType,
//!    rememberMe, nextUrl, captcha, captchaRequest{input, sessionID, token},
//!    atoCollectData}` → `data.encData` (the login token) and `data.cookieValue` (a
//!    `Set-Cookie` string holding `ESM_PC`), kept in the jar for www.esmplus.com;
//! 2. `GET https://www.esmplus.com/Member/Authenticate/JwtAuthService?JwtToken=<encData>&
//!    NextUrl=/Member/SignIn/RegisterContacts`, redirects not followed: sets `ESM_TOKEN`
//!    and `ESM_AUTH`. The captured `ClientIp` parameter is left out: its values were
//!    copied from browser captures and nothing says the server reads it;
//! 3. `GET https://www.esmplus.com/Member/SignIn/RegisterContacts`: sets
//!    `ESM_REQUEST_AUTH_PC`. The session is those cookies.
//!
//! What a refusal looks like is not captured. The reading here is [ASSUMED]: an answer
//! without `data.encData` (any status) is a refusal; its words decide which — 보안문자,
//! 자동입력, captcha or 추가 인증 (extra authentication for a new IP, S10) is a captcha,
//! for a person in a browser; 잠금/잠겼/locked an account lock; 비밀번호 변경 a forced
//! change; anything else a wrong password. Each is saved and not tried again while the
//! seller's login is unchanged. No 2-factor step is known on ESM PLUS (S6 saw only a
//! contact-verification modal after login).
//!
//! Nothing here logs or returns the password, `encData`, `cookieValue` or a cookie.

use super::{SIGNIN, Site, WWW};
use crate::centers::{CenterLogin, Expect, LoginOutcome, Reply, Session};
use crate::error::{CollectError, RawPage};
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};
use std::sync::Arc;

pub const LOGIN_API: &str = "/api/login";
pub const JWT_AUTH: &str = "/Member/Authenticate/JwtAuthService";
pub const REGISTER_CONTACTS: &str = "/Member/SignIn/RegisterContacts";

/// The body of one sign-in. `atoCollectData` is the fingerprint the sign-in page computes
/// (trust.esmplus.com); S3 sent it empty and logged in, so it is sent empty here.
pub fn login_body(login_id: &str, password: &str, site: Site) -> Value {
    json!({
        "loginId": login_id,
        "password": password,
        "siteType": site.site_type,
        "rememberMe": false,
        "nextUrl": "",
        "captcha": false,
        "captchaRequest": { "input": "", "sessionID": "", "token": "" },
        "atoCollectData": {},
    })
}

/// What the sign-in API answered.
#[derive(Debug, PartialEq)]
pub enum SignIn {
    /// `data.encData` and `data.cookieValue`.
    Token {
        enc_data: String,
        cookie: String,
    },
    Refused(LoginOutcome),
}

fn text_in(v: &Value) -> String {
    // Every string of the answer: the message's key is not known either.
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(text_in).collect::<Vec<_>>().join(" "),
        Value::Object(m) => m.values().map(text_in).collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}

/// A flag named `captcha` (any case, e.g. `isCaptcha`, `needCaptcha`) that is true,
/// anywhere in the answer.
fn captcha_flag(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| {
            (k.to_ascii_lowercase().contains("captcha") && v.as_bool() == Some(true))
                || captcha_flag(v)
        }),
        Value::Array(a) => a.iter().any(captcha_flag),
        _ => false,
    }
}

/// The sign-in API's answer read. `None`: not JSON (a page we cannot read).
pub fn read_sign_in(body: &[u8]) -> Option<SignIn> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let data = v.get("data");
    let text = |k: &str| {
        data.and_then(|d| d.get(k))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(enc_data) = text("encData") {
        return Some(SignIn::Token {
            enc_data,
            cookie: text("cookieValue").unwrap_or_default(),
        });
    }
    let words = text_in(&v);
    let lower = words.to_lowercase();
    let has = |ws: &[&str]| ws.iter().any(|w| lower.contains(w));
    let outcome = if captcha_flag(&v) || has(&["보안문자", "자동입력", "captcha", "추가 인증"])
    {
        LoginOutcome::Captcha
    } else if has(&["잠금", "잠겼", "잠김", "locked"]) {
        LoginOutcome::AccountLocked
    } else if has(&["비밀번호 변경", "비밀번호를 변경"]) {
        LoginOutcome::PasswordChangeRequired
    } else {
        LoginOutcome::WrongPassword
    };
    Some(SignIn::Refused(outcome))
}

/// A step of the login we cannot read. The page is not kept: login answers carry tokens.
fn format_changed(market: crate::model::Market, endpoint: &str, what: &str) -> CollectError {
    CollectError::FormatChanged {
        market,
        endpoint: endpoint.into(),
        detail: what.into(),
        page_ref: "(a login answer: not kept)".into(),
        raw: RawPage(Arc::from(&[][..])),
    }
}

/// Whether an answer sets cookie `name` (a jar may still hold an older one).
fn sets(reply: &Reply, name: &str) -> bool {
    reply
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .is_some_and(|(k, _)| k.trim() == name)
        })
}

/// One login: the sign-in API once, then the two steps that turn its token into the
/// console's cookies.
pub async fn log_in(
    s: &Session,
    login: &CenterLogin,
    site: Site,
) -> Result<LoginOutcome, CollectError> {
    let market = site.market;
    let Some(password) = login.password.as_ref() else {
        return Err(CollectError::InvalidInput(
            "no ESM PLUS password stored for this seller: import a browser session instead".into(),
        ));
    };
    let body = login_body(&login.login_id, password.expose(), site);
    let req = s
        .client()
        .post(s.url(SIGNIN, LOGIN_API))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/plain, */*")
        .header("origin", s.origin(SIGNIN))
        .header("referer", s.url(SIGNIN, "/login"))
        .body(body.to_string());
    let reply = s.send(req, LOGIN_API, Expect::LoginAnswer).await?;
    let (enc_data, cookie) = match read_sign_in(&reply.body) {
        Some(SignIn::Token { enc_data, cookie }) => (enc_data, cookie),
        Some(SignIn::Refused(outcome)) => return Ok(outcome),
        None if reply.status.is_client_error() => {
            return Err(CollectError::Rejected {
                market,
                endpoint: LOGIN_API.into(),
                detail: format!("HTTP {} without a JSON answer", reply.status.as_u16()),
            });
        }
        None => {
            return Err(format_changed(
                market,
                LOGIN_API,
                "the sign-in API answered no JSON",
            ));
        }
    };
    // `cookieValue` is what the browser holds for www.esmplus.com (ESM_PC): into the jar,
    // so that the next steps and later runs send it.
    if !cookie.is_empty() {
        let console = url::Url::parse(&s.url(WWW, "/"))
            .map_err(|_| CollectError::Internal("the ESM PLUS console URL".into()))?;
        let header = reqwest::header::HeaderValue::from_str(&cookie)
            .map_err(|_| format_changed(market, LOGIN_API, "cookieValue is no header value"))?;
        reqwest::cookie::CookieStore::set_cookies(
            s.jar().provider().as_ref(),
            &mut std::iter::once(&header),
            &console,
        );
    }
    let enc: String = url::form_urlencoded::byte_serialize(enc_data.as_bytes()).collect();
    let next: String = url::form_urlencoded::byte_serialize(REGISTER_CONTACTS.as_bytes()).collect();
    let jwt_url = s.url(WWW, &format!("{JWT_AUTH}?JwtToken={enc}&NextUrl={next}"));
    let reply = s
        .send(s.client().get(&jwt_url), JWT_AUTH, Expect::Login)
        .await?;
    if !(sets(&reply, "ESM_TOKEN") && sets(&reply, "ESM_AUTH")) {
        if reply.status.is_client_error() {
            return Err(CollectError::Rejected {
                market,
                endpoint: JWT_AUTH.into(),
                detail: format!("HTTP {}", reply.status.as_u16()),
            });
        }
        return Err(format_changed(
            market,
            JWT_AUTH,
            "JwtAuthService set no ESM_TOKEN and ESM_AUTH",
        ));
    }
    let reply = s
        .send(
            s.client().get(s.url(WWW, REGISTER_CONTACTS)),
            REGISTER_CONTACTS,
            Expect::Login,
        )
        .await?;
    if !sets(&reply, "ESM_REQUEST_AUTH_PC") {
        return Err(format_changed(
            market,
            REGISTER_CONTACTS,
            "RegisterContacts set no ESM_REQUEST_AUTH_PC",
        ));
    }
    Ok(LoginOutcome::LoggedIn)
}
