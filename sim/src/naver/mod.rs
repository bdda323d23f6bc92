//! Naver Commerce API simulator (facts: shared/markets/naver.md), served under `/external`.
//!
//! The gateway part lives here: the bcrypt-signed token request (5-minute timestamp window,
//! real time), Bearer tokens valid 3 h (the same token handed out again while ≥30 min are
//! left), `401 GW.AUTHN`, a token bucket per application × API answering `429 GW.RATE_LIMIT`
//! with the `GNCP-GW-RateLimit-*` headers, and Naver's error body
//! `{code, message, invalidInputs[], timestamp, traceId}`. The data endpoints are in
//! [`data`]. Injected throttles ([`THROTTLES`]) are `GW.RATE_LIMIT` (the default) or the
//! seller-quota answer `429 GW.QUOTA_LIMIT` with the `GNCP-GW-Quota-*` headers.
//!
//! Token-request refusals are not published by Naver; this simulator answers (and the
//! connector expects) the documented generic error body:
//! - a missing or malformed field, a wrong `grant_type`/`type`, an unknown `account_id`, or a
//!   `timestamp` older than 5 minutes (or more than 30 s ahead): 400 `BAD_REQUEST` with
//!   `invalidInputs[{name,type,message}]` naming the field;
//! - an unknown `client_id` or a `client_secret_sign` that does not verify: 401 `UNAUTHORIZED`.
//!
//! Quirks mode re-spells every successful answer as real ones vary ([`quirks`]).

mod data;
pub mod quirks;

use crate::faults::Injected;
use crate::server::{SimSpec, SimState};
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use chrono::{DateTime, Utc};
use governor::middleware::StateInformationMiddleware;
use governor::{Quota, RateLimiter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Documented token lifetime (3 h) and the rule that a token with ≥30 min left is reused.
const TOKEN_TTL: Duration = Duration::from_secs(10_800);
const TOKEN_REUSE_MIN: Duration = Duration::from_secs(1_800);
/// The signed timestamp is valid for 5 minutes; a little clock skew ahead is tolerated.
const TIMESTAMP_MAX_AGE_MS: i64 = 5 * 60 * 1000;
const TIMESTAMP_MAX_AHEAD_MS: i64 = 30 * 1000;
/// Naver does not publish its rates; the simulator uses 10/s, burst 2× (documented ratio).
const DEFAULT_RATE: f64 = 10.0;

type Limiter = RateLimiter<
    String,
    governor::state::keyed::DefaultKeyedStateStore<String>,
    governor::clock::DefaultClock,
    StateInformationMiddleware,
>;

pub(crate) struct Sim {
    state: Arc<SimState>,
    client_id: String,
    client_secret: String,
    /// account_id per seller index.
    accounts: Vec<String>,
    tokens: Mutex<Tokens>,
    limiter: Limiter,
    rate: f64,
    burst: u32,
    trace: AtomicU64,
}

#[derive(Default)]
struct Tokens {
    /// token -> (seller, expiry in real time)
    issued: HashMap<String, (usize, Instant)>,
    /// seller -> their newest token
    latest: HashMap<usize, String>,
}

/// The market's router and one credentials entry per seller.
pub static SIM: SimSpec = SimSpec {
    id: "naver",
    base_path: "/external",
    build,
    // Naver limits per application and API: every seller's feed windows add up, so a
    // small volume keeps the busiest bucket busy.
    bench_orders_per_day: 40,
    throttles: THROTTLES,
    wrong_credentials,
    order_listed_at,
    status_codes: STATUS_CODES,
};

/// The throttle answers Naver documents (naver.md §4), by their codes: the bucket's
/// `GW.RATE_LIMIT` and the seller quota's `GW.QUOTA_LIMIT`, both HTTP 429.
pub const THROTTLES: &[&str] = &["GW.RATE_LIMIT", "GW.QUOTA_LIMIT"];

/// The same application and account with another valid, canonical `$2a$04$` salt as the
/// secret: the signature no longer verifies.
fn wrong_credentials(credentials: &Value) -> Value {
    let mut c = credentials.clone();
    let secret = c["client_secret"].as_str().unwrap_or_default();
    let mut salt: [u8; 16] = secret
        .get(7..)
        .and_then(|s| bcrypt_b64().decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .unwrap_or_default();
    for b in &mut salt {
        *b ^= 0x5A;
    }
    c["client_secret"] = Value::String(format!("$2a$04${}", bcrypt_b64().encode(salt)));
    c
}

/// The change feed lists an item at its last reported change (`lastChangedDate`).
fn order_listed_at(o: &crate::world::Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    data::last_change(o, now).map(|(at, _)| at)
}

/// Every `productOrderStatus` and `claimStatus` this simulator's product orders carry.
pub const STATUS_CODES: &[&str] = &[
    "PAYMENT_WAITING",
    "PAYED",
    "DELIVERING",
    "DELIVERED",
    "PURCHASE_DECIDED",
    "CANCELED",
    "RETURNED",
    "EXCHANGED",
    "CANCEL_REQUEST",
    "CANCEL_DONE",
    "RETURN_REQUEST",
    "RETURN_DONE",
    "EXCHANGE_REQUEST",
    "EXCHANGE_DONE",
];

/// bcrypt's own base64 alphabet, in which salt strings are written.
fn bcrypt_b64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::BCRYPT,
        base64::engine::general_purpose::NO_PAD,
    )
}

