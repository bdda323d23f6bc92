//! `sellerbox sim serve`: the simulators on loopback ports until Ctrl-C.

use crate::args::SimServeArgs;
use crate::error::CliError;
use sim::{SellerSizes, SimConfig};
use std::net::SocketAddr;
use std::process::ExitCode;

pub async fn run(args: SimServeArgs) -> Result<ExitCode, CliError> {
    let mut running = Vec::new();
    let markets = sim::MARKETS
        .iter()
        .filter(|m| args.market.is_none_or(|wanted| wanted.as_str() == m.id));
    for (i, &market) in markets.enumerate() {
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
            orders_per_day: args
                .orders_per_day
                .unwrap_or(SimConfig::default().orders_per_day),
            seller_sizes: if args.zipf {
                SellerSizes::Zipf
            } else {
                SellerSizes::Equal
            },
            quirks: args.quirks,
            ..SimConfig::default()
        };
        let sim = sim::start(market, config, addr)
            .await
            .map_err(CliError::io(format!(
                "serving the {} simulator on {addr}",
                market.id
            )))?;
        println!("{} {}", market.id, sim.base_url);
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
