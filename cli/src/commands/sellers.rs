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
    let store = open_store(&a.db).await?;
    let account = SellerAccount {
        market: a.market,
        secret_name: a.secret.unwrap_or_else(|| secret_name(a.market, &a.seller)),
        seller_id: a.seller,
        enabled: !a.disabled,
        options: serde_json::json!({}),
    };
    store.upsert_account(&account).await?;
    println!(
        "{} seller {} {} (credentials: {})",
        account.market,
        account.seller_id,
        if account.enabled {
            "enabled"
        } else {
            "registered, disabled"
        },
        account.secret_name
    );
    Ok(ExitCode::SUCCESS)
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
