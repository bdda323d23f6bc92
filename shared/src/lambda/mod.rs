//! The Lambda glue: one handler for the three event shapes. Every
//! `functions/<market>/src/main.rs` calls [`run`] with its market.

mod app;
mod event;

pub use app::{App, Settings, stable_shard};
pub use event::{ApiRequest, CollectBody, Command, EventError, Invocation, Route, Shard, decode};

use crate::model::Market;
use lambda_runtime::{LambdaEvent, service_fn};

/// The error a function's `main` returns to the Lambda runtime.
pub use lambda_runtime::Error as LambdaError;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tracing::Instrument;

/// Serve `market`'s collector through the Lambda runtime API until the container stops.
pub async fn run(market: Market) -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init_json_stdout();
    let app = Arc::new(App::from_env(market).await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let app = app.clone();
        async move {
            let span = tracing::info_span!("invocation",
                request_id = %event.context.request_id, market = %market);
            let deadline = deadline_of(event.context.deadline, app.settings.reserve);
            app.handle(event.payload, Some(deadline))
                .instrument(span)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}

/// The instant to stop starting new windows: the invocation's deadline (milliseconds
/// since the epoch) less a reserve for recording runs and answering.
fn deadline_of(deadline_ms: u64, reserve: Duration) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    Instant::now() + left.saturating_sub(reserve)
}
