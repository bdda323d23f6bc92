//! A keyed rate limiter with AIMD: each key (the scope a marketplace limits by) starts at
//! its documented rate; a throttle answer halves it, sustained success adds back a tenth
//! of the documented rate per second of traffic, never above it. The fleet so converges
//! on the real limit without being told, and never runs faster than documented. Each
//! key's requests are paced by a [`Pacer`].
//!
//! A key the market scopes to our application or our egress IP ([`Reach::Fleet`]) is
//! shared by every container of the fleet. With [`Limiter::share_through`] such a key is
//! paced at the share a lease grants this process ([`super::lease`]); the AIMD reaction
//! then applies to the fleet's one shared rate, kept with the leases. Per-seller keys, and
//! every key of a process without leases (local SQLite runs), stay in-process.

use super::lease::{self, RateLeases};
use super::pacer::Pacer;
use crate::model::Market;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Who else counts against a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// One seller's own budget (Coupang's vendor id, an ESM seller): this process alone.
    Seller,
    /// Our application's or our egress IP's budget (Naver's buckets per application and
    /// API, an IP-bound market): every container of the fleet together.
    Fleet,
}

/// Where a key's interval between two requests counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spacing {
    /// From the previous send: the marketplace counts requests per second or minute.
    FromSend,
    /// From the previous answer: the marketplace wants a whole interval between two
    /// arrivals (ESM's one order call per 5 s per seller). We cannot see arrivals, but an
    /// answer proves its request arrived, so a request sent one interval after the previous
    /// answer arrives at least one interval after the previous request, however unevenly
    /// either travelled. Such a key has one request out at a time ([`Sent`]).
    FromAnswer,
}

/// What a marketplace limits by: the scope (vendor id, application id, source IP) and the
/// endpoint group sharing one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitKey {
    pub market: Market,
    pub scope: String,
    pub group: &'static str,
    pub reach: Reach,
    pub spacing: Spacing,
}

impl LimitKey {
    /// A key one seller's traffic alone counts against.
    pub fn new(market: Market, scope: impl Into<String>, group: &'static str) -> Self {
        LimitKey {
            market,
            scope: scope.into(),
            group,
            reach: Reach::Seller,
            spacing: Spacing::FromSend,
        }
    }

    /// This key with its interval counted from the previous answer ([`Spacing::FromAnswer`]).
    pub fn spaced_from_answers(self) -> Self {
        LimitKey {
            spacing: Spacing::FromAnswer,
            ..self
        }
    }

    /// A key every seller of the fleet counts against (application id, egress IP).
    pub fn fleet(market: Market, scope: impl Into<String>, group: &'static str) -> Self {
        LimitKey {
            reach: Reach::Fleet,
            ..LimitKey::new(market, scope, group)
        }
    }

    /// `market:scope:group`: the key's name in the lease table and in reports.
    pub fn label(&self) -> String {
        format!("{}:{}:{}", self.market, self.scope, self.group)
    }
}

/// The slowest we ever go after throttles, as a fraction of the documented rate.
pub(crate) const FLOOR: f64 = 1.0 / 16.0;
pub(crate) const MULTIPLICATIVE_DECREASE: f64 = 0.5;
pub(crate) const ADDITIVE_INCREASE: f64 = 0.1;

/// How many keys the map holds before it first lets go of keys at rest.
const SWEEP_FLOOR: usize = 256;

#[derive(Default)]
pub struct Limiter {
    keys: Mutex<Keys>,
    /// Replaces every documented rate (benchmarks and simulators with other limits).
    ceiling_override: Mutex<Option<f64>>,
    /// Where fleet keys lease their share, when the fleet shares a database.
    fleet: Mutex<Option<Fleet>>,
}

/// The keys in use, and what the keys let go of had counted.
///
/// A run meets each seller's keys once and is done with them; a warm Lambda container
/// serves shard after shard. Keeping every key ever met (~640 bytes each) grew memory
/// with the sellers served rather than with the sellers in flight. A seller key at rest
/// (see [`KeyState::at_rest`]) is dropped when the map has doubled since its last sweep;
/// when the seller comes back its key is made anew, which is never looser.
#[derive(Default)]
struct Keys {
    live: HashMap<LimitKey, Arc<KeyCell>>,
    /// The map's size at which the next new key sweeps it first.
    sweep_at: usize,
    retired: Retired,
}

