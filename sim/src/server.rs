//! Starting a simulator: its world, clock and faults, its market router, and a few admin
//! routes (`/_sim/...`) that tests and `sellerbox sim serve` use to move time, inject
//! faults, switch quirks mode and ask what the market holds. Always bound to loopback.

use crate::clock::SimClock;
use crate::faults::{FaultRates, Faults};
use crate::world::{Order, SellerSizes, World, WorldSpec};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A simulated marketplace, as the registry in `lib.rs` lists it.
pub struct SimSpec {
    /// The market's id, the same as the collectors' (`coupang`, `naver`, ...).
    pub id: &'static str,
    /// What follows the server's root in the documented base URL (Naver: `/external`).
    pub base_path: &'static str,
    /// The market's routes over a shared state, and one credentials-file entry per
    /// seller (`{"market","seller_id","base_url","credentials":{...}}`), given the base URL.
    pub build: fn(Arc<SimState>, &str) -> (Router, Vec<serde_json::Value>),
    /// The largest seller's orders per day in `sellerbox bench` that keep the busiest
    /// limit key busy for 30 s or more: where the market limits per seller, one seller's
    /// volume sets the pace; where it limits per application, every seller adds up.
    pub bench_orders_per_day: u32,
    // What the shared conformance suite (shared/tests/conformance.rs) needs to hold every
    // market to its contract without market-specific code:
    /// The throttle answers this simulator can give, by the names the connector's
    /// `MarketSpec::throttles` uses (`/_sim/inject`'s `throttle_answer`); the first is
    /// what a plain `throttle_next` gives. The suite checks that every throttle answer
    /// the connector documents can be injected, then injects each.
    pub throttles: &'static [&'static str],
    /// A seller's `credentials` object with a wrong secret, still well-formed (the
    /// marketplace must refuse it as it refuses any wrong key, not as malformed input).
    pub wrong_credentials: fn(&serde_json::Value) -> serde_json::Value,
    /// When the market's order listing files an order at simulated time `now` (Coupang's
    /// ordersheets: the payment; Naver's change feed: the last reported change), `None`
    /// when it does not list it. `/_sim/truth` answers with it which orders a range holds.
    pub order_listed_at: fn(&Order, DateTime<Utc>) -> Option<DateTime<Utc>>,
    /// Every raw status code the order and claim listings can emit, as the market writes
    /// it: the suite checks that over a few simulated days each one is collected and
    /// mapped (none ends as `unknown`).
    pub status_codes: &'static [&'static str],
}

impl std::fmt::Debug for SimSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub sellers: usize,
    pub seed: u64,
    /// Replaces the market's documented rate limit (requests per second per scope).
    pub rps: Option<f64>,
    pub orders_per_day: u32,
    pub seller_sizes: SellerSizes,
    pub inquiries_per_day: u32,
    pub clock: SimClock,
    pub faults: FaultRates,
    /// Answer in the other spellings real marketplaces use (crate::quirks); switchable at
    /// run time with `POST /_sim/quirks {"on": bool}`.
    pub quirks: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            sellers: 5,
            seed: 42,
            rps: None,
            orders_per_day: 30,
            seller_sizes: SellerSizes::Equal,
            inquiries_per_day: 4,
            clock: SimClock::frozen_now(),
            faults: FaultRates::default(),
            quirks: false,
        }
    }
}

/// What every market simulator shares.
pub struct SimState {
    pub market: &'static SimSpec,
    pub world: World,
    pub clock: SimClock,
    pub faults: Faults,
    pub config: SimConfig,
    quirks: AtomicBool,
}

