//! The store contract, run against both backends: every test below runs once on a fresh
//! SQLite file and once on a fresh PostgreSQL schema (from `DATABASE_URL`, required).

use chrono::{DateTime, Duration, TimeZone, Utc};
use sellerbox::error::ErrorKind;
use sellerbox::model::{
    Claim, ClaimType, Inquiry, InquiryChannel, Kind, Market, OpenClaims, OpenInquiries, Order,
    OrderItem, RawJson, Records, RejectKey, Rejected, SellerAccount, Settlement, Status,
    StatusCode, Window,
};
use sellerbox::store::{self, Outcome, RunRecord, Scope, Store, StoreError, WriteStats};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool, SqlitePool};
use std::future::Future;
use std::sync::Arc;

// ---------------------------------------------------------------- harness

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                super::run(super::Backend::Sqlite, super::$test).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                super::run(super::Backend::Postgres, super::$test).await
            })*
        }
    };
}

contract!(
    same_window_twice_changes_nothing,
    first_sight_and_status_change_write_history,
    claim_before_items_overrides_them,
    claim_after_items_overrides_them_and_withdrawal_restores_flow,
    unknown_status_is_kept_flagged_and_counted,
    watermark_moves_only_forward,
    failed_commit_leaves_neither_rows_nor_watermark,
    batches_larger_than_a_chunk_round_trip,
    runs_show_in_status,
    accounts_add_list_disable,
    raw_pages_are_kept_with_a_reference,
    concurrent_windows_all_commit,
    rejected_records_are_kept_counted_and_resolved,
    open_inquiry_listings_mark_the_unlisted_answered,
    open_claim_listings_close_the_unlisted_requests,
);

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A store under test plus a side door to its tables for assertions the trait does not
/// expose (history rows, item status).
struct Fixture {
    store: Arc<dyn Store>,
    db: Db,
}

enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Sets up a fresh database, runs `test` (catching its panic), cleans up, then fails if
/// the test did.
async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite:{}?mode=rwc", dir.path().join("store.db").display());
            let store = store::connect(&url).await.unwrap();
            let db = Db::Sqlite(SqlitePool::connect(&url).await.unwrap());
            let result = tokio::spawn(test(Fixture { store, db })).await;
            drop(dir);
            if let Err(e) = result {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        Backend::Postgres => {
            let base = std::env::var("DATABASE_URL").expect(
                "DATABASE_URL is needed for the PostgreSQL contract tests \
                 (e.g. postgres://postgres@127.0.0.1:5432/test)",
            );
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::connect(&base).await.unwrap();
            sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut admin)
                .await
                .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options[search_path]={schema}");
            let result = async {
                let store = store::connect(&url).await.unwrap();
                let db = Db::Pg(PgPool::connect(&url).await.unwrap());
                tokio::spawn(test(Fixture { store, db })).await
            }
            .await;
            sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut admin)
                .await
                .unwrap();
            if let Err(e) = result {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}

type HistoryRow = (String, Option<String>, String, String);

impl Db {
    /// (item_id, from, to, raw) in the order written.
    async fn history(&self) -> Vec<HistoryRow> {
        let sql = "SELECT item_id, from_status, to_status, raw_status \
                   FROM order_status_history ORDER BY id";
        match self {
            Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
            Db::Pg(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        }
    }

    /// (status, status_unknown, claim_id) of one item.
    async fn item(&self, order_id: &str, item_id: &str) -> (String, bool, Option<String>) {
        let sql = "SELECT status, status_unknown, claim_id FROM order_items \
                   WHERE order_id = $1 AND item_id = $2";
        match self {
            Db::Sqlite(p) => {
                sqlx::query_as(sql)
                    .bind(order_id)
                    .bind(item_id)
                    .fetch_one(p)
                    .await
            }
            Db::Pg(p) => {
                sqlx::query_as(sql)
                    .bind(order_id)
                    .bind(item_id)
                    .fetch_one(p)
                    .await
            }
        }
        .unwrap()
    }
}

impl Db {
    /// (status, raw_status) of one claim.
    async fn claim(&self, id: &str) -> (Option<String>, String) {
        let sql = "SELECT status, raw_status FROM claims WHERE claim_id = $1";
        match self {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(id).fetch_one(p).await,
            Db::Pg(p) => sqlx::query_as(sql).bind(id).fetch_one(p).await,
        }
        .unwrap()
    }

