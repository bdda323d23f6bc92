//! Leases of a fleet key's rate, in the style of Google's Doorman: every process that
//! sends on a key the market scopes to our application or egress IP holds a lease row
//! (key, holder) with an expiry a few seconds ahead, renewed twice a second in one
//! transaction. A renewal reports what the holder saw (throttles, successes, a limit the
//! market told), moves the fleet's one shared rate by AIMD, drops expired leases and
//! grants the holder its share: an equal part of the shared rate among the live holders,
//! never more than the others leave free. So the granted shares never add up to more
//! than the rate, a process alone gets all of it, a process that goes idle lets its lease
//! go at once, and one that dies gives its share back when its lease expires.
//!
//! Why the database the fleet already has, not Redis or DynamoDB: every container already
//! holds a PostgreSQL connection (through RDS Proxy); two small transactions a second per
//! active key and container are nothing to it; and a lease row with an expiry, judged by
//! the database's own clock, is exactly the state Doorman keeps. A Redis token bucket
//! would be one more AWS part (ElastiCache in the VPC, its failover, its cost) to take a
//! token per request, a round trip on every request instead of two a second per key.

use super::limiter::{ADDITIVE_INCREASE, FLOOR, KeyCell, MULTIPLICATIVE_DECREASE};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often a holder renews its lease.
pub const RENEW_EVERY: Duration = Duration::from_millis(500);
/// How long a lease outlives its last renewal: a dead holder's share is free again after
/// this, at the others' next renewal.
pub const LEASE_TTL: Duration = Duration::from_secs(3);
/// Renewals without a request or a waiter after which a holder lets its lease go.
const IDLE_RENEWALS: u32 = 2;
/// The shared rate moves at most once a second, however many holders report.
const AIMD_STEP: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// Where leases are kept (PostgreSQL: `store::PgLeases`).
#[async_trait]
pub trait RateLeases: Send + Sync {
    /// Take or renew a lease and report; the holder's share of the key's rate.
    async fn renew(&self, renewal: &Renewal) -> Result<Grant, LeaseError>;
    /// Let a lease go (only the one `lease_id` names: a newer lease stays).
    async fn release(&self, key: &str, holder: &str, lease_id: &str) -> Result<(), LeaseError>;
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("the rate lease table could not be read or written: {0}")]
    Store(String),
}

/// One holder's renewal of one key's lease.
#[derive(Debug, Clone)]
pub struct Renewal {
    /// [`super::LimitKey::label`].
    pub key: String,
    pub holder: String,
    /// Names this holding; a release names it so that it never drops a newer one.
    pub lease_id: String,
    /// The key's documented rate (or the run's override), requests per second.
    pub documented: f64,
    pub report: Report,
    pub ttl: Duration,
}

/// What a holder saw since its last renewal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub throttled: bool,
    pub successes: u64,
    /// The lowest rate the market told (Naver's replenish-rate header).
    pub told: Option<f64>,
}

/// What a renewal grants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grant {
    /// This holder's requests per second until its next renewal.
    pub share: f64,
    /// The fleet's rate on the key now.
    pub rate: f64,
    /// The most the key may run at: the documented rate, or the lower one the market told.
    pub ceiling: f64,
    /// Live holders, this one included.
    pub holders: u32,
}

/// The fleet's shared rate of one key, as the lease table keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharedRate {
    /// The documented rate it was started from (a changed one starts it over).
    pub documented: f64,
    pub rate: f64,
    pub told: Option<f64>,
    pub decreased_at: DateTime<Utc>,
    pub increased_at: DateTime<Utc>,
}

impl SharedRate {
    /// A key no holder has used yet: its documented rate.
    pub fn fresh(documented: f64, now: DateTime<Utc>) -> Self {
        let long_ago = now - chrono::TimeDelta::hours(1);
        SharedRate {
            documented,
            rate: documented,
            told: None,
            decreased_at: long_ago,
            increased_at: long_ago,
        }
    }

    pub fn ceiling(&self) -> f64 {
        self.told
            .map_or(self.documented, |t| t.min(self.documented))
    }

