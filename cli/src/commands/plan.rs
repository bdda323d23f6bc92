//! `sellerbox plan`: the capacity plan per market and kind cycle (the model is
//! `sellerbox::plan`'s; this file gathers its inputs and prints it).

use super::open_store;
use crate::args::PlanArgs;
use crate::error::CliError;
use chrono::Utc;
use sellerbox::markets::{self, MarketSpec};
use sellerbox::plan::{self, Containers, Demand, MarketCapacity, Prices, Source};
use sellerbox::store::RunCost;
use std::process::ExitCode;

/// How far back the runs table is read for measured costs.
const MEASURED_DAYS: i64 = 7;

pub async fn run(a: PlanArgs) -> Result<ExitCode, CliError> {
    check(&a)?;
    let specs: Vec<&'static MarketSpec> = match a.market {
        Some(m) => vec![markets::require(m)?],
        None => markets::compiled().collect(),
    };
    let store = open_store(&a.db).await?;
    let runs = store
        .run_costs(a.market, Utc::now() - chrono::Duration::days(MEASURED_DAYS))
        .await?;
    let accounts = if a.sellers.is_none() {
        store.accounts(a.market).await?
    } else {
        Vec::new()
    };
    let containers = Containers {
        concurrency: a.concurrency,
        memory_mb: a.memory_mb,
        ..Containers::default()
    };
    let prices = Prices {
        usd_per_gb_second: a.price_gb_s,
        usd_per_million_requests: a.price_per_million_requests,
    };
    let plans: Vec<MarketCapacity> = specs
        .into_iter()
        .map(|spec| {
            let sellers = a.sellers.unwrap_or_else(|| {
                accounts
                    .iter()
                    .filter(|acc| acc.market == spec.market && acc.enabled)
                    .count() as u64
            });
            plan::plan_market(
                spec,
                sellers,
                |p| demand(spec, p, &runs, a.requests_per_seller),
                &containers,
                &prices,
            )
        })
        .collect();
    if a.json {
        let out = serde_json::json!({
            "containers": containers,
            "prices": prices,
            "markets": plans,
        });
        println!(
            "{}",
            serde_json::to_string(&out).expect("the plan serializes")
        );
    } else {
        print_table(&plans, &containers);
    }
    Ok(ExitCode::SUCCESS)
}

fn check(a: &PlanArgs) -> Result<(), CliError> {
    let bad = |what: &str| Err(CliError::Input(what.to_string()));
    if a.requests_per_seller
        .is_some_and(|r| !r.is_finite() || r < 0.0)
    {
        return bad("--requests-per-seller must be a number of requests, 0 or more");
    }
    if a.memory_mb < 128 || a.memory_mb > 10_240 {
        return bad("--memory-mb must be between 128 and 10240 (Lambda's range)");
    }
    if a.concurrency == 0 {
        return bad("--concurrency must be at least 1");
    }
    for (name, p) in [
        ("--price-gb-s", a.price_gb_s),
        ("--price-per-million-requests", a.price_per_million_requests),
    ] {
        if !p.is_finite() || p < 0.0 {
            return bad(&format!("{name} must be a price, 0 or more"));
        }
    }
    Ok(())
}

/// A kind's cost per seller and cycle: the override, else the runs table, else the floor
/// estimate.
fn demand(
    spec: &MarketSpec,
    p: &markets::KindPlan,
    runs: &[RunCost],
    requests: Option<f64>,
) -> Demand {
    match requests {
        Some(requests) => Demand {
            requests,
            run_seconds: None,
            source: Source::Override,
            runs: 0,
        },
        None => plan::demand(runs, spec, p),
    }
}

fn print_table(plans: &[MarketCapacity], c: &Containers) {
    println!(
        "Lambda: {} MiB, {} seller runs at once per container; a cycle's window is min(cycle, {} s) - {} s",
        c.memory_mb, c.concurrency, c.timeout_s, c.reserve_s
    );
    for m in plans {
        println!();
        println!(
            "{}: {} sellers, {}, {} containers at peak, ${:.2}/month",
            m.market,
            m.sellers,
            if m.fits { "fits" } else { "DOES NOT FIT" },
            m.peak_containers,
            m.usd_per_month
        );
        println!(
            "  {:<12} {:>6} {:>9} {:<9} {:<28} {:>7} {:>11} {:>7} {:>6} {:>10}",
            "kind",
            "cycle",
            "req/sell",
            "source",
            "busiest key",
            "load",
            "max/app key",
            "shards",
            "run s",
            "$/month"
        );
        for k in &m.kinds {
            let key = k
                .busiest_key
                .as_ref()
                .map(|b| format!("{} ({})", b.group, b.reach))
                .unwrap_or_else(|| "-".into());
            let load = k
                .busiest_key
                .as_ref()
                .map(|b| format!("{:.1}%", b.load * 100.0))
                .unwrap_or_else(|| "-".into());
            let max = k
                .max_sellers_per_app_key
                .map(|n| n.to_string())
                .unwrap_or_else(|| "no cap".into());
            let source = match k.requests_source {
                Source::Measured => "measured",
                Source::Override => "given",
                Source::Estimate => "estimate",
            };
            println!(
                "  {:<12} {:>6} {:>9.1} {:<9} {:<28} {:>7} {:>11} {:>7} {:>6.1} {:>10.2}",
                k.kind.as_str(),
                cycle(k.cycle_s),
                k.requests_per_seller,
                source,
                key,
                load,
                max,
                k.shards,
                k.seller_run_s,
                k.usd_per_month
            );
            if !k.fits {
                println!("    does not fit; what would fix it:");
                for f in &k.fixes {
                    println!("    - {f}");
                }
            }
        }
    }
}

fn cycle(s: f64) -> String {
    if s >= 86_400.0 {
        format!("{:.0}d", s / 86_400.0)
    } else {
        format!("{:.0}m", s / 60.0)
    }
}