    /// (answered, answered_at as `yyyy-MM-ddTHH:mm:ss` UTC, answer) of one inquiry.
    async fn inquiry(&self, id: &str) -> (bool, Option<String>, Option<String>) {
        let row: (bool, Option<String>, Option<String>) = match self {
            Db::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT answered, substr(answered_at, 1, 19), answer FROM inquiries \
                     WHERE inquiry_id = $1",
                )
                .bind(id)
                .fetch_one(p)
                .await
            }
            Db::Pg(p) => {
                sqlx::query_as(
                    "SELECT answered, to_char(answered_at AT TIME ZONE 'UTC', \
                     'YYYY-MM-DD\"T\"HH24:MI:SS'), answer FROM inquiries WHERE inquiry_id = $1",
                )
                .bind(id)
                .fetch_one(p)
                .await
            }
        }
        .unwrap();
        row
    }
}

// ---------------------------------------------------------------- builders

fn t(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::hours(hours)
}

fn scope(kind: Kind) -> Scope {
    Scope {
        market: Market::Naver,
        seller_id: "seller-1".into(),
        kind,
    }
}

fn item(id: &str, status: Status, raw: &str) -> OrderItem {
    OrderItem {
        item_id: id.into(),
        product_id: "p-1".into(),
        product_name: "양말".into(),
        option_name: None,
        quantity: 1,
        unit_price_krw: 9_900,
        amount_krw: 9_900,
        status: StatusCode::new(status, raw),
        status_changed_at: Some(t(1)),
    }
}

fn order(id: &str, items: Vec<OrderItem>) -> Order {
    Order {
        order_id: id.into(),
        ordered_at: t(0),
        paid_at: Some(t(0) + Duration::seconds(30)),
        total_krw: 9_900 * items.len() as i64,
        shipping_fee_krw: 3_000,
        items,
        raw: RawJson::from_value(&serde_json::json!({"orderId": id})),
    }
}

fn claim(id: &str, order_id: &str, items: &[&str], status: Option<Status>, raw: &str) -> Claim {
    Claim {
        claim_id: id.into(),
        claim_type: ClaimType::Return,
        order_id: order_id.into(),
        item_ids: items.iter().map(|s| s.to_string()).collect(),
        status,
        raw_status: raw.into(),
        requested_at: t(2),
        raw: RawJson::from_value(&serde_json::json!({"claimId": id})),
    }
}

fn settlement(id: &str) -> Settlement {
    Settlement {
        settlement_id: id.into(),
        order_id: Some("o-1".into()),
        item_id: None,
        line_type: "SALE".into(),
        basis_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        payout_date: None,
        sale_krw: 9_900,
        fee_krw: 500,
        settlement_krw: 9_400,
        raw: RawJson::from_value(&serde_json::json!({})),
    }
}

fn orders(list: Vec<Order>) -> Records {
    Records {
        orders: list,
        ..Records::default()
    }
}

fn stats(inserted: u64, updated: u64, unchanged: u64, history: u64) -> WriteStats {
    WriteStats {
        inserted,
        updated,
        unchanged,
        history,
        rejected: 0,
    }
}

// ---------------------------------------------------------------- the contract

async fn same_window_twice_changes_nothing(f: Fixture) {
    let s = scope(Kind::Orders);
    let mut records = orders(vec![
        order("o-1", vec![item("i-1", Status::Paid, "PAYED")]),
        order("o-2", vec![item("i-2", Status::Shipping, "DELIVERING")]),
    ]);
    records.claims = vec![claim(
        "c-1",
        "o-2",
        &["i-2"],
        Some(Status::ReturnRequested),
        "RR",
    )];

    let first = f
        .store
        .commit_window(&s, &records, t(1), t(1))
        .await
        .unwrap();
    assert_eq!(first, stats(3, 0, 0, 2));
    let totals = f.store.totals(None).await.unwrap();

    let again = f
        .store
        .commit_window(&s, &records, t(1), t(2))
        .await
        .unwrap();
    assert_eq!(again, stats(0, 0, 3, 0));
    assert_eq!(f.store.totals(None).await.unwrap(), totals);
    assert_eq!(f.db.history().await.len(), 2);
}

