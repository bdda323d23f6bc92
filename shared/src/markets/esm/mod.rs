//! Gmarket and Auction through the ESM 2.0 Trading API (facts: shared/markets/esm.md): two
//! markets behind one API, told apart by the site in the JWT's `ssi` and in each request.
//!
//! - Auth: a JWT HS256 per request (`auth`), `kid` = the ESM+ master id, `ssi` =
//!   `G:<seller>` or `A:<seller>`.
//! - Orders: `RequestOrders` per `orderStatus` 1-5 by payment date, every page, and
//!   `PreRequestOrders` (입금확인중). Statuses an order enters when it is paid (1) or
//!   ordered (입금확인중) are read from the watermark on; statuses it enters later
//!   (2-5) are re-read over the last 7 days every cycle (README, "Gmarket and Auction
//!   notes"). Claims (`claim/v1/sa/{Cancels,Returns,Exchanges}`) over the same 7 days.
//! - Settlements: `getsettleorder` by `SrchType=D9` (배송완료일, refunds by 환불일).
//! - Inquiries: the bulletin-board inquiries of the site's boards, and 긴급알리미.
//! - `ResultCode` is judged on every answer: 0 / "success" done, 3000 too fast (a
//!   throttle), anything else a refusal with ESM's message.

pub mod api;
pub mod auth;
pub mod limits;
pub mod normalize;

use super::day_chunks;
use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span, parse_credentials, rows};
use crate::error::CollectError;
use crate::http::{Call, Reply, Verdict};
use crate::model::{ClaimType, Kind, Market, RawJson, Records, Rejected, Window, kst};
use async_trait::async_trait;
use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// One ESM site: what differs between Gmarket and Auction.
#[derive(Debug)]
pub struct Site {
    pub market: Market,
    /// The site letter of `ssi` and of getsettleorder's `SiteType`.
    pub letter: &'static str,
    /// `siteType` of the order APIs: 1 옥션, 2 G마켓.
    pub order_site_type: u8,
    /// `SiteType` of the claim APIs: 1 옥션, 3 G마켓 (esm.md §10).
    pub claim_site_type: u8,
    /// The longest `RequestOrders` range: G마켓 31 days, 옥션 180 days [3RD-PARTY].
    pub max_order_days: i64,
    /// The bulletin boards (`qnaType`): 1 옥션 게시판, 2 옥션 쪽지, 3 G마켓 게시판.
    pub boards: &'static [u8],
}

pub static GMARKET_SITE: Site = Site {
    market: Market::Gmarket,
    letter: "G",
    order_site_type: 2,
    claim_site_type: 3,
    max_order_days: 31,
    boards: &[3],
};

pub static AUCTION_SITE: Site = Site {
    market: Market::Auction,
    letter: "A",
    order_site_type: 1,
    claim_site_type: 1,
    max_order_days: 180,
    boards: &[1, 2],
};

/// The documented production host (esm.md: official pages show `sa2.esmplus.com`).
pub const BASE_URL: &str = "https://sa2.esmplus.com";

/// How far back statuses are kept current: orders up to 7 days old.
pub const STATUS_DAYS: i64 = 7;

macro_rules! plans {
    ($order_hours:expr, $order_history_days:expr) => {
        &[
            // Orders by payment date, minute precision: a short overlap for the statuses
            // read incrementally; the connector widens the other statuses to 7 days.
            KindPlan {
                kind: Kind::Orders,
                // An hour short of the maximum: the range's ends are rounded out to
                // whole minutes.
                span: Span::Hours($order_hours - 1),
                max_range: Some(Span::Hours($order_hours)),
                lookback: Duration::minutes(30),
                backfill: Duration::days(STATUS_DAYS),
                max_history: Duration::days($order_history_days),
            },
            // getsettleorder by 배송완료일 (+환불일): lines land a day or two late.
            KindPlan {
                kind: Kind::Settlements,
                span: Span::KstDays(7),
                max_range: Some(Span::KstDays(SETTLE_MAX_DAYS)),
                lookback: Duration::days(3),
                backfill: Duration::days(7),
                max_history: Duration::days(365),
            },
            // The boards and 긴급알리미 take 7-day windows; answers arrive on older
            // questions, so the week is re-read.
            KindPlan {
                kind: Kind::Inquiries,
                span: Span::KstDays(7),
                max_range: Some(Span::KstDays(CS_MAX_DAYS)),
                lookback: Duration::days(7),
                backfill: Duration::days(7),
                max_history: Duration::days(180),
            },
        ]
    };
}

