//! Lotte ON's authentication (shared/markets/lotteon.md §2): a static API key issued in
//! the store center (판매자정보 → OpenAPI관리), valid one year, sent on every call as a
//! Bearer token with three fixed headers. No signature, no token exchange.

use reqwest::RequestBuilder;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, HeaderValue};

/// The time-zone header every call carries: answers' times are then KST.
pub const X_TIMEZONE: &str = "X-Timezone";

/// `request` with the documented headers: `Authorization: Bearer {key}`,
/// `Accept: application/json`, `Accept-Language: ko`, `X-Timezone: GMT+09:00`, and on a
/// POST `Content-Type: application/json`.
pub fn headers(request: RequestBuilder, api_key: &str, post: bool) -> RequestBuilder {
    let mut bearer = HeaderValue::from_str(&format!("Bearer {}", api_key.trim()))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
    // Keeps the key out of debug output of the request.
    bearer.set_sensitive(true);
    let request = request
        .header(AUTHORIZATION, bearer)
        .header(ACCEPT, "application/json")
        .header(ACCEPT_LANGUAGE, "ko")
        .header(X_TIMEZONE, "GMT+09:00");
    if post {
        request.header(CONTENT_TYPE, "application/json")
    } else {
        request
    }
}

/// Whether a key can be sent in a header at all (visible ASCII, no spaces inside).
pub fn well_formed(api_key: &str) -> bool {
    let k = api_key.trim();
    !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_header_is_sent_and_the_key_is_sensitive() {
        let client = reqwest::Client::new();
        let req = headers(client.post("http://127.0.0.1/x"), " k-123 ", true)
            .build()
            .unwrap();
        let h = req.headers();
        assert_eq!(h[AUTHORIZATION], "Bearer k-123");
        assert!(h[AUTHORIZATION].is_sensitive());
        assert_eq!(h[ACCEPT], "application/json");
        assert_eq!(h[ACCEPT_LANGUAGE], "ko");
        assert_eq!(h[X_TIMEZONE], "GMT+09:00");
        assert_eq!(h[CONTENT_TYPE], "application/json");
        let get = headers(client.get("http://127.0.0.1/x"), "k", false)
            .build()
            .unwrap();
        assert!(get.headers().get(CONTENT_TYPE).is_none());
    }

    #[test]
    fn keys_with_spaces_or_control_characters_are_not_well_formed() {
        assert!(well_formed("abcDEF0123-_.~"));
        assert!(!well_formed(""));
        assert!(!well_formed("ab cd"));
        assert!(!well_formed("ab\ncd"));
    }
}
