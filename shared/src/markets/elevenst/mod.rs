//! 11st (11번가) seller Open API (shared/markets/11st.md): one static key per seller in the
//! `openapikey` header, XML answers in EUC-KR, every list whole in one answer (no paging),
//! and no change feed.
//!
//! - Orders: every order state list (결제대기 ... 판매완료) and every claim list (cancel,
//!   return and exchange: requested, completed, withdrawn; 직권취소) for the window, all at
//!   once. The lists select by order date, at most 7 days per request; each run re-reads
//!   the last 7 days, so a status change of any order up to 7 days old is seen in the
//!   next cycle.
//! - Settlements: `settlement/settlementList` by day (`YYYYMMDD`, at most 31 days).
//! - Inquiries: 상품 Q&A (`prodqnalist`, at most 7 days), 긴급알리미 (`getalimilist`) and
//!   상품미도착 신고 (`nondeliverylist`). Reviews: no API.
//! - Errors: `<AuthMessage>` (HTTP 500) is the gateway refusing the call (`-997`: the path
//!   and method are not a registered API); a wrong key and a too-long range are answered
//!   inside the list's own envelope with a `result_code`, often with HTTP 200.

pub mod api;
pub mod auth;
pub mod limits;
pub mod normalize;

use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span, parse_credentials, rows};
use crate::error::{CollectError, RawPage};
use crate::http::{Call, Reply, Verdict};
use crate::model::{Kind, Market, Records, Rejected, Window, kst};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use normalize::ListedLine;
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub static SPEC: MarketSpec = MarketSpec {
    market: Market::Elevenst,
    base_url: "https://api.11st.co.kr/rest",
    plans: &[
        // The state lists take yyyyMMddHHmm and refuse 8 days or more (-3105, -3305,
        // -3904); there is no change feed, so the whole week is polled again every run.
        KindPlan {
            kind: Kind::Orders,
            span: Span::Hours(7 * 24),
            max_range: Some(Span::Hours(7 * 24)),
            lookback: Duration::days(7),
            backfill: Duration::days(7),
            // Not documented; half a year is 26 weekly windows of 18 lists.
            max_history: Duration::days(180),
        },
        // settlementList takes YYYYMMDD, at most 31 days (result_code 2 beyond). Sales are
        // settled on purchase confirmation; the week is read again for late ones.
        KindPlan {
            kind: Kind::Settlements,
            span: Span::KstDays(7),
            max_range: Some(Span::KstDays(31)),
            lookback: Duration::days(3),
            backfill: Duration::days(7),
            max_history: Duration::days(365),
        },
        // prodqnalist takes YYYYMMDD, at most 7 days (result_code 500 beyond); answers
        // arrive on older questions, so the week is re-read.
        KindPlan {
            kind: Kind::Inquiries,
            span: Span::KstDays(7),
            max_range: Some(Span::KstDays(7)),
            lookback: Duration::days(7),
            backfill: Duration::days(7),
            max_history: Duration::days(180),
        },
    ],
    not_by_api: &[(Kind::Reviews, "no review API in 11st's Open API catalog")],
    // No throttle answer is documented: HTTP 429 and 503 are what a gateway answers.
    throttles: &["429", "503"],
    limits: limits::LIMITS,
    connect,
};

/// One seller's 11st key, issued in the OPEN API CENTER for the fleet's egress IP.
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

/// The order state lists and their endpoints, in [`normalize::ORDER_LISTS`] order.
pub const ORDER_ENDPOINTS: &[(&str, &str)] = &[
    ("standby", "/ordservices/standby/{startTime}/{endTime}"),
    ("complete", "/ordservices/complete/{startTime}/{endTime}"),
    (
        "delvplacestandby",
        "/ordservices/delvplacestandby/{startTime}/{endTime}",
    ),
    (
        "reservatecomplete",
        "/ordservices/reservatecomplete/{startTime}/{endTime}",
    ),
    ("packaging", "/ordservices/packaging/{startTime}/{endTime}"),
    ("shipping", "/ordservices/shipping/{startTime}/{endTime}"),
    (
        "dlvcompleted",
        "/ordservices/dlvcompleted/{startTime}/{endTime}",
    ),
    ("completed", "/ordservices/completed/{startTime}/{endTime}"),
];

