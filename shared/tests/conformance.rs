//! The conformance suite: every market this build collects (`markets::compiled()`), run
//! against its own simulator (`sim::find`) over HTTP, into a store of its own. A market gets
//! these tests by being registered (its line in `markets::registry!` and in
//! `sim::MARKETS`), in the spirit of Airbyte's connector acceptance tests; each test loops
//! over the markets and names the market in every failure.
//!
//! What a market provides for it: `MarketSpec::throttles` and `KindPlan::max_range` (the
//! documented facts), and on its simulator `SimSpec::{throttles, wrong_credentials,
//! order_listed_at, status_codes}` (what it can be asked to do, and what it holds:
//! `/_sim/truth`). The CLI's demo and bench over every market are in cli/tests/cli.rs.

#[path = "conformance/rig.rs"]
mod rig;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rig::{Backend, Rig, SMALL, Volume, markets, retry_policy, simulator};
use sellerbox::ErrorKind;
use sellerbox::collect::{Range, Target, windows};
use sellerbox::http::{Meter, TokenCache};
use sellerbox::markets::{ConnectCtx, Span};
use sellerbox::model::{Kind, Window, kst};
use sellerbox::store::{Outcome, Totals};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Large enough that every listing of every kind needs more than one page (Naver's
/// settle/case pages hold 1000 lines, its change feed 300 rows; Coupang's 50).
const BIG: Volume = Volume {
    orders_per_day: 800,
    inquiries_per_day: 100,
};

/// Markets whose listings document no paging: every answer holds all rows of its period
/// (SSG: no paging parameter in the docs or in any public client; 11st answers each list whole), so their pages cannot
/// grow with volume; the suite still checks that every row the simulator holds is stored.
const UNPAGED: &[&str] = &["ssg", "11st"];

/// The range a first run of `kind` covers: its backfill, cut into the plan's windows.
fn first_run_range(rig: &Rig, kind: Kind) -> (DateTime<Utc>, DateTime<Utc>) {
    let plan = rig
        .spec
        .plan(kind)
        .unwrap_or_else(|| panic!("{}: no plan for {kind}", rig.market));
    let now = rig.now();
    let w = windows(plan.span, now - plan.backfill, now);
    (w[0].from, w[w.len() - 1].to)
}

/// The longest stretch a span allows, for comparing spans.
fn length(span: Span) -> Duration {
    match span {
        Span::Hours(h) => Duration::hours(h),
        Span::KstDays(n) => Duration::days(n),
    }
}

/// Whether one request's window keeps to `span`.
fn fits(span: Span, w: &Window) -> bool {
    match span {
        Span::Hours(h) => w.to - w.from <= Duration::hours(h),
        Span::KstDays(n) => {
            let (first, last) = w.kst_dates();
            (last - first).num_days() < n
        }
    }
}

/// A window twice as long as `max`, ending at `now` (whole KST days for day spans).
fn twice(max: Span, now: DateTime<Utc>) -> Window {
    match max {
        Span::Hours(h) => Window::new(now - Duration::hours(2 * h), now),
        Span::KstDays(n) => {
            let today = now.with_timezone(&kst()).date_naive();
            let midnight = |d: chrono::NaiveDate| {
                kst()
                    .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
                    .single()
                    .expect("KST has no gaps")
                    .with_timezone(&Utc)
            };
            let end = midnight(today) + Duration::days(1);
            Window::new(end - Duration::days(2 * n), end)
        }
    }
}

/// A few of a set's members, for messages.
fn some<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<&'a String> {
    ids.into_iter().take(5).collect()
}

/// The stored orders are exactly the ones the simulator lists for `[from, to)`.
async fn assert_orders_match_truth(rig: &Rig, from: DateTime<Utc>, to: DateTime<Utc>, when: &str) {
    let m = rig.market;
    let want = rig.truth(Kind::Orders, from, to).await;
    let got = rig.order_ids().await;
    assert!(
        !want.is_empty(),
        "{m}: {when}: the simulator holds no orders for {from}..{to}"
    );
    assert!(
        got == want,
        "{m}: {when}: stored {} orders, the simulator lists {} for {from}..{to}; missing {:?}, not listed {:?}",
        got.len(),
        want.len(),
        some(want.difference(&got)),
        some(got.difference(&want)),
    );
}

