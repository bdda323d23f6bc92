//! 11st (11번가) seller Open API simulator (shared/markets/11st.md), served under `/rest`.
//!
//! - Auth: the seller's key in the `openapikey` header. A missing or unknown key is
//!   refused by the gateway as 11st documents it: HTTP 500 `<AuthMessage>` with
//!   `resultCode` -1 "OpenAPI Key 에 해당하는 유저가 없습니다". A path (or method) that is
//!   not a registered API answers `<AuthMessage>` `-997` "등록된 API 정보가 존재하지
//!   않습니다." with HTTP 500.
//! - Encoding: every answer is XML in EUC-KR (`Content-Type: text/xml;charset=EUC-KR`, the
//!   declaration says `euc-kr`); characters EUC-KR cannot hold are written as character
//!   references (`&#128512;`), as encoding_rs's encoder (and 11st's) writes them.
//! - Lists are answered whole (11st does not page). Ranges, in the lists' own envelopes
//!   with HTTP 200: order state lists `yyyyMMddHHmm`, at most 7 days (8 days or more:
//!   `-3105` complete, `-3305` packaging, `-3904` dlvcompleted / completed and the other
//!   state lists); claim lists at most 30 days (`-28008`); settlementList `YYYYMMDD`, at
//!   most 31 days (`result_code` 2); prodqnalist `YYYYMMDD`, at most 7 days
//!   (`result_code` 500). An empty order list is `result_code` 0 "조회된 결과가 없습니다.",
//!   an empty claim list `-1` "해당 건이 없습니다.".
//! - Rate: no limit is published; this simulator counts every request from the caller's
//!   IP in one bucket, 20/s (burst 20) unless `config.rps` says otherwise, and answers a
//!   throttled request HTTP 429. Injected throttles ([`THROTTLES`]): `429` (the default)
//!   and `503` (with `Retry-After: 1`).
//! - Quirks mode re-spells every row ([`quirks`]).

pub mod data;
pub mod quirks;

use crate::faults::{Injected, truncate};
use crate::limits::Buckets;
use crate::server::{SimSpec, SimState};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// Requests per second this simulator allows from one IP (11st publishes none).
pub const RATE_PER_IP: f64 = 20.0;
/// The order state lists' longest range: "8일 이상" is refused.
pub const ORDER_DAYS: i64 = 7;
pub const CLAIM_DAYS: i64 = 30;
pub const SETTLEMENT_DAYS: i64 = 31;
pub const QNA_DAYS: i64 = 7;

const KEY_MESSAGE: &str = "OpenAPI Key 에 해당하는 유저가 없습니다";
const UNREGISTERED: &str = "등록된 API 정보가 존재하지 않습니다.";

pub static SIM: SimSpec = SimSpec {
    id: "11st",
    base_path: "/rest",
    build,
    // Lists are answered whole: volume does not add requests, and every seller shares the
    // one IP bucket; a small volume keeps the bench's simulator light.
    bench_orders_per_day: 200,
    throttles: THROTTLES,
    wrong_credentials,
    order_listed_at,
    status_codes: STATUS_CODES,
};

/// The throttle answers this simulator gives, by name: 11st documents none, so the two a
/// gateway in front of it would give.
pub const THROTTLES: &[&str] = &["429", "503"];

/// Every list name the rows of this simulator carry as their state (the order state lists
/// and claim lists it fills; `delvplacestandby`, `reservatecomplete` and
/// `officecancellist` are served, always empty).
pub const STATUS_CODES: &[&str] = &[
    "standby",
    "complete",
    "packaging",
    "shipping",
    "dlvcompleted",
    "completed",
    "cancelorders",
    "canceledorders",
    "withdrawcanceledorders",
    "returnorders",
    "returnedorders",
    "retractretorders",
    "exchangeorders",
    "exchangedorders",
    "retractexcorders",
];

const ORDER_LISTS: &[&str] = &[
    "standby",
    "complete",
    "delvplacestandby",
    "reservatecomplete",
    "packaging",
    "shipping",
    "dlvcompleted",
    "completed",
];

const CLAIM_LISTS: &[&str] = &[
    "cancelorders",
    "canceledorders",
    "withdrawcanceledorders",
    "officecancellist",
    "returnorders",
    "returnedorders",
    "retractretorders",
    "exchangeorders",
    "exchangedorders",
    "retractexcorders",
];

