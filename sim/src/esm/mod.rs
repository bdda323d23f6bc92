//! Gmarket and Auction: the ESM 2.0 Trading API (shared/markets/esm.md), one module, two
//! simulators ([`GMARKET`], [`AUCTION`]) that differ in their site.
//!
//! - Auth: `Authorization: Bearer <JWT>` HS256; `kid` names a master id, the signature must
//!   verify with its secret key, `aud` must be `sa.esmplus.com`, and `ssi` must name this
//!   site's seller the master acts for (`G:<id>` / `A:<id>`, comma-separated). Any failure
//!   answers HTTP 401 `{"status":{"message":"The user does not have right access to the
//!   api","status_code":401}}`.
//! - Pace: one order call (`RequestOrders` + `PreRequestOrders`) per 5 s per seller,
//!   burst 1 (the integrators' measurement); claims, settlements and the CS APIs 1/s
//!   with a burst of 2 (assumed). Beyond: HTTP 200 `{"ResultCode":3000,...}`.
//! - Ranges: `RequestOrders` 31 days (G마켓) / 180 days (옥션), `PreRequestOrders` 31,
//!   claims less than 7 days apart, getsettleorder 31 days, boards and 긴급알리미 7 days;
//!   beyond: HTTP 200 `{"ResultCode":2000,...}`.
//! - Answers in ESM's PascalCase (`ResultCode`, `Message`, `data`/`Data`), claims with
//!   `ResultCode: "success"`, the board with camelCase `resultCode`; pages by
//!   `pageIndex`/`pageSize` (≤100; boards ≤50) and `PageNo`/`PageRowCnt` (≤100).
//! - `/_sim/esm/order-calls?seller=` counts a seller's order calls (the pace's budget).

pub mod quirks;
pub mod review_list;

use crate::faults::{Injected, truncate};
use crate::limits::Buckets;
use crate::names;
use crate::server::{SimSpec, SimState};
use crate::world::{Inquiry, Order, SellerData, Stage};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What differs between the two sites.
#[derive(Debug)]
pub struct Site {
    pub id: &'static str,
    pub letter: &'static str,
    pub order_site_type: u64,
    pub claim_site_type: u64,
    pub max_order_days: i64,
    pub boards: &'static [u64],
    seller_prefix: &'static str,
}

pub static GMARKET_SITE: Site = Site {
    id: "gmarket",
    letter: "G",
    order_site_type: 2,
    claim_site_type: 3,
    max_order_days: 31,
    boards: &[3],
    seller_prefix: "gm",
};

pub static AUCTION_SITE: Site = Site {
    id: "auction",
    letter: "A",
    order_site_type: 1,
    claim_site_type: 1,
    max_order_days: 180,
    boards: &[1, 2],
    seller_prefix: "au",
};

pub static GMARKET: SimSpec = SimSpec {
    id: "gmarket",
    base_path: "",
    build: build_gmarket,
    // The pace is per seller: the largest seller's own volume sets the bench's length
    // (about 30 order calls of 5 s for its first cycle).
    bench_orders_per_day: 300,
    throttles: THROTTLES,
    wrong_credentials,
    order_listed_at,
    status_codes: STATUS_CODES,
};

pub static AUCTION: SimSpec = SimSpec {
    id: "auction",
    base_path: "",
    build: build_auction,
    bench_orders_per_day: 300,
    throttles: THROTTLES,
    wrong_credentials,
    order_listed_at,
    status_codes: STATUS_CODES,
};

/// ESM's throttle answer: HTTP 200, `ResultCode` 3000.
pub const THROTTLES: &[&str] = &["3000"];

/// Measured: one order call per 5 s per seller.
pub const ORDER_RATE: f64 = 0.2;
/// Assumed for the other groups.
pub const OTHER_RATE: f64 = 1.0;
pub const ORDER_PAGE_MAX: usize = 100;
pub const SETTLE_PAGE_MAX: usize = 100;
pub const BOARD_PAGE_MAX: usize = 50;
pub const AUDIENCE: &str = "sa.esmplus.com";
const DENIED: &str = "The user does not have right access to the api";

