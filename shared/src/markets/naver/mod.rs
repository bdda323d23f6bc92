//! Naver SmartStore through the Naver Commerce API (facts: shared/markets/naver.md).
//!
//! One application (agency) serves every seller: its client_id scopes the rate limits, and
//! each seller's token is issued with `type=SELLER` + the seller's account_id.
//! - Orders: the change feed (`last-changed-statuses`, ≤24 h per call, so a window of 3
//!   days is asked a day at a time; `more` cursor), then the details of the changed product
//!   orders (`product-orders/query`, ≤300 ids per call).
//!   Claims arrive through the same feed and are folded into the item status.
//! - Settlements: 건별 정산 (`settle/case`), one settle-basis day per call.
//! - Inquiries: product Q&A (`contents/qnas`) and order inquiries (`pay-user/inquiries`).
//! - Reviews: no API.

pub mod api;
pub mod auth;
pub mod limits;
pub mod normalize;

use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span, parse_credentials, rows};
use crate::error::CollectError;
use crate::http::{Call, LimitKey, Reader, Reply, Verdict};
use crate::markets::listing::{Envelope, Listing};
use crate::model::{Kind, Market, RawJson, Records, Rejected, Window};
use async_trait::async_trait;
use auth::Credentials;
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub static SPEC: MarketSpec = MarketSpec {
    market: Market::Naver,
    base_url: "https://api.commerce.naver.com/external",
    plans: &[
        // A change feed: a short overlap is enough (a daily 7-day run reconciles).
        KindPlan {
            kind: Kind::Orders,
            // Three days per window, asked of the feed a day at a time ([`FEED_RANGE`]).
            // With a window a day, a seller with ~80 changes a day had a detail request of
            // ~80 ids (of 300) and a commit for each day, each commit writing that
            // seller's index pages again; now its 3 days fill one request and one commit.
            // Not a week: a window is held in memory until it is stored, and a large
            // seller's week would be 7 times its daily share of the collector's memory.
            span: Span::Hours(3 * 24),
            // The feed takes at most 24 hours per request; the connector splits a window.
            max_range: None,
            lookback: Duration::minutes(30),
            backfill: Duration::days(7),
            // Not documented (naver.md §5); 90 days is 90 feed requests of 24 hours.
            max_history: Duration::days(90),
        },
        // One settle-basis day per call; late lines for recent days are picked up again.
        KindPlan {
            kind: Kind::Settlements,
            span: Span::KstDays(1),
            // settle/case takes one searchDate; longer windows are asked day by day.
            max_range: None,
            lookback: Duration::days(3),
            backfill: Duration::days(7),
            // One call per day: a year is 365 calls.
            max_history: Duration::days(365),
        },
        // Listed by question date while answers arrive later: look back a week.
        KindPlan {
            kind: Kind::Inquiries,
            span: Span::KstDays(7),
            // pay-user/inquiries: at most 365 days (qnas documents no limit).
            max_range: Some(Span::KstDays(365)),
            lookback: Duration::days(7),
            backfill: Duration::days(7),
            // pay-user/inquiries documents 365 days.
            max_history: Duration::days(365),
        },
    ],
    not_by_api: &[(
        Kind::Reviews,
        "no public review API; Smart Store Center only",
    )],
    // 429 with the bucket's or the seller quota's code (§4).
    throttles: &["GW.RATE_LIMIT", "GW.QUOTA_LIMIT"],
    limits: limits::LIMITS,
    connect,
};

const CHANGED_STATUSES: &str = "/v1/pay-order/seller/product-orders/last-changed-statuses";
const PRODUCT_ORDERS_QUERY: &str = "/v1/pay-order/seller/product-orders/query";
const SETTLE_CASE: &str = "/v1/pay-settle/settle/case";
const QNAS: &str = "/v1/contents/qnas";
const PAY_USER_INQUIRIES: &str = "/v1/pay-user/inquiries";
const TOKEN: &str = "/v1/oauth2/token";

/// A page of product-order details: its rows read, and those that did not.
type Details = (
    api::DetailPage<RawJson>,
    Vec<(api::ProductOrderDetail, RawJson)>,
    Vec<Rejected>,
);