impl SimState {
    /// A small state of the Naver simulator, for unit tests of what runs over it.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        let config = SimConfig {
            sellers: 1,
            orders_per_day: 1,
            ..SimConfig::default()
        };
        SimState {
            market: &crate::naver::SIM,
            world: World::new(WorldSpec {
                sellers: 1,
                seed: 1,
                orders_per_day: 1,
                sizes: config.seller_sizes,
                inquiries_per_day: 1,
                origin: config.clock.now(),
                future_days: 1,
            }),
            clock: config.clock.clone(),
            faults: Faults::default(),
            quirks: AtomicBool::new(false),
            config,
        }
    }

    /// Whether answers are re-spelled (crate::quirks).
    pub fn quirks(&self) -> bool {
        self.quirks.load(Ordering::Relaxed)
    }
    pub fn set_quirks(&self, on: bool) {
        self.quirks.store(on, Ordering::Relaxed);
    }
}

/// A simulator serving on 127.0.0.1.
pub struct RunningSim {
    pub market: &'static SimSpec,
    pub addr: SocketAddr,
    /// What the market's documented paths are appended to (Naver's includes `/external`).
    pub base_url: String,
    pub state: Arc<SimState>,
    /// One entry per seller: `{"market","seller_id","base_url","credentials":{...}}`;
    /// where the market has a seller center, `credentials.center` is the seller's login.
    pub credentials: Vec<serde_json::Value>,
    /// The market's seller-center simulator, when it has one (served on the same port).
    pub center: Option<Arc<crate::centers::CenterState>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    pub fn clock(&self) -> &SimClock {
        &self.state.clock
    }
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }
    /// What `/_sim/truth` answers: the ids of `kind` the market lists for the seller
    /// (`seller_id` as in its credentials entry) in `[from, to)`, as of the clock.
    pub fn truth(
        &self,
        seller_id: &str,
        kind: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Truth, String> {
        truth(
            &self.state,
            &seller_ids(&self.credentials),
            seller_id,
            kind,
            from,
            to,
        )
    }
}

/// The ids a market lists for one seller, kind and range, from the world itself: what a
/// collection of that range must have stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub seller: String,
    pub kind: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// `orders`: order numbers, which every simulator shows as the market's order id;
    /// `inquiries`: inquiry numbers (connectors may prefix them in their own ids).
    pub ids: Vec<String>,
}

