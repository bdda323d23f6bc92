//! `sellerbox collect`: the same code path the Lambda handler uses, fed from a
//! credentials file.

use super::{http, open_store, register, with_stored_options};
use crate::args::CollectArgs;
use crate::error::CliError;
use crate::progress;
use crate::report;
use sellerbox::collect::{Collector, Range, RunSummary, Target, check_credentials};
use sellerbox::markets;
use sellerbox::secrets::CredentialsFile;
use sellerbox::store::Outcome;
use serde::Serialize;
use std::process::ExitCode;
use std::sync::Arc;

/// One run in `--json` output.
#[derive(Serialize)]
struct RunLine<'a> {
    market: &'a str,
    seller_id: &'a str,
    kind: &'a str,
    requests: u64,
    throttled: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    history: u64,
    rejected: u64,
    outcome: &'a str,
    error_kind: Option<&'a str>,
}

pub async fn run(args: CollectArgs) -> Result<ExitCode, CliError> {
    let spec = markets::require(args.market)?;
    let center = sellerbox::centers::center(args.market);
    let kinds = if args.kinds.is_empty() {
        // Seller-center kinds run for the sellers with a center login only.
        let center_kinds = center.into_iter().flat_map(|c| c.plans.iter());
        spec.plans
            .iter()
            .chain(center_kinds)
            .map(|p| p.kind)
            .collect()
    } else {
        for k in &args.kinds {
            if spec.plan(*k).is_none() && center.and_then(|c| c.plan(*k)).is_none() {
                let why = spec
                    .not_by_api
                    .iter()
                    .find(|(nk, _)| nk == k)
                    .map_or("not collected", |(_, w)| *w);
                return Err(CliError::Input(format!(
                    "{} does not offer {k} through its API ({why})",
                    args.market
                )));
            }
        }
        args.kinds.clone()
    };
    // Everything is checked before anything is written: the range against what the
    // market serves each kind, then every credentials entry, then the database URL.
    let range = match (&args.since, args.from, args.to) {
        (Some(s), _, _) if s.duration.is_some_and(|d| d <= chrono::Duration::zero()) => {
            return Err(CliError::Input("--since must be positive".into()));
        }
        (Some(s), _, _) => {
            // Longer than a clock can hold is longer than any market serves: the check
            // below refuses it naming the limit.
            let range = Range::Since(s.duration.unwrap_or(chrono::Duration::MAX));
            range
                .check(args.market, &kinds, chrono::Utc::now())
                .map_err(|e| CliError::Input(format!("--since {}: {e}", s.text)))?;
            range
        }
        (None, Some(a), Some(b)) if a >= b => {
            return Err(CliError::Input(format!(
                "--from {a} is not before --to {b}"
            )));
        }
        (None, Some(a), Some(b)) => {
            let range = Range::Between(a, b);
            range
                .check(args.market, &kinds, chrono::Utc::now())
                .map_err(|e| CliError::Input(format!("--from {}: {e}", a.to_rfc3339())))?;
            range
        }
        _ => Range::Auto,
    };
    let file = CredentialsFile::load(&args.credentials)?;
    match &args.who.seller {
        Some(id) if file.find(args.market, id).is_none() => {
            return Err(CliError::Input(format!(
                "seller {id:?} of {} is not in {}",
                args.market,
                args.credentials.display()
            )));
        }
        None if file.for_market(args.market).next().is_none() => {
            return Err(CliError::Input(format!(
                "{} lists no {} sellers",
                args.credentials.display(),
                args.market
            )));
        }
        _ => {}
    }
    let collector_http = http(None)?;
    // Every entry of the file this build can collect, not only the ones asked for: a
    // file is right or wrong as a whole.
    let every: Vec<Target> = file
        .entries
        .iter()
        .filter(|e| markets::spec(e.market).is_some())
        .map(|e| Target {
            market: e.market,
            seller_id: e.seller_id.clone(),
            credentials: (&e.credentials).into(),
            base_url: e.base_url.clone(),
            options: serde_json::json!({}),
        })
        .collect();
    check_credentials(&collector_http, &every)
        .map_err(|lines| CliError::Input(lines.join("\n")))?;
    // The run keeps only the targets it collects, which hold each seller's credentials as
    // text (`secrets::Credentials`). The file holds them as JSON objects, ~1.7 KB a
    // seller: 1.7 MB of a 1,000-seller run's peak memory if held to its end
    // (`scripts/collect-cost`).
    drop(file);
    let asked = |t: &Target| {
        t.market == args.market && (args.who.seller.as_ref()).is_none_or(|id| *id == t.seller_id)
    };
    let mut targets: Vec<Target> = every.into_iter().filter(asked).collect();
    // Open the database before any request: an unreachable database fails up front.
    let store = open_store(&args.db).await?;
    sellerbox::lambda::share_fleet_limits(&collector_http, &args.db).await?;
    with_stored_options(store.as_ref(), &mut targets).await?;
    register(store.as_ref(), &targets).await?;

    let mut collector = Collector::new(collector_http, store, Arc::new(chrono::Utc::now));
    // The session folder (and its key) only for runs that log in to a seller center: an
    // API-only collect leaves nothing behind in the working directory.
    if (targets.iter()).any(|t| kinds.iter().any(|k| t.logs_in_for(*k))) {
        collector = collector.with_centers(super::centers::services(&args.sessions)?);
    }
    let bar = progress::bar(targets.len() * kinds.len(), args.market.as_str());
    let done = |_: &RunSummary| bar.inc(1);
    let runs = collector
        .run_all(&targets, &kinds, range, None, 64, &done)
        .await;
    bar.finish_and_clear();

    if args.json {
        let lines: Vec<RunLine> = runs.iter().map(line).collect();
        println!("{}", serde_json::json!({ "runs": lines }));
    } else {
        println!(
            "{:<8} {:<16} {:<12} {:>8} {:>9} {:>8} {:>8} {:>9} {:>7} {:>8} {:<9}",
            "market",
            "seller",
            "kind",
            "requests",
            "throttled",
            "inserted",
            "updated",
            "unchanged",
            "history",
            "rejected",
            "outcome"
        );
        for r in &runs {
            println!(
                "{:<8} {:<16} {:<12} {:>8} {:>9} {:>8} {:>8} {:>9} {:>7} {:>8} {:<9}",
                r.market.as_str(),
                r.seller_id,
                r.kind.as_str(),
                r.requests,
                r.throttled,
                r.inserted,
                r.updated,
                r.unchanged,
                r.history,
                r.rejected,
                r.outcome.as_str()
            );
        }
    }
    report::print_failures(&runs);
    let failed = runs.iter().any(|r| r.outcome == Outcome::Failed);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn line(r: &RunSummary) -> RunLine<'_> {
    RunLine {
        market: r.market.as_str(),
        seller_id: &r.seller_id,
        kind: r.kind.as_str(),
        requests: r.requests,
        throttled: r.throttled,
        inserted: r.inserted,
        updated: r.updated,
        unchanged: r.unchanged,
        history: r.history,
        rejected: r.rejected,
        outcome: r.outcome.as_str(),
        error_kind: r.error_kind.map(|k| k.as_str()),
    }
}