/// Every raw status the listings' rows carry, as the connector files them.
pub const STATUS_CODES: &[&str] = &[
    "RequestOrders.1",
    "RequestOrders.2",
    "RequestOrders.3",
    "RequestOrders.4",
    "RequestOrders.5",
    "PreRequestOrders",
    "Cancels.1",
    "Cancels.3",
    "Returns.1",
    "Returns.2",
    "Returns.4",
    "Exchanges.1",
    "Exchanges.2",
    "Exchanges.4",
];

pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00")
}

fn kst_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn kst_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&kst()).date_naive()
}

/// One seller's ESM access: its id on the site and the master (with its secret) that
/// acts for it.
#[derive(Debug, Clone)]
pub struct Account {
    pub seller_id: String,
    pub master_id: String,
    pub secret_key: String,
}

pub fn account(site: &Site, seed: u64, i: usize) -> Account {
    let d = Sha256::digest(format!("esm/{}/{seed}/{i}", site.id).as_bytes());
    Account {
        seller_id: format!("{}_shop{:03}", site.seller_prefix, i + 1),
        master_id: format!("esm_master_{}{:03}", site.seller_prefix, i + 1),
        secret_key: base64_of(&d[..18]),
    }
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// The same master with another secret of the same shape.
fn wrong_credentials(credentials: &Value) -> Value {
    let mut c = credentials.clone();
    let secret = c["secret_key"].as_str().unwrap_or_default();
    let shifted: String = secret
        .chars()
        .map(|ch| match ch {
            'a'..='y' | 'A'..='Y' | '0'..='8' => (ch as u8 + 1) as char,
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            other => other,
        })
        .collect();
    c["secret_key"] = Value::String(shifted);
    c
}

/// What a listing shows for an order at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// `PreRequestOrders` (입금확인중), by order date.
    Pre,
    /// `RequestOrders` with this `orderStatus`, by payment date.
    Status(u8),
}

pub fn listed(o: &Order, now: DateTime<Utc>) -> Option<Listed> {
    let (stage, _) = o.stage_at(now)?;
    Some(match stage {
        Stage::PaymentWaiting => Listed::Pre,
        Stage::Paid => Listed::Status(1),
        Stage::Preparing => Listed::Status(2),
        Stage::Shipping => Listed::Status(3),
        Stage::Delivered | Stage::ReturnRequested | Stage::ExchangeRequested | Stage::Exchanged => {
            Listed::Status(4)
        }
        Stage::Confirmed => Listed::Status(5),
        Stage::CancelRequested | Stage::Cancelled | Stage::Returned => return None,
    })
}

fn order_listed_at(o: &Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match listed(o, now)? {
        Listed::Pre => Some(o.ordered_at),
        Listed::Status(_) => o.paid_at(),
    }
}

fn build_gmarket(state: Arc<SimState>, base_url: &str) -> (Router, Vec<Value>) {
    build(&GMARKET_SITE, state, base_url)
}

fn build_auction(state: Arc<SimState>, base_url: &str) -> (Router, Vec<Value>) {
    build(&AUCTION_SITE, state, base_url)
}

