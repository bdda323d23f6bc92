//! WING's login over plain HTTP (seller-centers.md §2.1):
//!
//! 1. `GET https://wing.coupang.com` → 302 `/login?…` → `/sso/login?returnUrl=…` → Keycloak
//!    (`xauth.coupang.com/auth/realms/seller/…`), the login page;
//! 2. its form's `action` (or `url.loginAction` of the page's `const out = {…}` script):
//!    `…/login-actions/authenticate?session_code&execution&client_id=wing&tab_id&kc_locale`;
//! 3. one POST of `username`, `password` (and the form's hidden fields), redirects not
//!    followed by the client: `Location: https://wing.coupang.com/sso/login?…&code` is
//!    walked by hand to WING, which sets the session cookies (`sxSessionId`, `sid`,
//!    `JSESSIONID`, `web-session-id`, `seller-uid`);
//! 4. `GET /tenants/sfl-portal/card/cre/resource` sets `XSRF-TOKEN`.
//!
//! A seller logging in from a device WING does not know gets a page asking for the code
//! it sent by SMS or e-mail instead of the redirect. The HTTP format of that step is not
//! captured (seller-centers.md: [UNKNOWN]); the page is read the Keycloak way: its form's
//! action, hidden fields and its one visible input, kept (encrypted, in the saved session)
//! until the seller's code arrives through the 2fa route.
//!
//! What a page means is read with `scraper`: a password input (the login form) with
//! Keycloak's error line under it, a captcha widget, a single visible input without a
//! password (a code page), `password-new` (a forced password change), the restart link of
//! an expired login. Nothing here logs or returns a password, a code, a cookie or a form
//! action (its `session_code` is a login secret).

use super::{WING, reviews};
use crate::centers::{
    CenterLogin, CodeChannel, Expect, LoginOutcome, Reply, Secret, Session, resolve,
};
use crate::error::{CollectError, RawPage};
use crate::model::Market;
use reqwest::header::LOCATION;
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const CHAIN: &str = "WING login chain";
const FORM: &str = "WING login form";

/// The code page's form, kept in the saved session until the seller sends the code.
#[derive(Clone, Serialize, Deserialize)]
struct Pending {
    action: String,
    fields: Vec<(String, String)>,
    code_field: String,
    channel: CodeChannel,
}

/// What an HTML page of the login means.
#[derive(Debug, PartialEq)]
pub enum PageKind {
    Login {
        action: String,
        fields: Vec<(String, String)>,
        error: Option<String>,
        captcha: bool,
    },
    Code {
        action: String,
        fields: Vec<(String, String)>,
        code_field: String,
        error: Option<String>,
        channel: CodeChannel,
    },
    PasswordChange,
    /// Keycloak's "페이지가 만료되었습니다" (the login or the code timed out).
    Expired,
    /// Not a page of the login (WING itself, or something unknown).
    Other,
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("a valid CSS selector")
}

fn text_of(doc: &Html, css: &str) -> Option<String> {
    doc.select(&sel(css))
        .map(|e| e.text().collect::<Vec<_>>().join(" "))
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|t| !t.is_empty())
}

/// `url.loginAction` of a `const out = {…};` script, where the form has no action.
fn script_login_action(doc: &Html) -> Option<String> {
    doc.select(&sel("script")).find_map(|s| {
        let text: String = s.text().collect();
        let rest = &text[text.find("const out")?..];
        let json = &rest[rest.find('{')?..];
        let out = serde_json::Deserializer::from_str(json)
            .into_iter::<serde_json::Value>()
            .next()?
            .ok()?;
        out.pointer("/url/loginAction")?
            .as_str()
            .map(str::to_string)
    })
}

/// A form's action, its hidden fields, and the names of its visible text inputs.
type FormParts = (String, Vec<(String, String)>, Vec<String>);

fn form_parts(doc: &Html, form: ElementRef<'_>) -> Option<FormParts> {
    let action = form
        .value()
        .attr("action")
        .filter(|a| !a.trim().is_empty())
        .map(str::to_string)
        .or_else(|| script_login_action(doc))?;
    let mut hidden = Vec::new();
    let mut visible = Vec::new();
    for input in form.select(&sel("input[name]")) {
        let name = input.value().attr("name").unwrap_or_default().to_string();
        match input
            .value()
            .attr("type")
            .unwrap_or("text")
            .to_ascii_lowercase()
            .as_str()
        {
            "hidden" => hidden.push((
                name,
                input.value().attr("value").unwrap_or_default().to_string(),
            )),
            "text" | "tel" | "number" => visible.push(name),
            _ => {}
        }
    }
    Some((action, hidden, visible))
}

