//! SSG.COM seller API at eapi.ssgadm.com (facts: shared/markets/ssg.md): the company's raw
//! key in `Authorization`, JSON bodies wrapped in a request-named object, answers in a
//! `result` envelope whose `resultCode` is `"00"` on success.
//!
//! - Orders: by stage, one listing per stage (배송지시 `listShppDirection`, 출고대상
//!   `listWarehouseOut`, 미배송완료 `listNonDelivery`, 배송완료 `listDeliveryEnd`), at most
//!   180 days per request, read in flow order so that a line moving on while we read is
//!   still seen in a later listing; a line seen in several takes the furthest stage
//!   (`normalize`).
//! - Claims (docs/research/ssg-claims.md: no SSG page is public; four public clients agree):
//!   open cancel requests (`/api/claim/v2/cancel/requests`, rows at `result.resultData`),
//!   cancelled lines (취소주문목록조회 `/api/clm/cncl/ord/inquiry.ssg`, `result.data`), and
//!   return and exchange pick-ups (반품/교환 회수 대상 `/api/pd/1/listExchangeTarget.ssg`),
//!   asked by request, completion and withdrawal date so that a claim asked before the
//!   window still shows how it ends. Each at most 7 days per request (split here).
//! - Settlements: 위수탁 마감 리스트 (`/api/settle/v1/ven/sales/list.ssg`), one 기준일 a call.
//! - Inquiries: unanswered product Q&A (`/api/postng/qnaList.ssg`). SSG lists only
//!   unanswered questions; every complete listing is handed to the store as
//!   [`OpenInquiries`], which marks the stored ones it no longer shows answered.
//! - Reviews: no API in the whole catalogue.
//!
//! None of the listings is paged (no public client pages them and no paging parameter is
//! documented): each answer holds every row of its period.

pub mod api;
pub mod auth;
pub mod limits;
pub mod normalize;

use super::day_chunks;
use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span, parse_credentials, rows};
use crate::error::CollectError;
use crate::http::{Call, Reply, Verdict};
use crate::model::{
    Claim, InquiryChannel, Kind, Market, OpenClaims, OpenInquiries, RawJson, Records, Rejected,
    Window, kst,
};
use async_trait::async_trait;
use auth::Credentials;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

pub static SPEC: MarketSpec = MarketSpec {
    market: Market::Ssg,
    base_url: "https://eapi.ssgadm.com",
    plans: &[
        // The stage listings file an order under its order (payment) day while its stage
        // keeps moving: re-read 7 days every run. A 7-day lookback touches 8 KST days: one
        // window, one request per stage, and five claim listings per 7 days of it.
        KindPlan {
            kind: Kind::Orders,
            span: Span::KstDays(8),
            // listNonDelivery documents 180 days; one client notes the same for
            // listShppDirection.
            max_range: Some(Span::KstDays(180)),
            lookback: Duration::days(7),
            backfill: Duration::days(7),
            max_history: Duration::days(180),
        },
        // One 기준일 per call; closings of recent days are re-read for late lines.
        KindPlan {
            kind: Kind::Settlements,
            span: Span::KstDays(7),
            max_range: None,
            lookback: Duration::days(3),
            backfill: Duration::days(7),
            max_history: Duration::days(365),
        },
        // Only unanswered questions are listed, so each run lists the last 30 days: a
        // question that drops out of that listing is recorded as answered. (An inquiry still
        // open after 30 days stays open in the store until a longer run lists its days.)
        KindPlan {
            kind: Kind::Inquiries,
            span: Span::KstDays(31),
            // qnaList documents no maximum period.
            max_range: None,
            lookback: Duration::days(30),
            backfill: Duration::days(30),
            max_history: Duration::days(180),
        },
    ],
    not_by_api: &[(Kind::Reviews, "no review API in SSG's API catalogue")],
    // SSG documents no throttle answer: HTTP 429, and a `resultCode` 429 envelope on 200.
    throttles: &["429", "result-429"],
    limits: limits::LIMITS,
    connect,
};

/// The claim listings accept at most 7 days per request (documented for cancel requests,
/// stated for the pick-ups by one client; assumed for cancelled lines, whose clients read
/// 1-6 days).
pub const CLAIM_DAYS: i64 = 7;
/// The stage listings accept at most 180 days per request.
pub const STAGE_DAYS: i64 = 180;

