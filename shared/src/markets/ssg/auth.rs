//! SSG's authentication (shared/markets/ssg.md §1): one header, `Authorization: {업체 인증키}`,
//! the raw key with no `Bearer`/`Basic` prefix; one key per company, no token, no expiry.
//! `Accept` picks JSON or XML: we always ask for JSON.

use crate::error::CollectError;
use crate::model::Market;
use serde::Deserialize;

/// One seller's SSG credentials: the company's API key from 파트너오피스 → API관리.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub api_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").finish_non_exhaustive()
    }
}

impl Credentials {
    /// The key as it goes into `Authorization`: trimmed, refused when empty or not a
    /// valid header value (a pasted key with a line break would otherwise fail every
    /// request as a transport error).
    pub fn header_value(&self) -> Result<reqwest::header::HeaderValue, CollectError> {
        let key = self.api_key.trim();
        let invalid = || {
            CollectError::InvalidInput(format!(
                "{} credentials: `api_key` must be the 업체 인증키 from 파트너오피스 (visible ASCII, no spaces)",
                Market::Ssg
            ))
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(invalid());
        }
        let mut value = reqwest::header::HeaderValue::from_str(key).map_err(|_| invalid())?;
        value.set_sensitive(true);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_raw_key_goes_into_the_header_without_a_prefix() {
        let c = Credentials {
            api_key: " 483c5921-d35b-4bb7-b84a-85d7f8d70c96 ".into(),
        };
        let v = c.header_value().unwrap();
        assert_eq!(v.to_str().unwrap(), "483c5921-d35b-4bb7-b84a-85d7f8d70c96");
        assert!(v.is_sensitive());
    }

    #[test]
    fn empty_or_broken_keys_are_refused_without_showing_them() {
        for bad in ["", "  ", "abc def", "abc\ndef", "ÄÖ-k3y"] {
            let e = Credentials {
                api_key: bad.into(),
            }
            .header_value()
            .unwrap_err();
            assert!(matches!(e, CollectError::InvalidInput(_)));
            if !bad.trim().is_empty() {
                assert!(!e.to_string().contains(bad.trim()));
            }
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let c = Credentials {
            api_key: "SECRET-VISIBLE?".into(),
        };
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}
