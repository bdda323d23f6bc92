//! The seeded world: per seller, orders with a planned story (paid → preparing → shipping
//! → delivered → confirmed, or a cancel, return or exchange branch) and inquiries. What a
//! marketplace shows at simulated time `t` is the story up to `t`; each market's module
//! projects it into that market's own codes and field names.

use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::OnceLock;

/// How far back of the clock's start the world has orders (more than the 7-day window
/// plus settlement lag).
pub const HISTORY_DAYS: i64 = 21;

/// A step of an order item's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    PaymentWaiting,
    Paid,
    Preparing,
    Shipping,
    Delivered,
    Confirmed,
    CancelRequested,
    Cancelled,
    ReturnRequested,
    Returned,
    ExchangeRequested,
    Exchanged,
}

impl Stage {
    pub fn is_claim(self) -> bool {
        matches!(
            self,
            Stage::CancelRequested
                | Stage::Cancelled
                | Stage::ReturnRequested
                | Stage::Returned
                | Stage::ExchangeRequested
                | Stage::Exchanged
        )
    }
}

#[derive(Debug, Clone)]
pub struct Item {
    /// Unique per world (a market uses it as its item / product-order number).
    pub item_no: u64,
    pub product: usize,
    pub quantity: u32,
    pub unit_price: i64,
}

#[derive(Debug, Clone)]
pub struct Order {
    /// Unique per world.
    pub order_no: u64,
    pub seller: usize,
    pub ordered_at: DateTime<Utc>,
    pub buyer: u64,
    pub receiver: u64,
    pub shipping_fee: i64,
    pub items: Vec<Item>,
    /// The planned story: stages with the time each begins, ascending.
    pub story: Vec<(Stage, DateTime<Utc>)>,
}

impl Order {
    /// The stage at `t` (`None` before the order exists).
    pub fn stage_at(&self, t: DateTime<Utc>) -> Option<(Stage, DateTime<Utc>)> {
        self.story.iter().rev().find(|(_, at)| *at <= t).copied()
    }

    /// When `stage` began, if it has by `t`.
    pub fn reached(&self, stage: Stage, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.story
            .iter()
            .find(|(s, at)| *s == stage && *at <= t)
            .map(|(_, at)| *at)
    }

    pub fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.story
            .iter()
            .find(|(s, _)| *s == Stage::Paid)
            .map(|(_, at)| *at)
    }

    pub fn total(&self) -> i64 {
        self.items
            .iter()
            .map(|i| i.unit_price * i64::from(i.quantity))
            .sum::<i64>()
            + self.shipping_fee
    }
}

#[derive(Debug, Clone)]
pub struct Inquiry {
    pub inquiry_no: u64,
    pub seller: usize,
    /// Asked on the product page (Q&A) or about an order.
    pub about_order: Option<u64>,
    pub product: usize,
    pub asker: u64,
    pub question: usize,
    pub asked_at: DateTime<Utc>,
    /// When the seller answers (may be after the clock: unanswered until then).
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: usize,
}

/// Whether a market's inquiry listing shows an inquiry at simulated time `now`.
pub type InquiryRule = fn(&Inquiry, DateTime<Utc>) -> bool;

/// One seller's data, generated once and kept.
#[derive(Debug, Default)]
pub struct SellerData {
    pub orders: Vec<Order>,
    pub inquiries: Vec<Inquiry>,
}

/// How order volume is spread over sellers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SellerSizes {
    /// Every seller gets `orders_per_day`.
    #[default]
    Equal,
    /// Seller n (from 1) gets `orders_per_day / n`: a few large sellers and a long tail of
    /// small ones, as on real marketplaces.
    Zipf,
}

/// How much data the world holds.
#[derive(Debug, Clone)]
pub struct WorldSpec {
    pub sellers: usize,
    pub seed: u64,
    pub orders_per_day: u32,
    pub sizes: SellerSizes,
    pub inquiries_per_day: u32,
    /// Orders exist from `origin - HISTORY_DAYS` up to `origin + future_days` (orders
    /// appear as the clock advances past them).
    pub origin: DateTime<Utc>,
    pub future_days: i64,
}

pub struct World {
    pub spec: WorldSpec,
    sellers: Vec<OnceLock<SellerData>>,
}

impl World {
    pub fn new(spec: WorldSpec) -> Self {
        let sellers = (0..spec.sellers).map(|_| OnceLock::new()).collect();
        World { spec, sellers }
    }

    pub fn seller_count(&self) -> usize {
        self.sellers.len()
    }

    /// Generate every seller's data now (a marketplace's data exists before anyone asks).
    pub fn warm(&self) {
        for i in 0..self.seller_count() {
            self.seller(i);
        }
    }

    /// Seller `i`'s data, generated on first use.
    pub fn seller(&self, i: usize) -> &SellerData {
        self.sellers[i].get_or_init(|| generate(&self.spec, i))
    }