/// Seller `i`'s key: 32 hex digits, deterministic from the world's seed.
pub fn api_key(seed: u64, i: usize) -> String {
    hex::encode(&Sha256::digest(format!("11st/{seed}/{i}").as_bytes())[..16])
}

pub fn seller_id(i: usize) -> String {
    format!("11st-{:05}", 10_000 + i)
}

/// The same key with every hex digit shifted: well-formed, unknown to 11st.
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

/// The state lists file an order by its order date while it is in one of them.
fn order_listed_at(o: &crate::world::Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    data::order_list(o, now)?;
    Some(o.ordered_at)
}

struct Sim {
    state: Arc<SimState>,
    keys: HashMap<String, usize>,
    buckets: Buckets,
}

pub fn build(state: Arc<SimState>, base_url: &str) -> (Router, Vec<Value>) {
    let seed = state.config.seed;
    let sellers = state.world.seller_count();
    let credentials = (0..sellers)
        .map(|i| {
            json!({
                "market": "11st",
                "seller_id": seller_id(i),
                "base_url": base_url,
                "credentials": { "api_key": api_key(seed, i) },
            })
        })
        .collect();
    let rate = state.config.rps.unwrap_or(RATE_PER_IP);
    let sim = Arc::new(Sim {
        keys: (0..sellers).map(|i| (api_key(seed, i), i)).collect(),
        buckets: Buckets::new(rate, rate.ceil().max(1.0) as u32),
        state,
    });
    let p = |s: &str| format!("{}{s}", path_of(base_url));
    let router = Router::new()
        .route(
            &p("/ordservices/{list}/{start}/{end}"),
            any(|s, m, h, Path((l, a, b))| serve(s, m, h, Ep::Orders(l, a, b))),
        )
        .route(
            &p("/claimservice/{list}/{start}/{end}"),
            any(|s, m, h, Path((l, a, b))| serve(s, m, h, Ep::Claims(l, a, b))),
        )
        .route(
            &p("/settlement/settlementList/{start}/{end}"),
            any(|s, m, h, Path((a, b))| serve(s, m, h, Ep::Settlements(a, b))),
        )
        .route(
            &p("/prodqnaservices/prodqnalist/{start}/{end}/{answer}"),
            any(|s, m, h, Path((a, b, c))| serve(s, m, h, Ep::Qna(a, b, c))),
        )
        .route(
            &p("/alimi/getalimilist/{start}/{end}/{state}/{order}"),
            any(|s, m, h, Path((a, b, c, d))| serve(s, m, h, Ep::Alimi(a, b, c, d))),
        )
        .route(
            &p("/nondeliverys/nondeliverylist/{kind}/{start}/{end}"),
            any(|s, m, h, Path((k, a, b))| serve(s, m, h, Ep::NonDelivery(k, a, b))),
        )
        .fallback(|| async {
            auth_message(StatusCode::INTERNAL_SERVER_ERROR, "-997", UNREGISTERED)
        })
        .with_state(sim);
    (router, credentials)
}

/// `http://127.0.0.1:1234/rest` -> `/rest`.
fn path_of(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    rest.find('/').map_or(String::new(), |i| {
        rest[i..].trim_end_matches('/').to_string()
    })
}

enum Ep {
    Orders(String, String, String),
    Claims(String, String, String),
    Settlements(String, String),
    Qna(String, String, String),
    Alimi(String, String, String, String),
    NonDelivery(String, String, String),
}

