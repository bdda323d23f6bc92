//! Lotte ON's documented quota (shared/markets/lotteon.md §5), keyed by what it limits: the
//! API key, which belongs to one top-level trading partner (상위거래처) — one seller
//! account here.
//!
//! The documents conflict: the GetStarted guide and the usage page say "분당 10,000회"
//! (10,000 calls per minute), the FAQ "10초당 10,000회" (per 10 seconds). We take the
//! per-minute figure, the lower of the two: running at it can never be throttled under
//! either reading, while running at the FAQ's (six times faster) would be throttled all
//! the time if the per-minute reading is the enforced one. Should the gateway really
//! allow more, a seller merely collects more slowly than it could; the AIMD limiter never
//! goes above the documented rate. HTTP 429 (접속량 초과) is the throttle answer. The daily
//! call cap (returnCode 1004, 일 호출 회수 제한) is a quota, not a rate: see
//! `CollectError::QuotaExhausted`.

use crate::http::LimitKey;
use crate::http::Reach;
use crate::markets::Limit;
use crate::model::Kind;
use crate::model::Market;

/// Requests per second per API key, every endpoint together: 10,000 per minute.
pub const RATE_PER_KEY: f64 = 10_000.0 / 60.0;

/// The endpoint group: the documents name one budget per key for the whole API.
pub const GROUP: &str = "all";

/// The limit key of one seller account (one API key).
pub fn key(seller_id: &str) -> LimitKey {
    LimitKey::new(Market::LotteOn, seller_id, GROUP)
}

/// The limits table `sellerbox plan` reads: one bucket per API key for every call.
pub const LIMITS: &[Limit] = &[Limit {
    group: GROUP,
    reach: Reach::Seller,
    per: "API key",
    rate: RATE_PER_KEY,
    uses: &[(Kind::Orders, 1.0), (Kind::Settlements, 1.0)],
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_the_per_minute_reading() {
        assert_eq!((RATE_PER_KEY * 60.0).round() as i64, 10_000);
    }
}