struct Sim {
    site: &'static Site,
    state: Arc<SimState>,
    accounts: Vec<Account>,
    orders_bucket: Buckets,
    other_bucket: Buckets,
    order_calls: Vec<AtomicU64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ep {
    Orders,
    Pre,
    Claims(ClaimKind),
    Settle,
    Board,
    Notices,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ClaimKind {
    Cancel,
    Return,
    Exchange,
}

pub fn build(site: &'static Site, state: Arc<SimState>, base_url: &str) -> (Router, Vec<Value>) {
    let accounts: Vec<Account> = (0..state.world.seller_count())
        .map(|i| account(site, state.config.seed, i))
        .collect();
    let credentials = accounts
        .iter()
        .map(|a| {
            json!({
                "market": site.id,
                "seller_id": a.seller_id,
                "base_url": base_url,
                "credentials": { "master_id": a.master_id, "secret_key": a.secret_key },
            })
        })
        .collect();
    let (orders_bucket, other_bucket) = match state.config.rps {
        Some(r) => (
            Buckets::new(r, r.ceil().max(1.0) as u32),
            Buckets::new(r, r.ceil().max(2.0) as u32),
        ),
        None => (Buckets::new(ORDER_RATE, 1), Buckets::new(OTHER_RATE, 2)),
    };
    let sim = Arc::new(Sim {
        site,
        order_calls: accounts.iter().map(|_| AtomicU64::new(0)).collect(),
        state,
        accounts,
        orders_bucket,
        other_bucket,
    });
    let route = |ep: Ep| {
        post(
            move |State(s): State<Arc<Sim>>, h: HeaderMap, body: Bytes| async move {
                serve(&s, &h, &body, ep).await
            },
        )
    };
    let router = Router::new()
        .route("/shipping/v1/Order/RequestOrders", route(Ep::Orders))
        .route("/shipping/v1/Order/PreRequestOrders", route(Ep::Pre))
        .route("/claim/v1/sa/Cancels", route(Ep::Claims(ClaimKind::Cancel)))
        .route("/claim/v1/sa/Returns", route(Ep::Claims(ClaimKind::Return)))
        .route(
            "/claim/v1/sa/Exchanges",
            route(Ep::Claims(ClaimKind::Exchange)),
        )
        .route("/account/v1/settle/getsettleorder", route(Ep::Settle))
        .route(
            "/item/v1/communications/customer/bulletin-board",
            route(Ep::Board),
        )
        .route(
            "/assist/v1/Selling/GetEmergencyInformList",
            route(Ep::Notices),
        )
        .route(
            "/_sim/esm/order-calls",
            get(
                |State(s): State<Arc<Sim>>, Query(q): Query<HashMap<String, String>>| async move {
                    let wanted = q.get("seller").cloned().unwrap_or_default();
                    let n = s
                        .accounts
                        .iter()
                        .position(|a| a.seller_id == wanted)
                        .map(|i| s.order_calls[i].load(Ordering::SeqCst));
                    Json(json!({ "seller": wanted, "order_calls": n }))
                },
            ),
        )
        .with_state(sim);
    // The ESM PLUS seller center (login, store list, review list) is
    // `crate::centers::esm`, merged on the same port by the server.
    (router, credentials)
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn unauthorized() -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        json!({ "status": { "message": DENIED, "status_code": 401 } }),
    )
}

/// A refusal: its `ResultCode` and message, answered in a 200, ESM's way.
struct Refusal {
    code: u32,
    message: String,
}

fn refusal(code: u32, message: &str) -> Refusal {
    Refusal {
        code,
        message: message.to_string(),
    }
}

impl Refusal {
    fn response(self) -> Response {
        json_response(
            StatusCode::OK,
            json!({ "ResultCode": self.code, "Message": self.message, "data": null }),
        )
    }
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    ssi: String,
}

impl Sim {
    /// The seller a request acts for, or `None` (answered 401).
    fn authenticate(&self, headers: &HeaderMap) -> Option<usize> {
        let token = headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?
            .trim();
        let head = jsonwebtoken::decode_header(token).ok()?;
        if head.alg != Algorithm::HS256 {
            return None;
        }
        let kid = head.kid?;
        let seller = self.accounts.iter().position(|a| a.master_id == kid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.required_spec_claims.clear();
        validation.required_spec_claims.insert("aud".into());
        validation.validate_exp = false;
        let key = DecodingKey::from_secret(self.accounts[seller].secret_key.as_bytes()).ok()?;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).ok()?;
        // `ssi` must name this site's seller that the master acts for.
        let named = data.claims.ssi.split(',').find_map(|part| {
            let (site, id) = part.trim().split_once(':')?;
            (site == self.site.letter).then(|| id.trim().to_string())
        })?;
        (named == self.accounts[seller].seller_id).then_some(seller)
    }
}

async fn serve(sim: &Sim, headers: &HeaderMap, body: &[u8], ep: Ep) -> Response {
    let Some(seller) = sim.authenticate(headers) else {
        return unauthorized();
    };
    let Ok(params) = serde_json::from_slice::<Value>(body) else {
        return refusal(1000, "요청 본문(JSON)을 읽을 수 없습니다.").response();
    };
    let scope = &sim.accounts[seller].seller_id;
    let admitted = match ep {
        Ep::Orders | Ep::Pre => {
            sim.order_calls[seller].fetch_add(1, Ordering::SeqCst);
            sim.orders_bucket.admit(scope)
        }
        Ep::Claims(_) => sim.other_bucket.admit(&format!("claims:{scope}")),
        Ep::Settle => sim.other_bucket.admit(&format!("settle:{scope}")),
        Ep::Board | Ep::Notices => sim.other_bucket.admit(&format!("cs:{scope}")),
    };
    if !admitted {
        return throttled();
    }
    let state = &sim.state;
    state.faults.delay().await;
    let fault = state.faults.draw();
    match fault {
        Injected::Throttle(_) => return throttled(),
        Injected::ServerError => {
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "ResultCode": 9999, "Message": "Internal Server Error" }),
            );
        }
        Injected::Truncate | Injected::None => {}
    }
    let now = state.clock.now();
    let data = state.world.seller(seller);
    let p = Params(&params);
    let result = match ep {
        Ep::Orders => orders(sim.site, data, &p, now, false),
        Ep::Pre => orders(sim.site, data, &p, now, true),
        Ep::Claims(kind) => claims(sim.site, data, &p, now, kind),
        Ep::Settle => settlements(sim.site, data, &p, now),
        Ep::Board => board(sim.site, &sim.accounts[seller], data, &p, now),
        Ep::Notices => notices(data, &p, now),
    };
    let answer = match result {
        Ok(v) if state.quirks() => crate::quirks::apply(v, &quirks::RULES, state.config.seed),
        Ok(v) => v,
        Err(r) => return r.response(),
    };
    let mut bytes = answer.to_string().into_bytes();
    if fault == Injected::Truncate {
        bytes = truncate(bytes);
    }
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn throttled() -> Response {
    refusal(
        3000,
        "호출 횟수 제한을 초과하였습니다. 잠시 후 다시 시도해 주세요.",
    )
    .response()
}

