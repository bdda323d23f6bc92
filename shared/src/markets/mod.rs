//! One module per marketplace behind one small trait, and the registry of them.
//!
//! A marketplace module provides a [`MarketSpec`]: its documented base URL, how each data
//! kind is windowed, and `connect`, which turns one seller's credentials into a
//! [`Connector`]. The connector authenticates, paginates and normalizes; the runner
//! decides windows, the HTTP layer paces and retries, the store writes.
//!
//! Adding a market is one folder here and one line in [`registry!`] below: the line
//! declares the market's id, its spec (in its module, declared beside the registry) and
//! the cargo feature that compiles it in; two markets behind one API (Gmarket and
//! Auction, ESM) share one module. Each
//! `functions/<market>` crate enables only its own feature, so its bootstrap carries one
//! connector; the CLI and the tests enable `all-markets`.

use crate::error::CollectError;
use crate::http::{Http, Meter, Reach, TokenCache};
use crate::model::{Kind, Records, Rejected, Window};
use async_trait::async_trait;
use chrono::{Duration, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// Declares the markets: the [`Market`] id type (every market, compiled in or not, so
/// that stored rows and events of any market can be named), the feature-gated modules,
/// and [`spec`], which finds a compiled-in market's [`MarketSpec`].
macro_rules! registry {
    ($($variant:ident = $id:literal, spec $($spec:ident)::+, feature $feature:literal;)+) => {
        /// The marketplaces the fleet knows. The string form is the id used in URLs,
        /// secrets, file names and the database.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Market {
            $($variant,)+
        }

        impl Market {
            /// Every market, in registry order.
            pub const ALL: &'static [Market] = &[$(Market::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Market::$variant => $id,)+
                }
            }
        }

        /// This build's connector of `market`; `None` where the build leaves it out (a
        /// Lambda function carries only its own market).
        pub fn spec(market: Market) -> Option<&'static MarketSpec> {
            match market {
                $(#[cfg(feature = $feature)] Market::$variant => Some(&$($spec)::+),)+
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }
    };
}

registry! {
    Coupang = "coupang", spec coupang::SPEC, feature "coupang";
    Naver = "naver", spec naver::SPEC, feature "naver";
    Ssg = "ssg", spec ssg::SPEC, feature "ssg";
    LotteOn = "lotteon", spec lotteon::SPEC, feature "lotteon";
    Elevenst = "11st", spec elevenst::SPEC, feature "11st";
    Gmarket = "gmarket", spec esm::GMARKET, feature "gmarket";
    Auction = "auction", spec esm::AUCTION, feature "auction";
}

#[cfg(feature = "coupang")]
pub mod coupang;
#[cfg(feature = "11st")]
pub mod elevenst;
#[cfg(any(feature = "gmarket", feature = "auction"))]
pub mod esm;
#[cfg(feature = "lotteon")]
pub mod lotteon;
#[cfg(feature = "naver")]
pub mod naver;
#[cfg(feature = "ssg")]
pub mod ssg;

pub mod lenient;
pub mod listing;
pub mod rows;

/// `[first, last]` cut into consecutive ranges of at most `days` dates: the requests of an
/// endpoint that takes whole dates and a documented maximum range.
pub fn day_chunks(first: NaiveDate, last: NaiveDate, days: i64) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut a = first;
    while a <= last {
        let b = (a + Duration::days(days.max(1) - 1)).min(last);
        out.push((a, b));
        a = b + Duration::days(1);
    }
    out
}

/// The markets this build can collect, in registry order.
pub fn compiled() -> impl Iterator<Item = &'static MarketSpec> {
    Market::ALL.iter().filter_map(|m| spec(*m))
}

