//! ESM 2.0's quotas (shared/markets/esm.md §4), one table with the source of each number.
//!
//! ESM documents no rate limit. Integrators measured about one order inquiry per 5 s per
//! seller account, `RequestOrders` and `PreRequestOrders` together, answered with body
//! `ResultCode 3000` when exceeded; limits are per seller account, so sellers run in
//! parallel. Every key below is scoped by the seller on its site (`G:<id>` / `A:<id>`).

use crate::http::LimitKey;
use crate::http::Reach;
use crate::markets::Limit;
use crate::model::Kind;
use crate::model::Market;

/// `RequestOrders` + `PreRequestOrders`: one budget per seller.
pub const ORDERS: &str = "orders";
/// `claim/v1/sa/{Cancels,Returns,Exchanges}`.
pub const CLAIMS: &str = "claims";
/// `account/v1/settle/getsettleorder`.
pub const SETTLE: &str = "settle";
/// The CS APIs: bulletin-board inquiries and emergency notices.
pub const CS: &str = "cs";

/// The measured pace of order inquiries: one call per this many seconds per seller
/// [3RD-PARTY, esm.md §4]. ESM measures it between arrivals, so the orders key counts its
/// interval from the previous answer ([`Spacing::FromAnswer`](crate::http::Spacing)): two
/// requests sent exactly 5 s apart could arrive closer, one sent 5 s after the previous
/// answer cannot.
pub const ORDER_INTERVAL_S: f64 = 5.0;

/// Requests per second per seller, by group, with where each number comes from.
pub const TABLE: &[(&str, f64, &str)] = &[
    (
        ORDERS,
        1.0 / ORDER_INTERVAL_S,
        "3RD-PARTY measurement: ~1 call / 5 s per seller, RequestOrders and PreRequestOrders shared; ResultCode 3000 beyond",
    ),
    (
        CLAIMS,
        1.0,
        "not documented nor measured; 1/s per seller assumed (the goods search was measured at 30/min)",
    ),
    (
        SETTLE,
        1.0,
        "not documented nor measured; 1/s per seller assumed",
    ),
    (
        CS,
        1.0,
        "not documented nor measured; 1/s per seller assumed",
    ),
];

/// The rate of `group`, requests per second.
pub fn rate(group: &str) -> f64 {
    TABLE
        .iter()
        .find(|(g, _, _)| *g == group)
        .map_or(1.0, |(_, r, _)| *r)
}

/// The limit key of one seller (`scope` = `G:<id>` or `A:<id>`, as the JWT's `ssi`).
pub fn key(market: Market, scope: &str, group: &'static str) -> LimitKey {
    let key = LimitKey::new(market, scope, group);
    if group == ORDERS {
        key.spaced_from_answers()
    } else {
        key
    }
}

/// The limits table `sellerbox plan` reads, every key per seller. An order run sends
/// `RequestOrders` per status and `PreRequestOrders` (about 0.6 of its calls) and the three
/// claim lists (about 0.4).
pub const LIMITS: &[Limit] = &[
    Limit {
        group: ORDERS,
        reach: Reach::Seller,
        per: "seller",
        rate: 1.0 / ORDER_INTERVAL_S,
        uses: &[(Kind::Orders, 0.6)],
    },
    Limit {
        group: CLAIMS,
        reach: Reach::Seller,
        per: "seller",
        rate: 1.0,
        uses: &[(Kind::Orders, 0.4)],
    },
    Limit {
        group: SETTLE,
        reach: Reach::Seller,
        per: "seller",
        rate: 1.0,
        uses: &[(Kind::Settlements, 1.0)],
    },
    Limit {
        group: CS,
        reach: Reach::Seller,
        per: "seller",
        rate: 1.0,
        uses: &[(Kind::Inquiries, 1.0)],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_calls_keep_under_the_measured_pace_and_every_group_has_a_source() {
        assert_eq!(rate(ORDERS), 1.0 / ORDER_INTERVAL_S);
        let orders = key(Market::Gmarket, "G:s", ORDERS);
        assert_eq!(orders.spacing, crate::http::Spacing::FromAnswer);
        assert_eq!(
            key(Market::Gmarket, "G:s", CLAIMS).spacing,
            crate::http::Spacing::FromSend
        );
        for (g, r, source) in TABLE {
            assert!(*r > 0.0 && !source.is_empty(), "{g}");
            assert_eq!(rate(g), *r);
        }
    }
}
