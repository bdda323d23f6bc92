//! Tables for people, JSON for scripts.

use sellerbox::collect::RunSummary;
use sellerbox::model::{Kind, Market};
use sellerbox::store::{Outcome, Totals};
use serde::Serialize;

/// Per market: what a demo cycle collected (the `--json` shape of `sellerbox demo`).
#[derive(Debug, Clone, Serialize)]
pub struct MarketReport {
    pub market: Market,
    pub sellers: usize,
    pub requests: u64,
    pub throttled: u64,
    pub orders: u64,
    pub order_items: u64,
    pub status_changes: u64,
    pub claims: u64,
    pub settlements: u64,
    pub reviews: u64,
    pub inquiries: u64,
    /// Records that could not be read and wait, kept raw, for a reader.
    pub rejected: u64,
    pub errors: u64,
}

impl MarketReport {
    pub fn new(market: Market, sellers: usize, runs: &[RunSummary], totals: Totals) -> Self {
        let mine = runs.iter().filter(|r| r.market == market);
        let (mut requests, mut throttled, mut errors) = (0, 0, 0);
        for r in mine {
            requests += r.requests;
            throttled += r.throttled;
            errors += u64::from(r.outcome == Outcome::Failed);
        }
        MarketReport {
            market,
            sellers,
            requests,
            throttled,
            orders: totals.orders,
            order_items: totals.order_items,
            status_changes: totals.status_changes,
            claims: totals.claims,
            settlements: totals.settlements,
            reviews: totals.reviews,
            inquiries: totals.inquiries,
            rejected: totals.rejected,
            errors,
        }
    }
}

/// One row per market and kind, with the counts that kind produces.
pub fn print_table(reports: &[MarketReport], runs: &[RunSummary]) {
    println!(
        "{:<8} {:<12} {:>7} {:>8} {:>9} {:>7} {:>7} {:>8} {:>6} {:>11} {:>7} {:>9} {:>8} {:>6} {:>8}",
        "market",
        "kind",
        "sellers",
        "requests",
        "throttled",
        "orders",
        "items",
        "changes",
        "claims",
        "settlements",
        "reviews",
        "inquiries",
        "rejected",
        "errors",
        "seconds"
    );
    for r in reports {
        for kind in Kind::ALL {
            let runs: Vec<_> = runs
                .iter()
                .filter(|x| x.market == r.market && x.kind == kind)
                .collect();
            if runs.is_empty() {
                continue;
            }
            let sum = |f: fn(&RunSummary) -> u64| runs.iter().map(|x| f(x)).sum::<u64>();
            let seconds = runs.iter().map(|x| x.seconds).fold(0.0, f64::max);
            let errors = runs.iter().filter(|x| x.outcome == Outcome::Failed).count();
            let dash = |k: Kind, v: u64| if k == kind { v.to_string() } else { "-".into() };
            println!(
                "{:<8} {:<12} {:>7} {:>8} {:>9} {:>7} {:>7} {:>8} {:>6} {:>11} {:>7} {:>9} {:>8} {:>6} {:>8.2}",
                r.market.as_str(),
                kind.as_str(),
                r.sellers,
                sum(|x| x.requests),
                sum(|x| x.throttled),
                dash(Kind::Orders, r.orders),
                dash(Kind::Orders, r.order_items),
                dash(Kind::Orders, r.status_changes),
                dash(Kind::Orders, r.claims),
                dash(Kind::Settlements, r.settlements),
                dash(Kind::Reviews, r.reviews),
                dash(Kind::Inquiries, r.inquiries),
                sum(|x| x.rejected),
                errors,
                seconds
            );
        }
    }
}

/// One line per failed run, grouped when several kinds of one seller fail alike.
pub fn print_failures(runs: &[RunSummary]) {
    let mut seen: Vec<(Market, &str, &str, Vec<&'static str>)> = Vec::new();
    for r in runs.iter().filter(|r| r.outcome == Outcome::Failed) {
        let msg = r.error.as_deref().unwrap_or("failed");
        match seen
            .iter_mut()
            .find(|(m, s, e, _)| *m == r.market && *s == r.seller_id && *e == msg)
        {
            Some(entry) => entry.3.push(r.kind.as_str()),
            None => seen.push((r.market, &r.seller_id, msg, vec![r.kind.as_str()])),
        }
    }
    for (market, seller, msg, kinds) in seen {
        eprintln!(
            "error: {market} seller {seller} ({}): {msg}",
            kinds.join(", ")
        );
    }
}
