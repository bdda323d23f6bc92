//! Lotte ON's documented quota (shared/markets/lotteon.md §5) and the scope we hold it to.
//!
//! The documents conflict on the rate: the GetStarted guide and the usage page say
//! "분당 10,000회" (10,000 calls per minute), the FAQ "10초당 10,000회" (per 10 seconds). We
//! take the per-minute figure, the lower of the two: running at it can never be throttled
//! under either reading.
//!
//! They say nothing of the scope. Every key is bound to the caller IPs the seller registers
//! (the whitelist is mandatory; an unregistered IP gets HTTP 403), and every seller's calls
//! leave the fleet from its one Elastic IP, so, as for SSG, we assume the strictest scope
//! that fits: the fleet's egress IP, every seller's key together. Held to it, we are never
//! throttled whether Lotte ON counts per key or per source IP; a fleet-wide 10,000 a minute
//! still carries ~100,000 calls per 10-minute cycle, far more than the fleet's sellers need
//! (`sellerbox plan`). Should the gateway really count per key, a big fleet merely
//! collects more slowly than it could; the AIMD limiter never goes above the documented
//! rate. HTTP 429 (접속량 초과) is the throttle answer. The daily call cap (returnCode 1004,
//! 일 호출 회수 제한) is a quota, not a rate: see `CollectError::QuotaExhausted`.

use crate::http::LimitKey;
use crate::http::Reach;
use crate::markets::Limit;
use crate::model::Kind;
use crate::model::Market;

/// Requests per second from the fleet's egress IP, every seller and endpoint together:
/// 10,000 per minute.
pub const RATE_PER_EGRESS_IP: f64 = 10_000.0 / 60.0;

/// The scope: the one egress IP of the deployment (the NAT's Elastic IP).
pub const SCOPE: &str = "egress-ip";

/// The endpoint group: the documents name one budget for the whole API.
pub const GROUP: &str = "all";

/// The one limit key of every Lotte ON call.
pub fn key() -> LimitKey {
    LimitKey::fleet(Market::LotteOn, SCOPE, GROUP)
}

/// The limits table `sellerbox plan` reads: one bucket for the fleet's egress IP.
pub const LIMITS: &[Limit] = &[Limit {
    group: GROUP,
    reach: Reach::Fleet,
    per: "egress IP",
    rate: RATE_PER_EGRESS_IP,
    uses: &[(Kind::Orders, 1.0), (Kind::Settlements, 1.0)],
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_the_per_minute_reading() {
        assert_eq!((RATE_PER_EGRESS_IP * 60.0).round() as i64, 10_000);
    }

    #[test]
    fn every_seller_shares_the_egress_ip_bucket() {
        assert_eq!(key(), LimitKey::fleet(Market::LotteOn, SCOPE, GROUP));
        assert_eq!(LIMITS[0].reach, Reach::Fleet);
    }
}
