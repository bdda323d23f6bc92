//! The commerce-account (판매자 아이디) login, from captured traffic
//! (seller-centers.md §1.1): GraphQL `idLogin` on accounts.commerce.naver.com, then the
//! seller center's `/api/login`, whose `X-NCP-LOGIN-INFO` header names the store
//! (`channelNo`). Several stores per login: `/api/login/channels` and
//! `/api/login/change-channel`.
//!
//! What the captures do not show, and this module assumes until a live capture (each
//! one place below, so that a capture is a small change):
//! - the `loginStatus`/`statCd` values other than success: [`LOGIN_SUCCESS`],
//!   [`LOGIN_FAIL`] with [`STAT_WRONG_PASSWORD`], [`STAT_LOCKED`],
//!   [`STAT_PASSWORD_CHANGE`], and [`LOGIN_CERTIFY`] for the 2-step verification that the
//!   captures only show as a redirect to `/certify`;
//! - that verification as two GraphQL mutations, `certifySend` and `certifyVerify`
//!   ([`CERTIFY_SEND`], [`CERTIFY_VERIFY`]), with the method in `statCd`.

use super::{ACCOUNTS, SELL};
use crate::centers::{
    CenterLogin, CodeChannel, Expect, LoginOutcome, Reply, Secret, Session, resolve, totp,
};
use crate::error::{CollectError, parse_json};
use crate::model::Market;
use serde::Deserialize;
use serde_json::json;

pub const LOGIN_SUCCESS: &str = "SUCCESS";
pub const LOGIN_FAIL: &str = "FAIL";
pub const LOGIN_CERTIFY: &str = "CERTIFY";
pub const STAT_WRONG_PASSWORD: &str = "INVALID_ID_PASSWORD";
pub const STAT_LOCKED: &str = "ACCOUNT_LOCKED";
pub const STAT_PASSWORD_CHANGE: &str = "PASSWORD_CHANGE_REQUIRED";
pub const STAT_WRONG_CODE: &str = "INVALID_CODE";
pub const STAT_CERTIFY_EXPIRED: &str = "CERTIFY_EXPIRED";

/// Where the login returns to (the captured `svcUrl`).
pub(super) const CALLBACK: &str = "https://sell.smartstore.naver.com/#/login-callback";
pub(super) const DASHBOARD: &str = "https://sell.smartstore.naver.com/#/home/dashboard";

const ID_LOGIN: &str = "mutation idLogin($id: String!, $password: String!, $saveId: Boolean!, $chkLong: Boolean!, $captchaKey: String, $captcha: String, $svcUrl: String) {\n  login(loginRequest: {id: $id, password: $password, saveId: $saveId, chkLong: $chkLong, captchaKey: $captchaKey, captcha: $captcha, svcUrl: $svcUrl}) {\n    id\n    statCd\n    loginStatus\n    showCaptcha\n    captchaKey\n    sessionKey\n    idNo\n  }\n}\n";
pub const CERTIFY_SEND: &str = "mutation certifySend($sessionKey: String!, $certType: String!) {\n  certifySend(certifyRequest: {sessionKey: $sessionKey, certType: $certType}) {\n    statCd\n  }\n}\n";
pub const CERTIFY_VERIFY: &str = "mutation certifyVerify($sessionKey: String!, $certType: String!, $code: String!) {\n  certifyVerify(certifyRequest: {sessionKey: $sessionKey, certType: $certType, code: $code}) {\n    loginStatus\n    statCd\n  }\n}\n";