type Answer = Result<Value, Refusal>;

/// A request body's fields, read leniently (numbers or strings) as ESM does.
struct Params<'a>(&'a Value);

impl Params<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }
    fn int(&self, name: &str) -> Result<Option<i64>, Refusal> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| refusal(1000, &format!("{name} 값이 올바르지 않습니다."))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| refusal(1000, &format!("{name} 값이 올바르지 않습니다."))),
            Some(_) => Err(refusal(1000, &format!("{name} 값이 올바르지 않습니다."))),
        }
    }
    fn required_int(&self, name: &str) -> Result<i64, Refusal> {
        self.int(name)?
            .ok_or_else(|| refusal(1000, &format!("{name}은(는) 필수입니다.")))
    }
    fn text(&self, name: &str) -> Result<&str, Refusal> {
        self.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| refusal(1000, &format!("{name}은(는) 필수입니다.")))
    }
    fn date(&self, name: &str) -> Result<NaiveDate, Refusal> {
        NaiveDate::parse_from_str(self.text(name)?.trim(), "%Y-%m-%d")
            .map_err(|_| refusal(1000, &format!("{name}은(는) YYYY-MM-DD 형식이어야 합니다.")))
    }
    /// `YYYY-MM-DD hh:mm`, or a date (its 00:00), KST.
    fn instant(&self, name: &str) -> Result<DateTime<Utc>, Refusal> {
        let s = self.text(name)?.trim();
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .ok_or_else(|| {
                refusal(
                    1000,
                    &format!("{name}은(는) YYYY-MM-DD 또는 YYYY-MM-DD hh:mm 형식이어야 합니다."),
                )
            })?;
        Ok(kst()
            .from_local_datetime(&naive)
            .single()
            .expect("KST has no gaps")
            .with_timezone(&Utc))
    }
    fn page(&self, index: &str, size: &str, max: usize) -> Result<(usize, usize), Refusal> {
        let i = self.int(index)?.unwrap_or(1);
        let n = self.int(size)?.unwrap_or(max as i64);
        if i < 1 || n < 1 {
            return Err(refusal(
                1000,
                &format!("{index}와 {size}는 1 이상이어야 합니다."),
            ));
        }
        Ok((i as usize, (n as usize).min(max)))
    }
}

