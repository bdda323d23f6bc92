//! The capacity plan (`sellerbox plan`): per market and kind cycle, from the market's
//! limits table ([`MarketSpec::limits`]), the requests one seller's run sends per cycle
//! and the number of sellers, how loaded the busiest limit key is, how many sellers still
//! fit, how many shards (containers) the cycle needs and what Lambda charges for it.
//!
//! The model, in full:
//! - A cycle's schedule starts all its shards at once, and each must end within its
//!   container's timeout, so a cycle has `window = min(cycle, timeout) - reserve` seconds
//!   (orders: 590 s; a daily settlement cycle too: one wave of containers).
//! - A key's load is the requests it must serve in a cycle over what its rate serves in
//!   the window: `sellers × requests × share / (rate × window)` for a fleet key (our
//!   application's or egress IP's bucket), `requests × share / (rate × window)` for a
//!   per-seller key. The cycle fits when every key's load is at most 1.
//! - A seller's run takes its measured mean duration, or (not measured) the time its own
//!   requests take at each key's full rate, whichever key is slowest.
//! - A shard is what one container collects in the window running `concurrency` seller
//!   runs at once: `concurrency × window / seller_seconds` sellers. The fleet keys do not
//!   go faster with more containers (the leases split them), so each container of a cycle
//!   lives for the longer of its own sellers' time and the busiest fleet key's busy time.
//! - Cost per month (30 days): GB-seconds = shards × that lifetime × memory, plus one
//!   request per shard and one for the scheduled planner invocation, per cycle.

use crate::http::Reach;
use crate::markets::{KindPlan, MarketSpec, Span};
use crate::model::{Kind, Market};
use crate::store::RunCost;
use serde::Serialize;

/// AWS Lambda x86 prices (us-east-1 and ap-northeast-2 alike, December 2026), before the
/// free tier: $0.0000166667 per GB-second and $0.20 per million requests.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prices {
    pub usd_per_gb_second: f64,
    pub usd_per_million_requests: f64,
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            usd_per_gb_second: 0.000_016_666_7,
            usd_per_million_requests: 0.20,
        }
    }
}

/// How the fleet's containers run (template.yaml and `lambda::Settings`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Containers {
    /// Seller runs in flight at once per container (`Settings::concurrency`).
    pub concurrency: u32,
    /// The collector's MemorySize (template parameter `CollectorMemorySize`; the runs
    /// table records no peak memory).
    pub memory_mb: u32,
    /// The collector's Timeout.
    pub timeout_s: f64,
    /// Kept back from the deadline to record runs (`Settings::reserve`).
    pub reserve_s: f64,
    /// One request's round trip where no run duration is measured: a seller's run sends
    /// its requests one after another, so it takes at least this per request.
    pub request_latency_s: f64,
}

impl Default for Containers {
    fn default() -> Self {
        Containers {
            concurrency: 64,
            memory_mb: 512,
            timeout_s: 600.0,
            reserve_s: 10.0,
            request_latency_s: 0.2,
        }
    }
}

/// Where a kind's requests per seller per cycle come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The mean of the runs table's scheduled (not first) complete runs.
    Measured,
    /// `--requests-per-seller`.
    Override,
    /// No runs: one request per window the kind's plan cuts per cycle and per limit key
    /// the kind uses; a floor (pages and per-status lists add to it), collect first.
    Estimate,
}

/// One kind's cost per seller and cycle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Demand {
    pub requests: f64,
    /// Mean measured duration of one seller's run, seconds.
    pub run_seconds: Option<f64>,
    pub source: Source,
    /// Runs the measurement averages (0 unless measured).
    pub runs: u64,
}

/// The cycle of each kind's schedule.
pub fn cycle_seconds(kind: Kind) -> f64 {
    match kind {
        Kind::Orders => 600.0,
        Kind::Reviews | Kind::Inquiries => 1_800.0,
        Kind::Settlements => 86_400.0,
    }
}

const MONTH_S: f64 = 30.0 * 86_400.0;

