//! `sellerbox demo`: every simulator in-process, demo sellers, full cycles into SQLite.

use super::{http, open_store, register, targets_of};
use crate::args::DemoArgs;
use crate::error::CliError;
use crate::progress;
use crate::report::{self, MarketReport};
use sellerbox::collect::{Collector, Range};
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
        runs.extend(
            collector
                .run_all(&targets, &Kind::ALL, Range::Auto, None, 256, &done)
                .await,
        );
        bar.finish_and_clear();
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
