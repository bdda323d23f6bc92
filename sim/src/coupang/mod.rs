//! Coupang Wing Open API simulator (shared/markets/coupang.md).
//!
//! - Auth: CEA HMAC-SHA256 over `signed-date + METHOD + path + raw query`, checked against
//!   REAL time (±5 minutes); failures answer 401 `{"code":401,"message":...}`, a stale
//!   signed-date "Specified signature is expired.".
//! - Rate: one token bucket per vendorId, 10/s (burst 10) unless `config.rps` says
//!   otherwise; throttles answer HTTP 429 `{"code":429,"message":"Too Many Requests"}`
//!   without Retry-After (Coupang documents none).
//! - Akamai: more than 20 failed answers (4xx, 429 included) for one access key within
//!   10 s earn that key a 60 s `403 Forbidden` HTML "Access Denied" page.
//!   `POST /_sim/coupang/access-denied?n=N` forces it on the next N requests (tests).
//! - Injected throttles (`/_sim/inject` `throttle_answer`, [`THROTTLES`]): `429` (the
//!   default) or `akamai-403`, each as above.
//! - Limits: ordersheets / returnRequests / revenue-history ≤ 31 days, exchangeRequests
//!   ≤ 7 days (date-times), onlineInquiries / callCenterInquiries ≤ 7 days; maxPerPage
//!   capped at 50 (revenue-history refuses outside 1..=50, inquiries refuse pageSize > 50);
//!   errors answer 400 in the same envelope.
//! - Quirks mode re-spells every successful answer as real ones vary ([`quirks`]).

pub mod data;
pub mod quirks;

use crate::faults::{Injected, truncate};
use crate::limits::Buckets;
use crate::server::{SimSpec, SimState};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Documented: vendorIds over 10 calls per second are throttled.
pub const RATE_PER_VENDOR: f64 = 10.0;
pub const MAX_PER_PAGE: usize = 50;
/// Allowed distance between a request's signed-date and real time.
pub const SIGNATURE_SKEW_MINUTES: i64 = 5;
const AKAMAI_FAILURES: usize = 20;
const AKAMAI_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);
const AKAMAI_COOLDOWN: std::time::Duration = std::time::Duration::from_secs(60);

const V4: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendor_id}";

/// One seller's keys as WING issues them.
#[derive(Debug, Clone)]
pub struct Keys {
    pub vendor_id: String,
    pub access_key: String,
    pub secret_key: String,
}

struct Sim {
    state: Arc<SimState>,
    keys: Vec<Keys>,
    buckets: Buckets,
    /// Failed answers per access key, for the Akamai rule.
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    blocked_until: Mutex<HashMap<String, Instant>>,
    deny_next: AtomicU32,
    /// Sorted listings by query, so that page N of a long listing costs one page, as on a
    /// real server with indexes (the world is re-scanned only for a new query or time).
    listings: Listings,
}

