//! Lotte ON seller Open API simulator (shared/markets/lotteon.md), SL catalogue.
//!
//! - Auth: `Authorization: Bearer {key}` with `Accept: application/json`; a missing or
//!   unknown key answers HTTP 401 in the envelope. A read without `Accept:
//!   application/json` (or, on POST, a JSON `Content-Type`) answers HTTP 404, Lotte ON's
//!   "비정상 Request".
//! - Envelope: every answer is `{returnCode, message, subMessages, dataCount, data}`;
//!   refusals of the query itself answer HTTP 200 with their returnCode: `2003` for a
//!   range longer than the endpoint allows (209 and 140: one day; claims and settlements:
//!   30 days), `2001` for a missing or malformed parameter, `2002` for a trading partner
//!   (`trGrpCd`/`trNo`) that is not the key's.
//! - Rate: one bucket per key, 10,000 per minute (the lower of the documented readings;
//!   `config.rps` replaces the rate), a minute's worth of burst; over it, HTTP 429
//!   `접속량 초과` without Retry-After.
//! - Daily cap: `POST /_sim/lotteon/daily-cap {"calls": N}` gives every key N more calls
//!   today; past them every call answers HTTP 200 returnCode `1004` (일 호출 회수 제한).
//!   `{"calls": null}` lifts it.
//! - Paging: `pageNo` (from 1) and `rowsPerPage` (1..=100, default 100); `dataCount` is
//!   the query's total.
//! - Writes: the acknowledgement (apiNo 210) marks lines 연동완료 (`ifCplYN` Y, 140 step
//!   12). Every call that is not one of the simulated reads (210 included, and any
//!   unknown path) is recorded per seller: `GET /_sim/lotteon/writes`.
//! - Injected throttles ([`THROTTLES`]): `429`.
//! - Quirks mode re-spells every successful answer ([`quirks`]).

pub mod data;
pub mod quirks;

use crate::faults::{Injected, truncate};
use crate::limits::Buckets;
use crate::server::{SimSpec, SimState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use data::Claims;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// The documented limit, 10,000 calls per minute, enforced per key (the narrowest scope a
/// reader of the documents could assume; the collector holds the whole fleet to it).
pub const RATE_PER_KEY: f64 = 10_000.0 / 60.0;
/// The most rows one page may ask for.
pub const MAX_ROWS_PER_PAGE: usize = 100;
/// Lines one acknowledgement call may carry.
pub const MAX_ACK_LINES: usize = 100;

pub const OK: &str = "0000";
pub const DAILY_CAP: &str = "1004";
pub const BAD_PARAM: &str = "2001";
pub const NOT_YOURS: &str = "2002";
pub const RANGE_EXCEEDED: &str = "2003";

const IDENTITY: &str = "/v1/openapi/common/v1/identity";
const DELIVERY: &str = "/v1/openapi/delivery/v1/SellerDeliveryOrdersSearch";
const PROGRESS: &str = "/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch";
const ACKNOWLEDGE: &str = "/v1/openapi/delivery/v1/SellerIfCompleteInform";
const CANCELS: &str =
    "/v1/openapi/claim/v1/cancellationOpenApi/getCancellationRequestAndComplateList";
const RETURNS: &str = "/v1/openapi/claim/v1/returningOpenApi/returnRequestSearch";
const EXCHANGES: &str = "/v1/openapi/claim/v1/exchangeOpenApi/exchangeSearch";
const SETTLE: &str = "/v1/openapi/settle/v1/se/SettleItmdSales";

/// One seller's key and trading partner, as the store center issues them.
#[derive(Debug, Clone)]
pub struct Keys {
    pub api_key: String,
    pub tr_grp_cd: &'static str,
    pub tr_no: String,
    pub tr_nm: String,
}

/// Seller `i`'s key: deterministic from the world's seed.
pub fn keys(seed: u64, i: usize) -> Keys {
    let d = Sha256::digest(format!("lotteon/{seed}/{i}/key").as_bytes());
    Keys {
        api_key: hex::encode(&d[..20]),
        tr_grp_cd: "SR",
        tr_no: format!("LO{:08}", 10_000_000 + i),
        tr_nm: format!("{}상점", crate::names::person(i as u64 * 7 + 3)),
    }
}

pub static SIM: SimSpec = SimSpec {
    id: "lotteon",
    base_path: "",
    build,
    // The collector holds every seller to one budget for the fleet's egress IP (the
    // documents do not say what the 10,000 a minute counts by), so every seller adds up:
    // 200 sellers' weeks of 209 and 140 pages keep it busy well past the bench's 30 s.
    bench_orders_per_day: 3_000,
    throttles: THROTTLES,
    wrong_credentials,
    order_listed_at,
    status_codes: STATUS_CODES,
};

/// The throttle answers Lotte ON documents: HTTP 429 (접속량 초과).
pub const THROTTLES: &[&str] = &["429"];

/// Every step code the simulated listings carry: delivery lines (209/140) and the claim
/// listings.
pub const STATUS_CODES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "23", "24", "25", "26", "27",
];

