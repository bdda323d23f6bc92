//! The Naver ID (네이버 아이디) login, for sellers who reach their store with a Naver ID
//! rather than a 판매자 아이디 (`center.login: "naver_id"`). From public clients that
//! reproduce the browser's form over HTTP (seller-centers.md §1.1, "NID form login" and
//! "네이버 아이디 (NID) → commerce SSO"):
//! 1. `GET nid.naver.com/nidlogin.login?mode=form`: the form's `dynamicKey`;
//! 2. `GET nid.naver.com/login/ext/keys.nhn`: `sessionkey,keyname,n,e` (hex), a fresh RSA
//!    public key and session key for this login;
//! 3. `POST nid.naver.com/nidlogin.login` with `encpw` (RSA PKCS#1 v1.5 of `chr(len)+value`
//!    for the session key, the id and the password, hex-encoded), `encnm` (the key name),
//!    `bvsd` (an LZString-compressed input log) and empty `id`/`pw`: a success sets
//!    `NID_AUT` + `NID_SES`;
//! 4. the commerce SSO with those cookies: GraphQL `snsLoginBegin` → `authUrl`, then
//!    `nid.naver.com/oauth2.0/authorize` → `login/noauth/allow_oauth` →
//!    `accounts.commerce.naver.com/oauth/callback?code&state` (pages that move on with a
//!    JS `location.replace`), then GraphQL `snsLoginCallback(code, state)`;
//! 5. `sell.smartstore.naver.com/api/login` and its `X-NCP-LOGIN-INFO`, as the commerce
//!    login ends ([`super::login::finish`]).
//!
//! What public code does not show, and this module assumes until a live capture (each
//! one constant or one function here; README "Naver center notes"):
//! - the answer pages other than success: [`classify_page`] (captcha `#captchaimg`,
//!   2-step `#direct_case`/`#push_case` with a hidden `key` and `mode`, the lock page's
//!   [`LOCKED_MARK`], the password-change page's [`PASSWORD_CHANGE_MARK`], the
//!   wrong-password texts [`WRONG_PASSWORD_TEXTS`]);
//! - the 2-step submission: `POST` [`TWO_STEP_PATH`] with `key`, `mode`, `otp`
//!   (seller-centers.md §1.2 calls its format unknown);
//! - the `bvsd` input log: the 1.3.4 shape older clients send ([`bvsd`]).

use super::login::{CALLBACK, DASHBOARD, enc, finish, graphql_at};
use super::{ACCOUNTS, NID};
use crate::centers::{
    CenterLogin, CodeChannel, Expect, LoginOutcome, Reply, Secret, Session, USER_AGENT, resolve,
    totp,
};
use crate::error::CollectError;
use crate::model::Market;
use rsa::{BoxedUint, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const LOGIN_PATH: &str = "/nidlogin.login";
pub const KEYS_PATH: &str = "/login/ext/keys.nhn";
/// [ASSUMPTION] Where a 2-step code is posted.
pub const TWO_STEP_PATH: &str = "/login/ext/2step.nhn";
/// The form's `url` and `svctype`: the PC login of www.naver.com, as a browser capture
/// shows it (a 2026 mobile client sends `svctype=262144`).
const SERVICE_URL: &str = "https://www.naver.com";
const SVCTYPE: &str = "1";
/// The public exponent when the key answer has none (a 2026 client reads three parts
/// and uses 10001).
const DEFAULT_E: &str = "10001";
/// [ASSUMPTION] The lock page links to Naver's 보호조치 release.
pub const LOCKED_MARK: &str = "idSafetyRelease";
/// [ASSUMPTION] The password-change page.
pub const PASSWORD_CHANGE_MARK: &str = "changePassword";
/// The wrong-password texts (seller-centers.md §1.2 quotes the first).
pub const WRONG_PASSWORD_TEXTS: &[&str] = &[
    "비밀번호가 잘못 입력되었습니다",
    "비밀번호를 잘못 입력했습니다",
];
/// Hops from `authUrl` to the commerce callback (two in the captures).
const MAX_HOPS: usize = 4;

const SNS_BEGIN: &str = "mutation snsLoginBegin($mode: String!, $snsCd: String!, $svcUrl: String!, $oneTimeLoginSessionKey: String, $userInfos: [UserInfoEntry!]) {\n  snsBegin(snsLoginBeginRequest: {mode: $mode, snsCd: $snsCd, svcUrl: $svcUrl, oneTimeLoginSessionKey: $oneTimeLoginSessionKey, userInfos: $userInfos}) {\n    authUrl\n  }\n}\n";
const SNS_CALLBACK: &str = "mutation snsLoginCallback($code: String!, $state: String!) {\n  snsCallback(snsLoginCallbackRequest: {code: $code, state: $state}) {\n    statCd\n    loginStatus\n    nextUrl\n  }\n}\n";

fn rejected(endpoint: &str, detail: impl Into<String>) -> CollectError {
    CollectError::Rejected {
        market: Market::Naver,
        endpoint: endpoint.to_string(),
        detail: detail.into(),
    }
}

/// Naver's per-login RSA key, as `keys.nhn` hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NidKey {
    pub session_key: String,
    pub key_name: String,
    /// Modulus and public exponent, hex.
    pub n: String,
    pub e: String,
}

