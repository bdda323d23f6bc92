//! When one limit key may send its next request.
//!
//! Marketplaces count calls per second (Coupang throttles "more than 10 calls per
//! second"; Naver's bucket holds twice its rate). A plain evenly spaced gate (a GCRA
//! with burst 1, as governor offers) loses every slot a late wake-up misses: one busy
//! scheduler tick or one slow response pushes all later requests back, and it never
//! catches up. A GCRA with a larger burst catches up but lets up to twice the rate
//! through in some second. The pacer does both jobs: requests take evenly spaced slots
//! on a grid; a slot missed by up to [`CATCH_UP_SLOTS`] periods is still taken (the
//! request leaves at once); and a log of actual send times keeps every window of one
//! second (longer below one request per second) at or under the rate.

use std::collections::VecDeque;
use tokio::time::{Duration, Instant};

/// How many missed slots may be made up right away.
pub const CATCH_UP_SLOTS: u32 = 3;

pub struct Pacer {
    period: Duration,
    /// At most `per_window` sends in any `window`.
    per_window: usize,
    window: Duration,
    next_slot: Instant,
    /// The latest sends, oldest first; no more than `per_window` are needed.
    sent: VecDeque<Instant>,
}

impl Pacer {
    pub fn new(rate: f64, now: Instant) -> Self {
        let mut p = Pacer {
            period: Duration::ZERO,
            per_window: 1,
            window: Duration::ZERO,
            next_slot: now,
            sent: VecDeque::new(),
        };
        p.set_rate(rate);
        p
    }

    /// Requests per second from now on. Slots already handed out keep their time; the
    /// window check holds them to the new rate when they leave.
    pub fn set_rate(&mut self, rate: f64) {
        let rate = rate.max(0.001);
        self.period = Duration::from_secs_f64(1.0 / rate);
        // Whole requests per window: `rate` per second, or one per period below 1/s.
        self.per_window = (rate.round() as usize).max(1);
        self.window = self.period * self.per_window as u32;
        if let Some(last) = self.sent.back() {
            self.next_slot = self.next_slot.max(*last + self.period);
        }
    }

    /// Forget the slots handed out so far: the next one is one period after the latest
    /// send (or now). After a rate change the waiters take new slots on the new grid, so a
    /// faster rate is used at once instead of after the queue reserved at the old one.
    pub fn regrid(&mut self, now: Instant) {
        self.next_slot = self.sent.back().map_or(now, |last| *last + self.period);
    }

