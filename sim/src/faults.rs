//! Fault injection, set per run: a rate of 5xx answers, extra latency, truncated bodies,
//! forced token expiry, throttles. Counted faults (`fail_next`, ...) make tests
//! deterministic; rates make demos and benchmarks realistic.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FaultRates {
    /// Share of requests answered with HTTP 500/503.
    pub server_error_rate: f64,
    /// Extra latency added to every answer, milliseconds.
    pub latency_ms: u64,
    /// Share of answers whose body is cut in half.
    pub truncate_rate: f64,
}

/// The faults a simulator injects. Shared by all its handlers.
#[derive(Debug, Default)]
pub struct Faults {
    rates: Mutex<FaultRates>,
    fail_next: AtomicU32,
    truncate_next: AtomicU32,
    throttle_next: AtomicU32,
    /// Which of the market's throttle answers (`SimSpec::throttles`) the counted throttles
    /// give; `None`: the market's first.
    throttle_answer: Mutex<Option<&'static str>>,
    expire_tokens_next: AtomicU32,
}

/// What to do to one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    None,
    ServerError,
    /// A throttle answer: the one of this name (`SimSpec::throttles`), or with `None` the
    /// market's first. Each market module renders it in the market's own shape.
    Throttle(Option<&'static str>),
    Truncate,
}

impl Faults {
    pub fn set_rates(&self, rates: FaultRates) {
        *self.rates.lock().expect("faults lock") = rates;
    }
    pub fn rates(&self) -> FaultRates {
        self.rates.lock().expect("faults lock").clone()
    }
    /// The next `n` data requests answer 5xx.
    pub fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Ordering::SeqCst);
    }
    /// The next `n` data requests get a truncated body.
    pub fn truncate_next(&self, n: u32) {
        self.truncate_next.store(n, Ordering::SeqCst);
    }
    /// The next `n` data requests are throttled with the market's (first) throttle answer.
    pub fn throttle_next(&self, n: u32) {
        self.set_throttles(n, None);
    }
    /// The next `n` data requests get the throttle answer named `answer`, one of the
    /// market's `SimSpec::throttles` (`/_sim/inject` checks the name; a market module
    /// answers a name it does not know with a 500 that says so).
    pub fn throttle_next_as(&self, n: u32, answer: &'static str) {
        self.set_throttles(n, Some(answer));
    }
    fn set_throttles(&self, n: u32, answer: Option<&'static str>) {
        *self.throttle_answer.lock().expect("faults lock") = answer;
        self.throttle_next.store(n, Ordering::SeqCst);
    }
    /// The next `n` authenticated requests see their token as expired.
    pub fn expire_tokens_next(&self, n: u32) {
        self.expire_tokens_next.store(n, Ordering::SeqCst);
    }

    fn take(counter: &AtomicU32) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Whether this request's token should be treated as expired.
    pub fn token_expired(&self) -> bool {
        Self::take(&self.expire_tokens_next)
    }

    /// Decide the fault for one data answer.
    pub fn draw(&self) -> Injected {
        if Self::take(&self.throttle_next) {
            return Injected::Throttle(*self.throttle_answer.lock().expect("faults lock"));
        }
        if Self::take(&self.fail_next) {
            return Injected::ServerError;
        }
        if Self::take(&self.truncate_next) {
            return Injected::Truncate;
        }
        let r = self.rates();
        if r.server_error_rate <= 0.0 && r.truncate_rate <= 0.0 {
            return Injected::None;
        }
        let mut rng = rand::rng();
        if rng.random_bool(r.server_error_rate.clamp(0.0, 1.0)) {
            Injected::ServerError
        } else if rng.random_bool(r.truncate_rate.clamp(0.0, 1.0)) {
            Injected::Truncate
        } else {
            Injected::None
        }
    }

    pub async fn delay(&self) {
        let ms = self.rates().latency_ms;
        if ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
    }
}

/// Cut a body in half, as a connection dropped mid-answer would.
pub fn truncate(body: Vec<u8>) -> Vec<u8> {
    let half = body.len() / 2;
    body[..half].to_vec()
}