/// `sessionkey,keyname,n,e` (the exponent may be missing).
pub fn parse_keys(text: &str) -> Option<NidKey> {
    let mut parts = text.trim().split(',').map(str::trim);
    let hex = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_hexdigit());
    let session_key = parts.next().filter(|p| !p.is_empty())?;
    let key_name = parts.next().filter(|p| !p.is_empty())?;
    let n = parts.next().filter(hex)?;
    let e = match parts.next() {
        None => DEFAULT_E,
        Some(e) => Some(e).filter(hex)?,
    };
    Some(NidKey {
        session_key: session_key.to_string(),
        key_name: key_name.to_string(),
        n: n.to_string(),
        e: e.to_string(),
    })
}

/// The plaintext of `encpw`: for each part, the character whose code is the part's
/// length, then the part (UTF-8 encoded as a whole, as the public clients do). `None` when
/// a part is too long to be framed.
pub fn framed(parts: &[&str]) -> Option<String> {
    let mut out = String::new();
    for p in parts {
        let len = u32::try_from(p.chars().count()).ok()?;
        out.push(char::from_u32(len).filter(|_| len < 0xD800)?);
        out.push_str(p);
    }
    Some(out)
}

fn unhex(h: &str) -> Option<Vec<u8>> {
    if h.len() % 2 == 1 {
        hex::decode(format!("0{h}")).ok()
    } else {
        hex::decode(h).ok()
    }
}

/// `encpw`: the framed session key, id and password encrypted with Naver's public key
/// (PKCS#1 v1.5, random padding), hex-encoded.
pub fn encpw(key: &NidKey, id: &str, password: &Secret) -> Result<String, CollectError> {
    let bad = |what: &str| rejected(KEYS_PATH, format!("the login key {what}"));
    let n = unhex(&key.n).ok_or_else(|| bad("modulus is not hex"))?;
    let e = unhex(&key.e).ok_or_else(|| bad("exponent is not hex"))?;
    let public = PublicKey::new(
        BoxedUint::from_be_slice_vartime(&n),
        BoxedUint::from_be_slice_vartime(&e),
    )
    .map_err(|_| bad("is not a usable RSA public key"))?;
    let plain = framed(&[&key.session_key, id, password.expose()])
        .ok_or_else(|| CollectError::InvalidInput("the naver id or password is too long".into()))?;
    let sealed = public
        .pkcs1v15_encrypt(plain.as_bytes())
        .map_err(|_| bad("is too short for the id and password"))?;
    Ok(hex::encode(sealed))
}