    /// Take the next slot: the instant to wait for before asking [`Pacer::admit`].
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let oldest_allowed = now.checked_sub(self.period * CATCH_UP_SLOTS).unwrap_or(now);
        let slot = self.next_slot.max(oldest_allowed);
        self.next_slot = slot + self.period;
        slot
    }

    /// The answer to the latest send arrived at `now`: count the window from here, so the
    /// next send leaves a whole period after it (see `Spacing::FromAnswer`).
    pub fn answered(&mut self, now: Instant) {
        if let Some(last) = self.sent.back_mut() {
            *last = (*last).max(now);
        }
        self.next_slot = self.next_slot.max(now + self.period);
    }

    /// Whether this pacer would treat a request at `now` as a new pacer would: no slot is
    /// handed out beyond `now` and no send is recent enough to count against the next.
    /// (A new pacer is never looser: it sends one request at once, then spaces them.)
    pub fn is_idle(&self, now: Instant) -> bool {
        self.next_slot <= now
            && self
                .sent
                .back()
                .is_none_or(|last| *last + self.window <= now)
    }

    /// Record a send at `now`, or name the instant the window allows it.
    pub fn admit(&mut self, now: Instant) -> Result<(), Instant> {
        if self.sent.len() >= self.per_window {
            let nth_latest = self.sent[self.sent.len() - self.per_window];
            let free_at = nth_latest + self.window;
            if now < free_at {
                return Err(free_at);
            }
        }
        self.sent.push_back(now);
        while self.sent.len() > self.per_window {
            self.sent.pop_front();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Sends `n` requests through `p` for a caller that is ready at `ready(i)` and, when
    /// its slot comes, wakes `late(i)` after it; returns the send instants. Wake-ups are
    /// in order: a late one holds back those due during its delay (a busy scheduler).
    fn drive(
        p: &mut Pacer,
        t0: Instant,
        n: usize,
        ready: impl Fn(usize, Option<Instant>) -> Instant,
        late: impl Fn(usize) -> Duration,
    ) -> Vec<Instant> {
        let mut sent: Vec<Instant> = Vec::new();
        for i in 0..n {
            let at = ready(i, sent.last().copied()).max(t0);
            let woke = p.reserve(at).max(at) + late(i);
            let mut now = sent.last().map_or(woke, |l| woke.max(*l));
            while let Err(free_at) = p.admit(now) {
                now = free_at;
            }
            sent.push(now);
        }
        sent
    }

    fn max_in_any_window(sent: &[Instant], window: Duration) -> usize {
        (0..sent.len())
            .map(|i| {
                sent[i..]
                    .iter()
                    .take_while(|t| **t < sent[i] + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn punctual_callers_get_evenly_spaced_slots() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10.0, t0);
        let sent = drive(&mut p, t0, 25, |_, _| t0, |_| Duration::ZERO);
        for (i, t) in sent.iter().enumerate() {
            assert_eq!(*t - t0, ms(100) * i as u32);
        }
    }

    #[test]
    fn a_late_wake_up_is_made_up_without_losing_the_grid() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10.0, t0);
        // Request 5 wakes 250 ms late (a busy scheduler): it and the next two leave
        // together, and the grid goes on where it was.
        let sent = drive(
            &mut p,
            t0,
            20,
            |_, _| t0,
            |i| if i == 5 { ms(250) } else { ms(0) },
        );
        assert_eq!(sent[5] - t0, ms(750));
        assert_eq!(sent[6] - t0, ms(750));
        assert_eq!(sent[7] - t0, ms(750));
        assert_eq!(sent[8] - t0, ms(800));
        assert_eq!(sent[19] - t0, ms(1900), "no time lost overall");
        assert!(max_in_any_window(&sent, Duration::from_secs(1)) <= 10);
    }

    #[test]
    fn a_sequential_caller_recovers_a_slow_response() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10.0, t0);
        // One request at a time; each answer takes 5 ms, one takes 200 ms.
        let sent = drive(
            &mut p,
            t0,
            30,
            |i, last| last.map_or(t0, |l| l + if i == 10 { ms(200) } else { ms(5) }),
            |_| Duration::ZERO,
        );
        assert_eq!(sent[29] - t0, ms(2900));
        assert!(max_in_any_window(&sent, Duration::from_secs(1)) <= 10);
    }

    #[test]
    fn no_window_ever_holds_more_than_the_rate() {
        // Many demand patterns with stalls of every length: the count in any one-second
        // window never exceeds 10, and no more than CATCH_UP_SLOTS + 1 leave at once.
        for seed in 0..200u64 {
            let t0 = Instant::now();
            let mut p = Pacer::new(10.0, t0);
            let noise = |i: usize, salt: u64| {
                let x = (i as u64 + 1)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(seed.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ salt);
                (x >> 33) % 400
            };
            let sent = drive(
                &mut p,
                t0,
                300,
                |i, last| last.map_or(t0, |l| l + ms(noise(i, 1) % 120)),
                |i| ms(if noise(i, 2) < 40 { noise(i, 3) } else { 0 }),
            );
            assert!(
                max_in_any_window(&sent, Duration::from_secs(1)) <= 10,
                "seed {seed}"
            );
            assert!(max_in_any_window(&sent, ms(1)) <= CATCH_UP_SLOTS as usize + 1);
        }
    }

    #[test]
    fn an_idle_key_does_not_save_up_slots() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10.0, t0);
        let later = t0 + Duration::from_secs(60);
        let sent = drive(&mut p, t0, 10, |_, _| later, |_| Duration::ZERO);
        let at_once = sent.iter().filter(|t| **t == later).count();
        assert_eq!(at_once, CATCH_UP_SLOTS as usize + 1);
        assert_eq!(*sent.last().unwrap() - later, ms(600));
    }

    #[test]
    fn a_pacer_is_idle_once_its_slots_and_its_window_are_behind() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10.0, t0);
        assert!(p.is_idle(t0), "a new pacer");
        let sent = drive(&mut p, t0, 10, |_, _| t0, |_| Duration::ZERO);
        let last = *sent.last().unwrap();
        // The tenth send counts against any request in the second after it.
        assert!(!p.is_idle(last + ms(999)));
        assert!(p.is_idle(last + ms(1000)));
        // Slots handed out to waiters run ahead of now: busy until the grid is behind.
        let mut q = Pacer::new(10.0, t0);
        for _ in 0..3 {
            q.reserve(t0);
        }
        assert!(!q.is_idle(t0 + ms(299)));
        assert!(q.is_idle(t0 + ms(300)));
    }

    #[test]
    fn a_lower_rate_holds_slots_already_handed_out_to_it() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10.0, t0);
        let sent = drive(&mut p, t0, 10, |_, _| t0, |_| Duration::ZERO);
        assert_eq!(*sent.last().unwrap() - t0, ms(900));
        p.set_rate(2.0);
        let more = drive(&mut p, t0 + ms(900), 4, |_, _| t0 + ms(900), |_| ms(0));
        let all: Vec<Instant> = sent.into_iter().chain(more).collect();
        // At 2/s: no window of one second holds more than two of the new sends.
        assert!(max_in_any_window(&all[10..], Duration::from_secs(1)) <= 2);
        assert!(all[10] - all[9] >= ms(500));
    }

    #[test]
    fn below_one_per_second_the_window_is_one_period() {
        let t0 = Instant::now();
        let mut p = Pacer::new(0.5, t0);
        let sent = drive(
            &mut p,
            t0,
            4,
            |_, _| t0,
            |i| ms(if i == 1 { 3000 } else { 0 }),
        );
        for w in sent.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_secs(2));
        }
    }

    #[test]
    fn spaced_from_answers_the_next_send_waits_a_whole_period_after_the_answer() {
        let t0 = Instant::now();
        let mut p = Pacer::new(0.2, t0);
        let first = p.reserve(t0);
        p.admit(first).unwrap();
        // The answer came 300 ms after the send (a slow trip there or back).
        let answer = first + ms(300);
        p.answered(answer);
        let slot = p.reserve(answer);
        assert!(slot >= answer + ms(5000), "{:?}", slot - answer);
        // A send already slotted on the old grid is still held to the answer.
        assert_eq!(p.admit(first + ms(5000)), Err(answer + ms(5000)));
        assert!(p.admit(answer + ms(5000)).is_ok());
    }
}