/// (order index, sale type, recognized at) in listing order.
type Listing = Arc<Vec<(usize, &'static str, DateTime<Utc>)>>;

#[derive(Default)]
struct Listings(Mutex<HashMap<String, Listing>>);

impl Listings {
    /// Keeps at most this many listings; older ones are dropped wholesale.
    const MAX: usize = 4_096;

    fn get_or_build(
        &self,
        key: String,
        build: impl FnOnce() -> Vec<(usize, &'static str, DateTime<Utc>)>,
    ) -> Listing {
        if let Some(hit) = self.0.lock().expect("listings lock").get(&key) {
            return hit.clone();
        }
        let built: Listing = Arc::new(build());
        let mut map = self.0.lock().expect("listings lock");
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(key, built.clone());
        built
    }
}

/// The keys of seller `i`: deterministic from the world's seed.
pub fn keys(seed: u64, i: usize) -> Keys {
    let derive = |what: &str| {
        let d = Sha256::digest(format!("coupang/{seed}/{i}/{what}").as_bytes());
        hex::encode(&d[..16])
    };
    let ak = derive("access");
    Keys {
        vendor_id: format!("A{:08}", 10_000 + i),
        access_key: format!(
            "{}-{}-{}-{}-{}",
            &ak[..8],
            &ak[8..12],
            &ak[12..16],
            &ak[16..20],
            &ak[20..32]
        ),
        secret_key: derive("secret") + &derive("secret2")[..8],
    }
}

/// The market's router and one credentials entry per seller.
pub static SIM: SimSpec = SimSpec {
    id: "coupang",
    base_path: "",
    build,
    // Coupang limits per vendor: the largest seller's own volume sets the pace.
    bench_orders_per_day: 2_400,
    throttles: THROTTLES,
    wrong_credentials,
    order_listed_at,
    status_codes: STATUS_CODES,
};

/// The throttle answers Coupang documents (coupang.md §4), by name: HTTP 429, and the
/// Akamai 403 "Access Denied" HTML page that bursts of failures earn.
pub const THROTTLES: &[&str] = &["429", "akamai-403"];

/// The answer an injected throttle of this name gets.
fn throttle_answer(name: Option<&str>) -> Response {
    match name.unwrap_or(THROTTLES[0]) {
        "429" => error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
        "akamai-403" => access_denied(),
        other => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the simulator has no throttle answer {other:?}"),
        ),
    }
}

/// The same keys with another secret key of the same shape (40 hex digits): the
/// signature no longer verifies.
fn wrong_credentials(credentials: &Value) -> Value {
    let mut c = credentials.clone();
    let secret = c["secret_key"].as_str().unwrap_or_default();
    let shifted: String = secret
        .chars()
        .map(|ch| match ch.to_digit(16) {
            Some(d) => std::char::from_digit((d + 1) % 16, 16).unwrap_or(ch),
            None => ch,
        })
        .collect();
    c["secret_key"] = Value::String(shifted);
    c
}

/// ordersheets lists an order by its payment (결제일), while it shows in one of the six
/// statuses.
fn order_listed_at(o: &crate::world::Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    data::ordersheet_status(o, now)?;
    o.paid_at()
}

/// Every status code the ordersheets, returnRequests and exchangeRequests rows of this
/// simulator carry (`status`, `receiptStatus`, `exchangeStatus`).
pub const STATUS_CODES: &[&str] = &[
    "ACCEPT",
    "INSTRUCT",
    "DEPARTURE",
    "DELIVERING",
    "FINAL_DELIVERY",
    "NONE_TRACKING",
    "RELEASE_STOP_UNCHECKED",
    "RETURNS_UNCHECKED",
    "REQUEST_COUPANG_CHECK",
    "RETURNS_COMPLETED",
    "RECEIPT",
    "PROGRESS",
    "SUCCESS",
];

pub fn build(state: Arc<SimState>, base_url: &str) -> (Router, Vec<Value>) {
    let keys: Vec<Keys> = (0..state.world.seller_count())
        .map(|i| keys(state.config.seed, i))
        .collect();
    let credentials = keys
        .iter()
        .map(|k| {
            json!({
                "market": "coupang",
                "seller_id": k.vendor_id,
                "base_url": base_url,
                "credentials": {
                    "vendor_id": k.vendor_id,
                    "access_key": k.access_key,
                    "secret_key": k.secret_key,
                },
            })
        })
        .collect();
    let rate = state.config.rps.unwrap_or(RATE_PER_VENDOR);
    let sim = Arc::new(Sim {
        buckets: Buckets::new(rate, rate.ceil().max(1.0) as u32),
        state,
        keys,
        failures: Mutex::default(),
        blocked_until: Mutex::default(),
        deny_next: AtomicU32::new(0),
        listings: Listings::default(),
    });
    let router = Router::new()
        .route(
            &format!("{V4}/ordersheets"),
            get(|s, p, m, u, h| vendor_route(s, p, m, u, h, Ep::OrderSheets)),
        )
        .route(
            &format!("{V4}/returnRequests"),
            get(|s, p, m, u, h| vendor_route(s, p, m, u, h, Ep::Returns)),
        )
        .route(
            &format!("{V4}/exchangeRequests"),
            get(|s, p, m, u, h| vendor_route(s, p, m, u, h, Ep::Exchanges)),
        )
        .route(
            &format!("{V4}/onlineInquiries"),
            get(|s, p, m, u, h| vendor_route(s, p, m, u, h, Ep::Online)),
        )
        .route(
            &format!("{V4}/callCenterInquiries"),
            get(|s, p, m, u, h| vendor_route(s, p, m, u, h, Ep::CallCenter)),
        )
        .route(
            "/v2/providers/openapi/apis/api/v1/revenue-history",
            get(
                |State(s): State<Arc<Sim>>, m: Method, u: Uri, h: HeaderMap| async move {
                    serve(&s, None, &m, &u, &h, Ep::Revenue).await
                },
            ),
        )
        .route(
            "/_sim/coupang/access-denied",
            post(
                |State(s): State<Arc<Sim>>, Query(q): Query<DenyNext>| async move {
                    s.deny_next.store(q.n, Ordering::SeqCst);
                    Json(json!({ "ok": true }))
                },
            ),
        )
        .with_state(sim);
    (router, credentials)
}

#[derive(Deserialize)]
struct DenyNext {
    n: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ep {
    OrderSheets,
    Returns,
    Exchanges,
    Revenue,
    Online,
    CallCenter,
}

async fn vendor_route(
    State(s): State<Arc<Sim>>,
    Path(vendor): Path<String>,
    m: Method,
    u: Uri,
    h: HeaderMap,
    ep: Ep,
) -> Response {
    serve(&s, Some(vendor), &m, &u, &h, ep).await
}

fn envelope(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

fn error(status: StatusCode, message: &str) -> Response {
    envelope(
        status,
        json!({ "code": status.as_u16(), "message": message, "data": null }),
    )
}

/// A refused request: status and message, answered in Coupang's envelope.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: &str) -> Self {
        Refusal {
            status,
            message: message.to_string(),
        }
    }

    fn response(self) -> Response {
        error(self.status, &self.message)
    }
}

fn bad_request(message: &str) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, message)
}