/// The counts of the keys let go of, for [`Limiter::totals`] and [`Limiter::busiest`].
#[derive(Default)]
struct Retired {
    totals: Totals,
    busiest: Option<(LimitKey, u64, f64)>,
}

/// Requests sent and throttle answers, over every key so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub sent: u64,
    pub throttled: u64,
}

impl Keys {
    fn cell(&mut self, key: &LimitKey, make: impl FnOnce() -> KeyCell) -> Arc<KeyCell> {
        if let Some(cell) = self.live.get(key) {
            return cell.clone();
        }
        if self.live.len() >= self.sweep_at.max(SWEEP_FLOOR) {
            self.sweep(Instant::now());
        }
        let cell = Arc::new(make());
        self.live.insert(key.clone(), cell.clone());
        cell
    }

    /// Drop the seller keys at rest that nobody holds, keeping their counts.
    fn sweep(&mut self, now: Instant) {
        let retired = &mut self.retired;
        self.live.retain(|key, cell| {
            // Fleet keys are few, and their leases outlive any one run.
            // Whoever holds a cell took it from this map, under the lock held here.
            if key.reach == Reach::Fleet || Arc::strong_count(cell) > 1 {
                return true;
            }
            let s = cell.state.lock().expect("key lock");
            if !s.at_rest(now) {
                return true;
            }
            retired.totals.sent += s.sent;
            retired.totals.throttled += s.throttled;
            if retired
                .busiest
                .as_ref()
                .is_none_or(|(_, sent, rate)| busier(s.sent, s.ceiling, *sent, *rate))
            {
                retired.busiest = Some((key.clone(), s.sent, s.ceiling));
            }
            false
        });
        self.sweep_at = 2 * self.live.len();
    }
}

/// Whether `sent` requests at `rate` took longer than `other` at `other_rate`.
fn busier(sent: u64, rate: f64, other: u64, other_rate: f64) -> bool {
    sent as f64 / rate > other as f64 / other_rate
}

#[derive(Clone)]
struct Fleet {
    leases: Arc<dyn RateLeases>,
    /// This process in the lease table.
    holder: String,
}

/// One key's state and the signal its waiters listen to when its rate changes.
pub(crate) struct KeyCell {
    pub(crate) state: Mutex<KeyState>,
    pub(crate) changed: Notify,
    /// Signalled when a request of a key spaced from answers has its answer.
    answered: Notify,
}

pub(crate) struct KeyState {
    /// Requests let through so far (for the bench's "ideal wall time").
    pub(crate) sent: u64,
    /// Throttle answers so far.
    pub(crate) throttled: u64,
    /// Requests waiting for their slot now.
    pub(crate) waiting: usize,
    /// Requests of a key spaced from answers that are out and not answered yet.
    unanswered: usize,
    /// The documented rate (or the override): what the key may never exceed.
    pub(crate) documented: f64,
    pub(crate) ceiling: f64,
    pub(crate) current: f64,
    successes: u32,
    /// Bumped on every rate change: waiters take a new slot on the new grid.
    generation: u64,
    /// No share granted (yet): waiters wait for a change.
    pub(crate) paused: bool,
    pacer: Pacer,
    /// The key's lease, for fleet keys of a process that shares them.
    pub(crate) lease: Option<lease::Holding>,
}

impl KeyState {
    fn new(rate: f64) -> Self {
        KeyState {
            sent: 0,
            throttled: 0,
            waiting: 0,
            unanswered: 0,
            documented: rate,
            ceiling: rate,
            current: rate,
            successes: 0,
            generation: 0,
            paused: false,
            pacer: Pacer::new(rate, Instant::now()),
            lease: None,
        }
    }

    /// Whether a new key would behave as this one: nobody waits, no lease, nothing
    /// learned (the rate at its ceiling, the ceiling as documented), and the pacer idle.
    fn at_rest(&self, now: Instant) -> bool {
        self.waiting == 0
            && self.unanswered == 0
            && self.lease.is_none()
            && !self.paused
            && self.current == self.ceiling
            && self.ceiling == self.documented
            && self.pacer.is_idle(now)
    }

    /// Run at `rate` from now on (within the floor and the ceiling); `true` when it changed.
    fn set_current(&mut self, rate: f64) -> bool {
        let rate = rate.clamp(self.ceiling * FLOOR, self.ceiling);
        self.successes = 0;
        self.set_exact(rate)
    }