/// The longest range of one feed request (naver.md §5.1: `lastChangedFrom` to
/// `lastChangedTo`, at most 24 hours).
const FEED_RANGE: Span = Span::Hours(24);
/// Documented page limits.
const FEED_LIMIT: usize = 300;
const QUERY_IDS_MAX: usize = 300;
const SETTLE_PAGE_SIZE: u32 = 1000;
const QNA_PAGE_SIZE: u32 = 100;
const INQUIRY_PAGE_SIZE: u32 = 200;
/// A token is replaced this long before it expires.
const TOKEN_MARGIN: std::time::Duration = std::time::Duration::from_secs(600);
/// How long Naver accepts a signed timestamp (naver.md §2).
const SIGNATURE_LIFE: std::time::Duration = std::time::Duration::from_secs(300);
/// A signature serves the token requests of every seller of the application for this
/// long: one bcrypt (about a millisecond of CPU) a minute instead of one per seller, and
/// a request and its retries still reach Naver well inside the signature's 5 minutes.
const SIGNATURE_REUSE: std::time::Duration = std::time::Duration::from_secs(60);
/// Marks the refusal (an expired or revoked token) after which a fresh token is worth
/// another try.
const GW_AUTHN: &str = "GW.AUTHN";
/// Tokens re-issued after a `GW.AUTHN` in one run (one connector) at most: as often as
/// Naver expires them, bounded so that a token refused for good (the seller withdrew the
/// delegation) ends the run as `credentials_rejected` instead of looping.
const TOKEN_REISSUES_PER_RUN: u32 = 64;

fn connect(ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    let creds: Credentials = parse_credentials(Market::Naver, &ctx.credentials)?;
    // Refuse a malformed secret now rather than at the first token request.
    auth::SecretSalt::parse(&creds.client_secret)?;
    Ok(Box::new(Naver {
        ctx,
        creds,
        reissues_left: std::sync::atomic::AtomicU32::new(TOKEN_REISSUES_PER_RUN),
    }))
}

pub struct Naver {
    ctx: ConnectCtx,
    creds: Credentials,
    /// What is left of [`TOKEN_REISSUES_PER_RUN`].
    reissues_left: std::sync::atomic::AtomicU32,
}

/// How one request is sent: method, path, query or JSON body.
enum Req<'a> {
    Get(&'a [(&'a str, String)]),
    PostJson(&'a Value),
}

#[async_trait]
impl Connector for Naver {
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError> {
        match kind {
            Kind::Orders => self.orders(window).await,
            Kind::Settlements => self.settlements(window).await,
            Kind::Inquiries => {
                let (mut product, order) =
                    futures::try_join!(self.qnas(window), self.customer_inquiries(window))?;
                product.extend(order);
                Ok(product)
            }
            Kind::Reviews => Err(CollectError::InvalidInput(
                "naver has no review API (Smart Store Center only)".into(),
            )),
        }
    }

    fn reread(&self, _kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        reread(rejected)
    }

    async fn verify(&self) -> Result<(), CollectError> {
        let now = Utc::now();
        let query = [
            (
                "lastChangedFrom",
                normalize::format_time(now - Duration::minutes(1)),
            ),
            ("lastChangedTo", normalize::format_time(now)),
            ("limitCount", "1".to_string()),
        ];
        self.send::<api::ChangedPage>(CHANGED_STATUSES, limits::CHANGED_STATUSES, Req::Get(&query))
            .await?;
        Ok(())
    }
}