const EP_CANCELS: &str = "/api/claim/v2/cancel/requests";
const EP_CANCELLED: &str = "/api/clm/cncl/ord/inquiry.ssg";
const EP_RECOVERY: &str = "/api/pd/1/listExchangeTarget.ssg";
/// The pick-ups are asked by three dates (`perdType`): 01 회수지시일 (requested), 02
/// 회수완료일 (completed), 05 회수철회일 (withdrawn).
const RECOVERY_PERIODS: [&str; 3] = ["01", "02", "05"];
const EP_SETTLE: &str = "/api/settle/v1/ven/sales/list.ssg";
const EP_QNA: &str = "/api/postng/qnaList.ssg";

fn connect(ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    let creds: Credentials = parse_credentials(Market::Ssg, &ctx.credentials)?;
    let key = creds.header_value()?;
    let base = ctx.base_url(&SPEC).to_string();
    Ok(Box::new(Ssg { ctx, key, base }))
}

struct Ssg {
    ctx: ConnectCtx,
    /// The `Authorization` value (marked sensitive: never logged).
    key: reqwest::header::HeaderValue,
    base: String,
}

/// How one request is sent.
enum Req<'a> {
    Get(&'a [(&'a str, String)]),
    PostJson(&'a Value),
}

/// SSG's answers judged. HTTP first (429 throttles, 401/403 the key or the IP, 5xx
/// passing), then, on 200, the `result` envelope: `"00"` is success, a throttle code or
/// message backs off, an authentication message is the key, anything else is a refusal
/// naming SSG's own `resultDesc` (it names parameters and periods, not buyers).
pub fn judge(endpoint: &str, reply: &Reply) -> Verdict {
    let status = reply.status.as_u16();
    let head = serde_json::from_slice::<api::Envelope>(&reply.body)
        .ok()
        .map(|e| api::Head::of(&e.result));
    let desc = head
        .as_ref()
        .and_then(|h| h.result_desc.clone().or_else(|| h.result_message.clone()))
        .unwrap_or_default();
    let detail = |prefix: String| {
        if desc.is_empty() {
            prefix
        } else {
            format!("{prefix}: {}", desc.chars().take(200).collect::<String>())
        }
    };
    match status {
        429 => {
            return Verdict::Throttled {
                retry_after: reply.retry_after(),
            };
        }
        401 | 403 if mentions_ip(&desc) => {
            return Verdict::Fail(CollectError::IpNotWhitelisted {
                market: Market::Ssg,
                detail: detail(format!("HTTP {status}")),
            });
        }
        401 | 403 => {
            return Verdict::Fail(CollectError::CredentialsRejected {
                market: Market::Ssg,
                detail: detail(format!(
                    "HTTP {status}; check the 업체 인증키 in 파트너오피스 → API관리 (status must be 인증)"
                )),
            });
        }
        s if s >= 500 => return Verdict::Transient(format!("HTTP {s}")),
        s if !reply.status.is_success() => {
            return Verdict::Fail(CollectError::Rejected {
                market: Market::Ssg,
                endpoint: endpoint.to_string(),
                detail: detail(format!("HTTP {s}")),
            });
        }
        _ => {}
    }
    // A body that does not read is for the caller's parser (or the cut-off check).
    let Some(head) = head else {
        return Verdict::Done;
    };
    if head.ok() {
        return Verdict::Done;
    }
    let code = head.result_code.clone().unwrap_or_default();
    if is_throttle(&code, &desc) {
        return Verdict::Throttled {
            retry_after: reply.retry_after(),
        };
    }
    if mentions_ip(&desc) {
        return Verdict::Fail(CollectError::IpNotWhitelisted {
            market: Market::Ssg,
            detail: detail(format!("resultCode {code}")),
        });
    }
    if code == "401" || desc.contains("인증") {
        return Verdict::Fail(CollectError::CredentialsRejected {
            market: Market::Ssg,
            detail: detail(format!("resultCode {code}")),
        });
    }
    Verdict::Fail(CollectError::Rejected {
        market: Market::Ssg,
        endpoint: endpoint.to_string(),
        detail: detail(format!("resultCode {code}")),
    })
}

