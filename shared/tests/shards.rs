//! A schedule firing plans its shards and starts them through aws-sdk-lambda, against a
//! local stand-in of Lambda's Invoke API, on the fleet's PostgreSQL: the shard count is
//! `sellerbox plan`'s, every seller is in exactly one shard, and a firing or a shard
//! delivered again starts or collects nothing twice.

#[path = "support/pg_schema.rs"]
mod pg_schema;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, Duration, Utc};
use pg_schema::PgSchema;
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::lambda::{App, Command, LambdaStarter, Settings, shard_accounts};
use sellerbox::markets;
use sellerbox::model::{Kind, Market, SellerAccount, Window};
use sellerbox::plan::{self, Containers, Prices};
use sellerbox::secrets::CredentialsFile;
use sellerbox::store::{self, Outcome, RunRecord, Store, WriteStats};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const FUNCTION: &str = "sellerbox-test-coupang:live";
const SELLERS: usize = 1_000;

/// What the Invoke stand-in received, and which shard indexes it refuses (a Lambda
/// service error) while set.
#[derive(Default)]
struct Invokes {
    taken: Vec<(String, String, Command)>,
    refuse_index: Option<u32>,
}

type Shared = Arc<Mutex<Invokes>>;

async fn invoke(
    State(state): State<Shared>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let kind = headers
        .get("x-amz-invocation-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("RequestResponse")
        .to_string();
    let command: Command = serde_json::from_slice(&body).expect("a shard's command");
    let mut s = state.lock().unwrap();
    if command.shard.map(|sh| sh.index) == s.refuse_index && s.refuse_index.is_some() {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"Type":"User","message":"Rate Exceeded."}"#,
        );
    }
    s.taken.push((function, kind, command));
    (StatusCode::ACCEPTED, "")
}

async fn lambda_stub() -> (String, Shared) {
    let state: Shared = Arc::default();
    let app = Router::new()
        .route("/2015-03-31/functions/{function}/invocations", post(invoke))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new("ap-northeast-2"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "AKIDTEST", "test", None, None, "test",
        ))
        .endpoint_url(endpoint)
        // One attempt: the test decides what fails.
        .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

struct Rig {
    _schema: PgSchema,
    store: Arc<dyn Store>,
    app: App,
    invokes: Shared,
}

/// Coupang with 1,000 enabled sellers (and some disabled ones, which no shard takes), and
/// a runs table saying a seller's orders run takes 2 minutes.
async fn rig() -> Rig {
    let schema = PgSchema::create("shards").await;
    let store = store::connect(&schema.url).await.unwrap();
    for i in 0..SELLERS + 20 {
        let account = SellerAccount {
            market: Market::Coupang,
            seller_id: format!("A{i:08}"),
            secret_name: format!("sellerbox/coupang/A{i:08}"),
            enabled: i < SELLERS,
            options: json!({}),
        };
        store.upsert_account(&account).await.unwrap();
    }
    let now = Utc::now();
    for i in 0..40 {
        let started = now - Duration::minutes(30) + Duration::seconds(i);
        store
            .record_run(&RunRecord {
                run_id: format!("measured-{i}"),
                market: Market::Coupang,
                seller_id: format!("A{i:08}"),
                kind: Kind::Orders,
                window: Window::new(started - Duration::days(7), started),
                started_at: started,
                finished_at: started + Duration::seconds(120),
                requests: 24,
                pages: 24,
                throttled: 0,
                retries: 0,
                stats: WriteStats::default(),
                outcome: Outcome::Complete,
                error_kind: None,
                error_message: None,
            })
            .await
            .unwrap();
    }
    let (endpoint, invokes) = lambda_stub().await;
    let secrets = Arc::new(CredentialsFile::parse(b"[]").unwrap());
    let http = Http::new(RetryPolicy::default()).unwrap();
    let mut app = App::new(
        Market::Coupang,
        store.clone(),
        secrets,
        http,
        Settings::default(),
    );
    app.starter = Some(Arc::new(LambdaStarter::new(
        lambda_client(&endpoint),
        FUNCTION,
    )));
    Rig {
        _schema: schema,
        store,
        app,
        invokes,
    }
}

/// What EventBridge Scheduler sends for the orders schedule firing at `at`.
fn firing(at: DateTime<Utc>) -> Value {
    json!({"kinds": ["orders"], "scheduled": at})
}

/// The shards `sellerbox plan` gives Coupang's orders cycle for these sellers and runs.
async fn planned_shards(store: &dyn Store) -> u64 {
    let spec = markets::require(Market::Coupang).unwrap();
    let runs = store
        .run_costs(None, Utc::now() - Duration::days(7))
        .await
        .unwrap();
    let capacity = plan::plan_market(
        spec,
        SELLERS as u64,
        |p| plan::measured(&runs, Market::Coupang, p).unwrap_or_else(|| plan::estimate(spec, p)),
        &Containers::default(),
        &Prices::default(),
    );
    capacity
        .kinds
        .iter()
        .find(|k| k.kind == Kind::Orders)
        .unwrap()
        .shards
}

fn started_for(invokes: &Shared, at: DateTime<Utc>) -> Vec<Command> {
    invokes
        .lock()
        .unwrap()
        .taken
        .iter()
        .filter(|(_, _, c)| c.scheduled == Some(at))
        .map(|(_, _, c)| c.clone())
        .collect()
}

