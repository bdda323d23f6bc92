//! Passing marketplace faults that used to end a run that could have finished (issue 7,
//! fault 6): a cut-off body is retried like a 5xx (only a truncation that repeats past the
//! retry budget is a format change), and Naver's token is re-issued as often as the
//! marketplace expires it, while a wrong secret still fails at once.

use sellerbox::ErrorKind;
use sellerbox::collect::Range;
use sellerbox::model::Kind;
use sellerbox::store::Outcome;

mod one_seller;

use one_seller::{Rig, rig};

impl Rig {
    async fn orders(&self) -> sellerbox::collect::RunSummary {
        self.collector
            .run(&self.target, Kind::Orders, Range::Auto, None)
            .await
    }

    async fn raw_pages(&self) -> usize {
        // `status` does not show raw pages; a format change's message names its page.
        let s = self.collector.store.status(&self.target.seller_id).await;
        s.unwrap()
            .iter()
            .filter(|k| {
                k.last_error_message
                    .as_deref()
                    .is_some_and(|m| m.contains("raw_pages/"))
            })
            .count()
    }
}

#[tokio::test]
async fn a_cut_off_body_is_retried_like_a_server_error_on_every_market() {
    for market in sim::MARKETS {
        let r = rig(market).await;
        r.sim.faults().truncate_next(3);
        let s = r.orders().await;
        assert_eq!(s.outcome, Outcome::Complete, "{}: {s:?}", market.id);
        assert!(s.retries >= 3, "{}: {s:?}", market.id);
        assert!(s.inserted > 0, "{}: {s:?}", market.id);
        // The same window again: nothing changes, the truncated answers left no trace.
        let again = r.orders().await;
        assert_eq!(
            (again.outcome, again.inserted, again.updated, again.history),
            (Outcome::Complete, 0, 0, 0),
            "{}: {again:?}",
            market.id
        );
    }
}

#[tokio::test]
async fn a_truncation_that_repeats_past_the_budget_is_a_format_change_with_its_page_kept() {
    for market in sim::MARKETS {
        let r = rig(market).await;
        r.sim.faults().truncate_next(1_000);
        let s = r.orders().await;
        r.sim.faults().truncate_next(0);
        assert_eq!(s.outcome, Outcome::Failed, "{}: {s:?}", market.id);
        assert_eq!(
            s.error_kind,
            Some(ErrorKind::FormatChanged),
            "{}: {s:?}",
            market.id
        );
        assert!(s.retries >= 4, "{}: {s:?}", market.id);
        assert_eq!(r.raw_pages().await, 1, "{}: {s:?}", market.id);
        let scope = r.scope(Kind::Orders);
        assert_eq!(r.collector.store.watermark(&scope).await.unwrap(), None);
    }
}

#[tokio::test]
async fn twenty_naver_token_expiries_in_one_run_reissue_the_token_each_time() {
    let r = rig(&sim::naver::SIM).await;
    let first = r.orders().await;
    assert_eq!(first.outcome, Outcome::Complete, "{first:?}");
    r.sim.faults().expire_tokens_next(20);
    r.sim.clock().advance(chrono::Duration::hours(2));
    let s = r.orders().await;
    assert_eq!(s.outcome, Outcome::Complete, "{s:?}");
    // Twenty refused data requests, each followed by a token request.
    assert!(s.requests >= 40, "{s:?}");
}

#[tokio::test]
async fn a_wrong_naver_secret_still_fails_at_once() {
    let mut r = rig(&sim::naver::SIM).await;
    // Another valid bcrypt salt: the token request's signature does not verify.
    r.target.credentials = r
        .target
        .credentials
        .with(|c| c["client_secret"] = "$2a$04$abcdefghijklmnopqrstuu".into());
    let s = r.orders().await;
    assert_eq!(s.outcome, Outcome::Failed, "{s:?}");
    assert_eq!(s.error_kind, Some(ErrorKind::CredentialsRejected), "{s:?}");
    assert_eq!(s.requests, 1, "only the refused token request: {s:?}");
}
