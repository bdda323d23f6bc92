//! The failures C/S staff see. Every error ends as one [`ErrorKind`] with a message a
//! person can act on. Messages never carry secrets, tokens, cookies or buyers' data:
//! bodies from marketplaces are summarized (status, error code), never echoed.

use crate::model::Market;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The small, stable set of error kinds stored with every run and shown to staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The marketplace rejected the seller's keys or login.
    CredentialsRejected,
    /// The marketplace refuses calls from our egress IP.
    IpNotWhitelisted,
    /// A seller-center login waits for a 2-factor code ("code needed"): submit it through
    /// the 2fa route. Not a failure.
    TwoFactorRequired,
    /// A seller-center login needs a person (captcha, wrong or expired password, locked
    /// account, a session that expired again): no login is retried until the seller acts.
    ReloginRequired,
    /// The marketplace is down or kept failing (5xx, timeouts).
    MarketplaceDown,
    /// A page did not parse: the marketplace changed its format. The raw page is kept.
    FormatChanged,
    /// The marketplace kept throttling beyond our retry budget.
    RateLimited,
    /// The marketplace refused a request for another reason (4xx).
    Rejected,
    /// Our configuration or input is wrong (credentials file, arguments).
    InvalidInput,
    /// The database failed.
    Storage,
    /// A bug of ours.
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::CredentialsRejected => "credentials_rejected",
            ErrorKind::IpNotWhitelisted => "ip_not_whitelisted",
            ErrorKind::TwoFactorRequired => "two_factor_required",
            ErrorKind::ReloginRequired => "relogin_required",
            ErrorKind::MarketplaceDown => "marketplace_down",
            ErrorKind::FormatChanged => "format_changed",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Rejected => "rejected",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Storage => "storage",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure while collecting one seller's data from one marketplace.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CollectError {
    #[error(
        "{market} rejected the seller's API credentials ({detail}); ask the seller to check or reissue the API key"
    )]
    CredentialsRejected { market: Market, detail: String },

    #[error(
        "{market} refuses calls from this IP address ({detail}); register our egress IP in the seller's {market} API settings"
    )]
    IpNotWhitelisted { market: Market, detail: String },

    /// A seller-center login waits for a code sent to the seller (SMS, e-mail, app). A
    /// checkpoint, not a failure: the run ends successfully with this status, and the
    /// 2fa route (or `sellerbox 2fa`) completes the login.
    #[error("{market} seller center: {message}")]
    TwoFactorRequired { market: Market, message: String },

    /// A seller-center login that needs a person before it is tried again (captcha, wrong
    /// password, locked account, password change, a session that keeps expiring). A
    /// checkpoint: the run ends with this status, and no login is attempted until the
    /// seller's login changes or a session is imported.
    #[error("{market} seller center: {message}")]
    ReloginRequired { market: Market, message: String },

    /// A seller-center answer that says the session is logged out (a redirect to the login
    /// host, 401/403, a login page where JSON was expected). The seller-center connector
    /// logs in once and repeats the request; it never reaches a run record.
    #[error("{market} seller center: the session is logged out")]
    SessionExpired { market: Market },

    #[error("{market} is unavailable ({detail}); the next scheduled run retries")]
    MarketplaceDown { market: Market, detail: String },

    #[error(
        "{market} answered {endpoint} in a format we do not understand ({detail}); the raw page is kept as {page_ref}"
    )]
    FormatChanged {
        market: Market,
        endpoint: String,
        detail: String,
        /// Where the raw page was kept (filled in by the runner once stored).
        page_ref: String,
        /// The raw page, kept for diagnosis; never printed.
        #[source]
        raw: RawPage,
    },

    #[error(
        "{market} kept throttling after {attempts} attempts; the next run resumes where this one stopped"
    )]
    RateLimited { market: Market, attempts: u32 },

    /// The marketplace's own quota for a period (e.g. a daily call cap) is spent. Not a
    /// failure: the runner stops at a window boundary, records where, and the run ends
    /// successfully (partial); the next run resumes there.
    #[error(
        "{market} answered that its call quota is spent ({detail}); collection resumes from here on the next run"
    )]
    QuotaExhausted { market: Market, detail: String },

    #[error("{market} refused the request to {endpoint}: {detail}")]
    Rejected {
        market: Market,
        endpoint: String,
        detail: String,
    },

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("database error: {0}")]
    Storage(String),

    #[error("internal error: {0}")]
    Internal(String),
}

