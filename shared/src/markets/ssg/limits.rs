//! SSG's limits (shared/markets/ssg.md §9). SSG publishes no limit for reads: the only
//! published figure is 50,000 calls per hour for product updates (from 2025-07-09, about
//! 13.9 per second per key). Every key is bound to the caller IPs the seller registers
//! (mandatory per key from 2026-06-30), so the scope we assume is the strictest one that
//! fits: the fleet's one egress IP, shared by every seller's key. 10 requests per second
//! for all sellers together stays under the one published rate even if SSG counted every
//! seller against a single key, and twice the 5 per second a public client uses per
//! company. The AIMD limiter lowers it on the first throttle answer (HTTP 429 or a
//! `resultCode` 429 body) and climbs back slowly.

use crate::http::LimitKey;
use crate::http::Reach;
use crate::markets::Limit;
use crate::model::Kind;
use crate::model::Market;

/// Requests per second from the fleet's egress IP, all sellers and endpoints together.
pub const RATE_PER_EGRESS_IP: f64 = 10.0;

/// The scope: the one egress IP of the deployment (the NAT's Elastic IP).
pub const SCOPE: &str = "egress-ip";

/// The endpoint group: one budget for every read endpoint.
pub const GROUP: &str = "reads";

pub fn key() -> LimitKey {
    LimitKey::fleet(Market::Ssg, SCOPE, GROUP)
}

/// The limits table `sellerbox plan` reads: one bucket for the fleet's egress IP.
pub const LIMITS: &[Limit] = &[Limit {
    group: GROUP,
    reach: Reach::Fleet,
    per: "egress IP",
    rate: RATE_PER_EGRESS_IP,
    uses: &[
        (Kind::Orders, 1.0),
        (Kind::Settlements, 1.0),
        (Kind::Inquiries, 1.0),
    ],
}];
