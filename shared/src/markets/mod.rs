//! One module per marketplace behind one small trait.
//!
//! A marketplace module provides a [`MarketSpec`]: its documented base URL, how each data
//! kind is windowed, and `connect`, which turns one seller's credentials into a
//! [`Connector`]. The connector authenticates, paginates and normalizes; the runner
//! decides windows, the HTTP layer paces and retries, the store writes.

pub mod coupang;
pub mod lenient;
pub mod naver;

use crate::error::CollectError;
use crate::http::{Http, Meter, TokenCache};
use crate::model::{Kind, Market, Records, Window};
use async_trait::async_trait;
use chrono::Duration;

/// One seller's live connection to one marketplace.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Everything of `kind` inside `window`, every page, normalized. The window respects
    /// the kind's [`KindPlan`].
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError>;

    /// One cheap authenticated call that proves the credentials (and our IP) are accepted.
    async fn verify(&self) -> Result<(), CollectError>;
}

/// What a connector needs to exist: shared services and one seller's credentials.
#[derive(Clone)]
pub struct ConnectCtx {
    pub http: Http,
    pub tokens: TokenCache,
    pub meter: Meter,
    pub seller_id: String,
    /// The market's credential object (see each market's `Credentials`).
    pub credentials: serde_json::Value,
    /// Where the marketplace's documented paths are appended; `None` = the real one.
    pub base_url: Option<String>,
}

impl ConnectCtx {
    pub fn base_url<'a>(&'a self, spec: &'a MarketSpec) -> &'a str {
        self.base_url
            .as_deref()
            .unwrap_or(spec.base_url)
            .trim_end_matches('/')
    }
}

/// How long one request's date range may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Any instants, at most this long (e.g. Naver's 24-hour change feed).
    Hours(i64),
    /// Whole KST calendar days, at most this many per request, both ends inclusive
    /// (e.g. Coupang's `createdAtFrom/To=yyyy-MM-dd`).
    KstDays(i64),
}

/// How the runner windows one data kind of one market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindPlan {
    pub kind: Kind,
    pub span: Span,
    /// How far before the watermark each run starts again: long where the endpoint lists
    /// by creation date and older rows change (Coupang orders: 7 days), short where it is
    /// a change feed (Naver: minutes).
    pub lookback: Duration,
    /// How far back a seller's first run goes.
    pub backfill: Duration,
}

/// A marketplace as the fleet knows it.
pub struct MarketSpec {
    pub market: Market,
    /// The documented production base URL.
    pub base_url: &'static str,
    /// The kinds collected through the marketplace's API, with their windows.
    pub plans: &'static [KindPlan],
    /// Kinds the API does not offer, with the reason, for the README and status output.
    pub not_by_api: &'static [(Kind, &'static str)],
    pub connect: fn(ConnectCtx) -> Result<Box<dyn Connector>, CollectError>,
}

impl MarketSpec {
    pub fn plan(&self, kind: Kind) -> Option<&KindPlan> {
        self.plans.iter().find(|p| p.kind == kind)
    }
}

pub fn spec(market: Market) -> &'static MarketSpec {
    match market {
        Market::Coupang => &coupang::SPEC,
        Market::Naver => &naver::SPEC,
    }
}

/// Parse a market's credential object into its own type, with a message that names the
/// market and the problem but never a value.
pub fn parse_credentials<T: serde::de::DeserializeOwned>(
    market: Market,
    value: &serde_json::Value,
) -> Result<T, CollectError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde names missing fields in backticks and unknown variants with their value;
        // keep only the first clause, which is about field names.
        let what = inner.split(':').next().unwrap_or("invalid").to_string();
        CollectError::InvalidInput(format!("{market} credentials at `{path}`: {what}"))
    })
}