/// A throttle in SSG's envelope: code 429, or a message about exceeding the call limit
/// (호출 한도/허용량 초과).
pub fn is_throttle(code: &str, desc: &str) -> bool {
    code == "429"
        || (desc.contains("초과") && (desc.contains("호출") || desc.contains("요청")))
        || desc.to_ascii_lowercase().contains("too many")
}

fn mentions_ip(desc: &str) -> bool {
    let lower = desc.to_ascii_lowercase();
    lower.contains(" ip") || lower.starts_with("ip") || desc.contains("아이피")
}

/// Where each listing's rows keep their own id, for a rejected row's key.
const ID_LINE: &[&str] = &["/ordNo", "/ordItemSeq"];
const ID_SETTLE: &[&str] = &["/critnDt", "/ordNo", "/ordItemSeq"];
const ID_QNA: &[&str] = &["/postngId"];

/// Every row of a listing read on its own; a rejected row's key joins all of
/// `id_fields` that read (an order line is its order and line number).
fn read_rows<T: serde::de::DeserializeOwned>(
    endpoint: &str,
    rows: Vec<RawJson>,
    id_fields: &[&str],
) -> (Vec<(T, RawJson)>, Vec<Rejected>) {
    let (read, mut rejected) = rows::read_all::<T>(endpoint, rows, &[]);
    for r in &mut rejected {
        let parts: Vec<String> = id_fields
            .iter()
            .map(|f| rows::key_of(&r.raw, &[*f]))
            .collect();
        r.key.record_key = parts.join("-");
    }
    (read, rejected)
}