const ACCESS_DENIED: &str = "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \nYou don't have permission to access \"http&#58;&#47;&#47;api&#45;gateway&#46;coupang&#46;com&#47;\" on this server.<P>\nReference&#32;&#35;18&#46;sim\n</BODY>\n</HTML>\n";

fn access_denied() -> Response {
    let mut r = (StatusCode::FORBIDDEN, ACCESS_DENIED).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}

/// The `Authorization` header's parts, either separator style (", " or ",").
struct Cea {
    access_key: String,
    signed_date: String,
    signature: String,
}

fn parse_cea(headers: &HeaderMap) -> Option<Cea> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let rest = v.strip_prefix("CEA ")?;
    let mut parts: HashMap<&str, &str> = HashMap::new();
    for p in rest.split(',') {
        let (k, v) = p.trim().split_once('=')?;
        parts.insert(k, v);
    }
    if parts.get("algorithm") != Some(&"HmacSHA256") {
        return None;
    }
    Some(Cea {
        access_key: parts.get("access-key")?.to_string(),
        signed_date: parts.get("signed-date")?.to_string(),
        signature: parts.get("signature")?.to_string(),
    })
}

fn sign(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl Sim {
    /// Count a failed answer for `scope`; past the Akamai threshold the scope is blocked.
    fn failed(&self, scope: &str) {
        let now = Instant::now();
        let mut f = self.failures.lock().expect("failures lock");
        let q = f.entry(scope.to_string()).or_default();
        q.push_back(now);
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) > AKAMAI_WINDOW)
        {
            q.pop_front();
        }
        if q.len() > AKAMAI_FAILURES {
            q.clear();
            self.blocked_until
                .lock()
                .expect("blocked lock")
                .insert(scope.to_string(), now + AKAMAI_COOLDOWN);
        }
    }

    fn blocked(&self, scope: &str) -> bool {
        let forced = self
            .deny_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        forced
            || self
                .blocked_until
                .lock()
                .expect("blocked lock")
                .get(scope)
                .is_some_and(|until| Instant::now() < *until)
    }

    /// Authenticate a request: the seller's index, or the 401 to answer.
    fn authenticate(
        &self,
        cea: Option<&Cea>,
        method: &Method,
        uri: &Uri,
    ) -> Result<usize, Refusal> {
        let unauthorized = |m: &str| Refusal::new(StatusCode::UNAUTHORIZED, m);
        let Some(cea) = cea else {
            return Err(unauthorized(
                "Invalid authorization header. Expected: CEA algorithm=HmacSHA256, access-key=, signed-date=, signature=",
            ));
        };
        let Some(seller) = self
            .keys
            .iter()
            .position(|k| k.access_key == cea.access_key)
        else {
            return Err(unauthorized("Invalid access key."));
        };
        let message = format!(
            "{}{}{}{}",
            cea.signed_date,
            method.as_str(),
            uri.path(),
            uri.query().unwrap_or("")
        );
        let expected = sign(&self.keys[seller].secret_key, &message);
        if !constant_time_eq(expected.as_bytes(), cea.signature.as_bytes()) {
            return Err(unauthorized("Invalid signature."));
        }
        // Real time, not the simulated clock: this is the gateway's replay protection.
        let signed = NaiveDateTime::parse_from_str(&cea.signed_date, "%y%m%dT%H%M%SZ")
            .map(|t| t.and_utc())
            .map_err(|_| unauthorized("Invalid signed-date format."))?;
        if (Utc::now() - signed).abs() > Duration::minutes(SIGNATURE_SKEW_MINUTES) {
            return Err(unauthorized("Specified signature is expired."));
        }
        Ok(seller)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn serve(
    sim: &Sim,
    path_vendor: Option<String>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    ep: Ep,
) -> Response {
    let cea = parse_cea(headers);
    let scope = cea
        .as_ref()
        .map(|c| c.access_key.clone())
        .unwrap_or_else(|| "-".into());
    if sim.blocked(&scope) {
        return access_denied();
    }
    let response = answer(sim, cea.as_ref(), path_vendor, method, uri, ep).await;
    let status = response.status();
    if status.is_client_error() {
        sim.failed(&scope);
    }
    response
}

async fn answer(
    sim: &Sim,
    cea: Option<&Cea>,
    path_vendor: Option<String>,
    method: &Method,
    uri: &Uri,
    ep: Ep,
) -> Response {
    let seller = match sim.authenticate(cea, method, uri) {
        Ok(s) => s,
        Err(r) => return r.response(),
    };
    let keys = &sim.keys[seller];
    let params: HashMap<String, String> = match Query::try_from_uri(uri) {
        Ok(Query(p)) => p,
        Err(_) => return bad_request("Malformed query string.").response(),
    };
    let vendor = path_vendor.or_else(|| params.get("vendorId").cloned());
    if vendor.as_deref() != Some(keys.vendor_id.as_str()) {
        return error(
            StatusCode::FORBIDDEN,
            "The vendorId of the request does not belong to this access key.",
        );
    }
    if !sim.buckets.admit(&keys.vendor_id) {
        return error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    }
    let state = &sim.state;
    state.faults.delay().await;
    let fault = state.faults.draw();
    match fault {
        Injected::Throttle(name) => return throttle_answer(name),
        Injected::ServerError => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        Injected::Truncate | Injected::None => {}
    }
    let now = state.clock.now();
    let data = state.world.seller(seller);
    let result = match ep {
        Ep::OrderSheets => ordersheets(data, &params, now),
        Ep::Returns => returns(data, &params, now),
        Ep::Exchanges => exchanges(data, &params, now),
        Ep::Revenue => revenue(data, &params, now, |key, build| {
            sim.listings
                .get_or_build(format!("revenue:{seller}:{key}"), build)
        }),
        Ep::Online => inquiries(data, &params, now, false),
        Ep::CallCenter => inquiries(data, &params, now, true),
    };
    let body = match result {
        Ok(body) if state.quirks() => crate::quirks::apply(body, &quirks::RULES, state.config.seed),
        Ok(body) => body,
        Err(r) => return r.response(),
    };
    let mut bytes = body.to_string().into_bytes();
    if fault == Injected::Truncate {
        bytes = truncate(bytes);
    }
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

type Params = HashMap<String, String>;
type Answer = Result<Value, Refusal>;

fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, Refusal> {
    p.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad_request(&format!("{name} is required.")))
}

fn date_param(p: &Params, name: &str) -> Result<NaiveDate, Refusal> {
    let v = required(p, name)?;
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| bad_request(&format!("{name} should be in yyyy-MM-dd format.")))
}