    /// The orders of seller `i` that a market's order listing shows for `[from, to)` at
    /// simulated time `now`: those `listed_at` (the market's own rule, see
    /// `SimSpec::order_listed_at`) files inside the range, never after `now`. Ascending
    /// order numbers.
    pub fn orders_listed(
        &self,
        i: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
        listed_at: fn(&Order, DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .seller(i)
            .orders
            .iter()
            .filter(|o| listed_at(o, now).is_some_and(|t| t >= from && t < to && t <= now))
            .map(|o| o.order_no)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The inquiries of seller `i` asked in `[from, to)` and by `now` that the market lists
    /// (`listed`: its rule where it shows only some, e.g. SSG's unanswered ones): every
    /// market lists inquiries by when they were asked. Ascending inquiry numbers.
    pub fn inquiries_asked(
        &self,
        i: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
        listed: Option<InquiryRule>,
    ) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .seller(i)
            .inquiries
            .iter()
            .filter(|q| q.asked_at >= from && q.asked_at < to && q.asked_at <= now)
            .filter(|q| listed.is_none_or(|rule| rule(q, now)))
            .map(|q| q.inquiry_no)
            .collect();
        ids.sort_unstable();
        ids
    }
}

fn generate(spec: &WorldSpec, seller: usize) -> SellerData {
    let mut rng =
        StdRng::seed_from_u64(spec.seed ^ (seller as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let start = (spec.origin - Duration::days(HISTORY_DAYS))
        .duration_trunc(Duration::days(1))
        .expect("day truncation");
    let days = HISTORY_DAYS + spec.future_days;
    let base = (seller as u64 + 1) * 100_000_000;
    let mut orders = Vec::new();
    let mut inquiries = Vec::new();
    let mut item_seq = 0u64;
    let daily = match spec.sizes {
        SellerSizes::Equal => f64::from(spec.orders_per_day),
        SellerSizes::Zipf => f64::from(spec.orders_per_day) / (seller as f64 + 1.0),
    };
    for day in 0..days {
        let day_start = start + Duration::days(day);
        // Fractional daily volumes round up on some days and down on others.
        let today = daily.floor() as u32 + u32::from(rng.random_bool(daily.fract()));
        for n in 0..today {
            let ordered_at = day_start + Duration::seconds(rng.random_range(0..86_400));
            let order_no = base + (day as u64) * 10_000 + u64::from(n);
            let items = (0..rng.random_range(1..=2))
                .map(|_| {
                    item_seq += 1;
                    let product = rng.random_range(0..crate::names::PRODUCTS.len());
                    Item {
                        item_no: base + 50_000_000 + item_seq,
                        product,
                        quantity: rng.random_range(1..=3),
                        unit_price: crate::names::PRODUCTS[product].2,
                    }
                })
                .collect();
            let story = story(&mut rng, ordered_at);
            orders.push(Order {
                order_no,
                seller,
                ordered_at,
                buyer: rng.random(),
                receiver: rng.random(),
                shipping_fee: if rng.random_bool(0.5) { 0 } else { 3_000 },
                items,
                story,
            });
        }
        for n in 0..spec.inquiries_per_day {
            let asked_at = day_start + Duration::seconds(rng.random_range(0..86_400));
            let about_order = orders
                .last()
                .filter(|_| rng.random_bool(0.4))
                .map(|o| o.order_no);
            inquiries.push(Inquiry {
                inquiry_no: base + 80_000_000 + (day as u64) * 1_000 + u64::from(n),
                seller,
                about_order,
                product: rng.random_range(0..crate::names::PRODUCTS.len()),
                asker: rng.random(),
                question: rng.random_range(0..crate::names::QUESTIONS.len()),
                asked_at,
                answered_at: rng
                    .random_bool(0.8)
                    .then(|| asked_at + Duration::minutes(rng.random_range(5..2_000))),
                answer: rng.random_range(0..crate::names::ANSWERS.len()),
            });
        }
    }
    orders.extend(in_flight(spec, seller, base));
    orders.sort_by_key(|o| (o.ordered_at, o.order_no));
    SellerData { orders, inquiries }
}

/// Orders that every market reports as dispatched in the first minutes after the clock's
/// origin, so that a collection cycle 10 minutes later always sees status changes
/// (a random world may have none in so short a slice).
fn in_flight(spec: &WorldSpec, seller: usize, base: u64) -> Vec<Order> {
    (0..3u64)
        .map(|i| {
            let origin = spec.origin;
            let ordered_at = origin - Duration::hours(20) + Duration::minutes(i as i64);
            Order {
                order_no: base + 99_000_000 + i,
                seller,
                ordered_at,
                buyer: base + i,
                receiver: base + i + 7,
                shipping_fee: 3_000,
                items: vec![Item {
                    item_no: base + 98_000_000 + i,
                    product: (i as usize) % crate::names::PRODUCTS.len(),
                    quantity: 1,
                    unit_price: crate::names::PRODUCTS[(i as usize) % crate::names::PRODUCTS.len()]
                        .2,
                }],
                story: vec![
                    (Stage::Paid, ordered_at),
                    (Stage::Preparing, origin - Duration::hours(10)),
                    (
                        Stage::Shipping,
                        origin + Duration::minutes(2 + 2 * i as i64),
                    ),
                    (Stage::Delivered, origin + Duration::days(2)),
                    (Stage::Confirmed, origin + Duration::days(9)),
                ],
            }
        })
        .collect()
}

/// An order's planned life. Most are delivered and confirmed; some are cancelled,
/// returned or exchanged; a few wait for a bank transfer first.
fn story(rng: &mut StdRng, ordered_at: DateTime<Utc>) -> Vec<(Stage, DateTime<Utc>)> {
    let mut t = ordered_at;
    let mut s = Vec::new();
    let step =
        |s: &mut Vec<_>, stage, min: i64, max: i64, rng: &mut StdRng, t: &mut DateTime<Utc>| {
            *t += Duration::minutes(rng.random_range(min..=max));
            s.push((stage, *t));
        };
    if rng.random_bool(0.05) {
        s.push((Stage::PaymentWaiting, t));
        step(&mut s, Stage::Paid, 30, 1_000, rng, &mut t);
    } else {
        s.push((Stage::Paid, t));
    }
    let branch: f64 = rng.random();
    if branch < 0.06 {
        step(&mut s, Stage::CancelRequested, 10, 600, rng, &mut t);
        step(&mut s, Stage::Cancelled, 30, 600, rng, &mut t);
        return s;
    }
    step(&mut s, Stage::Preparing, 60, 900, rng, &mut t);
    step(&mut s, Stage::Shipping, 300, 1_500, rng, &mut t);
    step(&mut s, Stage::Delivered, 900, 3_500, rng, &mut t);
    if branch < 0.13 {
        step(&mut s, Stage::ReturnRequested, 300, 3_000, rng, &mut t);
        step(&mut s, Stage::Returned, 1_500, 5_000, rng, &mut t);
    } else if branch < 0.18 {
        step(&mut s, Stage::ExchangeRequested, 300, 3_000, rng, &mut t);
        step(&mut s, Stage::Exchanged, 2_000, 6_000, rng, &mut t);
    } else {
        step(&mut s, Stage::Confirmed, 4_000, 11_000, rng, &mut t);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> WorldSpec {
        WorldSpec {
            sellers: 2,
            seed: 7,
            orders_per_day: 20,
            sizes: SellerSizes::Equal,
            inquiries_per_day: 3,
            origin: DateTime::parse_from_rfc3339("2025-03-01T00:00:00Z")
                .unwrap()
                .into(),
            future_days: 2,
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_world_and_sellers_differ() {
        let (a, b) = (World::new(spec()), World::new(spec()));
        let (oa, ob) = (&a.seller(0).orders, &b.seller(0).orders);
        assert_eq!(oa.len(), ob.len());
        assert!(
            oa.iter()
                .zip(ob)
                .all(|(x, y)| x.order_no == y.order_no && x.story == y.story)
        );
        assert_ne!(
            a.seller(0).orders[0].order_no,
            a.seller(1).orders[0].order_no
        );
    }

    #[test]
    fn zipf_sizes_give_the_first_seller_the_most_orders() {
        let w = World::new(WorldSpec {
            sizes: SellerSizes::Zipf,
            sellers: 4,
            ..spec()
        });
        let counts: Vec<usize> = (0..4).map(|i| w.seller(i).orders.len()).collect();
        assert!(counts[0] > counts[1] && counts[1] > counts[3], "{counts:?}");
        let ratio = counts[0] as f64 / counts[3] as f64;
        assert!((2.5..6.0).contains(&ratio), "{counts:?}");
    }

    #[test]
    fn every_seller_has_orders_dispatched_in_the_first_ten_minutes() {
        let w = World::new(spec());
        let t0 = w.spec.origin;
        for i in 0..w.seller_count() {
            let moving = w
                .seller(i)
                .orders
                .iter()
                .filter(|o| o.stage_at(t0).map(|s| s.0) == Some(Stage::Preparing))
                .filter(|o| {
                    o.stage_at(t0 + Duration::minutes(10)).map(|s| s.0) == Some(Stage::Shipping)
                })
                .count();
            assert!(moving >= 3, "seller {i}: {moving}");
        }
    }

    #[test]
    fn stories_move_forward_and_statuses_change_as_time_passes() {
        let w = World::new(spec());
        let t0 = w.spec.origin;
        let changed = w
            .seller(0)
            .orders
            .iter()
            .filter(|o| {
                o.stage_at(t0).map(|s| s.0) != o.stage_at(t0 + Duration::hours(6)).map(|s| s.0)
            })
            .count();
        assert!(changed > 0);
        for o in &w.seller(0).orders {
            assert!(o.story.windows(2).all(|p| p[0].1 <= p[1].1));
            assert!(o.stage_at(o.ordered_at - Duration::seconds(1)).is_none());
        }
    }
}