async fn first_sight_and_status_change_write_history(f: Fixture) {
    let s = scope(Kind::Orders);
    let paid = orders(vec![order("o-1", vec![item("i-1", Status::Paid, "PAYED")])]);
    assert_eq!(
        f.store.commit_window(&s, &paid, t(1), t(1)).await.unwrap(),
        stats(1, 0, 0, 1)
    );
    let shipping = orders(vec![order(
        "o-1",
        vec![item("i-1", Status::Shipping, "DELIVERING")],
    )]);
    assert_eq!(
        f.store
            .commit_window(&s, &shipping, t(2), t(2))
            .await
            .unwrap(),
        stats(0, 1, 0, 1)
    );
    assert_eq!(
        f.db.history().await,
        vec![
            ("i-1".into(), None, "paid".into(), "PAYED".into()),
            (
                "i-1".into(),
                Some("paid".into()),
                "shipping".into(),
                "DELIVERING".into()
            ),
        ]
    );
    let totals = f.store.totals(None).await.unwrap();
    assert_eq!(
        (totals.orders, totals.order_items, totals.status_changes),
        (1, 1, 1)
    );
}

async fn claim_before_items_overrides_them(f: Fixture) {
    let s = scope(Kind::Orders);
    let claims = Records {
        claims: vec![claim(
            "c-1",
            "o-1",
            &["i-1"],
            Some(Status::ReturnRequested),
            "RETURN_REQUEST",
        )],
        ..Records::default()
    };
    assert_eq!(
        f.store
            .commit_window(&s, &claims, t(1), t(1))
            .await
            .unwrap(),
        stats(1, 0, 0, 0),
        "no item yet: no history"
    );
    let items = orders(vec![order(
        "o-1",
        vec![
            item("i-1", Status::Delivered, "DELIVERED"),
            item("i-2", Status::Delivered, "DELIVERED"),
        ],
    )]);
    f.store.commit_window(&s, &items, t(2), t(2)).await.unwrap();
    assert_eq!(
        f.db.item("o-1", "i-1").await,
        ("return_requested".into(), false, Some("c-1".into()))
    );
    assert_eq!(
        f.db.item("o-1", "i-2").await,
        ("delivered".into(), false, None)
    );
    assert_eq!(
        f.db.history().await,
        vec![
            (
                "i-1".into(),
                None,
                "return_requested".into(),
                "RETURN_REQUEST".into()
            ),
            ("i-2".into(), None, "delivered".into(), "DELIVERED".into()),
        ]
    );
}

async fn claim_after_items_overrides_them_and_withdrawal_restores_flow(f: Fixture) {
    let s = scope(Kind::Orders);
    let items = orders(vec![order(
        "o-1",
        vec![item("i-1", Status::Delivered, "DELIVERED")],
    )]);
    f.store.commit_window(&s, &items, t(1), t(1)).await.unwrap();

    let requested = Records {
        claims: vec![claim(
            "c-1",
            "o-1",
            &["i-1"],
            Some(Status::ReturnRequested),
            "RETURN_REQUEST",
        )],
        ..Records::default()
    };
    assert_eq!(
        f.store
            .commit_window(&s, &requested, t(2), t(2))
            .await
            .unwrap(),
        stats(1, 0, 0, 1)
    );
    assert_eq!(f.db.item("o-1", "i-1").await.0, "return_requested");

    // The same order listed again, unchanged, keeps the claim's status.
    assert_eq!(
        f.store.commit_window(&s, &items, t(3), t(3)).await.unwrap(),
        stats(0, 0, 1, 0)
    );
    assert_eq!(f.db.item("o-1", "i-1").await.0, "return_requested");

    let withdrawn = Records {
        claims: vec![claim("c-1", "o-1", &["i-1"], None, "RETURN_REJECT")],
        ..Records::default()
    };
    assert_eq!(
        f.store
            .commit_window(&s, &withdrawn, t(4), t(4))
            .await
            .unwrap(),
        stats(0, 1, 0, 1)
    );
    assert_eq!(
        f.db.item("o-1", "i-1").await,
        ("delivered".into(), false, None)
    );
    assert_eq!(
        f.db.history().await,
        vec![
            ("i-1".into(), None, "delivered".into(), "DELIVERED".into()),
            (
                "i-1".into(),
                Some("delivered".into()),
                "return_requested".into(),
                "RETURN_REQUEST".into()
            ),
            (
                "i-1".into(),
                Some("return_requested".into()),
                "delivered".into(),
                "DELIVERED".into()
            ),
        ]
    );
}