/// The claim lists and their endpoints, in [`normalize::CLAIM_LISTS`] order.
pub const CLAIM_ENDPOINTS: &[(&str, &str)] = &[
    (
        "cancelorders",
        "/claimservice/cancelorders/{startTime}/{endTime}",
    ),
    (
        "canceledorders",
        "/claimservice/canceledorders/{startTime}/{endTime}",
    ),
    (
        "withdrawcanceledorders",
        "/claimservice/withdrawcanceledorders/{startTime}/{endTime}",
    ),
    (
        "officecancellist",
        "/claimservice/officecancellist/{startTime}/{endTime}",
    ),
    (
        "returnorders",
        "/claimservice/returnorders/{startTime}/{endTime}",
    ),
    (
        "returnedorders",
        "/claimservice/returnedorders/{startTime}/{endTime}",
    ),
    (
        "retractretorders",
        "/claimservice/retractretorders/{startTime}/{endTime}",
    ),
    (
        "exchangeorders",
        "/claimservice/exchangeorders/{startTime}/{endTime}",
    ),
    (
        "exchangedorders",
        "/claimservice/exchangedorders/{startTime}/{endTime}",
    ),
    (
        "retractexcorders",
        "/claimservice/retractexcorders/{startTime}/{endTime}",
    ),
];

const EP_SETTLEMENTS: &str = "/settlement/settlementList/{startTime}/{endTime}";
const EP_QNA: &str = "/prodqnaservices/prodqnalist/{startTime}/{endTime}/{answerStatus}";
const EP_ALIMI: &str = "/alimi/getalimilist/{startTime}/{endTime}/{emerNtceCrntCd}/{orderNo}";
const EP_NON_DELIVERY: &str = "/nondeliverys/nondeliverylist/{shDateType}/{shDateFrom}/{shDateTo}";

/// Every answer status of the Q&A list (`00`), every state of the alimi list (`00`) and
/// every order (`0`): the lists' "all" values.
const QNA_ALL: &str = "00";
const ALIMI_ALL_STATES: &str = "00";
const ALIMI_ALL_ORDERS: &str = "0";
/// 상품미도착 신고 by report date.
const NON_DELIVERY_BY_REPORT: &str = "01";

/// Where each list's rows keep their own id, for a rejected row's key.
const ID_LINE: &[&str] = &["/ordNo"];
const ID_SETTLEMENT: &[&str] = &["/ordNo"];
const ID_QNA: &[&str] = &["/brdInfoNo"];
const ID_ALIMI: &[&str] = &["/emerNtceSeq"];
const ID_NON_DELIVERY: &[&str] = &["/rptNo"];

fn connect(ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    let creds: Credentials = parse_credentials(Market::Elevenst, &ctx.credentials)?;
    let key = auth::header_value(&creds.api_key)
        .map_err(|why| CollectError::InvalidInput(format!("11st credentials: `api_key`: {why}")))?;
    if creds.api_key.trim().is_empty() {
        return Err(CollectError::InvalidInput(
            "11st credentials: `api_key` must not be empty".into(),
        ));
    }
    let base = ctx.base_url(&SPEC).to_string();
    Ok(Box::new(Elevenst { ctx, key, base }))
}

/// `yyyyMMddHHmm` in KST, the order and claim lists' time format.
pub fn minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst()).format("%Y%m%d%H%M").to_string()
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The order and claim lists' `{startTime}/{endTime}` for `[from, to)`: both ends are
/// whole minutes and inclusive, so the end is the minute before `to`.
pub fn minute_range(w: &Window) -> (String, String) {
    let last = (w.to - Duration::seconds(1)).max(w.from);
    (minute(w.from), minute(last))
}

/// The key message 11st answers a wrong key with ("OpenAPI Key 에 해당하는 유저가 없습니다").
fn is_key_message(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("openapi key") || t.contains("api key") || text.contains("유저가 없")
}

fn is_ip_message(text: &str) -> bool {
    text.contains("IP") && (text.contains("허용") || text.contains("등록") || text.contains("차단"))
}