    /// Run at exactly `rate` (a leased share, which may be below the floor); `true` when it
    /// changed. Waiters are re-slotted on the new grid.
    pub(crate) fn set_exact(&mut self, rate: f64) -> bool {
        if rate == self.current {
            return false;
        }
        self.current = rate;
        self.pacer.set_rate(rate);
        self.pacer.regrid(Instant::now());
        self.generation += 1;
        true
    }
}

impl KeyCell {
    /// Apply `f` to the state; wake the waiters when it reports a rate change.
    pub(crate) fn update(&self, f: impl FnOnce(&mut KeyState) -> bool) {
        let changed = f(&mut self.state.lock().expect("key lock"));
        if changed {
            self.changed.notify_waiters();
        }
    }
}

impl Limiter {
    /// Run every key at `rate` instead of its documented rate.
    pub fn override_rate(&self, rate: Option<f64>) {
        *self.ceiling_override.lock().expect("limiter lock") = rate;
    }

    /// Pace fleet keys at the share `leases` grant this process, from now on (keys already
    /// in use keep their in-process pacing).
    pub fn share_through(&self, leases: Arc<dyn RateLeases>) {
        *self.fleet.lock().expect("limiter lock") = Some(Fleet {
            leases,
            holder: uuid::Uuid::new_v4().simple().to_string(),
        });
    }

    /// Whether fleet keys are shared through leases.
    pub fn is_shared(&self) -> bool {
        self.fleet.lock().expect("limiter lock").is_some()
    }

    /// The rate set by [`Limiter::override_rate`], if any.
    pub fn overridden_rate(&self) -> Option<f64> {
        *self.ceiling_override.lock().expect("limiter lock")
    }

    fn cell(&self, key: &LimitKey, documented: f64) -> Arc<KeyCell> {
        let rate = self
            .ceiling_override
            .lock()
            .expect("limiter lock")
            .unwrap_or(documented);
        let fleet = (key.reach == Reach::Fleet)
            .then(|| self.fleet.lock().expect("limiter lock").clone())
            .flatten();
        self.keys.lock().expect("limiter lock").cell(key, || {
            let mut state = KeyState::new(rate);
            if let Some(f) = fleet {
                state.lease = Some(lease::Holding::new(key.label(), f.holder, f.leases));
                state.paused = true;
            }
            KeyCell {
                state: Mutex::new(state),
                changed: Notify::new(),
                answered: Notify::new(),
            }
        })
    }

