//! Lotte ON seller Open API, SL catalogue (shared/markets/lotteon.md): a static Bearer key,
//! every answer in a `returnCode` envelope (an HTTP 200 can be a failure), one day per
//! order query, reads by POST.
//!
//! - Identity (apiNo 207): the key's trading partner (`trGrpCd`, `trNo`), asked once per
//!   key and cached in the process's token cache (12 h): every query body names it.
//! - Orders: per KST day, `SellerDeliveryOrdersSearch` (apiNo 209, 출고지시 lines of
//!   `odTypCd 10`, by the day the instruction was issued) and
//!   `SellerDeliveryProgressStateSearch` (apiNo 140, the same lines' steps after
//!   acknowledgement: 209 stays at 11 once acknowledged), concurrently with the claim
//!   listings: cancel (apiNo 50), return (51), exchange (69), asked from that day on and
//!   kept with the window of their order.
//! - Settlements: `SettleItmdSales` by 정산기준일 (purchase confirmation day), ≤30 days.
//! - Inquiries: not collected (see `SPEC.not_by_api`).
//! - Acknowledgement (apiNo 210, `SellerIfCompleteInform`) is a WRITE that moves an order
//!   to 상품준비. Lotte ON may cancel orders left unacknowledged, so a seller can opt in
//!   with the account option `acknowledge_orders`; without it no write request is ever
//!   built. With it, lines that 209 shows unacknowledged (`ifCplYN` N, step 11) are
//!   acknowledged once, right after they are read.
//! - The daily call cap (returnCode 1004) ends the run at a window boundary as a
//!   checkpoint ([`CollectError::QuotaExhausted`]), not a failure.

pub mod api;
pub mod auth;
pub mod limits;
pub mod normalize;

use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span, parse_credentials, rows};
use crate::error::CollectError;
use crate::http::{Call, Reply, Verdict};
use crate::model::{Kind, Market, RawJson, Records, Rejected, Window, kst};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{Duration, NaiveDate, Utc};
use normalize::ClaimListing;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

pub static SPEC: MarketSpec = MarketSpec {
    market: Market::LotteOn,
    base_url: "https://openapi.lotteon.com",
    plans: &[
        // 209 refuses more than one day per call (returnCode 2003). It lists lines by the
        // day their delivery instruction was issued, and their steps keep moving: the
        // week is read again every run, day by day.
        KindPlan {
            kind: Kind::Orders,
            span: Span::KstDays(1),
            max_range: Some(Span::KstDays(1)),
            lookback: Duration::days(7),
            backfill: Duration::days(7),
            // The claim listings reach 30 days back per call; a month of days is what
            // one run may page through.
            max_history: Duration::days(30),
        },
        // SettleItmdSales: ≤30 days per call (29–30 in public clients; we take 30).
        // Weeks, so that a backfill commits week by week; confirmations land daily, so
        // each daily run looks back 3 days.
        KindPlan {
            kind: Kind::Settlements,
            span: Span::KstDays(7),
            max_range: Some(Span::KstDays(30)),
            lookback: Duration::days(3),
            backfill: Duration::days(7),
            max_history: Duration::days(365),
        },
    ],
    not_by_api: &[
        (
            Kind::Reviews,
            "no review API in the seller (SL) catalogue; store center only",
        ),
        (
            Kind::Inquiries,
            "the SL catalogue's CS module is not publicly documented; the one published inquiry path (getSellerInquiryList) is the affiliate (EC) catalogue's",
        ),
    ],
    // HTTP 429 (접속량 초과). The daily cap (returnCode 1004) is a quota checkpoint, not
    // a throttle.
    throttles: &["429"],
    limits: limits::LIMITS,
    connect,
};

/// One seller's Lotte ON key (issued in the store center, valid one year).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub api_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").finish_non_exhaustive()
    }
}

/// The account option that allows the acknowledgement write (apiNo 210).
pub const ACKNOWLEDGE_OPTION: &str = "acknowledge_orders";

/// Rows per page of every list query (`rowsPerPage`): the maximum public clients use.
pub const ROWS_PER_PAGE: usize = 100;
/// The claim listings' longest range per call (days).
pub const CLAIM_DAYS: i64 = 30;
/// Lines per acknowledgement call.
pub const ACK_BATCH: usize = 100;
/// A listing that keeps handing out pages past this is broken, not long.
const MAX_PAGES: usize = 10_000;
/// How long a key's trading partner is remembered.
const IDENTITY_TTL: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