async fn unknown_status_is_kept_flagged_and_counted(f: Fixture) {
    let s = scope(Kind::Orders);
    let records = orders(vec![order(
        "o-1",
        vec![
            item("i-1", Status::Unknown, "BRAND_NEW_CODE"),
            item("i-2", Status::Paid, "PAYED"),
        ],
    )]);
    f.store
        .commit_window(&s, &records, t(1), t(1))
        .await
        .unwrap();
    assert_eq!(
        f.db.item("o-1", "i-1").await,
        ("unknown".into(), true, None)
    );
    assert_eq!(f.db.item("o-1", "i-2").await, ("paid".into(), false, None));
    let history = f.db.history().await;
    assert!(history.contains(&(
        "i-1".into(),
        None,
        "unknown".into(),
        "BRAND_NEW_CODE".into()
    )));
    assert_eq!(f.store.totals(None).await.unwrap().unknown_statuses, 1);
    assert_eq!(
        f.store
            .totals(Some(Market::Coupang))
            .await
            .unwrap()
            .unknown_statuses,
        0
    );
}

async fn watermark_moves_only_forward(f: Fixture) {
    let s = scope(Kind::Orders);
    assert_eq!(f.store.watermark(&s).await.unwrap(), None);
    let empty = Records::default();
    f.store
        .commit_window(&s, &empty, t(10), t(10))
        .await
        .unwrap();
    assert_eq!(f.store.watermark(&s).await.unwrap(), Some(t(10)));
    // A re-collected older window (lookback) does not pull it back.
    f.store
        .commit_window(&s, &empty, t(5), t(11))
        .await
        .unwrap();
    assert_eq!(f.store.watermark(&s).await.unwrap(), Some(t(10)));
    let precise = t(12) + Duration::microseconds(123_456);
    f.store
        .commit_window(&s, &empty, precise, t(12))
        .await
        .unwrap();
    assert_eq!(f.store.watermark(&s).await.unwrap(), Some(precise));
    // Watermarks are per kind.
    assert_eq!(
        f.store.watermark(&scope(Kind::Reviews)).await.unwrap(),
        None
    );
}

async fn failed_commit_leaves_neither_rows_nor_watermark(f: Fixture) {
    let s = scope(Kind::Orders);
    let mut records = orders(vec![
        order("o-1", vec![item("i-1", Status::Paid, "PAYED")]),
        // An empty id breaks a CHECK constraint after the good rows were written.
        order("", vec![item("i-2", Status::Paid, "PAYED")]),
    ]);
    records.claims = vec![claim(
        "c-1",
        "o-1",
        &["i-1"],
        Some(Status::CancelRequested),
        "CR",
    )];
    records.settlements = vec![settlement("st-1")];
    let err = f
        .store
        .commit_window(&s, &records, t(5), t(5))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Query(_)), "{err:?}");

    assert_eq!(f.store.watermark(&s).await.unwrap(), None);
    assert_eq!(f.store.totals(None).await.unwrap(), Default::default());
    assert!(f.db.history().await.is_empty());

    // The store is still usable and the valid part commits on its own.
    records.orders.pop();
    assert_eq!(
        f.store
            .commit_window(&s, &records, t(5), t(5))
            .await
            .unwrap(),
        stats(3, 0, 0, 1)
    );
    assert_eq!(f.store.watermark(&s).await.unwrap(), Some(t(5)));
}

fn inquiry(id: &str, channel: InquiryChannel, asked: i64, answered: Option<i64>) -> Inquiry {
    Inquiry {
        inquiry_id: id.into(),
        channel,
        product_id: Some("p-1".into()),
        order_id: None,
        title: None,
        content: "재입고 예정이 있나요?".into(),
        asked_at: t(asked),
        answered: answered.is_some(),
        answered_at: answered.map(t),
        answer: answered.map(|_| "다음 주 입고됩니다.".into()),
        raw: RawJson::from_value(&serde_json::json!({"postngId": id})),
    }
}

fn listing(from: i64, to: i64) -> OpenInquiries {
    OpenInquiries {
        channel: InquiryChannel::Product,
        asked: Window::new(t(from), t(to)),
    }
}

fn ymdhms(hours: i64) -> Option<String> {
    Some(t(hours).format("%Y-%m-%dT%H:%M:%S").to_string())
}

