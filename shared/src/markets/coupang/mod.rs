//! Coupang Wing Open API (shared/markets/coupang.md): per-request CEA HMAC signatures,
//! one rate bucket per vendorId, KST dates without offsets.
//!
//! - Orders: `ordersheets` day mode, one listing per status (all six, concurrently), plus
//!   the claims listings `returnRequests` (each status and `cancelType=CANCEL`) and
//!   `exchangeRequests` (at most 7 days per request: split here).
//! - Settlements: `revenue-history` by recognition date (매출인식일).
//! - Inquiries: `onlineInquiries` (product Q&A) and `callCenterInquiries`.

pub mod api;
pub mod auth;
pub mod limits;
pub mod normalize;

use super::day_chunks;
use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span, parse_credentials, rows};
use crate::error::CollectError;
use crate::http::{Call, Reader, Reply, Verdict};
use crate::markets::listing::{Envelope, Listing};
use crate::model::{Kind, Market, RawJson, Records, Rejected, Window, kst};
use async_trait::async_trait;
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub static SPEC: MarketSpec = MarketSpec {
    market: Market::Coupang,
    base_url: "https://api-gateway.coupang.com",
    plans: &[
        // ordersheets list by paid date (결제일) and statuses of older orders keep moving:
        // re-read 7 days every run. 31 days is the documented maximum range.
        KindPlan {
            kind: Kind::Orders,
            span: Span::KstDays(31),
            max_range: Some(Span::KstDays(31)),
            lookback: Duration::days(7),
            backfill: Duration::days(7),
            // Not documented; half a year of ordersheets is six 31-day windows per status.
            max_history: Duration::days(180),
        },
        // revenue-history by recognition date, ≤31 days per request; recognitions land
        // late by a day or two, so each daily run looks back 3 days (one request chain).
        // Weeks rather than 31 days: a backfill commits (and checkpoints) week by week, and
        // the next week is fetched while the last one is written.
        KindPlan {
            kind: Kind::Settlements,
            span: Span::KstDays(7),
            max_range: Some(Span::KstDays(31)),
            lookback: Duration::days(3),
            backfill: Duration::days(7),
            // A year of revenue history: what a yearly reconciliation asks for.
            max_history: Duration::days(365),
        },
        // onlineInquiries / callCenterInquiries allow 7 days per request; answers arrive
        // on older inquiries, so the whole week is re-read.
        KindPlan {
            kind: Kind::Inquiries,
            span: Span::KstDays(7),
            max_range: Some(Span::KstDays(7)),
            lookback: Duration::days(7),
            backfill: Duration::days(7),
            // Not documented; half a year is 26 weekly windows.
            max_history: Duration::days(180),
        },
    ],
    not_by_api: &[(Kind::Reviews, "no review API; WING seller-center only")],
    // HTTP 429, and Akamai's HTML 403 "Access Denied" after bursts of failures (§4).
    throttles: &["429", "akamai-403"],
    limits: limits::LIMITS,
    connect,
};

/// One seller's Coupang keys, issued in WING (valid 180 days).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// The seller code, e.g. `A00012345`.
    pub vendor_id: String,
    pub access_key: String,
    pub secret_key: String,
    /// The seller's WING console login for the seller-center kinds (read by
    /// `centers::CenterLogin`; opt-in), in the same credentials entry as the keys.
    #[serde(default)]
    pub center: Option<serde::de::IgnoredAny>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("vendor_id", &self.vendor_id)
            .finish_non_exhaustive()
    }
}

/// The six ordersheets statuses (coupang.md §5.4); `status` is required, one per call.
pub const ORDER_STATUSES: [&str; 6] = [
    "ACCEPT",
    "INSTRUCT",
    "DEPARTURE",
    "DELIVERING",
    "FINAL_DELIVERY",
    "NONE_TRACKING",
];

/// The documented page-size maximum of ordersheets, returnRequests, revenue-history and
/// the inquiry listings.
pub const MAX_PER_PAGE: u32 = 50;
/// exchangeRequests accepts at most 7 days per request.
pub const EXCHANGE_DAYS: i64 = 7;
/// A listing that keeps handing out pages past this is broken, not long.
const MAX_PAGES: usize = 10_000;