/// Another key of the same shape.
fn wrong_credentials(credentials: &Value) -> Value {
    let mut c = credentials.clone();
    let key = c["api_key"].as_str().unwrap_or_default();
    let shifted: String = key
        .chars()
        .map(|ch| match ch.to_digit(16) {
            Some(d) => std::char::from_digit((d + 1) % 16, 16).unwrap_or(ch),
            None => ch,
        })
        .collect();
    c["api_key"] = Value::String(shifted);
    c
}

/// 209 lists an order's lines by the day the delivery instruction was issued (payment),
/// while the instruction stands.
fn order_listed_at(o: &crate::world::Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    data::listed(o, now)
        .then(|| data::instructed_at(o))
        .flatten()
}

/// A write (or any call that is not a simulated read) one seller sent.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Write {
    pub method: String,
    pub path: String,
    /// Lines an acknowledgement carried (0 for other calls).
    pub lines: usize,
}

struct Sim {
    state: Arc<SimState>,
    keys: Vec<Keys>,
    by_key: HashMap<String, usize>,
    buckets: Buckets,
    /// Per seller, the day's remaining calls when a cap is set.
    cap: Mutex<Option<HashMap<usize, u64>>>,
    cap_calls: Mutex<Option<u64>>,
    /// (seller, order number, line) acknowledged through apiNo 210.
    acked: Mutex<HashSet<(usize, u64, usize)>>,
    writes: Mutex<HashMap<usize, Vec<Write>>>,
    index: Vec<OnceLock<data::Index>>,
}