pub const EP_IDENTITY: &str = "/v1/openapi/common/v1/identity";
pub const EP_DELIVERY: &str = "/v1/openapi/delivery/v1/SellerDeliveryOrdersSearch";
pub const EP_PROGRESS: &str = "/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch";
pub const EP_ACKNOWLEDGE: &str = "/v1/openapi/delivery/v1/SellerIfCompleteInform";
pub const EP_CANCELS: &str =
    "/v1/openapi/claim/v1/cancellationOpenApi/getCancellationRequestAndComplateList";
pub const EP_RETURNS: &str = "/v1/openapi/claim/v1/returningOpenApi/returnRequestSearch";
pub const EP_EXCHANGES: &str = "/v1/openapi/claim/v1/exchangeOpenApi/exchangeSearch";
pub const EP_SETTLE: &str = "/v1/openapi/settle/v1/se/SettleItmdSales";

/// The documented success code.
pub const OK: &str = "0000";
/// 일 호출 회수 제한: the key's calls for the day are spent.
pub const DAILY_CAP: &str = "1004";
/// 조회기간 초과: a range longer than the endpoint allows.
pub const RANGE_EXCEEDED: &str = "2003";
/// A system error on Lotte ON's side (seen on settlement queries): retried.
pub const SYSTEM_ERROR: &str = "9000";

const ID_LINE: &[&str] = &["/odNo"];
const ID_CLAIM: &[&str] = &["/clmNo", "/odNo"];

fn connect(ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    let creds: Credentials = parse_credentials(Market::LotteOn, &ctx.credentials)?;
    if !auth::well_formed(&creds.api_key) {
        return Err(CollectError::InvalidInput(
            "lotteon credentials: `api_key` must be the OpenAPI key issued in the store center (no spaces)".into(),
        ));
    }
    let base = ctx.base_url(&SPEC).to_string();
    let acknowledge = ctx.option_enabled(ACKNOWLEDGE_OPTION);
    Ok(Box::new(LotteOn {
        ctx,
        creds,
        base,
        acknowledge,
    }))
}

/// Lotte ON's answers judged: HTTP first (401 key, 403 IP, 429 throttle, 5xx), then, on
/// HTTP 200, the envelope's `returnCode`.
pub fn judge(endpoint: &str, reply: &Reply) -> Verdict {
    let status = reply.status.as_u16();
    let envelope = serde_json::from_slice::<api::Status>(&reply.body).ok();
    let code = envelope
        .as_ref()
        .and_then(|e| e.return_code.clone())
        .unwrap_or_default();
    // Lotte ON's own text: it names parameters and limits, not buyers. Kept short.
    let message: String = envelope
        .as_ref()
        .and_then(|e| e.message.clone())
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let refused = |detail: String| {
        Verdict::Fail(CollectError::Rejected {
            market: Market::LotteOn,
            endpoint: endpoint.to_string(),
            detail,
        })
    };
    match status {
        200..=299 => match code.as_str() {
            // A body without an envelope is judged by its parse (format_changed).
            OK | "" => Verdict::Done,
            DAILY_CAP => Verdict::Fail(CollectError::QuotaExhausted {
                market: Market::LotteOn,
                detail: format!("returnCode {DAILY_CAP}, daily call cap"),
            }),
            SYSTEM_ERROR => Verdict::Transient(format!("returnCode {SYSTEM_ERROR}")),
            other => refused(format!("returnCode {other}: {message}")),
        },
        401 => Verdict::Fail(CollectError::CredentialsRejected {
            market: Market::LotteOn,
            detail: "HTTP 401: the OpenAPI key is wrong or expired; keys are valid one year and are reissued in the store center (판매자정보 → OpenAPI관리)".into(),
        }),
        403 => Verdict::Fail(CollectError::IpNotWhitelisted {
            market: Market::LotteOn,
            detail: "HTTP 403; the key's IP list is set in the store center (판매자정보 → OpenAPI관리 → 정보설정)".into(),
        }),
        429 => Verdict::Throttled {
            retry_after: reply.retry_after(),
        },
        s if s >= 500 => Verdict::Transient(format!("HTTP {s}")),
        s if code.is_empty() => refused(format!("HTTP {s}")),
        s => refused(format!("HTTP {s}, returnCode {code}: {message}")),
    }
}

