//! `sellerbox`: the local front door to the collection fleet.

mod args;
mod commands;
mod error;
mod progress;
mod report;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = match runtime_for(&cli.command) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

/// A collector is a few dozen sellers waiting on rate limits and sockets, with short bursts
/// of parsing in between: one thread serves that with no hand-offs between threads, which
/// costs less CPU per item than a thread per core (as a Lambda function has about one
/// core anyway). The simulators (`demo`, `sim serve`, the fleet bench's coordinator) serve
/// many clients at once and get every core.
fn runtime_for(command: &args::Command) -> std::io::Result<tokio::runtime::Runtime> {
    use args::{Command, SimCommand};
    let mut builder = match command {
        Command::Demo(_) | Command::Sim(SimCommand::Serve(_)) => {
            tokio::runtime::Builder::new_multi_thread()
        }
        Command::Bench(a) if a.processes.is_some() => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    builder.enable_all().build()
}

async fn run(cli: args::Cli) -> ExitCode {
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
