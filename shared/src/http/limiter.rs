//! A keyed rate limiter with AIMD: each key (the scope a marketplace limits by) starts at
//! its documented rate; a throttle answer halves it, sustained success adds back a tenth
//! of the documented rate per second of traffic, never above it. The fleet so converges
//! on the real limit without being told, and never runs faster than documented.

use crate::model::Market;
use governor::clock::DefaultClock;
use governor::{DefaultDirectRateLimiter, Quota};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a marketplace limits by: the scope (vendor id, application id, source IP) and the
/// endpoint group sharing one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitKey {
    pub market: Market,
    pub scope: String,
    pub group: &'static str,
}

impl LimitKey {
    pub fn new(market: Market, scope: impl Into<String>, group: &'static str) -> Self {
        LimitKey {
            market,
            scope: scope.into(),
            group,
        }
    }
}

/// The slowest we ever go after throttles, as a fraction of the documented rate.
const FLOOR: f64 = 1.0 / 16.0;
const MULTIPLICATIVE_DECREASE: f64 = 0.5;
const ADDITIVE_INCREASE: f64 = 0.1;

#[derive(Default)]
pub struct Limiter {
    keys: Mutex<HashMap<LimitKey, Arc<Mutex<KeyState>>>>,
    /// Replaces every documented rate (benchmarks and simulators with other limits).
    ceiling_override: Mutex<Option<f64>>,
}

struct KeyState {
    /// Requests let through so far (for the bench's "ideal wall time").
    sent: u64,
    ceiling: f64,
    current: f64,
    successes: u32,
    gate: Arc<DefaultDirectRateLimiter>,
}

impl KeyState {
    fn new(rate: f64) -> Self {
        KeyState {
            sent: 0,
            ceiling: rate,
            current: rate,
            successes: 0,
            gate: Arc::new(gate(rate)),
        }
    }

    fn set_current(&mut self, rate: f64) {
        let rate = rate.clamp(self.ceiling * FLOOR, self.ceiling);
        if rate != self.current {
            self.current = rate;
            self.gate = Arc::new(gate(rate));
        }
        self.successes = 0;
    }
}

/// Evenly spaced requests at `rate` per second, no burst: bursts are what marketplaces
/// punish (Coupang's 403 after bursts).
fn gate(rate: f64) -> DefaultDirectRateLimiter {
    let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
    DefaultDirectRateLimiter::direct(Quota::with_period(period).expect("period is positive"))
}

impl Limiter {
    /// Run every key at `rate` instead of its documented rate.
    pub fn override_rate(&self, rate: Option<f64>) {
        *self.ceiling_override.lock().expect("limiter lock") = rate;
    }

    fn state(&self, key: &LimitKey, documented: f64) -> Arc<Mutex<KeyState>> {
        let rate = self
            .ceiling_override
            .lock()
            .expect("limiter lock")
            .unwrap_or(documented);
        self.keys
            .lock()
            .expect("limiter lock")
            .entry(key.clone())
            .or_insert_with(|| Arc::new(Mutex::new(KeyState::new(rate))))
            .clone()
    }

    /// Wait until `key` may send one more request.
    pub async fn until_ready(&self, key: &LimitKey, documented: f64) {
        let state = self.state(key, documented);
        let gate = state.lock().expect("key lock").gate.clone();
        // Wait on tokio's timer for exactly the instant governor names. (`until_ready`
        // waits on futures-timer's thread; each late wake-up there pushes every later
        // slot of this key back, since the key allows no burst to catch up.)
        while let Err(not_until) = gate.check() {
            let wait =
                not_until.wait_time_from(governor::clock::Clock::now(&DefaultClock::default()));
            tokio::time::sleep(wait).await;
        }
        state.lock().expect("key lock").sent += 1;
    }

    pub fn on_throttle(&self, key: &LimitKey, documented: f64) {
        let state = self.state(key, documented);
        let mut s = state.lock().expect("key lock");
        let next = s.current * MULTIPLICATIVE_DECREASE;
        s.set_current(next);
    }