const VENDORS: &str = "/v2/providers/openapi/apis/api/v4/vendors";
const EP_ORDERSHEETS: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/ordersheets";
const EP_RETURNS: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/returnRequests";
const EP_EXCHANGES: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/exchangeRequests";
const EP_REVENUE: &str = "/v2/providers/openapi/apis/api/v1/revenue-history";
const EP_ONLINE: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/onlineInquiries";
const EP_CALL_CENTER: &str =
    "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/callCenterInquiries";

fn connect(ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    let creds: Credentials = parse_credentials(Market::Coupang, &ctx.credentials)?;
    // The vendor id goes into URL paths unescaped.
    if creds.vendor_id.is_empty() || !creds.vendor_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CollectError::InvalidInput(
            "coupang credentials: `vendor_id` must be the WING seller code (e.g. A00012345)".into(),
        ));
    }
    if creds.access_key.trim().is_empty() || creds.secret_key.trim().is_empty() {
        return Err(CollectError::InvalidInput(
            "coupang credentials: `access_key` and `secret_key` must not be empty".into(),
        ));
    }
    let base = ctx.base_url(&SPEC).to_string();
    Ok(Box::new(Coupang { ctx, creds, base }))
}

/// `a=1&b=2` with form-encoded values, in the order given: the same string goes on the
/// URL and into the signature.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Coupang's answers judged: 429 and the Akamai "Access Denied" page are throttles, 401 is
/// the keys (or the clock), a 403 naming the IP is the whitelist.
pub fn judge(endpoint: &str, reply: &Reply) -> Verdict {
    let status = reply.status.as_u16();
    if reply.status.is_success() {
        return Verdict::Done;
    }
    let message = serde_json::from_slice::<api::ErrorBody>(&reply.body)
        .ok()
        .and_then(|b| b.message)
        .unwrap_or_default();
    match status {
        429 => Verdict::Throttled {
            retry_after: reply.retry_after(),
        },
        // Akamai answers bursts (of failures especially) with an HTML 403 "Access Denied"
        // for a while: back off like a throttle, do not hot-loop and do not blame the IP.
        403 if is_access_denied_page(&reply.body) => Verdict::Throttled {
            retry_after: reply.retry_after(),
        },
        401 => {
            let detail = if message.to_ascii_lowercase().contains("expired") {
                "HTTP 401, signature expired: the collector's clock is off; check NTP on the host"
                    .to_string()
            } else {
                "HTTP 401: check the vendor id, access key and secret key in WING; keys are valid 180 days and must be reissued after that".to_string()
            };
            Verdict::Fail(CollectError::CredentialsRejected {
                market: Market::Coupang,
                detail,
            })
        }
        403 if message.to_ascii_lowercase().contains("ip") => {
            Verdict::Fail(CollectError::IpNotWhitelisted {
                market: Market::Coupang,
                detail: "HTTP 403".into(),
            })
        }
        s if s >= 500 => Verdict::Transient(format!("HTTP {s}")),
        s => Verdict::Fail(CollectError::Rejected {
            market: Market::Coupang,
            endpoint: endpoint.to_string(),
            // Coupang's own error text (e.g. the allowed range); it names parameters, not
            // buyers. Kept short.
            detail: if message.is_empty() {
                format!("HTTP {s}")
            } else {
                format!(
                    "HTTP {s}: {}",
                    message.chars().take(200).collect::<String>()
                )
            },
        }),
    }
}

fn is_access_denied_page(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    text.contains("Access Denied")
}

/// One page of a listing: the rows that read, with their raw JSON; the rows that did
/// not; and the next page's token.
struct Page<T> {
    rows: Vec<(T, RawJson)>,
    rejected: Vec<Rejected>,
    next: Option<String>,
}

/// Where each listing's rows keep their own id, for a rejected row's key.
const ID_SHEET: &[&str] = &["/shipmentBoxId", "/orderId"];
const ID_RETURN: &[&str] = &["/receiptId"];
const ID_EXCHANGE: &[&str] = &["/exchangeId"];
const ID_INQUIRY: &[&str] = &["/inquiryId"];
/// Rejected rows of the `cancelType=CANCEL` returnRequests listing: their endpoint says
/// so, as their rows do not (they are cancellations whatever their receiptStatus says).
const EP_CANCELS: &str =
    "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/returnRequests?cancelType=CANCEL";

