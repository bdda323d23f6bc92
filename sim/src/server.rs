//! Starting a simulator: its world, clock and faults, its market router, and a few admin
//! routes (`/_sim/...`) that tests and `sellerbox sim serve` use to move time, inject
//! faults and switch quirks mode. Always bound to loopback.

use crate::clock::SimClock;
use crate::faults::{FaultRates, Faults};
use crate::world::{SellerSizes, World, WorldSpec};
use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
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
    /// One entry per seller: `{"market","seller_id","base_url","credentials":{...}}`.
    pub credentials: Vec<serde_json::Value>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    pub fn clock(&self) -> &SimClock {
        &self.state.clock
    }
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }
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
    let (router, credentials) = (market.build)(state.clone(), &base_url);
    let app = router.merge(admin(state.clone()));
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
    expire_tokens_next: u32,
}

fn admin(state: Arc<SimState>) -> Router {
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
                    s.faults.fail_next(c.fail_next);
                    s.faults.truncate_next(c.truncate_next);
                    s.faults.throttle_next(c.throttle_next);
                    s.faults.expire_tokens_next(c.expire_tokens_next);
                    Json(serde_json::json!({ "ok": true }))
                },
            ),
        )
        .with_state(state)
}