/// An answer's XML: its root and namespace, its row element, and its rows.
struct Doc {
    root: &'static str,
    namespace: &'static str,
    row: &'static str,
    result: Option<(&'static str, String)>,
    rows: Vec<Value>,
}

const ORDER_NS: &str = "http://www.11st.co.kr/Order";

fn orders_doc(result: Option<(&'static str, String)>, rows: Vec<Value>) -> Doc {
    Doc {
        root: "orders",
        namespace: ORDER_NS,
        row: "order",
        result,
        rows,
    }
}

/// A refusal inside the list's own envelope, HTTP 200 as 11st answers them.
struct Refusal(Doc);

fn refuse(ep: &Ep, code: &'static str, text: &str) -> Refusal {
    let doc = match ep {
        Ep::Orders(..) | Ep::Claims(..) => orders_doc(Some((code, text.into())), vec![]),
        Ep::Settlements(..) => settlements_doc(Some((code, text.into())), vec![]),
        Ep::Qna(..) => qna_doc(Some((code, text.into())), vec![]),
        Ep::Alimi(..) => alimi_doc(Some((code, text.into())), vec![]),
        Ep::NonDelivery(..) => non_delivery_doc(Some((code, text.into())), vec![]),
    };
    Refusal(doc)
}

fn settlements_doc(result: Option<(&'static str, String)>, rows: Vec<Value>) -> Doc {
    Doc {
        root: "settlements",
        namespace: "http://www.11st.co.kr/Settlement",
        row: "settlement",
        result,
        rows,
    }
}

fn qna_doc(result: Option<(&'static str, String)>, rows: Vec<Value>) -> Doc {
    Doc {
        root: "productQnas",
        namespace: "http://www.11st.co.kr/ProductQna",
        row: "productQna",
        result,
        rows,
    }
}

fn alimi_doc(result: Option<(&'static str, String)>, rows: Vec<Value>) -> Doc {
    Doc {
        root: "alimis",
        namespace: "http://www.11st.co.kr/Alimi",
        row: "alimi",
        result,
        rows,
    }
}

fn non_delivery_doc(result: Option<(&'static str, String)>, rows: Vec<Value>) -> Doc {
    Doc {
        root: "nondeliverys",
        namespace: "http://www.11st.co.kr/NonDelivery",
        row: "nondelivery",
        result,
        rows,
    }
}

/// `text` in EUC-KR; what EUC-KR cannot hold becomes a character reference.
pub fn euc_kr(text: &str) -> Vec<u8> {
    encoding_rs::EUC_KR.encode(text).0.into_owned()
}

fn xml_response(status: StatusCode, xml: &str, truncated: bool) -> Response {
    let mut bytes = euc_kr(xml);
    if truncated {
        bytes = truncate(bytes);
    }
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=EUC-KR"),
    );
    r
}

const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"euc-kr\" standalone=\"yes\"?>";

fn auth_message(status: StatusCode, code: &str, message: &str) -> Response {
    let xml = format!(
        "{DECLARATION}<AuthMessage><resultCode>{code}</resultCode><resultMessage>{}</resultMessage></AuthMessage>",
        escape(message)
    );
    xml_response(status, &xml, false)
}

fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// One value as element text: strings escaped, numbers and flags as written, `null`
/// leaves the element out, objects and lists nest.
fn element(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {}
        Value::Array(items) => items.iter().for_each(|x| element(out, name, x)),
        Value::Object(m) if m.is_empty() => {
            out.push_str(&format!("<ns2:{name}/>"));
        }
        Value::Object(m) => {
            out.push_str(&format!("<ns2:{name}>"));
            for (k, x) in m {
                element(out, k, x);
            }
            out.push_str(&format!("</ns2:{name}>"));
        }
        Value::String(s) if s.is_empty() => out.push_str(&format!("<ns2:{name}></ns2:{name}>")),
        Value::String(s) => out.push_str(&format!("<ns2:{name}>{}</ns2:{name}>", escape(s))),
        other => out.push_str(&format!("<ns2:{name}>{other}</ns2:{name}>")),
    }
}

fn render(doc: &Doc) -> String {
    let mut out = String::with_capacity(256 + doc.rows.len() * 1_200);
    out.push_str(DECLARATION);
    out.push_str(&format!(
        "<ns2:{} xmlns:ns2=\"{}\">",
        doc.root, doc.namespace
    ));
    if let Some((code, text)) = &doc.result {
        element(&mut out, "result_code", &json!(code));
        element(&mut out, "result_text", &json!(text));
    }
    for row in &doc.rows {
        element(&mut out, doc.row, row);
    }
    out.push_str(&format!("</ns2:{}>", doc.root));
    out
}

async fn serve(
    State(sim): State<Arc<Sim>>,
    method: Method,
    headers: HeaderMap,
    ep: Ep,
) -> Response {
    let registered = match &ep {
        Ep::Orders(list, ..) => ORDER_LISTS.contains(&list.as_str()),
        Ep::Claims(list, ..) => CLAIM_LISTS.contains(&list.as_str()),
        _ => true,
    };
    if method != Method::GET || !registered {
        return auth_message(StatusCode::INTERNAL_SERVER_ERROR, "-997", UNREGISTERED);
    }
    let key = headers
        .get("openapikey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    let Some(&seller) = sim.keys.get(key) else {
        return auth_message(StatusCode::INTERNAL_SERVER_ERROR, "-1", KEY_MESSAGE);
    };
    // One bucket for every key: what 11st could count is the registered server IP, and
    // every request here comes from the one loopback address.
    if !sim.buckets.admit("client-ip") {
        return throttle_answer(Some("429"));
    }
    let state = &sim.state;
    state.faults.delay().await;
    let fault = state.faults.draw();
    match fault {
        Injected::Throttle(name) => return throttle_answer(name),
        Injected::ServerError => {
            let mut r =
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            return r;
        }
        Injected::Truncate | Injected::None => {}
    }
    let now = state.clock.now();
    let d = state.world.seller(seller);
    let doc = match answer(d, &ep, now) {
        Ok(doc) => doc,
        Err(Refusal(doc)) => return xml_response(StatusCode::OK, &render(&doc), false),
    };
    let doc = if state.quirks() && !doc.rows.is_empty() {
        let rows = crate::quirks::apply(Value::Array(doc.rows), &quirks::RULES, state.config.seed);
        Doc {
            rows: match rows {
                Value::Array(a) => a,
                other => vec![other],
            },
            ..doc
        }
    } else {
        doc
    };
    xml_response(StatusCode::OK, &render(&doc), fault == Injected::Truncate)
}

fn throttle_answer(name: Option<&str>) -> Response {
    match name.unwrap_or(THROTTLES[0]) {
        "429" => (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response(),
        "503" => {
            let mut r = (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Temporarily Unavailable",
            )
                .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
        other => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the simulator has no throttle answer {other:?}"),
        )
            .into_response(),
    }
}

/// `yyyyMMddHHmm` (KST) as an instant: the first second of that minute.
fn minute(ep: &Ep, s: &str) -> Result<DateTime<Utc>, Refusal> {
    NaiveDateTime::parse_from_str(&format!("{s}00"), "%Y%m%d%H%M%S")
        .ok()
        .filter(|_| s.len() == 12)
        .and_then(|t| t.and_local_timezone(data::kst()).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            refuse(
                ep,
                "-100",
                "조회 일시 형식이 올바르지 않습니다. (yyyyMMddHHmm)",
            )
        })
}

fn day(ep: &Ep, s: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(s, "%Y%m%d")
        .ok()
        .filter(|_| s.len() == 8)
        .ok_or_else(|| refuse(ep, "-100", "조회 일자 형식이 올바르지 않습니다. (yyyyMMdd)"))
}

/// `[start, end]` minutes, inclusive: the instants from the start minute's first second
/// to the end minute's last. At most `max_days` apart.
fn minute_range(
    ep: &Ep,
    start: &str,
    end: &str,
    max_days: i64,
    too_long: (&'static str, &str),
) -> Result<(DateTime<Utc>, DateTime<Utc>), Refusal> {
    let (a, b) = (minute(ep, start)?, minute(ep, end)?);
    if b < a {
        return Err(refuse(ep, "-100", "조회 시작일시가 종료일시보다 늦습니다."));
    }
    if b - a > chrono::Duration::days(max_days) {
        return Err(refuse(ep, too_long.0, too_long.1));
    }
    Ok((a, b + chrono::Duration::minutes(1)))
}

fn day_range(
    ep: &Ep,
    start: &str,
    end: &str,
    max_days: i64,
    too_long: (&'static str, &str),
) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let (a, b) = (day(ep, start)?, day(ep, end)?);
    if b < a {
        return Err(refuse(ep, "-100", "조회 시작일이 종료일보다 늦습니다."));
    }
    if (b - a).num_days() + 1 > max_days {
        return Err(refuse(ep, too_long.0, too_long.1));
    }
    Ok((a, b))
}

fn answer(d: &crate::world::SellerData, ep: &Ep, now: DateTime<Utc>) -> Result<Doc, Refusal> {
    match ep {
        Ep::Orders(list, start, end) => {
            let code = match list.as_str() {
                "complete" => "-3105",
                "packaging" => "-3305",
                _ => "-3904",
            };
            let (from, to) = minute_range(
                ep,
                start,
                end,
                ORDER_DAYS,
                (
                    code,
                    "end_dt - start_dt 의 값이 8일 이상입니다. 조회기간은 최대 7일입니다.",
                ),
            )?;
            let rows: Vec<Value> = d
                .orders
                .iter()
                .filter(|o| o.ordered_at >= from && o.ordered_at < to && o.ordered_at <= now)
                .filter(|o| data::order_list(o, now) == Some(list.as_str()))
                .flat_map(|o| data::order_lines(o, list, now))
                .collect();
            Ok(if rows.is_empty() {
                orders_doc(Some(("0", "조회된 결과가 없습니다.".into())), rows)
            } else {
                orders_doc(None, rows)
            })
        }
        Ep::Claims(list, start, end) => {
            let (from, to) = minute_range(
                ep,
                start,
                end,
                CLAIM_DAYS,
                ("-28008", "조회기간은 최대 30일까지 가능합니다."),
            )?;
            let rows: Vec<Value> = d
                .orders
                .iter()
                .flat_map(|o| {
                    data::claims(o, now)
                        .into_iter()
                        .filter(|c| {
                            c.requested >= from
                                && c.requested < to
                                && data::claim_list(c) == list.as_str()
                        })
                        .flat_map(move |c| data::claim_lines(o, &c))
                })
                .collect();
            Ok(if rows.is_empty() {
                orders_doc(Some(("-1", "해당 건이 없습니다.".into())), rows)
            } else {
                orders_doc(None, rows)
            })
        }
        Ep::Settlements(start, end) => {
            let (from, to) = day_range(
                ep,
                start,
                end,
                SETTLEMENT_DAYS,
                ("2", "조회기간은 최대 31일입니다."),
            )?;
            let rows: Vec<Value> = d
                .orders
                .iter()
                .filter_map(|o| {
                    o.reached(crate::world::Stage::Confirmed, now)
                        .map(|c| (o, c))
                })
                .filter(|(_, c)| {
                    let day = data::kst_date(*c);
                    day >= from && day <= to
                })
                .flat_map(|(o, c)| data::settlement_lines(o, c))
                .collect();
            Ok(settlements_doc(Some(("0", "정상".into())), rows))
        }
        Ep::Qna(start, end, answer) => {
            let (from, to) = day_range(
                ep,
                start,
                end,
                QNA_DAYS,
                ("500", "조회기간은 최대 7일입니다."),
            )?;
            let want: Option<bool> = match answer.as_str() {
                "00" => None,
                "01" => Some(true),
                "02" => Some(false),
                _ => {
                    return Err(refuse(
                        ep,
                        "-100",
                        "answerStatus 는 00, 01, 02 중 하나입니다.",
                    ));
                }
            };
            let rows = inquiries(d, now, from, to, data::Channel::Qna)
                .filter(|q| want.is_none_or(|w| data::answered(q, now).is_some() == w))
                .map(|q| data::qna_row(q, now))
                .collect();
            Ok(qna_doc(Some(("0", "정상".into())), rows))
        }
        Ep::Alimi(start, end, state, order) => {
            let (from, to) = (day(ep, start)?, day(ep, end)?);
            let want: Option<bool> = match state.as_str() {
                "00" => None,
                "01" => Some(false),
                "02" => Some(true),
                _ => {
                    return Err(refuse(
                        ep,
                        "-100",
                        "emerNtceCrntCd 는 00, 01, 02 중 하나입니다.",
                    ));
                }
            };
            let order: Option<u64> = match order.parse::<u64>() {
                Ok(0) => None,
                Ok(n) => Some(n),
                Err(_) => return Err(refuse(ep, "-100", "orderNo 는 숫자입니다.")),
            };
            let rows = inquiries(d, now, from, to, data::Channel::Alimi)
                .filter(|q| want.is_none_or(|w| data::answered(q, now).is_some() == w))
                .filter(|q| order.is_none() || q.about_order == order)
                .map(|q| data::alimi_row(q, now))
                .collect();
            Ok(alimi_doc(Some(("0", "정상".into())), rows))
        }
        Ep::NonDelivery(kind, start, end) => {
            if kind != "01" {
                return Err(refuse(ep, "-100", "shDateType 은 01(신고일) 입니다."));
            }
            let (from, to) = (day(ep, start)?, day(ep, end)?);
            let rows = inquiries(d, now, from, to, data::Channel::NonDelivery)
                .map(|q| data::non_delivery_row(q, d, now))
                .collect();
            Ok(non_delivery_doc(Some(("0", "정상".into())), rows))
        }
    }
}

fn inquiries(
    d: &crate::world::SellerData,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
    channel: data::Channel,
) -> impl Iterator<Item = &crate::world::Inquiry> {
    d.inquiries.iter().filter(move |q| {
        let day = data::kst_date(q.asked_at);
        q.asked_at <= now && day >= from && day <= to && data::channel(q) == channel
    })
}