/// A `[from, to]` date range of at most `max_days` dates.
fn date_range(
    p: &Params,
    from: &str,
    to: &str,
    max_days: i64,
) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let (a, b) = (date_param(p, from)?, date_param(p, to)?);
    if b < a {
        return Err(bad_request(&format!("{from} must not be after {to}.")));
    }
    if (b - a).num_days() + 1 > max_days {
        return Err(bad_request(&format!(
            "The search period ({from} ~ {to}) can be at most {max_days} days."
        )));
    }
    Ok((a, b))
}

/// `maxPerPage`: default `default`, at most 50 (larger asks are capped, as Coupang does).
fn per_page(p: &Params, default: usize) -> Result<usize, Refusal> {
    match p.get("maxPerPage").filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(0) | Err(_) => Err(bad_request("maxPerPage should be a number more than 0.")),
            Ok(n) => Ok(n.min(MAX_PER_PAGE)),
        },
    }
}

/// `nextToken` as we hand it out: the offset of the next row.
fn offset(p: &Params, name: &str) -> Result<usize, Refusal> {
    match p.get(name).filter(|v| !v.is_empty()) {
        None => Ok(0),
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| bad_request(&format!("{name} is invalid."))),
    }
}

/// One `nextToken` page of `rows`; only the page's rows are rendered to JSON (a listing
/// of thousands is otherwise rendered again for each of its pages).
fn token_page<T>(rows: Vec<T>, from: usize, size: usize, render: impl Fn(T) -> Value) -> Value {
    let end = (from + size).min(rows.len());
    let next = if end < rows.len() {
        end.to_string()
    } else {
        String::new()
    };
    let page: Vec<Value> = rows.into_iter().skip(from).take(size).map(render).collect();
    json!({ "code": 200, "message": "OK", "data": page, "nextToken": next })
}