pub fn build(state: Arc<SimState>, base_url: &str) -> (Router, Vec<Value>) {
    let keys: Vec<Keys> = (0..state.world.seller_count())
        .map(|i| keys(state.config.seed, i))
        .collect();
    let credentials = keys
        .iter()
        .map(|k| {
            json!({
                "market": "lotteon",
                "seller_id": k.tr_no,
                "base_url": base_url,
                "credentials": { "api_key": k.api_key },
            })
        })
        .collect();
    let rate = state.config.rps.unwrap_or(RATE_PER_KEY);
    let sim = Arc::new(Sim {
        // A minute's worth of burst: the documented budget is per minute.
        buckets: Buckets::new(rate, (rate * 60.0).ceil().max(1.0) as u32),
        by_key: keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.api_key.clone(), i))
            .collect(),
        index: (0..keys.len()).map(|_| OnceLock::new()).collect(),
        keys,
        state,
        cap: Mutex::default(),
        cap_calls: Mutex::default(),
        acked: Mutex::default(),
        writes: Mutex::default(),
    });
    let read = |ep: Ep| {
        move |State(s): State<Arc<Sim>>, m: Method, u: Uri, h: HeaderMap, body: Bytes| async move {
            serve(&s, ep, &m, &u, &h, &body).await
        }
    };
    let router = Router::new()
        .route(IDENTITY, get(read(Ep::Identity)))
        .route(DELIVERY, post(read(Ep::Delivery)))
        .route(PROGRESS, post(read(Ep::Progress)))
        .route(ACKNOWLEDGE, post(read(Ep::Acknowledge)))
        .route(CANCELS, post(read(Ep::Claims(Claims::Cancel))))
        .route(RETURNS, post(read(Ep::Claims(Claims::Return))))
        .route(EXCHANGES, post(read(Ep::Claims(Claims::Exchange))))
        .route(SETTLE, post(read(Ep::Settle)))
        .route(
            "/_sim/lotteon/daily-cap",
            post(
                |State(s): State<Arc<Sim>>, Json(c): Json<DailyCap>| async move {
                    *s.cap_calls.lock().expect("cap lock") = c.calls;
                    *s.cap.lock().expect("cap lock") = c.calls.map(|_| HashMap::new());
                    Json(json!({ "ok": true, "calls": c.calls }))
                },
            ),
        )
        .route(
            "/_sim/lotteon/writes",
            get(|State(s): State<Arc<Sim>>| async move {
                let writes = s.writes.lock().expect("writes lock");
                let by_seller: Map<String, Value> = s
                    .keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| {
                        (
                            k.tr_no.clone(),
                            json!(writes.get(&i).cloned().unwrap_or_default()),
                        )
                    })
                    .collect();
                Json(Value::Object(by_seller))
            }),
        )
        .fallback(
            |State(s): State<Arc<Sim>>, m: Method, u: Uri, h: HeaderMap| async move {
                // Anything else a seller sends is recorded: it may be a write.
                if let Some(seller) = s.seller_of(&h) {
                    s.record(seller, &m, u.path(), 0);
                }
                refusal(
                    StatusCode::NOT_FOUND,
                    "404",
                    "요청하신 API를 찾을 수 없습니다.",
                )
            },
        )
        .with_state(sim);
    (router, credentials)
}

#[derive(Deserialize)]
struct DailyCap {
    calls: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ep {
    Identity,
    Delivery,
    Progress,
    Acknowledge,
    Claims(Claims),
    Settle,
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

/// An answer in the envelope with no data: HTTP `status`, `returnCode` `code`.
fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "returnCode": code,
        "message": message,
        "subMessages": [],
        "dataCount": 0,
        "data": null,
    });
    json_response(status, body.to_string().into_bytes())
}

/// A refusal of the query itself: HTTP 200 with its returnCode.
struct Refusal {
    code: &'static str,
    message: String,
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal {
        code: BAD_PARAM,
        message: message.into(),
    }
}

impl Sim {
    fn seller_of(&self, headers: &HeaderMap) -> Option<usize> {
        let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let key = v.strip_prefix("Bearer ")?.trim();
        self.by_key.get(key).copied()
    }

    fn record(&self, seller: usize, method: &Method, path: &str, lines: usize) {
        self.writes
            .lock()
            .expect("writes lock")
            .entry(seller)
            .or_default()
            .push(Write {
                method: method.to_string(),
                path: path.to_string(),
                lines,
            });
    }

    /// Counts a call against the key's daily cap; `false` once it is spent.
    fn within_cap(&self, seller: usize) -> bool {
        let Some(limit) = *self.cap_calls.lock().expect("cap lock") else {
            return true;
        };
        let mut cap = self.cap.lock().expect("cap lock");
        let used = cap
            .get_or_insert_with(HashMap::new)
            .entry(seller)
            .or_insert(0);
        *used += 1;
        *used <= limit
    }

    fn index(&self, seller: usize) -> &data::Index {
        self.index[seller].get_or_init(|| data::Index::new(self.state.world.seller(seller)))
    }

