//! SSG.COM seller API simulator (eapi.ssgadm.com, shared/markets/ssg.md).
//!
//! - Auth: `Authorization: {업체 인증키}`, the raw key without a prefix. A missing, prefixed
//!   or unknown key answers HTTP 401 with SSG's envelope
//!   `{"result":{"resultCode":"401","resultMessage":"FAIL","resultDesc":"유효하지 않은 인증키입니다."}}`.
//! - Format: `Accept` chooses JSON or XML; this simulator serves JSON, and answers any
//!   other `Accept` with 406 in the same envelope. Request bodies are JSON objects wrapped
//!   in their request name (`{"requestShppDirection":{...}}`).
//! - Every answer is `{"result":{"resultCode":"00","resultMessage":"SUCCESS",...}}`; a
//!   refused request (bad or missing parameter, a period over the documented maximum:
//!   180 days for the stage listings, 7 days for the claim listings) answers HTTP 200 with
//!   `resultCode` 400 and a Korean `resultDesc`, as SSG reports business errors.
//! - Claims as the public clients read them (docs/research/ssg-claims.md): open cancel
//!   requests at `result.resultData`, cancelled lines (취소주문목록조회) at `result.data`,
//!   return and exchange pick-ups (listExchangeTarget) at `result.exchangeTargets`, each row
//!   a claim order line pointing at its original (`orordNo`, `orordItemSeq`).
//! - Rate: SSG publishes no read limit. The simulator assumes one bucket per caller IP (every
//!   local client is 127.0.0.1), 10 requests per second, burst 10, unless `config.rps`
//!   says otherwise; over it, HTTP 429 in the envelope (`resultCode` 429).
//!   Injected throttles ([`THROTTLES`]): `429` (HTTP 429) or `result-429` (HTTP 200 with
//!   `resultCode` 429, the shape of SSG's business errors).
//! - Listings are not paged: each answer holds every row of its period.
//! - Quirks mode re-spells answers as real ones vary ([`quirks`]), including XStream's
//!   list spellings.

pub mod data;
pub mod quirks;

use crate::faults::{Injected, truncate};
use crate::limits::Buckets;
use crate::server::{SimSpec, SimState};
use crate::world::{Inquiry, Order};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// The read rate this simulator enforces per caller IP (not published; see the module docs).
pub const RATE_PER_IP: f64 = 10.0;
/// listNonDelivery documents 180 days; one client notes the same for listShppDirection.
pub const STAGE_MAX_DAYS: i64 = 180;
/// The claim listings: at most 7 days per request (documented for cancel requests; stated
/// for the pick-ups by one client; assumed for cancelled lines).
pub const CLAIM_MAX_DAYS: i64 = 7;

/// The throttle answers, by name: HTTP 429, and a 200 whose envelope says 429.
pub const THROTTLES: &[&str] = &["429", "result-429"];

/// Every raw status word the stage and claim listings carry, as the collectors store them
/// (`<stage>/<shppStatCd>`, `CANCEL/REQUESTED`, `CANCEL/<ordItemStatCd>`,
/// `RCOV/<shppDivDtlCd>/<lastShppProgStatDtlCd>`).
pub const STATUS_CODES: &[&str] = &[
    "SHPP_DIRECTION",
    "WAREHOUSE_OUT",
    "NON_DELIVERY",
    "DELIVERY_END",
    "10",
    "30",
    "CANCEL",
    "REQUESTED",
    "180",
    "RCOV",
    "21",
    "22",
    "61",
    "63",
    "64",
];

pub static SIM: SimSpec = SimSpec {
    id: "ssg",
    base_path: "",
    build,
    // Listings are not paged: the request count does not grow with volume; this only
    // sizes the data each answer carries.
    bench_orders_per_day: 300,
    throttles: THROTTLES,
    wrong_credentials,
    order_listed_at,
    status_codes: STATUS_CODES,
};

/// The stage listings file an order under its payment day while it shows in a stage.
fn order_listed_at(o: &Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    data::stage(o, now)?;
    o.paid_at()
}

/// SSG's Q&A listing shows a question only while it is unanswered.
pub fn qna_listed(q: &Inquiry, now: DateTime<Utc>) -> bool {
    data::unanswered(q, now)
}