const ORDER_STATUSES: [&str; 6] = [
    "ACCEPT",
    "INSTRUCT",
    "DEPARTURE",
    "DELIVERING",
    "FINAL_DELIVERY",
    "NONE_TRACKING",
];

fn ordersheets(d: &crate::world::SellerData, p: &Params, now: DateTime<Utc>) -> Answer {
    if p.get("searchType").is_some_and(|s| s == "timeFrame") {
        return Err(bad_request(
            "searchType=timeFrame is not served by this simulator; use the daily paging mode.",
        ));
    }
    let (from, to) = date_range(p, "createdAtFrom", "createdAtTo", 31)?;
    let status = required(p, "status")?;
    if !ORDER_STATUSES.contains(&status) {
        return Err(bad_request(&format!(
            "status should be one of {}.",
            ORDER_STATUSES.join(", ")
        )));
    }
    let size = per_page(p, MAX_PER_PAGE)?;
    let start = offset(p, "nextToken")?;
    let rows: Vec<&crate::world::Order> = d
        .orders
        .iter()
        .filter(|o| {
            o.paid_at().is_some_and(|paid| {
                let day = data::kst_date(paid);
                paid <= now && day >= from && day <= to
            })
        })
        .filter(|o| data::ordersheet_status(o, now) == Some(status))
        .collect();
    Ok(token_page(rows, start, size, |o| {
        data::ordersheet(o, status)
    }))
}

