//! ESM 2.0's authentication (esm.md §2): a JWT signed HS256 with the ESM+ master's secret
//! key, built by the caller for every request and sent as `Authorization: Bearer <jwt>`.
//! Header `{"alg":"HS256","typ":"JWT","kid":<master id>}`; payload
//! `{"iss","sub":"sell","aud":"sa.esmplus.com","iat","ssi":"G:<id>"}` (or `A:<id>`).
//!
//! The header and payload are serialized in the guide's field order and signed with
//! jsonwebtoken's HS256 (`crypto::sign`): `jsonwebtoken::encode` writes `typ` before
//! `alg`, a token just as valid but not byte for byte the guide's.

use crate::error::CollectError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Serialize;

/// The audience every ESM token names.
pub const AUDIENCE: &str = "sa.esmplus.com";
/// The issuer: the guide's example; ESM does not check it (a client domain is suggested).
pub const ISSUER: &str = "www.esmplus.com";

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'static str,
    aud: &'static str,
    iat: i64,
    ssi: &'a str,
}

/// The signed token for `ssi` (e.g. `G:my_shop`, or `A:a_id,G:g_id`), issued at `iat`
/// (unix seconds).
pub fn token(
    master_id: &str,
    secret_key: &str,
    ssi: &str,
    iat: i64,
) -> Result<String, CollectError> {
    let header = Header {
        alg: "HS256",
        typ: "JWT",
        kid: master_id,
    };
    let claims = Claims {
        iss: ISSUER,
        sub: "sell",
        aud: AUDIENCE,
        iat,
        ssi,
    };
    let message = format!("{}.{}", b64_json(&header), b64_json(&claims));
    let key = EncodingKey::from_secret(secret_key.as_bytes())
        .map_err(|e| CollectError::Internal(format!("the ESM secret key: {:?}", e.kind())))?;
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256)
        // The key is never part of the message: HMAC takes any key.
        .map_err(|e| CollectError::Internal(format!("signing the ESM token: {:?}", e.kind())))?;
    Ok(format!("{message}.{signature}"))
}

/// Compact JSON, base64url without padding: one part of a JWT.
fn b64_json<T: Serialize>(part: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(part).expect("plain structs serialize"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The [COMPUTED] vector of shared/markets/esm.md §2.
    #[test]
    fn reproduces_the_computed_vector() {
        let t = token(
            "test_masterId_1",
            "ZDE2YjlmZjUtYTc0Mi00ZWU3",
            "A:auction_seller,G:gmarket_seller",
            1_503_294_000,
        )
        .unwrap();
        assert_eq!(
            t,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InRlc3RfbWFzdGVySWRfMSJ9.\
             eyJpc3MiOiJ3d3cuZXNtcGx1cy5jb20iLCJzdWIiOiJzZWxsIiwiYXVkIjoic2EuZXNtcGx1cy5jb20iLCJpYXQiOjE1MDMyOTQwMDAsInNzaSI6IkE6YXVjdGlvbl9zZWxsZXIsRzpnbWFya2V0X3NlbGxlciJ9.\
             aveo8pmRVhPdrwroXreuZPw51LilHQwMiDvgH_UJ2x8"
        );
    }

    #[test]
    fn another_secret_signs_differently() {
        let a = token("m", "secret-a", "G:s", 1).unwrap();
        let b = token("m", "secret-b", "G:s", 1).unwrap();
        assert_eq!(a.rsplit_once('.').unwrap().0, b.rsplit_once('.').unwrap().0);
        assert_ne!(a, b);
    }
}