pub static GMARKET: MarketSpec = MarketSpec {
    market: Market::Gmarket,
    base_url: BASE_URL,
    plans: plans!(31 * 24, 93),
    not_by_api: &[(Kind::Reviews, "no review API; ESM PLUS seller-center only")],
    throttles: THROTTLES,
    limits: limits::LIMITS,
    connect: connect_gmarket,
};

pub static AUCTION: MarketSpec = MarketSpec {
    market: Market::Auction,
    base_url: BASE_URL,
    plans: plans!(180 * 24, 180),
    not_by_api: &[(Kind::Reviews, "no review API; ESM PLUS seller-center only")],
    throttles: THROTTLES,
    limits: limits::LIMITS,
    connect: connect_auction,
};

/// ESM's throttle answer: HTTP 200 with body `ResultCode` 3000.
pub const THROTTLES: &[&str] = &["3000"];

/// getsettleorder range: not documented; 31 days assumed (README notes).
pub const SETTLE_MAX_DAYS: i64 = 31;
/// The boards and 긴급알리미: 7-day windows (esm.md §8).
pub const CS_MAX_DAYS: i64 = 7;
/// Claims: less than 7 days between StartDate and EndDate (exactly 7 is refused, §10).
pub const CLAIM_DATES: i64 = 7;
/// PreRequestOrders: 31 days at most on both sites.
pub const PRE_MAX_DAYS: i64 = 31;
/// Page sizes asked: RequestOrders / PreRequestOrders, getsettleorder, the boards.
pub const ORDER_PAGE: u32 = 100;
pub const SETTLE_PAGE: u32 = 100;
pub const BOARD_PAGE: u32 = 50;
const MAX_PAGES: u32 = 10_000;

const EP_ORDERS: &str = "/shipping/v1/Order/RequestOrders";
const EP_PRE: &str = "/shipping/v1/Order/PreRequestOrders";
const EP_CANCELS: &str = "/claim/v1/sa/Cancels";
const EP_RETURNS: &str = "/claim/v1/sa/Returns";
const EP_EXCHANGES: &str = "/claim/v1/sa/Exchanges";
const EP_SETTLE: &str = "/account/v1/settle/getsettleorder";
const EP_BOARD: &str = "/item/v1/communications/customer/bulletin-board";
const EP_NOTICES: &str = "/assist/v1/Selling/GetEmergencyInformList";

/// One seller's ESM access: the master id the API was approved for (ours, as a selling
/// tool, or the seller's own) and its secret key. The credentials entry's `seller_id` is
/// the seller's id on the site.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub master_id: String,
    pub secret_key: String,
    /// The seller's ESM PLUS console login for the seller-center kinds (read by
    /// `centers::CenterLogin`; opt-in), in the same credentials entry as the keys.
    #[serde(default)]
    pub center: Option<serde::de::IgnoredAny>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("master_id", &self.master_id)
            .finish_non_exhaustive()
    }
}

fn connect_gmarket(ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    connect(&GMARKET_SITE, &GMARKET, ctx)
}

fn connect_auction(ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    connect(&AUCTION_SITE, &AUCTION, ctx)
}

fn connect(
    site: &'static Site,
    spec: &'static MarketSpec,
    ctx: ConnectCtx,
) -> Result<Box<dyn Connector>, CollectError> {
    let market = site.market;
    let creds: Credentials = parse_credentials(market, &ctx.credentials)?;
    if creds.master_id.trim().is_empty() || creds.secret_key.trim().is_empty() {
        return Err(CollectError::InvalidInput(format!(
            "{market} credentials: `master_id` and `secret_key` must not be empty"
        )));
    }
    // The seller id goes into `ssi`, a comma-separated list of `site:id`.
    let seller = ctx.seller_id.trim();
    if seller.is_empty() || seller.contains([',', ':']) || seller.chars().any(char::is_whitespace) {
        return Err(CollectError::InvalidInput(format!(
            "{market} seller id must be the seller's {} id (no spaces, commas or colons)",
            if site.letter == "G" {
                "G마켓"
            } else {
                "옥션"
            }
        )));
    }
    let ssi = format!("{}:{seller}", site.letter);
    let base = ctx.base_url(spec).to_string();
    Ok(Box::new(Esm {
        ctx,
        creds,
        site,
        ssi,
        base,
    }))
}