/// 11st's answers judged: 429 and 503 are throttles; an `<AuthMessage>` is the gateway
/// refusing the call (a wrong key, an unregistered IP, `-997` an unregistered path); other
/// 5xx pass; a page cut off before its root closes is a transport fault.
pub fn judge(endpoint: &str, reply: &Reply) -> Verdict {
    let status = reply.status.as_u16();
    match status {
        429 | 503 => {
            return Verdict::Throttled {
                retry_after: reply.retry_after(),
            };
        }
        200..=299 if !api::is_whole(&reply.body) => {
            return Verdict::CutOff;
        }
        200..=299 => return Verdict::Done,
        _ => {}
    }
    let text = api::decode(&reply.body, content_type(reply)).unwrap_or_default();
    if let Some(auth) = api::auth_message(&text) {
        return Verdict::Fail(refusal(
            endpoint,
            auth.result_code.as_deref().unwrap_or(""),
            auth.result_message.as_deref().unwrap_or(""),
        ));
    }
    match status {
        401 => Verdict::Fail(CollectError::CredentialsRejected {
            market: Market::Elevenst,
            detail: "HTTP 401".into(),
        }),
        403 => Verdict::Fail(CollectError::IpNotWhitelisted {
            market: Market::Elevenst,
            detail: "HTTP 403".into(),
        }),
        s if s >= 500 => Verdict::Transient(format!("HTTP {s}")),
        s => Verdict::Fail(CollectError::Rejected {
            market: Market::Elevenst,
            endpoint: endpoint.to_string(),
            detail: format!("HTTP {s}"),
        }),
    }
}

/// What a refusal (an `<AuthMessage>` or an error `result_code`) means. 11st's messages
/// name parameters and limits, never buyers; kept short.
fn refusal(endpoint: &str, code: &str, message: &str) -> CollectError {
    let said: String = message.chars().take(200).collect();
    if is_key_message(message) {
        return CollectError::CredentialsRejected {
            market: Market::Elevenst,
            detail: format!(
                "result code {code}: the key is not an 11st Open API key; check it in the OPEN API CENTER (서비스 등록·확인)"
            ),
        };
    }
    if is_ip_message(message) {
        return CollectError::IpNotWhitelisted {
            market: Market::Elevenst,
            detail: format!("result code {code}: {said}"),
        };
    }
    let detail = if code == "-997" {
        format!("result code -997, the path and method are not a registered 11st API: {said}")
    } else {
        format!("result code {code}: {said}")
    };
    CollectError::Rejected {
        market: Market::Elevenst,
        endpoint: endpoint.to_string(),
        detail,
    }
}