// ------------------------------------------------------------------- 1. pagination

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_read_and_every_order_the_marketplace_holds_is_stored() {
    for spec in markets() {
        let m = spec.market;
        let tiny = Rig::start(
            spec,
            Backend::Sqlite,
            Volume {
                orders_per_day: 2,
                inquiries_per_day: 1,
            },
        )
        .await;
        let big = Rig::start(spec, Backend::Sqlite, BIG).await;
        for kind in big.kinds() {
            let few = tiny.complete(kind, Range::Auto).await;
            let many = big.complete(kind, Range::Auto).await;
            assert!(many.inserted > 0, "{m}: {kind}: nothing stored: {many:?}");
            // The same windows and listings: only pagination can add pages.
            assert_eq!(few.windows, many.windows, "{m}: {kind}");
            if UNPAGED.contains(&m.as_str()) {
                assert_eq!(
                    few.pages, many.pages,
                    "{m}: {kind}: unpaged, yet pages differ"
                );
                continue;
            }
            assert!(
                many.pages > few.pages,
                "{m}: {kind}: {} pages for a seller with {BIG:?}, {} for a tiny one: the \
                 listings were not paged through (or the seller is too small to need it)",
                many.pages,
                few.pages
            );
        }
        let (from, to) = first_run_range(&big, Kind::Orders);
        assert_orders_match_truth(&big, from, to, "after a backfill over many pages").await;
        if big.spec.plan(Kind::Inquiries).is_some() {
            let (from, to) = first_run_range(&big, Kind::Inquiries);
            let want = big.truth(Kind::Inquiries, from, to).await.len() as i64;
            let got = big.count("inquiries").await;
            assert_eq!(
                got, want,
                "{m}: stored {got} inquiries, the simulator holds {want} asked in {from}..{to}"
            );
        }
    }
}

// ------------------------------------------------------------------- 2. windows

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_keep_to_the_documented_ranges_and_a_longer_request_is_refused() {
    for spec in markets() {
        let m = spec.market;
        let r = Rig::start(spec, Backend::Sqlite, SMALL).await;
        let now = r.now();
        for plan in spec.plans {
            let kind = plan.kind;
            if let Some(max) = plan.max_range {
                assert!(
                    length(plan.span) <= length(max),
                    "{m}: {kind}: windows of {:?} are longer than the documented {max:?}",
                    plan.span
                );
            }
            // Any alignment of a long range: windows within the span, no gap, no overlap.
            for end in [now, now + Duration::minutes(13 * 60 + 37)] {
                let start = end - Duration::days(40);
                let w = windows(plan.span, start, end);
                assert!(
                    w[0].from <= start && w[w.len() - 1].to >= end,
                    "{m}: {kind}: {w:?}"
                );
                for x in &w {
                    assert!(
                        fits(plan.span, x),
                        "{m}: {kind}: window {x:?} exceeds {:?}",
                        plan.span
                    );
                }
                for pair in w.windows(2) {
                    assert_eq!(pair[0].to, pair[1].from, "{m}: {kind}: gap or overlap");
                }
            }
        }
        // A range longer than any one request may ask is collected window by window.
        for kind in r.kinds() {
            let s = r.complete(kind, Range::Since(Duration::days(20))).await;
            assert!(s.windows >= 1, "{m}: {kind}: {s:?}");
        }
        // A window longer than the documented maximum, asked directly: the marketplace
        // refuses it, and the connector says so as a typed error.
        for plan in spec.plans {
            let kind = plan.kind;
            let Some(max) = plan.max_range else {
                continue;
            };
            let too_long = twice(max, now);
            let meter = Meter::default();
            let connector = (spec.connect)(ConnectCtx {
                http: r.collector.http.clone(),
                tokens: TokenCache::default(),
                meter: meter.clone(),
                seller_id: r.target.seller_id.clone(),
                credentials: r.target.credentials.value(),
                base_url: r.target.base_url.clone(),
                options: r.target.options.clone(),
            })
            .unwrap_or_else(|e| panic!("{m}: connect: {e}"));
            match connector.fetch(kind, too_long).await {
                Ok(recs) => panic!(
                    "{m}: {kind}: a window of {too_long:?}, twice the documented {max:?}, \
                     succeeded with {} orders, {} settlements, {} inquiries",
                    recs.orders.len(),
                    recs.settlements.len(),
                    recs.inquiries.len()
                ),
                Err(e) => assert_eq!(
                    e.kind(),
                    ErrorKind::Rejected,
                    "{m}: {kind}: a window twice the documented {max:?} failed as {}: {e}",
                    e.kind()
                ),
            }
            assert!(
                meter.snapshot().requests >= 1,
                "{m}: {kind}: refused without asking the marketplace"
            );
        }
    }
}