impl Naver {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.ctx.base_url(&SPEC))
    }

    fn key(&self, group: &'static str) -> LimitKey {
        LimitKey::fleet(Market::Naver, self.creds.client_id.clone(), group)
    }

    /// Token cache key: the resource a token is issued for, never a secret.
    fn token_key(&self) -> String {
        format!("naver:{}:{}", self.creds.client_id, self.creds.account_id)
    }

    async fn token(&self) -> Result<String, CollectError> {
        self.ctx
            .tokens
            .get_or_fetch(&self.token_key(), TOKEN_MARGIN, || self.issue_token())
            .await
    }

    /// Signature cache key: the application and a digest of its secret (a seller whose
    /// stored secret is wrong must not borrow another seller's signature), never the
    /// secret itself.
    fn signature_key(&self) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(self.creds.client_secret.as_bytes());
        format!(
            "naver-signature:{}:{}",
            self.creds.client_id,
            hex::encode(&digest[..8])
        )
    }

    /// A signed timestamp at most [`SIGNATURE_REUSE`] old, made once for all sellers of
    /// the application (the token cache makes concurrent callers wait for one bcrypt).
    async fn signature(&self) -> Result<auth::Signature, CollectError> {
        let sign = || async {
            let signed = auth::Signature::new(&self.creds, Utc::now().timestamp_millis())?;
            Ok((signed.encode(), SIGNATURE_LIFE))
        };
        let text = self
            .ctx
            .tokens
            .get_or_fetch(
                &self.signature_key(),
                SIGNATURE_LIFE - SIGNATURE_REUSE,
                sign,
            )
            .await?;
        auth::Signature::decode(&text)
            .ok_or_else(|| CollectError::Internal("naver signature cache: unreadable".into()))
    }

    async fn issue_token(&self) -> Result<(String, std::time::Duration), CollectError> {
        let call = Call {
            market: Market::Naver,
            endpoint: TOKEN,
            key: self.key(limits::TOKEN),
            rate: limits::rate(limits::TOKEN),
        };
        let url = self.url(TOKEN);
        let signed = self.signature().await?;
        let build = || {
            let form = auth::token_form(&self.creds, &signed);
            Ok(self.ctx.http.client().post(&url).form(&form))
        };
        let t: api::Token = match self
            .ctx
            .http
            .execute_json(&self.ctx.meter, &call, &judge_token, &build)
            .await
        {
            Ok(t) => t,
            Err(e) => {
                // A refused signature (a clock off by minutes, say) is not offered to the
                // next seller: the next token request signs afresh.
                if e.kind() == crate::ErrorKind::CredentialsRejected {
                    let key = self.signature_key();
                    self.ctx.tokens.invalidate(&key, &signed.encode()).await;
                }
                return Err(e);
            }
        };
        let ttl = std::time::Duration::from_secs(t.expires_in.max(0) as u64);
        Ok((t.access_token, ttl))
    }

    /// Send one authenticated request. A `GW.AUTHN` refusal (token expired or revoked)
    /// re-issues the token and tries again, as Naver recommends, as often as it happens
    /// within the run's [`TOKEN_REISSUES_PER_RUN`]. A wrong secret never gets this far: the
    /// token request itself is refused, at once.
    async fn send<T: DeserializeOwned + Send>(
        &self,
        path: &str,
        group: &'static str,
        req: Req<'_>,
    ) -> Result<T, CollectError> {
        self.send_read(path, group, req, Reader::whole()).await
    }

    /// [`Naver::send`], its answer read by `reader`.
    async fn send_read<V: Send>(
        &self,
        path: &str,
        group: &'static str,
        req: Req<'_>,
        reader: Reader<V>,
    ) -> Result<V, CollectError> {
        loop {
            let token = self.token().await?;
            match self.send_with(path, group, &req, &token, reader).await {
                Err(CollectError::CredentialsRejected { detail, .. })
                    if detail.starts_with(GW_AUTHN) && self.take_reissue() =>
                {
                    self.ctx.tokens.invalidate(&self.token_key(), &token).await;
                }
                other => return other,
            }
        }
    }

    fn take_reissue(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.reissues_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// One request with `token`, its answer read by `reader`.
    async fn send_with<V: Send>(
        &self,
        path: &str,
        group: &'static str,
        req: &Req<'_>,
        token: &str,
        reader: Reader<V>,
    ) -> Result<V, CollectError> {
        let key = self.key(group);
        let rate = limits::rate(group);
        let call = Call {
            market: Market::Naver,
            endpoint: path,
            key: key.clone(),
            rate,
        };
        let url = self.url(path);
        let client = self.ctx.http.client();
        let build = || {
            let rb = match req {
                Req::Get(q) => client.get(&url).query(q),
                Req::PostJson(body) => client.post(&url).json(body),
            };
            Ok(rb.bearer_auth(token))
        };
        let limiter = self.ctx.http.limiter();
        let judge = |reply: &Reply| {
            // Naver tells each answer's bucket rate: never assume more than that.
            if let Some(told) = reply
                .headers
                .get(limits::REPLENISH_RATE_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
            {
                limiter.learn_ceiling(&key, rate, told);
            }
            judge(path, reply)
        };
        self.ctx
            .http
            .execute_with(&self.ctx.meter, &call, &judge, &build, reader)
            .await
    }

    /// One page, parsed once (`T` holds its rows as sent; they are read one by one).
    async fn page<T: DeserializeOwned + Send>(
        &self,
        path: &str,
        group: &'static str,
        req: Req<'_>,
    ) -> Result<T, CollectError> {
        let page: T = self.send(path, group, req).await?;
        self.ctx.meter.page();
        Ok(page)
    }

    /// One listing page, read in one pass: its envelope `E`, its rows read as `T` with their
    /// JSON as sent, and the rows that did not read as rejected records keyed by
    /// `id_fields`.
    async fn listing<E, T>(
        &self,
        path: &'static str,
        group: &'static str,
        req: Req<'_>,
        id_fields: &[&str],
    ) -> Result<(E, Vec<(T, RawJson)>, Vec<Rejected>), CollectError>
    where
        E: Envelope + Send,
        T: DeserializeOwned + Send,
    {
        let page: Listing<E, T> = self.send_read(path, group, req, Reader::listing()).await?;
        self.ctx.meter.page();
        Ok(page.into_parts(path, id_fields))
    }

    // --- orders -------------------------------------------------------------------------

    async fn orders(&self, window: Window) -> Result<Records, CollectError> {
        // The items in first-seen order, and each one's newest change in the feed.
        let mut ids: Vec<String> = Vec::new();
        let mut changed_at: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
        // Cut as the runner cuts its windows.
        for range in crate::collect::windows(FEED_RANGE, window.from, window.to) {
            self.changes(range, &mut ids, &mut changed_at).await?;
        }
        let chunks = ids.chunks(QUERY_IDS_MAX).map(|c| self.details(c.to_vec()));
        let mut out = Records::default();
        let mut details = Vec::new();
        for (_, read, rejected) in futures::future::try_join_all(chunks).await? {
            details.extend(read);
            out.rejected.extend(rejected);
        }
        let (orders, rejected) = normalize::orders(PRODUCT_ORDERS_QUERY, details, &changed_at);
        out.orders = orders;
        out.rejected.extend(rejected);
        Ok(out)
    }

    /// The feed's changes in `range` (at most [`FEED_RANGE`]), page by page: each changed
    /// item's id once, in first-seen order, and its newest change.
    async fn changes(
        &self,
        range: Window,
        ids: &mut Vec<String>,
        changed_at: &mut HashMap<String, Option<DateTime<Utc>>>,
    ) -> Result<(), CollectError> {
        // The feed's bounds are inclusive; our windows are half-open.
        let to = normalize::format_time(range.to - Duration::milliseconds(1));
        let mut cursor: Option<api::More> = None;
        loop {
            let mut query = vec![
                (
                    "lastChangedFrom",
                    cursor.as_ref().map_or_else(
                        || normalize::format_time(range.from),
                        |m| m.more_from.clone(),
                    ),
                ),
                ("lastChangedTo", to.clone()),
                ("limitCount", FEED_LIMIT.to_string()),
            ];
            if let Some(m) = &cursor {
                query.push(("moreSequence", m.more_sequence.clone()));
            }
            let page = self
                .page::<api::ChangedPage>(
                    CHANGED_STATUSES,
                    limits::CHANGED_STATUSES,
                    Req::Get(&query),
                )
                .await?;
            for row in page.data.last_change_statuses {
                let t = normalize::parse_time(&row.last_changed_date);
                match changed_at.entry(row.product_order_id) {
                    // An item may change twice inside one window: ask for its details once.
                    Entry::Occupied(mut seen) => {
                        let newest = seen.get_mut();
                        *newest = (*newest).max(t);
                    }
                    Entry::Vacant(new) => {
                        ids.push(new.key().clone());
                        new.insert(t);
                    }
                }
            }
            match page.data.more {
                Some(more) if cursor.as_ref() == Some(&more) => {
                    return Err(CollectError::Rejected {
                        market: Market::Naver,
                        endpoint: CHANGED_STATUSES.into(),
                        detail: "the `more` cursor did not advance".into(),
                    });
                }
                Some(more) => cursor = Some(more),
                None => return Ok(()),
            }
        }
    }

    /// The details of up to 300 product orders, each read with its JSON as sent.
    async fn details(&self, ids: Vec<String>) -> Result<Details, CollectError> {
        let body = serde_json::json!({
            "productOrderIds": ids,
            "quantityClaimCompatibility": true,
        });
        self.listing(
            PRODUCT_ORDERS_QUERY,
            limits::PRODUCT_ORDERS_QUERY,
            Req::PostJson(&body),
            ID_DETAIL,
        )
        .await
    }

    // --- settlements --------------------------------------------------------------------

    async fn settlements(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let days = first.iter_days().take_while(|d| *d <= last);
        let per_day = futures::future::try_join_all(days.map(|d| self.settle_day(d))).await?;
        let mut out = Records::default();
        for day in per_day {
            out.extend(day);
        }
        Ok(out)
    }

    async fn settle_day(&self, day: chrono::NaiveDate) -> Result<Records, CollectError> {
        let mut out = Records::default();
        let mut page_no = 1i64;
        loop {
            let query = [
                ("searchDate", day.format("%Y-%m-%d").to_string()),
                (
                    "periodType",
                    "SETTLE_CASEBYCASE_SETTLE_BASIS_DATE".to_string(),
                ),
                ("pageNumber", page_no.to_string()),
                ("pageSize", SETTLE_PAGE_SIZE.to_string()),
            ];
            let (page, read, rejected) = self
                .listing::<api::SettleCasePage<RawJson>, _>(
                    SETTLE_CASE,
                    limits::SETTLE_CASE,
                    Req::Get(&query),
                    ID_SETTLE,
                )
                .await?;
            let total_pages = page.pagination.total_pages;
            out.rejected.extend(rejected);
            rows::normalize_each(
                &read,
                |s, raw| normalize::settlement(SETTLE_CASE, s, raw),
                &mut out.settlements,
                &mut out.rejected,
            );
            if page_no >= total_pages {
                return Ok(out);
            }
            page_no += 1;
        }
    }

    // --- inquiries ----------------------------------------------------------------------

    async fn qnas(&self, window: Window) -> Result<Records, CollectError> {
        let mut out = Records::default();
        let mut page_no = 1i64;
        loop {
            let query = [
                ("fromDate", normalize::format_time(window.from)),
                (
                    "toDate",
                    normalize::format_time(window.to - Duration::milliseconds(1)),
                ),
                ("page", page_no.to_string()),
                ("size", QNA_PAGE_SIZE.to_string()),
            ];
            let (page, read, rejected) = self
                .listing::<api::QnaPage<RawJson>, _>(QNAS, limits::QNAS, Req::Get(&query), ID_QNA)
                .await?;
            let done = page.last || page.page >= page.total_pages;
            out.rejected.extend(rejected);
            rows::normalize_each(
                &read,
                |q, raw| normalize::qna(QNAS, q, raw),
                &mut out.inquiries,
                &mut out.rejected,
            );
            if done {
                return Ok(out);
            }
            page_no += 1;
        }
    }

    async fn customer_inquiries(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let mut out = Records::default();
        let mut page_no = 1i64;
        loop {
            let query = [
                ("startSearchDate", first.format("%Y-%m-%d").to_string()),
                ("endSearchDate", last.format("%Y-%m-%d").to_string()),
                ("page", page_no.to_string()),
                ("size", INQUIRY_PAGE_SIZE.to_string()),
            ];
            let (page, read, rejected) = self
                .listing::<api::InquiryPage<RawJson>, _>(
                    PAY_USER_INQUIRIES,
                    limits::PAY_USER_INQUIRIES,
                    Req::Get(&query),
                    ID_INQUIRY,
                )
                .await?;
            let done = page.last || page_no >= page.total_pages;
            out.rejected.extend(rejected);
            rows::normalize_each(
                &read,
                |q, raw| normalize::customer_inquiry(PAY_USER_INQUIRIES, q, raw),
                &mut out.inquiries,
                &mut out.rejected,
            );
            if done {
                return Ok(out);
            }
            page_no += 1;
        }
    }
}

/// Where each listing's rows keep their own id, for a rejected row's key.
const ID_DETAIL: &[&str] = &["/productOrder/productOrderId", "/order/orderId"];
const ID_SETTLE: &[&str] = &["/productOrderId", "/orderId"];
const ID_QNA: &[&str] = &["/questionId"];
const ID_INQUIRY: &[&str] = &["/inquiryNo"];

/// One rejected row read again, by the listing it came from. A product order read again
/// has no change-feed time: its history row gets none.
fn reread(rejected: &Rejected) -> Result<Records, String> {
    let raw = &rejected.raw;
    let endpoint = rejected.key.endpoint.as_str();
    let mut out = Records::default();
    match endpoint {
        PRODUCT_ORDERS_QUERY => {
            let detail: api::ProductOrderDetail = rows::read(raw)?;
            let (orders, mut rejected) =
                normalize::orders(endpoint, vec![(detail, raw.clone())], &HashMap::new());
            if let Some(r) = rejected.pop() {
                return Err(r.reason);
            }
            out.orders = orders;
        }
        SETTLE_CASE => {
            let row: api::SettleCase = rows::read(raw)?;
            out.settlements
                .push(normalize::settlement(endpoint, &row, raw).map_err(|r| r.reason)?);
        }
        QNAS => {
            let row: api::Qna = rows::read(raw)?;
            out.inquiries
                .push(normalize::qna(endpoint, &row, raw).map_err(|r| r.reason)?);
        }
        PAY_USER_INQUIRIES => {
            let row: api::CustomerInquiry = rows::read(raw)?;
            out.inquiries
                .push(normalize::customer_inquiry(endpoint, &row, raw).map_err(|r| r.reason)?);
        }
        other => return Err(format!("no reader for rows of {other}")),
    }
    Ok(out)
}

fn error_body(reply: &Reply) -> api::ErrorBody {
    serde_json::from_slice(&reply.body).unwrap_or_default()
}

/// Naver's answer to a data request, judged. Throttles are 429 `GW.RATE_LIMIT` or
/// `GW.QUOTA_LIMIT`; `GW.AUTHN` is an expired or revoked token; `GW.IP_NOT_ALLOWED` is our
/// egress IP missing from the application's "API호출 IP".
pub fn judge(endpoint: &str, reply: &Reply) -> Verdict {
    let s = reply.status;
    if s.is_success() {
        return Verdict::Done;
    }
    let body = error_body(reply);
    let code = body.code.as_deref().unwrap_or("");
    if s == StatusCode::TOO_MANY_REQUESTS || code == "GW.RATE_LIMIT" || code == "GW.QUOTA_LIMIT" {
        return Verdict::Throttled {
            retry_after: reply.retry_after(),
        };
    }
    if code == "GW.IP_NOT_ALLOWED" {
        return Verdict::Fail(CollectError::IpNotWhitelisted {
            market: Market::Naver,
            detail: "403 GW.IP_NOT_ALLOWED".into(),
        });
    }
    if s == StatusCode::UNAUTHORIZED {
        return Verdict::Fail(CollectError::CredentialsRejected {
            market: Market::Naver,
            detail: if code == GW_AUTHN {
                format!("{GW_AUTHN}: the access token was refused")
            } else {
                format!("HTTP 401 {code}")
            },
        });
    }
    if s == StatusCode::FORBIDDEN {
        // The API group is not enabled for the application, or the seller withdrew it.
        return Verdict::Fail(CollectError::CredentialsRejected {
            market: Market::Naver,
            detail: format!(
                "HTTP 403 {code} at {endpoint}; check that the seller delegated this API group to our application"
            ),
        });
    }
    if s.is_server_error() {
        return Verdict::Transient(format!("HTTP {} {code}", s.as_u16()));
    }
    Verdict::Fail(CollectError::Rejected {
        market: Market::Naver,
        endpoint: endpoint.to_string(),
        detail: refusal(s, code, &body),
    })
}

/// Status, code and the names of the refused fields; never Naver's message, which may
/// quote what we sent.
fn refusal(s: StatusCode, code: &str, body: &api::ErrorBody) -> String {
    let fields: Vec<&str> = body
        .invalid_inputs
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    if fields.is_empty() {
        format!("HTTP {} {code}", s.as_u16())
    } else {
        format!("HTTP {} {code} (fields: {})", s.as_u16(), fields.join(", "))
    }
}

/// The token endpoint's answer: any refusal other than throttling, IP or a server failure
/// means the credentials (or the clock signing them) are wrong.
pub fn judge_token(reply: &Reply) -> Verdict {
    let s = reply.status;
    if s.is_success() || s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() {
        return judge(TOKEN, reply);
    }
    let body = error_body(reply);
    let code = body.code.as_deref().unwrap_or("");
    if code == "GW.IP_NOT_ALLOWED" || code == "GW.RATE_LIMIT" || code == "GW.QUOTA_LIMIT" {
        return judge(TOKEN, reply);
    }
    let detail = if body.invalid_inputs.iter().any(|i| i.name == "timestamp") {
        format!(
            "token request refused: {}; the signed timestamp was not accepted, check this host's clock",
            refusal(s, code, &body)
        )
    } else {
        format!(
            "token request refused: {}; check the application's client_id/client_secret and that the seller's account_id delegated API access to it",
            refusal(s, code, &body)
        )
    };
    Verdict::Fail(CollectError::CredentialsRejected {
        market: Market::Naver,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Http, Meter, RetryPolicy, TokenCache};

    fn seller(tokens: &TokenCache, account_id: &str, secret: &str) -> Naver {
        let ctx = ConnectCtx {
            http: Http::new(RetryPolicy::default()).unwrap(),
            tokens: tokens.clone(),
            meter: Meter::default(),
            seller_id: account_id.into(),
            credentials: serde_json::json!({
                "client_id": "app", "client_secret": secret, "account_id": account_id,
            }),
            base_url: Some("http://127.0.0.1:9".into()),
            options: serde_json::json!({}),
        };
        let creds = parse_credentials(Market::Naver, &ctx.credentials).unwrap();
        Naver {
            ctx,
            creds,
            reissues_left: std::sync::atomic::AtomicU32::new(1),
        }
    }

    #[tokio::test]
    async fn one_signature_serves_every_seller_of_the_application_and_no_other_secret() {
        let tokens = TokenCache::default();
        let secret = "$2a$04$abcdefghijklmnopqrstuu";
        let first = seller(&tokens, "ncp_1", secret).signature().await.unwrap();
        let second = seller(&tokens, "ncp_2", secret).signature().await.unwrap();
        assert!(
            first == second,
            "sellers of one application share a signature"
        );

        // The same client_id with another secret (one seller's stored secret is stale):
        // its own signature, which Naver would refuse, not the good one.
        let other = seller(&tokens, "ncp_3", "$2a$04$bbcdefghijklmnopqrstuu");
        let stale = other.signature().await.unwrap();
        assert!(stale != first);
        assert!(!other.signature_key().contains("bbcdefghijklmnopqrstuu"));
        // A refused signature is forgotten: the next request signs afresh.
        tokens
            .invalidate(&other.signature_key(), &stale.encode())
            .await;
        assert!(seller(&tokens, "ncp_1", secret).signature().await.unwrap() == first);
    }
}