/// SSG lists only unanswered inquiries: a complete listing that no longer shows a stored
/// open one means it was answered. Only inside the listing's channel and range, only what
/// was open, answered_at = when we noticed; a partial or failed listing marks nothing.
async fn open_inquiry_listings_mark_the_unlisted_answered(f: Fixture) {
    use InquiryChannel::{Order as ByOrder, Product};
    let s = scope(Kind::Inquiries);
    let first = Records {
        inquiries: vec![
            inquiry("q-1", Product, 1, None),
            inquiry("q-2", Product, 2, None),
            // Outside the listing's range below.
            inquiry("q-3", Product, 30, None),
            // Another channel.
            inquiry("q-4", ByOrder, 2, None),
            // Answered already, with the market's own time.
            inquiry("q-5", Product, 3, Some(4)),
        ],
        open_inquiries: vec![listing(0, 40)],
        ..Records::default()
    };
    let w = f.store.commit_window(&s, &first, t(5), t(5)).await.unwrap();
    assert_eq!(
        w,
        stats(5, 0, 0, 0),
        "a listing showing every open one marks nothing"
    );

    // A partial listing (rows that did not read, so no `open_inquiries`) proves nothing.
    let partial = Records {
        inquiries: vec![inquiry("q-1", Product, 1, None)],
        ..Records::default()
    };
    let w = f
        .store
        .commit_window(&s, &partial, t(6), t(6))
        .await
        .unwrap();
    assert_eq!(w, stats(0, 0, 1, 0));
    assert_eq!(f.db.inquiry("q-2").await, (false, None, None));

    // A failed commit (a row breaks a constraint) rolls the marking back with it.
    let failing = Records {
        inquiries: vec![
            inquiry("q-1", Product, 1, None),
            inquiry("", Product, 1, None),
        ],
        open_inquiries: vec![listing(0, 10)],
        ..Records::default()
    };
    f.store
        .commit_window(&s, &failing, t(7), t(7))
        .await
        .unwrap_err();
    assert_eq!(f.db.inquiry("q-2").await, (false, None, None));

    // The complete listing of [t0, t10) shows q-1 only: q-2 was answered, noticed at t12.
    let complete = Records {
        inquiries: vec![inquiry("q-1", Product, 1, None)],
        open_inquiries: vec![listing(0, 10)],
        ..Records::default()
    };
    let w = f
        .store
        .commit_window(&s, &complete, t(12), t(12))
        .await
        .unwrap();
    assert_eq!(w, stats(0, 1, 1, 0));
    assert_eq!(f.db.inquiry("q-2").await, (true, ymdhms(12), None));
    assert_eq!(f.db.inquiry("q-1").await, (false, None, None));
    assert_eq!(
        f.db.inquiry("q-3").await,
        (false, None, None),
        "outside the range"
    );
    assert_eq!(
        f.db.inquiry("q-4").await,
        (false, None, None),
        "another channel"
    );
    assert_eq!(
        f.db.inquiry("q-5").await,
        (true, ymdhms(4), Some("다음 주 입고됩니다.".into())),
        "an answered one keeps its own time"
    );
    // Not deleted: the seller still has five inquiries.
    assert_eq!(f.store.totals(None).await.unwrap().inquiries, 5);

    // The same listing again: nothing to mark, nothing written.
    let w = f
        .store
        .commit_window(&s, &complete, t(13), t(13))
        .await
        .unwrap();
    assert_eq!(w, stats(0, 0, 1, 0));
    assert_eq!(f.db.inquiry("q-2").await, (true, ymdhms(12), None));

    // Should SSG list it open again (an answer deleted), it is written back as open.
    let reopened = Records {
        inquiries: vec![
            inquiry("q-1", Product, 1, None),
            inquiry("q-2", Product, 2, None),
        ],
        open_inquiries: vec![listing(0, 10)],
        ..Records::default()
    };
    let w = f
        .store
        .commit_window(&s, &reopened, t(14), t(14))
        .await
        .unwrap();
    assert_eq!(w, stats(0, 1, 1, 0));
    assert_eq!(f.db.inquiry("q-2").await, (false, None, None));
}