fn too_long(days: i64) -> Refusal {
    refusal(2000, &format!("조회 기간은 최대 {days}일입니다."))
}

fn slice<T: Clone>(rows: &[T], index: usize, size: usize) -> Vec<T> {
    rows.iter()
        .skip((index - 1) * size)
        .take(size)
        .cloned()
        .collect()
}

fn product_no(p: usize) -> u64 {
    100_200_000 + p as u64
}

fn orders(site: &Site, d: &SellerData, p: &Params, now: DateTime<Utc>, pre: bool) -> Answer {
    let site_type = p.required_int("siteType")?;
    if site_type != site.order_site_type as i64 {
        return Err(refusal(1000, "siteType이 판매자의 사이트와 다릅니다."));
    }
    let status = if pre {
        None
    } else {
        let s = p.required_int("orderStatus")?;
        if !(1..=5).contains(&s) {
            return Err(refusal(
                1000,
                "orderStatus는 1~5 (0: 주문번호 조회는 이 시뮬레이터가 제공하지 않습니다).",
            ));
        }
        Some(s as u8)
    };
    // 1 주문일, 2 결제일; 3 발송마감일 and later types are not served here.
    let date_type = p.int("requestDateType")?.unwrap_or(1);
    if !pre && !matches!(date_type, 1 | 2) {
        return Err(refusal(
            1000,
            "requestDateType은 1(주문일) 또는 2(결제일)만 제공합니다.",
        ));
    }
    let by_payment = !pre && date_type == 2;
    let (from, to) = (p.instant("requestDateFrom")?, p.instant("requestDateTo")?);
    if to <= from {
        return Err(refusal(
            1000,
            "requestDateTo는 requestDateFrom 이후여야 합니다.",
        ));
    }
    let max = if pre { 31 } else { site.max_order_days };
    if to - from > Duration::days(max) {
        return Err(too_long(max));
    }
    let (index, size) = p.page("pageIndex", "pageSize", ORDER_PAGE_MAX)?;
    let want = match status {
        Some(s) => Listed::Status(s),
        None => Listed::Pre,
    };
    let mut lines: Vec<(DateTime<Utc>, u64, &Order, usize)> = Vec::new();
    for o in &d.orders {
        if listed(o, now) != Some(want) {
            continue;
        }
        let at = if by_payment {
            o.paid_at()
        } else {
            Some(o.ordered_at)
        };
        let Some(at) = at.filter(|t| *t >= from && *t < to && *t <= now) else {
            continue;
        };
        for (k, item) in o.items.iter().enumerate() {
            lines.push((at, item.item_no, o, k));
        }
    }
    lines.sort_by_key(|l| (l.0, l.1));
    let page: Vec<Value> = slice(&lines, index, size)
        .into_iter()
        .map(|(_, _, o, k)| order_row(o, k, status))
        .collect();
    Ok(json!({
        "ResultCode": 0,
        "Message": "성공",
        "data": {
            "SiteType": site.order_site_type,
            "PageIndex": index,
            "PageSize": size,
            "TotalCount": lines.len(),
            "SellerId": Value::Null,
            "RequestOrders": page,
        },
    }))
}