fn content_type(reply: &Reply) -> Option<&str> {
    reply
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// A page whose content does not read: the raw page is kept.
fn unreadable(endpoint: &str, detail: String, body: &[u8]) -> CollectError {
    CollectError::FormatChanged {
        market: Market::Elevenst,
        endpoint: endpoint.to_string(),
        detail,
        page_ref: "(not stored)".into(),
        raw: RawPage(std::sync::Arc::from(body)),
    }
}

/// Rows of one list, read, and those that did not read.
struct Read<T> {
    rows: Vec<(T, crate::model::RawJson)>,
    rejected: Vec<Rejected>,
}

struct Elevenst {
    ctx: ConnectCtx,
    key: reqwest::header::HeaderValue,
    base: String,
}

impl Elevenst {
    /// One GET of a documented path, paced on the fleet's IP bucket, judged, counted as a
    /// page, decoded and its envelope checked.
    async fn list(&self, endpoint: &'static str, path: &str) -> Result<api::Page, CollectError> {
        let url = format!("{}{path}", self.base);
        let call = Call {
            market: Market::Elevenst,
            endpoint,
            key: limits::key(),
            rate: limits::RATE_PER_IP,
        };
        let client = self.ctx.http.client();
        let reply = self
            .ctx
            .http
            .execute(&self.ctx.meter, &call, &|r| judge(endpoint, r), &|| {
                Ok(client
                    .get(&url)
                    .header(auth::HEADER, self.key.clone())
                    .header(reqwest::header::ACCEPT, "application/xml"))
            })
            .await?;
        self.ctx.meter.page();
        let text = api::decode(&reply.body, content_type(&reply))
            .map_err(|why| unreadable(endpoint, why, &reply.body))?;
        if let Some(auth) = api::auth_message(&text) {
            return Err(refusal(
                endpoint,
                auth.result_code.as_deref().unwrap_or(""),
                auth.result_message.as_deref().unwrap_or(""),
            ));
        }
        let page = api::page(&text).map_err(|e| unreadable(endpoint, e.0, &reply.body))?;
        match page.result_code.as_deref() {
            None | Some("" | "0" | "200") => Ok(page),
            Some(code) => {
                let text = page.result_text.as_deref().unwrap_or("");
                // `-1` "해당 건이 없습니다." is how the claim lists say "nothing".
                if code == "-1" && !is_key_message(text) && page.rows.is_empty() {
                    Ok(page)
                } else {
                    Err(refusal(endpoint, code, text))
                }
            }
        }
    }

    async fn rows<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: &str,
        id_fields: &[&str],
    ) -> Result<Read<T>, CollectError> {
        let page = self.list(endpoint, path).await?;
        let (rows, rejected) = rows::read_all(endpoint, page.rows, id_fields);
        Ok(Read { rows, rejected })
    }

    async fn order_list(
        &self,
        list: &'static str,
        endpoint: &'static str,
        from: &str,
        to: &str,
    ) -> Result<(Vec<ListedLine>, Vec<Rejected>), CollectError> {
        let path = format!("/ordservices/{list}/{from}/{to}");
        let read = self
            .rows::<api::OrderLine>(endpoint, &path, ID_LINE)
            .await?;
        let lines = read
            .rows
            .into_iter()
            .map(|(row, raw)| ListedLine {
                list,
                endpoint,
                row,
                raw,
            })
            .collect();
        Ok((lines, read.rejected))
    }

    async fn claim_list(
        &self,
        list: &'static str,
        endpoint: &'static str,
        from: &str,
        to: &str,
    ) -> Result<Records, CollectError> {
        let path = format!("/claimservice/{list}/{from}/{to}");
        let read = self
            .rows::<api::ClaimLine>(endpoint, &path, ID_LINE)
            .await?;
        let mut out = Records {
            rejected: read.rejected,
            ..Records::default()
        };
        for (row, raw) in &read.rows {
            match normalize::claim(list, endpoint, row, raw) {
                Ok(c) => out.claims.push(c),
                Err(r) => out.rejected.push(r),
            }
        }
        Ok(out)
    }

    async fn orders(&self, window: Window) -> Result<Records, CollectError> {
        let (from, to) = minute_range(&window);
        let states = futures::future::try_join_all(
            ORDER_ENDPOINTS
                .iter()
                .map(|&(list, ep)| self.order_list(list, ep, &from, &to)),
        );
        let claims = futures::future::try_join_all(
            CLAIM_ENDPOINTS
                .iter()
                .map(|&(list, ep)| self.claim_list(list, ep, &from, &to)),
        );
        let (states, claims) = futures::try_join!(states, claims)?;
        let mut out = Records::default();
        let mut lines = Vec::new();
        for (l, rejected) in states {
            lines.extend(l);
            out.rejected.extend(rejected);
        }
        let (orders, rejected) = normalize::orders(lines);
        out.orders = orders;
        out.rejected.extend(rejected);
        let mut claims_by_id = std::collections::BTreeMap::new();
        for r in claims {
            out.rejected.extend(r.rejected);
            for c in r.claims {
                // A claim read from two lists (it moved between two calls): the later one.
                let rank = normalize::claim_rank(&c.raw_status);
                match claims_by_id.get(&c.claim_id) {
                    Some((kept, _)) if *kept > rank => {}
                    _ => {
                        claims_by_id.insert(c.claim_id.clone(), (rank, c));
                    }
                }
            }
        }
        out.claims = claims_by_id.into_values().map(|(_, c)| c).collect();
        Ok(out)
    }

    async fn settlements(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let path = format!("/settlement/settlementList/{}/{}", ymd(first), ymd(last));
        let read = self
            .rows::<api::SettlementLine>(EP_SETTLEMENTS, &path, ID_SETTLEMENT)
            .await?;
        let mut out = Records {
            rejected: read.rejected,
            ..Records::default()
        };
        rows::normalize_each(
            &read.rows,
            |row, raw| normalize::settlement(EP_SETTLEMENTS, row, raw),
            &mut out.settlements,
            &mut out.rejected,
        );
        Ok(out)
    }

    async fn inquiries(&self, window: Window) -> Result<Records, CollectError> {
        let (first, last) = window.kst_dates();
        let (from, to) = (ymd(first), ymd(last));
        let qna_path = format!("/prodqnaservices/prodqnalist/{from}/{to}/{QNA_ALL}");
        let alimi_path =
            format!("/alimi/getalimilist/{from}/{to}/{ALIMI_ALL_STATES}/{ALIMI_ALL_ORDERS}");
        let nd_path = format!("/nondeliverys/nondeliverylist/{NON_DELIVERY_BY_REPORT}/{from}/{to}");
        let (qna, alimi, nd) = futures::try_join!(
            self.rows::<api::ProductQna>(EP_QNA, &qna_path, ID_QNA),
            self.rows::<api::Alimi>(EP_ALIMI, &alimi_path, ID_ALIMI),
            self.rows::<api::NonDelivery>(EP_NON_DELIVERY, &nd_path, ID_NON_DELIVERY),
        )?;
        let mut out = Records::default();
        out.rejected.extend(qna.rejected);
        out.rejected.extend(alimi.rejected);
        out.rejected.extend(nd.rejected);
        rows::normalize_each(
            &qna.rows,
            |row, raw| normalize::product_qna(EP_QNA, row, raw),
            &mut out.inquiries,
            &mut out.rejected,
        );
        rows::normalize_each(
            &alimi.rows,
            |row, raw| normalize::alimi(EP_ALIMI, row, raw),
            &mut out.inquiries,
            &mut out.rejected,
        );
        rows::normalize_each(
            &nd.rows,
            |row, raw| normalize::non_delivery(EP_NON_DELIVERY, row, raw),
            &mut out.inquiries,
            &mut out.rejected,
        );
        Ok(out)
    }
}

