//! Windows and watermarks (DESIGN.md, "Progress and windows").

use crate::markets::{KindPlan, Span};
use crate::model::{Window, kst, kst_midnight};
use chrono::{DateTime, Duration, Utc};

/// Where a run starts: `lookback` before the watermark, or `backfill` before now for a
/// seller's first run. Never later than `now`.
pub fn start_of_run(
    plan: &KindPlan,
    watermark: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match watermark {
        Some(w) => (w.min(now) - plan.lookback).min(now),
        None => now - plan.backfill,
    }
}

/// Split `[from, to)` into the windows one request of this kind may cover. Day-granular
/// kinds get whole KST days (the last one may end after `to`); hour spans get windows of
/// at most that many hours ending exactly at `to`.
pub fn windows(span: Span, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
    let mut out = Vec::new();
    if from >= to {
        return out;
    }
    match span {
        Span::Hours(h) => {
            let step = Duration::hours(h.max(1));
            let mut a = from;
            while a < to {
                let b = (a + step).min(to);
                out.push(Window::new(a, b));
                a = b;
            }
        }
        Span::KstDays(n) => {
            let mut a = kst_midnight_at_or_before(from);
            while a < to {
                let b = a + Duration::days(n.max(1));
                out.push(Window::new(a, b.min(kst_midnight_at_or_after(to))));
                a = b;
            }
        }
    }
    out
}

fn kst_midnight_at_or_before(t: DateTime<Utc>) -> DateTime<Utc> {
    kst_midnight(t.with_timezone(&kst()).date_naive())
}

fn kst_midnight_at_or_after(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = kst_midnight_at_or_before(t);
    if floor == t {
        t
    } else {
        floor + Duration::days(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn plan(span: Span, lookback_days: i64) -> KindPlan {
        KindPlan {
            kind: Kind::Orders,
            span,
            max_range: Some(span),
            lookback: Duration::days(lookback_days),
            backfill: Duration::days(7),
            max_history: Duration::days(90),
        }
    }

    #[test]
    fn hour_windows_cover_the_range_exactly_without_gaps() {
        let w = windows(
            Span::Hours(24),
            t("2025-01-01T00:00:00Z"),
            t("2025-01-03T12:00:00Z"),
        );
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].from, t("2025-01-01T00:00:00Z"));
        assert_eq!(w[2].to, t("2025-01-03T12:00:00Z"));
        for pair in w.windows(2) {
            assert_eq!(pair[0].to, pair[1].from);
        }
        assert!(w.iter().all(|x| x.to - x.from <= Duration::hours(24)));
    }

    #[test]
    fn day_windows_are_whole_kst_days_of_at_most_n_dates() {
        // 7 days back from 2025-01-08T10:00 KST touches 8 calendar days: 1st..8th.
        let to = t("2025-01-08T01:00:00Z");
        let from = to - Duration::days(7);
        let w = windows(Span::KstDays(7), from, to);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].kst_dates().0.to_string(), "2025-01-01");
        assert_eq!(w[0].kst_dates().1.to_string(), "2025-01-07");
        assert_eq!(w[1].kst_dates().0.to_string(), "2025-01-08");
        assert_eq!(w[1].kst_dates().1.to_string(), "2025-01-08");
        // 31-day spans fit a 7-day backfill in one window.
        assert_eq!(windows(Span::KstDays(31), from, to).len(), 1);
    }

    #[test]
    fn first_run_backfills_and_later_runs_look_back_from_the_watermark() {
        let now = t("2025-01-08T00:00:00Z");
        let feed = plan(Span::Hours(24), 0);
        assert_eq!(start_of_run(&feed, None, now), now - Duration::days(7));
        let wm = t("2025-01-07T23:50:00Z");
        assert_eq!(start_of_run(&feed, Some(wm), now), wm);
        let listing = plan(Span::KstDays(31), 7);
        assert_eq!(
            start_of_run(&listing, Some(wm), now),
            wm - Duration::days(7)
        );
        // A watermark in the future (clock skew) never starts a run after now.
        let ahead = now + Duration::hours(1);
        assert!(start_of_run(&feed, Some(ahead), now) <= now);
    }

    #[test]
    fn an_empty_range_has_no_windows() {
        let a = t("2025-01-01T00:00:00Z");
        assert!(windows(Span::Hours(24), a, a).is_empty());
        assert!(windows(Span::KstDays(1), a, a - Duration::hours(1)).is_empty());
    }
}
