//! Naver Commerce API rate limits (facts: shared/markets/naver.md §4).
//!
//! Naver meters a token bucket per individual API × application; the values are dynamic and
//! not published. Each API we call is its own group, scoped by the application's client_id
//! (all sellers of the fleet share those buckets). We start at [`DEFAULT_RATE`] and adopt the
//! `GNCP-GW-RateLimit-Replenish-Rate` header whenever Naver tells us a lower rate.

use crate::http::Reach;
use crate::markets::Limit;
use crate::model::Kind;

/// `POST /v1/oauth2/token`.
pub const TOKEN: &str = "oauth2-token";
/// `GET /v1/pay-order/seller/product-orders/last-changed-statuses`.
pub const CHANGED_STATUSES: &str = "last-changed-statuses";
/// `POST /v1/pay-order/seller/product-orders/query`.
pub const PRODUCT_ORDERS_QUERY: &str = "product-orders-query";
/// `GET /v1/pay-settle/settle/case`.
pub const SETTLE_CASE: &str = "settle-case";
/// `GET /v1/contents/qnas`.
pub const QNAS: &str = "qnas";
/// `GET /v1/pay-user/inquiries`.
pub const PAY_USER_INQUIRIES: &str = "pay-user-inquiries";

/// Undisclosed by Naver; a conservative start that the replenish-rate header corrects.
pub const DEFAULT_RATE: f64 = 10.0;

/// Requests per second per group (scope: client_id).
pub const TABLE: &[(&str, f64)] = &[
    (TOKEN, DEFAULT_RATE),
    (CHANGED_STATUSES, DEFAULT_RATE),
    (PRODUCT_ORDERS_QUERY, DEFAULT_RATE),
    (SETTLE_CASE, DEFAULT_RATE),
    (QNAS, DEFAULT_RATE),
    (PAY_USER_INQUIRIES, DEFAULT_RATE),
];

/// The rate of `group`, requests per second.
pub fn rate(group: &str) -> f64 {
    TABLE
        .iter()
        .find(|(g, _)| *g == group)
        .map_or(DEFAULT_RATE, |(_, r)| *r)
}

/// Naver's answer headers about the bucket (documented in §4).
pub const REPLENISH_RATE_HEADER: &str = "gncp-gw-ratelimit-replenish-rate";

/// The limits table `sellerbox plan` reads: every bucket is the application's (the fleet's).
/// An order run lists changed statuses and queries their details, about one query per
/// page of changes (half each); an inquiry run reads both Q&A lists (half each). Tokens
/// are issued once per seller per token lifetime (hours), not per cycle.
pub const LIMITS: &[Limit] = &[
    fleet(TOKEN, &[]),
    fleet(CHANGED_STATUSES, &[(Kind::Orders, 0.5)]),
    fleet(PRODUCT_ORDERS_QUERY, &[(Kind::Orders, 0.5)]),
    fleet(SETTLE_CASE, &[(Kind::Settlements, 1.0)]),
    fleet(QNAS, &[(Kind::Inquiries, 0.5)]),
    fleet(PAY_USER_INQUIRIES, &[(Kind::Inquiries, 0.5)]),
];

/// A fleet bucket at its rate in [`TABLE`] (the test below holds them equal).
const fn fleet(group: &'static str, uses: &'static [(Kind, f64)]) -> Limit {
    Limit {
        group,
        reach: Reach::Fleet,
        per: "application",
        rate: DEFAULT_RATE,
        uses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_a_positive_rate() {
        for (g, r) in TABLE {
            assert!(*r > 0.0, "{g}");
            assert_eq!(rate(g), *r);
        }
        for l in LIMITS {
            assert_eq!(l.rate, rate(l.group), "{}", l.group);
        }
    }
}