impl CollectError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            CollectError::CredentialsRejected { .. } => ErrorKind::CredentialsRejected,
            CollectError::IpNotWhitelisted { .. } => ErrorKind::IpNotWhitelisted,
            CollectError::TwoFactorRequired { .. } => ErrorKind::TwoFactorRequired,
            CollectError::ReloginRequired { .. } | CollectError::SessionExpired { .. } => {
                ErrorKind::ReloginRequired
            }
            CollectError::MarketplaceDown { .. } => ErrorKind::MarketplaceDown,
            CollectError::FormatChanged { .. } => ErrorKind::FormatChanged,
            CollectError::RateLimited { .. } | CollectError::QuotaExhausted { .. } => {
                ErrorKind::RateLimited
            }
            CollectError::Rejected { .. } => ErrorKind::Rejected,
            CollectError::InvalidInput(_) => ErrorKind::InvalidInput,
            CollectError::Storage(_) => ErrorKind::Storage,
            CollectError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// A page that did not parse as `T`. The detail names the JSON path and the serde
    /// category, never the offending value (it may be a buyer's name or phone number).
    pub fn format_changed(
        market: Market,
        endpoint: &str,
        err: &serde_path_to_error::Error<serde_json::Error>,
        body: &[u8],
    ) -> Self {
        let inner = err.inner();
        let what = match inner.classify() {
            serde_json::error::Category::Io => "unreadable body",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "unexpected field type or missing field",
            serde_json::error::Category::Eof => "truncated body",
        };
        CollectError::FormatChanged {
            market,
            endpoint: endpoint.to_string(),
            detail: format!(
                "{what} at `{}` (line {}, column {})",
                err.path(),
                inner.line(),
                inner.column()
            ),
            page_ref: "(not stored)".into(),
            raw: RawPage(std::sync::Arc::from(body)),
        }
    }
}

/// A raw marketplace page kept for diagnosis. Its `Debug` and `Display` never show the
/// bytes, which may hold buyers' personal data.
#[derive(Clone)]
pub struct RawPage(pub std::sync::Arc<[u8]>);

impl fmt::Debug for RawPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawPage({} bytes)", self.0.len())
    }
}

impl fmt::Display for RawPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "raw page of {} bytes", self.0.len())
    }
}

impl std::error::Error for RawPage {}

/// Parse a marketplace body into `T`, turning failure into [`CollectError::FormatChanged`].
pub fn parse_json<T: serde::de::DeserializeOwned>(
    market: Market,
    endpoint: &str,
    body: &[u8],
) -> Result<T, CollectError> {
    // The plain parse first; the path-tracking one (an allocation per key) only to explain
    // a page that failed.
    serde_json::from_slice(body).or_else(|_| {
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de)
            .map_err(|e| CollectError::format_changed(market, endpoint, &e, body))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<Row>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Row {
        qty: i64,
    }

    #[test]
    fn format_changed_names_the_path_but_never_the_value() {
        let body = br#"{"data":[{"qty":1},{"qty":"\uD64D\uAE38\uB3D9 010-1234-5678"}]}"#;
        let err = parse_json::<Page>(Market::Naver, "/v1/x", body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::FormatChanged);
        let msg = err.to_string();
        assert!(msg.contains("data[1].qty"), "{msg}");
        assert!(!msg.contains("010-1234-5678"), "{msg}");
        assert!(!msg.contains("홍길동"), "{msg}");
        assert!(!format!("{err:?}").contains("010-1234-5678"));
        match err {
            CollectError::FormatChanged { raw, .. } => assert_eq!(&*raw.0, &body[..]),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_truncated_page_is_a_format_change() {
        let err =
            parse_json::<Page>(Market::Coupang, "/v2/x", br#"{"data":[{"qty":1"#).unwrap_err();
        assert!(err.to_string().contains("truncated body"), "{err}");
    }
}