    /// Wait until `key` may send one more request. Hold what it returns until the answer
    /// has arrived (or the request failed or was given up).
    pub async fn until_ready(&self, key: &LimitKey, documented: f64) -> Sent {
        let cell = self.cell(key, documented);
        {
            let mut s = cell.state.lock().expect("key lock");
            s.waiting += 1;
            if let Some(start) = s.lease.as_mut().and_then(|l| l.start()) {
                // The first waiter since the lease was let go: take it again.
                tokio::spawn(lease::hold(Arc::downgrade(&cell), start));
            }
        }
        // Counts this request out of `waiting` however the wait ends (a caller may drop it).
        let _waiting = Waiting(&cell);
        let from_answer = key.spacing == Spacing::FromAnswer;
        'slot: loop {
            let changed = cell.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let (slot, generation) = {
                let mut s = cell.state.lock().expect("key lock");
                let slot = (!s.paused).then(|| s.pacer.reserve(Instant::now()));
                (slot, s.generation)
            };
            let Some(slot) = slot else {
                changed.await;
                continue;
            };
            tokio::select! {
                () = tokio::time::sleep_until(slot) => {}
                () = &mut changed => continue 'slot,
            }
            loop {
                let admitted = {
                    let mut s = cell.state.lock().expect("key lock");
                    if s.generation != generation || s.paused {
                        continue 'slot;
                    }
                    // Spaced from answers: nothing leaves before the previous answer is in
                    // (its drop of `Sent` wakes us), however long it takes.
                    (s.unanswered == 0).then(|| {
                        s.pacer.admit(Instant::now()).map(|()| {
                            s.sent += 1;
                            s.unanswered += usize::from(from_answer);
                            s.waiting - 1
                        })
                    })
                };
                match admitted {
                    Some(Ok(queued)) => {
                        let answer = from_answer.then(|| cell.clone());
                        return Sent { queued, answer };
                    }
                    Some(Err(free_at)) => tokio::time::sleep_until(free_at).await,
                    None => {
                        // Listening before looking again, so that an answer in between
                        // is not missed. The slot is kept: the window then holds this
                        // request to one interval after that answer.
                        let answered = cell.answered.notified();
                        tokio::pin!(answered);
                        answered.as_mut().enable();
                        if cell.state.lock().expect("key lock").unanswered > 0 {
                            answered.await;
                        }
                    }
                }
            }
        }
    }

    pub fn on_throttle(&self, key: &LimitKey, documented: f64) {
        self.cell(key, documented).update(|s| {
            s.throttled += 1;
            let next = s.current * MULTIPLICATIVE_DECREASE;
            match s.lease.as_mut() {
                // The fleet's rate halves at the next renewal; this share at once.
                Some(l) => {
                    l.report.throttled = true;
                    s.successes = 0;
                    s.set_exact(next)
                }
                None => s.set_current(next),
            }
        });
    }

    pub fn on_success(&self, key: &LimitKey, documented: f64) {
        self.cell(key, documented).update(|s| {
            if let Some(l) = s.lease.as_mut() {
                // The shared rate climbs with the fleet's successes, at renewals.
                l.report.successes += 1;
                return false;
            }
            if s.current >= s.ceiling {
                return false;
            }
            s.successes += 1;
            // About one second of traffic at the current rate earns one step back up.
            if f64::from(s.successes) >= s.current {
                let next = s.current + s.ceiling * ADDITIVE_INCREASE;
                s.set_current(next)
            } else {
                false
            }
        });
    }

    /// The marketplace told us its limit (e.g. Naver's replenish-rate header): adopt it as
    /// the ceiling when it is lower than what we assumed.
    pub fn learn_ceiling(&self, key: &LimitKey, documented: f64, told: f64) {
        if !(told.is_finite() && told > 0.0) {
            return;
        }
        self.cell(key, documented).update(|s| {
            if let Some(l) = s.lease.as_mut() {
                l.report.told = Some(l.report.told.map_or(told, |t: f64| t.min(told)));
            }
            if told < s.ceiling {
                s.ceiling = told;
                let current = s.current.min(told);
                if s.lease.is_some() {
                    s.set_exact(current)
                } else {
                    s.set_current(current)
                }
            } else {
                false
            }
        });
    }

    /// The key that has sent the most requests, with its count and documented ceiling:
    /// its requests divided by its rate is the shortest wall time the limits allow.
    pub fn busiest(&self) -> Option<(LimitKey, u64, f64)> {
        let retired = self
            .keys
            .lock()
            .expect("limiter lock")
            .retired
            .busiest
            .clone();
        self.counts()
            .into_iter()
            .map(|c| (c.key, c.sent, c.ceiling))
            .chain(retired)
            .reduce(|a, b| if busier(b.1, b.2, a.1, a.2) { b } else { a })
    }

    /// Requests sent and throttle answers so far, the keys let go of included.
    pub fn totals(&self) -> Totals {
        let keys = self.keys.lock().expect("limiter lock");
        keys.live.values().fold(keys.retired.totals, |t, c| {
            let s = c.state.lock().expect("key lock");
            Totals {
                sent: t.sent + s.sent,
                throttled: t.throttled + s.throttled,
            }
        })
    }

    /// The counts of every key in use (a seller key at rest may have been let go of: its
    /// counts are in [`Limiter::totals`]).
    pub fn counts(&self) -> Vec<KeyCounts> {
        let keys = self.keys.lock().expect("limiter lock");
        keys.live
            .iter()
            .map(|(k, c)| {
                let s = c.state.lock().expect("key lock");
                KeyCounts {
                    key: k.clone(),
                    sent: s.sent,
                    throttled: s.throttled,
                    ceiling: s.ceiling,
                    current: s.current,
                }
            })
            .collect()
    }

    /// The rate `key` runs at now.
    pub fn current_rate(&self, key: &LimitKey, documented: f64) -> f64 {
        self.cell(key, documented)
            .state
            .lock()
            .expect("key lock")
            .current
    }
}

/// One key's requests so far and its rates.
#[derive(Debug, Clone)]
pub struct KeyCounts {
    pub key: LimitKey,
    pub sent: u64,
    pub throttled: u64,
    pub ceiling: f64,
    /// The rate (or this process's leased share) now.
    pub current: f64,
}