struct Coupang {
    ctx: ConnectCtx,
    creds: Credentials,
    base: String,
}

impl Coupang {
    fn vendor_path(&self, what: &str) -> String {
        format!("{VENDORS}/{}/{what}", self.creds.vendor_id)
    }

    /// One signed GET, paced on the vendor's bucket, judged, read as `T`, counted as a
    /// page.
    async fn get<T: DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, CollectError> {
        self.get_read(endpoint, path, query, Reader::whole()).await
    }

    /// [`Coupang::get`], the answer read by `reader`.
    async fn get_read<V: Send>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
        reader: Reader<V>,
    ) -> Result<V, CollectError> {
        let qs = query_string(query);
        let url = format!("{}{path}?{qs}", self.base);
        let call = Call {
            market: Market::Coupang,
            endpoint,
            key: limits::key(&self.creds.vendor_id),
            rate: limits::RATE_PER_VENDOR,
        };
        let client = self.ctx.http.client();
        let page = self
            .ctx
            .http
            .execute_with(
                &self.ctx.meter,
                &call,
                &|r| judge(endpoint, r),
                &|| {
                    // Signed per attempt: a retry after a backoff gets a fresh signed-date.
                    let date = auth::signed_date(Utc::now());
                    let authz = auth::authorization(
                        &self.creds.access_key,
                        &self.creds.secret_key,
                        &date,
                        "GET",
                        path,
                        &qs,
                    );
                    Ok(client
                        .get(&url)
                        .header(reqwest::header::AUTHORIZATION, authz)
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/json;charset=UTF-8",
                        ))
                },
                reader,
            )
            .await?;
        self.ctx.meter.page();
        Ok(page)
    }

    /// One listing page, read in one pass: its envelope `E`, its rows read as `T` with their
    /// JSON as sent, and the rows that did not read as rejected records keyed by
    /// `id_fields`.
    async fn listing<E, T>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
        id_fields: &[&str],
    ) -> Result<(E, Vec<(T, RawJson)>, Vec<Rejected>), CollectError>
    where
        E: Envelope + Send,
        T: DeserializeOwned + Send,
    {
        let page: Listing<E, T> = self
            .get_read(endpoint, path, query, Reader::listing())
            .await?;
        Ok(page.into_parts(endpoint, id_fields))
    }

    /// A `{code, message, data: [...], nextToken}` page, read in one pass: each row read
    /// on its own, with its JSON as sent.
    async fn rows<T: DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
        id_fields: &[&str],
    ) -> Result<Page<T>, CollectError> {
        let (envelope, rows, rejected) = self
            .listing::<api::Envelope<Vec<RawJson>>, T>(endpoint, path, query, id_fields)
            .await?;
        Ok(Page {
            rows,
            rejected,
            next: envelope.next_token.filter(|t| !t.is_empty()),
        })
    }

    /// Every page of a nextToken listing. `query` is the fixed part; `nextToken` is
    /// appended from the second page on.
    async fn all_rows<T: DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
        id_fields: &[&str],
    ) -> Result<Page<T>, CollectError> {
        let mut out = Page {
            rows: Vec::new(),
            rejected: Vec::new(),
            next: None,
        };
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut q = query.to_vec();
            if let Some(t) = token.as_deref() {
                q.push(("nextToken", t));
            }
            let page = self.rows::<T>(endpoint, path, &q, id_fields).await?;
            out.rows.extend(page.rows);
            out.rejected.extend(page.rejected);
            match page.next {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                Some(_) => return Err(endless(endpoint)),
                None => return Ok(out),
            }
        }
        Err(endless(endpoint))
    }

    async fn ordersheets(
        &self,
        from: &str,
        to: &str,
        status: &'static str,
    ) -> Result<Page<api::OrderSheet>, CollectError> {
        let per_page = MAX_PER_PAGE.to_string();
        self.all_rows(
            EP_ORDERSHEETS,
            &self.vendor_path("ordersheets"),
            &[
                ("createdAtFrom", from),
                ("createdAtTo", to),
                ("status", status),
                ("maxPerPage", &per_page),
            ],
            ID_SHEET,
        )
        .await
    }

    /// returnRequests day mode: one status listing, or (`status == None`) the orders
    /// cancelled at 결제완료 (`cancelType=CANCEL`).
    async fn return_requests(
        &self,
        from: &str,
        to: &str,
        status: Option<&'static str>,
    ) -> Result<Records, CollectError> {
        let per_page = MAX_PER_PAGE.to_string();
        let filter = match status {
            Some(s) => ("status", s),
            None => ("cancelType", "CANCEL"),
        };
        let endpoint = if status.is_some() {
            EP_RETURNS
        } else {
            EP_CANCELS
        };
        let page: Page<api::ReturnRequest> = self
            .all_rows(
                EP_RETURNS,
                &self.vendor_path("returnRequests"),
                &[
                    ("createdAtFrom", from),
                    ("createdAtTo", to),
                    filter,
                    ("maxPerPage", &per_page),
                ],
                ID_RETURN,
            )
            .await?;
        let mut out = Records {
            rejected: page.rejected,
            ..Records::default()
        };
        if status.is_none() {
            for r in &mut out.rejected {
                r.key.endpoint = EP_CANCELS.to_string();
            }
        }
        for (row, raw) in &page.rows {
            match normalize::return_claim(endpoint, row, raw, status.is_none()) {
                Ok(c) => out.claims.push(c),
                Err(r) => out.rejected.push(r),
            }
        }
        Ok(out)
    }

    /// exchangeRequests for whole KST days `[from, to]`, at most 7 days per request.
    async fn exchange_requests(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Records, CollectError> {
        let per_page = MAX_PER_PAGE.to_string();
        let a = format!("{}T00:00:00", from.format("%Y-%m-%d"));
        let b = format!("{}T23:59:59", to.format("%Y-%m-%d"));
        let page: Page<api::ExchangeRequest> = self
            .all_rows(
                EP_EXCHANGES,
                &self.vendor_path("exchangeRequests"),
                &[
                    ("createdAtFrom", &a),
                    ("createdAtTo", &b),
                    ("maxPerPage", &per_page),
                ],
                ID_EXCHANGE,
            )
            .await?;
        let mut out = Records {
            rejected: page.rejected,
            ..Records::default()
        };
        for (row, raw) in &page.rows {
            match normalize::exchange_claim(EP_EXCHANGES, row, raw) {
                Ok(c) => out.claims.push(c),
                Err(r) => out.rejected.push(r),
            }
        }
        Ok(out)
    }

    async fn orders(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let (from, to) = (ymd(first), ymd(last));
        let sheets = futures::future::try_join_all(
            ORDER_STATUSES
                .iter()
                .map(|s| self.ordersheets(&from, &to, s)),
        );
        let returns = futures::future::try_join_all(
            normalize::RETURN_LISTINGS
                .iter()
                .map(|(s, _)| Some(*s))
                .chain([None])
                .map(|s| self.return_requests(&from, &to, s)),
        );
        let exchanges = futures::future::try_join_all(
            day_chunks(first, last, EXCHANGE_DAYS)
                .into_iter()
                .map(|(a, b)| self.exchange_requests(a, b)),
        );
        let (sheets, returns, exchanges) = futures::try_join!(sheets, returns, exchanges)?;
        let mut out = Records::default();
        for r in returns.into_iter().chain(exchanges) {
            out.extend(r);
        }
        // A claim can show up in two listings when its status moves between calls; keep
        // the one read last.
        let mut seen = std::collections::HashSet::new();
        out.claims.reverse();
        out.claims.retain(|c| seen.insert(c.claim_id.clone()));
        out.claims.reverse();
        let mut boxes = Vec::new();
        for page in sheets {
            boxes.extend(page.rows);
            out.rejected.extend(page.rejected);
        }
        let (orders, rejected) = normalize::orders(EP_ORDERSHEETS, boxes);
        out.orders = orders;
        out.rejected.extend(rejected);
        Ok(out)
    }

    async fn settlements(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let (from, to) = (ymd(first), ymd(last));
        let per_page = MAX_PER_PAGE.to_string();
        let mut token = String::new();
        let mut out = Records::default();
        for _ in 0..MAX_PAGES {
            // `token` is required, empty on the first page.
            let (page, rows, rejected) = self
                .listing::<api::RevenuePage<RawJson>, _>(
                    EP_REVENUE,
                    EP_REVENUE,
                    &[
                        ("vendorId", &self.creds.vendor_id),
                        ("recognitionDateFrom", &from),
                        ("recognitionDateTo", &to),
                        ("token", &token),
                        ("maxPerPage", &per_page),
                    ],
                    ID_REVENUE,
                )
                .await?;
            out.rejected.extend(rejected);
            for (row, raw) in &rows {
                match normalize::settlements(EP_REVENUE, row, raw) {
                    Ok(lines) => out.settlements.extend(lines),
                    Err(r) => out.rejected.push(r),
                }
            }
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(next) if page.has_next && next != token => token = next,
                Some(_) if page.has_next => return Err(endless(EP_REVENUE)),
                _ => return Ok(out),
            }
        }
        Err(endless(EP_REVENUE))
    }

    /// Every page of a pageNum/pageSize inquiry listing.
    async fn inquiry_pages<T: DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Page<T>, CollectError> {
        let size = MAX_PER_PAGE.to_string();
        let mut out = Page {
            rows: Vec::new(),
            rejected: Vec::new(),
            next: None,
        };
        for page_num in 1..=MAX_PAGES {
            let num = page_num.to_string();
            let mut q = query.to_vec();
            q.extend([("pageNum", num.as_str()), ("pageSize", size.as_str())]);
            let (page, rows, rejected) = self
                .listing::<api::Envelope<api::Paged<RawJson>>, T>(endpoint, path, &q, ID_INQUIRY)
                .await?;
            let total_pages = page.data.pagination.total_pages as usize;
            out.rows.extend(rows);
            out.rejected.extend(rejected);
            if page_num >= total_pages {
                return Ok(out);
            }
        }
        Err(endless(endpoint))
    }

    async fn inquiries(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let (from, to) = (ymd(first), ymd(last));
        let vendor = self.creds.vendor_id.as_str();
        let online_path = self.vendor_path("onlineInquiries");
        let online_query = [
            ("vendorId", vendor),
            ("inquiryStartAt", from.as_str()),
            ("inquiryEndAt", to.as_str()),
            ("answeredType", "ALL"),
        ];
        let online =
            self.inquiry_pages::<api::OnlineInquiry>(EP_ONLINE, &online_path, &online_query);
        let cc_path = self.vendor_path("callCenterInquiries");
        let cc_query = [
            ("vendorId", vendor),
            ("inquiryStartAt", from.as_str()),
            ("inquiryEndAt", to.as_str()),
            // NONE = every counseling status.
            ("partnerCounselingStatus", "NONE"),
        ];
        let call_center =
            self.inquiry_pages::<api::CallCenterInquiry>(EP_CALL_CENTER, &cc_path, &cc_query);
        let (online, call_center) = futures::try_join!(online, call_center)?;
        let mut out = Records::default();
        out.rejected.extend(online.rejected);
        out.rejected.extend(call_center.rejected);
        let read = online
            .rows
            .iter()
            .map(|(row, raw)| normalize::online_inquiry(EP_ONLINE, row, raw))
            .chain(
                call_center
                    .rows
                    .iter()
                    .map(|(row, raw)| normalize::call_center_inquiry(EP_CALL_CENTER, row, raw)),
            );
        for inquiry in read {
            match inquiry {
                Ok(q) => out.inquiries.push(q),
                Err(r) => out.rejected.push(r),
            }
        }
        Ok(out)
    }
}