fn seller_ids(credentials: &[serde_json::Value]) -> Vec<String> {
    credentials
        .iter()
        .map(|c| c["seller_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn truth(
    state: &SimState,
    sellers: &[String],
    seller: &str,
    kind: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Truth, String> {
    let i = sellers
        .iter()
        .position(|s| s == seller)
        .ok_or_else(|| format!("no seller {seller:?} in this {} simulator", state.market.id))?;
    let now = state.clock.now();
    let numbers = match kind {
        "orders" => state
            .world
            .orders_listed(i, from, to, now, state.market.order_listed_at),
        "inquiries" => {
            let listed = crate::INQUIRY_LISTINGS
                .iter()
                .find(|(id, _)| *id == state.market.id)
                .map(|(_, rule)| *rule);
            state.world.inquiries_asked(i, from, to, now, listed)
        }
        other => return Err(format!("kind {other:?}: orders or inquiries")),
    };
    Ok(Truth {
        seller: seller.to_string(),
        kind: kind.to_string(),
        from,
        to,
        now,
        ids: numbers.iter().map(u64::to_string).collect(),
    })
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Start `market`'s simulator on `addr` (port 0 picks a free one). Refuses anything but a
/// loopback address.
pub async fn start(
    market: &'static SimSpec,
    config: SimConfig,
    addr: SocketAddr,
) -> std::io::Result<RunningSim> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("simulators bind loopback only, not {addr}"),
        ));
    }
    let spec = WorldSpec {
        sellers: config.sellers,
        seed: config.seed,
        orders_per_day: config.orders_per_day,
        sizes: config.seller_sizes,
        inquiries_per_day: config.inquiries_per_day,
        origin: config.clock.now(),
        future_days: 3,
    };
    // Built before serving, off the async workers: the first requests then find the data
    // ready instead of generating it while other requests wait.
    let world = tokio::task::spawn_blocking(move || {
        let world = World::new(spec);
        world.warm();
        world
    })
    .await
    .map_err(std::io::Error::other)?;
    let faults = Faults::default();
    faults.set_rates(config.faults.clone());
    let state = Arc::new(SimState {
        market,
        world,
        clock: config.clock.clone(),
        faults,
        quirks: AtomicBool::new(config.quirks),
        config,
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let root = format!("http://{addr}");
    let base_url = format!("{root}{}", market.base_path);
    let (mut router, mut credentials) = (market.build)(state.clone(), &base_url);
    let mut center = None;
    if let Some(c) = crate::center_of(market.id) {
        let sellers = seller_ids(&credentials);
        let accounts = (c.accounts)(&sellers, state.config.seed);
        for (entry, account) in credentials.iter_mut().zip(&accounts) {
            entry["credentials"]["center"] = account.credentials(&root);
        }
        let cs = Arc::new(crate::centers::CenterState::new(state.clone(), accounts));
        router = router
            .merge((c.build)(cs.clone(), &root))
            .merge(crate::centers::admin(cs.clone()));
        center = Some(cs);
    }
    let app = router.merge(admin(state.clone(), seller_ids(&credentials)));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    Ok(RunningSim {
        market,
        addr,
        base_url,
        state,
        credentials,
        center,
        task,
    })
}

#[derive(Deserialize)]
struct Advance {
    minutes: i64,
}

#[derive(Deserialize)]
struct Quirks {
    on: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Counted {
    fail_next: u32,
    truncate_next: u32,
    throttle_next: u32,
    /// Which throttle answer `throttle_next` gives (one of `SimSpec::throttles`);
    /// absent: the market's first.
    throttle_answer: Option<String>,
    expire_tokens_next: u32,
}

#[derive(Deserialize)]
struct TruthQuery {
    seller: String,
    kind: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

fn refused(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

fn admin(state: Arc<SimState>, sellers: Vec<String>) -> Router {
    let sellers = Arc::new(sellers);
    Router::new()
        .route(
            "/_sim/advance",
            post(
                |State(s): State<Arc<SimState>>, Query(a): Query<Advance>| async move {
                    s.clock.advance(chrono::Duration::minutes(a.minutes));
                    Json(serde_json::json!({ "now": s.clock.now() }))
                },
            ),
        )
        .route(
            "/_sim/faults",
            post(
                |State(s): State<Arc<SimState>>, Json(r): Json<FaultRates>| async move {
                    s.faults.set_rates(r);
                    Json(serde_json::json!({ "ok": true }))
                },
            ),
        )
        .route(
            "/_sim/quirks",
            post(
                |State(s): State<Arc<SimState>>, Json(q): Json<Quirks>| async move {
                    s.set_quirks(q.on);
                    Json(serde_json::json!({ "ok": true, "quirks": q.on }))
                },
            ),
        )
        .route(
            "/_sim/inject",
            post(
                |State(s): State<Arc<SimState>>, Json(c): Json<Counted>| async move {
                    let answer = match c.throttle_answer.as_deref() {
                        None => None,
                        Some(name) => match s.market.throttles.iter().find(|t| **t == name) {
                            Some(known) => Some(*known),
                            None => {
                                return refused(format!(
                                    "{} simulates no throttle answer {name:?}; it has: {}",
                                    s.market.id,
                                    s.market.throttles.join(", ")
                                ));
                            }
                        },
                    };
                    s.faults.fail_next(c.fail_next);
                    s.faults.truncate_next(c.truncate_next);
                    match answer {
                        Some(a) => s.faults.throttle_next_as(c.throttle_next, a),
                        None => s.faults.throttle_next(c.throttle_next),
                    }
                    s.faults.expire_tokens_next(c.expire_tokens_next);
                    Json(serde_json::json!({ "ok": true })).into_response()
                },
            ),
        )
        .route(
            "/_sim/truth",
            get(
                move |State(s): State<Arc<SimState>>, Query(q): Query<TruthQuery>| async move {
                    match truth(&s, &sellers, &q.seller, &q.kind, q.from, q.to) {
                        Ok(t) => Json(t).into_response(),
                        Err(e) => refused(e),
                    }
                },
            ),
        )
        .with_state(state)
}
