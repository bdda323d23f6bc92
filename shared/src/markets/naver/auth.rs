//! Naver's token request (facts: shared/markets/naver.md §2): OAuth2 client_credentials with
//! `client_secret_sign = Base64(bcrypt(client_id + "_" + timestamp, salt = client_secret))`.

use crate::error::CollectError;
use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD, STANDARD};
use serde::Deserialize;

/// One seller's Naver credentials: the fleet's application (agency) keys plus the seller's
/// account id (`type=SELLER`). No `Debug`: it holds the application secret.
#[derive(Clone, Deserialize)]
pub struct Credentials {
    pub client_id: String,
    /// A bcrypt salt string, `$2a$04$` + 22 characters.
    pub client_secret: String,
    /// The seller's "API 연동용 판매자 ID" (e.g. `ncp_...`).
    pub account_id: String,
}

/// bcrypt's own base64 alphabet, as used inside salt strings.
const BCRYPT_B64: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::BCRYPT, NO_PAD);

/// A `client_secret` read as the bcrypt salt string it is: cost and the 16 salt bytes.
pub struct SecretSalt {
    cost: u32,
    salt: [u8; 16],
}

impl SecretSalt {
    /// Checks the form without hashing: a connector refuses a malformed secret up front,
    /// and bcrypt (milliseconds of CPU) runs only for a token request.
    pub fn parse(secret: &str) -> Result<Self, CollectError> {
        let bad = || {
            CollectError::InvalidInput(
                "naver client_secret is not a bcrypt salt (`$2a$NN$` + 22 characters)".into(),
            )
        };
        let rest = ["$2a$", "$2b$", "$2y$"]
            .iter()
            .find_map(|p| secret.strip_prefix(p))
            .ok_or_else(bad)?;
        let (cost, salt) = rest.split_once('$').ok_or_else(bad)?;
        let cost: u32 = cost.parse().map_err(|_| bad())?;
        // 4..=31: the costs bcrypt accepts.
        if salt.len() != 22 || !(4..=31).contains(&cost) {
            return Err(bad());
        }
        let salt: [u8; 16] = BCRYPT_B64
            .decode(salt)
            .map_err(|_| bad())?
            .try_into()
            .map_err(|_| bad())?;
        Ok(SecretSalt { cost, salt })
    }

    /// `bcrypt(password, salt = secret)` in the `$2a$` form Java's `BCrypt.hashpw` produces.
    pub fn hash(&self, password: &str) -> Result<String, CollectError> {
        let parts = bcrypt::hash_with_salt(password, self.cost, self.salt)
            .map_err(|e| CollectError::InvalidInput(format!("naver client_secret_sign: {e}")))?;
        Ok(parts.format_for_version(bcrypt::Version::TwoA))
    }
}

/// `bcrypt(password, salt = secret)` in the `$2a$` form Java's `BCrypt.hashpw` produces.
pub fn bcrypt_with_secret(password: &str, secret: &str) -> Result<String, CollectError> {
    SecretSalt::parse(secret)?.hash(password)
}

/// The `client_secret_sign` form field for `timestamp_ms`.
pub fn client_secret_sign(
    client_id: &str,
    client_secret: &str,
    timestamp_ms: i64,
) -> Result<String, CollectError> {
    let hashed = bcrypt_with_secret(&format!("{client_id}_{timestamp_ms}"), client_secret)?;
    Ok(STANDARD.encode(hashed))
}

/// A signed timestamp: `timestamp` and `client_secret_sign` of a token request. It names
/// the application (client_id and secret), not the seller, and Naver accepts it for 5
/// minutes from its timestamp, so one can serve many sellers' token requests.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    pub timestamp_ms: i64,
    sign: String,
}

impl Signature {
    /// Signs `timestamp_ms` with the application's secret (one bcrypt).
    pub fn new(creds: &Credentials, timestamp_ms: i64) -> Result<Self, CollectError> {
        let sign = client_secret_sign(&creds.client_id, &creds.client_secret, timestamp_ms)?;
        Ok(Signature { timestamp_ms, sign })
    }

    /// As one string, for a cache of strings (base64 holds no space).
    pub fn encode(&self) -> String {
        format!("{} {}", self.timestamp_ms, self.sign)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (ts, sign) = text.split_once(' ')?;
        Some(Signature {
            timestamp_ms: ts.parse().ok()?,
            sign: sign.to_string(),
        })
    }
}

/// The form of `POST /v1/oauth2/token` for one seller.
pub fn token_form(creds: &Credentials, signed: &Signature) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", creds.client_id.clone()),
        ("timestamp", signed.timestamp_ms.to_string()),
        ("grant_type", "client_credentials".into()),
        ("client_secret_sign", signed.sign.clone()),
        ("type", "SELLER".into()),
        ("account_id", creds.account_id.clone()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The [COMPUTED] vector of shared/markets/naver.md §2.1.
    #[test]
    fn reproduces_the_computed_vector() {
        let hashed = bcrypt_with_secret(
            "aaaabbbbcccc_1643956077762",
            "$2a$10$abcdefghijklmnopqrstuu",
        )
        .unwrap();
        assert_eq!(
            hashed,
            "$2a$10$abcdefghijklmnopqrstuuK905peUHfBiHEhNZ1bzXxBKnUlxCb9m"
        );
        assert_eq!(
            client_secret_sign(
                "aaaabbbbcccc",
                "$2a$10$abcdefghijklmnopqrstuu",
                1643956077762
            )
            .unwrap(),
            "JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXVLOTA1cGVVSGZCaUhFaE5aMWJ6WHhCS25VbHhDYjlt"
        );
    }

    #[test]
    fn a_signature_survives_its_cache_form() {
        let creds = Credentials {
            client_id: "aaaabbbbcccc".into(),
            client_secret: "$2a$04$abcdefghijklmnopqrstuu".into(),
            account_id: "ncp_1".into(),
        };
        let signed = Signature::new(&creds, 1643956077762).unwrap();
        assert!(Signature::decode(&signed.encode()) == Some(signed.clone()));
        let form = token_form(&creds, &signed);
        let field = |k: &str| form.iter().find(|(n, _)| *n == k).unwrap().1.clone();
        assert_eq!(field("timestamp"), "1643956077762");
        assert_eq!(
            field("client_secret_sign"),
            client_secret_sign(&creds.client_id, &creds.client_secret, 1643956077762).unwrap()
        );
        assert!(Signature::decode("no-space").is_none());
    }

    #[test]
    fn a_secret_that_is_not_a_salt_is_refused_without_echoing_it() {
        for s in [
            "plain-secret",
            "$2a$04$short",
            "$2a$xx$abcdefghijklmnopqrstuu",
            "$2a$99$abcdefghijklmnopqrstuu",
        ] {
            assert!(SecretSalt::parse(s).is_err(), "{s}");
            let err = client_secret_sign("id", s, 1).unwrap_err();
            assert!(!err.to_string().contains(s), "{err}");
        }
    }
}
