//! Seller centers: the marketplaces' own web consoles, for data no API offers (reviews
//! first). A seller opts in by adding a `center` object to the market's credentials
//! ([`CenterLogin`]).
//!
//! The path, per seller and market:
//! - a cookie [`Jar`] per seller account, saved after every login and every change and
//!   restored by every later run (non-persistent session cookies included), encrypted at
//!   rest ([`SessionStore`]: Secrets Manager `sellerbox/<market>/<seller>/session` in AWS,
//!   encrypted files locally);
//! - a login that is one typed attempt at most per run ([`LoginOutcome`]): TOTP codes are
//!   computed from the seller's OTP secret; an SMS, e-mail or app code ends the run in
//!   "code needed" (a checkpoint, not a failure) until [`submit_code`] completes it; a
//!   captcha, a wrong password, a lock or a password change wait for a person and are not
//!   tried again while the seller's login is unchanged;
//! - every answer checked for logged-out signs ([`Expect`]): a logged-out session logs in
//!   once and repeats the request, keeping the windows already stored;
//! - the store identity check (the session must be the seller's own store) before
//!   anything is ingested;
//! - one request a second per session, and a 429 pauses the whole IP ([`IpPause`]).
//!
//! Adding a market's center is one folder here (`login.rs`, a parser per kind) with a
//! [`CenterSpec`], and one line in [`centers!`] below.

mod connector;
mod jar;
mod login;
mod session;
mod sessions;
pub mod totp;

#[cfg(feature = "coupang")]
pub mod coupang;
#[cfg(feature = "esm")]
pub mod esm;
#[cfg(feature = "naver")]
pub mod naver;

pub use connector::{CenterConnector, import_session, submit_code};
pub use jar::{Jar, JarError};
pub use login::{CenterLogin, CodeChannel, LoginMethod, LoginOutcome, Secret};
pub use session::{Expect, IpPause, Reply, Services, Session, USER_AGENT, resolve};
pub use sessions::{
    FileSessions, MemorySessions, SavedSession, SecretsManagerSessions, SessionState, SessionStore,
    session_name,
};

use crate::error::CollectError;
use crate::markets::KindPlan;
use crate::model::{Kind, Market, Records, Rejected, Window};
use async_trait::async_trait;

/// Declares the seller centers this build carries: one line per market, with the cargo
/// feature of the market (a Lambda function carries only its own).
macro_rules! centers {
    ($($variant:ident => $($spec:ident)::+, feature $feature:literal;)*) => {
        /// The seller center of `market` in this build, if it has one.
        pub fn center(market: Market) -> Option<&'static CenterSpec> {
            match market {
                $(#[cfg(feature = $feature)] Market::$variant => Some(&$($spec)::+),)*
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }
    };
}

centers! {
    Naver => naver::CENTER, feature "naver";
    Coupang => coupang::CENTER, feature "coupang";
    Gmarket => esm::GMARKET_CENTER, feature "gmarket";
    Auction => esm::AUCTION_CENTER, feature "auction";
}

/// A market's seller center as the fleet knows it.
pub struct CenterSpec {
    pub market: Market,
    /// What staff call it (스마트스토어센터, WING, ESM PLUS).
    pub name: &'static str,
    /// Hosts whose pages mean "log in first" when an answer redirects there.
    pub login_hosts: &'static [&'static str],
    /// The kinds read from the center, windowed like every kind.
    pub plans: &'static [KindPlan],
    pub center: &'static dyn SellerCenter,
}

impl CenterSpec {
    pub fn plan(&self, kind: Kind) -> Option<&'static KindPlan> {
        self.plans.iter().find(|p| p.kind == kind)
    }
}

/// The window plan of `kind` when `market` reads it from its seller center.
pub fn plan(market: Market, kind: Kind) -> Option<&'static KindPlan> {
    center(market).and_then(|c| c.plan(kind))
}

/// Whether a seller with these credentials has opted in to seller-center collection.
pub fn opted_in(credentials: &serde_json::Value) -> bool {
    credentials.get("center").is_some_and(|c| !c.is_null())
}

/// One market's seller center: its login and its parsers. Stateless; the [`Session`]
/// carries the seller's jar, pace and checks.
#[async_trait]
pub trait SellerCenter: Send + Sync {
    /// One login attempt with the seller's login (the jar may hold a device's cookies
    /// from earlier sessions). TOTP challenges are answered here when the seller shared
    /// the OTP secret; other codes end in [`LoginOutcome::CodeNeeded`].
    async fn login(&self, s: &Session, login: &CenterLogin) -> Result<LoginOutcome, CollectError>;

    /// Completes a login that ended in `CodeNeeded`, with the code the seller received
    /// and the `pending` state that outcome carried.
    async fn submit_code(
        &self,
        s: &Session,
        login: &CenterLogin,
        pending: &serde_json::Value,
        code: &Secret,
    ) -> Result<LoginOutcome, CollectError>;

    /// The store the session is logged into (Naver `channelNo`, Coupang `vendorId`, ESM
    /// PLUS `SellerId`...): compared with [`CenterLogin::store_id`] before anything is
    /// ingested. `login` is for a session that reaches several stores (an ESM PLUS master
    /// account), which answers the seller's own when it is among them. A logged-out
    /// session answers [`CollectError::SessionExpired`].
    async fn identity(&self, s: &Session, login: &CenterLogin) -> Result<String, CollectError>;

    /// Everything of `kind` in `window`, every page, normalized. "Could not read" is an
    /// error or a rejected record, never an empty result.
    async fn fetch(&self, s: &Session, kind: Kind, window: Window)
    -> Result<Records, CollectError>;

    /// Reads again a record an earlier run kept as rejected (no request).
    fn reread(&self, kind: Kind, rejected: &Rejected) -> Result<Records, String>;
}