/// `bvsd`: `{"uuid", "encData"}`, `encData` being LZString's
/// `compressToEncodedURIComponent` of the input log a browser's script records (the
/// 1.3.4 shape: the id typed, the password field used). The password itself is never
/// in it: it travels only inside `encpw`.
pub fn bvsd(uuid: &str, id: &str) -> String {
    let log = json!({
        "a": format!("{uuid}-4"),
        "b": "1.3.4",
        "d": [
            {"i": "id", "b": {"a": [format!("0,{id}")]}, "d": id, "e": false, "f": false},
            {"i": "pw", "e": true, "f": false},
        ],
        "h": "1f",
        "i": {"a": USER_AGENT},
    });
    let enc_data = lz_str::compress_to_encoded_uri_component(log.to_string().as_str());
    json!({"uuid": uuid, "encData": enc_data}).to_string()
}

/// What `nidlogin.login` (or the 2-step form) answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    LoggedIn,
    Captcha,
    /// A code to type: `key` names the challenge, `mode` is how the code came.
    TwoStep {
        key: String,
        mode: String,
    },
    WrongPassword,
    Locked,
    PasswordChange,
    Unknown,
}

/// Whether an answer set both NID session cookies.
fn sets_session(reply: &Reply) -> bool {
    let names: Vec<String> = reply
        .headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, _)| k.trim().to_string())
        .collect();
    ["NID_AUT", "NID_SES"]
        .iter()
        .all(|c| names.iter().any(|n| n == c))
}

pub fn classify(reply: &Reply) -> Answer {
    if sets_session(reply) {
        return Answer::LoggedIn;
    }
    classify_page(&reply.text())
}

fn input_value(doc: &scraper::Html, name: &str) -> Option<String> {
    let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
    doc.select(&sel)
        .next()?
        .value()
        .attr("value")
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// An answer page without the session cookies.
pub fn classify_page(html: &str) -> Answer {
    let doc = scraper::Html::parse_document(html);
    let has = |css: &str| {
        scraper::Selector::parse(css)
            .map(|s| doc.select(&s).next().is_some())
            .unwrap_or(false)
    };
    if has("#captchaimg") || has("input[name=\"chptcha\"]") {
        return Answer::Captcha;
    }
    if has("#direct_case") || has("#push_case") {
        let mode = input_value(&doc, "mode")
            .unwrap_or_else(|| if has("#push_case") { "push" } else { "otp" }.to_string());
        return match input_value(&doc, "key") {
            Some(key) => Answer::TwoStep { key, mode },
            None => Answer::Unknown,
        };
    }
    if html.contains(LOCKED_MARK) {
        return Answer::Locked;
    }
    if html.contains(PASSWORD_CHANGE_MARK) {
        return Answer::PasswordChange;
    }
    if WRONG_PASSWORD_TEXTS.iter().any(|t| html.contains(t)) {
        return Answer::WrongPassword;
    }
    Answer::Unknown
}

fn channel_of(mode: &str) -> CodeChannel {
    match mode {
        "sms" => CodeChannel::Sms,
        "email" => CodeChannel::Email,
        "push" => CodeChannel::AppPush,
        _ => CodeChannel::Otp,
    }
}

/// What a Naver ID login waiting for a code keeps (encrypted, with the session).
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    key: String,
    mode: String,
}

/// The pending state of a Naver ID login, told apart from the commerce login's.
#[derive(Debug, Serialize, Deserialize)]
struct Tagged {
    nid: Pending,
}

/// Whether a saved "code needed" came from this login.
pub fn is_pending(pending: &serde_json::Value) -> bool {
    pending.get("nid").is_some()
}

fn code_needed(pending: Pending) -> LoginOutcome {
    LoginOutcome::CodeNeeded {
        channel: channel_of(&pending.mode),
        pending: serde_json::to_value(Tagged { nid: pending }).expect("pending serializes"),
    }
}