/// `yyyyMMddHHmmss` bounds of whole KST days `[first, last]`.
pub fn day_bounds(first: NaiveDate, last: NaiveDate) -> (String, String) {
    (
        format!("{}000000", first.format("%Y%m%d")),
        format!("{}235959", last.format("%Y%m%d")),
    )
}

/// The key's trading partner, as every query names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Partner {
    tr_grp_cd: String,
    tr_no: String,
}

struct LotteOn {
    ctx: ConnectCtx,
    creds: Credentials,
    base: String,
    /// The seller opted in to the acknowledgement write.
    acknowledge: bool,
}

/// A request body: `None` for a GET.
type Body = Option<Bytes>;

impl LotteOn {
    /// One call, paced on the egress IP's bucket, judged, read as `T`, counted as a page.
    async fn call<T: DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        body: Body,
    ) -> Result<T, CollectError> {
        let url = format!("{}{endpoint}", self.base);
        let call = Call {
            market: Market::LotteOn,
            endpoint,
            key: limits::key(),
            rate: limits::RATE_PER_EGRESS_IP,
        };
        let client = self.ctx.http.client();
        let answer =
            self.ctx
                .http
                .execute_json(&self.ctx.meter, &call, &|r| judge(endpoint, r), &|| {
                    Ok(match &body {
                        Some(b) => auth::headers(client.post(&url), &self.creds.api_key, true)
                            .body(b.clone()),
                        None => auth::headers(client.get(&url), &self.creds.api_key, false),
                    })
                })
                .await?;
        self.ctx.meter.page();
        Ok(answer)
    }

    async fn identity_now(&self) -> Result<api::Identity, CollectError> {
        let env: api::Envelope<api::Identity> = self.call(EP_IDENTITY, None).await?;
        env.data.ok_or_else(|| CollectError::Rejected {
            market: Market::LotteOn,
            endpoint: EP_IDENTITY.into(),
            detail: "the identity answer names no trading partner".into(),
        })
    }

    /// The key's trading partner, from the token cache or one identity call.
    async fn partner(&self) -> Result<Partner, CollectError> {
        // Keyed by a digest of the key: a reissued key is asked again.
        let digest = hex::encode(&Sha256::digest(self.creds.api_key.trim().as_bytes())[..12]);
        let cached = self
            .ctx
            .tokens
            .get_or_fetch(
                &format!("lotteon/identity/{digest}"),
                std::time::Duration::ZERO,
                || async {
                    let id = self.identity_now().await?;
                    Ok((format!("{}\n{}", id.tr_grp_cd, id.tr_no), IDENTITY_TTL))
                },
            )
            .await?;
        let (tr_grp_cd, tr_no) = cached.split_once('\n').unwrap_or(("SR", cached.as_str()));
        Ok(Partner {
            tr_grp_cd: tr_grp_cd.to_string(),
            tr_no: tr_no.to_string(),
        })
    }

    /// Every page of a list query: `pageNo` from 1 with `rowsPerPage`, until a page is
    /// short or the rows reach `dataCount`. A server that ignores paging (answers more
    /// rows than asked) has answered everything at once.
    async fn listing<D: DeserializeOwned + api::Listing + Send>(
        &self,
        endpoint: &'static str,
        query: &Map<String, Value>,
    ) -> Result<Vec<RawJson>, CollectError> {
        let mut rows = Vec::new();
        for page_no in 1..=MAX_PAGES {
            let mut body = query.clone();
            body.insert("pageNo".into(), json!(page_no));
            body.insert("rowsPerPage".into(), json!(ROWS_PER_PAGE));
            let bytes = Bytes::from(serde_json::to_vec(&body).expect("a JSON object"));
            let env: api::Envelope<D> = self.call(endpoint, Some(bytes)).await?;
            let page = env.data.map(api::Listing::into_rows).unwrap_or_default();
            let n = page.len();
            rows.extend(page);
            let total_reached = env
                .data_count
                .is_some_and(|total| rows.len() as i64 >= total);
            // A short page is the last; a longer one than asked means paging was ignored.
            if n != ROWS_PER_PAGE || total_reached {
                return Ok(rows);
            }
        }
        Err(CollectError::Rejected {
            market: Market::LotteOn,
            endpoint: endpoint.to_string(),
            detail: format!("pagination does not end after {MAX_PAGES} pages"),
        })
    }

    /// The body every list query starts from: the trading partner and the range.
    fn query(
        partner: &Partner,
        from_field: &str,
        to_field: &str,
        from: &str,
        to: &str,
    ) -> Map<String, Value> {
        let mut q = Map::new();
        q.insert("trGrpCd".into(), json!(partner.tr_grp_cd));
        q.insert("trNo".into(), json!(partner.tr_no));
        q.insert(from_field.into(), json!(from));
        q.insert(to_field.into(), json!(to));
        q
    }

    async fn claim_listing(
        &self,
        endpoint: &'static str,
        listing: ClaimListing,
        query: &Map<String, Value>,
    ) -> Result<Records, CollectError> {
        let raw = self.listing::<api::Rows>(endpoint, query).await?;
        let (rows, rejected) = rows::read_all::<api::ClaimRow>(endpoint, raw, ID_CLAIM);
        let mut out = Records {
            rejected,
            ..Records::default()
        };
        for (row, raw) in &rows {
            match normalize::claims(endpoint, listing, row, raw) {
                Ok(c) => out.claims.extend(c),
                Err(r) => out.rejected.push(r),
            }
        }
        Ok(out)
    }

    async fn orders(&self, window: Window) -> Result<Records, CollectError> {
        let partner = self.partner().await?;
        let (first, last) = window.kst_dates();
        let (from, to) = day_bounds(first, last);
        let mut lines = Self::query(&partner, "srchStrtDt", "srchEndDt", &from, &to);
        // Order lines only: return and exchange retrievals (회수지시) are read from the
        // claim listings, which say what they are for.
        lines.insert("odTypCd".into(), json!("10"));
        let progress = Self::query(&partner, "srchStrtDt", "srchEndDt", &from, &to);
        // Claims are listed by the day they were requested, which follows the order's own
        // day. They travel with the window of their order, so that an order and its claims
        // are written (and first seen) together: the listings are asked from this window's
        // first day up to 30 days on (their documented maximum), never past today.
        let today = Utc::now().with_timezone(&kst()).date_naive();
        let claims_until = (first + Duration::days(CLAIM_DAYS - 1))
            .min(today)
            .max(last);
        let (_, claims_to) = day_bounds(first, claims_until);
        let claims = Self::query(&partner, "srchStrtDttm", "srchEndDttm", &from, &claims_to);
        let (lines, progress, cancels, returns, exchanges) = futures::try_join!(
            self.listing::<api::DeliveryOrders>(EP_DELIVERY, &lines),
            self.listing::<api::ProgressStates>(EP_PROGRESS, &progress),
            self.claim_listing(EP_CANCELS, ClaimListing::Cancel, &claims),
            self.claim_listing(EP_RETURNS, ClaimListing::Return, &claims),
            self.claim_listing(EP_EXCHANGES, ClaimListing::Exchange, &claims),
        )?;
        let (lines, mut rejected) =
            rows::read_all::<api::DeliveryOrder>(EP_DELIVERY, lines, ID_LINE);
        let (progress, progress_rejected) =
            rows::read_all::<api::ProgressState>(EP_PROGRESS, progress, ID_LINE);
        rejected.extend(progress_rejected);
        if self.acknowledge {
            self.acknowledge_new(&lines).await?;
        }
        let mut out = Records::default();
        for r in [cancels, returns, exchanges] {
            out.extend(r);
        }
        // Kept: the claims of this window's orders, whenever requested, and the claims
        // requested in this window whose order is not listed here (cancelled orders leave
        // 209). A claim kept by two windows is the same row twice: unchanged the second time.
        let listed: std::collections::HashSet<&str> =
            lines.iter().map(|(l, _)| l.od_no.as_str()).collect();
        out.claims.retain(|c| {
            let day = c.requested_at.with_timezone(&kst()).date_naive();
            listed.contains(c.order_id.as_str()) || (first..=last).contains(&day)
        });
        let (orders, order_rejected) = normalize::orders(EP_DELIVERY, lines, &progress);
        out.orders = orders;
        out.rejected.extend(rejected);
        out.rejected.extend(order_rejected);
        Ok(out)
    }

    /// The acknowledgement write (apiNo 210) for the lines nobody acknowledged yet. Only
    /// reached for a seller whose account has `acknowledge_orders`.
    async fn acknowledge_new(
        &self,
        lines: &[(api::DeliveryOrder, RawJson)],
    ) -> Result<(), CollectError> {
        let pending: Vec<Value> = lines
            .iter()
            .filter(|(l, _)| l.awaits_acknowledgement())
            .map(|(l, _)| {
                json!({
                    "dvRtrvDvsCd": l.dv_rtrv_dvs_cd.as_deref().unwrap_or("DV"),
                    "odNo": l.od_no,
                    "odSeq": number_or_text(&l.od_seq),
                    "procSeq": number_or_text(l.proc_seq.as_deref().unwrap_or("1")),
                    "ifCplYN": "Y",
                })
            })
            .collect();
        for batch in pending.chunks(ACK_BATCH) {
            let body =
                Bytes::from(serde_json::to_vec(&json!({ "ifCompleteList": batch })).expect("JSON"));
            let env: api::Envelope<api::AckResult> = self.call(EP_ACKNOWLEDGE, Some(body)).await?;
            let result = env.data.unwrap_or_default();
            let failed = result.fail_list.len();
            if failed > 0 || result.rslt_cd.as_deref().is_some_and(|c| c != OK) {
                // The lines stay unacknowledged; the next cycle sees them again (209
                // still says N) and tries again.
                tracing::warn!(market = "lotteon", seller = %self.ctx.seller_id,
                    sent = batch.len(), failed, result = ?result.rslt_cd,
                    "acknowledgement partly refused");
            } else {
                tracing::info!(market = "lotteon", seller = %self.ctx.seller_id,
                    lines = batch.len(), "acknowledged new order lines");
            }
        }
        Ok(())
    }

    async fn settlements(&self, window: Window) -> Result<Records, CollectError> {
        let partner = self.partner().await?;
        let (first, last) = window.kst_dates();
        let (from, to) = (
            first.format("%Y%m%d").to_string(),
            last.format("%Y%m%d").to_string(),
        );
        let query = Self::query(&partner, "startDate", "endDate", &from, &to);
        let raw = self.listing::<api::Rows>(EP_SETTLE, &query).await?;
        let (rows, rejected) = rows::read_all::<api::SettleRow>(EP_SETTLE, raw, ID_LINE);
        let mut out = Records {
            rejected,
            ..Records::default()
        };
        rows::normalize_each(
            &rows,
            |row, raw| normalize::settlement(EP_SETTLE, row, raw),
            &mut out.settlements,
            &mut out.rejected,
        );
        Ok(out)
    }
}