/// ESM's answers judged: HTTP 401 is the token, the API approval or the calling IP (ESM
/// answers all three alike); a 200 carries its own `ResultCode`.
pub fn judge(market: Market, endpoint: &str, reply: &Reply) -> Verdict {
    let status = reply.status.as_u16();
    if status == 401 || status == 403 {
        let said = serde_json::from_slice::<api::Unauthorized>(&reply.body)
            .ok()
            .and_then(|b| b.status)
            .and_then(|s| s.message)
            .unwrap_or_default();
        return Verdict::Fail(CollectError::CredentialsRejected {
            market,
            detail: unauthorized_detail(status, &said),
        });
    }
    if status == 429 {
        return Verdict::Throttled {
            retry_after: reply.retry_after(),
        };
    }
    if status >= 500 {
        return Verdict::Transient(format!("HTTP {status}"));
    }
    let outcome = serde_json::from_slice::<api::Outcome>(&reply.body).ok();
    if !reply.status.is_success() {
        let message = outcome.and_then(|o| o.message).unwrap_or_default();
        return Verdict::Fail(rejected(
            market,
            endpoint,
            &format!("HTTP {status}"),
            &message,
        ));
    }
    // A body that does not open as an answer is the caller's to report (format_changed),
    // or the HTTP layer's (cut off: retried).
    let Some(outcome) = outcome else {
        return Verdict::Done;
    };
    let code = outcome.result_code.unwrap_or_default();
    let message = outcome.message.unwrap_or_default();
    match code.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "success" => Verdict::Done,
        // "No data" on the 미수령신고 listing (esm.md §10): an empty answer.
        "1100" => Verdict::Done,
        // Too fast for the seller's pace. ESM also uses 3000 for a parameter it could not
        // convert (etapi.gmarket.com/73's sample); that one no retry mends.
        "3000" if !names_a_parameter(&message) => Verdict::Throttled { retry_after: None },
        _ => Verdict::Fail(rejected(
            market,
            endpoint,
            &format!("ResultCode {code}"),
            &message,
        )),
    }
}

fn names_a_parameter(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    message.contains("매개 변수") || message.contains("변환") || m.contains("parameter")
}

fn rejected(market: Market, endpoint: &str, what: &str, message: &str) -> CollectError {
    CollectError::Rejected {
        market,
        endpoint: endpoint.to_string(),
        // ESM's own text names parameters and ranges, not buyers. Kept short.
        detail: if message.is_empty() {
            what.to_string()
        } else {
            format!("{what}: {}", message.chars().take(200).collect::<String>())
        },
    }
}

/// What C/S staff read to the seller after an HTTP 401.
pub fn unauthorized_detail(status: u16, said: &str) -> String {
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", said.chars().take(120).collect::<String>())
    };
    format!(
        "HTTP {status}{said}: ESM refused the request. Check in ESM PLUS (ESM+계정(ID)관리 > \
         ESM API 관리) that the master id and secret key are current, that the seller chose \
         our service as 서비스 제공사 for this seller id, that the API is approved for the \
         master id, and that the fleet's egress IP is the server IP registered with the ESM \
         API application (ESM checks the calling IP and answers a foreign one the same way)"
    )
}

struct Esm {
    ctx: ConnectCtx,
    creds: Credentials,
    site: &'static Site,
    /// `G:<seller>` / `A:<seller>`: the JWT's `ssi` and the limit keys' scope.
    ssi: String,
    base: String,
}

impl Esm {
    fn market(&self) -> Market {
        self.site.market
    }