/// The form's `dynamicKey`, when the page has one.
async fn dynamic_key(s: &Session) -> Result<Option<String>, CollectError> {
    let url = s.url(
        NID,
        &format!("{LOGIN_PATH}?mode=form&url={}", enc(SERVICE_URL)),
    );
    let (reply, _) = s.follow(&url, LOGIN_PATH, Expect::Login).await?;
    if !reply.status.is_success() {
        return Err(rejected(
            LOGIN_PATH,
            format!("HTTP {}", reply.status.as_u16()),
        ));
    }
    let doc = scraper::Html::parse_document(&reply.text());
    Ok(input_value(&doc, "dynamicKey"))
}

async fn key(s: &Session) -> Result<NidKey, CollectError> {
    let req = s
        .client()
        .get(s.url(NID, KEYS_PATH))
        .header("referer", s.url(NID, LOGIN_PATH));
    let reply = s.send(req, KEYS_PATH, Expect::Login).await?;
    if !reply.status.is_success() {
        return Err(rejected(
            KEYS_PATH,
            format!("HTTP {}", reply.status.as_u16()),
        ));
    }
    parse_keys(&reply.text())
        .ok_or_else(|| rejected(KEYS_PATH, "the key answer is not sessionkey,keyname,n,e"))
}

/// One login attempt with the seller's Naver ID.
pub async fn log_in(s: &Session, login: &CenterLogin) -> Result<LoginOutcome, CollectError> {
    let password = login
        .password
        .as_ref()
        .ok_or_else(|| CollectError::InvalidInput("naver id login without a password".into()))?;
    let dynamic = dynamic_key(s).await?;
    let key = key(s).await?;
    let encpw = encpw(&key, &login.login_id, password)?;
    let bvsd = bvsd(&uuid::Uuid::new_v4().to_string(), &login.login_id);
    let mut form: Vec<(&str, &str)> = vec![("localechange", "")];
    if let Some(d) = &dynamic {
        form.push(("dynamicKey", d.as_str()));
    }
    form.extend([
        ("encpw", encpw.as_str()),
        ("enctp", "1"),
        ("svctype", SVCTYPE),
        ("smart_LEVEL", "1"),
        ("bvsd", bvsd.as_str()),
        ("encnm", key.key_name.as_str()),
        ("locale", "ko_KR"),
        ("url", SERVICE_URL),
        ("id", ""),
        ("pw", ""),
        ("nvlong", "on"),
    ]);
    let req = s
        .client()
        .post(s.url(NID, LOGIN_PATH))
        .header("origin", s.origin(NID))
        .header("referer", s.url(NID, LOGIN_PATH))
        .form(&form);
    let reply = s.send(req, LOGIN_PATH, Expect::Login).await?;
    match classify(&reply) {
        Answer::LoggedIn => {
            sso(s, login).await?;
            Ok(LoginOutcome::LoggedIn)
        }
        Answer::Captcha => Ok(LoginOutcome::Captcha),
        Answer::WrongPassword => Ok(LoginOutcome::WrongPassword),
        Answer::Locked => Ok(LoginOutcome::AccountLocked),
        Answer::PasswordChange => Ok(LoginOutcome::PasswordChangeRequired),
        Answer::TwoStep { key, mode } => {
            let pending = Pending { key, mode };
            match (&login.otp_secret, channel_of(&pending.mode)) {
                // The seller shared the OTP secret: no person needed.
                (Some(secret), CodeChannel::Otp) => {
                    let code = totp::code_now(Market::Naver, secret)?;
                    verify(s, login, &pending, &code).await
                }
                // The page says the code went out (a new device's SMS, the app).
                _ => Ok(code_needed(pending)),
            }
        }
        Answer::Unknown => Err(rejected(
            LOGIN_PATH,
            format!("an unrecognised answer (HTTP {})", reply.status.as_u16()),
        )),
    }
}