/// One rejected row read again, by the list it came from.
fn reread(rejected: &Rejected) -> Result<Records, String> {
    let raw = &rejected.raw;
    let endpoint = rejected.key.endpoint.as_str();
    let mut out = Records::default();
    let kept = |r: Rejected| r.reason;
    if let Some(&(list, ep)) = ORDER_ENDPOINTS.iter().find(|(_, ep)| *ep == endpoint) {
        let row: api::OrderLine = rows::read(raw)?;
        let (orders, mut rejected) = normalize::orders(vec![ListedLine {
            list,
            endpoint: ep,
            row,
            raw: raw.clone(),
        }]);
        if let Some(r) = rejected.pop() {
            return Err(kept(r));
        }
        out.orders = orders;
        return Ok(out);
    }
    if let Some(&(list, _)) = CLAIM_ENDPOINTS.iter().find(|(_, ep)| *ep == endpoint) {
        let row: api::ClaimLine = rows::read(raw)?;
        out.claims
            .push(normalize::claim(list, endpoint, &row, raw).map_err(kept)?);
        return Ok(out);
    }
    match endpoint {
        EP_SETTLEMENTS => {
            let row: api::SettlementLine = rows::read(raw)?;
            out.settlements
                .push(normalize::settlement(endpoint, &row, raw).map_err(kept)?);
        }
        EP_QNA => {
            let row: api::ProductQna = rows::read(raw)?;
            out.inquiries
                .push(normalize::product_qna(endpoint, &row, raw).map_err(kept)?);
        }
        EP_ALIMI => {
            let row: api::Alimi = rows::read(raw)?;
            out.inquiries
                .push(normalize::alimi(endpoint, &row, raw).map_err(kept)?);
        }
        EP_NON_DELIVERY => {
            let row: api::NonDelivery = rows::read(raw)?;
            out.inquiries
                .push(normalize::non_delivery(endpoint, &row, raw).map_err(kept)?);
        }
        other => return Err(format!("no reader for rows of {other}")),
    }
    Ok(out)
}