/// SSG lists only open cancel requests and drops a withdrawn one without a word: a
/// complete listing that no longer shows a stored open request closes it (its items fall
/// back to their order's status). Only that raw status, only inside the listing's range,
/// only what was still active; a request shown again opens again.
async fn open_claim_listings_close_the_unlisted_requests(f: Fixture) {
    let s = scope(Kind::Orders);
    let paid = |o: &str, i: &str| order(o, vec![item(i, Status::Paid, "PAID")]);
    let request = |id: &str, o: &str, i: &str, at: i64| Claim {
        claim_type: ClaimType::Cancel,
        requested_at: t(at),
        ..claim(
            id,
            o,
            &[i],
            Some(Status::CancelRequested),
            "CANCEL/REQUESTED",
        )
    };
    let listing = OpenClaims {
        raw_status: "CANCEL/REQUESTED".into(),
        closed_raw_status: "CANCEL/LEFT_OPEN_LIST".into(),
        requested: Window::new(t(0), t(24)),
    };
    let first = Records {
        orders: vec![
            paid("o-1", "i-1"),
            paid("o-2", "i-2"),
            paid("o-3", "i-3"),
            paid("o-4", "i-4"),
        ],
        claims: vec![
            request("c-1", "o-1", "i-1", 2),
            request("c-2", "o-2", "i-2", 2),
            // Outside the listing's range.
            request("c-3", "o-3", "i-3", 30),
            // Another raw status.
            claim(
                "c-4",
                "o-4",
                &["i-4"],
                Some(Status::ReturnRequested),
                "RETURN_REQUEST",
            ),
        ],
        ..Records::default()
    };
    f.store.commit_window(&s, &first, t(3), t(3)).await.unwrap();
    assert_eq!(f.db.item("o-1", "i-1").await.0, "cancel_requested");

    // The listing shows c-2 only: c-1 was withdrawn.
    let later = Records {
        claims: vec![request("c-2", "o-2", "i-2", 2)],
        open_claims: vec![listing.clone()],
        ..Records::default()
    };
    assert_eq!(
        f.store.commit_window(&s, &later, t(4), t(4)).await.unwrap(),
        stats(0, 1, 1, 1)
    );
    assert_eq!(
        f.db.claim("c-1").await,
        (None, "CANCEL/LEFT_OPEN_LIST".into())
    );
    assert_eq!(f.db.item("o-1", "i-1").await, ("paid".into(), false, None));
    assert_eq!(f.db.item("o-2", "i-2").await.0, "cancel_requested");
    assert_eq!(f.db.item("o-3", "i-3").await.0, "cancel_requested");
    assert_eq!(f.db.item("o-4", "i-4").await.0, "return_requested");
    assert_eq!(
        f.db.history().await.last().unwrap(),
        &(
            "i-1".into(),
            Some("cancel_requested".into()),
            "paid".into(),
            "PAID".into()
        )
    );

    // The same listing again changes nothing.
    assert_eq!(
        f.store.commit_window(&s, &later, t(5), t(5)).await.unwrap(),
        stats(0, 0, 1, 0)
    );

    // c-1 shown open again: it applies again.
    let again = Records {
        claims: vec![
            request("c-1", "o-1", "i-1", 2),
            request("c-2", "o-2", "i-2", 2),
        ],
        open_claims: vec![listing],
        ..Records::default()
    };
    assert_eq!(
        f.store.commit_window(&s, &again, t(6), t(6)).await.unwrap(),
        stats(0, 1, 1, 1)
    );
    assert_eq!(
        f.db.claim("c-1").await,
        (Some("cancel_requested".into()), "CANCEL/REQUESTED".into())
    );
    assert_eq!(f.db.item("o-1", "i-1").await.0, "cancel_requested");
}

fn rejected(id: &str, raw: &str) -> Rejected {
    Rejected {
        key: RejectKey {
            endpoint: "/v1/orders".into(),
            record_key: id.into(),
        },
        reason: "unexpected field type or missing field at `qty`".into(),
        raw: RawJson::from_text(raw.into()).unwrap(),
    }
}