async fn verify(
    s: &Session,
    login: &CenterLogin,
    pending: &Pending,
    code: &Secret,
) -> Result<LoginOutcome, CollectError> {
    let req = s
        .client()
        .post(s.url(NID, TWO_STEP_PATH))
        .header("origin", s.origin(NID))
        .header("referer", s.url(NID, LOGIN_PATH))
        .form(&[
            ("key", pending.key.as_str()),
            ("mode", pending.mode.as_str()),
            ("otp", code.expose()),
            ("nvlong", "on"),
        ]);
    let reply = s.send(req, TWO_STEP_PATH, Expect::Login).await?;
    match classify(&reply) {
        Answer::LoggedIn => {
            sso(s, login).await?;
            Ok(LoginOutcome::LoggedIn)
        }
        // A wrong code: the same check again.
        Answer::TwoStep { key, mode } => Ok(code_needed(Pending { key, mode })),
        Answer::Locked => Ok(LoginOutcome::AccountLocked),
        // The check is gone (expired, too many wrong codes): the login page again.
        _ => Err(CollectError::SessionExpired {
            market: Market::Naver,
        }),
    }
}

/// Complete a Naver ID login waiting for a code.
pub async fn submit_code(
    s: &Session,
    login: &CenterLogin,
    pending: &serde_json::Value,
    code: &Secret,
) -> Result<LoginOutcome, CollectError> {
    let Tagged { nid } = serde_json::from_value(pending.clone()).map_err(|_| {
        CollectError::Internal("the saved naver id 2-step verification does not read".into())
    })?;
    verify(s, login, &nid, code).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BeginData {
    sns_begin: Begin,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Begin {
    #[serde(default)]
    auth_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallbackData {
    sns_callback: Callback,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Callback {
    #[serde(default)]
    stat_cd: Option<String>,
    #[serde(default)]
    login_status: Option<String>,
}

/// The commerce SSO with the NID cookies, then the seller center.
async fn sso(s: &Session, login: &CenterLogin) -> Result<(), CollectError> {
    let svc_url = format!("{CALLBACK}?returnUrl={}", enc(DASHBOARD));
    let begin: BeginData = graphql_at(
        s,
        "/graphql?query=snsLoginBegin",
        "snsLoginBegin",
        SNS_BEGIN,
        json!({
            "mode": "login",
            "snsCd": "naver",
            "svcUrl": svc_url,
            "userInfos": [{"key": "IS_NOT_REAUTHENTICATE", "value": "true"}],
        }),
    )
    .await?;
    let auth_url = begin
        .sns_begin
        .auth_url
        .filter(|u| !u.is_empty())
        .ok_or_else(|| rejected("/graphql snsLoginBegin", "no authUrl"))?;
    let callback = walk_to_callback(s, &auth_url).await?;
    let (code, state) = code_and_state(&callback).ok_or_else(|| {
        rejected(
            "/oauth/callback",
            "the authorisation ended without a code and state",
        )
    })?;
    let done: CallbackData = graphql_at(
        s,
        "/graphql?query=snsLoginCallback",
        "snsLoginCallback",
        SNS_CALLBACK,
        json!({"code": code, "state": state}),
    )
    .await?;
    let r = done.sns_callback;
    if r.login_status.as_deref() != Some(super::login::LOGIN_SUCCESS) {
        return Err(rejected(
            "/graphql snsLoginCallback",
            format!(
                "the commerce SSO answered {:?}/{:?}",
                r.login_status.unwrap_or_default(),
                r.stat_cd.unwrap_or_default()
            ),
        ));
    }
    finish(s, &login.store_id).await
}

fn is_callback(url: &str) -> bool {
    url.contains(&format!("{ACCOUNTS}/oauth/callback"))
}

/// Back on the Naver ID login form: the NID cookies do not hold.
fn is_nid_login(url: &str) -> bool {
    url.contains(&format!("{NID}{LOGIN_PATH}"))
}

/// From `authUrl` through Naver's authorisation pages to the commerce callback URL.
async fn walk_to_callback(s: &Session, auth_url: &str) -> Result<String, CollectError> {
    let expired = || CollectError::SessionExpired {
        market: Market::Naver,
    };
    let mut url = auth_url.to_string();
    for _ in 0..MAX_HOPS {
        // Hops on the login hosts are the login itself: judged here, not as logged-out
        // redirects.
        let (reply, at) = s.follow(&url, "oauth2.0/authorize", Expect::Login).await?;
        if is_nid_login(&at) {
            return Err(expired());
        }
        if is_callback(&at) {
            return Ok(at);
        }
        if !reply.status.is_success() {
            return Err(rejected(
                "oauth2.0/authorize",
                format!("HTTP {}", reply.status.as_u16()),
            ));
        }
        let next = js_location(&reply.text()).ok_or_else(|| {
            rejected(
                "oauth2.0/authorize",
                "an authorisation page without its next step",
            )
        })?;
        let next = resolve(&at, &next).unwrap_or(next);
        if is_nid_login(&next) {
            return Err(expired());
        }
        if is_callback(&next) {
            // The page a browser lands on, before the app reads `code` and `state`.
            s.follow(&next, "/oauth/callback", Expect::Html).await?;
            return Ok(next);
        }
        url = next;
    }
    Err(rejected(
        "oauth2.0/authorize",
        format!("no commerce callback after {MAX_HOPS} pages"),
    ))
}

/// The target of a page's `location.replace("…")`, JS escapes undone.
pub fn js_location(html: &str) -> Option<String> {
    let at = html.find("location.replace(")? + "location.replace(".len();
    let rest = html[at..].trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    let end = body.find(quote)?;
    let raw = &body[..end];
    let url = raw
        .replace("\\/", "/")
        .replace("\\u0026", "&")
        .replace("\\x26", "&")
        .replace("&amp;", "&");
    Some(url).filter(|u| !u.is_empty())
}

fn code_and_state(callback: &str) -> Option<(String, String)> {
    let u = url::Url::parse(callback).ok()?;
    let get = |k: &str| {
        u.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    };
    Some((get("code")?, get("state")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::PrivateKey;
    use rsa::traits::PublicKeyParts;

    /// The OS random source, for generating a test key (rsa 0.10 takes rand_core 0.10's
    /// traits; the workspace's rand is 0.9).
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

    /// Undo the framing: the parts, each preceded by the character of its length.
    fn unframe(text: &str) -> Vec<String> {
        let mut chars = text.chars();
        let mut out = Vec::new();
        while let Some(len) = chars.next() {
            out.push(chars.by_ref().take(len as usize).collect());
        }
        out
    }

    #[test]
    fn encpw_is_the_framed_session_key_id_and_password_under_naver_s_key() {
        let private = PrivateKey::new(&mut Os, 1024).unwrap();
        let public = private.to_public_key();
        let key = NidKey {
            session_key: "AbCdEf0123456789".into(),
            key_name: "100012345".into(),
            n: hex::encode(public.n().to_be_bytes()),
            e: hex::encode(public.e().to_be_bytes()),
        };
        let text = format!("{},{},{},{}", key.session_key, key.key_name, key.n, key.e);
        assert_eq!(parse_keys(&text), Some(key.clone()));
        let password = Secret::new("비밀번호-pw!");
        let sealed = encpw(&key, "seller_id", &password).unwrap();
        assert!(sealed.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(sealed.len(), 256, "one 1024-bit block, hex");
        // Random padding: the same login encrypts differently every time.
        assert_ne!(sealed, encpw(&key, "seller_id", &password).unwrap());
        let plain = private
            .pkcs1v15_decrypt(&hex::decode(&sealed).unwrap())
            .unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert_eq!(
            plain.chars().next(),
            Some('\u{10}'),
            "16 = the session key's length"
        );
        assert_eq!(
            unframe(&plain),
            ["AbCdEf0123456789", "seller_id", "비밀번호-pw!"]
        );
    }

    #[test]
    fn a_key_answer_may_leave_out_the_exponent_and_junk_is_refused() {
        let k = parse_keys("sk,name,c0ffee\n").unwrap();
        assert_eq!((k.n.as_str(), k.e.as_str()), ("c0ffee", "10001"));
        assert_eq!(parse_keys("sk,name"), None);
        assert_eq!(parse_keys("sk,name,not-hex,10001"), None);
        assert_eq!(parse_keys("<html>login</html>"), None);
        let short = NidKey {
            session_key: "s".into(),
            key_name: "k".into(),
            n: "c0ffee".into(),
            e: "10001".into(),
        };
        let err = encpw(&short, "id", &Secret::new("hunter2")).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn lzstring_matches_the_javascript_library() {
        // A vector of the JavaScript lz-string's own test suite.
        assert_eq!(
            lz_str::compress_to_encoded_uri_component("aaaaabaaaaacaaaaadaaaaaeaaaaa"),
            "IYkI1EGNOATWBTWQ"
        );
    }

    #[test]
    fn bvsd_carries_the_input_log_and_never_the_password() {
        let b: serde_json::Value = serde_json::from_str(&bvsd("u-1", "seller_id")).unwrap();
        assert_eq!(b["uuid"], "u-1");
        let log =
            lz_str::decompress_from_encoded_uri_component(b["encData"].as_str().unwrap()).unwrap();
        let log: serde_json::Value =
            serde_json::from_str(&String::from_utf16(&log).unwrap()).unwrap();
        assert_eq!(log["a"], "u-1-4");
        assert_eq!(log["d"][0]["d"], "seller_id");
        assert_eq!(log["d"][1]["i"], "pw");
    }

    #[test]
    fn answer_pages_are_told_apart() {
        let page = |body: &str| format!("<!doctype html><html><body>{body}</body></html>");
        assert_eq!(
            classify_page(&page(
                "<img id=\"captchaimg\" src=\"x\"><p id=\"captcha_info\">?</p>"
            )),
            Answer::Captcha
        );
        assert_eq!(
            classify_page(&page(
                "<form><div id=\"direct_case\"><input name=\"otp\"></div><input type=\"hidden\" name=\"key\" value=\"k1\"><input type=\"hidden\" name=\"mode\" value=\"sms\"></form>"
            )),
            Answer::TwoStep {
                key: "k1".into(),
                mode: "sms".into()
            }
        );
        assert_eq!(
            classify_page(&page(
                "<div id=\"push_case\"></div><input type=\"hidden\" name=\"key\" value=\"k2\">"
            )),
            Answer::TwoStep {
                key: "k2".into(),
                mode: "push".into()
            }
        );
        assert_eq!(channel_of("push"), CodeChannel::AppPush);
        assert_eq!(
            classify_page(&page(
                "<a href=\"/user2/help/idSafetyRelease\">보호조치 해제</a>"
            )),
            Answer::Locked
        );
        assert_eq!(
            classify_page(&page("<a href=\"/user2/help/changePassword\">변경</a>")),
            Answer::PasswordChange
        );
        assert_eq!(
            classify_page(&page(
                "<div id=\"err_common\">비밀번호가 잘못 입력되었습니다.</div><input type=\"password\" name=\"pw\">"
            )),
            Answer::WrongPassword
        );
        assert_eq!(classify_page(&page("점검 중")), Answer::Unknown);
    }

    #[test]
    fn the_authorisation_pages_js_redirect_is_read() {
        assert_eq!(
            js_location(
                "<script>location.replace(\"https:\\/\\/nid.naver.com\\/login\\/noauth\\/allow_oauth?oauth_token=t\\u0026step=agree_term\");</script>"
            )
            .as_deref(),
            Some("https://nid.naver.com/login/noauth/allow_oauth?oauth_token=t&step=agree_term")
        );
        assert_eq!(
            js_location("<script>location.replace( 'https://a/b' );</script>").as_deref(),
            Some("https://a/b")
        );
        assert_eq!(js_location("<p>no script</p>"), None);
        assert_eq!(
            code_and_state("https://accounts.commerce.naver.com/oauth/callback?code=c1&state=s1"),
            Some(("c1".into(), "s1".into()))
        );
        assert_eq!(code_and_state("https://x/oauth/callback?code=c1"), None);
    }
}
