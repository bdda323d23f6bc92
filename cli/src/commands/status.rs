//! `sellerbox status`: how fresh one seller's data is, per market and kind.

use super::open_store;
use crate::args::StatusArgs;
use crate::error::CliError;
use chrono::Utc;
use sellerbox::model::kst;
use std::process::ExitCode;

pub async fn run(args: StatusArgs) -> Result<ExitCode, CliError> {
    let store = open_store(&args.db).await?;
    let rows = store.status(&args.seller).await?;
    if rows.is_empty() {
        return Err(CliError::Input(format!(
            "no collection recorded for seller {:?} in {}",
            args.seller,
            sellerbox::store::redact_url(&args.db)
        )));
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&rows).expect("status serializes")
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<8} {:<12} {:<20} {:>10} {:>8} {:>8} {:<9} last error",
        "market", "kind", "last success (KST)", "freshness", "rows", "rejected", "outcome"
    );
    let now = Utc::now();
    for r in rows {
        let success = r
            .last_success
            .map(|t| t.with_timezone(&kst()).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "never".into());
        let freshness = r
            .watermark
            .map(|w| humanize(now - w))
            .unwrap_or_else(|| "-".into());
        let error = match (r.last_error_kind, &r.last_error_message) {
            (Some(k), Some(m)) => format!("{k}: {m}"),
            (Some(k), None) => k.to_string(),
            _ => "-".into(),
        };
        println!(
            "{:<8} {:<12} {:<20} {:>10} {:>8} {:>8} {:<9} {}",
            r.market.as_str(),
            r.kind.as_str(),
            success,
            freshness,
            r.rows,
            r.rejected,
            r.last_run_outcome.map(|o| o.as_str()).unwrap_or("-"),
            error
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn humanize(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(0);
    match m {
        0 => "now".into(),
        1..=119 => format!("{m} min"),
        120..=2879 => format!("{} h", m / 60),
        _ => format!("{} d", m / 1440),
    }
}