async fn rejected_records_are_kept_counted_and_resolved(f: Fixture) {
    let s = scope(Kind::Orders);
    // One record of the window reads, one does not: the first is stored, the second kept
    // as sent and counted.
    let mut records = orders(vec![order("o-1", vec![item("i-1", Status::Paid, "PAYED")])]);
    records.rejected = vec![rejected("o-2", r#"{"id":"o-2","qty":"두 개"}"#)];
    let written = f
        .store
        .commit_window(&s, &records, t(1), t(1))
        .await
        .unwrap();
    assert_eq!((written.inserted, written.rejected), (1, 1));
    assert_eq!(
        f.store.totals(Some(Market::Naver)).await.unwrap().rejected,
        1
    );
    let open = f.store.open_rejects(&s, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].key, records.rejected[0].key);
    assert!(open[0].reason.contains("`qty`"));
    let kept: serde_json::Value = open[0].raw.parse().unwrap();
    assert_eq!(kept["qty"], "두 개", "kept as sent");
    // Other scopes do not see it.
    assert!(
        f.store
            .open_rejects(&scope(Kind::Inquiries), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Seen again, unchanged: still one open record.
    f.store
        .commit_window(&s, &records, t(2), t(2))
        .await
        .unwrap();
    assert_eq!(f.store.open_rejects(&s, 10).await.unwrap().len(), 1);
    let status = f.store.status("seller-1").await.unwrap();
    let orders_status = status.iter().find(|k| k.kind == Kind::Orders).unwrap();
    assert_eq!(orders_status.rejected, 1);

    // A later run reads it: its row is stored and the rejection resolved.
    let mut later = orders(vec![order("o-2", vec![item("i-1", Status::Paid, "PAYED")])]);
    later.resolved = vec![records.rejected[0].key.clone()];
    let written = f.store.commit_window(&s, &later, t(3), t(3)).await.unwrap();
    assert_eq!((written.inserted, written.rejected), (1, 0));
    assert!(f.store.open_rejects(&s, 10).await.unwrap().is_empty());
    assert_eq!(
        f.store.totals(Some(Market::Naver)).await.unwrap().rejected,
        0
    );

    // Rejected once more (the marketplace changed it again): reopened.
    f.store
        .commit_window(&s, &records, t(4), t(4))
        .await
        .unwrap();
    assert_eq!(f.store.open_rejects(&s, 10).await.unwrap().len(), 1);
}

async fn batches_larger_than_a_chunk_round_trip(f: Fixture) {
    let s = scope(Kind::Orders);
    let many: Vec<Order> = (0..2500)
        .map(|n| order(&format!("o-{n}"), vec![item("i-1", Status::Paid, "PAYED")]))
        .collect();
    let mut records = orders(many);
    assert_eq!(
        f.store
            .commit_window(&s, &records, t(1), t(1))
            .await
            .unwrap(),
        stats(2500, 0, 0, 2500)
    );
    // Change every 10th order; the rest are unchanged.
    for o in records.orders.iter_mut().step_by(10) {
        o.items[0].status = StatusCode::new(Status::Preparing, "DISPATCH_WAIT");
    }
    assert_eq!(
        f.store
            .commit_window(&s, &records, t(2), t(2))
            .await
            .unwrap(),
        stats(0, 250, 2250, 250)
    );
    let totals = f.store.totals(Some(Market::Naver)).await.unwrap();
    assert_eq!(
        (totals.orders, totals.order_items, totals.status_changes),
        (2500, 2500, 250)
    );
}

fn run_record(kind: Kind, finished: i64, outcome: Outcome, error: Option<ErrorKind>) -> RunRecord {
    RunRecord {
        run_id: format!("run-{finished}"),
        market: Market::Naver,
        seller_id: "seller-1".into(),
        kind,
        window: Window::new(t(0), t(finished)),
        started_at: t(finished) - Duration::minutes(1),
        finished_at: t(finished),
        requests: 3,
        pages: 2,
        throttled: 1,
        retries: 0,
        stats: stats(1, 0, 0, 1),
        outcome,
        error_kind: error,
        error_message: error.map(|_| "naver is unavailable (HTTP 503)".to_string()),
    }
}

async fn runs_show_in_status(f: Fixture) {
    let s = scope(Kind::Orders);
    let records = orders(vec![order("o-1", vec![item("i-1", Status::Paid, "PAYED")])]);
    f.store
        .commit_window(&s, &records, t(1), t(1))
        .await
        .unwrap();
    f.store
        .record_run(&run_record(Kind::Orders, 1, Outcome::Complete, None))
        .await
        .unwrap();
    f.store
        .record_run(&run_record(Kind::Orders, 2, Outcome::Partial, None))
        .await
        .unwrap();
    let failed = run_record(
        Kind::Orders,
        3,
        Outcome::Failed,
        Some(ErrorKind::MarketplaceDown),
    );
    f.store.record_run(&failed).await.unwrap();
    f.store
        .record_run(&run_record(Kind::Reviews, 4, Outcome::Complete, None))
        .await
        .unwrap();

    let status = f.store.status("seller-1").await.unwrap();
    assert_eq!(status.len(), 2, "{status:?}");
    let orders = &status[0];
    assert_eq!((orders.market, orders.kind), (Market::Naver, Kind::Orders));
    assert_eq!(orders.watermark, Some(t(1)));
    assert_eq!(
        orders.last_success,
        Some(t(2)),
        "partial runs are successes"
    );
    assert_eq!(orders.last_run_outcome, Some(Outcome::Failed));
    assert_eq!(orders.last_error_kind, Some(ErrorKind::MarketplaceDown));
    assert_eq!(
        orders.last_error_message.as_deref(),
        Some("naver is unavailable (HTTP 503)")
    );
    assert_eq!(orders.rows, 1);
    let reviews = &status[1];
    assert_eq!(reviews.kind, Kind::Reviews);
    assert_eq!(
        (reviews.watermark, reviews.last_success),
        (None, Some(t(4)))
    );
    assert_eq!((reviews.last_error_kind, reviews.rows), (None, 0));

    assert!(f.store.status("someone-else").await.unwrap().is_empty());
}

async fn accounts_add_list_disable(f: Fixture) {
    let account = |market, id: &str| SellerAccount {
        market,
        seller_id: id.into(),
        secret_name: format!("sellerbox/{market}/{id}"),
        enabled: true,
        options: serde_json::json!({"reviews": true}),
    };
    f.store
        .upsert_account(&account(Market::Naver, "a"))
        .await
        .unwrap();
    f.store
        .upsert_account(&account(Market::Coupang, "b"))
        .await
        .unwrap();
    let mut renamed = account(Market::Naver, "a");
    renamed.secret_name = "sellerbox/naver/a-v2".into();
    f.store.upsert_account(&renamed).await.unwrap();

    let all = f.store.accounts(None).await.unwrap();
    assert_eq!(all, vec![account(Market::Coupang, "b"), renamed.clone()]);
    assert_eq!(
        f.store.accounts(Some(Market::Naver)).await.unwrap(),
        vec![renamed]
    );

    assert!(
        f.store
            .set_account_enabled(Market::Coupang, "b", false)
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .set_account_enabled(Market::Coupang, "nobody", false)
            .await
            .unwrap()
    );
    let coupang = f.store.accounts(Some(Market::Coupang)).await.unwrap();
    assert!(!coupang[0].enabled);
}

async fn raw_pages_are_kept_with_a_reference(f: Fixture) {
    let s = scope(Kind::Settlements);
    let a = f
        .store
        .keep_raw_page(&s, "/settlements", b"<html>not json")
        .await
        .unwrap();
    let b = f
        .store
        .keep_raw_page(&s, "/settlements", &[0, 159, 146, 150])
        .await
        .unwrap();
    assert!(a.starts_with("raw_pages/"), "{a}");
    assert_ne!(a, b);
}

async fn concurrent_windows_all_commit(f: Fixture) {
    // Eight callers at once, half of them writing the same seller's same orders: every
    // commit succeeds (no SQLITE_BUSY, no deadlock) and each item's first sight is
    // recorded once.
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = f.store.clone();
            tokio::spawn(async move {
                let mut s = scope(Kind::Orders);
                s.seller_id = format!("seller-{}", n % 2);
                let records = orders(
                    (0..50)
                        .map(|o| order(&format!("o-{o}"), vec![item("i-1", Status::Paid, "PAYED")]))
                        .collect(),
                );
                store.commit_window(&s, &records, t(n), t(n)).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let totals = f.store.totals(None).await.unwrap();
    assert_eq!((totals.orders, totals.order_items), (100, 100));
    assert_eq!(f.db.history().await.len(), 100);
    let wm = f.store.watermark(&scope(Kind::Orders)).await.unwrap();
    assert_eq!(wm, Some(t(7)), "seller-1 saw windows 1, 3, 5, 7");
}

// ---------------------------------------------------------------- connecting

#[tokio::test]
async fn an_unknown_url_scheme_is_unsupported() {
    let err = store::connect("mysql://root:hunter2@127.0.0.1/db")
        .await
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::UnsupportedUrl(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"));
}

#[tokio::test]
async fn an_unreachable_postgres_fails_fast_without_the_password() {
    let started = std::time::Instant::now();
    let err = store::connect("postgres://app:hunter2@127.0.0.1:1/db")
        .await
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err:?}");
    let message = err.to_string();
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