/// The mean cost of `kind`'s scheduled runs in `runs`: runs whose window is at most the
/// kind's lookback plus two cycles (a first run's backfill, or a hand-run range, would
/// inflate it). `None` when there is none.
pub fn measured(runs: &[RunCost], market: Market, plan: &KindPlan) -> Option<Demand> {
    let longest = plan.lookback.num_seconds() as f64 + 2.0 * cycle_seconds(plan.kind) + 60.0;
    let picked: Vec<&RunCost> = runs
        .iter()
        .filter(|r| r.market == market && r.kind == plan.kind)
        .filter(|r| r.window.num_seconds() as f64 <= longest)
        .collect();
    if picked.is_empty() {
        return None;
    }
    let n = picked.len() as f64;
    let seconds = picked
        .iter()
        .map(|r| r.duration.num_milliseconds() as f64 / 1000.0)
        .sum::<f64>()
        / n;
    Some(Demand {
        requests: picked.iter().map(|r| r.requests as f64).sum::<f64>() / n,
        // Runs against a simulator's frozen clock (`sellerbox demo`) last no time at all.
        run_seconds: (seconds > 0.0).then_some(seconds),
        source: Source::Measured,
        runs: picked.len() as u64,
    })
}

/// What a kind's cycle costs per seller: the measured runs' mean, else the floor estimate.
pub fn demand(runs: &[RunCost], spec: &MarketSpec, plan: &KindPlan) -> Demand {
    measured(runs, spec.market, plan).unwrap_or_else(|| estimate(spec, plan))
}

/// The floor estimate when nothing is measured (see [`Source::Estimate`]).
pub fn estimate(spec: &MarketSpec, plan: &KindPlan) -> Demand {
    let span_s = match plan.span {
        Span::Hours(h) => h as f64 * 3_600.0,
        Span::KstDays(d) => d as f64 * 86_400.0,
    };
    let reach_s = plan.lookback.num_seconds() as f64 + cycle_seconds(plan.kind);
    let windows = (reach_s / span_s).ceil().max(1.0);
    let keys = spec.limits_of(plan.kind).count().max(1) as f64;
    Demand {
        requests: windows * keys,
        run_seconds: None,
        source: Source::Estimate,
        runs: 0,
    }
}

