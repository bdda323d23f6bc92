//! `sellerbox`: the local front door to the collection fleet.

mod args;
mod commands;
mod error;
mod progress;
mod report;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    progress::init_logging(cli.verbose);
    match commands::run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
