//! `sellerbox 2fa` and `sellerbox sessions import`: the two ways a person completes a
//! seller-center session, against the sessions the CLI keeps (encrypted files).

use crate::args::{SessionImportArgs, TwoFactorArgs};
use crate::error::CliError;
use sellerbox::centers::{self, FileSessions, LoginOutcome, Secret, Services};
use sellerbox::model::Market;
use sellerbox::secrets::CredentialsFile;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// The CLI's seller-center services: sessions in `dir`, the consoles' default pace.
pub fn services(dir: &Path) -> Result<Services, CliError> {
    Ok(Services {
        sessions: Arc::new(FileSessions::open(dir)?),
        ..Services::default()
    })
}

fn credentials(file: &Path, market: Market, seller: &str) -> Result<serde_json::Value, CliError> {
    let file_ = CredentialsFile::load(file)?;
    file_
        .find(market, seller)
        .map(|e| e.credentials.clone())
        .ok_or_else(|| {
            CliError::Input(format!(
                "seller {seller:?} of {market} is not in {}",
                file.display()
            ))
        })
}

pub async fn two_factor(args: TwoFactorArgs) -> Result<ExitCode, CliError> {
    let creds = credentials(&args.credentials, args.market, &args.seller)?;
    let outcome = centers::submit_code(
        &services(&args.sessions)?,
        args.market,
        &args.seller,
        &creds,
        &Secret::new(args.code.trim()),
    )
    .await?;
    println!("{}", outcome.message(args.market));
    Ok(if outcome == LoginOutcome::LoggedIn {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub async fn import(args: SessionImportArgs) -> Result<ExitCode, CliError> {
    let creds = credentials(&args.credentials, args.market, &args.seller)?;
    let bytes = std::fs::read(&args.file)
        .map_err(CliError::io(format!("reading {}", args.file.display())))?;
    let store = centers::import_session(
        &services(&args.sessions)?,
        args.market,
        &args.seller,
        &creds,
        &bytes,
    )
    .await?;
    println!(
        "{} seller {}: session imported (logged into store {store}); collection runs without a login until it expires",
        args.market, args.seller
    );
    Ok(ExitCode::SUCCESS)
}