#[tokio::test]
async fn a_firing_starts_the_planned_shards_and_every_seller_is_in_exactly_one() {
    let rig = rig().await;
    let at: DateTime<Utc> = "2026-12-03T03:00:00Z".parse().unwrap();
    let answer = rig.app.handle(firing(at), None).await.unwrap();

    let expected = planned_shards(rig.store.as_ref()).await;
    assert!(
        expected > 1,
        "the rig should need several shards: {expected}"
    );
    assert_eq!(answer["shards"], expected, "{answer}");
    assert_eq!(answer["sellers"], SELLERS, "{answer}");
    assert_eq!(answer["duplicate"], false, "{answer}");

    let taken = rig.invokes.lock().unwrap().taken.clone();
    assert_eq!(taken.len() as u64, expected);
    for (function, invocation_type, command) in &taken {
        assert_eq!(function, FUNCTION);
        assert_eq!(invocation_type, "Event", "shards start asynchronously");
        assert_eq!(command.kinds, vec![Kind::Orders]);
        assert_eq!(command.scheduled, Some(at));
        assert_eq!(command.shard.unwrap().count as u64, expected);
    }
    let mut indexes: Vec<u32> = taken.iter().map(|t| t.2.shard.unwrap().index).collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..expected as u32).collect::<Vec<_>>());

    // Every enabled seller in exactly one shard, no disabled one in any.
    let accounts = rig.store.accounts(Some(Market::Coupang)).await.unwrap();
    let mut owner: BTreeMap<String, u32> = BTreeMap::new();
    for (_, _, command) in &taken {
        for a in shard_accounts(accounts.clone(), command.shard) {
            let index = command.shard.unwrap().index;
            assert!(
                owner.insert(a.seller_id.clone(), index).is_none(),
                "{} is in two shards",
                a.seller_id
            );
        }
    }
    assert_eq!(owner.len(), SELLERS);
    assert!(owner.keys().all(|s| s < &format!("A{SELLERS:08}")));

    // The same firing delivered again starts nothing.
    let again = rig.app.handle(firing(at), None).await.unwrap();
    assert_eq!(again["duplicate"], true, "{again}");
    assert_eq!(again["started"], json!([]), "{again}");
    assert_eq!(rig.invokes.lock().unwrap().taken.len() as u64, expected);
}

#[tokio::test]
async fn two_deliveries_of_one_firing_at_once_start_each_shard_once() {
    let rig = rig().await;
    let at: DateTime<Utc> = "2026-12-03T03:10:00Z".parse().unwrap();
    let (a, b) = tokio::join!(
        rig.app.handle(firing(at), None),
        rig.app.handle(firing(at), None)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let shards = a["shards"].as_u64().unwrap();
    assert_eq!(b["shards"], shards, "both see the first planner's count");
    let started = |v: &Value| v["started"].as_array().unwrap().len() as u64;
    assert_eq!(started(&a) + started(&b), shards, "{a} {b}");
    let mut indexes: Vec<u32> = started_for(&rig.invokes, at)
        .iter()
        .map(|c| c.shard.unwrap().index)
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..shards as u32).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_shard_that_did_not_start_is_started_by_the_retry_and_only_it() {
    let rig = rig().await;
    let at: DateTime<Utc> = "2026-12-03T03:20:00Z".parse().unwrap();
    rig.invokes.lock().unwrap().refuse_index = Some(1);
    let err = rig.app.handle(firing(at), None).await.unwrap_err();
    assert!(err.to_string().contains(FUNCTION), "{err}");
    let first: Vec<u32> = started_for(&rig.invokes, at)
        .iter()
        .map(|c| c.shard.unwrap().index)
        .collect();
    assert!(!first.contains(&1) && !first.is_empty(), "{first:?}");

    // The scheduler's retry of the same firing.
    rig.invokes.lock().unwrap().refuse_index = None;
    let retry = rig.app.handle(firing(at), None).await.unwrap();
    assert_eq!(retry["started"], json!([1]), "{retry}");
    assert_eq!(
        started_for(&rig.invokes, at).len() as u64,
        retry["shards"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn a_shard_delivered_twice_collects_once() {
    let rig = rig().await;
    let at: DateTime<Utc> = "2026-12-03T03:30:00Z".parse().unwrap();
    rig.app.handle(firing(at), None).await.unwrap();
    let shard = started_for(&rig.invokes, at).remove(0);
    let payload = serde_json::to_value(&shard).unwrap();
    let (a, b) = tokio::join!(
        rig.app.handle(payload.clone(), None),
        rig.app.handle(payload, None)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let duplicates = [&a, &b].iter().filter(|v| v["duplicate"] == true).count();
    assert_eq!(duplicates, 1, "{a} {b}");
    let collected = if a["duplicate"] == true { &b } else { &a };
    // The rig has no credentials: the shard's sellers are reported unresolved, which
    // shows it took its own sellers and no one else's.
    let own = shard_accounts(
        rig.store.accounts(Some(Market::Coupang)).await.unwrap(),
        shard.shard,
    )
    .len();
    assert_eq!(collected["sellers"], own, "{collected}");
    assert_eq!(collected["unresolved"].as_array().unwrap().len(), own);
}

#[tokio::test]
async fn without_its_own_function_name_a_firing_is_refused_and_nothing_is_claimed() {
    let mut rig = rig().await;
    let starter = rig.app.starter.take();
    let at: DateTime<Utc> = "2026-12-03T03:40:00Z".parse().unwrap();
    let err = rig.app.handle(firing(at), None).await.unwrap_err();
    assert_eq!(err.kind(), sellerbox::ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("SELLERBOX_SHARD_FUNCTION"),
        "{err}"
    );
    // Told its name, the same firing is planned as new: the refusal claimed nothing.
    rig.app.starter = starter;
    let answer = rig.app.handle(firing(at), None).await.unwrap();
    assert_eq!(answer["duplicate"], false, "{answer}");
    assert_eq!(
        started_for(&rig.invokes, at).len() as u64,
        answer["shards"].as_u64().unwrap()
    );
}