pub fn build(state: Arc<SimState>, base_url: &str) -> (Router, Vec<serde_json::Value>) {
    let mut rng = StdRng::seed_from_u64(state.config.seed ^ 0x004E_4156_4552); // "NAVER"
    let client_id = alnum(&mut rng, 22);
    let salt: [u8; 16] = rng.random();
    // bcrypt's own base64 alphabet: a canonical salt string, as Naver issues.
    let client_secret = format!("$2a$04${}", bcrypt_b64().encode(salt));
    let accounts: Vec<String> = (0..state.world.seller_count())
        .map(|_| format!("ncp_{}", alnum(&mut rng, 21)))
        .collect();
    let credentials = accounts
        .iter()
        .enumerate()
        .map(|(i, account)| {
            json!({
                "market": "naver",
                "seller_id": format!("naver-seller-{}", i + 1),
                "base_url": base_url,
                "credentials": {
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "account_id": account,
                },
            })
        })
        .collect();
    let rate = state.config.rps.unwrap_or(DEFAULT_RATE);
    let burst = ((rate * 2.0).ceil() as u32).max(1);
    let quota = Quota::with_period(Duration::from_secs_f64(1.0 / rate.max(0.001)))
        .expect("period is positive")
        .allow_burst(NonZeroU32::new(burst).expect("burst is positive"));
    let sim = Arc::new(Sim {
        state,
        client_id,
        client_secret,
        accounts,
        tokens: Mutex::default(),
        limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
        rate,
        burst,
        trace: AtomicU64::new(1),
    });
    let prefix = path_of(base_url);
    let p = |path: &str| format!("{prefix}{path}");
    let router = Router::new()
        .route(&p("/v1/oauth2/token"), post(token))
        .route(
            &p("/v1/pay-order/seller/product-orders/last-changed-statuses"),
            get(data::changed_statuses),
        )
        .route(
            &p("/v1/pay-order/seller/product-orders/query"),
            post(data::product_orders_query),
        )
        .route(&p("/v1/pay-settle/settle/case"), get(data::settle_case))
        .route(&p("/v1/contents/qnas"), get(data::qnas))
        .route(&p("/v1/pay-user/inquiries"), get(data::pay_user_inquiries))
        .with_state(sim);
    (router, credentials)
}

/// `http://127.0.0.1:1234/external` -> `/external`.
fn path_of(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    rest.find('/').map_or(String::new(), |i| {
        rest[i..].trim_end_matches('/').to_string()
    })
}

fn alnum(rng: &mut StdRng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| A[rng.random_range(0..A.len())] as char)
        .collect()
}

/// Naver's date-time format: KST with milliseconds.
pub(crate) fn kst_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

pub(crate) fn kst() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

impl Sim {
    fn trace_id(&self) -> String {
        let n = self.trace.fetch_add(1, Ordering::Relaxed);
        format!("sim-naver^{}^{n}", Utc::now().timestamp_millis())
    }

    /// Naver's error body with its trace header.
    pub(crate) fn error(
        &self,
        status: StatusCode,
        code: impl Into<Value>,
        message: &str,
        invalid: &[(&str, &str, &str)],
    ) -> Response {
        let trace = self.trace_id();
        let mut body = json!({
            "code": code.into(),
            "message": message,
            "timestamp": kst_time(Utc::now()),
            "traceId": trace,
        });
        if !invalid.is_empty() {
            body["invalidInputs"] = invalid
                .iter()
                .map(
                    |(name, kind, message)| json!({"name": name, "type": kind, "message": message}),
                )
                .collect();
        }
        let mut resp = (status, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&trace) {
            resp.headers_mut().insert("gncp-gw-trace-id", v);
        }
        resp
    }

