//! One module per subcommand; this file wires them and holds what they share.

mod bench;
mod centers;
mod collect;
mod demo;
mod fleet_bench;
mod plan;
mod sellers;
mod serve;
mod status;

use crate::args::{Command, SessionsCommand, SimCommand};
use crate::error::CliError;
use sellerbox::collect::Target;
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::{Market, SellerAccount};
use sellerbox::store::{self, Store};
use std::process::ExitCode;
use std::sync::Arc;

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Demo(a) => demo::run(a).await,
        Command::Sim(SimCommand::Serve(a)) => serve::run(a).await,
        Command::Collect(a) => collect::run(a).await,
        Command::Bench(a) if a.processes.is_some() => fleet_bench::run(a).await,
        Command::Bench(a) => bench::run(a).await,
        Command::BenchWorker(a) => fleet_bench::worker(a).await,
        Command::Status(a) => status::run(a).await,
        Command::Sellers(c) => sellers::run(c).await,
        Command::TwoFactor(a) => centers::two_factor(a).await,
        Command::Sessions(SessionsCommand::Import(a)) => centers::import(a).await,
        Command::Plan(a) => plan::run(a).await,
    }
}

async fn open_store(url: &str) -> Result<Arc<dyn Store>, CliError> {
    Ok(store::connect(url).await?)
}

fn http(rps: Option<f64>) -> Result<Http, CliError> {
    let http = Http::new(RetryPolicy::default())?;
    http.limiter().override_rate(rps);
    Ok(http)
}

/// The simulators' market ids are the collectors' market ids.
fn market_of(m: &sim::SimSpec) -> Market {
    m.id.parse()
        .expect("every simulator is of a registered market (checked by the registry test)")
}

/// The simulator of `market`.
fn simulator(market: Market) -> Result<&'static sim::SimSpec, CliError> {
    sim::find(market.as_str()).ok_or_else(|| CliError::Input(format!("{market} has no simulator")))
}

/// The collection targets a running simulator's credentials describe.
fn targets_of(running: &sim::RunningSim) -> Vec<Target> {
    running.credentials.iter().map(target_of).collect()
}

/// The collection target one credentials-file entry of a simulator describes.
fn target_of(c: &serde_json::Value) -> Target {
    Target::from_entry(c).expect(
        "simulators write the market id of a registered market and a seller id (checked by the registry test)",
    )
}

/// Register each target as an enabled seller account, with the target's options.
async fn register(store: &dyn Store, targets: &[Target]) -> Result<(), CliError> {
    for t in targets {
        store
            .upsert_account(&SellerAccount {
                market: t.market,
                seller_id: t.seller_id.clone(),
                secret_name: format!("sellerbox/{}/{}", t.market, t.seller_id),
                enabled: true,
                options: t.options.clone(),
            })
            .await?;
    }
    Ok(())
}

/// Each target given the options its stored account has (`sellers add --option`), so
/// that registering it again keeps them and its connector sees them.
async fn with_stored_options(store: &dyn Store, targets: &mut [Target]) -> Result<(), CliError> {
    let Some(market) = targets.first().map(|t| t.market) else {
        return Ok(());
    };
    let accounts = store.accounts(Some(market)).await?;
    for t in targets.iter_mut() {
        if let Some(a) = accounts
            .iter()
            .find(|a| a.market == t.market && a.seller_id == t.seller_id)
            .filter(|a| a.options.is_object())
        {
            t.options = a.options.clone();
        }
    }
    Ok(())
}
