//! 11st's authentication: one static key per seller, issued in the OPEN API CENTER together
//! with the calling server's IP, sent as the `openapikey` header on every request. No
//! signature, no token (shared/markets/11st.md §1).

use reqwest::header::{HeaderName, HeaderValue};

/// The header 11st reads the key from.
pub const HEADER: HeaderName = HeaderName::from_static("openapikey");

/// The header value, marked sensitive so that no debug print of a request shows it.
pub fn header_value(api_key: &str) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(api_key.trim())
        .map_err(|_| "the API key holds characters a header cannot carry".to_string())?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_sent_as_is_and_marked_sensitive() {
        let v = header_value(" a1b2c3d4e5f6 ").unwrap();
        assert_eq!(v.to_str().unwrap(), "a1b2c3d4e5f6");
        assert!(v.is_sensitive());
        assert!(!format!("{v:?}").contains("a1b2"));
        assert!(header_value("ab\u{7}cd").is_err());
    }
}
