//! ESM PLUS (Gmarket, Auction; seller-centers.md §4, research in README.md "ESM PLUS
//! notes"): one console for both sites, as the API connectors share `markets::esm`, with a
//! [`CenterSpec`] per site.
//!
//! - Login by plain HTTP ([`login`]): `POST signin.esmplus.com/api/login` (JSON, the site's
//!   `siteType`), then `JwtAuthService` (sets `ESM_TOKEN`, `ESM_AUTH`) and
//!   `RegisterContacts` (sets `ESM_REQUEST_AUTH_PC`). No 2-factor step is known; a captcha
//!   waits for a person, who imports a browser session.
//! - The store: `GET /Member/AntiMoneyLaundering/GetAMLSellerList`, every site seller id
//!   under the session ([`identity`]).
//! - Reviews: the review list page (`/Review/ReviewList`), parsed from HTML ([`reviews`]).
//!
//! Logged-out signs: a redirect to signin.esmplus.com or to www's legacy
//! `/Member/SignIn/LogOn`, a password form, HTML where JSON was asked for.

pub mod identity;
pub mod login;
pub mod reviews;

#[cfg(test)]
mod tests;

use super::{CenterLogin, CenterSpec, LoginOutcome, Secret, SellerCenter, Session};
use crate::error::CollectError;
use crate::markets::{KindPlan, Span};
use crate::model::{Kind, Market, Records, Rejected, Window};
use async_trait::async_trait;
use chrono::Duration;

/// The sign-in host (its page and its JSON API).
pub const SIGNIN: &str = "signin.esmplus.com";
/// The console.
pub const WWW: &str = "www.esmplus.com";
/// The legacy sign-in page on the console's own host: a redirect there is logged out
/// (a replayed session from another IP, research §4).
pub const LOGON: &str = "/Member/SignIn/LogOn";

/// What differs between the two sites of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    pub market: Market,
    /// The sign-in body's `siteType`: "GMARKET" is captured (S2); "AUCTION" is
    /// [ASSUMED] by analogy (the legacy forms used GMKT / IAC).
    pub site_type: &'static str,
    /// `SiteId` in GetAMLSellerList: 2 Gmarket, 1 Auction (S1).
    pub site_id: u64,
}

pub const GMARKET: Site = Site {
    market: Market::Gmarket,
    site_type: "GMARKET",
    site_id: 2,
};

pub const AUCTION: Site = Site {
    market: Market::Auction,
    site_type: "AUCTION",
    site_id: 1,
};

/// The list takes KST dates (`BeginDt`, `EndDt`); a longest range is not known, so a
/// month per request, as Naver's.
pub const MAX_DAYS: i64 = 31;

const PLANS: &[KindPlan] = &[KindPlan {
    kind: Kind::Reviews,
    span: Span::KstDays(MAX_DAYS),
    max_range: Some(Span::KstDays(MAX_DAYS)),
    // Replies change reviews after they are written: the last 2 days again.
    lookback: Duration::days(2),
    backfill: Duration::days(30),
    max_history: Duration::days(365),
}];

pub static GMARKET_CENTER: CenterSpec = CenterSpec {
    market: Market::Gmarket,
    name: "ESM PLUS (G마켓)",
    login_hosts: &[SIGNIN],
    plans: PLANS,
    center: &EsmCenter(GMARKET),
};

pub static AUCTION_CENTER: CenterSpec = CenterSpec {
    market: Market::Auction,
    name: "ESM PLUS (옥션)",
    login_hosts: &[SIGNIN],
    plans: PLANS,
    center: &EsmCenter(AUCTION),
};

/// ESM PLUS for one site.
pub struct EsmCenter(pub Site);

#[async_trait]
impl SellerCenter for EsmCenter {
    async fn login(&self, s: &Session, login: &CenterLogin) -> Result<LoginOutcome, CollectError> {
        login::log_in(s, login, self.0).await
    }

    async fn submit_code(
        &self,
        _: &Session,
        _: &CenterLogin,
        _: &serde_json::Value,
        _: &Secret,
    ) -> Result<LoginOutcome, CollectError> {
        // No ESM PLUS login ends in "code needed": no 2-factor step is known.
        Err(CollectError::InvalidInput(format!(
            "the {} ESM PLUS login asks for no code; nothing to submit",
            self.0.market
        )))
    }

    async fn identity(&self, s: &Session, login: &CenterLogin) -> Result<String, CollectError> {
        identity::seller_of(s, self.0, &login.store_id).await
    }

    async fn fetch(
        &self,
        s: &Session,
        kind: Kind,
        window: Window,
    ) -> Result<Records, CollectError> {
        match kind {
            Kind::Reviews => reviews::fetch(s, self.0.market, window).await,
            other => Err(CollectError::InvalidInput(format!(
                "the {} ESM PLUS seller center is read for reviews only, not {other}",
                self.0.market
            ))),
        }
    }

    fn reread(&self, kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        match kind {
            Kind::Reviews => reviews::reread(rejected),
            other => Err(format!(
                "no {other} from the {} ESM PLUS seller center",
                self.0.market
            )),
        }
    }
}

/// Whether a redirect's `Location` means "log in first": signin.esmplus.com (the
/// session's login host) or the console's legacy LogOn page.
pub(crate) fn is_logged_out_redirect(s: &Session, location: &str) -> bool {
    s.is_login_url(location) || location.contains(LOGON)
}