    pub fn on_success(&self, key: &LimitKey, documented: f64) {
        let state = self.state(key, documented);
        let mut s = state.lock().expect("key lock");
        if s.current >= s.ceiling {
            return;
        }
        s.successes += 1;
        // About one second of traffic at the current rate earns one step back up.
        if f64::from(s.successes) >= s.current {
            let next = s.current + s.ceiling * ADDITIVE_INCREASE;
            s.set_current(next);
        }
    }

    /// The marketplace told us its limit (e.g. Naver's replenish-rate header): adopt it as
    /// the ceiling when it is lower than what we assumed.
    pub fn learn_ceiling(&self, key: &LimitKey, documented: f64, told: f64) {
        if !(told.is_finite() && told > 0.0) {
            return;
        }
        let state = self.state(key, documented);
        let mut s = state.lock().expect("key lock");
        if told < s.ceiling {
            s.ceiling = told;
            let current = s.current.min(told);
            s.set_current(current);
        }
    }

    /// The key that has sent the most requests, with its count and documented ceiling:
    /// its requests divided by its rate is the shortest wall time the limits allow.
    pub fn busiest(&self) -> Option<(LimitKey, u64, f64)> {
        let keys = self.keys.lock().expect("limiter lock");
        keys.iter()
            .map(|(k, s)| {
                let s = s.lock().expect("key lock");
                (k.clone(), s.sent, s.ceiling)
            })
            .max_by(|a, b| {
                (a.1 as f64 / a.2)
                    .partial_cmp(&(b.1 as f64 / b.2))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    }

    /// The rate `key` runs at now.
    pub fn current_rate(&self, key: &LimitKey, documented: f64) -> f64 {
        self.state(key, documented)
            .lock()
            .expect("key lock")
            .current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LimitKey {
        LimitKey::new(Market::Coupang, "A00012345", "all")
    }

    #[test]
    fn throttles_halve_the_rate_down_to_a_floor_and_success_climbs_back() {
        let l = Limiter::default();
        assert_eq!(l.current_rate(&key(), 10.0), 10.0);
        l.on_throttle(&key(), 10.0);
        assert_eq!(l.current_rate(&key(), 10.0), 5.0);
        for _ in 0..10 {
            l.on_throttle(&key(), 10.0);
        }
        assert_eq!(l.current_rate(&key(), 10.0), 10.0 * FLOOR);
        // Additive increase: never above the documented rate.
        for _ in 0..10_000 {
            l.on_success(&key(), 10.0);
        }
        assert_eq!(l.current_rate(&key(), 10.0), 10.0);
    }

    #[test]
    fn one_step_up_needs_about_a_second_of_successes() {
        let l = Limiter::default();
        l.on_throttle(&key(), 10.0); // 5/s
        for _ in 0..4 {
            l.on_success(&key(), 10.0);
        }
        assert_eq!(l.current_rate(&key(), 10.0), 5.0);
        l.on_success(&key(), 10.0);
        assert!((l.current_rate(&key(), 10.0) - 6.0).abs() < 1e-9);
    }

    #[test]
    fn keys_are_independent_and_a_told_limit_lowers_the_ceiling() {
        let l = Limiter::default();
        let other = LimitKey::new(Market::Coupang, "A00099999", "all");
        l.on_throttle(&key(), 10.0);
        assert_eq!(l.current_rate(&other, 10.0), 10.0);
        l.learn_ceiling(&other, 10.0, 4.0);
        assert_eq!(l.current_rate(&other, 10.0), 4.0);
        for _ in 0..100 {
            l.on_success(&other, 10.0);
        }
        assert_eq!(l.current_rate(&other, 10.0), 4.0);
    }

    #[tokio::test]
    async fn the_busiest_key_is_the_one_with_the_most_time_spent_at_its_rate() {
        let l = Limiter::default();
        let slow = LimitKey::new(Market::Naver, "app", "feed");
        for _ in 0..3 {
            l.until_ready(&key(), 1000.0).await;
        }
        l.until_ready(&slow, 1.0).await;
        let (k, sent, rate) = l.busiest().unwrap();
        assert_eq!((k, sent, rate), (slow, 1, 1.0));
    }

    #[test]
    fn an_override_replaces_the_documented_rate() {
        let l = Limiter::default();
        l.override_rate(Some(50.0));
        assert_eq!(l.current_rate(&key(), 10.0), 50.0);
    }
}
