//! 11st's quota: none published (shared/markets/11st.md §8). The only figure in public
//! sources is a third-party README's "일일 10,000건 / 분당 100건", unverified.
//!
//! 11st binds every seller's key to the server IP registered with it (§2), so the scope a
//! gateway could count is that IP: the conservative assumption is one bucket for the whole
//! fleet's egress IP, every seller and endpoint together. 20 requests per second for that
//! IP keeps a 200-seller fleet's 10-minute order cycle (18 lists per window) inside its
//! schedule, and is per seller (0.1/s on average) far below even the rumoured 100 per
//! minute per key; a day of 10-minute cycles is ~5,500 calls per key, under the rumoured
//! 10,000. The AIMD limiter backs off from there when 11st throttles (HTTP 429 or 503).

use crate::http::LimitKey;
use crate::http::Reach;
use crate::markets::Limit;
use crate::model::Kind;
use crate::model::Market;

/// Requests per second from the fleet's egress IP, every seller and endpoint together.
pub const RATE_PER_IP: f64 = 20.0;

/// The scope: the fleet's one registered egress IP.
pub const SCOPE: &str = "egress-ip";

/// The endpoint group: no endpoint is known to be counted apart.
pub const GROUP: &str = "all";

pub fn key() -> LimitKey {
    LimitKey::fleet(Market::Elevenst, SCOPE, GROUP)
}

/// The limits table `sellerbox plan` reads: one bucket for the fleet's egress IP.
pub const LIMITS: &[Limit] = &[Limit {
    group: GROUP,
    reach: Reach::Fleet,
    per: "egress IP",
    rate: RATE_PER_IP,
    uses: &[
        (Kind::Orders, 1.0),
        (Kind::Settlements, 1.0),
        (Kind::Inquiries, 1.0),
    ],
}];
