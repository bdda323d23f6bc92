//! `sellerbox`: the local front door to the collection fleet.

mod args;
mod commands;
mod error;
mod progress;
mod report;

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let shipper = match progress::init_logging(cli.verbose, cli.cloudwatch.as_deref()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return e.exit_code();
        }
    };
    let code = match commands::run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            // One line per problem (e.g. per bad credentials entry), each marked.
            for line in e.to_string().lines() {
                eprintln!("error: {line}");
            }
            e.exit_code()
        }
    };
    if let Some(shipper) = shipper {
        match shipper.close().await {
            Ok(s) if s.dropped > 0 => {
                eprintln!(
                    "warning: {} log lines were dropped on the way to CloudWatch",
                    s.dropped
                );
            }
            Ok(_) => {}
            Err(e) => eprintln!("warning: shipping logs to CloudWatch failed: {e}"),
        }
    }
    code
}
