//! TOTP codes (RFC 6238: SHA-1, 6 digits, 30-second steps) from a seller's registered OTP
//! secret, with totp-rs, so that an OTP challenge needs no person.

use super::login::Secret;
use crate::error::CollectError;
use crate::model::Market;
use totp_rs::{Builder, Secret as TotpSecret, Totp};

/// The code of the current step for `secret` (base32, as authenticator apps show it;
/// spaces and lower case allowed). Authenticator secrets are often 80 bits, under the
/// RFC's recommended 128, so the short ones are accepted as they are.
pub fn code_now(market: Market, secret: &Secret) -> Result<Secret, CollectError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| CollectError::Internal("the system clock is before 1970".into()))?;
    code_at(market, secret, now.as_secs())
}

/// The code of the step holding `unix_seconds` (tests, simulators' peers).
pub fn code_at(market: Market, secret: &Secret, unix_seconds: u64) -> Result<Secret, CollectError> {
    Ok(Secret::new(
        totp(market, secret)?.generate(unix_seconds).to_string(),
    ))
}

fn totp(market: Market, secret: &Secret) -> Result<Totp, CollectError> {
    let cleaned: String = secret
        .expose()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bad = || {
        CollectError::InvalidInput(format!(
            "{market} credentials at `center.otp_secret`: not a base32 OTP secret"
        ))
    };
    // Under 80 bits is no authenticator's secret (base32: 16 characters).
    if cleaned.trim_end_matches('=').len() < 16 {
        return Err(bad());
    }
    let secret = TotpSecret::try_from_base32(&cleaned).map_err(|_| bad())?;
    // Defaults: SHA-1, 6 digits, 30 s steps.
    Ok(Builder::new().with_secret(secret).build_noncompliant())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1, with the 20-byte ASCII secret "12345678901234567890"
        // (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ); 8-digit 94287082 at T=59 -> 6 digits.
        let s = Secret::new("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(code_at(Market::Naver, &s, 59).unwrap().expose(), "287082");
        assert_eq!(
            code_at(Market::Naver, &s, 1111111109).unwrap().expose(),
            "081804"
        );
        // An 80-bit authenticator secret, spaced and in lower case, works.
        let short = Secret::new("jbsw y3dp ehpk 3pxp");
        assert_eq!(code_now(Market::Naver, &short).unwrap().expose().len(), 6);
        let err = code_now(Market::Naver, &Secret::new("not base32!")).unwrap_err();
        assert!(!err.to_string().contains("base32!"), "{err}");
    }
}
