//! SSG end to end against its simulator over HTTP: the unanswered-only Q&A listing, and the
//! store recording a question as answered once a complete listing no longer shows it; the
//! open-only cancel requests, whose completions are not taken for withdrawals.

use chrono::{DateTime, Duration, Utc};
use sellerbox::collect::{Collector, Range, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::Kind;
use sellerbox::store::{self, Outcome};
use sim::{RunningSim, SimClock, SimConfig};
use sqlx::SqlitePool;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

struct Rig {
    _dir: tempfile::TempDir,
    sim: RunningSim,
    collector: Collector,
    target: Target,
    db: SqlitePool,
}

async fn rig() -> Rig {
    rig_with(20).await
}

async fn rig_with(orders_per_day: u32) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("s.sqlite").display());
    let store = store::connect(&url).await.unwrap();
    let clock = SimClock::frozen_at("2025-03-10T03:00:00Z".parse().unwrap());
    let sim = sim::start(
        &sim::ssg::SIM,
        SimConfig {
            sellers: 1,
            seed: 11,
            rps: Some(1000.0),
            orders_per_day,
            inquiries_per_day: 12,
            clock: clock.clone(),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let http = Http::new(RetryPolicy {
        backoff_min: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..RetryPolicy::default()
    })
    .unwrap();
    http.limiter().override_rate(Some(1000.0));
    let collector = Collector::new(http, store, Arc::new(move || clock.now()));
    let c = &sim.credentials[0];
    let target = Target::from_entry(c).expect("a simulator's credentials entry");
    let db = SqlitePool::connect(&url).await.unwrap();
    Rig {
        _dir: dir,
        sim,
        collector,
        target,
        db,
    }
}

impl Rig {
    /// inquiry id -> (answered, answered_at).
    async fn inquiries(&self) -> BTreeMap<String, (bool, Option<String>)> {
        let rows: Vec<(String, bool, Option<String>)> =
            sqlx::query_as("SELECT inquiry_id, answered, answered_at FROM inquiries")
                .fetch_all(&self.db)
                .await
                .unwrap();
        rows.into_iter().map(|(id, a, at)| (id, (a, at))).collect()
    }

    /// What SSG lists now for the 30 days a run covers, as our ids.
    fn listed(&self) -> BTreeSet<String> {
        let now = self.sim.clock().now();
        self.sim
            .truth(
                &self.target.seller_id,
                "inquiries",
                now - Duration::days(40),
                now,
            )
            .unwrap()
            .ids
            .into_iter()
            .map(|n| format!("qna-{n}"))
            .collect()
    }

    /// claim id -> raw status.
    async fn claims(&self) -> BTreeMap<String, String> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT claim_id, raw_status FROM claims")
            .fetch_all(&self.db)
            .await
            .unwrap();
        rows.into_iter().collect()
    }

    async fn inquiries_run(&self) -> sellerbox::collect::RunSummary {
        self.collector
            .run(&self.target, Kind::Inquiries, Range::Auto, None)
            .await
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_that_leaves_the_unanswered_list_is_recorded_answered_when_noticed() {
    let r = rig().await;
    let first = r.inquiries_run().await;
    assert_eq!(first.outcome, Outcome::Complete, "{first:?}");
    let seen = r.inquiries().await;
    assert!(!seen.is_empty());
    assert!(
        seen.values().all(|(a, _)| !a),
        "SSG lists unanswered questions only"
    );
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), r.listed());

    // Two days later the seller has answered some; new questions have come in.
    r.sim.clock().advance(Duration::days(2));
    let noticed = r.sim.clock().now();
    let second = r.inquiries_run().await;
    assert_eq!(second.outcome, Outcome::Complete, "{second:?}");
    let now = r.inquiries().await;
    let open_now = r.listed();
    let mut answered = 0;
    for (id, (was_answered, _)) in &seen {
        assert!(!was_answered);
        let (is_answered, at) = &now[id];
        if open_now.contains(id) {
            assert_eq!((*is_answered, at), (false, &None), "{id} is still open");
        } else {
            assert!(*is_answered, "{id} left the list but is not answered");
            assert_eq!(at.as_deref(), Some(ts(noticed).as_str()), "{id}");
            answered += 1;
        }
    }
    assert!(
        answered > 0,
        "no question was answered in two simulated days"
    );
    assert!(second.updated >= answered, "{second:?}");
    // Nothing deleted; every open question stored is one SSG lists.
    assert!(seen.keys().all(|id| now.contains_key(id)));
    let open_stored: BTreeSet<String> = now
        .iter()
        .filter(|(_, (a, _))| !a)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(open_stored, open_now);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_listing_marks_nothing_and_the_next_complete_one_does() {
    let r = rig().await;
    assert_eq!(r.inquiries_run().await.outcome, Outcome::Complete);
    let before = r.inquiries().await;
    r.sim.clock().advance(Duration::days(2));
    let admin = format!("http://{}/_sim/inject", r.sim.addr);
    let inject = |body: serde_json::Value| {
        let admin = admin.clone();
        async move {
            reqwest::Client::new()
                .post(admin)
                .json(&body)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap();
        }
    };
    // Every attempt fails: more 5xx than the retry budget.
    inject(serde_json::json!({"fail_next": 100})).await;
    let failed = r.inquiries_run().await;
    assert_eq!(failed.outcome, Outcome::Failed, "{failed:?}");
    assert_eq!(
        r.inquiries().await,
        before,
        "a failed listing changed inquiries"
    );
    // Cut-off answers on every attempt: no complete listing either.
    inject(serde_json::json!({"truncate_next": 100})).await;
    let cut = r.inquiries_run().await;
    assert_eq!(cut.outcome, Outcome::Failed, "{cut:?}");
    assert_eq!(r.inquiries().await, before);
    inject(serde_json::json!({})).await;
    let ok = r.inquiries_run().await;
    assert_eq!(ok.outcome, Outcome::Complete, "{ok:?}");
    let after = r.inquiries().await;
    assert!(
        before.keys().any(|id| after[id].0),
        "the complete listing marked nothing"
    );
}

/// SSG's open cancel requests drop a request once it is settled, and the store closes a
/// stored request a complete listing no longer shows: a request that became a cancellation
/// is read from the cancelled lines in the same cycle and must not be taken for a withdrawal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_request_that_is_cancelled_is_not_taken_for_a_withdrawal() {
    let r = rig_with(400).await;
    let orders = || r.collector.run(&r.target, Kind::Orders, Range::Auto, None);
    let first = orders().await;
    assert_eq!(first.outcome, Outcome::Complete, "{first:?}");
    let open: Vec<String> = r
        .claims()
        .await
        .into_iter()
        .filter(|(_, raw)| raw == "CANCEL/REQUESTED")
        .map(|(id, _)| id)
        .collect();
    assert!(!open.is_empty(), "no open cancel request to follow");
    // The simulator settles every request within ten hours.
    r.sim.clock().advance(Duration::hours(12));
    let second = orders().await;
    assert_eq!(second.outcome, Outcome::Complete, "{second:?}");
    let now = r.claims().await;
    for id in &open {
        assert_eq!(now[id], "CANCEL/180", "{id}");
    }
    assert!(
        !now.values().any(|raw| raw == "CANCEL/LEFT_OPEN_LIST"),
        "a settled request was taken for a withdrawal"
    );
}