fn returns(d: &crate::world::SellerData, p: &Params, now: DateTime<Utc>) -> Answer {
    if p.get("searchType").is_some_and(|s| s == "timeFrame") {
        return Err(bad_request(
            "searchType=timeFrame is not served by this simulator; use the daily paging mode.",
        ));
    }
    let (from, to) = date_range(p, "createdAtFrom", "createdAtTo", 31)?;
    let cancel = match p.get("cancelType").map(String::as_str) {
        None | Some("") | Some("RETURN") => false,
        Some("CANCEL") => true,
        Some(_) => return Err(bad_request("cancelType should be RETURN or CANCEL.")),
    };
    let listing = match (cancel, p.get("status").map(String::as_str)) {
        (true, None | Some("")) => "CANCEL",
        (true, Some(_)) => {
            return Err(bad_request(
                "status can not be used with cancelType=CANCEL.",
            ));
        }
        (false, Some(s @ ("RU" | "UC" | "CC" | "PR"))) => s,
        (false, Some(s)) if !s.is_empty() => {
            return Err(bad_request("status should be one of RU, UC, CC, PR."));
        }
        // The documented fallback (status omitted, orderId given) is not served.
        (false, _) => return Err(bad_request("status is required when orderId is absent.")),
    };
    let size = per_page(p, MAX_PER_PAGE)?;
    let start = offset(p, "nextToken")?;
    let rows: Vec<Value> = d
        .orders
        .iter()
        .filter(|o| {
            data::return_receipt(o, now).is_some_and(|(l, _, _, created)| {
                let day = data::kst_date(created);
                l == listing && day >= from && day <= to
            })
        })
        .filter_map(|o| data::return_row(o, now))
        .collect();
    Ok(token_page(rows, start, size, |v| v))
}

fn exchanges(d: &crate::world::SellerData, p: &Params, now: DateTime<Utc>) -> Answer {
    let parse = |name: &str| -> Result<DateTime<Utc>, Refusal> {
        let v = required(p, name)?;
        NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .and_then(|t| t.and_local_timezone(data::kst()).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| bad_request(&format!("{name} should be in yyyy-MM-ddTHH:mm:ss format.")))
    };
    let (from, to) = (parse("createdAtFrom")?, parse("createdAtTo")?);
    if to < from {
        return Err(bad_request("createdAtFrom must not be after createdAtTo."));
    }
    if to - from > Duration::days(7) {
        return Err(bad_request(
            "The search period (createdAtFrom ~ createdAtTo) can be at most 7 days.",
        ));
    }
    let status = p.get("status").filter(|s| !s.is_empty()).cloned();
    if let Some(s) = &status
        && !["RECEIPT", "PROGRESS", "SUCCESS", "REJECT", "CANCEL"].contains(&s.as_str())
    {
        return Err(bad_request(
            "status should be one of RECEIPT, PROGRESS, SUCCESS, REJECT, CANCEL.",
        ));
    }
    let size = per_page(p, 10)?;
    let start = offset(p, "nextToken")?;
    let rows: Vec<Value> = d
        .orders
        .iter()
        .filter(|o| {
            data::exchange_state(o, now).is_some_and(|(st, created)| {
                created >= from && created <= to && status.as_deref().is_none_or(|want| want == st)
            })
        })
        .filter_map(|o| data::exchange_row(o, now))
        .collect();
    Ok(token_page(rows, start, size, |v| v))
}

