//! `sellerbox sim serve`: the simulators on loopback ports until Ctrl-C.

use crate::args::SimServeArgs;
use crate::error::CliError;
use sim::{SimConfig, SimMarket};
use std::net::SocketAddr;
use std::process::ExitCode;

pub async fn run(args: SimServeArgs) -> Result<ExitCode, CliError> {
    let mut running = Vec::new();
    for (i, market) in SimMarket::ALL.into_iter().enumerate() {
        // Each market on its own port, at its root, as on its own host in reality.
        let port = if args.addr.port() == 0 {
            0
        } else {
            args.addr.port() + i as u16
        };
        let addr = SocketAddr::new(args.addr.ip(), port);
        let config = SimConfig {
            sellers: args.sellers,
            seed: args.seed,
            rps: args.rps,
            quirks: args.quirks,
            ..SimConfig::default()
        };
        let sim = sim::start(market, config, addr)
            .await
            .map_err(CliError::io(format!(
                "serving the {} simulator on {addr}",
                market.as_str()
            )))?;
        println!("{} {}", market.as_str(), sim.base_url);
        running.push(sim);
    }
    if let Some(path) = &args.write_credentials {
        let all: Vec<_> = running.iter().flat_map(|s| s.credentials.clone()).collect();
        let text = serde_json::to_string_pretty(&all).expect("credentials serialize");
        std::fs::write(path, text).map_err(CliError::io(format!(
            "writing credentials to {}",
            path.display()
        )))?;
        println!("credentials written to {}", path.display());
    }
    println!("serving until Ctrl-C; POST /_sim/advance?minutes=N moves simulated time");
    if args.quirks {
        println!(
            "quirks mode: answers vary their encoding (POST /_sim/quirks {{\"on\":false}} stops it)"
        );
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(CliError::io("waiting for Ctrl-C"))?;
    Ok(ExitCode::SUCCESS)
}
