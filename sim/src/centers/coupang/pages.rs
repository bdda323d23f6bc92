//! The HTML pages of the WING login: Keycloak's login form (realm `seller`), its code
//! challenge for a new device, its expired-page answer, and the WING shell. Field ids,
//! the form action, the `const out = {…}` script and the page marker are those of
//! seller-centers.md §2.1; the error and challenge texts are Keycloak's Korean theme as
//! far as the facts go (the exact wording Coupang shows is not captured).

/// Escapes text for an HTML attribute or element body.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the login page says besides the form.
pub enum LoginNotice<'a> {
    None,
    /// A red line under the form (wrong password, locked account, ...).
    Error(&'a str),
    /// The reCAPTCHA widget and its prompt: a person must solve it.
    Captcha,
}

pub fn login(action: &str, username: &str, notice: LoginNotice<'_>) -> String {
    let out = serde_json::json!({
        "realm": "seller",
        "clientId": "wing",
        "url": { "loginAction": action, "resourcesPath": "/auth/resources/seller/login/coupang" },
        "locale": "ko-KR",
    });
    let (error, captcha) = match notice {
        LoginNotice::None => (String::new(), ""),
        LoginNotice::Error(e) => (
            format!(
                "<div class=\"alert alert-error\"><span id=\"input-error\" class=\"kc-feedback-text\">{}</span></div>",
                esc(e)
            ),
            "",
        ),
        LoginNotice::Captcha => (
            "<div class=\"alert alert-warning\"><span id=\"input-error\" class=\"kc-feedback-text\">자동입력 방지를 위해 보안문자를 확인해 주세요.</span></div>".to_string(),
            "<div class=\"g-recaptcha\" data-size=\"compact\" data-sitekey=\"6Lc-sim-wing\"></div>",
        ),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>쿠팡 Wing 로그인</title></head>
<body><div class="cp-loginpage__bg">
<h1 id="kc-page-title">판매자 로그인</h1>
{error}
<form id="kc-form-login" onsubmit="login.disabled = true; return true;" action="{action_attr}" method="post">
  <input tabindex="1" id="username" name="username" value="{user}" type="text" autofocus autocomplete="off" placeholder="아이디">
  <input tabindex="2" id="password" name="password" type="password" autocomplete="off" placeholder="비밀번호">
  {captcha}
  <input type="hidden" id="id-hidden-input" name="credentialId">
  <button tabindex="4" class="cp-loginpage__submit" name="login" id="kc-login" type="submit">로그인</button>
</form>
</div>
<script>const out = {out};</script>
</body></html>"#,
        action_attr = esc(action),
        user = esc(username),
    )
}

/// The new-device challenge: a code was sent by SMS or e-mail.
pub fn code_challenge(action: &str, channel: &str, masked_to: &str, error: Option<&str>) -> String {
    let how = if channel == "email" {
        format!("{} 주소로 인증번호를 보냈습니다.", esc(masked_to))
    } else {
        format!("{} 번호로 인증번호를 문자로 보냈습니다.", esc(masked_to))
    };
    let error = error
        .map(|e| {
            format!(
                "<div class=\"alert alert-error\"><span id=\"input-error\" class=\"kc-feedback-text\">{}</span></div>",
                esc(e)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>쿠팡 Wing 로그인</title></head>
<body><div class="cp-loginpage__bg">
<h1 id="kc-page-title">새로운 기기에서 로그인</h1>
{error}
<p class="instruction">{how} 인증번호 6자리를 입력해 주세요.</p>
<form id="kc-otp-login-form" action="{action_attr}" method="post">
  <input type="hidden" name="channel" value="{channel}">
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autofocus>
  <button class="cp-loginpage__submit" name="login" id="kc-login" type="submit">확인</button>
</form>
</div></body></html>"#,
        action_attr = esc(action),
    )
}

/// Keycloak's answer to a form of a login that no longer exists (timed out, replaced).
pub fn expired(restart: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>쿠팡 Wing 로그인</title></head>
<body><div class="cp-loginpage__bg">
<h1 id="kc-page-title">페이지가 만료되었습니다.</h1>
<p id="instruction1" class="instruction">로그인 과정을 다시 시작하려면 <a id="loginRestartLink" href="{}">여기</a>를 클릭하십시오.</p>
</div></body></html>"#,
        esc(restart)
    )
}

/// The WING shell once logged in.
pub fn home(vendor_id: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>쿠팡 Wing</title></head>
<body><div id="wing-app" data-vendor-id="{}"></div></body></html>"#,
        esc(vendor_id)
    )
}

/// WING's throttle page (kiditem's test harness models these as HTML).
pub const TOO_MANY: &str = "<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>";