// ------------------------------------------------------------------- 3. throttles

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_throttle_answer_is_survived() {
    for spec in markets() {
        let m = spec.market;
        let sim_spec = simulator(spec);
        assert!(
            !spec.throttles.is_empty(),
            "{m}: MarketSpec::throttles names no throttle answer"
        );
        for name in spec.throttles {
            assert!(
                sim_spec.throttles.contains(name),
                "{m}: the connector documents the throttle answer {name:?}, but the simulator \
                 cannot give it (SimSpec::throttles: {:?})",
                sim_spec.throttles
            );
        }
        for name in spec.throttles {
            let r = Rig::start(spec, Backend::Sqlite, SMALL).await;
            r.inject(json!({ "throttle_next": 2, "throttle_answer": name }))
                .await;
            let s = r.run(Kind::Orders, Range::Auto).await;
            assert_eq!(
                s.outcome,
                Outcome::Complete,
                "{m}: two {name:?} throttle answers failed the run: {s:?}"
            );
            assert!(
                s.throttled >= 2,
                "{m}: two {name:?} answers, {} counted as throttles: {s:?}",
                s.throttled
            );
            let (from, to) = first_run_range(&r, Kind::Orders);
            assert_orders_match_truth(&r, from, to, &format!("after {name:?} throttles")).await;
        }
    }
}

// ------------------------------------------------------------------- 4. credentials