#[async_trait]
impl Connector for Elevenst {
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError> {
        match kind {
            Kind::Orders => self.orders(window).await,
            Kind::Settlements => self.settlements(window).await,
            Kind::Inquiries => self.inquiries(window).await,
            Kind::Reviews => Err(CollectError::InvalidInput("11st has no review API".into())),
        }
    }

    fn reread(&self, _kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        reread(rejected)
    }

    /// The last hour's 결제완료 list: cheap, and refused exactly when the key or IP is.
    async fn verify(&self) -> Result<(), CollectError> {
        let now = Utc::now();
        let (from, to) = minute_range(&Window::new(now - Duration::hours(1), now));
        let (list, endpoint) = ORDER_ENDPOINTS[1];
        self.list(endpoint, &format!("/ordservices/{list}/{from}/{to}"))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn reply(status: u16, body: &str) -> Reply {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml;charset=EUC-KR"),
        );
        Reply {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers,
            body: Bytes::from(encoding_rs::EUC_KR.encode(body).0.into_owned()),
        }
    }

    #[test]
    fn the_lists_and_their_tables_agree() {
        let lists: Vec<_> = ORDER_ENDPOINTS.iter().map(|(l, _)| *l).collect();
        let table: Vec<_> = normalize::ORDER_LISTS.iter().map(|(l, _)| *l).collect();
        assert_eq!(lists, table);
        let lists: Vec<_> = CLAIM_ENDPOINTS.iter().map(|(l, _)| *l).collect();
        let table: Vec<_> = normalize::CLAIM_LISTS.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lists, table);
        for (list, ep) in ORDER_ENDPOINTS.iter().chain(CLAIM_ENDPOINTS) {
            assert!(ep.contains(&format!("/{list}/")), "{ep}");
        }
    }

    #[test]
    fn auth_messages_become_typed_errors() {
        let wrong_key = reply(
            500,
            "<?xml version=\"1.0\" encoding=\"euc-kr\"?><AuthMessage><resultCode>-1</resultCode><resultMessage>OpenAPI Key 에 해당하는 유저가 없습니다</resultMessage></AuthMessage>",
        );
        match judge("/ordservices/complete", &wrong_key) {
            Verdict::Fail(e) => assert_eq!(e.kind(), crate::ErrorKind::CredentialsRejected),
            v => panic!("{v:?}"),
        }
        let unregistered = reply(
            500,
            "<AuthMessage><resultCode>-997</resultCode><resultMessage>등록된 API 정보가 존재하지 않습니다.</resultMessage></AuthMessage>",
        );
        match judge("/ordservices/complete", &unregistered) {
            Verdict::Fail(CollectError::Rejected { detail, .. }) => {
                assert!(detail.contains("-997"))
            }
            v => panic!("{v:?}"),
        }
        assert!(matches!(
            judge("/x", &reply(500, "Internal Server Error")),
            Verdict::Transient(_)
        ));
        assert!(matches!(
            judge("/x", &reply(429, "")),
            Verdict::Throttled { .. }
        ));
        assert!(matches!(
            judge("/x", &reply(503, "")),
            Verdict::Throttled { .. }
        ));
        assert!(matches!(
            judge("/x", &reply(200, "<ns2:orders xmlns:ns2=\"x\"><ns2:order>")),
            Verdict::CutOff
        ));
        assert!(matches!(
            judge(
                "/x",
                &reply(200, "<ns2:orders xmlns:ns2=\"x\"></ns2:orders>")
            ),
            Verdict::Done
        ));
    }

    #[test]
    fn minute_ranges_cover_the_window_with_inclusive_minutes() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let w = Window::new(t("2025-03-01T00:00:00Z"), t("2025-03-08T00:00:00Z"));
        assert_eq!(
            minute_range(&w),
            ("202503010900".into(), "202503080859".into())
        );
        let w = Window::new(t("2025-03-01T00:00:30Z"), t("2025-03-01T00:00:40Z"));
        assert_eq!(
            minute_range(&w),
            ("202503010900".into(), "202503010900".into())
        );
    }

    #[test]
    fn credentials_debug_hides_the_key() {
        let c = Credentials {
            api_key: "KEY-VISIBLE?".into(),
        };
        assert!(!format!("{c:?}").contains("KEY-VISIBLE"));
    }
}