fn small(n: u64) -> u64 {
    n % 1_000_003
}

fn order_row(o: &Order, k: usize, status: Option<u8>) -> Value {
    let item = &o.items[k];
    let (name, option, _) = names::PRODUCTS[item.product];
    let (addr1, addr2, post) = names::address(small(o.receiver));
    let mut row = json!({
        "OrderNo": item.item_no,
        "PayNo": o.order_no,
        "GroupNo": o.order_no + 7_000_000_000,
        "OrderDate": kst_time(o.ordered_at),
        "PayDate": o.paid_at().filter(|_| status.is_some()).map(kst_time),
        "SiteGoodsNo": product_no(item.product).to_string(),
        "GoodsName": name,
        "OptionName": option,
        "ContrAmount": item.quantity,
        "SalePrice": item.unit_price,
        "OrderAmount": item.unit_price * i64::from(item.quantity),
        "DeliveryFee": if k == 0 { o.shipping_fee } else { 0 },
        "BuyerName": names::person(small(o.buyer)),
        "BuyerMobilePhone": names::safe_number(small(o.buyer)),
        "ReceiverName": names::person(small(o.receiver)),
        "HpNo": names::safe_number(small(o.receiver)),
        "DelFullAddress": format!("{addr1} {addr2}"),
        "ZipCode": post,
        "DelMemo": "부재 시 문 앞에 놓아주세요",
    });
    if let Some(s) = status {
        row["OrderStatus"] = json!(s);
    }
    row
}

/// A claim of `kind` on the order at `now`: (status, requested at).
fn claim_state(o: &Order, now: DateTime<Utc>, kind: ClaimKind) -> Option<(u8, DateTime<Utc>)> {
    let collected = |req: DateTime<Utc>| now - req >= Duration::hours(24);
    match kind {
        ClaimKind::Cancel => {
            let req = o.reached(Stage::CancelRequested, now)?;
            Some((
                if o.reached(Stage::Cancelled, now).is_some() {
                    3
                } else {
                    1
                },
                req,
            ))
        }
        ClaimKind::Return => {
            let req = o.reached(Stage::ReturnRequested, now)?;
            let s = if o.reached(Stage::Returned, now).is_some() {
                4
            } else if collected(req) {
                2
            } else {
                1
            };
            Some((s, req))
        }
        ClaimKind::Exchange => {
            let req = o.reached(Stage::ExchangeRequested, now)?;
            let s = if o.reached(Stage::Exchanged, now).is_some() {
                4
            } else if collected(req) {
                2
            } else {
                1
            };
            Some((s, req))
        }
    }
}

fn claims(site: &Site, d: &SellerData, p: &Params, now: DateTime<Utc>, kind: ClaimKind) -> Answer {
    if p.required_int("SiteType")? != site.claim_site_type as i64 {
        return Err(refusal(
            1000,
            "SiteType이 올바르지 않습니다 (1: 옥션, 3: G마켓).",
        ));
    }
    if p.int("Type")?.unwrap_or(2) != 2 {
        return Err(refusal(
            1000,
            "Type은 2(신청일)만 이 시뮬레이터가 제공합니다.",
        ));
    }
    let (a, b) = (p.date("StartDate")?, p.date("EndDate")?);
    if b < a {
        return Err(refusal(1000, "EndDate는 StartDate 이후여야 합니다."));
    }
    if (b - a).num_days() >= 7 {
        return Err(refusal(2000, "조회 기간은 7일 미만이어야 합니다."));
    }
    let field = match kind {
        ClaimKind::Cancel => "CancelStatus",
        ClaimKind::Return => "ReturnStatus",
        ClaimKind::Exchange => "ExchangeStatus",
    };
    let mut rows = Vec::new();
    for o in &d.orders {
        let Some((status, req)) = claim_state(o, now, kind) else {
            continue;
        };
        let day = kst_date(req);
        if day < a || day > b {
            continue;
        }
        for item in &o.items {
            let mut row = json!({
                "OrderNo": item.item_no,
                "PayNo": o.order_no,
                "RequestDate": kst_time(req),
                "ClaimReason": "구매자 단순변심",
                "BuyerName": names::person(small(o.buyer)),
            });
            row[field] = json!(status);
            rows.push(row);
        }
    }
    Ok(json!({ "ResultCode": "success", "Message": "성공", "Data": rows }))
}

