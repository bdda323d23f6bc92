//! A keyed rate limiter with AIMD: each key (the scope a marketplace limits by) starts at
//! its documented rate; a throttle answer halves it, sustained success adds back a tenth
//! of the documented rate per second of traffic, never above it. The fleet so converges
//! on the real limit without being told, and never runs faster than documented. Each
//! key's requests are paced by a [`Pacer`].

use super::pacer::Pacer;
use crate::model::Market;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

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
    /// Requests waiting for their slot now.
    waiting: usize,
    ceiling: f64,
    current: f64,
    successes: u32,
    pacer: Pacer,
}

impl KeyState {
    fn new(rate: f64) -> Self {
        KeyState {
            sent: 0,
            waiting: 0,
            ceiling: rate,
            current: rate,
            successes: 0,
            pacer: Pacer::new(rate, Instant::now()),
        }
    }

    fn set_current(&mut self, rate: f64) {
        let rate = rate.clamp(self.ceiling * FLOOR, self.ceiling);
        if rate != self.current {
            self.current = rate;
            self.pacer.set_rate(rate);
        }
        self.successes = 0;
    }
}

impl Limiter {
    /// Run every key at `rate` instead of its documented rate.
    pub fn override_rate(&self, rate: Option<f64>) {
        *self.ceiling_override.lock().expect("limiter lock") = rate;
    }

    /// The rate set by [`Limiter::override_rate`], if any.
    pub fn overridden_rate(&self) -> Option<f64> {
        *self.ceiling_override.lock().expect("limiter lock")
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

    /// Wait until `key` may send one more request; returns how many others still wait.
    pub async fn until_ready(&self, key: &LimitKey, documented: f64) -> usize {
        let state = self.state(key, documented);
        let slot = {
            let mut s = state.lock().expect("key lock");
            s.waiting += 1;
            s.pacer.reserve(Instant::now())
        };
        // Counts this request out of `waiting` however the wait ends (a caller may drop it).
        let _waiting = Waiting(&state);
        tokio::time::sleep_until(slot).await;
        loop {
            let admitted = {
                let mut s = state.lock().expect("key lock");
                s.pacer.admit(Instant::now()).map(|()| {
                    s.sent += 1;
                    s.waiting - 1
                })
            };
            match admitted {
                Ok(others) => return others,
                Err(free_at) => tokio::time::sleep_until(free_at).await,
            }
        }
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

struct Waiting<'a>(&'a Mutex<KeyState>);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.lock().expect("key lock").waiting -= 1;
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

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_a_key_at_its_rate() {
        let l = Arc::new(Limiter::default());
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..30)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move {
                    l.until_ready(&key(), 10.0).await;
                    Instant::now()
                })
            })
            .collect();
        let mut sent = Vec::new();
        for t in tasks {
            sent.push(t.await.unwrap() - t0);
        }
        sent.sort();
        assert_eq!(sent.last().unwrap().as_millis(), 2900);
        for w in sent.windows(11) {
            assert!(w[10] - w[0] >= std::time::Duration::from_secs(1));
        }
    }

    #[test]
    fn an_override_replaces_the_documented_rate() {
        let l = Limiter::default();
        l.override_rate(Some(50.0));
        assert_eq!(l.current_rate(&key(), 10.0), 50.0);
    }
}