    pub(crate) fn bad_request(&self, field: &str, message: &str) -> Response {
        self.error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "요청 파라미터가 올바르지 않습니다.",
            &[(field, "NotValid", message)],
        )
    }

    fn authn_failed(&self) -> Response {
        // The verbatim code and message of the documented sample (§2.8).
        self.error(
            StatusCode::UNAUTHORIZED,
            "GW.AUTHN",
            "요청을 보낼 권한이 없습니다.",
            &[],
        )
    }

    /// The seller a Bearer token belongs to, if it is valid now (real time).
    fn authenticate(&self, headers: &HeaderMap) -> Option<usize> {
        let token = headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        let tokens = self.tokens.lock().expect("tokens lock");
        let (seller, expires) = tokens.issued.get(token.trim())?;
        (*expires > Instant::now()).then_some(*seller)
    }

    /// The gateway in front of every data API: token, bucket, injected faults. `answer`
    /// builds the body for the authenticated seller, or a refusal.
    pub(crate) async fn gateway(
        &self,
        headers: &HeaderMap,
        api: &str,
        content_type: &'static str,
        answer: impl FnOnce(usize) -> Result<Value, Response>,
    ) -> Response {
        self.state.faults.delay().await;
        let Some(seller) = self.authenticate(headers) else {
            return self.authn_failed();
        };
        if self.state.faults.token_expired() {
            return self.authn_failed();
        }
        let remaining = match self.limiter.check_key(&format!("{}:{api}", self.client_id)) {
            Ok(snapshot) => snapshot.remaining_burst_capacity(),
            Err(_) => return self.with_limits(self.throttled(), 0),
        };
        let injected = self.state.faults.draw();
        let resp = match injected {
            Injected::Throttle(name) => match name.unwrap_or(THROTTLES[0]) {
                "GW.RATE_LIMIT" => return self.with_limits(self.throttled(), 0),
                "GW.QUOTA_LIMIT" => self.quota_limited(),
                other => self.error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_SERVER_ERROR",
                    &format!("the simulator has no throttle answer {other:?}"),
                    &[],
                ),
            },
            Injected::ServerError => self.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "일시적인 오류가 발생했습니다.",
                &[],
            ),
            Injected::None | Injected::Truncate => match answer(seller) {
                Ok(body) => {
                    let body = self.respell(body);
                    let mut bytes = serde_json::to_vec(&body).expect("JSON serializes");
                    if injected == Injected::Truncate {
                        bytes = crate::faults::truncate(bytes);
                    }
                    Response::builder()
                        .status(StatusCode::OK)
                        .header(header::CONTENT_TYPE, content_type)
                        .header("gncp-gw-trace-id", self.trace_id())
                        .body(Body::from(bytes))
                        .expect("response builds")
                }
                Err(refusal) => refusal,
            },
        };
        self.with_limits(resp, remaining)
    }

    /// The answer in quirks mode's spellings, when it is on.
    fn respell(&self, body: Value) -> Value {
        if self.state.quirks() {
            crate::quirks::apply(body, &quirks::RULES, self.state.config.seed)
        } else {
            body
        }
    }

    fn throttled(&self) -> Response {
        self.error(
            StatusCode::TOO_MANY_REQUESTS,
            "GW.RATE_LIMIT",
            "요청이 많아 서비스를 일시적으로 사용할 수 없습니다.",
            &[],
        )
    }

    /// The seller-quota refusal (§4): 429 `GW.QUOTA_LIMIT` with the quota headers; the
    /// per-second quota of a 커머스솔루션 seller, spent.
    fn quota_limited(&self) -> Response {
        let mut resp = self.error(
            StatusCode::TOO_MANY_REQUESTS,
            "GW.QUOTA_LIMIT",
            "요청 할당량을 초과하여 서비스를 일시적으로 사용할 수 없습니다.",
            &[],
        );
        let h = resp.headers_mut();
        h.insert("gncp-gw-quota-period", HeaderValue::from_static("SECONDS"));
        if let Ok(v) = HeaderValue::from_str(&self.burst.to_string()) {
            h.insert("gncp-gw-quota-limit", v);
        }
        h.insert("gncp-gw-quota-remaining", HeaderValue::from_static("0"));
        resp
    }

    fn with_limits(&self, mut resp: Response, remaining: u32) -> Response {
        let h = resp.headers_mut();
        let mut put = |name: &'static str, v: String| {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(name, v);
            }
        };
        put("gncp-gw-ratelimit-replenish-rate", format!("{}", self.rate));
        put("gncp-gw-ratelimit-burst-capacity", self.burst.to_string());
        put("gncp-gw-ratelimit-remaining", remaining.to_string());
        resp
    }

    fn issue(&self, seller: usize) -> (String, u64) {
        let mut tokens = self.tokens.lock().expect("tokens lock");
        let now = Instant::now();
        if let Some(t) = tokens.latest.get(&seller)
            && let Some((_, expires)) = tokens.issued.get(t)
        {
            let left = expires.saturating_duration_since(now);
            if left >= TOKEN_REUSE_MIN {
                return (t.clone(), left.as_secs());
            }
        }
        let bytes: [u8; 24] = rand::rng().random();
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        tokens
            .issued
            .insert(token.clone(), (seller, now + TOKEN_TTL));
        tokens.latest.insert(seller, token.clone());
        (token, TOKEN_TTL.as_secs())
    }

    /// Does `sign` (Base64 of a bcrypt hash) prove knowledge of the secret for `password`?
    fn sign_verifies(&self, password: &str, sign: &str) -> bool {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(sign.trim()) else {
            return false;
        };
        let Ok(hash) = String::from_utf8(decoded) else {
            return false;
        };
        // Same cost and salt as the secret (`$2a$04$` + 22), whatever the version letter.
        let salt_of = |s: &str| s.get(3..29).map(str::to_string);
        hash.len() == 60
            && salt_of(&hash) == salt_of(&self.client_secret)
            && bcrypt::verify(password, &hash).unwrap_or(false)
    }
}