/// Settlement lines at `now`: a sale when delivered, a refund (negative) when returned.
fn settle_lines(o: &Order, now: DateTime<Utc>) -> Vec<(NaiveDate, bool, usize)> {
    let mut out = Vec::new();
    if let Some(at) = o.reached(Stage::Delivered, now) {
        out.extend((0..o.items.len()).map(|k| (kst_date(at), false, k)));
    }
    if let Some(at) = o.reached(Stage::Returned, now) {
        out.extend((0..o.items.len()).map(|k| (kst_date(at), true, k)));
    }
    out
}

fn settlements(site: &Site, d: &SellerData, p: &Params, now: DateTime<Utc>) -> Answer {
    if p.text("SiteType")? != site.letter {
        return Err(refusal(
            1000,
            "SiteType이 올바르지 않습니다 (A: 옥션, G: G마켓).",
        ));
    }
    if p.text("SrchType")? != "D9" {
        return Err(refusal(
            1000,
            "SrchType은 D9(배송완료일+환불)만 이 시뮬레이터가 제공합니다.",
        ));
    }
    let (a, b) = (p.date("SrchStartDate")?, p.date("SrchEndDate")?);
    if b < a {
        return Err(refusal(
            1000,
            "SrchEndDate는 SrchStartDate 이후여야 합니다.",
        ));
    }
    if (b - a).num_days() + 1 > 31 {
        return Err(too_long(31));
    }
    let (index, size) = p.page("PageNo", "PageRowCnt", SETTLE_PAGE_MAX)?;
    let mut lines: Vec<(NaiveDate, u64, bool, &Order, usize)> = Vec::new();
    for o in &d.orders {
        for (day, refund, k) in settle_lines(o, now) {
            if day >= a && day <= b {
                lines.push((day, o.items[k].item_no, refund, o, k));
            }
        }
    }
    lines.sort_by_key(|l| (l.0, l.1, l.2));
    let page: Vec<Value> = slice(&lines, index, size)
        .into_iter()
        .map(|(day, _, refund, o, k)| {
            let item = &o.items[k];
            let sale = item.unit_price * i64::from(item.quantity);
            let fee = sale * 12 / 100;
            // ESM writes refunds with the opposite sign.
            let sign = if refund { -1 } else { 1 };
            let delivered = o.reached(Stage::Delivered, now).map(kst_date);
            json!({
                "PackNo": o.order_no,
                "ContrNo": item.item_no,
                "GoodsNo": product_no(item.product).to_string(),
                "SellPrice": sign * sale,
                "ServiceFee": sign * fee,
                "SettlePrice": sign * (sale - fee),
                "DeliveryCompleteDate": delivered.map(|d| d.to_string()),
                "RefundDate": refund.then(|| day.to_string()),
                "SettleExpectDate": (day + Duration::days(if refund { 1 } else { 8 })).to_string(),
                "RemitDate": Value::Null,
            })
        })
        .collect();
    Ok(json!({
        "ResultCode": 0,
        "Message": "성공",
        "SiteType": site.letter,
        "TotalCount": lines.len(),
        "PageSize": size,
        "PageNo": index,
        "Data": page,
    }))
}

/// Which listing a world inquiry is in: 긴급알리미 (`None`) or a board.
fn board_of(site: &Site, q: &Inquiry) -> Option<u64> {
    if q.inquiry_no.is_multiple_of(5) {
        return None;
    }
    Some(site.boards[(q.inquiry_no as usize) % site.boards.len()])
}

