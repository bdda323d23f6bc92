//! A seller's seller-center login (the `center` object of the market's credentials) and
//! the outcomes of one login attempt, each with a sentence C/S staff can read to the
//! seller.

use crate::error::CollectError;
use crate::model::Market;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A secret string (password, OTP secret, code): never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The value, for the one request that must carry it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The `center` object of a seller's credentials (opt-in per seller: without it no
/// seller-center kind is collected for the seller):
/// `{"login_id", "password", "otp_secret"?, "store_id", "login"?, "base_url"?}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CenterLogin {
    /// The seller-center login id (Naver 판매자 아이디, WING/ESM id).
    pub login_id: String,
    /// Absent for a seller whose login cannot be automated (e.g. a captcha on every
    /// login): sessions are then only imported, and an expired one waits for the next.
    #[serde(default)]
    pub password: Option<Secret>,
    /// The base32 secret of the OTP the seller registered, when the seller shares it:
    /// TOTP codes are then computed without a person.
    #[serde(default)]
    pub otp_secret: Option<Secret>,
    /// The store the session must be logged into before anything is ingested (Naver
    /// `channelNo`, Coupang `vendorId`, ...).
    pub store_id: String,
    /// Which of the center's logins the seller uses (absent: the center's own account).
    #[serde(default)]
    pub login: LoginMethod,
    /// Where the center's hosts are served (simulators: `{base_url}/{host}/{path}`);
    /// absent: the real hosts over https.
    #[serde(default)]
    pub base_url: Option<String>,
}

impl CenterLogin {
    /// The seller's `center` object from the market credentials; `None` when the seller
    /// has not opted in to seller-center collection.
    pub fn from_credentials(
        market: Market,
        credentials: &serde_json::Value,
    ) -> Result<Option<Self>, CollectError> {
        let login = match credentials.get("center") {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(v) => {
                crate::markets::parse_credentials(market, &serde_json::json!({ "center": v }))
                    .map(|w: Wrapped| w.center)?
            }
        };
        if login.login == LoginMethod::NaverId && market != Market::Naver {
            return Err(CollectError::InvalidInput(format!(
                "center.login \"naver_id\" is a Naver login; the {market} seller center has its own accounts only"
            )));
        }
        Ok(Some(login))
    }

    /// A digest of what a login attempt sends: a saved "wrong password" or "code needed"
    /// holds only while it is unchanged, so that a seller who updates the password gets
    /// a new attempt, and nobody else does. Stored inside the encrypted session only.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.login_id.as_str(),
            self.password.as_ref().map_or("", Secret::expose),
            self.otp_secret.as_ref().map_or("", Secret::expose),
            self.store_id.as_str(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        // Another login method is another attempt. Only a non-default one is hashed, so
        // fingerprints saved before the field existed still match.
        if self.login != LoginMethod::Center {
            let m = self.login.name();
            h.update((m.len() as u64).to_be_bytes());
            h.update(m.as_bytes());
        }
        hex::encode(&h.finalize()[..16])
    }
}

/// How a seller logs in to the center.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    /// The center's own account (Naver 판매자 아이디 on accounts.commerce.naver.com,
    /// WING and ESM ids).
    #[default]
    Center,
    /// A Naver ID (네이버 아이디) on nid.naver.com, then the commerce SSO (Naver only).
    NaverId,
}

impl LoginMethod {
    pub fn name(self) -> &'static str {
        match self {
            LoginMethod::Center => "center",
            LoginMethod::NaverId => "naver_id",
        }
    }
}

#[derive(Deserialize)]
struct Wrapped {
    center: CenterLogin,
}

/// How a 2-factor code reaches the seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeChannel {
    Sms,
    Email,
    AppPush,
    /// An OTP app whose secret the seller did not share.
    Otp,
}

impl CodeChannel {
    fn korean(self) -> &'static str {
        match self {
            CodeChannel::Sms => "문자(SMS)",
            CodeChannel::Email => "이메일",
            CodeChannel::AppPush => "앱 알림",
            CodeChannel::Otp => "OTP 앱",
        }
    }
}

/// What one login attempt ended in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LoginOutcome {
    LoggedIn,
    /// The center asks for a captcha: only a person in a browser can pass it (then import
    /// the session).
    Captcha,
    /// A code was sent to the seller; `pending` is what the market's login needs to
    /// complete with the code (kept in the encrypted session, never logged).
    CodeNeeded {
        channel: CodeChannel,
        #[serde(default)]
        pending: serde_json::Value,
    },
    PasswordChangeRequired,
    AccountLocked,
    WrongPassword,
}