/// What a login page is.
pub fn classify(body: &str) -> PageKind {
    let doc = Html::parse_document(body);
    if doc.select(&sel("#loginRestartLink")).next().is_some() {
        return PageKind::Expired;
    }
    if doc
        .select(&sel("input[name=password-new]"))
        .next()
        .is_some()
    {
        return PageKind::PasswordChange;
    }
    let error = text_of(
        &doc,
        "#input-error, .kc-feedback-text, .alert-error, .alert-warning",
    );
    let captcha = doc
        .select(&sel(
            ".g-recaptcha, [data-sitekey], #captcha, img#captchaimg, input[name=captcha]",
        ))
        .next()
        .is_some();
    let forms: Vec<ElementRef<'_>> = doc.select(&sel("form")).collect();
    for form in &forms {
        if form.select(&sel("input[type=password]")).next().is_some()
            && let Some((action, fields, _)) = form_parts(&doc, *form)
        {
            return PageKind::Login {
                action,
                fields,
                error,
                captcha,
            };
        }
    }
    for form in &forms {
        let Some((action, fields, visible)) = form_parts(&doc, *form) else {
            continue;
        };
        if let [code_field] = visible.as_slice() {
            let words: String = doc.root_element().text().collect();
            // An address (or the word) names e-mail; anything else is the SMS WING sends.
            let channel = if words.contains("메일") || words.contains('@') {
                CodeChannel::Email
            } else {
                // "문자", "휴대폰", "SMS", or a page that does not say: WING sends SMS or
                // e-mail codes, and the seller knows which arrived.
                CodeChannel::Sms
            };
            return PageKind::Code {
                action,
                fields,
                code_field: code_field.clone(),
                error,
                channel,
            };
        }
    }
    PageKind::Other
}

/// A login page's error line as an outcome. Keycloak's Korean theme words a lockout with
/// 잠김/비활성; anything else that comes back with the form is treated as a wrong password,
/// which is never tried again until the seller's login changes (lockouts).
fn refused(message: &str) -> LoginOutcome {
    let locked = ["잠겼", "잠금", "잠김", "비활성", "locked", "disabled"]
        .iter()
        .any(|w| message.contains(w));
    if locked {
        LoginOutcome::AccountLocked
    } else {
        LoginOutcome::WrongPassword
    }
}

/// A login page we cannot read. The page itself is not kept: its form action carries the
/// login's `session_code` and its inputs the seller's login id.
fn format_changed(what: &str, _page: &[u8]) -> CollectError {
    CollectError::FormatChanged {
        market: Market::Coupang,
        endpoint: CHAIN.into(),
        detail: what.into(),
        page_ref: "(a login page: not kept)".into(),
        raw: RawPage(Arc::from(&[][..])),
    }
}

/// Whether a login step ended on WING itself, logged in: a page of WING's host (code and
/// login pages are Keycloak's, on xauth) that is not a password form. WING's own pages may
/// hold forms of their own, so nothing else of the page is asked.
fn landed_on_wing(s: &Session, reply: &Reply, url: &str) -> bool {
    reply.status.is_success()
        && url.starts_with(&s.url(WING, "/"))
        && !matches!(classify(&reply.text()), PageKind::Login { .. })
}

/// One login: through WING's redirect chain to the form, one post, wherever it leads.
pub async fn log_in(s: &Session, login: &CenterLogin) -> Result<LoginOutcome, CollectError> {
    let Some(password) = login.password.as_ref() else {
        return Err(CollectError::InvalidInput(
            "no WING password stored for this seller: import a browser session instead".into(),
        ));
    };
    let (reply, url) = s.follow(&s.url(WING, "/"), CHAIN, Expect::Login).await?;
    if landed_on_wing(s, &reply, &url) {
        // Keycloak's own SSO cookie was still good: WING let us in without the form.
        fetch_xsrf(s).await?;
        return Ok(LoginOutcome::LoggedIn);
    }
    let (action, mut fields) = match classify(&reply.text()) {
        PageKind::Login { captcha: true, .. } => return Ok(LoginOutcome::Captcha),
        PageKind::Login { action, fields, .. } => (action, fields),
        _ => {
            return Err(format_changed(
                "WING's redirect chain did not end at Keycloak's login form",
                &reply.body,
            ));
        }
    };
    let action = resolve(&url, &action)
        .ok_or_else(|| format_changed("the login form's action is no URL", &reply.body))?;
    fields.retain(|(k, _)| k != "username" && k != "password");
    fields.push(("username".into(), login.login_id.clone()));
    fields.push(("password".into(), password.expose().to_string()));
    post_form(s, login, &action, &fields, None).await
}

