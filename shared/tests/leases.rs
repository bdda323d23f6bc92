//! Fleet limit keys shared across processes through leases in the real PostgreSQL
//! (DATABASE_URL, default the local server): each "process" is a limiter with its own
//! connection, as two Lambda containers would be. Waits poll for the expected state with
//! a generous limit; nothing here depends on how fast the machine is.

#[path = "support/pg_schema.rs"]
mod pg_schema;

use pg_schema::PgSchema;
use sellerbox::http::{LimitKey, Limiter};
use sellerbox::model::Market;
use sellerbox::store::PgLeases;
use sqlx::Connection;
use std::sync::Arc;
use std::time::Duration;

const RATE: f64 = 20.0;

fn key() -> LimitKey {
    LimitKey::fleet(Market::Naver, "app-1", "last-changed-statuses")
}

async fn process(url: &str) -> Arc<Limiter> {
    let l = Limiter::default();
    l.share_through(Arc::new(PgLeases::connect(url).await.expect("leases")));
    Arc::new(l)
}

/// Send through `l` on the key as fast as it allows, reporting success when `succeed`.
fn busy(l: Arc<Limiter>, succeed: bool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            l.until_ready(&key(), RATE).await;
            if succeed {
                l.on_success(&key(), RATE);
            }
        }
    })
}

fn share(l: &Limiter) -> f64 {
    l.current_rate(&key(), RATE)
}

/// Polls `holds` until it is true; fails naming `what` after 20 seconds.
async fn eventually(what: &str, holds: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !holds() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn leases_in_table(url: &str) -> Vec<(String, f64)> {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_as("SELECT holder, share FROM rate_leases WHERE expires_at > now() ORDER BY holder")
        .fetch_all(&mut c)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_split_a_fleet_key_and_a_dead_ones_share_comes_back() {
    let schema = PgSchema::create("leases").await;
    let a = process(&schema.url).await;
    let b = process(&schema.url).await;
    let c = process(&schema.url).await;
    let sending_a = busy(a.clone(), false);
    eventually("a process alone gets the whole rate", || share(&a) == RATE).await;

    // The others join; a watcher samples the table meanwhile: the shares granted never add
    // up to more than the rate, however the renewals interleave.
    let url = schema.url.clone();
    let watching = tokio::spawn(async move {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        let mut most: f64 = 0.0;
        for _ in 0..200 {
            let sum: Option<f64> =
                sqlx::query_scalar("SELECT sum(share) FROM rate_leases WHERE expires_at > now()")
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
            most = most.max(sum.unwrap_or(0.0));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        most
    });
    let sending_b = busy(b.clone(), false);
    let sending_c = busy(c.clone(), false);
    let third = RATE / 3.0;
    let near = |x: f64, y: f64| (x - y).abs() < 1e-6;
    eventually("three processes hold a third each", || {
        near(share(&a), third) && near(share(&b), third) && near(share(&c), third)
    })
    .await;
    let most = watching.await.unwrap();
    assert!(most <= RATE + 1e-6, "granted {most} of {RATE}");
    assert_eq!(leases_in_table(&schema.url).await.len(), 3);

    // C dies: its tasks stop, nothing lets its lease go; it expires and the others take it.
    sending_c.abort();
    drop(c);
    eventually("the two left hold half each", || {
        near(share(&a), RATE / 2.0) && near(share(&b), RATE / 2.0)
    })
    .await;

    // B goes idle (its work is done): it lets its lease go, A gets everything.
    sending_b.abort();
    eventually("A alone again", || share(&a) == RATE).await;
    let left = leases_in_table(&schema.url).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].1, RATE);
    sending_a.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttle_halves_the_fleet_rate_and_success_brings_it_back() {
    let schema = PgSchema::create("leases").await;
    let a = process(&schema.url).await;
    let b = process(&schema.url).await;
    let sending_a = busy(a.clone(), false);
    let sending_b = busy(b.clone(), false);
    eventually("half each", || {
        share(&a) == RATE / 2.0 && share(&b) == RATE / 2.0
    })
    .await;

    // A throttle seen by A halves the rate of the whole fleet: B's share halves too.
    a.on_throttle(&key(), RATE);
    eventually("a quarter each", || {
        share(&a) == RATE / 4.0 && share(&b) == RATE / 4.0
    })
    .await;

    // Successes (from either) climb the shared rate back to the documented one.
    sending_a.abort();
    sending_b.abort();
    let sending_a = busy(a.clone(), true);
    let sending_b = busy(b.clone(), true);
    eventually("half each again", || {
        share(&a) == RATE / 2.0 && share(&b) == RATE / 2.0
    })
    .await;
    sending_a.abort();
    sending_b.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_seller_keys_and_processes_without_leases_stay_in_process() {
    let schema = PgSchema::create("leases").await;
    let a = process(&schema.url).await;
    let seller = LimitKey::new(Market::Coupang, "A00012345", "all");
    a.until_ready(&seller, RATE).await;
    assert_eq!(a.current_rate(&seller, RATE), RATE);
    let local = Limiter::default();
    local.until_ready(&key(), RATE).await;
    assert_eq!(local.current_rate(&key(), RATE), RATE);
    assert!(leases_in_table(&schema.url).await.is_empty());
}