/// The string values that differ between two credential objects: the secrets.
fn changed(right: &Value, wrong: &Value, out: &mut Vec<String>) {
    match (right, wrong) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                changed(v, b.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::String(a), Value::String(b)) if a != b => {
            out.push(a.clone());
            out.push(b.clone());
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_credentials_rejected_and_stores_nothing() {
    for spec in markets() {
        let m = spec.market;
        let r = Rig::start(spec, Backend::Sqlite, SMALL).await;
        let right = r.target.credentials.value();
        let wrong = (simulator(spec).wrong_credentials)(&right);
        let mut secrets = Vec::new();
        changed(&right, &wrong, &mut secrets);
        assert!(
            !secrets.is_empty(),
            "{m}: wrong_credentials changed nothing"
        );
        let target = Target {
            credentials: wrong.into(),
            ..r.target.clone()
        };
        // One kind after the other: a burst of refusals may earn a block (Coupang's Akamai).
        for kind in r.kinds() {
            let s = r.collector.run(&target, kind, Range::Auto, None).await;
            assert_eq!(s.outcome, Outcome::Failed, "{m}: {kind}: {s:?}");
            assert_eq!(
                s.error_kind,
                Some(ErrorKind::CredentialsRejected),
                "{m}: {kind}: a wrong secret ended as {:?}: {:?}",
                s.error_kind,
                s.error
            );
            let msg = s.error.clone().unwrap_or_default();
            for secret in &secrets {
                assert!(
                    !msg.contains(secret.as_str()),
                    "{m}: {kind}: the error shows a secret: {msg}"
                );
            }
            assert_eq!(
                r.watermark(kind).await,
                None,
                "{m}: {kind}: the watermark moved"
            );
        }
        for msg in r.run_errors().await {
            for secret in &secrets {
                assert!(
                    !msg.contains(secret.as_str()),
                    "{m}: a recorded run shows a secret: {msg}"
                );
            }
        }
        assert_eq!(r.totals().await, Totals::default(), "{m}: rows were stored");
    }
}

// ------------------------------------------------------------------- 5. truncation

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_page_fails_its_window_and_commits_nothing() {
    // More truncated answers than the retry budget of every request of a window, however
    // many a connector sends at once.
    let budget = retry_policy().max_transient;
    let truncated = 1_000;
    assert!(truncated > budget * 20);
    for spec in markets() {
        let m = spec.market;
        let r = Rig::start(spec, Backend::Sqlite, SMALL).await;
        let mut watermarks = BTreeMap::new();
        for kind in r.kinds() {
            r.complete(kind, Range::Auto).await;
            watermarks.insert(kind, r.watermark(kind).await);
        }
        // The next windows would bring news.
        r.sim.clock().advance(Duration::hours(6));
        let before = r.snapshot().await;
        for kind in r.kinds() {
            r.inject(json!({ "truncate_next": truncated })).await;
            let s = r.run(kind, Range::Auto).await;
            r.inject(json!({})).await;
            assert_eq!(s.outcome, Outcome::Failed, "{m}: {kind}: {s:?}");
            match s.error_kind {
                // Today: not retried; the raw page is kept for diagnosis.
                Some(ErrorKind::FormatChanged) => assert!(
                    r.raw_pages(kind).await >= 1,
                    "{m}: {kind}: format_changed but no raw page kept: {s:?}"
                ),
                // Retried like a 5xx until the budget is spent.
                Some(ErrorKind::MarketplaceDown) => assert!(
                    s.retries >= u64::from(budget),
                    "{m}: {kind}: marketplace_down after {} retries: {s:?}",
                    s.retries
                ),
                other => panic!("{m}: {kind}: truncated pages ended as {other:?}: {s:?}"),
            }
            assert_eq!(s.windows, 0, "{m}: {kind}: a window was committed: {s:?}");
            assert_eq!(
                r.watermark(kind).await,
                watermarks[&kind],
                "{m}: {kind}: the watermark moved"
            );
        }
        assert!(
            r.snapshot().await == before,
            "{m}: rows changed although every window failed"
        );
    }
}

// ------------------------------------------------------------------- 6. idempotence

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collecting_the_same_window_twice_writes_nothing_the_second_time() {
    for spec in markets() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let m = format!("{} ({backend:?})", spec.market);
            let r = Rig::start(spec, backend, SMALL).await;
            let now = r.now();
            let range = Range::Between(now - Duration::days(3), now);
            let mut first = BTreeMap::new();
            for kind in r.kinds() {
                let s = r.complete(kind, range).await;
                assert!(s.inserted > 0, "{m}: {kind}: nothing stored: {s:?}");
                first.insert(kind, s);
            }
            let history = r.history().await.len();
            let before = r.snapshot().await;
            for kind in r.kinds() {
                let s = r.complete(kind, range).await;
                let f = &first[&kind];
                assert_eq!(
                    (s.inserted, s.updated, s.history),
                    (0, 0, 0),
                    "{m}: {kind}: the same window again wrote: {s:?}"
                );
                assert_eq!(
                    s.unchanged,
                    f.inserted + f.updated + f.unchanged,
                    "{m}: {kind}: not the same rows again: {f:?} then {s:?}"
                );
            }
            assert_eq!(r.history().await.len(), history, "{m}: history grew");
            assert!(r.snapshot().await == before, "{m}: rows changed");
        }
    }
}