/// `POST /v1/oauth2/token` (form-urlencoded).
async fn token(
    State(sim): State<Arc<Sim>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return sim.bad_request(
            "body",
            "application/x-www-form-urlencoded 형식이어야 합니다.",
        );
    };
    for field in [
        "client_id",
        "timestamp",
        "grant_type",
        "client_secret_sign",
        "type",
    ] {
        if f.get(field).is_none_or(|v| v.is_empty()) {
            return sim.error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "요청 파라미터가 올바르지 않습니다.",
                &[(field, "NotNull", "필수 값입니다.")],
            );
        }
    }
    if f["grant_type"] != "client_credentials" {
        return sim.bad_request("grant_type", "client_credentials만 지원합니다.");
    }
    let Ok(ts) = f["timestamp"].parse::<i64>() else {
        return sim.bad_request("timestamp", "밀리초 단위 Unix 시간이어야 합니다.");
    };
    let age = Utc::now().timestamp_millis() - ts;
    if !(-TIMESTAMP_MAX_AHEAD_MS..=TIMESTAMP_MAX_AGE_MS).contains(&age) {
        return sim.bad_request("timestamp", "유효하지 않은 timestamp입니다. (유효시간 5분)");
    }
    if f["client_id"] != sim.client_id {
        return sim.error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "인증에 실패했습니다.",
            &[],
        );
    }
    let password = format!("{}_{}", f["client_id"], f["timestamp"]);
    if !sim.sign_verifies(&password, &f["client_secret_sign"]) {
        return sim.error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "인증에 실패했습니다.",
            &[],
        );
    }
    let seller = match f["type"].as_str() {
        "SELLER" => {
            let Some(account) = f.get("account_id").filter(|a| !a.is_empty()) else {
                return sim.error(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "요청 파라미터가 올바르지 않습니다.",
                    &[("account_id", "NotNull", "type이 SELLER이면 필수입니다.")],
                );
            };
            match sim.accounts.iter().position(|a| a == account) {
                Some(i) => i,
                None => {
                    return sim.bad_request("account_id", "권한이 위임되지 않은 판매자입니다.");
                }
            }
        }
        // The fleet's application is an agency: it has no store of its own.
        "SELF" => return sim.bad_request("type", "애플리케이션에 연결된 스토어가 없습니다."),
        _ => return sim.bad_request("type", "SELF 또는 SELLER여야 합니다."),
    };
    let (access_token, expires_in) = sim.issue(seller);
    axum::Json(sim.respell(json!({
        "access_token": access_token,
        "expires_in": expires_in,
        "token_type": "Bearer",
    })))
    .into_response()
}
