//! `sellerbox demo`: every simulator in-process, demo sellers, full cycles into SQLite.

use super::{http, open_store, register, targets_of};
use crate::args::DemoArgs;
use crate::error::CliError;
use crate::progress;
use crate::report::{self, MarketReport};
use sellerbox::ErrorKind;
use sellerbox::centers::{self, LoginOutcome, Secret};
use sellerbox::collect::{Collector, Range, RunSummary, Target};
use sellerbox::model::Kind;
use sim::{SimClock, SimConfig};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

const DEMO_DB: &str = "sellerbox-demo.sqlite";

pub async fn run(args: DemoArgs) -> Result<ExitCode, CliError> {
    let db = match args.db {
        Some(url) => url,
        None => {
            // The default demo database starts fresh so the report shows this demo only.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{DEMO_DB}{suffix}"));
            }
            format!("sqlite:{DEMO_DB}?mode=rwc")
        }
    };
    let store = open_store(&db).await?;
    let clock = SimClock::frozen_now();
    let mut sims = Vec::new();
    for spec in sellerbox::markets::compiled() {
        let market = super::simulator(spec.market)?;
        let config = SimConfig {
            sellers: args.sellers,
            clock: clock.clone(),
            rps: args.rps,
            ..SimConfig::default()
        };
        let running = sim::start(market, config, "127.0.0.1:0".parse().expect("loopback"))
            .await
            .map_err(CliError::io(format!(
                "starting the {} simulator",
                market.id
            )))?;
        sims.push(running);
    }
    let targets: Vec<_> = sims.iter().flat_map(targets_of).collect();
    register(store.as_ref(), &targets).await?;

    let sim_clock = clock.clone();
    // Seller-center sessions live for the demo (in memory); the consoles' pace is one
    // request a second per session, or `--rps`.
    let collector = Collector::new(
        http(args.rps)?,
        store.clone(),
        Arc::new(move || sim_clock.now()),
    );
    let started = Instant::now();
    let mut runs = Vec::new();
    for cycle in 0..args.cycles.max(1) {
        if cycle > 0 {
            clock.advance(chrono::Duration::minutes(10));
        }
        let bar = progress::bar(
            targets.len() * Kind::ALL.len(),
            &format!("cycle {}", cycle + 1),
        );
        let done = |_: &sellerbox::collect::RunSummary| bar.inc(1);
        let cycle_runs = collector
            .run_all(&targets, &Kind::ALL, Range::Auto, None, 256, &done)
            .await;
        bar.finish_and_clear();
        // Sellers whose seller-center login sent a code: the demo is the seller reading
        // it from the phone and C/S submitting it through the 2fa path; then their
        // reviews are collected without a person.
        let completed = complete_codes(&collector, &sims, &targets, &cycle_runs).await?;
        runs.extend(cycle_runs.into_iter().filter(|r| {
            !completed.iter().any(|t| {
                t.market == r.market && t.seller_id == r.seller_id && r.kind == Kind::Reviews
            })
        }));
        if !completed.is_empty() {
            runs.extend(
                collector
                    .run_all(
                        &completed,
                        &[Kind::Reviews],
                        Range::Auto,
                        None,
                        256,
                        &|_| {},
                    )
                    .await,
            );
        }
    }
    let wall_s = started.elapsed().as_secs_f64();

    let mut reports = Vec::new();
    for running in &sims {
        let market = super::market_of(running.market);
        let totals = store.totals(Some(market)).await?;
        reports.push(MarketReport::new(
            market,
            running.credentials.len(),
            &runs,
            totals,
        ));
    }
    if args.json {
        let out = serde_json::json!({ "markets": reports, "wall_s": wall_s });
        println!("{out}");
    } else {
        report::print_table(&reports, &runs);
        println!(
            "\n{} cycle(s) in {wall_s:.2} s; database: {db}",
            args.cycles.max(1)
        );
    }
    report::print_failures(&runs);
    let failed = reports.iter().any(|r| r.errors > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// For every run that ended in "code needed", the code the simulated seller's phone
/// received, submitted through `centers::submit_code` (what `sellerbox 2fa` and the 2fa
/// route do): the targets now logged in.
async fn complete_codes(
    collector: &Collector,
    sims: &[sim::RunningSim],
    targets: &[Target],
    runs: &[RunSummary],
) -> Result<Vec<Target>, CliError> {
    let mut done = Vec::new();
    for r in runs
        .iter()
        .filter(|r| r.error_kind == Some(ErrorKind::TwoFactorRequired))
    {
        let Some(center) = sims
            .iter()
            .find(|s| super::market_of(s.market) == r.market)
            .and_then(|s| s.center.as_deref())
        else {
            continue;
        };
        let (Some(code), Some(target)) = (
            center.last_code(&r.seller_id),
            targets
                .iter()
                .find(|t| t.market == r.market && t.seller_id == r.seller_id),
        ) else {
            continue;
        };
        let outcome = centers::submit_code(
            &collector.centers,
            r.market,
            &r.seller_id,
            &target.credentials.value(),
            &Secret::new(code),
        )
        .await?;
        if outcome == LoginOutcome::LoggedIn {
            done.push(target.clone());
        }
    }
    Ok(done)
}