// ------------------------------------------------------------------- 7. history

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_history_records_exactly_the_items_that_changed() {
    for spec in markets() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let m = format!("{} ({backend:?})", spec.market);
            let r = Rig::start(spec, backend, SMALL).await;
            r.complete(Kind::Orders, Range::Auto).await;
            let s1 = r.item_statuses().await;
            let h1 = r.history().await;
            assert!(!s1.is_empty(), "{m}: no items");
            // First sight: one row per item, from nothing to its status.
            let first: BTreeMap<_, _> = h1
                .iter()
                .map(|(_, o, i, from, to)| ((o.clone(), i.clone()), (from.clone(), to.clone())))
                .collect();
            assert_eq!(first.len(), h1.len(), "{m}: an item has two first rows");
            let want: BTreeMap<_, _> = s1
                .iter()
                .map(|(k, s)| (k.clone(), (None, s.clone())))
                .collect();
            assert!(first == want, "{m}: first sight is not one row per item");

            // Time passes: statuses move.
            r.sim.clock().advance(Duration::hours(12));
            let c2 = r.complete(Kind::Orders, Range::Auto).await;
            let s2 = r.item_statuses().await;
            let last_id = h1.last().map_or(0, |h| h.0);
            let rows: Vec<_> = r
                .history()
                .await
                .into_iter()
                .filter(|h| h.0 > last_id)
                .collect();
            let got: BTreeMap<_, _> = rows
                .iter()
                .map(|(_, o, i, from, to)| ((o.clone(), i.clone()), (from.clone(), to.clone())))
                .collect();
            assert_eq!(
                got.len(),
                rows.len(),
                "{m}: an item got two rows in one cycle"
            );
            assert_eq!(c2.history, rows.len() as u64, "{m}: {c2:?}");
            let want: BTreeMap<_, _> = s2
                .iter()
                .filter(|(k, s)| s1.get(*k) != Some(*s))
                .map(|(k, s)| (k.clone(), (s1.get(k).cloned(), s.clone())))
                .collect();
            let moved = want.values().filter(|(from, _)| from.is_some()).count();
            assert!(
                moved > 0,
                "{m}: no stored item changed status in 12 simulated hours"
            );
            let extra: Vec<_> = got
                .iter()
                .filter(|(k, v)| want.get(*k) != Some(*v))
                .take(5)
                .collect();
            let missing: Vec<_> = want
                .iter()
                .filter(|(k, v)| got.get(*k) != Some(*v))
                .take(5)
                .collect();
            assert!(
                got == want,
                "{m}: history of the second cycle is not the {} items that changed ({moved} moved, \
                 the others new): rows for unchanged items {extra:?}, changes without a row {missing:?}",
                want.len()
            );

            // No time passes: nothing changes, nothing is written.
            let c3 = r.complete(Kind::Orders, Range::Auto).await;
            assert_eq!(c3.history, 0, "{m}: {c3:?}");
            assert_eq!(
                r.history().await.len(),
                h1.len() + rows.len(),
                "{m}: history grew without a change"
            );
            assert!(
                r.item_statuses().await == s2,
                "{m}: statuses changed without time"
            );
        }
    }
}

// ------------------------------------------------------------------- 8. status table

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_the_simulator_emits_is_collected_and_mapped() {
    for spec in markets() {
        let m = spec.market;
        assert!(
            !simulator(spec).status_codes.is_empty(),
            "{m}: SimSpec::status_codes is empty"
        );
        let r = Rig::start(
            spec,
            Backend::Sqlite,
            Volume {
                orders_per_day: 150,
                inquiries_per_day: 1,
            },
        )
        .await;
        r.complete(Kind::Orders, Range::Auto).await;
        // Three simulated days, a cycle every six hours.
        for _ in 0..12 {
            r.sim.clock().advance(Duration::hours(6));
            r.complete(Kind::Orders, Range::Auto).await;
        }
        let totals = r.totals().await;
        assert!(totals.order_items > 0, "{m}: {totals:?}");
        assert_eq!(
            totals.unknown_statuses, 0,
            "{m}: items with unknown statuses: {totals:?}"
        );
        assert_eq!(
            r.unknown_statuses().await,
            0,
            "{m}: rows or history with unknown statuses"
        );
        let stored = r.raw_codes().await;
        let missing: Vec<_> = simulator(spec)
            .status_codes
            .iter()
            .filter(|c| !stored.contains(**c))
            .collect();
        assert!(
            missing.is_empty(),
            "{m}: status codes the simulator emits never reached the store in three simulated \
             days: {missing:?}; stored: {stored:?}"
        );
    }
}