    fn is_acked(&self, seller: usize, order_no: u64, seq: usize) -> bool {
        self.acked
            .lock()
            .expect("acked lock")
            .contains(&(seller, order_no, seq))
    }
}

async fn serve(
    sim: &Sim,
    ep: Ep,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let Some(seller) = sim.seller_of(headers) else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "401",
            "인증키가 유효하지 않습니다. 인증키를 확인해 주세요.",
        );
    };
    if ep == Ep::Acknowledge {
        sim.record(seller, method, uri.path(), 0);
    }
    let accepts_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let sends_json = *method != Method::POST
        || headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
    if !accepts_json || !sends_json {
        return refusal(StatusCode::NOT_FOUND, "404", "비정상 Request 입니다.");
    }
    if !sim.buckets.admit(&sim.keys[seller].api_key) {
        return refusal(StatusCode::TOO_MANY_REQUESTS, "429", "접속량 초과");
    }
    if !sim.within_cap(seller) {
        return refusal(
            StatusCode::OK,
            DAILY_CAP,
            "일 호출 회수 제한을 초과하였습니다.",
        );
    }
    let state = &sim.state;
    state.faults.delay().await;
    let fault = state.faults.draw();
    match fault {
        Injected::Throttle(Some("429") | None) => {
            return refusal(StatusCode::TOO_MANY_REQUESTS, "429", "접속량 초과");
        }
        Injected::Throttle(Some(other)) => {
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500",
                &format!("the simulator has no throttle answer {other:?}"),
            );
        }
        Injected::ServerError => {
            return refusal(StatusCode::INTERNAL_SERVER_ERROR, "500", "시스템 오류");
        }
        Injected::Truncate | Injected::None => {}
    }
    let params: Map<String, Value> = if *method == Method::POST {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return refusal(
                    StatusCode::OK,
                    BAD_PARAM,
                    "요청 본문이 JSON 객체가 아닙니다.",
                );
            }
        }
    } else {
        Map::new()
    };
    let keys = &sim.keys[seller];
    for (field, want) in [("trGrpCd", keys.tr_grp_cd), ("trNo", keys.tr_no.as_str())] {
        if let Some(v) = params.get(field).and_then(text)
            && !v.is_empty()
            && v != want
        {
            return refusal(
                StatusCode::OK,
                NOT_YOURS,
                &format!("{field} 거래처 정보가 인증키와 일치하지 않습니다."),
            );
        }
    }
    let now = state.clock.now();
    let result = match ep {
        Ep::Identity => Ok(envelope(
            json!({
                "trGrpCd": keys.tr_grp_cd,
                "trNo": keys.tr_no,
                "trNm": keys.tr_nm,
                "trDvsCd": "01",
            }),
            1,
        )),
        Ep::Delivery => delivery(sim, seller, &params, now),
        Ep::Progress => progress(sim, seller, &params, now),
        Ep::Acknowledge => acknowledge(sim, seller, &params, now),
        Ep::Claims(listing) => claims(sim, seller, listing, &params, now),
        Ep::Settle => settle(sim, seller, &params, now),
    };
    let body = match result {
        Ok(body) if state.quirks() => crate::quirks::apply(body, &quirks::RULES, state.config.seed),
        Ok(body) => body,
        Err(r) => return refusal(StatusCode::OK, r.code, &r.message),
    };
    let mut bytes = body.to_string().into_bytes();
    if fault == Injected::Truncate {
        bytes = truncate(bytes);
    }
    json_response(StatusCode::OK, bytes)
}

type Params = Map<String, Value>;
type Answer = Result<Value, Refusal>;

fn envelope(data: Value, count: usize) -> Value {
    json!({
        "returnCode": OK,
        "message": "정상 처리되었습니다.",
        "subMessages": [],
        "dataCount": count,
        "data": data,
    })
}