const ID_REVENUE: &[&str] = &["/orderId"];

/// One rejected row read again, by the listing it came from.
fn reread(rejected: &Rejected) -> Result<Records, String> {
    let raw = &rejected.raw;
    let endpoint = rejected.key.endpoint.as_str();
    let mut out = Records::default();
    let kept = |r: Rejected| r.reason;
    match endpoint {
        EP_ORDERSHEETS => {
            let sheet: api::OrderSheet = rows::read(raw)?;
            let (orders, mut rejected) = normalize::orders(endpoint, vec![(sheet, raw.clone())]);
            if let Some(r) = rejected.pop() {
                return Err(kept(r));
            }
            out.orders = orders;
        }
        EP_RETURNS | EP_CANCELS => {
            let row: api::ReturnRequest = rows::read(raw)?;
            let claim = normalize::return_claim(endpoint, &row, raw, endpoint == EP_CANCELS);
            out.claims.push(claim.map_err(kept)?);
        }
        EP_EXCHANGES => {
            let row: api::ExchangeRequest = rows::read(raw)?;
            out.claims
                .push(normalize::exchange_claim(endpoint, &row, raw).map_err(kept)?);
        }
        EP_REVENUE => {
            let row: api::RevenueRow = rows::read(raw)?;
            out.settlements = normalize::settlements(endpoint, &row, raw).map_err(kept)?;
        }
        EP_ONLINE => {
            let row: api::OnlineInquiry = rows::read(raw)?;
            out.inquiries
                .push(normalize::online_inquiry(endpoint, &row, raw).map_err(kept)?);
        }
        EP_CALL_CENTER => {
            let row: api::CallCenterInquiry = rows::read(raw)?;
            out.inquiries
                .push(normalize::call_center_inquiry(endpoint, &row, raw).map_err(kept)?);
        }
        other => return Err(format!("no reader for rows of {other}")),
    }
    Ok(out)
}