/// `[startDate, endDate)` of the CS APIs: at most 7 days.
fn cs_range(p: &Params) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let (a, b) = (p.date("startDate")?, p.date("endDate")?);
    if b <= a {
        return Err(refusal(
            1000,
            "endDate는 startDate 이후여야 합니다 (오늘: 오늘~내일).",
        ));
    }
    if (b - a).num_days() > 7 {
        return Err(too_long(7));
    }
    Ok((a, b))
}

fn answered(q: &Inquiry, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    q.answered_at.filter(|t| *t <= now)
}

fn board(site: &Site, account: &Account, d: &SellerData, p: &Params, now: DateTime<Utc>) -> Answer {
    let qna = p.required_int("qnaType")? as u64;
    if !site.boards.contains(&qna) {
        return Err(refusal(
            1000,
            "qnaType이 이 사이트의 게시판이 아닙니다 (1, 2: 옥션, 3: G마켓).",
        ));
    }
    let status = p.int("status")?.unwrap_or(1);
    let (a, b) = cs_range(p)?;
    let (index, size) = p.page("pageIndex", "pageSize", BOARD_PAGE_MAX)?;
    let rows: Vec<&Inquiry> = d
        .inquiries
        .iter()
        .filter(|q| board_of(site, q) == Some(qna) && q.asked_at <= now)
        .filter(|q| {
            let day = kst_date(q.asked_at);
            day >= a && day < b
        })
        .filter(|q| match status {
            2 => answered(q, now).is_none(),
            3 => answered(q, now).is_some(),
            _ => true,
        })
        .collect();
    let page: Vec<Value> = slice(&rows, index, size)
        .into_iter()
        .map(|q| {
            let done = answered(q, now);
            json!({
                "MessageNo": q.inquiry_no,
                "QnaType": qna,
                "SellerId": account.seller_id,
                "OrderNo": q.about_order,
                "GoodsNo": product_no(q.product).to_string(),
                "contractType": if q.about_order.is_some() { "주문문의" } else { "상품문의" },
                "Title": format!("{} 문의", names::PRODUCTS[q.product].0),
                "Comments": names::QUESTIONS[q.question],
                "AnswerComments": done.map(|_| names::ANSWERS[q.answer]),
                "InformStatus": if done.is_some() { 3 } else { 2 },
                "ReAsking": "N",
                "BuyerName": names::person(small(q.asker)),
                "RegDate": kst_time(q.asked_at),
                "AnswerDate": done.map(kst_time),
            })
        })
        .collect();
    let token = hex::encode(&Sha256::digest(format!("{}:{qna}:{index}", account.master_id))[..12]);
    Ok(json!({
        "resultCode": 0,
        "message": "success",
        "token": token,
        "totalCount": rows.len(),
        "data": page,
    }))
}

fn notices(d: &SellerData, p: &Params, now: DateTime<Utc>) -> Answer {
    let (a, b) = cs_range(p)?;
    let status = p.int("status")?.unwrap_or(1);
    let rows: Vec<Value> = d
        .inquiries
        .iter()
        .filter(|q| q.inquiry_no.is_multiple_of(5) && q.asked_at <= now)
        .filter(|q| {
            let day = kst_date(q.asked_at);
            day >= a && day < b
        })
        .filter(|q| match status {
            2 => answered(q, now).is_none(),
            3 => answered(q, now).is_some(),
            _ => true,
        })
        .map(|q| {
            let done = answered(q, now);
            json!({
                "InformNo": q.inquiry_no,
                "OrderNo": q.about_order,
                "Title": "[긴급] 고객센터 요청",
                "Contents": names::QUESTIONS[q.question],
                "RegDate": kst_time(q.asked_at),
                "ReplyContents": done.map(|_| names::ANSWERS[q.answer]),
                "ReplyDate": done.map(kst_time),
                "Status": if done.is_some() { 3 } else { 2 },
            })
        })
        .collect();
    Ok(json!({ "ResultCode": 0, "Message": "성공", "Data": rows }))
}