impl LoginOutcome {
    /// The outcome's name, as stored and shown.
    pub fn name(&self) -> &'static str {
        match self {
            LoginOutcome::LoggedIn => "logged_in",
            LoginOutcome::Captcha => "captcha",
            LoginOutcome::CodeNeeded { .. } => "code_needed",
            LoginOutcome::PasswordChangeRequired => "password_change_required",
            LoginOutcome::AccountLocked => "account_locked",
            LoginOutcome::WrongPassword => "wrong_password",
        }
    }

    /// A sentence C/S staff can read to the seller (Korean first, the action in English
    /// for the runbook).
    pub fn message(&self, market: Market) -> String {
        match self {
            LoginOutcome::LoggedIn => format!("{market} 판매자센터 로그인 완료"),
            LoginOutcome::Captcha => format!(
                "{market} 판매자센터가 자동입력 방지(캡차)를 요구합니다. 판매자가 브라우저로 직접 로그인한 뒤 세션을 가져와 주세요 (captcha: import a browser session with `sessions import`)."
            ),
            LoginOutcome::CodeNeeded { channel, .. } => format!(
                "{market} 판매자센터가 {} 인증번호를 보냈습니다. 판매자에게 받은 번호를 2단계 인증으로 입력해 주세요 (code needed: submit it with the 2fa route or `sellerbox 2fa`).",
                channel.korean()
            ),
            LoginOutcome::PasswordChangeRequired => format!(
                "{market} 판매자센터가 비밀번호 변경을 요구합니다. 판매자가 비밀번호를 바꾼 뒤 새 비밀번호를 등록해 주세요 (password change required)."
            ),
            LoginOutcome::AccountLocked => format!(
                "{market} 판매자센터 계정이 잠겼습니다. 판매자가 판매자센터에서 잠금을 해제해야 합니다; 해제 전에는 로그인을 시도하지 않습니다 (account locked)."
            ),
            LoginOutcome::WrongPassword => format!(
                "{market} 판매자센터 비밀번호가 맞지 않습니다. 판매자에게 올바른 비밀번호를 받아 다시 등록해 주세요; 그 전에는 로그인을 다시 시도하지 않습니다 (wrong password)."
            ),
        }
    }

    /// The run status of an outcome that is not a login: "code needed" or "re-login
    /// required", both checkpoints rather than failures.
    pub fn into_error(self, market: Market) -> Option<CollectError> {
        let message = self.message(market);
        match self {
            LoginOutcome::LoggedIn => None,
            LoginOutcome::CodeNeeded { .. } => {
                Some(CollectError::TwoFactorRequired { market, message })
            }
            _ => Some(CollectError::ReloginRequired { market, message }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_center_object_is_optional_and_its_secrets_never_print() {
        let none = CenterLogin::from_credentials(Market::Naver, &serde_json::json!({"a": 1}));
        assert!(none.unwrap().is_none());
        let c = CenterLogin::from_credentials(
            Market::Naver,
            &serde_json::json!({"center": {"login_id": "me", "password": "hunter2",
                "otp_secret": "JBSWY3DPEHPK3PXP", "store_id": "100"}}),
        )
        .unwrap()
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("JBSWY3DP"),
            "{shown}"
        );
        let err = CenterLogin::from_credentials(
            Market::Naver,
            &serde_json::json!({"center": {"login_id": "me", "password": 5, "store_id": "1"}}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("center.password"), "{err}");
    }

    #[test]
    fn the_login_method_is_center_unless_naver_id_and_naver_id_is_naver_only() {
        let parse = |market, login: serde_json::Value| {
            let mut c = serde_json::json!({"login_id": "me", "password": "pw", "store_id": "1"});
            if !login.is_null() {
                c["login"] = login;
            }
            CenterLogin::from_credentials(market, &serde_json::json!({ "center": c }))
        };
        let plain = parse(Market::Naver, serde_json::Value::Null)
            .unwrap()
            .unwrap();
        assert_eq!(plain.login, LoginMethod::Center);
        let nid = parse(Market::Naver, "naver_id".into()).unwrap().unwrap();
        assert_eq!(nid.login, LoginMethod::NaverId);
        // Another method is another login attempt: the fingerprint says so.
        assert_ne!(plain.fingerprint(), nid.fingerprint());
        let err = parse(Market::Naver, "kakao".into()).unwrap_err();
        assert!(err.to_string().contains("center.login"), "{err}");
        let err = parse(Market::Coupang, "naver_id".into()).unwrap_err();
        assert!(err.to_string().contains("naver_id"), "{err}");
    }

    #[test]
    fn the_fingerprint_follows_the_password() {
        let parse = |pw: &str| {
            CenterLogin::from_credentials(
                Market::Naver,
                &serde_json::json!({"center": {"login_id": "me", "password": pw, "store_id": "1"}}),
            )
            .unwrap()
            .unwrap()
        };
        assert_eq!(parse("a").fingerprint(), parse("a").fingerprint());
        assert_ne!(parse("a").fingerprint(), parse("b").fingerprint());
        assert!(!parse("hunter2").fingerprint().contains("hunter2"));
    }
}