impl Ssg {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One request on the egress IP's budget, judged, read as `T`, counted as a page.
    async fn send<T: DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        req: Req<'_>,
    ) -> Result<T, CollectError> {
        let call = Call {
            market: Market::Ssg,
            endpoint,
            key: limits::key(),
            rate: limits::RATE_PER_EGRESS_IP,
        };
        let url = self.url(endpoint);
        let client = self.ctx.http.client();
        let answer = self
            .ctx
            .http
            .execute_json(&self.ctx.meter, &call, &|r| judge(endpoint, r), &|| {
                let rb = match &req {
                    Req::Get(q) => client.get(&url).query(q),
                    Req::PostJson(body) => client.post(&url).json(body),
                };
                Ok(rb
                    .header(reqwest::header::AUTHORIZATION, self.key.clone())
                    .header(reqwest::header::ACCEPT, "application/json"))
            })
            .await?;
        self.ctx.meter.page();
        Ok(answer)
    }

    /// The `result` object of one answer.
    async fn result(
        &self,
        endpoint: &'static str,
        req: Req<'_>,
    ) -> Result<Map<String, Value>, CollectError> {
        let page: api::Envelope = self.send(endpoint, req).await?;
        Ok(page.result)
    }

    /// `result[list]`'s rows as sent, or the page as a format change.
    async fn listing(
        &self,
        endpoint: &'static str,
        req: Req<'_>,
        list: &str,
        row: &str,
    ) -> Result<Vec<RawJson>, CollectError> {
        let result = self.result(endpoint, req).await?;
        api::rows(&result, list, row).map_err(|detail| CollectError::FormatChanged {
            market: Market::Ssg,
            endpoint: endpoint.to_string(),
            detail,
            page_ref: "(not stored)".into(),
            raw: crate::error::RawPage(std::sync::Arc::from(
                serde_json::to_vec(&result).unwrap_or_default().as_slice(),
            )),
        })
    }

    /// One stage listing for the order days `[first, last]`.
    async fn stage_rows(
        &self,
        stage: &'static normalize::Stage,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<RawJson>, CollectError> {
        let mut body = Map::new();
        body.insert(
            stage.request.to_string(),
            json!({
                "perdType": stage.perd_type,
                "perdStrDts": ymd(first),
                "perdEndDts": ymd(last),
            }),
        );
        let body = Value::Object(body);
        self.listing(stage.endpoint, Req::PostJson(&body), stage.list, stage.row)
            .await
    }

    /// One claim listing's rows read and normalized.
    fn claims_of<T: serde::de::DeserializeOwned>(
        endpoint: &str,
        rows: Vec<RawJson>,
        normalize: impl Fn(&str, &T, &RawJson) -> Result<Claim, Rejected>,
    ) -> Records {
        let (read, rejected) = read_rows::<T>(endpoint, rows, ID_LINE);
        let mut out = Records {
            rejected,
            ..Records::default()
        };
        rows::normalize_each(
            &read,
            |row, raw| normalize(endpoint, row, raw),
            &mut out.claims,
            &mut out.rejected,
        );
        out
    }

    /// Every claim the listings hold for the days `[first, last]` (at most [`CLAIM_DAYS`]):
    /// open cancel requests, then cancelled lines, then pick-ups by request, completion and
    /// withdrawal date (a claim read twice keeps its later reading).
    async fn claims(&self, first: NaiveDate, last: NaiveDate) -> Result<Records, CollectError> {
        let query = [("perdStrDts", ymd(first)), ("perdEndDts", ymd(last))];
        let requests = self.listing(EP_CANCELS, Req::Get(&query), "resultData", "resultData");
        let body = json!({"request": {"perdStrDts": ymd(first), "perdEndDts": ymd(last)}});
        let cancelled = self.listing(EP_CANCELLED, Req::PostJson(&body), "data", "data");
        let bodies: Vec<Value> = RECOVERY_PERIODS
            .iter()
            .map(|perd_type| {
                json!({"requestExchangeTarget": {
                    "perdType": perd_type,
                    "perdStrDts": ymd(first),
                    "perdEndDts": ymd(last),
                    "shppDivDtlCds": "21,22",
                }})
            })
            .collect();
        let recoveries = futures::future::try_join_all(bodies.iter().map(|body| {
            self.listing(
                EP_RECOVERY,
                Req::PostJson(body),
                "exchangeTargets",
                "exchangeTarget",
            )
        }));
        let (requests, cancelled, recoveries) =
            futures::try_join!(requests, cancelled, recoveries)?;
        let mut out = Self::claims_of(EP_CANCELS, requests, normalize::cancel_request);
        // The listing holds open requests only and drops a withdrawn one without a word:
        // read whole, it tells the store which stored requests of these days are gone.
        if out.rejected.is_empty() {
            out.open_claims.push(OpenClaims {
                raw_status: normalize::CANCEL_REQUESTED.to_string(),
                closed_raw_status: normalize::CANCEL_LEFT_OPEN_LIST.to_string(),
                requested: Window::of_kst_days(first, last),
            });
        }
        out.extend(Self::claims_of(
            EP_CANCELLED,
            cancelled,
            normalize::cancelled,
        ));
        for rows in recoveries {
            out.extend(Self::claims_of(EP_RECOVERY, rows, normalize::recovery));
        }
        Ok(out)
    }

    async fn orders(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        // In flow order, one after the other: a line that moves on between two reads is
        // found by the later one (stages only move forward).
        let stages = async {
            let mut lines = Vec::new();
            let mut rejected = Vec::new();
            for (i, stage) in normalize::STAGES.iter().enumerate() {
                let rows = self.stage_rows(stage, first, last).await?;
                let (read, bad) = read_rows::<api::ShppRow>(stage.endpoint, rows, ID_LINE);
                lines.extend(read.into_iter().map(|(row, raw)| (i, row, raw)));
                rejected.extend(bad);
            }
            Ok::<_, CollectError>((lines, rejected))
        };
        let claims = futures::future::try_join_all(
            day_chunks(first, last, CLAIM_DAYS)
                .into_iter()
                .map(|(a, b)| self.claims(a, b)),
        );
        let ((lines, rejected), claims) = futures::try_join!(stages, claims)?;
        let mut out = Records::default();
        for c in claims {
            out.extend(c);
        }
        // A claim listed by two overlapping chunks is one claim; keep the one read last.
        let mut seen = std::collections::HashSet::new();
        out.claims.reverse();
        out.claims.retain(|c| seen.insert(c.claim_id.clone()));
        out.claims.reverse();
        out.rejected.extend(rejected);
        let (orders, bad) = normalize::orders(lines);
        out.orders = orders;
        out.rejected.extend(bad);
        Ok(out)
    }

    async fn settle_day(&self, day: NaiveDate) -> Result<Records, CollectError> {
        let query = [("critnDt", ymd(day))];
        let result = self.result(EP_SETTLE, Req::Get(&query)).await?;
        let rows = api::rows(&result, "resultData", "resultData").map_err(|detail| {
            CollectError::FormatChanged {
                market: Market::Ssg,
                endpoint: EP_SETTLE.to_string(),
                detail,
                page_ref: "(not stored)".into(),
                raw: crate::error::RawPage(std::sync::Arc::from(&b""[..])),
            }
        })?;
        let (read, rejected) = read_rows::<api::SettleRow>(EP_SETTLE, rows, ID_SETTLE);
        let mut out = Records {
            rejected,
            ..Records::default()
        };
        rows::normalize_each(
            &read,
            |row, raw| normalize::settlement(EP_SETTLE, row, raw),
            &mut out.settlements,
            &mut out.rejected,
        );
        Ok(out)
    }

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

    /// The unanswered product Q&A asked in the window. Only a listing whose every row read
    /// is complete: then it says which stored questions are still open.
    async fn inquiries(&self, window: Window) -> Result<Records, CollectError> {
        let body = json!({
            "postngReq": {
                "qnaStartDt": minute(window.from),
                // Inclusive to the minute: the window's last minute.
                "qnaEndDt": minute(window.to - Duration::minutes(1)),
            }
        });
        let rows = self
            .listing(EP_QNA, Req::PostJson(&body), "postngList", "postng")
            .await?;
        let (read, rejected) = read_rows::<api::QnaRow>(EP_QNA, rows, ID_QNA);
        let mut out = Records {
            rejected,
            ..Records::default()
        };
        rows::normalize_each(
            &read,
            |row, raw| normalize::qna(EP_QNA, row, raw),
            &mut out.inquiries,
            &mut out.rejected,
        );
        if out.rejected.is_empty() {
            out.open_inquiries.push(OpenInquiries {
                channel: InquiryChannel::Product,
                asked: window,
            });
        }
        Ok(out)
    }
}

