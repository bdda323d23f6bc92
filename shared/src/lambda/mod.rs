//! The Lambda glue: one handler for the three event shapes. Every
//! `functions/<market>/src/main.rs` calls [`run`] with its market.

mod app;
mod event;
mod shards;

pub use app::{App, Settings, share_fleet_limits};
pub use event::{ApiRequest, CollectBody, Command, EventError, Invocation, Route, Shard, decode};
pub use shards::{
    LambdaStarter, ShardStarter, schedule_name, shard_accounts, shard_count, stable_shard,
};

use crate::model::Market;
use lambda_runtime::{LambdaEvent, service_fn};

/// The error a function's `main` returns to the Lambda runtime.
pub use lambda_runtime::Error as LambdaError;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tracing::Instrument;

/// Serve `market`'s collector through the Lambda runtime API until the container stops.
///
/// Meant for a current-thread runtime: at the fleet's memory size a function has a fraction
/// of one core, and a collector's sellers mostly wait on limits and sockets; one thread
/// serves them with no hand-offs between threads (`sellerbox collect` runs the same way:
/// 15% less CPU per 1,000 Coupang items than on a thread per core).
pub async fn run(market: Market) -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init_json_stdout();
    let app = Arc::new(App::from_env(market).await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let app = app.clone();
        async move {
            let span = tracing::info_span!("invocation",
                request_id = %event.context.request_id, market = %market);
            let deadline = deadline_of(event.context.deadline, app.settings.reserve);
            tracing::debug!(parent: &span, deadline_ms = event.context.deadline,
                left_ms = deadline.saturating_duration_since(Instant::now()).as_millis() as u64,
                "invocation");
            app.handle(event.payload, Some(deadline))
                .instrument(span)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}

/// The instant to stop starting new windows: the invocation's deadline (milliseconds
/// since the epoch) less a reserve for recording runs and answering: `reserve`, or a
/// tenth of the time left when the function has little (a 3-second timeout keeps 0.3 s).
fn deadline_of(deadline_ms: u64, reserve: Duration) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    // Lambda sends milliseconds since the epoch; cargo-lambda's emulator sends the
    // function's timeout itself. A value before 2001 can only be the latter.
    let left = if deadline_ms < EPOCH_MS_2001 {
        Duration::from_millis(deadline_ms)
    } else {
        Duration::from_millis(deadline_ms.saturating_sub(now_ms))
    };
    Instant::now() + left.saturating_sub(reserve.min(left / 10))
}

/// 2001-01-01T00:00:00Z in milliseconds since the epoch.
const EPOCH_MS_2001: u64 = 978_307_200_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn ms_from_now(d: Duration) -> u64 {
        (SystemTime::now() + d)
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    }

    #[test]
    fn the_reserve_is_kept_from_long_invocations_and_scaled_for_short_ones() {
        let reserve = Duration::from_secs(10);
        let long = deadline_of(ms_from_now(Duration::from_secs(600)), reserve);
        let left = long - Instant::now();
        assert!(
            left > Duration::from_secs(585) && left <= Duration::from_secs(590),
            "{left:?}"
        );
        let short = deadline_of(ms_from_now(Duration::from_secs(3)), reserve);
        let left = short - Instant::now();
        assert!(
            left > Duration::from_millis(2_500) && left <= Duration::from_millis(2_700),
            "{left:?}"
        );
        // A deadline already past leaves no time, without panicking.
        assert!(deadline_of(EPOCH_MS_2001 + 1, reserve) <= Instant::now());
        // cargo-lambda's emulator sends the timeout itself.
        let emulated = deadline_of(600_000, reserve) - Instant::now();
        assert!(emulated > Duration::from_secs(585), "{emulated:?}");
    }
}
