//! Coupang's documented quotas (shared/markets/coupang.md §4): the whole Open API throttles
//! vendorIds making more than 10 calls per second (HTTP 429); bursts of failing requests
//! earn a temporary Akamai 403 "Access Denied" page. One bucket per vendorId covers every
//! endpoint.

use crate::http::LimitKey;
use crate::http::Reach;
use crate::markets::Limit;
use crate::model::Kind;
use crate::model::Market;

/// Requests per second per vendorId, all endpoints together.
pub const RATE_PER_VENDOR: f64 = 10.0;

/// The endpoint group: Coupang counts every call of a vendor in one bucket.
pub const GROUP: &str = "all";

pub fn key(vendor_id: &str) -> LimitKey {
    LimitKey::new(Market::Coupang, vendor_id, GROUP)
}

/// The limits table `sellerbox plan` reads: one bucket per vendor for every call.
pub const LIMITS: &[Limit] = &[Limit {
    group: GROUP,
    reach: Reach::Seller,
    per: "vendor",
    rate: RATE_PER_VENDOR,
    uses: &[
        (Kind::Orders, 1.0),
        (Kind::Settlements, 1.0),
        (Kind::Inquiries, 1.0),
    ],
}];