/// The same key shape, another key.
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

/// Seller `i`'s key: a UUID-shaped string, deterministic from the seed.
pub fn api_key(seed: u64, i: usize) -> String {
    let h = hex::encode(Sha256::digest(format!("ssg/{seed}/{i}/key").as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Seller `i`'s company code (업체코드).
pub fn ven_id(i: usize) -> String {
    format!("{:010}", 3_000_000 + i)
}

struct Sim {
    state: Arc<SimState>,
    keys: HashMap<String, usize>,
    buckets: Buckets,
}

pub fn build(state: Arc<SimState>, base_url: &str) -> (Router, Vec<Value>) {
    let n = state.world.seller_count();
    let credentials = (0..n)
        .map(|i| {
            json!({
                "market": "ssg",
                "seller_id": ven_id(i),
                "base_url": base_url,
                "credentials": { "api_key": api_key(state.config.seed, i) },
            })
        })
        .collect();
    let keys = (0..n).map(|i| (api_key(state.config.seed, i), i)).collect();
    let rate = state.config.rps.unwrap_or(RATE_PER_IP);
    let sim = Arc::new(Sim {
        buckets: Buckets::new(rate, rate.ceil().max(1.0) as u32),
        state,
        keys,
    });
    let stage = |i: usize| {
        move |State(s): State<Arc<Sim>>, h: HeaderMap, body: Bytes| async move {
            serve(&s, &h, Ep::Stage(i), &HashMap::new(), &body).await
        }
    };
    let router = Router::new()
        .route("/api/pd/1/listShppDirection.ssg", post(stage(0)))
        .route("/api/pd/1/listWarehouseOut.ssg", post(stage(1)))
        .route("/api/pd/1/listNonDelivery.ssg", post(stage(2)))
        .route("/api/pd/1/listDeliveryEnd.ssg", post(stage(3)))
        .route(
            "/api/claim/v2/cancel/requests",
            get(
                |State(s): State<Arc<Sim>>,
                 h: HeaderMap,
                 Query(q): Query<HashMap<String, String>>| async move {
                    serve(&s, &h, Ep::Cancels, &q, &Bytes::new()).await
                },
            ),
        )
        .route(
            "/api/clm/cncl/ord/inquiry.ssg",
            post(
                |State(s): State<Arc<Sim>>, h: HeaderMap, body: Bytes| async move {
                    serve(&s, &h, Ep::Cancelled, &HashMap::new(), &body).await
                },
            ),
        )
        .route(
            "/api/pd/1/listExchangeTarget.ssg",
            post(
                |State(s): State<Arc<Sim>>, h: HeaderMap, body: Bytes| async move {
                    serve(&s, &h, Ep::Recovery, &HashMap::new(), &body).await
                },
            ),
        )
        .route(
            "/api/settle/v1/ven/sales/list.ssg",
            get(
                |State(s): State<Arc<Sim>>,
                 h: HeaderMap,
                 Query(q): Query<HashMap<String, String>>| async move {
                    serve(&s, &h, Ep::Settle, &q, &Bytes::new()).await
                },
            ),
        )
        .route(
            "/api/postng/qnaList.ssg",
            post(
                |State(s): State<Arc<Sim>>, h: HeaderMap, body: Bytes| async move {
                    serve(&s, &h, Ep::Qna, &HashMap::new(), &body).await
                },
            ),
        )
        .with_state(sim);
    (router, credentials)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ep {
    Stage(usize),
    Cancels,
    Cancelled,
    Recovery,
    Settle,
    Qna,
}

/// The request names of the stage listings' bodies, and their answers' list and row names.
const STAGE_IO: [(&str, &str, &str); 4] = [
    ("requestShppDirection", "shppDirections", "shppDirection"),
    ("requestWarehouseOut", "warehouseOuts", "warehouseOut"),
    ("requestNonDelivery", "nonDeliveries", "nonDelivery"),
    ("requestDeliveryEnd", "deliveryEnds", "deliveryEnd"),
];

fn envelope(
    status: StatusCode,
    code: &str,
    message: &str,
    desc: &str,
    extra: Map<String, Value>,
) -> Response {
    let mut result = Map::new();
    result.insert("resultCode".into(), json!(code));
    result.insert("resultMessage".into(), json!(message));
    result.insert("resultDesc".into(), json!(desc));
    result.extend(extra);
    json_response(status, json!({ "result": result }).to_string().into_bytes())
}

fn json_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

fn fail(status: StatusCode, code: &str, desc: &str) -> Response {
    envelope(status, code, "FAIL", desc, Map::new())
}

/// A business error: HTTP 200, `resultCode` 400.
fn refused(desc: &str) -> Response {
    fail(StatusCode::OK, "400", desc)
}

fn throttle_answer(name: Option<&str>) -> Response {
    const DESC: &str = "API 호출 허용량을 초과하였습니다. 잠시 후 다시 시도해 주세요.";
    match name.unwrap_or(THROTTLES[0]) {
        "429" => fail(StatusCode::TOO_MANY_REQUESTS, "429", DESC),
        "result-429" => fail(StatusCode::OK, "429", DESC),
        other => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500",
            &format!("the simulator has no throttle answer {other:?}"),
        ),
    }
}

async fn serve(
    sim: &Sim,
    headers: &HeaderMap,
    ep: Ep,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Response {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(&seller) = sim.keys.get(key) else {
        return fail(
            StatusCode::UNAUTHORIZED,
            "401",
            "유효하지 않은 인증키입니다.",
        );
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !accept.contains("application/json") {
        return fail(
            StatusCode::NOT_ACCEPTABLE,
            "406",
            "Accept 는 application/json 이어야 합니다 (이 시뮬레이터는 JSON 만 제공합니다).",
        );
    }
    if !sim.buckets.admit("127.0.0.1") {
        return throttle_answer(Some("429"));
    }
    let state = &sim.state;
    state.faults.delay().await;
    let fault = state.faults.draw();
    match fault {
        Injected::Throttle(name) => return throttle_answer(name),
        Injected::ServerError => {
            return fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500",
                "시스템 오류가 발생하였습니다.",
            );
        }
        Injected::Truncate | Injected::None => {}
    }
    let now = state.clock.now();
    let answer = match ep {
        Ep::Stage(i) => stage_listing(sim, seller, i, body, now),
        Ep::Cancels => cancel_listing(sim, seller, query, now),
        Ep::Cancelled => cancelled_listing(sim, seller, body, now),
        Ep::Recovery => recovery_listing(sim, seller, body, now),
        Ep::Settle => settle_listing(sim, seller, query, now),
        Ep::Qna => qna_listing(sim, seller, body, now),
    };
    let extra = match answer {
        Ok(extra) => extra,
        Err(desc) => return refused(&desc),
    };
    let mut result = Map::new();
    result.insert("resultCode".into(), json!("00"));
    result.insert("resultMessage".into(), json!("SUCCESS"));
    result.insert("resultDesc".into(), json!("정상 처리되었습니다."));
    result.extend(extra);
    let mut value = json!({ "result": result });
    if state.quirks() {
        value = crate::quirks::apply(value, &quirks::RULES, state.config.seed);
    }
    let mut bytes = value.to_string().into_bytes();
    if fault == Injected::Truncate {
        bytes = truncate(bytes);
    }
    json_response(StatusCode::OK, bytes)
}

type Extra = Result<Map<String, Value>, String>;

/// The object a request body wraps under `name`.
fn request_object(body: &[u8], name: &str) -> Result<Map<String, Value>, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| "요청 본문을 읽을 수 없습니다 (JSON 형식).".to_string())?;
    match v.get(name) {
        Some(Value::Object(m)) => Ok(m.clone()),
        _ => Err(format!("{name} 은(는) 필수 값입니다.")),
    }
}

/// A field as text (numbers too: `20250301` and `"20250301"` are one date).
fn field(m: &Map<String, Value>, name: &str) -> Option<String> {
    match m.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn ymd(v: Option<String>, name: &str) -> Result<NaiveDate, String> {
    let v = v.ok_or_else(|| format!("{name} 은(는) 필수 값입니다."))?;
    NaiveDate::parse_from_str(&v, "%Y%m%d")
        .map_err(|_| format!("{name} 은(는) YYYYMMDD 형식이어야 합니다."))
}

/// A `[from, to]` day period of at most `max` days.
fn period(
    from: Option<String>,
    to: Option<String>,
    max: i64,
) -> Result<(NaiveDate, NaiveDate), String> {
    let a = ymd(from, "perdStrDts")?;
    let b = ymd(to, "perdEndDts")?;
    if b < a {
        return Err("기간종료일은 기간시작일보다 빠를 수 없습니다.".into());
    }
    if (b - a).num_days() + 1 > max {
        return Err(format!("조회기간은 최대 {max}일까지 가능합니다."));
    }
    Ok((a, b))
}

fn wrap_rows(rows: Vec<Value>, row: &str) -> Value {
    Value::Array(rows.into_iter().map(|r| json!({ row: r })).collect())
}

fn stage_listing(sim: &Sim, seller: usize, i: usize, body: &[u8], now: DateTime<Utc>) -> Extra {
    let (request, list, row) = STAGE_IO[i];
    let req = request_object(body, request)?;
    let perd_type = field(&req, "perdType").ok_or("perdType 은(는) 필수 값입니다.")?;
    let allowed: &[&str] = if i == 0 {
        &["01", "02", "03"]
    } else {
        &["01", "02", "03", "04"]
    };
    if !allowed.contains(&perd_type.as_str()) {
        return Err(format!(
            "perdType 은(는) {} 중 하나여야 합니다.",
            allowed.join(", ")
        ));
    }
    let (from, to) = period(
        field(&req, "perdStrDts"),
        field(&req, "perdEndDts"),
        STAGE_MAX_DAYS,
    )?;
    let rows: Vec<Value> = sim
        .state
        .world
        .seller(seller)
        .orders
        .iter()
        .filter(|o| {
            o.paid_at().is_some_and(|paid| {
                let day = data::kst_date(paid);
                paid <= now && day >= from && day <= to
            })
        })
        .filter(|o| data::stage(o, now) == Some(i))
        .flat_map(|o| data::stage_rows(o, i))
        .collect();
    let mut out = Map::new();
    // As the public clients read them: 출고대상 as one wrapper holding the rows, the others
    // as a list of one-row wrappers.
    let value = if i == 1 {
        json!({ row: rows })
    } else {
        wrap_rows(rows, row)
    };
    out.insert(list.into(), value);
    Ok(out)
}

/// Open cancel requests asked in the period, at `result.resultData` as a plain list.
fn cancel_listing(
    sim: &Sim,
    seller: usize,
    q: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Extra {
    let (from, to) = period(
        q.get("perdStrDts").cloned().filter(|s| !s.is_empty()),
        q.get("perdEndDts").cloned().filter(|s| !s.is_empty()),
        CLAIM_MAX_DAYS,
    )?;
    let rows = dated_rows(
        sim,
        seller,
        (from, to),
        |o| data::open_cancel(o, now),
        data::cancel_request_rows,
    );
    Ok(one_list("resultData", rows))
}

/// The rows of every order of the seller whose date (`dated`, when it has one) is a KST
/// day of `[from, to]`.
fn dated_rows(
    sim: &Sim,
    seller: usize,
    (from, to): (NaiveDate, NaiveDate),
    dated: impl Fn(&Order) -> Option<DateTime<Utc>>,
    rows: impl Fn(&Order, DateTime<Utc>) -> Vec<Value>,
) -> Vec<Value> {
    sim.state
        .world
        .seller(seller)
        .orders
        .iter()
        .filter_map(|o| Some((o, dated(o)?)))
        .filter(|(_, at)| (from..=to).contains(&data::kst_date(*at)))
        .flat_map(|(o, at)| rows(o, at))
        .collect()
}

/// Lines cancelled in the period (취소주문목록조회), at `result.data`.
fn cancelled_listing(sim: &Sim, seller: usize, body: &[u8], now: DateTime<Utc>) -> Extra {
    let req = request_object(body, "request")?;
    let (from, to) = period(
        field(&req, "perdStrDts"),
        field(&req, "perdEndDts"),
        CLAIM_MAX_DAYS,
    )?;
    let rows = dated_rows(
        sim,
        seller,
        (from, to),
        |o| data::cancelled_at(o, now),
        data::cancelled_rows,
    );
    Ok(one_list("data", rows))
}

/// Return and exchange pick-ups whose `perdType` date falls in the period, filtered by
/// `shppDivDtlCds` (comma-separated 21/22/23) when given.
fn recovery_listing(sim: &Sim, seller: usize, body: &[u8], now: DateTime<Utc>) -> Extra {
    let req = request_object(body, "requestExchangeTarget")?;
    let perd_type = field(&req, "perdType").ok_or("perdType 은(는) 필수 값입니다.")?;
    const PERD_TYPES: [&str; 4] = ["01", "02", "04", "05"];
    if !PERD_TYPES.contains(&perd_type.as_str()) {
        return Err(format!(
            "perdType 은(는) {} 중 하나여야 합니다.",
            PERD_TYPES.join(", ")
        ));
    }
    let (from, to) = period(
        field(&req, "perdStrDts"),
        field(&req, "perdEndDts"),
        CLAIM_MAX_DAYS,
    )?;
    let kinds: Option<Vec<String>> =
        field(&req, "shppDivDtlCds").map(|k| k.split(',').map(|c| c.trim().to_string()).collect());
    if let Some(bad) = kinds
        .iter()
        .flatten()
        .find(|c| !["21", "22", "23"].contains(&c.as_str()))
    {
        return Err(format!("shppDivDtlCds 에 알 수 없는 값이 있습니다: {bad}"));
    }
    let rows: Vec<Value> = sim
        .state
        .world
        .seller(seller)
        .orders
        .iter()
        .filter_map(|o| Some((o, data::recovery(o, now)?)))
        .filter(|(_, r)| kinds.as_ref().is_none_or(|k| k.iter().any(|c| c == r.kind)))
        .filter(|(_, r)| {
            r.day_of(&perd_type)
                .is_some_and(|d| (from..=to).contains(&d))
        })
        .flat_map(|(o, r)| data::recovery_rows(o, &r))
        .collect();
    let mut out = Map::new();
    out.insert("exchangeTargets".into(), wrap_rows(rows, "exchangeTarget"));
    Ok(out)
}

/// A list of plain rows under `name`; one row bare, as XStream writes a single element.
fn one_list(name: &str, mut rows: Vec<Value>) -> Map<String, Value> {
    let value = if rows.len() == 1 {
        rows.pop().expect("one row")
    } else {
        Value::Array(rows)
    };
    let mut out = Map::new();
    out.insert(name.into(), value);
    out
}

fn settle_listing(
    sim: &Sim,
    seller: usize,
    q: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Extra {
    let day = ymd(
        q.get("critnDt").cloned().filter(|s| !s.is_empty()),
        "critnDt",
    )?;
    let rows: Vec<Value> = sim
        .state
        .world
        .seller(seller)
        .orders
        .iter()
        .flat_map(|o| data::settle_rows(o, day, now))
        .collect();
    let mut out = Map::new();
    out.insert("resultData".into(), Value::Array(rows));
    Ok(out)
}

/// `yyyyMMddHHmm` in KST.
fn minute(v: Option<String>, name: &str) -> Result<DateTime<Utc>, String> {
    let v = v.ok_or_else(|| format!("{name} 은(는) 필수 값입니다."))?;
    NaiveDateTime::parse_from_str(&format!("{v}00"), "%Y%m%d%H%M%S")
        .ok()
        .and_then(|t| data::kst().from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{name} 은(는) YYYYMMDDHHmm 형식이어야 합니다."))
}

fn qna_listing(sim: &Sim, seller: usize, body: &[u8], now: DateTime<Utc>) -> Extra {
    let req = request_object(body, "postngReq")?;
    let from = minute(field(&req, "qnaStartDt"), "qnaStartDt")?;
    // Inclusive: the whole end minute.
    let to = minute(field(&req, "qnaEndDt"), "qnaEndDt")? + Duration::minutes(1);
    if to <= from {
        return Err("qnaEndDt 은(는) qnaStartDt 보다 빠를 수 없습니다.".into());
    }
    let rows: Vec<Value> = sim
        .state
        .world
        .seller(seller)
        .inquiries
        .iter()
        .filter(|q| q.asked_at >= from && q.asked_at < to && data::unanswered(q, now))
        .map(data::qna_row)
        .collect();
    let mut out = Map::new();
    out.insert("postngList".into(), wrap_rows(rows, "postng"));
    Ok(out)
}