/// A parameter as text: strings as they are, numbers as their digits.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn param(p: &Params, name: &str) -> Option<String> {
    p.get(name).and_then(text).filter(|s| !s.is_empty())
}

fn date_time(p: &Params, name: &str) -> Result<DateTime<Utc>, Refusal> {
    let v = param(p, name).ok_or_else(|| bad(format!("{name} 은(는) 필수입니다.")))?;
    NaiveDateTime::parse_from_str(&v, "%Y%m%d%H%M%S")
        .ok()
        .and_then(|t| t.and_local_timezone(data::kst()).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| bad(format!("{name} 은(는) yyyyMMddHHmmss 형식이어야 합니다.")))
}

/// A `[from, to]` instant range of at most `max`.
fn time_range(
    p: &Params,
    from: &str,
    to: &str,
    max: Duration,
    max_text: &str,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Refusal> {
    let (a, b) = (date_time(p, from)?, date_time(p, to)?);
    if b < a {
        return Err(bad(format!("{from} 이(가) {to} 보다 늦을 수 없습니다.")));
    }
    if b - a > max {
        return Err(Refusal {
            code: RANGE_EXCEEDED,
            message: format!("조회기간은 {max_text}을(를) 초과할 수 없습니다."),
        });
    }
    Ok((a, b))
}

/// `pageNo` and `rowsPerPage` as offset and size.
fn paging(p: &Params) -> Result<(usize, usize), Refusal> {
    let num = |name: &str, default: usize| -> Result<usize, Refusal> {
        match param(p, name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad(format!("{name} 은(는) 1 이상의 숫자여야 합니다."))),
        }
    };
    let page = num("pageNo", 1)?;
    let size = num("rowsPerPage", MAX_ROWS_PER_PAGE)?;
    if size > MAX_ROWS_PER_PAGE {
        return Err(bad(format!(
            "rowsPerPage 은(는) {MAX_ROWS_PER_PAGE} 이하여야 합니다."
        )));
    }
    Ok(((page - 1).saturating_mul(size), size))
}

/// The KST days of `[a, b]`.
fn days(a: DateTime<Utc>, b: DateTime<Utc>) -> impl Iterator<Item = NaiveDate> {
    let (first, last) = (data::kst_date(a), data::kst_date(b));
    first.iter_days().take_while(move |d| *d <= last)
}

/// One page of `rows` (rendered lazily: only the page's rows become JSON).
fn page_of<T>(
    rows: Vec<T>,
    offset: usize,
    size: usize,
    render: impl Fn(T) -> Value,
) -> (Vec<Value>, usize) {
    let total = rows.len();
    (
        rows.into_iter()
            .skip(offset)
            .take(size)
            .map(render)
            .collect(),
        total,
    )
}

