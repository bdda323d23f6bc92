//! The runner against the simulators and a real SQLite store: first runs backfill,
//! later runs resume from the watermark (Naver's change feed incrementally, Coupang's
//! ordersheets over 7 days again), and a deadline is a checkpoint, not a failure.

use chrono::Duration;
use sellerbox::collect::Range;
use sellerbox::model::{Kind, Market, RawJson, Records, RejectKey, Rejected};
use sellerbox::store::Outcome;
use std::time::Instant;

mod one_seller;

use one_seller::rig;

/// The windows of a Naver first run: its 7-day backfill cut by its plan's span.
fn backfill_windows() -> usize {
    let plan = sellerbox::markets::naver::SPEC.plan(Kind::Orders).unwrap();
    let now = chrono::Utc::now();
    sellerbox::collect::windows(plan.span, now - plan.backfill, now).len()
}

#[tokio::test]
async fn naver_reads_its_change_feed_incrementally_after_the_backfill() {
    let r = rig(&sim::naver::SIM).await;
    let first = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(first.outcome, Outcome::Complete, "{first:?}");
    assert_eq!(
        first.windows,
        backfill_windows(),
        "a first run backfills 7 days in the plan's windows"
    );
    assert!(first.inserted > 0);
    let wm = r
        .collector
        .store
        .watermark(&r.scope(Kind::Orders))
        .await
        .unwrap();
    assert_eq!(
        wm,
        Some(r.sim.clock().now()),
        "the watermark reaches the last window's end"
    );

    r.sim.clock().advance(Duration::minutes(10));
    let second = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(second.outcome, Outcome::Complete, "{second:?}");
    assert_eq!(
        second.windows, 1,
        "later runs read only the overlap since the watermark"
    );
    assert!(second.requests < first.requests, "{first:?} {second:?}");
}

#[tokio::test]
async fn coupang_rereads_seven_days_of_ordersheets_on_every_run() {
    let r = rig(&sim::coupang::SIM).await;
    let first = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(first.outcome, Outcome::Complete, "{first:?}");
    assert!(first.inserted > 0);
    r.sim.clock().advance(Duration::minutes(10));
    let second = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(second.outcome, Outcome::Complete, "{second:?}");
    // The same 7 days are listed again, so status changes of older orders are seen.
    assert!(
        second.unchanged + second.updated >= first.inserted / 2,
        "{first:?} {second:?}"
    );
}

#[tokio::test]
async fn a_deadline_stops_at_a_window_boundary_and_the_next_run_resumes() {
    let r = rig(&sim::naver::SIM).await;
    // A deadline already reached: nothing is fetched; the run ends successfully, partial.
    let stopped = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, Some(Instant::now()))
        .await;
    assert_eq!(stopped.outcome, Outcome::Partial, "{stopped:?}");
    assert_eq!(stopped.requests, 0);
    assert_eq!(stopped.error_kind, None);
    let wm = r
        .collector
        .store
        .watermark(&r.scope(Kind::Orders))
        .await
        .unwrap();
    assert_eq!(wm, None);
    let resumed = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(resumed.outcome, Outcome::Complete);
    assert_eq!(
        resumed.windows,
        backfill_windows(),
        "the resumed run still backfills everything"
    );
}

#[tokio::test]
async fn a_marketplace_outage_fails_the_run_with_its_kind_and_keeps_the_watermark() {
    let r = rig(&sim::coupang::SIM).await;
    r.sim.faults().fail_next(100);
    let failed = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(failed.outcome, Outcome::Failed);
    assert_eq!(
        failed.error_kind,
        Some(sellerbox::ErrorKind::MarketplaceDown)
    );
    assert!(failed.retries > 0);
    let wm = r
        .collector
        .store
        .watermark(&r.scope(Kind::Orders))
        .await
        .unwrap();
    assert_eq!(wm, None);
    let status = r.collector.store.status(&r.target.seller_id).await.unwrap();
    let orders = status.iter().find(|s| s.kind == Kind::Orders).unwrap();
    assert_eq!(
        orders.last_error_kind,
        Some(sellerbox::ErrorKind::MarketplaceDown)
    );
}

/// A record an earlier build could not read is kept raw; the next run reads it again with
/// this build's code, stores it, and marks it resolved, without asking the marketplace.
#[tokio::test]
async fn a_record_rejected_earlier_is_read_again_and_stored_by_the_next_run() {
    let r = rig(&sim::coupang::SIM).await;
    let scope = r.scope(Kind::Orders);
    let page: serde_json::Value = serde_json::from_str(include_str!(
        "../src/markets/coupang/testdata/ordersheets.json"
    ))
    .unwrap();
    let old_box = RawJson::from_value(&page["data"][0]);
    let planted = Records {
        rejected: vec![Rejected {
            key: RejectKey {
                endpoint: "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/ordersheets".into(),
                record_key: "642538971006401429".into(),
            },
            reason: "unexpected field type or missing field at `orderItems[0].salesPrice`".into(),
            raw: old_box,
        }],
        ..Records::default()
    };
    let now = r.sim.clock().now();
    let store = r.collector.store.clone();
    store
        .commit_window(&scope, &planted, now - Duration::days(30), now)
        .await
        .unwrap();
    assert_eq!(store.open_rejects(&scope, 10).await.unwrap().len(), 1);
    let before = store.totals(Some(Market::Coupang)).await.unwrap();

    let run = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(run.outcome, Outcome::Complete, "{run:?}");
    assert_eq!(run.rejected, 0, "the simulator's own rows all read");
    assert!(
        store.open_rejects(&scope, 10).await.unwrap().is_empty(),
        "the planted record is resolved"
    );
    let after = store.totals(Some(Market::Coupang)).await.unwrap();
    assert_eq!(after.rejected, 0);
    // The planted box's order (2024, long out of any window) is now stored beside the
    // simulator's orders.
    assert!(after.orders > before.orders);
    let stored = r
        .collector
        .run(&r.target, Kind::Orders, Range::Auto, None)
        .await;
    assert_eq!(
        stored.inserted, 0,
        "nothing new the second time: {stored:?}"
    );
}