/// A request [`Limiter::until_ready`] let through, until its answer is in.
///
/// A key spaced from answers ([`Spacing::FromAnswer`]) sends one request at a time:
/// when this is dropped, the next leaves one interval later. Sent on the previous send's
/// schedule instead, a request could overtake a slow answer's request and arrive less
/// than an interval after it (ESM answers `ResultCode 3000`).
pub struct Sent {
    /// Requests of the key still waiting for a slot.
    pub queued: usize,
    /// The key's cell, for a key spaced from answers.
    answer: Option<Arc<KeyCell>>,
}

impl Drop for Sent {
    fn drop(&mut self) {
        if let Some(cell) = self.answer.take() {
            {
                let mut s = cell.state.lock().expect("key lock");
                s.unanswered -= 1;
                s.pacer.answered(Instant::now());
            }
            cell.answered.notify_waiters();
        }
    }
}

struct Waiting<'a>(&'a KeyCell);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.state.lock().expect("key lock").waiting -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
        let slow = LimitKey::fleet(Market::Naver, "app", "feed");
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
            assert!(w[10] - w[0] >= Duration::from_secs(1));
        }
    }

    fn seller(i: usize) -> LimitKey {
        LimitKey::new(Market::Coupang, format!("A{i:08}"), "all")
    }

    #[tokio::test(start_paused = true)]
    async fn keys_at_rest_are_let_go_of_and_their_counts_kept() {
        let l = Limiter::default();
        // The first seller sends the most: the busiest key, let go of long before the end.
        for _ in 0..20 {
            l.until_ready(&seller(0), 10.0).await;
        }
        // The second was throttled: its rate is learned, so its key stays.
        l.until_ready(&seller(1), 10.0).await;
        l.on_throttle(&seller(1), 10.0);
        // A thousand more, one after another, two requests each (100 ms a seller).
        for i in 2..1002 {
            for _ in 0..2 {
                l.until_ready(&seller(i), 10.0).await;
            }
        }
        let live = l.keys.lock().unwrap().live.len();
        assert!(live <= SWEEP_FLOOR, "{live} keys held");
        assert_eq!(
            l.totals(),
            Totals {
                sent: 20 + 1 + 2000,
                throttled: 1
            }
        );
        assert_eq!(l.busiest().unwrap(), (seller(0), 20, 10.0));
        assert_eq!(l.current_rate(&seller(1), 10.0), 5.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_held_or_sending_is_kept_and_one_made_anew_is_not_looser() {
        let l = Limiter::default();
        for _ in 0..10 {
            l.until_ready(&seller(0), 10.0).await;
        }
        let held = l.cell(&seller(1), 10.0);
        let sweep = |at: Instant| l.keys.lock().unwrap().sweep(at);
        // Its tenth send was just now: the next second still counts it.
        sweep(Instant::now());
        assert!(l.keys.lock().unwrap().live.contains_key(&seller(0)));
        sweep(Instant::now() + Duration::from_secs(60));
        {
            let keys = l.keys.lock().unwrap();
            assert!(keys.live.contains_key(&seller(1)), "held by a caller");
            assert!(!keys.live.contains_key(&seller(0)));
        }
        drop(held);
        // The key made anew paces from scratch: ten requests in no less than 0.9 s.
        let t0 = Instant::now();
        for _ in 0..10 {
            l.until_ready(&seller(0), 10.0).await;
        }
        assert_eq!(Instant::now() - t0, Duration::from_millis(900));
        assert_eq!(l.totals().sent, 20);
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_spaced_from_answers_waits_for_a_slow_answer() {
        let l = Arc::new(Limiter::default());
        let key = key().spaced_from_answers();
        let t0 = Instant::now();
        // Three requests at once, one every 5 s; each answer takes 7 s.
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let (l, key) = (l.clone(), key.clone());
                tokio::spawn(async move {
                    let sent = l.until_ready(&key, 0.2).await;
                    let at = Instant::now() - t0;
                    tokio::time::sleep(Duration::from_secs(7)).await;
                    drop(sent);
                    at
                })
            })
            .collect();
        let mut sent = Vec::new();
        for t in tasks {
            sent.push(t.await.unwrap().as_secs());
        }
        sent.sort();
        // Each leaves 5 s after the previous answer: 0, 7 + 5, 19 + 5.
        assert_eq!(sent, [0, 12, 24]);
    }

    #[test]
    fn an_override_replaces_the_documented_rate() {
        let l = Limiter::default();
        l.override_rate(Some(50.0));
        assert_eq!(l.current_rate(&key(), 10.0), 50.0);
    }
}
