//! `sellerbox sellers`: the accounts scheduled collection works through.

use super::open_store;
use crate::args::{SellerAddArgs, SellerListArgs, SellerRefArgs, SellersCommand};
use crate::error::CliError;
use sellerbox::model::SellerAccount;
use sellerbox::secrets::secret_name;
use std::process::ExitCode;

pub async fn run(command: SellersCommand) -> Result<ExitCode, CliError> {
    match command {
        SellersCommand::Add(a) => add(a).await,
        SellersCommand::List(a) => list(a).await,
        SellersCommand::Disable(a) => disable(a).await,
    }
}

async fn add(a: SellerAddArgs) -> Result<ExitCode, CliError> {
    if a.seller.trim().is_empty() {
        return Err(CliError::Input("--seller is empty".into()));
    }
    let options = parse_options(&a.options)?;
    let store = open_store(&a.db).await?;
    let account = SellerAccount {
        market: a.market,
        secret_name: a.secret.unwrap_or_else(|| secret_name(a.market, &a.seller)),
        seller_id: a.seller,
        enabled: !a.disabled,
        options,
    };
    store.upsert_account(&account).await?;
    println!(
        "{} seller {} {} (credentials: {}; options: {})",
        account.market,
        account.seller_id,
        if account.enabled {
            "enabled"
        } else {
            "registered, disabled"
        },
        account.secret_name,
        account.options
    );
    Ok(ExitCode::SUCCESS)
}

/// `NAME=VALUE` pairs as the account's options object; `true`/`false` become JSON
/// booleans, anything else a string. Refused before the database is opened.
fn parse_options(pairs: &[String]) -> Result<serde_json::Value, CliError> {
    let mut options = serde_json::Map::new();
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(CliError::Input(format!(
                "--option {pair:?}: expected NAME=VALUE"
            )));
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(CliError::Input(format!(
                "--option {pair:?}: the name must be letters, digits and _"
            )));
        }
        let value = match value.trim() {
            "true" => serde_json::Value::Bool(true),
            "false" => serde_json::Value::Bool(false),
            other => serde_json::Value::String(other.to_string()),
        };
        if options.insert(name.to_string(), value).is_some() {
            return Err(CliError::Input(format!("--option {name} is given twice")));
        }
    }
    Ok(serde_json::Value::Object(options))
}

async fn list(a: SellerListArgs) -> Result<ExitCode, CliError> {
    let store = open_store(&a.db).await?;
    let accounts = store.accounts(a.market).await?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string(&accounts).expect("accounts serialize")
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<8} {:<24} {:<8} secret", "market", "seller", "enabled");
    for acc in accounts {
        println!(
            "{:<8} {:<24} {:<8} {}",
            acc.market.as_str(),
            acc.seller_id,
            acc.enabled,
            acc.secret_name
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn disable(a: SellerRefArgs) -> Result<ExitCode, CliError> {
    let store = open_store(&a.db).await?;
    if !store
        .set_account_enabled(a.market, &a.seller, false)
        .await?
    {
        return Err(CliError::Input(format!(
            "no {} seller account {:?}",
            a.market, a.seller
        )));
    }
    println!("{} seller {} disabled", a.market, a.seller);
    Ok(ExitCode::SUCCESS)
}