/// Sends the seller's code to the code page kept from the login.
pub async fn submit_code(
    s: &Session,
    login: &CenterLogin,
    pending: &serde_json::Value,
    code: &Secret,
) -> Result<LoginOutcome, CollectError> {
    let p: Pending = serde_json::from_value(pending.clone())
        .map_err(|_| CollectError::Internal("the kept WING code page does not read".into()))?;
    let mut fields = p.fields.clone();
    fields.retain(|(k, _)| k != &p.code_field);
    fields.push((p.code_field.clone(), code.expose().trim().to_string()));
    post_form(s, login, &p.action, &fields, Some(p.channel)).await
}

/// Posts a login form (password or code) and reads where it leads. `code_channel`: the
/// post was a code, for an answer that shows the code page again (a wrong code).
async fn post_form(
    s: &Session,
    login: &CenterLogin,
    action: &str,
    fields: &[(String, String)],
    code_channel: Option<CodeChannel>,
) -> Result<LoginOutcome, CollectError> {
    let reply = s
        .send(s.client().post(action).form(fields), FORM, Expect::Login)
        .await?;
    let (reply, url) = if reply.status.is_redirection() {
        let next = reply
            .header(LOCATION.as_str())
            .and_then(|l| resolve(action, l))
            .ok_or_else(|| format_changed("the login redirected nowhere", &reply.body))?;
        s.follow(&next, CHAIN, Expect::Login).await?
    } else {
        (reply, action.to_string())
    };
    if landed_on_wing(s, &reply, &url) {
        fetch_xsrf(s).await?;
        return Ok(LoginOutcome::LoggedIn);
    }
    Ok(match classify(&reply.text()) {
        PageKind::Login { captcha: true, .. } => LoginOutcome::Captcha,
        PageKind::Login { error, .. } => refused(error.as_deref().unwrap_or_default()),
        PageKind::Code {
            action: next,
            fields,
            code_field,
            error,
            channel,
        } => {
            let action = resolve(&url, &next)
                .ok_or_else(|| format_changed("the code form's action is no URL", &reply.body))?;
            if code_channel.is_some() && error.is_some() {
                tracing::info!(market = %Market::Coupang, "WING did not accept the code; it waits for another");
            }
            let pending = Pending {
                action,
                fields,
                code_field,
                channel: code_channel.unwrap_or(channel),
            };
            LoginOutcome::CodeNeeded {
                channel: pending.channel,
                pending: serde_json::to_value(&pending)
                    .map_err(|e| CollectError::Internal(format!("WING code page: {e}")))?,
            }
        }
        PageKind::PasswordChange => LoginOutcome::PasswordChangeRequired,
        PageKind::Expired if code_channel.is_some() => {
            // The code came after Keycloak's login timed out: the seller asked for this
            // login, so start it again once; WING sends a new code.
            tracing::info!(market = %Market::Coupang, "the WING login timed out before the code; starting it again");
            return Box::pin(log_in(s, login)).await;
        }
        PageKind::Expired => {
            return Err(format_changed(
                "Keycloak answered the fresh login form as expired",
                &reply.body,
            ));
        }
        PageKind::Other if !reply.status.is_success() => {
            return Err(CollectError::Rejected {
                market: Market::Coupang,
                endpoint: FORM.into(),
                detail: format!("HTTP {}", reply.status.as_u16()),
            });
        }
        PageKind::Other => {
            return Err(format_changed(
                "the login answered a page that is neither WING nor a login step",
                &reply.body,
            ));
        }
    })
}

/// `GET /tenants/sfl-portal/card/cre/resource`, which sets `XSRF-TOKEN` for the APIs.
async fn fetch_xsrf(s: &Session) -> Result<(), CollectError> {
    let url = s.url(WING, reviews::XSRF_RESOURCE);
    // Answered as a login step: only a redirect (back to the login) says anything here.
    let reply = s
        .send(s.client().get(&url), reviews::XSRF_RESOURCE, Expect::Login)
        .await?;
    if reply.status.is_redirection() {
        return Err(CollectError::SessionExpired {
            market: Market::Coupang,
        });
    }
    Ok(())
}