/// [`spec`], or the error to give when a market is not in this build.
pub fn require(market: Market) -> Result<&'static MarketSpec, CollectError> {
    spec(market).ok_or_else(|| {
        CollectError::InvalidInput(format!(
            "this build does not collect {market}; it collects: {}",
            compiled()
                .map(|s| s.market.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown market {0:?}; known markets: {known}", known = known_ids())]
pub struct UnknownMarket(pub String);

fn known_ids() -> String {
    Market::ALL
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Market {
    type Err = UnknownMarket;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Market::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == wanted)
            .ok_or_else(|| UnknownMarket(s.to_string()))
    }
}

impl serde::Serialize for Market {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Market {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One seller's live connection to one marketplace.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Everything of `kind` inside `window`, every page, normalized. The window respects
    /// the kind's [`KindPlan`].
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError>;

    /// One cheap authenticated call that proves the credentials (and our IP) are accepted.
    async fn verify(&self) -> Result<(), CollectError>;

    /// Reads again, with this build's code, a record of `kind` that an earlier run kept as
    /// rejected: its rows once it reads, or why it still does not. No request is sent.
    fn reread(&self, kind: Kind, rejected: &Rejected) -> Result<Records, String>;
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
    /// The seller account's options (a JSON object, `{}` when none; see
    /// [`SellerAccount::options`](crate::model::SellerAccount)): per-seller opt-ins a market
    /// reads by name (e.g. Lotte ON's `acknowledge_orders`). Unknown names are ignored.
    pub options: serde_json::Value,
}

impl ConnectCtx {
    /// The account option `name` as a yes/no: `true`, `"true"`, `"Y"`, `"yes"` or `1` are
    /// yes; anything else (or no such option) is no.
    pub fn option_enabled(&self, name: &str) -> bool {
        match self.options.get(name) {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => {
                matches!(
                    s.trim().to_ascii_lowercase().as_str(),
                    "true" | "y" | "yes" | "1"
                )
            }
            Some(serde_json::Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

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
    /// The windows the runner cuts; never longer than `max_range`.
    pub span: Span,
    /// The longest range the marketplace documents for one request of this kind (e.g.
    /// Coupang's ordersheets: 31 days), which it refuses to exceed: the conformance suite
    /// asks for longer and expects a refusal, never a silent success. `None` where the
    /// connector asks any window in requests of its own ranges (Naver's settlements: one
    /// day per call; Naver's orders: the feed 24 hours at a time).
    pub max_range: Option<Span>,
    /// How far before the watermark each run starts again: long where the endpoint lists
    /// by creation date and older rows change (Coupang orders: 7 days), short where it is
    /// a change feed (Naver: minutes).
    pub lookback: Duration,
    /// How far back a seller's first run goes.
    pub backfill: Duration,
    /// How far back from now an explicit range (`--since`, `--from`, an event's
    /// `lookback` or `from`) may start: what the marketplace serves for the kind, and what
    /// one run can page through. A longer one is refused before anything is written.
    pub max_history: Duration,
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
    /// Every throttle answer the marketplace documents, by name (an HTTP status, or the
    /// market's own code): the connector must recognise each as a throttle. The
    /// conformance suite has the market's simulator give each one (`SimSpec::throttles`
    /// uses the same names) and checks that a run still completes.
    pub throttles: &'static [&'static str],
    /// The market's limits table, one row per limit key group (see [`Limit`]): what
    /// `sellerbox plan` sizes the fleet from. The connector's own pacing reads the same
    /// constants in the market's `limits.rs`.
    pub limits: &'static [Limit],
    pub connect: fn(ConnectCtx) -> Result<Box<dyn Connector>, CollectError>,
}

/// One row of a market's limits table: a bucket the marketplace meters, how fast it
/// refills, who counts against it, and which share of each kind's requests lands in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// The endpoint group, as in the market's `LimitKey`s.
    pub group: &'static str,
    /// Per seller, or one bucket for the whole fleet (our application, our egress IP).
    pub reach: Reach,
    /// What one bucket belongs to, in words ("vendor", "application", "egress IP"): what
    /// a second one of it would be.
    pub per: &'static str,
    /// Requests per second, as the connector paces the key.
    pub rate: f64,
    /// `(kind, share)`: the share of one run's requests of `kind` sent on this key (the
    /// runs table records requests per run, not per endpoint; the shares come from the
    /// connector's calls per window). A kind's shares add up to 1 over its keys.
    pub uses: &'static [(Kind, f64)],
}

impl MarketSpec {
    /// The limits table's rows a run of `kind` sends on, with their shares.
    pub fn limits_of(&self, kind: Kind) -> impl Iterator<Item = (&Limit, f64)> {
        self.limits.iter().filter_map(move |l| {
            l.uses
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, share)| (l, *share))
        })
    }

    pub fn plan(&self, kind: Kind) -> Option<&KindPlan> {
        self.plans.iter().find(|p| p.kind == kind)
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