    /// The rate after one holder's report at `now` (the database's clock): halved on a
    /// throttle, a tenth of the ceiling back after a second of success, at most one step
    /// a second for the whole fleet (four holders throttled by one burst halve it once).
    pub fn next(self, documented: f64, report: &Report, now: DateTime<Utc>) -> SharedRate {
        let mut out = if documented == self.documented {
            self
        } else {
            SharedRate::fresh(documented, now)
        };
        out.told = match (out.told, report.told) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let ceiling = out.ceiling();
        let last_change = out.decreased_at.max(out.increased_at);
        if report.throttled {
            if now - out.decreased_at >= AIMD_STEP {
                out.rate *= MULTIPLICATIVE_DECREASE;
                out.decreased_at = now;
            }
        } else if report.successes > 0 && out.rate < ceiling && now - last_change >= AIMD_STEP {
            out.rate += ceiling * ADDITIVE_INCREASE;
            out.increased_at = now;
        }
        out.rate = out.rate.clamp(ceiling * FLOOR, ceiling);
        out
    }
}

/// A holder's share of `rate` when the other live holders hold `others`: an equal part,
/// never more than they leave free (they shrink to theirs at their own next renewal).
pub fn share(rate: f64, others: &[f64]) -> f64 {
    let fair = rate / (others.len() + 1) as f64;
    let free = rate - others.iter().sum::<f64>();
    fair.min(free).max(0.0)
}

/// A fleet key's lease as its limiter state keeps it.
pub(crate) struct Holding {
    pub(crate) report: Report,
    key: String,
    holder: String,
    leases: Arc<dyn RateLeases>,
    /// A task holds the lease now.
    running: bool,
    idle_renewals: u32,
    sent_at_renewal: u64,
}

/// What the task holding a lease needs.
pub(crate) struct Start {
    key: String,
    holder: String,
    lease_id: String,
    leases: Arc<dyn RateLeases>,
}

impl Holding {
    pub(crate) fn new(key: String, holder: String, leases: Arc<dyn RateLeases>) -> Self {
        Holding {
            report: Report::default(),
            key,
            holder,
            leases,
            running: false,
            idle_renewals: 0,
            sent_at_renewal: 0,
        }
    }

    /// When no task holds the lease: what a new one needs (the caller spawns [`hold`]).
    pub(crate) fn start(&mut self) -> Option<Start> {
        if self.running {
            return None;
        }
        self.running = true;
        self.idle_renewals = 0;
        Some(Start {
            key: self.key.clone(),
            holder: self.holder.clone(),
            lease_id: uuid::Uuid::new_v4().simple().to_string(),
            leases: self.leases.clone(),
        })
    }
}