/// The busiest limit key of a kind's cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyLoad {
    pub group: &'static str,
    /// `seller` or `fleet`.
    pub reach: &'static str,
    /// What one bucket belongs to (application, egress IP, vendor...).
    pub per: &'static str,
    pub rate_per_s: f64,
    /// Requests the key must serve in one cycle (one seller's for a per-seller key).
    pub requests_per_cycle: f64,
    /// Those requests over what the rate serves in the cycle's window.
    pub load: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCapacity {
    pub kind: Kind,
    pub cycle_s: f64,
    /// Seconds of the cycle the containers have (see the module's model).
    pub window_s: f64,
    pub requests_per_seller: f64,
    pub requests_source: Source,
    pub busiest_key: Option<KeyLoad>,
    pub fits: bool,
    /// The most sellers one application key (one set of fleet buckets) serves in the
    /// window; `None` when no fleet key limits the kind (per-seller keys only).
    pub max_sellers_per_app_key: Option<u64>,
    /// Application keys (or egress IPs) the sellers need; 1 when it fits.
    pub app_keys_needed: u64,
    pub seller_run_s: f64,
    pub sellers_per_shard: u64,
    pub shards: u64,
    /// How long each container of a cycle lives.
    pub container_s: f64,
    pub invocations_per_month: f64,
    pub gb_seconds_per_month: f64,
    pub usd_per_month: f64,
    /// What would make it fit (empty when it fits).
    pub fixes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketCapacity {
    pub market: Market,
    pub sellers: u64,
    pub fits: bool,
    /// Containers at once when every kind's schedule fires together.
    pub peak_containers: u64,
    pub usd_per_month: f64,
    pub kinds: Vec<KindCapacity>,
}

/// The plan of one market: `demand` gives each kind's cost per seller and cycle.
pub fn plan_market(
    spec: &MarketSpec,
    sellers: u64,
    demand: impl Fn(&KindPlan) -> Demand,
    containers: &Containers,
    prices: &Prices,
) -> MarketCapacity {
    let kinds: Vec<KindCapacity> = spec
        .plans
        .iter()
        .map(|p| plan_kind(spec, p.kind, sellers, demand(p), containers, prices))
        .collect();
    MarketCapacity {
        market: spec.market,
        sellers,
        fits: kinds.iter().all(|k| k.fits),
        peak_containers: kinds.iter().map(|k| k.shards).sum(),
        usd_per_month: kinds.iter().map(|k| k.usd_per_month).sum(),
        kinds,
    }
}

/// The plan of one kind's cycle (see the module's model).
pub fn plan_kind(
    spec: &MarketSpec,
    kind: Kind,
    sellers: u64,
    demand: Demand,
    c: &Containers,
    prices: &Prices,
) -> KindCapacity {
    let cycle_s = cycle_seconds(kind);
    let window_s = (cycle_s.min(c.timeout_s) - c.reserve_s).max(1.0);
    let r = demand.requests.max(0.0);
    let n = sellers as f64;

    let mut busiest: Option<KeyLoad> = None;
    let mut pace_s: f64 = 0.0; // one seller's run at its keys' full rates
    let mut fleet_busy_s: f64 = 0.0; // the busiest fleet key's time for every seller
    let mut max_sellers: Option<u64> = None;
    let mut seller_key_over: Option<(&'static str, f64)> = None;
    for (limit, share) in spec.limits_of(kind) {
        let per_seller = r * share;
        pace_s = pace_s.max(per_seller / limit.rate);
        let on_key = match limit.reach {
            Reach::Fleet => {
                fleet_busy_s = fleet_busy_s.max(n * per_seller / limit.rate);
                let fit = if per_seller > 0.0 {
                    (limit.rate * window_s / per_seller).floor() as u64
                } else {
                    u64::MAX
                };
                max_sellers = Some(max_sellers.map_or(fit, |m| m.min(fit)));
                n * per_seller
            }
            Reach::Seller => {
                if per_seller > limit.rate * window_s {
                    seller_key_over = Some((limit.group, per_seller / limit.rate));
                }
                per_seller
            }
        };
        let load = on_key / (limit.rate * window_s);
        if busiest.as_ref().is_none_or(|b| load > b.load) {
            busiest = Some(KeyLoad {
                group: limit.group,
                reach: match limit.reach {
                    Reach::Fleet => "fleet",
                    Reach::Seller => "seller",
                },
                per: limit.per,
                rate_per_s: limit.rate,
                requests_per_cycle: on_key,
                load,
            });
        }
    }
    let fits = busiest.as_ref().is_none_or(|b| b.load <= 1.0);
    let app_keys_needed = match max_sellers {
        Some(0) | None => 1,
        Some(m) => sellers.div_ceil(m).max(1),
    };

    let seller_run_s = demand
        .run_seconds
        .unwrap_or_else(|| pace_s.max(r * c.request_latency_s))
        .max(0.001);
    let sellers_per_shard =
        ((c.concurrency.max(1) as f64 * window_s / seller_run_s).floor() as u64).max(1);
    let shards = if sellers == 0 {
        0
    } else {
        sellers.div_ceil(sellers_per_shard)
    };
    let per_shard = if shards == 0 { 0.0 } else { n / shards as f64 };
    let own_s = per_shard / c.concurrency.max(1) as f64 * seller_run_s;
    let container_s = own_s.max(fleet_busy_s).min(c.timeout_s);
    let cycles = MONTH_S / cycle_s;
    let invocations_per_month = cycles * (shards as f64 + 1.0);
    let gb_seconds_per_month = cycles * shards as f64 * container_s * c.memory_mb as f64 / 1024.0;
    let usd_per_month = gb_seconds_per_month * prices.usd_per_gb_second
        + invocations_per_month / 1e6 * prices.usd_per_million_requests;

    let mut fixes = Vec::new();
    if !fits {
        if let (Some(m), Some(b)) = (max_sellers, busiest.as_ref())
            && b.reach == "fleet"
        {
            let needed_cycle_min = ((b.load * window_s + c.reserve_s) / 60.0).ceil();
            let fitting_requests = r / b.load;
            fixes.push(format!(
                "a second {per}: one serves {m} sellers, {sellers} need {app_keys_needed}",
                per = b.per
            ));
            fixes.push(format!(
                "a longer cycle for quiet sellers: all {sellers} at this pace need a cycle of {needed_cycle_min:.0} minutes"
            ));
            fixes.push(format!(
                "fewer calls per seller: at most {fitting_requests:.1} requests per seller per cycle fit (now {r:.1})"
            ));
        }
        if let Some((group, secs)) = seller_key_over {
            fixes.push(format!(
                "fewer calls per seller or a longer cycle: one seller's run takes {secs:.0} s on its own {group} key, longer than the {window_s:.0} s window"
            ));
        }
    }

    KindCapacity {
        kind,
        cycle_s,
        window_s,
        requests_per_seller: r,
        requests_source: demand.source,
        busiest_key: busiest,
        fits,
        max_sellers_per_app_key: max_sellers,
        app_keys_needed,
        seller_run_s,
        sellers_per_shard,
        shards,
        container_s,
        invocations_per_month,
        gb_seconds_per_month,
        usd_per_month,
        fixes,
    }
}

#[cfg(all(test, feature = "all-markets"))]
mod tests {
    use super::*;
    use crate::markets::spec;
    use chrono::Duration;

    fn fixed(requests: f64) -> Demand {
        Demand {
            requests,
            run_seconds: None,
            source: Source::Override,
            runs: 0,
        }
    }

    fn orders(market: Market, sellers: u64, requests: f64) -> KindCapacity {
        plan_kind(
            spec(market).unwrap(),
            Kind::Orders,
            sellers,
            fixed(requests),
            &Containers::default(),
            &Prices::default(),
        )
    }

    #[test]
    fn an_overloaded_application_key_does_not_fit_and_says_what_would() {
        // Naver: 10/s per application and API, half of an order run on each of two
        // buckets; 1,000 sellers x 20 requests is 10,000 per bucket in 590 s (5,900).
        let k = orders(Market::Naver, 1_000, 20.0);
        assert!(!k.fits);
        let b = k.busiest_key.as_ref().unwrap();
        assert_eq!(b.reach, "fleet");
        assert!((b.load - 10_000.0 / 5_900.0).abs() < 1e-9, "{}", b.load);
        assert_eq!(k.max_sellers_per_app_key, Some(590));
        assert_eq!(k.app_keys_needed, 2);
        let fixes = k.fixes.join("\n");
        assert!(
            fixes.contains("a second application: one serves 590 sellers"),
            "{fixes}"
        );
        assert!(fixes.contains("longer cycle"), "{fixes}");
        assert!(fixes.contains("fewer calls per seller"), "{fixes}");
        // The JSON says it too.
        let json = serde_json::to_value(&k).unwrap();
        assert_eq!(json["fits"], false);
        assert!(json["fixes"].as_array().unwrap().len() >= 3);
    }

    #[test]
    fn the_largest_fitting_seller_count_fits_and_one_more_does_not() {
        for (market, requests) in [
            (Market::Naver, 7.0),
            (Market::Naver, 20.0),
            (Market::Ssg, 9.0),
            (Market::Elevenst, 18.0),
        ] {
            let m = orders(market, 1, requests).max_sellers_per_app_key.unwrap();
            assert!(m > 0, "{market}");
            let at = orders(market, m, requests);
            let over = orders(market, m + 1, requests);
            assert!(at.fits && at.fixes.is_empty(), "{market}: {m} should fit");
            assert!(
                !over.fits && !over.fixes.is_empty(),
                "{market}: {} fits",
                m + 1
            );
            assert_eq!(at.max_sellers_per_app_key, Some(m));
            assert_eq!(over.app_keys_needed, 2);
        }
    }

    #[test]
    fn per_seller_limits_never_cap_the_seller_count_but_a_slow_seller_does_not_fit() {
        let k = orders(Market::Coupang, 1_000_000, 50.0);
        assert!(k.fits);
        assert_eq!(k.max_sellers_per_app_key, None);
        assert_eq!(k.busiest_key.as_ref().unwrap().reach, "seller");
        // 50 requests take 5 s at 10/s and 10 s as round trips of 0.2 s; 15 take 3 s.
        assert!((k.seller_run_s - 10.0).abs() < 1e-9, "{}", k.seller_run_s);
        assert!((orders(Market::Coupang, 1, 15.0).seller_run_s - 3.0).abs() < 1e-9);
        // ESM: one order call per 5.1 s; 200 calls (120 on the orders key) take 612 s.
        let k = orders(Market::Gmarket, 10, 200.0);
        assert!(!k.fits);
        assert!(k.fixes[0].contains("orders key"), "{:?}", k.fixes);
    }

    #[test]
    fn shards_cover_every_seller_and_cost_grows_with_them() {
        // Coupang at 60 requests per seller: 12 s per run (0.2 s round trips, slower than
        // 10/s), 64 at once in 590 s: 3,146 sellers per shard.
        let k = orders(Market::Coupang, 10_000, 60.0);
        assert_eq!(k.sellers_per_shard, 3_146);
        assert_eq!(k.shards, 4);
        assert!(k.shards * k.sellers_per_shard >= 10_000);
        let more = orders(Market::Coupang, 20_000, 60.0);
        assert!(more.shards > k.shards && more.usd_per_month > k.usd_per_month);
        // 4,320 cycles a month, 5 invocations each (4 shards and the planner).
        assert!((k.invocations_per_month - 4_320.0 * 5.0).abs() < 1e-6);
    }

    #[test]
    fn every_compiled_market_plans_every_kind_with_every_json_field() {
        for spec in crate::markets::compiled() {
            let m = plan_market(
                spec,
                1_000,
                |p| estimate(spec, p),
                &Containers::default(),
                &Prices::default(),
            );
            let json = serde_json::to_value(&m).unwrap();
            for field in [
                "market",
                "sellers",
                "fits",
                "peak_containers",
                "usd_per_month",
            ] {
                assert!(!json[field].is_null(), "{}: {field}", spec.market);
            }
            assert_eq!(m.kinds.len(), spec.plans.len());
            for k in json["kinds"].as_array().unwrap() {
                for field in [
                    "kind",
                    "cycle_s",
                    "requests_per_seller",
                    "requests_source",
                    "busiest_key",
                    "fits",
                    "max_sellers_per_app_key",
                    "app_keys_needed",
                    "shards",
                    "gb_seconds_per_month",
                    "usd_per_month",
                    "fixes",
                ] {
                    assert!(k.get(field).is_some(), "{}: {field}", spec.market);
                }
                assert!(k["busiest_key"]["load"].is_number(), "{}", spec.market);
            }
        }
    }

    #[test]
    fn every_kind_a_market_collects_is_in_its_limits_table_with_shares_adding_to_one() {
        for spec in crate::markets::compiled() {
            for p in spec.plans {
                let total: f64 = spec.limits_of(p.kind).map(|(_, s)| s).sum();
                assert!((total - 1.0).abs() < 1e-9, "{} {}", spec.market, p.kind);
            }
        }
    }

    #[test]
    fn only_scheduled_runs_are_measured() {
        let plan = *spec(Market::Naver).unwrap().plan(Kind::Orders).unwrap();
        let run = |window_min: i64, secs: i64, requests: u64| RunCost {
            market: Market::Naver,
            kind: Kind::Orders,
            window: Duration::minutes(window_min),
            duration: Duration::seconds(secs),
            requests,
        };
        // A 7-day backfill is left out; two 40-minute runs are averaged.
        let runs = [run(7 * 24 * 60, 90, 500), run(40, 2, 4), run(40, 4, 6)];
        let d = measured(&runs, Market::Naver, &plan).unwrap();
        assert_eq!((d.requests, d.run_seconds, d.runs), (5.0, Some(3.0), 2));
        assert_eq!(measured(&runs[..1], Market::Naver, &plan), None);
    }
}
