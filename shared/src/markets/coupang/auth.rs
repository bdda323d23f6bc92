//! Coupang's CEA HMAC-SHA256 request signature (developers.coupangcorp.com, "Creating HMAC
//! Signature"): every request is signed on its own; there is no token.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The `signed-date` of a request: UTC, `yyMMdd'T'HHmmss'Z'`.
pub fn signed_date(now: DateTime<Utc>) -> String {
    now.format("%y%m%dT%H%M%SZ").to_string()
}

/// The string Coupang signs: signed-date, method, path and the query without its `?`.
pub fn message(signed_date: &str, method: &str, path: &str, query: &str) -> String {
    format!("{signed_date}{method}{path}{query}")
}

/// Lowercase hex HMAC-SHA256 of `message` keyed by the secret key.
pub fn signature(secret_key: &str, message: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value for one request. `query` must be byte for byte the
/// query string sent on the URL.
pub fn authorization(
    access_key: &str,
    secret_key: &str,
    signed_date: &str,
    method: &str,
    path: &str,
    query: &str,
) -> String {
    let sig = signature(secret_key, &message(signed_date, method, path, query));
    format!(
        "CEA algorithm=HmacSHA256, access-key={access_key}, signed-date={signed_date}, signature={sig}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The [COMPUTED] vector of shared/markets/coupang.md §2.
    #[test]
    fn reproduces_the_documented_vector() {
        let date = signed_date(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
        assert_eq!(date, "250101T000000Z");
        let path = "/v2/providers/openapi/apis/api/v4/vendors/A00012345/ordersheets";
        let query = "createdAtFrom=2025-01-01&createdAtTo=2025-01-02&status=ACCEPT";
        let msg = message(&date, "GET", path, query);
        assert_eq!(
            msg,
            "250101T000000ZGET/v2/providers/openapi/apis/api/v4/vendors/A00012345/ordersheetscreatedAtFrom=2025-01-01&createdAtTo=2025-01-02&status=ACCEPT"
        );
        assert_eq!(
            signature("SECRET_KEY_EXAMPLE", &msg),
            "d1cb1bb63ffaeef1424c1c8351099edc079246d28bd6f5d7adc9ef10e70bdd73"
        );
        assert_eq!(
            authorization(
                "ACCESS_KEY_EXAMPLE",
                "SECRET_KEY_EXAMPLE",
                &date,
                "GET",
                path,
                query
            ),
            "CEA algorithm=HmacSHA256, access-key=ACCESS_KEY_EXAMPLE, signed-date=250101T000000Z, \
             signature=d1cb1bb63ffaeef1424c1c8351099edc079246d28bd6f5d7adc9ef10e70bdd73"
        );
    }
}
