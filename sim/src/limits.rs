//! Rate limits as marketplaces enforce them: a token bucket per scope (vendor id, app and
//! API, ...). The bucket's rate and burst are the market's documented values unless a run
//! sets others.

use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;

pub struct Buckets {
    limiter: DefaultKeyedRateLimiter<String>,
    pub rate: f64,
    pub burst: u32,
}

impl Buckets {
    pub fn new(rate: f64, burst: u32) -> Self {
        let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
        let quota = Quota::with_period(period)
            .expect("period is positive")
            .allow_burst(NonZeroU32::new(burst.max(1)).expect("burst is positive"));
        Buckets {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            rate,
            burst: burst.max(1),
        }
    }

    /// Take one token for `scope`; `false` when the bucket is empty (throttle).
    pub fn admit(&self, scope: &str) -> bool {
        self.limiter.check_key(&scope.to_string()).is_ok()
    }
}
