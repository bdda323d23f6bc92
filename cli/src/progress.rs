//! Progress on a terminal, silence when piped; logs as JSON lines on stderr and, with
//! `--cloudwatch GROUP`, to CloudWatch Logs as well.

use crate::error::CliError;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sellerbox::telemetry::{self, Shipper, ShipperConfig};
use std::io::IsTerminal;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Set up logging; returns the shipper to close at exit when `--cloudwatch` was given.
pub async fn init_logging(
    verbose: u8,
    cloudwatch: Option<&str>,
) -> Result<Option<Shipper>, CliError> {
    let filter = || {
        telemetry::capped(EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            EnvFilter::new(match verbose {
                0 => "warn".to_string(),
                1 => telemetry::DEFAULT_FILTER.to_string(),
                _ => telemetry::DEFAULT_FILTER.replace("info,", "debug,"),
            })
        }))
    };
    let stderr = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let Some(group) = cloudwatch else {
        tracing_subscriber::registry().with(stderr).init();
        return Ok(None);
    };
    let config = aws_config::load_from_env().await;
    let stream = format!(
        "sellerbox-cli/{}/{}",
        chrono::Utc::now().format("%Y-%m-%dT%H-%M-%S"),
        std::process::id()
    );
    let shipper = Shipper::start(
        aws_sdk_cloudwatchlogs::Client::new(&config),
        ShipperConfig::new(group, stream),
    )
    .await?;
    // Everything at info and above goes to the group, whatever stderr shows.
    let shipped = tracing_subscriber::fmt::layer()
        .json()
        .with_ansi(false)
        .with_writer(shipper.make_writer())
        .with_filter(telemetry::capped(EnvFilter::new(telemetry::DEFAULT_FILTER)));
    tracing_subscriber::registry()
        .with(stderr)
        .with(shipped)
        .init();
    let sink = shipper.clone();
    telemetry::set_metrics_sink(Box::new(move |line| sink.send(line)));
    Ok(Some(shipper))
}

/// A bar of finished runs, drawn only when stderr is a terminal.
pub fn bar(total: usize, label: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), target);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} runs, {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    bar
}
