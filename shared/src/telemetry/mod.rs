//! Logs and metrics. Structured JSON lines through `tracing` (with the market, seller,
//! run, kind and Lambda request id in their spans and fields); CloudWatch Embedded Metric
//! Format lines for each run; outside Lambda, a shipper that sends the same lines to the
//! same CloudWatch Logs group. Nothing here logs credentials, tokens, cookies or buyers'
//! data: connectors never put them in fields or errors, and HTTP libraries' own
//! debug logs (which may show headers) are capped at `warn` by the default filter.

mod emf;
mod shipper;

pub use emf::run_metrics_line;
pub use shipper::{ShipStats, Shipper, ShipperConfig};

use crate::collect::RunSummary;
use std::sync::OnceLock;

/// The filter used unless `RUST_LOG` says otherwise.
pub const DEFAULT_FILTER: &str = "info,hyper=warn,hyper_util=warn,reqwest=warn,h2=warn,rustls=warn,aws_smithy_runtime=warn,aws_config=warn,sqlx=warn";

/// Crates whose own debug lines print cookie values (cookie_store logs every
/// `Set-Cookie` it stores that is not `Secure`): capped at `warn` whatever `RUST_LOG`
/// says, so that a seller-center session never reaches a log at any level.
pub const SECRET_PRINTING_TARGETS: &[&str] = &["cookie_store", "reqwest_cookie_store"];

/// `filter` with [`SECRET_PRINTING_TARGETS`] capped at `warn` (the directives are added
/// last, so they replace any `RUST_LOG` directive for the same crates).
pub fn capped(mut filter: tracing_subscriber::EnvFilter) -> tracing_subscriber::EnvFilter {
    for target in SECRET_PRINTING_TARGETS {
        filter = filter.add_directive(format!("{target}=warn").parse().expect("a valid directive"));
    }
    filter
}

/// Where metric lines go: stdout in Lambda (the runtime sends stdout to the log group),
/// the shipper or nowhere elsewhere.
type MetricsSink = Box<dyn Fn(&str) + Send + Sync>;
static METRICS_SINK: OnceLock<MetricsSink> = OnceLock::new();

/// Send metric lines to `sink` (first call wins; later calls are ignored).
pub fn set_metrics_sink(sink: MetricsSink) {
    let _ = METRICS_SINK.set(sink);
}

/// JSON logs on stdout and metric lines on stdout: the Lambda set-up.
pub fn init_json_stdout() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_env_filter(capped(filter))
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false)
        .with_writer(std::io::stdout)
        .try_init();
    set_metrics_sink(Box::new(|line| println!("{line}")));
}

/// Log one finished run and emit its metrics.
pub fn emit_run_metrics(r: &RunSummary, run_id: &str) {
    tracing::info!(
        market = %r.market, seller = %r.seller_id, kind = %r.kind, run = run_id,
        requests = r.requests, throttled = r.throttled, retries = r.retries,
        inserted = r.inserted, updated = r.updated, unchanged = r.unchanged, history = r.history,
        outcome = r.outcome.as_str(), error_kind = r.error_kind.map(|k| k.as_str()),
        duration_ms = (r.seconds * 1000.0) as u64,
        "run finished"
    );
    if let Some(sink) = METRICS_SINK.get() {
        sink(&run_metrics_line(r, chrono::Utc::now()));
    }
}