    /// One signed POST with a JSON body, paced on the seller's `group` key, judged, read
    /// as `T`, counted as a page.
    async fn post<T: DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        group: &'static str,
        body: &Value,
    ) -> Result<T, CollectError> {
        let market = self.market();
        let url = format!("{}{endpoint}", self.base);
        let call = Call {
            market,
            endpoint,
            key: limits::key(market, &self.ssi, group),
            rate: limits::rate(group),
        };
        let client = self.ctx.http.client();
        let answer = self
            .ctx
            .http
            .execute_json(
                &self.ctx.meter,
                &call,
                &|r| judge(market, endpoint, r),
                &|| {
                    // A fresh token per attempt: `iat` is the time of sending.
                    let jwt = auth::token(
                        &self.creds.master_id,
                        &self.creds.secret_key,
                        &self.ssi,
                        Utc::now().timestamp(),
                    )?;
                    Ok(client
                        .post(&url)
                        .bearer_auth(jwt)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.to_string()))
                },
            )
            .await?;
        self.ctx.meter.page();
        Ok(answer)
    }

    /// Every page of one RequestOrders status (or PreRequestOrders, `status == None`)
    /// over `[from, to)`.
    async fn order_lines(
        &self,
        status: Option<u8>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(Vec<normalize::Line>, Vec<Rejected>), CollectError> {
        let endpoint = if status.is_some() { EP_ORDERS } else { EP_PRE };
        let raw_status = match status {
            Some(s) => format!("RequestOrders.{s}"),
            None => normalize::PRE_REQUEST.to_string(),
        };
        let mut lines = Vec::new();
        let mut rejected = Vec::new();
        let mut seen: u64 = 0;
        for page_index in 1..=MAX_PAGES {
            let mut body = json!({
                "siteType": self.site.order_site_type,
                "requestDateFrom": minute(from),
                "requestDateTo": minute(to),
                "pageIndex": page_index,
                "pageSize": ORDER_PAGE,
            });
            if let Some(s) = status {
                body["orderStatus"] = json!(s);
                // 2 = 결제일: an order is filed under its payment.
                body["requestDateType"] = json!(2);
            }
            let answer: api::OrdersAnswer<RawJson> =
                self.post(endpoint, limits::ORDERS, &body).await?;
            let Some(page) = answer.data else {
                break;
            };
            let count = page.rows.len() as u64;
            seen += count;
            let (read, bad) = rows::read_all::<api::OrderRow>(endpoint, page.rows, ID_ORDER);
            rejected.extend(bad);
            lines.extend(read.into_iter().map(|(row, raw)| {
                normalize::Line {
                    status: row
                        .order_status
                        .as_deref()
                        .filter(|_| status.is_some())
                        .map_or_else(|| raw_status.clone(), |s| format!("RequestOrders.{s}")),
                    endpoint,
                    row,
                    raw,
                }
            }));
            if count == 0 || seen >= page.total_count {
                return Ok((lines, rejected));
            }
        }
        Err(endless(self.market(), endpoint))
    }

    async fn claims(
        &self,
        kind: ClaimType,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Records, CollectError> {
        let endpoint = match kind {
            ClaimType::Cancel => EP_CANCELS,
            ClaimType::Return => EP_RETURNS,
            ClaimType::Exchange => EP_EXCHANGES,
        };
        let body = json!({
            "SiteType": self.site.claim_site_type,
            // 2 = 신청일: claims filed by the day they were asked for.
            "Type": 2,
            "StartDate": ymd(first),
            "EndDate": ymd(last),
        });
        let answer: api::ClaimsAnswer<RawJson> = self.post(endpoint, limits::CLAIMS, &body).await?;
        let (read, rejected) = rows::read_all::<api::ClaimRow>(endpoint, answer.rows, ID_CLAIM);
        let mut out = Records {
            rejected,
            ..Records::default()
        };
        rows::normalize_each(
            &read,
            |row, raw| normalize::claim(endpoint, kind, row, raw),
            &mut out.claims,
            &mut out.rejected,
        );
        Ok(out)
    }

    async fn orders(&self, window: Window) -> Result<Records, CollectError> {
        let from = floor_minute(window.from);
        let to = ceil_minute(window.to);
        // Statuses entered after payment, and claims: the last 7 days at least.
        let moving_from = from.min(floor_minute(window.to - Duration::days(STATUS_DAYS)));
        let mut listings = Vec::new();
        // 1 (결제완료) is entered at payment, the listing's date: from the watermark on.
        listings.push(self.order_lines(Some(1), from, to));
        for status in 2..=5u8 {
            listings.push(self.order_lines(Some(status), moving_from, to));
        }
        // 입금확인중 is entered at ordering: from the watermark on, ≤31 days a call.
        for (a, b) in spans(from, to, Duration::days(PRE_MAX_DAYS)) {
            listings.push(self.order_lines(None, a, b));
        }
        let (first, last) = Window::new(moving_from, window.to).kst_dates();
        let claims = futures::future::try_join_all(
            [ClaimType::Cancel, ClaimType::Return, ClaimType::Exchange]
                .into_iter()
                .flat_map(|kind| {
                    day_chunks(first, last, CLAIM_DATES)
                        .into_iter()
                        .map(move |(a, b)| (kind, a, b))
                })
                .map(|(kind, a, b)| self.claims(kind, a, b)),
        );
        let (listings, claims) =
            futures::try_join!(futures::future::try_join_all(listings), claims)?;
        let mut out = Records::default();
        for c in claims {
            out.extend(c);
        }
        // A claim listed in two chunks (or moved between calls): keep the one read last.
        let mut seen = std::collections::HashSet::new();
        out.claims.reverse();
        out.claims.retain(|c| seen.insert(c.claim_id.clone()));
        out.claims.reverse();
        let mut lines = Vec::new();
        for (l, bad) in listings {
            lines.extend(l);
            out.rejected.extend(bad);
        }
        let (orders, bad) = normalize::orders(lines);
        out.orders = orders;
        out.rejected.extend(bad);
        Ok(out)
    }

    async fn settlements(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let mut out = Records::default();
        let mut seen: u64 = 0;
        for page_no in 1..=MAX_PAGES {
            let body = json!({
                "SiteType": self.site.letter,
                // D9 = 배송완료일 (+환불): a day's sales and refunds in one listing.
                "SrchType": "D9",
                "SrchStartDate": ymd(first),
                "SrchEndDate": ymd(last),
                "PageNo": page_no,
                "PageRowCnt": SETTLE_PAGE,
            });
            let answer: api::SettleAnswer<RawJson> =
                self.post(EP_SETTLE, limits::SETTLE, &body).await?;
            let count = answer.rows.len() as u64;
            seen += count;
            let (read, rejected) =
                rows::read_all::<api::SettleRow>(EP_SETTLE, answer.rows, ID_SETTLE);
            out.rejected.extend(rejected);
            rows::normalize_each(
                &read,
                |row, raw| normalize::settlement(EP_SETTLE, row, raw),
                &mut out.settlements,
                &mut out.rejected,
            );
            if count == 0 || seen >= answer.total_count {
                return Ok(out);
            }
        }
        Err(endless(self.market(), EP_SETTLE))
    }

    /// Every page of one board over `[start, end)` (dates).
    async fn board(&self, qna_type: u8, start: &str, end: &str) -> Result<Records, CollectError> {
        let mut out = Records::default();
        let mut seen: u64 = 0;
        for page in 1..=MAX_PAGES {
            let body = json!({
                "qnaType": qna_type,
                // 1 = 전체 (answered or not): answers arrive on older questions.
                "status": 1,
                // 1 = 접수일.
                "type": 1,
                "startDate": start,
                "endDate": end,
                "pageIndex": page,
                "pageSize": BOARD_PAGE,
            });
            let answer: api::BoardAnswer<RawJson> = self.post(EP_BOARD, limits::CS, &body).await?;
            let count = answer.rows.len() as u64;
            seen += count;
            let (read, rejected) = rows::read_all::<api::BoardRow>(EP_BOARD, answer.rows, ID_BOARD);
            out.rejected.extend(rejected);
            rows::normalize_each(
                &read,
                |row, raw| normalize::board_inquiry(EP_BOARD, qna_type, row, raw),
                &mut out.inquiries,
                &mut out.rejected,
            );
            if count == 0 || seen >= answer.total_count {
                return Ok(out);
            }
        }
        Err(endless(self.market(), EP_BOARD))
    }

    async fn notices(&self, start: &str, end: &str) -> Result<Records, CollectError> {
        let body = json!({ "status": 1, "type": 1, "startDate": start, "endDate": end });
        let answer: api::NoticesAnswer<RawJson> = self.post(EP_NOTICES, limits::CS, &body).await?;
        let (read, rejected) = rows::read_all::<api::NoticeRow>(EP_NOTICES, answer.rows, ID_NOTICE);
        let mut out = Records {
            rejected,
            ..Records::default()
        };
        rows::normalize_each(
            &read,
            |row, raw| normalize::notice_inquiry(EP_NOTICES, row, raw),
            &mut out.inquiries,
            &mut out.rejected,
        );
        Ok(out)
    }

    async fn inquiries(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        // The end date is exclusive ("today" is today ~ tomorrow).
        let (start, end) = (ymd(first), ymd(last + Duration::days(1)));
        let boards = futures::future::try_join_all(
            self.site
                .boards
                .iter()
                .map(|q| self.board(*q, &start, &end)),
        );
        let (boards, notices) = futures::try_join!(boards, self.notices(&start, &end))?;
        let mut out = notices;
        for b in boards {
            out.extend(b);
        }
        Ok(out)
    }
}

const ID_ORDER: &[&str] = &["/OrderNo", "/PayNo"];
const ID_CLAIM: &[&str] = &["/OrderNo"];
const ID_SETTLE: &[&str] = &["/ContrNo"];
const ID_BOARD: &[&str] = &["/MessageNo"];
const ID_NOTICE: &[&str] = &["/InformNo"];

/// One rejected row read again, by the listing it came from.
fn reread(rejected: &Rejected) -> Result<Records, String> {
    let raw = &rejected.raw;
    let endpoint = rejected.key.endpoint.as_str();
    let mut out = Records::default();
    let kept = |r: Rejected| r.reason;
    match endpoint {
        EP_ORDERS | EP_PRE => {
            let row: api::OrderRow = rows::read(raw)?;
            let status = match (endpoint, row.order_status.as_deref()) {
                (EP_ORDERS, Some(s)) => format!("RequestOrders.{s}"),
                (EP_ORDERS, None) => return Err("no `OrderStatus` to file the line under".into()),
                _ => normalize::PRE_REQUEST.to_string(),
            };
            let endpoint = if endpoint == EP_ORDERS {
                EP_ORDERS
            } else {
                EP_PRE
            };
            let (orders, mut bad) = normalize::orders(vec![normalize::Line {
                status,
                endpoint,
                row,
                raw: raw.clone(),
            }]);
            if let Some(r) = bad.pop() {
                return Err(kept(r));
            }
            out.orders = orders;
        }
        EP_CANCELS | EP_RETURNS | EP_EXCHANGES => {
            let kind = match endpoint {
                EP_CANCELS => ClaimType::Cancel,
                EP_RETURNS => ClaimType::Return,
                _ => ClaimType::Exchange,
            };
            let row: api::ClaimRow = rows::read(raw)?;
            out.claims
                .push(normalize::claim(endpoint, kind, &row, raw).map_err(kept)?);
        }
        EP_SETTLE => {
            let row: api::SettleRow = rows::read(raw)?;
            out.settlements
                .push(normalize::settlement(endpoint, &row, raw).map_err(kept)?);
        }
        EP_BOARD => {
            let row: api::BoardRow = rows::read(raw)?;
            let qna_type = row
                .qna_type
                .as_deref()
                .and_then(|q| q.parse().ok())
                .ok_or("no readable `QnaType`")?;
            out.inquiries
                .push(normalize::board_inquiry(endpoint, qna_type, &row, raw).map_err(kept)?);
        }
        EP_NOTICES => {
            let row: api::NoticeRow = rows::read(raw)?;
            out.inquiries
                .push(normalize::notice_inquiry(endpoint, &row, raw).map_err(kept)?);
        }
        other => return Err(format!("no reader for rows of {other}")),
    }
    Ok(out)
}

fn endless(market: Market, endpoint: &str) -> CollectError {
    CollectError::Rejected {
        market,
        endpoint: endpoint.to_string(),
        detail: "pagination does not end (pages keep coming past the total)".into(),
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD hh:mm` in KST: the order APIs' minute precision.
pub fn minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst()).format("%Y-%m-%d %H:%M").to_string()
}

fn floor_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::minutes(1)).unwrap_or(t)
}

fn ceil_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = floor_minute(t);
    if floor == t {
        t
    } else {
        floor + Duration::minutes(1)
    }
}

/// `[from, to)` cut into consecutive spans of at most `max`.
fn spans(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: Duration,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut a = from;
    while a < to {
        let b = (a + max).min(to);
        out.push((a, b));
        a = b;
    }
    out
}

#[async_trait]
impl Connector for Esm {
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError> {
        match kind {
            Kind::Orders => self.orders(window).await,
            Kind::Settlements => self.settlements(window).await,
            Kind::Inquiries => self.inquiries(window).await,
            Kind::Reviews => Err(CollectError::InvalidInput(format!(
                "{} has no review API (ESM PLUS review page only)",
                self.market()
            ))),
        }
    }

    fn reread(&self, _kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        reread(rejected)
    }

    /// Today's 긴급알리미: signed like every call, refused exactly when the token, the
    /// approval or the IP is wrong, and off the order budget.
    async fn verify(&self) -> Result<(), CollectError> {
        let today = Utc::now().with_timezone(&kst()).date_naive();
        self.post::<api::NoticesAnswer<RawJson>>(
            EP_NOTICES,
            limits::CS,
            &json!({
                "status": 1,
                "type": 1,
                "startDate": ymd(today),
                "endDate": ymd(today + Duration::days(1)),
            }),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