fn revenue(
    d: &crate::world::SellerData,
    p: &Params,
    now: DateTime<Utc>,
    cached: impl FnOnce(String, &dyn Fn() -> Vec<(usize, &'static str, DateTime<Utc>)>) -> Listing,
) -> Answer {
    let (from, to) = date_range(p, "recognitionDateFrom", "recognitionDateTo", 31)?;
    let Some(token) = p.get("token") else {
        return Err(bad_request("token is required (empty for the first page)."));
    };
    let start = if token.is_empty() {
        0
    } else {
        token
            .parse::<usize>()
            .map_err(|_| bad_request("token should be digital."))?
    };
    let size = match p.get("maxPerPage").map(|v| v.parse::<usize>()) {
        None => MAX_PER_PAGE,
        Some(Ok(n)) if n < 1 => return Err(bad_request("maxPerPage should be more than:1")),
        Some(Ok(n)) if n > MAX_PER_PAGE => {
            return Err(bad_request("maxPerPage should be less than:50"));
        }
        Some(Ok(n)) => n,
        Some(Err(_)) => return Err(bad_request("maxPerPage should be a number.")),
    };
    // The listing in recognition order, built once per query; render only the page.
    let build = || {
        let mut rows = Vec::new();
        for (i, o) in d.orders.iter().enumerate() {
            for (sale_type, at) in data::recognitions(o, now) {
                let day = data::kst_date(at);
                if day >= from && day <= to {
                    rows.push((day, o.order_no, sale_type, i, at));
                }
            }
        }
        rows.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        rows.into_iter()
            .map(|(_, _, t, i, at)| (i, t, at))
            .collect()
    };
    let rows = cached(format!("{from}:{to}:{}", now.timestamp_millis()), &build);
    let has_next = start + size < rows.len();
    let page: Vec<Value> = rows
        .iter()
        .skip(start)
        .take(size)
        .map(|(i, sale_type, at)| data::revenue_row(&d.orders[*i], sale_type, *at))
        .collect();
    Ok(json!({
        "code": 200,
        "message": "OK",
        "hasNext": has_next,
        "nextToken": if has_next { (start + size).to_string() } else { String::new() },
        "data": page,
    }))
}

fn inquiries(
    d: &crate::world::SellerData,
    p: &Params,
    now: DateTime<Utc>,
    call_center: bool,
) -> Answer {
    let (from, to) = date_range(p, "inquiryStartAt", "inquiryEndAt", 7)?;
    let answered_filter: Option<bool> = if call_center {
        match required(p, "partnerCounselingStatus")? {
            "NONE" => None,
            "ANSWER" => Some(true),
            "NO_ANSWER" => Some(false),
            "TRANSFER" => Some(false),
            _ => {
                return Err(bad_request(
                    "partnerCounselingStatus should be one of NONE, ANSWER, NO_ANSWER, TRANSFER.",
                ));
            }
        }
    } else {
        match required(p, "answeredType")? {
            "ALL" => None,
            "ANSWERED" => Some(true),
            "NOANSWER" => Some(false),
            _ => {
                return Err(bad_request(
                    "answeredType should be one of ALL, ANSWERED, NOANSWER.",
                ));
            }
        }
    };
    let page_num = match p.get("pageNum").filter(|v| !v.is_empty()) {
        None => 1,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad_request("pageNum should be more than 0."))?,
    };
    let page_size = match p.get("pageSize").filter(|v| !v.is_empty()) {
        None => 10,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PER_PAGE).contains(n))
            .ok_or_else(|| bad_request("pageSize should be between 1 and 50."))?,
    };
    let rows: Vec<Value> = d
        .inquiries
        .iter()
        .filter(|q| data::is_call_center(q) == call_center && q.asked_at <= now)
        .filter(|q| {
            let day = data::kst_date(q.asked_at);
            day >= from && day <= to
        })
        .filter(|q| answered_filter.is_none_or(|want| data::answered(q, now).is_some() == want))
        .map(|q| {
            if call_center {
                data::call_center_row(q, d, now)
            } else {
                data::online_row(q, now)
            }
        })
        .collect();
    let total = rows.len();
    let total_pages = total.div_ceil(page_size);
    let content: Vec<Value> = rows
        .into_iter()
        .skip((page_num - 1) * page_size)
        .take(page_size)
        .collect();
    Ok(json!({
        "code": 200,
        "message": "OK",
        "data": {
            "content": content,
            "pagination": {
                "currentPage": page_num,
                "countPerPage": page_size,
                "totalPages": total_pages,
                "totalElements": total,
            },
        },
    }))
}