/// Ids go out as numbers where they are numbers, as Lotte ON's samples send them.
fn number_or_text(s: &str) -> Value {
    s.parse::<u64>().map_or_else(|_| json!(s), |n| json!(n))
}

/// One rejected row read again, by the listing it came from.
fn reread(rejected: &Rejected) -> Result<Records, String> {
    let raw = &rejected.raw;
    let endpoint = rejected.key.endpoint.as_str();
    let mut out = Records::default();
    let kept = |r: Rejected| r.reason;
    let listing = match endpoint {
        EP_CANCELS => Some(ClaimListing::Cancel),
        EP_RETURNS => Some(ClaimListing::Return),
        EP_EXCHANGES => Some(ClaimListing::Exchange),
        _ => None,
    };
    match (endpoint, listing) {
        (EP_DELIVERY, _) => {
            let line: api::DeliveryOrder = rows::read(raw)?;
            let (orders, mut rejected) =
                normalize::orders(endpoint, vec![(line, raw.clone())], &[]);
            if let Some(r) = rejected.pop() {
                return Err(kept(r));
            }
            out.orders = orders;
        }
        (_, Some(listing)) => {
            let row: api::ClaimRow = rows::read(raw)?;
            out.claims = normalize::claims(endpoint, listing, &row, raw).map_err(kept)?;
        }
        (EP_SETTLE, _) => {
            let row: api::SettleRow = rows::read(raw)?;
            out.settlements
                .push(normalize::settlement(endpoint, &row, raw).map_err(kept)?);
        }
        // A 140 row alone makes no order: the next run reads it with its line.
        (other, _) => return Err(format!("no reader for rows of {other}")),
    }
    Ok(out)
}

#[async_trait]
impl Connector for LotteOn {
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError> {
        match kind {
            Kind::Orders => self.orders(window).await,
            Kind::Settlements => self.settlements(window).await,
            Kind::Inquiries | Kind::Reviews => Err(CollectError::InvalidInput(format!(
                "lotteon does not offer {kind} through its seller API"
            ))),
        }
    }

    fn reread(&self, _kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        reread(rejected)
    }

    /// The identity call (apiNo 207): no parameters, no side effects, refused exactly
    /// when the key or our IP is wrong.
    async fn verify(&self) -> Result<(), CollectError> {
        self.identity_now().await.map(|_| ())
    }
}

#[cfg(test)]
mod tests;