#[derive(Debug, Deserialize)]
struct Gql<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct LoginData {
    login: LoginResult,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginResult {
    #[serde(default)]
    stat_cd: Option<String>,
    #[serde(default)]
    login_status: Option<String>,
    #[serde(default)]
    show_captcha: Option<bool>,
    #[serde(default)]
    session_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendData {
    certify_send: StatOnly,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyData {
    certify_verify: LoginResult,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatOnly {
    #[serde(default)]
    stat_cd: Option<String>,
}

/// What `certifySend` answers when the code went out.
pub const STAT_SENT: &str = "SENT";

/// What a login that waits for a code keeps (encrypted, with the session).
#[derive(Debug, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    session_key: String,
    cert_type: String,
}

/// The store a session is logged into, from `X-NCP-LOGIN-INFO`.
#[derive(Debug, Clone)]
pub struct LoginInfo {
    pub channel_no: String,
    pub redirect_url: Option<String>,
}

async fn graphql<T: serde::de::DeserializeOwned>(
    s: &Session,
    operation: &str,
    query: &str,
    variables: serde_json::Value,
) -> Result<T, CollectError> {
    graphql_at(s, "/graphql", operation, query, variables).await
}

/// A GraphQL operation posted to `path` (the SSO operations are posted with a
/// `?query=<operation>` the captures show).
pub(super) async fn graphql_at<T: serde::de::DeserializeOwned>(
    s: &Session,
    path: &str,
    operation: &str,
    query: &str,
    variables: serde_json::Value,
) -> Result<T, CollectError> {
    let url = s.url(ACCOUNTS, path);
    let req = s
        .client()
        .post(&url)
        .header("origin", s.origin(ACCOUNTS))
        .header("referer", s.url(ACCOUNTS, "/login"))
        .json(&json!({"operationName": operation, "variables": variables, "query": query}));
    let endpoint = format!("/graphql {operation}");
    let reply = s.send(req, &endpoint, Expect::Login).await?;
    if !reply.status.is_success() {
        return Err(CollectError::Rejected {
            market: Market::Naver,
            endpoint,
            detail: format!("HTTP {}", reply.status.as_u16()),
        });
    }
    let page: Gql<T> = parse_json(Market::Naver, &endpoint, &reply.body)?;
    match page.data {
        Some(d) if page.errors.is_empty() => Ok(d),
        _ => Err(CollectError::Rejected {
            market: Market::Naver,
            endpoint,
            // GraphQL error messages may echo the input: only their count is kept.
            detail: format!("{} GraphQL error(s)", page.errors.len().max(1)),
        }),
    }
}

fn channel(stat_cd: Option<&str>) -> CodeChannel {
    match stat_cd.unwrap_or("") {
        "OTP" => CodeChannel::Otp,
        "EMAIL" => CodeChannel::Email,
        "APP_PUSH" | "PUSH" => CodeChannel::AppPush,
        _ => CodeChannel::Sms,
    }
}

/// One login attempt.
pub async fn log_in(s: &Session, login: &CenterLogin) -> Result<LoginOutcome, CollectError> {
    let password = login.password.as_ref().ok_or_else(|| {
        CollectError::InvalidInput("naver center login without a password".into())
    })?;
    let data: LoginData = graphql(
        s,
        "idLogin",
        ID_LOGIN,
        json!({
            "id": login.login_id,
            "password": password.expose(),
            "saveId": false,
            "chkLong": false,
            "captchaKey": null,
            "captcha": "",
            "svcUrl": CALLBACK,
        }),
    )
    .await?;
    judge(s, login, data.login).await
}

/// The next step after `idLogin` (or `certifyVerify`) answered `r`.
async fn judge(
    s: &Session,
    login: &CenterLogin,
    r: LoginResult,
) -> Result<LoginOutcome, CollectError> {
    if r.show_captcha == Some(true) {
        return Ok(LoginOutcome::Captcha);
    }
    let stat = r.stat_cd.as_deref();
    match r.login_status.as_deref() {
        Some(LOGIN_SUCCESS) => {
            finish(s, &login.store_id).await?;
            Ok(LoginOutcome::LoggedIn)
        }
        Some(LOGIN_CERTIFY) => {
            let session_key = r.session_key.ok_or_else(|| CollectError::Rejected {
                market: Market::Naver,
                endpoint: "/graphql idLogin".into(),
                detail: "2-step verification without a sessionKey".into(),
            })?;
            let cert_type = stat.unwrap_or("SMS").to_string();
            let via = channel(Some(&cert_type));
            if via == CodeChannel::Otp
                && let Some(secret) = &login.otp_secret
            {
                // The seller shared the OTP secret: no person needed.
                let code = totp::code_now(Market::Naver, secret)?;
                let pending = Pending {
                    session_key,
                    cert_type,
                };
                return verify(s, login, &pending, &code).await;
            }
            if via != CodeChannel::Otp {
                let sent: SendData = graphql(
                    s,
                    "certifySend",
                    CERTIFY_SEND,
                    json!({"sessionKey": session_key, "certType": cert_type}),
                )
                .await?;
                let stat = sent.certify_send.stat_cd;
                if stat.as_deref() != Some(STAT_SENT) {
                    return Err(CollectError::Rejected {
                        market: Market::Naver,
                        endpoint: "/graphql certifySend".into(),
                        detail: format!("no code sent (statCd {:?})", stat.unwrap_or_default()),
                    });
                }
            }
            Ok(LoginOutcome::CodeNeeded {
                channel: via,
                pending: serde_json::to_value(Pending {
                    session_key,
                    cert_type,
                })
                .expect("pending serializes"),
            })
        }
        Some(LOGIN_FAIL) => Ok(match stat {
            Some(STAT_WRONG_PASSWORD) => LoginOutcome::WrongPassword,
            Some(STAT_LOCKED) => LoginOutcome::AccountLocked,
            Some(STAT_PASSWORD_CHANGE) => LoginOutcome::PasswordChangeRequired,
            other => {
                return Err(CollectError::Rejected {
                    market: Market::Naver,
                    endpoint: "/graphql idLogin".into(),
                    detail: format!("login refused with statCd {:?}", other.unwrap_or("")),
                });
            }
        }),
        other => Err(CollectError::Rejected {
            market: Market::Naver,
            endpoint: "/graphql idLogin".into(),
            detail: format!("unknown loginStatus {:?}", other.unwrap_or("")),
        }),
    }
}

async fn verify(
    s: &Session,
    login: &CenterLogin,
    pending: &Pending,
    code: &Secret,
) -> Result<LoginOutcome, CollectError> {
    let data: VerifyData = graphql(
        s,
        "certifyVerify",
        CERTIFY_VERIFY,
        json!({"sessionKey": pending.session_key, "certType": pending.cert_type, "code": code.expose()}),
    )
    .await?;
    let r = data.certify_verify;
    match (r.login_status.as_deref(), r.stat_cd.as_deref()) {
        (Some(LOGIN_FAIL), Some(STAT_WRONG_CODE)) => Ok(LoginOutcome::CodeNeeded {
            channel: channel(Some(&pending.cert_type)),
            pending: serde_json::to_value(pending).expect("pending serializes"),
        }),
        (Some(LOGIN_FAIL), Some(STAT_CERTIFY_EXPIRED)) => Err(CollectError::SessionExpired {
            market: Market::Naver,
        }),
        (Some(LOGIN_SUCCESS), _) => {
            finish(s, &login.store_id).await?;
            Ok(LoginOutcome::LoggedIn)
        }
        (Some(LOGIN_FAIL), Some(STAT_LOCKED)) => Ok(LoginOutcome::AccountLocked),
        (status, stat) => Err(CollectError::Rejected {
            market: Market::Naver,
            endpoint: "/graphql certifyVerify".into(),
            detail: format!(
                "unknown verification answer {:?}/{:?}",
                status.unwrap_or(""),
                stat.unwrap_or("")
            ),
        }),
    }
}

/// Complete a login waiting for a code.
pub async fn submit_code(
    s: &Session,
    login: &CenterLogin,
    pending: &serde_json::Value,
    code: &Secret,
) -> Result<LoginOutcome, CollectError> {
    let pending: Pending = serde_json::from_value(pending.clone()).map_err(|_| {
        CollectError::Internal("the saved naver 2-step verification does not read".into())
    })?;
    verify(s, login, &pending, code).await
}

/// The seller center after the commerce login: its page, then `/api/login`, and the
/// seller's own store when the login has several.
pub(super) async fn finish(s: &Session, store_id: &str) -> Result<(), CollectError> {
    s.follow(&s.url(SELL, "/"), "/", Expect::Login).await?;
    let info = channel_of(s).await?;
    if info.channel_no != store_id {
        switch_channel(s, store_id).await?;
    }
    Ok(())
}

fn login_headers(
    req: reqwest::RequestBuilder,
    s: &Session,
    state: &str,
) -> reqwest::RequestBuilder {
    req.header("origin", s.origin(SELL))
        .header("referer", s.url(SELL, "/"))
        .header("x-current-state", format!("https://{SELL}/#/{state}"))
        .header("x-current-statename", state_name(state))
        .header("x-to-statename", state_name(state))
}

fn state_name(state: &str) -> &'static str {
    if state == "login-callback" {
        "login-callback"
    } else {
        "work.channel-select"
    }
}

/// `POST /api/login`: the store the session is logged into. Logged out: `SessionExpired`.
pub async fn channel_of(s: &Session) -> Result<LoginInfo, CollectError> {
    let url = s.url(SELL, &format!("/api/login?url={}", enc(DASHBOARD)));
    let req = login_headers(s.client().post(&url), s, "login-callback").form(&[("url", DASHBOARD)]);
    let reply = s.send(req, "/api/login", Expect::Json).await?;
    login_info(&reply).ok_or(CollectError::SessionExpired {
        market: Market::Naver,
    })
}

pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `X-NCP-LOGIN-INFO`: URL-encoded JSON with `channelNo` and `redirectUrl`.
fn login_info(reply: &Reply) -> Option<LoginInfo> {
    let raw = reply.header("x-ncp-login-info")?;
    let decoded: String = url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .find(|(k, _)| k == "v")
        .map(|(_, v)| v.into_owned())?;
    let v: serde_json::Value = serde_json::from_str(&decoded).ok()?;
    let channel_no = match v.get("channelNo")? {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) if !s.is_empty() => s.clone(),
        _ => return None,
    };
    Some(LoginInfo {
        channel_no,
        redirect_url: v
            .get("redirectUrl")
            .and_then(|u| u.as_str())
            .map(str::to_string),
    })
}

/// Switch to the seller's store among the login's channels.
async fn switch_channel(s: &Session, store_id: &str) -> Result<(), CollectError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Channel {
        #[serde(deserialize_with = "crate::markets::lenient::id")]
        channel_no: String,
        #[serde(deserialize_with = "crate::markets::lenient::id")]
        role_no: String,
    }
    let req = login_headers(
        s.client().get(s.url(SELL, "/api/login/channels")),
        s,
        "home/dashboard",
    );
    let reply = s.send(req, "/api/login/channels", Expect::Json).await?;
    let channels: Vec<Channel> = parse_json(Market::Naver, "/api/login/channels", &reply.body)?;
    let Some(c) = channels.iter().find(|c| c.channel_no == store_id) else {
        return Ok(()); // the identity check names both stores
    };
    let url = s.url(SELL, "/api/login/change-channel");
    let target = s.url(SELL, "/api/login/change-channel");
    let req = login_headers(s.client().post(&url), s, "home/dashboard").form(&[
        ("channelNo", c.channel_no.as_str()),
        ("roleNo", c.role_no.as_str()),
        ("url", target.as_str()),
    ]);
    let reply = s
        .send(req, "/api/login/change-channel", Expect::Json)
        .await?;
    if let Some(next) = login_info(&reply).and_then(|i| i.redirect_url) {
        let next = resolve(&url, &next).unwrap_or(next);
        s.follow(&next, "change-channel redirect", Expect::Html)
            .await?;
    }
    Ok(())
}