/// Hold a key's lease while the key is in use: renew, apply the share, let go when idle.
pub(crate) async fn hold(cell: Weak<KeyCell>, start: Start) {
    loop {
        let Some(c) = cell.upgrade() else { return };
        let renewal = {
            let mut guard = c.state.lock().expect("key lock");
            let s = &mut *guard;
            let (waiting, sent, documented) = (s.waiting, s.sent, s.documented);
            let l = s.lease.as_mut().expect("a held key has a lease");
            let idle = waiting == 0 && sent == l.sent_at_renewal;
            l.idle_renewals = if idle { l.idle_renewals + 1 } else { 0 };
            l.sent_at_renewal = sent;
            if l.idle_renewals >= IDLE_RENEWALS {
                // Decided under the lock: a waiter arriving after this starts a new holding.
                l.running = false;
                s.paused = true;
                None
            } else {
                Some(Renewal {
                    key: start.key.clone(),
                    holder: start.holder.clone(),
                    lease_id: start.lease_id.clone(),
                    documented,
                    report: std::mem::take(&mut l.report),
                    ttl: LEASE_TTL,
                })
            }
        };
        let Some(renewal) = renewal else {
            drop(c);
            if let Err(e) = start
                .leases
                .release(&start.key, &start.holder, &start.lease_id)
                .await
            {
                // Harmless: the lease expires by itself within LEASE_TTL.
                tracing::debug!(key = %start.key, error = %e, "rate lease not released");
            }
            return;
        };
        let granted = start.leases.renew(&renewal).await;
        c.update(|s| {
            let was_paused = s.paused;
            let share = match granted {
                Ok(g) => {
                    s.ceiling = g.ceiling;
                    g.share
                }
                Err(ref e) => {
                    // Without the table no share is known: the floor keeps the run going
                    // far below any limit until the table answers again.
                    tracing::warn!(key = %renewal.key, error = %e,
                        "rate lease not renewed; pacing this key at its floor");
                    renewal.documented * FLOOR
                }
            };
            s.paused = share <= 0.0;
            let changed = if share > 0.0 {
                s.set_exact(share)
            } else {
                false
            };
            changed || was_paused != s.paused
        });
        drop(c);
        tokio::time::sleep(RENEW_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn ms(n: i64) -> chrono::TimeDelta {
        chrono::TimeDelta::milliseconds(n)
    }

    #[test]
    fn shares_never_add_up_to_more_than_the_rate_and_converge_to_equal_parts() {
        // A holds everything; B joins and gets what is free: nothing yet.
        let mut a = share(10.0, &[]);
        assert_eq!(a, 10.0);
        let mut b = share(10.0, &[a]);
        assert_eq!(b, 0.0);
        // A renews: its equal part; B renews: what A left.
        a = share(10.0, &[b]);
        assert_eq!(a, 5.0);
        b = share(10.0, &[a]);
        assert_eq!(b, 5.0);
        // C joins, then everyone renews in turn: the sum stays within the rate throughout.
        let mut held = [a, b, 0.0];
        for round in 0..4 {
            for i in 0..3 {
                let others: Vec<f64> = (0..3).filter(|j| *j != i).map(|j| held[j]).collect();
                held[i] = share(10.0, &others);
                assert!(held.iter().sum::<f64>() <= 10.0 + 1e-9, "round {round}");
            }
        }
        for h in held {
            assert!((h - 10.0 / 3.0).abs() < 1e-9, "{held:?}");
        }
    }

    #[test]
    fn one_burst_of_throttles_halves_the_fleet_rate_once() {
        let r = SharedRate::fresh(10.0, t0());
        let throttled = Report {
            throttled: true,
            ..Report::default()
        };
        let r = r.next(10.0, &throttled, t0());
        assert_eq!(r.rate, 5.0);
        // Three more holders report the same burst within the second.
        let r = r
            .next(10.0, &throttled, t0() + ms(100))
            .next(10.0, &throttled, t0() + ms(300))
            .next(10.0, &throttled, t0() + ms(900));
        assert_eq!(r.rate, 5.0);
        // A later throttle halves again, down to the floor and no further.
        let mut r = r.next(10.0, &throttled, t0() + ms(1000));
        assert_eq!(r.rate, 2.5);
        for i in 2..20 {
            r = r.next(10.0, &throttled, t0() + ms(1000 * i));
        }
        assert_eq!(r.rate, 10.0 * FLOOR);
    }

    #[test]
    fn success_climbs_back_a_tenth_a_second_up_to_the_ceiling() {
        let ok = Report {
            successes: 3,
            ..Report::default()
        };
        let mut r = SharedRate::fresh(10.0, t0());
        r.rate = 5.0;
        r.decreased_at = t0();
        // Within the second of the decrease: no step.
        r = r.next(10.0, &ok, t0() + ms(500));
        assert_eq!(r.rate, 5.0);
        r = r.next(10.0, &ok, t0() + ms(1000));
        assert_eq!(r.rate, 6.0);
        r = r.next(10.0, &ok, t0() + ms(1500));
        assert_eq!(r.rate, 6.0);
        // No traffic, no step.
        r = r.next(10.0, &Report::default(), t0() + ms(5000));
        assert_eq!(r.rate, 6.0);
        for i in 0..20 {
            r = r.next(10.0, &ok, t0() + ms(6000 + 1000 * i));
        }
        assert_eq!(r.rate, 10.0);
    }

    #[test]
    fn a_told_limit_caps_the_rate_and_a_new_documented_rate_starts_over() {
        let told = Report {
            told: Some(4.0),
            ..Report::default()
        };
        let r = SharedRate::fresh(10.0, t0()).next(10.0, &told, t0());
        assert_eq!((r.rate, r.ceiling()), (4.0, 4.0));
        // A higher told rate never raises it.
        let r = r.next(
            10.0,
            &Report {
                told: Some(8.0),
                ..Report::default()
            },
            t0() + ms(10),
        );
        assert_eq!(r.ceiling(), 4.0);
        // A run with another documented rate (an override) starts from that one.
        let r = r.next(50.0, &Report::default(), t0() + ms(20));
        assert_eq!((r.rate, r.ceiling()), (50.0, 50.0));
    }
}