/// The lines 209 or 140 files under the days of `[a, b]`, instruction time inside it.
fn instructed_lines(
    sim: &Sim,
    seller: usize,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(usize, usize)> {
    let d = sim.state.world.seller(seller);
    let ix = sim.index(seller);
    let mut out = Vec::new();
    for day in days(a, b) {
        for &i in ix.instructed.get(&day).into_iter().flatten() {
            let o = &d.orders[i];
            let Some(t) = data::instructed_at(o) else {
                continue;
            };
            if t >= a && t <= b && t <= now && data::listed(o, now) {
                out.extend((1..=o.items.len()).map(|seq| (i, seq)));
            }
        }
    }
    out.sort_by_key(|(i, seq)| (d.orders[*i].order_no, *seq));
    out
}

/// A single-order query (`odNo`) instead of a range.
fn by_order_number(
    sim: &Sim,
    seller: usize,
    od_no: &str,
    now: DateTime<Utc>,
) -> Vec<(usize, usize)> {
    let d = sim.state.world.seller(seller);
    data::order_no_of(od_no)
        .and_then(|n| d.orders.iter().position(|o| o.order_no == n))
        .filter(|i| data::listed(&d.orders[*i], now))
        .map(|i| (1..=d.orders[i].items.len()).map(|seq| (i, seq)).collect())
        .unwrap_or_default()
}

fn delivery(sim: &Sim, seller: usize, p: &Params, now: DateTime<Utc>) -> Answer {
    let (offset, size) = paging(p)?;
    let lines = match param(p, "odNo") {
        Some(od) => by_order_number(sim, seller, &od, now),
        None => {
            let (a, b) = time_range(p, "srchStrtDt", "srchEndDt", Duration::days(1), "1일")?;
            instructed_lines(sim, seller, a, b, now)
        }
    };
    // Only order lines (10) are simulated: exchange and return instructions are not.
    let type_ok = param(p, "odTypCd").is_none_or(|t| t == "10");
    let step_ok = param(p, "odPrgsStepCd").is_none_or(|s| s == "11");
    let want_ack = param(p, "ifCplYN");
    let d = sim.state.world.seller(seller);
    let lines: Vec<(usize, usize, bool)> = lines
        .into_iter()
        .filter(|_| type_ok && step_ok)
        .map(|(i, seq)| (i, seq, sim.is_acked(seller, d.orders[i].order_no, seq)))
        .filter(|(i, _, acked)| {
            want_ack
                .as_deref()
                .is_none_or(|w| (w == "Y") == data::acknowledged(&d.orders[*i], now, *acked))
        })
        .collect();
    let (rows, total) = page_of(lines, offset, size, |(i, seq, acked)| {
        data::delivery_line(&d.orders[i], seq, now, acked)
    });
    Ok(envelope(json!({ "deliveryOrderList": rows }), total))
}

fn progress(sim: &Sim, seller: usize, p: &Params, now: DateTime<Utc>) -> Answer {
    let (offset, size) = paging(p)?;
    let lines = match param(p, "odNo") {
        Some(od) => by_order_number(sim, seller, &od, now),
        None => {
            let (a, b) = time_range(p, "srchStrtDt", "srchEndDt", Duration::days(1), "1일")?;
            instructed_lines(sim, seller, a, b, now)
        }
    };
    let want_step = param(p, "odPrgsStepCd");
    let d = sim.state.world.seller(seller);
    let steps: Vec<(usize, usize, &'static str, DateTime<Utc>)> = lines
        .into_iter()
        .filter_map(|(i, seq)| {
            let o = &d.orders[i];
            let acked = sim.is_acked(seller, o.order_no, seq);
            let (step, since) = data::progress_step(o, now, acked)?;
            want_step
                .as_deref()
                .is_none_or(|w| w == step)
                .then_some((i, seq, step, since))
        })
        .collect();
    let (rows, total) = page_of(steps, offset, size, |(i, seq, step, since)| {
        data::progress_line(&d.orders[i], seq, step, since, step != "12")
    });
    Ok(envelope(
        json!({ "deliveryProgressStateList": rows }),
        total,
    ))
}

fn claims(sim: &Sim, seller: usize, listing: Claims, p: &Params, now: DateTime<Utc>) -> Answer {
    let (offset, size) = paging(p)?;
    let (a, b) = time_range(p, "srchStrtDttm", "srchEndDttm", Duration::days(30), "30일")?;
    let d = sim.state.world.seller(seller);
    let ix = sim.index(seller);
    let mut found: Vec<usize> = days(a, b)
        .flat_map(|day| {
            ix.claims
                .get(&(listing, day))
                .into_iter()
                .flatten()
                .copied()
        })
        .filter(|&i| {
            data::claim_requested_at(&d.orders[i], listing)
                .is_some_and(|t| t >= a && t <= b && t <= now)
        })
        .collect();
    found.sort_by_key(|&i| d.orders[i].order_no);
    let (rows, total) = page_of(found, offset, size, |i| {
        let o = &d.orders[i];
        let acked = sim.is_acked(seller, o.order_no, 1);
        data::claim_row(o, listing, now, acked).unwrap_or(Value::Null)
    });
    Ok(envelope(Value::Array(rows), total))
}

fn settle(sim: &Sim, seller: usize, p: &Params, now: DateTime<Utc>) -> Answer {
    let (offset, size) = paging(p)?;
    let date = |name: &str| -> Result<NaiveDate, Refusal> {
        let v = param(p, name).ok_or_else(|| bad(format!("{name} 은(는) 필수입니다.")))?;
        NaiveDate::parse_from_str(&v, "%Y%m%d")
            .map_err(|_| bad(format!("{name} 은(는) yyyyMMdd 형식이어야 합니다.")))
    };
    let (a, b) = (date("startDate")?, date("endDate")?);
    if b < a {
        return Err(bad("startDate 이(가) endDate 보다 늦을 수 없습니다."));
    }
    if (b - a).num_days() + 1 > 30 {
        return Err(Refusal {
            code: RANGE_EXCEEDED,
            message: "조회기간은 30일을 초과할 수 없습니다.".into(),
        });
    }
    let d = sim.state.world.seller(seller);
    let ix = sim.index(seller);
    let mut lines: Vec<(usize, usize, DateTime<Utc>)> = Vec::new();
    for day in a.iter_days().take_while(|x| *x <= b) {
        for &i in ix.confirmed.get(&day).into_iter().flatten() {
            let o = &d.orders[i];
            if let Some(at) = data::settled_at(o, now) {
                lines.extend((0..o.items.len()).map(|n| (i, n, at)));
            }
        }
    }
    lines.sort_by_key(|(i, n, at)| (data::kst_date(*at), d.orders[*i].order_no, *n));
    let (rows, total) = page_of(lines, offset, size, |(i, n, at)| {
        data::settle_rows(&d.orders[i], at)
            .into_iter()
            .nth(n)
            .unwrap_or(Value::Null)
    });
    Ok(envelope(Value::Array(rows), total))
}

fn acknowledge(sim: &Sim, seller: usize, p: &Params, now: DateTime<Utc>) -> Answer {
    let list = match p.get("ifCompleteList") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => return Err(bad("ifCompleteList 은(는) 필수입니다.")),
    };
    if list.len() > MAX_ACK_LINES {
        return Err(bad(format!(
            "ifCompleteList 은(는) {MAX_ACK_LINES}건 이하여야 합니다."
        )));
    }
    if let Some(w) = sim
        .writes
        .lock()
        .expect("writes lock")
        .get_mut(&seller)
        .and_then(|w| w.last_mut())
    {
        w.lines = list.len();
    }
    let d = sim.state.world.seller(seller);
    let mut failed = Vec::new();
    for line in list {
        let od_no = line.get("odNo").and_then(text).unwrap_or_default();
        let seq = line
            .get("odSeq")
            .and_then(text)
            .and_then(|s| s.parse::<usize>().ok());
        let found = data::order_no_of(&od_no)
            .and_then(|n| d.orders.iter().find(|o| o.order_no == n))
            .filter(|o| data::listed(o, now))
            .zip(seq.filter(|s| *s >= 1));
        match found {
            Some((o, seq))
                if seq <= o.items.len()
                    && line.get("ifCplYN").and_then(text).as_deref() == Some("Y") =>
            {
                sim.acked
                    .lock()
                    .expect("acked lock")
                    .insert((seller, o.order_no, seq));
            }
            _ => failed.push(json!({
                "odNo": od_no,
                "odSeq": line.get("odSeq").cloned().unwrap_or(Value::Null),
                "rsltCd": "9999",
                "rsltMsg": "처리할 수 없는 주문입니다.",
            })),
        }
    }
    let rslt = if failed.is_empty() { OK } else { "9999" };
    Ok(envelope(
        json!({ "rsltCd": rslt, "rsltMsg": "처리되었습니다.", "failList": failed }),
        list.len(),
    ))
}