fn endless(endpoint: &str) -> CollectError {
    CollectError::Rejected {
        market: Market::Coupang,
        endpoint: endpoint.to_string(),
        detail: "pagination does not end (the next-page token repeats)".into(),
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[async_trait]
impl Connector for Coupang {
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError> {
        match kind {
            Kind::Orders => self.orders(window).await,
            Kind::Settlements => self.settlements(window).await,
            Kind::Inquiries => self.inquiries(window).await,
            Kind::Reviews => Err(CollectError::InvalidInput(
                "coupang has no review API (WING seller-center only)".into(),
            )),
        }
    }

    fn reread(&self, _kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        reread(rejected)
    }

    /// Today's ACCEPT ordersheets, one row at most: cheap, signed, and refused exactly
    /// when keys, clock or IP are wrong.
    async fn verify(&self) -> Result<(), CollectError> {
        let today = ymd(Utc::now().with_timezone(&kst()).date_naive());
        self.get::<api::Envelope<Vec<RawJson>>>(
            EP_ORDERSHEETS,
            &self.vendor_path("ordersheets"),
            &[
                ("createdAtFrom", &today),
                ("createdAtTo", &today),
                ("status", "ACCEPT"),
                ("maxPerPage", "1"),
            ],
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_chunks_cover_the_range_in_at_most_n_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let c = day_chunks(d("2025-01-01"), d("2025-01-31"), 7);
        assert_eq!(c.len(), 5);
        assert_eq!(c[0], (d("2025-01-01"), d("2025-01-07")));
        assert_eq!(c[4], (d("2025-01-29"), d("2025-01-31")));
        assert_eq!(day_chunks(d("2025-01-01"), d("2025-01-01"), 7).len(), 1);
    }

    #[test]
    fn query_strings_keep_their_order_and_encode_values() {
        assert_eq!(
            query_string(&[("b", "2025-01-01T00:00:00"), ("a", ""), ("c", "x y")]),
            "b=2025-01-01T00%3A00%3A00&a=&c=x+y"
        );
    }

    #[test]
    fn credentials_debug_hides_the_keys() {
        let c = Credentials {
            vendor_id: "A00012345".into(),
            access_key: "AK-VISIBLE?".into(),
            secret_key: "SK-VISIBLE?".into(),
            center: None,
        };
        let s = format!("{c:?}");
        assert!(s.contains("A00012345") && !s.contains("AK-VISIBLE") && !s.contains("SK-VISIBLE"));
    }
}