/// One rejected row read again, by the listing it came from.
fn reread(rejected: &Rejected) -> Result<Records, String> {
    let raw = &rejected.raw;
    let endpoint = rejected.key.endpoint.as_str();
    let mut out = Records::default();
    let kept = |r: Rejected| r.reason;
    if let Some(i) = normalize::STAGES
        .iter()
        .position(|s| s.endpoint == endpoint)
    {
        let row: api::ShppRow = rows::read(raw)?;
        let (orders, mut bad) = normalize::orders(vec![(i, row, raw.clone())]);
        if let Some(r) = bad.pop() {
            return Err(kept(r));
        }
        out.orders = orders;
        return Ok(out);
    }
    match endpoint {
        EP_CANCELS => {
            let row: api::CancelRow = rows::read(raw)?;
            out.claims
                .push(normalize::cancel_request(endpoint, &row, raw).map_err(kept)?);
        }
        EP_CANCELLED => {
            let row: api::CancelledRow = rows::read(raw)?;
            out.claims
                .push(normalize::cancelled(endpoint, &row, raw).map_err(kept)?);
        }
        EP_RECOVERY => {
            let row: api::RecoveryRow = rows::read(raw)?;
            out.claims
                .push(normalize::recovery(endpoint, &row, raw).map_err(kept)?);
        }
        EP_SETTLE => {
            let row: api::SettleRow = rows::read(raw)?;
            out.settlements
                .push(normalize::settlement(endpoint, &row, raw).map_err(kept)?);
        }
        EP_QNA => {
            let row: api::QnaRow = rows::read(raw)?;
            out.inquiries
                .push(normalize::qna(endpoint, &row, raw).map_err(kept)?);
        }
        other => return Err(format!("no reader for rows of {other}")),
    }
    Ok(out)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// `yyyyMMddHHmm` in KST.
fn minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst()).format("%Y%m%d%H%M").to_string()
}

#[async_trait]
impl Connector for Ssg {
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError> {
        match kind {
            Kind::Orders => self.orders(window).await,
            Kind::Settlements => self.settlements(window).await,
            Kind::Inquiries => self.inquiries(window).await,
            Kind::Reviews => Err(CollectError::InvalidInput("ssg has no review API".into())),
        }
    }

    fn reread(&self, _kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        reread(rejected)
    }

    /// Today's shipping directions: one cheap call, refused exactly when the key or the
    /// IP is wrong.
    async fn verify(&self) -> Result<(), CollectError> {
        let today = Utc::now().with_timezone(&kst()).date_naive();
        self.stage_rows(&normalize::STAGES[0], today, today).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
