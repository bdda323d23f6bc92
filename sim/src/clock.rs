//! Simulated time: frozen unless advanced, so that two collections of the same window see
//! the same data. Authentication checks (signed dates, token expiry) use real time, as the
//! marketplaces do; only the data lives on this clock.

use chrono::{DateTime, Duration, DurationRound, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Debug)]
pub struct SimClock {
    /// Milliseconds since the epoch of "now" in the simulated world.
    now_ms: Arc<AtomicI64>,
}

impl SimClock {
    /// A clock frozen at `at`.
    pub fn frozen_at(at: DateTime<Utc>) -> Self {
        SimClock {
            now_ms: Arc::new(AtomicI64::new(at.timestamp_millis())),
        }
    }

    /// A clock frozen at the current real minute.
    pub fn frozen_now() -> Self {
        let now = Utc::now()
            .duration_trunc(Duration::minutes(1))
            .expect("truncating to a minute works");
        Self::frozen_at(now)
    }

    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms.load(Ordering::SeqCst))
            .expect("simulated time stays in range")
    }

    pub fn advance(&self, by: Duration) {
        self.now_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}
